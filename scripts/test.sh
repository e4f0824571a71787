#!/usr/bin/env bash
# Sets everything up, runs the static checks (scripts/check) and then the whole test suite
# against real Postgres, real Redis and real LDAP servers (slapd and Samba's AD DC).
# Installs what is missing (venv, Python packages, redis-server), starts the services in
# throwaway directories as an unprivileged user, and stops them on exit. Fails loudly when a
# service cannot start: the suite never skips for want of one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mFATAL: %s\033[0m\n' "$*" >&2; exit 1; }

# --- Python environment -------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import app, pytest, hypothesis' 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  log "installing the project and its test dependencies"
  scripts/python-ldap-deps.sh .venv/bin/python || die "could not install what python-ldap needs to build"
  .venv/bin/pip install -q -e '.[dev]'
  touch .venv/.installed
fi

# --- Static checks (lint, format, strict mypy) ----------------------------------------------
log "static checks (scripts/check)"
scripts/check || die "scripts/check found problems (see above): fix them before the suite runs"

# --- Services -------------------------------------------------------------------------------
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  log "installing postgresql"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
[ -x "$PG_BIN/initdb" ] || die "Postgres binaries not found and could not be installed"
if ! command -v redis-server >/dev/null; then
  log "installing redis-server"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
    || die "could not install redis-server"
fi
# Headless Chromium drives the Swagger UI test (tests/ops); the OpenAPI client generator has its
# own venv because its pins clash with the project's (see scripts/gen-client.sh).
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
  || die "could not install chromium"
GEN_CLIENT_INSTALL_ONLY=1 scripts/gen-client.sh || die "could not install the OpenAPI client generator"

RUN_DIR=$(mktemp -d /tmp/provisioner-test.XXXXXX)
chmod 755 "$RUN_DIR"
PG_PORT=${PG_PORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
REDIS_PORT=${REDIS_PORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}

as_pg() {
  # Postgres refuses to run as root; run it as the `postgres` system user when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  [ -f "$RUN_DIR/pg/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m immediate stop >/dev/null 2>&1
  [ -f "$RUN_DIR/redis.pid" ] && kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null
  [ -d "$RUN_DIR/ldap" ] && scripts/ldap-servers.sh stop "$RUN_DIR/ldap"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

log "starting postgres on port $PG_PORT"
mkdir -p "$RUN_DIR/pg"
[ "$(id -u)" = 0 ] && chown postgres "$RUN_DIR" "$RUN_DIR/pg"
as_pg "$PG_BIN/initdb" -D "$RUN_DIR/pg" -U postgres -A trust --no-sync --encoding=UTF8 --locale=C.UTF-8 >"$RUN_DIR/initdb.log" 2>&1 \
  || { cat "$RUN_DIR/initdb.log"; die "initdb failed"; }
as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -l "$RUN_DIR/pg.log" -w -t 60 start \
  -o "-p $PG_PORT -k $RUN_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  >/dev/null || { cat "$RUN_DIR/pg.log"; die "postgres did not start"; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres provisioner_test \
  || die "could not create the test database"

log "starting redis on port $REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log" --dir "$RUN_DIR" \
  || die "redis did not start"
for _ in $(seq 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || { cat "$RUN_DIR/redis.log"; die "redis is not answering"; }

# OpenLDAP slapd and Samba's Active Directory DC for the directory sources (TEST_SLAPD_*,
# TEST_SAMBA_*, TEST_LDAP_CA_FILE, ...).
log "starting slapd and samba (scripts/ldap-servers.sh)"
scripts/ldap-servers.sh start "$RUN_DIR/ldap" || die "the LDAP servers did not start"
set -a
# shellcheck disable=SC1091
. "$RUN_DIR/ldap/ldap.env"
set +a

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/provisioner_test"
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export TEST_PG_DATA="$RUN_DIR/pg" TEST_PG_BIN="$PG_BIN" TEST_PG_PORT="$PG_PORT" TEST_RUN_DIR="$RUN_DIR"
export REQUIRE_SERVICES=1

log "running the test suite"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "${SKIP_BENCH_SMOKE:-0}" != 1 ] && [ $status -eq 0 ] && [ $# -eq 0 ]; then
  log "benchmark smoke runs"
  for bench in bench/*.py; do
    [ -f "$bench" ] || continue
    case "$(basename "$bench")" in _*) continue ;; esac
    .venv/bin/python "$bench" --smoke || { status=1; log "bench smoke failed: $bench"; }
  done
fi
exit $status
