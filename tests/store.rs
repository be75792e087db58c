//! The Parquet store: a round trip through it changes nothing the analysis sees; it opens
//! in polars without hrzones; re-running an ingest decodes only what changed; an
//! interrupted ingest leaves the previous store intact; zip and .fit.gz inputs; duplicates.
//!
//! Real files come from `../shared/fit-corpus` (copied into temporary folders, never into
//! the repository); each test skips with a message when the corpus is absent.

use std::io::Write;
use std::path::{Path, PathBuf};

use hrzones::activity::Activity;
use hrzones::analysis::SessionAnalysis;
use hrzones::archive_gen;
use hrzones::pipeline::{FileStatus, Policy};
use hrzones::profile::{Settings, Thresholds};
use hrzones::source;
use hrzones::store::{self, IngestOptions, IngestSummary, SampleColumns, Store, StoreError};
use hrzones::zones::TimeInZoneOptions;
use polars::prelude::*;

fn corpus() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
    if d.join("MANIFEST.csv").is_file() {
        Some(d)
    } else {
        eprintln!("skipping: the FIT corpus {} is absent", d.display());
        None
    }
}

/// Corpus files (relative names) from MANIFEST.csv that pass `keep(columns)`.
fn corpus_files(dir: &Path, keep: impl Fn(&[&str]) -> bool) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.csv")).unwrap();
    manifest
        .lines()
        .skip(1)
        .map(split_csv)
        .filter(|c| keep(&c.iter().map(String::as_str).collect::<Vec<_>>()))
        .map(|c| c[0].clone())
        .collect()
}

