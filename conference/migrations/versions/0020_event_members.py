"""access per event: organizers and check-in staff are members of the events they work on; every existing one
becomes a member of every existing event, so that nobody loses access

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_member',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_member_event_id_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_event_member_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_event_member')),
    )
    op.create_index(op.f('ix_event_member_user_id'), 'event_member', ['user_id'], unique=False)
    # Admins manage every event without being members; everybody else keeps what they had: every event.
    op.execute(
        "INSERT INTO event_member (event_id, user_id, added_at) "
        "SELECT event.id, user_account.id, CURRENT_TIMESTAMP FROM event, user_account "
        "WHERE user_account.role IN ('organizer', 'checkin')"
    )


def downgrade():
    op.drop_index(op.f('ix_event_member_user_id'), table_name='event_member')
    op.drop_table('event_member')
