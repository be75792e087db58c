//! Intensity distribution in Seiler's three zones, Treff's polarization index and a
//! class per period.
//!
//! ## The three zones (Seiler & Kjerland 2006, Scand J Med Sci Sports 16:49-56; Seiler
//! 2010, Int J Sports Physiol Perform 5:276-291)
//! Zone 1 is below the first (aerobic, ventilatory) threshold, Zone 2 between the first and
//! the second, Zone 3 at or above the second (the lactate threshold). hrzones has heart
//! rates, not lactate tests, so the thresholds are mapped from what the athlete's settings
//! or the watch give, in this order:
//! - **LTHR known** (a flag, the profile or the watch's `threshold_heart_rate`; not the
//!   Karvonen estimate): second threshold = 100 % of LTHR, first = 90 % of LTHR — the
//!   floor of Friel's Zone 3, the top of his aerobic Zone 2 (Friel, "Quick Guide to
//!   Setting Zones", TrainingPeaks).
//! - **else max HR**: first threshold = 82 %, second = 87 % of max HR, the heart rates
//!   at the ventilatory thresholds of Seiler's three-zone scale (Seiler 2010, Table 1;
//!   Seiler & Kjerland 2006).
//! - neither: no Seiler zones; the session counts for volume and load only, and says so.
//!
//! ## Polarization index (Treff, Winkert, Sareban, Steinacker & Sperlich 2019, Front
//! Physiol 10:707)
//! `PI = log10((Z1 / Z2) · Z3 · 100)` with the zones as fractions (0..1) of the time with
//! heart rate. A distribution is polarized when `PI > 2.00` and `Z1 > Z3 > Z2`.
//! - **Z2 = 0**: Z2 is replaced by 0.01 before the division ([`Z2_WHEN_ZERO`]); this is
//!   the substitution Treff et al. give for a distribution without Zone 2 time. (Stated
//!   from the paper as we read it; the paper was not available offline to re-check.)
//! - **Z3 = 0**: `log10(0)` has no value, so PI is null (with a note), never 0 — and the
//!   distribution cannot be polarized.
//!
//! ## Classes, in this order (first match)
//! 1. `polarized`: Treff's rule above.
//! 2. `base`: Z1 ≥ 90 % and not polarized (almost everything easy: the "high-volume,
//!    low-intensity" distribution of Stöggl & Sperlich 2014, Front Physiol 5:33).
//! 3. `pyramidal`: Z1 ≥ Z2 ≥ Z3 (Stöggl & Sperlich 2015, Front Physiol 6:295).
//! 4. `threshold`: Z2 is the largest share (Stöggl & Sperlich 2015).
//! 5. `hiit`: Z3 is the largest share (Stöggl & Sperlich 2015).
//! 6. `mixed`: Z1 largest and Z3 > Z2 but PI ≤ 2.00 — the polarized pattern without the
//!    dominance Treff requires.
//!
//! ## By session (Seiler & Kjerland 2006, "session goal" counting)
//! A session counts in Zone 3 when it holds at least [`SESSION_Z3_MIN_S`] (10 min) at or
//! above the second threshold, else in Zone 2 when it holds at least
//! [`SESSION_Z2_MIN_S`] (20 min) at or above the first, else in Zone 1. The same PI and
//! classes then apply to the session counts.

use crate::zones::{ZoneError, ZoneModelKind, Zones};

/// First threshold as a fraction of LTHR (Friel's Zone 3 floor).
pub const LTHR_T1_FRACTION: f64 = 0.90;
/// Second threshold as a fraction of LTHR.
pub const LTHR_T2_FRACTION: f64 = 1.00;
/// First threshold as a fraction of max HR (Seiler 2010).
pub const HRMAX_T1_FRACTION: f64 = 0.82;
/// Second threshold as a fraction of max HR (Seiler 2010).
pub const HRMAX_T2_FRACTION: f64 = 0.87;
/// The value Zone 2 takes in the PI when it is 0 (Treff et al. 2019).
pub const Z2_WHEN_ZERO: f64 = 0.01;
/// PI above this is polarized (Treff et al. 2019).
pub const PI_POLARIZED: f64 = 2.00;
/// Z1 share at or above which a non-polarized distribution is `base`.
pub const BASE_Z1_MIN: f64 = 0.90;
/// A session with this much time at or above the second threshold is a Zone 3 session, s.
pub const SESSION_Z3_MIN_S: f64 = 600.0;
/// ... else with this much at or above the first threshold a Zone 2 session, s.
pub const SESSION_Z2_MIN_S: f64 = 1200.0;

