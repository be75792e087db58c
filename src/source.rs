//! Finding and reading input files: plain `.fit` files, gzip-compressed `.fit.gz` (Strava
//! bulk exports) and `.zip` archives (Garmin Connect and Strava exports), read in memory
//! without unpacking to disk.
//!
//! It never writes anything, and never trusts a size read from an archive: decompression
//! stops at [`MAX_FILE_BYTES`].

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Largest decompressed input accepted, bytes. The largest real FIT activities are a few
/// tens of MB; this stops a zip or gzip bomb from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Largest zip archive inside a zip archive, decompressed, bytes. An inner archive is read
/// into memory (a zip is indexed from its end, so it cannot be streamed); Garmin splits
/// its uploaded files into parts well below this.
pub const MAX_NESTED_ZIP_BYTES: u64 = 2 << 30;

/// Zip archives are opened this many levels deep: an export zip and the zips inside it.
/// A zip inside those is counted as an other file, not opened (a zip "quine" or a deep
/// nest cannot multiply the work).
pub const MAX_ZIP_DEPTH: usize = 2;

/// Where an input's bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// A file on disk.
    File(PathBuf),
    /// An entry inside a zip archive.
    ZipEntry {
        /// The archive.
        zip: PathBuf,
        /// Index in the archive.
        index: usize,
        /// Entry name.
        entry: String,
    },
    /// An entry of a zip archive that is itself an entry of a zip archive: Garmin Connect
    /// account exports keep the FIT files in `DI_CONNECT/DI-Connect-Uploaded-Files/
    /// UploadedFiles_0-_Part1.zip` inside the export zip. One level of nesting only
    /// (see [`MAX_ZIP_DEPTH`]).
    NestedZipEntry {
        /// The outer archive, on disk.
        zip: PathBuf,
        /// Index of the inner archive in the outer one.
        outer_index: usize,
        /// Name of the inner archive in the outer one.
        outer_entry: String,
        /// Index in the inner archive.
        index: usize,
        /// Entry name in the inner archive.
        entry: String,
    },
}

/// One input FIT file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputFile {
    /// Where it is.
    pub location: Location,
    /// Gzip-compressed (`.fit.gz`).
    pub gz: bool,
    /// Size on disk (compressed size for archive entries), bytes.
    pub stored_bytes: u64,
}

