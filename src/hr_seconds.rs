//! A session's heart rate as *seconds per bpm*: what the store keeps so that re-zoning
//! and re-loading an archive never reads a sample.
//!
//! Why it exists: time in zone, Banister and Edwards TRIMP, hrTSS, the average and the
//! maximum of a session are all sums `Σ seconds · f(HR)` over its samples once the
//! timeline has given each sample its seconds ([`crate::zones::sample_weights`]) and the
//! heart-rate rule has judged it ([`crate::timeline::hr_quality`]). Grouping the samples
//! by bpm gives the same sums from at most 255 numbers, for any zone model, thresholds
//! and sex constants.
//!
//! What it must not do: decide anything itself. [`HrSeconds::of_session`] runs the one
//! sample path ([`crate::analysis::HrSeries::of_session`]) and only groups its output.
//!
//! The one rule that depends on the athlete's settings is the implausible-HR cap of
//! [`crate::timeline::hr_quality`] (max HR + 10 bpm, at most
//! [`crate::timeline::PHYSIOLOGICAL_MAX_BPM`]), and it is judged on each sample's bpm
//! alone, after the spikes were bridged ([`crate::timeline::exclude_above`]). The
//! histogram is built with no max HR (the physiological part of the rule, from the
//! samples); [`HrSeconds::series_for`] applies the athlete's cap to it by dropping the
//! bpm above it, which is exactly what the sample path does.

use crate::activity::{Activity, Session};
use crate::analysis::HrSeries;
use crate::timeline::{FLAT_LINE_MAX_STEP_S, FLAT_LINE_S, PHYSIOLOGICAL_MAX_BPM};
use crate::zones::{self, SpikeFilter, TimeInZoneOptions};

/// One session's heart rate, grouped by bpm (after the timeline and the heart-rate rule
/// at the physiological cap).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HrSeconds {
    /// The heart rates that occur, ascending, bpm (never 0).
    pub bpm: Vec<u8>,
    /// Timer seconds counted at each of them, s (0 for a rate whose samples all weigh 0).
    pub secs: Vec<f64>,
    /// Samples at each of them.
    pub samples: Vec<u32>,
    /// Samples of the session that carry heart rate before any rule (HR > 0).
    pub hr_samples: u32,
    /// Highest heart rate of the session before any rule, bpm (0: none).
    pub raw_max_bpm: u8,
    /// Spike samples bridged by the heart-rate rule.
    pub bridged: u32,
    /// Samples excluded as implausible.
    pub excluded_high: u32,
    /// Timer seconds excluded as implausible, s.
    pub excluded_s: f64,
}

pub use crate::timeline::hr_cap_bpm;

impl HrSeconds {
    /// Groups the session's heart rate by bpm, as the sample path gives it with no max HR
    /// ([`HrSeconds::of_session_through_series`], the oracle of the tests).
    ///
    /// Ingest builds one for every session of an archive, and on most sessions the
    /// heart-rate rule changes nothing: no stretch held long enough to be a flat line, no
    /// jump big enough to be a spike, nothing above [`crate::timeline::PHYSIOLOGICAL_MAX_BPM`].
    /// A few vectorised passes over the samples ([`RuleScan`]) prove that; the histogram is
    /// then the samples' own bpm under their weights ([`crate::zones::session_weights`]),
    /// summed in sample order as the sample path sums them, so every second is the same
    /// `f64`. A session where the rule may act goes through the sample path itself.
    pub fn of_session(a: &Activity, s: &Session) -> HrSeconds {
        let r = s.samples.clone();
        let (Some(t_s), Some(raw)) = (a.samples.t_s.get(r.clone()), a.samples.hr_bpm.get(r)) else {
            return HrSeconds::of_session_through_series(a, s);
        };
        let n = t_s.len().min(raw.len());
        let scan = RuleScan::of(&t_s[..n], &raw[..n]);
        if !scan.rule_is_identity || n != raw.len() {
            return HrSeconds::of_session_through_series(a, s);
        }
        let weights_s = zones::session_weights(a, s, TimeInZoneOptions::default());
        let mut secs = [0.0f64; 256];
        let mut samples = [0u32; 256];
        for (&h, &w) in raw.iter().zip(&weights_s) {
            // Samples without HR weigh 0 and are not grouped (as below).
            if h != 0 {
                secs[h as usize] += w;
                samples[h as usize] += 1;
            }
        }
        HrSeconds {
            hr_samples: scan.hr_samples,
            raw_max_bpm: scan.raw_max_bpm,
            // The rule bridged and excluded nothing; the samples without HR that the
            // sample path adds to `excluded_s` all weigh exactly 0.
            ..HrSeconds::from_bins(&secs, &samples)
        }
    }

