"""Public registration and the private self-service link, through the Flask test client."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action, mail_text, sent_mail


def count_participants(app) -> int:
    with action(app):
        return db.session.scalar(select(func.count()).select_from(Participant))


def only_participant(app) -> Participant:
    with action(app):
        participant = db.session.scalars(select(Participant)).one()
        db.session.expunge(participant)
        return participant


def private_link(message) -> str:
    return re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(message)).group(1)


def test_form_speaks_russian_and_groups_regions_by_district(client, event):
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Фамилия" in page and "Отчество" in page and "152-ФЗ" in page
    assert '<optgroup label="Дальневосточный федеральный округ">' in page
    assert "Сахалинская область" in page
    assert f"/events/{event.slug}/consent" in page


def test_registration_saves_the_participant_and_emails_a_private_link(app, client, event, form_data, refs):
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302 and "/registered" in response.location

    participant = only_participant(app)
    assert participant.full_name == "Сидорова Анна Петровна"
    assert participant.phone == "+7 916 123-45-67"  # normalized
    assert participant.status == "confirmed"  # moderation is off
    assert participant.subject_id == refs["subject"]["SAK"] and participant.country_id is None
    assert participant.consent_version == "2026-1" and participant.consent_given_at is not None

    confirmation = client.get(response.location).get_data(as_text=True)
    assert "Вы зарегистрированы" in confirmation and "anna.sidorova@example.org" in confirmation

    [message] = sent_mail(app)
    assert message["To"] == "anna.sidorova@example.org"
    assert event.title in message["Subject"]
    own_page = client.get(private_link(message)).get_data(as_text=True)
    assert "Сидорова Анна Петровна" in own_page and "Подтверждена" in own_page


def test_with_moderation_the_status_is_pending(app, client, make_event, form_data):
    event = make_event(moderation=True)
    client.post(f"/events/{event.slug}/register", data=form_data())
    assert only_participant(app).status == "pending"
    [message] = sent_mail(app)
    assert "рассматривают" in mail_text(message) or "одобр" in mail_text(message)


def test_foreign_guest_picks_a_country(app, client, event, form_data, refs):
    data = form_data(residence="foreign", subject_id="0", country_id=str(refs["country"]["KZ"]), city="Астана")
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 302
    participant = only_participant(app)
    assert participant.country_id == refs["country"]["KZ"] and participant.subject_id is None


def test_region_or_country_is_required_for_the_chosen_residence(app, client, event, form_data):
    page = client.post(f"/events/{event.slug}/register", data=form_data(subject_id="0")).get_data(as_text=True)
    assert "Выберите ваш регион" in page
    page = client.post(f"/events/{event.slug}/register",
                       data=form_data(residence="foreign", country_id="0")).get_data(as_text=True)
    assert "Выберите вашу страну" in page
    assert count_participants(app) == 0


@pytest.mark.parametrize("field", ["last_name", "first_name", "email", "organization", "position"])
def test_each_required_field_says_it_is_required_and_keeps_the_rest(app, client, event, form_data, field):
    response = client.post(f"/events/{event.slug}/register", data=form_data(**{field: ""}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in page and "Обязательное поле" in page
    assert "Директор по развитию" in page or field == "position"  # what was typed is still there
    assert count_participants(app) == 0


def test_missing_consent_and_organization_type_are_refused(app, client, event, form_data):
    data = form_data(organization_type_id="0")
    del data["consent"]
    page = client.post(f"/events/{event.slug}/register", data=data).get_data(as_text=True)
    assert "согласие на обработку персональных данных" in page
    assert "Выберите тип организации" in page
    assert count_participants(app) == 0


@pytest.mark.parametrize("field", ["last_name", "first_name", "patronymic", "organization", "position", "city",
                                   "email", "phone"])
def test_oversized_fields_are_refused(app, client, event, form_data, field):
    page = client.post(f"/events/{event.slug}/register", data=form_data(**{field: "Я" * 10_000})).get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    assert count_participants(app) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "not-an-email", "Введите корректный адрес электронной почты"),
    ("phone", "12345", "Введите номер телефона"),
    ("last_name", "<script>alert(1)</script>", "Используйте только буквы"),
    ("first_name", "Анна2", "Используйте только буквы"),
    ("patronymic", "<b>Петровна</b>", "Используйте только буквы"),
    ("organization_type_id", "not-a-number", "тип организации"),
    ("subject_id", "999999", "Неверный вариант"),
])
def test_malformed_fields_get_a_message_beside_them(app, client, event, form_data, field, value, message):
    page = client.post(f"/events/{event.slug}/register", data=form_data(**{field: value})).get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    errors = page.split(f'id="{field}-errors"', 1)[1].split("</ul>", 1)[0]
    assert message.lower() in errors.lower()
    assert "<script>alert(1)</script>" not in page  # what was typed comes back escaped
    assert count_participants(app) == 0


def test_markup_in_free_text_is_stored_as_text_and_escaped(app, client, event, form_data, organizer_client):
    organization = '<img src=x onerror=alert(1)> ООО «Ромашка»'
    client.post(f"/events/{event.slug}/register", data=form_data(organization=organization))
    assert only_participant(app).organization == organization
    listing = organizer_client.get(f"/manage/events/{event.slug}/participants/").get_data(as_text=True)
    assert "<img src=x" not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing


def test_the_same_email_twice_answers_as_the_resend_page_does_and_sends_that_address_its_link(
        app, client, event, form_data):
    """A second registration with a registered address must not tell the sender who attends: the answer is the
    resend page's, and the letter with the private link goes to the address, not to whoever typed it."""
    client.post(f"/events/{event.slug}/register", data=form_data())
    again = client.post(f"/events/{event.slug}/register",
                        data=form_data(email=" Anna.Sidorova@Example.org ", last_name="Чужой"))
    unknown = client.post(f"/events/{event.slug}/link", data={"email": "nobody@example.org"})
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "Проверьте почту" in page and "уже зарегистрирован" not in page
    def answer(html: str, email: str) -> str:  # the page's own part, the address put aside
        return re.search(r'<section class="narrow">.*?</section>', html, re.S).group(0).replace(email, "‹email›")

    assert answer(page, "Anna.Sidorova@Example.org") == answer(unknown.get_data(as_text=True), "nobody@example.org")
    assert count_participants(app) == 1
    assert only_participant(app).last_name != "Чужой"  # nothing of the second form was saved
    messages = sent_mail(app)
    assert [message["To"] for message in messages] == ["anna.sidorova@example.org"] * 2
    assert "личная ссылка" in messages[-1]["Subject"].lower() and "/my/" in mail_text(messages[-1])


