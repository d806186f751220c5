#!/bin/sh
# Starts a throw-away PostgreSQL cluster for the ledger's tests and prints, on
# stdout, the shell lines that point the tests at it:
#
#   eval "$(sh .ci/pg-start.sh)"     # ... run the tests ...
#   sh .ci/pg-stop.sh "$RECOVERY_SHEET_TEST_PG_DIR"
#
# The cluster lives in one temporary folder (data, sockets, TLS files, log),
# listens on a Unix socket in that folder and on 127.0.0.1 with TLS (a test CA
# made here, so sslmode=verify-full can be tested), and has one login role with
# a password, a database it owns, and a second database holding a table of
# "another program". Progress goes to stderr; stdout carries only the lines to
# eval.
#
# Root (CI): installs the Debian package if missing and runs the server as the
# `postgres` user. A normal user (a developer): needs the package installed
# already and runs the server as themself.
#
# Settings (environment): RECOVERY_SHEET_TEST_PG_PORT (first port to try, default 55432),
# RECOVERY_SHEET_TEST_PG_FSYNC (on|off, default on; off makes CI faster, never use it to
# measure).
set -eu

say() { printf '%s\n' "pg-start: $*" >&2; }
die() { say "error: $*"; exit 1; }

# --- 1. The server binaries -------------------------------------------------
find_bindir() {
    # Debian keeps each major version's programs here; take the newest.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    # Elsewhere (a developer's machine): whatever is on PATH.
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=1
else
    AS_ROOT=0
fi

if ! BIN=$(find_bindir); then
    [ "$AS_ROOT" -eq 1 ] || die "PostgreSQL is not installed: run 'sudo apt-get install postgresql' (or set PATH to its bin folder)"
    say "installing postgresql with apt-get"
    # No cluster of the package's own: ours is made below, in a temporary folder.
    mkdir -p /etc/postgresql-common
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.conf
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        postgresql postgresql-client openssl >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends postgresql postgresql-client openssl >&2; } ||
        die "apt-get install postgresql failed"
    BIN=$(find_bindir) || die "postgresql installed but initdb/pg_ctl not found"
fi
command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the test certificates"
say "using $BIN ($("$BIN/postgres" --version))"

