//! `hrzones thresholds PATH... | --store DIR`: max HR, LTHR and resting HR estimated
//! from the archive, per sport (running, cycling, other) and period (calendar year by
//! default), each with its method, evidence and the watch's own setting beside it.
//! `--write-profile FILE` writes the estimates as a per-sport, dated athlete profile
//! that `--profile` reads.
//!
//! Columns: sport, period, sessions, hr_sessions (with at least 10 s of heart rate), max_hr, max_hr_method, max_hr_efforts (sessions
//! within 3 % of it), max_hr_evidence (file#session date bpm/seconds held, best first),
//! watch_max_hr (the setting in the period's files: one value or a range), lthr,
//! lthr_method, lthr_efforts, lthr_evidence, lthr_why, lthr_field_test, lthr_race_60min,
//! lthr_20min (each method's value), watch_lthr, resting_hr, resting_hr_method,
//! watch_resting_hr. Methods and constants: the `thresholds` module and
//! docs/THRESHOLDS.md.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{InputArgs, OutputArgs};
use crate::report::{self, Cell, Format, Table};
use crate::store::SampleColumns;
use crate::thresholds::{self, Estimate, Period, PeriodEstimate, SessionEfforts};

/// Arguments of `hrzones thresholds`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Methods (docs/THRESHOLDS.md): max HR is the highest HR held 10 s in a session whose
best 5 minutes back it up; LTHR is Friel's field test where a session looks like one
(last 20 minutes of a 30-minute solo effort), else the best hour of a 60-110 minute
race, else 0.95 x the best hard 20 minutes; resting HR only as the watch's setting.

Examples:
  hrzones thresholds ~/garmin
  hrzones thresholds --store ~/.hrzones --period 6m --format csv > thresholds.csv
  hrzones thresholds ~/garmin --write-profile athlete.toml
  hrzones zones ~/garmin --profile athlete.toml")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Period of each estimate: 1y (calendar years), 6m, 4m, 3m, 2m, 1m (blocks of
    /// months from January), or all.
    #[arg(long, default_value = "1y", value_name = "PERIOD", value_parser = Period::parse)]
    period: Period,
    /// Write the estimates as an athlete profile (TOML): a [sport.NAME] section per
    /// sport, each later period a dated [[sport.NAME.change]]; read it with --profile.
    #[arg(long, value_name = "FILE")]
    write_profile: Option<PathBuf>,
}

const COLUMNS: [&str; 22] = [
    "sport",
    "period",
    "sessions",
    "hr_sessions",
    "max_hr",
    "max_hr_method",
    "max_hr_efforts",
    "max_hr_evidence",
    "watch_max_hr",
    "lthr",
    "lthr_method",
    "lthr_efforts",
    "lthr_evidence",
    "lthr_why",
    "lthr_field_test",
    "lthr_race_60min",
    "lthr_20min",
    "watch_lthr",
    "resting_hr",
    "resting_hr_method",
    "resting_hr_files",
    "watch_resting_hr",
];

