//! The store's tables in code: the columns and types that [`super`] documents, the
//! conversion of an [`Activity`] into rows for writing, and of rows back into an
//! [`Activity`] for reading.
//!
//! Missing values are nulls in Parquet (what polars, DuckDB and pandas expect) and the
//! decoder's sentinels in memory (`hr_bpm` 0, float NaN), so a round trip gives back the
//! decoder's columns bit for bit. Times are UTC datetimes in milliseconds; FIT seconds are
//! whole numbers, so they survive the trip exactly.

use std::ops::Range;

use polars::prelude::*;
use polars_arrow::array::Array as _;

use crate::activity::{Activity, DeviceZones, Interval, Samples, Session};
use crate::fit::decode::{FileId, HrSettings, RecoveryHrEvent};
use crate::fit::profile::{self, FIT_EPOCH_UNIX_S};
use crate::hr_seconds::HrSeconds;

/// Unix milliseconds of the FIT epoch (1989-12-31 00:00 UTC).
const EPOCH_MS: i64 = FIT_EPOCH_UNIX_S * 1000;

/// FIT seconds → Unix milliseconds.
pub(crate) fn fit_to_ms(t_s: u32) -> i64 {
    t_s as i64 * 1000 + EPOCH_MS
}

/// Fractional FIT seconds (timer intervals) → Unix milliseconds.
fn fit_f64_to_ms(t_s: f64) -> i64 {
    (t_s * 1000.0).round() as i64 + EPOCH_MS
}

/// Unix milliseconds → FIT seconds (clamped to the `u32` range the decoder produces).
fn ms_to_fit(ms: i64) -> u32 {
    // Saturating: a tampered store may hold any i64 (an overflow check would panic).
    ms.saturating_sub(EPOCH_MS)
        .div_euclid(1000)
        .clamp(0, u32::MAX as i64) as u32
}

/// The UTC year of FIT seconds: the partition a file's rows go to.
pub(crate) fn year_of(t_s: u32) -> i32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_millis(fit_to_ms(t_s))
        .map(|d| d.year())
        .unwrap_or(1989)
}

/// Column names, one place (the module docs of [`super`] list them with units).
pub(crate) mod col {
    pub const FILE_HASH: &str = "file_hash";
    pub const PATH: &str = "path";
    pub const SESSION: &str = "session";
    pub const TIME: &str = "time";
    pub const HR_BPM: &str = "hr_bpm";
    pub const DISTANCE_M: &str = "distance_m";
    pub const SPEED_MPS: &str = "speed_mps";
    pub const ALTITUDE_M: &str = "altitude_m";
    pub const CADENCE_RPM: &str = "cadence_rpm";
    pub const POWER_W: &str = "power_w";
    pub const START: &str = "start";
    pub const END: &str = "end";
}

/// The sample columns a reader wants; the others come back as NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SampleColumns {
    /// Time and heart rate only: what zones, hrTSS and TRIMP need (the fastest read).
    #[default]
    HeartRate,
    /// Every sample column.
    All,
}

impl SampleColumns {
    pub(crate) fn names(self) -> Vec<String> {
        let mut v = vec![
            col::FILE_HASH.to_string(),
            col::TIME.to_string(),
            col::HR_BPM.to_string(),
        ];
        if self == SampleColumns::All {
            v.extend(
                [
                    col::DISTANCE_M,
                    col::SPEED_MPS,
                    col::ALTITUDE_M,
                    col::CADENCE_RPM,
                    col::POWER_W,
                ]
                .map(String::from),
            );
        }
        v
    }
}

/// One `sessions` row, with the file-level values repeated on each session of the file.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
    pub file_hash: u64,
    pub path: String,
    pub session: Session,
    pub has_real_dates: bool,
    pub hr_settings: HrSettings,
    pub workout_names: Vec<String>,
    pub sport_names: Vec<String>,
    /// The session's heart rate as seconds per bpm (the `hr_seconds` table and the
    /// sessions' `hr_*` columns).
    pub hr: HrSeconds,
    pub utc_offset_s: Option<i32>,
}

/// One file's sample rows, in the decoder's representation (sentinels for missing
/// values, FIT seconds): [`super::encode::write_samples`] writes them as the `samples`
/// table without building a data frame or concatenating a part's files.
#[derive(Debug, Default)]
pub(crate) struct FileSamples {
    /// The file's hash: the `file_hash` of every row.
    pub file_hash: u64,
    /// Session index per sample; `u16::MAX` when the sample is outside every session.
    pub session: Vec<u16>,
    pub t_s: Vec<u32>,
    pub hr: Vec<u8>,
    pub dist: Vec<f64>,
    pub speed: Vec<f32>,
    pub alt: Vec<f32>,
    pub cad: Vec<f32>,
    pub power: Vec<f32>,
}

impl FileSamples {
    /// Number of sample rows.
    pub fn len(&self) -> usize {
        self.t_s.len()
    }
}

/// Rows for the `samples`, `sessions` and `timer` tables: of one file, or of many files
/// appended in order (a part being built). Samples stay per file, in the decoder's
/// representation, until they are written ([`FileSamples`]).
#[derive(Debug, Default)]
pub(crate) struct Rows {
    /// Each file's samples, in order.
    pub x: Vec<FileSamples>,
    pub sessions: Vec<SessionRow>,
    pub t_hash: Vec<u64>,
    pub t_start_ms: Vec<i64>,
    pub t_end_ms: Vec<i64>,
    pub h_hash: Vec<u64>,
    pub h_session: Vec<u32>,
    pub h_bpm: Vec<u8>,
    pub h_secs: Vec<f64>,
    pub h_samples: Vec<u32>,
}

