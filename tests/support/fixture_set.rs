//! The fixture files in `fixtures/`, built with hrzones' own FIT writer.
//!
//! Shared by `examples/make_fixtures.rs` (writes them) and `tests/fixtures.rs` (checks
//! that the committed bytes are exactly what this code makes, then decodes them). Every
//! heart-rate trace is a list of constant segments, so the seconds per zone are sums of
//! segment lengths that `fixtures/README.md` states and the test asserts.
//!
//! Trace convention (the one `hrzones::zones` documents): a record at elapsed second `k`
//! carries the HR of the second `(k-1, k]`; the first record of a session counts nothing.
//! The zones of every file are % of max HR 190 (floors 95/114/133/152/171), written as
//! `zones_target` and, where the watch's own time in zone is included, as the
//! `time_in_zone` boundaries 95,114,133,152,171,190.

#![allow(dead_code)] // each user of this module uses a different part of it

use hrzones::fit::encode::{
    file_type, hr_calc, BaseType, EncodeError, FileIdMsg, FitWriter, HrEventTicks, HrMsg, LapMsg,
    RecordMsg, SessionMsg, TimeInZoneMsg, UserProfileMsg, Value, ZonesTargetMsg,
};
use hrzones::fit::profile::mesg;

/// Max HR written in the files' settings.
pub const MAX_HR: u8 = 190;
/// Resting HR written in the files' settings.
pub const RESTING_HR: u8 = 50;
/// Threshold HR written in the files' settings.
pub const THRESHOLD_HR: u8 = 170;
/// The watch's zone high boundaries: index 0 = top of "below zone 1", last = max HR.
pub const HIGH_BOUNDS: [u8; 6] = [95, 114, 133, 152, 171, 190];

/// sport / sub_sport enum values used here (FIT profile `sport`, `sub_sport`).
const RUNNING: u8 = 1;
const CYCLING: u8 = 2;
const TRANSITION: u8 = 3;
const SWIMMING: u8 = 5;
const WALKING: u8 = 11;
const GENERIC: u8 = 0;
const TREADMILL: u8 = 1;
const ROAD: u8 = 7;
const OPEN_WATER: u8 = 18;

/// Garmin's manufacturer id and a Forerunner 255's product id (as in real files).
const GARMIN: u16 = 1;
const FR255: u16 = 3992;

