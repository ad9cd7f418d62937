"""The single WeasyPrint entry. Its URL fetcher serves the app's own static files and nothing else, so a name or a
text typed by anyone can never make the server fetch a URL or read a file elsewhere."""

import base64
import gc
import hashlib
import io
import multiprocessing
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import chain, islice
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from xml.etree import ElementTree

import cssselect2
import pikepdf
import weasyprint
from flask import Response, current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .config import PROJECT_ROOT
from .http_cache import conditional_response

STATIC_DIR = (PROJECT_ROOT / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return _data_url(url)
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if parts.netloc or not path.is_relative_to(STATIC_DIR) or not path.is_file():
                raise ValueError(f"not fetched: {url} (PDFs may use only the app's static files)")
        return super().fetch(url, headers)


def _data_url(url: str) -> URLFetcherResponse:
    """A data: URL's content, decoded here as urllib decodes it (RFC 2397: `data:[<media type>][;base64],<data>`):
    urllib's opener takes a quarter of a millisecond over each, and a part of 50 badges has 50 QR codes."""
    media_type, comma, data = url.removeprefix("data:").partition(",")
    if not comma:
        raise ValueError(f"not a data URL: {url[:40]}")
    body = unquote_to_bytes(data)
    if media_type.endswith(";base64"):
        body, media_type = base64.decodebytes(body), media_type.removesuffix(";base64")
    return URLFetcherResponse(url, body, {"Content-Type": media_type or "text/plain;charset=US-ASCII"})


class _HTML(HTML):
    """WeasyPrint's HTML document, with two shortcuts for documents whose markup we write entirely (badges, by the
    thousand): one that opens with an XML declaration is parsed as XML, and its default stylesheet for HTML (the
    user agent's) may be replaced."""

    def __init__(self, string: str, base_url: str, url_fetcher: URLFetcher, user_agent_css: str | None = None):
        tree = _xml_tree(string) if string.startswith("<?xml") else None
        if tree is None:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
        else:  # what HTML.__init__ does with the tree it parsed
            self.base_url, self.url_fetcher, self.media_type = base_url, url_fetcher, "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
            self.etree_element = self.wrapper_element.etree_element
        self.user_agent_css = user_agent_css

    def _ua_stylesheets(self, forms=False):  # where WeasyPrint's rendering takes its default stylesheet from
        if self.user_agent_css is None:
            return super()._ua_stylesheets(forms)
        return [_user_agent_stylesheet(self.user_agent_css)]


def _xml_tree(string: str) -> ElementTree.Element | None:
    """expat parses a part of 50 badges in about a millisecond, where WeasyPrint's HTML parser, written in Python,
    takes 45 ms: an eighth of the part's rendering. The tree is the HTML parser's (elements without a namespace),
    but for whitespace between blocks. A document that is not well-formed XML after all (a tag left open, as HTML
    allows) is left to the HTML parser."""
    try:
        return ElementTree.fromstring(string)
    except ElementTree.ParseError:
        return None


@cache
def _user_agent_stylesheet(path: str) -> CSS:
    """Parsed once per process (and before the pool forks, so workers inherit it parsed)."""
    return CSS(filename=str(STATIC_DIR / path), url_fetcher=StaticOnlyFetcher())


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One per thread, kept for its lifetime. WeasyPrint would make a new one for every document, and with it new,
    cold caches of Pango's (fonts found, glyphs measured, text shaped): warm, a badge renders about an eighth faster.
    What a font configuration gathers besides is the fonts of @font-face rules, which our stylesheets have none of.
    Per thread, since Pango's caches are not to be shared between threads; a worker forked from a warm process
    inherits its parent's, warm. It knows the fonts installed when it was made: after installing fonts, restart."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(html: str, user_agent_css: str | None = None, tagged: bool = False) -> bytes:
    """HTML to PDF; relative links (css/print.css, img/…) resolve inside static/. The PDF's Title, Author and Lang
    come from the document's <title>, <meta name="author"> and <html lang>; its Producer is WeasyPrint.

    `tagged`: the PDF carries its structure (headings, paragraphs, lists, tables in reading order: WeasyPrint's
    PDF/UA tagging), which screen readers read. For documents people read (the program, the report); badges,
    drawn by the thousand to be printed, are not.

    A document that opens with an XML declaration (`<?xml version="1.0"?>`) is well-formed XHTML without a
    namespace, and is parsed as XML: more than forty times faster than as HTML (see _xml_tree).

    `user_agent_css`, a stylesheet in static/, replaces WeasyPrint's own stylesheet for HTML: about 250 rules that
    are matched against every box, and 16 page-margin boxes styled on every page. It is for documents whose markup
    we write entirely and whose stylesheet says all they need (badges, rendered by the thousand: a fifth faster)."""
    return _HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher(),
                 user_agent_css=user_agent_css).write_pdf(font_config=_font_config(), pdf_tags=tagged)