impl Rows {
    /// The rows of one decoded file (its columns are moved, not copied).
    pub fn from_activity(a: Activity, file_hash: u64) -> Rows {
        let n = a.samples.len();
        let mut x_session = vec![u16::MAX; n];
        for s in &a.sessions {
            let idx = u16::try_from(s.index).unwrap_or(u16::MAX - 1);
            let end = s.samples.end.min(n);
            for slot in &mut x_session[s.samples.start.min(end)..end] {
                if *slot == u16::MAX {
                    *slot = idx;
                }
            }
        }
        let has_real_dates = a.has_real_dates();
        // Through the same timeline and HR rule as every analysis (crate::hr_seconds).
        let mut hr: Vec<HrSeconds> = a
            .sessions
            .iter()
            .map(|s| HrSeconds::of_session(&a, s))
            .collect();
        let (mut h_hash, mut h_session, mut h_bpm, mut h_secs, mut h_samples) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (s, h) in a.sessions.iter().zip(&hr) {
            h_hash.extend(std::iter::repeat_n(file_hash, h.bpm.len()));
            h_session.extend(std::iter::repeat_n(s.index as u32, h.bpm.len()));
            h_bpm.extend_from_slice(&h.bpm);
            h_secs.extend_from_slice(&h.secs);
            h_samples.extend_from_slice(&h.samples);
        }
        let utc_offset_s = a.utc_offset_s;
        let Activity {
            source,
            sessions,
            timer,
            samples,
            hr_settings,
            workout_names,
            sport_names,
            ..
        } = a;
        let session_rows = sessions
            .into_iter()
            .zip(hr.iter_mut())
            .map(|(session, hr)| SessionRow {
                file_hash,
                path: source.clone(),
                session,
                has_real_dates,
                hr_settings: hr_settings.clone(),
                workout_names: workout_names.clone(),
                sport_names: sport_names.clone(),
                // The bins are in the hr_seconds columns already.
                hr: HrSeconds {
                    bpm: Vec::new(),
                    secs: Vec::new(),
                    samples: Vec::new(),
                    ..std::mem::take(hr)
                },
                utc_offset_s,
            })
            .collect();
        Rows {
            x: vec![FileSamples {
                file_hash,
                session: x_session,
                t_s: samples.t_s,
                hr: samples.hr_bpm,
                dist: samples.distance_m,
                speed: samples.speed_mps,
                alt: samples.altitude_m,
                cad: samples.cadence_rpm,
                power: samples.power_w,
            }],
            sessions: session_rows,
            t_hash: vec![file_hash; timer.len()],
            t_start_ms: timer.iter().map(|iv| fit_f64_to_ms(iv.start_s)).collect(),
            t_end_ms: timer.iter().map(|iv| fit_f64_to_ms(iv.end_s)).collect(),
            h_hash,
            h_session,
            h_bpm,
            h_secs,
            h_samples,
        }
    }

    /// Number of sample rows.
    pub fn samples(&self) -> usize {
        self.x.iter().map(FileSamples::len).sum()
    }

    /// The rows of many files (a part) in order, each light column allocated once at its
    /// final size (appending file by file copied every column twice). The samples are not
    /// copied: they stay per file ([`Rows::x`]) and go to the writer as they are.
    pub fn concat(mut files: Vec<Rows>) -> Rows {
        // Each file's column is freed once copied: the part is in memory about once.
        fn cat<T: Copy>(files: &mut [Rows], f: impl Fn(&mut Rows) -> &mut Vec<T>) -> Vec<T> {
            let mut out = Vec::with_capacity(files.iter_mut().map(|r| f(r).len()).sum());
            for r in files {
                out.extend_from_slice(&std::mem::take(f(r)));
            }
            out
        }
        if files.len() == 1 {
            if let Some(one) = files.into_iter().next() {
                return one;
            }
            return Rows::default();
        }
        let mut out = Rows {
            x: Vec::with_capacity(files.iter().map(|r| r.x.len()).sum()),
            t_hash: cat(&mut files, |r| &mut r.t_hash),
            t_start_ms: cat(&mut files, |r| &mut r.t_start_ms),
            t_end_ms: cat(&mut files, |r| &mut r.t_end_ms),
            h_hash: cat(&mut files, |r| &mut r.h_hash),
            h_session: cat(&mut files, |r| &mut r.h_session),
            h_bpm: cat(&mut files, |r| &mut r.h_bpm),
            h_secs: cat(&mut files, |r| &mut r.h_secs),
            h_samples: cat(&mut files, |r| &mut r.h_samples),
            sessions: Vec::with_capacity(files.iter().map(|r| r.sessions.len()).sum()),
        };
        for r in files {
            out.x.extend(r.x);
            out.sessions.extend(r.sessions);
        }
        out
    }

    /// The tables as data frames: (samples, sessions, timer, hr_seconds). The ingest
    /// writes samples with [`Rows::into_parts`] instead; this frame is the reference its
    /// tests compare against.
    #[cfg(test)]
    pub fn into_frames(self) -> PolarsResult<(DataFrame, DataFrame, DataFrame, DataFrame)> {
        let (x, sessions, timer, hr_seconds) = self.into_parts()?;
        Ok((samples_frame(&x)?, sessions, timer, hr_seconds))
    }

    /// Each file's samples, and the other tables as data frames: (samples, sessions,
    /// timer, hr_seconds).
    pub fn into_parts(self) -> PolarsResult<(Vec<FileSamples>, DataFrame, DataFrame, DataFrame)> {
        let sessions = sessions_frame(&self.sessions)?;
        let timer = DataFrame::new_infer_height(vec![
            Column::new(col::FILE_HASH.into(), self.t_hash),
            datetime_col(col::START, self.t_start_ms)?,
            datetime_col(col::END, self.t_end_ms)?,
        ])?;
        let hr_seconds = DataFrame::new_infer_height(vec![
            Column::new(col::FILE_HASH.into(), self.h_hash),
            Column::new(col::SESSION.into(), self.h_session),
            Column::new(
                col::HR_BPM.into(),
                self.h_bpm.iter().map(|&h| h as u32).collect::<Vec<u32>>(),
            ),
            Column::new("seconds".into(), self.h_secs),
            Column::new("samples".into(), self.h_samples),
        ])?;
        Ok((self.x, sessions, timer, hr_seconds))
    }
}

/// The `samples` table of `files` as a data frame (NaN and the `hr_bpm` 0 and session
/// `u16::MAX` sentinels as nulls): its schema is the one
/// [`super::encode::write_samples`] writes, and in tests its values are the reference.
pub(crate) fn samples_frame(files: &[FileSamples]) -> PolarsResult<DataFrame> {
    fn cat<T: Copy>(files: &[FileSamples], f: impl Fn(&FileSamples) -> &[T]) -> Vec<T> {
        files.iter().flat_map(|x| f(x).iter().copied()).collect()
    }
    let session = cat(files, |x| &x.session);
    let hr = cat(files, |x| &x.hr);
    DataFrame::new_infer_height(vec![
        Column::new(
            col::FILE_HASH.into(),
            files
                .iter()
                .flat_map(|x| std::iter::repeat_n(x.file_hash, x.len()))
                .collect::<Vec<u64>>(),
        ),
        u32_col(
            col::SESSION,
            session.iter().map(|&s| s as u32).collect(),
            session.iter().map(|&s| s != u16::MAX),
        ),
        datetime_col(
            col::TIME,
            files
                .iter()
                .flat_map(|x| x.t_s.iter().map(|&t| fit_to_ms(t)))
                .collect(),
        )?,
        u32_col(
            col::HR_BPM,
            hr.iter().map(|&h| h as u32).collect(),
            hr.iter().map(|&h| h != 0),
        ),
        float_col::<Float64Type>(col::DISTANCE_M, cat(files, |x| &x.dist)),
        float_col::<Float32Type>(col::SPEED_MPS, cat(files, |x| &x.speed)),
        float_col::<Float32Type>(col::ALTITUDE_M, cat(files, |x| &x.alt)),
        float_col::<Float32Type>(col::CADENCE_RPM, cat(files, |x| &x.cad)),
        float_col::<Float32Type>(col::POWER_W, cat(files, |x| &x.power)),
    ])
}

/// A UTC datetime column. `into_datetime`, not a cast: this polars build has no
/// `timezones` feature, and its cast drops the zone.
fn datetime_col(name: &str, ms: Vec<i64>) -> PolarsResult<Column> {
    Ok(Int64Chunked::from_vec(name.into(), ms)
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        .into_series()
        .into())
}

