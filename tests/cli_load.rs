//! `hrzones load` through the binary: FIT files written here with known heart rate, so
//! every expected number is computed by hand from the formulas (not by the library), plus
//! a real corpus file (skipped when the corpus is absent).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use polars::prelude::*;
use predicates::prelude::*;
use serde_json::Value;

mod support;
use support::base::{ENUM, UINT16, UINT32, UINT8};
use support::FitWriter;

fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

/// FIT seconds of a Unix time.
fn fit_s(unix: i64) -> u32 {
    (unix - 631_065_600) as u32
}

/// 2024-01-01 23:30:00 UTC (a Monday).
const A_START_UNIX: i64 = 1_704_151_800;
/// 2024-01-03 08:00:00 UTC.
const B_START_UNIX: i64 = 1_704_268_800;

/// One running session: records at 1 s over `spans` (seconds from the start, inclusive),
/// the timer running over exactly those spans, `hr` throughout; optional zones_target
/// (max, threshold) and user_profile (resting, gender); the watch's TSS and TE.
fn write_run(
    path: &Path,
    start_unix: i64,
    spans: &[(u32, u32)],
    hr: u8,
    zones_target: Option<(u8, u8)>,
    user_profile: Option<(u8, u8)>,
) {
    let t0 = fit_s(start_unix);
    let mut w = FitWriter::default();
    w.def(0, 0, &[(0, 1, ENUM), (4, 4, UINT32)]);
    let mut d = vec![4u8];
    d.extend_from_slice(&t0.to_le_bytes());
    w.msg(0, &d);
    if let Some((max, thr)) = zones_target {
        w.def(1, 7, &[(1, 1, UINT8), (2, 1, UINT8)]);
        w.msg(1, &[max, thr]);
    }
    if let Some((rest, gender)) = user_profile {
        w.def(2, 3, &[(8, 1, UINT8), (1, 1, ENUM)]);
        w.msg(2, &[rest, gender]);
    }
    w.def(3, 21, &[(253, 4, UINT32), (0, 1, ENUM), (1, 1, ENUM)]);
    w.def(4, 20, &[(253, 4, UINT32), (3, 1, UINT8)]);
    for &(a, b) in spans {
        let mut ev = (t0 + a).to_le_bytes().to_vec();
        ev.extend_from_slice(&[0, 0]); // timer start
        w.msg(3, &ev);
        for t in a..=b {
            let mut r = (t0 + t).to_le_bytes().to_vec();
            r.push(hr);
            w.msg(4, &r);
        }
        let mut ev = (t0 + b).to_le_bytes().to_vec();
        ev.extend_from_slice(&[0, 4]); // timer stop_all
        w.msg(3, &ev);
    }
    let end = spans.last().map_or(0, |s| s.1);
    let timer_ms: u32 = spans.iter().map(|(a, b)| (b - a) * 1000).sum();
    w.def(
        5,
        18,
        &[
            (253, 4, UINT32),
            (2, 4, UINT32),
            (5, 1, ENUM),
            (7, 4, UINT32),
            (8, 4, UINT32),
            (24, 1, UINT8),
            (35, 2, UINT16),
        ],
    );
    let mut s = (t0 + end).to_le_bytes().to_vec();
    s.extend_from_slice(&t0.to_le_bytes());
    s.push(1); // running
    s.extend_from_slice(&(end * 1000).to_le_bytes());
    s.extend_from_slice(&timer_ms.to_le_bytes());
    s.push(35); // total_training_effect 3.5
    s.extend_from_slice(&1234u16.to_le_bytes()); // training_stress_score 123.4
    w.msg(5, &s);
    std::fs::write(path, w.finish()).unwrap();
}

/// Banister TRIMP per minute at `hr` (male): x · 0.64 · e^(1.92 x).
fn per_minute_male(hr: f64, rest: f64, max: f64) -> f64 {
    let x = ((hr - rest) / (max - rest)).clamp(0.0, 1.0);
    x * 0.64 * (1.92 * x).exp()
}

/// Two runs: A, an hour at 170 bpm with the watch's zones_target (max 190, threshold
/// 170) and user_profile (resting 50, male); B, two days later, 30 + 10 min at 120 bpm
/// with a 10-minute pause and no thresholds in the file.
fn two_runs(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("a.fit");
    let b = dir.join("b.fit");
    write_run(
        &a,
        A_START_UNIX,
        &[(0, 3600)],
        170,
        Some((190, 170)),
        Some((50, 1)),
    );
    write_run(
        &b,
        B_START_UNIX,
        &[(0, 1800), (2400, 3000)],
        120,
        None,
        None,
    );
    (a, b)
}

