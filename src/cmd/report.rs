//! `hrzones report PATH... --out DIR`: a static HTML report to share — a roster index
//! (`index.html`) and one page per athlete (`athlete-<id>.html`: recent weeks, the
//! recovery-run audit with the latest runs' charts, load and the PMC, time in zone, data
//! quality). No network, no CDN, no JavaScript: inline SVG charts and tables, readable
//! on a laptop and a phone; it opens from `file://`.
//!
//! DIR is replaced whole and atomically (a new folder beside it, swapped in); it must be
//! new, empty, or an earlier report, and never inside an input folder or the store. The
//! pages written are printed on stdout, one per line. Without a roster, every input
//! belongs to one athlete (`--name`).
//!
//! Two passes over the inputs, as `hrzones chart` does: the audit first (labels are
//! resolved over the whole batch), then one that keeps a small summary per session and
//! draws the chosen runs' charts while their samples are at hand.
//!
//! Exit codes: 0 all inputs read; 1 some input files could not be read (the report is
//! still written, and lists them); 2 usage or fatal error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::audit::batch::{self, Labeller};
use crate::audit::{LabelPattern, Rules};
use crate::cli::{InputArgs, ZoneArgs};
use crate::pipeline::{FileReport, FileStatus, Summary};
use crate::profile::Settings;
use crate::roster::{self, FileOverview, OverviewOptions, Roster, Since, Window};
use crate::site::{self, Athlete, AthleteReport, SiteOptions};

/// Arguments of `hrzones report`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Pages: index.html (the roster: who needs attention first, as `hrzones roster --since 7d`)
and athlete-<id>.html per athlete. DIR is replaced whole: it must be new, empty, or an
earlier report.

Examples:
  hrzones report ~/exports --out ~/report --lthr 172
  hrzones report --roster roster.toml --out ~/report --until 2025-03-31
  hrzones report --roster roster.toml --store ~/hrzones-store --out ~/report
  hrzones report export.zip --out report --name \"Anna K\" --weeks 8")]
pub struct Args {
    /// FIT files or folders of one athlete (without --roster). With --store: optional,
    /// and selects the stored files under these paths.
    #[arg(required_unless_present_any = ["store", "roster"], value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Read the store written by `hrzones ingest` instead of decoding FIT files (with
    /// --roster: each athlete's stored files).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Analyse files whose CRC does not match (each still gets a warning).
    #[arg(long)]
    accept_bad_crc: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// A coach's roster (roster.toml, see docs/ROSTER.md): one page per athlete, with
    /// their inputs and profile.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "paths",
        help_heading = "Athletes"
    )]
    roster: Option<PathBuf>,
    /// Only these athletes of the roster (repeatable).
    #[arg(
        long,
        value_name = "ID",
        requires = "roster",
        help_heading = "Athletes"
    )]
    athlete: Vec<String>,
    #[command(flatten)]
    zones: ZoneArgs,
    /// Folder for the site (replaced whole; must be new, empty or an earlier report).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The athlete's name on the pages (without --roster).
    #[arg(long, value_name = "NAME", default_value = "Athlete")]
    name: String,
    /// Title of the index page.
    #[arg(long, value_name = "TEXT", default_value = "Training report")]
    title: String,
    /// Last day of the report (YYYY-MM-DD, UTC). Default: the day of the latest session
    /// of any athlete.
    #[arg(long, value_name = "DATE")]
    until: Option<NaiveDate>,
    /// How many ISO weeks the recent-weeks table and chart show.
    #[arg(long, value_name = "N", default_value_t = 12,
          value_parser = clap::value_parser!(u16).range(1..=520))]
    weeks: u16,
    /// Chart the latest N audited recovery runs of each athlete (inline in the page).
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u16).range(0..=500))]
    run_charts: u16,
    /// Labels file, as for `hrzones audit`: CSV file,label.
    #[arg(long, value_name = "FILE", help_heading = "Labels")]
    labels: Option<PathBuf>,
    /// A Strava bulk export (folder, zip or activities.csv) whose activity names label
    /// the runs, as for `hrzones audit`.
    #[arg(long, value_name = "DIR|ZIP", help_heading = "Labels")]
    strava_export: Option<PathBuf>,
}

