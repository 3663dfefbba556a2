# The project's commands. Every target builds or reuses .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# One venv, two stamps: the runtime dependencies (enough for demo, run, emulator), then the
# test, dev and bench extras on top (test, lint, types, bench).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: venv test lint types pytest demo run emulator bench clean system-tools

venv: $(STAMP)

# Re-install only when the dependency list changes; pip is upgraded first because
# the pip that ships with Python 3.11 cannot resolve synapseclient's dependencies.
$(RUNTIME): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check adapter tests bench
	$(BIN)/ruff format --check adapter tests bench

types: venv
	$(BIN)/mypy

# Debian's redis-server (built with TLS: the suite runs a TLS Redis) and wrk (the bench's load
# generator), installed when missing; root installs them, anyone else is told how.
SYSTEM_TOOLS := redis-server wrk
system-tools:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing (Debian packages)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
		else \
			echo "missing:$$missing; install them: sudo apt-get install$$missing" >&2; exit 1; \
		fi; \
	fi

pytest: venv system-tools
	$(BIN)/python -m pytest --cov --cov-report=term

test: lint types pytest

demo: $(RUNTIME)
	$(BIN)/python -m adapter.demo

run: $(RUNTIME)
	$(BIN)/python -m adapter

emulator: $(RUNTIME)
	$(BIN)/python -m adapter.emulator

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Needs wrk (apt-get install -y wrk). BENCH_ARGS: e.g. --quick (check the harness), --rounds 9
# (seven by default).
BENCH_ARGS ?=
bench: venv system-tools
	$(BIN)/python -m bench $(BENCH_ARGS)
