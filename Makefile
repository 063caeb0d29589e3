# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-hostile audit lint check worker beat web install install-dev migrate seed clean

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
run: seed
	@echo ""
	@echo "  Outsourcing is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Stop with Ctrl+C."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A outsourcing worker --beat --loglevel=warning --concurrency=1 & \
	$(MANAGE) runserver $(HOST):$(PORT)

web: migrate
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A outsourcing worker --loglevel=info

beat: install
	$(BIN)/celery -A outsourcing beat --loglevel=info

## The test suite (SQLite by default; DATABASE_URL/REDIS_URL point it at real services).
test: install-dev
	$(BIN)/pytest $(ARGS)

## The hostile-input suite alone, as CI runs it: 200 Hypothesis examples per form,
## derandomized (about 15 minutes of CPU; ARGS="--shard 1/2" runs half of it).
test-hostile: install-dev
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -m hostile $(ARGS)

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
