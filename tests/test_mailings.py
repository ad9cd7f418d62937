"""Letters to groups (issue 18, part 1), through a real SMTP server on loopback: the filtered list and nobody else,
each recipient in their language, a preview and a test letter first, nobody twice."""

import re
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from conference.communications import services
from conference.communications.models import Mailing
from conference.extensions import db
from conference.mail.models import Letter
from conference.privacy.services import anonymise
from conference.registration.models import Participant

from .conftest import action, mail_text
from .test_mail_smtp import app_config, smtp_server  # noqa: F401  (the real mail server on loopback)


def received(inbox) -> dict[str, object]:
    """The letters the server took, by recipient."""
    parser = BytesParser(policy=policy.default)
    return {envelope.rcpt_tos[0]: parser.parsebytes(envelope.content) for envelope in inbox.messages}


@pytest.fixture
def people(app, client, event, form_data, refs, smtp_server):  # noqa: F811
    """Four registrations: two from Sakhalin (one in English), one from Kaliningrad, one from Sakhalin cancelled."""
    for last_name, email, subject, language in (("Сахалинская", "sak@example.org", "SAK", "ru"),
                                                ("Sakhalinsky", "sak.en@example.org", "SAK", "en"),
                                                ("Калининградская", "kgd@example.org", "KGD", "ru"),
                                                ("Отменившая", "gone@example.org", "SAK", "ru")):
        client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, first_name="Анна" if language == "ru" else "Anna", email=email,
            subject_id=str(refs["subject"][subject])), headers={"Accept-Language": language})
    with action(app):
        gone = db.session.scalar(select(Participant).where(Participant.email == "gone@example.org"))
        gone.status = "cancelled"
    smtp_server[1].clear()
    return refs


LETTER = {"subject": "Сахалинской делегации", "body": "Здравствуйте, {name}!\n\nВаша ссылка: {link}\nДаты: {dates}.",
          "subject_en": "To the Sakhalin delegation", "body_en": "Dear {name},\n\nYour link: {link}\nDates: {dates}."}


def test_a_group_letter_reaches_exactly_the_filtered_list_each_in_their_language(
        app, client, event, people, organizer_client, smtp_server):  # noqa: F811
    _, inbox = smtp_server
    manage = f"/manage/events/{event.slug}"
    filters = f"status=confirmed&subject_id={people['subject']['SAK']}"
    listing = organizer_client.get(f"{manage}/participants/?{filters}").get_data(as_text=True)
    assert "/mailings/new?" in listing  # «Написать им», with the list's filters
    compose = organizer_client.get(f"{manage}/mailings/new?{filters}").get_data(as_text=True)
    assert "2 участникам, которых находят фильтры списка" in compose and "{link}" in compose

    saved = organizer_client.post(f"{manage}/mailings/new?{filters}", data=LETTER)
    assert saved.status_code == 302
    with action(app):
        ids = dict(db.session.execute(select(Participant.email, Participant.id)).all())
        english, russian_id = ids["sak.en@example.org"], ids["sak@example.org"]
    as_russian = organizer_client.get(f"{saved.location}?preview={russian_id}").get_data(as_text=True)
    assert "Здравствуйте, Анна Петровна!" in as_russian and "Отправить 2 участникам" in as_russian
    assert "(личная ссылка участника)" in as_russian and "/my/" not in as_russian  # named, not given
    as_english = organizer_client.get(f"{saved.location}?preview={english}").get_data(as_text=True)
    assert "Dear Anna Петровна," in as_english and "To the Sakhalin delegation" in as_english
    outsider = ids["kgd@example.org"]  # not on this letter's list: the preview stays with its recipients
    assert "Калининградская" not in organizer_client.get(f"{saved.location}?preview={outsider}").get_data(as_text=True)

    organizer_client.post(f"{saved.location}/test", data={"participant": english})
    [test] = received(inbox).items()
    # Written as the recipient reads it, in English, and to the organizer.
    assert test[0] == organizer_client.email and test[1]["Subject"].startswith("[Test] To the Sakhalin")
    assert "/my/" not in mail_text(test[1])  # nobody's private link leaves for the organizer's address
    inbox.clear()

    assert organizer_client.post(f"{saved.location}/send", data={"count": "2"}).status_code == 302
    letters = received(inbox)
    assert set(letters) == {"sak@example.org", "sak.en@example.org"}
    assert letters["sak@example.org"]["Subject"] == "Сахалинской делегации"
    assert letters["sak.en@example.org"]["Subject"] == "To the Sakhalin delegation"
    russian = mail_text(letters["sak@example.org"])
    assert "Здравствуйте, Анна Петровна!" in russian and str(event.starts_on.year) in russian
    own_link = re.search(r"http://localhost(/my/[\w.\-]+)", russian).group(1)
    assert "Сахалинская" in client.get(own_link).get_data(as_text=True)  # the recipient's own, working link
    assert 'href="http://localhost/my/' in letters["sak@example.org"].get_body(("html",)).get_content()

    history = organizer_client.get(saved.location).get_data(as_text=True)
    assert "Отправлено 2 из 2 писем." in history and "sak.en@example.org" in history
    assert "Сахалинской делегации" in organizer_client.get(f"{manage}/participants/{russian_id}") \
        .get_data(as_text=True)  # the participant's page lists the letters sent to them
    inbox.clear()
    again = organizer_client.post(f"{saved.location}/send", data={"count": "2"}, follow_redirects=True)
    assert "уже отправлено" in again.get_data(as_text=True) and inbox.messages == []


