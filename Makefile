# ohjaustaulu: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test test-clock lint bench audit lock venv dev-venv system-deps services clean help

help:
	@echo "make demo   set up .venv and run the board on the demo data (Ctrl-C stops; ARGS=--always-open: open all day)"
	@echo "make test   set up system packages, services and .venv, then run all tests"
	@echo "make lint   ruff check"
	@echo "make test-clock WHEN=\"2026-12-07 07:55\"  the tests but the browser ones with the clock at WHEN, Helsinki time"
	@echo "            (needs libfaketime: apt-get install faketime; not part of make test; ARGS=pytest arguments)"
	@echo "make audit  look the pinned dependencies up for known vulnerabilities (pip-audit; says so when it cannot)"
	@echo "make lock   regenerate requirements.lock after changing requirements*.txt"
	@echo "make bench  run the benchmarks (about 75 min; BENCH_ARGS=--quick for seconds), see docs/PERFORMANCE.md"

# requirements.lock pins every transitive dependency too (scripts/lock.sh), so each new .venv is the same.
$(VENV)/.runtime: requirements.txt requirements.lock
	$(PYTHON) -m venv $(VENV) || { echo "cannot create a venv: on Debian, apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt requirements.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt -c requirements.lock
	touch $@

# pip-audit lives in a venv of its own: its dependencies must not change the board's.
.venv-audit/.installed: requirements-audit.txt
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/python -m pip install --quiet -r requirements-audit.txt
	touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

demo: venv
	$(PY) -m board demo $(ARGS)

system-deps:
	bash scripts/system-deps.sh

services:
	bash scripts/services.sh

test: system-deps services dev-venv
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory audit
	$(PY) -m pytest

# Known vulnerabilities in requirements.lock. Fails on an unexplained finding; where the vulnerability service
# cannot be reached it prints "DEPENDENCY AUDIT NOT DONE" and does not fail (BOARD_REQUIRE_AUDIT=1: it does).
audit: .venv-audit/.installed
	$(PYTHON) scripts/audit_deps.py .venv-audit/bin/pip-audit requirements.lock

lock:
	PYTHON=$(PYTHON) bash scripts/lock.sh

# Benchmarks measure and report (bench-results/*.json); a missed goal is not a failure. BENCH_ARGS e.g.
# "--quick", "freshness screens", "--minutes 10", "--param freshness.interval=15".
bench: system-deps services dev-venv
	$(PY) -m bench $(BENCH_ARGS)

# A clock sweep (README, Tests): a test that passes only at some hours fails here before it fails CI.
test-clock: dev-venv
	@test -n "$(WHEN)" || { echo 'make test-clock WHEN="YYYY-MM-DD HH:MM" (Helsinki time) [ARGS="pytest arguments"]'; exit 2; }
	bash scripts/test_clock.sh "$(WHEN)" $(ARGS)

lint: dev-venv
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .venv-audit data test-artifacts .pytest_cache .ruff_cache
