#!/usr/bin/env bash
# The store against the FIT files it was made from (issue 14), in the same run.
#
#   scripts/bench_store.sh ARCHIVE [RUNS] [BIG_ARCHIVE]
#
# ARCHIVE: a folder of FIT files (`gen_archive --out A --years 10 --per-week 6 --seed 1`).
# Each round, one after the other (all threads, max HR 190, CSV to /dev/null):
#   zones DIR, load DIR              decode every FIT file
#   ingest DIR --store S             cold (S removed first)
#   zones --store S, load --store S  from the store (sessions + hr_seconds, no samples)
# and prints medians of RUNS rounds (default 5) of CPU seconds and peak RSS,
# with the ratios the issue asks for: (zones + load from the store) / (zones + load from
# the files), and cold ingest / zones DIR. Both paths must print the same CSV (checked
# once). BIG_ARCHIVE (e.g. `gen_archive --years 10 --per-week 60 --seed 3`, 31,308
# files) adds its cold ingest once and RUNS rounds of zones/load from its store, and the
# store's open alone (the manifest and files table: a path no file is under).
# Needs `cargo build --release --bin hrzones`; the page cache is warm (a first round).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${1:?usage: scripts/bench_store.sh ARCHIVE [RUNS] [BIG_ARCHIVE]}
RUNS=${2:-5}
BIG=${3:-}
BIN=target/release/hrzones
[ -x "$BIN" ] || { echo "bench_store: $BIN missing: cargo build --release --bin hrzones" >&2; exit 2; }
TMP=$(mktemp -d /tmp/bench_store.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
S=$TMP/store
ARGS=(-q --format csv --max-hr 190)

# run NAME CMD...: appends "cpu_s peak_kb" of the command to $TMP/NAME. CPU is perf
# stat's task-clock of the command alone (exact; rusage's user + sys counts 10 ms ticks,
# which inflates runs of a tenth of a second by a third) when perf works, else rusage's;
# the peak RSS comes from /usr/bin/time in a second run of the same command (under perf,
# /usr/bin/time's own start-up would count: 15 ms).
if perf stat -x, -e task-clock true >/dev/null 2>&1; then PERF=1; else PERF=; fi
run() {
    local name=$1; shift
    /usr/bin/time -o "$TMP/t" -f "%U %S %M" "$@" >/dev/null 2>"$TMP/err" ||
        [ -n "${ALLOW_FAIL:-}" ] || { cat "$TMP/err" >&2; exit 1; }
    local cpu
    cpu=$(tail -1 "$TMP/t" | awk '{ printf "%.3f", $1 + $2 }')
    if [ -n "$PERF" ]; then
        [ -z "${BEFORE:-}" ] || $BEFORE
        perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null 2>&1 || true
        cpu=$(awk -F, '$3 ~ /^task-clock/ { printf "%.3f", $1 / 1000 }' "$TMP/perf")
    fi
    echo "$cpu $(tail -1 "$TMP/t" | awk '{ print $3 }')" >>"$TMP/$name"
}
median() { sort -g "$TMP/$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

echo "== $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $ARCHIVE: $(find "$ARCHIVE" -type f -iname '*.fit' | wc -l) files; $RUNS rounds"
"$BIN" ingest -q "$ARCHIVE" --store "$S"
for c in zones load; do
    "$BIN" $c "$ARCHIVE" "${ARGS[@]}" >"$TMP/$c.files.csv" 2>/dev/null
    "$BIN" $c --store "$S" "${ARGS[@]}" >"$TMP/$c.store.csv" 2>/dev/null
    cmp -s "$TMP/$c.files.csv" "$TMP/$c.store.csv" && echo "== $c: the store prints the files' CSV" ||
        { echo "== $c: the store's CSV differs" >&2; exit 1; }
done
for _ in $(seq "$RUNS"); do
    run zones_dir "$BIN" zones "$ARCHIVE" "${ARGS[@]}"
    run load_dir "$BIN" load "$ARCHIVE" "${ARGS[@]}"
    rm -rf "$S"
    BEFORE="rm -rf $S" run ingest "$BIN" ingest -q "$ARCHIVE" --store "$S"
    run zones_store "$BIN" zones --store "$S" "${ARGS[@]}"
    run load_store "$BIN" load --store "$S" "${ARGS[@]}"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| command | median CPU s | median peak RSS MB | runs (CPU s) |\n| --- | ---: | ---: | --- |\n'
for n in zones_dir load_dir ingest zones_store load_store; do
    printf '| %s | %s | %d | %s |\n' "$n" "$(median $n 1)" "$(( $(median $n 2) / 1024 ))" \
        "$(awk '{ printf "%s ", $1 }' "$TMP/$n")"
done
awk -v zd="$(median zones_dir 1)" -v ld="$(median load_dir 1)" -v i="$(median ingest 1)" \
    -v zs="$(median zones_store 1)" -v ls="$(median load_store 1)" 'BEGIN {
    printf "(zones + load from the store) / (from the files) = %.3f (goal <= 0.05)\n", (zs + ls) / (zd + ld)
    printf "cold ingest / zones DIR = %.2f (goal <= 2)\n", i / zd }'

if [ -n "$BIG" ]; then
    B=$TMP/big
    echo "== $BIG: $(find "$BIG" -type f -iname '*.fit' | wc -l) files"
    BEFORE="rm -rf $B" run big_ingest "$BIN" ingest -q "$BIG" --store "$B"
    "$BIN" zones --store "$B" "${ARGS[@]}" >/dev/null 2>&1
    for _ in $(seq "$RUNS"); do
        run big_zones "$BIN" zones --store "$B" "${ARGS[@]}"
        run big_load "$BIN" load --store "$B" "${ARGS[@]}"
        ALLOW_FAIL=1 run big_open "$BIN" zones --store "$B" "${ARGS[@]}" /nonexistent/athlete
    done
    printf '| command | median CPU s | median peak RSS MB | runs (CPU s) |\n| --- | ---: | ---: | --- |\n'
    for n in big_ingest big_zones big_load big_open; do
        printf '| %s | %s | %d | %s |\n' "$n" "$(median $n 1)" "$(( $(median $n 2) / 1024 ))" \
            "$(awk '{ printf "%s ", $1 }' "$TMP/$n")"
    done
fi
