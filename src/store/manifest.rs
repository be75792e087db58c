//! `manifest.json`, the store's commit point: the list of Parquet parts (and the `files`
//! table) that make up the store. A reader trusts only what it lists; an ingest writes
//! every new part first and replaces the manifest last, by an atomic rename, so a crash
//! at any moment leaves either the old manifest or the new one, each naming parts that
//! exist in full.
//!
//! Also the writer lock (`.lock`, an OS advisory lock), so two ingests never write one
//! store at once.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreError;

/// The `format` value of every hrzones store manifest.
pub const FORMAT: &str = "hrzones-store";
/// Version of the layout (folders, manifest) this build writes: 2 partitions the parts
/// `athlete=…/year=…` (version 1, `year=…` only, is still read, and migrated by the next
/// ingest or `hrzones store merge`).
pub const VERSION: u32 = 2;
/// Version of the tables' columns (`schema_version` in the manifest). Adding a column
/// does not change it (readers ignore columns they do not know); renaming, removing or
/// retyping one does. docs/STORE.md says what may change.
pub const SCHEMA_VERSION: u32 = 1;
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The tables stored in parts (one Parquet file per table per part). Parts written
/// before the `hr_seconds` table have only the first three ([`PartMeta::tables`]).
pub const PART_TABLES: [&str; 4] = ["sessions", "samples", "timer", HR_SECONDS];
/// The per-session heart-rate histogram table (see [`crate::hr_seconds`]).
pub const HR_SECONDS: &str = "hr_seconds";

/// One part: rows of a batch of files of one athlete and year, in one Parquet file per
/// table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMeta {
    /// The athlete partition (None: a part of a version-1 store, with no athlete folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub athlete: Option<String>,
    /// The year partition (UTC year of the files' first session).
    pub year: i32,
    /// File stem shared by the part's three Parquet files (`part-g000007-0003`).
    pub name: String,
    /// Files with rows in the part.
    pub files: u64,
    /// Rows in `sessions`.
    pub sessions: u64,
    /// Rows in `samples`.
    pub samples: u64,
    /// Rows in `timer`.
    pub timer: u64,
    /// Bytes of the part's Parquet files.
    pub bytes: u64,
    /// Rows in `hr_seconds`; None for a part written before that table existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hr_seconds: Option<u64>,
}

impl PartMeta {
    /// `athlete/year/name` (version 1: `year/name`): how the `files` table refers to
    /// the part.
    pub fn id(&self) -> String {
        part_id(self.athlete.as_deref(), self.year, &self.name)
    }

    /// The tables this part has a Parquet file for.
    pub fn tables(&self) -> &'static [&'static str] {
        if self.hr_seconds.is_some() {
            &PART_TABLES
        } else {
            &PART_TABLES[..3]
        }
    }

    /// Path of the part's file for `table`, relative to the store.
    pub fn rel_path(&self, table: &str) -> PathBuf {
        part_path(table, self.athlete.as_deref(), self.year, &self.name)
    }
}

/// `athlete/year/name`, or `year/name` for a version-1 part.
pub fn part_id(athlete: Option<&str>, year: i32, name: &str) -> String {
    match athlete {
        Some(a) => format!("{a}/{year}/{name}"),
        None => format!("{year}/{name}"),
    }
}

/// `table/athlete=ID/year=YYYY/name.parquet` (Hive-style partitions: DuckDB, Spark,
/// Trino and polars read `athlete` and `year` as columns); `table/year=YYYY/name.parquet`
/// for a version-1 part. Every table of a part (those of [`PART_TABLES`], and any table
/// added later) lives under this path.
pub fn part_path(table: &str, athlete: Option<&str>, year: i32, name: &str) -> PathBuf {
    let mut p = PathBuf::from(table);
    if let Some(a) = athlete {
        p.push(format!("athlete={a}"));
    }
    p.join(format!("year={year}"))
        .join(format!("{name}.parquet"))
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Layout version ([`VERSION`]).
    pub version: u32,
    /// Column version of the tables ([`SCHEMA_VERSION`]; 1 when absent).
    #[serde(default = "first_schema")]
    pub schema_version: u32,
    /// Incremented by each committed ingest; names new parts.
    pub generation: u64,
    /// `hrzones <version>`.
    pub written_by: String,
    /// When this generation was committed (RFC 3339 UTC).
    pub committed_at: String,
    /// The `files` table, relative to the store.
    pub files_table: Option<String>,
    /// The parts, sorted by year then name.
    pub parts: Vec<PartMeta>,
    /// The store-wide copy of the parts' light tables, written with this generation
    /// ([`super::light`]); None when a part lacks one (readers then read part by part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<LightTables>,
}

