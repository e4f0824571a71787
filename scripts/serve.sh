#!/usr/bin/env bash
# Sets everything up on a fresh machine and serves the API on port 8000 with the embedded
# default: SQLite under ./data, jobs in-process, and the built-in sandbox tenant on port 8443.
# Prints an admin token the first time so you can use the API (and the Swagger UI) at once.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv" >&2
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import app' 2>/dev/null || [ pyproject.toml -nt .venv/.installed-serve ]; then
  echo "==> installing" >&2
  .venv/bin/pip install -q -e .
  touch .venv/.installed-serve
fi
echo "==> migrating" >&2
.venv/bin/provisioner migrate
mkdir -p data
if [ ! -s data/admin-token ]; then
  .venv/bin/provisioner token create --scope admin --name first-admin > data/admin-token
  chmod 600 data/admin-token
  echo "==> admin token (also in data/admin-token): $(cat data/admin-token)" >&2
fi
echo "==> serving on http://127.0.0.1:${PORT:-8000} (Swagger UI at /docs)" >&2
exec .venv/bin/provisioner serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
