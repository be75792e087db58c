//! A realistic multi-year archive for the archive benchmark and the store's tests: real
//! activity files replayed with shifted timestamps, N per week over Y years, in the folder
//! layouts users point hrzones at (plain `.fit`, Strava's `.fit.gz`, Garmin's `.zip`).
//!
//! [`shift_timestamps`] walks a FIT file with the decoder's framing rules (header,
//! definitions of both architectures, normal and compressed-timestamp headers, developer
//! fields, chained files) and adds a delta to every date field: `timestamp` (253) of every
//! message, `start_time` (2) of session, lap, length and segment lap, `time_created` (4) of
//! `file_id` and `local_timestamp` (5) of `activity`; then recomputes the file CRC. The
//! delta is a multiple of 32 s, because a compressed-timestamp header stores the low five
//! bits of the absolute time (FIT SDK, "Compressed Timestamp Header"): with those bits
//! unchanged, compressed headers need no rewrite. Values below 0x10000000 (seconds since
//! power-on) and invalid values (0xFFFFFFFF) are left alone.
//!
//! Deterministic: the same seed files, spec and seed give the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::activity::Activity;
use crate::fit::crc::crc16;
use crate::fit::profile::{FIT_EPOCH_UNIX_S, MIN_ABSOLUTE_TIMESTAMP};

/// Why a file could not be rewritten.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShiftError {
    /// Not a FIT file, or a header that makes no sense.
    #[error("bad FIT header at byte {offset}")]
    BadHeader {
        /// Where.
        offset: usize,
    },
    /// A message runs past the data, uses an undefined local type, or has a bad
    /// definition: only clean files can be replayed.
    #[error("damaged FIT data at byte {offset}")]
    Damaged {
        /// Where.
        offset: usize,
    },
}

/// A FIT date field: (global message, field number), or any message's `timestamp`.
fn is_date_field(global: u16, num: u8) -> bool {
    num == 253
        || matches!(
            (global, num),
            (18 | 19 | 101 | 142, 2) // session, lap, length, segment_lap: start_time
            | (0, 4) // file_id.time_created
            | (34, 5) // activity.local_timestamp
        )
}

#[derive(Clone)]
struct Def {
    big_endian: bool,
    /// (offset, size) of each date field.
    dates: Vec<(usize, usize)>,
    size: usize,
}

/// Rounds a shift to the multiple of 32 s that [`shift_timestamps`] applies.
pub fn round_shift(delta_s: i64) -> i64 {
    delta_s.div_euclid(32) * 32
}

/// Returns a copy of the FIT file `bytes` with every date moved by `delta_s` (rounded
/// down to a multiple of 32 s, see [`round_shift`]) and the CRC of each file in the chain
/// recomputed (when the original's matched).
pub fn shift_timestamps(bytes: &[u8], delta_s: i64) -> Result<Vec<u8>, ShiftError> {
    let delta = round_shift(delta_s);
    let mut out = bytes.to_vec();
    let mut pos = 0usize;
    while pos < out.len() {
        let rest = &out[pos..];
        if rest.len() < 12 || &rest[8..12] != b".FIT" {
            if pos > 0 && rest.iter().all(|&b| b == 0) {
                break; // padding after a chained file
            }
            return Err(ShiftError::BadHeader { offset: pos });
        }
        let hsize = rest[0] as usize;
        let data_size = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let data_end = pos + hsize + data_size;
        if hsize < 12 || data_end + 2 > out.len() {
            return Err(ShiftError::BadHeader { offset: pos });
        }
        let stored = u16::from_le_bytes([out[data_end], out[data_end + 1]]);
        let crc_was_valid = crc16(&out[pos..data_end]) == stored;
        shift_data(&mut out, pos + hsize, data_end, delta)?;
        if crc_was_valid {
            let crc = crc16(&out[pos..data_end]);
            out[data_end..data_end + 2].copy_from_slice(&crc.to_le_bytes());
        }
        pos = data_end + 2;
    }
    Ok(out)
}

