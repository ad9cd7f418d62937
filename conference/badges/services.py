"""What badges do: issue and revoke tokens, draw the QR code, lay badges out and render them to PDF."""

import base64
import hashlib
import logging
import secrets
import struct
import zlib
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import pydyf
import qrcode
import weasyprint
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value
from weasyprint.text.ffi import pango

from conference.directories.models import Country, FederalSubject
from conference.downloads.models import Download
from conference.downloads.services import download_kind, new_download
from conference.events.models import Event
from conference.events.services import event_saved
from conference.extensions import db
from conference.i18n import date_range
from conference.jobs import enqueue_after_commit
from conference.pdf import STATIC_DIR, Metadata, compose_pdf, merge_pdfs, render_pdfs, workers
from conference.registration.labels import CATEGORY_LABELS
from conference.registration.models import Participant, RegistrationStatus
from conference.registration.services import (
    ParticipantFilter,
    confirmation_attachments,
    filtered_query,
    participants_confirmed,
)
from conference.timeutil import utcnow

from .layouts import DEFAULT_LAYOUT, LAYOUTS, Layout
from .models import Badge, BadgeRender

log = logging.getLogger(__name__)
TOKEN_DIGITS = 40  # 10^40 ≈ 2^133: unguessable, and digits type the same under any keyboard layout
# Badges per WeasyPrint run: big batches are split into parts of about this size, rendered on every core and
# composed into one PDF, which also bounds the memory a part needs (WeasyPrint keeps a whole document's layout in
# memory). Each part also pays a fixed cost (stylesheets, fonts, composing).
PART_BADGES = 100
# The page every badge but a label's is drawn on: alone, for a letter, kept; or several, imposed on a sheet.
A6 = LAYOUTS["a6"]

# Print-safe colours of the band at the bottom of a badge, one per category.
CATEGORY_COLOURS = {
    "participant": "#1f5fae", "speaker": "#b42318", "moderator": "#6d28a8", "organizer": "#1e7b34",
    "press": "#c2410c", "vip": "#111111", "staff": "#5b6470",
}


def new_token() -> str:
    return f"{secrets.randbelow(10 ** TOKEN_DIGITS):0{TOKEN_DIGITS}d}"


def issue_badge(participant_id: int) -> Badge:
    """A new badge, without its QR picture: drawing it costs about a millisecond, half a second in a bulk approval
    of 500, so a job draws the pictures once the action is saved (_draw_pictures_later), and whoever shows the
    badge before that draws it for the moment (current_badges)."""
    return Badge(participant_id=participant_id, token=new_token())


def _draw_pictures_later(badges: list[Badge]) -> None:
    from .tasks import draw_badge_pictures  # (tasks imports this module)

    enqueue_after_commit(draw_badge_pictures, [badge.id for badge in badges])


def draw_pictures(badge_ids: list[int]) -> int:
    """Draws and keeps the QR pictures these badges lack. Returns how many were drawn."""
    undrawn = db.session.scalars(select(Badge).where(Badge.id.in_(badge_ids), Badge.qr_png.is_(None))).all()
    for badge in undrawn:
        badge.qr_png = qr_png(badge.token)
    return len(undrawn)


def badges_in_force(participants: list[Participant]) -> dict[int, Badge]:
    """The badges in force, issuing the missing ones (a badge is issued when its holder is confirmed: none is
    missing but in an action that confirms). Their QR pictures may not be drawn yet: see current_badges."""
    ids = [participant.id for participant in participants]
    badges = {badge.participant_id: badge for badge in db.session.scalars(
        select(Badge).where(Badge.participant_id.in_(ids), Badge.revoked_at.is_(None)))}
    issued = [issue_badge(participant_id) for participant_id in ids if participant_id not in badges]
    if issued:
        db.session.add_all(issued)
        db.session.flush()
        _draw_pictures_later(issued)
        badges.update((badge.participant_id, badge) for badge in issued)
    return badges


def badges_of(participant: Participant) -> list[Badge]:
    """Every badge the participant was given, the first first: the one in force and those revoked (lost, or
    erased with the registration)."""
    return list(db.session.scalars(select(Badge).where(Badge.participant_id == participant.id)
                                   .order_by(Badge.issued_at, Badge.id)))


