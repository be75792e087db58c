//! Issue 17, "Nothing an input can do breaks the store or the machine": one regression
//! test per attack of the issue, each through the binary (what a user runs) unless the
//! attack needs the library's hooks. Inputs are the project's own `fixtures/` and files
//! built here, so nothing needs the corpus. See docs/ROBUSTNESS.md, "Attacks around the
//! decoder".

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use polars::prelude::*;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hrzones"))
}

fn hrzones() -> Command {
    let mut c = Command::new(bin());
    c.env("RAYON_NUM_THREADS", "2");
    c
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The activity fixtures (every `.fit` but the settings-only file), sorted.
fn activity_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "fit"))
        .filter(|p| !p.ends_with("settings_only.fit"))
        .collect();
    v.sort();
    v
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn no_panic(o: &Output) {
    let err = text(&o.stderr);
    assert!(
        !err.contains("panicked") && o.status.code() != Some(101),
        "panic: {err}"
    );
}

fn zones_csv(args: &[&std::ffi::OsStr]) -> Output {
    let o = hrzones()
        .args(["zones", "-q", "--format", "csv"])
        .args(args)
        .output()
        .unwrap();
    no_panic(&o);
    o
}

// ---------------------------------------------------------------------------------------
// 1. Two ingests at once

/// Issue 17 item 1: six ingests at a time into one store, three waves, overlapping
/// inputs. Each either commits (exit 0) or is refused with the holder's pid (exit 2);
/// the store always reads back, and at the end holds exactly what `zones PATH` computes.
#[test]
fn overlapping_ingests_never_break_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let store = root.join("store");
    let folders: Vec<PathBuf> = (0..6).map(|k| root.join(format!("in{k}"))).collect();
    for (i, f) in activity_fixtures().iter().enumerate() {
        let dir = &folders[i % folders.len()];
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    for wave in 0..3 {
        let children: Vec<_> = (0..folders.len())
            .map(|k| {
                let mut c = hrzones();
                c.args(["ingest", "-q", "--store"]).arg(&store);
                c.arg(&folders[k]);
                if wave > 0 {
                    c.arg(&folders[(k + 1) % folders.len()]);
                }
                if wave == 2 {
                    c.arg("--rehash");
                }
                c.stdout(Stdio::piped()).stderr(Stdio::piped());
                c.spawn().unwrap()
            })
            .collect();
        let mut committed = 0;
        for child in children {
            let o = child.wait_with_output().unwrap();
            no_panic(&o);
            match o.status.code() {
                Some(0) => committed += 1,
                Some(2) => assert!(
                    text(&o.stderr).contains("the store is being written by"),
                    "wave {wave}: exit 2 for another reason: {}",
                    text(&o.stderr)
                ),
                other => panic!("wave {wave}: exit {other:?}: {}", text(&o.stderr)),
            }
        }
        assert!(committed > 0, "wave {wave}: no ingest committed");
        let o = zones_csv(&[std::ffi::OsStr::new("--store"), store.as_os_str()]);
        assert_eq!(o.status.code(), Some(0), "wave {wave}: {}", text(&o.stderr));
    }
    // One more, alone: it must succeed, and the store then matches the files.
    let o = hrzones()
        .args(["ingest", "-q", "--store"])
        .arg(&store)
        .args(&folders)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let from_store = zones_csv(&[std::ffi::OsStr::new("--store"), store.as_os_str()]);
    let folder_args: Vec<&std::ffi::OsStr> = folders.iter().map(|f| f.as_os_str()).collect();
    let from_files = zones_csv(&folder_args);
    assert_eq!(text(&from_store.stdout), text(&from_files.stdout));
    // Every fixture is there (a header, then at least one row per file).
    assert!(
        text(&from_store.stdout).lines().count() > activity_fixtures().len(),
        "{}",
        text(&from_store.stdout)
    );
    // Nothing but the manifest's files (and the lock) is left in the store.
    let manifest = std::fs::read_to_string(store.join("manifest.json")).unwrap();
    for table in ["samples", "sessions", "timer"] {
        for f in part_files(&store, table) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let stem = name.trim_end_matches(".parquet");
            assert!(manifest.contains(stem), "stray {table} file {name}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 2. Memory

/// A `.fit.gz` of `records` 2-byte records (compressed timestamps, heart rate only):
/// about 1,000 times smaller than what it decompresses to.
fn amplification_bomb(records: usize) -> Vec<u8> {
    let mut body: Vec<u8> = Vec::new();
    // Local 0: record (20) with timestamp (253, uint32) and heart_rate (3, uint8).
    body.extend([0x40, 0, 0, 20, 0, 2, 253, 4, 0x86, 3, 1, 0x02]);
    body.push(0x00);
    body.extend(1_000_000_000u32.to_le_bytes());
    body.push(120);
    // Local 1: record with heart_rate only, sent with compressed-timestamp headers.
    body.extend([0x41, 0, 0, 20, 0, 1, 3, 1, 0x02]);
    for i in 0..records {
        body.extend([0x80 | (1 << 5) | (i as u8 & 31), 130]);
    }
    let mut file = vec![14u8, 0x20, 0x54, 0x08];
    file.extend((body.len() as u32).to_le_bytes());
    file.extend(b".FIT");
    let crc = hrzones::fit::crc::crc16(&file);
    file.extend(crc.to_le_bytes());
    file.extend(&body);
    let crc = hrzones::fit::crc::crc16(&file);
    file.extend(crc.to_le_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&file).unwrap();
    gz.finish().unwrap()
}

/// Issue 17 item 2: 20 million 2-byte records in a 40 KB `.fit.gz` (before the limits,
/// about 1.5 GB decoded) beside a normal file, under an 800 MB address-space limit: the
/// bomb fails with a per-file message, the normal file's result is printed.
#[cfg(unix)]
#[test]
fn a_high_amplification_gz_fails_alone_under_a_memory_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bomb.fit.gz"), amplification_bomb(20_000_000)).unwrap();
    std::fs::copy(fixtures().join("easy_run.fit"), dir.join("easy_run.fit")).unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 800000 && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["zones", "-q", "--format", "csv"])
        .arg(&dir)
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .unwrap();
    no_panic(&o);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(out.contains("easy_run.fit,0,running"), "{out}\n{err}");
    assert!(
        err.contains("bomb.fit.gz") && err.contains("over the per-file limit"),
        "{err}"
    );
}

/// Issue 17 item 11: inputs a user points at are read with a size limit and only when
/// they are regular files; `--until` far in the future is refused before any work.
#[cfg(target_os = "linux")]
#[test]
fn profile_labels_and_dates_are_bounded() {
    let run = fixtures().join("recovery_ok.fit");
    for args in [
        vec!["zones", "--profile", "/dev/zero"],
        vec!["audit", "--labels", "/dev/zero"],
    ] {
        let started = std::time::Instant::now();
        let o = hrzones().args(&args).arg(&run).output().unwrap();
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("not a regular file"),
            "{args:?}: {}",
            text(&o.stderr)
        );
        assert!(started.elapsed().as_secs() < 20);
    }
    let big = tempfile::NamedTempFile::new().unwrap();
    big.as_file().set_len(2 << 20).unwrap();
    let o = hrzones()
        .args(["zones", "--profile"])
        .arg(big.path())
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("larger than 1 MiB"),
        "{}",
        text(&o.stderr)
    );
    for until in ["+262142-12-31", "9999-12-31"] {
        let started = std::time::Instant::now();
        let o = hrzones()
            .args(["load", "-q", "--daily", "--until", until])
            .arg(&run)
            .output()
            .unwrap();
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{until}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("outside the dates FIT files can hold"));
        assert!(started.elapsed().as_secs() < 20);
    }
}

