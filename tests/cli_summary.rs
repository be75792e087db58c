//! `hrzones summary` through the binary.
//!
//! 1. A synthetic 12-week block written here with hrzones' FIT writer — four polarized
//!    weeks, four threshold-heavy weeks, two pyramidal weeks, a load spike, a taper — whose
//!    classes are known by construction and whose PI, ACWR, monotony, strain, EF,
//!    decoupling, HR recovery and discipline counts this file computes itself from the
//!    heart-rate segments, from the papers' formulas (no call into the library).
//! 2. The x3cl archive of `../shared/fit-corpus2` (skipped when absent): the yearly rows
//!    against an independent implementation fed by two other commands — `hrzones zones
//!    --bounds` (seconds per Seiler zone) and `hrzones load` (hrTSS per session).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{hrzones, SyntheticRun};

/// Unix seconds of 2024-01-01 00:00 UTC, a Monday.
const JAN1_UNIX: i64 = 1_704_067_200;
const EASY: u8 = 130;
const GREY: u8 = 160;
const HARD: u8 = 175;
/// Athlete: max 200, resting 50, LTHR 170, male. Seiler thresholds 153 / 170 (90/100 %
/// of LTHR); Friel's Zone 2 floor (the audit's Zone 1 ceiling) 145, Zone 4 floor 162.
const FLAGS: [&str; 8] = [
    "--max-hr",
    "200",
    "--resting-hr",
    "50",
    "--lthr",
    "170",
    "--sex",
    "male",
];
const T1: u8 = 153;
const T2: u8 = 170;
const SPEED_MPS: f64 = 3.0;

/// (minutes, bpm) segments of one run.
type Segs = Vec<(u32, u8)>;

/// The block: (day index from 2024-01-01, segments); every run starts at 08:00 UTC.
fn block() -> Vec<(u32, Segs)> {
    let mut out = Vec::new();
    for w in 0..12u32 {
        let day = |d: u32| w * 7 + d;
        match w {
            0..=3 => {
                out.push((day(0), vec![(60, EASY)]));
                out.push((day(1), vec![(20, EASY), (20, HARD), (20, EASY)]));
                if w < 2 {
                    out.push((day(3), vec![(60, EASY)]));
                } else {
                    out.push((day(3), vec![(50, EASY), (10, GREY)]));
                }
                out.push((day(5), vec![(90, EASY)]));
                out.push((day(6), vec![(40, EASY)]));
            }
            4..=7 => {
                out.push((day(0), vec![(60, EASY)]));
                out.push((day(1), vec![(20, EASY), (40, GREY)]));
                out.push((day(3), vec![(20, EASY), (40, GREY)]));
                out.push((day(5), vec![(60, GREY)]));
                out.push((day(6), vec![(30, EASY)]));
            }
            8 | 9 => {
                out.push((day(0), vec![(60, EASY)]));
                out.push((day(1), vec![(40, EASY), (20, GREY), (10, HARD)]));
                out.push((day(3), vec![(60, EASY)]));
                out.push((day(5), vec![(60, EASY)]));
            }
            10 => {
                // Two hours and more every day, a little longer each day.
                for d in 0..7 {
                    out.push((
                        day(d),
                        vec![(35 + 5 * d, EASY), (35, HARD), (15, GREY), (35, EASY)],
                    ));
                }
            }
            _ => {
                for d in [0, 2, 4] {
                    out.push((day(d), vec![(30, EASY)]));
                }
            }
        }
    }
    out
}

/// Expected class per week, by construction.
const CLASSES: [&str; 12] = [
    "polarized",
    "polarized",
    "polarized",
    "polarized",
    "threshold",
    "threshold",
    "threshold",
    "threshold",
    "pyramidal",
    "pyramidal",
    "polarized",
    "base",
];

