#![allow(missing_docs)] // field-number constants: the names are the FIT profile's own
//! The subset of the FIT profile that hrzones reads: global message numbers, field
//! numbers, scales and enum values, kept apart from the parsing code (as fitparser does).
//!
//! Source: Garmin FIT SDK `Profile.xlsx` (messages `file_id`, `session`, `lap`, `record`,
//! `event`, `hr_zone`, `zones_target`, `user_profile`, `time_in_zone`, `sport`, `workout`,
//! `hr`). Scales are the profile's: the stored integer divided by the scale, minus the offset.

/// Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z).
pub const FIT_EPOCH_UNIX_S: i64 = 631_065_600;
/// FIT timestamps below this are seconds since the device powered on, not dates.
pub const MIN_ABSOLUTE_TIMESTAMP: u32 = 0x1000_0000;
/// Field number of `timestamp` in every message that has one.
pub const FIELD_TIMESTAMP: u8 = 253;
/// Field number of `message_index`.
pub const FIELD_MESSAGE_INDEX: u8 = 254;

/// Global message numbers.
pub mod mesg {
    pub const FILE_ID: u16 = 0;
    pub const USER_PROFILE: u16 = 3;
    pub const ZONES_TARGET: u16 = 7;
    pub const HR_ZONE: u16 = 8;
    pub const SPORT: u16 = 12;
    pub const SESSION: u16 = 18;
    pub const LAP: u16 = 19;
    pub const RECORD: u16 = 20;
    pub const EVENT: u16 = 21;
    pub const WORKOUT: u16 = 26;
    pub const ACTIVITY: u16 = 34;
    pub const HR: u16 = 132;
    pub const TIME_IN_ZONE: u16 = 216;
}

/// `file_id` fields.
pub mod file_id {
    pub const TYPE: u8 = 0;
    pub const MANUFACTURER: u8 = 1;
    pub const PRODUCT: u8 = 2;
    pub const SERIAL_NUMBER: u8 = 3;
    pub const TIME_CREATED: u8 = 4;
    /// `file` enum value of an activity file.
    pub const TYPE_ACTIVITY: u8 = 4;
}

/// `record` fields.
pub mod record {
    pub const ALTITUDE: u8 = 2; // uint16, scale 5, offset 500, m
    pub const HEART_RATE: u8 = 3; // uint8, bpm
    pub const CADENCE: u8 = 4; // uint8, rpm
    pub const DISTANCE: u8 = 5; // uint32, scale 100, m
    pub const SPEED: u8 = 6; // uint16, scale 1000, m/s
    pub const POWER: u8 = 7; // uint16, W
    pub const ENHANCED_SPEED: u8 = 73; // uint32, scale 1000, m/s
    pub const ENHANCED_ALTITUDE: u8 = 78; // uint32, scale 5, offset 500, m
}

/// `session` fields (`lap` shares the first ones but not the HR field numbers).
pub mod session {
    pub const START_TIME: u8 = 2;
    pub const SPORT: u8 = 5;
    pub const SUB_SPORT: u8 = 6;
    pub const TOTAL_ELAPSED_TIME: u8 = 7; // uint32, scale 1000, s
    pub const TOTAL_TIMER_TIME: u8 = 8; // uint32, scale 1000, s
    pub const TOTAL_DISTANCE: u8 = 9; // uint32, scale 100, m
    pub const AVG_HEART_RATE: u8 = 16;
    pub const MAX_HEART_RATE: u8 = 17;
    pub const TOTAL_TRAINING_EFFECT: u8 = 24; // uint8, scale 10
    pub const TRAINING_STRESS_SCORE: u8 = 35; // uint16, scale 10
    pub const TIME_IN_HR_ZONE: u8 = 65; // uint32[], scale 1000, s (older devices)
    pub const SPORT_PROFILE_NAME: u8 = 110; // string
}

/// `lap` fields.
pub mod lap {
    pub const START_TIME: u8 = 2;
    pub const TOTAL_ELAPSED_TIME: u8 = 7;
    pub const TOTAL_TIMER_TIME: u8 = 8;
    pub const TOTAL_DISTANCE: u8 = 9;
    pub const AVG_HEART_RATE: u8 = 15;
    pub const MAX_HEART_RATE: u8 = 16;
}

/// `event` fields and values.
pub mod event {
    pub const EVENT: u8 = 0;
    pub const EVENT_TYPE: u8 = 1;
    /// `data` (uint32; its meaning depends on `event`).
    pub const DATA: u8 = 3;
    /// `event` value: the timer.
    pub const TIMER: u8 = 0;
    /// `event` value: the watch's heart-rate recovery (`data` = bpm).
    pub const RECOVERY_HR: u8 = 21;
    /// `event_type` values.
    pub const START: u8 = 0;
    pub const STOP: u8 = 1;
    pub const STOP_ALL: u8 = 4;
    pub const STOP_DISABLE: u8 = 8;
    pub const STOP_DISABLE_ALL: u8 = 9;
}

/// `hr_zone` fields.
pub mod hr_zone {
    pub const HIGH_BPM: u8 = 1;
}

