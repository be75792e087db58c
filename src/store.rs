//! The columnar store: decoded FIT files kept as Parquet (written through polars), so
//! that re-analysing a multi-year archive with new thresholds never decodes a FIT file
//! again, and so the data opens in polars, DuckDB or pandas without hrzones.
//!
//! `hrzones ingest PATH... --store DIR` fills it ([`ingest()`]); `zones` (and the other
//! analysis commands) read it with `--store DIR` ([`Store::analyse`]), one part at a time,
//! so memory stays bounded by the size of a part whatever the size of the archive.
//!
//! # Layout
//!
//! ```text
//! DIR/manifest.json                                 the commit point (see below)
//! DIR/files/files-g000007-1f2e3d4c.parquet          one row per input file seen
//! DIR/sessions/athlete=ana/year=2024/part-g000007-1f2e3d4c-0000.parquet    sessions
//! DIR/samples/athlete=ana/year=2024/part-g000007-1f2e3d4c-0000.parquet     record samples
//! DIR/timer/athlete=ana/year=2024/part-g000007-1f2e3d4c-0000.parquet       timer intervals
//! DIR/hr_seconds/athlete=ana/year=2024/part-g000007-1f2e3d4c-0000.parquet  seconds per bpm
//! DIR/light/{sessions,timer,hr_seconds}-g000007-1f2e3d4c.parquet           every part's, in one
//! ```
//!
//! `light/` is derived: each commit that changes the parts concatenates their sessions,
//! timer and hr_seconds tables into one file each (`src/store/light.rs`), which
//! `zones --store` and `load --store` read instead of three files per part.
//!
//! Rows are partitioned (Hive style) by athlete ([`crate::roster`]; `default` without a
//! roster) and by the UTC year of a file's first session; all rows of one file live in
//! one *part* — four Parquet files with the same name, one per table (three in parts
//! written before `hr_seconds`). Paths come from [`manifest::part_path`]. Version-1 stores (`year=` only) are read as the `default`
//! athlete's and moved to this layout by the next ingest or [`merge()`]; shards of
//! `ingest --shard` live in `DIR/_shards/` until [`merge()`] commits them.
//! An ingest writes one part per year it touches, and starts another when a year's buffer
//! reaches about half a million samples (≈ 130 hour-long activities), so a 10-year
//! archive is a few dozen files per table, not thousands of tiny ones. Files whose timestamps are seconds since power-on
//! rather than dates land in `year=1989`–`1998` with `has_real_dates = false`.
//!
//! # Schema
//!
//! Times are `Datetime(ms, UTC)` (`mtime`: ns); missing values are nulls. `file_hash`
//! (xxh3-64 of the decompressed FIT bytes, u64) joins the tables. Integers the FIT profile
//! keeps in 8 or 16 bits (heart rate, enums) are u32: Parquet stores them as INT32 either
//! way, and the lean polars build here leaves out the narrow types. The full column list
//! with units is in `docs/STORE.md`.
//!
//! **samples** — `file_hash`, `session` (index of the session the sample belongs to; null
//! outside every session), `time`, `hr_bpm`, `distance_m` f64 (cumulative), `speed_mps`,
//! `altitude_m`, `cadence_rpm` (running: strides/min, as the FIT profile stores it),
//! `power_w` (f32). Rows of a file are in file order; heart rate from a chest strap's
//! stored `hr` messages is already merged in (see [`crate::activity`]).
//!
//! **sessions** — `file_hash`, `path`, `session`, `sport` / `sub_sport` (names),
//! `sport_id` / `sub_sport_id` (FIT enums), `sport_profile_name`, `start`, `end`,
//! `has_real_dates`, `timer_s` / `elapsed_s`, `distance_m`, `avg_hr_bpm` / `max_hr_bpm`
//! (the watch's), `training_stress_score` / `total_training_effect` (the watch's),
//! `synthesized` (no session message: built from records), `sample_first` /
//! `sample_count` (the session's rows among the file's samples); the watch's own time in
//! zone: `device_zone_s` list<f64> (index 0 = below zone 1), `device_zone_high_bpm`,
//! `device_hr_calc_type`, `device_max_hr_bpm`, `device_resting_hr_bpm`,
//! `device_threshold_hr_bpm`; the zone settings the file carries (repeated on each session
//! of the file): `file_max_hr_bpm`, `file_threshold_hr_bpm`, `file_hr_calc_type` (from
//! `zones_target`), `file_resting_hr_bpm`, `file_max_running_hr_bpm`,
//! `file_default_max_hr_bpm`, `file_gender` (from `user_profile`), `file_hr_zone_index` /
//! `file_hr_zone_high_bpm` (`hr_zone` messages); `workout_names` and `sport_names`
//! list<str>.
//!
//! **timer** — `file_hash`, `start`, `end`: when the timer ran (from timer start/stop
//! events, else each session's span).
//!
//! **hr_seconds** — `file_hash`, `session`, `hr_bpm`, `seconds` (timer seconds at that
//! heart rate), `samples`: each session's heart rate as seconds per bpm, with the
//! sessions' `hr_samples`, `hr_max_raw_bpm`, `hr_bridged`, `hr_excluded_samples` and
//! `hr_excluded_s` (see [`crate::hr_seconds`]). [`Store::analyse_hr`] answers zones and
//! load from these and the sessions alone, exactly for any thresholds; parts written
//! before the table (the manifest's `hr_seconds` row count is absent) are read with their
//! samples.
//!
//! **files** — `path` (absolute, or `archive.zip:entry`), `athlete`, `size_bytes` (on disk; for a zip
//! entry, uncompressed), `mtime` (null for zip entries), `zip_crc32`, `file_hash`,
//! `fit_bytes` (decompressed), `status` (ok, salvaged, not_activity, duplicate, failed),
//! `messages` list<str> (damage warnings or the error), `duplicate_of`, `ingested_at`,
//! `year`, `part` (`ana/2024/part-g000007-1f2e3d4c-0000`), `sample_offset` / `sample_rows` (the file's
//! rows in the part's samples), `sessions`, `hr_from_strap`, `has_real_dates`, and the
//! `file_id`: `file_type`, `manufacturer`, `product`, `serial_number`, `time_created`.
//!
//! Laps and the decoder's warnings as structured values are not stored (the warnings' text
//! is, in `files.messages`); an [`Activity`] rebuilt from the store has no laps.
//!
//! # Atomicity
//!
//! `manifest.json` lists the parts and the `files` table that make up the store, and a
//! reader trusts nothing else. An ingest writes each new Parquet file under a temporary
//! name, flushes it to disk and renames it to its final name; only when every part and the
//! new `files` table are in place does it write the new manifest to a temporary file and
//! rename it over the old one — the single commit point. A crash before that rename leaves
//! the old manifest, which names only complete files of the previous generation. Part
//! names carry the generation, so new parts never overwrite old ones. The next ingest
//! deletes files that no manifest names (left by a crash); after a commit it deletes the
//! files the new manifest no longer names. An OS advisory lock on `.lock`
//! keeps two writers apart; part names carry a per-writer tag besides the generation.
//!
//! Reading the folder by glob (`samples/**/*.parquet`) is exact after any completed
//! ingest; after an interrupted one, read the files `manifest.json` lists (or run the
//! ingest again, which tidies up).
//!
//! # Incremental ingest
//!
//! A file whose path, size and mtime (for zip entries: uncompressed size and CRC-32 from
//! the archive's directory) match the `files` table is not read at all. Otherwise it is read
//! and hashed: the same hash as before means unchanged (only its stamp is updated); the
//! same bytes as another stored file make it a duplicate (kept once); otherwise it is
//! decoded. A changed file's old rows are removed by rewriting the parts that held them
//! (without those rows, under new names) — no tombstones, so the Parquet files always
//! hold exactly the current data. Files not named in an ingest stay in the store.

