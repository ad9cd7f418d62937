"""Outgoing email: to the console (default), to .eml files in a folder, or through SMTP."""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, g, render_template
from flask_babel import force_locale

from .timeutil import utcnow

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, text: str, html: str | None = None,
                  attachments: tuple = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="conference.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mimetype, content in attachments:
        maintype, subtype = mimetype.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None, attachments: tuple = ()) -> None:
    """`attachments`: (filename, mimetype, bytes) triples."""
    message = build_message(to, subject, text, html, attachments)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(message)
    elif backend == "file":
        folder = Path(current_app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
        (folder / name).write_bytes(bytes(message))
    else:
        print(f"---- email to {to}: {subject}\n{text}\n----", flush=True)


def _send_smtp(message: EmailMessage) -> None:
    """Through the app context's one connection (a request's, a command's), opened for its first letter and closed
    with it: approving a hundred registrations costs one connection, handshake and log-in rather than a hundred,
    which a mail server with TLS would take minutes over. A connection the server has closed (idle too long, or
    «421» after its limit of letters per connection) is replaced, and the letter sent once more on the new one."""
    for attempt in (1, 2):
        smtp = _smtp_connection()
        try:
            smtp.send_message(message)
            return
        except OSError as error:  # smtplib's errors are OSErrors too
            # A refused address leaves the connection open and usable; a dropped or closed one does not.
            dropped = smtp.sock is None or not isinstance(error, smtplib.SMTPException) \
                or isinstance(error, smtplib.SMTPServerDisconnected)
            if dropped:
                close_smtp_connection()
            if not dropped or attempt == 2:
                raise


def _smtp_connection() -> smtplib.SMTP:
    smtp = g.get("smtp")
    if smtp is None:
        config = current_app.config
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
        try:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        g.smtp = smtp
    return smtp


def close_smtp_connection(_error=None) -> None:
    """At the end of every app context (registered in create_app), and when the server has dropped it."""
    smtp = g.pop("smtp", None)
    if smtp is not None:
        try:
            smtp.quit()
        except OSError:  # already gone: nothing to say goodbye to
            smtp.close()


def send_templated(to: str, language: str, subject, subject_args: dict, template: str, attachments: tuple = (),
                   **context) -> bool:
    """Renders `template`.txt and .html in the recipient's language and sends them; `subject` is a lazy_gettext
    string. A mail failure is logged and reported as False: what the letter is about has already been saved."""
    with force_locale(language):
        subject_text = str(subject) % subject_args
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
    try:
        send_mail(to, subject_text, text, html, attachments)
        return True
    except Exception:  # noqa: BLE001 - SMTP errors come in many classes; all mean the same here
        log.exception("could not email %s (%s)", to, template)
        return False
