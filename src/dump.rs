//! Everything in a FIT file, as JSON, decoded by a second, independent decoder.
//!
//! Our own decoder ([`crate::fit::decode`]) reads only the few messages hrzones needs, as
//! fast as it can. This module exists for the other two jobs, which need the whole
//! profile: `hrzones dump FILE` (show a user every message, field, value and unit) and
//! the differential test (`tests/differential.rs`), which checks our decoder against a
//! decoder written by someone else. Both use the `fitparser` crate (FIT profile 21.x,
//! serde-serialisable records).
//!
//! fitparser can panic on crafted input (fitparse-rs issue #10; mutants found more), so
//! every call goes through [`fitparser_records`], which runs it under
//! [`std::panic::catch_unwind`] and turns a panic into [`DumpError::Panicked`]. The panic
//! message is captured and the default "thread panicked at" line is not printed, through a
//! panic hook installed once per process that stays silent only on a thread that is inside
//! that call (a thread-local flag), and forwards every other panic to the hook that was
//! installed before it. So there is no race with other threads' panics; the one global
//! effect is that a hook installed *later* by someone else replaces ours, and then the
//! panic message is printed as usual (the result is still an error, never a crash).
//!
//! What it cannot silence: fitparser `eprintln!`s an "ERROR: field size ... is not a
//! multiple of the base type" line for every such field definition (Coros files); that
//! goes to stderr directly and only a process-wide redirect could hide it.
//!
//! This module must not be used on the hot path: fitparser allocates a `String` per field
//! and is two to three orders of magnitude slower than our decoder (see `BENCHMARKS.md`).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use fitparser::de::DecodeOption;
use fitparser::{FitDataRecord, Value};

/// Why a file could not be dumped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// fitparser rejected the file (bad CRC, truncated, undefined message, ...).
    #[error("fitparser could not decode the file: {0}")]
    Decode(#[source] fitparser::Error),
    /// fitparser panicked on the file (crafted or damaged input).
    #[error("fitparser panicked on the file: {message}")]
    Panicked {
        /// The panic message with its source location, as far as it could be captured.
        message: String,
    },
    /// The decoded records could not be turned into JSON.
    #[error("could not convert the decoded file to JSON")]
    Json(#[from] serde_json::Error),
}

/// How to run fitparser.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpOptions {
    /// Ignore header and file CRC mismatches (fitparser otherwise refuses the whole file).
    pub skip_crc: bool,
}

thread_local! {
    /// True while this thread is inside [`fitparser_records`]: its panics are captured, not printed.
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
    /// The last captured panic message on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL_HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that records the message instead of printing
/// it while [`QUIET_PANICS`] is set on the panicking thread, and forwards to the previous
/// hook otherwise.
fn install_quiet_hook() {
    INSTALL_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET_PANICS.with(Cell::get) {
                let message = match info.location() {
                    Some(at) => format!("{} (at {at})", payload_text(info.payload())),
                    None => payload_text(info.payload()),
                };
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(message));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".to_string()
    }
}

/// Decodes `bytes` with fitparser, turning a panic into [`DumpError::Panicked`].
///
/// fitparser's own conventions apply: invalid values are left out, compressed timestamps
/// are expanded into a `timestamp` field, enums are named, components are expanded.
pub fn fitparser_records(bytes: &[u8], opts: DumpOptions) -> Result<Vec<FitDataRecord>, DumpError> {
    install_quiet_hook();
    let mut options = HashSet::new();
    if opts.skip_crc {
        options.insert(DecodeOption::SkipHeaderCrcValidation);
        options.insert(DecodeOption::SkipDataCrcValidation);
    }
    let was_quiet = QUIET_PANICS.with(|q| q.replace(true));
    LAST_PANIC.with(|p| p.borrow_mut().take());
    // AssertUnwindSafe: the closure only reads `bytes` and `options`, and everything
    // fitparser built is dropped with the unwinding stack; nothing half-updated survives.
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        fitparser::de::from_bytes_with_options(bytes, &options)
    }));
    QUIET_PANICS.with(|q| q.set(was_quiet));
    match result {
        Ok(Ok(records)) => Ok(records),
        Ok(Err(e)) => Err(DumpError::Decode(e)),
        Err(payload) => {
            let message = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| payload_text(payload.as_ref()));
            Err(DumpError::Panicked { message })
        }
    }
}

