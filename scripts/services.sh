#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is there, running, and reachable
# as the test URL expects (default: user postgres, database test, 127.0.0.1:5432,
# no password). On a machine that has it all already this only checks.
#
# On a fresh Debian machine (as root) it installs Debian's postgresql, starts the
# cluster, creates the database `test`, and lets `postgres` log in over
# 127.0.0.1 to that one database without a password (a pg_hba.conf line) --
# fine for a throwaway test machine, not for a production server.
# Without root and without a server, the PostgreSQL tests skip with the reason
# (and fail under BOARD_REQUIRE_POSTGRES=1, which .ci/run sets).
set -uo pipefail
HOST=127.0.0.1 PORT=5432 DB=test ROLE=postgres

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }
can_login() { psql -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DB" -w -Atc 'select 1' >/dev/null 2>&1; }
as_postgres() { runuser -u postgres -- "$@"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if ! is_root; then echo "postgresql: not installed and not root; PostgreSQL tests will skip"; exit 0; fi
  echo "postgresql: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || { echo "postgresql: install failed" >&2; exit 1; }
fi

if ! ready; then
  for version in $(ls /etc/postgresql); do
    echo "postgresql: starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { echo "postgresql: did not become ready on $HOST:$PORT" >&2; exit 1; }
fi

if can_login; then echo "postgresql: ready ($ROLE@$HOST:$PORT/$DB)"; exit 0; fi
if ! is_root; then echo "postgresql: cannot log in as $ROLE to $DB and not root to fix it; tests will skip"; exit 0; fi

echo "postgresql: preparing database $DB for the tests"
if ! as_postgres psql -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  as_postgres createdb "$DB"
fi
if ! can_login; then
  hba=$(as_postgres psql -Atc 'show hba_file')
  line="host $DB $ROLE $HOST/32 trust  # ohjaustaulu tests"
  grep -qF "$line" "$hba" || sed -i "1i $line" "$hba"
  as_postgres psql -Atc 'select pg_reload_conf()' >/dev/null
  sleep 1
fi
can_login && echo "postgresql: ready ($ROLE@$HOST:$PORT/$DB)" || { echo "postgresql: still cannot log in" >&2; exit 1; }