/// One athlete after the first pass.
struct FirstPass {
    athlete: roster::Athlete,
    input: InputArgs,
    settings: Settings,
    labeller: Labeller,
    results: Vec<(FileReport, Option<FileOverview>)>,
    summary: Summary,
    /// Inputs that could not be read besides the failed files among `results`.
    other_unreadable: u32,
    problems: Vec<String>,
}

/// The first pass over one athlete's inputs: the roster overview's per-file step (which
/// holds the audit's), reporting bad files on stderr.
fn first_pass(
    athlete: roster::Athlete,
    input: InputArgs,
    settings: Settings,
    mut labeller: Labeller,
    missing: usize,
) -> anyhow::Result<FirstPass> {
    // The per-file step reads the options' rules, not their window.
    let opts = OverviewOptions::new(Window::new(Since::Days(7), NaiveDate::default())?);
    let mut problems: Vec<String> = athlete
        .missing_inputs
        .iter()
        .map(|p| format!("input {} does not exist", p.display()))
        .collect();
    let ((results, mut summary), csvs) = if input.paths.is_empty() && input.store.is_none() {
        ((Vec::new(), Summary::default()), Vec::new())
    } else {
        super::run_inputs_labelled(&input, true, |a| roster::overview_file(a, &settings, &opts))?
    };
    for w in labeller.add_found(&csvs) {
        eprintln!("hrzones: warning: {w}");
        problems.push(w);
    }
    for (r, _) in &results {
        let what = match r.status {
            FileStatus::Failed => "could not be read",
            FileStatus::Salvaged => "read with damage",
            _ => continue,
        };
        problems.push(format!("{}: {what}: {}", r.name, r.messages.join("; ")));
    }
    let failed_reports = results
        .iter()
        .filter(|(r, _)| r.status == FileStatus::Failed)
        .count();
    let other_unreadable = (summary.failed.saturating_sub(failed_reports) + missing) as u32;
    summary.failed += missing;
    Ok(FirstPass {
        athlete,
        input,
        settings,
        labeller,
        results,
        summary,
        other_unreadable,
        problems,
    })
}

/// The latest session date (UTC) among the first passes.
fn latest_date(passes: &[FirstPass]) -> Option<NaiveDate> {
    passes
        .iter()
        .flat_map(|p| p.results.iter().filter_map(|(_, fo)| fo.as_ref()))
        .flat_map(|fo| fo.sessions.iter().filter_map(|s| s.start_unix_s))
        .max()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.date_naive())
}

