//! What-if for the recovery audit: the same run's Zone 1 compliance under five zone
//! models side by side — the watch's own zones, % of max HR, % of HR reserve, Friel's
//! % of LTHR and Seiler's three zones — since "was it easy?" depends on where each
//! model ends Zone 1.
//!
//! Zone 1's ceiling (the first bpm above it) per model:
//! - `watch`: Zone 2's floor in the zones the watch wrote in the file;
//! - `hrmax`: 60 % of max HR (Garmin's default %HRmax zones: Z1 50-60 %, or the
//!   `percents` setting's second floor);
//! - `hrr`: resting + 60 % of the reserve (Karvonen; the same floors applied to HRR);
//! - `lthr`: 85 % of LTHR (Friel's running zones: Z1 below 85 %);
//! - `seiler`: 82 % of max HR. Seiler's Zone 1 is below the first ventilatory/lactate
//!   threshold (about 2 mmol/L); in HR terms below about 82 % of max HR (S. Seiler & G.
//!   Kjerland, "Quantifying training intensity distribution in elite endurance
//!   athletes", Scand J Med Sci Sports 2006; S. Seiler, "What is best practice for
//!   training intensity and duration distribution in endurance athletes?", IJSPP 2010).
//!
//! The numbers each model needs come from the settings in force for the session (the
//! profile and flags), else the watch's own settings in the file; a model whose number
//! is missing shows nothing.

use crate::activity::{Activity, Session};
use crate::profile::{self, Thresholds};
use crate::zones::{Zones, DEFAULT_PCT_FLOORS};

use super::{hr_evidence, SampleSlices};

/// Seiler's Zone 1 ceiling as a fraction of max HR.
pub const SEILER_Z1_CEILING_FRACTION: f64 = 0.82;

/// The models compared, in output order.
pub const MODELS: [&str; 5] = ["watch", "hrmax", "hrr", "lthr", "seiler"];

/// One model's Zone 1 for a run and the share of the run in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ModelZ1 {
    /// Zone 2's floor, bpm (None: the model lacks a number for this run).
    pub ceiling_bpm: Option<u8>,
    /// Share of counted HR time below the ceiling, %.
    pub pct_z1_or_below: Option<f64>,
    /// Share of counted HR time at or above it, %.
    pub pct_above_z1: Option<f64>,
}

/// Zone 2's floor under each of [`MODELS`] for one session, given the settings in force.
pub fn z1_ceilings(t: &Thresholds, a: &Activity, s: &Session) -> [Option<u8>; 5] {
    let max = t.max_hr.or_else(|| profile::file_max_hr(a, s).map(|x| x.0));
    let rest = t
        .resting_hr
        .or_else(|| profile::file_resting_hr(a, s).map(|x| x.0));
    let lthr = t.lthr.or_else(|| profile::file_lthr(a, s).map(|x| x.0));
    let pcts = t
        .percents
        .clone()
        .unwrap_or_else(|| DEFAULT_PCT_FLOORS.to_vec());
    let ceiling = |z: Result<Zones, _>| z.ok().and_then(|z: Zones| z.z1_ceiling_bpm());
    [
        profile::file_zones(a, s).and_then(|z| z.z1_ceiling_bpm()),
        max.and_then(|m| ceiling(Zones::hrmax(m, &pcts, "compare"))),
        max.zip(rest)
            .filter(|(m, r)| r < m)
            .and_then(|(m, r)| ceiling(Zones::hrr(m, r, &pcts, "compare"))),
        lthr.and_then(|l| ceiling(Zones::lthr(l, "compare"))),
        max.map(|m| (SEILER_Z1_CEILING_FRACTION * m as f64 + 0.5).floor() as u8),
    ]
}

/// Zone 1 compliance of one run under each of [`MODELS`].
pub fn compare(x: &SampleSlices<'_>, ceilings: &[Option<u8>; 5]) -> [ModelZ1; 5] {
    ceilings.map(|c| match c {
        Some(c) => {
            let ev = hr_evidence(x, Some(c));
            ModelZ1 {
                ceiling_bpm: Some(c),
                pct_z1_or_below: ev.pct_z1_or_below(),
                pct_above_z1: ev.pct_above_z1(),
            }
        }
        None => ModelZ1::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_ends_zone_1_where_its_source_says() {
        let t = Thresholds {
            max_hr: Some(190),
            resting_hr: Some(50),
            lthr: Some(170),
            ..Default::default()
        };
        let a = Activity::from_fit(Default::default(), "x.fit");
        let s = crate::activity::Session {
            index: 0,
            sport: 1,
            sub_sport: 0,
            sport_profile_name: None,
            start_s: 0,
            end_s: 0,
            timer_s: 0.0,
            elapsed_s: 0.0,
            distance_m: None,
            avg_hr: None,
            max_hr: None,
            training_stress_score: None,
            total_training_effect: None,
            device_zones: None,
            samples: 0..0,
            synthesized: false,
            timeline_notes: Vec::new(),
            watch_recovery_hr: None,
        };
        // watch: none in the file; 60 % of 190 = 114; 50 + 0.6 × 140 = 134;
        // 0.85 × 170 = 144.5 → 145; 0.82 × 190 = 155.8 → 156.
        assert_eq!(
            z1_ceilings(&t, &a, &s),
            [None, Some(114), Some(134), Some(145), Some(156)]
        );
    }
}
