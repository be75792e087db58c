//! FIT files: the streaming decoder on the hot path, the CRC, the profile subset we read,
//! and a small encoder used by tests, fixtures and the archive generator.

pub mod crc;
pub mod decode;
pub mod encode;
pub mod profile;

pub use decode::{decode, DecodeError, DecodeOptions, FitData, Warning, WarningKind};
