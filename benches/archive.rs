//! The archive benchmark: one generated multi-year archive, every way of getting time in
//! zones out of it, measured in one run.
//!
//! ```text
//! cargo bench --bench archive -- [--archive DIR] [--years 10] [--per-week 6] [--seed 1]
//!     [--repeats 3] [--fitparser-files 60] [--python-files 24] [--markdown FILE]
//! ```
//!
//! Phases (each in a child process of this binary, so its peak memory is its own):
//! - `readsum`: read every file and add up its bytes — the hardware ceiling;
//! - `decode_zones`: hrzones decode + CRC + zones (the `zones PATH` pipeline);
//! - `ingest`: cold ingest into a fresh store: decode + CRC + zones + Parquet write;
//! - `rezone`: zones again from the store (`zones --store`);
//! - `fitparser`: the same zones with the fitparser crate as the decoder (a subset,
//!   extrapolated by bytes);
//! - `python`: `scripts/fitdecode_zones.py` (fitdecode), when Python and fitdecode are
//!   installed (a subset, extrapolated).
//!
//! hrzones phases run with 1 thread (per-core numbers) and with every core. Throughput is
//! given per wall second and per CPU second (user + system, from /proc): on a shared,
//! noisy machine CPU time is the steadier measure of work per core. Zone seconds are
//! summed in every phase, so the table shows that all paths computed the same thing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

use hrzones::activity::Activity;
use hrzones::analysis::SessionAnalysis;
use hrzones::archive_gen::{self, ArchiveSpec};
use hrzones::fit::decode::{FitData, SummaryMsg, TimerEvent};
use hrzones::pipeline::{self, Policy};
use hrzones::profile::{Settings, Thresholds};
use hrzones::source::{self, InputFile};
use hrzones::store::{self, IngestOptions, SampleColumns, Store};
use hrzones::zones::TimeInZoneOptions;

/// Zone floors used by every path (190 bpm × 50/60/70/80/90 %), so Python can match them.
const FLOORS: [u8; 5] = [95, 114, 133, 152, 171];

#[derive(Debug, Clone)]
struct Args {
    archive: PathBuf,
    years: u32,
    per_week: u32,
    seed: u64,
    repeats: usize,
    fitparser_files: usize,
    python_files: usize,
    markdown: Option<PathBuf>,
    phase: Option<String>,
    store: PathBuf,
    limit_files: Option<usize>,
    every: usize,
    /// Passes over the files within one phase (small subsets: enough work to time).
    passes: usize,
}

fn parse_args() -> Args {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        archive: root.join("target/bench-archive/fit"),
        years: 10,
        per_week: 6,
        seed: 1,
        repeats: 3,
        fitparser_files: 60,
        python_files: 24,
        markdown: None,
        phase: None,
        store: root.join("target/bench-archive/store"),
        limit_files: None,
        every: 1,
        passes: 1,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        let n = || v.parse::<u64>().unwrap_or(0);
        let mut used = 2;
        match argv[i].as_str() {
            "--archive" => a.archive = PathBuf::from(&v),
            "--years" => a.years = n() as u32,
            "--per-week" => a.per_week = n() as u32,
            "--seed" => a.seed = n(),
            "--repeats" => a.repeats = (n() as usize).max(1),
            "--fitparser-files" => a.fitparser_files = n() as usize,
            "--python-files" => a.python_files = n() as usize,
            "--markdown" => a.markdown = Some(PathBuf::from(&v)),
            "--phase" => a.phase = Some(v.clone()),
            "--store" => a.store = PathBuf::from(&v),
            "--limit-files" => a.limit_files = Some(n() as usize),
            "--every" => a.every = (n() as usize).max(1),
            "--passes" => a.passes = (n() as usize).max(1),
            _ => used = 1, // `--bench` from cargo, and anything else
        }
        i += used;
    }
    a
}

