//! The terminal view of a table: a compact set of columns in human units (h:mm:ss, km,
//! min/km, bpm, % in zone) fitted to the terminal's width, verdicts coloured. CSV, JSON
//! and Parquet never come through here: they keep machine units and every column.
//!
//! A command describes its view as a list of [`Col`]s naming its machine columns; columns
//! a table does not have are left out, so one list serves a command's variants. To fit
//! the width, text columns marked shrinkable are cut (a file name keeps its end, other
//! text its beginning, the cut shown by "…"), then the last column wraps onto
//! continuation lines: a verdict is never cut.

use crate::report::{Cell, Table};

/// How a machine column is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// As it is.
    Plain,
    /// A path or `archive.zip:entry`: the file's own name.
    BaseName,
    /// Seconds as h:mm:ss.
    Seconds,
    /// Minutes as h:mm:ss.
    Minutes,
    /// Metres as km.
    Metres,
    /// RFC 3339 as `YYYY-MM-DD HH:MM`.
    DateTime,
    /// RFC 3339 as `YYYY-MM-DD`.
    Date,
    /// RFC 3339 as `HH:MM`.
    Clock,
    /// Pace (min/km) from the row's `distance_m` and `timer_s`.
    Pace,
    /// The row's number, 1 first (`from` is ignored).
    RowNumber,
    /// Every `zN_s` column as its share of their sum, `zN%` (the header is ignored).
    ZoneShares,
}

/// One column of a view.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    /// The machine column it shows.
    pub from: &'static str,
    /// Its header on the terminal.
    pub header: &'static str,
    /// How.
    pub show: Show,
    /// Narrowest width it may be cut to (None: never cut).
    pub shrink_to: Option<usize>,
    /// Left out when the table still does not fit, highest first (None: always shown).
    pub drop_rank: Option<u8>,
}

impl Col {
    /// A column shown `show`, never cut.
    pub const fn new(from: &'static str, header: &'static str, show: Show) -> Col {
        Col {
            from,
            header,
            show,
            shrink_to: None,
            drop_rank: None,
        }
    }
    /// A column left out, highest rank first, when the table does not fit otherwise.
    pub const fn optional(self, rank: u8) -> Col {
        Col {
            drop_rank: Some(rank),
            ..self
        }
    }
    /// A text column that may be cut to `min` characters.
    pub const fn shrinkable(self, min: usize) -> Col {
        Col {
            shrink_to: Some(min),
            ..self
        }
    }
}

/// A table ready for the terminal: cells as text, with how each column may be fitted.
#[derive(Debug, Clone, Default)]
pub struct TermTable {
    /// Headers.
    pub headers: Vec<String>,
    /// Rows of text.
    pub rows: Vec<Vec<String>>,
    /// Right-aligned (numbers).
    pub right: Vec<bool>,
    /// Narrowest width each column may be cut to (None: never cut).
    pub shrink_to: Vec<Option<usize>>,
    /// Cut from the start (file names keep their end).
    pub keep_end: Vec<bool>,
    /// Left out, highest first, when the table does not fit otherwise.
    pub drop_rank: Vec<Option<u8>>,
}

impl TermTable {
    fn push_col(
        &mut self,
        header: String,
        right: bool,
        shrink_to: Option<usize>,
        keep_end: bool,
        drop_rank: Option<u8>,
    ) {
        self.headers.push(header);
        self.right.push(right);
        self.shrink_to.push(shrink_to);
        self.keep_end.push(keep_end);
        self.drop_rank.push(drop_rank);
    }

    fn without(&self, i: usize) -> TermTable {
        let mut t = self.clone();
        t.headers.remove(i);
        t.right.remove(i);
        t.shrink_to.remove(i);
        t.keep_end.remove(i);
        t.drop_rank.remove(i);
        for r in &mut t.rows {
            r.remove(i);
        }
        t
    }
}

fn cell_f64(c: &Cell) -> Option<f64> {
    match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(v, _) => Some(*v),
        Cell::Str(s) => s.parse().ok(),
        _ => None,
    }
}

