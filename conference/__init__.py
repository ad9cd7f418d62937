"""conference: registration, agenda, badges, check-in, recommendations and reports for an industrial forum."""

import logging

from babel import Locale
from flask import Flask, Response, g, has_request_context, jsonify, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import INSTANCE_DIR, PROJECT_ROOT, keep_private, load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .ids import IdConverter
from .transactions import is_busy

# How long a client is asked to wait before sending again what a busy database could not take.
BUSY_RETRY_AFTER = 5
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ShallowJSONProvider(DefaultJSONProvider):
    """JSON as Flask reads it, except that a document nested past Python's recursion limit (`[` × 100,000) is a
    malformed one (a ValueError: a 400, or None for get_json(silent=True)) rather than a RecursionError, a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


class ConferenceApp(Flask):
    json_provider_class = ShallowJSONProvider

    def dispatch_request(self):
        """The request is the action's boundary: when its view has returned, a POST's changes are committed at
        once, a GET's (there should be none: reading never writes) are rolled back. Anything raised, a commit
        refused by a busy database included, leaves nothing saved."""
        response = super().dispatch_request()
        # A request that never used the session (a badge scan, which has its own connection) has nothing to end:
        # making a session only to commit it would cost a scan about a tenth of its time.
        if db.session.registry.has() and db.session().in_transaction():
            if request.method in SAFE_METHODS:
                db.session.rollback()
            else:
                db.session.commit()
        return response


def create_app(overrides: dict | None = None) -> Flask:
    app = ConferenceApp(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added: see conference/ids.py
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    keep_private(INSTANCE_DIR, 0o700)  # the database, the queue and prepared badges: for our user only
    if app.config["TRUST_PROXY_HOPS"]:
        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # it narrates every rendering step at INFO
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    app.session_interface = DeviceAwareSessionInterface()

    @app.before_request
    def limit_api_bodies():
        if request.path.startswith("/api/"):  # a scan is a few hundred bytes; a page's form may be longer
            request.max_content_length = app.config["API_MAX_CONTENT_LENGTH"]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "conference" / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)

    from . import i18n, jobs, models, tasks  # noqa: F401  (every table known to Alembic, every job to the queue)
    from .accounts.access import is_organizer
    from .agenda.models import SignupStatus
    from .checkin.models import ScanOutcome
    from .checkin.services import end_scan_transaction
    from .downloads.models import DownloadStatus
    from .events.services import event_city, time_zone_label
    from .mail.models import LetterStatus
    from .mail.smtp import close_smtp_connection
    from .registration.models import RegistrationStatus

    i18n.init_app(app)
    jobs.init_app(app)
    app.jinja_env.globals["is_organizer"] = is_organizer
    app.jinja_env.globals["event_city"] = event_city
    app.jinja_env.globals["time_zone_label"] = time_zone_label
    # Templates name a status by its member, as the code does: participant.status == RegistrationStatus.CONFIRMED.
    for vocabulary in (RegistrationStatus, SignupStatus, ScanOutcome, LetterStatus, DownloadStatus):
        app.jinja_env.globals[vocabulary.__name__] = vocabulary

    app.teardown_appcontext(end_scan_transaction)
    app.teardown_appcontext(close_smtp_connection)
    _register_blueprints(app)

    @app.route("/favicon.ico")
    def favicon():  # asked for by browsers and tools that do not read the page's <link rel="icon">
        return app.send_static_file("favicon.svg")

    _register_error_pages(app)
    _add_security_headers(app)

    from .cli import register_commands

    register_commands(app)
    return app


PUBLIC_FILES = (".pdf", ".ics", ".xlsx", ".csv")
API_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 410: "gone",
              413: "too_large", 429: "too_many_requests", 500: "server_error", 503: "busy"}


class DeviceAwareSessionInterface(SecureCookieSessionInterface):
    """A device calling the API with its bearer token has no cookie session: it gets none, so that no cookie is
    read, signed or sent back, and Flask-Login sees nobody logged in (the token alone says who calls). This
    also takes about 0.1 ms off each scan, a tenth of its time."""

    def open_session(self, app, request):
        if request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer "):
            return self.null_session_class()
        return super().open_session(app, request)


# Made once: Flask-Babel would otherwise parse the locale's name on every request (about 0.1 ms, a tenth of a scan).
LOCALES = {language: Locale(language) for language in ("ru", "en")}


def _select_locale() -> Locale:
    """The visitor's own choice (the language switch, or the language of their private link: see
    registration.access), kept in the session; before any, the browser's Accept-Language between the two we speak,
    Russian when it names neither. Commands and mail jobs speak Russian (letters set their own language)."""
    if not has_request_context():
        return LOCALES["ru"]
    chosen = session.get("lang")
    if chosen is None:
        g.language_from_browser = True  # the answer varies with Accept-Language: see i18n.init_app
        chosen = request.accept_languages.best_match(LOCALES, default="ru")
    return LOCALES.get(chosen, LOCALES["ru"])


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .accounts.views import team_bp
    from .agenda.views import bp as agenda_bp
    from .agenda.views import editor_bp as agenda_editor_bp
    from .badges.views import bp as badges_bp
    from .badges.views import public_bp as badges_public_bp
    from .checkin.views import api_bp as checkin_api_bp
    from .checkin.views import bp as checkin_bp
    from .checkin.views import scanner_bp as checkin_scanner_bp
    from .checkin.views import start_bp as checkin_start_bp
    from .communications.views import bp as mailings_bp
    from .communications.views import public_bp as communications_public_bp
    from .directories.views import bp as directories_bp
    from .downloads.views import bp as downloads_bp
    from .events.views import bp as events_bp
    from .events.views import manage_bp as events_manage_bp
    from .mail.views import bp as letters_bp
    from .privacy.views import admin_bp as privacy_admin_bp
    from .privacy.views import manage_bp as privacy_manage_bp
    from .privacy.views import public_bp as privacy_bp
    from .registration.views import manage_bp as participants_bp
    from .registration.views import public_bp as registration_bp
    from .reports.views import bp as reports_bp
    from .resolutions.views import bp as resolutions_bp
    from .resolutions.views import lists_bp as resolutions_lists_bp
    from .resolutions.views import public_bp as resolutions_public_bp

    for blueprint in (events_bp, registration_bp, privacy_bp, accounts_bp, directories_bp, agenda_bp, badges_public_bp,
                      checkin_start_bp, checkin_api_bp, resolutions_lists_bp, resolutions_public_bp,
                      # an event's staff pages, under /manage/events/<slug>/…: see events/access.py
                      events_manage_bp, participants_bp, agenda_editor_bp, badges_bp, checkin_scanner_bp, checkin_bp,
                      reports_bp, resolutions_bp, letters_bp, downloads_bp, privacy_manage_bp, team_bp,
                      privacy_admin_bp, mailings_bp, communications_public_bp):
        app.register_blueprint(blueprint)


def _register_error_pages(app: Flask) -> None:
    def page(code: int):
        def handler(error):
            # What the error itself says in its headers stays (the Allow of a 405).
            headers = [(name, value) for name, value in getattr(error, "get_headers", lambda: [])()
                       if name != "Content-Type"]
            if request.path.startswith("/api/"):  # programs get JSON, as the API's description promises
                return (jsonify(result=API_ERRORS.get(code, "error"), message=getattr(error, "description", "")),
                        code, headers)
            if code == 429 and request.path.endswith(PUBLIC_FILES):
                # Whoever loops on a public file gets a line of text: a page costs three times as much to make,
                # and those answers, thousands a minute, share the workers with the scans at the door.
                return Response(gettext("Too many requests for this file. Wait a minute and try again."), code,
                                headers, mimetype="text/plain")
            return render_template("errors/error.html", code=code, error=error), code, headers

        return handler

    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(code, page(code))

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("errors/error.html", code=400, error=error, csrf_failed=True), 400

    import sqlite3

    import psycopg
    from sqlalchemy.exc import OperationalError

    @app.errorhandler(OperationalError)
    @app.errorhandler(sqlite3.OperationalError)  # the check-in's scans speak to the driver directly
    @app.errorhandler(psycopg.OperationalError)
    def database_busy(error):
        """A database that could not take the action in time (another action holds its write lock): nothing is
        saved, and the person is asked to send it again. A form comes back as it was sent, ready to resend."""
        db.session.rollback()
        if not is_busy(error):
            raise error
        app.logger.warning("database busy: %s %s", request.method, request.path)
        headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
        if request.path.startswith("/api/"):
            message = gettext("The database is busy: nothing was saved. Send the same request again in a few seconds.")
            return jsonify(result="busy", message=message), 503, headers
        resend = request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data")
        sent = list(request.form.items(multi=True)) if resend else []
        fields = [(name, value) for name, value in sent if name != "csrf_token" and "password" not in name]
        return render_template("errors/busy.html", fields=fields, resend=resend,
                               password_dropped=any("password" in name for name, _ in sent),
                               resend_token=generate_csrf() if resend else ""), 503, headers


def _add_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Private self-service links live in URLs: never hand them to another site through Referer.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: browsers should never try plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(("/manage", "/my/", "/login")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        database = next(row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main")
        # A file of personal data, and its log (recent changes) and index: for our user alone. SQLite makes the
        # -wal and -shm with the database's mode; those made before this rule are set here too.
        for path in (database, f"{database}-wal", f"{database}-shm") if database else ():
            keep_private(path, 0o600)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 20,000-participant event is ~10 MB: keep it in memory rather than re-reading pages for every list.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # As SQLite's busy_timeout: a change that waits longer for another action's lock gives up (503, nothing
        # saved) rather than keeping the worker, and the person, waiting.
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = '5s'")
        cursor.close()
        dbapi_connection.commit()
