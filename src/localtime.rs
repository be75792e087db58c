//! Local time: the calendar date and clock time a session started at where it was
//! recorded, and the `--since`/`--until` window in those dates.
//!
//! Why: days, ISO weeks, the PMC's daily buckets, `summary` periods and chart titles are
//! what a runner reads in local time — a 19:00 run in UTC−7 (02:00 UTC the next day)
//! belongs to the day it was run, as Garmin Connect, Strava and intervals.icu show it.
//!
//! Where the offset comes from, in this order:
//! 1. `--tz` (alias `--utc-offset`): a fixed offset (`+02:00`, `-7`, `UTC`) or an IANA
//!    zone name (`Europe/Paris`, daylight saving followed at each session's start);
//! 2. the file: the FIT `activity` message's `local_timestamp` minus its `timestamp`
//!    (the offset the watch was set to when the activity was saved);
//! 3. else UTC, and the row's `note` says so.
//!
//! This module never reads the clock of the machine except for relative window bounds
//! (`--since 7d`), whose "today" is taken in the `--tz` zone (UTC without one).

use std::str::FromStr;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone as _};

use crate::activity::{fit_to_unix_s, Activity, Session};

/// How a session's local time is found (`--tz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeZone {
    /// The offset written in the file; UTC when it has none (default).
    #[default]
    FromFile,
    /// One fixed offset for every session (`--tz +02:00`, `--tz UTC`).
    Fixed(FixedOffset),
    /// An IANA zone (`--tz Europe/Paris`): the offset in force at each session's start.
    Named(chrono_tz::Tz),
}

/// Where a session's offset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSource {
    /// The file's `activity.local_timestamp`.
    File,
    /// `--tz`.
    Flag,
    /// Neither: UTC was used.
    Unknown,
}

/// The UTC offset of one session's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalOffset {
    /// Local time minus UTC, s.
    pub seconds: i32,
    /// Where it came from.
    pub source: OffsetSource,
}

/// A bad `--tz`, `--since` or `--until` value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Neither an offset nor a zone name.
    #[error("bad UTC offset or time zone {0:?} (--tz): want +HH:MM, -HH:MM, +H or UTC within ±14 h, or an IANA name such as Europe/Paris or America/Denver")]
    BadZone(String),
    /// Not a date.
    #[error("{flag} {text:?}: want a date YYYY-MM-DD or a time back from today: 7d, 12w, 6m, 2y")]
    BadDate {
        /// The flag.
        flag: &'static str,
        /// What was given.
        text: String,
    },
    /// The window is empty.
    #[error("--since {since} is after --until {until}: no day is in between")]
    EmptyWindow {
        /// `--since`.
        since: NaiveDate,
        /// `--until`.
        until: NaiveDate,
    },
}

impl TimeZone {
    /// Parses `--tz`: `file` (the default), `UTC`/`Z`, `+02:00`, `-0530`, `+2`, or an IANA
    /// zone name (`Europe/Paris`).
    pub fn parse(text: &str) -> Result<TimeZone, TimeError> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("file") {
            return Ok(TimeZone::FromFile);
        }
        if let Some(off) = parse_fixed(t) {
            return Ok(TimeZone::Fixed(off));
        }
        chrono_tz::Tz::from_str(t)
            .map(TimeZone::Named)
            .map_err(|_| TimeError::BadZone(text.to_string()))
    }

    /// The offset for a session starting at `unix_s` whose file says `file_offset_s`.
    pub fn offset_at(&self, unix_s: i64, file_offset_s: Option<i32>) -> LocalOffset {
        match self {
            TimeZone::Fixed(off) => LocalOffset {
                seconds: off.local_minus_utc(),
                source: OffsetSource::Flag,
            },
            TimeZone::Named(tz) => LocalOffset {
                seconds: chrono::DateTime::from_timestamp(unix_s, 0)
                    .map(|d| tz.offset_from_utc_datetime(&d.naive_utc()).fix())
                    .map_or(0, |o| o.local_minus_utc()),
                source: OffsetSource::Flag,
            },
            TimeZone::FromFile => match file_offset_s {
                Some(s) => LocalOffset {
                    seconds: s,
                    source: OffsetSource::File,
                },
                None => LocalOffset {
                    seconds: 0,
                    source: OffsetSource::Unknown,
                },
            },
        }
    }

    /// Today's date in this zone (UTC for [`TimeZone::FromFile`]), for relative bounds.
    pub fn today(&self) -> NaiveDate {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        date_at(now, self.offset_at(now, None).seconds).unwrap_or_default()
    }
}