/// Days since 1970-01-01 of a civil date (Howard Hinnant, "chrono-Compatible Low-Level
/// Date Algorithms", `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// FIT timestamp (s since 1989-12-31T00:00:00Z) of a UTC date and time.
pub fn fit_time(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> u32 {
    let unix = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60;
    (unix - hrzones::fit::profile::FIT_EPOCH_UNIX_S) as u32
}

/// One constant stretch of a trace: `secs` seconds at `hr_bpm`, moving at `speed_mmps`.
#[derive(Clone, Copy)]
struct Seg {
    secs: u32,
    hr_bpm: u8,
    speed_mmps: u32,
}

fn seg(secs: u32, hr_bpm: u8, speed_mmps: u32) -> Seg {
    Seg {
        secs,
        hr_bpm,
        speed_mmps,
    }
}

/// Records at 1 Hz from `t0`: record 0 has `hr0`, record k ≥ 1 the HR of the segment
/// holding second k. Distance integrates speed exactly in millimetres.
fn trace_1hz(t0: u32, hr0: u8, segs: &[Seg]) -> Vec<RecordMsg> {
    let mut out = vec![RecordMsg {
        t_s: t0,
        hr_bpm: Some(hr0),
        distance_m: Some(0.0),
        speed_mps: Some(segs.first().map_or(0, |s| s.speed_mmps) as f64 / 1000.0),
        ..Default::default()
    }];
    let (mut k, mut mm) = (0u32, 0u64);
    for s in segs {
        for _ in 0..s.secs {
            k += 1;
            mm += s.speed_mmps as u64;
            out.push(RecordMsg {
                t_s: t0 + k,
                hr_bpm: Some(s.hr_bpm),
                distance_m: Some(mm as f64 / 1000.0),
                speed_mps: Some(s.speed_mmps as f64 / 1000.0),
                ..Default::default()
            });
        }
    }
    out
}

/// One session (a leg of a multisport file) and its single lap (or several).
struct Leg {
    sport: u8,
    sub_sport: u8,
    start_s: u32,
    /// `session.timestamp` (end): the session is written after the record at this time.
    t_s: u32,
    elapsed_s: f64,
    timer_s: f64,
    distance_m: Option<f64>,
    profile_name: Option<&'static str>,
    /// The watch's own seconds per zone (Z0..Z5), written as a `time_in_zone` message.
    device_secs: Option<Vec<f64>>,
    training_stress_score: Option<f64>,
    /// Lap boundaries inside the leg (absolute FIT s); one lap when empty.
    lap_splits: Vec<u32>,
    /// Overrides the avg/max HR computed from the records (strap-only swims).
    hr_override: Option<(u8, u8)>,
}

impl Leg {
    fn new(sport: u8, sub_sport: u8, start_s: u32, end_s: u32, timer: &[(u32, u32)]) -> Leg {
        Leg {
            sport,
            sub_sport,
            start_s,
            t_s: end_s,
            elapsed_s: (end_s - start_s) as f64,
            timer_s: timer_overlap(timer, start_s, end_s) as f64,
            distance_m: None,
            profile_name: None,
            device_secs: None,
            training_stress_score: None,
            lap_splits: Vec::new(),
            hr_override: None,
        }
    }
}

fn timer_overlap(timer: &[(u32, u32)], a: u32, b: u32) -> u32 {
    timer
        .iter()
        .map(|&(x, y)| y.min(b).saturating_sub(x.max(a)))
        .sum()
}

/// Everything one FIT file holds.
struct Spec {
    time_created: u32,
    file_type: u8,
    settings: bool,
    sport: Option<(u8, u8, &'static str)>,
    workout: Option<&'static str>,
    records: Vec<RecordMsg>,
    /// Timer (start, stop) pairs, absolute FIT s; the last stop is a stop_all.
    timer: Vec<(u32, u32)>,
    legs: Vec<Leg>,
    /// `hr` messages, written right after the first record at or after the given time.
    hr_msgs: Option<(u32, Vec<HrMsg>)>,
    big_endian: bool,
    compressed_timestamps: bool,
    developer_fields: bool,
}

impl Spec {
    fn new(time_created: u32) -> Spec {
        Spec {
            time_created,
            file_type: file_type::ACTIVITY,
            settings: true,
            sport: Some((RUNNING, GENERIC, "Run")),
            workout: None,
            records: Vec::new(),
            timer: Vec::new(),
            legs: Vec::new(),
            hr_msgs: None,
            big_endian: false,
            compressed_timestamps: false,
            developer_fields: false,
        }
    }
}

/// Avg and max HR of the records in (a, b] while the timer runs: what the watch writes.
fn hr_summary(records: &[RecordMsg], timer: &[(u32, u32)], a: u32, b: u32) -> Option<(u8, u8)> {
    let hr: Vec<u32> = records
        .iter()
        .filter(|r| r.t_s > a && r.t_s <= b)
        .filter(|r| timer.iter().any(|&(x, y)| r.t_s > x && r.t_s <= y))
        .filter_map(|r| r.hr_bpm.filter(|&h| h > 0 && h < 255).map(u32::from))
        .collect();
    let max = *hr.iter().max()?;
    let avg = (hr.iter().sum::<u32>() as f64 / hr.len() as f64).round() as u8;
    Some((avg, max as u8))
}

fn write_settings(w: &mut FitWriter) -> Result<(), EncodeError> {
    w.user_profile(&UserProfileMsg {
        gender: Some(1),
        resting_hr: Some(RESTING_HR),
        max_running_hr: Some(MAX_HR),
        default_max_hr: Some(MAX_HR),
    })?;
    w.zones_target(&ZonesTargetMsg {
        max_hr: Some(MAX_HR),
        threshold_hr: Some(THRESHOLD_HR),
        hr_calc_type: Some(hr_calc::PERCENT_MAX_HR),
    })?;
    for (i, b) in HIGH_BOUNDS.iter().enumerate() {
        w.hr_zone(i as u16, *b)?;
    }
    Ok(())
}

fn write_leg_end(
    w: &mut FitWriter,
    spec: &Spec,
    leg: &Leg,
    index: u16,
    lap_index: &mut u16,
) -> Result<(), EncodeError> {
    let end = leg.start_s + leg.elapsed_s as u32;
    let mut bounds = vec![leg.start_s];
    bounds.extend(&leg.lap_splits);
    bounds.push(end);
    let first_lap = *lap_index;
    for p in bounds.windows(2) {
        let (a, b) = (p[0], p[1]);
        let hr = leg
            .hr_override
            .or_else(|| hr_summary(&spec.records, &spec.timer, a, b));
        let dist = |t: u32| {
            spec.records
                .iter()
                .rev()
                .filter(|r| r.t_s <= t)
                .find_map(|r| r.distance_m)
        };
        w.lap(&LapMsg {
            message_index: *lap_index,
            t_s: b.min(leg.t_s),
            start_s: a,
            elapsed_s: (b - a) as f64,
            timer_s: if bounds.len() == 2 {
                leg.timer_s
            } else {
                timer_overlap(&spec.timer, a, b) as f64
            },
            distance_m: if bounds.len() == 2 {
                leg.distance_m
            } else {
                dist(b).zip(dist(a)).map(|(x, y)| x - y)
            },
            avg_hr: hr.map(|h| h.0),
            max_hr: hr.map(|h| h.1),
        })?;
        *lap_index += 1;
    }
    if let Some(secs) = &leg.device_secs {
        w.time_in_zone(&TimeInZoneMsg {
            t_s: leg.t_s,
            reference_mesg: mesg::SESSION,
            reference_index: index,
            hr_secs: secs.clone(),
            hr_high_bounds: HIGH_BOUNDS.to_vec(),
            hr_calc_type: Some(hr_calc::PERCENT_MAX_HR),
            max_hr: Some(MAX_HR),
            resting_hr: Some(RESTING_HR),
            threshold_hr: Some(THRESHOLD_HR),
        })?;
    }
    let hr = leg
        .hr_override
        .or_else(|| hr_summary(&spec.records, &spec.timer, leg.start_s, end));
    w.session(&SessionMsg {
        message_index: index,
        t_s: leg.t_s,
        start_s: leg.start_s,
        sport: leg.sport,
        sub_sport: leg.sub_sport,
        elapsed_s: leg.elapsed_s,
        timer_s: leg.timer_s,
        distance_m: leg.distance_m,
        avg_hr: hr.map(|h| h.0),
        max_hr: hr.map(|h| h.1),
        sport_profile_name: leg.profile_name.map(String::from),
        training_stress_score: leg.training_stress_score,
        total_training_effect: None,
        time_in_hr_zone_s: Vec::new(),
        first_lap_index: Some(first_lap),
        num_laps: Some(*lap_index - first_lap),
    })
}

/// Writes one FIT file: settings, then records in file order with the timer events,
/// `hr` messages and each leg's laps and session where they fall in time.
fn build(spec: &Spec) -> Result<Vec<u8>, EncodeError> {
    let mut w = FitWriter::new();
    // file_id stays little-endian even in the big-endian fixture: one file, both orders.
    w.file_id(&FileIdMsg {
        file_type: spec.file_type,
        manufacturer: GARMIN,
        product: FR255,
        serial_number: Some(3_412_345_678),
        time_created: Some(spec.time_created),
    })?;
    w.set_big_endian(spec.big_endian);
    if spec.settings {
        write_settings(&mut w)?;
    }
    if let Some((sport, sub, name)) = spec.sport {
        w.sport(sport, sub, Some(name))?;
    }
    if let Some(name) = spec.workout {
        w.workout(name, Some(RUNNING))?;
    }
    let dev = if spec.developer_fields {
        w.developer_data_id(0, *b"hrzones-fixture!")?;
        let power = w.field_description(0, 0, BaseType::Uint16, "Power", Some("Watts"))?;
        let blob = w.field_description(0, 1, BaseType::Byte, "Blob", None)?;
        Some((power, blob))
    } else {
        None
    };
    w.set_compressed_timestamps(spec.compressed_timestamps);

    // Timer events in time order: (t, is_start, is_last).
    let mut events: Vec<(u32, bool, bool)> = Vec::new();
    for (i, &(a, b)) in spec.timer.iter().enumerate() {
        events.push((a, true, false));
        events.push((b, false, i + 1 == spec.timer.len()));
    }
    let mut next_event = 0usize;
    let mut next_leg = 0usize;
    let mut lap_index = 0u16;
    let mut hr_pending = spec.hr_msgs.as_ref();
    for (i, r) in spec.records.iter().enumerate() {
        while next_event < events.len() && events[next_event].1 && events[next_event].0 <= r.t_s {
            w.timer_start(events[next_event].0)?;
            next_event += 1;
        }
        match dev {
            Some((power, blob)) => w.record_with_dev(
                r,
                &[
                    (power, Value::U16(250 + (i % 7) as u16)),
                    (blob, Value::Bytes(vec![0xDE, 0xAD, (i % 251) as u8])),
                ],
            )?,
            None => w.record(r)?,
        }
        if let Some((at, msgs)) = hr_pending {
            if r.t_s >= *at {
                for m in msgs {
                    w.hr(m)?;
                }
                hr_pending = None;
            }
        }
        while next_event < events.len() && !events[next_event].1 && events[next_event].0 <= r.t_s {
            let (t, _, last) = events[next_event];
            if last {
                w.timer_stop_all(t)?;
            } else {
                w.timer_stop(t)?;
            }
            next_event += 1;
        }
        while next_leg < spec.legs.len() && spec.legs[next_leg].t_s <= r.t_s {
            write_leg_end(
                &mut w,
                spec,
                &spec.legs[next_leg],
                next_leg as u16,
                &mut lap_index,
            )?;
            next_leg += 1;
        }
    }
    for &(t, start, last) in &events[next_event..] {
        match (start, last) {
            (true, _) => w.timer_start(t)?,
            (false, true) => w.timer_stop_all(t)?,
            (false, false) => w.timer_stop(t)?,
        }
    }
    for (i, leg) in spec.legs.iter().enumerate().skip(next_leg) {
        write_leg_end(&mut w, spec, leg, i as u16, &mut lap_index)?;
    }
    if spec.file_type == file_type::ACTIVITY {
        let end = spec.legs.last().map_or(spec.time_created, |l| l.t_s);
        let timer: f64 = spec.legs.iter().map(|l| l.timer_s).sum();
        w.activity(end, timer, spec.legs.len() as u16)?;
    }
    Ok(w.finish())
}

/// A one-session run at 1 Hz with no pause.
fn simple_run(t0: u32, hr0: u8, segs: &[Seg]) -> Spec {
    let records = trace_1hz(t0, hr0, segs);
    let end = records.last().map_or(t0, |r| r.t_s);
    let mut spec = Spec::new(t0);
    spec.timer = vec![(t0, end)];
    let mut leg = Leg::new(RUNNING, GENERIC, t0, end, &spec.timer);
    leg.distance_m = records.last().and_then(|r| r.distance_m);
    leg.profile_name = Some("Run");
    spec.legs.push(leg);
    spec.records = records;
    spec
}

// ---------------------------------------------------------------------------------------
// The 2024 training calendar

/// Sat 2024-04-27 09:00 UTC. 45 min of timer, a 2-min pause at 25:00 with records and
/// HR 100 that must not count; boundary HRs (95, 113, 114, 133, 152, 170, 171).
fn easy_run() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 4, 27, 9, 0);
    let run = 2800; // mm/s
    let segs = [
        seg(90, 90, run),    // Z0
        seg(60, 95, run),    // Z1 (its floor)
        seg(150, 105, run),  // Z1
        seg(1200, 125, run), // Z2; the timer stops at k = 1500
        seg(120, 100, 0),    // paused: standing, HR in Z1, counts nothing
        seg(60, 113, run),   // Z1 (its top); the timer restarted at k = 1620
        seg(720, 128, run),  // Z2
        seg(240, 133, run),  // Z3 (its floor)
        seg(60, 145, run),   // Z3
        seg(60, 152, run),   // Z4 (its floor)
        seg(15, 171, run),   // Z5 (its floor)
        seg(15, 170, run),   // Z4 (its top)
        seg(30, 114, run),   // Z2 (its floor)
    ];
    let mut records = trace_1hz(t0, 88, &segs);
    for (k, r) in records.iter_mut().enumerate() {
        let moving = r.speed_mps.is_some_and(|v| v > 0.0);
        r.cadence_rpm = Some(if moving { 84 } else { 0 });
        r.altitude_m = Some(35.0 + (k % 300) as f64 * 0.2);
    }
    let mut spec = Spec::new(t0);
    spec.timer = vec![(t0, t0 + 1500), (t0 + 1620, t0 + 2820)];
    let mut leg = Leg::new(RUNNING, GENERIC, t0, t0 + 2820, &spec.timer);
    leg.distance_m = records.last().and_then(|r| r.distance_m);
    leg.profile_name = Some("Run");
    leg.lap_splits = vec![t0 + 1500];
    // The watch's own figures, deliberately 1-2 s off ours (as real watches are), so a
    // test can tell computed seconds from copied ones.
    leg.device_secs = Some(vec![91.0, 268.0, 1951.0, 301.0, 74.0, 15.0]);
    leg.training_stress_score = Some(52.3);
    spec.legs.push(leg);
    spec.records = records;
    build(&spec)
}

