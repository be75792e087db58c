//! Finding and reading input files: plain `.fit` files, gzip-compressed `.fit.gz` (Strava
//! bulk exports) and `.zip` archives (Garmin Connect and Strava exports), read in memory
//! without unpacking to disk.
//!
//! It never writes anything, and never trusts a size read from an archive: decompression
//! stops at [`MAX_FILE_BYTES`], and the buffer never grows past it. Only regular files are
//! opened ([`crate::fsutil::open_regular`]): FIFOs, devices and sockets met in a folder or
//! named on the command line are skipped with a note.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Largest decompressed input accepted, bytes: 64 MiB. The largest files of both corpora
/// are under 5 MB, and a record a second for a week with every sensor is about 25 MB;
/// this stops a zip or gzip bomb from exhausting memory, and bounds the decompression
/// buffer of each thread (it was 256 MiB, grown by doubling: ~274 MB per thread).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

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
    /// A display name: the path, or `archive.zip:entry`. Distinct paths give distinct
    /// names, even when not UTF-8 (see [`path_text`]): the store keys files by it.
    pub fn name(&self) -> String {
        match &self.location {
            Location::File(p) => path_text(p),
            Location::ZipEntry { zip, entry, .. } => format!("{}:{}", path_text(zip), entry),
        }
    }

    /// The file's own name without folders and compression suffix (for labels and charts).
    pub fn file_name(&self) -> String {
        let full = match &self.location {
            Location::File(p) => p
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            Location::ZipEntry { entry, .. } => {
                entry.rsplit('/').next().unwrap_or(entry).to_string()
            }
        };
        full.strip_suffix(".gz").map(str::to_string).unwrap_or(full)
    }

    /// Reads (and decompresses) the bytes.
    pub fn read(&self) -> Result<Vec<u8>, InputError> {
        match &self.location {
            Location::File(p) => {
                let f = crate::fsutil::open_regular(p).map_err(|source| InputError::Io {
                    path: p.clone(),
                    source,
                })?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                if self.gz {
                    let hint = gzip_size_hint(&f, len);
                    self.gunzip(BufReader::new(f), hint)
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
            Location::File(_) => self.read(),
        }
    }

    fn read_entry(&self, archive: &mut OpenZip) -> Result<Vec<u8>, InputError> {
        let Location::ZipEntry { zip, index, .. } = &self.location else {
            return self.read();
        };
        let entry = archive.by_index(*index).map_err(|e| InputError::Zip {
            path: zip.clone(),
            message: e.to_string(),
        })?;
        if self.gz {
            self.gunzip(entry, 0)
        } else {
            let hint = entry.size();
            self.read_limited(entry, hint)
        }
    }

    fn gunzip(&self, r: impl Read, hint: u64) -> Result<Vec<u8>, InputError> {
        // A gzip stream cut short (an interrupted download) still holds the start of the
        // FIT file: keep what decompressed, and let the decoder salvage it and report the
        // truncation, as for a truncated `.fit` (it used to lose the whole file).
        let mut cut = TruncationTolerant {
            inner: flate2::read::MultiGzDecoder::new(r),
            delivered: false,
        };
        let buf = crate::fsutil::read_to_end_capped(&mut cut, MAX_FILE_BYTES, hint).map_err(
            |source| InputError::Gzip {
                name: self.name(),
                source,
            },
        )?;
        self.check_len(buf)
    }

    fn read_limited(&self, r: impl Read, hint: u64) -> Result<Vec<u8>, InputError> {
        let buf = crate::fsutil::read_to_end_capped(r, MAX_FILE_BYTES, hint).map_err(|e| {
            InputError::Zip {
                path: PathBuf::from(self.name()),
                message: e.to_string(),
            }
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

/// Ends a stream at an unexpected end of input once some bytes came out, instead of
/// failing: the bytes before the cut are kept. Other errors (bad gzip data) still fail.
struct TruncationTolerant<R> {
    inner: R,
    delivered: bool,
}

impl<R: Read> Read for TruncationTolerant<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.delivered |= n > 0;
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && self.delivered => Ok(0),
            Err(e) => Err(e),
        }
    }
}

/// The uncompressed size a gzip file declares in its last four bytes (ISIZE, RFC 1952;
/// modulo 2^32, and only a hint: a crafted file can say anything), to size the buffer.
fn gzip_size_hint(f: &File, len: u64) -> u64 {
    let mut tail = [0u8; 4];
    #[cfg(unix)]
    let ok = len >= 4 && std::os::unix::fs::FileExt::read_exact_at(f, &mut tail, len - 4).is_ok();
    #[cfg(not(unix))]
    let ok = {
        let _ = (f, len);
        false
    };
    if ok {
        u32::from_le_bytes(tail) as u64
    } else {
        0
    }
}

impl SharedFile {
    fn open(path: &Path) -> std::io::Result<SharedFile> {
        let file = crate::fsutil::open_regular(path)?;
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
}

impl ZipArchives {
    /// Opens every archive that `inputs` has entries in.
    pub fn open(inputs: &[InputFile]) -> ZipArchives {
        let mut map = std::collections::HashMap::new();
        for i in inputs {
            if let Location::ZipEntry { zip, .. } = &i.location {
                if !map.contains_key(zip) {
                    let opened = open_zip(zip).map_err(|e| match e {
                        InputError::Zip { message, .. } => message,
                        other => other.to_string(),
                    });
                    map.insert(zip.clone(), opened);
                }
            }
        }
        ZipArchives { map }
    }

    /// The opened archive at `path` (an error message when it could not be opened), or
    /// None when it was not among the inputs.
    pub fn get(&self, path: &Path) -> Option<Result<&OpenZip, &String>> {
        self.map.get(path).map(|r| r.as_ref())
    }

    /// `(uncompressed size, CRC-32)` of an entry, from the central directory (no data read).
    pub fn entry_stamp(&self, input: &InputFile) -> Option<(u64, u32)> {
        let Location::ZipEntry { zip, index, .. } = &input.location else {
            return None;
        };
        let mut archive = self.map.get(zip)?.as_ref().ok()?.clone();
        let entry = archive.by_index_raw(*index).ok()?;
        Some((entry.size(), entry.crc32()))
    }
}

/// A path as text without losing information: valid UTF-8 as it is; on Unix, a byte
/// that is not part of valid UTF-8 is written `\xNN` (Latin-1 `R\xe9cup.fit`), where
/// `Path::display` would turn `Récup.fit` and `Rècup.fit` (Latin-1) both into `R�cup.fit`,
/// and the store would then take two files for one (issue 17).
pub fn path_text(p: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = p.as_os_str().as_bytes();
        if let Ok(s) = std::str::from_utf8(bytes) {
            return s.to_string();
        }
        let mut out = String::with_capacity(bytes.len() + 8);
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        p.display().to_string()
    }
}

/// The number of entries a zip's end-of-central-directory record declares (APPNOTE
/// 4.3.16; None for Zip64 archives, whose count lives elsewhere, or when not found).
fn declared_entries(path: &Path) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let mut f = crate::fsutil::open_regular(path).ok()?;
    let len = f.metadata().ok()?.len();
    // The record is 22 bytes plus a comment of at most 65,535.
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    f.take(tail_len).read_to_end(&mut tail).ok()?;
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let total = u16::from_le_bytes([*tail.get(at + 10)?, *tail.get(at + 11)?]);
    (total != 0xFFFF).then_some(total as u64)
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Inputs {
    /// FIT inputs, sorted by name (stable order for reports and deduplication).
    pub files: Vec<InputFile>,
    /// Files that are not FIT, gzip'd FIT or zip (counted, not read).
    pub skipped: usize,
    /// Paths or archives that could not be read at all.
    pub errors: Vec<InputError>,
    /// Special files (FIFOs, devices, sockets) skipped: one line each for stderr. They
    /// are counted in `skipped` too; they are not failures.
    pub notes: Vec<String>,
}

impl Inputs {
    fn skip_special(&mut self, path: &Path, ty: &std::fs::FileType) {
        self.skipped += 1;
        self.notes.push(format!(
            "skipped {}: {}, not a regular file",
            path.display(),
            crate::fsutil::kind_of(ty)
        ));
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

/// Finds the inputs under `paths`: files named on the command line are taken as given
/// (whatever their name: the decoder will say if they are not FIT); folders are walked
/// recursively for `.fit`, `.fit.gz` and `.zip`.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for p in paths {
        match std::fs::metadata(p) {
            Err(source) => out.errors.push(InputError::Io {
                path: p.clone(),
                source,
            }),
            Ok(m) if m.is_dir() => walk(p, &mut out),
            Ok(m) if !m.is_file() => out.skip_special(p, &m.file_type()),
            Ok(m) => {
                let name = p.to_string_lossy();
                if is_zip_name(&name) {
                    add_zip(p, &mut out);
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
    out.files.sort();
    out.files.dedup();
    out
}

fn walk(dir: &Path, out: &mut Inputs) {
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
        if ty.is_dir() {
            walk(&p, out);
            continue;
        }
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let wanted = is_fit_name(&name).is_some() || is_zip_name(&name);
        if wanted && !ty.is_file() {
            // A symbolic link is followed; anything but a regular file is skipped.
            match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => {}
                Ok(m) => {
                    out.skip_special(&p, &m.file_type());
                    continue;
                }
                // A dangling link: reading it reports the error with the path.
                Err(_) => {}
            }
        }
        if let Some(gz) = is_fit_name(&name) {
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.files.push(InputFile {
                location: Location::File(p),
                gz,
                stored_bytes: size,
            });
        } else if is_zip_name(&name) {
            add_zip(&p, out);
        } else {
            out.skipped += 1;
        }
    }
}

fn add_zip(path: &Path, out: &mut Inputs) {
    let zerr = |message: String| InputError::Zip {
        path: path.to_path_buf(),
        message,
    };
    let archive = crate::fsutil::open_regular(path)
        .map_err(|e| zerr(e.to_string()))
        .and_then(|f| zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zerr(e.to_string())));
    let mut archive = match archive {
        Ok(a) => a,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    // The zip reader keys entries by name: of two entries with one name it keeps the
    // last, and the others would vanish without a word. Count them from the archive's
    // own end record and say so.
    if let Some(declared) = declared_entries(path) {
        let lost = declared.saturating_sub(archive.len() as u64);
        if lost > 0 {
            out.errors.push(zerr(format!(
                "{lost} of its {declared} entries have the same name as another entry and cannot be read (only the last of each name is)"
            )));
        }
    }
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(index) else {
            out.skipped += 1;
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        match is_fit_name(&name) {
            Some(gz) => out.files.push(InputFile {
                location: Location::ZipEntry {
                    zip: path.to_path_buf(),
                    index,
                    entry: name,
                },
                gz,
                stored_bytes: entry.compressed_size(),
            }),
            None => out.skipped += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_gzip_keeps_what_came_before_the_cut() {
        use std::io::Write;
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.fit.gz");
        std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
        let input = InputFile {
            location: Location::File(path.clone()),
            gz: true,
            stored_bytes: 0,
        };
        let got = input.read().unwrap();
        assert!(!got.is_empty() && got.len() < data.len());
        assert_eq!(got[..], data[..got.len()]);
        // Not gzip at all is still an error.
        std::fs::write(&path, b"not gzip data at all").unwrap();
        assert!(input.read().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let a = Path::new(std::ffi::OsStr::from_bytes(b"/in/R\xe9cup.fit"));
        let b = Path::new(std::ffi::OsStr::from_bytes(b"/in/R\xe8cup.fit"));
        assert_eq!(path_text(a), "/in/R\\xe9cup.fit");
        assert_ne!(path_text(a), path_text(b));
        assert_eq!(path_text(Path::new("/in/Récup.fit")), "/in/Récup.fit");
    }

    #[test]
    fn names_are_recognised_case_insensitively() {
        assert_eq!(is_fit_name("a.FIT"), Some(false));
        assert_eq!(is_fit_name("a.fit.gz"), Some(true));
        assert_eq!(is_fit_name("a.gpx"), None);
        assert!(is_zip_name("export.ZIP"));
    }
}
