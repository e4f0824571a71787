#!/usr/bin/env bash
# Real directory servers for the tests and benches of the directory sources:
#   - OpenLDAP slapd (generic LDAP): mdb, suffix dc=example,dc=org, the memberof and refint
#     overlays, ldap:// with StartTLS and ldaps:// on free ports of 127.0.0.1, run as the
#     `openldap` user when root (yourself otherwise);
#   - Samba's Active Directory domain controller (realm CORP.EXAMPLE.COM), provisioned into DIR
#     and serving only LDAP on 127.0.0.N:389/636 (a free N, so several runs can live side by side).
#
#   scripts/ldap-servers.sh start DIR   installs what is missing (apt), makes a test CA and a
#                                       server certificate, starts both servers, waits for a real
#                                       bind+search over TLS and writes DIR/ldap.env
#   scripts/ldap-servers.sh stop DIR    stops both; safe to call twice
#
# Samba's DC needs root (ports 389/636 and its own checks): as non-root the Samba part runs
# through `sudo -n` or the script fails, it never pretends. Fails loudly, with the server's log,
# when a server cannot start.
set -euo pipefail

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mFATAL: %s\033[0m\n' "$*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)

SUFFIX=dc=example,dc=org
SAMBA_REALM=CORP.EXAMPLE.COM
SAMBA_DOMAIN=CORP
SAMBA_BASE_DN=DC=corp,DC=example,DC=com
# A lock shared by every run on this machine: picking a free 127.0.0.N for Samba and binding it
# must not interleave between two runs.
ADDRESS_LOCK=/tmp/ldap-servers-samba-address.lock

if [ "$(id -u)" = 0 ]; then
  as_root() { "$@"; }
else
  as_root() { sudo -n "$@"; }
fi

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# --- stop -----------------------------------------------------------------------------------
stop_pid() {  # pidfile name [root]
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null || as_root kill -0 "$pid" 2>/dev/null; then
    as_root kill "$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || as_root kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null || as_root kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop in 5 s: killing it"
      as_root kill -9 "$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file" 2>/dev/null || as_root rm -f "$file" || true
}

if [ "$ACTION" = stop ]; then
  stop_pid "$DIR/slapd.pid" slapd
  stop_pid "$DIR/samba.pid" samba
  exit 0
fi
[ "$ACTION" = start ] || usage

START_TIME=$(date +%s)
if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
  die "Samba's AD DC must run as root (it binds ports 389 and 636 and provisions as root): run this as root or with passwordless sudo"
fi
# A start that fails half-way stops what it started.
trap 'status=$?; [ $status = 0 ] || "$0" stop "$DIR"; exit $status' EXIT

# --- packages -------------------------------------------------------------------------------
PACKAGES=()
command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || PACKAGES+=(slapd)
command -v ldapsearch >/dev/null || PACKAGES+=(ldap-utils)
[ -x /usr/sbin/samba ] || PACKAGES+=(samba samba-ad-dc samba-ad-provision winbind)
command -v samba-tool >/dev/null || PACKAGES+=(samba-common-bin)
command -v openssl >/dev/null || PACKAGES+=(openssl)
command -v flock >/dev/null || PACKAGES+=(util-linux)
# python-ldap builds from source on Linux: it needs the OpenLDAP and SASL headers.
[ -f /usr/include/ldap.h ] || PACKAGES+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || PACKAGES+=(libsasl2-dev)
if [ ${#PACKAGES[@]} -gt 0 ]; then
  log "installing ${PACKAGES[*]}"
  # Our own instances run from DIR: the packages must neither configure a system slapd (debconf
  # no_configuration) nor start system daemons (policy-rc.d answering 101 "action forbidden").
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  echo "slapd slapd/no_configuration boolean true" | as_root debconf-set-selections \
    || die "cannot preseed debconf (not root and no passwordless sudo?)"
  set +e
  (as_root apt-get update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      --no-install-recommends "${PACKAGES[@]}") >"$DIR/apt.log" 2>&1
  status=$?
  set -e
  [ $own_policy = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
  [ $status = 0 ] || { cat "$DIR/apt.log" >&2; die "could not install ${PACKAGES[*]}"; }
fi
SLAPD=/usr/sbin/slapd
[ -x "$SLAPD" ] || die "slapd is not installed"
[ -x /usr/sbin/samba ] || die "samba is not installed"

# --- Samba: provision while the rest is being prepared (the slow part, ~7 s) ------------------
SAMBA_PASSWORD="Aa1-$(openssl rand -hex 12)"
rm -rf "$DIR/samba"
mkdir -p "$DIR/samba"
# Provisioning writes the domain database (sam.ldb): it runs as root like the DC itself.
as_root samba-tool domain provision --targetdir="$DIR/samba" --realm="$SAMBA_REALM" \
  --domain="$SAMBA_DOMAIN" --server-role=dc --use-rfc2307 --dns-backend=NONE --host-name=DC1 \
  --adminpass="$SAMBA_PASSWORD" >"$DIR/samba-provision.log" 2>&1 &
PROVISION_PID=$!

# --- certificates ---------------------------------------------------------------------------
# A test CA signs one server certificate for both servers; a second, unrelated CA lets the tests
# prove that a wrong CA is refused. The Samba address joins the SAN once it is picked (below).
make_ca() {  # name cn
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$2" \
    -keyout "$DIR/$1-key.pem" -out "$DIR/$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>"$DIR/openssl.log" || { cat "$DIR/openssl.log" >&2; die "openssl could not make $1"; }
}
make_ca ca "Provisioner test CA"
make_ca other-ca "Unrelated test CA"

make_server_cert() {  # samba address
  # libldap checks a connection to "localhost" against this machine's own name, so that name is
  # in the certificate too.
  local names="DNS:localhost" name
  for name in $(hostname 2>/dev/null) $(hostname -f 2>/dev/null); do
    case ",$names," in *",DNS:$name,"*) ;; *) names="$names,DNS:$name" ;; esac
  done
  cat >"$DIR/server.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$names,IP:127.0.0.1,IP:$1,DNS:dc1.corp.example.com
EOF
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$DIR/server-key.pem" \
    -out "$DIR/server.csr" 2>>"$DIR/openssl.log" \
    && openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca-key.pem" \
      -CAcreateserial -days 30 -extfile "$DIR/server.ext" -out "$DIR/server.pem" \
      2>>"$DIR/openssl.log" \
    || { cat "$DIR/openssl.log" >&2; die "openssl could not make the server certificate"; }
  chmod 600 "$DIR/server-key.pem"
}

# --- slapd configuration --------------------------------------------------------------------
SLAPD_PASSWORD=$(openssl rand -hex 16)
SLAPD_PORT=$(free_port)
SLAPD_LDAPS_PORT=$(free_port)
while [ "$SLAPD_LDAPS_PORT" = "$SLAPD_PORT" ]; do SLAPD_LDAPS_PORT=$(free_port); done
rm -rf "$DIR/slapd"
mkdir -p "$DIR/slapd/slapd.d" "$DIR/slapd/data"
if [ "$(id -u)" = 0 ]; then
  SLAPD_USER=openldap
  id openldap >/dev/null 2>&1 || die "the openldap user is missing (is slapd installed?)"
  as_slapd() { runuser -u openldap -- "$@"; }
  # The openldap user must be able to reach DIR.
  chmod o+x "$DIR"
else
  SLAPD_USER=$(id -un)
  as_slapd() { "$@"; }
fi
SLAPD_HASH=$(slappasswd -s "$SLAPD_PASSWORD")

write_slapd_config() {
  cat >"$DIR/slapd/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $DIR/slapd/slapd.pid
olcTLSCACertificateFile: $DIR/ca.pem
olcTLSCertificateFile: $DIR/slapd/server.pem
olcTLSCertificateKeyFile: $DIR/slapd/server-key.pem
olcLogLevel: none
olcSizeLimit: 500
olcToolThreads: 2

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof
olcModuleLoad: refint

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/nis.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcRootDN: cn=admin,$SUFFIX
olcRootPW: $SLAPD_HASH
olcDbDirectory: $DIR/slapd/data
olcDbMaxSize: 4294967296
olcDbNoSync: TRUE
olcDbCheckpoint: 65536 10
olcDbIndex: objectClass eq
olcDbIndex: entryUUID eq
olcDbIndex: modifyTimestamp eq
olcDbIndex: uid eq
olcDbIndex: cn eq
olcDbIndex: mail eq
olcDbIndex: member eq
olcDbIndex: memberOf eq
olcLimits: {0}dn.exact="cn=admin,$SUFFIX" size=unlimited time=unlimited
olcLimits: {1}users size.soft=500 size.hard=unlimited size.pr=unlimited size.prtotal=unlimited
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by * none
olcRequires: authc

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf

dn: olcOverlay={1}refint,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {1}refint
olcRefintAttribute: member
olcRefintAttribute: manager
olcRefintAttribute: owner
EOF
  cat >"$DIR/slapd/base.ldif" <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups
EOF
}
write_slapd_config

# --- Samba: pick its address, finish the certificate, configure ------------------------------
wait "$PROVISION_PID" || { cat "$DIR/samba-provision.log" >&2; die "samba-tool domain provision failed"; }

[ -e "$ADDRESS_LOCK" ] || { : >>"$ADDRESS_LOCK" && chmod 666 "$ADDRESS_LOCK"; } 2>/dev/null || true
exec 9>>"$ADDRESS_LOCK"
flock -w 120 9 || die "could not take $ADDRESS_LOCK within 120 s"
SAMBA_ADDRESS=$(python3 - <<'EOF'
import random, socket

candidates = list(range(2, 255))
random.shuffle(candidates)
for n in candidates:
    address = f"127.0.0.{n}"
    try:
        for port in (389, 636, 3268, 3269):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            s.close()
    except OSError:
        continue
    print(address)
    break
EOF
)
[ -n "$SAMBA_ADDRESS" ] || die "no free 127.0.0.N (2-254) with ports 389, 636, 3268 and 3269 free for Samba"

make_server_cert "$SAMBA_ADDRESS"
cp "$DIR/server.pem" "$DIR/slapd/server.pem"
cp "$DIR/server-key.pem" "$DIR/slapd/server-key.pem"
# Samba insists on a private key readable by its own user only.
mkdir -p "$DIR/samba/tls"
cp "$DIR/server.pem" "$DIR/ca.pem" "$DIR/samba/tls/"
cp "$DIR/server-key.pem" "$DIR/samba/tls/key.pem"
chmod 600 "$DIR/samba/tls/key.pem"
as_root chown -R root:root "$DIR/samba/tls" 2>/dev/null || true

SMB_CONF="$DIR/samba/etc/smb.conf"
# Only the LDAP server: no SMB, DNS, NetBIOS, Kerberos or replication, which would want ports
# other instances hold and are not needed by an LDAP client.
as_root python3 - "$SMB_CONF" "$SAMBA_ADDRESS" "$DIR/samba" <<'EOF'
import re, sys

path, address, root = sys.argv[1:]
text = open(path).read()
settings = {
    # With a mask Samba takes the address as given; alone it must be configured on an interface,
    # and only 127.0.0.1 is.
    "interfaces": f"{address}/8",
    "bind interfaces only": "yes",
    "server services": "ldap",
    "log file": f"{root}/log.%m",
    "logging": "file",
    "pid directory": f"{root}/run",
    "ncalrpc dir": f"{root}/run/ncalrpc",
    "winbindd socket directory": f"{root}/run/winbindd",
    "tls enabled": "yes",
    "tls keyfile": f"{root}/tls/key.pem",
    "tls certfile": f"{root}/tls/server.pem",
    "tls cafile": f"{root}/tls/ca.pem",
}
for key in settings:
    text = re.sub(rf"^\s*{re.escape(key)}\s*=.*\n", "", text, flags=re.M | re.I)
block = "".join(f"\t{key} = {value}\n" for key, value in settings.items())
text = text.replace("[global]\n", "[global]\n" + block, 1)
open(path, "w").write(text)
EOF
as_root mkdir -p "$DIR/samba/run"

log "starting samba (Active Directory DC) on $SAMBA_ADDRESS"
# -F: foreground (no daemon) so the pid we record is the server's; -i would also stop when its
# stdin closes. One process (-M single) is plenty for tests.
# Called without a wrapper when root so that $! is samba itself (sudo passes signals on).
if [ "$(id -u)" = 0 ]; then
  setsid /usr/sbin/samba -F -M single --debug-stdout -d 1 -s "$SMB_CONF" \
    </dev/null >"$DIR/samba.log" 2>&1 9>&- &
else
  sudo -n setsid /usr/sbin/samba -F -M single --debug-stdout -d 1 -s "$SMB_CONF" \
    </dev/null >"$DIR/samba.log" 2>&1 9>&- &
fi
echo $! >"$DIR/samba.pid"

# --- slapd ----------------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
  chown -R openldap:openldap "$DIR/slapd"
fi
as_slapd slapadd -n0 -F "$DIR/slapd/slapd.d" -l "$DIR/slapd/config.ldif" >"$DIR/slapadd.log" 2>&1 \
  || { cat "$DIR/slapadd.log" >&2; die "slapadd of the slapd configuration failed"; }
as_slapd slapadd -F "$DIR/slapd/slapd.d" -b "$SUFFIX" -l "$DIR/slapd/base.ldif" >>"$DIR/slapadd.log" 2>&1 \
  || { cat "$DIR/slapadd.log" >&2; die "slapadd of the base entries failed"; }
log "starting slapd on 127.0.0.1:$SLAPD_PORT (ldap) and :$SLAPD_LDAPS_PORT (ldaps)"
# -d 0: stay in the foreground (the pid is slapd's) and write startup errors to the log.
if [ "$(id -u)" = 0 ]; then
  setsid "$SLAPD" -d 0 -u openldap -g openldap -F "$DIR/slapd/slapd.d" \
    -h "ldap://127.0.0.1:$SLAPD_PORT/ ldaps://127.0.0.1:$SLAPD_LDAPS_PORT/" \
    </dev/null >"$DIR/slapd.log" 2>&1 &
else
  setsid "$SLAPD" -d 0 -F "$DIR/slapd/slapd.d" \
    -h "ldap://127.0.0.1:$SLAPD_PORT/ ldaps://127.0.0.1:$SLAPD_LDAPS_PORT/" \
    </dev/null >"$DIR/slapd.log" 2>&1 &
fi
echo $! >"$DIR/slapd.pid"

# --- wait for a real bind + search over TLS ---------------------------------------------------
export LDAPTLS_CACERT="$DIR/ca.pem" LDAPTLS_REQCERT=demand
wait_for() {  # name pidfile logfile ldapsearch-args...
  local name=$1 pidfile=$2 logfile=$3
  shift 3
  for _ in $(seq 300); do
    if ldapsearch -x -LLL -o nettimeout=2 "$@" >"$DIR/probe.log" 2>&1; then
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null && ! as_root kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      cat "$logfile" >&2
      die "$name exited during startup (log above)"
    fi
    sleep 0.2
  done
  cat "$logfile" "$DIR/probe.log" >&2
  die "$name is not answering a bind and search after 60 s (log and last attempt above)"
}
wait_for samba "$DIR/samba.pid" "$DIR/samba.log" -H "ldaps://$SAMBA_ADDRESS:636" \
  -D "CN=Administrator,CN=Users,$SAMBA_BASE_DN" -w "$SAMBA_PASSWORD" -b "$SAMBA_BASE_DN" -s base dn
# Samba holds its address now: the next run's pick sees the ports taken.
flock -u 9
exec 9>&-
wait_for slapd "$DIR/slapd.pid" "$DIR/slapd.log" -H "ldap://127.0.0.1:$SLAPD_PORT" -ZZ \
  -D "cn=admin,$SUFFIX" -w "$SLAPD_PASSWORD" -b "ou=people,$SUFFIX" -s base dn
wait_for slapd "$DIR/slapd.pid" "$DIR/slapd.log" -H "ldaps://localhost:$SLAPD_LDAPS_PORT" \
  -D "cn=admin,$SUFFIX" -w "$SLAPD_PASSWORD" -b "ou=groups,$SUFFIX" -s base dn

umask 077
cat >"$DIR/ldap.env" <<EOF
TEST_LDAP_CA_FILE=$DIR/ca.pem
TEST_LDAP_OTHER_CA_FILE=$DIR/other-ca.pem
TEST_SLAPD_URI=ldap://127.0.0.1:$SLAPD_PORT
TEST_SLAPD_LDAPS_URI=ldaps://localhost:$SLAPD_LDAPS_PORT
TEST_SLAPD_BASE_DN=$SUFFIX
TEST_SLAPD_BIND_DN=cn=admin,$SUFFIX
TEST_SLAPD_BIND_PASSWORD=$SLAPD_PASSWORD
TEST_SAMBA_URI=ldaps://$SAMBA_ADDRESS:636
TEST_SAMBA_BASE_DN=$SAMBA_BASE_DN
TEST_SAMBA_BIND_DN=CN=Administrator,CN=Users,$SAMBA_BASE_DN
TEST_SAMBA_BIND_PASSWORD=$SAMBA_PASSWORD
EOF
log "slapd and samba are up in $(($(date +%s) - START_TIME)) s: $DIR/ldap.env"
