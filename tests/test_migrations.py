"""The schema comes from Alembic revisions only, and they match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from conference.extensions import db
from conference.registration.models import SEARCH_INDEX, Participant


def include_name(name, type_, parent_names):
    return not (name or "").startswith(SEARCH_INDEX)


def test_the_revisions_match_the_models(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrading_again_keeps_every_row(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    with app.app_context():
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
        head = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_constraints_live_in_the_database(ctx):
    checks = {check["name"] for check in inspect(db.engine).get_check_constraints("participant")}
    assert {"ck_participant_status", "ck_participant_category", "ck_participant_region_or_country"} <= checks
    uniques = inspect(db.engine).get_unique_constraints("participant")
    assert any(set(unique["column_names"]) == {"event_id", "email"} for unique in uniques)


def test_sqlite_runs_with_foreign_keys_and_wal(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this run uses PostgreSQL")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_recent_revisions_go_down_and_up_without_losing_rows(app, client, event, form_data):
    """0008 and 0009 rebuild tables on SQLite (a participant's region, the check-ins): the rows pointing at them
    (participants, the audit trail) must come through with their links."""
    from flask_migrate import downgrade

    from conference.badges.services import current_badge
    from conference.checkin import services as checkin
    from conference.checkin.models import CheckIn, Scan
    from conference.registration.services import ParticipantFilter, count_matching

    client.post(f"/events/{event.slug}/register", data=form_data())
    with app.test_request_context():
        live = db.session.merge(event)
        participant = db.session.scalars(select(Participant)).one()
        checkin.check_in(live, checkin.find_checkpoint(live, "entrance"), checkin.Scanner(), "n1",
                         token=current_badge(participant).token)
        db.session.commit()  # ends the session's reading (PostgreSQL's DDL would wait for it)
        downgrade(revision="0007")  # through 0012 … 0008
        upgrade()
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
        assert db.session.scalars(select(Participant)).one().subject.capital_genitive_ru == "Южно-Сахалинска"
        check_in_id = db.session.scalars(select(CheckIn.id)).one()
        assert db.session.scalars(select(Scan.check_in_id)).one() == check_in_id
        # The tables rebuilt on SQLite got their search triggers back: an edit is found by its new name.
        db.session.scalars(select(Participant)).one().last_name = "Ёлкина"
        db.session.commit()
        assert count_matching(live, ParticipantFilter(text="елкина")) == 1


def test_0020_keeps_every_organizer_and_volunteer_at_every_existing_event(app, make_event, make_user):
    """Before access per event any organizer managed, and any volunteer scanned at, every event: after the upgrade
    each is a member of each existing event; admins need no membership."""
    from flask_migrate import downgrade

    from conference.accounts.services import find_user, members_of

    first, second = make_event(), make_event()
    staff = {role: make_user(role) for role in ("admin", "organizer", "checkin")}
    with app.app_context():
        downgrade(revision="0019")
        upgrade()
        for event in (first, second):
            assert {user.email for user in members_of(event.id)} == {staff["organizer"], staff["checkin"]}
        db.session.delete(find_user(staff["checkin"]))  # the table's foreign keys follow the account away
        db.session.commit()
        assert {user.email for user in members_of(first.id)} == {staff["organizer"]}


def test_0019_erases_nothing_at_the_upgrade(app, make_event):
    """An event that ended years before the upgrade keeps its participants' data for 12 months from the upgrade,
    not a day: nobody's data goes at the first night's run without its organizers seeing the date first."""
    from datetime import date, timedelta

    from flask_migrate import downgrade

    from conference.events.models import Event
    from conference.timeutil import utcnow

    long_ago = make_event(starts_on=date(2018, 11, 23), ends_on=date(2018, 11, 23))
    coming = make_event()
    with app.app_context():
        downgrade(revision="0018")
        upgrade()
        old, new = db.session.get(Event, long_ago.id), db.session.get(Event, coming.id)
        assert utcnow() + timedelta(days=330) < old.retained_until < utcnow() + timedelta(days=400)
        assert new.retention_months == 12


def test_0021_keeps_each_event_s_text_for_the_registrations_of_its_version(app, client, event, form_data):
    """The text an event shows at the upgrade is the one its registrations of that version agreed to; one of an
    older version agreed to a text nobody kept, and points at nothing."""
    from flask_migrate import downgrade

    from conference.events.models import ConsentText

    for email in ("current@example.org", "older@example.org"):
        client.post(f"/events/{event.slug}/register", data=form_data(email=email))
    with app.app_context():
        db.session.scalars(select(Participant).where(Participant.email == "older@example.org")).one() \
            .consent_version = "2025-1"
        db.session.commit()
        downgrade(revision="0020")
        upgrade()
        kept = db.session.scalars(select(ConsentText)).one()
        assert (kept.event_id, kept.version, kept.text) == (event.id, "2026-1", event.consent_text)
        agreed = dict(db.session.execute(select(Participant.email, Participant.consent_text_id)).all())
        assert agreed == {"current@example.org": kept.id, "older@example.org": None}


def test_0023_goes_down_and_up_with_letters_to_groups_and_certificate_records(app, client, event, form_data):
    """The letters to groups, the news opt-outs and the access log's certificate records come and go with 0023; the
    registrations and their search stay."""
    from flask_migrate import downgrade

    from conference.communications.models import Mailing
    from conference.privacy.models import DataAccess
    from conference.registration.services import ParticipantFilter, count_matching

    client.post(f"/events/{event.slug}/register", data=form_data())
    with app.app_context():
        participant = db.session.scalars(select(Participant)).one()
        db.session.add(Mailing(event_id=event.id, subject="Тема", body="Текст", filters={}))
        db.session.add(DataAccess(user_email="a@example.org", event_id=event.id, kind="certificate",
                                  participant_id=participant.id, people=1))
        db.session.commit()
        downgrade(revision="0022")
        upgrade()
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
        assert db.session.scalar(select(func.count()).select_from(DataAccess)) == 0  # (kinds 0022 did not know)
        assert count_matching(db.session.merge(event), ParticipantFilter(text="сидорова")) == 1