/// The light tables of every part (`sessions`, `timer`, `hr_seconds`), each concatenated
/// into one Parquet file in the order of [`Manifest::parts`]: part `k`'s rows follow those
/// of parts `0..k` (their row counts are in the manifest). Derived data: the parts stay
/// the truth, and a commit that changes the parts writes these again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightTables {
    /// `light/sessions-g…parquet`, relative to the store.
    pub sessions: String,
    /// `light/timer-g…parquet`.
    pub timer: String,
    /// `light/hr_seconds-g…parquet`.
    pub hr_seconds: String,
}

impl LightTables {
    /// The three paths, relative to the store, with the table each copies.
    pub fn tables(&self) -> [(&'static str, &str); 3] {
        [
            ("sessions", &self.sessions),
            ("timer", &self.timer),
            (HR_SECONDS, &self.hr_seconds),
        ]
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format: FORMAT.to_string(),
            version: VERSION,
            schema_version: SCHEMA_VERSION,
            generation: 0,
            written_by: format!("hrzones {}", env!("CARGO_PKG_VERSION")),
            committed_at: String::new(),
            files_table: None,
            parts: Vec::new(),
            light: None,
        }
    }
}

impl Manifest {
    /// Reads `dir/manifest.json`; `Ok(None)` when the folder holds no store yet.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, StoreError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| StoreError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if m.format != FORMAT {
            return Err(StoreError::Manifest {
                path,
                message: format!("format is {:?}, expected {FORMAT:?}", m.format),
            });
        }
        if m.version > VERSION {
            return Err(StoreError::Version {
                path,
                found: m.version,
                supported: VERSION,
            });
        }
        if m.schema_version > SCHEMA_VERSION {
            return Err(StoreError::Version {
                path,
                found: m.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(Some(m))
    }

    /// Every file the manifest refers to, relative to the store.
    pub fn referenced(&self) -> std::collections::HashSet<PathBuf> {
        let mut out: std::collections::HashSet<PathBuf> = self
            .parts
            .iter()
            .flat_map(|p| p.tables().iter().map(|t| p.rel_path(t)))
            .collect();
        if let Some(f) = &self.files_table {
            out.insert(PathBuf::from(f));
        }
        if let Some(l) = &self.light {
            out.extend(l.tables().iter().map(|(_, rel)| PathBuf::from(rel)));
        }
        out
    }

    /// The commit: writes the manifest to a temporary file, flushes it to disk, renames
    /// it over `manifest.json` and flushes the folder, so the rename itself is durable.
    pub fn commit(&self, dir: &Path) -> Result<(), StoreError> {
        let path = dir.join(MANIFEST);
        let tmp = dir.join(format!(".{MANIFEST}.{}.tmp", std::process::id()));
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            sync_dir(dir)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(io)
    }
}

fn first_schema() -> u32 {
    1
}

/// Flushes a folder's entries (new names, renames) to disk. A no-op where folders cannot
/// be opened as files.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The store's writer lock: an OS advisory lock (`flock` on Unix, `LockFileEx` on
/// Windows, through `fs4`) on `DIR/.lock`, held from before the old manifest is read until
/// after the commit and its clean-up. The kernel releases it when the process ends, even
/// by `kill -9`, so a stale lock cannot exist and nothing ever has to be taken over.
///
/// The file itself is never deleted: a writer that deleted it on exit would let a
/// second writer lock the old (unlinked) inode while a third creates and locks a new one
/// (the classic `flock` + `unlink` race). It holds the holder's process id, for the
/// message a refused writer prints; its content is only informative.
#[derive(Debug)]
pub struct Lock {
    file: std::fs::File,
}

/// Name of the lock file inside the store.
pub const LOCK_FILE: &str = ".lock";

impl Lock {
    /// Takes the lock on the store in `dir`, or fails at once with
    /// [`StoreError::Locked`] naming the process that holds it.
    pub fn acquire(dir: &Path) -> Result<Lock, StoreError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Never follow a symlink planted as `.lock`, never block opening a FIFO.
            options.custom_flags(
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            );
        }
        let file = options.open(&path).map_err(io)?;
        if !file.metadata().map_err(io)?.is_file() {
            return Err(io(std::io::Error::other(
                "the lock file is not a regular file; remove it",
            )));
        }
        // Fully qualified: std has an inherent `File::try_lock` since 1.89, above our MSRV.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                return Err(StoreError::Locked { lock: path, pid });
            }
            Err(fs4::TryLockError::Error(source)) => return Err(io(source)),
        }
        let mut lock = Lock { file };
        // Informative only: the pid for a refused writer's message.
        let _ = lock.file.set_len(0);
        let _ = writeln!(lock.file, "{}", std::process::id());
        let _ = lock.file.flush();
        Ok(lock)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Clear the pid while still holding the lock; closing the file releases it.
        let _ = self.file.set_len(0);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_and_lists_its_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), None);
        let m = Manifest {
            generation: 3,
            files_table: Some("files/files-g000003.parquet".into()),
            parts: vec![PartMeta {
                athlete: Some("ana".into()),
                year: 2024,
                name: "part-g000003-0000".into(),
                files: 2,
                sessions: 2,
                samples: 10,
                timer: 2,
                bytes: 100,
                hr_seconds: None,
            }],
            ..Default::default()
        };
        m.commit(dir.path()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(m.clone()));
        let refs = m.referenced();
        assert!(refs.contains(Path::new(
            "samples/athlete=ana/year=2024/part-g000003-0000.parquet"
        )));
        assert_eq!(m.parts[0].id(), "ana/2024/part-g000003-0000");
        // A version-1 manifest (no athlete, no schema_version) still reads.
        let v1 = r#"{"format":"hrzones-store","version":1,"generation":1,"written_by":"x","committed_at":"","files_table":null,"parts":[{"year":2020,"name":"p","files":1,"sessions":1,"samples":1,"timer":1,"bytes":1}]}"#;
        std::fs::write(dir.path().join(MANIFEST), v1).unwrap();
        let old = Manifest::read(dir.path()).unwrap().unwrap();
        assert_eq!((old.version, old.schema_version), (1, 1));
        assert_eq!(
            old.parts[0].rel_path("timer"),
            Path::new("timer/year=2020/p.parquet")
        );
        assert_eq!(old.parts[0].id(), "2020/p");
        assert!(refs.contains(Path::new("files/files-g000003.parquet")));
        assert_eq!(refs.len(), 4);
    }

    #[test]
    fn a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            r#"{"format":"hrzones-store","version":99,"generation":1,"written_by":"x","committed_at":"","files_table":null,"parts":[]}"#,
        )
        .unwrap();
        let e = Manifest::read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
    }

    #[test]
    fn the_lock_is_exclusive_names_its_holder_and_is_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        // A second open file description (as another process would have) is refused.
        match Lock::acquire(dir.path()) {
            Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(lock);
        // Released, and the file stays (deleting it would reopen the flock/unlink race).
        assert!(dir.path().join(LOCK_FILE).exists());
        let again = Lock::acquire(dir.path()).unwrap();
        drop(again);
        // A pid left in the file by a killed writer means nothing: the kernel released
        // its lock, so the next writer simply takes it.
        std::fs::write(dir.path().join(LOCK_FILE), "1\n").unwrap();
        let _lock = Lock::acquire(dir.path()).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(LOCK_FILE)).unwrap();
        assert!(Lock::acquire(dir.path()).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
