"""The one WeasyPrint entry: parts rendered by worker processes and merged in order."""

import base64
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pikepdf
import pytest
import tinyhtml5
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from conference import pdf as pdf_module
from conference.pdf import _HTML, STATIC_DIR, Sheet, StaticOnlyFetcher, compose_pdf, render_pdf

PROJECT = Path(__file__).resolve().parent.parent

# Run in a process of its own: pytest's process has other threads (the SMTP server), and the renderer never
# forks a process that has (see render_pdfs). Each part prints the process that rendered it.
POOL_SCRIPT = """
import json, os, sys
from conference import pdf

rendered_by = pdf.render_pdf
pdf.render_pdf = lambda html, user_agent_css=None: rendered_by(html.replace("PID", str(os.getpid())), user_agent_css)
documents = (f"<p>Часть {number} PID</p>" for number in range(5))
parts = list(pdf.render_pdfs(documents))
sys.stdout.buffer.write(pdf.compose_pdf([(part, 0) for part in parts]))
print(json.dumps({"me": os.getpid()}), file=sys.stderr)
"""


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_parts_are_rendered_by_workers_and_merged_in_order():
    run = subprocess.run([sys.executable, "-c", POOL_SCRIPT], capture_output=True, cwd=PROJECT, check=True)
    me = json.loads(run.stderr.decode().strip().splitlines()[-1])["me"]
    texts = page_texts(run.stdout)
    assert [text.split()[1] for text in texts] == ["0", "1", "2", "3", "4"]
    workers = {text.split()[2] for text in texts}
    assert workers and str(me) not in workers  # rendered by the pool, not by the caller


def test_a_process_running_other_threads_renders_the_parts_itself(monkeypatch):
    from conference import pdf

    monkeypatch.setattr(pdf, "render_pdf", lambda html, user_agent_css=None: render_pdf(
        html.replace("PID", str(os.getpid())), user_agent_css))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # as in the threaded development server
    other.start()
    try:
        parts = list(pdf.render_pdfs(f"<p>Часть {number} PID</p>" for number in range(3)))
    finally:
        stop.set()
        other.join()
    assert [page_texts(part) for part in parts] == [[f"Часть {number} {os.getpid()}"] for number in range(3)]


def test_composing_places_the_pages_asked_for_in_order():
    parts = [render_pdf(f"<p>Один {n}</p><p style='page-break-before: always'>Два {n}</p>") for n in range(3)]
    every_page = [(part, index) for part in parts for index in (0, 1)]
    assert page_texts(compose_pdf(every_page)) == ["Один 0", "Два 0", "Один 1", "Два 1", "Один 2", "Два 2"]
    assert page_texts(compose_pdf([(parts[2], 1), (parts[0], 0)])) == ["Два 2", "Один 0"]
    assert compose_pdf(every_page[:2]) == parts[0]  # one PDF, whole: as it is
    assert page_texts(compose_pdf(every_page[:1])) == ["Один 0"]  # a part of one: only that part


@pytest.mark.parametrize("sheets_at_once", [250, 1])
def test_a_sheet_holds_its_pages_scaled_into_their_places_with_its_marks(tmp_path, monkeypatch, sheets_at_once):
    """Two A6 pages side by side on an A5 sheet, each shrunk to a 70 × 100 mm place, and a mark drawn over."""
    mm = 72 / 25.4
    a6 = [render_pdf(f"<style>@page {{ size: A6; margin: 0 }}</style><p>Страница {n}</p>") for n in range(3)]
    sheet = Sheet(148 * mm, 210 * mm, ((4 * mm, 110 * mm, 74 * mm, 210 * mm), (74 * mm, 110 * mm, 144 * mm, 210 * mm)),
                  b"q 0 G 1 w 10 10 m 100 10 l S Q")
    monkeypatch.setattr(pdf_module, "SHEETS_COMPOSED_AT_ONCE", sheets_at_once)  # 1: composed in chunks, merged
    pdf = compose_pdf([(a6[0], 0), (a6[1], 0), (a6[2], 0)], sheet)
    assert pdf.startswith(b"%PDF-1.7")  # as WeasyPrint's pages, whose transparency 1.3 does not know
    assert [" ".join(text.split()) for text in page_texts(pdf)] == ["Страница 0 Страница 1", "Страница 2"]
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftotext", "-bbox", str(source), str(tmp_path / "words.html")], check=True)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">Страница</word>',
                       (tmp_path / "words.html").read_text())
    lefts = [float(x_min) for x_min, *_ in words]
    assert 4 * mm < lefts[0] < 20 * mm and 74 * mm < lefts[1] < 90 * mm and 4 * mm < lefts[2] < 20 * mm
    assert PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width == pytest.approx(148 * mm, abs=0.01)
    composed = pikepdf.open(io.BytesIO(pdf))
    first = composed.pages[0]
    first.contents_coalesce()
    assert b"10 10 m 100 10 l" in first.Contents.read_bytes()


