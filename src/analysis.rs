//! Per-session analysis shared by every command: the settings in force, the zones, the
//! per-sample weights and the time in zone. `load`, `audit` and `chart` start from a
//! [`SessionAnalysis`] so that they all count seconds the same way.

use crate::activity::{fit_to_unix_s, Activity, Session};
use crate::profile::{file_max_hr, Settings, Thresholds};
use crate::timeline;
use crate::zones::{self, TimeInZoneOptions, ZoneError, Zones};

/// What one session's heart rate says, under the settings in force.
#[derive(Debug, Clone)]
pub struct SessionAnalysis {
    /// Settings in force for this session (profile at its date + flags).
    pub thresholds: Thresholds,
    /// The zones, or why there are none.
    pub zones: Result<Zones, ZoneError>,
    /// The session's HR samples after the one heart-rate quality rule
    /// ([`timeline::hr_quality`]): spikes bridged, implausible HR excluded (0). Use these,
    /// not the raw column, for anything computed from HR. For an activity read from the
    /// store without samples, one entry per bpm instead ([`HrSeries`]): use it only in
    /// sums weighted by `weights_s`.
    pub hr_bpm: Vec<u8>,
    /// How many samples were bridged as spikes.
    pub spikes_replaced: usize,
    /// Timer seconds whose HR was excluded as implausible (over max HR + 10, or over 230
    /// bpm for longer than a spike), s.
    pub hr_excluded_s: f64,
    /// Seconds each sample of the session counts for (see [`zones::sample_weights`]);
    /// 0 for samples without HR after the quality rule.
    pub weights_s: Vec<f64>,
    /// Every correction that changed this session's numbers: the timeline's
    /// ([`crate::activity::Session::timeline_notes`]) and the heart-rate rule's.
    pub quality_notes: Vec<String>,
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
        let max_hr = thresholds.max_hr.or_else(|| file_max_hr(a, s).map(|m| m.0));
        // Read from the store without samples: the session's HR seconds stand for them,
        // exactly for any max HR (see `crate::hr_seconds`).
        let series = match a.stored_hr_seconds(s) {
            Some(h) => h.series_for(max_hr),
            None => HrSeries::of_session(a, s, max_hr, opts),
        };
        let HrSeries {
            hr_bpm,
            weights_s,
            bridged: spikes_replaced,
            excluded_high,
            excluded_s: hr_excluded_s,
        } = series;
        // Samples without HR already weigh 0: what is zeroed here is what the rule excluded.
        let mut quality_notes = s.timeline_notes.clone();
        if excluded_high > 0 {
            let cap = max_hr.map_or(format!("{} bpm", timeline::PHYSIOLOGICAL_MAX_BPM), |m| {
                format!("max HR {m} + 10")
            });
            quality_notes.push(format!(
                "{hr_excluded_s:.0} s of implausible HR excluded ({excluded_high} samples above {cap})"
            ));
        }
        if spikes_replaced > 0 {
            quality_notes.push(format!("{spikes_replaced} HR spike samples bridged"));
        }
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
            hr_excluded_s,
            weights_s,
            quality_notes,
            secs_in_zone,
            hr_covered_s: total,
            avg_hr_bpm: (total > 0.0).then(|| sum / total),
            max_hr_bpm: max,
        }
    }

    /// The quality notes as one phrase list ("a; b"), or None for a clean session.
    pub fn quality_note(&self) -> Option<String> {
        (!self.quality_notes.is_empty()).then(|| self.quality_notes.join("; "))
    }
}

/// A session's heart rate after the timeline and the heart-rate rule, each value with
/// the timer seconds it counts for: per sample on the sample path, per bpm when read
/// from the store's HR seconds ([`crate::hr_seconds`]). Everything computed from it is a
/// sum of `seconds · f(HR)`, so both give the same numbers.
#[derive(Debug, Clone, Default)]
pub struct HrSeries {
    /// Heart rate after the rule (0: none or excluded), bpm.
    pub hr_bpm: Vec<u8>,
    /// Seconds each value counts for (0 for values without HR), s.
    pub weights_s: Vec<f64>,
    /// Samples bridged as spikes.
    pub bridged: usize,
    /// Samples excluded as implausible.
    pub excluded_high: usize,
    /// Timer seconds excluded as implausible, s.
    pub excluded_s: f64,
}

impl HrSeries {
    /// The sample path: [`zones::session_weights`], then [`timeline::hr_quality`] under
    /// `max_hr`; samples the rule excludes weigh 0.
    pub fn of_session(
        a: &Activity,
        s: &Session,
        max_hr: Option<u8>,
        opts: TimeInZoneOptions,
    ) -> HrSeries {
        let mut weights_s = zones::session_weights(a, s, opts);
        let r = s.samples.clone();
        let q = timeline::hr_quality(&a.samples.t_s[r.clone()], &a.samples.hr_bpm[r], max_hr);
        // Samples without HR already weigh 0: what is zeroed here is what the rule
        // excluded, as implausible (counted in `excluded_s`) or flat-lined (said in the
        // session's timeline note, `timeline::note_flat_lines`).
        let mut flat = vec![
            false;
            if q.flat.is_empty() {
                0
            } else {
                weights_s.len()
            }
        ];
        for f in &q.flat {
            flat.get_mut(f.samples.clone())
                .into_iter()
                .flatten()
                .for_each(|x| *x = true);
        }
        let mut excluded_s = 0.0;
        for (i, (w, &h)) in weights_s.iter_mut().zip(&q.hr_bpm).enumerate() {
            if h == 0 {
                if !flat.get(i).copied().unwrap_or(false) {
                    excluded_s += *w;
                }
                *w = 0.0;
            }
        }
        HrSeries {
            hr_bpm: q.hr_bpm,
            weights_s,
            bridged: q.bridged,
            excluded_high: q.excluded_high,
            excluded_s,
        }
    }
}

/// Joins a command's own note and the session's quality note.
pub fn join_notes(own: Option<String>, quality: Option<String>) -> Option<String> {
    match (own, quality) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
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
