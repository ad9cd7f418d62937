"""The app as it runs in production, for the tests of races and faults: gunicorn in processes of its own and the
job consumer (`flask jobs work`), on the test's database, and a visitor that keeps its cookies and sends the
forms' CSRF tokens as a browser does."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from huey import RedisHuey

from . import CONSUMER_JOBS_URL

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def live_environment(database_uri: str, tmp_path: Path, port: int, **settings) -> dict:
    """What the server's and the consumer's processes are started with: the test's database, their own instance
    folder, the job queue on a real storage (the suite's JOBS_URL, Redis in CI's third run, or a SQLite file)."""
    jobs_url = CONSUMER_JOBS_URL or f"sqlite:///{tmp_path / 'jobs.db'}"
    if jobs_url.startswith("redis"):  # shared by the run's tests: none inherits another's jobs
        RedisHuey("conference", url=jobs_url).flush()
    environment = dict(os.environ, DATABASE_URL=database_uri, SECRET_KEY="live-test", INSTANCE_PATH=str(tmp_path),
                       MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"), RATELIMIT_ENABLED="0",
                       PUBLIC_URL=f"http://127.0.0.1:{port}", JOBS_URL=jobs_url)
    environment.update({name: str(value) for name, value in settings.items()})
    return environment


class Process:
    def __init__(self, command: list[str], environment: dict):
        self.command, self.environment = command, environment
        self.popen = subprocess.Popen(command, env=environment, cwd=ROOT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: nothing is cleaned up."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_gunicorn(environment: dict, port: int, workers: int = 4) -> Process:
    process = Process([str(BIN / "gunicorn"), "--config", str(ROOT / "conference" / "gunicorn.conf.py"),
                       "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                       "--timeout", "120", "conference:create_app()"], environment)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.yaml", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.stop()
    raise RuntimeError("gunicorn did not start")


def start_consumer(environment: dict, workers: int = 2) -> Process:
    return Process([str(BIN / "flask"), "--app", "conference", "jobs", "work", "--workers", str(workers)],
                   environment)


class Visitor:
    """A browser without a screen: cookies kept, redirects followed, each form's CSRF token read from its page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, timeout: float = 60) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path), timeout)

    def post(self, path: str, data: dict, token_from: str | None = None, timeout: float = 60) -> tuple[int, str]:
        """Posts `data` with the CSRF token of the page `token_from` (by default the path itself)."""
        _, page = self.get(token_from or path)
        return self.post_with(path, data, self.csrf_token(page), timeout)

    def post_with(self, path: str, data: dict, token: str, timeout: float = 60) -> tuple[int, str]:
        body = urllib.parse.urlencode(dict(data, csrf_token=token), doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"), timeout)

    @staticmethod
    def csrf_token(page: str) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, f"a page without a form: {page[:2000]}"
        return found.group(1)

    def log_in(self, email: str, password: str) -> None:
        status, page = self.post("/login", {"email": email, "password": password})
        assert status == 200 and "/logout" in page, page[:500]

    def _open(self, request, timeout: float) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def written_participants(event, refs: dict, count: int, prefix: str, status: str = "confirmed") -> list:
    """Participants written straight to the table (as an import would): no letters, no badges. Inside an action."""
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    rows = [Participant(event_id=event.id, last_name="Участница", first_name="Анна", patronymic="",
                        email=f"{prefix}{number}@example.org", organization="АО «Завод»", position="Инженер",
                        organization_type_id=refs["org_type"]["technopark"], subject_id=refs["subject"]["SAK"],
                        consent_version="1", consent_given_at=utcnow(), status=status)
            for number in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return rows
