# Bekitu: two commands do all the set-up on a fresh machine.
#   make run    the service on SQLite with demo data, at http://127.0.0.1:8000, served as in
#               production: gunicorn, WhiteNoise, the background worker, debug mode off
#   make test   lint, types and the whole suite on SQLite, then on PostgreSQL
# And for developers and load: make dev (Django's development server, reload, debug mode on),
# make run-scale (PostgreSQL, RabbitMQ, Redis, several web and worker processes).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
ADDR   ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/bekitu
PYTEST_ARGS ?=
# The address the served service gives of itself (the start-up banner, the talon's QR code
# and check address): the one it is served at, unless BEKITU_PUBLIC_URL says otherwise.
run dev run-scale: export BEKITU_PUBLIC_URL ?= http://$(ADDR)

.PHONY: run dev run-scale test lint types imports test-sqlite test-postgres messages install install-test clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

# Front-end packages (the handbook's BPMN viewer, the BPMN linter) from the npm registry,
# exactly as the lock file says.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || scripts/ensure-system-packages npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.run-installed node_modules/.installed
install-test: $(VENV)/.test-installed node_modules/.installed
	@scripts/ensure-system-packages

messages: install
	@command -v msgfmt >/dev/null || scripts/ensure-system-packages gettext
	cd src/bekitu && ../../$(BIN)/bekitu compilemessages -v0

run: install messages
	$(BIN)/bekitu migrate -v0
	$(BIN)/bekitu demo-setup
	scripts/serve $(ADDR)

# Django's development server: reloads on every change, debug pages; background tasks run in
# the request's process (no worker to start).
dev: install messages
	$(BIN)/bekitu migrate -v0
	$(BIN)/bekitu demo-setup
	BEKITU_DEBUG=true BEKITU_TASKS_EAGER=true $(BIN)/bekitu runserver $(ADDR)

# The shape of a region or the country on this machine's servers (docs/operations.md):
# PostgreSQL, RabbitMQ as the broker, Redis as the cache, WEB_WORKERS gunicorn processes and
# CELERY_WORKERS background worker processes.
SCALE_DB     ?= postgres://postgres@127.0.0.1:5432/bekitu_scale
SCALE_BROKER ?= amqp://guest:guest@127.0.0.1:5672//
SCALE_CACHE  ?= redis://127.0.0.1:6379/1
WEB_WORKERS    ?= 4
CELERY_WORKERS ?= 4
SCALE_ENV = DATABASE_URL=$(SCALE_DB) BEKITU_BROKER_URL=$(SCALE_BROKER) \
	BEKITU_CACHE_URL=$(SCALE_CACHE) BEKITU_VAR_DIR=$(CURDIR)/var/scale
run-scale: install messages
	scripts/ensure-postgres && scripts/ensure-rabbitmq && scripts/ensure-redis
	$(SCALE_ENV) $(BIN)/python -m bekitu.core.dbcreate
	$(SCALE_ENV) $(BIN)/bekitu migrate -v0
	$(SCALE_ENV) $(BIN)/bekitu demo-setup
	$(SCALE_ENV) BEKITU_WEB_WORKERS=$(WEB_WORKERS) BEKITU_CELERY_WORKERS=$(CELERY_WORKERS) \
		scripts/serve $(ADDR)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install-test
	$(BIN)/mypy src/bekitu

# The import contracts of pyproject.toml (layers, the portal's reach, models behind services).
imports: install-test
	$(BIN)/lint-imports --no-cache

# Each pass spreads its tests over two workers that steal from each other (--dist worksteal):
# a few tests take tens of seconds, and a worker left with them no longer waits alone.
# Browser tests run in a pass of their own: Playwright's sync API keeps an event loop running
# in the test process, and pyHanko's signing (asyncio.run) can't start one beside it.
test-sqlite: install-test messages
	BEKITU_VAR_DIR=$(CURDIR)/var/test DATABASE_URL=sqlite:///$(CURDIR)/var/test/db.sqlite3 \
		$(BIN)/pytest -n 2 --dist worksteal -m "not e2e and not fuzz" $(PYTEST_ARGS)
	BEKITU_VAR_DIR=$(CURDIR)/var/test-e2e DATABASE_URL=sqlite:///$(CURDIR)/var/test-e2e/db.sqlite3 \
		$(BIN)/pytest -n 2 --dist worksteal -m e2e $(PYTEST_ARGS)

# The PostgreSQL pass runs the tests that use the database; the others (parsers, rules,
# signatures, commands on their own SQLite file) ran in the SQLite pass and would repeat it.
test-postgres: install-test messages
	@if scripts/ensure-postgres; then \
		BEKITU_VAR_DIR=$(CURDIR)/var/test-pg DATABASE_URL=$(PG_URL) \
		$(BIN)/pytest -n 2 --dist worksteal -m "not e2e and not fuzz" --database-only $(PYTEST_ARGS); \
	else \
		echo "PostgreSQL pass skipped: no server at 127.0.0.1:5432 (set CI=true to start one)"; \
	fi

# The API fuzzed from its own OpenAPI schema by schemathesis (every operation under /api/, a
# bounded number of examples, every check): no 5xx, no answer outside the schema.
fuzz: install-test messages
	BEKITU_VAR_DIR=$(CURDIR)/var/test-fuzz DATABASE_URL=sqlite:///$(CURDIR)/var/test-fuzz/db.sqlite3 \
		$(BIN)/pytest -n 2 --dist worksteal -m fuzz tests/security/test_fuzz_api.py tests/security/test_fuzz_portal.py $(PYTEST_ARGS)

test: lint types imports test-sqlite test-postgres fuzz

bench: install-test
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var/test var/test-e2e var/test-pg var/test-fuzz
