#!/bin/sh
# One sheet, whole process: median wall time, peak memory and PDF size.
# Usage: bench/sheet.sh [runs]   (default 50 runs per case)
# Uses hyperfine when installed; otherwise times the runs itself.
runs=${1:-50}
. "$(dirname "$0")/common.sh"
"$bin" -q generate --account bench@example.com -o "$work/first.pdf"
for lang in ja en; do
    cmd="$bin -q generate --account bench@example.com --lang $lang --regenerate --force -o $work/$lang.pdf"
    if command -v hyperfine > /dev/null; then
        t=$(hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/h.json" "$cmd" > /dev/null 2>&1 &&
            python3 -c 'import json,sys; print("%.1f ms" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$work/h.json")
    else
        # shellcheck disable=SC2086
        t="$(median_ms $cmd) ms"
    fi
    # shellcheck disable=SC2086
    m=$(peak_kb $cmd)
    size=$(wc -c < "$work/$lang.pdf")
    echo "10-code $lang sheet (A4): median $t, peak RSS $((m / 1024)) MB, PDF $((size / 1024)) KB ($size bytes)"
done