fn json_rows(out: &[u8]) -> Vec<Value> {
    serde_json::from_slice::<Value>(out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn sessions_show_hand_computed_load_and_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    let out = hrzones()
        .args(["load", "--format", "json", "--quiet"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 session with heart rate has no hrTSS",
        ))
        .get_output()
        .stdout
        .clone();
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 2);
    let ra = &rows[0];
    // An hour at LTHR is 100 by definition.
    assert_eq!(f(ra, "hr_tss"), 100.0);
    let trimp_a = 60.0 * per_minute_male(170.0, 50.0, 190.0);
    assert!((f(ra, "banister_trimp") - trimp_a).abs() < 0.051, "{ra}");
    // 170 bpm with max 190 is Edwards zone 4 (152..171): 60 min × 4.
    assert_eq!(f(ra, "edwards_trimp"), 240.0);
    assert_eq!(f(ra, "device_tss"), 123.4);
    assert_eq!(f(ra, "device_training_effect"), 3.5);
    assert_eq!(ra["max_hr_source"], "file zones_target");
    assert_eq!(ra["lthr_source"], "file zones_target");
    assert_eq!(ra["resting_hr_source"], "file user_profile");
    assert_eq!(ra["sex_source"], "file user_profile");
    assert_eq!(ra["start"], "2024-01-01T23:30:00Z");
    assert_eq!(ra["date"], "2024-01-01");
    assert_eq!(ra["iso_week"], "2024-W01");
    // B carries no max HR: no score, and the note says which flag to set.
    let rb = &rows[1];
    assert!(rb["hr_tss"].is_null());
    assert!(rb["note"].as_str().unwrap().contains("--max-hr"), "{rb}");
    assert_eq!(
        f(rb, "hr_covered_s"),
        2400.0,
        "the pause counts for nothing"
    );
}

#[test]
fn flags_override_and_estimates_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let (_, b) = two_runs(dir.path());
    let out = hrzones()
        .args([
            "load", "--format", "json", "--quiet", "--max-hr", "190", "--sex", "female",
        ])
        .arg(&b)
        .assert()
        .success()
        .stderr(predicate::str::contains("estimated LTHR"))
        .stderr(predicate::str::contains("default resting HR 65 bpm"))
        .get_output()
        .stdout
        .clone();
    let r = &json_rows(&out)[0];
    assert_eq!(r["max_hr_source"], "flag --max-hr");
    assert_eq!(r["sex"], "female");
    assert_eq!(r["sex_source"], "flag --sex");
    assert!(r["resting_hr_source"]
        .as_str()
        .unwrap()
        .starts_with("estimate"));
    assert!(r["lthr_source"].as_str().unwrap().starts_with("estimate"));
    // Female: x · 0.86 · e^(1.67 x); 40 counted minutes at 120; LTHR 65 + 0.85 · 125.
    let fem = |hr: f64| {
        let x = ((hr - 65.0) / 125.0).clamp(0.0, 1.0);
        x * 0.86 * (1.67 * x).exp()
    };
    let trimp = 40.0 * fem(120.0);
    let tss = 100.0 * trimp / (60.0 * fem(65.0 + 0.85 * 125.0));
    assert!((f(r, "banister_trimp") - trimp).abs() < 0.051, "{r}");
    assert!((f(r, "hr_tss") - tss).abs() < 0.051, "{r} vs {tss}");
}

#[test]
fn daily_series_runs_the_pmc_over_rest_days() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    let out = hrzones()
        .args([
            "load",
            "--daily",
            "--format",
            "json",
            "--quiet",
            "--max-hr",
            "190",
            "--resting-hr",
            "50",
            "--lthr",
            "170",
            "--until",
            "2024-01-05",
        ])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json_rows(&out);
    let dates: Vec<&str> = rows.iter().map(|r| r["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2024-01-01",
            "2024-01-02",
            "2024-01-03",
            "2024-01-04",
            "2024-01-05"
        ]
    );
    let tss_b = 100.0 * 40.0 * per_minute_male(120.0, 50.0, 190.0)
        / (60.0 * per_minute_male(170.0, 50.0, 190.0));
    let loads = [100.0, 0.0, tss_b, 0.0, 0.0];
    let (kc, ka) = ((-1.0f64 / 42.0).exp(), (-1.0f64 / 7.0).exp());
    let (mut ctl, mut atl) = (0.0, 0.0);
    for (r, load) in rows.iter().zip(loads) {
        let tsb = ctl - atl; // yesterday's balance
        ctl = ctl * kc + load * (1.0 - kc);
        atl = atl * ka + load * (1.0 - ka);
        assert!((f(r, "load") - load).abs() < 0.051, "{r}");
        assert!((f(r, "ctl") - ctl).abs() < 0.051, "{r} ctl {ctl}");
        assert!((f(r, "atl") - atl).abs() < 0.051, "{r} atl {atl}");
        assert!((f(r, "tsb") - tsb).abs() < 0.051, "{r} tsb {tsb}");
    }
    assert_eq!(rows[1]["sessions"], 0);

    // At +01:00, A (23:30 UTC) belongs to 2 January.
    let out = hrzones()
        .args([
            "load",
            "--daily",
            "--format",
            "json",
            "-q",
            "--max-hr",
            "190",
            "--utc-offset",
            "+01:00",
        ])
        .arg(&a)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_rows(&out)[0]["date"], "2024-01-02");
}

