//! `hrzones chart PATH... --out DIR`: one chart per session (heart rate over the zone
//! bands, the Zone 1 ceiling, time in zone beside it) plus the archive's history charts.
//!
//! Files written into DIR (created if missing; existing files are replaced atomically):
//! - `<file stem>_s<session>.png` (or `.svg` with `--svg`) per session with heart rate
//!   and zones; the stem is the input's file name without folders, `.gz` and `.fit`,
//!   sanitised; when two inputs share a stem, 8 hex digits of a hash of the full input
//!   name are appended to both so neither overwrites the other. A file of a Strava export
//!   whose `activities.csv` names it gets that name too: `<id>_<Activity_Name>_s0.png`;
//! - `weekly_zones.png`: hours per ISO week in each zone, one panel per sport;
//! - `pmc.png`: CTL/ATL/TSB with recovery-run findings marked (needs hrTSS: skipped with
//!   a message until the load stage is wired in).
//!
//! The charted paths are printed on stdout, one per line. DIR must not be an input
//! folder or inside one, nor the folder of an input file: the archive is never written
//! to. Charts are drawn inside the per-file closure of the parallel pipeline, one file at
//! a time per thread, and dropped once written, so memory stays flat over any archive.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use crate::activity::{Activity, Session};
use crate::analysis::SessionAnalysis;
use crate::audit::labels::{LabelBook, LabelSource};
use crate::chart::{
    self, ChartError, ChartFormat, PmcDay, PmcFinding, PmcInput, RunChartInput, WeeklyZonesInput,
};
use crate::cli::{InputArgs, ZoneArgs};
use crate::localtime::DateWindow;
use crate::profile::{session_date, Settings};
use crate::source;
use crate::zones::TimeInZoneOptions;

/// Arguments of `hrzones chart`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones chart run.fit --out charts\n  hrzones chart ~/exports --out ~/charts --lthr 168 --only-recovery\n  hrzones chart export.zip --out charts --svg"
)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    /// Folder for the charts (created if missing). Must not be an input folder, inside
    /// one, or the folder of an input file.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// SVG instead of PNG (text stays text).
    #[arg(long)]
    svg: bool,
    /// Per-session charts only for runs labelled recovery (history charts still cover
    /// every session): the same runs `hrzones audit` audits, with the same labels.
    #[arg(long)]
    only_recovery: bool,
    /// Labels file, as for `hrzones audit`: CSV file,label.
    #[arg(long, value_name = "FILE", help_heading = "Labels")]
    labels: Option<PathBuf>,
    /// A Strava bulk export (folder, zip or activities.csv) whose activity names and
    /// descriptions label the runs, as for `hrzones audit`. A Strava export given as PATH
    /// is used without this flag.
    #[arg(long, value_name = "DIR|ZIP", help_heading = "Labels")]
    strava_export: Option<PathBuf>,
}

/// What became of one session.
#[derive(Debug)]
enum Drawn {
    /// Chart written here.
    Written(PathBuf),
    /// Not selected (`--only-recovery`).
    NotSelected,
    /// No heart rate.
    NoHeartRate,
    /// No zones.
    NoZones,
    /// Drawing or writing failed.
    Failed(String),
}

/// The little a session leaves behind once its chart is written: enough for the
/// history charts.
#[derive(Debug)]
struct SessionOutcome {
    date: Option<NaiveDate>,
    sport: &'static str,
    secs_in_zone: Option<Vec<f64>>,
    /// Names of Z1..ZN of the session's zone model (for the weekly chart's legend).
    zone_names: Option<Vec<String>>,
    hr_tss: Option<f64>,
    /// The audit's verdict, for runs labelled recovery.
    verdict: Option<String>,
    drawn: Drawn,
}

/// The session's hrTSS, as `hrzones load` computes it.
fn session_hr_tss(
    a: &Activity,
    s: &Session,
    an: &SessionAnalysis,
    settings: &Settings,
) -> Option<f64> {
    crate::load::SessionLoad::compute(a, s, an, settings).hr_tss
}