/// `UTC`, `Z`, `+02:00`, `-05:30`, `+0530`, `+2` (within ±14 h).
fn parse_fixed(t: &str) -> Option<FixedOffset> {
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("gmt")
    {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (h, m): (i32, i32) = match rest.split_once(':') {
        Some((h, m)) => (h.parse().ok()?, m.parse().ok()?),
        None if rest.len() <= 2 => (rest.parse().ok()?, 0),
        None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
        None => return None,
    };
    if m >= 60 || h * 60 + m > 14 * 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The local date of `unix_s` at `offset_s`.
pub fn date_at(unix_s: i64, offset_s: i32) -> Option<NaiveDate> {
    local_at(unix_s, offset_s).map(|d| d.date())
}

/// The local date and time of `unix_s` at `offset_s`.
pub fn local_at(unix_s: i64, offset_s: i32) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(unix_s.checked_add(offset_s as i64)?, 0).map(|d| d.naive_utc())
}

/// The offset of a session's local time; None when the file has no real dates.
pub fn session_offset(a: &Activity, s: &Session) -> Option<LocalOffset> {
    a.has_real_dates().then(|| {
        let unix = fit_to_unix_s(s.start_s as f64) as i64;
        a.time_zone.offset_at(unix, a.utc_offset_s)
    })
}

/// A session's local start, with its offset; None when the file has no real dates.
pub fn session_start(a: &Activity, s: &Session) -> Option<(NaiveDateTime, LocalOffset)> {
    let off = session_offset(a, s)?;
    let unix = fit_to_unix_s(s.start_s as f64) as i64;
    Some((local_at(unix, off.seconds)?, off))
}

/// The local date a session started; None when the file has no real dates.
pub fn session_date(a: &Activity, s: &Session) -> Option<NaiveDate> {
    session_start(a, s).map(|(d, _)| d.date())
}

/// The session start as RFC 3339 with its local offset (`2024-05-01T19:00:00-07:00`;
/// `Z` when the offset is unknown): the same instant as UTC, read as local time.
pub fn session_start_rfc3339(a: &Activity, s: &Session) -> Option<String> {
    let (local, off) = session_start(a, s)?;
    let fixed = FixedOffset::east_opt(off.seconds)?;
    let dt = local.and_local_timezone(fixed).single()?;
    Some(match off.source {
        OffsetSource::Unknown => dt
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        _ => dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// The row note for a session whose local time is UTC for want of an offset.
pub fn offset_note(a: &Activity, s: &Session) -> Option<String> {
    let off = session_offset(a, s)?;
    (off.source == OffsetSource::Unknown).then(|| {
        "no UTC offset in the file: dates are UTC dates (--tz ZONE to set one)".to_string()
    })
}

/// Which local dates to report (`--since`, `--until`, both inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateWindow {
    /// First day, inclusive.
    pub since: Option<NaiveDate>,
    /// Last day, inclusive.
    pub until: Option<NaiveDate>,
}

impl DateWindow {
    /// Builds the window from the flags' text; relative bounds count back from `today`.
    pub fn parse(
        since: Option<&str>,
        until: Option<&str>,
        today: NaiveDate,
    ) -> Result<DateWindow, TimeError> {
        let w = DateWindow {
            since: since
                .map(|t| parse_bound("--since", t, today))
                .transpose()?,
            until: until
                .map(|t| parse_bound("--until", t, today))
                .transpose()?,
        };
        if let (Some(since), Some(until)) = (w.since, w.until) {
            if since > until {
                return Err(TimeError::EmptyWindow { since, until });
            }
        }
        Ok(w)
    }

    /// True when no bound is set.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether a day is in the window. A session without a date is in it only when the
    /// window is unbounded (nothing says when it was).
    pub fn contains(&self, date: Option<NaiveDate>) -> bool {
        match date {
            Some(d) => self.since.is_none_or(|s| d >= s) && self.until.is_none_or(|u| d <= u),
            None => self.is_all(),
        }
    }

    /// Whether a session of `a` is in the window (by its local start date).
    pub fn contains_session(&self, a: &Activity, s: &Session) -> bool {
        self.is_all() || self.contains(session_date(a, s))
    }

    /// The window as words for messages: "2024-01-01 to 2024-03-31", "from 2024-01-01".
    pub fn describe(&self) -> String {
        match (self.since, self.until) {
            (Some(s), Some(u)) => format!("{s} to {u}"),
            (Some(s), None) => format!("from {s}"),
            (None, Some(u)) => format!("until {u}"),
            (None, None) => "all dates".to_string(),
        }
    }
}

/// `2024-03-01`, or a time back from `today`: `7d`, `12w`, `6m`, `2y`.
fn parse_bound(flag: &'static str, text: &str, today: NaiveDate) -> Result<NaiveDate, TimeError> {
    let bad = || TimeError::BadDate {
        flag,
        text: text.to_string(),
    };
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    let unit = t.chars().last().ok_or_else(bad)?;
    let n: u32 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let back = match unit.to_ascii_lowercase() {
        'd' => today.checked_sub_days(chrono::Days::new(n.into())),
        'w' => today.checked_sub_days(chrono::Days::new(u64::from(n) * 7)),
        'm' => today.checked_sub_months(chrono::Months::new(n)),
        'y' => n
            .checked_mul(12)
            .and_then(|m| today.checked_sub_months(chrono::Months::new(m))),
        _ => None,
    };
    back.filter(|d| d.year() >= 1).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn zones_parse() {
        let secs = |t: &str| match TimeZone::parse(t).unwrap() {
            TimeZone::Fixed(o) => Some(o.local_minus_utc()),
            _ => None,
        };
        assert_eq!(secs("UTC"), Some(0));
        assert_eq!(secs("+02:00"), Some(7200));
        assert_eq!(secs("-7"), Some(-25_200));
        assert_eq!(secs("+0530"), Some(19_800));
        assert_eq!(secs("-09:30"), Some(-34_200));
        assert_eq!(TimeZone::parse("file").unwrap(), TimeZone::FromFile);
        assert_eq!(
            TimeZone::parse("Europe/Paris").unwrap(),
            TimeZone::Named(chrono_tz::Europe::Paris)
        );
        for bad in ["+15:00", "+02:60", "Mars/Olympus", "", "2", "+1:2:3"] {
            assert!(TimeZone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_evening_run_west_of_greenwich_stays_on_its_day() {
        // 2024-05-01 19:00 at UTC−7 is 2024-05-02 02:00 UTC (Unix 1714615200).
        let unix = 1_714_615_200;
        let off = TimeZone::FromFile.offset_at(unix, Some(-25_200));
        assert_eq!(off.source, OffsetSource::File);
        assert_eq!(date_at(unix, off.seconds), Some(d(2024, 5, 1)));
        let unknown = TimeZone::FromFile.offset_at(unix, None);
        assert_eq!(unknown.source, OffsetSource::Unknown);
        assert_eq!(date_at(unix, unknown.seconds), Some(d(2024, 5, 2)));
        // A flag overrides the file.
        let flag = TimeZone::parse("+09:00")
            .unwrap()
            .offset_at(unix, Some(-25_200));
        assert_eq!((flag.seconds, flag.source), (32_400, OffsetSource::Flag));
    }

    #[test]
    fn a_named_zone_follows_daylight_saving() {
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        // 2024-03-30 23:30 UTC: winter time (+01:00), local 2024-03-31 00:30.
        let winter = paris.offset_at(1_711_841_400, None);
        assert_eq!(winter.seconds, 3600);
        // 2024-03-31 22:30 UTC: summer time (+02:00, from 01:00 UTC that day), local
        // 2024-04-01 00:30 — a fixed +01:00 would put it on March 31.
        let summer = paris.offset_at(1_711_924_200, None);
        assert_eq!(summer.seconds, 7200);
        assert_eq!(date_at(1_711_924_200, summer.seconds), Some(d(2024, 4, 1)));
        assert_eq!(date_at(1_711_924_200, 3600), Some(d(2024, 3, 31)));
    }

    #[test]
    fn windows_parse_dates_and_times_back_from_today() {
        let today = d(2024, 5, 31);
        let w = DateWindow::parse(Some("7d"), Some("2024-05-30"), today).unwrap();
        assert_eq!(w.since, Some(d(2024, 5, 24)));
        assert_eq!(w.until, Some(d(2024, 5, 30)));
        let w = DateWindow::parse(Some("12w"), None, today).unwrap();
        assert_eq!(w.since, Some(d(2024, 3, 8)));
        let w = DateWindow::parse(Some("1y"), Some("3m"), d(2025, 5, 31)).unwrap();
        assert_eq!(w.since, Some(d(2024, 5, 31)));
        assert_eq!(w.until, Some(d(2025, 2, 28)));
        assert!(matches!(
            DateWindow::parse(Some("2024-06-01"), Some("2024-05-01"), today),
            Err(TimeError::EmptyWindow { .. })
        ));
        for bad in ["yesterday", "7x", "d", "2024-13-01", "99999y", "-3d"] {
            assert!(DateWindow::parse(Some(bad), None, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_are_inclusive_and_drop_undated_sessions() {
        let w = DateWindow {
            since: Some(d(2024, 1, 1)),
            until: Some(d(2024, 1, 31)),
        };
        assert!(w.contains(Some(d(2024, 1, 1))));
        assert!(w.contains(Some(d(2024, 1, 31))));
        assert!(!w.contains(Some(d(2023, 12, 31))));
        assert!(!w.contains(Some(d(2024, 2, 1))));
        assert!(!w.contains(None));
        assert!(DateWindow::default().contains(None));
    }
}
