//! Charts: one picture per session (heart rate over the zone bands, with the time in
//! each zone beside it) and two pictures of the archive (weekly time in zone per sport,
//! and the CTL/ATL/TSB lines).
//!
//! Why a module of its own: runners read a picture faster than a table. The renderers
//! take plain input structs ([`RunChartInput`], [`WeeklyZonesInput`], [`PmcInput`]) so
//! they do not depend on how hrTSS, the PMC or the recovery audit are computed; the one
//! bridge from the analysis is [`RunChartInput::from_session`].
//!
//! Text needs no system fonts: DejaVu Sans (the `dejavu` crate's bytes) is registered
//! with plotters' `ab_glyph` font backend before anything is drawn ([`ensure_fonts`]);
//! plotters has no font of its own and would fail at the first label otherwise. PNGs are
//! drawn into an in-memory RGB buffer and encoded with the `image` crate, SVGs into a
//! `String`; either is then written atomically (temporary file + rename, via
//! [`report::write_atomic`]), so an existing chart is replaced whole or not at all.
//!
//! It must not read files or compute any number shown: it only draws what it is given.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::activity::{Activity, Session};
use crate::analysis::SessionAnalysis;
use crate::report;
use crate::zones::ZoneError;

pub mod axis;
pub mod trends;

use axis::HistoryAxes;

