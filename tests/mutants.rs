//! Seeded mutation harness for the hot-path decoder, `Activity::from_fit` and zones.
//!
//! Mutants of the real corpus files (truncations, byte flips with and without fixed-up
//! CRCs, extreme header fields, 255×255-byte definitions, data messages without a
//! definition, dropped and repeated messages, chains with garbage between files) and
//! inputs that are not FIT at all (empty, zeros, random, gzip/zip/PNG/GPX renamed .fit).
//! For each: decode must return `Ok` (maybe with warnings) or a `DecodeError`; never panic
//! (counted with `catch_unwind`), never take more than 1 s, and never allocate more than
//! `ALLOC_CONST_BYTES + ALLOC_BYTES_PER_INPUT_BYTE × input length` (256 KiB + 512 bytes
//! per input byte; a counting global allocator, per thread, `support/alloc.rs`). Every `Ok` result also goes through `Activity::from_fit` and
//! time in zone under four zone models, with their invariants checked.
//!
//! Run:
//! - `cargo test --test mutants` — the default run (`DEFAULT_MUTANTS`);
//! - `cargo test --test mutants -- --ignored --nocapture` — the long run (`LONG_MUTANTS`);
//! - `HRZONES_MUTANTS=N` sets the count of either run, `HRZONES_MUTANT_BASE=S` its base
//!   seed;
//! - `HRZONES_MUTANT_SEED=0x… cargo test --test mutants replay -- --nocapture` re-runs
//!   one mutant without `catch_unwind` (and writes it to `HRZONES_MUTANT_OUT` if set).

#[path = "support/alloc.rs"]
mod alloc_count;
mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloc_count::{alloc_bound, measure, ALLOC_BYTES_PER_INPUT_BYTE, ALLOC_CONST_BYTES};
use hrzones::activity::Activity;
use hrzones::fit::{decode, DecodeOptions, FitData};
use hrzones::zones::{
    self, session_weights, time_in_zones, zones_from_high_bounds, TimeInZoneOptions, Zones,
};
use support::{make_mutant, mix, CorpusFile, Mutant, Pools};

/// Mutants in the default `cargo test` run.
const DEFAULT_MUTANTS: u64 = 120_000;
/// Mutants in the `#[ignore]`d long run (20× the default).
const LONG_MUTANTS: u64 = 2_400_000;
/// Base seed of both runs (the long one continues where the default one ends).
const BASE_SEED: u64 = 0x4852_5A4F_4E45_5321; // "HRZONES!"
/// A single decode (+ Activity + zones) slower than this is a hang.
const HANG: Duration = Duration::from_secs(1);
/// A mutant still running after this aborts the whole test (an infinite loop).
const WATCHDOG: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// One mutant

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Ok without damage warnings.
    Ok,
    /// Ok with at least one damage warning.
    Salvaged,
    /// A `DecodeError`.
    Error,
}

/// Decodes, checks output bounds, builds the Activity and computes zones; Err(text) for
/// a broken invariant.
fn run_one(bytes: &[u8], opts: DecodeOptions) -> Result<Outcome, String> {
    let fit = match decode(bytes, opts) {
        Ok(f) => f,
        Err(e) => {
            // Errors must say something.
            if e.to_string().is_empty() {
                return Err("empty error message".into());
            }
            return Ok(Outcome::Error);
        }
    };
    check_fit_bounds(&fit, bytes.len())?;
    let damaged = fit.warnings.iter().any(|w| w.is_damage());
    for w in &fit.warnings {
        if w.offset > bytes.len() as u64 {
            return Err(format!("warning offset past the input: {w}"));
        }
        let _ = w.to_string();
    }
    exercise_activity(fit)?;
    Ok(if damaged {
        Outcome::Salvaged
    } else {
        Outcome::Ok
    })
}