/// Sun 2024-04-28 08:30 UTC. 70 min: Z2 1800, Z3 1700, Z4 700.
fn tempo_long_run() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 4, 28, 8, 30);
    let mut spec = simple_run(
        t0,
        100,
        &[
            seg(1200, 126, 3200),
            seg(1700, 145, 3600),
            seg(700, 155, 3800),
            seg(600, 130, 3000),
        ],
    );
    // Lean records (timestamp, HR, distance) keep a 70-min file near 40 KB.
    for r in &mut spec.records {
        r.speed_mps = None;
    }
    spec.workout = Some("Tempo long run");
    spec.legs[0].device_secs = Some(vec![0.0, 0.0, 1800.0, 1700.0, 700.0, 0.0]);
    spec.legs[0].training_stress_score = Some(88.0);
    build(&spec)
}

/// Tue 2024-04-30 18:00 UTC. 60 min, 6 × (4 min Z5 + 2 min Z4): Z2 600, Z3 300,
/// Z4 1260, Z5 1440.
fn hard_intervals() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 4, 30, 18, 0);
    let mut segs = vec![seg(300, 120, 3000), seg(300, 140, 3400)];
    for _ in 0..6 {
        segs.push(seg(240, 175, 4600));
        segs.push(seg(120, 158, 2600));
    }
    segs.push(seg(540, 160, 4000));
    segs.push(seg(300, 125, 2900));
    let mut spec = simple_run(t0, 95, &segs);
    spec.workout = Some("6x4min VO2max");
    spec.legs[0].device_secs = Some(vec![0.0, 0.0, 600.0, 300.0, 1260.0, 1440.0]);
    spec.legs[0].training_stress_score = Some(98.5);
    build(&spec)
}

