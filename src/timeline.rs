//! The timeline: for each record sample, which session it belongs to and whether its
//! clock and its heart rate can be believed. Every command reads sessions and samples
//! after this stage (decode → **timeline** → zones / load / audit / charts / store), so
//! they all count the same seconds.
//!
//! Why it exists: on clean files assigning samples is trivial, and on real files it is
//! where most of a session can silently vanish — a clock that jumps two years ahead for
//! 30 s, a clock corrected by 20 days mid-run, GPS and HR written as two records of the
//! same second, a multisport file whose timer was started once, a session whose
//! `start_time` is off its records. This module decides those cases once, by the rules
//! below, and says what it did: every correction that changes a session's numbers is a
//! note on the session ([`crate::activity::Session::timeline_notes`]) or on its analysis.
//! It must not guess where the file gives evidence (timer events, laps, the session's own
//! totals), and it never replaces bad data by a neighbour's for more than a spike.
//!
//! ## The rules
//! 1. **Clock faults** ([`fix_clock`]). A *step* is a jump between consecutive samples
//!    backwards by more than [`BACKWARD_TOLERANCE_S`], or forwards by more than the
//!    file's whole recorded duration (the sum of its sessions' `total_elapsed_time`, plus
//!    [`FORWARD_SLACK_S`]; [`FORWARD_FAULT_NO_SUMMARY_S`] without sessions) — no pause
//!    inside a session can be longer than the session — unless a timer start event in the
//!    minute before the sample says the recording resumed there (some devices leave long
//!    pauses out of the elapsed total).
//!    - An **isolated glitch** is a step after which the clock comes back, within
//!      [`MAX_GLITCH_SAMPLES`] samples, to within the time those samples could have taken
//!      of where it was (0 ≤ Δ ≤ 300 s + 10 s per sample); a backward step is also a
//!      glitch's end when a forward jump of over a minute a few samples earlier is what it
//!      undoes. Of the two readings the one dropping fewer samples wins. A glitch's
//!      samples are dropped: they count for nothing, and the sample after them stands for
//!      the time since the last good sample, as any sample does.
//!    - A **correction** is a step that stays: the rest of the file is re-based onto the
//!      clock before the step (the clock the session's `start_time` was written in), the
//!      step taken as the median of the 15 previous sample gaps. Timer events, laps and
//!      sessions are re-based too: by where they sit among the records (their
//!      `record_index`), and a summary's `start_time` by which reading makes its span
//!      agree with its `total_elapsed_time`.
//!    - Smaller backward steps (a GPS fix nudging the clock by a few seconds) are left to
//!      the time-in-zone rule: time is counted once, so the repeated seconds weigh 0
//!      ([`crate::zones::sample_weights`]).
//! 2. **Same-second records** ([`merge_same_second`]): consecutive records with the same
//!    timestamp are one sample, merged field by field (a field missing from the first
//!    takes the next one's value), as the FIT SDK's decoders assemble a sample from split
//!    messages. Suunto writes GPS and heart rate as two records of one second; unmerged,
//!    the heart rate sits in a record that stands for 0 s.
//! 3. **Session windows** ([`session_window`], then [`Timeline`] in
//!    [`crate::activity::Activity::from_fit`]): a session runs from `start_time` to the
//!    later of `start_time + total_elapsed_time` and its own `timestamp` (the last
//!    seconds of a session are often after the elapsed total; past 600 s + 10 % of the
//!    elapsed time only when the timer ran there and that brings the timed seconds closer
//!    to the session's timer total). When `start_time` is later than
//!    `timestamp − total_elapsed_time` by more than [`WINDOW_TOLERANCE_S`], the window
//!    that overlaps other sessions less (then: holds more records) wins. A
//!    single-session file whose window holds under half its records, and whose records
//!    start over a minute away from its `start_time`, follows the records.
//!    Windows are then made disjoint (a session ends where the next one starts), so a
//!    sample belongs to at most one session. When timer events cover less than half of
//!    a session that has records (multisport legs whose timer was started once), the
//!    session's span counts as timed. When the laps explain the session's timer total
//!    better than the timer events do (a ski day's runs resumed by a new lap without a
//!    start event), the timer follows the laps ([`timer_by_laps`]); whether a session
//!    runs past start + elapsed to its end time is then judged with the laps' reading
//!    too (a Fenix 5 ski day's elapsed total leaves out a 55-minute stop).
//! 4. **Heart-rate quality** ([`hr_quality`], one rule for zones, load, audit, charts and
//!    the store): HR 0 is no HR. A *spike* — a run of samples more than 25 bpm away from
//!    the samples on both sides, in the same direction, the two flanks at most 5 s apart
//!    ([`crate::zones::invalid_mask`]) — is bridged: it takes the last plausible HR, so
//!    its seconds count in the zone around it. *Implausible* HR is excluded: its
//!    seconds count for nothing and the session says how many. That is HR above
//!    [`PHYSIOLOGICAL_MAX_BPM`] for longer than a spike (judged with the spikes, from the
//!    samples alone), then whatever HR is left above the athlete's max HR + 10 bpm
//!    ([`hr_cap_bpm`]), judged on the value alone: the one part of the rule that depends
//!    on the athlete's settings is a function of each sample's bpm, so the store's
//!    seconds per bpm ([`crate::hr_seconds`]) answer it exactly for any max HR.
//!    A *flat line* — one exact value for over [`FLAT_LINE_S`] while the recording goes
//!    on, in a session whose HR moves ([`flat_lines`]) — is excluded the same
//!    way, and the session's note says how many seconds at which bpm
//!    ([`note_flat_lines`]).
//!
//! The passes that rewrite samples run only when the timestamps need them: a clean file
//! costs one comparison per sample.

use crate::activity::{Interval, Samples};
use crate::fit::decode::{SummaryMsg, TimerEvent};
use crate::zones::{invalid_mask, SpikeFilter};

