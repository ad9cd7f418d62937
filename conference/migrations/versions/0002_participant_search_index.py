"""participant search index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL); status index covers the region

Substring search over names, emails and organizations ("иванов", "сбербанк") without reading every row:
20,000 participants take ~25 ms to scan with LIKE on SQLite, ~1 ms through the index.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_index("ix_participant_event_status")
        batch.create_index("ix_participant_event_status_subject", ["event_id", "status", "subject_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE participant_search USING fts5("
            "search_text, content='participant', content_rowid='id', tokenize='trigram')"
        )
        op.execute("INSERT INTO participant_search(rowid, search_text) SELECT id, search_text FROM participant")
        op.execute(
            "CREATE TRIGGER participant_search_insert AFTER INSERT ON participant BEGIN "
            "INSERT INTO participant_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER participant_search_delete AFTER DELETE ON participant BEGIN "
            "INSERT INTO participant_search(participant_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER participant_search_update AFTER UPDATE OF search_text ON participant BEGIN "
            "INSERT INTO participant_search(participant_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO participant_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX participant_search_trgm ON participant USING gin (search_text gin_trgm_ops)")


def downgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_index("ix_participant_event_status_subject")
        batch.create_index("ix_participant_event_status", ["event_id", "status"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS participant_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS participant_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS participant_search_trgm")
