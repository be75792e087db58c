//! Charts of `hrzones summary`: the intensity distribution over time (Seiler's zones as
//! stacked shares, the class of each period), the ACWR with its band, and the efficiency
//! factor of steady runs with its smoothed trend. Same style as the other history
//! charts; like them, they draw only what they are given.

use chrono::{Duration, FixedOffset, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{self, HistoryAxes};
use super::{draw_header, render_bytes, rgb, ChartError, ChartFormat, FONT, HISTORY_W_PX};
use crate::trends::periods::{DailySeries, PeriodRow};
use crate::trends::risk::AcwrBand;
use crate::trends::session::SessionFacts;

/// Seiler's zones: green (easy), amber (grey zone), red (above the second threshold).
pub const SEILER_RGB: [[u8; 3]; 3] = [[67, 160, 71], [251, 192, 45], [229, 57, 53]];
/// Class colours, in the order of [`CLASSES`].
const CLASS_RGB: [[u8; 3]; 6] = [
    [30, 136, 229],
    [0, 137, 123],
    [124, 179, 66],
    [251, 140, 0],
    [198, 40, 40],
    [120, 144, 156],
];
/// Class names, in the order of [`CLASS_RGB`].
const CLASSES: [&str; 6] = [
    "polarized",
    "base",
    "pyramidal",
    "threshold",
    "hiit",
    "mixed",
];
/// Days of the EF trend's trailing mean.
pub const EF_TREND_DAYS: i64 = 90;

fn class_rgb(name: &str) -> [u8; 3] {
    CLASSES
        .iter()
        .position(|c| *c == name)
        .map_or([189, 189, 189], |i| CLASS_RGB[i])
}

fn legend_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 14).into_font())
        .color(&RGBColor(33, 33, 33))
        .pos(Pos::new(HPos::Left, VPos::Center))
}

/// One period of the distribution chart.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionPeriod {
    /// Name.
    pub name: String,
    /// Shares of Seiler's zones (None: no HR time).
    pub shares: Option<[f64; 3]>,
    /// Class name.
    pub class: Option<String>,
    /// PI.
    pub pi: Option<f64>,
}

/// Input of the distribution chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistributionInput {
    /// Periods, oldest first.
    pub periods: Vec<DistributionPeriod>,
}

impl DistributionInput {
    /// From the summary rows.
    pub fn from_rows(rows: &[PeriodRow]) -> DistributionInput {
        DistributionInput {
            periods: rows
                .iter()
                .map(|r| DistributionPeriod {
                    name: r.period.clone(),
                    shares: r.shares,
                    class: r.class.map(|c| c.name().to_string()),
                    pi: r.pi,
                })
                .collect(),
        }
    }
}

/// The distribution chart as PNG bytes.
pub fn distribution_png(input: &DistributionInput) -> Result<Vec<u8>, ChartError> {
    if input.periods.iter().all(|p| p.shares.is_none()) {
        return Err(ChartError::Empty(
            "no period has heart-rate time in Seiler's zones",
        ));
    }
    render_bytes(
        ChartFormat::Png,
        (HISTORY_W_PX, 560),
        |r| draw_distribution(r, input),
        |r| draw_distribution(r, input),
    )
    .map(|(b, ())| b)
}

fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &DistributionInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = input.periods.len();
    let (head, body) = root.split_vertically(104);
    draw_header(
        &head,
        "Intensity distribution in Seiler's three zones",
        &format!(
            "Share of heart-rate time per period, {} to {}; the strip on top is the class (polarized: Treff PI > 2.00 and Z1 > Z3 > Z2)",
            input.periods.first().map_or("", |p| p.name.as_str()),
            input.periods.last().map_or("", |p| p.name.as_str())
        ),
    )?;
    let mut x = 16;
    for (i, name) in ["Z1 below LT1", "Z2 grey zone", "Z3 above LT2"]
        .iter()
        .enumerate()
    {
        head.draw(&Rectangle::new(
            [(x, 70), (x + 16, 86)],
            rgb(SEILER_RGB[i]).filled(),
        ))?;
        head.draw_text(name, &legend_style(), (x + 22, 78))?;
        x += 130;
    }
    x += 20;
    for (name, c) in CLASSES.iter().zip(CLASS_RGB) {
        head.draw(&Rectangle::new([(x, 72), (x + 24, 84)], rgb(c).filled()))?;
        head.draw_text(name, &legend_style(), (x + 30, 78))?;
        x += 40 + 9 * name.len() as i32;
    }
    let names: Vec<String> = input.periods.iter().map(|p| p.name.clone()).collect();
    // Ticks on bar centres, every k-th period named when there are many.
    let x_ticks = axis::category_ticks(&names, 14);
    let y_label = |v: &f64| {
        if *v <= 100.0 {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    let mut chart = axis::history_chart(
        &body,
        &HistoryAxes {
            x: &x_ticks,
            y: 0.0..112.0,
            y_desc: "% of HR time",
            y_labels: 6,
            y_label: &y_label,
            caption: None,
            x_grid: false,
        },
    )?;
    let gap = if n > 60 { 0.0 } else { 0.08 };
    chart.draw_series(input.periods.iter().enumerate().flat_map(|(i, p)| {
        let (x0, x1) = (i as f64 - 0.5 + gap, i as f64 + 0.5 - gap);
        let mut out = Vec::new();
        if let Some(f) = p.shares {
            let mut base = 0.0;
            for (k, share) in f.iter().enumerate() {
                let top = base + 100.0 * share;
                out.push(Rectangle::new(
                    [(x0, base), (x1, top)],
                    rgb(SEILER_RGB[k]).filled(),
                ));
                base = top;
            }
        }
        if let Some(c) = &p.class {
            out.push(Rectangle::new(
                [(x0, 103.0), (x1, 110.0)],
                rgb(class_rgb(c)).filled(),
            ));
        }
        out
    }))?;
    if n <= 16 {
        let style = TextStyle::from((FONT, 13).into_font())
            .color(&RGBColor(255, 255, 255))
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series(input.periods.iter().enumerate().filter_map(|(i, p)| {
            let pi = p.pi?;
            Some(Text::new(
                format!("PI {pi:.2}"),
                (i as f64, 6.0),
                style.clone(),
            ))
        }))?;
    }
    Ok(())
}

/// Input of the ACWR chart.
#[derive(Debug, Clone, PartialEq)]
pub struct AcwrInput {
    /// The first day.
    pub first: NaiveDate,
    /// EWMA ratio per day.
    pub ewma: Vec<Option<f64>>,
    /// Rolling ratio per day.
    pub rolling: Vec<Option<f64>>,
    /// The band.
    pub band: AcwrBand,
}

impl AcwrInput {
    /// From the daily series.
    pub fn from_series(s: &DailySeries, band: AcwrBand) -> AcwrInput {
        AcwrInput {
            first: s.first.unwrap_or_default(),
            ewma: s.ewma.iter().map(|r| r.ratio).collect(),
            rolling: s.rolling.iter().map(|r| r.ratio).collect(),
            band,
        }
    }
}

/// The ACWR chart as PNG bytes.
pub fn acwr_png(input: &AcwrInput) -> Result<Vec<u8>, ChartError> {
    if input.ewma.iter().all(Option::is_none) {
        return Err(ChartError::Empty("fewer than 28 days of load: no ACWR"));
    }
    render_bytes(
        ChartFormat::Png,
        (HISTORY_W_PX, 520),
        |r| draw_acwr(r, input),
        |r| draw_acwr(r, input),
    )
    .map(|(b, ())| b)
}

/// Ratios are drawn at most this high.
pub const ACWR_CAP: f64 = 3.0;
/// EWMA line colour.
const EWMA_RGB: [u8; 3] = [30, 136, 229];
/// Rolling line colour.
const ROLLING_RGB: [u8; 3] = [142, 36, 170];

fn draw_acwr<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &AcwrInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = input.ewma.len().max(1);
    let last = input.first + Duration::days(n as i64 - 1);
    // Ratios above the cap are drawn at it: a sparse trainer's ratio reaches 10+ and would
    // flatten the band.
    let cap = ACWR_CAP.max(input.band.high + 0.5);
    let y_hi = input
        .ewma
        .iter()
        .chain(&input.rolling)
        .flatten()
        .fold(input.band.high + 0.5, |a, &b| a.max(b.min(cap)))
        * 1.05;
    let (head, body) = root.split_vertically(80);
    draw_header(
        &head,
        "Acute:chronic workload ratio (hrTSS)",
        &format!(
            "{} to {}; shaded: the {:.2}-{:.2} band (contested: read as context); no ratio before 28 days of data; drawn at most {:.0}",
            input.first, last, input.band.low, input.band.high, cap
        ),
    )?;
    let first = input.first;
    let x_ticks = axis::date_ticks(first, last);
    let y_label = |v: &f64| super::axis_number(*v);
    let mut chart = axis::history_chart(
        &body,
        &HistoryAxes {
            x: &x_ticks,
            y: 0.0..y_hi,
            y_desc: "ACWR",
            y_labels: 10,
            y_label: &y_label,
            caption: None,
            x_grid: true,
        },
    )?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, input.band.low), (n as f64 - 1.0, input.band.high)],
        RGBColor(200, 230, 201).mix(0.6).filled(),
    )))?;
    // One point per ISO week (its Sunday, or the last day): points, not lines — a sparse
    // trainer's ratio jumps between 0 and the cap from one week to the next, and plotters
    // draws such near-vertical segments with spurs past the plot.
    let sundays = |values: &[Option<f64>]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let d = first + Duration::days(*i as i64);
                chrono::Datelike::weekday(&d) == chrono::Weekday::Sun || *i + 1 == values.len()
            })
            .filter_map(|(i, v)| v.map(|v| (i as f64, v.min(cap))))
            .collect()
    };
    for (name, colour, values, size) in [
        (
            "rolling 7 d / 21 d before (Windt & Gabbett 2019), Sundays",
            ROLLING_RGB,
            &input.rolling,
            2,
        ),
        (
            "EWMA 7 d / 28 d (Williams et al. 2017), Sundays",
            EWMA_RGB,
            &input.ewma,
            3,
        ),
    ] {
        let style = rgb(colour).filled();
        chart
            .draw_series(
                sundays(values)
                    .into_iter()
                    .map(|p| Circle::new(p, size, style)),
            )?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 12, y), size, style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

