"""The program's PDF: rendered once per event, language and version of the program, kept for every worker, and
limited per visitor so that nobody looping on it can slow the check-in."""

import io
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader
from sqlalchemy import select

from conference import create_app, pdf
from conference.agenda.models import AgendaSession
from conference.extensions import db, limiter
from conference.registration.models import Participant

from .agenda_helpers import at, make_room, make_session
from .conftest import log_in
from .pdf_checks import metadata, qpdf_check, structure_types


@pytest.fixture
def app(app_config, tmp_path):
    """The cache in this test's own instance folder, so that each test starts with none."""
    app = create_app(app_config)
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The HTML documents WeasyPrint was given."""
    given = []

    def counted(html, user_agent_css=None, **options):
        given.append(html)
        return real(html, user_agent_css, **options)

    real = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", counted)
    return given


@pytest.fixture
def plenary(app, event, client, form_data) -> int:
    client.post(f"/events/{event.slug}/register", data=form_data())
    with app.app_context():
        moderator = db.session.scalar(select(Participant.id))
        hall = make_room(event, "Большой зал", 300)
        return make_session(event, hall, at(event, 0, 10), at(event, 0, 12), kind="plenary",
                            title="Наращивание внутренней кооперации", moderator_ids=[moderator])


def text_of(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)


def cached_files(app) -> list[Path]:
    return sorted(Path(app.instance_path, "cache", "pdf").glob("*/*.pdf"))


def test_the_second_request_is_read_from_the_cache(app, app_config, client, event, plenary, renders):
    first = client.get(f"/events/{event.slug}/program.pdf")
    second = client.get(f"/events/{event.slug}/program.pdf")
    assert len(renders) == 1 and second.get_data() == first.get_data()
    [kept] = cached_files(app)
    assert kept.read_bytes() == first.get_data() and kept.stem == first.headers["ETag"].strip('"')
    assert "Наращивание внутренней кооперации" in text_of(second)
    # Another worker (another app on the same instance folder) reads what this one rendered.
    other = create_app(app_config)
    other.instance_path = app.instance_path
    assert other.test_client().get(f"/events/{event.slug}/program.pdf").get_data() == first.get_data()
    assert len(renders) == 1


def test_an_edited_session_gives_a_new_pdf(app, client, organizer_client, event, plenary, renders):
    before = client.get(f"/events/{event.slug}/program.pdf")
    with app.app_context():
        room_id = db.session.get(AgendaSession, plenary).room_id
    edited = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/{plenary}", data={
        "title": "Кооперация 2.0", "kind": "plenary", "room_id": room_id, "day": event.starts_on.isoformat(),
        "start_time": "10:00", "end_time": "12:00", "is_public": "y"})
    assert edited.status_code == 302
    after = client.get(f"/events/{event.slug}/program.pdf")
    assert "Кооперация 2.0" in text_of(after) and "Наращивание" not in text_of(after)
    assert after.headers["ETag"] != before.headers["ETag"] and len(renders) == 2
    assert len(cached_files(app)) == 2  # the older version is kept too (a browser may still ask for it)


def test_a_moderators_new_position_shows_without_anyone_saying_so(app, client, event, plenary, renders):
    """The cache is keyed by what the program shows, so no write path has to invalidate it."""
    client.get(f"/events/{event.slug}/program.pdf")
    with app.app_context():
        db.session.scalar(select(Participant)).position = "Генеральный директор"
        db.session.commit()
    assert "Генеральный директор" in text_of(client.get(f"/events/{event.slug}/program.pdf"))
    assert len(renders) == 2


def test_english_and_russian_are_cached_apart(app, client, event, plenary, renders):
    russian = client.get(f"/events/{event.slug}/program.pdf")
    client.get("/lang/en")
    english = client.get(f"/events/{event.slug}/program.pdf")
    assert "Программа" in text_of(russian) and "Program" in text_of(english)
    assert english.headers["ETag"] != russian.headers["ETag"]
    assert [path.parent.name for path in cached_files(app)] == [f"program-{event.id}-en", f"program-{event.id}-ru"]
    assert client.get(f"/events/{event.slug}/program.pdf").get_data() == english.get_data() and len(renders) == 2


def test_a_browser_holding_this_version_gets_304(client, event, plenary, renders):
    first = client.get(f"/events/{event.slug}/program.pdf")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"  # kept, but asked about every time
    again = client.get(f"/events/{event.slug}/program.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    stale = client.get(f"/events/{event.slug}/program.pdf", headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    assert len(renders) == 1


def test_only_the_newest_versions_of_a_document_are_kept(app, monkeypatch, renders):
    monkeypatch.setattr(pdf, "PDF_VERSIONS_KEPT", 2)
    folder = Path(app.instance_path, "cache", "pdf", "some-document")
    digests = [pdf.cached_pdf(f"<p>Version {number}</p>", folder)[0] for number in range(4)]
    assert {path.stem for path in folder.iterdir()} <= set(digests) and len(list(folder.iterdir())) == 2
    assert digests[3] in {path.stem for path in folder.iterdir()}


@pytest.fixture
def limited(app_config, tmp_path, plenary):
    """Made after the other apps of the test: the limiter is one object, switched on or off by the app made last."""
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True, PUBLIC_PDF_RATE_LIMIT="3 per minute"))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        limiter.reset()  # counters kept in Redis (CI's third run) outlive the test that counted them
    return app


def test_visitors_are_limited_with_a_line_in_their_language(limited, event, plenary):
    client = limited.test_client()
    for _ in range(3):
        assert client.get(f"/events/{event.slug}/program.pdf").status_code == 200
    refused = client.get(f"/events/{event.slug}/program.pdf")
    # A line of text (a page would cost the workers three times as much), and when to ask again.
    assert refused.status_code == 429 and refused.mimetype == "text/plain"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_data(as_text=True) == "Слишком много запросов этого файла. Подождите минуту и попробуйте снова."
    client.get("/lang/en")
    assert "Wait a minute and try again" in client.get(f"/events/{event.slug}/program.pdf").get_data(as_text=True)
    # Counted per client address: another visitor is served.
    other = limited.test_client().get(f"/events/{event.slug}/program.pdf", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_staff_logged_in_are_not_limited(limited, make_user, event, plenary):
    client = limited.test_client()
    log_in(client, make_user("checkin"))
    assert [client.get(f"/events/{event.slug}/program.pdf").status_code for _ in range(5)] == [200] * 5
    visitor = limited.test_client()  # from the same address, and limited
    assert [visitor.get(f"/events/{event.slug}/program.pdf").status_code for _ in range(4)] == [200] * 3 + [429]


def test_the_program_is_tagged_for_screen_readers_and_says_what_it_is_in_each_language(client, event, plenary):
    for language, title, author in (
            ("ru", f"Программа — {event.title}", f"Оргкомитет «{event.title}»"),
            ("en", f"Program — {event.title_en}", f"Organizing committee of «{event.title_en}»")):
        client.get(f"/lang/{language}")
        program = client.get(f"/events/{event.slug}/program.pdf").get_data()
        assert metadata(program) == {"Title": title, "Author": author, "Lang": language, "tagged": True,
                                     "Producer": f"WeasyPrint {weasyprint.__version__}"}
        assert {"/H1", "/H2", "/P"} <= structure_types(program)
        qpdf_check(program)


def test_new_rendering_options_render_the_cached_pdf_anew(app, client, event, plenary, renders, monkeypatch):
    """The options are part of the digest: after a deployment that changes them no PDF of the old kind is served."""
    client.get(f"/events/{event.slug}/program.pdf")
    monkeypatch.setitem(pdf.CACHED_PDF_OPTIONS, "tagged", False)
    untagged = client.get(f"/events/{event.slug}/program.pdf").get_data()
    assert len(renders) == 2 and len(cached_files(app)) == 2
    assert metadata(untagged)["tagged"] is False
