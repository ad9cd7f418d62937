"""How long badges take to render and how much memory they need, beside WeasyPrint's own floor.

Each measurement runs in a fresh process; its peak memory is the most that process and its workers held together
while rendering (PSS summed, sampled every 20 ms):
  - WeasyPrint rendering 500 one-line pages (the renderer's floor on this machine, now);
  - 500 badges (A6, one per page) and 500 badges (A4 sheets of four), as printed the night before: each
    participant's badge was rendered for the letter confirming their registration, and is kept;
  - the same, "cold": no badge rendered before (say, the event's title was edited after the letters went out);
  - 5,000 badges (A4 sheets of four): more than kept renders are placed at once (their fonts would need too much
    memory), so all are rendered.
Budget on a 2-core machine: 500 badges in 3 s or less; 5,000 badges without peak memory above 300 MB.

    .venv/bin/python bench/badges.py [--only NAME]
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# name: (badges, layout, rendered for the letters?)
CASES = {
    "weasyprint-500-pages": None,
    "badges-500-a6": (500, "a6", True),
    "badges-500-a4x4": (500, "a4x4", True),
    "badges-500-a6-cold": (500, "a6", False),
    "badges-500-a4x4-cold": (500, "a4x4", False),
    "badges-5000-a4x4": (5000, "a4x4", False),
}
RENDERING = "rendering"


class TreeMemory:
    """The peak of the memory a process and its workers hold together, sampled every 20 ms from outside (a thread
    inside would make the renderer decline to fork; see conference.pdf.render_pdfs).

    Each process counts its proportional set size (PSS): a page shared by n processes counts 1/n in each, so the
    sum is what the machine really spends. Summing the processes' peak RSS instead would count twice every page a
    forked worker shares with its parent. Sampled, the peak may miss a spike shorter than 20 ms: it is a lower
    bound, though memory here grows and shrinks over seconds (a part takes about a second to render). The
    largest worker's own peak RSS is reported beside it."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._measure()

    def _sample(self):
        while not self._stop.wait(0.02):
            self._measure()

    def _measure(self):
        self.peak_kb = max(self.peak_kb, sum(map(pss_kb, process_tree(self.pid))))

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # the process has just ended
        return []
    return [pid] + [descendant for child in children for descendant in process_tree(int(child))]


def pss_kb(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))


def largest_worker_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_case(name: str, database_url: str) -> dict:
    """In this (fresh) process: time only the rendering."""
    from common import bench_app

    if CASES[name] is None:
        from weasyprint import HTML

        pages = "".join(f'<p style="page-break-after: always">Участник {n}</p>' for n in range(500))
        rendering_starts()
        started = time.perf_counter()
        pdf = HTML(string=f"<html><body>{pages}</body></html>").write_pdf()
        return {"seconds": time.perf_counter() - started, "bytes": len(pdf)}

    from sqlalchemy import select

    from conference.events.models import Event
    from conference.extensions import db

    app = bench_app(database_url)
    with app.test_request_context():
        event = db.session.scalar(select(Event))
        # Processes run before (ctypes looking for WeasyPrint's libraries runs ldconfig) are no workers.
        before = largest_worker_rss_mb()
        rendering_starts()
        started = time.perf_counter()
        pdf = print_badges(event, CASES[name][1])
        seconds = time.perf_counter() - started
    workers = largest_worker_rss_mb()
    return {"seconds": seconds, "worker_mb": workers if workers > before else 0, "bytes": len(pdf)}


def print_badges(event, layout: str) -> bytes:
    """What printing a batch costs (see badges.views.bulk and downloads: the page, or a job for a big batch,
    renders it; the organizer marks it printed once in hand): the list, the PDF, the badges marked as printed,
    committed as the action's end does."""
    from conference.badges import services
    from conference.extensions import db
    from conference.registration.services import ParticipantFilter

    participants = services.participants_to_print(event, ParticipantFilter(), only_unprinted=False)
    pdf = services.render_badges(event, participants, services.layout_of(layout))
    services.mark_printed(list(services.current_badges(participants).values()))
    db.session.commit()
    return pdf


def prepare(count: int, letters: bool, database_url: str) -> None:
    """The event and its confirmed participants with their badges issued, as they are once confirmed, and with
    `letters` each badge rendered as for the letter of confirmation, which carries it. Done in a process of its
    own, so that the measured one starts as a web worker does, without the garbage of creating them."""
    from common import bench_app, bench_event
    from sqlalchemy import select

    from conference.badges import services
    from conference.extensions import db
    from conference.registration.models import Participant

    with bench_app(database_url).test_request_context():
        bench_event(count, status="confirmed")
        participants = list(db.session.scalars(select(Participant)))
        services.current_badges(participants)
        # Committed before the renders are kept: each is kept in a transaction of its own (keep_render), which on
        # SQLite would wait for this one's write lock.
        db.session.commit()
        if letters:
            for participant in participants:
                services.badge_for_the_letter(participant)
        db.session.commit()


def rendering_starts() -> None:
    """Tells the measuring process (main) to start sampling memory."""
    print(RENDERING, flush=True)


def measure(name: str, prepared: Path) -> dict:
    """Runs a case in a fresh process and samples its memory while it renders. Databases prepared once are kept
    in `prepared` for the cases that start from the same one."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile("w+") as errors:
        database = ["--database", f"sqlite:///{folder}/bench.db"]
        if CASES[name]:
            count, _layout, letters = CASES[name]
            ready = prepared / f"{count}-{'letters' if letters else 'issued'}.db"
            if not ready.exists():
                subprocess.run([sys.executable, __file__, "--prepare", str(count), *["--letters"] * letters,
                                "--database", f"sqlite:///{ready}"], check=True, stderr=errors,
                               cwd=Path(__file__).parent)
            shutil.copy(ready, f"{folder}/bench.db")
        child = subprocess.Popen([sys.executable, __file__, "--case", name, *database], stdout=subprocess.PIPE,
                                 stderr=errors, text=True, cwd=Path(__file__).parent)
        memory = None
        for line in child.stdout:
            if line.strip() == RENDERING:
                memory = TreeMemory(child.pid).__enter__()
            elif line.startswith("{"):
                memory.__exit__()
                figures = json.loads(line)
        if child.wait():
            errors.seek(0)
            sys.exit(f"{name} failed:\n{errors.read()}")
    return {**figures, "peak_mb": memory.peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=list(CASES))
    # The children's side:
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--letters", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.letters, args.database)
        return
    if args.case:
        print(json.dumps(run_case(args.case, args.database)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as prepared:
        for name in [args.only] if args.only else CASES:
            figures = results[name] = measure(name, Path(prepared))
            split = f" (largest worker's own RSS {figures['worker_mb']:.0f})" if figures.get("worker_mb") else ""
            print(f"{name:<24} {figures['seconds']:7.2f} s   peak {figures['peak_mb']:6.0f} MB{split}   "
                  f"{figures['bytes'] / 1024:7.0f} KiB", flush=True)
    floor = results.get("weasyprint-500-pages")
    for name in ("badges-500-a6", "badges-500-a4x4", "badges-500-a6-cold", "badges-500-a4x4-cold"):
        if floor and name in results:
            print(f"{name}: {results[name]['seconds'] / floor['seconds']:.2f}× WeasyPrint's 500 one-line pages")
    print("budget: 500 badges ≤ 3 s; 5,000 badges peak ≤ 300 MB")


if __name__ == "__main__":
    main()
