//! Thresholds estimated from an archive: max HR, lactate-threshold HR (LTHR) and resting
//! HR, per sport (running, cycling, other) and per period (calendar year by default),
//! each with its method, the sessions that support it and the watch's own setting
//! beside it. See docs/THRESHOLDS.md for the methods, constants and sources.
//!
//! Two stages, so an archive of thousands of files never holds its samples at once:
//! [`SessionEfforts::of`] reduces one session to a few numbers (its best sustained HR,
//! its best 5/20/30/45/60-minute mean HR, the shape of its best 30 minutes, its labels
//! and the watch's settings), in parallel per file; [`estimate`] groups those by sport
//! and period and picks the estimates.
//!
//! What it must not do: invent a number. A period with no qualifying effort says "not
//! enough data"; resting HR is never estimated from activities (a resting value is
//! not in them), only reported where the files carry the watch's setting.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::activity::{Activity, Session};
use crate::audit::labels::words;
use crate::profile::{self, AthleteProfile, DatedChange, SportSettings, Thresholds};
use crate::zones::{self, TimeInZoneOptions};

/// Max HR is the highest HR held without a break for this long, s: long enough that a
/// strap or optical glitch that survives the spike filter does not count, short enough
/// that the plateau at the end of a maximal effort does.
pub const MAX_HOLD_S: usize = 10;
/// A sustained peak counts only when the session's best 5-minute mean HR is at least
/// this fraction of it: a real maximum comes at the end of minutes of hard work, a
/// sensor artefact (cadence lock, static) in an easy session does not.
pub const BACKED_PEAK_FRACTION: f64 = 0.85;
/// Window of [`BACKED_PEAK_FRACTION`], s.
pub const BACKING_WINDOW_S: usize = 300;
/// A peak counts only when it is at least this many times the athlete's typical
/// session HR (the median, over the sport's sessions of the whole input with at least
/// [`TYPICAL_MIN_S`] of HR, of each session's mean HR): a period of easy runs alone
/// says nothing about max HR. Recreational and trained runners' sessions average
/// 65-80 % of max HR, so 1.12 (89 %) leaves room for tempo-heavy training.
pub const HARD_PEAK_OVER_TYPICAL: f64 = 1.12;
/// Sessions shorter than this (HR seconds) do not set the typical HR, s.
pub const TYPICAL_MIN_S: usize = 600;
/// Sessions whose backed peak is within this fraction of the estimate are counted as
/// efforts that came close to max HR (the estimate's confidence).
pub const NEAR_MAX_FRACTION: f64 = 0.97;
/// HR above this is implausible for any adult and never counts, bpm. Passed to the
/// time-in-zone rule as a max HR of `PLAUSIBLE_MAX_BPM - SpikeFilter::max_hr_margin_bpm`.
pub const PLAUSIBLE_MAX_BPM: u8 = 230;
/// Friel's field test: the mean HR of the last 20 minutes of a 30-minute solo maximal
/// effort (J. Friel, "The Triathlete's Training Bible"; "Quick Guide to Setting Zones",
/// TrainingPeaks).
pub const FIELD_TEST_S: usize = 30 * 60;
/// The part of the field test whose mean is LTHR, s.
pub const FIELD_TEST_TAIL_S: usize = 20 * 60;
/// Without a "test" label, a field test's best 30 minutes must be at least this much
/// above its best 45 minutes (the effort ends after about 30 minutes, unlike a long
/// race or tempo run), bpm, unless the session holds less than 45 minutes of HR.
pub const FIELD_TEST_SHAPE_BPM: f64 = 3.0;
/// A field test is one effort: the mean of its first 10 minutes is at most this far
/// below the mean of its last 20 (HR climbs in the first minutes of a time trial; a
/// 20-minute effort after 10 easy minutes is not a test), bpm.
pub const FIELD_TEST_STEADY_BPM: f64 = 15.0;
/// A field test is steady: no minute of its last 20 averages more than this below
/// their mean (interval sessions, with their recoveries, are not tests), bpm.
pub const FIELD_TEST_DIP_BPM: f64 = 10.0;
/// A field test is maximal: its last-20 mean is at most this far below the 20-minute
/// method's value for the period (by that method's own rule a maximal 30-minute
/// effort is at about 95 % of a maximal 20-minute one; a tempo run is lower), bpm.
pub const FIELD_TEST_MAXIMAL_TOLERANCE_BPM: f64 = 3.0;
/// LTHR ≈ this × the best 20-minute mean HR (the 95 % rule of the 20-minute test:
/// Allen & Coggan, "Training and Racing with a Power Meter", applied to HR as Friel's
/// shorter test is commonly applied).
pub const TWENTY_MIN_FACTOR: f64 = 0.95;
/// A 20-minute effort counts when its mean HR is at least this fraction of the period's
/// max HR estimate (an easy run's best 20 minutes says nothing about threshold).
pub const HARD_20MIN_FRACTION: f64 = 0.85;
/// Races of this timer length give LTHR as their best 60-minute mean HR, s: Friel
/// notes that the average HR of a race of about an hour is close to LTHR; a marathon
/// is run below it, so longer races do not count.
pub const RACE_MIN_S: f64 = 60.0 * 60.0;
/// See [`RACE_MIN_S`].
pub const RACE_MAX_S: f64 = 110.0 * 60.0;
/// Words (folded, whole) that mark a race in a workout, sport-profile or file name.
pub const RACE_WORDS: [&str; 17] = [
    "race",
    "racing",
    "competition",
    "marathon",
    "halfmarathon",
    "halbmarathon",
    "semimarathon",
    "parkrun",
    "wettkampf",
    "rennen",
    "carrera",
    "gara",
    "wedstrijd",
    "tavling",
    "kilpailu",
    "zawody",
    "competicion",
];
/// Words (folded, whole) that mark a field test.
pub const TEST_WORDS: [&str; 8] = [
    "test",
    "lthr",
    "fieldtest",
    "tt",
    "timetrial",
    "threshold",
    "schwelle",
    "seuil",
];

