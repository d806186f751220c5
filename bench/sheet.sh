#!/bin/sh
# One sheet, whole process: median wall time, peak memory and PDF size.
# Usage: bench/sheet.sh [runs]   (default 50 runs per case)
# Uses hyperfine when installed; otherwise times the runs itself.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-50}
cargo build --release --quiet
bin=$PWD/target/release/recovery-sheet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RECOVERY_SHEET_LEDGER="$work/ledger.db"
export RECOVERY_SHEET_CONFIG="$work/none.toml"
touch "$work/none.toml"

median_ms() { # command... ; prints the median wall time of $runs runs in ms
    i=0
    : > "$work/times"
    while [ "$i" -lt "$runs" ]; do
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1
        end=$(date +%s%N)
        echo $(( (end - start) / 1000 )) >> "$work/times"
        i=$((i + 1))
    done
    sort -n "$work/times" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f ms", m / 1000 }'
}

peak_kb() { # command... ; prints peak RSS in KB
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
    else
        python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
    fi
}

echo "machine: $(nproc) cores, $(uname -sr)"
"$bin" -q generate --account bench@example.com -o "$work/first.pdf"
for lang in ja en; do
    cmd="$bin -q generate --account bench@example.com --lang $lang --regenerate --force -o $work/$lang.pdf"
    if command -v hyperfine > /dev/null; then
        t=$(hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/h.json" "$cmd" > /dev/null 2>&1 &&
            python3 -c 'import json,sys; print("%.1f ms" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$work/h.json")
    else
        # shellcheck disable=SC2086
        t=$(median_ms $cmd)
    fi
    # shellcheck disable=SC2086
    m=$(peak_kb $cmd)
    size=$(wc -c < "$work/$lang.pdf")
    echo "10-code $lang sheet (A4): median $t, peak RSS $((m / 1024)) MB, PDF $((size / 1024)) KB ($size bytes)"
done
