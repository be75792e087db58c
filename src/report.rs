//! Output: a small typed table and its writers (aligned text, CSV, JSON), and atomic file
//! writes.
//!
//! Every command builds a [`Table`] and hands it here, so the formats stay
//! interchangeable (hyperfine's exporters). Files are written to a temporary file in the
//! target folder and renamed into place, so an interrupted run never leaves a half-written
//! output.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value (empty in CSV, null in JSON).
    Null,
    /// Text.
    Str(String),
    /// Integer.
    Int(i64),
    /// Float with the number of decimals to print.
    Float(f64, u8),
    /// Boolean.
    Bool(bool),
}

impl Cell {
    /// A float, or Null when not finite.
    pub fn float(v: f64, decimals: u8) -> Cell {
        if v.is_finite() {
            Cell::Float(v, decimals)
        } else {
            Cell::Null
        }
    }
    /// An optional float.
    pub fn opt_float(v: Option<f64>, decimals: u8) -> Cell {
        v.map_or(Cell::Null, |v| Cell::float(v, decimals))
    }
    /// An optional integer.
    pub fn opt_int(v: Option<impl Into<i64>>) -> Cell {
        v.map_or(Cell::Null, |v| Cell::Int(v.into()))
    }
    /// An optional string.
    pub fn opt_str(v: Option<impl Into<String>>) -> Cell {
        v.map_or(Cell::Null, |v| Cell::Str(v.into()))
    }

    fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Str(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(v, d) => format!("{:.*}", *d as usize, round_to(*v, *d)),
            Cell::Bool(b) => b.to_string(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Str(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) => serde_json::Value::from(*i),
            Cell::Float(v, d) => serde_json::Value::from(round_to(*v, *d)),
            Cell::Bool(b) => serde_json::Value::Bool(*b),
        }
    }
}

/// Rounds half away from zero to `decimals` places: text, CSV and JSON print the same digits.
fn round_to(v: f64, decimals: u8) -> f64 {
    let p = 10f64.powi(decimals as i32);
    (v * p).round() / p
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Str(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Str(s)
    }
}

/// Rows with named columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names (snake_case, units as suffixes: `timer_s`, `avg_hr`).
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (padded or cut to the column count).
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize(self.columns.len(), Cell::Null);
        self.rows.push(row);
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Apache Parquet (needs --output).
    Parquet,
}