/// Errors reading an input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Could not read a file or folder.
    #[error("could not read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive that cannot be opened or read.
    #[error("could not read zip archive {path}: {message}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Decompressed data larger than [`MAX_FILE_BYTES`].
    #[error("{name} decompresses to more than {limit} bytes; refusing it")]
    TooLarge {
        /// The input.
        name: String,
        /// The limit.
        limit: u64,
    },
    /// A gzip stream that cannot be decompressed.
    #[error("{name} is not valid gzip data: {source}")]
    Gzip {
        /// The input.
        name: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl InputFile {
    /// A display name: the path, or `archive.zip:entry`.
    pub fn name(&self) -> String {
        match &self.location {
            Location::File(p) => p.display().to_string(),
            Location::ZipEntry { zip, entry, .. } => format!("{}:{}", zip.display(), entry),
            Location::NestedZipEntry {
                zip,
                outer_entry,
                entry,
                ..
            } => format!("{}:{}:{}", zip.display(), outer_entry, entry),
        }
    }

    /// The file's own name without folders and compression suffix (for labels and charts).
    pub fn file_name(&self) -> String {
        let full = match &self.location {
            Location::File(p) => p
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            Location::ZipEntry { entry, .. } | Location::NestedZipEntry { entry, .. } => {
                entry.rsplit('/').next().unwrap_or(entry).to_string()
            }
        };
        full.strip_suffix(".gz").map(str::to_string).unwrap_or(full)
    }

    /// Reads (and decompresses) the bytes.
    pub fn read(&self) -> Result<Vec<u8>, InputError> {
        match &self.location {
            Location::File(p) => {
                let f = File::open(p).map_err(|source| InputError::Io {
                    path: p.clone(),
                    source,
                })?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                if self.gz {
                    self.gunzip(BufReader::new(f))
                } else {
                    if len > MAX_FILE_BYTES {
                        return Err(InputError::TooLarge {
                            name: self.name(),
                            limit: MAX_FILE_BYTES,
                        });
                    }
                    let mut buf = Vec::with_capacity(len as usize);
                    f.take(MAX_FILE_BYTES)
                        .read_to_end(&mut buf)
                        .map_err(|source| InputError::Io {
                            path: p.clone(),
                            source,
                        })?;
                    Ok(buf)
                }
            }
            Location::ZipEntry { zip, .. } => {
                let mut archive = open_zip(zip)?;
                self.read_entry(&mut archive)
            }
            Location::NestedZipEntry {
                zip, outer_index, ..
            } => {
                let mut outer = open_zip(zip)?;
                let mut inner = open_nested(zip, &mut outer, *outer_index)?;
                self.read_entry(&mut inner)
            }
        }
    }

    /// Reads the bytes like [`InputFile::read`], taking zip archives from `archives`
    /// (opened once) instead of opening and indexing the archive again for each entry.
    pub fn read_in(&self, archives: &ZipArchives) -> Result<Vec<u8>, InputError> {
        match &self.location {
            Location::ZipEntry { zip, .. } => match archives.get(zip) {
                Some(Ok(archive)) => self.read_entry(&mut archive.clone()),
                Some(Err(e)) => Err(InputError::Zip {
                    path: zip.clone(),
                    message: e.clone(),
                }),
                None => self.read(),
            },
            Location::NestedZipEntry {
                zip, outer_index, ..
            } => match archives.get_nested(zip, *outer_index) {
                Some(Ok(archive)) => self.read_entry(&mut archive.clone()),
                Some(Err(e)) => Err(InputError::Zip {
                    path: zip.clone(),
                    message: e.clone(),
                }),
                None => self.read(),
            },
            Location::File(_) => self.read(),
        }
    }

    fn read_entry<R: Read + std::io::Seek>(
        &self,
        archive: &mut zip::ZipArchive<R>,
    ) -> Result<Vec<u8>, InputError> {
        let (Location::ZipEntry { zip, index, .. } | Location::NestedZipEntry { zip, index, .. }) =
            &self.location
        else {
            return self.read();
        };
        let entry = archive.by_index(*index).map_err(|e| InputError::Zip {
            path: zip.clone(),
            message: e.to_string(),
        })?;
        if self.gz {
            self.gunzip(entry)
        } else {
            self.read_limited(entry)
        }
    }

    fn gunzip(&self, r: impl Read) -> Result<Vec<u8>, InputError> {
        let mut buf = Vec::new();
        flate2::read::MultiGzDecoder::new(r)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|source| InputError::Gzip {
                name: self.name(),
                source,
            })?;
        self.check_len(buf)
    }

    fn read_limited(&self, r: impl Read) -> Result<Vec<u8>, InputError> {
        let mut buf = Vec::new();
        r.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| InputError::Zip {
                path: PathBuf::from(self.name()),
                message: e.to_string(),
            })?;
        self.check_len(buf)
    }

    fn check_len(&self, buf: Vec<u8>) -> Result<Vec<u8>, InputError> {
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(InputError::TooLarge {
                name: self.name(),
                limit: MAX_FILE_BYTES,
            });
        }
        Ok(buf)
    }
}

/// A file that many readers share: each clone keeps its own position and reads with
/// positioned reads (`pread`), so the threads reading entries of one archive need neither
/// a lock nor a file handle each.
#[derive(Debug, Clone)]
pub struct SharedFile {
    file: std::sync::Arc<File>,
    pos: u64,
    len: u64,
}

impl SharedFile {
    fn open(path: &Path) -> std::io::Result<SharedFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(SharedFile {
            file: std::sync::Arc::new(file),
            pos: 0,
            len,
        })
    }
}

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for SharedFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(p) => Some(p),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

