"""Check-in: every outcome at service level and over HTTP, nonces, undo, device tokens, the OpenAPI description."""

import json
import re
import sqlite3
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import func, select, text, update

from conference import create_app, jobs
from conference.agenda.models import SessionSignup
from conference.badges import services as badges
from conference.checkin import services
from conference.checkin.models import CheckIn, CheckinDevice, Scan
from conference.checkin.services import Scanner
from conference.checkin.tasks import copy_scan_log
from conference.extensions import db
from conference.registration import services as registration
from conference.registration.models import Participant
from conference.timeutil import to_zone, utcnow

from .agenda_helpers import at, make_room, make_session
from .conftest import ON_POSTGRES, PASSWORD, action, log_in

OPENAPI = yaml.safe_load((Path(__file__).parent.parent / "conference/checkin/openapi.yaml").read_text())


def nonce() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def people(app, client, event, form_data):
    """Badge tokens by name: confirmed «Иванов» and «Петрова», then one pending, one cancelled, one declined,
    and «Сидоров» whose badge was reissued (his old token is under «revoked»)."""
    names = ["Иванов", "Петрова", "Ожидающий", "Отменивший", "Отклонённый", "Сидоров"]
    for number, last_name in enumerate(names):
        response = client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"p{number}@example.org"))
        assert response.status_code == 302
    with action(app):
        by_name = {p.last_name: p for p in db.session.scalars(select(Participant))}
        tokens = {name: badges.current_badge(participant).token for name, participant in by_name.items()}
        tokens["revoked"] = tokens["Сидоров"]
        tokens["Сидоров"] = badges.reissue(by_name["Сидоров"]).token
        registration.set_status(by_name["Ожидающий"], "pending")
        registration.cancel(by_name["Отменивший"])
        registration.set_status(by_name["Отклонённый"], "rejected")
        tokens["ids"] = {name: participant.id for name, participant in by_name.items()}
    return tokens


ANYONE = Scanner()


def scan(event, token=None, checkpoint="entrance", scanner=ANYONE, key=None, **fields) -> dict:
    """The service, as the API calls it."""
    live = db.session.merge(event)
    point = services.find_checkpoint(live, checkpoint)
    return services.check_in(live, point, scanner, key or nonce(), token=token, **fields)


# ---- service ----------------------------------------------------------------------------------------------