# ---- public PDFs, rendered once per version ------------------------------------------------------------------

PDF_VERSIONS_KEPT = 16  # per document: its filtered variants and the versions before the last change


@cache
def _renderer_digest() -> bytes:
    """What decides a PDF besides its HTML: WeasyPrint and our stylesheets. Read once a process: a deployment that
    changes them restarts the workers, which then render anew rather than serve a PDF in the old style."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    for path in sorted(STATIC_DIR.glob("css/*.css")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


# How the cached (public) PDFs are rendered: a change here is a change of renderer, and so of every digest.
CACHED_PDF_OPTIONS = {"tagged": True}


def pdf_digest(html: str) -> str:
    options = repr(sorted(CACHED_PDF_OPTIONS.items())).encode()
    return hashlib.sha256(_renderer_digest() + options + b"\0" + html.encode()).hexdigest()


def cached_pdf(html: str, folder: Path) -> tuple[str, bytes]:
    """The PDF of `html` and its digest, rendered once and then read from `folder/<digest>.pdf`.

    Keyed by the HTML itself, so that whatever shows in the document (a session, a room, a speaker's name) makes a
    new version when it changes, without every write path having to say so. The HTML is cheap, WeasyPrint is not
    (the demo's program: 9 ms for its queries and template, then 0.5 s of WeasyPrint). Files rather than memory:
    every gunicorn worker reads what one of them rendered, and they outlive a restart. `folder` holds one document
    (an event's program in one language, say) and keeps its PDF_VERSIONS_KEPT newest versions."""
    digest = pdf_digest(html)
    path = folder / f"{digest}.pdf"
    try:
        return digest, path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render_pdf(html, **CACHED_PDF_OPTIONS)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".", suffix=".tmp", delete=False) as temporary:
        try:
            temporary.write(pdf)
        except BaseException:
            os.unlink(temporary.name)
            raise
    os.replace(temporary.name, path)  # another worker reads the whole file or none (it may write the same one)
    _drop_old_versions(folder)
    return digest, pdf


def _drop_old_versions(folder: Path) -> None:
    versions = []
    for path in folder.glob("*.pdf"):
        try:
            versions.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # another worker dropped it first
            pass
    for _mtime, path in sorted(versions, reverse=True)[PDF_VERSIONS_KEPT:]:
        path.unlink(missing_ok=True)


def cached_pdf_response(html: str, document: str, filename: str) -> Response:
    """A public PDF from the cache under instance/cache/pdf/<document>/, its digest as ETag. A browser that holds
    this version is answered 304 and nothing is read or rendered; one that holds another gets the new one."""
    def build() -> Response:
        _digest, pdf = cached_pdf(html, Path(current_app.instance_path, "cache", "pdf", document))
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename={filename}"})

    return conditional_response(pdf_digest(html), build)


def workers() -> int:
    """The cores this process may use (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) or 1


_warm = False  # has this process rendered once? (see render_pdfs)


def render_pdfs(documents: Iterable[str], sample: str = "<p>·</p>", user_agent_css: str | None = None) \
        -> Iterator[bytes]:
    """Several HTML documents to PDFs, in order, using every core: WeasyPrint is single-threaded and CPU-bound, so a
    big batch (5,000 badges) is rendered in parts by a pool of processes, each part bounded in memory.

    `documents` may be a generator: the pool starts on the first one, so the caller builds the next parts while the
    workers render, but never more than two per worker ahead of them (5,000 badges' HTML would otherwise wait in
    memory). `sample`, a small document like the real ones, is rendered once in this process before its first
    pool: WeasyPrint's first rendering in a process loads fonts and builds caches (about 0.2 s), and workers forked
    from a warm process, in this batch and every later one, start warm and share those caches with it.
    `user_agent_css`: see render_pdf."""
    documents = iter(documents)
    first = list(islice(documents, 2))
    # fork starts the workers at once, but forking a process that runs other threads (the threaded development
    # server) may copy a lock that some thread holds: such a process renders the parts itself.
    if len(first) < 2 or threading.active_count() > 1:
        for document in chain(first, documents):
            yield render_pdf(document, user_agent_css)
        return
    global _warm
    if not _warm:
        render_pdf(sample, user_agent_css)
        _warm = True
    # Frozen, this process's objects are never visited by a worker's garbage collector, which would write to every
    # one of them and so copy the pages the worker shares with this process. (A server that froze its objects
    # itself keeps them frozen.)
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("fork"),
                                 initializer=gc.disable) as pool:
            pending = deque()
            try:
                for document in chain(first, documents):
                    pending.append(pool.submit(_render_part, document, user_agent_css))
                    if len(pending) > 2 * workers():
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            except BaseException:
                pool.shutdown(cancel_futures=True)  # a part failed (or the caller stopped): render no more
                raise
    finally:
        if not frozen_before:
            gc.unfreeze()


def _render_part(html: str, user_agent_css: str | None) -> bytes:
    """In a worker: the cyclic collector is off while WeasyPrint builds a part's many objects (it would walk them
    again and again, about a sixth of the time) and runs once after, so memory stays bounded by one part."""
    try:
        return render_pdf(html, user_agent_css)
    finally:
        gc.collect()


@dataclass(frozen=True)
class Sheet:
    """Pages placed several to a sheet: the sheet's size, each page's place on it (x0, y0, x1, y1), in PDF points
    from the bottom left, and PDF drawing operators drawn over them (cut marks, say)."""

    width: float
    height: float
    places: tuple[tuple[float, float, float, float], ...]
    marks: bytes = b""


SHEETS_COMPOSED_AT_ONCE = 250


@dataclass(frozen=True)
class Metadata:
    """What a PDF says it is: readers show its title and author, screen readers choose their voice by its language
    (document information and the catalog's /Lang). WeasyPrint takes them from <title>, <meta name="author"> and
    <html lang>."""

    title: str
    author: str
    lang: str


def compose_pdf(pages: list[tuple[bytes, int]], sheet: Sheet | None = None, metadata: Metadata | None = None) \
        -> bytes:
    """One PDF of the given pages (a PDF's bytes and a page's index in it), in order: as they are, or with `sheet`,
    several to a sheet, each scaled to fit its place keeping its proportions. qpdf (through pikepdf) composes
    5,000 badges in one to two seconds, where pypdf merged them in 4 s and half as much memory again.

    Its title, author and language are `metadata`, or else those of the first page's PDF; its Producer is that
    of the first page's PDF."""
    if not pages:
        raise ValueError("no pages to compose")
    first = pages[0][0]
    if sheet is None and all(source is first for source, _index in pages):
        whole = pikepdf.open(io.BytesIO(first))
        if [index for _source, index in pages] == list(range(len(whole.pages))) and \
                metadata in (None, _metadata(whole)):
            return first  # one PDF, whole: as it is
    chunk = SHEETS_COMPOSED_AT_ONCE * len(sheet.places) if sheet else len(pages)
    if len(pages) > chunk:
        # In chunks of sheets, each saved before the next is started, then merged: qpdf holds every PDF it copies
        # from until the one it composes is saved (5,000 badges on sheets of four: 280 MB at the peak, not 320).
        chunks = [compose_pdf(pages[start:start + chunk], sheet, metadata) for start in range(0, len(pages), chunk)]
        sheets = [-(-len(pages[start:start + chunk]) // len(sheet.places)) for start in range(0, len(pages), chunk)]
        return compose_pdf([(pdf, index) for pdf, count in zip(chunks, sheets, strict=True) for index in range(count)],
                           metadata=metadata)
    sources = {}  # each PDF opened once; the composed pages refer to their sources' objects until it is saved

    def opened(source: bytes) -> pikepdf.Pdf:
        if id(source) not in sources:
            sources[id(source)] = pikepdf.open(io.BytesIO(source))
        return sources[id(source)]

    composed = pikepdf.new()
    if sheet is None:
        composed.pages.extend(opened(source).pages[index] for source, index in pages)
    else:
        per_sheet = len(sheet.places)
        for start in range(0, len(pages), per_sheet):
            target = composed.add_blank_page(page_size=(sheet.width, sheet.height))
            for (source, index), place in zip(pages[start:start + per_sheet], sheet.places, strict=False):
                target.add_overlay(_form(opened(source), index), pikepdf.Rectangle(*place))
            if sheet.marks:
                target.contents_add(composed.make_stream(sheet.marks))
    _set_metadata(composed, metadata or _metadata(opened(first)), opened(first))
    buffer = io.BytesIO()
    # At least the version of its sources (WeasyPrint's 1.7): qpdf would write 1.3, too old for their transparency.
    composed.save(buffer, min_version=max(source.pdf_version for source in sources.values()))
    return buffer.getvalue()


def _metadata(pdf: pikepdf.Pdf) -> Metadata:
    return Metadata(str(pdf.docinfo.get("/Title", "")), str(pdf.docinfo.get("/Author", "")),
                    str(pdf.Root.get("/Lang", "")))


def _set_metadata(composed: pikepdf.Pdf, metadata: Metadata, source: pikepdf.Pdf) -> None:
    """qpdf starts a new PDF bare: no title, author, language nor producer."""
    for key, value in (("/Title", metadata.title), ("/Author", metadata.author),
                       ("/Producer", str(source.docinfo.get("/Producer", "")))):
        if value:
            composed.docinfo[key] = pikepdf.String(value)
    if metadata.lang:
        composed.Root.Lang = pikepdf.String(metadata.lang)


def _form(pdf: pikepdf.Pdf, index: int) -> pikepdf.Object:
    """The page as a form to be placed: its content as it is stored (compressed: qpdf's own form would hold it
    decoded in memory, then compress it again) and its resources, shared with the other pages of its PDF (WeasyPrint
    gives every page the same ones, the QR codes of all its badges, say; qpdf's form would copy their list each,
    which made sheets of 5,000 badges five times the size)."""
    page = pdf.pages[index]
    content, resources = page.obj.get("/Contents"), page.obj.get("/Resources")
    if not isinstance(content, pikepdf.Stream) or resources is None:  # several streams, inherited resources:
        return page.as_form_xobject()  # qpdf joins and copies them
    form = pikepdf.Stream(pdf, b"")
    form.write(content.read_raw_bytes(), filter=content.get("/Filter"), decode_parms=content.get("/DecodeParms"))
    form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, page.mediabox
    form.Resources = resources
    return form


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """The PDFs' pages one after another, in one PDF (the steps of a big batch rendered one by one)."""
    return compose_pdf([(pdf, index) for pdf in pdfs for index in range(len(pikepdf.open(io.BytesIO(pdf)).pages))])
