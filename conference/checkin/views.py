"""Check-in pages (scanner, devices, live arrivals) and the check-in API. The scanner page calls the API itself,
so a phone with a staff session and a device with its own token go through the same code."""

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from conference.accounts.access import ORGANIZER_ROLES, STAFF_ROLES, roles_required
from conference.accounts.services import events_of, may_open_event
from conference.agenda.labels import KIND_LABELS
from conference.events.access import event_blueprint, of_event_or_404
from conference.events.models import Event
from conference.events.services import list_events
from conference.extensions import csrf, db
from conference.i18n import current_language, local_datetime, translated
from conference.ids import MAX_ID
from conference.privacy.access_log import record_access
from conference.registration.labels import CATEGORY_LABELS, STATUS_LABELS
from conference.registration.services import ParticipantFilter, page_of_participants
from conference.timeutil import to_zone, utcnow
from conference.vendor import vendored

from . import offline, services
from .api_input import read_scan
from .models import ENTRANCE, CheckinDevice, ScanOutcome
from .services import Checkpoint, Scanner

start_bp = Blueprint("checkin_start", __name__)  # check-in staff choose the event they scan for
scanner_bp = event_blueprint("checkin_scanner", __name__, "/checkin", roles=STAFF_ROLES)
bp = event_blueprint("checkin", __name__, "/checkin")  # organizers only: devices, live arrivals
api_bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # devices send no cookies; staff sessions are checked for the CSRF header in api_caller()
staff_required = roles_required(*STAFF_ROLES)
NEW_DEVICE_TOKENS = "new_device_tokens"  # in the session from adding a device to the page showing its token
NEW_PAIRINGS = "new_pairings"  # likewise, a phone's pairing link (its QR code)
CAMERA_LIBRARY = "vendor/zxing-wasm/reader/index.js"  # put in static/ by `make` from npm (never committed)

# Every other refusal: 422.
HTTP_STATUS = {ScanOutcome.CHECKED_IN: 201, ScanOutcome.ALREADY_CHECKED_IN: 409, ScanOutcome.OFFLINE_CONFLICT: 409,
               ScanOutcome.UNKNOWN_BADGE: 404}
COLOURS = {ScanOutcome.CHECKED_IN: "green", ScanOutcome.ALREADY_CHECKED_IN: "amber",
           ScanOutcome.OFFLINE_CONFLICT: "amber"}  # every refusal: red
MESSAGES = ScanOutcome.labels()


@cache
def answer_words(language: str) -> dict:
    """The words of an answer in one language, translated once per process rather than on every scan (called
    while `language` is the request's language)."""
    return {"messages": translated(MESSAGES), "categories": translated(CATEGORY_LABELS),
            "statuses": translated(STATUS_LABELS), "entrance": _("Entrance")}


def full_name(participant: dict) -> str:
    return " ".join(filter(None, (participant["last_name"], participant["first_name"], participant["patronymic"])))


def checkpoint_label(checkpoint: Checkpoint, language: str | None = None) -> str:
    if checkpoint.session is None:
        return answer_words(language or current_language())["entrance"]
    return checkpoint.session.localized("title", language)


def present(event, checkpoint: Checkpoint, reply: dict) -> dict:
    """The service's answer with what a person at the door reads: colour, message, labels, local times. `event`
    is an Event or an EventRef (its time zone is used)."""
    result = reply["result"]
    language = current_language()
    words = answer_words(language)
    label = checkpoint_label(checkpoint, language)
    shown = dict(reply, colour=COLOURS.get(result, "red"), message=words["messages"][result], checkpoint_label=label)
    participant = reply.get("participant")
    if participant:
        shown["participant"] = dict(
            participant,
            name=full_name(participant),
            category_label=words["categories"][participant["category"]],
            status_label=words["statuses"][participant["status"]],
            place=(participant["place_en"] or participant["place_ru"]) if language == "en" else participant["place_ru"])
    check_in = reply.get("check_in")
    if check_in:
        at = to_zone(datetime.fromisoformat(check_in["at"]), event.timezone)
        shown["check_in"] = dict(check_in, at_local=at.strftime("%d.%m.%Y %H:%M"))
        if result in (ScanOutcome.ALREADY_CHECKED_IN, ScanOutcome.OFFLINE_CONFLICT):  # when, where, by whom first
            # The day too, unless it was today: at a forum of several days «09:12» alone could be any of them.
            today = at.date() == to_zone(utcnow(), event.timezone).date()
            shown["details"] = ", ".join(filter(None, (at.strftime("%H:%M" if today else "%d.%m %H:%M"), label,
                                                       check_in["staff"] or check_in["device"])))
    if reply.get("signed_up") is False:
        shown["note"] = _("Not signed up for this session")
    return shown


