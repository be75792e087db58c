//! # hrzones
//!
//! Time in heart-rate zones, training stress and a recovery-run audit for FIT files.
//!
//! The pipeline, one stage per module, data flowing one way:
//! bytes → [`fit::decode`] (columns) → [`activity::Activity`] (sessions, timer, samples)
//! → [`zones`] (time in zone) → [`load`] (hrTSS, TRIMP, CTL/ATL/TSB)
//! → `audit` (recovery runs) → `report` / `chart` (output).
//!
//! ```
//! use hrzones::activity::Activity;
//! use hrzones::analysis::SessionAnalysis;
//! use hrzones::profile::Settings;
//! use hrzones::zones::TimeInZoneOptions;
//!
//! let bytes = std::fs::read("fixtures/recovery_ok.fit")?;
//! let data = hrzones::fit::decode(&bytes, Default::default())?;
//! let run = Activity::from_fit(data, "recovery_ok.fit");
//! let session = &run.sessions[0];
//! let a = SessionAnalysis::compute(&run, session, &Settings::default(), TimeInZoneOptions::default());
//! // The watch's own zones, read from the file: 25 minutes, all of it in Zone 1.
//! assert_eq!(a.zones?.floors_bpm, vec![95, 114, 133, 152, 171]);
//! assert_eq!(a.secs_in_zone.unwrap(), vec![0.0, 1500.0, 0.0, 0.0, 0.0, 0.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

/// Every `eprintln!` of the library (declared before the modules, this shadows std's for
/// all of them): it never panics when stderr cannot be written (`2>/dev/full`, a closed
/// pipe), where std's `eprintln!` does, and it escapes control characters
/// ([`escape::terminal_text`]), since file and workout names from input files are
/// printed in diagnostics.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let line = ::std::format!($($arg)*);
        let _ = ::std::writeln!(
            ::std::io::stderr().lock(),
            "{}",
            $crate::escape::terminal_text(&line)
        );
    }};
}

pub mod activity;
pub mod analysis;
pub mod archive_gen;
pub mod audit;
pub mod chart;
pub mod cli;
pub mod cmd;
pub mod dump;
pub mod escape;
pub mod fit;
pub mod fsutil;
pub mod hr_seconds;
pub mod human;
pub mod load;
pub mod localtime;
pub mod notes;
pub mod parquet_compat;
pub mod pipeline;
pub mod profile;
pub mod report;
pub mod roster;
pub mod site;
pub mod source;
pub mod store;
pub mod terminal;
pub mod thresholds;
pub mod timeline;
pub mod trends;
pub mod zones;

/// Helpers for the unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// A seeded xorshift generator for property tests: each call `rnd(m)` gives a number
    /// in `0..m` (0 for `m` = 0), the same sequence for the same seed.
    pub fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut x = seed;
        move |m| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m.max(1)
        }
    }
}
