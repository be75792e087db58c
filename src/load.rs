//! Training stress per session (hrTSS, Banister TRIMP, Edwards' TRIMP) and the load
//! history built from it (daily load, CTL/ATL/TSB, weekly time in zone per sport).
//!
//! Why this module exists: a recovery run only makes sense after a session with real
//! training stress, so every session needs a stress score, and the archive needs the
//! load history a coach reads (the Performance Management Chart).
//!
//! ## Per session (every formula is integrated per sample, never avg HR × time)
//! Each HR sample counts for the seconds [`crate::zones::sample_weights`] gives it (the
//! time since the previous sample, clipped to the running timer; pauses, dropouts and
//! samples without HR count for nothing), the same seconds as time in zone. Summing
//! `average HR × duration` instead (GoldenCheetah's TRIMP points) under-weights
//! intervals, because the weighting is convex in HR.
//!
//! - **Banister TRIMP** (Banister 1991, "Modeling elite athletic performance"; constants
//!   from Morton, Fitz-Clarke & Banister 1990, J Appl Physiol 69:1171-1177):
//!   `TRIMP = Σ dt_min · x · a · e^(b·x)`, `x = (HR − HR_rest) / (HR_max − HR_rest)`
//!   clamped to [0, 1]; men a = 0.64, b = 1.92; women a = 0.86, b = 1.67.
//! - **hrTSS** (the HRSS of intervals.icu and Elevate, TrainingPeaks' hrTSS idea: one
//!   hour at lactate-threshold HR scores 100): `hrTSS = 100 · TRIMP / TRIMP_1h(LTHR)`,
//!   `TRIMP_1h(LTHR) = 60 · a · x_LT · e^(b·x_LT)` (Elevate, `computeHeartRateStressScore`).
//!   The factor `a` cancels, so hrTSS depends on sex only through `b`.
//! - **Edwards' TRIMP** (Edwards 1993, "The Heart Rate Monitor Book"): minutes in the
//!   five %HRmax zones 50-60-70-80-90 % weighted 1…5 (HR at or above 90 % weighs 5;
//!   below 50 % weighs 0). Always these zones, whatever zone model is displayed; their
//!   floors are rounded to whole bpm like the `hrmax` zones ([`Zones::hrmax`]).
//! - The watch's own `training_stress_score` and `total_training_effect` are passed
//!   through beside ours when the file carries them.
//!
//! ## Which numbers (never silent: each comes with its source)
//! Each of max, resting and threshold HR is taken from, in order: the settings in force
//! for the session (command-line flag, else the profile at the session's date), else what
//! the file carries ([`profile::file_max_hr`] …), else:
//! - max HR: none — the session gets no TRIMP/hrTSS and a note saying which flag to set
//!   (an observed session maximum would understate max HR and inflate every score);
//! - resting HR: [`DEFAULT_RESTING_HR_BPM`] (65 bpm, Elevate's default athlete setting);
//! - LTHR: `HR_rest + 0.85 · (HR_max − HR_rest)` (Karvonen at 85 % of HR reserve,
//!   Elevate's `resolveLTHR`);
//! - sex: the file's `user_profile.gender`, else male (stated as "default").
//!
//! ## The history
//! - A session's **day** is the calendar date of its start at a fixed UTC offset (UTC by
//!   default, `--utc-offset` to choose); a session past midnight counts wholly on the
//!   day it started. Files without real dates have no day and stay out of the history.
//! - **Daily load** is the sum of the day's hrTSS; days without a session (and sessions
//!   without hrTSS) count as zero.
//! - **CTL / ATL** follow Banister's impulse-response model in the exponentially
//!   weighted form of GoldenCheetah (`PMCData.cpp`) and intervals.icu:
//!   `X_d = X_{d−1} · e^(−1/τ) + load_d · (1 − e^(−1/τ))`, τ = 42 days (CTL) and 7 days
//!   (ATL) by default, starting from 0 the day before the first session.
//! - **TSB** of day d is yesterday's balance, `CTL_{d−1} − ATL_{d−1}`: the form you take
//!   into day d before training, as TrainingPeaks and GoldenCheetah's default show it.
//! - Weeks are ISO weeks (Monday to Sunday, named `2024-W05`).

use chrono::{Datelike, FixedOffset, NaiveDate};
use polars::prelude::*;

use crate::activity::{Activity, Session};
use crate::analysis::{start_unix_s, SessionAnalysis};
use crate::profile::{self, Settings, Sex, Sourced, Thresholds};
use crate::zones::{self, TimeInZoneOptions, Zones, DEFAULT_PCT_FLOORS};

/// Resting HR used when neither the settings nor the file give one, bpm (Elevate's
/// `AthleteSettings.DEFAULT_REST_HR`).
pub const DEFAULT_RESTING_HR_BPM: u8 = 65;
/// LTHR estimate as a fraction of HR reserve when nothing gives one (Elevate's
/// `DEFAULT_LTHR_KARVONEN_HRR_FACTOR`).
pub const LTHR_HRR_FRACTION: f64 = 0.85;
/// Edwards' zone floors as fractions of max HR (Edwards 1993); zone i weighs i.
pub const EDWARDS_PCT_FLOORS: [f64; 5] = DEFAULT_PCT_FLOORS;
/// The note of a session without heart rate.
pub const NO_HR_NOTE: &str = "no heart rate in this session";
/// Default CTL time constant, days (Coggan / TrainingPeaks, GoldenCheetah).
pub const DEFAULT_CTL_DAYS: f64 = 42.0;
/// Default ATL time constant, days.
pub const DEFAULT_ATL_DAYS: f64 = 7.0;

/// Errors of the load computations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Neither the settings nor the file give a max HR.
    #[error("no max HR: the file carries none; set --max-hr or max_hr in the profile")]
    NoMaxHr,
    /// Resting HR at or above max HR.
    #[error("resting HR {resting} ({resting_source}) is not below max HR {max} ({max_source})")]
    RestingNotBelowMax {
        /// Resting HR, bpm.
        resting: f64,
        /// Where it came from.
        resting_source: String,
        /// Max HR, bpm.
        max: f64,
        /// Where it came from.
        max_source: String,
    },
    /// LTHR not strictly between resting HR and max HR (inclusive of max).
    #[error(
        "LTHR {lthr:.1} ({lthr_source}) is not above resting HR {resting} and at most max HR {max}"
    )]
    LthrOutOfRange {
        /// LTHR, bpm.
        lthr: f64,
        /// Where it came from.
        lthr_source: String,
        /// Resting HR, bpm.
        resting: f64,
        /// Max HR, bpm.
        max: f64,
    },
    /// A `--utc-offset` value that is not an offset.
    #[error("bad UTC offset {0:?}: want +HH:MM, -HH:MM, +H or UTC (within ±18 h)")]
    BadUtcOffset(String),
    /// A PMC time constant that is not a positive number of days.
    #[error("PMC time constants must be positive days, got CTL {ctl_days} and ATL {atl_days}")]
    BadTimeConstant {
        /// CTL τ, days.
        ctl_days: f64,
        /// ATL τ, days.
        atl_days: f64,
    },
    /// A `--until` date outside the dates a FIT file can hold (the daily series would
    /// have millions of days: `+262142-12-31` took 3.5 GB).
    #[error(
        "--until {0} is outside the dates FIT files can hold ({FIRST_FIT_DATE} to {LAST_FIT_DATE})"
    )]
    UntilOutOfRange(NaiveDate),
    /// Building or aggregating a table failed.
    #[error("table operation failed: {0}")]
    Polars(#[from] PolarsError),
}

/// The FIT epoch (timestamp 0). FIT profile: `date_time` is seconds since UTC 00:00 Dec 31 1989.
pub const FIRST_FIT_DATE: &str = "1989-12-31";
/// The last day a 32-bit FIT timestamp reaches (2^32 s after the epoch).
pub const LAST_FIT_DATE: &str = "2126-02-06";

/// Refuses an `--until` date that no FIT timestamp can reach, before anything is read.
pub fn check_until(d: NaiveDate) -> Result<(), LoadError> {
    let first = NaiveDate::from_ymd_opt(1989, 12, 31);
    let last = NaiveDate::from_ymd_opt(2126, 2, 6);
    match (first, last) {
        (Some(f), Some(l)) if (f..=l).contains(&d) => Ok(()),
        _ => Err(LoadError::UntilOutOfRange(d)),
    }
}

/// The Banister weighting for one athlete: resting and max HR and the sex constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrimpParams {
    /// Resting HR, bpm.
    pub resting_hr_bpm: f64,
    /// Max HR, bpm.
    pub max_hr_bpm: f64,
    /// Sex (picks `a` and `b`).
    pub sex: Sex,
}

impl TrimpParams {
    /// `(a, b)` of Banister's weighting: men 0.64, 1.92; women 0.86, 1.67 (Morton,
    /// Fitz-Clarke & Banister 1990).
    pub fn coefficients(sex: Sex) -> (f64, f64) {
        match sex {
            Sex::Male => (0.64, 1.92),
            Sex::Female => (0.86, 1.67),
        }
    }

