//! Which runs are "labelled recovery", and where the label came from.
//!
//! A run's label can come from five places, in this priority order (the source is
//! reported with every audited run):
//!
//! 1. a labels file (`--labels FILE`, CSV `file,label`): the user's own word. An entry
//!    decides either way: a label that does not match the pattern ("tempo") takes the
//!    run out of the audit even when its file name says "recovery";
//! 2. a Strava bulk export's `activities.csv` (`--strava-export DIR`): `Activity Name`,
//!    then `Activity Description`;
//! 3. the workout name inside the FIT file (`workout.wkt_name`);
//! 4. the sport/session name the watch wrote (`session.sport_profile_name`, `sport.name`);
//! 5. the file name.
//!
//! Sources 2–5 are descriptive text (Strava names most runs "Morning Run"), so the first
//! of them whose text matches the pattern labels the run.
//!
//! The default pattern ([`DEFAULT_LABEL_TERMS`]) matches whole words, case-insensitively
//! and ignoring accents; `--label-pattern REGEX` replaces it. This module only reads
//! small text files (labels file, `activities.csv`): it never touches FIT data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// `--labels FILE` (CSV `file,label`).
    LabelsFile,
    /// Strava `activities.csv`, column `Activity Name`.
    StravaName,
    /// Strava `activities.csv`, column `Activity Description`.
    StravaDescription,
    /// `workout.wkt_name` in the FIT file.
    FitWorkoutName,
    /// `session.sport_profile_name` or `sport.name` in the FIT file.
    FitSportName,
    /// The file's own name.
    FileName,
}

impl LabelSource {
    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            LabelSource::LabelsFile => "labels_file",
            LabelSource::StravaName => "strava_name",
            LabelSource::StravaDescription => "strava_description",
            LabelSource::FitWorkoutName => "fit_workout_name",
            LabelSource::FitSportName => "fit_sport_name",
            LabelSource::FileName => "file_name",
        }
    }
}

/// A run's recovery label: the text that matched and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    /// The text that matched (a workout name, an activity name, a file name...).
    pub text: String,
    /// Where it was found.
    pub source: LabelSource,
}

/// How a term of the default pattern is matched against the words of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// The whole word equals the term.
    Word,
    /// The word starts with the term (inflections and compounds: "Regenerationslauf").
    Prefix,
    /// The text contains the term anywhere (scripts written without spaces).
    Substring,
}

/// The default recovery terms, lower case without accents (texts are folded the same
/// way before matching). Every term means "recovery" in its language; the choice:
///
/// - `recovery` (prefix: "recovery", "RecoveryRun", "recovery-run"). Not "recover",
///   "recovered", "recovering": those describe how the athlete felt ("legs recovered"),
///   not the kind of run; and "discovery" is a different word.
/// - `recov` (word): the common abbreviation ("Recov run").
/// - `recup` (prefix): French "récup", "récupération"; Spanish "recuperación",
///   "recuperativo"; Italian "recupero"; Portuguese "recuperação"; Catalan
///   "recuperació"; English "recuperation".
/// - `regen` (word): "regen run" in English and German. Known false friend: German
///   "Regen" (rain) on its own; "Regenlauf" and "Regenbogen" are not matched.
/// - `regenera` (prefix): German "Regeneration", "Regenerationslauf", "regenerativ";
///   Spanish/Portuguese "regenerativo"; Polish "regeneracja"; Czech "regenerační";
///   Dutch "regeneratie"; English "regeneration".
/// - `rigenera` (prefix): Italian "rigenerante", "rigenerativo".
/// - `erholung` (prefix): German "Erholungslauf".
/// - `herstel` (prefix): Dutch "herstelloop", "hersteltraining".
/// - `aterhamt` (prefix): Swedish "återhämtning", "återhämtningspass".
/// - `restitu` (prefix): Danish "restitutionsløb", Norwegian "restitusjon".
/// - `palautt` (prefix): Finnish "palauttava lenkki", "palauttelu".
/// - `восстанов` / `відновл` (prefix): Russian "восстановительный бег", Ukrainian
///   "відновлювальний біг".
/// - `회복` (prefix): Korean "회복주".
/// - `リカバリ`, `回復走`, `恢复跑`, `恢復跑` (substring): Japanese and Chinese.
///
/// Deliberately not matched: "easy", "jog", "shakeout" (an easy run is exactly what the
/// audit tells apart from recovery; a shakeout comes before a race, not after a hard
/// session).
pub const DEFAULT_LABEL_TERMS: &[(&str, TermKind)] = &[
    ("recovery", TermKind::Prefix),
    ("recov", TermKind::Word),
    ("recup", TermKind::Prefix),
    ("regen", TermKind::Word),
    ("regenera", TermKind::Prefix),
    ("rigenera", TermKind::Prefix),
    ("erholung", TermKind::Prefix),
    ("herstel", TermKind::Prefix),
    ("aterhamt", TermKind::Prefix),
    ("restitu", TermKind::Prefix),
    ("palautt", TermKind::Prefix),
    ("восстанов", TermKind::Prefix),
    ("відновл", TermKind::Prefix),
    ("회복", TermKind::Prefix),
    ("リカバリ", TermKind::Substring),
    ("回復走", TermKind::Substring),
    ("恢复跑", TermKind::Substring),
    ("恢復跑", TermKind::Substring),
];

