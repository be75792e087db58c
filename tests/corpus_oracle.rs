//! The watch as the oracle: our time in zone against the watches' own `time_in_zone`
//! numbers, over every qualifying session of the shared corpus (not a hand-picked few).
//!
//! Qualifying: the watch wrote its session time in zone with its zone boundaries; the
//! session lasted at least a minute; its HR comes from record messages (not stored strap
//! `hr` messages); not a swim. Error of a session = Σ|ours − watch| / watch total.
//! Goal (issue 2): median ≤ 0.5 %, 90th percentile ≤ 2 %. Run with `--nocapture` to see
//! every session's numbers.

use std::path::{Path, PathBuf};

use hrzones::activity::Activity;
use hrzones::analysis::SessionAnalysis;
use hrzones::fit;
use hrzones::profile::Settings;
use hrzones::zones::{TimeInZoneOptions, ZoneModelKind};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
    if dir.join("MANIFEST.csv").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/fit-corpus is absent");
        None
    }
}

struct Case {
    /// Median gap between the session's samples, s.
    median_gap_s: f64,
    file: String,
    session: usize,
    sport: &'static str,
    timer_s: f64,
    error: f64,
    /// The error under each candidate convention of [`CONVENTIONS`], computed here.
    by_convention: [f64; 5],
}

/// The candidate sample-weight conventions, reimplemented here on the session's samples
/// (after the heart-rate quality rule), its timer intervals and the watch's boundaries.
const CONVENTIONS: [&str; 5] = [
    "since previous",
    "until next",
    "nearest sample",
    "linear interpolation",
    // Not a rule: for each session the best of the four above, chosen with the watch's
    // answer — how far a rule that knew which convention fits each session could go.
    "best of the four, per session",
];

/// Seconds per zone (index 0 below Z1) under convention `c`: each span between successive
/// samples (later than all before; at most 300 s) goes to the later sample (0), the
/// earlier (1), half to each (2), or second by second to the HR interpolated at the
/// second's start, rounded (3). A sample without HR takes nothing. HR equal to a high
/// boundary belongs to the zone above.
fn convention_secs(
    c: usize,
    t: &[u32],
    hr: &[u8],
    timer: &[(f64, f64)],
    bounds: &[u8],
) -> Vec<f64> {
    let zone = |h: f64| bounds.iter().filter(|&&b| h >= b as f64).count();
    let timed = |a: f64, b: f64| -> f64 {
        timer
            .iter()
            .map(|&(x, y)| (y.min(b) - x.max(a)).max(0.0))
            .sum()
    };
    let mut secs = vec![0.0; bounds.len() + 1];
    let mut add = |h: u8, w: f64| {
        if h != 0 && w > 0.0 {
            secs[zone(h as f64)] += w;
        }
    };
    let mut prev: Option<usize> = None;
    for i in 0..t.len().min(hr.len()) {
        let Some(p) = prev else {
            prev = Some(i);
            continue;
        };
        if t[i] <= t[p] {
            continue;
        }
        prev = Some(i);
        let (a, b) = (t[p] as f64, t[i] as f64);
        if b - a > 300.0 {
            continue;
        }
        match c {
            0 => add(hr[i], timed(a, b)),
            1 => add(hr[p], timed(a, b)),
            2 => {
                add(hr[p], timed(a, (a + b) / 2.0));
                add(hr[i], timed((a + b) / 2.0, b));
            }
            _ => {
                if hr[p] == 0 || hr[i] == 0 {
                    add(hr[i], timed(a, b));
                    continue;
                }
                let g = b - a;
                let mut x = a;
                while x < b {
                    let h = hr[p] as f64 + (hr[i] as f64 - hr[p] as f64) * (x - a) / g;
                    add(h.round() as u8, timed(x, x + 1.0));
                    x += 1.0;
                }
            }
        }
    }
    secs
}

fn cases(dir: &Path) -> Vec<Case> {
    cases_in(dir, false)
}

/// Median positive gap between consecutive samples, s (1 when there are none).
fn median_gap(t: &[u32]) -> f64 {
    let mut gaps: Vec<u32> = t
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]))
        .filter(|&g| g > 0 && g < 3600)
        .collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).map_or(1.0, |&g| g as f64)
}