/// Input of the EF chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EfInput {
    /// (day, EF, decoupling %) per steady run, in date order.
    pub runs: Vec<(NaiveDate, f64, Option<f64>)>,
}

impl EfInput {
    /// The steady runs of the facts.
    pub fn from_facts(facts: &[SessionFacts], offset: FixedOffset) -> EfInput {
        let mut runs: Vec<(NaiveDate, f64, Option<f64>)> = facts
            .iter()
            .filter_map(|f| {
                let day = f.day(offset)?;
                Some((day, f.ef?, f.decoupling_pct))
            })
            .collect();
        runs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        EfInput { runs }
    }

    /// The trailing [`EF_TREND_DAYS`]-day mean at each run.
    pub fn trend(&self) -> Vec<(NaiveDate, f64)> {
        let mut from = 0;
        let mut sum = 0.0;
        let mut out = Vec::with_capacity(self.runs.len());
        for (i, (d, ef, _)) in self.runs.iter().enumerate() {
            sum += ef;
            while self.runs[from].0 <= *d - Duration::days(EF_TREND_DAYS) {
                sum -= self.runs[from].1;
                from += 1;
            }
            out.push((*d, sum / (i + 1 - from) as f64));
        }
        out
    }
}

/// The EF chart as PNG bytes.
pub fn ef_png(input: &EfInput) -> Result<Vec<u8>, ChartError> {
    if input.runs.is_empty() {
        return Err(ChartError::Empty(
            "no steady runs with an efficiency factor",
        ));
    }
    render_bytes(
        ChartFormat::Png,
        (HISTORY_W_PX, 520),
        |r| draw_ef(r, input),
        |r| draw_ef(r, input),
    )
    .map(|(b, ())| b)
}

fn draw_ef<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &EfInput,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let first = input
        .runs
        .first()
        .map(|r| r.0)
        .ok_or(ChartError::Empty("no runs"))?;
    let last = input.runs.last().map_or(first, |r| r.0);
    let day = |d: NaiveDate| (d - first).num_days() as f64;
    let (lo, hi) = input
        .runs
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(r.1), h.max(r.1)));
    let pad = ((hi - lo) * 0.1).max(0.05);
    let (head, body) = root.split_vertically(80);
    draw_header(
        &head,
        "Efficiency factor of steady runs",
        &format!(
            "{} runs, {} to {}; EF = speed (m/min) / HR; line: trailing {}-day mean; red: decoupling >= 5 %",
            input.runs.len(),
            first,
            last,
            EF_TREND_DAYS
        ),
    )?;
    let x_ticks = axis::date_ticks(first, last);
    let y_label = |v: &f64| format!("{v:.2}");
    let mut chart = axis::history_chart(
        &body,
        &HistoryAxes {
            x: &x_ticks,
            y: (lo - pad)..(hi + pad),
            y_desc: "EF, m/min per bpm",
            y_labels: 10,
            y_label: &y_label,
            caption: None,
            x_grid: true,
        },
    )?;
    chart.draw_series(input.runs.iter().map(|(d, ef, dc)| {
        let colour = if dc.is_some_and(|x| x >= 5.0) {
            RGBColor(229, 57, 53)
        } else {
            RGBColor(96, 125, 139)
        };
        Circle::new((day(*d), *ef), 3, colour.filled())
    }))?;
    // The trend line breaks where no run falls within the window.
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut prev: Option<NaiveDate> = None;
    for (d, v) in input.trend() {
        if prev.is_some_and(|p| (d - p).num_days() >= EF_TREND_DAYS) {
            segments.push(Vec::new());
        }
        if let Some(seg) = segments.last_mut() {
            seg.push((day(d), v));
        }
        prev = Some(d);
    }
    let line = rgb(EWMA_RGB).stroke_width(3);
    chart.draw_series(segments.into_iter().map(|s| PathElement::new(s, line)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ef_trend_is_a_trailing_mean_over_90_days() {
        let d = |k: i64| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(k);
        let input = EfInput {
            runs: vec![(d(0), 1.0, None), (d(10), 2.0, None), (d(50), 4.0, None)],
        };
        let t = input.trend();
        assert_eq!(t[0].1, 1.0);
        assert_eq!(t[1].1, 1.5);
        // Day 50 looks back past day 0 within 90 days: all three.
        assert_eq!(t[2].1, 7.0 / 3.0);
        let input = EfInput {
            runs: vec![(d(0), 1.0, None), (d(100), 4.0, None)],
        };
        assert_eq!(input.trend()[1].1, 4.0, "day 0 is 100 days before");
    }
}
