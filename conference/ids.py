"""Row ids in URLs. Every <int:…> of ours is a row's id, and an id larger than an integer column holds (PostgreSQL's
are 32 bits; SQLite's driver refuses anything past 64) would make the database driver fail: a 500 where there is
simply no such row. So such a number matches no route (404), and query arguments are read the same way."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The app's <int:…>: a non-negative integer up to MAX_ID."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **{"max": MAX_ID, **kwargs})


def database_id(text: str) -> int:
    """For request.args.get(…, type=database_id): a ValueError (so None) for what no row can have."""
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(f"not an id: {text}")
    return value
