"""Staff accounts: passwords, log-in and log-out, the rate limit, `flask users create`."""

import pytest
from sqlalchemy import select

from conference.accounts.models import User
from conference.accounts.services import UserError, authenticate, create_user
from conference.extensions import db

from .conftest import PASSWORD, action


def test_passwords_are_hashed_and_checked(ctx):
    user = create_user("Org@Example.com", PASSWORD, "organizer")
    assert user.email == "org@example.com"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert authenticate("org@example.com", PASSWORD) is not None
    assert authenticate("org@example.com", "wrong-password") is None


def test_bad_users_are_refused(ctx):
    create_user("a@example.com", PASSWORD, "checkin")
    with pytest.raises(UserError):
        create_user("a@example.com", PASSWORD, "checkin")
    with pytest.raises(UserError):
        create_user("b@example.com", "short", "checkin")
    with pytest.raises(UserError):
        create_user("c@example.com", PASSWORD, "superuser")


def test_wrong_password_says_so_in_russian(client, make_user):
    email = make_user("organizer")
    page = client.post("/login", data={"email": email, "password": "nope-nope"}).get_data(as_text=True)
    assert "Неверный адрес электронной почты или пароль" in page


def test_disabled_accounts_cannot_log_in(app, client, make_user):
    email = make_user("organizer")
    with action(app):
        db.session.scalar(select(User).where(User.email == email)).is_enabled = False
        db.session.commit()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 200


def test_log_out_ends_the_session_and_forgets_all_but_the_language(organizer_client, event):
    assert organizer_client.get("/manage/").status_code == 200
    organizer_client.get("/lang/en")
    organizer_client.post(f"/manage/events/{event.slug}/checkin/devices", data={"name": "Вход, телефон 1"})
    assert organizer_client.post("/logout").status_code == 302
    assert organizer_client.get("/manage/").status_code == 302
    with organizer_client.session_transaction() as kept:
        assert kept["lang"] == "en" and "_user_id" not in kept
        assert "new_device_tokens" not in kept  # no device token waits for the next person at this browser


def test_log_out_needs_a_post(organizer_client):
    assert organizer_client.get("/logout").status_code == 405


@pytest.fixture
def app_config(app_config):
    return app_config


def test_log_in_is_rate_limited(app_config, make_user, request):
    from conference import create_app

    limited = create_app(dict(app_config, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"))
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "x@example.com", "password": "wrong-pass"}).status_code == 200
    blocked = client.post("/login", data={"email": "x@example.com", "password": "wrong-pass"})
    assert blocked.status_code == 429
    assert "Слишком много попыток" in blocked.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # only attempts are limited, not the page


def test_users_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "New@Example.com", "--role", "checkin",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created checkin new@example.com" in result.output
    again = runner.invoke(args=["users", "create", "--email", "new@example.com", "--role", "checkin",
                                "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output
    with action(app):
        assert db.session.scalar(select(User).where(User.email == "new@example.com")).role == "checkin"


def test_users_create_makes_the_account_a_member_of_the_events_named(app, make_event):
    from conference.accounts.services import members_of

    first, second = make_event(), make_event()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "door@example.org", "--role", "checkin",
                                 "--event", first.slug, "--event", second.slug, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert f"Created checkin door@example.org, member of {first.slug}, {second.slug}" in result.output
    with action(app):
        for event in (first, second):
            assert [user.email for user in members_of(event.id)] == ["door@example.org"]

    # A slug mistyped: a clear error, and no account at all (not one that works on the other events alone).
    typo = runner.invoke(args=["users", "create", "--email", "org@example.org", "--role", "organizer",
                               "--event", first.slug, "--event", "no-such-forum", "--password", PASSWORD])
    assert typo.exit_code != 0 and "no event with the address 'no-such-forum'" in typo.output
    admin = runner.invoke(args=["users", "create", "--email", "root@example.org", "--role", "admin",
                                "--event", first.slug, "--password", PASSWORD])
    assert admin.exit_code != 0 and "admins work on every event" in admin.output
    with action(app):
        assert db.session.scalar(select(User).where(User.email.in_(["org@example.org", "root@example.org"]))) is None
        assert [user.email for user in members_of(first.id)] == ["door@example.org"]
