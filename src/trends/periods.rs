//! The period summaries of `hrzones summary`: one row per ISO week, month, season or
//! year, from the per-session facts ([`SessionFacts`]).
//!
//! - Days are calendar dates of session starts at a fixed UTC offset (as `hrzones load`);
//!   undated sessions stay out. Every day from the first session to the last (or
//!   `until`) belongs to a period, so a week without training is a row with 0 volume.
//! - Seasons are meteorological (Dec-Feb winter, Mar-May spring, Jun-Aug summer,
//!   Sep-Nov autumn); a December counts to the next year's winter (`2024-winter` is
//!   December 2023 to February 2024).
//! - Ratios come with numerator, denominator and n; a ratio with a denominator of 0 is
//!   null with a note, never 0.
//! - "At period end" means the period's last day, or the last day of data when the
//!   period runs past it.
//!
//! Easy-run discipline (the recovery audit's checks applied to every run):
//! - a run is **hard** when it counts as a Zone 3 session
//!   ([`distribution::session_zone`]: 10 min at or above the second threshold, whatever
//!   its length: a long run with a fast finish is a quality session), else **long** when
//!   its timer time is at least [`DisciplineRules::long_run_min`] (90 min), else
//!   **easy**;
//! - an easy or long run **stayed easy** when the audit's drift rule passes with Seiler's
//!   first threshold as the ceiling (at most 10 % of the HR time at or above it and no
//!   stretch above it longer than 60 s, [`audit::Rules`]); its minutes at or above the
//!   first threshold are **grey-zone ("junk") minutes**;
//! - a **hard day** has a session with hrTSS at or above the audit's hard threshold (70);
//!   **hard after hard** counts hard days whose previous day was hard;
//! - an easy run within the audit's hard window (36 h) after a hard session is a
//!   **recovery run after a hard day**; it **passed** when the audit finds it neither
//!   too long (> 40 min) nor drifted out of the athlete's Zone 1.

use std::collections::BTreeMap;

use chrono::{Datelike, FixedOffset, NaiveDate};

use crate::audit::{self, RunFacts, SessionStress, Verdict};
use crate::load;
use crate::trends::distribution::{self, DistributionClass};
use crate::trends::risk::{self, AcwrBand, Monotony, Ratio};
use crate::trends::session::SessionFacts;

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// ISO week (Monday to Sunday), `2024-W05`.
    Week,
    /// Calendar month, `2024-05`.
    Month,
    /// Meteorological season, `2024-spring`.
    Season,
    /// Calendar year, `2024`.
    Year,
}

impl PeriodKind {
    /// The period a date belongs to: its name and its first and last day.
    pub fn of(self, d: NaiveDate) -> (String, NaiveDate, NaiveDate) {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let month_end = |y: i32, m: u32| {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            ymd(ny, nm, 1).pred_opt().unwrap_or_default()
        };
        match self {
            PeriodKind::Week => {
                let mon = d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
                (load::iso_week_name(d), mon, mon + chrono::Duration::days(6))
            }
            PeriodKind::Month => (
                format!("{:04}-{:02}", d.year(), d.month()),
                ymd(d.year(), d.month(), 1),
                month_end(d.year(), d.month()),
            ),
            PeriodKind::Season => {
                let (y, m) = (d.year(), d.month());
                let (name, year, first_m, first_y) = match m {
                    12 => ("winter", y + 1, 12, y),
                    1 | 2 => ("winter", y, 12, y - 1),
                    3..=5 => ("spring", y, 3, y),
                    6..=8 => ("summer", y, 6, y),
                    _ => ("autumn", y, 9, y),
                };
                let first = ymd(first_y, first_m, 1);
                let (ly, lm) = if first_m == 12 {
                    (first_y + 1, 2)
                } else {
                    (first_y, first_m + 2)
                };
                (format!("{year:04}-{name}"), first, month_end(ly, lm))
            }
            PeriodKind::Year => (
                format!("{:04}", d.year()),
                ymd(d.year(), 1, 1),
                ymd(d.year(), 12, 31),
            ),
        }
    }