// ---------------------------------------------------------------------------------------
// 3. Special files

fn mkfifo(p: &Path) -> bool {
    Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success())
}

/// Issue 17 items 3 and 5: a FIFO named `x.fit` in a folder or on the command line is
/// skipped with a note (it used to block `open()` forever); `--output` over a device,
/// a FIFO or a symlink writes through it and never replaces it.
#[cfg(unix)]
#[test]
fn special_files_are_skipped_and_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixtures().join("easy_run.fit"), dir.join("easy_run.fit")).unwrap();
    if !mkfifo(&dir.join("x.fit")) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    mkfifo(&dir.join("y.zip"));
    let mut child = hrzones()
        .args(["zones", "-q", "--format", "csv"])
        .arg(&dir)
        .arg(dir.join("x.fit"))
        .arg("/dev/null")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 30 {
            let _ = child.kill();
            panic!("hangs on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    no_panic(&o);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(text(&o.stdout).contains("easy_run.fit,0"));
    assert!(err.contains("x.fit: a FIFO, not a regular file"), "{err}");
    assert!(err.contains("y.zip: a FIFO, not a regular file"), "{err}");
    assert!(
        err.contains("/dev/null: a character device, not a regular file"),
        "{err}"
    );

    // --output: a symlink keeps pointing at its (replaced) target; a FIFO gets the CSV
    // through it; /dev/null stays the device.
    let target = tmp.path().join("real.csv");
    std::fs::write(&target, "old").unwrap();
    let link = tmp.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = fixtures().join("easy_run.fit");
    let o = hrzones()
        .args(["zones", "-q", "--output"])
        .arg(&link)
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("easy_run.fit,0"));
    let fifo = tmp.path().join("out.fifo");
    assert!(mkfifo(&fifo));
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = hrzones()
        .args(["zones", "-q", "--output"])
        .arg(&fifo)
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(reader.join().unwrap().contains("easy_run.fit,0"));
    let o = hrzones()
        .args(["zones", "-q", "--output", "/dev/null"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let m = std::fs::metadata("/dev/null").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &m.file_type()
    ));
}

