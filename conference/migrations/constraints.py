"""What several migrations do alike: replace a table's CHECK constraint (a list of kinds that grew)."""

from alembic import op


def replace_check(table: str, name: str, condition: str, also: tuple[str, str] | None = None) -> None:
    """The table's check constraint `name` becomes `condition`. SQLite changes a constraint by rebuilding the table,
    which keeps none of its CHECK constraints (it does not reflect them): those it has besides (`also`) are made
    again."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(table, recreate='always') as batch_op:
            batch_op.create_check_constraint(name, condition)
            if also:
                batch_op.create_check_constraint(*also)
    else:
        op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
        op.create_check_constraint(name, table, condition)