#[test]
fn weekly_totals_per_sport() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    let out = hrzones()
        .args([
            "load", "--weekly", "--format", "json", "-q", "--max-hr", "190", "--zones", "hrmax",
        ])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let w = &rows[0];
    assert_eq!(w["week_start"], "2024-01-01");
    assert_eq!(w["sport"], "running");
    assert_eq!(w["sessions"], 2);
    assert_eq!(f(w, "timer_s"), 6000.0);
    // hrmax zones of 190: 95,114,133,152,171 → 170 bpm is Z4, 120 bpm is Z2.
    assert_eq!(f(w, "z4_s"), 3600.0);
    assert_eq!(f(w, "z2_s"), 2400.0);
}

#[test]
fn parquet_needs_output_and_reopens_equal() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    hrzones()
        .args(["load", "--format", "parquet", "-q"])
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--output FILE"));

    for mode in [None, Some("--daily"), Some("--weekly")] {
        let pq = dir.path().join("out.parquet");
        let mut cmd = hrzones();
        cmd.args([
            "load", "-q", "--max-hr", "190", "--format", "parquet", "--output",
        ])
        .arg(&pq)
        .arg(&a)
        .arg(&b);
        cmd.args(mode);
        cmd.assert().success();
        let file = std::fs::File::open(&pq).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();

        let mut cmd = hrzones();
        cmd.args(["load", "-q", "--max-hr", "190", "--format", "json"])
            .arg(&a)
            .arg(&b);
        cmd.args(mode);
        let rows = json_rows(&cmd.assert().success().get_output().stdout.clone());
        assert_eq!(df.height(), rows.len(), "{mode:?}");
        for name in df.get_column_names() {
            let col = df.column(name.as_str()).unwrap();
            for (i, r) in rows.iter().enumerate() {
                let v = col.get(i).unwrap();
                let j = &r[name.as_str()];
                match v {
                    AnyValue::Float64(x) => {
                        assert!((x - j.as_f64().unwrap()).abs() <= 0.051, "{name} row {i}")
                    }
                    AnyValue::Null => assert!(j.is_null(), "{name} row {i}"),
                    AnyValue::String(s) => assert_eq!(j.as_str(), Some(s), "{name} row {i}"),
                    _ => assert!(!j.is_null(), "{name} row {i}: {v:?} vs {j}"),
                }
            }
        }
        if mode.is_none() {
            let start = df.column("start").unwrap();
            assert_eq!(
                start.dtype(),
                &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            );
            assert_eq!(df.column("date").unwrap().dtype(), &DataType::Date);
        }
    }
}

#[test]
fn bad_options_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_runs(dir.path());
    hrzones()
        .args(["load", "--utc-offset", "+25:00"])
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad UTC offset"));
    hrzones()
        .args(["load", "--ctl-days", "0"])
        .arg(&a)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("time constants"));
    hrzones()
        .args(["load", "--daily", "--weekly"])
        .arg(&a)
        .assert()
        .code(2);
}

#[test]
fn corpus_run_with_the_watchs_own_thresholds() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
    let file = corpus.join("jalbiero+vo2max-tracker/tests__activities__running_fr945.fit");
    if !file.exists() {
        eprintln!("skipping: {} is absent", file.display());
        return;
    }
    let out = hrzones()
        .args(["load", "--format", "json", "-q"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    // MANIFEST.csv: max 196, threshold 172, resting 45 in the file's time_in_zone.
    assert_eq!(f(r, "max_hr"), 196.0);
    assert_eq!(f(r, "lthr"), 172.0);
    assert_eq!(f(r, "resting_hr"), 45.0);
    assert_eq!(r["lthr_source"], "file time_in_zone");
    // hrTSS is TRIMP normalised by an hour at LTHR (checked from the printed TRIMP).
    let hour = 60.0 * per_minute_male(172.0, 45.0, 196.0);
    let tss = 100.0 * f(r, "banister_trimp") / hour;
    assert!((f(r, "hr_tss") - tss).abs() < 0.2, "{r}");
    // A 44-minute run averaging 142 bpm (MANIFEST) is well below an hour at threshold.
    assert!(f(r, "hr_tss") > 20.0 && f(r, "hr_tss") < 60.0, "{r}");
    assert_eq!(f(r, "timer_s"), 2653.4);
}
