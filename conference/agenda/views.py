import hashlib
import json
from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference.events.access import event_blueprint, event_or_404, of_event_or_404
from conference.events.models import Event
from conference.events.services import get_event
from conference.extensions import limiter
from conference.http_cache import conditional_response, first_served
from conference.i18n import current_language, translated
from conference.ids import database_id
from conference.pdf import cached_pdf_response
from conference.registration.access import participant_or_abort
from conference.registration.models import ACTIVE_STATUSES
from conference.timeutil import to_zone, utcnow
from conference.vendor import vendored

from . import schedule, services
from .forms import MAX_EXTERNAL, MoveForm, RoomForm, SessionForm
from .labels import KIND_LABELS
from .models import AgendaSession, Room, SignupStatus

VERSION_STAMP = datetime(2000, 1, 1, tzinfo=UTC)  # see public_calendar
PICKER_LIBRARY = "vendor/tom-select/tom-select.complete.min.js"  # put in static/ by `make` from npm (never committed)

bp = Blueprint("agenda", __name__)  # the public program, and the sessions a participant chose
editor_bp = event_blueprint("agenda_editor", __name__, "/agenda")



# ---- organizers: the editor ------------------------------------------------------------------------------

@editor_bp.route("/")
def manage():
    event = g.event
    sessions = services.sessions_of(event)
    problems = services.all_problems(event)
    counts = services.taken_seats([session.id for session in sessions])
    return render_template("agenda/manage.html", event=event, days=services.program_days(event, sessions),
                           problems=problems, kind_labels=translated(KIND_LABELS), seats_taken=counts,
                           problem_sessions={problem.session.id for problem in problems})


@editor_bp.route("/grid")
def grid():
    event = g.event
    sessions = services.sessions_of(event)
    days = [day for day, _ in services.program_days(event, sessions)] or [event.starts_on]
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = days[0]
    return render_template("agenda/grid.html", event=event, day=day, days=days, kind_labels=translated(KIND_LABELS),
                           grid=services.day_grid(event, sessions, day),
                           double_booked=services.double_bookings(services.all_problems(event)))


@editor_bp.route("/conflicts")
def conflicts():
    event = g.event
    return render_template("agenda/conflicts.html", event=event, problems=services.all_problems(event))


@editor_bp.route("/sessions/new", methods=["GET", "POST"])
@editor_bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session(session_id: int | None = None):
    event = g.event
    session = of_event_or_404(AgendaSession, session_id, event) if session_id else AgendaSession()
    # «Duplicate» opens the new-session form filled from another session, to be moved to its own room or time.
    copy_of = request.args.get("from", type=database_id) if session_id is None else None
    source = of_event_or_404(AgendaSession, copy_of, event) if copy_of else None
    form = SessionForm(event, session if session_id else None, copy_of=source)
    if request.method == "GET":
        if session_id or source:
            form.fill_from(session if session_id else source)
        if source:
            form.title.data, form.title_en.data = source.title, source.title_en
        else:
            form.day.data = form.day.data or event.starts_on
    elif "add_external" in request.form:  # «one more external speaker» without JavaScript: nothing saved yet
        if len(form.external) < MAX_EXTERNAL:
            form.external.append_entry()
    elif form.validate_on_submit() and request.form.get("tell") != "back":
        data = form.session_data()
        if source:  # the copy gets its own external speakers
            data.external_speakers += [
                services.ExternalSpeaker(person.external_name, person.external_position, person.external_organization,
                                         person.external_position_en, person.external_organization_en)
                for person in source.people if person.participant_id is None and person.id in data.keep_external_ids]
            data.keep_external_ids = []
        try:
            confirmation = _save_or_confirm(event, session, data)
        except services.AgendaError as refused:
            getattr(form, refused.field).errors.append(refused.message)
        else:
            return confirmation or redirect(url_for(".manage", _anchor=f"session-{session.id}"))
    return render_template("agenda/edit_session.html", event=event, session=session, form=form, source=source,
                           signups=services.signup_count(session) if session.id else 0,
                           picker=vendored(PICKER_LIBRARY), max_external=MAX_EXTERNAL)


