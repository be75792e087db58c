//! A coach's roster: several athletes, each with their own inputs and profile, in one
//! `roster.toml`, and the **overview** a coach reads on Monday — per athlete over a
//! window (the last 7 or 28 days, or since a date): sessions, hours, hrTSS, CTL/ATL/TSB
//! at the window's end, recovery-run findings, Zone 1 compliance of easy runs and
//! data-quality warnings, sorted by what needs attention.
//!
//! ```toml
//! [[athlete]]
//! id = "x3cl"                 # [a-z0-9_-], unique: the store's `athlete=` partition value
//! name = "Ana Example"        # optional (default: the id)
//! inputs = ["../shared/fit-corpus2/x3cl+running_page"]  # folders, exports, files
//! profile = "profiles/x3cl.toml"                        # optional athlete profile
//! ```
//!
//! Relative paths are relative to the roster file. A missing input does not stop the
//! roster (bad input never kills a batch): [`Roster::load`] names it in
//! [`Athlete::missing_inputs`], the commands print it and count it as an unreadable input.
//!
//! The overview reuses the one path of each number, never a second implementation:
//! hrTSS from [`crate::load`], CTL/ATL/TSB from [`crate::load::pmc_series`] over the
//! athlete's whole history up to the window's end, recovery-run verdicts from
//! [`crate::audit::batch`] (the same labels and context as `hrzones audit`), easy-run
//! discipline from [`crate::trends::periods`] (as `hrzones summary`).
//!
//! The per-file step is [`overview_file`] (run by the pipeline, in parallel, or over the
//! store); [`summarise`] turns one athlete's results into an [`AthleteOverview`];
//! [`sort_by_attention`] orders the rows; [`overview_table`] is the output table.
//! [`read_overview`] does all of it for a roster read from its FIT inputs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{FixedOffset, NaiveDate};
use serde::Deserialize;

use crate::activity::Activity;
use crate::audit::batch::{self, FileAudit, Labeller};
use crate::audit::Rules;
use crate::load;
use crate::pipeline::{FileReport, FileStatus, Policy};
use crate::profile::{AthleteProfile, ProfileError, Settings};
use crate::report::{Cell, Table};
use crate::trends::periods::{run_kind, stayed_easy, DisciplineRules, RunKind};
use crate::trends::session::{SessionFacts, SteadyFilter};

pub mod facts;

/// The athlete of files read without a roster: single users see no change, and their
/// store rows land in `athlete=default`.
pub const DEFAULT_ATHLETE: &str = "default";

/// Largest roster file read, bytes (a roster of thousands of athletes is far smaller).
const MAX_ROSTER_BYTES: u64 = 16 << 20;

/// Errors reading a roster or computing its overview.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// The file could not be read.
    #[error("could not read roster {path}")]
    Io {
        /// The roster file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, unknown keys, or values that break the rules.
    #[error("roster {path}: {message}")]
    Invalid {
        /// The roster file.
        path: PathBuf,
        /// What is wrong, naming the athlete.
        message: String,
    },
    /// An athlete's profile could not be read.
    #[error("roster {path}: athlete {id:?}")]
    Profile {
        /// The roster file.
        path: PathBuf,
        /// The athlete.
        id: String,
        /// The profile's error.
        #[source]
        source: ProfileError,
    },
    /// `--athlete ID` names nobody in the roster.
    #[error("roster {path} has no athlete {id:?}; its athletes are: {known}")]
    UnknownAthlete {
        /// The roster file.
        path: PathBuf,
        /// The id asked for.
        id: String,
        /// The ids it has, comma separated.
        known: String,
    },
    /// A bad `--since` value.
    #[error("--since {0:?}: give a number of days or weeks (7d, 28d, 4w) or a date YYYY-MM-DD")]
    BadSince(String),
}

/// One athlete of the roster.
#[derive(Debug, Clone, PartialEq)]
pub struct Athlete {
    /// `[a-z0-9_-]`, 1 to 64 characters, unique in the roster.
    pub id: String,
    /// Display name (the id when the file gives none).
    pub name: String,
    /// Inputs (folders, exports, files), resolved against the roster file's folder.
    pub inputs: Vec<PathBuf>,
    /// The inputs that do not exist (named on stderr by the commands; counted as
    /// unreadable inputs).
    pub missing_inputs: Vec<PathBuf>,
    /// The profile's path, resolved, when the roster names one.
    pub profile_path: Option<PathBuf>,
    /// The profile (empty when none: the files' own zones, else archive estimates).
    pub profile: AthleteProfile,
}

impl Athlete {
    /// The athlete's inputs that exist (the others are in [`Athlete::missing_inputs`]).
    pub fn present_inputs(&self) -> Vec<PathBuf> {
        self.inputs
            .iter()
            .filter(|p| !self.missing_inputs.contains(p))
            .cloned()
            .collect()
    }

    /// The athlete's settings: their profile, nothing overridden.
    pub fn settings(&self) -> Settings {
        Settings {
            profile: self.profile.clone(),
            ..Settings::default()
        }
    }
}

