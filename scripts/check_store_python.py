#!/usr/bin/env python3
"""Opens an hrzones store without hrzones: pandas, pyarrow and DuckDB.

    check_store_python.py [--require-all] STORE_DIR

Prints per-table row counts and a small query from each library, and checks that string
columns come back as strings and `start` as a timestamp. Exits 1 when a library that is
installed cannot read the store (or, with --require-all, when one is not installed: CI
runs it from a virtual environment with all three, see .ci/run), 0 otherwise.
"""

import glob
import json
import os
import sys


def main():
    args = sys.argv[1:]
    require_all = "--require-all" in args
    args = [a for a in args if a != "--require-all"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    store = args[0]
    manifest = json.load(open(os.path.join(store, "manifest.json")))
    expect = {t: sum(p[t] for p in manifest["parts"]) for t in ("samples", "sessions", "timer")}
    ok = True
    missing = []

    def check(lib, what, good):
        nonlocal ok
        print(f"{lib} {what}: {'ok' if good else 'FAILED'}")
        ok &= bool(good)

    try:
        import duckdb

        for table, n in expect.items():
            got = duckdb.sql(
                f"select count(*) from read_parquet('{store}/{table}/**/*.parquet', hive_partitioning = true)"
            ).fetchall()[0][0]
            check("duckdb", f"{table}: {got} rows (manifest: {n})", got == n)
        print(
            duckdb.sql(
                f"""select athlete, year, count(*) as sessions, round(sum(timer_s) / 3600) as timer_h
                    from read_parquet('{store}/sessions/**/*.parquet', hive_partitioning = true)
                    group by athlete, year order by athlete, year"""
            )
        )
    except ImportError:
        print("duckdb not installed: skipped")
        missing.append("duckdb")
    try:
        import pyarrow as pa
        import pyarrow.dataset as ds

        for table, n in expect.items():
            got = ds.dataset(os.path.join(store, table), partitioning="hive").count_rows()
            check("pyarrow", f"{table}: {got} rows (manifest: {n})", got == n)
        files = glob.glob(os.path.join(store, "files", "*.parquet"))
        t = ds.dataset(files).to_table()
        print("pyarrow files table:", t.num_rows, "rows")
        views = [f.name for f in t.schema if f.type in (pa.string_view(), pa.binary_view())]
        check("pyarrow", f"files table without string_view columns {views}", not views)
    except ImportError:
        print("pyarrow not installed: skipped")
        missing.append("pyarrow")
    try:
        import pandas as pd

        for table, n in expect.items():
            parts = glob.glob(os.path.join(store, table, "**", "*.parquet"), recursive=True)
            got = sum(len(pd.read_parquet(p)) for p in parts)
            check("pandas", f"{table}: {got} rows (manifest: {n})", got == n)
        files = glob.glob(os.path.join(store, "files", "*.parquet"))
        df = pd.concat([pd.read_parquet(f) for f in files])
        check("pandas", f"files table: {len(df)} rows, path is text", df["path"].map(type).eq(str).all())
        sessions = pd.concat(
            [pd.read_parquet(p) for p in glob.glob(os.path.join(store, "sessions", "**", "*.parquet"), recursive=True)]
        )
        starts = [c for c in sessions.columns if c.startswith("start")]
        typed = all(pd.api.types.is_datetime64_any_dtype(sessions[c]) or pd.api.types.is_numeric_dtype(sessions[c]) for c in starts)
        check("pandas", f"sessions start columns {starts} typed", typed)
    except ImportError:
        print("pandas not installed: skipped")
        missing.append("pandas")
    if require_all and missing:
        print(f"not installed: {', '.join(missing)} (--require-all)")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
