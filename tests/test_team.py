"""An event's team: who works on it, added by email or invited with a one-time link to set a password; what a
member sees of the installation (their events alone)."""

import re

from conference.accounts.services import find_user, members_of
from conference.events.services import get_event

from .conftest import mail_text, sent_mail, staff_client


def team_url(event) -> str:
    return f"/manage/events/{event.slug}/team"


def member_emails(app, event) -> set[str]:
    with app.app_context():
        return {user.email for user in members_of(event.id)}


def test_an_existing_account_joins_and_then_opens_the_event(app, organizer_client, event, make_user):
    volunteer = make_user("checkin")
    scanner = f"/manage/events/{event.slug}/checkin/"
    volunteer_client = staff_client(app, volunteer)
    assert volunteer_client.get(scanner).status_code == 404
    assert event.title not in volunteer_client.get("/checkin/").get_data(as_text=True)

    response = organizer_client.post(f"{team_url(event)}/add", data={"email": volunteer.upper()})
    assert response.status_code == 302
    assert volunteer in member_emails(app, event)
    assert volunteer in organizer_client.get(team_url(event)).get_data(as_text=True)
    assert volunteer_client.get(scanner).status_code == 200
    assert event.title in volunteer_client.get("/checkin/").get_data(as_text=True)


def test_adding_an_unknown_email_or_an_admin_says_why(app, organizer_client, event, make_user):
    unknown = organizer_client.post(f"{team_url(event)}/add", data={"email": "nobody@example.org"})
    assert unknown.status_code == 200 and "пригласите" in unknown.get_data(as_text=True).lower()
    admin = organizer_client.post(f"{team_url(event)}/add", data={"email": make_user("admin")})
    assert admin.status_code == 200 and "Администраторы" in admin.get_data(as_text=True)


def test_an_invitation_makes_the_account_and_its_link_sets_the_password_once(app, organizer_client, event):
    response = organizer_client.post(f"{team_url(event)}/invite", data={
        "email": "Volunteer@Example.org", "full_name": "Пётр Волков", "role": "checkin"})
    assert response.status_code == 302
    assert "volunteer@example.org" in member_emails(app, event)
    with app.app_context():
        user = find_user("volunteer@example.org")
        assert (user.role, user.full_name) == ("checkin", "Пётр Волков")
    [letter] = [message for message in sent_mail(app) if message["To"] == "volunteer@example.org"]
    assert event.title in letter["Subject"]
    link = re.search(r"https?://\S+/set-password/\S+", mail_text(letter)).group(0)
    path = link.split("localhost", 1)[1]

    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    mismatch = visitor.post(path, data={"password": "new-volunteer-pass", "repeated": "other-pass-123"})
    assert mismatch.status_code == 200 and "различаются" in mismatch.get_data(as_text=True)
    assert visitor.post(path, data={"password": "new-volunteer-pass", "repeated": "new-volunteer-pass"}) \
        .status_code == 302
    assert visitor.post("/login", data={"email": "volunteer@example.org", "password": "new-volunteer-pass"}) \
        .status_code == 302
    assert visitor.get(f"/manage/events/{event.slug}/checkin/").status_code == 200

    # Used once: the link no longer sets a password, whoever holds it.
    stranger = app.test_client()
    assert stranger.get(path).status_code == 404
    assert stranger.post(path, data={"password": "taken-over-123", "repeated": "taken-over-123"}).status_code == 404
    assert stranger.post("/login", data={"email": "volunteer@example.org", "password": "taken-over-123"}) \
        .status_code == 200  # the form again: wrong password
    assert app.test_client().get(path[:-3] + "xyz").status_code == 404  # a forged link


def test_an_organizer_invites_only_roles_they_may_give_and_never_an_existing_address(app, organizer_client, event,
                                                                                     make_user):
    assert organizer_client.post(f"{team_url(event)}/invite", data={
        "email": "boss@example.org", "role": "admin"}).status_code == 200
    assert organizer_client.post(f"{team_url(event)}/invite", data={
        "email": "co-organizer@example.org", "role": "organizer"}).status_code == 200  # as on the staff page
    existing = make_user("checkin")
    response = organizer_client.post(f"{team_url(event)}/invite", data={"email": existing, "role": "checkin"})
    assert response.status_code == 200 and "добавьте" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert find_user("boss@example.org") is None and find_user("co-organizer@example.org") is None


def test_removing_members_but_never_the_last_organizer_unless_an_admin(app, organizer_client, event, make_user):
    volunteer = make_user("checkin", events=(event,))
    with app.app_context():
        volunteer_id, organizer_id = find_user(volunteer).id, find_user(organizer_client.email).id
    assert organizer_client.post(f"{team_url(event)}/{volunteer_id}/remove").status_code == 302
    assert volunteer not in member_emails(app, event)
    assert staff_client(app, volunteer).get(f"/manage/events/{event.slug}/checkin/").status_code == 404

    page = organizer_client.post(f"{team_url(event)}/{organizer_id}/remove", follow_redirects=True)
    assert "последний организатор" in page.get_data(as_text=True)
    assert organizer_client.email in member_emails(app, event)

    admin = staff_client(app, make_user("admin"))
    assert admin.post(f"{team_url(event)}/{organizer_id}/remove").status_code == 302
    assert member_emails(app, event) == set()
    assert organizer_client.get(f"/manage/events/{event.slug}").status_code == 404
    assert admin.post(f"{team_url(event)}/{organizer_id}/remove").status_code == 404  # not a member (any more)