mod encode;
mod ingest;
mod light;
pub mod manifest;
pub mod merge;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::activity::Activity;
use crate::fit::decode::FileId;
use crate::pipeline::{FileReport, FileStatus};

pub use ingest::{ingest, IngestOptions, IngestSummary, Shard};
pub use manifest::{Manifest, PartMeta};
pub use merge::{merge, MergeSummary};
pub use schema::SampleColumns;

/// A map keyed by `file_hash` (xxh3 of a file's bytes), hashed by itself.
pub(crate) type ByFileHash<V> =
    HashMap<u64, V, std::hash::BuildHasherDefault<schema::FileHashHasher>>;

use light::LightRows;
use manifest::PART_TABLES;
use schema::{
    rebuild, rebuild_light, runs, FileMeta, PartHrSeconds, PartSamples, PartSessions, PartTimer,
};

/// Errors reading or writing a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file or folder of the store could not be read or written.
    #[error("could not access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No `manifest.json`.
    #[error("{path} is not an hrzones store (no manifest.json); create it with `hrzones ingest PATH... --store {path}`")]
    NotAStore {
        /// The folder.
        path: PathBuf,
    },
    /// The manifest cannot be parsed.
    #[error("could not parse the store manifest {path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Written by a newer hrzones.
    #[error("{path} was written by a newer hrzones (store format {found}; this one reads up to {supported}): upgrade hrzones")]
    Version {
        /// The manifest.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// Ours.
        supported: u32,
    },
    /// A Parquet file could not be read or written, or lacks what the schema says.
    #[error("Parquet file {path}: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// polars' message.
        message: String,
    },
    /// Another writer holds the lock.
    #[error("the store is being written by {}; wait for it to finish and run this again (lock: {})", holder(*pid), lock.display())]
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// The process holding it, when it could be read.
        pid: Option<u32>,
    },
    /// The `files` table refers to a part the manifest does not list.
    #[error("store {path} is inconsistent: {message}")]
    Inconsistent {
        /// The store.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
    /// The ingest stopped before its commit (the previous store is intact).
    #[error("ingest into {path} stopped before its commit; the store is as it was")]
    Interrupted {
        /// The store.
        path: PathBuf,
    },
}

fn holder(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("pid {pid}"),
        None => "another hrzones process".to_string(),
    }
}

fn parquet_err(path: &Path) -> impl Fn(PolarsError) -> StoreError + '_ {
    move |e| StoreError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One row of the `files` table: what the store knows of one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Absolute path, or `archive.zip:entry`.
    pub path: String,
    /// The athlete it belongs to ([`crate::roster::DEFAULT_ATHLETE`] without a roster).
    pub athlete: String,
    /// Size on disk (zip entry: uncompressed), bytes.
    pub size_bytes: u64,
    /// Modification time, ns since the Unix epoch (plain and gzip files).
    pub mtime_ns: Option<i64>,
    /// CRC-32 from the zip directory (zip entries).
    pub zip_crc32: Option<u32>,
    /// xxh3-64 of the decompressed bytes (None when they could not be read).
    pub file_hash: Option<u64>,
    /// Decompressed size, bytes.
    pub fit_bytes: u64,
    /// Outcome of its last decode.
    pub status: FileStatus,
    /// Damage warnings or the error.
    pub messages: Vec<String>,
    /// For a duplicate: the path whose rows it shares.
    pub duplicate_of: Option<String>,
    /// When it was last read, Unix ms.
    pub ingested_at_ms: i64,
    /// Year partition of its rows.
    pub year: Option<i32>,
    /// Part holding its rows (`year/name`).
    pub part: Option<String>,
    /// First row of its samples in the part.
    pub sample_offset: u64,
    /// Number of its samples.
    pub sample_rows: u64,
    /// Number of its sessions.
    pub sessions: u32,
    /// Records whose HR came from stored strap messages.
    pub hr_from_strap: u32,
    /// False when its timestamps are seconds since power-on.
    pub has_real_dates: bool,
    /// Its `file_id` message.
    pub file_id: FileId,
}

