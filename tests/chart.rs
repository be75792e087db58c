//! Charts: a synthetic 30-minute run whose heart rate steps through every zone (with a
//! pause and a data gap) is drawn, decoded back and checked pixel by pixel against what
//! its heart rate says; the SVG is checked for its labels; and `hrzones chart` is run on
//! a corpus file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use hrzones::activity::Activity;
use hrzones::analysis::SessionAnalysis;
use hrzones::chart::{
    self, band_fill, ChartFormat, PmcDay, PmcFinding, PmcInput, RunChartInput, RunGeometry,
    WeeklyZonesInput, CEILING_RGB, EXCURSION_RGB, EXCURSION_STRIP_PX, HR_LINE_RGB, RUN_PANEL_W_PX,
    RUN_SIZE_PX, RUN_TITLE_H_PX,
};
use hrzones::fit::decode::{FitData, RecordColumns, SummaryMsg, TimerEvent};
use hrzones::profile::{AthleteProfile, Settings, Thresholds};
use hrzones::zones::TimeInZoneOptions;
use image::RgbImage;

/// 2024-11-08 11:33:20 UTC (FIT seconds since 1989-12-31 00:00 UTC; Unix 1,731,065,600).
const T0: u32 = 1_100_000_000;
/// Z1 100-119, Z2 120-139, Z3 140-159, Z4 160-179, Z5 180+; below 100 is "below Z1".
const FLOORS: [u8; 5] = [100, 120, 140, 160, 180];

/// The heart rate at each elapsed second; None where the watch wrote no record.
/// 0-300 s below Z1 (90), 300-600 Z1 (110), 600-900 Z2 (130), 900-960 timer stopped
/// (records every 5 s at 100 bpm, which must not be drawn), 960-1200 Z3 (150),
/// 1200-1260 no records (a gap), 1260-1500 Z4 (170), 1500-1800 Z5 (190).
fn hr_at(e: u32) -> Option<u8> {
    match e {
        0..300 => Some(90),
        300..600 => Some(110),
        600..=900 => Some(130),
        901..960 => (e % 5 == 0).then_some(100),
        960..1200 => Some(150),
        1200..1260 => None,
        1260..1500 => Some(170),
        _ => Some(190),
    }
}

fn fixture() -> Activity {
    activity_with(1800, &[(0, 900), (960, 1800)], 4872.0, hr_at)
}

/// A running activity starting at T0: `timer` holds the (start, stop) elapsed seconds of
/// the timer, `hr` the heart rate of each second (None: no record).
fn activity_with(
    elapsed_s: u32,
    timer: &[(u32, u32)],
    distance_m: f64,
    hr: impl Fn(u32) -> Option<u8>,
) -> Activity {
    let mut rec = RecordColumns::default();
    for e in 0..=elapsed_s {
        let Some(h) = hr(e) else { continue };
        rec.t_s.push(T0 + e);
        rec.hr_bpm.push(h);
        rec.distance_m.push(e as f64 * 2.8);
        rec.speed_mps.push(2.8);
        rec.altitude_m.push(f32::NAN);
        rec.cadence_rpm.push(f32::NAN);
        rec.power_w.push(f32::NAN);
    }
    let timer_s: u32 = timer.iter().map(|(a, b)| b - a).sum();
    let fit = FitData {
        records: rec,
        sessions: vec![SummaryMsg {
            timestamp: Some(T0 + elapsed_s),
            start_time: Some(T0),
            sport: Some(1),
            sub_sport: Some(0),
            elapsed_s: Some(elapsed_s as f64),
            timer_s: Some(timer_s as f64),
            distance_m: Some(distance_m),
            ..Default::default()
        }],
        timer_events: timer
            .iter()
            .flat_map(|&(a, b)| {
                [
                    TimerEvent {
                        t_s: T0 + a,
                        start: true,
                        record_index: 0,
                    },
                    TimerEvent {
                        t_s: T0 + b,
                        start: false,
                        record_index: 0,
                    },
                ]
            })
            .collect(),
        ..Default::default()
    };
    Activity::from_fit(fit, "synthetic.fit")
}

