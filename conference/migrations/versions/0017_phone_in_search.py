"""phone in search: a participant is found by their phone number (its digits, in search_text)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:20:00

"""
import sqlalchemy as sa
from alembic import op

from conference.registration.models import phone_digits

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

participant = sa.table("participant", sa.column("id", sa.Integer), sa.column("phone", sa.String),
                       sa.column("search_text", sa.String))


def upgrade():
    # The search index follows through its update trigger (SQLite) or indexes the column itself (PostgreSQL).
    connection = op.get_bind()
    rows = connection.execute(sa.select(participant.c.id, participant.c.phone, participant.c.search_text)
                              .where(participant.c.phone != "")).all()
    for participant_id, phone, search_text in rows:
        connection.execute(participant.update().where(participant.c.id == participant_id)
                           .values(search_text=f"{search_text} {phone_digits(phone)}"))


def downgrade():
    pass  # the digits at the end of search_text find nobody by mistake; the next edit of each row rewrites it