/// Errors while drawing or writing a chart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The embedded font could not be registered with plotters.
    #[error("could not register the embedded DejaVu Sans font with plotters")]
    Font,
    /// plotters failed while drawing.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// The chart file could not be written.
    #[error("could not write {path}: {source}")]
    Io {
        /// The chart file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The session has no heart-rate samples to draw.
    #[error("no heart rate in this session")]
    NoHeartRate,
    /// The session's zones did not resolve.
    #[error("no zones: {0}")]
    NoZones(ZoneError),
    /// A run chart input that breaks its own invariants.
    #[error("invalid chart input: {0}")]
    BadInput(&'static str),
    /// A history chart was given nothing to draw.
    #[error("nothing to draw: {0}")]
    Empty(&'static str),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

/// The font family every chart uses; plotters' default labels ask for it too.
const FONT: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) as plotters' "sans-serif", once per process.
/// Every render function calls this first; a failure is returned, never a panic.
pub fn ensure_fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

// ---------------------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------------------

/// Solid colours of Z1..Z5 on a 5-zone model: blue-grey, blue, green, orange, red
/// (Material Design 600 shades). Other zone counts interpolate along this ramp.
const ZONE_RAMP: [[u8; 3]; 5] = [
    [96, 125, 139],
    [30, 136, 229],
    [67, 160, 71],
    [251, 140, 0],
    [229, 57, 53],
];
/// Solid colour of "below Zone 1".
pub const BELOW_Z1_RGB: [u8; 3] = [158, 158, 158];
/// The heart-rate line.
pub const HR_LINE_RGB: [u8; 3] = [33, 33, 33];
/// The heart-rate line where it is above the Zone 1 ceiling, on a run under the recovery
/// audit (the only runs for which time above Z1 is a fault: on any other run the line
/// stays [`HR_LINE_RGB`] and the zone bands say where it is). Also the colour of a
/// verdict with a finding, and of the findings on the PMC chart.
pub const EXCURSION_RGB: [u8; 3] = [183, 28, 28];
/// A recovery audit verdict of "ok" (Material green 800).
pub const VERDICT_OK_RGB: [u8; 3] = [46, 125, 50];
/// A verdict of "incomplete": nothing found, something not checked (neutral grey).
pub const VERDICT_INCOMPLETE_RGB: [u8; 3] = [97, 97, 97];
/// The Zone 1 ceiling line.
pub const CEILING_RGB: [u8; 3] = [13, 71, 161];
/// Height of the strip along the bottom of the plot that marks time above the Z1
/// ceiling, px. A strip rather than a fill under the line: a fill would tint every band
/// above the ceiling and hide the zone colours on exactly the runs that need them.
pub const EXCURSION_STRIP_PX: i32 = 7;
/// Share of the solid zone colour in a band's pale fill (the rest is white).
const BAND_TINT: f64 = 0.30;

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Solid colours by zone index for a model of `n_zones` zones: index 0 = below Z1, then
/// Z1..ZN (the indexing of `secs_in_zone`).
pub fn zone_colours(n_zones: usize) -> Vec<[u8; 3]> {
    let mut out = vec![BELOW_Z1_RGB];
    for i in 0..n_zones {
        if n_zones == 1 {
            out.push(ZONE_RAMP[0]);
            continue;
        }
        let pos = i as f64 * (ZONE_RAMP.len() - 1) as f64 / (n_zones - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(ZONE_RAMP.len() - 1);
        let f = pos - lo as f64;
        let mix = |k: usize| {
            (ZONE_RAMP[lo][k] as f64 * (1.0 - f) + ZONE_RAMP[hi][k] as f64 * f).round() as u8
        };
        out.push([mix(0), mix(1), mix(2)]);
    }
    out
}

/// The pale fill of a zone band behind the heart-rate line, from the zone's solid colour.
pub fn band_fill(solid: [u8; 3]) -> [u8; 3] {
    solid.map(|c| (c as f64 * BAND_TINT + 255.0 * (1.0 - BAND_TINT)).round() as u8)
}

/// A darker shade for text drawn in a zone's colour.
fn text_shade(solid: [u8; 3]) -> RGBColor {
    let d = solid.map(|c| (c as f64 * 0.6).round() as u8);
    rgb(d)
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Samples further apart than this (with no pause between them) are drawn as a break in
/// the line rather than joined: a straight line across half a minute without data would
/// claim a heart rate nobody measured. Smart recording spaces samples up to ~10 s.
pub const BREAK_GAP_S: f64 = 30.0;

/// What the title of a run chart says.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTitle {
    /// Start date and time as shown, e.g. "2024-11-22 06:30 UTC".
    pub date: String,
    /// Sport as shown, e.g. "Running (trail)".
    pub sport: String,
    /// Timer time, s.
    pub duration_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// hrTSS, when computed.
    pub hr_tss: Option<f64>,
    /// Zone model and where its numbers came from.
    pub zone_model: String,
    /// Time-weighted average HR, bpm.
    pub avg_hr_bpm: Option<f64>,
    /// Highest HR, bpm.
    pub max_hr_bpm: Option<u8>,
    /// The recovery audit's verdict, for audited runs.
    pub verdict: Option<String>,
}

/// Everything a run chart shows, as plain data.
///
/// The heart-rate series is two columns (`t_elapsed_s`, `hr_bpm`) cut into `segments`:
/// each segment is drawn as one joined line, and nothing joins two segments (a pause of
/// the timer, or a gap longer than [`BREAK_GAP_S`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RunChartInput {
    /// The title lines.
    pub title: RunTitle,
    /// Session length on the x axis (elapsed, pauses included), s.
    pub elapsed_s: f64,
    /// Seconds since the session's start, one per sample (valid HR only).
    pub t_elapsed_s: Vec<f64>,
    /// Heart rate, bpm, one per sample (never 0).
    pub hr_bpm: Vec<u8>,
    /// Index ranges of `t_elapsed_s`/`hr_bpm` drawn as joined lines.
    pub segments: Vec<Range<usize>>,
    /// Spans in which the timer was stopped, elapsed s (start, end).
    pub pauses_s: Vec<(f64, f64)>,
    /// Floors of Z1..ZN, bpm, strictly increasing.
    pub zone_floors_bpm: Vec<u8>,
    /// Names of Z1..ZN.
    pub zone_names: Vec<String>,
    /// Solid colours, index 0 = below Z1, then Z1..ZN (see [`zone_colours`]).
    pub zone_colours: Vec<[u8; 3]>,
    /// The Zone 1 ceiling (Z2's floor), bpm; None with a single zone.
    pub z1_ceiling_bpm: Option<u8>,
    /// Seconds per zone, index 0 = below Z1, then Z1..ZN.
    pub secs_in_zone: Vec<f64>,
}

impl RunChartInput {
    /// The chart input for one session of an activity, from its analysis. `hr_tss` and
    /// `verdict` come from the load and audit stages when they ran.
    pub fn from_session(
        a: &Activity,
        s: &Session,
        analysis: &SessionAnalysis,
        hr_tss: Option<f64>,
        verdict: Option<String>,
    ) -> Result<RunChartInput, ChartError> {
        let zones = analysis
            .zones
            .as_ref()
            .map_err(|e| ChartError::NoZones(e.clone()))?;
        let range = s.samples.clone();
        let t_s = &a.samples.t_s[range];
        // The HR after the timeline's quality rule, as the zone bar counts it: spikes
        // bridged, implausible HR excluded (a gap in the line).
        let hr = &analysis.hr_bpm[..];
        let start = s.start_s as f64;
        let end = (s.end_s as f64).max(start + s.elapsed_s);

        // Pauses: the complement of the timer intervals inside the session.
        let timer = a.session_timer(s);
        let mut pauses_s = Vec::new();
        if !timer.is_empty() {
            let mut cursor = start;
            for iv in &timer {
                if iv.start_s > cursor + 0.5 {
                    pauses_s.push((cursor - start, iv.start_s - start));
                }
                cursor = cursor.max(iv.end_s);
            }
            if end > cursor + 0.5 {
                pauses_s.push((cursor - start, end - start));
            }
        }

        let mut t_elapsed_s = Vec::with_capacity(t_s.len());
        let mut hr_bpm = Vec::with_capacity(t_s.len());
        let mut segments: Vec<Range<usize>> = Vec::new();
        let mut seg_start = 0usize;
        let mut p = 0usize; // first pause that may still matter
        for (&t, &h) in t_s.iter().zip(hr) {
            if h == 0 {
                continue;
            }
            let x = t as f64 - start;
            while p < pauses_s.len() && pauses_s[p].1 <= x {
                p += 1;
            }
            if pauses_s.get(p).is_some_and(|&(ps, pe)| ps < x && x < pe) {
                continue; // recorded while the timer was stopped: not part of the run
            }
            if let Some(&prev) = t_elapsed_s.last() {
                let paused_between = pauses_s[..p]
                    .iter()
                    .rev()
                    .take_while(|&&(_, pe)| pe > prev)
                    .any(|&(ps, pe)| ps < x && pe > prev);
                if x - prev > BREAK_GAP_S || paused_between || x < prev {
                    segments.push(seg_start..t_elapsed_s.len());
                    seg_start = t_elapsed_s.len();
                }
            }
            t_elapsed_s.push(x);
            hr_bpm.push(h);
        }
        if t_elapsed_s.is_empty() {
            return Err(ChartError::NoHeartRate);
        }
        segments.push(seg_start..t_elapsed_s.len());

        let title = RunTitle {
            date: date_text(a, s),
            sport: sport_text(s),
            duration_s: s.timer_s,
            distance_m: s.distance_m.filter(|d| *d > 0.0),
            hr_tss,
            zone_model: format!("{} zones, {}", zones.model.name(), zones.source),
            avg_hr_bpm: analysis.avg_hr_bpm,
            max_hr_bpm: analysis.max_hr_bpm,
            verdict,
        };
        Ok(RunChartInput {
            title,
            elapsed_s: end - start,
            t_elapsed_s,
            hr_bpm,
            segments,
            pauses_s,
            zone_floors_bpm: zones.floors_bpm.clone(),
            zone_names: zones.names.clone(),
            zone_colours: zone_colours(zones.len()),
            z1_ceiling_bpm: zones.z1_ceiling_bpm(),
            secs_in_zone: analysis
                .secs_in_zone
                .clone()
                .unwrap_or_else(|| vec![0.0; zones.len() + 1]),
        })
    }

    /// Checks what the renderer relies on: equal column lengths, segments inside them,
    /// strictly increasing floors, finite times.
    pub fn validate(&self) -> Result<(), ChartError> {
        let n = self.t_elapsed_s.len();
        if self.hr_bpm.len() != n {
            return Err(ChartError::BadInput(
                "t_elapsed_s and hr_bpm differ in length",
            ));
        }
        if self.segments.iter().any(|r| r.start > r.end || r.end > n) {
            return Err(ChartError::BadInput(
                "a segment reaches outside the samples",
            ));
        }
        if self.zone_floors_bpm.is_empty() || self.zone_floors_bpm.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(ChartError::BadInput(
                "zone floors must be strictly increasing",
            ));
        }
        if !self.elapsed_s.is_finite() || self.t_elapsed_s.iter().any(|t| !t.is_finite()) {
            return Err(ChartError::BadInput("times must be finite"));
        }
        Ok(())
    }

    /// True when the run is under the recovery audit (it has a verdict): only then is
    /// time above the Zone 1 ceiling marked red (line and bottom strip). Issue 12 item 16:
    /// painting every long run's Z2 minutes red was alarming on normal training.
    pub fn marks_excursions(&self) -> bool {
        self.title.verdict.is_some()
    }

    fn colour(&self, zone: usize) -> [u8; 3] {
        self.zone_colours.get(zone).copied().unwrap_or(BELOW_Z1_RGB)
    }

    fn zone_name(&self, zone: usize) -> String {
        zone_bin_name(&self.zone_names, zone)
    }
}

/// The colour of a recovery audit verdict in a run chart's title: green for "ok", grey
/// for "incomplete", red for a finding.
pub fn verdict_rgb(verdict: &str) -> [u8; 3] {
    match verdict {
        "ok" => VERDICT_OK_RGB,
        "incomplete" => VERDICT_INCOMPLETE_RGB,
        _ => EXCURSION_RGB,
    }
}

/// The local start, "2024-11-22 06:30" ("… UTC" when neither the file nor `--tz` gives
/// an offset, see [`crate::localtime`]), or "date unknown" for files with relative
/// timestamps.
fn date_text(a: &Activity, s: &Session) -> String {
    match crate::localtime::session_start(a, s) {
        Some((local, off)) if off.source == crate::localtime::OffsetSource::Unknown => {
            local.format("%Y-%m-%d %H:%M UTC").to_string()
        }
        Some((local, _)) => local.format("%Y-%m-%d %H:%M").to_string(),
        None => "date unknown".to_string(),
    }
}

/// "Running", "Running (trail)", or the watch's own profile name when it has one.
fn sport_text(s: &Session) -> String {
    let mut out = capitalise(s.sport_name());
    let sub = s.sub_sport_name();
    if sub != "generic" && !sub.is_empty() {
        out.push_str(&format!(" ({})", sub.replace('_', " ")));
    }
    // The watch's profile name, unless it only repeats the sport ("Run" on running).
    if let Some(name) = s.sport_profile_name.as_deref().filter(|n| !n.is_empty()) {
        let (n, sport) = (name.to_lowercase(), s.sport_name().replace('_', " "));
        if !sport.starts_with(&n) && !n.starts_with(&sport) {
            out.push_str(&format!(" · {name}"));
        }
    }
    out.replace('_', " ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "1:02:03" or "54:10".
pub fn duration_text(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m}:{sec:02}")
    }
}

/// "12 min", "3.5 min".
fn minutes_text(secs: f64) -> String {
    let m = secs / 60.0;
    if m >= 10.0 {
        format!("{m:.0} min")
    } else {
        format!("{m:.1} min")
    }
}

/// Weekly time in zone of one sport.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekZones {
    /// Monday of the ISO week.
    pub week_start: NaiveDate,
    /// Sport name.
    pub sport: String,
    /// Seconds per zone, index 0 = below Z1, then Z1..ZN.
    pub secs_in_zone: Vec<f64>,
}

/// Input of the weekly time-in-zone chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeeklyZonesInput {
    /// One entry per (week, sport).
    pub weeks: Vec<WeekZones>,
    /// Names of Z1..ZN for the legend, as the zone model names them (Friel's "Z5a", ...:
    /// the run charts' names); empty: "Z1".."ZN". See [`merged_zone_names`].
    pub zone_names: Vec<String>,
}

