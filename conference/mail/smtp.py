"""Handing a letter over: to the console (default), to .eml files in a folder, or to an SMTP server. Only the
outbox's sender (services.send_due) calls this, after the action that caused the letter is saved."""

import email.policy
import functools
import logging
import smtplib
import time
from email import headerregistry
from email.header import Header
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, g

from conference.timeutil import utcnow

log = logging.getLogger(__name__)


class _SenderHeader(headerregistry.UniqueAddressHeader):
    """From, which is the same in every letter (MAIL_FROM), folded once rather than for every letter: with a name
    in Cyrillic, encoding and folding it (RFC 2047) takes the email package as long as all the rest of the letter."""

    def fold(self, *, policy):
        return _folded_sender(str(self), policy.linesep, policy.max_line_length, policy.utf8)


@functools.lru_cache(maxsize=16)
def _folded_sender(value: str, linesep: str, max_line_length: int | None, utf8: bool) -> str:
    header = email.policy.default.header_factory("From", value)
    return header.fold(policy=email.policy.default.clone(linesep=linesep, max_line_length=max_line_length,
                                                         utf8=utf8))


class _SubjectHeader(headerregistry.UniqueUnstructuredHeader):
    """A subject in Cyrillic, encoded (RFC 2047) by email.header's encoder, whose encoded words carry their spaces:
    the email package's folder of Python 3.11 drops the space where it breaks the line between two encoded words
    («ждём васна «Промышленная Россия»»), in nearly every subject that names the event."""

    def fold(self, *, policy):
        if str(self).isascii():
            return super().fold(policy=policy)
        encoded = Header(str(self), "utf-8", maxlinelen=policy.max_line_length, header_name=self.name)
        return f"{self.name}: {encoded.encode(linesep=policy.linesep)}{policy.linesep}"


_HEADERS = headerregistry.HeaderRegistry()
_HEADERS.map_to_type("from", _SenderHeader)
_HEADERS.map_to_type("subject", _SubjectHeader)
POLICY = email.policy.default.clone(header_factory=_HEADERS)


def build_message(to: str, subject: str, text: str, html: str | None = None,
                  attachments: tuple = ()) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="conference.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mimetype, content in attachments:
        maintype, subtype = mimetype.split("/", 1)
        # A text attachment (a calendar) is UTF-8, and says so: without the charset a mail client reads it as ASCII.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename, params=params)
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
    """Through the app context's one connection (a sending job's), opened for its first letter and closed with it:
    a hundred letters cost one connection, handshake and log-in rather than a hundred, which a mail server with TLS
    would take minutes over.

    A letter is sent once more, on a new connection, only when the server answered «421» (closing: it has taken
    nothing, e.g. after its limit of letters per connection). A letter whose text went out without an answer may
    have arrived: it is never sent twice."""
    for attempt in (1, 2):
        smtp = _smtp_connection()
        try:
            smtp.send_message(message)
            g.smtp_used_at = time.monotonic()
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


# A kept connection idle this long is asked NOOP before its next letter (see _smtp_connection).
IDLE_SECONDS = 1.0


def _smtp_connection() -> smtplib.SMTP:
    """The app context's connection. A kept one that has been idle must answer NOOP first: one the server has closed
    meanwhile (idle too long) is replaced before a letter is handed to it, rather than failing it in a way that
    looks as if it may have arrived. Letters sent one after another need no NOOP between them (a server closes an
    idle connection after tens of seconds at the least): that would be one round trip more per letter. Once
    connecting has failed, the context's later letters fail at once: a hundred letters must not each wait out the
    timeout of a server that is down."""
    if "smtp_down" in g:
        raise MailServerUnreachable(f"the mail server could not be reached a moment ago: {g.smtp_down}")
    smtp = g.get("smtp")
    if smtp is not None:
        if time.monotonic() - g.smtp_used_at < IDLE_SECONDS:
            return smtp
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
        raise MailServerUnreachable(f"{type(error).__name__}: {error}") from error
    g.smtp, g.smtp_used_at = smtp, time.monotonic()
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


class MailServerUnreachable(ConnectionError):
    """No connection to the mail server: the letter was not handed over at all."""


def failure_kind(error: Exception) -> str:
    """What a failed hand-over means for the letter:
    - "retry": the server took nothing (unreachable, «421» closing, or a 4xx answer: try again later);
    - "refused": the server answered 5xx, for good (a wrong address, say);
    - "unknown": the connection broke or timed out after the letter went out, before the server's answer: it may
      have arrived, so it is never sent again by itself."""
    if isinstance(error, MailServerUnreachable):
        return "retry"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return "retry" if all(400 <= code < 500 for code in codes) else "refused"
    if isinstance(error, smtplib.SMTPResponseException):
        return "retry" if 400 <= error.smtp_code < 500 else "refused"
    return "unknown"


def server_answer(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(answer)}" for code, answer in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(answer) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
