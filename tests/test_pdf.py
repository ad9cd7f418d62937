"""The one WeasyPrint entry: parts rendered by worker processes and merged in order."""

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from pypdf import PdfReader

from conference.pdf import merge_pdfs, render_pdf

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
sys.stdout.buffer.write(pdf.merge_pdfs(parts))
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


def test_merging_keeps_every_page_in_order():
    parts = [render_pdf(f"<p>Один {n}</p><p style='page-break-before: always'>Два {n}</p>") for n in range(3)]
    assert page_texts(merge_pdfs(parts)) == ["Один 0", "Два 0", "Один 1", "Два 1", "Один 2", "Два 2"]
    assert merge_pdfs(parts[:1]) == parts[0]


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
