//! The audit over a batch of files, shared by `hrzones audit` and `hrzones chart` (one
//! labelling, one set of verdicts): the per-file step ([`audit_file`], run in parallel by
//! the pipeline, keeping only small per-session records), then labels and verdicts over
//! the whole batch ([`assemble`]).
//!
//! Labels are resolved after the batch, not per file, because an activity's identity is
//! its content: the same run exported by Garmin Connect and by Strava is read once, under
//! its first name, but a label given to any of its names (a labels-file line, a row of
//! Strava's `activities.csv`) belongs to it. The pipeline reports those other names as the
//! file's `aliases`.

use std::collections::{BTreeMap, HashSet};

use crate::activity::{Activity, Session};
use crate::analysis::{start_unix_s, SessionAnalysis};
use crate::pipeline::FileReport;
use crate::profile::Settings;
use crate::zones::TimeInZoneOptions;

use super::{
    context_before, hr_evidence, is_candidate, judge, resolve_label, AuditSummary, Context,
    Judgement, Label, LabelBook, LabelPattern, LabelSource, Rules, RunFacts, SampleSlices,
    SessionStress,
};

/// Where labels come from besides the FIT files, and the pattern that recognises one.
#[derive(Debug, Clone, Default)]
pub struct Labeller {
    /// `--labels FILE`.
    pub labels: Option<LabelBook>,
    /// Strava `activities.csv` files: from `--strava-export`, and any found among the
    /// inputs (a Strava export folder or zip given as PATH).
    pub strava: Vec<LabelBook>,
    /// The recovery pattern.
    pub pattern: LabelPattern,
}

impl Labeller {
    /// The labeller for `--labels FILE` and `--strava-export` (folder, zip or CSV): read
    /// before any FIT file, so a wrong path fails at once.
    pub fn from_flags(
        labels: Option<&std::path::Path>,
        strava_export: Option<&std::path::Path>,
        pattern: LabelPattern,
    ) -> Result<Labeller, super::LabelError> {
        Ok(Labeller {
            labels: labels.map(LabelBook::read_labels_file).transpose()?,
            strava: strava_export
                .map(LabelBook::read_strava_export)
                .transpose()?
                .into_iter()
                .collect(),
            pattern,
        })
    }

    /// Adds the Strava `activities.csv` files found among the inputs (one the flags
    /// already named is not read twice); one that cannot be read is a warning, returned.
    pub fn add_found(&mut self, found_csvs: &[crate::source::InputFile]) -> Vec<String> {
        let mut warnings = Vec::new();
        for csv in found_csvs {
            let name = std::path::PathBuf::from(csv.name());
            let known = self.strava.iter().any(|b| {
                b.path.as_ref().is_some_and(|p| {
                    p == &name
                        || std::fs::canonicalize(p).ok() == std::fs::canonicalize(&name).ok()
                            && std::fs::canonicalize(p).is_ok()
                })
            });
            if known {
                continue;
            }
            match LabelBook::read_strava_input(csv) {
                Ok(book) => self.strava.push(book),
                Err(e) => warnings.push(format!("{e}; its activity names are not used as labels")),
            }
        }
        warnings
    }

    /// The label texts of a session, in priority order (see [`super::labels`]), looked up
    /// under every name of its file (`names[0]` first); also the labels-file key that
    /// matched, if any.
    pub fn texts(
        &self,
        names: &[String],
        fit_texts: &[(LabelSource, String)],
    ) -> (Vec<(LabelSource, String)>, Option<String>) {
        let mut texts = Vec::new();
        let mut key = None;
        if let Some(book) = &self.labels {
            if let Some(e) = names.iter().find_map(|n| book.lookup(n)) {
                texts.extend(e.texts.iter().cloned());
                key = Some(e.key.clone());
            }
        }
        for book in &self.strava {
            if let Some(e) = names.iter().find_map(|n| book.lookup(n)) {
                texts.extend(e.texts.iter().cloned());
            }
        }
        texts.extend(fit_texts.iter().cloned());
        for n in names {
            texts.push((LabelSource::FileName, base_name(n).to_string()));
        }
        (texts, key)
    }