# ---- API --------------------------------------------------------------------------------------------------

def api_error(status: int, result: str, message: str, **extra):
    # A 401 names the way to authenticate (RFC 9110): a device's bearer token.
    headers = {"WWW-Authenticate": 'Bearer realm="check-in"'} if status == 401 else {}
    return jsonify(result=result, message=message, **extra), status, headers


def api_caller(slug: str, changes: bool = True):
    """The event of an API call and who makes it: a device with a token of that event, or a staff session, which
    must also prove with the page's CSRF token that a call that `changes` something came from our page.
    Returns (event, scanner, None), or (None, None, the error response)."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _space, key = header.partition(" ")
    # RFC 9110: a scheme's name is case-insensitive.
    device = services.device_for_token(key.strip()) if scheme.lower() == "bearer" else None
    if device is not None and device.event.slug == slug:  # a device's scan, the busiest call: one query
        return device.event, Scanner(device_id=device.id, device_name=device.name), None
    # An Authorization header alone says who calls: one that is not a known device's (another scheme, an unknown key,
    # nothing) is refused, never passed over for a staff session the same client may also hold.
    if "Authorization" in request.headers and device is None:
        return None, None, api_error(401, "unauthorized", _("Unknown or revoked device token."))
    if "Authorization" not in request.headers and not current_user.is_authenticated:
        return None, None, api_error(401, "unauthorized", _("Log in or send a device token."))
    if device is None and current_user.role not in STAFF_ROLES:
        return None, None, api_error(403, "forbidden", _("Check-in needs the check-in or organizer role."))
    # Another event's device, or staff who are not members of this event, learn nothing of it: as for pages
    # (events.access.event_blueprint), an event they do not work on is as unknown as one that does not exist.
    event = services.event_ref(slug)
    if event is None or device is not None or not may_open_event(current_user, event.id):
        return None, None, api_error(404, "unknown_event", _("No such event."))
    if changes and current_app.config["WTF_CSRF_ENABLED"]:
        try:
            csrf.protect()
        except CSRFError:
            return None, None, api_error(400, "csrf_failed", _("The page has expired: reload it."))
    return event, Scanner(staff_id=current_user.id, staff_name=current_user.full_name or current_user.email), None


@api_bp.route("/events/<slug>/checkins", methods=["POST"])
def api_check_in(slug: str):
    event, scanner, refusal = api_caller(slug)
    if refusal:
        return refusal
    fields, errors = read_scan(request.get_json(silent=True))
    if errors:
        return api_error(422, "invalid_request", _("The request is incomplete or malformed."), errors=errors)
    if fields["participant_id"] is not None and scanner.staff_id is None:
        # Checking in by hand is for staff who found the person by name; a device (or a lost phone's token)
        # going through participant ids would check in, and read, the whole event.
        return api_error(403, "forbidden", _("Devices check in badges; checking in by name needs a staff log-in."))
    checkpoint = services.find_checkpoint(event, fields["checkpoint"])
    if checkpoint is None:
        return api_error(422, "unknown_checkpoint", _("No such checkpoint at this event."))
    scanner = replace(scanner, method=fields["method"])
    try:
        reply = services.check_in(event, checkpoint, scanner, fields["nonce"], token=fields["token"],
                                  participant_id=fields["participant_id"], scanned_at=fields["scanned_at"],
                                  admitted_offline=fields["admitted_offline"],
                                  refused_offline=fields["refused_offline"])
    except services.CheckinError as error:
        messages = {
            "nonce_reused": _("This nonce was already used for another scan: send a new random nonce with each "
                              "scan, and the same one only to repeat the same scan."),
            "conflict": _("The badge was being checked in and undone at the same moment: scan it again."),
        }
        return api_error(422, error.reason, messages.get(error.reason, _("The request is incomplete or malformed.")))
    response = jsonify(present(event, checkpoint, reply))
    if services.log_copy_due():
        response.call_on_close(services.copy_log_after_answer)
    return response, HTTP_STATUS.get(reply["result"], 422)


@api_bp.route("/events/<slug>/checkins/<int:check_in_id>", methods=["DELETE"])
def api_undo(slug: str, check_in_id: int):
    event, scanner, refusal = api_caller(slug)
    if refusal:
        return refusal
    may_undo_any = scanner.staff_id is not None and current_user.role in ORGANIZER_ROLES
    outcome = services.undo(event, check_in_id, scanner, may_undo_any)
    statuses = {"undone": 200, "not_found": 404, "forbidden": 403, "too_late": 409}
    messages = {
        "undone": _("Check-in undone."),
        "not_found": _("No such check-in (it may have been undone already)."),
        "forbidden": _("Only the scanner that made a check-in, or an organizer, can undo it."),
        "too_late": _("A check-in can be undone only within %(minutes)d minutes.", minutes=services.UNDO_MINUTES),
    }
    return api_error(statuses[outcome], outcome, messages[outcome])


@api_bp.route("/events/<slug>/admission-list")
def api_admission_list(slug: str):
    """What a scanner keeps to answer scans without network (conference/checkin/offline.py): the whole list, or
    with `since` and `after` (from the previous answer's `next`) what changed since."""
    event, scanner, refusal = api_caller(slug, changes=False)
    if refusal:
        return refusal
    checkpoint = services.find_checkpoint(event, request.args.get("checkpoint", ENTRANCE))
    if checkpoint is None:
        return api_error(422, "unknown_checkpoint", _("No such checkpoint at this event."))
    since, after, errors = None, 0, {}
    if "since" in request.args:
        try:
            since = datetime.fromisoformat(request.args["since"].replace("Z", "+00:00"))
            since = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            errors["since"] = _("since must be the next.since of an earlier answer (a date and time in ISO 8601).")
    try:
        after = int(request.args.get("after", 0))
        if not 0 <= after <= MAX_ID:  # (an id: a larger number would fail PostgreSQL's integer column, a 500)
            raise ValueError(after)
    except ValueError:
        errors["after"] = _("after must be the next.after of an earlier answer (a whole number).")
    if errors:
        return api_error(422, "invalid_request", _("The request is incomplete or malformed."), errors=errors)
    whole = offline.admission_list(db.session.get(Event, event.id), checkpoint, since, after)
    # A copy of the event's registrations leaves for a device: the access log says who took it. Changes every few
    # seconds are not recorded, unless they reach back further than any scanner's (a copy in all but name).
    if since is None or since < utcnow() - offline.CHANGES_LOGGED_AFTER:
        record_access("admission_list", event, len(whole["people"]), detail=checkpoint.key,
                      device=scanner.device_name if scanner.staff_id is None else None)
    body = json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):  # a whole list is megabytes: a sixth of it gzipped
        body, headers["Content-Encoding"] = gzip.compress(body, compresslevel=6), "gzip"
    return body, 200, headers


