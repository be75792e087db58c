//! Damage is never silent: a truncated file that still decodes must carry a damage
//! warning, and a flipped byte under an unchanged CRC must produce a CRC warning.
//!
//! The same damaged inputs go through fitparser (the second decoder, wrapped in
//! `catch_unwind`), and how often it returns `Ok` silently (fewer records, or a flipped
//! byte unnoticed) or panics is printed, not asserted: it is the comparison in
//! docs/ROBUSTNESS.md.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use hrzones::fit::{decode, DecodeOptions, WarningKind};
use support::{scan, CorpusFile, Rng};

/// Files up to this size are truncated at every offset.
const EVERY_OFFSET_MAX_BYTES: usize = 8 * 1024;
/// Random truncation offsets per larger file.
const OFFSETS_PER_LARGE_FILE: usize = 300;
/// Larger files (8 KiB - 256 KiB) truncated at random offsets.
const LARGE_FILES: usize = 12;
/// Byte flips per file.
const FLIPS_PER_FILE: usize = 200;
/// fitparser is ~100x slower than our decoder: it sees every third offset of the two
/// largest files of at most 8 KiB, random offsets of larger files up to this size, and
/// the flips of every eighth file up to this size.
const FITPARSER_MAX_BYTES: usize = 64 * 1024;
/// Files that also go through fitparser at every `FITPARSER_OFFSET_STEP`th offset.
const FITPARSER_EVERY_OFFSET_FILES: usize = 2;
/// Step between those offsets.
const FITPARSER_OFFSET_STEP: usize = 3;
/// Random offsets per larger file for fitparser.
const FITPARSER_OFFSETS_PER_FILE: usize = 100;

/// What fitparser did with one damaged input.
#[derive(Debug, Default)]
struct FitparserCounts {
    tried: u64,
    ok_fewer_records: u64,
    ok_same_records: u64,
    err: u64,
    panics: u64,
}

impl FitparserCounts {
    /// Runs fitparser on `bytes`; true when it returned Ok.
    fn run(&mut self, bytes: &[u8], original_records: usize) -> bool {
        self.tried += 1;
        match catch_unwind(AssertUnwindSafe(|| fitparser::from_bytes(bytes))) {
            Err(_) => self.panics += 1,
            Ok(Err(_)) => self.err += 1,
            Ok(Ok(r)) => {
                if r.len() < original_records {
                    self.ok_fewer_records += 1;
                } else {
                    self.ok_same_records += 1;
                }
                return true;
            }
        }
        false
    }
}

/// The end of the last file of the chain as its headers declare it: truncating at or
/// after it removes only padding, and truncating exactly at a chained file's end leaves
/// a complete shorter chain; neither loses data, so neither needs a warning.
fn clean_cut_points(b: &[u8]) -> (Vec<usize>, usize) {
    let s = scan(b);
    let ends: Vec<usize> = s.files.iter().map(|f| f.end).collect();
    let last = ends.last().copied().unwrap_or(0);
    (ends, last)
}

/// Truncation results for one file at the given offsets.
#[derive(Debug, Default)]
struct TruncCounts {
    tried: u64,
    err: u64,
    ok_with_damage: u64,
    exempt: u64,
    silent: Vec<usize>,
}

fn truncate_at(f: &CorpusFile, offsets: impl Iterator<Item = usize>, c: &mut TruncCounts) {
    let (ends, last) = clean_cut_points(&f.bytes);
    for at in offsets {
        let cut = &f.bytes[..at];
        c.tried += 1;
        match decode(cut, DecodeOptions::default()) {
            Err(_) => c.err += 1,
            Ok(fit) if fit.warnings.iter().any(|w| w.is_damage()) => c.ok_with_damage += 1,
            Ok(_) if ends.contains(&at) || at >= last => c.exempt += 1,
            Ok(_) => c.silent.push(at),
        }
    }
}

fn activity_files(files: &[CorpusFile]) -> Vec<&CorpusFile> {
    // Files whose own decode is clean (no damage): their truncations are the question.
    let mut v: Vec<&CorpusFile> = files
        .iter()
        .filter(|f| {
            decode(&f.bytes, DecodeOptions::default())
                .is_ok_and(|d| !d.warnings.iter().any(|w| w.is_damage()) && !d.records.is_empty())
        })
        .collect();
    v.sort_by_key(|f| f.bytes.len());
    v
}

