//! `Activity`: one FIT file organised for analysis — sessions, laps, the intervals in
//! which the timer ran, and the record samples as columns (one `Vec` per field).
//!
//! This is the only stage that interprets the decoder's raw messages. Later stages
//! (zones, load, audit, charts) read an `Activity` and never the FIT bytes.
//!
//! Conventions decided here (and stated in the README):
//! - A session covers the samples from its `start_time` to `start_time + total_elapsed_time`
//!   (or its `timestamp` when elapsed time is missing).
//! - The timer runs between timer `start` events and `stop`/`stop_all` events. A file with
//!   no timer events is taken as running for each session's whole span.
//! - Where records carry no heart rate but the file stores strap heart rate in `hr`
//!   messages (pool swims, multisport with a chest strap), each such record takes the mean
//!   of the strap samples since the previous record (the FIT SDK's HrToRecord plugin), or
//!   the nearest strap sample within 2 s.
//! - Timestamps below 0x10000000 are seconds since power-on: the activity keeps them but
//!   says its dates are unknown ([`Activity::has_real_dates`]).

use std::collections::HashMap;
use std::ops::Range;

use crate::fit::decode::{FileId, FitData, HrSettings, RecoveryHrEvent, SummaryMsg};
use crate::fit::profile::{self, FIT_EPOCH_UNIX_S, MIN_ABSOLUTE_TIMESTAMP};
use crate::fit::Warning;
use crate::timeline;

pub use crate::fit::decode::RecordColumns as Samples;

/// A span of time in FIT seconds, `start_s <= end_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Start, FIT s.
    pub start_s: f64,
    /// End, FIT s.
    pub end_s: f64,
}

impl Interval {
    /// Length in seconds.
    pub fn len_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// The watch's own time in zone for a session, with the zones it used.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceZones {
    /// Seconds per zone, index 0 = below zone 1.
    pub secs: Vec<f64>,
    /// High boundary of each zone (index 0 = top of "below zone 1"), bpm; may be empty
    /// for old devices that wrote only `session.time_in_hr_zone`.
    pub high_bounds_bpm: Vec<u8>,
    /// `hr_calc_type` name (percent_max_hr, percent_hrr, percent_lthr, custom).
    pub hr_calc_type: Option<&'static str>,
    /// Max HR the watch used.
    pub max_hr: Option<u8>,
    /// Resting HR the watch used.
    pub resting_hr: Option<u8>,
    /// Threshold HR the watch used.
    pub threshold_hr: Option<u8>,
}

/// One session (a multisport file has one per leg).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// 0-based position in the file.
    pub index: usize,
    /// `sport` enum value.
    pub sport: u8,
    /// `sub_sport` enum value.
    pub sub_sport: u8,
    /// The name the watch gave the sport profile, if any.
    pub sport_profile_name: Option<String>,
    /// Start, FIT s.
    pub start_s: u32,
    /// End (start + elapsed), FIT s.
    pub end_s: u32,
    /// Timer time the watch recorded, s.
    pub timer_s: f64,
    /// Elapsed time the watch recorded, s.
    pub elapsed_s: f64,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// Average HR the watch recorded, bpm.
    pub avg_hr: Option<u8>,
    /// Max HR the watch recorded, bpm.
    pub max_hr: Option<u8>,
    /// The watch's `training_stress_score`.
    pub training_stress_score: Option<f64>,
    /// The watch's `total_training_effect`.
    pub total_training_effect: Option<f64>,
    /// The watch's own time in zone.
    pub device_zones: Option<DeviceZones>,
    /// Rows of [`Activity::samples`] inside this session.
    pub samples: Range<usize>,
    /// True when the file had no session message and this one was built from records.
    pub synthesized: bool,
    /// What the timeline corrected in this session's clock, window or timer (see
    /// [`crate::timeline`]), one phrase each; empty for a clean session.
    pub timeline_notes: Vec<String>,
    /// The watch's own heart-rate recovery for this session, if it wrote one (see
    /// [`crate::fit::decode::RecoveryHrEvent`]).
    pub watch_recovery_hr: Option<RecoveryHrEvent>,
}

impl Session {
    /// `sport` as a name.
    pub fn sport_name(&self) -> &'static str {
        profile::sport_name(self.sport)
    }
    /// `sub_sport` as a name.
    pub fn sub_sport_name(&self) -> &'static str {
        profile::sub_sport_name(self.sub_sport)
    }
    /// Running, trail running, treadmill (FIT sport 1, any sub-sport).
    pub fn is_run(&self) -> bool {
        self.sport == 1
    }
    /// Pool or open-water swim.
    pub fn is_swim(&self) -> bool {
        self.sport == 5
    }
}

