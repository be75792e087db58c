//! Bad values are usage errors (exit 2) that name the flag and the valid range (issue 12).

use assert_cmd::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("hrzones")
        .unwrap()
        .args(args)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/recovery_ok.fit"
        ))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_threshold_values_name_the_flag_and_the_range() {
    for (args, expect) in [
        (&["zones", "--max-hr", "-190"][..], "--max-hr"),
        (&["zones", "--resting-hr", "0"][..], "20..=120"),
        (
            &["zones", "--zones", "custom"][..],
            "--zones custom needs --bounds",
        ),
        (&["zones", "--percents", "50,60,70,80,190"][..], "(0, 100]"),
        (
            &["zones", "--max-hr", "110", "--resting-hr", "115"][..],
            "resting HR 115 must be below max HR 110",
        ),
    ] {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}

/// `--athlete` on files read directly (no roster, no store) would be ignored: a usage
/// error naming what it needs.
#[test]
fn athlete_without_roster_or_store_is_a_usage_error() {
    for cmd in ["zones", "load", "audit"] {
        let (code, err) = run(&[cmd, "--athlete", "bob"]);
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(
            err.contains("--athlete bob needs --roster FILE"),
            "{cmd}: {err}"
        );
    }
}