    /// Fraction of heart-rate reserve, clamped to [0, 1].
    pub fn hr_reserve_fraction(&self, hr_bpm: f64) -> f64 {
        let range = self.max_hr_bpm - self.resting_hr_bpm;
        if range <= 0.0 {
            return 0.0;
        }
        ((hr_bpm - self.resting_hr_bpm) / range).clamp(0.0, 1.0)
    }

    /// TRIMP per minute at `hr_bpm`: `x · a · e^(b·x)`.
    pub fn per_minute(&self, hr_bpm: f64) -> f64 {
        let (a, b) = Self::coefficients(self.sex);
        let x = self.hr_reserve_fraction(hr_bpm);
        x * a * (b * x).exp()
    }
}

/// Banister TRIMP of a session: `Σ (w_s / 60) · x · a · e^(b·x)` over the samples, each
/// counting `weights_s[i]` seconds; samples with HR 0 count for nothing.
pub fn banister_trimp(hr_bpm: &[u8], weights_s: &[f64], p: &TrimpParams) -> f64 {
    let mut sum = 0.0;
    if hr_bpm.len() < 256 {
        // Fewer values than bpm (a session's HR seconds from the store, one per bpm):
        // one exp each. A table of all 256 was a tenth of `load --store`.
        for (&h, &w) in hr_bpm.iter().zip(weights_s) {
            if h != 0 && w > 0.0 {
                sum += w * p.per_minute(h as f64);
            }
        }
        return sum / 60.0;
    }
    // One exp per bpm value, not per sample.
    let mut lut = [0.0f64; 256];
    for (h, slot) in lut.iter_mut().enumerate() {
        *slot = p.per_minute(h as f64);
    }
    for (&h, &w) in hr_bpm.iter().zip(weights_s) {
        if h != 0 && w > 0.0 {
            sum += w * lut[h as usize];
        }
    }
    sum / 60.0
}

/// TRIMP of one hour at a steady `hr_bpm`: `60 · x · a · e^(b·x)`.
pub fn trimp_one_hour_at(hr_bpm: f64, p: &TrimpParams) -> f64 {
    60.0 * p.per_minute(hr_bpm)
}

/// hrTSS: 100 × `trimp` / TRIMP of one hour at `lthr_bpm`; None when LTHR is at or below
/// resting HR (an hour at threshold would score nothing).
pub fn hr_tss(trimp: f64, lthr_bpm: f64, p: &TrimpParams) -> Option<f64> {
    let reference = trimp_one_hour_at(lthr_bpm, p);
    (reference > 0.0).then(|| 100.0 * trimp / reference)
}

/// Edwards' zones for a max HR: floors at 50/60/70/80/90 % of max HR, rounded to bpm.
pub fn edwards_zones(max_hr_bpm: u8) -> Result<Zones, zones::ZoneError> {
    Zones::hrmax(max_hr_bpm, &EDWARDS_PCT_FLOORS, "Edwards 1993")
}

/// Edwards' TRIMP: minutes in %HRmax zone i (i = 1…5) × i.
pub fn edwards_trimp(hr_bpm: &[u8], weights_s: &[f64], max_hr_bpm: u8) -> Option<f64> {
    // The floors of `edwards_zones`, without building its names and source per session.
    let floors = zones::hrmax_floors(max_hr_bpm, &EDWARDS_PCT_FLOORS);
    if floors.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let secs = zones::time_in_floors(hr_bpm, weights_s, &floors);
    Some(
        secs.iter()
            .enumerate()
            .map(|(i, s)| i as f64 * s / 60.0)
            .sum(),
    )
}

/// The thresholds a session's load was computed with, each with its source.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadThresholds {
    /// Max HR, bpm.
    pub max_hr: Sourced,
    /// Resting HR, bpm.
    pub resting_hr: Sourced,
    /// Lactate-threshold HR, bpm.
    pub lthr: Sourced,
    /// Sex.
    pub sex: Sex,
    /// Where the sex came from.
    pub sex_source: String,
}

impl LoadThresholds {
    /// The Banister parameters.
    pub fn trimp_params(&self) -> TrimpParams {
        TrimpParams {
            resting_hr_bpm: self.resting_hr.value,
            max_hr_bpm: self.max_hr.value,
            sex: self.sex,
        }
    }
}

/// Where a setting came from: the flag, else the profile (naming the sport section and
/// the dated change that set it, if any).
fn settings_source(
    settings: &Settings,
    sport: &str,
    date: Option<NaiveDate>,
    flag: &str,
    get: impl Fn(&Thresholds) -> bool,
) -> String {
    if get(&settings.overrides) {
        return format!("flag {flag}");
    }
    settings.profile.origin(sport, date, get)
}

fn sourced(value: f64, source: impl Into<String>) -> Sourced {
    Sourced {
        value,
        source: source.into(),
    }
}

/// Resolves sex, max, resting HR and LTHR for one session (the rules are in the module
/// docs). The partial result carries what could be resolved even when an error is
/// returned, so the output can still show it.
#[derive(Debug)]
pub struct ResolvedThresholds {
    /// Max HR, when known.
    pub max_hr: Option<Sourced>,
    /// Resting HR (always known: at worst the stated default).
    pub resting_hr: Sourced,
    /// LTHR, when known (the estimate needs max HR).
    pub lthr: Option<Sourced>,
    /// Sex.
    pub sex: Sex,
    /// Where the sex came from.
    pub sex_source: String,
    /// All of it, checked, or why not.
    pub checked: Result<LoadThresholds, LoadError>,
}

/// Picks the numbers for one session: `t` is the settings in force for it (profile at its
/// date plus flags), `settings` only serves to say whether a value came from a flag or
/// the profile.
pub fn resolve_thresholds(
    settings: &Settings,
    t: &Thresholds,
    a: &Activity,
    s: &Session,
) -> ResolvedThresholds {
    let date = profile::session_date(a, s);
    let (sex, sex_source) = match (t.sex, a.hr_settings.gender) {
        (Some(x), _) => (
            x,
            settings_source(settings, s.sport_name(), date, "--sex", |t| t.sex.is_some()),
        ),
        (None, Some(0)) => (Sex::Female, "file user_profile".to_string()),
        (None, Some(1)) => (Sex::Male, "file user_profile".to_string()),
        _ => (Sex::Male, "default (not set)".to_string()),
    };
    // A value set in the settings, said with where it came from (flag or profile).
    let from_settings = |v: Option<u8>, flag: &str, get: fn(&Thresholds) -> bool| {
        v.map(|v| {
            sourced(
                v as f64,
                settings_source(settings, s.sport_name(), date, flag, get),
            )
        })
    };
    let max_hr = from_settings(t.max_hr, "--max-hr", |t| t.max_hr.is_some())
        .or_else(|| profile::file_max_hr(a, s).map(|(v, src)| sourced(v as f64, src)));
    let resting_hr = from_settings(t.resting_hr, "--resting-hr", |t| t.resting_hr.is_some())
        .or_else(|| profile::file_resting_hr(a, s).map(|(v, src)| sourced(v as f64, src)))
        .unwrap_or_else(|| {
            sourced(
                DEFAULT_RESTING_HR_BPM as f64,
                format!("estimate: default {DEFAULT_RESTING_HR_BPM} bpm (Elevate's default)"),
            )
        });
    let lthr = from_settings(t.lthr, "--lthr", |t| t.lthr.is_some())
        .or_else(|| profile::file_lthr(a, s).map(|(v, src)| sourced(v as f64, src)))
        .or_else(|| {
            max_hr.as_ref().map(|m| {
                sourced(
                    resting_hr.value + LTHR_HRR_FRACTION * (m.value - resting_hr.value),
                    "estimate: resting + 0.85 × (max − resting) (Karvonen 85 % HRR, as Elevate)",
                )
            })
        });
    let checked = check_thresholds(&max_hr, &resting_hr, &lthr, sex, &sex_source);
    ResolvedThresholds {
        max_hr,
        resting_hr,
        lthr,
        sex,
        sex_source,
        checked,
    }
}

fn check_thresholds(
    max_hr: &Option<Sourced>,
    resting_hr: &Sourced,
    lthr: &Option<Sourced>,
    sex: Sex,
    sex_source: &str,
) -> Result<LoadThresholds, LoadError> {
    let max = max_hr.clone().ok_or(LoadError::NoMaxHr)?;
    if resting_hr.value >= max.value {
        return Err(LoadError::RestingNotBelowMax {
            resting: resting_hr.value,
            resting_source: resting_hr.source.clone(),
            max: max.value,
            max_source: max.source.clone(),
        });
    }
    // With max HR known, LTHR is always known (at worst estimated).
    let lthr = lthr.clone().ok_or(LoadError::NoMaxHr)?;
    if lthr.value <= resting_hr.value || lthr.value > max.value {
        return Err(LoadError::LthrOutOfRange {
            lthr: lthr.value,
            lthr_source: lthr.source.clone(),
            resting: resting_hr.value,
            max: max.value,
        });
    }
    Ok(LoadThresholds {
        max_hr: max,
        resting_hr: resting_hr.clone(),
        lthr,
        sex,
        sex_source: sex_source.to_string(),
    })
}

