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
cargo bench --bench archive -- --archive "$ARCHIVE" --store "$OUT/store" --markdown "$OUT/results.md" "$@"

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
