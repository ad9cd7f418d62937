"""Clash rules, as unit tests of the agenda services: rooms refuse overlaps, people and dates only warn."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conference.agenda import services
from conference.agenda.models import AgendaSession
from conference.extensions import db

from .agenda_helpers import at, make_room, make_session
from .conftest import action

H = timedelta(hours=1)


@pytest.mark.parametrize(("a", "b", "clash"), [
    ((10, 11), (11, 12), False),   # touching: one ends at 11:00, the next starts at 11:00
    ((10, 12), (11, 13), True),    # partly
    ((10, 13), (11, 12), True),    # one inside the other
    ((10, 11), (10, 11), True),    # the same time
    ((10, 11), (12, 13), False),   # apart
])
def test_overlaps_is_half_open(a, b, clash):
    base = datetime(2018, 11, 23, tzinfo=UTC)
    times = [base + timedelta(hours=hour) for hour in (*a, *b)]
    assert services.overlaps(*times) is clash
    assert services.overlaps(times[2], times[3], times[0], times[1]) is clash


def test_a_room_clash_is_refused_naming_the_other_session_and_nothing_is_saved(ctx, event):
    room = make_room(event)
    make_session(event, room, at(event, 0, 10), at(event, 0, 12), title="Пленарное заседание")
    db.session.commit()
    with pytest.raises(services.AgendaError) as refused:
        make_session(event, room, at(event, 0, 11), at(event, 0, 13), title="Семинар")
    assert refused.value.field == "room_id"
    assert "«Пленарное заседание»" in refused.value.message and "10:00–12:00" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AgendaSession)) == 1


def test_touching_sessions_share_a_room(ctx, event):
    room = make_room(event)
    make_session(event, room, at(event, 0, 10), at(event, 0, 11))
    make_session(event, room, at(event, 0, 11), at(event, 0, 12))
    assert services.all_problems(event) == []


def test_moving_a_session_onto_another_is_refused_but_editing_it_in_place_is_not(ctx, event):
    room = make_room(event)
    first = make_session(event, room, at(event, 0, 10), at(event, 0, 11), title="Первая")
    second = make_session(event, room, at(event, 0, 11), at(event, 0, 12), title="Вторая")
    session = db.session.get(AgendaSession, second)
    data = services.SessionData(title="Вторая", kind="panel", room_id=room, starts_at=at(event, 0, 11),
                                ends_at=at(event, 0, 12, 30))
    assert services.save_session(event, session, data).warnings == []  # its own old slot is no obstacle
    data.starts_at = at(event, 0, 10, 30)
    with pytest.raises(services.AgendaError, match="Первая"):
        services.save_session(event, session, data)
    assert first


def test_times_are_kept_in_utc_and_compared_in_utc_whatever_the_zone(ctx, make_event):
    event = make_event(timezone="Asia/Yekaterinburg")  # UTC+5
    room = make_room(event)
    session_id = make_session(event, room, at(event, 0, 10), at(event, 0, 11))
    session = db.session.get(AgendaSession, session_id)
    assert session.starts_at.hour == 5 and session.starts_at.tzinfo == UTC
    # 11:00 in Yekaterinburg is 09:00 in Moscow: touching, not clashing, in the event's own zone.
    make_session(event, room, at(event, 0, 11), at(event, 0, 12))
    with pytest.raises(services.AgendaError, match="10:00–11:00"):  # told in the event's zone, not UTC
        make_session(event, room, at(event, 0, 10, 30), at(event, 0, 10, 45))


def test_multi_day_events(ctx, make_event):
    event = make_event()  # two days
    room = make_room(event)
    make_session(event, room, at(event, 0, 10), at(event, 0, 11))
    make_session(event, room, at(event, 1, 10), at(event, 1, 11))  # the same hours the next day
    make_session(event, room, at(event, 0, 23), at(event, 1, 1), title="Ночной хакатон")  # across midnight
    with pytest.raises(services.AgendaError, match="Ночной хакатон"):
        make_session(event, room, at(event, 1, 0, 30), at(event, 1, 2))
    days = services.program_days(event, services.sessions_of(event))
    assert [len(sessions) for _, sessions in days] == [2, 1]


def test_end_before_start_and_foreign_rooms_or_people_are_refused(ctx, event, make_event, client, form_data):
    room = make_room(event)
    with pytest.raises(services.AgendaError) as refused:
        make_session(event, room, at(event, 0, 11), at(event, 0, 10))
    assert refused.value.field == "end_time"
    other = make_event()
    other_room = make_room(other, name="Чужой зал")
    with pytest.raises(services.AgendaError) as refused:
        make_session(event, other_room, at(event, 0, 10), at(event, 0, 11))
    assert refused.value.field == "room_id"
    client.post(f"/events/{other.slug}/register", data=form_data())
    stranger = db.session.scalar(select(func.max(db.text("id"))).select_from(db.text("participant")))
    with pytest.raises(services.AgendaError) as refused:
        make_session(event, room, at(event, 0, 10), at(event, 0, 11), speaker_ids=[stranger])
    assert refused.value.field == "speaker_ids"
    assert db.session.scalar(select(func.count()).select_from(AgendaSession)) == 0


def test_the_database_itself_keeps_a_session_in_its_own_events_rooms(ctx, event, make_event):
    from sqlalchemy.exc import IntegrityError

    other_room = make_room(make_event(), name="Чужой зал")
    db.session.add(AgendaSession(event_id=event.id, room_id=other_room, title="Обход формы", kind="panel",
                                 starts_at=at(event, 0, 10), ends_at=at(event, 0, 11)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_warnings_people_in_two_places_dates_and_capacity(ctx, event, client, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    speaker = db.session.scalar(select(func.max(db.text("id"))).select_from(db.text("participant")))
    hall, small = make_room(event, "Большой зал", 300), make_room(event, "Малый зал", 20)
    make_session(event, hall, at(event, 0, 10), at(event, 0, 12), title="Пленарное", speaker_ids=[speaker])
    session = AgendaSession()
    warnings = services.save_session(event, session, services.SessionData(
        title="Семинар", kind="seminar", room_id=small, starts_at=at(event, 0, 11), ends_at=at(event, 0, 13),
        capacity=50, moderator_ids=[speaker])).warnings
    assert any("Сидорова Анна Петровна" in warning and "«Пленарное»" in warning for warning in warnings)
    assert any("вмещает 20" in warning for warning in warnings)
    make_session(event, hall, at(event, 5, 10), at(event, 5, 11), title="После конференции")
    kinds = sorted(problem.kind for problem in services.all_problems(event))
    assert kinds == ["outside_dates", "over_capacity", "person_clash"]  # the person clash is listed once


def test_speakers_and_moderators_get_their_category_and_externals_their_names(ctx, event, client, form_data):
    from conference.registration.models import Participant

    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(email="vip@example.org", last_name="Важная"))
    people = {p.email: p for p in db.session.scalars(select(Participant))}
    people["vip@example.org"].category = "vip"
    db.session.commit()
    room = make_room(event)
    session_id = make_session(
        event, room, at(event, 0, 10), at(event, 0, 11), moderator_ids=[people["anna.sidorova@example.org"].id],
        speaker_ids=[people["vip@example.org"].id],
        external_speakers=[services.ExternalSpeaker("Орлов Олег Олегович", "Эксперт", "Фонд развития промышленности")])
    db.session.expire_all()
    assert people["anna.sidorova@example.org"].category == "moderator"
    assert people["vip@example.org"].category == "vip"  # a VIP keeps the VIP badge
    session = db.session.get(AgendaSession, session_id)
    assert [(p.role, p.name) for p in session.people] == [
        ("moderator", "Сидорова Анна Петровна"), ("speaker", "Важная Анна Петровна"),
        ("speaker", "Орлов Олег Олегович")]
    assert session.people[2].organization == "Фонд развития промышленности"


def test_badge_categories_follow_the_stage_unless_an_organizer_chose_them(ctx, event, client, form_data):
    from conference.registration.models import Participant
    from conference.registration.services import update_details

    names = {"a": "Ошибочный", "b": "Двойной", "c": "Пресса", "d": "Назначенный", "e": "Важный", "f": "Рядовой"}
    for key, last_name in names.items():
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"{key}@example.org", last_name=last_name))
    people = {p.email[0]: p for p in db.session.scalars(select(Participant))}
    update_details(people["c"], {"category": "press"}, by_organizer=True)
    update_details(people["d"], {"category": "speaker"}, by_organizer=True)  # a speaker by the organizer's choice
    wrong, twice, press, chosen, vip, plain = (people[key].id for key in "abcdef")
    room = make_room(event)

    def save(session_id, **people_ids):
        """The 10:00 session, new or saved again with these speakers and moderators: (its id, the warnings)."""
        session = db.session.get(AgendaSession, session_id) if session_id else AgendaSession()
        saved = services.save_session(event, session, services.SessionData(
            title="Сессия", kind="panel", room_id=room, starts_at=at(event, 0, 10), ends_at=at(event, 0, 11),
            **people_ids))
        db.session.expire_all()
        return session.id, saved.warnings

    def category(participant_id):
        return db.session.get(Participant, participant_id).category

    first, warnings = save(None, speaker_ids=[wrong, twice, press, chosen, vip], moderator_ids=[plain])
    assert [category(pid) for pid in (wrong, twice, press, chosen, vip, plain)] == [
        "speaker", "speaker", "press", "speaker", "speaker", "moderator"]
    assert any("Ошибочный" in warning and "«Спикер»" in warning and "перепечатайте" in warning for warning in warnings)
    second = make_session(event, room, at(event, 0, 12), at(event, 0, 13), title="Вторая", moderator_ids=[twice])
    db.session.expire_all()
    assert category(twice) == "speaker"  # speaks here, moderates there: the badge stays as it was
    # The organizer makes one speaker a VIP, and a moderator an ordinary participant: their choices, both.
    update_details(db.session.get(Participant, vip), {"category": "vip"}, by_organizer=True)
    update_details(db.session.get(Participant, plain), {"category": "participant"}, by_organizer=True)

    # The wrong person picked from the list is taken off: «Участник» again, and the organizer is told to reprint.
    _, warnings = save(first, speaker_ids=[twice, chosen, vip], moderator_ids=[plain])
    assert category(wrong) == "participant" and category(press) == "press" and category(plain) == "participant"
    assert any("Ошибочный" in warning and "«Участник»" in warning for warning in warnings)
    # Off every stage, the organizer's own choices stay.
    save(first, speaker_ids=[twice])
    assert category(chosen) == "speaker" and category(vip) == "vip"
    # Moved from speaker to moderator: the badge follows.
    save(first, moderator_ids=[twice])
    assert category(twice) == "moderator"
    assert services.delete_session(db.session.get(AgendaSession, first))[1] == []
    db.session.expire_all()
    assert category(twice) == "moderator"  # still moderates the second session
    told, warnings = services.delete_session(db.session.get(AgendaSession, second))
    db.session.expire_all()
    assert category(twice) == "participant" and any("Двойной" in warning for warning in warnings)


def test_a_speaker_who_cancels_and_registers_again_is_still_a_speaker(ctx, event, client, form_data):
    from conference.registration.models import Participant

    client.post(f"/events/{event.slug}/register", data=form_data())
    speaker = db.session.scalar(select(Participant))
    make_session(event, make_room(event), at(event, 0, 10), at(event, 0, 11), speaker_ids=[speaker.id])
    speaker.status = "cancelled"  # as the private link's «cancel» leaves it: still on the session's stage
    db.session.commit()
    assert client.post(f"/events/{event.slug}/register", data=form_data()).status_code == 302
    db.session.expire_all()
    assert (speaker.status, speaker.category) == ("confirmed", "speaker")


def test_a_room_has_a_name_not_a_persons_name(event, organizer_client):
    """«Name» is «ФИО» for people; a room's is «Название зала», in its list and on its form."""
    for page in ("rooms/", "rooms/new"):
        text = organizer_client.get(f"/manage/events/{event.slug}/agenda/{page}").get_data(as_text=True)
        assert "Название зала" in text and "ФИО" not in text


def test_a_new_room_goes_after_the_existing_ones(app, event, organizer_client):
    with action(app):
        make_room(event, "Большой зал", sort_order=1)
        make_room(event, "Фойе", sort_order=5)
    form = organizer_client.get(f"/manage/events/{event.slug}/agenda/rooms/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="sort_order"[^>]*value="6"', form)
