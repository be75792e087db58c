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
use crate::zones::TimeInZoneOptions;

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
    /// Groups the session's heart rate by bpm, through the sample path with no max HR.
    pub fn of_session(a: &Activity, s: &Session) -> HrSeconds {
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
        let mut out = HrSeconds {
            hr_samples: raw.iter().filter(|&&h| h > 0).count() as u32,
            raw_max_bpm: raw.iter().copied().max().unwrap_or(0),
            bridged: series.bridged as u32,
            excluded_high: series.excluded_high as u32,
            excluded_s: series.excluded_s,
            ..Default::default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::hr_quality;

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
