//! Every command's terminal table fits 80 and 100 columns (issue 12): `--format table`
//! with `COLUMNS` set, on the project's fixtures, each line measured in characters.

use assert_cmd::Command;

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn every_table_fits_80_and_100_columns() {
    let cases: &[&[&str]] = &[
        &["zones"],
        &["zones", "--zones", "lthr", "--lthr", "170"],
        &["audit", "--candidates"],
        &["load"],
        &["load", "--daily"],
        &["load", "--weekly"],
    ];
    for width in [80usize, 100] {
        for args in cases {
            let out = Command::cargo_bin("hrzones")
                .unwrap()
                .env("COLUMNS", width.to_string())
                .env("NO_COLOR", "1")
                .args(*args)
                .args(["--format", "table"])
                .arg(fixtures())
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                text.lines().count() > 1,
                "{args:?}: no table: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            for line in text.lines() {
                let n = line.chars().count();
                assert!(n <= width, "{args:?} at {width}: {n} wide: {line:?}");
            }
        }
    }
}

#[test]
fn wide_and_columns_keep_machine_units() {
    let out = Command::cargo_bin("hrzones")
        .unwrap()
        .args(["zones", "--format", "csv", "--columns", "file,timer_s"])
        .arg(fixtures().join("recovery_ok.fit"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file,timer_s"));
    assert!(lines.next().unwrap().ends_with(",1500.0"), "{text}");
    let out = Command::cargo_bin("hrzones")
        .unwrap()
        .args(["zones", "--format", "csv", "--columns", "nope"])
        .arg(fixtures().join("recovery_ok.fit"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"nope\""));
}

#[test]
fn parquet_needs_a_file_and_is_refused_before_reading() {
    // A folder that does not exist would fail to read: the output error comes first.
    let out = Command::cargo_bin("hrzones")
        .unwrap()
        .args(["audit", "--format", "parquet", "/does/not/exist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--output FILE"), "{err}");
    assert!(!err.contains("/does/not/exist"), "{err}");
}