impl WeeklyZonesInput {
    /// Sums sessions (date, sport, seconds per zone) into ISO weeks per sport.
    pub fn from_sessions<'a>(
        sessions: impl IntoIterator<Item = (NaiveDate, &'a str, &'a [f64])>,
    ) -> WeeklyZonesInput {
        let mut map: std::collections::BTreeMap<(NaiveDate, String), Vec<f64>> =
            std::collections::BTreeMap::new();
        for (date, sport, secs) in sessions {
            let week_start = monday_of(date);
            let acc = map.entry((week_start, sport.to_string())).or_default();
            if acc.len() < secs.len() {
                acc.resize(secs.len(), 0.0);
            }
            for (a, s) in acc.iter_mut().zip(secs) {
                *a += s;
            }
        }
        WeeklyZonesInput {
            weeks: map
                .into_iter()
                .map(|((week_start, sport), secs_in_zone)| WeekZones {
                    week_start,
                    sport,
                    secs_in_zone,
                })
                .collect(),
            zone_names: Vec::new(),
        }
    }

    /// The same with the legend's zone names (Z1..ZN).
    pub fn with_zone_names(mut self, zone_names: Vec<String>) -> WeeklyZonesInput {
        self.zone_names = zone_names;
        self
    }

    /// The legend name of zone bin `z` (0 = below Z1): the model's name, else "Z{z}".
    pub fn zone_name(&self, z: usize) -> String {
        zone_bin_name(&self.zone_names, z)
    }
}

/// The name of zone bin `z` (0 = below Z1, then Z1..ZN) from a model's names of Z1..ZN:
/// one naming for the run charts and the weekly legend.
fn zone_bin_name(names: &[String], z: usize) -> String {
    match z {
        0 => "below Z1".to_string(),
        z => names.get(z - 1).cloned().unwrap_or_else(|| format!("Z{z}")),
    }
}

/// One legend name per zone index from the zone names of every session summed into a
/// history chart: the name when all agree ("Z5a" for Friel's zones everywhere), the
/// distinct names joined by "/" when models differ ("Z5/Z5a": the 5th zone of a %HRmax
/// session and of an LTHR session share a bar colour).
pub fn merged_zone_names<'a>(lists: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    let mut per_zone: Vec<Vec<&'a str>> = Vec::new();
    for list in lists {
        if per_zone.len() < list.len() {
            per_zone.resize(list.len(), Vec::new());
        }
        for (names, name) in per_zone.iter_mut().zip(list) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    per_zone.into_iter().map(|names| names.join("/")).collect()
}

/// Monday of the ISO week containing `d`.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// One day of the performance-management chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PmcDay {
    /// The day.
    pub date: NaiveDate,
    /// Chronic training load (fitness).
    pub ctl: f64,
    /// Acute training load (fatigue).
    pub atl: f64,
    /// Training stress balance (form).
    pub tsb: f64,
}

/// A marked day on the PMC chart (a recovery-run finding).
#[derive(Debug, Clone, PartialEq)]
pub struct PmcFinding {
    /// The day.
    pub date: NaiveDate,
    /// Short label.
    pub label: String,
}

/// Input of the CTL/ATL/TSB chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PmcInput {
    /// Days in order.
    pub days: Vec<PmcDay>,
    /// Findings to mark.
    pub findings: Vec<PmcFinding>,
}

// ---------------------------------------------------------------------------------------
// Output plumbing
// ---------------------------------------------------------------------------------------

/// File format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    /// PNG (drawn in memory, encoded with the `image` crate).
    Png,
    /// SVG (text stays text).
    Svg,
}

impl ChartFormat {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// Draws with `draw` on a `w`×`h` canvas and returns the encoded file bytes.
fn render_bytes<T>(
    format: ChartFormat,
    (w, h): (u32, u32),
    draw: impl Fn(&DrawingArea<BitMapBackend, Shift>) -> Result<T, ChartError>,
    draw_svg: impl Fn(&DrawingArea<SVGBackend, Shift>) -> Result<T, ChartError>,
) -> Result<(Vec<u8>, T), ChartError> {
    ensure_fonts()?;
    match format {
        ChartFormat::Png => {
            let mut buf = vec![255u8; w as usize * h as usize * 3];
            let value = {
                let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                let v = draw(&root)?;
                root.present()?;
                v
            };
            Ok((encode_png(&buf, w, h)?, value))
        }
        ChartFormat::Svg => {
            let mut text = String::new();
            let value = {
                let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
                let v = draw_svg(&root)?;
                root.present()?;
                v
            };
            Ok((text.into_bytes(), value))
        }
    }
}

/// Encodes an RGB8 buffer as PNG. `Fast` is png's own fdeflate compressor, made for
/// images like these (flat fills, few colours); `Default` goes through flate2, which
/// measured ~10x slower per chart here for files only ~1.3x smaller (docs/CHARTS.md).
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::with_capacity(rgb.len() / 8);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

/// Writes bytes to `path` atomically (temporary file beside it, then rename).
pub fn write_chart(path: &Path, bytes: &[u8]) -> Result<(), ChartError> {
    report::write_atomic(path, |w| std::io::Write::write_all(w, bytes)).map_err(|source| {
        ChartError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

// ---------------------------------------------------------------------------------------
// Run chart
// ---------------------------------------------------------------------------------------

/// Run chart canvas, px.
pub const RUN_SIZE_PX: (u32, u32) = (1280, 640);
/// Height of the title strip at the top of a run chart, px.
pub const RUN_TITLE_H_PX: u32 = 78;
/// Width of the time-in-zone panel on the right of a run chart, px.
pub const RUN_PANEL_W_PX: u32 = 330;
/// Room right of the heart-rate plot for the zone names, px.
const ZONE_LABEL_W_PX: u32 = 92;

/// Where the heart-rate plot landed on the canvas, so tests (and anyone overlaying
/// marks) can map data to pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct RunGeometry {
    /// Canvas size, px.
    pub size_px: (u32, u32),
    /// Pixel x of elapsed 0 s and of the axis end.
    pub x_px: (i32, i32),
    /// Elapsed seconds at the two ends of the x axis.
    pub x_s: (f64, f64),
    /// Pixel y of the bottom and top of the y axis.
    pub y_px: (i32, i32),
    /// Heart rate at the bottom and top of the y axis, bpm.
    pub y_bpm: (f64, f64),
}

impl RunGeometry {
    /// Pixel column of an elapsed time.
    pub fn x_of(&self, t_elapsed_s: f64) -> i32 {
        let f = (t_elapsed_s - self.x_s.0) / (self.x_s.1 - self.x_s.0);
        (self.x_px.0 as f64 + f * (self.x_px.1 - self.x_px.0) as f64).round() as i32
    }
    /// Pixel row of a heart rate.
    pub fn y_of(&self, hr_bpm: f64) -> i32 {
        let f = (hr_bpm - self.y_bpm.0) / (self.y_bpm.1 - self.y_bpm.0);
        (self.y_px.0 as f64 + f * (self.y_px.1 - self.y_px.0) as f64).round() as i32
    }
}

/// Renders a run chart to bytes (PNG or SVG) and returns where the plot landed.
pub fn run_chart_bytes(
    input: &RunChartInput,
    format: ChartFormat,
) -> Result<(Vec<u8>, RunGeometry), ChartError> {
    input.validate()?;
    render_bytes(
        format,
        RUN_SIZE_PX,
        |root| draw_run(root, input),
        |root| draw_run(root, input),
    )
}

/// Renders a run chart and writes it atomically to `path`.
pub fn render_run(
    input: &RunChartInput,
    format: ChartFormat,
    path: &Path,
) -> Result<RunGeometry, ChartError> {
    let (bytes, geometry) = run_chart_bytes(input, format)?;
    write_chart(path, &bytes)?;
    Ok(geometry)
}

/// [`render_run`] as PNG.
pub fn render_run_png(input: &RunChartInput, path: &Path) -> Result<RunGeometry, ChartError> {
    render_run(input, ChartFormat::Png, path)
}

/// [`render_run`] as SVG.
pub fn render_run_svg(input: &RunChartInput, path: &Path) -> Result<RunGeometry, ChartError> {
    render_run(input, ChartFormat::Svg, path)
}

fn draw_run<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &RunChartInput,
) -> Result<RunGeometry, ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (title_area, body) = root.split_vertically(RUN_TITLE_H_PX);
    draw_run_title(&title_area, input)?;
    let (plot_area, panel) = body.split_horizontally(RUN_SIZE_PX.0 - RUN_PANEL_W_PX);
    let geometry = draw_hr_plot(&plot_area, input)?;
    draw_zone_panel(&panel, input)?;
    Ok(geometry)
}

/// The largest font size ≤ `size` at which `text` fits in `max_w` px.
fn fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    style: FontStyle,
    max_w: u32,
) -> f64 {
    let mut s = size;
    while s > 9.0 {
        match area.estimate_text_size(text, &TextStyle::from((FONT, s, style).into_font())) {
            Ok((w, _)) if w <= max_w => return s,
            Ok(_) => s -= 1.0,
            Err(_) => return s,
        }
    }
    s
}

