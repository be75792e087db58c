//! One session's facts for the trends: everything the period summaries need, small
//! (no samples), so a whole archive's rows fit in memory.
//!
//! Per-session numbers come through the existing public APIs — [`SessionAnalysis`] (the
//! sample weights and the despiked HR every command counts with), [`SessionLoad`]
//! (hrTSS), [`crate::zones::time_in_zones`] and [`audit::hr_evidence`] (the recovery
//! audit's Zone 1 evidence and Pa:HR decoupling) — so a session counts the same seconds
//! here as in `zones`, `load` and `audit`.
//!
//! ## Aerobic efficiency (only on comparable steady runs)
//! - **Efficiency factor** (Friel; TrainingPeaks "Efficiency Factor"): average speed over
//!   average heart rate, here in metres per minute per bpm: `EF = (distance / timer time
//!   in min) / average HR`. (TrainingPeaks uses normalized graded pace; we use plain
//!   speed and exclude hilly runs instead.)
//! - **Aerobic decoupling** (Pa:HR, TrainingPeaks' definition, Friel): EF of the first
//!   half against the second, halves by counted time, `(EF₁ − EF₂) / EF₁ × 100`; under
//!   5 % is "coupled" (aerobically fit for that duration). Computed by
//!   [`audit::hr_evidence`].
//! - **Steady, comparable runs** ([`SteadyFilter`]): running outdoors (not treadmill,
//!   indoor or virtual sub-sports), 30 min to 3 h of timer time, paused at most 10 % of
//!   the elapsed time, heart rate over at least 90 % of the timer time, at most 15 m of
//!   climbing per km (summed rises of the altitude samples), and at most 5 % of the time
//!   at or above the second threshold (no intervals).
//!
//! ## Heart-rate recovery
//! The largest drop over 60 s after a bout of at least 2 min at or above the floor of
//! the athlete's Zone 4 (the fourth zone of the zone model in force): HR at the bout's
//! last sample minus HR at the first sample 60 s (±3 s) later (Cole et al. 1999, N Engl
//! J Med 341:1351-1357, 60 s recovery after exercise; here in the field, after any hard
//! bout rather than a test, so it mixes walking and jogging recoveries: compare a runner
//! with themself only).
//!
//! The watch's own recovery HR, where it wrote one (FIT event `recovery_hr`, Garmin:
//! the heart rate two minutes after the timer stopped), is kept beside it as written,
//! with the 2-minute drop it implies: HR at the last sample at or before the stop (the
//! event's time − 120 s, within 10 s) minus the watch's value. Garmin's manuals describe
//! recovery heart rate as "the difference between your exercising heart rate and your
//! heart rate two minutes after the exercise has stopped"; the event itself carries the
//! second number (checked on the x3cl archive: the value lies below the HR at the stop).

use crate::activity::{Activity, Session};
use crate::analysis::{start_unix_s, SessionAnalysis};
use crate::audit::{self, HrEvidence, SampleSlices};
use crate::load::SessionLoad;
use crate::profile::Settings;
use crate::trends::distribution::SeilerThresholds;
use crate::zones::{self, TimeInZoneOptions};

/// Limits of a "steady, comparable run" for EF and decoupling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteadyFilter {
    /// Shortest timer time, min.
    pub min_min: f64,
    /// Longest timer time, min.
    pub max_min: f64,
    /// Largest paused share of the elapsed time, %.
    pub max_pause_pct: f64,
    /// Smallest share of the timer time with heart rate, %.
    pub min_hr_cover_pct: f64,
    /// Most climbing, m per km.
    pub max_climb_m_per_km: f64,
    /// Largest share of HR time at or above the second threshold, %.
    pub max_z3_pct: f64,
}

impl Default for SteadyFilter {
    fn default() -> Self {
        SteadyFilter {
            min_min: 30.0,
            max_min: 180.0,
            max_pause_pct: 10.0,
            min_hr_cover_pct: 90.0,
            max_climb_m_per_km: 15.0,
            max_z3_pct: 5.0,
        }
    }
}

impl SteadyFilter {
    /// One line stating the filter, for the output and docs.
    pub fn describe(&self) -> String {
        format!(
            "steady runs: outdoor running, {}-{} min, paused <= {} %, HR over >= {} % of the timer, climbing <= {} m/km, <= {} % at or above the second threshold",
            self.min_min, self.max_min, self.max_pause_pct, self.min_hr_cover_pct, self.max_climb_m_per_km, self.max_z3_pct
        )
    }
}

/// Minimum bout at or above Zone 4 before a recovery is measured, s.
pub const HRR_BOUT_MIN_S: f64 = 120.0;
/// The recovery span, s.
pub const HRR_SPAN_S: u32 = 60;
/// Tolerance on the recovery span's end sample, s.
pub const HRR_SPAN_SLACK_S: u32 = 3;

