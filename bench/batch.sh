#!/bin/sh
# Batch throughput and memory: wall time, sheets per second and peak RSS for
# a batch of N accounts (default: 1000 and 10000), each row one 10-code sheet
# and one ledger generation.
# Usage: bench/batch.sh [rows...]
. "$(dirname "$0")/common.sh"
[ $# -gt 0 ] || set -- 1000 10000
command -v /usr/bin/time > /dev/null || { echo "needs /usr/bin/time (Debian package time)"; exit 1; }

for rows in "$@"; do
    csv="$work/accounts-$rows.csv"
    awk -v n="$rows" 'BEGIN {
        print "account,lang,location,custodian"
        for (i = 1; i <= n; i++) printf "staff%05d@example.co.jp,%s,Safe 2F,K. Sato\n", i, (i % 2 ? "ja" : "en")
    }' > "$csv"
    export RECOVERY_SHEET_LEDGER="$work/ledger-$rows.db"
    out="$work/out-$rows"
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" -q batch "$csv" --out-dir "$out"
    read -r wall rss < "$work/time"
    sheets=$(ls "$out" | wc -l)
    bytes=$(du -sk "$out" | cut -f1)
    echo "$rows rows: $sheets sheets in ${wall} s, $(echo "$sheets $wall" | awk '{ printf "%.0f", $1 / $2 }') sheets/s, peak RSS $((rss / 1024)) MB, $((bytes / 1024)) MB of PDFs"
    rm -rf "$out"
done
