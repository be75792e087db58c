//! One module per subcommand, each opening with what it does; shared plumbing here:
//! reading inputs, reporting bad files on stderr, writing the output, the exit code.

pub mod audit;
pub mod chart;
pub mod dump;
pub mod ingest;
pub mod load;
pub mod thresholds;
pub mod summary;
pub mod zones;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{InputArgs, OutputArgs};
use crate::pipeline::{self, FileReport, FileStatus, Policy, Summary};
use crate::report::{self, Format, Table};
use crate::source;
use crate::store::{FileEntry, SampleColumns, Store};

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
    run_inputs_reporting(input, cols, true, analyse)
}

/// [`run_inputs`] without the per-file lines on stderr: for a second pass over inputs
/// whose problems were (or will be) reported by the main pass.
pub fn run_inputs_silently<T, F>(input: &InputArgs, analyse: F) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    run_inputs_reporting(input, SampleColumns::All, false, analyse)
}

fn run_inputs_reporting<T, F>(
    input: &InputArgs,
    cols: SampleColumns,
    report: bool,
    analyse: F,
) -> anyhow::Result<Batch<T>>
where
    T: Send,
    F: Fn(&crate::activity::Activity) -> T + Sync,
{
    if let Some(dir) = &input.store {
        let store = Store::open(dir)?;
        // PATHs given with --store select the stored files under them.
        let under: Vec<String> = input
            .paths
            .iter()
            .map(|p| source::path_text(&std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())))
            .collect();
        let select =
            |e: &FileEntry| under.is_empty() || under.iter().any(|u| path_is_under(&e.path, u));
        let results = store
            .analyse(select, cols, !input.quiet, analyse)
            .with_context(|| format!("could not read the store {}", dir.display()))?;
        if report {
            report_files(results.iter().map(|(r, _)| r));
        }
        let mut summary = Summary::of(results.iter().map(|(r, _)| r), 0);
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
        return Ok((results, summary));
    }
    let found = source::collect(&input.paths);
    for e in found.errors.iter().filter(|_| report) {
        eprintln!("hrzones: {e}");
    }
    for n in found.notes.iter().filter(|_| report) {
        eprintln!("hrzones: note: {n}");
    }
    let policy = Policy {
        accept_bad_crc: input.accept_bad_crc,
        skip_crc: false,
    };
    let results = pipeline::run(&found.files, policy, !input.quiet, analyse);
    if report {
        report_files(results.iter().map(|(r, _)| r));
    }
    let mut summary = Summary::of(results.iter().map(|(r, _)| r), found.skipped);
    summary.failed += found.errors.len();
    Ok((results, summary))
}

/// Whether a stored path (`/a/b.fit`, `/a/x.zip:inner.fit`) is `dir` or inside it.
fn path_is_under(stored: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    stored == dir
        || stored
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with(':'))
}

/// One stderr line per failed, salvaged or not-activity file.
pub fn report_files<'a>(reports: impl IntoIterator<Item = &'a FileReport>) {
    for r in reports {
        match r.status {
            FileStatus::Failed => eprintln!("hrzones: {}: {}", r.name, r.messages.join("; ")),
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

/// Writes a table to `--output` (atomically) or stdout.
pub fn emit(table: &Table, out: &OutputArgs) -> anyhow::Result<()> {
    let format = format_of(out);
    if format == Format::Parquet {
        anyhow::bail!("--format parquet is available for `hrzones load` (with --output FILE)");
    }
    match &out.output {
        Some(path) => report::write_atomic(path, |w| report::write(table, format, w))
            .with_context(|| format!("could not write {}", path.display())),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            report::write(table, format, &mut lock)?;
            lock.flush()?;
            Ok(())
        }
    }
}

/// Prints the summary line and turns it into the exit code (1 when any file failed).
pub fn finish(summary: &Summary) -> ExitCode {
    eprintln!("hrzones: {}", summary.line());
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