@api_bp.route("/devices/pair", methods=["POST"])
def api_pair():
    """A phone brings the code of the organizer's QR (start_pairing) and gets its device token, once."""
    data = request.get_json(silent=True)
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str) or not code.strip():
        return api_error(422, "invalid_request", _("Send the pairing code: {\"code\": \"…\"}."))
    paired = services.pair(code.strip())
    if paired is None:
        return api_error(404, "unknown_pairing", _("This QR code has been used, has expired or was revoked: ask the "
                                                   "organizer for a new one."))
    device, token = paired
    return jsonify(token=token, event=device.event.slug, device=device.name,
                   scanner=url_for("checkin_start.device_scanner", slug=device.event.slug)), 200, {
        "Cache-Control": "no-store"}


@api_bp.route("/events/<slug>/checkpoints")
def api_checkpoints(slug: str):
    event, _scanner, refusal = api_caller(slug, changes=False)  # reading changes nothing: no CSRF proof needed
    if refusal:
        return refusal
    return jsonify(checkpoints=[
        {"key": point.key, "label": checkpoint_label(point),
         "starts_at": point.session.starts_at.isoformat() if point.session else None,
         "ends_at": point.session.ends_at.isoformat() if point.session else None}
        for point in services.checkpoints(event)])


# ---- a phone paired by a QR code: its scanner works with the device's token, no staff log-in -------------------

