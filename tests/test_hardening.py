"""Edge cases found in review: revoked links, moderation of cancelled registrations, odd input that must not
become a 500, and production settings."""

import re

import pytest
from sqlalchemy import select

from conference.directories.models import OrganizationType
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action, sent_mail


def link_in(message) -> str:
    return re.search(r"http://localhost(/my/[\w.\-]+)", message.get_body(("plain",)).get_content()).group(1)


def participant(app, email="anna.sidorova@example.org") -> Participant:
    with action(app):
        found = db.session.scalar(select(Participant).where(Participant.email == email))
        db.session.expunge(found)
        return found


def test_changing_the_email_revokes_the_links_sent_to_the_old_one(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    old_link = link_in(sent_mail(app)[0])
    client.post(f"{old_link}/edit", data=form_data(email="new.address@example.org"))
    assert client.get(old_link).status_code == 404
    client.post(f"/events/{event.slug}/link", data={"email": "new.address@example.org"})
    assert "Сидорова" in client.get(link_in(sent_mail(app)[-1])).get_data(as_text=True)


def test_registering_again_after_cancelling_starts_afresh(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    old_link = link_in(sent_mail(app)[0])
    with action(app):
        db.session.scalar(select(Participant)).category = "vip"
        db.session.commit()
    client.post(f"{old_link}/cancel")
    client.post(f"/events/{event.slug}/register", data=form_data())
    assert client.get(old_link).status_code == 404
    revived = participant(app)
    assert (revived.status, revived.category) == ("confirmed", "participant")


def test_approving_never_revives_a_cancelled_registration(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"{link_in(sent_mail(app)[0])}/cancel")
    person = participant(app)
    bulk = f"/manage/events/{event.slug}/participants/bulk"
    organizer_client.post(bulk, data={"action": "approve", "ids": person.id})
    response = organizer_client.post(f"/manage/events/{event.slug}/participants/{person.id}/status",
                                     data={"action": "approve"}, follow_redirects=True)
    assert "Участник сам отменил эту регистрацию" in response.get_data(as_text=True)
    assert participant(app).status == "cancelled"


def test_a_withdrawn_organization_type_stays_for_those_who_have_it(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        db.session.scalar(select(OrganizationType).where(OrganizationType.code == "technopark")).is_active = False
        db.session.commit()
    assert "Технопарк" not in client.get(f"/events/{event.slug}/register").get_data(as_text=True).split(
        'id="organization_type_id"')[1].split("</select>")[0]
    link = link_in(sent_mail(app)[0])
    saved = client.post(f"{link}/edit", data=form_data(position="Инженер"))
    assert saved.status_code == 302 and participant(app).position == "Инженер"


def test_one_bad_filter_value_leaves_the_others_in_force(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(email="b@example.org", last_name="Борисова"))
    client.post(f"{link_in(sent_mail(app)[1])}/cancel")
    body = organizer_client.get(f"/manage/events/{event.slug}/participants/export.csv",
                                query_string={"status": "cancelled", "district_id": "abc"}).get_data().decode()
    assert "Борисова" in body and "Сидорова" not in body


def test_search_reads_yo_as_ye(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data(last_name="Семёнова"))
    for query in ("семенова", "СЕМЁНОВА"):
        page = organizer_client.get(f"/manage/events/{event.slug}/participants/", query_string={"text": query})
        assert "Семёнова Анна" in page.get_data(as_text=True), query


def test_the_list_finds_a_participant_by_phone_however_it_is_typed(app, client, organizer_client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data(phone="+7 916 123-45-67"))
    client.post(f"/events/{event.slug}/register", data=form_data(
        last_name="Другая", email="other@example.org", phone="+7 495 765-43-21"))
    for query in ("+7 916 123-45-67", "89161234567", "8 (916) 123 45 67", "916 1234567", "(916) 123-45-67",
                  "123-45-67"):
        page = organizer_client.get(f"/manage/events/{event.slug}/participants/", query_string={"text": query})
        text = page.get_data(as_text=True)
        assert "Сидорова Анна" in text and "Другая" not in text, query
    # Numbers that are no phone stay as typed.
    client.post(f"/events/{event.slug}/register", data=form_data(
        last_name="Третья", email="third@example.org", organization="Кластер «Индустрия 4.0»"))
    page = organizer_client.get(f"/manage/events/{event.slug}/participants/", query_string={"text": "индустрия 4.0"})
    assert "Третья" in page.get_data(as_text=True) and "Другая" not in page.get_data(as_text=True)


def test_control_characters_are_dropped_not_a_500(app, client, organizer_client, event, form_data):
    response = client.post(f"/events/{event.slug}/register", data=form_data(organization="ООО «Ромашка»\x00\x07"))
    assert response.status_code == 302 and participant(app).organization == "ООО «Ромашка»"
    page = organizer_client.get(f"/manage/events/{event.slug}/participants/", query_string={"text": "ром\x00ашка"})
    assert page.status_code == 200


def test_a_phone_too_long_once_formatted_is_refused_politely(app, client, event, form_data):
    page = client.post(f"/events/{event.slug}/register",
                       data=form_data(phone="+79161234567 доб 123456789012")).get_data(as_text=True)
    assert 'id="phone-errors"' in page


@pytest.mark.parametrize("value", ["²", "1" * 30, "-1", "abc"])
def test_odd_participant_ids_in_a_bulk_action_are_ignored(organizer_client, event, value):
    response = organizer_client.post(f"/manage/events/{event.slug}/participants/bulk",
                                     data={"action": "approve", "ids": value})
    assert response.status_code == 302


def test_far_away_years_are_a_field_error(organizer_client):
    page = organizer_client.post("/manage/events/new", data={
        "slug": "far", "title": "Далеко", "starts_on": "0001-01-01", "ends_on": "0001-01-02",
        "timezone": "Europe/Moscow", "registration_opens_at": "0001-01-01T00:00", "consent_text": "Да",
        "consent_version": "1"}).get_data(as_text=True)
    assert 'id="starts_on-errors"' in page and 'id="registration_opens_at-errors"' in page
    assert "между 2000 и 2100" in page


def test_one_address_cannot_be_flooded_with_links(app_config, event, form_data):
    from conference import create_app

    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, RESEND_LINK_RATE_LIMIT="2 per hour"))
    client = limited.test_client()
    for _ in range(2):
        assert client.post(f"/events/{event.slug}/link", data={"email": "x@example.org"}).status_code == 200
    assert client.post(f"/events/{event.slug}/link", data={"email": "X@example.org "}).status_code == 429
    # The same address with a control character inside, which the form drops, is the same address.
    assert client.post(f"/events/{event.slug}/link", data={"email": "x\x01@example.org"}).status_code == 429
    assert client.post(f"/events/{event.slug}/link", data={"email": "y@example.org"}).status_code == 200


def test_switching_the_email_back_and_forth_cannot_flood_a_mailbox(app_config, event, form_data):
    """Each new email gets a letter with the new link: counted per address with «send the link again», while
    edits that keep the email are not counted at all."""
    import re

    from conference import create_app

    from .conftest import sent_mail

    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, RESEND_LINK_RATE_LIMIT="2 per hour"))
    client = limited.test_client()
    client.post(f"/events/{event.slug}/register", data=form_data(email="own@example.org"))

    def link() -> str:  # from the latest letter that carries one (the old address's notice does not)
        texts = [letter.get_body(("plain",)).get_content() for letter in reversed(sent_mail(limited))]
        return next(found.group(1) for text in texts if (found := re.search(r"http://localhost(/my/[\w.\-]+)", text)))

    for position in ("Инженер", "Главный инженер", "Директор"):  # the email kept: never limited
        assert client.post(f"{link()}/edit", data=form_data(email="own@example.org", position=position)) \
            .status_code == 302
    for address in ("victim@example.org", "own@example.org"):
        assert client.post(f"{link()}/edit", data=form_data(email=address)).status_code == 302
    assert client.post(f"{link()}/edit", data=form_data(email="victim@example.org")).status_code == 302
    assert client.post(f"{link()}/edit", data=form_data(email="own@example.org")).status_code == 302
    refused = client.post(f"{link()}/edit", data=form_data(email="victim@example.org"))
    assert refused.status_code == 429  # the third letter to the same address within the hour
    new_links = [letter["To"] for letter in sent_mail(limited) if "Новая личная ссылка" in letter["Subject"]]
    assert new_links.count("victim@example.org") == 2


