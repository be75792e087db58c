//! `hrzones zones` through the binary: output formats, bad files, exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

fn corpus_file(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fit-corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/fit-corpus is absent");
        None
    }
}

const RUN: &str = "jalbiero+vo2max-tracker/tests__activities__running_fr945.fit";

#[test]
fn csv_row_per_session_with_watch_numbers() {
    let Some(f) = corpus_file(RUN) else { return };
    let out = hrzones()
        .args(["zones", "--format", "csv"])
        .arg(&f)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "file",
        "session",
        "sport",
        "sub_sport",
        "start",
        "timer_s",
        "elapsed_s",
        "avg_hr",
        "max_hr",
        "zone_model",
        "z0_s",
        "z1_s",
        "z5_s",
        "device_z0_s",
    ] {
        assert!(header.contains(&col), "missing column {col} in {header:?}");
    }
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let get = |c: &str| row[header.iter().position(|h| *h == c).unwrap()];
    assert_eq!(get("sport"), "running");
    assert_eq!(get("zone_model"), "file");
    assert!(
        chrono::DateTime::parse_from_rfc3339(get("start")).is_ok(),
        "RFC 3339 UTC: {}",
        get("start")
    );
    // Our seconds per zone are within a few seconds of the watch's.
    for z in 0..=5 {
        let ours: f64 = get(&format!("z{z}_s")).parse().unwrap();
        let watch: f64 = get(&format!("device_z{z}_s")).parse().unwrap();
        assert!(
            (ours - watch).abs() <= 3.0,
            "z{z}: ours {ours} watch {watch}"
        );
    }
    assert!(lines.next().is_none(), "one session, one row");
}

#[test]
fn json_is_an_array_of_objects() {
    let Some(f) = corpus_file(RUN) else { return };
    let out = hrzones()
        .args(["zones", "-f", "json"])
        .arg(&f)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["sport"], "running");
    assert!(v[0]["z3_s"].as_f64().unwrap() > 200.0);
}

#[test]
fn flags_override_the_watch_zones() {
    let Some(f) = corpus_file(RUN) else { return };
    hrzones()
        .args(["zones", "-f", "csv", "--bounds", "100,120,140,160,180"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains(",custom,100 120 140 160 180,"));
    hrzones()
        .args(["zones", "-f", "csv", "--zones", "lthr", "--lthr", "170"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains("z7_s"));
}

#[test]
fn a_missing_file_is_named_and_exit_code_is_1() {
    hrzones()
        .args(["zones", "-f", "csv", "no/such/run.fit"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not read no/such/run.fit"));
}

#[test]
fn a_bad_file_does_not_stop_the_batch() {
    let Some(good) = corpus_file(RUN) else { return };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.fit");
    std::fs::write(&bad, b"This is a note, not a FIT file").unwrap();
    let trunc = dir.path().join("truncated.fit");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    let out = hrzones()
        .args(["zones", "-f", "csv"])
        .arg(&good)
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "notes.fit: could not decode as FIT: not a FIT file",
        ))
        .stderr(
            predicate::str::contains("warning:")
                .and(predicate::str::contains("truncated.fit: truncated")),
        )
        .stderr(predicate::str::contains(
            "files: 1 ok, 1 salvaged, 1 failed",
        ));
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        3,
        "header + good file + salvaged half:\n{text}"
    );
}

#[test]
fn a_bad_crc_is_refused_unless_accepted() {
    let Some(good) = corpus_file(RUN) else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0x55;
    let f = dir.path().join("crc.fit");
    std::fs::write(&f, &bytes).unwrap();
    hrzones()
        .args(["zones", "-f", "csv"])
        .arg(&f)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("file CRC mismatch")
                .and(predicate::str::contains("--accept-bad-crc")),
        );
    hrzones()
        .args(["zones", "-f", "csv", "--accept-bad-crc"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning:"))
        .stdout(predicate::str::contains("running"));
}

#[test]
fn no_zones_anywhere_names_the_flags() {
    // fit-sample.fit has no HR; FR70 has HR but neither zones nor max HR.
    let Some(f) = corpus_file("Runalyze+Runalyze/tests__testfiles__fit__FR70-intervals.fit") else {
        return;
    };
    hrzones()
        .args(["zones", "-f", "csv"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("--max-hr"));
    hrzones()
        .args(["zones", "-f", "csv", "--max-hr", "190"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains(",hrmax,95 114 133 152 171,"));
}

#[test]
fn usage_errors_exit_2() {
    hrzones().args(["zones"]).assert().code(2);
    hrzones()
        .args(["zones", "x.fit", "--zones", "nope"])
        .assert()
        .code(2);
    hrzones()
        .args(["zones", "x.fit", "--max-hr", "100", "--resting-hr", "110"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "resting HR 110 must be below max HR 100",
        ));
}

#[test]
fn dump_prints_the_whole_file_as_json() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recovery_ok.fit");
    let out = hrzones().arg("dump").arg(&fixture).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("record") && text.contains("heart_rate"),
        "{}",
        &text[..200.min(text.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.fit");
    std::fs::write(&bad, b"not a fit file at all").unwrap();
    hrzones()
        .arg("dump")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.fit"));
}
