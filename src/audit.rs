//! The recovery-run audit: for every run labelled recovery, did it stay a recovery run?
//!
//! Coaches prescribe recovery runs after a hard workout, race or long run: 20–30 minutes
//! (some allow 40), 3–8 km, conversational, heart-rate Zone 1. The common failure is
//! running them too hard or too long. This module holds the rules and the evidence, as
//! pure functions over numbers the caller supplies — it reads no FIT data itself:
//!
//! - [`labels`]: which runs are labelled recovery, and the label's source;
//! - [`hr_evidence`]: one pass over a session's samples (with the per-sample seconds of
//!   [`crate::analysis::SessionAnalysis::weights_s`]) giving time in and above Zone 1,
//!   the first minute above it, the longest excursion, HR drift and Pa:HR decoupling;
//! - [`context_before`]: the hardest session of the preceding hours, from a slice of
//!   [`SessionStress`] records covering the whole archive;
//! - [`judge`]: the verdicts ([`Verdict`]) and a one-line reason in plain words.
//!
//! The rules and their defaults ([`Rules::default`]) are stated in `docs/AUDIT.md`, in
//! `hrzones audit --help` and in the command's output.

pub mod batch;
pub mod labels;
pub mod models;

pub use labels::{resolve_label, Label, LabelBook, LabelError, LabelPattern, LabelSource};

use crate::activity::{Activity, Session};
use crate::analysis::SessionAnalysis;
use crate::profile::Settings;
pub use crate::zones::{invalid_mask, SpikeFilter};

/// Running sessions are audited: FIT sport `running` (generic, trail, treadmill, track,
/// street, indoor, virtual), and `fitness_equipment`/`treadmill` (a treadmill run recorded
/// through the gym machine's FE-C link).
pub fn is_running(s: &Session) -> bool {
    s.sport == 1 || (s.sport == 4 && s.sub_sport == 1)
}

/// The audit's rules. Every threshold is a command-line flag; these are the defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Timer time past this is "long" (a warning), min.
    pub long_min: f64,
    /// Timer time past this is "too long", min.
    pub too_long_min: f64,
    /// "Drifted" when the time above Zone 1 exceeds this share of the HR-covered timer
    /// time, %.
    pub drift_tolerance_pct: f64,
    /// ... or when one continuous excursion above Zone 1 lasts longer than this, s.
    pub excursion_limit_s: f64,
    /// A session with at least this hrTSS is a hard session.
    pub hard_tss: f64,
    /// A recovery run needs a hard session that ended at most this long before it, h.
    pub hard_window_h: f64,
    /// The hardest session of this many hours before the run is shown as context, h.
    pub context_window_h: f64,
    /// Distance past this is "over N km", km.
    pub max_km: f64,
    /// `--candidates`: an unlabelled run spending at least this share of its time in
    /// Zone 1 or below (and short enough, after a hard session) looks like recovery, %.
    pub candidate_z1_pct: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            long_min: 30.0,
            too_long_min: 40.0,
            drift_tolerance_pct: 10.0,
            excursion_limit_s: 60.0,
            hard_tss: 70.0,
            hard_window_h: 36.0,
            context_window_h: 48.0,
            max_km: 8.0,
            candidate_z1_pct: 80.0,
        }
    }
}

impl Rules {
    /// One line stating every rule with its threshold, for the output.
    pub fn describe(&self) -> String {
        format!(
            "rules: long > {} min (warning), too long > {} min; drifted when > {} % of the HR-covered timer time is above Zone 1 or one excursion above it lasts > {} s (heart rate after the timeline's one quality rule: spikes of > {} bpm from both neighbours within {} s bridged, HR above max HR + {} for longer excluded); after a hard day: a session with hrTSS >= {} ending within {} h before; context: hardest session within {} h; over {} km",
            num(self.long_min),
            num(self.too_long_min),
            num(self.drift_tolerance_pct),
            num(self.excursion_limit_s),
            SpikeFilter::default().jump_bpm,
            SpikeFilter::default().max_span_s,
            SpikeFilter::default().max_hr_margin_bpm,
            num(self.hard_tss),
            num(self.hard_window_h),
            num(self.context_window_h),
            num(self.max_km),
        )
    }

    /// Checks the thresholds make sense.
    pub fn validate(&self) -> Result<(), String> {
        let values = [
            ("--long-min", self.long_min),
            ("--too-long-min", self.too_long_min),
            ("--drift-tolerance-pct", self.drift_tolerance_pct),
            ("--excursion-limit-s", self.excursion_limit_s),
            ("--hard-tss", self.hard_tss),
            ("--hard-window-h", self.hard_window_h),
            ("--context-window-h", self.context_window_h),
            ("--max-km", self.max_km),
            ("--candidate-z1-pct", self.candidate_z1_pct),
        ];
        for (flag, v) in values {
            if !v.is_finite() || v < 0.0 {
                return Err(format!("{flag} must be a number >= 0, got {v}"));
            }
        }
        if self.long_min > self.too_long_min {
            return Err(format!(
                "--long-min {} must not exceed --too-long-min {}",
                num(self.long_min),
                num(self.too_long_min)
            ));
        }
        for (flag, v) in [
            ("--drift-tolerance-pct", self.drift_tolerance_pct),
            ("--candidate-z1-pct", self.candidate_z1_pct),
        ] {
            if v > 100.0 {
                return Err(format!("{flag} is a percentage (0..100), got {v}"));
            }
        }
        Ok(())
    }
}

/// A number without trailing zeros: 30 → "30", 7.5 → "7.5".
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// One session's sample columns, as slices of the session's rows (`Activity::samples`
/// in `Session::samples`), with the seconds each sample counts for.
#[derive(Debug, Clone, Copy)]
pub struct SampleSlices<'a> {
    /// Timestamps, FIT s.
    pub t_s: &'a [u32],
    /// Heart rate, bpm (0 = none).
    pub hr_bpm: &'a [u8],
    /// Speed, m/s (NaN = none); may be empty.
    pub speed_mps: &'a [f32],
    /// Distance, m (NaN = none); may be empty.
    pub distance_m: &'a [f64],
    /// Seconds each sample counts for ([`crate::zones::sample_weights`]).
    pub weights_s: &'a [f64],
}

