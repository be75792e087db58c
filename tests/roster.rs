//! `hrzones roster`, `--roster/--athlete`, the athlete-partitioned store, the DuckDB
//! query of docs/STORE.md and `ingest --shard` + `store merge` (issue 16), on the example
//! roster (examples/roster.toml: three athletes from ../shared). Each test skips with a
//! message when the shared corpora are absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

const ROSTER: &str = "examples/roster.toml";
/// A window with sessions for two of the three athletes (the third stopped in 2024).
const UNTIL: &str = "2026-02-28";
const FIRST: &str = "2026-02-01";

fn hrzones() -> Command {
    let mut c = Command::cargo_bin("hrzones").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs hrzones, asserts the exit code, returns stdout.
fn run(args: &[&str], code: i32) -> String {
    let out = hrzones().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn corpora_present(test: &str) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared");
    let ok = [
        "fit-corpus2/x3cl+running_page",
        "fit-corpus2/shaonianche+running-data-sync",
        "fit-corpus/mwheeler235+coros-run-metrics",
    ]
    .iter()
    .all(|d| root.join(d).is_dir());
    if !ok {
        eprintln!(
            "{test}: skipped, the shared corpora are absent ({})",
            root.display()
        );
    }
    ok
}

/// CSV text → rows keyed by the first column, each a map column → cell.
fn csv_rows(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = split_csv(lines.next().unwrap_or(""));
    lines
        .map(|l| {
            let cells = split_csv(l);
            let row: BTreeMap<String, String> =
                header.iter().cloned().zip(cells.iter().cloned()).collect();
            (cells[0].clone(), row)
        })
        .collect()
}

/// One CSV line (quotes as RFC 4180).
fn split_csv(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}: {:?}", row[col]))
}

fn roster_csv(extra: &[&str]) -> String {
    let mut args = vec![
        "roster", "--roster", ROSTER, "--since", "28d", "--until", UNTIL, "-q", "--format", "csv",
    ];
    args.extend_from_slice(extra);
    run(&args, 0)
}

