"""badge renders kept: a participant's badge rendered alone on A6 is kept for the bulk print

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badge_render',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_badge_render_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_badge_render'))
    )


def downgrade():
    op.drop_table('badge_render')
