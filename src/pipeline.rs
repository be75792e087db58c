//! Running the per-file pipeline over many inputs: read → decode → `Activity` → the
//! caller's analysis, in parallel on all cores, with a progress bar, one report per file.
//!
//! A bad file never stops the batch: it becomes a [`FileReport`] with status `Failed` and
//! one line saying what is wrong. Only the caller's small per-file result is kept, never
//! the samples of every file at once, so memory does not grow with the archive.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::activity::{Activity, FileKind};
use crate::fit::{self, DecodeError, DecodeOptions, Warning};
use crate::source::{InputError, InputFile, ZipArchives};

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Read cleanly.
    Ok,
    /// Read with damage (truncated, cut message, accepted bad CRC): data kept up to it.
    Salvaged,
    /// A FIT file with nothing to analyse (settings, workout, monitoring...).
    NotActivity,
    /// The same bytes as an earlier input: counted once.
    Duplicate,
    /// Could not be used.
    Failed,
}

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Reading failed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Not decodable as FIT at all.
    #[error("could not decode as FIT: {0}")]
    Decode(DecodeError),
    /// CRC mismatch, refused by policy.
    #[error("{0}; the data may be corrupt (use --accept-bad-crc to analyse it anyway)")]
    BadCrc(Warning),
}

/// How strict to be.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// Analyse files whose CRC does not match (with a warning).
    pub accept_bad_crc: bool,
    /// Skip CRC computation entirely (faster; damage then shows only as structure errors).
    pub skip_crc: bool,
    /// How local dates are read (`--tz`; default: the file's own offset).
    pub time_zone: crate::localtime::TimeZone,
}

/// The outcome for one input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// Input name.
    pub name: String,
    /// Status.
    pub status: FileStatus,
    /// The error, or the damage warnings, one line each.
    pub messages: Vec<String>,
    /// Bytes decoded (after decompression).
    pub bytes: u64,
    /// Content hash (xxh3-64) of the decoded bytes.
    #[serde(skip)]
    pub hash: u64,
    /// The other inputs with the same bytes (the same activity from another export):
    /// labels given to any of these names belong to this activity too.
    #[serde(skip)]
    pub aliases: Vec<String>,
}

/// Reads and decodes one input into an `Activity`, applying the CRC policy.
pub fn open(input: &InputFile, policy: Policy) -> Result<(Activity, u64, u64), FileError> {
    open_in(input, policy, &ZipArchives::default())
}

/// [`open`], taking zip archives from `archives` (each opened once for the whole batch).
pub fn open_in(
    input: &InputFile,
    policy: Policy,
    archives: &ZipArchives,
) -> Result<(Activity, u64, u64), FileError> {
    // Mapped rather than copied where that is faster (see `InputBytes`); the mapping is
    // dropped as soon as the file is decoded (the Activity owns its columns).
    let bytes = input.read_mapped_in(archives)?;
    let (a, hash) = activity_from_bytes(&bytes, input.name(), policy)?;
    Ok((a, bytes.len() as u64, hash))
}

/// Decodes bytes into an `Activity`, applying the CRC policy; also returns the content hash.
pub fn activity_from_bytes(
    bytes: &[u8],
    name: String,
    policy: Policy,
) -> Result<(Activity, u64), FileError> {
    let hash = xxhash_rust::xxh3::xxh3_64(bytes);
    Ok((activity_of_bytes(bytes, name, policy)?, hash))
}

/// [`activity_from_bytes`] for a caller that has hashed the bytes already (ingest hashes
/// them first, to find duplicates before decoding): hashing a file again was 1 % of a
/// cold ingest.
pub fn activity_of_bytes(
    bytes: &[u8],
    name: String,
    policy: Policy,
) -> Result<Activity, FileError> {
    let data = fit::decode(
        bytes,
        DecodeOptions {
            skip_crc: policy.skip_crc,
        },
    )
    .map_err(FileError::Decode)?;
    if !policy.accept_bad_crc {
        if let Some(w) = data.warnings.iter().find(|w| w.is_crc()) {
            return Err(FileError::BadCrc(w.clone()));
        }
    }
    let mut a = Activity::from_fit(data, name);
    a.time_zone = policy.time_zone;
    Ok(a)
}

/// Status and messages for a decoded activity.
pub fn status_of(a: &Activity) -> (FileStatus, Vec<String>) {
    let damage: Vec<String> = a
        .warnings
        .iter()
        .filter(|w| w.is_damage())
        .map(|w| w.to_string())
        .collect();
    let status = if a.kind() == FileKind::NotActivity {
        let what = match a.file_id.file_type {
            Some(t) => {
                let name = crate::fit::profile::file_type_name(t);
                let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {name} file")
            }
            None => "no file_id".to_string(),
        };
        let mut messages = vec![format!(
            "not an activity ({what}, no sessions or records); skipped"
        )];
        messages.extend(damage);
        return (FileStatus::NotActivity, messages);
    } else if damage.is_empty() {
        FileStatus::Ok
    } else {
        FileStatus::Salvaged
    };
    (status, damage)
}

