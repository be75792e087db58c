//! Opening files a user points at without trusting what they are: only regular files are
//! read (a FIFO named `x.fit` would block `open()` forever, a device would be read until
//! memory runs out), and every whole-file read has a size limit.
//!
//! What it must not do: follow the user's data into anything but a regular file, or read
//! more than the caller's limit.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

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

/// `p` made absolute with symlinks resolved as far as it exists, and `.`/`..` in the part
/// that does not exist yet applied lexically (`out/nothere/../../in` is `in`:
/// `create_dir_all` walks it that way; it was a way to write into an input folder).
pub fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(c) = existing.canonicalize() {
            break c;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break abs.clone(),
        }
    };
    let joined = rest.iter().rev().fold(base, |acc, part| acc.join(part));
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The input an output folder would write into: an input folder that is `out` or holds
/// it, or an input file whose folder is `out`. Inputs that do not exist are skipped (the
/// pipeline reports them). An output folder must never be one of these: hrzones never
/// writes into the user's archive.
pub fn input_holding<'a>(out: &Path, inputs: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let out_r = resolved(out);
    inputs.iter().find(|input| {
        let Ok(inp) = input.canonicalize() else {
            return false;
        };
        if inp.is_dir() {
            out_r.starts_with(&inp)
        } else {
            inp.parent().is_some_and(|p| out_r == p)
        }
    })
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
    fn an_output_folder_inside_an_input_is_found_through_dot_dot_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let inp = dir.path().join("in");
        std::fs::create_dir(&inp).unwrap();
        let file = inp.join("run.fit");
        std::fs::write(&file, b"x").unwrap();
        let inputs = [inp.clone()];
        assert_eq!(input_holding(&inp.join("charts"), &inputs), Some(&inp));
        // Through a folder that does not exist yet and back up: still the input.
        let sneaky = dir.path().join("out/nothere/../../in/x");
        assert_eq!(input_holding(&sneaky, &inputs), Some(&inp));
        assert_eq!(input_holding(&dir.path().join("out"), &inputs), None);
        // A symlink to the input folder is the input folder.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&inp, &link).unwrap();
        assert_eq!(input_holding(&link.join("c"), &inputs), Some(&inp));
        // An input file: its own folder is refused, a sibling folder is not.
        let files = [file.clone()];
        assert_eq!(input_holding(&inp, &files), Some(&file));
        assert_eq!(input_holding(&inp.join("sub"), &files), None);
    }

    #[test]
    fn byte_counts_read_as_units() {
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(512 << 10), "512 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