/// The sport groups estimates are made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SportGroup {
    /// FIT sport 1 (running, trail, treadmill, track).
    Running,
    /// FIT sport 2 (road, mountain, indoor cycling, ...).
    Cycling,
    /// Everything else.
    Other,
}

impl SportGroup {
    /// The group of a session.
    pub fn of(s: &Session) -> SportGroup {
        match s.sport {
            1 => SportGroup::Running,
            2 => SportGroup::Cycling,
            _ => SportGroup::Other,
        }
    }
    /// The name, as used in output and as a profile's `[sport.NAME]` section.
    pub fn name(self) -> &'static str {
        match self {
            SportGroup::Running => "running",
            SportGroup::Cycling => "cycling",
            SportGroup::Other => profile::OTHER_SPORT,
        }
    }
}

/// How sessions are grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Blocks of this many calendar months, starting in January (12: calendar years).
    Months(u32),
    /// One period for the whole archive.
    All,
}

impl Default for Period {
    fn default() -> Self {
        Period::Months(12)
    }
}

impl Period {
    /// Parses `1y`, `6m`, `3m`, `1m`, `12m`, `all`: months must divide a year.
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "all" {
            return Ok(Period::All);
        }
        let bad = || {
            format!("bad period {text:?}: use 1y, 6m, 4m, 3m, 2m, 1m or all (months must divide a year)")
        };
        let (num, unit) = t.split_at(t.len().saturating_sub(1));
        let n: u32 = num.parse().map_err(|_| bad())?;
        let months = match unit {
            "y" if n == 1 => 12,
            "m" if n > 0 && 12 % n == 0 => n,
            _ => return Err(bad()),
        };
        Ok(Period::Months(months))
    }

    /// The first day of the period holding `date`, and the period's label
    /// (`2021`, `2021-07..2021-12`, `2021-03`, or `all`).
    pub fn of(self, date: NaiveDate) -> (NaiveDate, String) {
        match self {
            Period::All => (NaiveDate::MIN, "all".to_string()),
            Period::Months(n) => {
                let first = (date.month0() / n) * n + 1;
                let start = NaiveDate::from_ymd_opt(date.year(), first, 1).unwrap_or(date);
                let label = match n {
                    12 => format!("{}", date.year()),
                    1 => format!("{}-{first:02}", date.year()),
                    _ => format!("{y}-{first:02}..{y}-{:02}", first + n - 1, y = date.year()),
                };
                (start, label)
            }
        }
    }
}

/// The session's counted heart rate as one value per timer second, in order: the HR
/// rule of time in zone ([`crate::timeline::hr_quality`]: spikes bridged by the HR around
/// them, sustained HR above the physiological cap excluded) and its weights ([`zones::session_weights`]:
/// each sample stands for the seconds since the previous one, inside the timer, no
/// dropouts). The one place this module meets the HR-quality rules.
pub fn counted_hr_per_second(a: &Activity, s: &Session) -> Vec<u8> {
    let r = s.samples.clone();
    let weights = zones::session_weights(a, s, TimeInZoneOptions::default());
    // No athlete max HR here (it is what is being estimated): the physiological cap.
    let hr =
        crate::timeline::hr_quality(&a.samples.t_s[r.clone()], &a.samples.hr_bpm[r], None).hr_bpm;
    let mut out = Vec::new();
    for (&h, &w) in hr.iter().zip(&weights) {
        if h != 0 && w > 0.0 {
            let n = w.round() as usize;
            out.extend(std::iter::repeat_n(h, n));
        }
    }
    out
}

