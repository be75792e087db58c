//! `hrzones zones PATH...`: seconds in each heart-rate zone, one row per session.
//!
//! Columns: file, session (0-based), sport, sub_sport, start (RFC 3339 UTC; empty when the
//! file has no real date, with a note), timer_s,
//! elapsed_s, distance_m, avg_hr, max_hr (the watch's session values), hr_samples,
//! hr_covered_s (timer seconds with plausible heart rate, the sum of the zone columns),
//! zone_model, zone_floors_bpm, zone_source, z0_s (below Zone 1), z1_s..zN_s, and
//! device_z0_s.. with the watch's own numbers where it wrote them (its extra bins above
//! the top zone are folded into the top zone), note (what is missing, and every timeline
//! or heart-rate correction that changed the numbers).

use std::process::ExitCode;

use crate::activity::Activity;
use crate::analysis::SessionAnalysis;
use crate::cli::{InputArgs, OutputArgs, ZoneArgs};
use crate::localtime::DateWindow;
use crate::notes;
use crate::profile::Settings;
use crate::report::{Cell, Table};
use crate::terminal::{Col, Show};
use crate::zones::TimeInZoneOptions;

/// Arguments of `hrzones zones`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones zones run.fit\n  hrzones zones ~/exports --zones lthr --lthr 168 --format csv > zones.csv\n  hrzones zones run.fit --bounds 110,130,145,160,175"
)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// One session's row before it becomes table cells.
struct Row {
    cells: Vec<Cell>,
    /// Seconds per zone; None when the session has no HR or no zones.
    secs: Option<Vec<f64>>,
    device: Vec<f64>,
    note: Option<String>,
    no_zones: bool,
}

fn rows(a: &Activity, settings: &Settings, window: &DateWindow) -> Vec<Row> {
    a.sessions
        .iter()
        .filter(|s| window.contains_session(a, s))
        .map(|s| {
            let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
            let hr_samples = a.hr_sample_count(s);
            let (model, floors, source) = match &an.zones {
                Ok(z) => (
                    z.model.name().to_string(),
                    z.floors_text(),
                    z.source.clone(),
                ),
                Err(e) => ("none".to_string(), String::new(), e.to_string()),
            };
            let own = if hr_samples == 0 {
                Some("no heart rate in this session".to_string())
            } else if an.zones.is_err() {
                Some("no zones: set --max-hr, --lthr, --bounds or --profile".to_string())
            } else {
                None
            };
            let note = notes::join(
                own.into_iter()
                    .chain(notes::session_notes(a, s))
                    .chain(an.quality_note()),
            );
            let mut device = s
                .device_zones
                .as_ref()
                .map(|d| d.secs.clone())
                .unwrap_or_default();
            let n = an.secs_in_zone.as_ref().map_or(usize::MAX, Vec::len);
            while device.len() > n && device.len() > 1 {
                let extra = device.pop().unwrap_or(0.0);
                if let Some(last) = device.last_mut() {
                    *last += extra;
                }
            }
            Row {
                cells: vec![
                    Cell::Str(a.source.clone()),
                    Cell::Int(s.index as i64),
                    s.sport_name().into(),
                    s.sub_sport_name().into(),
                    Cell::opt_str(notes::start_rfc3339(a, s)),
                    Cell::float(s.timer_s, 1),
                    Cell::float(s.elapsed_s, 1),
                    Cell::opt_float(s.distance_m, 1),
                    Cell::opt_int(s.avg_hr),
                    Cell::opt_int(s.max_hr),
                    Cell::Int(hr_samples as i64),
                    Cell::float(an.hr_covered_s, 1),
                    Cell::Str(model),
                    Cell::Str(floors),
                    Cell::Str(source),
                ],
                secs: an.secs_in_zone.filter(|_| hr_samples > 0),
                device,
                no_zones: hr_samples > 0 && an.zones.is_err(),
                note,
            }
        })
        .collect()
}

/// The terminal view: file, date, start (local clock), timer time, km, pace, the
/// watch's session average HR (`avg_hr`, headed "watch bpm": it is the file's number, not
/// the one counted here, and empty where the watch wrote none) and the share of HR time
/// in each zone; notes under the table.
const VIEW: [Col; 8] = [
    Col::new("file", "file", Show::BaseName).shrinkable(10),
    Col::new("start", "date", Show::Date),
    Col::new("start", "start", Show::Clock).optional(4),
    Col::new("timer_s", "timer", Show::Seconds),
    Col::new("distance_m", "km", Show::Metres).optional(2),
    Col::new("distance_m", "min/km", Show::Pace).optional(3),
    Col::new("avg_hr", "watch", Show::Plain),
    Col::new("", "", Show::ZoneShares),
];

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    super::check_output(&args.output)?;
    let settings = super::thresholds::with_archive_estimates(
        &args.input,
        args.zones.settings_for(&args.input)?,
    )?;
    let window = args.input.window()?;
    // From a store: each session's HR seconds, not its samples (crate::hr_seconds).
    let (results, summary) = super::run_inputs_hr(&args.input, |a| rows(a, &settings, &window))?;
    let all: Vec<Row> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .collect();
    let no_zones = all.iter().filter(|r| r.no_zones).count();
    if no_zones > 0 {
        eprintln!(
            "hrzones: {} no zones ({} no zones or max HR): set --max-hr, --lthr, --bounds or --profile", super::count(no_zones, "session with heart rate has", "sessions with heart rate have"), super::plural(no_zones, "its file carries", "their files carry")
        );
    }
    let n = all
        .iter()
        .filter_map(|r| r.secs.as_ref())
        .map(Vec::len)
        .max()
        .unwrap_or(6);
    let nd = all.iter().map(|r| r.device.len()).max().unwrap_or(0);
    let mut cols: Vec<String> = [
        "file",
        "session",
        "sport",
        "sub_sport",
        "start",
        "timer_s",
        "elapsed_s",
        "distance_m",
        "avg_hr",
        "max_hr",
        "hr_samples",
        "hr_covered_s",
        "zone_model",
        "zone_floors_bpm",
        "zone_source",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend((0..n).map(|i| format!("z{i}_s")));
    cols.extend((0..nd).map(|i| format!("device_z{i}_s")));
    cols.push("note".into());
    let mut table = Table::new(cols);
    for r in all {
        let mut cells = r.cells;
        let secs = r.secs.unwrap_or_default();
        cells.extend((0..n).map(|i| secs.get(i).map_or(Cell::Null, |v| Cell::float(*v, 1))));
        cells.extend((0..nd).map(|i| r.device.get(i).map_or(Cell::Null, |v| Cell::float(*v, 1))));
        cells.push(Cell::opt_str(r.note));
        table.push(cells);
    }
    super::say_if_none(table.rows.len(), "sessions", &window);
    super::emit_view(&table, &args.output, &VIEW)?;
    // The process ends here: freeing every row cell by cell cost a twentieth of a re-zone
    // from the store, for memory the system takes back at exit anyway.
    std::mem::forget(table);

    Ok(super::finish(&summary))
}