/// A truncated file made whole for fitparser, which refuses any file shorter than its
/// header says: the messages before the cut (found by hrzones' own decoder, as `zones`
/// salvages them), with the header's data size and both CRCs rewritten to match. None
/// when the file is not a single truncated FIT file. The text says what was kept.
pub fn salvage_truncated(bytes: &[u8]) -> Option<(Vec<u8>, String)> {
    use crate::fit::WarningKind;
    let data = crate::fit::decode(bytes, crate::fit::DecodeOptions { skip_crc: true }).ok()?;
    if data.chained_files > 1 {
        return None;
    }
    let truncated = data
        .warnings
        .iter()
        .find(|w| matches!(w.kind, WarningKind::Truncated { .. }))?;
    // A message cut by the end starts at its header byte: everything before is whole.
    let cut = data
        .warnings
        .iter()
        .find(|w| matches!(w.kind, WarningKind::MessageCut { .. }))
        .map_or(bytes.len() as u64, |w| w.offset);
    let cut = usize::try_from(cut).ok()?;
    let header_len = usize::from(*bytes.first()?);
    if !(12..=cut).contains(&header_len) || cut > bytes.len() || header_len == cut {
        return None;
    }
    let mut whole = bytes[..cut].to_vec();
    let data_size = u32::try_from(cut - header_len).ok()?;
    whole[4..8].copy_from_slice(&data_size.to_le_bytes());
    if header_len >= 14 {
        let crc = crate::fit::crc::crc16(&whole[..12]);
        whole[12..14].copy_from_slice(&crc.to_le_bytes());
    }
    let crc = crate::fit::crc::crc16(&whole);
    whole.extend_from_slice(&crc.to_le_bytes());
    let what = format!(
        "salvaged: {truncated}; dumped the {} bytes of whole messages before the cut",
        cut - header_len
    );
    Some((whole, what))
}

/// The whole file as JSON, strict about CRCs; see [`dump_json_with`].
pub fn dump_json(bytes: &[u8]) -> Result<serde_json::Value, DumpError> {
    dump_json_with(bytes, DumpOptions::default())
}

/// The whole file as JSON: an array with one object per data message, in file order:
///
/// ```json
/// [{"kind": "record", "fields": [
///    {"name": "timestamp", "number": 253, "developer_data_index": null,
///     "value": "2019-11-24T07:59:13Z", "units": ""},
///    {"name": "heart_rate", "number": 3, "developer_data_index": null,
///     "value": 97, "units": "bpm"}]}]
/// ```
///
/// `kind` is the message name (or its number when the profile does not know it). Values
/// are fitparser's: scaled numbers, named enums, arrays, strings. Timestamps are written
/// in UTC (`...Z`) so the output does not depend on the machine's time zone; fields of FIT
/// type `local_date_time` (e.g. `activity.local_timestamp`) are written as fitparser
/// decodes them, wall-clock time without a zone (exact when the machine runs on UTC).
pub fn dump_json_with(bytes: &[u8], opts: DumpOptions) -> Result<serde_json::Value, DumpError> {
    let records = fitparser_records(bytes, opts)?;
    let mut out = Vec::with_capacity(records.len());
    for rec in &records {
        let mut fields = Vec::with_capacity(rec.fields().len());
        for f in rec.fields() {
            let mut field = serde_json::to_value(f)?;
            if let Some(slot) = field.get_mut("value") {
                *slot = value_json(f.value(), f.name().contains("local"))?;
            }
            fields.push(field);
        }
        out.push(serde_json::json!({
            "kind": serde_json::to_value(rec.kind())?,
            "fields": fields,
        }));
    }
    Ok(serde_json::Value::Array(out))
}