/// A cell as shown: names come from files and exports, so control characters are shown
/// as escapes.
fn cell_text(c: &Cell) -> String {
    crate::escape::terminal_cell(&raw_cell_text(c)).into_owned()
}

/// The base name of a file cell (split before escaping: an escape holds a `\`).
fn base_name_text(c: &Cell) -> String {
    let s = raw_cell_text(c);
    let base = s.rsplit(['/', '\\', ':']).next().unwrap_or(&s);
    crate::escape::terminal_cell(base).into_owned()
}

fn raw_cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Str(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(v, d) => format!("{:.*}", *d as usize, v),
        Cell::Bool(b) => b.to_string(),
    }
}

fn date_time(rfc3339: &str) -> String {
    // "2024-11-24T06:27:08Z" or "...+01:00" → "2024-11-24 06:27".
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) if rfc3339.as_bytes().get(10) == Some(&b'T') => format!("{d} {t}"),
        _ => rfc3339.to_string(),
    }
}

/// Builds the terminal view of `t` from `cols` (columns `t` lacks are left out).
pub fn view(t: &Table, cols: &[Col]) -> TermTable {
    let mut out = TermTable {
        rows: vec![Vec::new(); t.rows.len()],
        ..Default::default()
    };
    for c in cols {
        if c.show == Show::ZoneShares {
            let zones: Vec<(usize, String)> = t
                .columns
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let z = n.strip_prefix('z')?.strip_suffix("_s")?;
                    z.parse::<u32>().ok().map(|_| (i, format!("z{z}%")))
                })
                .collect();
            for (i, header) in &zones {
                out.push_col(header.clone(), true, None, false, c.drop_rank);
                for (r, row) in t.rows.iter().enumerate() {
                    let total: f64 = zones.iter().filter_map(|(j, _)| cell_f64(&row[*j])).sum();
                    let text = match cell_f64(&row[*i]) {
                        Some(v) if total > 0.0 => format!("{:.0}", 100.0 * v / total),
                        _ => String::new(),
                    };
                    out.rows[r].push(text);
                }
            }
            continue;
        }
        if c.show == Show::RowNumber {
            out.push_col(c.header.to_string(), true, None, false, c.drop_rank);
            for (r, row) in out.rows.iter_mut().enumerate() {
                row.push((r + 1).to_string());
            }
            continue;
        }
        let Some(i) = t.col(c.from) else { continue };
        let dist = t.col("distance_m");
        let timer = t.col("timer_s");
        // A text column with nothing in it (no notes) is left out.
        if c.show == Show::Plain && t.rows.iter().all(|r| r[i] == Cell::Null) {
            continue;
        }
        let numeric = t
            .rows
            .iter()
            .all(|r| matches!(r[i], Cell::Int(_) | Cell::Float(..) | Cell::Null));
        out.push_col(
            c.header.to_string(),
            !matches!(
                c.show,
                Show::Plain | Show::BaseName | Show::DateTime | Show::Date | Show::Clock
            ) || numeric,
            c.shrink_to,
            c.show == Show::BaseName,
            c.drop_rank,
        );
        for (r, row) in t.rows.iter().enumerate() {
            let cell = &row[i];
            let text = match c.show {
                Show::Plain => cell_text(cell),
                Show::BaseName => base_name_text(cell),
                Show::Seconds => cell_f64(cell).map_or(String::new(), crate::human::duration),
                Show::Minutes => {
                    cell_f64(cell).map_or(String::new(), |m| crate::human::duration(m * 60.0))
                }
                Show::Metres => cell_f64(cell).map_or(String::new(), crate::human::km),
                Show::DateTime => date_time(&cell_text(cell)),
                Show::Date => {
                    let t = cell_text(cell);
                    t.get(..10).map_or(t.clone(), str::to_string)
                }
                Show::Clock => {
                    let t = cell_text(cell);
                    if t.as_bytes().get(10) == Some(&b'T') {
                        t.get(11..16).unwrap_or("").to_string()
                    } else {
                        String::new()
                    }
                }
                Show::Pace => match (
                    dist.and_then(|d| cell_f64(&row[d])),
                    timer.and_then(|s| cell_f64(&row[s])),
                ) {
                    (Some(d), Some(s)) => crate::human::pace_min_per_km(d, s),
                    _ => String::new(),
                },
                Show::ZoneShares | Show::RowNumber => String::new(),
            };
            out.rows[r].push(text);
        }
    }
    out
}

