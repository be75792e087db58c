//! Same-run decoder throughput without criterion: `cargo run --example decode_speed FILE...`.
//!
//! For each file, the median over repeated runs of: a bare sum of the bytes (the memory
//! ceiling), the CRC alone, our decoder with and without the CRC, decode + Activity + time
//! in zone, and the fitparser crate. Prints MB/s and the ratio of each to our decoder.
//! In the dev profile hrzones, fitparser and nom are built at opt-level 2 (Cargo.toml), so
//! the comparison is like for like; `cargo bench --bench decode` is the criterion version.

use std::hint::black_box;
use std::time::Instant;

use hrzones::activity::Activity;
use hrzones::fit::{crc, decode, DecodeOptions};
use hrzones::zones::{self, TimeInZoneOptions, Zones, DEFAULT_PCT_FLOORS};

fn median_s(runs: usize, mut f: impl FnMut() -> u64) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let zones = Zones::hrmax(190, &DEFAULT_PCT_FLOORS, "bench").expect("valid floors");
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        let mb = bytes.len() as f64 / 1e6;
        let runs = ((20.0 / mb) as usize).clamp(5, 400);
        let b = &bytes[..];
        let sum = median_s(runs, || b.iter().map(|&x| x as u64).sum());
        let crc16 = median_s(runs, || crc::crc16(black_box(b)) as u64);
        let ours = median_s(runs, || {
            decode(black_box(b), DecodeOptions::default()).map_or(0, |d| d.records.len() as u64)
        });
        let skip = median_s(runs, || {
            decode(black_box(b), DecodeOptions { skip_crc: true })
                .map_or(0, |d| d.records.len() as u64)
        });
        let full = median_s(runs, || {
            let Ok(d) = decode(black_box(b), DecodeOptions::default()) else {
                return 0;
            };
            let a = Activity::from_fit(d, "bench");
            let mut total = 0.0;
            for s in &a.sessions {
                let w = zones::session_weights(&a, s, TimeInZoneOptions::default());
                total += zones::time_in_zones(&a.samples.hr_bpm[s.samples.clone()], &w, &zones)[1];
            }
            total as u64
        });
        let fp_runs = (runs / 20).max(3);
        let fitparser = median_s(fp_runs, || {
            std::panic::catch_unwind(|| {
                fitparser::from_bytes(black_box(b)).map_or(0, |v| v.len() as u64)
            })
            .unwrap_or(0)
        });
        println!(
            "{path} ({:.3} MB, median of {runs} runs; fitparser {fp_runs})",
            mb
        );
        for (name, t) in [
            ("sum of bytes (ceiling)", sum),
            ("crc16", crc16),
            ("decode with CRC", ours),
            ("decode, CRC skipped", skip),
            ("decode + activity + zones", full),
            ("fitparser::from_bytes", fitparser),
        ] {
            println!(
                "  {name:<28} {:>9.1} MB/s   {:>8.2}x decode time",
                mb / t,
                t / ours
            );
        }
    }
}
