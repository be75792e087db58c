//! The **roster facts**: what the store must carry, beside its settings-free tables, for
//! the roster overview to be one SQL query over the store (docs/STORE.md, "The roster
//! overview in SQL"; `scripts/roster_duckdb.py`).
//!
//! The overview judges each session with thresholds that depend on the athlete — their
//! profile, else the file's own watch zones, else estimates from the athlete's whole
//! archive — and with the timeline's heart-rate rule, whose implausible-HR cap follows
//! the max HR in force. None of that is in the files, so `hrzones store facts DIR
//! --roster FILE` writes, per athlete, two small tables under
//! `DIR/roster_facts/athlete=ID/`:
//!
//! - `sessions.parquet`: one row per analysed session — what the overview reads of it
//!   (start, end, timer time, distance, running or not, HR-covered time), the thresholds
//!   it is judged with (max HR, resting HR, LTHR and sex of hrTSS; the audit's Zone 1
//!   ceiling; Seiler's T1/T2), its recovery label (the audit's labeller over every name of
//!   the file) and its data-quality notes; plus the store generation and the profile hash
//!   they were computed at, so a stale table is seen ([`check`]).
//! - `hr_seconds.parquet`: the session's heart rate as seconds per bpm **under the
//!   athlete's cap** (the store's `hr_seconds` table is built at the physiological cap), and
//!   for every bpm the longest continuous excursion at or above it
//!   ([`longest_at_or_above`]): the recovery audit's excursion rule for ANY ceiling
//!   becomes a lookup, and hrTSS, Seiler's zones and the drift share are sums.
//!
//! Everything else — hrTSS, CTL/ATL/TSB, run kinds, the drift rule, the hard session
//! before a recovery run, the verdicts — is computed by the query. Rust's overview
//! ([`super::summarise`]) stays the reference: `tests/roster.rs` checks the query equals
//! `hrzones roster --store`.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::activity::Activity;
use crate::analysis::{start_unix_s, SessionAnalysis};
use crate::audit::batch::{fit_texts, Labeller};
use crate::audit::LabelSource;
use crate::load::SessionLoad;
use crate::pipeline::FileReport;
use crate::profile::{Settings, Sex};
use crate::trends::distribution::SeilerThresholds;
use crate::zones::TimeInZoneOptions;

use super::{session_quality, OverviewOptions};

/// The folder of the facts tables in a store.
pub const FACTS_DIR: &str = "roster_facts";
/// The facts' own layout version (the `facts_version` column): bumped when a column
/// changes its name, type or meaning.
pub const FACTS_VERSION: i64 = 1;

/// One session's facts (a row of `sessions.parquet`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFactRow {
    /// xxh3-64 of the file's bytes (the store's `file_hash`).
    pub file_hash: u64,
    /// The file's first stored name.
    pub path: String,
    /// 0-based session index.
    pub session: u32,
    /// Start, Unix s (None: no real dates).
    pub start_unix_s: Option<i64>,
    /// End (start + the session's span), Unix s.
    pub end_unix_s: Option<i64>,
    /// Timer time, s.
    pub timer_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// A run (the audit's `is_running`).
    pub is_run: bool,
    /// Samples with heart rate before any rule (the audit's evidence needs one).
    pub hr_samples: u32,
    /// Timer seconds covered by heart rate, s.
    pub hr_covered_s: f64,
    /// hrTSS thresholds (None, all four: the session has no hrTSS — no heart rate, or
    /// thresholds that do not check).
    pub max_hr_bpm: Option<f64>,
    /// Resting HR, bpm.
    pub resting_hr_bpm: Option<f64>,
    /// LTHR, bpm.
    pub lthr_bpm: Option<f64>,
    /// "male" or "female" (Banister's coefficients).
    pub sex: Option<&'static str>,
    /// Zone 1's ceiling of the athlete's zone model (the recovery audit's), bpm.
    pub z1_ceiling_bpm: Option<u8>,
    /// Seiler's first threshold, bpm.
    pub seiler_t1_bpm: Option<u8>,
    /// Seiler's second threshold, bpm.
    pub seiler_t2_bpm: Option<u8>,
    /// Label texts in the file (resolved into `recovery_label` after the batch).
    pub fit_texts: Vec<(LabelSource, String)>,
    /// The recovery label's text (runs only; None: not labelled recovery).
    pub recovery_label: Option<String>,
    /// Data-quality notes, "; "-joined (None: none).
    pub quality: Option<String>,
}

