//! Per-session analysis shared by every command: the settings in force, the zones, the
//! per-sample weights and the time in zone. `load`, `audit` and `chart` start from a
//! [`SessionAnalysis`] so that they all count seconds the same way.

use crate::activity::{fit_to_unix_s, Activity, Session};
use crate::profile::{file_max_hr, Settings, Thresholds};
use crate::zones::{self, TimeInZoneOptions, ZoneError, Zones};

/// What one session's heart rate says, under the settings in force.
#[derive(Debug, Clone)]
pub struct SessionAnalysis {
    /// Settings in force for this session (profile at its date + flags).
    pub thresholds: Thresholds,
    /// The zones, or why there are none.
    pub zones: Result<Zones, ZoneError>,
    /// The session's HR samples with strap static replaced ([`zones::despike`]); use
    /// these, not the raw column, for anything computed from HR.
    pub hr_bpm: Vec<u8>,
    /// How many samples [`zones::despike`] replaced.
    pub spikes_replaced: usize,
    /// Seconds each sample of the session counts for (see [`zones::sample_weights`]).
    pub weights_s: Vec<f64>,
    /// Seconds per zone (index 0 = below Z1), when zones resolved.
    pub secs_in_zone: Option<Vec<f64>>,
    /// Timer seconds covered by valid HR samples.
    pub hr_covered_s: f64,
    /// Time-weighted average HR over counted samples, bpm.
    pub avg_hr_bpm: Option<f64>,
    /// Highest HR among counted samples, bpm.
    pub max_hr_bpm: Option<u8>,
}

impl SessionAnalysis {
    /// Analyses one session.
    pub fn compute(
        a: &Activity,
        s: &Session,
        settings: &Settings,
        opts: TimeInZoneOptions,
    ) -> SessionAnalysis {
        let (thresholds, zones) = settings.zones_for_session(a, s);
        let weights_s = zones::session_weights(a, s, opts);
        let max_hr = thresholds.max_hr.or_else(|| file_max_hr(a, s).map(|m| m.0));
        let r = s.samples.clone();
        let (hr_bpm, spikes_replaced) =
            zones::despike(&a.samples.t_s[r.clone()], &a.samples.hr_bpm[r], max_hr);
        let secs_in_zone = zones
            .as_ref()
            .ok()
            .map(|z| zones::time_in_zones(&hr_bpm, &weights_s, z));
        let (mut sum, mut total) = (0.0, 0.0);
        let mut max = None::<u8>;
        for (&h, &w) in hr_bpm.iter().zip(&weights_s) {
            if w > 0.0 {
                sum += h as f64 * w;
                total += w;
                max = Some(max.map_or(h, |m| m.max(h)));
            }
        }
        SessionAnalysis {
            thresholds,
            zones,
            hr_bpm,
            spikes_replaced,
            weights_s,
            secs_in_zone,
            hr_covered_s: total,
            avg_hr_bpm: (total > 0.0).then(|| sum / total),
            max_hr_bpm: max,
        }
    }
}

/// A session's start as RFC 3339 UTC, or "+Ns since power-on" for relative timestamps.
pub fn start_text(a: &Activity, s: &Session) -> String {
    if !a.has_real_dates() {
        return format!("+{}s since power-on", s.start_s);
    }
    let unix = fit_to_unix_s(s.start_s as f64) as i64;
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A session's start in Unix seconds, when the file has real dates.
pub fn start_unix_s(a: &Activity, s: &Session) -> Option<i64> {
    a.has_real_dates()
        .then(|| fit_to_unix_s(s.start_s as f64) as i64)
}
