#!/bin/sh
# Stops the throw-away cluster pg-start.sh made and removes its folder.
#   sh .ci/pg-stop.sh "$RECOVERY_SHEET_TEST_PG_DIR"        (or with RECOVERY_SHEET_TEST_PG_DIR set: no argument)
# Safe to run twice, and after the server died: it then only removes the folder.
set -eu

DIR=${1:-${RECOVERY_SHEET_TEST_PG_DIR:-}}
[ -n "$DIR" ] || { echo "pg-stop: usage: pg-stop.sh CLUSTER_DIR" >&2; exit 2; }
[ -d "$DIR" ] || { echo "pg-stop: $DIR is gone already" >&2; exit 0; }
# Never remove a folder pg-start.sh did not make.
[ -e "$DIR/.rs-pg-cluster" ] || { echo "pg-stop: $DIR is not a test cluster folder; left alone" >&2; exit 1; }

BIN=${RECOVERY_SHEET_TEST_PG_BIN:-}
if [ -z "$BIN" ]; then
    BIN=$(sed -n "s/^export RECOVERY_SHEET_TEST_PG_BIN='\(.*\)'$/\1/p" "$DIR/env" 2>/dev/null || true)
fi
if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >&2 ||
            runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2 || true
    else
        "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >&2 ||
            "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2 || true
    fi
fi
rm -rf "$DIR"
echo "pg-stop: removed $DIR" >&2