def test_a_selection_gets_it_and_a_changed_list_is_confirmed_again(
        app, client, event, people, form_data, organizer_client, smtp_server):  # noqa: F811
    _, inbox = smtp_server
    manage = f"/manage/events/{event.slug}"
    with action(app):
        chosen = db.session.scalar(select(Participant.id).where(Participant.email == "kgd@example.org"))
    saved = organizer_client.post(f"{manage}/mailings/new", data=dict(LETTER, ids=[str(chosen)]))
    assert "Отправить 1 участнику" in organizer_client.get(saved.location).get_data(as_text=True)
    assert organizer_client.post(f"{saved.location}/send", data={"count": "1"}).status_code == 302
    assert set(received(inbox)) == {"kgd@example.org"}

    inbox.clear()
    filters = f"subject_id={people['subject']['KGD']}"
    draft = organizer_client.post(f"{manage}/mailings/new?{filters}", data=LETTER).location
    client.post(f"/events/{event.slug}/register", data=form_data(
        email="late@example.org", subject_id=str(people["subject"]["KGD"])))  # registers meanwhile
    inbox.clear()
    changed = organizer_client.post(f"{draft}/send", data={"count": "1"}, follow_redirects=True)
    assert "теперь в нём 2 участника" in changed.get_data(as_text=True) and inbox.messages == []
    organizer_client.post(f"{draft}/send", data={"count": "2"})
    assert set(received(inbox)) == {"kgd@example.org", "late@example.org"}