    /// How many earlier periods the grey-zone trend compares with.
    pub fn creep_lookback(self) -> usize {
        match self {
            PeriodKind::Week => 4,
            PeriodKind::Month => 3,
            PeriodKind::Season => 4,
            PeriodKind::Year => 1,
        }
    }
}

/// A rise of the Zone 2 share by at least this many points over the mean of the
/// previous periods is grey-zone creep.
pub const CREEP_POINTS: f64 = 5.0;

/// The rules of the easy-run discipline (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisciplineRules {
    /// A run this long is a long run, min.
    pub long_run_min: f64,
    /// The recovery audit's rules (drift tolerance, excursion limit, hard session, hard
    /// window, too long).
    pub audit: audit::Rules,
}

impl Default for DisciplineRules {
    fn default() -> Self {
        DisciplineRules {
            long_run_min: 90.0,
            audit: audit::Rules::default(),
        }
    }
}

/// Options of the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryOptions {
    /// Period length.
    pub kind: PeriodKind,
    /// The offset giving the day of a session that carries none of its own.
    pub offset: FixedOffset,
    /// Run the daily series to this date.
    pub until: Option<NaiveDate>,
    /// The ACWR band.
    pub band: AcwrBand,
    /// Easy-run rules.
    pub discipline: DisciplineRules,
}

/// What kind of run a session is, for the discipline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A Zone 3 session by its goal, whatever its length.
    Hard,
    /// Timer time of a long run.
    Long,
    /// Everything else with HR and Seiler zones.
    Easy,
}

/// The kind of a run, or None for non-runs and runs without Seiler zones.
pub fn run_kind(f: &SessionFacts, rules: &DisciplineRules) -> Option<RunKind> {
    if !f.is_run {
        return None;
    }
    let s = f.seiler_s?;
    Some(if distribution::session_zone(s) == 3 {
        RunKind::Hard
    } else if f.timer_s / 60.0 >= rules.long_run_min {
        RunKind::Long
    } else {
        RunKind::Easy
    })
}

/// Whether an easy or long run stayed below Seiler's first threshold by the audit's drift
/// rule (None: no evidence).
pub fn stayed_easy(f: &SessionFacts, rules: &DisciplineRules) -> Option<bool> {
    let ev = f.t1_evidence.as_ref().filter(|e| e.counted_s > 0.0)?;
    let t1 = f.seiler.as_ref()?.t1_bpm;
    let facts = RunFacts {
        timer_s: 0.0,
        distance_m: None,
        z1_ceiling_bpm: Some(t1),
        evidence: Some(ev.clone()),
    };
    Some(!audit::judge(&facts, None, &rules.audit).has(Verdict::Drifted))
}