fn settings() -> Settings {
    Settings {
        profile: AthleteProfile::default(),
        overrides: Thresholds {
            bounds: Some(FLOORS.to_vec()),
            ..Default::default()
        },
    }
}

fn input_with(verdict: Option<&str>) -> RunChartInput {
    let a = fixture();
    let s = &a.sessions[0];
    let an = SessionAnalysis::compute(&a, s, &settings(), TimeInZoneOptions::default());
    RunChartInput::from_session(&a, s, &an, Some(41.7), verdict.map(str::to_string)).unwrap()
}

fn render_png(input: &RunChartInput) -> (RgbImage, RunGeometry, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.png");
    let g = chart::render_run_png(input, &path).unwrap();
    keep(&path, "synthetic_run.png");
    let img = image::open(&path).unwrap().to_rgb8();
    (img, g, path, dir)
}

/// With `HRZONES_CHART_DIR` set, keeps a copy of a test chart there to look at.
fn keep(path: &Path, name: &str) {
    if let Ok(dir) = std::env::var("HRZONES_CHART_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(path, Path::new(&dir).join(name)).unwrap();
    }
}

/// [`keep`] for bytes rendered in memory.
fn keep_bytes(bytes: &[u8], name: &str) {
    if let Ok(dir) = std::env::var("HRZONES_CHART_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }
}

fn px(img: &RgbImage, x: i32, y: i32) -> [u8; 3] {
    img.get_pixel(x as u32, y as u32).0
}

/// The most common colour in a 7×3 window: robust to a grid line through the point.
fn majority(img: &RgbImage, x: i32, y: i32) -> [u8; 3] {
    let mut counts: Vec<([u8; 3], usize)> = Vec::new();
    for dx in -3..=3 {
        for dy in -1..=1 {
            let c = px(img, x + dx, y + dy);
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).unwrap().0
}

/// Rows of column `x` (inside the plot) whose pixel is exactly `colour`.
fn rows_of(img: &RgbImage, g: &RunGeometry, x: i32, colour: [u8; 3]) -> Vec<i32> {
    (g.y_px.1..=g.y_px.0)
        .filter(|&y| px(img, x, y) == colour)
        .collect()
}

fn zone_of(hr: f64) -> usize {
    FLOORS.iter().take_while(|&&f| hr >= f as f64).count()
}

#[test]
fn from_session_breaks_the_line_at_the_pause_and_the_gap() {
    let input = input_with(None);
    assert_eq!(input.zone_floors_bpm, FLOORS);
    assert_eq!(input.z1_ceiling_bpm, Some(120));
    assert_eq!(input.pauses_s, vec![(900.0, 960.0)]);
    // Three joined stretches: before the pause, pause to gap, after the gap.
    assert_eq!(input.segments.len(), 3, "{:?}", input.segments);
    let ends: Vec<(f64, f64)> = input
        .segments
        .iter()
        .map(|r| (input.t_elapsed_s[r.start], input.t_elapsed_s[r.end - 1]))
        .collect();
    assert_eq!(ends, vec![(0.0, 900.0), (960.0, 1199.0), (1260.0, 1800.0)]);
    // Records written while the timer was stopped are not part of the run.
    assert!(!input.hr_bpm.contains(&100));
    assert_eq!(input.title.date, "2024-11-08 11:33 UTC");
    assert_eq!(input.title.sport, "Running");
    assert_eq!(input.title.duration_s, 1740.0);
    assert!(input.title.zone_model.starts_with("custom zones"));
    // The panel's seconds are the analysis' seconds, and cover the timer time with HR.
    let total: f64 = input.secs_in_zone.iter().sum();
    assert!((total - 1740.0).abs() < 1.0, "{total}");
}

#[test]
fn png_has_the_size_and_zone_bands_where_the_floors_map() {
    let input = input_with(None);
    let (img, g, path, _dir) = render_png(&input);
    assert_eq!(img.dimensions(), RUN_SIZE_PX);
    let bytes = std::fs::metadata(&path).unwrap().len();
    assert!(bytes > 10_000 && bytes < 400_000, "{bytes} bytes");
    // A column in the first five minutes (HR 90, below every band above it): every band
    // shows its own pale colour midway between its floor and the next.
    let x = g.x_of(150.0);
    let mut mids: Vec<(usize, f64)> = vec![(0, (g.y_bpm.0 + 100.0) / 2.0)];
    for z in 1..=5 {
        let lo = FLOORS[z - 1] as f64;
        let hi = FLOORS.get(z).map_or(g.y_bpm.1, |&f| f as f64);
        mids.push((z, (lo + hi) / 2.0));
    }
    for (z, bpm) in mids {
        if (bpm - 90.0).abs() < 4.0 {
            continue; // the HR line itself
        }
        let want = band_fill(input.zone_colours[z]);
        let got = majority(&img, x, g.y_of(bpm));
        assert_eq!(got, want, "zone {z} at {bpm} bpm (y {})", g.y_of(bpm));
    }
    // Band edges sit on the floors: 2 px either side of each floor differ in colour.
    for (i, &f) in FLOORS.iter().enumerate() {
        let y = g.y_of(f as f64);
        let below = majority(&img, x, y + 3);
        let above = majority(&img, x, y - 3);
        assert_eq!(below, band_fill(input.zone_colours[i]), "below floor {f}");
        if f != 120 {
            // The Z1 ceiling line is drawn over the Z2 floor.
            assert_eq!(
                above,
                band_fill(input.zone_colours[i + 1]),
                "above floor {f}"
            );
        }
    }
}

#[test]
fn png_hr_line_lies_in_the_band_of_its_heart_rate() {
    let input = input_with(None);
    let (img, g, _path, _dir) = render_png(&input);
    for (t, hr) in [(150.0, 90.0), (450.0, 110.0)] {
        let x = g.x_of(t);
        let rows = rows_of(&img, &g, x, HR_LINE_RGB);
        assert!(!rows.is_empty(), "no HR line at {t} s");
        let mean = rows.iter().sum::<i32>() as f64 / rows.len() as f64;
        assert!(
            (mean - g.y_of(hr) as f64).abs() <= 2.0,
            "line at {mean}, want {}",
            g.y_of(hr)
        );
        // Just above the line: the pale band of the zone the HR is in.
        let above = px(&img, x, rows[0] - 4);
        assert_eq!(above, band_fill(input.zone_colours[zone_of(hr)]), "{t} s");
    }
    // Above the Z1 ceiling the line is drawn in the excursion colour, in its zone's band
    // (which stays its own colour above and below the line).
    for (t, hr) in [
        (750.0, 130.0),
        (1100.0, 150.0),
        (1400.0, 170.0),
        (1650.0, 190.0),
    ] {
        let x = g.x_of(t);
        let rows: Vec<i32> = rows_of(&img, &g, x, EXCURSION_RGB)
            .into_iter()
            .filter(|&y| y < g.y_px.0 - EXCURSION_STRIP_PX - 1) // the line, not the strip
            .collect();
        assert!(!rows.is_empty(), "no excursion line at {t} s");
        let mean = rows.iter().sum::<i32>() as f64 / rows.len() as f64;
        assert!(
            (mean - g.y_of(hr) as f64).abs() <= 2.0,
            "{t} s: line at {mean}"
        );
        let band = band_fill(input.zone_colours[zone_of(hr)]);
        assert_eq!(px(&img, x, rows[0] - 4), band, "{t} s above the line");
        assert_eq!(
            px(&img, x, *rows.last().unwrap() + 4),
            band,
            "{t} s below the line"
        );
        assert!(rows_of(&img, &g, x, HR_LINE_RGB).is_empty());
        // The strip along the bottom of the plot marks the time above the ceiling.
        assert_eq!(px(&img, x, g.y_px.0 - 3), EXCURSION_RGB, "{t} s: strip");
    }
    for t in [150.0, 450.0] {
        let x = g.x_of(t);
        assert_eq!(
            px(&img, x, g.y_px.0 - 3),
            band_fill(input.zone_colours[0]),
            "{t} s: no strip"
        );
    }
    // The ceiling line runs across at 120 bpm.
    let rows = rows_of(&img, &g, g.x_of(450.0), CEILING_RGB);
    assert!(
        rows.iter().any(|&y| (y - g.y_of(120.0)).abs() <= 1),
        "{rows:?}"
    );
}

#[test]
fn png_breaks_the_line_in_the_pause_and_the_gap() {
    let input = input_with(None);
    let (img, g, _path, _dir) = render_png(&input);
    for t in [930.0, 1230.0] {
        let x = g.x_of(t);
        assert!(
            rows_of(&img, &g, x, HR_LINE_RGB).is_empty(),
            "line at {t} s"
        );
        assert!(
            rows_of(&img, &g, x, EXCURSION_RGB).is_empty(),
            "line at {t} s"
        );
    }
    // The pause is shaded: darker than the plain band beside it.
    let y = g.y_of(150.0);
    let shaded = majority(&img, g.x_of(930.0), y);
    let plain = majority(&img, g.x_of(150.0), y);
    assert_eq!(plain, band_fill(input.zone_colours[3]));
    assert!(
        shaded.iter().zip(plain).all(|(s, p)| *s < p),
        "{shaded:?} vs {plain:?}"
    );
    // The gap is not shaded (the timer ran): plain band there, with no line.
    assert_eq!(
        majority(&img, g.x_of(1230.0), g.y_of(130.0)),
        band_fill(input.zone_colours[2])
    );
}

#[test]
fn png_title_and_panel_carry_text_and_bars() {
    let input = input_with(Some("too hard: 18 min above Z1"));
    let (img, _g, _path, _dir) = render_png(&input);
    let (w, _) = img.dimensions();
    // Text in the title strip: plenty of dark pixels, on the left (title) and on the
    // right (verdict, drawn in the excursion colour).
    let dark = |x0: u32, x1: u32| {
        (x0..x1)
            .flat_map(|x| (0..RUN_TITLE_H_PX).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 120))
            .count()
    };
    assert!(dark(0, w / 2) > 800, "title text: {}", dark(0, w / 2));
    let reddish = (w * 2 / 3..w)
        .flat_map(|x| (0..RUN_TITLE_H_PX).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let p = img.get_pixel(x, y).0;
            p[0] > 120 && p[1] < 90 && p[2] < 90
        })
        .count();
    assert!(reddish > 200, "verdict text: {reddish}");
    // The time-in-zone panel: each zone's solid colour appears as a bar whose length is
    // proportional to its share (Z0..Z2 ~300 s, Z3 240 s, Z4 ~300 s, Z5 300 s of 1740).
    let panel_x0 = RUN_SIZE_PX.0 - RUN_PANEL_W_PX;
    let bar_len = |c: [u8; 3]| {
        (RUN_TITLE_H_PX..RUN_SIZE_PX.1)
            .map(|y| {
                (panel_x0..w)
                    .filter(|&x| img.get_pixel(x, y).0 == c)
                    .count()
            })
            .max()
            .unwrap()
    };
    let lens: Vec<usize> = input.zone_colours.iter().map(|&c| bar_len(c)).collect();
    let total: f64 = input.secs_in_zone.iter().sum();
    let longest = lens.iter().copied().max().unwrap() as f64;
    let share_max = input.secs_in_zone.iter().copied().fold(0.0, f64::max) / total;
    for (z, &len) in lens.iter().enumerate() {
        let want = longest * (input.secs_in_zone[z] / total) / share_max;
        assert!(
            (len as f64 - want).abs() <= 3.0,
            "zone {z}: bar {len} px, want {want:.0}"
        );
        assert!(len > 20, "zone {z} has a visible bar");
    }
}