/// Errors of this module and of the audit's inputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// Could not read a labels file or `activities.csv`.
    #[error("could not read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Malformed CSV.
    #[error("{path}:{line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line where the problem starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A column the file must have is missing.
    #[error("{path} has no {column:?} column (columns found: {found}); is this a Strava bulk export's activities.csv?")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// The header, for the message.
        found: String,
    },
    /// `--label-pattern` is not a valid regular expression.
    #[error("--label-pattern {pattern:?} is not a valid regular expression: {message}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// The regex crate's message.
        message: String,
    },
}

/// The recovery-label pattern: the default terms, or a user's regular expression.
#[derive(Debug, Clone, Default)]
pub enum LabelPattern {
    /// [`DEFAULT_LABEL_TERMS`].
    #[default]
    Default,
    /// A regular expression, matched case-insensitively against the text and against
    /// the text with accents removed.
    Regex(regex::Regex),
}

impl LabelPattern {
    /// A user's regular expression (case-insensitive).
    pub fn regex(pattern: &str) -> Result<LabelPattern, LabelError> {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map(LabelPattern::Regex)
            .map_err(|e| LabelError::BadPattern {
                pattern: pattern.to_string(),
                message: e.to_string(),
            })
    }

    /// Whether `text` carries a recovery label.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            LabelPattern::Regex(re) => re.is_match(text) || re.is_match(&fold(text)),
            LabelPattern::Default => {
                let folded = fold(text);
                let substring = DEFAULT_LABEL_TERMS
                    .iter()
                    .any(|(t, k)| *k == TermKind::Substring && folded.contains(t));
                substring
                    || words(text).iter().any(|w| {
                        DEFAULT_LABEL_TERMS.iter().any(|(t, k)| match k {
                            TermKind::Word => w == t,
                            TermKind::Prefix => w.starts_with(t),
                            TermKind::Substring => false,
                        })
                    })
            }
        }
    }

    /// A short description for the output's rules line.
    pub fn describe(&self) -> String {
        match self {
            LabelPattern::Default => {
                "default recovery terms (recovery, récup, regen, regeneration, recuperación, ...; see docs/AUDIT.md)".to_string()
            }
            LabelPattern::Regex(re) => format!("regex {:?} (case-insensitive)", re.as_str()),
        }
    }
}

/// Lower case without accents: "Récupération" → "recuperation", "Återhämtning" →
/// "aterhamtning". Covers the Latin letters of the languages in [`DEFAULT_LABEL_TERMS`];
/// other letters are only lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => out.push('i'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ś' | 'š' | 'ş' | 'ș' => out.push('s'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ł' => out.push('l'),
            'ř' => out.push('r'),
            'ť' | 'ţ' | 'ț' => out.push('t'),
            'ğ' => out.push('g'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            _ => out.push(c),
        }
    }
    out
}

/// The words of a text, folded: runs of letters and digits, split also where a lower-case
/// letter meets an upper-case one ("RecoveryRun") and where letters meet digits
/// ("recovery2"), since file names glue words together.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(fold(&cur));
                cur.clear();
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let camel = p.is_lowercase() && c.is_uppercase();
            let digit_edge = p.is_numeric() != c.is_numeric();
            if (camel || digit_edge) && !cur.is_empty() {
                out.push(fold(&cur));
                cur.clear();
            }
        }
        cur.push(c);
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(fold(&cur));
    }
    out
}