/// One session's training stress, with the numbers used and where they came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionLoad {
    /// hrTSS (100 = one hour at LTHR); None without HR or thresholds.
    pub hr_tss: Option<f64>,
    /// Banister TRIMP.
    pub banister_trimp: Option<f64>,
    /// Edwards' zonal TRIMP.
    pub edwards_trimp: Option<f64>,
    /// The watch's `training_stress_score`.
    pub device_tss: Option<f64>,
    /// The watch's `total_training_effect`.
    pub device_training_effect: Option<f64>,
    /// Max HR used, bpm.
    pub max_hr: Option<Sourced>,
    /// Resting HR used, bpm.
    pub resting_hr: Sourced,
    /// LTHR used, bpm.
    pub lthr: Option<Sourced>,
    /// Sex used.
    pub sex: Sex,
    /// Where the sex came from.
    pub sex_source: String,
    /// Seconds with HR counted.
    pub hr_covered_s: f64,
    /// Counted seconds with HR above the max HR used (clamped to x = 1).
    pub above_max_hr_s: f64,
    /// Why a score is missing, or what to be careful about.
    pub note: Option<String>,
}

impl SessionLoad {
    /// Computes a session's load from its analysis (its per-sample weights and HR); the
    /// note carries the session's quality notes after the load's own.
    pub fn compute(
        a: &Activity,
        s: &Session,
        an: &SessionAnalysis,
        settings: &Settings,
    ) -> SessionLoad {
        let mut load = SessionLoad::compute_own(a, s, an, settings);
        load.note = crate::analysis::join_notes(load.note.take(), an.quality_note());
        load
    }

    fn compute_own(
        a: &Activity,
        s: &Session,
        an: &SessionAnalysis,
        settings: &Settings,
    ) -> SessionLoad {
        let r = resolve_thresholds(settings, &an.thresholds, a, s);
        // Strap static already replaced by the HR around it (the same samples as zones).
        let hr = &an.hr_bpm;
        let has_hr = hr.iter().any(|&h| h > 0);
        let mut load = SessionLoad {
            hr_tss: None,
            banister_trimp: None,
            edwards_trimp: None,
            device_tss: s.training_stress_score,
            device_training_effect: s.total_training_effect,
            max_hr: r.max_hr,
            resting_hr: r.resting_hr,
            lthr: r.lthr,
            sex: r.sex,
            sex_source: r.sex_source,
            hr_covered_s: an.hr_covered_s,
            above_max_hr_s: 0.0,
            note: None,
        };
        if !has_hr {
            load.note = Some(NO_HR_NOTE.into());
            return load;
        }
        let t = match r.checked {
            Ok(t) => t,
            Err(e) => {
                load.note = Some(e.to_string());
                return load;
            }
        };
        let p = t.trimp_params();
        let trimp = banister_trimp(hr, &an.weights_s, &p);
        load.banister_trimp = Some(trimp);
        load.hr_tss = hr_tss(trimp, t.lthr.value, &p);
        let max_bpm = t.max_hr.value.round().clamp(1.0, 255.0) as u8;
        load.edwards_trimp = edwards_trimp(hr, &an.weights_s, max_bpm);
        load.above_max_hr_s = hr
            .iter()
            .zip(&an.weights_s)
            .filter(|(&h, &w)| w > 0.0 && h as f64 > t.max_hr.value)
            .map(|(_, w)| w)
            .sum();
        if load.above_max_hr_s > 0.0 {
            load.note = Some(format!(
                "{:.0} s above max HR {} ({}): counted as max; is max HR too low?",
                load.above_max_hr_s, t.max_hr.value, t.max_hr.source
            ));
        }
        load
    }
}

/// One session's row of the load table: identity, load, zones. Small (no samples), so a
/// whole archive's rows fit in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// Input name.
    pub file: String,
    /// 0-based session index in the file.
    pub session: u32,
    /// Start, Unix s (None: the file has no real dates).
    pub start_unix_s: Option<i64>,
    /// Local time minus UTC at the start, s (the file's offset or `--tz`; see
    /// [`crate::localtime`]); None: the `offset` given to [`sessions_frame`].
    pub utc_offset_s: Option<i32>,
    /// Sport name.
    pub sport: String,
    /// Sub-sport name.
    pub sub_sport: String,
    /// The watch's timer time, s.
    pub timer_s: f64,
    /// The load.
    pub load: SessionLoad,
    /// Zone model of the time in zone (None: no zones).
    pub zone_model: Option<String>,
    /// Zone floors, bpm, comma-separated.
    pub zone_floors_bpm: Option<String>,
    /// Where the zones came from, or why there are none.
    pub zone_source: String,
    /// Seconds per zone, index 0 = below Z1 (None: no zones or no HR).
    pub secs_in_zone: Option<Vec<f64>>,
}

impl SessionRow {
    /// Analyses one session into its row.
    pub fn compute(a: &Activity, s: &Session, settings: &Settings) -> SessionRow {
        let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
        let load = SessionLoad::compute(a, s, &an, settings);
        let has_hr = a.hr_sample_count(s) > 0;
        let (zone_model, zone_floors_bpm, zone_source) = match &an.zones {
            Ok(z) => (
                Some(z.model.name().to_string()),
                Some(z.floors_text()),
                z.source.clone(),
            ),
            Err(e) => (None, None, e.to_string()),
        };
        SessionRow {
            file: a.source.clone(),
            session: s.index as u32,
            start_unix_s: start_unix_s(a, s),
            utc_offset_s: crate::localtime::session_offset(a, s).map(|o| o.seconds),
            sport: s.sport_name().to_string(),
            sub_sport: s.sub_sport_name().to_string(),
            timer_s: s.timer_s,
            load,
            zone_model,
            zone_floors_bpm,
            zone_source,
            secs_in_zone: an.secs_in_zone.filter(|_| has_hr),
        }
    }
}

/// The rows of every session of an activity.
pub fn session_rows(a: &Activity, settings: &Settings) -> Vec<SessionRow> {
    a.sessions
        .iter()
        .map(|s| SessionRow::compute(a, s, settings))
        .collect()
}

/// Parses a fixed UTC offset: `UTC`, `Z`, `+02:00`, `-05:30`, `+0530`, `+2`.
pub fn parse_utc_offset(text: &str) -> Result<FixedOffset, LoadError> {
    let bad = || LoadError::BadUtcOffset(text.to_string());
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" || t == "z" {
        return FixedOffset::east_opt(0).ok_or_else(bad);
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        // `is_ascii`: "+a€" is 4 bytes too, and slicing it at 2 panicked (issue 17).
        None if rest.len() == 4 && rest.is_ascii() => (&rest[..2], &rest[2..]),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..60).contains(&m) || !(0..=18).contains(&h) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

#[cfg(test)]
mod until_tests {
    use super::*;

    #[test]
    fn until_dates_no_fit_file_can_reach_are_refused() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(check_until(d(2024, 5, 1)).is_ok());
        assert!(check_until(d(1989, 12, 31)).is_ok());
        assert!(check_until(d(2126, 2, 6)).is_ok());
        assert!(check_until(d(2126, 2, 7)).is_err());
        assert!(check_until(d(9999, 12, 31)).is_err());
        assert!(check_until(d(262142, 12, 31)).is_err());
        assert!(check_until(d(1989, 12, 30)).is_err());
    }
}

/// Days since 1970-01-01 of the calendar date of `unix_s` at `offset`.
pub fn day_number(unix_s: i64, offset: FixedOffset) -> i32 {
    (unix_s + offset.local_minus_utc() as i64).div_euclid(86_400) as i32
}

/// The date of a day number.
pub fn date_of_day(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(day as i64))
}