/// A roster file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    /// Where it was read from.
    pub path: PathBuf,
    /// The athletes, in file order.
    pub athletes: Vec<Athlete>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    #[serde(default)]
    athlete: Vec<AthleteFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AthleteFile {
    id: String,
    #[serde(default)]
    name: Option<String>,
    inputs: Vec<String>,
    #[serde(default)]
    profile: Option<String>,
}

/// Whether `id` may be an athlete id: 1 to 64 of `[a-z0-9_-]`, not starting with `-`
/// or `_`. It becomes a folder name (`athlete=ID`) that every engine reads the same way
/// on every file system: no case folding, no escaping, no path separators.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with(['-', '_'])
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Roster {
    /// Reads and checks a roster file: TOML with `[[athlete]]` tables (keys `id`,
    /// `name`, `inputs`, `profile`; anything else is an error), ids valid
    /// ([`is_valid_id`]) and unique, at least one input each, profiles readable. Inputs
    /// that do not exist are kept in [`Athlete::missing_inputs`], not an error.
    pub fn load(path: &Path) -> Result<Roster, RosterError> {
        let text = crate::fsutil::read_text_capped(path, MAX_ROSTER_BYTES).map_err(|source| {
            RosterError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Roster::from_toml(&text, path)
    }

    /// Parses roster text; relative paths resolve against `path`'s folder.
    pub fn from_toml(text: &str, path: &Path) -> Result<Roster, RosterError> {
        let invalid = |message: String| RosterError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: RosterFile = toml::from_str(text).map_err(|e| invalid(e.message().into()))?;
        if file.athlete.is_empty() {
            return Err(invalid(
                "no athlete: add [[athlete]] tables with id, name, inputs (and profile)".into(),
            ));
        }
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut seen = HashSet::new();
        let mut athletes = Vec::with_capacity(file.athlete.len());
        for (i, a) in file.athlete.into_iter().enumerate() {
            if !is_valid_id(&a.id) {
                return Err(invalid(format!(
                    "athlete {} has id {:?}: use 1 to 64 of a-z, 0-9, - and _ (not first), e.g. \"ana-m\"",
                    i + 1,
                    a.id
                )));
            }
            if !seen.insert(a.id.clone()) {
                return Err(invalid(format!(
                    "athlete id {:?} appears twice; ids must be unique",
                    a.id
                )));
            }
            if a.inputs.is_empty() || a.inputs.iter().any(|s| s.trim().is_empty()) {
                return Err(invalid(format!(
                    "athlete {:?}: inputs must list at least one folder, export or file, none empty",
                    a.id
                )));
            }
            // Existing inputs canonical, so messages and stored paths read
            // /data/ana/export.zip rather than roster/../data/ana/export.zip.
            let inputs: Vec<PathBuf> = a
                .inputs
                .iter()
                .map(|s| {
                    let p = base.join(s);
                    std::fs::canonicalize(&p).unwrap_or(p)
                })
                .collect();
            let missing_inputs = inputs.iter().filter(|p| !p.exists()).cloned().collect();
            let profile_path = a.profile.as_ref().map(|p| base.join(p));
            let profile = match &profile_path {
                Some(p) => AthleteProfile::read(p).map_err(|source| RosterError::Profile {
                    path: path.to_path_buf(),
                    id: a.id.clone(),
                    source,
                })?,
                None => AthleteProfile::default(),
            };
            athletes.push(Athlete {
                name: a
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| a.id.clone()),
                id: a.id,
                inputs,
                missing_inputs,
                profile_path,
                profile,
            });
        }
        Ok(Roster {
            path: path.to_path_buf(),
            athletes,
        })
    }

    /// The athlete with this id.
    pub fn athlete(&self, id: &str) -> Result<&Athlete, RosterError> {
        self.athletes
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| RosterError::UnknownAthlete {
                path: self.path.clone(),
                id: id.to_string(),
                known: self
                    .athletes
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// One line per missing input, for stderr.
    pub fn missing_lines(&self) -> Vec<String> {
        self.athletes
            .iter()
            .flat_map(|a| {
                a.missing_inputs.iter().map(move |p| {
                    format!(
                        "{}: athlete {}: input {} does not exist",
                        self.path.display(),
                        a.id,
                        p.display()
                    )
                })
            })
            .collect()
    }
}

/// The start of the overview window: `--since 7d`, `28d`, `4w` or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The last N days, the window's end included (7d: the end day and the 6 before).
    Days(u32),
    /// From this date on, included.
    Date(NaiveDate),
}

impl std::str::FromStr for Since {
    type Err = RosterError;
    fn from_str(s: &str) -> Result<Since, RosterError> {
        let bad = || RosterError::BadSince(s.to_string());
        let t = s.trim();
        let number = |digits: &str| {
            digits
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=3660).contains(n))
        };
        if let Some(d) = t.strip_suffix('d') {
            return number(d).map(Since::Days).ok_or_else(bad);
        }
        if let Some(w) = t.strip_suffix('w') {
            return number(w)
                .and_then(|n| n.checked_mul(7))
                .map(Since::Days)
                .ok_or_else(bad);
        }
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Since::Date)
            .map_err(|_| bad())
    }
}

