"""Badges read back as a person would: the PDF's text, and its QR codes decoded from a rasterized page."""

import io
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import tinyhtml5
import weasyprint
import zxingcpp
from flask_babel import force_locale
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import delete, select, update

from conference.badges import services
from conference.badges.layouts import LAYOUTS
from conference.badges.models import Badge, BadgeRender
from conference.downloads.models import Download
from conference.extensions import db
from conference.pdf import merge_pdfs
from conference.registration.models import Participant

from .conftest import ON_POSTGRES, action, sent_mail
from .pdf_checks import metadata, qpdf_check

LONG_ORGANIZATION = ("Федеральное государственное унитарное предприятие «Центральный научно-исследовательский "
                     "институт конструкционных материалов «Прометей» имени И. В. Горынина Национального "
                     "исследовательского центра «Курчатовский институт»")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on every page, rasterized at 150 dpi as a printer would see it, decoded by zxing-cpp."""
    source = tmp_path / "badges.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page*.png")):
        found += [result.text for result in zxingcpp.read_barcodes(Image.open(page))
                  if result.format == zxingcpp.BarcodeFormat.QRCode]
    return found


@pytest.fixture
def people(app, client, event, form_data):
    """Five confirmed participants, one with a very long name and organization, the others with markup, an
    ampersand and quotes in theirs."""
    names = ["Иванов", "Петрова", "Сидоров", "Константинопольская-Преображенская", "Кузнецов"]
    for number, last_name in enumerate(names):
        organization = LONG_ORGANIZATION if number == 3 else f"АО «Завод №{number}» <b>жирный</b> & \"Ко\" 'Ltd'"
        client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"p{number}@example.org", organization=organization))
    with action(app):
        return [p.id for p in db.session.scalars(select(Participant).order_by(Participant.id))]


def load(ids: list[int]) -> list[Participant]:
    return [db.session.get(Participant, participant_id) for participant_id in ids]


@pytest.mark.parametrize("layout_key", list(LAYOUTS))
def test_each_layout_reads_back_and_its_qr_codes_are_the_tokens(app, event, people, layout_key, tmp_path,
                                                                 monkeypatch):
    html_parses = []  # the sheet is well-formed XML, whatever the names hold: WeasyPrint's HTML parser never runs
    monkeypatch.setattr(tinyhtml5, "parse", lambda *args, **kwargs: html_parses.append(args))
    with app.test_request_context():
        db.session.execute(delete(BadgeRender))  # the renders kept from the letters: all are rendered here
        db.session.commit()
        participants = load(people)
        pdf = services.render_badges(event, participants, LAYOUTS[layout_key])
        tokens = {p.id: services.current_badge(p).token for p in participants}
    reader = PdfReader(io.BytesIO(pdf))
    layout = LAYOUTS[layout_key]
    assert len(reader.pages) == -(-len(people) // layout.per_page)
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert abs(width_mm - layout.page_width) < 0.5
    text = pdf_text(pdf)
    for last_name in ("Иванов", "Петрова", "Сидоров", "Кузнецов"):
        assert last_name in text
    assert "Участник" in text.replace("УЧАСТНИК", "Участник") or "УЧАСТНИК" in text
    assert "<b>" in text  # markup in a name or organization is printed as text, never interpreted
    assert "<b>жирный</b> & \"Ко\" 'Ltd'" in text.replace("\n", " ")
    assert html_parses == []
    assert sorted(qr_codes(pdf, tmp_path)) == sorted(tokens.values())


def test_each_badge_speaks_its_holders_language(app, event, people):
    """In one batch: a participant who registered in English gets the event's English title and dates, their
    region and their category in English; the others keep Russian, whatever the organizer's page speaks."""
    with app.test_request_context():
        participants = load(people)[:2]
        participants[1].language = "en"
        db.session.commit()
        with force_locale("en"):  # an organizer printing from the English page
            text = pdf_text(services.render_badges(event, participants, LAYOUTS["a4x4"])).replace("\n", " ")
    for russian, english in ((event.title, event.title_en), ("УЧАСТНИК", "PARTICIPANT"),
                             ("Сахалинская область", "Sakhalin Oblast")):
        assert text.count(russian) == 1 and text.count(english) == 1, (russian, english)
    assert text.index("Sakhalin Oblast") > text.index("Петрова") > text.index("Сахалинская область")


