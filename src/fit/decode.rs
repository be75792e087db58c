//! The hot-path FIT decoder: one pass over the bytes, straight into column buffers.
//!
//! It reads the file header (signature, data size, header CRC), checks the file CRC,
//! follows definition messages (both architectures), normal and compressed-timestamp
//! record headers, developer fields (skipped by their declared sizes) and chained FIT
//! files. Only the messages hrzones needs are decoded (see [`super::profile`]); every other
//! message is skipped by its definition's size without looking at its bytes.
//!
//! What it must not do: panic, loop, or allocate beyond a bound derived from the input's
//! size. Every read is bounds-checked; sizes read from the file only ever limit reads of
//! bytes that are present; the only growth is one row per data message decoded (at most
//! one message per input byte), and arrays bounded by a field's size (≤ 255 bytes).
//!
//! Damage is never silent: a bad CRC, a data size that runs past the end of the file, an
//! undefined local message, or garbage after the last file each add a [`Warning`] naming
//! the damage and its byte offset, and decoding keeps everything read before it.

use std::fmt;

use super::crc;
use super::profile::{self, mesg};

/// A decoding problem that leaves no usable data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input has no bytes.
    #[error("empty file")]
    Empty,
    /// Fewer bytes than the smallest FIT header.
    #[error("too short for a FIT header ({len} bytes, need 12)")]
    TooShort {
        /// Input length.
        len: usize,
    },
    /// The `.FIT` signature is missing.
    #[error("not a FIT file (no \".FIT\" signature at byte 8; starts with {start})")]
    NotFit {
        /// The first bytes, printable.
        start: String,
    },
    /// The header size byte is not 12 or 14 (or larger than the file).
    #[error("bad FIT header size {size} at offset 0")]
    BadHeaderSize {
        /// The header size byte.
        size: u8,
    },
    /// More messages of one kind than any real activity holds (see [`MessageLimits`]):
    /// refused whole, so that one crafted file cannot take gigabytes of memory.
    #[error("more than {limit} {kind} messages (at byte {offset}), over the per-file limit; refusing the file")]
    TooManyMessages {
        /// `record`, `session/lap` or `other`.
        kind: &'static str,
        /// The limit passed.
        limit: u64,
        /// Offset of the first message over the limit.
        offset: u64,
    },
}

/// Per-file limits on the messages the decoder keeps, so that memory per file is bounded
/// by design, not by the input's size: a 1.5 MB `.fit.gz` can hold 131 million 2-byte
/// records (5 GB decoded). Each limit is far above any real activity: a record a second
/// for 23 days; a session or lap a minute for 104 days.
#[derive(Debug, Clone, Copy)]
pub struct MessageLimits;

impl MessageLimits {
    /// `record` messages (about 30 bytes each once decoded, 60 MB at the limit).
    pub const RECORDS: u64 = 2_000_000;
    /// `session` + `lap` messages (about 360 bytes each decoded, 54 MB at the limit).
    pub const SUMMARIES: u64 = 150_000;
    /// Every other kept message (events, hr, sport, workout, zones; ≤ 100 bytes each).
    pub const OTHER: u64 = 1_000_000;
}

/// Messages kept so far, by [`MessageLimits`] class.
#[derive(Debug, Default, Clone, Copy)]
struct KeptCounts {
    records: u64,
    summaries: u64,
    other: u64,
}

/// Damage (or a tolerated quirk) found while decoding; the data before it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Byte offset in the input where the problem is.
    pub offset: u64,
    /// What is wrong.
    pub kind: WarningKind,
}

/// What a [`Warning`] is about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WarningKind {
    /// Damage recorded when the file was ingested, read back from the store (its text).
    Recorded {
        /// The warning as ingest wrote it.
        message: String,
    },
    /// The 14-byte header's CRC does not match its first 12 bytes.
    HeaderCrc {
        /// CRC stored in the header.
        stored: u16,
        /// CRC computed.
        computed: u16,
    },
    /// The file CRC does not match the header and data.
    FileCrc {
        /// CRC stored after the data.
        stored: u16,
        /// CRC computed.
        computed: u16,
    },
    /// The header declares more data than the file holds (a truncated upload).
    Truncated {
        /// Bytes the header says the file has (header + data + CRC).
        declared_len: u64,
        /// Bytes actually present from this header on.
        actual_len: u64,
    },
    /// Decoding stopped inside the data: a message runs past the end of the data.
    MessageCut {
        /// Bytes the message needed.
        needed: u64,
        /// Bytes that were left.
        left: u64,
    },
    /// A data message uses a local message type that was never defined.
    UndefinedLocalMessage {
        /// The local message number.
        local: u8,
    },
    /// A definition message makes no sense (architecture byte other than 0 or 1).
    BadDefinition {
        /// What is wrong with it.
        reason: String,
    },
    /// Bytes after the last FIT file that are not another FIT file.
    TrailingBytes {
        /// How many bytes.
        count: u64,
    },
    /// The header's data size is 0 (a file never finalised); data read to the end.
    ZeroDataSize,
    /// Field definitions whose size is smaller than their base type (Coros writes
    /// 4-byte fields with size 1); read leniently as narrower integers.
    NarrowFields {
        /// How many such field definitions.
        count: u32,
    },
}

impl Warning {
    /// True when data may be missing or wrong (as opposed to a tolerated quirk).
    pub fn is_damage(&self) -> bool {
        !matches!(self.kind, WarningKind::NarrowFields { .. })
    }
    /// True for a CRC mismatch.
    pub fn is_crc(&self) -> bool {
        matches!(
            self.kind,
            WarningKind::FileCrc { .. } | WarningKind::HeaderCrc { .. }
        )
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match &self.kind {
            WarningKind::HeaderCrc { stored, computed } => write!(
                f,
                "header CRC mismatch at byte {at} (stored {stored:#06x}, computed {computed:#06x})"
            ),
            WarningKind::FileCrc { stored, computed } => write!(
                f,
                "file CRC mismatch at byte {at} (stored {stored:#06x}, computed {computed:#06x})"
            ),
            WarningKind::Truncated {
                declared_len,
                actual_len,
            } => write!(
                f,
                "truncated: the header at byte {at} declares {declared_len} bytes, only {actual_len} present; kept what was decoded"
            ),
            WarningKind::MessageCut { needed, left } => write!(
                f,
                "message at byte {at} needs {needed} bytes, only {left} left; decoding stopped there"
            ),
            WarningKind::UndefinedLocalMessage { local } => write!(
                f,
                "data message at byte {at} uses undefined local message {local}; decoding stopped there"
            ),
            WarningKind::BadDefinition { reason } => {
                write!(f, "bad definition message at byte {at}: {reason}; decoding stopped there")
            }
            WarningKind::Recorded { message } => write!(f, "{message}"),
            WarningKind::TrailingBytes { count } => {
                write!(f, "{count} bytes of non-FIT data after byte {at} ignored")
            }
            WarningKind::ZeroDataSize => write!(
                f,
                "header data size is 0 (file not finalised); read the data to the end of the file"
            ),
            WarningKind::NarrowFields { count } => write!(
                f,
                "{count} field definitions smaller than their base type, read as narrower integers (first at byte {at})"
            ),
        }
    }
}

/// `file_id` content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileId {
    /// `file` enum (4 = activity).
    pub file_type: Option<u8>,
    /// Manufacturer id.
    pub manufacturer: Option<u16>,
    /// Product id.
    pub product: Option<u16>,
    /// Serial number.
    pub serial_number: Option<u32>,
    /// FIT timestamp the file was created.
    pub time_created: Option<u32>,
}

/// Record samples as columns, one row per `record` message with a timestamp.
/// Missing values: `hr_bpm` 0, floats NaN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordColumns {
    /// FIT timestamp, s.
    pub t_s: Vec<u32>,
    /// Heart rate, bpm (0 = none).
    pub hr_bpm: Vec<u8>,
    /// Cumulative distance, m.
    pub distance_m: Vec<f64>,
    /// Speed (enhanced where present), m/s.
    pub speed_mps: Vec<f32>,
    /// Altitude (enhanced where present), m.
    pub altitude_m: Vec<f32>,
    /// Cadence, rpm (spm/2 for running, as the profile stores it).
    pub cadence_rpm: Vec<f32>,
    /// Power, W.
    pub power_w: Vec<f32>,
}

/// One row of [`RecordColumns`].
struct RecordRow {
    t_s: u32,
    hr_bpm: u8,
    distance_m: f64,
    speed_mps: f32,
    altitude_m: f32,
    cadence_rpm: f32,
    power_w: f32,
}

impl RecordColumns {
    #[inline(always)]
    fn push(&mut self, r: RecordRow) {
        self.t_s.push(r.t_s);
        self.hr_bpm.push(r.hr_bpm);
        self.distance_m.push(r.distance_m);
        self.speed_mps.push(r.speed_mps);
        self.altitude_m.push(r.altitude_m);
        self.cadence_rpm.push(r.cadence_rpm);
        self.power_w.push(r.power_w);
    }

    /// Appends a record of time, heart rate, distance and speed, the other fields
    /// missing (NaN): what tests, benchmarks and made-up activities write.
    pub fn push_basic(&mut self, t_s: u32, hr_bpm: u8, distance_m: f64, speed_mps: f32) {
        self.push(RecordRow {
            t_s,
            hr_bpm,
            distance_m,
            speed_mps,
            altitude_m: f32::NAN,
            cadence_rpm: f32::NAN,
            power_w: f32::NAN,
        });
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.t_s.len()
    }
    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }
}

/// A `session` or `lap` message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryMsg {
    /// `timestamp` (end), FIT s.
    pub timestamp: Option<u32>,
    /// `start_time`, FIT s.
    pub start_time: Option<u32>,
    /// `sport` enum.
    pub sport: Option<u8>,
    /// `sub_sport` enum.
    pub sub_sport: Option<u8>,
    /// `total_elapsed_time`, s.
    pub elapsed_s: Option<f64>,
    /// `total_timer_time`, s.
    pub timer_s: Option<f64>,
    /// `total_distance`, m.
    pub distance_m: Option<f64>,
    /// `avg_heart_rate`, bpm.
    pub avg_hr: Option<u8>,
    /// `max_heart_rate`, bpm.
    pub max_hr: Option<u8>,
    /// `training_stress_score` (session only).
    pub training_stress_score: Option<f64>,
    /// `total_training_effect` (session only).
    pub total_training_effect: Option<f64>,
    /// `time_in_hr_zone`, s (session only, older devices).
    pub time_in_hr_zone_s: Vec<f64>,
    /// `sport_profile_name` (session only).
    pub sport_profile_name: Option<String>,
    /// `message_index`.
    pub message_index: Option<u16>,
    /// Number of record rows decoded before this message (where it sits among the
    /// records; the timeline maps its timestamps through clock corrections by it).
    pub record_index: u32,
}

/// A timer start or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerEvent {
    /// FIT timestamp, s.
    pub t_s: u32,
    /// True for start, false for any stop.
    pub start: bool,
    /// Number of record rows decoded before this event (see [`SummaryMsg::record_index`]).
    pub record_index: u32,
}

/// The watch's own heart-rate recovery: an `event` message with `event` = `recovery_hr`
/// (21). Garmin watches write it two minutes after the timer stops, with `data` holding
/// the heart rate measured then (bpm, absolute, not a drop: in the x3cl archive the value
/// sits 3–45 bpm below the last record's HR, and the event's timestamp is the stop + 120 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryHrEvent {
    /// FIT timestamp, s.
    pub t_s: u32,
    /// Heart rate, bpm.
    pub bpm: u8,
}