/// One run as a FIT file at 08:00 UTC of `day` (from January 1): records at 1 Hz (record
/// k carries the HR of second (k-1, k]), constant speed, the timer running throughout,
/// and the watch's recovery HR two minutes after the stop, 25 bpm below the last HR.
fn write_run(path: &Path, day: u32, segs: &[(u32, u8)]) {
    let start = JAN1_UNIX + i64::from(day) * 86_400 + 8 * 3600;
    let mut run = SyntheticRun::of_segments(start, segs);
    run.speed_mps = SPEED_MPS;
    run.recovery_hr_drop = Some(25);
    run.write(path);
}

/// Banister TRIMP per minute (male: 0.64, 1.92; Morton, Fitz-Clarke & Banister 1990).
fn trimp_per_min(hr: f64) -> f64 {
    let x = (hr - 50.0) / 150.0;
    x * 0.64 * (1.92 * x).exp()
}

/// hrTSS: 100 × TRIMP / TRIMP of one hour at LTHR.
fn hr_tss(segs: &[(u32, u8)]) -> f64 {
    let trimp: f64 = segs
        .iter()
        .map(|&(m, h)| m as f64 * trimp_per_min(h as f64))
        .sum();
    100.0 * trimp / (60.0 * trimp_per_min(170.0))
}

/// Minutes per Seiler zone.
fn seiler_min(segs: &[(u32, u8)]) -> [f64; 3] {
    let mut z = [0.0; 3];
    for &(m, h) in segs {
        let k = if h >= T2 {
            2
        } else if h >= T1 {
            1
        } else {
            0
        };
        z[k] += m as f64;
    }
    z
}

fn round(v: f64, d: i32) -> f64 {
    let p = 10f64.powi(d);
    (v * p).round() / p
}

fn num(row: &Value, col: &str) -> Option<f64> {
    row[col].as_f64()
}

/// `got` is the expected value printed with `d` decimals.
fn assert_rounded(row: &Value, col: &str, want: f64, d: i32) {
    let got = num(row, col).unwrap_or_else(|| panic!("{col} is null in {row}"));
    assert!(
        (got - round(want, d)).abs() < 1e-9,
        "{} {col}: got {got}, want {want:.6}",
        row["period"]
    );
}

struct Fixture {
    _dir: tempfile::TempDir,
    runs: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    for (i, (day, segs)) in block().iter().enumerate() {
        write_run(&runs.join(format!("run{i:03}.fit")), *day, segs);
    }
    Fixture { _dir: dir, runs }
}