    /// [`HrSeconds::of_session`] the long way: the sample path
    /// ([`HrSeries::of_session`]), grouped by bpm. What the histogram must equal.
    pub fn of_session_through_series(a: &Activity, s: &Session) -> HrSeconds {
        let series = HrSeries::of_session(a, s, None, TimeInZoneOptions::default());
        let raw = a.samples.hr_bpm.get(s.samples.clone()).unwrap_or(&[]);
        let mut secs = [0.0f64; 256];
        let mut samples = [0u32; 256];
        for (&h, &w) in series.hr_bpm.iter().zip(&series.weights_s) {
            if h != 0 {
                secs[h as usize] += w;
                samples[h as usize] += 1;
            }
        }
        HrSeconds {
            hr_samples: raw.iter().filter(|&&h| h > 0).count() as u32,
            raw_max_bpm: raw.iter().copied().max().unwrap_or(0),
            bridged: series.bridged as u32,
            excluded_high: series.excluded_high as u32,
            excluded_s: series.excluded_s,
            ..HrSeconds::from_bins(&secs, &samples)
        }
    }

    /// The bins that hold samples, ascending.
    fn from_bins(secs: &[f64; 256], samples: &[u32; 256]) -> HrSeconds {
        // Sized once rather than grown bin by bin (this runs for every session ingested).
        let bins = samples[1..].iter().filter(|&&n| n > 0).count();
        let mut out = HrSeconds {
            bpm: Vec::with_capacity(bins),
            secs: Vec::with_capacity(bins),
            samples: Vec::with_capacity(bins),
            ..HrSeconds::default()
        };
        for h in 1..=255u8 {
            if samples[h as usize] > 0 {
                out.bpm.push(h);
                out.secs.push(secs[h as usize]);
                out.samples.push(samples[h as usize]);
            }
        }
        out
    }

    /// The histogram as a weighted series under `max_hr`: one entry per bpm, weighing
    /// its seconds; the bpm above the athlete's cap ([`hr_cap_bpm`]) are excluded as the
    /// sample path excludes them (their samples and seconds counted as implausible).
    pub fn series_for(&self, max_hr: Option<u8>) -> HrSeries {
        let cap = hr_cap_bpm(max_hr);
        let keep = self.bpm.partition_point(|&b| b as u16 <= cap);
        let (mut excluded_high, mut excluded_s) = (self.excluded_high as usize, self.excluded_s);
        for k in keep..self.bpm.len() {
            excluded_high += self.samples[k] as usize;
            excluded_s += self.secs[k];
        }
        HrSeries {
            hr_bpm: self.bpm[..keep].to_vec(),
            weights_s: self.secs[..keep].to_vec(),
            bridged: self.bridged as usize,
            excluded_high,
            excluded_s,
        }
    }
}

/// What one pass over a session's samples tells about the heart-rate rule
/// ([`crate::timeline::hr_quality`] with no max HR), and the raw counts a histogram
/// keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RuleScan {
    /// The rule returns the samples' heart rate unchanged: no run of one value that
    /// [`crate::timeline::flat_lines`] could call flat (held over
    /// [`crate::timeline::FLAT_LINE_S`] at one sample per
    /// [`crate::timeline::FLAT_LINE_MAX_STEP_S`] or more, whether or not the session is
    /// live), no step between two samples with HR larger than the spike filter's jump
    /// (so no spike to bridge), nothing above the physiological cap (nothing to exclude).
    rule_is_identity: bool,
    /// Samples with HR (> 0).
    hr_samples: u32,
    /// Highest HR, bpm (0: none).
    raw_max_bpm: u8,
}