/// The highest HR held for `hold` consecutive seconds (the maximum over windows of the
/// window's minimum), and how long HR stayed at or above it in one stretch.
pub fn sustained_peak(hr: &[u8], hold: usize) -> Option<(u8, usize)> {
    if hold == 0 || hr.len() < hold {
        return None;
    }
    // Monotonic deque of indices with increasing HR: the window minimum at its front.
    let mut dq = std::collections::VecDeque::new();
    let mut best = 0u8;
    for (i, &h) in hr.iter().enumerate() {
        while dq.back().is_some_and(|&j: &usize| hr[j] >= h) {
            dq.pop_back();
        }
        dq.push_back(i);
        if dq.front().is_some_and(|&j| j + hold <= i) {
            dq.pop_front();
        }
        if i + 1 >= hold {
            if let Some(&j) = dq.front() {
                best = best.max(hr[j]);
            }
        }
    }
    let (mut run, mut longest) = (0usize, 0usize);
    for &h in hr {
        run = if h >= best { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    Some((best, longest))
}

/// Prefix sums of HR, for window means.
fn prefix(hr: &[u8]) -> Vec<u64> {
    let mut p = Vec::with_capacity(hr.len() + 1);
    p.push(0u64);
    let mut acc = 0u64;
    for &h in hr {
        acc += h as u64;
        p.push(acc);
    }
    p
}

/// Mean of `hr[i..j]` from prefix sums.
fn mean(p: &[u64], i: usize, j: usize) -> f64 {
    (p[j] - p[i]) as f64 / (j - i) as f64
}

/// The best mean HR over `w` consecutive seconds, and where that window starts.
pub fn best_mean(hr: &[u8], w: usize) -> Option<(f64, usize)> {
    best_mean_p(&prefix(hr), w)
}

fn best_mean_p(p: &[u64], w: usize) -> Option<(f64, usize)> {
    let n = p.len().saturating_sub(1);
    if w == 0 || n < w {
        return None;
    }
    let mut best = (0u64, 0usize);
    for i in 0..=n - w {
        let s = p[i + w] - p[i];
        if s > best.0 {
            best = (s, i);
        }
    }
    Some((best.0 as f64 / w as f64, best.1))
}

/// The best 30 minutes of a session, seen as a possible field test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TestWindow {
    /// Mean HR of the best 30 minutes, bpm.
    pub mean_30_bpm: f64,
    /// Mean HR of its last 20 minutes (Friel's LTHR), bpm.
    pub last_20_bpm: f64,
    /// Mean HR of its first 10 minutes, bpm.
    pub first_10_bpm: f64,
    /// The lowest 1-minute mean HR within its last 20 minutes, bpm.
    pub lowest_minute_of_last_20_bpm: f64,
    /// Best 45-minute mean HR of the session, when it holds 45 minutes of HR, bpm.
    pub best_45_bpm: Option<f64>,
}

/// The watch's own settings in a file, where it carries them.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct WatchSettings {
    /// Max HR, bpm.
    pub max_hr: Option<u8>,
    /// Threshold HR, bpm.
    pub lthr: Option<u8>,
    /// Resting HR, bpm.
    pub resting_hr: Option<u8>,
}

/// What one session says about the athlete's thresholds (a few numbers, no samples).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionEfforts {
    /// The input the session came from.
    pub file: String,
    /// 0-based session index.
    pub session: usize,
    /// Start date (UTC), when the file has real dates.
    pub date: Option<NaiveDate>,
    /// Sport group.
    pub sport: SportGroup,
    /// Timer time the watch recorded, s.
    pub timer_s: f64,
    /// Seconds of counted HR.
    pub hr_s: usize,
    /// Labelled a race (workout, sport-profile or file name; [`RACE_WORDS`]).
    pub race: bool,
    /// Labelled a test ([`TEST_WORDS`]).
    pub test_label: bool,
    /// Highest HR held [`MAX_HOLD_S`] s, and the longest stretch at or above it.
    pub peak: Option<(u8, usize)>,
    /// Mean HR over the counted seconds, bpm.
    pub mean_bpm: Option<f64>,
    /// Best 5-minute mean HR, bpm.
    pub best_5_bpm: Option<f64>,
    /// Best 20-minute mean HR, bpm.
    pub best_20_bpm: Option<f64>,
    /// Best 60-minute mean HR, bpm.
    pub best_60_bpm: Option<f64>,
    /// The best 30 minutes, as a possible field test.
    pub test_window: Option<TestWindow>,
    /// The watch's settings in the file.
    pub watch: WatchSettings,
}

/// Whether any of `texts` holds one of `terms` as a whole word (folded, so accents and
/// case do not matter; camel case and digits split words as in the audit's labels).
fn has_word(texts: &[&str], terms: &[&str]) -> bool {
    texts.iter().any(|t| {
        let w = words(t);
        w.iter().any(|x| terms.contains(&x.as_str()))
            // "Time Trial", "Half Marathon", "field test": two words as one term.
            || w.windows(2).any(|p| terms.contains(&format!("{}{}", p[0], p[1]).as_str()))
    })
}

/// The file's own name (after the last `/`, `\` or `:` of a zip entry), without extension.
fn base_name(source: &str) -> &str {
    let name = source.rsplit(['/', '\\', ':']).next().unwrap_or(source);
    name.split('.').next().unwrap_or(name)
}

