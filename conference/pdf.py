"""The single WeasyPrint entry. Its URL fetcher serves the app's own static files and nothing else, so a name or a
text typed by anyone can never make the server fetch a URL or read a file elsewhere."""

import io
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .config import PROJECT_ROOT

STATIC_DIR = (PROJECT_ROOT / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if parts.netloc or not path.is_relative_to(STATIC_DIR) or not path.is_file():
                raise ValueError(f"not fetched: {url} (PDFs may use only the app's static files)")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """HTML to PDF; relative links (css/print.css, img/…) resolve inside static/."""
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher()).write_pdf()


_warm = False


def _warm_up(sample: str) -> None:
    """WeasyPrint's first rendering in a process loads fonts and builds caches (about a second); doing it once,
    on a document like the real ones, before forking hands the warm caches to every worker."""
    global _warm
    if not _warm:
        render_pdf(sample)
        _warm = True


def workers() -> int:
    return os.cpu_count() or 1


def render_pdfs(documents: list[str], sample: str = "<p>·</p>") -> list[bytes]:
    """Several HTML documents to PDFs, using every core: WeasyPrint is single-threaded and CPU-bound, so a big
    batch (5,000 badges) is rendered in parts by a pool of processes, each part bounded in memory. `sample`, a
    small document like the real ones, warms the fonts up once before the workers start."""
    # fork hands the workers warm fonts at once, but forking a process that runs other threads (the threaded
    # development server) may copy a lock that some thread holds: such a process renders the parts itself.
    if len(documents) <= 1 or threading.active_count() > 1:
        return [render_pdf(html) for html in documents]
    _warm_up(sample)
    pool_size = min(len(documents), workers())
    with ProcessPoolExecutor(max_workers=pool_size, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(render_pdf, documents))


def merge_pdfs(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
