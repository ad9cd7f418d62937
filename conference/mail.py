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
    which a mail server with TLS would take minutes over.

    A letter is sent once more, on a new connection, only when the server answered «421» (closing: it has taken
    nothing, e.g. after its limit of letters per connection). A letter whose text went out without an answer may
    have arrived: it is never sent twice."""
    for attempt in (1, 2):
        smtp = _smtp_connection()
        try:
            smtp.send_message(message)
            return
        except Exception as error:
            if not _refused_alone(smtp, error):
                _drop_smtp_connection()
            if attempt == 2 or not _server_closing(error):
                raise


def _server_closing(error: Exception) -> bool:
    """«421»: the server is closing the connection and has taken nothing of this letter."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code == 421 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421


def _refused_alone(smtp: smtplib.SMTP, error: Exception) -> bool:
    """A refusal of this one letter (its sender, address or text), after which smtplib has reset the transaction:
    the connection serves the next letter. Any other failure leaves it in a state nobody knows."""
    refusals = (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    return isinstance(error, refusals) and not _server_closing(error) and smtp.sock is not None


def _smtp_connection() -> smtplib.SMTP:
    """The app context's connection. A kept one must answer NOOP first: one the server has closed meanwhile (idle
    too long) is replaced before a letter is handed to it. Once connecting has failed, the context's later letters
    fail at once: a hundred letters must not each wait out the timeout of a server that is down."""
    if "smtp_down" in g:
        raise ConnectionError(f"the mail server could not be reached a moment ago: {g.smtp_down}")
    smtp = g.get("smtp")
    if smtp is not None:
        try:
            if smtp.noop()[0] == 250:
                return smtp
        except OSError:  # smtplib's errors are OSErrors too
            pass
        _drop_smtp_connection()
    config = current_app.config
    try:
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
        try:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
    except OSError as error:
        g.smtp_down = error
        raise
    g.smtp = smtp
    return smtp


def close_smtp_connection(_error=None) -> None:
    """At the end of every app context (registered in create_app): QUIT, as a polite client does."""
    smtp = g.pop("smtp", None)
    if smtp is not None:
        try:
            smtp.quit()
        except OSError:  # already gone: nothing to say goodbye to
            smtp.close()


def _drop_smtp_connection() -> None:
    """After a failure that leaves the connection unusable: closed without a word (a server that has stopped
    answering would keep QUIT waiting for the whole timeout)."""
    smtp = g.pop("smtp", None)
    if smtp is not None:
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