#[test]
fn truncations_that_decode_carry_a_damage_warning() {
    let Some(files) = support::corpus_files("never_silent") else {
        return;
    };
    let clean = activity_files(&files);
    let mut ours = TruncCounts::default();
    let mut fp = FitparserCounts::default();
    let mut rng = Rng(0x5472_756E_6361_7465); // "Truncate"

    // Every offset of the small files.
    let small: Vec<&&CorpusFile> = clean
        .iter()
        .filter(|f| f.bytes.len() <= EVERY_OFFSET_MAX_BYTES)
        .collect();
    for f in &small {
        truncate_at(f, 0..f.bytes.len(), &mut ours);
    }
    // Random offsets of larger files, spread over the size range.
    let large: Vec<&&CorpusFile> = clean
        .iter()
        .filter(|f| f.bytes.len() > EVERY_OFFSET_MAX_BYTES && f.bytes.len() <= 256 * 1024)
        .collect();
    let step = (large.len() / LARGE_FILES).max(1);
    let picked: Vec<&&CorpusFile> = large.iter().step_by(step).copied().collect();
    for f in &picked {
        let n = f.bytes.len();
        let offsets: Vec<usize> = (0..OFFSETS_PER_LARGE_FILE).map(|_| rng.below(n)).collect();
        truncate_at(f, offsets.iter().copied(), &mut ours);
        // fitparser on some of the same cuts.
        if n <= FITPARSER_MAX_BYTES {
            let records = fitparser::from_bytes(&f.bytes).map_or(0, |r| r.len());
            for &at in offsets.iter().take(FITPARSER_OFFSETS_PER_FILE) {
                fp.run(&f.bytes[..at], records);
            }
        }
    }
    // fitparser at every third offset of two small activities.
    for f in small.iter().rev().take(FITPARSER_EVERY_OFFSET_FILES) {
        let records = fitparser::from_bytes(&f.bytes).map_or(0, |r| r.len());
        for at in (0..f.bytes.len()).step_by(FITPARSER_OFFSET_STEP) {
            fp.run(&f.bytes[..at], records);
        }
    }

    eprintln!(
        "never_silent truncations (ours): {} cuts of {} files ({} at every offset), {} errors, \
         {} Ok with a damage warning, {} clean cuts at a file boundary, {} silent",
        ours.tried,
        small.len() + picked.len(),
        small.len(),
        ours.err,
        ours.ok_with_damage,
        ours.exempt,
        ours.silent.len()
    );
    eprintln!(
        "never_silent truncations (fitparser): {} cuts: {} Ok silently with fewer records, {} Ok \
         with all records, {} errors, {} panics",
        fp.tried, fp.ok_fewer_records, fp.ok_same_records, fp.err, fp.panics
    );
    assert!(ours.tried > 10_000, "too few truncations: {}", ours.tried);
    assert!(
        ours.silent.is_empty(),
        "truncations decoded without a damage warning at offsets {:?}",
        &ours.silent[..ours.silent.len().min(20)]
    );
}

#[test]
fn a_flipped_byte_under_the_old_crc_is_reported() {
    let Some(files) = support::corpus_files("never_silent") else {
        return;
    };
    let clean: Vec<&CorpusFile> = activity_files(&files)
        .into_iter()
        .filter(|f| f.bytes.len() <= 256 * 1024)
        .collect();
    let mut rng = Rng(0x466C_6970_4279_7465); // "FlipByte"
    let (mut tried, mut crc_warned, mut header_field_damage) = (0u64, 0u64, 0u64);
    let mut silent = Vec::new();
    let mut fp = FitparserCounts::default();
    let mut fp_ok_unnoticed = 0u64;
    for (i, f) in clean.iter().enumerate() {
        let s = scan(&f.bytes);
        let Some(first) = s.files.first() else {
            continue;
        };
        // The CRC covers the header and the data; flip inside them or in the CRC itself.
        let covered = (first.data_end + 2).min(f.bytes.len());
        let with_fitparser = i % 8 == 0 && f.bytes.len() <= FITPARSER_MAX_BYTES;
        let records = if with_fitparser {
            fitparser::from_bytes(&f.bytes).map_or(0, |r| r.len())
        } else {
            0
        };
        for _ in 0..FLIPS_PER_FILE {
            let at = rng.below(covered);
            let mut b = f.bytes.clone();
            b[at] ^= (rng.below(255) + 1) as u8;
            tried += 1;
            let r = decode(&b, DecodeOptions::default());
            match at {
                // The header size and data size fields move the CRC itself: the decode
                // must then fail or report some damage.
                0 | 4..=7 => match r {
                    Err(_) => header_field_damage += 1,
                    Ok(d) if d.warnings.iter().any(|w| w.is_damage()) => header_field_damage += 1,
                    Ok(_) => silent.push((f.name.clone(), at)),
                },
                // The signature: not a FIT file any more.
                8..=11 => assert!(
                    r.is_err(),
                    "{}: flipped signature byte {at} decoded",
                    f.name
                ),
                _ => match r {
                    Ok(d) if d.warnings.iter().any(|w| w.is_crc()) => {
                        crc_warned += 1;
                        let kinds_ok = d.warnings.iter().filter(|w| w.is_crc()).all(|w| {
                            matches!(
                                w.kind,
                                WarningKind::FileCrc { .. } | WarningKind::HeaderCrc { .. }
                            )
                        });
                        assert!(kinds_ok);
                    }
                    _ => silent.push((f.name.clone(), at)),
                },
            }
            if with_fitparser && fp.run(&b, records) {
                fp_ok_unnoticed += 1;
            }
        }
    }
    eprintln!(
        "never_silent flips (ours): {tried} single-byte flips in {} files: {crc_warned} CRC \
         warnings, {header_field_damage} header size/data size flips reported as damage or \
         errors, {} silent",
        clean.len(),
        silent.len()
    );
    eprintln!(
        "never_silent flips (fitparser): {} flips: {fp_ok_unnoticed} Ok without noticing, {} \
         errors, {} panics",
        fp.tried, fp.err, fp.panics
    );
    assert!(tried > 10_000, "too few flips: {tried}");
    assert!(
        silent.is_empty(),
        "flips not reported: {:?}",
        &silent[..silent.len().min(20)]
    );
}