impl RuleScan {
    fn of(t_s: &[u32], hr_bpm: &[u8]) -> RuleScan {
        let n = t_s.len().min(hr_bpm.len());
        let (t_s, hr_bpm) = (&t_s[..n], &hr_bpm[..n]);
        let jump = SpikeFilter::default().jump_bpm;
        // A run [start, end) of one value could be flat-lined (as `flat_lines` judges a
        // run, before its liveness test).
        let may_be_flat = |start: usize, end: usize, v: u8| {
            let end_t = t_s.get(end).copied().unwrap_or(t_s[end - 1]);
            let held_s = end_t.saturating_sub(t_s[start]);
            v != 0
                && held_s > FLAT_LINE_S
                && (end - start) as u64 * FLAT_LINE_MAX_STEP_S as u64 >= held_s as u64
        };
        // Each test is its own branch-free pass, which the compiler vectorises: one
        // loop testing them all per sample cost more than the rule it skips.
        let hr_samples = hr_bpm.iter().map(|&h| u32::from(h != 0)).sum::<u32>();
        let max = hr_bpm.iter().copied().max().unwrap_or(0);
        let jumps = hr_bpm
            .iter()
            .zip(hr_bpm.iter().skip(1))
            .fold(false, |any, (&a, &b)| {
                any | ((a != 0) & (b != 0) & (a.abs_diff(b) > jump))
            });
        // A flat line holds one value for more than FLAT_LINE_S / FLAT_LINE_MAX_STEP_S
        // samples (over 30: its samples × the step reach past FLAT_LINE_S), so it covers
        // a whole aligned block of 16 (a run of 2 × 16 − 1 samples always does): only
        // the runs through such blocks are measured.
        const BLOCK: usize = 16;
        const _: () = assert!(2 * BLOCK - 1 <= (FLAT_LINE_S / FLAT_LINE_MAX_STEP_S) as usize + 1);
        let mut flat = false;
        let mut next = 0; // runs end before this are measured already
        for (k, block) in hr_bpm.chunks_exact(BLOCK).enumerate() {
            let v = block[0];
            let start = k * BLOCK;
            if v == 0 || start < next || block.iter().fold(0u8, |d, &h| d | (h ^ v)) != 0 {
                continue;
            }
            let first = hr_bpm[..start]
                .iter()
                .rposition(|&h| h != v)
                .map_or(0, |i| i + 1);
            let end = hr_bpm[start..]
                .iter()
                .position(|&h| h != v)
                .map_or(n, |i| start + i);
            flat |= may_be_flat(first, end, v);
            next = end;
        }
        RuleScan {
            rule_is_identity: !flat && !jumps && max <= PHYSIOLOGICAL_MAX_BPM,
            hr_samples,
            raw_max_bpm: max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::hr_quality;

    /// Random activities whose heart rate the rule leaves alone or not (spikes, flat
    /// lines, HR above the cap, dropouts, zeros, a clock step back, timer pauses,
    /// smart recording): the one-pass histogram equals the sample path's, bit for bit,
    /// and both ways are taken often.
    #[test]
    fn the_one_pass_histogram_is_the_sample_paths() {
        use crate::fit::decode::{FitData, SummaryMsg, TimerEvent};
        let mut rnd = crate::testing::rng(0x5EED_0014);
        let (mut fast, mut slow) = (0, 0);
        for case in 0..400 {
            let mut fit = FitData::default();
            let start = 1_000_000_000u32;
            let mut t = start;
            let smart = case % 3 == 0;
            let mut hr = 100 + rnd(60) as u8;
            let n = 2 + rnd(900) as usize;
            for i in 0..n {
                t += match (smart, rnd(50)) {
                    (_, 0) => 400,        // a dropout
                    (_, 1) if i > 3 => 0, // the same second again
                    (true, _) => 1 + rnd(7) as u32,
                    (false, _) => 1,
                };
                hr = (hr as i32 + rnd(5) as i32 - 2).clamp(60, 200) as u8;
                let h = match rnd(400) {
                    0 if case % 4 == 1 => hr + 40,                        // a spike
                    1 if case % 5 == 2 => 240,                            // above the cap
                    2 if case % 6 == 3 => 0,                              // no HR
                    _ if case % 7 == 4 && (200..600).contains(&i) => 150, // a stuck sensor
                    _ => hr,
                };
                fit.records.push_basic(t, h, f64::NAN, f32::NAN);
            }
            let end = t;
            // Two sessions (so a session's sample range starts past 0), timer paused
            // once in the second, at odd FIT seconds.
            let mid = start + (end - start) / 2;
            for (a, b) in [(start, mid), (mid, end)] {
                fit.sessions.push(SummaryMsg {
                    start_time: Some(a),
                    timestamp: Some(b),
                    elapsed_s: Some((b - a) as f64),
                    timer_s: Some((b - a) as f64),
                    ..Default::default()
                });
            }
            if case % 2 == 0 {
                let (stop, go) = (mid + (end - mid) / 3, mid + (end - mid) / 2);
                for (t_s, start) in [(start, true), (stop, false), (go, true), (end, false)] {
                    fit.timer_events.push(TimerEvent {
                        t_s,
                        start,
                        record_index: 0,
                    });
                }
            }
            let a = Activity::from_fit(fit, "random.fit");
            for s in &a.sessions {
                let r = s.samples.clone();
                let scan = RuleScan::of(&a.samples.t_s[r.clone()], &a.samples.hr_bpm[r]);
                if scan.rule_is_identity {
                    fast += 1;
                } else {
                    slow += 1;
                }
                assert_eq!(
                    HrSeconds::of_session(&a, s),
                    HrSeconds::of_session_through_series(&a, s),
                    "case {case} session {}",
                    s.index
                );
            }
        }
        assert!(fast > 200 && slow > 100, "fast {fast}, slow {slow}");
    }

    #[test]
    fn the_cap_is_the_one_hr_quality_applies() {
        // A sustained run (20 s) at `level` is excluded exactly when level > cap.
        let t: Vec<u32> = (0..40).collect();
        for max_hr in [
            None,
            Some(150u8),
            Some(185),
            Some(219),
            Some(220),
            Some(250),
        ] {
            let cap = hr_cap_bpm(max_hr);
            for level in [cap - 1, cap, cap + 1] {
                let Ok(level) = u8::try_from(level) else {
                    continue;
                };
                let mut hr = vec![140u8; 40];
                hr[10..30].iter_mut().for_each(|h| *h = level);
                let q = hr_quality(&t, &hr, max_hr);
                assert_eq!(
                    q.excluded_high > 0,
                    level as u16 > cap,
                    "max_hr {max_hr:?} level {level}"
                );
            }
        }
        assert_eq!(hr_cap_bpm(None), 230);
        assert_eq!(hr_cap_bpm(Some(185)), 195);
        assert_eq!(hr_cap_bpm(Some(240)), 230);
    }

    #[test]
    fn the_cap_drops_the_bpm_above_it_and_counts_them() {
        let h = HrSeconds {
            bpm: vec![150, 190, 196, 240],
            secs: vec![100.0, 50.0, 3.0, 0.0],
            samples: vec![100, 50, 3, 0],
            excluded_high: 2,
            excluded_s: 2.0,
            ..Default::default()
        };
        let all = h.series_for(None);
        assert_eq!(all.hr_bpm, vec![150, 190, 196]);
        assert_eq!((all.excluded_high, all.excluded_s), (2, 2.0));
        let s = h.series_for(Some(185)); // cap 195
        assert_eq!(s.hr_bpm, vec![150, 190]);
        assert_eq!(s.weights_s, vec![100.0, 50.0]);
        assert_eq!((s.excluded_high, s.excluded_s), (5, 5.0));
        let s = h.series_for(Some(186)); // cap 196: the 196 stays
        assert_eq!(s.hr_bpm, vec![150, 190, 196]);
    }
}
