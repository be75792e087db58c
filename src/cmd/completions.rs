//! `hrzones completions SHELL`: the shell completion script, generated from the same
//! clap definition as `--help` (clap_complete), so it never lags behind the flags.
//!
//! ```text
//! hrzones completions bash > ~/.local/share/bash-completion/completions/hrzones
//! hrzones completions zsh  > ~/.zfunc/_hrzones        # with fpath+=~/.zfunc
//! hrzones completions fish > ~/.config/fish/completions/hrzones.fish
//! ```

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

/// Arguments of `hrzones completions`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones completions bash > ~/.local/share/bash-completion/completions/hrzones\n  hrzones completions zsh > ~/.zfunc/_hrzones\n  hrzones completions fish > ~/.config/fish/completions/hrzones.fish"
)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut cmd = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "hrzones", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