/// One row of `hr_seconds.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct HrFactRow {
    /// The file.
    pub file_hash: u64,
    /// The session.
    pub session: u32,
    /// Heart rate, bpm.
    pub hr_bpm: u8,
    /// Timer seconds counted at that rate, s.
    pub seconds: f64,
    /// The longest continuous excursion at or above that rate, s.
    pub longest_s: f64,
}

/// One file's facts: per session, its row and its heart-rate rows.
pub type FileFacts = Vec<(SessionFactRow, Vec<HrFactRow>)>;

/// For every bpm `b`, the longest continuous excursion at or above `b`, s, by the
/// recovery audit's rule ([`crate::audit::hr_evidence`]): samples without heart rate
/// (0) neither extend nor end an excursion; a sample with heart rate that counts for no
/// time ends it; the others extend it by their seconds.
///
/// Each counted sample is the minimum of the longest run around it in which no sample is
/// lower (a monotonic stack gives each run's ends in one pass); the longest excursion at
/// or above `b` is the longest such run whose minimum is `b` or more.
pub fn longest_at_or_above(hr_bpm: &[u8], weights_s: &[f64]) -> [f64; 256] {
    // The counted samples, with a break (bpm 0) where a sample ends an excursion.
    let mut h: Vec<u8> = Vec::with_capacity(hr_bpm.len());
    let mut w: Vec<f64> = Vec::with_capacity(hr_bpm.len());
    for (&b, &s) in hr_bpm.iter().zip(weights_s) {
        if b == 0 {
            continue;
        }
        if s > 0.0 {
            h.push(b);
            w.push(s);
        } else {
            h.push(0);
            w.push(0.0);
        }
    }
    let n = h.len();
    let mut prefix = vec![0.0f64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + w[i];
    }
    // left[i]: first index of the run around i with nothing lower; right[i]: one past.
    let mut left = vec![0usize; n];
    let mut right = vec![n; n];
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..n {
        while let Some(&j) = stack.last() {
            if h[j] >= h[i] {
                stack.pop();
            } else {
                break;
            }
        }
        left[i] = stack.last().map_or(0, |&j| j + 1);
        stack.push(i);
    }
    stack.clear();
    for i in (0..n).rev() {
        while let Some(&j) = stack.last() {
            if h[j] >= h[i] {
                stack.pop();
            } else {
                break;
            }
        }
        right[i] = stack.last().copied().unwrap_or(n);
        stack.push(i);
    }
    let mut best = [0.0f64; 256];
    for i in 0..n {
        if h[i] > 0 {
            let len = prefix[right[i]] - prefix[left[i]];
            let slot = &mut best[h[i] as usize];
            if len > *slot {
                *slot = len;
            }
        }
    }
    for b in (1..255).rev() {
        if best[b + 1] > best[b] {
            best[b] = best[b + 1];
        }
    }
    best
}

