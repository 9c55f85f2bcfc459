# Stagegate's entry points. `make run` and `make test` are the README's quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit format install migrate demo screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements/base.txt requirements/dev.txt requirements/production.txt
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

## Serve the platform on http://127.0.0.1:8000/ on the embedded default (SQLite, tasks in process),
## with the periodic work that beat schedules in production run beside it (run_schedule).
run: demo
	@echo "Stagegate on http://127.0.0.1:8000/, periodic tasks beside it  (stop both with Ctrl-C)"
	$(BIN)/python manage.py run_embedded 127.0.0.1:8000

## The whole test suite; PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.
test: install
	$(BIN)/python -m pytest

## PNGs of the main pages, from the running product with the demo data (needs Debian's chromium).
screenshots: demo
	$(BIN)/python manage.py take_screenshots --out docs/screenshots

## Stagegate at scale: a generated portfolio on the local PostgreSQL and Redis, gunicorn and one Celery
## worker; prints the table and writes docs/performance.md. Options: make bench BENCH_ARGS="--help".
bench: install
	$(BIN)/python -m pip install --quiet -r requirements/production.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## pip-audit over the installed packages: fails on a known vulnerability, warns about any it could not audit.
audit: install
	.ci/audit

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm schedule-state.json staticfiles .pytest_cache .ruff_cache
