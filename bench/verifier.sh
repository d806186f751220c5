#!/bin/sh
# Argon2id verifier export for 10 codes (m=19456 KiB, t=2, p=1): the extra
# wall time `generate --verifier` takes over `generate`, on one core
# (taskset -c 0, so available_parallelism() is 1) and on all cores.
# Usage: bench/verifier.sh [runs]   (default 10)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build --release --quiet
bin=$PWD/target/release/recovery-sheet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RECOVERY_SHEET_LEDGER="$work/ledger.db"
export RECOVERY_SHEET_CONFIG="$work/none.toml"
touch "$work/none.toml"
"$bin" -q generate --account bench@example.com -o "$work/first.pdf"

median_ms() { # command... ; the median wall time of $runs runs, in ms
    i=0
    : > "$work/times"
    while [ "$i" -lt "$runs" ]; do
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1
        end=$(date +%s%N)
        echo $(( (end - start) / 1000 )) >> "$work/times"
        i=$((i + 1))
    done
    sort -n "$work/times" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

echo "machine: $(nproc) cores, $(uname -sr)"
sheet="$bin -q generate --account bench@example.com --regenerate --force -o $work/s.pdf"
with="$sheet --verifier $work/v.json"
for cores in one all; do
    if [ "$cores" = one ]; then pin="taskset -c 0"; else pin=""; fi
    # shellcheck disable=SC2086
    base=$(median_ms $pin $sheet)
    # shellcheck disable=SC2086
    full=$(median_ms $pin $with)
    echo "$cores core(s): sheet alone $base ms, sheet + verifier $full ms: hashing 10 codes $(echo "$full $base" | awk '{ printf "%.0f", $1 - $2 }') ms"
done
