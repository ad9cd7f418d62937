"""Browser libraries that `make vendor` copies from npm into static/vendor (never committed). A page uses one when it
is there and works with plain HTML controls when it is not (no npm on the machine that built it)."""

from conference.config import PROJECT_ROOT


def vendored(path: str) -> bool:
    """Whether the library at `path` (under static/) has been put there."""
    return (PROJECT_ROOT / "static" / path).is_file()
