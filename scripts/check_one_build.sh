#!/usr/bin/env bash
# One build for both README commands (issue #11): `cargo run` builds the binary, then
# `cargo test` must compile only hrzones' own targets and the dev-only crates (criterion,
# assert_cmd, tempfile, …), never again a crate the first build compiled. A crate that
# shows up twice means a dev-dependency changed its features: the test build would then
# rebuild everything above it, polars included. Fix by asking for the same features in
# [dependencies] (see the feature-alignment block in Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --quiet
# Every crate of the main build, as "name vX.Y.Z".
main_build=$(cargo tree --locked -e normal,build --prefix none -f '{p}' |
    awk '{print $1" "$2}' | sort -u)
test_log=$(cargo test --locked --no-run 2>&1) || { echo "$test_log"; exit 1; }
compiled=$(grep -E '^ +Compiling ' <<<"$test_log" | awk '{print $2" "$3}' | sort -u || true)
rebuilt=$(comm -12 <(echo "$main_build") <(echo "$compiled") | grep -v '^hrzones ' || true)
n_compiled=$(grep -c . <<<"$compiled" || true)
if [ -n "$rebuilt" ]; then
    echo "check_one_build: the test build recompiled crates the main build already built:" >&2
    echo "$rebuilt" | sed 's/^/  /' >&2
    exit 1
fi
echo "check_one_build: the test build compiled $n_compiled crates, none of them again (hrzones and dev-only crates)"