/// One session of the archive, as the trends need it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionFacts {
    /// Input name.
    pub file: String,
    /// 0-based session index.
    pub session: u32,
    /// Start, Unix s (None: no real dates).
    pub start_unix_s: Option<i64>,
    /// Local time minus UTC at the start, s (the file's offset or `--tz`, see
    /// [`crate::localtime`]); None: the caller's fallback offset.
    pub utc_offset_s: Option<i32>,
    /// End (start + elapsed), Unix s.
    pub end_unix_s: Option<i64>,
    /// Sport name.
    pub sport: String,
    /// Sub-sport name.
    pub sub_sport: String,
    /// Running (FIT sport 1, or a treadmill through fitness equipment).
    pub is_run: bool,
    /// Timer time, s.
    pub timer_s: f64,
    /// Elapsed time, s.
    pub elapsed_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// Timer seconds covered by HR.
    pub hr_covered_s: f64,
    /// hrTSS.
    pub hr_tss: Option<f64>,
    /// Seiler thresholds (None: no LTHR or max HR).
    pub seiler: Option<SeilerThresholds>,
    /// Seconds in Seiler's zones 1..3 (None: no HR or thresholds).
    pub seiler_s: Option<[f64; 3]>,
    /// Zone 1 ceiling of the athlete's zone model, bpm (the recovery audit's ceiling).
    pub z1_ceiling_bpm: Option<u8>,
    /// Runs: the recovery audit's evidence against the athlete's Zone 1 ceiling.
    pub z1_evidence: Option<HrEvidence>,
    /// Runs: the same evidence against Seiler's first threshold ("above" = the grey zone
    /// and higher).
    pub t1_evidence: Option<HrEvidence>,
    /// Efficiency factor, m/min per bpm (steady runs only).
    pub ef: Option<f64>,
    /// Aerobic decoupling, % (steady runs only).
    pub decoupling_pct: Option<f64>,
    /// Why a run is not steady (None for steady runs and non-runs).
    pub not_steady: Option<String>,
    /// Largest 60 s HR drop after >= 2 min at or above Zone 4, bpm.
    pub hrr60_bpm: Option<f64>,
    /// The watch's own recovery HR (bpm two minutes after the timer stopped).
    pub watch_recovery_hr_bpm: Option<u8>,
    /// HR at the timer stop minus the watch's recovery HR, bpm.
    pub watch_hrr120_bpm: Option<f64>,
    /// Why something is missing.
    pub note: Option<String>,
}

impl SessionFacts {
    /// The local day the session started: at its own offset, else at `fallback`.
    pub fn day(&self, fallback: chrono::FixedOffset) -> Option<chrono::NaiveDate> {
        let offset = self
            .utc_offset_s
            .unwrap_or_else(|| fallback.local_minus_utc());
        crate::localtime::date_at(self.start_unix_s?, offset)
    }

