"""DDL of the participant search index, kept outside the models (see SEARCH_INDEX in models.py).

SQLite: an FTS5 trigram table over participant.search_text, kept current by three triggers. A migration that
rebuilds the participant table on SQLite (Alembic's batch mode does so for most column changes) drops those
triggers with the old table: it must call restore() afterwards.
PostgreSQL: a pg_trgm GIN index, which survives column changes by itself.
"""

from .models import SEARCH_INDEX

_TRIGGERS = {
    "insert": f"AFTER INSERT ON participant BEGIN INSERT INTO {SEARCH_INDEX}(rowid, search_text) "
              "VALUES (new.id, new.search_text); END",
    "delete": f"AFTER DELETE ON participant BEGIN INSERT INTO {SEARCH_INDEX}({SEARCH_INDEX}, rowid, search_text) "
              "VALUES ('delete', old.id, old.search_text); END",
    "update": f"AFTER UPDATE OF search_text ON participant BEGIN "
              f"INSERT INTO {SEARCH_INDEX}({SEARCH_INDEX}, rowid, search_text) "
              "VALUES ('delete', old.id, old.search_text); "
              f"INSERT INTO {SEARCH_INDEX}(rowid, search_text) VALUES (new.id, new.search_text); END",
}


def create(op) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {SEARCH_INDEX} USING fts5("
                   "search_text, content='participant', content_rowid='id', tokenize='trigram')")
        restore(op)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {SEARCH_INDEX}_trgm ON participant USING gin (search_text gin_trgm_ops)")


def restore(op) -> None:
    """SQLite: (re)creates the triggers and rebuilds the index from the participant table."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, body in _TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {SEARCH_INDEX}_{name}")
        op.execute(f"CREATE TRIGGER {SEARCH_INDEX}_{name} {body}")
    op.execute(f"INSERT INTO {SEARCH_INDEX}({SEARCH_INDEX}) VALUES ('rebuild')")


def drop(op) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {SEARCH_INDEX}_{name}")
        op.execute(f"DROP TABLE IF EXISTS {SEARCH_INDEX}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}_trgm")