/// A `time_in_zone` message (global 216).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeInZoneMsg {
    /// The message it refers to (18 = session, 19 = lap).
    pub reference_mesg: Option<u16>,
    /// Index of that message.
    pub reference_index: Option<u16>,
    /// Seconds per HR zone; index 0 is below zone 1.
    pub hr_secs: Vec<f64>,
    /// High boundary of each zone, bpm; index 0 is the top of "below zone 1".
    pub hr_high_bounds: Vec<u8>,
    /// `hr_calc_type`.
    pub hr_calc_type: Option<u8>,
    /// Max HR, bpm.
    pub max_hr: Option<u8>,
    /// Resting HR, bpm.
    pub resting_hr: Option<u8>,
    /// Threshold HR, bpm.
    pub threshold_hr: Option<u8>,
}

/// HR zone settings from `zones_target`, `user_profile` and `hr_zone`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HrSettings {
    /// `zones_target.max_heart_rate`.
    pub max_hr: Option<u8>,
    /// `zones_target.threshold_heart_rate`.
    pub threshold_hr: Option<u8>,
    /// `zones_target.hr_calc_type`.
    pub hr_calc_type: Option<u8>,
    /// `user_profile.resting_heart_rate`.
    pub resting_hr: Option<u8>,
    /// `user_profile.default_max_running_heart_rate`.
    pub max_running_hr: Option<u8>,
    /// `user_profile.default_max_heart_rate`.
    pub default_max_hr: Option<u8>,
    /// `user_profile.gender` (0 female, 1 male).
    pub gender: Option<u8>,
    /// `hr_zone.high_bpm` by `message_index`.
    pub hr_zone_high_bpm: Vec<(u16, u8)>,
}

/// A `sport` message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SportMsg {
    /// `sport` enum.
    pub sport: Option<u8>,
    /// `sub_sport` enum.
    pub sub_sport: Option<u8>,
    /// Name the user gave the sport profile.
    pub name: Option<String>,
}

/// Everything the decoder keeps from one FIT file (or chain of files).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitData {
    /// The first `file_id`.
    pub file_id: FileId,
    /// Record samples.
    pub records: RecordColumns,
    /// `session` messages in file order.
    pub sessions: Vec<SummaryMsg>,
    /// `lap` messages in file order.
    pub laps: Vec<SummaryMsg>,
    /// Timer starts and stops.
    pub timer_events: Vec<TimerEvent>,
    /// The watch's heart-rate recovery events.
    pub recovery_hr: Vec<RecoveryHrEvent>,
    /// `time_in_zone` messages.
    pub time_in_zone: Vec<TimeInZoneMsg>,
    /// HR settings.
    pub hr_settings: HrSettings,
    /// `sport` messages.
    pub sports: Vec<SportMsg>,
    /// `workout.wkt_name` values.
    pub workout_names: Vec<String>,
    /// Stored strap heart rate from `hr` messages: (FIT s with fraction, bpm).
    pub hr_stream: Vec<(f64, u8)>,
    /// Number of `activity` messages.
    pub activity_msgs: u32,
    /// The UTC offset the watch was set to, s: the first `activity` message's
    /// `local_timestamp` minus its `timestamp`, rounded to the quarter hour; None when
    /// the file has none, or one beyond ±14 h (no time zone is further from UTC).
    pub utc_offset_s: Option<i32>,
    /// Number of data messages decoded (all types).
    pub data_messages: u64,
    /// Number of FIT files in the chain.
    pub chained_files: u32,
    /// Damage and quirks, in the order met.
    pub warnings: Vec<Warning>,
}

/// Decoder options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeOptions {
    /// Skip the file and header CRC checks (faster; damage then shows only as structure errors).
    pub skip_crc: bool,
}

// ---------------------------------------------------------------------------------------
// Definitions

/// Which of our decoders a definition feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Skip,
    Record,
    Session,
    Lap,
    Event,
    FileId,
    HrZone,
    ZonesTarget,
    UserProfile,
    Sport,
    Workout,
    Hr,
    TimeInZone,
    Activity,
}

fn kind_of(global: u16) -> Kind {
    match global {
        mesg::RECORD => Kind::Record,
        mesg::SESSION => Kind::Session,
        mesg::LAP => Kind::Lap,
        mesg::EVENT => Kind::Event,
        mesg::FILE_ID => Kind::FileId,
        mesg::HR_ZONE => Kind::HrZone,
        mesg::ZONES_TARGET => Kind::ZonesTarget,
        mesg::USER_PROFILE => Kind::UserProfile,
        mesg::SPORT => Kind::Sport,
        mesg::WORKOUT => Kind::Workout,
        mesg::HR => Kind::Hr,
        mesg::TIME_IN_ZONE => Kind::TimeInZone,
        mesg::ACTIVITY => Kind::Activity,
        _ => Kind::Skip,
    }
}

/// One field we read: where it is in the message and how to read it.
#[derive(Debug, Clone, Copy)]
struct FieldPlan {
    num: u8,
    offset: u16,
    size: u8,
    /// Bytes per element (the base type's size, or the field's size when it is smaller).
    elem: u8,
    class: Class,
}

/// How a base type's invalid value looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Invalid = all bits set (enum, uintN, byte).
    Unsigned,
    /// Invalid = 0 (uintNz, string terminator).
    Zero,
    /// Invalid = largest positive (sintN).
    Signed,
    /// Floats: invalid = all bits set; we read none of these as integers.
    Float,
}

fn base_type_info(base: u8) -> (u8, Class) {
    match base & 0x1F {
        0 | 2 | 13 => (1, Class::Unsigned),
        1 => (1, Class::Signed),
        3 => (2, Class::Signed),
        4 => (2, Class::Unsigned),
        5 => (4, Class::Signed),
        6 => (4, Class::Unsigned),
        7 | 10 => (1, Class::Zero),
        8 => (4, Class::Float),
        9 => (8, Class::Float),
        11 => (2, Class::Zero),
        12 => (4, Class::Zero),
        14 => (8, Class::Signed),
        15 => (8, Class::Unsigned),
        16 => (8, Class::Zero),
        _ => (1, Class::Unsigned),
    }
}

#[derive(Debug, Clone)]
struct Definition {
    kind: Kind,
    big_endian: bool,
    /// Total data message size (fields + developer fields), bytes.
    size: usize,
    /// The fields we read (the wanted ones and the timestamp).
    fields: Vec<FieldPlan>,
    /// How its data messages are decoded, chosen once here rather than per message.
    path: MsgPath,
}

// Speed: the data messages of a definition are decoded along a path chosen when the
// definition is read. Nearly every data message of a real file is a `record`, or a message
// we skip (often with a timestamp, which still moves the compressed-timestamp base). Those
// two take a short path that neither moves the definition out of its slot nor matches
// field numbers per message: a record's wanted fields are looked up once into fixed slots.
// Everything else (and any definition that repeats a field number, where the general
// path's "last valid value wins" must apply) goes through `Decoder::dispatch` as before.
// Measured in BENCHMARKS.md; `tests/differential.rs` and the unit tests check that the
// output is unchanged.

/// How the data messages of one definition are decoded.
#[derive(Debug, Clone)]
enum MsgPath {
    /// A message we do not read and without a timestamp: skipped by its size.
    Nothing,
    /// A message we do not read, with timestamp field(s): only the timestamp base moves.
    TimestampOnly,
    /// A `record` whose timestamp and wanted fields each appear at most once.
    Record(Box<RecordSlots>),
    /// Everything else: [`Decoder::dispatch`].
    General,
}

/// Where a record's fields are, looked up once per definition. `None`: absent, or a
/// float base type (which the general path never reads as an integer either).
#[derive(Debug, Clone, Default)]
struct RecordSlots {
    timestamp: Option<Slot>,
    heart_rate: Option<Slot>,
    distance: Option<Slot>,
    speed: Option<Slot>,
    enhanced_speed: Option<Slot>,
    altitude: Option<Slot>,
    enhanced_altitude: Option<Slot>,
    cadence: Option<Slot>,
    power: Option<Slot>,
    /// Every slot lies in the first [`WINDOW`] bytes of the message and holds at most 4
    /// bytes: records of such definitions are read through [`push_record_window`].
    fits_window: bool,
    /// For a window definition, the same slots without their `Option`s, for runs of
    /// records read by [`record_run`].
    plan: RecordPlan,
}

/// A window definition's record fields as [`Lane`]s: an absent field is a lane that
/// always reads as invalid, so a row is read without a branch per field.
#[derive(Debug, Clone, Copy, Default)]
struct RecordPlan {
    timestamp: Lane,
    heart_rate: Lane,
    distance: Lane,
    speed: Lane,
    enhanced_speed: Lane,
    altitude: Lane,
    enhanced_altitude: Lane,
    cadence: Lane,
    power: Lane,
}

/// One field of a window definition (see [`Slot`]): an 8-byte load at `at`, byte-swapped
/// and shifted for big endian, masked to the element; valid when not `invalid`. The
/// default (mask 0, invalid 0) is an absent field.
#[derive(Debug, Clone, Copy, Default)]
struct Lane {
    at: u8,
    shift: u8,
    mask: u64,
    invalid: u64,
}

impl Lane {
    fn of(slot: Option<Slot>) -> Lane {
        match slot {
            Some(s) => Lane {
                at: s.offset.min((WINDOW - 8) as u16) as u8,
                shift: s.be_shift,
                mask: s.mask,
                invalid: s.invalid,
            },
            None => Lane::default(),
        }
    }

    /// The value ([`Slot::read_window`]'s, as 32 bits) and whether it is valid.
    #[inline(always)]
    fn get<const BE: bool>(self, w: &[u8; WINDOW]) -> (u32, bool) {
        // `min` is a no-op (`at` is at most WINDOW - 8); it lets the compiler drop the
        // bounds check.
        let at = (self.at as usize).min(WINDOW - 8);
        let mut b = [0u8; 8];
        b.copy_from_slice(&w[at..at + 8]);
        let raw = u64::from_le_bytes(b);
        let v = if BE {
            (raw.swap_bytes() >> self.shift) & self.mask
        } else {
            raw & self.mask
        };
        // A window field holds at most 4 bytes: the value fits in 32 bits.
        (v as u32, v != self.invalid)
    }
}

/// Bytes of a record that the window path copies out of the data: a fixed-size array,
/// so reading a field needs no bounds check, and a value of at most 32 bits converts to
/// a float in one instruction. Most records are 10–50 bytes.
const WINDOW: usize = 64;

/// The first element of one field: its offset, width, and its invalid value.
#[derive(Debug, Clone, Copy)]
struct Slot {
    offset: u16,
    elem: u8,
    /// Bits of an 8-byte little-endian load that hold the element (its first 8 bytes).
    mask: u64,
    /// Right shift that brings the element to the bottom of a byte-swapped 8-byte load.
    be_shift: u8,
    /// The value meaning "invalid" ([`is_invalid`] precomputed).
    invalid: u64,
}

impl Slot {
    fn of(f: &FieldPlan) -> Option<Slot> {
        if f.class == Class::Float || f.elem == 0 || f.elem > f.size {
            return None;
        }
        let bits = f.elem as u32 * 8;
        let all = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let invalid = match f.class {
            Class::Unsigned | Class::Float => all,
            Class::Zero => 0,
            Class::Signed => all >> 1,
        };
        // `read_uint` reads at most the first 8 bytes of an element.
        let bytes = f.elem.min(8) as u32;
        Some(Slot {
            offset: f.offset,
            elem: f.elem,
            mask: u64::MAX >> (64 - 8 * bytes),
            be_shift: (64 - 8 * bytes) as u8,
            invalid,
        })
    }