fn settings() -> Settings {
    Settings {
        overrides: Thresholds {
            bounds: Some(FLOORS.to_vec()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Seconds per zone summed over the activity's sessions.
fn zone_seconds(a: &Activity, settings: &Settings) -> Vec<f64> {
    let mut total = vec![0.0; FLOORS.len() + 1];
    for s in &a.sessions {
        let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
        if let Some(secs) = an.secs_in_zone {
            for (t, v) in total.iter_mut().zip(secs) {
                *t += v;
            }
        }
    }
    total
}

fn add(total: &mut [f64], v: &[f64]) {
    for (t, x) in total.iter_mut().zip(v) {
        *t += x;
    }
}

/// (user + system CPU seconds, peak resident MB) of this process, from /proc.
fn cpu_and_peak() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (ticks(11) + ticks(12)) / 100.0; // utime, stime (fields 14, 15), CLK_TCK 100
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|x| x.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, hwm_kb / 1024.0)
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Measure {
    phase: String,
    threads: usize,
    files: usize,
    bytes: u64,
    wall_s: f64,
    cpu_s: f64,
    peak_mb: f64,
    zone_s: Vec<f64>,
    note: String,
}

fn inputs(args: &Args) -> Vec<InputFile> {
    let found = source::collect(std::slice::from_ref(&args.archive));
    let mut files: Vec<InputFile> = found.files.into_iter().step_by(args.every).collect();
    if let Some(n) = args.limit_files {
        files.truncate(n);
    }
    files
}

fn fit_bytes(files: &[InputFile]) -> u64 {
    files
        .iter()
        .map(|f| f.read().map_or(0, |b| b.len() as u64))
        .sum()
}

/// Decodes with fitparser into the decoder's `FitData` columns hrzones' analysis takes.
fn fitparser_activity(bytes: &[u8], name: &str) -> Option<Activity> {
    use fitparser::profile::MesgNum;
    use fitparser::Value;
    let records = std::panic::catch_unwind(|| fitparser::from_bytes(bytes))
        .ok()?
        .ok()?;
    let fit_s = |v: &Value| match v {
        Value::Timestamp(t) => {
            Some((t.timestamp() - hrzones::fit::profile::FIT_EPOCH_UNIX_S) as u32)
        }
        _ => None,
    };
    let num = |v: &Value| -> Option<f64> {
        Some(match v {
            Value::UInt8(x) | Value::Byte(x) | Value::Enum(x) | Value::UInt8z(x) => *x as f64,
            Value::UInt16(x) | Value::UInt16z(x) => *x as f64,
            Value::UInt32(x) | Value::UInt32z(x) => *x as f64,
            Value::Float32(x) => *x as f64,
            Value::Float64(x) => *x,
            _ => return None,
        })
    };
    let mut data = FitData::default();
    for r in &records {
        let field = |n: &str| r.fields().iter().find(|f| f.name() == n).map(|f| f.value());
        match r.kind() {
            MesgNum::Record => {
                let Some(t) = field("timestamp").and_then(fit_s) else {
                    continue;
                };
                let hr = field("heart_rate").and_then(num).unwrap_or(0.0) as u8;
                data.records.push_basic(t, hr, f64::NAN, f32::NAN);
            }
            MesgNum::Event => {
                let is_timer = matches!(field("event"), Some(Value::String(s)) if s == "timer");
                let t = field("timestamp").and_then(fit_s);
                let start = match field("event_type") {
                    Some(Value::String(s)) if s == "start" => Some(true),
                    Some(Value::String(s)) if s.starts_with("stop") => Some(false),
                    _ => None,
                };
                if let (true, Some(t), Some(start)) = (is_timer, t, start) {
                    data.timer_events.push(TimerEvent {
                        t_s: t,
                        start,
                        record_index: data.records.len() as u32,
                    });
                }
            }
            MesgNum::Session => data.sessions.push(SummaryMsg {
                timestamp: field("timestamp").and_then(fit_s),
                start_time: field("start_time").and_then(fit_s),
                elapsed_s: field("total_elapsed_time").and_then(num),
                timer_s: field("total_timer_time").and_then(num),
                ..Default::default()
            }),
            _ => {}
        }
    }
    Some(Activity::from_fit(data, name))
}

fn run_phase(name: &str, args: &Args) -> Measure {
    let files = inputs(args);
    let settings = settings();
    let threads = rayon::current_num_threads();
    // The in-memory phase reads every file before its clock starts.
    let in_memory: Vec<Vec<u8>> = if name == "decode_zones_memory" {
        files.iter().map(|f| f.read().unwrap_or_default()).collect()
    } else {
        Vec::new()
    };
    // Only the phase's own work: not the process start, nor listing the files.
    let (cpu_before, _) = cpu_and_peak();
    let started = Instant::now();
    let mut total = vec![0.0; FLOORS.len() + 1];
    let mut bytes = 0u64;
    let mut note = String::new();
    match name {
        "readsum" => {
            let (b, sum) = files
                .par_iter()
                .map(|f| {
                    let data = f.read().unwrap_or_default();
                    let s: u64 = data.iter().map(|&x| x as u64).sum();
                    (data.len() as u64, s)
                })
                .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1.wrapping_add(b.1)));
            bytes = b;
            note = format!("checksum {sum}");
        }
        "decode_zones" => {
            for pass in 0..args.passes {
                let results = pipeline::run(&files, Policy::default(), false, |a| {
                    zone_seconds(a, &settings)
                });
                if pass > 0 {
                    continue;
                }
                for (r, v) in &results {
                    bytes += r.bytes;
                    if let Some(v) = v {
                        add(&mut total, v);
                    }
                }
            }
            if args.passes > 1 {
                note = format!("time per pass over {} passes", args.passes);
            }
        }
        "decode_zones_memory" => {
            let policy = Policy::default();
            for pass in 0..args.passes {
                let results: Vec<Option<Vec<f64>>> = in_memory
                    .par_iter()
                    .zip(&files)
                    .map(|(b, f)| {
                        pipeline::activity_from_bytes(b, f.name(), policy)
                            .ok()
                            .map(|(a, _)| zone_seconds(&a, &settings))
                    })
                    .collect();
                if pass == 0 {
                    bytes = in_memory.iter().map(|b| b.len() as u64).sum();
                    for v in results.iter().flatten() {
                        add(&mut total, v);
                    }
                }
            }
            note = "files read into memory before the clock starts".into();
        }
        "ingest" => {
            let _ = std::fs::remove_dir_all(&args.store);
            let found = source::Inputs {
                files: files.clone(),
                ..Default::default()
            };
            let opts = IngestOptions {
                show_progress: false,
                ..Default::default()
            };
            let (summary, results) =
                store::ingest(&args.store, &found, &opts, |a| zone_seconds(a, &settings))
                    .expect("ingest");
            for v in results.iter().filter_map(|r| r.1.as_ref()) {
                add(&mut total, v);
            }
            bytes = summary.bytes_read;
            let on_disk: u64 = Store::open(&args.store)
                .map(|s| s.manifest().parts.iter().map(|p| p.bytes).sum())
                .unwrap_or(0);
            note = format!(
                "{} sessions, {} samples, {} parts, {:.1} MB of Parquet",
                summary.sessions_written,
                summary.samples_written,
                summary.parts_written,
                on_disk as f64 / 1e6
            );
        }
        "rezone" => {
            let st = Store::open(&args.store).expect("store");
            let results = st
                .analyse(
                    |_| true,
                    SampleColumns::HeartRate,
                    false,
                    |a| zone_seconds(a, &settings),
                )
                .expect("rezone");
            for (r, v) in &results {
                if let Some(v) = v {
                    bytes += r.bytes;
                    add(&mut total, v);
                }
            }
            note = format!("{} files from the store", results.len());
        }
        "fitparser" => {
            let mut failed = 0;
            for f in &files {
                let data = f.read().unwrap_or_default();
                bytes += data.len() as u64;
                match fitparser_activity(&data, &f.name()) {
                    Some(a) => add(&mut total, &zone_seconds(&a, &settings)),
                    None => failed += 1,
                }
            }
            note = format!("{failed} files fitparser could not read");
        }
        other => panic!("unknown phase {other}"),
    }
    let passes = if name == "decode_zones" {
        args.passes
    } else {
        1
    } as f64;
    let wall_s = started.elapsed().as_secs_f64() / passes;
    let (cpu_after, peak_mb) = cpu_and_peak();
    let cpu_s = (cpu_after - cpu_before) / passes;
    Measure {
        phase: name.to_string(),
        threads,
        files: files.len(),
        bytes,
        wall_s,
        cpu_s,
        peak_mb,
        zone_s: total,
        note,
    }
}

fn child(args: &Args, phase: &str, threads: usize, extra: &[String]) -> Option<Measure> {
    let exe = std::env::current_exe().ok()?;
    let mut cmd = Command::new(exe);
    cmd.args(["--phase", phase, "--archive"])
        .arg(&args.archive)
        .arg("--store")
        .arg(&args.store)
        .args(extra)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env("POLARS_MAX_THREADS", threads.to_string());
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!(
            "phase {phase} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("RESULT "))?;
    serde_json::from_str(line).ok()
}

/// The median of `repeats` runs: wall and CPU time are each the median of their own
/// values (an outlier on this shared machine moves neither); peak memory is the highest
/// seen.
fn median(args: &Args, phase: &str, threads: usize, extra: &[String]) -> Option<Measure> {
    let runs: Vec<Measure> = (0..args.repeats)
        .filter_map(|_| child(args, phase, threads, extra))
        .collect();
    if runs.is_empty() {
        return None;
    }
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let peak = runs.iter().map(|m| m.peak_mb).fold(0.0, f64::max);
    let wall = mid(runs.iter().map(|m| m.wall_s).collect());
    let cpu = mid(runs.iter().map(|m| m.cpu_s).collect());
    let mut m = runs.into_iter().next()?;
    m.wall_s = wall;
    m.cpu_s = cpu;
    m.peak_mb = peak;
    Some(m)
}

struct Python {
    files: usize,
    bytes: u64,
    cpu_s: f64,
    wall_s: f64,
    peak_mb: f64,
    zone_s: Vec<f64>,
}

fn python(args: &Args, files: &[InputFile]) -> Option<Python> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fitdecode_zones.py");
    let ok = Command::new("python3")
        .args(["-c", "import fitdecode"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("python3 with fitdecode not found: skipping the Python pipeline (pip install fitdecode)");
        return None;
    }
    let list = args.store.with_extension("python-files.txt");
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| match &f.location {
            source::Location::File(p) => Some(p.display().to_string()),
            _ => None,
        })
        .collect();
    std::fs::write(&list, names.join("\n")).ok()?;
    let floors: Vec<String> = FLOORS.iter().map(|f| f.to_string()).collect();
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "TIME %U %S %M"])
        .arg("python3")
        .arg(&script)
        .args(["--bounds", &floors.join(",")])
        .arg(&list)
        .output()
        .ok()?;
    let wall_s = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last()?).ok()?;
    let t: Vec<f64> = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))?
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Some(Python {
        files: v["files"].as_u64()? as usize,
        bytes: v["bytes"].as_u64()?,
        cpu_s: t.first()? + t.get(1)?,
        wall_s,
        peak_mb: t.get(2)? / 1024.0,
        zone_s: v["zone_s"]
            .as_array()?
            .iter()
            .filter_map(|x| x.as_f64())
            .collect(),
    })
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

