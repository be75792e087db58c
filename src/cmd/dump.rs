//! `hrzones dump PATH...`: every FIT file decoded in full by the fitparser crate, as JSON
//! on stdout.
//!
//! ```text
//! hrzones dump run.fit                 # the file's messages: [{"kind", "fields"}, ...]
//! hrzones dump runs/ export.zip        # every file: [{"file", "messages"}, ...]
//! ```
//!
//! For looking inside files (every message and field, with units), not for analysis: the
//! other commands use hrzones' own decoder. One FIT file given by name prints its
//! messages as before; folders, zips and several paths print one array entry per file, in
//! the order the other commands read them. A truncated file is salvaged as `zones`
//! salvages it (the messages before the cut, with a warning); fitparser panics on
//! damaged input are caught and reported for the file. A file that cannot be dumped is
//! named on stderr and the others are still printed (exit 1); no FIT file at all is
//! exit 2. Output is streamed, so `hrzones dump big/ | head` stops early and quietly.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::source::{InputFile, ZipArchives};

/// Arguments of `hrzones dump`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones dump run.fit | less\n  hrzones dump ~/GarminExport/ > all.json"
)]
pub struct Args {
    /// FIT files, folders or exports (.fit, .fit.gz, .zip). One FIT file prints its
    /// messages; anything else an array of {"file", "messages"}, one per file.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// No warnings (salvaged files) on stderr; errors are still printed.
    #[arg(long, short)]
    quiet: bool,
}

/// One file's messages, salvaged when truncated; the warning says what was kept.
fn dump_one(
    input: &InputFile,
    archives: &ZipArchives,
) -> Result<(serde_json::Value, Option<String>), String> {
    let bytes = input.read_in(archives).map_err(|e| e.to_string())?;
    match crate::dump::dump_json(&bytes) {
        Ok(v) => Ok((v, None)),
        Err(e) => match crate::dump::salvage_truncated(&bytes) {
            Some((whole, what)) => crate::dump::dump_json(&whole)
                .map(|v| (v, Some(what)))
                .map_err(|_| format!("{}: {e}", input.name())),
            None => Err(format!("{}: {e}", input.name())),
        },
    }
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let found = crate::source::collect(&args.paths);
    for e in &found.errors {
        eprintln!("hrzones: {e}");
    }
    if !args.quiet {
        for n in &found.notes {
            eprintln!("hrzones: note: {n}");
        }
    }
    if found.files.is_empty() {
        if !found.errors.is_empty() {
            return Ok(ExitCode::from(1));
        }
        anyhow::bail!(
            "no FIT file found in {}: {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            found.skipped_text()
        );
    }
    // One FIT file named as such keeps the plain form (an array of messages).
    let plain = args.paths.len() == 1
        && found.files.len() == 1
        && !args.paths[0].is_dir()
        && !crate::source::path_text(&args.paths[0])
            .to_ascii_lowercase()
            .ends_with(".zip");
    let archives = ZipArchives::open(&found.files);
    let mut failed = found.errors.len();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !plain {
        out.write_all(b"[")?;
    }
    let mut first = true;
    for input in &found.files {
        match dump_one(input, &archives) {
            Ok((messages, warning)) => {
                if let (Some(w), false) = (&warning, args.quiet) {
                    eprintln!("hrzones: warning: {}: {w}", input.name());
                }
                let value = if plain {
                    messages
                } else {
                    serde_json::json!({ "file": input.name(), "messages": messages })
                };
                if !std::mem::take(&mut first) {
                    out.write_all(b",\n")?;
                }
                // An io::Error (not serde's wrapper), so a closed pipe ends quietly.
                serde_json::to_writer_pretty(&mut out, &value).map_err(std::io::Error::from)?;
            }
            Err(e) => {
                failed += 1;
                eprintln!("hrzones: {e}");
            }
        }
    }
    if !plain {
        out.write_all(b"]")?;
    }
    if !plain || !first {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
