#!/usr/bin/env python3
"""The roster overview as one SQL query over the store, checked against `hrzones roster`.

    roster_duckdb.py STORE_DIR FIRST_DAY LAST_DAY [ROSTER_CSV]

STORE_DIR is a store written by `hrzones ingest --roster R --store STORE_DIR` followed by
`hrzones store facts STORE_DIR --roster R` (the thresholds, labels and quality notes each
athlete's sessions are judged with; docs/STORE.md). The query reads only the store's
Parquet files: `files` (unreadable files) and the roster facts (`roster_facts/`).

Prints the query's table. With ROSTER_CSV (`hrzones roster --store STORE_DIR --since
FIRST..LAST --format csv`), compares every numeric column and the findings text with it:
exits 0 when they agree (to the CSV's one decimal), 1 when not, 3 when duckdb is not
installed (the caller skips).

The query is the one in docs/STORE.md ("The roster overview in SQL"); keep them the same.
"""

import csv
import sys

# The rules are hrzones' defaults (`hrzones roster --help`, src/audit.rs `Rules`,
# src/trends/periods.rs `DisciplineRules`, src/trends/distribution.rs).
QUERY = """
WITH params AS (
    SELECT DATE '{first}' AS first_day, DATE '{last}' AS last_day,
           exp(-1 / 42) AS kc, exp(-1 / 7) AS ka,  -- CTL 42 d, ATL 7 d (hrzones load)
           40 AS too_long_min, 30 AS long_min,     -- recovery audit: too long, long (warning)
           10 AS drift_pct, 60 AS excursion_s,     -- drifted: > 10 % at/above Z1 or > 60 s
           70 AS hard_tss, 36 AS hard_window_h,    -- a hard session ended <= 36 h before
           60 AS prior_slack_s, 8 AS max_km,       -- "before": ended <= 60 s after the start
           90 AS long_run_min, 600 AS z3_min_s     -- easy run: < 90 min, < 10 min in Z3
),
facts AS (                      -- one row per session: the thresholds it is judged with
    SELECT *, CAST(floor(start_unix_s / 86400) AS INTEGER) AS day_n
    FROM read_parquet('{store}/roster_facts/*/sessions.parquet', hive_partitioning = true)
),
hr AS (                         -- seconds per bpm, Banister's TRIMP per minute at each bpm
    SELECT f.athlete, f.file_hash, f.session, h.hr_bpm, h.seconds, h.longest_s,
           x * a * exp(b * x) AS trimp_per_min
    FROM read_parquet('{store}/roster_facts/*/hr_seconds.parquet', hive_partitioning = true) h
    JOIN (SELECT athlete, file_hash, session, max_hr_bpm, resting_hr_bpm,
                 CASE sex WHEN 'female' THEN 0.86 ELSE 0.64 END AS a,
                 CASE sex WHEN 'female' THEN 1.67 ELSE 1.92 END AS b
          FROM facts) f USING (athlete, file_hash, session),
    LATERAL (SELECT CASE WHEN f.max_hr_bpm > f.resting_hr_bpm
                         THEN greatest(0, least(1, (h.hr_bpm - f.resting_hr_bpm)
                                                   / (f.max_hr_bpm - f.resting_hr_bpm)))
                         ELSE 0 END AS x)
),
per_session AS (                -- hrTSS, Seiler seconds, time and excursions above ceilings
    SELECT f.athlete, f.file_hash, f.session,
           sum(h.seconds * h.trimp_per_min) / 60 AS trimp,
           coalesce(sum(h.seconds), 0) AS counted_s,
           coalesce(sum(h.seconds) FILTER (WHERE h.hr_bpm >= f.seiler_t1_bpm), 0) AS above_t1_s,
           coalesce(sum(h.seconds) FILTER (WHERE h.hr_bpm >= f.seiler_t2_bpm), 0) AS z3_s,
           coalesce(max(h.longest_s) FILTER (WHERE h.hr_bpm >= f.seiler_t1_bpm), 0) AS longest_t1_s,
           coalesce(sum(h.seconds) FILTER (WHERE h.hr_bpm >= f.z1_ceiling_bpm), 0) AS above_z1_s,
           coalesce(max(h.longest_s) FILTER (WHERE h.hr_bpm >= f.z1_ceiling_bpm), 0) AS longest_z1_s
    FROM facts f LEFT JOIN hr h USING (athlete, file_hash, session)
    GROUP BY f.athlete, f.file_hash, f.session
),
sessions AS (
    SELECT f.*, p.* EXCLUDE (athlete, file_hash, session),
           -- hrTSS: 100 × TRIMP / TRIMP of one hour at LTHR (src/load.rs)
           CASE WHEN f.lthr_bpm IS NOT NULL AND ref.per_hour > 0
                THEN 100 * coalesce(p.trimp, 0) / ref.per_hour END AS hr_tss,
           f.day_n BETWEEN first_day - DATE '1970-01-01' AND last_day - DATE '1970-01-01' AS in_window
    FROM facts f JOIN per_session p USING (athlete, file_hash, session), params,
    LATERAL (SELECT CASE WHEN f.max_hr_bpm > f.resting_hr_bpm
                         THEN greatest(0, least(1, (f.lthr_bpm - f.resting_hr_bpm)
                                                   / (f.max_hr_bpm - f.resting_hr_bpm)))
                         ELSE 0 END AS x),
    LATERAL (SELECT 60 * x * CASE f.sex WHEN 'female' THEN 0.86 ELSE 0.64 END
                    * exp(CASE f.sex WHEN 'female' THEN 1.67 ELSE 1.92 END * x) AS per_hour) ref
),
easy AS (                       -- easy runs (Seiler zones known, not Zone 3, not long)
    SELECT athlete, in_window,
           NOT (100 * above_t1_s / counted_s > drift_pct OR longest_t1_s > excursion_s) AS stayed
    FROM sessions, params
    WHERE is_run AND seiler_t1_bpm IS NOT NULL AND hr_covered_s > 0
      AND z3_s < z3_min_s AND timer_s / 60 < long_run_min AND counted_s > 0
),
recovery_rules AS (             -- runs labelled recovery, against the audit's rules
    SELECT r.athlete, r.path, r.session, r.start_unix_s,
           r.timer_s / 60 > too_long_min AS too_long,
           r.timer_s / 60 > long_min AS long,
           r.hr_samples > 0 AND r.counted_s > 0 AND r.z1_ceiling_bpm IS NOT NULL
               AND (100 * r.above_z1_s / r.counted_s > drift_pct
                    OR r.longest_z1_s > excursion_s) AS drifted,
           r.start_unix_s IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM sessions p
               WHERE p.athlete = r.athlete AND p.start_unix_s < r.start_unix_s
                 AND NOT (p.path = r.path AND p.session = r.session)
                 AND p.end_unix_s <= r.start_unix_s + prior_slack_s
                 AND greatest(r.start_unix_s - p.end_unix_s, 0) / 3600 <= hard_window_h
                 AND p.hr_tss >= hard_tss) AS no_hard_session,
           coalesce(r.distance_m / 1000 > max_km, false) AS over_km,
           max_km
    FROM sessions r, params
    WHERE r.is_run AND r.recovery_label IS NOT NULL AND r.in_window
),
recovery AS (                   -- a finding: any verdict but "long" (a warning)
    SELECT *, too_long OR drifted OR no_hard_session OR over_km AS finding,
           concat_ws(', ', CASE WHEN too_long THEN 'too long' WHEN long THEN 'long' END,
                     CASE WHEN drifted THEN 'drifted' END,
                     CASE WHEN no_hard_session THEN 'no hard session before' END,
                     CASE WHEN over_km THEN 'over ' || max_km || ' km' END) AS verdicts
    FROM recovery_rules
),
daily AS (                      -- Σ hrTSS per day, every day up to the window's end
    SELECT athlete, day_n, sum(coalesce(hr_tss, 0)) AS load
    FROM sessions, params
    WHERE day_n <= last_day - DATE '1970-01-01'
    GROUP BY athlete, day_n
),
pmc AS (                        -- the EWMA recurrence of `hrzones load --daily` in closed form
    SELECT athlete,
           sum(load * (1 - kc) * pow(kc, e - day_n)) AS ctl,
           sum(load * (1 - ka) * pow(ka, e - day_n)) AS atl,
           sum(CASE WHEN day_n < e THEN load * ((1 - kc) * pow(kc, e - 1 - day_n)
                                                - (1 - ka) * pow(ka, e - 1 - day_n))
                    ELSE 0 END) AS tsb
    FROM daily, params, LATERAL (SELECT last_day - DATE '1970-01-01' AS e)
    GROUP BY athlete
),
window_sessions AS (
    SELECT athlete, count(*) AS sessions, sum(timer_s) / 3600 AS hours,
           sum(coalesce(hr_tss, 0)) AS hr_tss,
           count(*) FILTER (WHERE hr_tss IS NULL) AS sessions_without_hr_tss,
           count(*) FILTER (WHERE quality IS NOT NULL) AS quality_warnings
    FROM sessions WHERE in_window
    GROUP BY athlete
),
easy_counts AS (
    SELECT athlete, count(*) AS easy_runs, count(*) FILTER (WHERE stayed) AS easy_in_z1
    FROM easy WHERE in_window GROUP BY athlete
),
recovery_counts AS (
    SELECT athlete, count(*) AS recovery_runs, count(*) FILTER (WHERE finding) AS recovery_findings,
           string_agg(regexp_extract(path, '[^/\\\\:]*$') || ': ' || verdicts, '; '
                      ORDER BY start_unix_s, path, session) FILTER (WHERE finding) AS findings
    FROM recovery GROUP BY athlete
),
unreadable AS (
    SELECT athlete, count(*) AS n
    FROM read_parquet('{store}/files/*.parquet')
    WHERE status = 'failed'
    GROUP BY athlete
),
athletes AS (SELECT DISTINCT athlete FROM read_parquet('{store}/files/*.parquet'))
SELECT a.athlete,
       coalesce(w.sessions, 0) AS sessions,
       coalesce(w.hours, 0) AS hours,
       coalesce(w.hr_tss, 0) AS hr_tss,
       coalesce(w.sessions_without_hr_tss, 0) AS sessions_without_hr_tss,
       p.ctl, p.atl, p.tsb,
       coalesce(r.recovery_runs, 0) AS recovery_runs,
       coalesce(r.recovery_findings, 0) AS recovery_findings,
       coalesce(e.easy_runs, 0) AS easy_runs,
       coalesce(e.easy_in_z1, 0) AS easy_in_z1,
       100 * e.easy_in_z1 / e.easy_runs AS easy_z1_pct,
       coalesce(w.quality_warnings, 0) AS quality_warnings,
       coalesce(u.n, 0) AS unreadable_files,
       r.findings
FROM athletes a
LEFT JOIN window_sessions w USING (athlete)
LEFT JOIN pmc p USING (athlete)
LEFT JOIN easy_counts e USING (athlete)
LEFT JOIN recovery_counts r USING (athlete)
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
    "recovery_runs",
    "recovery_findings",
    "easy_runs",
    "easy_in_z1",
    "easy_z1_pct",
    "quality_warnings",
    "unreadable_files",
]


def query(store, first, last):
    import duckdb

    return duckdb.sql(QUERY.format(store=store, first=first, last=last))


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    store, first, last = sys.argv[1:4]
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("duckdb not installed: skipped")
        sys.exit(3)
    rel = query(store, first, last)
    print(rel.show(max_width=250) or "", end="")
    if len(sys.argv) == 4:
        return
    names = rel.columns
    got = {row[0]: dict(zip(names, row)) for row in rel.fetchall()}
    want = {r["athlete"]: r for r in csv.DictReader(open(sys.argv[4], newline=""))}
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
        q, h = got[athlete]["findings"] or "", want[athlete]["findings"]
        if q != h:
            ok = False
            print(f"{athlete} findings:\n  query   {q!r}\n  hrzones {h!r}")
    print("the query equals hrzones roster" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