impl<'a> SampleSlices<'a> {
    /// The slices of one session, with the heart rate and seconds of its analysis (the
    /// timeline's quality rule applied, as every command counts them).
    pub fn of(a: &'a Activity, s: &Session, an: &'a SessionAnalysis) -> SampleSlices<'a> {
        let r = s.samples.clone();
        let col = |len: usize| r.start.min(len)..r.end.min(len);
        let weights_s = &an.weights_s[..];
        SampleSlices {
            t_s: &a.samples.t_s[col(a.samples.t_s.len())],
            hr_bpm: &an.hr_bpm,
            speed_mps: &a.samples.speed_mps[col(a.samples.speed_mps.len())],
            distance_m: &a.samples.distance_m[col(a.samples.distance_m.len())],
            weights_s,
        }
    }

    fn len(&self) -> usize {
        self.t_s
            .len()
            .min(self.hr_bpm.len())
            .min(self.weights_s.len())
    }

    /// Speed at sample `i`: the recorded speed, else from the distance since the
    /// previous sample; None where neither exists.
    fn speed_at(&self, i: usize) -> Option<f64> {
        if let Some(&v) = self.speed_mps.get(i) {
            if v.is_finite() && v >= 0.0 {
                return Some(v as f64);
            }
        }
        if i == 0 {
            return None;
        }
        let (d0, d1) = (*self.distance_m.get(i - 1)?, *self.distance_m.get(i)?);
        let dt = self.t_s[i] as f64 - self.t_s[i - 1] as f64;
        (d0.is_finite() && d1.is_finite() && d1 >= d0 && dt > 0.0).then(|| (d1 - d0) / dt)
    }
}

/// What one session's heart rate shows, after the timeline's quality rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HrEvidence {
    /// Timer seconds with valid heart rate (the denominator of the percentages), s.
    pub counted_s: f64,
    /// Timer seconds whose heart rate was excluded as implausible, s
    /// ([`SessionAnalysis::hr_excluded_s`]; 0 from [`hr_evidence`] alone).
    pub discarded_s: f64,
    /// Seconds in Zone 1 or below it, s.
    pub z1_or_below_s: f64,
    /// Seconds at or above Zone 2's floor, s.
    pub above_z1_s: f64,
    /// Time-weighted average HR, bpm.
    pub avg_hr_bpm: Option<f64>,
    /// Highest counted HR, bpm.
    pub max_hr_bpm: Option<u8>,
    /// Counted seconds before the first sample above Zone 1, s.
    pub first_left_z1_s: Option<f64>,
    /// The longest continuous excursion above Zone 1, s.
    pub longest_excursion_s: f64,
    /// Counted seconds before that excursion began, s.
    pub longest_excursion_start_s: Option<f64>,
    /// Second-half vs first-half average HR, halves by counted time, %.
    pub hr_drift_pct: Option<f64>,
    /// Pa:HR decoupling: (speed/HR of the first half − of the second) / first × 100, %.
    pub decoupling_pct: Option<f64>,
}

impl HrEvidence {
    /// Share of counted time in Zone 1 or below, %.
    pub fn pct_z1_or_below(&self) -> Option<f64> {
        (self.counted_s > 0.0).then(|| 100.0 * self.z1_or_below_s / self.counted_s)
    }
    /// Share of counted time above Zone 1, %.
    pub fn pct_above_z1(&self) -> Option<f64> {
        (self.counted_s > 0.0).then(|| 100.0 * self.above_z1_s / self.counted_s)
    }
}

/// Drift and decoupling need at least this much counted time: over shorter spans the
/// first minutes' rise of HR dominates the halves, s.
pub const MIN_DRIFT_S: f64 = 600.0;

/// Evidence for one session, in one pass over its samples (plus one for the halves).
///
/// - `x` carries the heart rate and seconds after the timeline's one quality rule
///   ([`SessionAnalysis::hr_bpm`], [`SessionAnalysis::weights_s`]: spikes bridged,
///   implausible HR excluded), so the audit counts the seconds every command counts.
///   Counted seconds are the sample weights of samples with HR.
/// - Above Zone 1 means HR >= `z1_ceiling_bpm` (Zone 2's floor); with no ceiling, nothing
///   is above.
/// - An excursion is a run of counted samples above the ceiling. Spikes and samples
///   without HR neither extend nor end it; a sample that counts for no time although it
///   has HR (the timer was stopped, a dropout, a clock jump) ends it.
/// - HR drift is (second-half − first-half average HR) / first-half × 100, halves by
///   counted time (a sample straddling the middle is split). Pa:HR decoupling follows
///   Friel ("aerobic decoupling", TrainingPeaks): efficiency factor EF = average speed /
///   average HR per half, decoupling = (EF₁ − EF₂) / EF₁ × 100; speed is the recorded
///   speed, else distance over time. Both need [`MIN_DRIFT_S`] of counted time;
///   decoupling needs speed over half of each half, averaging at least 0.5 m/s (a
///   treadmill without a foot pod writes no or zero speed).
pub fn hr_evidence(x: &SampleSlices<'_>, z1_ceiling_bpm: Option<u8>) -> HrEvidence {
    let n = x.len();
    let bad: Vec<bool> = x.hr_bpm[..n].iter().map(|&h| h == 0).collect();
    // With no ceiling nothing is above Zone 1.
    let ceiling: u16 = z1_ceiling_bpm.map_or(u16::MAX, u16::from);
    let mut ev = HrEvidence {
        counted_s: 0.0,
        discarded_s: 0.0,
        z1_or_below_s: 0.0,
        above_z1_s: 0.0,
        avg_hr_bpm: None,
        max_hr_bpm: None,
        first_left_z1_s: None,
        longest_excursion_s: 0.0,
        longest_excursion_start_s: None,
        hr_drift_pct: None,
        decoupling_pct: None,
    };
    let mut hr_sum = 0.0;
    let mut excursion: Option<(f64, f64)> = None; // (start, length)
    fn close(e: &mut Option<(f64, f64)>, ev: &mut HrEvidence) {
        if let Some((start, len)) = e.take() {
            if len > ev.longest_excursion_s {
                ev.longest_excursion_s = len;
                ev.longest_excursion_start_s = Some(start);
            }
        }
    }
    for (i, &is_bad) in bad.iter().enumerate() {
        let (h, w) = (x.hr_bpm[i], x.weights_s[i]);
        if is_bad {
            ev.discarded_s += w;
            continue;
        }
        if w <= 0.0 {
            close(&mut excursion, &mut ev);
            continue;
        }
        let before = ev.counted_s;
        ev.counted_s += w;
        hr_sum += h as f64 * w;
        ev.max_hr_bpm = Some(ev.max_hr_bpm.map_or(h, |m| m.max(h)));
        if (h as u16) >= ceiling {
            ev.above_z1_s += w;
            ev.first_left_z1_s.get_or_insert(before);
            match excursion.as_mut() {
                Some((_, len)) => *len += w,
                None => excursion = Some((before, w)),
            }
        } else {
            ev.z1_or_below_s += w;
            close(&mut excursion, &mut ev);
        }
    }
    close(&mut excursion, &mut ev);
    if ev.counted_s > 0.0 {
        ev.avg_hr_bpm = Some(hr_sum / ev.counted_s);
    }
    if ev.counted_s >= MIN_DRIFT_S {
        let (drift, decoupling) = halves(x, &bad, ev.counted_s / 2.0);
        ev.hr_drift_pct = drift;
        ev.decoupling_pct = decoupling;
    }
    ev
}

