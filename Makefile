# The README's commands: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
export FLASK_APP := conference:create_app

.PHONY: run test install translations extract-messages bench lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-installs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel compile -d conference/translations

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask directories load
	$(BIN)/flask demo --if-empty
	$(BIN)/flask refresh-statistics
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check conference tests bench

# After changing user-facing text: refresh the catalogue, translate the new entries in the .po, then `make test`.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o conference/translations/messages.pot .
	$(BIN)/pybabel update -q -i conference/translations/messages.pot -d conference/translations -l ru --no-fuzzy-matching

bench: translations
	$(BIN)/python bench/participants.py
	$(BIN)/python bench/badges.py
