"""The single WeasyPrint entry. Its URL fetcher serves the app's own static files and nothing else, so a name or a
text typed by anyone can never make the server fetch a URL or read a file elsewhere."""

import io
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import chain, islice
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


def workers() -> int:
    return os.cpu_count() or 1


def render_pdfs(documents: Iterable[str], sample: str = "<p>·</p>") -> Iterator[bytes]:
    """Several HTML documents to PDFs, in order, using every core: WeasyPrint is single-threaded and CPU-bound, so a
    big batch (5,000 badges) is rendered in parts by a pool of processes, each part bounded in memory.

    `documents` may be a generator: the pool starts on the first one, so the caller builds the next parts while the
    workers render, and PDFs are yielded as they come so that the caller merges while the rest render. `sample`, a
    small document like the real ones, warms each worker up (WeasyPrint's first rendering in a process loads fonts
    and builds caches, about a second) on its own core, while this process goes on building documents."""
    documents = iter(documents)
    first = list(islice(documents, 2))
    # fork starts the workers at once, but forking a process that runs other threads (the threaded development
    # server) may copy a lock that some thread holds: such a process renders the parts itself.
    if len(first) < 2 or threading.active_count() > 1:
        yield from map(render_pdf, chain(first, documents))
        return
    with ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("fork"),
                             initializer=render_pdf, initargs=(sample,)) as pool:
        yield from pool.map(render_pdf, chain(first, documents))


def merge_pdfs(parts: Iterable[bytes]) -> bytes:
    """One PDF of the parts' pages, in order; each part is read as it arrives (see render_pdfs)."""
    parts = iter(parts)
    first, second = next(parts), next(parts, None)
    if second is None:
        return first
    writer = PdfWriter()
    for part in chain((first, second), parts):
        writer.append(PdfReader(io.BytesIO(part)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
