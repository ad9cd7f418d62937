"""the press release after the event: its text per event and language, as the organizers edited it, and the draft
it was last drafted from

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'press_release',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('drafted', sa.Text(), nullable=False),
        sa.Column('drafted_at', sa.DateTime(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("language IN ('ru', 'en')", name=op.f('ck_press_release_language')),
        sa.CheckConstraint('version > 0', name=op.f('ck_press_release_version_positive')),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_press_release_event_id_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id'],
                                name=op.f('fk_press_release_saved_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_press_release')),
        sa.UniqueConstraint('event_id', 'language', name='uq_press_release_event_language'),
    )


def downgrade():
    op.drop_table('press_release')
