#!/usr/bin/env bash
# Installs what python-ldap needs to build: it ships no Linux wheels, so `pip install` compiles it
# against the OpenLDAP and SASL headers with a C compiler (and Python's own headers).
# Uses apt as root, `sudo -n apt-get` otherwise; says what to install when neither works.
# Usage: scripts/python-ldap-deps.sh [PYTHON]   (the interpreter pip will build for)
set -euo pipefail
PYTHON=${1:-python3}

missing=()
[ -f /usr/include/ldap.h ] || missing+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || missing+=(libsasl2-dev)
command -v cc >/dev/null || missing+=(gcc)
python_h=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h
# Only Debian's own Python takes its headers from a package; others bring them along.
[ -f "$python_h" ] || missing+=(python3-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

printf '\033[1m==> installing %s (python-ldap builds from source against them)\033[0m\n' \
  "${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  printf '\033[31mFATAL: python-ldap needs %s to build; install them (as root: apt-get install %s) and run again\033[0m\n' \
    "${missing[*]}" "${missing[*]}" >&2
  exit 1
fi
{ "${sudo[@]}" apt-get update -qq \
  && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null; } \
  || { printf '\033[31mFATAL: could not install %s\033[0m\n' "${missing[*]}" >&2; exit 1; }