/// How long after a session's end the watch's recovery-HR event may come and still be
/// that session's, s: the watch writes it 120 s after the timer stops.
const RECOVERY_HR_AFTER_END_S: u32 = 300;

/// Gives each session the watch's recovery-HR event that belongs to it: the last event at
/// or after the session's start and no later than [`RECOVERY_HR_AFTER_END_S`] after its
/// end, taking the session that started last when windows overlap. A watch that stopped
/// the timer mid-session and waited two minutes writes one there too; the last one is the
/// session's (the final stop).
fn attach_recovery_hr(sessions: &mut [Session], events: &[RecoveryHrEvent]) {
    for e in events {
        let owner = sessions
            .iter_mut()
            .filter(|s| {
                s.start_s <= e.t_s && e.t_s <= s.end_s.saturating_add(RECOVERY_HR_AFTER_END_S)
            })
            .max_by_key(|s| s.start_s);
        if let Some(s) = owner {
            if s.watch_recovery_hr.is_none_or(|p| p.t_s <= e.t_s) {
                s.watch_recovery_hr = Some(*e);
            }
        }
    }
}

/// A lap.
#[derive(Debug, Clone, PartialEq)]
pub struct Lap {
    /// Start, FIT s.
    pub start_s: Option<u32>,
    /// Timer time, s.
    pub timer_s: Option<f64>,
    /// Distance, m.
    pub distance_m: Option<f64>,
    /// Average HR, bpm.
    pub avg_hr: Option<u8>,
}

/// One FIT file, organised for analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Where it came from (a path, or `archive.zip:inner.fit`).
    pub source: String,
    /// `file_id`.
    pub file_id: FileId,
    /// Sessions in file order.
    pub sessions: Vec<Session>,
    /// Laps in file order.
    pub laps: Vec<Lap>,
    /// When the timer was running, sorted, non-overlapping.
    pub timer: Vec<Interval>,
    /// Record samples.
    pub samples: Samples,
    /// Zone settings the file carries.
    pub hr_settings: HrSettings,
    /// Workout names in the file.
    pub workout_names: Vec<String>,
    /// Sport profile names in the file.
    pub sport_names: Vec<String>,
    /// Records whose HR came from stored strap (`hr`) messages.
    pub hr_from_strap: usize,
    /// Damage and quirks found while decoding.
    pub warnings: Vec<Warning>,
    /// Per session (in `sessions` order), its heart rate as seconds per bpm, when the
    /// activity was read from the store without its samples (`samples` is then empty and
    /// the sessions' sample ranges too); empty otherwise. See [`crate::hr_seconds`].
    pub hr_seconds: Vec<crate::hr_seconds::HrSeconds>,
    /// The UTC offset the watch was set to (`activity.local_timestamp` − `timestamp`), s.
    pub utc_offset_s: Option<i32>,
    /// How local dates are read: the file's offset, or `--tz` (see [`crate::localtime`]).
    pub time_zone: crate::localtime::TimeZone,
}

/// What kind of file this is, for files that are not activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Has sessions or records.
    Activity,
    /// Settings, workouts, courses, monitoring, weigh-ins: nothing to analyse.
    NotActivity,
}

/// Converts a FIT timestamp to Unix seconds.
pub fn fit_to_unix_s(t: f64) -> f64 {
    t + FIT_EPOCH_UNIX_S as f64
}