/// The overview's numbers against `hrzones load` for the same athlete (per-session rows
/// summed here, and the daily PMC on the window's last day), the store's overview against
/// the FIT files', and `audit --athlete` over the same roster.
#[test]
fn example_roster_overview_agrees_with_load_and_the_store() {
    if !corpora_present("example_roster_overview_agrees_with_load_and_the_store") {
        return;
    }
    let overview_csv = roster_csv(&[]);
    let overview = csv_rows(&overview_csv);
    assert_eq!(
        overview.keys().collect::<Vec<_>>(),
        ["coros", "shaonianche", "x3cl"],
        "three athletes"
    );
    for (id, row) in &overview {
        assert_eq!(
            (row["window_start"].as_str(), row["window_end"].as_str()),
            (FIRST, UNTIL)
        );
        // One daily PMC row per day (`hrzones load --daily`, through polars frames): the
        // window's sessions, timer time and load are its rows' sums.
        let daily = run(
            &[
                "load",
                "--roster",
                ROSTER,
                "--athlete",
                id,
                "--daily",
                "--until",
                UNTIL,
                "-q",
                "--format",
                "csv",
            ],
            0,
        );
        let dh = split_csv(daily.lines().next().unwrap());
        let col = |name: &str| dh.iter().position(|h| h == name).unwrap();
        let (mut n, mut hours, mut tss) = (0, 0.0, 0.0);
        for l in daily.lines().skip(1) {
            let c = split_csv(l);
            let date = &c[col("date")];
            if date.as_str() >= FIRST && date.as_str() <= UNTIL {
                n += c[col("sessions")].parse::<usize>().unwrap();
                hours += c[col("timer_s")].parse::<f64>().unwrap() / 3600.0;
                tss += c[col("load")].parse::<f64>().unwrap();
            }
        }
        assert_eq!(num(row, "sessions") as usize, n, "{id}");
        assert!((num(row, "hours") - hours).abs() <= 0.051, "{id}: {hours}");
        // The daily CSV rounds each day to 0.1.
        assert!(
            (num(row, "hr_tss") - tss).abs() <= 0.051 + 0.05 * n as f64,
            "{id}: {tss}"
        );
        // The series runs to the last session when that is later: take the window's end.
        let at_end = daily
            .lines()
            .find(|l| l.starts_with(UNTIL))
            .unwrap_or_else(|| panic!("{id}: no daily row on {UNTIL}"));
        let d = split_csv(at_end);
        for k in ["ctl", "atl", "tsb"] {
            let v: f64 = d[col(k)].parse().unwrap();
            assert!(
                (num(row, k) - v).abs() <= 0.051,
                "{id} {k}: {} vs {v}",
                row[k]
            );
        }
    }
    // The library call the HTML report builds on gives the command's table.
    let roster =
        hrzones::roster::Roster::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(ROSTER)).unwrap();
    let until = chrono::NaiveDate::parse_from_str(UNTIL, "%Y-%m-%d").unwrap();
    let window = hrzones::roster::Window::new(hrzones::roster::Since::Days(28), until).unwrap();
    let opts = hrzones::roster::OverviewOptions::new(window);
    let rows = hrzones::roster::read_overview(&roster, &opts, Default::default(), false);
    let mut csv = Vec::new();
    hrzones::report::write_csv(&hrzones::roster::overview_table(&rows), &mut csv).unwrap();
    assert_eq!(
        csv_rows(&String::from_utf8(csv).unwrap()),
        overview,
        "read_overview == hrzones roster"
    );
    let order: Vec<&str> = rows.iter().map(|r| r.athlete.as_str()).collect();
    let cli_order: Vec<String> = overview_csv
        .lines()
        .skip(1)
        .map(|l| split_csv(l)[0].clone())
        .collect();
    assert_eq!(order, cli_order, "the same attention order");

    // x3cl trains in the window; coros stopped in 2024 and needs attention for it.
    assert!(num(&overview["x3cl"], "sessions") > 0.0);
    assert_eq!(overview["coros"]["attention"], "no sessions");

    // The audit of one athlete of the roster runs (their inputs and profile).
    let audit = run(
        &[
            "audit",
            "--roster",
            ROSTER,
            "--athlete",
            "coros",
            "-q",
            "--format",
            "csv",
        ],
        0,
    );
    assert!(audit.starts_with("file,session,start,label"), "{audit}");

    // The same overview from the store, ingested per athlete.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let store_s = store.to_str().unwrap();
    run(&["ingest", "--roster", ROSTER, "--store", store_s, "-q"], 0);
    for id in ["x3cl", "shaonianche", "coros"] {
        assert!(
            store.join(format!("sessions/athlete={id}")).is_dir(),
            "{id}"
        );
    }
    let from_store_csv = roster_csv(&["--store", store_s]);
    assert_eq!(
        csv_rows(&from_store_csv),
        overview,
        "the store gives the FIT files' overview"
    );

    // SQL: the documented query over the store equals `hrzones roster`.
    sql_overview_equals_roster(tmp.path(), store_s);
}

/// Copies `name` of the x3cl archive to `dir/to`, its first `keep` tenths only when
/// given (a truncated file: salvaged, with a rebuilt session).
fn copy_x3cl(dir: &Path, name: &str, to: &str, keep: Option<usize>) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fit-corpus2/x3cl+running_page")
        .join(name);
    let bytes = std::fs::read(&from).unwrap();
    let n = keep.map_or(bytes.len(), |k| bytes.len() * k / 10);
    std::fs::write(dir.join(to), &bytes[..n]).unwrap();
}

