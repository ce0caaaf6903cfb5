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
    exit 1
  fi
  [ "$rc" = 0 ] || exit "$rc"
}

run_pytest SQLite env -u DATABASE_URL .venv/bin/pytest -q "$@"
# Tests that use no database (the PDF pipeline, the generator) already ran in the SQLite pass.
run_pytest PostgreSQL env DATABASE_URL="$PG_URL" .venv/bin/pytest -q -m "not nodb" "$@"
