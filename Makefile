# Two commands: `make run` serves on 127.0.0.1:8000 (SQLite under ./var/), `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench fuzz emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	mkdir -p var
	ML_INTERN_DATABASE_URL=$${ML_INTERN_DATABASE_URL:-sqlite:///./var/ml_intern.db} \
		$(BIN)/ml-intern-api serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Benchmarks are separate from tests: they report ratios measured side by side in one run.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

# schemathesis against the running server from its own /openapi.json, far longer than the CI smoke in `make test`
# (thousands of cases, new draws each run); prints the case counts and the 5xx / envelope / hang / leak figures.
FUZZ_EXAMPLES ?= 250
FUZZ_SCENARIOS ?= 250
fuzz: $(VENV)/.installed-dev
	ML_INTERN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ML_INTERN_FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) ML_INTERN_FUZZ_RANDOM=1 \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

# The local Hugging Face emulator, to try the server offline (see tests/emulator/README.md).
emulator: $(VENV)/.installed-dev
	$(BIN)/python -m tests.emulator --port 9000

clean:
	rm -rf $(VENV) var .pytest_cache
