//! `hrzones report`: a static HTML site to share — a roster index and one page per
//! athlete (recent weeks, the recovery-run audit with each run's chart, load and the
//! PMC, time in zone) — that opens from `file://` with no network, no CDN and no
//! JavaScript. Charts are the library's own ([`crate::chart`]) drawn as SVG and put
//! inline; tables scroll sideways on a phone.
//!
//! The pipeline: the caller runs the audit over an athlete's inputs
//! ([`crate::audit::batch`]), then one more pass with [`collect_activity`], which keeps a
//! small [`SessionSummary`] per session and draws the chart of each audited run chosen by
//! [`charted_runs`] while its samples are at hand. [`build_site`] turns the
//! [`AthleteReport`]s into pages (in memory, deterministic: the same inputs give the same
//! bytes), and [`write::write_site`] replaces the output folder atomically.
//!
//! What it must not do: read input files itself (the caller's pipeline does), write
//! anywhere but the output folder, or put an unescaped input string into a page
//! ([`html`]).

pub mod html;
pub mod pages;
pub mod write;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::activity::Activity;
use crate::analysis::SessionAnalysis;
use crate::audit::batch::AuditOutcome;
use crate::audit::Rules;
use crate::chart::{self, ChartFormat, RunChartInput};
use crate::profile::{session_date, Settings};
use crate::zones::TimeInZoneOptions;

pub use pages::build_site;
pub use write::{check_out_dir, write_site};

/// A session and the input it came from: (file, session index).
pub type SessionKey = (String, usize);

/// One session, as small as the pages need (no samples).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    /// Input name (its first name, as the audit knows it).
    pub file: String,
    /// 0-based session index in the file.
    pub session: usize,
    /// Start date, UTC (None: the file has no real dates).
    pub date: Option<NaiveDate>,
    /// Sport name.
    pub sport: String,
    /// Timer time, s.
    pub timer_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// hrTSS, as `hrzones load` computes it.
    pub hr_tss: Option<f64>,
    /// Seconds per zone, index 0 = below Z1 (None: no zones or no heart rate).
    pub secs_in_zone: Option<Vec<f64>>,
}

/// What [`collect_activity`] keeps of one file.
#[derive(Debug, Clone, Default)]
pub struct ActivityPart {
    /// Every session.
    pub sessions: Vec<SessionSummary>,
    /// Inline SVG of the charted runs.
    pub charts: Vec<(SessionKey, String)>,
    /// Runs to chart whose chart could not be drawn, and why.
    pub chart_problems: Vec<(SessionKey, String)>,
}

/// The per-file step: a summary of every session, and the SVG chart of each session in
/// `charted` (key → the audit's verdict, shown in the chart's title).
pub fn collect_activity(
    a: &Activity,
    settings: &Settings,
    charted: &HashMap<SessionKey, String>,
) -> ActivityPart {
    let mut part = ActivityPart::default();
    for s in &a.sessions {
        let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
        let hr_tss = crate::load::SessionLoad::compute(a, s, &an, settings).hr_tss;
        let has_hr = an.hr_covered_s > 0.0;
        let key = (a.source.clone(), s.index);
        if let Some(verdict) = charted.get(&key) {
            let drawn = RunChartInput::from_session(a, s, &an, hr_tss, Some(verdict.clone()))
                .and_then(|input| chart::run_chart_bytes(&input, ChartFormat::Svg));
            match drawn {
                Ok((bytes, _)) => part
                    .charts
                    .push((key.clone(), String::from_utf8_lossy(&bytes).into())),
                Err(e) => part.chart_problems.push((key.clone(), e.to_string())),
            }
        }
        part.sessions.push(SessionSummary {
            file: key.0,
            session: s.index,
            date: session_date(a, s),
            sport: s.sport_name().to_string(),
            timer_s: s.timer_s,
            distance_m: s.distance_m.filter(|d| d.is_finite() && *d >= 0.0),
            hr_tss,
            secs_in_zone: an.secs_in_zone.filter(|_| has_hr),
        });
    }
    part
}

/// The audited runs that get a chart: the latest `max` by start (undated runs last).
/// Key → verdict text, as [`collect_activity`] takes it.
pub fn charted_runs(
    audit: &AuditOutcome,
    rules: &Rules,
    max: usize,
) -> HashMap<SessionKey, String> {
    // `assemble` sorts rows by start, undated last: the latest dated are at the end.
    let mut dated: Vec<_> = audit
        .rows
        .iter()
        .filter(|r| r.run.start_unix_s.is_some())
        .collect();
    dated.reverse();
    let undated = audit.rows.iter().filter(|r| r.run.start_unix_s.is_none());
    dated
        .into_iter()
        .chain(undated)
        .take(max)
        .map(|r| {
            (
                (r.run.file.clone(), r.run.session),
                r.judgement.verdict_text(rules),
            )
        })
        .collect()
}

