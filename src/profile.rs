//! The athlete's settings: max, resting and threshold heart rate, sex and the zone model,
//! with dated changes (thresholds move over a multi-year archive), and the rules that turn
//! settings plus what a file carries into the zones and numbers used for one session.
//!
//! Layers, each overriding the one before: the profile file's base settings, then each
//! `[[change]]` whose `from` date is on or before the session's date (UTC), then the
//! section of the session's sport (`[sport.running]`, `[sport.cycling]`, any FIT sport
//! name, or `[sport.other]` for sports without a section of their own) with its own
//! dated `[[sport.NAME.change]]` entries, then the command-line flags. What a file
//! carries (the watch's zones, `zones_target`, `user_profile`) fills what the layers
//! leave unset. Profiles without `[sport.*]` sections read as before.
//!
//! ```toml
//! # athlete.toml
//! sex = "female"        # male | female (hrTSS/TRIMP weighting)
//! model = "hrmax"       # file | hrmax | hrr | lthr | custom
//! max_hr = 192
//! resting_hr = 48
//! lthr = 172
//!
//! [[change]]
//! from = 2024-03-01     # a TOML date or "2024-03-01"
//! lthr = 175
//!
//! [sport.cycling]       # cycling sessions: these override the lines above
//! lthr = 160
//! [[sport.cycling.change]]
//! from = 2025-01-01
//! lthr = 163
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::activity::{Activity, Session};
use crate::zones::{self, ZoneError, ZoneModelKind, Zones, DEFAULT_PCT_FLOORS};

/// Largest profile file read: a profile is a few hundred bytes; this stops `--profile
/// /dev/zero` (or a mistyped path to a video) from filling memory.
pub const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// Biological sex, for the Banister TRIMP weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// a = 0.64, b = 1.92.
    Male,
    /// a = 0.86, b = 1.67.
    Female,
}

/// One layer of settings; unset fields leave the layer below in force.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Zone model.
    pub model: Option<ZoneModelKind>,
    /// Max HR, bpm.
    pub max_hr: Option<u8>,
    /// Resting HR, bpm.
    pub resting_hr: Option<u8>,
    /// Lactate-threshold HR, bpm.
    pub lthr: Option<u8>,
    /// Explicit zone floors (Z1 first), bpm, for the custom model.
    pub bounds: Option<Vec<u8>>,
    /// Zone floors as fractions (0.5 = 50 %) for the hrmax and hrr models.
    pub percents: Option<Vec<f64>>,
    /// Sex.
    pub sex: Option<Sex>,
}

impl Thresholds {
    /// `self` with every field that `top` sets replaced.
    pub fn overlay(&self, top: &Thresholds) -> Thresholds {
        Thresholds {
            model: top.model.or(self.model),
            max_hr: top.max_hr.or(self.max_hr),
            resting_hr: top.resting_hr.or(self.resting_hr),
            lthr: top.lthr.or(self.lthr),
            bounds: top.bounds.clone().or_else(|| self.bounds.clone()),
            percents: top.percents.clone().or_else(|| self.percents.clone()),
            sex: top.sex.or(self.sex),
        }
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Thresholds::default()
    }

    /// Checks the numbers make sense together.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let bad = |why: String| Err(ProfileError::Invalid(why));
        if let (Some(r), Some(m)) = (self.resting_hr, self.max_hr) {
            if r >= m {
                return bad(format!("resting HR {r} must be below max HR {m}"));
            }
        }
        if let (Some(l), Some(m)) = (self.lthr, self.max_hr) {
            if l > m {
                return bad(format!("LTHR {l} must not exceed max HR {m}"));
            }
        }
        // The same ranges as the command-line flags (`--max-hr`, `--lthr`, `--resting-hr`).
        for (name, v, range) in [
            ("max_hr", self.max_hr, 60..=250),
            ("lthr", self.lthr, 60..=240),
            ("resting_hr", self.resting_hr, 20..=120),
        ] {
            if let Some(v) = v {
                if !range.contains(&v) {
                    return bad(format!(
                        "{name} {v} is outside {}..{} bpm",
                        range.start(),
                        range.end()
                    ));
                }
            }
        }
        if let Some(b) = &self.bounds {
            if b.is_empty() || b.windows(2).any(|w| w[0] >= w[1]) {
                return bad(format!(
                    "bounds must be strictly increasing bpm values, got {b:?}"
                ));
            }
        }
        if let Some(p) = &self.percents {
            if p.is_empty()
                || p.windows(2).any(|w| w[0] >= w[1])
                || p.iter().any(|x| !(0.0..=1.5).contains(x))
            {
                return bad(format!(
                    "percents must be increasing fractions (0.5 = 50 %), got {p:?}"
                ));
            }
        }
        Ok(())
    }
}