    /// Analyses one session.
    pub fn compute(
        a: &Activity,
        s: &Session,
        settings: &Settings,
        steady: &SteadyFilter,
    ) -> SessionFacts {
        let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
        let load = SessionLoad::compute(a, s, &an, settings);
        let start = start_unix_s(a, s);
        let seiler = SeilerThresholds::from_settings(
            load.lthr.as_ref().map(|l| (l.value, l.source.as_str())),
            load.max_hr.as_ref().map(|m| (m.value, m.source.as_str())),
        );
        let has_hr = an.hr_covered_s > 0.0;
        let mut notes: Vec<String> = Vec::new();
        let seiler_s = match (&seiler, has_hr) {
            (_, false) => {
                notes.push("no heart rate".into());
                None
            }
            (None, true) => {
                notes.push("no Seiler zones: no LTHR or max HR (set --lthr or --max-hr)".into());
                None
            }
            (Some(t), true) => t.zones().ok().map(|z| {
                let v = zones::time_in_zones(&an.hr_bpm, &an.weights_s, &z);
                [v[0], v[1], v[2]]
            }),
        };
        let x = SampleSlices::of(a, s, &an);
        let z1_ceiling = an.zones.as_ref().ok().and_then(|z| z.z1_ceiling_bpm());
        let is_run = audit::is_running(s);
        let (mut z1_evidence, mut t1_evidence) = (None, None);
        let (mut ef, mut decoupling_pct, mut not_steady) = (None, None, None);
        if has_hr && is_run {
            if z1_ceiling.is_some() {
                z1_evidence = Some(audit::hr_evidence(&x, z1_ceiling));
            }
            if let Some(t) = &seiler {
                let ev1 = audit::hr_evidence(&x, Some(t.t1_bpm));
                match steady_reason(a, s, &an, seiler_s, steady) {
                    Some(why) => not_steady = Some(why),
                    None => {
                        decoupling_pct = ev1.decoupling_pct;
                        ef = match (s.distance_m, ev1.avg_hr_bpm) {
                            (Some(d), Some(hr)) if s.timer_s > 0.0 && hr > 0.0 => {
                                Some(d / (s.timer_s / 60.0) / hr)
                            }
                            _ => {
                                not_steady = Some("no distance".into());
                                None
                            }
                        };
                    }
                }
                t1_evidence = Some(ev1);
            }
        }
        let hrr60_bpm = an.zones.as_ref().ok().and_then(|z| {
            let floor = *z.floors_bpm.get(3)?;
            let r = s.samples.clone();
            hr_recovery(&a.samples.t_s[r], &an.hr_bpm, &an.weights_s, floor)
        });
        let watch_hrr120_bpm = s.watch_recovery_hr.and_then(|e| {
            let r = s.samples.clone();
            hr_at_stop(
                &a.samples.t_s[r],
                &an.hr_bpm,
                e.t_s.saturating_sub(WATCH_HRR_SPAN_S),
            )
            .map(|at_stop| at_stop as f64 - e.bpm as f64)
        });
        if let Some(n) = &load.note {
            if has_hr {
                notes.push(n.clone());
            }
        }
        SessionFacts {
            file: a.source.clone(),
            session: s.index as u32,
            start_unix_s: start,
            utc_offset_s: crate::localtime::session_offset(a, s).map(|o| o.seconds),
            end_unix_s: start.map(|u| u.saturating_add(s.elapsed_s.max(0.0).round() as i64)),
            sport: s.sport_name().to_string(),
            sub_sport: s.sub_sport_name().to_string(),
            is_run,
            timer_s: s.timer_s,
            elapsed_s: s.elapsed_s,
            distance_m: s.distance_m,
            hr_covered_s: an.hr_covered_s,
            hr_tss: load.hr_tss,
            seiler,
            seiler_s,
            z1_ceiling_bpm: z1_ceiling,
            z1_evidence,
            t1_evidence,
            ef,
            decoupling_pct,
            not_steady,
            hrr60_bpm,
            watch_recovery_hr_bpm: s.watch_recovery_hr.map(|e| e.bpm),
            watch_hrr120_bpm,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        }
    }
}

/// The facts of every session of an activity.
pub fn session_facts(
    a: &Activity,
    settings: &Settings,
    steady: &SteadyFilter,
) -> Vec<SessionFacts> {
    a.sessions
        .iter()
        .map(|s| SessionFacts::compute(a, s, settings, steady))
        .collect()
}

/// Why a run is not a steady comparable run, or None when it is.
fn steady_reason(
    a: &Activity,
    s: &Session,
    an: &SessionAnalysis,
    seiler_s: Option<[f64; 3]>,
    f: &SteadyFilter,
) -> Option<String> {
    // treadmill (1), indoor_running (45), virtual_activity (58); FE treadmill is sport 4.
    if s.sport != 1 || matches!(s.sub_sport, 1 | 45 | 58) {
        return Some("indoor or treadmill".into());
    }
    let min = s.timer_s / 60.0;
    if min < f.min_min || min > f.max_min {
        return Some(format!("{min:.0} min"));
    }
    if s.elapsed_s > 0.0 {
        let pause = 100.0 * (s.elapsed_s - s.timer_s).max(0.0) / s.elapsed_s;
        if pause > f.max_pause_pct {
            return Some(format!("paused {pause:.0} %"));
        }
    }
    let cover = 100.0 * an.hr_covered_s / s.timer_s.max(1.0);
    if cover < f.min_hr_cover_pct {
        return Some(format!("HR over {cover:.0} % of the timer"));
    }
    let km = s.distance_m.unwrap_or(0.0) / 1000.0;
    if km <= 0.0 {
        return Some("no distance".into());
    }
    let r = s.samples.clone();
    let alt = &a.samples.altitude_m
        [r.start.min(a.samples.altitude_m.len())..r.end.min(a.samples.altitude_m.len())];
    let climb = climb_m(alt);
    if climb / km > f.max_climb_m_per_km {
        return Some(format!("hilly: {:.0} m/km", climb / km));
    }
    if let Some(z) = seiler_s {
        let total: f64 = z.iter().sum();
        if total > 0.0 && 100.0 * z[2] / total > f.max_z3_pct {
            return Some(format!(
                "{:.0} % above the second threshold",
                100.0 * z[2] / total
            ));
        }
    }
    None
}

/// Summed rises of an altitude series, m, ignoring wiggles under 2 m (barometric noise):
/// a rise counts once the altitude is 2 m above the lowest point since the last count.
pub fn climb_m(alt: &[f32]) -> f64 {
    const HYSTERESIS_M: f64 = 2.0;
    let mut climb = 0.0;
    let mut base: Option<f64> = None;
    for &v in alt {
        if !v.is_finite() {
            continue;
        }
        let v = v as f64;
        match base {
            None => base = Some(v),
            Some(b) if v < b => base = Some(v),
            Some(b) if v - b >= HYSTERESIS_M => {
                climb += v - b;
                base = Some(v);
            }
            _ => {}
        }
    }
    climb
}