# --- 2. The folder and who owns it ------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/rs-pg.XXXXXX")
: >"$DIR/.rs-pg-cluster" # pg-stop.sh removes only folders with this mark
mkdir "$DIR/sock" "$DIR/tls"
if [ "$AS_ROOT" -eq 1 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user (the Debian package makes it)"
    SUPERUSER=postgres
    chown -R postgres:postgres "$DIR"
    # root's tests must reach the socket; the data folder stays 0700 (initdb).
    chmod 0755 "$DIR" "$DIR/sock" "$DIR/tls"
    as_owner() { runuser -u postgres -- "$@"; }
else
    SUPERUSER=$(id -un)
    chmod 0755 "$DIR"
    as_owner() { "$@"; }
fi

# --- 3. A test CA and a server certificate for localhost and 127.0.0.1 ------
say "making a test CA and server certificate in $DIR/tls"
TLS=$DIR/tls
cat >"$TLS/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
EOF
# EC P-256 keys: instant to make, and both rustls (ring) and PostgreSQL take them.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$TLS/ca.key" -out "$TLS/ca.crt" -days 2 -subj "/CN=recovery-sheet test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" \
    -CAcreateserial -out "$TLS/server.crt" -days 2 -extfile "$TLS/server.ext" 2>/dev/null
# A second CA that signed nothing here: a client trusting it must refuse the server.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$TLS/other-ca.key" -out "$TLS/other-ca.crt" -days 2 -subj "/CN=unrelated CA" \
    -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
rm -f "$TLS/server.csr" "$TLS/ca.key" "$TLS/other-ca.key" "$TLS/ca.srl"
chmod 0644 "$TLS/ca.crt" "$TLS/other-ca.crt" "$TLS/server.crt"
chmod 0600 "$TLS/server.key" # the server refuses a key others can read
if [ "$AS_ROOT" -eq 1 ]; then chown postgres:postgres "$TLS"/*; fi

# --- 4. initdb --------------------------------------------------------------
say "initdb into $DIR/data"
# Peer auth on the socket for the superuser only (this script's admin steps);
# every other role needs its password, on the socket and over TCP alike.
as_owner "$BIN/initdb" -D "$DIR/data" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
cat >"$DIR/hba.conf" <<EOF
# TYPE   DATABASE USER          ADDRESS       METHOD
local    all      $SUPERUSER                  peer
local    all      all                         scram-sha-256
hostssl  all      all           127.0.0.1/32  scram-sha-256
hostssl  all      all           ::1/128       scram-sha-256
# Plain TCP is accepted too, so tests can show what sslmode=disable does.
hostnossl all     all           127.0.0.1/32  scram-sha-256
EOF
as_owner cp "$DIR/hba.conf" "$DIR/data/pg_hba.conf"

# --- 5. A free port, then start ---------------------------------------------
PORT=${RECOVERY_SHEET_TEST_PG_PORT:-55432}
tries=0
while "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 1 >/dev/null 2>&1 ||
    [ -e "/tmp/.s.PGSQL.$PORT" ] || [ -e "/var/run/postgresql/.s.PGSQL.$PORT" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || die "no free port from ${RECOVERY_SHEET_TEST_PG_PORT:-55432} on"
    PORT=$((PORT + 1))
done
FSYNC=${RECOVERY_SHEET_TEST_PG_FSYNC:-on}
cat >>"$DIR/data/postgresql.conf" <<EOF

# --- recovery-sheet test cluster ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR/sock'
unix_socket_permissions = 0777
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
max_connections = 100
fsync = $FSYNC
# Notice dead clients' TCP connections within about 20 s, not the kernel's 2 h.
tcp_keepalives_idle = 10
tcp_keepalives_interval = 5
tcp_keepalives_count = 2
log_line_prefix = '%m [%p] %q%u@%d '
EOF
# Restart after 'pg_ctl stop -m immediate' (the fault tests) begins by
# fsyncing every file of the cluster; syncfs (PostgreSQL 14+) does it in one call.
MAJOR=$("$BIN/postgres" --version | sed 's/[^0-9]*\([0-9][0-9]*\).*/\1/')
if [ "$MAJOR" -ge 14 ]; then
    printf "recovery_init_sync_method = syncfs\n" >>"$DIR/data/postgresql.conf"
fi
say "starting on port $PORT and socket $DIR/sock"
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >&2 ||
    { cat "$DIR/server.log" >&2; die "pg_ctl start failed"; }

# --- 6. A role with a password, its database, a foreign database ------------
PASSWORD=$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')
psql_admin() {
    as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/sock" -p "$PORT" -U "$SUPERUSER" "$@"
}
psql_admin -d postgres -v pw="$PASSWORD" >&2 <<'EOF'
CREATE ROLE rs_test LOGIN CREATEDB PASSWORD :'pw';  -- CREATEDB: tests make a fresh database each
CREATE ROLE rs_other LOGIN PASSWORD :'pw';
CREATE DATABASE rs_ledger OWNER rs_test;
CREATE DATABASE rs_foreign OWNER rs_test;
EOF
# A database another program uses: a table of its own, nothing of ours.
psql_admin -d rs_foreign >&2 <<'EOF'
CREATE TABLE public.invoices (id serial PRIMARY KEY, amount numeric NOT NULL);
ALTER TABLE public.invoices OWNER TO rs_test;
INSERT INTO public.invoices (amount) VALUES (12.50);
EOF
psql_admin -d rs_ledger -c 'GRANT CONNECT ON DATABASE rs_ledger TO rs_other' >&2

# A pgpass file for the role, so tests can connect without a password in the URL.
umask 077
printf 'localhost:%s:*:rs_test:%s\n127.0.0.1:%s:*:rs_test:%s\n' \
    "$PORT" "$PASSWORD" "$PORT" "$PASSWORD" >"$DIR/pgpass"
umask 022

# --- 7. What the tests need --------------------------------------------------
# %2F-encoded socket folder: libpq's way to name a socket in a URL's host part.
SOCK_ENC=$(printf '%s' "$DIR/sock" | sed 's|/|%2F|g')
{
    printf "export RECOVERY_SHEET_TEST_PG_DIR='%s'\n" "$DIR"
    printf "export RECOVERY_SHEET_TEST_PG_BIN='%s'\n" "$BIN"
    printf "export RECOVERY_SHEET_TEST_PG_PORT='%s'\n" "$PORT"
    printf "export RECOVERY_SHEET_TEST_PG_SOCKET_DIR='%s'\n" "$DIR/sock"
    printf "export RECOVERY_SHEET_TEST_PG_CA='%s'\n" "$TLS/ca.crt"
    printf "export RECOVERY_SHEET_TEST_PG_OTHER_CA='%s'\n" "$TLS/other-ca.crt"
    printf "export RECOVERY_SHEET_TEST_PG_PASSWORD='%s'\n" "$PASSWORD"
    printf "export RECOVERY_SHEET_TEST_PG_PASSFILE='%s'\n" "$DIR/pgpass"
    # TCP with full verification (the way a team connects to its server).
    printf "export RECOVERY_SHEET_TEST_PG_TLS='postgresql://rs_test:%s@localhost:%s/rs_ledger?sslmode=verify-full&sslrootcert=%s'\n" \
        "$PASSWORD" "$PORT" "$TLS/ca.crt"
    # The same over the Unix socket (sslmode is ignored on sockets, as in libpq).
    printf "export RECOVERY_SHEET_TEST_PG='postgresql://rs_test:%s@%s:%s/rs_ledger'\n" \
        "$PASSWORD" "$SOCK_ENC" "$PORT"
    printf "export RECOVERY_SHEET_TEST_PG_FOREIGN_URL='postgresql://rs_test:%s@%s:%s/rs_foreign'\n" \
        "$PASSWORD" "$SOCK_ENC" "$PORT"
    printf "export RECOVERY_SHEET_TEST_PG_OTHER_ROLE_URL='postgresql://rs_other:%s@%s:%s/rs_ledger'\n" \
        "$PASSWORD" "$SOCK_ENC" "$PORT"
} | tee "$DIR/env"
say "ready; stop with: sh .ci/pg-stop.sh '$DIR'"
