//! `hrzones report`: the static site, through the binary.
//!
//! - On the fixtures (always): every verdict of `hrzones audit --format csv` is on the
//!   athlete page with its start time; nothing on a page fetches anything (no script,
//!   no external reference); a hostile file name is escaped; the folder is replaced
//!   whole; an input folder is never written to.
//! - On the example roster (`examples/roster.toml`, three athletes from ../shared): the
//!   index agrees with `hrzones roster --since 7d`, and every page passes the headless
//!   Chromium check (`scripts/check_site_browser.py`: console errors, missing images,
//!   broken links, overflow at 390 px, each athlete's audit verdicts on their page).
//!   Skips with a message when the corpora, Chromium or the Python venv with selenium
//!   are missing; `.ci/run` installs them. Screenshots stay in
//!   `target/report-site/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::csv_rows;

fn hrzones() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hrzones"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs hrzones; asserts the exit code; returns stdout.
fn run(args: &[&str], code: i32) -> String {
    let out = hrzones().current_dir(root()).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "hrzones {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn fixtures_report_carries_every_audit_verdict_and_fetches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let out_s = out.to_str().unwrap();
    let printed = run(&["report", "fixtures", "--out", out_s, "-q"], 0);
    assert!(printed.contains("index.html") && printed.contains("athlete-default.html"));
    let page = read(&out.join("athlete-default.html"));
    let index = read(&out.join("index.html"));

    // The audit's own verdicts, by start time: each is on the page, in the audit table.
    let audit = csv_rows(&run(&["audit", "fixtures", "--format", "csv", "-q"], 0));
    assert!(audit.len() >= 4, "the fixtures have labelled recovery runs");
    for row in &audit {
        let needle = format!("<time datetime=\"{}\">", row["start"]);
        let at = page
            .find(&needle)
            .unwrap_or_else(|| panic!("run at {} not on the page", row["start"]));
        let tail = &page[at..at + 600.min(page.len() - at)];
        assert!(
            tail.contains(&format!(">{}</span>", row["verdict"])),
            "verdict {:?} of {} not beside it: {tail}",
            row["verdict"],
            row["start"]
        );
    }
    // One chart per audited run (20 by default, the fixtures have fewer), inline SVG.
    assert_eq!(page.matches("<figure id=\"run-").count(), audit.len());
    assert!(page.contains("<svg role=\"img\""));

    for (name, html) in [("index", &index), ("athlete", &page)] {
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(
            html.contains("name=\"viewport\""),
            "{name}: no viewport meta"
        );
        assert!(!html.contains("<script"), "{name}: has a script");
        assert!(!html.contains("<link"), "{name}: references a file");
        assert!(!html.contains(" src="), "{name}: loads something");
        // The only URL is the SVG namespace, which is a name, never fetched.
        let urls = html.matches("http://").count() + html.matches("https://").count();
        let svg_ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(urls, svg_ns, "{name}: an external reference");
    }
    assert!(index.contains("href=\"athlete-default.html\""));

    // Running again replaces the folder whole (nothing stale left).
    std::fs::write(out.join("stale.html"), "x").unwrap();
    run(&["report", "fixtures", "--out", out_s, "-q"], 0);
    assert!(!out.join("stale.html").exists());
}

#[test]
fn hostile_file_names_are_escaped_and_inputs_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let evil = "<img src=x onerror=alert(1)> \"recovery\" & co.fit";
    std::fs::copy(
        root().join("fixtures/recovery_too_hard.fit"),
        runs.join(evil),
    )
    .unwrap();
    std::fs::copy(root().join("fixtures/easy_run.fit"), runs.join("easy.fit")).unwrap();
    let out = tmp.path().join("site");
    run(
        &[
            "report",
            runs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--name",
            "<b>Ana</b>",
            "-q",
        ],
        0,
    );
    let page = read(&out.join("athlete-default.html"));
    assert!(!page.contains("<img"), "raw markup from a file name");
    assert!(!page.contains("<b>Ana"), "raw markup from --name");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&lt;b&gt;Ana&lt;/b&gt;"));
    // Inside the inline SVG chart too (plotters escapes its text).
    assert!(!page.contains("onerror=alert(1)> "));

    // Never into an input folder; never over a folder that is not a report.
    let out = hrzones()
        .args(["report", runs.to_str().unwrap(), "--out"])
        .arg(runs.join("site"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the input"));
    assert!(!runs.join("site").exists());
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("thesis.tex"), "precious").unwrap();
    let out = hrzones()
        .args(["report", runs.to_str().unwrap(), "--out"])
        .arg(&home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read(&home.join("thesis.tex")), "precious");
}

