//! Hand-built worst cases for the decoder, `Activity::from_fit` and zones: inputs that
//! random mutation is unlikely to build but a buggy writer (or anyone) could. Each test
//! is named after what it exercises and bounds time and peak allocation.
//!
//! The inputs are 0.25-1 MB, so a quadratic step takes seconds to minutes while the
//! linear code takes milliseconds; the time limit (`LIMIT`) is generous for a loaded
//! machine (the test build of hrzones is optimised, opt-level 2).

#[path = "support/alloc.rs"]
mod alloc_count;
mod support;

use std::time::{Duration, Instant};

use hrzones::activity::Activity;
use hrzones::fit::{decode, DecodeOptions};
use hrzones::zones::{self, session_weights, time_in_zones, Zones};
use support::base::{UINT32, UINT8};
use support::FitWriter;

use alloc_count::{alloc_bound, measure};

/// Time allowed for decode + `Activity::from_fit` (+ zones where stated) of one input.
const LIMIT: Duration = Duration::from_secs(3);

/// Decode and `Activity::from_fit`; zones for the first `zone_sessions` sessions.
/// Returns the time, the peak bytes held and the activity.
fn run(bytes: &[u8], zone_sessions: usize) -> (Duration, i64, Activity) {
    let t = Instant::now();
    let (a, peak) = measure(|| {
        let fit = decode(bytes, DecodeOptions::default()).expect("decodes");
        let a = Activity::from_fit(fit, "crafted");
        let z = Zones::hrmax(190, &zones::DEFAULT_PCT_FLOORS, "t").expect("zones");
        for s in a.sessions.iter().take(zone_sessions) {
            let w = session_weights(&a, s, zones::TimeInZoneOptions::default());
            let _ = time_in_zones(&a.samples.hr_bpm[s.samples.clone()], &w, &z);
        }
        a
    });
    let took = t.elapsed();
    eprintln!(
        "  {} bytes: {took:?}, peak {peak} bytes ({:.1} per input byte)",
        bytes.len(),
        peak as f64 / bytes.len() as f64
    );
    (took, peak, a)
}

fn check_bounds(name: &str, bytes: &[u8], took: Duration, peak: i64) {
    assert!(took < LIMIT, "{name}: {took:?} for {} bytes", bytes.len());
    assert!(
        peak <= alloc_bound(bytes.len()),
        "{name}: peak {peak} bytes > bound {} for {} input bytes",
        alloc_bound(bytes.len()),
        bytes.len()
    );
}

/// Timestamp base: 2020-ish, a real date.
const T0: u32 = 1_000_000_000;

/// 60,000 sessions with distinct start times, each running to the end of 60,000
/// records. `Activity::from_fit` used to match each session to its message with a scan
/// (quadratic in sessions) and find each session's samples with a scan (sessions ×
/// records): minutes for this 0.9 MB file; now a map and binary searches.
///
/// Zones are computed for a few sessions only: time in zone costs the samples of each
/// session, so sessions that all span the same samples cost sessions × samples by
/// design (see docs/ROBUSTNESS.md, "Known limits").
#[test]
fn many_sessions_over_many_records() {
    let mut w = FitWriter::default();
    // local 0: record with timestamp and HR; local 1: session start + elapsed.
    w.def(0, 20, &[(253, 4, UINT32), (3, 1, UINT8)]);
    w.def(1, 18, &[(2, 4, UINT32), (7, 4, UINT32)]);
    for i in 0..60_000u32 {
        let mut m = (T0 + i).to_le_bytes().to_vec();
        m.push(120 + (i % 60) as u8);
        w.msg(0, &m);
    }
    for k in 0..60_000u32 {
        let mut m = (T0 + k).to_le_bytes().to_vec();
        m.extend_from_slice(&59_000_000u32.to_le_bytes()); // 59,000 s, scale 1000
        w.msg(1, &m);
    }
    let b = w.finish();
    let (took, peak, a) = run(&b, 10);
    check_bounds("many_sessions_over_many_records", &b, took, peak);
    assert_eq!(a.sessions.len(), 60_000);
    // The timeline makes the overlapping windows disjoint: each session ends where the
    // next one starts (so holds its own record and the next one's), the last runs on.
    for (k, s) in a.sessions.iter().enumerate().step_by(7919) {
        assert_eq!(s.samples, k..(k + 2).min(60_000), "session {k}");
    }
    assert_eq!(a.sessions[59_999].samples, 59_999..60_000);
}