/// A u32 column, null where `present` says false (see [`float_col`]).
fn u32_col(name: &str, v: Vec<u32>, present: impl Iterator<Item = bool>) -> Column {
    let present = BooleanChunked::from_iter_values("present".into(), present);
    let validity = match present.all() {
        true => None,
        false => present.downcast_iter().next().map(|a| a.values().clone()),
    };
    UInt32Chunked::from_vec_validity(name.into(), v, validity).into_column()
}

/// A float column with NaN (missing) as null. The values move into polars without a
/// copy and the validity is one bitmap, built only when something is missing: building
/// the column one `Option` at a time was 7 % of a cold ingest.
fn float_col<T>(name: &str, v: Vec<T::Native>) -> Column
where
    T: PolarsFloatType,
{
    // Only NaN is unordered with itself.
    let present = BooleanChunked::from_iter_values(
        "present".into(),
        v.iter().map(|x| x.partial_cmp(x).is_some()),
    );
    let validity = match present.all() {
        true => None,
        false => present.downcast_iter().next().map(|a| a.values().clone()),
    };
    ChunkedArray::<T>::from_vec_validity(name.into(), v, validity).into_column()
}

/// Integers narrower than 32 bits are stored as u32: Parquet stores them as INT32 either
/// way, and this polars build leaves out the 8- and 16-bit types to stay lean.
fn opt_u8(name: &str, v: impl Iterator<Item = Option<u8>>) -> Column {
    UInt32Chunked::from_iter_options(name.into(), v.map(|x| x.map(u32::from))).into_column()
}

fn opt_f64(name: &str, v: impl Iterator<Item = Option<f64>>) -> Column {
    Float64Chunked::from_iter_options(name.into(), v).into_column()
}

fn opt_str<'a>(name: &str, v: impl Iterator<Item = Option<&'a str>>) -> Column {
    StringChunked::from_iter_options(name.into(), v).into_column()
}

fn list_u8<'a>(name: &str, rows: impl ExactSizeIterator<Item = Option<&'a [u8]>>) -> Column {
    let mut b = ListPrimitiveChunkedBuilder::<UInt32Type>::new(
        name.into(),
        rows.len(),
        rows.len() * 8,
        DataType::UInt32,
    );
    for r in rows {
        match r {
            Some(v) => b.append_values_iter(v.iter().map(|&x| u32::from(x))),
            None => b.append_null(),
        }
    }
    b.finish().into_column()
}

fn list_u16<'a>(name: &str, rows: impl ExactSizeIterator<Item = &'a [u16]>) -> Column {
    let mut b = ListPrimitiveChunkedBuilder::<UInt32Type>::new(
        name.into(),
        rows.len(),
        rows.len() * 8,
        DataType::UInt32,
    );
    for r in rows {
        b.append_values_iter(r.iter().map(|&x| u32::from(x)));
    }
    b.finish().into_column()
}

fn list_f64<'a>(name: &str, rows: impl ExactSizeIterator<Item = Option<&'a [f64]>>) -> Column {
    let mut b = ListPrimitiveChunkedBuilder::<Float64Type>::new(
        name.into(),
        rows.len(),
        rows.len() * 8,
        DataType::Float64,
    );
    for r in rows {
        match r {
            Some(v) => b.append_slice(v),
            None => b.append_null(),
        }
    }
    b.finish().into_column()
}

fn list_str<'a>(name: &str, rows: impl ExactSizeIterator<Item = &'a [String]>) -> Column {
    let mut b = ListStringChunkedBuilder::new(name.into(), rows.len(), rows.len() * 2);
    for r in rows {
        b.append_values_iter(r.iter().map(String::as_str));
    }
    b.finish().into_column()
}