def test_queuing_cut_short_is_finished_later_and_nobody_gets_it_twice(
        app, event, people, organizer_client, smtp_server, monkeypatch):  # noqa: F811
    """A worker dies after queuing some of the letters: the periodic run queues the rest, and nobody is written to
    twice, however often it runs."""
    from conference.communications import tasks

    _, inbox = smtp_server
    manage = f"/manage/events/{event.slug}"
    saved = organizer_client.post(f"{manage}/mailings/new?status=confirmed", data=LETTER).location
    monkeypatch.setattr(services, "CHUNK", 1)
    calls = {"n": 0}
    real = services.queue_letter

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the worker is gone")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "queue_letter", dying)
    organizer_client.post(f"{saved}/send", data={"count": "3"})
    assert len(inbox.messages) == 1  # the first chunk went out; the job died on the second
    monkeypatch.setattr(services, "queue_letter", real)
    with action(app):
        mailing = db.session.scalars(select(Mailing)).one()
        assert mailing.recipients == 3 and mailing.all_queued_at is None
        assert db.session.scalar(select(func.count()).where(Letter.mailing_id == mailing.id)) == 1
        assert services.unfinished() == [mailing.id]
        # Meanwhile one recipient not yet written to withdraws: they are left out, and the page says so.
        anonymise([db.session.scalar(select(Participant).where(Participant.email == "kgd@example.org"))], "organizer")
    tasks.finish_mailings.call_local()
    tasks.finish_mailings.call_local()
    tasks.queue_mailing.call_local(mailing.id)
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.messages) == ["sak.en@example.org", "sak@example.org"]
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.mailing_id.is_not(None))) == 2
        assert services.unfinished() == []
    page = organizer_client.get(saved).get_data(as_text=True)
    assert "Отправлено 2 из 3 писем." in page and "1 получатель пропущен" in page
    failed_only = organizer_client.get(f"{saved}?status=failed").get_data(as_text=True)
    assert "sak@example.org" in page and "sak@example.org" not in failed_only


def test_the_letter_form_says_what_is_wrong(app, event, people, organizer_client):
    manage = f"/manage/events/{event.slug}"
    refused = organizer_client.post(f"{manage}/mailings/new", data={"subject": "", "body": "Привет, {имя}!"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Укажите тему." in page
    assert ("Неизвестная подстановка {имя}: в тексте можно использовать {name}, {link}, {title}, {dates}, {venue}."
            in page)
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Mailing)) == 0


def test_the_list_filters_by_session_and_by_arrival(app, event, people, organizer_client):
    """«Signed up for the seminar but did not come to it», «came to the forum», «never came»: the list's new filters,
    which a letter to a group takes along."""
    from datetime import UTC, datetime

    from conference.agenda.models import SessionSignup
    from conference.checkin.models import ENTRANCE, CheckIn

    from .agenda_helpers import at, make_room, make_session

    with action(app):
        live = db.session.merge(event)
        seminar = make_session(live, make_room(live), at(live, 0, 10), at(live, 0, 12), title="Семинар", kind="seminar")
        ids = dict(db.session.execute(select(Participant.email, Participant.id)).all())
        for email in ("sak@example.org", "kgd@example.org"):
            db.session.add(SessionSignup(session_id=seminar, participant_id=ids[email], status="registered"))
        now = datetime.now(UTC)
        db.session.add(CheckIn(event_id=event.id, participant_id=ids["sak@example.org"], checkpoint=ENTRANCE,
                               checked_in_at=now))
        db.session.add(CheckIn(event_id=event.id, participant_id=ids["sak@example.org"],
                               checkpoint=f"session-{seminar}", session_id=seminar, checked_in_at=now))
        db.session.commit()

    def listed(query: str) -> set[str]:
        page = organizer_client.get(f"/manage/events/{event.slug}/participants/?{query}").get_data(as_text=True)
        return {email for email in ids if email in page}

    assert "Семинар" in organizer_client.get(f"/manage/events/{event.slug}/participants/").get_data(as_text=True)
    assert listed(f"session_id={seminar}") == {"sak@example.org", "kgd@example.org"}
    assert listed(f"session_id={seminar}&arrived=no") == {"kgd@example.org"}
    assert listed(f"session_id={seminar}&arrived=yes") == {"sak@example.org"}
    assert listed("arrived=yes") == {"sak@example.org"}
    assert listed("arrived=no&status=confirmed") == {"sak.en@example.org", "kgd@example.org"}
    compose = organizer_client.get(f"/manage/events/{event.slug}/mailings/new?session_id={seminar}&arrived=no")
    assert "Кому: 1 участнику" in compose.get_data(as_text=True)