/// Wed 2024-05-01 07:00 UTC, the morning after the intervals. 25 min, 4.5 km, all Z1,
/// workout "Recovery run", with GPS positions.
fn recovery_ok() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 5, 1, 7, 0);
    let mut spec = simple_run(
        t0,
        92, // below Z1, but the first record counts nothing
        &[
            seg(60, 95, 3000),
            seg(240, 100, 3000),
            seg(600, 105, 3000),
            seg(480, 108, 3000),
            seg(120, 112, 3000),
        ],
    );
    // Due north from 48.8566 N, 2.3522 E (degrees × 2^31/180 = semicircles); 3 m/s is
    // 3 / 111,195 m per degree × 11,930,465 ≈ 321.9 semicircles of latitude a second.
    let (lat0, lon0) = (582_881_942i32, 28_062_839i32);
    for (k, r) in spec.records.iter_mut().enumerate() {
        r.position_semicircles = Some((lat0 + (k as f64 * 321.9) as i32, lon0));
    }
    spec.workout = Some("Recovery run");
    spec.legs[0].device_secs = Some(vec![0.0, 1500.0, 0.0, 0.0, 0.0, 0.0]);
    spec.legs[0].training_stress_score = Some(18.2);
    build(&spec)
}

/// Thu 2024-05-02 07:00 UTC. 30 min, 5.4 km; a recovery run only by its file name.
fn recovery_by_file_name() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 5, 2, 7, 0);
    let mut spec = simple_run(
        t0,
        96,
        &[
            seg(600, 104, 3000),
            seg(1140, 109, 3000),
            seg(60, 116, 3000),
        ],
    );
    spec.legs[0].device_secs = Some(vec![0.0, 1740.0, 60.0, 0.0, 0.0, 0.0]);
    build(&spec)
}

