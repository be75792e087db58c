//! Feeds arbitrary bytes to the hot-path decoder, then to `Activity::from_fit` and time
//! in zone, as the application does with a file. Fails on a panic, on output larger than
//! the input can justify, and on a peak allocation above `ALLOC_CONST_BYTES +
//! ALLOC_BYTES_PER_INPUT_BYTE × input length` (the same bound as `tests/mutants.rs`).
//! Hangs are caught by libFuzzer's `-timeout`.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use hrzones::activity::Activity;
use hrzones::fit::{decode, DecodeOptions};
use hrzones::zones::{self, session_weights, time_in_zones, zones_from_high_bounds, Zones};
use libfuzzer_sys::fuzz_target;

const ALLOC_CONST_BYTES: i64 = 256 * 1024;
const ALLOC_BYTES_PER_INPUT_BYTE: i64 = 512;

/// Counts live heap bytes and their peak (libFuzzer runs one input at a time).
struct Counting;
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn note(delta: i64) {
    let v = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
    PEAK.fetch_max(v, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            note(l.size() as i64);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            note(l.size() as i64);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        note(-(l.size() as i64));
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            note(new as i64 - l.size() as i64);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn exercise(data: &[u8]) {
    let Ok(fit) = decode(data, DecodeOptions::default()) else {
        return;
    };
    let len = data.len();
    assert!(fit.records.len() <= len, "more records than input bytes");
    assert!(
        fit.hr_stream.len() <= len,
        "more strap samples than input bytes"
    );
    assert!(
        fit.sessions.len() + fit.laps.len() + fit.timer_events.len() <= len,
        "more messages than input bytes"
    );
    assert!(
        fit.warnings.len() <= 3 * fit.chained_files as usize + 2,
        "warnings not bounded by the files in the chain"
    );
    let a = Activity::from_fit(fit, "fuzz");
    let opts = zones::TimeInZoneOptions::default();
    for s in &a.sessions {
        let w = session_weights(&a, s, opts);
        let hr = &a.samples.hr_bpm[s.samples.clone()];
        let total: f64 = w.iter().sum();
        assert!(w.iter().all(|x| x.is_finite() && *x >= 0.0), "bad weight");
        let max_hr = s.max_hr.unwrap_or(190);
        let mut models: Vec<Zones> = Vec::new();
        if let Some(dz) = &s.device_zones {
            models.extend(zones_from_high_bounds(&dz.high_bounds_bpm, "file".into()).ok());
        }
        models.extend(Zones::hrmax(max_hr, &zones::DEFAULT_PCT_FLOORS, "f").ok());
        models.extend(Zones::lthr(a.hr_settings.threshold_hr.unwrap_or(170), "f").ok());
        for z in &models {
            let secs = time_in_zones(hr, &w, z);
            let sum: f64 = secs.iter().sum();
            assert!(
                (sum - total).abs() <= 1e-6 * total.max(1.0),
                "zone seconds != weights"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    exercise(data);
    let peak = PEAK.load(Ordering::Relaxed) - start;
    let bound = ALLOC_CONST_BYTES + ALLOC_BYTES_PER_INPUT_BYTE * data.len() as i64;
    assert!(
        peak <= bound,
        "peak allocation {peak} bytes > bound {bound} for {} input bytes",
        data.len()
    );
});