impl FileEntry {
    /// The per-file report a path-based run would give for it.
    pub fn report(&self) -> FileReport {
        FileReport {
            name: self.path.clone(),
            status: self.status,
            messages: self.messages.clone(),
            bytes: self.fit_bytes,
            hash: self.file_hash.unwrap_or(0),
            aliases: Vec::new(),
        }
    }

    /// True when the store holds rows for it.
    pub fn has_rows(&self) -> bool {
        self.part.is_some() && matches!(self.status, FileStatus::Ok | FileStatus::Salvaged)
    }
}

/// The name of a status in the `files` table.
pub fn status_name(s: FileStatus) -> &'static str {
    match s {
        FileStatus::Ok => "ok",
        FileStatus::Salvaged => "salvaged",
        FileStatus::NotActivity => "not_activity",
        FileStatus::Duplicate => "duplicate",
        FileStatus::Failed => "failed",
    }
}

fn status_of_name(s: &str) -> Option<FileStatus> {
    Some(match s {
        "ok" => FileStatus::Ok,
        "salvaged" => FileStatus::Salvaged,
        "not_activity" => FileStatus::NotActivity,
        "duplicate" => FileStatus::Duplicate,
        "failed" => FileStatus::Failed,
        _ => return None,
    })
}

fn files_frame(entries: &[FileEntry]) -> PolarsResult<DataFrame> {
    let e = || entries.iter();
    let utc = |ca: Int64Chunked, unit| -> Column {
        ca.into_datetime(unit, Some(TimeZone::UTC))
            .into_series()
            .into()
    };
    let mut messages = ListStringChunkedBuilder::new("messages".into(), entries.len(), 8);
    for x in entries {
        messages.append_values_iter(x.messages.iter().map(String::as_str));
    }
    DataFrame::new_infer_height(vec![
        Column::new(
            "path".into(),
            e().map(|x| x.path.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "athlete".into(),
            e().map(|x| x.athlete.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "size_bytes".into(),
            e().map(|x| x.size_bytes).collect::<Vec<_>>(),
        ),
        utc(
            Int64Chunked::from_iter_options("mtime".into(), e().map(|x| x.mtime_ns)),
            TimeUnit::Nanoseconds,
        ),
        UInt32Chunked::from_iter_options("zip_crc32".into(), e().map(|x| x.zip_crc32))
            .into_column(),
        UInt64Chunked::from_iter_options("file_hash".into(), e().map(|x| x.file_hash))
            .into_column(),
        Column::new(
            "fit_bytes".into(),
            e().map(|x| x.fit_bytes).collect::<Vec<_>>(),
        ),
        Column::new(
            "status".into(),
            e().map(|x| status_name(x.status)).collect::<Vec<_>>(),
        ),
        messages.finish().into_column(),
        StringChunked::from_iter_options(
            "duplicate_of".into(),
            e().map(|x| x.duplicate_of.as_deref()),
        )
        .into_column(),
        utc(
            Int64Chunked::from_vec(
                "ingested_at".into(),
                e().map(|x| x.ingested_at_ms).collect(),
            ),
            TimeUnit::Milliseconds,
        ),
        Int32Chunked::from_iter_options("year".into(), e().map(|x| x.year)).into_column(),
        StringChunked::from_iter_options("part".into(), e().map(|x| x.part.as_deref()))
            .into_column(),
        Column::new(
            "sample_offset".into(),
            e().map(|x| x.sample_offset).collect::<Vec<_>>(),
        ),
        Column::new(
            "sample_rows".into(),
            e().map(|x| x.sample_rows).collect::<Vec<_>>(),
        ),
        Column::new(
            "sessions".into(),
            e().map(|x| x.sessions).collect::<Vec<_>>(),
        ),
        Column::new(
            "hr_from_strap".into(),
            e().map(|x| x.hr_from_strap).collect::<Vec<_>>(),
        ),
        Column::new(
            "has_real_dates".into(),
            e().map(|x| x.has_real_dates).collect::<Vec<_>>(),
        ),
        UInt32Chunked::from_iter_options(
            "file_type".into(),
            e().map(|x| x.file_id.file_type.map(u32::from)),
        )
        .into_column(),
        UInt32Chunked::from_iter_options(
            "manufacturer".into(),
            e().map(|x| x.file_id.manufacturer.map(u32::from)),
        )
        .into_column(),
        UInt32Chunked::from_iter_options(
            "product".into(),
            e().map(|x| x.file_id.product.map(u32::from)),
        )
        .into_column(),
        UInt32Chunked::from_iter_options(
            "serial_number".into(),
            e().map(|x| x.file_id.serial_number),
        )
        .into_column(),
        utc(
            Int64Chunked::from_iter_options(
                "time_created".into(),
                e().map(|x| x.file_id.time_created.map(schema::fit_to_ms)),
            ),
            TimeUnit::Milliseconds,
        ),
    ])
}

fn entries_of_frame(df: &DataFrame) -> PolarsResult<Vec<FileEntry>> {
    let c = |n: &str| df.column(n);
    let path = c("path")?.str()?;
    // Absent from version-1 stores: every file is the default athlete's.
    let athlete = df.column("athlete").ok().and_then(|c| c.str().ok());
    let size = c("size_bytes")?.u64()?;
    let mtime = c("mtime")?.datetime()?.physical();
    let crc = c("zip_crc32")?.u32()?;
    let hash = c("file_hash")?.u64()?;
    let fit_bytes = c("fit_bytes")?.u64()?;
    let status = c("status")?.str()?;
    // Each row's list from the arrow arrays: a series per row was most of opening a store.
    let mut messages = schema::list_rows(c("messages")?, &schema::list_strs)?;
    let dup = c("duplicate_of")?.str()?;
    let at = c("ingested_at")?.datetime()?.physical();
    let year = c("year")?.i32()?;
    let part = c("part")?.str()?;
    let offset = c("sample_offset")?.u64()?;
    let rows = c("sample_rows")?.u64()?;
    let sessions = c("sessions")?.u32()?;
    let strap = c("hr_from_strap")?.u32()?;
    let real = c("has_real_dates")?.bool()?;
    let ftype = c("file_type")?.u32()?;
    let manu = c("manufacturer")?.u32()?;
    let product = c("product")?.u32()?;
    let serial = c("serial_number")?.u32()?;
    let created = c("time_created")?.datetime()?.physical();
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let status_text = status.get(i).unwrap_or("");
        let status = status_of_name(status_text).ok_or_else(
            || polars_err!(ComputeError: "files row {i}: unknown status {status_text:?}"),
        )?;
        out.push(FileEntry {
            path: path.get(i).unwrap_or("").to_string(),
            athlete: athlete
                .and_then(|a| a.get(i))
                .unwrap_or(crate::roster::DEFAULT_ATHLETE)
                .to_string(),
            size_bytes: size.get(i).unwrap_or(0),
            mtime_ns: mtime.get(i),
            zip_crc32: crc.get(i),
            file_hash: hash.get(i),
            fit_bytes: fit_bytes.get(i).unwrap_or(0),
            status,
            messages: messages
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or_default(),
            duplicate_of: dup.get(i).map(str::to_string),
            ingested_at_ms: at.get(i).unwrap_or(0),
            year: year.get(i),
            part: part.get(i).map(str::to_string),
            sample_offset: offset.get(i).unwrap_or(0),
            sample_rows: rows.get(i).unwrap_or(0),
            sessions: sessions.get(i).unwrap_or(0),
            hr_from_strap: strap.get(i).unwrap_or(0),
            has_real_dates: real.get(i).unwrap_or(false),
            file_id: FileId {
                file_type: ftype.get(i).and_then(|v| u8::try_from(v).ok()),
                manufacturer: manu.get(i).and_then(|v| u16::try_from(v).ok()),
                product: product.get(i).and_then(|v| u16::try_from(v).ok()),
                serial_number: serial.get(i),
                time_created: created
                    .get(i)
                    .map(|ms| ((ms / 1000) - crate::fit::profile::FIT_EPOCH_UNIX_S) as u32),
            },
        });
    }
    Ok(out)
}

/// How Parquet pages are compressed: LZ4 (raw) decompresses at several GB/s, so reading
/// the store costs little more than reading uncompressed data, at about half the size.
/// polars, DuckDB (≥ 0.9) and pyarrow read it.
const COMPRESSION: ParquetCompression = ParquetCompression::Lz4Raw;

/// The column statistics written for a table. Samples get null counts only: their
/// min/max statistics cost 8 % of a cold ingest (polars computes them per page, scalar),
/// and a query over samples is already narrowed by the year partition and `file_hash`,
/// which the other tables carry with full statistics.
fn statistics(table: &str) -> StatisticsOptions {
    if table == "samples" {
        StatisticsOptions {
            min_value: false,
            max_value: false,
            ..Default::default()
        }
    } else {
        StatisticsOptions::default()
    }
}

/// At most this many `hr_seconds` rows (about 170 hours of activities' histograms) are
/// read from the light copy at once; a group always holds at least one part.
const LIGHT_GROUP_HR_ROWS: usize = 1 << 19;

/// Rows per row group of a `samples` file: a reader that wants one file's samples (a
/// Parquet slice of its part) decodes the row groups it touches, not the whole part.
/// 16,384 rows: about four and a half hours of 1 s samples, a few activities.
const SAMPLE_ROW_GROUP_ROWS: usize = 1 << 14;

/// The row-group size for the Parquet file at `path`: [`SAMPLE_ROW_GROUP_ROWS`] for a
/// part of the `samples` table, polars' default for the others.
fn row_group_rows(path: &Path) -> Option<usize> {
    let is_part = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("part-"));
    let in_samples = path
        .ancestors()
        .skip(1)
        .take(3)
        .any(|d| d.file_name().is_some_and(|n| n == "samples"));
    (is_part && in_samples).then_some(SAMPLE_ROW_GROUP_ROWS)
}