/// The two thresholds of Seiler's scale for one session, bpm, and how they were found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeilerThresholds {
    /// First threshold (Zone 2's floor), bpm.
    pub t1_bpm: u8,
    /// Second threshold (Zone 3's floor), bpm.
    pub t2_bpm: u8,
    /// "90/100 % of LTHR 170 (flag --lthr)" or "82/87 % of max HR 190 (file ...)".
    pub basis: String,
}

impl SeilerThresholds {
    /// From LTHR (bpm, source) when known and not an estimate, else max HR.
    pub fn from_settings(
        lthr: Option<(f64, &str)>,
        max_hr: Option<(f64, &str)>,
    ) -> Option<SeilerThresholds> {
        let bpm = |x: f64| (x + 0.5).floor().clamp(1.0, 255.0) as u8;
        if let Some((l, src)) = lthr.filter(|(_, s)| !s.starts_with("estimate")) {
            let (t1, t2) = (bpm(l * LTHR_T1_FRACTION), bpm(l * LTHR_T2_FRACTION));
            return (t1 < t2).then(|| SeilerThresholds {
                t1_bpm: t1,
                t2_bpm: t2,
                basis: format!("90/100 % of LTHR {l:.0} ({src})"),
            });
        }
        let (m, src) = max_hr?;
        let (t1, t2) = (bpm(m * HRMAX_T1_FRACTION), bpm(m * HRMAX_T2_FRACTION));
        (t1 < t2).then(|| SeilerThresholds {
            t1_bpm: t1,
            t2_bpm: t2,
            basis: format!("82/87 % of max HR {m:.0} ({src})"),
        })
    }

    /// As zones for [`crate::zones::time_in_zones`]: its bin 0 (below the first floor) is
    /// Seiler's Zone 1, bin 1 Zone 2, bin 2 Zone 3.
    pub fn zones(&self) -> Result<Zones, ZoneError> {
        Zones::from_floors(
            ZoneModelKind::Custom,
            vec![self.t1_bpm, self.t2_bpm],
            self.basis.clone(),
        )
    }
}

/// Shares of the three zones (each 0..1, summing to 1), or None when nothing is counted.
pub fn fractions(secs: [f64; 3]) -> Option<[f64; 3]> {
    let total: f64 = secs.iter().sum();
    (total > 0.0).then(|| secs.map(|s| s / total))
}

/// Treff's polarization index of zone shares; None when Zone 3 is empty (log10 of 0).
pub fn polarization_index(f: [f64; 3]) -> Option<f64> {
    let [z1, z2, z3] = f;
    if z3 <= 0.0 || z1 <= 0.0 {
        return None;
    }
    let z2 = if z2 <= 0.0 { Z2_WHEN_ZERO } else { z2 };
    Some((z1 / z2 * z3 * 100.0).log10())
}

/// The distribution class of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DistributionClass {
    /// PI > 2.00 and Z1 > Z3 > Z2.
    Polarized,
    /// Z1 ≥ 90 %, not polarized.
    Base,
    /// Z1 ≥ Z2 ≥ Z3.
    Pyramidal,
    /// Z2 the largest.
    Threshold,
    /// Z3 the largest.
    Hiit,
    /// Z1 largest, Z3 > Z2, PI ≤ 2.00.
    Mixed,
}