/// The best 30 minutes of a series (from its prefix sums), as a possible field test.
fn test_window(p: &[u64]) -> Option<TestWindow> {
    let (m30, i) = best_mean_p(p, FIELD_TEST_S)?;
    let tail = i + FIELD_TEST_S - FIELD_TEST_TAIL_S;
    let lowest_minute = (tail..=i + FIELD_TEST_S - 60)
        .map(|k| mean(p, k, k + 60))
        .fold(f64::INFINITY, f64::min);
    Some(TestWindow {
        mean_30_bpm: m30,
        last_20_bpm: mean(p, tail, i + FIELD_TEST_S),
        first_10_bpm: mean(p, i, tail),
        lowest_minute_of_last_20_bpm: lowest_minute,
        best_45_bpm: best_mean_p(p, 45 * 60).map(|x| x.0),
    })
}

impl SessionEfforts {
    /// Reduces one session.
    pub fn of(a: &Activity, s: &Session) -> SessionEfforts {
        let hr = counted_hr_per_second(a, s);
        let p = prefix(&hr);
        let mut texts: Vec<&str> = a.workout_names.iter().map(String::as_str).collect();
        texts.extend(s.sport_profile_name.as_deref());
        texts.extend(a.sport_names.iter().map(String::as_str));
        texts.push(base_name(&a.source));
        SessionEfforts {
            file: a.source.clone(),
            session: s.index,
            date: profile::session_date(a, s),
            sport: SportGroup::of(s),
            timer_s: s.timer_s,
            hr_s: hr.len(),
            race: has_word(&texts, &RACE_WORDS),
            test_label: has_word(&texts, &TEST_WORDS),
            peak: sustained_peak(&hr, MAX_HOLD_S),
            mean_bpm: best_mean_p(&p, hr.len()).map(|x| x.0),
            best_5_bpm: best_mean_p(&p, BACKING_WINDOW_S).map(|x| x.0),
            best_20_bpm: best_mean_p(&p, 20 * 60).map(|x| x.0),
            best_60_bpm: best_mean_p(&p, 60 * 60).map(|x| x.0),
            test_window: test_window(&p),
            watch: WatchSettings {
                max_hr: profile::file_max_hr(a, s).map(|x| x.0),
                lthr: profile::file_lthr(a, s).map(|x| x.0),
                resting_hr: profile::file_resting_hr(a, s).map(|x| x.0),
            },
        }
    }

    /// Every session of a file.
    pub fn of_activity(a: &Activity) -> Vec<SessionEfforts> {
        a.sessions
            .iter()
            .map(|s| SessionEfforts::of(a, s))
            .collect()
    }

    /// The sustained peak, when the session's best 5 minutes back it up.
    pub fn backed_peak(&self) -> Option<(u8, usize)> {
        let (peak, held) = self.peak?;
        let b5 = self.best_5_bpm?;
        (b5 >= BACKED_PEAK_FRACTION * peak as f64).then_some((peak, held))
    }

    /// Friel's LTHR from this session when it looks like a field test in shape (one
    /// effort of about 30 minutes, or labelled a test); maximality is checked against
    /// the period in [`estimate`].
    fn field_test_shape(&self) -> Option<f64> {
        if self.race {
            return None;
        }
        let w = self.test_window?;
        let steady = w.first_10_bpm >= w.last_20_bpm - FIELD_TEST_STEADY_BPM
            && w.lowest_minute_of_last_20_bpm >= w.last_20_bpm - FIELD_TEST_DIP_BPM;
        let about_30 = w
            .best_45_bpm
            .is_none_or(|b45| w.mean_30_bpm - b45 >= FIELD_TEST_SHAPE_BPM);
        (steady && (self.test_label || about_30)).then_some(w.last_20_bpm)
    }
}

/// One session behind an estimate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evidence {
    /// The input.
    pub file: String,
    /// 0-based session index.
    pub session: usize,
    /// Start date (UTC).
    pub date: Option<NaiveDate>,
    /// The session's value for the method, bpm.
    pub bpm: f64,
    /// Seconds the value was held (max HR) or averaged over (LTHR methods), s.
    pub held_s: usize,
}

impl Evidence {
    fn of(e: &SessionEfforts, bpm: f64, held_s: usize) -> Evidence {
        Evidence {
            file: e.file.clone(),
            session: e.session,
            date: e.date,
            bpm,
            held_s,
        }
    }

    /// `file#session date value bpm (held N s)`.
    pub fn text(&self) -> String {
        format!(
            "{}#{} {} {:.0} bpm/{} s",
            self.file,
            self.session,
            self.date.map_or("undated".to_string(), |d| d.to_string()),
            self.bpm,
            self.held_s
        )
    }
}

/// One estimated number with how it was found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// The value, bpm; None: not enough data (or unknown, for resting HR).
    pub value: Option<u8>,
    /// The method (`sustained 10 s`, `field test`, `race 60 min`, `0.95 × best 20 min`,
    /// `watch setting`, `not enough data`, `unknown`).
    pub method: String,
    /// How many qualifying efforts (sessions) support it.
    pub efforts: usize,
    /// The best supporting sessions, best first (at most 3).
    pub evidence: Vec<Evidence>,
}

