"""badge QR kept: each badge's QR code is drawn once, when the badge is issued

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Badges issued before get their picture the first time they are printed (badges.services.current_badges).
    with op.batch_alter_table('badge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qr_png', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('badge', schema=None) as batch_op:
        batch_op.drop_column('qr_png')
