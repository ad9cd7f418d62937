"""Language choice, and dates and times written the way the page's language writes them."""

from datetime import date, datetime
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale, refresh
from flask_login import current_user

from .timeutil import to_zone


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "ru"


class InEnglishToo:
    """Rows whose texts organizers write in Russian and may also give in English (`name` and `name`_en): an
    event's title and description, a room's name, a session's title, a recommendation's text …"""

    def localized(self, name: str, language: str | None = None) -> str:
        """The text `name` in `language` (the page's or the letter's by default): Russian where no English was
        given."""
        english = (getattr(self, f"{name}_en") or "").strip() if (language or current_language()) == "en" else ""
        return english or getattr(self, name) or ""


def date_range(start: date, end: date) -> str:
    """«23 ноября 2018 г.» or «23–24 ноября 2018 г.»; «November 23–24, 2018». CLDR's intervals abbreviate the
    month in both languages («22—23 нояб.», «Nov 23 – 24»): organizers write it out in full."""
    if start == end:
        return format_date(start, format="long")
    if start.year != end.year:
        return f"{format_date(start, format='long')} – {format_date(end, format='long')}"
    if current_language() == "ru":
        head = str(start.day) if start.month == end.month else format_date(start, "d MMMM")
        separator = "–" if start.month == end.month else " – "
        return f"{head}{separator}{format_date(end, format='long')}"
    tail = format_date(end, "d, y") if start.month == end.month else format_date(end, "MMMM d, y")
    separator = "–" if start.month == end.month else " – "
    return f"{format_date(start, 'MMMM d')}{separator}{tail}"


# English writes the month first, as format_date(…, "long") does on the same pages: «November 23, 2018, 10:00».
_ENGLISH_ORDER = {"d MMMM y, HH:mm": "MMMM d, y, HH:mm", "d MMMM, HH:mm": "MMMM d, HH:mm"}


def local_datetime(value: datetime | None, zone_name: str, fmt: str = "d MMMM y, HH:mm") -> str:
    if value is None:
        return ""
    if current_language() == "en":
        fmt = _ENGLISH_ORDER.get(fmt, fmt)
    return format_datetime(to_zone(value, zone_name), fmt, rebase=False)


def language_name(code: str) -> str:
    """A language as the page's language names it (CLDR's names): «Русский», «Английский» on a Russian page,
    «Russian», «English» on an English one; an unknown code as it is."""
    name = Locale(current_language()).languages.get(code, code)
    return name[:1].upper() + name[1:]


def translated(labels: dict) -> dict[str, str]:
    """A table of lazy labels translated once per page rather than once per table row."""
    return {key: str(label) for key, label in labels.items()}


def numeric_datetime(value: datetime | None, zone_name: str) -> str:
    """«23.11.2018 09:41»: the same in both languages, and cheap enough for every row of a long table."""
    return to_zone(value, zone_name).strftime("%d.%m.%Y %H:%M") if value else ""


def safe_next_url(target: str | None, fallback: str) -> str:
    """Only local paths: a crafted ?next= must not send anyone to another site."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date_long"] = lambda value: format_date(value, format="long") if value else ""
    app.jinja_env.globals["date_range"] = date_range
    app.jinja_env.globals["local_datetime"] = local_datetime
    app.jinja_env.globals["numeric_datetime"] = numeric_datetime
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_name"] = language_name

    @app.after_request
    def vary_with_the_browsers_language(response):
        if g.get("language_from_browser"):  # (a shared cache must not give an English page to a Russian browser)
            response.vary.add("Accept-Language")
        return response

    @app.route("/lang/<code>")
    def switch_language(code: str):
        if code in app.config["LANGUAGES"]:
            session["lang"] = code
        return redirect(safe_next_url(request.args.get("next"), url_for("events.index")))


def speak_the_language_of(language: str) -> None:
    """A page reached through a participant's private link speaks the language they registered in, unless this
    browser has chosen one: the link in an English letter opens English pages in a fresh browser. (Staff opening
    it from a participant's page keep theirs.)"""
    if "lang" not in session and language in current_app.config["LANGUAGES"] and not current_user.is_authenticated:
        session["lang"] = language
        refresh()  # (the page's locale may have been chosen already)
