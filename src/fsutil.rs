//! Opening files a user points at without trusting what they are: only regular files are
//! read (a FIFO named `x.fit` would block `open()` forever, a device would be read until
//! memory runs out), and every whole-file read has a size limit.
//!
//! What it must not do: follow the user's data into anything but a regular file, or read
//! more than the caller's limit.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// What a file system object is, in words, for messages (`a FIFO`, `a character device`).
pub fn kind_of(ty: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    if ty.is_dir() {
        "a folder"
    } else if ty.is_symlink() {
        "a symbolic link"
    } else if ty.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The error for a path that is not a regular file.
pub fn not_regular(ty: &std::fs::FileType) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("not a regular file ({}); skipped", kind_of(ty)),
    )
}

/// Opens `path` for reading only if it is a regular file (symlinks to one are fine).
///
/// On Unix the open itself does not block (`O_NONBLOCK`: opening a FIFO with no writer
/// returns at once), and the check is on the opened file (`fstat`), so nothing can swap the
/// file between check and read. `O_NONBLOCK` has no effect on reads of regular files.
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let f = options.open(path)?;
    let ty = f.metadata()?.file_type();
    if !ty.is_file() {
        return Err(not_regular(&ty));
    }
    Ok(f)
}

/// Reads a whole regular file of at most `limit` bytes (larger: an `InvalidData` error
/// naming the limit; nothing beyond `limit + 1` bytes is read).
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let f = open_regular(path)?;
    let len = f.metadata()?.len();
    let too_big = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} (the limit for this file)",
                human_bytes(limit)
            ),
        )
    };
    if len > limit {
        return Err(too_big());
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(buf)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text_capped(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_capped(path, limit)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Reads from `r` into a vector, at most `limit + 1` bytes, growing the vector by
/// doubling but never past `limit + 1` (`read_to_end` may double a 64 MiB buffer to
/// 128 MiB for the last byte). `hint` pre-sizes it (clamped to the limit).
pub fn read_to_end_capped(mut r: impl Read, limit: u64, hint: u64) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let mut buf: Vec<u8> = Vec::with_capacity(usize::try_from(hint).unwrap_or(0).min(cap));
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            if buf.len() >= cap {
                return Ok(buf);
            }
            let grow = buf.len().max(64 << 10).min(cap - buf.len());
            // Exact: `resize` alone would round the capacity up to a power of two.
            buf.reserve_exact(grow);
            buf.resize(buf.len() + grow, 0);
        }
        match r.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(buf);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// `64 MiB`, `1 MiB`, `512 KiB`.
pub fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reads_stop_at_the_limit() {
        let data = vec![7u8; 1000];
        assert_eq!(read_to_end_capped(&data[..], 2000, 0).unwrap().len(), 1000);
        assert_eq!(read_to_end_capped(&data[..], 1000, 10).unwrap().len(), 1000);
        // One byte over the limit is read, so the caller can tell "too large".
        let v = read_to_end_capped(&data[..], 999, 5000).unwrap();
        assert_eq!(v.len(), 1000);
        assert!(v.capacity() <= 1000, "never grown past limit + 1");
        let v = read_to_end_capped(&data[..], 10, 0).unwrap();
        assert_eq!(v, vec![7u8; 11]);
    }

    #[test]
    fn files_over_the_limit_and_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.toml");
        std::fs::write(&p, "x".repeat(100)).unwrap();
        assert_eq!(read_capped(&p, 100).unwrap().len(), 100);
        let e = read_capped(&p, 99).unwrap_err();
        assert!(e.to_string().contains("larger than 99 bytes"), "{e}");
        let e = read_capped(dir.path(), 100).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_refused_without_reading() {
        let e = read_capped(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
    }

    #[test]
    fn byte_counts_read_as_units() {
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(512 << 10), "512 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