impl Estimate {
    fn none(method: &str) -> Estimate {
        Estimate {
            value: None,
            method: method.to_string(),
            efforts: 0,
            evidence: Vec::new(),
        }
    }
}

/// The values one setting took in a period's files: the latest, the lowest and highest.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SettingRange {
    /// The value in the period's last file that carries one.
    pub latest: Option<u8>,
    /// Lowest value.
    pub min: Option<u8>,
    /// Highest value.
    pub max: Option<u8>,
}

impl SettingRange {
    fn add(&mut self, v: Option<u8>) {
        if let Some(v) = v {
            self.latest = Some(v);
            self.min = Some(self.min.map_or(v, |m| m.min(v)));
            self.max = Some(self.max.map_or(v, |m| m.max(v)));
        }
    }
    /// `190`, `185-195`, or empty.
    pub fn text(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}-{b}"),
            _ => String::new(),
        }
    }
}

/// The estimates for one sport in one period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeriodEstimate {
    /// Sport group.
    pub sport: SportGroup,
    /// Period label (`2021`, `2021-07..2021-12`, `all`, `undated`).
    pub period: String,
    /// First day of the period (None for undated files).
    pub start: Option<NaiveDate>,
    /// Sessions of this sport in the period.
    pub sessions: usize,
    /// Sessions with at least [`MAX_HOLD_S`] s of counted HR.
    pub sessions_with_hr: usize,
    /// Max HR.
    pub max_hr: Estimate,
    /// LTHR: the method chosen.
    pub lthr: Estimate,
    /// Why that LTHR method was chosen.
    pub lthr_why: String,
    /// LTHR by Friel's field test (the best test of the period).
    pub lthr_field_test: Estimate,
    /// LTHR as the best 60-minute mean HR of a race of 60-110 minutes.
    pub lthr_race: Estimate,
    /// LTHR as 0.95 × the best 20-minute mean HR.
    pub lthr_20min: Estimate,
    /// Resting HR, from the watch's setting in the files.
    pub resting_hr: Estimate,
    /// The watch's max HR setting over the period's files.
    pub watch_max_hr: SettingRange,
    /// The watch's threshold HR setting.
    pub watch_lthr: SettingRange,
    /// The watch's resting HR setting.
    pub watch_resting_hr: SettingRange,
}

fn round_bpm(x: f64) -> u8 {
    x.round().clamp(0.0, 255.0) as u8
}

/// Evidence sorted best first, at most three.
fn top3(mut ev: Vec<Evidence>) -> Vec<Evidence> {
    ev.sort_by(|a, b| b.bpm.total_cmp(&a.bpm).then(a.date.cmp(&b.date)));
    ev.truncate(3);
    ev
}

/// The median of the session mean HR of sessions with at least [`TYPICAL_MIN_S`] of HR.
fn typical_bpm<'a>(efforts: impl Iterator<Item = &'a SessionEfforts>) -> Option<f64> {
    let mut m: Vec<f64> = efforts
        .filter(|e| e.hr_s >= TYPICAL_MIN_S)
        .filter_map(|e| e.mean_bpm)
        .collect();
    if m.is_empty() {
        return None;
    }
    m.sort_by(f64::total_cmp);
    let n = m.len();
    Some(if n % 2 == 1 {
        m[n / 2]
    } else {
        (m[n / 2 - 1] + m[n / 2]) / 2.0
    })
}

/// Max HR over a group of sessions, given the sport's typical session HR.
fn estimate_max_hr(group: &[&SessionEfforts], typical: Option<f64>) -> Estimate {
    let Some(typical) = typical else {
        return Estimate::none("not enough data");
    };
    let backed: Vec<(&SessionEfforts, u8, usize)> = group
        .iter()
        .filter_map(|e| e.backed_peak().map(|(p, h)| (*e, p, h)))
        .filter(|(_, p, _)| *p as f64 >= HARD_PEAK_OVER_TYPICAL * typical)
        .collect();
    let Some(best) = backed.iter().map(|x| x.1).max() else {
        return Estimate::none("not enough data");
    };
    let near = backed
        .iter()
        .filter(|x| x.1 as f64 >= NEAR_MAX_FRACTION * best as f64)
        .count();
    Estimate {
        value: Some(best),
        method: format!("highest HR held {MAX_HOLD_S} s"),
        efforts: near,
        evidence: top3(
            backed
                .iter()
                .map(|(e, p, h)| Evidence::of(e, *p as f64, *h))
                .collect(),
        ),
    }
}