/// fitparser's value as JSON, with timestamps made independent of the machine's zone.
fn value_json(v: &Value, local: bool) -> Result<serde_json::Value, DumpError> {
    Ok(match v {
        Value::Timestamp(t) if local => t
            .naive_local()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
            .into(),
        Value::Timestamp(t) => t
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
            .into(),
        Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|x| value_json(x, local))
                .collect::<Result<_, _>>()?,
        ),
        other => serde_json::to_value(other)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn corpus_file(rel: &str) -> Option<Vec<u8>> {
        let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fit-corpus")
            .join(rel);
        match std::fs::read(&p) {
            Ok(b) => Some(b),
            Err(_) => {
                eprintln!("skipping: corpus file {} not found", p.display());
                None
            }
        }
    }

    /// A 1,175-byte Garmin vivosmart HR run: 15 records, 14 with HR (MANIFEST.csv).
    const SMALL: &str = "GPSBabel+gpsbabel/reference__track__garmin-vivosmart-hr.fit";

    #[test]
    fn dumps_every_message_with_kind_fields_and_units() {
        let Some(bytes) = corpus_file(SMALL) else {
            return;
        };
        let json = dump_json(&bytes).unwrap();
        let msgs = json.as_array().unwrap();
        assert_eq!(msgs[0]["kind"], "file_id");
        let records: Vec<_> = msgs.iter().filter(|m| m["kind"] == "record").collect();
        // MANIFEST.csv: 15 records, 14 of them with heart rate.
        assert_eq!(records.len(), 15);
        let hr_fields: Vec<_> = records
            .iter()
            .flat_map(|r| r["fields"].as_array().unwrap())
            .filter(|f| f["name"] == "heart_rate")
            .collect();
        assert_eq!(hr_fields.len(), 14);
        assert!(hr_fields
            .iter()
            .all(|f| f["units"] == "bpm" && f["number"] == 3));
        // Every record has a UTC timestamp, and they agree with our decoder's.
        let ours = crate::fit::decode(&bytes, Default::default()).unwrap();
        let ts: Vec<String> = records
            .iter()
            .map(|r| {
                let f = r["fields"].as_array().unwrap();
                let t = f.iter().find(|f| f["name"] == "timestamp").unwrap();
                t["value"].as_str().unwrap().to_string()
            })
            .collect();
        assert!(ts.iter().all(|t| t.ends_with('Z')), "{ts:?}");
        assert_eq!(ts.len(), ours.records.t_s.len());
        // 631065600 s from 1970-01-01 to the FIT epoch 1989-12-31T00:00:00Z.
        let first_unix = ours.records.t_s[0] as i64 + 631_065_600;
        let days = first_unix.div_euclid(86_400);
        let secs = first_unix.rem_euclid(86_400);
        let hms = format!(
            "T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        assert!(ts[0].ends_with(&hms), "{} vs {hms} (day {days})", ts[0]);
    }

    #[test]
    fn a_bad_crc_is_an_error_unless_skipped() {
        let Some(mut bytes) = corpus_file(SMALL) else {
            return;
        };
        let n = bytes.len();
        bytes[n - 1] ^= 0xFF;
        assert!(matches!(dump_json(&bytes), Err(DumpError::Decode(_))));
        let lenient = dump_json_with(&bytes, DumpOptions { skip_crc: true }).unwrap();
        assert!(!lenient.as_array().unwrap().is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_crash() {
        assert!(matches!(
            dump_json(b"hello, not a FIT file"),
            Err(DumpError::Decode(_))
        ));
    }

    // fitparser 0.11 slices the header by its declared size before checking that many
    // bytes are there (`de/mod.rs`, the header CRC): a 14-byte header claiming 200 bytes
    // panics. Found by mutating corpus files. If a fitparser update fixes this, expect
    // `DumpError::Decode` here instead.
    #[test]
    fn a_fitparser_panic_becomes_a_typed_error_with_its_message() {
        let mut header = vec![200, 0x10, 0, 0, 0, 0, 0, 0];
        header.extend_from_slice(b".FIT");
        header.extend_from_slice(&[1, 0]); // non-zero header CRC: fitparser checks it
        match dump_json(&header) {
            Err(DumpError::Panicked { message }) => {
                assert!(message.contains("out of range"), "{message}");
                assert!(message.contains("fitparser"), "{message}");
            }
            other => panic!("expected a caught panic, got {other:?}"),
        }
        // Our decoder refuses the same bytes with an error, not a panic.
        assert!(crate::fit::decode(&header, Default::default()).is_err());
        // The thread is usable and quiet flags are restored afterwards.
        assert!(!QUIET_PANICS.with(Cell::get));
    }
}