fn evidence_text(e: &Estimate) -> Cell {
    if e.evidence.is_empty() {
        return Cell::Null;
    }
    Cell::Str(
        e.evidence
            .iter()
            .map(|x| x.text())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn text_or_null(s: String) -> Cell {
    if s.is_empty() {
        Cell::Null
    } else {
        Cell::Str(s)
    }
}

fn cells(p: &PeriodEstimate) -> Vec<Cell> {
    vec![
        Cell::from(p.sport.name()),
        Cell::Str(p.period.clone()),
        Cell::Int(p.sessions as i64),
        Cell::Int(p.sessions_with_hr as i64),
        Cell::opt_int(p.max_hr.value),
        Cell::Str(p.max_hr.method.clone()),
        Cell::Int(p.max_hr.efforts as i64),
        evidence_text(&p.max_hr),
        text_or_null(p.watch_max_hr.text()),
        Cell::opt_int(p.lthr.value),
        Cell::Str(p.lthr.method.clone()),
        Cell::Int(p.lthr.efforts as i64),
        evidence_text(&p.lthr),
        Cell::Str(p.lthr_why.clone()),
        Cell::opt_int(p.lthr_field_test.value),
        Cell::opt_int(p.lthr_race.value),
        Cell::opt_int(p.lthr_20min.value),
        text_or_null(p.watch_lthr.text()),
        Cell::opt_int(p.resting_hr.value),
        Cell::Str(p.resting_hr.method.clone()),
        Cell::Int(p.resting_hr.efforts as i64),
        text_or_null(p.watch_resting_hr.text()),
    ]
}

/// A short name of an LTHR method for the text table.
fn short_method(e: &Estimate) -> &'static str {
    match e.method.as_str() {
        m if m.starts_with("field test") => "test",
        m if m.starts_with("race") => "race",
        m if m.contains("20-min") => "20min",
        _ => "-",
    }
}

/// The text report: a table that fits 80 columns, then each row's evidence.
fn text_report(rows: &[PeriodEstimate]) -> std::io::Result<Vec<u8>> {
    let mut t = Table::new([
        "sport", "period", "n", "hr", "max_hr", "eff", "watch", "lthr", "method", "eff", "watch",
        "rest",
    ]);
    for p in rows {
        t.push(vec![
            Cell::from(p.sport.name()),
            Cell::Str(p.period.clone()),
            Cell::Int(p.sessions as i64),
            Cell::Int(p.sessions_with_hr as i64),
            Cell::opt_int(p.max_hr.value),
            Cell::Int(p.max_hr.efforts as i64),
            text_or_null(p.watch_max_hr.text()),
            Cell::opt_int(p.lthr.value),
            Cell::from(short_method(&p.lthr)),
            Cell::Int(p.lthr.efforts as i64),
            text_or_null(p.watch_lthr.text()),
            Cell::Str(
                p.resting_hr
                    .value
                    .map_or("unknown".to_string(), |v| v.to_string()),
            ),
        ]);
    }
    let mut buf = Vec::new();
    report::write_text_table(&t, &mut buf)?;
    writeln!(
        buf,
        "\nn: sessions; hr: with heart rate; eff: efforts behind the estimate;\nwatch: the setting in the files; rest: the watch's resting HR setting"
    )?;
    writeln!(
        buf,
        "\nevidence (file#session date bpm/seconds, best first):"
    )?;
    for p in rows {
        writeln!(buf, "{} {}:", p.sport.name(), p.period)?;
        let ev = |buf: &mut Vec<u8>, e: &Estimate| -> std::io::Result<()> {
            for x in &e.evidence {
                writeln!(
                    buf,
                    "    {}#{} {} {:.0} bpm/{} s",
                    base_name(&x.file),
                    x.session,
                    x.date.map_or("undated".to_string(), |d| d.to_string()),
                    x.bpm,
                    x.held_s
                )?;
            }
            Ok(())
        };
        writeln!(buf, "  max HR: {}", p.max_hr.method)?;
        ev(&mut buf, &p.max_hr)?;
        writeln!(buf, "  LTHR: {} ({})", p.lthr.method, p.lthr_why)?;
        ev(&mut buf, &p.lthr)?;
        let other: Vec<String> = [&p.lthr_field_test, &p.lthr_race, &p.lthr_20min]
            .into_iter()
            .filter(|e| e.value.is_some() && e.method != p.lthr.method)
            .map(|e| format!("{} {}", e.method, e.value.unwrap_or(0)))
            .collect();
        if !other.is_empty() {
            writeln!(buf, "  other LTHR methods: {}", other.join(", "))?;
        }
    }
    Ok(buf)
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let window = args.input.window()?;
    let (results, summary) = super::run_inputs_with(&args.input, SampleColumns::HeartRate, |a| {
        SessionEfforts::of_activity(a)
    })?;
    // --since/--until: the estimates and their evidence come from those dates only.
    let efforts: Vec<SessionEfforts> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .filter(|e| window.contains(e.date))
        .collect();
    let rows = thresholds::estimate(&efforts, args.period);

    if let Some(path) = &args.write_profile {
        let profile = thresholds::to_profile(&rows);
        let header = vec![
            format!(
                "Athlete profile written by `hrzones thresholds --period {}` from {} sessions.",
                period_text(args.period),
                efforts.len()
            ),
            "Estimates from the archive (docs/THRESHOLDS.md): check them against the evidence it printed.".to_string(),
            "Each [sport.NAME] holds its first period's values; each [[change]] applies from its date.".to_string(),
        ];
        let text = thresholds::profile_toml(&profile, &header);
        report::write_atomic(path, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("could not write {}", path.display()))?;
        eprintln!(
            "hrzones: wrote the estimates as a profile to {} ({} sport sections); use it with --profile",
            path.display(),
            profile.sports.len()
        );
    }

    let format = super::format_of(&args.output);
    if format == Format::Table {
        let text = text_report(&rows)?;
        match &args.output.output {
            Some(path) => report::write_atomic(path, |w| w.write_all(&text))
                .with_context(|| format!("could not write {}", path.display()))?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&text)?;
                out.flush()?;
            }
        }
    } else {
        let mut table = Table::new(COLUMNS);
        for p in &rows {
            table.push(cells(p));
        }
        super::emit(&table, &args.output)?;
    }
    Ok(super::finish(&summary))
}

