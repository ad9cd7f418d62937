"""Check-in without network, for an event of 20,000 participants (issue 19): the scanner's admission list, its
changes, and how fast a scan is answered from it, beside the online scan's round trip in the same run.

1. The whole list for the entrance as a device downloads it (GET /api/v1/events/bench/admission-list, its bearer
   token, Accept-Encoding: gzip) from the app served on loopback (werkzeug in a thread): the bytes that cross the
   network, the JSON they hold, and the seconds from request to the last byte. Targets: at most 2 MB, 2 s.
2. The changes after 100 changes (50 registrations cancelled, 50 badges checked in by another scanner): the same
   request with the previous answer's next.since and next.after.
3. In Debian's Chromium (Playwright) with the CPU slowed down four times (DevTools Emulation.setCPUThrottlingRate),
   a check-in volunteer's scanner page: the seconds until the whole list is on the device (IndexedDB), then scans
   typed as a USB scanner does (the code and Enter), each timed in the page from the Enter to the answer on screen:
   online (the server's answer: the baseline) and with the network off (the list's answer). Target: 20 ms a scan
   offline.

    .venv/bin/python bench/offline.py [--participants 20000] [--scans 40] [--database-url postgresql://...]
"""

import argparse
import gzip
import json
import os
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

from common import bench_app, bench_event, database_kind, scratch_database
from servers import machine_load
from sqlalchemy import insert, select, update

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PASSWORD = "bench-password-1"

