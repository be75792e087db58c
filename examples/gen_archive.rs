//! Generates a realistic multi-year archive by replaying real activity files with shifted
//! timestamps (see `hrzones::archive_gen`).
//!
//! ```text
//! cargo run --release --example gen_archive -- --out /tmp/archive \
//!     [--corpus ../shared/fit-corpus] [--years 10] [--per-week 6] [--seed 1] \
//!     [--layout fit|gz|zip|mixed] [--max-seed-bytes 1500000]
//! ```
//! Prints one line: activities, MB of FIT data, files on disk.

use std::path::PathBuf;
use std::process::ExitCode;

use hrzones::archive_gen::{self, ArchiveSpec, Layout};

fn main() -> ExitCode {
    let mut spec = ArchiveSpec::default();
    let mut out: Option<PathBuf> = None;
    let mut corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fit-corpus"));
    let mut max_seed_bytes: u64 = 1_500_000;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let num = |v: &str| v.parse::<u64>().ok();
        match args[i].as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--corpus" => corpus = PathBuf::from(value),
            "--years" => spec.years = num(&value).unwrap_or(10) as u32,
            "--per-week" => spec.per_week = num(&value).unwrap_or(6) as u32,
            "--seed" => spec.seed = num(&value).unwrap_or(1),
            "--first-year" => spec.first_year = num(&value).unwrap_or(2015) as i32,
            "--max-seed-bytes" => max_seed_bytes = num(&value).unwrap_or(max_seed_bytes),
            "--layout" => {
                spec.layout = match value.as_str() {
                    "fit" => Layout::Fit,
                    "gz" => Layout::Gz,
                    "zip" => Layout::Zip,
                    "mixed" => Layout::Mixed,
                    other => {
                        eprintln!("gen_archive: unknown layout {other:?} (fit, gz, zip, mixed)");
                        return ExitCode::from(2);
                    }
                }
            }
            other => {
                eprintln!("gen_archive: unknown argument {other:?}");
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    let Some(out) = out else {
        eprintln!("gen_archive: --out DIR is required");
        return ExitCode::from(2);
    };
    let seeds = match archive_gen::seeds_from_dir(&corpus, max_seed_bytes) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            eprintln!("gen_archive: no replayable files in {}", corpus.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("gen_archive: could not read {}: {e}", corpus.display());
            return ExitCode::from(2);
        }
    };
    match archive_gen::generate(&spec, &seeds, &out) {
        Ok(stats) => {
            println!(
                "{} activities from {} seed files, {:.1} MB of FIT data, {} files on disk in {}",
                stats.activities,
                seeds.len(),
                stats.fit_bytes as f64 / 1e6,
                stats.files_on_disk,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_archive: {e}");
            ExitCode::from(1)
        }
    }
}
