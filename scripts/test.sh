#!/usr/bin/env bash
# Install what the tests need and run the whole suite: lint, migration check, then pytest
# on SQLite and on PostgreSQL (TEST_POSTGRES_URL, default the local server, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_system_packages
ensure_venv dev
export DJANGO_SETTINGS_MODULE=portal.settings.test
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/jianding}"

.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run --noinput

run_pytest() {
  local label="$1"; shift
  echo "== pytest on ${label} =="
  local rc=0
  "$@" || rc=$?
  # Exit 5 means pytest collected nothing: for this project that is a broken suite, not a pass.
  if [ "$rc" = 5 ]; then
    echo "pytest collected no tests on ${label}: failing deliberately" >&2
    return 1
  fi
  return "$rc"
}

# The two engines' passes share nothing (each has its own test database and temporary
# folders), and each keeps about one core busy: on this two-core machine they run side by
# side, which halves the wall-clock time. TEST_SERIAL=1 runs them one after the other.
# Tests that use no database (the PDF pipeline, the generator) run in the SQLite pass only.
sqlite_pass() { run_pytest SQLite env -u DATABASE_URL .venv/bin/pytest -q "$@"; }
postgres_pass() { run_pytest PostgreSQL env DATABASE_URL="$PG_URL" .venv/bin/pytest -q -m "not nodb" "$@"; }

if [ "${TEST_SERIAL:-}" = 1 ]; then
  sqlite_pass "$@"
  postgres_pass "$@"
  exit 0
fi

pg_log="$(mktemp)"
postgres_pass "$@" >"$pg_log" 2>&1 &
pg_pid=$!
# Never leave the PostgreSQL pass running when this script stops early.
trap 'kill "$pg_pid" 2>/dev/null || true; rm -f "$pg_log"' EXIT
sqlite_rc=0
sqlite_pass "$@" || sqlite_rc=$?
pg_rc=0
wait "$pg_pid" || pg_rc=$?
cat "$pg_log"
echo "== SQLite pass: exit ${sqlite_rc}; PostgreSQL pass: exit ${pg_rc} =="
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
