//! Years at a glance: intensity distribution, easy-run discipline, load risk and aerobic
//! trends over weeks, months, seasons and years (`hrzones summary`).
//!
//! The stages, data flowing one way:
//! - [`session`]: one small [`session::SessionFacts`] per session, from the public
//!   per-session APIs (`SessionAnalysis`, `SessionLoad`, `time_in_zones`, the audit's
//!   `hr_evidence`) — the only part that sees samples;
//! - [`distribution`]: Seiler's three zones, Treff's polarization index, the classes;
//! - [`risk`]: ACWR (EWMA and uncoupled rolling), Foster's monotony and strain, CTL ramp;
//! - [`periods`]: the rows per period, with the discipline and aerobic counts.
//!
//! Every formula's source is cited where it is implemented and in docs/SUMMARY.md.

pub mod distribution;
pub mod periods;
pub mod risk;
pub mod session;
pub mod table;