/// Writes `df` to `path` atomically (temporary name, flush, rename); returns its size.
fn write_parquet(
    path: &Path,
    df: &mut DataFrame,
    statistics: StatisticsOptions,
) -> Result<u64, StoreError> {
    write_atomic(path, |w, how| {
        encode::write_frame(w, df, encode::TableWrite { statistics, ..how })
    })
}

/// Writes the `samples` part at `path` from each file's columns
/// ([`encode::write_samples`]), atomically as [`write_parquet`]; returns its size.
fn write_samples_parquet(path: &Path, files: &[schema::FileSamples]) -> Result<u64, StoreError> {
    write_atomic(path, |w, how| {
        encode::write_samples(
            w,
            files,
            encode::TableWrite {
                statistics: statistics("samples"),
                ..how
            },
        )
    })
}

/// Writes a Parquet file to `path` atomically (temporary name, flush, rename) with
/// `write`, given the table's write settings (statistics left to `write`); returns the
/// file's size.
fn write_atomic(
    path: &Path,
    write: impl FnOnce(
        &mut std::io::BufWriter<&mut std::fs::File>,
        encode::TableWrite,
    ) -> PolarsResult<u64>,
) -> Result<u64, StoreError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
            let how = encode::TableWrite {
                compression: COMPRESSION.into(),
                statistics: StatisticsOptions::default(),
                row_group_rows: row_group_rows(path),
                samples: row_group_rows(path).is_some(),
            };
            write(&mut w, how).map_err(parquet_err(path))?;
            w.flush().map_err(io)?;
        }
        f.sync_all().map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(len)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A part's table as read, if it has the row count the manifest recorded for it: the
