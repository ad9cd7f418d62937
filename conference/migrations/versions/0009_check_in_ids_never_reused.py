"""check-in ids never reused: AUTOINCREMENT on SQLite (PostgreSQL's sequences never reuse ids)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 14:30:00

"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("check_in", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("check_in", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