fn cases_in(dir: &Path, quiet: bool) -> Vec<Case> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.csv")).unwrap();
    let settings = Settings::default();
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let file = line.split(',').next().unwrap();
        // The Apple Watch files of running-data-sync: their time in zone was computed by
        // an export app, not written by a watch.
        if file.starts_with("shaonianche+running-data-sync") {
            continue;
        }
        let bytes = std::fs::read(dir.join(file)).unwrap();
        // Decoded directly, so files with a bad CRC (raw_run.fit) still take part.
        let Ok(data) = fit::decode(&bytes, Default::default()) else {
            continue;
        };
        let a = Activity::from_fit(data, file);
        if a.hr_from_strap > 0 {
            continue;
        }
        for s in &a.sessions {
            let Some(dz) = &s.device_zones else { continue };
            if s.is_swim() || s.timer_s < 60.0 || dz.high_bounds_bpm.len() < 2 {
                continue;
            }
            let an = SessionAnalysis::compute(&a, s, &settings, TimeInZoneOptions::default());
            let zones = an
                .zones
                .as_ref()
                .expect("the watch's zones resolve by default");
            assert_eq!(
                zones.model,
                ZoneModelKind::File,
                "{file}: default model is the watch's own"
            );
            let ours = an.secs_in_zone.clone().unwrap();
            // The watch may add a bin above its top boundary: fold it into the top zone.
            let mut watch = dz.secs.clone();
            while watch.len() > ours.len() {
                let extra = watch.pop().unwrap();
                *watch.last_mut().unwrap() += extra;
            }
            let total: f64 = watch.iter().sum();
            if total <= 0.0 {
                continue;
            }
            let diff: f64 = ours.iter().zip(&watch).map(|(a, b)| (a - b).abs()).sum();
            let median_gap_s = median_gap(&a.samples.t_s[s.samples.clone()]);
            let timer: Vec<(f64, f64)> = a
                .session_timer(s)
                .iter()
                .map(|iv| (iv.start_s, iv.end_s))
                .collect();
            let t = &a.samples.t_s[s.samples.clone()];
            let mut by_convention: [f64; 5] = std::array::from_fn(|c| {
                if c == 4 {
                    return f64::INFINITY;
                }
                let secs = convention_secs(c, t, &an.hr_bpm, &timer, &dz.high_bounds_bpm);
                let d: f64 = secs.iter().zip(&watch).map(|(a, b)| (a - b).abs()).sum();
                d / total
            });
            by_convention[4] = by_convention[..4]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            if !quiet {
                println!(
                "{:7.3}%  {:<18} {:>8.0}s  {file}#{}\n          ours  {:?}\n          watch {:?}",
                diff / total * 100.0,
                s.sport_name(),
                s.timer_s,
                s.index,
                ours.iter().map(|x| x.round()).collect::<Vec<_>>(),
                watch.iter().map(|x| x.round()).collect::<Vec<_>>()
                );
            }
            out.push(Case {
                median_gap_s,
                file: file.to_string(),
                session: s.index,
                sport: s.sport_name(),
                timer_s: s.timer_s,
                error: diff / total,
                by_convention,
            });
        }
    }
    out
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