/// One CSV line (RFC 4180 quoting) into fields.
fn split_csv(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

/// Clean running/cycling files with heart rate, at most `max_bytes`, `n` of them.
fn activity_files(dir: &Path, max_bytes: u64, n: usize) -> Vec<String> {
    let mut v = corpus_files(dir, |c| {
        c.len() > 19
            && (c[10] == "running" || c[10] == "cycling")
            && c[6] == "yes"
            && c[7] == "yes"
            && c[5].parse::<u64>().is_ok_and(|b| b <= max_bytes)
            && c[18].parse::<u64>().is_ok_and(|n| n > 0)
    });
    v.truncate(n);
    v
}

fn copy_into(corpus: &Path, names: &[String], to: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(to).unwrap();
    names
        .iter()
        .map(|n| {
            let dst = to.join(n.replace('/', "__"));
            std::fs::copy(corpus.join(n), &dst).unwrap();
            dst
        })
        .collect()
}

fn quiet() -> IngestOptions {
    IngestOptions {
        show_progress: false,
        ..Default::default()
    }
}

fn ingest_dir(input: &Path, store_dir: &Path, opts: &IngestOptions) -> IngestSummary {
    let found = source::collect(&[input.canonicalize().unwrap()]);
    store::ingest(store_dir, &found, opts, |_| ()).unwrap().0
}

/// The decoder's activity for a stored path (a plain file).
fn decode_path(path: &str) -> Activity {
    let bytes = std::fs::read(path).unwrap();
    let data = hrzones::fit::decode(&bytes, Default::default()).unwrap();
    Activity::from_fit(data, path)
}

fn same_f64(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn same_f32(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn assert_same_activity(fresh: &Activity, stored: &Activity) {
    let name = &fresh.source;
    assert_eq!(fresh.sessions, stored.sessions, "{name}: sessions");
    assert_eq!(fresh.timer, stored.timer, "{name}: timer");
    assert_eq!(fresh.hr_settings, stored.hr_settings, "{name}: hr settings");
    assert_eq!(fresh.workout_names, stored.workout_names, "{name}");
    assert_eq!(fresh.sport_names, stored.sport_names, "{name}");
    assert_eq!(fresh.file_id, stored.file_id, "{name}: file_id");
    assert_eq!(fresh.hr_from_strap, stored.hr_from_strap, "{name}");
    let (x, y) = (&fresh.samples, &stored.samples);
    assert_eq!(x.t_s, y.t_s, "{name}: t_s");
    assert_eq!(x.hr_bpm, y.hr_bpm, "{name}: hr_bpm");
    assert!(same_f64(&x.distance_m, &y.distance_m), "{name}: distance");
    assert!(same_f32(&x.speed_mps, &y.speed_mps), "{name}: speed");
    assert!(same_f32(&x.altitude_m, &y.altitude_m), "{name}: altitude");
    assert!(same_f32(&x.cadence_rpm, &y.cadence_rpm), "{name}: cadence");
    assert!(same_f32(&x.power_w, &y.power_w), "{name}: power");
}

fn assert_same_zones(fresh: &Activity, stored: &Activity, settings: &Settings) {
    for (s1, s2) in fresh.sessions.iter().zip(&stored.sessions) {
        let o = TimeInZoneOptions::default();
        let a = SessionAnalysis::compute(fresh, s1, settings, o);
        let b = SessionAnalysis::compute(stored, s2, settings, o);
        let name = format!("{} session {}", fresh.source, s1.index);
        assert_eq!(
            a.zones.as_ref().map(|z| z.floors_text()).ok(),
            b.zones.as_ref().map(|z| z.floors_text()).ok(),
            "{name}: zones"
        );
        assert_eq!(a.secs_in_zone, b.secs_in_zone, "{name}: time in zone");
        assert_eq!(a.weights_s, b.weights_s, "{name}: weights");
        assert_eq!(a.hr_covered_s, b.hr_covered_s, "{name}");
        assert_eq!(a.avg_hr_bpm, b.avg_hr_bpm, "{name}");
        assert_eq!(a.max_hr_bpm, b.max_hr_bpm, "{name}");
    }
}

/// Every file of the corpus up to 1 MB: what the store gives back is what the decoder
/// gave, column for column, and zones computed from it are identical for every session.
#[test]
fn store_round_trip_gives_the_decoders_activities_and_the_same_zones() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = corpus_files(&corpus, |c| c[5].parse::<u64>().is_ok_and(|b| b <= 1 << 20));
    assert!(names.len() > 150, "{} corpus files", names.len());
    let input = tmp.path().join("in");
    copy_into(&corpus, &names, &input);
    let store_dir = tmp.path().join("store");
    // Small parts, so the round trip crosses part boundaries and years.
    let opts = IngestOptions {
        part_rows: 50_000,
        ..quiet()
    };
    let summary = ingest_dir(&input, &store_dir, &opts);
    assert!(summary.new > 80, "{summary:?}");
    assert!(
        summary.failed > 0 && summary.not_activity > 0,
        "{summary:?}"
    );

    let store = Store::open(&store_dir).unwrap();
    assert!(store.manifest().parts.len() > 3);
    let settings_default = Settings::default();
    let settings_flags = Settings {
        overrides: Thresholds {
            max_hr: Some(188),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut compared = 0;
    let mut sessions = 0;
    for part in &store.manifest().parts {
        for stored in store.part_activities(part, SampleColumns::All).unwrap() {
            let fresh = decode_path(&stored.source);
            assert_same_activity(&fresh, &stored);
            assert_same_zones(&fresh, &stored, &settings_default);
            assert_same_zones(&fresh, &stored, &settings_flags);
            compared += 1;
            sessions += fresh.sessions.len();
        }
    }
    assert_eq!(compared, summary.new);
    eprintln!("{compared} activities, {sessions} sessions identical through the store");

    // Store::analyse (the path `zones --store` takes) sees the same activities.
    let via_analyse = store
        .analyse(
            |_| true,
            SampleColumns::HeartRate,
            false,
            |a| {
                a.sessions
                    .iter()
                    .map(|s| {
                        SessionAnalysis::compute(a, s, &settings_default, Default::default())
                            .secs_in_zone
                    })
                    .collect::<Vec<_>>()
            },
        )
        .unwrap();
    assert_eq!(via_analyse.len(), store.files().len());
    for (report, value) in &via_analyse {
        if let Some(value) = value {
            let fresh = decode_path(&report.name);
            let expect: Vec<_> = fresh
                .sessions
                .iter()
                .map(|s| {
                    SessionAnalysis::compute(&fresh, s, &settings_default, Default::default())
                        .secs_in_zone
                })
                .collect();
            assert_eq!(&expect, value, "{}", report.name);
        }
    }
}

/// Rows of one file (a u64 literal above i64::MAX needs polars' i128 feature; a mask not).
fn rows_of(df: &DataFrame, hash: u64) -> DataFrame {
    let mask: BooleanChunked = df
        .column("file_hash")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(|h| h == Some(hash))
        .collect();
    df.filter(&mask).unwrap()
}

/// Every Parquet file of a table (all `year=…` folders), read with polars' plain Parquet
/// reader and stacked in path order.
fn scan(dir: &Path, table: &str) -> DataFrame {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&dir.join(table), &mut files);
    files.sort();
    // The hive partition column, as a hive-aware reader (DuckDB, pyarrow) adds it.
    let mut frames = files.iter().map(|p| {
        let mut df = ParquetReader::new(std::fs::File::open(p).unwrap())
            .finish()
            .unwrap();
        let year = p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("year="))
            .and_then(|y| y.parse::<i64>().ok());
        if let Some(y) = year {
            let h = df.height();
            df.with_column(Column::new("year".into(), vec![y; h]))
                .unwrap();
        }
        df
    });
    let mut all = frames.next().expect("the table has Parquet files");
    for f in frames {
        all.vstack_mut(&f).unwrap();
    }
    all
}

/// Zones and load numbers of every session read without samples, in a comparable form.
fn light_numbers(st: &Store) -> Result<Vec<String>, StoreError> {
    let settings = Settings {
        overrides: Thresholds {
            max_hr: Some(175),
            ..Default::default()
        },
        ..Default::default()
    };
    let out = st.analyse_hr(
        |_| true,
        false,
        |a| {
            a.sessions
                .iter()
                .map(|s| {
                    let an =
                        SessionAnalysis::compute(a, s, &settings, TimeInZoneOptions::default());
                    format!(
                        "{} {} {:?} {:.6} {:?}",
                        a.source, s.index, an.secs_in_zone, an.hr_excluded_s, an.quality_notes
                    )
                })
                .collect::<Vec<_>>()
        },
    )?;
    Ok(out
        .into_iter()
        .flat_map(|(_, v)| v.unwrap_or_default())
        .collect())
}

/// The light copy (`light/`) is every part's sessions, timer and hr_seconds in the
/// manifest's order; reading it gives what reading the parts gives; a copy that does not
/// match the manifest is an error, not a wrong number; a store without one is read part
/// by part; an old copy is deleted when a commit replaces it.
#[test]
fn the_light_copy_is_the_parts_light_tables_and_is_checked() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 400_000, 10);
    let input = tmp.path().join("in");
    copy_into(&corpus, &names, &input);
    let store_dir = tmp.path().join("store");
    ingest_dir(&input, &store_dir, &quiet());
    let st = Store::open(&store_dir).unwrap();
    let m = st.manifest().clone();
    assert!(
        m.parts.len() > 1,
        "the files span several years: {}",
        m.parts.len()
    );
    let light = m.light.clone().expect("an ingest writes the light copy");
    let copy_is_the_parts = |m: &store::Manifest| {
        let read = |rel: &str| {
            ParquetReader::new(std::fs::File::open(store_dir.join(rel)).unwrap())
                .finish()
                .unwrap()
        };
        for (table, rel) in m.light.as_ref().unwrap().tables() {
            let copy = read(rel);
            let mut parts = m
                .parts
                .iter()
                .map(|p| read(p.rel_path(table).to_str().unwrap()));
            let mut want = parts.next().unwrap();
            for p in parts {
                want.vstack_mut(&p).unwrap();
            }
            assert!(
                copy.equals_missing(&want),
                "light {table} differs from its parts"
            );
        }
    };
    copy_is_the_parts(&m);
    let with_copy = light_numbers(&st).unwrap();
    assert!(with_copy.len() >= names.len(), "{}", with_copy.len());

    // Without the copy (a store written before it): the parts give the same numbers.
    let manifest_path = store_dir.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json.as_object_mut().unwrap().remove("light");
    std::fs::write(&manifest_path, serde_json::to_string(&json).unwrap()).unwrap();
    assert_eq!(
        light_numbers(&Store::open(&store_dir).unwrap()).unwrap(),
        with_copy
    );
    std::fs::write(&manifest_path, &original).unwrap();

    // A copy that does not hold the manifest's rows (here: one part's sessions) is refused.
    let sessions = store_dir.join(&light.sessions);
    let saved = std::fs::read(&sessions).unwrap();
    std::fs::copy(store_dir.join(m.parts[0].rel_path("sessions")), &sessions).unwrap();
    match light_numbers(&Store::open(&store_dir).unwrap()) {
        Err(StoreError::Inconsistent { message, .. }) => {
            assert!(message.contains("rows where the parts"), "{message}")
        }
        other => panic!("a stale light copy was read: {other:?}"),
    }
    std::fs::write(&sessions, saved).unwrap();

    // A new commit writes a new copy and deletes the old one.
    let more = tmp.path().join("more");
    copy_into(&corpus, &activity_files(&corpus, 400_000, 12)[10..], &more);
    ingest_dir(&more, &store_dir, &quiet());
    let after = Store::open(&store_dir).unwrap();
    let new_light = after.manifest().light.clone().unwrap();
    assert_ne!(new_light, light);
    // Copied from the old copy for the parts it held, from the new parts' files for the
    // others: still exactly the parts.
    assert!(after.manifest().parts.len() > m.parts.len());
    copy_is_the_parts(after.manifest());
    let left: Vec<PathBuf> = std::fs::read_dir(store_dir.join("light"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(light_numbers(&after).unwrap().len() > with_copy.len());
}

/// The store opens in plain polars (its Parquet reader over the `year=…` folders, no hrzones code), with the
/// documented columns and the decoder's numbers.
#[test]
fn the_store_opens_in_polars_without_hrzones() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 400_000, 12);
    let input = tmp.path().join("in");
    let paths = copy_into(&corpus, &names, &input);
    let store_dir = tmp.path().join("store");
    let summary = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!(summary.new, names.len(), "{summary:?}");

    let samples = scan(&store_dir, "samples");
    let sessions = scan(&store_dir, "sessions");
    let timer = scan(&store_dir, "timer");
    let files = ParquetReader::new(
        std::fs::File::open(
            std::fs::read_dir(store_dir.join("files"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path(),
        )
        .unwrap(),
    )
    .finish()
    .unwrap();
    assert_eq!(files.height(), names.len());
    for c in [
        "file_hash",
        "session",
        "time",
        "hr_bpm",
        "distance_m",
        "speed_mps",
        "altitude_m",
        "cadence_rpm",
        "power_w",
        "year",
    ] {
        assert!(samples.column(c).is_ok(), "samples lacks {c}");
    }
    assert_eq!(
        samples.column("time").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    );

    let mut total_records = 0;
    let mut total_sessions = 0;
    let mut total_timer = 0;
    for p in &paths {
        let a = decode_path(&p.canonicalize().unwrap().to_string_lossy());
        total_records += a.samples.len();
        total_sessions += a.sessions.len();
        total_timer += a.timer.len();
        let hash = xxhash_rust::xxh3::xxh3_64(&std::fs::read(p).unwrap());
        // This file's heart rate, in file order, nulls where the decoder has 0.
        let mine = rows_of(&samples, hash);
        let hr: Vec<u32> = mine
            .column("hr_bpm")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect();
        let expect: Vec<u32> = a.samples.hr_bpm.iter().map(|&h| h as u32).collect();
        assert_eq!(hr, expect, "{}", p.display());
        let first_ms = mine
            .column("time")
            .unwrap()
            .datetime()
            .unwrap()
            .physical()
            .get(0);
        assert_eq!(
            first_ms,
            a.samples
                .t_s
                .first()
                .map(|&t| (t as i64 + hrzones::fit::profile::FIT_EPOCH_UNIX_S) * 1000)
        );
        let s = rows_of(&sessions, hash);
        assert_eq!(s.height(), a.sessions.len());
        let timer_s = s.column("timer_s").unwrap().f64().unwrap().get(0);
        assert_eq!(timer_s, Some(a.sessions[0].timer_s));
        let sport = s
            .column("sport")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string);
        assert_eq!(sport.as_deref(), Some(a.sessions[0].sport_name()));
    }
    assert_eq!(samples.height(), total_records);
    assert_eq!(sessions.height(), total_sessions);
    assert_eq!(timer.height(), total_timer);
}

/// A second ingest of the same folder reads nothing; touching a file's mtime makes it
/// hashed but not decoded; a changed file replaces its rows and only its rows.
#[test]
fn a_second_ingest_decodes_nothing_and_a_changed_file_replaces_its_rows() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 300_000, 8);
    let input = tmp.path().join("in");
    let paths = copy_into(&corpus, &names, &input);
    let store_dir = tmp.path().join("store");
    let first = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((first.new, first.decoded), (names.len(), names.len()));
    let gen1 = Store::open(&store_dir).unwrap().manifest().generation;

    let again = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!(again.decoded, 0, "{again:?}");
    assert_eq!(again.bytes_read, 0, "unchanged files must not even be read");
    assert_eq!(again.unchanged, names.len());
    assert!(!again.committed);
    assert_eq!(Store::open(&store_dir).unwrap().manifest().generation, gen1);

    // Same bytes, new mtime: read and hashed, not decoded.
    let bytes0 = std::fs::read(&paths[0]).unwrap();
    std::fs::write(&paths[0], &bytes0).unwrap();
    let f = std::fs::File::options()
        .write(true)
        .open(&paths[0])
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    let touched = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((touched.decoded, touched.unchanged), (0, names.len()));
    assert!(touched.bytes_read > 0);

    // Changed content: the activity moved by ~a year.
    let before = Store::open(&store_dir).unwrap();
    let samples_before: u64 = before.manifest().parts.iter().map(|p| p.samples).sum();
    let old_hash = xxhash_rust::xxh3::xxh3_64(&bytes0);
    let delta = archive_gen::round_shift(365 * 86_400);
    std::fs::write(
        &paths[0],
        archive_gen::shift_timestamps(&bytes0, delta).unwrap(),
    )
    .unwrap();
    let changed = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!(
        (changed.changed, changed.decoded, changed.unchanged),
        (1, 1, names.len() - 1),
        "{changed:?}"
    );
    assert_eq!(changed.parts_rewritten, 1);
    let after = Store::open(&store_dir).unwrap();
    let samples_after: u64 = after.manifest().parts.iter().map(|p| p.samples).sum();
    assert_eq!(samples_before, samples_after, "old rows must be gone");
    let all = scan(&store_dir, "samples");
    let old_rows = rows_of(&all, old_hash).height();
    assert_eq!(old_rows, 0);
    // Every stored activity (moved or not) still matches its file.
    for part in &after.manifest().parts {
        for stored in after.part_activities(part, SampleColumns::All).unwrap() {
            assert_same_activity(&decode_path(&stored.source), &stored);
        }
    }
    let moved = after
        .files()
        .iter()
        .find(|e| Path::new(&e.path) == paths[0].canonicalize().unwrap())
        .unwrap();
    assert_eq!(moved.status, FileStatus::Ok);
    assert_ne!(moved.file_hash, Some(old_hash));
    // No files left that the manifest does not name.
    let referenced = after.manifest().referenced();
    for t in ["samples", "sessions", "timer", "files", "light"] {
        for e in walk(&store_dir.join(t)) {
            let rel = e.strip_prefix(&store_dir).unwrap().to_path_buf();
            assert!(referenced.contains(&rel), "stray file {}", rel.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// An ingest that stops after writing its parts but before the manifest rename leaves the
/// previous store as it was; the next ingest tidies up and commits.
#[test]
fn an_interrupted_ingest_leaves_the_previous_store_readable() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 300_000, 10);
    let input = tmp.path().join("in");
    copy_into(&corpus, &names[..5], &input);
    let store_dir = tmp.path().join("store");
    ingest_dir(&input, &store_dir, &quiet());
    let before = Store::open(&store_dir).unwrap();
    let manifest_bytes = std::fs::read(store_dir.join("manifest.json")).unwrap();

    copy_into(&corpus, &names[5..], &input);
    let found = source::collect(&[input.canonicalize().unwrap()]);
    let interrupted = IngestOptions {
        fail_before_commit: true,
        ..quiet()
    };
    let err = store::ingest(&store_dir, &found, &interrupted, |_| ()).unwrap_err();
    assert!(matches!(err, StoreError::Interrupted { .. }), "{err}");
    // New parts were written...
    let files_on_disk = walk(&store_dir.join("samples")).len();
    assert!(files_on_disk > before.manifest().parts.len());
    // ...but the manifest and what a reader sees are the old ones.
    assert_eq!(
        std::fs::read(store_dir.join("manifest.json")).unwrap(),
        manifest_bytes
    );
    let reopened = Store::open(&store_dir).unwrap();
    assert_eq!(reopened.files(), before.files());
    let n = reopened
        .analyse(
            |_| true,
            SampleColumns::HeartRate,
            false,
            |a| a.sessions.len(),
        )
        .unwrap()
        .iter()
        .filter(|(_, v)| v.is_some())
        .count();
    assert_eq!(n, 5);
    // The lock was released: another writer can take it at once.
    drop(hrzones::store::manifest::Lock::acquire(&store_dir).expect("the lock must be released"));

    let resumed = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((resumed.new, resumed.unchanged), (names.len() - 5, 5));
    let after = Store::open(&store_dir).unwrap();
    assert_eq!(
        walk(&store_dir.join("samples")).len(),
        after.manifest().parts.len(),
        "parts of the interrupted run must be cleaned up"
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A Garmin-style zip (with a nested folder and a non-FIT entry), Strava-style .fit.gz
/// files, a file that appears twice, and a stray text file.
#[test]
fn zip_gz_and_duplicate_inputs() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 300_000, 6);
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("strava/activities")).unwrap();
    // Three files in a zip, one of them also as a .fit.gz (a duplicate).
    let zip_path = input.join("garmin-export.zip");
    let mut z = ::zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    for n in &names[..3] {
        z.start_file(
            format!(
                "DI_CONNECT/DI-Connect-Uploaded-Files/{}",
                n.replace('/', "_")
            ),
            opts,
        )
        .unwrap();
        z.write_all(&std::fs::read(corpus.join(n)).unwrap())
            .unwrap();
    }
    z.start_file("DI_CONNECT/readme.txt", opts).unwrap();
    z.write_all(b"not a fit file").unwrap();
    z.finish().unwrap();
    for n in &names[2..] {
        let gz = gzip(&std::fs::read(corpus.join(n)).unwrap());
        std::fs::write(
            input
                .join("strava/activities")
                .join(format!("{}.gz", n.replace('/', "_"))),
            gz,
        )
        .unwrap();
    }
    std::fs::write(input.join("strava/activities.csv"), "id,name\n").unwrap();

    let store_dir = tmp.path().join("store");
    let summary = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!(summary.new, names.len(), "{summary:?}");
    assert_eq!(summary.duplicate, 1, "{summary:?}");
    // readme.txt in the zip; activities.csv is not skipped but kept for the labels.
    assert_eq!(summary.skipped, 1, "{summary:?}");
    assert_eq!(summary.failed, 0);

    // Rows once per distinct file; every stored activity equals the decoder's.
    let store = Store::open(&store_dir).unwrap();
    let stored: Vec<Activity> = store
        .manifest()
        .parts
        .iter()
        .flat_map(|p| store.part_activities(p, SampleColumns::All).unwrap())
        .collect();
    assert_eq!(stored.len(), names.len());
    for a in &stored {
        let inner = a
            .source
            .rsplit(['/', ':'])
            .next()
            .unwrap()
            .trim_end_matches(".gz");
        let n = names.iter().find(|n| n.replace('/', "_") == inner).unwrap();
        let bytes = std::fs::read(corpus.join(n)).unwrap();
        let fresh = Activity::from_fit(
            hrzones::fit::decode(&bytes, Default::default()).unwrap(),
            a.source.clone(),
        );
        assert_same_activity(&fresh, a);
    }
    let dups: Vec<_> = store
        .files()
        .iter()
        .filter(|e| e.status == FileStatus::Duplicate)
        .collect();
    assert_eq!(dups.len(), 1);
    assert!(dups[0].duplicate_of.is_some());
    assert_eq!(
        scan(&store_dir, "sessions").height(),
        stored.iter().map(|a| a.sessions.len()).sum::<usize>()
    );

    // The zip's entries are unchanged on a second run without reading them.
    let again = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((again.decoded, again.bytes_read), (0, 0), "{again:?}");
    assert_eq!(again.unchanged + again.duplicate, names.len() + 1);
}

/// Files refused for a bad CRC are stored as failed (exit 1 territory) and retried with
/// --accept-bad-crc.
#[test]
fn bad_crc_files_fail_and_are_retried_when_accepted() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let names = activity_files(&corpus, 300_000, 2);
    let input = tmp.path().join("in");
    let paths = copy_into(&corpus, &names, &input);
    let mut bytes = std::fs::read(&paths[1]).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xFF; // break the file CRC
    std::fs::write(&paths[1], bytes).unwrap();
    let store_dir = tmp.path().join("store");
    let s = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((s.new, s.failed), (1, 1), "{s:?}");
    let again = ingest_dir(&input, &store_dir, &quiet());
    assert_eq!((again.failed, again.decoded), (1, 0), "{again:?}");
    let accept = IngestOptions {
        policy: Policy {
            accept_bad_crc: true,
            skip_crc: false,
            ..Default::default()
        },
        ..quiet()
    };
    let retried = ingest_dir(&input, &store_dir, &accept);
    assert_eq!((retried.decoded, retried.failed), (1, 0), "{retried:?}");
    assert_eq!(retried.salvaged, 1, "{retried:?}");
}
