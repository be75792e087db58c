//! `hrzones roster [--roster FILE] [--since 7d|28d|DATE] [--until DATE] [--store DIR]`:
//! the coach's overview, one row per athlete of the roster over the window — sessions,
//! hours, hrTSS, CTL/ATL/TSB at the window's end, recovery runs with findings, easy runs
//! that stayed in Zone 1, data-quality warnings — most in need of attention first.
//!
//! Columns: athlete, name, window_start, window_end, sessions, hours, hr_tss,
//! sessions_without_hr_tss, ctl, atl, tsb, recovery_runs, recovery_findings, easy_runs,
//! easy_in_z1, easy_z1_pct, quality_warnings, unreadable_files, attention, findings,
//! quality. Definitions: the `roster` module docs and docs/ROSTER.md.
//!
//! Exit codes: 0 every input read; 1 some inputs could not be read (named on stderr,
//! counted in `unreadable_files`); 2 usage or fatal error (bad roster, bad flags). With
//! `--store`, files that failed at ingest count in `unreadable_files` and exit 0 (they
//! were reported by the ingest, as for every command reading a store).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;

use crate::audit::batch::Labeller;
use crate::cli::{InputArgs, OutputArgs};
use crate::load;
use crate::pipeline::{FileStatus, Summary};
use crate::report::Format;
use crate::roster::{self, overview_file, OverviewOptions, Roster, Since, Window};
use crate::terminal::{Col, Show};

/// Arguments of `hrzones roster`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Order: athletes with more attention reasons come first; among equals, more recovery
runs with findings, then the lower TSB (more fatigued), then the id. Attention reasons:
recovery runs with findings (the audit's verdicts), easy runs in Zone 1 below
--easy-z1-alert-pct, TSB below --tsb-alert, no session in the window, data-quality
warnings (damaged or unreadable files, missing or sparse heart rate).

Each athlete is analysed as `hrzones audit`/`load` would with --roster FILE --athlete ID:
their profile, else their files' zones, else their archive's own estimates.

Examples:
  hrzones roster --roster roster.toml --since 7d
  hrzones roster --roster roster.toml --since 28d --until 2024-05-12 --format csv
  hrzones ingest --roster roster.toml --store store/ && hrzones roster --store store/")]
pub struct Args {
    /// The roster file (see docs/ROSTER.md).
    #[arg(long, value_name = "FILE", default_value = "roster.toml")]
    roster: PathBuf,
    /// Only this athlete (repeatable).
    #[arg(long, value_name = "ID")]
    athlete: Vec<String>,
    /// The window: the last N days (7d, 28d) or weeks (4w) up to --until, or a date.
    #[arg(long, value_name = "7d|28d|DATE", default_value = "7d", value_parser = parse_since)]
    since: Since,
    /// The window's last day (default: today at --utc-offset).
    #[arg(long, value_name = "YYYY-MM-DD")]
    until: Option<NaiveDate>,
    /// The offset at which a session's start gives its day: UTC, +02:00, -05:30.
    #[arg(
        long,
        default_value = "UTC",
        value_name = "OFFSET",
        allow_hyphen_values = true
    )]
    utc_offset: String,
    /// Read the store written by `hrzones ingest --roster` instead of the FIT inputs.
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Analyse files whose CRC does not match (each still gets a warning).
    #[arg(long)]
    accept_bad_crc: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Attention when TSB at the window's end is below this.
    #[arg(long, value_name = "TSB", default_value_t = roster::DEFAULT_TSB_ALERT, allow_negative_numbers = true, help_heading = "Rules")]
    tsb_alert: f64,
    /// Attention when fewer of the easy runs stayed in Zone 1, %.
    #[arg(long, value_name = "PCT", default_value_t = roster::DEFAULT_EASY_Z1_ALERT_PCT, help_heading = "Rules")]
    easy_z1_alert_pct: f64,
    /// A session with at least this hrTSS is hard (the audit's --hard-tss).
    #[arg(
        long,
        value_name = "TSS",
        default_value_t = 70.0,
        help_heading = "Rules"
    )]
    hard_tss: f64,
    #[command(flatten)]
    output: OutputArgs,
}

fn parse_since(s: &str) -> Result<Since, String> {
    s.parse().map_err(|e: roster::RosterError| e.to_string())
}

/// The terminal view: 80 columns hold the numbers; the attention text takes the rest,
/// wrapped (never cut).
const VIEW: [Col; 12] = [
    Col::new("athlete", "athlete", Show::Plain).shrinkable(12),
    Col::new("sessions", "sess", Show::Plain),
    Col::new("hours", "hours", Show::Plain),
    Col::new("hr_tss", "hrTSS", Show::Plain),
    Col::new("ctl", "CTL", Show::Plain),
    Col::new("atl", "ATL", Show::Plain).optional(2),
    Col::new("tsb", "TSB", Show::Plain),
    Col::new("recovery_runs", "recov", Show::Plain).optional(4),
    Col::new("recovery_findings", "failed", Show::Plain),
    Col::new("easy_z1_pct", "easyZ1%", Show::Plain),
    Col::new("quality_warnings", "warn", Show::Plain).optional(3),
    Col::new("attention", "attention", Show::Plain),
];

