#!/bin/sh
# Argon2id verifier export for 10 codes (m=19456 KiB, t=2, p=1): the extra
# wall time `generate --verifier` takes over `generate`, on one core
# (taskset -c 0, so available_parallelism() is 1) and on all cores.
# Usage: bench/verifier.sh [runs]   (default 10)
runs=${1:-10}
. "$(dirname "$0")/common.sh"
"$bin" -q generate --account bench@example.com -o "$work/first.pdf"

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