fn zones_text(z: &[f64]) -> String {
    let total: f64 = z.iter().sum();
    format!(
        "{:.0} h [{}]",
        total / 3600.0,
        z.iter()
            .map(|s| format!("{:.0}", s / 3600.0))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn main() {
    let args = parse_args();
    if let Some(phase) = &args.phase {
        let m = run_phase(phase, &args);
        println!(
            "RESULT {}",
            serde_json::to_string(&m).expect("a Measure serialises")
        );
        return;
    }

    if !args.archive.is_dir() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
        eprintln!(
            "generating the archive in {} from {}",
            args.archive.display(),
            corpus.display()
        );
        let seeds = archive_gen::seeds_from_dir(&corpus, 1_500_000).expect("seed files");
        let spec = ArchiveSpec {
            years: args.years,
            per_week: args.per_week,
            seed: args.seed,
            ..Default::default()
        };
        archive_gen::generate(&spec, &seeds, &args.archive).expect("archive");
    }
    let files = inputs(&args);
    // Warm the page cache: every phase then reads from memory, as a re-analysis would.
    let total_bytes = fit_bytes(&files);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "archive: {} files, {:.1} MB; {cores} cores",
        files.len(),
        mb(total_bytes)
    );

    let mut rows: Vec<(String, Measure)> = Vec::new();
    let mut run = |label: &str, phase: &str, threads: usize, extra: &[String]| {
        eprintln!("running {label} ({threads} thread(s))...");
        if let Some(m) = median(&args, phase, threads, extra) {
            rows.push((label.to_string(), m));
        }
    };
    let none: Vec<String> = Vec::new();
    run("read + sum bytes (ceiling)", "readsum", 1, &none);
    run("read + sum bytes (ceiling)", "readsum", cores, &none);
    run("hrzones decode + CRC + zones", "decode_zones", 1, &none);
    run("hrzones decode + CRC + zones", "decode_zones", cores, &none);
    run(
        "hrzones decode + CRC + zones, files already in memory",
        "decode_zones_memory",
        1,
        &none,
    );
    run("hrzones cold ingest (+ Parquet write)", "ingest", 1, &none);
    run("hrzones warm re-zone from store", "rezone", 1, &none);
    run(
        "hrzones cold ingest (+ Parquet write)",
        "ingest",
        cores,
        &none,
    );
    run("hrzones warm re-zone from store", "rezone", cores, &none);
    // Memory must not grow with the archive: the same phases on the first fifth and the
    // first half of the files (the whole archive is above).
    for (fraction, label) in [(5, "first fifth"), (2, "first half")] {
        let limit = vec![
            "--limit-files".to_string(),
            (files.len() / fraction).to_string(),
        ];
        let mut small_args = args.clone();
        small_args.store = args.store.with_extension(format!("part{fraction}"));
        for (phase, what) in [
            ("decode_zones", "hrzones decode + CRC + zones"),
            ("ingest", "hrzones cold ingest (+ Parquet write)"),
            ("rezone", "hrzones warm re-zone from store"),
        ] {
            if let Some(m) = median(&small_args, phase, cores, &limit) {
                rows.push((format!("{what}, {label}"), m));
            }
        }
        let _ = std::fs::remove_dir_all(&small_args.store);
    }
    // Enough passes over a subset for its hrzones time to be well above the clock's tick.
    let passes_for = |subset: &[InputFile]| {
        let b = fit_bytes(subset).max(1);
        ((400_000_000 / b) as usize).clamp(1, 1000).to_string()
    };
    let every_fp = (files.len() / args.fitparser_files.max(1)).max(1);
    let fp_args = vec!["--every".to_string(), every_fp.to_string()];
    // Three runs of the fitparser subset (about 2 s each), so that its median and
    // hrzones' on the same files come from similar moments of this shared machine.
    let mut fewer = args.clone();
    fewer.repeats = args.repeats.min(3);
    if let Some(m) = median(&fewer, "fitparser", 1, &fp_args) {
        rows.push(("fitparser + hrzones zones (subset)".into(), m));
    }
    // hrzones on the same subset, for the ratio and the zone cross-check.
    let fp_files: Vec<InputFile> = files.iter().step_by(every_fp).cloned().collect();
    let fp_hz_args = [
        fp_args.clone(),
        vec!["--passes".into(), passes_for(&fp_files)],
    ]
    .concat();
    if let Some(m) = median(&args, "decode_zones", 1, &fp_hz_args) {
        rows.push(("hrzones decode + CRC + zones (fitparser subset)".into(), m));
    }
    let every_py = (files.len() / args.python_files.max(1)).max(1);
    let py_files: Vec<InputFile> = files.iter().step_by(every_py).cloned().collect();
    let py = python(&args, &py_files);
    let py_args = vec![
        "--every".to_string(),
        every_py.to_string(),
        "--passes".into(),
        passes_for(&py_files),
    ];
    let hz_py = median(&args, "decode_zones", 1, &py_args);

    // ---- report
    let find = |label: &str, threads: usize| {
        rows.iter()
            .find(|(l, m)| l == label && m.threads == threads)
            .map(|x| x.1.clone())
    };
    let per_core = |m: &Measure| mb(m.bytes) / m.cpu_s.max(1e-9);
    let mut md = String::new();
    md.push_str(&format!(
        "Archive: {} files, {:.1} MB of FIT data ({} years × {}/week, seed {}), page cache warm. \
         {cores} cores. Median of {} runs (fitparser: 3 runs, Python: 1 run, each on a subset of the files, which hrzones also runs).\n\n",
        files.len(),
        mb(total_bytes),
        args.years,
        args.per_week,
        args.seed,
        args.repeats
    ));
    md.push_str("| path | threads | files | MB | wall s | CPU s | MB/s (wall) | MB/s per CPU-s | files/s (wall) | peak RSS MB | zone hours [Z0..Z5] | note |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (label, m) in &rows {
        md.push_str(&format!(
            "| {label} | {} | {} | {:.1} | {:.3} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} |\n",
            m.threads,
            m.files,
            mb(m.bytes),
            m.wall_s,
            m.cpu_s,
            mb(m.bytes) / m.wall_s.max(1e-9),
            per_core(m),
            m.files as f64 / m.wall_s.max(1e-9),
            m.peak_mb,
            if m.zone_s.iter().sum::<f64>() > 0.0 { zones_text(&m.zone_s) } else { String::new() },
            m.note
        ));
    }
    if let Some(p) = &py {
        md.push_str(&format!(
            "| Python fitdecode + zones (subset) | 1 | {} | {:.1} | {:.3} | {:.2} | {:.2} | {:.2} | {:.1} | {:.0} | {} | |\n",
            p.files,
            mb(p.bytes),
            p.wall_s,
            p.cpu_s,
            mb(p.bytes) / p.wall_s,
            mb(p.bytes) / p.cpu_s.max(1e-9),
            p.files as f64 / p.wall_s,
            p.peak_mb,
            zones_text(&p.zone_s)
        ));
    }
    if let Some(h) = &hz_py {
        md.push_str(&format!(
            "| hrzones decode + CRC + zones (Python subset) | 1 | {} | {:.1} | {:.3} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {} | |\n",
            h.files,
            mb(h.bytes),
            h.wall_s,
            h.cpu_s,
            mb(h.bytes) / h.wall_s,
            per_core(h),
            h.files as f64 / h.wall_s,
            h.peak_mb,
            zones_text(&h.zone_s)
        ));
    }
    md.push_str("\nRatios (per core = MB per CPU-second, single-threaded runs):\n\n");
    let ceiling = find("read + sum bytes (ceiling)", 1);
    let dz = find("hrzones decode + CRC + zones", 1);
    let cold = find("hrzones cold ingest (+ Parquet write)", 1);
    let cold_all = find("hrzones cold ingest (+ Parquet write)", cores);
    let warm = find("hrzones warm re-zone from store", cores);
    let fp = find("fitparser + hrzones zones (subset)", 1);
    let dz_fp = find("hrzones decode + CRC + zones (fitparser subset)", 1);
    if let (Some(c), Some(d)) = (&ceiling, &dz) {
        md.push_str(&format!(
            "- decode + CRC + zones: {:.0} MB/s per core = {:.0} % of read-and-sum ({:.0} MB/s per core)\n",
            per_core(d),
            100.0 * per_core(d) / per_core(c),
            per_core(c)
        ));
    }
    if let (Some(c), Some(d)) = (&ceiling, &cold) {
        md.push_str(&format!(
            "- cold ingest (with Parquet write): {:.0} MB/s per core = {:.0} % of read-and-sum\n",
            per_core(d),
            100.0 * per_core(d) / per_core(c)
        ));
    }
    if let Some(c) = &cold_all {
        md.push_str(&format!(
            "- cold ingest of the whole archive on {cores} cores: {:.2} s wall\n",
            c.wall_s
        ));
    }
    if let Some(w) = &warm {
        md.push_str(&format!(
            "- warm re-zone of the whole archive from the store on {cores} cores: {:.3} s wall ({:.2} CPU-s)\n",
            w.wall_s, w.cpu_s
        ));
    }
    for what in [
        "hrzones decode + CRC + zones",
        "hrzones cold ingest (+ Parquet write)",
        "hrzones warm re-zone from store",
    ] {
        let peaks: Vec<String> = [
            find(&format!("{what}, first fifth"), cores),
            find(&format!("{what}, first half"), cores),
            find(what, cores),
        ]
        .iter()
        .map(|m| {
            m.as_ref()
                .map_or("-".into(), |m| format!("{:.0}", m.peak_mb))
        })
        .collect();
        md.push_str(&format!(
            "- peak RSS of {what} on {cores} cores, for a fifth / half / all of the archive: {} MB\n",
            peaks.join(" / ")
        ));
    }
    if let (Some(f), Some(d)) = (&fp, &dz_fp) {
        md.push_str(&format!(
            "- fitparser path: {:.1} MB/s per core; hrzones is {:.0}× faster per core on the same files (whole archive extrapolated: {:.0} CPU-s)\n",
            per_core(f),
            per_core(d) / per_core(f),
            f.cpu_s * total_bytes as f64 / f.bytes.max(1) as f64
        ));
    }
    if let (Some(p), Some(h)) = (&py, &hz_py) {
        let py_core = mb(p.bytes) / p.cpu_s.max(1e-9);
        md.push_str(&format!(
            "- Python fitdecode path: {:.2} MB/s per core; hrzones is {:.0}× faster per core on the same files (whole archive extrapolated: {:.0} CPU-min)\n",
            py_core,
            per_core(h) / py_core,
            p.cpu_s * total_bytes as f64 / p.bytes.max(1) as f64 / 60.0
        ));
    }
    println!("{md}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &md).expect("write the markdown");
    }
}
