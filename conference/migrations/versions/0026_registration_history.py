"""registration history: who changed a registration, what and when (the values of the status and the category
alone)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 05:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'registration_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('registered', sa.Boolean(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.CheckConstraint("actor IN ('participant', 'staff', 'system')", name=op.f('ck_registration_change_actor')),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_registration_change_participant_id_participant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_registration_change_user_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_change')),
    )
    op.create_index('ix_registration_change_participant', 'registration_change', ['participant_id', 'changed_at'])


def downgrade():
    op.drop_index('ix_registration_change_participant', table_name='registration_change')
    op.drop_table('registration_change')