/// The largest 60 s drop after a bout of >= 2 min at or above `floor_bpm` (module docs):
/// the bout is a run of counted samples (weight > 0, HR > 0) at or above the floor; its
/// recovery is HR at its last sample minus HR at the first sample 57..63 s later.
pub fn hr_recovery(t_s: &[u32], hr_bpm: &[u8], weights_s: &[f64], floor_bpm: u8) -> Option<f64> {
    let n = t_s.len().min(hr_bpm.len()).min(weights_s.len());
    let mut best: Option<f64> = None;
    let mut bout_s = 0.0;
    for i in 0..n {
        let counted = weights_s[i] > 0.0 && hr_bpm[i] > 0;
        if counted && hr_bpm[i] >= floor_bpm {
            bout_s += weights_s[i];
            let ends = i + 1 >= n || hr_bpm[i + 1] < floor_bpm;
            if ends && bout_s >= HRR_BOUT_MIN_S {
                let target = t_s[i].saturating_add(HRR_SPAN_S);
                let later = (i + 1..n)
                    .take_while(|&k| t_s[k] <= target.saturating_add(HRR_SPAN_SLACK_S))
                    .find(|&k| t_s[k].saturating_add(HRR_SPAN_SLACK_S) >= target && hr_bpm[k] > 0);
                if let Some(k) = later {
                    let drop = hr_bpm[i] as f64 - hr_bpm[k] as f64;
                    best = Some(best.map_or(drop, |b: f64| b.max(drop)));
                }
            }
        } else if hr_bpm[i] > 0 {
            bout_s = 0.0;
        }
    }
    best
}

/// The watch measures its recovery HR this long after the timer stops, s.
const WATCH_HRR_SPAN_S: u32 = 120;
/// The stop's HR: the last sample with HR at most this long before the stop, s.
const WATCH_HRR_STOP_SLACK_S: u32 = 10;

/// HR at the last sample with HR at or before `stop_t_s` and no more than
/// [`WATCH_HRR_STOP_SLACK_S`] before it.
fn hr_at_stop(t_s: &[u32], hr_bpm: &[u8], stop_t_s: u32) -> Option<u8> {
    let n = t_s.len().min(hr_bpm.len());
    (0..n)
        .rev()
        .skip_while(|&k| t_s[k] > stop_t_s)
        .take_while(|&k| t_s[k].saturating_add(WATCH_HRR_STOP_SLACK_S) >= stop_t_s)
        .find(|&k| hr_bpm[k] > 0)
        .map(|k| hr_bpm[k])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_hr_is_the_last_sample_at_or_before_the_stop() {
        let t = [100, 104, 108, 112];
        let hr = [150, 0, 148, 140];
        assert_eq!(hr_at_stop(&t, &hr, 110), Some(148));
        // The sample at 104 has no HR: the one before it counts, if close enough.
        assert_eq!(hr_at_stop(&t, &hr, 107), Some(150));
        assert_eq!(hr_at_stop(&t, &hr, 111 + 10), Some(140));
        // Nothing within 10 s before the stop.
        assert_eq!(hr_at_stop(&t, &hr, 123), None);
        assert_eq!(hr_at_stop(&t, &hr, 99), None);
    }

    #[test]
    fn recovery_is_measured_after_a_long_enough_bout() {
        // 0..=199 s at 175 (bout of 199 s), then 150 for 100 s; floor 170.
        let t: Vec<u32> = (0..300).collect();
        let mut hr: Vec<u8> = (0..300).map(|i| if i < 200 { 175 } else { 150 }).collect();
        let w: Vec<f64> = (0..300).map(|i| if i == 0 { 0.0 } else { 1.0 }).collect();
        assert_eq!(hr_recovery(&t, &hr, &w, 170), Some(25.0));
        // A 90 s bout is too short.
        for h in hr.iter_mut().take(110) {
            *h = 140;
        }
        assert_eq!(hr_recovery(&t, &hr, &w, 170), None);
        // No sample 60 s later: nothing measured.
        assert_eq!(hr_recovery(&t[..230], &hr[..230], &w[..230], 170), None);
    }

    #[test]
    fn climb_ignores_noise_and_counts_rises() {
        let alt = [
            100.0,
            101.0,
            100.5,
            101.5,
            100.0,
            105.0,
            103.0,
            110.0,
            f32::NAN,
            90.0,
        ];
        // 100 → 105 (+5), dip to 103, → 110 (+7).
        assert_eq!(climb_m(&alt), 12.0);
    }
}