def test_organizers_see_and_create_only_their_events(app, organizer_client, event, make_event, form_data):
    other = make_event()
    index = organizer_client.get("/manage/").get_data(as_text=True)
    assert event.title in index and other.title not in index
    response = organizer_client.post("/manage/events/new", data={
        "slug": "regional-2027", "title": "Региональный форум", "starts_on": "2027-03-01", "ends_on": "2027-03-01",
        "timezone": "Asia/Yekaterinburg", "consent_text": "Согласие", "consent_version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert organizer_client.email in {user.email for user in members_of(get_event("regional-2027").id)}
    assert organizer_client.get("/manage/events/regional-2027").status_code == 200
    assert "Региональный форум" in organizer_client.get("/manage/").get_data(as_text=True)


def invitation_path(app, email: str, nth: int = -1) -> str:
    """The set-password link of the `nth` invitation letter sent to `email`, as a path."""
    letters = [message for message in sent_mail(app) if message["To"] == email]
    link = re.search(r"https?://\S+/set-password/\S+", mail_text(letters[nth])).group(0)
    return link.split("localhost", 1)[1]


def test_a_pending_invitation_is_sent_again_with_a_new_link_and_the_old_one_stops_working(app, organizer_client,
                                                                                         event, make_event):
    organizer_client.post(f"{team_url(event)}/invite", data={"email": "late@example.org", "role": "checkin"})
    first = invitation_path(app, "late@example.org")
    with app.app_context():
        invited = find_user("late@example.org")
        invited_id = invited.id
        assert invited.awaits_password and not invited.check_password("")
    page = organizer_client.get(team_url(event)).get_data(as_text=True)
    assert "пароль ещё не задан" in page and f"{team_url(event)}/{invited_id}/invite-again" in page

    response = organizer_client.post(f"{team_url(event)}/{invited_id}/invite-again", follow_redirects=True)
    assert "late@example.org" in response.get_data(as_text=True)
    assert "больше не работает" in response.get_data(as_text=True)
    second = invitation_path(app, "late@example.org")
    assert second != first
    visitor = app.test_client()
    assert visitor.get(first).status_code == 404  # the letter that went astray is no use any more
    assert visitor.get(second).status_code == 200
    assert visitor.post(second, data={"password": "late-but-here-1", "repeated": "late-but-here-1"}).status_code == 302
    assert visitor.post("/login", data={"email": "late@example.org", "password": "late-but-here-1"}).status_code == 302

    # The password set, there is no invitation left to send, nor a button for it.
    assert f"{invited_id}/invite-again" not in organizer_client.get(team_url(event)).get_data(as_text=True)
    letters = len(sent_mail(app))
    stale = organizer_client.post(f"{team_url(event)}/{invited_id}/invite-again", follow_redirects=True)
    assert "ничего не отправлено" in stale.get_data(as_text=True)  # (a page opened before the password was set)
    assert len(sent_mail(app)) == letters
    assert visitor.get(second).status_code == 404


def test_an_invitation_is_sent_again_only_to_a_member_of_the_event(app, organizer_client, event, make_event,
                                                                   make_user):
    other = make_event(members=(organizer_client.email,))
    admin = staff_client(app, make_user("admin"))
    admin.post(f"{team_url(other)}/invite", data={"email": "theirs@example.org", "role": "checkin"})
    with app.app_context():
        theirs, member = find_user("theirs@example.org").id, find_user(make_user("checkin", events=(event,))).id
    letters = len(sent_mail(app))
    assert organizer_client.post(f"{team_url(event)}/{theirs}/invite-again").status_code == 404  # not in this team
    assert organizer_client.post(f"{team_url(event)}/{member}/invite-again").status_code == 302  # has a password
    assert len(sent_mail(app)) == letters  # nothing sent to either
    assert organizer_client.post(f"{team_url(other)}/{theirs}/invite-again").status_code == 302
    assert len(sent_mail(app)) == letters + 1


def test_the_only_organizer_is_not_offered_for_removal_and_an_admin_who_removes_them_is_told(app, organizer_client,
                                                                                            event, make_user):
    from conference.accounts.models import User
    from conference.extensions import db

    from .conftest import action

    def enable(email: str, enabled: bool) -> None:
        with action(app):
            find_user(email).is_enabled = enabled

    with app.app_context():
        organizer_id = find_user(organizer_client.email).id
    remove = f"{team_url(event)}/{organizer_id}/remove"
    page = organizer_client.get(team_url(event)).get_data(as_text=True)
    assert remove not in page and "единственный организатор" in page and "сначала добавьте" in page

    colleague = make_user("organizer", events=(event,))
    page = organizer_client.get(team_url(event)).get_data(as_text=True)
    assert remove in page and "единственный организатор" not in page
    # A colleague who cannot log in keeps nothing going: the organizer is the only one again.
    enable(colleague, False)
    assert remove not in organizer_client.get(team_url(event)).get_data(as_text=True)
    refused = organizer_client.post(remove, follow_redirects=True)
    assert "последний организатор" in refused.get_data(as_text=True)
    assert organizer_client.email in member_emails(app, event)

    # With a colleague at work again they may leave, and land on their own list of events.
    enable(colleague, True)
    left = organizer_client.post(remove)
    assert left.status_code == 302 and left.location == "/manage/"
    assert organizer_client.get(team_url(event)).status_code == 404

    # An admin may remove the last one (winding the event up, or handing it to a new team), and is told so.
    admin = staff_client(app, make_user("admin"))
    with app.app_context():
        colleague_id = db.session.scalar(db.select(User.id).where(User.email == colleague))
    assert f"{team_url(event)}/{colleague_id}/remove" in admin.get(team_url(event)).get_data(as_text=True)
    told = admin.post(f"{team_url(event)}/{colleague_id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "нет своего организатора" in told and "только администраторы" in told
    assert member_emails(app, event) == set()