/// A whole machine table as a terminal table (`--wide`, `--columns`): every cell as
/// printed in CSV, file names cut from the left when the width needs it.
pub fn plain(t: &Table) -> TermTable {
    let n = t.columns.len();
    TermTable {
        headers: t.columns.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| r.iter().map(cell_text).collect())
            .collect(),
        right: (0..n)
            .map(|i| {
                t.rows
                    .iter()
                    .all(|r| matches!(r[i], Cell::Int(_) | Cell::Float(..) | Cell::Null))
            })
            .collect(),
        shrink_to: t
            .columns
            .iter()
            .map(|c| (c == "file" || c == "note" || c.ends_with("_source")).then_some(12))
            .collect(),
        keep_end: t.columns.iter().map(|c| c == "file").collect(),
        drop_rank: vec![None; n],
    }
}

/// The rows' notes, for lines under the table (the compact view has no note column):
/// `(file's own name, session, note)`.
pub fn notes(t: &Table) -> Vec<String> {
    let (Some(n), file, session) = (t.col("note"), t.col("file"), t.col("session")) else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| {
            let note = cell_text(&r[n]);
            if note.is_empty() {
                return None;
            }
            let f = file.map(|i| base_name_text(&r[i])).unwrap_or_default();
            let s = session
                .map(|i| format!(" #{}", cell_text(&r[i])))
                .unwrap_or_default();
            Some(format!("{f}{s}: {note}"))
        })
        .collect()
}

/// `text` wrapped to `width`, continuation lines indented by `indent` spaces.
pub fn wrap_indented(text: &str, width: usize, indent: usize) -> Vec<String> {
    // Leading spaces (a right-aligned row number) are kept on the first line.
    let body = text.trim_start_matches(' ');
    let lead = text.len() - body.len();
    let first: Vec<String> = wrap(body, width.saturating_sub(lead).max(indent + 20))
        .into_iter()
        .enumerate()
        .map(|(k, l)| {
            if k == 0 {
                format!("{}{l}", " ".repeat(lead))
            } else {
                l
            }
        })
        .collect();
    let mut out = Vec::new();
    let mut rest = String::new();
    for (k, l) in first.into_iter().enumerate() {
        if k == 0 {
            out.push(l);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(&l);
        }
    }
    if !rest.is_empty() {
        for l in wrap(&rest, width.saturating_sub(indent).max(20)) {
            out.push(format!("{}{l}", " ".repeat(indent)));
        }
    }
    out
}

/// The width to lay tables out for: `COLUMNS` when set (an explicit choice; tests use
/// it), else the width of the terminal standard output is on (shells do not export
/// `COLUMNS` to programs, so this is what a user at an 80-column terminal gets), else
/// 100 (output into a pipe or a file).
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w >= 20)
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout())
                .map(|(w, _)| usize::from(w.0))
                .filter(|&w| w >= 20)
        })
        .unwrap_or(100)
}