/// Backward steps up to this are clock jitter, not faults, s.
pub const BACKWARD_TOLERANCE_S: i64 = 60;
/// Added to the file's recorded duration to make the forward fault threshold, s.
pub const FORWARD_SLACK_S: i64 = 600;
/// The forward fault threshold of a file without session messages, s (12 h).
pub const FORWARD_FAULT_NO_SUMMARY_S: i64 = 12 * 3600;
/// A glitch is at most this many samples long.
pub const MAX_GLITCH_SAMPLES: usize = 600;
/// `start_time` and `timestamp − total_elapsed_time` may differ by this much before the
/// window is in doubt, s.
pub const WINDOW_TOLERANCE_S: i64 = 60;
/// One exact heart rate held longer than this is flat-lined ([`flat_lines`]), s.
pub const FLAT_LINE_S: u32 = 300;
/// A flat-lined stretch has at least one sample per this many seconds on average, s.
pub const FLAT_LINE_MAX_STEP_S: u32 = 10;
/// A session's HR is live when at least this many steps between samples change it...
pub const LIVE_MIN_CHANGES: usize = 10;
/// ...and at least one step in this many does.
pub const LIVE_CHANGE_ONE_IN: usize = 20;
/// Heart rate above this is implausible whatever the athlete's max HR, bpm (Tanaka et
/// al. 2001: HRmax ≈ 208 − 0.7 × age, ± ~10; no adult reaches 230).
pub const PHYSIOLOGICAL_MAX_BPM: u8 = 230;

/// What the timeline did to a file's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockFix {
    /// Samples whose clock jumped away and came back: dropped.
    Glitch {
        /// Time (re-based clock) of the last good sample before the glitch, FIT s.
        at_s: u32,
        /// Samples dropped.
        samples: usize,
        /// The jump, s (negative: backwards).
        step_s: i64,
    },
    /// The clock stepped and stayed: later samples re-based by `shift_s`.
    Correction {
        /// Time (re-based clock) of the last sample before the step, FIT s.
        at_s: u32,
        /// The jump, s (negative: backwards).
        step_s: i64,
        /// What was added to every later timestamp, s.
        shift_s: i64,
    },
}

impl ClockFix {
    /// When it happened, FIT s (re-based clock).
    pub fn at_s(&self) -> u32 {
        match *self {
            ClockFix::Glitch { at_s, .. } | ClockFix::Correction { at_s, .. } => at_s,
        }
    }

    /// One phrase for a session's note; `start_s` is the session's start.
    pub fn describe(&self, start_s: u32) -> String {
        let minute = self.at_s().saturating_sub(start_s) / 60;
        match *self {
            ClockFix::Glitch {
                samples, step_s, ..
            } => format!(
                "clock glitch at minute {minute} ({} away and back): {samples} samples ignored",
                span_text(step_s)
            ),
            ClockFix::Correction { step_s, .. } => format!(
                "clock corrected by {} at minute {minute}: later samples re-based",
                span_text(step_s)
            ),
        }
    }
}

/// A signed duration in the largest fitting unit: "+20 d", "−3 h", "+95 s".
fn span_text(s: i64) -> String {
    let sign = if s < 0 { "-" } else { "+" };
    let a = s.unsigned_abs();
    let round = |unit: u64| (a + unit / 2) / unit;
    if a >= 2 * 86_400 {
        format!("{sign}{} d", round(86_400))
    } else if a >= 2 * 3600 {
        format!("{sign}{} h", round(3600))
    } else if a >= 120 {
        format!("{sign}{} min", round(60))
    } else {
        format!("{sign}{a} s")
    }
}

/// The forward step above which a jump is a fault: no pause inside a file is longer
/// than the whole file.
pub fn forward_fault_s(sessions: &[SummaryMsg]) -> i64 {
    let total: f64 = sessions
        .iter()
        .filter_map(|s| s.elapsed_s)
        .filter(|e| e.is_finite() && *e > 0.0)
        .sum();
    if total > 0.0 {
        (total.min(1e9) as i64) + FORWARD_SLACK_S
    } else {
        FORWARD_FAULT_NO_SUMMARY_S
    }
}

