//! The store's HR-seconds path gives the sample path's numbers (issue 14).
//!
//! Both shared corpora are ingested into one temporary store; then every session's time
//! in zone, hrTSS, Banister and Edwards TRIMP, HR-covered seconds, average and maximum
//! HR, HR sample count and notes are computed twice — from the activity rebuilt with its
//! samples ([`Store::analyse`]) and from the sessions + `hr_seconds` tables alone
//! ([`Store::analyse_hr`]) — under several zone models and thresholds, and must agree.
//! The max-HR settings are chosen so that some sessions exceed the implausible-HR cap
//! (max HR 160: many do), which the histogram must then answer as the samples do.

use std::path::{Path, PathBuf};

use hrzones::activity::Activity;
use hrzones::analysis::SessionAnalysis;
use hrzones::hr_seconds::HrSeconds;
use hrzones::load::SessionRow;
use hrzones::pipeline::{self, Policy};
use hrzones::profile::{Settings, Sex, Thresholds};
use hrzones::source;
use hrzones::store::{self, IngestOptions, SampleColumns, Store};
use hrzones::zones::{TimeInZoneOptions, ZoneModelKind};

mod common;
use common::{hrzones, parse_csv};

/// Everything zones and load print for one session.
#[derive(Debug, Clone)]
struct Numbers {
    row: SessionRow,
    avg_hr_bpm: Option<f64>,
    max_hr_bpm: Option<u8>,
    quality_note: Option<String>,
    hr_samples: usize,
}

fn numbers(a: &Activity, settings: &Settings) -> (bool, Vec<Numbers>) {
    let light = !a.hr_seconds.is_empty();
    let rows = a
        .sessions
        .iter()
        .map(|s| {
            let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
            Numbers {
                row: SessionRow::compute(a, s, settings),
                avg_hr_bpm: an.avg_hr_bpm,
                max_hr_bpm: an.max_hr_bpm,
                quality_note: an.quality_note(),
                hr_samples: a.hr_sample_count(s),
            }
        })
        .collect();
    (light, rows)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

fn same(what: &str, x: &Numbers, y: &Numbers) {
    let (l, m) = (&x.row.load, &y.row.load);
    let ctx = format!("{what}: {} session {}", x.row.file, x.row.session);
    assert!(close(l.hr_tss, m.hr_tss), "{ctx}: hrTSS {l:?} vs {m:?}");
    assert!(close(l.banister_trimp, m.banister_trimp), "{ctx}: TRIMP");
    assert!(close(l.edwards_trimp, m.edwards_trimp), "{ctx}: Edwards");
    assert!(close(Some(l.hr_covered_s), Some(m.hr_covered_s)), "{ctx}");
    assert!(
        close(Some(l.above_max_hr_s), Some(m.above_max_hr_s)),
        "{ctx}"
    );
    assert_eq!(l.note, m.note, "{ctx}");
    assert_eq!(
        (&l.max_hr, &l.lthr, l.sex),
        (&m.max_hr, &m.lthr, m.sex),
        "{ctx}"
    );
    assert_eq!(x.row.zone_floors_bpm, y.row.zone_floors_bpm, "{ctx}");
    assert_eq!(x.row.zone_source, y.row.zone_source, "{ctx}");
    match (&x.row.secs_in_zone, &y.row.secs_in_zone) {
        (Some(p), Some(q)) => {
            assert_eq!(p.len(), q.len(), "{ctx}");
            for (u, v) in p.iter().zip(q) {
                assert!(close(Some(*u), Some(*v)), "{ctx}: zones {p:?} vs {q:?}");
            }
        }
        (p, q) => assert_eq!(p, q, "{ctx}"),
    }
    assert!(close(x.avg_hr_bpm, y.avg_hr_bpm), "{ctx}: avg HR");
    assert_eq!(x.max_hr_bpm, y.max_hr_bpm, "{ctx}");
    assert_eq!(x.quality_note, y.quality_note, "{ctx}");
    assert_eq!(x.hr_samples, y.hr_samples, "{ctx}");
}

fn corpora() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let dirs: Vec<PathBuf> = ["fit-corpus", "fit-corpus2"]
        .iter()
        .map(|n| root.join(n))
        .filter(|d| d.is_dir())
        .collect();
    if dirs.len() < 2 {
        eprintln!("hr_seconds: skipped, the shared FIT corpora are absent");
        return None;
    }
    Some(dirs.iter().map(|d| d.canonicalize().unwrap()).collect())
}

