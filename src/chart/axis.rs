//! Axis ticks chosen from the span they cover, and the one chart set-up every history
//! chart shares ([`history_chart`]).
//!
//! Why not plotters' own ticks: plotters picks "nice" numbers on a plain `f64` axis, so a
//! 3-minute run in minutes read `0,0,1,2,2,2,3` once rounded, and a weekly axis repeated
//! its dates. Here the ticks are chosen in the axis' own units (seconds of a run, days of
//! a calendar) at a step from a fixed ladder, the smallest whose labels fit, and handed to
//! plotters as the axis' only key points ([`TickedRange`]): every tick lands on a round
//! value and every label is distinct. The functions are pure, so tests check them without
//! drawing.

use std::ops::Range;

use chrono::{Datelike, Duration, NaiveDate};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{ChartError, FONT};

/// An axis: its range and the ticks on it (position, label), positions inside the range,
/// strictly increasing, labels distinct.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// The axis range, in the chart's x units.
    pub range: Range<f64>,
    /// (position, label) of each tick.
    pub ticks: Vec<(f64, String)>,
}

impl Ticks {
    /// The label of the tick at `x` (empty between ticks).
    pub fn label_at(&self, x: f64) -> String {
        self.ticks
            .iter()
            .find(|(p, _)| (p - x).abs() < 1e-9)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    }

    /// The positions, for plotters' key points.
    pub fn positions(&self) -> Vec<f64> {
        self.ticks.iter().map(|t| t.0).collect()
    }

    /// The plotters coordinate: the range with exactly these ticks.
    pub fn coord(&self) -> TickedRange {
        TickedRange {
            inner: self.range.clone().into(),
            ticks: self.positions(),
        }
    }

    /// The same ticks on an axis whose unit is `factor` of these (days → weeks: 1/7).
    pub fn scaled(self, factor: f64) -> Ticks {
        Ticks {
            range: self.range.start * factor..self.range.end * factor,
            ticks: self
                .ticks
                .into_iter()
                .map(|(p, l)| (p * factor, l))
                .collect(),
        }
    }
}

/// A plotters `f64` axis whose ticks (bold mesh lines and labels) are exactly the given
/// positions. plotters' own `WithKeyPoints` keeps the inner range's formatting option,
/// which for `f64` offers no mesh; this maps like `RangedCoordf64` (it delegates) and
/// labels through the chart's formatter.
#[derive(Clone)]
pub struct TickedRange {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for TickedRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new() // no light lines between the ticks
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

// ---------------------------------------------------------------------------------------
// Elapsed time
// ---------------------------------------------------------------------------------------

/// At most this many ticks on a run chart's time axis (~90 px each on its plot).
pub const MAX_TIME_TICKS: usize = 12;

/// Steps of the time axis, s: round numbers on a clock. Beyond a day: whole days,
/// 1-2-5 times powers of ten.
const TIME_STEPS_S: [f64; 19] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0,
    7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
];

/// How the labels of a time axis read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLabel {
    /// "1:30": minutes and seconds, for steps under a minute (short sessions).
    MinSec,
    /// "45": whole minutes, for sessions under two hours.
    Minutes,
    /// "2:30": hours and minutes.
    HourMin,
    /// "3": whole days (multi-day recordings, or a clock fault's span).
    Days,
}

impl TimeLabel {
    /// The axis description, with the label's unit.
    pub fn axis_desc(self) -> &'static str {
        match self {
            TimeLabel::MinSec => "Elapsed time (m:ss)",
            TimeLabel::Minutes => "Elapsed time (min)",
            TimeLabel::HourMin => "Elapsed time (h:mm)",
            TimeLabel::Days => "Elapsed time (days)",
        }
    }

    /// The label of `s` seconds.
    pub fn text(self, s: f64) -> String {
        let s = s.max(0.0).round() as u64;
        match self {
            TimeLabel::MinSec => format!("{}:{:02}", s / 60, s % 60),
            TimeLabel::Minutes => format!("{}", s / 60),
            TimeLabel::HourMin => format!("{}:{:02}", s / 3600, (s / 60) % 60),
            TimeLabel::Days => format!("{}", s / 86400),
        }
    }
}