    /// The same value as [`Msg::uint`] on the field this slot was made from. `data`
    /// starts at the message and may run past its end: one 8-byte load then serves any
    /// element width, masked (little endian) or byte-swapped and shifted (big endian);
    /// near the end of the data the exact-width read below is used instead.
    #[inline(always)]
    fn read(self, data: &[u8], be: bool) -> Option<u64> {
        let at = self.offset as usize;
        if let Some(w) = data.get(at..).and_then(|d| d.first_chunk::<8>()) {
            let raw = u64::from_le_bytes(*w);
            let v = if be {
                raw.swap_bytes() >> self.be_shift
            } else {
                raw & self.mask
            };
            return (v != self.invalid).then_some(v);
        }
        let v = match self.elem {
            1 => *data.get(at)? as u64,
            2 => {
                let b: [u8; 2] = data.get(at..at + 2)?.try_into().ok()?;
                if be {
                    u16::from_be_bytes(b) as u64
                } else {
                    u16::from_le_bytes(b) as u64
                }
            }
            4 => {
                let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
                if be {
                    u32::from_be_bytes(b) as u64
                } else {
                    u32::from_le_bytes(b) as u64
                }
            }
            n => read_uint(data.get(at..at + n as usize)?, be),
        };
        (v != self.invalid).then_some(v)
    }
}

impl Slot {
    /// [`Slot::read`] for a slot of a window definition (`elem <= 4`, within the window):
    /// the same value, as 32 bits.
    #[inline(always)]
    fn read_window<const BE: bool>(self, w: &[u8; WINDOW]) -> Option<u32> {
        // `min` is a no-op for window slots; it lets the compiler drop the bounds check.
        let at = (self.offset as usize).min(WINDOW - 8);
        let raw = u64::from_le_bytes([
            w[at],
            w[at + 1],
            w[at + 2],
            w[at + 3],
            w[at + 4],
            w[at + 5],
            w[at + 6],
            w[at + 7],
        ]);
        let v = if BE {
            raw.swap_bytes() >> self.be_shift
        } else {
            raw & self.mask
        };
        // At most 4 bytes: the value fits, and so does the invalid value.
        (v != self.invalid).then_some(v as u32)
    }
}

/// Chooses the decoding path for a definition's data messages (see [`MsgPath`]).
fn msg_path(kind: Kind, fields: &[FieldPlan]) -> MsgPath {
    use profile::record as r;
    match kind {
        Kind::Skip if fields.is_empty() => MsgPath::Nothing,
        // For a skipped message `fields` holds only timestamp fields.
        Kind::Skip => MsgPath::TimestampOnly,
        // A message with none of the fields we read carries nothing but a compressed
        // timestamp, which only a record row (and the activity count) uses. Skipping the
        // others keeps a file of 1-byte messages from costing a ~160-byte struct per
        // input byte (tests/regressions.rs `smallest_messages_allocation`).
        k if fields.is_empty() && !matches!(k, Kind::Record | Kind::Activity) => MsgPath::Nothing,
        Kind::Record => {
            let mut s = RecordSlots::default();
            let mut seen = [false; 256];
            for f in fields {
                if std::mem::replace(&mut seen[f.num as usize], true) {
                    return MsgPath::General;
                }
                let slot = match f.num {
                    profile::FIELD_TIMESTAMP => &mut s.timestamp,
                    r::HEART_RATE => &mut s.heart_rate,
                    r::DISTANCE => &mut s.distance,
                    r::SPEED => &mut s.speed,
                    r::ENHANCED_SPEED => &mut s.enhanced_speed,
                    r::ALTITUDE => &mut s.altitude,
                    r::ENHANCED_ALTITUDE => &mut s.enhanced_altitude,
                    r::CADENCE => &mut s.cadence,
                    r::POWER => &mut s.power,
                    _ => return MsgPath::General,
                };
                *slot = Slot::of(f);
            }
            s.fits_window = [
                s.timestamp,
                s.heart_rate,
                s.distance,
                s.speed,
                s.enhanced_speed,
                s.altitude,
                s.enhanced_altitude,
                s.cadence,
                s.power,
            ]
            .iter()
            .flatten()
            .all(|f| f.elem <= 4 && f.offset as usize + 8 <= WINDOW);
            if s.fits_window {
                s.plan = RecordPlan {
                    timestamp: Lane::of(s.timestamp),
                    heart_rate: Lane::of(s.heart_rate),
                    distance: Lane::of(s.distance),
                    speed: Lane::of(s.speed),
                    enhanced_speed: Lane::of(s.enhanced_speed),
                    altitude: Lane::of(s.altitude),
                    enhanced_altitude: Lane::of(s.enhanced_altitude),
                    cadence: Lane::of(s.cadence),
                    power: Lane::of(s.power),
                };
            }
            MsgPath::Record(Box::new(s))
        }
        _ => MsgPath::General,
    }
}

fn wanted(kind: Kind, num: u8) -> bool {
    use profile::*;
    if num == FIELD_TIMESTAMP {
        return true;
    }
    match kind {
        Kind::Skip => false,
        Kind::Activity => num == activity::LOCAL_TIMESTAMP,
        Kind::Record => matches!(
            num,
            record::ALTITUDE
                | record::HEART_RATE
                | record::CADENCE
                | record::DISTANCE
                | record::SPEED
                | record::POWER
                | record::ENHANCED_SPEED
                | record::ENHANCED_ALTITUDE
        ),
        Kind::Session => matches!(
            num,
            session::START_TIME
                | session::SPORT
                | session::SUB_SPORT
                | session::TOTAL_ELAPSED_TIME
                | session::TOTAL_TIMER_TIME
                | session::TOTAL_DISTANCE
                | session::AVG_HEART_RATE
                | session::MAX_HEART_RATE
                | session::TOTAL_TRAINING_EFFECT
                | session::TRAINING_STRESS_SCORE
                | session::TIME_IN_HR_ZONE
                | session::SPORT_PROFILE_NAME
                | FIELD_MESSAGE_INDEX
        ),
        Kind::Lap => matches!(
            num,
            lap::START_TIME
                | lap::TOTAL_ELAPSED_TIME
                | lap::TOTAL_TIMER_TIME
                | lap::TOTAL_DISTANCE
                | lap::AVG_HEART_RATE
                | lap::MAX_HEART_RATE
                | FIELD_MESSAGE_INDEX
        ),
        Kind::Event => matches!(num, event::EVENT | event::EVENT_TYPE | event::DATA),
        Kind::FileId => matches!(
            num,
            file_id::TYPE
                | file_id::MANUFACTURER
                | file_id::PRODUCT
                | file_id::SERIAL_NUMBER
                | file_id::TIME_CREATED
        ),
        Kind::HrZone => matches!(num, hr_zone::HIGH_BPM | FIELD_MESSAGE_INDEX),
        Kind::ZonesTarget => matches!(
            num,
            zones_target::MAX_HEART_RATE
                | zones_target::THRESHOLD_HEART_RATE
                | zones_target::HR_CALC_TYPE
        ),
        Kind::UserProfile => matches!(
            num,
            user_profile::GENDER
                | user_profile::RESTING_HEART_RATE
                | user_profile::DEFAULT_MAX_RUNNING_HEART_RATE
                | user_profile::DEFAULT_MAX_HEART_RATE
        ),
        Kind::Sport => matches!(num, sport::SPORT | sport::SUB_SPORT | sport::NAME),
        Kind::Workout => num == workout::WKT_NAME,
        Kind::Hr => matches!(
            num,
            hr::FRACTIONAL_TIMESTAMP
                | hr::FILTERED_BPM
                | hr::EVENT_TIMESTAMP
                | hr::EVENT_TIMESTAMP_12
        ),
        Kind::TimeInZone => matches!(
            num,
            time_in_zone::REFERENCE_MESG
                | time_in_zone::REFERENCE_INDEX
                | time_in_zone::TIME_IN_HR_ZONE
                | time_in_zone::HR_ZONE_HIGH_BOUNDARY
                | time_in_zone::HR_CALC_TYPE
                | time_in_zone::MAX_HEART_RATE
                | time_in_zone::RESTING_HEART_RATE
                | time_in_zone::THRESHOLD_HEART_RATE
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Reading values

#[inline]
fn read_uint(b: &[u8], be: bool) -> u64 {
    match b.len() {
        1 => b[0] as u64,
        2 => {
            let a = [b[0], b[1]];
            if be {
                u16::from_be_bytes(a) as u64
            } else {
                u16::from_le_bytes(a) as u64
            }
        }
        4 => {
            let a = [b[0], b[1], b[2], b[3]];
            if be {
                u32::from_be_bytes(a) as u64
            } else {
                u32::from_le_bytes(a) as u64
            }
        }
        n => {
            let mut v = 0u64;
            for i in 0..n.min(8) {
                let byte = if be { b[i] } else { b[n.min(8) - 1 - i] };
                v = (v << 8) | byte as u64;
            }
            v
        }
    }
}

#[inline]
fn is_invalid(v: u64, elem: u8, class: Class) -> bool {
    let bits = elem as u32 * 8;
    let all = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    match class {
        Class::Unsigned | Class::Float => v == all,
        Class::Zero => v == 0,
        Class::Signed => v == all >> 1,
    }
}

/// A decoded message's bytes with its definition: typed getters by field number.
struct Msg<'a> {
    data: &'a [u8],
    def: &'a Definition,
}

impl<'a> Msg<'a> {
    #[inline]
    fn field_bytes(&self, f: &FieldPlan) -> &'a [u8] {
        let start = f.offset as usize;
        // The definition guarantees offset + size <= data.len(); get() keeps it panic-free.
        self.data.get(start..start + f.size as usize).unwrap_or(&[])
    }

    /// First element of field `num`, as an unsigned integer, or None when absent/invalid.
    #[inline]
    fn uint(&self, f: &FieldPlan) -> Option<u64> {
        let b = self.field_bytes(f);
        let e = f.elem as usize;
        if b.len() < e || e == 0 {
            return None;
        }
        let v = read_uint(&b[..e], self.def.big_endian);
        if f.class == Class::Float || is_invalid(v, f.elem, f.class) {
            None
        } else {
            Some(v)
        }
    }

    /// All valid elements of an array field.
    fn uints(&self, f: &FieldPlan) -> Vec<Option<u64>> {
        let b = self.field_bytes(f);
        let e = f.elem as usize;
        if e == 0 || f.class == Class::Float {
            return Vec::new();
        }
        b.chunks_exact(e)
            .map(|c| {
                let v = read_uint(c, self.def.big_endian);
                (!is_invalid(v, f.elem, f.class)).then_some(v)
            })
            .collect()
    }

    fn string(&self, f: &FieldPlan) -> Option<String> {
        let b = self.field_bytes(f);
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        let s = String::from_utf8_lossy(&b[..end]).trim().to_string();
        (!s.is_empty()).then_some(s)
    }
}

fn u8_of(v: Option<u64>) -> Option<u8> {
    v.and_then(|x| u8::try_from(x).ok())
}
fn u16_of(v: Option<u64>) -> Option<u16> {
    v.and_then(|x| u16::try_from(x).ok())
}
/// The UTC offset from an `activity` message's `local_timestamp` and `timestamp`
/// (both FIT seconds), rounded to the quarter hour (every time zone in use is a whole
/// number of quarter hours; the two clocks are read a moment apart on some devices).
fn utc_offset_of(local: u32, utc: u32) -> Option<i32> {
    const QUARTER_H: i64 = 900;
    let diff = local as i64 - utc as i64;
    let rounded = (diff + diff.signum() * QUARTER_H / 2) / QUARTER_H * QUARTER_H;
    (rounded.abs() <= 14 * 3600).then_some(rounded as i32)
}

fn u32_of(v: Option<u64>) -> Option<u32> {
    v.and_then(|x| u32::try_from(x).ok())
}
fn scaled(v: Option<u64>, scale: f64) -> Option<f64> {
    v.map(|x| x as f64 / scale)
}

// ---------------------------------------------------------------------------------------
// The decoder

/// A `hr` message before its timestamps are resolved.
#[derive(Debug, Default)]
struct RawHr {
    anchor: Option<f64>,
    bpm: Vec<u8>,
    event_ts: Vec<u32>,
    event_ts_12: Vec<u8>,
}

struct Decoder<'a> {
    bytes: &'a [u8],
    out: FitData,
    defs: [Option<Definition>; 16],
    /// Per local message type: header + size of its data messages when they are skipped
    /// whole (`MsgPath::Nothing`), else 0; what [`record_run`] steps over.
    skip_len: [u32; 16],
    /// Rows of a record run on their way to the columns (kept here: not zeroed per run).
    rows: RowBatch,
    last_ts: Option<u32>,
    narrow_fields: u32,
    narrow_first: u64,
    raw_hr: Vec<RawHr>,
    saw_file_id: bool,
    kept: KeptCounts,
    over_limit: Option<DecodeError>,
}

