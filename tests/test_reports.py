"""The post-event report: its figures add up, the demo's report reads like the seed's press release, an empty or
odd event still gets a report, the English one has no Russian labels, and organizers (only) can download it."""

import io
import itertools
import re
import subprocess

import pytest
import weasyprint
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession
from conference.checkin.models import CheckIn
from conference.events.services import get_event
from conference.extensions import db
from conference.pdf import render_pdf
from conference.registration.models import Participant
from conference.reports import services
from conference.resolutions.models import Recommendation
from conference.resolutions.services import RecommendationData, load_defaults, save_recommendation
from conference.timeutil import to_zone

from .agenda_helpers import at, make_room, make_session
from .conftest import join
from .pdf_checks import metadata, qpdf_check, structure_types


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader sees it, with line breaks undone, and with them the hyphens that hyphenation
    adds at a line's end (U+2010, unlike the hyphen of «Южно-Сахалинск», which stays)."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    # Each page ends with its number («3 / 10»): dropped, so that a sentence running over a page reads whole.
    text = "\n".join(re.sub(r"\n\d+ / \d+\s*$", "", page) for page in pages)
    return " ".join(re.sub("(\\w)\u2010\n(\\w)", r"\1\2", text).split())


@pytest.fixture
def demo_pdf(app, demo):
    with app.test_request_context():
        return services.render_report_pdf(get_event(demo), "ru")


def test_the_figures_add_up(app, demo):
    with app.test_request_context():
        event = get_event(demo)
        report = services.build_report(event)
        confirmed = db.session.scalar(select(func.count()).where(Participant.status == "confirmed"))
        came = db.session.scalar(select(func.count(func.distinct(CheckIn.participant_id))))
        assert (report.confirmed, report.attended) == (confirmed, came)
        assert report.registered == db.session.scalar(select(func.count()).select_from(Participant))
        for lines in ([group.district for group in report.districts] + report.countries,
                      report.organization_types, report.categories):
            assert sum(line.confirmed for line in lines) == confirmed
            assert sum(line.attended for line in lines) == came
        for group in report.districts:  # each district is the sum of its regions
            assert group.district.attended == sum(line.attended for line in group.subjects)
            assert group.district.confirmed == sum(line.confirmed for line in group.subjects)
        assert report.subject_count == 66
        assert (report.east.capital_ru, report.west.capital_ru) == ("Южно-Сахалинск", "Калининград")
        assert 0 < report.no_show_rate < 0.1
        assert report.no_show_rate == pytest.approx(1 - report.confirmed_came / confirmed)
        sessions = {session.title: session for session in db.session.scalars(select(AgendaSession))}
        for line in report.sessions:
            session = sessions[line.title]
            checked = db.session.scalar(select(func.count()).where(CheckIn.session_id == session.id))
            assert line.attended == checked and line.capacity == session.seats
            assert line.fill_rate == pytest.approx(checked / session.seats)
        assert sum(count for _, count in report.arrivals) == db.session.scalar(
            select(func.count()).where(CheckIn.checkpoint == "entrance"))


def test_the_demo_report_reads_like_the_seed(app, demo, demo_pdf, artifacts, tmp_path):
    text = pdf_text(demo_pdf)
    assert ("приняли участие более 500 человек из 66 субъектов Российской Федерации от Южно-Сахалинска до "
            "Калининграда (представители федеральных и региональных органов государственной власти, "
            "промышленных кластеров, технопарков") in text
    with app.test_request_context():
        report = services.build_report(get_event(demo))
        for figure in (report.registered, report.confirmed, report.attended, report.subject_count):
            assert f" {figure} " in f" {text} "
        adopted = list(db.session.scalars(select(Recommendation).where(Recommendation.status == "adopted")))
    assert len(adopted) == 3
    for recommendation in adopted:
        assert " ".join(recommendation.text.split()) in text
    for heading in ("Содержание", "Участники по федеральным округам и регионам", "Прибытие участников по времени",
                    "Министерство промышленности и торговли Российской Федерации", "Адресат не указан"):
        assert (heading in text) == (heading != "Адресат не указан")
    pages = PdfReader(io.BytesIO(demo_pdf)).pages
    assert pages[-1].extract_text().rstrip().endswith(f"{len(pages)} / {len(pages)}")  # page numbers
    # A look at every page, as a reader would get them (kept in test-artifacts/).
    source = tmp_path / "report.pdf"
    source.write_bytes(demo_pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(source), str(artifacts / "report-ru")], check=True)
    assert len(list(artifacts.glob("report-ru-*.png"))) == len(PdfReader(io.BytesIO(demo_pdf)).pages)


