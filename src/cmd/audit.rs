//! `hrzones audit PATH... [--labels FILE] [--strava-export DIR]`: for every run labelled
//! recovery, did it stay a recovery run? One row per audited run with its verdicts, the
//! evidence and a one-line reason; the rules and a summary follow (on stderr for CSV and
//! JSON, after the table for `--format table`).
//!
//! Every session of every file is read, not just the labelled runs: the context rule
//! needs the hardest session before each run. The per-file step keeps only small
//! per-session records (times, hrTSS, label, evidence), never samples.
//!
//! Columns: file, session (0-based), start (RFC 3339 UTC), label (the text that matched),
//! label_source (labels_file, strava_name, strava_description, fit_workout_name,
//! fit_sport_name, file_name; "candidate" for `--candidates` rows), verdict (ok,
//! incomplete, or: too long, long, drifted, no hard session before, over N km),
//! timer_min, distance_km, avg_hr, max_hr (after the timeline's HR rule), z1_ceiling_bpm
//! (Zone 2's floor), pct_z1_or_below, pct_above_z1, first_left_z1_min,
//! longest_excursion_s, hr_drift_pct, decoupling_pct, hr_ignored_s (seconds of
//! implausible HR excluded; spikes are bridged, see `crate::timeline`), hr_coverage_pct (counted HR time / the time the timer ran in the session, as the timeline reads it), hr_tss, prior_hardest_file, prior_hardest_hr_tss, prior_hardest_h_before,
//! zone_source, reason, note (damage, accepted CRC mismatch, rebuilt session, no date).
//!
//! Exit codes: 0 all inputs read (findings are output); 1 some input files could not be
//! read; 2 usage or fatal error; 3 `--fail-on-finding` and some labelled run has a
//! finding (warnings such as "long" do not count). 1 wins over 3: an audit with missing
//! files is incomplete.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::audit::batch::{self, audit_file, AuditRow, Labeller};
use crate::audit::models::MODELS;
use crate::audit::{resolve_label, LabelPattern, Rules};
use crate::cli::{InputArgs, OutputArgs, ZoneArgs};
use crate::profile::Settings;
use crate::report::{self, Cell, Format, Table};
use crate::terminal::{Col, Show};

/// Exit code for `--fail-on-finding` when a labelled run has a finding.
pub const EXIT_FINDING: u8 = 3;

/// Arguments of `hrzones audit`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Which runs are audited: running sessions (run, trail, treadmill; the run legs of
multisport files) labelled recovery by, in priority order, the labels file, Strava's
activities.csv (Activity Name, then Activity Description), the FIT workout name, the
sport/session name the watch wrote, or the file name. The default pattern matches
recovery and its variants in several languages (récup, regen, Regeneration,
recuperación, herstel, återhämtning, ...) as whole words, ignoring case and accents;
see docs/AUDIT.md.

Exit codes: 0 all inputs read (findings are output); 1 some inputs could not be read;
2 usage or fatal error; 3 --fail-on-finding and a labelled run has a finding.