impl DistributionClass {
    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            DistributionClass::Polarized => "polarized",
            DistributionClass::Base => "base",
            DistributionClass::Pyramidal => "pyramidal",
            DistributionClass::Threshold => "threshold",
            DistributionClass::Hiit => "hiit",
            DistributionClass::Mixed => "mixed",
        }
    }
}

/// The class of zone shares (rules in the module docs).
pub fn classify(f: [f64; 3]) -> DistributionClass {
    let [z1, z2, z3] = f;
    let pi = polarization_index(f);
    if z1 > z3 && z3 > z2 && pi.is_some_and(|p| p > PI_POLARIZED) {
        return DistributionClass::Polarized;
    }
    if z1 >= BASE_Z1_MIN {
        return DistributionClass::Base;
    }
    if z1 >= z2 && z2 >= z3 {
        return DistributionClass::Pyramidal;
    }
    if z2 > z1 && z2 >= z3 {
        return DistributionClass::Threshold;
    }
    if z3 > z1 && z3 > z2 {
        return DistributionClass::Hiit;
    }
    DistributionClass::Mixed
}

/// The Seiler zone (1..=3) a session counts in by its goal (module docs).
pub fn session_zone(secs: [f64; 3]) -> usize {
    if secs[2] >= SESSION_Z3_MIN_S {
        3
    } else if secs[1] + secs[2] >= SESSION_Z2_MIN_S {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pi_follows_treff_with_the_zero_rules() {
        // 80/5/15: log10(16 · 0.15 · 100) = log10(240).
        let pi = polarization_index([0.80, 0.05, 0.15]).unwrap();
        assert!((pi - 240f64.log10()).abs() < 1e-12);
        // Z2 = 0 → 0.01: 90/0/10 → log10(90 · 0.1 · 100) = log10(900).
        let pi = polarization_index([0.90, 0.0, 0.10]).unwrap();
        assert!((pi - 900f64.log10()).abs() < 1e-12);
        // Z3 = 0: undefined, not 0.
        assert_eq!(polarization_index([0.9, 0.1, 0.0]), None);
    }

    #[test]
    fn classes_by_construction() {
        use DistributionClass::*;
        assert_eq!(classify([0.80, 0.05, 0.15]), Polarized);
        assert_eq!(classify([0.90, 0.0, 0.10]), Polarized);
        assert_eq!(classify([0.95, 0.05, 0.0]), Base);
        assert_eq!(classify([0.75, 0.20, 0.05]), Pyramidal);
        assert_eq!(classify([0.40, 0.50, 0.10]), Threshold);
        assert_eq!(classify([0.30, 0.20, 0.50]), Hiit);
        // Z1 > Z3 > Z2 but log10(4 · 0.25 · 100) = 2.00, not above.
        assert_eq!(classify([0.60, 0.15, 0.25]), Mixed);
    }

    #[test]
    fn thresholds_prefer_a_known_lthr_over_max_hr() {
        let t = SeilerThresholds::from_settings(Some((170.0, "flag --lthr")), Some((190.0, "x")))
            .unwrap();
        assert_eq!((t.t1_bpm, t.t2_bpm), (153, 170));
        let t = SeilerThresholds::from_settings(
            Some((171.25, "estimate: resting + 0.85")),
            Some((190.0, "flag --max-hr")),
        )
        .unwrap();
        // 0.82 · 190 = 155.8 → 156; 0.87 · 190 = 165.3 → 165.
        assert_eq!((t.t1_bpm, t.t2_bpm), (156, 165));
        assert!(SeilerThresholds::from_settings(None, None).is_none());
        let z = t.zones().unwrap();
        assert_eq!((z.zone_of(155), z.zone_of(156), z.zone_of(165)), (0, 1, 2));
    }

    #[test]
    fn sessions_count_by_goal() {
        assert_eq!(session_zone([3000.0, 500.0, 600.0]), 3);
        assert_eq!(session_zone([3000.0, 1100.0, 100.0]), 2);
        assert_eq!(session_zone([3000.0, 1000.0, 100.0]), 1);
    }
}