/// An opened zip archive: its central directory parsed once, cheap to clone per reader.
pub type OpenZip = zip::ZipArchive<SharedFile>;

/// Bytes shared by the readers of an inner archive (cloning a reader clones the pointer).
#[derive(Debug, Clone)]
pub struct SharedBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An opened zip archive held in memory (an archive inside an archive).
pub type InnerZip = zip::ZipArchive<std::io::Cursor<SharedBytes>>;

/// Decompresses entry `outer_index` of `outer` (bounded by [`MAX_NESTED_ZIP_BYTES`]) and
/// opens it as a zip archive.
fn open_nested<R: Read + std::io::Seek>(
    zip_path: &Path,
    outer: &mut zip::ZipArchive<R>,
    outer_index: usize,
) -> Result<InnerZip, InputError> {
    let zerr = |message: String| InputError::Zip {
        path: zip_path.to_path_buf(),
        message,
    };
    let entry = outer
        .by_index(outer_index)
        .map_err(|e| zerr(e.to_string()))?;
    let name = entry.name().to_string();
    let mut buf = Vec::with_capacity(entry.size().min(MAX_NESTED_ZIP_BYTES) as usize);
    entry
        .take(MAX_NESTED_ZIP_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| zerr(format!("{name}: {e}")))?;
    if buf.len() as u64 > MAX_NESTED_ZIP_BYTES {
        return Err(InputError::TooLarge {
            name: format!("{}:{name}", zip_path.display()),
            limit: MAX_NESTED_ZIP_BYTES,
        });
    }
    zip::ZipArchive::new(std::io::Cursor::new(SharedBytes(std::sync::Arc::new(buf))))
        .map_err(|e| zerr(format!("{name}: {e}")))
}

