"""Recommendations: the organizer's list and form, follow-up with the addressees, the bodies and projects lists,
and the public page of adopted recommendations."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from conference import create_app
from conference.accounts.services import add_member, create_user
from conference.extensions import db
from conference.resolutions import services
from conference.resolutions.models import Addressee, Body, Project, Recommendation

from .agenda_helpers import at, make_room, make_session
from .conftest import PASSWORD, action


@pytest.fixture
def lists(app):
    """The default bodies and projects (the test template database has none), by Russian name."""
    with action(app):
        services.load_defaults()
        return {"body": {body.name_ru: body.id for body in services.bodies()},
                "project": {project.name_ru: project.id for project in services.projects()}}


@pytest.fixture
def minpromtorg(lists):
    return lists["body"]["Министерство промышленности и торговли Российской Федерации"]


@pytest.fixture
def sessions(app, event):
    with action(app):
        hall = make_room(event)
        return {"plenary": make_session(event, hall, at(event, 0, 10), at(event, 0, 12), kind="plenary",
                                        title="Пленарное заседание"),
                "briefing": make_session(event, hall, at(event, 0, 8), at(event, 0, 9), kind="break",
                                         title="Инструктаж волонтёров", is_public=False)}


def manage_url(event, tail: str = "") -> str:
    return f"/manage/events/{event.slug}/recommendations/{tail}"


def form(text="Рекомендовать Минпромторгу России расширить программы поддержки.", status="draft",
         adopted_on="", **lists) -> dict:
    data = {"text": text, "status": status, "adopted_on": adopted_on}
    data.update({name: [str(value) for value in values] for name, values in lists.items()})
    return data


def recommendations(app, event) -> list[Recommendation]:
    with action(app):
        rows = services.recommendations_of(event)
        for row in rows:  # loaded here, read after the context is gone
            db.session.expunge(row)
        return rows


def texts(app, event) -> list[tuple[int, str]]:
    return [(row.position, row.text) for row in recommendations(app, event)]


def add(app, event, text: str, status="draft", adopted_on=None, **lists) -> int:
    with action(app):
        recommendation = services.save_recommendation(event, Recommendation(), services.RecommendationData(
            text=text, status=status, adopted_on=adopted_on, **lists))
        return recommendation.id


# ---- the organizer's form ----------------------------------------------------------------------------------

def test_create_and_edit_with_addressees_sessions_and_projects(app, organizer_client, event, lists, minpromtorg,
                                                                sessions):
    export = lists["project"]["Промышленный экспорт"]
    fund = lists["body"]["Фонд развития промышленности"]
    page = organizer_client.get(manage_url(event, "new")).get_data(as_text=True)
    assert "Пленарное заседание" in page and "Промышленный экспорт" in page and "Фонд развития промышленности" in page

    response = organizer_client.post(manage_url(event, "new"), data=form(
        text="Первый абзац.\r\n\r\n\r\nВторой абзац.", body_ids=[minpromtorg, fund],
        session_ids=[sessions["plenary"]], project_ids=[export]))
    assert response.status_code == 302, response.get_data(as_text=True)
    [saved] = recommendations(app, event)
    assert saved.position == 1 and saved.status == "draft" and saved.text == "Первый абзац.\n\nВторой абзац."
    assert sorted(addressee.body_id for addressee in saved.addressees) == sorted([minpromtorg, fund])
    assert [session.id for session in saved.sessions] == [sessions["plenary"]]
    assert [project.id for project in saved.projects] == [export]

    listing = organizer_client.get(manage_url(event)).get_data(as_text=True)
    assert "Первый абзац." in listing and "Второй абзац." not in listing  # the first paragraph only
    assert "Министерство промышленности и торговли Российской Федерации" in listing

    edit_url = manage_url(event, str(saved.id))
    page = organizer_client.get(edit_url).get_data(as_text=True)
    assert "Второй абзац." in page and f'<option selected value="{minpromtorg}">' in page
    response = organizer_client.post(edit_url, data=form(
        text="Исправленный текст.", status="adopted", adopted_on="2018-11-23", body_ids=[fund], project_ids=[]))
    assert response.status_code == 302
    [saved] = recommendations(app, event)
    assert (saved.text, saved.status, saved.adopted_on) == ("Исправленный текст.", "adopted", date(2018, 11, 23))
    assert [addressee.body_id for addressee in saved.addressees] == [fund]
    assert saved.sessions == [] and saved.projects == []


def test_adopted_without_a_date_is_refused_under_the_date_field(app, organizer_client, event, lists):
    response = organizer_client.post(manage_url(event, "new"), data=form(status="adopted"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="adopted_on-errors"' in page and 'aria-invalid="true"' in page
    assert "Рекомендовать Минпромторгу России" in page  # what was typed is still there
    assert recommendations(app, event) == []


def test_empty_text_is_refused(app, organizer_client, event, lists):
    page = organizer_client.post(manage_url(event, "new"), data=form(text=" \n\n ")).get_data(as_text=True)
    assert 'id="text-errors"' in page
    assert recommendations(app, event) == []


def test_a_session_of_another_event_is_refused(app, organizer_client, event, make_event, lists):
    other = make_event()
    with action(app):
        elsewhere = make_session(other, make_room(other), at(other, 0, 10), at(other, 0, 11), title="Чужая сессия")
    response = organizer_client.post(manage_url(event, "new"), data=form(session_ids=[elsewhere]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="session_ids-errors"' in page
    assert recommendations(app, event) == []


def test_a_recommendation_of_another_event_is_not_found(app, organizer_client, event, make_event, lists):
    other = make_event()
    foreign = add(app, other, "Чужая рекомендация.")
    assert organizer_client.get(manage_url(event, str(foreign))).status_code == 404
    assert organizer_client.post(manage_url(event, f"{foreign}/delete")).status_code == 404
    assert organizer_client.post(manage_url(event, f"{foreign}/move"), data={"direction": "up"}).status_code == 404
    assert texts(app, other) == [(1, "Чужая рекомендация.")]


# ---- order ---------------------------------------------------------------------------------------------------

def test_move_up_and_down_renumbers(app, organizer_client, event, lists):
    first, second, third = (add(app, event, text) for text in ("Первая.", "Вторая.", "Третья."))
    assert organizer_client.post(manage_url(event, f"{third}/move"), data={"direction": "up"}).status_code == 302
    assert texts(app, event) == [(1, "Первая."), (2, "Третья."), (3, "Вторая.")]
    organizer_client.post(manage_url(event, f"{first}/move"), data={"direction": "down"})
    assert texts(app, event) == [(1, "Третья."), (2, "Первая."), (3, "Вторая.")]
    organizer_client.post(manage_url(event, f"{second}/move"), data={"direction": "down"})  # already last
    assert texts(app, event) == [(1, "Третья."), (2, "Первая."), (3, "Вторая.")]
    assert organizer_client.post(manage_url(event, f"{first}/move"), data={"direction": "sideways"}).status_code == 400


def test_delete_asks_first_then_renumbers(app, organizer_client, event, lists, minpromtorg):
    add(app, event, "Первая.")
    second = add(app, event, "Вторая.", body_ids=[minpromtorg])
    add(app, event, "Третья.")
    page = organizer_client.get(manage_url(event, f"{second}/delete")).get_data(as_text=True)
    assert "Вторая." in page and "<form method=\"post\">" in page
    assert len(texts(app, event)) == 3  # looking at the confirmation deletes nothing
    assert organizer_client.post(manage_url(event, f"{second}/delete")).status_code == 302
    assert texts(app, event) == [(1, "Первая."), (2, "Третья.")]
    with action(app):
        assert db.session.scalars(select(Addressee)).all() == []
        assert db.session.get(Body, minpromtorg) is not None  # the body stays for other recommendations


# ---- follow-up ----------------------------------------------------------------------------------------------

def addressee_of(app, recommendation_id: int) -> int:
    with action(app):
        return db.session.get(Recommendation, recommendation_id).addressees[0].id


def test_follow_up_dates_per_addressee(app, organizer_client, event, lists, minpromtorg):
    recommendation = add(app, event, "Первая.", status="adopted", adopted_on=date(2018, 11, 23),
                         body_ids=[minpromtorg])
    addressee = addressee_of(app, recommendation)
    prefix = f"addressee-{addressee}-"
    page = organizer_client.get(manage_url(event, str(recommendation))).get_data(as_text=True)
    assert f'id="{prefix}sent_on"' in page

    url = manage_url(event, f"{recommendation}/addressees/{addressee}")
    response = organizer_client.post(url, data={f"{prefix}sent_on": "2018-12-01", f"{prefix}answered_on": "2019-01-15",
                                                f"{prefix}note": "Письмо № 12-345"})
    assert response.status_code == 302
    with action(app):
        saved = db.session.get(Addressee, addressee)
        assert (saved.sent_on, saved.answered_on) == (date(2018, 12, 1), date(2019, 1, 15))
        assert saved.note == "Письмо № 12-345"

    # Saving the recommendation again keeps the follow-up of an addressee that stays.
    organizer_client.post(manage_url(event, str(recommendation)), data=form(
        text="Первая, исправленная.", status="adopted", adopted_on="2018-11-23", body_ids=[minpromtorg]))
    with action(app):
        assert db.session.get(Addressee, addressee).sent_on == date(2018, 12, 1)


def test_an_addressee_with_follow_up_is_not_removed_until_it_is_cleared(app, organizer_client, event, lists,
                                                                         minpromtorg):
    fund = lists["body"]["Фонд развития промышленности"]
    recommendation = add(app, event, "Первая.", body_ids=[minpromtorg, fund])
    with action(app):
        addressee = db.session.scalar(select(Addressee).where(Addressee.recommendation_id == recommendation,
                                                              Addressee.body_id == minpromtorg)).id
    prefix = f"addressee-{addressee}-"
    follow_up_url = manage_url(event, f"{recommendation}/addressees/{addressee}")
    organizer_client.post(follow_up_url, data={f"{prefix}sent_on": "2018-12-01", f"{prefix}note": "Письмо № 12-345"})

    # Taking the ministry off the list would lose the letter's record: refused, and nothing of the edit is saved.
    response = organizer_client.post(manage_url(event, str(recommendation)), data=form(text="Изменённая.",
                                                                                       body_ids=[fund]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Для «Министерство промышленности и торговли Российской Федерации» уже записано" in page
    with action(app):
        saved = db.session.get(Recommendation, recommendation)
        assert saved.text == "Первая." and len(saved.addressees) == 2
        assert db.session.get(Addressee, addressee).note == "Письмо № 12-345"

    # Cleared first, it goes.
    organizer_client.post(follow_up_url, data={f"{prefix}sent_on": "", f"{prefix}answered_on": "",
                                               f"{prefix}note": ""})
    response = organizer_client.post(manage_url(event, str(recommendation)), data=form(text="Изменённая.",
                                                                                       body_ids=[fund]))
    assert response.status_code == 302
    with action(app):
        assert [row.body_id for row in db.session.get(Recommendation, recommendation).addressees] == [fund]


def test_an_answer_before_the_letter_was_sent_is_refused(app, organizer_client, event, lists, minpromtorg):
    recommendation = add(app, event, "Первая.", body_ids=[minpromtorg])
    addressee = addressee_of(app, recommendation)
    prefix = f"addressee-{addressee}-"
    response = organizer_client.post(manage_url(event, f"{recommendation}/addressees/{addressee}"),
                                     data={f"{prefix}sent_on": "2018-12-01", f"{prefix}answered_on": "2018-11-30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{prefix}answered_on-errors"' in page and 'value="2018-11-30"' in page
    with action(app):
        saved = db.session.get(Addressee, addressee)
        assert saved.sent_on is None and saved.answered_on is None


def test_follow_up_of_another_recommendation_is_not_found(app, organizer_client, event, lists, minpromtorg):
    first = add(app, event, "Первая.", body_ids=[minpromtorg])
    second = add(app, event, "Вторая.")
    addressee = addressee_of(app, first)
    response = organizer_client.post(manage_url(event, f"{second}/addressees/{addressee}"),
                                     data={f"addressee-{addressee}-sent_on": "2018-12-01"})
    assert response.status_code == 404


# ---- bodies and projects ---------------------------------------------------------------------------------------

def test_bodies_are_added_edited_and_kept_unique(app, organizer_client, lists):
    url = "/manage/recommendations/bodies/"
    assert "Корпорация МСП" in organizer_client.get(url).get_data(as_text=True)
    response = organizer_client.post(url, data={"name_ru": "  Совет  Федерации ", "name_en": "Federation Council",
                                                "kind": "federation_council"})
    assert response.status_code == 302
    with action(app):
        council = db.session.scalar(select(Body).where(Body.name_ru == "Совет Федерации"))
        assert council.kind == "federation_council"
    page = organizer_client.post(url, data={"name_ru": "Совет Федерации", "kind": "other"}).get_data(as_text=True)
    assert 'id="name_ru-errors"' in page
    response = organizer_client.post(f"{url}{council.id}", data={"name_ru": "Совет Федерации Федерального Собрания",
                                                                  "name_en": "", "kind": "federation_council"})
    assert response.status_code == 302
    with action(app):
        assert db.session.get(Body, council.id).name_ru == "Совет Федерации Федерального Собрания"
    assert organizer_client.get(f"{url}999999").status_code == 404


def test_projects_with_a_parent(app, organizer_client, lists):
    url = "/manage/recommendations/projects/"
    national = lists["project"]["Наука"]
    response = organizer_client.post(url, data={"name_ru": "Развитие передовой инфраструктуры",
                                                "kind": "federal", "parent_id": str(national)})
    assert response.status_code == 302
    with action(app):
        project = db.session.scalar(select(Project).where(Project.name_ru == "Развитие передовой инфраструктуры"))
        assert project.parent_id == national
    page = organizer_client.get(f"{url}{project.id}").get_data(as_text=True)
    assert f'<option selected value="{national}">' in page
    page = organizer_client.post(url, data={"name_ru": "Наука", "kind": "national", "parent_id": "0"}) \
        .get_data(as_text=True)
    assert 'id="name_ru-errors"' in page


# ---- the public page ---------------------------------------------------------------------------------------------

def test_the_public_page_shows_adopted_recommendations_numbered_and_escaped(app, client, event, lists,
                                                                             minpromtorg, sessions):
    adopted = date(2018, 11, 23)
    add(app, event, "Черновик, не для публикации.")
    add(app, event, "<script>alert(1)</script>\n\nВторой абзац первой.", status="adopted", adopted_on=adopted,
        body_ids=[minpromtorg], session_ids=[sessions["plenary"], sessions["briefing"]],
        project_ids=[lists["project"]["Промышленный экспорт"]])
    add(app, event, "Отозванная.", status="withdrawn")
    add(app, event, "Вторая принятая.", status="adopted", adopted_on=adopted)

    page = client.get(f"/events/{event.slug}/recommendations").get_data(as_text=True)
    assert "Черновик" not in page and "Отозванная" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'id="recommendation-1"' in page and 'id="recommendation-2"' in page and 'id="recommendation-3"' not in page
    assert '<span class="number">1.</span>' in page and '<span class="number">2.</span>' in page
    assert page.index("alert(1)") < page.index("Второй абзац первой.") < page.index("Вторая принятая.")
    assert "<p>Второй абзац первой.</p>" in page  # paragraphs kept apart
    assert "Министерство промышленности и торговли Российской Федерации" in page
    assert "Пленарное заседание" in page and "Инструктаж волонтёров" not in page  # internal sessions stay internal
    assert "Промышленный экспорт" in page
    assert "23 ноября 2018" in page


def test_the_public_page_says_when_there_are_none(client, event, lists):
    response = client.get(f"/events/{event.slug}/recommendations")
    assert response.status_code == 200
    assert 'class="recommendations"' not in response.get_data(as_text=True)
    assert client.get("/events/no-such-event/recommendations").status_code == 404


def test_the_event_pages_link_to_recommendations(client, organizer_client, event):
    assert f"/events/{event.slug}/recommendations" in client.get(f"/events/{event.slug}").get_data(as_text=True)
    dashboard = organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert f"/manage/events/{event.slug}/recommendations/" in dashboard


# ---- who may ----------------------------------------------------------------------------------------------------

def test_anonymous_visitors_log_in_and_checkin_staff_are_refused(app, client, checkin_client, event, lists):
    recommendation = add(app, event, "Первая.")
    pages = [manage_url(event), manage_url(event, "new"), manage_url(event, str(recommendation)),
             manage_url(event, f"{recommendation}/delete"), "/manage/recommendations/bodies/",
             "/manage/recommendations/projects/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url
        assert checkin_client.get(url).status_code == 403, url
    assert checkin_client.post(manage_url(event, f"{recommendation}/delete")).status_code == 403
    assert checkin_client.post(manage_url(event, f"{recommendation}/move"), data={"direction": "up"}).status_code == 403
    assert texts(app, event) == [(1, "Первая.")]
    assert client.get(f"/events/{event.slug}/recommendations").status_code == 200  # the public page is public


def csrf_token(page: str, prefix: str = "") -> str:
    return re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_each_follow_up_form_carries_its_own_csrf_token(app_config, event, lists, minpromtorg):
    """The follow-up forms are prefixed (several on one page): their token must still be found and checked."""
    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    recommendation = add(app, event, "Первая.", body_ids=[minpromtorg])
    addressee = addressee_of(app, recommendation)
    with action(app):
        organizer = create_user("csrf-organizer@example.com", PASSWORD, "organizer")
        add_member(event.id, organizer)
        email = organizer.email
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD,
                                "csrf_token": csrf_token(client.get("/login").get_data(as_text=True))})
    url = manage_url(event, f"{recommendation}/addressees/{addressee}")
    prefix = f"addressee-{addressee}-"
    assert client.post(url, data={f"{prefix}sent_on": "2018-12-01"}).status_code == 400
    token = csrf_token(client.get(manage_url(event, str(recommendation))).get_data(as_text=True), prefix)
    assert client.post(url, data={f"{prefix}sent_on": "2018-12-01", f"{prefix}csrf_token": token}).status_code == 302
    with action(app):
        assert db.session.get(Addressee, addressee).sent_on == date(2018, 12, 1)
        db.session.remove()
        db.engine.dispose()


def test_a_federal_project_sits_in_a_national_one(app, organizer_client, lists):
    refused = organizer_client.post("/manage/recommendations/projects/", data={
        "name_ru": "Экспорт продукции АПК", "name_en": "", "kind": "federal", "parent_id": "0"})
    assert "Выберите национальный проект, в который входит этот федеральный проект." in refused.get_data(as_text=True)
    national = lists["project"]["Международная кооперация и экспорт"]
    saved = organizer_client.post("/manage/recommendations/projects/", data={
        "name_ru": "Экспорт продукции АПК", "name_en": "", "kind": "federal", "parent_id": str(national)})
    assert saved.status_code == 302
    with action(app):
        saved = db.session.scalar(select(Project).where(Project.name_ru == "Экспорт продукции АПК"))
        assert saved.parent_id == national

    # The national project cannot become a federal one while federal projects sit in it.
    other_national = lists["project"]["Производительность труда и поддержка занятости"]
    response = organizer_client.post(f"/manage/recommendations/projects/{national}", data={
        "name_ru": "Международная кооперация и экспорт", "name_en": "", "kind": "federal",
        "parent_id": str(other_national)})
    assert "Этот национальный проект включает федеральные проекты" in response.get_data(as_text=True)
    with action(app):
        assert (db.session.get(Project, national).kind, db.session.get(Project, national).parent_id) == \
            ("national", None)