def test_letters_to_a_registered_address_from_the_registration_form_keep_the_per_address_limit(
        app_config, event, form_data):
    """One budget per address for every letter with a link, whichever page asks for it: «send the link again» and a
    second registration share it, and the registration form refuses quietly."""
    from conference import create_app

    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, RESEND_LINK_RATE_LIMIT="2 per hour"))
    limited.test_client().post(f"/events/{event.slug}/register", data=form_data())
    assert limited.test_client().post(f"/events/{event.slug}/link",
                                      data={"email": "anna.sidorova@example.org"}).status_code == 200
    answers = [limited.test_client().post(f"/events/{event.slug}/register", data=form_data()) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {200}  # never a 429: that would tell the address is known
    assert all("Проверьте почту" in answer.get_data(as_text=True) for answer in answers)
    assert len(sent_mail(limited)) == 1 + 2  # the registration's letter, then two links: the budget
    assert limited.test_client().post(f"/events/{event.slug}/link",
                                      data={"email": "Anna.Sidorova@example.org"}).status_code == 429


def test_resend_page_does_not_tell_whether_an_address_is_registered(app, client, event):
    page = client.post(f"/events/{event.slug}/link", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "Проверьте почту" in page
    assert sent_mail(app) == []


def test_unknown_event_is_a_clear_404(client):
    response = client.get("/events/no-such-event/register")
    assert response.status_code == 404 and "Страница не найдена" in response.get_data(as_text=True)


@pytest.mark.parametrize(("fields", "heading"), [
    ({"registration_closes_at": datetime.now(UTC) - timedelta(days=1)}, "Регистрация закрыта"),
    ({"registration_opens_at": datetime.now(UTC) + timedelta(days=3)}, "Регистрация ещё не открыта"),
    # No closing time of its own: registration closes when the event is over (the demo's 2018 forum, in 2026).
    ({"starts_on": date.today() - timedelta(days=3), "ends_on": date.today() - timedelta(days=2)},
     "Регистрация закрыта"),
])
def test_closed_or_not_yet_open_registration_has_a_clear_page(app, client, make_event, form_data, fields, heading):
    event = make_event(**fields)
    assert heading in client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert heading in client.post(f"/events/{event.slug}/register", data=form_data()).get_data(as_text=True)
    assert count_participants(app) == 0


def test_an_organizer_may_keep_registration_open_after_the_event(app, client, make_event, form_data):
    event = make_event(starts_on=date.today() - timedelta(days=3), ends_on=date.today() - timedelta(days=2),
                       registration_closes_at=datetime.now(UTC) + timedelta(days=7))
    assert client.post(f"/events/{event.slug}/register", data=form_data()).status_code == 302
    assert count_participants(app) == 1


def test_a_full_event_refuses_the_next_registration(app, client, make_event, form_data):
    event = make_event(capacity=1)
    client.post(f"/events/{event.slug}/register", data=form_data())
    page = client.post(f"/events/{event.slug}/register", data=form_data(email="second@example.org"))
    assert "Все места заняты" in page.get_data(as_text=True)
    assert count_participants(app) == 1


def test_self_service_edit_and_cancel(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    link = private_link(sent_mail(app)[0])

    edit_page = client.get(f"{link}/edit").get_data(as_text=True)
    assert 'value="Сидорова"' in edit_page
    saved = client.post(f"{link}/edit", data=form_data(position="Генеральный директор", phone="+7 495 123 45 67"))
    assert saved.status_code == 302
    participant = only_participant(app)
    assert participant.position == "Генеральный директор" and participant.phone == "+7 495 123-45-67"

    refused = client.post(f"{link}/edit", data=form_data(last_name=""))
    assert "Обязательное поле" in refused.get_data(as_text=True)
    assert only_participant(app).last_name == "Сидорова"  # nothing saved is lost

    assert "Отменить регистрацию?" in client.get(f"{link}/cancel").get_data(as_text=True)
    client.post(f"{link}/cancel")
    assert only_participant(app).status == "cancelled"
    assert "отменена" in sent_mail(app)[-1]["Subject"].lower()

    # Registering again after cancelling revives the same record.
    client.post(f"/events/{event.slug}/register", data=form_data())
    assert count_participants(app) == 1 and only_participant(app).status == "confirmed"


def test_a_new_email_gets_a_new_link_there_and_the_page_follows_it(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    old_link = private_link(sent_mail(app)[0])
    saved = client.post(f"{old_link}/edit", data=form_data(email="New.Address@Example.org"))
    assert saved.status_code == 302 and saved.location != old_link
    page = client.get(saved.location)
    assert page.status_code == 200 and "Изменения сохранены" in page.get_data(as_text=True)
    letter, notice = sent_mail(app)[-2:]
    assert letter["To"] == "new.address@example.org" and "Новая личная ссылка" in letter["Subject"]
    assert private_link(letter) == saved.location
    # The old address is told, with neither the new link nor the new address.
    assert notice["To"] == form_data()["email"] and "изменён" in notice["Subject"]
    assert "/my/" not in mail_text(notice) and "new.address" not in mail_text(notice)
    assert "напишите организаторам" in mail_text(notice)
    assert "Ссылки из прежних писем больше не открываются" in mail_text(letter)
    assert client.get(old_link).status_code == 404  # whoever reads the old mailbox is out

    # An organizer changing it does the same: the participant gets the new link at the new address.
    participant_id = only_participant(app).id
    organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}",
                   data=form_data(email="third@example.org", category="participant", status="confirmed"))
    letter = sent_mail(app)[-2]
    assert letter["To"] == "third@example.org" and client.get(private_link(letter)).status_code == 200
    assert client.get(saved.location).status_code == 404


def test_tampered_and_expired_links_are_refused(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    link = private_link(sent_mail(app)[0])
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(tampered)
    # Not a bare 404: the page says what happened and leads to «send the link again» of the event.
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Ссылка не действует" in page
    assert f'href="/events/{event.slug}/link"' in page
    assert client.post(f"{tampered}/cancel").status_code == 404

    app.config["SELF_SERVICE_LINK_DAYS"] = -1  # every link is now older than allowed
    expired = client.get(link)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 410 and "Срок действия ссылки истёк" in page
    assert f'href="/events/{event.slug}/link"' in page
    assert only_participant(app).status == "confirmed"


def test_a_link_for_one_event_does_not_open_a_participant_of_another(app, client, make_event, form_data):
    first, second = make_event(), make_event()
    client.post(f"/events/{first.slug}/register", data=form_data())
    client.post(f"/events/{second.slug}/register", data=form_data(email="other@example.org", last_name="Другая"))
    links = [private_link(message) for message in sent_mail(app)]
    assert "Сидорова" in client.get(links[0]).get_data(as_text=True)
    assert "Другая" in client.get(links[1]).get_data(as_text=True)
    assert "Другая" not in client.get(links[0]).get_data(as_text=True)


def test_registration_is_rate_limited(app_config, event, form_data):
    from conference import create_app

    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="2 per minute"))
    client = limited.test_client()
    for number in range(2):
        assert client.post(f"/events/{event.slug}/register",
                           data=form_data(email=f"n{number}@example.org")).status_code == 302
    blocked = client.post(f"/events/{event.slug}/register", data=form_data(email="third@example.org"))
    assert blocked.status_code == 429 and "Подождите минуту" in blocked.get_data(as_text=True)
    assert count_participants(limited) == 2


def test_security_headers_are_set(client, event):
    headers = client.get(f"/events/{event.slug}/register").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_region_is_marked_required_without_stopping_those_abroad(client, event):
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    for name in ("subject_id", "country_id"):
        label = re.search(rf'<label for="{name}">[^<]*</label>(<span class="required"[^>]*>\*</span>)?', page)
        assert label.group(1), name  # the star, as beside every required field
        assert not re.search(rf'<select[^>]*id="{name}"[^>]*required', page), name


@pytest.mark.parametrize("field", ["position", "organization", "city"])
def test_emoji_a_badge_cannot_print_are_refused_at_the_field(app, client, event, form_data, field):
    page = client.post(f"/events/{event.slug}/register", data=form_data(**{field: "Директор 🚀"}))
    assert "Уберите эмодзи: на бейдже они не печатаются." in page.get_data(as_text=True)
    assert count_participants(app) == 0
    # Letters of any alphabet and the signs Russian texts use stay.
    assert client.post(f"/events/{event.slug}/register", data=form_data(
        **{field: "ООО «Завод № 1» — Ёлкин & Co"})).status_code == 302
