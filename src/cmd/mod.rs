//! One module per subcommand, each opening with what it does; shared plumbing here:
//! reading inputs, reporting bad files on stderr, writing the output, the exit code.

pub mod audit;
pub mod chart;
pub mod completions;
pub mod dump;
pub mod ingest;
pub mod load;
pub mod man;
// `hrzones report`; not `report`, which would shadow `crate::report` (the table writers) here.
#[path = "report.rs"]
pub mod report_cmd;
pub mod roster;
pub mod store;
pub mod summary;
pub mod thresholds;
pub mod zones;

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{InputArgs, OutputArgs};
use crate::pipeline::{self, FileReport, FileStatus, Policy, Summary};
use crate::report::{self, Format, Table};
use crate::source;
use crate::store::{FileEntry, SampleColumns, Store};

/// `-q`: warnings and notes about files, and the summary line of a batch that read
/// every file, are not printed (errors still are). A process-wide flag, set once from
/// the arguments, as ripgrep's `messages` module keeps its own.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets `-q` for the rest of the run (see [`QUIET`]).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Per-file reports with the caller's results, and the counts for the summary line.
pub type Batch<T> = (Vec<(FileReport, Option<T>)>, Summary);

/// Runs `analyse` over every input named by `input` — FIT files, or the store with
/// `--store` — reporting each failed or damaged file on stderr, and returns the per-file
/// results and the summary. Reads every sample column from a store; see
/// [`run_inputs_with`] to read fewer.
pub fn run_inputs<T, F>(input: &InputArgs, analyse: F) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    run_inputs_with(input, SampleColumns::All, analyse)
}

/// [`run_inputs`], reading only the sample columns `cols` from a store (FIT files are
/// decoded whole either way).
pub fn run_inputs_with<T, F>(
    input: &InputArgs,
    cols: SampleColumns,
    analyse: F,
) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    Ok(run_inputs_reporting(input, cols, false, true, analyse)?.0)
}

/// [`run_inputs`] for analyses that need only each session's heart rate as seconds per
/// bpm (zones, load): from a store, activities come without samples, with their stored
/// HR seconds (exact for any thresholds, see [`crate::hr_seconds`]); FIT files are
/// decoded whole as always.
pub fn run_inputs_hr<T, F>(input: &InputArgs, analyse: F) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    Ok(run_inputs_reporting(input, SampleColumns::HeartRate, true, true, analyse)?.0)
}

/// [`run_inputs`], also returning the Strava `activities.csv` files found among the
/// inputs (for the labels); `report` false: no per-file lines on stderr.
pub fn run_inputs_labelled<T, F>(
    input: &InputArgs,
    report: bool,
    analyse: F,
) -> anyhow::Result<(Batch<T>, Vec<source::InputFile>)>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    run_inputs_reporting(input, SampleColumns::All, false, report, analyse)
}

/// [`run_inputs`] without the per-file lines on stderr: for a second pass over inputs
/// whose problems were (or will be) reported by the main pass.
pub fn run_inputs_silently<T, F>(input: &InputArgs, analyse: F) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    Ok(run_inputs_reporting(input, SampleColumns::All, false, false, analyse)?.0)
}

