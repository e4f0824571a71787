#!/usr/bin/env bash
# Sets everything up on a fresh machine and serves the API with the embedded default: SQLite
# under DATA_DIR (./data), jobs in-process, and the built-in sandbox tenant. Settings come from
# the environment or .env, as for every `provisioner` command: `PORT=18431 ./scripts/serve.sh`
# serves on 18431 and the admin-consent callback (PUBLIC_URL) follows.
# On every start it says where the admin token is (and makes one the first time).
set -euo pipefail
if [ $# -gt 0 ]; then
  # Flags would reach `serve` but not the settings the consent callback is built from.
  echo "serve.sh takes no arguments; set them in the environment or .env instead," >&2
  echo "for example: PORT=18431 SANDBOX_PORT=18443 ./scripts/serve.sh" >&2
  exit 2
fi
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv" >&2
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import app' 2>/dev/null || [ pyproject.toml -nt .venv/.installed-serve ]; then
  echo "==> installing" >&2
  # python-ldap (directory sources) builds from source: it needs the OpenLDAP/SASL headers.
  scripts/python-ldap-deps.sh .venv/bin/python
  .venv/bin/pip install -q -e .
  touch .venv/.installed-serve
fi
provisioner=.venv/bin/provisioner
# Migrates, and makes sure DATA_DIR/admin-token holds a live admin token (made the first time,
# and again if the database was reset); says where it is.
echo "==> migrating" >&2
"$provisioner" setup
# exec: Ctrl-C reaches the server itself, which stops within a second or two.
exec "$provisioner" serve