/// One period's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeriodRow {
    /// Name (`2024-W05`, `2024-05`, `2024-spring`, `2024`).
    pub period: String,
    /// First day.
    pub start: Option<NaiveDate>,
    /// Last day.
    pub end: Option<NaiveDate>,
    /// Sessions.
    pub sessions: u32,
    /// Runs.
    pub runs: u32,
    /// Σ timer time, s.
    pub timer_s: f64,
    /// Σ distance, m.
    pub distance_m: f64,
    /// Σ hrTSS of the sessions that have one.
    pub hr_tss: f64,
    /// Sessions without hrTSS.
    pub sessions_without_hr_tss: u32,
    /// Σ seconds in Seiler's zones.
    pub seiler_s: [f64; 3],
    /// Sessions with Seiler zones (the n of the shares).
    pub sessions_with_zones: u32,
    /// Shares of Seiler's zones (None: no HR time).
    pub shares: Option<[f64; 3]>,
    /// Treff's PI.
    pub pi: Option<f64>,
    /// The class.
    pub class: Option<DistributionClass>,
    /// Sessions per Seiler zone by goal.
    pub sessions_by_zone: [u32; 3],
    /// PI of the session counts.
    pub session_pi: Option<f64>,
    /// Class of the session counts.
    pub session_class: Option<DistributionClass>,
    /// Zone 2 share minus the mean of the previous periods' (points).
    pub z2_trend_pts: Option<f64>,
    /// z2_trend_pts >= [`CREEP_POINTS`].
    pub grey_zone_creep: Option<bool>,
    /// Easy runs (with evidence), of which stayed easy.
    pub easy_runs: u32,
    /// ... stayed easy.
    pub easy_stayed: u32,
    /// Long runs (with evidence).
    pub long_runs: u32,
    /// ... stayed easy.
    pub long_stayed: u32,
    /// Hard runs (Zone 3 sessions).
    pub hard_runs: u32,
    /// Seconds at or above the first threshold in easy and long runs.
    pub grey_s: f64,
    /// Hard days.
    pub hard_days: u32,
    /// Hard days after a hard day.
    pub hard_after_hard: u32,
    /// Easy runs after a hard session.
    pub runs_after_hard: u32,
    /// ... that passed the audit (not too long, stayed in Zone 1).
    pub recovery_ok: u32,
    /// Steady runs with an EF.
    pub steady_runs: u32,
    /// Mean EF.
    pub ef_mean: Option<f64>,
    /// Steady runs with a decoupling.
    pub decoupling_n: u32,
    /// Mean decoupling, %.
    pub decoupling_mean_pct: Option<f64>,
    /// Runs with decoupling < 5 %.
    pub coupled_runs: u32,
    /// Sessions with an HR recovery.
    pub hrr_n: u32,
    /// Mean HR recovery, bpm.
    pub hrr_mean_bpm: Option<f64>,
    /// Sessions with the watch's own 2-minute HR recovery and the HR at the stop.
    pub watch_hrr_n: u32,
    /// Mean of the watch's 2-minute HR drop, bpm.
    pub watch_hrr_mean_bpm: Option<f64>,
    /// The day the "at period end" numbers are for.
    pub as_of: Option<NaiveDate>,
    /// Days of data up to `as_of`.
    pub days_of_data: u32,
    /// EWMA ACWR at period end.
    pub acwr_ewma: Ratio,
    /// Rolling ACWR at period end.
    pub acwr_rolling: Ratio,
    /// The band of the EWMA ratio.
    pub acwr_band: Option<&'static str>,
    /// Monotony of the ISO week holding `as_of`.
    pub monotony: Option<Monotony>,
    /// CTL at period end.
    pub ctl: Option<f64>,
    /// CTL ramp over the last 7 days at period end.
    pub ctl_ramp: Option<f64>,
    /// Why numbers are missing.
    pub notes: Vec<String>,
}

/// The daily series the period rows read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailySeries {
    /// The first day.
    pub first: Option<NaiveDate>,
    /// Σ hrTSS per day.
    pub load: Vec<f64>,
    /// EWMA ACWR per day.
    pub ewma: Vec<Ratio>,
    /// Rolling ACWR per day.
    pub rolling: Vec<Ratio>,
    /// CTL per day.
    pub ctl: Vec<f64>,
    /// CTL ramp per day.
    pub ramp: Vec<Option<f64>>,
}

impl DailySeries {
    /// The date of index `i`.
    pub fn date(&self, i: usize) -> Option<NaiveDate> {
        self.first
            .and_then(|f| f.checked_add_signed(chrono::Duration::days(i as i64)))
    }
    /// The index of a date inside the series.
    pub fn index(&self, d: NaiveDate) -> Option<usize> {
        let f = self.first?;
        let k = (d - f).num_days();
        (k >= 0 && (k as usize) < self.load.len()).then_some(k as usize)
    }
}

/// The day of each session (None: undated).
fn session_days(facts: &[SessionFacts], offset: FixedOffset) -> Vec<Option<NaiveDate>> {
    facts.iter().map(|f| f.day(offset)).collect()
}