/// Writes CSV (RFC 4180 quoting; text cells that start like a spreadsheet formula get a
/// leading `'`, see [`crate::escape::csv_text`]).
pub fn write_csv(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    // One buffer for the whole table, written in large pieces: a `String` per cell and a
    // write per line were most of re-zoning an archive from the store.
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let quote = |buf: &mut Vec<u8>, s: &str| {
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            buf.push(b'"');
            buf.extend_from_slice(s.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(s.as_bytes());
        }
    };
    for (k, c) in t.columns.iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        quote(&mut buf, c);
    }
    buf.push(b'\n');
    for r in &t.rows {
        for (k, c) in r.iter().enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            match c {
                Cell::Null => {}
                Cell::Str(s) => quote(&mut buf, &crate::escape::csv_text(s)),
                Cell::Int(i) => {
                    if *i < 0 {
                        buf.push(b'-');
                    }
                    push_digits(&mut buf, i.unsigned_abs(), 1);
                }
                Cell::Float(v, d) => push_fixed(&mut buf, *v, *d),
                Cell::Bool(b) => buf.extend_from_slice(if *b { b"true" } else { b"false" }),
            }
        }
        buf.push(b'\n');
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Appends `v` rounded half away from zero to `d` decimals, exactly as
/// `format!("{:.d$}", round_to(v, d))` prints it ([`Cell::text`]), through integer
/// digits where that is exact (|v| · 10^d below 2^53), else through `format!`.
fn push_fixed(buf: &mut Vec<u8>, v: f64, d: u8) {
    let p = 10f64.powi(d as i32);
    let scaled = (v * p).round();
    if d > 15 || !scaled.is_finite() || scaled.abs() >= 9_007_199_254_740_992.0 {
        let _ = write!(buf, "{:.*}", d as usize, round_to(v, d));
        return;
    }
    // The sign `format!` prints: that of the rounded value, so -0.004 to 2 places is
    // "-0.00" as it is there.
    if (scaled / p).is_sign_negative() {
        buf.push(b'-');
    }
    let n = scaled.abs() as u64;
    let unit = 10u64.pow(d as u32);
    push_digits(buf, n / unit, 1);
    if d > 0 {
        buf.push(b'.');
        push_digits(buf, n % unit, d as usize);
    }
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (what `{:0width$}`
/// prints for an unsigned number).
fn push_digits(buf: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    while n > 0 {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = at.min(digits.len().saturating_sub(width.clamp(1, 20)));
    buf.extend_from_slice(&digits[start..]);
}

/// Writes a JSON array of objects, one per row.
pub fn write_json(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<serde_json::Value> = t
        .rows
        .iter()
        .map(|r| {
            let m: serde_json::Map<String, serde_json::Value> = t
                .columns
                .iter()
                .cloned()
                .zip(r.iter().map(Cell::json))
                .collect();
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &rows)?;
    writeln!(w)
}

/// Writes aligned columns; numbers right-aligned. Long text cells are cut with "…".
pub fn write_text_table(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    const MAX_TEXT: usize = 40;
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    // Names come from files: no control sequences reach the terminal.
                    let s = crate::escape::terminal_cell(&c.text()).into_owned();
                    if s.chars().count() > MAX_TEXT {
                        let keep: String = s
                            .chars()
                            .rev()
                            .take(MAX_TEXT - 1)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        format!("…{keep}")
                    } else {
                        s
                    }
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([t.columns[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let numeric: Vec<bool> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .all(|r| matches!(r[i], Cell::Int(_) | Cell::Float(..) | Cell::Null))
        })
        .collect();
    let line = |vals: &[String]| -> String {
        vals.iter()
            .enumerate()
            .map(|(i, v)| {
                if numeric[i] {
                    format!("{v:>width$}", width = widths[i])
                } else {
                    format!("{v:<width$}", width = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(w, "{}", line(&t.columns))?;
    for r in &cells {
        writeln!(w, "{}", line(r))?;
    }
    Ok(())
}

/// Writes `t` in `format` to `w` (Parquet is handled by the caller: it needs a file).
pub fn write(t: &Table, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => write_text_table(t, w),
        Format::Csv => write_csv(t, w),
        Format::Json | Format::Parquet => write_json(t, w),
    }
}

/// Writes a file atomically: `fill` writes into a temporary file beside `path`, which is
/// renamed over `path` only when `fill` succeeds. Creates missing parent folders.
///
/// Only a regular file is ever replaced. A symbolic link is followed (the file it points
/// to is replaced, the link stays); a character device, FIFO or socket (`/dev/null`,
/// `/dev/stdout`, a named pipe) is written in place, as `sort -o` does, so the rename can
/// never replace a special file; a folder is an error.
pub fn write_atomic<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    // `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N` name an open descriptor, whatever it
    // points to: write through it (replacing its target would detach the descriptor).
    if (path.starts_with("/dev") || path.starts_with("/proc"))
        && std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
    {
        return write_in_place(path, fill);
    }
    let mut path = path.to_path_buf();
    if let Ok(link) = std::fs::symlink_metadata(&path) {
        if link.file_type().is_symlink() {
            match std::fs::metadata(&path) {
                // Replace the file the link points to, keeping the link.
                Ok(m) if m.is_file() => path = path.canonicalize()?,
                Ok(m) if m.is_dir() => return Err(is_a_folder()),
                Ok(_) => return write_in_place(&path, fill),
                // A dangling link: replaced like a missing file would be created.
                Err(_) => {}
            }
        } else if link.is_dir() {
            return Err(is_a_folder());
        } else if !link.is_file() {
            return write_in_place(&path, fill);
        }
    }
    let path = path.as_path();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let file_name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into());
    // Unique per process and per call: threads writing charts in parallel never share
    // a temporary name.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut bw = io::BufWriter::new(f);
        fill(&mut bw)?;
        let f = bw.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn is_a_folder() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "it is a folder")
}

/// Writes to an existing special file (device, FIFO) as it is: no temporary file, no
/// rename, no truncation of anything but what the device itself does.
fn write_in_place<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let f = std::fs::OpenOptions::new().write(true).open(path)?;
    let mut bw = io::BufWriter::new(f);
    fill(&mut bw)?;
    bw.flush()
}

/// True when writing to a terminal (table by default) rather than a pipe (CSV).
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["file", "timer_s", "note"]);
        t.push(vec![
            "a.fit".into(),
            Cell::Float(61.234, 1),
            Cell::Str("x, \"y\"".into()),
        ]);
        t.push(vec!["b.fit".into(), Cell::Null, Cell::Null]);
        t
    }

    #[test]
    fn csv_quotes_and_leaves_nulls_empty() {
        let mut out = Vec::new();
        write_csv(&sample(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "file,timer_s,note\na.fit,61.2,\"x, \"\"y\"\"\"\nb.fit,,\n"
        );
    }

    #[test]
    fn json_rounds_and_nulls() {
        let mut out = Vec::new();
        write_json(&sample(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["timer_s"], serde_json::json!(61.2));
        assert!(v[1]["note"].is_null());
    }

    #[test]
    fn fixed_decimals_print_what_format_prints() {
        let mut values = vec![
            0.0, -0.0, 0.004, -0.004, 0.005, -0.005, 1.5, 2.5, -2.5, 61.25, 1e6, -1e-9, 123456.789,
            0.125, 0.375, 1e15, 3e15, 1e300, -7.45, 99.995,
        ];
        // A deterministic spread of awkward values.
        let mut x = 0.1f64;
        for _ in 0..20_000 {
            x = (x * 7919.0 + 0.123_456_789).fract() * 10f64.powi((x * 1e6) as i32 % 9 - 3);
            values.push(x);
            values.push(-x);
        }
        for v in values {
            for d in 0..=6u8 {
                let mut buf = Vec::new();
                push_fixed(&mut buf, v, d);
                assert_eq!(
                    String::from_utf8(buf).unwrap(),
                    Cell::Float(v, d).text(),
                    "{v:e} to {d} places"
                );
            }
        }
    }

    #[test]
    fn integers_print_what_format_prints() {
        let mut values = vec![
            0i64,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let mut x = 1u64;
        for _ in 0..2_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push((x >> (x % 60)) as i64);
            values.push(-((x >> (x % 61)) as i64));
        }
        let mut t = Table::new(vec!["n".to_string()]);
        for &v in &values {
            t.push(vec![Cell::Int(v)]);
        }
        let mut out = Vec::new();
        write_csv(&t, &mut out).unwrap();
        let want: String = std::iter::once("n".to_string())
            .chain(values.iter().map(|v| format!("{v}")))
            .map(|l| l + "\n")
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn text_table_aligns_numbers_right() {
        let mut out = Vec::new();
        write_text_table(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "file   timer_s  note");
        assert_eq!(lines[1], "a.fit     61.2  x, \"y\"");
    }

    #[test]
    fn atomic_write_leaves_nothing_on_failure() {
        let dir = std::env::temp_dir().join(format!("hrzones-report-{}", std::process::id()));
        let path = dir.join("out.csv");
        write_atomic(&path, |w| w.write_all(b"ok\n")).unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("interrupted"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "ok\n");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place_and_symlinks_followed() {
        let dir = tempfile::tempdir().unwrap();
        // A character device is written through, never renamed over.
        write_atomic(Path::new("/dev/null"), |w| w.write_all(b"x")).unwrap();
        let m = std::fs::metadata("/dev/null").unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_char_device(
            &m.file_type()
        ));
        // A symlink to a regular file: the file is replaced, the link stays a link.
        let target = dir.path().join("real.csv");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // A folder is refused.
        assert!(write_atomic(dir.path(), |w| w.write_all(b"x")).is_err());
        // A FIFO: written in place (a reader gets the bytes), still a FIFO after.
        let fifo = dir.path().join("out.fifo");
        if std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success())
        {
            let reader = {
                let fifo = fifo.clone();
                std::thread::spawn(move || std::fs::read(fifo).unwrap())
            };
            write_atomic(&fifo, |w| w.write_all(b"through")).unwrap();
            assert_eq!(reader.join().unwrap(), b"through");
            let m = std::fs::symlink_metadata(&fifo).unwrap();
            assert!(std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()));
        }
    }
}
