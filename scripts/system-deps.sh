#!/usr/bin/env bash
# Install the Debian packages the tests need, when missing:
#   unixodbc (libodbc2 for pyodbc), the PostgreSQL, SQLite and FreeTDS ODBC drivers,
#   chromium for the real-browser tests, and nginx for the test of docs/DEPLOY.md's proxy block
#   (tests/test_nginx.py starts its own nginx on loopback; Debian's service is not needed).
set -euo pipefail
packages=(unixodbc odbc-postgresql libsqliteodbc tdsodbc chromium nginx)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
