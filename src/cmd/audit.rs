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
//! implausible HR excluded; spikes are bridged, see `crate::timeline`), hr_coverage_pct (counted HR time / timer time), hr_tss, prior_hardest_file, prior_hardest_hr_tss, prior_hardest_h_before,
//! zone_source, reason.
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

use crate::activity::{Activity, Session};
use crate::analysis::{start_text, start_unix_s, SessionAnalysis};
use crate::audit::{
    self, context_before, hr_evidence, is_candidate, judge, resolve_label, AuditSummary, Context,
    Judgement, Label, LabelBook, LabelPattern, LabelSource, Rules, RunFacts, SampleSlices,
    SessionStress,
};
use crate::cli::{InputArgs, OutputArgs, ZoneArgs};
use crate::profile::Settings;
use crate::report::{self, Cell, Format, Table};
use crate::zones::TimeInZoneOptions;

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
    /// A Strava bulk export folder (or its activities.csv): runs are labelled by
    /// Activity Name and Activity Description, matched by the Filename column. Also
    /// pass the folder (or its activities/ folder) as PATH to read the files.
    #[arg(long, value_name = "DIR", help_heading = "Labels")]
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

/// Everything the per-file step needs, shared by the worker threads.
struct Setup {
    settings: Settings,
    rules: Rules,
    pattern: LabelPattern,
    labels: Option<LabelBook>,
    strava: Option<LabelBook>,
    candidates: bool,
}

/// One running session the audit may show.
struct RunRecord {
    file: String,
    session: usize,
    start_text: String,
    start_unix_s: Option<i64>,
    stress: Option<SessionStress>,
    label: Option<Label>,
    facts: RunFacts,
    hr_tss: Option<f64>,
    zone_source: String,
}

/// What the per-file step keeps.
#[derive(Default)]
struct FileAudit {
    stresses: Vec<SessionStress>,
    runs: Vec<RunRecord>,
    /// Sessions labelled recovery that are not runs: (sport, label).
    labelled_not_runs: Vec<String>,
    /// Labels-file keys that named this file.
    labels_keys: Vec<String>,
}

/// The file's own name: after the last `/` or `:` (zip entries), `\` as a separator.
fn base_name(source: &str) -> &str {
    source.rsplit(['/', '\\', ':']).next().unwrap_or(source)
}

/// A session's label texts in priority order (see `audit::labels`).
fn label_texts(
    a: &Activity,
    s: &Session,
    setup: &Setup,
    labels_key: &mut Option<String>,
) -> Vec<(LabelSource, String)> {
    let mut texts = Vec::new();
    if let Some(e) = setup.labels.as_ref().and_then(|b| b.lookup(&a.source)) {
        texts.extend(e.texts.iter().cloned());
        *labels_key = Some(e.key.clone());
    }
    if let Some(e) = setup.strava.as_ref().and_then(|b| b.lookup(&a.source)) {
        texts.extend(e.texts.iter().cloned());
    }
    for w in &a.workout_names {
        texts.push((LabelSource::FitWorkoutName, w.clone()));
    }
    if let Some(n) = &s.sport_profile_name {
        texts.push((LabelSource::FitSportName, n.clone()));
    }
    for n in &a.sport_names {
        if s.sport_profile_name.as_ref() != Some(n) {
            texts.push((LabelSource::FitSportName, n.clone()));
        }
    }
    texts.push((LabelSource::FileName, base_name(&a.source).to_string()));
    texts
}

fn audit_file(a: &Activity, setup: &Setup) -> FileAudit {
    let mut out = FileAudit::default();
    for s in &a.sessions {
        let an = SessionAnalysis::compute(a, s, &setup.settings, TimeInZoneOptions::default());
        let hr_tss = audit::session_stress(a, s, &an, &setup.settings);
        let stress = start_unix_s(a, s).map(|start| SessionStress {
            file: a.source.clone(),
            session: s.index,
            sport: s.sport_name().to_string(),
            start_unix_s: start,
            end_unix_s: start + s.end_s.saturating_sub(s.start_s) as i64,
            hr_tss,
        });
        if let Some(st) = &stress {
            out.stresses.push(st.clone());
        }
        let mut labels_key = None;
        let texts = label_texts(a, s, setup, &mut labels_key);
        if let Some(k) = labels_key {
            if !out.labels_keys.contains(&k) {
                out.labels_keys.push(k);
            }
        }
        let label = resolve_label(&texts, &setup.pattern);
        if !audit::is_running(s) {
            if label.is_some() {
                out.labelled_not_runs.push(s.sport_name().to_string());
            }
            continue;
        }
        if label.is_none() && !setup.candidates {
            continue;
        }
        let zones = an.zones.as_ref().ok();
        let ceiling = zones.and_then(|z| z.z1_ceiling_bpm());
        let evidence = (a.hr_sample_count(s) > 0).then(|| {
            let mut ev = hr_evidence(&SampleSlices::of(a, s, &an), ceiling);
            ev.discarded_s += an.hr_excluded_s;
            ev
        });
        out.runs.push(RunRecord {
            file: a.source.clone(),
            session: s.index,
            start_text: start_text(a, s),
            start_unix_s: start_unix_s(a, s),
            stress,
            label,
            facts: RunFacts {
                timer_s: s.timer_s,
                distance_m: s.distance_m,
                z1_ceiling_bpm: ceiling,
                evidence,
            },
            hr_tss,
            zone_source: match &an.zones {
                Ok(z) => z.source.clone(),
                Err(e) => e.to_string(),
            },
        });
    }
    out
}