/// Finds clock glitches and corrections in `records` (rule 1) and fixes them: glitch
/// samples are removed, later samples, timer events, laps and sessions re-based.
/// Returns what was done, in time order; nothing (and no allocation) for a clean clock.
pub fn fix_clock(
    records: &mut Samples,
    events: &mut [TimerEvent],
    sessions: &mut [SummaryMsg],
    laps: &mut [SummaryMsg],
) -> Vec<ClockFix> {
    let fwd = forward_fault_s(sessions);
    let is_step = |d: i64| !(-BACKWARD_TOLERANCE_S..=fwd).contains(&d);
    let t = &records.t_s;
    if !t.windows(2).any(|w| is_step(w[1] as i64 - w[0] as i64)) {
        return Vec::new();
    }
    let n = t.len();
    let raw: Vec<i64> = t.iter().map(|&x| x as i64).collect();
    let mut tc = raw.clone();
    let mut keep = vec![true; n];
    let mut fixes = Vec::new();
    let window = |m: usize| 300 + 10 * m as i64;
    // Timer start times, sorted: "did the recording resume here?" in O(log n).
    let mut starts: Vec<i64> = events
        .iter()
        .filter(|e| e.start)
        .map(|e| e.t_s as i64)
        .collect();
    starts.sort_unstable();
    let mut prev = 0usize; // last kept sample
    let mut i = 1usize;
    while i < n {
        let d = tc[i] - tc[prev];
        // A forward step where the timer was started again is a resumed recording after
        // a long pause, not a fault.
        let first = starts.partition_point(|&x| x < raw[i] - 60);
        let resumed = d > 0 && starts.get(first).is_some_and(|&x| x <= raw[i]);
        if !is_step(d) || resumed {
            prev = i;
            i += 1;
            continue;
        }
        // A glitch ahead: the clock comes back near tc[prev] within a few samples.
        let ahead = (i + 1..n.min(i + 1 + MAX_GLITCH_SAMPLES))
            .find(|&j| (0..=window(j - i)).contains(&(tc[j] - tc[prev])));
        // A backward step that ends an earlier, smaller forward jump: those samples were
        // the glitch.
        let behind = if d < 0 {
            let mut k = prev;
            let mut found = None;
            while k > 0 && prev - k < MAX_GLITCH_SAMPLES {
                let kp = (0..k).rev().find(|&q| keep[q]);
                let Some(kp) = kp else { break };
                let jump = tc[k] - tc[kp];
                if jump > BACKWARD_TOLERANCE_S
                    && (0..=window(prev - k + 1)).contains(&(tc[i] - tc[kp]))
                {
                    found = Some((k, kp));
                    break;
                }
                k = kp;
            }
            found
        } else {
            None
        };
        let n_ahead = ahead.map(|j| j - i);
        let n_behind = behind.map(|(k, _)| (k..=prev).filter(|&q| keep[q]).count());
        match (n_ahead, n_behind) {
            (Some(na), nb) if nb.is_none_or(|nb| na <= nb) => {
                let j = i + na;
                keep[i..j].iter_mut().for_each(|x| *x = false);
                fixes.push(ClockFix::Glitch {
                    at_s: clamp_u32(tc[prev]),
                    samples: na,
                    step_s: d,
                });
                i = j;
            }
            (_, Some(nb)) => {
                let (k, kp) = behind.unwrap_or((prev, prev));
                keep[k..=prev].iter_mut().for_each(|x| *x = false);
                fixes.push(ClockFix::Glitch {
                    at_s: clamp_u32(tc[kp]),
                    samples: nb,
                    step_s: tc[k] - tc[kp],
                });
                prev = kp;
            }
            _ => {
                let gap = typical_gap(&tc, &keep, prev);
                let shift = tc[prev] + gap - tc[i];
                for x in &mut tc[i..] {
                    *x += shift;
                }
                fixes.push(ClockFix::Correction {
                    at_s: clamp_u32(tc[prev]),
                    step_s: d,
                    shift_s: shift,
                });
                prev = i;
                i += 1;
            }
        }
    }
    // Re-base the messages that sit among the records.
    let shift_at = |k: usize| tc[k] - raw[k];
    let kept_before = |k: usize| (0..k).rev().find(|&q| keep[q]);
    let kept_from = |k: usize| (k..n).find(|&q| keep[q]);
    let map = |ts: u32, record_index: u32| -> i64 {
        let k = (record_index as usize).min(n);
        let (a, b) = (kept_before(k), kept_from(k));
        let cands = [a, b];
        let (lo, hi) = (a.map_or(i64::MIN, |q| tc[q]), b.map_or(i64::MAX, |q| tc[q]));
        cands
            .into_iter()
            .flatten()
            .map(|q| ts as i64 + shift_at(q))
            .min_by_key(|&m| {
                if m < lo {
                    lo - m
                } else if m > hi {
                    m.saturating_sub(hi)
                } else {
                    0
                }
            })
            .unwrap_or(ts as i64)
    };
    for e in events.iter_mut() {
        e.t_s = clamp_u32(map(e.t_s, e.record_index));
    }
    let mut shifts: Vec<i64> = (0..n).filter(|&q| keep[q]).map(shift_at).collect();
    shifts.sort_unstable();
    shifts.dedup();
    for m in sessions.iter_mut().chain(laps.iter_mut()) {
        if let Some(ts) = m.timestamp {
            m.timestamp = Some(clamp_u32(map(ts, m.record_index)));
        }
        if let (Some(st), Some(ts), Some(el)) = (m.start_time, m.timestamp, m.elapsed_s) {
            // The reading of start_time that makes the summary's span its elapsed time.
            let best = shifts.iter().copied().min_by_key(|&s| {
                ((ts as i64 - (st as i64 + s)) as f64 - el).abs().min(1e15) as i64
            });
            if let Some(s) = best {
                m.start_time = Some(clamp_u32(st as i64 + s));
            }
        }
    }
    // Write the re-based clock and drop glitch samples.
    for (x, &c) in records.t_s.iter_mut().zip(&tc) {
        *x = clamp_u32(c);
    }
    retain_rows(records, &keep);
    fixes
}

fn clamp_u32(x: i64) -> u32 {
    x.clamp(0, u32::MAX as i64) as u32
}

/// The median of up to 15 positive gaps between kept samples before `prev`, at least 1 s.
fn typical_gap(tc: &[i64], keep: &[bool], prev: usize) -> i64 {
    let mut gaps = Vec::with_capacity(15);
    let mut last: Option<i64> = None;
    for q in (0..=prev).rev().filter(|&q| keep[q]) {
        if let Some(l) = last {
            let g = l - tc[q];
            if g > 0 && g <= 300 {
                gaps.push(g);
            }
        }
        last = Some(tc[q]);
        if gaps.len() == 15 {
            break;
        }
    }
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(1).max(1)
}

/// Keeps the rows where `keep` is true, in order.
fn retain_rows(r: &mut Samples, keep: &[bool]) {
    fn retain<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
        let mut w = 0;
        for i in 0..v.len() {
            if keep.get(i).copied().unwrap_or(true) {
                v[w] = v[i];
                w += 1;
            }
        }
        v.truncate(w);
    }
    retain(&mut r.t_s, keep);
    retain(&mut r.hr_bpm, keep);
    retain(&mut r.distance_m, keep);
    retain(&mut r.speed_mps, keep);
    retain(&mut r.altitude_m, keep);
    retain(&mut r.cadence_rpm, keep);
    retain(&mut r.power_w, keep);
}

/// Merges consecutive records that share a timestamp (rule 2), field by field: a field
/// missing from the first (HR 0, a NaN float) takes the next record's value. Returns
/// the timestamps of the merged-away records (one per record removed), in file order.
pub fn merge_same_second(r: &mut Samples) -> Vec<u32> {
    let n = r.t_s.len();
    if !r.t_s.windows(2).any(|w| w[0] == w[1]) {
        return Vec::new();
    }
    let cols_ok = [
        r.hr_bpm.len(),
        r.distance_m.len(),
        r.speed_mps.len(),
        r.altitude_m.len(),
        r.cadence_rpm.len(),
        r.power_w.len(),
    ]
    .iter()
    .all(|&l| l == n);
    if !cols_ok {
        return Vec::new();
    }
    let mut merged = Vec::new();
    let mut w = 0usize;
    for i in 0..n {
        if i > 0 && r.t_s[i] == r.t_s[w - 1] {
            let o = w - 1;
            if r.hr_bpm[o] == 0 {
                r.hr_bpm[o] = r.hr_bpm[i];
            }
            fill(&mut r.distance_m, o, i);
            fill(&mut r.speed_mps, o, i);
            fill(&mut r.altitude_m, o, i);
            fill(&mut r.cadence_rpm, o, i);
            fill(&mut r.power_w, o, i);
            merged.push(r.t_s[i]);
            continue;
        }
        if w != i {
            r.t_s[w] = r.t_s[i];
            r.hr_bpm[w] = r.hr_bpm[i];
            r.distance_m[w] = r.distance_m[i];
            r.speed_mps[w] = r.speed_mps[i];
            r.altitude_m[w] = r.altitude_m[i];
            r.cadence_rpm[w] = r.cadence_rpm[i];
            r.power_w[w] = r.power_w[i];
        }
        w += 1;
    }
    r.t_s.truncate(w);
    r.hr_bpm.truncate(w);
    r.distance_m.truncate(w);
    r.speed_mps.truncate(w);
    r.altitude_m.truncate(w);
    r.cadence_rpm.truncate(w);
    r.power_w.truncate(w);
    merged
}