/// The CTL/ATL/TSB series over the days of the charted sessions, as `hrzones load
/// --daily` computes it (hrTSS summed per UTC day, rest days zero, τ 42 and 7 days), with
/// each recovery-run finding marked on its day.
///
/// With `--since`/`--until` the series is computed from every session up to `until`
/// (CTL needs the history) and drawn from `since`.
fn pmc_input(outcomes: &[&SessionOutcome], window: &DateWindow) -> Option<PmcInput> {
    let daily: Vec<(NaiveDate, f64)> = outcomes
        .iter()
        .filter_map(|o| Some((o.date?, o.hr_tss?)))
        .filter(|(d, _)| window.until.is_none_or(|u| *d <= u))
        .collect();
    let first = daily.iter().map(|d| d.0).min()?;
    let last = daily.iter().map(|d| d.0).max()?;
    let n = (last - first).num_days() as usize + 1;
    let mut load = vec![0.0; n];
    for (d, tss) in &daily {
        load[(*d - first).num_days() as usize] += tss;
    }
    let pmc = crate::load::pmc_series(
        &load,
        crate::load::DEFAULT_CTL_DAYS,
        crate::load::DEFAULT_ATL_DAYS,
    )
    .ok()?;
    let days = (0..n)
        .filter_map(|i| {
            Some(PmcDay {
                date: first.checked_add_signed(chrono::Duration::days(i as i64))?,
                ctl: pmc.ctl[i],
                atl: pmc.atl[i],
                tsb: pmc.tsb[i],
            })
        })
        .filter(|d: &PmcDay| window.since.is_none_or(|s| d.date >= s))
        .collect::<Vec<_>>();
    if days.is_empty() {
        return None;
    }
    let findings = outcomes
        .iter()
        .filter_map(|o| {
            let v = o.verdict.as_deref()?;
            if !window.contains(o.date) {
                return None;
            }
            (v != "ok").then(|| {
                Some(PmcFinding {
                    date: o.date?,
                    label: v.to_string(),
                })
            })?
        })
        .collect();
    Some(PmcInput { days, findings })
}

/// The file-name stem of an input: its name without folders (or zip path), `.gz` and
/// `.fit`, with anything but letters, digits, `-`, `_`, `+` and `.` replaced by `_`.
pub fn chart_stem(source_name: &str) -> String {
    let base = source_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_name);
    let base = base.rsplit(':').next().unwrap_or(base);
    let mut stem = base.to_string();
    for suffix in [".gz", ".fit"] {
        if stem.to_ascii_lowercase().ends_with(suffix) {
            stem.truncate(stem.len() - suffix.len());
        }
    }
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_+.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_string();
    if clean.is_empty() {
        "activity".to_string()
    } else if clean.len() > MAX_STEM {
        // File names are at most 255 bytes: a zip entry name can be longer (it made
        // `chart` exit 2). Cut, with a hash of the whole name so cut names stay distinct.
        // `clean` is ASCII, so any byte index is a character boundary.
        let h = xxhash_rust::xxh3::xxh3_64(stem.as_bytes());
        format!("{}_{:08x}", &clean[..MAX_STEM], h >> 32)
    } else {
        clean
    }
}

/// Longest stem kept whole: with a hash, a session number and an extension the chart's
/// file name stays far below the 255 bytes file systems allow.
const MAX_STEM: usize = 120;

/// Stems shared by more than one input, which then get a hash suffix.
fn shared_stems(names: impl IntoIterator<Item = String>) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for n in names {
        *counts.entry(chart_stem(&n)).or_default() += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}

/// Longest activity name kept in a file name, characters.
const MAX_NAME_CHARS: usize = 60;

