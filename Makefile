# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Django reads them too: without SITE_URL, links and the address seed_demo prints follow them.
export HOST PORT

.PHONY: run test test-dates test-hostile audit lint check worker beat web install install-dev migrate seed bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

.env:
	cp .env.example .env

install: $(VENV)/.installed .env
install-dev: $(VENV)/.installed-dev .env

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

## Start everything on the embedded defaults: web server, Celery worker and beat.
## Ctrl+C (or SIGTERM) stops them all (outsourcing/run.py).
run: seed
	@echo ""
	@echo "  Outsourcing is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Stop with Ctrl+C."
	@echo ""
	@$(BIN)/python -m outsourcing.run $(HOST):$(PORT)

web: migrate
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A outsourcing worker --loglevel=info

beat: install
	$(BIN)/celery -A outsourcing beat --loglevel=info

## The test suite (SQLite by default; DATABASE_URL/REDIS_URL point it at real services).
test: install-dev
	$(BIN)/pytest $(ARGS)

## The date-sensitive tests (marker "dates") with the clock moved to each awkward moment
## below, in TIME_ZONE (outsourcing/tests/clock.py). Any single moment, whole suite:
## make test ARGS="--today=2027-03-28T23:30" (or TEST_TODAY=...).
MOMENTS ?= \
	2027-03-01T00:30 \
	2027-02-28T10:00 \
	2026-12-31T23:30 \
	2027-01-01T10:00 \
	2027-03-28T23:30 \
	2026-10-25T10:00 \
	2027-03-14T10:00 \
	2026-11-01T23:30 \
	2026-12-07T00:30 \
	2026-12-06T23:30 \
	2028-02-29T10:00
# 1 March 2027 is a Monday and the first day of a month; 28 February the last day of a
# short month; 31 December the last day of the year; 28 March 2027 (a Sunday) and
# 25 October 2026 the days European clocks go forward and back; 14 March 2027 and
# 1 November 2026 (a Sunday) the days American clocks do; then a plain Monday just after
# midnight and the Sunday just before it; and a leap day. Times are in TIME_ZONE (UTC
# by default): 23:30 UTC is already the next day in Europe, which is the point.
test-dates: install-dev
	@failed=""; for moment in $(MOMENTS); do \
		echo "== the date-sensitive tests at $$moment"; \
		$(BIN)/pytest -q -m dates --today=$$moment $(ARGS) || failed="$$failed $$moment"; \
	done; \
	if [ -n "$$failed" ]; then echo "== failed at:$$failed"; exit 1; fi

## The hostile-input suite alone, as CI runs it: 200 Hypothesis examples per form,
## derandomized (about 15 minutes of CPU; ARGS="--shard 1/2" runs half of it).
test-hostile: install-dev
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -m hostile $(ARGS)

## How the pages' cost grows with the data (issue 15; README, "Benchmarks"). Needs
## PostgreSQL at 127.0.0.1:5432 (BENCH_SERVER=postgres://user@host:port names another);
## creates and fills outsourcing_bench_small and _large on first use, then reuses them.
bench: install
	$(BIN)/python -m engagements.bench $(ARGS)

## 50 people at work for 60 s on the large data (issue 15; README, "Benchmarks"): gunicorn,
## a Celery worker, PostgreSQL and Redis (127.0.0.1:6379, LOAD_REDIS names another) on
## this machine, driven by locust; fails unless every request succeeds and p95 <= 1 s.
load: install-dev
	$(BIN)/python -m engagements.bench.load $(ARGS)

## Known vulnerabilities in the pinned requirements. Needs pypi.org's JSON API or
## osv.dev, which closed networks may not reach (see README, "Security").
audit: install-dev
	$(BIN)/pip install --quiet pip-audit==2.10.1
	$(BIN)/pip-audit -r requirements.txt -r requirements-dev.txt

## Lint, types, and bandit over the project code (a medium or high finding fails;
## reviewed ones carry "# nosec" with the reason beside them).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/bandit -q -r outsourcing vendors engagements -x '*/tests/*,*/migrations/*' -ll

check: install-dev
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .env
