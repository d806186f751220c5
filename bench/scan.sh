#!/bin/sh
# `check --scan` against zbar on the same pictures (issue 13): the scan
# matrix's 132 pictures of a real sheet (src/scan/matrix.rs: 75-300 dpi,
# turned, tilted, blurred, JPEG 40, keystoned, photocopied, shrunk, whole
# page, phone-like) are written as PNG files, read by our search as the
# test does and by zbarimg, and tabulated per variant and resolution.
#
# usage: sh bench/scan.sh [DIR [v1]]   (DIR keeps the pictures, default a
# temporary folder; v1: the symbol of a sheet printed before issue 13, a
# 52-character Japanese account in 61x61 modules of 0.5 mm)
# Needs zbarimg (Debian package zbar-tools): a bench tool, never a test dependency.
# Exits 1 if zbar reads more than we do on any variant at 100 dpi and up.
set -eu
cd "$(dirname "$0")/.."
command -v zbarimg > /dev/null || {
    echo "zbarimg not found: install the Debian package zbar-tools" >&2
    exit 2
}
symbol=${2:-sheet}
if [ $# -ge 1 ]; then
    dir=$1
    mkdir -p "$dir"
else
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
fi
# The test build the suite uses (rxing and image optimised, see Cargo.toml).
RECOVERY_SHEET_SCAN_BENCH="$dir" RECOVERY_SHEET_SCAN_BENCH_SYMBOL="$symbol" cargo test --quiet --lib \
    scan::matrix::bench_pictures_for_zbar -- --ignored --exact > /dev/null
expected=$(cat "$dir/expected.txt")
echo "file,zbar" > "$dir/zbar.csv"
for f in "$dir"/*.png; do
    # QR only, so a stray 1-D match in the sheet's text is not counted; the
    # payload must be among the symbols zbar prints.
    got=$(zbarimg -q --raw -Sdisable -Sqrcode.enable "$f" 2> /dev/null || true)
    case "$got" in *"$expected"*) ok=1 ;; *) ok=0 ;; esac
    echo "$(basename "$f"),$ok" >> "$dir/zbar.csv"
done
echo "machine: $(nproc) cores, $(uname -sr); symbol: $symbol"
awk -F, '
    FNR == 1 { next }
    FILENAME ~ /zbar.csv$/ { zbar[$1] = $2; next }
    {
        file[NR] = $1; variant[NR] = $2; dpi[NR] = $3; ours[NR] = $4; ms[NR] = $5
        if (!($2 in seen)) { seen[$2] = 1; order[++nv] = $2 }
        if (!($3 in seend)) { seend[$3] = 1; dpis[++nd] = $3 }
        rows = NR
    }
    END {
        for (i = 1; i <= rows; i++) {
            if (!(i in file)) continue
            k = variant[i] SUBSEP dpi[i]
            n[k]++; o[k] += ours[i]; z[k] += zbar[file[i]]
            td[dpi[i]]++; to[dpi[i]] += ours[i]; tz[dpi[i]] += zbar[file[i]]
        }
        head = "| variant (ours / zbar) |"; rule = "|---|"
        for (d = 1; d <= nd; d++) { head = head " " dpis[d] " dpi |"; rule = rule "---|" }
        print head; print rule
        worse = ""
        for (v = 1; v <= nv; v++) {
            line = "| " order[v] " |"
            for (d = 1; d <= nd; d++) {
                k = order[v] SUBSEP dpis[d]
                line = line " " o[k] " / " z[k] " of " n[k] " |"
                if (dpis[d] >= 100 && o[k] < z[k]) worse = worse " " order[v] "@" dpis[d]
            }
            print line
        }
        line = "| **all** |"
        for (d = 1; d <= nd; d++) line = line " **" to[dpis[d]] " / " tz[dpis[d]] " of " td[dpis[d]] "** |"
        print line
        print ""
        if (worse == "") { print "at 100 dpi and up, ours reads at least as many as zbar on every variant" }
        else { print "zbar reads more on:" worse; exit 1 }
    }
' "$dir/zbar.csv" "$dir/results.csv"