/// Decodes a whole FIT file (or chain of FIT files) from memory.
///
/// Returns `Err` when nothing usable can be read (empty, too short, not FIT), or when the
/// file holds more messages than [`MessageLimits`] allows. Damage
/// after a valid header is reported in [`FitData::warnings`] with what came before kept.
pub fn decode(bytes: &[u8], opts: DecodeOptions) -> Result<FitData, DecodeError> {
    let mut d = Decoder {
        bytes,
        out: FitData::default(),
        defs: Default::default(),
        skip_len: [0; 16],
        rows: RowBatch::new(),
        last_ts: None,
        narrow_fields: 0,
        narrow_first: 0,
        raw_hr: Vec::new(),
        saw_file_id: false,
        kept: KeptCounts::default(),
        over_limit: None,
    };
    d.run(opts)?;
    Ok(d.finish())
}

struct Header {
    size: usize,
    data_size: usize,
}

fn parse_header(b: &[u8]) -> Result<Header, DecodeError> {
    if b.is_empty() {
        return Err(DecodeError::Empty);
    }
    if b.len() < 12 {
        return Err(DecodeError::TooShort { len: b.len() });
    }
    if &b[8..12] != b".FIT" {
        let start: String = b[..b.len().min(12)]
            .iter()
            .map(|&c| if c.is_ascii_graphic() { c as char } else { '.' })
            .collect();
        return Err(DecodeError::NotFit {
            start: format!("\"{start}\""),
        });
    }
    let size = b[0];
    if size < 12 || size as usize > b.len() {
        return Err(DecodeError::BadHeaderSize { size });
    }
    let data_size = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    Ok(Header {
        size: size as usize,
        data_size,
    })
}

impl<'a> Decoder<'a> {
    fn warn(&mut self, offset: usize, kind: WarningKind) {
        self.out.warnings.push(Warning {
            offset: offset as u64,
            kind,
        });
    }

    fn run(&mut self, opts: DecodeOptions) -> Result<(), DecodeError> {
        let bytes = self.bytes;
        let mut pos = 0usize;
        loop {
            let rest = &bytes[pos..];
            let header = match parse_header(rest) {
                Ok(h) => h,
                Err(e) if pos == 0 => return Err(e),
                Err(_) => {
                    // Some writers pad chained files; all-zero padding is harmless.
                    if rest.iter().any(|&b| b != 0) {
                        self.warn(
                            pos,
                            WarningKind::TrailingBytes {
                                count: rest.len() as u64,
                            },
                        );
                    }
                    return Ok(());
                }
            };
            self.out.chained_files += 1;
            if header.size >= 14 && !opts.skip_crc {
                let stored = u16::from_le_bytes([rest[12], rest[13]]);
                if stored != 0 {
                    let computed = crc::crc16(&rest[..12]);
                    if computed != stored {
                        self.warn(pos + 12, WarningKind::HeaderCrc { stored, computed });
                    }
                }
            }
            let data_start = header.size;
            let mut data_end = data_start.saturating_add(header.data_size);
            let mut next = data_end.saturating_add(2);
            if header.data_size == 0 && rest.len() > data_start {
                self.warn(pos + 4, WarningKind::ZeroDataSize);
                data_end = rest.len();
                next = rest.len();
            } else if next > rest.len() {
                self.warn(
                    pos,
                    WarningKind::Truncated {
                        declared_len: next as u64,
                        actual_len: rest.len() as u64,
                    },
                );
                data_end = data_end.min(rest.len());
                next = rest.len();
            } else if !opts.skip_crc {
                let stored = u16::from_le_bytes([rest[data_end], rest[data_end + 1]]);
                let computed = crc::crc16(&rest[..data_end]);
                if stored != computed {
                    self.warn(pos + data_end, WarningKind::FileCrc { stored, computed });
                }
            }
            // Definitions do not carry over between chained files.
            self.defs = Default::default();
            self.skip_len = [0; 16];
            self.messages(pos, &rest[data_start..data_end], pos + data_start);
            if let Some(e) = self.over_limit.take() {
                return Err(e);
            }
            pos += next;
            if pos >= bytes.len() {
                return Ok(());
            }
        }
    }

    /// Decodes the data section `data` whose first byte is at input offset `base`.
    fn messages(&mut self, _file_pos: usize, data: &[u8], base: usize) {
        let mut p = 0usize;
        while p < data.len() {
            let h = data[p];
            let at = base + p;
            p += 1;
            if h & 0x80 != 0 {
                // Compressed timestamp header: local type in bits 5-6, time offset in 0-4.
                let local = (h >> 5) & 0x3;
                let offset = (h & 0x1F) as u32;
                let ts = self.last_ts.map(|last| {
                    let mut t = (last & !0x1F) + offset;
                    if offset < (last & 0x1F) {
                        t = t.wrapping_add(0x20);
                    }
                    t
                });
                if ts.is_some() {
                    self.last_ts = ts;
                }
                match self.data_message(local, &data[p..], at, ts) {
                    Some(n) => p += n,
                    None => return,
                }
            } else if h & 0x40 != 0 {
                match self.definition(h, &data[p..], at) {
                    Some(n) => p += n,
                    None => return,
                }
            } else {
                match &self.defs[(h & 0x0F) as usize] {
                    // Speed: a message we do not read (and without a timestamp) is stepped
                    // over right here, without the call; files have tens of thousands.
                    Some(Definition {
                        path: MsgPath::Nothing,
                        size,
                        ..
                    }) => {
                        if let Some(next) = p.checked_add(*size).filter(|&n| n <= data.len()) {
                            self.out.data_messages += 1;
                            p = next;
                            continue;
                        }
                    }
                    // Speed: records come in runs (one a second between the odd event or
                    // lap); a run of one window definition is read in one tight loop.
                    Some(Definition {
                        path: MsgPath::Record(slots),
                        size,
                        big_endian,
                        ..
                    }) if slots.fits_window => {
                        let max = MessageLimits::RECORDS.saturating_sub(self.kept.records);
                        let run = RecordRun {
                            plan: &slots.plan,
                            size: *size,
                            header: h,
                            max,
                            skip_len: &self.skip_len,
                        };
                        let out = RunOut {
                            columns: &mut self.out.records,
                            rows: &mut self.rows,
                            last_ts: &mut self.last_ts,
                        };
                        let (next, n, skipped) = match big_endian {
                            true => record_run::<true>(run, data, p - 1, out),
                            false => record_run::<false>(run, data, p - 1, out),
                        };
                        if n > 0 {
                            self.kept.records += n;
                            self.out.data_messages += n + skipped;
                            p = next;
                            continue;
                        }
                    }
                    _ => {}
                }
                match self.data_message(h & 0x0F, &data[p..], at, None) {
                    Some(n) => p += n,
                    None => return,
                }
            }
        }
    }

    /// Parses a definition message; returns the bytes it used, or None (with a warning).
    fn definition(&mut self, h: u8, b: &[u8], at: usize) -> Option<usize> {
        let local = (h & 0x0F) as usize;
        let has_dev = h & 0x20 != 0;
        if b.len() < 5 {
            self.warn(
                at,
                WarningKind::MessageCut {
                    needed: 6,
                    left: b.len() as u64 + 1,
                },
            );
            return None;
        }
        let big_endian = match b[1] {
            0 => false,
            1 => true,
            other => {
                self.warn(
                    at,
                    WarningKind::BadDefinition {
                        reason: format!("architecture byte {other} (expected 0 or 1)"),
                    },
                );
                return None;
            }
        };
        let global = if big_endian {
            u16::from_be_bytes([b[2], b[3]])
        } else {
            u16::from_le_bytes([b[2], b[3]])
        };
        let nfields = b[4] as usize;
        let mut used = 5 + nfields * 3;
        if b.len() < used + usize::from(has_dev) {
            self.warn(
                at,
                WarningKind::MessageCut {
                    needed: (used + usize::from(has_dev) + 1) as u64,
                    left: b.len() as u64 + 1,
                },
            );
            return None;
        }
        let kind = kind_of(global);
        let mut fields = Vec::new();
        let mut offset = 0usize;
        for i in 0..nfields {
            let f = &b[5 + i * 3..8 + i * 3];
            let (num, size, base) = (f[0], f[1], f[2]);
            if size > 0 && wanted(kind, num) {
                let (bsize, class) = base_type_info(base);
                let elem = if size < bsize {
                    self.narrow_fields += 1;
                    if self.narrow_fields == 1 {
                        self.narrow_first = at as u64;
                    }
                    size
                } else {
                    bsize
                };
                // Strings are read whole; other types element by element.
                let elem = if base & 0x1F == 7 { size } else { elem };
                fields.push(FieldPlan {
                    num,
                    offset: offset as u16,
                    size,
                    elem,
                    class,
                });
            }
            offset += size as usize;
        }
        if has_dev {
            let ndev = b[used] as usize;
            used += 1;
            if b.len() < used + ndev * 3 {
                self.warn(
                    at,
                    WarningKind::MessageCut {
                        needed: (used + ndev * 3 + 1) as u64,
                        left: b.len() as u64 + 1,
                    },
                );
                return None;
            }
            for i in 0..ndev {
                offset += b[used + i * 3 + 1] as usize;
            }
            used += ndev * 3;
        }
        let path = msg_path(kind, &fields);
        // Speed: size the record columns once, for the most rows the rest of this file's
        // data can hold (a header byte + `offset` bytes each), instead of growing seven
        // columns by doubling (13 reallocations and copies each on a 3 MB file). Only for
        // records of 8+ bytes, so the reservation stays under 4 bytes per input byte.
        if kind == Kind::Record && offset >= 8 && self.out.records.t_s.capacity() == 0 {
            let rows = b.len().saturating_sub(used) / (offset + 1);
            let c = &mut self.out.records;
            c.t_s.reserve_exact(rows);
            c.hr_bpm.reserve_exact(rows);
            c.distance_m.reserve_exact(rows);
            c.speed_mps.reserve_exact(rows);
            c.altitude_m.reserve_exact(rows);
            c.cadence_rpm.reserve_exact(rows);
            c.power_w.reserve_exact(rows);
        }
        self.skip_len[local] = match path {
            // A message is at most 1 + 255 × 255 × 2 bytes: no overflow.
            MsgPath::Nothing => offset as u32 + 1,
            _ => 0,
        };
        self.defs[local] = Some(Definition {
            kind,
            big_endian,
            size: offset,
            fields,
            path,
        });
        Some(used)
    }

