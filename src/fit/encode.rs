//! A small FIT writer, so the project can make FIT files whose every number is known:
//! the fixtures in `fixtures/`, the decoder's round-trip tests, and synthetic archives.
//!
//! It writes what the decoder must read — normal and compressed-timestamp record headers,
//! little- and big-endian definitions, developer fields, chained files (by concatenating
//! two [`FitWriter::finish`] outputs) — and nothing cleverer. Field numbers, base types
//! and scales are the FIT profile's (Garmin FIT SDK `Profile.xlsx`); the ones the decoder
//! reads come from [`super::profile`] so writer and reader cannot disagree silently.
//!
//! Local message numbers are managed here: a definition is written only when no local
//! slot holds the same layout already (least recently used slot replaced). Compressed
//! timestamp headers can only address local messages 0–3, so when compression is on the
//! other messages use slots 4–15.
//!
//! What it must not do: write a file that a FIT reader would reject. Sizes a FIT field
//! cannot hold (strings or arrays over 255 bytes, a compressed timestamp out of range)
//! are [`EncodeError`]s, never truncations.

use super::crc;
use super::profile::{self, mesg, FIELD_MESSAGE_INDEX, FIELD_TIMESTAMP};

/// FIT protocol version written in the header (2.0: needed for developer fields).
pub const PROTOCOL_VERSION: u8 = 0x20;
/// Profile version written in the header (21.32).
pub const PROFILE_VERSION: u16 = 2132;

/// `file` enum values (FIT profile type `file`).
pub mod file_type {
    /// Device settings (`user_profile`, `zones_target`, ...).
    pub const SETTINGS: u8 = 2;
    /// Sport settings.
    pub const SPORT: u8 = 3;
    /// An activity.
    pub const ACTIVITY: u8 = 4;
}

/// `hr_zone_calc` enum values (`hr_calc_type`).
pub mod hr_calc {
    /// Custom zones.
    pub const CUSTOM: u8 = 0;
    /// Percent of max HR.
    pub const PERCENT_MAX_HR: u8 = 1;
    /// Percent of heart-rate reserve.
    pub const PERCENT_HRR: u8 = 2;
    /// Percent of lactate-threshold HR.
    pub const PERCENT_LTHR: u8 = 3;
}

/// Message numbers the writer knows beyond those the decoder reads.
pub mod extra_mesg {
    /// `field_description` (describes a developer field).
    pub const FIELD_DESCRIPTION: u16 = 206;
    /// `developer_data_id` (names the application that owns developer fields).
    pub const DEVELOPER_DATA_ID: u16 = 207;
}

/// Something the FIT format cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A field's value needs more than 255 bytes.
    #[error("field {field} of message {global} needs {size} bytes; a FIT field holds at most 255")]
    FieldTooLarge {
        /// Global message number.
        global: u16,
        /// Field number.
        field: u8,
        /// Bytes needed.
        size: usize,
    },
    /// More than 255 fields (or developer fields) in one message.
    #[error("message {global} has {count} fields; a FIT definition holds at most 255")]
    TooManyFields {
        /// Global message number.
        global: u16,
        /// Field count.
        count: usize,
    },
    /// A developer field value whose base type differs from its description.
    #[error("developer field {field} is described as {described:?} but given a {given:?}")]
    DevTypeMismatch {
        /// Developer field number.
        field: u8,
        /// Base type in the `field_description`.
        described: BaseType,
        /// Base type of the value given.
        given: BaseType,
    },
    /// Packed 12-bit HR event timestamps come in pairs (3 bytes per 2 values).
    #[error("packed 12-bit event timestamps need an even count, got {0}")]
    OddPackedCount(usize),
    /// An `hr` message whose bpm and event timestamp arrays differ in length.
    #[error("hr message has {bpm} bpm values but {times} event timestamps")]
    HrLengthMismatch {
        /// `filtered_bpm` length.
        bpm: usize,
        /// Event timestamp count.
        times: usize,
    },
}

/// FIT base types (profile type `fit_base_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseType {
    /// `enum` (1 byte, invalid 0xFF).
    Enum,
    /// `sint8`.
    Sint8,
    /// `uint8`.
    Uint8,
    /// `sint16`.
    Sint16,
    /// `uint16`.
    Uint16,
    /// `sint32`.
    Sint32,
    /// `uint32`.
    Uint32,
    /// Null-terminated UTF-8 `string`.
    String,
    /// `uint8z` (invalid 0).
    Uint8z,
    /// `uint16z`.
    Uint16z,
    /// `uint32z`.
    Uint32z,
    /// `byte` (raw bytes, invalid when all 0xFF).
    Byte,
}

impl BaseType {
    /// The base type byte of a field definition (endian-ability bit included).
    pub fn code(self) -> u8 {
        match self {
            BaseType::Enum => 0x00,
            BaseType::Sint8 => 0x01,
            BaseType::Uint8 => 0x02,
            BaseType::Sint16 => 0x83,
            BaseType::Uint16 => 0x84,
            BaseType::Sint32 => 0x85,
            BaseType::Uint32 => 0x86,
            BaseType::String => 0x07,
            BaseType::Uint8z => 0x0A,
            BaseType::Uint16z => 0x8B,
            BaseType::Uint32z => 0x8C,
            BaseType::Byte => 0x0D,
        }
    }

    /// The base type number as `field_description.fit_base_type_id` stores it.
    pub fn id(self) -> u8 {
        self.code()
    }
}

/// A field value; the variant fixes the base type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `enum`.
    Enum(u8),
    /// `uint8`.
    U8(u8),
    /// `uint16`.
    U16(u16),
    /// `uint32`.
    U32(u32),
    /// `sint8`.
    I8(i8),
    /// `sint16`.
    I16(i16),
    /// `sint32`.
    I32(i32),
    /// `uint32z`.
    U32z(u32),
    /// `uint8` array.
    U8Array(Vec<u8>),
    /// `uint16` array.
    U16Array(Vec<u16>),
    /// `uint32` array.
    U32Array(Vec<u32>),
    /// `byte` array.
    Bytes(Vec<u8>),
    /// `string`, written with its null terminator.
    String(String),
}

impl Value {
    /// The base type this value is written as.
    pub fn base_type(&self) -> BaseType {
        match self {
            Value::Enum(_) => BaseType::Enum,
            Value::U8(_) | Value::U8Array(_) => BaseType::Uint8,
            Value::U16(_) | Value::U16Array(_) => BaseType::Uint16,
            Value::U32(_) | Value::U32Array(_) => BaseType::Uint32,
            Value::I8(_) => BaseType::Sint8,
            Value::I16(_) => BaseType::Sint16,
            Value::I32(_) => BaseType::Sint32,
            Value::U32z(_) => BaseType::Uint32z,
            Value::Bytes(_) => BaseType::Byte,
            Value::String(_) => BaseType::String,
        }
    }

    /// Bytes the value takes in a data message.
    pub fn size(&self) -> usize {
        match self {
            Value::Enum(_) | Value::U8(_) | Value::I8(_) => 1,
            Value::U16(_) | Value::I16(_) => 2,
            Value::U32(_) | Value::I32(_) | Value::U32z(_) => 4,
            Value::U8Array(v) | Value::Bytes(v) => v.len(),
            Value::U16Array(v) => v.len() * 2,
            Value::U32Array(v) => v.len() * 4,
            Value::String(s) => s.len() + 1,
        }
    }