/// The per-file step: every session's facts under the athlete's `settings` (the same
/// analysis as the overview's [`super::overview_file`]). `file_hash`, `path` and
/// `recovery_label` are filled by [`assemble`].
pub fn file_facts(a: &Activity, settings: &Settings, opts: &OverviewOptions) -> FileFacts {
    a.sessions
        .iter()
        .map(|s| {
            let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
            let load = SessionLoad::compute(a, s, &an, settings);
            let seiler = SeilerThresholds::from_settings(
                load.lthr.as_ref().map(|l| (l.value, l.source.as_str())),
                load.max_hr.as_ref().map(|m| (m.value, m.source.as_str())),
            );
            let has_tss = load.hr_tss.is_some();
            let start = start_unix_s(a, s);
            let row = SessionFactRow {
                file_hash: 0,
                path: String::new(),
                session: s.index as u32,
                start_unix_s: start,
                end_unix_s: start.map(|u| u + s.end_s.saturating_sub(s.start_s) as i64),
                timer_s: s.timer_s,
                distance_m: s.distance_m,
                is_run: crate::audit::is_running(s),
                hr_samples: a.hr_sample_count(s) as u32,
                hr_covered_s: an.hr_covered_s,
                max_hr_bpm: load.max_hr.as_ref().map(|m| m.value).filter(|_| has_tss),
                resting_hr_bpm: Some(load.resting_hr.value).filter(|_| has_tss),
                lthr_bpm: load.lthr.as_ref().map(|l| l.value).filter(|_| has_tss),
                sex: has_tss.then_some(match load.sex {
                    Sex::Male => "male",
                    Sex::Female => "female",
                }),
                z1_ceiling_bpm: an.zones.as_ref().ok().and_then(|z| z.z1_ceiling_bpm()),
                seiler_t1_bpm: seiler.as_ref().map(|t| t.t1_bpm),
                seiler_t2_bpm: seiler.as_ref().map(|t| t.t2_bpm),
                fit_texts: fit_texts(a, s),
                recovery_label: None,
                quality: {
                    let q = session_quality(a, s, an.hr_covered_s, s.timer_s, opts);
                    (!q.is_empty()).then(|| q.join("; "))
                },
            };
            let mut secs = [0.0f64; 256];
            let mut seen = [false; 256];
            for (&b, &w) in an.hr_bpm.iter().zip(&an.weights_s) {
                if b != 0 {
                    seen[b as usize] = true;
                    if w > 0.0 {
                        secs[b as usize] += w;
                    }
                }
            }
            let longest = longest_at_or_above(&an.hr_bpm, &an.weights_s);
            let hr = (1..=255u8)
                .filter(|&b| seen[b as usize])
                .map(|b| HrFactRow {
                    file_hash: 0,
                    session: s.index as u32,
                    hr_bpm: b,
                    seconds: secs[b as usize],
                    longest_s: longest[b as usize],
                })
                .collect();
            (row, hr)
        })
        .collect()
}

/// The batch's facts: each file's rows with its hash and first name, and the runs'
/// recovery labels resolved under every name of the file (as the audit does,
/// [`crate::audit::batch::assemble`]).
pub fn assemble(
    results: Vec<(FileReport, Option<FileFacts>)>,
    labeller: &Labeller,
) -> (Vec<SessionFactRow>, Vec<HrFactRow>) {
    let (mut sessions, mut hr) = (Vec::new(), Vec::new());
    for (report, facts) in results {
        let Some(facts) = facts else { continue };
        let names: Vec<String> = std::iter::once(report.name.clone())
            .chain(report.aliases.iter().cloned())
            .collect();
        for (mut row, rows) in facts {
            row.file_hash = report.hash;
            row.path = report.name.clone();
            if row.is_run {
                row.recovery_label = labeller.label(&names, &row.fit_texts).0.map(|l| l.text);
            }
            hr.extend(rows.into_iter().map(|mut r| {
                r.file_hash = report.hash;
                r
            }));
            sessions.push(row);
        }
    }
    (sessions, hr)
}

/// What a facts table was computed at: the store generation and the profile's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The store's manifest generation.
    pub generation: u64,
    /// xxh3-64 (hex) of the athlete's profile file, or "none".
    pub profile_hash: String,
}

/// The hash of an athlete's profile as the facts record it: xxh3-64 of the file's
/// bytes, "none" without a profile (or "unreadable").
pub fn profile_hash(profile: Option<&Path>) -> String {
    match profile {
        None => "none".into(),
        Some(p) => match std::fs::read(p) {
            Ok(bytes) => format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes)),
            Err(_) => "unreadable".into(),
        },
    }
}

/// The folder of an athlete's facts.
pub fn athlete_dir(store: &Path, athlete: &str) -> PathBuf {
    store.join(FACTS_DIR).join(format!("athlete={athlete}"))
}

fn opt_u32(v: impl Iterator<Item = Option<u8>>) -> Vec<Option<u32>> {
    v.map(|x| x.map(u32::from)).collect()
}

