//! Set-up commands (issue 12 item 18): shell completions and man pages are generated
//! from the clap definition, so every subcommand and flag is in them.

use assert_cmd::Command;

fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

const SUBCOMMANDS: [&str; 8] = [
    "zones", "audit", "load", "chart", "ingest", "summary", "roster", "report",
];

#[test]
fn completions_know_every_subcommand_and_flag() {
    for shell in ["bash", "zsh", "fish"] {
        let out = hrzones().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(
            script.contains("since") && script.contains("max-hr"),
            "{shell}"
        );
    }
    let bad = hrzones().args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_writes_one_page_per_command() {
    let page = hrzones().arg("man").output().unwrap();
    assert!(page.status.success());
    let text = String::from_utf8(page.stdout).unwrap();
    assert!(
        text.contains(".TH HRZONES 1"),
        "{}",
        &text[..200.min(text.len())]
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let run = hrzones()
        .arg("man")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    for sub in SUBCOMMANDS {
        let p = out.join(format!("hrzones-{sub}.1"));
        let page = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            page.contains(&format!(".TH HRZONES-{} 1", sub.to_uppercase())),
            "{sub}"
        );
        assert!(
            page.contains("hrzones "),
            "{sub}: synopsis names the binary"
        );
    }
    assert!(out.join("hrzones.1").is_file());
}