fn draw_run_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &RunChartInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let t = &input.title;
    let (w, _) = area.dim_in_pixel();
    let mut line1 = vec![t.date.clone(), t.sport.clone(), duration_text(t.duration_s)];
    if let Some(d) = t.distance_m {
        line1.push(format!("{:.2} km", d / 1000.0));
    }
    line1.push(match t.hr_tss {
        Some(v) => format!("hrTSS {v:.0}"),
        None => "hrTSS –".to_string(),
    });
    let line1 = line1.join("  ·  ");

    let verdict_w = match &t.verdict {
        Some(v) => {
            let text = format!("Recovery audit: {v}");
            let size = fitted(area, &text, 20.0, FontStyle::Bold, w / 3);
            let colour = rgb(verdict_rgb(v));
            let style = TextStyle::from((FONT, size, FontStyle::Bold).into_font())
                .color(&colour)
                .pos(Pos::new(HPos::Right, VPos::Top));
            area.draw_text(&text, &style, (w as i32 - 16, 14))?;
            area.estimate_text_size(
                &text,
                &TextStyle::from((FONT, size, FontStyle::Bold).into_font()),
            )
            .map(|(tw, _)| tw + 24)
            .unwrap_or(w / 3)
        }
        None => 0,
    };
    let size1 = fitted(area, &line1, 24.0, FontStyle::Bold, w - 32 - verdict_w);
    area.draw_text(
        &line1,
        &TextStyle::from((FONT, size1, FontStyle::Bold).into_font()).color(&rgb(HR_LINE_RGB)),
        (16, 12),
    )?;

    let mut line2 = vec![t.zone_model.clone()];
    if let Some(c) = input.z1_ceiling_bpm {
        line2.push(format!("Z1 ceiling {c} bpm"));
    }
    match (t.avg_hr_bpm, t.max_hr_bpm) {
        (Some(a), Some(m)) => line2.push(format!("HR avg {a:.0}, max {m} bpm")),
        (Some(a), None) => line2.push(format!("HR avg {a:.0} bpm")),
        _ => {}
    }
    let line2 = line2.join("  ·  ");
    let size2 = fitted(area, &line2, 16.0, FontStyle::Normal, w - 32);
    area.draw_text(
        &line2,
        &TextStyle::from((FONT, size2).into_font()).color(&RGBColor(84, 84, 84)),
        (16, 48),
    )?;
    Ok(())
}

/// y axis range: the heart rate seen and the zone floors that matter, padded, in tens.
fn hr_axis_range(input: &RunChartInput) -> (f64, f64) {
    let hr_min = input.hr_bpm.iter().copied().min().unwrap_or(100) as f64;
    let hr_max = input.hr_bpm.iter().copied().max().unwrap_or(160) as f64;
    let first_floor = input
        .zone_floors_bpm
        .iter()
        .copied()
        .find(|&f| f > 0)
        .map_or(hr_min, f64::from);
    let last_floor = input
        .zone_floors_bpm
        .last()
        .copied()
        .map_or(hr_max, f64::from);
    let lo = ((hr_min.min(first_floor) - 8.0) / 10.0).floor() * 10.0;
    let hi = ((hr_max.max(last_floor) + 8.0) / 10.0).ceil() * 10.0;
    (lo.max(0.0), hi.max(lo + 20.0))
}

fn draw_hr_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &RunChartInput,
) -> Result<RunGeometry, ChartError>
where
    DB::ErrorType: 'static,
{
    let (y_lo, y_hi) = hr_axis_range(input);
    // x in minutes; ticks chosen in seconds by the session's length (m:ss for a short
    // one, h:mm for a long one), never rounded into repeats.
    let (time_ticks, time_label) = axis::time_ticks(input.elapsed_s.max(60.0));
    let x_ticks = time_ticks.scaled(1.0 / 60.0);
    let x_end_min = x_ticks.range.end;
    let mut chart = ChartBuilder::on(area)
        .margin_left(12)
        .margin_right(ZONE_LABEL_W_PX)
        .margin_top(8)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(62)
        .build_cartesian_2d(x_ticks.coord(), y_lo..y_hi)?;

    // Zone bands, opaque pale fills: index 0 (below Z1) up to the top zone.
    let n = input.zone_floors_bpm.len();
    let mut bands: Vec<(usize, f64, f64)> = Vec::with_capacity(n + 1);
    for z in 0..=n {
        let lo = if z == 0 {
            y_lo
        } else {
            input.zone_floors_bpm[z - 1] as f64
        };
        let hi = input.zone_floors_bpm.get(z).map_or(y_hi, |&f| f as f64);
        let (lo, hi) = (lo.max(y_lo), hi.min(y_hi));
        if hi > lo {
            bands.push((z, lo, hi));
        }
    }
    chart.draw_series(bands.iter().map(|&(z, lo, hi)| {
        Rectangle::new(
            [(0.0, lo), (x_end_min, hi)],
            rgb(band_fill(input.colour(z))).filled(),
        )
    }))?;

    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(WHITE.mix(0.7))
        .axis_style(RGBColor(120, 120, 120))
        .x_desc(time_label.axis_desc())
        .y_desc("Heart rate (bpm)")
        .y_labels(10)
        .x_label_formatter(&|m| x_ticks.label_at(*m))
        .y_label_formatter(&|b| format!("{b:.0}"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;

    // Pauses: translucent grey over the bands.
    chart.draw_series(input.pauses_s.iter().map(|&(a, b)| {
        Rectangle::new(
            [(a / 60.0, y_lo), (b / 60.0, y_hi)],
            RGBColor(90, 90, 90).mix(0.28).filled(),
        )
    }))?;

    // Zone names beside the plot, level with each band tall enough to hold one.
    let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
    let px_per_bpm = (plot_y.end - plot_y.start) as f64 / (y_hi - y_lo);
    let base = area.get_base_pixel();
    for &(z, lo, hi) in &bands {
        if (hi - lo) * px_per_bpm < 15.0 {
            continue;
        }
        let range = if z == 0 {
            String::new()
        } else {
            match (input.zone_floors_bpm[z - 1], input.zone_floors_bpm.get(z)) {
                (0, Some(&next)) => format!(" <{next}"),
                (floor, Some(&next)) => format!(" {floor}–{}", next - 1),
                (floor, None) => format!(" ≥{floor}"),
            }
        };
        let shade = text_shade(input.colour(z));
        let style = TextStyle::from((FONT, 13, FontStyle::Bold).into_font())
            .color(&shade)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let (_, y) = chart.backend_coord(&(0.0, (lo + hi) / 2.0));
        area.draw_text(
            &format!("{}{range}", input.zone_name(z)),
            &style,
            (plot_x.end - base.0 + 6, y - base.1),
        )?;
    }

    let pts = |r: &Range<usize>| -> Vec<(f64, f64)> {
        r.clone()
            .map(|i| (input.t_elapsed_s[i] / 60.0, input.hr_bpm[i] as f64))
            .collect()
    };

    // Excursions above the Zone 1 ceiling of a run under the recovery audit: the line
    // turns red there (below), and a red strip along the bottom of the plot marks when,
    // so a recovery run that strayed shows it at a glance. Other runs stay neutral.
    let mut excursion_lines: Vec<Vec<(f64, f64)>> = Vec::new();
    if let Some(c) = input.z1_ceiling_bpm.filter(|_| input.marks_excursions()) {
        let c = c as f64;
        for seg in &input.segments {
            excursion_lines.extend(excursions(&pts(seg), c));
        }
        let strip_top = y_lo + EXCURSION_STRIP_PX as f64 / px_per_bpm;
        chart.draw_series(excursion_lines.iter().filter_map(|poly| {
            let (a, b) = (poly.first()?.0, poly.last()?.0);
            Some(Rectangle::new(
                [(a, y_lo), (b, strip_top)],
                rgb(EXCURSION_RGB).filled(),
            ))
        }))?;
    }

    // The heart-rate line, one path per segment: breaks stay breaks. Dense series (more
    // than two samples per pixel) get a 1 px line, which stays legible where a 2 px one
    // turns every beat-to-beat wobble into a smear.
    let samples_per_px = input.t_elapsed_s.len() as f64 / (plot_x.end - plot_x.start).max(1) as f64;
    let line_px = if samples_per_px > 2.0 { 1 } else { 2 };
    for seg in &input.segments {
        if seg.len() == 1 {
            let (x, y) = (
                input.t_elapsed_s[seg.start] / 60.0,
                input.hr_bpm[seg.start] as f64,
            );
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                1,
                rgb(HR_LINE_RGB).filled(),
            )))?;
        } else {
            chart.draw_series(LineSeries::new(
                pts(seg),
                rgb(HR_LINE_RGB).stroke_width(line_px),
            ))?;
        }
    }
    chart.draw_series(excursion_lines.into_iter().map(|poly| {
        let inner = poly[1..poly.len().saturating_sub(1)].to_vec();
        PathElement::new(inner, rgb(EXCURSION_RGB).stroke_width(line_px))
    }))?;

    // The Zone 1 ceiling, on top of everything (named in the legend and the title, not
    // on the plot, where a label would hide the line it is about).
    if let Some(c) = input.z1_ceiling_bpm {
        let c = c as f64;
        if c > y_lo && c < y_hi {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, c), (x_end_min, c)],
                rgb(CEILING_RGB).stroke_width(2),
            )))?;
        }
    }

    let (x0, y0) = chart.backend_coord(&(0.0, y_lo));
    let (x1, y1) = chart.backend_coord(&(x_end_min, y_hi));
    Ok(RunGeometry {
        size_px: RUN_SIZE_PX,
        x_px: (x0, x1),
        x_s: (0.0, x_end_min * 60.0),
        y_px: (y0, y1),
        y_bpm: (y_lo, y_hi),
    })
}

