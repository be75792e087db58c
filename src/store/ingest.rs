//! Ingest: inputs → (stat, hash, decode in parallel) → rows buffered per year → Parquet
//! parts written by two writer threads while decoding goes on → parts holding changed
//! files rewritten → `files` table → manifest (the commit). See [`super`] for the rules.
//!
//! Memory is bounded whatever the size of the archive: inputs are decoded in chunks of a
//! few dozen files, and a year's buffer is written out when it reaches
//! [`IngestOptions::part_rows`] samples, or the biggest buffer when all years together
//! hold that many. With one part queued and one being written per writer, about four
//! parts' worth of samples are in memory at most (the archive benchmark: 211–214 MB peak
//! for 10 years, 214–215 MB for 20; with a million rows a part and twice the buffering it
//! was 262–368 MB and 322–440 MB).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use polars::prelude::*;
use rayon::prelude::*;

use super::manifest::{self, Lock, Manifest, PartMeta, PART_TABLES};
use super::schema::{col, year_of, Rows};
use super::{
    collect_garbage, parquet_err, read_files_table, read_parquet, statistics, write_parquet,
    write_samples_parquet, FileEntry, StoreError,
};
use crate::activity::Activity;
use crate::pipeline::{self, FileReport, FileStatus, Policy};
use crate::source::{InputFile, Inputs, Location, ZipArchives};

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// CRC policy, as for the analysis commands.
    pub policy: Policy,
    /// Draw a progress bar (only on a terminal).
    pub show_progress: bool,
    /// Read and hash files even when path, size and mtime match the store.
    pub rehash: bool,
    /// Samples buffered per year before a part is written.
    pub part_rows: usize,
    /// The athlete the inputs belong to: their rows go to the `athlete=` partition.
    pub athlete: String,
    /// Ingest only the inputs of this shard (`ingest --shard I/N`).
    pub shard: Option<Shard>,
    /// Test hook: stop after writing the new parts, before the commit.
    #[doc(hidden)]
    pub fail_before_commit: bool,
}