/// The three LTHR methods and the choice among them.
fn estimate_lthr(
    group: &[&SessionEfforts],
    max_hr: Option<u8>,
) -> (Estimate, String, Estimate, Estimate, Estimate) {
    // 0.95 × the best 20-minute mean of a hard session.
    let hard20: Vec<(&SessionEfforts, f64)> = match max_hr {
        Some(m) => group
            .iter()
            .filter_map(|e| e.best_20_bpm.map(|b| (*e, b)))
            .filter(|(_, b)| *b >= HARD_20MIN_FRACTION * m as f64)
            .collect(),
        None => Vec::new(),
    };
    let twenty = match hard20.iter().map(|x| x.1).max_by(f64::total_cmp) {
        Some(b) => Estimate {
            value: Some(round_bpm(TWENTY_MIN_FACTOR * b)),
            method: format!("{TWENTY_MIN_FACTOR} × best 20-min mean"),
            efforts: hard20.len(),
            evidence: top3(
                hard20
                    .iter()
                    .map(|(e, b)| Evidence::of(e, *b, 20 * 60))
                    .collect(),
            ),
        },
        None => Estimate::none("not enough data"),
    };
    let twenty_exact = hard20
        .iter()
        .map(|x| x.1)
        .max_by(f64::total_cmp)
        .map(|b| TWENTY_MIN_FACTOR * b);

    // Friel's field test: a test-shaped session, maximal by the 20-minute rule.
    let tests: Vec<(&SessionEfforts, f64)> = group
        .iter()
        .filter_map(|e| e.field_test_shape().map(|l| (*e, l)))
        .filter(|(_, l)| twenty_exact.is_some_and(|t| *l >= t - FIELD_TEST_MAXIMAL_TOLERANCE_BPM))
        .collect();
    let field = match tests.iter().map(|x| x.1).max_by(f64::total_cmp) {
        Some(l) => Estimate {
            value: Some(round_bpm(l)),
            method: "field test (last 20 of 30 min)".to_string(),
            efforts: tests.len(),
            evidence: top3(
                tests
                    .iter()
                    .map(|(e, l)| Evidence::of(e, *l, FIELD_TEST_TAIL_S))
                    .collect(),
            ),
        },
        None => Estimate::none("no field test"),
    };

    // Races of about an hour.
    let races: Vec<(&SessionEfforts, f64)> = group
        .iter()
        .filter(|e| e.race && (RACE_MIN_S..=RACE_MAX_S).contains(&e.timer_s))
        .filter_map(|e| e.best_60_bpm.map(|b| (*e, b)))
        .collect();
    let race = match races.iter().map(|x| x.1).max_by(f64::total_cmp) {
        Some(b) => Estimate {
            value: Some(round_bpm(b)),
            method: "race, best 60-min mean".to_string(),
            efforts: races.len(),
            evidence: top3(
                races
                    .iter()
                    .map(|(e, b)| Evidence::of(e, *b, 3600))
                    .collect(),
            ),
        },
        None => Estimate::none("no race of 60-110 min"),
    };

    let (chosen, why) = if field.value.is_some() {
        (
            field.clone(),
            "a field test: the direct measurement (Friel)".to_string(),
        )
    } else if race.value.is_some() {
        (
            race.clone(),
            "no field test; a race of about an hour averages close to LTHR (Friel)".to_string(),
        )
    } else if twenty.value.is_some() {
        (
            twenty.clone(),
            "no field test or hour-long race; 95 % of the best hard 20 minutes".to_string(),
        )
    } else if max_hr.is_none() {
        (
            Estimate::none("not enough data"),
            "no max HR estimate to tell hard efforts from easy ones".to_string(),
        )
    } else {
        (
            Estimate::none("not enough data"),
            format!(
                "no 20 minutes at {:.0} % of max HR or more, no field test, no race",
                HARD_20MIN_FRACTION * 100.0
            ),
        )
    };
    (chosen, why, field, race, twenty)
}

/// Groups session efforts by sport and period and estimates each group's thresholds.
/// Rows come sorted by sport (running, cycling, other), then period; undated sessions
/// form their own period, `undated`.
pub fn estimate(efforts: &[SessionEfforts], period: Period) -> Vec<PeriodEstimate> {
    type Key = (SportGroup, Option<NaiveDate>, String);
    let mut groups: BTreeMap<Key, Vec<&SessionEfforts>> = BTreeMap::new();
    for e in efforts {
        let (start, label) = match e.date {
            Some(d) => {
                let (s, l) = period.of(d);
                (Some(s), l)
            }
            None => (None, "undated".to_string()),
        };
        groups.entry((e.sport, start, label)).or_default().push(e);
    }
    let mut out = Vec::new();
    for ((sport, start, label), mut group) in groups {
        group.sort_by(|a, b| (a.date, &a.file, a.session).cmp(&(b.date, &b.file, b.session)));
        let typical = typical_bpm(efforts.iter().filter(|e| e.sport == sport));
        let max_hr = estimate_max_hr(&group, typical);
        let (lthr, lthr_why, field, race, twenty) = estimate_lthr(&group, max_hr.value);
        let (mut wmax, mut wlthr, mut wrest) = Default::default();
        for e in &group {
            SettingRange::add(&mut wmax, e.watch.max_hr);
            SettingRange::add(&mut wlthr, e.watch.lthr);
            SettingRange::add(&mut wrest, e.watch.resting_hr);
        }
        let wrest: SettingRange = wrest;
        let resting_hr = match wrest.latest {
            Some(v) => Estimate {
                value: Some(v),
                method: "watch setting in the files".to_string(),
                efforts: group
                    .iter()
                    .filter(|e| e.watch.resting_hr.is_some())
                    .count(),
                evidence: Vec::new(),
            },
            None => Estimate::none("unknown"),
        };
        out.push(PeriodEstimate {
            sport,
            period: label,
            start,
            sessions: group.len(),
            sessions_with_hr: group.iter().filter(|e| e.hr_s >= MAX_HOLD_S).count(),
            max_hr,
            lthr,
            lthr_why,
            lthr_field_test: field,
            lthr_race: race,
            lthr_20min: twenty,
            resting_hr,
            watch_max_hr: wmax,
            watch_lthr: wlthr,
            watch_resting_hr: wrest,
        });
    }
    // Undated (start None) sorts first in the BTreeMap; put it last within its sport.
    out.sort_by_key(|p| (p.sport, p.start.is_none(), p.start));
    out
}

