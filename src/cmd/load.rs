//! `hrzones load PATH...`: training stress per session and the load history.
//!
//! ```text
//! hrzones load PATH... [--max-hr N --resting-hr N --lthr N --sex male|female --profile F]
//!                      [--daily | --weekly] [--ctl-days 42] [--atl-days 7]
//!                      [--tz ZONE] [--since DATE] [--until DATE]
//!                      [--format table|csv|json|parquet] [--output FILE]
//! ```
//!
//! Default: one row per session — file, session, start, date, start_local, iso_week, sport,
//! sub_sport, timer_s, hr_covered_s, hr_tss, banister_trimp, edwards_trimp, device_tss,
//! device_training_effect, sex, max/resting HR and LTHR each with its source, the zone
//! model and time in zone (z0_s … zN_s), note.
//! `--daily`: the Performance Management Chart, one row per day (rest days included):
//! date, sessions, sessions_without_hr_tss, timer_s, load, ctl, atl, tsb.
//! `--weekly`: per ISO week, sport and zone model: week_start, iso_week, sport,
//! zone_model, sessions, timer_s, hr_tss, z0_s … zN_s.
//! Formulas, sources and conventions: the `load` module docs and docs/LOAD.md.

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::cli::{InputArgs, OutputArgs, ZoneArgs};
use crate::load::{self, PmcOptions, SessionRow};
use crate::report::{Cell, Format, Table};
use crate::terminal::{Col, Show};

/// Arguments of `hrzones load`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones load ~/exports --max-hr 190 --resting-hr 48 --lthr 172\n  hrzones load ~/exports --profile athlete.toml --daily --format csv > pmc.csv\n  hrzones load ~/exports --profile athlete.toml --weekly\n  hrzones load ~/exports --profile athlete.toml --format parquet --output sessions.parquet"
)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    /// The daily load series with CTL, ATL and TSB (rest days included as zero load)
    /// instead of one row per session.
    #[arg(long, conflicts_with = "weekly", help_heading = "History")]
    daily: bool,
    /// Weekly totals per sport and zone model (ISO weeks, Monday first): sessions,
    /// timer time, hrTSS and time in each zone.
    #[arg(long, help_heading = "History")]
    weekly: bool,
    /// CTL ("fitness") time constant, days.
    #[arg(long, default_value_t = load::DEFAULT_CTL_DAYS, value_name = "DAYS", help_heading = "History")]
    ctl_days: f64,
    /// ATL ("fatigue") time constant, days.
    #[arg(long, default_value_t = load::DEFAULT_ATL_DAYS, value_name = "DAYS", help_heading = "History")]
    atl_days: f64,
    #[command(flatten)]
    output: OutputArgs,
}

/// A polars table as a report table: floats with one decimal, dates as YYYY-MM-DD,
/// datetimes as RFC 3339 UTC.
pub fn frame_to_table(df: &DataFrame) -> anyhow::Result<Table> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut table = Table::new(names);
    // Column by column (one pass each over a single chunk), then into rows: `get(i)` per
    // cell searched the chunks every time, most of `load --store`'s output cost.
    let mut rows: Vec<Vec<Cell>> = (0..df.height())
        .map(|_| Vec::with_capacity(df.width()))
        .collect();
    for c in df.columns() {
        let s = c.as_materialized_series().rechunk();
        for (row, v) in rows.iter_mut().zip(s.iter()) {
            row.push(cell_of(v));
        }
    }
    for row in rows {
        table.push(row);
    }
    Ok(table)
}

fn cell_of(v: AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::Null,
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::String(s) => Cell::Str(s.to_string()),
        AnyValue::StringOwned(s) => Cell::Str(s.to_string()),
        AnyValue::Float64(x) => Cell::float(x, 1),
        AnyValue::Float32(x) => Cell::float(x as f64, 1),
        AnyValue::Date(d) => load::date_of_day(d).map_or(Cell::Null, |d| Cell::Str(d.to_string())),
        AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => {
            let ms = match unit {
                TimeUnit::Milliseconds => t,
                TimeUnit::Microseconds => t / 1_000,
                TimeUnit::Nanoseconds => t / 1_000_000,
            };
            chrono::DateTime::from_timestamp_millis(ms).map_or(Cell::Null, |d| {
                Cell::Str(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            })
        }
        other => match other.extract::<i64>() {
            Some(i) if other.dtype().is_integer() => Cell::Int(i),
            _ => Cell::Str(other.to_string()),
        },
    }
}