/// A dated change of settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedChange {
    /// First day (UTC) the change applies.
    pub from: NaiveDate,
    /// What changes.
    pub settings: Thresholds,
}

/// One sport's settings: its base and its dated changes, layered over the profile's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SportSettings {
    /// Base settings for the sport.
    pub base: Thresholds,
    /// Changes, sorted by date.
    pub changes: Vec<DatedChange>,
}

impl SportSettings {
    /// The base with every change up to `date` applied (None: the base only).
    fn at(&self, date: Option<NaiveDate>) -> Thresholds {
        layered(&self.base, &self.changes, date)
    }
}

/// `base` with each change dated on or before `date` laid over it, in date order.
fn layered(base: &Thresholds, changes: &[DatedChange], date: Option<NaiveDate>) -> Thresholds {
    let mut t = base.clone();
    if let Some(d) = date {
        for c in changes.iter().filter(|c| c.from <= d) {
            t = t.overlay(&c.settings);
        }
    }
    t
}

/// The section name for sessions of a sport with no section of its own.
pub const OTHER_SPORT: &str = "other";

/// The athlete profile: base settings and dated changes, and per-sport sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AthleteProfile {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// Base settings.
    pub base: Thresholds,
    /// Changes, sorted by date.
    pub changes: Vec<DatedChange>,
    /// Per-sport sections by FIT sport name (`running`, `cycling`, ...) or [`OTHER_SPORT`].
    pub sports: BTreeMap<String, SportSettings>,
    /// Thresholds estimated from the archive being read (`hrzones thresholds`), used
    /// for a session's zones only when nothing else gives it zones: no settings, and
    /// no zones or max HR in its file ([`Settings::zones_for_session`]).
    pub archive_estimates: Option<Box<AthleteProfile>>,
}

/// Errors reading a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Could not read the file.
    #[error("could not read profile {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML or unknown keys.
    #[error("could not parse profile {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Values that do not make sense.
    #[error("invalid settings: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeFile {
    from: DateValue,
    #[serde(flatten)]
    settings: Thresholds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    base: Thresholds,
    #[serde(default)]
    change: Vec<ChangeFile>,
    #[serde(default)]
    sport: BTreeMap<String, SportFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SportFile {
    #[serde(flatten)]
    base: Thresholds,
    #[serde(default)]
    change: Vec<ChangeFile>,
}

/// Whether `name` is a FIT sport name hrzones prints, or [`OTHER_SPORT`].
fn is_sport_name(name: &str) -> bool {
    name == OTHER_SPORT || (0..=u8::MAX).any(|v| crate::fit::profile::sport_name(v) == name)
}

/// Keys a settings table may hold.
const SETTING_KEYS: [&str; 7] = [
    "model",
    "max_hr",
    "resting_hr",
    "lthr",
    "bounds",
    "percents",
    "sex",
];

/// Checks the keys of a `[[change]]` array (serde's flatten does not reject unknown keys).
fn check_changes(v: &toml::Value, at: &str) -> Result<(), String> {
    let Some(arr) = v.as_array() else {
        return Err(format!("{at} must be an array of tables ([[{at}]])"));
    };
    for c in arr.iter().filter_map(|c| c.as_table()) {
        if let Some(bad) = c
            .keys()
            .find(|k| *k != "from" && !SETTING_KEYS.contains(&k.as_str()))
        {
            return Err(format!("unknown key {bad:?} in [[{at}]]"));
        }
    }
    Ok(())
}

