# Shared by the bench scripts (sourced, not run): a release build, a
# throw-away folder with its own ledger and an empty config, and timing.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/recovery-sheet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RECOVERY_SHEET_LEDGER="$work/ledger.db"
export RECOVERY_SHEET_CONFIG="$work/none.toml"
touch "$work/none.toml"
echo "machine: $(nproc) cores, $(uname -sr)"

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

peak_kb() { # command... ; the peak RSS of one run, in KB
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
    else
        python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
    fi
}