/// An athlete as the report names them.
#[derive(Debug, Clone, PartialEq)]
pub struct Athlete {
    /// Short id (the page's file name is made from it).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// Everything the pages show of one athlete.
#[derive(Debug, Clone)]
pub struct AthleteReport {
    /// Who.
    pub athlete: Athlete,
    /// Every session read.
    pub sessions: Vec<SessionSummary>,
    /// The recovery-run audit.
    pub audit: AuditOutcome,
    /// Its rules.
    pub rules: Rules,
    /// Inline SVG per charted run.
    pub run_charts: HashMap<SessionKey, String>,
    /// Data-quality lines: files that failed or were salvaged, charts not drawn.
    pub problems: Vec<String>,
    /// Files that could not be read.
    pub failed_files: usize,
    /// The batch's summary line ("412 ok, 2 salvaged, 0 failed, …").
    pub files_line: String,
    /// The coach's overview of the 7 days to the report's end, as `hrzones roster
    /// --since 7d` computes it.
    pub overview_7d: crate::roster::AthleteOverview,
    /// … and of the 28 days.
    pub overview_28d: crate::roster::AthleteOverview,
}

impl AthleteReport {
    /// The last session date, if any session has one.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.sessions.iter().filter_map(|s| s.date).max()
    }
}

/// Report settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteOptions {
    /// Last day of the report (the recent weeks end here); None: the latest session of
    /// any athlete.
    pub until: Option<NaiveDate>,
    /// How many ISO weeks the "recent weeks" table and chart show.
    pub weeks: usize,
    /// Title of the index page.
    pub title: String,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions {
            until: None,
            weeks: 12,
            title: "Training report".into(),
        }
    }
}

/// The CTL/ATL/TSB of every day from the first dated session with an hrTSS to `end`
/// (rest days zero), as `hrzones load --daily` computes it: hrTSS summed per UTC day,
/// τ 42 and 7 days, TSB the day before's CTL − ATL. Empty when no session qualifies or
/// `end` is before the first.
pub fn daily_pmc(sessions: &[SessionSummary], end: NaiveDate) -> Vec<chart::PmcDay> {
    let dated: Vec<(NaiveDate, f64)> = sessions
        .iter()
        .filter_map(|s| Some((s.date?, s.hr_tss?)))
        .filter(|(d, _)| *d <= end)
        .collect();
    let Some(first) = dated.iter().map(|d| d.0).min() else {
        return Vec::new();
    };
    let n = (end - first).num_days() as usize + 1;
    let mut load = vec![0.0; n];
    for (d, tss) in &dated {
        load[(*d - first).num_days() as usize] += tss;
    }
    let Ok(pmc) = crate::load::pmc_series(
        &load,
        crate::load::DEFAULT_CTL_DAYS,
        crate::load::DEFAULT_ATL_DAYS,
    ) else {
        return Vec::new();
    };
    (0..n)
        .filter_map(|i| {
            Some(chart::PmcDay {
                date: first.checked_add_signed(chrono::Duration::days(i as i64))?,
                ctl: pmc.ctl[i],
                atl: pmc.atl[i],
                tsb: pmc.tsb[i],
            })
        })
        .collect()
}

/// Zone groups shown in tables: at or below Z1, Z2, Z3, Z4, and Z5 and above (Friel's
/// Z5a–c, any higher zone of a custom model). Index 0 of `secs_in_zone` is below Z1.
pub const ZONE_GROUPS: [&str; 5] = ["≤ Z1", "Z2", "Z3", "Z4", "Z5+"];

/// Seconds per zone folded into [`ZONE_GROUPS`].
pub fn zone_groups(secs_in_zone: &[f64]) -> [f64; 5] {
    let mut g = [0.0; 5];
    for (i, s) in secs_in_zone.iter().enumerate() {
        g[i.saturating_sub(1).min(4)] += s;
    }
    g
}

/// Totals over a set of sessions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Sessions.
    pub sessions: usize,
    /// Timer time, s.
    pub timer_s: f64,
    /// Distance, m.
    pub distance_m: f64,
    /// Σ hrTSS.
    pub hr_tss: f64,
    /// Sessions without an hrTSS.
    pub without_hr_tss: usize,
    /// Seconds per zone group ([`ZONE_GROUPS`]).
    pub zone_s: [f64; 5],
}

