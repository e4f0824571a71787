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
echo "==> migrating" >&2
"$provisioner" migrate
# Asked of the settings, not assumed: DATA_DIR may be set in the environment or in .env.
data_dir=$("$provisioner" settings get DATA_DIR)
token_file="$data_dir/admin-token"
mkdir -p "$data_dir"
if [ -s "$token_file" ] && ! "$provisioner" token check <"$token_file" 2>/dev/null; then
  # A reset database leaves the file with a token nobody knows any more.
  echo "==> $token_file holds no live token (was the database reset?): making a new one" >&2
  rm -f "$token_file"
fi
if [ ! -s "$token_file" ]; then
  (umask 077 && "$provisioner" token create --scope admin --name first-admin >"$token_file")
  echo "==> made an admin token" >&2
fi
echo "==> admin token in $token_file (paste it into Authorize at /docs, or: export T=\$(cat $token_file))" >&2
# exec: Ctrl-C reaches the server itself, which stops within a second or two.
exec "$provisioner" serve