fn run_inputs_reporting<T, F>(
    input: &InputArgs,
    cols: SampleColumns,
    hr_only: bool,
    report: bool,
    analyse: F,
) -> anyhow::Result<(Batch<T>, Vec<source::InputFile>)>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    let resolved = input.resolved()?;
    let input = &resolved;
    if report {
        set_quiet(input.quiet);
    }
    if let Some(dir) = &input.store {
        if hr_only {
            crate::store::tune_allocator_for_reads();
        }
        let store = Store::open(dir)?.with_time_zone(input.time_zone()?);

        // PATHs given with --store select the stored files under them.
        let under: Vec<String> = input
            .paths
            .iter()
            .map(|p| source::path_text(&std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())))
            .collect();
        let is_under =
            |path: &str| under.is_empty() || under.iter().any(|u| path_is_under(path, u));
        // --athlete: only that athlete's files (their names and duplicates included).
        let athlete = input.athlete.as_deref();
        let of_athlete = |e: &FileEntry| athlete.is_none_or(|a| e.athlete == a);
        // An activity is its content: every stored path with its bytes is one of its
        // names. It is selected when any of its names is under a PATH (the same run
        // stored first from a Garmin zip is still in the Strava export), and counted as a
        // duplicate only when its first name is selected too.
        // Borrowed names, by file hash (already a hash: no SipHash over it): a copy of
        // every path, twice, was a tenth of re-zoning 30,000 activities from a store.
        let mut names: crate::store::ByFileHash<Vec<&str>> = Default::default();
        for e in store.files().iter().filter(|e| of_athlete(e)) {
            if let (Some(h), true) = (e.file_hash, e.status != FileStatus::Failed) {
                names.entry(h).or_default().push(e.path.as_str());
            }
        }
        let names_of =
            |e: &FileEntry| -> Option<&Vec<&str>> { e.file_hash.and_then(|h| names.get(&h)) };
        let select = |e: &FileEntry| {
            of_athlete(e)
                && match e.status {
                    FileStatus::Duplicate => {
                        is_under(&e.path) && e.duplicate_of.as_deref().is_some_and(&is_under)
                    }
                    FileStatus::Failed => is_under(&e.path),
                    _ => match names_of(e) {
                        Some(ns) => ns.iter().any(|n| is_under(n)),
                        None => is_under(&e.path),
                    },
                }
        };
        let old_parts = store.parts_without_hr_seconds();
        if hr_only && old_parts > 0 && report {
            eprintln!(
                "hrzones: note: {old_parts} of the store's parts were written before its HR-seconds table, so their samples are read (slower); ingest into a new store to re-zone without them"
            );
        }
        let mut results = if hr_only {
            store.analyse_hr(select, !input.quiet, analyse)
        } else {
            store.analyse(select, cols, !input.quiet, analyse)
        }
        .with_context(|| format!("could not read the store {}", dir.display()))?;
        // Only content stored under more than one name has aliases.
        if names.values().any(|ns| ns.len() > 1) {
            let by_path: HashMap<&str, &FileEntry> =
                store.files().iter().map(|e| (e.path.as_str(), e)).collect();
            for (r, _) in results.iter_mut() {
                if let Some(ns) = by_path.get(r.name.as_str()).and_then(|e| names_of(e)) {
                    r.aliases = ns
                        .iter()
                        .filter(|n| **n != r.name)
                        .map(|n| n.to_string())
                        .collect();
                }
            }
        }
        let mut summary = Summary::of(results.iter().map(|(r, _)| r), 0);
        // What went wrong at ingest was said then, and stays in the store (the `files`
        // table's messages, each row's note): one line here, not one per file on every
        // read, and no exit 1 for files that failed long ago (issue 12 item 11).
        if report && !quiet() {
            let stored = stored_problems_line(&summary);
            if let Some(line) = stored {
                eprintln!("hrzones: note: {line}");
            }
        }
        summary.stored_failed = std::mem::take(&mut summary.failed);
        // A PATH that selects nothing is most likely mistyped: say so, and exit 1 as for
        // a path that cannot be read (it used to give empty output and exit 0).
        for (p, u) in input.paths.iter().zip(&under) {
            if !store.files().iter().any(|e| path_is_under(&e.path, u)) {
                if report {
                    eprintln!(
                        "hrzones: {}: the store {} holds no file there",
                        p.display(),
                        dir.display()
                    );
                }
                summary.failed += 1;
            }
        }
        // A Strava export named as PATH still lends its activities.csv to the labels.
        let csvs = if input.paths.is_empty() {
            Vec::new()
        } else {
            source::collect(&input.paths).activity_csvs
        };
        if summary.ok + summary.salvaged == 0 {
            anyhow::bail!(
                "no activity in the store {}{}",
                dir.display(),
                match (under.is_empty(), athlete) {
                    (true, None) => String::new(),
                    (true, Some(a)) => format!(" for athlete {a}"),
                    (false, None) => format!(" under {}", under.join(", ")),
                    (false, Some(a)) => format!(" for athlete {a} under {}", under.join(", ")),
                }
            );
        }
        return Ok(((results, summary), csvs));
    }
    let found = source::collect(&input.paths);
    for e in found.errors.iter().filter(|_| report) {
        eprintln!("hrzones: {e}");
    }
    for n in found.notes.iter().filter(|_| report && !quiet()) {
        eprintln!("hrzones: note: {n}");
    }
    let policy = Policy {
        accept_bad_crc: input.accept_bad_crc,
        skip_crc: false,
        time_zone: input.time_zone()?,
    };
    let results = pipeline::run(&found.files, policy, !input.quiet, analyse);
    if report {
        report_files(results.iter().map(|(r, _)| r));
    }
    let mut summary = Summary::of(results.iter().map(|(r, _)| r), found.skipped);
    summary.failed += found.errors.len();
    if found.files.is_empty() && found.errors.is_empty() {
        anyhow::bail!(
            "no FIT file found in {}: {}. hrzones reads .fit, .fit.gz and .zip exports (Garmin Connect, Strava)",
            paths_text(&input.paths),
            found.skipped_text()
        );
    }
    if report && input.paths.len() > 1 {
        eprintln!("hrzones: {}", exports_line(&summary, input.paths.len()));
    }
    Ok(((results, summary), found.activity_csvs))
}