@pytest.mark.parametrize("layout_key", ["a6", "a4x4", "label-90x54"])
def test_every_badge_pdf_has_a_title_a_language_an_author_and_a_producer(app, event, people, organizer_client,
                                                                           layout_key):
    """One badge (rendered, or kept from the letter and placed), a batch on sheets or labels, a batch merged from
    steps: each says what it is and in which language, and qpdf finds it well formed."""
    with app.test_request_context():
        participants = load(people)
        participants[1].language = "en"
        db.session.commit()
        layout = LAYOUTS[layout_key]
        mixed = services.render_badges(event, participants[1::-1] + participants[2:], layout)  # English first
        english = services.render_badges(event, participants[1:2], layout)
        steps = merge_pdfs([services.render_badges(event, participants[:2], layout),
                            services.render_badges(event, participants[2:], layout)])
        headings = {language: services.badge_heading(event, language) for language in ("ru", "en")}
    single = organizer_client.get(f"/manage/events/{event.slug}/participants/{people[0]}/badge.pdf?layout={layout_key}")
    producer = f"WeasyPrint {weasyprint.__version__}"
    for pdf in (mixed, steps, single.get_data()):
        assert metadata(pdf) == {"Title": headings["ru"], "Author": f"Оргкомитет «{event.title}»",
                                 "Producer": producer, "Lang": "ru", "tagged": False}
        qpdf_check(pdf)
    assert metadata(english) == {"Title": headings["en"],
                                 "Author": f"Organizing committee of «{event.title_en}»", "Producer": producer,
                                 "Lang": "en", "tagged": False}
    qpdf_check(english)


@pytest.fixture
def rendered(monkeypatch):
    """The last names of the badges WeasyPrint renders (really renders: this only counts them)."""
    names = []
    render_faces = services.render_faces

    def counted(event, faces, layout):
        names.extend(shown.last_name for shown in faces)
        return render_faces(event, faces, layout)

    monkeypatch.setattr(services, "render_faces", counted)
    return names


def test_badges_rendered_for_the_letters_are_placed_not_rendered_again(app, event, people, rendered, tmp_path):
    """Each confirmed participant's badge was rendered for their letter and kept: printing everybody, on A6 or on
    sheets of four, renders none of them again, and the pages read back the same."""
    with app.test_request_context():
        participants = load(people)
        assert sorted(db.session.scalars(select(BadgeRender.participant_id))) == sorted(people)
        sheets = services.render_badges(event, participants, LAYOUTS["a4x4"])
        single = services.render_badges(event, participants, LAYOUTS["a6"])
        tokens = sorted(services.current_badge(p).token for p in participants)
    assert rendered == []
    assert len(PdfReader(io.BytesIO(sheets)).pages) == 2 and len(PdfReader(io.BytesIO(single)).pages) == 5
    for pdf, folder in ((sheets, tmp_path / "sheets"), (single, tmp_path / "a6")):
        folder.mkdir()
        assert sorted(qr_codes(pdf, folder)) == tokens
        assert all(name in pdf_text(pdf) for name in ("Иванов", "Петрова", "Сидоров", "Кузнецов"))