fn open_zip(path: &Path) -> Result<OpenZip, InputError> {
    let f = SharedFile::open(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    zip::ZipArchive::new(f).map_err(|e| InputError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The zip archives a list of inputs refers to, each opened and indexed once. Reading
/// every entry of a 3,000-entry Garmin export by reopening the archive parses its central
/// directory 3,000 times (quadratic); through this it is parsed once.
#[derive(Debug, Default)]
pub struct ZipArchives {
    map: std::collections::HashMap<PathBuf, Result<OpenZip, String>>,
    /// Archives inside archives, by (outer archive, entry index), decompressed once.
    nested: std::collections::HashMap<(PathBuf, usize), Result<InnerZip, String>>,
}

impl ZipArchives {
    /// Opens every archive that `inputs` has entries in.
    pub fn open(inputs: &[InputFile]) -> ZipArchives {
        let mut map = std::collections::HashMap::new();
        let mut nested = std::collections::HashMap::new();
        let message = |e: InputError| match e {
            InputError::Zip { message, .. } => message,
            other => other.to_string(),
        };
        for i in inputs {
            let (zip, outer) = match &i.location {
                Location::ZipEntry { zip, .. } => (zip, None),
                Location::NestedZipEntry {
                    zip, outer_index, ..
                } => (zip, Some(*outer_index)),
                Location::File(_) => continue,
            };
            if !map.contains_key(zip) {
                map.insert(zip.clone(), open_zip(zip).map_err(message));
            }
            if let Some(outer_index) = outer {
                let key = (zip.clone(), outer_index);
                if let std::collections::hash_map::Entry::Vacant(slot) = nested.entry(key) {
                    slot.insert(match map.get(zip) {
                        Some(Ok(a)) => {
                            open_nested(zip, &mut a.clone(), outer_index).map_err(message)
                        }
                        Some(Err(e)) => Err(e.clone()),
                        None => Err("not opened".to_string()),
                    });
                }
            }
        }
        ZipArchives { map, nested }
    }

    /// The opened inner archive at entry `outer_index` of `path`, or None when no input
    /// is in it.
    pub fn get_nested(
        &self,
        path: &Path,
        outer_index: usize,
    ) -> Option<Result<&InnerZip, &String>> {
        self.nested
            .get(&(path.to_path_buf(), outer_index))
            .map(|r| r.as_ref())
    }

    /// The opened archive at `path` (an error message when it could not be opened), or
    /// None when it was not among the inputs.
    pub fn get(&self, path: &Path) -> Option<Result<&OpenZip, &String>> {
        self.map.get(path).map(|r| r.as_ref())
    }

    /// `(uncompressed size, CRC-32)` of an entry, from the central directory (no data read).
    pub fn entry_stamp(&self, input: &InputFile) -> Option<(u64, u32)> {
        match &input.location {
            Location::ZipEntry { zip, index, .. } => {
                let mut archive = self.map.get(zip)?.as_ref().ok()?.clone();
                let entry = archive.by_index_raw(*index).ok()?;
                Some((entry.size(), entry.crc32()))
            }
            Location::NestedZipEntry {
                zip,
                outer_index,
                index,
                ..
            } => {
                let mut archive = self.get_nested(zip, *outer_index)?.ok()?.clone();
                let entry = archive.by_index_raw(*index).ok()?;
                Some((entry.size(), entry.crc32()))
            }
            Location::File(_) => None,
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Inputs {
    /// FIT inputs, sorted by name (stable order for reports and deduplication).
    pub files: Vec<InputFile>,
    /// Files that are not FIT, gzip'd FIT or zip (counted, not read).
    pub skipped: usize,
    /// The skipped files by kind (lower-case extension, "no extension", "zip nested too
    /// deep"), so that "nothing found" can say what was there.
    pub skipped_kinds: std::collections::BTreeMap<String, usize>,
    /// Strava bulk exports' `activities.csv` files found in the inputs (in a folder or a
    /// zip), read by the labelling for activity names and descriptions.
    pub activity_csvs: Vec<InputFile>,
    /// Paths or archives that could not be read at all.
    pub errors: Vec<InputError>,
}

impl Inputs {
    fn skip(&mut self, name: &str) {
        self.skipped += 1;
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let kind = match base.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!(".{}", ext.to_ascii_lowercase()),
            _ => "no extension".to_string(),
        };
        *self.skipped_kinds.entry(kind).or_default() += 1;
    }

    /// What was found besides FIT files, for a message: "3 other files (2 .gpx, 1 .txt)".
    pub fn skipped_text(&self) -> String {
        if self.skipped == 0 {
            return "no files".to_string();
        }
        let kinds: Vec<String> = self
            .skipped_kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        format!(
            "{} other {} ({})",
            self.skipped,
            if self.skipped == 1 { "file" } else { "files" },
            kinds.join(", ")
        )
    }
}

fn is_fit_name(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".fit") {
        Some(false)
    } else if lower.ends_with(".fit.gz") {
        Some(true)
    } else {
        None
    }
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Strava's index of a bulk export, `activities.csv` at the export's root.
fn is_activity_csv(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.eq_ignore_ascii_case("activities.csv")
}

/// Finds the inputs under `paths`: files named on the command line are taken as given
/// (whatever their name: the decoder will say if they are not FIT); folders are walked
/// recursively (following symbolic links, each folder once) for `.fit`, `.fit.gz` and
/// `.zip`; zips are read for the same, and for the zips inside them (Garmin Connect
/// account exports), one level deep. A Strava `activities.csv` is noted for the labels.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    let mut seen_dirs = std::collections::HashSet::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(source) => out.errors.push(InputError::Io {
                path: p.clone(),
                source,
            }),
            Ok(m) if m.is_dir() => walk(p, &mut out, &mut seen_dirs),
            Ok(m) => {
                let name = p.to_string_lossy();
                if is_zip_name(&name) {
                    add_zip(p, &mut out);
                } else if is_activity_csv(&name) {
                    out.activity_csvs.push(InputFile {
                        location: Location::File(p.clone()),
                        gz: false,
                        stored_bytes: m.len(),
                    });
                } else {
                    out.files.push(InputFile {
                        location: Location::File(p.clone()),
                        gz: name.to_ascii_lowercase().ends_with(".gz"),
                        stored_bytes: m.len(),
                    });
                }
            }
        }
    }
    // By name, whatever the kind of location, so that an activity found in several
    // exports is known by the name that sorts first.
    out.files
        .sort_by_cached_key(|f| (f.name(), f.location.clone()));
    out.files.dedup();
    out.activity_csvs.sort();
    out.activity_csvs.dedup();
    out
}