impl Activity {
    /// Organises decoded FIT data.
    pub fn from_fit(fit: FitData, source: impl Into<String>) -> Activity {
        let FitData {
            file_id,
            mut records,
            sessions: mut session_msgs,
            mut laps,
            mut timer_events,
            recovery_hr,
            time_in_zone,
            hr_settings,
            sports,
            workout_names,
            hr_stream,
            warnings,
            chained_files,
            utc_offset_s,
            ..
        } = fit;

        let hr_from_strap = merge_strap_hr(&mut records, hr_stream);
        // The timeline (see `crate::timeline`): clock faults, then same-second records.
        // Chained files are separate recordings: a step between them is no clock fault.
        let clock_fixes = if chained_files <= 1 {
            timeline::fix_clock(
                &mut records,
                &mut timer_events,
                &mut session_msgs,
                &mut laps,
            )
        } else {
            Vec::new()
        };
        let mut merged_at = timeline::merge_same_second(&mut records);

        // Sized up front: collecting a filter_map grows by doubling, up to 200 unused
        // bytes per session message of a file made of 2-byte sessions.
        let mut sessions: Vec<Session> = Vec::with_capacity(session_msgs.len());
        let mut alternatives: Vec<Option<(u32, u32)>> = Vec::with_capacity(session_msgs.len());
        let mut end_times: Vec<Option<u32>> = Vec::with_capacity(session_msgs.len());
        for (i, m) in session_msgs.iter().enumerate() {
            if let Some((s, alt)) = session_from_msg(i, m) {
                sessions.push(s);
                alternatives.push(alt);
                end_times.push(m.timestamp);
            }
        }
        let t_sorted = records.t_s.windows(2).all(|w| w[0] <= w[1]);
        choose_windows(&mut sessions, &alternatives, &records.t_s, t_sorted);
        let prelim_timer = timer_intervals(&timer_events, &sessions);
        // Whether a session runs past start + elapsed to its end time is judged by the
        // timer; where the laps explain the timer better than the events over those
        // windows (ski auto-pause, `timeline::timer_by_laps`), by the laps' reading — a
        // Fenix 5 ski day's elapsed total leaves out a 55-minute stop, and its last hour
        // of runs is after start + elapsed.
        let to_end_times: Vec<(u32, u32, f64)> = sessions
            .iter()
            .zip(&end_times)
            .map(|(s, e)| (s.start_s, e.unwrap_or(s.end_s).max(s.end_s), s.timer_s))
            .collect();
        let prelim_by_laps =
            timeline::timer_by_laps(&timer_events, &laps, &to_end_times, &prelim_timer);
        let prelim = prelim_by_laps.as_deref().unwrap_or(&prelim_timer);
        note_past_elapsed(&mut sessions, &records.t_s, t_sorted, prelim);
        extend_to_end_times(&mut sessions, &end_times, prelim);
        if sessions.is_empty() && !records.is_empty() {
            sessions.push(synthesize_session(&records, &timer_events, &sports));
        }
        sessions.sort_by_key(|s| s.start_s);
        for (i, s) in sessions.iter_mut().enumerate() {
            s.index = i;
        }

        // Attach the watch's own time in zone: `time_in_zone` (216) messages referring to
        // a session, else the older `session.time_in_hr_zone` field.
        let mut tiz_by_index: Vec<Option<DeviceZones>> = vec![None; session_msgs.len()];
        let mut n_session_refs = 0usize;
        for z in &time_in_zone {
            if z.reference_mesg != Some(profile::mesg::SESSION) || z.hr_secs.is_empty() {
                continue;
            }
            let idx = z
                .reference_index
                .map(|i| i as usize)
                .unwrap_or(n_session_refs);
            n_session_refs += 1;
            if let Some(slot) = tiz_by_index.get_mut(idx) {
                *slot = Some(DeviceZones {
                    secs: z.hr_secs.clone(),
                    high_bounds_bpm: z.hr_high_bounds.clone(),
                    hr_calc_type: z.hr_calc_type.map(profile::hr_calc_type_name),
                    max_hr: z.max_hr,
                    resting_hr: z.resting_hr,
                    threshold_hr: z.threshold_hr,
                });
            }
        }
        for (i, msg) in session_msgs.iter().enumerate() {
            if tiz_by_index[i].is_none() && !msg.time_in_hr_zone_s.is_empty() {
                tiz_by_index[i] = Some(DeviceZones {
                    secs: msg.time_in_hr_zone_s.clone(),
                    high_bounds_bpm: Vec::new(),
                    hr_calc_type: None,
                    max_hr: None,
                    resting_hr: None,
                    threshold_hr: None,
                });
            }
        }
        // Match by start time, since sessions were filtered and sorted above: a session
        // takes the zones of the first message with its start time. A map rather than a
        // scan per session, so a (crafted) file of many sessions stays linear
        // (tests/regressions.rs `many_sessions_over_many_records`).
        let mut first_with_start: HashMap<u32, usize> = HashMap::new();
        for (p, m) in session_msgs.iter().enumerate() {
            if let Some(t) = m.start_time {
                first_with_start.entry(t).or_insert(p);
            }
        }
        for s in sessions.iter_mut().filter(|s| !s.synthesized) {
            if let Some(&p) = first_with_start.get(&s.start_s) {
                s.device_zones = tiz_by_index[p].take();
            }
        }

        follow_records_of_a_lone_session(&mut sessions, &records);
        // Disjoint windows: a session ends where the next one starts.
        for k in 1..sessions.len() {
            let next_start = sessions[k].start_s;
            let prev = &mut sessions[k - 1];
            // Sessions that start together (chained recordings) cannot be told apart.
            if prev.end_s > next_start && next_start > prev.start_s {
                prev.end_s = next_start.max(prev.start_s);
            }
        }
        for s in sessions.iter_mut() {
            s.samples = sample_range(&records.t_s, t_sorted, s.start_s, s.end_s);
        }

        let mut timer = timer_intervals(&timer_events, &sessions);
        let session_totals: Vec<(u32, u32, f64)> = sessions
            .iter()
            .filter(|s| !s.synthesized)
            .map(|s| (s.start_s, s.end_s, s.timer_s))
            .collect();
        if let Some(by_laps) =
            timeline::timer_by_laps(&timer_events, &laps, &session_totals, &timer)
        {
            for s in sessions.iter_mut() {
                let (a, b) = (s.start_s as f64, s.end_s as f64);
                let (was, now) = (
                    timeline::timed_in(&timer, a, b),
                    timeline::timed_in(&by_laps, a, b),
                );
                if (was - now).abs() >= 1.0 {
                    s.timeline_notes.push(format!(
                        "timer events disagree with the laps (auto-pause without start or stop events): the timer follows the laps, {now:.0} s timed instead of {was:.0} s (the session's timer {:.0} s)",
                        s.timer_s
                    ));
                }
            }
            timer = by_laps;
        }
        time_untimed_sessions(&mut sessions, &mut timer);
        note_clock_fixes(&mut sessions, &clock_fixes, &mut merged_at);
        attach_recovery_hr(&mut sessions, &recovery_hr);
        let sport_names = sports.iter().filter_map(|s| s.name.clone()).collect();

        let mut activity = Activity {
            source: source.into(),
            file_id,
            sessions,
            laps: laps
                .iter()
                .map(|l| Lap {
                    start_s: l.start_time,
                    timer_s: l.timer_s,
                    distance_m: l.distance_m,
                    avg_hr: l.avg_hr,
                })
                .collect(),
            timer,
            samples: records,
            hr_settings,
            workout_names,
            sport_names,
            hr_from_strap,
            warnings,
            hr_seconds: Vec::new(),
            utc_offset_s,
            time_zone: Default::default(),
        };
        timeline::note_flat_lines(&mut activity);
        activity
    }