/// Writes an athlete's two tables atomically (each by temporary name and rename).
pub fn write(
    store: &Path,
    athlete: &str,
    stamp: &Stamp,
    sessions: &[SessionFactRow],
    hr: &[HrFactRow],
) -> anyhow::Result<()> {
    let n = sessions.len();
    let s = || sessions.iter();
    let mut sdf = DataFrame::new_infer_height(vec![
        Column::new(
            "file_hash".into(),
            s().map(|r| r.file_hash).collect::<Vec<_>>(),
        ),
        Column::new(
            "path".into(),
            s().map(|r| r.path.clone()).collect::<Vec<_>>(),
        ),
        Column::new("session".into(), s().map(|r| r.session).collect::<Vec<_>>()),
        Column::new(
            "start_unix_s".into(),
            s().map(|r| r.start_unix_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "end_unix_s".into(),
            s().map(|r| r.end_unix_s).collect::<Vec<_>>(),
        ),
        Column::new("timer_s".into(), s().map(|r| r.timer_s).collect::<Vec<_>>()),
        Column::new(
            "distance_m".into(),
            s().map(|r| r.distance_m).collect::<Vec<_>>(),
        ),
        Column::new("is_run".into(), s().map(|r| r.is_run).collect::<Vec<_>>()),
        Column::new(
            "hr_samples".into(),
            s().map(|r| r.hr_samples).collect::<Vec<_>>(),
        ),
        Column::new(
            "hr_covered_s".into(),
            s().map(|r| r.hr_covered_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "max_hr_bpm".into(),
            s().map(|r| r.max_hr_bpm).collect::<Vec<_>>(),
        ),
        Column::new(
            "resting_hr_bpm".into(),
            s().map(|r| r.resting_hr_bpm).collect::<Vec<_>>(),
        ),
        Column::new(
            "lthr_bpm".into(),
            s().map(|r| r.lthr_bpm).collect::<Vec<_>>(),
        ),
        Column::new(
            "sex".into(),
            s().map(|r| r.sex.map(str::to_string)).collect::<Vec<_>>(),
        ),
        Column::new(
            "z1_ceiling_bpm".into(),
            opt_u32(s().map(|r| r.z1_ceiling_bpm)),
        ),
        Column::new(
            "seiler_t1_bpm".into(),
            opt_u32(s().map(|r| r.seiler_t1_bpm)),
        ),
        Column::new(
            "seiler_t2_bpm".into(),
            opt_u32(s().map(|r| r.seiler_t2_bpm)),
        ),
        Column::new(
            "recovery_label".into(),
            s().map(|r| r.recovery_label.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "quality".into(),
            s().map(|r| r.quality.clone()).collect::<Vec<_>>(),
        ),
        Column::new("generation".into(), vec![stamp.generation; n]),
        Column::new("profile_hash".into(), vec![stamp.profile_hash.clone(); n]),
        Column::new("facts_version".into(), vec![FACTS_VERSION; n]),
    ])?;
    let h = || hr.iter();
    let mut hdf = DataFrame::new_infer_height(vec![
        Column::new(
            "file_hash".into(),
            h().map(|r| r.file_hash).collect::<Vec<_>>(),
        ),
        Column::new("session".into(), h().map(|r| r.session).collect::<Vec<_>>()),
        Column::new(
            "hr_bpm".into(),
            h().map(|r| u32::from(r.hr_bpm)).collect::<Vec<_>>(),
        ),
        Column::new("seconds".into(), h().map(|r| r.seconds).collect::<Vec<_>>()),
        Column::new(
            "longest_s".into(),
            h().map(|r| r.longest_s).collect::<Vec<_>>(),
        ),
    ])?;
    let dir = athlete_dir(store, athlete);
    std::fs::create_dir_all(&dir)?;
    // hr_seconds first: a reader that sees the new sessions table sees its rows.
    for (name, df) in [
        ("hr_seconds.parquet", &mut hdf),
        ("sessions.parquet", &mut sdf),
    ] {
        crate::report::write_atomic(&dir.join(name), |w| {
            crate::parquet_compat::writer(w, df)
                .finish(df)
                .map(|_| ())
                .map_err(std::io::Error::other)
        })?;
    }
    Ok(())
}

/// Why an athlete's facts do not describe the store as it is now (None: they do): no
/// facts, or written at another generation or under another profile.
pub fn check(store: &Path, athlete: &str, now: &Stamp) -> Option<String> {
    let path = athlete_dir(store, athlete).join("sessions.parquet");
    let read = || -> anyhow::Result<Option<Stamp>> {
        let f = std::fs::File::open(&path)?;
        let df = ParquetReader::new(f)
            .with_columns(Some(vec!["generation".into(), "profile_hash".into()]))
            .finish()?;
        if df.height() == 0 {
            return Ok(None);
        }
        let generation = df.column("generation")?.u64()?.get(0);
        let hash = df.column("profile_hash")?.str()?.get(0).map(str::to_string);
        Ok(generation
            .zip(hash)
            .map(|(generation, profile_hash)| Stamp {
                generation,
                profile_hash,
            }))
    };
    if !path.exists() {
        return Some("no roster facts".into());
    }
    match read() {
        Err(e) => Some(format!("its roster facts could not be read ({e})")),
        Ok(None) => None,
        Ok(Some(s)) if s.generation != now.generation => Some(format!(
            "roster facts of store generation {}, the store is at {}",
            s.generation, now.generation
        )),
        Ok(Some(s)) if s.profile_hash != now.profile_hash => {
            Some("roster facts written under another profile".into())
        }
        Ok(Some(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest excursion by brute force: for each ceiling, walk the samples.
    fn brute(hr: &[u8], w: &[f64], ceiling: u8) -> f64 {
        let (mut best, mut cur): (f64, Option<f64>) = (0.0, None);
        for (&h, &s) in hr.iter().zip(w) {
            if h == 0 {
                continue;
            }
            if s <= 0.0 {
                best = best.max(cur.take().unwrap_or(0.0));
                continue;
            }
            if h >= ceiling {
                *cur.get_or_insert(0.0) += s;
            } else {
                best = best.max(cur.take().unwrap_or(0.0));
            }
        }
        best.max(cur.unwrap_or(0.0))
    }

    /// A 30-minute run at 1 Hz: easy, two surges (one of 90 s, one of 40 s), a dropout
    /// and 30 s at 215 bpm (above the cap of max HR 190 + 10: excluded for this athlete,
    /// kept by the store's settings-free `hr_seconds`).
    fn surging_run() -> Activity {
        use crate::fit::decode::{FitData, SummaryMsg};
        let start = 1_100_000_000u32;
        let dur = 1800u32;
        let mut fit = FitData::default();
        fit.sessions.push(SummaryMsg {
            start_time: Some(start),
            timestamp: Some(start + dur),
            sport: Some(1),
            elapsed_s: Some(dur as f64),
            timer_s: Some(dur as f64),
            distance_m: Some(5400.0),
            ..Default::default()
        });
        for i in 0..=dur {
            let hr = match i {
                300..=389 => 165,
                600..=639 => 168,
                900..=919 => 0,
                1200..=1229 => 215,
                _ => 125 + (i % 7) as u8,
            };
            fit.records.push_basic(start + i, hr, i as f64 * 3.0, 3.0);
        }
        Activity::from_fit(fit, "surges.fit")
    }

    /// The facts' rows give what the sample path gives: hrTSS as `Σ seconds · TRIMP per
    /// minute` equals the load module's, and the excursion and time at or above the Zone 1
    /// ceiling and Seiler's T1 equal the audit's evidence from the samples.
    #[test]
    fn facts_rows_give_the_sample_paths_numbers() {
        use crate::audit::{hr_evidence, SampleSlices};
        use crate::profile::Thresholds;
        let a = surging_run();
        let st = Settings {
            overrides: Thresholds {
                max_hr: Some(190),
                resting_hr: Some(50),
                lthr: Some(170),
                ..Default::default()
            },
            ..Default::default()
        };
        let day = chrono::NaiveDate::default();
        let opts = OverviewOptions::new(super::super::Window {
            first: day,
            last: day,
        });
        let facts = file_facts(&a, &st, &opts);
        assert_eq!(facts.len(), 1);
        let (row, hr) = &facts[0];
        let s = &a.sessions[0];
        let an = SessionAnalysis::compute(&a, s, &st, TimeInZoneOptions::default());
        let load = SessionLoad::compute(&a, s, &an, &st);
        assert_eq!(
            (row.max_hr_bpm, row.resting_hr_bpm, row.lthr_bpm, row.sex),
            (Some(190.0), Some(50.0), Some(170.0), Some("male"))
        );
        assert!(
            hr.iter().all(|r| r.hr_bpm <= 200),
            "the athlete's cap applies"
        );
        let p = crate::load::TrimpParams {
            resting_hr_bpm: 50.0,
            max_hr_bpm: 190.0,
            sex: Sex::Male,
        };
        let trimp: f64 = hr
            .iter()
            .map(|r| r.seconds * p.per_minute(r.hr_bpm as f64))
            .sum::<f64>()
            / 60.0;
        let tss = 100.0 * trimp / (60.0 * p.per_minute(170.0));
        let want = load.hr_tss.unwrap();
        assert!((tss - want).abs() < 1e-9, "{tss} vs {want}");
        for ceiling in [row.z1_ceiling_bpm.unwrap(), row.seiler_t1_bpm.unwrap()] {
            let ev = hr_evidence(&SampleSlices::of(&a, s, &an), Some(ceiling));
            let above: f64 = hr
                .iter()
                .filter(|r| r.hr_bpm >= ceiling)
                .map(|r| r.seconds)
                .sum();
            let longest = hr
                .iter()
                .filter(|r| r.hr_bpm >= ceiling)
                .map(|r| r.longest_s)
                .fold(0.0, f64::max);
            let counted: f64 = hr.iter().map(|r| r.seconds).sum();
            assert!((above - ev.above_z1_s).abs() < 1e-9, "{ceiling}");
            assert!((counted - ev.counted_s).abs() < 1e-9, "{ceiling}");
            assert_eq!(longest, ev.longest_excursion_s, "{ceiling}");
        }
        // The 90 s surge is the longest excursion at 165 bpm and above.
        assert!(
            (hr.iter().find(|r| r.hr_bpm == 165).unwrap().longest_s - 90.0).abs() <= 1.0,
            "{hr:?}"
        );
    }

    #[test]
    fn longest_excursion_curve_equals_a_walk_per_ceiling() {
        // A small deterministic generator: HR wandering 90..200 with gaps and stops.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..50 {
            let n = (next() % 400) as usize;
            let mut hr = Vec::with_capacity(n);
            let mut w = Vec::with_capacity(n);
            let mut level = 140i32;
            for _ in 0..n {
                level = (level + (next() % 21) as i32 - 10).clamp(90, 200);
                let r = next() % 20;
                hr.push(if r == 0 { 0 } else { level as u8 });
                w.push(if r == 1 {
                    0.0
                } else {
                    (next() % 3) as f64 + 0.5
                });
            }
            let curve = longest_at_or_above(&hr, &w);
            for c in 1..=255u8 {
                let want = brute(&hr, &w, c);
                assert!(
                    (curve[c as usize] - want).abs() < 1e-9,
                    "ceiling {c}: {} vs {want}",
                    curve[c as usize]
                );
            }
        }
        // The audit's own evidence agrees on a hand-made series.
        let hr = [150u8, 160, 0, 161, 170, 150, 165, 166, 167];
        let w = [1.0, 1.0, 1.0, 2.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let c = longest_at_or_above(&hr, &w);
        // At >= 160: 160 + (0 skipped) 161 = 3 s, then 170 counts for nothing (ends it),
        // then 165..167 = 3 s.
        assert_eq!(c[160], 3.0);
        assert_eq!(c[165], 3.0);
        assert_eq!(c[166], 2.0);
        assert_eq!(c[150], 4.0);
        assert_eq!(c[171], 0.0);
    }
}