/// Day number of a date.
pub fn day_of_date(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

/// ISO week name of a date, `2024-W05`.
pub fn iso_week_name(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// The Monday of an ISO week name.
fn week_start_of(name: &str) -> Option<NaiveDate> {
    let (y, w) = name.split_once("-W")?;
    NaiveDate::from_isoywd_opt(y.parse().ok()?, w.parse().ok()?, chrono::Weekday::Mon)
}

/// The per-session table, one row per session, sorted by start (undated sessions last,
/// in input order). Columns: file, session, start (Datetime ms UTC), date (the local day:
/// at the row's `utc_offset_s`, else `offset`), start_local (RFC 3339 with that offset),
/// iso_week, sport, sub_sport, timer_s, hr_covered_s, hr_tss, banister_trimp,
/// edwards_trimp, device_tss, device_training_effect, sex, sex_source, max_hr,
/// max_hr_source, resting_hr, resting_hr_source, lthr, lthr_source, zone_model,
/// zone_floors_bpm, zone_source, z0_s…zN_s (N: the most zones any session has), note.
pub fn sessions_frame(rows: &[SessionRow], offset: FixedOffset) -> Result<DataFrame, LoadError> {
    let row_offset = |r: &SessionRow| {
        r.utc_offset_s
            .and_then(FixedOffset::east_opt)
            .unwrap_or(offset)
    };
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].start_unix_s.is_none(), rows[i].start_unix_s));
    let rows: Vec<&SessionRow> = order.iter().map(|&i| &rows[i]).collect();
    let n = rows.len();
    // Borrowed: a copy of every string of every row was a tenth of `load --store`.
    let strs = |f: &dyn for<'r> Fn(&'r SessionRow) -> &'r str| {
        rows.iter().map(|r| f(r)).collect::<Vec<&str>>()
    };
    let opt_strs = |f: &dyn for<'r> Fn(&'r SessionRow) -> Option<&'r str>| {
        rows.iter().map(|r| f(r)).collect::<Vec<Option<&str>>>()
    };
    let floats = |f: &dyn Fn(&SessionRow) -> Option<f64>| {
        rows.iter().map(|r| f(r)).collect::<Vec<Option<f64>>>()
    };
    let days: Vec<Option<i32>> = rows
        .iter()
        .map(|r| r.start_unix_s.map(|u| day_number(u, row_offset(r))))
        .collect();
    // The start in local time, as RFC 3339 with its offset: what the terminal's clock
    // column shows (`start` stays a UTC datetime for Parquet readers).
    let start_local: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            let u = r.start_unix_s?;
            let d = chrono::DateTime::from_timestamp(u, 0)?;
            Some(
                d.with_timezone(&row_offset(r))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )
        })
        .collect();
    // `into_datetime`, not a cast: without polars' `timezones` feature a cast drops the
    // time zone, and the column is to say UTC (Parquet `isAdjustedToUTC`).
    let start = Int64Chunked::from_iter_options(
        "start".into(),
        rows.iter().map(|r| r.start_unix_s.map(|u| u * 1000)),
    )
    .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    .into_column();
    let date = Column::new("date".into(), days.clone()).cast(&DataType::Date)?;
    let iso_week: Vec<Option<String>> = days
        .iter()
        .map(|d| d.and_then(date_of_day).map(iso_week_name))
        .collect();
    let mut cols = vec![
        Column::new("file".into(), strs(&|r| &r.file)),
        Column::new(
            "session".into(),
            rows.iter().map(|r| r.session).collect::<Vec<u32>>(),
        ),
        start,
        date,
        Column::new("start_local".into(), start_local),
        Column::new("iso_week".into(), iso_week),
        Column::new("sport".into(), strs(&|r| &r.sport)),
        Column::new("sub_sport".into(), strs(&|r| &r.sub_sport)),
        Column::new("timer_s".into(), floats(&|r| Some(r.timer_s))),
        Column::new(
            "hr_covered_s".into(),
            floats(&|r| Some(r.load.hr_covered_s)),
        ),
        Column::new("hr_tss".into(), floats(&|r| r.load.hr_tss)),
        Column::new("banister_trimp".into(), floats(&|r| r.load.banister_trimp)),
        Column::new("edwards_trimp".into(), floats(&|r| r.load.edwards_trimp)),
        Column::new("device_tss".into(), floats(&|r| r.load.device_tss)),
        Column::new(
            "device_training_effect".into(),
            floats(&|r| r.load.device_training_effect),
        ),
        Column::new(
            "sex".into(),
            strs(&|r| match r.load.sex {
                Sex::Male => "male",
                Sex::Female => "female",
            }),
        ),
        Column::new("sex_source".into(), strs(&|r| &r.load.sex_source)),
        Column::new(
            "max_hr".into(),
            floats(&|r| r.load.max_hr.as_ref().map(|s| s.value)),
        ),
        Column::new(
            "max_hr_source".into(),
            opt_strs(&|r| r.load.max_hr.as_ref().map(|s| s.source.as_str())),
        ),
        Column::new(
            "resting_hr".into(),
            floats(&|r| Some(r.load.resting_hr.value)),
        ),
        Column::new(
            "resting_hr_source".into(),
            strs(&|r| &r.load.resting_hr.source),
        ),
        Column::new(
            "lthr".into(),
            floats(&|r| r.load.lthr.as_ref().map(|s| s.value)),
        ),
        Column::new(
            "lthr_source".into(),
            opt_strs(&|r| r.load.lthr.as_ref().map(|s| s.source.as_str())),
        ),
        Column::new("zone_model".into(), opt_strs(&|r| r.zone_model.as_deref())),
        Column::new(
            "zone_floors_bpm".into(),
            opt_strs(&|r| r.zone_floors_bpm.as_deref()),
        ),
        Column::new("zone_source".into(), strs(&|r| &r.zone_source)),
    ];
    let nz = rows
        .iter()
        .filter_map(|r| r.secs_in_zone.as_ref().map(Vec::len))
        .max()
        .unwrap_or(0);
    for i in 0..nz {
        cols.push(Column::new(
            format!("z{i}_s").into(),
            floats(&|r| r.secs_in_zone.as_ref().and_then(|v| v.get(i).copied())),
        ));
    }
    cols.push(Column::new(
        "note".into(),
        opt_strs(&|r| r.load.note.as_deref()),
    ));
    Ok(DataFrame::new(n, cols)?)
}

/// The zone-seconds column names of a sessions frame (`z0_s`, `z1_s`, …).
fn zone_columns(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .filter(|c| {
            let s = c.as_str();
            s.len() > 3
                && s.starts_with('z')
                && s.ends_with("_s")
                && s[1..s.len() - 2].bytes().all(|b| b.is_ascii_digit())
        })
        .map(|c| c.to_string())
        .collect()
}

/// The PMC options: time constants (days) and how far to run the daily series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PmcOptions {
    /// CTL time constant, days.
    pub ctl_days: f64,
    /// ATL time constant, days.
    pub atl_days: f64,
    /// Run the series through this date (e.g. today) even past the last session; later
    /// sessions are left out.
    pub until: Option<NaiveDate>,
    /// Show the series from this date on (earlier days still build CTL and ATL).
    pub since: Option<NaiveDate>,
}

impl Default for PmcOptions {
    fn default() -> Self {
        PmcOptions {
            ctl_days: DEFAULT_CTL_DAYS,
            atl_days: DEFAULT_ATL_DAYS,
            until: None,
            since: None,
        }
    }
}

/// The Performance Management Chart series, one value per day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pmc {
    /// Chronic training load ("fitness").
    pub ctl: Vec<f64>,
    /// Acute training load ("fatigue").
    pub atl: Vec<f64>,
    /// Training stress balance ("form"): yesterday's CTL − ATL.
    pub tsb: Vec<f64>,
}

/// CTL, ATL and TSB of a dense daily load series (index 0 = the first day; the state
/// the day before is 0): `X_d = X_{d−1}·e^(−1/τ) + load_d·(1 − e^(−1/τ))`,
/// `TSB_d = CTL_{d−1} − ATL_{d−1}` (see the module docs for the sources).
pub fn pmc_series(daily_load: &[f64], ctl_days: f64, atl_days: f64) -> Result<Pmc, LoadError> {
    if !(ctl_days.is_finite() && ctl_days > 0.0 && atl_days.is_finite() && atl_days > 0.0) {
        return Err(LoadError::BadTimeConstant { ctl_days, atl_days });
    }
    let (kc, ka) = ((-1.0 / ctl_days).exp(), (-1.0 / atl_days).exp());
    let n = daily_load.len();
    let (mut ctl, mut atl, mut tsb) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut c, mut a) = (0.0, 0.0);
    for &load in daily_load {
        tsb.push(c - a);
        c = c * kc + load * (1.0 - kc);
        a = a * ka + load * (1.0 - ka);
        ctl.push(c);
        atl.push(a);
    }
    Ok(Pmc { ctl, atl, tsb })
}

