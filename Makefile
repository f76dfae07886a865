# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REPLICA_URL ?= postgres://postgres@127.0.0.1:5433/postgres
# Local runs and tests use the development settings; production sets SECRET_KEY itself.
DEV_ENV := DEBUG=1

.PHONY: install lock audit run serve test test-postgres test-replica replica lint format check load export bench loadtest clean mutate

# Dependencies come from the lock files, every file checked against its hash; the project itself
# is installed on top without its (already locked) dependencies.
$(VENV)/.installed: pyproject.toml requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(PY) -m pip install --quiet -e . --no-deps
	touch $@

install: $(VENV)/.installed

## Rewrite the lock files from pyproject.toml: requirements.txt (production) and
## requirements-dev.txt (development and CI), held to the versions of the first.
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
	--python-version 3.11
lock: install
	$(UV_COMPILE) -o requirements.txt
	$(UV_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt

## Known vulnerabilities in the locked versions (needs PyPI's JSON API or OSV; see .ci/audit).
audit: install
	.ci/audit

## Set up (venv, install, migrate, load the catalogue) and serve on http://127.0.0.1:8000 (SQLite).
run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_catalogue
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## Production settings on loopback (http://127.0.0.1:$(SERVE_PORT)): DEBUG off, a fresh SECRET_KEY,
## the HTTPS-only settings relaxed for plain http, collectstatic, migrate, load, then gunicorn.
SERVE_PORT ?= 8000
SERVE_ENV = DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 \
	SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0

serve: install
	export $(SERVE_ENV) && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_catalogue && \
	$(VENV)/bin/gunicorn kokudo.wsgi -c python:kokudo.gunicorn --bind 127.0.0.1:$(SERVE_PORT)

## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set), with branch
## coverage of cases/ and kokudo/ (the lines and branches no test reaches are listed).
COVERAGE := --cov=cases --cov=kokudo --cov-branch --cov-report=term-missing:skip-covered
test: install
	$(DEV_ENV) $(PY) -m pytest $(COVERAGE) $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(DEV_ENV) $(PY) -m pytest $(COVERAGE)

## Mutation testing of the modules listed under [tool.mutmut] in pyproject.toml (slow: hours
## for all of them). MUTANTS narrows it, e.g. `make mutate MUTANTS='cases.browse*'`;
## scripts/mutate_module.py runs one module against its own tests (docs/mutation.md).
MUTANTS ?=
mutate: install
	$(DEV_ENV) $(VENV)/bin/mutmut run $(MUTANTS)
	$(VENV)/bin/mutmut results

## A streaming replica of the local PostgreSQL on 127.0.0.1:5433 (scripts/replica.sh), and the
## tests that read from it.
replica:
	scripts/replica.sh start

test-replica: install replica
	EXPECT_REPLICA=1 DATABASE_URL=$(POSTGRES_URL) REPLICA_DATABASE_URL=$(REPLICA_URL) \
		$(DEV_ENV) $(PY) -m pytest -m replica

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Migrations in step with the models, and no deployment warnings under production settings.
check: install
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		ALLOWED_HOSTS=kokudo.example.jp $(PY) manage.py check --deploy --fail-level WARNING

load: install
	$(DEV_ENV) $(PY) manage.py load_catalogue

export: install
	$(DEV_ENV) $(PY) manage.py export_catalogue

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache mutants .coverage

## Bounded load test on loopback (gunicorn, wrk at 16 connections, 10 s a URL) against the bench
## database; prints a table. FRONT=nginx, APPS=2 and REPLICA_DATABASE_URL: see loadtest/run.sh.
loadtest: install
	loadtest/run.sh

## Measure browse, search, detail and the admin peer at scale (PostgreSQL database kokudo_bench,
## created if missing; synthetic cases generated once). BENCH_CASES=10000 for a quicker run;
## BENCH_ARGS=--explain adds EXPLAIN ANALYZE of the slowest query of each scenario over target.
BENCH_DB_HOST ?= 127.0.0.1
BENCH_DB_PORT ?= 5432
BENCH_DB_USER ?= postgres
BENCH_DB_NAME ?= kokudo_bench
BENCH_DATABASE_URL ?= postgres://$(BENCH_DB_USER)@$(BENCH_DB_HOST):$(BENCH_DB_PORT)/$(BENCH_DB_NAME)
BENCH_CASES ?= 100000
BENCH_JSON ?= test-artifacts/bench-$(BENCH_CASES).json
BENCH_ARGS ?=
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) $(DEV_ENV)
PG_OPTS := -h $(BENCH_DB_HOST) -p $(BENCH_DB_PORT) -U $(BENCH_DB_USER)

bench: install
	@psql $(PG_OPTS) -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB_NAME)'" \
		| grep -q 1 || createdb $(PG_OPTS) $(BENCH_DB_NAME)
	$(BENCH_ENV) $(PY) manage.py migrate --noinput
	@mkdir -p $(dir $(BENCH_JSON))
	@# The synthetic cases have no fixture files; the catalogue is told they are not its own.
	$(BENCH_ENV) $(PY) manage.py load_catalogue --ignore-prefix synthetic-
	$(BENCH_ENV) $(PY) manage.py bench --cases $(BENCH_CASES) --json $(BENCH_JSON) $(BENCH_ARGS)
