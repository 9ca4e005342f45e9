# Kavosh: `make run` serves, `make test` checks. Each does all of its own set-up.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test index lint bench bench-quick browser clean

run: $(STAMP) index
	$(BIN)/kavosh serve --host $(HOST) --port $(PORT)

test: $(STAMP) browser index
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app indexer tests bench
	$(BIN)/pytest

# Build the index only when there is none; `kavosh index` rebuilds it on demand.
index: $(STAMP)
	@$(BIN)/kavosh index --if-missing

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app indexer tests bench

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kavosh needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# The browser tests drive Debian's Chromium; install it where it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium

clean:
	rm -rf $(VENV) instance/index
