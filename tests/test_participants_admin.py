"""The organizer's participant list: filters, sorting, pages, moderation and exports."""

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action, mail_text, sent_mail

PEOPLE = [
    # last name, first name, email, organization, organization type, subject, category
    ("Иванов", "Пётр", "ivanov@example.org", "АО «Композит»", "industrial_enterprise", "MOW", "participant"),
    ("Яковлева", "Ольга", "olga@example.org", "Технопарк «Техноград»", "technopark", "SAK", "speaker"),
    ("Абрамов", "Илья", "abramov@example.org", "ПАО Сбербанк", "bank", "KGD", "press"),
    ("Щербаков", "Олег", "oleg@example.org", "=HYPERLINK(\"http://evil\")", "other", "TA", "participant"),
]


@pytest.fixture
def people(app, client, make_event, form_data, refs, organizer_client):
    """An event with moderation, of which organizer_client is an organizer, and its participants."""
    event = make_event(moderation=True, members=(organizer_client.email,))
    for last, first, email, organization, org_type, subject, _ in PEOPLE:
        response = client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last, first_name=first, patronymic="", email=email, organization=organization,
            organization_type_id=str(refs["org_type"][org_type]), subject_id=str(refs["subject"][subject]),
        ))
        assert response.status_code == 302
    with action(app):
        for _, _, email, _, _, _, category in PEOPLE:
            db.session.scalar(select(Participant).where(Participant.email == email)).category = category
        db.session.commit()
    return event


def ids_by_email(app) -> dict[str, int]:
    with action(app):
        return {email: pid for email, pid in db.session.execute(select(Participant.email, Participant.id))}


def table_of(page: str) -> str:
    """The participants table only: region names in the filters (Ивановская область…) must not count."""
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def names_in(page: str) -> list[str]:
    return [last for last, *_ in PEOPLE if last in table_of(page)]


