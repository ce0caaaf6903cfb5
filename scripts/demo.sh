#!/usr/bin/env bash
# Install the portal into .venv, build the demo database and serve it with a task worker,
# all on the embedded defaults (SQLite file in var/, local media, database search).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
export DJANGO_SETTINGS_MODULE=portal.settings.dev
PORT="${PORT:-8000}"

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py demo

.venv/bin/python manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

echo
echo "鉴定门户已启动：http://127.0.0.1:${PORT}/   （任务处理进程日志：var/worker.log，按 Ctrl+C 停止）"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload
