//! Heart-rate zone models, and time in zone.
//!
//! Zones are 1-based wherever a user sees them (Z1..ZN); "Z0" is time below Zone 1. A
//! zone is given by its floor (lowest bpm): an HR equal to a zone's floor belongs to that
//! zone, so an HR equal to the watch's high boundary of a zone belongs to the zone above.
//!
//! ## The time-in-zone convention (validated against the watches, see the README)
//! The span between two successive samples is given by the session's recording interval
//! ([`sample_weights`]): recorded every second, to the earlier sample (its heart rate
//! holds until the next sample — a Garmin that writes a record when a value changes);
//! smart-recorded (median step 2 s or more), half to each sample (nearest sample). Each
//! span counts only where it overlaps the intervals in which the timer ran, inside the
//! session. (Measured on 514 sessions of both corpora against the watches' own time in
//! zone; README "Per recording interval".) The part of a span that falls to a sample
//! with HR 0 or the invalid value counts for nothing (it is not given to a neighbour).
//! There is no small gap cap: Garmin's "smart recording" writes a sample only when
//! something changes, up to 8+ s apart, and the watch counts those spans in full. A gap
//! longer than [`TimeInZoneOptions::max_gap_s`] (default 300 s)
//! is a dropout and counts for nothing; a clock that runs backwards or repeats a
//! timestamp gives that sample zero weight, and samples count for nothing until the
//! clock passes the latest time already seen (so no second is counted twice). Clock
//! faults larger than that, same-second records and implausible heart rate are dealt
//! with before, by [`crate::timeline`].

use crate::activity::{Activity, Interval, Session};

/// How a zone model is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneModelKind {
    /// The watch's own zones, read from the file.
    File,
    /// Percent of max HR (default floors 50/60/70/80/90 %).
    Hrmax,
    /// Percent of heart-rate reserve, Karvonen: rest + p·(max − rest).
    Hrr,
    /// Percent of lactate-threshold HR: Friel's seven running zones.
    Lthr,
    /// Explicit floors in bpm.
    Custom,
}

impl ZoneModelKind {
    /// Short name used in output.
    pub fn name(self) -> &'static str {
        match self {
            ZoneModelKind::File => "file",
            ZoneModelKind::Hrmax => "hrmax",
            ZoneModelKind::Hrr => "hrr",
            ZoneModelKind::Lthr => "lthr",
            ZoneModelKind::Custom => "custom",
        }
    }
}

/// Default %HRmax / %HRR floors of Z1..Z5.
pub const DEFAULT_PCT_FLOORS: [f64; 5] = [0.50, 0.60, 0.70, 0.80, 0.90];
/// Friel's running zones as fractions of LTHR: Z1 < 85 %, Z2 85–89 %, Z3 90–94 %,
/// Z4 95–99 %, Z5a 100–102 %, Z5b 103–106 %, Z5c > 106 % (Joe Friel, "Quick Guide to
/// Setting Zones", TrainingPeaks). Z1 has no floor, so nothing is below Zone 1.
pub const FRIEL_LTHR_FLOORS: [f64; 7] = [0.0, 0.85, 0.90, 0.95, 1.00, 1.03, 1.07];
/// Names of Friel's zones.
pub const FRIEL_NAMES: [&str; 7] = ["Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"];

/// Resolved zones for one session: what was used and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Zones {
    /// The model.
    pub model: ZoneModelKind,
    /// Floor of Z1..ZN, bpm, strictly increasing.
    pub floors_bpm: Vec<u8>,
    /// Names of Z1..ZN.
    pub names: Vec<String>,
    /// Max HR used (or the watch's), bpm.
    pub max_hr: Option<u8>,
    /// Resting HR used, bpm.
    pub resting_hr: Option<u8>,
    /// Threshold HR used, bpm.
    pub lthr: Option<u8>,
    /// One line saying where the numbers came from.
    pub source: String,
}

/// Errors building zones.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneError {
    /// Floors not strictly increasing, or empty.
    #[error("zone floors must be strictly increasing bpm values, got {0:?}")]
    BadFloors(Vec<u8>),
    /// The model needs a number nobody gave.
    #[error("{model} zones need {what}: set {flag} (or put it in the profile file)")]
    Missing {
        /// Model name.
        model: &'static str,
        /// What is missing.
        what: &'static str,
        /// The flag that sets it.
        flag: &'static str,
    },
    /// Nothing configured and the file has no zones or max HR.
    #[error("no zones: the file has no zones or max HR of its own; set --max-hr (with --zones hrmax), --lthr, --bounds, or a profile with --profile")]
    NoZones,
}

impl Zones {
    /// Zones from explicit floors (Z1 first).
    pub fn from_floors(
        model: ZoneModelKind,
        floors_bpm: Vec<u8>,
        source: String,
    ) -> Result<Zones, ZoneError> {
        if floors_bpm.is_empty() || floors_bpm.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ZoneError::BadFloors(floors_bpm));
        }
        let names = (1..=floors_bpm.len()).map(|i| format!("Z{i}")).collect();
        Ok(Zones {
            model,
            floors_bpm,
            names,
            max_hr: None,
            resting_hr: None,
            lthr: None,
            source,
        })
    }

    /// % of max HR.
    pub fn hrmax(max_hr: u8, pcts: &[f64], source: &str) -> Result<Zones, ZoneError> {
        let floors = pcts.iter().map(|p| round_bpm(p * max_hr as f64)).collect();
        let mut z = Zones::from_floors(
            ZoneModelKind::Hrmax,
            floors,
            format!("{source}: % of max HR {max_hr}"),
        )?;
        z.max_hr = Some(max_hr);
        Ok(z)
    }

    /// % of heart-rate reserve (Karvonen).
    pub fn hrr(max_hr: u8, resting_hr: u8, pcts: &[f64], source: &str) -> Result<Zones, ZoneError> {
        let (mx, rs) = (max_hr as f64, resting_hr as f64);
        let floors = pcts.iter().map(|p| round_bpm(rs + p * (mx - rs))).collect();
        let mut z = Zones::from_floors(
            ZoneModelKind::Hrr,
            floors,
            format!("{source}: % of HR reserve, max {max_hr}, resting {resting_hr}"),
        )?;
        z.max_hr = Some(max_hr);
        z.resting_hr = Some(resting_hr);
        Ok(z)
    }

    /// Friel's seven LTHR running zones.
    pub fn lthr(lthr: u8, source: &str) -> Result<Zones, ZoneError> {
        let floors: Vec<u8> = FRIEL_LTHR_FLOORS
            .iter()
            .map(|p| round_bpm(p * lthr as f64))
            .collect();
        let mut z = Zones::from_floors(
            ZoneModelKind::Lthr,
            floors,
            format!("{source}: Friel % of LTHR {lthr}"),
        )?;
        z.names = FRIEL_NAMES.iter().map(|s| s.to_string()).collect();
        z.lthr = Some(lthr);
        Ok(z)
    }

    /// Number of zones (Z1..ZN).
    pub fn len(&self) -> usize {
        self.floors_bpm.len()
    }

    /// Always false: zones have at least one floor.
    pub fn is_empty(&self) -> bool {
        self.floors_bpm.is_empty()
    }

    /// The zone of `hr_bpm`: 0 below Z1, else 1..=N.
    #[inline]
    pub fn zone_of(&self, hr_bpm: u8) -> usize {
        self.floors_bpm.iter().take_while(|&&f| hr_bpm >= f).count()
    }

    /// Lowest bpm above Zone 1 (Z2's floor), or None with one zone.
    pub fn z1_ceiling_bpm(&self) -> Option<u8> {
        self.floors_bpm.get(1).copied()
    }

    /// The floors as a space-separated list (no commas: one CSV field without quoting).
    pub fn floors_text(&self) -> String {
        self.floors_bpm
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Rounds half up, as Garmin does (205 × 0.7 = 143.5 → 144).
fn round_bpm(x: f64) -> u8 {
    (x + 0.5).floor().clamp(0.0, 255.0) as u8
}

/// Zones from the watch's own high boundaries (index 0 = top of "below zone 1"; the last
/// is max HR, the top of the top zone).
pub fn zones_from_high_bounds(bounds: &[u8], source: String) -> Result<Zones, ZoneError> {
    if bounds.len() < 2 {
        return Err(ZoneError::BadFloors(bounds.to_vec()));
    }
    let mut z = Zones::from_floors(
        ZoneModelKind::File,
        bounds[..bounds.len() - 1].to_vec(),
        source,
    )?;
    z.max_hr = bounds.last().copied();
    Ok(z)
}

/// Options of the time-in-zone computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeInZoneOptions {
    /// Longer sample gaps are dropouts and count for nothing, s.
    pub max_gap_s: f64,
}

impl Default for TimeInZoneOptions {
    fn default() -> Self {
        TimeInZoneOptions { max_gap_s: 300.0 }
    }
}

/// How a session's samples were recorded, from the positive steps between successive
/// samples (one pass, no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// At least 95 % of the steps are 1 s: a record every second.
    EverySecond,
    /// The median step is 1 s but over 5 % are longer: a watch that writes a record when
    /// a value changes (Garmin's smart recording while HR keeps changing).
    OnChange,
    /// The median step is 2 s or more (smart recording).
    Smart,
}

/// The recording of samples stamped `t_s` (see [`Recording`]).
pub fn recording(t_s: &[u32]) -> Recording {
    let (mut steps, mut ones) = (0usize, 0usize);
    let mut seen: Option<u32> = None;
    for &t in t_s {
        if let Some(p) = seen {
            if t <= p {
                continue;
            }
            steps += 1;
            ones += usize::from(t - p == 1);
        }
        seen = Some(t);
    }
    if 100 * ones >= 95 * steps {
        Recording::EverySecond
    } else if 2 * ones > steps {
        Recording::OnChange
    } else {
        Recording::Smart
    }
}

/// The seconds each sample counts for, clipped to `timer` (sorted, non-overlapping).
/// The span between two successive samples goes by the session's [`recording`] (the
/// convention measured against the watches, README "Per recording interval"):
/// - recorded every second: to the later sample ("since previous": the watch adds the
///   second since its last reading to the zone of the current one);
/// - recorded on change: to the earlier sample ("until next": its heart rate held until
///   the watch wrote a new value);
/// - smart-recorded: half to each, a span's first half to the earlier sample and its
///   second half to the later one ("nearest sample": where between two readings the
///   heart rate changed is unknown).
///
/// A span longer than `max_gap_s` is a dropout and counts for nobody; the part of a span
/// that falls to a sample without HR counts for nothing (it is not given to a
/// neighbour). Time is counted at most once: after the clock jumps backwards, samples
/// are skipped (weigh 0) until they pass the latest time already seen, so a repeated
/// timestamp weighs 0 and a replayed window is not counted twice.
///
/// This runs once per sample of every session of an archive: integer timestamps stay
/// integers and a span inside the current timer interval takes a short path. The test
/// `weights_match_the_reference` checks it against the direct formula (kept in the
/// tests) on random sessions.
pub fn sample_weights(
    t_s: &[u32],
    hr_bpm: &[u8],
    timer: &[Interval],
    opts: TimeInZoneOptions,
) -> Vec<f64> {
    let n = t_s.len().min(hr_bpm.len());
    let mut w = vec![0.0; n];
    let (t_s, hr_bpm) = (&t_s[..n], &hr_bpm[..n]);
    if n < 2 {
        return w;
    }
    let rec = recording(t_s);
    let mut k = 0usize; // first timer interval that may overlap
                        // Timed seconds in [a, b], for spans that come in increasing order.
    let mut timed = |a: f64, b: f64| -> f64 {
        while k < timer.len() && timer[k].end_s <= a {
            k += 1;
        }
        let Some(cur) = timer.get(k) else { return 0.0 };
        if cur.start_s <= a && b <= cur.end_s && timer.get(k + 1).is_none_or(|x| x.start_s >= b) {
            return b - a;
        }
        let mut s = 0.0;
        for iv in timer[k..].iter().take_while(|iv| iv.start_s < b) {
            s += (iv.end_s.min(b) - iv.start_s.max(a)).max(0.0);
        }
        s
    };
    let mut p = 0usize; // the last sample kept (its time is the latest seen)
    for i in 1..n {
        let (tp, t) = (t_s[p], t_s[i]);
        if t <= tp {
            continue;
        }
        let (prev, cur) = (p, i);
        p = i;
        // Integer seconds are exact as f64, so this is the same test in either type.
        if (t - tp) as f64 > opts.max_gap_s {
            continue;
        }
        let (a, b) = (tp as f64, t as f64);
        match rec {
            Recording::EverySecond => {
                if hr_bpm[cur] != 0 {
                    w[cur] += timed(a, b);
                }
            }
            Recording::OnChange => {
                if hr_bpm[prev] != 0 {
                    w[prev] += timed(a, b);
                }
            }
            Recording::Smart => {
                let mid = (a + b) / 2.0;
                let first = timed(a, mid);
                let second = timed(mid, b);
                if hr_bpm[prev] != 0 {
                    w[prev] += first;
                }
                if hr_bpm[cur] != 0 {
                    w[cur] += second;
                }
            }
        }
    }
    w
}

/// What does not count as heart rate: brief spikes and impossible values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeFilter {
    /// A spike differs from the samples on both sides by more than this, bpm.
    pub jump_bpm: u8,
    /// ... and the span from the sample before it to the sample after it is at most this
    /// long, s. A real heart cannot rise 25 bpm and fall back within 5 s; an optical
    /// sensor or a dry chest strap can.
    pub max_span_s: u32,
    /// Samples above the athlete's max HR plus this margin are invalid, bpm.
    pub max_hr_margin_bpm: u8,
}

impl Default for SpikeFilter {
    fn default() -> Self {
        SpikeFilter {
            jump_bpm: 25,
            max_span_s: 5,
            max_hr_margin_bpm: 10,
        }
    }
}

/// Marks the samples that do not count as heart rate: HR 0 (none), HR above
/// `max_hr_bpm + margin`, and spikes — a run of samples that all differ from the sample
/// before them and the sample after them by more than `jump_bpm`, in the same direction,
/// with those two flanking samples at most `max_span_s` apart.
pub fn invalid_mask(
    t_s: &[u32],
    hr_bpm: &[u8],
    f: &SpikeFilter,
    max_hr_bpm: Option<u8>,
) -> Vec<bool> {
    let n = t_s.len().min(hr_bpm.len());
    let cap = max_hr_bpm.map(|m| m as u16 + f.max_hr_margin_bpm as u16);
    let mut bad: Vec<bool> = (0..n)
        .map(|i| hr_bpm[i] == 0 || cap.is_some_and(|c| hr_bpm[i] as u16 > c))
        .collect();
    let jump = f.jump_bpm as i32;
    let mut i = 1;
    while i + 1 < n {
        let before = i - 1;
        let (hb, hi) = (hr_bpm[before] as i32, hr_bpm[i] as i32);
        if bad[before] || bad[i] || (hi - hb).abs() <= jump {
            i += 1;
            continue;
        }
        let dir = (hi - hb).signum();
        // Extend over samples still far from the level before the spike.
        let mut k = i + 1;
        while k < n
            && t_s[k].saturating_sub(t_s[before]) <= f.max_span_s
            && (hr_bpm[k] == 0 || dir * (hr_bpm[k] as i32 - hb) > jump)
        {
            k += 1;
        }
        let closes = k < n
            && !bad[k]
            && t_s[k] >= t_s[before]
            && t_s[k] - t_s[before] <= f.max_span_s
            && (i..k).all(|m| hr_bpm[m] == 0 || dir * (hr_bpm[m] as i32 - hr_bpm[k] as i32) > jump);
        if closes {
            for flag in &mut bad[i..k] {
                *flag = true;
            }
            i = k;
        } else {
            i += 1;
        }
    }
    bad
}

/// Seconds in each zone, index 0 = below Zone 1, then Z1..ZN.
pub fn time_in_zones(hr_bpm: &[u8], weights_s: &[f64], zones: &Zones) -> Vec<f64> {
    let bins = zones.len() + 1;
    // A lookup table turns the per-sample zone search into one load.
    // Filled zone by zone from the floors (ascending), not by a search per bpm: the
    // store's histograms are ~80 entries, and 256 searches were most of their cost.
    let mut lut = [0u8; 256];
    for (k, &f) in zones.floors_bpm.iter().enumerate() {
        lut[f as usize..].fill((k + 1).min(255) as u8);
    }
    debug_assert!((0..=255u8).all(|h| lut[h as usize] as usize == zones.zone_of(h)));
    // Consecutive samples are mostly in the same zone, and one running sum per zone makes
    // every addition wait for the one before (a store, a reload, an add: this loop was 4 %
    // of the archive benchmark). Four interleaved sets of sums keep four going at once.
    const LANES: usize = 4;
    const MAX_BINS: usize = 16;
    if bins > MAX_BINS {
        return time_in_zones_serial(hr_bpm, weights_s, &lut, bins);
    }
    let mut acc = [[0.0f64; MAX_BINS]; LANES];
    let n = hr_bpm.len().min(weights_s.len());
    let (hr_bpm, weights_s) = (&hr_bpm[..n], &weights_s[..n]);
    let mut hr_chunks = hr_bpm.chunks_exact(LANES);
    let mut w_chunks = weights_s.chunks_exact(LANES);
    for (hs, ws) in (&mut hr_chunks).zip(&mut w_chunks) {
        for (lane, (&h, &w)) in hs.iter().zip(ws).enumerate() {
            if h != 0 && w > 0.0 {
                acc[lane][lut[h as usize] as usize % MAX_BINS] += w;
            }
        }
    }
    let tail = time_in_zones_serial(hr_chunks.remainder(), w_chunks.remainder(), &lut, bins);
    (0..bins)
        .map(|z| acc.iter().map(|lane| lane[z]).sum::<f64>() + tail[z])
        .collect()
}