/// Today at `offset`.
fn today(offset: chrono::FixedOffset) -> NaiveDate {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    load::date_of_day(load::day_number(now, offset)).unwrap_or_default()
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    super::check_output(&args.output)?;
    let offset = load::parse_utc_offset(&args.utc_offset)?;
    let until = args.until.unwrap_or_else(|| today(offset));
    load::check_until(until)?;
    let window = Window::new(args.since, until)?;
    let mut opts = OverviewOptions::new(window);
    opts.offset = offset;
    opts.tsb_alert = args.tsb_alert;
    opts.easy_z1_alert_pct = args.easy_z1_alert_pct;
    opts.rules.hard_tss = args.hard_tss;
    opts.discipline.audit.hard_tss = args.hard_tss;
    opts.rules.validate().map_err(anyhow::Error::msg)?;

    let roster = Roster::load(&args.roster)?;
    for id in &args.athlete {
        roster.athlete(id)?;
    }
    let athletes: Vec<&roster::Athlete> = roster
        .athletes
        .iter()
        .filter(|a| args.athlete.is_empty() || args.athlete.contains(&a.id))
        .collect();
    if args.store.is_none() {
        for line in roster.missing_lines() {
            eprintln!("hrzones: {line}");
        }
    }
    if let Some(dir) = &args.store {
        stale_facts_notes(dir, &args.roster, &athletes);
    }

    let mut total = Summary::default();
    let mut rows = Vec::with_capacity(athletes.len());
    for athlete in athletes {
        let input = InputArgs {
            paths: if args.store.is_some() {
                Vec::new()
            } else {
                athlete.present_inputs()
            },
            store: args.store.clone(),
            accept_bad_crc: args.accept_bad_crc,
            quiet: args.quiet,
            roster: None,
            // Selects the athlete's stored files; files read directly are theirs already.
            athlete: args.store.as_ref().map(|_| athlete.id.clone()),
            // The overview's days are at --utc-offset; the sessions' local dates too.
            tz: Some(args.utc_offset.clone()),
            since: None,
            until: None,
        };
        let missing = if args.store.is_some() {
            0
        } else {
            athlete.missing_inputs.len()
        };
        let read = (|| {
            if input.paths.is_empty() && input.store.is_none() {
                anyhow::bail!("no input left to read");
            }
            let settings = super::thresholds::with_archive_estimates(&input, athlete.settings())?;
            super::run_inputs_labelled(&input, true, |a| overview_file(a, &settings, &opts))
        })();
        let row = match read {
            Ok(((results, summary), csvs)) => {
                let mut labeller = Labeller::default();
                for w in labeller.add_found(&csvs) {
                    eprintln!("hrzones: warning: athlete {}: {w}", athlete.id);
                }
                let failed_reports = results
                    .iter()
                    .filter(|(r, _)| r.status == FileStatus::Failed)
                    .count();
                let other_failures = summary.failed.saturating_sub(failed_reports) + missing;
                add(&mut total, &summary);
                total.failed += missing;
                roster::summarise(athlete, results, other_failures as u32, &labeller, &opts)
            }
            Err(e) => {
                eprintln!("hrzones: athlete {}: {e:#}", athlete.id);
                total.failed += missing.max(1);
                roster::summarise(
                    athlete,
                    Vec::new(),
                    missing.max(1) as u32,
                    &Labeller::default(),
                    &opts,
                )
            }
        };
        rows.push(row);
    }
    roster::sort_by_attention(&mut rows);
    let table = roster::overview_table(&rows);
    let header = format!(
        "window {} to {} ({} days, UTC{}); CTL/ATL/TSB on {}",
        window.first,
        window.last,
        window.days(),
        if args.utc_offset.eq_ignore_ascii_case("utc") {
            String::new()
        } else {
            args.utc_offset.clone()
        },
        window.last
    );
    if super::format_of(&args.output) == Format::Table {
        let mut trailer = vec![String::new(), header];
        // The details behind the attention column, a few per athlete.
        let listed = |v: &[String]| {
            let mut text = v.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
            if v.len() > 3 {
                text.push_str(&format!("; and {} more (--format csv)", v.len() - 3));
            }
            text
        };
        for r in &rows {
            if !r.findings.is_empty() {
                trailer.push(format!("{}: recovery: {}", r.athlete, listed(&r.findings)));
            }
            if !r.quality.is_empty() {
                trailer.push(format!("{}: data: {}", r.athlete, listed(&r.quality)));
            }
        }
        trailer.push(
            "order: more attention reasons first, then more recovery findings, then lower TSB"
                .into(),
        );
        super::emit_view_with(&table, &args.output, &VIEW, &trailer)?;
    } else {
        super::emit(&table, &args.output)?;
        eprintln!("hrzones: {header}");
    }
    Ok(super::finish(&total))
}

/// The SQL form of the overview (docs/STORE.md) reads the store's roster facts: once a
/// store has them, say on stderr (one line) which athletes' are missing or stale, never
/// silently. A store that never had facts (no SQL use) gets no note.
fn stale_facts_notes(
    dir: &std::path::Path,
    roster: &std::path::Path,
    athletes: &[&roster::Athlete],
) {
    if !dir.join(roster::facts::FACTS_DIR).is_dir() {
        return;
    }
    let Ok(store) = crate::store::Store::open(dir) else {
        return; // the read itself reports it
    };
    let generation = store.manifest().generation;
    let stale: Vec<String> = athletes
        .iter()
        .filter_map(|a| {
            let now = roster::facts::Stamp {
                generation,
                profile_hash: roster::facts::profile_hash(a.profile_path.as_deref()),
            };
            roster::facts::check(dir, &a.id, &now).map(|why| format!("{} ({why})", a.id))
        })
        .collect();
    if !stale.is_empty() {
        eprintln!(
            "hrzones: note: the store's roster facts (SQL over the store, docs/STORE.md) are missing or stale for {}: run `hrzones store facts {} --roster {}`",
            stale.join(", "),
            dir.display(),
            roster.display()
        );
    }
}

fn add(total: &mut Summary, s: &Summary) {
    total.ok += s.ok;
    total.salvaged += s.salvaged;
    total.not_activity += s.not_activity;
    total.duplicate += s.duplicate;
    total.failed += s.failed;
    total.skipped += s.skipped;
}