    /// The recovery label of a session, if any, and the labels-file key that matched.
    pub fn label(
        &self,
        names: &[String],
        fit_texts: &[(LabelSource, String)],
    ) -> (Option<Label>, Option<String>) {
        let (texts, key) = self.texts(names, fit_texts);
        (resolve_label(&texts, &self.pattern), key)
    }
}

/// The file's own name: after the last `/` or `:` (zip entries), `\` as a separator.
pub fn base_name(source: &str) -> &str {
    source.rsplit(['/', '\\', ':']).next().unwrap_or(source)
}

/// One running session the audit may show.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The input (its first name).
    pub file: String,
    /// Seconds the timer ran inside the session as the timeline reads the file's timer
    /// events ([`crate::timeline`]): the time heart rate can cover, so the denominator of
    /// `hr_coverage_pct` (the watch's own timer total may be shorter, e.g. without a final
    /// lap, which put coverage above 100 %).
    pub timed_s: f64,
    /// Session index in the file.
    pub session: usize,
    /// Start, RFC 3339 with the local offset (None: the file has no real date).
    pub start: Option<String>,
    /// The local date it started (see [`crate::localtime`]).
    pub date: Option<chrono::NaiveDate>,
    /// How the numbers were obtained (damage, CRC, rebuilt session, no date).
    pub note: Option<String>,
    /// Start, Unix s, when the file has real dates.
    pub start_unix_s: Option<i64>,
    /// The session's stress record (context for later runs).
    pub stress: Option<SessionStress>,
    /// The recovery label, once resolved by [`assemble`].
    pub label: Option<Label>,
    /// Label texts found in the FIT file itself (workout, sport names).
    pub fit_texts: Vec<(LabelSource, String)>,
    /// Duration, distance and HR evidence.
    pub facts: RunFacts,
    /// hrTSS.
    pub hr_tss: Option<f64>,
    /// Where the zones came from (or why there are none).
    pub zone_source: String,
    /// Zone 1 under each of [`super::models::MODELS`] (`--compare-models`).
    pub models: Option<[super::models::ModelZ1; 5]>,
}

/// A session that is not a run, kept only to tell the user a label on it was ignored.
#[derive(Debug, Clone)]
pub struct OtherSession {
    /// Sport name.
    pub sport: String,
    /// Label texts found in the FIT file.
    pub fit_texts: Vec<(LabelSource, String)>,
}

/// What the per-file step keeps.
#[derive(Debug, Clone, Default)]
pub struct FileAudit {
    /// Every dated session's stress.
    pub stresses: Vec<SessionStress>,
    /// Every running session.
    pub runs: Vec<RunRecord>,
    /// Sessions that are not runs.
    pub others: Vec<OtherSession>,
}

/// Label texts inside the FIT file for a session: workout names, then the sport names.
pub fn fit_texts(a: &Activity, s: &Session) -> Vec<(LabelSource, String)> {
    let mut texts = Vec::new();
    for w in &a.workout_names {
        texts.push((LabelSource::FitWorkoutName, w.clone()));
    }
    if let Some(n) = &s.sport_profile_name {
        texts.push((LabelSource::FitSportName, n.clone()));
    }
    for n in &a.sport_names {
        if s.sport_profile_name.as_ref() != Some(n) {
            texts.push((LabelSource::FitSportName, n.clone()));
        }
    }
    texts
}

