//! The store-wide copy of the parts' light tables: `light/sessions-…`, `light/timer-…`
//! and `light/hr_seconds-…`, each the concatenation of every part's table in the order
//! of [`Manifest::parts`] ([`LightTables`]).
//!
//! Why it exists: `zones --store` and `load --store` need only these three tables, and
//! reading them part by part cost three Parquet files per part (123 for a 10-year
//! archive, 1,056 for a coaching group's 30,000 activities), most of it per-file
//! overhead. Three files answer the same question.
//!
//! What it must not do: be the truth. The parts are; this is derived from them at each
//! commit that changes them ([`write`]), named by the manifest of that commit, and
//! checked against the parts' row counts when opened ([`open`]). A store whose parts do not
//! all have the same light schema (parts written before a column or table existed) gets
//! no copy, and is read part by part as before.

use std::ops::Range;
use std::path::Path;

use polars::prelude::*;

use super::manifest::{self, LightTables, Manifest, PartMeta, HR_SECONDS};
use super::schema::{runs_in, PartHrSeconds, PartSessions, PartTimer};
use polars_io::parquet::metadata::FileMetadataRef;
use polars_io::parquet::write::ParquetWriter;
use polars_io::prelude::ParquetReader;
use polars_io::SerReader;

use super::{counted_rows, parquet_err, statistics, PartLight, StoreError};

/// The folder of the light copies, relative to the store.
pub const FOLDER: &str = "light";

/// The rows a part's table holds, as the manifest recorded them.
fn rows_of(part: &PartMeta, table: &str) -> u64 {
    match table {
        "sessions" => part.sessions,
        "timer" => part.timer,
        _ => part.hr_seconds.unwrap_or(0),
    }
}

/// Writes the light copy of `parts` for generation `generation` (the writer's tag
/// `writer` in the names, as for parts); None when a part has no `hr_seconds` table or
/// the parts' schemas differ (the store is then read part by part). Each source (a part's
/// file, or a run of parts copied from the previous copy, at most [`LIGHT_COPY_ROWS`]
/// `hr_seconds` rows) is one row group, written as it is read, so memory stays bounded
/// whatever the size of the store.
///
/// Parts the committed manifest's copy already holds (the one on disk: this runs before
/// the commit, under the store's lock) are copied from it, a run of consecutive ones per
/// read, rather than read from their own files: adding one activity to a
/// 30,000-activity store read 1,056 part files for the copy (1.2 s of CPU).
pub(super) fn write(
    dir: &Path,
    parts: &[PartMeta],
    generation: u64,
    writer: u32,
) -> Result<Option<LightTables>, StoreError> {
    if parts.is_empty() || parts.iter().any(|p| p.hr_seconds.is_none()) {
        return Ok(None);
    }
    let rel = |t: &str| format!("{FOLDER}/{t}-g{generation:06}-{writer:08x}.parquet");
    let tables = LightTables {
        sessions: rel("sessions"),
        timer: rel("timer"),
        hr_seconds: rel(HR_SECONDS),
    };
    release_free_memory();
    std::fs::create_dir_all(dir.join(FOLDER)).map_err(|source| StoreError::Io {
        path: dir.join(FOLDER),
        source,
    })?;
    // The previous copy, when it is whole: where each of its parts' rows are.
    let previous = Manifest::read(dir).ok().flatten().unwrap_or_default();
    let old = open(dir, &previous).ok().flatten();
    let old_index: std::collections::HashMap<String, usize> = match &old {
        Some(_) => previous
            .parts
            .iter()
            .enumerate()
            .map(|(k, p)| (p.id(), k))
            .collect(),
        None => Default::default(),
    };
    // Runs of consecutive parts: (from the old copy, its first and last part index) or
    // (a part's own file).
    let mut sources: Vec<Source> = Vec::new();
    for p in parts {
        // The same part (names carry the generation, so an equal id is the same rows).
        let here = old_index
            .get(&p.id())
            .copied()
            .filter(|&k| previous.parts.get(k) == Some(p));
        match (sources.last_mut(), here) {
            (Some(Source::Old(_, last, n)), Some(k))
                if k == *last + 1 && *n + p.hr_seconds.unwrap_or(0) <= LIGHT_COPY_ROWS =>
            {
                *last = k;
                *n += p.hr_seconds.unwrap_or(0);
            }
            (_, Some(k)) => sources.push(Source::Old(k, k, p.hr_seconds.unwrap_or(0))),
            (_, None) => sources.push(Source::Part(p)),
        }
    }
    for (k, (table, rel)) in tables.tables().into_iter().enumerate() {
        if !write_table(dir, &sources, old.as_ref(), k, table, &dir.join(rel))? {
            return Ok(None);
        }
    }
    match manifest::sync_dir(&dir.join(FOLDER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(StoreError::Io {
                path: dir.join(FOLDER),
                source: e,
            })
        }
        _ => {}
    }
    Ok(Some(tables))
}

/// Gives the heap's free pages back to the system (glibc keeps what an ingest's part
/// writers freed, and the copy's own allocations would come on top of it).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the OS; it touches no live
    // allocation and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// At most this many `hr_seconds` rows are copied from the previous light copy in one
