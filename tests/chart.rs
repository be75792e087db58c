//! Charts: a synthetic 30-minute run whose heart rate steps through every zone (with a
//! pause and a data gap) is drawn, decoded back and checked pixel by pixel against what
//! its heart rate says; the SVG is checked for its labels; and `hrzones chart` is run on
//! a corpus file.

use std::path::{Path, PathBuf};

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

mod common;
use common::{corpus, hrzones};

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
        rec.push_basic(T0 + e, h, e as f64 * 2.8, 2.8);
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
    // A run under the recovery audit: time above the Z1 ceiling is marked.
    let input = input_with(Some("too hard: 18 min above Z1"));
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
// Issue 12 item 16: colours by audit status, time and date axes, legend names, panels
// ---------------------------------------------------------------------------------------

/// The texts of an SVG's `<text>` elements, in document order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("</text>")
        .filter_map(|chunk| chunk.rsplit_once('>').map(|(_, t)| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The texts of an SVG's `<text>` elements with their `y` attribute.
fn svg_texts_at(svg: &str) -> Vec<(String, String)> {
    svg.split("</text>")
        .filter_map(|chunk| {
            let element = &chunk[chunk.rfind("<text")?..];
            let (attrs, text) = element.split_once('>')?;
            let y = attrs.split(" y=\"").nth(1)?.split('"').next()?;
            Some((y.to_string(), text.trim().to_string()))
        })
        .collect()
}

/// The labels of the x axis: of the texts `is_tick` accepts, those on the row (same y)
/// that holds most of them.
fn x_axis_labels(svg: &str, is_tick: impl Fn(&str) -> bool) -> Vec<String> {
    let items: Vec<(String, String)> = svg_texts_at(svg)
        .into_iter()
        .filter(|(_, t)| is_tick(t))
        .collect();
    let mut rows: Vec<(&String, usize)> = Vec::new();
    for (y, _) in &items {
        match rows.iter_mut().find(|(r, _)| *r == y) {
            Some((_, n)) => *n += 1,
            None => rows.push((y, 1)),
        }
    }
    let Some((row, _)) = rows.into_iter().max_by_key(|(_, n)| *n) else {
        return Vec::new();
    };
    let row = row.clone();
    items
        .into_iter()
        .filter(|(y, _)| *y == row)
        .map(|(_, t)| t)
        .collect()
}

/// Seconds of an "m:ss" or "h:mm" label (in that label's unit), if it is one.
fn clock_label(t: &str) -> Option<u64> {
    let (a, b) = t.split_once(':')?;
    if b.len() != 2 || a.is_empty() || !a.chars().chain(b.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(a.parse::<u64>().ok()? * 60 + b.parse::<u64>().ok()?)
}

fn is_date_label(t: &str) -> bool {
    t.len() == 10 && chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok()
}

#[test]
fn only_runs_under_the_audit_are_painted_red() {
    // See issue 12 item 16: every long run above the Zone 1 ceiling was painted red.
    let plain = input_with(None);
    assert!(!plain.marks_excursions());
    let (img, g, _path, _dir) = render_png(&plain);
    let red = img.pixels().filter(|p| p.0 == EXCURSION_RGB).count();
    assert_eq!(red, 0, "red pixels on a run outside the audit");
    for (t, hr) in [(750.0, 130.0), (1400.0, 170.0), (1650.0, 190.0)] {
        let x = g.x_of(t);
        let rows = rows_of(&img, &g, x, HR_LINE_RGB);
        assert!(!rows.is_empty(), "no neutral line at {t} s");
        let mean = rows.iter().sum::<i32>() as f64 / rows.len() as f64;
        assert!((mean - g.y_of(hr) as f64).abs() <= 2.0, "{t} s: {mean}");
        // No strip along the bottom: the pale band below Z1.
        assert_eq!(
            px(&img, x, g.y_px.0 - 3),
            band_fill(plain.zone_colours[0]),
            "{t} s"
        );
    }
    let svg =
        String::from_utf8(chart::run_chart_bytes(&plain, ChartFormat::Svg).unwrap().0).unwrap();
    assert!(
        !svg.contains("above the Z1 ceiling"),
        "legend of a neutral chart"
    );
    assert!(svg.contains("Z1 ceiling (120 bpm)"));

    // Under the audit: red line and strip, whatever the verdict; the verdict's own colour.
    let title_pixels = |img: &RgbImage, want: &dyn Fn([u8; 3]) -> bool| {
        let w = img.width();
        (w * 2 / 3..w)
            .flat_map(|x| (0..RUN_TITLE_H_PX).map(move |y| (x, y)))
            .filter(|&(x, y)| want(img.get_pixel(x, y).0))
            .count()
    };
    let reddish = |p: [u8; 3]| p[0] > 120 && p[1] < 90 && p[2] < 90;
    let greenish = |p: [u8; 3]| {
        let [r, g, b] = p.map(i32::from);
        g > r + 30 && g > b + 30
    };
    for (verdict, green) in [("too hard: 18 min above Z1", false), ("ok", true)] {
        let audited = input_with(Some(verdict));
        assert!(audited.marks_excursions());
        let (img, g, _path, _dir) = render_png(&audited);
        assert_eq!(
            px(&img, g.x_of(750.0), g.y_px.0 - 3),
            EXCURSION_RGB,
            "{verdict}: strip"
        );
        assert_eq!(
            title_pixels(&img, &greenish) > 100,
            green,
            "{verdict}: green title"
        );
        assert_eq!(
            title_pixels(&img, &reddish) > 100,
            !green,
            "{verdict}: red title"
        );
    }
    assert_eq!(chart::verdict_rgb("ok"), chart::VERDICT_OK_RGB);
    assert_eq!(
        chart::verdict_rgb("incomplete"),
        chart::VERDICT_INCOMPLETE_RGB
    );
    assert_eq!(chart::verdict_rgb("too long: 48 min"), EXCURSION_RGB);
}

#[test]
fn time_axis_labels_are_distinct_round_and_in_the_sessions_unit() {
    // See issue 12 item 16: a 3-minute session's axis read 0,0,1,2,2,2,3.
    for (elapsed, unit, want_first) in [
        (
            180u32,
            "Elapsed time (m:ss)",
            Some(vec!["0:00", "0:30", "1:00", "1:30", "2:00", "2:30", "3:00"]),
        ),
        (1800, "Elapsed time (min)", None),
        (3 * 3600 + 600, "Elapsed time (h:mm)", None),
    ] {
        let a = activity_with(elapsed, &[(0, elapsed)], 500.0, |e| {
            Some(100 + (e % 40) as u8)
        });
        let s = &a.sessions[0];
        let an = SessionAnalysis::compute(&a, s, &settings(), TimeInZoneOptions::default());
        let input = RunChartInput::from_session(&a, s, &an, None, None).unwrap();
        let svg =
            String::from_utf8(chart::run_chart_bytes(&input, ChartFormat::Svg).unwrap().0).unwrap();
        assert!(svg.contains(unit), "{elapsed} s: no {unit:?}");
        let ticks = x_axis_labels(&svg, |t| {
            clock_label(t).is_some() || (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
        });
        if let Some(want) = want_first {
            assert_eq!(ticks, want, "{elapsed} s");
        }
        let values: Vec<u64> = ticks
            .iter()
            .map(|t| clock_label(t).unwrap_or_else(|| t.parse().unwrap()))
            .collect();
        assert!(
            values.len() >= 5 && values.len() <= 12,
            "{elapsed} s: {ticks:?}"
        );
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "{elapsed} s: {ticks:?}"
        );
        // Equal steps: round values on a clock.
        let step = values[1] - values[0];
        assert!(values.windows(2).all(|w| w[1] - w[0] == step), "{ticks:?}");
    }
}

fn friel() -> Vec<String> {
    hrzones::zones::FRIEL_NAMES.map(String::from).to_vec()
}

#[test]
fn weekly_legend_names_zones_as_the_run_charts_do_and_dates_never_repeat() {
    // See issue 12 item 16: the weekly legend said Z5/Z6/Z7 where run charts say Z5a/b/c.
    let a = fixture();
    let s = &a.sessions[0];
    let lthr = Settings {
        profile: AthleteProfile::default(),
        overrides: Thresholds {
            lthr: Some(168),
            ..Default::default()
        },
    };
    let an = SessionAnalysis::compute(&a, s, &lthr, TimeInZoneOptions::default());
    let run = RunChartInput::from_session(&a, s, &an, None, None).unwrap();
    assert_eq!(run.zone_names, friel(), "the run chart's names");

    let secs = [0.0, 1800.0, 1200.0, 600.0, 300.0, 200.0, 100.0, 60.0];
    for weeks in [1i64, 3, 12, 60] {
        let sessions: Vec<_> = (0..weeks)
            .map(|w| {
                (
                    date("2024-09-04") + chrono::Duration::days(7 * w),
                    "running",
                    &secs[..],
                )
            })
            .collect();
        let input = WeeklyZonesInput::from_sessions(sessions)
            .with_zone_names(chart::merged_zone_names([&run.zone_names[..]]));
        let svg = String::from_utf8(chart::weekly_zones_bytes(&input, ChartFormat::Svg).unwrap())
            .unwrap();
        let texts = svg_texts(&svg);
        for name in ["Z5a", "Z5b", "Z5c", "below Z1"] {
            assert!(
                texts.iter().any(|t| t == name),
                "{weeks} weeks: legend lacks {name}"
            );
        }
        for name in ["Z6", "Z7"] {
            assert!(
                !texts.iter().any(|t| t == name),
                "{weeks} weeks: legend says {name}"
            );
        }
        let ticks = x_axis_labels(&svg, |t| {
            is_date_label(t)
                || chrono::NaiveDate::parse_from_str(&format!("01 {t}"), "%d %b %Y").is_ok()
        });
        assert!(ticks.len() >= 2, "{weeks} weeks: {texts:?}");
        let mut distinct = ticks.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            ticks.len(),
            "{weeks} weeks: repeated {ticks:?}"
        );
        if weeks == 1 {
            // Within the one week shown: days.
            assert_eq!(ticks[0], "2024-09-02");
        }
    }
    // Models that differ name their shared index both ways.
    let five: Vec<String> = (1..=5).map(|i| format!("Z{i}")).collect();
    assert_eq!(
        chart::merged_zone_names([&five[..], &friel()[..], &five[..]]),
        ["Z1", "Z2", "Z3", "Z4", "Z5/Z5a", "Z5b", "Z5c"]
    );
    let plain = WeeklyZonesInput::default();
    assert_eq!(plain.zone_name(0), "below Z1");
    assert_eq!(plain.zone_name(6), "Z6");
}

#[test]
fn transition_and_near_empty_sports_are_folded_or_left_out_with_a_note() {
    // See issue 12 item 16: "Transition" and a near-empty sport got panels of their own.
    let h = |hours: f64| [0.0, hours * 3600.0];
    let (run, ride, swim, tr, row, yoga) = (h(10.0), h(3.0), h(0.2), h(0.1), h(0.3), h(0.25));
    let week = |w: i64| date("2024-09-02") + chrono::Duration::days(7 * w);
    let mut sessions: Vec<(chrono::NaiveDate, &str, &[f64])> = Vec::new();
    for w in 0..4 {
        sessions.extend([
            (week(w), "running", &run[..]),
            (week(w), "cycling", &ride[..]),
            (week(w), "swimming", &swim[..]),
            (week(w), "transition", &tr[..]),
        ]);
    }
    let input = WeeklyZonesInput::from_sessions(sessions.clone());
    let p = chart::sport_panels(&input);
    let titles: Vec<&str> = p.panels.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(titles, ["Running", "Cycling"]);
    assert_eq!(p.left_out.len(), 2, "{:?}", p.left_out);
    assert_eq!(p.left_out[0].0, "swimming");
    assert!((p.left_out[0].1 - 0.8).abs() < 1e-9);
    assert_eq!(p.left_out[1].0, "transition");
    let svg =
        String::from_utf8(chart::weekly_zones_bytes(&input, ChartFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("not drawn (under 5 % of the time): swimming 48 min, transition 24 min"));
    assert!(!svg_texts(&svg)
        .iter()
        .any(|t| t == "Transition" || t == "Swimming"));
    let png = chart::weekly_zones_bytes(&input, ChartFormat::Png).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!(img.height(), 110 + 250 * 2, "two panels");

    // Small sports that together reach 5 % share one "Other sports" panel.
    for w in 0..4 {
        sessions.extend([(week(w), "rowing", &row[..]), (week(w), "yoga", &yoga[..])]);
    }
    let p = chart::sport_panels(&WeeklyZonesInput::from_sessions(sessions));
    let titles: Vec<&str> = p.panels.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Running",
            "Cycling",
            "Other sports (rowing, yoga, swimming, transition)"
        ]
    );
    assert!(p.left_out.is_empty());

    // Only a transition: it is all there is, so it is drawn.
    let only = WeeklyZonesInput::from_sessions([(week(0), "transition", &tr[..])]);
    assert_eq!(chart::sport_panels(&only).panels[0].0, "Transition");
}

#[test]
fn a_ten_year_pmc_is_drawn_from_monthly_means_with_year_ticks() {
    // See issue 12 item 15/16: a 10-year PMC chart was unreadable.
    let first = date("2015-01-05");
    let days: Vec<PmcDay> = (0..3653)
        .map(|i| {
            let x = i as f64;
            PmcDay {
                date: first + chrono::Duration::days(i),
                ctl: 40.0 + 20.0 * (x / 365.0).sin(),
                atl: 45.0 + 30.0 * ((x * 0.9).sin()),
                tsb: -5.0 + 10.0 * (x / 30.0).cos(),
            }
        })
        .collect();
    use chart::PmcResolution::*;
    assert_eq!(chart::PmcResolution::for_span(3652), MonthlyMeans);
    assert_eq!(chart::PmcResolution::for_span(3 * 365), WeeklyMeans);
    assert_eq!(chart::PmcResolution::for_span(365), Daily);
    assert_eq!(chart::pmc_points(&days[..365], Daily).len(), 365);
    // Monthly means, checked against a plain mean of each month's days.
    let points = chart::pmc_points(&days, MonthlyMeans);
    assert_eq!(points.len(), 121, "Jan 2015 .. Jan 2025");
    let march_2016: Vec<&PmcDay> = days
        .iter()
        .filter(|d| d.date >= date("2016-03-01") && d.date < date("2016-04-01"))
        .collect();
    let mean = |f: fn(&PmcDay) -> f64| march_2016.iter().map(|d| f(d)).sum::<f64>() / 31.0;
    let p = points[14];
    assert!((p.values[1] - mean(|d| d.atl)).abs() < 1e-9, "{p:?}");
    assert!((p.values[0] - mean(|d| d.ctl)).abs() < 1e-9);
    let x_mid = (date("2016-03-16") - first).num_days() as f64;
    assert!((p.x_day - x_mid).abs() < 1e-9, "{}", p.x_day);
    // Weekly: Monday-based means.
    let weekly = chart::pmc_points(&days[..14], WeeklyMeans);
    assert_eq!(weekly.len(), 2);
    assert!(
        (weekly[0].values[2] - days[..7].iter().map(|d| d.tsb).sum::<f64>() / 7.0).abs() < 1e-9
    );

    let input = PmcInput {
        days,
        findings: vec![],
    };
    let svg = String::from_utf8(chart::pmc_bytes(&input, ChartFormat::Svg).unwrap()).unwrap();
    assert!(svg.contains("monthly means"));
    let ticks = x_axis_labels(&svg, |t| t.len() == 4 && t.parse::<i32>().is_ok());
    let years: Vec<i32> = ticks.iter().map(|t| t.parse().unwrap()).collect();
    assert_eq!(years, (2016..=2025).collect::<Vec<_>>(), "{ticks:?}");
    let png = chart::pmc_bytes(&input, ChartFormat::Png).unwrap();
    keep_bytes(&png, "pmc_10_years.png");
}

// ---------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------

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

#[test]
fn cli_names_strava_charts_by_activity_name_and_marks_only_audited_runs() {
    // See issue 12 item 16: Strava charts were named by activity id only, and every run
    // was painted as if under the recovery audit.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let export = tempfile::tempdir().unwrap();
    std::fs::create_dir(export.path().join("activities")).unwrap();
    for (fixture, id) in [("recovery_ok.fit", "1111"), ("easy_run.fit", "2222")] {
        std::fs::copy(
            fixtures.join(fixture),
            export.path().join(format!("activities/{id}.fit")),
        )
        .unwrap();
    }
    std::fs::write(
        export.path().join("activities.csv"),
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n\
         1111,\"May 1, 2024\",Easy recovery jog,Run,,activities/1111.fit\n\
         2222,\"Apr 27, 2024\",\"Sat: hills / 7.5 km\",Run,,activities/2222.fit\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let assert = hrzones()
        .args(["chart", "-q", "--svg", "--lthr", "168", "--out"])
        .arg(out.path())
        .arg(export.path())
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let recovery = out.path().join("1111_Easy_recovery_jog_s0.svg");
    let easy = out.path().join("2222_Sat_hills_7_5_km_s0.svg");
    assert!(recovery.exists() && easy.exists(), "{stdout}");
    // The Strava name labels 1111 a recovery run: audited, so its excursions are marked;
    // 2222 is not, and its chart stays neutral.
    let recovery = std::fs::read_to_string(recovery).unwrap();
    let easy = std::fs::read_to_string(easy).unwrap();
    assert!(recovery.contains("Recovery audit:"));
    assert!(recovery.contains("above the Z1 ceiling"));
    assert!(!easy.contains("Recovery audit:"));
    assert!(!easy.contains("above the Z1 ceiling"));
    // LTHR zones: the weekly legend names them as the run charts do.
    let weekly = std::fs::read_to_string(out.path().join("weekly_zones.svg")).unwrap();
    let texts = svg_texts(&weekly);
    assert!(texts.iter().any(|t| t == "Z5a"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "Z6"), "{texts:?}");
}

#[test]
fn readme_hero_image_is_what_the_tool_draws() {
    // See issue 12 item 16: the README's hero showed a verdict the tool never prints.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    hrzones()
        .current_dir(root)
        .args(["chart", "-q", "fixtures/", "--out"])
        .arg(out.path())
        .assert()
        .code(0);
    let drawn = image::open(out.path().join("recovery_too_hard_s0.png"))
        .unwrap()
        .to_rgb8();
    let hero = image::open(root.join("docs/example_chart.png"))
        .unwrap()
        .to_rgb8();
    assert!(
        drawn == hero,
        "docs/example_chart.png is not what `hrzones chart fixtures/ --out DIR` draws for \
         recovery_too_hard.fit: regenerate it with the command under the image in README.md"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("chart fixtures/ --out /tmp/hrzones-charts")
            && readme.contains("recovery_too_hard_s0.png docs/example_chart.png"),
        "README.md must give the command that draws its hero image"
    );
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
