"""What every form shares."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Control characters other than tab and line breaks: a NUL alone breaks PostgreSQL text and the search index.
_CONTROL = dict.fromkeys(code for code in (*range(32), 127) if code not in (9, 10, 13))


def clean(value):
    """Form filter: trims the ends and drops control characters, keeping line breaks in longer texts."""
    return value.translate(_CONTROL).strip() if isinstance(value, str) else value


def printable_on_a_badge(form, field):
    """Refuses emoji (characters past U+FFFF, and the selector that asks for the emoji form of a symbol): the
    badge's font has none of them, and a badge would print «□» in their place."""
    if any(ord(char) > 0xFFFF or char == "\ufe0f" for char in field.data or ""):
        raise ValidationError(_l("Remove the emoji: a badge cannot print them."))


def plausible_year(form, field):
    """Dates from year 1 or 9999 parse, but cannot be converted between time zones: keep to this era."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))
