"""The suite. Jobs run at once, in the process that asks for them (JOBS_URL=immediate, set before the app is
imported); the tests of the queue's consumer start `flask jobs work` on a real storage: CONSUMER_JOBS_URL, which is
the JOBS_URL the suite was started with (Redis in CI's third run), or a SQLite file of the test's own."""

import os
import tempfile

CONSUMER_JOBS_URL = os.environ.get("JOBS_URL", "")
os.environ["JOBS_URL"] = "immediate"
# Files the app keeps (prepared downloads, cached PDFs) go to a folder of the run's own, never the project's instance/.
os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="conference-tests-")