/// `v[o]` takes `v[i]` when it is missing (NaN).
fn fill<T: Copy + Float>(v: &mut [T], o: usize, i: usize) {
    if v[o].missing() {
        v[o] = v[i];
    }
}

/// The float columns' "missing" test.
trait Float {
    fn missing(self) -> bool;
}
impl Float for f64 {
    fn missing(self) -> bool {
        self.is_nan()
    }
}
impl Float for f32 {
    fn missing(self) -> bool {
        self.is_nan()
    }
}

/// A window `(start, end)`, FIT s.
pub type Window = (u32, u32);

/// A session's window from its summary message (rule 3): `(start, end, alternative)`
/// where `alternative` is the window `[timestamp − elapsed, timestamp]` when `start_time`
/// disagrees with it by more than [`WINDOW_TOLERANCE_S`].
pub fn session_window(m: &SummaryMsg) -> Option<(u32, u32, Option<Window>)> {
    let start = m.start_time.or_else(|| {
        let (t, e) = (m.timestamp?, m.elapsed_s?);
        Some(t.saturating_sub(e.round() as u32))
    })?;
    let elapsed = m
        .elapsed_s
        .filter(|e| e.is_finite() && *e >= 0.0)
        .or_else(|| m.timestamp.map(|t| t.saturating_sub(start) as f64))
        .unwrap_or(0.0);
    let by_elapsed = start.saturating_add(elapsed.ceil().min(u32::MAX as f64) as u32);
    let mut end = by_elapsed;
    let mut alternative = None;
    if let Some(ts) = m.timestamp {
        // The last seconds: the message's own time, when a little after the total.
        let slack = 600.0 + 0.1 * elapsed;
        if ts > end && ((ts - end) as f64) <= slack {
            end = ts;
        }
        let from_end = ts as i64 - elapsed.round() as i64;
        // Only a start_time later than the end allows: one earlier (an elapsed total
        // that leaves out pauses, ski lifts) is settled by the timer instead.
        if m.start_time.is_some() && start as i64 - from_end > WINDOW_TOLERANCE_S && from_end >= 0 {
            alternative = Some((clamp_u32(from_end), ts));
        }
    }
    Some((start, end, alternative))
}

/// Timer intervals that follow the laps (rule 3, timer): Garmin's ski auto-pause resumes
/// a run with a new lap and no timer start event, and ends it at the lap message's own
/// time with no stop event. So a stop that comes while the events say the timer is
/// already stopped means it ran from the latest lap start since the previous stop; and
/// the timer runs only inside a lap, from its `start_time` to its `timestamp`.
/// `plain` is the timer read from the events alone; the lap reading is returned only
/// when it brings the timed seconds inside `sessions` (start, end, timer total) closer to
/// the sessions' timer totals, by more than 1 % and 10 s — the file's own summary is the
/// evidence, so a file whose events already agree with it is never touched.
pub fn timer_by_laps(
    events: &[TimerEvent],
    laps: &[SummaryMsg],
    sessions: &[(u32, u32, f64)],
    plain: &[Interval],
) -> Option<Vec<Interval>> {
    if laps.is_empty() || events.is_empty() || sessions.is_empty() {
        return None;
    }
    let mut lap_starts: Vec<u32> = laps.iter().filter_map(|l| l.start_time).collect();
    lap_starts.sort_unstable();
    let mut ev: Vec<(u32, bool)> = events.iter().map(|e| (e.t_s, e.start)).collect();
    ev.sort_by_key(|e| e.0);
    let mut runs: Vec<Interval> = Vec::new();
    let mut open: Option<u32> = match ev.first() {
        Some(&(_, false)) => sessions.iter().map(|s| s.0).min(),
        _ => None,
    };
    let mut last_stop: Option<u32> = None;
    for &(t, start) in &ev {
        match (start, open) {
            (true, None) => open = Some(t),
            (true, Some(_)) => {}
            (false, Some(a)) => {
                runs.push(iv(a, t));
                open = None;
                last_stop = Some(t);
            }
            (false, None) => {
                // A stop while stopped: the run began at the latest lap start since.
                let hi = lap_starts.partition_point(|&x| x < t);
                let lo = last_stop.map_or(0, |s| lap_starts.partition_point(|&x| x < s));
                if hi > lo {
                    runs.push(iv(lap_starts[hi - 1], t));
                }
                last_stop = Some(t);
            }
        }
    }
    if let Some(a) = open {
        let end = sessions.iter().map(|s| s.1).max().unwrap_or(a);
        runs.push(iv(a, end.max(a)));
    }
    // Inside a lap only.
    let mut windows: Vec<Interval> = laps
        .iter()
        .filter_map(|l| Some(iv(l.start_time?, l.timestamp?.max(l.start_time?))))
        .collect();
    windows.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let windows = union(windows);
    runs.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let runs = union(runs);
    let mut out = Vec::new();
    for r in &runs {
        for w in &windows {
            let (a, b) = (r.start_s.max(w.start_s), r.end_s.min(w.end_s));
            if b > a {
                out.push(Interval {
                    start_s: a,
                    end_s: b,
                });
            }
        }
    }
    let out = union(out);
    let off = |timer: &[Interval]| -> f64 {
        sessions
            .iter()
            .map(|&(a, b, want)| (timed_in(timer, a as f64, b as f64) - want).abs())
            .sum()
    };
    let total: f64 = sessions.iter().map(|s| s.2).sum();
    let (before, after) = (off(plain), off(&out));
    (before - after > (0.01 * total).max(10.0)).then_some(out)
}

fn iv(a: u32, b: u32) -> Interval {
    Interval {
        start_s: a as f64,
        end_s: b as f64,
    }
}

/// Sorted intervals merged where they touch or overlap.
fn union(v: Vec<Interval>) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for x in v {
        match out.last_mut() {
            Some(last) if x.start_s <= last.end_s => last.end_s = last.end_s.max(x.end_s),
            _ => out.push(x),
        }
    }
    out
}

