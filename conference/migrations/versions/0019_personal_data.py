"""personal data under 152-FZ: when a registration was anonymised, and how long an event keeps personal data after it
ends

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
    # Every existing event keeps its participants' data for the default 12 months after it ends.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=False, server_default='12'))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