/// The daily load and the series computed from it.
pub fn daily_series(facts: &[SessionFacts], opts: &SummaryOptions) -> DailySeries {
    let days = session_days(facts, opts.offset);
    let (Some(first), Some(last)) = (
        days.iter().flatten().min().copied(),
        days.iter().flatten().max().copied(),
    ) else {
        return DailySeries::default();
    };
    let last = opts.until.map_or(last, |u| u.max(last));
    let len = (last - first).num_days() as usize + 1;
    let mut load = vec![0.0; len];
    for (f, d) in facts.iter().zip(&days) {
        if let (Some(d), Some(t)) = (d, f.hr_tss) {
            load[(*d - first).num_days() as usize] += t;
        }
    }
    let ctl = load::pmc_series(&load, load::DEFAULT_CTL_DAYS, load::DEFAULT_ATL_DAYS)
        .map(|p| p.ctl)
        .unwrap_or_default();
    DailySeries {
        first: Some(first),
        ewma: risk::acwr_ewma(&load),
        rolling: risk::acwr_rolling(&load),
        ramp: risk::ramp_rate(&ctl),
        ctl,
        load,
    }
}

/// The period rows, oldest first, and the daily series they were computed from.
pub fn summarise(facts: &[SessionFacts], opts: &SummaryOptions) -> (Vec<PeriodRow>, DailySeries) {
    let series = daily_series(facts, opts);
    let days = session_days(facts, opts.offset);
    let Some(first) = series.first else {
        return (Vec::new(), series);
    };
    let rules = &opts.discipline;
    let mut rows: BTreeMap<NaiveDate, PeriodRow> = BTreeMap::new();
    for i in 0..series.load.len() {
        let Some(d) = series.date(i) else { continue };
        let (name, start, end) = opts.kind.of(d);
        rows.entry(start).or_insert_with(|| PeriodRow {
            period: name,
            start: Some(start),
            end: Some(end),
            ..Default::default()
        });
    }
    // Sessions: volume, zones, discipline, aerobic numbers.
    let archive: Vec<SessionStress> = facts
        .iter()
        .filter_map(|f| {
            Some(SessionStress {
                file: f.file.clone(),
                session: f.session as usize,
                sport: f.sport.clone(),
                start_unix_s: f.start_unix_s?,
                end_unix_s: f.end_unix_s?,
                hr_tss: f.hr_tss,
            })
        })
        .collect();
    let mut ef_sum: BTreeMap<NaiveDate, (f64, f64, f64, f64)> = BTreeMap::new();
    for (f, d) in facts.iter().zip(&days) {
        let Some(d) = *d else { continue };
        let (_, start, _) = opts.kind.of(d);
        let Some(r) = rows.get_mut(&start) else {
            continue;
        };
        r.sessions += 1;
        r.runs += u32::from(f.is_run);
        r.timer_s += f.timer_s;
        r.distance_m += f.distance_m.unwrap_or(0.0);
        match f.hr_tss {
            Some(t) => r.hr_tss += t,
            None => r.sessions_without_hr_tss += 1,
        }
        if let Some(s) = f.seiler_s.filter(|s| s.iter().sum::<f64>() > 0.0) {
            r.sessions_with_zones += 1;
            for (acc, v) in r.seiler_s.iter_mut().zip(s) {
                *acc += v;
            }
            r.sessions_by_zone[distribution::session_zone(s) - 1] += 1;
        }
        let e = ef_sum.entry(start).or_insert((0.0, 0.0, 0.0, 0.0));
        if let Some(ef) = f.ef {
            r.steady_runs += 1;
            e.0 += ef;
        }
        if let Some(dc) = f.decoupling_pct.filter(|_| f.ef.is_some()) {
            r.decoupling_n += 1;
            r.coupled_runs += u32::from(dc < 5.0);
            e.1 += dc;
        }
        if let Some(h) = f.hrr60_bpm {
            r.hrr_n += 1;
            e.2 += h;
        }
        if let Some(h) = f.watch_hrr120_bpm {
            r.watch_hrr_n += 1;
            e.3 += h;
        }
        match run_kind(f, rules) {
            Some(RunKind::Hard) => r.hard_runs += 1,
            Some(kind) => {
                if let Some(ok) = stayed_easy(f, rules) {
                    if kind == RunKind::Long {
                        r.long_runs += 1;
                        r.long_stayed += u32::from(ok);
                    } else {
                        r.easy_runs += 1;
                        r.easy_stayed += u32::from(ok);
                    }
                    r.grey_s += f.t1_evidence.as_ref().map_or(0.0, |e| e.above_z1_s);
                }
                if kind == RunKind::Easy {
                    recovery_check(f, &archive, rules, r);
                }
            }
            None => {}
        }
    }
    for (start, (ef, dc, hrr, whrr)) in ef_sum {
        if let Some(r) = rows.get_mut(&start) {
            r.ef_mean = (r.steady_runs > 0).then(|| ef / r.steady_runs as f64);
            r.decoupling_mean_pct = (r.decoupling_n > 0).then(|| dc / r.decoupling_n as f64);
            r.hrr_mean_bpm = (r.hrr_n > 0).then(|| hrr / r.hrr_n as f64);
            r.watch_hrr_mean_bpm = (r.watch_hrr_n > 0).then(|| whrr / r.watch_hrr_n as f64);
        }
    }
    // Hard days, from the daily session list.
    let hard_tss = rules.audit.hard_tss;
    let mut hard = vec![false; series.load.len()];
    for (f, d) in facts.iter().zip(&days) {
        if let (Some(d), Some(t)) = (d, f.hr_tss) {
            if t >= hard_tss {
                if let Some(i) = series.index(*d) {
                    hard[i] = true;
                }
            }
        }
    }
    for (i, &h) in hard.iter().enumerate() {
        let Some(d) = series.date(i).filter(|_| h) else {
            continue;
        };
        let (_, start, _) = opts.kind.of(d);
        if let Some(r) = rows.get_mut(&start) {
            r.hard_days += 1;
            r.hard_after_hard += u32::from(i > 0 && hard[i - 1]);
        }
    }
    // Shares, classes, and the numbers at period end.
    let last_day = series.date(series.load.len().saturating_sub(1));
    let mut out: Vec<PeriodRow> = rows.into_values().collect();
    for r in out.iter_mut() {
        finish_row(r, &series, first, last_day, opts);
    }
    grey_zone_trend(&mut out, opts.kind.creep_lookback());
    (out, series)
}