/// Seconds of `timer` inside `[a, b]`.
pub fn timed_in(timer: &[Interval], a: f64, b: f64) -> f64 {
    timer
        .iter()
        .map(|t| (t.end_s.min(b) - t.start_s.max(a)).max(0.0))
        .sum()
}

/// What [`hr_quality`] made of a session's heart rate.
#[derive(Debug, Clone, PartialEq)]
pub struct HrQuality {
    /// The heart rate to use: spikes bridged, excluded samples 0 (no HR).
    pub hr_bpm: Vec<u8>,
    /// Samples bridged as spikes.
    pub bridged: usize,
    /// Samples excluded as implausible (over the cap beyond a spike's length).
    pub excluded_high: usize,
    /// Which samples were excluded as implausible (empty when none were); flat-lined
    /// samples are in [`HrQuality::flat`], not here.
    pub excluded: Vec<bool>,
    /// Flat-lined stretches, excluded ([`flat_lines`]).
    pub flat: Vec<FlatLine>,
}

/// One exact heart rate held longer than [`FLAT_LINE_S`] ([`flat_lines`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatLine {
    /// The stretch's samples (indices into the slices given to [`flat_lines`]).
    pub samples: std::ops::Range<usize>,
    /// The value it is stuck at, bpm.
    pub bpm: u8,
    /// From its first sample to the first sample with another value (or its last
    /// sample, at the end of the data), s.
    pub held_s: u32,
}

/// Flat-lined heart rate (rule 4): stretches where the sensor reports one exact value
/// for longer than [`FLAT_LINE_S`] while the recording goes on, in a session whose heart
/// rate otherwise moves as a heart's does.
///
/// - *Held*: consecutive samples with the same HR (> 0), from the first of them to the
///   first sample with another value, longer than [`FLAT_LINE_S`]. On both shared
///   corpora (about 1,000 sessions with HR, 25 devices) the longest such stretch of a
///   real session is 175 s (an Apple Watch walk at 91 bpm; Garmin: 134 s), the 99th
///   percentile 140 s, the median 31 s.
/// - *The recording goes on*: at least one sample per [`FLAT_LINE_MAX_STEP_S`] on
///   average inside the stretch — a few samples minutes apart are a sparse recording,
///   not a stuck sensor (the dropout rule deals with gaps).
/// - *Live*: over the whole session, at least [`LIVE_MIN_CHANGES`] steps between
///   successive samples, and 1 in [`LIVE_CHANGE_ONE_IN`] of them, change the value
///   (so a session stuck for nearly all of its length, over 88 % at a typical 40 %
///   change rate, is not judged either). On both corpora the watches' sessions change on 12 % of steps or more (the
///   lowest, 7 %, is an export app's resampled file); a trace that is constant nearly
///   everywhere (synthetic files: the project's fixtures, whose traces are constant
///   segments changing a few times an hour, or a 76-minute ramp of 4 bpm; a Go SDK test
///   file holding 110 bpm for 8.6 h with every other channel constant too) gives no
///   evidence of a stuck sensor, and is not judged.
///
/// A sensor stuck at one value and a watch repeating the last value after the strap
/// dropped out look the same in the file; neither is heart rate, and both are excluded.
/// One pass over the samples; allocates only when a stretch qualifies.
pub fn flat_lines(t_s: &[u32], hr_bpm: &[u8]) -> Vec<FlatLine> {
    let n = t_s.len().min(hr_bpm.len());
    let (t_s, hr_bpm) = (&t_s[..n], &hr_bpm[..n]);
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let v = hr_bpm[i];
        let mut j = i + 1;
        while j < n && hr_bpm[j] == v {
            j += 1;
        }
        if v != 0 {
            let end_t = t_s.get(j).copied().unwrap_or(t_s[j - 1]);
            let held_s = end_t.saturating_sub(t_s[i]);
            let dense = (j - i) as u64 * FLAT_LINE_MAX_STEP_S as u64 >= held_s as u64;
            if held_s > FLAT_LINE_S && dense {
                out.push(FlatLine {
                    samples: i..j,
                    bpm: v,
                    held_s,
                });
            }
        }
        i = j;
    }
    if out.is_empty() {
        return out;
    }
    // Live: steps between successive HR samples (0 is no HR) over the whole session.
    let (mut steps, mut changes) = (0usize, 0usize);
    let mut prev: Option<u8> = None;
    for &h in hr_bpm.iter().filter(|&&h| h != 0) {
        if let Some(p) = prev {
            steps += 1;
            changes += usize::from(p != h);
        }
        prev = Some(h);
    }
    if changes < LIVE_MIN_CHANGES || changes * LIVE_CHANGE_ONE_IN < steps {
        out.clear();
    }
    out
}

/// Adds to each session of `a` with a flat-lined stretch ([`flat_lines`]) the note that
/// says what [`hr_quality`] will exclude there: "600 s flat-lined HR at 150 bpm
/// excluded", the seconds those samples would have counted for
/// ([`crate::zones::session_weights`]). A timeline note, so that the store keeps it with
/// the session and every path says the same.
pub fn note_flat_lines(a: &mut crate::activity::Activity) {
    let mut notes: Vec<(usize, String)> = Vec::new();
    for (k, s) in a.sessions.iter().enumerate() {
        let r = s.samples.clone();
        let (Some(t), Some(hr)) = (a.samples.t_s.get(r.clone()), a.samples.hr_bpm.get(r)) else {
            continue;
        };
        let flat = flat_lines(t, hr);
        if flat.is_empty() {
            continue;
        }
        let w = crate::zones::session_weights(a, s, Default::default());
        let mut by_bpm: Vec<(u8, f64)> = Vec::new();
        for f in &flat {
            let secs: f64 = w.get(f.samples.clone()).map_or(0.0, |x| x.iter().sum());
            match by_bpm.iter_mut().find(|(b, _)| *b == f.bpm) {
                Some(e) => e.1 += secs,
                None => by_bpm.push((f.bpm, secs)),
            }
        }
        for (bpm, secs) in by_bpm {
            notes.push((
                k,
                format!("{secs:.0} s flat-lined HR at {bpm} bpm excluded (one value for over {} min while the recording went on)", FLAT_LINE_S / 60),
            ));
        }
    }
    for (k, note) in notes {
        a.sessions[k].timeline_notes.push(note);
    }
}

