//! The `hrzones` binary: parse arguments, run the command, map errors to exit codes.
//! Exit codes: 0 ok, 1 some input files failed, 2 usage or fatal error, 3 `audit
//! --fail-on-finding` found something.

use std::process::ExitCode;

use clap::Parser;
use hrzones::cli::{Cli, Command};
use hrzones::cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Zones(args) => cmd::zones::run(&args),
        Command::Audit(args) => cmd::audit::run(&args),
        Command::Load(args) => cmd::load::run(&args),
        Command::Chart(args) => cmd::chart::run(&args),
        Command::Ingest(args) => cmd::ingest::run(&args),
        Command::Dump(args) => cmd::dump::run(&args),
        Command::Thresholds(args) => cmd::thresholds::run(&args),
        Command::Summary(args) => cmd::summary::run(&args),
        Command::Report(args) => cmd::report_cmd::run(&args),
        Command::Roster(args) => cmd::roster::run(&args),
        Command::Store(args) => cmd::store::run(&args),
        Command::Completions(args) => cmd::completions::run(&args),
        Command::Man(args) => cmd::man::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // Not std's eprintln!: it panics when stderr cannot be written (2>/dev/full).
            use std::io::Write;
            let message = format!("hrzones: {err:#}");
            let _ = writeln!(
                std::io::stderr().lock(),
                "{}",
                hrzones::escape::terminal_text(&message)
            );
            ExitCode::from(2)
        }
    }
}

/// `hrzones ... | head` closes the pipe early: that is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().map(|io| io.kind()) == pipe
            || e.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == pipe
    })
}
