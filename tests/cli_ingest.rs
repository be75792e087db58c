//! `hrzones ingest` and `--store` through the binary: the summary line, the exit codes,
//! and `zones --store` printing exactly what `zones PATH` prints.

use std::path::Path;

use predicates::prelude::*;

mod common;
use common::{corpus, hrzones};

/// A folder of a few running/cycling files (and one not-activity file).
fn sample_folder(corpus: &Path, to: &Path) {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.csv")).unwrap();
    std::fs::create_dir_all(to.join("sub")).unwrap();
    let mut n = 0;
    // Lines with a quoted license field are skipped: the columns read here come after it.
    for line in manifest.lines().skip(1).filter(|l| !l.contains('"')) {
        let c: Vec<&str> = line.split(',').collect();
        let small = c[5].parse::<u64>().is_ok_and(|b| b < 250_000);
        let activity = (c[10] == "running" || c[10] == "cycling")
            && c[6] == "yes"
            && c[7] == "yes"
            && c[18].parse::<u64>().is_ok_and(|n| n > 0);
        if small && activity && n < 6 {
            let dst = if n % 2 == 0 {
                to.to_path_buf()
            } else {
                to.join("sub")
            };
            std::fs::copy(corpus.join(c[0]), dst.join(c[0].replace('/', "__"))).unwrap();
            n += 1;
        }
    }
    std::fs::copy(
        corpus.join("dtcooper+python-fitparse/tests__files__Settings.fit"),
        to.join("Settings.fit"),
    )
    .unwrap();
}

#[test]
fn zones_from_the_store_print_what_zones_from_the_files_print() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in").canonicalize().unwrap_or_else(|_| {
        std::fs::create_dir_all(tmp.path().join("in")).unwrap();
        tmp.path().join("in").canonicalize().unwrap()
    });
    sample_folder(&corpus, &input);
    let store = tmp.path().join("store");

    hrzones()
        .args(["ingest", "-q"])
        .arg(&input)
        .arg("--store")
        .arg(&store)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "ingest: 6 new, 0 changed, 0 unchanged, 0 failed, 1 not activities",
        ));
    hrzones()
        .args(["ingest", "-q"])
        .arg(&input)
        .arg("--store")
        .arg(&store)
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains("7 unchanged")
                .and(predicate::str::contains("store unchanged")),
        );

    for flags in [
        &[][..],
        &["--max-hr", "185"][..],
        &["--bounds", "120,140,155,170"][..],
    ] {
        let from_files = hrzones()
            .args(["zones", "-q", "--format", "csv"])
            .arg(&input)
            .args(flags)
            .output()
            .unwrap();
        let from_store = hrzones()
            .args(["zones", "-q", "--format", "csv", "--store"])
            .arg(&store)
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(from_files.status.code(), Some(0));
        assert_eq!(from_store.status.code(), Some(0));
        let a = String::from_utf8(from_files.stdout).unwrap();
        let b = String::from_utf8(from_store.stdout).unwrap();
        assert!(a.lines().count() > 6, "{a}");
        assert_eq!(a, b, "zones {flags:?}: store and files differ");
    }

    // PATHs with --store select the files under them.
    let sub = hrzones()
        .args(["zones", "-q", "--format", "csv", "--store"])
        .arg(&store)
        .arg(input.join("sub"))
        .output()
        .unwrap();
    let text = String::from_utf8(sub.stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
}

#[test]
fn ingest_exits_1_when_a_file_fails_and_2_when_the_store_is_unusable() {
    let Some(corpus) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        corpus.join("jalbiero+vo2max-tracker/tests__activities__invalid.fit"),
        input.join("invalid.fit"),
    )
    .unwrap();
    let store = tmp.path().join("store");
    hrzones()
        .args(["ingest", "-q"])
        .arg(&input)
        .arg("--store")
        .arg(&store)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid.fit").and(predicate::str::contains("1 failed")));

    hrzones()
        .args(["zones", "-q", "--store"])
        .arg(tmp.path().join("nothing-here"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an hrzones store"));

    hrzones()
        .args(["zones"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PATH"));
}