fn sessions_frame(rows: &[SessionRow]) -> PolarsResult<DataFrame> {
    let s = || rows.iter().map(|r| &r.session);
    let dz = || rows.iter().map(|r| r.session.device_zones.as_ref());
    let hs = || rows.iter().map(|r| &r.hr_settings);
    let zone_pairs: Vec<(Vec<u16>, Vec<u8>)> = rows
        .iter()
        .map(|r| r.hr_settings.hr_zone_high_bpm.iter().copied().unzip())
        .collect();
    DataFrame::new_infer_height(vec![
        Column::new(
            col::FILE_HASH.into(),
            rows.iter().map(|r| r.file_hash).collect::<Vec<_>>(),
        ),
        Column::new(
            col::PATH.into(),
            rows.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            col::SESSION.into(),
            s().map(|s| s.index as u32).collect::<Vec<_>>(),
        ),
        Column::new(
            "sport".into(),
            s().map(|s| s.sport_name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sub_sport".into(),
            s().map(|s| s.sub_sport_name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sport_id".into(),
            s().map(|s| u32::from(s.sport)).collect::<Vec<_>>(),
        ),
        Column::new(
            "sub_sport_id".into(),
            s().map(|s| u32::from(s.sub_sport)).collect::<Vec<_>>(),
        ),
        opt_str(
            "sport_profile_name",
            s().map(|s| s.sport_profile_name.as_deref()),
        ),
        datetime_col(col::START, s().map(|s| fit_to_ms(s.start_s)).collect())?,
        datetime_col(col::END, s().map(|s| fit_to_ms(s.end_s)).collect())?,
        Column::new(
            "has_real_dates".into(),
            rows.iter().map(|r| r.has_real_dates).collect::<Vec<_>>(),
        ),
        Column::new("timer_s".into(), s().map(|s| s.timer_s).collect::<Vec<_>>()),
        Column::new(
            "elapsed_s".into(),
            s().map(|s| s.elapsed_s).collect::<Vec<_>>(),
        ),
        opt_f64("distance_m", s().map(|s| s.distance_m)),
        opt_u8("avg_hr_bpm", s().map(|s| s.avg_hr)),
        opt_u8("max_hr_bpm", s().map(|s| s.max_hr)),
        opt_f64(
            "training_stress_score",
            s().map(|s| s.training_stress_score),
        ),
        opt_f64(
            "total_training_effect",
            s().map(|s| s.total_training_effect),
        ),
        Column::new(
            "synthesized".into(),
            s().map(|s| s.synthesized).collect::<Vec<_>>(),
        ),
        Column::new(
            "sample_first".into(),
            s().map(|s| s.samples.start as u32).collect::<Vec<_>>(),
        ),
        Column::new(
            "sample_count".into(),
            s().map(|s| s.samples.len() as u32).collect::<Vec<_>>(),
        ),
        list_f64("device_zone_s", dz().map(|d| d.map(|d| d.secs.as_slice()))),
        list_u8(
            "device_zone_high_bpm",
            dz().map(|d| d.map(|d| d.high_bounds_bpm.as_slice())),
        ),
        opt_str(
            "device_hr_calc_type",
            dz().map(|d| d.and_then(|d| d.hr_calc_type)),
        ),
        opt_u8("device_max_hr_bpm", dz().map(|d| d.and_then(|d| d.max_hr))),
        opt_u8(
            "device_resting_hr_bpm",
            dz().map(|d| d.and_then(|d| d.resting_hr)),
        ),
        opt_u8(
            "device_threshold_hr_bpm",
            dz().map(|d| d.and_then(|d| d.threshold_hr)),
        ),
        opt_u8("file_max_hr_bpm", hs().map(|h| h.max_hr)),
        opt_u8("file_threshold_hr_bpm", hs().map(|h| h.threshold_hr)),
        opt_u8("file_hr_calc_type", hs().map(|h| h.hr_calc_type)),
        opt_u8("file_resting_hr_bpm", hs().map(|h| h.resting_hr)),
        opt_u8("file_max_running_hr_bpm", hs().map(|h| h.max_running_hr)),
        opt_u8("file_default_max_hr_bpm", hs().map(|h| h.default_max_hr)),
        opt_u8("file_gender", hs().map(|h| h.gender)),
        list_u16(
            "file_hr_zone_index",
            zone_pairs.iter().map(|p| p.0.as_slice()),
        ),
        list_u8(
            "file_hr_zone_high_bpm",
            zone_pairs.iter().map(|p| Some(p.1.as_slice())),
        ),
        list_str(
            "workout_names",
            rows.iter().map(|r| r.workout_names.as_slice()),
        ),
        list_str("sport_names", rows.iter().map(|r| r.sport_names.as_slice())),
        // What the timeline corrected (crate::timeline), one phrase each.
        list_str("timeline_notes", s().map(|s| s.timeline_notes.as_slice())),
        // The watch's own heart-rate recovery (FIT event recovery_hr): bpm, and when,
        // in seconds after the session's start.
        opt_u8(
            "watch_recovery_hr_bpm",
            s().map(|s| s.watch_recovery_hr.map(|e| e.bpm)),
        ),
        UInt32Chunked::from_iter_options(
            "watch_recovery_hr_offset_s".into(),
            s().map(|s| s.watch_recovery_hr.map(|e| e.t_s.saturating_sub(s.start_s))),
        )
        .into_column(),
        // The session's heart rate before and after the HR rule at the physiological cap
        // (crate::hr_seconds): with the hr_seconds table, what zones and load need.
        Column::new(
            "hr_samples".into(),
            rows.iter().map(|r| r.hr.hr_samples).collect::<Vec<_>>(),
        ),
        opt_u8(
            "hr_max_raw_bpm",
            rows.iter()
                .map(|r| Some(r.hr.raw_max_bpm).filter(|&m| m > 0)),
        ),
        Column::new(
            "hr_bridged".into(),
            rows.iter().map(|r| r.hr.bridged).collect::<Vec<_>>(),
        ),
        Column::new(
            "hr_excluded_samples".into(),
            rows.iter().map(|r| r.hr.excluded_high).collect::<Vec<_>>(),
        ),
        Column::new(
            "hr_excluded_s".into(),
            rows.iter().map(|r| r.hr.excluded_s).collect::<Vec<_>>(),
        ),
        // The file's UTC offset (activity.local_timestamp − timestamp), s: local dates.
        Int32Chunked::from_iter_options("utc_offset_s".into(), rows.iter().map(|r| r.utc_offset_s))
            .into_column(),
    ])
}

// ---------------------------------------------------------------------------------------
// Reading

/// Sample columns of a part, converted once to the decoder's representation.
#[derive(Debug, Default)]
pub(crate) struct PartSamples {
    /// Each file's rows (from the `file_hash` column), to check the `files` table's
    /// offsets against.
    pub rows_of: Runs,
    pub t_s: Vec<u32>,
    pub hr_bpm: Vec<u8>,
    pub distance_m: Option<Vec<f64>>,
    pub speed_mps: Option<Vec<f32>>,
    pub altitude_m: Option<Vec<f32>>,
    pub cadence_rpm: Option<Vec<f32>>,
    pub power_w: Option<Vec<f32>>,
}

/// The `hr_bpm` column as the decoder's u8 (0 = no value). A value above 255 cannot come
/// from a FIT file: the store was altered, and clamping would give a wrong number.
fn hr_or_zero(c: &Column) -> PolarsResult<Vec<u8>> {
    let ca = c.u32()?;
    if let Some(max) = ca.max().filter(|&m| m > 255) {
        polars_bail!(ComputeError: "hr_bpm holds {max}, above 255: not written by hrzones");
    }
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let narrow = |&v: &u32| v as u8;
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => out.extend(arr.values().iter().map(narrow)),
            Some(valid) => out.extend(arr.values().iter().zip(valid.iter()).map(|(v, ok)| {
                if ok {
                    narrow(v)
                } else {
                    0
                }
            })),
        }
    }
    Ok(out)
}

fn f64_or_nan(c: &Column) -> PolarsResult<Vec<f64>> {
    Ok(floats_or_nan(c.f64()?, f64::NAN))
}

fn f32_or_nan(c: &Column) -> PolarsResult<Vec<f32>> {
    Ok(floats_or_nan(c.f32()?, f32::NAN))
}

/// A float column's values with nulls as `nan` (the inverse of [`float_col`]).
fn floats_or_nan<T: PolarsFloatType>(ca: &ChunkedArray<T>, nan: T::Native) -> Vec<T::Native> {
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => out.extend_from_slice(arr.values()),
            Some(valid) => {
                out.extend(
                    arr.values()
                        .iter()
                        .zip(valid.iter())
                        .map(|(&v, ok)| if ok { v } else { nan }),
                )
            }
        }
    }
    out
}

fn fit_seconds(c: &Column) -> PolarsResult<Vec<u32>> {
    let ca = c.datetime()?.physical();
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        out.extend(arr.values().iter().map(|&ms| ms_to_fit(ms)));
    }
    Ok(out)
}

impl PartSamples {
    /// Converts the `samples` frame of a part (with the columns `cols` asks for).
    pub fn from_frame(df: &DataFrame, cols: SampleColumns) -> PolarsResult<PartSamples> {
        let all = cols == SampleColumns::All;
        let opt64 = |name: &str| -> PolarsResult<Option<Vec<f64>>> {
            if all {
                f64_or_nan(df.column(name)?).map(Some)
            } else {
                Ok(None)
            }
        };
        let opt32 = |name: &str| -> PolarsResult<Option<Vec<f32>>> {
            if all {
                f32_or_nan(df.column(name)?).map(Some)
            } else {
                Ok(None)
            }
        };
        let hashes: Vec<u64> = df
            .column(col::FILE_HASH)?
            .u64()?
            .iter()
            .map(|h| h.unwrap_or(0))
            .collect();
        Ok(PartSamples {
            rows_of: runs(&hashes),
            t_s: fit_seconds(df.column(col::TIME)?)?,
            hr_bpm: hr_or_zero(df.column(col::HR_BPM)?)?,
            distance_m: opt64(col::DISTANCE_M)?,
            speed_mps: opt32(col::SPEED_MPS)?,
            altitude_m: opt32(col::ALTITUDE_M)?,
            cadence_rpm: opt32(col::CADENCE_RPM)?,
            power_w: opt32(col::POWER_W)?,
        })
    }