/// An activity name (Strava's "Activity Name") made safe for a file name: letters and
/// digits of any script kept, `-` and `+` kept, anything else (spaces, `/`, `:`, quotes,
/// emoji) one `_`, no `_` at either end, at most [`MAX_NAME_CHARS`] characters. None when
/// nothing is left.
pub fn name_part(activity_name: &str) -> Option<String> {
    let mut out = String::new();
    for c in activity_name.chars() {
        let c = if c.is_alphanumeric() || c == '-' || c == '+' {
            c
        } else {
            '_'
        };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    let cut: String = out.chars().take(MAX_NAME_CHARS).collect();
    let cut = cut.trim_end_matches('_');
    (!cut.is_empty()).then(|| cut.to_string())
}

/// `<stem>[_<hash>][_<activity name>]_s<session>.<ext>`.
fn chart_file_name(
    source_name: &str,
    activity_name: Option<&str>,
    session: usize,
    shared: &HashMap<String, usize>,
    ext: &str,
) -> String {
    let mut stem = chart_stem(source_name);
    if shared.contains_key(&stem) {
        let h = xxhash_rust::xxh3::xxh3_64(source_name.as_bytes());
        stem.push_str(&format!("_{:08x}", h >> 32));
    }
    if let Some(name) = activity_name.and_then(name_part) {
        stem.push('_');
        stem.push_str(&name);
    }
    format!("{stem}_s{session}.{ext}")
}

/// Strava activity names by input file, from the `activities.csv` of the exports given
/// with `--strava-export` or found among the inputs (issue 12 item 16: a Strava export's
/// charts were named by activity id only).
#[derive(Debug, Default)]
struct ActivityNames {
    books: Vec<LabelBook>,
}

impl ActivityNames {
    /// The Strava "Activity Name" of an input, if an export names it.
    fn of(&self, source: &str) -> Option<&str> {
        self.books.iter().find_map(|b| {
            b.lookup(source)?
                .texts
                .iter()
                .find(|(src, text)| *src == LabelSource::StravaName && !text.trim().is_empty())
                .map(|(_, text)| text.as_str())
        })
    }
}

/// Refuses an output folder that would write into the archive.
fn check_out_dir(out: &Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let Some(input) = crate::fsutil::input_holding(out, inputs) else {
        return Ok(());
    };
    if input.is_dir() {
        anyhow::bail!(
            "--out {} is inside the input folder {}: charts are never written into the archive; choose a folder outside it",
            out.display(),
            input.display()
        );
    }
    anyhow::bail!(
        "--out {} is the folder of the input {}: charts are never written next to the inputs; choose another folder",
        out.display(),
        input.display()
    )
}

/// What every activity's charts share: planned file stems, the audit's verdicts, Strava
/// names, the image format and the date window.
struct ChartPlan<'a> {
    shared: &'a HashMap<String, usize>,
    verdicts: &'a HashMap<(String, usize), String>,
    names: &'a ActivityNames,
    format: ChartFormat,
    window: &'a DateWindow,
}