Examples:
  hrzones audit ~/garmin --lthr 172
  hrzones audit export/ --strava-export export/ --format csv > audit.csv
  hrzones audit runs/ --labels labels.csv --candidates --fail-on-finding")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    zones: ZoneArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Labels file: CSV with two columns, file,label (header row optional). The file is
    /// a path or a base name; its label decides either way ("tempo" takes a run out of
    /// the audit even if its file name says recovery).
    #[arg(long, value_name = "FILE", help_heading = "Labels")]
    labels: Option<PathBuf>,
    /// A Strava bulk export (its folder, its zip, or its activities.csv): runs are
    /// labelled by Activity Name and Activity Description, matched by the Filename
    /// column. A Strava export given as PATH is used without this flag. The same activity
    /// read from another export (Garmin Connect) gets its Strava label too: files are
    /// matched by content.
    #[arg(long, value_name = "DIR|ZIP", help_heading = "Labels")]
    strava_export: Option<PathBuf>,
    /// Regular expression that replaces the default recovery pattern; matched
    /// case-insensitively against each label text, with and without accents.
    #[arg(long, value_name = "REGEX", help_heading = "Labels")]
    label_pattern: Option<String>,
    /// Also list unlabelled runs that look like recovery runs: no longer than
    /// --too-long-min, at least --candidate-z1-pct of the time in Zone 1 or below, and
    /// after a hard session (label_source "candidate").
    #[arg(long, help_heading = "Labels")]
    candidates: bool,
    /// "long" (a warning) past this timer time, minutes.
    #[arg(
        long,
        value_name = "MIN",
        default_value_t = 30.0,
        help_heading = "Rules"
    )]
    long_min: f64,
    /// "too long" past this timer time, minutes.
    #[arg(
        long,
        value_name = "MIN",
        default_value_t = 40.0,
        help_heading = "Rules"
    )]
    too_long_min: f64,
    /// "drifted" when more than this share of the HR-covered timer time is above Zone 1
    /// (at or above Zone 2's floor), %.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 10.0,
        help_heading = "Rules"
    )]
    drift_tolerance_pct: f64,
    /// "drifted" when one continuous excursion above Zone 1 lasts longer than this, s.
    /// Brief spikes take the HR around them; implausible HR does not count.
    #[arg(long, value_name = "S", default_value_t = 60.0, help_heading = "Rules")]
    excursion_limit_s: f64,
    /// A session with at least this hrTSS is a hard session.
    #[arg(
        long,
        value_name = "TSS",
        default_value_t = 70.0,
        help_heading = "Rules"
    )]
    hard_tss: f64,
    /// "no hard session before" unless a hard session ended within this many hours
    /// before the run.
    #[arg(long, value_name = "H", default_value_t = 36.0, help_heading = "Rules")]
    hard_window_h: f64,
    /// The hardest session ending within this many hours before the run is shown.
    #[arg(long, value_name = "H", default_value_t = 48.0, help_heading = "Rules")]
    context_window_h: f64,
    /// "over N km" past this distance, km.
    #[arg(long, value_name = "KM", default_value_t = 8.0, help_heading = "Rules")]
    max_km: f64,
    /// --candidates: least share of the time in Zone 1 or below, %.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 80.0,
        help_heading = "Rules"
    )]
    candidate_z1_pct: f64,
    /// Exit with code 3 when a labelled run has a finding (too long, drifted, no hard
    /// session before, over the distance); "long" is a warning and does not count.
    #[arg(long, help_heading = "Rules")]
    fail_on_finding: bool,
    /// Instead of the verdicts: each audited run's share of time in Zone 1 under five
    /// zone models side by side — the watch's zones, % of max HR, % of HR reserve,
    /// Friel's % of LTHR and Seiler's 3 zones — and how many runs each model finds
    /// compliant (at most --drift-tolerance-pct above Zone 1). See docs/AUDIT.md.
    #[arg(long, help_heading = "Rules")]
    compare_models: bool,
}

impl Args {
    fn rules(&self) -> Rules {
        Rules {
            long_min: self.long_min,
            too_long_min: self.too_long_min,
            drift_tolerance_pct: self.drift_tolerance_pct,
            excursion_limit_s: self.excursion_limit_s,
            hard_tss: self.hard_tss,
            hard_window_h: self.hard_window_h,
            context_window_h: self.context_window_h,
            max_km: self.max_km,
            candidate_z1_pct: self.candidate_z1_pct,
        }
    }
}

/// Whitespace (newlines in a Strava description) collapsed to single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const COLUMNS: [&str; 26] = [
    "file",
    "session",
    "start",
    "label",
    "label_source",
    "verdict",
    "timer_min",
    "distance_km",
    "avg_hr",
    "max_hr",
    "z1_ceiling_bpm",
    "pct_z1_or_below",
    "pct_above_z1",
    "first_left_z1_min",
    "longest_excursion_s",
    "hr_drift_pct",
    "decoupling_pct",
    "hr_ignored_s",
    "hr_coverage_pct",
    "hr_tss",
    "prior_hardest_file",
    "prior_hardest_hr_tss",
    "prior_hardest_h_before",
    "zone_source",
    "reason",
    "note",
];