/// A progress bar on stderr (files, MB, rate, ETA) that draws nothing when stderr is not
/// a terminal or `show` is false.
pub fn progress_bar(total_files: usize, show: bool) -> indicatif::ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total_files as u64);
    let style = indicatif::ProgressStyle::with_template(
        // `wide_bar` takes what the terminal's width leaves: the line never wraps at 80
        // columns (a wrapped bar redraws as a new line each tick).
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files  {msg}  ETA {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

/// One report per input, with the caller's result where the file was analysed.
pub type FileResults<T> = Vec<(FileReport, Option<T>)>;

/// Runs `analyse` on every input in parallel. Results come back in input order; an input
/// whose bytes repeat an earlier input's is reported as a duplicate and not analysed again.
pub fn run<T, F>(
    inputs: &[InputFile],
    policy: Policy,
    show_progress: bool,
    analyse: F,
) -> Vec<(FileReport, Option<T>)>
where
    T: Send,
    F: Fn(&Activity) -> T + Sync,
{
    let pb = progress_bar(inputs.len(), show_progress);
    let archives = ZipArchives::open(inputs);
    let bytes_done = AtomicU64::new(0);
    let started = std::time::Instant::now();
    let mut results: Vec<(FileReport, Option<T>)> = inputs
        .par_iter()
        .map(|input| {
            let name = input.name();
            let out = match open_in(input, policy, &archives) {
                Ok((a, n, hash)) => {
                    let (status, messages) = status_of(&a);
                    let value = (status != FileStatus::NotActivity).then(|| analyse(&a));
                    bytes_done.fetch_add(n, Ordering::Relaxed);
                    (
                        FileReport {
                            name,
                            status,
                            messages,
                            bytes: n,
                            hash,
                            aliases: Vec::new(),
                        },
                        value,
                    )
                }
                Err(e) => (
                    FileReport {
                        name,
                        status: FileStatus::Failed,
                        messages: vec![e.to_string()],
                        bytes: 0,
                        hash: 0,
                        aliases: Vec::new(),
                    },
                    None,
                ),
            };
            pb.inc(1);
            let mb = bytes_done.load(Ordering::Relaxed) as f64 / 1e6;
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            pb.set_message(format!("{mb:.1} MB  {:.1} MB/s", mb / secs));
            out
        })
        .collect();
    pb.finish_and_clear();
    let mut seen = std::collections::HashSet::new();
    for (report, value) in results.iter_mut() {
        if report.status != FileStatus::Failed && !seen.insert(report.hash) {
            report.status = FileStatus::Duplicate;
            *value = None;
        }
    }
    link_aliases(results.iter_mut().map(|(r, _)| r));
    results
}

/// Fills each report's `aliases`: the names of the other reports with the same content
/// hash (failed reports have no hash and are left alone).
pub fn link_aliases<'a>(reports: impl Iterator<Item = &'a mut FileReport>) {
    let mut reports: Vec<&mut FileReport> =
        reports.filter(|r| r.status != FileStatus::Failed).collect();
    let mut names: std::collections::HashMap<u64, Vec<String>> = std::collections::HashMap::new();
    for r in reports.iter() {
        names.entry(r.hash).or_default().push(r.name.clone());
    }
    for r in reports.iter_mut() {
        if let Some(all) = names.get(&r.hash).filter(|v| v.len() > 1) {
            r.aliases = all.iter().filter(|n| **n != r.name).cloned().collect();
        }
    }
}

/// Counts of file outcomes, for the summary line and the exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Read cleanly.
    pub ok: usize,
    /// Read with damage.
    pub salvaged: usize,
    /// Not activities.
    pub not_activity: usize,
    /// Duplicates.
    pub duplicate: usize,
    /// Failed.
    pub failed: usize,
    /// Other files skipped while walking folders.
    pub skipped: usize,
    /// Files a store read found recorded as failed at ingest (said once, not an error
    /// of this run).
    pub stored_failed: usize,
}

impl Summary {
    /// Counts the reports.
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a FileReport>, skipped: usize) -> Summary {
        let mut s = Summary {
            skipped,
            ..Default::default()
        };
        for r in reports {
            match r.status {
                FileStatus::Ok => s.ok += 1,
                FileStatus::Salvaged => s.salvaged += 1,
                FileStatus::NotActivity => s.not_activity += 1,
                FileStatus::Duplicate => s.duplicate += 1,
                FileStatus::Failed => s.failed += 1,
            }
        }
        s
    }

    /// One line for stderr.
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} ok", self.ok),
            format!("{} salvaged", self.salvaged),
            format!("{} failed", self.failed),
        ];
        if self.stored_failed > 0 {
            parts.push(format!("{} failed at ingest", self.stored_failed));
        }
        let one =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.not_activity > 0 {
            parts.push(one(self.not_activity, "not an activity", "not activities"));
        }
        if self.duplicate > 0 {
            parts.push(one(self.duplicate, "duplicate", "duplicates"));
        }
        if self.skipped > 0 {
            parts.push(one(
                self.skipped,
                "other file skipped",
                "other files skipped",
            ));
        }
        format!("files: {}", parts.join(", "))
    }
}
