"""Who saw whom (issue 17, part 4): each look of a staff member at participants' personal data is recorded, and
administrators alone read and filter the log."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conference.extensions import db
from conference.privacy.models import DataAccess
from conference.registration.models import Participant

from .conftest import action, staff_client


def records(app) -> list[tuple]:
    with action(app):
        return [(record.kind, record.user_email, record.event_id, record.participant_id, record.people, record.detail)
                for record in db.session.scalars(select(DataAccess).order_by(DataAccess.id))]


def register(client, event, form_data, count: int) -> None:
    for number, last_name in zip(range(count), ("Участникова", "Участников", "Участниковская"), strict=False):
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"p{number}@example.org",
                                                                     last_name=last_name))


def participant_ids(app) -> list[int]:
    with action(app):
        return list(db.session.scalars(select(Participant.id).order_by(Participant.id)))


def test_each_look_at_personal_data_is_recorded(app, client, event, form_data, organizer_client):
    register(client, event, form_data, 3)
    first, *_ = participant_ids(app)
    who, base = organizer_client.email, f"/manage/events/{event.slug}/participants"
    assert records(app) == []
    organizer_client.get(f"{base}/")  # the list itself is not among the looks recorded
    assert organizer_client.get(f"{base}/{first}").status_code == 200
    assert organizer_client.get(f"{base}/export.xlsx?status=confirmed&page=2").status_code == 200
    assert organizer_client.get(f"{base}/{first}/badge.pdf?layout=a6").mimetype == "application/pdf"
    printed = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "text": "участников"})
    assert printed.mimetype == "application/pdf"
    # Each GET's record is saved although a GET itself saves nothing; the POST's with its batch.
    assert records(app) == [
        ("participant", who, event.id, first, 1, ""),
        ("export", who, event.id, None, 3, "xlsx status=confirmed"),
        ("badge", who, event.id, first, 1, "a6"),
        ("badges", who, event.id, None, 3, "a6 text=…"),  # a search made, never its words (often a name)
    ]
    refused = organizer_client.post(f"{base}/{first}", data={"last_name": ""})  # shown again, with its errors
    assert refused.status_code == 200 and records(app)[-1][:4] == ("participant", who, event.id, first)


def test_a_participant_s_letter_seen_in_a_mailing_is_recorded_and_the_lists_are_not(app, client, event, form_data,
                                                                                     organizer_client):
    """A mailing's draft shows one person's letter as written for them, and a test letter sends it to the
    organizer: each is a look at that person's data. The lists of recipients and of letters, like the
    participant list, are working screens and are not recorded."""
    register(client, event, form_data, 2)
    first, second = participant_ids(app)
    who, base = organizer_client.email, f"/manage/events/{event.slug}"
    draft = organizer_client.post(f"{base}/mailings/new",
                                  data={"subject": "Программа", "body": "Здравствуйте, {name}!"})
    mailing = int(draft.location.rstrip("/").rsplit("/", 1)[-1])
    # The draft shows the first recipient's letter (by name: Участников, registered second), then the one asked.
    assert organizer_client.get(draft.location).status_code == 200
    assert organizer_client.get(f"{draft.location}?preview={first}").status_code == 200
    assert organizer_client.post(f"{draft.location}/test", data={"participant": first}).status_code == 302
    assert organizer_client.get(f"{base}/letters/").status_code == 200
    assert organizer_client.get(f"{base}/mailings/").status_code == 200
    assert records(app) == [("letter", who, event.id, second, 1, f"mailing={mailing}"),
                            ("letter", who, event.id, first, 1, f"mailing={mailing}"),
                            ("letter", who, event.id, first, 1, f"mailing={mailing} test")]


def test_a_batch_prepared_by_a_job_is_recorded_when_its_file_is_downloaded(app, client, event, form_data,
                                                                            organizer_client):
    app.config["BADGES_PRINTED_AT_ONCE"] = 1
    register(client, event, form_data, 2)
    asked = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6"})
    assert "/downloads/" in asked.location and records(app) == []  # prepared, not yet seen
    assert organizer_client.get(f"{asked.location}/file").mimetype == "application/pdf"
    assert [(kind, people) for kind, _, _, _, people, _ in records(app)] == [("badges", 2)]


def test_only_administrators_read_the_log_and_filter_it(app, client, make_event, make_user, form_data):
    first, second = make_event(), make_event()
    organizer = staff_client(app, make_user("organizer", events=(first, second)))
    for event in (first, second):
        client.post(f"/events/{event.slug}/register", data=form_data())
    ids = participant_ids(app)
    organizer.get(f"/manage/events/{first.slug}/participants/{ids[0]}")
    organizer.get(f"/manage/events/{second.slug}/participants/export.csv")

    assert organizer.get("/manage/access-log/").status_code == 403
    assert staff_client(app, make_user("checkin", events=(first,))).get("/manage/access-log/").status_code == 403
    assert client.get("/manage/access-log/").status_code == 302  # to the log-in page
    admin = staff_client(app, make_user("admin"))
    whole = admin.get("/manage/access-log/").get_data(as_text=True)
    assert "Кто что смотрел" in admin.get("/manage/events/").get_data(as_text=True)  # the admin's menu
    assert "2 записи" in whole and organizer.email in whole
    assert "Открыл(а) страницу участника" in whole and f"№&nbsp;{ids[0]}" in whole
    assert "Сидорова" not in whole  # the log names people by their registration's number alone
    only_exports = admin.get(f"/manage/access-log/?kind=export&event_id={second.id}").get_data(as_text=True)
    assert "1 запись" in only_exports and "Выгрузил(а) список участников" in only_exports
    assert "1 запись" in admin.get(f"/manage/access-log/?event_id={first.id}").get_data(as_text=True)
    assert "0 записей" in admin.get("/manage/access-log/?user_email=nobody").get_data(as_text=True)
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()  # the log's days are Moscow's
    tomorrow = today + timedelta(days=1)
    assert "2 записи" in admin.get(f"/manage/access-log/?since={today}&until={today}").get_data(as_text=True)
    assert "0 записей" in admin.get(f"/manage/access-log/?since={tomorrow}").get_data(as_text=True)
    wrong = admin.get(f"/manage/access-log/?since={tomorrow}&until={today}").get_data(as_text=True)
    assert "Конец периода раньше его начала." in wrong and "2 записи" in wrong  # said, and the whole log shown
    assert "Неверное значение даты." in admin.get("/manage/access-log/?since=10000-01-01").get_data(as_text=True)
    assert "между 2000 и 2100" in admin.get("/manage/access-log/?since=1900-01-01").get_data(as_text=True)