/// The parts of a polyline at or above `ceiling`, each starting and ending on the ceiling
/// (crossings interpolated): the inner points are the red line, the ends the strip's span.
fn excursions(points: &[(f64, f64)], ceiling: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        let above = y >= ceiling;
        if i > 0 {
            let (px, py) = points[i - 1];
            let was_above = py >= ceiling;
            if above != was_above && y != py {
                let xc = px + (ceiling - py) / (y - py) * (x - px);
                cur.push((xc, ceiling));
                if was_above {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
        if above {
            if cur.is_empty() {
                cur.push((x, ceiling));
            }
            cur.push((x, y));
        }
    }
    if let Some(&(x, _)) = cur.last() {
        cur.push((x, ceiling));
        out.push(cur);
    }
    out
}

fn draw_zone_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &RunChartInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let total: f64 = input.secs_in_zone.iter().sum();
    area.draw_text(
        "Time in zone",
        &TextStyle::from((FONT, 18, FontStyle::Bold).into_font()).color(&rgb(HR_LINE_RGB)),
        (8, 14),
    )?;
    area.draw_text(
        &format!("{} with heart rate", duration_text(total)),
        &TextStyle::from((FONT, 14).into_font()).color(&RGBColor(84, 84, 84)),
        (8, 38),
    )?;

    let n = input
        .secs_in_zone
        .len()
        .max(input.zone_floors_bpm.len() + 1);
    // No "below Z1" row when Z1 has no floor (Friel's LTHR zones): nothing can be below.
    let first_row = if input.zone_floors_bpm.first() == Some(&0)
        && input.secs_in_zone.first().is_none_or(|s| *s <= 0.0)
    {
        1
    } else {
        0
    };
    let top = 66i32;
    let legend_h = 92i32;
    let row_h = ((h as i32 - top - legend_h) / (n - first_row).max(1) as i32).clamp(24, 46);
    let label_w = 62i32;
    let bar_x = 8 + label_w;
    let bar_max = (w as i32 - bar_x - 112).max(40);
    let bar_h = (row_h - 10).clamp(12, 22);
    // Bars are drawn relative to the largest zone (the % beside each says the share).
    let max_secs = input.secs_in_zone.iter().copied().fold(0.0, f64::max);
    // Top zone first, as the bands stack on the plot.
    for (row, z) in (first_row..n).rev().enumerate() {
        let secs = input.secs_in_zone.get(z).copied().unwrap_or(0.0);
        let pct = if total > 0.0 {
            100.0 * secs / total
        } else {
            0.0
        };
        let y = top + row as i32 * row_h;
        let label = if z == 0 {
            "<Z1".to_string()
        } else {
            input.zone_name(z)
        };
        area.draw_text(
            &label,
            &TextStyle::from((FONT, 15, FontStyle::Bold).into_font())
                .color(&text_shade(input.colour(z)))
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (8, y + bar_h / 2),
        )?;
        let len = if max_secs > 0.0 {
            (secs / max_secs * bar_max as f64).round() as i32
        } else {
            0
        };
        if len > 0 {
            area.draw(&Rectangle::new(
                [(bar_x, y), (bar_x + len, y + bar_h)],
                rgb(input.colour(z)).filled(),
            ))?;
        }
        area.draw_text(
            &format!("{}  {pct:.0}%", minutes_text(secs)),
            &TextStyle::from((FONT, 14).into_font())
                .color(&rgb(HR_LINE_RGB))
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (bar_x + bar_max + 8, y + bar_h / 2),
        )?;
    }

    // Legend for the marks on the plot.
    let ly = h as i32 - legend_h + 8;
    let small = TextStyle::from((FONT, 13).into_font())
        .color(&RGBColor(64, 64, 64))
        .pos(Pos::new(HPos::Left, VPos::Center));
    let ceiling = match input.z1_ceiling_bpm {
        Some(c) => format!("Z1 ceiling ({c} bpm)"),
        None => "Z1 ceiling (none: one zone)".to_string(),
    };
    let items: [(&str, u8); 4] = [
        ("heart rate", 0),
        ("above the Z1 ceiling (line, bottom strip)", 1),
        (&ceiling, 2),
        ("timer paused (line breaks: pauses, gaps)", 3),
    ];
    let audited = input.marks_excursions();
    let items = items.iter().filter(|(_, kind)| *kind != 1 || audited);
    for (i, (text, kind)) in items.enumerate() {
        let y = ly + i as i32 * 20;
        match kind {
            0 => area.draw(&PathElement::new(
                vec![(8, y), (36, y)],
                rgb(HR_LINE_RGB).stroke_width(2),
            ))?,
            1 => {
                area.draw(&PathElement::new(
                    vec![(8, y - 3), (36, y - 3)],
                    rgb(EXCURSION_RGB).stroke_width(2),
                ))?;
                area.draw(&Rectangle::new(
                    [(8, y + 2), (36, y + 2 + EXCURSION_STRIP_PX)],
                    rgb(EXCURSION_RGB).filled(),
                ))?
            }
            2 => area.draw(&PathElement::new(
                vec![(8, y), (36, y)],
                rgb(CEILING_RGB).stroke_width(2),
            ))?,
            _ => area.draw(&Rectangle::new(
                [(8, y - 6), (36, y + 6)],
                RGBColor(90, 90, 90).mix(0.28).filled(),
            ))?,
        }
        area.draw_text(text, &small, (44, y))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Weekly time in zone
// ---------------------------------------------------------------------------------------

/// Width of the history charts, px.
pub const HISTORY_W_PX: u32 = 1280;
/// At most this many sports get a panel of their own; the rest are summed as "other".
pub const MAX_SPORT_PANELS: usize = 4;
/// A sport with less than this share of all the time with heart rate gets no panel of
/// its own: a near-empty panel is a quarter of the chart saying nothing. It is summed
/// into "Other sports", or, when all of those together are below the share too, left out
/// with a note in the header.
pub const MINOR_SPORT_SHARE: f64 = 0.05;

/// The header of a history chart: a bold title and a grey subtitle line.
pub(crate) fn draw_header<DB: DrawingBackend>(
    head: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, _) = head.dim_in_pixel();
    head.draw_text(
        title,
        &TextStyle::from((FONT, 24, FontStyle::Bold).into_font()).color(&rgb(HR_LINE_RGB)),
        (16, 12),
    )?;
    if !subtitle.is_empty() {
        let size = fitted(
            head,
            subtitle,
            15.0,
            FontStyle::Normal,
            w.saturating_sub(32),
        );
        head.draw_text(
            subtitle,
            &TextStyle::from((FONT, size).into_font()).color(&RGBColor(84, 84, 84)),
            (16, 44),
        )?;
    }
    Ok(())
}

/// A number for an axis label with as many decimals as it needs (at most two): "0.5",
/// "1", "2.5" — a fixed `{:.0}` turned 0.5-hour steps into "0, 0, 1, 2, 2".
pub fn axis_number(v: f64) -> String {
    let t = format!("{:.2}", v);
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Renders the weekly time-in-zone chart (one panel of stacked bars per sport).
pub fn weekly_zones_bytes(
    input: &WeeklyZonesInput,
    format: ChartFormat,
) -> Result<Vec<u8>, ChartError> {
    let panels = sport_panels(input);
    if panels.panels.is_empty() {
        return Err(ChartError::Empty("no dated sessions with time in zone"));
    }
    let size = (HISTORY_W_PX, 110 + 250 * panels.panels.len() as u32);
    render_bytes(
        format,
        size,
        |root| draw_weekly(root, input, &panels),
        |root| draw_weekly(root, input, &panels),
    )
    .map(|(b, ())| b)
}

/// Renders the weekly time-in-zone chart and writes it atomically to `path`.
pub fn render_weekly_zones(
    input: &WeeklyZonesInput,
    format: ChartFormat,
    path: &Path,
) -> Result<(), ChartError> {
    write_chart(path, &weekly_zones_bytes(input, format)?)
}

/// The weekly chart's panels and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct SportPanels {
    /// (panel title, the sports summed in it), most time first.
    pub panels: Vec<(String, Vec<String>)>,
    /// Sports drawn nowhere, with their hours: too little time even all together.
    pub left_out: Vec<(String, f64)>,
}

/// Sports ordered by total time, each with a panel while it holds at least
/// [`MINOR_SPORT_SHARE`] of the time (at most [`MAX_SPORT_PANELS`] panels). The rest, and
/// "transition" (the changeover between a multisport event's legs, never training of its
/// own), are summed as "Other sports" when they reach that share together, else left out
/// (named in the header).
pub fn sport_panels(input: &WeeklyZonesInput) -> SportPanels {
    let mut totals: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for w in &input.weeks {
        *totals.entry(w.sport.as_str()).or_default() += w.secs_in_zone.iter().sum::<f64>();
    }
    let mut sports: Vec<(&str, f64)> = totals.into_iter().filter(|(_, t)| *t > 0.0).collect();
    sports.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let all: f64 = sports.iter().map(|s| s.1).sum();
    let minor =
        |(sport, secs): &(&str, f64)| *sport == "transition" || *secs < MINOR_SPORT_SHARE * all;
    type SportSecs<'s> = Vec<(&'s str, f64)>;
    let (mut major, mut rest): (SportSecs, SportSecs) =
        sports.iter().copied().partition(|s| !minor(s));
    if major.is_empty() {
        // Only minor sports: the largest still gets its panel (there is nothing else).
        major = rest.drain(..rest.len().min(1)).collect();
    }
    // Room for a fourth sport's panel unless an "Other sports" panel needs it.
    let rest_is_drawn = rest.iter().map(|s| s.1).sum::<f64>() >= MINOR_SPORT_SHARE * all;
    if major.len() > MAX_SPORT_PANELS || (rest_is_drawn && major.len() == MAX_SPORT_PANELS) {
        let mut tail = major.split_off(MAX_SPORT_PANELS - 1);
        tail.append(&mut rest);
        rest = tail;
    }
    let mut panels: Vec<(String, Vec<String>)> = major
        .iter()
        .map(|(s, _)| (capitalise(&s.replace('_', " ")), vec![s.to_string()]))
        .collect();
    let rest_secs: f64 = rest.iter().map(|s| s.1).sum();
    let mut left_out = Vec::new();
    if !rest.is_empty() && rest_secs >= MINOR_SPORT_SHARE * all {
        let mut names: Vec<String> = rest.iter().map(|s| s.0.replace('_', " ")).collect();
        if names.len() > 4 {
            let more = names.len() - 3;
            names.truncate(3);
            names.push(format!("{more} more"));
        }
        panels.push((
            format!("Other sports ({})", names.join(", ")),
            rest.iter().map(|s| s.0.to_string()).collect(),
        ));
    } else {
        left_out = rest
            .iter()
            .map(|(s, secs)| (s.replace('_', " "), secs / 3600.0))
            .collect();
    }
    SportPanels { panels, left_out }
}

fn draw_weekly<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &WeeklyZonesInput,
    panels: &SportPanels,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n_bins = input
        .weeks
        .iter()
        .map(|w| w.secs_in_zone.len())
        .max()
        .unwrap_or(1);
    let colours = zone_colours(n_bins.saturating_sub(1));
    let first = input
        .weeks
        .iter()
        .map(|w| w.week_start)
        .min()
        .ok_or(ChartError::Empty("no weeks"))?;
    let last = input
        .weeks
        .iter()
        .map(|w| w.week_start)
        .max()
        .unwrap_or(first);
    // x is the week number since the first week: a bar spans [n, n + 1). Ticks are dates
    // chosen by the span (Mondays, months or years), at their place on that scale.
    let week_no = |d: NaiveDate| ((d - first).num_days() / 7) as f64;
    let x_end = week_no(last) + 1.0;
    let mut x_ticks = axis::date_ticks(first, last + Duration::days(6)).scaled(1.0 / 7.0);
    x_ticks.range = 0.0..x_end;
    x_ticks.ticks.retain(|(p, _)| *p <= x_end);

    let (head, body) = root.split_vertically(100);
    let mut subtitle = format!(
        "Hours per ISO week, {} to {}; each session's zones by its own model",
        first,
        last + Duration::days(6)
    );
    if !panels.left_out.is_empty() {
        let what: Vec<String> = panels
            .left_out
            .iter()
            .map(|(s, h)| {
                if *h >= 1.0 {
                    format!("{s} {h:.1} h")
                } else {
                    format!("{s} {:.0} min", (h * 60.0).max(1.0))
                }
            })
            .collect();
        subtitle.push_str(&format!(
            "; not drawn (under {:.0} % of the time): {}",
            MINOR_SPORT_SHARE * 100.0,
            what.join(", ")
        ));
    }
    draw_header(&head, "Weekly time in heart-rate zone, by sport", &subtitle)?;
    // Legend: one swatch per zone bin, named as the zone model names it.
    let dark = rgb(HR_LINE_RGB);
    let legend = TextStyle::from((FONT, 14).into_font())
        .color(&dark)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = 16;
    for (z, c) in colours.iter().enumerate() {
        let name = input.zone_name(z);
        head.draw(&Rectangle::new([(x, 72), (x + 16, 88)], rgb(*c).filled()))?;
        head.draw_text(&name, &legend, (x + 22, 80))?;
        x += 22
            + head
                .estimate_text_size(&name, &legend)
                .map_or(40, |(w, _)| w as i32)
            + 18;
    }

    let areas = body.split_evenly((panels.panels.len(), 1));
    for ((title, sports), area) in panels.panels.iter().zip(areas) {
        let mut stacks: std::collections::BTreeMap<NaiveDate, Vec<f64>> =
            std::collections::BTreeMap::new();
        for w in input.weeks.iter().filter(|w| sports.contains(&w.sport)) {
            let acc = stacks
                .entry(w.week_start)
                .or_insert_with(|| vec![0.0; n_bins]);
            for (a, s) in acc.iter_mut().zip(&w.secs_in_zone) {
                *a += s / 3600.0;
            }
        }
        let y_max = stacks
            .values()
            .map(|v| v.iter().sum::<f64>())
            .fold(0.0, f64::max)
            .max(0.5)
            * 1.08;
        let y_label = |h: &f64| axis_number(*h);
        let mut chart = axis::history_chart(
            &area,
            &HistoryAxes {
                x: &x_ticks,
                y: 0.0..y_max,
                y_desc: "hours",
                y_labels: 6,
                y_label: &y_label,
                caption: Some(title),
                x_grid: false,
            },
        )?;
        let colours = &colours;
        // A gap between bars while there is room for one.
        let gap = if x_end > 60.0 { 0.0 } else { 0.1 };
        chart.draw_series(stacks.iter().flat_map(|(week, hours)| {
            let x0 = week_no(*week) + gap;
            let x1 = week_no(*week) + 1.0 - gap;
            let mut base = 0.0;
            hours
                .iter()
                .enumerate()
                .filter(|(_, h)| **h > 0.0)
                .map(move |(z, h)| {
                    let r = Rectangle::new(
                        [(x0, base), (x1, base + h)],
                        rgb(colours.get(z).copied().unwrap_or(BELOW_Z1_RGB)).filled(),
                    );
                    base += h;
                    r
                })
                .collect::<Vec<_>>()
        }))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// PMC (CTL / ATL / TSB)
// ---------------------------------------------------------------------------------------

/// CTL line colour.
pub const CTL_RGB: [u8; 3] = [30, 136, 229];
/// ATL line colour (purple: apart from the red finding markers).
pub const ATL_RGB: [u8; 3] = [142, 36, 170];
/// TSB line colour.
pub const TSB_RGB: [u8; 3] = [251, 140, 0];
/// The PMC lines: legend name and colour, in the order of [`PmcPoint::values`].
const PMC_SERIES: [(&str, [u8; 3]); 3] = [
    ("CTL (fitness)", CTL_RGB),
    ("ATL (fatigue)", ATL_RGB),
    ("TSB (form = CTL − ATL)", TSB_RGB),
];
/// Spans up to this many days draw a point per day.
pub const PMC_DAILY_MAX_DAYS: i64 = 730;
/// Spans up to this many days draw weekly means; longer ones monthly means.
pub const PMC_WEEKLY_MAX_DAYS: i64 = 8 * 365;

/// How many days one point of the PMC lines stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmcResolution {
    /// A point per day.
    Daily,
    /// The mean of each ISO week.
    WeeklyMeans,
    /// The mean of each calendar month.
    MonthlyMeans,
}

impl PmcResolution {
    /// The resolution for a span of `days` days: at 1280 px a day is ~1.6 px over two
    /// years; beyond, a daily ATL (7-day time constant) is a solid band of zig-zags, so
    /// the lines are means per week (up to eight years), then per month.
    pub fn for_span(days: i64) -> PmcResolution {
        if days <= PMC_DAILY_MAX_DAYS {
            PmcResolution::Daily
        } else if days <= PMC_WEEKLY_MAX_DAYS {
            PmcResolution::WeeklyMeans
        } else {
            PmcResolution::MonthlyMeans
        }
    }

    fn bin_of(self, d: NaiveDate) -> NaiveDate {
        match self {
            PmcResolution::Daily => d,
            PmcResolution::WeeklyMeans => monday_of(d),
            PmcResolution::MonthlyMeans => d.with_day(1).unwrap_or(d),
        }
    }
}

/// One point of the PMC lines: its x (days since the first day, the mean day of the
/// bin) and CTL, ATL, TSB (means over the bin's days; NaN when none was finite).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PmcPoint {
    /// Days since the first day.
    pub x_day: f64,
    /// CTL, ATL, TSB.
    pub values: [f64; 3],
}

