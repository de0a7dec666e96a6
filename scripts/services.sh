#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use (127.0.0.1:5432) is running.
# Starts the local Debian cluster when it is installed but stopped; if no
# server is installed at all the PostgreSQL tests skip with a reason (and
# fail under BOARD_REQUIRE_POSTGRES=1, which .ci/run sets).
set -uo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null; then
  echo "postgresql: client tools not installed; PostgreSQL tests will skip"; exit 0
fi
if ready; then echo "postgresql: running on 127.0.0.1:5432"; exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    echo "postgresql: starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do ready && { echo "postgresql: running"; exit 0; }; sleep 1; done
  echo "postgresql: did not become ready" >&2; exit 1
fi
echo "postgresql: no local server installed; PostgreSQL tests will skip"