fn walk(dir: &Path, out: &mut Inputs, seen_dirs: &mut std::collections::HashSet<PathBuf>) {
    // A folder reached twice (a symbolic link to a parent, two links to one folder) is
    // walked once.
    let id = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen_dirs.insert(id) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(source) => {
            out.errors.push(InputError::Io {
                path: dir.to_path_buf(),
                source,
            });
            return;
        }
    };
    let mut paths: Vec<(PathBuf, std::fs::FileType)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, ty) in paths {
        // A symbolic link counts as what it points to (a dangling link: as a file, which
        // then fails to open with its name).
        let is_dir =
            ty.is_dir() || (ty.is_symlink() && std::fs::metadata(&p).is_ok_and(|m| m.is_dir()));
        if is_dir {
            walk(&p, out, seen_dirs);
            continue;
        }
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if let Some(gz) = is_fit_name(&name) {
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.files.push(InputFile {
                location: Location::File(p),
                gz,
                stored_bytes: size,
            });
        } else if is_zip_name(&name) {
            add_zip(&p, out);
        } else if is_activity_csv(&name) {
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.activity_csvs.push(InputFile {
                location: Location::File(p),
                gz: false,
                stored_bytes: size,
            });
        } else {
            out.skip(&name);
        }
    }
}

fn add_zip(path: &Path, out: &mut Inputs) {
    let zerr = |message: String| InputError::Zip {
        path: path.to_path_buf(),
        message,
    };
    let archive = File::open(path)
        .map_err(|e| zerr(e.to_string()))
        .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zerr(e.to_string())));
    let mut archive = match archive {
        Ok(a) => a,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(index) else {
            out.skip("unreadable zip entry");
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let compressed = entry.compressed_size();
        drop(entry);
        let location = Location::ZipEntry {
            zip: path.to_path_buf(),
            index,
            entry: name.clone(),
        };
        match is_fit_name(&name) {
            Some(gz) => out.files.push(InputFile {
                location,
                gz,
                stored_bytes: compressed,
            }),
            None if is_zip_name(&name) => add_nested_zip(path, &mut archive, index, &name, out),
            None if is_activity_csv(&name) => out.activity_csvs.push(InputFile {
                location,
                gz: false,
                stored_bytes: compressed,
            }),
            None => out.skip(&name),
        }
    }
}

/// Lists the FIT files of the zip at entry `outer_index` of the archive at `path`.
fn add_nested_zip<R: Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
    outer_index: usize,
    outer_entry: &str,
    out: &mut Inputs,
) {
    let mut inner = match open_nested(path, archive, outer_index) {
        Ok(a) => a,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    for index in 0..inner.len() {
        let Ok(entry) = inner.by_index_raw(index) else {
            out.skip("unreadable zip entry");
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        match is_fit_name(&name) {
            Some(gz) => out.files.push(InputFile {
                location: Location::NestedZipEntry {
                    zip: path.to_path_buf(),
                    outer_index,
                    outer_entry: outer_entry.to_string(),
                    index,
                    entry: name,
                },
                gz,
                stored_bytes: entry.compressed_size(),
            }),
            // MAX_ZIP_DEPTH: a third level is not opened.
            None if is_zip_name(&name) => {
                out.skipped += 1;
                *out.skipped_kinds
                    .entry("zip nested too deep".to_string())
                    .or_default() += 1;
            }
            None => out.skip(&name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognised_case_insensitively() {
        assert_eq!(is_fit_name("a.FIT"), Some(false));
        assert_eq!(is_fit_name("a.fit.gz"), Some(true));
        assert_eq!(is_fit_name("a.gpx"), None);
        assert!(is_zip_name("export.ZIP"));
    }
}