/// Sums per half: counted seconds, HR·s; and over samples with speed: seconds, HR·s,
/// speed·s.
#[derive(Default, Clone, Copy)]
struct Half {
    w: f64,
    hr: f64,
    sw: f64,
    s_hr: f64,
    s_speed: f64,
}

fn halves(x: &SampleSlices<'_>, bad: &[bool], half_s: f64) -> (Option<f64>, Option<f64>) {
    let mut h = [Half::default(); 2];
    let mut cum = 0.0;
    for (i, &is_bad) in bad.iter().enumerate() {
        let w = x.weights_s[i];
        if is_bad || w <= 0.0 {
            continue;
        }
        let hr = x.hr_bpm[i] as f64;
        let speed = x.speed_at(i);
        let w1 = (half_s - cum).clamp(0.0, w);
        for (k, part) in [(0, w1), (1, w - w1)] {
            if part <= 0.0 {
                continue;
            }
            h[k].w += part;
            h[k].hr += hr * part;
            if let Some(v) = speed {
                h[k].sw += part;
                h[k].s_hr += hr * part;
                h[k].s_speed += v * part;
            }
        }
        cum += w;
    }
    let drift = (h[0].w > 0.0 && h[1].w > 0.0).then(|| {
        let (a, b) = (h[0].hr / h[0].w, h[1].hr / h[1].w);
        (b - a) / a * 100.0
    });
    let ef = |p: &Half| {
        if p.sw < 0.5 * p.w || p.sw <= 0.0 {
            return None;
        }
        let (speed, hr) = (p.s_speed / p.sw, p.s_hr / p.sw);
        (speed >= 0.5 && hr > 0.0).then(|| speed / hr)
    };
    let decoupling = match (ef(&h[0]), ef(&h[1])) {
        (Some(e1), Some(e2)) => Some((e1 - e2) / e1 * 100.0),
        _ => None,
    };
    (drift, decoupling)
}

/// One session of the archive, as the audit's context needs it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionStress {
    /// The input it came from.
    pub file: String,
    /// 0-based session index in the file.
    pub session: usize,
    /// Sport name.
    pub sport: String,
    /// Start, Unix s.
    pub start_unix_s: i64,
    /// End (start + elapsed), Unix s.
    pub end_unix_s: i64,
    /// hrTSS, when the session has heart rate and thresholds.
    pub hr_tss: Option<f64>,
}

/// A session before the audited run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PriorSession {
    /// The input it came from.
    pub file: String,
    /// 0-based session index.
    pub session: usize,
    /// Sport name.
    pub sport: String,
    /// Its hrTSS.
    pub hr_tss: f64,
    /// From its end to the run's start, h.
    pub hours_before: f64,
}

/// What came before a run.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Context {
    /// The hardest session (highest hrTSS) ending within the context window.
    pub hardest: Option<PriorSession>,
    /// The hardest session with hrTSS >= the hard threshold ending within the hard
    /// window: the session this run recovers from.
    pub hard_session: Option<PriorSession>,
    /// Sessions ending within the hard window.
    pub sessions_in_hard_window: usize,
    /// ... of which had no hrTSS (no heart rate or thresholds): they might have been hard.
    pub unknown_in_hard_window: usize,
}

/// Clock slack between sessions, s: a multisport leg ends the second the next begins,
/// and two devices' clocks differ by a few seconds.
const PRIOR_SLACK_S: i64 = 60;

/// The context of `run` among `archive` (every session read, any sport; `run` itself may
/// be in it). A session is "before" the run when it started earlier and ended no later
/// than the run's start (within [`PRIOR_SLACK_S`]); hours are counted from its end.
pub fn context_before(run: &SessionStress, archive: &[SessionStress], rules: &Rules) -> Context {
    let mut ctx = Context::default();
    for p in archive {
        let same = p.file == run.file && p.session == run.session;
        if same
            || p.start_unix_s >= run.start_unix_s
            || p.end_unix_s > run.start_unix_s + PRIOR_SLACK_S
        {
            continue;
        }
        let hours = (run.start_unix_s - p.end_unix_s).max(0) as f64 / 3600.0;
        let prior = |tss: f64| PriorSession {
            file: p.file.clone(),
            session: p.session,
            sport: p.sport.clone(),
            hr_tss: tss,
            hours_before: hours,
        };
        let harder =
            |cur: &Option<PriorSession>, tss: f64| cur.as_ref().is_none_or(|c| tss > c.hr_tss);
        if hours <= rules.context_window_h {
            if let Some(tss) = p.hr_tss {
                if harder(&ctx.hardest, tss) {
                    ctx.hardest = Some(prior(tss));
                }
            }
        }
        if hours <= rules.hard_window_h {
            ctx.sessions_in_hard_window += 1;
            match p.hr_tss {
                None => ctx.unknown_in_hard_window += 1,
                Some(tss) if tss >= rules.hard_tss && harder(&ctx.hard_session, tss) => {
                    ctx.hard_session = Some(prior(tss));
                }
                Some(_) => {}
            }
        }
    }
    ctx
}

/// The facts of one run that the rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFacts {
    /// Timer time, s.
    pub timer_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// Zone 1's ceiling (Zone 2's floor) under the zones in use, bpm.
    pub z1_ceiling_bpm: Option<u8>,
    /// The heart-rate evidence (None: no heart rate).
    pub evidence: Option<HrEvidence>,
}