/// The daily PMC table from a sessions frame: one row per day from the first dated
/// session to the last (or `opts.until`), rest days included. Columns: date, sessions,
/// sessions_without_hr_tss, timer_s, load (Σ hrTSS), ctl, atl, tsb.
pub fn daily_pmc(sessions: &DataFrame, opts: &PmcOptions) -> Result<DataFrame, LoadError> {
    if let Some(u) = opts.until {
        check_until(u)?;
    }
    // Σ per dated day, in plain Rust: polars' lazy engine (and its ~30 crates) would be
    // built for this one group-by.
    let date_col = sessions.column("date")?.cast(&DataType::Int32)?;
    let timer_col = sessions.column("timer_s")?.cast(&DataType::Float64)?;
    let tss_col = sessions.column("hr_tss")?.cast(&DataType::Float64)?;
    let mut per_day: std::collections::BTreeMap<i32, (u32, u32, f64, f64)> =
        std::collections::BTreeMap::new();
    for ((d, t), tss) in date_col
        .i32()?
        .iter()
        .zip(timer_col.f64()?.iter())
        .zip(tss_col.f64()?.iter())
    {
        let Some(d) = d else { continue };
        // The series ends at `until` even when later sessions exist (issue 12 item 15).
        if opts.until.is_some_and(|u| d > day_of_date(u)) {
            continue;
        }
        let e = per_day.entry(d).or_insert((0, 0, 0.0, 0.0));
        e.0 += 1;
        match tss {
            Some(v) => e.3 += v,
            None => e.1 += 1,
        }
        e.2 += t.unwrap_or(0.0);
    }
    let days: Vec<i32> = per_day.keys().copied().collect();
    let counts: Vec<u32> = per_day.values().map(|v| v.0).collect();
    let missing: Vec<u32> = per_day.values().map(|v| v.1).collect();
    let timer: Vec<f64> = per_day.values().map(|v| v.2).collect();
    let loads: Vec<f64> = per_day.values().map(|v| v.3).collect();

    let (first, last) = match (days.first(), days.last()) {
        (Some(&f), Some(&l)) => (f, l.max(opts.until.map_or(l, day_of_date))),
        _ => (0, -1),
    };
    let len = (last - first + 1).max(0) as usize;
    let mut d_load = vec![0.0; len];
    let mut d_sessions = vec![0u32; len];
    let mut d_missing = vec![0u32; len];
    let mut d_timer = vec![0.0; len];
    for (i, &d) in days.iter().enumerate() {
        let k = (d - first) as usize;
        d_load[k] = loads[i];
        d_sessions[k] = counts[i];
        d_missing[k] = missing[i];
        d_timer[k] = timer[i];
    }
    let Pmc { ctl, atl, tsb } = pmc_series(&d_load, opts.ctl_days, opts.atl_days)?;
    let dates: Vec<i32> = (0..len as i32).map(|k| first + k).collect();
    // Days before `since` are computed (CTL needs the history) but not shown.
    let skip = opts.since.map_or(0, |s| {
        (day_of_date(s) - first).clamp(0, len as i32) as usize
    });
    let len = len - skip;
    let (dates, d_sessions, d_missing) = (&dates[skip..], &d_sessions[skip..], &d_missing[skip..]);
    let (d_timer, d_load) = (&d_timer[skip..], &d_load[skip..]);
    let (ctl, atl, tsb) = (&ctl[skip..], &atl[skip..], &tsb[skip..]);
    Ok(DataFrame::new(
        len,
        vec![
            Column::new("date".into(), dates).cast(&DataType::Date)?,
            Column::new("sessions".into(), d_sessions),
            Column::new("sessions_without_hr_tss".into(), d_missing),
            Column::new("timer_s".into(), d_timer),
            Column::new("load".into(), d_load),
            Column::new("ctl".into(), ctl),
            Column::new("atl".into(), atl),
            Column::new("tsb".into(), tsb),
        ],
    )?)
}