/// Terminal view of the sessions: file, date, local start, sport, timer time, hrTSS,
/// TRIMP and the share of HR time in each zone.
const SESSION_VIEW: [Col; 8] = [
    Col::new("file", "file", Show::BaseName).shrinkable(10),
    Col::new("date", "date", Show::Plain),
    Col::new("start_local", "start", Show::Clock).optional(4),
    Col::new("sport", "sport", Show::Plain)
        .shrinkable(7)
        .optional(3),
    Col::new("timer_s", "timer", Show::Seconds),
    Col::new("hr_tss", "hrTSS", Show::Plain),
    Col::new("banister_trimp", "TRIMP", Show::Plain).optional(2),
    Col::new("", "", Show::ZoneShares),
];

/// Terminal view of `--daily`.
const DAILY_VIEW: [Col; 8] = [
    Col::new("date", "date", Show::Plain),
    Col::new("sessions", "sessions", Show::Plain),
    Col::new("timer_s", "timer", Show::Seconds),
    Col::new("load", "load", Show::Plain),
    Col::new("ctl", "CTL", Show::Plain),
    Col::new("atl", "ATL", Show::Plain),
    Col::new("tsb", "TSB", Show::Plain),
    Col::new("sessions_without_hr_tss", "no hrTSS", Show::Plain).optional(1),
];

/// Terminal view of `--weekly`.
const WEEKLY_VIEW: [Col; 7] = [
    Col::new("iso_week", "week", Show::Plain),
    Col::new("sport", "sport", Show::Plain).shrinkable(7),
    Col::new("sessions", "sessions", Show::Plain),
    Col::new("timer_s", "timer", Show::Seconds),
    Col::new("hr_tss", "hrTSS", Show::Plain),
    Col::new("zone_model", "zones", Show::Plain).optional(2),
    Col::new("", "", Show::ZoneShares),
];

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let zone_settings = args.zones.settings_for(&args.input)?;
    let window = args.input.window()?;
    if let Some(u) = window.until {
        load::check_until(u)?;
    }
    let opts = PmcOptions {
        ctl_days: args.ctl_days,
        atl_days: args.atl_days,
        until: window.until,
        since: window.since,
    };
    // Checked before reading anything, so a bad value costs no time.
    load::pmc_series(&[], opts.ctl_days, opts.atl_days)?;
    let format = super::format_of(&args.output);
    super::check_output(&args.output)?;
    let settings = super::thresholds::with_archive_estimates(&args.input, zone_settings)?;

    // Only the small per-session rows come back from each file, never its samples.
    // From a store: each session's HR seconds, not its samples (crate::hr_seconds).
    let (results, summary) = super::run_inputs_hr(&args.input, |a| {
        let mut rows = load::session_rows(a, &settings);
        // Damage, an accepted CRC mismatch, a rebuilt session, no date: said in the row.
        for (r, s) in rows.iter_mut().zip(&a.sessions) {
            r.load.note = crate::notes::join(
                r.load
                    .note
                    .take()
                    .into_iter()
                    .chain(crate::notes::session_notes(a, s)),
            );
        }
        rows
    })?;
    let rows: Vec<SessionRow> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .collect();
    report_gaps(&rows);

    // Each row carries its local offset (the file's, or --tz); UTC only where neither.
    let utc = chrono::FixedOffset::east_opt(0).context("UTC offset")?;
    let mut frame = if args.daily {
        // The PMC counts every session up to --until: CTL on the first day shown
        // includes the training before --since.
        load::daily_pmc(&load::sessions_frame(&rows, utc)?, &opts)?
    } else {
        let in_window: Vec<SessionRow> = rows
            .into_iter()
            .filter(|r| window.is_all() || window.contains(row_date(r)))
            .collect();
        let sessions = load::sessions_frame(&in_window, utc)?;
        if args.weekly {
            load::weekly_zones(&sessions)?
        } else {
            sessions
        }
    };
    if format == Format::Parquet {
        if let Some(path) = &args.output.output {
            crate::report::write_atomic(path, |w| {
                crate::parquet_compat::writer(w, &frame)
                    .finish(&mut frame)
                    .map(|_| ())
                    .map_err(std::io::Error::other)
            })
            .with_context(|| format!("could not write {}", path.display()))?;
        }
    } else {
        let view: &[Col] = if args.daily {
            &DAILY_VIEW
        } else if args.weekly {
            &WEEKLY_VIEW
        } else {
            &SESSION_VIEW
        };
        let table = frame_to_table(&frame)?;
        super::emit_view(&table, &args.output, view)?;
        // The process ends here: freeing every row cell by cell cost a twentieth of
        // `load --store`, for memory the system takes back at exit anyway.
        std::mem::forget(table);
    }
    let what = if args.daily || args.weekly {
        "days with sessions"
    } else {
        "sessions"
    };
    super::say_if_none(frame.height(), what, &window);
    Ok(super::finish(&summary))
}