#[test]
fn time_in_zone_matches_the_watches() {
    let Some(dir) = corpus() else { return };
    let cases = cases(&dir);
    // 45 sessions from 40 files qualified when this test was written; a corpus update
    // that silently drops most of them must not pass unnoticed.
    assert!(
        cases.len() >= 40,
        "only {} qualifying sessions",
        cases.len()
    );
    let mut errs: Vec<f64> = cases.iter().map(|c| c.error).collect();
    errs.sort_by(f64::total_cmp);
    let median = quantile(&errs, 0.5);
    let p90 = quantile(&errs, 0.9);
    let runs: Vec<f64> = {
        let mut v: Vec<f64> = cases
            .iter()
            .filter(|c| c.sport == "running")
            .map(|c| c.error)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    println!(
        "sessions {}  median {:.3}%  p90 {:.3}%  max {:.3}%  (running: {} sessions, median {:.3}%)",
        errs.len(),
        median * 100.0,
        p90 * 100.0,
        errs.last().unwrap() * 100.0,
        runs.len(),
        quantile(&runs, 0.5) * 100.0
    );
    for c in cases.iter().filter(|c| c.error > 0.02) {
        println!(
            "over 2 %: {}#{} ({}, {:.0} s): {:.2}%",
            c.file,
            c.session,
            c.sport,
            c.timer_s,
            c.error * 100.0
        );
    }
    assert!(
        median <= 0.005,
        "median error {:.3}% > 0.5 %",
        median * 100.0
    );
    assert!(
        p90 <= 0.02,
        "90th percentile error {:.3}% > 2 %",
        p90 * 100.0
    );
    // Long sessions (≥ 5 min) have no boundary effects to hide behind: all within 2 %,
    // except the one file whose watch total exceeds the session itself (see README).
    for c in cases
        .iter()
        .filter(|c| c.timer_s >= 300.0 && !c.file.contains("FR55-CoreTemp-Walk"))
    {
        assert!(
            c.error <= 0.02,
            "{}#{}: {:.2}%",
            c.file,
            c.session,
            c.error * 100.0
        );
    }
}

/// Time in zone against the watches on both corpora, per recording interval: 1-second
/// recording (median gap 1 s) and smart recording (median gap 2 s or more); the Apple
/// Watch files of running-data-sync apart (their time in zone is an export app's).
#[test]
fn time_in_zone_per_recording_interval_on_both_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let mut all: Vec<(String, Case)> = Vec::new();
    for name in ["fit-corpus", "fit-corpus2"] {
        let dir = root.join(name);
        if !dir.join("MANIFEST.csv").exists() {
            eprintln!("skipped: ../shared/{name} is absent");
            continue;
        }
        all.extend(
            cases_in(&dir, true)
                .into_iter()
                .map(|c| (name.to_string(), c)),
        );
    }
    if all.is_empty() {
        return;
    }
    let mut rows = Vec::new();
    let names: Vec<&str> = std::iter::once("hrzones")
        .chain(CONVENTIONS.iter().copied())
        .collect();
    println!("| convention | recording | corpus | sessions | median | 90th percentile |");
    for (ci, conv) in names.iter().enumerate() {
        for (label, pick) in [
            ("1 s", (|g: f64| g <= 1.0) as fn(f64) -> bool),
            ("smart (>= 2 s)", |g: f64| g >= 2.0),
        ] {
            for corpus in ["fit-corpus", "fit-corpus2", "both"] {
                let mut errs: Vec<f64> = all
                    .iter()
                    .filter(|(c, x)| (corpus == "both" || c == corpus) && pick(x.median_gap_s))
                    .map(|(_, x)| {
                        100.0
                            * if ci == 0 {
                                x.error
                            } else {
                                x.by_convention[ci - 1]
                            }
                    })
                    .collect();
                if errs.is_empty() {
                    continue;
                }
                errs.sort_by(f64::total_cmp);
                let (m, p90) = (quantile(&errs, 0.5), quantile(&errs, 0.9));
                println!(
                    "| {conv} | {label} | {corpus} | {} | {m:.3} % | {p90:.3} % |",
                    errs.len()
                );
                if ci == 0 {
                    rows.push((label, corpus, errs.len(), m, p90));
                }
            }
        }
    }
    // Smart recording by median gap: what is lost between samples grows with the gap.
    let mut gaps: Vec<u32> = all
        .iter()
        .filter(|(_, c)| c.median_gap_s >= 2.0)
        .map(|(_, c)| c.median_gap_s as u32)
        .collect();
    gaps.sort_unstable();
    gaps.dedup();
    for g in gaps {
        let mut errs: Vec<f64> = all
            .iter()
            .filter(|(_, c)| c.median_gap_s as u32 == g)
            .map(|(_, c)| 100.0 * c.error)
            .collect();
        errs.sort_by(f64::total_cmp);
        println!(
            "| hrzones | smart, median gap {g} s | both | {} | {:.3} % | {:.3} % |",
            errs.len(),
            quantile(&errs, 0.5),
            quantile(&errs, 0.9)
        );
    }
    for (file, c) in all.iter().filter(|(_, c)| c.error > 0.05) {
        println!(
            "over 5 %: {file}/{}#{} gap {} s: {:.2} %",
            c.file,
            c.session,
            c.median_gap_s,
            c.error * 100.0
        );
    }
    // The rule implemented (README, "Per recording interval"): until next on sessions
    // recorded every second, nearest sample on smart-recorded ones. Issue 18's targets:
    // 1 s median <= 0.1 %, p90 <= 0.8 % (met); smart median <= 0.7 % (met), p90 <= 1.5 %
    // (not met: 1.6 %, see the README for why); the bound keeps it from getting worse.
    let both = |label: &str| rows.iter().find(|r| r.0 == label && r.1 == "both").copied();
    let one_s = both("1 s").expect("1-second sessions");
    assert!(
        one_s.3 <= 0.1 && one_s.4 <= 0.8,
        "1 s: median {:.3} %, p90 {:.3} %",
        one_s.3,
        one_s.4
    );
    let smart = both("smart (>= 2 s)").expect("smart-recorded sessions");
    assert!(
        smart.3 <= 0.7 && smart.4 <= 1.7,
        "smart: median {:.3} %, p90 {:.3} %",
        smart.3,
        smart.4
    );
}
