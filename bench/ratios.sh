#!/bin/sh
# The speed targets as ratios from one interleaved run (issue "Speed at the
# limit"); machine noise moves both sides of a ratio alike.
#   1. one 10-code Japanese sheet, whole process / pdftotext of that PDF
#      (and / `recovery-sheet --version`, the floor of any run)
#   2. batch of N rows: wall time per sheet / one `generate`; CPU use (user+sys / wall)
#   3. verify of a wrong code against 10 codes / one Argon2id hash by the
#      reference CLI (Debian package argon2), same parameters; peak RSS
#   4. regenerating an account with 1,000 generations / with 2
#   5. PDF sizes, Japanese and English
# Needs python3, pdftotext (poppler-utils), argon2, /usr/bin/time (time).
# Usage: bench/ratios.sh [runs] [rows]   (defaults 40 runs, 1000 rows)
runs=${1:-40}
rows=${2:-1000}
. "$(dirname "$0")/common.sh"
for tool in python3 pdftotext argon2 /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "needs $tool"; exit 1; }
done

# Interleaved timing (bench/interleave.py): run k of every command, then run
# k+1, so a slow spell of the machine slows both sides of a ratio alike.
interleave() { # runs warmup out.json command...
    python3 bench/interleave.py "$@"
}
[ -f bench/interleave.py ] || { echo "run from the repository"; exit 1; }
median_of() { # json file, index, wall_ms|cpu_ms -> value
    python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))[int(sys.argv[2])][sys.argv[3]])' "$1" "$2" "${3:-wall_ms}"
}
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }

# 1. A sheet against reading it back; the same sheet with its ledger and file
#    on tmpfs (where a sync costs nothing) tells what the disk syncs cost.
shm=$(mktemp -d /dev/shm/rs-bench.XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT
"$bin" -q generate --account sheet@example.com --lang ja -o "$work/ja.pdf"
"$bin" -q generate --account sheet-en@example.com --lang en -o "$work/en.pdf"
"$bin" -q --ledger "$shm/ledger.db" generate --account sheet@example.com --lang ja -o "$shm/ja.pdf"
interleave "$runs" 5 "$work/sheet.json" \
    "$bin -q generate --account sheet@example.com --lang ja --regenerate --force -o $work/ja.pdf" \
    "pdftotext $work/ja.pdf $work/ja.txt" \
    "$bin --version" \
    "$bin -q --ledger $shm/ledger.db generate --account sheet@example.com --lang ja --regenerate --force -o $shm/ja.pdf"
sheet=$(median_of "$work/sheet.json" 0)
read_back=$(median_of "$work/sheet.json" 1)
version=$(median_of "$work/sheet.json" 2)
no_sync=$(median_of "$work/sheet.json" 3)
echo "1. one Japanese sheet: ${sheet} ms (CPU $(median_of "$work/sheet.json" 0 cpu_ms) ms); pdftotext ${read_back} ms (CPU $(median_of "$work/sheet.json" 1 cpu_ms) ms); --version ${version} ms"
echo "   sheet / pdftotext = $(ratio "$sheet" "$read_back") (target <= 1.0); sheet / --version = $(ratio "$sheet" "$version")"
echo "   on tmpfs (syncs free): ${no_sync} ms, / pdftotext = $(ratio "$no_sync" "$read_back"); the disk syncs cost $(echo "$sheet $no_sync" | awk '{ printf "%.2f", $1 - $2 }') ms"

# 2. Batch per sheet against one sheet.
csv="$work/batch.csv"
awk -v n="$rows" 'BEGIN {
    print "account,lang,location,custodian"
    for (i = 1; i <= n; i++) printf "staff%05d@example.co.jp,%s,Safe 2F,K. Sato\n", i, (i % 2 ? "ja" : "en")
}' > "$csv"
RECOVERY_SHEET_LEDGER="$work/batch.db" /usr/bin/time -f "%e %U %S %M" -o "$work/btime" \
    "$bin" -q batch "$csv" --out-dir "$work/out"
