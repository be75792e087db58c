//! A fixed amount of decoding work for instruction-counting profilers.
//!
//! `profile_decode FILE N [crc|skip|crc16|sum]` decodes FILE N times (default `crc`: with
//! the CRC check). Under `valgrind --tool=callgrind`, the instruction count of N runs minus
//! that of 0 runs, divided by N × the file's size, is the decoder's instructions per byte:
//! reproducible to the instruction, unlike wall-clock time on a shared machine.
//! See `BENCHMARKS.md` for the commands and the numbers.

use std::hint::black_box;
use std::process::ExitCode;

use hrzones::fit::{crc, decode, DecodeOptions};

/// Adds up every byte: the cheapest full read of the input, the memory-bandwidth
/// ceiling. Summed in 16-bit lanes per 256-byte block (256 × 255 < 2^16, no overflow) so
/// the compiler vectorises it; a plain `u64` sum runs scalar at ~2.4 instructions/byte.
fn sum_bytes(b: &[u8]) -> u64 {
    b.chunks(256)
        .map(|blk| blk.iter().fold(0u16, |a, &x| a.wrapping_add(x as u16)) as u64)
        .sum()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u32>().ok()))
    else {
        eprintln!("usage: profile_decode FILE N [crc|skip|crc16|sum]");
        return ExitCode::from(2);
    };
    let mode = args.get(3).map_or("crc", String::as_str);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("profile_decode: could not read {path}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut check = 0u64;
    for _ in 0..n {
        let b = black_box(&bytes[..]);
        check = check.wrapping_add(match mode {
            "crc" | "skip" => {
                let opts = DecodeOptions {
                    skip_crc: mode == "skip",
                };
                decode(b, opts).map_or(0, |d| d.records.len() as u64)
            }
            "crc16" => crc::crc16(b) as u64,
            "sum" => sum_bytes(b),
            other => {
                eprintln!("profile_decode: unknown mode {other}");
                return ExitCode::from(2);
            }
        });
    }
    println!("{} bytes x {n} runs ({mode}); check {check}", bytes.len());
    ExitCode::SUCCESS
}
