//! Shared by the command-line tests: the binary, the shared corpora, reading its CSV
//! output, and one writer for synthetic runs whose numbers are known by construction.
//!
//! Light on purpose (the robustness harness in `support/` is much larger): a test file
//! that only runs the binary includes this one.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use hrzones::fit::encode::{file_type, Field, FileIdMsg, FitWriter, RecordMsg, SessionMsg, Value};
use hrzones::fit::profile::{mesg, FIELD_TIMESTAMP, FIT_EPOCH_UNIX_S};

/// The `hrzones` binary of this build.
pub fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

/// A folder of the shared material (`../shared/NAME` next to the crate) when it holds a
/// `MANIFEST.csv`; None, with a message saying the test is skipped, when it does not.
fn shared(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(name);
    if p.join("MANIFEST.csv").exists() {
        Some(p)
    } else {
        eprintln!("skipping: {name} not found at {}", p.display());
        None
    }
}

/// `../shared/fit-corpus` (223 real files), or None with a skip message.
pub fn corpus() -> Option<PathBuf> {
    shared("fit-corpus")
}

/// `../shared/fit-corpus2` (845 real files), or None with a skip message.
pub fn corpus2() -> Option<PathBuf> {
    shared("fit-corpus2")
}

/// FIT seconds (since 1989-12-31 00:00 UTC) of a Unix time.
pub fn fit_s(unix: i64) -> u32 {
    (unix - FIT_EPOCH_UNIX_S) as u32
}

/// RFC 4180 records: fields split on commas outside double quotes, `""` an escaped
/// quote, line breaks inside quotes kept.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// CSV text as rows of header → value (empty lines left out).
pub fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut records = parse_csv(text).into_iter();
    let Some(header) = records.next() else {
        return Vec::new();
    };
    records
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// The CSV rows `hrzones ARGS --format csv` prints; panics with its stderr when it fails.
pub fn csv_of(args: &[&str]) -> Vec<BTreeMap<String, String>> {
    let out = hrzones()
        .args(args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    csv_rows(&String::from_utf8(out.stdout).unwrap())
}

/// A synthetic run: one record a second with the timer running throughout, so record k
/// stands for second (k-1, k] and the time at each heart rate is known by construction.
#[derive(Debug, Clone)]
pub struct SyntheticRun {
    /// Start, Unix s (UTC).
    pub start_unix: i64,
    /// Heart rate of each record; record 0 is at the start, so the run lasts
    /// `hr.len() - 1` seconds.
    pub hr: Vec<u8>,
    /// Constant speed, m/s (distance follows from it).
    pub speed_mps: f64,
    /// The session message's average and maximum HR (the watch's own numbers).
    pub session_hr: Option<(u8, u8)>,
    /// The watch's recovery HR event two minutes after the stop: this many bpm below the
    /// last record's HR.
    pub recovery_hr_drop: Option<u8>,
    /// The `activity` message's `local_timestamp` offset from UTC, s.
    pub utc_offset_s: Option<i32>,
}

impl SyntheticRun {
    /// A run at 3 m/s from `start_unix` over `hr`, nothing optional.
    pub fn new(start_unix: i64, hr: Vec<u8>) -> SyntheticRun {
        SyntheticRun {
            start_unix,
            hr,
            speed_mps: 3.0,
            session_hr: None,
            recovery_hr_drop: None,
            utc_offset_s: None,
        }
    }

    /// A run of (minutes, bpm) segments: a first record at the first segment's HR, then
    /// each segment's seconds.
    pub fn of_segments(start_unix: i64, segs: &[(u32, u8)]) -> SyntheticRun {
        let mut hr = vec![segs.first().map_or(0, |s| s.1)];
        for &(min, bpm) in segs {
            hr.extend(std::iter::repeat_n(bpm, (min * 60) as usize));
        }
        SyntheticRun::new(start_unix, hr)
    }

    /// Writes the run as a FIT activity file.
    pub fn write(&self, path: &Path) {
        let t0 = fit_s(self.start_unix);
        let n = self.hr.len().saturating_sub(1) as u32;
        let v = self.speed_mps;
        let mut w = FitWriter::new();
        w.file_id(&FileIdMsg {
            file_type: file_type::ACTIVITY,
            manufacturer: 255,
            product: 1,
            serial_number: Some(1),
            time_created: Some(t0),
        })
        .unwrap();
        w.timer_start(t0).unwrap();
        for (k, &h) in self.hr.iter().enumerate() {
            w.record(&RecordMsg {
                t_s: t0 + k as u32,
                hr_bpm: Some(h),
                distance_m: Some(v * k as f64),
                speed_mps: Some(v),
                ..Default::default()
            })
            .unwrap();
        }
        let end = t0 + n;
        w.timer_stop_all(end).unwrap();
        if let (Some(drop), Some(&last)) = (self.recovery_hr_drop, self.hr.last()) {
            w.recovery_hr(end + 120, last - drop).unwrap();
        }
        w.session(&SessionMsg {
            message_index: 0,
            t_s: end,
            start_s: t0,
            sport: 1,
            sub_sport: 0,
            elapsed_s: n as f64,
            timer_s: n as f64,
            distance_m: Some(v * n as f64),
            avg_hr: self.session_hr.map(|h| h.0),
            max_hr: self.session_hr.map(|h| h.1),
            ..Default::default()
        })
        .unwrap();
        match self.utc_offset_s {
            None => w.activity(end, n as f64, 1).unwrap(),
            Some(off) => {
                // activity.local_timestamp (field 5): the watch's local clock at `timestamp`.
                let local = (i64::from(end) + i64::from(off)) as u32;
                let fields = [
                    Field::new(FIELD_TIMESTAMP, Value::U32(end)),
                    Field::new(0, Value::U32(n * 1000)),
                    Field::new(1, Value::U16(1)),
                    Field::new(5, Value::U32(local)),
                ];
                w.message(mesg::ACTIVITY, &fields).unwrap();
            }
        }
        std::fs::write(path, w.finish()).unwrap();
    }
}