    fn write(&self, big_endian: bool, out: &mut Vec<u8>) {
        macro_rules! put {
            ($x:expr) => {
                if big_endian {
                    out.extend_from_slice(&$x.to_be_bytes())
                } else {
                    out.extend_from_slice(&$x.to_le_bytes())
                }
            };
        }
        match self {
            Value::Enum(x) | Value::U8(x) => out.push(*x),
            Value::I8(x) => out.push(*x as u8),
            Value::U16(x) => put!(x),
            Value::I16(x) => put!(x),
            Value::U32(x) | Value::U32z(x) => put!(x),
            Value::I32(x) => put!(x),
            Value::U8Array(v) | Value::Bytes(v) => out.extend_from_slice(v),
            Value::U16Array(v) => v.iter().for_each(|x| put!(x)),
            Value::U32Array(v) => v.iter().for_each(|x| put!(x)),
            Value::String(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
        }
    }
}

/// One field of a message: its number in the profile and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field number.
    pub num: u8,
    /// Value (fixes the base type and size).
    pub value: Value,
}

impl Field {
    /// A field.
    pub fn new(num: u8, value: Value) -> Field {
        Field { num, value }
    }
}

/// A developer field, as declared by [`FitWriter::field_description`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevField {
    /// `developer_data_index` of the owning application.
    pub dev_index: u8,
    /// `field_definition_number`.
    pub num: u8,
    /// Base type its values have.
    pub base: BaseType,
}

/// `file_id` content.
#[derive(Debug, Clone, PartialEq)]
pub struct FileIdMsg {
    /// `type` ([`file_type`]).
    pub file_type: u8,
    /// `manufacturer` (1 = Garmin, 255 = development).
    pub manufacturer: u16,
    /// `product`.
    pub product: u16,
    /// `serial_number`.
    pub serial_number: Option<u32>,
    /// `time_created`, FIT s.
    pub time_created: Option<u32>,
}

/// `user_profile` content (the HR fields hrzones reads).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserProfileMsg {
    /// `gender` (0 female, 1 male).
    pub gender: Option<u8>,
    /// `resting_heart_rate`, bpm.
    pub resting_hr: Option<u8>,
    /// `default_max_running_heart_rate`, bpm.
    pub max_running_hr: Option<u8>,
    /// `default_max_heart_rate`, bpm.
    pub default_max_hr: Option<u8>,
}

/// `zones_target` content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZonesTargetMsg {
    /// `max_heart_rate`, bpm.
    pub max_hr: Option<u8>,
    /// `threshold_heart_rate`, bpm.
    pub threshold_hr: Option<u8>,
    /// `hr_calc_type` ([`hr_calc`]).
    pub hr_calc_type: Option<u8>,
}

/// A `record` (one sample). Speed and altitude are written as the `enhanced_` fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordMsg {
    /// `timestamp`, FIT s.
    pub t_s: u32,
    /// `heart_rate`, bpm, written as given (0xFF is FIT's invalid value).
    pub hr_bpm: Option<u8>,
    /// `distance`, m (scale 100).
    pub distance_m: Option<f64>,
    /// `enhanced_speed`, m/s (scale 1000).
    pub speed_mps: Option<f64>,
    /// `enhanced_altitude`, m (scale 5, offset 500).
    pub altitude_m: Option<f64>,
    /// `cadence`, rpm.
    pub cadence_rpm: Option<u8>,
    /// `power`, W.
    pub power_w: Option<u16>,
    /// `position_lat`, `position_long`, semicircles.
    pub position_semicircles: Option<(i32, i32)>,
}

/// A `lap`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LapMsg {
    /// `message_index`.
    pub message_index: u16,
    /// `timestamp` (end), FIT s.
    pub t_s: u32,
    /// `start_time`, FIT s.
    pub start_s: u32,
    /// `total_elapsed_time`, s.
    pub elapsed_s: f64,
    /// `total_timer_time`, s.
    pub timer_s: f64,
    /// `total_distance`, m.
    pub distance_m: Option<f64>,
    /// `avg_heart_rate`, bpm.
    pub avg_hr: Option<u8>,
    /// `max_heart_rate`, bpm.
    pub max_hr: Option<u8>,
}

/// A `session`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionMsg {
    /// `message_index`.
    pub message_index: u16,
    /// `timestamp` (end), FIT s.
    pub t_s: u32,
    /// `start_time`, FIT s.
    pub start_s: u32,
    /// `sport`.
    pub sport: u8,
    /// `sub_sport`.
    pub sub_sport: u8,
    /// `total_elapsed_time`, s.
    pub elapsed_s: f64,
    /// `total_timer_time`, s.
    pub timer_s: f64,
    /// `total_distance`, m.
    pub distance_m: Option<f64>,
    /// `avg_heart_rate`, bpm.
    pub avg_hr: Option<u8>,
    /// `max_heart_rate`, bpm.
    pub max_hr: Option<u8>,
    /// `sport_profile_name`.
    pub sport_profile_name: Option<String>,
    /// `training_stress_score` (scale 10).
    pub training_stress_score: Option<f64>,
    /// `total_training_effect` (scale 10).
    pub total_training_effect: Option<f64>,
    /// `time_in_hr_zone`, s (scale 1000): the field older devices write in the session.
    pub time_in_hr_zone_s: Vec<f64>,
    /// `first_lap_index`.
    pub first_lap_index: Option<u16>,
    /// `num_laps`.
    pub num_laps: Option<u16>,
}

/// A `time_in_zone` message (global 216): the watch's own time in zone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeInZoneMsg {
    /// `timestamp`, FIT s.
    pub t_s: u32,
    /// `reference_mesg` (18 = session, 19 = lap).
    pub reference_mesg: u16,
    /// `reference_index`.
    pub reference_index: u16,
    /// `time_in_hr_zone`, s; index 0 = below zone 1.
    pub hr_secs: Vec<f64>,
    /// `hr_zone_high_boundary`, bpm; index 0 = top of "below zone 1".
    pub hr_high_bounds: Vec<u8>,
    /// `hr_calc_type`.
    pub hr_calc_type: Option<u8>,
    /// `max_heart_rate`.
    pub max_hr: Option<u8>,
    /// `resting_heart_rate`.
    pub resting_hr: Option<u8>,
    /// `threshold_heart_rate`.
    pub threshold_hr: Option<u8>,
}

/// Event times of an `hr` message, in 1/1024 s ticks of the strap's clock.
#[derive(Debug, Clone, PartialEq)]
pub enum HrEventTicks {
    /// `event_timestamp` (uint32 array, scale 1024).
    Full(Vec<u32>),
    /// `event_timestamp_12`: the low 12 bits of each tick, two values per three bytes.
    Packed12(Vec<u32>),
}

impl HrEventTicks {
    fn len(&self) -> usize {
        match self {
            HrEventTicks::Full(v) | HrEventTicks::Packed12(v) => v.len(),
        }
    }
}

/// An `hr` message: stored strap heart rate.
#[derive(Debug, Clone, PartialEq)]
pub struct HrMsg {
    /// `timestamp` (FIT s) and fraction of a second (`fractional_timestamp`, scale 32768):
    /// the anchor that ties the first event tick to a date.
    pub anchor: Option<(u32, f64)>,
    /// `filtered_bpm`.
    pub filtered_bpm: Vec<u8>,
    /// Event times, one per bpm value.
    pub event_ticks: HrEventTicks,
}

