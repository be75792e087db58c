//! `hrzones store merge DIR`: commit the shards written by `hrzones ingest --shard I/N
//! --store DIR` (under `DIR/_shards/`) into the store, in one new generation. Also moves a
//! version-1 store to the `athlete=…/year=…` layout. See docs/STORE.md.
//!
//! `hrzones store facts DIR --roster FILE [--athlete ID]`: write each athlete's roster
//! facts (thresholds, labels, quality notes and heart rate under the athlete's settings,
//! `DIR/roster_facts/athlete=ID/`), what the roster overview needs to be one SQL query
//! over the store (docs/STORE.md, "The roster overview in SQL").
//!
//! Exit codes: 0 merged (or nothing to merge), facts written; 1 (facts) some stored
//! files could not be read; 2 the store or a shard could not be read or written (a shard
//! still being written is locked: run it again when it is done).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `hrzones store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the store.
    #[command(subcommand)]
    action: Action,
}

/// `hrzones store` actions.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Commit the shards of `ingest --shard I/N --store DIR` into DIR (and move a
    /// version-1 store to the athlete=…/year=… layout).
    #[command(
        after_help = "Examples:\n  for i in 1 2 3 4; do hrzones ingest ~/archive --store st --shard $i/4 & done; wait\n  hrzones store merge st"
    )]
    Merge {
        /// The store folder.
        #[arg(value_name = "DIR")]
        store: PathBuf,
    },
    /// Write each athlete's roster facts (the thresholds, recovery labels, quality notes
    /// and heart rate the overview judges their sessions with) for SQL over the store.
    #[command(
        after_help = "Run it after each ingest or merge, and after a profile changes: `hrzones roster\n--store` says when an athlete's facts are missing or stale. The query and the\ntables: docs/STORE.md, \"The roster overview in SQL\".\n\nExamples:\n  hrzones ingest --roster roster.toml --store st\n  hrzones store facts st --roster roster.toml\n  python3 scripts/roster_duckdb.py st 2024-05-06 2024-05-12"
    )]
    Facts {
        /// The store folder.
        #[arg(value_name = "DIR")]
        store: PathBuf,
        /// The roster file: each athlete's profile.
        #[arg(long, value_name = "FILE", default_value = "roster.toml")]
        roster: PathBuf,
        /// Only this athlete (repeatable).
        #[arg(long, value_name = "ID")]
        athlete: Vec<String>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.action {
        Action::Merge { store } => {
            let summary = crate::store::merge(store)
                .with_context(|| format!("could not merge into the store {}", store.display()))?;
            eprintln!("hrzones: {}", summary.line());
            Ok(ExitCode::SUCCESS)
        }
        Action::Facts {
            store,
            roster,
            athlete,
            quiet,
        } => facts(store, roster, athlete, *quiet),
    }
}

/// `store facts`: per athlete, the overview's analysis of their stored files
/// (as `hrzones roster --store`: their profile, else the files' zones, else their
/// archive's estimates), kept as the facts tables.
fn facts(
    store: &std::path::Path,
    roster_path: &std::path::Path,
    ids: &[String],
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    use crate::roster::{facts, OverviewOptions, Roster, Window};
    let roster = Roster::load(roster_path)?;
    for id in ids {
        roster.athlete(id)?;
    }
    let generation = crate::store::Store::open(store)
        .with_context(|| format!("could not open the store {}", store.display()))?
        .manifest()
        .generation;
    // Only the quality rule's threshold is read from the options; the window is unused.
    let day = chrono::NaiveDate::default();
    let opts = OverviewOptions::new(Window {
        first: day,
        last: day,
    });
    let mut total = crate::pipeline::Summary::default();
    for athlete in roster
        .athletes
        .iter()
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
    {
        let input = crate::cli::InputArgs {
            paths: Vec::new(),
            store: Some(store.to_path_buf()),
            accept_bad_crc: false,
            quiet,
            roster: None,
            athlete: Some(athlete.id.clone()),
            tz: Some("UTC".into()),
            since: None,
            until: None,
        };
        let read = (|| {
            let settings = super::thresholds::with_archive_estimates(&input, athlete.settings())?;
            super::run_inputs_labelled(&input, true, |a| facts::file_facts(a, &settings, &opts))
        })();
        // One athlete that cannot be read (none of their files stored) never stops the
        // others; their facts are empty, as their overview row is.
        let (sessions, hr) = match read {
            Ok(((results, summary), csvs)) => {
                let mut labeller = crate::audit::batch::Labeller::default();
                for w in labeller.add_found(&csvs) {
                    eprintln!("hrzones: warning: athlete {}: {w}", athlete.id);
                }
                total.failed += summary.failed;
                facts::assemble(results, &labeller)
            }
            Err(e) => {
                eprintln!("hrzones: athlete {}: {e:#}", athlete.id);
                total.failed += 1;
                (Vec::new(), Vec::new())
            }
        };
        let stamp = facts::Stamp {
            generation,
            profile_hash: facts::profile_hash(athlete.profile_path.as_deref()),
        };
        facts::write(store, &athlete.id, &stamp, &sessions, &hr).with_context(|| {
            format!(
                "could not write the roster facts of athlete {} in {}",
                athlete.id,
                store.display()
            )
        })?;
        eprintln!(
            "hrzones: store facts: athlete {}: {} sessions, {} heart-rate rows",
            athlete.id,
            sessions.len(),
            hr.len()
        );
    }
    Ok(if total.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
