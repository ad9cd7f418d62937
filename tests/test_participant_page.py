"""The organizer's page of one participant: their arrivals (when, where, by whom), their seats and waiting places,
their badges (issued, printed, replaced), and the registration's history (who changed what, when) that names the
fields changed and keeps no personal data, so that it outlives an erasure."""

import json
import uuid

from lxml import html
from sqlalchemy import select

from conference.agenda import services as agenda
from conference.agenda.models import AgendaSession
from conference.badges import services as badges
from conference.checkin import services as checkin
from conference.events.models import Event
from conference.extensions import db
from conference.privacy.services import anonymise
from conference.registration import services as registration
from conference.registration.models import Participant, RegistrationChange

from .agenda_helpers import at, make_room, make_session
from .conftest import action


def page_text(client, event, participant_id: int) -> str:
    response = client.get(f"/manage/events/{event.slug}/participants/{participant_id}")
    assert response.status_code == 200
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


def section(client, event, participant_id: int, name: str) -> list[list[str]]:
    """A section's table, row by row, cell by cell."""
    page = html.fromstring(client.get(f"/manage/events/{event.slug}/participants/{participant_id}").data)
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("td")]
            for row in page.xpath(f'//section[@id="{name}"]//tbody/tr')]


def test_the_page_tells_arrivals_sessions_waiting_lists_and_badges(app, client, event, form_data, organizer_client,
                                                                   checkin_client):
    for number, name in enumerate(["Первый", "Второй", "Третий"]):
        assert client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=name, email=f"p{number}@example.org")).status_code == 302
    with action(app):
        first, second, third = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        room = make_room(event, capacity=1)
        small = make_session(event, room, at(event, 0, 10), at(event, 0, 11), title="Малая сессия", capacity=1)
        large = make_session(event, make_room(event, name="Зал 2"), at(event, 0, 12), at(event, 0, 13),
                             title="Большая сессия")
        sessions = {session_id: db.session.get(AgendaSession, session_id) for session_id in (small, large)}
        agenda.sign_up(first, sessions[small])
        agenda.sign_up(second, sessions[small], wait=True)
        agenda.sign_up(third, sessions[small], wait=True)
        agenda.sign_up(third, sessions[large])
        token = badges.current_badge(third).token
        badges.mark_printed([badges.current_badge(third)])
        new_token = badges.reissue(third).token
        device, _secret = checkin.add_device(event, "Вход Б", None)
        db.session.commit()
        device_id, third_id = device.id, third.id
    # The old badge is refused; the new one admitted at the entrance by a device and at a session by staff.
    assert checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json={
        "token": token, "nonce": uuid.uuid4().hex}).get_json()["result"] == "revoked_badge"
    with action(app):
        live = db.session.merge(event)
        result = checkin.check_in(live, checkin.find_checkpoint(live, "entrance"),
                                  checkin.Scanner(device_id=device_id), uuid.uuid4().hex, token=new_token)
        assert result["result"] == "checked_in"
    assert checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json={
        "token": new_token, "nonce": uuid.uuid4().hex, "checkpoint": f"session-{large}"}).status_code == 201

    arrivals = section(organizer_client, event, third_id, "arrivals")
    assert [row[1:] for row in arrivals] == [["Вход", "устройство «Вход Б»"],
                                             ["Большая сессия", checkin_client.email]]
    sessions_rows = section(organizer_client, event, third_id, "sessions")
    assert [(row[0], row[2]) for row in sessions_rows] == [("Малая сессия", "лист ожидания, № 2"),
                                                           ("Большая сессия", "есть место")]
    badge_rows = section(organizer_client, event, third_id, "badge")
    assert len(badge_rows) == 2
    assert badge_rows[0][1] != "—" and badge_rows[0][2].startswith("заменён новым")
    assert badge_rows[1][1:] == ["—", "действует"]
    text = page_text(organizer_client, event, third_id)
    assert "Прибыл(а)" in text and "1 сессия, 1 лист ожидания" in text and "Бейдж ещё не напечатан" in text


def test_the_history_says_who_changed_what_and_keeps_no_personal_data(app, client, event, form_data,
                                                                      organizer_client):
    with action(app):
        db.session.get(Event, event.id).moderation = True
    assert client.post(f"/events/{event.slug}/register", data=form_data(
        last_name="Смирнова", email="smirnova@example.org", phone="+7 900 111-22-33")).status_code == 302
    with action(app):
        participant = db.session.scalar(select(Participant))
        participant_id, link = participant.id, registration.self_service_url(participant)
    # The organizer approves, then corrects the phone; the participant changes the position on the private link.
    assert organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}/status",
                                 data={"action": "approve"}).status_code == 302
    saved = organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}", data=form_data(
        last_name="Смирнова", email="smirnova@example.org", phone="+7 900 444-55-66", category="participant",
        status="confirmed"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    own = client.post(f"{link.removeprefix('http://localhost')}/edit", data=form_data(
        last_name="Смирнова", email="smirnova@example.org", phone="+7 900 444-55-66", position="Директор"))
    assert own.status_code == 302, own.get_data(as_text=True)

    history = section(organizer_client, event, participant_id, "history")
    # One save that changes fields, the category and the status is one row, however many flushes it took.
    saved = organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}", data=form_data(
        last_name="Смирнова", email="smirnova@example.org", phone="+7 900 777-88-99", position="Директор",
        category="vip", status="rejected"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    history = section(organizer_client, event, participant_id, "history")
    assert [row[1:] for row in history] == [
        [organizer_client.email, "Телефон; Категория: Участник → VIP; Статус: Подтверждена → Отклонена"],
        ["участник", "Должность"],
        [organizer_client.email, "Телефон"],
        [organizer_client.email, "Статус: Ожидает подтверждения → Подтверждена"],
        ["участник", "Зарегистрирован(а)"]]

    with action(app):
        anonymise([db.session.get(Participant, participant_id)], "withdrawn")
    with app.app_context():
        stored = json.dumps([change.changes for change in db.session.scalars(select(RegistrationChange))],
                            ensure_ascii=False)
    for personal in ("Смирнова", "smirnova", "900", "111", "444", "777", "Директор"):
        assert personal not in stored  # the field's name, never its value
    history = section(organizer_client, event, participant_id, "history")
    assert history[0][2] == "Персональные данные удалены" and len(history) == 6