fn settings(t: Thresholds) -> Settings {
    Settings {
        overrides: t,
        ..Default::default()
    }
}

#[test]
fn hr_seconds_give_the_sample_paths_numbers_on_both_corpora() {
    let Some(dirs) = corpora() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let found = source::collect(&dirs);
    let opts = IngestOptions {
        show_progress: false,
        ..Default::default()
    };
    store::ingest(tmp.path(), &found, &opts, |_| ()).unwrap();
    let st = Store::open(tmp.path()).unwrap();
    assert_eq!(st.parts_without_hr_seconds(), 0);
    let cases: Vec<(&str, Settings)> = vec![
        ("file zones", Settings::default()),
        (
            "hrmax 185",
            settings(Thresholds {
                model: Some(ZoneModelKind::Hrmax),
                max_hr: Some(185),
                ..Default::default()
            }),
        ),
        (
            "hrr 200/50 female",
            settings(Thresholds {
                model: Some(ZoneModelKind::Hrr),
                max_hr: Some(200),
                resting_hr: Some(50),
                sex: Some(Sex::Female),
                ..Default::default()
            }),
        ),
        (
            "lthr 165",
            settings(Thresholds {
                model: Some(ZoneModelKind::Lthr),
                max_hr: Some(190),
                lthr: Some(165),
                ..Default::default()
            }),
        ),
        (
            "custom, max 160",
            settings(Thresholds {
                model: Some(ZoneModelKind::Custom),
                bounds: Some(vec![110, 125, 140, 150, 158]),
                max_hr: Some(160),
                ..Default::default()
            }),
        ),
    ];
    for (what, s) in &cases {
        let by_samples = st
            .analyse(|_| true, SampleColumns::HeartRate, false, |a| numbers(a, s))
            .unwrap();
        let by_hr = st.analyse_hr(|_| true, false, |a| numbers(a, s)).unwrap();
        assert_eq!(by_samples.len(), by_hr.len(), "{what}");
        let (mut sessions, mut light, mut files) = (0, 0, 0);
        for ((ra, xa), (rb, xb)) in by_samples.iter().zip(&by_hr) {
            assert_eq!(ra.name, rb.name, "{what}");
            assert_eq!(ra.status, rb.status, "{what}");
            let (Some((la, xa)), Some((lb, xb))) = (xa, xb) else {
                assert!(xa.is_none() && xb.is_none(), "{what}: {}", ra.name);
                continue;
            };
            assert!(
                !la,
                "{what}: the sample path got an activity without samples"
            );
            files += 1;
            light += usize::from(*lb);
            assert_eq!(xa.len(), xb.len(), "{what}: {}", ra.name);
            for (x, y) in xa.iter().zip(xb) {
                same(what, x, y);
                sessions += 1;
            }
        }
        eprintln!(
            "{what}: {sessions} sessions in {files} files agree; {light} files without samples"
        );
        assert!(sessions > 1000, "{what}: {sessions}");
        // The HR-seconds path answers every file, whatever the cap: the athlete's part of
        // the HR rule is a function of the bpm alone.
        assert_eq!(light, files, "{what}: {light} of {files} without samples");
    }
}

/// The CSV of a command, without its `note` column (a stored salvaged file has no
/// decoder warnings to repeat there), rows sorted.
/// The histogram ingest stores ([`HrSeconds::of_session`], one pass when the heart-rate
/// rule changes nothing) is the sample path's grouped by bpm
/// ([`HrSeconds::of_session_through_series`]) bit for bit, on every session of both
/// corpora (flat lines, spikes and implausible HR included).
#[test]
fn the_stored_histogram_is_the_sample_paths_exactly_on_both_corpora() {
    let Some(dirs) = corpora() else { return };
    let policy = Policy {
        accept_bad_crc: true,
        ..Default::default()
    };
    let (mut sessions, mut corrected) = (0, 0);
    for dir in &dirs {
        for path in fit_files(dir) {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let Ok((a, _)) = pipeline::activity_from_bytes(&bytes, name.clone(), policy) else {
                continue;
            };
            for s in &a.sessions {
                let reference = HrSeconds::of_session_through_series(&a, s);
                assert_eq!(
                    HrSeconds::of_session(&a, s),
                    reference,
                    "{name} session {}",
                    s.index
                );
                sessions += 1;
                corrected += usize::from(reference.bridged + reference.excluded_high > 0);
            }
        }
    }
    assert!(
        sessions > 1000 && corrected > 5,
        "{sessions} sessions, {corrected} corrected"
    );
}

