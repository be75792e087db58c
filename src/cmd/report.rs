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

use crate::audit::batch::{self, audit_file, Labeller};
use crate::audit::{LabelPattern, Rules};
use crate::cli::{InputArgs, ZoneArgs};
use crate::pipeline::{FileStatus, Summary};
use crate::profile::Settings;
use crate::site::{self, Athlete, AthleteReport, SiteOptions};

/// Arguments of `hrzones report`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Pages: index.html (the roster: who needs attention first) and athlete-<id>.html per
athlete. DIR is replaced whole: it must be new, empty, or an earlier report.

Examples:
  hrzones report ~/exports --out ~/report --lthr 172
  hrzones report --store ~/hrzones-store --out ~/report --weeks 8
  hrzones report export.zip --out report --name \"Anna K\" --until 2025-03-31")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    /// Folder for the site (replaced whole; must be new, empty or an earlier report).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The athlete's name on the pages.
    #[arg(long, value_name = "NAME", default_value = "Athlete")]
    name: String,
    /// Title of the index page.
    #[arg(long, value_name = "TEXT", default_value = "Training report")]
    title: String,
    /// Last day of the report (YYYY-MM-DD, UTC). Default: the day of the latest session.
    #[arg(long, value_name = "DATE")]
    until: Option<NaiveDate>,
    /// How many ISO weeks the recent-weeks table and chart show.
    #[arg(long, value_name = "N", default_value_t = 12,
          value_parser = clap::value_parser!(u16).range(1..=520))]
    weeks: u16,
    /// Chart the latest N audited recovery runs (each chart is inline in the page).
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

/// One athlete's data: the audit pass, then the summary-and-charts pass.
fn athlete_report(
    athlete: Athlete,
    input: &InputArgs,
    settings: &Settings,
    labeller: &mut Labeller,
    run_charts: usize,
) -> anyhow::Result<(AthleteReport, Summary)> {
    let rules = Rules::default();
    let ((results, summary), csvs) =
        super::run_inputs_labelled(input, true, |a| audit_file(a, settings, false))?;
    let mut problems = Vec::new();
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
    let audit = batch::assemble(results, labeller, &rules, false);
    let charted = site::charted_runs(&audit, &rules, run_charts);
    let quiet = InputArgs {
        quiet: true,
        ..input.clone()
    };
    let (parts, _) =
        super::run_inputs_silently(&quiet, |a| site::collect_activity(a, settings, &charted))?;
    let mut report = AthleteReport {
        athlete,
        sessions: Vec::new(),
        audit,
        rules,
        run_charts: Default::default(),
        problems,
        failed_files: summary.failed,
        files_line: summary.line(),
    };
    for part in parts.into_iter().filter_map(|(_, p)| p) {
        report.sessions.extend(part.sessions);
        report.run_charts.extend(part.charts);
        for ((file, session), why) in part.chart_problems {
            report
                .problems
                .push(format!("{file}: session {session}: no chart: {why}"));
        }
    }
    Ok((report, summary))
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let zone_settings = args.zones.settings()?;
    let guarded: Vec<PathBuf> = args
        .input
        .paths
        .iter()
        .chain(&args.input.store)
        .cloned()
        .collect();
    site::check_out_dir(&args.out, &guarded)?;
    let mut labeller = Labeller::from_flags(
        args.labels.as_deref(),
        args.strava_export.as_deref(),
        LabelPattern::Default,
    )?;
    crate::chart::ensure_fonts()?;
    let settings = super::thresholds::with_archive_estimates(&args.input, zone_settings)?;
    let athlete = Athlete {
        id: "default".into(),
        name: args.name.clone(),
    };
    let (report, summary) = athlete_report(
        athlete,
        &args.input,
        &settings,
        &mut labeller,
        args.run_charts as usize,
    )?;
    let opts = SiteOptions {
        until: args.until,
        weeks: args.weeks as usize,
        title: args.title.clone(),
    };
    let pages = site::build_site(std::slice::from_ref(&report), &opts);
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
    Ok(super::finish(&summary))
}
