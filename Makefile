# Commands for a fresh machine with Python 3.11: `make demo`, `make test` (the fast suite and the linters) and
# `make test-all` (also the slow tests: a real browser, two training processes, training loops).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all browser format app bench-labels clean
LINTED := selgan apps tests benchmarks scripts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/python -m selgan.demo

app: $(STAMP)
	$(BIN)/selgan app

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

test-all: test browser
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m slow

# The system chromium that the browser tests drive (Debian's package; apt-get needs root).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null || \
	  echo "chromium could not be installed: the browser tests will skip"

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

bench-labels: $(STAMP)
	$(BIN)/python benchmarks/label_coding.py

clean:
	rm -rf demo_out .pytest_cache
