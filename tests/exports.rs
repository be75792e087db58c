//! A runner's real exports, end to end through the binary (issue 12): a Garmin Connect
//! account export (FIT files in zips inside the zip), a Strava bulk export zip whose
//! `activities.csv` names some runs "Recovery run" / "Easy recovery jog", both exports of
//! the same activities together (from the files and from the store), and a folder of
//! damaged, foreign and empty files. Built in temporary folders from corpus runs; every
//! test skips with a message when `../shared/fit-corpus` is absent.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

mod common;
use common::corpus;

/// Single-session corpus runs with heart rate and real dates (MANIFEST.csv: sport
/// running, CRC valid), small enough to keep the test fast.
const RUNS: [&str; 6] = [
    "Runalyze+Runalyze/tests__testfiles__fit__FR70-intervals.fit",
    "ssaring+sportstracker/st-exerciseviewer__misc__testdata__garmin-fit__Garmin_Fenix_6S_Pro-Running.fit",
    "alex-hhh+ActivityLog2/test__test-data__310xt-run.fit",
    "dtcooper+python-fitparse/tests__files__2013-02-06-12-11-14.fit",
    "ssaring+sportstracker/st-exerciseviewer__misc__testdata__garmin-fit__Garmin_Forerunner_910XT-Running.fit",
    "alex-hhh+ActivityLog2/test__test-data__920xt-run.fit",
];

/// Strava's names for RUNS, in order: two recovery runs among ordinary names.
const NAMES: [&str; 6] = [
    "Morning Run",
    "Recovery run",
    "Lunch Run",
    "Easy recovery jog",
    "Tempo, 3 x 10'",
    "Evening Run",
];

fn hrzones() -> assert_cmd::Command {
    let mut c = common::hrzones();
    c.env("NO_COLOR", "1");
    c
}

fn run_bytes(corpus: &Path) -> Vec<Vec<u8>> {
    RUNS.iter()
        .map(|r| std::fs::read(corpus.join(r)).unwrap())
        .collect()
}

fn zip_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            z.start_file(name.as_str(), opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A Garmin Connect account export: the FIT files in two zips inside the zip, beside
/// the JSON files Garmin puts there.
fn garmin_export(runs: &[Vec<u8>], to: &Path) {
    let inner = |range: std::ops::Range<usize>| {
        zip_bytes(
            &range
                .map(|i| (format!("{}_ACTIVITY.fit", 9_000_000 + i), runs[i].clone()))
                .collect::<Vec<_>>(),
        )
    };
    let dir = "DI_CONNECT/DI-Connect-Uploaded-Files";
    let outer = zip_bytes(&[
        (
            "DI_CONNECT/DI-Connect-Fitness/me_summarizedActivities.json".into(),
            b"[{}]".to_vec(),
        ),
        (format!("{dir}/UploadedFiles_0-_Part1.zip"), inner(0..4)),
        (format!("{dir}/UploadedFiles_0-_Part2.zip"), inner(4..6)),
        (
            "DI_CONNECT/DI-Connect-User/user_profile.json".into(),
            b"{}".to_vec(),
        ),
    ]);
    std::fs::write(to, outer).unwrap();
}

/// A Strava bulk export zip: activities.csv (a GPX activity among them) and
/// activities/*.fit.gz.
fn strava_export(runs: &[Vec<u8>], to: &Path) {
    let mut csv = String::from(
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n",
    );
    let mut entries = Vec::new();
    for (i, bytes) in runs.iter().enumerate() {
        let id = 1000 + i;
        csv.push_str(&format!(
            "{id},\"Jan 1, 2020\",\"{}\",Run,,activities/{id}.fit.gz\n",
            NAMES[i]
        ));
        entries.push((format!("activities/{id}.fit.gz"), gz(bytes)));
    }
    csv.push_str("2000,\"Jan 2, 2020\",Recovery run,Run,,activities/2000.gpx\n");
    entries.push(("activities/2000.gpx".into(), b"<gpx/>".to_vec()));
    entries.insert(0, ("activities.csv".into(), csv.into_bytes()));
    entries.push(("profile.csv".into(), b"x\n".to_vec()));
    std::fs::write(to, zip_bytes(&entries)).unwrap();
}

fn json_rows(out: &[u8]) -> Vec<Value> {
    match serde_json::from_slice(out) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("not a JSON array: {other:?}"),
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// (file name, label, label_source) of the audit's rows.
fn audited(rows: &[Value]) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["file"]
                    .as_str()
                    .unwrap()
                    .rsplit(['/', ':'])
                    .next()
                    .unwrap()
                    .to_string(),
                r["label"].as_str().unwrap_or("").to_string(),
                r["label_source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn garmin_account_export_with_nested_zips_is_read() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let garmin = dir.path().join("garmin-export.zip");
    garmin_export(&run_bytes(&corpus), &garmin);
    let out = hrzones()
        .args(["zones", "--max-hr", "190", "--format", "json"])
        .arg(&garmin)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 6, "{err}");
    for r in &rows {
        let file = r["file"].as_str().unwrap();
        assert!(
            file.contains(
                "garmin-export.zip:DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part"
            ) && file.ends_with("_ACTIVITY.fit"),
            "{file}"
        );
        // RFC 3339 at the file's local offset (issue 12 item 14).
        assert!(chrono::DateTime::parse_from_rfc3339(r["start"].as_str().unwrap()).is_ok());
    }
    assert!(err.contains("6 ok"), "{err}");
    assert!(err.contains("2 other files skipped"), "{err}");
}

#[test]
fn strava_export_zip_labels_its_runs_by_activity_name() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let strava = dir.path().join("export_12345.zip");
    strava_export(&run_bytes(&corpus), &strava);
    // activities.csv is found in the export given as PATH; --strava-export takes the zip.
    for extra in [
        &[][..],
        &["--strava-export".to_string(), strava.display().to_string()][..],
    ] {
        let out = hrzones()
            .args(["audit", "--max-hr", "190", "--format", "json"])
            .arg(&strava)
            .args(extra)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert_eq!(
            audited(&json_rows(&out.stdout)),
            vec![
                (
                    "1001.fit.gz".into(),
                    "Recovery run".into(),
                    "strava_name".into()
                ),
                (
                    "1003.fit.gz".into(),
                    "Easy recovery jog".into(),
                    "strava_name".into()
                ),
            ],
            "{err}"
        );
        assert!(err.contains("not FIT files (GPX/TCX)"), "{err}");
    }
}

