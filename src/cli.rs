//! The command line: clap derive, one struct per subcommand (in `cmd/`), shared argument
//! groups here. Doc comments are the `--help` text. Nothing below `main.rs` and `cmd/`
//! sees clap types: each command turns its arguments into library settings once.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cmd;
use crate::profile::{AthleteProfile, ProfileError, Settings, Sex, Thresholds};
use crate::report::Format;
use crate::roster::{Athlete, Roster, RosterError};
use crate::zones::ZoneModelKind;

/// Time in heart-rate zones, training stress and a recovery-run audit for FIT files.
///
/// Point it at FIT files or folders (recursively: .fit, .fit.gz and .zip exports).
/// Data goes to stdout, progress and diagnostics to stderr.
///
/// Exit codes: 0 every input was read (findings are output, not failures);
/// 1 some input files could not be read (each named on stderr, the rest processed);
/// 2 usage error or fatal problem (bad flags, unreadable profile, cannot write output).
#[derive(Debug, Parser)]
#[command(name = "hrzones", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Seconds in each heart-rate zone, one row per session.
    Zones(cmd::zones::Args),
    /// Recovery-run audit: did each run labelled recovery stay short, easy and in Zone 1?
    Audit(cmd::audit::Args),
    /// Training stress per session (hrTSS, TRIMP) and the load history (CTL/ATL/TSB).
    Load(cmd::load::Args),
    /// Charts: heart rate over the zones per session, weekly time in zone, CTL/ATL/TSB.
    Chart(cmd::chart::Args),
    /// Print a FIT file decoded in full, as JSON (through the fitparser crate).
    Dump(cmd::dump::Args),
    /// Decode FIT files into the columnar store (Parquet) for fast re-analysis.
    Ingest(cmd::ingest::Args),
    /// Max HR, LTHR and resting HR estimated from the archive, per sport and year.
    Thresholds(cmd::thresholds::Args),
    /// Years at a glance: intensity distribution, easy-run discipline, ACWR, monotony
    /// and aerobic trends per week, month, season or year.
    Summary(cmd::summary::Args),
    /// A static HTML report to share: a roster index and one page per athlete (recent
    /// weeks, recovery-run audit with charts, load, zones); opens from file://.
    Report(cmd::report_cmd::Args),
    /// A coach's overview: per athlete of a roster over the last 7 or 28 days, sessions,
    /// load, recovery-run findings and easy-run discipline, most in need of attention first.
    Roster(cmd::roster::Args),
    /// Store maintenance: `store merge DIR` commits the shards of `ingest --shard`.
    Store(cmd::store::Args),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd::completions::Args),
    /// Print the manual page (roff), or write one page per command with --out DIR.
    Man(cmd::man::Args),
}

/// Which files to read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// FIT files or folders (walked recursively for .fit, .fit.gz and .zip). With
    /// --store: optional, and selects the stored files under these paths.
    #[arg(required_unless_present_any = ["store", "roster"], value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read the columnar store written by `hrzones ingest` instead of decoding FIT files
    /// (re-analysing a multi-year archive then takes a fraction of a second).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Analyse files whose CRC does not match (they are refused by default, since the
    /// data may be corrupt); each still gets a warning.
    #[arg(long)]
    pub accept_bad_crc: bool,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long, short)]
    pub quiet: bool,
    /// A coach's roster (roster.toml, see docs/ROSTER.md): with --athlete, read that
    /// athlete's inputs (when no PATH is given) with their profile.
    #[arg(
        long,
        value_name = "FILE",
        requires = "athlete",
        help_heading = "Athletes"
    )]
    pub roster: Option<PathBuf>,
    /// Athlete id: with --roster, that athlete's inputs and profile; with --store, only
    /// that athlete's stored files (default: every athlete's).
    #[arg(long, value_name = "ID", help_heading = "Athletes")]
    pub athlete: Option<String>,
    /// Time zone of the local dates (days, weeks, periods, titles, --since/--until): a
    /// UTC offset (+02:00, -7, UTC) or an IANA name (Europe/Paris: daylight saving
    /// followed). Default: the offset each file records, else UTC (said in `note`).
    #[arg(
        long,
        visible_alias = "utc-offset",
        value_name = "ZONE",
        allow_hyphen_values = true,
        help_heading = "Dates"
    )]
    pub tz: Option<String>,
    /// Only sessions from this local date on: YYYY-MM-DD, or back from today: 7d, 12w,
    /// 6m, 2y. Load, summary and audit still count earlier sessions for CTL, ACWR and
    /// the hard session before.
    #[arg(long, value_name = "DATE", help_heading = "Dates")]
    pub since: Option<String>,
    /// Only sessions up to this local date, inclusive (YYYY-MM-DD, or 7d, 12w, 6m, 2y
    /// back from today); the load history ends there.
    #[arg(long, value_name = "DATE", help_heading = "Dates")]
    pub until: Option<String>,
}

