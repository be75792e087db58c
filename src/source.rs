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

/// Largest zip archive inside a zip archive, decompressed, bytes. An inner archive is read
/// into memory (a zip is indexed from its end, so it cannot be streamed); Garmin splits
/// its uploaded files into parts well below this.
pub const MAX_NESTED_ZIP_BYTES: u64 = 2 << 30;

/// Zip archives are opened this many levels deep: an export zip and the zips inside it.
/// A zip inside those is counted as an other file, not opened (a zip "quine" or a deep
/// nest cannot multiply the work).
pub const MAX_ZIP_DEPTH: usize = 2;

/// With `HRZONES_MMAP=1`, plain files at least this large are memory-mapped by
/// [`InputFile::read_mapped_in`]; smaller ones are always read (a mapping costs a few
/// system calls and page faults, which a copy of a few KB undercuts). See [`InputBytes`].
pub const MAP_MIN_BYTES: u64 = 64 << 10;

/// True when the environment variable `HRZONES_MMAP` is set to `1`: files of
/// [`MAP_MIN_BYTES`] or more are then mapped rather than read (see [`InputBytes`]).
fn mapping_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| std::env::var_os("HRZONES_MMAP").is_some_and(|v| v == "1"))
}

/// The bytes of one input: read into memory, or a plain file mapped into memory.
///
/// Files are read by default; `HRZONES_MMAP=1` maps those of [`MAP_MIN_BYTES`] or more.
///
/// Why mapping is not the default (issue 14 asked for it; BENCHMARKS.md "Decoder
/// throughput: the cold path"): mapping lets the decoder read the page cache in place,
/// with no copy, but on the benchmark machine (a 2-core Firecracker VM) the page faults
/// of a mapping cost more than the copy they save: `zones DIR` on one thread took 8 %
/// more CPU with mapping than with reading, and mapping + summing the archive's bytes 10
/// to 15 % more than reading + summing them. And a mapping has a risk a read has not: a
/// mapped file that another program truncates while it is mapped makes the next read of
/// a page past the new end fault (SIGBUS), which kills the process, so a batch would stop
/// on a file being rewritten. std has no signal handling to turn that fault into an
/// error, and no new crate was to be added for it. So mapping is an opt-in for machines
/// where it measures faster: files are mapped read-only and privately, one at a time per
/// thread, only for as long as one file takes to decode (the decoder reads each byte
/// once, front to back), and small files never.
#[derive(Debug)]
pub enum InputBytes {
    /// Read (and decompressed) into memory.
    Read(Vec<u8>),
    /// A plain file mapped into memory.
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for InputBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            InputBytes::Read(v) => v,
            InputBytes::Mapped(m) => m,
        }
    }
}

