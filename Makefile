# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# Local runs and tests use the development settings; production sets SECRET_KEY itself.
DEV_ENV := DEBUG=1

.PHONY: install run serve test test-postgres lint format check load export bench loadtest clean mutate

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## Set up (venv, install, migrate, load the catalogue) and serve on http://127.0.0.1:8000 (SQLite).
run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_catalogue
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set), with branch
## coverage of cases/ and kokudo/ (the lines and branches no test reaches are listed).
COVERAGE := --cov=cases --cov=kokudo --cov-branch --cov-report=term-missing:skip-covered
test: install
	$(DEV_ENV) $(PY) -m pytest $(COVERAGE)

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(DEV_ENV) $(PY) -m pytest $(COVERAGE)

## Mutation testing of the modules listed under [tool.mutmut] in pyproject.toml (slow: hours
## for all of them). MUTANTS narrows it, e.g. `make mutate MUTANTS='cases.text*'`.
MUTANTS ?=
mutate: install
	$(DEV_ENV) $(VENV)/bin/mutmut run $(MUTANTS)
	$(VENV)/bin/mutmut results

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

## Bounded load test on loopback (gunicorn + locust, 50 clients, 60 s) against the bench database.
loadtest: install
	$(PY) -m pip install --quiet -e ".[load]"
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
	@# load_catalogue lists every case without a fixture file: 100,000 synthetic slugs.
	$(BENCH_ENV) $(PY) manage.py load_catalogue > $(dir $(BENCH_JSON))bench-load-catalogue.log
	@cut -c 1-160 $(dir $(BENCH_JSON))bench-load-catalogue.log
	$(BENCH_ENV) $(PY) manage.py bench --cases $(BENCH_CASES) --json $(BENCH_JSON) $(BENCH_ARGS)
