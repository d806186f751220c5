#!/bin/sh
# The shared ledger's cost, in one run: one 10-code sheet (whole process,
# median of N runs) and a batch of R rows, each on SQLite, on PostgreSQL over
# the Unix socket, and on PostgreSQL over TCP with TLS (verify-full), against
# a throw-away local cluster (.ci/pg-start.sh, fsync on) made and removed here.
# Prints the ratio PostgreSQL / SQLite of the batch's time per sheet.
# Usage: bench/postgres.sh [runs] [rows]   (default 30 sheets per case, 1000 rows)
# Needs PostgreSQL installed (as root, .ci/pg-start.sh installs it).
runs=${1:-30}
rows=${2:-1000}
. "$(dirname "$0")/common.sh"
eval "$(RECOVERY_SHEET_TEST_PG_FSYNC=on sh .ci/pg-start.sh 2>"$work/pg-start.log")"
trap 'sh .ci/pg-stop.sh "$RECOVERY_SHEET_TEST_PG_DIR" 2>/dev/null; rm -rf "$work"' EXIT
psql() { "$RECOVERY_SHEET_TEST_PG_BIN/psql" -X -q "$@"; }

awk -v n="$rows" 'BEGIN {
    print "account,lang,location,custodian"
    for (i = 1; i <= n; i++) printf "staff%05d@example.co.jp,%s,Safe 2F,K. Sato\n", i, (i % 2 ? "ja" : "en")
}' > "$work/accounts.csv"

# ledger_for CASE: a fresh ledger of that kind, as --ledger takes it.
ledger_for() {
    case $1 in
    sqlite) echo "$work/$2.db" ;;
    socket)
        psql "$RECOVERY_SHEET_TEST_PG" -c "CREATE DATABASE $2" >/dev/null
        echo "$RECOVERY_SHEET_TEST_PG" | sed "s|/rs_ledger\$|/$2|" ;;
    tls)
        psql "$RECOVERY_SHEET_TEST_PG" -c "CREATE DATABASE $2" >/dev/null
        echo "$RECOVERY_SHEET_TEST_PG_TLS" | sed "s|/rs_ledger?|/$2?|" ;;
    esac
}

wall_ms() { # command... ; one run's wall time in ms
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}

printf '%-28s %12s %14s %14s\n' "ledger" "one sheet" "batch $rows" "batch/sheet"
for case in sqlite socket tls; do
    export RECOVERY_SHEET_LEDGER="$(ledger_for "$case" "bench_sheet_$case")"
    "$bin" -q generate --account bench@example.com -o "$work/first-$case.pdf"
    sheet=$(median_ms "$bin" -q generate --account bench@example.com --lang ja \
        --regenerate --force -o "$work/$case.pdf")
    export RECOVERY_SHEET_LEDGER="$(ledger_for "$case" "bench_batch_$case")"
    batch=$(wall_ms "$bin" -q batch "$work/accounts.csv" --out-dir "$work/out-$case")
    sheets=$(ls "$work/out-$case" | wc -l)
    [ "$sheets" -eq "$rows" ] || { echo "$case: $sheets sheets of $rows" >&2; exit 1; }
    per=$(echo "$batch $rows" | awk '{ printf "%.2f", $1 / $2 }')
    eval "per_$case=$per"
    case $case in
    sqlite) name="SQLite (file)" ;;
    socket) name="PostgreSQL (Unix socket)" ;;
    tls) name="PostgreSQL (TCP, verify-full)" ;;
    esac
    printf '%-28s %9s ms %11s ms %11s ms\n' "$name" "$sheet" "$batch" "$per"
    rm -rf "$work/out-$case"
done
echo "batch per sheet, PostgreSQL / SQLite: socket $(echo "$per_socket $per_sqlite" | awk '{ printf "%.2f", $1 / $2 }')x, TLS $(echo "$per_tls $per_sqlite" | awk '{ printf "%.2f", $1 / $2 }')x (target: at most 1.5x)"
