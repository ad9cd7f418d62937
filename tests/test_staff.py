"""Staff accounts managed on their page: organizers add check-in volunteers, admins anybody; nobody gives more
rights than their own or locks themselves out; a disabled account or a changed password ends open sessions."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.accounts.models import User
from conference.accounts.services import UserError, update_user
from conference.extensions import db

from .conftest import PASSWORD, action, log_in


def user_named(app, email: str) -> User | None:
    with action(app):
        return db.session.scalar(select(User).where(User.email == email))


def new_volunteer(client, event, email="volunteer@example.org", password="door-pass-1", role="checkin",
                  name="Ольга Смирнова"):
    """An organizer's new account joins one of their events (`event`); an admin's, none (event=None)."""
    data = {"email": email, "full_name": name, "role": role, "password": password}
    return client.post("/manage/staff/new", data=data if event is None else {**data, "event_id": str(event.id)})


def test_an_organizer_adds_a_check_in_volunteer_who_can_log_in(app, organizer_client, event):
    response = new_volunteer(organizer_client, event)
    assert response.status_code == 302
    volunteer = user_named(app, "volunteer@example.org")
    assert (volunteer.role, volunteer.full_name, volunteer.is_enabled) == ("checkin", "Ольга Смирнова", True)
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert "volunteer@example.org" in listing and "Регистратор на входе" in listing

    door = app.test_client()
    assert door.post("/login", data={"email": "volunteer@example.org", "password": "door-pass-1"}).status_code == 302
    assert door.get(f"/manage/events/{event.slug}/checkin/").status_code == 200  # a member of the organizer's event
    assert door.get("/manage/staff/").status_code == 403  # check-in staff manage nobody


def test_an_organizer_gives_no_more_rights_than_their_own(app, organizer_client, event, make_user):
    for role in ("admin", "organizer"):
        response = new_volunteer(organizer_client, event, email=f"{role}-new@example.org", role=role)
        assert response.status_code == 200 and "Неверный вариант." in response.get_data(as_text=True)
        assert user_named(app, f"{role}-new@example.org") is None
    colleague = user_named(app, make_user("organizer", events=(event,)))
    assert organizer_client.get(f"/manage/staff/{colleague.id}").status_code == 403
    assert organizer_client.post(f"/manage/staff/{colleague.id}", data={
        "full_name": "", "role": "checkin", "password": "taken-over-1"}).status_code == 403
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert colleague.email in listing and f"/manage/staff/{colleague.id}" not in listing  # a teammate, not theirs


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(app, organizer_client, event):
    assert new_volunteer(organizer_client, event).status_code == 302
    again = new_volunteer(organizer_client, event, email="Volunteer@Example.org", password="another-pass")
    assert "Сотрудник с этим адресом электронной почты уже есть." in again.get_data(as_text=True)
    short = new_volunteer(organizer_client, event, email="short@example.org", password="1234567")
    assert "Не короче 8 символов." in short.get_data(as_text=True)
    not_email = new_volunteer(organizer_client, event, email="не почта", password="long-enough")
    assert "Введите корректный адрес электронной почты." in not_email.get_data(as_text=True)
    assert user_named(app, "short@example.org") is None
    markup = new_volunteer(organizer_client, event, email="markup@example.org", name="<script>alert(1)</script>")
    assert markup.status_code == 302
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listing and "&lt;script&gt;" in listing


def test_disabling_an_account_or_changing_its_password_ends_its_open_sessions(app, organizer_client, event):
    new_volunteer(organizer_client, event)
    volunteer = user_named(app, "volunteer@example.org")
    door = app.test_client()
    door.post("/login", data={"email": "volunteer@example.org", "password": "door-pass-1"})
    assert door.get("/checkin/").status_code == 200

    # A new password: the session opened with the old one is over, the new one works.
    organizer_client.post(f"/manage/staff/{volunteer.id}", data={
        "full_name": "Ольга Смирнова", "role": "checkin", "is_enabled": "y", "password": "new-door-pass"})
    assert door.get("/checkin/").status_code == 302
    assert door.post("/login", data={"email": "volunteer@example.org", "password": "door-pass-1"}).status_code == 200
    assert door.post("/login", data={"email": "volunteer@example.org", "password": "new-door-pass"}).status_code == 302
    assert door.get("/checkin/").status_code == 200

    # Left empty, the password stays; unticked, «may log in» ends the session and every later log-in.
    organizer_client.post(f"/manage/staff/{volunteer.id}", data={"full_name": "Ольга Смирнова", "role": "checkin",
                                                                 "password": ""})
    assert user_named(app, "volunteer@example.org").is_enabled is False
    assert door.get("/checkin/").status_code == 302
    assert door.post("/login", data={"email": "volunteer@example.org", "password": "new-door-pass"}).status_code == 200
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert "вход отключён" in listing


def test_an_admin_edits_anybody_but_never_locks_themselves_out(app, make_user):
    admin_email = make_user("admin")
    admin = app.test_client()
    log_in(admin, admin_email)
    organizer = user_named(app, make_user("organizer"))
    response = admin.post(f"/manage/staff/{organizer.id}", data={"full_name": "Анна", "role": "admin",
                                                                 "is_enabled": "y", "password": ""})
    assert response.status_code == 302 and user_named(app, organizer.email).role == "admin"

    # One's own account shows the role as text and no «may log in»: posted anyway, they change nothing.
    me = user_named(app, admin_email)
    page = admin.get(f"/manage/staff/{me.id}").get_data(as_text=True)
    assert 'name="role"' not in page and 'name="is_enabled"' not in page and "Роль: Администратор" in page
    for change in ({"role": "organizer", "is_enabled": "y"}, {"role": "admin"}):
        response = admin.post(f"/manage/staff/{me.id}", data={"full_name": "", "password": "", **change})
        assert response.status_code == 302
    assert (user_named(app, admin_email).role, user_named(app, admin_email).is_enabled) == ("admin", True)
    with action(app):  # and the service refuses it whoever asks
        me = db.session.get(User, me.id)
        for role, enabled in (("organizer", True), ("admin", False)):
            with pytest.raises(UserError):
                update_user(me, me, full_name="", role=role, enabled=enabled)

    # A new password of one's own keeps one's session.
    response = admin.post(f"/manage/staff/{me.id}", data={"full_name": "Админ", "role": "admin", "is_enabled": "y",
                                                          "password": "a-new-admin-pass", "current_password": PASSWORD})
    assert response.status_code == 302
    assert admin.get("/manage/staff/").status_code == 200
    assert user_named(app, admin_email).check_password("a-new-admin-pass")


def test_an_organizer_changes_their_own_name_and_password_but_not_their_role(app, make_user):
    email = make_user("organizer")
    organizer = app.test_client()
    log_in(organizer, email)
    me = user_named(app, email)
    listing = organizer.get("/manage/staff/").get_data(as_text=True)
    assert f"/manage/staff/{me.id}" in listing
    response = organizer.post(f"/manage/staff/{me.id}", data={"full_name": "Анна Иванова", "role": "admin",
                                                               "password": "my-own-new-pass",
                                                               "current_password": PASSWORD})
    assert response.status_code == 302
    saved = user_named(app, email)
    assert (saved.full_name, saved.role) == ("Анна Иванова", "organizer")
    assert saved.check_password("my-own-new-pass")
    assert organizer.get("/manage/staff/").status_code == 200  # still logged in


def test_a_check_in_volunteer_changes_their_own_password_from_the_header(app, make_user):
    email, other = make_user("checkin"), make_user("checkin")
    volunteer = app.test_client()
    log_in(volunteer, email)
    me, them = user_named(app, email), user_named(app, other)
    page = volunteer.get("/checkin/").get_data(as_text=True)
    assert f'href="/manage/staff/{me.id}"' in page  # their email in the header opens their account
    form = volunteer.get(f"/manage/staff/{me.id}").get_data(as_text=True)
    assert 'name="password"' in form and 'name="role"' not in form and "/manage/staff/\"" not in form
    # A new password needs the current one: whoever finds a phone left logged in cannot take the account.
    for wrong in ("", "guess-1234"):
        refused = volunteer.post(f"/manage/staff/{me.id}", data={"full_name": "Чужой", "password": "taken-over-1",
                                                                  "current_password": wrong})
        assert refused.status_code == 200 and "Чтобы задать новый пароль, введите текущий" in refused.get_data(
            as_text=True)
    assert user_named(app, email).check_password(PASSWORD) and user_named(app, email).full_name != "Чужой"
    response = volunteer.post(f"/manage/staff/{me.id}", data={"full_name": "Ольга Смирнова", "role": "admin",
                                                               "password": "my-door-pass-2",
                                                               "current_password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith(f"/manage/staff/{me.id}")
    saved = user_named(app, email)
    assert (saved.full_name, saved.role) == ("Ольга Смирнова", "checkin") and saved.check_password("my-door-pass-2")
    assert "сохранена" in volunteer.get(response.location).get_data(as_text=True)  # still logged in
    assert volunteer.get(f"/manage/staff/{them.id}").status_code == 403  # nobody else's
    assert volunteer.get("/manage/staff/").status_code == 403


def test_the_form_offers_the_least_rights_first_and_keeps_passwords_out_of_autofill(app, make_user):
    admin = app.test_client()
    log_in(admin, make_user("admin"))
    page = admin.get("/manage/staff/new").get_data(as_text=True)
    assert page.index('value="checkin"') < page.index('value="organizer"') < page.index('value="admin"')
    assert 'autocomplete="new-password"' in page and 'autocomplete="off"' in page


def test_the_staff_pages_need_a_log_in(client):
    for url in ("/manage/staff/", "/manage/staff/new", "/manage/staff/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/manage/staff/new", data={"email": "x@example.org", "role": "admin",
                                                  "password": PASSWORD}).status_code == 302


@pytest.mark.browser
def test_an_organizer_adds_a_volunteer_in_the_browser_who_then_logs_in_to_check_in(live_server, page, make_user,
                                                                                  event, artifacts):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill(make_user("organizer", events=(event,)))
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Сотрудники").click()
    page.get_by_role("link", name="Добавить сотрудника").click()
    page.get_by_label("Электронная почта").fill("olga@example.org")
    page.get_by_label("ФИО").fill("Ольга Смирнова")
    expect(page.get_by_label("Роль", exact=True)).to_have_value("checkin")  # the only role an organizer gives
    expect(page.get_by_label("Мероприятие")).to_have_value(str(event.id))  # their one event
    page.get_by_label("Пароль", exact=True).fill("door-pass-1")
    page.screenshot(path=str(artifacts / "staff-new.png"), full_page=True)
    page.get_by_role("button", name="Добавить").click()
    expect(page.get_by_role("status")).to_contain_text("Учётная запись olga@example.org добавлена")
    expect(page.locator('tr[data-email="olga@example.org"]')).to_contain_text("Регистратор на входе")
    page.screenshot(path=str(artifacts / "staff-list.png"), full_page=True)

    page.get_by_role("button", name="Выйти").click()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill("olga@example.org")
    page.get_by_label("Пароль", exact=True).fill("door-pass-1")
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{live_server.url}/checkin/")
    expect(page.get_by_role("link", name="Сотрудники")).to_have_count(0)


# ---- what an organizer sees and edits: the teams of their events ------------------------------------------

def test_an_organizer_sees_the_teams_of_their_events_and_an_admin_everybody(app, organizer_client, event, make_event,
                                                                              make_user):
    other = make_event()
    teammate, outsider = make_user("checkin", events=(event,)), make_user("checkin", events=(other,))
    their_organizer, admin, nobody = make_user("organizer", events=(other,)), make_user("admin"), make_user("checkin")
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert organizer_client.email in listing and teammate in listing
    for hidden in (outsider, their_organizer, admin, nobody):
        assert hidden not in listing
    admin_client = app.test_client()
    log_in(admin_client, admin)
    everybody = admin_client.get("/manage/staff/").get_data(as_text=True)
    for email in (organizer_client.email, teammate, outsider, their_organizer, admin, nobody):
        assert email in everybody


def test_an_organizer_edits_only_volunteers_who_work_on_their_events_alone(app, organizer_client, event, make_event,
                                                                            make_user):
    other = make_event()
    own = user_named(app, make_user("checkin", events=(event,)))
    shared = user_named(app, make_user("checkin", events=(event, other)))
    foreign, unattached = (user_named(app, make_user("checkin", events=(other,))),
                           user_named(app, make_user("checkin")))
    listing = organizer_client.get("/manage/staff/").get_data(as_text=True)
    assert f"/manage/staff/{own.id}" in listing
    assert shared.email in listing and f"/manage/staff/{shared.id}" not in listing
    assert organizer_client.get(f"/manage/staff/{own.id}").status_code == 200
    for user in (shared, foreign, unattached):
        assert organizer_client.get(f"/manage/staff/{user.id}").status_code == 403, user.email
        refused = organizer_client.post(f"/manage/staff/{user.id}", data={
            "full_name": "Захвачено", "role": "checkin", "is_enabled": "y", "password": "taken-over-1"})
        assert refused.status_code == 403, user.email
        saved = user_named(app, user.email)
        assert saved.check_password(PASSWORD) and saved.full_name != "Захвачено"
    with action(app):  # and the service refuses it whoever asks
        organizer = db.session.scalar(select(User).where(User.email == organizer_client.email))
        with pytest.raises(UserError):
            update_user(organizer, db.session.get(User, shared.id), full_name="", role="checkin", enabled=False)


def test_an_organizers_new_account_joins_one_of_their_events_and_no_other(app, organizer_client, event, make_event,
                                                                            make_user):
    from conference.accounts.services import members_of

    other = make_event()
    form = organizer_client.get("/manage/staff/new").get_data(as_text=True)
    assert event.title in form and other.title not in form
    refused = new_volunteer(organizer_client, other)
    assert refused.status_code == 200 and "Неверный вариант." in refused.get_data(as_text=True)
    assert user_named(app, "volunteer@example.org") is None
    assert new_volunteer(organizer_client, event).status_code == 302
    with action(app):
        assert "volunteer@example.org" in {user.email for user in members_of(event.id)}
        assert "volunteer@example.org" not in {user.email for user in members_of(other.id)}

    # An organizer on no event yet adds nobody (whom nobody but the admins would see): the page says why.
    newcomer = app.test_client()
    log_in(newcomer, make_user("organizer"))
    response = newcomer.get("/manage/staff/new", follow_redirects=True)
    assert "создайте" in response.get_data(as_text=True).lower()
    assert new_volunteer(newcomer, event, email="sneaked@example.org").status_code == 302  # back to the list
    assert user_named(app, "sneaked@example.org") is None

    # An admin's new account needs no event (admins put people in teams on the teams' pages).
    admin = app.test_client()
    log_in(admin, make_user("admin"))
    assert 'name="event_id"' not in admin.get("/manage/staff/new").get_data(as_text=True)
    assert new_volunteer(admin, None, email="anywhere@example.org", role="organizer").status_code == 302
    assert user_named(app, "anywhere@example.org").role == "organizer"