def test_a_kept_render_that_no_longer_shows_the_badge_is_never_placed(app, event, people, rendered,
                                                                    organizer_client, tmp_path):
    """A name edited, a badge reissued (its old QR code is refused at the door), another category, another
    language: each of those badges is rendered anew, the others are placed. Rendered alone again, a badge is kept
    again."""
    with app.test_request_context():
        edited, _reissued, promoted, english, _same = load(people)
        edited.last_name, promoted.category, english.language = "Новиков", "vip", "en"
        db.session.commit()
    organizer_client.post(f"/manage/events/{event.slug}/participants/{people[1]}/badge/reissue")
    with app.test_request_context():
        participants = load(people)
        pdf = services.render_badges(event, participants, LAYOUTS["a4x4"])
        tokens = sorted(services.current_badge(p).token for p in participants)
    assert sorted(rendered) == sorted(["Новиков", "Петрова", "Сидоров", "Константинопольская-Преображенская"])
    text = pdf_text(pdf)
    assert "Новиков" in text and "Иванов" not in text and "VIP" in text and "PARTICIPANT" in text
    assert sorted(qr_codes(pdf, tmp_path)) == tokens  # the reissued badge's new token, not the revoked one

    rendered.clear()
    with app.test_request_context():
        services.render_badges(event, load(people[:1]), LAYOUTS["a6"])  # as for the desk: kept
        in_order = list(reversed(people))  # kept and rendered badges mixed, in the list's order
        pdf = services.render_badges(event, load(in_order), LAYOUTS["a6"])
        names = [db.session.get(Participant, participant_id).last_name for participant_id in in_order]
    assert sorted(rendered) == sorted(["Новиков", "Петрова", "Сидоров", "Константинопольская-Преображенская"])
    pages = [page.extract_text().replace("-\n", "-").replace("\n", " ") for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 5 and all(name in page for name, page in zip(names, pages, strict=True))


def test_a_new_event_title_renders_every_badge_anew(app, event, people, rendered):
    with app.test_request_context():
        participants = load(people)
        participants[0].event.title = "Промышленная Россия 5.0"
        db.session.commit()
        pdf = services.render_badges(participants[0].event, participants, LAYOUTS["a4x4"])
    assert len(rendered) == 5
    assert pdf_text(pdf).count("Промышленная Россия 5.0") == 5 and "4.0" not in pdf_text(pdf)


def test_an_organizers_new_title_has_the_kept_badges_rendered_anew_by_a_job(app, event, people, rendered,
                                                                            organizer_client):
    """Saving a new title (or new dates) asks for a job that renders the stale kept badges anew, each alone, so
    that the night's print places them all; a text that badges do not show asks for nothing."""
    edit = organizer_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    form = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', edit)}
    form.update(title="Промышленная Россия 5.0", timezone="Europe/Moscow", consent_text=event.consent_text,
                description="", description_en="", consent_text_en="")  # (the text they agreed to, unchanged)
    assert organizer_client.post(f"/manage/events/{event.slug}/edit", data=form).status_code == 302
    assert sorted(rendered) == []  # render_faces is the bulk path: the job renders each badge alone
    with app.test_request_context():
        participants = load(people)
        kept = {row.participant_id: row for row in db.session.scalars(select(BadgeRender))}
        assert sorted(kept) == sorted(people)
        assert all("Промышленная Россия 5.0" in pdf_text(row.pdf) for row in kept.values())
        pdf = services.render_badges(participants[0].event, participants, LAYOUTS["a4x4"])
    assert rendered == [] and pdf_text(pdf).count("Промышленная Россия 5.0") == 5  # placed, none rendered

    form.update(venue="Крокус Экспо")  # not on the badge: nothing to render
    with app.test_request_context():
        before = {row.participant_id: row.rendered_at for row in db.session.scalars(select(BadgeRender))}
    organizer_client.post(f"/manage/events/{event.slug}/edit", data=form)
    with app.test_request_context():
        assert {row.participant_id: row.rendered_at for row in db.session.scalars(select(BadgeRender))} == before


@pytest.mark.skipif(ON_POSTGRES, reason="holds SQLite's write lock")
def test_a_database_too_busy_to_keep_the_render_still_gets_the_letter_sent(app, client, event, form_data,
                                                                         database_uri, monkeypatch):
    """Keeping a render only saves later work: when the database stays busy past its timeout (another process
    writing) just as the render is kept, the registration is still confirmed and its letter carries the badge."""
    writer = sqlite3.connect(database_uri.removeprefix("sqlite:///"))
    keep_render = services.keep_render

    def while_another_process_writes(*args):
        writer.execute("BEGIN IMMEDIATE")
        try:
            keep_render(*args)
        finally:
            writer.rollback()

    monkeypatch.setattr(services, "keep_render", while_another_process_writes)
    response = client.post(f"/events/{event.slug}/register", data=form_data(last_name="Занятой"))
    writer.close()
    assert response.status_code == 302
    [letter] = sent_mail(app)
    [badge] = [part for part in letter.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert "Занятой" in pdf_text(badge.get_content())
    with action(app):
        assert db.session.scalar(select(Participant.status)) == "confirmed"
        assert db.session.scalars(select(BadgeRender)).all() == []


def test_big_batches_render_every_badge_in_bounded_memory(app, event, people, rendered, monkeypatch):
    """Kept renders carry their own fonts: past a batch size, composing them would need too much memory."""
    monkeypatch.setattr(services, "KEPT_RENDERS_PLACED", 4)
    with app.test_request_context():
        services.render_badges(event, load(people[:4]), LAYOUTS["a4x4"])
        assert rendered == []
        pdf = services.render_badges(event, load(people), LAYOUTS["a4x4"])
    assert len(rendered) == 5 and len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_tokens_are_forty_random_digits_and_carry_nothing_else(app, event, people):
    with app.test_request_context():
        tokens = [services.current_badge(p).token for p in load(people)]
    assert all(re.fullmatch(r"\d{40}", token) for token in tokens)
    assert len(set(tokens)) == len(tokens)
    assert not any(str(participant_id) == token.lstrip("0") for participant_id, token in zip(people, tokens,
                                                                                            strict=True))


def test_the_longest_names_shrink_and_the_qr_code_stays_readable(app, event, people, tmp_path):
    with app.test_request_context():
        long_one = load(people)[3]
        pdf = services.render_badges(event, [long_one], LAYOUTS["a6"])
        token = services.current_badge(long_one).token
        shown = services.face(long_one, services.current_badge(long_one))
    assert shown.name_size >= 3 and shown.organization_size == 3  # the smallest sizes
    assert qr_codes(pdf, tmp_path) == [token]
    assert "Константинопольская" in pdf_text(pdf).replace("-\n", "").replace("\n", "")


@pytest.mark.parametrize("layout_key", list(LAYOUTS))
def test_names_as_long_as_the_form_allows_stay_clear_of_the_qr_code_and_the_band(app, event, people, layout_key,
                                                                                 tmp_path):
    """100 characters of last name (one word), first name and patronymic, 300 of organization, 200 of position,
    300 of event title: lines wrap anywhere, a part of several words is cut after a few lines with «…», and no
    word leaves the badge or reaches into the QR code or the category band (word boxes from pdftotext, the QR
    code's corners from zxing-cpp). (A one-word name cut so has its «…» clipped at the badge's edge.)"""
    with app.test_request_context():
        longest = load(people)[0]
        longest.event.title = ("Всероссийский форум " * 15)[:300]
        longest.last_name, longest.first_name, longest.patronymic = "Длинноф" * 14 + "ам", "Я" * 100, "Ё" * 100
        longest.organization, longest.position = ("Организация " * 25)[:300], ("Должность " * 20)[:200]
        db.session.commit()
        pdf = services.render_badges(event, [longest], LAYOUTS[layout_key])
        token = services.current_badge(longest).token
    source = tmp_path / "badge.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    [qr] = [found for found in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png")) if found.text == token]
    corners = [qr.position.top_left, qr.position.top_right, qr.position.bottom_left, qr.position.bottom_right]
    qr_left, qr_top = min(c.x for c in corners) * 72 / 150, min(c.y for c in corners) * 72 / 150
    qr_right = max(c.x for c in corners) * 72 / 150
    subprocess.run(["pdftotext", "-bbox", str(source), str(tmp_path / "words.html")], check=True)
    words = [(word, *map(float, box)) for *box, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        (tmp_path / "words.html").read_text())]
    [band] = [top for word, _left, top, _right, _bottom in words if word == "УЧАСТНИК"]
    text = [(word, left, top, right, bottom) for word, left, top, right, bottom in words if word != "УЧАСТНИК"]
    assert any(word.endswith("…") for word, *_ in text)  # something was cut, and says so
    assert sum(word == "Всероссийский" for word, *_ in text) >= 2  # the long title, cut after two lines
    layout = LAYOUTS[layout_key]
    badge_right = (layout.margin_x + layout.badge_width) * 72 / 25.4
    for word, left, _top, right, bottom in text:
        assert right <= badge_right + 0.5, word  # never off the badge
        assert bottom <= band + 0.5, word  # never under the band
        if LAYOUTS[layout_key].compact:
            assert left >= qr_right - 0.5, word  # the QR code on the left, the text beside it
        else:
            assert bottom <= qr_top + 0.5 or right <= qr_left + 0.5, word  # above the QR code, or beside it


