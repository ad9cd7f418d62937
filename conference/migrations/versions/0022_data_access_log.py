"""who saw whom: each look of a staff member at participants' personal data (a participant's page, an export, badges)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=254), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.CheckConstraint("kind IN ('participant', 'export', 'badge', 'badges')", name=op.f('ck_data_access_kind')),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_data_access_event_id_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_data_access_participant_id_participant'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_data_access_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_access')),
    )
    op.create_index('ix_data_access_event_at', 'data_access', ['event_id', 'at'], unique=False)
    op.create_index(op.f('ix_data_access_at'), 'data_access', ['at'], unique=False)
    op.create_index(op.f('ix_data_access_user_id'), 'data_access', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_data_access_user_id'), table_name='data_access')
    op.drop_index(op.f('ix_data_access_at'), table_name='data_access')
    op.drop_index('ix_data_access_event_at', table_name='data_access')
    op.drop_table('data_access')
