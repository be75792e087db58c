//! Decoder throughput on real files, against the hardware ceiling and against fitparser.
//!
//! For each of three corpus files (3 MB multisport, ~330 KB run, ~58 KB run) criterion
//! reports bytes per second (`Throughput::Bytes`, the file's size) of:
//! - `sum_bytes`: read every byte once and add it up — the memory-bandwidth ceiling;
//! - `crc16`: the file CRC alone (folded with carry-less multiplication on x86-64), the
//!   floor under "decode with CRC";
//! - `decode_crc`: `fit::decode` with the CRC checked (the default);
//! - `decode_skip_crc`: `fit::decode` with `skip_crc`;
//! - `decode_activity_zones`: decode + `Activity::from_fit` + time in zone for every session;
//! - `fitparser`: `fitparser::from_bytes`, the second decoder.
//!
//! Run: `cargo bench --bench decode` (add `-- --measurement-time 3` for a quick run).
//! Needs `../shared/fit-corpus`; prints a message and measures nothing without it.
//! Numbers and the machine they came from: `BENCHMARKS.md`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hrzones::activity::Activity;
use hrzones::fit::{crc, decode, DecodeOptions};
use hrzones::zones::{session_weights, time_in_zones, TimeInZoneOptions, Zones};

/// (label, path under the corpus): the largest file, a typical Garmin run with running
/// dynamics, and a short run.
const FILES: [(&str, &str); 3] = [
    (
        "multisport_3.1MB",
        "GoldenCheetah+GoldenCheetah/test__rides__MultiSport-2019-11-24.fit",
    ),
    (
        "fr955_run_334KB",
        "GoldenCheetah+GoldenCheetah/test__roundtrip__Fr955v19.28andStryd.fit",
    ),
    (
        "fr645_run_58KB",
        "fgebhart+workoutizer/tests__data__example.fit",
    ),
];

/// Adds up every byte: the cheapest full read of the input, the memory-bandwidth
/// ceiling. Summed in 16-bit lanes per 256-byte block (256 × 255 < 2^16, no overflow) so
/// the compiler vectorises it; a plain `u64` sum runs scalar at ~2.4 instructions/byte.
fn sum_bytes(b: &[u8]) -> u64 {
    b.chunks(256)
        .map(|blk| blk.iter().fold(0u16, |a, &x| a.wrapping_add(x as u16)) as u64)
        .sum()
}

fn zones_pipeline(bytes: &[u8], zones: &Zones) -> f64 {
    let Ok(fit) = decode(bytes, DecodeOptions::default()) else {
        return 0.0;
    };
    let a = Activity::from_fit(fit, "bench");
    let mut total_s = 0.0;
    for s in &a.sessions {
        let w = session_weights(&a, s, TimeInZoneOptions::default());
        let hr = &a.samples.hr_bpm[s.samples.clone()];
        total_s += time_in_zones(hr, &w, zones).iter().sum::<f64>();
    }
    total_s
}

fn decode_benches(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
    if !dir.is_dir() {
        eprintln!(
            "skipping decode benches: FIT corpus not found at {}",
            dir.display()
        );
        return;
    }
    // % of max HR 190, five zones (the shape of Garmin's default %HRmax zones).
    let zones = Zones::hrmax(190, &[0.5, 0.6, 0.7, 0.8, 0.9], "bench").expect("valid zones");
    for (label, rel) in FILES {
        let path = dir.join(rel);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("skipping {label}: {}: {e}", path.display());
                continue;
            }
        };
        let mut g = c.benchmark_group(label);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("sum_bytes", |b| b.iter(|| sum_bytes(black_box(&bytes))));
        g.bench_function("crc16", |b| b.iter(|| crc::crc16(black_box(&bytes))));
        g.bench_function("decode_crc", |b| {
            b.iter(|| decode(black_box(&bytes), DecodeOptions::default()))
        });
        g.bench_function("decode_skip_crc", |b| {
            b.iter(|| decode(black_box(&bytes), DecodeOptions { skip_crc: true }))
        });
        g.bench_function("decode_activity_zones", |b| {
            b.iter(|| zones_pipeline(black_box(&bytes), &zones))
        });
        g.bench_function("fitparser", |b| {
            b.iter(|| fitparser::from_bytes(black_box(&bytes)).map(|r| r.len()))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    // Short defaults for a shared 2-core machine; `--measurement-time`/`--sample-size`
    // on the command line override them.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = decode_benches
}
criterion_main!(benches);