@start_bp.route("/checkin/pair")
def pair_page():
    """Where the organizer's QR code leads: the code rides in the address's fragment (never sent to the server nor
    kept in its logs); the page's script exchanges it for the device's token (POST /api/v1/devices/pair)."""
    return render_template("checkin/pair.html"), 200, {"Cache-Control": "no-store"}


@start_bp.route("/checkin/device/<slug>/")
def device_scanner(slug: str):
    """A paired phone's scanner: the page holds nothing of the event's people (the admission list and the scans go
    through the API with the token the phone keeps); without a token it says how to get one."""
    event = services.event_ref(slug)
    if event is None:
        abort(404)
    checkpoint = request.args.get("checkpoint", ENTRANCE)[:30]
    return render_template("checkin/device_scanner.html", event=event, checkpoint=checkpoint, words=offline_words(),
                           undo_minutes=services.UNDO_MINUTES, camera=vendored(CAMERA_LIBRARY),
                           camera_library=CAMERA_LIBRARY), 200, {"Content-Security-Policy": SCANNER_CSP}


@start_bp.route("/checkin/device/<slug>/worker.js")
def device_worker(slug: str):
    return worker()


# ---- staff pages ------------------------------------------------------------------------------------------

@start_bp.route("/checkin/")
@staff_required
def choose_event():
    return render_template("checkin/choose_event.html", events=events_of(current_user, list_events()))


def recent_line(event: Event, scan) -> dict:
    """One of the latest scans as the page lists them (the script adds new ones the same way)."""
    name = scan.participant.full_name if scan.participant and scan.outcome != ScanOutcome.OTHER_EVENT else ""
    undone = _("undone") if scan.undone_at else ""
    received = to_zone(scan.received_at, event.timezone)
    # A scan of another day says which: on the second morning of a forum, «09:41» alone would mislead.
    shown = "%H:%M:%S" if received.date() == to_zone(utcnow(), event.timezone).date() else "%d.%m %H:%M:%S"
    return {"colour": "amber" if undone else COLOURS.get(scan.outcome, "red"), "time": received.strftime(shown),
            "text": " · ".join(filter(None, (str(MESSAGES[scan.outcome]), name, undone)))}


@scanner_bp.route("/")
def scanner():
    event = g.event
    points = services.checkpoints(event)
    chosen = request.args.get("checkpoint", ENTRANCE)
    checkpoint = next((point for point in points if point.key == chosen), points[0])
    query = request.args.get("q", "").strip()[:100]
    found, arrived = None, {}
    if query:
        found = page_of_participants(event, ParticipantFilter(text=query, sort="relevance"), 1, 20)
        arrived = services.check_ins_at(event, checkpoint.key, [participant.id for participant in found.items])
    recent = [recent_line(event, scan) for scan in services.recent_scans(event, current_user)]
    response = render_template(
        "checkin/scanner.html", event=event, points=points, checkpoint=checkpoint, checkpoint_label=checkpoint_label,
        query=query, found=found, arrived=arrived, recent=recent, camera=vendored(CAMERA_LIBRARY),
        camera_library=CAMERA_LIBRARY,
        category_labels=translated(CATEGORY_LABELS), status_labels=translated(STATUS_LABELS),
        refused_statuses=services.REFUSED_STATUSES, undo_minutes=services.UNDO_MINUTES, words=offline_words())
    return response, 200, {"Content-Security-Policy": SCANNER_CSP}