/// One slice of the inputs, for N machines ingesting one archive: a file belongs to
/// shard `xxh3-64(decompressed bytes) mod count`, so the split depends only on content
/// (not on paths, order or the machine) and every copy of one content lands in the same
/// shard, where it is deduplicated as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: u32,
    /// Number of shards (≥ 1).
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` (1-based `I`, as job arrays number their tasks: 1/4 … 4/4).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text:?}: want I/N with 1 <= I <= N, e.g. 3/8");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }

    /// Whether content with this hash belongs to the shard.
    pub fn owns(&self, hash: u64) -> bool {
        hash % u64::from(self.count) == u64::from(self.index)
    }

    /// The shard's folder name, `I-of-N` (1-based).
    pub fn folder_name(&self) -> String {
        format!("{}-of-{}", self.index + 1, self.count)
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            policy: Policy::default(),
            show_progress: true,
            rehash: false,
            part_rows: 1 << 19,
            athlete: crate::roster::DEFAULT_ATHLETE.to_string(),
            shard: None,
            fail_before_commit: false,
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    /// Activities stored for the first time.
    pub new: usize,
    /// Activities whose file changed: old rows replaced.
    pub changed: usize,
    /// Files already stored as they are (not decoded).
    pub unchanged: usize,
    /// Files that could not be used (including unchanged files that failed before).
    pub failed: usize,
    /// FIT files with nothing to analyse.
    pub not_activity: usize,
    /// Files with the same bytes as another stored file.
    pub duplicate: usize,
    /// Other files met while walking folders.
    pub skipped: usize,
    /// Of the new and changed, how many were salvaged from damage.
    pub salvaged: usize,
    /// Files decoded in this run.
    pub decoded: usize,
    /// Bytes read (decompressed) in this run.
    pub bytes_read: u64,
    /// Files left to the other shards (`--shard`).
    pub other_shards: usize,
    /// Parts of a version-1 store moved to `athlete=default/` (hard links, no decoding).
    pub migrated_parts: usize,
    /// Session rows written.
    pub sessions_written: u64,
    /// Sample rows written.
    pub samples_written: u64,
    /// New parts written.
    pub parts_written: usize,
    /// Parts rewritten without the rows of changed files.
    pub parts_rewritten: usize,
    /// Generation committed (unchanged when nothing changed).
    pub generation: u64,
    /// False when nothing changed, so nothing was written.
    pub committed: bool,
}

impl IngestSummary {
    /// One line for stderr.
    pub fn line(&self) -> String {
        let mut s = format!(
            "ingest: {} new, {} changed, {} unchanged, {} failed, {} not activities, {} duplicates, {} other files skipped",
            self.new,
            self.changed,
            self.unchanged,
            self.failed,
            self.not_activity,
            self.duplicate,
            self.skipped
        );
        if self.salvaged > 0 {
            s.push_str(&format!(" ({} salvaged from damage)", self.salvaged));
        }
        if self.other_shards > 0 {
            s.push_str(&format!(", {} in other shards", self.other_shards));
        }
        if self.migrated_parts > 0 {
            s.push_str(&format!(
                "; moved {} parts of the old layout to athlete=default/",
                self.migrated_parts
            ));
        }
        if self.committed {
            s.push_str(&format!(
                "; wrote {} sessions, {} samples in {} parts{} (generation {})",
                self.sessions_written,
                self.samples_written,
                self.parts_written,
                if self.parts_rewritten > 0 {
                    format!(", rewrote {} parts", self.parts_rewritten)
                } else {
                    String::new()
                },
                self.generation
            ));
        } else {
            s.push_str("; store unchanged");
        }
        s
    }
}

/// What identifies a file's version without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size_bytes: u64,
    mtime_ns: Option<i64>,
    zip_crc32: Option<u32>,
}

impl Stamp {
    fn of(input: &InputFile, archives: &ZipArchives) -> Option<Stamp> {
        match &input.location {
            Location::File(p) => {
                let m = std::fs::metadata(p).ok()?;
                let mtime = m
                    .modified()
                    .ok()?
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()?;
                Some(Stamp {
                    size_bytes: m.len(),
                    mtime_ns: i64::try_from(mtime.as_nanos()).ok(),
                    zip_crc32: None,
                })
            }
            Location::ZipEntry { .. } | Location::NestedZipEntry { .. } => {
                let (size, crc) = archives.entry_stamp(input)?;
                Some(Stamp {
                    size_bytes: size,
                    mtime_ns: None,
                    zip_crc32: Some(crc),
                })
            }
        }
    }

    fn matches(&self, e: &FileEntry) -> bool {
        self.size_bytes == e.size_bytes
            && self.mtime_ns == e.mtime_ns
            && self.zip_crc32 == e.zip_crc32
    }

    fn apply(&self, e: &mut FileEntry) {
        e.size_bytes = self.size_bytes;
        e.mtime_ns = self.mtime_ns;
        e.zip_crc32 = self.zip_crc32;
    }
}

/// One input after the parallel phase.
// One value per input file, moved once: boxing the entry would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Outcome<T> {
    /// Keep the stored entry (stamp possibly refreshed).
    Unchanged(FileEntry),
    /// Decoded; rows when it is an activity.
    Decoded {
        entry: FileEntry,
        rows: Option<Rows>,
        value: Option<T>,
    },
    /// Same bytes as a stored file, or unusable: an entry without rows.
    NoRows(FileEntry),
    /// Another shard's file (`--shard`): not stored here.
    OtherShard,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn blank_entry(name: String, athlete: &str, stamp: Option<Stamp>, now: i64) -> FileEntry {
    let mut e = FileEntry {
        path: name,
        athlete: athlete.to_string(),
        size_bytes: 0,
        mtime_ns: None,
        zip_crc32: None,
        file_hash: None,
        fit_bytes: 0,
        status: FileStatus::Failed,
        messages: Vec::new(),
        duplicate_of: None,
        ingested_at_ms: now,
        year: None,
        part: None,
        sample_offset: 0,
        sample_rows: 0,
        sessions: 0,
        hr_from_strap: 0,
        has_real_dates: false,
        file_id: Default::default(),
    };
    if let Some(s) = stamp {
        s.apply(&mut e);
    }
    e
}

/// Read-only context of the parallel phase.
struct Ctx<'a> {
    old: &'a HashMap<&'a str, &'a FileEntry>,
    /// Hashes with rows in the old store → their path.
    live: &'a HashMap<u64, &'a str>,
    archives: &'a ZipArchives,
    opts: &'a IngestOptions,
    now: i64,
    bytes_read: &'a AtomicU64,
}

fn process<T, F>(ctx: &Ctx<'_>, input: &InputFile, analyse: &F) -> Outcome<T>
where
    F: Fn(&Activity) -> T,
{
    let name = input.name();
    let old = ctx.old.get(name.as_str()).copied();
    let stamp = Stamp::of(input, ctx.archives);
    // A stored entry is reusable unless it failed and the user now accepts bad CRCs, or
    // it is a duplicate whose original's rows are gone.
    // A file given for another athlete than before moves to that athlete's partition.
    let reusable = |e: &FileEntry| {
        e.athlete == ctx.opts.athlete
            && match e.status {
                FileStatus::Failed => !ctx.opts.policy.accept_bad_crc,
                FileStatus::Duplicate => e.file_hash.is_some_and(|h| ctx.live.contains_key(&h)),
                _ => true,
            }
    };
    if let (Some(old), Some(st)) = (old, stamp) {
        if !ctx.opts.rehash && st.matches(old) && reusable(old) {
            return Outcome::Unchanged(old.clone());
        }
    }
    let mut entry = blank_entry(name.clone(), &ctx.opts.athlete, stamp, ctx.now);
    let bytes = match input.read_in(ctx.archives) {
        Ok(b) => b,
        Err(e) => {
            entry.messages = vec![e.to_string()];
            return Outcome::NoRows(entry);
        }
    };
    ctx.bytes_read
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    if ctx.opts.shard.is_some_and(|s| !s.owns(hash)) {
        return Outcome::OtherShard;
    }
    entry.file_hash = Some(hash);
    entry.fit_bytes = bytes.len() as u64;
    if let Some(old) = old {
        if old.file_hash == Some(hash) && reusable(old) {
            let mut e = old.clone();
            if let Some(st) = stamp {
                st.apply(&mut e);
            }
            return Outcome::Unchanged(e);
        }
    }
    if let Some(orig) = ctx.live.get(&hash).filter(|p| **p != name) {
        entry.status = FileStatus::Duplicate;
        entry.duplicate_of = Some(orig.to_string());
        return Outcome::NoRows(entry);
    }
    let a = match pipeline::activity_of_bytes(&bytes, name, ctx.opts.policy) {
        Ok(a) => a,
        Err(e) => {
            entry.messages = vec![e.to_string()];
            return Outcome::NoRows(entry);
        }
    };
    drop(bytes);
    let (status, messages) = pipeline::status_of(&a);
    entry.status = status;
    entry.messages = messages;
    entry.file_id = a.file_id.clone();
    entry.has_real_dates = a.has_real_dates();
    entry.hr_from_strap = a.hr_from_strap as u32;
    if status == FileStatus::NotActivity {
        return Outcome::Decoded {
            entry,
            rows: None,
            value: None,
        };
    }
    entry.sessions = a.sessions.len() as u32;
    entry.sample_rows = a.samples.len() as u64;
    entry.year = a.sessions.first().map(|s| year_of(s.start_s));
    let value = analyse(&a);
    let rows = Rows::from_activity(a, hash);
    Outcome::Decoded {
        entry,
        rows: Some(rows),
        value: Some(value),
    }
}

/// `part-g000007-1f2e3d4c-0003`: generation, writer, sequence. The writer tag makes the
/// names of two writers differ even if both ever used one generation, so neither can
/// overwrite the other's files.
fn part_name(generation: u64, writer: u32, seq: usize) -> String {
    format!("part-g{generation:06}-{writer:08x}-{seq:04}")
}

/// A tag unique to this writer: a hash of the process id, the thread and the time.
pub(super) fn writer_tag() -> u32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{}-{:?}-{now}",
        std::process::id(),
        std::thread::current().id()
    );
    xxhash_rust::xxh3::xxh3_64(seed.as_bytes()) as u32
}

/// A part to write.
struct Job {
    athlete: String,
    year: i32,
    name: String,
    files: u64,
    /// Each file's rows, in order (concatenated by the writer).
    rows: Vec<Rows>,
}

fn write_part(dir: &Path, job: Job) -> Result<PartMeta, StoreError> {
    let Job {
        athlete,
        year,
        name,
        files,
        rows,
    } = job;
    let path = manifest::part_path("samples", Some(&athlete), year, &name);
    let (samples, mut sessions, mut timer, mut hr_seconds) = Rows::concat(rows)
        .into_parts()
        .map_err(parquet_err(&dir.join(&path)))?;
    let meta = PartMeta {
        athlete: Some(athlete),
        year,
        name,
        files,
        sessions: sessions.height() as u64,
        samples: samples.iter().map(|f| f.len() as u64).sum(),
        timer: timer.height() as u64,
        bytes: 0,
        hr_seconds: Some(hr_seconds.height() as u64),
    };
    let mut bytes = write_samples_parquet(&dir.join(meta.rel_path("samples")), &samples)?;
    drop(samples);
    for (table, df) in [
        ("sessions", &mut sessions),
        ("timer", &mut timer),
        (manifest::HR_SECONDS, &mut hr_seconds),
    ] {
        bytes += write_parquet(&dir.join(meta.rel_path(table)), df, statistics(table))?;
    }
    Ok(PartMeta { bytes, ..meta })
}

/// A year's buffer: the rows and which entries (indices into the run's entries) they hold.
#[derive(Default)]
struct Buffer {
    /// Each file's rows, kept apart until the part is written ([`Rows::concat`]).
    rows: Vec<Rows>,
    /// Sample rows held.
    samples: usize,
    entries: Vec<usize>,
}

/// State of the sequential phase.
struct Parts {
    athlete: String,
    generation: u64,
    writer: u32,
    seq: usize,
    buffers: BTreeMap<i32, Buffer>,
    part_rows: usize,
    tx: Option<mpsc::SyncSender<Job>>,
}

impl Parts {
    fn next_name(&mut self) -> String {
        let n = part_name(self.generation, self.writer, self.seq);
        self.seq += 1;
        n
    }

    fn add(&mut self, year: i32, idx: usize, entries: &mut [FileEntry], rows: Rows) {
        let buf = self.buffers.entry(year).or_default();
        entries[idx].sample_offset = buf.samples as u64;
        buf.entries.push(idx);
        buf.samples += rows.samples();
        buf.rows.push(rows);
        if buf.samples >= self.part_rows {
            self.flush(year, entries);
        }
        // Never hold more than a part's worth across years (with one part queued and one
        // being written by each writer, memory stays bounded by a few parts).
        let total: usize = self.buffers.values().map(|b| b.samples).sum();
        if total >= self.part_rows {
            if let Some(big) = self
                .buffers
                .iter()
                .max_by_key(|(_, b)| b.samples)
                .map(|(y, _)| *y)
            {
                self.flush(big, entries);
            }
        }
    }

    fn flush(&mut self, year: i32, entries: &mut [FileEntry]) {
        let Some(buf) = self.buffers.remove(&year) else {
            return;
        };
        if buf.entries.is_empty() {
            return;
        }
        let name = self.next_name();
        let id = manifest::part_id(Some(&self.athlete), year, &name);
        for &i in &buf.entries {
            entries[i].part = Some(id.clone());
        }
        if let Some(tx) = &self.tx {
            // A send fails only when the writer has stopped on an error, which it reports.
            let _ = tx.send(Job {
                athlete: self.athlete.clone(),
                year,
                name,
                files: buf.entries.len() as u64,
                rows: buf.rows,
            });
        }
    }

    fn flush_all(&mut self, entries: &mut [FileEntry]) {
        let years: Vec<i32> = self.buffers.keys().copied().collect();
        for y in years {
            self.flush(y, entries);
        }
    }
}

/// Files decoded per parallel batch: enough to keep every core busy, few enough that the
/// decoded samples of a batch stay small.
const CHUNK_FILES: usize = 64;

/// Ingests `found` into the store at `dir` (created if missing). `analyse` runs on every
/// activity decoded in this run (the benchmark computes zones in the same pass; the
/// `ingest` command passes a no-op). Returns the summary and one report per input, in
/// input order, with `analyse`'s results.
pub fn ingest<T, F>(
    dir: &Path,
    found: &Inputs,
    opts: &IngestOptions,
    analyse: F,
) -> Result<(IngestSummary, crate::pipeline::FileResults<T>), StoreError>
where
    T: Send,
    F: Fn(&Activity) -> T + Sync,
{
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let _lock = Lock::acquire(dir)?;
    let mut old_manifest = Manifest::read(dir)?.unwrap_or_default();
    let mut old_files = match &old_manifest.files_table {
        Some(rel) => read_files_table(&dir.join(rel))?,
        None => Vec::new(),
    };
    collect_garbage(dir, &old_manifest.referenced());
    let migrated = migrate_v1(dir, &mut old_manifest, &mut old_files)?;
    let generation = old_manifest.generation + 1;
    let writer = writer_tag();

    let old: HashMap<&str, &FileEntry> = old_files.iter().map(|e| (e.path.as_str(), e)).collect();
    // Content is deduplicated within an athlete: two athletes' copies of one file (a
    // group session shared by the coach) are each the athlete's own.
    let live: HashMap<u64, &str> = old_files
        .iter()
        .filter(|e| e.has_rows() && e.athlete == opts.athlete)
        .filter_map(|e| Some((e.file_hash?, e.path.as_str())))
        .collect();
    let archives = ZipArchives::open(&found.files);
    let bytes_read = AtomicU64::new(0);
    let ctx = Ctx {
        old: &old,
        live: &live,
        archives: &archives,
        opts,
        now: now_ms(),
        bytes_read: &bytes_read,
    };

    let mut summary = IngestSummary {
        skipped: found.skipped,
        failed: found.errors.len(),
        ..Default::default()
    };
    let pb = pipeline::progress_bar(found.files.len(), opts.show_progress);
    let started = std::time::Instant::now();

    // Writing Parquet costs about four times what decoding does (LZ4, dictionaries,
    // statistics): with one writer thread, the cold ingest of the archive benchmark took
    // the same wall time on one core as on two. Parts are independent files, so two
    // writers (one on a single core) take them from one queue.
    let (tx, rx) = mpsc::sync_channel::<Job>(1);
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let writers: Vec<_> = (0..rayon::current_num_threads().clamp(1, 2))
        .map(|_| {
            let rx = rx.clone();
            let writer_dir = dir.to_path_buf();
            std::thread::spawn(move || -> Result<Vec<PartMeta>, StoreError> {
                let mut out = Vec::new();
                loop {
                    // The lock is held only while waiting for a job, never while writing.
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(job) = job else { break };
                    out.push(write_part(&writer_dir, job)?);
                }
                Ok(out)
            })
        })
        .collect();
    drop(rx);
    let mut parts = Parts {
        athlete: opts.athlete.clone(),
        generation,
        writer,
        seq: 0,
        buffers: BTreeMap::new(),
        part_rows: opts.part_rows.max(1),
        tx: Some(tx),
    };

    let mut entries: Vec<FileEntry> = Vec::with_capacity(found.files.len());
    let mut results: Vec<(FileReport, Option<T>)> = Vec::with_capacity(found.files.len());
    // Rows of the old store to drop: (hash, part, offset, rows) of replaced entries.
    let mut replaced: Vec<FileEntry> = Vec::new();
    let mut claimed: HashMap<u64, String> = HashMap::new();
    for chunk in found.files.chunks(CHUNK_FILES) {
        let outcomes: Vec<Outcome<T>> = chunk
            .par_iter()
            .map(|input| {
                let o = process(&ctx, input, &analyse);
                pb.inc(1);
                o
            })
            .collect();
        let mb = bytes_read.load(Ordering::Relaxed) as f64 / 1e6;
        pb.set_message(format!(
            "{mb:.1} MB decoded  {:.1} MB/s",
            mb / started.elapsed().as_secs_f64().max(1e-3)
        ));
        for o in outcomes {
            let idx = entries.len();
            let (entry, rows, value) = match o {
                Outcome::Unchanged(e) => {
                    if e.status == FileStatus::Failed {
                        summary.failed += 1;
                    } else {
                        summary.unchanged += 1;
                    }
                    results.push((e.report(), None));
                    entries.push(e);
                    continue;
                }
                Outcome::NoRows(e) => (e, None, None),
                Outcome::OtherShard => {
                    summary.other_shards += 1;
                    continue;
                }
                Outcome::Decoded { entry, rows, value } => {
                    summary.decoded += 1;
                    (entry, rows, value)
                }
            };
            let mut entry = entry;
            if let Some(prev) = old.get(entry.path.as_str()) {
                if prev.has_rows() {
                    replaced.push((*prev).clone());
                }
            }
            let mut value = value;
            let mut rows = rows;
            if let (Some(h), Some(_)) = (entry.file_hash, &rows) {
                if let Some(first) = claimed.get(&h) {
                    entry.status = FileStatus::Duplicate;
                    entry.duplicate_of = Some(first.clone());
                    entry.messages.clear();
                    entry.sessions = 0;
                    entry.sample_rows = 0;
                    entry.year = None;
                    rows = None;
                    value = None;
                } else {
                    claimed.insert(h, entry.path.clone());
                }
            }
            match entry.status {
                FileStatus::Failed => summary.failed += 1,
                FileStatus::Duplicate => summary.duplicate += 1,
                FileStatus::NotActivity => summary.not_activity += 1,
                FileStatus::Ok | FileStatus::Salvaged => {
                    if old.contains_key(entry.path.as_str()) {
                        summary.changed += 1;
                    } else {
                        summary.new += 1;
                    }
                    if entry.status == FileStatus::Salvaged {
                        summary.salvaged += 1;
                    }
                }
            }
            results.push((entry.report(), value));
            entries.push(entry);
            if let Some(rows) = rows {
                summary.sessions_written += rows.sessions.len() as u64;
                summary.samples_written += rows.samples() as u64;
                let year = entries[idx].year.unwrap_or(1989);
                parts.add(year, idx, &mut entries, rows);
            }
        }
    }
    parts.flush_all(&mut entries);
    parts.tx = None;
    pb.finish_and_clear();
    summary.bytes_read = bytes_read.load(Ordering::Relaxed);
    let mut new_parts = Vec::new();
    let mut first_error = None;
    for w in writers {
        let written = w.join().map_err(|_| StoreError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other("a Parquet writer thread panicked"),
        })?;
        match written {
            Ok(p) => new_parts.extend(p),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    summary.parts_written = new_parts.len();

    // Parts holding rows of replaced files: rewrite them without those rows.
    let mut seq = parts.seq;
    let rewritten = rewrite_parts(
        dir,
        &old_manifest,
        &replaced,
        (generation, writer),
        &mut seq,
    )?;
    summary.parts_rewritten = rewritten.len();

    // The new files table: old entries, overwritten by this run's, parts renamed.
    let mut table: BTreeMap<String, FileEntry> = old_files
        .iter()
        .map(|e| (e.path.clone(), e.clone()))
        .collect();
    for e in entries {
        table.insert(e.path.clone(), e);
    }
    for e in table.values_mut() {
        let Some(p) = e.part.clone() else { continue };
        if let Some(r) = rewritten.get(&p) {
            match &r.new {
                Some(new) if e.has_rows() => {
                    e.sample_offset -= r.removed_before(e.sample_offset);
                    e.part = Some(new.id());
                }
                _ => {
                    e.part = None;
                }
            }
        }
    }
    let final_files: Vec<FileEntry> = table.into_values().collect();
    let mut final_parts: Vec<PartMeta> = old_manifest
        .parts
        .iter()
        .filter(|p| !rewritten.contains_key(&p.id()))
        .cloned()
        .chain(rewritten.values().filter_map(|r| r.new.clone()))
        .chain(new_parts)
        .collect();
    final_parts.sort_by(|a, b| (&a.athlete, a.year, &a.name).cmp(&(&b.athlete, b.year, &b.name)));
    summary.migrated_parts = migrated;

    if migrated == 0 && final_files == old_files && final_parts == old_manifest.parts {
        summary.generation = old_manifest.generation;
        return Ok((summary, results));
    }

    let files_rel = format!("files/files-g{generation:06}-{writer:08x}.parquet");
    let mut df = super::files_frame(&final_files).map_err(parquet_err(&dir.join(&files_rel)))?;
    write_parquet(&dir.join(&files_rel), &mut df, statistics("files"))?;
    // Every folder that gained a name is flushed before the commit, so after a power
    // loss the manifest never names a file whose directory entry was lost: the `year=`
    // folders, the table folders that may have gained a `year=` folder, and `files/`.
    let mut folders: HashSet<std::path::PathBuf> = HashSet::new();
    for p in &final_parts {
        for t in p.tables() {
            if let Some(parent) = p.rel_path(t).parent() {
                folders.insert(dir.join(parent));
            }
        }
    }
    folders.extend(PART_TABLES.iter().map(|t| dir.join(t)));
    folders.insert(dir.join("files"));
    // The store-wide copy of the light tables (flushes its own folder).
    let light = super::light::write(dir, &final_parts, generation, writer)?;
    for f in &folders {
        match manifest::sync_dir(f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::Io {
                    path: f.clone(),
                    source: e,
                })
            }
            _ => {}
        }
    }
    let new_manifest = Manifest {
        generation,
        committed_at: chrono::DateTime::from_timestamp_millis(now_ms())
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default(),
        files_table: Some(files_rel),
        parts: final_parts,
        light,
        ..Default::default()
    };
    if opts.fail_before_commit {
        return Err(StoreError::Interrupted {
            path: dir.to_path_buf(),
        });
    }
    // The lock makes this impossible; checked anyway (a file system that ignores advisory
    // locks, a hand-run second writer): never replace a generation we did not read.
    let current = Manifest::read(dir)?.unwrap_or_default();
    if current.generation != old_manifest.generation {
        return Err(StoreError::Inconsistent {
            path: dir.to_path_buf(),
            message: format!(
                "another writer committed generation {} during this ingest; run it again",
                current.generation
            ),
        });
    }
    new_manifest.commit(dir)?;
    collect_garbage(dir, &new_manifest.referenced());
    summary.generation = generation;
    summary.committed = true;
    Ok((summary, results))
}

/// A part rewritten without some files' rows.
pub(super) struct Rewrite {
    /// The new part (None when nothing was left).
    new: Option<PartMeta>,
    /// (offset, rows) of the sample runs removed, sorted.
    removed: Vec<(u64, u64)>,
}

impl Rewrite {
    /// The new part (None when nothing was left).
    pub(super) fn new_part(&self) -> Option<&PartMeta> {
        self.new.as_ref()
    }

    /// Sample rows removed before `offset`.
    pub(super) fn removed_before(&self, offset: u64) -> u64 {
        self.removed
            .iter()
            .filter(|(o, _)| *o < offset)
            .map(|(_, n)| n)
            .sum()
    }
}

/// [`rewrite_parts`] for `store merge`: the parts of `old` holding rows of `replaced`,
/// rewritten without them.
pub(super) fn rewrite_parts_for_merge(
    dir: &Path,
    old: &Manifest,
    replaced: &[FileEntry],
    tag: (u64, u32),
    seq: &mut usize,
) -> Result<HashMap<String, Rewrite>, StoreError> {
    rewrite_parts(dir, old, replaced, tag, seq)
}

fn rewrite_parts(
    dir: &Path,
    old: &Manifest,
    replaced: &[FileEntry],
    (generation, writer): (u64, u32),
    seq: &mut usize,
) -> Result<HashMap<String, Rewrite>, StoreError> {
    let mut by_part: BTreeMap<String, Vec<&FileEntry>> = BTreeMap::new();
    for e in replaced {
        if let Some(p) = &e.part {
            by_part.entry(p.clone()).or_default().push(e);
        }
    }
    let mut out = HashMap::new();
    for (id, gone) in by_part {
        let Some(part) = old.parts.iter().find(|p| p.id() == id) else {
            continue;
        };
        let hashes: HashSet<u64> = gone.iter().filter_map(|e| e.file_hash).collect();
        let mut removed: Vec<(u64, u64)> = gone
            .iter()
            .map(|e| (e.sample_offset, e.sample_rows))
            .collect();
        removed.sort_unstable();
        let name = part_name(generation, writer, *seq);
        *seq += 1;
        let mut meta = PartMeta {
            athlete: part.athlete.clone(),
            year: part.year,
            name,
            files: part.files.saturating_sub(gone.len() as u64),
            sessions: 0,
            samples: 0,
            timer: 0,
            bytes: 0,
            hr_seconds: None,
        };
        let mut frames = Vec::new();
        for &table in part.tables() {
            let src = dir.join(part.rel_path(table));
            let df = read_parquet(&src, None)?;
            let keep: BooleanChunked = df
                .column(col::FILE_HASH)
                .and_then(|c| c.u64().cloned())
                .map_err(parquet_err(&src))?
                .iter()
                .map(|h| h.is_some_and(|h| !hashes.contains(&h)))
                .collect();
            let df = df.filter(&keep).map_err(parquet_err(&src))?;
            match table {
                "sessions" => meta.sessions = df.height() as u64,
                "samples" => meta.samples = df.height() as u64,
                manifest::HR_SECONDS => meta.hr_seconds = Some(df.height() as u64),
                _ => meta.timer = df.height() as u64,
            }
            frames.push((table, df));
        }
        if meta.sessions == 0 {
            out.insert(id, Rewrite { new: None, removed });
            continue;
        }
        for (table, mut df) in frames {
            meta.bytes +=
                write_parquet(&dir.join(meta.rel_path(table)), &mut df, statistics(table))?;
        }
        out.insert(
            id,
            Rewrite {
                new: Some(meta),
                removed,
            },
        );
    }
    Ok(out)
}

/// Moves the parts of a version-1 store (`table/year=…/`) to `table/athlete=default/year=…/`
/// by hard links (a copy where links are refused), and renames them in `manifest` and
/// `files`. The old names stay until the commit, after which the garbage collection
/// removes them: a crash before it leaves the version-1 store as it was. Returns the
/// number of parts moved.
pub(super) fn migrate_v1(
    dir: &Path,
    manifest: &mut Manifest,
    files: &mut [FileEntry],
) -> Result<usize, StoreError> {
    let default = crate::roster::DEFAULT_ATHLETE;
    let mut renamed: HashMap<String, String> = HashMap::new();
    for part in manifest.parts.iter_mut().filter(|p| p.athlete.is_none()) {
        let old_id = part.id();
        let mut moved = part.clone();
        moved.athlete = Some(default.to_string());
        for t in part.tables() {
            let (from, to) = (dir.join(part.rel_path(t)), dir.join(moved.rel_path(t)));
            let io = |source| StoreError::Io {
                path: to.clone(),
                source,
            };
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            if !to.exists() && std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).map_err(io)?;
            }
        }
        renamed.insert(old_id, moved.id());
        *part = moved;
    }
    for e in files.iter_mut() {
        if let Some(new) = e.part.as_ref().and_then(|p| renamed.get(p)) {
            e.part = Some(new.clone());
        }
    }
    Ok(renamed.len())
}
