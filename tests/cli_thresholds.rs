//! `hrzones thresholds` through the binary, on a synthetic archive whose athlete has
//! known thresholds: the FIT files are written here with the project's writer
//! (`hrzones::fit::encode`), each heart-rate trace built from linear ramps, so the true
//! max HR and LTHR are known by construction:
//!
//! - running 2024: max HR 190 (reached, with a 1-bpm flutter, in intervals), LTHR 170
//!   (a Friel field test: 30 minutes whose last 20 average exactly 170); easy runs with
//!   strap spikes (215, 250) and a 30-second cadence lock at 205 that must not count;
//! - running 2025: max HR 188, LTHR 172 (a "Half Marathon" race whose hour averages
//!   172; no field test), the watch's settings in the files (max 185, resting 55);
//! - running 2026: easy runs only, so "not enough data";
//! - cycling 2024: max HR 180 (sprints), LTHR 160 from 20 minutes at 168.5 (by the
//!   20-minute rule, 0.95 × 168.5 = 160.1).
//!
//! Then the estimates are written as a profile and `zones --profile` must use the
//! per-sport, dated values.

use std::path::Path;

use assert_cmd::Command;
use hrzones::fit::encode::{
    file_type, FileIdMsg, FitWriter, LapMsg, RecordMsg, SessionMsg, UserProfileMsg, ZonesTargetMsg,
};
use serde_json::Value;

const RUNNING: u8 = 1;
const CYCLING: u8 = 2;

fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

