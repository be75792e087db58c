//! `hrzones store merge DIR`: commits the shards that `hrzones ingest --shard I/N --store
//! DIR` wrote (each a complete store of its own under `DIR/_shards/I-of-N/`, so N machines
//! never contend for one lock or one manifest) into the store `DIR`, in one new
//! generation.
//!
//! The shards' Parquet parts are hard-linked into `DIR` under their own names (part names
//! carry a per-writer tag, so they never collide); their `files` rows are added to
//! `DIR`'s. A path already in `DIR` is replaced by the shard's version (the old rows are
//! removed by rewriting their part, as an ingest does), and content already stored under
//! another path of the same athlete becomes a duplicate, so the tables keep exactly one
//! copy of each activity, as after one ingest of every input. The new manifest is the
//! commit point; after it, the shard folders are deleted. A crash before the commit leaves
//! `DIR` and the shards as they were (the links are garbage collected); a crash after it
//! leaves shards whose parts `DIR` already lists, which a second merge skips.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::ingest::{migrate_v1, rewrite_parts_for_merge};
use super::manifest::{self, Lock, Manifest};
use super::{collect_garbage, parquet_err, read_files_table, statistics, write_parquet};
use super::{FileEntry, StoreError};
use crate::pipeline::FileStatus;

/// The folder under a store that holds the shards of `ingest --shard`.
pub const SHARDS_DIR: &str = "_shards";

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeSummary {
    /// Shards merged.
    pub shards: usize,
    /// Parts linked into the store.
    pub parts: usize,
    /// Files rows added or replaced.
    pub files: usize,
    /// Shard activities already stored under another path (kept once).
    pub duplicates: usize,
    /// Generation committed.
    pub generation: u64,
}

impl MergeSummary {
    /// One line for stderr.
    pub fn line(&self) -> String {
        format!(
            "store merge: {} shards, {} parts, {} files ({} duplicates of stored activities); generation {}",
            self.shards, self.parts, self.files, self.duplicates, self.generation
        )
    }
}

/// The folder of a shard of the store `dir`.
pub fn shard_dir(dir: &Path, shard: &super::Shard) -> PathBuf {
    dir.join(SHARDS_DIR).join(shard.folder_name())
}