/// Sat 2024-05-04 08:00 UTC. 28 min, workout "Recovery", drifting above Z1: 720 s above,
/// the longest continuous stretch 420 s (from 10:00 to 17:00).
fn recovery_too_hard() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 5, 4, 8, 0);
    let mut spec = simple_run(
        t0,
        100,
        &[
            seg(300, 105, 3000),
            seg(120, 116, 3000),
            seg(180, 110, 3000),
            seg(300, 122, 3000),
            seg(120, 135, 3000),
            seg(180, 112, 3000),
            seg(180, 118, 3000),
            seg(300, 111, 3000),
        ],
    );
    spec.workout = Some("Recovery");
    spec.legs[0].device_secs = Some(vec![0.0, 960.0, 600.0, 120.0, 0.0, 0.0]);
    build(&spec)
}

/// Mon 2024-05-06 07:00 UTC. 48 min, 9 km, all Z1, sport profile "Récup".
fn recovery_too_long() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 5, 6, 7, 0);
    let mut spec = simple_run(t0, 98, &[seg(1440, 106, 3125), seg(1440, 110, 3125)]);
    spec.sport = Some((RUNNING, GENERIC, "Récup"));
    spec.legs[0].profile_name = Some("Récup");
    spec.legs[0].device_secs = Some(vec![0.0, 2880.0, 0.0, 0.0, 0.0, 0.0]);
    build(&spec)
}

/// Sun 2024-06-09 08:00 UTC. Sprint triathlon: swim 600 s (HR only from the strap's
/// `hr` messages), T1 60 s, bike 1200 s, T2 60 s, run 900 s.
fn multisport() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 6, 9, 8, 0);
    let (s_end, t1_end, b_end, t2_end, r_end) = (600u32, 660u32, 1860u32, 1920u32, 2820u32);
    // HR per elapsed second k (for k ≥ 1 the second (k-1, k]).
    let hr_of = |k: u32| -> u8 {
        match k {
            0 => 118,
            1..=120 => 120,
            121..=600 => 140,
            601..=660 => 150,
            661..=1160 => 145,
            1161..=1860 => 155,
            1861..=1920 => 148,
            1921..=2520 => 160,
            _ => 172,
        }
    };
    let speed_of = |k: u32| -> u32 {
        match k {
            0..=600 => 1250,
            601..=660 => 1500,
            661..=1860 => 8000,
            1861..=1920 => 1500,
            _ => 3500,
        }
    };
    let mut records = Vec::new();
    let mut mm = 0u64;
    for k in 0..=r_end {
        if k > 0 {
            mm += speed_of(k) as u64;
        }
        let swim = k <= s_end;
        let bike = k > t1_end && k <= b_end;
        records.push(RecordMsg {
            t_s: t0 + k,
            hr_bpm: (!swim).then(|| hr_of(k)),
            distance_m: Some(mm as f64 / 1000.0),
            speed_mps: Some(speed_of(k) as f64 / 1000.0),
            cadence_rpm: bike.then_some(90),
            power_w: bike.then_some(if k <= 1160 { 180 } else { 230 }),
            ..Default::default()
        });
    }
    // The strap's stored HR for the swim: one sample at the start, then two a second,
    // at k - 0.5 (bpm - 1) and k (bpm + 1), so each record's mean is exactly hr_of(k).
    // Strap clock: 20000 s (20,480,000 ticks of 1/1024 s) at t0.
    let e0 = 20_000u32 * 1024;
    let mut samples: Vec<(u32, u8)> = vec![(e0, hr_of(0))];
    for k in 1..=s_end {
        samples.push((e0 + 1024 * k - 512, hr_of(k) - 1));
        samples.push((e0 + 1024 * k, hr_of(k) + 1));
    }
    let hr_msgs: Vec<HrMsg> = samples
        .chunks(8)
        .enumerate()
        .map(|(i, c)| HrMsg {
            anchor: (i == 0).then_some((t0, 0.0)),
            filtered_bpm: c.iter().map(|s| s.1).collect(),
            event_ticks: HrEventTicks::Full(c.iter().map(|s| s.0).collect()),
        })
        .collect();

    let mut spec = Spec::new(t0);
    spec.sport = None;
    spec.timer = vec![(t0, t0 + r_end)];
    let dist = |k: u32| records[k as usize].distance_m.unwrap_or(0.0);
    let legs = [
        (
            SWIMMING,
            OPEN_WATER,
            0,
            s_end,
            vec![0.0, 0.0, 120.0, 480.0, 0.0, 0.0],
        ),
        (
            TRANSITION,
            GENERIC,
            s_end,
            t1_end,
            vec![0.0, 0.0, 0.0, 60.0, 0.0, 0.0],
        ),
        (
            CYCLING,
            ROAD,
            t1_end,
            b_end,
            vec![0.0, 0.0, 0.0, 500.0, 700.0, 0.0],
        ),
        (
            TRANSITION,
            GENERIC,
            b_end,
            t2_end,
            vec![0.0, 0.0, 0.0, 60.0, 0.0, 0.0],
        ),
        (
            RUNNING,
            GENERIC,
            t2_end,
            r_end,
            vec![0.0, 0.0, 0.0, 0.0, 600.0, 300.0],
        ),
    ];
    for (sport, sub, a, b, secs) in legs {
        let mut leg = Leg::new(sport, sub, t0 + a, t0 + b, &spec.timer);
        leg.distance_m = Some(dist(b) - dist(a));
        leg.device_secs = Some(secs);
        spec.legs.push(leg);
    }
    // Swim avg/max from the strap: 120 s at 120 and 480 s at 140.
    spec.legs[0].hr_override = Some((136, 141));
    spec.hr_msgs = Some((t0 + s_end, hr_msgs));
    spec.records = records;
    build(&spec)
}