    /// Whether the file holds anything to analyse.
    pub fn kind(&self) -> FileKind {
        if self.sessions.is_empty() {
            FileKind::NotActivity
        } else {
            FileKind::Activity
        }
    }

    /// False when the timestamps are seconds since power-on rather than dates.
    pub fn has_real_dates(&self) -> bool {
        self.sessions
            .first()
            .map(|s| s.start_s >= MIN_ABSOLUTE_TIMESTAMP)
            .unwrap_or(false)
    }

    /// The timer-running intervals clipped to a session's span.
    pub fn session_timer(&self, s: &Session) -> Vec<Interval> {
        let (a, b) = (s.start_s as f64, s.end_s as f64);
        // `timer` is sorted and disjoint: start at the first interval that ends after
        // `a` and stop at the first that starts at or after `b`, rather than filtering
        // all of them for every session.
        let first = self.timer.partition_point(|iv| iv.end_s <= a);
        self.timer[first..]
            .iter()
            .take_while(|iv| iv.start_s < b)
            .filter_map(|iv| {
                let (x, y) = (iv.start_s.max(a), iv.end_s.min(b));
                (y > x).then_some(Interval {
                    start_s: x,
                    end_s: y,
                })
            })
            .collect()
    }

    /// Number of samples in a session that carry heart rate.
    pub fn hr_sample_count(&self, s: &Session) -> usize {
        if let Some(h) = self.stored_hr_seconds(s) {
            return h.hr_samples as usize;
        }
        self.samples
            .hr_bpm
            .get(s.samples.clone())
            .map_or(0, |hr| hr.iter().filter(|&&h| h > 0).count())
    }

    /// The session's stored HR seconds, when the activity was read from the store
    /// without samples.
    pub fn stored_hr_seconds(&self, s: &Session) -> Option<&crate::hr_seconds::HrSeconds> {
        if self.hr_seconds.len() != self.sessions.len() {
            return None;
        }
        self.hr_seconds.get(s.index)
    }
}

fn session_from_msg(index: usize, m: &SummaryMsg) -> Option<(Session, Option<(u32, u32)>)> {
    let (start, end, alternative) = timeline::session_window(m)?;
    let elapsed = m
        .elapsed_s
        .or_else(|| m.timestamp.map(|t| t.saturating_sub(start) as f64))
        .unwrap_or(0.0);
    // Whether the seconds past start + elapsed change anything is said once the timer is
    // known ([`note_past_elapsed`]).
    let timeline_notes = Vec::new();
    let s = Session {
        index,
        sport: m.sport.unwrap_or(0),
        sub_sport: m.sub_sport.unwrap_or(0),
        sport_profile_name: m.sport_profile_name.clone(),
        start_s: start,
        end_s: end,
        timer_s: m.timer_s.unwrap_or(elapsed),
        elapsed_s: elapsed,
        distance_m: m.distance_m,
        avg_hr: m.avg_hr,
        max_hr: m.max_hr,
        training_stress_score: m.training_stress_score,
        total_training_effect: m.total_training_effect,
        device_zones: None,
        samples: 0..0,
        synthesized: false,
        timeline_notes,
        watch_recovery_hr: None,
    };
    Some((s, alternative))
}