/// read (and the matching sessions and timer rows).
const LIGHT_COPY_ROWS: u64 = 1 << 19;

/// Rows of the copy's sessions, timer and hr_seconds tables gathered into one row group.
const LIGHT_GROUP_ROWS: [u64; 3] = [1 << 14, 1 << 15, LIGHT_COPY_ROWS];

/// Where a run of a new copy's rows comes from.
enum Source<'a> {
    /// The previous copy's parts `first..=last` (their `hr_seconds` rows).
    Old(usize, usize, u64),
    /// A part's own file.
    Part(&'a PartMeta),
}

/// Writes `table` (the `k`th of the copy) of every source into `path` (atomically: a
/// temporary name, flushed, then renamed); false, with nothing written, when the
/// frames' schemas differ.
fn write_table(
    dir: &Path,
    sources: &[Source<'_>],
    old: Option<&LightFiles>,
    k: usize,
    table: &str,
    path: &Path,
) -> Result<bool, StoreError> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| -> Result<bool, StoreError> {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        let mut batched = None;
        let mut pending: Option<DataFrame> = None;
        let mut schema: Option<Schema> = None;
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
            for source in sources {
                let mut df = match (source, old) {
                    (Source::Part(p), _) => {
                        let part_path = dir.join(p.rel_path(table));
                        counted_rows(p, &part_path, read_serial(&part_path)?, rows_of(p, table))?
                    }
                    (Source::Old(first, last, _), Some(old)) => old.slice(k, *first..*last + 1)?,
                    (Source::Old(..), None) => return Ok(false),
                };
                df.rechunk_mut();
                match &schema {
                    Some(s) if s != df.schema().as_ref() => return Ok(false),
                    Some(_) => {}
                    None => schema = Some(df.schema().as_ref().clone()),
                }
                if batched.is_none() {
                    batched = Some(
                        ParquetWriter::new(&mut w)
                            .set_parallel(false)
                            .with_compression(super::COMPRESSION)
                            .with_statistics(statistics(table))
                            .batched(df.schema())
                            .map_err(parquet_err(path))?,
                    );
                }
                // Consecutive sources go into one row group up to LIGHT_COPY_ROWS rows:
                // a row group per part made every read decode each column once per part.
                match pending.as_mut() {
                    Some(p) => {
                        p.vstack_mut_owned(df).map_err(parquet_err(path))?;
                    }
                    None => pending = Some(df),
                }
                if pending
                    .as_ref()
                    .is_some_and(|p| p.height() as u64 >= LIGHT_GROUP_ROWS[k])
                {
                    if let (Some(b), Some(mut p)) = (batched.as_mut(), pending.take()) {
                        p.rechunk_mut();
                        b.write_batch(&p).map_err(parquet_err(path))?;
                    }
                }
            }
            if let (Some(b), Some(mut p)) = (batched.as_mut(), pending.take()) {
                p.rechunk_mut();
                b.write_batch(&p).map_err(parquet_err(path))?;
            }
            if let Some(b) = batched.take() {
                b.finish().map_err(parquet_err(path))?;
            }
            w.flush().map_err(io)?;
        }
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(true)
    })();
    if !matches!(result, Ok(true)) {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// One part's files' rows in light tables (row numbers of the whole table).
pub(super) struct LightRows {
    pub sessions: super::schema::Runs,
    pub timer: super::schema::Runs,
    pub hr: super::schema::Runs,
}

/// The rows of the part whose rows in `data` are `ranges`.
pub(super) fn rows(data: &PartLight, ranges: &[Range<usize>; 3]) -> LightRows {
    let [s, t, h] = ranges.clone();
    LightRows {
        sessions: runs_in(&data.sessions.hash, s),
        timer: runs_in(&data.timer.hash, t),
        hr: runs_in(&data.hr.hash, h),
    }
}

/// A small Parquet file, read on the calling thread: polars' parallel reader spreads a
/// few kilobytes over its pool, and the pool's allocations over as many heaps (a
/// 30,000-activity store's light copy cost 56 MB more that way).
fn read_serial(path: &Path) -> Result<DataFrame, StoreError> {
    let f = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetReader::new(f)
        .read_parallel(polars_io::prelude::ParallelStrategy::None)
        .finish()
        .map_err(parquet_err(path))
}

/// The manifest's light copy, opened: its three files' footers and where each part's
/// rows are. Rows are read a group of parts at a time ([`LightFiles::read`]), so memory
/// stays bounded whatever the size of the store.
pub(super) struct LightFiles {
    paths: [std::path::PathBuf; 3],
    metadata: [FileMetadataRef; 3],
    /// Each part's rows in the three tables, by its index in the manifest's parts.
    ranges: Vec<[Range<usize>; 3]>,
}

/// Opens the manifest's light copy; None when it has none. Each file must hold exactly
/// the rows the manifest records for its parts (a stale, swapped or truncated copy is an
/// error, never a wrong number).
pub(super) fn open(dir: &Path, m: &Manifest) -> Result<Option<LightFiles>, StoreError> {
    let Some(tables) = &m.light else {
        return Ok(None);
    };
    if m.parts.iter().any(|p| p.hr_seconds.is_none()) {
        return Ok(None);
    }
    let mut ranges = Vec::with_capacity(m.parts.len());
    let mut at = [0usize; 3];
    for p in &m.parts {
        let mut r: [Range<usize>; 3] = [0..0, 0..0, 0..0];
        for (k, table) in ["sessions", "timer", HR_SECONDS].iter().enumerate() {
            let n = usize::try_from(rows_of(p, table)).unwrap_or(usize::MAX);
            let end = at[k].saturating_add(n);
            r[k] = at[k]..end;
            at[k] = end;
        }
        ranges.push(r);
    }
    let footer =
        |k: usize, rel: &str| -> Result<(std::path::PathBuf, FileMetadataRef), StoreError> {
            let path = dir.join(rel);
            let f = std::fs::File::open(&path).map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
            let metadata = ParquetReader::new(f)
                .get_metadata()
                .map_err(parquet_err(&path))?
                .clone();
            if metadata.num_rows != at[k] {
                return Err(StoreError::Inconsistent {
                    path,
                    message: format!(
                        "{} rows where the parts in manifest.json have {}",
                        metadata.num_rows, at[k]
                    ),
                });
            }
            Ok((path, metadata))
        };
    let (sp, sm) = footer(0, &tables.sessions)?;
    let (tp, tm) = footer(1, &tables.timer)?;
    let (hp, hm) = footer(2, &tables.hr_seconds)?;
    Ok(Some(LightFiles {
        paths: [sp, tp, hp],
        metadata: [sm, tm, hm],
        ranges,
    }))
}

impl LightFiles {
    /// Rows of the `hr_seconds` table from part `from` up to (not including) part `to`,
    /// in the manifest's order: what reading that group costs.
    pub fn hr_rows(&self, from: usize, to: usize) -> usize {
        match (
            self.ranges.get(from),
            to.checked_sub(1).and_then(|l| self.ranges.get(l)),
        ) {
            (Some(a), Some(b)) => b[2].end.saturating_sub(a[2].start),
            _ => 0,
        }
    }

    /// The rows `rows` of the `k`th table (sessions, timer, hr_seconds).
    fn rows_of_table(&self, k: usize, rows: Range<usize>) -> Result<DataFrame, StoreError> {
        let path = &self.paths[k];
        let f = std::fs::File::open(path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let mut reader = ParquetReader::new(f);
        reader.set_metadata(self.metadata[k].clone());
        let want = rows.len();
        // On the calling thread: the copy is a few megabytes, and polars' pool spread
        // over both cores cost more CPU than the reading itself.
        let df = reader
            .with_slice(Some((rows.start, want)))
            .read_parallel(polars_io::prelude::ParallelStrategy::None)
            .finish()
            .map_err(parquet_err(path))?;
        if df.height() != want {
            return Err(StoreError::Inconsistent {
                path: path.clone(),
                message: format!("{} rows read where {want} were asked for", df.height()),
            });
        }
        Ok(df)
    }

    /// The `k`th table's rows of parts `parts` (indices into the manifest's parts).
    fn slice(&self, k: usize, parts: Range<usize>) -> Result<DataFrame, StoreError> {
        match (
            self.ranges.get(parts.start),
            parts.end.checked_sub(1).and_then(|l| self.ranges.get(l)),
        ) {
            (Some(a), Some(b)) => self.rows_of_table(k, a[k].start..b[k].end),
            _ => Err(StoreError::Inconsistent {
                path: self.paths[k].clone(),
                message: format!("no parts {parts:?} in the light copy"),
            }),
        }
    }

    /// The rows of parts `parts` (indices into the manifest's parts, consecutive: one
    /// slice of each file), and each part's files' rows in them.
    pub fn read(&self, parts: Range<usize>) -> Result<(PartLight, Vec<LightRows>), StoreError> {
        let (Some(first), Some(last)) = (
            self.ranges.get(parts.start),
            parts.end.checked_sub(1).and_then(|l| self.ranges.get(l)),
        ) else {
            return Err(StoreError::Inconsistent {
                path: self.paths[0].clone(),
                message: format!("no parts {parts:?} in the light copy"),
            });
        };
        let span: [Range<usize>; 3] = [0, 1, 2].map(|k| first[k].start..last[k].end);
        let slice = |k: usize| self.rows_of_table(k, span[k].clone());
        let data = PartLight {
            sessions: PartSessions::from_frame(slice(0)?).map_err(parquet_err(&self.paths[0]))?,
            timer: PartTimer::from_frame(&slice(1)?).map_err(parquet_err(&self.paths[1]))?,
            hr: PartHrSeconds::from_frame(&slice(2)?).map_err(parquet_err(&self.paths[2]))?,
        };
        let rows = self.ranges[parts]
            .iter()
            .map(|r| {
                let local: [Range<usize>; 3] =
                    [0, 1, 2].map(|k| r[k].start - span[k].start..r[k].end - span[k].start);
                rows(&data, &local)
            })
            .collect();
        Ok((data, rows))
    }
}