/// 100,000 records without HR whose clock alternates between a fixed late time and
/// a rising one, over 100,800 stored strap HR samples. Filling the records from the
/// strap walked the stream from the previous position, restarting at every backwards
/// step: records × samples (5 s on a loaded machine); now prefix sums and binary searches.
#[test]
fn strap_hr_with_a_clock_jumping_back_and_forth() {
    let mut w = FitWriter::default();
    // local 0: record with only a timestamp (no HR, so strap HR is merged in).
    w.def(0, 20, &[(253, 4, UINT32)]);
    // local 1: hr with timestamp, 63 event timestamps and 63 bpm values.
    w.def(
        1,
        132,
        &[(253, 4, UINT32), (9, 252, UINT32), (6, 63, UINT8)],
    );
    for m in 0..1600u32 {
        let mut v = (T0 + m * 63).to_le_bytes().to_vec();
        for j in 0..63u32 {
            v.extend_from_slice(&((m * 63 + j) * 1024).to_le_bytes());
        }
        v.extend(std::iter::repeat_n(130u8, 63));
        w.msg(1, &v);
    }
    for i in 0..100_000u32 {
        let t = if i % 2 == 0 { T0 + 100_000 } else { T0 + i };
        w.msg(0, &t.to_le_bytes());
    }
    let b = w.finish();
    let (took, peak, a) = run(&b, usize::MAX);
    check_bounds(
        "strap_hr_with_a_clock_jumping_back_and_forth",
        &b,
        took,
        peak,
    );
    // The first record (T0 + 100,000) takes every sample up to then, all 130 bpm.
    assert_eq!(a.samples.hr_bpm[0], 130);
    assert!(a.hr_from_strap > 0);
}

/// Files made only of the smallest message of each kind: the most structs per input
/// byte. Messages with none of the fields we read used to keep a struct each (a
/// 160-byte `SummaryMsg` per 1-byte `lap`, an 88-byte hr entry per 1-byte `hr`); now
/// they are skipped. The worst case left sets `ALLOC_BYTES_PER_INPUT_BYTE`.
#[test]
fn smallest_messages_allocation() {
    let cases: Vec<(&str, FitWriter)> = vec![
        ("1-byte records (compressed timestamps)", {
            let mut w = FitWriter::default();
            w.def(1, 20, &[(253, 4, UINT32)]).msg(1, &T0.to_le_bytes());
            w.def(0, 20, &[]);
            for i in 0..500_000u32 {
                w.compressed(0, (i % 32) as u8, &[]);
            }
            w
        }),
        ("2-byte sessions", {
            let mut w = FitWriter::default();
            w.def(0, 18, &[(2, 1, UINT32)]);
            // Just over a power of two: every growing vector is then half empty.
            for i in 0..131_073u32 {
                w.msg(0, &[i as u8]);
            }
            w
        }),
        ("1-byte sessions and laps (no fields read)", {
            let mut w = FitWriter::default();
            w.def(2, 20, &[(253, 4, UINT32)]).msg(2, &T0.to_le_bytes());
            w.def(0, 18, &[(99, 4, UINT32)]);
            w.def(1, 19, &[]);
            for i in 0..250_000u32 {
                w.compressed((i % 2) as u8, (i % 32) as u8, &[]);
            }
            w
        }),
        ("2-byte laps", {
            let mut w = FitWriter::default();
            w.def(0, 19, &[(2, 1, UINT32)]);
            for i in 0..131_073u32 {
                w.msg(0, &[i as u8]);
            }
            w
        }),
        ("1-byte hr messages", {
            let mut w = FitWriter::default();
            w.def(0, 132, &[]);
            for _ in 0..500_000u32 {
                w.msg(0, &[]);
            }
            w
        }),
        ("1-byte time_in_zone", {
            let mut w = FitWriter::default();
            w.def(0, 216, &[]);
            for _ in 0..500_000u32 {
                w.msg(0, &[]);
            }
            w
        }),
        ("1-byte sport", {
            let mut w = FitWriter::default();
            w.def(0, 12, &[]);
            for _ in 0..500_000u32 {
                w.msg(0, &[]);
            }
            w
        }),
        ("2-byte timer events", {
            let mut w = FitWriter::default();
            w.def(1, 20, &[(253, 4, UINT32)]).msg(1, &T0.to_le_bytes());
            w.def(0, 21, &[(0, 1, 0), (1, 1, 0)]);
            for i in 0..300_000u32 {
                w.compressed(0, (i % 32) as u8, &[0, (i % 2) as u8]);
            }
            w
        }),
        ("4-byte hr with packed 12-bit timestamps", {
            let mut w = FitWriter::default();
            w.def(1, 132, &[(253, 4, UINT32), (9, 4, UINT32), (6, 1, UINT8)])
                .msg(1, &[0, 0, 0, 0x3B, 0, 4, 0, 0, 100]);
            w.def(0, 132, &[(10, 255, 0x0D), (6, 255, UINT8)]);
            for _ in 0..2000u32 {
                let mut v = vec![0x11u8; 255];
                v.extend(std::iter::repeat_n(100u8, 255));
                w.msg(0, &v);
            }
            w
        }),
    ];
    for (name, w) in cases {
        eprintln!("{name}:");
        let b = w.finish();
        let (took, peak, _) = run(&b, usize::MAX);
        check_bounds(name, &b, took, peak);
    }
}