def _save_or_confirm(event: Event, session: AgendaSession, data: services.SessionData,
                     back: str | None = None) -> str | None:
    """Saves the session as `data` says (the edit form's way and the grid's drag alike), or returns the page asking
    whether to tell those signed up that it moves; an AgendaError when the session cannot be so."""
    tell = request.form.get("tell")  # the answer of that confirmation: "yes" or "no"
    if tell not in ("yes", "no") and services.moves(session, data):
        people = services.people_signed_up(session)
        if people:  # who will be told what, before anything is saved or sent
            services.checked_room(event, session, data)  # (a move that cannot be is refused first)
            return _confirm_move(event, session, data, people, back)
    saved = services.save_session(event, session, data, tell=tell != "no")
    flash(_("The session has been saved."), "success")
    if saved.told:
        flash(ngettext("A letter with its new time and room was queued for the one person signed up.",
                       "Letters with its new time and room were queued for the %(num)d people signed up.",
                       saved.told), "info")
    for warning in saved.warnings:
        flash(warning, "warning")
    return None


def _confirm_move(event: Event, session: AgendaSession, data: services.SessionData, people: list,
                  back: str | None = None) -> str:
    """The page that shows the letter those signed up would get, and asks whether to send it; the form's fields
    go back with the answer."""
    subject, text = services.moved_letter_preview(event, session, data, people[0])
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in ("csrf_token", "tell")]
    return render_template("agenda/confirm_move.html", event=event, session=session, people=people,
                           subject=subject, text=text, fields=fields, back=back or _("Back to the form"))


@editor_bp.route("/sessions/<int:session_id>/move", methods=["POST"])
def move_session(session_id: int):
    """A session dragged in the day grid to another time or room: saved as the edit form saves a move (the same
    clash rules, the same question about letters to those signed up)."""
    event = g.event
    session = of_event_or_404(AgendaSession, session_id, event)
    form = MoveForm()
    valid = form.validate_on_submit()
    day = form.day.data if valid else to_zone(session.starts_at, event.timezone).date()
    back = redirect(url_for(".grid", day=day.isoformat()))
    if not valid:
        flash(_("The session was not moved: the page was out of date or the move could not be read. "
                "Reload the page and try again."), "error")
        return back
    if request.form.get("tell") == "back":
        return back
    try:
        confirmation = _save_or_confirm(event, session, form.moved(event, services.as_data(session)),
                                        back=_("Back to the grid"))
    except services.AgendaError as refused:
        flash(_("«%(title)s» was not moved: %(reason)s", title=session.localized("title"), reason=refused.message),
              "error")
        return back
    return confirmation or back


@editor_bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def delete_session(session_id: int):
    event = g.event
    session = of_event_or_404(AgendaSession, session_id, event)
    signups = services.signup_count(session)
    if request.method == "POST":
        told, warnings = services.delete_session(session, tell=request.form.get("tell") == "yes")
        if told:
            flash(ngettext("The session has been deleted; a letter was queued for the %(num)d participant signed up.",
                           "The session has been deleted; letters were queued for the %(num)d participants signed "
                           "up.", told), "success")
        else:
            flash(_("The session has been deleted."), "success")
        for warning in warnings:
            flash(warning, "warning")
        return redirect(url_for(".manage"))
    return render_template("agenda/delete_session.html", event=event, session=session, signups=signups)


@editor_bp.route("/rooms/")
def room_list():
    event = g.event
    return render_template("agenda/rooms.html", event=event, rooms=services.rooms(event))