/// The file's own name: after the last `/`, `\\` or `:` (zip entries).
fn base_name(source: &str) -> &str {
    source.rsplit(['/', '\\', ':']).next().unwrap_or(source)
}

/// The default of `zones`, `audit`, `load` and `chart` with no thresholds given: for
/// an archive (a folder or several files) or a store, the archive's own estimates
/// (calendar years) become the zones of sessions whose files carry none, and stderr
/// says so. A single file, or any settings given, leaves `settings` as it is.
pub fn with_archive_estimates(
    input: &InputArgs,
    mut settings: crate::profile::Settings,
) -> anyhow::Result<crate::profile::Settings> {
    // A bad --since/--until fails before the archive is read for the estimates.
    input.window()?;
    if !settings.profile.is_empty() || !settings.overrides.is_empty() {
        return Ok(settings);
    }
    let input = &input.resolved()?;
    let archive =
        input.store.is_some() || input.paths.len() > 1 || input.paths.iter().any(|p| p.is_dir());
    if !archive {
        return Ok(settings);
    }
    let quiet = InputArgs {
        quiet: true,
        ..input.clone()
    };
    let (results, _) = super::run_inputs_silently(&quiet, SessionEfforts::of_activity)?;
    let efforts: Vec<SessionEfforts> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .collect();
    let files: std::collections::HashSet<&str> = efforts.iter().map(|e| e.file.as_str()).collect();
    if files.len() < 2 {
        return Ok(settings);
    }
    let estimates = thresholds::to_profile(&thresholds::estimate(&efforts, Period::default()));
    if estimates.sports.is_empty() {
        return Ok(settings);
    }
    // One athlete's estimates are not another's zones: say so when a store of several
    // athletes is read whole.
    if let (Some(dir), None) = (&input.store, &input.athlete) {
        let athletes: std::collections::BTreeSet<String> = crate::store::Store::open(dir)?
            .files()
            .iter()
            .map(|e| e.athlete.clone())
            .collect();
        if athletes.len() > 1 {
            eprintln!(
                "hrzones: warning: the store holds {} athletes and no --athlete was given: archive estimates would pool their sessions; give --athlete ID (or thresholds) for each athlete's own",
                athletes.len()
            );
        }
    }
    eprintln!(
        "hrzones: note: no thresholds given; sessions whose files carry no zones or max HR get zones from this archive's own estimates for their sport and year (zone_source \"archive estimate\"; see `hrzones thresholds`)"
    );
    settings.profile.archive_estimates = Some(Box::new(estimates));
    Ok(settings)
}

fn period_text(p: Period) -> String {
    match p {
        Period::All => "all".into(),
        Period::Months(12) => "1y".into(),
        Period::Months(n) => format!("{n}m"),
    }
}