/// The step of a time axis over `span_s` seconds: the smallest from the ladder with at
/// most [`MAX_TIME_TICKS`] ticks.
pub fn time_step_s(span_s: f64) -> f64 {
    let span = if span_s.is_finite() {
        span_s.max(1.0)
    } else {
        1.0
    };
    let fits = |step: f64| (span / step).floor() + 1.0 <= MAX_TIME_TICKS as f64;
    if let Some(&s) = TIME_STEPS_S.iter().find(|&&s| fits(s)) {
        return s;
    }
    let mut days = 1.0;
    loop {
        for m in [2.0, 5.0, 10.0] {
            if fits(86400.0 * days * m) {
                return 86400.0 * days * m;
            }
        }
        days *= 10.0;
    }
}

/// Ticks of an elapsed-time axis from 0 to `span_s` seconds (positions in seconds), and
/// how their labels read: m:ss under a minute's step, minutes under two hours, h:mm
/// beyond, days from a day's step.
pub fn time_ticks(span_s: f64) -> (Ticks, TimeLabel) {
    let span = if span_s.is_finite() {
        span_s.max(1.0)
    } else {
        1.0
    };
    let step = time_step_s(span);
    let label = if step < 60.0 {
        TimeLabel::MinSec
    } else if step >= 86400.0 {
        TimeLabel::Days
    } else if span < 7200.0 {
        TimeLabel::Minutes
    } else {
        TimeLabel::HourMin
    };
    let n = (span / step).floor() as usize;
    let ticks = (0..=n)
        .map(|i| {
            let s = i as f64 * step;
            (s, label.text(s))
        })
        .collect();
    (
        Ticks {
            range: 0.0..span,
            ticks,
        },
        label,
    )
}

// ---------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------

/// A step between two ticks of a date axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStep {
    /// Every n days from the first.
    Days(i64),
    /// Every n Mondays.
    Weeks(i64),
    /// The 1st of every n-th month (January-aligned: quarters start in Jan, Apr, ...).
    Months(u32),
    /// The 1st of January of years divisible by n.
    Years(i32),
}

/// The ladder of date steps, finest first.
const DATE_STEPS: [DateStep; 14] = [
    DateStep::Days(1),
    DateStep::Days(2),
    DateStep::Weeks(1),
    DateStep::Weeks(2),
    DateStep::Months(1),
    DateStep::Months(2),
    DateStep::Months(3),
    DateStep::Months(6),
    DateStep::Years(1),
    DateStep::Years(2),
    DateStep::Years(5),
    DateStep::Years(10),
    DateStep::Years(20),
    DateStep::Years(50),
];

/// At most this many full dates ("2024-11-04", ~75 px) on a 1280 px chart.
pub const MAX_DATE_TICKS: usize = 10;
/// At most this many month or year labels ("Nov 2024", "2024").
pub const MAX_MONTH_TICKS: usize = 12;

impl DateStep {
    /// The tick dates in `first..=last`.
    fn dates(self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut push_while =
            |mut d: Option<NaiveDate>, next: &dyn Fn(NaiveDate) -> Option<NaiveDate>| {
                while let Some(x) = d.filter(|x| *x <= last) {
                    if x >= first {
                        out.push(x);
                    }
                    d = next(x);
                }
            };
        match self {
            DateStep::Days(n) => {
                push_while(Some(first), &|d| d.checked_add_signed(Duration::days(n)))
            }
            DateStep::Weeks(n) => {
                let back = first.weekday().num_days_from_monday() as i64;
                let monday = first.checked_sub_signed(Duration::days(back));
                let start = monday.and_then(|m| {
                    if m < first {
                        m.checked_add_signed(Duration::days(7))
                    } else {
                        Some(m)
                    }
                });
                push_while(start, &|d| d.checked_add_signed(Duration::days(7 * n)))
            }
            DateStep::Months(n) => {
                let start = NaiveDate::from_ymd_opt(first.year(), first.month(), 1);
                let aligned = |d: NaiveDate| (d.month() - 1) % n == 0;
                let next_month = |d: NaiveDate| d.checked_add_months(chrono::Months::new(1));
                let mut d = start;
                while let Some(x) = d.filter(|x| !aligned(*x)) {
                    d = next_month(x);
                }
                push_while(d, &|d| d.checked_add_months(chrono::Months::new(n)))
            }
            DateStep::Years(n) => {
                let y = first.year().div_euclid(n) * n;
                push_while(NaiveDate::from_ymd_opt(y, 1, 1), &|d| {
                    NaiveDate::from_ymd_opt(d.year() + n, 1, 1)
                })
            }
        }
        out
    }

