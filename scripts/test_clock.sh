#!/usr/bin/env bash
# Run tests with the clock set to a chosen moment (a "clock sweep"): catches a test that passes only at some hours.
#   scripts/test_clock.sh "2026-12-07 07:55" [pytest arguments...]
# WHEN is Helsinki wall-clock time (the board's zone); the clock starts there and runs on. Without pytest
# arguments: every test but the browser ones. Needs libfaketime (Debian: apt-get install faketime); not part of
# `make test` or CI. PostgreSQL's clock is not moved: a test comparing the server's now() with Python's fails
# for that reason alone, so judge each failure.
set -euo pipefail
cd "$(dirname "$0")/.."
when="${1:?usage: scripts/test_clock.sh "YYYY-MM-DD HH:MM[:SS]" (Helsinki time) [pytest arguments]}"
shift
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -e "$lib" ] || { echo "no $lib: apt-get install faketime" >&2; exit 2; }
epoch=$(date -u -d "TZ=\"Europe/Helsinki\" $when" +%s)
echo "clock sweep: $(TZ=Europe/Helsinki date -d "@$epoch" '+%a %F %T %Z') = $(date -u -d "@$epoch" '+%F %T UTC')" >&2
[ $# -gt 0 ] || set -- -q -p no:cacheprovider -m "not browser" --ignore-glob 'tests/test_browser*'
# An epoch (FAKETIME_FMT=%s) so that no process's TZ changes the moment; DONT_RESET: child processes go on from
# the parent's clock instead of starting again at WHEN; the monotonic clock is left real (faking it makes
# timed waits hang) and scripts/faketime/sitecustomize.py works around the time.sleep that this breaks.
export FAKETIME="@$epoch" FAKETIME_FMT=%s FAKETIME_DONT_RESET=1 FAKETIME_DONT_FAKE_MONOTONIC=1
export PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}"
LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" exec .venv/bin/python -m pytest "$@"