/// The implausible-HR cap for `max_hr`, bpm: max HR plus the spike filter's margin, at
/// most [`PHYSIOLOGICAL_MAX_BPM`] (which is also the cap without a max HR).
pub fn hr_cap_bpm(max_hr: Option<u8>) -> u16 {
    let margin = SpikeFilter::default().max_hr_margin_bpm as u16;
    max_hr.map_or(PHYSIOLOGICAL_MAX_BPM as u16, |m| {
        (m as u16 + margin).min(PHYSIOLOGICAL_MAX_BPM as u16)
    })
}

/// The one heart-rate quality rule (rule 4) over one session's samples: flat lines,
/// spikes and HR above [`PHYSIOLOGICAL_MAX_BPM`] judged from the samples
/// ([`hr_quality_physiological`]), then HR left above the athlete's cap
/// ([`hr_cap_bpm`]) excluded by its value alone ([`exclude_above`]).
pub fn hr_quality(t_s: &[u32], hr_bpm: &[u8], max_hr: Option<u8>) -> HrQuality {
    let mut q = hr_quality_physiological(t_s, hr_bpm);
    exclude_above(&mut q, hr_cap_bpm(max_hr));
    q
}

/// The part of [`hr_quality`] that does not depend on the athlete: flat lines, spikes
/// and sustained HR above [`PHYSIOLOGICAL_MAX_BPM`].
pub fn hr_quality_physiological(t_s: &[u32], hr_bpm: &[u8]) -> HrQuality {
    let n = t_s.len().min(hr_bpm.len());
    let (t_s, hr_bpm) = (&t_s[..n], &hr_bpm[..n]);
    let flat = flat_lines(t_s, hr_bpm);
    if flat.is_empty() {
        return judge_hr(t_s, hr_bpm);
    }
    // Flat-lined samples are no HR: excluded before spikes and the cap are judged, so a
    // stuck value neither bridges a spike nor is bridged itself.
    let mut hr = hr_bpm.to_vec();
    for f in &flat {
        hr[f.samples.clone()].iter_mut().for_each(|h| *h = 0);
    }
    let mut q = judge_hr(t_s, &hr);
    q.flat = flat;
    q
}

/// Excludes every sample of `q` whose HR (after bridging) is above `cap`: the athlete's
/// part of the rule, a function of the value alone.
pub fn exclude_above(q: &mut HrQuality, cap: u16) {
    if cap >= PHYSIOLOGICAL_MAX_BPM as u16 || !q.hr_bpm.iter().any(|&h| h as u16 > cap) {
        return;
    }
    if q.excluded.is_empty() {
        q.excluded = vec![false; q.hr_bpm.len()];
    }
    for (h, x) in q.hr_bpm.iter_mut().zip(q.excluded.iter_mut()) {
        if *h as u16 > cap {
            *h = 0;
            *x = true;
            q.excluded_high += 1;
        }
    }
}

