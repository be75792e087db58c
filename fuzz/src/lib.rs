//! The parts of hrzones the fuzz target exercises, compiled from the main crate's own
//! source files (see the comment in `fuzz/Cargo.toml` for why this is not a path
//! dependency). If one of these modules starts to use another hrzones module, add that
//! module here too.
#![allow(missing_docs)]

#[path = "../../src/activity.rs"]
pub mod activity;
#[path = "../../src/fit/mod.rs"]
pub mod fit;
#[path = "../../src/zones.rs"]
pub mod zones;
