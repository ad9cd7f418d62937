"""The press release after the event: the demo's draft tells the seed's facts in Russian and English; an organizer's
edits are kept, per language, until they draft it again; a save never silently overwrites a colleague's; the DOCX
holds the saved text; bad input is refused in words; only the event's organizers open it."""

import io
import re

import pytest
from docx import Document
from sqlalchemy import select

from conference.demo import DEMO_SLUG, create_demo
from conference.events.services import get_event
from conference.extensions import db
from conference.reports import press
from conference.reports.models import PressRelease
from conference.resolutions.models import Body, Recommendation
from conference.resolutions.services import RecommendationData, load_defaults, save_recommendation

from .agenda_helpers import at, make_room, make_session
from .conftest import action, staff_client

PLENARY = "Наращивание внутренней кооперации как основа для экспортного рывка российской промышленности"
PLENARY_EN = "Building domestic cooperation as the basis of an export breakthrough for Russian industry"
ADDRESSEES = ("Правительство Российской Федерации", "Министерство промышленности и торговли Российской Федерации",
              "Министерство экономического развития Российской Федерации")
ADDRESSEES_EN = ("Government of the Russian Federation", "Ministry of Industry and Trade of the Russian Federation",
                 "Ministry of Economic Development of the Russian Federation")


def docx_paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style, text) of each paragraph, as Word opens the file."""
    return [(paragraph.style.name, paragraph.text) for paragraph in Document(io.BytesIO(data)).paragraphs]


def textarea(page: str) -> str:
    """The text the page's editor holds (unescaped as a browser would)."""
    import html

    return html.unescape(re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", page, re.S).group(1))


def test_the_demos_draft_tells_the_seeds_facts_in_both_languages(app, make_user):
    with app.test_request_context():
        create_demo()
        db.session.commit()
    client = staff_client(app, make_user("organizer", events=(DEMO_SLUG,)))
    manage = f"/manage/events/{DEMO_SLUG}/press-release"

    russian = textarea(client.get(f"{manage}/ru").get_data(as_text=True))
    assert russian.startswith("«Промышленная Россия 4.0»: подведены итоги\n\n")
    assert ("приняли участие более 500 человек из 66 субъектов Российской Федерации от Южно-Сахалинска до "
            "Калининграда (представители федеральных и региональных органов государственной власти") in russian
    assert f"- Пленарное заседание «{PLENARY}»;" in russian
    assert ("- Выездное заседание Экспертного совета по импортозамещению при комитете Государственной Думы по "
            "экономической политике, промышленности, инновационному развитию и предпринимательству (совмещено с "
            "проектной сессией «Инвестиционные ниши промышленных кластеров»);") in russian
    assert "- Семинар «Эффективный технопарк: меры поддержки и практические решения»;" in russian
    assert "- Награждение победителей II Национального рейтинга" in russian
    assert "Обед" not in russian and "Фуршет" not in russian  # breaks and the buffet are no news
    assert "По итогам мероприятия участники приняли 3 рекомендации." in russian
    assert ("Адресаты рекомендаций: Правительство Российской Федерации (рекомендация 1); Министерство "
            "промышленности и торговли Российской Федерации (рекомендации 1, 2); Министерство экономического "
            "развития Российской Федерации (рекомендация 3).") in russian
    assert "\n\n3. Ассоциации развития кластеров и технопарков России по итогам проведения" in russian

    english = textarea(client.get(f"{manage}/en").get_data(as_text=True))
    assert english.startswith("“Industrial Russia 4.0”: the results\n\n")
    assert "from 66 federal subjects of Russia from Yuzhno-Sakhalinsk to Kaliningrad" in english
    assert f"- Plenary session “{PLENARY_EN}”;" in english
    assert "(combined with the project session “Investment niches of industrial clusters”)" in english
    assert "At the close of the event the participants adopted 3 recommendations." in english
    for name in ADDRESSEES_EN:
        assert name in english
    assert not re.search("[А-Яа-яЁё«»]", english), "Russian words or quotes in the English text"

    # Nobody saved it yet: the DOCX is the draft, its facts in Word's paragraphs, the program as a bulleted list.
    paragraphs = docx_paragraphs(client.get(f"{manage}/ru.docx").data)
    texts = "\n".join(text for _style, text in paragraphs)
    assert paragraphs[0] == ("Heading 1", "«Промышленная Россия 4.0»: подведены итоги")
    assert paragraphs[1][1].replace("\u202f", " ") == "23 ноября 2018 г., Москва"  # (CLDR's narrow space)
    assert "из 66 субъектов Российской Федерации от Южно-Сахалинска до Калининграда" in texts
    assert ("List Bullet", f"Пленарное заседание «{PLENARY}»;") in paragraphs
    for name in ADDRESSEES:
        assert name in texts
    with app.app_context():
        assert db.session.scalar(select(PressRelease.id)) is None  # opening and downloading saved nothing


@pytest.fixture
def forum(app, event):
    """A small event: a plenary, an adopted recommendation to a ministry."""
    with action(app):
        load_defaults()
        make_session(event, make_room(event), at(event, 0, 10), at(event, 0, 12), kind="plenary",
                     title="Промышленность регионов")
        ministry = db.session.scalar(select(Body).where(Body.name_ru == ADDRESSEES[1]))
        save_recommendation(event, Recommendation(), RecommendationData(
            text="Рекомендовать расширить программы кредитования.", status="adopted", adopted_on=event.starts_on,
            body_ids=[ministry.id]))
    return f"/manage/events/{event.slug}/press-release"


EDITED = "Итоги форума\n\nПервый абзац, исправленный.\n- пункт программы;\n- ещё пункт.\n\nВторой абзац."


def test_edits_are_kept_per_language_and_drafting_again_replaces_them(app, organizer_client, event, forum):
    page = organizer_client.get(f"{forum}/ru").get_data(as_text=True)
    assert "Черновик по данным, ещё не сохранён." in page
    assert "- Пленарное заседание «Промышленность регионов»." in textarea(page)
    assert 'lang="ru"' in re.search(r"<textarea[^>]*>", page).group(0)

    response = organizer_client.post(f"{forum}/ru", data={"text": EDITED.replace("\n", "\r\n") + "  \n\n\n",
                                                          "version": ""})
    assert response.status_code == 302
    page = organizer_client.get(f"{forum}/ru").get_data(as_text=True)
    assert textarea(page) == EDITED
    assert "Пресс-релиз сохранён." in page and "Сохранён " in page
    assert "Данные изменились" not in page
    assert textarea(organizer_client.get(f"{forum}/en").get_data(as_text=True)).startswith(
        "“Industrial forum"), "the English text is its own"

    paragraphs = docx_paragraphs(organizer_client.get(f"{forum}/ru.docx").data)
    assert paragraphs[0] == ("Heading 1", "Итоги форума")
    assert paragraphs[1][1].endswith(", Москва") and str(event.starts_on.year) in paragraphs[1][1]
    assert paragraphs[2:] == [("Normal", "Первый абзац, исправленный."), ("List Bullet", "пункт программы;"),
                              ("List Bullet", "ещё пункт."), ("Normal", "Второй абзац.")]

    # The data change (a second recommendation adopted): the page says so and shows the new draft, the text stays.
    with action(app):
        save_recommendation(get_event(event.slug), Recommendation(), RecommendationData(
            text="Рекомендовать поддержать технопарки.", status="adopted", adopted_on=event.starts_on))
    page = organizer_client.get(f"{forum}/ru").get_data(as_text=True)
    assert "Данные изменились с тех пор, как текст был составлен" in page
    assert textarea(page) == EDITED
    assert "участники приняли 2 рекомендации" in page  # in the draft from today's data

    confirmation = organizer_client.get(f"{forum}/ru/redraft").get_data(as_text=True)
    assert "правки в нём пропадут" in confirmation
    assert textarea(organizer_client.get(f"{forum}/ru").get_data(as_text=True)) == EDITED  # asking changed nothing
    assert organizer_client.post(f"{forum}/ru/redraft").status_code == 302
    page = organizer_client.get(f"{forum}/ru").get_data(as_text=True)
    assert "Первый абзац, исправленный." not in textarea(page)
    assert "участники приняли 2 рекомендации" in textarea(page)
    assert "Данные изменились" not in page
    with action(app):
        row = press.press_release(get_event(event.slug), "ru")
        assert row.text == row.drafted and row.version == 2


def test_a_save_never_overwrites_a_colleagues_unseen(app, organizer_client, make_user, event, forum):
    colleague = staff_client(app, make_user("organizer", events=(event,)))
    assert organizer_client.post(f"{forum}/ru", data={"text": "Версия первого", "version": ""}).status_code == 302
    # The colleague's page showed the draft (no version): their save is refused, their text stays on the page.
    refused = colleague.post(f"{forum}/ru", data={"text": "Версия второго", "version": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Пока вы редактировали, текст сохранил кто-то другой" in page
    assert textarea(page) == "Версия второго"
    assert "Версия первого" in page.split("</textarea>")[1]  # the other text, under the form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert version == "1"
    # Saving again, having seen the other text, keeps theirs.
    assert colleague.post(f"{forum}/ru", data={"text": "Версия второго", "version": version}).status_code == 302
    assert organizer_client.post(f"{forum}/ru", data={"text": "Поздно", "version": "1"}).status_code == 200
    with action(app):
        row = press.press_release(get_event(event.slug), "ru")
        assert (row.text, row.version) == ("Версия второго", 2)


@pytest.mark.parametrize(("data", "words"), [
    ({"text": "  \n ", "version": ""}, "Введите текст: пустой пресс-релиз сохранить нельзя."),
    ({"text": "я" * (press.MAX_LENGTH + 1), "version": ""},
     f"Текст слишком длинный: не более {press.MAX_LENGTH} знаков."),
    ({"text": "Текст", "version": "abc"}, "Страница устарела: обновите её."),
    ({"text": "Текст", "version": "99999999999"}, "Страница устарела: обновите её."),
])
def test_bad_input_is_refused_in_words(app, organizer_client, event, forum, data, words):
    response = organizer_client.post(f"{forum}/ru", data=data)
    assert response.status_code == 200
    assert words in response.get_data(as_text=True)
    with action(app):
        assert db.session.scalar(select(PressRelease.id)) is None


def test_characters_a_word_document_cannot_hold_are_dropped(app, organizer_client, event, forum):
    organizer_client.post(f"{forum}/en", data={"text": "Title\x00\x0b\ufffe\n\nText\x1f.", "version": ""})
    paragraphs = docx_paragraphs(organizer_client.get(f"{forum}/en.docx").data)
    assert paragraphs[0] == ("Heading 1", "Title") and paragraphs[2] == ("Normal", "Text.")
    assert organizer_client.get(f"{forum}/de").status_code == 404


def test_only_the_events_organizers_open_it(app, client, make_user, make_event, checkin_client, event, forum):
    other = staff_client(app, make_user("organizer", events=(make_event(),)))
    for method, url in [("GET", f"{forum}/ru"), ("POST", f"{forum}/ru"), ("GET", f"{forum}/en.docx"),
                        ("GET", f"{forum}/ru/redraft"), ("POST", f"{forum}/ru/redraft")]:
        assert other.open(url, method=method, data={"text": "x", "version": ""}).status_code == 404, url
        assert checkin_client.open(url, method=method, data={"text": "x", "version": ""}).status_code == 403, url
        assert client.open(url, method=method).status_code == 302, url
    with action(app):
        assert db.session.scalar(select(PressRelease.id)) is None