#[test]
fn svg_contains_the_labels() {
    let input = input_with(Some("stayed in Z1"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.svg");
    chart::render_run_svg(&input, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
    for label in [
        "2024-11-08 11:33 UTC",
        "Running",
        "29:00",
        "4.87 km",
        "hrTSS 42",
        "custom zones",
        "Recovery audit: stayed in Z1",
        "Heart rate (bpm)",
        "Elapsed time (min)",
        "Z1 ceiling 120 bpm",
        "Time in zone",
        "Z1 100–119",
        "Z5 ≥180",
        "below Z1",
        "timer paused",
    ] {
        assert!(svg.contains(label), "SVG lacks {label:?}");
    }
}

#[test]
fn rendering_replaces_an_existing_file_and_leaves_no_temporaries() {
    let input = input_with(None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.png");
    std::fs::write(&path, b"old").unwrap();
    chart::render_run_png(&input, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn weekly_chart_stacks_zone_colours_per_sport() {
    let run = [600.0, 1800.0, 2400.0, 600.0, 300.0, 60.0];
    let ride = [0.0, 3600.0, 1200.0, 0.0, 0.0, 0.0];
    let mut sessions = Vec::new();
    for week in 0..12 {
        let d = date("2024-09-02") + chrono::Duration::days(7 * week);
        sessions.push((d, "running", &run[..]));
        sessions.push((d + chrono::Duration::days(2), "running", &run[..]));
        if week % 3 == 0 {
            sessions.push((d + chrono::Duration::days(5), "cycling", &ride[..]));
        }
    }
    let input = WeeklyZonesInput::from_sessions(sessions);
    let png = chart::weekly_zones_bytes(&input, ChartFormat::Png).unwrap();
    keep_bytes(&png, "weekly_zones.png");
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(img.width(), chart::HISTORY_W_PX);
    let colours = chart::zone_colours(5);
    let count = |c: [u8; 3]| img.pixels().filter(|p| p.0 == c).count();
    // Z1, Z2 and Z3 hold most time and are big areas; Z5 is thin but present.
    for (z, &c) in colours.iter().enumerate() {
        assert!(count(c) > 150, "zone {z}: {} px", count(c));
    }
    assert!(count(colours[2]) > count(colours[4]));
    let svg =
        String::from_utf8(chart::weekly_zones_bytes(&input, ChartFormat::Svg).unwrap()).unwrap();
    for label in [
        "Weekly time in heart-rate zone",
        "Running",
        "Cycling",
        "hours",
        "2024-09-",
    ] {
        assert!(svg.contains(label), "SVG lacks {label:?}");
    }
}

#[test]
fn pmc_chart_draws_three_lines_and_marks_findings() {
    let mut days = Vec::new();
    let (mut ctl, mut atl) = (0.0, 0.0);
    for i in 0..120 {
        let tss = if i % 7 == 6 {
            0.0
        } else {
            60.0 + (i % 3) as f64 * 20.0
        };
        ctl += (tss - ctl) / 42.0;
        atl += (tss - atl) / 7.0;
        days.push(PmcDay {
            date: date("2024-06-01") + chrono::Duration::days(i),
            ctl,
            atl,
            tsb: ctl - atl,
        });
    }
    let findings = vec![
        PmcFinding {
            date: date("2024-07-10"),
            label: "too hard".into(),
        },
        PmcFinding {
            date: date("2024-08-20"),
            label: "too long".into(),
        },
    ];
    let input = PmcInput { days, findings };
    let png = chart::pmc_bytes(&input, ChartFormat::Png).unwrap();
    keep_bytes(&png, "pmc.png");
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let count = |c: [u8; 3]| img.pixels().filter(|p| p.0 == c).count();
    for c in [chart::CTL_RGB, chart::ATL_RGB, chart::TSB_RGB] {
        assert!(count(c) > 500, "{c:?}: {}", count(c));
    }
    assert!(count(EXCURSION_RGB) > 50, "finding markers");
    let svg = String::from_utf8(chart::pmc_bytes(&input, ChartFormat::Svg).unwrap()).unwrap();
    for label in [
        "CTL (fitness)",
        "ATL (fatigue)",
        "TSB (form",
        "too hard",
        "2 recovery-run findings",
    ] {
        assert!(svg.contains(label), "SVG lacks {label:?}");
    }
    assert!(matches!(
        chart::pmc_bytes(&PmcInput::default(), ChartFormat::Png),
        Err(chart::ChartError::Empty(_))
    ));
}

// ---------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
    if p.join("MANIFEST.csv").exists() {
        Some(p)
    } else {
        eprintln!("skipping: FIT corpus not found at {}", p.display());
        None
    }
}

fn hrzones() -> Command {
    Command::cargo_bin("hrzones").unwrap()
}

#[test]
fn cli_charts_a_corpus_run_into_the_out_folder() {
    let Some(c) = corpus() else { return };
    let file = c.join("mwheeler235+coros-run-metrics/fit_files__BoulderTrailRun20241122063002.fit");
    if !file.exists() {
        eprintln!("skipping: {} not in the corpus", file.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let assert = hrzones()
            .args(["chart", "-q", "--max-hr", "190"])
            .args(extra)
            .arg("--out")
            .arg(out.path())
            .arg(&file)
            .assert()
            .code(0);
        let o = assert.get_output();
        (
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (stdout, stderr) = run(&[]);
    // Named after the source file (no folders, no .fit) and the session.
    let name = "fit_files__BoulderTrailRun20241122063002_s0.png";
    let chart_path = out.path().join(name);
    assert!(chart_path.exists(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains(name), "{stdout}");
    let img = image::open(&chart_path).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), RUN_SIZE_PX);
    assert!(out.path().join("weekly_zones.png").exists(), "{stderr}");
    // With a max HR the session has an hrTSS, so the load history is drawn too.
    assert!(out.path().join("pmc.png").exists(), "{stderr}");
    assert!(stdout.contains("pmc.png"), "{stdout}");

    // As SVG, into the same folder; the input's own folder gains nothing.
    let (stdout, _) = run(&["--svg"]);
    let svg_name = name.replace(".png", ".svg");
    assert!(stdout.contains(&svg_name), "{stdout}");
    let svg = std::fs::read_to_string(out.path().join(&svg_name)).unwrap();
    assert!(svg.contains("Heart rate (bpm)"));
    assert!(svg.contains("Running"), "sport in the title");
    assert!(out.path().join("weekly_zones.svg").exists());
    let beside_input = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.ends_with(".png") || n.ends_with(".svg")
        })
        .count();
    assert_eq!(beside_input, 0, "charts written into the corpus folder");

    // --only-recovery: this run's names do not say "recovery", so no session chart; the
    // weekly chart still covers it.
    let only = tempfile::tempdir().unwrap();
    let assert = hrzones()
        .args(["chart", "-q", "--max-hr", "190", "--only-recovery", "--out"])
        .arg(only.path())
        .arg(&file)
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(!stdout.contains("_s0.png"), "{stdout}");
    assert!(only.path().join("weekly_zones.png").exists());
}

#[test]
fn cli_refuses_an_out_folder_inside_an_input_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.fit"), b"not a fit file").unwrap();
    hrzones()
        .args(["chart", "-q", "--out"])
        .arg(dir.path().join("charts"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("inside the input folder"));
    assert!(!dir.path().join("charts").exists());
}

#[test]
fn cli_requires_out() {
    hrzones()
        .args(["chart", "x.fit"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--out"));
}

// ---------------------------------------------------------------------------------------
// Speed (ignored by default: run with `cargo test --test chart -- --ignored --nocapture`)
// ---------------------------------------------------------------------------------------

/// A 60-minute run at 1 Hz whose heart rate wanders through the zones (seeded, so every
/// run of the benchmark draws the same pictures), with a pause at 30 min.
fn bench_input(seed: u64) -> RunChartInput {
    let mut input = input_with(None);
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut hr = 120.0f64;
    let (mut t, mut h) = (Vec::new(), Vec::new());
    for e in 0..3600u32 {
        if (1800..1860).contains(&e) {
            continue;
        }
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let step = ((state >> 33) % 7) as f64 - 3.0;
        hr = (hr + step * 0.5 + (135.0 - hr) * 0.01).clamp(85.0, 195.0);
        t.push(e as f64);
        h.push(hr.round() as u8);
    }
    let split = t.iter().position(|&x| x >= 1860.0).unwrap();
    input.segments = vec![0..split, split..t.len()];
    input.t_elapsed_s = t;
    input.hr_bpm = h;
    input.elapsed_s = 3600.0;
    input.pauses_s = vec![(1800.0, 1860.0)];
    input.title.duration_s = 3540.0;
    input
}

/// User + system CPU seconds of this process so far (Linux; 0 elsewhere).
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) in clock ticks; `after` starts at field 3.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

#[test]
#[ignore = "benchmark: renders 200 charts six times"]
fn render_speed_200_sessions() {
    use rayon::prelude::*;
    let n: u64 = std::env::var("HRZONES_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let inputs: Vec<RunChartInput> = (0..n).map(bench_input).collect();
    let dir = tempfile::tempdir().unwrap();
    let threads = rayon::current_num_threads();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    // (format, written to a file (atomic, fsync) or only rendered in memory)
    let phase = |format: ChartFormat, to_file: bool| {
        let (t, c) = (std::time::Instant::now(), cpu_s());
        inputs.par_iter().enumerate().for_each(|(i, input)| {
            if to_file {
                let p = dir.path().join(format!("run{i}.{}", format.extension()));
                chart::render_run(input, format, &p).unwrap();
            } else {
                chart::run_chart_bytes(input, format).unwrap();
            }
        });
        (t.elapsed().as_secs_f64(), cpu_s() - c)
    };
    println!(
        "{n} run charts of 60 min at 1 Hz; {threads} rayon threads; load average before: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!("phase                 1 thread: wall s, charts/s, CPU ms/chart | {threads} threads: wall s, charts/s | wall ratio");
    for (label, format, to_file) in [
        ("PNG in memory", ChartFormat::Png, false),
        ("PNG to files", ChartFormat::Png, true),
        ("SVG in memory", ChartFormat::Svg, false),
        ("SVG to files", ChartFormat::Svg, true),
    ] {
        let (w1, c1) = one.install(|| phase(format, to_file));
        let (wn, _) = phase(format, to_file);
        println!(
            "{label:<20}  {w1:>6.2} {:>6.1} {:>6.1}                      | {wn:>6.2} {:>6.1}               | {:.2}x",
            n as f64 / w1,
            c1 * 1e3 / n as f64,
            n as f64 / wn,
            w1 / wn
        );
    }
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    println!(
        "mean PNG {:.0} KB; load average after: {}",
        bytes as f64 / n as f64 / 1e3,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

/// Writes `docs/example_chart.png`: a made-up 45-minute recovery run (HR settling around
/// 125 bpm, a hill that pushes it over the Z1 ceiling, a stop at a crossing, a strap
/// dropout), Friel's LTHR zones at LTHR 168 (Z1 below 143 bpm), with an illustrative
/// verdict. Made-up data, so the
/// picture carries no one's licence. `cargo test --test chart -- --ignored docs_example`
#[test]
#[ignore = "writes docs/example_chart.png"]
fn docs_example_chart() {
    let mut state = 7u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 1000) as f64 / 1000.0 - 0.5
    };
    let mut drift = 0.0f64;
    let hr: Vec<Option<u8>> = (0..=2700u32)
        .map(|e| {
            drift = 0.97 * drift + 0.6 * noise();
            let t = e as f64;
            let base = 100.0 + 30.0 * (1.0 - (-t / 300.0).exp()) + 4.0 * (t / 2700.0);
            let hill = if (1200.0..1560.0).contains(&t) {
                16.0 * ((t - 1200.0) / 360.0 * std::f64::consts::PI).sin()
            } else {
                0.0
            };
            let stop = if (1800.0..1890.0).contains(&t) {
                -(t - 1800.0) * 0.2
            } else {
                0.0
            };
            let gap = (2160..2220).contains(&e);
            (!gap).then(|| (base + hill + stop + drift * 3.0).round() as u8)
        })
        .collect();
    let a = activity_with(2700, &[(0, 1800), (1890, 2700)], 7420.0, |e| hr[e as usize]);
    let s = &a.sessions[0];
    let settings = Settings {
        profile: AthleteProfile::default(),
        overrides: Thresholds {
            lthr: Some(168),
            ..Default::default()
        },
    };
    let an = SessionAnalysis::compute(&a, s, &settings, TimeInZoneOptions::default());
    let above: f64 = an.secs_in_zone.as_ref().unwrap()[2..].iter().sum();
    assert!(above > 60.0 && above < 900.0, "{above} s above Z1");
    let input = RunChartInput::from_session(
        &a,
        s,
        &an,
        Some(36.0),
        Some(format!("too hard: {:.0} min above Z1", above / 60.0)),
    )
    .unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/example_chart.png");
    chart::render_run_png(&input, &path).unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    assert!(bytes < 200_000, "{bytes} bytes");
    println!("wrote {} ({bytes} bytes)", path.display());
}