#[test]
fn both_exports_of_the_same_runs_keep_strava_labels_from_files_and_store() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let runs = run_bytes(&corpus);
    let garmin = dir.path().join("a-garmin.zip");
    let strava = dir.path().join("b-strava.zip");
    garmin_export(&runs, &garmin);
    strava_export(&runs, &strava);
    // From the files: each run read once (Garmin's copy comes first), Strava's names
    // still label it.
    let out = hrzones()
        .args(["audit", "--max-hr", "190", "--format", "json"])
        .arg(&garmin)
        .arg(&strava)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let rows = json_rows(&out.stdout);
    let from_files = audited(&rows);
    assert_eq!(from_files.len(), 2, "{err}");
    assert!(from_files
        .iter()
        .all(|(f, _, s)| f.ends_with("_ACTIVITY.fit") && s == "strava_name"));
    let labels: Vec<&str> = from_files.iter().map(|r| r.1.as_str()).collect();
    assert!(labels.contains(&"Recovery run") && labels.contains(&"Easy recovery jog"));
    assert!(
        err.contains("read 6 activities from 2 inputs (6 duplicates across them)"),
        "{err}"
    );

    // Through the store: the same two runs, whether the Strava export is named as a
    // PATH selecting stored files or with --strava-export.
    let store = dir.path().join("store");
    let out = hrzones()
        .args(["ingest", "--quiet", "--store"])
        .arg(&store)
        .arg(&garmin)
        .arg(&strava)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for args in [
        vec![strava.display().to_string()],
        vec!["--strava-export".into(), strava.display().to_string()],
    ] {
        let out = hrzones()
            .args(["audit", "--max-hr", "190", "--format", "json", "--store"])
            .arg(&store)
            .args(&args)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert_eq!(
            audited(&json_rows(&out.stdout)),
            from_files,
            "{args:?}: {err}"
        );
    }
    // Selecting the Strava export in the store gives all six runs, none a duplicate.
    let out = hrzones()
        .args(["zones", "--format", "json", "--store"])
        .arg(&store)
        .arg(&strava)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(json_rows(&out.stdout).len(), 6, "{err}");
    assert!(!err.contains("duplicate"), "{err}");

    // The chart draws the same two recovery runs.
    let charts = dir.path().join("charts");
    let out = hrzones()
        .args(["chart", "--only-recovery", "--max-hr", "190", "--out"])
        .arg(&charts)
        .arg(&garmin)
        .arg(&strava)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let run_charts = std::fs::read_dir(&charts)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("_ACTIVITY"))
        .count();
    assert_eq!(run_charts, 2, "{err}");
}

#[test]
fn damaged_foreign_and_empty_files_are_named_and_noted() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let runs = run_bytes(&corpus);
    let folder = dir.path().join("mixed");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("good.fit"), &runs[0]).unwrap();
    // Cut to 40 %: the decoder salvages what precedes the cut.
    let cut = &runs[2][..runs[2].len() * 2 / 5];
    std::fs::write(folder.join("cut.fit"), cut).unwrap();
    std::fs::write(folder.join("empty.fit"), b"").unwrap();
    std::fs::write(folder.join("notes.txt"), b"hello").unwrap();
    std::fs::write(folder.join("route.gpx"), b"<gpx/>").unwrap();

    let out = hrzones()
        .args(["zones", "--max-hr", "190", "--format", "json"])
        .arg(&folder)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    // empty.fit cannot be read: exit 1, and the rest is still there.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("empty.fit"), "{err}");
    let rows = json_rows(&out.stdout);
    assert_eq!(rows.len(), 2, "{err}");
    let cut_row = rows
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("cut.fit"))
        .unwrap();
    let note = cut_row["note"].as_str().unwrap_or("");
    assert!(note.contains("salvaged"), "{note}");
    let good_row = rows
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("good.fit"))
        .unwrap();
    // The intact file's note names no damage (the timeline may still say how it counted).
    let good_note = good_row["note"].as_str().unwrap_or("");
    assert!(
        !good_note.contains("salvaged") && !good_note.contains("CRC"),
        "{good_row}"
    );
    assert!(err.contains("1 ok, 1 salvaged, 1 failed"), "{err}");
    assert!(err.contains("2 other files skipped"), "{err}");

    // Nothing readable at all: an error that says what was there.
    std::fs::remove_file(folder.join("good.fit")).unwrap();
    std::fs::remove_file(folder.join("cut.fit")).unwrap();
    std::fs::remove_file(folder.join("empty.fit")).unwrap();
    let out = hrzones()
        .args(["zones", "--format", "csv"])
        .arg(&folder)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no FIT file found in"), "{err}");
    assert!(err.contains("2 other files (1 .gpx, 1 .txt)"), "{err}");
    assert!(out.stdout.is_empty());
}
