"""the outbox (letters and their attempts), files prepared by jobs, and a badge for every confirmed participant

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('handed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_answer', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'dropped')", name=op.f('ck_letter_status')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_letter_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_letter_participant_id_participant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter'))
    )
    op.create_index(op.f('ix_letter_event_id'), 'letter', ['event_id'])
    op.create_index(op.f('ix_letter_participant_id'), 'letter', ['participant_id'])
    op.create_index('ix_letter_due', 'letter', ['status', 'next_attempt_at'])
    op.create_table('letter_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_attempt_letter_id_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_attempt'))
    )
    op.create_index(op.f('ix_letter_attempt_letter_id'), 'letter_attempt', ['letter_id'])
    op.create_table('download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('printed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'working', 'ready', 'failed', 'expired')", name=op.f('ck_download_status')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_download_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_download_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download'))
    )
    op.create_index(op.f('ix_download_event_id'), 'download', ['event_id'])
    # A badge exists from confirmation on (so that reading one never has to issue it): confirmed participants
    # without one get theirs now; its QR picture is drawn the first time it is printed.
    connection = op.get_bind()
    unbadged = connection.execute(sa.text(
        "SELECT id FROM participant WHERE status = 'confirmed' AND id NOT IN "
        "(SELECT participant_id FROM badge WHERE revoked_at IS NULL)")).scalars().all()
    if unbadged:
        connection.execute(sa.text(
            "INSERT INTO badge (participant_id, token, issued_at, print_count) "
            "VALUES (:participant_id, :token, CURRENT_TIMESTAMP, 0)"),
            [{"participant_id": participant_id, "token": f"{secrets.randbelow(10 ** 40):040d}"}
             for participant_id in unbadged])


def downgrade():
    op.drop_table('download')
    op.drop_table('letter_attempt')
    op.drop_table('letter')