impl InputArgs {
    /// The athlete named by `--roster FILE --athlete ID` (None without `--roster`).
    pub fn roster_athlete(&self) -> Result<Option<Athlete>, RosterError> {
        if let Some(id) = &self.athlete {
            check_athlete_id(id)?;
        }
        let (Some(path), Some(id)) = (&self.roster, &self.athlete) else {
            return Ok(None);
        };
        Ok(Some(Roster::load(path)?.athlete(id)?.clone()))
    }

    /// These inputs with the roster resolved: without PATHs, the athlete's inputs (a
    /// missing one is then reported like a missing PATH); the roster itself is dropped.
    pub fn resolved(&self) -> Result<InputArgs, RosterError> {
        let mut out = self.clone();
        if let Some(athlete) = self.roster_athlete()? {
            if out.store.is_none() {
                if out.paths.is_empty() {
                    out.paths = athlete.inputs;
                }
                // The files read are the athlete's own: nothing left to select.
                out.athlete = None;
            }
        } else if let (Some(id), None) = (&self.athlete, &self.store) {
            // Files read directly have no athlete: the flag would be silently ignored.
            return Err(RosterError::Invalid {
                path: PathBuf::from("--athlete"),
                message: format!(
                    "--athlete {id} needs --roster FILE (that athlete's inputs and profile) or --store DIR (that athlete's stored files)"
                ),
            });
        }
        out.roster = None;
        Ok(out)
    }

    /// The `--tz` setting.
    pub fn time_zone(&self) -> Result<crate::localtime::TimeZone, crate::localtime::TimeError> {
        match &self.tz {
            Some(t) => crate::localtime::TimeZone::parse(t),
            None => Ok(crate::localtime::TimeZone::FromFile),
        }
    }

    /// The `--since`/`--until` window; relative bounds count back from today in the
    /// `--tz` zone (UTC without one).
    pub fn window(&self) -> Result<crate::localtime::DateWindow, crate::localtime::TimeError> {
        crate::localtime::DateWindow::parse(
            self.since.as_deref(),
            self.until.as_deref(),
            self.time_zone()?.today(),
        )
    }
}

/// `--athlete ID` must be a valid athlete id (it names a store partition).
pub fn check_athlete_id(id: &str) -> Result<(), RosterError> {
    if crate::roster::is_valid_id(id) {
        Ok(())
    } else {
        Err(RosterError::Invalid {
            path: PathBuf::from("--athlete"),
            message: format!(
                "{id:?} is not an athlete id: use 1 to 64 of a-z, 0-9, - and _ (not first)"
            ),
        })
    }
}

/// Zone model and athlete thresholds.
#[derive(Debug, Clone, Default, Args)]
pub struct ZoneArgs {
    /// Athlete profile (TOML): sex, max/resting/threshold HR, zone model, with dated
    /// changes. Flags below override it for this run.
    #[arg(long, value_name = "FILE", help_heading = "Zones")]
    pub profile: Option<PathBuf>,
    /// Zone model. Default: the watch's own zones from the file when it has them, else
    /// % of the file's max HR; a flag such as --lthr or --bounds picks its model.
    #[arg(
        long = "zones",
        value_enum,
        value_name = "MODEL",
        help_heading = "Zones"
    )]
    pub model: Option<ModelArg>,
    /// Max heart rate, bpm.
    #[arg(long, value_name = "BPM", help_heading = "Zones", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u8).range(60..=250))]
    pub max_hr: Option<u8>,
    /// Resting heart rate, bpm (for --zones hrr and hrTSS).
    #[arg(long, value_name = "BPM", help_heading = "Zones", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u8).range(20..=120))]
    pub resting_hr: Option<u8>,
    /// Lactate-threshold heart rate, bpm (--zones lthr: Friel's 7 running zones).
    #[arg(long, value_name = "BPM", help_heading = "Zones", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u8).range(60..=240))]
    pub lthr: Option<u8>,
    /// Zone floors in bpm, Z1 first (--zones custom): 120,140,155,170,185 means
    /// Z1 120-139 ... Z5 185+, below 120 is Z0.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "BPM,...",
        help_heading = "Zones"
    )]
    pub bounds: Option<Vec<u8>>,
    /// Zone floors as % of max HR or of HR reserve (default 50,60,70,80,90).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "PCT,...",
        help_heading = "Zones"
    )]
    pub percents: Option<Vec<f64>>,
    /// Sex, for the TRIMP weighting (male: a=0.64, b=1.92; female: a=0.86, b=1.67).
    #[arg(long, value_enum, help_heading = "Zones")]
    pub sex: Option<SexArg>,
}