/// The overview's days, both ends included, as calendar days at the options' UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub first: NaiveDate,
    /// Last day (the day CTL/ATL/TSB are read on).
    pub last: NaiveDate,
}

impl Window {
    /// The window of `since` ending on `last`. A date after `last` is an error.
    pub fn new(since: Since, last: NaiveDate) -> Result<Window, RosterError> {
        let first = match since {
            Since::Days(n) => last - chrono::Duration::days(i64::from(n) - 1),
            Since::Date(d) if d <= last => d,
            Since::Date(d) => {
                return Err(RosterError::BadSince(format!(
                    "{d} (after the window's end {last})"
                )))
            }
        };
        Ok(Window { first, last })
    }

    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// Settings of the overview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverviewOptions {
    /// The days shown.
    pub window: Window,
    /// The offset that gives a session's day (as `hrzones load --utc-offset`).
    pub offset: FixedOffset,
    /// CTL and ATL time constants, days.
    pub ctl_days: f64,
    /// ATL time constant, days.
    pub atl_days: f64,
    /// The recovery audit's rules (and the easy-run discipline's, through `discipline`).
    pub rules: Rules,
    /// The easy-run discipline of `hrzones summary` (long-run length, drift rule).
    pub discipline: DisciplineRules,
    /// Attention when TSB at the window's end is below this.
    pub tsb_alert: f64,
    /// Attention when fewer easy runs than this share stayed in Zone 1, %.
    pub easy_z1_alert_pct: f64,
    /// Attention when a session's HR covers less than this share of its timer time, %.
    pub min_hr_coverage_pct: f64,
}

/// TSB below −30 is the "high risk" end of the usual Performance Manager guidance
/// (Allen & Coggan, *Training and Racing with a Power Meter*, 2nd ed. 2010, ch. 7;
/// TrainingPeaks' form ranges): fatigue is piling up faster than fitness.
pub const DEFAULT_TSB_ALERT: f64 = -30.0;
/// At least 80 % of easy runs should stay easy (Seiler's ~80/20 of sessions below the
/// first threshold, Seiler & Kjerland 2006, Scand J Med Sci Sports 16:49-56).
pub const DEFAULT_EASY_Z1_ALERT_PCT: f64 = 80.0;
/// HR over less than 80 % of the timer time understates load and zones.
pub const DEFAULT_MIN_HR_COVERAGE_PCT: f64 = 80.0;

impl OverviewOptions {
    /// The defaults (UTC days, CTL 42 / ATL 7 days, the audit's and summary's rules) for
    /// a window.
    pub fn new(window: Window) -> OverviewOptions {
        let discipline = DisciplineRules::default();
        OverviewOptions {
            window,
            offset: FixedOffset::east_opt(0).expect("0 is a valid offset"),
            ctl_days: load::DEFAULT_CTL_DAYS,
            atl_days: load::DEFAULT_ATL_DAYS,
            rules: discipline.audit,
            discipline,
            tsb_alert: DEFAULT_TSB_ALERT,
            easy_z1_alert_pct: DEFAULT_EASY_Z1_ALERT_PCT,
            min_hr_coverage_pct: DEFAULT_MIN_HR_COVERAGE_PCT,
        }
    }
}

/// What the overview keeps of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionBrief {
    /// Start, Unix s (None: the file has no real dates; such sessions are in no window).
    pub start_unix_s: Option<i64>,
    /// Timer time, s.
    pub timer_s: f64,
    /// hrTSS (None: no HR or thresholds).
    pub hr_tss: Option<f64>,
    /// An easy run (summary's discipline): whether it stayed in Zone 1 (below Seiler's
    /// first threshold by the audit's drift rule); None for other sessions and easy runs
    /// without HR evidence.
    pub easy_stayed_z1: Option<bool>,
    /// Data-quality problems of the session (damage, accepted CRC mismatch, rebuilt
    /// session, HR missing or covering too little of the timer).
    pub quality: Vec<String>,
}

/// The per-file step of the overview (small: no samples).
#[derive(Debug, Clone, Default)]
pub struct FileOverview {
    /// The recovery audit's per-file records.
    pub audit: FileAudit,
    /// Every session.
    pub sessions: Vec<SessionBrief>,
}

/// Analyses one file for the overview: the audit's per-file step and, per session, its
/// hrTSS, easy-run discipline and data-quality problems.
pub fn overview_file(a: &Activity, settings: &Settings, opts: &OverviewOptions) -> FileOverview {
    let steady = SteadyFilter::default();
    let sessions = a
        .sessions
        .iter()
        .map(|s| {
            let f = SessionFacts::compute(a, s, settings, &steady);
            let easy_stayed_z1 = match run_kind(&f, &opts.discipline) {
                Some(RunKind::Easy) => stayed_easy(&f, &opts.discipline),
                _ => None,
            };
            let quality = session_quality(a, s, f.hr_covered_s, f.timer_s, opts);
            SessionBrief {
                start_unix_s: f.start_unix_s,
                timer_s: f.timer_s,
                hr_tss: f.hr_tss,
                easy_stayed_z1,
                quality,
            }
        })
        .collect();
    FileOverview {
        audit: batch::audit_file(a, settings, false),
        sessions,
    }
}