/// store is input like any other (a swapped, truncated or foreign file is an error, never
/// a wrong number).
fn counted_rows(
    part: &PartMeta,
    path: &Path,
    df: DataFrame,
    want: u64,
) -> Result<DataFrame, StoreError> {
    if df.height() as u64 != want {
        return Err(StoreError::Inconsistent {
            path: path.to_path_buf(),
            message: format!(
                "{} rows where manifest.json records {want} for part {}",
                df.height(),
                part.id()
            ),
        });
    }
    Ok(df)
}

fn read_parquet(path: &Path, columns: Option<Vec<String>>) -> Result<DataFrame, StoreError> {
    let f = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetReader::new(f)
        .with_columns(columns)
        .finish()
        .map_err(parquet_err(path))
}

fn read_files_table(path: &Path) -> Result<Vec<FileEntry>, StoreError> {
    let df = read_parquet(path, None)?;
    entries_of_frame(&df).map_err(parquet_err(path))
}

/// Deletes files in the store's table folders that `keep` does not name and that look
/// like ours (`part-*.parquet`, `files-*.parquet`, the light copies' `TABLE-g*.parquet`,
/// `.*.tmp`): left by an interrupted ingest, or replaced by the last commit. Never
/// touches anything else.
fn collect_garbage(dir: &Path, keep: &std::collections::HashSet<PathBuf>) {
    let ours = |name: &str| {
        let light = ["sessions-g", "timer-g", "hr_seconds-g"]
            .iter()
            .any(|p| name.starts_with(p));
        (name.starts_with("part-") || name.starts_with("files-") || light)
            && name.ends_with(".parquet")
            || (name.starts_with('.') && name.ends_with(".tmp"))
    };
    let mut folders: Vec<PathBuf> = vec![PathBuf::from("files"), PathBuf::from(light::FOLDER)];
    // `year=` folders of version 1 (`table/year=…`) and 2 (`table/athlete=…/year=…`);
    // the athlete folders last, so they are removed once their years are.
    let years_in = |rel: PathBuf, out: &mut Vec<PathBuf>| {
        if let Ok(rd) = std::fs::read_dir(dir.join(&rel)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("year=") && e.path().is_dir() {
                    out.push(rel.join(name));
                }
            }
        }
    };
    let mut athlete_folders = Vec::new();
    for t in PART_TABLES {
        years_in(PathBuf::from(t), &mut folders);
        if let Ok(rd) = std::fs::read_dir(dir.join(t)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("athlete=") && e.path().is_dir() {
                    let rel = PathBuf::from(t).join(name);
                    years_in(rel.clone(), &mut folders);
                    athlete_folders.push(rel);
                }
            }
        }
    }
    for rel in athlete_folders {
        folders.push(rel);
    }
    for rel in folders {
        let Ok(rd) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if ours(&name) && !keep.contains(&rel.join(&name)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        // Only succeeds when empty.
        let _ = std::fs::remove_dir(dir.join(&rel));
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(".manifest.json.") && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The order a path-based run reports inputs in ([`crate::source::collect`] sorts by
/// location): plain files by path, then zip entries by archive and entry name.
fn input_order(name: &str) -> (bool, PathBuf, String) {
    match name.to_ascii_lowercase().find(".zip:") {
        Some(i) => (
            true,
            PathBuf::from(&name[..i + 4]),
            name[i + 5..].to_string(),
        ),
        None => (false, PathBuf::from(name), String::new()),
    }
}

/// Sets the allocator up for a short read of the store's light copy (`zones`/`load
/// --store`): one heap for every thread, and freed memory kept for reuse rather than
/// given back and faulted in again. glibc's defaults (a heap per thread, large buffers
/// mapped and unmapped each time) made page faults a quarter of re-zoning a 10-year
/// archive from its store; these took a sixth of its CPU off at the same peak memory.
/// Call it before the work starts; it changes nothing but speed.
pub fn tune_allocator_for_reads() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets glibc's allocator parameters; it is called before the
    // work's threads allocate, and is thread-safe in glibc either way.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// An opened store: its manifest and `files` table.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
    files: Vec<FileEntry>,
    /// How the activities read back take their local dates (`--tz`).
    time_zone: crate::localtime::TimeZone,
}

/// One part's tables without its samples: what zones and load need (see
/// [`crate::hr_seconds`]).
struct PartLight {
    sessions: PartSessions,
    timer: PartTimer,
    hr: PartHrSeconds,
}

/// One part's tables, read and converted for rebuilding activities.
struct PartData {
    samples: PartSamples,
    sessions: PartSessions,
    session_rows: schema::Runs,
    timer: PartTimer,
    timer_rows: schema::Runs,
}

impl Store {
    /// Opens the store in `dir` (its manifest and `files` table; no rows yet).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let manifest = Manifest::read(dir)?.ok_or_else(|| StoreError::NotAStore {
            path: dir.to_path_buf(),
        })?;
        let files = match &manifest.files_table {
            Some(rel) => read_files_table(&dir.join(rel))?,
            None => Vec::new(),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            manifest,
            files,
            time_zone: Default::default(),
        })
    }

    /// Reads local dates of the activities it gives back with `tz` (`--tz`) instead of
    /// each file's own offset.
    pub fn with_time_zone(mut self, tz: crate::localtime::TimeZone) -> Store {
        self.time_zone = tz;
        self
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The `files` table, sorted by path.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Absolute path of a part's file for `table`.
    pub fn part_path(&self, part: &PartMeta, table: &str) -> PathBuf {
        self.dir.join(part.rel_path(table))
    }

    fn read_part(&self, part: &PartMeta, cols: SampleColumns) -> Result<PartData, StoreError> {
        let xp = self.part_path(part, "samples");
        let sp = self.part_path(part, "sessions");
        let tp = self.part_path(part, "timer");
        // The store is input like any other: each table's row count must be the one the
        // manifest recorded (a swapped, truncated or foreign file is an error, never a
        // wrong number).
        let counted = |path: &Path, df: DataFrame, want: u64| counted_rows(part, path, df, want);
        let x = counted(&xp, read_parquet(&xp, Some(cols.names()))?, part.samples)?;
        let samples = PartSamples::from_frame(&x, cols).map_err(parquet_err(&xp))?;
        drop(x);
        let sessions =
            PartSessions::from_frame(counted(&sp, read_parquet(&sp, None)?, part.sessions)?)
                .map_err(parquet_err(&sp))?;
        let session_rows = runs(&sessions.hash);
        let timer = PartTimer::from_frame(&counted(&tp, read_parquet(&tp, None)?, part.timer)?)
            .map_err(parquet_err(&tp))?;
        let timer_rows = runs(&timer.hash);
        Ok(PartData {
            samples,
            sessions,
            session_rows,
            timer,
            timer_rows,
        })
    }

    /// Reads a part's sessions, timer and hr_seconds tables (not its samples); None for
    /// a part written before the hr_seconds table.
    fn read_part_light(
        &self,
        part: &PartMeta,
    ) -> Result<Option<(PartLight, LightRows)>, StoreError> {
        let Some(hr_rows) = part.hr_seconds else {
            return Ok(None);
        };
        let counted = |path: &Path, df: DataFrame, want: u64| counted_rows(part, path, df, want);
        let sp = self.part_path(part, "sessions");
        let tp = self.part_path(part, "timer");
        let hp = self.part_path(part, manifest::HR_SECONDS);
        let sessions =
            PartSessions::from_frame(counted(&sp, read_parquet(&sp, None)?, part.sessions)?)
                .map_err(parquet_err(&sp))?;
        let timer = PartTimer::from_frame(&counted(&tp, read_parquet(&tp, None)?, part.timer)?)
            .map_err(parquet_err(&tp))?;
        let hr = PartHrSeconds::from_frame(&counted(&hp, read_parquet(&hp, None)?, hr_rows)?)
            .map_err(parquet_err(&hp))?;
        let rows = LightRows {
            sessions: runs(&sessions.hash),
            timer: runs(&timer.hash),
            hr: runs(&hr.hash),
        };
        Ok(Some((
            PartLight {
                sessions,
                timer,
                hr,
            },
            rows,
        )))
    }

    /// What every read activity carries besides its rows: the time zone of its local
    /// dates, and the damage ingest recorded (back into the rows' note).
    fn as_read(&self, a: &mut Activity, e: &FileEntry) {
        a.time_zone = self.time_zone;
        if e.status == FileStatus::Salvaged {
            a.warnings = e
                .messages
                .iter()
                .map(|m| crate::fit::Warning {
                    offset: 0,
                    kind: crate::fit::WarningKind::Recorded { message: m.clone() },
                })
                .collect();
        }
    }

    /// The activity of `e` without samples, each session with its HR seconds; None when
    /// its rows cannot stand for the samples (see [`rebuild_light`]).
    fn light_activity(
        &self,
        data: &PartLight,
        rows: &LightRows,
        e: &FileEntry,
    ) -> Result<Option<Activity>, StoreError> {
        let hash = e.file_hash.unwrap_or(0);
        let srows = rows
            .sessions
            .get(&hash)
            .cloned()
            .ok_or_else(|| StoreError::Inconsistent {
                path: self.dir.join(manifest::MANIFEST),
                message: format!("no sessions rows for {} in part {:?}", e.path, e.part),
            })?;
        let trows = rows.timer.get(&hash).cloned().unwrap_or(0..0);
        let hrows = rows.hr.get(&hash).cloned().unwrap_or(0..0);
        rebuild_light(
            FileMeta {
                path: &e.path,
                file_id: e.file_id.clone(),
                hr_from_strap: e.hr_from_strap as usize,
            },
            &data.sessions,
            srows,
            &data.timer,
            trows,
            &data.hr,
            hrows,
        )
        .map_err(parquet_err(&self.dir))
    }

    fn activity(&self, data: &PartData, e: &FileEntry) -> Result<Activity, StoreError> {
        let path = self.dir.join(manifest::MANIFEST);
        let hash = e.file_hash.unwrap_or(0);
        let srows =
            data.session_rows
                .get(&hash)
                .cloned()
                .ok_or_else(|| StoreError::Inconsistent {
                    path: path.clone(),
                    message: format!("no sessions rows for {} in part {:?}", e.path, e.part),
                })?;
        let trows = data.timer_rows.get(&hash).cloned().unwrap_or(0..0);
        // The files table's offset and count must be exactly the file's rows in the
        // part's samples (their file_hash says which they are).
        let start = usize::try_from(e.sample_offset).unwrap_or(usize::MAX);
        let xrows = start..start.saturating_add(usize::try_from(e.sample_rows).unwrap_or(0));
        let actual = data.samples.rows_of.get(&hash).cloned();
        let fits = match actual.clone() {
            Some(r) => r == xrows,
            None => xrows.is_empty(),
        };
        if !fits {
            let actual = actual.unwrap_or(0..0);
            return Err(StoreError::Inconsistent {
                path,
                message: format!(
                    "the files table puts {} at sample rows {xrows:?} of part {}, but its rows there are {actual:?}",
                    e.path,
                    e.part.as_deref().unwrap_or("?")
                ),
            });
        }
        rebuild(
            FileMeta {
                path: &e.path,
                file_id: e.file_id.clone(),
                hr_from_strap: e.hr_from_strap as usize,
            },
            &data.sessions,
            srows,
            &data.timer,
            trows,
            &data.samples,
            xrows,
        )
        .map_err(parquet_err(&self.dir))
    }

    /// Every stored activity of one part (for tests and tools; [`Store::analyse`] streams).
    pub fn part_activities(
        &self,
        part: &PartMeta,
        cols: SampleColumns,
    ) -> Result<Vec<Activity>, StoreError> {
        let data = self.read_part(part, cols)?;
        let id = part.id();
        let mut entries: Vec<&FileEntry> = self
            .files
            .iter()
            .filter(|e| e.has_rows() && e.part.as_deref() == Some(id.as_str()))
            .collect();
        entries.sort_by_key(|e| e.sample_offset);
        entries.iter().map(|e| self.activity(&data, e)).collect()
    }

    /// Runs `analyse` on every stored activity whose entry `select` accepts, in parallel,
    /// one part at a time per thread (memory stays bounded by a few parts, whatever the
    /// size of the store). Returns one report per selected file (stored or not: failed and
    /// duplicate files keep the status they had at ingest), sorted by path, with
    /// `analyse`'s result for activities.
    pub fn analyse<T, F, S>(
        &self,
        select: S,
        cols: SampleColumns,
        show_progress: bool,
        analyse: F,
    ) -> Result<Vec<(FileReport, Option<T>)>, StoreError>
    where
        T: Send,
        F: Fn(&Activity) -> T + Sync,
        S: Fn(&FileEntry) -> bool,
    {
        self.analyse_with(select, cols, false, show_progress, analyse)
    }

    /// [`Store::analyse`] for analyses that need only each session's heart rate as
    /// seconds per bpm (zones, load): activities come without samples, with
    /// [`Activity::hr_seconds`], from the store's light copy (`src/store/light.rs`) when it
    /// has one, else from each part's light tables; samples are read only for parts written
    /// before the `hr_seconds` table.
    pub fn analyse_hr<T, F, S>(
        &self,
        select: S,
        show_progress: bool,
        analyse: F,
    ) -> Result<Vec<(FileReport, Option<T>)>, StoreError>
    where
        T: Send,
        F: Fn(&Activity) -> T + Sync,
        S: Fn(&FileEntry) -> bool,
    {
        self.analyse_with(
            select,
            SampleColumns::HeartRate,
            true,
            show_progress,
            analyse,
        )
    }

    /// Parts written before the `hr_seconds` table, which `analyse_hr` reads samples for.
    pub fn parts_without_hr_seconds(&self) -> usize {
        self.manifest
            .parts
            .iter()
            .filter(|p| p.hr_seconds.is_none())
            .count()
    }

    fn analyse_with<T, F, S>(
        &self,
        select: S,
        cols: SampleColumns,
        light: bool,
        show_progress: bool,
        analyse: F,
    ) -> Result<Vec<(FileReport, Option<T>)>, StoreError>
    where
        T: Send,
        F: Fn(&Activity) -> T + Sync,
        S: Fn(&FileEntry) -> bool,
    {
        let selected: Vec<&FileEntry> = self.files.iter().filter(|e| select(e)).collect();
        let mut by_part: HashMap<&str, Vec<&FileEntry>> = HashMap::new();
        let mut out: Vec<(FileReport, Option<T>)> = Vec::new();
        for e in &selected {
            match (&e.part, e.has_rows()) {
                (Some(p), true) => by_part.entry(p.as_str()).or_default().push(e),
                _ => out.push((e.report(), None)),
            }
        }
        let mut parts: Vec<(&PartMeta, Vec<&FileEntry>)> = self
            .manifest
            .parts
            .iter()
            .filter_map(|p| by_part.remove(p.id().as_str()).map(|v| (p, v)))
            .collect();
        if let Some((missing, _)) = by_part.into_iter().next() {
            return Err(StoreError::Inconsistent {
                path: self.dir.clone(),
                message: format!(
                    "the files table refers to part {missing}, which manifest.json does not list"
                ),
            });
        }
        let pb = crate::pipeline::progress_bar(selected.len(), show_progress);
        // An activity without samples, analysed; None when its rows cannot stand for the
        // samples (it is then read with them, below).
        let light_one = |data: &PartLight, rows: &LightRows, e: &FileEntry| {
            let Some(mut a) = self.light_activity(data, rows, e)? else {
                return Ok(None);
            };
            self.as_read(&mut a, e);
            let value = analyse(&a);
            pb.inc(1);
            Ok::<_, StoreError>(Some((e.report(), Some(value))))
        };
        // The store's light copy answers every part: three files, not three per part,
        // read a group of consecutive parts at a time (memory stays bounded).
        if light && !parts.is_empty() {
            if let Some(files) = light::open(&self.dir, &self.manifest)? {
                let index: HashMap<String, usize> = self
                    .manifest
                    .parts
                    .iter()
                    .enumerate()
                    .map(|(k, p)| (p.id(), k))
                    .collect();
                let mut todo = parts
                    .into_iter()
                    .map(|(p, es)| (index[&p.id()], p, es))
                    .peekable();
                let mut groups: Vec<Vec<(usize, &PartMeta, Vec<&FileEntry>)>> = Vec::new();
                while let Some(first) = todo.next() {
                    let mut group = vec![first];
                    while let Some(next) = todo.peek() {
                        let k0 = group[0].0;
                        if files.hr_rows(k0, next.0 + 1) > LIGHT_GROUP_HR_ROWS {
                            break;
                        }
                        group.extend(todo.next());
                    }
                    groups.push(group);
                }
                // One group per thread, each read and analysed on its thread: a group is
                // tens of milliseconds of work, and splitting one over the pool cost a
                // fifth more CPU than the work (the 10-year archive is one group). As
                // many groups at a time as threads, so memory stays bounded.
                let mut rest: Vec<(&PartMeta, Vec<&FileEntry>)> = Vec::new();
                for chunk in groups.chunks(rayon::current_num_threads().max(1)) {
                    let results: Vec<Result<_, StoreError>> = chunk
                        .par_iter()
                        .map(|group| {
                            let (k0, k1) = (group[0].0, group[group.len() - 1].0 + 1);
                            let (data, rows) = files.read(k0..k1)?;
                            let (mut done, mut left) = (Vec::new(), Vec::new());
                            for (k, p, es) in group {
                                let mut unread = Vec::new();
                                for e in es {
                                    match light_one(&data, &rows[*k - k0], e)? {
                                        Some(d) => done.push(d),
                                        None => unread.push(*e),
                                    }
                                }
                                if !unread.is_empty() {
                                    left.push((*p, unread));
                                }
                            }
                            Ok::<_, StoreError>((done, left))
                        })
                        .collect();
                    for r in results {
                        let (done, left) = r?;
                        out.extend(done);
                        rest.extend(left);
                    }
                }
                parts = rest;
            }
        }
        // As many parts at a time as there are threads. One parallel loop over every part
        // would hold most of them in memory at once: a thread waiting on its part's files
        // steals the start of another part (peak memory grew with the archive: 209 MB for
        // 19 parts against 58 MB for 4, in the archive benchmark).
        let at_once = rayon::current_num_threads().max(1);
        for group in parts.chunks(at_once) {
            let analysed: Result<Vec<crate::pipeline::FileResults<T>>, StoreError> = group
                .par_iter()
                .map(|(part, entries)| {
                    let mut out = Vec::new();
                    let mut entries: Vec<&FileEntry> = entries.clone();
                    if light {
                        if let Some((data, rows)) = self.read_part_light(part)? {
                            let done: Vec<Result<Option<_>, StoreError>> = entries
                                .par_iter()
                                .map(|e| light_one(&data, &rows, e))
                                .collect();
                            let mut rest = Vec::new();
                            for (e, r) in entries.iter().zip(done) {
                                match r? {
                                    Some(d) => out.push(d),
                                    None => rest.push(*e),
                                }
                            }
                            entries = rest;
                        }
                    }
                    if entries.is_empty() {
                        return Ok(out);
                    }
                    let data = self.read_part(part, cols)?;
                    let read: Result<crate::pipeline::FileResults<T>, StoreError> = entries
                        .par_iter()
                        .map(|e| {
                            let mut a = self.activity(&data, e)?;
                            self.as_read(&mut a, e);
                            let value = analyse(&a);
                            pb.inc(1);
                            Ok((e.report(), Some(value)))
                        })
                        .collect();
                    out.extend(read?);
                    Ok(out)
                })
                .collect();
            out.extend(analysed?.into_iter().flatten());
        }
        pb.finish_and_clear();
        out.sort_by_cached_key(|r| input_order(&r.0.name));

        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_reports_follow_the_order_of_a_path_based_run() {
        let mut names = vec![
            "/a/z.zip:b.fit",
            "/a/b-c/x.fit",
            "/a/b/y.fit",
            "/a/z.zip:a.fit",
        ];
        names.sort_by_cached_key(|n| input_order(n));
        // Path order puts "/a/b" before "/a/b-c" (byte order would not); zip entries last.
        assert_eq!(
            names,
            vec![
                "/a/b/y.fit",
                "/a/b-c/x.fit",
                "/a/z.zip:a.fit",
                "/a/z.zip:b.fit"
            ]
        );
    }

    #[test]
    fn only_sample_parts_get_small_row_groups() {
        let p = |s: &str| row_group_rows(Path::new(s));
        assert_eq!(
            p("/s/samples/year=2024/part-g1-a-0000.parquet"),
            Some(SAMPLE_ROW_GROUP_ROWS)
        );
        assert_eq!(
            p("/s/samples/athlete=x/year=2024/part-g1-a-0000.parquet"),
            Some(SAMPLE_ROW_GROUP_ROWS)
        );
        assert_eq!(p("/s/sessions/year=2024/part-g1-a-0000.parquet"), None);
        assert_eq!(p("/s/hr_seconds/year=2024/part-g1-a-0000.parquet"), None);
        assert_eq!(p("/s/files/files-g000001-a.parquet"), None);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in [
            FileStatus::Ok,
            FileStatus::Salvaged,
            FileStatus::NotActivity,
            FileStatus::Duplicate,
            FileStatus::Failed,
        ] {
            assert_eq!(status_of_name(status_name(s)), Some(s));
        }
        assert_eq!(status_of_name("bogus"), None);
    }
}
