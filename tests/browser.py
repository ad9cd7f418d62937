"""Real Chromium (Debian's) driven by Playwright against the app served on loopback."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Skips without Chromium on a developer's machine; under CI a missing browser fails the run."""
    if os.path.exists(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def launch_browser():
    """Starts Chromium with extra command-line switches (a fake camera, say); closed after the test."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        started = []

        def launch(*extra_args: str):
            started.append(playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args),
                                                      headless=True))
            return started[-1]

        yield launch
        for chromium in started:
            chromium.close()


@pytest.fixture
def browser(launch_browser):
    return launch_browser()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def artifacts():
    """Screenshots for a person to look at (kept out of git): test-artifacts/, or TEST_ARTIFACTS."""
    from pathlib import Path

    folder = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