/// A session's data-quality problems as the overview lists them: the session's notes
/// (damage, accepted CRC mismatch, rebuilt session; where the dates' offset came from is
/// not a data problem and is left out), then missing heart rate or heart rate over less
/// than `opts.min_hr_coverage_pct` of the timer time.
pub fn session_quality(
    a: &Activity,
    s: &crate::activity::Session,
    hr_covered_s: f64,
    timer_s: f64,
    opts: &OverviewOptions,
) -> Vec<String> {
    let offset_note: Vec<String> = crate::localtime::offset_note(a, s).into_iter().collect();
    let mut quality: Vec<String> = crate::notes::session_notes(a, s)
        .into_iter()
        .filter(|n| !offset_note.contains(n))
        .collect();
    if hr_covered_s <= 0.0 {
        quality.push("no heart rate".into());
    } else if timer_s > 0.0 {
        let pct = 100.0 * hr_covered_s / timer_s;
        if pct < opts.min_hr_coverage_pct {
            quality.push(format!("heart rate over only {pct:.0} % of the timer time"));
        }
    }
    quality
}

/// One athlete's row of the overview.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AthleteOverview {
    /// Athlete id.
    pub athlete: String,
    /// Display name.
    pub name: String,
    /// First day of the window.
    pub window_start: NaiveDate,
    /// Last day of the window.
    pub window_end: NaiveDate,
    /// Sessions starting in the window (every sport).
    pub sessions: u32,
    /// Their timer time, h.
    pub hours: f64,
    /// Σ hrTSS of those with one.
    pub hr_tss: f64,
    /// Sessions in the window without hrTSS (no HR or thresholds).
    pub sessions_without_hr_tss: u32,
    /// CTL at the window's end (None: no dated session up to then).
    pub ctl: Option<f64>,
    /// ATL at the window's end.
    pub atl: Option<f64>,
    /// TSB on the window's last day (yesterday's CTL − ATL, as `hrzones load --daily`).
    pub tsb: Option<f64>,
    /// Runs labelled recovery in the window.
    pub recovery_runs: u32,
    /// ... with a finding (too long, drifted, no hard session before, too far).
    pub recovery_findings: u32,
    /// Easy runs in the window whose Zone 1 rule could be checked.
    pub easy_runs: u32,
    /// ... that stayed in Zone 1.
    pub easy_in_z1: u32,
    /// `easy_in_z1 / easy_runs`, % (None without easy runs).
    pub easy_z1_pct: Option<f64>,
    /// Sessions in the window with a data-quality problem.
    pub quality_warnings: u32,
    /// Inputs that could not be read (missing, not FIT, broken beyond salvage), all
    /// dates: they have none.
    pub unreadable_files: u32,
    /// Why the coach should look, most pressing first; empty when nothing stands out.
    pub attention: Vec<String>,
    /// The recovery runs with findings: file and verdict, by start.
    pub findings: Vec<String>,
    /// The data-quality problems in the window, one line per session.
    pub quality: Vec<String>,
}

