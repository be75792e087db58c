#!/usr/bin/env python3
"""Opens an hrzones store without hrzones: DuckDB and pyarrow (whichever is installed).

    check_store_python.py STORE_DIR

Prints per-table row counts and a small query from each library; exits 1 when a library
that is installed cannot read the store, 0 otherwise (also when neither is installed).
"""

import glob
import json
import os
import sys


def main():
    store = sys.argv[1]
    manifest = json.load(open(os.path.join(store, "manifest.json")))
    expect = {t: sum(p[t] for p in manifest["parts"]) for t in ("samples", "sessions", "timer")}
    ok = True
    try:
        import duckdb

        for table, n in expect.items():
            got = duckdb.sql(
                f"select count(*) from read_parquet('{store}/{table}/*/*.parquet', hive_partitioning = true)"
            ).fetchall()[0][0]
            print(f"duckdb {table}: {got} rows (manifest: {n})")
            ok &= got == n
        print(
            duckdb.sql(
                f"""select year, count(*) as sessions, round(sum(timer_s) / 3600) as timer_h
                    from read_parquet('{store}/sessions/*/*.parquet', hive_partitioning = true)
                    group by year order by year"""
            )
        )
    except ImportError:
        print("duckdb not installed: skipped")
    try:
        import pyarrow.dataset as ds

        for table, n in expect.items():
            got = ds.dataset(os.path.join(store, table), partitioning="hive").count_rows()
            print(f"pyarrow {table}: {got} rows (manifest: {n})")
            ok &= got == n
        files = glob.glob(os.path.join(store, "files", "*.parquet"))
        print("pyarrow files table:", ds.dataset(files).to_table().num_rows, "rows")
    except ImportError:
        print("pyarrow not installed: skipped")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