/// Merges every shard under `dir/_shards/` into `dir` (see the module docs).
pub fn merge(dir: &Path) -> Result<MergeSummary, StoreError> {
    let shards_root = dir.join(SHARDS_DIR);
    let mut shard_dirs: Vec<PathBuf> = match std::fs::read_dir(&shards_root) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join(manifest::MANIFEST).is_file())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(StoreError::Io {
                path: shards_root,
                source,
            })
        }
    };
    shard_dirs.sort();
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let _lock = Lock::acquire(dir)?;
    let mut main = Manifest::read(dir)?.unwrap_or_default();
    let mut files = match &main.files_table {
        Some(rel) => read_files_table(&dir.join(rel))?,
        None => Vec::new(),
    };
    collect_garbage(dir, &main.referenced());
    let migrated = migrate_v1(dir, &mut main, &mut files)?;
    let old_parts = main.parts.clone();
    let old_files = files.clone();

    let mut summary = MergeSummary {
        shards: shard_dirs.len(),
        ..Default::default()
    };
    let mut locks = Vec::new();
    let mut table: BTreeMap<String, FileEntry> =
        files.into_iter().map(|e| (e.path.clone(), e)).collect();
    let mut combined = main.clone();
    let mut replaced: Vec<FileEntry> = Vec::new();
    for sd in &shard_dirs {
        // A shard still being written is locked: the merge waits for nobody.
        locks.push(Lock::acquire(sd)?);
        let Some(mut sm) = Manifest::read(sd)? else {
            continue;
        };
        let mut sfiles = match &sm.files_table {
            Some(rel) => read_files_table(&sd.join(rel))?,
            None => Vec::new(),
        };
        migrate_v1(sd, &mut sm, &mut sfiles)?;
        for part in &sm.parts {
            if combined.parts.iter().any(|p| p.id() == part.id()) {
                continue; // merged before (a crash after the commit): already listed
            }
            for t in part.tables() {
                let (from, to) = (sd.join(part.rel_path(t)), dir.join(part.rel_path(t)));
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
            combined.parts.push(part.clone());
            summary.parts += 1;
        }
        for e in sfiles {
            if table.get(&e.path) == Some(&e) {
                continue;
            }
            if let Some(prev) = table.get(&e.path).filter(|p| p.has_rows()) {
                replaced.push(prev.clone());
            }
            summary.files += 1;
            table.insert(e.path.clone(), e);
        }
    }
    // One copy of each content per athlete: the first path (in path order) keeps its
    // rows, later ones become duplicates and their rows are removed.
    let mut first: HashMap<(String, u64), String> = HashMap::new();
    for e in table.values_mut() {
        let Some(h) = e.file_hash.filter(|_| e.has_rows()) else {
            continue;
        };
        match first.get(&(e.athlete.clone(), h)) {
            Some(orig) => {
                replaced.push(e.clone());
                e.status = FileStatus::Duplicate;
                e.duplicate_of = Some(orig.clone());
                e.messages.clear();
                e.sessions = 0;
                e.sample_rows = 0;
                e.year = None;
                summary.duplicates += 1;
            }
            None => {
                first.insert((e.athlete.clone(), h), e.path.clone());
            }
        }
    }
    let generation = main.generation.max(combined.generation) + 1;
    let writer = super::ingest::writer_tag();
    let mut seq = 0;
    let rewritten =
        rewrite_parts_for_merge(dir, &combined, &replaced, (generation, writer), &mut seq)?;
    for e in table.values_mut() {
        let Some(p) = e.part.clone() else { continue };
        if let Some(r) = rewritten.get(&p) {
            match r.new_part() {
                Some(new) if e.has_rows() => {
                    e.sample_offset -= r.removed_before(e.sample_offset);
                    e.part = Some(new.id());
                }
                _ => e.part = None,
            }
        }
    }
    for e in table.values_mut().filter(|e| !e.has_rows()) {
        e.part = None;
        e.sample_offset = 0;
    }
    let final_files: Vec<FileEntry> = table.into_values().collect();
    let mut final_parts: Vec<_> = combined
        .parts
        .iter()
        .filter(|p| !rewritten.contains_key(&p.id()))
        .cloned()
        .chain(rewritten.values().filter_map(|r| r.new_part().cloned()))
        .collect();
    final_parts.sort_by(|a, b| (&a.athlete, a.year, &a.name).cmp(&(&b.athlete, b.year, &b.name)));
    if migrated == 0 && final_files == old_files && final_parts == old_parts {
        summary.generation = main.generation;
        remove_shards(&shard_dirs, locks);
        return Ok(summary);
    }
    let files_rel = format!("files/files-g{generation:06}-{writer:08x}.parquet");
    let mut df = super::files_frame(&final_files).map_err(parquet_err(&dir.join(&files_rel)))?;
    write_parquet(&dir.join(&files_rel), &mut df, statistics("files"))?;
    for p in &final_parts {
        for t in p.tables() {
            if let Some(parent) = p.rel_path(t).parent() {
                let _ = manifest::sync_dir(&dir.join(parent));
            }
        }
    }
    let _ = manifest::sync_dir(&dir.join("files"));
    let light = super::light::write(dir, &final_parts, generation, writer)?;
    let new_manifest = Manifest {
        generation,
        committed_at: chrono::DateTime::from_timestamp_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
        )
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default(),
        files_table: Some(files_rel),
        parts: final_parts,
        light,
        ..Default::default()
    };
    new_manifest.commit(dir)?;
    collect_garbage(dir, &new_manifest.referenced());
    remove_shards(&shard_dirs, locks);
    summary.generation = generation;
    Ok(summary)
}

/// Deletes the merged shards: the manifest first, so a shard half deleted is never read
/// as a store again.
fn remove_shards(dirs: &[PathBuf], locks: Vec<Lock>) {
    for d in dirs {
        let _ = std::fs::remove_file(d.join(manifest::MANIFEST));
    }
    drop(locks);
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
    if let Some(root) = dirs.first().and_then(|d| d.parent()) {
        let _ = std::fs::remove_dir(root);
    }
}