/// The rest of one athlete: the overviews to `end`, the audit, and the second pass
/// (session summaries and the chosen runs' charts).
fn athlete_report(
    p: FirstPass,
    end: NaiveDate,
    run_charts: usize,
) -> anyhow::Result<AthleteReport> {
    let overview = |days: u32| -> anyhow::Result<roster::AthleteOverview> {
        let opts = OverviewOptions::new(Window::new(Since::Days(days), end)?);
        Ok(roster::summarise(
            &p.athlete,
            p.results.clone(),
            p.other_unreadable,
            &p.labeller,
            &opts,
        ))
    };
    let (overview_7d, overview_28d) = (overview(7)?, overview(28)?);
    let rules = Rules::default();
    let audits = p
        .results
        .into_iter()
        .map(|(r, fo)| (r, fo.map(|f| f.audit)))
        .collect();
    let audit = batch::assemble(audits, &p.labeller, &rules, false);
    let charted = site::charted_runs(&audit, &rules, run_charts);
    let mut report = AthleteReport {
        athlete: Athlete {
            id: p.athlete.id.clone(),
            name: p.athlete.name.clone(),
        },
        sessions: Vec::new(),
        audit,
        rules,
        run_charts: Default::default(),
        problems: p.problems,
        failed_files: p.summary.failed,
        files_line: p.summary.line(),
        overview_7d,
        overview_28d,
    };
    if p.input.paths.is_empty() && p.input.store.is_none() {
        return Ok(report);
    }
    let quiet = InputArgs {
        quiet: true,
        ..p.input.clone()
    };
    let settings = &p.settings;
    let (parts, _) =
        super::run_inputs_silently(&quiet, |a| site::collect_activity(a, settings, &charted))?;
    for part in parts.into_iter().filter_map(|(_, p)| p) {
        report.sessions.extend(part.sessions);
        report.run_charts.extend(part.charts);
        for ((file, session), why) in part.chart_problems {
            report
                .problems
                .push(format!("{file}: session {session}: no chart: {why}"));
        }
    }
    Ok(report)
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let zone_settings = args.zones.settings()?;
    let roster = args.roster.as_deref().map(Roster::load).transpose()?;
    // Without a roster, every input belongs to the default athlete.
    let athletes: Vec<roster::Athlete> = match &roster {
        Some(r) => {
            for id in &args.athlete {
                r.athlete(id)?;
            }
            r.athletes
                .iter()
                .filter(|a| args.athlete.is_empty() || args.athlete.contains(&a.id))
                .cloned()
                .collect()
        }
        None => vec![roster::Athlete {
            id: roster::DEFAULT_ATHLETE.into(),
            name: args.name.clone(),
            inputs: args.paths.clone(),
            missing_inputs: Vec::new(),
            profile_path: None,
            profile: Default::default(),
        }],
    };
    let guarded: Vec<PathBuf> = athletes
        .iter()
        .flat_map(|a| a.inputs.iter())
        .chain(&args.store)
        .cloned()
        .collect();
    site::check_out_dir(&args.out, &guarded)?;
    let labeller = Labeller::from_flags(
        args.labels.as_deref(),
        args.strava_export.as_deref(),
        LabelPattern::Default,
    )?;
    crate::chart::ensure_fonts()?;
    let mut passes = Vec::with_capacity(athletes.len());
    for athlete in athletes {
        let with_roster = roster.is_some();
        let input = InputArgs {
            paths: if with_roster && args.store.is_some() {
                Vec::new()
            } else {
                athlete.present_inputs()
            },
            store: args.store.clone(),
            accept_bad_crc: args.accept_bad_crc,
            quiet: args.quiet,
            roster: None,
            // Selects the athlete's stored files; files read directly are theirs already.
            athlete: (with_roster && args.store.is_some()).then(|| athlete.id.clone()),
            // The report's weeks and the roster overview's days are UTC days.
            tz: Some("UTC".to_string()),
            since: None,
            until: None,
        };
        for p in &athlete.missing_inputs {
            eprintln!(
                "hrzones: athlete {}: input {} does not exist",
                athlete.id,
                p.display()
            );
        }
        // The athlete's profile under the flags; a --profile flag replaces it.
        let settings = if with_roster && args.zones.profile.is_none() {
            Settings {
                profile: athlete.profile.clone(),
                overrides: zone_settings.overrides.clone(),
            }
        } else {
            zone_settings.clone()
        };
        let settings = super::thresholds::with_archive_estimates(&input, settings)?;
        let missing = if args.store.is_some() {
            0
        } else {
            athlete.missing_inputs.len()
        };
        let id = athlete.id.clone();
        passes.push(
            first_pass(athlete, input, settings, labeller.clone(), missing)
                .with_context(|| format!("athlete {id}"))?,
        );
    }
    let end = args
        .until
        .or_else(|| latest_date(&passes))
        .ok_or_else(|| anyhow::anyhow!("no session with a date: nothing to report"))?;
    let mut total = Summary::default();
    let mut reports = Vec::with_capacity(passes.len());
    for p in passes {
        add(&mut total, &p.summary);
        reports.push(athlete_report(p, end, args.run_charts as usize)?);
    }
    let opts = SiteOptions {
        until: Some(end),
        weeks: args.weeks as usize,
        title: args.title.clone(),
    };
    let pages = site::build_site(&reports, &opts);
    site::write_site(&args.out, &pages)
        .with_context(|| format!("could not write the report {}", args.out.display()))?;
    {
        use std::io::Write;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for (name, _) in &pages {
            writeln!(out, "{}", args.out.join(name).display())?;
        }
        out.flush()?;
    }
    Ok(super::finish(&total))
}

fn add(total: &mut Summary, s: &Summary) {
    total.ok += s.ok;
    total.salvaged += s.salvaged;
    total.not_activity += s.not_activity;
    total.duplicate += s.duplicate;
    total.failed += s.failed;
    total.skipped += s.skipped;
}
