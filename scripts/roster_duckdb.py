#!/usr/bin/env python3
"""The roster overview as one SQL query over the store, checked against `hrzones roster`.

    roster_duckdb.py STORE_DIR LOADS_DIR FIRST_DAY LAST_DAY ROSTER_CSV

STORE_DIR is a store written by `hrzones ingest --roster`; LOADS_DIR holds each athlete's
per-session hrTSS as written by
`hrzones load --store STORE_DIR --roster R --athlete ID --format parquet
 --output LOADS_DIR/athlete=ID/load.parquet` (hrTSS needs the athlete's thresholds and the
timeline's heart-rate rules, so hrzones computes it; the query does the rest);
ROSTER_CSV is `hrzones roster --store STORE_DIR --since FIRST..LAST --format csv`.

Prints the query's table, then compares every column the query computes (sessions,
hours, hr_tss, sessions_without_hr_tss, ctl, atl, tsb, unreadable_files) with the CSV.
Exits 0 when they agree (to the CSV's one decimal), 1 when not, 3 when duckdb is not
installed (the caller skips).

The query is the one in docs/STORE.md ("The roster overview in SQL"); keep them the same.
"""

import csv
import sys

QUERY = """
WITH params AS (
    SELECT DATE '{first}' AS first_day, DATE '{last}' AS last_day,
           exp(-1 / 42) AS kc, exp(-1 / 7) AS ka          -- CTL 42 d, ATL 7 d (hrzones load)
),
sessions AS (                                              -- one row per stored session
    SELECT athlete, timer_s,
           DATE '1970-01-01' + CAST(floor(epoch(start) / 86400) AS INTEGER) AS day
    FROM read_parquet('{store}/sessions/**/*.parquet', hive_partitioning = true)
    WHERE has_real_dates
),
loads AS (                                                 -- per-day Σ hrTSS, every day up to the end
    SELECT athlete, date AS day, sum(coalesce(hr_tss, 0)) AS load,
           count(*) FILTER (WHERE hr_tss IS NULL) AS without_tss
    FROM read_parquet('{loads}/**/*.parquet', hive_partitioning = true), params
    WHERE date <= last_day
    GROUP BY athlete, date
),
athletes AS (
    SELECT DISTINCT athlete FROM read_parquet('{store}/files/*.parquet')
),
pmc AS (                                                   -- the EWMA recurrence in closed form
    SELECT athlete,
           sum(load * (1 - kc) * pow(kc, last_day - day)) AS ctl,
           sum(load * (1 - ka) * pow(ka, last_day - day)) AS atl,
           sum(CASE WHEN day < last_day THEN load * ((1 - kc) * pow(kc, last_day - 1 - day)
                                                  - (1 - ka) * pow(ka, last_day - 1 - day))
                    ELSE 0 END) AS tsb,
           sum(CASE WHEN day >= first_day THEN load ELSE 0 END) AS hr_tss,
           sum(CASE WHEN day >= first_day THEN without_tss ELSE 0 END) AS without_tss
    FROM loads, params
    GROUP BY athlete
),
window_sessions AS (
    SELECT athlete, count(*) AS sessions, sum(timer_s) / 3600 AS hours
    FROM sessions, params
    WHERE day BETWEEN first_day AND last_day
    GROUP BY athlete
),
unreadable AS (
    SELECT athlete, count(*) AS n
    FROM read_parquet('{store}/files/*.parquet')
    WHERE status = 'failed'
    GROUP BY athlete
)
SELECT a.athlete,
       coalesce(w.sessions, 0) AS sessions,
       coalesce(w.hours, 0) AS hours,
       coalesce(p.hr_tss, 0) AS hr_tss,
       coalesce(p.without_tss, 0) AS sessions_without_hr_tss,
       p.ctl, p.atl, p.tsb,
       coalesce(u.n, 0) AS unreadable_files
FROM athletes a
LEFT JOIN window_sessions w USING (athlete)
LEFT JOIN pmc p USING (athlete)
LEFT JOIN unreadable u USING (athlete)
ORDER BY a.athlete
"""

COLUMNS = [
    "sessions",
    "hours",
    "hr_tss",
    "sessions_without_hr_tss",
    "ctl",
    "atl",
    "tsb",
    "unreadable_files",
]


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    store, loads, first, last, roster_csv = sys.argv[1:]
    try:
        import duckdb
    except ImportError:
        print("duckdb not installed: skipped")
        sys.exit(3)
    rel = duckdb.sql(QUERY.format(store=store, loads=loads, first=first, last=last))
    print(rel)
    names = rel.columns
    got = {row[0]: dict(zip(names, row)) for row in rel.fetchall()}
    want = {r["athlete"]: r for r in csv.DictReader(open(roster_csv, newline=""))}
    ok = set(got) == set(want)
    if not ok:
        print(f"athletes differ: query {sorted(got)}, hrzones {sorted(want)}")
    for athlete in sorted(set(got) & set(want)):
        for c in COLUMNS:
            q, h = got[athlete][c], want[athlete][c]
            if h == "":
                same = q is None
            else:
                # hrzones prints one decimal: agree when the query rounds to the same.
                same = q is not None and abs(float(q) - float(h)) <= 0.05 + 1e-9
            if not same:
                ok = False
                print(f"{athlete} {c}: query {q!r}, hrzones {h!r}")
    print("the query equals hrzones roster" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