/// Counts an easy run after a hard session, and whether it passed the recovery audit.
fn recovery_check(
    f: &SessionFacts,
    archive: &[SessionStress],
    rules: &DisciplineRules,
    r: &mut PeriodRow,
) {
    let (Some(start), Some(end)) = (f.start_unix_s, f.end_unix_s) else {
        return;
    };
    let me = SessionStress {
        file: f.file.clone(),
        session: f.session as usize,
        sport: f.sport.clone(),
        start_unix_s: start,
        end_unix_s: end,
        hr_tss: f.hr_tss,
    };
    let ctx = audit::context_before(&me, archive, &rules.audit);
    if ctx.hard_session.is_none() {
        return;
    }
    r.runs_after_hard += 1;
    let facts = RunFacts {
        timer_s: f.timer_s,
        distance_m: f.distance_m,
        z1_ceiling_bpm: f.z1_ceiling_bpm,
        evidence: f.z1_evidence.clone(),
    };
    let j = audit::judge(&facts, Some(&ctx), &rules.audit);
    let checked = f.z1_ceiling_bpm.is_some() && f.z1_evidence.is_some();
    if checked && !j.has(Verdict::TooLong) && !j.has(Verdict::Drifted) {
        r.recovery_ok += 1;
    }
}

fn finish_row(
    r: &mut PeriodRow,
    series: &DailySeries,
    first: NaiveDate,
    last_day: Option<NaiveDate>,
    opts: &SummaryOptions,
) {
    r.shares = distribution::fractions(r.seiler_s);
    match r.shares {
        Some(f) => {
            r.pi = distribution::polarization_index(f);
            r.class = Some(distribution::classify(f));
            if r.pi.is_none() {
                r.notes
                    .push("PI undefined: no time above the second threshold".into());
            }
        }
        None => r
            .notes
            .push("no distribution: no heart-rate time with Seiler zones".into()),
    }
    let counts = r.sessions_by_zone.map(f64::from);
    if let Some(f) = distribution::fractions(counts) {
        r.session_pi = distribution::polarization_index(f);
        r.session_class = Some(distribution::classify(f));
    }
    let (Some(end), Some(last_day)) = (r.end, last_day) else {
        return;
    };
    let as_of = end.min(last_day);
    r.as_of = Some(as_of);
    let Some(i) = series.index(as_of) else {
        return;
    };
    r.days_of_data = (as_of - first).num_days() as u32 + 1;
    r.acwr_ewma = series.ewma[i];
    r.acwr_rolling = series.rolling[i];
    r.acwr_band = r.acwr_ewma.ratio.map(|x| opts.band.label(x));
    if r.acwr_ewma.ratio.is_none() {
        if (r.days_of_data as usize) < risk::CHRONIC_DAYS {
            r.notes.push(format!(
                "ACWR undefined: {} of {} days of data",
                r.days_of_data,
                risk::CHRONIC_DAYS
            ));
        } else {
            r.notes.push("ACWR undefined: chronic load 0".into());
        }
    }
    r.ctl = series.ctl.get(i).copied();
    r.ctl_ramp = series.ramp.get(i).copied().flatten();
    // Foster's monotony over the ISO week holding as_of (days inside the data only).
    let (_, mon, sun) = PeriodKind::Week.of(as_of);
    let week: Vec<f64> = (0..7)
        .filter_map(|k| series.index(mon + chrono::Duration::days(k)))
        .map(|k| series.load[k])
        .collect();
    r.monotony = risk::monotony(&week);
    if let Some(m) = &r.monotony {
        if m.days < 7 {
            r.notes.push(format!(
                "monotony over {} days of the week {} to {} (the data starts or ends inside it)",
                m.days, mon, sun
            ));
        }
        if m.monotony.is_none() {
            r.notes.push(if m.weekly_load == 0.0 {
                "monotony undefined: no load in the week".into()
            } else {
                "monotony undefined: the same load every day of the week".into()
            });
        }
    }
    if r.steady_runs == 0 && r.runs > 0 {
        r.notes.push("no steady runs for EF".into());
    }
}