/// Output sizes bounded by the input size.
fn check_fit_bounds(f: &FitData, len: usize) -> Result<(), String> {
    let r = &f.records;
    let cols = [
        r.t_s.len(),
        r.hr_bpm.len(),
        r.distance_m.len(),
        r.speed_mps.len(),
        r.altitude_m.len(),
        r.cadence_rpm.len(),
        r.power_w.len(),
    ];
    if cols.iter().any(|&c| c != cols[0]) {
        return Err(format!("record columns of different lengths: {cols:?}"));
    }
    let msgs = r.len()
        + f.sessions.len()
        + f.laps.len()
        + f.timer_events.len()
        + f.time_in_zone.len()
        + f.sports.len()
        + f.workout_names.len()
        + f.hr_settings.hr_zone_high_bpm.len();
    if msgs > len {
        return Err(format!("{msgs} messages kept from {len} input bytes"));
    }
    if f.data_messages > len as u64 {
        return Err(format!(
            "{} data messages from {len} bytes",
            f.data_messages
        ));
    }
    if f.hr_stream.len() > len {
        return Err(format!(
            "{} strap HR samples from {len} bytes",
            f.hr_stream.len()
        ));
    }
    if f.chained_files as usize > len / 12 + 1 {
        return Err(format!("{} chained files in {len} bytes", f.chained_files));
    }
    // Per file at most: header CRC, file CRC or truncation or zero size, one stop;
    // plus trailing bytes and the narrow-fields note once.
    let max_warnings = 3 * f.chained_files as usize + 2;
    if f.warnings.len() > max_warnings {
        return Err(format!(
            "{} warnings for {} chained files",
            f.warnings.len(),
            f.chained_files
        ));
    }
    Ok(())
}

