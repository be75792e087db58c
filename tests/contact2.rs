//! Issue 12, items 11, 13, 14, 15, 17 and 18 through the binary: local dates from the
//! file's UTC offset or `--tz`, `--since`/`--until` on every command, stored warnings,
//! `dump`, grammar, completions and the man page.
//!
//! The runs are written here with known start instants and offsets, so every expected
//! date is known by construction: a run at 19:00 in UTC−7 is 02:00 UTC the next day.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;
use common::{csv_of as csv_rows, hrzones, SyntheticRun};

/// Unix seconds of a UTC date and time.
fn unix(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

/// A 30-minute run at 1 Hz starting at `start_unix` (UTC), HR 140 (the session's
/// average and maximum too); the `activity` message carries `local_timestamp` when
/// `offset_s` is set.
fn write_run(path: &Path, start_unix: i64, offset_s: Option<i32>) {
    let mut run = SyntheticRun::new(start_unix, vec![140; 1801]);
    run.session_hr = Some((140, 140));
    run.utc_offset_s = offset_s;
    run.write(path);
}

struct Runs {
    _dir: tempfile::TempDir,
    folder: PathBuf,
}

/// Three runs: an evening run at UTC−7 (2024-05-01 19:00 local, 02:00 UTC May 2) with
/// its offset in the file; the same instant in a file without one; and a run a week
/// later at 07:00 UTC+2 (2024-05-08 05:00 UTC).
fn runs() -> Runs {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("runs");
    std::fs::create_dir(&folder).unwrap();
    write_run(
        &folder.join("evening_denver.fit"),
        unix(2024, 5, 2, 2, 0),
        Some(-7 * 3600),
    );
    // One second later: not the same bytes as the first (duplicates are counted once).
    write_run(
        &folder.join("no_offset.fit"),
        unix(2024, 5, 2, 2, 0) + 1,
        None,
    );
    write_run(
        &folder.join("morning_paris.fit"),
        unix(2024, 5, 8, 5, 0),
        Some(2 * 3600),
    );
    Runs { _dir: dir, folder }
}

fn by_file<'a>(rows: &'a [BTreeMap<String, String>], name: &str) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["file"].ends_with(name))
        .unwrap_or_else(|| panic!("no row for {name}"))
}

// Item 14: the session's local date and time come from the file.
#[test]
fn a_19h_run_at_utc_minus_7_stays_on_its_day() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    let zones = csv_rows(&["zones", p, "--max-hr", "190"]);
    let denver = by_file(&zones, "evening_denver.fit");
    assert_eq!(denver["start"], "2024-05-01T19:00:00-07:00");
    assert!(!denver["note"].contains("UTC offset"), "{}", denver["note"]);
    let paris = by_file(&zones, "morning_paris.fit");
    assert_eq!(paris["start"], "2024-05-08T07:00:00+02:00");
    // No offset in the file and no flag: UTC, and the row says so.
    let bare = by_file(&zones, "no_offset.fit");
    assert_eq!(bare["start"], "2024-05-02T02:00:01Z");
    assert!(
        bare["note"].contains("no UTC offset in the file"),
        "{}",
        bare["note"]
    );

    // The load history buckets by the local day.
    let load = csv_rows(&["load", p, "--max-hr", "190"]);
    assert_eq!(by_file(&load, "evening_denver.fit")["date"], "2024-05-01");
    assert_eq!(by_file(&load, "no_offset.fit")["date"], "2024-05-02");
    assert_eq!(
        by_file(&load, "evening_denver.fit")["start_local"],
        "2024-05-01T19:00:00-07:00"
    );
    let daily = csv_rows(&["load", p, "--max-hr", "190", "--daily"]);
    let day = |d: &str| daily.iter().find(|r| r["date"] == d).unwrap()["sessions"].clone();
    assert_eq!(day("2024-05-01"), "1");
    assert_eq!(day("2024-05-02"), "1");
}

#[test]
fn tz_overrides_the_file_and_follows_daylight_saving() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    // A fixed offset for every file: the bare file's 02:00 UTC is 19:00 on May 1.
    let zones = csv_rows(&["zones", p, "--max-hr", "190", "--tz", "-07:00"]);
    assert_eq!(
        by_file(&zones, "no_offset.fit")["start"],
        "2024-05-01T19:00:01-07:00"
    );
    assert!(!by_file(&zones, "no_offset.fit")["note"].contains("UTC offset"));
    // The flag overrides the file's own offset.
    assert_eq!(
        by_file(&zones, "morning_paris.fit")["start"],
        "2024-05-07T22:00:00-07:00"
    );

    // Daylight saving: Paris moved to +02:00 at 01:00 UTC on 2024-03-31. A run at
    // 22:30 UTC that evening is 00:30 on April 1 in Paris, 23:30 on March 31 at +01:00.
    let dir = tempfile::tempdir().unwrap();
    write_run(
        &dir.path().join("late.fit"),
        unix(2024, 3, 31, 22, 30),
        None,
    );
    let f = dir.path().join("late.fit");
    let f = f.to_str().unwrap();
    let named = csv_rows(&["load", f, "--max-hr", "190", "--tz", "Europe/Paris"]);
    assert_eq!(named[0]["date"], "2024-04-01");
    assert_eq!(named[0]["iso_week"], "2024-W14");
    let fixed = csv_rows(&["load", f, "--max-hr", "190", "--utc-offset", "+01:00"]);
    assert_eq!(fixed[0]["date"], "2024-03-31");
    assert_eq!(fixed[0]["iso_week"], "2024-W13");
}

