//! The period rows as report tables: the full table (CSV, JSON, Parquet) with every
//! ratio's numerator, denominator and n, and a compact one for the terminal (under 100
//! columns). Column units are suffixes: `_s` seconds, `_km`, `_pct` percent, `_pts`
//! percentage points, `_bpm`; `ef` is metres per minute per bpm.

use polars::prelude::*;

use crate::report::{Cell, Table};
use crate::trends::periods::PeriodRow;

fn date(d: Option<chrono::NaiveDate>) -> Cell {
    d.map_or(Cell::Null, |d| Cell::Str(d.to_string()))
}

/// `100 · num / den`, null when den is 0.
fn pct(num: u32, den: u32) -> Cell {
    if den == 0 {
        Cell::Null
    } else {
        Cell::float(100.0 * num as f64 / den as f64, 1)
    }
}

/// Grey-zone minutes, null when no easy or long run could be checked.
fn grey_min(r: &PeriodRow, decimals: u8) -> Cell {
    if r.easy_runs + r.long_runs == 0 {
        Cell::Null
    } else {
        Cell::float(r.grey_s / 60.0, decimals)
    }
}

/// The full table, one row per period.
pub fn full_table(rows: &[PeriodRow]) -> Table {
    let mut t = Table::new([
        "period",
        "start",
        "end",
        "sessions",
        "runs",
        "timer_s",
        "distance_km",
        "hr_tss",
        "sessions_without_hr_tss",
        "z1_s",
        "z2_s",
        "z3_s",
        "zoned_s",
        "sessions_with_zones",
        "z1_pct",
        "z2_pct",
        "z3_pct",
        "pi",
        "class",
        "sessions_z1",
        "sessions_z2",
        "sessions_z3",
        "session_pi",
        "session_class",
        "z2_trend_pts",
        "grey_zone_creep",
        "easy_runs",
        "easy_stayed",
        "easy_stayed_pct",
        "long_runs",
        "long_stayed",
        "long_stayed_pct",
        "grey_min",
        "hard_runs",
        "hard_days",
        "hard_after_hard",
        "hard_after_hard_pct",
        "runs_after_hard",
        "recovery_ok",
        "recovery_ok_pct",
        "steady_runs",
        "ef_mean",
        "decoupling_n",
        "decoupling_mean_pct",
        "coupled_runs",
        "coupled_pct",
        "hrr_n",
        "hrr_mean_bpm",
        "watch_hrr_n",
        "watch_hrr_mean_bpm",
        "as_of",
        "days_of_data",
        "acwr_ewma_acute",
        "acwr_ewma_chronic",
        "acwr_ewma",
        "acwr_band",
        "acwr_rolling_acute",
        "acwr_rolling_chronic",
        "acwr_rolling",
        "week_load",
        "week_load_mean",
        "week_load_sd",
        "week_days",
        "monotony",
        "strain",
        "ctl",
        "ctl_ramp",
        "note",
    ]);
    for r in rows {
        let zoned: f64 = r.seiler_s.iter().sum();
        let share = |k: usize| Cell::opt_float(r.shares.map(|f| 100.0 * f[k]), 1);
        let m = r.monotony.as_ref();
        let has_end = r.as_of.is_some();
        let ratio_cells = |x: &crate::trends::risk::Ratio| {
            if has_end {
                vec![
                    Cell::float(x.acute, 2),
                    Cell::float(x.chronic, 2),
                    Cell::opt_float(x.ratio, 3),
                ]
            } else {
                vec![Cell::Null, Cell::Null, Cell::Null]
            }
        };
        let mut row = vec![
            Cell::Str(r.period.clone()),
            date(r.start),
            date(r.end),
            Cell::Int(r.sessions.into()),
            Cell::Int(r.runs.into()),
            Cell::float(r.timer_s, 0),
            Cell::float(r.distance_m / 1000.0, 2),
            Cell::float(r.hr_tss, 1),
            Cell::Int(r.sessions_without_hr_tss.into()),
            Cell::float(r.seiler_s[0], 0),
            Cell::float(r.seiler_s[1], 0),
            Cell::float(r.seiler_s[2], 0),
            Cell::float(zoned, 0),
            Cell::Int(r.sessions_with_zones.into()),
            share(0),
            share(1),
            share(2),
            Cell::opt_float(r.pi, 3),
            Cell::opt_str(r.class.map(|c| c.name())),
            Cell::Int(r.sessions_by_zone[0].into()),
            Cell::Int(r.sessions_by_zone[1].into()),
            Cell::Int(r.sessions_by_zone[2].into()),
            Cell::opt_float(r.session_pi, 3),
            Cell::opt_str(r.session_class.map(|c| c.name())),
            Cell::opt_float(r.z2_trend_pts, 1),
            r.grey_zone_creep.map_or(Cell::Null, Cell::Bool),
            Cell::Int(r.easy_runs.into()),
            Cell::Int(r.easy_stayed.into()),
            pct(r.easy_stayed, r.easy_runs),
            Cell::Int(r.long_runs.into()),
            Cell::Int(r.long_stayed.into()),
            pct(r.long_stayed, r.long_runs),
            grey_min(r, 1),
            Cell::Int(r.hard_runs.into()),
            Cell::Int(r.hard_days.into()),
            Cell::Int(r.hard_after_hard.into()),
            pct(r.hard_after_hard, r.hard_days),
            Cell::Int(r.runs_after_hard.into()),
            Cell::Int(r.recovery_ok.into()),
            pct(r.recovery_ok, r.runs_after_hard),
            Cell::Int(r.steady_runs.into()),
            Cell::opt_float(r.ef_mean, 3),
            Cell::Int(r.decoupling_n.into()),
            Cell::opt_float(r.decoupling_mean_pct, 1),
            Cell::Int(r.coupled_runs.into()),
            pct(r.coupled_runs, r.decoupling_n),
            Cell::Int(r.hrr_n.into()),
            Cell::opt_float(r.hrr_mean_bpm, 1),
            Cell::Int(r.watch_hrr_n.into()),
            Cell::opt_float(r.watch_hrr_mean_bpm, 1),
            date(r.as_of),
            Cell::Int(r.days_of_data.into()),
        ];
        row.extend(ratio_cells(&r.acwr_ewma));
        row.push(Cell::opt_str(r.acwr_band));
        row.extend(ratio_cells(&r.acwr_rolling));
        row.extend([
            Cell::opt_float(m.map(|m| m.weekly_load), 1),
            Cell::opt_float(m.map(|m| m.mean), 2),
            Cell::opt_float(m.map(|m| m.sd), 2),
            Cell::opt_int(m.map(|m| m.days as i64)),
            Cell::opt_float(m.and_then(|m| m.monotony), 3),
            Cell::opt_float(m.and_then(|m| m.strain), 1),
            Cell::opt_float(r.ctl, 1),
            Cell::opt_float(r.ctl_ramp, 1),
            if r.notes.is_empty() {
                Cell::Null
            } else {
                Cell::Str(r.notes.join("; "))
            },
        ]);
        t.push(row);
    }
    t
}