def test_the_report_is_tagged_for_screen_readers_and_says_what_it_is_in_each_language(app, demo, demo_pdf):
    with app.test_request_context():
        event = get_event(demo)
        english = services.render_report_pdf(event, "en")
    producer = f"WeasyPrint {weasyprint.__version__}"
    assert metadata(demo_pdf) == {"Title": f"Итоговый отчёт · {event.title}", "Author": f"Оргкомитет «{event.title}»",
                                  "Producer": producer, "Lang": "ru", "tagged": True}
    assert metadata(english) == {"Title": f"Post-event report · {event.title_en}", "Lang": "en", "tagged": True,
                                 "Author": f"Organizing committee of «{event.title_en}»", "Producer": producer}
    for pdf in (demo_pdf, english):
        # The long tables are tables to a screen reader too: their heads (repeated on each page) and row headers.
        assert {"/H1", "/H2", "/H3", "/P", "/L", "/Table", "/THead", "/TBody", "/TR", "/TH", "/TD"} \
            <= structure_types(pdf)
        qpdf_check(pdf)


def test_column_titles_wrap_between_words_and_never_inside_one(app, demo, demo_pdf, tmp_path):
    """«Подтвержде-но», «Доля пришед-ших» were hyphenated; a title wider than its column ran into the next one."""
    with app.test_request_context():
        english = services.render_report_pdf(get_event(demo), "en")
    for pdf, titles, sessions in (
            (demo_pdf, ["Подтверждено", "Пришли", "Доля пришедших"],
             ["Количество мест", "Записались", "Пришли", "Заполняемость"]),
            (english, ["Confirmed registrations", "Attended", "Share attended"],
             ["Capacity", "Signed up", "Attended", "Fill rate"])):
        raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        hyphenated = {before + after for before, after in re.findall("(\\w+)\u2010\n(\\w+)", raw)}
        assert not hyphenated & {word for title in titles + sessions for word in title.split()}
        source = tmp_path / "report.pdf"
        source.write_bytes(pdf)
        layout = subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True,
                                check=True).stdout
        # The sessions table's titles on one line, in order, each apart from the next (not run into it).
        assert re.search(r"\s.*?".join(title.split()[0] for title in sessions), layout), sessions