/// The inputs named for a message: "a, b and 3 more".
fn paths_text(paths: &[std::path::PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    match paths.len() {
        0..=3 => shown.join(", "),
        n => format!("{} and {} more", shown.join(", "), n - 3),
    }
}

/// "read 3,412 activities from 2 exports (1,204 duplicates across them)".
pub fn exports_line(summary: &Summary, inputs: usize) -> String {
    let n = summary.ok + summary.salvaged;
    format!(
        "read {} {} from {} inputs ({} {} across them)",
        crate::human::thousands(n as u64),
        plural(n, "activity", "activities"),
        inputs,
        crate::human::thousands(summary.duplicate as u64),
        plural(summary.duplicate, "duplicate", "duplicates"),
    )
}

/// `one` for 1, else `many`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Whether a stored path (`/a/b.fit`, `/a/x.zip:inner.fit`) is `dir` or inside it.
fn path_is_under(stored: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    stored == dir
        || stored
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with(':'))
}

/// The one line a store read says about the problems ingest recorded, if any.
fn stored_problems_line(summary: &Summary) -> Option<String> {
    let mut parts = Vec::new();
    if summary.salvaged > 0 {
        parts.push(format!(
            "{} salvaged (their rows' note says how)",
            count(summary.salvaged, "file", "files")
        ));
    }
    if summary.failed > 0 {
        parts.push(format!(
            "{} that could not be read, so not in the store",
            count(summary.failed, "file", "files")
        ));
    }
    if summary.not_activity > 0 {
        parts.push(format!(
            "{} that {} not activities",
            count(summary.not_activity, "file", "files"),
            plural(summary.not_activity, "is", "are")
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "the store records {} at ingest; `hrzones ingest` named each (the store's files table keeps the reasons)",
            parts.join(", ")
        )
    })
}

/// "1 file", "3 files".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// One stderr line per failed, salvaged or not-activity file (with `-q`: failed only).
pub fn report_files<'a>(reports: impl IntoIterator<Item = &'a FileReport>) {
    let quiet = quiet();
    for r in reports {
        match r.status {
            FileStatus::Failed => eprintln!("hrzones: {}: {}", r.name, r.messages.join("; ")),
            _ if quiet => {}
            FileStatus::Salvaged => {
                eprintln!("hrzones: warning: {}: {}", r.name, r.messages.join("; "))
            }
            FileStatus::NotActivity => {
                eprintln!("hrzones: note: {}: {}", r.name, r.messages.join("; "))
            }
            _ => {}
        }
    }
}

/// The format to use: the flag, else table on a terminal and CSV in a pipe or file.
pub fn format_of(out: &OutputArgs) -> Format {
    out.format
        .unwrap_or(if out.output.is_none() && report::stdout_is_terminal() {
            Format::Table
        } else {
            Format::Csv
        })
}