/// [`time_in_zones`] one sample after the other.
fn time_in_zones_serial(
    hr_bpm: &[u8],
    weights_s: &[f64],
    lut: &[u8; 256],
    bins: usize,
) -> Vec<f64> {
    let mut secs = vec![0.0; bins];
    for (&h, &w) in hr_bpm.iter().zip(weights_s) {
        if h != 0 && w > 0.0 {
            if let Some(s) = secs.get_mut(lut[h as usize] as usize) {
                *s += w;
            }
        }
    }
    secs
}

/// Per-sample weights for one session of an activity.
pub fn session_weights(a: &Activity, s: &Session, opts: TimeInZoneOptions) -> Vec<f64> {
    let r = s.samples.clone();
    let timer = a.session_timer(s);
    sample_weights(
        &a.samples.t_s[r.clone()],
        &a.samples.hr_bpm[r],
        &timer,
        opts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: f64, b: f64) -> Interval {
        Interval {
            start_s: a,
            end_s: b,
        }
    }

    /// The direct formula of `sample_weights`: the oracle for its short path. Each span
    /// between successive kept samples, split by the session's recording interval, timed
    /// against every timer interval.
    fn sample_weights_reference(
        t_s: &[u32],
        hr_bpm: &[u8],
        timer: &[Interval],
        opts: TimeInZoneOptions,
    ) -> Vec<f64> {
        let n = t_s.len().min(hr_bpm.len());
        let mut w = vec![0.0; n];
        // The kept samples: each later than every one before it.
        let mut kept: Vec<usize> = Vec::new();
        for i in 0..n {
            if kept.last().is_none_or(|&p| t_s[i] > t_s[p]) {
                kept.push(i);
            }
        }
        let mut steps: Vec<u32> = kept.windows(2).map(|p| t_s[p[1]] - t_s[p[0]]).collect();
        steps.sort_unstable();
        let ones = steps.iter().filter(|&&x| x == 1).count();
        let split_at = |a: f64, b: f64| {
            if 100 * ones >= 95 * steps.len() {
                a // since previous: all to the later sample
            } else if steps.get(steps.len() / 2) == Some(&1) {
                b // until next: all to the earlier sample
            } else {
                (a + b) / 2.0
            }
        };
        let timed = |a: f64, b: f64| -> f64 {
            timer
                .iter()
                .map(|iv| (iv.end_s.min(b) - iv.start_s.max(a)).max(0.0))
                .sum()
        };
        for p in kept.windows(2) {
            let (i, j) = (p[0], p[1]);
            let (a, b) = (t_s[i] as f64, t_s[j] as f64);
            if b - a > opts.max_gap_s {
                continue;
            }
            let split = split_at(a, b);
            if hr_bpm[i] != 0 {
                w[i] += timed(a, split);
            }
            if hr_bpm[j] != 0 {
                w[j] += timed(split, b);
            }
        }
        w
    }

    #[test]
    fn weights_match_the_reference() {
        let mut rnd = crate::testing::rng(0x9E37_79B9_7F4A_7C15u64);
        let mut whole_seconds = 0;
        for case in 0..3000 {
            let n = rnd(80) as usize;
            let mut t = 1000u32;
            let mut ts = Vec::new();
            let mut hr = Vec::new();
            for _ in 0..n {
                // Every fourth case recorded every second.
                if case % 4 == 2 {
                    t += 1;
                    ts.push(t);
                    hr.push(if rnd(15) == 0 { 0 } else { 60 + rnd(120) as u8 });
                    continue;
                }
                // Mostly 1-3 s steps; sometimes repeats, jumps back, long gaps.
                t = match rnd(20) {
                    0 => t.saturating_sub(rnd(30) as u32),
                    1 => t + 200 + rnd(400) as u32,
                    2 => t,
                    // Even cases mostly every second, odd ones smart-recorded.
                    _ if case % 2 == 0 && rnd(4) != 0 => t + 1,
                    _ => t + 1 + rnd(3) as u32,
                };
                ts.push(t);
                hr.push(if rnd(15) == 0 { 0 } else { 60 + rnd(120) as u8 });
            }
            // Timer intervals: sorted and disjoint, touching, or (in a few cases)
            // overlapping, with whole and fractional bounds.
            let mut timer = Vec::new();
            let mut at = 990.0 + rnd(20) as f64;
            for _ in 0..rnd(5) {
                let len = rnd(300) as f64 + if rnd(3) == 0 { 0.5 } else { 0.0 };
                timer.push(Interval {
                    start_s: at,
                    end_s: at + len,
                });
                at += len
                    + match (case % 7, rnd(3)) {
                        (0, _) => -(rnd(5) as f64),
                        (_, 0) => 0.0,
                        _ => rnd(60) as f64 + 0.25,
                    };
            }
            // The contract: sorted and disjoint (as `Activity::timer` is).
            timer.sort_by(|a: &Interval, b: &Interval| a.start_s.total_cmp(&b.start_s));
            let mut timer_merged: Vec<Interval> = Vec::new();
            for x in timer {
                match timer_merged.last_mut() {
                    Some(l) if x.start_s <= l.end_s => l.end_s = l.end_s.max(x.end_s),
                    _ => timer_merged.push(x),
                }
            }
            let timer = timer_merged;
            let opts = TimeInZoneOptions {
                max_gap_s: [300.0, 5.0, 0.5][case % 3],
            };
            let fast = sample_weights(&ts, &hr, &timer, opts);
            let slow = sample_weights_reference(&ts, &hr, &timer, opts);
            assert_eq!(
                fast, slow,
                "case {case}: t {ts:?} hr {hr:?} timer {timer:?}"
            );
            whole_seconds += fast.iter().filter(|&&w| w == 1.0).count();
        }
        assert!(whole_seconds > 2_000, "{whole_seconds} one-second weights");
    }

    #[test]
    fn interleaved_sums_match_one_sum_per_zone() {
        let mut rnd = crate::testing::rng(0x1234_5678_9ABC_DEF1u64);
        let z = Zones::from_floors(
            ZoneModelKind::Custom,
            vec![100, 130, 145, 160, 175],
            "t".into(),
        )
        .unwrap();
        for n in 0..200 {
            let hr: Vec<u8> = (0..n).map(|_| rnd(220) as u8).collect();
            let w: Vec<f64> = (0..n)
                .map(|_| [0.0, 1.0, 2.0, 0.25, 7.5][rnd(5) as usize])
                .collect();
            let mut expected = vec![0.0; 6];
            for (&h, &w) in hr.iter().zip(&w) {
                if h != 0 && w > 0.0 {
                    expected[z.zone_of(h)] += w;
                }
            }
            // Quarter seconds add up exactly in any order.
            assert_eq!(time_in_zones(&hr, &w, &z), expected, "n {n}");
        }
    }

    #[test]
    fn irregular_sampling_counts_seconds_not_samples() {
        let z = Zones::from_floors(
            ZoneModelKind::Custom,
            vec![100, 130, 145, 160, 175],
            "t".into(),
        )
        .unwrap();
        let t = [0, 1, 2, 10, 15];
        let hr = [120, 121, 122, 150, 150];
        let w = sample_weights(&t, &hr, &[iv(0.0, 15.0)], TimeInZoneOptions::default());
        // Smart recording (median step 5 s): each span split at its middle.
        assert_eq!(w, vec![0.5, 1.0, 4.5, 6.5, 2.5]);
        assert_eq!(
            time_in_zones(&hr, &w, &z),
            vec![0.0, 6.0, 0.0, 9.0, 0.0, 0.0]
        );
        // Recorded on change (median step 1 s, a longer one): a sample holds until the
        // next one.
        let t = [0, 1, 2, 3, 10];
        let w = sample_weights(&t, &hr, &[iv(0.0, 15.0)], TimeInZoneOptions::default());
        assert_eq!(w, vec![1.0, 1.0, 1.0, 7.0, 0.0]);
        assert_eq!(recording(&t), Recording::OnChange);
        // Recorded every second: each sample stands for the second before it.
        let t: Vec<u32> = (0..40).collect();
        let w = sample_weights(
            &t,
            &[120; 40],
            &[iv(0.0, 15.0)],
            TimeInZoneOptions::default(),
        );
        assert_eq!(w[0], 0.0);
        assert_eq!(w[1..16], [1.0; 15]);
        assert_eq!(w.iter().sum::<f64>(), 15.0);
        assert_eq!(recording(&[0, 1, 2, 10, 15]), Recording::Smart);
    }

    #[test]
    fn a_floor_belongs_to_its_zone() {
        let z = Zones::from_floors(ZoneModelKind::Custom, vec![100, 120], "t".into()).unwrap();
        assert_eq!(z.zone_of(99), 0);
        assert_eq!(z.zone_of(100), 1);
        assert_eq!(z.zone_of(119), 1);
        assert_eq!(z.zone_of(120), 2);
        assert_eq!(z.zone_of(250), 2);
    }

    #[test]
    fn pauses_and_dropouts_count_nothing() {
        let t = [0, 10, 20, 30, 1000, 1001];
        let hr = [100, 100, 0, 100, 100, 100];
        // Timer stopped 15..25.
        let timer = [iv(0.0, 15.0), iv(25.0, 2000.0)];
        let w = sample_weights(&t, &hr, &timer, TimeInZoneOptions::default());
        // Spans split at their middle: 0..10 full; the HR-0 sample's 15..25 counts for
        // nobody; 25..30 is timed; 30..1000 is a dropout; 1000..1001 counts.
        assert_eq!(w, vec![5.0, 10.0, 0.0, 5.0, 0.5, 0.5]);
    }

    #[test]
    fn backwards_and_repeated_timestamps_count_time_once() {
        let t = [10, 11, 11, 5, 6, 12, 13];
        let hr = [100; 7];
        let w = sample_weights(&t, &hr, &[iv(0.0, 100.0)], TimeInZoneOptions::default());
        // 11 repeats; 5 and 6 replay time already counted; 12 counts only 11..12.
        assert_eq!(w, vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
        assert_eq!(
            w.iter().sum::<f64>(),
            3.0,
            "never more than the clock's span"
        );
    }

    #[test]
    fn garmin_rounds_percentages_half_up() {
        let z = Zones::hrmax(205, &DEFAULT_PCT_FLOORS, "t").unwrap();
        // The FR55 file in the corpus: boundaries 103,123,144,164,185 with max 205.
        assert_eq!(z.floors_bpm, vec![103, 123, 144, 164, 185]);
    }

    #[test]
    fn karvonen_and_friel() {
        let z = Zones::hrr(200, 50, &DEFAULT_PCT_FLOORS, "t").unwrap();
        assert_eq!(z.floors_bpm, vec![125, 140, 155, 170, 185]);
        let f = Zones::lthr(170, "t").unwrap();
        assert_eq!(f.floors_bpm, vec![0, 145, 153, 162, 170, 175, 182]);
        assert_eq!(f.names[4], "Z5a");
    }

    #[test]
    fn floors_must_increase() {
        assert!(Zones::from_floors(ZoneModelKind::Custom, vec![120, 120], "t".into()).is_err());
        assert!(Zones::from_floors(ZoneModelKind::Custom, vec![], "t".into()).is_err());
    }

    #[test]
    fn zone_seconds_add_up_to_weighted_time() {
        let z = Zones::hrmax(190, &DEFAULT_PCT_FLOORS, "t").unwrap();
        let mut seed = 7u64;
        let mut t = Vec::new();
        let mut hr = Vec::new();
        let mut now = 0u32;
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            now += 1 + (seed >> 60) as u32;
            t.push(now);
            hr.push(((seed >> 33) % 220) as u8);
        }
        let timer = [iv(100.0, 900.0), iv(1000.0, 5000.0)];
        let w = sample_weights(&t, &hr, &timer, TimeInZoneOptions::default());
        let secs = time_in_zones(&hr, &w, &z);
        let total: f64 = w.iter().sum();
        assert!((secs.iter().sum::<f64>() - total).abs() < 1e-6);
        assert!(total <= 800.0 + 4000.0);
    }
}