/// The points of the PMC lines at `resolution`, in date order.
pub fn pmc_points(days: &[PmcDay], resolution: PmcResolution) -> Vec<PmcPoint> {
    let Some(first) = days.iter().map(|d| d.date).min() else {
        return Vec::new();
    };
    // bin → (sum of x, n days, sums, finite counts)
    let mut bins: std::collections::BTreeMap<NaiveDate, (f64, f64, [f64; 3], [f64; 3])> =
        std::collections::BTreeMap::new();
    for d in days {
        let b = bins.entry(resolution.bin_of(d.date)).or_default();
        b.0 += (d.date - first).num_days() as f64;
        b.1 += 1.0;
        for (k, v) in [d.ctl, d.atl, d.tsb].into_iter().enumerate() {
            if v.is_finite() {
                b.2[k] += v;
                b.3[k] += 1.0;
            }
        }
    }
    bins.into_values()
        .map(|(xs, n, sums, counts)| PmcPoint {
            x_day: xs / n,
            values: [0, 1, 2].map(|k| {
                if counts[k] > 0.0 {
                    sums[k] / counts[k]
                } else {
                    f64::NAN
                }
            }),
        })
        .collect()
}
/// Label at most this many findings on the PMC chart; beyond that they are only marked.
pub const MAX_LABELLED_FINDINGS: usize = 12;

