"""private link keys; search text reads ё as е

Every private link now carries the participant's link key, so a new key revokes the old links (after an email
change, or a registration revived after a cancellation). Existing participants get a random key each; links sent
before this revision stop working and can be requested again from the event page.

Revision ID: 0004
Revises: 0003
"""
import secrets

import sqlalchemy as sa
from alembic import op

from conference.registration import search_index

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

participant = sa.table("participant", sa.column("id", sa.Integer), sa.column("link_key", sa.String),
                       sa.column("search_text", sa.String))


def upgrade():
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("link_key", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    for (participant_id,) in connection.execute(sa.select(participant.c.id)).all():
        connection.execute(participant.update().where(participant.c.id == participant_id)
                           .values(link_key=secrets.token_urlsafe(16)))
    # The search index follows through its update trigger (SQLite) or indexes the column itself (PostgreSQL).
    connection.execute(participant.update().values(
        search_text=sa.func.replace(participant.c.search_text, "ё", "е")))
    with op.batch_alter_table("participant") as batch:
        batch.alter_column("link_key", existing_type=sa.String(length=32), nullable=False)
    search_index.restore(op)  # SQLite rebuilt the table above, and its triggers went with the old one


def downgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("link_key")
    search_index.restore(op)