def fonts_of(data: bytes) -> set[str]:
    return {str(font.get("/BaseFont")).split("+")[-1] for page in PdfReader(io.BytesIO(data)).pages
            for font in page["/Resources"]["/Font"].values()}


def test_a_document_can_bring_its_own_user_agent_stylesheet():
    """Badges replace WeasyPrint's default stylesheet for HTML through a hook of WeasyPrint's (a method it does not
    document): this proves the hook still works with the WeasyPrint installed. By default a heading is bold; with
    the badges' own stylesheet, which says nothing of headings, it is not."""
    html = "<h1>Заголовок</h1>"
    assert [font.endswith("-Bold") for font in fonts_of(render_pdf(html))] == [True]
    assert [font.endswith("-Bold") for font in fonts_of(render_pdf(html, "css/badges-ua.css"))] == [False]


def test_a_document_parsed_as_xml_is_set_up_as_weasyprint_sets_up_a_parsed_one():
    """The XML path does what WeasyPrint's HTML.__init__ does after parsing, in our code: a WeasyPrint that sets
    up more (or other) attributes fails this test, not the badges."""
    html = "<!DOCTYPE html>\n<html><body><p>Иванов</p></body></html>"
    declared = _HTML('<?xml version="1.0"?>\n' + html, base_url=STATIC_DIR.as_uri() + "/",
                     url_fetcher=StaticOnlyFetcher())
    parsed = _HTML(html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    assert vars(declared).keys() == vars(parsed).keys()
    assert [(name, value) for name, value in vars(declared).items() if isinstance(value, str | None)] == \
        [(name, value) for name, value in vars(parsed).items() if isinstance(value, str | None)]


def test_a_document_declared_xml_is_parsed_as_xml_and_one_that_is_not_well_formed_as_html(monkeypatch):
    """Badge sheets declare themselves XML, and expat parses them more than forty times faster than WeasyPrint's HTML
    parser. A document that is not well-formed after all (here a tag left open, as HTML allows) still prints: the
    HTML parser takes it."""
    html_parses = []
    parse = tinyhtml5.parse
    monkeypatch.setattr(tinyhtml5, "parse", lambda *args, **kwargs: html_parses.append(1) or parse(*args, **kwargs))
    declared = '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body><p>Иванов &amp; сыновья</p></body></html>'
    assert page_texts(render_pdf(declared)) == ["Иванов & сыновья"]
    assert html_parses == []
    not_well_formed = declared.replace(" &amp; ", "<br>")
    assert page_texts(render_pdf(not_well_formed)) == ["Иванов\nсыновья"]
    assert html_parses == [1]


def test_data_urls_are_decoded_as_urllib_decodes_them():
    """The fetcher decodes data: URLs itself (QR codes, a quarter of a millisecond each through urllib)."""
    for url in ("data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo%3D",
                "data:text/plain;charset=utf-8,%D0%AF%20%D1%82%D1%83%D1%82", "data:,A%20B", "data:,",
                "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode()):
        ours, urllibs = StaticOnlyFetcher().fetch(url), URLFetcher().fetch(url)
        assert (ours.read(), ours.content_type, ours.charset) == (urllibs.read(), urllibs.content_type,
                                                                  urllibs.charset)
    for broken in ("data:image/png;base64", "data:image/png;base64,iVBORw0KGgo"):
        with pytest.raises(ValueError):
            URLFetcher().fetch(broken)
        with pytest.raises(ValueError):
            StaticOnlyFetcher().fetch(broken)
    # WeasyPrint reports a resource it cannot fetch and renders the rest.
    assert page_texts(render_pdf('<p>Текст</p><img src="data:image/png;base64,iVBORw0KGgo">')) == ["Текст"]
