#!/bin/sh
# Batch memory with failing rows (issue "Nothing lost, nothing left behind",
# item 9): a file of N rows that all fail (an unknown language), peak RSS and
# time. The JSON summary counts every failure and lists the first 1,000.
# Usage: bench/bad-rows.sh [rows]   (default 1,000,000). Needs /usr/bin/time.
rows=${1:-1000000}
. "$(dirname "$0")/common.sh"
awk -v n="$rows" 'BEGIN { print "account,lang"; for (i = 1; i <= n; i++) printf "bad%07d@example.com,fr\n", i }' > "$work/bad.csv"
/usr/bin/time -f "%e %M" -o "$work/t" "$bin" -q batch "$work/bad.csv" --out-dir "$work/out" --json > "$work/summary.json" 2> /dev/null || true
read -r wall rss < "$work/t"
echo "$rows failing rows: ${wall} s, peak RSS $((rss / 1024)) MB"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("failed_count", d["failed_count"], "failed_listed", d["failed_listed"], "printed", d["printed"])' "$work/summary.json"