/// Renders the CTL/ATL/TSB chart with the findings marked.
pub fn pmc_bytes(input: &PmcInput, format: ChartFormat) -> Result<Vec<u8>, ChartError> {
    if input.days.is_empty() {
        return Err(ChartError::Empty("no days in the load history"));
    }
    render_bytes(
        format,
        (HISTORY_W_PX, 600),
        |root| draw_pmc(root, input),
        |root| draw_pmc(root, input),
    )
    .map(|(b, ())| b)
}

/// Renders the CTL/ATL/TSB chart and writes it atomically to `path`.
pub fn render_pmc(input: &PmcInput, format: ChartFormat, path: &Path) -> Result<(), ChartError> {
    write_chart(path, &pmc_bytes(input, format)?)
}

fn draw_pmc<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &PmcInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let first = input
        .days
        .iter()
        .map(|d| d.date)
        .min()
        .ok_or(ChartError::Empty("no days"))?;
    let last = input.days.iter().map(|d| d.date).max().unwrap_or(first);
    let day = |d: NaiveDate| (d - first).num_days() as f64;
    let resolution = PmcResolution::for_span((last - first).num_days());
    let points = pmc_points(&input.days, resolution);
    let x_ticks = axis::date_ticks(first, last);
    let x_end = x_ticks.range.end;
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let y_hi = points
        .iter()
        .flat_map(|p| p.values.map(finite))
        .fold(10.0, f64::max)
        * 1.15;
    let y_lo = points
        .iter()
        .flat_map(|p| p.values.map(finite))
        .fold(0.0, f64::min)
        * 1.1
        - 2.0;

    let (head, body) = root.split_vertically(70);
    let subtitle = match resolution {
        PmcResolution::Daily => format!("{first} to {last}"),
        PmcResolution::WeeklyMeans => format!("{first} to {last}, weekly means"),
        PmcResolution::MonthlyMeans => format!("{first} to {last}, monthly means"),
    };
    draw_header(
        &head,
        "Fitness (CTL), fatigue (ATL) and form (TSB) from hrTSS",
        "",
    )?;
    // Subtitle and legend share a line: the legend starts after the subtitle's end.
    let legend = TextStyle::from((FONT, 15).into_font())
        .color(&RGBColor(64, 64, 64))
        .pos(Pos::new(HPos::Left, VPos::Center));
    head.draw_text(
        &subtitle,
        &TextStyle::from((FONT, 15).into_font()).color(&RGBColor(84, 84, 84)),
        (16, 44),
    )?;
    let mut x = 16
        + head
            .estimate_text_size(&subtitle, &legend)
            .map_or(240, |(w, _)| w as i32)
        + 36;
    for (name, colour) in PMC_SERIES {
        head.draw(&PathElement::new(
            vec![(x, 53), (x + 26, 53)],
            rgb(colour).stroke_width(3),
        ))?;
        head.draw_text(name, &legend, (x + 32, 53))?;
        x += 32
            + head
                .estimate_text_size(name, &legend)
                .map_or(150, |(w, _)| w as i32)
            + 28;
    }
    head.draw(&Polygon::new(
        vec![(x, 47), (x + 14, 47), (x + 7, 59)],
        rgb(EXCURSION_RGB).filled(),
    ))?;
    let findings = format!(
        "{} recovery-run finding{}",
        input.findings.len(),
        if input.findings.len() == 1 { "" } else { "s" }
    );
    head.draw_text(&findings, &legend, (x + 20, 53))?;

    let y_label = |v: &f64| format!("{v:.0}");
    let mut chart = axis::history_chart(
        &body,
        &HistoryAxes {
            x: &x_ticks,
            y: y_lo..y_hi,
            y_desc: "TSS per day",
            y_labels: 10,
            y_label: &y_label,
            caption: None,
            x_grid: true,
        },
    )?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (x_end, 0.0)],
        RGBColor(150, 150, 150).stroke_width(1),
    )))?;

    // Findings: a faint red rule through the day and a triangle at the top.
    let marker_y = y_hi - (y_hi - y_lo) * 0.03;
    chart.draw_series(input.findings.iter().map(|f| {
        let x = day(f.date);
        PathElement::new(
            vec![(x, y_lo), (x, marker_y)],
            rgb(EXCURSION_RGB).mix(0.25).stroke_width(1),
        )
    }))?;
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let dx = 6.0 * x_end / (xr.end - xr.start).max(1) as f64;
    let dy = (y_hi - y_lo) * 0.025;
    chart.draw_series(input.findings.iter().map(|f| {
        let x = day(f.date);
        Polygon::new(
            vec![
                (x - dx, marker_y + dy),
                (x + dx, marker_y + dy),
                (x, marker_y - dy),
            ],
            rgb(EXCURSION_RGB).filled(),
        )
    }))?;
    if input.findings.len() <= MAX_LABELLED_FINDINGS {
        let red = rgb(EXCURSION_RGB);
        let style = TextStyle::from((FONT, 12).into_font())
            .color(&red)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series(input.findings.iter().enumerate().map(|(i, f)| {
            let y = marker_y - dy * (3.0 + 1.6 * (i % 4) as f64);
            Text::new(f.label.clone(), (day(f.date) + dx, y), style.clone())
        }))?;
    }

    for (k, (_, colour)) in PMC_SERIES.iter().enumerate() {
        chart.draw_series(LineSeries::new(
            points
                .iter()
                .filter(|p| p.values[k].is_finite())
                .map(|p| (p.x_day, p.values[k])),
            rgb(*colour).stroke_width(2),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_zone_colours_are_the_ramp() {
        let c = zone_colours(5);
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], BELOW_Z1_RGB);
        assert_eq!(&c[1..], &ZONE_RAMP);
    }

    #[test]
    fn seven_zones_interpolate_from_blue_grey_to_red() {
        let c = zone_colours(7);
        assert_eq!(c.len(), 8);
        assert_eq!(c[1], ZONE_RAMP[0]);
        assert_eq!(c[7], ZONE_RAMP[4]);
        // All distinct, so every zone is told apart.
        let mut d = c.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 8);
    }

    #[test]
    fn band_fill_is_pale_and_keeps_hue_order() {
        let f = band_fill([229, 57, 53]);
        assert!(f.iter().all(|&c| c > 150), "{f:?}");
        assert!(f[0] > f[1] && f[0] > f[2]);
    }

    #[test]
    fn excursions_close_at_the_ceiling_with_interpolated_crossings() {
        let pts = [(0.0, 120.0), (1.0, 140.0), (2.0, 150.0), (3.0, 120.0)];
        let ex = excursions(&pts, 130.0);
        assert_eq!(ex.len(), 1);
        let e = &ex[0];
        assert_eq!(e.first(), Some(&(0.5, 130.0)));
        assert_eq!(e[1], (1.0, 140.0));
        assert_eq!(e[2], (2.0, 150.0));
        assert!((e[3].0 - (2.0 + 20.0 / 30.0)).abs() < 1e-9 && e[3].1 == 130.0);
        assert_eq!(e.len(), 4);
        // Starting and ending above: closed at the first and last x.
        let ex = excursions(&[(0.0, 140.0), (1.0, 120.0), (2.0, 135.0)], 130.0);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0][0], (0.0, 130.0));
        assert_eq!(ex[1].last(), Some(&(2.0, 130.0)));
        assert!(excursions(&[(0.0, 100.0), (1.0, 129.0)], 130.0).is_empty());
    }

    #[test]
    fn weekly_input_sums_sessions_into_iso_weeks_per_sport() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let a = [10.0, 20.0];
        let b = [1.0, 2.0, 3.0];
        let w = WeeklyZonesInput::from_sessions([
            (d("2024-11-20"), "running", &a[..]), // Wednesday
            (d("2024-11-24"), "running", &b[..]), // Sunday, same week
            (d("2024-11-25"), "running", &a[..]), // next Monday
            (d("2024-11-21"), "cycling", &a[..]),
        ]);
        assert_eq!(w.weeks.len(), 3);
        let run1 = w
            .weeks
            .iter()
            .find(|x| x.sport == "running" && x.week_start == d("2024-11-18"))
            .unwrap();
        assert_eq!(run1.secs_in_zone, vec![11.0, 22.0, 3.0]);
        assert!(w
            .weeks
            .iter()
            .all(|x| x.week_start.weekday() == chrono::Weekday::Mon));
    }

    #[test]
    fn inconsistent_inputs_are_errors_not_panics() {
        let good = RunChartInput {
            title: RunTitle {
                date: "d".into(),
                sport: "Running".into(),
                duration_s: 60.0,
                distance_m: None,
                hr_tss: None,
                zone_model: "m".into(),
                avg_hr_bpm: None,
                max_hr_bpm: None,
                verdict: None,
            },
            elapsed_s: 60.0,
            t_elapsed_s: vec![0.0, 30.0, 60.0],
            hr_bpm: vec![120, 130, 140],
            segments: std::iter::once(0..3).collect(),
            pauses_s: vec![],
            zone_floors_bpm: vec![100, 130],
            zone_names: vec!["Z1".into(), "Z2".into()],
            zone_colours: zone_colours(2),
            z1_ceiling_bpm: Some(130),
            secs_in_zone: vec![0.0, 30.0, 30.0],
        };
        assert!(good.validate().is_ok());
        let bad = |f: &dyn Fn(&mut RunChartInput)| {
            let mut i = good.clone();
            f(&mut i);
            matches!(
                run_chart_bytes(&i, ChartFormat::Svg),
                Err(ChartError::BadInput(_))
            )
        };
        assert!(bad(&|i| i.segments = std::iter::once(0..4).collect()));
        assert!(bad(&|i| {
            i.hr_bpm.pop();
        }));
        assert!(bad(&|i| i.zone_floors_bpm = vec![130, 100]));
        assert!(bad(&|i| i.elapsed_s = f64::NAN));
        assert!(run_chart_bytes(&good, ChartFormat::Svg).is_ok());
    }

    #[test]
    fn durations_read_like_a_watch() {
        assert_eq!(duration_text(3723.0), "1:02:03");
        assert_eq!(duration_text(3250.4), "54:10");
        assert_eq!(minutes_text(754.0), "13 min");
        assert_eq!(minutes_text(210.0), "3.5 min");
    }

    #[test]
    fn fonts_register_once_and_measure_text() {
        ensure_fonts().unwrap();
        ensure_fonts().unwrap();
        let f: FontDesc = (FONT, 20.0).into_font();
        let (w, h) = f.box_size("Heart rate").unwrap();
        assert!(w > 60 && h > 10, "{w}x{h}");
        let b: FontDesc = (FONT, 20.0, FontStyle::Bold).into_font();
        assert!(b.box_size("Heart rate").unwrap().0 > w, "bold is wider");
    }
}