    /// The rows `r` as an activity's sample columns (NaN for columns not read).
    pub fn slice(&self, r: Range<usize>) -> Option<Samples> {
        let n = r.len();
        let f64s = |v: &Option<Vec<f64>>| match v {
            Some(v) => v.get(r.clone()).map(<[f64]>::to_vec),
            None => Some(vec![f64::NAN; n]),
        };
        let f32s = |v: &Option<Vec<f32>>| match v {
            Some(v) => v.get(r.clone()).map(<[f32]>::to_vec),
            None => Some(vec![f32::NAN; n]),
        };
        Some(Samples {
            t_s: self.t_s.get(r.clone())?.to_vec(),
            hr_bpm: self.hr_bpm.get(r.clone())?.to_vec(),
            distance_m: f64s(&self.distance_m)?,
            speed_mps: f32s(&self.speed_mps)?,
            altitude_m: f32s(&self.altitude_m)?,
            cadence_rpm: f32s(&self.cadence_rpm)?,
            power_w: f32s(&self.power_w)?,
        })
    }
}

/// The `sessions` rows of a part (or of the store's light copy), parsed once, column by
/// column.
pub(crate) struct PartSessions {
    /// `file_hash` of each row.
    pub hash: Vec<u64>,
    /// Each row as a session (its `samples` the rows among the file's samples).
    sessions: Vec<Session>,
    /// Each row's HR-seconds scalars (bins empty); None in a part written before the
    /// `hr_seconds` table.
    hr: Vec<Option<HrSeconds>>,
    /// The file-level values on each row.
    levels: Vec<FileLevel>,
}

/// The `timer` rows of a part.
pub(crate) struct PartTimer {
    pub hash: Vec<u64>,
    pub start_s: Vec<f64>,
    pub end_s: Vec<f64>,
}

fn ms_to_fit_f64(ms: i64) -> f64 {
    ms.saturating_sub(EPOCH_MS) as f64 / 1000.0
}

impl PartTimer {
    pub fn from_frame(df: &DataFrame) -> PolarsResult<PartTimer> {
        let hash: Vec<u64> = df
            .column(col::FILE_HASH)?
            .u64()?
            .into_no_null_iter()
            .collect();
        let conv = |name: &str| -> PolarsResult<Vec<f64>> {
            Ok(df
                .column(name)?
                .datetime()?
                .physical()
                .into_no_null_iter()
                .map(ms_to_fit_f64)
                .collect())
        };
        Ok(PartTimer {
            hash,
            start_s: conv(col::START)?,
            end_s: conv(col::END)?,
        })
    }

    /// Timer intervals of the rows `r`.
    pub fn intervals(&self, r: Range<usize>) -> Vec<Interval> {
        r.filter_map(|i| {
            Some(Interval {
                start_s: *self.start_s.get(i)?,
                end_s: *self.end_s.get(i)?,
            })
        })
        .collect()
    }
}

/// Ranges of consecutive equal values: rows of one file are written together.
pub(crate) fn runs(hashes: &[u64]) -> Runs {
    runs_in(hashes, 0..hashes.len())
}

/// Each file's rows in a table, by its `file_hash`.
pub(crate) type Runs =
    std::collections::HashMap<u64, Range<usize>, std::hash::BuildHasherDefault<FileHashHasher>>;

/// Hashes a `file_hash` by itself: it is already an xxh3 of the file's bytes (SipHash of
/// it was a tenth of finding every file's rows in a store's light copy).
#[derive(Default)]
pub(crate) struct FileHashHasher(u64);

impl std::hash::Hasher for FileHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// [`runs`] of the rows `within` (row numbers stay those of `hashes`).
pub(crate) fn runs_in(hashes: &[u64], within: Range<usize>) -> Runs {
    let base = within.start;
    let hashes = hashes.get(within).unwrap_or(&[]);
    let mut out = Runs::default();
    let mut i = 0;
    while i < hashes.len() {
        let h = hashes[i];
        let mut j = i + 1;
        while j < hashes.len() && hashes[j] == h {
            j += 1;
        }
        out.entry(h).or_insert(base + i..base + j);
        i = j;
    }
    out
}

/// `hr_calc_type` names are `&'static str` in [`DeviceZones`]; find the static one.
fn static_calc_type(name: &str) -> Option<&'static str> {
    (0..=u8::MAX)
        .map(profile::hr_calc_type_name)
        .find(|n| *n == name)
}

/// File-level values stored on each session row.
#[derive(Clone)]
pub(crate) struct FileLevel {
    pub hr_settings: HrSettings,
    pub workout_names: Vec<String>,
    pub sport_names: Vec<String>,
    pub utc_offset_s: Option<i32>,
}