/// One athlete's overview from their files' results (the per-file step over their
/// inputs). `unreadable_inputs`: inputs that could not be read besides the failed
/// reports among `results` (missing paths, unreadable folders or zips). `labeller` gives
/// the recovery labels (with the Strava exports found among the athlete's inputs
/// already added).
pub fn summarise(
    athlete: &Athlete,
    results: Vec<(FileReport, Option<FileOverview>)>,
    unreadable_inputs: u32,
    labeller: &Labeller,
    opts: &OverviewOptions,
) -> AthleteOverview {
    let w = opts.window;
    let day_of = |unix: i64| load::day_number(unix, opts.offset);
    let (first_day, last_day) = (load::day_of_date(w.first), load::day_of_date(w.last));
    let in_window =
        |unix: Option<i64>| unix.is_some_and(|u| (first_day..=last_day).contains(&day_of(u)));
    let mut row = AthleteOverview {
        athlete: athlete.id.clone(),
        name: athlete.name.clone(),
        window_start: w.first,
        window_end: w.last,
        sessions: 0,
        hours: 0.0,
        hr_tss: 0.0,
        sessions_without_hr_tss: 0,
        ctl: None,
        atl: None,
        tsb: None,
        recovery_runs: 0,
        recovery_findings: 0,
        easy_runs: 0,
        easy_in_z1: 0,
        easy_z1_pct: None,
        quality_warnings: 0,
        unreadable_files: unreadable_inputs,
        attention: Vec::new(),
        findings: Vec::new(),
        quality: Vec::new(),
    };
    // Daily load over the whole history up to the window's end: CTL needs months.
    let mut daily: std::collections::BTreeMap<i32, f64> = std::collections::BTreeMap::new();
    let mut audits = Vec::with_capacity(results.len());
    for (report, fo) in results {
        if report.status == FileStatus::Failed {
            row.unreadable_files += 1;
        }
        let Some(fo) = fo else { continue };
        for s in &fo.sessions {
            if let Some(u) = s.start_unix_s {
                let d = day_of(u);
                if d <= last_day {
                    *daily.entry(d).or_insert(0.0) += s.hr_tss.unwrap_or(0.0);
                }
            }
            if !in_window(s.start_unix_s) {
                continue;
            }
            row.sessions += 1;
            row.hours += s.timer_s / 3600.0;
            match s.hr_tss {
                Some(t) => row.hr_tss += t,
                None => row.sessions_without_hr_tss += 1,
            }
            if let Some(ok) = s.easy_stayed_z1 {
                row.easy_runs += 1;
                row.easy_in_z1 += u32::from(ok);
            }
            if !s.quality.is_empty() {
                row.quality_warnings += 1;
                row.quality.push(format!(
                    "{}: {}",
                    batch::base_name(&report.name),
                    s.quality.join("; ")
                ));
            }
        }
        audits.push((report, Some(fo.audit)));
    }
    if let Some((&first, _)) = daily.iter().next() {
        let len = (last_day - first + 1).max(0) as usize;
        let mut loads = vec![0.0; len];
        for (&d, &l) in &daily {
            loads[(d - first) as usize] = l;
        }
        if let Ok(pmc) = load::pmc_series(&loads, opts.ctl_days, opts.atl_days) {
            row.ctl = pmc.ctl.last().copied();
            row.atl = pmc.atl.last().copied();
            row.tsb = pmc.tsb.last().copied();
        }
    }
    row.easy_z1_pct =
        (row.easy_runs > 0).then(|| 100.0 * f64::from(row.easy_in_z1) / f64::from(row.easy_runs));
    let outcome = batch::assemble(audits, labeller, &opts.rules, false);
    for r in outcome
        .rows
        .iter()
        .filter(|r| in_window(r.run.start_unix_s))
    {
        row.recovery_runs += 1;
        if r.judgement.has_finding() {
            row.recovery_findings += 1;
            row.findings.push(format!(
                "{}: {}",
                batch::base_name(&r.run.file),
                r.judgement.verdict_text(&opts.rules)
            ));
        }
    }
    row.attention = attention(&row, opts);
    row
}

/// The reasons to look at an athlete, most pressing first.
fn attention(r: &AthleteOverview, opts: &OverviewOptions) -> Vec<String> {
    let mut out = Vec::new();
    if r.recovery_findings > 0 {
        out.push(format!(
            "recovery {}/{} failed",
            r.recovery_findings, r.recovery_runs
        ));
    }
    if let Some(p) = r.easy_z1_pct.filter(|p| *p < opts.easy_z1_alert_pct) {
        out.push(format!("easy Z1 {p:.0} %"));
    }
    if let Some(t) = r.tsb.filter(|t| *t < opts.tsb_alert) {
        out.push(format!("TSB {t:.0}"));
    }
    if r.sessions == 0 {
        out.push("no sessions".into());
    }
    let data = r.quality_warnings + r.unreadable_files;
    if data > 0 {
        out.push(format!(
            "{data} data {}",
            if data == 1 { "warning" } else { "warnings" }
        ));
    }
    out
}

/// Sorts the rows by what needs the coach's attention: more attention reasons first;
/// among equals, more recovery runs with findings, then the lower TSB (more fatigued;
/// none last), then the athlete id.
pub fn sort_by_attention(rows: &mut [AthleteOverview]) {
    rows.sort_by(|a, b| {
        b.attention
            .len()
            .cmp(&a.attention.len())
            .then(b.recovery_findings.cmp(&a.recovery_findings))
            .then(
                a.tsb
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.tsb.unwrap_or(f64::INFINITY)),
            )
            .then(a.athlete.cmp(&b.athlete))
    });
}

/// The machine columns of the overview table, in order.
pub const COLUMNS: [&str; 21] = [
    "athlete",
    "name",
    "window_start",
    "window_end",
    "sessions",
    "hours",
    "hr_tss",
    "sessions_without_hr_tss",
    "ctl",
    "atl",
    "tsb",
    "recovery_runs",
    "recovery_findings",
    "easy_runs",
    "easy_in_z1",
    "easy_z1_pct",
    "quality_warnings",
    "unreadable_files",
    "attention",
    "findings",
    "quality",
];