fn summary_json(runs: &Path, extra: &[&str]) -> Vec<Value> {
    let out = hrzones()
        .arg("summary")
        .arg(runs)
        .args(FLAGS)
        .args(["-q", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn twelve_week_block_gives_the_answers_known_by_construction() {
    let fx = fixture();
    let rows = summary_json(&fx.runs, &["--weekly", "--until", "2024-03-24"]);
    assert_eq!(rows.len(), 12);
    let block = block();

    // Daily load, from the segments.
    let mut load = [0.0f64; 84];
    for (day, segs) in &block {
        load[*day as usize] += hr_tss(segs);
    }
    // EWMA as its closed form Σ λ(1−λ)^(t−k)·load_k (Williams et al. 2017, λ = 2/(N+1)).
    let ewma = |n: f64, t: usize| -> f64 {
        let l = 2.0 / (n + 1.0);
        (0..=t)
            .map(|k| l * (1.0 - l).powi((t - k) as i32) * load[k])
            .sum()
    };
    let mean =
        |from: usize, to: usize| load[from..=to].iter().sum::<f64>() / (to - from + 1) as f64;

    for (w, row) in rows.iter().enumerate() {
        assert_eq!(row["period"], format!("2024-W{:02}", w + 1));
        assert_eq!(row["class"], CLASSES[w], "week {}", w + 1);
        let week: Vec<&(u32, Segs)> = block.iter().filter(|(d, _)| *d as usize / 7 == w).collect();
        let mut z = [0.0; 3];
        for (_, segs) in &week {
            let m = seiler_min(segs);
            for k in 0..3 {
                z[k] += m[k];
            }
        }
        let total: f64 = z.iter().sum();
        for (k, col) in ["z1_s", "z2_s", "z3_s"].iter().enumerate() {
            assert_rounded(row, col, 60.0 * z[k], 0);
        }
        assert_rounded(row, "zoned_s", 60.0 * total, 0);
        let f = z.map(|m| m / total);
        // Treff et al. 2019, with Z2 = 0 → 0.01; Z3 = 0 → no PI.
        if f[2] > 0.0 {
            let z2 = if f[1] == 0.0 { 0.01 } else { f[1] };
            assert_rounded(row, "pi", (f[0] / z2 * f[2] * 100.0).log10(), 3);
        } else {
            assert!(row["pi"].is_null(), "{row}");
            assert!(row["note"].as_str().unwrap().contains("PI undefined"));
        }
        assert_rounded(
            row,
            "hr_tss",
            week.iter().map(|(_, s)| hr_tss(s)).sum::<f64>(),
            1,
        );

        // ACWR and monotony on the week's Sunday.
        let t = w * 7 + 6;
        if t < 27 {
            assert!(row["acwr_ewma"].is_null() && row["acwr_rolling"].is_null());
            assert!(row["note"].as_str().unwrap().contains("ACWR undefined"));
        } else {
            assert_rounded(row, "acwr_ewma", ewma(7.0, t) / ewma(28.0, t), 3);
            assert_rounded(row, "acwr_ewma_acute", ewma(7.0, t), 2);
            assert_rounded(row, "acwr_ewma_chronic", ewma(28.0, t), 2);
            // Windt & Gabbett 2019: days t−6…t over days t−27…t−7.
            assert_rounded(row, "acwr_rolling", mean(t - 6, t) / mean(t - 27, t - 7), 3);
        }
        let days = &load[w * 7..w * 7 + 7];
        let m = days.iter().sum::<f64>() / 7.0;
        let sd = (days.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 7.0).sqrt();
        assert_rounded(row, "monotony", m / sd, 3);
        assert_rounded(row, "strain", 7.0 * m * m / sd, 1);
        assert_eq!(row["week_days"], 7);
    }
    // Grey-zone creep: the Zone 2 share against the mean of the previous four weeks';
    // the first threshold week jumps from ~2 % to 52 %.
    let z2_pct: Vec<f64> = (0..12)
        .map(|w| {
            let mut z = [0.0; 3];
            for (_, segs) in block.iter().filter(|(d, _)| *d as usize / 7 == w) {
                let m = seiler_min(segs);
                for k in 0..3 {
                    z[k] += m[k];
                }
            }
            100.0 * z[1] / z.iter().sum::<f64>()
        })
        .collect();
    assert!(rows[0]["z2_trend_pts"].is_null() && rows[0]["grey_zone_creep"].is_null());
    for w in 1..12usize {
        let prev = &z2_pct[w.saturating_sub(4)..w];
        let trend = z2_pct[w] - prev.iter().sum::<f64>() / prev.len() as f64;
        assert_rounded(&rows[w], "z2_trend_pts", trend, 1);
        assert_eq!(rows[w]["grey_zone_creep"], trend >= 5.0, "week {}", w + 1);
    }
    assert_eq!(rows[4]["grey_zone_creep"], true);

    // The spike: week 11's EWMA ratio is over the band, the block before within or under.
    assert_eq!(rows[10]["acwr_band"], "over");
    assert!(num(&rows[10], "acwr_ewma").unwrap() > 1.5);

    // Discipline, week by week, by the rules: hard = 10+ min at >= LT2, else long >= 90 min;
    // an easy or long run stayed easy when no segment reached the first threshold (every
    // segment here lasts far longer than the audit's 60 s excursion limit).
    for (w, row) in rows.iter().enumerate() {
        let (mut easy, mut easy_ok, mut long, mut grey, mut hard_runs) = (0, 0, 0, 0.0, 0);
        for (_, segs) in block.iter().filter(|(d, _)| *d as usize / 7 == w) {
            let z = seiler_min(segs);
            let minutes: f64 = z.iter().sum();
            if z[2] >= 10.0 {
                hard_runs += 1;
                continue;
            }
            if minutes >= 90.0 {
                long += 1;
            } else {
                easy += 1;
                easy_ok += i32::from(z[1] + z[2] == 0.0);
            }
            grey += z[1] + z[2];
        }
        assert_eq!(row["easy_runs"], easy, "week {}", w + 1);
        assert_eq!(row["easy_stayed"], easy_ok, "week {}", w + 1);
        assert_eq!(row["long_runs"], long, "week {}", w + 1);
        assert_eq!(row["hard_runs"], hard_runs, "week {}", w + 1);
        if easy + long == 0 {
            // Nothing checked: no minutes, not 0 minutes.
            assert!(row["grey_min"].is_null(), "{row}");
        } else {
            assert_rounded(row, "grey_min", grey, 1);
        }
        if easy == 0 {
            assert!(row["easy_stayed_pct"].is_null());
        }
    }
    // Hard days (hrTSS >= 70): the threshold weeks' Saturday, the pyramidal Tuesday, all
    // of the spike week; six of the spike days follow a hard day.
    let hard_days: Vec<u64> = rows
        .iter()
        .map(|r| r["hard_days"].as_u64().unwrap())
        .collect();
    assert_eq!(hard_days, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 7, 0]);
    assert_eq!(rows[10]["hard_after_hard"], 6);
    // Recovery runs after a hard day: the threshold weeks' Sunday 30 min and week 12's
    // Monday, all short and below the audit's Zone 1 ceiling (145).
    let after: Vec<u64> = rows
        .iter()
        .map(|r| r["runs_after_hard"].as_u64().unwrap())
        .collect();
    assert_eq!(after, [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1]);
    for r in &rows {
        assert_eq!(r["recovery_ok"], r["runs_after_hard"]);
    }

    // EF on steady runs (constant 3 m/s = 180 m/min): weeks 1-2 are all 130 bpm runs.
    assert_rounded(&rows[0], "ef_mean", 180.0 / 130.0, 3);
    assert_eq!(rows[0]["steady_runs"], 4, "the interval run is not steady");
    // Week 3's Thursday: 50 min at 130 then 10 at 160 — halves 130 and 140 bpm:
    // decoupling (1/130 − 1/140)/(1/130) = 1 − 130/140; the other runs decouple by 0.
    assert_rounded(
        &rows[2],
        "decoupling_mean_pct",
        100.0 * (1.0 - 130.0 / 140.0) / 4.0,
        1,
    );
    assert_eq!(rows[2]["coupled_runs"], 3);
    // HR recovery: the intervals drop from 175 to 130 after 20 min at >= Zone 4 (162).
    assert_rounded(&rows[0], "hrr_mean_bpm", 45.0, 1);
    assert_eq!(rows[0]["hrr_n"], 1);
    // The spike days: 35 min at 175, then 160.
    assert_rounded(&rows[10], "hrr_mean_bpm", 15.0, 1);
    // The watch's own recovery HR: 25 bpm below the HR at the stop on every run.
    for r in &rows {
        assert_eq!(r["watch_hrr_n"], r["sessions"], "{r}");
        if r["watch_hrr_n"] != 0 {
            assert_rounded(r, "watch_hrr_mean_bpm", 25.0, 1);
        }
    }
}

#[test]
fn undefined_ratios_are_empty_in_csv_and_the_table_fits_100_columns() {
    let fx = fixture();
    let out = hrzones()
        .arg("summary")
        .arg(&fx.runs)
        .args(FLAGS)
        .args(["-q", "--weekly", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(
        first[col("acwr_ewma")],
        "",
        "no ratio before 28 days, not 0"
    );
    assert_eq!(first[col("acwr_rolling")], "");
    assert_ne!(
        first[col("acwr_ewma_acute")],
        "",
        "its numerator is still shown"
    );

    for kind in ["--weekly", "--monthly", "--seasonal", "--yearly"] {
        let out = hrzones()
            .arg("summary")
            .arg(&fx.runs)
            .args(FLAGS)
            .args(["-q", kind, "--format", "table"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{kind}: {line}");
        }
    }
}

#[test]
fn a_bad_acwr_band_is_a_usage_error() {
    for band in ["1.3,0.8", "0.8", "0.8,1.3,1.5", "0,1"] {
        hrzones()
            .args(["summary", "--acwr-band", band, "fixtures"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--acwr-band"));
    }
}

#[test]
fn parquet_has_the_full_table() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("s.parquet");
    hrzones()
        .arg("summary")
        .arg(&fx.runs)
        .args(FLAGS)
        .args(["-q", "--monthly", "--format", "parquet", "--output"])
        .arg(&pq)
        .assert()
        .success();
    let df = polars::prelude::ParquetReader::new(std::fs::File::open(&pq).unwrap())
        .finish()
        .unwrap();
    use polars::prelude::SerReader;
    assert_eq!(df.height(), 3, "January to March");
    let class = df.column("class").unwrap();
    assert_eq!(class.str().unwrap().get(0), Some("polarized"));
    assert!(df.column("acwr_ewma").unwrap().f64().is_ok());
}

/// The x3cl archive in the second corpus.
fn x3cl() -> Option<PathBuf> {
    common::corpus2().map(|c| c.join("x3cl+running_page"))
}

fn csv_rows(out: &[u8]) -> Vec<BTreeMap<String, String>> {
    common::csv_rows(&String::from_utf8_lossy(out))
}

#[test]
fn x3cl_years_agree_with_an_independent_implementation() {
    let Some(dir) = x3cl() else { return };
    // Fixed thresholds for every session, so zones, load and summary share them.
    let flags = ["--max-hr", "190", "--resting-hr", "50", "--lthr", "165"];
    let run = |args: &[&str]| {
        let out = hrzones()
            .args(args)
            .arg(&dir)
            .args(flags)
            .args(["-q", "--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        out.stdout
    };
    // Seiler thresholds: 90 % of 165 = 148.5 → 149; 165.
    let zones = csv_rows(&run(&["zones", "--bounds", "149,165"]));
    let load = csv_rows(&run(&["load"]));
    let summary: Vec<Value> = {
        let out = hrzones()
            .args(["summary", "--yearly", "--format", "json", "-q"])
            .arg(&dir)
            .args(flags)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };

    // Seconds per Seiler zone per year, from `zones` (start is RFC 3339 UTC).
    let mut per_year: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    for r in &zones {
        let Some(year) = r
            .get("start")
            .filter(|s| s.len() >= 4)
            .map(|s| s[..4].to_string())
        else {
            continue;
        };
        let secs: Vec<f64> = ["z0_s", "z1_s", "z2_s"]
            .iter()
            .map(|c| r.get(*c).and_then(|v| v.parse().ok()).unwrap_or(0.0))
            .collect();
        let e = per_year.entry(year).or_insert([0.0; 3]);
        for k in 0..3 {
            e[k] += secs[k];
        }
    }
    // Daily hrTSS from `load` (its `date` column is the UTC day).
    let mut daily: BTreeMap<chrono::NaiveDate, f64> = BTreeMap::new();
    for r in &load {
        let (Some(d), Some(t)) = (
            r.get("date")
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok()),
            r.get("hr_tss").and_then(|t| t.parse::<f64>().ok()),
        ) else {
            continue;
        };
        *daily.entry(d).or_default() += t;
    }
    let (first, last) = (*daily.keys().next().unwrap(), *daily.keys().last().unwrap());
    // The summary's day range starts at the first dated session, with or without hrTSS.
    let first_session = load
        .iter()
        .filter_map(|r| {
            r.get("date")
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        })
        .min()
        .unwrap()
        .min(first);
    let n = (last - first_session).num_days() as usize + 1;
    let mut series = vec![0.0; n];
    for (d, t) in &daily {
        series[(*d - first_session).num_days() as usize] += t;
    }
    // EWMA by recursion (Williams et al. 2017), CTL by the 42-day exponential.
    let (la, lc) = (2.0 / 8.0, 2.0 / 29.0);
    let (mut a, mut c) = (vec![0.0; n], vec![0.0; n]);
    let (mut ctl, kc) = (vec![0.0; n], (-1.0f64 / 42.0).exp());
    for t in 0..n {
        let (pa, pc, pk) = if t == 0 {
            (0.0, 0.0, 0.0)
        } else {
            (a[t - 1], c[t - 1], ctl[t - 1])
        };
        a[t] = la * series[t] + (1.0 - la) * pa;
        c[t] = lc * series[t] + (1.0 - lc) * pc;
        ctl[t] = pk * kc + series[t] * (1.0 - kc);
    }

    let mut checked = 0;
    for row in &summary {
        let year = row["period"].as_str().unwrap().to_string();
        let z = per_year.get(&year).copied().unwrap_or([0.0; 3]);
        let total: f64 = z.iter().sum();
        if total > 0.0 {
            // zones prints whole... seconds with one decimal: allow its rounding.
            for (k, col) in ["z1_s", "z2_s", "z3_s"].iter().enumerate() {
                let got = num(row, col).unwrap();
                assert!((got - z[k]).abs() <= 1.0, "{year} {col}: {got} vs {}", z[k]);
            }
            let f = z.map(|s| s / total);
            if f[2] > 0.0 {
                let z2 = if f[1] == 0.0 { 0.01 } else { f[1] };
                let pi = (f[0] / z2 * f[2] * 100.0).log10();
                assert!((num(row, "pi").unwrap() - pi).abs() < 2e-3, "{year} PI");
            }
        }
        // At year end (or the last day of data).
        let end: chrono::NaiveDate = row["as_of"].as_str().unwrap().parse().unwrap();
        let t = (end - first_session).num_days() as usize;
        let close = |col: &str, want: f64, tol: f64| {
            let got = num(row, col).unwrap_or(f64::NAN);
            assert!((got - want).abs() <= tol, "{year} {col}: {got} vs {want}");
        };
        // The daily loads here are sums of `load`'s hrTSS printed to 0.1, so the ratio
        // carries their rounding (±0.05 per session) besides the summary's 3 decimals.
        if t + 1 >= 28 && c[t] > 0.0 {
            close("acwr_ewma", a[t] / c[t], 2.5e-3);
        }
        close("ctl", ctl[t], 0.06);
        // Foster's monotony over the ISO week holding `as_of`.
        let monday = end
            - chrono::Duration::days(chrono::Datelike::weekday(&end).num_days_from_monday() as i64);
        let days: Vec<f64> = (0..7)
            .map(|k| monday + chrono::Duration::days(k))
            .filter(|d| *d >= first_session && *d <= last.max(end))
            .map(|d| {
                series
                    .get((d - first_session).num_days() as usize)
                    .copied()
                    .unwrap_or(0.0)
            })
            .collect();
        let m = days.iter().sum::<f64>() / days.len() as f64;
        let sd = (days.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / days.len() as f64).sqrt();
        if sd > 0.0 {
            close("monotony", m / sd, 1e-3);
        } else {
            assert!(row["monotony"].is_null());
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} years");
}

#[test]
fn the_store_gives_the_same_summary_as_the_files() {
    let fx = fixture();
    let store = fx.runs.parent().unwrap().join("store");
    let ingest = hrzones()
        .arg("ingest")
        .arg(&fx.runs)
        .arg("--store")
        .arg(&store)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        ingest.status.success(),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let from_files = summary_json(&fx.runs, &["--weekly", "--until", "2024-03-24"]);
    let out = hrzones()
        .arg("summary")
        .arg("--store")
        .arg(&store)
        .args(FLAGS)
        .args([
            "-q",
            "--format",
            "json",
            "--weekly",
            "--until",
            "2024-03-24",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_store: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_store, from_files);
    // The watch's recovery HR went through the store too.
    assert!(from_store.iter().any(|r| r["watch_hrr_n"] != 0));
}