def test_the_badge_and_the_personal_calendar_go_along_when_asked(app, event, people, organizer_client,
                                                                  smtp_server):  # noqa: F811
    from icalendar import Calendar

    from conference.agenda.models import SessionSignup

    from .agenda_helpers import at, make_room, make_session

    _, inbox = smtp_server
    with action(app):
        live = db.session.merge(event)
        seminar = make_session(live, make_room(live), at(live, 0, 10), at(live, 0, 12), title="Семинар", kind="seminar")
        seated = db.session.scalar(select(Participant.id).where(Participant.email == "kgd@example.org"))
        db.session.add(SessionSignup(session_id=seminar, participant_id=seated, status="registered"))
        db.session.commit()
    saved = organizer_client.post(f"/manage/events/{event.slug}/mailings/new?status=confirmed",
                                  data=dict(LETTER, attach_badge="y", attach_calendar="y")).location
    organizer_client.post(f"{saved}/send", data={"count": "3"})
    letters = received(inbox)
    attached = {address: {part.get_filename(): part for part in letter.iter_attachments()}
                for address, letter in letters.items()}
    assert len(attached["sak@example.org"]) == 1  # the badge; no seat, no calendar
    calendar_part = next(part for name, part in attached["kgd@example.org"].items() if name.endswith(".ics"))
    [session] = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")
    assert str(session["SUMMARY"]) == "Семинар"
    assert any(name.endswith(".pdf") for name in attached["kgd@example.org"])


def test_news_carries_a_link_to_unsubscribe_and_the_unsubscribed_get_no_news(
        app, client, event, people, organizer_client, smtp_server):  # noqa: F811
    _, inbox = smtp_server
    manage = f"/manage/events/{event.slug}"
    first = organizer_client.post(f"{manage}/mailings/new?status=confirmed",
                                  data=dict(LETTER, is_news="y")).location
    organizer_client.post(f"{first}/send", data={"count": "3"})
    letter = received(inbox)["sak@example.org"]
    unsubscribe = re.search(r"http://localhost(/news/[\w.\-]+)", mail_text(letter)).group(1)
    assert 'href="http://localhost/news/' in letter.get_body(("html",)).get_content()
    page = client.get(unsubscribe)
    assert "Отписаться от новостей" in page.get_data(as_text=True)
    with action(app):  # a mail client's link checker opening the link unsubscribes nobody
        assert db.session.scalar(select(Participant.news_opt_out_at).where(
            Participant.email == "sak@example.org")) is None
    assert client.post(unsubscribe, data={"news": "off"}).status_code == 302
    assert "Вы отписались от новостей мероприятия" in client.get(unsubscribe).get_data(as_text=True)
    assert client.get("/news/forged-token").status_code == 404

    inbox.clear()
    second = organizer_client.post(f"{manage}/mailings/new?status=confirmed", data=dict(LETTER, is_news="y")).location
    assert "Отправить 2 участникам" in organizer_client.get(second).get_data(as_text=True)
    organizer_client.post(f"{second}/send", data={"count": "2"})
    assert set(received(inbox)) == {"sak.en@example.org", "kgd@example.org"}
    inbox.clear()  # what each must know is not news: it reaches the unsubscribed too, with no link to unsubscribe
    third = organizer_client.post(f"{manage}/mailings/new?status=confirmed", data=LETTER).location
    organizer_client.post(f"{third}/send", data={"count": "3"})
    assert "/news/" not in mail_text(received(inbox)["sak@example.org"])


