"""The demo conference reads like the seed: about 520 people from 66 federal subjects,
from Yuzhno-Sakhalinsk to Kaliningrad, across every kind of organization."""

from sqlalchemy import delete, func, select

from conference.accounts.models import User
from conference.accounts.services import members_of
from conference.demo import DEMO_SLUG, create_demo
from conference.directories.models import FederalSubject, OrganizationType
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action


def demo_people() -> list[tuple]:
    return list(db.session.execute(
        select(Participant.last_name, Participant.first_name, Participant.patronymic, Participant.organization,
               Participant.subject_id, Participant.status, Participant.category).order_by(Participant.email)))


def test_flask_demo_creates_the_seed_conference(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "organizer@example.com" in result.output and "checkin@example.com" in result.output
    with action(app):
        event = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
        assert event.title == "Промышленная Россия 4.0" and event.starts_on.isoformat() == "2018-11-23"
        assert event.city == "Москва" and event.timezone == "Europe/Moscow"
        count = db.session.scalar(select(func.count()).where(Participant.event_id == event.id))
        assert 560 < count < 620
        subjects = db.session.scalars(
            select(FederalSubject).where(FederalSubject.id.in_(select(Participant.subject_id).distinct()))).all()
        assert len(subjects) == 66
        assert max(subjects, key=lambda subject: subject.longitude).capital_ru == "Южно-Сахалинск"
        assert min(subjects, key=lambda subject: subject.longitude).capital_ru == "Калининград"
        used_types = set(db.session.scalars(select(OrganizationType.code).join(
            Participant, Participant.organization_type_id == OrganizationType.id).distinct()))
        assert used_types == set(db.session.scalars(select(OrganizationType.code)))
        roles = set(db.session.scalars(select(User.role)))
        assert {"organizer", "checkin"} <= roles
        # The demo logins work on the demo event (access is per event).
        assert {user.email for user in members_of(event.id)} == {"organizer@example.com", "checkin@example.com"}
        statuses = {status for *_, status, _ in demo_people()}
        assert statuses == {"confirmed", "pending", "cancelled"}


def test_demo_names_look_russian_and_are_deterministic(ctx):
    create_demo()
    first = demo_people()
    assert all(patronymic.endswith(("ич", "на")) for _, _, patronymic, *_ in first)
    women = [last for last, first_name, patronymic, *_ in first if patronymic.endswith("на")]
    assert women and all(not last.endswith(("ов", "ев", "ин", "ский")) for last in women)
    db.session.execute(delete(Participant))
    db.session.execute(delete(Event))
    db.session.commit()
    create_demo()
    assert demo_people() == first


def test_demo_if_empty_adds_nothing_to_a_used_database(app, event):
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "no demo added" in result.output
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_demo_refuses_production(app):
    app.config["APP_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "not for production" in result.output


def test_demo_program_follows_the_seed(ctx):
    from conference.agenda.models import AgendaSession, SessionSignup
    from conference.agenda.services import all_problems, sessions_of

    create_demo()
    event = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
    sessions = sessions_of(event)
    titles = " ".join(session.title for session in sessions)
    for seed_title in ("Наращивание внутренней кооперации как основа для экспортного рывка российской промышленности",
                       "Экспертного совета по импортозамещению", "Инвестиционные ниши промышленных кластеров",
                       "Эффективный технопарк: меры поддержки и практические решения",
                       "IV Национального рейтинга технопарков России"):
        assert seed_title in titles
    council = next(session for session in sessions if session.kind == "expert_council")
    assert council.room.address  # off-site
    assert all_problems(event) == []
    plenary = next(session for session in sessions if session.kind == "plenary")
    assert plenary.people_in("moderator") and len(plenary.people_in("speaker")) >= 5
    seminar = next(session for session in sessions if session.kind == "seminar")
    statuses = list(db.session.scalars(select(SessionSignup.status).where(SessionSignup.session_id == seminar.id)))
    assert statuses.count("registered") == seminar.seats and "waiting" in statuses
    assert db.session.scalar(select(func.count()).select_from(AgendaSession)) == len(sessions) == 8


def test_demo_check_ins_read_like_the_morning_of_the_forum(ctx):
    from zoneinfo import ZoneInfo

    from conference.agenda.models import AgendaSession
    from conference.checkin.models import CheckIn, Scan

    create_demo()
    confirmed = db.session.scalar(select(func.count()).where(Participant.status == "confirmed"))
    entrance = list(db.session.scalars(select(CheckIn).where(CheckIn.checkpoint == "entrance")))
    assert 0.85 * confirmed < len(entrance) < confirmed  # most came, some did not
    assert len(entrance) > 500  # «более 500 человек», as the seed says
    moscow = [check_in.checked_in_at.astimezone(ZoneInfo("Europe/Moscow")) for check_in in entrance]
    assert all(moment.date().isoformat() == "2018-11-23" and 8 <= moment.hour < 15 for moment in moscow)
    assert sum(moment.hour < 11 for moment in moscow) > 0.8 * len(moscow)  # mostly before the plenary's end
    attended = dict(db.session.execute(select(AgendaSession.kind, func.count(CheckIn.id)).join(
        CheckIn, CheckIn.session_id == AgendaSession.id).group_by(AgendaSession.kind)).all())
    assert set(attended) == {"plenary", "seminar", "expert_council", "project_session", "awards"}
    assert attended["plenary"] > attended["awards"] > 0
    # Everyone seen at a session's door came in through the entrance.
    arrived = {check_in.participant_id for check_in in entrance}
    assert set(db.session.scalars(select(CheckIn.participant_id).where(CheckIn.checkpoint != "entrance"))) <= arrived
    outcomes = set(db.session.scalars(select(Scan.outcome)))
    assert {"checked_in", "already_checked_in", "unknown_badge", "registration_pending"} <= outcomes


def test_the_demo_organizer_reopens_registration_as_the_readme_says(app):
    """README: log in as the demo organizer, open «Изменить мероприятие», set «Окончание регистрации» ahead. The
    form must take the demo's own values back (its 20 years of retention included)."""
    from datetime import date, timedelta

    from .test_events import event_form

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    organizer = app.test_client()
    organizer.post("/login", data={"email": "organizer@example.com", "password": "demo-organizer"})
    with action(app):
        event = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
        form = event_form(slug=event.slug, title=event.title, starts_on=event.starts_on.isoformat(),
                          ends_on=event.ends_on.isoformat(), registration_opens_at="", capacity="",
                          retention_months=str(event.retention_months), consent_version=event.consent_version,
                          consent_text=event.consent_text, consent_text_en=event.consent_text_en,  # as the form shows
                          registration_closes_at=f"{date.today() + timedelta(days=30)}T18:00")
    saved = organizer.post(f"/manage/events/{DEMO_SLUG}/edit", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert 'id="registration-form"' in app.test_client().get(f"/events/{DEMO_SLUG}/register").get_data(as_text=True)