def test_the_english_report_sets_russian_it_quotes_ragged_right_not_justified(app, event, tmp_path):
    """English hyphenation cannot break Russian words: justified, what the English report quotes in Russian (a
    recommendation given only in Russian, the sessions it was discussed at) opened wide gaps between words. Ragged
    right, its lines end where their words do."""
    with app.test_request_context():
        live = get_event(event.slug)
        load_defaults()
        save_recommendation(live, Recommendation(), RecommendationData(
            text="Ассоциации кластеров и технопарков России совместно с Министерством промышленности и торговли "
                 "Российской Федерации проработать вопрос о расширении поддержки экспортно ориентированных "
                 "промышленных предприятий, включая предоставление субсидий на компенсацию затрат.",
            status="adopted", adopted_on=live.starts_on))
        (tmp_path / "report.pdf").write_bytes(services.render_report_pdf(live, "en"))
    boxes = subprocess.run(["pdftotext", "-bbox-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    words = [(float(y), float(x0), float(x1), text) for x0, y, x1, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', boxes)]
    top = next(y for y, _x0, _x1, text in words if text == "Ассоциации")
    bottom = next(y for y, _x0, _x1, text in words if text == "затрат.")
    gaps = []
    for line in sorted({y for y, *_ in words if top <= y <= bottom}):
        spans = sorted((x0, x1) for y, x0, x1, _text in words if y == line)
        gaps += [after[0] - before[1] for before, after in itertools.pairwise(spans)]
    assert len(gaps) > 20 and max(gaps) < 6, gaps  # a space is about 3 pt; justified, some were 20 pt and more


@pytest.mark.parametrize("follows", ["chart", "table"])
def test_a_heading_never_stays_alone_at_the_foot_of_a_page(follows):
    """Whatever comes before it, a section's heading and its introduction share a page with their chart or with
    the table's column titles and first row (the report's stylesheet, rendered as the report is)."""
    block = ('<svg class="figure-chart" viewBox="0 0 180 40" width="180mm" height="40mm">'
             '<text x="0" y="20" font-size="5">Диаграмма</text></svg>' if follows == "chart" else
             '<table class="grid"><thead><tr><th class="name">Столбец</th></tr></thead><tbody>'
             + "".join(f'<tr><th class="name">Строка {n}</th></tr>' for n in range(1, 30))
             + "</tbody></table>")
    first = "Диаграмма" if follows == "chart" else "Строка 1"
    for filler in range(170, 262, 3):  # mm: the heading falls at every height of a page's foot, then beyond
        pdf = render_pdf(f'<!doctype html><html lang="ru"><head><link rel="stylesheet" href="css/report-pdf.css">'
                         f'</head><body><section><div style="height: {filler}mm"></div></section>'
                         f'<section><h2>Заголовок</h2><p>Вводная фраза.</p>{block}</section></body></html>')
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        heading = next(page for page in pages if "Заголовок" in page)
        assert "Вводная фраза." in heading and first in heading, (filler, pages)


def test_the_english_report_has_no_russian_labels(app, demo):
    with app.test_request_context():
        event = get_event(demo)
        text = pdf_text(services.render_report_pdf(event, "en"))
        # What may stay Russian is what organizers typed in Russian: session titles, rooms, the recommendations.
        data = " ".join([session.title + " " + session.room.name for session in db.session.scalars(
            select(AgendaSession))] + [item.text for item in db.session.scalars(select(Recommendation))])
    allowed = set(re.findall(r"[А-Яа-яЁё]+", data))
    left = sorted(set(re.findall(r"[А-Яа-яЁё]+", text)) - allowed)
    assert left == []
    assert "from Yuzhno-Sakhalinsk to Kaliningrad" in text and "Moscow" in text
    assert "more than 500 people from 66 federal subjects of Russia" in text


def test_an_empty_event_gets_a_report_that_says_what_is_missing(app, event):
    with app.test_request_context():
        live = get_event(event.slug)
        text = pdf_text(services.render_report_pdf(live, "ru"))
        workbook = load_workbook(io.BytesIO(services.render_report_xlsx(live, "ru")))
    assert "зарегистрированных участников пока нет" in text
    assert "Отметок о прибытии пока нет" in text
    assert "Рекомендации пока не приняты" in text
    assert "Участников пока нет" in text
    assert "Итоги" in workbook.sheetnames and "Рекомендации" in workbook.sheetnames


def test_registrations_without_check_ins_and_odd_recommendations(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    with app.test_request_context():
        live = get_event(event.slug)
        load_defaults()
        room = make_room(live, "Зал <i>1</i>")
        session_id = make_session(live, room, at(live, 0, 10), at(live, 0, 11), title="<script>alert(1)</script>")
        long_text = "Очень длинная рекомендация. " * 400
        save_recommendation(live, Recommendation(), RecommendationData(
            text="<b>Без адресата</b>\n\nВторой абзац", status="adopted", adopted_on=live.starts_on,
            session_ids=[session_id]))
        save_recommendation(live, Recommendation(), RecommendationData(
            text=long_text, status="adopted", adopted_on=live.starts_on, body_ids=[1]))
        text = pdf_text(services.render_report_pdf(live, "ru"))
    assert "зарегистрированы и подтверждены 1 человек" in text
    assert "Отметок о прибытии пока нет" in text
    assert "<b>Без адресата</b>" in text and "Второй абзац" in text  # shown as typed, never as markup
    assert "<script>alert(1)</script>" in text
    assert "Адресат не указан" in text and "У этих рекомендаций пока нет адресата" in text
    assert text.count("Очень длинная рекомендация.") == 400


def test_organizers_download_the_report_and_the_tables(app, demo, organizer_client, checkin_client):
    with app.app_context():  # the demo's own staff are members; these test accounts join it
        demo_event = get_event(demo)
    join(app, organizer_client.email, demo_event)
    join(app, checkin_client.email, demo_event)
    organizer_client.get("/lang/en")
    dashboard = organizer_client.get(f"/manage/events/{demo}").get_data(as_text=True)
    for path in ("report.pdf", "report.pdf?lang=en", "report.xlsx", "report.xlsx?lang=en"):  # both, in either UI
        assert f'href="/manage/events/{demo}/{path}"' in dashboard
    pdf = organizer_client.get(f"/manage/events/{demo}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    english = organizer_client.get(f"/manage/events/{demo}/report.pdf?lang=en")
    assert "from Yuzhno-Sakhalinsk to Kaliningrad" in pdf_text(english.data)
    xlsx = organizer_client.get(f"/manage/events/{demo}/report.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Итоги", "Федеральные округа", "Регионы", "Типы организаций", "Категории",
                                   "Сессии программы", "Прибытие участников", "Рекомендации"]
    regions = list(workbook["Регионы"].iter_rows(min_row=2, values_only=True))
    with app.test_request_context():
        report = services.build_report(get_event(demo))
    assert len(regions) == sum(len(group.subjects) for group in report.districts) + len(report.countries) == 66
    assert checkin_client.get(f"/manage/events/{demo}/report.pdf").status_code == 403


def test_the_report_workbook_is_typed_and_carries_every_line_of_the_pdfs_summary(app, demo):
    with app.test_request_context():
        event = get_event(demo)
        report = services.build_report(event)
        workbook = load_workbook(io.BytesIO(services.render_report_xlsx(event, "ru")))
        english = load_workbook(io.BytesIO(services.render_report_xlsx(event, "en")))
    assert english.sheetnames == ["Summary", "Federal districts", "Regions", "Organization types", "Categories",
                                  "Sessions", "Arrivals", "Recommendations"]
    summary = {row[0].value: row[1] for row in workbook["Итоги"].iter_rows(min_row=2)}
    assert list(summary) == ["Зарегистрировано", "Подтверждено", "Пришли", "Доля неявки (подтверждены, но не пришли)",
                             "Субъекты Российской Федерации", "Зарубежные страны", "Принятые рекомендации", "Итоги"]
    assert summary["Принятые рекомендации"].value == report.adopted_count == 3
    assert summary["Пришли"].data_type == "n" and summary["Пришли"].value == report.attended
    rate = summary["Доля неявки (подтверждены, но не пришли)"]
    assert rate.number_format == "0.0%" and rate.value == pytest.approx(report.no_show_rate)
    english_summary = [row[0] for row in english["Summary"].iter_rows(min_row=2, values_only=True)]
    assert "Adopted recommendations" in english_summary
    for sheet in workbook:
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet[1][-1].column_letter}{sheet.max_row}", sheet.title
        assert all(sheet.column_dimensions[cell.column_letter].width >= 8 for cell in sheet[1]), sheet.title
    shares = [row[3] for row in workbook["Федеральные округа"].iter_rows(min_row=2)]
    assert all(cell.data_type == "n" and cell.number_format == "0.0%" and 0 <= cell.value <= 1 for cell in shares)
    sessions = list(workbook["Сессии программы"].iter_rows(min_row=2))
    assert all(row[2].is_date and row[2].value.date() == event.starts_on for row in sessions)
    assert all(row[4].data_type == "n" and row[7].number_format == "0.0%" for row in sessions)
    plenary = next(line for line in report.sessions)
    assert sessions[0][2].value.strftime("%H:%M") == to_zone(plenary.starts_at, event.timezone).strftime("%H:%M")
    arrivals = list(workbook["Прибытие участников"].iter_rows(min_row=2))
    assert arrivals and all(row[0].is_date and row[1].data_type == "n" for row in arrivals)
    assert sum(row[1].value for row in arrivals) == sum(count for _label, count in report.arrivals)


def test_flask_report_writes_both_files(app, demo, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "--event", demo, "--out", str(tmp_path / "r.pdf"),
                                 "--xlsx", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Итоги"
    assert runner.invoke(args=["report", "--event", "nope", "--out", str(tmp_path / "x.pdf")]).exit_code != 0
    assert runner.invoke(args=["report", "--event", demo]).exit_code != 0


def test_spreadsheet_cells_that_look_like_formulas_stay_text(app, event):
    with app.test_request_context():
        live = get_event(event.slug)
        load_defaults()
        save_recommendation(live, Recommendation(), RecommendationData(
            text="=HYPERLINK(\"http://evil\")", status="adopted", adopted_on=live.starts_on))
        save_recommendation(live, Recommendation(), RecommendationData(
            text="- пункт первый", status="adopted", adopted_on=live.starts_on))
        workbook = load_workbook(io.BytesIO(services.render_report_xlsx(live, "ru")))
    cells = [row[2] for row in workbook["Рекомендации"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == ["=HYPERLINK(\"http://evil\")", "- пункт первый"]  # no apostrophe
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_the_report_of_a_large_event_is_prepared_by_a_job(app, client, event, form_data, organizer_client):
    app.config["REPORT_PREPARED_ABOVE"] = 1  # two registrations make it «large» here
    for number in range(2):
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"p{number}@example.org"))
    page = organizer_client.get(f"/manage/events/{event.slug}/report.pdf?lang=en")
    assert page.mimetype == "text/html" and "Подготовить отчёт (English)" in page.get_data(as_text=True)
    asked = organizer_client.post(f"/manage/events/{event.slug}/report.pdf?lang=en")
    assert asked.status_code == 302 and "/downloads/" in asked.location
    ready = organizer_client.get(asked.location).get_data(as_text=True)  # the job ran (at once, in the tests)
    assert "Готово, подготовлено" in ready and "Скачать файл" in ready
    pdf = organizer_client.get(f"{asked.location}/file")
    assert pdf.mimetype == "application/pdf" and "report-" in pdf.headers["Content-Disposition"]
    assert "Registered" in pdf_text(pdf.get_data()) or "registered" in pdf_text(pdf.get_data())
    later = organizer_client.get(f"/manage/events/{event.slug}/report.pdf?lang=en").get_data(as_text=True)
    assert asked.location in later  # listed under «prepared before»