    fn max_ticks(self) -> usize {
        match self {
            DateStep::Days(_) | DateStep::Weeks(_) => MAX_DATE_TICKS,
            DateStep::Months(_) | DateStep::Years(_) => MAX_MONTH_TICKS,
        }
    }

    fn label(self, d: NaiveDate) -> String {
        match self {
            DateStep::Days(_) | DateStep::Weeks(_) => d.format("%Y-%m-%d").to_string(),
            DateStep::Months(_) => d.format("%b %Y").to_string(),
            DateStep::Years(_) => d.format("%Y").to_string(),
        }
    }
}

/// The step of a date axis from `first` to `last`: the finest whose ticks fit.
pub fn date_step(first: NaiveDate, last: NaiveDate) -> DateStep {
    DATE_STEPS
        .iter()
        .copied()
        .find(|s| s.dates(first, last).len() <= s.max_ticks())
        .unwrap_or(DateStep::Years(100))
}

/// Ticks of a date axis whose x is days since `first`, over `first..=last`: dates for
/// spans of weeks, months ("Nov 2024") for spans of a year or so, years beyond.
pub fn date_ticks(first: NaiveDate, last: NaiveDate) -> Ticks {
    let last = last.max(first + Duration::days(1));
    let step = date_step(first, last);
    let mut dates = step.dates(first, last);
    // A span beyond the ladder (centuries from a clock fault): every k-th tick.
    let k = dates.len().div_ceil(step.max_ticks()).max(1);
    if k > 1 {
        dates = dates.into_iter().step_by(k).collect();
    }
    Ticks {
        range: 0.0..((last - first).num_days() as f64).max(1.0),
        ticks: dates
            .into_iter()
            .map(|d| ((d - first).num_days() as f64, step.label(d)))
            .collect(),
    }
}