/// Wed 2024-11-20 18:30 UTC. Treadmill: no GPS, no distance in the records, speed and
/// cadence only; the session has the treadmill's distance.
fn indoor_treadmill() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2024, 11, 20, 18, 30);
    let mut spec = simple_run(
        t0,
        100,
        &[
            seg(600, 125, 2800),
            seg(800, 138, 3200),
            seg(400, 128, 2800),
        ],
    );
    for r in &mut spec.records {
        r.distance_m = None;
        r.cadence_rpm = Some(86);
    }
    spec.sport = Some((RUNNING, TREADMILL, "Treadmill"));
    spec.legs[0].sub_sport = TREADMILL;
    spec.legs[0].profile_name = Some("Treadmill");
    spec.legs[0].distance_m = Some(5360.0);
    spec.legs[0].device_secs = Some(vec![0.0, 0.0, 1000.0, 800.0, 0.0, 0.0]);
    build(&spec)
}

// ---------------------------------------------------------------------------------------
// Data faults (March 2025, away from the training calendar)

/// Mon 2025-03-03 07:00 UTC. 10 min with HR 0 (35 samples) and HR 0xFF (20 samples).
fn faults_hr_zero() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 3, 7, 0);
    let spec = simple_run(
        t0,
        120,
        &[
            seg(100, 120, 3000),
            seg(30, 0, 3000),
            seg(120, 125, 3000),
            seg(20, 0xFF, 3000),
            seg(180, 140, 3000),
            seg(5, 0, 3000),
            seg(145, 110, 3000),
        ],
    );
    build(&spec)
}

/// Wed 2025-03-05 07:00 UTC. 10 min with strap static: 1-s jumps of +60 bpm at k = 100,
/// 200, 350 and values above 230 at k = 450, 451, 452.
fn faults_spikes() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 5, 7, 0);
    let mut spec = simple_run(t0, 128, &[seg(300, 130, 3000), seg(300, 145, 3000)]);
    for (k, hr) in [
        (100, 190),
        (200, 190),
        (350, 205),
        (450, 232),
        (451, 240),
        (452, 238),
    ] {
        spec.records[k].hr_bpm = Some(hr);
    }
    build(&spec)
}

/// Fri 2025-03-07 07:00 UTC. 30 min of timer with no records from k = 601 to 1199.
fn faults_dropout() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 7, 7, 0);
    let mut spec = simple_run(
        t0,
        118,
        &[
            seg(400, 125, 3000),
            seg(200, 112, 3000),
            seg(600, 150, 3000), // k = 601..=1200; only k = 1200 is kept, with HR 150
            seg(300, 150, 3000),
            seg(250, 160, 3000),
            seg(50, 120, 3000),
        ],
    );
    spec.records
        .retain(|r| !(t0 + 601..t0 + 1200).contains(&r.t_s));
    build(&spec)
}

/// Sun 2025-03-09 07:00 UTC. A duplicate timestamp at k = 300 (HR 175) and the clock
/// jumping back 60 s after k = 600: the last 600 records are stamped 541..=1140.
fn faults_clock() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 9, 7, 0);
    let mut records = trace_1hz(
        t0,
        120,
        &[seg(250, 120, 3000), seg(50, 100, 3000), seg(300, 140, 3000)],
    );
    let dup = RecordMsg {
        hr_bpm: Some(175),
        ..records[300].clone()
    };
    records.insert(301, dup);
    for i in 0..600u32 {
        // Real second 601 + i, stamped 60 s early.
        records.push(RecordMsg {
            t_s: t0 + 541 + i,
            hr_bpm: Some(160),
            distance_m: Some((601 + i) as f64 * 3.0),
            speed_mps: Some(3.0),
            ..Default::default()
        });
    }
    let mut spec = Spec::new(t0);
    spec.timer = vec![(t0, t0 + 1140)];
    let mut leg = Leg::new(RUNNING, GENERIC, t0, t0 + 1140, &spec.timer);
    // The watch counted real time: 20 min elapsed and on the timer.
    leg.elapsed_s = 1200.0;
    leg.timer_s = 1200.0;
    leg.distance_m = Some(3600.0);
    leg.profile_name = Some("Run");
    spec.legs.push(leg);
    spec.records = records;
    build(&spec)
}

/// Tue 2025-03-11 07:00 UTC. 120 records at HR 150 before the timer starts.
fn faults_before_start() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 11, 7, 0);
    let mut spec = simple_run(t0, 150, &[seg(200, 105, 3000), seg(400, 118, 3000)]);
    let early: Vec<RecordMsg> = (0..120u32)
        .map(|i| RecordMsg {
            t_s: t0 - 120 + i,
            hr_bpm: Some(150),
            distance_m: Some(0.0),
            speed_mps: Some(0.0),
            ..Default::default()
        })
        .collect();
    spec.records.splice(0..0, early);
    build(&spec)
}

/// Thu 2025-03-13 07:00 UTC. 20 min with no heart rate at all.
fn faults_no_hr() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 13, 7, 0);
    let mut spec = simple_run(t0, 0, &[seg(1200, 0, 3000)]);
    for r in &mut spec.records {
        r.hr_bpm = None;
    }
    build(&spec)
}

