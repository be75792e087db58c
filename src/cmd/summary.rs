//! `hrzones summary --weekly|--monthly|--seasonal|--yearly PATH... | --store DIR`: years
//! at a glance — volume, time in Seiler's three zones, load, the intensity distribution
//! class, easy-run discipline, aerobic trends and ACWR/monotony at period end, one row
//! per period.
//!
//! ```text
//! hrzones summary PATH... [--weekly | --monthly | --seasonal | --yearly]
//!                 [--sport NAME] [--acwr-band 0.8,1.3] [--long-run-min 90]
//!                 [--utc-offset +HH:MM] [--until YYYY-MM-DD] [--charts DIR]
//!                 [--max-hr N --lthr N --profile F ...]
//!                 [--format table|csv|json|parquet] [--output FILE]
//! ```
//!
//! The terminal table is the compact view; CSV, JSON and Parquet carry every column
//! (each ratio with its numerator, denominator and n; undefined ratios null, with the
//! reason in `note`). Formulas, sources and rules: the `trends` module docs and
//! docs/SUMMARY.md.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::cli::{InputArgs, OutputArgs, ZoneArgs};
use crate::load;
use crate::report::Format;
use crate::trends::periods::{self, DisciplineRules, PeriodKind, SummaryOptions};
use crate::trends::risk::AcwrBand;
use crate::trends::session::{self, SessionFacts, SteadyFilter};
use crate::trends::table;

/// Arguments of `hrzones summary`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The ACWR band (default 0.8-1.3, Gabbett 2016) is contested: the ratio's link to injury\nis weak (Impellizzeri et al. 2020). Read it as context, not a verdict.\n\nExamples:\n  hrzones summary ~/exports --yearly --lthr 172\n  hrzones summary --store ~/.hrzones --weekly --sport running --format csv > weeks.csv\n  hrzones summary ~/exports --monthly --charts charts/"
)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    /// One row per ISO week (Monday to Sunday).
    #[arg(long, group = "period", help_heading = "Periods")]
    weekly: bool,
    /// One row per calendar month (the default).
    #[arg(long, group = "period", help_heading = "Periods")]
    monthly: bool,
    /// One row per meteorological season (December counts to the next year's winter).
    #[arg(long, group = "period", help_heading = "Periods")]
    seasonal: bool,
    /// One row per calendar year.
    #[arg(long, group = "period", help_heading = "Periods")]
    yearly: bool,
    /// Only sessions of this sport (FIT sport name: running, cycling, ...). Load and
    /// ACWR then count this sport only.
    #[arg(long, value_name = "NAME", help_heading = "Periods")]
    sport: Option<String>,
    /// The ACWR band LOW,HIGH.
    #[arg(long, value_delimiter = ',', value_name = "LOW,HIGH", default_values_t = [0.8, 1.3], help_heading = "Rules")]
    acwr_band: Vec<f64>,
    /// A run at least this long is a long run, min.
    #[arg(
        long,
        default_value_t = 90.0,
        value_name = "MIN",
        help_heading = "Rules"
    )]
    long_run_min: f64,
    /// A session with at least this hrTSS makes a hard day (the audit's --hard-tss).
    #[arg(
        long,
        default_value_t = 70.0,
        value_name = "TSS",
        help_heading = "Rules"
    )]
    hard_tss: f64,
    /// The offset at which a session's start gives its day: UTC, +02:00, -05:30.
    #[arg(
        long,
        default_value = "UTC",
        value_name = "OFFSET",
        allow_hyphen_values = true,
        help_heading = "Periods"
    )]
    utc_offset: String,
    /// Run the daily load series through this date (rest days after the last session).
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Periods")]
    until: Option<NaiveDate>,
    /// Also draw the charts (distribution over time, ACWR, EF trend) into this folder.
    #[arg(long, value_name = "DIR", help_heading = "Charts")]
    charts: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

impl Args {
    fn kind(&self) -> PeriodKind {
        if self.weekly {
            PeriodKind::Week
        } else if self.seasonal {
            PeriodKind::Season
        } else if self.yearly {
            PeriodKind::Year
        } else {
            PeriodKind::Month
        }
    }
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = args.zones.settings_for(&args.input)?;
    let offset = load::parse_utc_offset(&args.utc_offset)?;
    let [low, high] = args.acwr_band[..] else {
        anyhow::bail!(
            "--acwr-band wants two numbers, LOW,HIGH (e.g. 0.8,1.3), got {} values",
            args.acwr_band.len()
        );
    };
    if !(low.is_finite() && high.is_finite() && 0.0 < low && low < high) {
        anyhow::bail!("--acwr-band wants LOW,HIGH with 0 < LOW < HIGH, got {low},{high}");
    }
    let mut discipline = DisciplineRules {
        long_run_min: args.long_run_min,
        ..Default::default()
    };
    discipline.audit.hard_tss = args.hard_tss;
    discipline
        .audit
        .validate()
        .map_err(|e| anyhow::anyhow!(e))?;
    if !(args.long_run_min.is_finite() && args.long_run_min > 0.0) {
        anyhow::bail!("--long-run-min must be a positive number of minutes");
    }
    let format = super::format_of(&args.output);
    if format == Format::Parquet && args.output.output.is_none() {
        anyhow::bail!("--format parquet writes a binary file: give it a path with --output FILE");
    }
    let opts = SummaryOptions {
        kind: args.kind(),
        offset,
        until: args.until,
        band: AcwrBand { low, high },
        discipline,
    };
    let steady = SteadyFilter::default();

