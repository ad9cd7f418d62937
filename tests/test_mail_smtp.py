"""Email through a real SMTP server on loopback (aiosmtpd), and what happens when the server is down."""

import re
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration.models import Participant

from .conftest import free_port, mail_text


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"



@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def app_config(app_config, smtp_server):
    controller, _ = smtp_server
    return dict(app_config, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                MAIL_FROM="Промышленная Россия <noreply@example.org>")


def test_registration_mail_goes_through_smtp(client, event, form_data, smtp_server):
    _, inbox = smtp_server
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["anna.sidorova@example.org"]
    assert b"Subject: =?utf-8?" in envelope.content  # the Russian subject is encoded, as mail clients expect
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert message["Subject"] == f"Заявка получена: {event.title}"
    # The letter's link is signed a moment after the page's, so the two differ in their timestamp: open it.
    own_link = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(message)).group(1)
    assert "Сидорова Анна Петровна" in client.get(own_link).get_data(as_text=True)
    assert f'href="http://localhost{own_link}"' in message.get_body(preferencelist=("html",)).get_content()
    confirmation = client.get(response.location).get_data(as_text=True)
    assert "Мы отправили на адрес anna.sidorova@example.org письмо" in confirmation


def test_a_dead_mail_server_loses_no_registration(app, client, event, form_data):
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
    page = client.get(response.location).get_data(as_text=True)
    assert "Сейчас не удалось отправить письмо" in page and "/my/" in page