// ---------------------------------------------------------------------------------------
// 4. The store as untrusted input

/// A store of three fixtures, one part per file (`part_rows` 1).
fn small_store(root: &Path) -> PathBuf {
    let input = root.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in ["easy_run.fit", "recovery_ok.fit", "tempo_long_run.fit"] {
        std::fs::copy(fixtures().join(name), input.join(name)).unwrap();
    }
    let store = root.join("store");
    let found = hrzones::source::collect(&[input.canonicalize().unwrap()]);
    let opts = hrzones::store::IngestOptions {
        show_progress: false,
        part_rows: 1,
        ..Default::default()
    };
    hrzones::store::ingest(&store, &found, &opts, |_| ()).unwrap();
    store
}

/// Every file under `table/` (`athlete=…/year=…/part-….parquet`).
fn part_files(store: &Path, table: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut v = Vec::new();
    walk(&store.join(table), &mut v);
    v.sort();
    v
}

fn read_pq(p: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(p).unwrap())
        .finish()
        .unwrap()
}

fn write_pq(p: &Path, df: &mut DataFrame) {
    ParquetWriter::new(std::fs::File::create(p).unwrap())
        .finish(df)
        .unwrap();
}

/// `zones --store` on a tampered store: exit 2 with a message, never a panic or numbers.
fn refused(store: &Path, expect: &str) {
    let o = zones_csv(&[std::ffi::OsStr::new("--store"), store.as_os_str()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{expect}: {err}");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    assert!(
        text(&o.stdout).lines().count() <= 1,
        "{expect}: rows printed from a tampered store"
    );
}

/// Issue 17 item 6: heart rate above 255, a samples file swapped for another part's, a
/// session's sample range out of bounds, and offsets in the files table that do not
/// match the samples each give a clear error.
#[test]
fn a_tampered_store_is_an_error_never_a_panic_or_a_wrong_number() {
    // HR above 255.
    let tmp = tempfile::tempdir().unwrap();
    let store = small_store(tmp.path());
    let ok = zones_csv(&[std::ffi::OsStr::new("--store"), store.as_os_str()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let samples = part_files(&store, "samples");
    assert_eq!(samples.len(), 3);
    let mut df = read_pq(&samples[0]);
    let hr: UInt32Chunked = df
        .column("hr_bpm")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .map(|v| v.map(|v| v + 200))
        .collect();
    df.with_column(hr.with_name("hr_bpm".into()).into_column())
        .unwrap();
    write_pq(&samples[0], &mut df);
    refused(&store, "above 255");

    // Swapped samples file: another part's rows (other counts, other file).
    let tmp = tempfile::tempdir().unwrap();
    let store = small_store(tmp.path());
    let samples = part_files(&store, "samples");
    std::fs::copy(&samples[1], &samples[0]).unwrap();
    refused(&store, "manifest.json records");

    // A session whose sample range runs past the file's samples (it used to panic).
    let tmp = tempfile::tempdir().unwrap();
    let store = small_store(tmp.path());
    let sessions = part_files(&store, "sessions");
    let mut df = read_pq(&sessions[0]);
    let n = df.height();
    df.with_column(Column::new(
        "sample_count".into(),
        vec![4_000_000_000u32; n],
    ))
    .unwrap();
    write_pq(&sessions[0], &mut df);
    refused(&store, "refers to samples");

    // The files table's offsets moved by one row.
    let tmp = tempfile::tempdir().unwrap();
    let store = small_store(tmp.path());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("manifest.json")).unwrap())
            .unwrap();
    let files = store.join(manifest["files_table"].as_str().unwrap());
    let mut df = read_pq(&files);
    let moved: UInt64Chunked = df
        .column("sample_offset")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(|v| v.map(|v| v + 1))
        .collect();
    df.with_column(moved.with_name("sample_offset".into()).into_column())
        .unwrap();
    write_pq(&files, &mut df);
    refused(&store, "its rows there are");
}

/// Issue 17 item 4: Latin-1 `Récup.fit` and `Rècup.fit` are two files in the store, and
/// re-ingesting the unchanged folder changes nothing.
#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_stay_distinct_in_the_store() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join(std::ffi::OsStr::from_bytes(b"R\xe9cup.fit"));
    let b = dir.join(std::ffi::OsStr::from_bytes(b"R\xe8cup.fit"));
    if std::fs::copy(fixtures().join("recovery_ok.fit"), &a).is_err() {
        eprintln!("skipped: the file system refuses non-UTF-8 names");
        return;
    }
    std::fs::copy(fixtures().join("easy_run.fit"), &b).unwrap();
    let store = tmp.path().join("store");
    let ingest = || {
        let o = hrzones()
            .args(["ingest", "-q", "--store"])
            .arg(&store)
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stderr)
    };
    assert!(ingest().contains("2 new, 0 changed, 0 unchanged"));
    assert!(ingest().contains("0 new, 0 changed, 2 unchanged"));
    let o = zones_csv(&[std::ffi::OsStr::new("--store"), store.as_os_str()]);
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains("R\\xe9cup.fit") && out.contains("R\\xe8cup.fit"),
        "{out}"
    );
    assert_eq!(out, text(&zones_csv(&[dir.as_os_str()]).stdout));
}