def test_a_reminder_goes_out_once_when_it_is_due(app, event, people, smtp_server):  # noqa: F811
    from datetime import timedelta

    from conference.communications import reminders
    from conference.events.models import Event
    from conference.timeutil import utcnow

    _, inbox = smtp_server
    with action(app):
        held = db.session.get(Event, event.id)
        held.reminder_days = 3
        due = reminders.due_at(held)
    with action(app):
        assert reminders.send_due_reminders(due - timedelta(minutes=1)) == 0 and inbox.messages == []
    with action(app):
        assert reminders.send_due_reminders(due) == 1
        assert reminders.send_due_reminders(due + timedelta(hours=1)) == 0  # once
    letters = received(inbox)
    assert set(letters) == {"sak@example.org", "sak.en@example.org", "kgd@example.org"}  # the confirmed
    assert letters["sak.en@example.org"]["Subject"].startswith("Reminder: «Industrial forum")
    russian = mail_text(letters["sak@example.org"])
    assert "Здравствуйте, Анна Петровна!" in russian and "/news/" in russian
    assert any(part.get_filename().endswith(".pdf") for part in letters["kgd@example.org"].iter_attachments())
    with action(app):
        reminder = db.session.scalars(select(Mailing).where(Mailing.purpose == "reminder")).one()
        assert reminder.recipients == 3 and utcnow() > reminder.sent_at - timedelta(days=1)


def test_a_certificate_names_the_person_and_the_sessions_and_its_qr_code_verifies_it(
        app, client, event, people, organizer_client, tmp_path):
    from datetime import UTC, datetime

    from conference.agenda.models import SessionSignup
    from conference.checkin.models import ENTRANCE, CheckIn
    from conference.privacy import services as privacy

    from .agenda_helpers import at, make_room, make_session
    from .test_badges import qr_codes
    from .test_reports import pdf_text

    with action(app):
        live = db.session.merge(event)
        hall = make_room(live)
        seminar = make_session(live, hall, at(live, 0, 10), at(live, 0, 12), title="Семинар по кластерам",
                               kind="seminar")
        ids = dict(db.session.execute(select(Participant.email, Participant.id)).all())
        came = ids["sak@example.org"]
        db.session.add(SessionSignup(session_id=seminar, participant_id=came, status="registered"))
        now = datetime.now(UTC)
        db.session.add(CheckIn(event_id=event.id, participant_id=came, checkpoint=ENTRANCE, checked_in_at=now))
        db.session.add(CheckIn(event_id=event.id, participant_id=came, checkpoint=f"session-{seminar}",
                               session_id=seminar, checked_in_at=now))
        db.session.commit()
    manage = f"/manage/events/{event.slug}"
    assert organizer_client.get(f"{manage}/mailings/certificates/{ids['kgd@example.org']}.pdf").status_code == 409
    pdf = organizer_client.get(f"{manage}/mailings/certificates/{came}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data())
    assert "Сахалинская Анна Петровна" in text and "Семинар по кластерам" in text and "Сертификат участника" in text
    [url] = qr_codes(pdf.get_data(), tmp_path)
    assert url.startswith("http://localhost/certificates/")
    check = client.get(url.removeprefix("http://localhost")).get_data(as_text=True)
    assert "Сертификат действителен." in check and "Сахалинская Анна Петровна" in check
    assert "sak@example.org" not in check and "Семинар" not in check  # the event, the name, the dates: no more
    assert client.get("/certificates/forged").status_code == 404

    bulk = organizer_client.post(f"{manage}/mailings/certificates")  # everyone who came, prepared by a job
    assert "/downloads/" in bulk.location
    assert "Сахалинская" in pdf_text(organizer_client.get(f"{bulk.location}/file").get_data())

    with action(app):
        privacy.withdraw_consent(db.session.get(Participant, came))
    revoked = client.get(url.removeprefix("http://localhost")).get_data(as_text=True)
    assert "отозван" in revoked and "Сахалинская" not in revoked


def test_the_event_s_own_words_replace_a_system_letter_s_and_keep_its_badge(
        app, client, event, form_data, organizer_client, smtp_server):  # noqa: F811
    _, inbox = smtp_server
    texts = f"/manage/events/{event.slug}/mailings/texts"
    listing = organizer_client.get(f"{texts}/").get_data(as_text=True)
    assert "Регистрация получена" in listing and "Место из листа ожидания" in listing
    form = organizer_client.get(f"{texts}/registered/ru").get_data(as_text=True)
    assert "{name}" in form and "Отправляется стандартное письмо" in form
    refused = organizer_client.post(f"{texts}/registered/ru", data={"subject": "Ждём вас", "body": "{имя}!"})
    assert "Неизвестная подстановка {имя}" in refused.get_data(as_text=True)
    organizer_client.post(f"{texts}/registered/ru", data={
        "subject": "Добро пожаловать на «{title}»", "body": "Дорогая {name}, ждём вас {dates}.\n\nСсылка: {link}"})
    assert "собственный текст мероприятия" in organizer_client.get(f"{texts}/").get_data(as_text=True)

    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(email="en@example.org", first_name="Anna"),
                headers={"Accept-Language": "en"})
    letters = received(inbox)
    russian = letters["anna.sidorova@example.org"]
    assert russian["Subject"] == f"Добро пожаловать на «{event.title}»"
    assert "Дорогая Анна Петровна, ждём вас" in mail_text(russian) and "/my/" in mail_text(russian)
    assert any(part.get_filename().endswith(".pdf") for part in russian.iter_attachments())  # the badge stays
    assert letters["en@example.org"]["Subject"].startswith("Registration received")  # no English text: the default

    organizer_client.post(f"{texts}/registered/ru", data={"action": "default"})
    inbox.clear()
    client.post(f"/events/{event.slug}/register", data=form_data(email="third@example.org"))
    assert received(inbox)["third@example.org"]["Subject"] == f"Заявка получена: {event.title}"  # the default again