/// Runs hrzones, asserts the exit code, returns (stdout, stderr).
fn run_err(args: &[&str], code: i32) -> (String, String) {
    let out = hrzones().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

/// The roster overview as the one DuckDB query of docs/STORE.md (scripts/roster_duckdb.py)
/// over `store` (the example roster ingested) equals `hrzones roster --store`, column by
/// column and the findings' text, for a 7-day and a 28-day window. So that every column
/// can disagree, x3cl also gets a folder with four of their February 2026 runs under
/// names that label them recovery (content already stored: the names are aliases), a
/// truncated copy of a fifth (salvaged, quality warning, a recovery run of its own) and a
/// file that is not FIT (unreadable).
fn sql_overview_equals_roster(tmp: &Path, store_s: &str) {
    let extra = tmp.join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    for id in ["564741461", "565542113", "567834583", "568941018"] {
        copy_x3cl(
            &extra,
            &format!("FIT_OUT__{id}.fit"),
            &format!("recovery-{id}.fit"),
            None,
        );
    }
    copy_x3cl(
        &extra,
        "FIT_OUT__566297041.fit",
        "recovery-truncated.fit",
        Some(6),
    );
    std::fs::write(extra.join("broken.fit"), b"not a FIT file at all").unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("..").join("shared").canonicalize().unwrap();
    let roster = tmp.join("roster.toml");
    let q = |p: &Path| format!("{:?}", p.to_str().unwrap());
    std::fs::write(
        &roster,
        format!(
            "[[athlete]]\nid = \"x3cl\"\nname = \"x3cl (running_page archive, Garmin)\"\ninputs = [{}, {}]\n\n\
             [[athlete]]\nid = \"shaonianche\"\nname = \"shaonianche (Apple Watch archive)\"\ninputs = [{}]\n\n\
             [[athlete]]\nid = \"coros\"\nname = \"mwheeler235 (COROS runs)\"\ninputs = [{}]\nprofile = {}\n",
            q(&shared.join("fit-corpus2/x3cl+running_page")),
            q(&extra),
            q(&shared.join("fit-corpus2/shaonianche+running-data-sync")),
            q(&shared.join("fit-corpus/mwheeler235+coros-run-metrics")),
            q(&root.join("examples/profiles/coros.toml")),
        ),
    )
    .unwrap();
    let roster_s = roster.to_str().unwrap();
    run(
        &[
            "ingest",
            extra.to_str().unwrap(),
            "--store",
            store_s,
            "--athlete",
            "x3cl",
            "-q",
        ],
        1,
    );
    // The two windows' overviews, read at once (each reads the whole store), while the
    // facts are missing: roster --store says so once the store has a facts folder (a
    // store that never had facts gets no note).
    std::fs::create_dir_all(Path::new(store_s).join("roster_facts")).unwrap();
    let children: Vec<_> = ["7d", "28d"]
        .iter()
        .map(|since| {
            hrzones()
                .args([
                    "roster", "--roster", roster_s, "--store", store_s, "--since", since,
                    "--until", UNTIL, "-q", "--format", "csv",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut csvs = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains("missing or stale for x3cl (no roster facts), shaonianche")
                && err.contains("run `hrzones store facts"),
            "{err}"
        );
        csvs.push(String::from_utf8(out.stdout).unwrap());
    }
    let csv28 = csvs.pop().unwrap();
    let csv7 = csvs.pop().unwrap();
    let (_, err) = run_err(&["store", "facts", store_s, "--roster", roster_s, "-q"], 0);
    assert!(
        err.contains("store facts: athlete coros: 5 sessions"),
        "{err}"
    );
    // Now fresh: the check behind roster's note finds nothing to say.
    let store_path = Path::new(store_s);
    let generation = hrzones::store::Store::open(store_path)
        .unwrap()
        .manifest()
        .generation;
    for (id, profile) in [
        ("x3cl", None),
        ("shaonianche", None),
        ("coros", Some(root.join("examples/profiles/coros.toml"))),
    ] {
        let now = hrzones::roster::facts::Stamp {
            generation,
            profile_hash: hrzones::roster::facts::profile_hash(profile.as_deref()),
        };
        assert_eq!(
            hrzones::roster::facts::check(store_path, id, &now),
            None,
            "{id}"
        );
        let other = hrzones::roster::facts::Stamp {
            generation: generation + 1,
            ..now
        };
        assert!(hrzones::roster::facts::check(store_path, id, &other).is_some());
    }
    // Every column has something to disagree on in the 28 days.
    let x3cl = &csv_rows(&csv28)["x3cl"];
    for col in [
        "recovery_runs",
        "recovery_findings",
        "easy_runs",
        "easy_in_z1",
        "quality_warnings",
        "unreadable_files",
    ] {
        assert!(num(x3cl, col) >= 1.0, "{col}: {x3cl:?}");
    }
    assert!(
        x3cl["findings"].contains("recovery-truncated.fit: too long"),
        "{x3cl:?}"
    );

    let Some(python) = python_with_duckdb() else {
        // CI sets HRZONES_REQUIRE_DUCKDB (.ci/run, which makes target/py-venv): never a
        // silent skip there.
        assert!(
            std::env::var_os("HRZONES_REQUIRE_DUCKDB").is_none(),
            "HRZONES_REQUIRE_DUCKDB is set but no python with duckdb was found"
        );
        eprintln!(
            "DuckDB check skipped: no python with duckdb (set HRZONES_PYTHON, or run .ci/run)"
        );
        return;
    };
    for (first, csv) in [("2026-02-22", csv7), (FIRST, csv28)] {
        let csv_path = tmp.join(format!("roster-{first}.csv"));
        std::fs::write(&csv_path, csv).unwrap();
        let out = Command::new(&python)
            .arg("scripts/roster_duckdb.py")
            .args([store_s, first, UNTIL, csv_path.to_str().unwrap()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{first}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("the query equals hrzones roster"), "{text}");
    }
}

/// A python that imports duckdb: $HRZONES_PYTHON, CI's venv (target/py-venv, made by
/// .ci/run), or python3 on the PATH.
fn python_with_duckdb() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("HRZONES_PYTHON").map(PathBuf::from),
        Some(root.join("target/py-venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// 4 shards ingested in parallel and merged give the store a single ingest gives: the
/// same files table (but for part names and times) and the same analysis results.
#[test]
fn four_shards_merged_equal_one_ingest() {
    if !corpora_present("four_shards_merged_equal_one_ingest") {
        return;
    }
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fit-corpus2/shaonianche+running-data-sync");
    let input = input.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (one, sharded) = (tmp.path().join("one"), tmp.path().join("sharded"));
    let (one_s, sharded_s) = (one.to_str().unwrap(), sharded.to_str().unwrap());
    run(
        &["ingest", input, "--store", one_s, "--athlete", "ana", "-q"],
        0,
    );
    let children: Vec<_> = (1..=4)
        .map(|i| {
            hrzones()
                .args([
                    "ingest",
                    input,
                    "--store",
                    sharded_s,
                    "--athlete",
                    "ana",
                    "-q",
                ])
                .args(["--shard", &format!("{i}/4")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut stored = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{err}");
        stored += err
            .split("ingest: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap();
    }
    assert!(
        stored > 40,
        "the shards stored {stored} new files between them"
    );
    run(&["store", "merge", sharded_s], 0);
    assert!(
        !sharded.join("_shards").exists(),
        "merged shards are removed"
    );
    for args in [
        vec!["load", "--store", "S", "-q", "--format", "csv"],
        vec!["zones", "--store", "S", "-q", "--format", "csv"],
        vec![
            "load",
            "--store",
            "S",
            "--athlete",
            "ana",
            "--daily",
            "-q",
            "--format",
            "csv",
        ],
    ] {
        let with = |s: &str| -> Vec<String> {
            args.iter()
                .map(|a| {
                    if *a == "S" {
                        s.to_string()
                    } else {
                        a.to_string()
                    }
                })
                .collect()
        };
        let a = run(
            &with(one_s).iter().map(String::as_str).collect::<Vec<_>>(),
            0,
        );
        let b = run(
            &with(sharded_s)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            0,
        );
        assert!(a.lines().count() > 40, "{args:?}");
        assert_eq!(a, b, "{args:?}");
    }
    // The files tables agree row for row but for where the rows live and when.
    let files = |dir: &Path| -> Vec<(String, String, Option<u64>, u32)> {
        let s = hrzones::store::Store::open(dir).unwrap();
        s.files()
            .iter()
            .map(|e| (e.path.clone(), e.athlete.clone(), e.file_hash, e.sessions))
            .collect()
    };
    assert_eq!(files(&one), files(&sharded));
    let m = hrzones::store::Manifest::read(&sharded).unwrap().unwrap();
    assert_eq!((m.version, m.schema_version), (2, 1));
}

/// Roster mistakes are usage errors that name the athlete and the rule; a missing input
/// is named and counted, never fatal.
#[test]
fn roster_mistakes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let dup = write(
        "dup.toml",
        "[[athlete]]\nid = \"a\"\ninputs = [\"x\"]\n[[athlete]]\nid = \"a\"\ninputs = [\"y\"]\n",
    );
    let out = hrzones()
        .args(["roster", "--roster", &dup])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"a\" appears twice"));

    let missing = write(
        "missing.toml",
        "[[athlete]]\nid = \"ana\"\ninputs = [\"nowhere\"]\n[[athlete]]\nid = \"bo\"\ninputs = [\"fixtures\"]\n",
    );
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        tmp.path().join("fixtures"),
    )
    .unwrap();
    let out = hrzones()
        .args([
            "roster",
            "--roster",
            &missing,
            "--since",
            "7d",
            "--until",
            "2024-01-01",
            "--format",
            "csv",
            "-q",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("athlete ana: input") && err.contains("nowhere does not exist"),
        "{err}"
    );
    let rows = csv_rows(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(rows["ana"]["unreadable_files"], "1");
    assert_eq!(rows["bo"]["unreadable_files"], "0");
    assert_eq!(
        rows.keys().next().map(String::as_str),
        Some("ana"),
        "two reasons (no sessions, a data warning) come first"
    );

    let out = hrzones()
        .args(["zones", "--roster", &missing, "--athlete", "nobody"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no athlete \"nobody\"; its athletes are: ana, bo"));
    let out = hrzones()
        .args([
            "ingest",
            "fixtures",
            "--store",
            tmp.path().join("s").to_str().unwrap(),
            "--athlete",
            "Bad/Id",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an athlete id"));
}

/// A version-1 store (`year=` folders, no athlete anywhere) is read as the default
/// athlete's, and the next ingest moves its parts to `athlete=default/` by links,
/// decoding nothing, with the same results.
#[test]
fn a_version_1_store_is_read_then_migrated() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("st");
    let store_s = store.to_str().unwrap();
    run(&["ingest", "fixtures", "--store", store_s, "-q"], 0);
    let zones = || run(&["zones", "--store", store_s, "-q", "--format", "csv"], 0);
    let before = zones();
    assert!(before.lines().count() > 5);

    // Turn it into the layout and manifest of version 1 (which had no hr_seconds table).
    std::fs::remove_dir_all(store.join("hr_seconds")).unwrap();
    for t in ["sessions", "samples", "timer"] {
        let from = store.join(t).join("athlete=default");
        for y in std::fs::read_dir(&from).unwrap().flatten() {
            std::fs::rename(y.path(), store.join(t).join(y.file_name())).unwrap();
        }
        std::fs::remove_dir(&from).unwrap();
    }
    let mpath = store.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mpath).unwrap()).unwrap();
    m["version"] = 1.into();
    m.as_object_mut().unwrap().remove("schema_version");
    for p in m["parts"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("athlete");
        p.as_object_mut().unwrap().remove("hr_seconds");
    }
    std::fs::write(&mpath, serde_json::to_string(&m).unwrap()).unwrap();
    let fpath = store.join(m["files_table"].as_str().unwrap());
    let mut df = ParquetReader::new(std::fs::File::open(&fpath).unwrap())
        .finish()
        .unwrap();
    let parts: StringChunked = df
        .column("part")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|p| p.map(|p| p.trim_start_matches("default/").to_string()))
        .collect();
    df.with_column(parts.into_series().with_name("part".into()).into())
        .unwrap();
    let mut df = df.drop("athlete").unwrap();
    let f = std::fs::File::create(&fpath).unwrap();
    hrzones::parquet_compat::writer(f, &df)
        .finish(&mut df)
        .unwrap();

    assert_eq!(zones(), before, "a version-1 store reads as before");
    let athlete = run(
        &[
            "zones",
            "--store",
            store_s,
            "--athlete",
            "default",
            "-q",
            "--format",
            "csv",
        ],
        0,
    );
    assert_eq!(athlete, before, "its files are the default athlete's");

    let out = hrzones()
        .args(["ingest", "fixtures", "--store", store_s, "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 new, 0 changed"), "{err}");
    assert!(
        err.contains("parts of the old layout to athlete=default/"),
        "{err}"
    );
    assert!(store.join("sessions/athlete=default").is_dir());
    let left: Vec<_> = std::fs::read_dir(store.join("sessions"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, ["athlete=default"], "the old year= folders are gone");
    let m = hrzones::store::Manifest::read(&store).unwrap().unwrap();
    assert_eq!((m.version, m.schema_version), (2, 1));
    assert_eq!(zones(), before, "and the same results after the move");
}

/// The recovery columns are `hrzones audit`'s verdicts: the fixtures' four recovery runs
/// (two built to pass, one to drift, one too long; fixtures/README.md) in the window.
#[test]
fn recovery_findings_are_the_audits() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let roster = tmp.path().join("roster.toml");
    std::fs::write(
        &roster,
        format!(
            "[[athlete]]\nid = \"fx\"\ninputs = [{:?}]\n",
            fixtures.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = run(
        &[
            "roster",
            "--roster",
            roster.to_str().unwrap(),
            "--since",
            "2024-04-27",
            "--until",
            "2024-05-06",
            "-q",
            "--format",
            "csv",
        ],
        0,
    );
    let rows = csv_rows(&out);
    let fx = &rows["fx"];
    let audit = run(&["audit", "fixtures", "-q", "--format", "csv"], 0);
    let mut failed = Vec::new();
    let mut labelled = 0;
    for l in audit.lines().skip(1) {
        let c = split_csv(l);
        if c[2].as_str() >= "2024-04-27" && c[2].as_str() < "2024-05-07" {
            labelled += 1;
            if c[5] != "ok" && c[5] != "long" && c[5] != "incomplete" {
                let base = c[0].rsplit('/').next().unwrap().to_string();
                failed.push(format!("{base}: {}", c[5]));
            }
        }
    }
    assert_eq!(labelled, 4);
    assert_eq!(num(fx, "recovery_runs") as usize, labelled);
    assert_eq!(num(fx, "recovery_findings") as usize, failed.len());
    assert_eq!(fx["findings"], failed.join("; "));
    assert!(fx["findings"].contains("recovery_too_hard.fit: drifted"));
    assert!(fx["findings"].contains("recovery_too_long.fit: too long"));
    assert_eq!(fx["attention"], "recovery 2/4 failed");
}

/// Two athletes in one store: each one's files alone with --athlete (the same bytes
/// stored for both), and a warning when the store is read whole with archive estimates.
#[test]
fn athletes_share_a_store_but_not_their_files() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("st");
    let store_s = store.to_str().unwrap();
    run(
        &[
            "ingest",
            "fixtures",
            "--store",
            store_s,
            "--athlete",
            "ana",
            "-q",
        ],
        0,
    );
    run(
        &[
            "ingest",
            "fixtures/easy_run.fit",
            "fixtures/recovery_ok.fit",
            "--store",
            store_s,
            "--athlete",
            "bo",
            "-q",
        ],
        0,
    );
    let zones = |athlete: &str| {
        run(
            &[
                "zones",
                "--store",
                store_s,
                "--athlete",
                athlete,
                "--max-hr",
                "190",
                "-q",
                "--format",
                "csv",
            ],
            0,
        )
    };
    let (ana, bo) = (zones("ana"), zones("bo"));
    let direct = run(
        &[
            "zones",
            "fixtures/easy_run.fit",
            "fixtures/recovery_ok.fit",
            "--max-hr",
            "190",
            "-q",
            "--format",
            "csv",
        ],
        0,
    );
    assert_eq!(bo.lines().count(), 3, "{bo}");
    assert_eq!(
        bo.lines()
            .skip(1)
            .map(|l| split_csv(l)[1..].join(","))
            .collect::<Vec<_>>(),
        direct
            .lines()
            .skip(1)
            .map(|l| split_csv(l)[1..].join(","))
            .collect::<Vec<_>>(),
        "bo's files, analysed as from the FIT files (only the file names differ)"
    );
    assert!(ana.lines().count() > 10);
    let out = hrzones()
        .args(["zones", "--store", store_s, "-q", "--format", "csv"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the store holds 2 athletes"), "{err}");
}

/// docs/STORE.md shows the query scripts/roster_duckdb.py runs (the placeholders filled
/// in with DIR and the test's window): the documented query is the tested one.
#[test]
fn the_documented_sql_is_the_tested_query() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("scripts/roster_duckdb.py")).unwrap();
    let docs = std::fs::read_to_string(root.join("docs/STORE.md")).unwrap();
    let query = script
        .split("QUERY = \"\"\"")
        .nth(1)
        .and_then(|rest| rest.split("\"\"\"").next())
        .expect("QUERY in the script")
        .trim_matches('\n')
        .replace("{store}", "DIR")
        .replace("{first}", FIRST)
        .replace("{last}", UNTIL)
        // Python's escaped backslashes, as SQL receives them.
        .replace(r"\\\\", r"\\");
    let section = docs
        .split("### The query")
        .nth(1)
        .expect("docs/STORE.md has \"### The query\"");
    assert!(
        section.contains(&format!("```sql\n{query}\n```")),
        "docs/STORE.md's query differs from scripts/roster_duckdb.py's"
    );
}