    /// Decodes one data message; returns the bytes it used, or None (with a warning).
    #[inline]
    fn data_message(&mut self, local: u8, b: &[u8], at: usize, ts: Option<u32>) -> Option<usize> {
        let Some(def) = &self.defs[local as usize] else {
            self.warn(at, WarningKind::UndefinedLocalMessage { local });
            return None;
        };
        let size = def.size;
        let Some(data) = b.get(..size) else {
            self.warn(
                at,
                WarningKind::MessageCut {
                    needed: size as u64 + 1,
                    left: b.len() as u64 + 1,
                },
            );
            return None;
        };
        self.out.data_messages += 1;
        // Only messages that leave something behind count (a message none of whose
        // fields we read costs nothing but the time to step over it).
        if def.kind != Kind::Skip && !matches!(def.path, MsgPath::Nothing) {
            let (count, limit, kind) = match def.kind {
                Kind::Record => (&mut self.kept.records, MessageLimits::RECORDS, "record"),
                Kind::Session | Kind::Lap => (
                    &mut self.kept.summaries,
                    MessageLimits::SUMMARIES,
                    "session/lap",
                ),
                _ => (&mut self.kept.other, MessageLimits::OTHER, "other"),
            };
            *count += 1;
            if *count > limit {
                self.over_limit = Some(DecodeError::TooManyMessages {
                    kind,
                    limit,
                    offset: at as u64,
                });
                return None;
            }
        }
        match &def.path {
            MsgPath::Nothing => {}
            MsgPath::TimestampOnly => {
                let m = Msg { data, def };
                for f in &def.fields {
                    if let Some(t) = u32_of(m.uint(f)) {
                        self.last_ts = Some(t);
                    }
                }
            }
            MsgPath::Record(slots) if slots.fits_window => {
                if let Some(w) = b.first_chunk::<WINDOW>() {
                    let read = |slot: Option<Slot>| match def.big_endian {
                        true => slot.and_then(|f| f.read_window::<true>(w)),
                        false => slot.and_then(|f| f.read_window::<false>(w)),
                    };
                    let mut ts = ts;
                    if let Some(t) = read(slots.timestamp) {
                        ts = Some(t);
                        self.last_ts = Some(t);
                    }
                    if let Some(t) = ts {
                        match def.big_endian {
                            true => push_record_window::<true>(&mut self.out.records, slots, w, t),
                            false => {
                                push_record_window::<false>(&mut self.out.records, slots, w, t)
                            }
                        }
                    }
                } else {
                    let be = def.big_endian;
                    record_from_slots(&mut self.out.records, &mut self.last_ts, slots, b, be, ts);
                }
            }
            MsgPath::Record(slots) => {
                let be = def.big_endian;
                record_from_slots(&mut self.out.records, &mut self.last_ts, slots, b, be, ts);
            }
            MsgPath::General => {
                // dispatch() needs `&mut self`: lend it the definition for the call.
                let def = self.defs[local as usize].take()?;
                self.dispatch(&Msg { data, def: &def }, ts);
                self.defs[local as usize] = Some(def);
            }
        }
        Some(size)
    }

    fn dispatch(&mut self, m: &Msg<'_>, compressed_ts: Option<u32>) {
        use profile::*;
        // The timestamp field, where present, sets the base for compressed timestamps.
        let mut ts = compressed_ts;
        for f in &m.def.fields {
            if f.num == FIELD_TIMESTAMP {
                if let Some(t) = u32_of(m.uint(f)) {
                    ts = Some(t);
                    self.last_ts = Some(t);
                }
            }
        }
        match m.def.kind {
            Kind::Skip => {}
            Kind::Record => self.record(m, ts),
            Kind::Session | Kind::Lap => {
                let is_session = m.def.kind == Kind::Session;
                let mut s = SummaryMsg {
                    timestamp: ts,
                    record_index: self.out.records.len() as u32,
                    ..Default::default()
                };
                for f in &m.def.fields {
                    let v = || m.uint(f);
                    match (is_session, f.num) {
                        (_, session::START_TIME) => s.start_time = u32_of(v()),
                        (true, session::SPORT) => s.sport = u8_of(v()),
                        (true, session::SUB_SPORT) => s.sub_sport = u8_of(v()),
                        (_, session::TOTAL_ELAPSED_TIME) => s.elapsed_s = scaled(v(), 1000.0),
                        (_, session::TOTAL_TIMER_TIME) => s.timer_s = scaled(v(), 1000.0),
                        (_, session::TOTAL_DISTANCE) => s.distance_m = scaled(v(), 100.0),
                        (true, session::AVG_HEART_RATE) | (false, lap::AVG_HEART_RATE) => {
                            s.avg_hr = u8_of(v())
                        }
                        (true, session::MAX_HEART_RATE) | (false, lap::MAX_HEART_RATE) => {
                            s.max_hr = u8_of(v())
                        }
                        (true, session::TOTAL_TRAINING_EFFECT) => {
                            s.total_training_effect = scaled(v(), 10.0)
                        }
                        (true, session::TRAINING_STRESS_SCORE) => {
                            s.training_stress_score = scaled(v(), 10.0)
                        }
                        (true, session::TIME_IN_HR_ZONE) => {
                            s.time_in_hr_zone_s = m
                                .uints(f)
                                .into_iter()
                                .map(|x| x.map_or(0.0, |x| x as f64 / 1000.0))
                                .collect()
                        }
                        (true, session::SPORT_PROFILE_NAME) => s.sport_profile_name = m.string(f),
                        (_, FIELD_MESSAGE_INDEX) => s.message_index = u16_of(v()),
                        _ => {}
                    }
                }
                if is_session {
                    self.out.sessions.push(s);
                } else {
                    self.out.laps.push(s);
                }
            }
            Kind::Event => {
                let (mut ev, mut ty, mut data) = (None, None, None);
                for f in &m.def.fields {
                    match f.num {
                        event::EVENT => ev = u8_of(m.uint(f)),
                        event::EVENT_TYPE => ty = u8_of(m.uint(f)),
                        event::DATA => data = m.uint(f),
                        _ => {}
                    }
                }
                if let (Some(event::RECOVERY_HR), Some(bpm), Some(t)) = (ev, u8_of(data), ts) {
                    // 0 and 255 are "no value"; anything outside 20..=250 is not a heart rate.
                    if (20..=250).contains(&bpm) {
                        self.out.recovery_hr.push(RecoveryHrEvent { t_s: t, bpm });
                    }
                }
                if let (Some(event::TIMER), Some(ty), Some(t)) = (ev, ty, ts) {
                    let start = match ty {
                        event::START => Some(true),
                        event::STOP
                        | event::STOP_ALL
                        | event::STOP_DISABLE
                        | event::STOP_DISABLE_ALL => Some(false),
                        _ => None,
                    };
                    if let Some(start) = start {
                        let record_index = self.out.records.len() as u32;
                        self.out.timer_events.push(TimerEvent {
                            t_s: t,
                            start,
                            record_index,
                        });
                    }
                }
            }
            Kind::FileId => {
                if self.saw_file_id {
                    return;
                }
                self.saw_file_id = true;
                let fid = &mut self.out.file_id;
                for f in &m.def.fields {
                    match f.num {
                        file_id::TYPE => fid.file_type = u8_of(m.uint(f)),
                        file_id::MANUFACTURER => fid.manufacturer = u16_of(m.uint(f)),
                        file_id::PRODUCT => fid.product = u16_of(m.uint(f)),
                        file_id::SERIAL_NUMBER => fid.serial_number = u32_of(m.uint(f)),
                        file_id::TIME_CREATED => fid.time_created = u32_of(m.uint(f)),
                        _ => {}
                    }
                }
            }
            Kind::HrZone => {
                let (mut idx, mut high) = (None, None);
                for f in &m.def.fields {
                    match f.num {
                        FIELD_MESSAGE_INDEX => idx = u16_of(m.uint(f)),
                        hr_zone::HIGH_BPM => high = u8_of(m.uint(f)),
                        _ => {}
                    }
                }
                if let Some(high) = high {
                    let idx = idx.unwrap_or(self.out.hr_settings.hr_zone_high_bpm.len() as u16);
                    self.out
                        .hr_settings
                        .hr_zone_high_bpm
                        .push((idx & 0x0FFF, high));
                }
            }
            Kind::ZonesTarget => {
                let s = &mut self.out.hr_settings;
                for f in &m.def.fields {
                    match f.num {
                        zones_target::MAX_HEART_RATE => s.max_hr = u8_of(m.uint(f)).or(s.max_hr),
                        zones_target::THRESHOLD_HEART_RATE => {
                            s.threshold_hr = u8_of(m.uint(f)).or(s.threshold_hr)
                        }
                        zones_target::HR_CALC_TYPE => {
                            s.hr_calc_type = u8_of(m.uint(f)).or(s.hr_calc_type)
                        }
                        _ => {}
                    }
                }
            }
            Kind::UserProfile => {
                let s = &mut self.out.hr_settings;
                for f in &m.def.fields {
                    match f.num {
                        user_profile::GENDER => s.gender = u8_of(m.uint(f)).or(s.gender),
                        user_profile::RESTING_HEART_RATE => {
                            s.resting_hr = u8_of(m.uint(f)).or(s.resting_hr)
                        }
                        user_profile::DEFAULT_MAX_RUNNING_HEART_RATE => {
                            s.max_running_hr = u8_of(m.uint(f)).or(s.max_running_hr)
                        }
                        user_profile::DEFAULT_MAX_HEART_RATE => {
                            s.default_max_hr = u8_of(m.uint(f)).or(s.default_max_hr)
                        }
                        _ => {}
                    }
                }
            }
            Kind::Sport => {
                let mut s = SportMsg::default();
                for f in &m.def.fields {
                    match f.num {
                        sport::SPORT => s.sport = u8_of(m.uint(f)),
                        sport::SUB_SPORT => s.sub_sport = u8_of(m.uint(f)),
                        sport::NAME => s.name = m.string(f),
                        _ => {}
                    }
                }
                self.out.sports.push(s);
            }
            Kind::Workout => {
                for f in &m.def.fields {
                    if f.num == workout::WKT_NAME {
                        if let Some(name) = m.string(f) {
                            self.out.workout_names.push(name);
                        }
                    }
                }
            }
            Kind::Hr => {
                let mut raw = RawHr::default();
                let mut frac = 0.0;
                for f in &m.def.fields {
                    match f.num {
                        hr::FRACTIONAL_TIMESTAMP => {
                            frac = m.uint(f).map_or(0.0, |v| v as f64 / 32768.0)
                        }
                        hr::FILTERED_BPM => {
                            raw.bpm = m
                                .uints(f)
                                .into_iter()
                                .map(|v| u8_of(v).unwrap_or(0))
                                .collect()
                        }
                        hr::EVENT_TIMESTAMP => {
                            raw.event_ts = m
                                .uints(f)
                                .into_iter()
                                .map(|v| u32_of(v).unwrap_or(u32::MAX))
                                .collect()
                        }
                        hr::EVENT_TIMESTAMP_12 => raw.event_ts_12 = m.field_bytes(f).to_vec(),
                        _ => {}
                    }
                }
                // Only a message with its own timestamp field anchors the stream.
                let own_ts = m
                    .def
                    .fields
                    .iter()
                    .find(|f| f.num == FIELD_TIMESTAMP)
                    .and_then(|f| u32_of(m.uint(f)));
                raw.anchor = own_ts.map(|t| t as f64 + frac);
                self.raw_hr.push(raw);
            }
            Kind::TimeInZone => {
                let mut z = TimeInZoneMsg::default();
                for f in &m.def.fields {
                    match f.num {
                        time_in_zone::REFERENCE_MESG => z.reference_mesg = u16_of(m.uint(f)),
                        time_in_zone::REFERENCE_INDEX => z.reference_index = u16_of(m.uint(f)),
                        time_in_zone::TIME_IN_HR_ZONE => {
                            z.hr_secs = m
                                .uints(f)
                                .into_iter()
                                .map(|v| v.map_or(0.0, |v| v as f64 / 1000.0))
                                .collect()
                        }
                        time_in_zone::HR_ZONE_HIGH_BOUNDARY => {
                            z.hr_high_bounds = m.uints(f).into_iter().filter_map(u8_of).collect()
                        }
                        time_in_zone::HR_CALC_TYPE => z.hr_calc_type = u8_of(m.uint(f)),
                        time_in_zone::MAX_HEART_RATE => z.max_hr = u8_of(m.uint(f)),
                        time_in_zone::RESTING_HEART_RATE => z.resting_hr = u8_of(m.uint(f)),
                        time_in_zone::THRESHOLD_HEART_RATE => z.threshold_hr = u8_of(m.uint(f)),
                        _ => {}
                    }
                }
                self.out.time_in_zone.push(z);
            }
            Kind::Activity => {
                self.out.activity_msgs += 1;
                let local = m
                    .def
                    .fields
                    .iter()
                    .find(|f| f.num == activity::LOCAL_TIMESTAMP)
                    .and_then(|f| u32_of(m.uint(f)));
                if let (None, Some(local), Some(t)) = (self.out.utc_offset_s, local, ts) {
                    self.out.utc_offset_s = utc_offset_of(local, t);
                }
            }
        }
    }