fn cells(row: &AuditRow, rules: &Rules) -> Vec<Cell> {
    let r = &row.run;
    let ev = r.facts.evidence.as_ref();
    let hardest = row.context.as_ref().and_then(|c| c.hardest.as_ref());
    let (label, source) = match &r.label {
        Some(l) => (Cell::Str(one_line(&l.text)), Cell::from(l.source.name())),
        None => (Cell::Null, Cell::from("candidate")),
    };
    vec![
        Cell::Str(r.file.clone()),
        Cell::Int(r.session as i64),
        Cell::opt_str(r.start.clone()),
        label,
        source,
        Cell::Str(row.judgement.verdict_text(rules)),
        Cell::float(r.facts.timer_s / 60.0, 1),
        Cell::opt_float(r.facts.distance_m.map(|d| d / 1000.0), 2),
        Cell::opt_float(ev.and_then(|e| e.avg_hr_bpm), 0),
        Cell::opt_int(ev.and_then(|e| e.max_hr_bpm)),
        Cell::opt_int(r.facts.z1_ceiling_bpm),
        Cell::opt_float(
            ev.and_then(|e| e.pct_z1_or_below())
                .filter(|_| r.facts.z1_ceiling_bpm.is_some()),
            1,
        ),
        Cell::opt_float(
            ev.and_then(|e| e.pct_above_z1())
                .filter(|_| r.facts.z1_ceiling_bpm.is_some()),
            1,
        ),
        Cell::opt_float(ev.and_then(|e| e.first_left_z1_s).map(|s| s / 60.0), 1),
        Cell::opt_float(
            ev.filter(|_| r.facts.z1_ceiling_bpm.is_some())
                .map(|e| e.longest_excursion_s),
            0,
        ),
        Cell::opt_float(ev.and_then(|e| e.hr_drift_pct), 1),
        Cell::opt_float(ev.and_then(|e| e.decoupling_pct), 1),
        Cell::opt_float(ev.map(|e| e.discarded_s), 0),
        Cell::opt_float(
            ev.filter(|_| r.timed_s > 0.0)
                .map(|e| 100.0 * e.counted_s / r.timed_s),
            1,
        ),
        Cell::opt_float(r.hr_tss, 0),
        Cell::opt_str(hardest.map(|h| format!("{}#{}", h.file, h.session))),
        Cell::opt_float(hardest.map(|h| h.hr_tss), 0),
        Cell::opt_float(hardest.map(|h| h.hours_before), 1),
        Cell::Str(r.zone_source.clone()),
        Cell::Str(row.judgement.reason.clone()),
        Cell::opt_str(r.note.clone()),
    ]
}

/// The terminal view: row number, file, date, local start, timer time, km, average HR,
/// share of HR time in Zone 1 or below, hrTSS, and the verdict (never cut: it wraps).
/// The reasons follow the table, numbered like its rows.
const VIEW: [Col; 10] = [
    Col::new("", "#", Show::RowNumber),
    Col::new("file", "file", Show::BaseName).shrinkable(10),
    Col::new("start", "date", Show::Date),
    Col::new("start", "start", Show::Clock).optional(4),
    Col::new("timer_min", "timer", Show::Minutes),
    Col::new("distance_km", "km", Show::Plain).optional(2),
    Col::new("avg_hr", "bpm", Show::Plain),
    Col::new("pct_z1_or_below", "z1%", Show::Plain),
    Col::new("hr_tss", "hrTSS", Show::Plain).optional(3),
    Col::new("verdict", "verdict", Show::Plain),
];