/// `Activity::from_fit` and time in zone under every zone model, with their invariants.
fn exercise_activity(fit: FitData) -> Result<(), String> {
    let a = Activity::from_fit(fit, "mutant");
    let _ = (a.kind(), a.has_real_dates());
    let n = a.samples.len();
    for w in a.timer.windows(2) {
        if w[1].start_s <= w[0].end_s {
            return Err(format!("timer intervals overlap or unsorted: {w:?}"));
        }
    }
    for iv in &a.timer {
        if iv.start_s.is_nan() || iv.end_s.is_nan() || iv.start_s > iv.end_s {
            return Err(format!("timer interval backwards: {iv:?}"));
        }
    }
    let opts = TimeInZoneOptions::default();
    let settings = &a.hr_settings;
    for s in &a.sessions {
        if s.samples.start > s.samples.end || s.samples.end > n {
            return Err(format!("session samples {:?} outside 0..{n}", s.samples));
        }
        if s.end_s < s.start_s {
            return Err(format!(
                "session ends before it starts: {}..{}",
                s.start_s, s.end_s
            ));
        }
        let _ = (s.sport_name(), s.sub_sport_name(), a.hr_sample_count(s));
        let timer = a.session_timer(s);
        let w = session_weights(&a, s, opts);
        if w.len() != s.samples.len() {
            return Err("one weight per sample".into());
        }
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err("weights must be finite and ≥ 0".into());
        }
        let total: f64 = w.iter().sum();
        let t = &a.samples.t_s[s.samples.clone()];
        // With a clock that only moves forward the spans are disjoint, so they cannot
        // add up to more than the timer ran inside the session.
        if t.windows(2).all(|p| p[0] <= p[1]) {
            let ran: f64 = timer.iter().map(|iv| iv.len_s()).sum();
            if total > ran + 1e-6 * ran.max(1.0) {
                return Err(format!("weights {total} s > timer {ran} s"));
            }
        }
        let hr = &a.samples.hr_bpm[s.samples.clone()];
        let max_hr = s
            .max_hr
            .or(settings.max_hr)
            .or(settings.default_max_hr)
            .unwrap_or(190);
        let mut models: Vec<Zones> = Vec::new();
        if let Some(dz) = &s.device_zones {
            models.extend(zones_from_high_bounds(&dz.high_bounds_bpm, "file".into()).ok());
        }
        models.extend(Zones::hrmax(max_hr, &zones::DEFAULT_PCT_FLOORS, "t").ok());
        models.extend(
            Zones::hrr(
                max_hr,
                settings.resting_hr.unwrap_or(50),
                &zones::DEFAULT_PCT_FLOORS,
                "t",
            )
            .ok(),
        );
        models.extend(Zones::lthr(settings.threshold_hr.unwrap_or(170), "t").ok());
        for z in &models {
            let _ = (z.z1_ceiling_bpm(), z.floors_text());
            let secs = time_in_zones(hr, &w, z);
            if secs.len() != z.len() + 1 {
                return Err("one bucket per zone plus below Z1".into());
            }
            let sum: f64 = secs.iter().sum();
            if (sum - total).abs() > 1e-6 * total.max(1.0) {
                return Err(format!("zone seconds {sum} != weights {total}"));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The run

#[derive(Debug, Default, Clone)]
struct Counts {
    tried: u64,
    ok: u64,
    salvaged: u64,
    errors: u64,
    panics: u64,
    hangs: u64,
    over_alloc: u64,
    broken_invariants: u64,
    input_bytes: u64,
    max_ms: f64,
    max_alloc_per_byte: f64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.tried += o.tried;
        self.ok += o.ok;
        self.salvaged += o.salvaged;
        self.errors += o.errors;
        self.panics += o.panics;
        self.hangs += o.hangs;
        self.over_alloc += o.over_alloc;
        self.broken_invariants += o.broken_invariants;
        self.input_bytes += o.input_bytes;
        self.max_ms = self.max_ms.max(o.max_ms);
        self.max_alloc_per_byte = self.max_alloc_per_byte.max(o.max_alloc_per_byte);
    }
}

/// The seed of mutant `i` of a run.
fn mutant_seed(base: u64, i: u64) -> u64 {
    mix(base ^ mix(i.wrapping_add(1)))
}

fn describe(files: &[CorpusFile], m: &Mutant, seed: u64) -> String {
    let file = m.file.map_or("(none)", |i| files[i].name.as_str());
    format!(
        "seed {seed:#018x}: {} of {file} ({} bytes, crc {})",
        m.kind,
        m.bytes.len(),
        if m.crc_fixed { "fixed" } else { "as is" }
    )
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.replace('_', "").parse().ok(),
    }
}

fn run_mutants(count: u64, first: u64, label: &str) {
    let Some(files) = support::corpus_files(label) else {
        return;
    };
    let pools = Pools::new(&files);
    let base = env_u64("HRZONES_MUTANT_BASE").unwrap_or(BASE_SEED);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let next = AtomicU64::new(first);
    let end = first + count;
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    // Watchdog state per worker: the seed being run and when it started (ms since t0).
    let t0 = Instant::now();
    let current: Vec<(AtomicU64, AtomicU64)> = (0..workers)
        .map(|_| (AtomicU64::new(0), AtomicU64::new(u64::MAX)))
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut total = Counts::default();
    let kinds: Mutex<std::collections::BTreeMap<&'static str, [u64; 3]>> = Mutex::default();

    // Panics are expected to be caught and counted: keep their messages short.
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        eprintln!("caught panic: {}", msg.lines().next().unwrap_or(""));
    }));

    std::thread::scope(|scope| {
        let watchdog = scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = t0.elapsed().as_millis() as u64;
                for (seed, since) in &current {
                    let s = since.load(Ordering::Relaxed);
                    if s != u64::MAX && now.saturating_sub(s) > WATCHDOG.as_millis() as u64 {
                        eprintln!(
                            "HANG: mutant seed {:#018x} has run for over {:?}; aborting. \
                             Reproduce: HRZONES_MUTANT_SEED={:#x} cargo test --test mutants replay",
                            seed.load(Ordering::Relaxed),
                            WATCHDOG,
                            seed.load(Ordering::Relaxed)
                        );
                        std::process::abort();
                    }
                }
            }
        });
        let handles: Vec<_> = (0..workers as usize)
            .map(|w| {
                let (files, pools, next, failures, current, kinds) =
                    (&files, &pools, &next, &failures, &current, &kinds);
                scope.spawn(move || {
                    let mut c = Counts::default();
                    let mut local_kinds: std::collections::BTreeMap<&'static str, [u64; 3]> =
                        Default::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= end {
                            break;
                        }
                        let seed = mutant_seed(base, i);
                        let m = make_mutant(files, pools, seed);
                        let opts = DecodeOptions {
                            skip_crc: i % 8 == 7,
                        };
                        current[w].0.store(seed, Ordering::Relaxed);
                        current[w]
                            .1
                            .store(t0.elapsed().as_millis() as u64, Ordering::Relaxed);
                        let started = Instant::now();
                        let (r, peak) =
                            measure(|| catch_unwind(AssertUnwindSafe(|| run_one(&m.bytes, opts))));
                        let took = started.elapsed();
                        current[w].1.store(u64::MAX, Ordering::Relaxed);
                        c.tried += 1;
                        c.input_bytes += m.bytes.len() as u64;
                        c.max_ms = c.max_ms.max(took.as_secs_f64() * 1e3);
                        if !m.bytes.is_empty() {
                            c.max_alloc_per_byte = c.max_alloc_per_byte.max(
                                (peak - ALLOC_CONST_BYTES).max(0) as f64 / m.bytes.len() as f64,
                            );
                        }
                        let slot = local_kinds.entry(m.kind).or_default();
                        let fail = |what: String| {
                            let mut f = failures.lock().unwrap();
                            if f.len() < 50 {
                                f.push(format!("{what}: {}", describe(files, &m, seed)));
                            }
                        };
                        match r {
                            Err(_) => {
                                c.panics += 1;
                                fail("PANIC".into());
                            }
                            Ok(Err(e)) => {
                                c.broken_invariants += 1;
                                fail(format!("INVARIANT {e}"));
                            }
                            Ok(Ok(o)) => match o {
                                Outcome::Ok => {
                                    c.ok += 1;
                                    slot[0] += 1
                                }
                                Outcome::Salvaged => {
                                    c.salvaged += 1;
                                    slot[1] += 1
                                }
                                Outcome::Error => {
                                    c.errors += 1;
                                    slot[2] += 1
                                }
                            },
                        }
                        if took > HANG {
                            c.hangs += 1;
                            fail(format!("SLOW {took:?}"));
                        }
                        let bound = alloc_bound(m.bytes.len());
                        if peak > bound {
                            c.over_alloc += 1;
                            fail(format!("ALLOC {peak} bytes > bound {bound}"));
                        }
                    }
                    let mut k = kinds.lock().unwrap();
                    for (name, v) in local_kinds {
                        let e = k.entry(name).or_default();
                        for j in 0..3 {
                            e[j] += v[j];
                        }
                    }
                    c
                })
            })
            .collect();
        for h in handles {
            total.add(&h.join().expect("worker thread"));
        }
        done.store(true, Ordering::Relaxed);
        watchdog.join().expect("watchdog thread");
    });
    std::panic::set_hook(prev_hook);

    let secs = t0.elapsed().as_secs_f64();
    eprintln!("{label}: per mutation kind (ok / salvaged / error):");
    for (k, v) in kinds.lock().unwrap().iter() {
        eprintln!("  {k:<24} {:>8} {:>8} {:>8}", v[0], v[1], v[2]);
    }
    eprintln!(
        "{label}: mutants tried {}, ok {}, salvaged {}, errors {}, panics {}, hangs {}, \
         over-allocation {}, broken invariants {} ({:.1} MB decoded in {secs:.1} s on {workers} \
         threads; slowest {:.1} ms; peak allocation {:.1} bytes per input byte above {} KiB, \
         bound {} per byte)",
        total.tried,
        total.ok,
        total.salvaged,
        total.errors,
        total.panics,
        total.hangs,
        total.over_alloc,
        total.broken_invariants,
        total.input_bytes as f64 / 1e6,
        total.max_ms,
        total.max_alloc_per_byte,
        ALLOC_CONST_BYTES / 1024,
        ALLOC_BYTES_PER_INPUT_BYTE,
    );
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failing mutants (first {}; reproduce one with HRZONES_MUTANT_SEED=<seed> cargo test \
         --test mutants replay -- --nocapture):\n{}",
        total.panics + total.hangs + total.over_alloc + total.broken_invariants,
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total.tried, count);
}