# In the page: from the Enter that submits the code to the answer on screen, in milliseconds.
TIMED_SCAN = """async (token) => {
  const panel = document.getElementById("answer");
  if (!panel.hidden) document.getElementById("answer-next").click();
  const input = document.getElementById("scan-input");
  const shown = new Promise((resolve) => new MutationObserver((changes, observer) => {
    if (!panel.hidden) { observer.disconnect(); resolve(performance.now()); }
  }).observe(panel, {attributes: true}));
  input.value = token;
  const started = performance.now();
  document.getElementById("scan-form").requestSubmit();
  return (await shown) - started;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=40, help="timed scans online, and as many offline")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL server: the bench creates its own database there and drops it after")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-offline-"))
    with scratch_database(args.database_url, folder, "bench_offline") as database_url:
        run(args, database_url)


def setup(app, participants: int):
    """The event, every participant with a badge, a device and a check-in volunteer. Returns (tokens, ids,
    device token, volunteer's email)."""
    from conference.accounts.services import add_member, create_user
    from conference.badges.models import Badge
    from conference.badges.services import new_token
    from conference.checkin.services import add_device
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    with app.app_context():
        event = bench_event(participants, status="confirmed")
        ids = list(db.session.scalars(select(Participant.id).where(Participant.event_id == event.id)
                                      .order_by(Participant.id)))
        # Registered and badged an hour ago: the changes since a copy hold only what changed after it.
        an_hour_ago = utcnow() - timedelta(hours=1)
        db.session.execute(update(Participant).values(updated_at=an_hour_ago))
        badges = [{"participant_id": pid, "token": new_token(), "issued_at": an_hour_ago, "print_count": 0}
                  for pid in ids]
        for start in range(0, len(badges), 5000):  # (Core rows: 20,000 ORM objects would take longer than the run)
            db.session.execute(insert(Badge), badges[start:start + 5000])
        _device, device_token = add_device(event, "Вход, bench", None)
        volunteer = create_user("volunteer@example.org", PASSWORD, "checkin")
        add_member(event.id, volunteer)
        db.session.commit()
        return [badge["token"] for badge in badges], ids, device_token, volunteer.email


def download(url: str, token: str) -> tuple[int, int, float, dict]:
    """(bytes over the network, bytes of JSON, seconds, the answer)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        packed = response.headers.get("Content-Encoding") == "gzip"
    seconds = time.perf_counter() - started
    data = gzip.decompress(body) if packed else body
    return len(body), len(data), seconds, json.loads(data)


def change_a_hundred(app, ids: list[int], device_token: str, tokens: list[str]) -> None:
    """50 registrations cancelled and 50 badges checked in by another scanner."""
    from conference.checkin.services import Scanner, check_in, device_for_token, find_checkpoint
    from conference.events.models import Event
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    with app.app_context():
        db.session.execute(update(Participant).where(Participant.id.in_(ids[-50:]))
                           .values(status="cancelled", updated_at=utcnow()))
        db.session.commit()
        device = device_for_token(device_token)
        event = db.session.scalar(select(Event).where(Event.slug == "bench"))
        entrance = find_checkpoint(event, "entrance")
        for number, token in enumerate(tokens[100:150]):
            check_in(device.event, entrance, Scanner(device_id=device.id, device_name=device.name),
                     f"bench-change-{number}", token=token)


def run(args, database_url: str) -> None:
    import sys

    from playwright.sync_api import sync_playwright
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.browser import CHROMIUM, LiveServer

    app = bench_app(database_url)
    app.config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None, SESSION_COOKIE_SECURE=False)
    started = time.perf_counter()
    tokens, ids, device_token, volunteer = setup(app, args.participants)
    print(f"{len(tokens)} confirmed participants with badges in {time.perf_counter() - started:.1f} s "
          f"({database_kind(database_url)}); {machine_load()}", flush=True)

    with LiveServer(app) as server:
        url = f"{server.url}/api/v1/events/bench/admission-list?checkpoint=entrance"
        download(url, device_token)  # (the first request of a process pays for its imports)
        runs = [download(url, device_token) for _ in range(3)]
        wire, raw, _seconds, whole = runs[-1]
        seconds = statistics.median(run[2] for run in runs)
        print(f"\nthe whole list: {len(whole['people'])} people, {len(whole['badges'])} badges: "
              f"{wire / 1e6:.2f} MB gzipped ({raw / 1e6:.2f} MB of JSON) in {seconds:.2f} s (median of 3) "
              f"[targets: 2 MB, 2 s]", flush=True)
        change_a_hundred(app, ids, device_token, tokens)
        after = whole["next"]
        wire, raw, seconds, changes = download(f"{url}&{urllib.parse.urlencode(after)}", device_token)
        print(f"its changes after 100 changes: {len(changes['people'])} people, {len(changes['check_ins'])} "
              f"check-ins: {wire / 1e3:.1f} KB gzipped ({raw / 1e3:.1f} KB of JSON) in {seconds * 1000:.0f} ms",
              flush=True)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(locale="ru-RU")
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{server.url}/login")
            page.locator("input[name=email]").fill(volunteer)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form button[type=submit]").click()
            page.wait_for_load_state()
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            started = time.perf_counter()
            page.goto(f"{server.url}/manage/events/bench/checkin/")
            page.locator("#list-freshness", has_text="список от").wait_for()
            print(f"\nChromium, CPU slowed down 4×: the page open and the whole list on the device (IndexedDB) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            fresh = tokens[200:200 + 2 * args.scans]  # (neither changed above nor cancelled)
            online = [page.evaluate(TIMED_SCAN, token) for token in fresh[:args.scans]]
            context.set_offline(True)
            offline = [page.evaluate(TIMED_SCAN, token) for token in fresh[args.scans:]]
            shown = page.locator("#answer").get_attribute("data-offline")
            context.set_offline(False)
            browser.close()
        assert shown == "yes"
        for label, times in (("online (the server's answer, baseline)", online),
                             ("offline (the list's answer)", offline)):
            ordered = sorted(times)
            print(f"a scan {label:<40} median {statistics.median(times):6.1f} ms, "
                  f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.1f} ms, max {ordered[-1]:6.1f} ms "
                  f"({len(times)} scans)", flush=True)
        print("[target offline: 20 ms a scan]")


if __name__ == "__main__":
    main()