/// The per-file step: stress for every session; duration, distance and heart-rate
/// evidence for every running session (labels are resolved later, over the batch).
/// With `compare_models`, each run also gets its Zone 1 share under every model of
/// [`super::models::MODELS`] (`hrzones audit --compare-models`).
pub fn audit_file(a: &Activity, settings: &Settings, compare_models: bool) -> FileAudit {
    let mut out = FileAudit::default();
    for s in &a.sessions {
        let an = SessionAnalysis::compute(a, s, settings, TimeInZoneOptions::default());
        let hr_tss = super::session_stress(a, s, &an, settings);
        let stress = start_unix_s(a, s).map(|start| SessionStress {
            file: a.source.clone(),
            session: s.index,
            sport: s.sport_name().to_string(),
            start_unix_s: start,
            end_unix_s: start + s.end_s.saturating_sub(s.start_s) as i64,
            hr_tss,
        });
        if let Some(st) = &stress {
            out.stresses.push(st.clone());
        }
        if !super::is_running(s) {
            out.others.push(OtherSession {
                sport: s.sport_name().to_string(),
                fit_texts: fit_texts(a, s),
            });
            continue;
        }
        let zones = an.zones.as_ref().ok();
        let ceiling = zones.and_then(|z| z.z1_ceiling_bpm());
        let evidence = (a.hr_sample_count(s) > 0).then(|| {
            let mut ev = hr_evidence(&SampleSlices::of(a, s, &an), ceiling);
            ev.discarded_s += an.hr_excluded_s;
            ev
        });
        let models = evidence.as_ref().filter(|_| compare_models).map(|_| {
            let ceilings = super::models::z1_ceilings(&an.thresholds, a, s);
            super::models::compare(&SampleSlices::of(a, s, &an), &ceilings)
        });
        out.runs.push(RunRecord {
            models,
            timed_s: crate::timeline::timed_in(&a.timer, f64::from(s.start_s), f64::from(s.end_s)),
            file: a.source.clone(),
            session: s.index,
            start: crate::notes::start_rfc3339(a, s),
            date: crate::localtime::session_date(a, s),
            note: crate::notes::join(crate::notes::session_notes(a, s)),
            start_unix_s: start_unix_s(a, s),
            stress,
            label: None,
            fit_texts: fit_texts(a, s),
            facts: RunFacts {
                timer_s: s.timer_s,
                distance_m: s.distance_m,
                z1_ceiling_bpm: ceiling,
                evidence,
            },
            hr_tss,
            zone_source: match &an.zones {
                Ok(z) => z.source.clone(),
                Err(e) => e.to_string(),
            },
        });
    }
    out
}

/// One audited run: a labelled recovery run, or a `--candidates` look-alike.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// The run.
    pub run: RunRecord,
    /// The sessions before it.
    pub context: Option<Context>,
    /// Verdicts and reason.
    pub judgement: Judgement,
}

/// The audit of a batch.
#[derive(Debug, Clone, Default)]
pub struct AuditOutcome {
    /// Labelled runs (and candidates), by start time.
    pub rows: Vec<AuditRow>,
    /// Counts.
    pub summary: AuditSummary,
    /// Some labelled run has a finding (not just a warning).
    pub any_finding: bool,
    /// Labels-file keys that named an input.
    pub labels_seen: HashSet<String>,
    /// Sessions labelled recovery that are not runs, by sport.
    pub labelled_not_runs: BTreeMap<String, usize>,
}

/// [`assemble_in`] over every date.
pub fn assemble(
    results: Vec<(FileReport, Option<FileAudit>)>,
    labeller: &Labeller,
    rules: &Rules,
    candidates: bool,
) -> AuditOutcome {
    assemble_in(results, labeller, rules, candidates, &Default::default())
}