# The camera decoder is WebAssembly, which the browser runs only with 'wasm-unsafe-eval'.
SCANNER_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self' "
               "'wasm-unsafe-eval'; media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'self'; "
               "form-action 'self'; frame-ancestors 'none'")


def offline_words() -> dict:
    """What the page needs to answer a scan from its admission list as the server would (admission-list.js)."""
    words = answer_words(current_language())
    return {
        "messages": words["messages"], "categories": words["categories"], "statuses": words["statuses"],
        "refused": {status: outcome for status, outcome in services.REFUSED_STATUSES.items()},
        "colours": COLOURS, "language": current_language(),
        "offline": _("offline"), "thisDevice": _("this device"), "notSignedUp": _("Not signed up for this session"),
        # (placeholders the page fills in: gettext leaves them as written when given no values)
        "listFrom": _("list of %(time)s, %(ago)s ago"), "seconds": _("%(num)s s"), "minutes": _("%(num)s min"),
        "queued": _("scans waiting for the network: %(num)s"),
        "listLoading": _("Downloading the list for scanning without network…"),
        "listUnavailable": _("This browser keeps no list: without network, scanning stops."),
    }


@scanner_bp.route("/worker.js")
def worker():
    """The scanner page's service worker, from the page's own folder: its scope is the event's check-in pages."""
    response = current_app.send_static_file("js/checkin-worker.js")
    response.headers["Cache-Control"] = "no-cache"  # a new version is taken at the next visit
    return response


@scanner_bp.route("/manifest.webmanifest")
def manifest():
    """The scanner page as an installable app: it opens full screen, at this event's entrance."""
    event = g.event
    scope = url_for(".scanner")
    return jsonify(name=_("Check-in: %(title)s", title=event.display_title(current_language())),
                   short_name=_("Check-in"), start_url=scope, scope=scope, display="standalone",
                   background_color="#ffffff", theme_color="#1a4f8b", lang=current_language(),
                   icons=[{"src": url_for("static", filename="favicon.svg"), "sizes": "any",
                           "type": "image/svg+xml"}]), 200, {"Content-Type": "application/manifest+json"}


# ---- organizers: devices and live arrivals -----------------------------------------------------------------

@bp.route("/devices", methods=["GET", "POST"])
def devices():
    event = g.event
    name = ""
    if request.method == "POST":
        name = " ".join(request.form.get("name", "").split())
        if not name:
            flash(_("Name the device, e.g. «Entrance, phone 1»."), "error")
        elif len(name) > 100:
            flash(_("The device's name may have at most 100 characters."), "error")
        else:
            device, token = services.add_device(event, name, current_user)
            flash(_("Device «%(name)s» added. Copy its token now: it is shown only once.", name=device.name),
                  "success")
            # Redirected, so that reloading the page shows the list rather than adding a second device. The token
            # rides in the signed session to the event's devices page, which takes it out: shown once, then gone.
            # (The cookie is signed, not encrypted: it carries the token for that one round trip, as the page does.)
            session[NEW_DEVICE_TOKENS] = session.get(NEW_DEVICE_TOKENS, []) + [
                {"event": event.id, "name": device.name, "token": token}]
            return redirect(url_for(".devices"))
    new_tokens, pairings = _shown_once(NEW_DEVICE_TOKENS, event), _shown_once(NEW_PAIRINGS, event)
    for pairing in pairings:
        pairing["qr"] = qr_svg(pairing["link"])
    return render_template("checkin/devices.html", event=event, devices=services.devices_of(event),
                           new_tokens=new_tokens, pairings=pairings, name=name,
                           pairing_minutes=services.PAIRING_MINUTES)


