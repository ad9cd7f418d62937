"""session key: logging out ends every copy of a staff member's session, not only the browser's cookie

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions opened before carry no key: they match the empty one until their owner next logs out.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.String(length=32), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_key')
