//! The committed fixtures: (a) they are byte for byte what `tests/support/fixture_set.rs`
//! makes, so they cannot drift from their documented content; (b) each decodes to the
//! numbers in `fixtures/README.md` — seconds per zone under the documented convention,
//! session timer and elapsed time, sample counts and decoder warnings — and fitparser, an
//! independent decoder, reads the same records.
//!
//! The expected numbers below are written out by hand from the segment lists (they are
//! sums of segment lengths), not computed by the code under test.

#[path = "support/fixture_set.rs"]
mod fixture_set;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hrzones::activity::{Activity, FileKind};
use hrzones::fit::{decode, DecodeOptions};
use hrzones::zones::{self, TimeInZoneOptions, Zones, DEFAULT_PCT_FLOORS};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("fixtures/{name}: {e}"))
}

fn activity(name: &str) -> Activity {
    let data = decode(&read(name), DecodeOptions::default()).unwrap();
    Activity::from_fit(data, name)
}

fn zones() -> Zones {
    let z = Zones::hrmax(190, &DEFAULT_PCT_FLOORS, "fixtures").unwrap();
    assert_eq!(z.floors_bpm, vec![95, 114, 133, 152, 171]);
    z
}

/// Seconds per zone (index 0 = below Z1) of each session, under the default options.
fn zone_secs(a: &Activity) -> Vec<Vec<f64>> {
    let z = zones();
    a.sessions
        .iter()
        .map(|s| {
            let w = zones::session_weights(a, s, TimeInZoneOptions::default());
            zones::time_in_zones(&a.samples.hr_bpm[s.samples.clone()], &w, &z)
        })
        .collect()
}

/// What one session must decode to.
struct SessionExpect {
    /// FIT start time as (y, m, d, h, min) UTC, or the raw relative timestamp.
    start: Start,
    sport: u8,
    sub_sport: u8,
    timer_s: f64,
    elapsed_s: f64,
    /// Z0..Z5 seconds.
    zone_secs: [f64; 6],
    /// Rows in the session's sample range.
    samples: usize,
    /// Of those, rows with HR.
    hr_samples: usize,
    distance_m: Option<f64>,
}

enum Start {
    Utc(i64, i64, i64, i64, i64),
    Relative(u32),
}

struct Expect {
    name: &'static str,
    records: usize,
    sessions: Vec<SessionExpect>,
}

#[allow(clippy::too_many_arguments)]
fn run(
    start: Start,
    sub_sport: u8,
    timer_s: f64,
    elapsed_s: f64,
    zone_secs: [f64; 6],
    samples: usize,
    hr_samples: usize,
    distance_m: Option<f64>,
) -> SessionExpect {
    SessionExpect {
        start,
        sport: 1,
        sub_sport,
        timer_s,
        elapsed_s,
        zone_secs,
        samples,
        hr_samples,
        distance_m,
    }
}

