#!/usr/bin/env bash
# The archive benchmark end to end (see benches/archive.rs and docs/ARCHIVE_BENCH.md):
#   1. build the release binaries once;
#   2. generate the archive (10 years x 6 activities/week, seed 1) unless it exists;
#   3. run benches/archive.rs: read-and-sum, decode + zones, cold ingest, warm re-zone,
#      fitparser and Python fitdecode (subsets), with peak memory per phase;
#   4. time the CLI itself (`hrzones ingest`, a second no-op ingest, `zones --store`,
#      `zones PATH`) under /usr/bin/time -v;
#   5. open the store with DuckDB / pyarrow when installed.
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

timed() {
    local label=$1 out=$2
    shift 2
    /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak RSS" "$@" >"$out"
}
rm -rf "$STORE"
echo "== the CLI"
ABS=$(realpath "$ARCHIVE")
timed "hrzones ingest (cold)" /dev/null target/release/hrzones ingest -q "$ABS" --store "$STORE"
timed "hrzones ingest (again, nothing changed)" /dev/null target/release/hrzones ingest -q "$ABS" --store "$STORE"
timed "hrzones zones --store --max-hr 190" "$OUT/zones-store.csv" target/release/hrzones zones -q --store "$STORE" --format csv --max-hr 190
timed "hrzones zones --store --lthr 172 (new thresholds)" /dev/null target/release/hrzones zones -q --store "$STORE" --format csv --lthr 172
timed "hrzones zones PATH --max-hr 190 (decodes every file)" "$OUT/zones-files.csv" target/release/hrzones zones -q "$ABS" --format csv --max-hr 190
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
