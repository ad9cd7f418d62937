"""consent texts kept as published: each version of an event's consent text (ru and en), and the one each
registration agreed to

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa

from conference.registration import search_index


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consent_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('text_en', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_consent_text_event_id_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_text')),
        sa.UniqueConstraint('event_id', 'version', name='uq_consent_text_event_version'),
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_text_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_participant_consent_text_id_consent_text'), 'consent_text',
                                    ['consent_text_id'], ['id'])
    search_index.restore(op)  # SQLite rebuilt the table above, and its triggers went with the old one
    # The text each event shows now is its one version known; the registrations of that version agreed to it.
    # Those of an older version agreed to a text nobody kept: they point at nothing, and say so.
    op.execute(
        "INSERT INTO consent_text (event_id, version, text, text_en, published_at) "
        "SELECT id, consent_version, consent_text, consent_text_en, CURRENT_TIMESTAMP FROM event"
    )
    op.execute(
        "UPDATE participant SET consent_text_id = (SELECT consent_text.id FROM consent_text "
        "WHERE consent_text.event_id = participant.event_id AND consent_text.version = participant.consent_version)"
    )


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participant_consent_text_id_consent_text'), type_='foreignkey')
        batch_op.drop_column('consent_text_id')
    search_index.restore(op)
    op.drop_table('consent_text')