/// Resolves every run's label under all its file's names, judges the labelled runs (and,
/// with `candidates`, the unlabelled ones that look like recovery runs) against the
/// context of the whole batch, and sorts them by start time.
pub fn assemble_in(
    results: Vec<(FileReport, Option<FileAudit>)>,
    labeller: &Labeller,
    rules: &Rules,
    candidates: bool,
    window: &crate::localtime::DateWindow,
) -> AuditOutcome {
    let mut out = AuditOutcome::default();
    let mut stresses = Vec::new();
    let mut runs = Vec::new();
    for (report, fa) in results {
        let Some(fa) = fa else { continue };
        let names: Vec<String> = std::iter::once(report.name.clone())
            .chain(report.aliases.iter().cloned())
            .collect();
        stresses.extend(fa.stresses);
        for mut run in fa.runs {
            let (label, key) = labeller.label(&names, &run.fit_texts);
            out.labels_seen.extend(key);
            run.label = label;
            runs.push(run);
        }
        for other in fa.others {
            let (label, key) = labeller.label(&names, &other.fit_texts);
            out.labels_seen.extend(key);
            if label.is_some() {
                *out.labelled_not_runs.entry(other.sport).or_default() += 1;
            }
        }
    }
    // Runs outside --since/--until are not audited; every session still counts as the
    // context (the hard session before) of the runs that are.
    for run in runs.into_iter().filter(|r| window.contains(r.date)) {
        let context = run
            .stress
            .as_ref()
            .map(|st| context_before(st, &stresses, rules));
        if run.label.is_some() {
            let judgement = judge(&run.facts, context.as_ref(), rules);
            out.summary.add(&judgement);
            out.any_finding |= judgement.has_finding();
            out.rows.push(AuditRow {
                run,
                context,
                judgement,
            });
        } else if candidates && is_candidate(&run.facts, context.as_ref(), rules) {
            out.summary.candidates += 1;
            let judgement = judge(&run.facts, context.as_ref(), rules);
            out.rows.push(AuditRow {
                run,
                context,
                judgement,
            });
        }
    }
    out.rows.sort_by(|a, b| {
        (
            a.run.start_unix_s.unwrap_or(i64::MAX),
            &a.run.file,
            a.run.session,
        )
            .cmp(&(
                b.run.start_unix_s.unwrap_or(i64::MAX),
                &b.run.file,
                b.run.session,
            ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::decode::{FitData, SummaryMsg};
    use crate::pipeline::FileStatus;
    use crate::profile::Thresholds;

    const T0: u32 = 1_100_000_000; // FIT s: 2024-11-09

    /// A file with one session per (sport, start offset s, duration s), HR 110 at 1 Hz.
    fn activity(source: &str, legs: &[(u8, u32, u32)], workout: Option<&str>) -> Activity {
        let mut fit = FitData::default();
        for &(sport, offset, dur) in legs {
            let start = T0 + offset;
            fit.sessions.push(SummaryMsg {
                start_time: Some(start),
                timestamp: Some(start + dur),
                sport: Some(sport),
                elapsed_s: Some(dur as f64),
                timer_s: Some(dur as f64),
                distance_m: Some(dur as f64 * 3.0),
                ..Default::default()
            });
            for t in start..=start + dur {
                fit.records
                    .push_basic(t, 110, (t - start) as f64 * 3.0, 3.0);
            }
        }
        fit.workout_names = workout.into_iter().map(str::to_string).collect();
        Activity::from_fit(fit, source)
    }

    fn settings() -> Settings {
        Settings {
            overrides: Thresholds {
                max_hr: Some(190),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn report(name: &str, aliases: &[&str]) -> FileReport {
        FileReport {
            name: name.to_string(),
            status: FileStatus::Ok,
            messages: Vec::new(),
            bytes: 0,
            hash: 1,
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The label source of the only audited row, given a labeller and the file's names.
    fn source_of(a: &Activity, names: &[&str], labeller: &Labeller) -> Option<LabelSource> {
        let fa = audit_file(a, &settings(), false);
        let out = assemble(
            vec![(report(names[0], &names[1..]), Some(fa))],
            labeller,
            &Rules::default(),
            false,
        );
        out.rows
            .first()
            .and_then(|r| r.run.label.as_ref())
            .map(|l| l.source)
    }

    #[test]
    fn label_sources_in_priority_order() {
        let plain = Labeller::default();
        let a = activity(
            "runs/Recovery_run.fit",
            &[(1, 0, 1500)],
            Some("Recovery 30'"),
        );
        let names = ["runs/Recovery_run.fit"];
        assert_eq!(
            source_of(&a, &names, &plain),
            Some(LabelSource::FitWorkoutName)
        );
        let mut b = activity("runs/Recovery_run.fit", &[(1, 0, 1500)], None);
        assert_eq!(source_of(&b, &names, &plain), Some(LabelSource::FileName));
        b.sessions[0].sport_profile_name = Some("Récup".into());
        assert_eq!(
            source_of(&b, &names, &plain),
            Some(LabelSource::FitSportName)
        );

        // Strava's name beats the FIT file's texts.
        let strava = LabelBook::parse_strava_activities(
            "Activity Name,Filename\nRegen jog,activities/Recovery_run.fit.gz\n",
            std::path::Path::new("activities.csv"),
        )
        .unwrap();
        let with_strava = Labeller {
            strava: vec![strava],
            ..Labeller::default()
        };
        assert_eq!(
            source_of(&a, &names, &with_strava),
            Some(LabelSource::StravaName)
        );

        // The labels file decides either way: "tempo" takes the run out of the audit.
        let labels = LabelBook::parse_labels_file(
            "Recovery_run.fit,tempo\n",
            std::path::Path::new("labels.csv"),
        )
        .unwrap();
        let with_labels = Labeller {
            labels: Some(labels),
            ..Labeller::default()
        };
        let fa = audit_file(&a, &settings(), false);
        assert_eq!(fa.stresses.len(), 1, "context still needs the session");
        let out = assemble(
            vec![(report(names[0], &[]), Some(fa))],
            &with_labels,
            &Rules::default(),
            false,
        );
        assert!(out.rows.is_empty());
        assert!(out.labels_seen.contains("Recovery_run.fit"));
    }

    #[test]
    fn a_label_on_any_name_of_the_content_labels_the_activity() {
        // Read first from the Garmin export, where its name says nothing; Strava's
        // activities.csv names its copy in the Strava export.
        let a = activity("garmin.zip:DI/123_ACTIVITY.fit", &[(1, 0, 1500)], None);
        let strava = LabelBook::parse_strava_activities(
            "Activity Name,Filename\nEasy recovery jog,activities/998877.fit.gz\n",
            std::path::Path::new("activities.csv"),
        )
        .unwrap();
        let labeller = Labeller {
            strava: vec![strava],
            ..Labeller::default()
        };
        assert_eq!(
            source_of(&a, &["garmin.zip:DI/123_ACTIVITY.fit"], &labeller),
            None
        );
        assert_eq!(
            source_of(
                &a,
                &[
                    "garmin.zip:DI/123_ACTIVITY.fit",
                    "strava.zip:activities/998877.fit.gz"
                ],
                &labeller
            ),
            Some(LabelSource::StravaName)
        );
    }

    #[test]
    fn multisport_files_audit_only_their_run_legs() {
        // Bike 1 h, then a 20-min run, in a file whose workout says recovery.
        let a = activity(
            "brick.fit",
            &[(2, 0, 3600), (1, 3700, 1200)],
            Some("Recovery brick"),
        );
        let fa = audit_file(&a, &settings(), false);
        assert_eq!(fa.stresses.len(), 2);
        assert_eq!(fa.runs.len(), 1);
        assert_eq!(fa.runs[0].session, 1);
        let run = &fa.runs[0];
        let ev = run.facts.evidence.as_ref().unwrap();
        // %HRmax 190 zones: Zone 2's floor is 60 % = 114 bpm; HR 110 stays in Zone 1.
        assert_eq!(run.facts.z1_ceiling_bpm, Some(114));
        assert_eq!(ev.above_z1_s, 0.0);
        assert_eq!(ev.counted_s, 1200.0);
        // The bike leg is context for the run, 100 s before it.
        let ctx = context_before(
            run.stress.as_ref().unwrap(),
            &fa.stresses,
            &Rules::default(),
        );
        let prior = ctx.hardest.unwrap();
        assert_eq!(prior.session, 0);
        assert!((prior.hours_before - 100.0 / 3600.0).abs() < 1e-9);
        let out = assemble(
            vec![(report("brick.fit", &[]), Some(fa))],
            &Labeller::default(),
            &Rules::default(),
            false,
        );
        assert_eq!(out.rows.len(), 1);
        assert_eq!(out.labelled_not_runs.get("cycling"), Some(&1));
    }

    #[test]
    fn unlabelled_runs_are_shown_only_as_candidates() {
        let a = activity("morning.fit", &[(1, 0, 1500)], None);
        let fa = audit_file(&a, &settings(), false);
        assert_eq!(fa.runs.len(), 1);
        let out = assemble(
            vec![(report("morning.fit", &[]), Some(fa))],
            &Labeller::default(),
            &Rules::default(),
            false,
        );
        assert!(out.rows.is_empty());
    }

    #[test]
    fn context_stress_is_the_load_modules_hr_tss() {
        let mut a = activity("lt.fit", &[(1, 0, 3600)], None);
        let s = a.sessions[0].clone();
        for h in &mut a.samples.hr_bpm[s.samples.clone()] {
            *h = 167;
        }
        let st = settings();
        let an = SessionAnalysis::compute(&a, &s, &st, TimeInZoneOptions::default());
        let tss = crate::audit::session_stress(&a, &s, &an, &st).unwrap();
        let load = crate::load::SessionLoad::compute(&a, &s, &an, &st);
        assert_eq!(Some(tss), load.hr_tss);
        assert!(
            tss > 50.0,
            "an hour near threshold is a hard session: {tss}"
        );
    }
}