fn fit_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(fit_files(&p));
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fit")) {
            out.push(p);
        }
    }
    out
}

fn csv_without_notes(out: &[u8]) -> Vec<String> {
    let records = parse_csv(&String::from_utf8_lossy(out));
    let Some((headers, rows)) = records.split_first() else {
        return Vec::new();
    };
    let note = headers.iter().position(|h| h == "note");
    let mut rows: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != note)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect();
    rows.sort();
    rows
}

fn run(args: &[&str]) -> (Vec<String>, String) {
    let out = hrzones().args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{args:?}: {out:?}"
    );
    (
        csv_without_notes(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn zones_and_load_from_the_store_match_the_files_and_old_stores_still_work() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .canonicalize()
        .unwrap();
    let fx = fixtures.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let st = store.to_str().unwrap();
    hrzones()
        .args(["ingest", "-q", fx, "--store", st])
        .assert()
        .code(0);
    // 150 bpm: cap 160, below several fixtures' HR (the histogram drops their top bpm);
    // 190: none.
    for max_hr in ["150", "190"] {
        for cmd in ["zones", "load"] {
            let common = ["-q", "--format", "csv", "--max-hr", max_hr];
            let (files, _) = run(&[&[cmd, fx][..], &common[..]].concat());
            let (stored, err) = run(&[&[cmd, "--store", st][..], &common[..]].concat());
            assert!(files.len() > 10, "{cmd}: {files:?}");
            assert_eq!(files, stored, "{cmd} --max-hr {max_hr}");
            assert!(!err.contains("HR-seconds table"), "{err}");
        }
    }
    // A tampered hr_seconds file (another part's) is an error, never a wrong number: in
    // a part (read part by part when the manifest names no light copy) and in the copy.
    let zones_of = |dir: &Path| {
        hrzones()
            .args([
                "zones",
                "-q",
                "--store",
                dir.to_str().unwrap(),
                "--format",
                "csv",
                "--max-hr",
                "190",
            ])
            .output()
            .unwrap()
    };
    let copy = tmp.path().join("copy");
    copy_dir(&store, &copy);
    let mut parts: Vec<PathBuf> = walk(&copy.join("hr_seconds"));
    parts.sort_by_key(|p| std::fs::metadata(p).unwrap().len());
    assert!(parts.len() >= 2, "{parts:?}");
    std::fs::copy(&parts[parts.len() - 1], &parts[0]).unwrap();
    let light_copy = tmp.path().join("light");
    copy_dir(&copy, &light_copy);
    let manifest = copy.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("light");
    std::fs::write(&manifest, serde_json::to_string(&m).unwrap()).unwrap();
    let o = zones_of(&copy);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("manifest.json records"), "{err}");
    let light_hr = walk(&light_copy.join("light"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains("hr_seconds-"))
        .expect("the light copy's hr_seconds");
    std::fs::copy(&parts[0], &light_hr).unwrap();
    let o = zones_of(&light_copy);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("rows where the parts in manifest.json have"),
        "{err}"
    );
    // A store written before the table: no hr_seconds files, no row counts in the manifest.
    let (before, _) = run(&[
        "zones", "-q", "--store", st, "--format", "csv", "--max-hr", "190",
    ]);
    std::fs::remove_dir_all(store.join("hr_seconds")).unwrap();
    let path = store.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for p in m["parts"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("hr_seconds");
    }
    m.as_object_mut().unwrap().remove("light");
    std::fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
    let (after, err) = run(&["zones", "--store", st, "--format", "csv", "--max-hr", "190"]);
    assert_eq!(before, after);
    assert!(err.contains("written before its HR-seconds table"), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}
