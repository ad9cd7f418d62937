"""The single WeasyPrint entry. Its URL fetcher serves the app's own static files and nothing else, so a name or a
text typed by anyone can never make the server fetch a URL or read a file elsewhere."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

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
