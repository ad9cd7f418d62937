"""How long badges take to render and how much memory they need, beside WeasyPrint's own floor.

Each measurement runs in a fresh process; its peak memory is the most that process and its workers held together
while rendering (PSS summed, sampled every 20 ms):
  - WeasyPrint rendering 500 one-line pages (the renderer's floor on this machine, now);
  - 500 badges (A6, one per page) and 500 badges (A4 sheets of four);
  - 5,000 badges (A4 sheets of four);
  - the same 500 on A4 sheets again, in a process that has printed them once (as a server does after its first
    print: its workers start warm).
Budget on a 2-core machine: 500 badges in 3 s or less; 5,000 badges without peak memory above 300 MB.

    .venv/bin/python bench/badges.py [--only NAME]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CASES = {
    "weasyprint-500-pages": None,
    "badges-500-a6": (500, "a6"),
    "badges-500-a4x4": (500, "a4x4"),
    "badges-5000-a4x4": (5000, "a4x4"),
    # The same 500 again in the same process, as a server prints after its first time (its workers start warm).
    "badges-500-a4x4-again": (500, "a4x4"),
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
        if name.endswith("-again"):
            print_badges(event, CASES[name][1])
        rendering_starts()
        started = time.perf_counter()
        pdf = print_badges(event, CASES[name][1])
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "worker_mb": largest_worker_rss_mb(), "bytes": len(pdf)}


def print_badges(event, layout: str) -> bytes:
    """What the organizer waits for after pressing «print» (see badges.views.bulk): the list, the PDF, and the
    badges marked as printed."""
    from conference.badges import services
    from conference.registration.services import ParticipantFilter

    participants = services.participants_to_print(event, ParticipantFilter(), only_unprinted=False)
    return services.print_badges(event, participants, services.layout_of(layout))


def prepare(count: int, database_url: str) -> None:
    """The event and its confirmed participants with their badges issued, as they are once confirmed (the letter
    of confirmation carries the badge). Done in a process of its own, so that the measured one starts as a web
    worker does, without the garbage of creating them."""
    from common import bench_app, bench_event
    from sqlalchemy import select

    from conference.badges import services
    from conference.extensions import db
    from conference.registration.models import Participant

    with bench_app(database_url).test_request_context():
        bench_event(count, status="confirmed")
        services.current_badges(list(db.session.scalars(select(Participant))))


def rendering_starts() -> None:
    """Tells the measuring process (main) to start sampling memory."""
    print(RENDERING, flush=True)


def measure(name: str) -> dict:
    """Runs a case in a fresh process and samples its memory while it renders."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile("w+") as errors:
        database = ["--database", f"sqlite:///{folder}/bench.db"]
        if CASES[name]:
            subprocess.run([sys.executable, __file__, "--prepare", str(CASES[name][0]), *database], check=True,
                           stderr=errors, cwd=Path(__file__).parent)
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
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.database)
        return
    if args.case:
        print(json.dumps(run_case(args.case, args.database)))
        return
    results = {}
    for name in [args.only] if args.only else CASES:
        figures = results[name] = measure(name)
        split = f" (largest worker's own RSS {figures['worker_mb']:.0f})" if figures.get("worker_mb") else ""
        print(f"{name:<24} {figures['seconds']:7.2f} s   peak {figures['peak_mb']:6.0f} MB{split}   "
              f"{figures['bytes'] / 1024:7.0f} KiB", flush=True)
    floor = results.get("weasyprint-500-pages")
    for name in ("badges-500-a6", "badges-500-a4x4", "badges-500-a4x4-again"):
        if floor and name in results:
            print(f"{name}: {results[name]['seconds'] / floor['seconds']:.2f}× WeasyPrint's 500 one-line pages")
    print("budget: 500 badges ≤ 3 s; 5,000 badges peak ≤ 300 MB")


if __name__ == "__main__":
    main()