/// The estimates as an athlete profile: one `[sport.NAME]` section per sport, its
/// first dated period as the section's base and each later period as a `[[change]]`
/// from the period's first day. Only estimated values are written (max HR, LTHR, and
/// resting HR where the files carry it); a value a period lacks stays as before.
pub fn to_profile(estimates: &[PeriodEstimate]) -> AthleteProfile {
    let mut p = AthleteProfile::default();
    for e in estimates.iter().filter(|e| e.start.is_some()) {
        let t = Thresholds {
            max_hr: e.max_hr.value,
            lthr: e
                .lthr
                .value
                .filter(|l| e.max_hr.value.is_none_or(|m| l <= &m)),
            resting_hr: e
                .resting_hr
                .value
                .filter(|r| e.max_hr.value.is_none_or(|m| r < &m)),
            ..Default::default()
        };
        if t.is_empty() {
            continue;
        }
        let section: &mut SportSettings = p.sports.entry(e.sport.name().to_string()).or_default();
        match e.start {
            Some(from) if !section.base.is_empty() => section.changes.push(DatedChange {
                from: from.max(NaiveDate::from_ymd_opt(1989, 12, 31).unwrap_or(from)),
                settings: t,
            }),
            _ => section.base = t,
        }
    }
    p
}

/// A profile as TOML that [`AthleteProfile::from_toml`] reads back (the sports sections
/// and changes; the base settings, when set, first). `header` lines become comments.
pub fn profile_toml(p: &AthleteProfile, header: &[String]) -> String {
    use std::fmt::Write;
    fn settings(out: &mut String, t: &Thresholds, comment: Option<&str>) {
        for (k, v) in [
            ("max_hr", t.max_hr),
            ("lthr", t.lthr),
            ("resting_hr", t.resting_hr),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "{k} = {v}");
            }
        }
        if let Some(m) = t.model {
            let _ = writeln!(out, "model = \"{}\"", m.name());
        }
        if let Some(c) = comment {
            let _ = writeln!(out, "# {c}");
        }
    }
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "# {h}");
    }
    settings(&mut out, &p.base, None);
    for (name, section) in &p.sports {
        let _ = writeln!(out, "\n[sport.{name}]");
        settings(&mut out, &section.base, None);
        for c in &section.changes {
            let _ = writeln!(out, "\n[[sport.{name}.change]]\nfrom = {}", c.from);
            settings(&mut out, &c.settings, None);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_peak_is_the_best_window_minimum() {
        // A 3-sample spike to 200 does not count; 180 held for 4 samples does (hold 4).
        let hr = [150, 200, 200, 200, 150, 179, 180, 180, 181, 180, 170];
        assert_eq!(sustained_peak(&hr, 4), Some((180, 4)));
        assert_eq!(sustained_peak(&hr, 3), Some((200, 3)));
        assert_eq!(sustained_peak(&hr, 12), None);
        // Brute force on random traces.
        let mut rnd = crate::testing::rng(0xDEAD_BEEF_1234_5678);
        for _ in 0..500 {
            let n = 1 + rnd(60) as usize;
            let hr: Vec<u8> = (0..n).map(|_| 100 + rnd(100) as u8).collect();
            let hold = 1 + rnd(12) as usize;
            let brute = (hold <= n).then(|| {
                hr.windows(hold)
                    .map(|w| *w.iter().min().unwrap())
                    .max()
                    .unwrap()
            });
            assert_eq!(
                sustained_peak(&hr, hold).map(|x| x.0),
                brute,
                "{hr:?} {hold}"
            );
        }
    }

    #[test]
    fn best_mean_finds_the_window() {
        let hr = [100, 100, 150, 160, 170, 100];
        assert_eq!(best_mean(&hr, 3), Some((160.0, 2)));
        assert_eq!(best_mean(&hr, 7), None);
    }

    #[test]
    fn periods_parse_and_bucket() {
        let d = NaiveDate::from_ymd_opt(2021, 8, 15).unwrap();
        assert_eq!(Period::parse("1y").unwrap().of(d).1, "2021");
        assert_eq!(Period::parse("6m").unwrap().of(d).1, "2021-07..2021-12");
        assert_eq!(Period::parse("3m").unwrap().of(d).1, "2021-07..2021-09");
        assert_eq!(Period::parse("1m").unwrap().of(d).1, "2021-08");
        assert_eq!(
            Period::parse("6m").unwrap().of(d).0,
            NaiveDate::from_ymd_opt(2021, 7, 1).unwrap()
        );
        assert_eq!(Period::parse("all").unwrap().of(d).1, "all");
        for bad in ["5m", "0m", "2y", "y", "", "6 weeks"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn race_and_test_words_are_whole_words() {
        assert!(has_word(&["Half Marathon Berlin"], &RACE_WORDS));
        assert!(has_word(&["parkrun #312"], &RACE_WORDS));
        assert!(has_word(&["LTHR test"], &TEST_WORDS));
        assert!(has_word(&["30min_TimeTrial"], &TEST_WORDS));
        assert!(!has_word(&["Traceroute"], &RACE_WORDS));
        assert!(!has_word(&["Attest"], &TEST_WORDS));
    }

    fn efforts(file: &str, date: (i32, u32, u32), hr: &[u8]) -> SessionEfforts {
        let p = prefix(hr);
        SessionEfforts {
            file: file.into(),
            session: 0,
            date: NaiveDate::from_ymd_opt(date.0, date.1, date.2),
            sport: SportGroup::Running,
            timer_s: hr.len() as f64,
            hr_s: hr.len(),
            race: false,
            test_label: false,
            peak: sustained_peak(hr, MAX_HOLD_S),
            mean_bpm: best_mean_p(&p, hr.len()).map(|x| x.0),
            best_5_bpm: best_mean_p(&p, BACKING_WINDOW_S).map(|x| x.0),
            best_20_bpm: best_mean_p(&p, 1200).map(|x| x.0),
            best_60_bpm: best_mean_p(&p, 3600).map(|x| x.0),
            test_window: test_window(&p),
            watch: WatchSettings::default(),
        }
    }

    fn trace(segs: &[(usize, u8)]) -> Vec<u8> {
        segs.iter()
            .flat_map(|&(n, h)| std::iter::repeat_n(h, n))
            .collect()
    }

    #[test]
    fn an_artefact_in_an_easy_run_is_not_max_hr() {
        // 40 min at 140 with 30 s of 215 (cadence lock): held, but not backed.
        let easy = efforts(
            "easy.fit",
            (2024, 3, 1),
            &trace(&[(1200, 140), (30, 215), (1200, 140)]),
        );
        assert_eq!(easy.peak, Some((215, 30)));
        assert_eq!(easy.backed_peak(), None);
        let est = estimate(&[easy], Period::default());
        assert_eq!(est[0].max_hr.value, None);
        assert_eq!(est[0].max_hr.method, "not enough data");
        assert_eq!(est[0].lthr.method, "not enough data");
        assert_eq!(est[0].resting_hr.method, "unknown");
    }

    #[test]
    fn field_test_beats_twenty_minutes_and_tempo_is_not_a_test() {
        // Field test: 15 min warm-up, 30 min (5 at 160, 5 at 166, 20 at 170), cool-down.
        let test = efforts(
            "test.fit",
            (2024, 5, 1),
            &trace(&[(900, 135), (300, 160), (300, 166), (1200, 170), (600, 125)]),
        );
        // Intervals reaching 190 (backed: 5 min mean well above 85 %).
        let vo2 = efforts(
            "vo2.fit",
            (2024, 5, 8),
            &trace(&[
                (600, 140),
                (180, 182),
                (60, 190),
                (120, 150),
                (180, 183),
                (60, 190),
                (600, 130),
            ]),
        );
        // A tempo run: 30 min at 155 between easy running: test-shaped, not maximal.
        let tempo = efforts(
            "tempo.fit",
            (2024, 5, 15),
            &trace(&[(900, 135), (1800, 155), (900, 135)]),
        );
        let est = estimate(&[test, vo2, tempo], Period::default());
        let e = &est[0];
        assert_eq!(e.max_hr.value, Some(190));
        assert_eq!(e.max_hr.efforts, 1);
        assert_eq!(e.lthr_field_test.value, Some(170));
        assert_eq!(e.lthr_field_test.efforts, 1, "the tempo run is not a test");
        assert_eq!(e.lthr.value, Some(170));
        assert!(e.lthr.method.starts_with("field test"));
        // 20-min: the best 20 minutes are the test's last 20 at 170 → 161.5.
        assert_eq!(e.lthr_20min.value, Some(162));
        assert_eq!(e.lthr_race.value, None);
    }
}
