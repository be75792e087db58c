//! `hrzones ingest PATH... --store DIR`: decode FIT files (folders walked recursively for
//! .fit, .fit.gz and .zip) into the columnar Parquet store, so that `zones`, `load`,
//! `audit` and `chart` can re-analyse them with `--store DIR` without decoding again.
//!
//! Re-running decodes only new or changed files. Prints one summary line on stderr:
//! new, changed, unchanged, failed, not activities, duplicates, other files skipped.
//!
//! Exit codes: 0 every file was read (or was already stored); 1 some files could not be
//! read (each named on stderr; the rest are stored); 2 the store could not be written.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::pipeline::Policy;
use crate::source;
use crate::store::{self, IngestOptions};

/// Arguments of `hrzones ingest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The store layout and schema are described in docs/STORE.md.\n\nExamples:\n  hrzones ingest ~/garmin-export.zip ~/strava-export --store ~/hrzones-store\n  hrzones zones --store ~/hrzones-store --lthr 172"
)]
pub struct Args {
    /// FIT files or folders (walked recursively for .fit, .fit.gz and .zip).
    #[arg(required_unless_present = "roster", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Ingest every athlete of this roster (or only --athlete), each athlete's inputs
    /// into their own `athlete=ID` partition.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    roster: Option<PathBuf>,
    /// The athlete the PATHs belong to (default: "default"); with --roster, only this
    /// athlete.
    #[arg(long, value_name = "ID")]
    athlete: Option<String>,
    /// Ingest only the files of shard I of N (1-based; a hash of each file's content
    /// picks its shard) into DIR/_shards/I-of-N/, for N machines ingesting one archive
    /// in parallel; `hrzones store merge DIR` then commits every shard into DIR.
    #[arg(long, value_name = "I/N", value_parser = store::Shard::parse)]
    shard: Option<store::Shard>,
    /// The store folder (created if missing).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// Store files whose CRC does not match (refused by default, since the data may be
    /// corrupt); also retries files refused for that reason before.
    #[arg(long)]
    accept_bad_crc: bool,
    /// Read and hash every file, even those whose size and modification time match the
    /// store (catches edits that kept both).
    #[arg(long)]
    rehash: bool,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long, short)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(id) = &args.athlete {
        crate::cli::check_athlete_id(id)?;
    }
    let store_dir = match &args.shard {
        Some(shard) => store::merge::shard_dir(&args.store, shard),
        None => args.store.clone(),
    };
    let Some(roster_path) = &args.roster else {
        let athlete = args
            .athlete
            .clone()
            .unwrap_or_else(|| crate::roster::DEFAULT_ATHLETE.to_string());
        return ingest_paths(args, &store_dir, &args.paths, athlete);
    };
    let roster = crate::roster::Roster::load(roster_path)?;
    if let Some(id) = &args.athlete {
        roster.athlete(id)?;
    }
    let mut code = ExitCode::SUCCESS;
    for athlete in roster
        .athletes
        .iter()
        .filter(|a| args.athlete.as_ref().is_none_or(|id| *id == a.id))
    {
        eprintln!("hrzones: athlete {}:", athlete.id);
        if ingest_paths(args, &store_dir, &athlete.inputs, athlete.id.clone())? != ExitCode::SUCCESS
        {
            code = ExitCode::from(1);
        }
    }
    Ok(code)
}

/// Ingests `paths` as `athlete`'s files.
fn ingest_paths(
    args: &Args,
    store_dir: &std::path::Path,
    paths: &[PathBuf],
    athlete: String,
) -> anyhow::Result<ExitCode> {
    // Absolute paths, so the store recognises files whatever folder it is run from.
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let found = source::collect(&paths);
    for e in &found.errors {
        eprintln!("hrzones: {e}");
    }
    for n in &found.notes {
        eprintln!("hrzones: note: {n}");
    }
    let opts = IngestOptions {
        policy: Policy {
            accept_bad_crc: args.accept_bad_crc,
            skip_crc: false,
        },
        show_progress: !args.quiet,
        rehash: args.rehash,
        athlete,
        shard: args.shard,
        ..Default::default()
    };
    let (summary, results) = store::ingest(store_dir, &found, &opts, |_| ())
        .with_context(|| format!("could not update the store {}", store_dir.display()))?;
    super::report_files(results.iter().map(|(r, _)| r));
    eprintln!("hrzones: {}", summary.line());
    Ok(if summary.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