/// Ticks at the centres of `names.len()` bars (x = index), every k-th named so at most
/// `max` labels show.
pub fn category_ticks(names: &[String], max: usize) -> Ticks {
    let n = names.len();
    let k = n.div_ceil(max.max(1)).max(1);
    Ticks {
        range: -0.5..(n as f64 - 0.5).max(0.5),
        ticks: names
            .iter()
            .enumerate()
            .step_by(k)
            .map(|(i, name)| (i as f64, name.clone()))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The history charts' common set-up
// ---------------------------------------------------------------------------------------

/// A history chart: an x axis with chosen ticks, a plain y axis.
pub type HistoryChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedRange, RangedCoordf64>>;

/// What differs between the history charts' axes.
pub struct HistoryAxes<'l> {
    /// The x axis and its ticks.
    pub x: &'l Ticks,
    /// The y range.
    pub y: Range<f64>,
    /// The y axis description.
    pub y_desc: &'l str,
    /// About how many y labels.
    pub y_labels: usize,
    /// The y labels' text.
    pub y_label: &'l dyn Fn(&f64) -> String,
    /// A caption above the plot (the weekly chart's sport panels).
    pub caption: Option<&'l str>,
    /// Vertical grid lines at the x ticks (off for bar charts, whose bars are the grid).
    pub x_grid: bool,
}

/// Builds a history chart on `area` and draws its mesh: the one look of the weekly, PMC,
/// distribution, ACWR and EF charts (margins, pale grid, 13 px labels, the x ticks of
/// [`Ticks`] and their labels).
pub fn history_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: &HistoryAxes,
) -> Result<HistoryChart<'a, DB>, ChartError>
where
    DB::ErrorType: 'static,
{
    let mut builder = ChartBuilder::on(area);
    if let Some(c) = axes.caption {
        builder.caption(c, (FONT, 18, FontStyle::Bold));
    }
    let mut chart = builder
        .margin_left(12)
        .margin_right(28)
        .margin_top(8)
        .margin_bottom(6)
        .x_label_area_size(40)
        .y_label_area_size(62)
        .build_cartesian_2d(axes.x.coord(), axes.y.clone())?;
    let x = axes.x;
    let x_label = |v: &f64| x.label_at(*v);
    let mut mesh = chart.configure_mesh();
    if !axes.x_grid {
        mesh.disable_x_mesh();
    }
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(228, 228, 228))
        .y_desc(axes.y_desc)
        .y_labels(axes.y_labels)
        .y_label_formatter(axes.y_label)
        .x_label_formatter(&x_label)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn assert_well_formed(t: &Ticks, what: &str) {
        assert!(t.ticks.len() >= 2, "{what}: {:?}", t.ticks);
        assert!(
            t.ticks.windows(2).all(|w| w[0].0 < w[1].0),
            "{what}: positions not increasing {:?}",
            t.ticks
        );
        let mut labels: Vec<&String> = t.ticks.iter().map(|x| &x.1).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), t.ticks.len(), "{what}: {:?}", t.ticks);
        assert!(
            t.ticks
                .iter()
                .all(|(p, _)| *p >= t.range.start && *p <= t.range.end),
            "{what}: tick outside {:?}",
            t.range
        );
    }

    #[test]
    fn a_three_minute_session_reads_in_half_minutes() {
        let (t, label) = time_ticks(180.0);
        assert_eq!(label, TimeLabel::MinSec);
        let labels: Vec<&str> = t.ticks.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(
            labels,
            ["0:00", "0:30", "1:00", "1:30", "2:00", "2:30", "3:00"]
        );
    }

    #[test]
    fn hours_read_as_h_mm_and_days_as_days() {
        let (t, label) = time_ticks(45.0 * 60.0);
        assert_eq!(label, TimeLabel::Minutes);
        assert_eq!(t.ticks[1], (300.0, "5".to_string()));
        let (t, label) = time_ticks(3.0 * 3600.0 + 600.0);
        assert_eq!(label, TimeLabel::HourMin);
        assert_eq!(t.ticks[1], (1200.0, "0:20".to_string()));
        let (t, label) = time_ticks(9.0 * 86400.0);
        assert_eq!(label, TimeLabel::Days);
        assert_eq!(t.ticks.last().unwrap().1, "9");
        // A clock fault's 93 years still gives a handful of ticks.
        let (t, _) = time_ticks(93.0 * 365.0 * 86400.0);
        assert!(t.ticks.len() <= MAX_TIME_TICKS, "{}", t.ticks.len());
    }

    #[test]
    fn time_ticks_are_distinct_and_increasing_for_every_duration() {
        let mut s = 1.0;
        while s < 4.0e9 {
            let (t, _) = time_ticks(s);
            if s >= 2.0 {
                assert_well_formed(&t, &format!("{s} s"));
            }
            assert!(t.ticks.len() <= MAX_TIME_TICKS, "{s} s: {}", t.ticks.len());
            s *= 1.07;
        }
        for bad in [f64::NAN, f64::INFINITY, -5.0, 0.0] {
            let (t, _) = time_ticks(bad);
            assert!(!t.ticks.is_empty());
        }
    }

    #[test]
    fn date_ticks_fit_and_never_repeat_for_every_span() {
        let first = d("2015-03-17");
        for span in (1..60).chain((60..5000).step_by(13)) {
            let last = first + Duration::days(span);
            let t = date_ticks(first, last);
            assert_well_formed(&t, &format!("{span} days"));
            assert!(
                t.ticks.len() <= MAX_MONTH_TICKS,
                "{span} days: {:?}",
                t.ticks
            );
        }
    }

    #[test]
    fn date_steps_follow_the_span() {
        let first = d("2024-01-03");
        let t = date_ticks(first, d("2024-01-08"));
        assert_eq!(t.ticks[0], (0.0, "2024-01-03".to_string()));
        // Weeks: Mondays.
        let t = date_ticks(first, d("2024-03-01"));
        assert_eq!(t.ticks[0], (5.0, "2024-01-08".to_string()));
        assert!(t.ticks.iter().all(|(p, _)| (*p as i64 - 5) % 7 == 0));
        // A year: months.
        let t = date_ticks(first, d("2024-12-20"));
        assert_eq!(t.ticks[0].1, "Feb 2024");
        // Ten years: years.
        let t = date_ticks(d("2015-06-01"), d("2025-05-31"));
        let labels: Vec<&str> = t.ticks.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(labels.first(), Some(&"2016"));
        assert_eq!(labels.last(), Some(&"2025"));
        // A single day still has an axis.
        let t = date_ticks(first, first);
        assert_eq!(t.range, 0.0..1.0);
        assert_eq!(t.ticks.len(), 2);
    }

    #[test]
    fn categories_are_thinned_to_the_maximum() {
        let names: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let t = category_ticks(&names, 14);
        assert!(t.ticks.len() <= 14);
        assert_eq!(t.ticks[1], (8.0, "w8".to_string()));
        let few = category_ticks(&names[..3], 14);
        assert_eq!(few.ticks.len(), 3);
        assert_eq!(few.label_at(2.0), "w2");
        assert_eq!(few.label_at(1.5), "");
    }
}