/// `--zones` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// The watch's own zones, read from the file.
    File,
    /// % of max HR (50/60/70/80/90 by default).
    Hrmax,
    /// % of heart-rate reserve (Karvonen).
    Hrr,
    /// % of lactate-threshold HR (Friel's 7 running zones).
    Lthr,
    /// Explicit floors from --bounds.
    Custom,
}

/// `--sex` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SexArg {
    /// Male.
    Male,
    /// Female.
    Female,
}

impl ZoneArgs {
    /// [`ZoneArgs::settings`], with the roster athlete's profile (`--roster --athlete`)
    /// when `--profile` does not name one.
    pub fn settings_for(&self, input: &InputArgs) -> anyhow::Result<Settings> {
        let mut zones = self.clone();
        if zones.profile.is_none() {
            zones.profile = input.roster_athlete()?.and_then(|a| a.profile_path);
        }
        Ok(zones.settings()?)
    }

    /// The validated settings: the profile (if any) with these flags on top.
    pub fn settings(&self) -> Result<Settings, ProfileError> {
        self.check_values()?;
        let profile = match &self.profile {
            Some(p) => AthleteProfile::read(p)?,
            None => AthleteProfile::default(),
        };
        let overrides = Thresholds {
            model: self.model.map(|m| match m {
                ModelArg::File => ZoneModelKind::File,
                ModelArg::Hrmax => ZoneModelKind::Hrmax,
                ModelArg::Hrr => ZoneModelKind::Hrr,
                ModelArg::Lthr => ZoneModelKind::Lthr,
                ModelArg::Custom => ZoneModelKind::Custom,
            }),
            max_hr: self.max_hr,
            resting_hr: self.resting_hr,
            lthr: self.lthr,
            bounds: self.bounds.clone(),
            percents: self
                .percents
                .as_ref()
                .map(|v| v.iter().map(|p| p / 100.0).collect()),
            sex: self.sex.map(|s| match s {
                SexArg::Male => Sex::Male,
                SexArg::Female => Sex::Female,
            }),
        };
        profile.base.overlay(&overrides).validate()?;
        Ok(Settings { profile, overrides })
    }
}

impl ZoneArgs {
    /// Usage errors that name the flag and the valid range (issue 12): percents outside
    /// (0, 100], `--zones custom` without floors (max HR above resting HR is checked with
    /// the profile, see `Thresholds::validate`).
    fn check_values(&self) -> Result<(), ProfileError> {
        let bad = |m: String| ProfileError::Invalid(m);
        if let Some(p) = &self.percents {
            if let Some(x) = p
                .iter()
                .find(|x| !(x.is_finite() && **x > 0.0 && **x <= 100.0))
            {
                return Err(bad(format!(
                    "--percents: {x} is not a percentage of max HR or HR reserve; give values in (0, 100], e.g. 50,60,70,80,90"
                )));
            }
        }
        if self.model == Some(ModelArg::Custom) && self.bounds.is_none() && self.profile.is_none() {
            return Err(bad(
                "--zones custom needs --bounds BPM,... (zone floors, Z1 first), e.g. --bounds 120,140,155,170,185".into(),
            ));
        }
        Ok(())
    }
}

/// Output format and destination.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format (default: table on a terminal, CSV when piped).
    #[arg(long, short, value_enum)]
    pub format: Option<Format>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Table: every column, in machine units, instead of the compact view.
    #[arg(long)]
    pub wide: bool,
    /// Only these columns (machine names, as in the CSV header), in this order; any
    /// format.
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub columns: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
