//! `hrzones man`: the manual page (roff), generated from the same clap definition as
//! `--help` (clap_mangen): `hrzones.1` on stdout, or with `--out DIR` that page and one
//! per subcommand (`hrzones-zones.1`, …), written atomically.
//!
//! ```text
//! hrzones man | man -l -
//! hrzones man --out ~/.local/share/man/man1     # then: man hrzones-audit
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

/// Arguments of `hrzones man`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  hrzones man | man -l -\n  hrzones man --out ~/.local/share/man/man1"
)]
pub struct Args {
    /// Write hrzones.1 and one page per subcommand (hrzones-zones.1, …) into this
    /// folder instead of printing hrzones.1.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// One page in roff, titled `title` (`hrzones`, `hrzones-zones`, …).
fn render(cmd: clap::Command, title: &str) -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .title(title.to_uppercase())
        .render(&mut page)
        .context("could not render the man page")?;
    Ok(page)
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let cmd = crate::cli::Cli::command();
    let Some(dir) = &args.out else {
        let mut out = std::io::stdout().lock();
        out.write_all(&render(cmd, "hrzones")?)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let mut pages = vec![("hrzones".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let bin = format!("hrzones {}", sub.get_name());
        pages.push((
            format!("hrzones-{}", sub.get_name()),
            sub.clone().bin_name(bin),
        ));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let bytes = render(page, &name)?;
        crate::report::write_atomic(&path, |w| w.write_all(&bytes))
            .with_context(|| format!("could not write {}", path.display()))?;
        writeln!(std::io::stdout().lock(), "{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