/// Colour on the terminal: stdout is one and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
pub fn use_color() -> bool {
    crate::report::stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// ANSI colour of a verdict: green ok, yellow a warning only ("long", "incomplete"), red
/// a finding.
pub fn verdict_color(verdict: &str) -> Option<&'static str> {
    let v = verdict.trim();
    if v.is_empty() {
        None
    } else if v == "ok" {
        Some("\x1b[32m")
    } else if v
        .split(", ")
        .all(|p| p == "long" || p.starts_with("incomplete"))
    {
        Some("\x1b[33m")
    } else {
        Some("\x1b[31m")
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `w` characters with "…" (at the start when `keep_end`).
fn cut(s: &str, w: usize, keep_end: bool) -> String {
    let n = chars(s);
    if n <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    if keep_end {
        let tail: String = s.chars().skip(n - (w - 1)).collect();
        format!("…{tail}")
    } else {
        let head: String = s.chars().take(w - 1).collect();
        format!("{head}…")
    }
}

/// Splits `s` into lines of at most `w` characters, at ", " or spaces where it can.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let add = if cur.is_empty() {
            chars(word)
        } else {
            chars(&cur) + 1 + chars(word)
        };
        if add <= w {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        let mut rest = word.to_string();
        while chars(&rest) > w {
            lines.push(rest.chars().take(w).collect());
            rest = rest.chars().skip(w).collect();
        }
        cur = rest;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Renders `t` within `max_width` columns (see the module docs); `color` gives a column's
/// ANSI colour for a cell (applied after padding, so widths are not affected).
pub fn render(
    t: &TermTable,
    max_width: usize,
    color: &dyn Fn(&str, &str) -> Option<&'static str>,
) -> String {
    let mut t = t.clone();
    loop {
        let (fits, _) = layout(&t, max_width);
        let droppable = (0..t.headers.len())
            .filter(|&i| t.drop_rank[i].is_some())
            .max_by_key(|&i| t.drop_rank[i]);
        match droppable {
            Some(i) if !fits => t = t.without(i),
            _ => return render_fitted(&t, max_width, color),
        }
    }
}

/// Column widths after cutting the shrinkable columns, and whether the table then fits
/// (the last column wrapped to at least 16 characters, or its own header, counts).
fn layout(t: &TermTable, max_width: usize) -> (bool, Vec<usize>) {
    let n = t.headers.len();
    if n == 0 {
        return (true, Vec::new());
    }
    let mut widths: Vec<usize> = (0..n)
        .map(|i| {
            t.rows
                .iter()
                .map(|r| chars(&r[i]))
                .chain([chars(&t.headers[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * (w.len() - 1);
    while total(&widths) > max_width {
        let pick = (0..n)
            .filter(|&i| t.shrink_to[i].is_some_and(|m| widths[i] > m.max(chars(&t.headers[i]))))
            .max_by_key(|&i| widths[i]);
        match pick {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    let before = total(&widths) - widths[n - 1];
    let fits = total(&widths) <= max_width
        || (t.right.get(n - 1) == Some(&false)
            && max_width >= before + chars(&t.headers[n - 1]).max(16));
    (fits, widths)
}

fn render_fitted(
    t: &TermTable,
    max_width: usize,
    color: &dyn Fn(&str, &str) -> Option<&'static str>,
) -> String {
    let n = t.headers.len();
    if n == 0 {
        return String::new();
    }
    let (_, mut widths) = layout(t, max_width);
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * (w.len() - 1);
    // Then the last column wraps.
    let last = n - 1;
    let before: usize = total(&widths) - widths[last];
    let wrap_to = if total(&widths) > max_width && !t.right[last] && max_width > before + 8 {
        Some(max_width - before)
    } else {
        None
    };
    if let Some(w) = wrap_to {
        widths[last] = w.max(chars(&t.headers[last]));
    }
    let mut out = String::new();
    let mut line = |cells: &[String], colorize: bool| {
        let mut parts: Vec<Vec<String>> = Vec::with_capacity(n);
        for (i, c) in cells.iter().enumerate() {
            if i == last && wrap_to.is_some() {
                parts.push(wrap(c, widths[i]));
            } else if chars(c) > widths[i] {
                parts.push(vec![cut(c, widths[i], t.keep_end[i])]);
            } else {
                parts.push(vec![c.clone()]);
            }
        }
        let height = parts.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut l = String::new();
            for i in 0..n {
                let v = parts[i].get(k).map(String::as_str).unwrap_or("");
                let pad = widths[i].saturating_sub(chars(v));
                if i > 0 {
                    l.push_str("  ");
                }
                let code = if colorize {
                    color(&t.headers[i], &cells[i])
                } else {
                    None
                };
                let (open, close) = match code {
                    Some(c) if !v.is_empty() => (c, "\x1b[0m"),
                    _ => ("", ""),
                };
                if t.right[i] {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(open);
                    l.push_str(v);
                    l.push_str(close);
                } else {
                    l.push_str(open);
                    l.push_str(v);
                    l.push_str(close);
                    if i < last {
                        l.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        }
    };
    line(&t.headers, false);
    for r in &t.rows {
        line(r, true);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new([
            "file",
            "start",
            "timer_s",
            "distance_m",
            "z0_s",
            "z1_s",
            "verdict",
        ]);
        t.push(vec![
            "/a/long/folder/export.zip:activities/1234567890.fit.gz".into(),
            "2024-11-24T06:27:08Z".into(),
            Cell::Float(1740.0, 1),
            Cell::Float(5000.0, 1),
            Cell::Float(435.0, 1),
            Cell::Float(1305.0, 1),
            "too long, drifted, no hard session before".into(),
        ]);
        t
    }

    const COLS: [Col; 7] = [
        Col::new("file", "file", Show::BaseName).shrinkable(8),
        Col::new("start", "start", Show::DateTime),
        Col::new("timer_s", "time", Show::Seconds),
        Col::new("distance_m", "km", Show::Metres),
        Col::new("distance_m", "min/km", Show::Pace).optional(1),
        Col::new("", "", Show::ZoneShares),
        Col::new("verdict", "verdict", Show::Plain),
    ];

    #[test]
    fn human_units_and_zone_shares() {
        let v = view(&sample(), &COLS);
        assert_eq!(
            v.headers,
            ["file", "start", "time", "km", "min/km", "z0%", "z1%", "verdict"]
        );
        // 1740 s = 29:00; 5 km in 29 min = 5:48 /km; 435 of 1740 s = 25 %.
        assert_eq!(
            v.rows[0][..7],
            [
                "1234567890.fit.gz",
                "2024-11-24 06:27",
                "29:00",
                "5.00",
                "5:48",
                "25",
                "75"
            ]
        );
    }

    #[test]
    fn fits_the_width_by_cutting_names_and_wrapping_the_last_column() {
        let v = view(&sample(), &COLS);
        for w in [70, 80, 100] {
            let text = render(&v, w, &|_, _| None);
            for l in text.lines() {
                assert!(chars(l) <= w, "{w}: {l:?} is {} wide", chars(l));
            }
            // The verdict is never cut: every word is there.
            let all: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                all.contains("too long, drifted, no hard session before") || all.contains("before"),
                "{text}"
            );
            assert!(!text.contains("befo…"), "{text}");
        }
        let narrow = render(&v, 70, &|_, _| None);
        assert!(!narrow.contains("min/km"), "dropped first: {narrow}");
        assert!(narrow.lines().count() > 2, "wrapped: {narrow}");
        assert!(narrow.contains('…'), "cut file name: {narrow}");
    }

    #[test]
    fn colour_codes_do_not_count_towards_the_width() {
        let v = view(&sample(), &COLS);
        let text = render(&v, 200, &|h, c| {
            (h == "verdict").then(|| verdict_color(c)).flatten()
        });
        assert!(text.contains("\x1b[31mtoo long"));
        assert_eq!(verdict_color("ok"), Some("\x1b[32m"));
        assert_eq!(verdict_color("long"), Some("\x1b[33m"));
        let plain_text = render(&v, 200, &|_, _| None);
        let strip = text.replace("\x1b[31m", "").replace("\x1b[0m", "");
        assert_eq!(strip, plain_text);
    }

    #[test]
    fn words_longer_than_the_width_are_split() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(cut("abcdef", 4, true), "…def");
        assert_eq!(cut("abcdef", 4, false), "abc…");
    }
}
