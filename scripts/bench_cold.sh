#!/usr/bin/env bash
# The cold path of the archive benchmark on one thread (issue 14): `hrzones zones DIR`
# against the least work any reader of the same files must do, in the same run.
#
#   scripts/bench_cold.sh [ARCHIVE] [RUNS]
#
# ARCHIVE defaults to target/bench-archive/fit (scripts/bench_archive.sh generates it:
# 10 years x 6 a week, seed 1). Each round runs, one after the other, on one thread:
#   ceiling (read)   examples/read_speed ARCHIVE read   std::fs::read + sum every byte
#   ceiling (mmap)   examples/read_speed ARCHIVE mmap   map + sum every byte
#   hrzones          RAYON_NUM_THREADS=1 hrzones zones -q ARCHIVE --max-hr 190 --format csv
# CPU time is perf stat's task-clock (user + sys of the process) when perf is installed,
# else /usr/bin/time's user + sys (10 ms resolution). MB per CPU-second = input bytes /
# CPU seconds; the table gives the median of RUNS rounds (default 7) and each median's
# ratio to the read ceiling of the same run. Needs release builds (`cargo build --release
# --bin hrzones --example read_speed`); the page cache is warm (a first unmeasured round).
# BASE=path/to/older/hrzones adds that binary's row (the same command), for before/after;
# MMAP=1 adds a row for hrzones with HRZONES_MMAP=1 (files of 64 KiB+ mapped, not read).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${1:-target/bench-archive/fit}
RUNS=${2:-7}
BIN=target/release/hrzones
CEIL=target/release/examples/read_speed
for b in "$BIN" "$CEIL"; do
    [ -x "$b" ] || { echo "bench_cold: $b missing: cargo build --release --bin hrzones --example read_speed" >&2; exit 2; }
done
BYTES=$(find "$ARCHIVE" -type f -iname '*.fit' -printf '%s\n' | awk '{ s += $1 } END { print s }')
FILES=$(find "$ARCHIVE" -type f -iname '*.fit' | wc -l)
TMP=$(mktemp -d /tmp/bench_cold.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# cpu_s CMD...: the command's CPU seconds (stdout discarded).
if perf stat -x, -e task-clock true >/dev/null 2>&1; then
    cpu_s() {
        perf stat -x, -e task-clock -o "$TMP/perf" "$@" >/dev/null
        awk -F, '$3 == "task-clock" || $3 ~ /^task-clock/ { printf "%.4f\n", $1 / 1000 }' "$TMP/perf"
    }
    CLOCK="perf stat task-clock"
else
    cpu_s() {
        /usr/bin/time -o "$TMP/time" -f "%U %S" "$@" >/dev/null
        awk '{ printf "%.4f\n", $1 + $2 }' "$TMP/time"
    }
    CLOCK="/usr/bin/time user + sys"
fi

echo "== $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $ARCHIVE: $FILES files, $BYTES bytes; $RUNS rounds; CPU time from $CLOCK"
# Warm the page cache and check the commands run.
"$CEIL" "$ARCHIVE" read >/dev/null
RAYON_NUM_THREADS=1 "$BIN" zones -q "$ARCHIVE" --max-hr 190 --format csv >"$TMP/zones.csv"
echo "== hrzones printed $(($(wc -l <"$TMP/zones.csv") - 1)) session rows"
: >"$TMP/read"; : >"$TMP/mmap"; : >"$TMP/zones"; : >"$TMP/base"; : >"$TMP/nomap"
if [ -n "${BASE:-}" ]; then
    RAYON_NUM_THREADS=1 "$BASE" zones -q "$ARCHIVE" --max-hr 190 --format csv | cmp -s - "$TMP/zones.csv" &&
        echo "== $BASE prints the same CSV" || echo "== $BASE prints a different CSV"
fi
for _ in $(seq "$RUNS"); do
    cpu_s "$CEIL" "$ARCHIVE" read >>"$TMP/read"
    cpu_s "$CEIL" "$ARCHIVE" mmap >>"$TMP/mmap"
    cpu_s env RAYON_NUM_THREADS=1 "$BIN" zones -q "$ARCHIVE" --max-hr 190 --format csv >>"$TMP/zones"
    if [ -n "${BASE:-}" ]; then
        cpu_s env RAYON_NUM_THREADS=1 "$BASE" zones -q "$ARCHIVE" --max-hr 190 --format csv >>"$TMP/base"
    fi
    if [ -n "${MMAP:-}" ]; then
        cpu_s env RAYON_NUM_THREADS=1 HRZONES_MMAP=1 "$BIN" zones -q "$ARCHIVE" --max-hr 190 --format csv >>"$TMP/nomap"
    fi
done
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
R=$(median "$TMP/read"); M=$(median "$TMP/mmap"); Z=$(median "$TMP/zones")
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| measure (one thread, same run) | median CPU s | MB per CPU-s | share of the read ceiling |\n'
printf '| --- | --- | --- | --- |\n'
ROWS=("read + sum every byte (ceiling)|$R" "mmap + sum every byte|$M" "hrzones zones DIR (decode + CRC + zones)|$Z")
if [ -s "$TMP/nomap" ]; then ROWS+=("the same, HRZONES_MMAP=1|$(median "$TMP/nomap")"); fi
if [ -s "$TMP/base" ]; then ROWS+=("$BASE (before)|$(median "$TMP/base")"); fi
for row in "${ROWS[@]}"; do
    name=${row%|*}; s=${row#*|}
    awk -v n="$name" -v s="$s" -v b="$BYTES" -v r="$R" \
        'BEGIN { printf "| %s | %.3f | %.0f | %.0f %% |\n", n, s, b / 1e6 / s, 100 * r / s }'
done
echo "runs (CPU s): read $(tr '\n' ' ' <"$TMP/read"); mmap $(tr '\n' ' ' <"$TMP/mmap"); zones $(tr '\n' ' ' <"$TMP/zones"); HRZONES_MMAP=1 $(tr '\n' ' ' <"$TMP/nomap"); before $(tr '\n' ' ' <"$TMP/base")"
