//! `hrzones audit` through the binary: label sources (Strava export, labels file, file
//! name), context across files, candidates, multisport, exit codes, and verdicts on real
//! corpus runs. Corpus files are copied into temporary folders (never into the repo);
//! every test skips with a message when `../shared/fit-corpus` is absent.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{corpus, hrzones};

const COROS: &str = "mwheeler235+coros-run-metrics/fit_files__BoulderTrailRun";
const LONG_RUN: &str = "20241124062708.fit"; // 2 h, hard
const NEXT_RUN: &str = "20241126062604.fit"; // 55 min, 46 h later
const FENIX_6S: &str =
    "ssaring+sportstracker/st-exerciseviewer__misc__testdata__garmin-fit__Garmin_Fenix_6S_Pro-Running.fit";

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

fn gzip(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let bytes = std::fs::read(from).unwrap();
    let f = std::fs::File::create(to).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    gz.finish().unwrap();
}

fn json_rows(out: &[u8]) -> Vec<Value> {
    match serde_json::from_slice(out).unwrap() {
        Value::Array(rows) => rows,
        v => panic!("not an array: {v}"),
    }
}

fn row_for<'a>(rows: &'a [Value], file_suffix: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["file"].as_str().unwrap().ends_with(file_suffix))
        .unwrap_or_else(|| panic!("no row for {file_suffix} in {rows:#?}"))
}

/// A folder shaped like a Strava bulk export: activities.csv (quoted fields with commas
/// and a newline, a repeated column name, a manual entry) and activities/ with .fit.gz,
/// .fit and .gpx files.
fn strava_export(c: &Path, dir: &Path) -> PathBuf {
    let export = dir.join("export_12345");
    let acts = export.join("activities");
    gzip(
        &c.join(format!("{COROS}{LONG_RUN}")),
        &acts.join("1001.fit.gz"),
    );
    gzip(
        &c.join(format!("{COROS}{NEXT_RUN}")),
        &acts.join("1002.fit.gz"),
    );
    copy(&c.join(FENIX_6S), &acts.join("1003.fit"));
    std::fs::write(acts.join("1004.gpx"), "<gpx></gpx>").unwrap();
    gzip(
        &c.join("jalbiero+vo2max-tracker/tests__activities__cycling_indoor_fr945.fit"),
        &acts.join("1005.fit.gz"),
    );
    let csv = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Filename,Distance\n\
        1001,\"Nov 24, 2024, 1:27:08 PM\",Sunday long run,Run,,7627,18.88,activities/1001.fit.gz,18884.5\n\
        1002,\"Nov 26, 2024, 1:26:04 PM\",Morning Run,Run,\"Recovery after Sunday's long run,\nkept it easy\",3363,9.97,activities/1002.fit.gz,9969.7\n\
        1003,\"Feb 6, 2021, 11:03:55 AM\",Recovery jog,Run,,314,0.59,activities/1003.fit,590\n\
        1004,\"Feb 7, 2021, 9:00:00 AM\",Recovery walk,Walk,,1800,2.0,activities/1004.gpx,2000\n\
        1005,\"Mar 1, 2022, 6:00:00 PM\",Recovery spin,VirtualRide,,3729,30,activities/1005.fit.gz,30000\n\
        1006,\"Mar 2, 2022, 6:00:00 PM\",Manual recovery run,Run,,1800,5,,5000\n";
    std::fs::write(export.join("activities.csv"), csv).unwrap();
    export
}

