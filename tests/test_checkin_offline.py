"""Check-in without network (issue 19), on the server's side: the admission list a scanner keeps and its changes,
who may download it, and offline scans sent later (a double admission kept once, and shown)."""

import gzip
import hashlib
import json
import re
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from conference.badges import services as badges
from conference.badges.models import Badge
from conference.checkin import services
from conference.checkin.models import CheckIn, CheckinDevice, Scan
from conference.checkin.services import Scanner
from conference.extensions import db
from conference.privacy.models import DataAccess
from conference.registration import services as registration
from conference.registration.models import Participant
from conference.timeutil import utcnow

from .conftest import action
from .test_checkin import people, scan  # noqa: F401  (six registrations with their badges' tokens)
from .test_reports import pdf_text


def listed(client, event, headers=None, **query):
    response = client.get(f"/api/v1/events/{event.slug}/admission-list", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def offline_scan(client, event, token, at, headers=None, key=None, **fields):
    request = {"token": token, "nonce": key or uuid.uuid4().hex, "scanned_at": at.isoformat(), "method": "scanner",
               "admitted_offline": True}
    return client.post(f"/api/v1/events/{event.slug}/checkins", headers=headers or {}, json=dict(request, **fields))


def an_hour_ago(app) -> None:
    """Everything registered so far was changed an hour ago (a list copied now then holds it as unchanged)."""
    with action(app):
        db.session.execute(update(Participant).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(Badge).values(issued_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(Badge).where(Badge.revoked_at.is_not(None))
                           .values(revoked_at=utcnow() - timedelta(hours=1)))


def test_the_admission_list_holds_hashes_names_and_check_ins_and_then_only_what_changed(
        app, event, people, checkin_client):  # noqa: F811
    with action(app):
        scan(event, people["Иванов"])
    an_hour_ago(app)
    whole = listed(checkin_client, event)
    assert whole["full"] is True and whole["checkpoint"] == "entrance"
    names = {person[1].split()[0]: person for person in whole["people"]}
    assert names["Иванов"][6] == "confirmed" and names["Отменивший"][6] == "cancelled"
    assert names["Иванов"][4]  # the region, for the answer's details
    badge_of = {participant_id: (token_hash, revoked) for token_hash, participant_id, revoked in whole["badges"]}
    assert badge_of[people["ids"]["Иванов"]] == (hashed(people["Иванов"]), 0)
    assert [hashed(people["revoked"]), people["ids"]["Сидоров"], 1] in whole["badges"]
    raw = json.dumps(whole)
    assert people["Иванов"] not in raw and people["revoked"] not in raw  # never a token itself
    assert [row[1] for row in whole["check_ins"]] == [people["ids"]["Иванов"]]

    # Nothing changed: the changes are empty. Then a registration cancelled, a badge reissued, a check-in made
    # elsewhere and one undone: the next copy holds those alone.
    same = listed(checkin_client, event, **whole["next"])
    assert same["full"] is False and same["undone"] == [] and same["people"] == [] and same["badges"] == []
    assert same["check_ins"] == whole["check_ins"]  # (a scan of the last seconds comes again: changes overlap)
    with action(app):
        petrova = db.session.get(Participant, people["ids"]["Петрова"])
        registration.cancel(petrova)
        reissued = badges.reissue(db.session.get(Participant, people["ids"]["Иванов"])).token
    with action(app):
        scan(event, people["Сидоров"], scanner=Scanner(device_name="Вход, телефон 2"))
        first = db.session.scalars(select(CheckIn).where(CheckIn.participant_id == people["ids"]["Иванов"])).one()
        assert services.undo(db.session.merge(event), first.id, Scanner(), may_undo_any=True) == "undone"
    changes = listed(checkin_client, event, **whole["next"])
    changed = {person[0]: person for person in changes["people"]}
    assert changed[people["ids"]["Петрова"]][6] == "cancelled"
    assert [hashed(reissued), people["ids"]["Иванов"], 0] in changes["badges"]
    assert [hashed(people["Иванов"]), people["ids"]["Иванов"], 1] in changes["badges"]
    assert [row[1] for row in changes["check_ins"]] == [people["ids"]["Сидоров"]]
    assert changes["undone"] == [people["ids"]["Иванов"]]
    assert set(changed) == {people["ids"]["Петрова"]}  # (Иванов's registration itself did not change)


def test_an_erased_registration_leaves_the_list(app, event, people, checkin_client):  # noqa: F811
    from conference.privacy.services import anonymise

    whole = listed(checkin_client, event)
    with action(app):
        anonymise([db.session.get(Participant, people["ids"]["Петрова"])], "organizer")
    changes = listed(checkin_client, event, **whole["next"])
    assert [people["ids"]["Петрова"]] in changes["people"]
    assert all(participant_id != people["ids"]["Петрова"] for _, participant_id, _ in listed(
        checkin_client, event)["badges"])


def test_only_the_event_s_staff_download_it_and_the_access_log_says_who(
        app, client, event, people, make_user, make_event, checkin_client):  # noqa: F811
    url = f"/api/v1/events/{event.slug}/admission-list"
    assert client.get(url).status_code == 401
    other = make_event()
    with action(app):
        _device, other_token = services.add_device(db.session.merge(other), "Чужой вход", None)
        _device, token = services.add_device(db.session.merge(event), "Вход, телефон 1", None)
    assert client.get(url, headers={"Authorization": f"Bearer {other_token}"}).status_code == 404
    from .conftest import staff_client

    stranger = staff_client(app, make_user("checkin", events=(other,)))
    assert stranger.get(url).status_code == 404
    assert checkin_client.get(url, query_string={"checkpoint": "session-999999"}).status_code == 422
    refused = checkin_client.get(url, query_string={"since": "вчера", "after": "-1"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"since", "after"}

    packed = client.get(url, headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    whole = json.loads(gzip.decompress(packed.get_data()))
    listed(checkin_client, event)
    listed(checkin_client, event, **whole["next"])  # changes are not a copy of the list: not logged
    with action(app):
        log = db.session.scalars(select(DataAccess).order_by(DataAccess.id)).all()
        assert [(entry.kind, entry.user_email, entry.people) for entry in log] == [
            ("admission_list", "device «Вход, телефон 1»", len(whole["people"])),
            ("admission_list", log[1].user_email, len(whole["people"]))]
        assert log[1].user_email.startswith("checkin")


def test_two_scanners_offline_admitting_one_badge_leave_one_check_in_and_one_conflict_shown(
        app, client, event, people, organizer_client):  # noqa: F811
    with action(app):
        _device, first = services.add_device(db.session.merge(event), "Вход, телефон 1", None)
        _device, second = services.add_device(db.session.merge(event), "Вход, телефон 2", None)
    earlier, later = utcnow() - timedelta(minutes=20), utcnow() - timedelta(minutes=12)
    # The phone that scanned later syncs first; then the one that scanned earlier.
    synced_first = offline_scan(client, event, people["Иванов"], later, {"Authorization": f"Bearer {second}"})
    assert synced_first.status_code == 201 and synced_first.get_json()["result"] == "checked_in"
    key = uuid.uuid4().hex
    conflict = offline_scan(client, event, people["Иванов"], earlier, {"Authorization": f"Bearer {first}"}, key)
    assert conflict.status_code == 409
    answer = conflict.get_json()
    assert answer["result"] == "offline_conflict" and answer["colour"] == "amber"
    assert "Вход, телефон 2" in answer["details"] and answer["message"].startswith("Дважды пропущен")
    again = offline_scan(client, event, people["Иванов"], earlier, {"Authorization": f"Bearer {first}"}, key)
    assert again.get_json()["repeated"] is True  # a retry of the sync records nothing new

    # An offline «already here» is no conflict; nor is an online scan of a badge already in.
    offline_scan(client, event, people["Иванов"], later, {"Authorization": f"Bearer {first}"}, admitted_offline=None)
    with action(app):
        check_ins = db.session.scalars(select(CheckIn)).all()
        assert len(check_ins) == 1 and check_ins[0].device.name == "Вход, телефон 1"  # the earlier admission
        assert abs(check_ins[0].checked_in_at - earlier) < timedelta(seconds=1)
        outcomes = [row.outcome for row in db.session.scalars(select(Scan).order_by(Scan.id))]
        assert outcomes == ["checked_in", "offline_conflict", "already_checked_in"]

    figures = organizer_client.get(f"/manage/events/{event.slug}/checkin/arrivals.json").get_json()
    assert figures["conflicts"] == [{"label": "Вход", "count": 1}] and figures["refused"] == 0
    page = organizer_client.get(f"/manage/events/{event.slug}/checkin/arrivals").get_data(as_text=True)
    assert "Дважды пропущены без сети" in page
    report = " ".join(pdf_text(organizer_client.get(f"/manage/events/{event.slug}/report.pdf").data).split())
    assert "Дважды пропущены без сети" in report and "засчитана одна отметка): 1 — Вход: 1." in report


def test_a_pairing_code_works_once_for_ten_minutes_and_not_for_a_revoked_device(
        app, client, event, people, organizer_client):  # noqa: F811
    devices = f"/manage/events/{event.slug}/checkin/devices"
    token = re.search(r'name="csrf_token" value="([^"]+)"', organizer_client.get(devices).get_data(as_text=True))[1]
    organizer_client.post(f"{devices}/pair", data={"name": "Вход, телефон 3", "csrf_token": token})
    page = organizer_client.get(devices).get_data(as_text=True)
    assert "<svg" in page and "Вход, телефон 3" in page
    code = re.search(r'class="pairing-link">http://[^<#]+/checkin/pair#([\w-]+)<', page)[1]
    assert code not in organizer_client.get(devices).get_data(as_text=True)  # shown once

    paired = client.post("/api/v1/devices/pair", json={"code": code})
    assert paired.status_code == 200 and paired.headers["Cache-Control"] == "no-store"
    answer = paired.get_json()
    assert answer["event"] == event.slug and answer["scanner"] == f"/checkin/device/{event.slug}/"
    bearer = {"Authorization": f"Bearer {answer['token']}"}
    assert listed(client, event, headers=bearer)["full"] is True  # the phone is a device of the event now
    assert client.post("/api/v1/devices/pair", json={"code": code}).status_code == 404  # once
    assert client.post("/api/v1/devices/pair", json={}).status_code == 422

    with action(app):
        device = db.session.scalars(select(CheckinDevice).where(CheckinDevice.name == "Вход, телефон 3")).one()
        late = services.start_pairing(device)
        device.pairing_expires_at = utcnow() - timedelta(seconds=1)
    assert client.post("/api/v1/devices/pair", json={"code": late}).status_code == 404  # expired
    with action(app):
        again = services.start_pairing(db.session.merge(device))
        services.revoke_device(db.session.merge(device))
    refused = client.post("/api/v1/devices/pair", json={"code": again})
    assert refused.status_code == 404 and "попросите у организатора новый" in refused.get_json()["message"]
    assert client.get(f"/api/v1/events/{event.slug}/admission-list", headers=bearer).status_code == 401


def test_a_badge_turned_away_offline_is_not_checked_in_after_the_fact(app, client, event, people):  # noqa: F811
    """The scanner's copy predates the badge (issued since): it said «unknown»; the sync records that, no check-in."""
    with action(app):
        _device, token = services.add_device(db.session.merge(event), "Вход, телефон 1", None)
    refused = offline_scan(client, event, people["Иванов"], utcnow() - timedelta(minutes=3),
                           {"Authorization": f"Bearer {token}"}, admitted_offline=None, refused_offline="unknown_badge")
    assert refused.status_code == 404 and refused.get_json()["result"] == "unknown_badge"
    with action(app):
        assert db.session.scalars(select(CheckIn)).all() == []
        assert [scan.outcome for scan in db.session.scalars(select(Scan))] == ["unknown_badge"]


def test_changes_asked_since_long_ago_are_a_copy_and_logged_and_an_undo_redone_stays_checked_in(
        app, event, people, checkin_client):  # noqa: F811
    an_hour_ago(app)
    whole = listed(checkin_client, event)
    listed(checkin_client, event, since="2000-01-01T00:00:00+00:00", after=0)  # everything, in all but name
    with action(app):
        assert [entry.kind for entry in db.session.scalars(select(DataAccess))] == ["admission_list"] * 2
        first = scan(event, people["Петрова"])["check_in"]["id"]
    with action(app):
        assert services.undo(db.session.merge(event), first, Scanner(), may_undo_any=True) == "undone"
    with action(app):
        scan(event, people["Петрова"])  # checked in again
    changes = listed(checkin_client, event, **whole["next"])
    assert changes["undone"] == [] and [row[1] for row in changes["check_ins"]] == [people["ids"]["Петрова"]]
    again = listed(checkin_client, event, **changes["next"])  # within the overlap: the same, never «undone»
    assert again["undone"] == []