def current_badges(participants: list[Participant]) -> dict[int, Badge]:
    """The badges in force, to be shown or printed: with their QR pictures."""
    badges = badges_in_force(participants)
    for badge in badges.values():
        if badge.qr_png is None:  # its job has not run yet: the same picture, drawn for this use and not written
            set_committed_value(badge, "qr_png", qr_png(badge.token))
    return badges


def current_badge(participant: Participant) -> Badge:
    return current_badges([participant])[participant.id]


def reissue(participant: Participant) -> Badge:
    """A lost badge: the old token is revoked (a scan of it says so), a new one is issued. The kept render, which
    carries the old token, goes too."""
    for badge in db.session.scalars(select(Badge).where(Badge.participant_id == participant.id,
                                                        Badge.revoked_at.is_(None))):
        badge.revoked_at = utcnow()
    db.session.execute(delete(BadgeRender).where(BadgeRender.participant_id == participant.id))
    db.session.flush()
    badge = issue_badge(participant.id)
    db.session.add(badge)
    db.session.flush()
    _draw_pictures_later([badge])
    return badge


def revoke_for_erasure(participant_ids: list[int] | Select) -> None:
    """Erasure (conference.privacy): badges in force are revoked (a scan says so; the rows stay, as check-ins
    point at them), and the kept renders, which show the name, are deleted."""
    db.session.execute(update(Badge).where(Badge.participant_id.in_(participant_ids), Badge.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    db.session.execute(delete(BadgeRender).where(BadgeRender.participant_id.in_(participant_ids))
                       .execution_options(synchronize_session=False))


def participants_to_print(event: Event, criteria: ParticipantFilter, only_unprinted: bool) -> list[Participant]:
    """The confirmed participants matching the list's filters, optionally only those whose badge in force has
    never been printed; in the list's order. A list filtered to another status has nobody to print."""
    if criteria.status not in ("", RegistrationStatus.CONFIRMED):
        return []
    query = filtered_query(event, replace(criteria, status=RegistrationStatus.CONFIRMED))
    if only_unprinted:
        printed = select(Badge.participant_id).where(Badge.revoked_at.is_(None), Badge.printed_at.is_not(None))
        query = query.where(Participant.id.not_in(printed))
    return list(db.session.scalars(query))


# ---- batches for the printer ------------------------------------------------------------------------------

# A batch is rendered in steps of so many badges, each step's end shown on its page as progress.
BATCH_STEP = 500


def new_batch(event: Event, participants: list[Participant], layout: Layout, user_id: int | None) -> Download:
    """A batch for the printer: the participants (in the list's order) kept with it, so that it can be printed
    again as it was; the badges it holds are known once it is rendered."""
    return new_download(event.id, "badges", f"badges-{event.slug}-{layout.key}.pdf",
                        {"layout": layout.key, "participant_ids": [participant.id for participant in participants]},
                        len(participants), user_id)


@download_kind("badges")
def render_batch(batch: Download, progress) -> bytes:
    """The batch's PDF, its participants who are still confirmed each on their badge in force."""
    ids = batch.params["participant_ids"]
    confirmed = {participant.id: participant for participant in db.session.scalars(select(Participant).where(
        Participant.id.in_(ids), Participant.status == RegistrationStatus.CONFIRMED))}
    participants = [confirmed[participant_id] for participant_id in ids if participant_id in confirmed]
    if not participants:
        raise ValueError(str(_l("None of the batch's participants is confirmed any longer.")))
    layout = layout_of(batch.params["layout"])
    parts = []
    for start in range(0, len(participants), BATCH_STEP):
        parts.append(render_badges(batch.event, participants[start:start + BATCH_STEP], layout))
        progress(min(start + BATCH_STEP, len(participants)))
    badges = current_badges(participants)
    batch.params = dict(batch.params, badge_ids=[badges[participant.id].id for participant in participants])
    batch.total = len(participants)
    return parts[0] if len(parts) == 1 else merge_pdfs(parts)


def mark_batch_printed(batch: Download) -> int:
    """The organizer has the batch's badges in hand: those still in force are marked printed."""
    badges = db.session.scalars(select(Badge).where(Badge.id.in_(batch.params.get("badge_ids", [])),
                                                    Badge.revoked_at.is_(None))).all()
    mark_printed(badges)
    batch.printed_at = utcnow()
    return len(badges)


def mark_printed(badges: list[Badge]) -> None:
    """Recorded once the badges have left: written to the command's file, or marked by an organizer who has them
    in hand (never when a PDF is merely opened or downloaded: that may never reach a printer)."""
    now = utcnow()
    for badge in badges:
        badge.printed_at = now
        badge.print_count += 1


# ---- drawing ---------------------------------------------------------------------------------------------

def qr_png(token: str) -> bytes:
    """The QR code as a PNG of one pixel per module, which the badge scales up without smoothing
    (image-rendering: pixelated): as sharp as a vector drawing, and far cheaper for WeasyPrint to place than an
    SVG of hundreds of squares. Only our own digits go in.

    40 digits always fit version 2 at level M, and any of the eight masks gives a valid code: fixing both skips
    the search that makes the qrcode library take ~7 ms a code; writing the PNG ourselves skips its drawing."""
    code = qrcode.QRCode(version=2, error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=0)
    code.add_data(token, optimize=0)
    code.make(fit=False)
    return _grey_png(code.get_matrix())


def _grey_png(rows: list[list[bool]]) -> bytes:
    """An 8-bit greyscale PNG: dark modules black, the rest white."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"".join(b"\x00" + bytes(0 if dark else 255 for dark in row) for row in rows)
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def size_class(text: str, steps: tuple[int, ...]) -> int:
    """0 for text that fits at full size, then 1, 2, … as it gets longer: the template shrinks it that much."""
    return next((index for index, limit in enumerate(steps) if len(text) <= limit), len(steps))


@dataclass
class BadgeFace:
    """What one badge shows, in its holder's language (the heading, the region and the category)."""

    heading: str  # the event's title and dates
    last_name: str
    other_names: str
    position: str
    organization: str
    place: str
    category: str
    category_label: str
    token: str
    qr: str  # a data: URI
    name_size: int
    organization_size: int
    language: str  # its holder's, in which it is written


def face(participant: Participant, badge: Badge) -> BadgeFace:
    other = " ".join(filter(None, (participant.first_name, participant.patronymic)))
    language = participant.language
    with force_locale(language):
        place, category_label = participant.place, str(CATEGORY_LABELS[participant.category])
    return BadgeFace(
        heading=badge_heading(participant.event, language),
        last_name=participant.last_name, other_names=other, position=participant.position,
        organization=participant.organization, place=place, category=participant.category,
        category_label=category_label,
        token=badge.token,
        qr="data:image/png;base64," + base64.b64encode(badge.qr_png).decode("ascii"),
        name_size=size_class(participant.last_name, (12, 16, 22, 30)),
        organization_size=size_class(participant.organization, (45, 90, 150)),
        language=language,
    )


@lru_cache(maxsize=8)
def _heading(title: str, starts_on, ends_on, language: str) -> str:
    with force_locale(language):
        return f"{title} · {date_range(starts_on, ends_on)}"


def badge_heading(event: Event, language: str) -> str:
    """The event's title and dates as a badge in `language` shows them (worked out once, not per badge)."""
    return _heading(event.display_title(language), event.starts_on, event.ends_on, language)


def layout_of(key: str | None) -> Layout:
    return LAYOUTS.get(key or DEFAULT_LAYOUT, LAYOUTS[DEFAULT_LAYOUT])


def render_badges(event: Event, participants: list[Participant], layout: Layout) -> bytes:
    """One PDF with a badge for each participant, in the given order; issues badges that are missing.

    Each badge is a page of its own, drawn in its layout, or for an imposed layout (sheets of four) drawn on A6
    and placed on the sheet. A6 badges rendered earlier and still showing the same (see BadgeRender) are placed
    as they are, and only the others rendered: the night before the forum, when every confirmed participant's
    badge has been rendered for their letter, 500 badges are placed in a second rather than rendered in four."""
    if not participants:
        raise ValueError("no badge to render")
    badges = current_badges(participants)
    # The batch's regions and countries in two queries: each badge's place is then found in the session.
    db.session.scalars(select(FederalSubject).where(
        FederalSubject.id.in_({p.subject_id for p in participants if p.subject_id}))).all()
    db.session.scalars(select(Country).where(
        Country.id.in_({p.country_id for p in participants if p.country_id}))).all()
    faces = [face(participant, badges[participant.id]) for participant in participants]
    drawn_as = A6 if layout.imposed else layout
    keeps = drawn_as is A6 and len(participants) <= KEPT_RENDERS_PLACED  # kept renders placed and kept
    digests = [render_digest(shown) for shown in faces] if keeps else []
    kept = kept_renders(participants, digests) if keeps else {}
    missing = [index for index, participant in enumerate(participants) if participant.id not in kept]
    rendered = iter(render_faces(event, [faces[index] for index in missing], drawn_as))
    pages = [kept.get(participant.id) or next(rendered) for participant in participants]
    if keeps and len(missing) == 1:  # a badge rendered alone, a PDF of its own: kept for the next print
        keep_render(participants[missing[0]].id, digests[missing[0]], pages[missing[0]][0])
    # Composed once every part is rendered and the workers are gone: composing needs memory in proportion to the
    # whole batch (about 130 MB for 5,000 badges on sheets), the workers about 50 MB each, and never both at once.
    return compose_pdf(pages, layout.sheet() if layout.imposed else None, badges_metadata(event, faces))


def badges_metadata(event: Event, faces: list[BadgeFace]) -> Metadata:
    """What a PDF of these badges says it is: in English when every badge is, or else in Russian, the event's own
    language (a batch mixes them; badges rendered apart are composed into one)."""
    language = "en" if all(shown.language == "en" for shown in faces) else "ru"
    with force_locale(language):
        author = str(_l("Organizing committee of «%(title)s»", title=event.display_title(language)))
    return Metadata(title=badge_heading(event, language), author=author, lang=language)


def _sheet(event: Event, layout: Layout, faces: list[BadgeFace]) -> str:
    return render_template("badges/sheet.html", layout=layout, faces=faces, colours=CATEGORY_COLOURS,
                           metadata=badges_metadata(event, faces))


def render_faces(event: Event, faces: list[BadgeFace], layout: Layout) -> list[tuple[bytes, int]]:
    """Each badge's page: the PDF it was rendered in and its index there. A big batch is rendered in parts on every
    core (see conference.pdf.render_pdfs)."""
    if not faces:
        return []

    def sheet(part: list[BadgeFace]) -> str:
        return _sheet(event, layout, part)

    # As many parts as keep every core busy to the end, none much bigger than PART_BADGES; built one by one, so
    # that the workers start on the first while the next are written.
    cores = workers()
    count = -(-len(faces) // PART_BADGES)
    count = -(-count // cores) * cores if len(faces) > 1 else 1
    size = -(-len(faces) // count)
    starts = range(0, len(faces), size)
    parts = render_pdfs((sheet(faces[start:start + size]) for start in starts), sample=sheet(faces[:1]),
                        user_agent_css="css/badges-ua.css")
    return [(pdf, index) for start, pdf in zip(starts, parts, strict=True)
            for index in range(len(faces[start:start + size]))]


# ---- renders kept ----------------------------------------------------------------------------------------

# Kept renders are placed in batches of up to so many badges. Each carries its own fonts (about 10 KB a badge, where
# a part rendered at once shares them), and qpdf needs about 140 KB of memory for each it places: 1,000 badges
# peaked at 291-298 MB in all (bench/badges.py). Bigger batches are rendered in parts, in bounded memory.
KEPT_RENDERS_PLACED = 800
# Raise when badges are drawn differently by a change that the fingerprint below cannot see (in conference/pdf.py,
# say): every kept render is then rendered anew.
RENDERING_REVISION = 1


def render_digest(shown: BadgeFace) -> str:
    """What an A6 badge shows and what draws it, hashed: two renders with the same digest are the same page."""
    # (vars, not dataclasses.astuple: that deep-copies every field, a seventh of placing 500 kept badges.)
    return hashlib.sha256(_renderer_fingerprint() + repr(vars(shown)).encode()).hexdigest()


@cache
def _renderer_fingerprint() -> bytes:
    """The template, stylesheets, colours, page and the renderer (WeasyPrint, pydyf and Pango versions, and our own
    RENDERING_REVISION): a deployment that changes any of them draws badges anew (a process starts with each
    deployment; the development server's reloader does not restart it for a template). Nothing here depends on the
    request (the layout's title would: it is translated), so every worker process finds the same."""
    env = current_app.jinja_env
    template = env.loader.get_source(env, "badges/sheet.html")[0]
    styles = [(STATIC_DIR / "css" / name).read_bytes() for name in ("badges.css", "badges-ua.css")]
    page = (A6.badge_width, A6.badge_height, A6.compact)
    renderer = (RENDERING_REVISION, weasyprint.__version__, pydyf.__version__, pango.pango_version())
    return hashlib.sha256(repr((template, styles, CATEGORY_COLOURS, page, renderer)).encode()).digest()


def kept_renders(participants: list[Participant], digests: list[str]) -> dict[int, tuple[bytes, int]]:
    """The participants' kept renders that still show what their badge shows now: each one's page."""
    wanted = {participant.id: digest for participant, digest in zip(participants, digests, strict=True)}
    rows = db.session.execute(select(BadgeRender.participant_id, BadgeRender.digest, BadgeRender.pdf)
                              .where(BadgeRender.participant_id.in_(wanted), BadgeRender.digest.in_(wanted.values())))
    return {participant_id: (pdf, 0) for participant_id, digest, pdf in rows if wanted[participant_id] == digest}


def keep_render(participant_id: int, digest: str, pdf: bytes) -> None:
    """Keeps (or replaces) the participant's render, in a transaction of its own: keeping only saves later work,
    so it never commits the caller's changes nor loses them, and a database that refuses it (busy, say) leaves the
    caller to carry on: to send its letter, to answer with the badge. Two requests keeping the same badge at once
    both succeed (an upsert), the later one's render staying."""
    row = {"participant_id": participant_id, "digest": digest, "pdf": pdf, "rendered_at": utcnow()}
    upsert = (postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(BadgeRender)
    upsert = upsert.values(row).on_conflict_do_update(index_elements=["participant_id"],
                                                      set_={name: upsert.excluded[name] for name in row})
    try:
        with db.engine.begin() as connection:
            connection.execute(upsert)
    except SQLAlchemyError:
        log.warning("could not keep the badge render of participant %s", participant_id, exc_info=True)


# Stale renders are rendered anew (each alone, as for its letter) in steps of so many.
RERENDER_STEP = 100


def confirmed_ids(event: Event) -> list[int]:
    return list(db.session.scalars(select(Participant.id).where(
        Participant.event_id == event.id, Participant.status == RegistrationStatus.CONFIRMED).order_by(Participant.id)))


def stale_renders(participant_ids: list[int]) -> list[tuple[int, str, BadgeFace]]:
    """Of these confirmed participants, those whose kept badge no longer shows what their badge shows (after a new
    title or dates, a change that touches every badge): (participant id, digest, face) of each."""
    participants = list(db.session.scalars(select(Participant).where(Participant.id.in_(participant_ids))
                                           .order_by(Participant.id)))
    badges = current_badges(participants)
    faces = [face(participant, badges[participant.id]) for participant in participants]
    digests = [render_digest(shown) for shown in faces]
    kept = kept_renders(participants, digests)
    return [(participant.id, digest, shown) for participant, digest, shown in zip(participants, digests, faces,
                                                                                   strict=True)
            if participant.id not in kept]


def render_and_keep(event: Event, stale: list[tuple[int, str, BadgeFace]]) -> int:
    """Renders these badges anew, each alone (as for its letter) and on every core, and keeps them, so that the
    next bulk print places them rather than rendering them all. Each is kept in a transaction of its own (see
    keep_render): the caller holds none open."""
    if not stale:
        return 0
    faces = [shown for _, _, shown in stale]
    pdfs = render_pdfs((_sheet(event, A6, [shown]) for shown in faces), sample=_sheet(event, A6, faces[:1]),
                       user_agent_css="css/badges-ua.css")
    for (participant_id, digest, _), pdf in zip(stale, pdfs, strict=True):
        keep_render(participant_id, digest, pdf)
    return len(stale)


@event_saved.connect
def rerender_after_an_event_wide_change(event: Event, changed: set[str]) -> None:
    """A new title or new dates show on every badge: their kept renders are rendered anew by a job."""
    if changed & {"title", "title_en", "starts_on", "ends_on"}:
        from .tasks import rerender_badges  # (tasks imports this module)

        enqueue_after_commit(rerender_badges, event.id)


@participants_confirmed.connect
def issue_on_confirmation(participants: list[Participant]) -> None:
    badges_in_force(participants)


@confirmation_attachments.connect
def badge_for_the_letter(participant: Participant):
    """The letter confirming a registration carries the A6 badge, ready to print at home."""
    try:
        pdf = render_badges(participant.event, [participant], A6)
    except Exception:  # noqa: BLE001 - a badge that fails to render must not stop the letter
        log.exception("could not render the badge of participant %s", participant.id)
        return None
    return (f"badge-{participant.event.slug}.pdf", "application/pdf", pdf)