fn expectations() -> Vec<Expect> {
    use Start::Utc;
    let one = |name, records, s| Expect {
        name,
        records,
        sessions: vec![s],
    };
    vec![
        one(
            "easy_run.fit",
            2821,
            run(
                Utc(2024, 4, 27, 9, 0),
                0,
                2700.0,
                2820.0,
                [90.0, 270.0, 1950.0, 300.0, 75.0, 15.0],
                2821,
                2821,
                Some(7560.0),
            ),
        ),
        one(
            "tempo_long_run.fit",
            4201,
            run(
                Utc(2024, 4, 28, 8, 30),
                0,
                4200.0,
                4200.0,
                [0.0, 0.0, 1800.0, 1700.0, 700.0, 0.0],
                4201,
                4201,
                Some(14420.0),
            ),
        ),
        one(
            "hard_intervals.fit",
            3601,
            run(
                Utc(2024, 4, 30, 18, 0),
                0,
                3600.0,
                3600.0,
                [0.0, 0.0, 600.0, 300.0, 1260.0, 1440.0],
                3601,
                3601,
                Some(13446.0),
            ),
        ),
        one(
            "recovery_ok.fit",
            1501,
            run(
                Utc(2024, 5, 1, 7, 0),
                0,
                1500.0,
                1500.0,
                [0.0, 1500.0, 0.0, 0.0, 0.0, 0.0],
                1501,
                1501,
                Some(4500.0),
            ),
        ),
        one(
            "Recovery_run_2024-05-02.fit",
            1801,
            run(
                Utc(2024, 5, 2, 7, 0),
                0,
                1800.0,
                1800.0,
                [0.0, 1740.0, 60.0, 0.0, 0.0, 0.0],
                1801,
                1801,
                Some(5400.0),
            ),
        ),
        one(
            "recovery_too_hard.fit",
            1681,
            run(
                Utc(2024, 5, 4, 8, 0),
                0,
                1680.0,
                1680.0,
                [0.0, 960.0, 600.0, 120.0, 0.0, 0.0],
                1681,
                1681,
                Some(5040.0),
            ),
        ),
        one(
            "recovery_too_long.fit",
            2881,
            run(
                Utc(2024, 5, 6, 7, 0),
                0,
                2880.0,
                2880.0,
                [0.0, 2880.0, 0.0, 0.0, 0.0, 0.0],
                2881,
                2881,
                Some(9000.0),
            ),
        ),
        Expect {
            name: "multisport.fit",
            records: 2821,
            sessions: vec![
                SessionExpect {
                    start: Utc(2024, 6, 9, 8, 0),
                    sport: 5,
                    sub_sport: 18,
                    timer_s: 600.0,
                    elapsed_s: 600.0,
                    zone_secs: [0.0, 0.0, 120.0, 480.0, 0.0, 0.0],
                    samples: 601,
                    hr_samples: 601, // all from the strap's hr messages
                    distance_m: Some(750.0),
                },
                SessionExpect {
                    start: Utc(2024, 6, 9, 8, 10),
                    sport: 3,
                    sub_sport: 0,
                    timer_s: 60.0,
                    elapsed_s: 60.0,
                    zone_secs: [0.0, 0.0, 0.0, 60.0, 0.0, 0.0],
                    samples: 61,
                    hr_samples: 61,
                    distance_m: Some(90.0),
                },
                SessionExpect {
                    start: Utc(2024, 6, 9, 8, 11),
                    sport: 2,
                    sub_sport: 7,
                    timer_s: 1200.0,
                    elapsed_s: 1200.0,
                    zone_secs: [0.0, 0.0, 0.0, 500.0, 700.0, 0.0],
                    samples: 1201,
                    hr_samples: 1201,
                    distance_m: Some(9600.0),
                },
                SessionExpect {
                    start: Utc(2024, 6, 9, 8, 31),
                    sport: 3,
                    sub_sport: 0,
                    timer_s: 60.0,
                    elapsed_s: 60.0,
                    zone_secs: [0.0, 0.0, 0.0, 60.0, 0.0, 0.0],
                    samples: 61,
                    hr_samples: 61,
                    distance_m: Some(90.0),
                },
                SessionExpect {
                    start: Utc(2024, 6, 9, 8, 32),
                    sport: 1,
                    sub_sport: 0,
                    timer_s: 900.0,
                    elapsed_s: 900.0,
                    zone_secs: [0.0, 0.0, 0.0, 0.0, 600.0, 300.0],
                    samples: 901,
                    hr_samples: 901,
                    distance_m: Some(3150.0),
                },
            ],
        },
        one(
            "indoor_treadmill.fit",
            1801,
            run(
                Utc(2024, 11, 20, 18, 30),
                1,
                1800.0,
                1800.0,
                [0.0, 0.0, 1000.0, 800.0, 0.0, 0.0],
                1801,
                1801,
                Some(5360.0),
            ),
        ),
        one(
            "faults_hr_zero.fit",
            601,
            // 30 samples of HR 0, 20 of 0xFF and 5 of 0 count nothing.
            run(
                Utc(2025, 3, 3, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 145.0, 220.0, 180.0, 0.0, 0.0],
                601,
                546,
                Some(1800.0),
            ),
        ),
        one(
            "faults_spikes.fit",
            601,
            // Raw: the six spike seconds count in Z5 as recorded.
            run(
                Utc(2025, 3, 5, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 298.0, 296.0, 0.0, 6.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        one(
            "faults_dropout.fit",
            1202,
            // The record after the 600-s gap counts nothing (gap > 300 s).
            run(
                Utc(2025, 3, 7, 7, 0),
                0,
                1800.0,
                1800.0,
                [0.0, 200.0, 450.0, 300.0, 250.0, 0.0],
                1202,
                1202,
                Some(5400.0),
            ),
        ),
        one(
            "faults_clock.fit",
            1201,
            // The duplicate is merged into k 300's sample (it would weigh 0); after the jump back, the records replaying 541..600
            // count nothing (time is counted once), so the sum is the 1140 s of timer on
            // the watch's clock.
            run(
                Utc(2025, 3, 9, 7, 0),
                0,
                1200.0,
                1200.0,
                [0.0, 50.0, 250.0, 300.0, 540.0, 0.0],
                1201,
                1201,
                Some(3600.0),
            ),
        ),
        one(
            "faults_before_start.fit",
            721,
            run(
                Utc(2025, 3, 11, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 200.0, 400.0, 0.0, 0.0, 0.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        one(
            "faults_no_hr.fit",
            1201,
            run(
                Utc(2025, 3, 13, 7, 0),
                0,
                1200.0,
                1200.0,
                [0.0; 6],
                1201,
                0,
                Some(3600.0),
            ),
        ),
        one(
            "smart_recording.fit",
            321,
            run(
                Utc(2025, 3, 15, 7, 0),
                0,
                1200.0,
                1200.0,
                // Smart recording: each span split at its middle. A new level starts with
                // a 1 s gap, so each of the three level changes gives 0.5 s to the level
                // before (Z1 +0.5, Z2 and Z3 +0.5 −0.5, Z4 −0.5).
                [0.0, 360.5, 480.0, 240.0, 119.5, 0.0],
                321,
                321,
                Some(3600.0),
            ),
        ),
        one(
            "relative_time.fit",
            601,
            run(
                Start::Relative(5000),
                0,
                600.0,
                600.0,
                [0.0, 240.0, 360.0, 0.0, 0.0, 0.0],
                601,
                601,
                Some(1500.0),
            ),
        ),
        Expect {
            name: "settings_only.fit",
            records: 0,
            sessions: vec![],
        },
        Expect {
            name: "chained.fit",
            records: 902,
            sessions: vec![
                run(
                    Utc(2025, 2, 1, 7, 0),
                    0,
                    600.0,
                    600.0,
                    [0.0, 0.0, 600.0, 0.0, 0.0, 0.0],
                    601,
                    601,
                    Some(1800.0),
                ),
                SessionExpect {
                    sport: 11,
                    ..run(
                        Utc(2025, 2, 1, 7, 15),
                        0,
                        300.0,
                        300.0,
                        [0.0, 300.0, 0.0, 0.0, 0.0, 0.0],
                        301,
                        301,
                        Some(420.0),
                    )
                },
            ],
        },
        one(
            "compressed_ts.fit",
            838,
            run(
                Utc(2025, 2, 15, 7, 0),
                0,
                900.0,
                900.0,
                [0.0, 300.0, 0.0, 600.0, 0.0, 0.0],
                838,
                838,
                Some(2700.0),
            ),
        ),
        // Timeline faults (issue 18; tests/timeline.rs checks their notes): numbers
        // after the timeline, raw HR (the quality rule is not applied here).
        one(
            "timeline_glitch.fit",
            587,
            // 14 glitch samples dropped; the sample after them stands for 15 s.
            run(
                Utc(2025, 4, 1, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                587,
                587,
                Some(1800.0),
            ),
        ),
        one(
            "timeline_correction.fit",
            601,
            run(
                Utc(2025, 4, 2, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        one(
            "timeline_backward.fit",
            601,
            run(
                Utc(2025, 4, 3, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        one(
            "timeline_same_second.fit",
            601,
            // 1,202 records, merged into 601 samples.
            run(
                Utc(2025, 4, 4, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        Expect {
            name: "timeline_multisport_one_start.fit",
            records: 1201,
            sessions: vec![
                run(
                    Utc(2025, 4, 5, 7, 0),
                    0,
                    600.0,
                    600.0,
                    [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                    601,
                    601,
                    None,
                ),
                SessionExpect {
                    sport: 2,
                    ..run(
                        Utc(2025, 4, 5, 7, 10),
                        0,
                        600.0,
                        600.0,
                        [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                        601,
                        601,
                        None,
                    )
                },
            ],
        },
        one(
            "timeline_window_off.fit",
            601,
            // The session says 09:00; its records, which it follows, 07:00.
            run(
                Utc(2025, 4, 6, 7, 0),
                0,
                600.0,
                600.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 0.0],
                601,
                601,
                Some(1800.0),
            ),
        ),
        one(
            "timeline_implausible_hr.fit",
            1201,
            // Raw: the 600 s at 234 bpm sit in Z5; SessionAnalysis excludes them.
            run(
                Utc(2025, 4, 7, 7, 0),
                0,
                1200.0,
                1200.0,
                [0.0, 0.0, 0.0, 600.0, 0.0, 600.0],
                1201,
                1201,
                Some(3600.0),
            ),
        ),
        one(
            "timeline_flat_hr.fit",
            1201,
            // Raw: the 600 s stuck at 165 bpm sit in Z4; SessionAnalysis excludes them.
            run(
                Utc(2025, 4, 8, 7, 0),
                0,
                1200.0,
                1200.0,
                [0.0, 0.0, 0.0, 600.0, 600.0, 0.0],
                1201,
                1201,
                Some(3600.0),
            ),
        ),
    ]
}

#[test]
fn fit_time_matches_an_independent_date_conversion() {
    // Python: calendar.timegm((2024, 4, 27, 9, 0, 0)) - 631065600
    assert_eq!(fixture_set::fit_time(2024, 4, 27, 9, 0), 1_083_142_800);
    assert_eq!(fixture_set::fit_time(1989, 12, 31, 0, 0), 0);
}

#[test]
fn committed_fixtures_are_exactly_what_the_generator_makes() {
    let made = fixture_set::all().unwrap();
    for (name, bytes) in &made {
        let committed = read(name);
        assert!(
            committed == *bytes,
            "fixtures/{name} differs from what tests/support/fixture_set.rs makes \
             ({} vs {} bytes): run `cargo run --example make_fixtures` and update fixtures/README.md",
            committed.len(),
            bytes.len()
        );
    }
    // No stale .fit file the generator no longer makes.
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".fit"))
        .collect();
    let generated: BTreeSet<String> = made.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, generated);
    // And the expectations below cover every fixture.
    let expected: BTreeSet<String> = expectations().iter().map(|e| e.name.to_string()).collect();
    assert_eq!(expected, generated);
}

#[test]
fn every_fixture_has_its_documented_sessions_zones_and_counts() {
    for e in expectations() {
        let bytes = read(e.name);
        let data = decode(&bytes, DecodeOptions::default()).unwrap();
        assert!(data.warnings.is_empty(), "{}: {:?}", e.name, data.warnings);
        let a = Activity::from_fit(data, e.name);
        assert_eq!(a.samples.len(), e.records, "{}: records", e.name);
        assert_eq!(a.sessions.len(), e.sessions.len(), "{}: sessions", e.name);
        let secs = zone_secs(&a);
        for (i, (s, x)) in a.sessions.iter().zip(&e.sessions).enumerate() {
            let at = format!("{} session {i}", e.name);
            let start = match x.start {
                Start::Utc(y, m, d, h, mi) => fixture_set::fit_time(y, m, d, h, mi),
                Start::Relative(t) => t,
            };
            assert_eq!(s.start_s, start, "{at}: start");
            assert_eq!(
                (s.sport, s.sub_sport),
                (x.sport, x.sub_sport),
                "{at}: sport"
            );
            assert_eq!(s.timer_s, x.timer_s, "{at}: timer");
            assert_eq!(s.elapsed_s, x.elapsed_s, "{at}: elapsed");
            assert_eq!(s.distance_m, x.distance_m, "{at}: distance");
            assert!(!s.synthesized, "{at}");
            assert_eq!(
                secs[i],
                x.zone_secs.to_vec(),
                "{at}: seconds per zone Z0..Z5"
            );
            assert_eq!(s.samples.len(), x.samples, "{at}: samples");
            assert_eq!(a.hr_sample_count(s), x.hr_samples, "{at}: samples with HR");
        }
    }
}

#[test]
fn fitparser_reads_the_same_records() {
    use fitparser::profile::MesgNum;
    for e in expectations() {
        let bytes = read(e.name);
        let theirs =
            fitparser::from_bytes(&bytes).unwrap_or_else(|err| panic!("{}: {err}", e.name));
        let ours = decode(&bytes, DecodeOptions::default()).unwrap();
        let recs: Vec<_> = theirs
            .iter()
            .filter(|r| r.kind() == MesgNum::Record)
            .collect();
        assert_eq!(recs.len(), ours.records.len(), "{}: record count", e.name);
        for (i, r) in recs.iter().enumerate() {
            let field = |name: &str| {
                r.fields()
                    .iter()
                    .find(|f| f.name() == name)
                    .map(|f| f.value().clone())
            };
            let t = match field("timestamp") {
                Some(fitparser::Value::Timestamp(t)) => {
                    (t.timestamp() - hrzones::fit::profile::FIT_EPOCH_UNIX_S) as u32
                }
                other => panic!("{}: record {i} timestamp {other:?}", e.name),
            };
            let hr = match field("heart_rate") {
                Some(fitparser::Value::UInt8(h)) => h,
                None => 0,
                other => panic!("{}: record {i} heart_rate {other:?}", e.name),
            };
            assert_eq!(t, ours.records.t_s[i], "{}: record {i} timestamp", e.name);
            assert_eq!(hr, ours.records.hr_bpm[i], "{}: record {i} HR", e.name);
        }
        let sessions = theirs
            .iter()
            .filter(|r| r.kind() == MesgNum::Session)
            .count();
        assert_eq!(sessions, e.sessions.len(), "{}: sessions", e.name);
    }
}

#[test]
fn easy_run_pause_counts_nothing_and_the_watch_figures_are_its_own() {
    let a = activity("easy_run.fit");
    let s = &a.sessions[0];
    let t0 = s.start_s as f64;
    let timer: Vec<(f64, f64)> = a
        .timer
        .iter()
        .map(|i| (i.start_s - t0, i.end_s - t0))
        .collect();
    assert_eq!(timer, vec![(0.0, 1500.0), (1620.0, 2820.0)]);
    // 120 paused records at HR 100 (Z1) are present but weigh nothing.
    let paused = (1501..=1620)
        .filter(|&k| a.samples.hr_bpm[k] == 100)
        .count();
    assert_eq!(paused, 120);
    let dz = s.device_zones.as_ref().unwrap();
    assert_eq!(dz.secs, vec![91.0, 268.0, 1951.0, 301.0, 74.0, 15.0]);
    assert_ne!(dz.secs, zone_secs(&a)[0], "ours are computed, not copied");
    assert_eq!(dz.high_bounds_bpm, fixture_set::HIGH_BOUNDS.to_vec());
    assert_eq!(dz.hr_calc_type, Some("percent_max_hr"));
    let from_file = zones::zones_from_high_bounds(&dz.high_bounds_bpm, "file".into()).unwrap();
    assert_eq!(from_file.floors_bpm, zones().floors_bpm);
    assert_eq!((s.max_hr, s.training_stress_score), (Some(171), Some(52.3)));
    assert_eq!(a.laps.len(), 2);
    assert_eq!(a.laps[1].timer_s, Some(1200.0));
    assert_eq!(
        (
            a.hr_settings.max_hr,
            a.hr_settings.resting_hr,
            a.hr_settings.threshold_hr
        ),
        (Some(190), Some(50), Some(170))
    );
}

#[test]
fn labels_sit_where_the_readme_says() {
    let names = |n: &str| {
        let a = activity(n);
        let profile = a
            .sessions
            .first()
            .and_then(|s| s.sport_profile_name.clone());
        (a.workout_names, a.sport_names, profile)
    };
    let (w, _, _) = names("recovery_ok.fit");
    assert_eq!(w, vec!["Recovery run"]);
    let (w, _, _) = names("recovery_too_hard.fit");
    assert_eq!(w, vec!["Recovery"]);
    let (w, sp, p) = names("recovery_too_long.fit");
    assert!(w.is_empty());
    assert_eq!(sp, vec!["Récup"]);
    assert_eq!(p.as_deref(), Some("Récup"));
    let (w, sp, p) = names("Recovery_run_2024-05-02.fit");
    assert!(w.is_empty());
    assert_eq!(sp, vec!["Run"]);
    assert_eq!(p.as_deref(), Some("Run"));
    let (w, _, _) = names("hard_intervals.fit");
    assert_eq!(w, vec!["6x4min VO2max"]);
    assert_eq!(
        activity("hard_intervals.fit").sessions[0].training_stress_score,
        Some(98.5)
    );
}

#[test]
fn the_calendar_puts_the_hard_session_the_evening_before_recovery_ok() {
    let hard = activity("hard_intervals.fit").sessions[0].clone();
    let rec = activity("recovery_ok.fit").sessions[0].clone();
    let gap_h = (rec.start_s - hard.end_s) as f64 / 3600.0;
    assert_eq!(gap_h, 12.0);
}

#[test]
fn recovery_too_hard_has_one_long_excursion_above_zone_1() {
    let a = activity("recovery_too_hard.fit");
    let s = &a.sessions[0];
    let z1_ceiling = zones().z1_ceiling_bpm().unwrap();
    // Longest run of consecutive records above Z1 (each standing for 1 s).
    let (mut best, mut cur, mut best_end) = (0, 0, 0);
    for k in s.samples.clone() {
        if a.samples.hr_bpm[k] >= z1_ceiling {
            cur += 1;
            if cur > best {
                best = cur;
                best_end = k;
            }
        } else {
            cur = 0;
        }
    }
    assert_eq!((best, best_end), (420, 1020));
}

#[test]
fn multisport_swim_hr_comes_from_the_strap() {
    let a = activity("multisport.fit");
    assert_eq!(a.hr_from_strap, 601);
    let data = decode(&read("multisport.fit"), DecodeOptions::default()).unwrap();
    assert_eq!(data.hr_stream.len(), 1201);
    assert_eq!(a.sessions[0].avg_hr, Some(136));
    assert_eq!(a.timer.len(), 1);
    for s in &a.sessions {
        let dz = s.device_zones.as_ref().unwrap();
        assert_eq!(dz.secs, zone_secs(&a)[s.index], "session {}", s.index);
    }
}

#[test]
fn treadmill_records_have_speed_but_no_distance() {
    let a = activity("indoor_treadmill.fit");
    assert!(a.samples.distance_m.iter().all(|d| d.is_nan()));
    assert!(a.samples.speed_mps.iter().all(|v| v.is_finite()));
    assert_eq!(a.sessions[0].sub_sport_name(), "treadmill");
}

#[test]
fn fault_fixtures_hold_the_documented_faults() {
    let spikes = activity("faults_spikes.fit");
    let hr = &spikes.samples.hr_bpm;
    assert_eq!(
        [hr[99], hr[100], hr[101], hr[349], hr[350], hr[450], hr[451], hr[452]],
        [130, 190, 130, 145, 205, 232, 240, 238]
    );
    assert_eq!(spikes.sessions[0].max_hr, Some(240));

    let clock = activity("faults_clock.fit");
    let t = &clock.samples.t_s;
    let t0 = t[0];
    // The duplicate record at k 300 is merged into one sample by the timeline.
    assert_eq!((t[300] - t0, t[301] - t0, t[601] - t0), (300, 301, 541));
    assert_eq!(clock.timer.len(), 1);
    assert_eq!(clock.timer[0].end_s - t0 as f64, 1140.0);

    let gap = activity("faults_dropout.fit");
    assert_eq!(gap.samples.t_s[601] - gap.samples.t_s[600], 600);

    let early = activity("faults_before_start.fit");
    assert_eq!(early.samples.t_s[0] + 120, early.sessions[0].start_s);
    assert_eq!(early.sessions[0].samples, 120..721);

    let none = activity("faults_no_hr.fit");
    assert!(none.samples.hr_bpm.iter().all(|&h| h == 0));
    assert_eq!(none.sessions[0].avg_hr, None);
}

#[test]
fn smart_recording_counts_seconds_not_samples() {
    let a = activity("smart_recording.fit");
    let gaps: BTreeSet<u32> = a.samples.t_s.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, BTreeSet::from([1, 2, 3, 4, 5, 6, 8]));
}

#[test]
fn relative_time_has_no_dates() {
    let a = activity("relative_time.fit");
    assert!(!a.has_real_dates());
    assert!(a.samples.t_s.iter().all(|&t| t < 0x1000_0000));
}

#[test]
fn settings_only_is_not_an_activity_but_carries_zones() {
    let data = decode(&read("settings_only.fit"), DecodeOptions::default()).unwrap();
    assert!(data.warnings.is_empty());
    assert_eq!(data.file_id.file_type, Some(2));
    let h = &data.hr_settings;
    assert_eq!(
        (h.max_hr, h.threshold_hr, h.hr_calc_type),
        (Some(188), Some(168), Some(2))
    );
    assert_eq!(
        (h.resting_hr, h.max_running_hr, h.default_max_hr, h.gender),
        (Some(52), Some(186), Some(188), Some(0))
    );
    let bounds: Vec<u8> = h.hr_zone_high_bpm.iter().map(|z| z.1).collect();
    assert_eq!(bounds, vec![120, 134, 147, 161, 174, 188]);
    // They are Karvonen zones: rest 52 + 50..90 % of the 136-bpm reserve.
    let hrr = Zones::hrr(188, 52, &DEFAULT_PCT_FLOORS, "t").unwrap();
    assert_eq!(hrr.floors_bpm, bounds[..5].to_vec());
    let a = Activity::from_fit(data, "settings_only.fit");
    assert_eq!(a.kind(), FileKind::NotActivity);
}

#[test]
fn chained_holds_two_files() {
    let data = decode(&read("chained.fit"), DecodeOptions::default()).unwrap();
    assert_eq!(data.chained_files, 2);
    let a = Activity::from_fit(data, "chained.fit");
    let t0 = a.sessions[0].start_s as f64;
    let timer: Vec<(f64, f64)> = a
        .timer
        .iter()
        .map(|i| (i.start_s - t0, i.end_s - t0))
        .collect();
    assert_eq!(timer, vec![(0.0, 600.0), (900.0, 1200.0)]);
}

/// Counts of message kinds in one FIT file, by walking its headers (independent of
/// both decoders): (compressed-timestamp data messages, big-endian definitions,
/// definitions with developer fields, normal data messages).
fn header_census(b: &[u8]) -> (usize, usize, usize, usize) {
    let end = 14 + u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    let mut sizes = [0usize; 16];
    let (mut compressed, mut be, mut dev, mut normal) = (0, 0, 0, 0);
    let mut p = 14;
    while p < end {
        let h = b[p];
        if h & 0x80 != 0 {
            compressed += 1;
            p += 1 + sizes[((h >> 5) & 3) as usize];
        } else if h & 0x40 != 0 {
            let n = b[p + 5] as usize;
            let mut size: usize = (0..n).map(|i| b[p + 6 + 3 * i + 1] as usize).sum();
            let mut q = p + 6 + 3 * n;
            if h & 0x20 != 0 {
                dev += 1;
                let nd = b[q] as usize;
                size += (0..nd)
                    .map(|i| b[q + 1 + 3 * i + 1] as usize)
                    .sum::<usize>();
                q += 1 + 3 * nd;
            }
            be += usize::from(b[p + 2] == 1);
            sizes[(h & 0x0F) as usize] = size;
            p = q;
        } else {
            normal += 1;
            p += 1 + sizes[(h & 0x0F) as usize];
        }
    }
    assert_eq!(p, end, "walked exactly to the CRC");
    (compressed, be, dev, normal)
}

#[test]
fn compressed_ts_is_big_endian_with_developer_fields() {
    let bytes = read("compressed_ts.fit");
    let (compressed, be, dev, _) = header_census(&bytes);
    // Every record but the one after the 40-s gap has a compressed header.
    assert_eq!(compressed, 837);
    assert!(be >= 5, "{be} big-endian definitions");
    assert_eq!(
        dev, 2,
        "record definitions with developer fields (compressed and full)"
    );
    assert_eq!(header_census(&read("easy_run.fit")).0, 0);
    let data = decode(&bytes, DecodeOptions::default()).unwrap();
    let t0 = data.records.t_s[0];
    let rel: Vec<u32> = data.records.t_s.iter().map(|t| t - t0).collect();
    assert_eq!(&rel[399..404], &[399, 400, 425, 426, 427]);
    let i = rel.iter().position(|&t| t == 740).unwrap();
    assert_eq!(rel[i - 1], 700);
    // fitparser reads the developer fields our decoder skips.
    let theirs = fitparser::from_bytes(&bytes).unwrap();
    let rec: Vec<_> = theirs
        .iter()
        .filter(|r| r.kind() == fitparser::profile::MesgNum::Record)
        .collect();
    let dev_value = |r: &fitparser::FitDataRecord, name: &str| {
        r.fields()
            .iter()
            .find(|f| f.name() == name)
            .map(|f| f.value().clone())
    };
    assert_eq!(
        dev_value(rec[3], "Power"),
        Some(fitparser::Value::UInt16(253))
    );
    assert_eq!(
        dev_value(rec[3], "Blob"),
        Some(fitparser::Value::Array(vec![
            fitparser::Value::Byte(0xDE),
            fitparser::Value::Byte(0xAD),
            fitparser::Value::Byte(3)
        ]))
    );
}

#[test]
fn strap_spikes_count_in_the_zone_of_the_hr_around_them() {
    use hrzones::analysis::SessionAnalysis;
    use hrzones::profile::Settings;
    let a = activity("faults_spikes.fit");
    let an = SessionAnalysis::compute(
        &a,
        &a.sessions[0],
        &Settings::default(),
        TimeInZoneOptions::default(),
    );
    assert_eq!(an.spikes_replaced, 6);
    assert_eq!(
        an.secs_in_zone.unwrap(),
        vec![0.0, 0.0, 300.0, 300.0, 0.0, 0.0]
    );
    assert_eq!(an.max_hr_bpm, Some(145));
}