def test_writing_to_a_selection_of_nobody_asks_for_a_selection(app, event, people, organizer_client):
    response = organizer_client.post(f"/manage/events/{event.slug}/mailings/new", data={}, follow_redirects=True)
    assert "Отметьте участников, которым писать" in response.get_data(as_text=True)
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Mailing)) == 0


def test_what_a_letter_to_a_group_holds_follows_each_recipient(app, event, people, organizer_client,
                                                               smtp_server):  # noqa: F811
    """No badge for a registration not confirmed; the subject's placeholders filled too; an English recipient of a
    letter written in Russian alone reads it all in Russian; a filter gone stale stops the letter."""
    _, inbox = smtp_server
    manage = f"/manage/events/{event.slug}"
    with action(app):
        db.session.scalars(select(Participant).where(Participant.email == "kgd@example.org")).one().status = "pending"
    saved = organizer_client.post(f"{manage}/mailings/new?status=", data={
        "subject": "{name}, ждём вас на «{title}»", "body": "Даты: {dates}.", "attach_badge": "y"}).location
    organizer_client.post(f"{saved}/send", data={"count": "4"})
    letters = received(inbox)
    assert letters["sak@example.org"]["Subject"] == f"Анна Петровна, ждём вас на «{event.title}»"
    assert any(part.get_filename().endswith(".pdf") for part in letters["sak@example.org"].iter_attachments())
    assert not list(letters["kgd@example.org"].iter_attachments())  # pending: no badge
    from babel.dates import format_date

    english = mail_text(letters["sak.en@example.org"])
    assert "Даты:" in english and format_date(event.ends_on, "d MMMM y", locale="ru") in english
    stale = organizer_client.get(f"{manage}/mailings/new?session_id=999999", follow_redirects=True)
    assert "больше не действует" in stale.get_data(as_text=True)


def test_a_list_of_seventy_thousand_is_counted_and_queued_in_statements_the_databases_take(app, event, people):
    """More ids than either database binds in one statement (SQLite 32,766, PostgreSQL 65,535)."""
    with action(app):
        mailing = Mailing(event_id=event.id, subject="Всем", body="Здравствуйте, {name}!")
        db.session.add(mailing)
        db.session.flush()
        mine = set(db.session.scalars(select(Participant.id).where(Participant.event_id == event.id)))
        mailing.participant_ids = sorted(mine | set(range(10**6, 10**6 + 70_000)))  # (ids of nobody but these)
        assert services.count_recipients(mailing) == len(mine) == 4
        assert {participant.id for participant in services.some_recipients(mailing)} == mine