/// Sat 2025-03-15 07:00 UTC. 20 min sampled every 1-8 s (gaps 1,2,8,3,5,1,4,6 repeated).
fn smart_recording() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 3, 15, 7, 0);
    const GAPS: [u32; 8] = [1, 2, 8, 3, 5, 1, 4, 6];
    let mut records = vec![RecordMsg {
        t_s: t0,
        hr_bpm: Some(108),
        distance_m: Some(0.0),
        speed_mps: Some(3.0),
        ..Default::default()
    }];
    let mut k = 0u32;
    for cycle in 0..40 {
        let hr = match cycle {
            0..=11 => 110,
            12..=27 => 125,
            28..=35 => 140,
            _ => 156,
        };
        for g in GAPS {
            k += g;
            records.push(RecordMsg {
                t_s: t0 + k,
                hr_bpm: Some(hr),
                distance_m: Some(k as f64 * 3.0),
                speed_mps: Some(3.0),
                ..Default::default()
            });
        }
    }
    let mut spec = Spec::new(t0);
    spec.timer = vec![(t0, t0 + k)];
    let mut leg = Leg::new(RUNNING, GENERIC, t0, t0 + k, &spec.timer);
    leg.distance_m = Some(k as f64 * 3.0);
    leg.profile_name = Some("Run");
    spec.legs.push(leg);
    spec.records = records;
    build(&spec)
}

/// Timestamps in seconds since power-on (5000 s), not dates.
fn relative_time() -> Result<Vec<u8>, EncodeError> {
    let mut spec = simple_run(5000, 98, &[seg(240, 100, 2500), seg(360, 120, 2500)]);
    spec.time_created = 4990;
    build(&spec)
}

/// Fri 2025-01-10 12:00 UTC. A settings file: female, resting 52, max 188, LTHR 168,
/// zones by % of HR reserve (high boundaries 120,134,147,161,174,188). No activity.
fn settings_only() -> Result<Vec<u8>, EncodeError> {
    let mut w = FitWriter::new();
    w.file_id(&FileIdMsg {
        file_type: file_type::SETTINGS,
        manufacturer: GARMIN,
        product: FR255,
        serial_number: Some(3_412_345_678),
        time_created: Some(fit_time(2025, 1, 10, 12, 0)),
    })?;
    w.user_profile(&UserProfileMsg {
        gender: Some(0),
        resting_hr: Some(52),
        max_running_hr: Some(186),
        default_max_hr: Some(188),
    })?;
    w.zones_target(&ZonesTargetMsg {
        max_hr: Some(188),
        threshold_hr: Some(168),
        hr_calc_type: Some(hr_calc::PERCENT_HRR),
    })?;
    for (i, b) in [120u8, 134, 147, 161, 174, 188].into_iter().enumerate() {
        w.hr_zone(i as u16, b)?;
    }
    Ok(w.finish())
}

/// Sat 2025-02-01 07:00 UTC. Two FIT files back to back: a 10-min run, then (after a
/// 5-min stop) a 5-min walk.
fn chained() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 2, 1, 7, 0);
    let mut bytes = build(&simple_run(t0, 115, &[seg(600, 130, 3000)]))?;
    let mut walk = simple_run(t0 + 900, 100, &[seg(300, 100, 1400)]);
    walk.sport = Some((WALKING, GENERIC, "Walk"));
    walk.legs[0].sport = WALKING;
    walk.legs[0].profile_name = Some("Walk");
    bytes.extend(build(&walk)?);
    Ok(bytes)
}

/// Sat 2025-02-15 07:00 UTC. Big-endian definitions (file_id excepted), records with
/// compressed-timestamp headers, two developer fields on every record (a uint16 "Power"
/// and a 3-byte "Blob"); a 25-s gap (compressed, offset wraps) and a 40-s gap (too long
/// to compress: full timestamp).
fn compressed_ts() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 2, 15, 7, 0);
    let mut spec = simple_run(t0, 110, &[seg(300, 112, 3000), seg(600, 135, 3000)]);
    spec.records.retain(|r| {
        !(t0 + 401..t0 + 425).contains(&r.t_s) && !(t0 + 701..t0 + 740).contains(&r.t_s)
    });
    spec.big_endian = true;
    spec.compressed_timestamps = true;
    spec.developer_fields = true;
    build(&spec)
}

// ---------------------------------------------------------------------------------------
// Timeline faults (issue 18): each a 10-minute run at 1 Hz, HR 140 (Zone 3 of the file's
// zones), so every expected number is known by construction (fixtures/README.md).

/// A clean 600 s run from `t0`, HR 140.
fn timeline_base(t0: u32) -> Spec {
    simple_run(t0, 140, &[seg(600, 140, 3000)])
}

/// Records 100..=113 written with the clock two years (730 d) ahead, then back.
fn timeline_glitch() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 1, 7, 0);
    let mut spec = timeline_base(t0);
    for r in &mut spec.records[100..114] {
        r.t_s += 730 * 86_400;
    }
    build(&spec)
}

/// The clock is corrected by +20 days at record 300 and stays: later records, the final
/// stop and the session's end time are in the new clock; start_time and the totals in
/// the old.
fn timeline_correction() -> Result<Vec<u8>, EncodeError> {
    const D: u32 = 20 * 86_400;
    let t0 = fit_time(2025, 4, 2, 7, 0);
    let mut spec = timeline_base(t0);
    for r in &mut spec.records[300..] {
        r.t_s += D;
    }
    spec.timer = vec![(t0, t0 + 600 + D)];
    let leg = &mut spec.legs[0];
    leg.t_s = t0 + 600 + D;
    leg.elapsed_s = 600.0;
    leg.timer_s = 600.0;
    build(&spec)
}