/// Zone 2 share against the mean of the previous `k` periods with a distribution.
fn grey_zone_trend(rows: &mut [PeriodRow], k: usize) {
    let mut history: Vec<f64> = Vec::new();
    for r in rows.iter_mut() {
        let Some(f) = r.shares else { continue };
        let z2 = 100.0 * f[1];
        if !history.is_empty() {
            let from = history.len().saturating_sub(k);
            let prev = &history[from..];
            let mean = prev.iter().sum::<f64>() / prev.len() as f64;
            r.z2_trend_pts = Some(z2 - mean);
            r.grey_zone_creep = Some(z2 - mean >= CREEP_POINTS);
        }
        history.push(z2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_have_names_and_bounds() {
        assert_eq!(
            PeriodKind::Week.of(d(2024, 1, 3)),
            ("2024-W01".into(), d(2024, 1, 1), d(2024, 1, 7))
        );
        assert_eq!(
            PeriodKind::Month.of(d(2024, 2, 10)),
            ("2024-02".into(), d(2024, 2, 1), d(2024, 2, 29))
        );
        assert_eq!(
            PeriodKind::Season.of(d(2023, 12, 5)),
            ("2024-winter".into(), d(2023, 12, 1), d(2024, 2, 29))
        );
        assert_eq!(
            PeriodKind::Season.of(d(2024, 10, 5)),
            ("2024-autumn".into(), d(2024, 9, 1), d(2024, 11, 30))
        );
        assert_eq!(
            PeriodKind::Year.of(d(2024, 10, 5)),
            ("2024".into(), d(2024, 1, 1), d(2024, 12, 31))
        );
    }
}
