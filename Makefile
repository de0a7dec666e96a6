# ohjaustaulu: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test lint bench venv dev-venv system-deps services clean help

help:
	@echo "make demo   set up .venv and run the board on the demo data (Ctrl-C stops)"
	@echo "make test   set up system packages, services and .venv, then run all tests"
	@echo "make lint   ruff check"
	@echo "make bench  run the benchmarks (about 75 min; BENCH_ARGS=--quick for seconds), see docs/PERFORMANCE.md"

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV) || { echo "cannot create a venv: on Debian, apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

demo: venv
	$(PY) -m board demo

system-deps:
	bash scripts/system-deps.sh

services:
	bash scripts/services.sh

test: system-deps services dev-venv
	$(PY) -m ruff check .
	$(PY) -m pytest

# Benchmarks measure and report (bench-results/*.json); a missed goal is not a failure. BENCH_ARGS e.g.
# "--quick", "freshness screens", "--minutes 10", "--param freshness.interval=15".
bench: system-deps services dev-venv
	$(PY) -m bench $(BENCH_ARGS)

lint: dev-venv
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) data test-artifacts .pytest_cache .ruff_cache