/// Weekly totals per sport (and zone model, since zones of different models do not add
/// up): week_start (Monday), iso_week, sport, zone_model, sessions,
/// sessions_without_hr_tss, timer_s, hr_tss (Σ of the known ones; null when none is
/// known), z0_s…zN_s (likewise). Undated sessions are left out. Sorted by week, then
/// sport.
pub fn weekly_zones(sessions: &DataFrame) -> Result<DataFrame, LoadError> {
    let zcols = zone_columns(sessions);
    // One group per (ISO week, sport, zone model), in plain Rust: polars' lazy engine (and
    // its ~30 crates) would be built for this one group-by. A sum over nothing but nulls
    // stays null (unknown), not 0.
    let text = |name: &str| -> Result<Vec<Option<String>>, LoadError> {
        let c = sessions.column(name)?.cast(&DataType::String)?;
        Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let floats = |name: &str| -> Result<Vec<Option<f64>>, LoadError> {
        let c = sessions.column(name)?.cast(&DataType::Float64)?;
        Ok(c.f64()?.iter().collect())
    };
    let weeks = text("iso_week")?;
    let sports = text("sport")?;
    let models = text("zone_model")?;
    let timer = floats("timer_s")?;
    let tss = floats("hr_tss")?;
    let zones: Vec<Vec<Option<f64>>> = zcols.iter().map(|c| floats(c)).collect::<Result<_, _>>()?;

    type Key = (String, Option<String>, Option<String>);
    struct Group {
        sessions: u32,
        without_tss: u32,
        timer_s: f64,
        hr_tss: Option<f64>,
        zones: Vec<Option<f64>>,
    }
    let add = |acc: &mut Option<f64>, v: Option<f64>| {
        if let Some(v) = v {
            *acc = Some(acc.unwrap_or(0.0) + v);
        }
    };
    let mut groups: std::collections::BTreeMap<Key, Group> = std::collections::BTreeMap::new();
    for i in 0..sessions.height() {
        let Some(week) = weeks[i].clone() else {
            continue;
        };
        let g = groups
            .entry((week, sports[i].clone(), models[i].clone()))
            .or_insert_with(|| Group {
                sessions: 0,
                without_tss: 0,
                timer_s: 0.0,
                hr_tss: None,
                zones: vec![None; zcols.len()],
            });
        g.sessions += 1;
        g.timer_s += timer[i].unwrap_or(0.0);
        if tss[i].is_none() {
            g.without_tss += 1;
        }
        add(&mut g.hr_tss, tss[i]);
        for (z, col) in g.zones.iter_mut().zip(&zones) {
            add(z, col[i]);
        }
    }
    // Sorted by week, then sport, then model, nulls last (BTreeMap puts None first).
    let mut rows: Vec<(Key, Group)> = groups.into_iter().collect();
    rows.sort_by(|(a, _), (b, _)| {
        let nulls_last = |x: &Option<String>, y: &Option<String>| match (x, y) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
        };
        a.0.cmp(&b.0)
            .then_with(|| nulls_last(&a.1, &b.1))
            .then_with(|| nulls_last(&a.2, &b.2))
    });
    let n = rows.len();
    let mut columns = vec![
        Column::new(
            "iso_week".into(),
            rows.iter().map(|(k, _)| k.0.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sport".into(),
            rows.iter().map(|(k, _)| k.1.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "zone_model".into(),
            rows.iter().map(|(k, _)| k.2.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sessions".into(),
            rows.iter().map(|(_, g)| g.sessions).collect::<Vec<_>>(),
        ),
        Column::new(
            "sessions_without_hr_tss".into(),
            rows.iter().map(|(_, g)| g.without_tss).collect::<Vec<_>>(),
        ),
        Column::new(
            "timer_s".into(),
            rows.iter().map(|(_, g)| g.timer_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "hr_tss".into(),
            rows.iter().map(|(_, g)| g.hr_tss).collect::<Vec<_>>(),
        ),
    ];
    for (j, name) in zcols.iter().enumerate() {
        columns.push(Column::new(
            name.as_str().into(),
            rows.iter().map(|(_, g)| g.zones[j]).collect::<Vec<_>>(),
        ));
    }
    let mut weekly = DataFrame::new(n, columns)?;
    let starts: Vec<Option<i32>> = weekly
        .column("iso_week")?
        .str()?
        .iter()
        .map(|w| w.and_then(week_start_of).map(day_of_date))
        .collect();
    weekly.insert_column(
        0,
        Column::new("week_start".into(), starts).cast(&DataType::Date)?,
    )?;
    Ok(weekly)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn male(rest: f64, max: f64) -> TrimpParams {
        TrimpParams {
            resting_hr_bpm: rest,
            max_hr_bpm: max,
            sex: Sex::Male,
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn sixty_seconds_at_a_known_hr_is_one_minute_of_trimp() {
        // rest 60, max 190, HR 125 → x = 65/130 = 0.5; male: 0.5·0.64·e^0.96.
        let p = male(60.0, 190.0);
        let hr = vec![125u8; 61];
        let mut w = vec![1.0; 61];
        w[0] = 0.0; // the first sample counts for nothing (no previous sample)
        let expected = 0.5 * 0.64 * (0.96f64).exp(); // 0.83574…
        let got = banister_trimp(&hr, &w, &p);
        assert!(close(got, expected, 1e-12), "{got} vs {expected}");
        assert!(close(got, 0.835_742_9, 1e-6), "{got}");
    }

    #[test]
    fn female_constants_differ_and_match_morton() {
        // x = 0.5: female 0.5·0.86·e^0.835 = 0.99107…; male 0.83574….
        let f = TrimpParams {
            sex: Sex::Female,
            ..male(60.0, 190.0)
        };
        assert!(close(
            f.per_minute(125.0),
            0.5 * 0.86 * 0.835f64.exp(),
            1e-12
        ));
        assert!(close(f.per_minute(125.0), 0.991_07, 1e-5));
        // At x = 1: female 0.86·e^1.67 = 4.5685, male 0.64·e^1.92 = 4.3652.
        assert!(close(f.per_minute(190.0), 0.86 * 1.67f64.exp(), 1e-12));
        assert!(close(
            male(60.0, 190.0).per_minute(190.0),
            0.64 * 1.92f64.exp(),
            1e-12
        ));
    }

    #[test]
    fn one_hour_at_lthr_scores_100() {
        for sex in [Sex::Male, Sex::Female] {
            for (rest, max, lthr) in [(60u8, 190u8, 163u8), (45, 196, 172), (50, 200, 180)] {
                let p = TrimpParams {
                    sex,
                    ..male(rest as f64, max as f64)
                };
                let hr = vec![lthr; 3601];
                let mut w = vec![1.0; 3601];
                w[0] = 0.0;
                let t = banister_trimp(&hr, &w, &p);
                let tss = hr_tss(t, lthr as f64, &p).unwrap();
                assert!((tss - 100.0).abs() < 1e-9, "{sex:?} {lthr}: {tss}");
                // Half an hour at LTHR is 50; two hours 200 (linear in duration).
                let half = banister_trimp(&hr[..1801], &w[..1801], &p);
                assert!((hr_tss(half, lthr as f64, &p).unwrap() - 50.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn hr_tss_matches_elevates_own_test() {
        // Elevate's ActivityComputer spec: men, max 190, rest 60, LTHR 163, TRIMP 333 →
        // floor(HRSS) = 239; with LTHR 170.5 → 199.
        let p = male(60.0, 190.0);
        assert_eq!(hr_tss(333.0, 163.0, &p).unwrap().floor(), 239.0);
        assert_eq!(hr_tss(333.0, 170.5, &p).unwrap().floor(), 199.0);
    }

    #[test]
    fn hr_reserve_is_clamped() {
        let p = male(60.0, 190.0);
        assert_eq!(p.hr_reserve_fraction(50.0), 0.0);
        assert_eq!(p.hr_reserve_fraction(200.0), 1.0);
        assert_eq!(p.per_minute(55.0), 0.0);
        assert_eq!(p.per_minute(195.0), p.per_minute(190.0));
        assert_eq!(hr_tss(10.0, 60.0, &p), None, "LTHR at resting HR");
    }

    #[test]
    fn trimp_is_monotone_in_hr_and_duration() {
        let p = male(55.0, 185.0);
        let w = vec![1.0; 600];
        let mut last = -1.0;
        for h in 40..=220u8 {
            let t = banister_trimp(&vec![h; 600], &w, &p);
            assert!(t >= last, "TRIMP fell from {last} to {t} at {h} bpm");
            last = t;
        }
        let hr: Vec<u8> = (0..600).map(|i| 100 + (i % 80) as u8).collect();
        let mut last = 0.0;
        for n in 1..=600 {
            let t = banister_trimp(&hr[..n], &w[..n], &p);
            assert!(t >= last);
            last = t;
        }
        // More HR anywhere never lowers TRIMP (nor Edwards).
        let base = banister_trimp(&hr, &w, &p);
        let base_e = edwards_trimp(&hr, &w, 185).unwrap();
        for i in (0..600).step_by(37) {
            let mut more = hr.clone();
            more[i] = more[i].saturating_add(15);
            assert!(banister_trimp(&more, &w, &p) >= base);
            assert!(edwards_trimp(&more, &w, 185).unwrap() >= base_e);
        }
    }

    #[test]
    fn zero_hr_and_zero_weight_count_for_nothing() {
        let p = male(60.0, 190.0);
        let hr = [150u8, 0, 150, 150];
        let w = [0.0, 5.0, 0.0, 2.0];
        let expected = 2.0 / 60.0 * p.per_minute(150.0);
        assert!(close(banister_trimp(&hr, &w, &p), expected, 1e-12));
    }

    #[test]
    fn banister_trimp_is_the_same_with_and_without_its_table() {
        // 255 values are summed one exp each; a 256th that weighs nothing sends the same
        // values through the table: the sums must agree bit for bit.
        let mut x = 7u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        for sex in [Sex::Male, Sex::Female] {
            let p = TrimpParams {
                resting_hr_bpm: 52.0,
                max_hr_bpm: 188.0,
                sex,
            };
            let hr: Vec<u8> = (0..255).map(|_| (next() % 256) as u8).collect();
            let w: Vec<f64> = (0..255).map(|_| (next() % 1000) as f64 / 7.0).collect();
            let (mut hr2, mut w2) = (hr.clone(), w.clone());
            hr2.push(150);
            w2.push(0.0);
            let (direct, table) = (banister_trimp(&hr, &w, &p), banister_trimp(&hr2, &w2, &p));
            assert_eq!(direct.to_bits(), table.to_bits(), "{sex:?}");
        }
    }

    #[test]
    fn edwards_trimp_counts_the_zones_of_edwards_zones() {
        // Every bpm once, weighing its own number of seconds, for every max HR.
        let hr: Vec<u8> = (1..=255).collect();
        let w: Vec<f64> = hr.iter().map(|&h| h as f64).collect();
        for max in 0..=255u8 {
            let want = edwards_zones(max).ok().map(|z| {
                zones::time_in_zones(&hr, &w, &z)
                    .iter()
                    .enumerate()
                    .map(|(i, s)| i as f64 * s / 60.0)
                    .sum::<f64>()
            });
            assert_eq!(edwards_trimp(&hr, &w, max), want, "max HR {max}");
        }
    }

    #[test]
    fn edwards_weights_minutes_by_zone() {
        // max 200 → floors 100, 120, 140, 160, 180.
        // 10 min at 90 (below Z1: 0) + 10 at 110 (Z1) + 10 at 150 (Z3) + 5 at 199 (Z5)
        // = 0 + 10 + 30 + 25 = 65.
        let mut hr = Vec::new();
        for (bpm, mins) in [(90u8, 10), (110, 10), (150, 10), (199, 5)] {
            hr.extend(std::iter::repeat_n(bpm, mins * 60));
        }
        let w = vec![1.0; hr.len()];
        assert!(close(edwards_trimp(&hr, &w, 200).unwrap(), 65.0, 1e-12));
        // Floors are inclusive: exactly 60 % of max is Z2.
        assert!(close(
            edwards_trimp(&[120], &[60.0], 200).unwrap(),
            2.0,
            1e-12
        ));
        assert!(close(
            edwards_trimp(&[119], &[60.0], 200).unwrap(),
            1.0,
            1e-12
        ));
    }

    /// A one-session running activity: `hr` at 1 s from FIT time 1_000_000_000
    /// (2021-09-08), with the watch's TSS and training effect and `hr_settings`.
    fn activity(hr: &[u8], hs: crate::fit::decode::HrSettings) -> Activity {
        use crate::fit::decode::{FitData, RecordColumns, SummaryMsg};
        let t0 = 1_000_000_000u32;
        let n = hr.len();
        let fit = FitData {
            records: RecordColumns {
                t_s: (0..n as u32).map(|i| t0 + i).collect(),
                hr_bpm: hr.to_vec(),
                distance_m: vec![f64::NAN; n],
                speed_mps: vec![f32::NAN; n],
                altitude_m: vec![f32::NAN; n],
                cadence_rpm: vec![f32::NAN; n],
                power_w: vec![f32::NAN; n],
            },
            sessions: vec![SummaryMsg {
                start_time: Some(t0),
                timestamp: Some(t0 + n as u32 - 1),
                elapsed_s: Some((n - 1) as f64),
                timer_s: Some((n - 1) as f64),
                sport: Some(1),
                training_stress_score: Some(88.8),
                total_training_effect: Some(3.1),
                ..Default::default()
            }],
            hr_settings: hs,
            ..Default::default()
        };
        Activity::from_fit(fit, "synthetic.fit")
    }

    fn flags(t: Thresholds) -> Settings {
        Settings {
            profile: Default::default(),
            overrides: t,
        }
    }

    #[test]
    fn session_load_of_an_hour_at_lthr_is_100_with_sources() {
        let a = activity(&[170u8; 3601], Default::default());
        let settings = flags(Thresholds {
            max_hr: Some(190),
            resting_hr: Some(50),
            lthr: Some(170),
            ..Default::default()
        });
        let rows = session_rows(&a, &settings);
        assert_eq!(rows.len(), 1);
        let l = &rows[0].load;
        assert!((l.hr_tss.unwrap() - 100.0).abs() < 1e-9, "{l:?}");
        // x = 120/140; TRIMP = 60 · x · 0.64 · e^(1.92x).
        let x: f64 = 120.0 / 140.0;
        assert!(close(
            l.banister_trimp.unwrap(),
            60.0 * x * 0.64 * (1.92 * x).exp(),
            1e-12
        ));
        // 170 bpm is Z4 of Edwards with max 190 (floors 95,114,133,152,171): 60 min × 4.
        assert!(close(l.edwards_trimp.unwrap(), 240.0, 1e-12));
        assert_eq!(l.device_tss, Some(88.8));
        assert_eq!(l.device_training_effect, Some(3.1));
        assert_eq!(l.max_hr.as_ref().unwrap().source, "flag --max-hr");
        assert_eq!(l.resting_hr.source, "flag --resting-hr");
        assert_eq!(l.lthr.as_ref().unwrap().source, "flag --lthr");
        assert_eq!(
            (l.sex, l.sex_source.as_str()),
            (Sex::Male, "default (not set)")
        );
        assert_eq!(l.note, None);
        assert_eq!(rows[0].start_unix_s, Some(1_000_000_000 + 631_065_600));
    }

    #[test]
    fn numbers_the_file_carries_fill_what_settings_leave_unset() {
        let hs = crate::fit::decode::HrSettings {
            max_hr: Some(185),
            threshold_hr: Some(165),
            resting_hr: Some(48),
            gender: Some(0),
            ..Default::default()
        };
        let a = activity(&[150u8; 601], hs);
        let l = &session_rows(&a, &Settings::default())[0].load;
        assert_eq!(l.max_hr, Some(sourced(185.0, "file zones_target")));
        assert_eq!(l.lthr, Some(sourced(165.0, "file zones_target")));
        assert_eq!(l.resting_hr, sourced(48.0, "file user_profile"));
        assert_eq!(
            (l.sex, l.sex_source.as_str()),
            (Sex::Female, "file user_profile")
        );
        let p = TrimpParams {
            resting_hr_bpm: 48.0,
            max_hr_bpm: 185.0,
            sex: Sex::Female,
        };
        let expected = 10.0 * p.per_minute(150.0);
        assert!(close(l.banister_trimp.unwrap(), expected, 1e-12));
        assert!(close(
            l.hr_tss.unwrap(),
            100.0 * expected / trimp_one_hour_at(165.0, &p),
            1e-12
        ));
        // A flag overrides the file for that number only.
        let l = &session_rows(
            &a,
            &flags(Thresholds {
                sex: Some(Sex::Male),
                ..Default::default()
            }),
        )[0]
        .load;
        assert_eq!((l.sex, l.sex_source.as_str()), (Sex::Male, "flag --sex"));
        assert_eq!(l.lthr.as_ref().unwrap().source, "file zones_target");
    }

    #[test]
    fn estimates_are_stated_and_a_missing_max_hr_is_refused() {
        let a = activity(&[140u8; 601], Default::default());
        let l = &session_rows(&a, &Settings::default())[0].load;
        assert_eq!(l.hr_tss, None);
        assert_eq!(l.banister_trimp, None);
        assert!(
            l.note.as_deref().unwrap().contains("no max HR"),
            "{:?}",
            l.note
        );
        assert!(l.resting_hr.source.starts_with("estimate: default 65"));
        // With max HR only: resting 65 (default), LTHR 65 + 0.85·(190 − 65) = 171.25.
        let l = &session_rows(
            &a,
            &flags(Thresholds {
                max_hr: Some(190),
                ..Default::default()
            }),
        )[0]
        .load;
        let lthr = l.lthr.as_ref().unwrap();
        assert!(close(lthr.value, 171.25, 1e-12));
        assert!(
            lthr.source.starts_with("estimate: resting + 0.85"),
            "{}",
            lthr.source
        );
        assert!(l.hr_tss.is_some());
        // Conflicting numbers are refused with both sources named.
        let l = &session_rows(
            &a,
            &flags(Thresholds {
                max_hr: Some(190),
                lthr: Some(60),
                ..Default::default()
            }),
        )[0]
        .load;
        assert_eq!(l.hr_tss, None);
        assert!(
            l.note
                .as_deref()
                .unwrap()
                .contains("LTHR 60.0 (flag --lthr)"),
            "{:?}",
            l.note
        );
    }

    #[test]
    fn dated_profile_changes_are_named_as_the_source() {
        let profile = profile::AthleteProfile::from_toml(
            "max_hr = 190\nlthr = 160\n[[change]]\nfrom = 2021-01-01\nlthr = 168\n[[change]]\nfrom = 2022-01-01\nlthr = 175\n",
            std::path::Path::new("p.toml"),
        )
        .unwrap();
        let settings = Settings {
            profile,
            overrides: Thresholds::default(),
        };
        let a = activity(&[150u8; 61], Default::default());
        let l = &session_rows(&a, &settings)[0].load;
        assert_eq!(l.lthr, Some(sourced(168.0, "profile (from 2021-01-01)")));
        assert_eq!(l.max_hr.as_ref().unwrap().source, "profile");
    }

    #[test]
    fn hr_above_max_is_clamped_and_said() {
        let a = activity(&[200u8; 61], Default::default());
        let settings = flags(Thresholds {
            max_hr: Some(190),
            resting_hr: Some(50),
            ..Default::default()
        });
        let l = &session_rows(&a, &settings)[0].load;
        assert_eq!(l.above_max_hr_s, 60.0);
        let p = TrimpParams {
            resting_hr_bpm: 50.0,
            max_hr_bpm: 190.0,
            sex: Sex::Male,
        };
        assert!(close(l.banister_trimp.unwrap(), p.per_minute(190.0), 1e-12));
        assert!(l.note.as_deref().unwrap().contains("60 s above max HR 190"));
    }

    /// The closed form of the recursion: X_d = Σ_{k≤d} load_k·(1−e^(−1/τ))·e^(−(d−k)/τ).
    fn closed_form(loads: &[f64], tau: f64, d: usize) -> f64 {
        (0..=d)
            .map(|k| loads[k] * (1.0 - (-1.0 / tau).exp()) * (-((d - k) as f64) / tau).exp())
            .sum()
    }

    #[test]
    fn pmc_recursion_matches_the_closed_form_on_400_days() {
        // A synthetic history with rest days (every 7th, every 13th) and a 20-day break.
        let loads: Vec<f64> = (0..400)
            .map(|d| {
                if d % 7 == 6 || d % 13 == 0 || (200..220).contains(&d) {
                    0.0
                } else {
                    30.0 + ((d * 37) % 90) as f64
                }
            })
            .collect();
        for (tc, ta) in [(42.0, 7.0), (28.0, 5.0)] {
            let Pmc { ctl, atl, tsb } = pmc_series(&loads, tc, ta).unwrap();
            for d in 0..loads.len() {
                let (c, a) = (closed_form(&loads, tc, d), closed_form(&loads, ta, d));
                assert!((ctl[d] - c).abs() < 1e-9, "CTL day {d}: {} vs {c}", ctl[d]);
                assert!((atl[d] - a).abs() < 1e-9, "ATL day {d}: {} vs {a}", atl[d]);
                let y = if d == 0 {
                    0.0
                } else {
                    closed_form(&loads, tc, d - 1) - closed_form(&loads, ta, d - 1)
                };
                assert!((tsb[d] - y).abs() < 1e-9, "TSB day {d}");
            }
        }
        // A constant load converges to itself.
        let flat = vec![50.0; 2000];
        let Pmc { ctl, atl, .. } = pmc_series(&flat, 42.0, 7.0).unwrap();
        assert!((ctl[1999] - 50.0).abs() < 1e-6 && (atl[1999] - 50.0).abs() < 1e-9);
        assert!(pmc_series(&flat, 0.0, 7.0).is_err());
    }

    fn row(file: &str, start: Option<i64>, sport: &str, tss: Option<f64>) -> SessionRow {
        SessionRow {
            file: file.into(),
            session: 0,
            start_unix_s: start,
            utc_offset_s: None,
            sport: sport.into(),
            sub_sport: "generic".into(),
            timer_s: 3600.0,
            load: SessionLoad {
                hr_tss: tss,
                banister_trimp: tss.map(|t| t * 1.5),
                edwards_trimp: tss.map(|t| t * 2.0),
                device_tss: None,
                device_training_effect: Some(2.5),
                max_hr: Some(sourced(190.0, "flag --max-hr")),
                resting_hr: sourced(50.0, "profile"),
                lthr: Some(sourced(170.0, "file zones_target")),
                sex: Sex::Female,
                sex_source: "default (not set)".into(),
                hr_covered_s: 3600.0,
                above_max_hr_s: 0.0,
                note: tss
                    .is_none()
                    .then(|| "no heart rate in this session".into()),
            },
            zone_model: Some("hrmax".into()),
            zone_floors_bpm: Some("95,114,133,152,171".into()),
            zone_source: "flag".into(),
            secs_in_zone: tss.map(|_| vec![60.0, 600.0, 1200.0, 1200.0, 500.0, 40.0]),
        }
    }

    /// 2024-01-01 (a Monday) 10:00 UTC.
    const MON: i64 = 1_704_103_200;

    fn history() -> Vec<SessionRow> {
        vec![
            row("c.fit", Some(MON + 2 * 86_400), "running", Some(80.0)),
            row("a.fit", Some(MON), "running", Some(50.0)),
            row("b.fit", Some(MON + 3_600), "cycling", Some(30.0)),
            row("x.fit", None, "running", Some(99.0)),
            row("d.fit", Some(MON + 8 * 86_400), "running", None),
        ]
    }

    #[test]
    fn sessions_frame_sorts_by_start_and_dates_at_the_offset() {
        let df = sessions_frame(&history(), FixedOffset::east_opt(0).unwrap()).unwrap();
        assert_eq!(df.height(), 5);
        assert_eq!(
            df.column("start").unwrap().dtype(),
            &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        );
        let files: Vec<_> = df
            .column("file")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(files, ["a.fit", "b.fit", "c.fit", "d.fit", "x.fit"]);
        let weeks: Vec<_> = df
            .column("iso_week")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(weeks[0], Some("2024-W01"));
        assert_eq!(weeks[3], Some("2024-W02"));
        assert_eq!(weeks[4], None);
        assert!(df.column("z5_s").is_ok() && df.column("z6_s").is_err());
        // 10:00 UTC is the previous day at −11:00.
        let west = sessions_frame(&history(), parse_utc_offset("-11:00").unwrap()).unwrap();
        let d = west.column("date").unwrap().cast(&DataType::Int32).unwrap();
        assert_eq!(
            d.i32().unwrap().get(0),
            Some(day_of_date(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap()))
        );
    }

    #[test]
    fn a_rows_own_offset_gives_its_local_day_and_clock() {
        // 2024-05-02 02:00 UTC, recorded at UTC−7: a 19:00 run on May 1 (issue 12 item 14).
        let mut r = row("evening.fit", Some(1_714_615_200), "running", Some(40.0));
        r.utc_offset_s = Some(-25_200);
        let df = sessions_frame(&[r.clone()], FixedOffset::east_opt(0).unwrap()).unwrap();
        let d = df.column("date").unwrap().cast(&DataType::Int32).unwrap();
        let may_1 = day_of_date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
        assert_eq!(d.i32().unwrap().get(0), Some(may_1));
        let local = df.column("start_local").unwrap().str().unwrap().get(0);
        assert_eq!(local, Some("2024-05-01T19:00:00-07:00"));
        // Without its own offset the row falls back to the given one (UTC: May 2).
        r.utc_offset_s = None;
        let df = sessions_frame(&[r], FixedOffset::east_opt(0).unwrap()).unwrap();
        let d = df.column("date").unwrap().cast(&DataType::Int32).unwrap();
        assert_eq!(d.i32().unwrap().get(0), Some(may_1 + 1));
    }

    #[test]
    fn daily_pmc_ends_at_until_and_shows_from_since_with_the_earlier_history() {
        let df = sessions_frame(&history(), FixedOffset::east_opt(0).unwrap()).unwrap();
        let d = |day| NaiveDate::from_ymd_opt(2024, 1, day);
        let full = daily_pmc(&df, &PmcOptions::default()).unwrap();
        assert_eq!(
            full.height(),
            9,
            "2024-01-01 … the last session on 2024-01-09"
        );
        // --until before the last session: the series stops there.
        let cut = daily_pmc(
            &df,
            &PmcOptions {
                until: d(5),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(cut.height(), 5);
        let col = |df: &DataFrame, c: &str| -> Vec<f64> {
            let c = df.column(c).unwrap().cast(&DataType::Float64).unwrap();
            c.f64().unwrap().iter().flatten().collect()
        };
        assert_eq!(col(&cut, "sessions").iter().sum::<f64>(), 3.0);
        // --since: shown from day 3, CTL as in the full series (days 1-2 still count).
        let window = daily_pmc(
            &df,
            &PmcOptions {
                since: d(3),
                until: d(5),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(window.height(), 3);
        assert_eq!(col(&window, "ctl"), col(&full, "ctl")[2..5].to_vec());
        assert!(col(&window, "ctl")[0] > 0.0);
    }

    #[test]
    fn daily_pmc_sums_days_and_counts_rest_days_as_zero() {
        let df = sessions_frame(&history(), FixedOffset::east_opt(0).unwrap()).unwrap();
        let until = NaiveDate::from_ymd_opt(2024, 1, 12);
        let daily = daily_pmc(
            &df,
            &PmcOptions {
                until,
                ..Default::default()
            },
        )
        .unwrap();
        // 2024-01-01 … 2024-01-12 inclusive.
        assert_eq!(daily.height(), 12);
        let load: Vec<f64> = daily
            .column("load")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        let mut expected = vec![0.0; 12];
        expected[0] = 80.0; // a + b on Monday
        expected[2] = 80.0;
        assert_eq!(load, expected);
        let sessions: Vec<u32> = daily
            .column("sessions")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(&sessions[..3], &[2, 0, 1]);
        assert_eq!(
            sessions[8], 1,
            "the no-HR session still counts as a session"
        );
        let missing = daily
            .column("sessions_without_hr_tss")
            .unwrap()
            .u32()
            .unwrap()
            .get(8);
        assert_eq!(missing, Some(1));
        let Pmc { ctl, atl, tsb } = pmc_series(&expected, 42.0, 7.0).unwrap();
        let got = |c: &str| -> Vec<f64> {
            daily
                .column(c)
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .flatten()
                .collect()
        };
        assert_eq!(got("ctl"), ctl);
        assert_eq!(got("atl"), atl);
        assert_eq!(got("tsb"), tsb);
        assert_eq!(tsb[0], 0.0);
    }

    #[test]
    fn weekly_zones_group_iso_weeks_per_sport() {
        let df = sessions_frame(&history(), FixedOffset::east_opt(0).unwrap()).unwrap();
        let w = weekly_zones(&df).unwrap();
        // W01 cycling, W01 running (a + c), W02 running (d, no HR).
        assert_eq!(w.height(), 3);
        let sport: Vec<_> = w
            .column("sport")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(sport, ["cycling", "running", "running"]);
        let sessions: Vec<u32> = w
            .column("sessions")
            .unwrap()
            .cast(&DataType::UInt32)
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(sessions, [1, 2, 1]);
        let z2 = w.column("z2_s").unwrap().f64().unwrap();
        assert_eq!(z2.get(1), Some(2400.0));
        let tss = w.column("hr_tss").unwrap().f64().unwrap();
        assert_eq!(tss.get(1), Some(130.0));
        // The week whose only session has no HR has unknown, not zero, load and zones.
        assert_eq!(tss.get(2), None);
        assert_eq!(w.column("z2_s").unwrap().f64().unwrap().get(2), None);
        let missing = w.column("sessions_without_hr_tss").unwrap();
        let missing = missing.cast(&DataType::UInt32).unwrap();
        assert_eq!(missing.u32().unwrap().get(2), Some(1));
        let start = w
            .column("week_start")
            .unwrap()
            .cast(&DataType::Int32)
            .unwrap();
        assert_eq!(
            start.i32().unwrap().get(0),
            Some(day_of_date(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()))
        );
        assert_eq!(
            start.i32().unwrap().get(2),
            Some(day_of_date(NaiveDate::from_ymd_opt(2024, 1, 8).unwrap()))
        );
    }

    #[test]
    fn parquet_round_trip_keeps_the_tables() {
        let df = sessions_frame(&history(), FixedOffset::east_opt(0).unwrap()).unwrap();
        for mut frame in [
            df.clone(),
            daily_pmc(&df, &PmcOptions::default()).unwrap(),
            weekly_zones(&df).unwrap(),
        ] {
            let mut buf = Vec::new();
            ParquetWriter::new(&mut buf).finish(&mut frame).unwrap();
            let back = ParquetReader::new(std::io::Cursor::new(buf))
                .finish()
                .unwrap();
            assert!(back.equals_missing(&frame), "{back}\nvs\n{frame}");
            assert_eq!(
                back.schema(),
                frame.schema(),
                "column types survive the round trip"
            );
        }
    }

    #[test]
    fn utc_offsets_parse() {
        let secs = |s: &str| parse_utc_offset(s).map(|o| o.local_minus_utc());
        // Issue 17: multi-byte characters are refused, not sliced through.
        for bad in ["+a€", "-€€", "+1€", "+€"] {
            assert!(parse_utc_offset(bad).is_err(), "{bad}");
        }
        assert_eq!(secs("UTC").unwrap(), 0);
        assert_eq!(secs("+02:00").unwrap(), 7200);
        assert_eq!(secs("-05:30").unwrap(), -19_800);
        assert_eq!(secs("+0530").unwrap(), 19_800);
        assert_eq!(secs("+2").unwrap(), 7200);
        assert!(secs("2").is_err() && secs("+25:00").is_err() && secs("+02:75").is_err());
        // Day numbers at an offset: 23:30 UTC is the next day at +01:00.
        let t = 1_704_151_800; // 2024-01-01 23:30 UTC
        assert_eq!(day_number(t, parse_utc_offset("UTC").unwrap()), 19_723);
        assert_eq!(day_number(t, parse_utc_offset("+01:00").unwrap()), 19_724);
    }
}
