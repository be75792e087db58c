//! The read ceiling of the archive benchmark: `read_speed DIR [read|mmap|input]`.
//!
//! Reads every `.fit` file under DIR (recursively, sorted, one thread) and adds up its
//! bytes: the least work any decoder of those files has to do, to set beside `hrzones
//! zones DIR` on one thread under the same CPU-time measurement (`scripts/bench_cold.sh`).
//!
//! - `read` (default): `std::fs::read` into a new buffer per file, the way hrzones read
//!   files before issue 14 (the kernel copies the bytes out of the page cache).
//! - `mmap`: each file memory-mapped, no copy (what `hrzones` does for files of 64 KiB
//!   or more with `HRZONES_MMAP=1`).
//! - `input`: through `hrzones::source::InputFile::read_mapped`, hrzones' own read path.
//!
//! Prints one line: files, bytes, the sum (so the work cannot be optimised away).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hrzones::source::{InputFile, Location};

/// Adds up every byte, in 16-bit lanes per 256-byte block (256 × 255 < 2^16, no overflow)
/// so the compiler vectorises it (as `examples/profile_decode.rs`).
fn sum_bytes(b: &[u8]) -> u64 {
    b.chunks(256)
        .map(|blk| blk.iter().fold(0u16, |a, &x| a.wrapping_add(x as u16)) as u64)
        .sum()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fit")) {
            out.push(p);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: read_speed DIR [read|mmap|input]");
        return ExitCode::from(2);
    };
    let mode = args.get(1).map_or("read", String::as_str);
    let mut paths = Vec::new();
    if let Err(e) = walk(Path::new(dir), &mut paths) {
        eprintln!("read_speed: {dir}: {e}");
        return ExitCode::from(2);
    }
    paths.sort();
    let (mut bytes, mut sum) = (0u64, 0u64);
    let mut buf = Vec::new();
    for p in &paths {
        let n = match mode {
            "read" => std::fs::read(p).map(|b| (b.len(), sum_bytes(&b))),
            "reuse" => std::fs::File::open(p).and_then(|mut f| {
                use std::io::Read;
                buf.clear();
                f.read_to_end(&mut buf)?;
                Ok((buf.len(), sum_bytes(&buf)))
            }),
            "mmap" => std::fs::File::open(p).and_then(|f| {
                // SAFETY: a benchmark over files nothing else writes while it runs.
                let m = unsafe { memmap2::Mmap::map(&f) }?;
                Ok((m.len(), sum_bytes(&m)))
            }),
            "input" => {
                let input = InputFile {
                    location: Location::File(p.clone()),
                    gz: false,
                    stored_bytes: 0,
                };
                input
                    .read_mapped()
                    .map(|b| (b.len(), sum_bytes(&b)))
                    .map_err(std::io::Error::other)
            }
            other => {
                eprintln!("read_speed: unknown mode {other:?} (read, mmap, input)");
                return ExitCode::from(2);
            }
        };
        match n {
            Ok((len, s)) => {
                bytes += len as u64;
                sum = sum.wrapping_add(s);
            }
            Err(e) => eprintln!("read_speed: {}: {e}", p.display()),
        }
    }
    println!("{} files, {bytes} bytes, sum {sum} ({mode})", paths.len());
    ExitCode::SUCCESS
}