/// Spikes and the physiological cap (rule 4), on HR whose flat lines are already 0.
fn judge_hr(t_s: &[u32], hr_bpm: &[u8]) -> HrQuality {
    let n = t_s.len().min(hr_bpm.len());
    let (t_s, hr_bpm) = (&t_s[..n], &hr_bpm[..n]);
    let f = SpikeFilter::default();
    let cap = PHYSIOLOGICAL_MAX_BPM as u16;
    let over_cap = hr_bpm.iter().any(|&h| h as u16 > cap);
    let jumps = hr_bpm
        .windows(2)
        .any(|p| p[0] != 0 && p[1] != 0 && p[0].abs_diff(p[1]) > f.jump_bpm);
    if !over_cap && !jumps {
        return HrQuality {
            hr_bpm: hr_bpm.to_vec(),
            bridged: 0,
            excluded_high: 0,
            excluded: Vec::new(),
            flat: Vec::new(),
        };
    }
    // Sustained implausible: runs over the cap longer than a spike may last.
    let mut excluded = vec![false; n];
    let mut excluded_high = 0;
    let mut i = 0;
    while i < n {
        if hr_bpm[i] as u16 <= cap {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && (hr_bpm[j] as u16 > cap || hr_bpm[j] == 0) {
            j += 1;
        }
        let before = i.checked_sub(1).map_or(t_s[i], |b| t_s[b]);
        let after = t_s.get(j).copied().unwrap_or(t_s[j - 1]);
        if after.saturating_sub(before) > f.max_span_s || i == 0 || j == n {
            for q in i..j {
                if hr_bpm[q] != 0 {
                    excluded[q] = true;
                    excluded_high += 1;
                }
            }
        }
        i = j;
    }
    // Spikes (and short bursts over the cap) are bridged with the last plausible HR.
    let masked: Vec<u8> = hr_bpm
        .iter()
        .zip(&excluded)
        .map(|(&h, &x)| if x { 0 } else { h })
        .collect();
    // `invalid_mask` flags HR above its max + margin: give it the cap less the margin.
    let mask_max = cap.saturating_sub(f.max_hr_margin_bpm as u16).min(255) as u8;
    let bad = invalid_mask(t_s, &masked, &f, Some(mask_max));
    let mut out = masked;
    let mut bridged = 0;
    // Before the first plausible sample, a spike takes the first plausible HR after it.
    let mut last_good: u8 = out
        .iter()
        .zip(&bad)
        .find(|&(&h, &b)| h != 0 && !b)
        .map_or(0, |(&h, _)| h);
    for (h, &b) in out.iter_mut().zip(&bad) {
        if *h == 0 {
            continue;
        }
        if b {
            *h = last_good;
            bridged += 1;
        } else {
            last_good = *h;
        }
    }
    let any = excluded_high > 0;
    HrQuality {
        hr_bpm: out,
        bridged,
        excluded_high,
        excluded: if any { excluded } else { Vec::new() },
        flat: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records at the given times, HR 120 (or `hr`), other fields missing.
    fn recs(t: &[u32]) -> Samples {
        let n = t.len();
        Samples {
            t_s: t.to_vec(),
            hr_bpm: vec![120; n],
            distance_m: vec![f64::NAN; n],
            speed_mps: vec![f32::NAN; n],
            altitude_m: vec![f32::NAN; n],
            cadence_rpm: vec![f32::NAN; n],
            power_w: vec![f32::NAN; n],
        }
    }

    fn summary(start: u32, elapsed: f64, ts: u32, record_index: u32) -> SummaryMsg {
        SummaryMsg {
            start_time: Some(start),
            elapsed_s: Some(elapsed),
            timestamp: Some(ts),
            record_index,
            ..Default::default()
        }
    }

    fn ev(t_s: u32, start: bool, record_index: u32) -> TimerEvent {
        TimerEvent {
            t_s,
            start,
            record_index,
        }
    }

    const T0: u32 = 1_000_000_000;

    #[test]
    fn a_clean_clock_is_left_alone() {
        let t: Vec<u32> = (0..100).map(|i| T0 + i).collect();
        let mut r = recs(&t);
        let mut s = [summary(T0, 99.0, T0 + 99, 100)];
        let fixes = fix_clock(&mut r, &mut [], &mut s, &mut []);
        assert!(fixes.is_empty());
        assert_eq!(r.t_s, t);
        // Small backward steps (a GPS fix nudging the clock) are not faults.
        let mut t2 = t.clone();
        t2[50] -= 3;
        let mut r = recs(&t2);
        assert!(fix_clock(&mut r, &mut [], &mut s, &mut []).is_empty());
    }

    #[test]
    fn a_glitch_ahead_is_dropped() {
        // 100 s, then 14 samples two years ahead, then the clock is back (+36 s).
        let mut t: Vec<u32> = (0..100).map(|i| T0 + i).collect();
        t.extend((0..14).map(|i| T0 + 68_342_403 + 2 * i));
        t.extend((0..100).map(|i| T0 + 135 + i));
        let mut r = recs(&t);
        let mut s = [summary(T0, 235.0, T0 + 235, 214)];
        let mut events = [ev(T0, true, 0), ev(T0 + 235, false, 214)];
        let fixes = fix_clock(&mut r, &mut events, &mut s, &mut []);
        assert_eq!(
            fixes,
            vec![ClockFix::Glitch {
                at_s: T0 + 99,
                samples: 14,
                step_s: 68_342_304
            }]
        );
        assert_eq!(r.len(), 200);
        assert!(r.t_s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(r.t_s[100], T0 + 135);
        assert_eq!(
            events[1].t_s,
            T0 + 235,
            "events outside the glitch untouched"
        );
        assert_eq!(s[0].start_time, Some(T0));
    }

    #[test]
    fn a_correction_rebases_the_rest_and_the_messages_after_it() {
        // 1 Hz for 100 s, then the clock is corrected by +20 days and stays.
        const D: u32 = 20 * 86_400;
        let mut t: Vec<u32> = (0..100).map(|i| T0 + i).collect();
        t.extend((0..100).map(|i| T0 + D + i));
        let mut r = recs(&t);
        // The lap over the step: started before it, ended after it.
        let mut laps = [
            summary(T0, 60.0, T0 + 60, 60),
            summary(T0 + 60, 140.0, T0 + D + 99, 200),
        ];
        let mut s = [summary(T0, 200.0, T0 + D + 99, 200)];
        let mut events = [ev(T0, true, 0), ev(T0 + D + 99, false, 200)];
        let fixes = fix_clock(&mut r, &mut events, &mut s, &mut laps);
        let shift = -(D as i64) + 100;
        assert_eq!(
            fixes,
            vec![ClockFix::Correction {
                at_s: T0 + 99,
                step_s: D as i64 - 99,
                shift_s: shift
            }]
        );
        let want: Vec<u32> = (0..200).map(|i| T0 + i).collect();
        assert_eq!(r.t_s, want);
        assert_eq!(events[1].t_s, T0 + 199);
        assert_eq!(s[0].timestamp, Some(T0 + 199));
        assert_eq!(s[0].start_time, Some(T0), "start_time was on the old clock");
        assert_eq!(laps[1].timestamp, Some(T0 + 199));
        assert_eq!(laps[1].start_time, Some(T0 + 60));
    }

    #[test]
    fn a_backward_correction_maps_events_by_their_place_among_records() {
        // The clock steps back one hour at sample 100 and stays there.
        let mut t: Vec<u32> = (0..100).map(|i| T0 + 3600 + i).collect();
        t.extend((0..100).map(|i| T0 + i));
        let mut r = recs(&t);
        // A stop and a start after the step, whose times are also in the old clock's range.
        let mut events = [
            ev(T0 + 3600, true, 0),
            ev(T0 + 50, false, 150),
            ev(T0 + 60, true, 160),
            ev(T0 + 99, false, 200),
        ];
        let mut s = [summary(T0 + 3600, 200.0, T0 + 99, 200)];
        let fixes = fix_clock(&mut r, &mut events, &mut s, &mut []);
        assert!(matches!(
            fixes[..],
            [ClockFix::Correction { step_s: -3699, .. }]
        ));
        let want: Vec<u32> = (0..200).map(|i| T0 + 3600 + i).collect();
        assert_eq!(r.t_s, want);
        let times: Vec<u32> = events.iter().map(|e| e.t_s).collect();
        assert_eq!(times, vec![T0 + 3600, T0 + 3750, T0 + 3760, T0 + 3799]);
        assert_eq!(s[0].timestamp, Some(T0 + 3799));
    }

    #[test]
    fn a_glitch_behind_and_a_short_jump_ahead_are_glitches_too() {
        // Five samples a day behind, then back.
        let mut t: Vec<u32> = (0..50).map(|i| T0 + i).collect();
        t.extend((0..5).map(|i| T0 - 86_400 + i));
        t.extend((0..50).map(|i| T0 + 55 + i));
        let mut r = recs(&t);
        let mut s = [summary(T0, 105.0, T0 + 105, 105)];
        let fixes = fix_clock(&mut r, &mut [], &mut s, &mut []);
        assert!(matches!(fixes[..], [ClockFix::Glitch { samples: 5, .. }]));
        assert_eq!(r.len(), 100);
        // Six samples 20 min ahead (less than the session's length, so not a step by
        // itself) and back: the backward step shows the glitch.
        let mut t: Vec<u32> = (0..50).map(|i| T0 + i).collect();
        t.extend((0..6).map(|i| T0 + 1250 + i));
        t.extend((0..3000).map(|i| T0 + 56 + i));
        let mut r = recs(&t);
        let mut s = [summary(T0, 3056.0, T0 + 3056, 3056)];
        let fixes = fix_clock(&mut r, &mut [], &mut s, &mut []);
        assert!(
            matches!(fixes[..], [ClockFix::Glitch { samples: 6, at_s, .. }] if at_s == T0 + 49),
            "{fixes:?}"
        );
        assert_eq!(r.len(), 3050);
        assert!(r.t_s.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn same_second_records_merge_field_by_field() {
        let mut r = recs(&[10, 11, 11, 12, 13, 13, 13]);
        r.hr_bpm = vec![100, 0, 110, 111, 0, 0, 0];
        r.distance_m = vec![1.0, 2.0, f64::NAN, 3.0, f64::NAN, 4.0, 5.0];
        let merged = merge_same_second(&mut r);
        assert_eq!(merged, vec![11, 13, 13]);
        assert_eq!(r.t_s, vec![10, 11, 12, 13]);
        assert_eq!(r.hr_bpm, vec![100, 110, 111, 0]);
        // The first present value stays; a missing one takes the next record's.
        assert_eq!(r.distance_m, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(r.power_w.len(), 4);
        // Nothing to merge: untouched.
        let mut r = recs(&[1, 2, 3]);
        assert!(merge_same_second(&mut r).is_empty());
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_session_runs_to_its_end_time_and_offers_the_window_from_its_end() {
        // The last 24 s after start + elapsed: counted to the end time (24 s is within
        // the tolerance, so no other window is offered).
        let m = summary(1000, 100.0, 1124, 0);
        assert_eq!(session_window(&m), Some((1000, 1124, None)));
        // Consistent: no alternative.
        let m = summary(1000, 100.0, 1100, 0);
        assert_eq!(session_window(&m), Some((1000, 1100, None)));
        // start_time 45 min off the end: the window from the end is offered.
        let m = summary(3700, 1000.0, 2000, 0);
        assert_eq!(session_window(&m), Some((3700, 4700, Some((1000, 2000)))));
    }

    #[test]
    fn spikes_are_bridged_and_sustained_implausible_hr_excluded() {
        let t: Vec<u32> = (0..400).collect();
        let mut hr = vec![130u8; 400];
        hr[10] = 190; // a spike: bridged
        hr[20] = 215; // over max 190 + 10 for one sample: a spike, bridged
        for h in &mut hr[100..220] {
            *h = 234; // two minutes over the cap: excluded
        }
        let q = hr_quality(&t, &hr, Some(190));
        assert_eq!(q.bridged, 2);
        assert_eq!(q.excluded_high, 120);
        assert_eq!(q.hr_bpm[10], 130);
        assert_eq!(q.hr_bpm[20], 130);
        assert!(
            q.hr_bpm[100..220].iter().all(|&h| h == 0),
            "excluded, not replaced"
        );
        assert_eq!(q.hr_bpm[220], 130);
        // Without a max HR, the physiological ceiling applies.
        let q = hr_quality(&t, &hr, None);
        assert_eq!(q.excluded_high, 120);
        // A leading spike takes the first plausible HR after it.
        let q = hr_quality(&[0, 1, 2, 3], &[180, 120, 121, 122], None);
        assert_eq!(
            q.hr_bpm,
            vec![180, 120, 121, 122],
            "no flank before: not a spike"
        );
        let q = hr_quality(&[0, 1, 2, 3], &[120, 180, 121, 122], None);
        assert_eq!(q.hr_bpm, vec![120, 120, 121, 122]);
    }

    /// HR that moves every second (136..146), as a live sensor's does.
    fn live(n: usize) -> Vec<u8> {
        const WANDER: [u8; 10] = [140, 142, 144, 146, 144, 142, 140, 138, 136, 138];
        (0..n).map(|k| WANDER[k % 10]).collect()
    }

    #[test]
    fn a_flat_line_in_live_hr_is_excluded_and_a_constant_trace_is_not_judged() {
        let t: Vec<u32> = (0..1200).collect();
        let mut hr = live(1200);
        hr[300..900].iter_mut().for_each(|h| *h = 165);
        let flat = flat_lines(&t, &hr);
        assert_eq!(
            flat,
            vec![FlatLine {
                samples: 300..900,
                bpm: 165,
                held_s: 600
            }]
        );
        let q = hr_quality(&t, &hr, Some(190));
        assert!(q.hr_bpm[300..900].iter().all(|&h| h == 0), "excluded");
        assert_eq!(q.hr_bpm[..300], hr[..300], "the rest untouched");
        assert_eq!((q.bridged, q.excluded_high), (0, 0));
        // Held exactly FLAT_LINE_S (from its first sample to the next value): not flat.
        let mut hr = live(1200);
        hr[300..600].iter_mut().for_each(|h| *h = 165);
        assert!(flat_lines(&t, &hr).is_empty());
        hr[600] = 165;
        assert_eq!(flat_lines(&t, &hr).len(), 1, "one second more is");
        // A stuck value at the end of the data runs to its last sample.
        let mut hr = live(1200);
        hr[800..].iter_mut().for_each(|h| *h = 99);
        assert_eq!(flat_lines(&t, &hr)[0].held_s, 399);
        // A constant trace (the project's fixtures; a synthetic file) gives no evidence of
        // a stuck sensor: nothing moves anywhere to compare with.
        assert!(flat_lines(&t, &[140; 1200]).is_empty());
        // Segments changing a few times an hour are no live HR either.
        let mut seg = vec![120u8; 1200];
        seg[400..].iter_mut().for_each(|h| *h = 135);
        assert!(hr_quality(&t, &seg, Some(190)).flat.is_empty());
        // A sparse recording: four samples minutes apart are no stuck sensor.
        let ts: Vec<u32> = (0..300)
            .chain([500, 700, 900, 1100])
            .chain(1101..1400)
            .collect();
        let mut hs = live(ts.len());
        hs[300..304].iter_mut().for_each(|h| *h = 150);
        assert!(flat_lines(&ts, &hs).is_empty());
        // Smart recording (a sample every 5 s) stuck for 10 min is a flat line.
        let ts: Vec<u32> = (0..400).map(|k| 5 * k).collect();
        let mut hs = live(400);
        hs[100..220].iter_mut().for_each(|h| *h = 150);
        assert_eq!(flat_lines(&ts, &hs)[0].held_s, 600);
    }

    #[test]
    fn clock_fix_phrases() {
        let g = ClockFix::Glitch {
            at_s: 1000 + 12 * 60 + 5,
            samples: 14,
            step_s: 68_342_403,
        };
        assert_eq!(
            g.describe(1000),
            "clock glitch at minute 12 (+791 d away and back): 14 samples ignored"
        );
        let c = ClockFix::Correction {
            at_s: 1000 + 480,
            step_s: 1_746_563,
            shift_s: -1_746_554,
        };
        assert_eq!(
            c.describe(1000),
            "clock corrected by +20 d at minute 8: later samples re-based"
        );
    }
}