/// A finding about a run labelled recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Timer time past the too-long limit.
    TooLong,
    /// Timer time past the long limit (a warning).
    Long,
    /// Too much time above Zone 1, or one excursion too long.
    Drifted,
    /// No hard session in the hours before it.
    NoHardSessionBefore,
    /// Farther than the distance limit.
    OverDistance,
}

impl Verdict {
    /// A warning, not a finding: does not trigger `--fail-on-finding`.
    pub fn is_warning(self) -> bool {
        self == Verdict::Long
    }

    /// The name used in output.
    pub fn name(self, rules: &Rules) -> String {
        match self {
            Verdict::TooLong => "too long".into(),
            Verdict::Long => "long".into(),
            Verdict::Drifted => "drifted".into(),
            Verdict::NoHardSessionBefore => "no hard session before".into(),
            Verdict::OverDistance => format!("over {} km", num(rules.max_km)),
        }
    }
}

/// A rule that could not be checked for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unchecked {
    /// The session has no usable heart rate.
    NoHeartRate,
    /// No zones resolved (no max HR, LTHR or bounds), or a single zone.
    NoZones,
    /// The file's timestamps are not dates (seconds since power-on).
    NoDates,
    /// The watch recorded no distance.
    NoDistance,
}

impl Unchecked {
    fn text(self) -> &'static str {
        match self {
            Unchecked::NoHeartRate => "Zone 1 not checked: no heart rate",
            Unchecked::NoZones => {
                "Zone 1 not checked: no zones (set --max-hr, --lthr, --bounds or --profile)"
            }
            Unchecked::NoDates => "context not checked: the file has no real dates",
            Unchecked::NoDistance => "distance not checked: none recorded",
        }
    }
}

/// The audit of one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judgement {
    /// Findings and warnings, in rule order; empty when the run passed.
    pub verdicts: Vec<Verdict>,
    /// Rules that could not be checked.
    pub unchecked: Vec<Unchecked>,
    /// One line in plain words.
    pub reason: String,
}