/// The terminal table: period, hours, km, hrTSS, zone shares, PI, class, easy runs that
/// stayed easy, grey-zone minutes, ACWR (EWMA) and monotony at period end.
pub fn compact_table(rows: &[PeriodRow]) -> Table {
    let mut t = Table::new([
        "period", "hours", "km", "hrTSS", "Z1%", "Z2%", "Z3%", "PI", "class", "easy ok",
        "grey min", "ACWR", "mono",
    ]);
    for r in rows {
        let share = |k: usize| Cell::opt_float(r.shares.map(|f| 100.0 * f[k]), 0);
        let easy = if r.easy_runs + r.long_runs == 0 {
            Cell::Null
        } else {
            Cell::Str(format!(
                "{}/{}",
                r.easy_stayed + r.long_stayed,
                r.easy_runs + r.long_runs
            ))
        };
        t.push(vec![
            Cell::Str(r.period.clone()),
            Cell::float(r.timer_s / 3600.0, 1),
            Cell::float(r.distance_m / 1000.0, 0),
            Cell::float(r.hr_tss, 0),
            share(0),
            share(1),
            share(2),
            Cell::opt_float(r.pi, 2),
            Cell::opt_str(r.class.map(|c| c.name())),
            easy,
            grey_min(r, 0),
            Cell::opt_float(r.acwr_ewma.ratio, 2),
            Cell::opt_float(r.monotony.and_then(|m| m.monotony), 1),
        ]);
    }
    t
}

/// A report table as a polars frame, each column typed by its cells (integers, floats,
/// booleans, else text); nulls stay null.
pub fn table_frame(t: &Table) -> PolarsResult<DataFrame> {
    let mut cols = Vec::with_capacity(t.columns.len());
    for (j, name) in t.columns.iter().enumerate() {
        let cells: Vec<&Cell> = t.rows.iter().map(|r| &r[j]).collect();
        let kind = cells.iter().find(|c| !matches!(c, Cell::Null));
        let col = match kind {
            Some(Cell::Int(_)) => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Cell::Float(..)) => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Float(v, _) => Some(*v),
                        Cell::Int(i) => Some(*i as f64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Cell::Bool(_)) => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Bool(b) => Some(*b),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => Column::new(
                name.as_str().into(),
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Str(s) => Some(s.clone()),
                        Cell::Null => None,
                        other => Some(format!("{other:?}")),
                    })
                    .collect::<Vec<_>>(),
            ),
        };
        cols.push(col);
    }
    DataFrame::new(t.rows.len(), cols)
}
