# Bekitu: two commands do all the set-up on a fresh machine.
#   make run    the service on SQLite with demo data, at http://127.0.0.1:8000
#   make test   lint, types and the whole suite on SQLite, then on PostgreSQL
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
ADDR   ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/bekitu
PYTEST_ARGS ?=

.PHONY: run test lint types imports test-sqlite test-postgres messages install install-test clean bench

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

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install-test
	$(BIN)/mypy src/bekitu

# The import contracts of pyproject.toml (layers, the portal's reach, models behind services).
imports: install-test
	$(BIN)/lint-imports --no-cache

# Browser tests run in a pass of their own: Playwright's sync API keeps an event loop running
# in the test process, and pyHanko's signing (asyncio.run) can't start one beside it.
test-sqlite: install-test messages
	BEKITU_VAR_DIR=$(CURDIR)/var/test DATABASE_URL=sqlite:///$(CURDIR)/var/test/db.sqlite3 \
		$(BIN)/pytest -n 2 -m "not e2e" $(PYTEST_ARGS)
	BEKITU_VAR_DIR=$(CURDIR)/var/test-e2e DATABASE_URL=sqlite:///$(CURDIR)/var/test-e2e/db.sqlite3 \
		$(BIN)/pytest -n 2 -m e2e $(PYTEST_ARGS)

test-postgres: install-test messages
	@if scripts/ensure-postgres; then \
		BEKITU_VAR_DIR=$(CURDIR)/var/test-pg DATABASE_URL=$(PG_URL) \
		$(BIN)/pytest -n 2 -m "not e2e" $(PYTEST_ARGS); \
	else \
		echo "PostgreSQL pass skipped: no server at 127.0.0.1:5432 (set CI=true to start one)"; \
	fi

test: lint types imports test-sqlite test-postgres

bench: install-test
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var/test var/test-e2e var/test-pg