fn shift_data(b: &mut [u8], start: usize, end: usize, delta: i64) -> Result<(), ShiftError> {
    let mut defs: [Option<Def>; 16] = Default::default();
    let mut p = start;
    let damaged = |offset| ShiftError::Damaged { offset };
    while p < end {
        let h = b[p];
        let at = p;
        p += 1;
        if h & 0x80 == 0 && h & 0x40 != 0 {
            // Definition message.
            if p + 5 > end {
                return Err(damaged(at));
            }
            let big_endian = match b[p + 1] {
                0 => false,
                1 => true,
                _ => return Err(damaged(at)),
            };
            let global = if big_endian {
                u16::from_be_bytes([b[p + 2], b[p + 3]])
            } else {
                u16::from_le_bytes([b[p + 2], b[p + 3]])
            };
            let n = b[p + 4] as usize;
            let mut q = p + 5;
            if q + n * 3 > end {
                return Err(damaged(at));
            }
            let mut dates = Vec::new();
            let mut offset = 0usize;
            for i in 0..n {
                let (num, size) = (b[q + i * 3], b[q + i * 3 + 1] as usize);
                if size == 4 && is_date_field(global, num) {
                    dates.push((offset, size));
                }
                offset += size;
            }
            q += n * 3;
            if h & 0x20 != 0 {
                if q >= end {
                    return Err(damaged(at));
                }
                let nd = b[q] as usize;
                q += 1;
                if q + nd * 3 > end {
                    return Err(damaged(at));
                }
                for i in 0..nd {
                    offset += b[q + i * 3 + 1] as usize;
                }
                q += nd * 3;
            }
            defs[(h & 0x0F) as usize] = Some(Def {
                big_endian,
                dates,
                size: offset,
            });
            p = q;
        } else {
            let local = if h & 0x80 != 0 {
                (h >> 5) & 0x3
            } else {
                h & 0x0F
            };
            let def = defs[local as usize].as_ref().ok_or(damaged(at))?;
            if p + def.size > end {
                return Err(damaged(at));
            }
            for &(off, size) in &def.dates {
                let f = &mut b[p + off..p + off + size];
                let v = if def.big_endian {
                    u32::from_be_bytes([f[0], f[1], f[2], f[3]])
                } else {
                    u32::from_le_bytes([f[0], f[1], f[2], f[3]])
                };
                if v == u32::MAX || v < MIN_ABSOLUTE_TIMESTAMP {
                    continue;
                }
                let shifted = u32::try_from(v as i64 + delta).unwrap_or(v);
                let bytes = if def.big_endian {
                    shifted.to_be_bytes()
                } else {
                    shifted.to_le_bytes()
                };
                f.copy_from_slice(&bytes);
            }
            p += def.size;
        }
    }
    Ok(())
}

/// A real activity file to replay.
#[derive(Debug, Clone)]
pub struct SeedFile {
    /// Its name (for the generated file names).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its first session's start, FIT s.
    pub start_s: u32,
}

/// Picks the replayable files in a folder of FIT files: clean (valid CRC, no damage),
/// real dates, a running or cycling session with heart rate, at most `max_bytes`.
pub fn seeds_from_dir(dir: &Path, max_bytes: u64) -> std::io::Result<Vec<SeedFile>> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fit")) {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p)?;
        if bytes.len() as u64 > max_bytes {
            continue;
        }
        let Ok(data) = crate::fit::decode(&bytes, Default::default()) else {
            continue;
        };
        if !data.warnings.is_empty() {
            continue;
        }
        let a = Activity::from_fit(data, p.display().to_string());
        let good = a.has_real_dates()
            && a.sessions.iter().any(|s| {
                (s.sport == 1 || s.sport == 2) && !s.synthesized && a.hr_sample_count(s) > 60
            });
        // The rewrite must succeed too (it refuses anything it cannot frame).
        if good && shift_timestamps(&bytes, 0).is_ok() {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            let start_s = a.sessions.first().map(|s| s.start_s).unwrap_or(0);
            out.push(SeedFile {
                name,
                bytes,
                start_s,
            });
        }
    }
    Ok(out)
}

/// How the archive's files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `YYYY/*.fit`.
    Fit,
    /// `YYYY/*.fit.gz` (Strava bulk export).
    Gz,
    /// `export-YYYY.zip` holding `YYYY/*.fit` (Garmin Connect export).
    Zip,
    /// Years in turn as Fit, Gz, Zip.
    Mixed,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct ArchiveSpec {
    /// Years of activities.
    pub years: u32,
    /// Activities per week.
    pub per_week: u32,
    /// RNG seed.
    pub seed: u64,
    /// First year (UTC).
    pub first_year: i32,
    /// File layout.
    pub layout: Layout,
}