/// The clock steps back one hour at record 300 and stays there.
fn timeline_backward() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 3, 7, 0);
    let mut spec = timeline_base(t0);
    for r in &mut spec.records[300..] {
        r.t_s -= 3600;
    }
    spec.timer = vec![(t0, t0 + 600 - 3600)];
    let leg = &mut spec.legs[0];
    leg.t_s = t0 + 600 - 3600;
    leg.elapsed_s = 600.0;
    leg.timer_s = 600.0;
    build(&spec)
}

/// Every second written as two records, as Suunto does: position/speed first, heart
/// rate second.
fn timeline_same_second() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 4, 7, 0);
    let mut spec = timeline_base(t0);
    let mut split = Vec::with_capacity(2 * spec.records.len());
    for r in &spec.records {
        split.push(RecordMsg {
            hr_bpm: None,
            ..r.clone()
        });
        split.push(RecordMsg {
            t_s: r.t_s,
            hr_bpm: r.hr_bpm,
            ..Default::default()
        });
    }
    spec.records = split;
    build(&spec)
}

/// Two legs (run 600 s, bike 600 s) whose timer was started once, at the second leg.
fn timeline_multisport_one_start() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 5, 7, 0);
    let records = trace_1hz(t0, 140, &[seg(600, 140, 3000), seg(600, 150, 8000)]);
    let mut spec = Spec::new(t0);
    spec.records = records;
    spec.timer = vec![(t0 + 600, t0 + 1200)];
    let mut run = Leg::new(RUNNING, GENERIC, t0, t0 + 600, &spec.timer);
    run.timer_s = 600.0;
    let bike = Leg::new(2, GENERIC, t0 + 600, t0 + 1200, &spec.timer);
    spec.legs = vec![run, bike];
    build(&spec)
}

/// A session whose start_time and end time are both two hours after its records.
fn timeline_window_off() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 6, 7, 0);
    let mut spec = timeline_base(t0);
    let leg = &mut spec.legs[0];
    leg.start_s = t0 + 7200;
    leg.t_s = t0 + 7200 + 600;
    leg.elapsed_s = 600.0;
    leg.timer_s = 600.0;
    build(&spec)
}

/// Optical HR stuck at 234 bpm (max HR 190) for records 301..=900 of a 1,200 s run.
fn timeline_implausible_hr() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 7, 7, 0);
    let mut spec = simple_run(t0, 140, &[seg(1200, 140, 3000)]);
    for r in &mut spec.records[301..=900] {
        r.hr_bpm = Some(234);
    }
    build(&spec)
}

/// HR stuck at 165 bpm (Z4) for records 301..=900 of a 1,200 s run whose HR otherwise
/// moves every second through 136..146 bpm (Z3): a flat line, excluded.
fn timeline_flat_hr() -> Result<Vec<u8>, EncodeError> {
    let t0 = fit_time(2025, 4, 8, 7, 0);
    let mut spec = simple_run(t0, 140, &[seg(1200, 140, 3000)]);
    const WANDER: [i16; 10] = [0, 2, 4, 6, 4, 2, 0, -2, -4, -2];
    for (k, r) in spec.records.iter_mut().enumerate().skip(1) {
        r.hr_bpm = Some(if (301..=900).contains(&k) {
            165
        } else {
            (140 + WANDER[k % WANDER.len()]) as u8
        });
    }
    build(&spec)
}

/// Every fixture: (file name, bytes), in the order of `fixtures/README.md`.
pub fn all() -> Result<Vec<(&'static str, Vec<u8>)>, EncodeError> {
    Ok(vec![
        ("easy_run.fit", easy_run()?),
        ("tempo_long_run.fit", tempo_long_run()?),
        ("hard_intervals.fit", hard_intervals()?),
        ("recovery_ok.fit", recovery_ok()?),
        ("Recovery_run_2024-05-02.fit", recovery_by_file_name()?),
        ("recovery_too_hard.fit", recovery_too_hard()?),
        ("recovery_too_long.fit", recovery_too_long()?),
        ("multisport.fit", multisport()?),
        ("indoor_treadmill.fit", indoor_treadmill()?),
        ("faults_hr_zero.fit", faults_hr_zero()?),
        ("faults_spikes.fit", faults_spikes()?),
        ("faults_dropout.fit", faults_dropout()?),
        ("faults_clock.fit", faults_clock()?),
        ("faults_before_start.fit", faults_before_start()?),
        ("faults_no_hr.fit", faults_no_hr()?),
        ("smart_recording.fit", smart_recording()?),
        ("relative_time.fit", relative_time()?),
        ("settings_only.fit", settings_only()?),
        ("chained.fit", chained()?),
        ("compressed_ts.fit", compressed_ts()?),
        ("timeline_glitch.fit", timeline_glitch()?),
        ("timeline_correction.fit", timeline_correction()?),
        ("timeline_backward.fit", timeline_backward()?),
        ("timeline_same_second.fit", timeline_same_second()?),
        (
            "timeline_multisport_one_start.fit",
            timeline_multisport_one_start()?,
        ),
        ("timeline_window_off.fit", timeline_window_off()?),
        ("timeline_implausible_hr.fit", timeline_implausible_hr()?),
        ("timeline_flat_hr.fit", timeline_flat_hr()?),
    ])
}