/// Records with timestamps in `[a, b]`.
fn count_in(t: &[u32], t_sorted: bool, a: u32, b: u32) -> usize {
    if t_sorted {
        t.partition_point(|&x| x <= b)
            .saturating_sub(t.partition_point(|&x| x < a))
    } else {
        t.iter().filter(|&&x| x >= a && x <= b).count()
    }
}

/// Timeline rule 3, the last seconds: a session counts to its end time when that is a
/// little after start + elapsed ([`timeline::session_window`]). Said in the row only
/// when it changes a number: records lie in those seconds and the timer ran there (a
/// Garmin writes its session message a few seconds after the stop, with nothing
/// recorded in between, on about half of its runs: no note for those). A session
/// whose timer events barely cover it (a multisport leg timed by its span later,
/// `time_untimed_sessions`) counts its records there either way.
fn note_past_elapsed(sessions: &mut [Session], t: &[u32], t_sorted: bool, timer: &[Interval]) {
    for s in sessions.iter_mut() {
        let by_elapsed = s
            .start_s
            .saturating_add(s.elapsed_s.max(0.0).ceil().min(u32::MAX as f64) as u32);
        if s.end_s < by_elapsed.saturating_add(10) {
            continue;
        }
        let records = count_in(t, t_sorted, by_elapsed.saturating_add(1), s.end_s);
        let (a, b) = (s.start_s as f64, s.end_s as f64);
        let untimed = timeline::timed_in(timer, a, b) < 0.5 * s.timer_s.min(b - a);
        let timed_past = timeline::timed_in(timer, by_elapsed as f64, b);
        if records > 0 && (untimed || timed_past >= 1.0) {
            s.timeline_notes.push(format!(
                "the session's end time is {} s after start + elapsed time: counted to its end time",
                s.end_s - by_elapsed
            ));
        }
    }
}

/// Timeline rule 3: where a session's `start_time` and `timestamp − elapsed` disagree,
/// the window that overlaps the other sessions less (then: holds more records) wins.
fn choose_windows(
    sessions: &mut [Session],
    alternatives: &[Option<(u32, u32)>],
    t: &[u32],
    t_sorted: bool,
) {
    if alternatives.iter().all(Option::is_none) {
        return;
    }
    let spans: Vec<(u32, u32)> = sessions.iter().map(|s| (s.start_s, s.end_s)).collect();
    let overlap = |me: usize, (a, b): (u32, u32)| -> u64 {
        spans
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != me)
            .map(|(_, &(x, y))| b.min(y).saturating_sub(a.max(x)) as u64)
            .sum()
    };
    for (k, alt) in alternatives.iter().enumerate() {
        let Some(b) = *alt else { continue };
        let a = spans[k];
        let (oa, ob) = (overlap(k, a), overlap(k, b));
        let (na, nb) = (
            count_in(t, t_sorted, a.0, a.1),
            count_in(t, t_sorted, b.0, b.1),
        );
        let take_b = ob + 60 < oa || (ob <= oa + 60 && nb > na + na / 10);
        if take_b {
            let s = &mut sessions[k];
            let off = a.0 as i64 - b.0 as i64;
            s.start_s = b.0;
            s.end_s = b.1;
            s.timeline_notes.push(format!(
                "start_time is {off:+} s off end time − elapsed time: followed the records ({nb} in that window, {na} in the other)"
            ));
        }
    }
}

/// Timeline rule 3, with the timer total as evidence: a session whose `timestamp` is far
/// past `start + elapsed` (auto-paused ski days, whose elapsed total leaves out pauses)
/// runs to its `timestamp` when the timer ran there and that brings the timed seconds
/// closer to the session's own timer total.
fn extend_to_end_times(sessions: &mut [Session], end_times: &[Option<u32>], timer: &[Interval]) {
    let timed = |a: f64, b: f64| -> f64 {
        timer
            .iter()
            .map(|iv| (iv.end_s.min(b) - iv.start_s.max(a)).max(0.0))
            .sum()
    };
    for (s, &ts) in sessions.iter_mut().zip(end_times) {
        let Some(ts) = ts.filter(|&ts| ts > s.end_s) else {
            continue;
        };
        let (a, now) = (s.start_s as f64, timed(s.start_s as f64, s.end_s as f64));
        let later = timed(a, ts as f64);
        if now < s.timer_s - 60.0 && (later - s.timer_s).abs() < (now - s.timer_s).abs() {
            s.timeline_notes.push(format!(
                "the timer ran {:.0} s past start + elapsed time, to the session's end time: counted to it",
                later - now
            ));
            s.end_s = ts;
        }
    }
}