#[test]
fn strava_export_labels_runs_by_name_and_description() {
    let Some(c) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let export = strava_export(&c, tmp.path());
    let out = hrzones()
        .arg("audit")
        .arg(&export)
        .arg("--strava-export")
        .arg(&export)
        .args(["--max-hr", "192", "-f", "json", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 2, "{rows:#?}");

    // Sorted by start: the 2021 jog first.
    assert!(rows[0]["file"].as_str().unwrap().ends_with("1003.fit"));
    let jog = row_for(&rows, "1003.fit");
    assert_eq!(jog["label_source"], "strava_name");
    assert_eq!(jog["label"], "Recovery jog");

    let rec = row_for(&rows, "1002.fit.gz");
    assert_eq!(rec["label_source"], "strava_description");
    assert_eq!(
        rec["label"],
        "Recovery after Sunday's long run, kept it easy"
    );
    let verdict = rec["verdict"].as_str().unwrap();
    for v in ["too long", "no hard session before", "over 8 km"] {
        assert!(verdict.contains(v), "{v} not in {verdict}");
    }
    // The long run two days before is the hardest session in the 48-h context window,
    // but it ended more than 36 h before.
    assert!(rec["prior_hardest_file"]
        .as_str()
        .unwrap()
        .ends_with("1001.fit.gz#0"));
    let h = rec["prior_hardest_h_before"].as_f64().unwrap();
    assert!((45.5..46.5).contains(&h), "{h}");
    assert!(rec["prior_hardest_hr_tss"].as_f64().unwrap() >= 70.0);

    // The GPX and the ride are labelled recovery but not audited, and we say so.
    assert!(
        stderr.contains("not FIT files") && stderr.contains("activities/1004.gpx"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not runs were not audited (cycling: 1)"),
        "{stderr}"
    );
    assert!(stderr.contains("labelled recovery runs: 2"), "{stderr}");

    // With a 48-h hard window the long run counts: the run now comes after a hard day.
    let out = hrzones()
        .arg("audit")
        .arg(&export)
        .arg("--strava-export")
        .arg(&export)
        .args([
            "--max-hr",
            "192",
            "-f",
            "json",
            "-q",
            "--hard-window-h",
            "48",
        ])
        .output()
        .unwrap();
    let rows = json_rows(&out.stdout);
    let rec = row_for(&rows, "1002.fit.gz");
    let verdict = rec["verdict"].as_str().unwrap();
    assert!(!verdict.contains("no hard session"), "{verdict}");
    assert!(verdict.contains("too long"), "{verdict}");
}

#[test]
fn labels_file_and_file_names_label_runs_and_fail_on_finding_exits_3() {
    let Some(c) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    copy(
        &c.join(format!("{COROS}20241122063002.fit")),
        &runs.join("Recovery_run_2024-11-22.fit"),
    );
    copy(
        &c.join("Runalyze+Runalyze/tests__testfiles__fit__Fenix-3-with-inactive-Moxy.fit"),
        &runs.join("2016-08-26.fit"),
    );
    copy(
        &c.join("dtcooper+python-fitparse/tests__files__garmin-fenix-5-run.fit"),
        &runs.join("recovery_not_really.fit"),
    );
    let labels = tmp.path().join("labels.csv");
    std::fs::write(
        &labels,
        "file,label\n2016-08-26.fit,Récup\nruns/recovery_not_really.fit,tempo\nmissing.fit,recovery\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        hrzones()
            .arg("audit")
            .arg(&runs)
            .arg("--labels")
            .arg(&labels)
            .args(["--max-hr", "190", "-q"])
            .args(extra)
            .output()
            .unwrap()
    };

    let out = run(&["-f", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "findings alone exit 0: {stderr}"
    );
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 2, "the 'tempo' run is not audited: {rows:#?}");
    let named = row_for(&rows, "Recovery_run_2024-11-22.fit");
    assert_eq!(named["label_source"], "file_name");
    assert!(named["verdict"].as_str().unwrap().contains("too long"));
    let labelled = row_for(&rows, "2016-08-26.fit");
    assert_eq!(labelled["label_source"], "labels_file");
    assert_eq!(labelled["label"], "Récup");
    assert!(
        stderr.contains("1 of 3 entries") && stderr.contains("missing.fit"),
        "{stderr}"
    );

    let out = run(&["-f", "csv", "--fail-on-finding"]);
    assert_eq!(out.status.code(), Some(3));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("file,session,start,label,label_source,verdict,timer_min"));
    assert_eq!(csv.lines().count(), 3);

    // The table format ends with the reasons, the rules and the summary.
    let out = run(&["-f", "table"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "reasons:",
        "rules: long > 30 min (warning), too long > 40 min",
        "labelled recovery runs: 2",
        "short enough (<= 30 min): 1",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
}

#[test]
fn a_warning_alone_does_not_fail() {
    let Some(c) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for f in [LONG_RUN, NEXT_RUN] {
        copy(&c.join(format!("{COROS}{f}")), &tmp.path().join(f));
    }
    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, format!("{NEXT_RUN},recovery\n")).unwrap();
    // Limits raised so that the 55-min run after the 2-h run is only "long".
    let out = hrzones()
        .arg("audit")
        .arg(tmp.path())
        .arg("--labels")
        .arg(&labels)
        .args(["--max-hr", "192", "-f", "csv", "-q", "--fail-on-finding"])
        .args(["--long-min", "50", "--too-long-min", "60", "--max-km", "20"])
        .args([
            "--drift-tolerance-pct",
            "100",
            "--excursion-limit-s",
            "100000",
        ])
        .args(["--hard-window-h", "48"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{csv}");
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains(",long,54.8,"), "{csv}");
    // The same run with the default 36-h window has a finding: exit 3.
    let out = hrzones()
        .arg("audit")
        .arg(tmp.path())
        .arg("--labels")
        .arg(&labels)
        .args(["--max-hr", "192", "-f", "csv", "-q", "--fail-on-finding"])
        .args(["--long-min", "50", "--too-long-min", "60", "--max-km", "20"])
        .args([
            "--drift-tolerance-pct",
            "100",
            "--excursion-limit-s",
            "100000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains(",\"long, no hard session before\","), "{csv}");
}

#[test]
fn candidates_are_unlabelled_easy_runs_after_a_hard_session() {
    let Some(c) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(c.join("mwheeler235+coros-run-metrics")).unwrap() {
        let p = f.unwrap().path();
        copy(&p, &tmp.path().join(p.file_name().unwrap()));
    }
    // Zone 1 up to 174 bpm and a 60-min limit make the 55-min run two days after the
    // 2-h run look like recovery; nothing else qualifies (first run, or over 60 min).
    let out = hrzones()
        .arg("audit")
        .arg(tmp.path())
        .args(["--candidates", "--bounds", "100,175", "--max-hr", "192"])
        .args([
            "--too-long-min",
            "60",
            "--hard-window-h",
            "48",
            "-f",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["label_source"], "candidate");
    assert!(rows[0]["label"].is_null());
    assert!(rows[0]["file"].as_str().unwrap().ends_with(NEXT_RUN));
    assert_eq!(rows[0]["pct_z1_or_below"].as_f64(), Some(100.0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("labelled recovery runs: 0"), "{stderr}");
    assert!(stderr.contains("(--candidates): 1"), "{stderr}");
}

#[test]
fn multisport_files_audit_only_the_run_leg() {
    let Some(c) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("tri.fit");
    copy(
        &c.join("Runalyze+Runalyze/tests__testfiles__fit__multisport-triathlon-fenix3.fit"),
        &f,
    );
    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, "tri.fit,recovery\n").unwrap();
    let out = hrzones()
        .arg("audit")
        .arg(&f)
        .arg("--labels")
        .arg(&labels)
        .args(["--max-hr", "190", "-f", "json", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["session"], 4);
    // The bike leg just before is the context: hours from its end, not its start.
    let h = rows[0]["prior_hardest_h_before"].as_f64().unwrap();
    assert!(h < 0.1, "{h}");
    assert!(
        stderr.contains("not runs were not audited (cycling: 1, swimming: 1, transition: 2)"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.csv");
    hrzones()
        .arg("audit")
        .arg(tmp.path())
        .arg("--labels")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "could not read {}",
            missing.display()
        )));
    hrzones()
        .arg("audit")
        .arg(tmp.path())
        .args(["--label-pattern", "(recovery"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a valid regular expression"));
    hrzones()
        .arg("audit")
        .arg(tmp.path())
        .args(["--long-min", "45"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--long-min 45 must not exceed"));
    hrzones()
        .arg("audit")
        .arg(tmp.path())
        .arg("--strava-export")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("activities.csv"));
}

/// Every single-session running file of the corpus with heart rate, labelled recovery:
/// the verdicts must follow from numbers the watch wrote (MANIFEST.csv), not only from
/// our own.
#[test]
fn corpus_runs_get_verdicts_that_match_the_watch_summary() {
    let Some(c) = corpus() else { return };
    let manifest = std::fs::read_to_string(c.join("MANIFEST.csv")).unwrap();
    let records = hrzones::audit::labels::parse_csv(&manifest).unwrap();
    let header = &records[0].1;
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (file, sport, sessions, timer, avg_hr, crc) = (
        col("file"),
        col("sport"),
        col("sessions"),
        col("total_timer_time_s"),
        col("avg_hr"),
        col("crc_valid"),
    );
    let mut expected = std::collections::HashMap::new();
    let mut labels = String::from("file,label\n");
    for (_, r) in &records[1..] {
        if r[sport] == "running" && r[sessions] == "1" && !r[avg_hr].is_empty() && r[crc] == "yes" {
            let t: f64 = r[timer].parse().unwrap();
            expected.insert(r[file].clone(), (t, r[avg_hr].parse::<f64>().unwrap()));
            labels.push_str(&format!("{},recovery run\n", r[file]));
        }
    }
    assert!(expected.len() >= 30, "{}", expected.len());
    let tmp = tempfile::tempdir().unwrap();
    let lf = tmp.path().join("labels.csv");
    std::fs::write(&lf, labels).unwrap();
    let mut cmd = hrzones();
    cmd.arg("audit").arg("--labels").arg(&lf);
    for f in expected.keys() {
        cmd.arg(c.join(f));
    }
    let out = cmd
        .args(["--max-hr", "195", "-f", "json", "-q"])
        .output()
        .unwrap();
    let rows = json_rows(&out.stdout);
    let mut checked = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for row in &rows {
        let name = row["file"].as_str().unwrap();
        let key = name.strip_prefix(&format!("{}/", c.display())).unwrap();
        let Some(&(timer_s, watch_avg)) = expected.get(key) else {
            continue; // a byte-identical copy counted once
        };
        let verdict = row["verdict"].as_str().unwrap();
        let minutes = timer_s / 60.0;
        assert!(
            (row["timer_min"].as_f64().unwrap() - minutes).abs() <= 0.07,
            "{name}"
        );
        assert_eq!(
            verdict.contains("too long"),
            minutes > 40.0,
            "{name}: {verdict}"
        );
        assert_eq!(
            verdict.split(", ").any(|v| v == "long"),
            minutes > 30.0 && minutes <= 40.0,
            "{name}: {verdict}"
        );
        if let (Some(below), Some(above)) = (
            row["pct_z1_or_below"].as_f64(),
            row["pct_above_z1"].as_f64(),
        ) {
            assert!((below + above - 100.0).abs() < 0.15, "{name}");
            let exc = row["longest_excursion_s"].as_f64().unwrap();
            assert_eq!(
                verdict.contains("drifted"),
                above > 10.0 || exc > 60.0,
                "{name}: {verdict}"
            );
            // Where heart rate covers the timer time, our average over counted samples
            // is the watch's own average (it rounds to whole bpm); runs of a minute or
            // two with a dozen smart-recording samples are left out.
            if row["hr_coverage_pct"].as_f64().unwrap() >= 90.0 && timer_s >= 300.0 {
                let ours = row["avg_hr"].as_f64().unwrap();
                assert!(
                    (ours - watch_avg).abs() <= 1.5,
                    "{name}: {ours} vs {watch_avg}"
                );
                checked += 1;
            }
        }
        for v in verdict.split(", ") {
            *kinds.entry(v.to_string()).or_default() += 1;
        }
    }
    eprintln!("verdicts over {} corpus runs: {kinds:?}", rows.len());
    assert!(checked >= 25, "{checked}");
    // The corpus is full of long, hard runs labelled recovery here: most must be caught.
    assert!(
        kinds.get("too long").copied().unwrap_or(0) >= 15,
        "{kinds:?}"
    );
    assert!(
        kinds.get("drifted").copied().unwrap_or(0) >= 15,
        "{kinds:?}"
    );
}

/// The project's own fixtures: one per rule and per label source, with verdicts known by
/// construction (fixtures/README.md has the calendar and the traces).
#[test]
fn fixtures_get_their_known_verdicts() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let out = hrzones()
        .args(["audit", "--format", "json"])
        .arg(&fixtures)
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not audited: {rows:#}"))
            .clone()
    };
    let ok = row("recovery_ok.fit");
    assert_eq!(ok["verdict"], "ok");
    assert_eq!(ok["label_source"], "fit_workout_name");
    assert_eq!(ok["pct_z1_or_below"], 100.0);
    assert!(ok["prior_hardest_file"]
        .as_str()
        .unwrap()
        .ends_with("hard_intervals.fit#0"));
    assert_eq!(ok["prior_hardest_h_before"], 12.0);

    let by_name = row("Recovery_run_2024-05-02.fit");
    assert_eq!(by_name["label_source"], "file_name");
    assert_eq!(by_name["verdict"], "ok");

    let hard = row("recovery_too_hard.fit");
    assert_eq!(hard["label_source"], "fit_workout_name");
    assert!(hard["verdict"].as_str().unwrap().contains("drifted"));
    assert_eq!(hard["longest_excursion_s"], 420.0);
    assert_eq!(hard["pct_above_z1"], 42.9);
    assert_eq!(hard["first_left_z1_min"], 5.0);

    let long = row("recovery_too_long.fit");
    assert_eq!(long["label_source"], "fit_sport_name");
    assert_eq!(long["label"], "Récup");
    let v = long["verdict"].as_str().unwrap();
    assert!(
        v.contains("too long") && v.contains("over 8 km") && v.contains("no hard session before"),
        "{v}"
    );

    // Unlabelled sessions are not audited.
    assert_eq!(rows.as_array().unwrap().len(), 4);
}

/// HR coverage is the share of the time the timer ran that heart rate covers: never
/// above 100 %, also where the watch's own timer total is shorter than its timer events
/// (a Suunto file without its final lap read 106.7 %, issue 12 item 17).
#[test]
fn hr_coverage_never_exceeds_the_timed_time() {
    let Some(c) = corpus() else { return };
    let out = hrzones()
        .arg("audit")
        .arg(&c)
        .args([
            "--label-pattern",
            ".",
            "--max-hr",
            "190",
            "-f",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let covered: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["hr_coverage_pct"].as_f64())
        .collect();
    assert!(covered.len() >= 50, "{}", covered.len());
    for r in &rows {
        if let Some(p) = r["hr_coverage_pct"].as_f64() {
            assert!(p <= 100.0, "{} #{}: {p} %", r["file"], r["session"]);
        }
    }
    // The file that read 106.7 % is among them (its timer events time more than the
    // watch's own total: coverage is now of the former).
    assert!(rows.iter().any(|r| {
        r["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("Suunto-Ambit-3-Peak-without-final-lap.fit"))
            && r["hr_coverage_pct"].as_f64().is_some()
    }));
}

/// A folder without a run labelled recovery: no lone table header on the terminal view,
/// and stderr says how runs are found (names, Strava, --labels, --candidates).
#[test]
fn no_labelled_run_says_how_runs_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::SyntheticRun::new(1_704_099_600, vec![140; 1801]);
    run.write(&dir.path().join("easy_run.fit"));
    let out = hrzones()
        .args(["audit", "--max-hr", "190", "--format", "table"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.starts_with("rules:"),
        "no table header first: {stdout}"
    );
    assert!(stdout.contains("labelled recovery runs: 0"), "{stdout}");
    assert!(stderr.contains("no run is labelled recovery"), "{stderr}");
    assert!(stderr.contains("--candidates also lists"), "{stderr}");
    // CSV keeps its header for programs.
    let csv = hrzones()
        .args(["audit", "--max-hr", "190", "--format", "csv"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("file,"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}