/// Layout of a definition: what decides whether a local slot can be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DefKey {
    global: u16,
    big_endian: bool,
    fields: Vec<(u8, u8, u8)>,
    dev: Vec<(u8, u8, u8)>,
}

/// Builds one FIT file in memory.
#[derive(Debug, Clone, Default)]
pub struct FitWriter {
    data: Vec<u8>,
    big_endian: bool,
    compressed_timestamps: bool,
    slots: [Option<DefKey>; 16],
    slot_used: [u64; 16],
    clock: u64,
    last_ts: Option<u32>,
    definitions_written: u32,
    messages_written: u32,
}

fn u8_if(num: u8, v: Option<u8>) -> Option<Field> {
    v.map(|x| Field::new(num, Value::U8(x)))
}

/// `round((x + offset) * scale)`, kept below the type's invalid value.
fn scaled_u32(x: f64, scale: f64, offset: f64) -> u32 {
    ((x + offset) * scale)
        .round()
        .clamp(0.0, (u32::MAX - 1) as f64) as u32
}

fn scaled_u16(x: f64, scale: f64) -> u16 {
    (x * scale).round().clamp(0.0, (u16::MAX - 1) as f64) as u16
}

fn scaled_u8(x: f64, scale: f64) -> u8 {
    (x * scale).round().clamp(0.0, (u8::MAX - 1) as f64) as u8
}

impl FitWriter {
    /// An empty activity-agnostic writer: little-endian, normal record headers.
    pub fn new() -> FitWriter {
        FitWriter::default()
    }

    /// Writes the following definitions big-endian (architecture 1) or little-endian.
    pub fn set_big_endian(&mut self, big_endian: bool) {
        self.big_endian = big_endian;
    }

    /// Writes the following records with compressed-timestamp headers where the time since
    /// the last timestamp is 0–31 s (the header's 5-bit offset), normal headers otherwise.
    pub fn set_compressed_timestamps(&mut self, on: bool) {
        self.compressed_timestamps = on;
    }

    /// Bytes of data (definitions and messages) written so far.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Number of definition messages written so far.
    pub fn definitions_written(&self) -> u32 {
        self.definitions_written
    }

    /// Number of data messages written so far.
    pub fn messages_written(&self) -> u32 {
        self.messages_written
    }

    /// Writes any message: the general form the typed methods use.
    pub fn message(&mut self, global: u16, fields: &[Field]) -> Result<(), EncodeError> {
        self.message_with_dev(global, fields, &[])
    }

    /// Writes a message with developer fields (declared with [`FitWriter::field_description`]).
    pub fn message_with_dev(
        &mut self,
        global: u16,
        fields: &[Field],
        dev: &[(DevField, Value)],
    ) -> Result<(), EncodeError> {
        self.write_message(global, fields, dev, None)
    }

    fn write_message(
        &mut self,
        global: u16,
        fields: &[Field],
        dev: &[(DevField, Value)],
        compressed_t_s: Option<u32>,
    ) -> Result<(), EncodeError> {
        if fields.len() > 255 || dev.len() > 255 {
            return Err(EncodeError::TooManyFields {
                global,
                count: fields.len().max(dev.len()),
            });
        }
        let mut key = DefKey {
            global,
            big_endian: self.big_endian,
            fields: Vec::with_capacity(fields.len()),
            dev: Vec::with_capacity(dev.len()),
        };
        for f in fields {
            let size = f.value.size();
            let size8 =
                u8::try_from(size)
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or(EncodeError::FieldTooLarge {
                        global,
                        field: f.num,
                        size,
                    })?;
            key.fields.push((f.num, size8, f.value.base_type().code()));
        }
        for (d, v) in dev {
            if v.base_type() != d.base {
                return Err(EncodeError::DevTypeMismatch {
                    field: d.num,
                    described: d.base,
                    given: v.base_type(),
                });
            }
            let size = v.size();
            let size8 =
                u8::try_from(size)
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or(EncodeError::FieldTooLarge {
                        global,
                        field: d.num,
                        size,
                    })?;
            key.dev.push((d.num, size8, d.dev_index));
        }
        let local = self.local_for(key, compressed_t_s.is_some());
        match compressed_t_s {
            Some(t) => {
                self.data.push(0x80 | (local << 5) | (t & 0x1F) as u8);
                self.last_ts = Some(t);
            }
            None => self.data.push(local),
        }
        for f in fields {
            f.value.write(self.big_endian, &mut self.data);
            if let (FIELD_TIMESTAMP, Value::U32(t)) = (f.num, &f.value) {
                self.last_ts = Some(*t);
            }
        }
        for (_, v) in dev {
            v.write(self.big_endian, &mut self.data);
        }
        self.messages_written += 1;
        Ok(())
    }

    /// The local message number holding `key`, writing its definition if needed.
    fn local_for(&mut self, key: DefKey, compressed: bool) -> u8 {
        self.clock += 1;
        let range = if compressed {
            0..4
        } else if self.compressed_timestamps {
            4..16
        } else {
            0..16
        };
        if let Some(i) = range
            .clone()
            .find(|&i| self.slots[i].as_ref() == Some(&key))
        {
            self.slot_used[i] = self.clock;
            return i as u8;
        }
        let i = range
            .clone()
            .find(|&i| self.slots[i].is_none())
            .or_else(|| range.min_by_key(|&i| self.slot_used[i]))
            .unwrap_or(0);
        let d = &mut self.data;
        d.push(0x40 | if key.dev.is_empty() { 0 } else { 0x20 } | i as u8);
        d.push(0); // reserved
        d.push(u8::from(key.big_endian));
        if key.big_endian {
            d.extend_from_slice(&key.global.to_be_bytes());
        } else {
            d.extend_from_slice(&key.global.to_le_bytes());
        }
        d.push(key.fields.len() as u8);
        for &(n, s, b) in &key.fields {
            d.extend_from_slice(&[n, s, b]);
        }
        if !key.dev.is_empty() {
            d.push(key.dev.len() as u8);
            for &(n, s, x) in &key.dev {
                d.extend_from_slice(&[n, s, x]);
            }
        }
        self.definitions_written += 1;
        self.slots[i] = Some(key);
        self.slot_used[i] = self.clock;
        i as u8
    }

    /// `file_id`.
    pub fn file_id(&mut self, m: &FileIdMsg) -> Result<(), EncodeError> {
        use profile::file_id as f;
        let mut fields = vec![
            Field::new(f::TYPE, Value::Enum(m.file_type)),
            Field::new(f::MANUFACTURER, Value::U16(m.manufacturer)),
            Field::new(f::PRODUCT, Value::U16(m.product)),
        ];
        if let Some(s) = m.serial_number {
            fields.push(Field::new(f::SERIAL_NUMBER, Value::U32z(s)));
        }
        if let Some(t) = m.time_created {
            fields.push(Field::new(f::TIME_CREATED, Value::U32(t)));
        }
        self.message(mesg::FILE_ID, &fields)
    }