impl PartSessions {
    /// Parses every row of a `sessions` table; an error for a table not written by
    /// hrzones (a missing column, a value out of range).
    pub fn from_frame(df: DataFrame) -> PolarsResult<PartSessions> {
        let n = df.height();
        let c = |name: &str| df.column(name);
        // A column added after the first stores: absent is all nulls.
        let opt = |name: &str| df.column(name).ok();
        let hash: Vec<u64> = c(col::FILE_HASH)?.u64()?.into_no_null_iter().collect();
        let u32s =
            |name: &str| -> PolarsResult<Vec<Option<u32>>> { Ok(c(name)?.u32()?.iter().collect()) };
        let opt_u32s = |name: &str| -> PolarsResult<Vec<Option<u32>>> {
            match opt(name) {
                Some(col) => Ok(col.u32()?.iter().collect()),
                None => Ok(vec![None; n]),
            }
        };
        let u8s_of = |name: &str, v: Vec<Option<u32>>| -> PolarsResult<Vec<Option<u8>>> {
            v.into_iter()
                .enumerate()
                .map(|(i, x)| match x {
                    Some(x) => u8::try_from(x).map(Some).map_err(
                        |_| polars_err!(ComputeError: "{name} row {i} holds {x}, above 255: not written by hrzones"),
                    ),
                    None => Ok(None),
                })
                .collect()
        };
        let u8col = |name: &str| u8s_of(name, u32s(name)?);
        let opt_u8col = |name: &str| u8s_of(name, opt_u32s(name)?);
        let f64col =
            |name: &str| -> PolarsResult<Vec<Option<f64>>> { Ok(c(name)?.f64()?.iter().collect()) };
        let strcol = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            Ok(c(name)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect())
        };
        let ms = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
            Ok(c(name)?.datetime()?.physical().iter().collect())
        };
        let lists = |col: Option<&Column>| -> PolarsResult<Vec<Option<Vec<String>>>> {
            match col {
                Some(col) => list_rows(col, &list_strs),
                None => Ok(vec![None; n]),
            }
        };
        let index = u32s(col::SESSION)?;
        let sport = u32s("sport_id")?;
        let sub_sport = u32s("sub_sport_id")?;
        let profile_name = strcol("sport_profile_name")?;
        let start = ms(col::START)?;
        let end = ms(col::END)?;
        let timer = f64col("timer_s")?;
        let elapsed = f64col("elapsed_s")?;
        let distance = f64col("distance_m")?;
        let avg_hr = u8col("avg_hr_bpm")?;
        let max_hr = u8col("max_hr_bpm")?;
        let tss = f64col("training_stress_score")?;
        let te = f64col("total_training_effect")?;
        let synthesized: Vec<Option<bool>> = c("synthesized")?.bool()?.iter().collect();
        let first = u32s("sample_first")?;
        let count = u32s("sample_count")?;
        let dz_secs = list_rows(c("device_zone_s")?, &list_f64s)?;
        let dz_high = list_rows(c("device_zone_high_bpm")?, &list_u8s)?;
        let dz_calc = strcol("device_hr_calc_type")?;
        let dz_max = u8col("device_max_hr_bpm")?;
        let dz_rest = u8col("device_resting_hr_bpm")?;
        let dz_thr = u8col("device_threshold_hr_bpm")?;
        let notes = lists(opt("timeline_notes"))?;
        let rec_bpm = opt_u8col("watch_recovery_hr_bpm")?;
        let rec_off = opt_u32s("watch_recovery_hr_offset_s")?;
        let mut sessions = Vec::with_capacity(n);
        for i in 0..n {
            let missing = |name: &str| polars_err!(ComputeError: "sessions row {i} has no {name}");
            let req = |v: &[Option<u32>], name: &str| v[i].ok_or_else(|| missing(name));
            let first_i = req(&first, "sample_first")? as usize;
            let Some(last) = first_i.checked_add(req(&count, "sample_count")? as usize) else {
                polars_bail!(ComputeError: "sessions row {i}: sample_first + sample_count overflows");
            };
            let start_s = start[i].map(ms_to_fit);
            let device_zones = dz_secs[i].clone().map(|secs| DeviceZones {
                secs,
                high_bounds_bpm: dz_high[i].clone().unwrap_or_default(),
                hr_calc_type: dz_calc[i].as_deref().and_then(static_calc_type),
                max_hr: dz_max[i],
                resting_hr: dz_rest[i],
                threshold_hr: dz_thr[i],
            });
            sessions.push(Session {
                index: req(&index, col::SESSION)? as usize,
                sport: req(&sport, "sport_id")? as u8,
                sub_sport: req(&sub_sport, "sub_sport_id")? as u8,
                sport_profile_name: profile_name[i].clone(),
                start_s: start_s.unwrap_or(0),
                end_s: end[i].map(ms_to_fit).unwrap_or(0),
                timer_s: timer[i].unwrap_or(0.0),
                elapsed_s: elapsed[i].unwrap_or(0.0),
                distance_m: distance[i],
                avg_hr: avg_hr[i],
                max_hr: max_hr[i],
                training_stress_score: tss[i],
                total_training_effect: te[i],
                device_zones,
                samples: first_i..last,
                synthesized: synthesized[i].unwrap_or(false),
                // Absent from stores written before the timeline stage.
                timeline_notes: notes[i].clone().unwrap_or_default(),
                // Absent from stores written before the watch's recovery HR was read.
                watch_recovery_hr: match (rec_bpm[i], rec_off[i], start_s) {
                    (Some(bpm), Some(off), Some(st)) => Some(RecoveryHrEvent {
                        t_s: st.saturating_add(off),
                        bpm,
                    }),
                    _ => None,
                },
            });
        }
        // Absent from parts written before the hr_seconds table.
        let hr = match opt("hr_samples") {
            None => vec![None; n],
            Some(samples) => {
                let samples: Vec<Option<u32>> = samples.u32()?.iter().collect();
                let raw_max = opt_u8col("hr_max_raw_bpm")?;
                let bridged = opt_u32s("hr_bridged")?;
                let excluded = opt_u32s("hr_excluded_samples")?;
                let excluded_s: Vec<Option<f64>> = match opt("hr_excluded_s") {
                    Some(col) => col.f64()?.iter().collect(),
                    None => vec![None; n],
                };
                (0..n)
                    .map(|i| {
                        Some(HrSeconds {
                            hr_samples: samples[i].unwrap_or(0),
                            raw_max_bpm: raw_max[i].unwrap_or(0),
                            bridged: bridged[i].unwrap_or(0),
                            excluded_high: excluded[i].unwrap_or(0),
                            excluded_s: excluded_s[i].unwrap_or(0.0),
                            ..Default::default()
                        })
                    })
                    .collect()
            }
        };
        let zone_index = list_rows(c("file_hr_zone_index")?, &list_u16s)?;
        let zone_high = list_rows(c("file_hr_zone_high_bpm")?, &list_u8s)?;
        let workouts = lists(Some(c("workout_names")?))?;
        let sports = lists(Some(c("sport_names")?))?;
        let file_max = u8col("file_max_hr_bpm")?;
        let file_thr = u8col("file_threshold_hr_bpm")?;
        let file_calc = u8col("file_hr_calc_type")?;
        let file_rest = u8col("file_resting_hr_bpm")?;
        let file_run_max = u8col("file_max_running_hr_bpm")?;
        let file_def_max = u8col("file_default_max_hr_bpm")?;
        let file_gender = u8col("file_gender")?;
        // Absent from stores written before local time was kept: UTC, with the note.
        let offsets: Vec<Option<i32>> = match opt("utc_offset_s") {
            Some(col) => col.i32()?.iter().collect(),
            None => vec![None; n],
        };
        let mut levels = Vec::with_capacity(n);
        let (mut zone_index, mut zone_high, mut workouts, mut sports) =
            (zone_index, zone_high, workouts, sports);
        for i in 0..n {
            let idx = zone_index[i].take().unwrap_or_default();
            let high = zone_high[i].take().unwrap_or_default();
            levels.push(FileLevel {
                hr_settings: HrSettings {
                    max_hr: file_max[i],
                    threshold_hr: file_thr[i],
                    hr_calc_type: file_calc[i],
                    resting_hr: file_rest[i],
                    max_running_hr: file_run_max[i],
                    default_max_hr: file_def_max[i],
                    gender: file_gender[i],
                    hr_zone_high_bpm: idx.into_iter().zip(high).collect(),
                },
                workout_names: workouts[i].take().unwrap_or_default(),
                sport_names: sports[i].take().unwrap_or_default(),
                utc_offset_s: offsets[i],
            });
        }
        Ok(PartSessions {
            hash,
            sessions,
            hr,
            levels,
        })
    }

    /// Session row `i`.
    pub fn session(&self, i: usize) -> PolarsResult<Session> {
        self.sessions
            .get(i)
            .cloned()
            .ok_or_else(|| polars_err!(ComputeError: "no sessions row {i}"))
    }

    /// The HR-seconds scalars of session row `i` (bins empty); None for a part written
    /// before the `hr_seconds` table.
    pub fn hr_stats(&self, i: usize) -> PolarsResult<Option<HrSeconds>> {
        Ok(self.hr.get(i).cloned().flatten())
    }

    /// The file-level values stored on session row `i`.
    pub fn file_level(&self, i: usize) -> PolarsResult<FileLevel> {
        self.levels
            .get(i)
            .cloned()
            .ok_or_else(|| polars_err!(ComputeError: "no sessions row {i}"))
    }
}

