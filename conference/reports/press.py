"""The press release after the event, in the seed's manner (shared/seed): a headline, the report's summary
sentence (who came and from where), the program (the sessions' kinds and titles, in order), and the
recommendations adopted with their addressees. Drafted from the data in Russian or English; the organizers edit it
and keep it per event and language; downloaded as DOCX.

The text is plain: paragraphs separated by an empty line, the first of them the headline; a line that starts with
«- » is an item of a list."""

import io
import re
from dataclasses import dataclass

from docx import Document
from docx.shared import Pt, RGBColor
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import User
from conference.agenda.labels import KIND_LABELS
from conference.agenda.models import OPEN_TO_ALL, AgendaSession
from conference.events.models import Event
from conference.events.services import event_city
from conference.extensions import db
from conference.i18n import current_language, date_range
from conference.timeutil import utcnow
from conference.transactions import savepoint

from .models import PressRelease
from .services import build_report, summary

MAX_LENGTH = 60_000  # characters: the seed's release is 4,000; one with twenty long recommendations stays well inside

# Kinds whose titles say what they are («Выездное заседание Экспертного совета …», «Награждение победителей …»):
# the program names them by their titles alone. The others are named by their kind and their title in quotes
# («Пленарное заседание «…»»).
SELF_NAMED = ("expert_council", "awards")
# An expert council meeting held together with the session that follows it in the same room (the seed's off-site
# council «совмещено с проектной сессией «…»»): the words for each kind of session it may be joined to.
JOINED = {
    "project_session": _l("combined with the project session %(title)s"),
    "round_table": _l("combined with the round table %(title)s"),
    "seminar": _l("combined with the seminar %(title)s"),
    "panel": _l("combined with the panel discussion %(title)s"),
}


class PressReleaseError(ValueError):
    """`code`: «changed» (saved meanwhile by someone else)."""

    def __init__(self, code: str, saved: PressRelease | None = None):
        super().__init__(code)
        self.code = code
        self.saved = saved


# ---- the draft ----------------------------------------------------------------------------------------------

def quoted(title: str) -> str:
    return f"«{title}»" if current_language() == "ru" else f"“{title}”"


def english_quotes(text: str) -> str:
    """«…» as English writes it, “…”: the report's summary sentence quotes the event's title the Russian way in
    both languages."""
    return text.replace("«", "“").replace("»", "”")


def program_items(event: Event) -> list[str]:
    """The public sessions in order, breaks and the buffet left out, each as the program paragraph names it."""
    sessions = list(db.session.scalars(select(AgendaSession).where(
        AgendaSession.event_id == event.id, AgendaSession.is_public.is_(True), AgendaSession.kind.not_in(OPEN_TO_ALL))
        .order_by(AgendaSession.starts_at, AgendaSession.id)))
    joined: dict[int, AgendaSession] = {}  # a council's id: the session joined to it
    for council in sessions:
        if council.kind != "expert_council":
            continue
        following = [other for other in sessions if other.room_id == council.room_id and other.kind in JOINED
                     and council.starts_at < other.starts_at <= council.ends_at and other.id not in joined.values()]
        if following:
            joined[council.id] = following[0]
    taken = {session.id for session in joined.values()}
    items = []
    for session in sessions:
        if session.id in taken:
            continue
        title = session.localized("title").strip()
        item = title if session.kind in SELF_NAMED else f"{KIND_LABELS[session.kind]} {quoted(title)}"
        if session.id in joined:
            partner = joined[session.id]
            item += f" ({JOINED[partner.kind] % {'title': quoted(partner.localized('title').strip())}})"
        items.append(item)
    return items


def recommendations_paragraphs(report) -> list[str]:
    if not report.adopted_count:
        return []
    text = ngettext("At the close of the event the participants adopted %(num)d recommendation.",
                    "At the close of the event the participants adopted %(num)d recommendations.",
                    report.adopted_count)
    numbered = sorted({number: recommendation for _body, items in report.recommendations
                       for number, recommendation in items}.items())
    # The bodies in the order the recommendations name them (the first one's first), each with its numbers.
    first: dict[int, int] = {}
    for _number, recommendation in numbered:
        for addressee in recommendation.addressees:
            first.setdefault(addressee.body_id, len(first))
    addressees = []
    for body, items in sorted((group for group in report.recommendations if group[0] is not None),
                              key=lambda group: first[group[0].id]):
        numbers = [number for number, _recommendation in items]
        which = (_("recommendation %(number)s", number=numbers[0]) if len(numbers) == 1 else
                 _("recommendations %(numbers)s", numbers=", ".join(str(number) for number in numbers)))
        addressees.append(f"{body.name} ({which})")
    if addressees:
        text += " " + _("Their addressees: %(list)s.", list="; ".join(addressees))
    paragraphs = [text]
    for number, recommendation in numbered:
        parts = [part.strip() for part in recommendation.localized("text").split("\n\n") if part.strip()]
        if parts:
            paragraphs += [f"{number}. {parts[0]}", *parts[1:]]
    return paragraphs


