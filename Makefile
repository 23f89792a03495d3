# Everything a person runs. `make run` works on a machine with only Python 3.11+, make and a
# C compiler; `make test` also wants node 20 with npm (the front-end checks) and Chromium
# (the browser tests), and skips those tests, saying why, where they are missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format schema migrate seed bench soak clean node

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

## Serve on http://127.0.0.1:8000/graphql (embedded PostgreSQL unless TABLERO_DATABASE_URL).
run: $(VENV)/.installed-runtime
	$(BIN)/tablero serve

FRONTEND := tests/frontend

# The front-end tools the tests run (graphql-http, Relay's compiler, Apollo Client), at the
# exact versions of package-lock.json. Without npm it says so; those tests then skip.
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the front-end checks will be skipped"; \
	fi

node: $(FRONTEND)/node_modules/.installed

## Lint, check the committed schema and migrations, and run the whole suite.
test: $(VENV)/.installed-dev node
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Rewrite schema.graphql from the code (a test fails when they differ).
schema: $(VENV)/.installed-runtime
	$(BIN)/tablero schema > schema.graphql

migrate: $(VENV)/.installed-runtime
	$(BIN)/tablero migrate

seed: $(VENV)/.installed-runtime
	$(BIN)/tablero seed demo

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

## A bounded load test: readers keep their latency while hostile clients attack (about 1 min).
soak: $(VENV)/.installed-dev
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(FRONTEND)/node_modules