impl AsRef<[u8]> for InputBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

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
    /// A display name: the path, or `archive.zip:entry`. Distinct paths give distinct
    /// names, even when not UTF-8 (see [`path_text`]): the store keys files by it.
    pub fn name(&self) -> String {
        match &self.location {
            Location::File(p) => path_text(p),
            Location::ZipEntry { zip, entry, .. } => format!("{}:{}", path_text(zip), entry),
            Location::NestedZipEntry {
                zip,
                outer_entry,
                entry,
                ..
            } => format!("{}:{}:{}", path_text(zip), outer_entry, entry),
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
                let f = crate::fsutil::open_regular(p).map_err(|source| InputError::Io {
                    path: p.clone(),
                    source,
                })?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                if self.gz {
                    let hint = gzip_size_hint(&f, len);
                    self.gunzip(BufReader::new(f), hint)
                } else {
                    self.read_plain(f, len, p)
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

    /// A plain file's bytes, `len` long by `fstat` (a limit, not a promise: the file may
    /// change under us).
    fn read_plain(&self, f: File, len: u64, p: &Path) -> Result<Vec<u8>, InputError> {
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
                path: p.to_path_buf(),
                source,
            })?;
        Ok(buf)
    }

    /// The bytes like [`InputFile::read_in`], with plain `.fit` files of at least
    /// [`MAP_MIN_BYTES`] memory-mapped rather than copied (see [`InputBytes`]).
    pub fn read_mapped_in(&self, archives: &ZipArchives) -> Result<InputBytes, InputError> {
        self.read_bytes(archives, mapping_allowed())
    }

    /// [`InputFile::read_mapped_in`], mapping large plain files when `map` is true.
    fn read_bytes(&self, archives: &ZipArchives, map: bool) -> Result<InputBytes, InputError> {
        let Location::File(p) = &self.location else {
            return self.read_in(archives).map(InputBytes::Read);
        };
        if self.gz {
            return self.read().map(InputBytes::Read);
        }
        let f = crate::fsutil::open_regular(p).map_err(|source| InputError::Io {
            path: p.clone(),
            source,
        })?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if map && (MAP_MIN_BYTES..=MAX_FILE_BYTES).contains(&len) {
            // SAFETY: see `InputBytes`: an opt-in whose truncation risk is documented there;
            // the mapping is read-only and private and lives only while this one file is
            // decoded. A failed mapping (a file system without mmap) falls back to reading.
            if let Ok(map) = unsafe { memmap2::MmapOptions::new().len(len as usize).map(&f) } {
                return Ok(InputBytes::Mapped(map));
            }
        }
        self.read_plain(f, len, p).map(InputBytes::Read)
    }

    /// [`InputFile::read_mapped_in`] without pre-opened zip archives.
    pub fn read_mapped(&self) -> Result<InputBytes, InputError> {
        self.read_mapped_in(&ZipArchives::default())
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
    /// The skipped files by kind (lower-case extension, "no extension", "zip nested too
    /// deep"), so that "nothing found" can say what was there.
    pub skipped_kinds: std::collections::BTreeMap<String, usize>,
    /// Strava bulk exports' `activities.csv` files found in the inputs (in a folder or a
    /// zip), read by the labelling for activity names and descriptions.
    pub activity_csvs: Vec<InputFile>,
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
            Ok(m) if !m.is_file() => out.skip_special(p, &m.file_type()),
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
    fn large_plain_files_are_mapped_small_ones_read_with_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let input = |name: &str, gz: bool| InputFile {
            location: Location::File(dir.path().join(name)),
            gz,
            stored_bytes: 0,
        };
        let big: Vec<u8> = (0..MAP_MIN_BYTES as u32 + 1000)
            .map(|i| (i % 253) as u8)
            .collect();
        std::fs::write(dir.path().join("big.fit"), &big).unwrap();
        std::fs::write(dir.path().join("small.fit"), &big[..500]).unwrap();
        std::fs::write(dir.path().join("empty.fit"), b"").unwrap();
        let none = ZipArchives::default();
        let mapped = input("big.fit", false).read_bytes(&none, true).unwrap();
        assert!(matches!(mapped, InputBytes::Mapped(_)));
        assert_eq!(&mapped[..], &big[..]);
        let read = input("big.fit", false).read_bytes(&none, false).unwrap();
        assert!(matches!(read, InputBytes::Read(_)));
        assert_eq!(&read[..], &big[..]);
        let default = input("big.fit", false).read_mapped().unwrap();
        assert_eq!(matches!(default, InputBytes::Mapped(_)), mapping_allowed());
        let small = input("small.fit", false).read_bytes(&none, true).unwrap();
        assert!(matches!(small, InputBytes::Read(_)));
        assert_eq!(&small[..], &big[..500]);
        assert!(input("empty.fit", false)
            .read_bytes(&none, true)
            .unwrap()
            .is_empty());
        // gzip is read and decompressed, never mapped.
        {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&big).unwrap();
            std::fs::write(dir.path().join("big.fit.gz"), gz.finish().unwrap()).unwrap();
        }
        let unzipped = input("big.fit.gz", true).read_bytes(&none, true).unwrap();
        assert!(matches!(unzipped, InputBytes::Read(_)));
        assert_eq!(&unzipped[..], &big[..]);
        // A missing file is the same error as without mapping.
        let err = input("missing.fit", false).read_mapped().unwrap_err();
        assert!(err.to_string().contains("missing.fit"), "{err}");
    }

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
