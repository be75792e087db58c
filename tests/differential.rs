//! Differential test: our decoder against fitparser, a FIT decoder written independently
//! of ours, on every file of the real corpus (`../shared/fit-corpus`).
//!
//! For every file fitparser decodes, both must give the same record stream — the sequence
//! of (timestamp, heart rate) of `record` messages — and the same number of `session`
//! messages. Files fitparser rejects only for a CRC mismatch are decoded again with its
//! CRC checks off and compared the same way (our decoder keeps the data of such files and
//! warns). Files it rejects otherwise, or panics on, are counted, not compared.
//!
//! The two decoders differ by design in ways normalised here, each one explained where
//! it is handled:
//! - fitparser keeps `record` messages without any timestamp; ours drops them (a sample
//!   without a time cannot be placed). They are dropped from fitparser's stream.
//! - fitparser gives heart rate only when valid (it strips 0xFF); ours stores 0 for "no
//!   heart rate". A missing fitparser value compares as 0.
//! - fitparser turns timestamps into `DateTime<Local>`; we convert back to FIT seconds
//!   (Unix seconds − 631,065,600, the FIT epoch 1989-12-31T00:00:00Z).

use std::path::{Path, PathBuf};
use std::time::Instant;

use fitparser::de::{FitObject, FitStreamProcessor};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};
use hrzones::dump::{fitparser_records, DumpError, DumpOptions};
use hrzones::fit::{decode, DecodeOptions, FitData};

/// Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z), FIT SDK profile
/// `date_time` type.
const FIT_EPOCH_UNIX_S: i64 = 631_065_600;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus")
}

fn fit_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            fit_files(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fit")) {
            out.push(p);
        }
    }
}

/// fitparser's record stream as (FIT s, bpm with 0 = none), records without a timestamp
/// dropped; and its session count.
fn oracle_streams(recs: &[FitDataRecord]) -> (Vec<(u32, u8)>, usize) {
    let mut stream = Vec::new();
    let mut sessions = 0;
    for r in recs {
        match r.kind() {
            MesgNum::Session => sessions += 1,
            MesgNum::Record => {
                let mut t = None;
                let mut hr = 0u8;
                for f in r.fields() {
                    match (f.number(), f.value()) {
                        // A compressed-timestamp record carries fitparser's expanded
                        // timestamp as a field numbered 253, pushed last; where a message
                        // has both, the last one is what the record means.
                        (253, Value::Timestamp(dt)) => t = Some(dt.timestamp() - FIT_EPOCH_UNIX_S),
                        (3, v) if f.name() == "heart_rate" => {
                            let v: i64 = v.try_into().unwrap_or(0);
                            hr = u8::try_from(v).unwrap_or(0);
                        }
                        _ => {}
                    }
                }
                if let Some(t) = t {
                    stream.push((t as u32, hr));
                }
            }
            _ => {}
        }
    }
    (stream, sessions)
}

/// Our record stream as (FIT s, bpm with 0 = none).
fn record_stream(ours: Option<&FitData>) -> Vec<(u32, u8)> {
    ours.map_or_else(Vec::new, |d| {
        d.records
            .t_s
            .iter()
            .copied()
            .zip(d.records.hr_bpm.iter().copied())
            .collect()
    })
}

/// The data messages fitparser decodes before it hits an error, read message by message
/// through its streaming API (`from_bytes` returns nothing on error). None if it panics.
fn fitparser_prefix(bytes: &[u8]) -> Option<Vec<FitDataRecord>> {
    std::panic::catch_unwind(|| {
        let mut p = FitStreamProcessor::new();
        let mut out = Vec::new();
        let mut buf = bytes;
        while !buf.is_empty() {
            let Ok((rest, obj)) = p.deserialize_next(buf) else {
                break;
            };
            match obj {
                FitObject::Crc(..) => p.reset(),
                FitObject::DataMessage(m) => match p.decode_message(m) {
                    Ok(r) => out.push(r),
                    Err(_) => break,
                },
                _ => {}
            }
            buf = rest;
        }
        out
    })
    .ok()
}

#[derive(Default)]
struct Summary {
    files: usize,
    compared_strict: usize,
    compared_crc_skipped: usize,
    records_compared: usize,
    hr_rows_compared: usize,
    prefix_rows: usize,
    oracle_errors: Vec<(String, String)>,
    oracle_panics: Vec<(String, String)>,
    ours_errors: Vec<(String, String)>,
    disagreements: Vec<String>,
}