/// `zones_target` fields.
pub mod zones_target {
    pub const MAX_HEART_RATE: u8 = 1;
    pub const THRESHOLD_HEART_RATE: u8 = 2;
    pub const HR_CALC_TYPE: u8 = 5;
}

/// `user_profile` fields.
pub mod user_profile {
    pub const GENDER: u8 = 1; // 0 female, 1 male
    pub const RESTING_HEART_RATE: u8 = 8;
    pub const DEFAULT_MAX_RUNNING_HEART_RATE: u8 = 9;
    pub const DEFAULT_MAX_HEART_RATE: u8 = 11;
}

/// `activity` fields.
pub mod activity {
    /// `local_timestamp` (local_date_time, uint32): the watch's local clock at
    /// `timestamp`; their difference is the UTC offset where the activity was recorded.
    pub const LOCAL_TIMESTAMP: u8 = 5;
}

/// `sport` fields.
pub mod sport {
    pub const SPORT: u8 = 0;
    pub const SUB_SPORT: u8 = 1;
    pub const NAME: u8 = 3;
}

/// `workout` fields.
pub mod workout {
    pub const WKT_NAME: u8 = 8;
}

/// `hr` (stored strap heart rate) fields.
pub mod hr {
    pub const FRACTIONAL_TIMESTAMP: u8 = 0; // uint16, scale 32768, s
    pub const FILTERED_BPM: u8 = 6; // uint8[]
    pub const EVENT_TIMESTAMP: u8 = 9; // uint32[], scale 1024, s
    pub const EVENT_TIMESTAMP_12: u8 = 10; // byte[], packed 12-bit, scale 1024, s
}

/// `time_in_zone` fields.
pub mod time_in_zone {
    pub const REFERENCE_MESG: u8 = 0;
    pub const REFERENCE_INDEX: u8 = 1;
    pub const TIME_IN_HR_ZONE: u8 = 2; // uint32[], scale 1000, s
    pub const HR_ZONE_HIGH_BOUNDARY: u8 = 6; // uint8[], bpm
    pub const HR_CALC_TYPE: u8 = 10;
    pub const MAX_HEART_RATE: u8 = 11;
    pub const RESTING_HEART_RATE: u8 = 12;
    pub const THRESHOLD_HEART_RATE: u8 = 13;
}

/// `hr_zone_calc` enum (`hr_calc_type`).
pub fn hr_calc_type_name(v: u8) -> &'static str {
    match v {
        0 => "custom",
        1 => "percent_max_hr",
        2 => "percent_hrr",
        3 => "percent_lthr",
        _ => "unknown",
    }
}

/// `sport` enum names for the values users meet (FIT profile `sport`).
pub fn sport_name(v: u8) -> &'static str {
    match v {
        0 => "generic",
        1 => "running",
        2 => "cycling",
        3 => "transition",
        4 => "fitness_equipment",
        5 => "swimming",
        6 => "basketball",
        7 => "soccer",
        8 => "tennis",
        10 => "training",
        11 => "walking",
        12 => "cross_country_skiing",
        13 => "alpine_skiing",
        14 => "snowboarding",
        15 => "rowing",
        16 => "mountaineering",
        17 => "hiking",
        18 => "multisport",
        19 => "paddling",
        21 => "e_biking",
        37 => "stand_up_paddleboarding",
        41 => "kayaking",
        53 => "floor_climbing",
        _ => "other",
    }
}

/// `sub_sport` enum names (FIT profile `sub_sport`), the common ones.
pub fn sub_sport_name(v: u8) -> &'static str {
    match v {
        0 => "generic",
        1 => "treadmill",
        2 => "street",
        3 => "trail",
        4 => "track",
        5 => "spin",
        6 => "indoor_cycling",
        7 => "road",
        8 => "mountain",
        9 => "downhill",
        10 => "recumbent",
        11 => "cyclocross",
        12 => "hand_cycling",
        13 => "track_cycling",
        14 => "indoor_rowing",
        15 => "elliptical",
        16 => "stair_climbing",
        17 => "lap_swimming",
        18 => "open_water",
        19 => "flexibility_training",
        20 => "strength_training",
        26 => "cardio_training",
        27 => "indoor_walking",
        45 => "virtual_activity",
        46 => "obstacle",
        58 => "virtual_activity",
        59 => "indoor_running",
        65 => "ultra",
        67 => "hiit",
        _ => "other",
    }
}

/// `file` enum names (FIT profile `file`), for "not an activity" messages.
pub fn file_type_name(v: u8) -> &'static str {
    match v {
        1 => "device",
        2 => "settings",
        3 => "sport",
        4 => "activity",
        5 => "workout",
        6 => "course",
        7 => "schedules",
        9 => "weight",
        10 => "totals",
        11 => "goals",
        14 => "blood_pressure",
        15 => "monitoring_a",
        20 => "activity_summary",
        28 => "monitoring_daily",
        32 => "monitoring_b",
        34 => "segment",
        35 => "segment_list",
        40 => "exd_configuration",
        _ => "unknown",
    }
}