/// Turns a list's values (the list column's values array, the row's range in it) into a
/// row's value.
pub(crate) type ListValues<T> =
    dyn Fn(&dyn polars_arrow::array::Array, Range<usize>) -> PolarsResult<T>;

/// Each row of a list column through `f` (None for a null list), from the arrow
/// arrays' offsets and values directly: a series per row cost microseconds, most of
/// parsing a store's sessions.
pub(crate) fn list_rows<T>(c: &Column, f: &ListValues<T>) -> PolarsResult<Vec<Option<T>>> {
    let ca = c.list()?;
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let offsets = arr.offsets().buffer();
        let values = arr.values().as_ref();
        for i in 0..arr.len() {
            if !arr.is_valid(i) {
                out.push(None);
                continue;
            }
            let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
            out.push(Some(f(values, a..b)?));
        }
    }
    Ok(out)
}

/// The values `r` of a list's u32 (or narrower) values, as `u8`s (saturating).
fn list_u8s(values: &dyn polars_arrow::array::Array, r: Range<usize>) -> PolarsResult<Vec<u8>> {
    Ok(prim::<u32>(values)?[r]
        .iter()
        .map(|&v| v.min(255) as u8)
        .collect())
}

fn list_u16s(values: &dyn polars_arrow::array::Array, r: Range<usize>) -> PolarsResult<Vec<u16>> {
    Ok(prim::<u32>(values)?[r]
        .iter()
        .map(|&v| v.min(u16::MAX as u32) as u16)
        .collect())
}

fn list_f64s(values: &dyn polars_arrow::array::Array, r: Range<usize>) -> PolarsResult<Vec<f64>> {
    let a = values
        .as_any()
        .downcast_ref::<polars_arrow::array::PrimitiveArray<f64>>()
        .ok_or_else(|| polars_err!(ComputeError: "a list of f64 holds {:?}", values.dtype()))?;
    Ok(r.map(|i| if a.is_valid(i) { a.value(i) } else { 0.0 })
        .collect())
}

pub(crate) fn list_strs(
    values: &dyn polars_arrow::array::Array,
    r: Range<usize>,
) -> PolarsResult<Vec<String>> {
    let a = values
        .as_any()
        .downcast_ref::<polars_arrow::array::Utf8ViewArray>()
        .ok_or_else(|| polars_err!(ComputeError: "a list of strings holds {:?}", values.dtype()))?;
    Ok(r.filter(|&i| a.is_valid(i))
        .map(|i| a.value(i).to_string())
        .collect())
}

/// The values of a primitive arrow array (nulls read as whatever the buffer holds: the
/// lists written here have none).
fn prim<T: polars_arrow::types::NativeType>(
    values: &dyn polars_arrow::array::Array,
) -> PolarsResult<&[T]> {
    values
        .as_any()
        .downcast_ref::<polars_arrow::array::PrimitiveArray<T>>()
        .map(|a| a.values().as_slice())
        .ok_or_else(|| polars_err!(ComputeError: "a list holds {:?}", values.dtype()))
}

/// A numeric column's values with nulls as `null`, in one pass per chunk.
fn values_or<T>(c: &Column, null: T::Native) -> PolarsResult<Vec<T::Native>>
where
    T: PolarsNumericType,
{
    let ca = c.as_materialized_series().unpack::<T>()?;
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => out.extend_from_slice(arr.values().as_slice()),
            Some(valid) => {
                out.extend(
                    arr.values()
                        .iter()
                        .zip(valid.iter())
                        .map(|(&v, ok)| if ok { v } else { null }),
                )
            }
        }
    }
    Ok(out)
}

/// The `hr_seconds` rows of a part (or of the store's light copy): one per (file,
/// session, bpm).
#[derive(Debug, Default)]
pub(crate) struct PartHrSeconds {
    pub hash: Values<u64>,
    pub session: Values<u32>,
    pub bpm: Vec<u8>,
    pub secs: Values<f64>,
    pub samples: Values<u32>,
}

/// A numeric column's values (nulls as a given value), borrowed from the Arrow array the
/// reader made when it is one chunk without nulls: the `hr_seconds` table is most of the
/// light copy's bytes, and a copy of each column was a fifth of the pages a re-zone
/// touched.
#[derive(Debug, Default)]
pub(crate) struct Values<T: polars_arrow::types::NativeType>(
    polars_arrow::array::PrimitiveArray<T>,
);

impl<T: polars_arrow::types::NativeType> std::ops::Deref for Values<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.values().as_slice()
    }
}

impl<T: polars_arrow::types::NativeType> Values<T> {
    fn of<P>(c: &Column, null: T) -> PolarsResult<Values<T>>
    where
        P: PolarsNumericType<Native = T>,
    {
        let ca = c.as_materialized_series().unpack::<P>()?;
        if ca.chunks().len() == 1 && ca.null_count() == 0 {
            if let Some(arr) = ca.downcast_iter().next() {
                return Ok(Values(arr.clone()));
            }
        }
        Ok(Values(polars_arrow::array::PrimitiveArray::from_vec(
            values_or::<P>(c, null)?,
        )))
    }
}

impl PartHrSeconds {
    pub fn from_frame(df: &DataFrame) -> PolarsResult<PartHrSeconds> {
        let mut bpm = Vec::with_capacity(df.height());
        let ca = df
            .column(col::HR_BPM)?
            .as_materialized_series()
            .u32()?
            .clone();
        for arr in ca.downcast_iter() {
            match arr.validity().filter(|v| v.unset_bits() > 0) {
                None => bpm.extend(arr.values().iter().map(|&v| u8::try_from(v).unwrap_or(0))),
                Some(valid) => bpm.extend(arr.values().iter().zip(valid.iter()).map(|(&v, ok)| {
                    if ok {
                        u8::try_from(v).unwrap_or(0)
                    } else {
                        0
                    }
                })),
            }
        }
        Ok(PartHrSeconds {
            hash: Values::of::<UInt64Type>(df.column(col::FILE_HASH)?, 0)?,
            session: Values::of::<UInt32Type>(df.column(col::SESSION)?, 0)?,
            bpm,
            secs: Values::of::<Float64Type>(df.column("seconds")?, 0.0)?,
            samples: Values::of::<UInt32Type>(df.column("samples")?, 0)?,
        })
    }