/// The overview as a table ([`COLUMNS`]): hours, hrTSS, CTL/ATL/TSB and percentages
/// with one decimal; the lists joined with "; ".
pub fn overview_table(rows: &[AthleteOverview]) -> Table {
    let mut t = Table::new(COLUMNS);
    let list = |v: &[String]| {
        if v.is_empty() {
            Cell::Null
        } else {
            Cell::Str(v.join("; "))
        }
    };
    for r in rows {
        t.push(vec![
            Cell::Str(r.athlete.clone()),
            Cell::Str(r.name.clone()),
            Cell::Str(r.window_start.to_string()),
            Cell::Str(r.window_end.to_string()),
            Cell::Int(r.sessions.into()),
            Cell::float(r.hours, 1),
            Cell::float(r.hr_tss, 1),
            Cell::Int(r.sessions_without_hr_tss.into()),
            Cell::opt_float(r.ctl, 1),
            Cell::opt_float(r.atl, 1),
            Cell::opt_float(r.tsb, 1),
            Cell::Int(r.recovery_runs.into()),
            Cell::Int(r.recovery_findings.into()),
            Cell::Int(r.easy_runs.into()),
            Cell::Int(r.easy_in_z1.into()),
            Cell::opt_float(r.easy_z1_pct, 1),
            Cell::Int(r.quality_warnings.into()),
            Cell::Int(r.unreadable_files.into()),
            list(&r.attention),
            list(&r.findings),
            list(&r.quality),
        ]);
    }
    t
}

/// The settings the athlete's files are analysed with, as every command does it: the
/// athlete's profile; with no profile and several files, the archive's own threshold
/// estimates for files that carry no zones (`hrzones thresholds`). `efforts` are the
/// archive's per-session efforts (a first pass over the same inputs).
pub fn with_archive_estimates(
    mut settings: Settings,
    efforts: &[crate::thresholds::SessionEfforts],
) -> Settings {
    use crate::thresholds;
    if !settings.profile.is_empty() || !settings.overrides.is_empty() {
        return settings;
    }
    let files: HashSet<&str> = efforts.iter().map(|e| e.file.as_str()).collect();
    if files.len() < 2 {
        return settings;
    }
    let estimates = thresholds::to_profile(&thresholds::estimate(
        efforts,
        thresholds::Period::default(),
    ));
    if !estimates.sports.is_empty() {
        settings.profile.archive_estimates = Some(Box::new(estimates));
    }
    settings
}