    /// `user_profile`.
    pub fn user_profile(&mut self, m: &UserProfileMsg) -> Result<(), EncodeError> {
        use profile::user_profile as u;
        let fields: Vec<Field> = [
            m.gender.map(|g| Field::new(u::GENDER, Value::Enum(g))),
            u8_if(u::RESTING_HEART_RATE, m.resting_hr),
            u8_if(u::DEFAULT_MAX_RUNNING_HEART_RATE, m.max_running_hr),
            u8_if(u::DEFAULT_MAX_HEART_RATE, m.default_max_hr),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.message(mesg::USER_PROFILE, &fields)
    }

    /// `zones_target`.
    pub fn zones_target(&mut self, m: &ZonesTargetMsg) -> Result<(), EncodeError> {
        use profile::zones_target as z;
        let fields: Vec<Field> = [
            u8_if(z::MAX_HEART_RATE, m.max_hr),
            u8_if(z::THRESHOLD_HEART_RATE, m.threshold_hr),
            m.hr_calc_type
                .map(|c| Field::new(z::HR_CALC_TYPE, Value::Enum(c))),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.message(mesg::ZONES_TARGET, &fields)
    }

    /// `hr_zone`: the high boundary of zone `message_index` (0 = below zone 1).
    pub fn hr_zone(&mut self, message_index: u16, high_bpm: u8) -> Result<(), EncodeError> {
        self.message(
            mesg::HR_ZONE,
            &[
                Field::new(FIELD_MESSAGE_INDEX, Value::U16(message_index)),
                Field::new(profile::hr_zone::HIGH_BPM, Value::U8(high_bpm)),
            ],
        )
    }

    /// `sport`, with the name the user gave the sport profile.
    pub fn sport(
        &mut self,
        sport: u8,
        sub_sport: u8,
        name: Option<&str>,
    ) -> Result<(), EncodeError> {
        use profile::sport as s;
        let mut fields = vec![
            Field::new(s::SPORT, Value::Enum(sport)),
            Field::new(s::SUB_SPORT, Value::Enum(sub_sport)),
        ];
        if let Some(n) = name {
            fields.push(Field::new(s::NAME, Value::String(n.to_string())));
        }
        self.message(mesg::SPORT, &fields)
    }

    /// `workout` with its `wkt_name` (and `sport`, field 4, when given).
    pub fn workout(&mut self, wkt_name: &str, sport: Option<u8>) -> Result<(), EncodeError> {
        let mut fields = vec![Field::new(
            profile::workout::WKT_NAME,
            Value::String(wkt_name.to_string()),
        )];
        if let Some(s) = sport {
            fields.push(Field::new(4, Value::Enum(s)));
        }
        self.message(mesg::WORKOUT, &fields)
    }

    /// An `event` (`event`, `event_type`, `data` = 0).
    pub fn event(&mut self, t_s: u32, event: u8, event_type: u8) -> Result<(), EncodeError> {
        use profile::event as e;
        self.message(
            mesg::EVENT,
            &[
                Field::new(FIELD_TIMESTAMP, Value::U32(t_s)),
                Field::new(e::EVENT, Value::Enum(event)),
                Field::new(e::EVENT_TYPE, Value::Enum(event_type)),
                Field::new(3, Value::U32(0)), // data: timer_trigger manual
            ],
        )
    }

    /// The watch's recovery HR: `event` = `recovery_hr`, `event_type` = marker, `data` = bpm.
    pub fn recovery_hr(&mut self, t_s: u32, bpm: u8) -> Result<(), EncodeError> {
        use profile::event as e;
        self.message(
            mesg::EVENT,
            &[
                Field::new(FIELD_TIMESTAMP, Value::U32(t_s)),
                Field::new(e::EVENT, Value::Enum(e::RECOVERY_HR)),
                Field::new(e::EVENT_TYPE, Value::Enum(3)), // marker
                Field::new(e::DATA, Value::U32(bpm.into())),
            ],
        )
    }

    /// Timer start.
    pub fn timer_start(&mut self, t_s: u32) -> Result<(), EncodeError> {
        self.event(t_s, profile::event::TIMER, profile::event::START)
    }

    /// Timer stop (a pause).
    pub fn timer_stop(&mut self, t_s: u32) -> Result<(), EncodeError> {
        self.event(t_s, profile::event::TIMER, profile::event::STOP)
    }

    /// Timer stop_all (the end of the activity).
    pub fn timer_stop_all(&mut self, t_s: u32) -> Result<(), EncodeError> {
        self.event(t_s, profile::event::TIMER, profile::event::STOP_ALL)
    }

    /// A `record`.
    pub fn record(&mut self, r: &RecordMsg) -> Result<(), EncodeError> {
        self.record_with_dev(r, &[])
    }

    /// A `record` with developer fields.
    pub fn record_with_dev(
        &mut self,
        r: &RecordMsg,
        dev: &[(DevField, Value)],
    ) -> Result<(), EncodeError> {
        use profile::record as f;
        let compress = self.compressed_timestamps
            && self
                .last_ts
                .is_some_and(|last| r.t_s >= last && r.t_s - last < 32);
        let mut fields = Vec::with_capacity(9);
        if !compress {
            fields.push(Field::new(FIELD_TIMESTAMP, Value::U32(r.t_s)));
        }
        if let Some((lat, lon)) = r.position_semicircles {
            fields.push(Field::new(0, Value::I32(lat)));
            fields.push(Field::new(1, Value::I32(lon)));
        }
        fields.extend(u8_if(f::HEART_RATE, r.hr_bpm));
        fields.extend(u8_if(f::CADENCE, r.cadence_rpm));
        if let Some(d) = r.distance_m {
            fields.push(Field::new(
                f::DISTANCE,
                Value::U32(scaled_u32(d, 100.0, 0.0)),
            ));
        }
        if let Some(p) = r.power_w {
            fields.push(Field::new(f::POWER, Value::U16(p)));
        }
        if let Some(v) = r.speed_mps {
            fields.push(Field::new(
                f::ENHANCED_SPEED,
                Value::U32(scaled_u32(v, 1000.0, 0.0)),
            ));
        }
        if let Some(a) = r.altitude_m {
            fields.push(Field::new(
                f::ENHANCED_ALTITUDE,
                Value::U32(scaled_u32(a, 5.0, 500.0)),
            ));
        }
        self.write_message(mesg::RECORD, &fields, dev, compress.then_some(r.t_s))
    }

    /// A `lap`.
    pub fn lap(&mut self, l: &LapMsg) -> Result<(), EncodeError> {
        use profile::lap as f;
        let mut fields = vec![
            Field::new(FIELD_MESSAGE_INDEX, Value::U16(l.message_index)),
            Field::new(FIELD_TIMESTAMP, Value::U32(l.t_s)),
            Field::new(0, Value::Enum(9)), // event: lap
            Field::new(1, Value::Enum(1)), // event_type: stop
            Field::new(f::START_TIME, Value::U32(l.start_s)),
            Field::new(
                f::TOTAL_ELAPSED_TIME,
                Value::U32(scaled_u32(l.elapsed_s, 1000.0, 0.0)),
            ),
            Field::new(
                f::TOTAL_TIMER_TIME,
                Value::U32(scaled_u32(l.timer_s, 1000.0, 0.0)),
            ),
        ];
        if let Some(d) = l.distance_m {
            fields.push(Field::new(
                f::TOTAL_DISTANCE,
                Value::U32(scaled_u32(d, 100.0, 0.0)),
            ));
        }
        fields.extend(u8_if(f::AVG_HEART_RATE, l.avg_hr));
        fields.extend(u8_if(f::MAX_HEART_RATE, l.max_hr));
        self.message(mesg::LAP, &fields)
    }

    /// A `session`.
    pub fn session(&mut self, s: &SessionMsg) -> Result<(), EncodeError> {
        use profile::session as f;
        let mut fields = vec![
            Field::new(FIELD_MESSAGE_INDEX, Value::U16(s.message_index)),
            Field::new(FIELD_TIMESTAMP, Value::U32(s.t_s)),
            Field::new(0, Value::Enum(8)), // event: session
            Field::new(1, Value::Enum(1)), // event_type: stop
            Field::new(f::START_TIME, Value::U32(s.start_s)),
            Field::new(f::SPORT, Value::Enum(s.sport)),
            Field::new(f::SUB_SPORT, Value::Enum(s.sub_sport)),
            Field::new(
                f::TOTAL_ELAPSED_TIME,
                Value::U32(scaled_u32(s.elapsed_s, 1000.0, 0.0)),
            ),
            Field::new(
                f::TOTAL_TIMER_TIME,
                Value::U32(scaled_u32(s.timer_s, 1000.0, 0.0)),
            ),
        ];
        if let Some(d) = s.distance_m {
            fields.push(Field::new(
                f::TOTAL_DISTANCE,
                Value::U32(scaled_u32(d, 100.0, 0.0)),
            ));
        }
        fields.extend(u8_if(f::AVG_HEART_RATE, s.avg_hr));
        fields.extend(u8_if(f::MAX_HEART_RATE, s.max_hr));
        if let Some(te) = s.total_training_effect {
            fields.push(Field::new(
                f::TOTAL_TRAINING_EFFECT,
                Value::U8(scaled_u8(te, 10.0)),
            ));
        }
        if let Some(i) = s.first_lap_index {
            fields.push(Field::new(25, Value::U16(i)));
        }
        if let Some(n) = s.num_laps {
            fields.push(Field::new(26, Value::U16(n)));
        }
        if let Some(tss) = s.training_stress_score {
            fields.push(Field::new(
                f::TRAINING_STRESS_SCORE,
                Value::U16(scaled_u16(tss, 10.0)),
            ));
        }
        if !s.time_in_hr_zone_s.is_empty() {
            fields.push(Field::new(
                f::TIME_IN_HR_ZONE,
                Value::U32Array(
                    s.time_in_hr_zone_s
                        .iter()
                        .map(|&x| scaled_u32(x, 1000.0, 0.0))
                        .collect(),
                ),
            ));
        }
        if let Some(n) = &s.sport_profile_name {
            fields.push(Field::new(f::SPORT_PROFILE_NAME, Value::String(n.clone())));
        }
        self.message(mesg::SESSION, &fields)
    }

    /// A `time_in_zone` message.
    pub fn time_in_zone(&mut self, z: &TimeInZoneMsg) -> Result<(), EncodeError> {
        use profile::time_in_zone as f;
        let mut fields = vec![
            Field::new(FIELD_TIMESTAMP, Value::U32(z.t_s)),
            Field::new(f::REFERENCE_MESG, Value::U16(z.reference_mesg)),
            Field::new(f::REFERENCE_INDEX, Value::U16(z.reference_index)),
        ];
        if !z.hr_secs.is_empty() {
            fields.push(Field::new(
                f::TIME_IN_HR_ZONE,
                Value::U32Array(
                    z.hr_secs
                        .iter()
                        .map(|&x| scaled_u32(x, 1000.0, 0.0))
                        .collect(),
                ),
            ));
        }
        if !z.hr_high_bounds.is_empty() {
            fields.push(Field::new(
                f::HR_ZONE_HIGH_BOUNDARY,
                Value::U8Array(z.hr_high_bounds.clone()),
            ));
        }
        if let Some(c) = z.hr_calc_type {
            fields.push(Field::new(f::HR_CALC_TYPE, Value::Enum(c)));
        }
        fields.extend(u8_if(f::MAX_HEART_RATE, z.max_hr));
        fields.extend(u8_if(f::RESTING_HEART_RATE, z.resting_hr));
        fields.extend(u8_if(f::THRESHOLD_HEART_RATE, z.threshold_hr));
        self.message(mesg::TIME_IN_ZONE, &fields)
    }

    /// An `hr` message (stored strap heart rate).
    pub fn hr(&mut self, h: &HrMsg) -> Result<(), EncodeError> {
        use profile::hr as f;
        if h.filtered_bpm.len() != h.event_ticks.len() {
            return Err(EncodeError::HrLengthMismatch {
                bpm: h.filtered_bpm.len(),
                times: h.event_ticks.len(),
            });
        }
        let mut fields = Vec::with_capacity(4);
        if let Some((t, frac)) = h.anchor {
            fields.push(Field::new(FIELD_TIMESTAMP, Value::U32(t)));
            fields.push(Field::new(
                f::FRACTIONAL_TIMESTAMP,
                Value::U16(scaled_u16(frac, 32768.0)),
            ));
        }
        fields.push(Field::new(
            f::FILTERED_BPM,
            Value::U8Array(h.filtered_bpm.clone()),
        ));
        match &h.event_ticks {
            HrEventTicks::Full(v) => {
                fields.push(Field::new(f::EVENT_TIMESTAMP, Value::U32Array(v.clone())))
            }
            HrEventTicks::Packed12(v) => {
                if v.len() % 2 != 0 {
                    return Err(EncodeError::OddPackedCount(v.len()));
                }
                let mut b = Vec::with_capacity(v.len() / 2 * 3);
                for p in v.chunks_exact(2) {
                    let (v0, v1) = (p[0] & 0xFFF, p[1] & 0xFFF);
                    b.push((v0 & 0xFF) as u8);
                    b.push(((v0 >> 8) | ((v1 & 0x0F) << 4)) as u8);
                    b.push((v1 >> 4) as u8);
                }
                fields.push(Field::new(f::EVENT_TIMESTAMP_12, Value::Bytes(b)));
            }
        }
        self.message(mesg::HR, &fields)
    }

    /// The `activity` message that closes an activity file.
    pub fn activity(
        &mut self,
        t_s: u32,
        total_timer_s: f64,
        num_sessions: u16,
    ) -> Result<(), EncodeError> {
        self.message(
            mesg::ACTIVITY,
            &[
                Field::new(FIELD_TIMESTAMP, Value::U32(t_s)),
                Field::new(0, Value::U32(scaled_u32(total_timer_s, 1000.0, 0.0))),
                Field::new(1, Value::U16(num_sessions)),
                Field::new(2, Value::Enum(u8::from(num_sessions > 1))), // manual / auto_multi_sport
                Field::new(3, Value::Enum(26)),                         // event: activity
                Field::new(4, Value::Enum(1)),                          // event_type: stop
            ],
        )
    }

    /// `developer_data_id`: declares application `dev_index` before its field descriptions.
    pub fn developer_data_id(
        &mut self,
        dev_index: u8,
        application_id: [u8; 16],
    ) -> Result<(), EncodeError> {
        self.message(
            extra_mesg::DEVELOPER_DATA_ID,
            &[
                Field::new(1, Value::Bytes(application_id.to_vec())),
                Field::new(3, Value::U8(dev_index)),
                Field::new(4, Value::U32(1)), // application_version
            ],
        )
    }

    /// `field_description`: declares a developer field of application `dev_index`.
    pub fn field_description(
        &mut self,
        dev_index: u8,
        num: u8,
        base: BaseType,
        name: &str,
        units: Option<&str>,
    ) -> Result<DevField, EncodeError> {
        let mut fields = vec![
            Field::new(0, Value::U8(dev_index)),
            Field::new(1, Value::U8(num)),
            Field::new(2, Value::U8(base.id())),
            Field::new(3, Value::String(name.to_string())),
        ];
        if let Some(u) = units {
            fields.push(Field::new(8, Value::String(u.to_string())));
        }
        self.message(extra_mesg::FIELD_DESCRIPTION, &fields)?;
        Ok(DevField {
            dev_index,
            num,
            base,
        })
    }

    /// The complete file: 14-byte header (with its CRC), the data, and the file CRC.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 16);
        out.push(14);
        out.push(PROTOCOL_VERSION);
        out.extend_from_slice(&PROFILE_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        out.extend_from_slice(b".FIT");
        let header_crc = crc::crc16(&out);
        out.extend_from_slice(&header_crc.to_le_bytes());
        out.extend_from_slice(&self.data);
        let file_crc = crc::crc16(&out);
        out.extend_from_slice(&file_crc.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{decode, DecodeOptions};
    use fitparser::profile::MesgNum;
    use std::collections::HashSet;

    /// 2024-05-01T07:00:00Z as a FIT timestamp.
    const T0: u32 = 1_714_546_800 - 631_065_600;

    fn fp(bytes: &[u8], numeric_enums: bool) -> Vec<fitparser::FitDataRecord> {
        let mut opts = HashSet::new();
        if numeric_enums {
            opts.insert(fitparser::de::DecodeOption::ReturnNumericEnumValues);
        }
        fitparser::de::from_bytes_with_options(bytes, &opts).expect("fitparser decodes our file")
    }

    fn fp_of(recs: &[fitparser::FitDataRecord], kind: MesgNum) -> Vec<&fitparser::FitDataRecord> {
        recs.iter().filter(|r| r.kind() == kind).collect()
    }

    fn fp_val<'a>(r: &'a fitparser::FitDataRecord, name: &str) -> &'a fitparser::Value {
        r.fields()
            .iter()
            .find(|f| f.name() == name)
            .map(|f| f.value())
            .unwrap_or_else(|| panic!("no field {name} in {:?}", r.kind()))
    }

    fn num(v: &fitparser::Value) -> f64 {
        use fitparser::Value as V;
        match v {
            V::Enum(x) | V::UInt8(x) | V::UInt8z(x) | V::Byte(x) => *x as f64,
            V::SInt8(x) => *x as f64,
            V::UInt16(x) | V::UInt16z(x) => *x as f64,
            V::SInt16(x) => *x as f64,
            V::UInt32(x) | V::UInt32z(x) => *x as f64,
            V::SInt32(x) => *x as f64,
            V::Float32(x) => *x as f64,
            V::Float64(x) => *x,
            V::SInt64(x) => *x as f64,
            V::UInt64(x) | V::UInt64z(x) => *x as f64,
            V::Timestamp(t) => (t.timestamp() - profile::FIT_EPOCH_UNIX_S) as f64,
            other => panic!("not a number: {other:?}"),
        }
    }

    fn nums(v: &fitparser::Value) -> Vec<f64> {
        match v {
            fitparser::Value::Array(a) => a.iter().map(num).collect(),
            one => vec![num(one)],
        }
    }

    /// A short activity using every typed method once or more.
    fn sample_activity(big_endian: bool, compressed: bool) -> Vec<u8> {
        let mut w = FitWriter::new();
        w.set_big_endian(big_endian);
        w.set_compressed_timestamps(compressed);
        w.file_id(&FileIdMsg {
            file_type: file_type::ACTIVITY,
            manufacturer: 1,
            product: 3113,
            serial_number: Some(3_900_000_001),
            time_created: Some(T0),
        })
        .unwrap();
        w.user_profile(&UserProfileMsg {
            gender: Some(1),
            resting_hr: Some(48),
            max_running_hr: Some(188),
            default_max_hr: Some(190),
        })
        .unwrap();
        w.zones_target(&ZonesTargetMsg {
            max_hr: Some(190),
            threshold_hr: Some(170),
            hr_calc_type: Some(hr_calc::PERCENT_MAX_HR),
        })
        .unwrap();
        for (i, b) in [95u8, 114, 133, 152, 171, 190].into_iter().enumerate() {
            w.hr_zone(i as u16, b).unwrap();
        }
        w.sport(1, 0, Some("Run")).unwrap();
        w.workout("Recovery run", Some(1)).unwrap();
        w.timer_start(T0).unwrap();
        for k in 0..=60u32 {
            w.record(&RecordMsg {
                t_s: T0 + k,
                hr_bpm: Some(100 + k as u8),
                distance_m: Some(k as f64 * 2.5),
                speed_mps: Some(2.5),
                altitude_m: Some(12.4),
                cadence_rpm: Some(85),
                power_w: Some(250),
                position_semicircles: Some((577_000_000, -1_000_000)),
            })
            .unwrap();
        }
        w.timer_stop_all(T0 + 60).unwrap();
        w.lap(&LapMsg {
            message_index: 0,
            t_s: T0 + 60,
            start_s: T0,
            elapsed_s: 60.0,
            timer_s: 60.0,
            distance_m: Some(150.0),
            avg_hr: Some(130),
            max_hr: Some(160),
        })
        .unwrap();
        w.time_in_zone(&TimeInZoneMsg {
            t_s: T0 + 60,
            reference_mesg: mesg::SESSION,
            reference_index: 0,
            hr_secs: vec![0.0, 14.0, 19.0, 19.0, 8.0, 0.0],
            hr_high_bounds: vec![95, 114, 133, 152, 171, 190],
            hr_calc_type: Some(hr_calc::PERCENT_MAX_HR),
            max_hr: Some(190),
            resting_hr: Some(48),
            threshold_hr: Some(170),
        })
        .unwrap();
        w.session(&SessionMsg {
            message_index: 0,
            t_s: T0 + 60,
            start_s: T0,
            sport: 1,
            sub_sport: 0,
            elapsed_s: 60.0,
            timer_s: 60.0,
            distance_m: Some(150.0),
            avg_hr: Some(130),
            max_hr: Some(160),
            sport_profile_name: Some("Récup".into()),
            training_stress_score: Some(4.2),
            total_training_effect: Some(1.3),
            time_in_hr_zone_s: vec![1.5, 2.0],
            first_lap_index: Some(0),
            num_laps: Some(1),
        })
        .unwrap();
        w.activity(T0 + 60, 60.0, 1).unwrap();
        w.finish()
    }

    #[test]
    fn header_and_file_crc_are_valid() {
        let b = sample_activity(false, false);
        assert_eq!(b[0], 14);
        assert_eq!(&b[8..12], b".FIT");
        assert_eq!(
            u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize,
            b.len() - 16
        );
        assert_eq!(
            crc::crc16(&b[..14]),
            0,
            "header followed by its CRC checks to 0"
        );
        assert_eq!(crc::crc16(&b), 0, "file followed by its CRC checks to 0");
    }

    fn check_ours(b: &[u8]) {
        let d = decode(b, DecodeOptions::default()).unwrap();
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert_eq!(d.file_id.file_type, Some(4));
        assert_eq!(d.file_id.manufacturer, Some(1));
        assert_eq!(d.file_id.product, Some(3113));
        assert_eq!(d.file_id.serial_number, Some(3_900_000_001));
        assert_eq!(d.file_id.time_created, Some(T0));
        let hs = &d.hr_settings;
        assert_eq!(
            (
                hs.gender,
                hs.resting_hr,
                hs.max_running_hr,
                hs.default_max_hr
            ),
            (Some(1), Some(48), Some(188), Some(190))
        );
        assert_eq!(
            (hs.max_hr, hs.threshold_hr, hs.hr_calc_type),
            (Some(190), Some(170), Some(1))
        );
        assert_eq!(
            hs.hr_zone_high_bpm,
            vec![(0, 95), (1, 114), (2, 133), (3, 152), (4, 171), (5, 190)]
        );
        assert_eq!(d.sports.len(), 1);
        assert_eq!(d.sports[0].name.as_deref(), Some("Run"));
        assert_eq!(d.workout_names, vec!["Recovery run".to_string()]);
        let r = &d.records;
        assert_eq!(r.len(), 61);
        assert_eq!(r.t_s[0], T0);
        assert_eq!(r.t_s[60], T0 + 60);
        assert_eq!(r.hr_bpm[37], 137);
        assert_eq!(r.distance_m[60], 150.0);
        assert_eq!(r.speed_mps[5], 2.5);
        assert_eq!(r.altitude_m[5], 12.4);
        assert_eq!(r.cadence_rpm[5], 85.0);
        assert_eq!(r.power_w[5], 250.0);
        assert_eq!(d.timer_events.len(), 2);
        assert_eq!(d.laps.len(), 1);
        assert_eq!(d.laps[0].avg_hr, Some(130));
        assert_eq!(d.laps[0].max_hr, Some(160));
        assert_eq!(d.laps[0].timer_s, Some(60.0));
        let s = &d.sessions[0];
        assert_eq!(s.start_time, Some(T0));
        assert_eq!(s.timestamp, Some(T0 + 60));
        assert_eq!((s.sport, s.sub_sport), (Some(1), Some(0)));
        assert_eq!(
            (s.elapsed_s, s.timer_s, s.distance_m),
            (Some(60.0), Some(60.0), Some(150.0))
        );
        assert_eq!((s.avg_hr, s.max_hr), (Some(130), Some(160)));
        assert_eq!(s.sport_profile_name.as_deref(), Some("Récup"));
        assert_eq!(s.training_stress_score, Some(4.2));
        assert_eq!(s.total_training_effect, Some(1.3));
        assert_eq!(s.time_in_hr_zone_s, vec![1.5, 2.0]);
        let z = &d.time_in_zone[0];
        assert_eq!(z.reference_mesg, Some(18));
        assert_eq!(z.reference_index, Some(0));
        assert_eq!(z.hr_secs, vec![0.0, 14.0, 19.0, 19.0, 8.0, 0.0]);
        assert_eq!(z.hr_high_bounds, vec![95, 114, 133, 152, 171, 190]);
        assert_eq!(
            (z.hr_calc_type, z.max_hr, z.resting_hr, z.threshold_hr),
            (Some(1), Some(190), Some(48), Some(170))
        );
        assert_eq!(d.activity_msgs, 1);
        assert_eq!(d.chained_files, 1);
    }

    fn check_fitparser(b: &[u8]) {
        let recs = fp(b, true);
        let fid = fp_of(&recs, MesgNum::FileId);
        assert_eq!(fid.len(), 1);
        assert_eq!(num(fp_val(fid[0], "type")), 4.0);
        assert_eq!(num(fp_val(fid[0], "time_created")), T0 as f64);
        let up = fp_of(&recs, MesgNum::UserProfile)[0];
        assert_eq!(num(fp_val(up, "resting_heart_rate")), 48.0);
        assert_eq!(num(fp_val(up, "default_max_heart_rate")), 190.0);
        let zt = fp_of(&recs, MesgNum::ZonesTarget)[0];
        assert_eq!(num(fp_val(zt, "max_heart_rate")), 190.0);
        assert_eq!(num(fp_val(zt, "hr_calc_type")), 1.0);
        let zones = fp_of(&recs, MesgNum::HrZone);
        assert_eq!(zones.len(), 6);
        assert_eq!(num(fp_val(zones[3], "high_bpm")), 152.0);
        let wk = fp_of(&recs, MesgNum::Workout)[0];
        assert_eq!(
            fp_val(wk, "wkt_name"),
            &fitparser::Value::String("Recovery run".into())
        );
        let rec = fp_of(&recs, MesgNum::Record);
        assert_eq!(rec.len(), 61);
        for (k, r) in rec.iter().enumerate() {
            assert_eq!(
                num(fp_val(r, "timestamp")),
                (T0 + k as u32) as f64,
                "record {k}"
            );
            assert_eq!(num(fp_val(r, "heart_rate")), 100.0 + k as f64);
            assert!((num(fp_val(r, "distance")) - k as f64 * 2.5).abs() < 1e-9);
        }
        assert!((num(fp_val(rec[3], "enhanced_speed")) - 2.5).abs() < 1e-9);
        assert!((num(fp_val(rec[3], "enhanced_altitude")) - 12.4).abs() < 1e-9);
        assert_eq!(num(fp_val(rec[3], "power")), 250.0);
        assert_eq!(num(fp_val(rec[3], "position_lat")), 577_000_000.0);
        assert_eq!(num(fp_val(rec[3], "position_long")), -1_000_000.0);
        let ev = fp_of(&recs, MesgNum::Event);
        assert_eq!(ev.len(), 2);
        assert_eq!(num(fp_val(ev[1], "event_type")), 4.0);
        let s = fp_of(&recs, MesgNum::Session)[0];
        assert_eq!(num(fp_val(s, "start_time")), T0 as f64);
        assert_eq!(num(fp_val(s, "total_timer_time")), 60.0);
        assert_eq!(num(fp_val(s, "total_distance")), 150.0);
        assert_eq!(num(fp_val(s, "avg_heart_rate")), 130.0);
        assert!((num(fp_val(s, "training_stress_score")) - 4.2).abs() < 1e-9);
        assert_eq!(
            fp_val(s, "sport_profile_name"),
            &fitparser::Value::String("Récup".into())
        );
        let tiz = fp_of(&recs, MesgNum::TimeInZone)[0];
        assert_eq!(
            nums(fp_val(tiz, "time_in_hr_zone")),
            vec![0.0, 14.0, 19.0, 19.0, 8.0, 0.0]
        );
        assert_eq!(
            nums(fp_val(tiz, "hr_zone_high_boundary")),
            vec![95.0, 114.0, 133.0, 152.0, 171.0, 190.0]
        );
        assert_eq!(fp_of(&recs, MesgNum::Activity).len(), 1);
    }

    #[test]
    fn round_trip_little_endian() {
        let b = sample_activity(false, false);
        check_ours(&b);
        check_fitparser(&b);
    }

    #[test]
    fn round_trip_big_endian() {
        let b = sample_activity(true, false);
        assert_ne!(b, sample_activity(false, false));
        check_ours(&b);
        check_fitparser(&b);
    }

    #[test]
    fn round_trip_compressed_timestamps() {
        let b = sample_activity(false, true);
        // All 61 records use a compressed header (the first follows a timer event at the
        // same second): each saves its 4-byte timestamp, and the record definition
        // loses the 3-byte timestamp field definition.
        let n = sample_activity(false, false).len();
        assert_eq!(n - b.len(), 61 * 4 + 3);
        check_ours(&b);
        check_fitparser(&b);
        let be = sample_activity(true, true);
        check_ours(&be);
        check_fitparser(&be);
    }

    #[test]
    fn compressed_offsets_roll_over_and_large_gaps_fall_back() {
        let mut w = FitWriter::new();
        w.set_compressed_timestamps(true);
        // Start just before a 32-s boundary so offsets wrap; then a 31-s gap (largest
        // compressible) and a 40-s gap (must be written in full).
        let start = (T0 & !0x1F) + 30;
        let times = [
            start,
            start + 1,
            start + 2,
            start + 3,
            start + 34,
            start + 74,
            start + 75,
        ];
        for &t in &times {
            w.record(&RecordMsg {
                t_s: t,
                hr_bpm: Some(120),
                ..Default::default()
            })
            .unwrap();
        }
        let b = w.finish();
        let d = decode(&b, DecodeOptions::default()).unwrap();
        assert_eq!(d.records.t_s, times.to_vec());
        let recs = fp(&b, true);
        let got: Vec<u32> = fp_of(&recs, MesgNum::Record)
            .iter()
            .map(|r| num(fp_val(r, "timestamp")) as u32)
            .collect();
        assert_eq!(got, times.to_vec());
    }

    #[test]
    fn developer_fields_are_skipped_by_ours_and_read_by_fitparser() {
        let mut w = FitWriter::new();
        w.set_big_endian(true);
        w.developer_data_id(0, *b"hrzones-fixtures").unwrap();
        let power = w
            .field_description(0, 0, BaseType::Uint16, "Power", Some("W"))
            .unwrap();
        let blob = w
            .field_description(0, 1, BaseType::Byte, "Blob", None)
            .unwrap();
        for k in 0..5u32 {
            w.record_with_dev(
                &RecordMsg {
                    t_s: T0 + k,
                    hr_bpm: Some(140 + k as u8),
                    ..Default::default()
                },
                &[
                    (power, Value::U16(300 + k as u16)),
                    (blob, Value::Bytes(vec![0xAB, 0xCD, k as u8])),
                ],
            )
            .unwrap();
        }
        let b = w.finish();
        let d = decode(&b, DecodeOptions::default()).unwrap();
        assert!(d.warnings.is_empty());
        assert_eq!(d.records.hr_bpm, vec![140, 141, 142, 143, 144]);
        assert_eq!(d.records.t_s, (0..5).map(|k| T0 + k).collect::<Vec<_>>());
        // fitparser needs the field descriptions to read the values; and enums as strings.
        let recs = fp(&b, false);
        let rec = fp_of(&recs, MesgNum::Record);
        assert_eq!(rec.len(), 5);
        assert_eq!(num(fp_val(rec[2], "Power")), 302.0);
        assert_eq!(num(fp_val(rec[2], "heart_rate")), 142.0);
        assert_eq!(nums(fp_val(rec[4], "Blob")), vec![171.0, 205.0, 4.0]);
    }

    #[test]
    fn hr_messages_round_trip_with_full_and_packed_ticks() {
        for big_endian in [false, true] {
            hr_round_trip(big_endian);
        }
    }

    fn hr_round_trip(big_endian: bool) {
        let mut w = FitWriter::new();
        w.set_big_endian(big_endian);
        let base = 5_000_000u32;
        w.hr(&HrMsg {
            anchor: Some((T0, 0.5)),
            filtered_bpm: vec![100, 101],
            event_ticks: HrEventTicks::Full(vec![base, base + 1024]),
        })
        .unwrap();
        w.hr(&HrMsg {
            anchor: None,
            filtered_bpm: vec![102, 103],
            event_ticks: HrEventTicks::Packed12(vec![base + 2048, base + 2560]),
        })
        .unwrap();
        let b = w.finish();
        let d = decode(&b, DecodeOptions::default()).unwrap();
        let t = T0 as f64 + 0.5;
        assert_eq!(
            d.hr_stream,
            vec![(t, 100), (t + 1.0, 101), (t + 2.0, 102), (t + 2.5, 103)]
        );
        let recs = fp(&b, true);
        let hr = fp_of(&recs, MesgNum::Hr);
        assert_eq!(hr.len(), 2);
        assert_eq!(nums(fp_val(hr[0], "filtered_bpm")), vec![100.0, 101.0]);
        assert_eq!(nums(fp_val(hr[1], "filtered_bpm")), vec![102.0, 103.0]);
    }

    #[test]
    fn definitions_are_written_once_per_layout() {
        let mut w = FitWriter::new();
        for k in 0..10u32 {
            // Alternate two layouts: both stay defined in their own slots.
            let hr = (k % 2 == 0).then_some(120);
            w.record(&RecordMsg {
                t_s: T0 + k,
                hr_bpm: hr,
                ..Default::default()
            })
            .unwrap();
        }
        assert_eq!(w.definitions_written(), 2);
        assert_eq!(w.messages_written(), 10);
        let b = w.finish();
        let d = decode(&b, DecodeOptions::default()).unwrap();
        assert_eq!(
            d.records.hr_bpm,
            vec![120, 0, 120, 0, 120, 0, 120, 0, 120, 0]
        );
    }

    #[test]
    fn more_layouts_than_slots_evicts_the_least_recently_used() {
        let mut w = FitWriter::new();
        for g in 0..20u16 {
            w.message(0xFF00 + g, &[Field::new(0, Value::U8(g as u8))])
                .unwrap();
        }
        w.record(&RecordMsg {
            t_s: T0,
            hr_bpm: Some(99),
            ..Default::default()
        })
        .unwrap();
        let b = w.finish();
        let d = decode(&b, DecodeOptions::default()).unwrap();
        assert!(d.warnings.is_empty());
        assert_eq!(d.records.hr_bpm, vec![99]);
        assert_eq!(fp(&b, true).len(), 21);
    }

    #[test]
    fn chained_files_decode_as_one() {
        let mut a = FitWriter::new();
        a.record(&RecordMsg {
            t_s: T0,
            hr_bpm: Some(100),
            ..Default::default()
        })
        .unwrap();
        let mut b = FitWriter::new();
        b.set_big_endian(true);
        b.record(&RecordMsg {
            t_s: T0 + 9,
            hr_bpm: Some(110),
            ..Default::default()
        })
        .unwrap();
        let mut bytes = a.finish();
        bytes.extend(b.finish());
        let d = decode(&bytes, DecodeOptions::default()).unwrap();
        assert_eq!(d.chained_files, 2);
        assert!(d.warnings.is_empty());
        assert_eq!(d.records.t_s, vec![T0, T0 + 9]);
        assert_eq!(fp_of(&fp(&bytes, true), MesgNum::Record).len(), 2);
    }

    #[test]
    fn what_fit_cannot_hold_is_an_error() {
        let mut w = FitWriter::new();
        let long = "x".repeat(255);
        assert_eq!(
            w.workout(&long, None),
            Err(EncodeError::FieldTooLarge {
                global: 26,
                field: 8,
                size: 256
            })
        );
        assert!(w.workout(&"x".repeat(254), None).is_ok());
        assert_eq!(
            w.hr(&HrMsg {
                anchor: None,
                filtered_bpm: vec![1, 2, 3],
                event_ticks: HrEventTicks::Packed12(vec![1, 2, 3]),
            }),
            Err(EncodeError::OddPackedCount(3))
        );
        assert!(matches!(
            w.hr(&HrMsg {
                anchor: None,
                filtered_bpm: vec![1],
                event_ticks: HrEventTicks::Full(vec![])
            }),
            Err(EncodeError::HrLengthMismatch { bpm: 1, times: 0 })
        ));
        let d = DevField {
            dev_index: 0,
            num: 0,
            base: BaseType::Uint16,
        };
        assert!(matches!(
            w.record_with_dev(
                &RecordMsg {
                    t_s: T0,
                    ..Default::default()
                },
                &[(d, Value::U8(1))]
            ),
            Err(EncodeError::DevTypeMismatch { .. })
        ));
    }
}