/// The venv Python with selenium, and Chromium with its driver; None (and why) when
/// any is missing.
fn browser() -> Result<PathBuf, String> {
    let python = root().join("target/py-venv/bin/python");
    if !python.is_file() {
        return Err(format!(
            "{} is missing (.ci/run creates it)",
            python.display()
        ));
    }
    let selenium = Command::new(&python)
        .args(["-c", "import selenium"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !selenium {
        return Err("selenium is not installed in target/py-venv".into());
    }
    for exe in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        if !Path::new(exe).exists() {
            return Err(format!(
                "{exe} is missing (apt-get install chromium chromium-driver)"
            ));
        }
    }
    Ok(python)
}

#[test]
fn roster_site_passes_the_browser_check_and_agrees_with_the_roster_overview() {
    let test = "roster_site_passes_the_browser_check";
    for dir in [
        "fit-corpus2/x3cl+running_page",
        "fit-corpus2/shaonianche+running-data-sync",
        "fit-corpus/mwheeler235+coros-run-metrics",
    ] {
        if !root().join("../shared").join(dir).is_dir() {
            eprintln!("{test}: skipped, ../shared/{dir} is absent");
            return;
        }
    }
    let python = match browser() {
        Ok(p) => Some(p),
        Err(why) if std::env::var_os("HRZONES_REQUIRE_BROWSER").is_some() => {
            panic!("{test}: HRZONES_REQUIRE_BROWSER is set but {why}")
        }
        Err(why) => {
            eprintln!("{test}: the browser check is skipped: {why}");
            None
        }
    };
    let until = "2024-06-30";
    let site = root().join("target/report-site/site");
    let _ = std::fs::remove_dir_all(&site);
    let site_s = site.to_str().unwrap();
    run(
        &[
            "report",
            "--roster",
            "examples/roster.toml",
            "--until",
            until,
            "--weeks",
            "8",
            "--run-charts",
            "6",
            "--out",
            site_s,
            "-q",
        ],
        0,
    );
    let index = read(&site.join("index.html"));

    // The index's numbers and order are `hrzones roster`'s.
    let overview = csv_rows(&run(
        &[
            "roster",
            "--roster",
            "examples/roster.toml",
            "--since",
            "7d",
            "--until",
            until,
            "--format",
            "csv",
            "-q",
        ],
        0,
    ));
    assert_eq!(overview.len(), 3);
    let mut last_at = 0;
    for row in &overview {
        let id = &row["athlete"];
        let at = index
            .find(&format!("href=\"athlete-{id}.html\""))
            .unwrap_or_else(|| panic!("{id} not on the index"));
        assert!(at > last_at, "{id} out of the roster's order");
        last_at = at;
        let tr_end = at + index[at..].find("</tr>").unwrap();
        let cells = &index[at..tr_end];
        let rounded = |col: &str| -> String {
            let v: f64 = row[col].parse().unwrap();
            let r = v.round();
            format!("<td>{}</td>", if r == 0.0 { 0.0 } else { r })
        };
        assert!(
            cells.contains(&format!("<td>{}</td>", row["sessions"])),
            "{id}: sessions {} not in {cells}",
            row["sessions"]
        );
        for col in ["ctl", "atl", "tsb"] {
            if !row[col].is_empty() {
                assert!(
                    cells.contains(&rounded(col)),
                    "{id}: {col} {} not in {cells}",
                    row[col]
                );
            }
        }
        assert!(
            cells.contains(&format!(
                ">{} of {}</span>",
                row["recovery_findings"], row["recovery_runs"]
            )),
            "{id}: recovery findings not in {cells}"
        );
        assert!(site.join(format!("athlete-{id}.html")).is_file());
    }

    let Some(python) = python else { return };
    // Each athlete's audit, as `hrzones audit --roster --athlete` prints it.
    let mut audit_args = Vec::new();
    for row in &overview {
        let id = &row["athlete"];
        let csv = run(
            &[
                "audit",
                "--roster",
                "examples/roster.toml",
                "--athlete",
                id,
                "--format",
                "csv",
                "-q",
            ],
            0,
        );
        let path = root().join(format!("target/report-site/audit-{id}.csv"));
        std::fs::write(&path, csv).unwrap();
        audit_args.push(format!("{}:athlete-{id}.html", path.display()));
    }
    let shots = root().join("target/report-site/screenshots");
    let stdout = browser_check(&python, &site, &shots, &audit_args);
    assert!(stdout.contains("checked 8 page loads"), "{stdout}");
    assert!(shots.join("index-laptop-1280px.png").is_file());
    assert!(shots.join("athlete-x3cl-phone-390px.png").is_file());

    // The corpora's archives label no run recovery: the fixtures do (4 audited runs with
    // charts), so their site is checked in the browser too, verdicts included.
    let fixtures_site = root().join("target/report-site/fixtures-site");
    let _ = std::fs::remove_dir_all(&fixtures_site);
    run(
        &[
            "report",
            "fixtures",
            "--out",
            fixtures_site.to_str().unwrap(),
            "-q",
        ],
        0,
    );
    let csv = root().join("target/report-site/audit-fixtures.csv");
    std::fs::write(
        &csv,
        run(&["audit", "fixtures", "--format", "csv", "-q"], 0),
    )
    .unwrap();
    let stdout = browser_check(
        &python,
        &fixtures_site,
        &shots.join("fixtures"),
        &[format!("{}:athlete-default.html", csv.display())],
    );
    assert!(stdout.contains("checked 4 page loads"), "{stdout}");
}

/// Runs scripts/check_site_browser.py; asserts it passed; returns its stdout.
fn browser_check(python: &Path, site: &Path, shots: &Path, audits: &[String]) -> String {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("scripts/check_site_browser.py"))
        .arg(site)
        .arg("--screenshots")
        .arg(shots);
    for a in audits {
        cmd.arg("--audit").arg(a);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(0),
        "browser check failed:\n{stdout}"
    );
    stdout
}