/// Timeline rule 3: a single session whose window holds under half the file's records
/// (its clock disagrees with theirs) takes the records' span.
fn follow_records_of_a_lone_session(sessions: &mut [Session], records: &Samples) {
    let [s] = sessions else { return };
    let t = &records.t_s;
    let (Some(&lo), Some(&hi)) = (t.iter().min(), t.iter().max()) else {
        return;
    };
    let inside = t
        .iter()
        .filter(|&&x| x >= s.start_s && x <= s.end_s)
        .count();
    let shifted = (lo as i64 - s.start_s as i64).abs() > timeline::WINDOW_TOLERANCE_S;
    if inside * 2 >= t.len() || !shifted {
        return;
    }
    let off = lo as i64 - s.start_s as i64;
    s.timeline_notes.push(format!(
        "session window holds {inside} of {} records (start_time {off:+} s off the records' clock): followed the records",
        t.len()
    ));
    s.start_s = lo;
    s.end_s = hi;
}

/// Timeline rule 3: a session with records whose timer events cover under half of it
/// (a multisport leg whose timer was started once, for the last leg) counts its span.
fn time_untimed_sessions(sessions: &mut [Session], timer: &mut Vec<Interval>) {
    let mut added = false;
    for s in sessions.iter_mut() {
        if s.samples.is_empty() {
            continue;
        }
        let (a, b) = (s.start_s as f64, s.end_s as f64);
        let want = s.timer_s.min(b - a);
        if want <= 0.0 {
            continue;
        }
        // `timer` is sorted and disjoint: only the intervals that reach into the span.
        let first = timer.partition_point(|iv| iv.end_s <= a);
        let covered: f64 = timer[first..]
            .iter()
            .take_while(|iv| iv.start_s < b)
            .map(|iv| (iv.end_s.min(b) - iv.start_s.max(a)).max(0.0))
            .sum();
        if covered < 0.5 * want {
            timer.push(Interval {
                start_s: a,
                end_s: b,
            });
            s.timeline_notes.push(format!(
                "timer events cover {:.0} s of its {:.0} s timer: counted the session's span",
                covered + 0.0, // never "-0"
                s.timer_s
            ));
            added = true;
        }
    }
    if added {
        *timer = merge(std::mem::take(timer));
    }
}

/// Puts each clock fix, and the count of merged same-second records, on the session it
/// happened in.
fn note_clock_fixes(sessions: &mut [Session], fixes: &[timeline::ClockFix], merged: &mut [u32]) {
    if fixes.is_empty() && merged.is_empty() {
        return;
    }
    merged.sort_unstable();
    let mut fixes = fixes.to_vec();
    fixes.sort_by_key(|f| f.at_s());
    let last = sessions.len().saturating_sub(1);
    for (k, s) in sessions.iter_mut().enumerate() {
        let first = fixes.partition_point(|f| f.at_s() < s.start_s);
        for f in fixes[first..].iter().take_while(|f| f.at_s() <= s.end_s) {
            s.timeline_notes.push(f.describe(s.start_s));
        }
        // Half-open but for the last session, so a merge on the boundary of two legs is
        // told once.
        let end = if k == last {
            s.end_s
        } else {
            s.end_s.saturating_sub(1).max(s.start_s)
        };
        let n = count_in(merged, true, s.start_s, end);
        if n > 0 {
            s.timeline_notes
                .push(format!("merged {n} same-second records"));
        }
    }
}

fn synthesize_session(
    records: &Samples,
    timer_events: &[crate::fit::decode::TimerEvent],
    sports: &[crate::fit::decode::SportMsg],
) -> Session {
    let start = records.t_s.iter().copied().min().unwrap_or(0);
    let end = records.t_s.iter().copied().max().unwrap_or(start);
    let elapsed = (end - start) as f64;
    let s = Session {
        index: 0,
        sport: sports.first().and_then(|s| s.sport).unwrap_or(0),
        sub_sport: sports.first().and_then(|s| s.sub_sport).unwrap_or(0),
        sport_profile_name: sports.first().and_then(|s| s.name.clone()),
        start_s: start,
        end_s: end,
        timer_s: elapsed,
        elapsed_s: elapsed,
        distance_m: records
            .distance_m
            .iter()
            .copied()
            .filter(|d| d.is_finite())
            .reduce(f64::max),
        avg_hr: None,
        max_hr: records.hr_bpm.iter().copied().filter(|&h| h > 0).max(),
        training_stress_score: None,
        total_training_effect: None,
        device_zones: None,
        samples: 0..records.len(),
        synthesized: true,
        timeline_notes: Vec::new(),
        watch_recovery_hr: None,
    };
    let timer: f64 = timer_intervals(timer_events, std::slice::from_ref(&s))
        .iter()
        .map(|i| i.len_s())
        .sum();
    Session {
        timer_s: timer,
        ..s
    }
}