/// Picks a run's label from its texts, given in priority order (see the module docs):
/// a labels-file text decides either way; otherwise the first text that matches.
pub fn resolve_label(texts: &[(LabelSource, String)], pattern: &LabelPattern) -> Option<Label> {
    if let Some((_, text)) = texts.iter().find(|(s, _)| *s == LabelSource::LabelsFile) {
        return pattern.matches(text).then(|| Label {
            text: text.clone(),
            source: LabelSource::LabelsFile,
        });
    }
    texts
        .iter()
        .find(|(_, t)| pattern.matches(t))
        .map(|(source, text)| Label {
            text: text.clone(),
            source: *source,
        })
}

/// One row of a [`LabelBook`]: a file reference and its label texts.
#[derive(Debug, Clone, PartialEq)]
pub struct BookEntry {
    /// The file as the book names it, `/`-separated, without a `.gz` suffix.
    pub key: String,
    /// Label texts (a labels-file label; a Strava name and description).
    pub texts: Vec<(LabelSource, String)>,
    /// Strava's `Activity Type` ("Run", "Ride"...), when known.
    pub activity_type: Option<String>,
}

/// Labels kept outside the FIT files, looked up by file name: a labels file or a Strava
/// export's `activities.csv`.
#[derive(Debug, Clone, Default)]
pub struct LabelBook {
    /// Where it was read from (for messages).
    pub path: Option<PathBuf>,
    /// The entries.
    pub entries: Vec<BookEntry>,
    /// Entry indices by base name (no folders, no `.gz`).
    by_base: HashMap<String, Vec<usize>>,
}

/// `\` → `/`, no leading `./`, no `.gz` suffix.
fn normalise_key(name: &str) -> String {
    let s = name.trim().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s);
    let lower = s.to_ascii_lowercase();
    if lower.ends_with(".gz") {
        s[..s.len() - 3].to_string()
    } else {
        s.to_string()
    }
}

/// The part after the last `/` or `:` (a zip entry is named `archive.zip:entry`).
fn base_name(key: &str) -> &str {
    key.rsplit(['/', ':']).next().unwrap_or(key)
}

/// `key` names `source`: equal, or a trailing run of its path components.
fn is_path_suffix(source: &str, key: &str) -> bool {
    source == key
        || (source.ends_with(key)
            && matches!(
                source.as_bytes().get(source.len() - key.len() - 1),
                Some(b'/') | Some(b':')
            ))
}

impl LabelBook {
    /// A book from entries (keys are normalised here).
    pub fn from_entries(path: Option<PathBuf>, entries: Vec<BookEntry>) -> LabelBook {
        let mut book = LabelBook {
            path,
            entries: Vec::with_capacity(entries.len()),
            by_base: HashMap::new(),
        };
        for mut e in entries {
            e.key = normalise_key(&e.key);
            if e.key.is_empty() {
                continue;
            }
            book.by_base
                .entry(base_name(&e.key).to_string())
                .or_default()
                .push(book.entries.len());
            book.entries.push(e);
        }
        book
    }

    /// The entry for an input named `source` (a path, or `archive.zip:entry`): one whose
    /// path is a trailing part of `source` (the longest such), else the only entry with
    /// the same base name. Several entries with that base name and no path match: none.
    pub fn lookup(&self, source: &str) -> Option<&BookEntry> {
        let src = normalise_key(source);
        let ids = self.by_base.get(base_name(&src))?;
        let by_path = ids
            .iter()
            .map(|&i| &self.entries[i])
            .filter(|e| is_path_suffix(&src, &e.key))
            .max_by_key(|e| e.key.len());
        by_path.or_else(|| match ids.as_slice() {
            [only] => Some(&self.entries[*only]),
            _ => None,
        })
    }

    /// Reads a labels file: CSV with two columns, file and label; an optional header row
    /// `file,label`; blank lines are skipped; further columns are ignored.
    pub fn read_labels_file(path: &Path) -> Result<LabelBook, LabelError> {
        let text = read_text(path)?;
        LabelBook::parse_labels_file(&text, path)
    }

