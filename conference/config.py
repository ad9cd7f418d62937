"""Settings, read once from the environment (see the table in README.md)."""

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """A development key kept in instance/ so self-service links survive a restart of `make run`."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def jobs_url() -> str:
    """Where the job queue keeps its jobs: empty for instance/jobs.db, `sqlite:////path/jobs.db`, `redis://…`, or
    `immediate` (tests: a job runs at once, in the process that asks for it)."""
    return os.environ.get("JOBS_URL", "")


def load_config() -> dict:
    app_env = os.environ.get("APP_ENV", "development")
    development = app_env == "development"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if not development:
            raise RuntimeError(
                "SECRET_KEY must be set when APP_ENV is not 'development' "
                "(for example: export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))'))"
            )
        secret_key = _development_secret_key()
    mail_backend = os.environ.get("MAIL_BACKEND", "console" if development else "")
    if mail_backend not in ("console", "file", "smtp"):
        # Outside development a letter printed to the console would tell a participant "we have sent you a
        # letter" while their private link sits in a log: the deployment has to say where mail goes.
        raise RuntimeError("MAIL_BACKEND must be set to smtp (or file) when APP_ENV is not 'development'")
    if not development and not os.environ.get("PUBLIC_URL"):
        # Letters are written by the job consumer, outside any page view: their links come from PUBLIC_URL alone.
        raise RuntimeError("PUBLIC_URL must be set when APP_ENV is not 'development' (e.g. https://forum.example.ru)")

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'conference.db'}"
    if database_url.startswith("postgres://"):  # the scheme some hosts hand out; SQLAlchemy wants the long one
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    # Where participants reach the site: links in letters sent outside a page view (a promotion from a waiting
    # list, a command) are built from it; during a page view the address of the request is used.
    public_url = urlsplit(os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")

    return {
        "APP_ENV": app_env,
        "SERVER_NAME": public_url.netloc,
        "PREFERRED_URL_SCHEME": public_url.scheme or "http",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A server may drop idle connections: PostgreSQL's are tested before use. A SQLite file cannot go away,
        # and the test would cost every request (a badge scan, say) one more statement.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not database_url.startswith("sqlite")},
        "WTF_CSRF_TIME_LIMIT": None,  # a long registration form must not expire while someone types
        # A staff log-in left alone this long ends: refused by the server (accounts/views.py: load_user), whoever
        # holds a copy of the cookie. Visitors' sessions (the language, a form's CSRF token) are not staff log-ins.
        "STAFF_IDLE_LIMIT": timedelta(hours=12),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", not development),
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Moscow",
        "LANGUAGES": ["ru", "en"],
        "SELF_SERVICE_LINK_DAYS": int(os.environ.get("SELF_SERVICE_LINK_DAYS", "180")),
        "MAIL_BACKEND": mail_backend,  # console | file | smtp
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Конференция <noreply@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", False),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        # Request bodies: the longest form (a recommendation's text) is a few KB; an API call a few hundred bytes.
        # Past these, 413 before anything is read.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "API_MAX_CONTENT_LENGTH": 64 * 1024,
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "30 per minute"),
        # Per client address, for visitors not logged in (the program's PDF): see agenda.views.program_pdf.
        "PUBLIC_PDF_RATE_LIMIT": os.environ.get("PUBLIC_PDF_RATE_LIMIT", "20 per minute"),
        "PARTICIPANTS_PER_PAGE": 50,
        # Behind nginx or another proxy: how many proxies to trust for the client's address and scheme, so that
        # rate limits count people rather than the proxy.
        "TRUST_PROXY_HOPS": int(os.environ.get("TRUST_PROXY_HOPS", "0")),
        "RESEND_LINK_RATE_LIMIT": os.environ.get("RESEND_LINK_RATE_LIMIT", "5 per hour"),
        # A worker that took a letter and did not finish it within so many seconds is taken for gone (killed): the
        # letter is queued again, or shown as failed if it had been handed to the mail server.
        "MAIL_SENDING_LEASE": int(os.environ.get("MAIL_SENDING_LEASE", "300")),
        # A letter the mail server did not take (unreachable, busy) is tried again after so many seconds, then twice
        # as long, and so on, at most an hour apart, eight times in all.
        "MAIL_RETRY_SECONDS": float(os.environ.get("MAIL_RETRY_SECONDS", "60")),
        # Badges printed at once by the page itself; a bigger batch is prepared by a job, with its progress shown.
        "BADGES_PRINTED_AT_ONCE": int(os.environ.get("BADGES_PRINTED_AT_ONCE", "100")),
        # The post-event report of an event with more registrations than this is prepared by a job.
        "REPORT_PREPARED_ABOVE": int(os.environ.get("REPORT_PREPARED_ABOVE", "5000")),
        # How long a file prepared by a job (a batch of badges, a report) is kept for download.
        "PREPARED_FILE_HOURS": int(os.environ.get("PREPARED_FILE_HOURS", "24")),
    }


def keep_private(path, mode: int) -> None:
    """Gives a file or folder of personal data `mode` (our user's alone) if others may read it; one that is not
    ours to change is logged, and one that is not there is left alone."""
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        logging.getLogger(__name__).warning("%s is open to others and not ours to change", path)