def test_a_scan_that_fails_while_writing_leaves_nothing_and_locks_nothing(app, ctx, event, people, monkeypatch):
    def broken(reply):
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(services, "stored_answer", broken)
    with pytest.raises(RuntimeError):
        scan(event, people["Иванов"])  # after the check-in's insert, before the commit
    monkeypatch.undo()
    # Rolled back at once: the ORM's own connection writes without waiting, and the person was not let in.
    services.add_device(db.session.merge(event), "Вход", None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    assert scan(event, people["Иванов"])["result"] == "checked_in"



def test_every_outcome_at_service_level(app, ctx, event, make_event, people):
    first = scan(event, people["Иванов"])
    assert first["result"] == "checked_in"
    assert first["participant"]["last_name"] == "Иванов"
    assert first["participant"]["place_ru"] == "Сахалинская область"
    assert first["check_in"]["checkpoint"] == "entrance"

    again = scan(event, people["Иванов"])
    assert again["result"] == "already_checked_in"
    assert again["check_in"]["id"] == first["check_in"]["id"]
    assert again["check_in"]["at"] == first["check_in"]["at"]

    assert scan(event, "0" * 40)["result"] == "unknown_badge"
    assert scan(event, "0" * 40)["participant"] is None
    assert scan(event, people["revoked"])["result"] == "revoked_badge"
    assert scan(event, people["Сидоров"])["result"] == "checked_in"  # the reissued badge works
    assert scan(event, people["Ожидающий"])["result"] == "registration_pending"
    assert scan(event, people["Отменивший"])["result"] == "registration_cancelled"
    assert scan(event, people["Отклонённый"])["result"] == "registration_rejected"

    other = make_event()
    answer = scan(other, people["Петрова"])
    assert answer["result"] == "other_event"
    assert answer["participant"] is None  # another event's staff learn nothing about the person

    # Only the two admissions made arrivals; every scan, refused ones too, is in the audit trail.
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2
    outcomes = list(db.session.scalars(select(Scan.outcome).order_by(Scan.id)))
    assert outcomes == ["checked_in", "already_checked_in", "unknown_badge", "unknown_badge", "revoked_badge",
                        "checked_in", "registration_pending", "registration_cancelled",
                        "registration_rejected", "other_event"]


def test_a_repeated_nonce_returns_the_first_answer_and_records_nothing(app, ctx, event, people):
    key = nonce()
    first = scan(event, people["Иванов"], key=key)
    repeated = scan(event, people["Иванов"], key=key)
    assert first["result"] == repeated["result"] == "checked_in"  # not "already": it is the same scan
    assert repeated["repeated"] is True
    assert repeated["check_in"] == first["check_in"]
    assert repeated["participant"] == first["participant"]
    # The audit trail keeps the answer without the person's details (they live in the participant's row only).
    assert "Иванов" not in db.session.scalars(select(Scan.answer)).one()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1

    refused = nonce()
    assert scan(event, "1" * 40, key=refused)["result"] == "unknown_badge"
    assert scan(event, "1" * 40, key=refused)["result"] == "unknown_badge"
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 2


def test_the_audit_row_says_who_which_device_and_when(app, ctx, event, people, make_user):
    from conference.accounts.services import find_user

    staff = find_user(make_user("checkin"))
    device, _token = services.add_device(db.session.merge(event), "Вход, телефон 1", staff)
    db.session.commit()  # an action of its own, before the scans
    scanned_at = utcnow() - timedelta(minutes=3)
    scan(event, people["Петрова"], scanner=Scanner(staff_id=staff.id, device_id=device.id, method="camera"),
         scanned_at=scanned_at)
    row = db.session.scalars(select(Scan)).one()
    assert (row.staff_id, row.device_id, row.method, row.outcome) == (staff.id, device.id, "camera", "checked_in")
    assert row.scanned_at == scanned_at.replace(microsecond=row.scanned_at.microsecond)
    assert row.received_at > row.scanned_at
    assert db.session.scalars(select(CheckIn)).one().checked_in_at == row.scanned_at

    # A scanner clock far off is not believed: the time received is recorded instead.
    scan(event, people["Иванов"], scanned_at=utcnow() + timedelta(days=2))
    row = db.session.scalars(select(Scan).order_by(Scan.id.desc())).first()
    assert row.scanned_at == row.received_at


def test_session_doors_are_checkpoints_of_their_own(app, ctx, event, people):
    live = db.session.merge(event)
    room = make_room(live)
    plenary = make_session(live, room, at(live, 0, 10), at(live, 0, 12), title="Пленарное заседание")
    make_session(live, room, at(live, 0, 12), at(live, 0, 13), title="Кофе-брейк", kind="break")
    db.session.add(SessionSignup(session_id=plenary, participant_id=people["ids"]["Иванов"]))
    db.session.commit()
    door = f"session-{plenary}"
    assert [point.key for point in services.checkpoints(live)] == ["entrance", door]  # no door at a break

    assert scan(event, people["Иванов"], checkpoint=door)["signed_up"] is True
    walk_in = scan(event, people["Петрова"], checkpoint=door)
    assert walk_in["result"] == "checked_in" and walk_in["signed_up"] is False
    assert scan(event, people["Иванов"])["result"] == "checked_in"  # the entrance is another checkpoint
    assert scan(event, people["Иванов"], checkpoint=door)["result"] == "already_checked_in"
    assert services.find_checkpoint(live, "session-999999") is None
    assert services.find_checkpoint(live, "garden") is None


def test_undo_within_the_window_by_the_same_scanner_or_an_organizer(app, ctx, event, people, make_user):
    from conference.accounts.services import find_user

    one, other = find_user(make_user("checkin")), find_user(make_user("checkin"))
    live = db.session.merge(event)
    made = scan(event, people["Иванов"], scanner=Scanner(staff_id=one.id))
    check_in_id = made["check_in"]["id"]
    assert services.undo(live, check_in_id, Scanner(staff_id=other.id), may_undo_any=False) == "forbidden"
    assert services.undo(live, check_in_id, Scanner(staff_id=one.id), may_undo_any=False) == "undone"
    db.session.commit()
    assert services.undo(live, check_in_id, Scanner(staff_id=one.id), may_undo_any=False) == "not_found"
    undone = db.session.scalars(select(Scan)).one()
    assert undone.undone_at is not None and undone.undone_by_id == one.id
    # Undone, the person can be checked in again.
    again = scan(event, people["Иванов"], scanner=Scanner(staff_id=one.id))
    assert again["result"] == "checked_in"

    db.session.execute(update(Scan).values(received_at=utcnow() - timedelta(minutes=services.UNDO_MINUTES + 1)))
    db.session.commit()
    assert services.undo(live, again["check_in"]["id"], Scanner(), may_undo_any=True) == "too_late"


def test_a_nonce_is_required(app, ctx, event, people):
    live = db.session.merge(event)
    with pytest.raises(services.CheckinError):
        services.check_in(live, services.find_checkpoint(live, "entrance"), Scanner(), "  ", token=people["Иванов"])


# ---- HTTP -------------------------------------------------------------------------------------------------

def schema_for(path: str, method: str, status: int) -> dict:
    content = OPENAPI["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    return {**content["schema"], "components": OPENAPI["components"]}


def checked(response, path="/events/{slug}/checkins", method="post") -> dict:
    """The response's JSON, after checking it against the OpenAPI description of its status."""
    body = response.get_json()
    Draft202012Validator(schema_for(path, method, response.status_code)).validate(body)
    return body


def post_scan(client, event, **body):
    body.setdefault("nonce", nonce())
    return client.post(f"/api/v1/events/{event.slug}/checkins", json=body)


def in_transaction(connection) -> bool:
    if hasattr(connection, "in_transaction"):  # sqlite3
        return connection.in_transaction
    from psycopg.pq import TransactionStatus

    return connection.info.transaction_status != TransactionStatus.IDLE


def test_scans_keep_one_connection_and_no_request_leaves_a_transaction_open(app, client, event, people,
                                                                            checkin_client):
    """A thread keeps its scan connection from request to request; whatever a request began on it ends with the
    request, also a refusal after a read (on PostgreSQL a read alone opens a transaction, and holds its locks)."""
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201
    with action(app):
        first = services.scan_connection()
    refused = client.post(f"/api/v1/events/{event.slug}/checkins", json={"token": people["Петрова"], "nonce": nonce()},
                          headers={"Authorization": "Bearer ckd_revoked-or-never-issued"})
    assert refused.status_code == 401  # the device was looked up, and nothing was committed
    with action(app):
        assert services.scan_connection() is first
        assert not in_transaction(first)


@pytest.mark.skipif(not ON_POSTGRES, reason="a server that closes connections: runs on PostgreSQL")
def test_a_scan_after_the_server_closed_the_kept_connection_goes_through(app, event, people, checkin_client):
    """PostgreSQL restarted (or ended the connection): the next scan notices, opens a new connection and goes
    through, rather than showing the door a red «server error»."""
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201
    with action(app):
        backend = services.scan_connection().info.backend_pid
        assert db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        db.session.commit()
    response = post_scan(checkin_client, event, token=people["Петрова"])
    assert response.status_code == 201, response.get_json()
    with action(app):
        assert services.scan_connection().info.backend_pid != backend


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's flush at commit")
def test_only_scans_commit_without_waiting_for_the_disk(app):
    with action(app):
        assert services.scan_connection().execute("SHOW synchronous_commit").fetchone() == ("off",)
        assert db.session.execute(text("SHOW synchronous_commit")).scalar_one() == "on"


def test_an_in_memory_database_stays_one_database_for_scans_and_the_rest(app_config):
    """SQLite in memory is one connection that everybody shares: the scan path must not take it away."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with action(app):
        db.session.execute(text("CREATE TABLE probe (x INTEGER)"))
        db.session.commit()
        assert services.scan_connection().execute("SELECT count(*) FROM probe").fetchone() == (0,)
        assert db.session.execute(text("SELECT count(*) FROM probe")).scalar_one() == 0


def check_ins_in_the_database_file(app, folder: Path) -> int:
    """The check-ins in the SQLite database file alone, without its write-ahead log: what has been copied into it."""
    alone = folder / "alone.db"
    alone.write_bytes(Path(db.engine.url.database).read_bytes())
    with sqlite3.connect(alone) as connection:
        return connection.execute("SELECT count(*) FROM check_in").fetchone()[0]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write-ahead log")
def test_the_consumer_copies_the_scans_log_into_the_database(app, event, people, checkin_client, tmp_path):
    """A scan's commit never copies SQLite's log into the database (the copy's fsync held the next scans up):
    the job consumer's companion does, every LOG_COPIED_EVERY seconds."""
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201
    with app.app_context():
        assert check_ins_in_the_database_file(app, tmp_path) == 0  # in the log only
    assert copy_scan_log in jobs.COMPANIONS
    stopping = jobs._start_companions(app)  # as `flask jobs work` does
    try:
        for _ in range(50):
            with app.app_context():
                if check_ins_in_the_database_file(app, tmp_path) == 1:
                    break
            time.sleep(0.1)
        with app.app_context():
            assert check_ins_in_the_database_file(app, tmp_path) == 1
    finally:
        stopping.set()
    for thread in threading.enumerate():
        if thread.name == "copy_scan_log":
            thread.join(timeout=5)
            assert not thread.is_alive()  # it stops with the consumer


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write-ahead log")
def test_without_a_consumer_a_worker_copies_the_log_after_many_scans(app, event, people, checkin_client, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(services, "COMMITS_PER_LOG_COPY", 2)
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201
    with app.app_context():
        assert check_ins_in_the_database_file(app, tmp_path) == 0
    response = post_scan(checkin_client, event, token=people["Петрова"])
    assert response.status_code == 201
    response.close()  # the server closes the answer once it is sent: the copy comes after it
    with app.app_context():
        assert check_ins_in_the_database_file(app, tmp_path) == 2


def test_the_openapi_description_is_valid():
    validate(OPENAPI)


def test_every_outcome_over_http(app, event, make_event, people, checkin_client):
    cases = [
        (people["Иванов"], 201, "checked_in", "green"),
        (people["Иванов"], 409, "already_checked_in", "amber"),
        ("9" * 40, 404, "unknown_badge", "red"),
        (people["revoked"], 422, "revoked_badge", "red"),
        (people["Ожидающий"], 422, "registration_pending", "red"),
        (people["Отменивший"], 422, "registration_cancelled", "red"),
        (people["Отклонённый"], 422, "registration_rejected", "red"),
    ]
    for token, status, result, colour in cases:
        response = post_scan(checkin_client, event, token=token)
        assert response.status_code == status, (result, response.get_json())
        body = checked(response)
        assert (body["result"], body["colour"]) == (result, colour)
    first = checked(post_scan(checkin_client, event, token=people["Иванов"]))
    assert first["message"] == "Уже отмечен(а)"
    assert first["details"].endswith(", Вход, " + first["check_in"]["staff"])
    assert re.match(r"\d\d:\d\d, ", first["details"])  # today: the time alone
    assert first["check_in"]["staff"].startswith("checkin")  # who made the first check-in
    assert first["participant"]["category_label"] == "Участник"

    other = make_event(members=(checkin_client.email,))  # an event of theirs too: the badge is what is foreign
    response = post_scan(checkin_client, other, token=people["Петрова"])
    assert response.status_code == 422 and checked(response)["result"] == "other_event"


def test_a_check_in_of_another_day_is_told_with_its_date(app, event, people, checkin_client):
    """At a forum of several days, «already checked in at 09:12» must say which day."""
    post_scan(checkin_client, event, token=people["Иванов"])
    with action(app):
        first = db.session.scalars(select(CheckIn)).one()
        first.checked_in_at -= timedelta(days=1)
        db.session.commit()
    again = checked(post_scan(checkin_client, event, token=people["Иванов"]))
    yesterday = (to_zone(utcnow(), event.timezone) - timedelta(days=1)).strftime("%d.%m")
    assert again["result"] == "already_checked_in" and again["details"].startswith(f"{yesterday} ")


def test_repeating_a_request_over_http_answers_the_same(app, event, people, checkin_client):
    key = nonce()
    first = post_scan(checkin_client, event, token=people["Петрова"], nonce=key)
    second = post_scan(checkin_client, event, token=people["Петрова"], nonce=key)
    assert first.status_code == second.status_code == 201
    assert checked(second)["repeated"] is True
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_manual_check_in_by_participant_id(app, event, people, checkin_client):
    response = post_scan(checkin_client, event, participant_id=people["ids"]["Петрова"], method="manual")
    assert response.status_code == 201
    assert checked(response)["participant"]["last_name"] == "Петрова"


@pytest.mark.parametrize("body, field", [
    ({"nonce": "x"}, "token"),
    ({"token": "1", "participant_id": 2, "nonce": "x"}, "token"),
    ({"token": 12345, "nonce": "x"}, "token"),
    ({"token": "123"}, "nonce"),
    ({"token": "123", "nonce": "x" * 65}, "nonce"),
    ({"token": "123", "nonce": "x", "method": "telepathy"}, "method"),
    ({"token": "123", "nonce": "x", "scanned_at": "вчера"}, "scanned_at"),
])
def test_malformed_requests_say_which_field(app, event, checkin_client, body, field):
    response = checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json=body)
    assert response.status_code == 422
    answer = checked(response)
    assert answer["result"] == "invalid_request" and field in answer["errors"]


def test_unknown_checkpoint_event_and_non_json(app, event, people, checkin_client):
    response = post_scan(checkin_client, event, token=people["Иванов"], checkpoint="session-424242")
    assert response.status_code == 422 and checked(response)["result"] == "unknown_checkpoint"
    response = checkin_client.post("/api/v1/events/no-such-event/checkins", json={"token": "1", "nonce": "x"})
    assert response.status_code == 404 and checked(response)["result"] == "unknown_event"
    response = checkin_client.post(f"/api/v1/events/{event.slug}/checkins", data="token=1",
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422 and "body" in checked(response)["errors"]


def test_who_may_call_the_api(app, client, event, people, make_user, organizer_client):
    assert post_scan(client, event, token=people["Иванов"]).status_code == 401
    assert post_scan(organizer_client, event, token=people["Иванов"]).status_code == 201


def test_device_tokens_work_for_their_event_until_revoked(app, client, event, make_event, people, organizer_client):
    devices_page = f"/manage/events/{event.slug}/checkin/devices"
    added = organizer_client.post(devices_page, data={"name": "Вход, телефон 1"})
    assert added.status_code == 302 and added.location.endswith(devices_page)  # a reload must not add another
    text = organizer_client.get(devices_page).get_data(as_text=True)
    token = text.split('<code class="new-token">')[1].split("</code>")[0]
    assert "Ключ устройства «Вход, телефон 1»" in text
    again = organizer_client.get(devices_page).get_data(as_text=True)
    assert token not in again and again.count("<td>Вход, телефон 1</td>") == 1
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/events/{event.slug}/checkins", headers=headers,
                           json={"token": people["Иванов"], "nonce": nonce()})
    assert response.status_code == 201
    assert checked(response)["check_in"]["device"] == "Вход, телефон 1"

    other = make_event()
    response = client.post(f"/api/v1/events/{other.slug}/checkins", headers=headers,
                           json={"token": people["Иванов"], "nonce": nonce()})
    # Another event is, to a device, as unknown as one that does not exist.
    assert response.status_code == 404 and checked(response)["result"] == "unknown_event"

    checkpoints = client.get(f"/api/v1/events/{event.slug}/checkpoints", headers=headers)
    assert checkpoints.status_code == 200
    assert checked(checkpoints, "/events/{slug}/checkpoints", "get")["checkpoints"][0]["key"] == "entrance"

    with action(app):
        device_id = db.session.scalar(select(Scan.device_id))
    organizer_client.post(f"/manage/events/{event.slug}/checkin/devices/{device_id}/revoke")
    response = client.post(f"/api/v1/events/{event.slug}/checkins", headers=headers,
                           json={"token": people["Петрова"], "nonce": nonce()})
    assert response.status_code == 401 and checked(response)["result"] == "unauthorized"
    listing = organizer_client.get(f"/manage/events/{event.slug}/checkin/devices").get_data(as_text=True)
    assert token not in listing  # shown once, never again


def test_device_name_refused_with_what_was_typed_kept(app, event, organizer_client):
    page = organizer_client.post(f"/manage/events/{event.slug}/checkin/devices", data={"name": "Вход " * 30})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "не длиннее 100 символов" in text
    assert 'value="Вход Вход' in text and 'class="new-token"' not in text
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(CheckinDevice)) == 0


def test_each_new_device_token_is_shown_once_on_its_own_events_page(event, make_event, organizer_client):
    other = make_event(members=(organizer_client.email,))
    pages = {key: f"/manage/events/{key.slug}/checkin/devices" for key in (event, other)}
    # Two tabs add a device each before either page is shown; a third device is added at another event.
    organizer_client.post(pages[event], data={"name": "Вход, телефон 1"})
    organizer_client.post(pages[event], data={"name": "Вход, телефон 2"})
    organizer_client.post(pages[other], data={"name": "Зал, сканер"})
    shown = organizer_client.get(pages[event]).get_data(as_text=True)
    assert shown.count('class="new-token"') == 2
    assert "Ключ устройства «Вход, телефон 2»" in shown and "Ключ устройства «Зал, сканер»" not in shown
    elsewhere = organizer_client.get(pages[other]).get_data(as_text=True)
    assert elsewhere.count('class="new-token"') == 1 and "Ключ устройства «Зал, сканер»" in elsewhere
    assert 'class="new-token"' not in organizer_client.get(pages[event]).get_data(as_text=True)


def test_undo_over_http(app, event, people, checkin_client):
    made = checked(post_scan(checkin_client, event, token=people["Иванов"]))
    path = f"/api/v1/events/{event.slug}/checkins/{made['check_in']['id']}"
    response = checkin_client.delete(path)
    assert response.status_code == 200
    assert checked(response, "/events/{slug}/checkins/{check_in_id}", "delete")["result"] == "undone"
    assert checkin_client.delete(path).status_code == 404
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201


def test_scanner_page_search_and_roles(app, client, event, people, checkin_client, make_user):
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=петров")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Петрова" in text and 'data-participant-id="' in text
    assert "wasm-unsafe-eval" in page.headers["Content-Security-Policy"]
    assert client.get(f"/manage/events/{event.slug}/checkin/").status_code == 302  # log-in first
    # Organizers' pages stay closed to check-in staff.
    assert checkin_client.get(f"/manage/events/{event.slug}/checkin/devices").status_code == 403
    assert checkin_client.get(f"/manage/events/{event.slug}/checkin/arrivals").status_code == 403


def test_check_in_staff_land_on_the_check_in_page(app, make_user):
    client = app.test_client()
    email = make_user("checkin")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/checkin/")
    log_in(client, email)


def test_live_arrivals_count_against_expected(app, event, people, organizer_client):
    with action(app):
        scan(event, people["Иванов"])
        scan(event, people["Петрова"])
        scan(event, people["Петрова"])
    figures = organizer_client.get(f"/manage/events/{event.slug}/checkin/arrivals.json").get_json()
    entrance = figures["checkpoints"][0]
    # Confirmed: Иванов, Петрова, Сидоров (the others are pending, cancelled, declined).
    assert (entrance["key"], entrance["checked_in"], entrance["expected"]) == ("entrance", 2, 3)
    assert sum(slot["count"] for day in figures["days"] for slot in day["slots"]) == 2
    assert figures["refused"] == 0  # "already" is not a refusal
    page = organizer_client.get(f"/manage/events/{event.slug}/checkin/arrivals").get_data(as_text=True)
    assert json.loads(page.split('id="arrivals-data">')[1].split("</script>")[0])["checkpoints"][0]["checked_in"] == 2


def test_a_session_door_has_one_spelling(app, ctx, event, people):
    live = db.session.merge(event)
    room = make_room(live)
    session_id = make_session(live, room, at(live, 0, 10), at(live, 0, 12))
    assert services.find_checkpoint(live, f"session-{session_id}").key == f"session-{session_id}"
    for odd in (f"session-0{session_id}", f"session-{session_id}".replace("1", "١"), f"session-+{session_id}",
                f"session- {session_id}"):
        assert services.find_checkpoint(live, odd) is None, odd


def test_a_nonce_reused_for_another_badge_is_refused(app, event, people, checkin_client):
    key = nonce()
    assert post_scan(checkin_client, event, token=people["Иванов"], nonce=key).status_code == 201
    response = post_scan(checkin_client, event, token=people["Петрова"], nonce=key)
    assert response.status_code == 422 and checked(response)["result"] == "nonce_reused"
    with action(app):  # Петрова was not let in on Иванов's answer
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_device_call_ignores_a_staff_session_in_the_same_browser(app, event, people, checkin_client):
    """The token alone says who calls: the cookie session is neither read (its English is not used) nor sent back."""
    with action(app):
        _device, token = services.add_device(db.session.merge(event), "Вход, сканер", None)
    checkin_client.get("/lang/en")
    assert checked(post_scan(checkin_client, event, token=people["Петрова"]))["message"] == "Checked in"
    response = checkin_client.post(f"/api/v1/events/{event.slug}/checkins",
                                   headers={"Authorization": f"Bearer {token}"},
                                   json={"token": people["Иванов"], "nonce": nonce()})
    assert response.status_code == 201 and checked(response)["check_in"] == {
        **checked(response)["check_in"], "staff": "", "device": "Вход, сканер"}
    assert checked(response)["message"] == "Прибытие отмечено" and "Set-Cookie" not in response.headers
    with action(app):
        scan = db.session.scalars(select(Scan).where(Scan.device_id.is_not(None))).one()
    assert scan.staff_id is None
    staff = checkin_client.get(f"/api/v1/events/{event.slug}/checkpoints")  # the session itself still works
    assert staff.status_code == 200


def test_devices_check_in_badges_not_names(app, client, event, people):
    with action(app):
        _device, token = services.add_device(db.session.merge(event), "Вход", None)
    response = client.post(f"/api/v1/events/{event.slug}/checkins", headers={"Authorization": f"Bearer {token}"},
                           json={"participant_id": people["ids"]["Иванов"], "nonce": nonce()})
    assert response.status_code == 403 and checked(response)["result"] == "forbidden"


@pytest.mark.parametrize("body", [
    {"participant_id": 10 ** 30, "nonce": "x"},
    {"token": "12\x0034", "nonce": "x"},
    {"token": "1234", "nonce": "x\x00y"},
])
def test_out_of_range_and_control_characters_are_refused_with_a_field(app, event, checkin_client, body):
    response = checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json=body)
    assert response.status_code == 422 and checked(response)["result"] == "invalid_request"


def test_undo_over_http_only_by_its_scanner_or_an_organizer(app, event, make_event, people, make_user,
                                                          checkin_client, organizer_client):
    from .conftest import log_in

    made = checked(post_scan(checkin_client, event, token=people["Иванов"]))
    other = app.test_client()
    log_in(other, make_user("checkin", events=(event,)))
    path = f"/api/v1/events/{event.slug}/checkins/{made['check_in']['id']}"
    assert other.delete(path).status_code == 403
    elsewhere = make_event(members=(organizer_client.email,))  # theirs too: the check-in is what is not found
    assert organizer_client.delete(f"/api/v1/events/{elsewhere.slug}/checkins/{made['check_in']['id']}") \
        .status_code == 404
    assert organizer_client.delete(path).status_code == 200
    # Ids of undone check-ins are never handed out again: a retried DELETE cannot undo the next person.
    again = checked(post_scan(checkin_client, event, token=people["Петрова"]))
    assert again["check_in"]["id"] != made["check_in"]["id"]
    assert checkin_client.delete(path).status_code == 404


def test_the_api_answers_json_even_for_paths_it_does_not_have(app, event, checkin_client):
    response = checkin_client.get(f"/api/v1/events/{event.slug}/nothing-here")
    assert response.status_code == 404 and response.get_json()["result"] == "not_found"
    response = checkin_client.get(f"/api/v1/events/{event.slug}/checkins")
    assert response.status_code == 405 and response.get_json()["result"] == "method_not_allowed"


def test_a_device_undoes_its_own_check_in_and_the_audit_says_so(app, ctx, event, people):
    live = db.session.merge(event)
    device, _token = services.add_device(live, "Вход", None)
    db.session.commit()  # an action of its own, before the scans
    scanner = Scanner(device_id=device.id, device_name=device.name)
    made = scan(event, people["Иванов"], scanner=scanner)
    assert services.undo(live, made["check_in"]["id"], Scanner(device_id=device.id + 1), False) == "forbidden"
    assert services.undo(live, made["check_in"]["id"], scanner, False) == "undone"
    row = db.session.scalars(select(Scan)).one()
    assert (row.undone_by_device_id, row.undone_by_id) == (device.id, None) and row.undone_at is not None


def test_without_the_camera_library_the_page_says_so_and_the_rest_works(app, event, checkin_client, monkeypatch):
    from conference.checkin import views

    monkeypatch.setattr(views, "vendored", lambda path: False)  # as after a set-up without npm
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/").get_data(as_text=True)
    assert "Сканирование камерой на этом сервере не установлено" in page
    assert "zxing" not in page and 'id="scan-input"' in page and 'name="q"' in page


def test_the_door_search_puts_the_surname_first(app, client, event, form_data, checkin_client):
    """«Петров» at the door means the Петровs, not the Ивановичи Петровичи of the patronymics, even when the
    latter come first by name and the page shows only the first 20."""
    for number in range(21):
        client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=f"Абрамов{'а' * (number % 2)}", first_name="Иван", patronymic="Петрович",
            email=f"a{number}@example.org"))
    client.post(f"/events/{event.slug}/register", data=form_data(last_name="Петров", email="petrov@example.org"))
    client.post(f"/events/{event.slug}/register", data=form_data(last_name="Петров", first_name="Иван",
                                                                  email="ivan.petrov@example.org"))
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=петров").get_data(as_text=True)
    assert "первые 20 из 23" in page
    assert page.index("Петров Анна") < page.index("Абрамов Иван")
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=иван+петров").get_data(as_text=True)
    assert page.index("Петров Иван") < page.index("Абрамов Иван")  # the surname need not be typed first


