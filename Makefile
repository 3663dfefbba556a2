# The project's commands. Every target builds or reuses .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test lint types pytest demo run emulator bench clean

venv: $(STAMP)

# Re-install only when the dependency list changes; pip is upgraded first because
# the pip that ships with Python 3.11 cannot resolve synapseclient's dependencies.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check adapter tests bench
	$(BIN)/ruff format --check adapter tests bench

types: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/python -m pytest

test: lint types pytest

demo: venv
	$(BIN)/python -m adapter.demo

run: venv
	$(BIN)/python -m adapter

emulator: venv
	$(BIN)/python -m adapter.emulator

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Needs wrk (apt-get install -y wrk). BENCH_ARGS: e.g. --quick (check the harness), --rounds 5.
BENCH_ARGS ?=
bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)