/// Checks the output settings before any input is read, so a mistake costs no time:
/// Parquet needs a file; the output must not be a folder, and its folder must exist or be
/// creatable.
pub fn check_output(out: &OutputArgs) -> anyhow::Result<()> {
    if format_of(out) == Format::Parquet && out.output.is_none() {
        anyhow::bail!("--format parquet writes a binary file: give it a path with --output FILE");
    }
    if let Some(path) = &out.output {
        if path.is_dir() {
            anyhow::bail!("--output {} is a folder; give a file name", path.display());
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(p) = parent {
            // The nearest existing ancestor must be a folder (create_dir_all does the rest).
            let mut existing = Some(p);
            while let Some(e) = existing {
                if e.exists() {
                    if !e.is_dir() {
                        anyhow::bail!(
                            "--output {}: {} is not a folder",
                            path.display(),
                            e.display()
                        );
                    }
                    break;
                }
                existing = e.parent().filter(|p| !p.as_os_str().is_empty());
            }
        }
    }
    if let Some(cols) = &out.columns {
        if cols.iter().any(|c| c.trim().is_empty()) {
            anyhow::bail!("--columns: empty column name in {:?}", cols.join(","));
        }
    }
    Ok(())
}

/// Writes a table to `--output` (atomically) or stdout, in every column and machine
/// units (see [`emit_view`] for a compact terminal view).
pub fn emit(table: &Table, out: &OutputArgs) -> anyhow::Result<()> {
    emit_view(table, out, &[])
}

/// `--columns`: the table with only those columns, in that order.
fn select_columns(table: &Table, names: &[String]) -> anyhow::Result<Table> {
    let idx: Vec<usize> = names
        .iter()
        .map(|n| {
            table.col(n.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "--columns: no column {:?}; the columns are: {}",
                    n.trim(),
                    table.columns.join(",")
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let mut t = Table::new(idx.iter().map(|&i| table.columns[i].clone()));
    for r in &table.rows {
        t.push(idx.iter().map(|&i| r[i].clone()).collect());
    }
    Ok(t)
}

/// Writes a table: on the terminal (format table) the compact `view` in human units
/// fitted to its width, verdicts coloured; with `--wide`, `--columns` or an empty view,
/// the machine columns. CSV, JSON and Parquet always carry the machine columns.
pub fn emit_view(
    table: &Table,
    out: &OutputArgs,
    view: &[crate::terminal::Col],
) -> anyhow::Result<()> {
    emit_view_with(table, out, view, &[])
}

/// Says on stderr that nothing came out (the terminal shows no lone header): "no
/// sessions", with the date window when one was given.
pub fn say_if_none(rows: usize, what: &str, window: &crate::localtime::DateWindow) {
    match (rows, window.is_all()) {
        (0, true) => eprintln!("hrzones: no {what}"),
        (0, false) => eprintln!(
            "hrzones: no {what} in the date window ({})",
            window.describe()
        ),
        _ => {}
    }
}

/// [`emit_view`], with `trailer` lines after a table (wrapped to the terminal's width,
/// continuation lines indented by 6); other formats do not carry them.
pub fn emit_view_with(
    table: &Table,
    out: &OutputArgs,
    view: &[crate::terminal::Col],
    trailer: &[String],
) -> anyhow::Result<()> {
    use crate::terminal;
    let selected;
    let table = match &out.columns {
        Some(names) => {
            selected = select_columns(table, names)?;
            &selected
        }
        None => table,
    };
    let format = format_of(out);
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match format {
            Format::Table => {
                let term = if out.wide || out.columns.is_some() || view.is_empty() {
                    terminal::plain(table)
                } else {
                    terminal::view(table, view)
                };
                let width = if out.wide {
                    usize::MAX
                } else {
                    terminal::width()
                };
                let color = out.output.is_none() && terminal::use_color();
                // No rows: no lone header on the terminal (the trailer and stderr say
                // why); CSV, JSON and Parquet keep their header for programs.
                if !table.rows.is_empty() {
                    let text = terminal::render(&term, width, &|h, c| {
                        (color && h == "verdict")
                            .then(|| terminal::verdict_color(c))
                            .flatten()
                    });
                    w.write_all(text.as_bytes())?;
                }
                let shows_notes = term.headers.iter().any(|h| h == "note");
                let notes = terminal::notes(table);
                if !shows_notes && !notes.is_empty() {
                    writeln!(w, "\nnotes:")?;
                    for n in notes {
                        for l in terminal::wrap_indented(&format!("  {n}"), width, 4) {
                            writeln!(w, "{l}")?;
                        }
                    }
                }
                for t in trailer {
                    for l in terminal::wrap_indented(t, width, 6) {
                        writeln!(w, "{l}")?;
                    }
                }
                Ok(())
            }
            Format::Parquet => {
                let mut df =
                    crate::parquet_compat::table_frame(table).map_err(std::io::Error::other)?;
                crate::parquet_compat::writer(w, &df)
                    .finish(&mut df)
                    .map(|_| ())
                    .map_err(std::io::Error::other)
            }
            other => report::write(table, other, w),
        }
    };
    match &out.output {
        Some(path) => report::write_atomic(path, write)
            .with_context(|| format!("could not write {}", path.display())),
        None => {
            if format == Format::Parquet {
                anyhow::bail!(
                    "--format parquet writes a binary file: give it a path with --output FILE"
                );
            }
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write(&mut lock)?;
            lock.flush()?;
            Ok(())
        }
    }
}

/// Prints the summary line and turns it into the exit code (1 when any file failed).
pub fn finish(summary: &Summary) -> ExitCode {
    if summary.failed > 0 || !quiet() {
        eprintln!("hrzones: {}", summary.line());
    }
    if summary.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_paths_are_selected_by_folder_zip_or_file() {
        assert!(path_is_under("/a/b/c.fit", "/a/b"));
        assert!(path_is_under("/a/b/c.fit", "/a/b/"));
        assert!(path_is_under("/a/b/c.fit", "/a/b/c.fit"));
        assert!(path_is_under("/a/x.zip:dir/c.fit", "/a/x.zip"));
        assert!(path_is_under("/a/x.zip:dir/c.fit", "/a"));
        assert!(!path_is_under("/a/bc/d.fit", "/a/b"));
        assert!(!path_is_under("/a/b.fit", "/a/b"));
    }
}