/// The whole overview of a roster read from each athlete's FIT inputs, sorted by
/// attention ([`sort_by_attention`]). Unreadable inputs are counted in each row, never
/// fatal. `show_progress`: a progress bar on stderr (when it is a terminal).
pub fn read_overview(
    roster: &Roster,
    opts: &OverviewOptions,
    policy: Policy,
    show_progress: bool,
) -> Vec<AthleteOverview> {
    let mut rows: Vec<AthleteOverview> = roster
        .athletes
        .iter()
        .map(|athlete| {
            let present: Vec<PathBuf> = athlete
                .inputs
                .iter()
                .filter(|p| !athlete.missing_inputs.contains(p))
                .cloned()
                .collect();
            let found = crate::source::collect(&present);
            let archive = found.files.len() > 1;
            let settings = if archive {
                let efforts: Vec<_> = crate::pipeline::run(&found.files, policy, false, |a| {
                    crate::thresholds::SessionEfforts::of_activity(a)
                })
                .into_iter()
                .filter_map(|(_, e)| e)
                .flatten()
                .collect();
                with_archive_estimates(athlete.settings(), &efforts)
            } else {
                athlete.settings()
            };
            let results = crate::pipeline::run(&found.files, policy, show_progress, |a| {
                overview_file(a, &settings, opts)
            });
            let unreadable = athlete.missing_inputs.len() + found.errors.len();
            let mut labeller = Labeller::default();
            let _ = labeller.add_found(&found.activity_csvs);
            summarise(athlete, results, unreadable as u32, &labeller, opts)
        })
        .collect();
    sort_by_attention(&mut rows);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Roster, RosterError> {
        Roster::from_toml(text, Path::new("/nonexistent/roster.toml"))
    }

    #[test]
    fn ids_are_safe_folder_names() {
        for ok in ["x3cl", "ana-m", "a_b", "7"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "Ana",
            "a/b",
            "..",
            "a b",
            "-a",
            "_a",
            "é",
            "a=b",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn roster_checks_ids_keys_and_inputs() {
        let r = parse("[[athlete]]\nid = \"ana\"\ninputs = [\"runs\", \"/abs.zip\"]\n").unwrap();
        let a = &r.athletes[0];
        assert_eq!(a.name, "ana", "the name defaults to the id");
        assert_eq!(
            a.inputs,
            vec![
                PathBuf::from("/nonexistent/runs"),
                PathBuf::from("/abs.zip")
            ]
        );
        assert_eq!(
            a.missing_inputs.len(),
            2,
            "missing inputs are kept, not fatal"
        );
        assert!(r.missing_lines()[0].contains("athlete ana: input /nonexistent/runs"));

        let dup = "[[athlete]]\nid = \"a\"\ninputs = [\"x\"]\n[[athlete]]\nid = \"a\"\ninputs = [\"y\"]\n";
        assert!(parse(dup)
            .unwrap_err()
            .to_string()
            .contains("\"a\" appears twice"));
        let bad_id = "[[athlete]]\nid = \"../etc\"\ninputs = [\"x\"]\n";
        assert!(parse(bad_id)
            .unwrap_err()
            .to_string()
            .contains("\"../etc\""));
        let unknown = "[[athlete]]\nid = \"a\"\ninputs = [\"x\"]\nlthr = 170\n";
        assert!(parse(unknown).unwrap_err().to_string().contains("lthr"));
        let no_inputs = "[[athlete]]\nid = \"a\"\ninputs = []\n";
        assert!(parse(no_inputs)
            .unwrap_err()
            .to_string()
            .contains("at least one"));
        assert!(parse("").unwrap_err().to_string().contains("no athlete"));
        let e = r.athlete("bob").unwrap_err().to_string();
        assert!(e.contains("no athlete \"bob\"") && e.contains("ana"), "{e}");
    }

    #[test]
    fn since_and_window() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!("7d".parse::<Since>().unwrap(), Since::Days(7));
        assert_eq!("4w".parse::<Since>().unwrap(), Since::Days(28));
        assert_eq!(
            "2024-05-01".parse::<Since>().unwrap(),
            Since::Date(d("2024-05-01"))
        );
        for bad in ["0d", "7", "d", "-3d", "2024-13-01", "7 days"] {
            assert!(bad.parse::<Since>().is_err(), "{bad}");
        }
        let w = Window::new(Since::Days(7), d("2024-05-12")).unwrap();
        assert_eq!((w.first, w.days()), (d("2024-05-06"), 7));
        let w = Window::new(Since::Date(d("2024-05-01")), d("2024-05-12")).unwrap();
        assert_eq!(w.days(), 12);
        assert!(Window::new(Since::Date(d("2024-06-01")), d("2024-05-12")).is_err());
    }

    fn row(id: &str, attention: usize, findings: u32, tsb: Option<f64>) -> AthleteOverview {
        AthleteOverview {
            athlete: id.into(),
            name: id.into(),
            window_start: NaiveDate::default(),
            window_end: NaiveDate::default(),
            sessions: 1,
            hours: 0.0,
            hr_tss: 0.0,
            sessions_without_hr_tss: 0,
            ctl: None,
            atl: None,
            tsb,
            recovery_runs: findings,
            recovery_findings: findings,
            easy_runs: 0,
            easy_in_z1: 0,
            easy_z1_pct: None,
            quality_warnings: 0,
            unreadable_files: 0,
            attention: vec!["x".into(); attention],
            findings: Vec::new(),
            quality: Vec::new(),
        }
    }

    #[test]
    fn attention_order() {
        let mut rows = vec![
            row("calm", 0, 0, Some(5.0)),
            row("tired", 1, 0, Some(-40.0)),
            row("bad-recovery", 1, 2, Some(0.0)),
            row("two-flags", 2, 0, None),
            row("tired-less", 1, 0, Some(-35.0)),
            row("no-data", 0, 0, None),
        ];
        sort_by_attention(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.athlete.as_str()).collect();
        assert_eq!(
            ids,
            [
                "two-flags",
                "bad-recovery",
                "tired",
                "tired-less",
                "calm",
                "no-data"
            ]
        );
    }

    mod summarise {
        use super::*;
        use crate::analysis::SessionAnalysis;
        use crate::fit::decode::{FitData, SummaryMsg};
        use crate::profile::Thresholds;
        use crate::zones::TimeInZoneOptions;

        const DAY_S: u32 = 86_400;
        /// FIT seconds of 2024-11-09 00:00 UTC (FIT epoch 1989-12-31).
        const T0: u32 = 1_100_000_000 - 1_100_000_000 % DAY_S;

        /// One running session starting `day` days after T0 at 08:00, HR constant.
        fn run(name: &str, day: u32, minutes: u32, hr: u8, workout: Option<&str>) -> Activity {
            let mut fit = FitData::default();
            let start = T0 + day * DAY_S + 8 * 3600;
            let dur = minutes * 60;
            fit.sessions.push(SummaryMsg {
                start_time: Some(start),
                timestamp: Some(start + dur),
                sport: Some(1),
                elapsed_s: Some(dur as f64),
                timer_s: Some(dur as f64),
                distance_m: Some(dur as f64 * 3.0),
                ..Default::default()
            });
            for t in start..=start + dur {
                fit.records.push_basic(t, hr, (t - start) as f64 * 3.0, 3.0);
            }
            fit.workout_names = workout.into_iter().map(str::to_string).collect();
            Activity::from_fit(fit, name)
        }

        fn settings() -> Settings {
            Settings {
                overrides: Thresholds {
                    max_hr: Some(190),
                    resting_hr: Some(50),
                    lthr: Some(170),
                    ..Default::default()
                },
                ..Default::default()
            }
        }

        fn report(name: &str, status: FileStatus) -> FileReport {
            FileReport {
                name: name.into(),
                status,
                messages: Vec::new(),
                bytes: 0,
                hash: name.len() as u64,
                aliases: Vec::new(),
            }
        }

        #[test]
        fn counts_load_and_findings_in_the_window() {
            let st = settings();
            // Window: days 14..=20 after T0. An old hard run on day 0 (CTL only), a hard
            // run on day 18 (1 h above LTHR: Seiler Zone 3, not an easy run), a 45-min
            // "recovery" run the next morning at HR 110 (too long; stayed in Zone 1), an
            // easy 30-min run on day 20 at HR 160 (above T1 = 90 % of LTHR = 153: not
            // in Zone 1), and a run on day 21, after the window.
            let files = [
                run("old.fit", 0, 60, 175, None),
                run("hard.fit", 18, 60, 175, None),
                run("rec.fit", 19, 45, 110, Some("Recovery jog")),
                run("easy.fit", 20, 30, 160, None),
                run("later.fit", 21, 60, 175, None),
            ];
            let first = load::date_of_day(load::day_number(
                i64::from(T0) + 631_065_600,
                FixedOffset::east_opt(0).unwrap(),
            ))
            .unwrap();
            let window = Window::new(Since::Days(7), first + chrono::Duration::days(20)).unwrap();
            assert_eq!(window.first, first + chrono::Duration::days(14));
            let opts = OverviewOptions::new(window);
            let mut results: Vec<(FileReport, Option<FileOverview>)> = files
                .iter()
                .map(|a| {
                    (
                        report(&a.source, FileStatus::Ok),
                        Some(overview_file(a, &st, &opts)),
                    )
                })
                .collect();
            results.push((report("broken.fit", FileStatus::Failed), None));
            let athlete = Athlete {
                id: "ana".into(),
                name: "Ana".into(),
                inputs: Vec::new(),
                missing_inputs: Vec::new(),
                profile_path: None,
                profile: AthleteProfile::default(),
            };
            let r = summarise(&athlete, results, 1, &Labeller::default(), &opts);

            // hrTSS of each session, straight from the load module.
            let tss = |a: &Activity| {
                let s = &a.sessions[0];
                let an = SessionAnalysis::compute(a, s, &st, TimeInZoneOptions::default());
                load::SessionLoad::compute(a, s, &an, &st).hr_tss.unwrap()
            };
            let (old, hard, rec, easy) = (
                tss(&files[0]),
                tss(&files[1]),
                tss(&files[2]),
                tss(&files[3]),
            );
            assert!(hard > 100.0 && rec < 30.0, "{hard} {rec}");
            assert_eq!(r.sessions, 3);
            assert!((r.hours - (60.0 + 45.0 + 30.0) / 60.0).abs() < 1e-9);
            assert!((r.hr_tss - (hard + rec + easy)).abs() < 1e-9);
            assert_eq!(r.sessions_without_hr_tss, 0);

            // CTL/ATL/TSB by the textbook recurrence, day by day from day 0 to day 20.
            let (kc, ka) = ((-1.0f64 / 42.0).exp(), (-1.0f64 / 7.0).exp());
            let (mut c, mut a, mut tsb) = (0.0, 0.0, 0.0);
            for d in 0..=20 {
                let l = match d {
                    0 => old,
                    18 => hard,
                    19 => rec,
                    20 => easy,
                    _ => 0.0,
                };
                tsb = c - a;
                c = c * kc + l * (1.0 - kc);
                a = a * ka + l * (1.0 - ka);
            }
            assert!((r.ctl.unwrap() - c).abs() < 1e-9, "{:?} {c}", r.ctl);
            assert!((r.atl.unwrap() - a).abs() < 1e-9);
            assert!((r.tsb.unwrap() - tsb).abs() < 1e-9);

            assert_eq!((r.recovery_runs, r.recovery_findings), (1, 1));
            assert!(
                r.findings[0].starts_with("rec.fit: too long"),
                "{:?}",
                r.findings
            );
            // Easy runs: the recovery run (stayed) and the 160-bpm run (did not).
            assert_eq!((r.easy_runs, r.easy_in_z1), (2, 1));
            assert_eq!(r.easy_z1_pct, Some(50.0));
            assert_eq!((r.quality_warnings, r.unreadable_files), (0, 2));
            assert_eq!(
                r.attention,
                vec![
                    "recovery 1/1 failed".to_string(),
                    "easy Z1 50 %".into(),
                    "2 data warnings".into()
                ]
            );
        }

        #[test]
        fn sparse_heart_rate_is_a_quality_warning() {
            let st = settings();
            let mut a = run("gaps.fit", 3, 30, 140, None);
            let n = a.samples.hr_bpm.len();
            for h in &mut a.samples.hr_bpm[n / 2..] {
                *h = 0;
            }
            let first = load::date_of_day(load::day_number(
                i64::from(T0) + 631_065_600,
                FixedOffset::east_opt(0).unwrap(),
            ))
            .unwrap();
            let opts = OverviewOptions::new(
                Window::new(Since::Days(7), first + chrono::Duration::days(6)).unwrap(),
            );
            let fo = overview_file(&a, &st, &opts);
            assert_eq!(
                fo.sessions[0].quality.len(),
                1,
                "{:?}",
                fo.sessions[0].quality
            );
            assert!(
                fo.sessions[0].quality[0].contains("only 50 %"),
                "{:?}",
                fo.sessions[0].quality
            );
        }
    }
}