/// Analyses and charts every session of one activity; returns the small outcomes.
fn chart_activity(
    a: &Activity,
    settings: &Settings,
    args: &Args,
    plan: &ChartPlan<'_>,
) -> Vec<SessionOutcome> {
    let ChartPlan {
        shared,
        verdicts,
        names,
        format,
        window,
    } = *plan;
    let activity_name = names.of(&a.source);
    a.sessions
        .iter()
        .map(|s| {
            let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
            let hr_tss = session_hr_tss(a, s, &an, settings);
            let has_hr = an.hr_covered_s > 0.0;
            let verdict = verdicts.get(&(a.source.clone(), s.index)).cloned();
            let date = session_date(a, s);
            let drawn = if (args.only_recovery && verdict.is_none()) || !window.contains(date) {
                Drawn::NotSelected
            } else if !has_hr {
                Drawn::NoHeartRate
            } else {
                let verdict = verdict.clone();
                let path = args.out.join(chart_file_name(
                    &a.source,
                    activity_name,
                    s.index,
                    shared,
                    format.extension(),
                ));
                match RunChartInput::from_session(a, s, &an, hr_tss, verdict)
                    .and_then(|input| chart::render_run(&input, format, &path))
                {
                    Ok(_) => Drawn::Written(path),
                    Err(ChartError::NoZones(_)) => Drawn::NoZones,
                    Err(ChartError::NoHeartRate) => Drawn::NoHeartRate,
                    Err(e) => Drawn::Failed(format!("{}: session {}: {e}", a.source, s.index)),
                }
            };
            SessionOutcome {
                date,
                sport: s.sport_name(),
                secs_in_zone: an.secs_in_zone.filter(|_| has_hr),
                zone_names: an.zones.as_ref().ok().map(|z| z.names.clone()),
                hr_tss,
                verdict,
                drawn,
            }
        })
        .collect()
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let zone_settings = args.zones.settings_for(&args.input)?;
    let window = args.input.window()?;
    check_out_dir(&args.out, &args.input.resolved()?.paths)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("could not create {}", args.out.display()))?;
    // Again on the folder as it now exists (canonical: symlinks made meanwhile count).
    check_out_dir(&args.out, &args.input.resolved()?.paths)?;
    let settings = super::thresholds::with_archive_estimates(&args.input, zone_settings)?;
    chart::ensure_fonts()?;
    let format = if args.svg {
        ChartFormat::Svg
    } else {
        ChartFormat::Png
    };
    // Names are planned before the parallel run so that two inputs with the same stem
    // never race for one file name.
    let collected = source::collect(&args.input.resolved()?.paths);
    let mut labeller = crate::audit::batch::Labeller::from_flags(
        None,
        args.strava_export.as_deref(),
        crate::audit::labels::LabelPattern::Default,
    )?;
    // Unreadable ones are reported by the audit pass, which reads the same files.
    let _ = labeller.add_found(&collected.activity_csvs);
    let activity_names = ActivityNames {
        books: labeller.strava,
    };
    let names: Vec<String> = match &args.input.store {
        // With --store the charted files are the store's (PATHs only select among them).
        Some(dir) => crate::store::Store::open(dir)?
            .files()
            .iter()
            .filter(|e| e.has_rows())
            .map(|e| e.path.clone())
            .collect(),
        None => collected.files.iter().map(|f| f.name()).collect(),
    };
    let shared = shared_stems(names);

    let started = Instant::now();
    // The recovery audit needs every session's context, so it runs first, over the
    // same inputs; its verdicts go in the titles and on the PMC chart.
    let verdicts = super::audit::verdicts(
        &args.input,
        &settings,
        args.labels.as_deref(),
        args.strava_export.as_deref(),
    )?;
    let plan = ChartPlan {
        shared: &shared,
        verdicts: &verdicts,
        names: &activity_names,
        format,
        window: &window,
    };
    let (results, summary) =
        super::run_inputs(&args.input, |a| chart_activity(a, &settings, args, &plan))?;
    let outcomes: Vec<SessionOutcome> = results
        .into_iter()
        .filter_map(|(_, r)| r)
        .flatten()
        .collect();
    let elapsed_s = started.elapsed().as_secs_f64();

    let mut written = 0usize;
    let mut failed = 0usize;
    let (mut no_hr, mut no_zones) = (0usize, 0usize);
    {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for o in &outcomes {
            match &o.drawn {
                Drawn::Written(p) => {
                    written += 1;
                    writeln!(out, "{}", p.display())?;
                }
                Drawn::Failed(msg) => {
                    failed += 1;
                    eprintln!("hrzones: {msg}");
                }
                Drawn::NoHeartRate => no_hr += 1,
                Drawn::NoZones => no_zones += 1,
                Drawn::NotSelected => {}
            }
        }
        out.flush()?;
    }
    if no_hr > 0 {
        eprintln!(
            "hrzones: {} without heart rate: no chart",
            super::count(no_hr, "session", "sessions")
        );
    }
    if no_zones > 0 {
        eprintln!(
            "hrzones: {} no zones ({} no zones or max HR): set --max-hr, --lthr, --bounds or --profile", super::count(no_zones, "session with heart rate has", "sessions with heart rate have"), super::plural(no_zones, "its file carries", "their files carry")
        );
    }
    eprintln!(
        "hrzones: {written} session charts in {elapsed_s:.2} s ({:.1} charts/s, decoding included)",
        written as f64 / elapsed_s.max(1e-9)
    );

    let history: Vec<&SessionOutcome> = outcomes.iter().collect();
    let weekly = WeeklyZonesInput::from_sessions(
        history
            .iter()
            .filter(|o| window.contains(o.date))
            .filter_map(|o| Some((o.date?, o.sport, o.secs_in_zone.as_deref()?))),
    )
    .with_zone_names(chart::merged_zone_names(history.iter().filter_map(|o| {
        o.secs_in_zone.as_ref()?;
        o.zone_names.as_deref()
    })));
    let weekly_path = args
        .out
        .join(format!("weekly_zones.{}", format.extension()));
    match chart::render_weekly_zones(&weekly, format, &weekly_path) {
        Ok(()) => writeln!(std::io::stdout().lock(), "{}", weekly_path.display())?,
        Err(ChartError::Empty(why)) => {
            eprintln!("hrzones: {} not written: {why}", weekly_path.display())
        }
        Err(e) => {
            failed += 1;
            eprintln!("hrzones: {e}");
        }
    }
    let pmc_path = args.out.join(format!("pmc.{}", format.extension()));
    match pmc_input(&history, &window) {
        Some(pmc) => match chart::render_pmc(&pmc, format, &pmc_path) {
            Ok(()) => writeln!(std::io::stdout().lock(), "{}", pmc_path.display())?,
            Err(e) => {
                failed += 1;
                eprintln!("hrzones: {e}");
            }
        },
        None => eprintln!(
            "hrzones: {} not written: no session with a date and an hrTSS (hrTSS needs a max HR: --max-hr or --profile)",
            pmc_path.display()
        ),
    }

    if failed > 0 {
        eprintln!(
            "hrzones: {} not be written",
            super::count(failed, "chart could", "charts could")
        );
        eprintln!("hrzones: {}", summary.line());
        return Ok(ExitCode::from(2));
    }
    Ok(super::finish(&summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_folders_zip_paths_and_suffixes() {
        assert_eq!(chart_stem("/a/b/2024-11-22-run.fit"), "2024-11-22-run");
        assert_eq!(chart_stem("/a/export.zip:activities/123.fit.gz"), "123");
        assert_eq!(chart_stem("export.zip:456.FIT"), "456");
        assert_eq!(
            chart_stem("C:\\runs\\Morning Run (1).fit"),
            "Morning_Run__1_"
        );
        assert_eq!(chart_stem("/x/.fit"), "activity");
        assert_eq!(chart_stem("/x/..fit"), "activity");
    }

    #[test]
    fn long_entry_names_give_file_names_file_systems_accept() {
        let long = format!("export.zip:{}.fit", "a".repeat(300));
        let other = format!("export.zip:{}b.fit", "a".repeat(300));
        let stem = chart_stem(&long);
        assert!(stem.len() <= MAX_STEM + 9, "{}", stem.len());
        assert_ne!(stem, chart_stem(&other));
        let name = chart_file_name(
            &long,
            Some(&"Long run ".repeat(40)),
            12,
            &HashMap::new(),
            "png",
        );
        assert!(name.len() < 200, "{name}");
    }

    #[test]
    fn shared_stems_get_a_stable_distinct_suffix() {
        let names = ["/a/run.fit", "/b/run.fit.gz", "/c/other.fit"].map(String::from);
        let shared = shared_stems(names.clone());
        let a = chart_file_name(&names[0], None, 0, &shared, "png");
        let b = chart_file_name(&names[1], None, 0, &shared, "png");
        let c = chart_file_name(&names[2], None, 1, &shared, "png");
        assert_ne!(a, b);
        assert!(a.starts_with("run_") && a.ends_with("_s0.png"), "{a}");
        assert_eq!(a, chart_file_name(&names[0], None, 0, &shared, "png"));
        assert_eq!(c, "other_s1.png");
        // Issue 12 item 16: a Strava activity's name follows its id.
        assert_eq!(
            chart_file_name(
                "export.zip:activities/123.fit.gz",
                Some("Easy recovery jog"),
                0,
                &shared,
                "png"
            ),
            "123_Easy_recovery_jog_s0.png"
        );
    }

    #[test]
    fn activity_names_become_file_name_safe() {
        assert_eq!(name_part("Morning Run").as_deref(), Some("Morning_Run"));
        assert_eq!(
            name_part("  Récup / 5x1' @ Z1: \"easy\" 🏃 ").as_deref(),
            Some("Récup_5x1_Z1_easy")
        );
        assert_eq!(name_part("回復走").as_deref(), Some("回復走"));
        assert_eq!(name_part("../../etc").as_deref(), Some("etc"));
        assert_eq!(name_part("🏃‍♀️ / :"), None);
        assert_eq!(name_part(""), None);
        let long = name_part(&"ab ".repeat(100)).unwrap();
        assert!(
            long.chars().count() <= MAX_NAME_CHARS && !long.ends_with('_'),
            "{long}"
        );
        // Never a separator, a dot or a control character.
        let odd = name_part("a/b\\c:d*e?f\"g<h>i|j.k\u{0}l\nm").unwrap();
        assert!(
            odd.chars()
                .all(|c| c.is_alphanumeric() || "_-+".contains(c)),
            "{odd}"
        );
    }

    #[test]
    fn out_dir_inside_an_input_folder_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().to_path_buf();
        assert!(check_out_dir(&input, std::slice::from_ref(&input)).is_err());
        assert!(check_out_dir(&input.join("charts/x"), std::slice::from_ref(&input)).is_err());
        let file = input.join("a.fit");
        std::fs::write(&file, b"x").unwrap();
        // Next to an input file: refused; a subfolder beside it is fine.
        assert!(check_out_dir(&input, std::slice::from_ref(&file)).is_err());
        assert!(check_out_dir(&input.join("charts"), std::slice::from_ref(&file)).is_ok());
        let other = tempfile::tempdir().unwrap();
        assert!(check_out_dir(other.path(), std::slice::from_ref(&input)).is_ok());
        // Issue 17 item 9: `..` through folders that do not exist yet.
        let sneaky = other
            .path()
            .join("nothere/../..")
            .join(input.file_name().unwrap())
            .join("charts");
        assert!(
            check_out_dir(&sneaky, std::slice::from_ref(&input)).is_err(),
            "{}",
            sneaky.display()
        );
    }
}