/// A row's local date (None: no real date).
fn row_date(r: &SessionRow) -> Option<NaiveDate> {
    crate::localtime::date_at(r.start_unix_s?, r.utc_offset_s.unwrap_or(0))
}

/// One stderr line per kind of gap, so a missing number is never silent.
fn report_gaps(rows: &[SessionRow]) {
    let with_hr: Vec<&SessionRow> = rows
        .iter()
        .filter(|r| {
            !r.load
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with(load::NO_HR_NOTE))
        })
        .collect();
    let no_max = with_hr.iter().filter(|r| r.load.max_hr.is_none()).count();
    if no_max > 0 {
        eprintln!(
            "hrzones: {} no hrTSS: {} no max HR; set --max-hr or --profile",
            super::count(
                no_max,
                "session with heart rate has",
                "sessions with heart rate have"
            ),
            super::plural(no_max, "its file carries", "their files carry")
        );
    }
    let other = with_hr
        .iter()
        .filter(|r| r.load.max_hr.is_some() && r.load.hr_tss.is_none())
        .count();
    if other > 0 {
        eprintln!(
            "hrzones: {} no hrTSS because {} thresholds conflict (see the note column)",
            super::count(other, "session has", "sessions have"),
            super::plural(other, "its", "their")
        );
    }
    let est_lthr = with_hr
        .iter()
        .filter(|r| {
            r.load.hr_tss.is_some()
                && r.load
                    .lthr
                    .as_ref()
                    .is_some_and(|l| l.source.starts_with("estimate"))
        })
        .count();
    if est_lthr > 0 {
        eprintln!(
            "hrzones: {} an estimated LTHR (resting + 0.85 × (max − resting)); set --lthr or --profile for real hrTSS", super::count(est_lthr, "session uses", "sessions use")
        );
    }
    let est_rest = with_hr
        .iter()
        .filter(|r| r.load.hr_tss.is_some() && r.load.resting_hr.source.starts_with("estimate"))
        .count();
    if est_rest > 0 {
        eprintln!(
            "hrzones: {} the default resting HR {} bpm; set --resting-hr or --profile",
            super::count(est_rest, "session uses", "sessions use"),
            load::DEFAULT_RESTING_HR_BPM
        );
    }
    let default_sex = with_hr
        .iter()
        .filter(|r| r.load.hr_tss.is_some() && r.load.sex_source.starts_with("default"))
        .count();
    if default_sex > 0 {
        eprintln!(
            "hrzones: {} the male TRIMP weighting by default (no sex in the settings or file); set --sex or --profile", super::count(default_sex, "session uses", "sessions use")
        );
    }
    let undated = rows.iter().filter(|r| r.start_unix_s.is_none()).count();
    if undated > 0 {
        eprintln!("hrzones: {} no real date (timestamps since power-on) and {} out of the daily and weekly history", super::count(undated, "session has", "sessions have"), super::plural(undated, "stays", "stay"));
    }
}