#[test]
fn a_bad_zone_or_window_is_a_usage_error_naming_the_flag() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    let out = hrzones()
        .args(["zones", p, "--tz", "Mars/Olympus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad UTC offset or time zone \"Mars/Olympus\" (--tz)"));
    let out = hrzones()
        .args(["load", p, "--since", "2024-06-01", "--until", "2024-05-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since 2024-06-01 is after --until"));
    let out = hrzones()
        .args(["audit", p, "--since", "last tuesday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("7d, 12w, 6m, 2y"));
}

// Item 15: --since/--until on every command, in local dates.
#[test]
fn since_and_until_select_local_dates_in_every_command() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    // May 1 (local, Denver) only: the bare file is May 2 in UTC.
    let zones = csv_rows(&["zones", p, "--max-hr", "190", "--until", "2024-05-01"]);
    assert_eq!(zones.len(), 1);
    assert!(zones[0]["file"].ends_with("evening_denver.fit"));
    let zones = csv_rows(&["zones", p, "--max-hr", "190", "--since", "2024-05-02"]);
    assert_eq!(zones.len(), 2);
    // --until earlier than the last session: the daily series ends there.
    let daily = csv_rows(&[
        "load",
        p,
        "--max-hr",
        "190",
        "--daily",
        "--until",
        "2024-05-03",
    ]);
    assert_eq!(daily.last().unwrap()["date"], "2024-05-03");
    assert_eq!(daily.len(), 3);
    // --since: shown from there, CTL still built from the earlier days.
    let all = csv_rows(&["load", p, "--max-hr", "190", "--daily"]);
    let from = csv_rows(&[
        "load",
        p,
        "--max-hr",
        "190",
        "--daily",
        "--since",
        "2024-05-05",
    ]);
    assert_eq!(from[0]["date"], "2024-05-05");
    let ctl_all = &all.iter().find(|r| r["date"] == "2024-05-05").unwrap()["ctl"];
    assert_eq!(&from[0]["ctl"], ctl_all);
    assert_ne!(from[0]["ctl"], "0.0");
    // Relative bounds: far enough back to hold everything, or nothing.
    assert_eq!(
        csv_rows(&["zones", p, "--max-hr", "190", "--since", "100y"]).len(),
        3
    );
    let weekly = csv_rows(&[
        "summary",
        p,
        "--max-hr",
        "190",
        "--weekly",
        "--since",
        "2024-05-06",
    ]);
    assert_eq!(weekly.len(), 1, "{weekly:?}");
    assert_eq!(weekly[0]["period"], "2024-W19");
    let out = hrzones()
        .args(["thresholds", p, "--until", "2024-05-01", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let audit = hrzones()
        .args([
            "audit",
            p,
            "--max-hr",
            "190",
            "--candidates",
            "--format",
            "csv",
            "--since",
            "2024-05-08",
        ])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let text = String::from_utf8_lossy(&audit.stdout);
    assert!(!text.contains("evening_denver"), "{text}");
}

// Item 14 through the store: the file's offset is stored, so --store reads give the
// same local dates as the files.
#[test]
fn the_store_keeps_the_files_offset() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    let store = r.folder.parent().unwrap().join("store");
    let s = store.to_str().unwrap();
    hrzones()
        .args(["ingest", p, "--store", s, "-q"])
        .assert()
        .success();
    let zones = csv_rows(&["zones", "--store", s, "--max-hr", "190"]);
    assert_eq!(
        by_file(&zones, "evening_denver.fit")["start"],
        "2024-05-01T19:00:00-07:00"
    );
    let zones = csv_rows(&["zones", "--store", s, "--max-hr", "190", "--tz", "UTC"]);
    assert_eq!(
        by_file(&zones, "evening_denver.fit")["start"],
        "2024-05-02T02:00:00Z"
    );
}

/// A copy of `src` cut to `keep` of its bytes (a truncated upload).
fn truncated_copy(src: &Path, dst: &Path, keep: f64) {
    let b = std::fs::read(src).unwrap();
    std::fs::write(dst, &b[..(b.len() as f64 * keep) as usize]).unwrap();
}

// Item 11: what ingest recorded is said once on a store read, not per file, does not
// make the exit code 1, and -q silences it.
#[test]
fn stored_warnings_are_summarised_once_and_do_not_fail_a_read() {
    let r = runs();
    truncated_copy(
        &r.folder.join("morning_paris.fit"),
        &r.folder.join("cut.fit"),
        0.5,
    );
    std::fs::write(
        r.folder.join("garbage.fit"),
        b"not a FIT file at all, sorry",
    )
    .unwrap();
    let p = r.folder.to_str().unwrap();
    let store = r.folder.parent().unwrap().join("store");
    let s = store.to_str().unwrap();
    // Ingest names each problem and exits 1 for the unreadable file.
    let ingest = hrzones()
        .args(["ingest", p, "--store", s, "-q"])
        .output()
        .unwrap();
    assert_eq!(ingest.status.code(), Some(1));
    let err = String::from_utf8_lossy(&ingest.stderr);
    assert!(
        err.contains("garbage.fit") && err.contains("cut.fit"),
        "{err}"
    );

    let read = hrzones()
        .args(["zones", "--store", s, "--max-hr", "190", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        read.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let err = String::from_utf8_lossy(&read.stderr);
    assert!(
        !err.contains("garbage.fit") && !err.contains("cut.fit"),
        "{err}"
    );
    assert_eq!(err.matches("the store records").count(), 1, "{err}");
    assert!(
        err.contains("1 file salvaged") && err.contains("1 file that could not be read"),
        "{err}"
    );
    assert!(err.contains("1 failed at ingest"), "{err}");
    // The salvaged file's row still says so.
    let text = String::from_utf8_lossy(&read.stdout);
    let cut = text.lines().find(|l| l.contains("cut.fit")).unwrap();
    assert!(cut.contains("salvaged"), "{cut}");

    let quiet = hrzones()
        .args([
            "zones", "--store", s, "--max-hr", "190", "--format", "csv", "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
    // -q on files: the salvage warning goes, the failure stays (exit 1).
    let files = hrzones()
        .args(["zones", p, "--max-hr", "190", "--format", "csv", "-q"])
        .output()
        .unwrap();
    assert_eq!(files.status.code(), Some(1));
    let err = String::from_utf8_lossy(&files.stderr);
    assert!(
        err.contains("garbage.fit") && !err.contains("warning"),
        "{err}"
    );
}

// Item 13: dump every file of a folder or zip, salvage a truncated file, stop quietly
// on a closed pipe.
#[test]
fn dump_prints_every_file_salvages_truncation_and_survives_head() {
    let r = runs();
    truncated_copy(
        &r.folder.join("morning_paris.fit"),
        &r.folder.join("cut.fit"),
        0.5,
    );
    let p = r.folder.to_str().unwrap();
    let out = hrzones().args(["dump", p]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.fit: salvaged"));

    // The truncated file alone: its records up to the cut, about half of the original's.
    let count_records = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "record")
            .count()
    };
    let one = |name: &str| -> serde_json::Value {
        let o = hrzones()
            .args(["dump", r.folder.join(name).to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{name}");
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let (whole, cut) = (
        count_records(&one("morning_paris.fit")),
        count_records(&one("cut.fit")),
    );
    assert_eq!(whole, 1801);
    assert!(cut > whole / 3 && cut < whole * 2 / 3, "{cut} of {whole}");

    // `dump … | head`: the reader goes away after a few bytes.
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hrzones"))
        .args(["dump", p])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut buf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
}

// Item 17: counts agree with their nouns.
#[test]
fn one_of_a_kind_is_singular() {
    let r = runs();
    std::fs::copy(
        r.folder.join("morning_paris.fit"),
        r.folder.join("copy.fit"),
    )
    .unwrap();
    let p = r.folder.to_str().unwrap();
    let out = hrzones()
        .args(["zones", p, "--format", "csv", "--max-hr", "190"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(", 1 duplicate") && !err.contains("1 duplicates"),
        "{err}"
    );
    let one = r.folder.join("evening_denver.fit");
    let out = hrzones()
        .args(["chart", one.to_str().unwrap(), "--out"])
        .arg(r.folder.parent().unwrap().join("charts"))
        .args(["--max-hr", "190", "--until", "2000-01-01"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("1 sessions") && !err.contains("1 charts"),
        "{err}"
    );
}

/// A window with no session: stderr says so (with the window), a bad bound fails before
/// any file is read (no archive-estimates note first).
#[test]
fn an_empty_window_is_said_and_a_bad_bound_fails_first() {
    let r = runs();
    let p = r.folder.to_str().unwrap();
    for (args, what) in [
        (vec!["zones", p, "--max-hr", "190"], "no sessions"),
        (vec!["load", p, "--max-hr", "190"], "no sessions"),
        (
            vec!["load", p, "--max-hr", "190", "--weekly"],
            "no days with sessions",
        ),
    ] {
        let out = hrzones()
            .args(&args)
            .args(["--since", "2030-01-01", "--format", "table"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("{what} in the date window (from 2030-01-01)")),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: no lone header");
    }
    let out = hrzones()
        .args(["zones", p, "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("archive"), "{stderr}");
    assert!(stderr.contains("--since \"yesterday\""), "{stderr}");
}