@editor_bp.route("/rooms/new", methods=["GET", "POST"])
@editor_bp.route("/rooms/<int:room_id>", methods=["GET", "POST"])
def edit_room(room_id: int | None = None):
    event = g.event
    room = services.room_of(event, room_id) if room_id else Room()
    if room is None:
        abort(404)
    form = RoomForm(obj=room if room_id else None)
    if room_id is None and request.method == "GET":
        form.sort_order.data = services.next_room_order(event)
    if form.validate_on_submit():
        try:
            services.save_room(event, room, form.room_data())
        except services.AgendaError as refused:
            getattr(form, refused.field).errors.append(refused.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".room_list"))
    return render_template("agenda/edit_room.html", event=event, room=room, form=form)


@editor_bp.route("/rooms/<int:room_id>/delete", methods=["POST"])
def delete_room(room_id: int):
    event = g.event
    room = services.room_of(event, room_id)
    if room is None:
        abort(404)
    try:
        services.delete_room(room)
    except services.AgendaError as refused:
        flash(refused.message, "warning")
    else:
        flash(_("The room has been deleted."), "success")
    return redirect(url_for(".room_list"))


# ---- the public program ----------------------------------------------------------------------------------

def public_program(event: Event) -> tuple[list[AgendaSession], str, int | None]:
    kind = request.args.get("kind", "")
    room_id = request.args.get("room", type=int)
    sessions = services.sessions_of(event, public_only=True)
    return services.filter_sessions(sessions, kind if kind in KIND_LABELS else "", room_id), kind, room_id


@bp.route("/events/<slug>/program")
def program(slug: str):
    event = event_or_404(slug)
    sessions, kind, room_id = public_program(event)
    return render_template("agenda/program.html", event=event, days=services.program_days(event, sessions),
                           kind_labels=translated(KIND_LABELS), rooms=services.rooms(event), kind=kind, room_id=room_id)


@bp.route("/events/<slug>/program.pdf")
# A PDF not yet cached costs a quarter to half a second of CPU: visitors looping on it (on its filters' variants,
# each rendered once) must not slow the scans at the entrance. Staff are trusted.
@limiter.limit(lambda: current_app.config["PUBLIC_PDF_RATE_LIMIT"],
               exempt_when=lambda: current_user.is_authenticated)
def program_pdf(slug: str):
    event = event_or_404(slug)
    sessions, _kind, _room = public_program(event)
    html = render_template("agenda/program_pdf.html", event=event, days=services.program_days(event, sessions),
                           kind_labels=translated(KIND_LABELS))
    return cached_pdf_response(html, f"program-{event.id}-{current_language()}", f"{event.slug}-program.pdf")


@bp.route("/api/v1/events/<slug>/program")
def program_api(slug: str):
    event = get_event(slug)
    if event is None:
        return jsonify(error="not_found", message="No event with this address."), 404
    return jsonify(services.program_json(event, services.sessions_of(event, public_only=True)))


# Any site's page may read the schedule (a schedule app in the browser, a partner's site): without credentials, so
# nobody's log-in or language is carried along. If-None-Match and If-Modified-Since make a fetch "non-simple",
# hence the preflight (OPTIONS) that allows them.
OPEN_TO_ALL_SITES = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                     "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
                     "Access-Control-Expose-Headers": "ETag"}


@bp.route("/events/<slug>/schedule.json", methods=["GET", "OPTIONS"])
def schedule_json(slug: str):
    """The program for schedule apps (frab's format); ?lang=en for its English texts."""
    event = event_or_404(slug)
    if request.method == "OPTIONS":
        return Response(status=204, headers={**OPEN_TO_ALL_SITES, "Access-Control-Max-Age": "86400"})
    language = request.args.get("lang", "")
    language = language if language in current_app.config["LANGUAGES"] else current_language()
    data = schedule.schedule_json(event, services.sessions_of(event, public_only=True), language)
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    digest = hashlib.sha256(body).hexdigest()
    response = conditional_response(digest, lambda: Response(body, mimetype="application/json"),
                                    first_served(f"schedule-{event.id}-{language}.json", digest))
    response.headers.update(OPEN_TO_ALL_SITES)
    return response


