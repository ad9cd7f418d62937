"""gunicorn's settings for the app: `gunicorn -c conference/gunicorn.conf.py …` (the README's production section).

Python's full garbage collection walks every object a worker holds: with the app loaded (SQLAlchemy, WeasyPrint,
Babel, the templates) that took 90–200 ms, a few times a minute, during which the worker answered nobody; at the
door, a row of scans each waiting a tenth of a second (bench/checkin.py: p99 31–56 ms instead of 7). What the app
loads at start stays for the worker's life, so it is moved out of the collector's sight (gc.freeze) once loaded."""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