    #[inline]
    fn record(&mut self, m: &Msg<'_>, ts: Option<u32>) {
        use profile::record as r;
        let Some(t) = ts else { return };
        let mut hr = 0u8;
        let mut dist = f64::NAN;
        let (mut speed, mut espeed) = (f32::NAN, f32::NAN);
        let (mut alt, mut ealt) = (f32::NAN, f32::NAN);
        let mut cad = f32::NAN;
        let mut power = f32::NAN;
        for f in &m.def.fields {
            let Some(v) = m.uint(f) else { continue };
            match f.num {
                r::HEART_RATE => hr = u8::try_from(v).unwrap_or(0),
                r::DISTANCE => dist = v as f64, // scaled in `finish`
                r::SPEED => speed = (v as f64 / 1000.0) as f32,
                r::ENHANCED_SPEED => espeed = (v as f64 / 1000.0) as f32,
                r::ALTITUDE => alt = (v as f64 / 5.0 - 500.0) as f32,
                r::ENHANCED_ALTITUDE => ealt = (v as f64 / 5.0 - 500.0) as f32,
                r::CADENCE => cad = v as f32,
                r::POWER => power = v as f32,
                _ => {}
            }
        }
        self.out.records.push(RecordRow {
            t_s: t,
            hr_bpm: hr,
            distance_m: dist,
            speed_mps: if espeed.is_nan() { speed } else { espeed },
            altitude_m: if ealt.is_nan() { alt } else { ealt },
            cadence_rpm: cad,
            power_w: power,
        });
    }

    fn finish(mut self) -> FitData {
        if self.narrow_fields > 0 {
            let at = self.narrow_first;
            self.out.warnings.push(Warning {
                offset: at,
                kind: WarningKind::NarrowFields {
                    count: self.narrow_fields,
                },
            });
        }
        self.out.hr_stream = resolve_hr_stream(&self.raw_hr);
        // Record distances were stored in the file's unit (1/100 m) as they were read: one
        // division per record inside the decoding loop was its slowest instruction, and a
        // pass over the column divides several at a time (same operands, same results).
        for d in &mut self.out.records.distance_m {
            *d /= 100.0;
        }
        self.out
    }
}

/// Appends one record row read through its definition's slots: the same row
/// [`Decoder::record`] makes from the same message (same scales, same "missing" values).
#[inline(always)]
fn push_record(c: &mut RecordColumns, s: &RecordSlots, data: &[u8], be: bool, t: u32) {
    c.push(record_row(s, t, |slot| slot.and_then(|f| f.read(data, be))));
}

/// A record through its slots, read from `b` (which runs past the message, see
/// `Slot::read`); a timestamp field moves the base for compressed timestamps.
fn record_from_slots(
    records: &mut RecordColumns,
    last_ts: &mut Option<u32>,
    slots: &RecordSlots,
    b: &[u8],
    be: bool,
    ts: Option<u32>,
) {
    let mut ts = ts;
    if let Some(t) = u32_of(slots.timestamp.and_then(|f| f.read(b, be))) {
        ts = Some(t);
        *last_ts = Some(t);
    }
    if let Some(t) = ts {
        push_record(records, slots, b, be, t);
    }
}

/// Where [`record_run`] puts what it reads.
struct RunOut<'a> {
    columns: &'a mut RecordColumns,
    rows: &'a mut RowBatch,
    last_ts: &'a mut Option<u32>,
}

/// What [`record_run`] needs of a window definition.
#[derive(Clone, Copy)]
struct RecordRun<'a> {
    plan: &'a RecordPlan,
    /// Message size without the header byte.
    size: usize,
    /// The normal header byte of the definition's data messages.
    header: u8,
    /// Messages the per-file record limit still allows.
    max: u64,
    /// [`Decoder::skip_len`]: messages stepped over inside a run.
    skip_len: &'a [u32; 16],
}

/// Reads the run of record messages whose header byte is `run.header` from `data[p]` on:
/// the same rows [`push_record_window`] makes one message at a time (`tests` check this),
/// with the definition's lanes held in registers and no dispatch per message. Messages
/// skipped whole (normal header, [`MsgPath::Nothing`]: device info, HRV, GPS metadata
/// between records) are stepped over inside the run. Stops at any other header, at a
/// record whose window would run past the data (left to the general path), or after
/// `run.max` records. Returns the position after the run, the records read and the
/// messages stepped over; the caller takes the run only when it read a record (nothing
/// is stepped over before the first record).
#[inline(never)]
fn record_run<const BE: bool>(
    run: RecordRun<'_>,
    data: &[u8],
    mut p: usize,
    out: RunOut<'_>,
) -> (usize, u64, u64) {
    let RunOut {
        columns: c,
        rows,
        last_ts,
    } = out;
    let l = *run.plan;
    let (mut n, mut skipped) = (0u64, 0u64);
    let mut last = None;
    while let Some(&h) = data.get(p) {
        if h != run.header {
            let len = run.skip_len[(h & 0x0F) as usize] as usize;
            if h & 0xC0 == 0 && len != 0 && data.len() - p >= len {
                p += len;
                skipped += 1;
                continue;
            }
            break;
        }
        if n >= run.max {
            break;
        }
        let body = p + 1;
        let Some(w) = data.get(body..).and_then(|d| d.first_chunk::<WINDOW>()) else {
            break;
        };
        if data.len() - body < run.size {
            break;
        }
        n += 1;
        p = body + run.size;
        let (t, t_ok) = l.timestamp.get::<BE>(w);
        if !t_ok {
            // A record without a timestamp (normal header) makes no row.
            continue;
        }
        last = Some(t);
        let (hr, hr_ok) = l.heart_rate.get::<BE>(w);
        let (dist, dist_ok) = l.distance.get::<BE>(w);
        let (es, es_ok) = l.enhanced_speed.get::<BE>(w);
        let (sp, sp_ok) = l.speed.get::<BE>(w);
        let (ea, ea_ok) = l.enhanced_altitude.get::<BE>(w);
        let (al, al_ok) = l.altitude.get::<BE>(w);
        let (cad, cad_ok) = l.cadence.get::<BE>(w);
        let (pw, pw_ok) = l.power.get::<BE>(w);
        let speed = if es_ok { es } else { sp };
        let alt = if ea_ok { ea } else { al };
        rows.push(
            c,
            RecordRow {
                t_s: t,
                hr_bpm: if hr_ok {
                    u8::try_from(hr).unwrap_or(0)
                } else {
                    0
                },
                distance_m: if dist_ok { f64::from(dist) } else { f64::NAN },
                speed_mps: if es_ok || sp_ok {
                    speed_of(speed)
                } else {
                    f32::NAN
                },
                altitude_m: if ea_ok || al_ok {
                    altitude_of(alt)
                } else {
                    f32::NAN
                },
                cadence_rpm: if cad_ok { cad as f32 } else { f32::NAN },
                power_w: if pw_ok { pw as f32 } else { f32::NAN },
            },
        );
    }
    rows.flush(c);
    if last.is_some() {
        *last_ts = last;
    }
    (p, n, skipped)
}

/// Rows of a run gathered in fixed arrays and appended to the columns a batch at a time:
/// a row is then seven stores at one index, where pushing it onto seven `Vec`s reloaded
/// and checked each one's length and capacity (the compiler cannot tell that storing a
/// value does not change a `Vec`'s length).
struct RowBatch {
    len: usize,
    t_s: [u32; ROW_BATCH],
    hr_bpm: [u8; ROW_BATCH],
    distance_m: [f64; ROW_BATCH],
    speed_mps: [f32; ROW_BATCH],
    altitude_m: [f32; ROW_BATCH],
    cadence_rpm: [f32; ROW_BATCH],
    power_w: [f32; ROW_BATCH],
}

/// Rows per [`RowBatch`] (1.9 KB of stack).
const ROW_BATCH: usize = 64;

impl RowBatch {
    fn new() -> RowBatch {
        RowBatch {
            len: 0,
            t_s: [0; ROW_BATCH],
            hr_bpm: [0; ROW_BATCH],
            distance_m: [0.0; ROW_BATCH],
            speed_mps: [0.0; ROW_BATCH],
            altitude_m: [0.0; ROW_BATCH],
            cadence_rpm: [0.0; ROW_BATCH],
            power_w: [0.0; ROW_BATCH],
        }
    }

    #[inline(always)]
    fn push(&mut self, c: &mut RecordColumns, r: RecordRow) {
        if self.len >= ROW_BATCH {
            self.flush(c);
        }
        // `min` is a no-op after the flush; it lets the compiler drop the bounds checks.
        let i = self.len.min(ROW_BATCH - 1);
        self.t_s[i] = r.t_s;
        self.hr_bpm[i] = r.hr_bpm;
        self.distance_m[i] = r.distance_m;
        self.speed_mps[i] = r.speed_mps;
        self.altitude_m[i] = r.altitude_m;
        self.cadence_rpm[i] = r.cadence_rpm;
        self.power_w[i] = r.power_w;
        self.len = i + 1;
    }

    #[inline(never)]
    fn flush(&mut self, c: &mut RecordColumns) {
        let n = self.len.min(ROW_BATCH);
        c.t_s.extend_from_slice(&self.t_s[..n]);
        c.hr_bpm.extend_from_slice(&self.hr_bpm[..n]);
        c.distance_m.extend_from_slice(&self.distance_m[..n]);
        c.speed_mps.extend_from_slice(&self.speed_mps[..n]);
        c.altitude_m.extend_from_slice(&self.altitude_m[..n]);
        c.cadence_rpm.extend_from_slice(&self.cadence_rpm[..n]);
        c.power_w.extend_from_slice(&self.power_w[..n]);
        self.len = 0;
    }
}

/// A record's speed, m/s, from the raw value (mm/s): `(v / 1000.0) as f32`, computed as a
/// multiplication. Equal for every `u32` (checked exhaustively, 4.3 billion values: the
/// `#[ignore]`d test `reciprocal_scales_equal_division_for_every_u32`); a division per
/// record was the slowest instruction of the record loop.
#[inline(always)]
fn speed_of(v: u32) -> f32 {
    (f64::from(v) * (1.0 / 1000.0)) as f32
}

/// A record's altitude, m, from the raw value (1/5 m, offset 500 m): `(v / 5.0 - 500.0)
/// as f32` as a multiplication, equal for every `u32` (see [`speed_of`]).
#[inline(always)]
fn altitude_of(v: u32) -> f32 {
    (f64::from(v) * 0.2 - 500.0) as f32
}

/// [`push_record`] for a window definition: the same row (values of at most 32 bits
/// convert exactly either way).
#[inline(always)]
fn push_record_window<const BE: bool>(
    c: &mut RecordColumns,
    s: &RecordSlots,
    w: &[u8; WINDOW],
    t: u32,
) {
    c.push(record_row(s, t, |slot| {
        slot.and_then(|f| f.read_window::<BE>(w))
    }));
}

/// A field value as read by one of the record paths: 64 bits through [`Slot::read`], 32
/// through [`Slot::read_window`] (whose conversions to float are one instruction).
trait RawValue: Copy {
    fn bpm(self) -> u8;
    fn to_f64(self) -> f64;
    fn to_f32(self) -> f32;
}