    let (results, summary) = super::run_inputs(&args.input, |a| {
        session::session_facts(a, &settings, &steady)
    })?;
    let mut facts: Vec<SessionFacts> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .collect();
    if let Some(sport) = &args.sport {
        facts.retain(|f| f.sport.eq_ignore_ascii_case(sport));
    }
    report_gaps(&facts);
    let (rows, series) = periods::summarise(&facts, &opts);

    if let Some(dir) = &args.charts {
        draw_charts(dir, &rows, &series, &facts, &opts)?;
    }
    if format == Format::Parquet {
        let mut frame = table::table_frame(&table::full_table(&rows))?;
        if let Some(path) = &args.output.output {
            crate::report::write_atomic(path, |w| {
                ParquetWriter::new(w)
                    .finish(&mut frame)
                    .map(|_| ())
                    .map_err(std::io::Error::other)
            })
            .with_context(|| format!("could not write {}", path.display()))?;
        }
    } else if format == Format::Table {
        super::emit(&table::compact_table(&rows), &args.output)?;
        eprintln!(
            "hrzones: hours, km and hrTSS summed; Z1-Z3: Seiler's zones (% of HR time); PI: Treff's polarization index; easy ok: easy and long runs that stayed below the first threshold; grey min: minutes at or above it in those runs; ACWR (EWMA 7:28) and monotony at period end. Every column with its numerator and denominator: --format csv"
        );
    } else {
        super::emit(&table::full_table(&rows), &args.output)?;
    }
    Ok(super::finish(&summary))
}

/// One stderr line per kind of gap, so a missing number is never silent.
fn report_gaps(facts: &[SessionFacts]) {
    let undated = facts.iter().filter(|f| f.start_unix_s.is_none()).count();
    if undated > 0 {
        eprintln!("hrzones: {undated} sessions have no real date and stay out of the summary");
    }
    let with_hr = facts.iter().filter(|f| f.hr_covered_s > 0.0);
    let no_zones = with_hr.clone().filter(|f| f.seiler.is_none()).count();
    if no_zones > 0 {
        eprintln!("hrzones: {no_zones} sessions with heart rate have no Seiler zones (no LTHR or max HR in the settings or file): volume and load only; set --lthr or --max-hr");
    }
    let by_max = facts
        .iter()
        .filter(|f| {
            f.seiler
                .as_ref()
                .is_some_and(|s| s.basis.starts_with("82/87"))
        })
        .count();
    if by_max > 0 {
        eprintln!("hrzones: {by_max} sessions place Seiler's thresholds at 82/87 % of max HR (no LTHR known); set --lthr for thresholds from LTHR");
    }
    let no_tss = with_hr.filter(|f| f.hr_tss.is_none()).count();
    if no_tss > 0 {
        eprintln!("hrzones: {no_tss} sessions with heart rate have no hrTSS (no max HR): they add nothing to load, ACWR and monotony");
    }
}

fn draw_charts(
    dir: &std::path::Path,
    rows: &[periods::PeriodRow],
    series: &periods::DailySeries,
    facts: &[SessionFacts],
    opts: &SummaryOptions,
) -> anyhow::Result<()> {
    use crate::chart::trends as tc;
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let steps: [(&str, Result<Vec<u8>, crate::chart::ChartError>); 3] = [
        (
            "distribution.png",
            tc::distribution_png(&tc::DistributionInput::from_rows(rows)),
        ),
        (
            "acwr.png",
            tc::acwr_png(&tc::AcwrInput::from_series(series, opts.band)),
        ),
        (
            "ef.png",
            tc::ef_png(&tc::EfInput::from_facts(facts, opts.offset)),
        ),
    ];
    for (name, bytes) in steps {
        let path = dir.join(name);
        match bytes {
            Ok(b) => {
                crate::chart::write_chart(&path, &b)?;
                eprintln!("hrzones: chart {}", path.display());
            }
            Err(e) => eprintln!("hrzones: {}: not drawn: {e}", path.display()),
        }
    }
    Ok(())
}