read -r wall user sys rss < "$work/btime"
per_sheet=$(echo "$wall $rows" | awk '{ printf "%.2f", $1 * 1000 / $2 }')
echo "2. batch of $rows: ${wall} s, ${per_sheet} ms a sheet, user+sys / wall = $(echo "$user $sys $wall" | awk '{ printf "%.2f", ($1 + $2) / $3 }') (2 cores: 2.0), peak RSS $((rss / 1024)) MB"
echo "   per sheet / one generate = $(ratio "$per_sheet" "$sheet") (target <= 0.3)"
rm -rf "$work/out"

# 3. verify of a wrong code against the reference CLI's one hash.
"$bin" -q generate --account verify@example.com -o "$work/v.pdf" --verifier "$work/v.json"
printf 'WRONG-CODE-0000-0000\n' > "$work/wrong.txt"
printf 'password' > "$work/pw.txt"
interleave "$((runs / 2 + 3))" 2 "$work/verify.json" \
    "$bin -q verify --verifier $work/v.json < $work/wrong.txt" \
    "argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e < $work/pw.txt" \
    "$bin -q verify --verifier $work/v.json --number 1 < $work/wrong.txt"
wrong=$(median_of "$work/verify.json" 0)
one=$(median_of "$work/verify.json" 1)
ours=$(median_of "$work/verify.json" 2)
/usr/bin/time -f %M -o "$work/vmem" "$bin" -q verify --verifier "$work/v.json" < "$work/wrong.txt" > /dev/null 2>&1 || true
echo "3. verify of a wrong code (10 candidates): ${wrong} ms; one hash (argon2 CLI): ${one} ms; peak RSS $(( $(tail -1 "$work/vmem") / 1024 )) MB"
echo "   wrong code / one hash = $(ratio "$wrong" "$one") (target <= 2 on 2 cores)"
echo "   our one candidate (verify --number 1 of a wrong code, whole process, its hash buffer set up for one hash): ${ours} ms = $(ratio "$ours" "$one") of the CLI's"
echo "   10 candidates / our one = $(ratio "$wrong" "$ours"): $(( (10 + $(nproc) - 1) / $(nproc) )) hashes in a row on each of $(nproc) cores, the start and the buffer paid once"

# 4. History: an account with 1,000 generations against one with 2.
for n in 2 1000; do
    i=0
    while [ "$i" -lt "$n" ]; do
        "$bin" -q --ledger "$work/history-$n.db" generate --account h@example.com --regenerate --force -o "$work/h-$n.pdf"
        i=$((i + 1))
    done
done
# A copy of the 2-generation ledger, timed alongside: the ratio of two equal
# runs is the noise that "no slower (within noise)" is judged against.
cp "$work/history-2.db" "$work/history-2b.db"
interleave "$runs" 3 "$work/history.json" \
    "$bin -q --ledger $work/history-2.db generate --account h@example.com --regenerate --force -o $work/h-2.pdf" \
    "$bin -q --ledger $work/history-1000.db generate --account h@example.com --regenerate --force -o $work/h-1000.pdf" \
    "$bin -q --ledger $work/history-2b.db generate --account h@example.com --regenerate --force -o $work/h-2b.pdf"
two=$(median_of "$work/history.json" 0)
thousand=$(median_of "$work/history.json" 1)
same=$(median_of "$work/history.json" 2)
echo "4. regenerating with 2 generations: ${two} ms (CPU $(median_of "$work/history.json" 0 cpu_ms) ms); with 1,000: ${thousand} ms (CPU $(median_of "$work/history.json" 1 cpu_ms) ms); ratio $(ratio "$thousand" "$two") (target ~1.0)"
echo "   noise: the same 2-generation ledger copied, against itself: $(ratio "$same" "$two"); 1,000 against the copy: $(ratio "$thousand" "$same")"

# 5. Sizes.
echo "5. PDF: Japanese $(wc -c < "$work/ja.pdf") bytes (target <= 28 KB), English $(wc -c < "$work/en.pdf") bytes (target <= 14 KB)"
