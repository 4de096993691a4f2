# Two commands on a fresh machine: `make run` serves the demo, `make test` passes the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export ONDECK_DATABASE_URL ?= sqlite:///ondeck.db

.PHONY: run test check lint typecheck layers bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

.env:
	@echo "ONDECK_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))')" > .env
	@echo "created .env with a fresh ONDECK_SECRET_KEY"

## Serve the demo on SQLite at http://127.0.0.1:8000 (web, API and engine in one process).
run: $(STAMP) .env
	$(BIN)/ondeck db upgrade
	$(BIN)/ondeck demo
	$(BIN)/ondeck serve --host 127.0.0.1 --port 8000

## Lint, types, layers and the whole test suite (SQLite and PostgreSQL), three test workers
## (most tests wait on real servers, engines and timers); each file runs on one worker.
test: check
	$(BIN)/pytest -q -n 3 --dist loadfile

check: lint typecheck layers

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

## Benchmarks (not part of `make test`): prints a table and writes bench/results.json.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache ondeck.db ondeck.db-*
