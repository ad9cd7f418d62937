"""Choosing sessions through the private link: seats, the waiting list and its promotions, overlaps."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from conference.agenda import services
from conference.agenda.models import AgendaSession, SessionSignup
from conference.extensions import db
from conference.mail.models import Letter
from conference.registration.models import Participant
from conference.timeutil import to_zone, utcnow

from .agenda_helpers import at, make_room, make_session
from .conftest import action, free_port, mail_text, sent_mail
from .live import written_participants


@pytest.fixture
def people(app, client, event, form_data):
    """Three registered participants, keyed by last name, each with their private link."""
    links = {}
    for last_name in ("Алексеева", "Борисова", "Васильева"):
        client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"{last_name.lower()}@example.org"))
        message = sent_mail(app)[-1]
        links[last_name] = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(message)).group(1)
    return links


@pytest.fixture
def seminar(app, event):
    """A seminar with two seats, and a panel at the same time in another room."""
    with action(app):
        small, hall = make_room(event, "Малый зал", 2), make_room(event, "Большой зал", 200)
        return {
            "seminar": make_session(event, small, at(event, 0, 14), at(event, 0, 16), title="Семинар", kind="seminar"),
            "panel": make_session(event, hall, at(event, 0, 15), at(event, 0, 17), title="Панель"),
            "plenary": make_session(event, hall, at(event, 0, 10), at(event, 0, 12), title="Пленарное"),
        }


def person(last_name: str) -> Participant:
    return db.session.scalar(select(Participant).where(Participant.last_name == last_name))


def statuses(session_id: int) -> dict[str, str]:
    rows = db.session.execute(select(Participant.last_name, SessionSignup.status).join(
        SessionSignup, SessionSignup.participant_id == Participant.id).where(SessionSignup.session_id == session_id))
    return dict(rows.all())


def test_seats_then_the_waiting_list_then_promotion_by_email(app, ctx, people, seminar):
    session = db.session.get(AgendaSession, seminar["seminar"])
    services.sign_up(person("Алексеева"), session)
    services.sign_up(person("Борисова"), session)
    with pytest.raises(services.SignupError, match="мест больше нет"):
        services.sign_up(person("Васильева"), session)
    services.sign_up(person("Васильева"), session, wait=True)
    assert statuses(session.id) == {"Алексеева": "registered", "Борисова": "registered", "Васильева": "waiting"}

    mails_before = len(sent_mail(app))
    services.cancel_signup(person("Алексеева"), session)
    assert sent_mail(app)[mails_before:] == []  # the letter leaves with the action's commit, not before
    db.session.commit()
    assert statuses(session.id) == {"Борисова": "registered", "Васильева": "registered"}
    [letter] = sent_mail(app)[mails_before:]
    assert letter["To"] == "васильева@example.org" and "Семинар" in letter["Subject"]
    assert "лист" in mail_text(letter) and "/my/" in mail_text(letter)


def test_overlapping_choices_are_refused_naming_the_other(ctx, people, seminar):
    alexeeva = person("Алексеева")
    services.sign_up(alexeeva, db.session.get(AgendaSession, seminar["seminar"]))
    with pytest.raises(services.SignupError, match="«Семинар»"):
        services.sign_up(alexeeva, db.session.get(AgendaSession, seminar["panel"]))
    services.sign_up(alexeeva, db.session.get(AgendaSession, seminar["plenary"]))  # the morning is free


def test_a_waiting_list_place_holds_the_time_and_says_so(ctx, people, seminar):
    session = db.session.get(AgendaSession, seminar["seminar"])
    for last_name in ("Алексеева", "Борисова"):
        services.sign_up(person(last_name), session)
    services.sign_up(person("Васильева"), session, wait=True)
    with pytest.raises(services.SignupError, match="где вы в листе ожидания. Сначала покиньте этот лист ожидания"):
        services.sign_up(person("Васильева"), db.session.get(AgendaSession, seminar["panel"]))


def test_nobody_signs_up_for_a_coffee_break(app, client, event, people, seminar):
    with action(app):
        room = make_room(event, "Фойе", 500)
        coffee = make_session(event, room, at(event, 0, 9), at(event, 0, 10), title="Кофе-брейк", kind="break")
    link = people["Алексеева"]
    assert "Кофе-брейк" in client.get(f"{link}/sessions").get_data(as_text=True)
    refused = client.post(f"{link}/sessions/{coffee}", data={"action": "join"}, follow_redirects=True)
    assert "На «Кофе-брейк» приглашены все: записываться не нужно." in refused.get_data(as_text=True)
    with action(app):
        assert db.session.scalar(select(SessionSignup).where(SessionSignup.session_id == coffee)) is None
    # A session the organizer turns into a break after people chose it: they may still leave it.
    client.post(f"{link}/sessions/{seminar['plenary']}", data={"action": "join"})
    with action(app):
        db.session.get(AgendaSession, seminar["plenary"]).kind = "networking"
        db.session.commit()
    assert client.get(f"{link}/sessions").get_data(as_text=True).count('value="leave"') == 1
    client.post(f"{link}/sessions/{seminar['plenary']}", data={"action": "leave"})
    with action(app):
        assert db.session.scalar(select(SessionSignup)) is None


def test_a_session_of_another_event_or_an_internal_one_is_refused(ctx, people, make_event):
    other = make_event()
    room = make_room(other, "Зал")
    foreign = db.session.get(AgendaSession, make_session(other, room, at(other, 0, 10), at(other, 0, 11)))
    with pytest.raises(services.SignupError):
        services.sign_up(person("Алексеева"), foreign)


def test_withdrawing_from_the_event_frees_the_seats(app, ctx, client, people, seminar):
    session = db.session.get(AgendaSession, seminar["seminar"])
    for last_name in ("Алексеева", "Борисова"):
        services.sign_up(person(last_name), session)
    services.sign_up(person("Васильева"), session, wait=True)
    client.post(f"{people['Алексеева']}/cancel")  # cancels the whole registration
    db.session.expire_all()
    assert statuses(session.id) == {"Борисова": "registered", "Васильева": "registered"}
    with pytest.raises(services.SignupError, match="действующей регистрацией"):
        services.sign_up(person("Алексеева"), session, wait=True)


def test_signing_up_through_the_private_link(app, client, people, seminar):
    link = people["Алексеева"]
    page = client.get(f"{link}/sessions").get_data(as_text=True)
    assert "Семинар" in page and "Осталось 2 места" in page
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "join"})
    page = client.post(f"{link}/sessions/{seminar['panel']}", data={"action": "join"},
                       follow_redirects=True).get_data(as_text=True)
    assert "идёт одновременно с «Семинар»" in page
    client.post(f"{people['Борисова']}/sessions/{seminar['seminar']}", data={"action": "join"})
    full = client.get(f"{people['Васильева']}/sessions").get_data(as_text=True)
    assert "Мест нет" in full and "Встать в лист ожидания" in full
    waiting = client.post(f"{people['Васильева']}/sessions/{seminar['seminar']}", data={"action": "wait"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Вы в листе ожидания" in waiting
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "leave"})
    promoted = client.get(f"{people['Васильева']}/sessions").get_data(as_text=True)
    assert "Вы записаны" in promoted


def test_personal_calendar_holds_only_the_chosen_seats(client, people, seminar):
    link = people["Алексеева"]
    client.post(f"{link}/sessions/{seminar['plenary']}", data={"action": "join"})
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "join"})
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "leave"})
    calendar = Calendar.from_ical(client.get(f"{link}/calendar.ics").get_data())
    assert [str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT")] == ["Пленарное"]
    assert client.get("/my/not-a-token/calendar.ics").status_code == 404


def test_a_session_made_internal_stays_with_those_who_chose_it_and_hidden_from_the_rest(app, client, people,
                                                                                       seminar):
    chose, other = people["Алексеева"], people["Борисова"]
    client.post(f"{chose}/sessions/{seminar['seminar']}", data={"action": "join"})
    with action(app):
        db.session.get(AgendaSession, seminar["seminar"]).is_public = False
        db.session.commit()
    page = client.get(f"{chose}/sessions").get_data(as_text=True)
    assert "Семинар" in page and "Вы записаны" in page and "Вы выбрали 1 сессию" in page
    assert client.get(f"{other}/sessions").get_data(as_text=True).count("Семинар") == 0
    # Those who never chose it learn nothing of it, not even its title; joining it is refused to everybody.
    for choice in ("join", "wait", "leave"):
        assert client.post(f"{other}/sessions/{seminar['seminar']}", data={"action": choice}).status_code == 404
    refused = client.post(f"{chose}/sessions/{seminar['seminar']}", data={"action": "wait"}, follow_redirects=True)
    assert "Этой сессии нет в программе" in refused.get_data(as_text=True)
    left = client.post(f"{chose}/sessions/{seminar['seminar']}", data={"action": "leave"}, follow_redirects=True)
    assert "Запись на «Семинар» отменена" in left.get_data(as_text=True)
    assert "Семинар" not in client.get(f"{chose}/sessions").get_data(as_text=True)


def test_someone_elses_session_id_or_action_is_refused(client, people, seminar, make_event, app):
    link = people["Алексеева"]
    other = make_event()
    with action(app):
        room = make_room(other, "Зал")
        foreign = make_session(other, room, at(other, 0, 10), at(other, 0, 11))
    assert client.post(f"{link}/sessions/{foreign}", data={"action": "join"}).status_code == 404
    assert client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "steal"}).status_code == 400


def test_deleting_a_session_asks_first_and_tells_those_signed_up(app, client, organizer_client, event, people,
                                                                  seminar):
    client.post(f"{people['Алексеева']}/sessions/{seminar['seminar']}", data={"action": "join"})
    url = f"/manage/events/{event.slug}/agenda/sessions/{seminar['seminar']}/delete"
    page = organizer_client.get(url).get_data(as_text=True)
    assert "Записался 1 участник." in page
    assert re.search(r'<input type="checkbox" name="tell" value="yes" checked>', page)  # told, unless unticked
    before = len(sent_mail(app))
    organizer_client.post(url, data={"tell": "yes"})
    [letter] = sent_mail(app)[before:]
    assert "отменена" in letter["Subject"] and "Семинар" in mail_text(letter)
    with action(app):
        assert db.session.get(AgendaSession, seminar["seminar"]) is None
        assert db.session.scalars(select(SessionSignup)).all() == []


def test_moving_a_session_tells_those_signed_up_and_editing_its_text_does_not(app, client, organizer_client, event,
                                                                              people, seminar):
    client.post(f"{people['Алексеева']}/sessions/{seminar['seminar']}", data={"action": "join"})
    client.post(f"{people['Борисова']}/sessions/{seminar['seminar']}", data={"action": "join"})
    with action(app):
        room = db.session.get(AgendaSession, seminar["seminar"]).room_id
        hall = db.session.get(AgendaSession, seminar["plenary"]).room_id
    url = f"/manage/events/{event.slug}/agenda/sessions/{seminar['seminar']}"
    form = {"title": "Семинар", "kind": "seminar", "room_id": room, "day": event.starts_on.isoformat(),
            "start_time": "14:00", "end_time": "16:00", "is_public": "y"}

    before = len(sent_mail(app))
    response = organizer_client.post(url, data=dict(form, description="Новое описание"), follow_redirects=True)
    assert response.status_code == 200 and len(sent_mail(app)) == before  # the same time and room: no letter

    moved = dict(form, room_id=hall, start_time="17:00", end_time="18:30")
    asked = organizer_client.post(url, data=moved).get_data(as_text=True)  # first: who is told what
    assert "На эту сессию записались 2 участника" in asked
    assert "Сессия перенесена: Семинар" in asked and "17:00–18:30, Большой зал" in asked and "/my/" not in asked
    assert len(sent_mail(app)) == before
    with action(app):
        assert to_zone(db.session.get(AgendaSession, seminar["seminar"]).starts_at, event.timezone).hour == 14
    response = organizer_client.post(url, data=dict(moved, tell="yes"), follow_redirects=True)
    assert "Записавшимся (2) поставлены в очередь письма с новым временем и залом." in response.get_data(as_text=True)
    letters = sent_mail(app)[before:]
    assert sorted(letter["To"] for letter in letters) == ["алексеева@example.org", "борисова@example.org"]
    text = mail_text(letters[0])
    assert "Семинар" in letters[0]["Subject"] and "перенесена" in letters[0]["Subject"]
    assert "17:00–18:30, Большой зал" in text and "14:00–16:00, Малый зал" in text and "/my/" in text
    assert "Ваша запись сохраняется." in text  # true for a seat and for a place in the waiting list alike

    # The mail server down: the move is saved all the same; the letters wait for their next try, and the
    # organizers' list of letters says why.
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = organizer_client.post(url, data=dict(form, room_id=hall, start_time="09:00", end_time="10:00",
                                                    tell="yes"), follow_redirects=True)
    assert "Записавшимся (2) поставлены в очередь письма" in response.get_data(as_text=True)
    with action(app):
        assert to_zone(db.session.get(AgendaSession, seminar["seminar"]).starts_at, event.timezone).hour == 9
        waiting = db.session.scalars(select(Letter).where(Letter.kind == "session_moved", Letter.status == "queued")
                                     ).all()
        assert len(waiting) == 2 and all(letter.attempts == 1 for letter in waiting)
    letters_page = organizer_client.get(f"/manage/events/{event.slug}/letters/?status=queued").get_data(as_text=True)
    assert letters_page.count("MailServerUnreachable") == 2


def test_a_moved_sessions_letter_names_both_rooms_in_the_participants_language(app, client, organizer_client, event,
                                                                                form_data, seminar):
    with action(app):
        for session_key, english in (("seminar", "Small hall"), ("plenary", "Main hall")):
            db.session.get(AgendaSession, seminar[session_key]).room.name_en = english
        hall = db.session.get(AgendaSession, seminar["plenary"]).room_id
    client.get("/lang/en")
    client.post(f"/events/{event.slug}/register", data=form_data(email="guest@example.org"))
    link = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(sent_mail(app)[-1])).group(1)
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "join"})
    organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/{seminar['seminar']}", data={
        "title": "Семинар", "kind": "seminar", "room_id": hall, "day": event.starts_on.isoformat(),
        "start_time": "17:00", "end_time": "18:30", "is_public": "y", "tell": "yes"})
    text = mail_text(sent_mail(app)[-1])
    assert "17:00–18:30, Main hall" in text and "14:00–16:00, Small hall" in text and "Малый зал" not in text


def test_a_change_to_an_event_that_is_over_tells_nobody_unless_asked(app, organizer_client, make_event, refs):
    """Moving or deleting a session of a forum that ended long ago: the organizer sees who would be told and
    what, and nobody is told by default."""
    past = make_event(starts_on=utcnow().date() - timedelta(days=400), ends_on=utcnow().date() - timedelta(days=399),
                      members=(organizer_client.email,))
    with action(app):
        [attendee] = written_participants(past, refs, 1, "a")
        room, hall = make_room(past, "Малый зал", 20), make_room(past, "Большой зал", 200)
        seminar = make_session(past, room, at(past, 0, 14), at(past, 0, 16), title="Семинар", kind="seminar")
        db.session.add(SessionSignup(session_id=seminar, participant_id=attendee.id))
        db.session.commit()
    url = f"/manage/events/{past.slug}/agenda/sessions/{seminar}"
    moved = {"title": "Семинар", "kind": "seminar", "room_id": hall, "day": past.starts_on.isoformat(),
             "start_time": "15:00", "end_time": "16:00", "is_public": "y"}
    asked = organizer_client.post(url, data=moved).get_data(as_text=True)
    assert "Мероприятие завершилось" in asked
    assert asked.index('value="no"') < asked.index('value="yes"')  # «without letters» comes first, as the default
    organizer_client.post(url, data=dict(moved, tell="no"))
    with action(app):
        assert to_zone(db.session.get(AgendaSession, seminar).starts_at, past.timezone).hour == 15  # saved
        assert db.session.scalars(select(Letter).where(Letter.kind == "session_moved")).all() == []

    back = organizer_client.post(url, data=dict(moved, start_time="11:00", end_time="12:00", tell="back"))
    assert back.status_code == 200 and 'value="11:00"' in back.get_data(as_text=True)  # the form, as it was typed

    delete = f"{url}/delete"
    assert re.search(r'<input type="checkbox" name="tell" value="yes" >', organizer_client.get(delete).get_data(
        as_text=True))  # unticked
    organizer_client.post(delete)
    with action(app):
        assert db.session.get(AgendaSession, seminar) is None
        assert db.session.scalars(select(Letter).where(Letter.kind == "session_cancelled")).all() == []


def test_seats_added_go_to_the_waiting_list_first(app, ctx, event, people, seminar):
    """A bigger room, or a larger capacity, seats those waiting (in order, each told by email) before a newcomer
    could take the seat."""
    session = db.session.get(AgendaSession, seminar["seminar"])
    services.sign_up(person("Алексеева"), session)
    services.sign_up(person("Борисова"), session)
    services.sign_up(person("Васильева"), session, wait=True)
    room = session.room

    mails_before = len(sent_mail(app))
    services.save_room(event, room, {"name": room.name, "capacity": 3})
    assert statuses(session.id)["Васильева"] == "registered"
    db.session.commit()
    [letter] = sent_mail(app)[mails_before:]
    assert letter["To"] == "васильева@example.org" and "Место за вами" in letter["Subject"]

    services.save_room(event, room, {"name": room.name, "capacity": 2})  # fewer seats: nobody is put out
    assert statuses(session.id) == {"Алексеева": "registered", "Борисова": "registered", "Васильева": "registered"}
    assert [problem.message for problem in services.all_problems(event) if problem.kind == "overbooked"] == [
        "«Семинар»: записано 3, а мест 2. Ни у кого место не отнимется, но новых записей не будет, пока места не "
        "освободятся."]
    services.cancel_signup(person("Борисова"), session)
    services.sign_up(person("Борисова"), session, wait=True)
    data = services.SessionData(title="Семинар", kind="seminar", room_id=room.id, starts_at=session.starts_at,
                                ends_at=session.ends_at, capacity=4)
    services.save_session(event, session, data)
    assert statuses(session.id) == {"Алексеева": "registered", "Борисова": "registered", "Васильева": "registered"}

    # A session that is over keeps its lists: a bigger room afterwards seats nobody and mails nobody.
    session.capacity = None  # the room's seats again: two
    db.session.commit()
    services.cancel_signup(person("Васильева"), session)
    services.sign_up(person("Васильева"), session, wait=True)
    assert statuses(session.id)["Васильева"] == "waiting"
    session.starts_at, session.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)  # over
    db.session.commit()
    mails_before = len(sent_mail(app))
    services.save_room(event, room, {"name": room.name, "capacity": 300})
    assert statuses(session.id)["Васильева"] == "waiting" and len(sent_mail(app)) == mails_before


def test_what_happened_to_a_session_is_told_beside_it(client, people, seminar):
    """The page comes back scrolled to the session acted on: its refusal (or confirmation) is shown there, not
    at the top of a long program where nobody would see it."""
    link = people["Алексеева"]
    client.post(f"{link}/sessions/{seminar['seminar']}", data={"action": "join"})
    response = client.post(f"{link}/sessions/{seminar['panel']}", data={"action": "join"})
    assert response.location.endswith(f"?at={seminar['panel']}#session-{seminar['panel']}")
    page = client.get(response.location).get_data(as_text=True)
    article = page.split(f'id="session-{seminar["panel"]}"')[1].split("</article>")[0]
    assert "идёт одновременно с «Семинар»" in article
    assert page.count("идёт одновременно") == 1  # not at the top as well


def test_a_session_that_has_begun_takes_no_sign_ups(app, ctx, people, seminar):
    session = db.session.get(AgendaSession, seminar["seminar"])
    session.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(services.SignupError, match="уже началось"):
        services.sign_up(person("Алексеева"), session)


def test_a_cancelled_participant_is_offered_no_sign_up(app, client, people, seminar):
    assert "Записаться" in client.get(f"{people['Борисова']}/sessions").get_data(as_text=True)
    client.post(f"{people['Борисова']}/cancel")
    page = client.get(f"{people['Борисова']}/sessions").get_data(as_text=True)
    assert "Записаться" not in page and "Встать в лист ожидания" not in page
    assert "вы не можете записываться на сессии программы" in page


def test_the_move_s_confirmation_shows_the_event_s_own_words_for_the_letter(client, organizer_client, event, people,
                                                                           seminar, app):
    client.post(f"{people['Алексеева']}/sessions/{seminar['seminar']}", data={"action": "join"})
    organizer_client.post(f"/manage/events/{event.slug}/mailings/texts/session_moved/ru", data={
        "subject": "Новое время: {session}", "body": "{name}, сессия «{session}» теперь {when}. Было: {before}."})
    with action(app):
        hall = db.session.get(AgendaSession, seminar["plenary"]).room_id
    asked = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/{seminar['seminar']}", data={
        "title": "Семинар", "kind": "seminar", "room_id": hall, "day": event.starts_on.isoformat(),
        "start_time": "17:00", "end_time": "18:30", "is_public": "y"}).get_data(as_text=True)
    assert "Новое время: Семинар" in asked and "сессия «Семинар» теперь" in asked
    assert "17:00–18:30, Большой зал" in asked and "Сессия перенесена" not in asked