/// Checks the `[sport.NAME]` sections: known sport names and keys.
fn check_sports(v: &toml::Value) -> Result<(), String> {
    let Some(sports) = v.as_table() else {
        return Err("sport must be a table of sections ([sport.running])".into());
    };
    for (name, section) in sports {
        if !is_sport_name(name) {
            return Err(format!(
                "unknown sport {name:?} in [sport.{name}] (a FIT sport name such as running, cycling, swimming, or other)"
            ));
        }
        let Some(section) = section.as_table() else {
            return Err(format!("[sport.{name}] must be a table"));
        };
        for (k, v) in section {
            if k == "change" {
                check_changes(v, &format!("sport.{name}.change"))?;
            } else if !SETTING_KEYS.contains(&k.as_str()) {
                return Err(format!(
                    "unknown key {k:?} in [sport.{name}] (known: {}, change)",
                    SETTING_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Parsed `[[change]]` entries, sorted by date.
fn dated_changes(changes: Vec<ChangeFile>) -> Result<Vec<DatedChange>, String> {
    let mut out = Vec::new();
    for c in changes {
        let from = parse_date(&c.from)?;
        c.settings
            .validate()
            .map_err(|e| format!("[[change]] from {from}: {e}"))?;
        out.push(DatedChange {
            from,
            settings: c.settings,
        });
    }
    out.sort_by_key(|c| c.from);
    Ok(out)
}

fn parse_date(v: &DateValue) -> Result<NaiveDate, String> {
    let text = match v {
        DateValue::Toml(d) => d.to_string(),
        DateValue::Text(s) => s.clone(),
    };
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(&text), "%Y-%m-%d")
        .map_err(|e| format!("bad date {text:?} in [[change]] (want YYYY-MM-DD): {e}"))
}

impl AthleteProfile {
    /// Parses a profile from TOML text; `path` is for messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<AthleteProfile, ProfileError> {
        let perr = |message: String| ProfileError::Parse {
            path: path.to_path_buf(),
            message,
        };
        // serde's flatten + deny_unknown_fields does not reject unknown keys; check by hand.
        let raw: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| perr(e.message().to_string()))?;
        for (k, v) in &raw {
            match k.as_str() {
                "change" => check_changes(v, "change").map_err(perr)?,
                "sport" => check_sports(v).map_err(perr)?,
                "name" => {}
                k if SETTING_KEYS.contains(&k) => {}
                _ => {
                    return Err(perr(format!(
                        "unknown key {k:?} (known: {}, name, change, sport)",
                        SETTING_KEYS.join(", ")
                    )))
                }
            }
        }
        let file: ProfileFile = toml::from_str(text).map_err(|e| perr(e.message().to_string()))?;
        let _ = file.name;
        file.base.validate()?;
        let changes = dated_changes(file.change).map_err(perr)?;
        let mut sports = BTreeMap::new();
        for (name, sf) in file.sport {
            sf.base
                .validate()
                .map_err(|e| perr(format!("[sport.{name}]: {e}")))?;
            let changes =
                dated_changes(sf.change).map_err(|e| perr(format!("[sport.{name}] {e}")))?;
            sports.insert(
                name,
                SportSettings {
                    base: sf.base,
                    changes,
                },
            );
        }
        Ok(AthleteProfile {
            path: Some(path.to_path_buf()),
            base: file.base,
            changes,
            sports,
            archive_estimates: None,
        })
    }

    /// Reads a profile file (a regular file of at most [`MAX_PROFILE_BYTES`]).
    pub fn read(path: &Path) -> Result<AthleteProfile, ProfileError> {
        let text = crate::fsutil::read_text_capped(path, MAX_PROFILE_BYTES).map_err(|source| {
            ProfileError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        AthleteProfile::from_toml(&text, path)
    }

    /// The settings in force on `date` for every sport (None: the base settings only).
    pub fn at(&self, date: Option<NaiveDate>) -> Thresholds {
        layered(&self.base, &self.changes, date)
    }

    /// The settings in force on `date` for a session of `sport` (a FIT sport name): the
    /// profile's own layers, then the sport's section (or `[sport.other]` when the sport
    /// has none) with its changes up to `date`.
    pub fn for_sport(&self, sport: &str, date: Option<NaiveDate>) -> Thresholds {
        let t = self.at(date);
        match self
            .sports
            .get(sport)
            .or_else(|| self.sports.get(OTHER_SPORT))
        {
            Some(section) => t.overlay(&section.at(date)),
            None => t,
        }
    }

    /// Where a sport's settings on `date` come from: `running from 2025-01-01`, or the
    /// sport's base (`running`), or None when the profile has no section for it.
    pub fn sport_origin(&self, sport: &str, date: Option<NaiveDate>) -> Option<String> {
        let (name, section) = match self.sports.get_key_value(sport) {
            Some(x) => x,
            None => self.sports.get_key_value(OTHER_SPORT)?,
        };
        let last = date.and_then(|d| section.changes.iter().rev().find(|c| c.from <= d));
        Some(match last {
            Some(c) => format!("{name} from {}", c.from),
            None => name.clone(),
        })
    }

    /// Which layer sets the value `get` looks for, for a session of `sport` on `date`:
    /// `profile [sport.running] (from 2025-01-01)`, `profile [sport.running]`,
    /// `profile (from 2024-03-01)` or `profile` (the base).
    pub fn origin(
        &self,
        sport: &str,
        date: Option<NaiveDate>,
        get: impl Fn(&Thresholds) -> bool,
    ) -> String {
        let in_force = |changes: &[DatedChange]| {
            date.and_then(|d| {
                changes
                    .iter()
                    .rev()
                    .find(|c| c.from <= d && get(&c.settings))
                    .map(|c| c.from)
            })
        };
        let section = self
            .sports
            .get_key_value(sport)
            .or_else(|| self.sports.get_key_value(OTHER_SPORT));
        if let Some((name, sec)) = section {
            if let Some(from) = in_force(&sec.changes) {
                return format!("profile [sport.{name}] (from {from})");
            }
            if get(&sec.base) {
                return format!("profile [sport.{name}]");
            }
        }
        match in_force(&self.changes) {
            Some(from) => format!("profile (from {from})"),
            None => "profile".to_string(),
        }
    }

    /// True when the profile sets nothing.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.changes.is_empty() && self.sports.is_empty()
    }
}

/// Profile plus command-line overrides: everything needed to pick a session's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// The profile (empty when none given).
    pub profile: AthleteProfile,
    /// Command-line flags, applied last.
    pub overrides: Thresholds,
}

/// A number with where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sourced {
    /// The value.
    pub value: f64,
    /// Where it came from ("profile", "flag", "file zones_target", ...).
    pub source: String,
}

impl Settings {
    /// The settings in force for a session and its zones ([`resolve_zones`]); when
    /// these give no zones at all ([`ZoneError::NoZones`]: nothing configured, nothing
    /// in the file) and the profile holds the archive's estimates, the zones from the
    /// estimates for the session's sport and date, their source saying so.
    pub fn zones_for_session(
        &self,
        a: &Activity,
        s: &Session,
    ) -> (Thresholds, Result<Zones, ZoneError>) {
        let t = self.for_session(a, s);
        let zones = resolve_zones(&t, a, s);
        let Some(est) = self.profile.archive_estimates.as_deref() else {
            return (t, zones);
        };
        if !matches!(zones, Err(ZoneError::NoZones)) {
            return (t, zones);
        }
        let date = session_date(a, s);
        let guess = est.for_sport(s.sport_name(), date).overlay(&t);
        match resolve_zones(&guess, a, s) {
            Ok(mut z) => {
                let origin = est
                    .sport_origin(s.sport_name(), date)
                    .unwrap_or_else(|| "archive".into());
                z.source = match z.source.strip_prefix("settings") {
                    Some(rest) => format!("archive estimate ({origin}){rest}"),
                    None => format!("archive estimate ({origin}): {}", z.source),
                };
                (t, Ok(z))
            }
            Err(_) => (t, zones),
        }
    }

    /// The settings in force for a session.
    pub fn for_session(&self, a: &Activity, s: &Session) -> Thresholds {
        let date = session_date(a, s);
        self.profile
            .for_sport(s.sport_name(), date)
            .overlay(&self.overrides)
    }
}

/// The local date a session started (the file's UTC offset, or `--tz`; see
/// [`crate::localtime`]), when the file has real dates.
pub fn session_date(a: &Activity, s: &Session) -> Option<NaiveDate> {
    crate::localtime::session_date(a, s)
}

/// The watch's max HR as the file states it, with the message it came from.
pub fn file_max_hr(a: &Activity, s: &Session) -> Option<(u8, &'static str)> {
    let dz = s.device_zones.as_ref();
    dz.and_then(|d| d.max_hr)
        .map(|v| (v, "file time_in_zone"))
        .or_else(|| a.hr_settings.max_hr.map(|v| (v, "file zones_target")))
        .or_else(|| {
            a.hr_settings
                .max_running_hr
                .filter(|_| s.is_run())
                .map(|v| (v, "file user_profile"))
        })
        .or_else(|| {
            a.hr_settings
                .default_max_hr
                .map(|v| (v, "file user_profile"))
        })
        .filter(|(v, _)| *v >= 60)
}

/// The watch's resting HR as the file states it.
pub fn file_resting_hr(a: &Activity, s: &Session) -> Option<(u8, &'static str)> {
    s.device_zones
        .as_ref()
        .and_then(|d| d.resting_hr)
        .map(|v| (v, "file time_in_zone"))
        .or_else(|| a.hr_settings.resting_hr.map(|v| (v, "file user_profile")))
        .filter(|(v, _)| *v > 0)
}

/// The watch's threshold HR as the file states it.
pub fn file_lthr(a: &Activity, s: &Session) -> Option<(u8, &'static str)> {
    s.device_zones
        .as_ref()
        .and_then(|d| d.threshold_hr)
        .map(|v| (v, "file time_in_zone"))
        .or_else(|| a.hr_settings.threshold_hr.map(|v| (v, "file zones_target")))
        .filter(|(v, _)| *v >= 60)
}

/// The watch's own zone boundaries for a session: its `time_in_zone` message, else the
/// file's `hr_zone` messages.
pub fn file_zones(a: &Activity, s: &Session) -> Option<Zones> {
    if let Some(dz) = &s.device_zones {
        if dz.high_bounds_bpm.len() >= 2 {
            let src = format!(
                "file time_in_zone ({})",
                dz.hr_calc_type.unwrap_or("unknown basis")
            );
            if let Ok(z) = zones::zones_from_high_bounds(&dz.high_bounds_bpm, src) {
                return Some(z);
            }
        }
    }
    let mut hz = a.hr_settings.hr_zone_high_bpm.clone();
    if hz.len() >= 2 {
        hz.sort_by_key(|(i, _)| *i);
        hz.dedup_by_key(|(i, _)| *i);
        let bounds: Vec<u8> = hz.iter().map(|(_, b)| *b).collect();
        if let Ok(z) = zones::zones_from_high_bounds(&bounds, "file hr_zone messages".into()) {
            return Some(z);
        }
    }
    None
}

/// The zones to use for one session, by the rules in the module docs:
/// an explicit model wins; with no model, explicit bounds, then LTHR, then max HR from the
/// settings pick the model; with nothing configured, the watch's own zones, else % of the
/// file's max HR, else an error naming the flags to set.
pub fn resolve_zones(t: &Thresholds, a: &Activity, s: &Session) -> Result<Zones, ZoneError> {
    let pcts: Vec<f64> = t
        .percents
        .clone()
        .unwrap_or_else(|| DEFAULT_PCT_FLOORS.to_vec());
    let max = || -> Option<(u8, String)> {
        t.max_hr
            .map(|v| (v, "settings".to_string()))
            .or_else(|| file_max_hr(a, s).map(|(v, src)| (v, src.to_string())))
    };
    let model = match t.model {
        Some(m) => m,
        None if t.bounds.is_some() => ZoneModelKind::Custom,
        None if t.lthr.is_some() => ZoneModelKind::Lthr,
        None if t.max_hr.is_some() => ZoneModelKind::Hrmax,
        None => match file_zones(a, s) {
            Some(z) => return Ok(z),
            None => {
                let (m, src) = max().ok_or(ZoneError::NoZones)?;
                return Zones::hrmax(m, &pcts, &src);
            }
        },
    };
    match model {
        ZoneModelKind::File => file_zones(a, s).ok_or(ZoneError::Missing {
            model: "file",
            what: "zones written by the watch (time_in_zone or hr_zone messages), which this file lacks",
            flag: "--zones hrmax --max-hr N (or --lthr, --bounds)",
        }),
        ZoneModelKind::Hrmax => {
            let (m, src) = max().ok_or(ZoneError::Missing {
                model: "hrmax",
                what: "a max HR",
                flag: "--max-hr",
            })?;
            Zones::hrmax(m, &pcts, &src)
        }
        ZoneModelKind::Hrr => {
            let (m, _) = max().ok_or(ZoneError::Missing {
                model: "hrr",
                what: "a max HR",
                flag: "--max-hr",
            })?;
            let r = t
                .resting_hr
                .or_else(|| file_resting_hr(a, s).map(|x| x.0))
                .ok_or(ZoneError::Missing {
                    model: "hrr",
                    what: "a resting HR",
                    flag: "--resting-hr",
                })?;
            let src = if t.max_hr.is_some() { "settings" } else { "file" };
            Zones::hrr(m, r, &pcts, src)
        }
        ZoneModelKind::Lthr => {
            let (l, src) = t
                .lthr
                .map(|v| (v, "settings"))
                .or_else(|| file_lthr(a, s))
                .ok_or(ZoneError::Missing {
                    model: "lthr",
                    what: "a lactate-threshold HR",
                    flag: "--lthr",
                })?;
            Zones::lthr(l, src)
        }
        ZoneModelKind::Custom => {
            let b = t.bounds.clone().ok_or(ZoneError::Missing {
                model: "custom",
                what: "zone floors",
                flag: "--bounds 120,140,155,170,185",
            })?;
            Zones::from_floors(ZoneModelKind::Custom, b, "settings: explicit floors".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_changes_apply_from_their_day() {
        let p = AthleteProfile::from_toml(
            r#"
            sex = "male"
            max_hr = 190
            lthr = 170
            [[change]]
            from = 2024-03-01
            lthr = 175
            [[change]]
            from = "2025-01-10"
            max_hr = 186
            "#,
            Path::new("p.toml"),
        )
        .unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(p.at(d("2024-02-29")).lthr, Some(170));
        assert_eq!(p.at(d("2024-03-01")).lthr, Some(175));
        assert_eq!(p.at(d("2025-01-09")).max_hr, Some(190));
        assert_eq!(p.at(d("2025-01-10")).max_hr, Some(186));
        assert_eq!(p.at(d("2025-01-10")).lthr, Some(175));
        assert_eq!(p.at(None).lthr, Some(170));
        assert_eq!(p.base.sex, Some(Sex::Male));
    }

    #[test]
    fn unknown_keys_and_bad_numbers_are_refused() {
        let e = AthleteProfile::from_toml("maxhr = 190", Path::new("p.toml")).unwrap_err();
        assert!(e.to_string().contains("unknown key \"maxhr\""), "{e}");
        let e = AthleteProfile::from_toml("max_hr = 150\nresting_hr = 160", Path::new("p.toml"))
            .unwrap_err();
        assert!(e.to_string().contains("resting HR 160"), "{e}");
        let e =
            AthleteProfile::from_toml("[[change]]\nfrom = \"soon\"\nlthr = 1", Path::new("p.toml"))
                .unwrap_err();
        assert!(e.to_string().contains("bad date"), "{e}");
        // A dated change's values are checked like the base's (issue 17, item 11).
        let e = AthleteProfile::from_toml(
            "[[change]]\nfrom = 2024-01-01\nlthr = 1",
            Path::new("p.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("lthr 1 is outside 60..240"), "{e}");
        let e = AthleteProfile::from_toml("resting_hr = 0", Path::new("p.toml")).unwrap_err();
        assert!(
            e.to_string().contains("resting_hr 0 is outside 20..120"),
            "{e}"
        );
    }

    #[test]
    fn sport_sections_override_by_sport_and_date() {
        let p = AthleteProfile::from_toml(
            r#"
            max_hr = 190
            lthr = 170
            [[change]]
            from = 2024-06-01
            resting_hr = 50
            [sport.running]
            lthr = 172
            [[sport.running.change]]
            from = 2025-01-01
            lthr = 175
            max_hr = 188
            [sport.cycling]
            lthr = 160
            [sport.other]
            max_hr = 180
            "#,
            Path::new("p.toml"),
        )
        .unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let run24 = p.for_sport("running", d("2024-12-31"));
        assert_eq!(
            (run24.lthr, run24.max_hr, run24.resting_hr),
            (Some(172), Some(190), Some(50))
        );
        let run25 = p.for_sport("running", d("2025-01-01"));
        assert_eq!((run25.lthr, run25.max_hr), (Some(175), Some(188)));
        assert_eq!(p.for_sport("cycling", d("2025-01-01")).lthr, Some(160));
        // A sport without a section takes [sport.other]; the profile's own values below.
        let swim = p.for_sport("swimming", d("2024-01-01"));
        assert_eq!(
            (swim.max_hr, swim.lthr, swim.resting_hr),
            (Some(180), Some(170), None)
        );
        assert_eq!(
            p.origin("running", d("2025-02-01"), |t| t.lthr.is_some()),
            "profile [sport.running] (from 2025-01-01)"
        );
        assert_eq!(
            p.origin("running", d("2024-02-01"), |t| t.lthr.is_some()),
            "profile [sport.running]"
        );
        assert_eq!(
            p.origin("running", d("2024-07-01"), |t| t.resting_hr.is_some()),
            "profile (from 2024-06-01)"
        );
        assert_eq!(
            p.origin("swimming", d("2024-07-01"), |t| t.max_hr.is_some()),
            "profile [sport.other]"
        );
        // Without [sport.*] sections, the profile reads as before.
        let old = AthleteProfile::from_toml("lthr = 170", Path::new("p.toml")).unwrap();
        assert_eq!(old.for_sport("running", d("2025-01-01")).lthr, Some(170));
        for bad in [
            "[sport.runing]\nlthr = 170",
            "[sport.running]\nlthr_bpm = 170",
            "[[sport.running.change]]\nfrom = 2024-01-01\nmax = 1",
        ] {
            let e = AthleteProfile::from_toml(bad, Path::new("p.toml")).unwrap_err();
            assert!(e.to_string().contains("unknown"), "{bad}: {e}");
        }
    }

    #[test]
    fn flags_override_the_profile() {
        let base = Thresholds {
            max_hr: Some(190),
            lthr: Some(170),
            ..Default::default()
        };
        let flags = Thresholds {
            max_hr: Some(200),
            ..Default::default()
        };
        let t = base.overlay(&flags);
        assert_eq!(t.max_hr, Some(200));
        assert_eq!(t.lthr, Some(170));
    }
}
