"""letters to groups: an organizer's letter to the participants a list's filters or selection name, each recipient's
letter in the outbox tied to it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:00:00

"""
import sqlalchemy as sa
from alembic import op

from conference.migrations.constraints import replace_check
from conference.registration import search_index


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mailing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('subject_en', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('participant_ids', sa.JSON(), nullable=True),
        sa.Column('attach_badge', sa.Boolean(), nullable=False),
        sa.Column('attach_calendar', sa.Boolean(), nullable=False),
        sa.Column('attach_certificate', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('all_queued_at', sa.DateTime(), nullable=True),
        sa.Column('is_news', sa.Boolean(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.CheckConstraint("purpose IN ('group', 'reminder')", name=op.f('ck_mailing_purpose')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_mailing_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_mailing_event_id_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing')),
    )
    op.create_index(op.f('ix_mailing_event_id'), 'mailing', ['event_id'], unique=False)
    op.create_table(
        'letter_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("key IN ('registered', 'confirmed', 'rejected', 'cancelled', 'session_moved', "
                           "'seat_promoted')", name=op.f('ck_letter_text_key')),
        sa.CheckConstraint("language IN ('ru', 'en')", name=op.f('ck_letter_text_language')),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_letter_text_event_id_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_text')),
        sa.UniqueConstraint('event_id', 'key', 'language', name='uq_letter_text_event_key_language'),
    )
    # Added columns alone: SQLite adds them in place (no table rebuilt, the search index's triggers untouched).
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('news_opt_out_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailing_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_letter_mailing_id'), ['mailing_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_letter_mailing_id_mailing'), 'mailing', ['mailing_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_letter_mailing_participant', ['mailing_id', 'participant_id'])
    # Certificates are personal data too: their downloads join the access log.
    replace_check('data_access', 'kind',
                  "kind IN ('participant', 'export', 'badge', 'badges', 'certificate', 'certificates')")


def downgrade():
    op.execute("DELETE FROM data_access WHERE kind IN ('certificate', 'certificates')")  # (kinds 0022 did not know)
    replace_check('data_access', 'kind', "kind IN ('participant', 'export', 'badge', 'badges')")
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint('uq_letter_mailing_participant', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_letter_mailing_id_mailing'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_letter_mailing_id'))
        batch_op.drop_column('mailing_id')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('reminder_days')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('news_opt_out_at')
    search_index.restore(op)  # (SQLite rebuilt the table to drop the column, and its triggers went with it)
    op.drop_table('letter_text')
    op.drop_index(op.f('ix_mailing_event_id'), table_name='mailing')
    op.drop_table('mailing')
