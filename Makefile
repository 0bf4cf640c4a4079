# Two commands: `make run` serves on 127.0.0.1:8000 (SQLite under ./var/), `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench emulator clean mcp-conformance-tools node-sdk

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

# The official MCP conformance suite and the Node.js 22 it runs on, from the npm registry into .cache/ (the
# conformance test installs them too when missing; CI installs them first so a registry problem fails loudly).
mcp-conformance-tools: $(VENV)/.installed-dev
	$(BIN)/python -m tests.mcp.conformance install

# openai-node, for the tests of its stream helper (tests/node_sdk): from npm into .cache/ (gitignored). The tests
# install it themselves when it is missing; CI installs it first so that an unreachable registry fails loudly.
node-sdk: $(VENV)/.installed-dev
	$(BIN)/python -m tests.node_sdk

# Benchmarks are separate from tests: they report ratios measured side by side in one run.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

# The local Hugging Face emulator, to try the server offline (see tests/emulator/README.md).
emulator: $(VENV)/.installed-dev
	$(BIN)/python -m tests.emulator --port 9000

clean:
	rm -rf $(VENV) var .pytest_cache .cache