def test_the_door_search_offers_no_check_in_to_those_not_admitted(event, people, checkin_client):
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=ожидающий").get_data(as_text=True)
    assert "Ожидающий" in page and "data-participant-id" not in page and "не допущен(а)" in page


CONTRACT_BODIES = [
    {"token": "1" * 40, "nonce": "n-1"}, {"token": "  ", "nonce": "n"}, {"token": "12\u0000", "nonce": "n"},
    {"token": "1", "nonce": " "}, {"token": "1", "nonce": "a\tb"}, {"participant_id": 0, "nonce": "n"},
    {"participant_id": True, "nonce": "n"}, {"participant_id": 2 ** 31, "nonce": "n"}, {"nonce": "n"},
    {"token": "1", "participant_id": 2, "nonce": "n"}, {"token": "1", "nonce": "n", "checkpoint": 7},
    {"token": "1", "nonce": "n", "method": "camera", "scanned_at": "2018-11-23T09:41:00Z"},
    {"token": "1", "nonce": "n", "scanned_at": "23.11.2018"}, {"token": "1", "nonce": "n", "extra": [1, 2]}, [], "x",
]


@pytest.mark.parametrize("body", CONTRACT_BODIES)
def test_the_api_takes_what_its_description_allows_and_nothing_else(app, event, checkin_client, body):
    """The server reads scans by the OpenAPI description itself: a body the published schema refuses (checked here
    by jsonschema, an outside validator) is refused as invalid_request, one it allows never is."""
    spec = yaml.safe_load(checkin_client.get("/api/v1/openapi.yaml").get_data(as_text=True))
    allowed = Draft202012Validator(spec["components"]["schemas"]["ScanRequest"],
                                   format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(body)
    answer = checked(checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json=body))
    assert (answer["result"] != "invalid_request") is allowed, answer


def test_the_latest_scans_of_another_day_say_which(app, event, people, checkin_client):
    assert post_scan(checkin_client, event, token=people["Иванов"]).status_code == 201
    assert post_scan(checkin_client, event, token=people["Петрова"]).status_code == 201
    with action(app):
        first = db.session.scalar(select(Scan).order_by(Scan.id))
        first.received_at = utcnow() - timedelta(days=1)
        yesterday = to_zone(first.received_at, event.timezone).strftime("%d.%m %H:%M:%S")
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/").get_data(as_text=True)
    lines = re.findall(r'<li class="recent-[a-z]+">([^<]*)</li>', page)
    assert lines[-1].startswith(yesterday + " · ")  # the older one, with its date
    assert re.match(r"\d\d:\d\d:\d\d · ", lines[0])  # today's, the time alone