    /// Fills the bins of `stats` (one per session of the file, in order) from the file's
    /// rows `rows`; an error for a row naming a session the file does not have or a bpm
    /// of 0.
    pub fn fill(&self, rows: Range<usize>, stats: &mut [HrSeconds]) -> PolarsResult<()> {
        let (Some(session), Some(bpm), Some(secs), Some(samples)) = (
            self.session.get(rows.clone()),
            self.bpm.get(rows.clone()),
            self.secs.get(rows.clone()),
            self.samples.get(rows.clone()),
        ) else {
            polars_bail!(ComputeError: "hr_seconds rows {rows:?} are past the table's end");
        };
        // A session's rows are consecutive: each run is copied whole.
        let mut at = 0;
        while at < session.len() {
            let s = session[at];
            let end = at + session[at..].iter().take_while(|&&x| x == s).count();
            let h = stats
                .get_mut(s as usize)
                .filter(|_| !bpm[at..end].contains(&0));
            let Some(h) = h else {
                polars_bail!(ComputeError: "hr_seconds rows {:?}: session {s}, bpm {:?} do not fit the file's {} sessions",
                    rows.start + at..rows.start + end, &bpm[at..end], stats.len());
            };
            h.bpm.extend_from_slice(&bpm[at..end]);
            h.secs.extend_from_slice(&secs[at..end]);
            h.samples.extend_from_slice(&samples[at..end]);
            at = end;
        }
        Ok(())
    }
}

/// Everything needed to rebuild one activity besides its rows.
pub(crate) struct FileMeta<'a> {
    pub path: &'a str,
    pub file_id: FileId,
    pub hr_from_strap: usize,
}

/// Rebuilds an activity from a part's rows: `sessions` rows `srows`, timer rows `trows`,
/// sample rows `xrows`.
pub(crate) fn rebuild(
    meta: FileMeta<'_>,
    sessions: &PartSessions,
    srows: Range<usize>,
    timer: &PartTimer,
    trows: Range<usize>,
    samples: &PartSamples,
    xrows: Range<usize>,
) -> PolarsResult<Activity> {
    let level = sessions.file_level(srows.start)?;
    let list: Vec<Session> = srows
        .map(|i| sessions.session(i))
        .collect::<PolarsResult<_>>()?;
    let samples = samples.slice(xrows.clone()).ok_or_else(
        || polars_err!(ComputeError: "{}: sample rows {xrows:?} are outside the part", meta.path),
    )?;
    // Every range read from the store is checked before anything indexes with it.
    for s in &list {
        if s.samples.start > s.samples.end || s.samples.end > samples.len() {
            polars_bail!(ComputeError: "{}: session {} refers to samples {:?}, but the file has {}",
                meta.path, s.index, s.samples, samples.len());
        }
    }
    Ok(Activity {
        source: meta.path.to_string(),
        file_id: meta.file_id,
        sessions: list,
        laps: Vec::new(),
        timer: timer.intervals(trows),
        samples,
        hr_settings: level.hr_settings,
        workout_names: level.workout_names,
        sport_names: level.sport_names,
        hr_from_strap: meta.hr_from_strap,
        warnings: Vec::new(),
        hr_seconds: Vec::new(),
        utc_offset_s: level.utc_offset_s,
        time_zone: Default::default(),
    })
}

/// Rebuilds an activity without its samples: sessions (their sample ranges empty),
/// timer, and each session's HR seconds from `hr`. None when the part predates the
/// `hr_seconds` table or the file's sessions are not numbered 0, 1, ... in order.
pub(crate) fn rebuild_light(
    meta: FileMeta<'_>,
    sessions: &PartSessions,
    srows: Range<usize>,
    timer: &PartTimer,
    trows: Range<usize>,
    hr: &PartHrSeconds,
    hrows: Range<usize>,
) -> PolarsResult<Option<Activity>> {
    let level = sessions.file_level(srows.start)?;
    let mut list = Vec::with_capacity(srows.len());
    let mut stats = Vec::with_capacity(srows.len());
    for (k, i) in srows.enumerate() {
        let mut s = sessions.session(i)?;
        let Some(h) = sessions.hr_stats(i)? else {
            return Ok(None);
        };
        if s.index != k {
            return Ok(None);
        }
        s.samples = 0..0;
        list.push(s);
        stats.push(h);
    }
    hr.fill(hrows, &mut stats)?;
    Ok(Some(Activity {
        source: meta.path.to_string(),
        file_id: meta.file_id,
        sessions: list,
        laps: Vec::new(),
        timer: timer.intervals(trows),
        samples: Samples::default(),
        hr_settings: level.hr_settings,
        workout_names: level.workout_names,
        sport_names: level.sport_names,
        hr_from_strap: meta.hr_from_strap,
        warnings: Vec::new(),
        hr_seconds: stats,
        utc_offset_s: level.utc_offset_s,
        time_zone: Default::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_seconds_survive_the_millisecond_round_trip() {
        for t in [0u32, 1, 0x1000_0000, 1_100_000_000, u32::MAX] {
            assert_eq!(ms_to_fit(fit_to_ms(t)), t);
        }
        // 2024-01-01T00:00:00Z is Unix 1704067200, FIT 1704067200 - 631065600 = 1073001600.
        assert_eq!(fit_to_ms(1_073_001_600), 1_704_067_200_000);
        assert_eq!(year_of(1_073_001_600), 2024);
        assert_eq!(year_of(1_073_001_599), 2023);
        assert_eq!(fit_f64_to_ms(10.5), fit_to_ms(10) + 500);
    }

    #[test]
    fn runs_find_each_files_rows() {
        let r = runs(&[7, 7, 3, 3, 3, 9]);
        assert_eq!(r[&7], 0..2);
        assert_eq!(r[&3], 2..5);
        assert_eq!(r[&9], 5..6);
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn samples_outside_every_session_have_no_session_index() {
        let mut a = Activity::from_fit(Default::default(), "x.fit");
        a.samples.t_s = vec![10, 11, 12, 13];
        a.samples.hr_bpm = vec![0, 100, 101, 0];
        a.samples.distance_m = vec![f64::NAN; 4];
        a.samples.speed_mps = vec![f32::NAN; 4];
        a.samples.altitude_m = vec![f32::NAN; 4];
        a.samples.cadence_rpm = vec![f32::NAN; 4];
        a.samples.power_w = vec![f32::NAN; 4];
        let s = |index, samples| Session {
            index,
            sport: 1,
            sub_sport: 0,
            sport_profile_name: None,
            start_s: 10,
            end_s: 13,
            timer_s: 3.0,
            elapsed_s: 3.0,
            distance_m: None,
            avg_hr: None,
            max_hr: None,
            training_stress_score: None,
            total_training_effect: None,
            device_zones: None,
            samples,
            synthesized: false,
            timeline_notes: Vec::new(),
            watch_recovery_hr: None,
        };
        a.sessions = vec![s(0, 1..3), s(1, 2..3)];
        let rows = Rows::from_activity(a, 42);
        // Row 0 and 3 are outside; row 2 is in both sessions and goes to the first.
        assert_eq!(rows.x[0].session, vec![u16::MAX, 0, 0, u16::MAX]);
        let (samples, sessions, _, _) = rows.into_frames().unwrap();
        let sess = samples.column(col::SESSION).unwrap().u32().unwrap();
        assert_eq!(
            sess.iter().collect::<Vec<_>>(),
            vec![None, Some(0), Some(0), None]
        );
        let hr = samples.column(col::HR_BPM).unwrap().u32().unwrap();
        assert_eq!(hr.null_count(), 2);
        assert_eq!(sessions.height(), 2);
    }
}