/// One output row.
struct AuditRow {
    run: RunRecord,
    context: Option<Context>,
    judgement: Judgement,
}

/// Whitespace (newlines in a Strava description) collapsed to single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const COLUMNS: [&str; 25] = [
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
        Cell::Str(r.start_text.clone()),
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
            ev.filter(|_| r.facts.timer_s > 0.0)
                .map(|e| 100.0 * e.counted_s / r.facts.timer_s),
            1,
        ),
        Cell::opt_float(r.hr_tss, 0),
        Cell::opt_str(hardest.map(|h| format!("{}#{}", h.file, h.session))),
        Cell::opt_float(hardest.map(|h| h.hr_tss), 0),
        Cell::opt_float(hardest.map(|h| h.hours_before), 1),
        Cell::Str(r.zone_source.clone()),
        Cell::Str(row.judgement.reason.clone()),
    ]
}

/// Longest text cell `report::write_text_table` prints uncut.
const TEXT_CELL_CHARS: usize = 40;

/// The first `max` characters, the last replaced by "…" when cut.
fn head(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// The table, then the reasons (a table cell would cut them), the rules and the summary.
fn text_report(rows: &[AuditRow], rules: &Rules, tail: &[String]) -> std::io::Result<Vec<u8>> {
    let skip = ["zone_source", "reason"];
    let keep: Vec<usize> = (0..COLUMNS.len())
        .filter(|&i| !skip.contains(&COLUMNS[i]))
        .collect();
    let mut t = Table::new(
        std::iter::once("#".to_string()).chain(keep.iter().map(|&i| COLUMNS[i].to_string())),
    );
    for (n, row) in rows.iter().enumerate() {
        let all = cells(row, rules);
        let mut c = vec![Cell::Int(n as i64 + 1)];
        c.extend(keep.iter().map(|&i| match (&all[i], COLUMNS[i]) {
            // The text table keeps the end of long cells (right for paths); for these
            // the beginning matters: the first verdict is the most serious.
            (Cell::Str(v), "verdict" | "label") => Cell::Str(head(v, TEXT_CELL_CHARS)),
            (other, _) => other.clone(),
        }));
        t.push(c);
    }
    let mut buf = Vec::new();
    report::write_text_table(&t, &mut buf)?;
    if !rows.is_empty() {
        writeln!(buf, "\nreasons:")?;
        for (n, row) in rows.iter().enumerate() {
            writeln!(buf, "{:>4}  {}", n + 1, row.judgement.reason)?;
        }
    }
    writeln!(buf)?;
    for line in tail {
        writeln!(buf, "{line}")?;
    }
    Ok(buf)
}

/// The audit's verdict for every run labelled recovery (default rules and label
/// pattern), keyed by (input name, session index): what `hrzones chart` puts in a run's
/// title and marks on the PMC chart. Reads the inputs itself (decoding is cheap next to
/// rendering) and reports nothing on stderr.
pub fn verdicts(
    input: &crate::cli::InputArgs,
    settings: &Settings,
) -> anyhow::Result<HashMap<(String, usize), String>> {
    let setup = Setup {
        settings: settings.clone(),
        rules: Rules::default(),
        pattern: LabelPattern::Default,
        labels: None,
        strava: None,
        candidates: false,
    };
    let quiet = crate::cli::InputArgs {
        quiet: true,
        ..input.clone()
    };
    let (results, _) = super::run_inputs_silently(&quiet, |a| audit_file(a, &setup))?;
    let mut stresses = Vec::new();
    let mut runs = Vec::new();
    for fa in results.into_iter().filter_map(|(_, r)| r) {
        stresses.extend(fa.stresses);
        runs.extend(fa.runs);
    }
    let mut out = HashMap::new();
    for run in runs.into_iter().filter(|r| r.label.is_some()) {
        let context = run
            .stress
            .as_ref()
            .map(|st| context_before(st, &stresses, &setup.rules));
        let j = judge(&run.facts, context.as_ref(), &setup.rules);
        out.insert((run.file, run.session), j.verdict_text(&setup.rules));
    }
    Ok(out)
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = args.zones.settings()?;
    let rules = args.rules();
    rules.validate().map_err(anyhow::Error::msg)?;
    let pattern = match &args.label_pattern {
        Some(p) => LabelPattern::regex(p)?,
        None => LabelPattern::Default,
    };
    let labels = args
        .labels
        .as_deref()
        .map(LabelBook::read_labels_file)
        .transpose()?;
    let strava = args
        .strava_export
        .as_deref()
        .map(LabelBook::read_strava_export)
        .transpose()?;
    let setup = Setup {
        settings,
        rules,
        pattern,
        labels,
        strava,
        candidates: args.candidates,
    };

    let (results, file_summary) = super::run_inputs(&args.input, |a| audit_file(a, &setup))?;
    let mut stresses = Vec::new();
    let mut runs = Vec::new();
    let mut not_runs: BTreeMap<String, usize> = BTreeMap::new();
    let mut labels_seen: HashSet<String> = HashSet::new();
    for fa in results.into_iter().filter_map(|(_, r)| r) {
        stresses.extend(fa.stresses);
        runs.extend(fa.runs);
        for sport in fa.labelled_not_runs {
            *not_runs.entry(sport).or_default() += 1;
        }
        labels_seen.extend(fa.labels_keys);
    }

    let mut summary = AuditSummary::default();
    let mut rows = Vec::new();
    let mut any_finding = false;
    for run in runs {
        let context = run
            .stress
            .as_ref()
            .map(|st| context_before(st, &stresses, &rules));
        if run.label.is_some() {
            let judgement = judge(&run.facts, context.as_ref(), &rules);
            summary.add(&judgement);
            any_finding |= judgement.has_finding();
            rows.push(AuditRow {
                run,
                context,
                judgement,
            });
        } else if is_candidate(&run.facts, context.as_ref(), &rules) {
            summary.candidates += 1;
            let judgement = judge(&run.facts, context.as_ref(), &rules);
            rows.push(AuditRow {
                run,
                context,
                judgement,
            });
        }
    }
    rows.sort_by(|a, b| {
        (
            a.run.start_unix_s.unwrap_or(i64::MAX),
            &a.run.file,
            a.run.session,
        )
            .cmp(&(
                b.run.start_unix_s.unwrap_or(i64::MAX),
                &b.run.file,
                b.run.session,
            ))
    });

    notes(&setup, &labels_seen, &not_runs, &rows);
    let mut tail = vec![
        setup.rules.describe(),
        format!("labels: {}", setup.pattern.describe()),
    ];
    tail.extend(summary.lines(&rules));

    let format = super::format_of(&args.output);
    if format == Format::Table {
        let text = text_report(&rows, &rules, &tail)?;
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
        for row in &rows {
            table.push(cells(row, &rules));
        }
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

/// Notes on stderr about labels that did not lead to an audited run.
fn notes(
    setup: &Setup,
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
    if let Some(book) = &setup.strava {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::decode::{FitData, SummaryMsg};
    use crate::profile::Thresholds;

    const T0: u32 = 1_100_000_000; // FIT s: 2024-11-09

    /// A file with one session per (sport, start offset s, duration s), HR 110 at 1 Hz.
    fn activity(source: &str, legs: &[(u8, u32, u32)], workout: Option<&str>) -> Activity {
        let mut fit = FitData::default();
        for &(sport, offset, dur) in legs {
            let start = T0 + offset;
            fit.sessions.push(SummaryMsg {
                start_time: Some(start),
                timestamp: Some(start + dur),
                sport: Some(sport),
                elapsed_s: Some(dur as f64),
                timer_s: Some(dur as f64),
                distance_m: Some(dur as f64 * 3.0),
                ..Default::default()
            });
            for t in start..=start + dur {
                let r = &mut fit.records;
                r.t_s.push(t);
                r.hr_bpm.push(110);
                r.distance_m.push((t - start) as f64 * 3.0);
                r.speed_mps.push(3.0);
                r.altitude_m.push(f32::NAN);
                r.cadence_rpm.push(f32::NAN);
                r.power_w.push(f32::NAN);
            }
        }
        fit.workout_names = workout.into_iter().map(str::to_string).collect();
        Activity::from_fit(fit, source)
    }

    fn setup() -> Setup {
        Setup {
            settings: Settings {
                overrides: Thresholds {
                    max_hr: Some(190),
                    ..Default::default()
                },
                ..Default::default()
            },
            rules: Rules::default(),
            pattern: LabelPattern::Default,
            labels: None,
            strava: None,
            candidates: false,
        }
    }

    fn source_of(fa: &FileAudit) -> Option<LabelSource> {
        fa.runs[0].label.as_ref().map(|l| l.source)
    }

    #[test]
    fn label_sources_in_priority_order() {
        let st = setup();
        let a = activity(
            "runs/Recovery_run.fit",
            &[(1, 0, 1500)],
            Some("Recovery 30'"),
        );
        assert_eq!(
            source_of(&audit_file(&a, &st)),
            Some(LabelSource::FitWorkoutName)
        );
        let mut b = activity("runs/Recovery_run.fit", &[(1, 0, 1500)], None);
        assert_eq!(source_of(&audit_file(&b, &st)), Some(LabelSource::FileName));
        b.sessions[0].sport_profile_name = Some("Récup".into());
        assert_eq!(
            source_of(&audit_file(&b, &st)),
            Some(LabelSource::FitSportName)
        );

        // Strava's name beats the FIT file's texts.
        let strava = LabelBook::parse_strava_activities(
            "Activity Name,Filename\nRegen jog,activities/Recovery_run.fit.gz\n",
            std::path::Path::new("activities.csv"),
        )
        .unwrap();
        let st2 = Setup {
            strava: Some(strava),
            ..setup()
        };
        assert_eq!(
            source_of(&audit_file(&a, &st2)),
            Some(LabelSource::StravaName)
        );

        // The labels file decides either way: "tempo" takes the run out of the audit.
        let labels = LabelBook::parse_labels_file(
            "Recovery_run.fit,tempo\n",
            std::path::Path::new("labels.csv"),
        )
        .unwrap();
        let st3 = Setup {
            labels: Some(labels),
            ..setup()
        };
        let fa = audit_file(&a, &st3);
        assert!(fa.runs.is_empty());
        assert_eq!(fa.labels_keys, vec!["Recovery_run.fit".to_string()]);
        assert_eq!(fa.stresses.len(), 1, "context still needs the session");
    }

    #[test]
    fn multisport_files_audit_only_their_run_legs() {
        // Bike 1 h, then a 20-min run, in a file whose workout says recovery.
        let a = activity(
            "brick.fit",
            &[(2, 0, 3600), (1, 3700, 1200)],
            Some("Recovery brick"),
        );
        let fa = audit_file(&a, &setup());
        assert_eq!(fa.stresses.len(), 2);
        assert_eq!(fa.runs.len(), 1);
        assert_eq!(fa.runs[0].session, 1);
        assert_eq!(fa.labelled_not_runs, vec!["cycling".to_string()]);
        let run = &fa.runs[0];
        let ev = run.facts.evidence.as_ref().unwrap();
        // %HRmax 190 zones: Zone 2's floor is 60 % = 114 bpm; HR 110 stays in Zone 1.
        assert_eq!(run.facts.z1_ceiling_bpm, Some(114));
        assert_eq!(ev.above_z1_s, 0.0);
        assert_eq!(ev.counted_s, 1200.0);
        // The bike leg is context for the run, 100 s before it.
        let ctx = context_before(
            run.stress.as_ref().unwrap(),
            &fa.stresses,
            &Rules::default(),
        );
        let prior = ctx.hardest.unwrap();
        assert_eq!(prior.session, 0);
        assert!((prior.hours_before - 100.0 / 3600.0).abs() < 1e-9);
    }

    #[test]
    fn unlabelled_runs_are_kept_only_for_candidates() {
        let a = activity("morning.fit", &[(1, 0, 1500)], None);
        assert!(audit_file(&a, &setup()).runs.is_empty());
        let st = Setup {
            candidates: true,
            ..setup()
        };
        let fa = audit_file(&a, &st);
        assert_eq!(fa.runs.len(), 1);
        assert!(fa.runs[0].label.is_none());
    }

    #[test]
    fn context_stress_is_the_load_modules_hr_tss() {
        let mut a = activity("lt.fit", &[(1, 0, 3600)], None);
        let s = a.sessions[0].clone();
        for h in &mut a.samples.hr_bpm[s.samples.clone()] {
            *h = 167;
        }
        let st = setup();
        let an = SessionAnalysis::compute(&a, &s, &st.settings, TimeInZoneOptions::default());
        let tss = audit::session_stress(&a, &s, &an, &st.settings).unwrap();
        let load = crate::load::SessionLoad::compute(&a, &s, &an, &st.settings);
        assert_eq!(Some(tss), load.hr_tss);
        assert!(
            tss > 50.0,
            "an hour near threshold is a hard session: {tss}"
        );
    }
}