def test_reissue_revokes_the_old_token(app, event, people, organizer_client):
    with app.test_request_context():
        participant = load(people)[0]
        old = services.current_badge(participant).token
    response = organizer_client.post(f"/manage/events/{event.slug}/participants/{people[0]}/badge/reissue",
                                     follow_redirects=True)
    assert "Выпущен новый бейдж" in response.get_data(as_text=True)
    with action(app):
        revoked = db.session.scalar(select(Badge).where(Badge.token == old))
        assert revoked.revoked_at is not None
        current = services.current_badge(db.session.get(Participant, people[0]))
        assert current.token != old and current.revoked_at is None
        # The render kept from the letter carried the old token: it is gone with it.
        assert db.session.get(BadgeRender, people[0]) is None and db.session.get(BadgeRender, people[1])


def test_participants_get_their_own_badge_and_never_anothers(app, client, event, people, tmp_path):
    links = [re.search(r"http://localhost(/my/[\w.\-]+)", m.get_body(("plain",)).get_content()).group(1)
             for m in sent_mail(app)]
    first = client.get(f"{links[0]}/badge.pdf")
    assert first.mimetype == "application/pdf"
    with action(app):
        token = services.current_badge(db.session.get(Participant, people[0])).token
    assert qr_codes(first.get_data(), tmp_path) == [token]
    assert "Петрова" not in pdf_text(first.get_data())
    assert client.get("/my/forged-token/badge.pdf").status_code == 404