impl Judgement {
    /// "ok", "incomplete" (nothing found but something not checked), or the verdicts.
    pub fn verdict_text(&self, rules: &Rules) -> String {
        if self.is_ok() {
            "ok".into()
        } else if self.verdicts.is_empty() {
            "incomplete".into()
        } else {
            self.verdicts
                .iter()
                .map(|v| v.name(rules))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// True when every rule that matters was checked and none gave a verdict (distance
    /// may be missing: a treadmill without a foot pod).
    pub fn is_ok(&self) -> bool {
        self.verdicts.is_empty() && self.unchecked.iter().all(|u| *u == Unchecked::NoDistance)
    }

    /// True when a verdict other than a warning was given.
    pub fn has_finding(&self) -> bool {
        self.verdicts.iter().any(|v| !v.is_warning())
    }

    /// True when this verdict was given.
    pub fn has(&self, v: Verdict) -> bool {
        self.verdicts.contains(&v)
    }
}

/// Minutes with one decimal, without a trailing ".0": 1782 s → "29.7", 1500 s → "25".
fn minutes_text(s: f64) -> String {
    let t = format!("{:.1}", s / 60.0);
    t.strip_suffix(".0").map(str::to_string).unwrap_or(t)
}

/// Minutes and seconds: 135 → "2:15".
fn min_sec(s: f64) -> String {
    let s = s.round().max(0.0) as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The evidence and ceiling when the Zone 1 rule can be checked.
fn zone_inputs(run: &RunFacts) -> Result<(&HrEvidence, u8), Unchecked> {
    let ev = match &run.evidence {
        Some(ev) if ev.counted_s > 0.0 => ev,
        _ => return Err(Unchecked::NoHeartRate),
    };
    let ceiling = run.z1_ceiling_bpm.ok_or(Unchecked::NoZones)?;
    Ok((ev, ceiling))
}

/// Judges one run labelled recovery; `context` is None when the run has no real date.
pub fn judge(run: &RunFacts, context: Option<&Context>, rules: &Rules) -> Judgement {
    let mut verdicts = Vec::new();
    let mut unchecked = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let minutes = run.timer_s / 60.0;

    if minutes > rules.too_long_min {
        verdicts.push(Verdict::TooLong);
        parts.push(format!(
            "too long: {} min (limit {})",
            minutes_text(run.timer_s),
            num(rules.too_long_min)
        ));
    } else if minutes > rules.long_min {
        verdicts.push(Verdict::Long);
        parts.push(format!(
            "long: {} min (over {})",
            minutes_text(run.timer_s),
            num(rules.long_min)
        ));
    }

    match zone_inputs(run) {
        Err(u) => unchecked.push(u),
        Ok((ev, ceil)) => {
            let pct = 100.0 * ev.above_z1_s / ev.counted_s;
            let too_much = pct > rules.drift_tolerance_pct;
            let too_long = ev.longest_excursion_s > rules.excursion_limit_s;
            let mut bits = Vec::new();
            if too_much {
                bits.push(format!(
                    "{:.0} % of the time at {} bpm or more (tolerance {} %)",
                    pct,
                    ceil,
                    num(rules.drift_tolerance_pct)
                ));
            }
            if too_long {
                bits.push(format!(
                    "{} without a break at {} bpm or more from minute {:.0} (limit {} s)",
                    min_sec(ev.longest_excursion_s),
                    ceil,
                    ev.longest_excursion_start_s.unwrap_or(0.0) / 60.0,
                    num(rules.excursion_limit_s)
                ));
                if !too_much {
                    bits.push(format!("{:.0} % of the time above Zone 1 in all", pct));
                }
            }
            if too_much || too_long {
                verdicts.push(Verdict::Drifted);
                parts.push(format!("drifted out of Zone 1: {}", bits.join(", ")));
            }
        }
    }

    match context {
        None => unchecked.push(Unchecked::NoDates),
        Some(ctx) if ctx.hard_session.is_none() => {
            verdicts.push(Verdict::NoHardSessionBefore);
            let before = match &ctx.hardest {
                Some(h) => format!(
                    "the hardest in the {} h before it had hrTSS {:.0}, {:.0} h before",
                    num(rules.context_window_h),
                    h.hr_tss,
                    h.hours_before
                ),
                None => format!(
                    "no session with an hrTSS in the {} h before it among the files read",
                    num(rules.context_window_h)
                ),
            };
            let unknown = if ctx.unknown_in_hard_window > 0 {
                format!(
                    "; {} session(s) in the {} h before it have no hrTSS (no heart rate or no max HR) and may have been hard",
                    ctx.unknown_in_hard_window,
                    num(rules.hard_window_h)
                )
            } else {
                String::new()
            };
            parts.push(format!(
                "no hard session before it — an easy run, not recovery (no hrTSS >= {} within {} h; {}{})",
                num(rules.hard_tss),
                num(rules.hard_window_h),
                before,
                unknown
            ));
        }
        Some(_) => {}
    }

    match run.distance_m {
        Some(d) if d / 1000.0 > rules.max_km => {
            verdicts.push(Verdict::OverDistance);
            parts.push(format!(
                "{:.1} km, more than {} km",
                d / 1000.0,
                num(rules.max_km)
            ));
        }
        Some(_) => {}
        None => unchecked.push(Unchecked::NoDistance),
    }

    let reason = if verdicts.is_empty() {
        let complete = unchecked.iter().all(|u| *u == Unchecked::NoDistance);
        let mut p = if complete {
            format!("stayed a recovery run: {} min", minutes_text(run.timer_s))
        } else {
            format!(
                "nothing found in what could be checked: {} min",
                minutes_text(run.timer_s)
            )
        };
        if let Some(d) = run.distance_m {
            p.push_str(&format!(", {:.1} km", d / 1000.0));
        }
        if let (Some(ev), Some(c)) = (&run.evidence, run.z1_ceiling_bpm) {
            if let Some(pct) = ev.pct_z1_or_below() {
                p.push_str(&format!(", {:.0} % in Zone 1 or below (< {} bpm)", pct, c));
            }
        }
        if let Some(h) = context.and_then(|c| c.hard_session.as_ref()) {
            p.push_str(&format!(
                ", {:.0} h after a hard session (hrTSS {:.0})",
                h.hours_before, h.hr_tss
            ));
        }
        p
    } else {
        if let Some(h) = context.and_then(|c| c.hard_session.as_ref()) {
            parts.push(format!(
                "{:.0} h after a hard session (hrTSS {:.0})",
                h.hours_before, h.hr_tss
            ));
        }
        parts.join("; ")
    };
    let mut reason = reason;
    for u in &unchecked {
        reason.push_str("; ");
        reason.push_str(u.text());
    }
    Judgement {
        verdicts,
        unchecked,
        reason: sentence(&reason),
    }
}

/// Capital first letter, full stop at the end.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// `--candidates`: an unlabelled run that looks like recovery — no longer than the
/// too-long limit, at least `candidate_z1_pct` of its time in Zone 1 or below, and a
/// hard session within the hard window before it.
pub fn is_candidate(run: &RunFacts, context: Option<&Context>, rules: &Rules) -> bool {
    let easy = run.z1_ceiling_bpm.is_some()
        && run
            .evidence
            .as_ref()
            .and_then(HrEvidence::pct_z1_or_below)
            .is_some_and(|p| p >= rules.candidate_z1_pct);
    easy && run.timer_s / 60.0 <= rules.too_long_min
        && context.is_some_and(|c| c.hard_session.is_some())
}

/// Counts over the audited runs, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuditSummary {
    /// Runs labelled recovery.
    pub labelled: usize,
    /// ... whose Zone 1 rule could be checked.
    pub zone_checked: usize,
    /// ... that stayed in Zone 1.
    pub stayed_in_z1: usize,
    /// ... no longer than the long limit.
    pub short_enough: usize,
    /// ... long (warning).
    pub long: usize,
    /// ... too long.
    pub too_long: usize,
    /// ... with a date, so the context could be checked.
    pub context_checked: usize,
    /// ... after a hard session.
    pub after_hard_day: usize,
    /// ... over the distance limit.
    pub over_distance: usize,
    /// ... that passed every rule.
    pub ok: usize,
    /// Unlabelled runs shown by `--candidates`.
    pub candidates: usize,
}

impl AuditSummary {
    /// Counts one labelled run.
    pub fn add(&mut self, j: &Judgement) {
        self.labelled += 1;
        let zone_unchecked = j
            .unchecked
            .iter()
            .any(|u| matches!(u, Unchecked::NoHeartRate | Unchecked::NoZones));
        if !zone_unchecked {
            self.zone_checked += 1;
            if !j.has(Verdict::Drifted) {
                self.stayed_in_z1 += 1;
            }
        }
        if j.has(Verdict::TooLong) {
            self.too_long += 1;
        } else if j.has(Verdict::Long) {
            self.long += 1;
        } else {
            self.short_enough += 1;
        }
        if !j.unchecked.contains(&Unchecked::NoDates) {
            self.context_checked += 1;
            if !j.has(Verdict::NoHardSessionBefore) {
                self.after_hard_day += 1;
            }
        }
        if j.has(Verdict::OverDistance) {
            self.over_distance += 1;
        }
        if j.is_ok() {
            self.ok += 1;
        }
    }

    /// The summary as lines.
    pub fn lines(&self, rules: &Rules) -> Vec<String> {
        let mut v = vec![
            format!(
                "labelled recovery runs: {} ({} passed every rule)",
                self.labelled, self.ok
            ),
            format!(
                "stayed in Zone 1: {} of {} with heart rate and zones",
                self.stayed_in_z1, self.zone_checked
            ),
            format!(
                "short enough (<= {} min): {}; long ({}-{} min): {}; too long (> {} min): {}",
                num(rules.long_min),
                self.short_enough,
                num(rules.long_min),
                num(rules.too_long_min),
                self.long,
                num(rules.too_long_min),
                self.too_long
            ),
            format!(
                "after a hard day (hrTSS >= {} within {} h): {} of {} with dates",
                num(rules.hard_tss),
                num(rules.hard_window_h),
                self.after_hard_day,
                self.context_checked
            ),
            format!("over {} km: {}", num(rules.max_km), self.over_distance),
        ];
        if self.candidates > 0 {
            v.push(format!(
                "unlabelled runs that look like recovery (--candidates): {}",
                self.candidates
            ));
        }
        v
    }
}

/// The session's hrTSS, as `hrzones load` computes it ([`crate::load::SessionLoad`]):
/// the audit's context uses the same numbers the load history shows.
pub fn session_stress(
    a: &Activity,
    s: &Session,
    analysis: &SessionAnalysis,
    settings: &Settings,
) -> Option<f64> {
    crate::load::SessionLoad::compute(a, s, analysis, settings).hr_tss
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 Hz samples, each counting one second (the first counts nothing, as in
    /// `sample_weights`).
    struct Run {
        t: Vec<u32>,
        hr: Vec<u8>,
        speed: Vec<f32>,
        dist: Vec<f64>,
        w: Vec<f64>,
    }

    impl Run {
        fn new(hr: &[u8]) -> Run {
            let n = hr.len();
            Run {
                t: (0..n as u32).collect(),
                hr: hr.to_vec(),
                speed: vec![f32::NAN; n],
                dist: vec![f64::NAN; n],
                w: (0..n)
                    .map(|i| if i == 0 || hr[i] == 0 { 0.0 } else { 1.0 })
                    .collect(),
            }
        }
        fn slices(&self) -> SampleSlices<'_> {
            SampleSlices {
                t_s: &self.t,
                hr_bpm: &self.hr,
                speed_mps: &self.speed,
                distance_m: &self.dist,
                weights_s: &self.w,
            }
        }
        /// The evidence as the audit computes it: through the timeline's HR rule
        /// (max HR 190), as `SessionAnalysis` does.
        fn evidence(&self, ceiling: u8) -> HrEvidence {
            let q = crate::timeline::hr_quality(&self.t, &self.hr, Some(190));
            let w: Vec<f64> = self
                .w
                .iter()
                .zip(&q.hr_bpm)
                .map(|(&w, &h)| if h == 0 { 0.0 } else { w })
                .collect();
            let x = SampleSlices {
                hr_bpm: &q.hr_bpm,
                weights_s: &w,
                ..self.slices()
            };
            hr_evidence(&x, Some(ceiling))
        }
    }

    fn hr_seq(parts: &[(u8, usize)]) -> Vec<u8> {
        parts
            .iter()
            .flat_map(|&(h, n)| std::iter::repeat_n(h, n))
            .collect()
    }

    fn facts(timer_min: f64, km: f64, ceiling: u8, ev: HrEvidence) -> RunFacts {
        RunFacts {
            timer_s: timer_min * 60.0,
            distance_m: Some(km * 1000.0),
            z1_ceiling_bpm: Some(ceiling),
            evidence: Some(ev),
        }
    }

    fn after_hard_day() -> Context {
        let p = PriorSession {
            file: "intervals.fit".into(),
            session: 0,
            sport: "running".into(),
            hr_tss: 95.0,
            hours_before: 20.0,
        };
        Context {
            hardest: Some(p.clone()),
            hard_session: Some(p),
            sessions_in_hard_window: 1,
            unknown_in_hard_window: 0,
        }
    }

    #[test]
    fn time_above_zone_1_is_counted_from_z2_floor() {
        // 1 + 100 s at 130, 20 s at 140 (= ceiling), 30 s at 130.
        let r = Run::new(&hr_seq(&[(130, 101), (140, 20), (130, 30)]));
        let ev = r.evidence(140);
        assert_eq!(ev.counted_s, 150.0);
        assert_eq!(ev.above_z1_s, 20.0);
        assert_eq!(ev.z1_or_below_s, 130.0);
        assert_eq!(ev.first_left_z1_s, Some(100.0));
        assert_eq!(ev.longest_excursion_s, 20.0);
        assert_eq!(ev.max_hr_bpm, Some(140));
        assert!((ev.pct_above_z1().unwrap() - 100.0 * 20.0 / 150.0).abs() < 1e-9);
    }

    #[test]
    fn brief_spikes_and_impossible_values_take_the_hr_around_them() {
        // A 2-sample spike of +40 bpm, a 1-sample dip, and a 230 bpm reading above
        // max HR 190 + 10: the timeline's one rule bridges them all (they are short), so
        // their seconds count at 120 bpm, as in time in zone and hrTSS.
        let mut hr = hr_seq(&[(120, 50)]);
        hr[10] = 160;
        hr[11] = 162;
        hr[20] = 90;
        hr[30] = 230;
        let r = Run::new(&hr);
        let bad = invalid_mask(&r.t, &r.hr, &SpikeFilter::default(), Some(190));
        let flagged: Vec<usize> = (0..bad.len()).filter(|&i| bad[i]).collect();
        assert_eq!(flagged, vec![10, 11, 20, 30]);
        let ev = r.evidence(140);
        assert_eq!(ev.above_z1_s, 0.0);
        assert_eq!(ev.discarded_s, 0.0);
        assert_eq!(ev.counted_s, 49.0);
        assert_eq!(ev.first_left_z1_s, None);
        assert_eq!(ev.max_hr_bpm, Some(120));
        // Two minutes at 230: implausible, excluded, not counted.
        let mut hr = hr_seq(&[(120, 300)]);
        for h in &mut hr[100..220] {
            *h = 230;
        }
        let ev = Run::new(&hr).evidence(140);
        assert_eq!(ev.counted_s, 179.0);
        assert_eq!(ev.max_hr_bpm, Some(120));
    }

    #[test]
    fn a_sustained_rise_is_not_a_spike() {
        // +40 bpm that stays for 10 s is real effort, even if it comes back down.
        let r = Run::new(&hr_seq(&[(120, 20), (160, 10), (120, 20)]));
        assert!(!invalid_mask(&r.t, &r.hr, &SpikeFilter::default(), None)
            .iter()
            .any(|&b| b));
        assert_eq!(r.evidence(140).above_z1_s, 10.0);
        // A jump that never comes back is not a spike either.
        let r = Run::new(&hr_seq(&[(120, 20), (160, 3)]));
        assert!(!invalid_mask(&r.t, &r.hr, &SpikeFilter::default(), None)
            .iter()
            .any(|&b| b));
    }

    #[test]
    fn excursions_skip_spikes_and_end_at_pauses() {
        // 30 s above, a one-sample dip (a spike, bridged at 150), 40 s above: one
        // excursion of 71 s.
        let mut hr = hr_seq(&[(120, 11), (150, 30), (100, 1), (150, 40), (120, 10)]);
        let r = Run::new(&hr);
        let ev = r.evidence(140);
        assert_eq!(ev.longest_excursion_s, 71.0);
        assert_eq!(ev.longest_excursion_start_s, Some(10.0));
        // The same with the timer stopped at the dip: two excursions.
        hr[41] = 150;
        let mut r = Run::new(&hr);
        r.w[41] = 0.0;
        let ev = r.evidence(140);
        assert_eq!(ev.longest_excursion_s, 40.0);
        assert_eq!(ev.longest_excursion_start_s, Some(40.0));
        assert_eq!(ev.first_left_z1_s, Some(10.0));
    }

    #[test]
    fn drift_and_decoupling_by_halves_of_counted_time() {
        // 20 min: first half 120 bpm at 3.0 m/s, second half 132 bpm at 3.0 m/s.
        let mut r = Run::new(&hr_seq(&[(120, 601), (132, 600)]));
        r.speed = vec![3.0; r.hr.len()];
        let ev = r.evidence(150);
        assert!((ev.hr_drift_pct.unwrap() - 10.0).abs() < 1e-9);
        // EF1 = 3/120, EF2 = 3/132: (EF1 − EF2)/EF1 = 1 − 120/132.
        let want = (1.0 - 120.0 / 132.0) * 100.0;
        assert!((ev.decoupling_pct.unwrap() - want).abs() < 1e-9);
        // Speed from distance when the speed field is missing: same answer.
        r.speed = vec![f32::NAN; r.hr.len()];
        r.dist = (0..r.hr.len()).map(|i| 3.0 * i as f64).collect();
        let ev2 = r.evidence(150);
        assert!((ev2.decoupling_pct.unwrap() - want).abs() < 1e-9);
        // A treadmill without a foot pod: zero speed, no decoupling; drift stays.
        r.dist = vec![f64::NAN; r.hr.len()];
        r.speed = vec![0.0; r.hr.len()];
        let ev3 = r.evidence(150);
        assert_eq!(ev3.decoupling_pct, None);
        assert!(ev3.hr_drift_pct.is_some());
        // Too short for halves to mean anything.
        let r = Run::new(&hr_seq(&[(120, 300), (132, 200)]));
        assert_eq!(r.evidence(150).hr_drift_pct, None);
    }

    #[test]
    fn a_short_easy_run_after_a_hard_day_is_ok() {
        let r = Run::new(&hr_seq(&[(125, 1500)]));
        let j = judge(
            &facts(25.0, 4.5, 140, r.evidence(140)),
            Some(&after_hard_day()),
            &Rules::default(),
        );
        assert!(j.verdicts.is_empty(), "{j:?}");
        assert_eq!(j.verdict_text(&Rules::default()), "ok");
        assert!(
            j.reason
                .starts_with("Stayed a recovery run: 25 min, 4.5 km, 100 %"),
            "{}",
            j.reason
        );
        assert!(
            j.reason.contains("20 h after a hard session (hrTSS 95)"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn long_and_too_long_by_timer_time() {
        let rules = Rules::default();
        let ev = Run::new(&hr_seq(&[(125, 100)])).evidence(140);
        let ctx = after_hard_day();
        let j = judge(&facts(30.0, 5.0, 140, ev.clone()), Some(&ctx), &rules);
        assert!(j.verdicts.is_empty(), "exactly 30 min is not past 30");
        let j = judge(&facts(31.0, 5.0, 140, ev.clone()), Some(&ctx), &rules);
        assert_eq!(j.verdicts, vec![Verdict::Long]);
        assert!(!j.has_finding(), "long is a warning");
        let j = judge(&facts(41.0, 5.0, 140, ev), Some(&ctx), &rules);
        assert_eq!(j.verdicts, vec![Verdict::TooLong]);
        assert!(j.has_finding());
        assert!(
            j.reason.starts_with("Too long: 41 min (limit 40)"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn drifted_by_share_of_time_above() {
        // 9 % above in short bursts: fine; 11 %: drifted.
        let rules = Rules::default();
        let mut parts = Vec::new();
        for _ in 0..9 {
            parts.extend([(120u8, 91usize), (150, 10)]);
        }
        let ok = Run::new(&hr_seq(&parts)).evidence(140);
        assert!(ok.pct_above_z1().unwrap() < 10.0);
        let j = judge(&facts(25.0, 4.0, 140, ok), Some(&after_hard_day()), &rules);
        assert!(j.verdicts.is_empty(), "{j:?}");
        let mut parts = Vec::new();
        for _ in 0..11 {
            parts.extend([(120u8, 81usize), (150, 10)]);
        }
        let bad = Run::new(&hr_seq(&parts)).evidence(140);
        assert!(bad.pct_above_z1().unwrap() > 10.0);
        assert!(bad.longest_excursion_s <= 60.0);
        let j = judge(&facts(25.0, 4.0, 140, bad), Some(&after_hard_day()), &rules);
        assert_eq!(j.verdicts, vec![Verdict::Drifted]);
        assert!(
            j.reason.contains("at 140 bpm or more (tolerance 10 %)"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn drifted_by_one_long_excursion() {
        // 61 s above in a 25-min run: only 4 % of the time, but one excursion > 60 s.
        let ev = Run::new(&hr_seq(&[(120, 601), (150, 61), (120, 838)])).evidence(140);
        assert_eq!(ev.longest_excursion_s, 61.0);
        let rules = Rules::default();
        let j = judge(
            &facts(25.0, 4.0, 140, ev.clone()),
            Some(&after_hard_day()),
            &rules,
        );
        assert_eq!(j.verdicts, vec![Verdict::Drifted]);
        assert!(
            j.reason.contains("1:01 without a break at 140 bpm or more from minute 10 (limit 60 s), 4 % of the time above Zone 1 in all"),
            "{}",
            j.reason
        );
        let lenient = Rules {
            excursion_limit_s: 90.0,
            ..rules
        };
        assert!(judge(
            &facts(25.0, 4.0, 140, ev),
            Some(&after_hard_day()),
            &lenient
        )
        .verdicts
        .is_empty());
    }

    #[test]
    fn over_distance() {
        let ev = Run::new(&hr_seq(&[(120, 100)])).evidence(140);
        let j = judge(
            &facts(29.0, 8.2, 140, ev),
            Some(&after_hard_day()),
            &Rules::default(),
        );
        assert_eq!(j.verdicts, vec![Verdict::OverDistance]);
        assert_eq!(j.verdict_text(&Rules::default()), "over 8 km");
    }

    fn stress(file: &str, start_h: f64, dur_h: f64, tss: Option<f64>) -> SessionStress {
        let start = (start_h * 3600.0) as i64;
        SessionStress {
            file: file.into(),
            session: 0,
            sport: "running".into(),
            start_unix_s: start,
            end_unix_s: start + (dur_h * 3600.0) as i64,
            hr_tss: tss,
        }
    }

    #[test]
    fn context_finds_the_hard_session_and_the_hardest() {
        let rules = Rules::default();
        let run = stress("rec.fit", 100.0, 0.5, Some(20.0));
        let archive = vec![
            stress("long.fit", 50.0, 2.0, Some(150.0)), // ended 48 h before
            stress("intervals.fit", 70.0, 1.0, Some(90.0)), // ended 29 h before
            stress("easy.fit", 90.0, 0.5, Some(30.0)),  // 9.5 h before
            stress("later.fit", 120.0, 1.0, Some(200.0)), // after the run
            stress("overlap.fit", 99.9, 1.0, Some(100.0)), // ends after the run started
            run.clone(),
        ];
        let ctx = context_before(&run, &archive, &rules);
        let hardest = ctx.hardest.as_ref().unwrap();
        assert_eq!(hardest.file, "long.fit");
        assert!((hardest.hours_before - 48.0).abs() < 1e-9);
        let hard = ctx.hard_session.as_ref().unwrap();
        assert_eq!(hard.file, "intervals.fit");
        assert_eq!(ctx.sessions_in_hard_window, 2);
        let ev = Run::new(&hr_seq(&[(120, 100)])).evidence(140);
        assert!(
            judge(&facts(25.0, 4.0, 140, ev.clone()), Some(&ctx), &rules)
                .verdicts
                .is_empty()
        );

        // Without the intervals: the 48-h-old long run is outside the 36-h window.
        let archive: Vec<_> = archive
            .into_iter()
            .filter(|s| s.file != "intervals.fit")
            .collect();
        let ctx = context_before(&run, &archive, &rules);
        assert!(ctx.hard_session.is_none());
        let j = judge(&facts(25.0, 4.0, 140, ev), Some(&ctx), &rules);
        assert_eq!(j.verdicts, vec![Verdict::NoHardSessionBefore]);
        assert!(
            j.reason
                .starts_with("No hard session before it — an easy run, not recovery")
                && j.reason
                    .contains("hardest in the 48 h before it had hrTSS 150, 48 h before"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn sessions_without_heart_rate_are_mentioned_not_assumed_hard() {
        let run = stress("rec.fit", 100.0, 0.5, None);
        let archive = vec![stress("ride-no-hr.fit", 80.0, 3.0, None)];
        let ctx = context_before(&run, &archive, &Rules::default());
        assert_eq!(ctx.unknown_in_hard_window, 1);
        assert!(ctx.hard_session.is_none());
        let ev = Run::new(&hr_seq(&[(120, 100)])).evidence(140);
        let j = judge(&facts(25.0, 4.0, 140, ev), Some(&ctx), &Rules::default());
        assert!(
            j.reason
                .contains("1 session(s) in the 36 h before it have no hrTSS"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn what_cannot_be_checked_is_said() {
        let rules = Rules::default();
        let run = RunFacts {
            timer_s: 1500.0,
            distance_m: None,
            z1_ceiling_bpm: Some(140),
            evidence: None,
        };
        let j = judge(&run, None, &rules);
        assert!(j.verdicts.is_empty());
        assert_eq!(j.verdict_text(&rules), "incomplete");
        assert_eq!(
            j.unchecked,
            vec![
                Unchecked::NoHeartRate,
                Unchecked::NoDates,
                Unchecked::NoDistance
            ]
        );
        assert!(
            j.reason.contains("Zone 1 not checked: no heart rate"),
            "{}",
            j.reason
        );
        let mut s = AuditSummary::default();
        s.add(&j);
        assert_eq!(
            (s.labelled, s.zone_checked, s.context_checked, s.ok),
            (1, 0, 0, 0)
        );
        assert!(
            j.reason
                .starts_with("Nothing found in what could be checked: 25 min"),
            "{}",
            j.reason
        );
    }

    #[test]
    fn candidates_are_short_easy_and_after_a_hard_day() {
        let rules = Rules::default();
        let easy = Run::new(&hr_seq(&[(120, 85), (150, 15)])).evidence(140);
        assert!(is_candidate(
            &facts(30.0, 5.0, 140, easy.clone()),
            Some(&after_hard_day()),
            &rules
        ));
        assert!(!is_candidate(
            &facts(45.0, 5.0, 140, easy.clone()),
            Some(&after_hard_day()),
            &rules
        ));
        assert!(!is_candidate(
            &facts(30.0, 5.0, 140, easy),
            Some(&Context::default()),
            &rules
        ));
        let harder = Run::new(&hr_seq(&[(120, 75), (150, 25)])).evidence(140);
        assert!(!is_candidate(
            &facts(30.0, 5.0, 140, harder),
            Some(&after_hard_day()),
            &rules
        ));
    }

    #[test]
    fn summary_counts_each_rule() {
        let rules = Rules::default();
        let ev_ok = Run::new(&hr_seq(&[(120, 100)])).evidence(140);
        let ev_bad = Run::new(&hr_seq(&[(150, 100)])).evidence(140);
        let mut s = AuditSummary::default();
        s.add(&judge(
            &facts(25.0, 4.0, 140, ev_ok.clone()),
            Some(&after_hard_day()),
            &rules,
        ));
        s.add(&judge(
            &facts(35.0, 9.0, 140, ev_bad),
            Some(&Context::default()),
            &rules,
        ));
        s.add(&judge(&facts(50.0, 6.0, 140, ev_ok), None, &rules));
        assert_eq!(s.labelled, 3);
        assert_eq!((s.zone_checked, s.stayed_in_z1), (3, 2));
        assert_eq!((s.short_enough, s.long, s.too_long), (1, 1, 1));
        assert_eq!((s.context_checked, s.after_hard_day), (2, 1));
        assert_eq!((s.over_distance, s.ok), (1, 1));
        assert!(s.lines(&rules)[0].starts_with("labelled recovery runs: 3 (1 passed"));
    }

    #[test]
    fn rules_are_validated_and_described() {
        let r = Rules::default();
        assert!(r.validate().is_ok());
        let d = r.describe();
        for want in [
            "long > 30 min",
            "too long > 40 min",
            "> 10 %",
            "> 60 s",
            "hrTSS >= 70",
            "within 36 h",
            "within 48 h",
            "over 8 km",
        ] {
            assert!(d.contains(want), "{want} missing from {d}");
        }
        assert!(Rules {
            long_min: 50.0,
            ..r
        }
        .validate()
        .is_err());
        assert!(Rules {
            drift_tolerance_pct: 120.0,
            ..r
        }
        .validate()
        .is_err());
        assert!(Rules {
            max_km: f64::NAN,
            ..r
        }
        .validate()
        .is_err());
    }
}