// ---------------------------------------------------------------------------------------
// 5. Injection

/// Issue 17 item 10: a file named like a spreadsheet formula is written to CSV with a leading `'`; ESC/OSC sequences in a name are shown escaped
/// in the terminal table and on stderr.
#[test]
fn formula_and_escape_sequences_from_names_are_neutralised() {
    let tmp = tempfile::tempdir().unwrap();
    let evil = "=cmd|' -C calc'!A0 Recovery.fit";
    std::fs::copy(fixtures().join("recovery_ok.fit"), tmp.path().join(evil)).unwrap();
    let o = hrzones()
        .current_dir(tmp.path())
        .args(["audit", "-q", "--format", "csv", evil])
        .output()
        .unwrap();
    no_panic(&o);
    let out = text(&o.stdout);
    let row = out.lines().nth(1).unwrap_or_default();
    assert!(row.starts_with("'=cmd|"), "{out}");
    for line in out.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '@']), "unneutralised cell {cell:?}");
        }
    }

    #[cfg(unix)]
    {
        let osc = "run\u{1b}]0;pwned\u{7}\u{1b}[2J.fit";
        std::fs::copy(fixtures().join("easy_run.fit"), tmp.path().join(osc)).unwrap();
        std::fs::write(tmp.path().join("bad\u{1b}]52;c;ZXZpbA==\u{7}.fit"), b"junk").unwrap();
        let o = hrzones()
            .current_dir(tmp.path())
            // Wide enough that the terminal view does not shorten the escaped name.
            .env("COLUMNS", "300")
            .args(["zones", "-q", "--format", "table", "."])
            .output()
            .unwrap();
        no_panic(&o);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(
            !out.contains('\u{1b}') && !err.contains('\u{1b}'),
            "{out}{err}"
        );
        assert!(out.contains("run\\x1b]0;pwned\\x07\\x1b[2J.fit"), "{out}");
        assert!(err.contains("bad\\x1b]52;c;ZXZpbA==\\x07.fit"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------
// 6. Panics and smaller items

/// Issue 17 item 8: a multi-byte `--utc-offset` and an unwritable stderr exit cleanly.
#[cfg(target_os = "linux")]
#[test]
fn bad_offsets_and_an_unwritable_stderr_do_not_panic() {
    let run = fixtures().join("recovery_ok.fit");
    let o = hrzones()
        .args(["load", "-q", "--utc-offset", "+a€"])
        .arg(&run)
        .output()
        .unwrap();
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("bad UTC offset"));
    // stderr is /dev/full: every diagnostic fails to write; the CSV still comes out.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = hrzones()
        .args(["zones", "--format", "csv"])
        .arg(&run)
        .arg(fixtures().join("settings_only.fit"))
        .arg("/nonexistent.fit")
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "exit 101 is a panic");
    assert!(text(&o.stdout).contains("recovery_ok.fit,0"));
}

/// Issue 17 items 7 and 11: `chart --store` gives files of the same name in two folders
/// two charts; a zip with two entries of one name says that one cannot be read.
#[test]
fn same_names_never_overwrite_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    for d in ["a", "b"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(fixtures().join("recovery_ok.fit"), root.join("a/run.fit")).unwrap();
    std::fs::copy(fixtures().join("easy_run.fit"), root.join("b/run.fit")).unwrap();
    let store = root.join("store");
    let o = hrzones()
        .args(["ingest", "-q", "--store"])
        .arg(&store)
        .arg(root.join("a"))
        .arg(root.join("b"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let charts = root.join("charts");
    let o = hrzones()
        .args(["chart", "-q", "--store"])
        .arg(&store)
        .arg("--out")
        .arg(&charts)
        .output()
        .unwrap();
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut runs: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("run_"))
        .collect();
    runs.sort();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_ne!(runs[0], runs[1]);

    // A zip holding two entries named `act/aaa.fit` (stored, written by hand).
    let zip_path = root.join("dup.zip");
    let entries = [
        std::fs::read(fixtures().join("recovery_ok.fit")).unwrap(),
        std::fs::read(fixtures().join("easy_run.fit")).unwrap(),
    ];
    std::fs::write(&zip_path, stored_zip("act/aaa.fit", &entries)).unwrap();
    let o = zones_csv(&[zip_path.as_os_str()]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    // The zip reader keeps one entry per name: the other is reported, not silently lost.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        err.contains("1 of its 2 entries have the same name as another entry"),
        "{err}"
    );
}

/// A zip archive (PKWARE APPNOTE 4.3: local headers, central directory, end record) with
/// every entry stored uncompressed under the same `name`.
fn stored_zip(name: &str, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for data in entries {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend(20u16.to_le_bytes()); // version needed
            v.extend(0u16.to_le_bytes()); // flags
            v.extend(0u16.to_le_bytes()); // stored
            v.extend(0u32.to_le_bytes()); // time, date
            v.extend(crc.sum().to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend([0u8; 6]); // comment len, disk, internal attrs
        central.extend(0u32.to_le_bytes()); // external attrs
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// Issue 17 item 11: a `.fit.gz` cut short is salvaged like a cut `.fit` (it used to be
/// lost whole); a `--store` selection path that matches nothing is an error, not an
/// empty success.
#[test]
fn a_cut_gzip_is_salvaged_and_a_mistyped_store_path_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let fit = std::fs::read(fixtures().join("easy_run.fit")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&fit).unwrap();
    let gz = gz.finish().unwrap();
    let dir = root.join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cut.fit.gz"), &gz[..gz.len() * 3 / 4]).unwrap();
    let o = zones_csv(&[dir.as_os_str()]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("cut.fit.gz,0,running"), "{out}");
    assert!(
        err.contains("warning:") && err.contains("cut.fit.gz"),
        "{err}"
    );

    let store = root.join("store");
    let o = hrzones()
        .args(["ingest", "-q", "--store"])
        .arg(&store)
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = zones_csv(&[
        std::ffi::OsStr::new("--store"),
        store.as_os_str(),
        root.join("inn").as_os_str(),
    ]);
    // Nothing selected is an error (exit 2, issue 12) that names the mistyped path.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("holds no file there") || err.contains("no activity in the store"),
        "{err}"
    );
    assert!(err.contains("inn"), "{err}");
    let o = zones_csv(&[
        std::ffi::OsStr::new("--store"),
        store.as_os_str(),
        dir.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
