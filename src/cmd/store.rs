//! `hrzones store merge DIR`: commit the shards written by `hrzones ingest --shard I/N
//! --store DIR` (under `DIR/_shards/`) into the store, in one new generation. Also moves a
//! version-1 store to the `athlete=…/year=…` layout. See docs/STORE.md.
//!
//! Exit codes: 0 merged (or nothing to merge); 2 the store or a shard could not be read
//! or written (a shard still being written is locked: run it again when it is done).

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
    }
}