/// The audit's verdict for every run labelled recovery (default rules, the given
/// labels), keyed by (input name, session index): what `hrzones chart` puts in a run's
/// title and marks on the PMC chart. Reads the inputs itself (decoding is cheap next to
/// rendering) and reports nothing on stderr; `labels` and `strava_export` as for
/// `hrzones audit`, and Strava exports among the inputs lend their names too.
pub fn verdicts(
    input: &InputArgs,
    settings: &Settings,
    labels: Option<&std::path::Path>,
    strava_export: Option<&std::path::Path>,
) -> anyhow::Result<HashMap<(String, usize), String>> {
    let rules = Rules::default();
    let quiet = InputArgs {
        quiet: true,
        ..input.clone()
    };
    let mut labeller = Labeller::from_flags(labels, strava_export, LabelPattern::Default)?;
    let ((results, _), csvs) =
        super::run_inputs_labelled(&quiet, false, |a| audit_file(a, settings, false))?;
    labeller.add_found(&csvs);
    let outcome = batch::assemble(results, &labeller, &rules, false);
    Ok(outcome
        .rows
        .into_iter()
        .map(|r| {
            (
                (r.run.file, r.run.session),
                r.judgement.verdict_text(&rules),
            )
        })
        .collect())
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    super::check_output(&args.output)?;
    let zone_settings = args.zones.settings_for(&args.input)?;
    let rules = args.rules();
    rules.validate().map_err(anyhow::Error::msg)?;
    let pattern = match &args.label_pattern {
        Some(p) => LabelPattern::regex(p)?,
        None => LabelPattern::Default,
    };
    let mut labeller = Labeller::from_flags(
        args.labels.as_deref(),
        args.strava_export.as_deref(),
        pattern,
    )?;
    // Flags and their files first (a wrong path fails at once), then the inputs, which
    // the archive's threshold estimates already read.
    let settings = super::thresholds::with_archive_estimates(&args.input, zone_settings)?;
    let ((results, file_summary), csvs) = super::run_inputs_labelled(&args.input, true, |a| {
        audit_file(a, &settings, args.compare_models)
    })?;
    for w in &labeller.add_found(&csvs) {
        eprintln!("hrzones: warning: {w}");
    }
    let outcome = batch::assemble_in(
        results,
        &labeller,
        &rules,
        args.candidates,
        &args.input.window()?,
    );
    let (rows, summary, any_finding) = (outcome.rows, outcome.summary, outcome.any_finding);
    let (labels_seen, not_runs) = (outcome.labels_seen, outcome.labelled_not_runs);
    let setup = &labeller;
    notes(setup, &labels_seen, &not_runs, &rows);
    if rows.is_empty() {
        let candidates = if args.candidates {
            "no unlabelled run looked like one either (--candidates: mostly Zone 1, short, after a hard session)"
        } else {
            "--candidates also lists unlabelled runs that look like recovery"
        };
        eprintln!(
            "hrzones: no run is labelled recovery: recovery runs are found by the words in their file, activity or workout names, in Strava's activities.csv (--strava-export) or in a --labels file; {candidates}"
        );
    }
    if args.compare_models {
        compare_report(&rows, &rules, &args.output)?;
        return Ok(super::finish(&file_summary));
    }
    let mut tail = vec![
        rules.describe(),
        format!("labels: {}", setup.pattern.describe()),
    ];
    tail.extend(summary.lines(&rules));

    let format = super::format_of(&args.output);
    let mut table = Table::new(COLUMNS);
    for row in &rows {
        table.push(cells(row, &rules));
    }
    if format == Format::Table {
        let mut trailer = Vec::new();
        if !rows.is_empty() {
            trailer.push(String::new());
            trailer.push("reasons:".to_string());
            for (n, row) in rows.iter().enumerate() {
                trailer.push(format!("{:>4}  {}", n + 1, row.judgement.reason));
            }
            trailer.push(String::new());
        }
        trailer.extend(tail);
        super::emit_view_with(&table, &args.output, &VIEW, &trailer)?;
    } else {
        super::emit(&table, &args.output)?;
        for line in &tail {
            eprintln!("hrzones: {line}");
        }
    }

    let code = super::finish(&file_summary);
    if code == ExitCode::SUCCESS && args.fail_on_finding && any_finding {
        return Ok(ExitCode::from(EXIT_FINDING));
    }
    Ok(code)
}