/// The rows whose timestamps fall in [start, end]. Records are in time order in real
/// files; a record whose clock jumped outside the span in the middle stays in the range
/// (it then weighs nothing, see `zones::sample_weights`).
fn sample_range(t: &[u32], t_sorted: bool, start: u32, end: u32) -> Range<usize> {
    if t_sorted {
        // The usual case, in O(log n): with many sessions a scan each is quadratic.
        let a = t.partition_point(|&x| x < start);
        let b = t.partition_point(|&x| x <= end);
        return if a < b { a..b } else { 0..0 };
    }
    let first = t.iter().position(|&x| x >= start && x <= end);
    let last = t.iter().rposition(|&x| x >= start && x <= end);
    match (first, last) {
        (Some(a), Some(b)) if b >= a => a..b + 1,
        _ => 0..0,
    }
}

/// Timer-running intervals from start/stop events; each session's span when there are none.
fn timer_intervals(
    events: &[crate::fit::decode::TimerEvent],
    sessions: &[Session],
) -> Vec<Interval> {
    let spans = || {
        sessions
            .iter()
            .map(|s| Interval {
                start_s: s.start_s as f64,
                end_s: s.end_s as f64,
            })
            .collect::<Vec<_>>()
    };
    if events.is_empty() {
        return merge(spans());
    }
    let mut ev = events.to_vec();
    ev.sort_by_key(|e| e.t_s);
    let mut out = Vec::new();
    // A stop before any start: the timer was running from the first session's start.
    let mut open: Option<f64> = match ev.first() {
        Some(e) if !e.start => sessions.first().map(|s| s.start_s as f64),
        _ => None,
    };
    for e in &ev {
        match (e.start, open) {
            (true, None) => open = Some(e.t_s as f64),
            (false, Some(a)) => {
                if e.t_s as f64 > a {
                    out.push(Interval {
                        start_s: a,
                        end_s: e.t_s as f64,
                    });
                }
                open = None;
            }
            _ => {}
        }
    }
    if let Some(a) = open {
        // Never stopped: runs to the end of the last session.
        let end = sessions.iter().map(|s| s.end_s).max().unwrap_or(0) as f64;
        if end > a {
            out.push(Interval {
                start_s: a,
                end_s: end,
            });
        }
    }
    merge(out)
}

fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for iv in v {
        match out.last_mut() {
            Some(last) if iv.start_s <= last.end_s => last.end_s = last.end_s.max(iv.end_s),
            _ => out.push(iv),
        }
    }
    out
}

