# brukerstemme: every command sets up its own environment on first use (needs python3 and make).
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster
export BRUKERSTEMME_DATA_DIR ?= $(CURDIR)/data

.PHONY: setup demo run test dev bench lint format clean

setup: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml

# uv lives in its own small venv (.tools/) so that `uv sync` can keep .venv exactly as locked.
$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every run worker, test and CLI process imports Dagster, pandas and Great
# Expectations; compiled once at install, they load in seconds even where PYTHONDONTWRITEBYTECODE
# is set (as on CI machines), instead of being compiled again by every process.
$(VENV)/.synced: pyproject.toml uv.lock $(TOOLS)/bin/uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(TOOLS)/bin/uv sync --frozen --quiet --compile-bytecode --python $(PYTHON)
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## Generate the sample waves into the data dir and materialize everything on the local instance.
demo: setup
	$(BIN)/brukerstemme demo

## Materialize everything for the deliveries already in $$BRUKERSTEMME_DATA_DIR/landing.
run: setup
	$(BIN)/brukerstemme run

## The test suite (what CI runs).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/brukerstemme codebook check --landing tests/fixtures/samples/landing
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

## Dagster UI and daemon on http://127.0.0.1:3000: landing sensor, automation and nightly sweep on
## (BRUKERSTEMME_AUTOMATION=off make dev starts them off; see README "Editions and late data")
dev: setup
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## Benchmarks: make bench [SCENARIO=ingest|indicators|publish|disclosure|late|run|all] (default ingest)
bench: setup
	$(BIN)/python -m bench $(SCENARIO)

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .dagster data bench/out tests/artifacts .tools