def test_no_badge_before_confirmation_or_after_cancelling(app, client, make_event, form_data, organizer_client):
    event = make_event(moderation=True, members=(organizer_client.email,))
    client.post(f"/events/{event.slug}/register", data=form_data())
    link = re.search(r"http://localhost(/my/[\w.\-]+)", sent_mail(app)[0].get_body(("plain",)).get_content()).group(1)
    pending = client.get(f"{link}/badge.pdf")
    assert pending.status_code == 409 and "когда организаторы подтвердят" in pending.get_data(as_text=True)
    assert not sent_mail(app)[0].get_payload()[1:] or all(
        part.get_content_type() != "application/pdf" for part in sent_mail(app)[0].iter_attachments())
    with action(app):
        participant_id = db.session.scalar(select(Participant.id))
    manage = f"/manage/events/{event.slug}/participants/{participant_id}"
    organizer_client.post(f"{manage}/status", data={"action": "approve"})
    [attachment] = list(sent_mail(app)[-1].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Сидорова" in pdf_text(attachment.get_content())
    client.post(f"{link}/cancel")
    assert client.get(f"{link}/badge.pdf").status_code == 409
    assert organizer_client.get(f"{manage}/badge.pdf").status_code == 409


def test_bulk_printing_follows_the_filter_and_tracks_printing(app, event, people, organizer_client, tmp_path):
    with action(app):
        db.session.get(Participant, people[1]).category = "speaker"
        db.session.commit()
    response = organizer_client.post(f"/manage/events/{event.slug}/badges",
                                     data={"category": "speaker", "layout": "a4x4"})
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.get_data())
    assert "Петрова" in text and "Иванов" not in text and "СПИКЕР" in text.upper()
    # Downloaded is not printed: the batch counts only once the organizer marks it printed.
    again = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"layout": "a6", "only_unprinted": "1"})
    assert "Петрова" in pdf_text(again.get_data())
    with action(app):
        speakers = db.session.scalars(select(Download).order_by(Download.id)).first()
    marked = organizer_client.post(f"/manage/events/{event.slug}/badges/batches/{speakers.id}/printed",
                                   follow_redirects=True)
    assert "1 бейдж отмечен как напечатанный." in marked.get_data(as_text=True)
    everyone = organizer_client.post(f"/manage/events/{event.slug}/badges",
                                     data={"layout": "a6", "only_unprinted": "1"})
    assert "Петрова" not in pdf_text(everyone.get_data())  # printed already
    batch = organizer_client.get(f"/manage/events/{event.slug}/participants/").get_data(as_text=True)
    assert "Последние партии бейджей" in batch and "не отмечена напечатанной" in batch
    with action(app):
        latest = db.session.scalars(select(Download).order_by(Download.id.desc())).first()
    organizer_client.post(f"/manage/events/{event.slug}/badges/batches/{latest.id}/printed")
    assert len(PdfReader(io.BytesIO(everyone.get_data())).pages) == 4
    with action(app):
        counts = {b.participant_id: b.print_count for b in db.session.scalars(select(Badge))}
    assert counts[people[1]] == 1 and counts[people[0]] == 1
    nothing = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"only_unprinted": "1"},
                                    follow_redirects=True)
    assert "печатать нечего" in nothing.get_data(as_text=True)

    # The list filtered to cancelled registrations: its print button prints nobody (it printed everybody).
    page = organizer_client.get(f"/manage/events/{event.slug}/participants/?status=cancelled").get_data(as_text=True)
    assert '<input type="hidden" name="status" value="cancelled">' in page
    with action(app):
        before = {b.participant_id: b.print_count for b in db.session.scalars(select(Badge))}
    refused = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"status": "cancelled"},
                                    follow_redirects=True)
    assert refused.mimetype == "text/html" and "печатать нечего" in refused.get_data(as_text=True)
    with action(app):
        assert {b.participant_id: b.print_count for b in db.session.scalars(select(Badge))} == before
    confirmed = organizer_client.post(f"/manage/events/{event.slug}/badges", data={"status": "confirmed"})
    assert confirmed.mimetype == "application/pdf"


