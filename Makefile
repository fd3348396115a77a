# The README's two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install worker beat messages screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The embedded default: SQLite, Celery tasks in-process, demo data on first run, on 127.0.0.1:8000.
run: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo --if-empty --credentials demo-credentials.json
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite: PostgreSQL and Redis when reachable (REQUIRE_SERVICES=1 makes them mandatory), in
# one pytest-xdist process per core (each with its own test database and Celery queue);
# PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The browser tests, keeping their screenshots in docs/screenshots/ (a plain test run keeps them in a
# scratch directory, leaving the work tree as it was).
screenshots: install
	SCREENSHOTS=docs/screenshots $(PY) -m pytest -m browser $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

# Translations (docs/i18n.md): refresh locale/fr and locale/ar from the code, then compile them.
messages: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemessages
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py compilemessages --ignore=.venv

worker: install
	$(VENV)/bin/celery -A config worker --loglevel INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel INFO