impl RawValue for u64 {
    fn bpm(self) -> u8 {
        u8::try_from(self).unwrap_or(0)
    }
    fn to_f64(self) -> f64 {
        to_f64(self)
    }
    fn to_f32(self) -> f32 {
        to_f32(self)
    }
}

impl RawValue for u32 {
    fn bpm(self) -> u8 {
        u8::try_from(self).unwrap_or(0)
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
}

/// One record row from its slots, with the profile's scales (distance is scaled later,
/// in `Decoder::finish`); `get` reads a slot's value, or None when absent or invalid.
#[inline(always)]
fn record_row<V: RawValue>(
    s: &RecordSlots,
    t: u32,
    get: impl Fn(Option<Slot>) -> Option<V>,
) -> RecordRow {
    RecordRow {
        t_s: t,
        hr_bpm: get(s.heart_rate).map_or(0, V::bpm),
        distance_m: get(s.distance).map_or(f64::NAN, V::to_f64),
        speed_mps: get(s.enhanced_speed)
            .or_else(|| get(s.speed))
            .map_or(f32::NAN, |v| (v.to_f64() / 1000.0) as f32),
        altitude_m: get(s.enhanced_altitude)
            .or_else(|| get(s.altitude))
            .map_or(f32::NAN, |v| (v.to_f64() / 5.0 - 500.0) as f32),
        cadence_rpm: get(s.cadence).map_or(f32::NAN, V::to_f32),
        power_w: get(s.power).map_or(f32::NAN, V::to_f32),
    }
}

/// `v as f64`, in one instruction for the values record fields hold (at most 32 bits):
/// x86-64 has no unsigned 64-bit conversion, and the compiler's sequence for one was the
/// hottest part of a record.
#[inline(always)]
fn to_f64(v: u64) -> f64 {
    match u32::try_from(v) {
        Ok(small) => small as f64,
        Err(_) => v as f64,
    }
}

/// `v as f32`, the same way round as [`to_f64`].
#[inline(always)]
fn to_f32(v: u64) -> f32 {
    match u32::try_from(v) {
        Ok(small) => small as f32,
        Err(_) => v as f32,
    }
}

/// Turns `hr` messages into (time, bpm) samples, following the FIT SDK's
/// `HrToRecordMesgBroadcastPlugin`: a message with a timestamp anchors the stream
/// (timestamp + fractional_timestamp ↔ its first event_timestamp); each event timestamp
/// (1/1024 s) is placed relative to that anchor. Packed 12-bit event timestamps
/// (`event_timestamp_12`, two per three bytes) extend the last full one by their
/// rolling difference.
fn resolve_hr_stream(raw: &[RawHr]) -> Vec<(f64, u8)> {
    let mut out = Vec::new();
    let mut anchor: Option<(f64, u32)> = None; // (FIT s, event ticks)
    let mut last_ticks: Option<u32> = None;
    for m in raw {
        let mut ticks: Vec<u32> = m
            .event_ts
            .iter()
            .copied()
            .filter(|&t| t != u32::MAX)
            .collect();
        if ticks.is_empty() && !m.event_ts_12.is_empty() {
            if let Some(mut last) = last_ticks {
                for c in m.event_ts_12.chunks_exact(3) {
                    let v0 = c[0] as u32 | ((c[1] as u32 & 0x0F) << 8);
                    let v1 = (c[1] as u32 >> 4) | ((c[2] as u32) << 4);
                    for v in [v0, v1] {
                        last = last.wrapping_add(v.wrapping_sub(last & 0xFFF) & 0xFFF);
                        ticks.push(last);
                    }
                }
            }
        }
        if let (Some(a), Some(&first)) = (m.anchor, ticks.first()) {
            anchor = Some((a, first));
        }
        if let Some(&last) = ticks.last() {
            last_ticks = Some(last);
        }
        let Some((anchor_s, anchor_ticks)) = anchor else {
            continue;
        };
        for (i, &t) in ticks.iter().enumerate() {
            let bpm = m.bpm.get(i).copied().unwrap_or(0);
            if bpm == 0 || bpm == 0xFF {
                continue;
            }
            let dt = t.wrapping_sub(anchor_ticks) as i32 as f64 / 1024.0;
            out.push((anchor_s + dt, bpm));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_fit() {
        assert_eq!(
            decode(&[], DecodeOptions::default()),
            Err(DecodeError::Empty)
        );
        assert!(matches!(
            decode(b"hello", DecodeOptions::default()),
            Err(DecodeError::TooShort { len: 5 })
        ));
        assert!(matches!(
            decode(b"<?xml version='1.0'?><gpx>", DecodeOptions::default()),
            Err(DecodeError::NotFit { .. })
        ));
    }

    #[test]
    fn invalid_values_by_class() {
        assert!(is_invalid(0xFF, 1, Class::Unsigned));
        assert!(!is_invalid(0xFE, 1, Class::Unsigned));
        assert!(is_invalid(0xFFFF_FFFF, 4, Class::Unsigned));
        assert!(is_invalid(0x7FFF, 2, Class::Signed));
        assert!(is_invalid(0, 4, Class::Zero));
        assert!(!is_invalid(1, 4, Class::Zero));
    }

    #[test]
    fn reads_both_endians() {
        assert_eq!(read_uint(&[0x01, 0x02], false), 0x0201);
        assert_eq!(read_uint(&[0x01, 0x02], true), 0x0102);
        assert_eq!(read_uint(&[1, 2, 3, 4], true), 0x0102_0304);
        assert_eq!(read_uint(&[1, 2, 3], false), 0x03_0201);
        assert_eq!(read_uint(&[1, 2, 3], true), 0x01_0203);
    }

    /// A FIT file around `data` (14-byte header with CRC 0, file CRC appended).
    fn fit_file(data: &[u8]) -> Vec<u8> {
        let mut f = vec![14, 0x20, 0x08, 0x08];
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(b".FIT\0\0");
        f.extend_from_slice(data);
        let c = crc::crc16(&f);
        f.extend_from_slice(&c.to_le_bytes());
        f
    }

    /// A definition message: (local, big endian, global, [(field, size, base type)]).
    fn definition(local: u8, be: bool, global: u16, fields: &[(u8, u8, u8)]) -> Vec<u8> {
        let g = if be {
            global.to_be_bytes()
        } else {
            global.to_le_bytes()
        };
        let mut d = vec![
            0x40 | local,
            0,
            u8::from(be),
            g[0],
            g[1],
            fields.len() as u8,
        ];
        for &(num, size, base) in fields {
            d.extend_from_slice(&[num, size, base]);
        }
        d
    }

    // Regression test for the record fast path (`MsgPath::Record`): the same rows as
    // the general path, in both byte orders, with invalid values, enhanced fields
    // falling back to the plain ones, compressed timestamps, and a definition that
    // repeats a field (which must take the general path: last valid value wins).
    #[test]
    fn record_fast_path_rows_match_hand_decoded_values() {
        const U8: u8 = 0x02;
        const U16: u8 = 0x84;
        const U32: u8 = 0x86;
        const S32: u8 = 0x85;
        let mut d = definition(
            0,
            false,
            mesg::RECORD,
            &[
                (253, 4, U32),
                (3, 1, U8),
                (5, 4, U32),
                (6, 2, U16),
                (2, 2, U16),
                (4, 1, U8),
                (7, 2, U16),
                (73, 4, U32),
                (0, 4, S32), // position_lat: not read
            ],
        );
        d.push(0);
        d.extend_from_slice(&1000u32.to_le_bytes());
        d.push(150);
        d.extend_from_slice(&12_345u32.to_le_bytes()); // 123.45 m
        d.extend_from_slice(&3000u16.to_le_bytes()); // 3.0 m/s
        d.extend_from_slice(&2600u16.to_le_bytes()); // 2600 / 5 - 500 = 20 m
        d.push(85);
        d.extend_from_slice(&0xFFFFu16.to_le_bytes()); // power invalid
        d.extend_from_slice(&u32::MAX.to_le_bytes()); // enhanced_speed invalid: use speed
        d.extend_from_slice(&7i32.to_le_bytes());
        // Big endian: timestamp, heart rate, enhanced altitude.
        d.extend(definition(
            1,
            true,
            mesg::RECORD,
            &[(253, 4, U32), (3, 1, U8), (78, 4, U32)],
        ));
        d.push(1);
        d.extend_from_slice(&1001u32.to_be_bytes());
        // No heart rate, then enhanced altitude 3000: 3000 / 5 - 500 = 100 m.
        d.push(0xFF);
        d.extend_from_slice(&3000u32.to_be_bytes());
        // Compressed timestamp, local 1, offset 12: 1001 = 31 * 32 + 9, so 1001 - 9 + 12.
        d.push(0x80 | (1 << 5) | 12);
        d.extend_from_slice(&u32::MAX.to_be_bytes());
        d.push(140);
        d.extend_from_slice(&u32::MAX.to_be_bytes());
        // Heart rate twice in one definition.
        d.extend(definition(
            2,
            false,
            mesg::RECORD,
            &[(253, 4, U32), (3, 1, U8), (3, 1, U8)],
        ));
        for (t, a, b) in [
            (1010u32, 120u8, 0xFFu8),
            (1011, 0xFF, 130),
            (1012, 110, 111),
        ] {
            d.push(2);
            d.extend_from_slice(&t.to_le_bytes());
            d.extend_from_slice(&[a, b]);
        }
        // Last in the data, so its fields are read by the exact-width reads (fewer than
        // 8 bytes left): compressed, big endian; 1012 = 31 * 32 + 20, offset 25.
        d.push(0x80 | (1 << 5) | 25);
        d.extend_from_slice(&u32::MAX.to_be_bytes());
        d.push(100);
        d.extend_from_slice(&4000u32.to_be_bytes()); // 4000 / 5 - 500 = 300 m
        let fit = decode(&fit_file(&d), DecodeOptions::default()).unwrap();
        assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
        let r = &fit.records;
        assert_eq!(r.t_s, vec![1000, 1001, 1004, 1010, 1011, 1012, 1017]);
        assert_eq!(r.hr_bpm, vec![150, 0, 140, 120, 130, 111, 100]);
        assert_eq!(r.distance_m[0], 123.45);
        assert!(r.distance_m[1..].iter().all(|x| x.is_nan()));
        assert_eq!(r.speed_mps[0], 3.0);
        assert_eq!(r.altitude_m[..2], [20.0, 100.0]);
        assert!(r.altitude_m[2..6].iter().all(|x| x.is_nan()));
        assert_eq!(r.altitude_m[6], 300.0);
        assert_eq!(r.cadence_rpm[0], 85.0);
        assert!(r.power_w.iter().all(|x| x.is_nan()));
    }

    /// The window path against the slot path it shortcuts, on random record definitions
    /// (every wanted field, random base types of 1, 2, 4 and 8 bytes, random offsets and
    /// array sizes) over random bytes, in both byte orders.
    #[test]
    fn record_window_path_matches_the_slot_path() {
        let mut rnd = crate::testing::rng(0xD1B5_4A32_D192_ED03u64);
        let nums = [253u8, 3, 5, 6, 73, 2, 78, 4, 7];
        let bases = [
            0x00u8, 0x01, 0x02, 0x83, 0x84, 0x85, 0x86, 0x88, 0x8B, 0x8C, 0x8E, 0x8F,
        ];
        let (mut windows, mut rows) = (0, 0);
        for _ in 0..20_000 {
            let mut fields = Vec::new();
            let mut offset = rnd(8) as u16;
            for &num in &nums {
                if rnd(3) == 0 {
                    continue;
                }
                let base = bases[rnd(bases.len() as u64) as usize];
                let (bsize, class) = base_type_info(base);
                let size = bsize * (1 + rnd(2) as u8);
                fields.push(FieldPlan {
                    num,
                    offset,
                    size,
                    elem: bsize.min(size),
                    class,
                });
                offset += size as u16 + rnd(4) as u16;
            }
            let MsgPath::Record(slots) = msg_path(Kind::Record, &fields) else {
                continue;
            };
            if !slots.fits_window {
                continue;
            }
            windows += 1;
            let mut w = [0u8; WINDOW];
            for b in w.iter_mut() {
                // Plenty of 0xFF, so invalid values come up.
                *b = if rnd(3) == 0 { 0xFF } else { rnd(256) as u8 };
            }
            for be in [false, true] {
                let (mut a, mut b) = (RecordColumns::default(), RecordColumns::default());
                match be {
                    true => push_record_window::<true>(&mut a, &slots, &w, 7),
                    false => push_record_window::<false>(&mut a, &slots, &w, 7),
                }
                push_record(&mut b, &slots, &w, be, 7);
                let t = slots.timestamp.and_then(|f| f.read(&w, be));
                let tw = match be {
                    true => slots.timestamp.and_then(|f| f.read_window::<true>(&w)),
                    false => slots.timestamp.and_then(|f| f.read_window::<false>(&w)),
                };
                assert_eq!(tw.map(u64::from), t);
                let bits32 = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                let bits64 = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(a.hr_bpm, b.hr_bpm, "{fields:?} {be}");
                assert_eq!(bits64(&a.distance_m), bits64(&b.distance_m), "{fields:?}");
                assert_eq!(bits32(&a.speed_mps), bits32(&b.speed_mps), "{fields:?}");
                assert_eq!(bits32(&a.altitude_m), bits32(&b.altitude_m), "{fields:?}");
                assert_eq!(bits32(&a.cadence_rpm), bits32(&b.cadence_rpm), "{fields:?}");
                assert_eq!(bits32(&a.power_w), bits32(&b.power_w), "{fields:?}");
                rows += usize::from(!b.hr_bpm.is_empty());
            }
        }
        assert!(
            windows > 3000 && rows > 6000,
            "{windows} window definitions"
        );
    }

    /// Runs of records (`record_run`) against the slot path one message at a time, on
    /// random window definitions in both byte orders: long runs, runs broken by another
    /// definition's records, by compressed-timestamp headers and by a skipped message
    /// with a timestamp, skipped messages between records (stepped over inside the run),
    /// records without a timestamp, and the last records of the data (fewer than a
    /// window left).
    #[test]
    fn record_runs_match_the_slot_path_message_by_message() {
        let mut rnd = crate::testing::rng(0x9E37_79B9_7F4A_7C15u64);
        let nums = [253u8, 3, 5, 6, 73, 2, 78, 4, 7];
        let bases = [0x00u8, 0x02, 0x84, 0x86, 0x83, 0x85, 0x8B, 0x8C];
        let mut runs_seen = 0;
        for case in 0..300 {
            let be = case % 2 == 1;
            // Two record definitions (locals 0 and 1), each field possibly absent.
            let mut data = Vec::new();
            let mut defs = Vec::new();
            for local in 0..2u8 {
                let mut fields = Vec::new();
                let mut plans = Vec::new();
                let mut offset = 0u16;
                for &num in &nums {
                    if num != 253 && rnd(3) == 0 {
                        continue;
                    }
                    let base = if num == 253 {
                        0x86
                    } else {
                        bases[rnd(bases.len() as u64) as usize]
                    };
                    let (size, class) = base_type_info(base);
                    fields.push((num, size, base));
                    plans.push(FieldPlan {
                        num,
                        offset,
                        size,
                        elem: size,
                        class,
                    });
                    offset += size as u16;
                }
                data.extend(definition(local, be, mesg::RECORD, &fields));
                let MsgPath::Record(slots) = msg_path(Kind::Record, &plans) else {
                    panic!("a record definition without repeats takes the record path")
                };
                assert!(slots.fits_window);
                defs.push((slots, offset as usize));
            }
            // Local 2: a message we skip whole (no timestamp); local 3: one we skip but
            // for its timestamp (which moves the compressed-timestamp base).
            let skipped_size = 1 + rnd(40) as usize;
            data.extend(definition(2, be, 0xFF00, &[(0, skipped_size as u8, 0x0D)]));
            data.extend(definition(3, be, 0xFF01, &[(253, 4, 0x86), (1, 2, 0x84)]));
            let mut expected = RecordColumns::default();
            let mut last_ts: Option<u32> = None;
            let mut t = 1_000_000u32 + rnd(1000) as u32;
            let messages = 50 + rnd(200);
            // Every fourth case has nothing that breaks a run: runs longer than a
            // `RowBatch`.
            let breaks = case % 4 != 0;
            for _ in 0..messages {
                match rnd(12) {
                    0 | 1 => {
                        data.push(2);
                        data.extend((0..skipped_size).map(|_| rnd(256) as u8));
                        continue;
                    }
                    2 if breaks => {
                        t += 1;
                        data.push(3);
                        data.extend(if be { t.to_be_bytes() } else { t.to_le_bytes() });
                        data.extend([0x12, 0x34]);
                        last_ts = Some(t);
                        continue;
                    }
                    _ => {}
                }
                let local = if breaks && rnd(8) == 0 { 1 } else { 0 };
                let (slots, size) = &defs[local];
                let mut body: Vec<u8> = (0..*size)
                    .map(|_| if rnd(4) == 0 { 0xFF } else { rnd(256) as u8 })
                    .collect();
                t += 1;
                let ts_at = slots.timestamp.map(|s| s.offset as usize).unwrap_or(0);
                let stamp = if rnd(20) == 0 { u32::MAX } else { t };
                let ts_bytes = if be {
                    stamp.to_be_bytes()
                } else {
                    stamp.to_le_bytes()
                };
                body[ts_at..ts_at + 4].copy_from_slice(&ts_bytes);
                let compressed = breaks && rnd(10) == 0 && last_ts.is_some();
                let mut ts = None;
                if compressed {
                    // Local in bits 5-6, a time offset in 0-4 (ignored when the record
                    // carries its own timestamp).
                    let last = last_ts.unwrap_or(0);
                    let off = (last + 1) & 0x1F;
                    data.push(0x80 | ((local as u8) << 5) | off as u8);
                    let mut ct = (last & !0x1F) + off;
                    if off < (last & 0x1F) {
                        ct = ct.wrapping_add(0x20);
                    }
                    ts = Some(ct);
                    last_ts = ts;
                } else {
                    data.push(local as u8);
                }
                // The oracle: the slot path on this message alone, padded.
                let mut padded = body.clone();
                padded.resize(*size + 8, 0);
                record_from_slots(&mut expected, &mut last_ts, slots, &padded, be, ts);
                data.extend_from_slice(&body);
            }
            let fit = decode(&fit_file(&data), DecodeOptions::default()).unwrap();
            assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
            assert_eq!(fit.data_messages, messages, "case {case}");
            let got = fit.records;
            for d in &mut expected.distance_m {
                *d /= 100.0;
            }
            let bits32 = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let bits64 = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(got.t_s, expected.t_s, "case {case}");
            assert_eq!(got.hr_bpm, expected.hr_bpm, "case {case}");
            assert_eq!(bits64(&got.distance_m), bits64(&expected.distance_m));
            assert_eq!(bits32(&got.speed_mps), bits32(&expected.speed_mps));
            assert_eq!(bits32(&got.altitude_m), bits32(&expected.altitude_m));
            assert_eq!(bits32(&got.cadence_rpm), bits32(&expected.cadence_rpm));
            assert_eq!(bits32(&got.power_w), bits32(&expected.power_w));
            runs_seen += usize::from(got.t_s.len() > 20);
        }
        assert!(runs_seen > 250, "{runs_seen} cases with long runs");
    }

    /// The multiplications of [`speed_of`] and [`altitude_of`] against the divisions of
    /// the profile, on every `u16` (the plain fields) and a spread of `u32` values (every
    /// 65,537th, and the neighbours of each multiple of 5 × 2^k and 1000 × 2^k, where the
    /// exact quotient can be a tie of the f32 rounding).
    #[test]
    fn reciprocal_scales_equal_division() {
        let check = |v: u32| {
            let x = f64::from(v);
            assert_eq!(
                speed_of(v).to_bits(),
                ((x / 1000.0) as f32).to_bits(),
                "{v}"
            );
            assert_eq!(
                altitude_of(v).to_bits(),
                ((x / 5.0 - 500.0) as f32).to_bits(),
                "{v}"
            );
        };
        (0..=u16::MAX as u32).for_each(check);
        (0..=u32::MAX).step_by(65_537).for_each(check);
        for k in 0..32 {
            for m in [5u64, 1000] {
                let mut base = m << k;
                while base <= u32::MAX as u64 {
                    for d in [-1i64, 0, 1] {
                        if let Ok(v) = u32::try_from(base as i64 + d) {
                            check(v);
                        }
                    }
                    base = base.saturating_mul(3).saturating_add(m << k);
                }
            }
        }
    }

    /// The whole `u32` range (13 CPU-seconds in a release build, run once when
    /// `speed_of`/`altitude_of` were written: no difference): `cargo test --release --lib
    /// reciprocal -- --ignored`.
    #[test]
    #[ignore]
    fn reciprocal_scales_equal_division_for_every_u32() {
        for v in 0..=u32::MAX {
            let x = f64::from(v);
            assert_eq!(
                speed_of(v).to_bits(),
                ((x / 1000.0) as f32).to_bits(),
                "{v}"
            );
            assert_eq!(
                altitude_of(v).to_bits(),
                ((x / 5.0 - 500.0) as f32).to_bits(),
                "{v}"
            );
        }
    }

    #[test]
    fn record_definitions_choose_their_path() {
        let plan = |num, size, base| {
            let (bsize, class) = base_type_info(base);
            FieldPlan {
                num,
                offset: 0,
                size,
                elem: bsize.min(size),
                class,
            }
        };
        let ts = plan(253, 4, 0x86);
        let hr = plan(3, 1, 0x02);
        assert!(matches!(
            msg_path(Kind::Record, &[ts, hr]),
            MsgPath::Record(_)
        ));
        assert!(matches!(
            msg_path(Kind::Record, &[ts, hr, hr]),
            MsgPath::General
        ));
        assert!(matches!(
            msg_path(Kind::Record, &[ts, ts]),
            MsgPath::General
        ));
        assert!(matches!(msg_path(Kind::Skip, &[]), MsgPath::Nothing));
        assert!(matches!(
            msg_path(Kind::Skip, &[ts]),
            MsgPath::TimestampOnly
        ));
        assert!(matches!(msg_path(Kind::Session, &[ts]), MsgPath::General));
        // A float-typed heart rate is never read as an integer, on either path.
        let MsgPath::Record(s) = msg_path(Kind::Record, &[ts, plan(3, 4, 0x88)]) else {
            panic!("expected the record path")
        };
        assert!(s.heart_rate.is_none() && s.timestamp.is_some());
    }

    #[test]
    fn hr_stream_with_packed_timestamps() {
        // Anchor at FIT time 1000 s with event ticks 2048; then two 12-bit values.
        let first = RawHr {
            anchor: Some(1000.0),
            bpm: vec![100],
            event_ts: vec![2048],
            event_ts_12: vec![],
        };
        // 12-bit values 3072 (= +1 s) and 4095 (+~2 s): packed little-endian nibbles.
        let (v0, v1) = (3072u32 & 0xFFF, 4095u32);
        let packed = vec![
            (v0 & 0xFF) as u8,
            (((v0 >> 8) & 0x0F) | ((v1 & 0x0F) << 4)) as u8,
            (v1 >> 4) as u8,
        ];
        let second = RawHr {
            anchor: None,
            bpm: vec![110, 120],
            event_ts: vec![],
            event_ts_12: packed,
        };
        let s = resolve_hr_stream(&[first, second]);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], (1000.0, 100));
        assert_eq!(s[1], (1001.0, 110));
        assert!((s[2].0 - (1000.0 + 2047.0 / 1024.0)).abs() < 1e-9);
    }
}
