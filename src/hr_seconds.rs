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
//! [`crate::timeline::PHYSIOLOGICAL_MAX_BPM`]). The histogram is built with no max HR, so
//! at the physiological cap; it stays exact under a user's max HR whenever no sample of
//! the session exceeds that user's cap ([`HrSeconds::is_exact_for`]: the rule then
//! changes nothing). Other sessions need their samples; the store reads them for those
//! sessions only.

use crate::activity::{Activity, Session};
use crate::analysis::HrSeries;
use crate::timeline::PHYSIOLOGICAL_MAX_BPM;
use crate::zones::{SpikeFilter, TimeInZoneOptions};

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

/// The implausible-HR cap [`crate::timeline::hr_quality`] applies for `max_hr`, bpm: max HR
/// plus the spike filter's margin, at most the physiological maximum.
pub fn hr_cap_bpm(max_hr: Option<u8>) -> u16 {
    let margin = SpikeFilter::default().max_hr_margin_bpm as u16;
    max_hr.map_or(PHYSIOLOGICAL_MAX_BPM as u16, |m| {
        (m as u16 + margin).min(PHYSIOLOGICAL_MAX_BPM as u16)
    })
}

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

    /// True when the heart-rate rule under `max_hr` gives exactly what this histogram
    /// holds: the cap is the physiological one it was built with, or no sample of the
    /// session is above the cap (then the cap changes nothing).
    pub fn is_exact_for(&self, max_hr: Option<u8>) -> bool {
        let cap = hr_cap_bpm(max_hr);
        cap >= PHYSIOLOGICAL_MAX_BPM as u16 || self.raw_max_bpm as u16 <= cap
    }

    /// The histogram as a weighted series: one entry per bpm, weighing its seconds.
    pub fn series(&self) -> HrSeries {
        HrSeries {
            hr_bpm: self.bpm.clone(),
            weights_s: self.secs.clone(),
            bridged: self.bridged as usize,
            excluded_high: self.excluded_high as usize,
            excluded_s: self.excluded_s,
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
    fn exact_only_when_the_cap_changes_nothing() {
        let h = HrSeconds {
            raw_max_bpm: 196,
            ..Default::default()
        };
        assert!(h.is_exact_for(None));
        assert!(h.is_exact_for(Some(186))); // cap 196: nothing above it
        assert!(!h.is_exact_for(Some(185))); // cap 195: the 196 may be excluded
        assert!(h.is_exact_for(Some(225))); // cap 230, the histogram's own
        let wild = HrSeconds {
            raw_max_bpm: 250,
            ..Default::default()
        };
        assert!(wild.is_exact_for(None));
        assert!(wild.is_exact_for(Some(220)));
        assert!(!wild.is_exact_for(Some(219)));
    }
}
