# Kavosh: `make run` serves, `make test` checks. Each does all of its own set-up.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test index lint bench browser clean

run: $(VENV)/.run index
	$(BIN)/kavosh serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test browser index
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

# Build the index only when there is none (`kavosh index` rebuilds on demand).
# Exit status 3 means "built, some files skipped": the summary lists them.
index: $(VENV)/.run
	@$(BIN)/kavosh index --if-missing || [ $$? -eq 3 ]

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The engines on the three corpora, then the scaling curve (WikiText-2 1x, 4x, 8x).
bench: $(VENV)/.test
	$(BIN)/python -m bench
	$(BIN)/python -m bench --scale

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kavosh needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The app alone for `make run`; tests and benchmarks add their extras.
$(VENV)/.run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@ $(VENV)/.run

# The browser tests drive Debian's Chromium and the load tests wrk; install them where missing.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1 || scripts/install-system-deps

clean:
	rm -rf $(VENV) instance/index