#[test]
fn mutants_never_panic_hang_or_overallocate() {
    let n = env_u64("HRZONES_MUTANTS").unwrap_or(DEFAULT_MUTANTS);
    run_mutants(n, 0, "mutants");
}

/// The long run: `cargo test --test mutants -- --ignored --nocapture` (12 minutes
/// on 2 cores under load, 57 GB decoded).
#[test]
#[ignore]
fn mutants_long() {
    let n = env_u64("HRZONES_MUTANTS").unwrap_or(LONG_MUTANTS);
    run_mutants(n, DEFAULT_MUTANTS, "mutants-long");
}

/// Re-runs one mutant, without `catch_unwind`: `HRZONES_MUTANT_SEED=0x… cargo test --test
/// mutants replay -- --nocapture`. Writes it to `HRZONES_MUTANT_OUT` when set.
#[test]
fn replay() {
    let Some(seed) = env_u64("HRZONES_MUTANT_SEED") else {
        return;
    };
    let Some(files) = support::corpus_files("replay") else {
        return;
    };
    let pools = Pools::new(&files);
    let m = make_mutant(&files, &pools, seed);
    eprintln!("{}", describe(&files, &m, seed));
    if let Ok(out) = std::env::var("HRZONES_MUTANT_OUT") {
        std::fs::write(&out, &m.bytes).expect("write the mutant");
        eprintln!("written to {out}");
    }
    let started = Instant::now();
    match decode(&m.bytes, DecodeOptions::default()) {
        Ok(f) => {
            for w in &f.warnings {
                eprintln!("  warning: {w}");
            }
            eprintln!(
                "  {} records, {} sessions, {} laps",
                f.records.len(),
                f.sessions.len(),
                f.laps.len()
            );
        }
        Err(e) => eprintln!("  error: {e}"),
    }
    let (r, peak) = measure(|| run_one(&m.bytes, DecodeOptions::default()));
    eprintln!(
        "  outcome {r:?}, peak {peak} bytes, {:?}",
        started.elapsed()
    );
    r.expect("invariants hold");
}
