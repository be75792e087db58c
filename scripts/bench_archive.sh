#!/usr/bin/env bash
# The archive benchmark end to end (see benches/archive.rs and docs/ARCHIVE_BENCH.md):
#   1. build the release binaries once;
#   2. generate the archive (10 years x 6 activities/week, seed 1) unless it exists;
#   3. run benches/archive.rs: read-and-sum, decode + zones, cold ingest, warm re-zone,
#      fitparser and Python fitdecode (subsets), with peak memory per phase;
#   4. time the CLI itself (`hrzones ingest`, a second no-op ingest, `zones --store`,
#      `zones PATH`) under /usr/bin/time -v;
#   5. open the store with DuckDB / pyarrow when installed;
#   6. the issue-14 ratios (CPU = user + sys, same run): re-zone + per-session load from
#      the store vs from the FIT files, cold ingest vs `zones DIR`; and a 30,000-activity
#      store (10 years x PER_WEEK_30K=60 a week; SCALE=0 skips it): re-zone CPU and peak memory,
#      opening it (manifest + files table).
# Usage: scripts/bench_archive.sh [extra arguments for benches/archive.rs]
# Environment: ARCHIVE (default target/bench-archive/fit), OUT (results folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${ARCHIVE:-target/bench-archive/fit}
OUT=${OUT:-target/bench-archive}
STORE="$OUT/cli-store"
mkdir -p "$OUT"

nice cargo build --release --bin hrzones --example gen_archive --bench archive
if [ ! -d "$ARCHIVE" ]; then
    target/release/examples/gen_archive --out "$ARCHIVE" --years 10 --per-week 6 --seed 1
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
cargo bench --bench archive -- --archive "$ARCHIVE" --store "$OUT/store" --markdown "$OUT/results.md" --repeats 5 "$@"

# Each timed command also leaves "label<TAB>CPU s<TAB>peak KB" in $OUT/cpu.tsv.
: >"$OUT/cpu.tsv"
timed() {
    local label=$1 out=$2
    shift 2
    local rc=0
    /usr/bin/time -o "$OUT/.time" -f "%e %U %S %M" "$@" >"$out" || rc=$?
    read -r wall user sys kb < <(tail -n1 "$OUT/.time")
    echo "$label: $wall s wall, $user s user, $sys s sys, $kb KB peak RSS"
    printf '%s\t%s\t%s\n' "$label" "$(echo "$user + $sys" | bc)" "$kb" >>"$OUT/cpu.tsv"
    return $rc
}
cpu_of() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$OUT/cpu.tsv"; }
ratio() { echo "scale=4; $1 / $2" | bc; }
rm -rf "$STORE"
echo "== the CLI"
ABS=$(realpath "$ARCHIVE")
timed "hrzones ingest (cold)" /dev/null target/release/hrzones ingest -q "$ABS" --store "$STORE"
timed "hrzones ingest (again, nothing changed)" /dev/null target/release/hrzones ingest -q "$ABS" --store "$STORE"
timed "hrzones zones --store --max-hr 190" "$OUT/zones-store.csv" target/release/hrzones zones -q --store "$STORE" --format csv --max-hr 190
timed "hrzones zones --store --lthr 172 (new thresholds)" /dev/null target/release/hrzones zones -q --store "$STORE" --format csv --lthr 172
timed "hrzones zones PATH --max-hr 190 (decodes every file)" "$OUT/zones-files.csv" target/release/hrzones zones -q "$ABS" --format csv --max-hr 190
timed "load --store" "$OUT/load-store.csv" target/release/hrzones load -q --store "$STORE" --format csv --max-hr 190
timed "load PATH" "$OUT/load-files.csv" target/release/hrzones load -q "$ABS" --format csv --max-hr 190
timed "zones --store, 1 thread" /dev/null env RAYON_NUM_THREADS=1 target/release/hrzones zones -q --store "$STORE" --format csv --max-hr 190
timed "load --store, 1 thread" /dev/null env RAYON_NUM_THREADS=1 target/release/hrzones load -q --store "$STORE" --format csv --max-hr 190
timed "zones PATH, 1 thread" /dev/null env RAYON_NUM_THREADS=1 target/release/hrzones zones -q "$ABS" --format csv --max-hr 190
timed "load PATH, 1 thread" /dev/null env RAYON_NUM_THREADS=1 target/release/hrzones load -q "$ABS" --format csv --max-hr 190
STORE_CPU=$(echo "$(cpu_of "hrzones zones --store --max-hr 190") + $(cpu_of "load --store")" | bc)
FILES_CPU=$(echo "$(cpu_of "hrzones zones PATH --max-hr 190 (decodes every file)") + $(cpu_of "load PATH")" | bc)
echo "== issue 14, same run (CPU = user + sys)"
echo "re-zone + per-session load: store $STORE_CPU s vs FIT files $FILES_CPU s: ratio $(ratio "$STORE_CPU" "$FILES_CPU") (goal <= 0.05)"
echo "the same on 1 thread: store $(echo "$(cpu_of "zones --store, 1 thread") + $(cpu_of "load --store, 1 thread")" | bc) s vs FIT files $(echo "$(cpu_of "zones PATH, 1 thread") + $(cpu_of "load PATH, 1 thread")" | bc) s"
echo "cold ingest vs zones DIR: $(cpu_of "hrzones ingest (cold)") s vs $(cpu_of "hrzones zones PATH --max-hr 190 (decodes every file)") s: ratio $(ratio "$(cpu_of "hrzones ingest (cold)")" "$(cpu_of "hrzones zones PATH --max-hr 190 (decodes every file)")") (goal <= 2)"
if cmp -s "$OUT/load-store.csv" "$OUT/load-files.csv"; then
    echo "load --store and load PATH print identical CSV ($(wc -l <"$OUT/load-store.csv") lines)"