def ics(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def public_calendar(event: Event, sessions: list[AgendaSession], name: str, document: str,
                    filename: str) -> Response:
    """A public calendar with ETag and Last-Modified; its DTSTAMP is the Last-Modified (RFC 5545: when what it says
    last changed), so the version is told by a rendering at a fixed stamp."""
    language = current_language()
    digest = hashlib.sha256(services.calendar(event, sessions, name, language, stamp=VERSION_STAMP)).hexdigest()
    modified = first_served(f"{document}-{language}.ics", digest)
    return conditional_response(
        digest, lambda: ics(services.calendar(event, sessions, name, language, stamp=modified), filename), modified)


@bp.route("/events/<slug>/program.ics")
def program_calendar(slug: str):
    event = event_or_404(slug)
    return public_calendar(event, services.sessions_of(event, public_only=True),
                           event.display_title(current_language()), f"program-{event.id}", f"{event.slug}.ics")


@bp.route("/events/<slug>/sessions/<int:session_id>.ics")
def session_calendar(slug: str, session_id: int):
    event = event_or_404(slug)
    session = services.session_of(event, session_id)
    if session is None or not session.is_public:  # an internal session is not there for the public
        abort(404)
    return public_calendar(event, [session], session.localized("title"), f"session-{session.id}",
                           f"{event.slug}-session-{session.id}.ics")


# ---- participants: choosing sessions through the private link ------------------------------------------

@bp.route("/my/<token>/sessions")
def my_sessions(token: str):
    participant = participant_or_abort(token)
    event = participant.event
    signups = services.signups_of(participant)
    # The public program, and the sessions the participant chose that organizers have since made internal: they
    # keep their seat (and their calendar keeps the session), so they see it here and may leave it.
    sessions = [session for session in services.sessions_of(event) if session.is_public or session.id in signups]
    acted_on = request.args.get("at", type=int)
    # What sign_up would refuse is not offered: nothing for a cancelled or declined registration, nor once begun.
    active, now = participant.status in ACTIVE_STATUSES, utcnow()
    open_ids = {session.id for session in sessions if active and session.starts_at > now}
    return render_template("agenda/my_sessions.html", participant=participant, event=event, token=token,
                           days=services.program_days(event, sessions), kind_labels=translated(KIND_LABELS),
                           signups=signups, open_ids=open_ids, active=active,
                           seats_taken=services.taken_seats([session.id for session in sessions]),
                           acted_on=acted_on if any(session.id == acted_on for session in sessions) else None)


@bp.route("/my/<token>/sessions/<int:session_id>", methods=["POST"])
def change_my_session(token: str, session_id: int):
    participant = participant_or_abort(token)
    session = services.session_of(participant.event, session_id)
    # An internal session is there only for those who chose it before it became one (see my_sessions).
    if session is None or not (session.is_public or session.id in services.signups_of(participant)):
        abort(404)
    action = request.form.get("action")
    try:
        if action in ("join", "wait"):
            signup = services.sign_up(participant, session, wait=action == "wait")
            flash(_("You are on the waiting list for «%(title)s».", title=session.localized("title"))
                  if signup.status == SignupStatus.WAITING
                  else _("You are signed up for «%(title)s».", title=session.localized("title")), "success")
        elif action == "leave":
            services.cancel_signup(participant, session)
            flash(_("You are no longer signed up for «%(title)s».", title=session.localized("title")), "info")
        else:
            abort(400)
    except services.SignupError as refused:
        flash(str(refused), "warning")
    return redirect(url_for(".my_sessions", token=token, at=session.id, _anchor=f"session-{session.id}"))


@bp.route("/my/<token>/calendar.ics")
def my_calendar(token: str):
    participant = participant_or_abort(token)
    return ics(services.personal_calendar(participant, current_language()), f"{participant.event.slug}-my-sessions.ics")


@editor_bp.app_context_processor
def participant_sessions():
    """(The organizer's page of a participant lists their seats and waiting places.)"""
    return {"sessions_chosen": services.sessions_chosen}