def draft(event: Event, language: str) -> str:
    """The press release drafted from the data, in `language`."""
    with force_locale(language):
        report = build_report(event)
        title = event.display_title(language)
        paragraphs = [_("%(title)s: the results", title=quoted(title)), summary(report, notes=False)]
        items = program_items(event)
        if items:
            paragraphs.append("\n".join([_("The programme included:")]
                                        + [f"- {item}{';' if number < len(items) else '.'}"
                                           for number, item in enumerate(items, start=1)]))
        paragraphs += recommendations_paragraphs(report)
        text = "\n\n".join(paragraphs)
    return english_quotes(text) if language == "en" else text


# ---- the text as the organizers keep it ---------------------------------------------------------------------

@dataclass
class PressText:
    text: str
    saved: PressRelease | None  # None: not saved yet, the text is the draft
    fresh: str  # the draft from today's data

    @property
    def data_changed(self) -> bool:
        """The data give another draft than the one the saved text was drafted from."""
        return self.saved is not None and self.saved.drafted != self.fresh


def normalized(text: str) -> str:
    """As kept: Windows line ends undone, each line's trailing spaces and runs of empty lines dropped, and the
    characters that a Word document cannot hold (XML 1.0's: control characters are cleaned by the form)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "").replace("\uffff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def press_release(event: Event, language: str) -> PressRelease | None:
    return db.session.scalar(select(PressRelease).where(PressRelease.event_id == event.id,
                                                        PressRelease.language == language))


def press_text(event: Event, language: str) -> PressText:
    saved = press_release(event, language)
    fresh = draft(event, language)
    return PressText(saved.text if saved else fresh, saved, fresh)


def save_text(event: Event, language: str, text: str, user: User | None, version: int | None) -> PressRelease:
    """Keeps the organizer's text. `version` is the one their page showed (None: the page showed the draft, never
    saved): when someone saved the text since, nothing changes and PressReleaseError("changed") says so."""
    text = normalized(text)
    saved = press_release(event, language)
    if saved is None:
        if version is not None:  # the page showed a saved text that is gone (the event's rows were reset)
            raise PressReleaseError("changed")
        return _first(event, language, text, draft(event, language), user)
    if version is None:
        raise PressReleaseError("changed", saved)
    changed = db.session.execute(
        update(PressRelease).where(PressRelease.id == saved.id, PressRelease.version == version)
        .values(text=text, saved_at=utcnow(), saved_by_id=user.id if user else None, version=PressRelease.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(saved)
    if not changed:
        raise PressReleaseError("changed", saved)
    return saved


def redraft(event: Event, language: str, user: User | None) -> PressRelease:
    """Drafts the text again from the data, in place of the edited one."""
    fresh = draft(event, language)
    saved = press_release(event, language)
    if saved is None:
        return _first(event, language, fresh, fresh, user)
    now = utcnow()
    db.session.execute(update(PressRelease).where(PressRelease.id == saved.id).values(
        text=fresh, drafted=fresh, drafted_at=now, saved_at=now, saved_by_id=user.id if user else None,
        version=PressRelease.version + 1).execution_options(synchronize_session=False))
    db.session.refresh(saved)
    return saved


def _first(event: Event, language: str, text: str, drafted: str, user: User | None) -> PressRelease:
    now = utcnow()
    row = PressRelease(event_id=event.id, language=language, text=text, drafted=drafted, drafted_at=now,
                       saved_at=now, saved_by_id=user.id if user else None, version=1)
    try:
        with savepoint():  # two first saves at once: the database keeps one, the other is told
            db.session.add(row)
    except IntegrityError:
        raise PressReleaseError("changed", press_release(event, language)) from None
    return row


# ---- the document -------------------------------------------------------------------------------------------

def paragraphs_of(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def docx_bytes(event: Event, language: str, text: str) -> bytes:
    """The press release as a Word document: the first paragraph the headline, then the event's dates and city,
    then the paragraphs, lines beginning «- » as a bulleted list."""
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Arial"  # a font every editor's Word has, with Cyrillic
    styles["Normal"].font.size = Pt(11)
    styles["Heading 1"].font.name = "Arial"
    parts = paragraphs_of(text)
    with force_locale(language):
        document.core_properties.title = " ".join(parts[0].split()) if parts else event.display_title(language)
        document.core_properties.language = language
        city = event_city(event, language)
        where = date_range(event.starts_on, event.ends_on) + (f", {city}" if city else "")
    if parts:
        document.add_heading(" ".join(parts[0].split()), level=1)
    meta = document.add_paragraph()
    run = meta.add_run(where)
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    for part in parts[1:]:
        ordinary: list[str] = []  # lines of an ordinary paragraph: its line breaks kept
        for line in [*part.split("\n"), None]:
            if (line is None or line.startswith("- ")) and ordinary:
                paragraph = document.add_paragraph(ordinary[0])
                for more in ordinary[1:]:
                    paragraph.add_run().add_break()
                    paragraph.add_run(more)
                ordinary = []
            if line is not None and line.startswith("- "):
                document.add_paragraph(line[2:].strip(), style="List Bullet")
            elif line is not None:
                ordinary.append(line.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