#[test]
fn our_decoder_agrees_with_fitparser_on_the_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!("skipping: FIT corpus not found at {}", dir.display());
        return;
    }
    let mut files = Vec::new();
    fit_files(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no .fit files under {}", dir.display());

    let started = Instant::now();
    let mut s = Summary::default();
    for path in &files {
        s.files += 1;
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = std::fs::read(path).unwrap();
        let ours = match decode(&bytes, DecodeOptions::default()) {
            Ok(d) => Some(d),
            Err(e) => {
                s.ours_errors.push((name.clone(), e.to_string()));
                None
            }
        };
        let mut crc_skipped = false;
        let oracle = match fitparser_records(&bytes, DumpOptions::default()) {
            Err(DumpError::Decode(e)) if matches!(*e, fitparser::ErrorKind::InvalidCrc(..)) => {
                crc_skipped = true;
                fitparser_records(&bytes, DumpOptions { skip_crc: true })
            }
            other => other,
        };
        let oracle = match oracle {
            Ok(r) => r,
            Err(e) => {
                if let DumpError::Panicked { message } = &e {
                    s.oracle_panics.push((name.clone(), message.clone()));
                } else {
                    s.oracle_errors.push((name.clone(), e.to_string()));
                }
                // What fitparser read before it gave up must be the start of ours.
                let Some(prefix) = fitparser_prefix(&bytes) else {
                    continue;
                };
                let (theirs, _) = oracle_streams(&prefix);
                let mine = record_stream(ours.as_ref());
                s.prefix_rows += theirs.len();
                if mine.len() < theirs.len() || mine[..theirs.len()] != theirs[..] {
                    s.disagreements.push(format!(
                        "{name}: fitparser's {} rows before its error are not the start of our {} rows",
                        theirs.len(),
                        mine.len()
                    ));
                }
                continue;
            }
        };
        let Some(ours) = ours else {
            s.disagreements
                .push(format!("{name}: fitparser decodes it, we do not"));
            continue;
        };
        if crc_skipped {
            s.compared_crc_skipped += 1;
            assert!(
                ours.warnings.iter().any(|w| w.is_crc()),
                "{name}: fitparser reports a CRC mismatch, we do not"
            );
        } else {
            s.compared_strict += 1;
        }
        let (theirs, their_sessions) = oracle_streams(&oracle);
        let mine = record_stream(Some(&ours));
        s.hr_rows_compared += mine.iter().filter(|(_, hr)| *hr != 0).count();
        s.records_compared += mine.len();
        if mine != theirs {
            let first = mine
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(mine.len().min(theirs.len()));
            s.disagreements.push(format!(
                "{name}: record streams differ (ours {} rows, fitparser {}); first difference at row {first}: ours {:?}, fitparser {:?}",
                mine.len(),
                theirs.len(),
                mine.get(first),
                theirs.get(first),
            ));
        }
        if ours.sessions.len() != their_sessions {
            s.disagreements.push(format!(
                "{name}: sessions differ (ours {}, fitparser {their_sessions})",
                ours.sessions.len()
            ));
        }
    }

    eprintln!(
        "differential: {} files; compared {} ({} strict, {} with fitparser's CRC check off): \
         {} record rows, {} with HR; fitparser errors {} (their {} rows before the error checked \
         as a prefix of ours), fitparser panics {}, our errors {}; {:.1} s",
        s.files,
        s.compared_strict + s.compared_crc_skipped,
        s.compared_strict,
        s.compared_crc_skipped,
        s.records_compared,
        s.hr_rows_compared,
        s.oracle_errors.len(),
        s.prefix_rows,
        s.oracle_panics.len(),
        s.ours_errors.len(),
        started.elapsed().as_secs_f64(),
    );
    for (name, e) in &s.oracle_errors {
        eprintln!("  fitparser error: {name}: {e}");
    }
    for (name, e) in &s.oracle_panics {
        eprintln!("  fitparser panic: {name}: {e}");
    }
    for (name, e) in &s.ours_errors {
        eprintln!("  our error: {name}: {e}");
    }
    assert!(
        s.disagreements.is_empty(),
        "{} disagreements:\n{}",
        s.disagreements.len(),
        s.disagreements.join("\n")
    );
    // The comparison must have bitten: most of the corpus is decodable by both.
    assert!(s.compared_strict + s.compared_crc_skipped >= files.len() / 2);
}