def _shown_once(key: str, event: Event) -> list[dict]:
    """What the session carries to this event's devices page, taken out: shown once, then gone (another event's
    waits for its own page)."""
    pending = session.get(key, [])
    mine = [entry for entry in pending if entry["event"] == event.id]
    if mine:
        session[key] = [entry for entry in pending if entry["event"] != event.id]
    return mine


@bp.route("/devices/pair", methods=["POST"])
def pair_device():
    """A phone to become a check-in device by a QR code: the page shows the code (once), the phone opens it."""
    event = g.event
    name = " ".join(request.form.get("name", "").split())
    if not name or len(name) > 100:
        flash(_("Name the device, e.g. «Entrance, phone 1»."), "error")
        return redirect(url_for(".devices"))
    device, _token = services.add_device(event, name, current_user)  # (its own token comes with the pairing)
    code = services.start_pairing(device)
    # The address the organizer's own browser is on (behind the proxy, as it sees it): the phone is at the venue too.
    link = request.host_url.rstrip("/") + url_for("checkin_start.pair_page") + "#" + code
    session[NEW_PAIRINGS] = session.get(NEW_PAIRINGS, []) + [{"event": event.id, "name": device.name, "link": link}]
    return redirect(url_for(".devices"))


def qr_svg(text: str) -> Markup:
    """A QR code to show on a screen, as inline SVG (sharp at any size)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return Markup(image.to_string(encoding="unicode"))


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
def revoke_device(device_id: int):
    event = g.event
    device = of_event_or_404(CheckinDevice, device_id, event)
    services.revoke_device(device)
    flash(_("Device «%(name)s» revoked: its token no longer works.", name=device.name), "success")
    return redirect(url_for(".devices"))


def arrivals_data(event: Event) -> dict:
    figures = services.arrivals(event)
    return {
        "checkpoints": [
            {"key": point["key"],
             "label": checkpoint_label(Checkpoint(point["key"], point["session"])),
             "kind": str(KIND_LABELS[point["session"].kind]) if point["session"] else "",
             "starts": local_datetime(point["session"].starts_at, event.timezone, "HH:mm") if point["session"] else "",
             "checked_in": point["checked_in"], "expected": point["expected"]}
            for point in figures["checkpoints"]],
        # Each day its own chart, named once by its date; the labels are the hours its axis marks.
        "days": [{"date": format_date(day.day, format="long"),
                  "slots": [{"start": to_zone(start, event.timezone).strftime("%H:%M"), "count": count}
                            for start, count in day.slots],
                  "labels": [{"at": index, "text": text} for index, text in day.labels]}
                 for day in figures["days"]],
        "refused": figures["refused"],
        # «Admitted twice while offline» at each checkpoint where it happened.
        "conflicts": [{"label": checkpoint_label(Checkpoint(point["key"], point["session"])),
                       "count": figures["conflicts"][point["key"]]}
                      for point in figures["checkpoints"] if figures["conflicts"].get(point["key"])],
    }


@bp.route("/arrivals")
def arrivals():
    event = g.event
    return render_template("checkin/arrivals.html", event=event, data=arrivals_data(event))


@bp.route("/arrivals.json")
def arrivals_json():
    return jsonify(arrivals_data(g.event))


@api_bp.route("/openapi.yaml")
def openapi():
    """The API's description, for people writing a scanner app."""
    return (Path(__file__).parent / "openapi.yaml").read_text(encoding="utf-8"), 200, {
        "Content-Type": "application/yaml; charset=utf-8"}


@bp.app_context_processor
def participant_arrivals():
    """(The organizer's page of a participant lists their arrivals.)"""
    return {"arrivals_of": services.arrivals_of}
