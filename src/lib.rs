//! # hrzones
//!
//! Time in heart-rate zones, training stress and a recovery-run audit for FIT files.
//!
//! The pipeline, one stage per module, data flowing one way:
//! bytes → [`fit::decode`] (columns) → [`activity::Activity`] (sessions, timer, samples)
//! → [`zones`] (time in zone) → `load` (hrTSS, TRIMP, CTL/ATL/TSB)
//! → `audit` (recovery runs) → `report` / `chart` (output).
#![warn(missing_docs)]

pub mod activity;
pub mod analysis;
pub mod archive_gen;
pub mod cli;
pub mod cmd;
pub mod fit;
pub mod pipeline;
pub mod profile;
pub mod report;
pub mod source;
pub mod store;
pub mod zones;
