"""How long badges take to render and how much memory they need, beside WeasyPrint's own floor.

Each measurement runs in a fresh process, so that its peak memory (max RSS) is its own:
  - WeasyPrint rendering 500 one-line pages (the renderer's floor on this machine, now);
  - 500 badges (A6, one per page) and 500 badges (A4 sheets of four);
  - 5,000 badges (A4 sheets of four).
Budget on a 2-core machine: 500 badges in 3 s or less; 5,000 badges without peak memory above 300 MB.

    .venv/bin/python bench/badges.py [--only NAME]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "weasyprint-500-pages": None,
    "badges-500-a6": (500, "a6"),
    "badges-500-a4x4": (500, "a4x4"),
    "badges-5000-a4x4": (5000, "a4x4"),
}


def peak_mb() -> float:
    """This process's peak plus its largest worker's: an upper bound of what the rendering held at once."""
    return (own_peak_mb() + worker_peak_mb())


def own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_case(name: str) -> dict:
    """In this (fresh) process: prepare, then time only the rendering."""
    from common import bench_app, bench_event

    if CASES[name] is None:
        from weasyprint import HTML

        pages = "".join(f'<p style="page-break-after: always">Участник {n}</p>' for n in range(500))
        started = time.perf_counter()
        pdf = HTML(string=f"<html><body>{pages}</body></html>").write_pdf()
        return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "bytes": len(pdf)}

    count, layout = CASES[name]
    from sqlalchemy import select

    from conference.badges import services
    from conference.extensions import db
    from conference.registration.models import Participant

    app = bench_app()
    with app.test_request_context():
        event = bench_event(count, status="confirmed")
        participants = list(db.session.scalars(select(Participant).order_by(Participant.last_name)))
        services.current_badges(participants)  # issued beforehand, as they are once anyone has printed
        before = peak_mb()
        started = time.perf_counter()
        pdf = services.render_badges(event, participants, services.layout_of(layout))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb(), "own_mb": own_peak_mb(), "worker_mb": worker_peak_mb(),
            "peak_before_mb": before, "bytes": len(pdf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=list(CASES))
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    results = {}
    for name in [args.only] if args.only else CASES:
        child = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True,
                               cwd=Path(__file__).parent)
        if child.returncode:
            sys.exit(f"{name} failed:\n{child.stderr}")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
        figures = results[name]
        split = (f" (this process {figures['own_mb']:.0f} + largest worker {figures['worker_mb']:.0f})"
                 if figures.get("worker_mb") else "")
        print(f"{name:<24} {figures['seconds']:7.2f} s   peak {figures['peak_mb']:6.0f} MB{split}   "
              f"{figures['bytes'] / 1024:7.0f} KiB", flush=True)
    floor = results.get("weasyprint-500-pages")
    for name in ("badges-500-a6", "badges-500-a4x4"):
        if floor and name in results:
            print(f"{name}: {results[name]['seconds'] / floor['seconds']:.2f}× WeasyPrint's 500 one-line pages")
    print("budget: 500 badges ≤ 3 s; 5,000 badges peak ≤ 300 MB")


if __name__ == "__main__":
    main()