def listing(organizer_client, event, **args) -> str:
    response = organizer_client.get(f"/manage/events/{event.slug}/participants/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_counts_and_default_order_by_name(organizer_client, people):
    page = listing(organizer_client, people)
    assert "Ожидает подтверждения — 4" in page and "Найдено 4 участника" in page
    page = table_of(page)
    assert [page.index(name) for name in ("Абрамов", "Иванов", "Щербаков", "Яковлева")] == sorted(
        page.index(name) for name in ("Абрамов", "Иванов", "Щербаков", "Яковлева"))


@pytest.mark.parametrize(("args", "expected"), [
    ({"text": "сбербанк"}, ["Абрамов"]),          # organization, Cyrillic, any case
    ({"text": "ЯКОВЛЕВА"}, ["Яковлева"]),         # name
    ({"text": "oleg@"}, ["Щербаков"]),            # email
    ({"text": "100%_"}, []),                      # LIKE wildcards are taken literally
    ({"text": "ль"}, ["Абрамов", "Яковлева"]),     # two letters, too short for trigrams: Илья, Ольга
    ({"text": "пётр композит"}, ["Иванов"]),       # every word must match
    ({"text": '"композит'}, []),                  # a stray quote is not search syntax
    ({"category": "speaker"}, ["Яковлева"]),
    ({"status": "confirmed"}, []),
])
def test_text_category_and_status_filters(organizer_client, people, args, expected):
    assert sorted(names_in(listing(organizer_client, people, **args))) == sorted(expected)


def test_search_follows_edits(app, organizer_client, people):
    with action(app):
        participant = db.session.scalar(select(Participant).where(Participant.email == "olga@example.org"))
        participant.last_name = "Воронцова"
        db.session.commit()
    assert "Воронцова" in table_of(listing(organizer_client, people, text="воронцова"))
    assert "Воронцова" not in table_of(listing(organizer_client, people, text="яковлева"))


def test_region_district_and_organization_type_filters(organizer_client, people, refs, app):
    from conference.directories.models import FederalDistrict

    with action(app):
        far_east = db.session.scalar(select(FederalDistrict.id).where(FederalDistrict.code == "FEFD"))
    assert names_in(listing(organizer_client, people, district_id=far_east)) == ["Яковлева"]
    assert names_in(listing(organizer_client, people, subject_id=refs["subject"]["KGD"])) == ["Абрамов"]
    assert names_in(listing(organizer_client, people, organization_type_id=refs["org_type"]["bank"])) == ["Абрамов"]


def test_sorting_descending_and_by_organization(organizer_client, people):
    page = table_of(listing(organizer_client, people, sort="name", order="desc"))
    assert page.index("Яковлева") < page.index("Абрамов")
    page = table_of(listing(organizer_client, people, sort="organization"))
    assert page.index("АО «Композит»") < page.index("ПАО Сбербанк")


def test_a_hand_edited_query_string_does_not_break_the_page(organizer_client, people):
    assert names_in(listing(organizer_client, people, district_id="abc", sort="drop table", page="-3"))


def test_pagination(app, organizer_client, people):
    app.config["PARTICIPANTS_PER_PAGE"] = 3
    first = listing(organizer_client, people)
    second = listing(organizer_client, people, page=2)
    assert len(names_in(first)) == 3 and names_in(second) == ["Яковлева"]
    assert "page=2" in first


def test_approve_and_reject_one_by_one_notify_the_participant(app, organizer_client, people):
    ids = ids_by_email(app)
    url = f"/manage/events/{people.slug}/participants/{ids['olga@example.org']}/status"
    assert organizer_client.post(url, data={"action": "approve"}).status_code == 302
    assert "подтверждена" in sent_mail(app)[-1]["Subject"].lower()
    organizer_client.post(url, data={"action": "reject"})
    with action(app):
        assert db.session.get(Participant, ids["olga@example.org"]).status == "rejected"
    assert "отклонена" in sent_mail(app)[-1]["Subject"].lower()
    assert organizer_client.post(url, data={"action": "explode"}).status_code == 400


def test_bulk_approval_changes_only_this_events_participants(app, organizer_client, people, make_event, client,
                                                             form_data):
    other = make_event()
    client.post(f"/events/{other.slug}/register", data=form_data(email="outsider@example.org"))
    ids = ids_by_email(app)
    mails_before = len(sent_mail(app))
    response = organizer_client.post(f"/manage/events/{people.slug}/participants/bulk", data={
        "action": "approve", "ids": [ids["ivanov@example.org"], ids["oleg@example.org"], ids["outsider@example.org"]],
        "status": "pending",
    })
    assert response.status_code == 302 and "status=pending" in response.location
    with action(app):
        statuses = {p.email: p.status for p in db.session.scalars(select(Participant))}
    assert statuses["ivanov@example.org"] == statuses["oleg@example.org"] == "confirmed"
    assert statuses["olga@example.org"] == "pending"
    assert len(sent_mail(app)) == mails_before + 2
    assert "2 регистрации обновлены." in organizer_client.get(response.location).get_data(as_text=True)


def test_bulk_with_nothing_selected_says_so(organizer_client, people):
    response = organizer_client.post(f"/manage/events/{people.slug}/participants/bulk", data={"action": "approve"},
                                     follow_redirects=True)
    assert "Выберите участников и действие" in response.get_data(as_text=True)


def test_the_participant_page_edits_details_category_and_status(app, organizer_client, people, form_data):
    ids = ids_by_email(app)
    url = f"/manage/events/{people.slug}/participants/{ids['ivanov@example.org']}"
    page = organizer_client.get(url).get_data(as_text=True)
    assert 'value="Иванов"' in page and "/my/" in page  # the private link, for a phone request
    response = organizer_client.post(url, data=form_data(
        last_name="Иванов-Петров", first_name="Пётр", email="ivanov@example.org", category="vip", status="confirmed"))
    assert response.status_code == 302
    with action(app):
        participant = db.session.get(Participant, ids["ivanov@example.org"])
        saved = (participant.last_name, participant.category, participant.status)
        assert saved == ("Иванов-Петров", "vip", "confirmed")
    taken = organizer_client.post(url, data=form_data(email="olga@example.org", category="vip", status="confirmed"))
    assert "уже указан в другой регистрации" in taken.get_data(as_text=True)
    # Cancelled by the organizer: the participant is told, as of approving and declining.
    letters = len(sent_mail(app))
    organizer_client.post(url, data=form_data(email="ivanov@example.org", category="vip", status="cancelled"))
    assert len(sent_mail(app)) == letters + 1 and "отменена" in sent_mail(app)[-1]["Subject"].lower()


def test_a_participant_of_another_event_is_not_found_here(app, organizer_client, people, make_event):
    other = make_event(members=(organizer_client.email,))  # an event of theirs too: the row is what is not found
    ids = ids_by_email(app)
    url = f"/manage/events/{other.slug}/participants/{ids['olga@example.org']}"
    assert organizer_client.get(url).status_code == 404


def test_csv_export_follows_the_filter_and_neutralizes_formulas(organizer_client, people):
    response = organizer_client.get(f"/manage/events/{people.slug}/participants/export.csv",
                                    query_string={"category": "participant"})
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Фамилия", "Имя", "Отчество"]
    assert sorted(row[0] for row in rows[1:]) == ["Иванов", "Щербаков"]
    organization = next(row[5] for row in rows[1:] if row[0] == "Щербаков")
    assert organization == "'=HYPERLINK(\"http://evil\")"
    phone = rows[1][4]
    assert phone.startswith("'+7")  # a leading + would also start a formula


def test_xlsx_export_has_every_filtered_row_as_text(organizer_client, people):
    response = organizer_client.get(f"/manage/events/{people.slug}/participants/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(PEOPLE)
    assert rows[0][0] == "Фамилия"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    evil = next(cell for cell in cells if cell.value == '=HYPERLINK("http://evil")')
    assert evil.data_type == "s" and evil.quotePrefix  # text, shown as typed, never run as a formula
    assert all(cell.data_type != "f" for cell in cells)
    phones = [row[4] for row in rows[1:]]
    assert all(phone.startswith("+7 ") for phone in phones)  # no stray apostrophe in a workbook


def test_xlsx_export_is_typed_with_a_bold_frozen_filtered_header_in_the_exports_language(organizer_client, people):
    url = f"/manage/events/{people.slug}/participants/export.xlsx"
    workbook = load_workbook(io.BytesIO(organizer_client.get(url).get_data()))
    assert workbook.sheetnames == ["Участники"]
    sheet = workbook.active
    header = sheet[1]
    assert all(cell.font.bold for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{1 + len(PEOPLE)}"
    registered = [row[13] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.is_date and cell.number_format == "DD.MM.YYYY HH:MM" for cell in registered)
    assert all(isinstance(cell.value, datetime) for cell in registered)
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDFN"}
    assert widths["F"] >= len("Технопарк «Техноград»") and 16 <= widths["N"] < 30, widths  # Excel's 13 would clip
    organizer_client.get("/lang/en")
    english = load_workbook(io.BytesIO(organizer_client.get(url).get_data()))
    assert english.sheetnames == ["Participants"] and english.active["A1"].value == "Last name"
    assert english.active["N2"].number_format == "YYYY-MM-DD HH:MM"
    csv_row = organizer_client.get(url.replace(".xlsx", ".csv")).get_data(as_text=True).splitlines()[1]
    assert re.search(r";\d{4}-\d\d-\d\d \d\d:\d\d$", csv_row)  # the CSV's text as before


def test_status_email_is_written_in_the_participants_language(app, organizer_client, make_event, form_data, client):
    event = make_event(moderation=True, members=(organizer_client.email,))
    client.get("/lang/en")
    client.post(f"/events/{event.slug}/register", data=form_data(email="guest@example.org"))
    participant_id = ids_by_email(app)["guest@example.org"]
    url = f"/manage/events/{event.slug}/participants/{participant_id}/status"
    organizer_client.post(url, data={"action": "approve"})
    message = sent_mail(app)[-1]
    assert message["Subject"] == f"Registration confirmed: {event.title_en}"
    assert f"Your registration for «{event.title_en}» is confirmed" in mail_text(message)
    assert event.title not in mail_text(message)