/// `--compare-models`: Zone 1 compliance per model, one row per audited run, and per
/// model how many runs stay within the drift tolerance.
fn compare_report(rows: &[AuditRow], rules: &Rules, out: &OutputArgs) -> anyhow::Result<()> {
    let tol = rules.drift_tolerance_pct;
    let mut tail = vec![format!(
        "Zone 1 compliance by model (compliant: at most {tol} % of the HR time above Zone 1; docs/AUDIT.md):"
    )];
    for (m, name) in MODELS.iter().enumerate() {
        let pcts: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| r.run.models.as_ref())
            .filter_map(|ms| ms[m].pct_z1_or_below.zip(ms[m].pct_above_z1))
            .collect();
        let ok = pcts.iter().filter(|(_, above)| *above <= tol).count();
        let mut z1: Vec<f64> = pcts.iter().map(|x| x.0).collect();
        z1.sort_by(f64::total_cmp);
        let median = z1
            .get(z1.len() / 2)
            .map_or("-".to_string(), |v| format!("{v:.1} %"));
        tail.push(format!(
            "  {name:<7} {ok} of {} runs compliant; median time in Zone 1 {median}",
            pcts.len()
        ));
    }
    let with_hr = rows.iter().filter(|r| r.run.models.is_some()).count();
    tail.push(format!(
        "  ({with_hr} runs with heart rate; a model without its number for a run (max HR, resting HR, LTHR, the watch's zones) leaves it out)"
    ));
    let format = super::format_of(out);
    if format == Format::Table {
        let mut t = Table::new(
            ["#", "date", "min", "avg_hr"]
                .into_iter()
                .map(String::from)
                .chain(MODELS.iter().map(|m| m.to_string())),
        );
        for (n, row) in rows.iter().enumerate() {
            let r = &row.run;
            let ev = r.facts.evidence.as_ref();
            let mut c = vec![
                Cell::Int(n as i64 + 1),
                Cell::Str(
                    r.start
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(10)
                        .collect(),
                ),
                Cell::float(r.facts.timer_s / 60.0, 0),
                Cell::opt_float(ev.and_then(|e| e.avg_hr_bpm), 0),
            ];
            for m in 0..MODELS.len() {
                let z = r.models.as_ref().map(|ms| ms[m]).unwrap_or_default();
                c.push(match (z.pct_z1_or_below, z.ceiling_bpm) {
                    (Some(p), Some(ceil)) => Cell::Str(format!("{p:.0}%<{ceil}")),
                    _ => Cell::Null,
                });
            }
            t.push(c);
        }
        let mut buf = Vec::new();
        report::write_text_table(&t, &mut buf)?;
        writeln!(
            buf,
            "\neach model: % of HR time in Zone 1 or below < Zone 2's floor (bpm)\n"
        )?;
        for line in &tail {
            writeln!(buf, "{line}")?;
        }
        match &out.output {
            Some(path) => report::write_atomic(path, |w| w.write_all(&buf))
                .with_context(|| format!("could not write {}", path.display()))?,
            None => {
                let mut o = std::io::stdout().lock();
                o.write_all(&buf)?;
                o.flush()?;
            }
        }
        return Ok(());
    }
    let mut cols: Vec<String> = ["file", "session", "start", "label", "timer_min", "avg_hr"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for m in MODELS {
        cols.push(format!("{m}_z1_ceiling_bpm"));
        cols.push(format!("{m}_pct_z1_or_below"));
    }
    let mut table = Table::new(cols);
    for row in rows {
        let r = &row.run;
        let ev = r.facts.evidence.as_ref();
        let mut c = vec![
            Cell::Str(r.file.clone()),
            Cell::Int(r.session as i64),
            Cell::Str(r.start.clone().unwrap_or_default()),
            Cell::opt_str(r.label.as_ref().map(|l| one_line(&l.text))),
            Cell::float(r.facts.timer_s / 60.0, 1),
            Cell::opt_float(ev.and_then(|e| e.avg_hr_bpm), 0),
        ];
        for m in 0..MODELS.len() {
            let z = r.models.as_ref().map(|ms| ms[m]).unwrap_or_default();
            c.push(Cell::opt_int(z.ceiling_bpm));
            c.push(Cell::opt_float(z.pct_z1_or_below, 1));
        }
        table.push(c);
    }
    super::emit(&table, out)?;
    for line in &tail {
        eprintln!("hrzones: {line}");
    }
    Ok(())
}

/// Notes on stderr about labels that did not lead to an audited run.
fn notes(
    setup: &Labeller,
    labels_seen: &HashSet<String>,
    not_runs: &BTreeMap<String, usize>,
    rows: &[AuditRow],
) {
    if let Some(book) = &setup.labels {
        let unmatched: Vec<&str> = book
            .entries
            .iter()
            .filter(|e| !labels_seen.contains(&e.key))
            .map(|e| e.key.as_str())
            .collect();
        if !unmatched.is_empty() {
            eprintln!(
                "hrzones: warning: {} of {} entries of {} matched no input file (e.g. {}); name files by a path relative to an input, or by their base name",
                unmatched.len(),
                book.entries.len(),
                book.path.as_ref().map_or("the labels file".into(), |p| p.display().to_string()),
                unmatched.iter().take(3).copied().collect::<Vec<_>>().join(", ")
            );
        }
    }
    for book in &setup.strava {
        let unreadable: Vec<&str> = book
            .entries
            .iter()
            .filter(|e| {
                !e.key.to_ascii_lowercase().ends_with(".fit")
                    && resolve_label(&e.texts, &setup.pattern).is_some()
            })
            .map(|e| e.key.as_str())
            .collect();
        if !unreadable.is_empty() {
            eprintln!(
                "hrzones: note: {} activities labelled recovery in activities.csv are not FIT files (GPX/TCX), which hrzones does not read (e.g. {})",
                unreadable.len(),
                unreadable.iter().take(3).copied().collect::<Vec<_>>().join(", ")
            );
        }
    }
    if !not_runs.is_empty() {
        let list: Vec<String> = not_runs.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        eprintln!(
            "hrzones: note: sessions labelled recovery that are not runs were not audited ({})",
            list.join(", ")
        );
    }
    let no_zones = rows
        .iter()
        .filter(|r| r.run.facts.evidence.is_some() && r.run.facts.z1_ceiling_bpm.is_none())
        .count();
    if no_zones > 0 {
        eprintln!(
            "hrzones: {no_zones} audited runs have heart rate but no zones, so Zone 1 was not checked: set --max-hr, --lthr, --bounds or --profile"
        );
    }
}