def test_flask_badges_command(app, event, people, tmp_path):
    out = tmp_path / "all.pdf"
    result = app.test_cli_runner().invoke(args=["badges", "--event", event.slug, "--out", str(out),
                                                "--layout", "label-90x54"])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(str(out)).pages) == 5
    again = app.test_cli_runner().invoke(args=["badges", "--event", event.slug, "--out", str(out),
                                               "--only-unprinted"])
    assert again.exit_code != 0 and "no confirmed participant" in again.output
    unknown = app.test_cli_runner().invoke(args=["badges", "--event", "nope", "--out", str(out)])
    assert unknown.exit_code != 0 and "no event" in unknown.output


def test_the_qr_code_is_drawn_by_a_job_once_the_badge_is_issued(app, event, people, tmp_path):
    def kept_picture(participant_id: int) -> bytes | None:
        return db.session.execute(select(Badge.qr_png).where(Badge.participant_id == participant_id,
                                                             Badge.revoked_at.is_(None))).scalar_one()

    with app.test_request_context():
        participant = load(people)[0]
        badge = services.current_badge(participant)
        token = badge.token
        # Confirmed earlier: the job asked for at that commit has drawn and kept the picture.
        picture = Image.open(io.BytesIO(kept_picture(participant.id)))
        assert [code.text for code in zxingcpp.read_barcodes(picture.resize((290, 290), Image.NEAREST))] == [
            badge.token]
        # Before its job has run, a badge is shown with a picture drawn for the moment; nothing is written.
        db.session.execute(update(Badge).values(qr_png=None))
        db.session.commit()
        pdf = services.render_badges(event, [participant], LAYOUTS["a6"])
        db.session.rollback()
        assert kept_picture(participant.id) is None
        assert services.draw_pictures([badge.id]) == 1  # the job's work
        db.session.commit()
        assert kept_picture(participant.id) is not None
    assert qr_codes(pdf, tmp_path) == [token]
