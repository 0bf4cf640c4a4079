# Two commands: `make run` serves on 127.0.0.1:8000 (SQLite under ./var/), `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench fuzz chaos emulator eval clean mcp-conformance-tools node-sdk chromium

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

# Chromium from the distribution's packages, for the run page's browser tests (tests/run_page: Playwright drives it
# through executable_path; no browser is downloaded). Installed only when missing; needs root, as in CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null

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

# Crash tests: kill -9 the server at random moments while clients stream, restart it, compare what they received
# with the replay; then restart PostgreSQL under a running replica (this briefly interrupts every other user of
# that cluster). Counts: make chaos CHAOS_SQLITE_TRIALS=30 CHAOS_PG_TRIALS=10 CHAOS_ARGS="--no-pg-restart".
CHAOS_SQLITE_TRIALS ?= 30
CHAOS_PG_TRIALS ?= 10
chaos: $(VENV)/.installed-dev
	mkdir -p var
	$(BIN)/python -m chaos --sqlite-trials $(CHAOS_SQLITE_TRIALS) --pg-trials $(CHAOS_PG_TRIALS) \
		--json var/chaos.json $(CHAOS_ARGS)

# Evaluate the agent on ML tasks (docs/evals.md). Without EVAL_BASE_URL: offline, the emulator and a server as child
# processes and the emulator's scripted model (it tests the harness, not a model); report under evals-runs/.
# With EVAL_BASE_URL=https://... : that deployment, the token from HF_TOKEN, e.g.
#   make eval EVAL_BASE_URL=https://intern.example.org EVAL_ARGS="--model a --model b --repeat 3"
EVAL_ARGS ?=
eval: $(VENV)/.installed-dev
ifdef EVAL_BASE_URL
	$(BIN)/ml-intern-eval -v run --base-url $(EVAL_BASE_URL) $(EVAL_ARGS)
else
	$(BIN)/python -m tests.evals.offline $(EVAL_ARGS)
endif

# The local Hugging Face emulator, to try the server offline (see tests/emulator/README.md).
emulator: $(VENV)/.installed-dev
	$(BIN)/python -m tests.emulator --port 9000

clean:
	rm -rf $(VENV) var .pytest_cache .cache