/// Fills records that have no HR from the stored strap stream; returns how many were filled.
fn merge_strap_hr(records: &mut Samples, mut stream: Vec<(f64, u8)>) -> usize {
    if stream.is_empty() || records.is_empty() {
        return 0;
    }
    stream.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Prefix sums of bpm: a record's mean over (previous record, this record] is then two
    // binary searches however the clock jumps. (Walking on from the previous position
    // was quadratic for a clock jumping back and forth: tests/regressions.rs
    // `strap_hr_with_a_clock_jumping_back_and_forth`.)
    let mut prefix = Vec::with_capacity(stream.len() + 1);
    prefix.push(0u64);
    for s in &stream {
        prefix.push(prefix[prefix.len() - 1] + s.1 as u64);
    }
    let first_after = |x: f64| stream.partition_point(|s| s.0 <= x);
    let mut filled = 0;
    let mut j = 0usize; // first stream sample not yet given to a record
    let mut prev_t = f64::NEG_INFINITY;
    for i in 0..records.len() {
        let t = records.t_s[i] as f64;
        if t < prev_t {
            // Clock went backwards: the samples after the previous record are the next.
            j = first_after(prev_t);
        }
        let k = j.max(first_after(t));
        let n = k - j;
        let sum = prefix[k] - prefix[j];
        if records.hr_bpm[i] == 0 {
            let bpm = if n > 0 {
                Some(((sum as f64 / n as f64).round()) as u8)
            } else {
                // Nearest within 2 s.
                let p = stream.partition_point(|s| s.0 < t);
                [p.checked_sub(1), Some(p)]
                    .into_iter()
                    .flatten()
                    .filter_map(|q| stream.get(q))
                    .filter(|s| (s.0 - t).abs() <= 2.0)
                    .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
                    .map(|s| s.1)
            };
            if let Some(b) = bpm {
                records.hr_bpm[i] = b;
                filled += 1;
            }
        }
        prev_t = t;
        j = k;
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::decode::TimerEvent;

    fn session(start: u32, end: u32) -> Session {
        Session {
            index: 0,
            sport: 1,
            sub_sport: 0,
            sport_profile_name: None,
            start_s: start,
            end_s: end,
            timer_s: (end - start) as f64,
            elapsed_s: (end - start) as f64,
            distance_m: None,
            avg_hr: None,
            max_hr: None,
            training_stress_score: None,
            total_training_effect: None,
            device_zones: None,
            samples: 0..0,
            synthesized: false,
            timeline_notes: Vec::new(),
            watch_recovery_hr: None,
        }
    }

    #[test]
    fn timer_intervals_follow_start_stop_pairs() {
        let ev = [
            TimerEvent {
                t_s: 100,
                start: true,
                record_index: 0,
            },
            TimerEvent {
                t_s: 200,
                start: false,
                record_index: 0,
            },
            TimerEvent {
                t_s: 250,
                start: true,
                record_index: 0,
            },
            TimerEvent {
                t_s: 260,
                start: true,
                record_index: 0,
            }, // repeated start: ignored
            TimerEvent {
                t_s: 300,
                start: false,
                record_index: 0,
            },
        ];
        let iv = timer_intervals(&ev, &[session(100, 300)]);
        assert_eq!(
            iv,
            vec![
                Interval {
                    start_s: 100.0,
                    end_s: 200.0
                },
                Interval {
                    start_s: 250.0,
                    end_s: 300.0
                }
            ]
        );
    }

    #[test]
    fn recovery_hr_goes_to_the_session_it_follows() {
        let mut s = vec![session(1000, 2000), session(2500, 4000)];
        let ev = |t_s, bpm| RecoveryHrEvent { t_s, bpm };
        // After the first leg's end (within 300 s) but before the second starts; a pause
        // inside the second leg, then its final stop; one far too late for anybody.
        let events = [ev(2120, 110), ev(3000, 120), ev(4120, 100), ev(4400, 90)];
        attach_recovery_hr(&mut s, &events);
        assert_eq!(s[0].watch_recovery_hr, Some(ev(2120, 110)));
        assert_eq!(s[1].watch_recovery_hr, Some(ev(4120, 100)));
        // Before any session: nobody's.
        let mut s = vec![session(1000, 2000)];
        attach_recovery_hr(&mut s, &[ev(900, 100)]);
        assert_eq!(s[0].watch_recovery_hr, None);
    }

    #[test]
    fn no_timer_events_means_the_session_span() {
        let iv = timer_intervals(&[], &[session(10, 70)]);
        assert_eq!(
            iv,
            vec![Interval {
                start_s: 10.0,
                end_s: 70.0
            }]
        );
    }

    #[test]
    fn an_unclosed_timer_runs_to_the_session_end() {
        let ev = [TimerEvent {
            t_s: 20,
            start: true,
            record_index: 0,
        }];
        let iv = timer_intervals(&ev, &[session(10, 70)]);
        assert_eq!(
            iv,
            vec![Interval {
                start_s: 20.0,
                end_s: 70.0
            }]
        );
    }

    #[test]
    fn strap_hr_after_a_backwards_clock_is_not_given_twice() {
        let mut r = Samples::default();
        for t in [10u32, 20, 5, 15, 25] {
            r.t_s.push(t);
            r.hr_bpm.push(0);
        }
        let stream = vec![
            (9.0, 100),
            (12.0, 110),
            (18.0, 120),
            (22.0, 130),
            (24.0, 140),
        ];
        let n = merge_strap_hr(&mut r, stream);
        // 10: (−∞, 10] -> 100; 20: (10, 20] -> 115; 5 and 15 come after the clock went
        // back: the samples up to 20 are taken and none is within 2 s; 25: (20, 25] -> 135.
        assert_eq!(r.hr_bpm, vec![100, 115, 0, 0, 135]);
        assert_eq!(n, 3);
    }

    #[test]
    fn strap_hr_fills_records_without_hr() {
        let mut r = Samples::default();
        for (t, h) in [(10u32, 0u8), (11, 0), (12, 150), (20, 0)] {
            r.t_s.push(t);
            r.hr_bpm.push(h);
        }
        let stream = vec![
            (10.0, 100),
            (10.5, 102),
            (11.0, 104),
            (12.0, 170),
            (21.5, 90),
        ];
        let n = merge_strap_hr(&mut r, stream);
        // 10: mean of samples <= 10 -> 100; 11: (102+104)/2 = 103; 12 keeps its own;
        // 20: nothing in (12, 20] -> nearest within 2 s is 21.5.
        assert_eq!(r.hr_bpm, vec![100, 103, 150, 90]);
        assert_eq!(n, 3);
    }
}