def test_production_needs_a_key_a_real_mail_backend_and_its_address(monkeypatch):
    from conference.config import load_config

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("MAIL_BACKEND", raising=False)
    with pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        load_config()
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):  # letters, written by the consumer, link to it
        load_config()
    monkeypatch.setenv("PUBLIC_URL", "https://forum.example.ru")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True and config["SERVER_NAME"] == "forum.example.ru"


def test_https_deployments_send_hsts(app_config):
    from conference import create_app

    secure = create_app(dict(app_config, SESSION_COOKIE_SECURE=True))
    assert "max-age" in secure.test_client().get("/").headers["Strict-Transport-Security"]


def test_behind_a_proxy_each_client_is_counted_apart(app_config, event, form_data):
    from conference import create_app

    app = create_app(dict(app_config, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="1 per minute",
                          TRUST_PROXY_HOPS=1))
    client = app.test_client()
    first = client.post(f"/events/{event.slug}/register", data=form_data(email="a@example.org"),
                        headers={"X-Forwarded-For": "203.0.113.1"})
    second = client.post(f"/events/{event.slug}/register", data=form_data(email="b@example.org"),
                         headers={"X-Forwarded-For": "203.0.113.2"})
    again = client.post(f"/events/{event.slug}/register", data=form_data(email="c@example.org"),
                        headers={"X-Forwarded-For": "203.0.113.1"})
    assert (first.status_code, second.status_code, again.status_code) == (302, 302, 429)


def test_an_id_no_column_can_hold_is_not_found_rather_than_a_server_error(app, client, organizer_client, event):
    """Every <int:…> route, and the «duplicate» link's ?from=, with ids past what PostgreSQL's integer columns hold
    (and past SQLite's 64 bits): 404 or the page without the copy, never 500."""
    huge = "99999999999999999999999"
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", huge).replace(f"<{argument}>", event.slug)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = organizer_client.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)
    assert client.get(f"/events/{event.slug}/sessions/{2**31}.ics").status_code == 404
    page = organizer_client.get(f"/manage/events/{event.slug}/agenda/sessions/new?from={huge}")
    assert page.status_code == 200
