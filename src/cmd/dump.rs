//! `hrzones dump FILE`: the whole file decoded by the fitparser crate, as JSON on stdout.
//!
//! For looking inside a file (every message and field, with units), not for analysis: the
//! other commands use hrzones' own decoder. fitparser can panic on damaged input; that is
//! caught and reported as an error for the file (exit 1).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `hrzones dump`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  hrzones dump run.fit | less")]
pub struct Args {
    /// The FIT file to print (.fit or .fit.gz).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let found = crate::source::collect(std::slice::from_ref(&args.file));
    if let Some(e) = found.errors.first() {
        eprintln!("hrzones: {e}");
        return Ok(ExitCode::from(1));
    }
    let Some(input) = found.files.first() else {
        if let Some(n) = found.notes.first() {
            eprintln!("hrzones: {n}");
            return Ok(ExitCode::from(1));
        }
        eprintln!("hrzones: {}: no FIT file there", args.file.display());
        return Ok(ExitCode::from(1));
    };
    let bytes = match input.read() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("hrzones: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    match crate::dump::dump_json(&bytes) {
        Ok(v) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            serde_json::to_writer_pretty(&mut out, &v).context("could not write JSON")?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("hrzones: {}: {e}", input.name());
            Ok(ExitCode::from(1))
        }
    }
}