impl Totals {
    /// Adds one session.
    pub fn add(&mut self, s: &SessionSummary) {
        self.sessions += 1;
        self.timer_s += s.timer_s.max(0.0);
        self.distance_m += s.distance_m.unwrap_or(0.0);
        match s.hr_tss {
            Some(t) => self.hr_tss += t,
            None => self.without_hr_tss += 1,
        }
        if let Some(z) = &s.secs_in_zone {
            for (a, b) in self.zone_s.iter_mut().zip(zone_groups(z)) {
                *a += b;
            }
        }
    }

    /// The sessions dated `from..=to`.
    pub fn between(sessions: &[SessionSummary], from: NaiveDate, to: NaiveDate) -> Totals {
        let mut t = Totals::default();
        for s in sessions {
            if s.date.is_some_and(|d| d >= from && d <= to) {
                t.add(s);
            }
        }
        t
    }

    /// Percent of heart-rate time in each zone group (None without any).
    pub fn zone_pct(&self) -> Option<[f64; 5]> {
        let total: f64 = self.zone_s.iter().sum();
        (total > 0.0).then(|| self.zone_s.map(|s| 100.0 * s / total))
    }
}

/// The weeks (Monday first) of `weeks` ISO weeks ending with the one holding `end`.
pub fn recent_weeks(end: NaiveDate, weeks: usize) -> Vec<NaiveDate> {
    let last = chart::monday_of(end);
    (0..weeks.max(1))
        .rev()
        .filter_map(|i| last.checked_sub_signed(chrono::Duration::weeks(i as i64)))
        .collect()
}

/// Sessions per (sport) in the dates `from..=to`, sorted by time.
pub fn totals_by_sport(
    sessions: &[SessionSummary],
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Vec<(String, Totals)> {
    let mut map: BTreeMap<String, Totals> = BTreeMap::new();
    for s in sessions {
        let inside = match (s.date, from) {
            (Some(d), Some(f)) => d >= f && d <= to,
            (Some(d), None) => d <= to,
            (None, from) => from.is_none(),
        };
        if inside {
            map.entry(s.sport.clone()).or_default().add(s);
        }
    }
    let mut v: Vec<(String, Totals)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.timer_s.total_cmp(&a.1.timer_s).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn session(date: &str, tss: Option<f64>, zones: Option<Vec<f64>>) -> SessionSummary {
        SessionSummary {
            file: format!("{date}.fit"),
            session: 0,
            date: Some(day(date)),
            sport: "running".into(),
            timer_s: 3600.0,
            distance_m: Some(10_000.0),
            hr_tss: tss,
            secs_in_zone: zones,
        }
    }

    #[test]
    fn pmc_matches_the_closed_form_of_a_constant_load() {
        // 100 hrTSS every day for 42 days from zero: CTL = 100 (1 − e^(−42/42)).
        let sessions: Vec<_> = (0..42)
            .map(|i| {
                let d = day("2024-01-01") + chrono::Duration::days(i);
                session(&d.to_string(), Some(100.0), None)
            })
            .collect();
        let pmc = daily_pmc(&sessions, day("2024-02-11"));
        assert_eq!(pmc.len(), 42);
        let last = pmc.last().unwrap();
        assert!((last.ctl - 100.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9);
        assert!((last.atl - 100.0 * (1.0 - (-6.0f64).exp())).abs() < 1e-9);
        // Rest days after the last session are counted down to `end`.
        let later = daily_pmc(&sessions, day("2024-02-18"));
        assert_eq!(later.len(), 49);
        assert!(later.last().unwrap().atl < last.atl * 0.4);
        assert!(daily_pmc(&sessions, day("2023-12-31")).is_empty());
    }

    #[test]
    fn zones_fold_into_five_groups() {
        // Below Z1, Z1..Z7 (Friel): Z5a..Z5c go to Z5+.
        let g = zone_groups(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(g, [3.0, 3.0, 4.0, 5.0, 21.0]);
        assert_eq!(zone_groups(&[0.0, 10.0]), [10.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn totals_count_the_window_only() {
        let s = vec![
            session("2024-03-01", Some(50.0), Some(vec![0.0, 30.0, 10.0])),
            session("2024-03-05", None, None),
            session("2024-02-01", Some(80.0), None),
        ];
        let t = Totals::between(&s, day("2024-02-28"), day("2024-03-05"));
        assert_eq!(t.sessions, 2);
        assert_eq!(t.hr_tss, 50.0);
        assert_eq!(t.without_hr_tss, 1);
        assert_eq!(t.zone_pct().unwrap()[0], 75.0);
        assert_eq!(t.timer_s, 7200.0);
    }

    #[test]
    fn recent_weeks_end_with_the_week_of_the_end_day() {
        let w = recent_weeks(day("2024-03-06"), 3); // a Wednesday
        assert_eq!(
            w,
            vec![day("2024-02-19"), day("2024-02-26"), day("2024-03-04")]
        );
    }
}