else
    echo "load --store and load PATH differ: see $OUT/load-*.csv" >&2
    exit 1
fi
# Memory must not grow with the archive: the same commands on twice as many years.
ARCHIVE20=${ARCHIVE20:-target/bench-archive/fit-20y}
if [ ! -d "$ARCHIVE20" ]; then
    target/release/examples/gen_archive --out "$ARCHIVE20" --years 20 --per-week 6 --seed 2 --first-year 2005
fi
STORE20="$OUT/cli-store-20y"
rm -rf "$STORE20"
ABS20=$(realpath "$ARCHIVE20")
echo "== twice the archive: 20 years"
timed "hrzones ingest (cold, 20 years)" /dev/null target/release/hrzones ingest -q "$ABS20" --store "$STORE20"
timed "hrzones zones --store --max-hr 190 (20 years)" /dev/null target/release/hrzones zones -q --store "$STORE20" --format csv --max-hr 190
timed "hrzones zones PATH --max-hr 190 (20 years)" /dev/null target/release/hrzones zones -q "$ABS20" --format csv --max-hr 190
# The export formats: the same 10 years as Strava .fit.gz, Garmin .zip and plain .fit.
MIXED=${MIXED:-target/bench-archive/mixed}
if [ ! -d "$MIXED" ]; then
    target/release/examples/gen_archive --out "$MIXED" --years 10 --per-week 6 --seed 1 --layout mixed
fi
echo "== the same 10 years as .fit.gz, .zip and .fit ($(du -sh "$MIXED" | cut -f1) on disk)"
timed "hrzones zones PATH --max-hr 190 (mixed layout)" "$OUT/zones-mixed.csv" target/release/hrzones zones -q "$(realpath "$MIXED")" --format csv --max-hr 190
rm -rf "$STORE20"
if cmp -s "$OUT/zones-store.csv" "$OUT/zones-files.csv"; then
    echo "zones --store and zones PATH print identical CSV ($(wc -l <"$OUT/zones-store.csv") lines)"
else
    echo "zones --store and zones PATH differ: see $OUT/zones-*.csv" >&2
    exit 1
fi
if python3 -c 'import duckdb' 2>/dev/null || python3 -c 'import pyarrow' 2>/dev/null; then
    echo "== the store without hrzones"
    python3 scripts/check_store_python.py "$STORE"
fi
# A coaching group: 30,000 activities in one store (10 years x 60 a week, seed 3). The FIT
# files (~4.6 GB) are deleted once ingested; the store is kept for later runs.
SCALE=${SCALE:-1}
PER_WEEK_30K=${PER_WEEK_30K:-60}
STORE30K="$OUT/store-30k"
if [ "$SCALE" != 0 ]; then
    echo "== a 30,000-activity store"
    if [ ! -f "$STORE30K/manifest.json" ]; then
        FIT30K="$OUT/fit-30k"
        rm -rf "$FIT30K"
        target/release/examples/gen_archive --out "$FIT30K" --years 10 --per-week "$PER_WEEK_30K" --seed 3
        timed "hrzones ingest (cold, 30k)" /dev/null target/release/hrzones ingest -q "$(realpath "$FIT30K")" --store "$STORE30K"
        rm -rf "$FIT30K"
    fi
    echo "store: $(du -sh "$STORE30K" | cut -f1), $(grep -c '"name"' "$STORE30K/manifest.json") parts"
    timed "zones --store --max-hr 190 (30k)" "$OUT/zones-30k.csv" target/release/hrzones zones -q --store "$STORE30K" --format csv --max-hr 190
    timed "zones --store --lthr 172 --zones lthr (30k)" /dev/null target/release/hrzones zones -q --store "$STORE30K" --format csv --lthr 172 --zones lthr
    timed "load --store --max-hr 190 (30k)" /dev/null target/release/hrzones load -q --store "$STORE30K" --format csv --max-hr 190
    timed "load --store --weekly (30k)" /dev/null target/release/hrzones load -q --store "$STORE30K" --format csv --max-hr 190 --weekly
    # Opening the store (manifest + files table) and selecting nothing: exits 2 with
    # "holds no file there"; its time is the store's open time.
    timed "open the store only (30k)" /dev/null target/release/hrzones zones -q --store "$STORE30K" --max-hr 190 /nonexistent/athlete || true
    echo "sessions: $(($(wc -l <"$OUT/zones-30k.csv") - 1))"
fi