    /// Parses labels-file text; `path` is for messages.
    pub fn parse_labels_file(text: &str, path: &Path) -> Result<LabelBook, LabelError> {
        let rows = parse_csv(text).map_err(|e| LabelError::Csv {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        let mut entries = Vec::new();
        for (i, (line, row)) in rows.into_iter().enumerate() {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let is_header = i == 0
                && row.len() >= 2
                && row[0].trim().eq_ignore_ascii_case("file")
                && row[1].trim().eq_ignore_ascii_case("label");
            if is_header {
                continue;
            }
            if row.len() < 2 {
                return Err(LabelError::Csv {
                    path: path.to_path_buf(),
                    line,
                    message: format!("expected two columns, file,label; got {:?}", row.join(",")),
                });
            }
            entries.push(BookEntry {
                key: row[0].clone(),
                texts: vec![(LabelSource::LabelsFile, row[1].trim().to_string())],
                activity_type: None,
            });
        }
        Ok(LabelBook::from_entries(Some(path.to_path_buf()), entries))
    }

    /// Reads a Strava bulk export's `activities.csv` from the export: its folder, its zip
    /// (as Strava sends it), or the CSV itself.
    pub fn read_strava_export(path: &Path) -> Result<LabelBook, LabelError> {
        if path.is_dir() {
            let csv = path.join("activities.csv");
            let text = read_text(&csv)?;
            return LabelBook::parse_strava_activities(&text, &csv);
        }
        let io = |source| LabelError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut magic = [0u8; 4];
        let n = std::io::Read::read(&mut file, &mut magic).map_err(io)?;
        if n == 4 && (&magic == b"PK\x03\x04" || &magic == b"PK\x05\x06") {
            let (entry, text) = activities_csv_in_zip(path, std::io::BufReader::new(file))?;
            return LabelBook::parse_strava_activities(&text, &path.join(entry));
        }
        let text = read_text(path)?;
        LabelBook::parse_strava_activities(&text, path)
    }

    /// Reads `activities.csv` found among the inputs (a file, or a zip entry).
    pub fn read_strava_input(input: &crate::source::InputFile) -> Result<LabelBook, LabelError> {
        let name = PathBuf::from(input.name());
        let bytes = input.read().map_err(|e| LabelError::Io {
            path: name.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        LabelBook::parse_strava_activities(&String::from_utf8_lossy(&bytes), &name)
    }

    /// Parses `activities.csv` text: columns `Filename`, `Activity Name`, and (optional)
    /// `Activity Description` and `Activity Type`. Rows without a file (manual entries)
    /// are skipped. `path` is for messages.
    pub fn parse_strava_activities(text: &str, path: &Path) -> Result<LabelBook, LabelError> {
        let rows = parse_csv(text).map_err(|e| LabelError::Csv {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        let mut rows = rows.into_iter();
        let header = rows.next().map(|(_, r)| r).unwrap_or_default();
        // Strava's header repeats some names (two "Distance" columns): take the first.
        let col = |name: &str| header.iter().position(|h| h.trim() == name);
        let missing = |column: &'static str| LabelError::MissingColumn {
            path: path.to_path_buf(),
            column,
            found: header_for_message(&header),
        };
        let file_col = col("Filename").ok_or_else(|| missing("Filename"))?;
        let name_col = col("Activity Name").ok_or_else(|| missing("Activity Name"))?;
        let desc_col = col("Activity Description");
        let type_col = col("Activity Type");
        let cell = |row: &[String], i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let mut entries = Vec::new();
        for (_, row) in rows {
            let Some(file) = cell(&row, Some(file_col)) else {
                continue;
            };
            let mut texts = Vec::new();
            if let Some(n) = cell(&row, Some(name_col)) {
                texts.push((LabelSource::StravaName, n));
            }
            if let Some(d) = cell(&row, desc_col) {
                texts.push((LabelSource::StravaDescription, d));
            }
            entries.push(BookEntry {
                key: file,
                texts,
                activity_type: cell(&row, type_col),
            });
        }
        Ok(LabelBook::from_entries(Some(path.to_path_buf()), entries))
    }
}

/// Largest labels file or `activities.csv` read: 64 MiB is about 200,000 activities with
/// long descriptions; this stops `--labels /dev/zero` from filling memory.
pub const MAX_LABELS_BYTES: u64 = 64 << 20;

/// Largest `activities.csv` read from a zip: the same bound as for a labels file.
const MAX_CSV_BYTES: u64 = MAX_LABELS_BYTES;

/// The `activities.csv` of a Strava export zip (the one nearest the root): entry name and
/// text.
fn activities_csv_in_zip<R: std::io::Read + std::io::Seek>(
    path: &Path,
    reader: R,
) -> Result<(String, String), LabelError> {
    use std::io::Read;
    let zerr = |message: String| LabelError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| zerr(e.to_string()))?;
    let best = (0..archive.len())
        .filter_map(|i| {
            let e = archive.by_index_raw(i).ok()?;
            let name = e.name().to_string();
            let base = name.rsplit('/').next().unwrap_or(&name);
            base.eq_ignore_ascii_case("activities.csv")
                .then(|| (name.matches('/').count(), i, name.clone()))
        })
        .min();
    let Some((_, index, name)) = best else {
        return Err(zerr(
            "no activities.csv in this zip; is it a Strava bulk export?".to_string(),
        ));
    };
    let entry = archive.by_index(index).map_err(|e| zerr(e.to_string()))?;
    let mut buf = Vec::new();
    entry
        .take(MAX_CSV_BYTES)
        .read_to_end(&mut buf)
        .map_err(|e| zerr(format!("{name}: {e}")))?;
    Ok((name, String::from_utf8_lossy(&buf).into_owned()))
}

/// A header for a message: at most 200 characters, control characters escaped (a binary
/// file given as CSV must not spill raw bytes on the terminal).
fn header_for_message(header: &[String]) -> String {
    let joined = header.join(", ");
    let mut out: String = joined
        .chars()
        .take(200)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if joined.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn read_text(path: &Path) -> Result<String, LabelError> {
    let bytes =
        crate::fsutil::read_capped(path, MAX_LABELS_BYTES).map_err(|source| LabelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One CSV record: its 1-based starting line and its fields.
pub type CsvRecord = (usize, Vec<String>);

/// A CSV syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line where the problem starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses CSV (RFC 4180): fields separated by commas, records by CRLF or LF; a field in
/// double quotes may hold commas, newlines and doubled quotes (`""`). Returns each record
/// with its 1-based starting line; an unterminated quote is an error `(line, message)`.
pub fn parse_csv(text: &str) -> Result<Vec<CsvRecord>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut row_line = 1usize;
    let mut quoted = false; // inside a quoted field
    let mut quote_line = 0usize;
    let mut chars = text.chars().peekable();
    let mut row_has_content = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_line = line;
                row_has_content = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                row_has_content = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if row_has_content || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    records.push((row_line, std::mem::take(&mut row)));
                }
                row_has_content = false;
                line += 1;
                row_line = line;
            }
            _ => {
                field.push(c);
                row_has_content = true;
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: quote_line,
            message: "a quoted field is never closed".to_string(),
        });
    }
    if row_has_content || !field.is_empty() {
        row.push(field);
        records.push((row_line, row));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> bool {
        LabelPattern::Default.matches(text)
    }

    #[test]
    fn default_pattern_matches_recovery_in_several_languages() {
        for t in [
            "Recovery Run",
            "easy recovery",
            "RECOVERY",
            "Recovery_run_2024-05-02.fit",
            "RecoveryRun",
            "recoveryrun.fit",
            "Recov jog",
            "Footing de récup",
            "Récupération active",
            "Rodaje de recuperación",
            "Corsa di recupero",
            "Corsa rigenerativa",
            "Regen run",
            "Regenerationslauf",
            "Erholungslauf",
            "Herstelloop",
            "Återhämtningspass",
            "Restitusjonsløp",
            "Palauttava lenkki",
            "Восстановительный бег",
            "リカバリーラン",
            "恢复跑 5km",
        ] {
            assert!(m(t), "{t:?} should match");
        }
    }

    #[test]
    fn default_pattern_ignores_unrelated_words() {
        for t in [
            "Discovery Park loop",
            "Felt recovered",
            "still recovering",
            "Morning Run",
            "Easy run",
            "Shakeout",
            "Lauf im Regenbogen",
            "Regenlauf",
            "Tempo 3x2k",
            "recreation",
            "",
        ] {
            assert!(!m(t), "{t:?} should not match");
        }
    }

    #[test]
    fn words_split_file_names() {
        assert_eq!(
            words("RecoveryRun_2024-05-02.fit"),
            vec!["recovery", "run", "2024", "05", "02", "fit"]
        );
        assert_eq!(words("Récup3km"), vec!["recup", "3", "km"]);
        assert_eq!(fold("Återhämtning ß"), "aterhamtning ss");
    }

    #[test]
    fn a_regex_pattern_is_case_insensitive_and_accent_tolerant() {
        let p = LabelPattern::regex(r"\bz1\b|recup").unwrap();
        assert!(p.matches("Easy Z1"));
        assert!(p.matches("Footing RÉCUP"));
        assert!(!p.matches("Z2 run"));
        assert!(LabelPattern::regex("(unclosed").is_err());
    }

    #[test]
    fn the_labels_file_decides_either_way_and_others_go_in_order() {
        let p = LabelPattern::Default;
        let t = |s: LabelSource, x: &str| (s, x.to_string());
        // The labels file says tempo: not a recovery run, whatever the file is called.
        let texts = vec![
            t(LabelSource::LabelsFile, "tempo"),
            t(LabelSource::FileName, "recovery.fit"),
        ];
        assert_eq!(resolve_label(&texts, &p), None);
        // Strava's default name does not match; the workout name does.
        let texts = vec![
            t(LabelSource::StravaName, "Morning Run"),
            t(LabelSource::FitWorkoutName, "Recovery 30'"),
            t(LabelSource::FileName, "recovery.fit"),
        ];
        let l = resolve_label(&texts, &p).unwrap();
        assert_eq!(l.source, LabelSource::FitWorkoutName);
        assert_eq!(l.text, "Recovery 30'");
        let texts = vec![t(LabelSource::LabelsFile, "Récup")];
        assert_eq!(
            resolve_label(&texts, &p).map(|l| l.source),
            Some(LabelSource::LabelsFile)
        );
    }

    #[test]
    fn csv_handles_quotes_commas_and_newlines() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n1,,3";
        let rows = parse_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (1, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(
            rows[1].1,
            vec!["x, y".to_string(), "say \"hi\"".into(), "two\nlines".into()]
        );
        assert_eq!(rows[2], (5, vec!["1".into(), "".into(), "3".into()]));
        assert_eq!(parse_csv("a,\"b\nc").unwrap_err().line, 1);
    }

    #[test]
    fn labels_file_rows_and_lookup_by_path_or_base_name() {
        let text = "file,label\nruns/2024/a.fit,Recovery\nb.fit.gz,tempo\n\nother/a.fit,easy\n";
        let book = LabelBook::parse_labels_file(text, Path::new("labels.csv")).unwrap();
        assert_eq!(book.entries.len(), 3);
        // The path decides between the two a.fit entries.
        let e = book.lookup("/home/me/runs/2024/a.fit").unwrap();
        assert_eq!(e.texts[0].1, "Recovery");
        assert_eq!(book.lookup("x/other/a.fit").unwrap().texts[0].1, "easy");
        // Ambiguous base name without a path match: nothing.
        assert!(book.lookup("elsewhere/a.fit").is_none());
        // .gz on either side does not matter; a unique base name matches from anywhere.
        assert_eq!(book.lookup("/data/b.fit").unwrap().texts[0].1, "tempo");
        assert_eq!(
            book.lookup("export.zip:b.fit.gz").unwrap().texts[0].1,
            "tempo"
        );
        assert!(book.lookup("/data/c.fit").is_none());
        // "ba.fit" is not "a.fit".
        let book = LabelBook::parse_labels_file("x/a.fit,recovery", Path::new("l")).unwrap();
        assert!(book.lookup("x/ba.fit").is_none());
        let e = LabelBook::parse_labels_file("only-one-column\n", Path::new("l")).unwrap_err();
        assert!(e.to_string().contains("l:1"), "{e}");
    }

    #[test]
    fn strava_activities_csv_gives_name_and_description() {
        let text = "\u{feff}Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Filename,Distance\n\
            111,\"Jan 2, 2024, 7:00:00 AM\",Morning Run,Run,\"Day after the 10k,\nkept it very easy. Récup!\",1800,5.1,activities/111.fit.gz,5100\n\
            222,\"Jan 3, 2024, 7:00:00 AM\",Recovery spin,Ride,,3600,20,activities/222.fit.gz,20000\n\
            333,\"Jan 4, 2024, 7:00:00 AM\",Manual entry,Run,,600,2,,2000\n";
        let book = LabelBook::parse_strava_activities(text, Path::new("activities.csv")).unwrap();
        assert_eq!(book.entries.len(), 2);
        let e = book.lookup("export/activities/111.fit.gz").unwrap();
        assert_eq!(e.activity_type.as_deref(), Some("Run"));
        let l = resolve_label(&e.texts, &LabelPattern::Default).unwrap();
        assert_eq!(l.source, LabelSource::StravaDescription);
        let e = book.lookup("activities/222.fit.gz").unwrap();
        assert_eq!(
            resolve_label(&e.texts, &LabelPattern::Default).map(|l| l.source),
            Some(LabelSource::StravaName)
        );
        let err =
            LabelBook::parse_strava_activities("Name,File\n", Path::new("a.csv")).unwrap_err();
        assert!(err.to_string().contains("Filename"), "{err}");
    }
}