/// FIT seconds of a UTC date at 07:00.
fn fit_time(y: i32, m: u32, d: u32) -> u32 {
    let unix = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(7, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    (unix - hrzones::fit::profile::FIT_EPOCH_UNIX_S) as u32
}

/// A linear ramp of `secs` seconds from `from` to `to` bpm; `flutter` alternates the
/// value with one bpm less (a plateau as a strap shows it).
#[derive(Clone, Copy)]
struct Ramp {
    secs: u32,
    from: f64,
    to: f64,
    flutter: bool,
}

fn ramp(secs: u32, from: u8, to: u8) -> Ramp {
    Ramp {
        secs,
        from: from as f64,
        to: to as f64,
        flutter: false,
    }
}

fn flat(secs: u32, hr: u8) -> Ramp {
    ramp(secs, hr, hr)
}

/// `secs` at `hr`, alternating with `hr - 1`.
fn plateau(secs: u32, hr: u8) -> Ramp {
    Ramp {
        flutter: true,
        ..flat(secs, hr)
    }
}

/// One HR value per second (the value of second k is the record at k+1).
fn trace(ramps: &[Ramp]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in ramps {
        for k in 0..r.secs {
            // Midpoint sampling: the mean of a ramp is exactly (from + to) / 2.
            let x = (k as f64 + 0.5) / r.secs as f64;
            let v = (r.from + (r.to - r.from) * x).round() as u8;
            out.push(if r.flutter && k % 2 == 1 { v - 1 } else { v });
        }
    }
    out
}

/// The watch's settings written in a file.
#[derive(Clone, Copy, Default)]
struct Watch {
    max_hr: Option<u8>,
    resting_hr: Option<u8>,
}

/// Writes one session at 1 Hz: `hr` per second, with `overrides` (second, bpm) for
/// spikes; the timer runs throughout.
#[allow(clippy::too_many_arguments)]
fn write_session(
    dir: &Path,
    name: &str,
    date: (i32, u32, u32),
    sport: u8,
    workout: Option<&str>,
    hr: &[u8],
    overrides: &[(usize, u8)],
    watch: Watch,
) {
    let t0 = fit_time(date.0, date.1, date.2);
    let n = hr.len() as u32;
    let mut w = FitWriter::new();
    w.file_id(&FileIdMsg {
        file_type: file_type::ACTIVITY,
        manufacturer: 1,
        product: 3992,
        serial_number: Some(1234),
        time_created: Some(t0),
    })
    .unwrap();
    if watch.max_hr.is_some() || watch.resting_hr.is_some() {
        w.user_profile(&UserProfileMsg {
            gender: Some(1),
            resting_hr: watch.resting_hr,
            max_running_hr: watch.max_hr,
            default_max_hr: watch.max_hr,
        })
        .unwrap();
        w.zones_target(&ZonesTargetMsg {
            max_hr: watch.max_hr,
            threshold_hr: None,
            hr_calc_type: None,
        })
        .unwrap();
    }
    if let Some(wk) = workout {
        w.workout(wk, Some(sport)).unwrap();
    }
    w.timer_start(t0).unwrap();
    let mut hr = hr.to_vec();
    for &(k, v) in overrides {
        hr[k] = v;
    }
    for k in 0..=n {
        let bpm = if k == 0 { hr[0] } else { hr[k as usize - 1] };
        w.record(&RecordMsg {
            t_s: t0 + k,
            hr_bpm: Some(bpm),
            distance_m: Some(k as f64 * 3.0),
            speed_mps: Some(3.0),
            ..Default::default()
        })
        .unwrap();
    }
    w.timer_stop_all(t0 + n).unwrap();
    w.lap(&LapMsg {
        message_index: 0,
        t_s: t0 + n,
        start_s: t0,
        elapsed_s: n as f64,
        timer_s: n as f64,
        distance_m: Some(n as f64 * 3.0),
        avg_hr: None,
        max_hr: None,
    })
    .unwrap();
    w.session(&SessionMsg {
        message_index: 0,
        t_s: t0 + n,
        start_s: t0,
        sport,
        sub_sport: 0,
        elapsed_s: n as f64,
        timer_s: n as f64,
        distance_m: Some(n as f64 * 3.0),
        ..Default::default()
    })
    .unwrap();
    w.activity(t0 + n, n as f64, 1).unwrap();
    std::fs::write(dir.join(name), w.finish()).unwrap();
}

fn easy(min: u32, hr: u8) -> Vec<u8> {
    trace(&[ramp(300, hr - 30, hr), flat(min * 60 - 300, hr)])
}

/// Intervals reaching `max`: 10 min warm-up, 4 × (3 min climbing to max − 4, 40 s at
/// max, 2 min easing off), 10 min cool-down.
fn intervals(max: u8) -> Vec<u8> {
    let mut r = vec![ramp(600, 110, 140)];
    for _ in 0..4 {
        r.extend([
            ramp(180, max - 24, max - 4),
            plateau(40, max),
            ramp(120, max - 20, max - 40),
        ]);
    }
    r.push(ramp(600, 140, 115));
    trace(&r)
}

/// Every file of the archive, written into `dir`.
fn write_archive(dir: &Path) {
    let none = Watch::default();
    // Running 2024: easy runs (one with spikes, one with a cadence lock), intervals,
    // a field test.
    for (i, m) in [1u32, 2, 4, 6, 8].iter().enumerate() {
        let overrides: &[(usize, u8)] = match i {
            0 => &[(600, 215), (601, 215), (900, 250), (1500, 60)],
            _ => &[],
        };
        let mut hr = easy(45, 140);
        if i == 1 {
            for v in &mut hr[1200..1230] {
                *v = 205; // cadence lock: held, but not backed by the minutes around it
            }
        }
        let name = format!("run_easy_2024_{i}.fit");
        write_session(
            dir,
            &name,
            (2024, *m, 3),
            RUNNING,
            None,
            &hr,
            overrides,
            none,
        );
    }
    write_session(
        dir,
        "run_intervals_2024.fit",
        (2024, 3, 12),
        RUNNING,
        Some("4x3min"),
        &intervals(190),
        &[],
        none,
    );
    let field_test = trace(&[
        ramp(900, 115, 140),
        ramp(120, 140, 164),
        ramp(480, 164, 168),
        ramp(1200, 168, 172), // the last 20 minutes average 170
        ramp(600, 130, 110),
    ]);
    write_session(
        dir,
        "run_2024_05_10.fit",
        (2024, 5, 10),
        RUNNING,
        None,
        &field_test,
        &[],
        none,
    );

    // Running 2025: the watch's settings in every file; easy runs, intervals, a race.
    let watch = Watch {
        max_hr: Some(185),
        resting_hr: Some(55),
    };
    for (i, m) in [1u32, 3, 5, 7].iter().enumerate() {
        let name = format!("run_easy_2025_{i}.fit");
        let hr = easy(40, 142);
        write_session(dir, &name, (2025, *m, 5), RUNNING, None, &hr, &[], watch);
    }
    write_session(
        dir,
        "run_intervals_2025.fit",
        (2025, 4, 8),
        RUNNING,
        None,
        &intervals(188),
        &[],
        watch,
    );
    // 80 minutes: 4 min climbing, then 76 min whose best hour averages 172.
    let race = trace(&[ramp(240, 140, 168), ramp(4560, 170, 174)]);
    write_session(
        dir,
        "run_2025_09_14.fit",
        (2025, 9, 14),
        RUNNING,
        Some("Half Marathon"),
        &race,
        &[],
        watch,
    );

    // Running 2026: easy runs only.
    for (i, m) in [1u32, 2].iter().enumerate() {
        let name = format!("run_easy_2026_{i}.fit");
        let hr = easy(40, 141);
        write_session(dir, &name, (2026, *m, 7), RUNNING, None, &hr, &[], watch);
    }

    // Cycling 2024: easy rides, sprints to 180, a 20-minute effort at 168.5.
    for (i, m) in [2u32, 5].iter().enumerate() {
        let name = format!("ride_easy_2024_{i}.fit");
        let hr = easy(60, 125);
        write_session(dir, &name, (2024, *m, 20), CYCLING, None, &hr, &[], none);
    }
    let mut sprints = vec![ramp(900, 100, 140)];
    for _ in 0..3 {
        sprints.extend([ramp(240, 150, 176), plateau(30, 180), ramp(180, 150, 125)]);
    }
    write_session(
        dir,
        "ride_sprints_2024.fit",
        (2024, 6, 2),
        CYCLING,
        None,
        &trace(&sprints),
        &[],
        none,
    );
    let twenty = trace(&[
        ramp(900, 100, 140),
        ramp(1200, 167, 170), // mean 168.5
        ramp(600, 140, 110),
    ]);
    write_session(
        dir,
        "ride_20min_2024.fit",
        (2024, 7, 9),
        CYCLING,
        None,
        &twenty,
        &[],
        none,
    );
}

fn thresholds_json(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = hrzones()
        .arg("thresholds")
        .arg(dir)
        .args(["--format", "json", "-q"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], sport: &str, period: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["sport"] == sport && r["period"] == period)
        .unwrap_or_else(|| panic!("no row {sport} {period} in {rows:#?}"))
}

fn bpm(r: &Value, key: &str) -> i64 {
    r[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} missing in {r:#}"))
}

fn within(r: &Value, key: &str, truth: i64) {
    let v = bpm(r, key);
    assert!((v - truth).abs() <= 2, "{key} {v}, truth {truth}, in {r:#}");
}

#[test]
fn estimates_match_the_athlete_built_into_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    write_archive(tmp.path());
    let rows = thresholds_json(tmp.path(), &[]);

    let r = row(&rows, "running", "2024");
    within(r, "max_hr", 190);
    within(r, "lthr", 170);
    assert!(r["lthr_method"].as_str().unwrap().starts_with("field test"));
    assert!(r["lthr_evidence"]
        .as_str()
        .unwrap()
        .contains("run_2024_05_10.fit#0 2024-05-10 170 bpm/1200 s"));
    assert!(r["max_hr_evidence"]
        .as_str()
        .unwrap()
        .contains("run_intervals_2024.fit"));
    assert_eq!(r["resting_hr"], Value::Null);
    assert_eq!(r["resting_hr_method"], "unknown");
    assert_eq!(r["watch_max_hr"], Value::Null);
    assert_eq!(r["sessions"], 7);
    assert_eq!(r["hr_sessions"], 7);

    let r = row(&rows, "running", "2025");
    within(r, "max_hr", 188);
    within(r, "lthr", 172);
    assert_eq!(r["lthr_method"], "race, best 60-min mean");
    assert_eq!(r["lthr_field_test"], Value::Null, "no field test in 2025");
    assert_eq!(bpm(r, "resting_hr"), 55);
    assert_eq!(r["watch_max_hr"], "185");
    assert_eq!(r["watch_resting_hr"], "55");

    let r = row(&rows, "running", "2026");
    assert_eq!(r["max_hr"], Value::Null);
    assert_eq!(r["max_hr_method"], "not enough data");
    assert_eq!(r["lthr"], Value::Null);
    assert_eq!(r["lthr_method"], "not enough data");
    assert_eq!(bpm(r, "resting_hr"), 55);

    let r = row(&rows, "cycling", "2024");
    within(r, "max_hr", 180);
    within(r, "lthr", 160);
    assert!(r["lthr_method"].as_str().unwrap().contains("best 20-min"));

    // One period for everything: the highest max HR and the best field test.
    let all = thresholds_json(tmp.path(), &["--period", "all"]);
    let r = row(&all, "running", "all");
    within(r, "max_hr", 190);
    within(r, "lthr", 170);
}

#[test]
fn a_written_profile_gives_zones_per_sport_and_date() {
    let tmp = tempfile::tempdir().unwrap();
    write_archive(tmp.path());
    let profile = tmp.path().join("p.toml");
    let rows = thresholds_json(tmp.path(), &["--write-profile", profile.to_str().unwrap()]);
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(text.contains("[sport.running]"), "{text}");
    assert!(
        text.contains("[[sport.running.change]]\nfrom = 2025-01-01"),
        "{text}"
    );
    assert!(text.contains("[sport.cycling]"), "{text}");

    let lthr = |sport: &str, period: &str| bpm(row(&rows, sport, period), "lthr");
    let out = hrzones()
        .args(["zones", "-q", "--format", "json", "--profile"])
        .arg(&profile)
        .arg(tmp.path().join("run_easy_2024_0.fit"))
        .arg(tmp.path().join("run_easy_2025_0.fit"))
        .arg(tmp.path().join("run_easy_2026_0.fit"))
        .arg(tmp.path().join("ride_easy_2024_0.fit"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let zones: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let source = |file: &str| {
        zones
            .iter()
            .find(|z| z["file"].as_str().unwrap().ends_with(file))
            .unwrap()["zone_source"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let run24 = lthr("running", "2024");
    let run25 = lthr("running", "2025");
    let ride24 = lthr("cycling", "2024");
    assert_ne!(run24, run25, "the test needs values that differ by year");
    assert!(source("run_easy_2024_0.fit").ends_with(&format!("Friel % of LTHR {run24}")));
    assert!(source("run_easy_2025_0.fit").ends_with(&format!("Friel % of LTHR {run25}")));
    // 2026 has no estimate: the 2025 change stays in force.
    assert!(source("run_easy_2026_0.fit").ends_with(&format!("Friel % of LTHR {run25}")));
    assert!(source("ride_easy_2024_0.fit").ends_with(&format!("Friel % of LTHR {ride24}")));
}

#[test]
fn bad_period_is_a_usage_error() {
    hrzones()
        .args(["thresholds", "x.fit", "--period", "5m"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad period"));
}

#[test]
fn an_archive_without_thresholds_uses_its_own_estimates() {
    let tmp = tempfile::tempdir().unwrap();
    write_archive(tmp.path());
    let rows = thresholds_json(tmp.path(), &[]);
    let out = hrzones()
        .args(["zones", "-q", "--format", "json"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("archive's own estimates"), "{stderr}");
    let zones: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let source = |file: &str| {
        zones
            .iter()
            .find(|z| z["file"].as_str().unwrap().ends_with(file))
            .unwrap()["zone_source"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // 2024 files carry nothing: the 2024 running estimate, said in zone_source.
    let lthr24 = bpm(row(&rows, "running", "2024"), "lthr");
    assert_eq!(
        source("run_easy_2024_0.fit"),
        format!("archive estimate (running): Friel % of LTHR {lthr24}")
    );
    let ride = bpm(row(&rows, "cycling", "2024"), "lthr");
    assert_eq!(
        source("ride_easy_2024_0.fit"),
        format!("archive estimate (cycling): Friel % of LTHR {ride}")
    );
    // 2025 files carry the watch's max HR: the file's own numbers win.
    assert_eq!(
        source("run_easy_2025_0.fit"),
        "file zones_target: % of max HR 185"
    );

    // A single file with nothing known refuses as before.
    let out = hrzones()
        .args(["zones", "--format", "json"])
        .arg(tmp.path().join("run_easy_2024_0.fit"))
        .output()
        .unwrap();
    let one: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(one[0]["zone_model"], "none");
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no zones"));
}

#[test]
fn the_text_table_keeps_every_column() {
    let tmp = tempfile::tempdir().unwrap();
    write_archive(tmp.path());
    let out = hrzones()
        .args(["thresholds", "-q", "--format", "table"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    let names: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        names,
        [
            "sport", "period", "n", "hr", "max_hr", "eff", "watch", "lthr", "method", "eff",
            "watch", "rest"
        ]
    );
    // The 2024 running row: 7 sessions, all with HR, the field test, no resting HR.
    let row = text
        .lines()
        .find(|l| l.starts_with("running  2024"))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[2..4], ["7", "7"], "{row}");
    assert!(cells.contains(&"test"), "{row}");
    assert_eq!(cells.last(), Some(&"unknown"), "{row}");
    assert!(
        text.contains("run_2024_05_10.fit#0 2024-05-10 170 bpm/1200 s"),
        "{text}"
    );
}