impl Default for ArchiveSpec {
    fn default() -> Self {
        ArchiveSpec {
            years: 10,
            per_week: 6,
            seed: 1,
            first_year: 2015,
            layout: Layout::Fit,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveStats {
    /// Activities written.
    pub activities: usize,
    /// Bytes of FIT data (uncompressed).
    pub fit_bytes: u64,
    /// Files on disk (zips count once).
    pub files_on_disk: usize,
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// One planned activity: which seed, when, and its file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Index into the seeds.
    pub seed: usize,
    /// Target start, Unix s.
    pub start_unix_s: i64,
    /// Year folder.
    pub year: i32,
    /// File name (without `.gz`).
    pub file_name: String,
}

/// Plans the archive: `per_week` activities in every week of `years` years, each a
/// random seed file at a random day and time (06:00–20:00 UTC).
pub fn plan(spec: &ArchiveSpec, seeds: &[SeedFile]) -> Vec<Planned> {
    use chrono::{Datelike, NaiveDate};
    let mut rng = Rng(spec.seed);
    let Some(first) = NaiveDate::from_ymd_opt(spec.first_year, 1, 1) else {
        return Vec::new();
    };
    let start = first
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    let end_year = spec.first_year + spec.years as i32;
    let end = NaiveDate::from_ymd_opt(end_year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(start, |d| d.and_utc().timestamp());
    let week = 7 * 86_400;
    let mut out = Vec::new();
    let mut w = start;
    while w < end {
        let mut days: Vec<i64> = (0..spec.per_week)
            .map(|_| rng.below(7) as i64 * 86_400 + (6 * 3600 + rng.below(14 * 3600) as i64))
            .collect();
        days.sort_unstable();
        for (k, offset) in days.into_iter().enumerate() {
            let t = w + offset;
            if t >= end {
                continue;
            }
            let seed = rng.below(seeds.len() as u64) as usize;
            let Some(dt) = chrono::DateTime::from_timestamp(t, 0) else {
                continue;
            };
            let stem = seeds.get(seed).map_or("activity", |s| s.name.as_str());
            let stem: String = stem
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push(Planned {
                seed,
                start_unix_s: t,
                year: dt.year(),
                file_name: format!("{}-{k}-{stem}.fit", dt.format("%Y-%m-%d-%H%M%S")),
            });
        }
        w += week;
    }
    out
}

/// The bytes of one planned activity.
pub fn render(p: &Planned, seeds: &[SeedFile]) -> Result<Vec<u8>, ShiftError> {
    let seed = seeds
        .get(p.seed)
        .ok_or(ShiftError::BadHeader { offset: 0 })?;
    let target_fit = p.start_unix_s - FIT_EPOCH_UNIX_S;
    shift_timestamps(&seed.bytes, target_fit - seed.start_s as i64)
}

/// Writes the archive into `out` (created if missing).
pub fn generate(
    spec: &ArchiveSpec,
    seeds: &[SeedFile],
    out: &Path,
) -> std::io::Result<ArchiveStats> {
    let bad = |e: ShiftError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    if seeds.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no seed files to replay",
        ));
    }
    let planned = plan(spec, seeds);
    let mut stats = ArchiveStats::default();
    let mut zips: std::collections::BTreeMap<i32, zip::ZipWriter<std::fs::File>> =
        Default::default();
    for p in &planned {
        let bytes = render(p, seeds).map_err(bad)?;
        stats.activities += 1;
        stats.fit_bytes += bytes.len() as u64;
        let layout = match spec.layout {
            Layout::Mixed => [Layout::Fit, Layout::Gz, Layout::Zip]
                [(p.year - spec.first_year).rem_euclid(3) as usize],
            l => l,
        };
        let dir: PathBuf = out.join(p.year.to_string());
        match layout {
            Layout::Fit | Layout::Mixed => {
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join(&p.file_name), &bytes)?;
                stats.files_on_disk += 1;
            }
            Layout::Gz => {
                std::fs::create_dir_all(&dir)?;
                let f = std::fs::File::create(dir.join(format!("{}.gz", p.file_name)))?;
                let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
                gz.write_all(&bytes)?;
                gz.finish()?;
                stats.files_on_disk += 1;
            }
            Layout::Zip => {
                if let std::collections::btree_map::Entry::Vacant(slot) = zips.entry(p.year) {
                    std::fs::create_dir_all(out)?;
                    let f = std::fs::File::create(out.join(format!("export-{}.zip", p.year)))?;
                    slot.insert(zip::ZipWriter::new(f));
                    stats.files_on_disk += 1;
                }
                if let Some(z) = zips.get_mut(&p.year) {
                    let opts = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Deflated);
                    z.start_file(format!("{}/{}", p.year, p.file_name), opts)
                        .map_err(std::io::Error::other)?;
                    z.write_all(&bytes)?;
                }
            }
        }
    }
    for (_, z) in zips {
        z.finish().map_err(std::io::Error::other)?;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Option<PathBuf> {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus");
        if d.is_dir() {
            Some(d)
        } else {
            eprintln!("skipping: {} is absent", d.display());
            None
        }
    }

    #[test]
    fn shifted_files_decode_to_the_same_samples_moved_in_time() {
        let Some(dir) = corpus() else { return };
        let seeds = seeds_from_dir(&dir, 1 << 20).unwrap();
        assert!(seeds.len() > 20, "only {} seed files", seeds.len());
        for s in seeds.iter().take(40) {
            let delta = round_shift(86_400 * 400 + 1234);
            let shifted = shift_timestamps(&s.bytes, delta).unwrap();
            let a = crate::fit::decode(&s.bytes, Default::default()).unwrap();
            let b = crate::fit::decode(&shifted, Default::default()).unwrap();
            assert!(b.warnings.is_empty(), "{}: {:?}", s.name, b.warnings);
            assert_eq!(a.records.hr_bpm, b.records.hr_bpm, "{}", s.name);
            let moved: Vec<u32> = a
                .records
                .t_s
                .iter()
                .map(|&t| {
                    if t >= MIN_ABSOLUTE_TIMESTAMP {
                        (t as i64 + delta) as u32
                    } else {
                        t
                    }
                })
                .collect();
            assert_eq!(moved, b.records.t_s, "{}", s.name);
            for (x, y) in a.sessions.iter().zip(&b.sessions) {
                assert_eq!(
                    x.start_time.map(|t| t as i64 + delta),
                    y.start_time.map(i64::from),
                    "{}",
                    s.name
                );
                assert_eq!(x.timer_s, y.timer_s);
            }
            let ev = |d: &crate::fit::FitData| -> Vec<i64> {
                d.timer_events.iter().map(|e| e.t_s as i64).collect()
            };
            assert_eq!(
                ev(&a).iter().map(|t| t + delta).collect::<Vec<_>>(),
                ev(&b),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn compressed_timestamp_headers_survive_a_shift() {
        let Some(dir) = corpus() else { return };
        // Files whose records use compressed-timestamp headers (MANIFEST column).
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.csv")).unwrap();
        let mut checked = 0;
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let compressed: u64 = cols.last().and_then(|c| c.parse().ok()).unwrap_or(0);
            if compressed == 0 || cols.get(6) != Some(&"yes") {
                continue;
            }
            let bytes = std::fs::read(dir.join(cols[0])).unwrap();
            let Ok(shifted) = shift_timestamps(&bytes, 32 * 1000 + 31) else {
                continue;
            };
            let a = crate::fit::decode(&bytes, Default::default()).unwrap();
            let b = crate::fit::decode(&shifted, Default::default()).unwrap();
            let moved: Vec<u32> = a
                .records
                .t_s
                .iter()
                .map(|&t| {
                    if t >= MIN_ABSOLUTE_TIMESTAMP {
                        t + 32_000
                    } else {
                        t
                    }
                })
                .collect();
            assert_eq!(moved, b.records.t_s, "{}", cols[0]);
            checked += 1;
        }
        eprintln!("{checked} files with compressed timestamps checked");
    }

    #[test]
    fn the_plan_is_deterministic_and_fills_every_week() {
        let seeds: Vec<SeedFile> = (0..5)
            .map(|i| SeedFile {
                name: format!("s{i}"),
                bytes: Vec::new(),
                start_s: 1_000_000_000,
            })
            .collect();
        let spec = ArchiveSpec {
            years: 2,
            per_week: 3,
            ..Default::default()
        };
        let a = plan(&spec, &seeds);
        assert_eq!(a, plan(&spec, &seeds));
        // 2 years ≈ 104.4 weeks; the last partial week keeps only the days inside.
        assert!((310..=315).contains(&a.len()), "{}", a.len());
        assert!(a.iter().all(|p| p.year == 2015 || p.year == 2016));
        let other = plan(&ArchiveSpec { seed: 2, ..spec }, &seeds);
        assert_ne!(a, other);
    }
}
