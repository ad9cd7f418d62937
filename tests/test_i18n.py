"""Russian first, English second: the catalogue is complete, plurals and dates are Russian."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from conference.i18n import date_range, local_datetime

CATALOGUE = Path(__file__).parent.parent / "conference" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def test_every_message_has_a_russian_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [message.id for message in catalogue if message.id and not (
        all(message.string) if isinstance(message.string, tuple) else message.string)]
    assert missing == []
    assert catalogue.num_plurals == 3


def test_the_catalogue_knows_every_message_in_the_code(tmp_path):
    """A message added to the code without `make extract-messages` would stay English on a Russian page."""
    from babel.messages.frontend import CommandLineInterface

    template = tmp_path / "messages.pot"
    root = Path(__file__).parent.parent
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "_l",
                                "-o", str(template), str(root)])
    with template.open("rb") as handle:
        wanted = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)}
    with CATALOGUE.open("rb") as handle:
        known = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)}
    assert sorted(wanted - known - {""}) == []


def test_russian_plural_forms(app):
    with app.test_request_context(), force_locale("ru"):
        found = [ngettext("%(num)d participant found", "%(num)d participants found", n) for n in (1, 3, 5, 21, 11)]
    assert found == ["Найден 1 участник", "Найдено 3 участника", "Найдено 5 участников", "Найден 21 участник",
                     "Найдено 11 участников"]


def test_dates_the_russian_way(app):
    with app.test_request_context(), force_locale("ru"):
        # CLDR puts a narrow no-break space before «г.»
        assert date_range(date(2018, 11, 23), date(2018, 11, 23)) == "23 ноября 2018\u202fг."
        assert date_range(date(2018, 11, 22), date(2018, 11, 23)) == "22–23 ноября 2018\u202fг."
        assert date_range(date(2018, 11, 30), date(2018, 12, 1)) == "30 ноября – 1 декабря 2018\u202fг."
        assert date_range(date(2018, 12, 31), date(2019, 1, 1)) == "31 декабря 2018\u202fг. – 1 января 2019\u202fг."
    with app.test_request_context(), force_locale("en"):
        assert date_range(date(2018, 11, 23), date(2018, 11, 23)) == "November 23, 2018"
        assert date_range(date(2018, 11, 22), date(2018, 11, 23)) == "November 22–23, 2018"
        assert date_range(date(2018, 11, 30), date(2018, 12, 1)) == "November 30 – December 1, 2018"
        assert date_range(date(2018, 12, 31), date(2019, 1, 1)) == "December 31, 2018 – January 1, 2019"


def test_date_and_time_the_way_each_language_writes_them(app):
    """The same order as the dates beside them: the month first in English."""
    plenary = datetime(2018, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    expected = {"ru": ("23 ноября 2018, 10:00", "23 ноября, 10:00"), "en": ("November 23, 2018, 10:00",
                                                                           "November 23, 10:00")}
    for language, (long, short) in expected.items():
        with app.test_request_context(), force_locale(language):
            assert local_datetime(plenary, "Europe/Moscow") == long
            assert local_datetime(plenary, "Europe/Moscow", "d MMMM, HH:mm") == short


def test_english_is_one_click_away_and_sticks(client, event):
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Фамилия" in page and 'lang="ru"' in page
    response = client.get(f"/lang/en?next=/events/{event.slug}/register")
    assert response.location == f"/events/{event.slug}/register"
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Last name" in page and "Фамилия" not in page and event.title_en in page
    assert "Far Eastern Federal District" in page and "Sakhalin Oblast" in page
    assert client.get("/lang/en?next=https://evil.example/").location == "/"


def test_english_form_errors_are_english(client, event, form_data):
    client.get("/lang/en")
    page = client.post(f"/events/{event.slug}/register", data=form_data(last_name="", email="x")).get_data(as_text=True)
    assert "This field is required." in page and "Enter a valid email address." in page


def test_a_first_visit_follows_the_browsers_language_until_the_visitor_chooses(app, event):
    path = f"/events/{event.slug}/register"
    for header, language in (("en-US,en;q=0.9", "en"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("de-DE,de;q=0.9", "ru"),
                             ("de;q=1, en;q=0.5", "en"), ("", "ru")):
        answer = app.test_client().get(path, headers={"Accept-Language": header} if header else {})
        assert f'<html lang="{language}"' in answer.get_data(as_text=True), header
        assert "Accept-Language" in answer.headers.get("Vary", ""), header  # a shared cache keeps them apart

    english_browser = app.test_client()
    english_browser.get("/lang/ru")  # chosen on the page: the browser's English no longer decides
    answer = english_browser.get(path, headers={"Accept-Language": "en-US,en"})
    assert '<html lang="ru"' in answer.get_data(as_text=True)
    assert "Accept-Language" not in answer.headers.get("Vary", "")


def test_a_private_link_opens_in_the_participants_language_in_a_fresh_browser(app, client, event, form_data):
    from .conftest import mail_text, sent_mail

    client.get("/lang/en")
    client.post(f"/events/{event.slug}/register", data=form_data())
    letter = mail_text(sent_mail(app)[-1])
    link = re.search(r"http://localhost(/my/[\w.\-]+)", letter).group(1)

    fresh = app.test_client()  # another device, a Russian browser, nothing chosen yet
    page = fresh.get(link, headers={"Accept-Language": "ru-RU,ru"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "Cancel my registration" in page
    assert '<html lang="en"' in fresh.get(f"/events/{event.slug}").get_data(as_text=True)  # and stays so

    chose_russian = app.test_client()
    chose_russian.get("/lang/ru")  # a visitor's own choice wins over the link's language
    assert '<html lang="ru"' in chose_russian.get(link).get_data(as_text=True)


def test_my_data_names_the_language_of_the_registration_in_the_pages_language(app, client, event, form_data):
    """Not «ru» or «en»: the language's name, as the page's language writes it."""
    link = client.post(f"/events/{event.slug}/register", data=form_data()).headers["Location"].removesuffix(
        "/registered")
    russian = client.get(f"{link}/data").get_data(as_text=True)
    assert re.search(r"<dt>Язык</dt><dd>Русский</dd>", russian)
    client.get("/lang/en")
    english = client.get(f"{link}/data").get_data(as_text=True)
    assert re.search(r"<dt>Language</dt><dd>Russian</dd>", english)
    english_guest = app.test_client()
    english_guest.get("/lang/en")
    other = english_guest.post(f"/events/{event.slug}/register", data=form_data(email="guest@example.org"))
    assert re.search(r"<dd>English</dd>", english_guest.get(
        other.headers["Location"].removesuffix("/registered") + "/data").get_data(as_text=True))
    client.get("/lang/ru")
    assert re.search(r"<dd>Английский</dd>", client.get(
        other.headers["Location"].removesuffix("/registered") + "/data").get_data(as_text=True))
