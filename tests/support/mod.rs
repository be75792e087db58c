//! Shared by the robustness tests (`mutants.rs`, `never_silent.rs`, `regressions.rs`) and
//! `cli_load.rs`: the real corpus, a seeded PRNG, an independent FIT message scanner, the
//! mutations built on it, and a tiny writer for hand-built FIT files.
//!
//! Everything here is deterministic: a mutant is a pure function of the corpus file list
//! (sorted by path) and one 64-bit seed, so any failure is reproduced by its seed alone.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hrzones::fit::crc::crc16;

/// The real FIT corpus, `../shared/fit-corpus` next to the crate.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fit-corpus")
}

/// One corpus file: its path relative to the corpus and its bytes.
pub struct CorpusFile {
    /// Path relative to the corpus root.
    pub name: String,
    /// File content.
    pub bytes: Vec<u8>,
}

/// Every `.fit` file of the corpus, sorted by path; None (with a message) when absent.
pub fn corpus_files(test: &str) -> Option<Vec<CorpusFile>> {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "{test}: skipped, the FIT corpus is absent ({})",
            dir.display()
        );
        return None;
    };
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for d in dirs.into_iter().filter(|d| d.is_dir()) {
        let Ok(files) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let is_fit = f.extension().is_some_and(|e| e.eq_ignore_ascii_case("fit"));
            if !is_fit {
                continue;
            }
            if let Ok(bytes) = std::fs::read(&f) {
                let name = f
                    .strip_prefix(&dir)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .into_owned();
                out.push(CorpusFile { name, bytes });
            }
        }
    }
    if out.is_empty() {
        eprintln!("{test}: skipped, no .fit files in {}", dir.display());
        return None;
    }
    Some(out)
}

/// splitmix64 (Steele, Lea & Flood 2014; the constants of Vigna's reference code): tiny,
/// fast, and good enough to drive mutations. Used both as the generator and to derive
/// one independent seed per mutant.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }
    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
    /// Fewer than `n` random bytes (a random count).
    pub fn bytes_below(&mut self, n: usize) -> Vec<u8> {
        let k = self.below(n);
        self.bytes(k)
    }
    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// The splitmix64 output function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Rewrites the CRCs as a writer would: the header CRC (bytes 12-13) for a 14-byte
/// header, and the file CRC in the last two bytes over everything before them.
pub fn fix_crcs(b: &mut [u8]) {
    if b.len() >= 14 && b[0] >= 14 {
        let c = crc16(&b[..12]);
        b[12..14].copy_from_slice(&c.to_le_bytes());
    }
    if b.len() >= 2 {
        let n = b.len() - 2;
        let c = crc16(&b[..n]);
        b[n..].copy_from_slice(&c.to_le_bytes());
    }
}

/// Sets the header's data size to what the buffer holds (header + data + 2-byte CRC).
pub fn fix_data_size(b: &mut [u8]) {
    if b.len() >= 12 {
        let hdr = b[0] as usize;
        let data = b.len().saturating_sub(hdr + 2) as u32;
        b[4..8].copy_from_slice(&data.to_le_bytes());
    }
}

/// One FIT file of a chain, as its header declares it.
#[derive(Debug, Clone, Copy)]
pub struct FileSpan {
    /// Offset of the header.
    pub start: usize,
    /// Header size.
    pub header: usize,
    /// End of the data (offset of the file CRC), clamped to the input.
    pub data_end: usize,
    /// End of the file (after its CRC), clamped to the input.
    pub end: usize,
}

/// One message found by [`scan`].
#[derive(Debug, Clone, Copy)]
pub struct MsgSpan {
    /// Offset of the record header byte.
    pub start: usize,
    /// Length including the header byte.
    pub len: usize,
    /// Definition (true) or data message.
    pub is_def: bool,
    /// Local message type.
    pub local: u8,
}

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Files of the chain.
    pub files: Vec<FileSpan>,
    /// Complete messages in input order.
    pub msgs: Vec<MsgSpan>,
}

/// An independent, minimal walk of the FIT structure (header, definitions, data message
/// sizes) used to place mutations at real message boundaries. It is written from the FIT
/// protocol description, not from the decoder, and stops at the first inconsistency.
pub fn scan(b: &[u8]) -> Scan {
    let mut s = Scan::default();
    let mut pos = 0usize;
    while pos + 12 <= b.len() && &b[pos + 8..pos + 12] == b".FIT" {
        let hdr = b[pos] as usize;
        if hdr < 12 || pos + hdr > b.len() {
            break;
        }
        let size = u32::from_le_bytes([b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]]) as usize;
        let data_end = (pos + hdr).saturating_add(size).min(b.len());
        let end = data_end.saturating_add(2).min(b.len());
        s.files.push(FileSpan {
            start: pos,
            header: hdr,
            data_end,
            end,
        });
        let mut sizes: [Option<usize>; 16] = [None; 16];
        let mut p = pos + hdr;
        while p < data_end {
            let h = b[p];
            let (len, is_def, local) = if h & 0x40 != 0 && h & 0x80 == 0 {
                if p + 6 > data_end {
                    break;
                }
                let n = b[p + 5] as usize;
                let mut len = 6 + 3 * n;
                if p + len > data_end {
                    break;
                }
                let mut size: usize = (0..n).map(|i| b[p + 6 + 3 * i + 1] as usize).sum();
                if h & 0x20 != 0 {
                    if p + len >= data_end {
                        break;
                    }
                    let nd = b[p + len] as usize;
                    if p + len + 1 + 3 * nd > data_end {
                        break;
                    }
                    size += (0..nd)
                        .map(|i| b[p + len + 1 + 3 * i + 1] as usize)
                        .sum::<usize>();
                    len += 1 + 3 * nd;
                }
                sizes[(h & 0x0F) as usize] = Some(size);
                (len, true, h & 0x0F)
            } else {
                let local = if h & 0x80 != 0 {
                    (h >> 5) & 3
                } else {
                    h & 0x0F
                };
                let Some(size) = sizes[local as usize] else {
                    break;
                };
                (1 + size, false, local)
            };
            if p + len > data_end {
                break;
            }
            s.msgs.push(MsgSpan {
                start: p,
                len,
                is_def,
                local,
            });
            p += len;
        }
        if end <= pos {
            break;
        }
        pos = end;
    }
    s
}

/// A mutant and how it was made.
pub struct Mutant {
    /// Index of the base file in the corpus list (None for files made from nothing).
    pub file: Option<usize>,
    /// The mutation, for reports.
    pub kind: &'static str,
    /// True when the CRCs were rewritten after mutating.
    pub crc_fixed: bool,
    /// The mutant bytes.
    pub bytes: Vec<u8>,
    /// True when bytes of a valid file were removed (truncations), so a decode that
    /// succeeds must say so.
    pub removed_bytes: bool,
}

/// Corpus files by size class, so that most mutants come from small files (volume) and
/// a few from the large ones.
pub struct Pools {
    /// ≤ 64 KiB.
    pub small: Vec<usize>,
    /// 64 KiB – 512 KiB.
    pub medium: Vec<usize>,
    /// > 512 KiB.
    pub large: Vec<usize>,
}

impl Pools {
    /// Splits the corpus by size.
    pub fn new(files: &[CorpusFile]) -> Pools {
        let mut p = Pools {
            small: Vec::new(),
            medium: Vec::new(),
            large: Vec::new(),
        };
        for (i, f) in files.iter().enumerate() {
            match f.bytes.len() {
                0..=65_536 => p.small.push(i),
                65_537..=524_288 => p.medium.push(i),
                _ => p.large.push(i),
            }
        }
        p
    }

    /// A file index: 0.3 % large, 2.7 % medium, the rest small.
    pub fn pick(&self, rng: &mut Rng) -> usize {
        let r = rng.below(1000);
        let pool = if r < 3 && !self.large.is_empty() {
            &self.large
        } else if r < 30 && !self.medium.is_empty() {
            &self.medium
        } else if !self.small.is_empty() {
            &self.small
        } else if !self.medium.is_empty() {
            &self.medium
        } else {
            &self.large
        };
        *rng.pick(pool)
    }
}

/// Values the header size byte is set to.
pub const HEADER_SIZES: [u8; 9] = [0, 1, 11, 12, 13, 14, 15, 64, 255];

/// Global message numbers worth aiming mutations at (the ones the decoder reads, plus
/// one it skips).
pub const GLOBALS: [u16; 12] = [0, 3, 7, 8, 12, 18, 19, 20, 21, 26, 132, 216];

/// Builds the mutant for `seed` (deterministic).
pub fn make_mutant(files: &[CorpusFile], pools: &Pools, seed: u64) -> Mutant {
    let mut rng = Rng(seed);
    let fi = pools.pick(&mut rng);
    let orig = &files[fi].bytes;
    let len = orig.len();
    let mut m = Mutant {
        file: Some(fi),
        kind: "",
        crc_fixed: false,
        bytes: Vec::new(),
        removed_bytes: false,
    };
    let fix = rng.chance(1, 2);
    match rng.below(100) {
        // Truncation at any offset.
        0..=17 => {
            m.kind = "truncate";
            let at = rng.below(len.max(1));
            m.bytes = orig[..at].to_vec();
            m.removed_bytes = at < len;
        }
        // Truncation, then the header and CRC made consistent again: the cut is then
        // visible only inside the data.
        18..=21 => {
            m.kind = "truncate+fixed-header";
            let at = 14 + rng.below(len.saturating_sub(14).max(1));
            m.bytes = orig[..at.min(len)].to_vec();
            m.bytes.extend_from_slice(&[0, 0]);
            fix_data_size(&mut m.bytes);
            fix_crcs(&mut m.bytes);
            m.crc_fixed = true;
        }
        // 1, 4 or 16 random byte flips, anywhere or in the first 512 bytes (where the
        // header and the first definitions are).
        22..=57 => {
            let n = *rng.pick(&[1usize, 4, 16]);
            m.kind = match n {
                1 => "flip1",
                4 => "flip4",
                _ => "flip16",
            };
            m.bytes = orig.clone();
            let near_start = rng.chance(1, 3);
            if !m.bytes.is_empty() {
                for _ in 0..n {
                    let span = if near_start { len.min(512) } else { len };
                    let at = rng.below(span);
                    let x = (rng.below(255) + 1) as u8;
                    m.bytes[at] ^= x;
                }
            }
            if fix {
                fix_crcs(&mut m.bytes);
                m.crc_fixed = true;
            }
        }
        // Header size byte set to an extreme value.
        58..=61 => {
            m.kind = "header-size";
            m.bytes = orig.clone();
            if !m.bytes.is_empty() {
                m.bytes[0] = *rng.pick(&HEADER_SIZES);
            }
            if fix {
                fix_crcs(&mut m.bytes);
                m.crc_fixed = true;
            }
        }
        // Data size field set to an extreme value.
        62..=66 => {
            m.kind = "data-size";
            m.bytes = orig.clone();
            let hdr = orig.first().copied().unwrap_or(14) as i64;
            let l = len as i64;
            let choices = [
                0i64,
                1,
                11,
                13,
                255,
                0xFFFF_FFFF,
                l,
                l - hdr - 2 + rng.below(9) as i64 - 4,
                l + rng.below(9) as i64 - 4,
            ];
            let v = (*rng.pick(&choices)).clamp(0, 0xFFFF_FFFF) as u32;
            if m.bytes.len() >= 8 {
                m.bytes[4..8].copy_from_slice(&v.to_le_bytes());
            }
            if fix {
                fix_crcs(&mut m.bytes);
                m.crc_fixed = true;
            }
        }
        // Structure-aware: insert a message at a real message boundary, or drop or
        // repeat one.
        67..=84 => {
            let s = scan(orig);
            let at = if s.msgs.is_empty() {
                s.files.first().map_or(len.min(14), |f| f.start + f.header)
            } else {
                let mm = rng.pick(&s.msgs);
                mm.start
            };
            let at = at.min(len);
            let insert: Vec<u8> = match rng.below(5) {
                0 => {
                    m.kind = "def-255x255";
                    big_definition(&mut rng)
                }
                1 => {
                    m.kind = "data-without-definition";
                    // A data message for a local type, most often one never defined at
                    // this point (normal or compressed-timestamp header).
                    let mut v = if rng.chance(1, 2) {
                        vec![rng.byte() & 0x0F]
                    } else {
                        vec![0x80 | (rng.byte() & 0x7F)]
                    };
                    v.extend(rng.bytes_below(40));
                    v
                }
                2 => {
                    m.kind = "drop-message";
                    Vec::new()
                }
                3 => {
                    m.kind = "repeat-message";
                    match s.msgs.iter().find(|x| x.start == at) {
                        Some(x) => {
                            let times = 1 + rng.below(50);
                            orig[x.start..x.start + x.len].repeat(times)
                        }
                        None => Vec::new(),
                    }
                }
                _ => {
                    m.kind = "random-definition";
                    random_definition(&mut rng)
                }
            };
            let drop = if m.kind == "drop-message" {
                s.msgs.iter().find(|x| x.start == at).map_or(0, |x| x.len)
            } else {
                0
            };
            m.bytes = Vec::with_capacity(len + insert.len());
            m.bytes.extend_from_slice(&orig[..at]);
            m.bytes.extend_from_slice(&insert);
            m.bytes.extend_from_slice(&orig[(at + drop).min(len)..]);
            // Keep the header consistent for single files, so the decoder walks into
            // the change rather than stopping at a size mismatch.
            if s.files.len() == 1 && rng.chance(3, 4) {
                fix_data_size(&mut m.bytes);
                fix_crcs(&mut m.bytes);
                m.crc_fixed = true;
            }
        }
        // Chains: this file, garbage (or zeros, or nothing), another corpus file.
        85..=89 => {
            m.kind = "chain";
            let other = &files[*rng.pick(&pools.small)].bytes;
            m.bytes = orig.clone();
            match rng.below(3) {
                0 => {}
                1 => {
                    let k = 1 + rng.below(64);
                    m.bytes.extend(rng.bytes(k))
                }
                _ => m.bytes.extend(vec![0u8; 1 + rng.below(64)]),
            }
            m.bytes.extend_from_slice(other);
            if rng.chance(1, 4) {
                m.bytes.extend(rng.bytes_below(20));
            }
        }
        // Inputs made from nothing.
        90..=94 => {
            m.file = None;
            match rng.below(5) {
                0 => {
                    m.kind = "empty";
                }
                1 => {
                    m.kind = "all-zero";
                    m.bytes = vec![0; rng.below(4096)];
                }
                2 => {
                    m.kind = "random";
                    m.bytes = rng.bytes_below(4096);
                }
                _ => {
                    // A valid-looking header over random data: the decoder goes deep.
                    m.kind = "random-with-header";
                    let n = rng.below(4096);
                    m.bytes = vec![14, 0x20, 0x5A, 0x08, 0, 0, 0, 0];
                    m.bytes.extend_from_slice(b".FIT");
                    m.bytes.extend_from_slice(&[0, 0]);
                    m.bytes.extend(rng.bytes(n));
                    m.bytes.extend_from_slice(&[0, 0]);
                    fix_data_size(&mut m.bytes);
                    if fix {
                        fix_crcs(&mut m.bytes);
                        m.crc_fixed = true;
                    }
                }
            }
        }
        // Other formats renamed .fit.
        _ => {
            m.file = None;
            let (kind, head): (&'static str, &[u8]) = match rng.below(5) {
                0 => ("gzip", &[0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03]),
                1 => ("zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),
                2 => (
                    "gpx",
                    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"x\"><trk><trkseg>",
                ),
                3 => ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                _ => ("tcx", b"<?xml version=\"1.0\"?><TrainingCenterDatabase>"),
            };
            m.kind = kind;
            m.bytes = head.to_vec();
            // The body: a real FIT file (as inside a gzip/zip), or random bytes.
            if rng.chance(1, 2) {
                m.bytes.extend_from_slice(orig);
            } else {
                m.bytes.extend(rng.bytes_below(2048));
            }
        }
    }
    m
}

/// A definition declaring 255 fields of 255 bytes (each a field number the decoder reads
/// for the chosen message), followed by a data message for it that is complete, short or
/// missing.
pub fn big_definition(rng: &mut Rng) -> Vec<u8> {
    let local = rng.byte() & 0x0F;
    let global = *rng.pick(&GLOBALS);
    let mut v = vec![0x40 | local, 0, 0];
    v.extend_from_slice(&global.to_le_bytes());
    v.push(255);
    for _ in 0..255 {
        let num = *rng.pick(&[0u8, 1, 2, 3, 5, 6, 7, 8, 9, 10, 16, 17, 65, 110, 253, 254]);
        let base = *rng.pick(&[0x00u8, 0x02, 0x84, 0x86, 0x07, 0x0D, 0x8C, 0x8F, 0x88, 0x89]);
        v.extend_from_slice(&[num, 255, base]);
    }
    let data = match rng.below(3) {
        0 => 255 * 255,
        1 => rng.below(255 * 255),
        _ => 0,
    };
    if data > 0 {
        v.push(local);
        v.extend(rng.bytes(data));
    }
    v
}

/// A definition with random fields (sizes 0..=255, any base type, maybe developer
/// fields) and a few data messages for it.
pub fn random_definition(rng: &mut Rng) -> Vec<u8> {
    let local = rng.byte() & 0x0F;
    let global = *rng.pick(&GLOBALS);
    let dev = rng.chance(1, 4);
    let arch = if rng.chance(1, 8) {
        rng.byte()
    } else {
        rng.byte() & 1
    };
    let mut v = vec![0x40 | local | if dev { 0x20 } else { 0 }, 0, arch];
    if arch == 1 {
        v.extend_from_slice(&global.to_be_bytes());
    } else {
        v.extend_from_slice(&global.to_le_bytes());
    }
    let n = rng.below(40);
    v.push(n as u8);
    let mut size = 0usize;
    for _ in 0..n {
        let num = if rng.chance(1, 2) {
            *rng.pick(&[
                0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 65, 73, 78, 110, 253, 254,
            ])
        } else {
            rng.byte()
        };
        let fsize = if rng.chance(1, 8) {
            rng.byte()
        } else {
            rng.byte() % 9
        };
        size += fsize as usize;
        v.extend_from_slice(&[num, fsize, rng.byte()]);
    }
    if dev {
        let nd = rng.below(5);
        v.push(nd as u8);
        for _ in 0..nd {
            let s = rng.byte();
            size += s as usize;
            v.extend_from_slice(&[rng.byte(), s, rng.byte()]);
        }
    }
    for _ in 0..rng.below(8) {
        if rng.chance(1, 2) {
            v.push(local);
        } else {
            v.push(0x80 | ((local & 3) << 5) | (rng.byte() & 0x1F));
        }
        v.extend(rng.bytes(size));
    }
    v
}

/// A tiny FIT writer for hand-built inputs: definitions and data messages as given,
/// framed by a 14-byte header and both CRCs.
#[derive(Debug, Default)]
pub struct FitWriter {
    /// The data section so far.
    pub data: Vec<u8>,
}

/// FIT base types used by the hand-built inputs.
pub mod base {
    /// enum.
    pub const ENUM: u8 = 0x00;
    /// uint8.
    pub const UINT8: u8 = 0x02;
    /// uint16.
    pub const UINT16: u8 = 0x84;
    /// uint32.
    pub const UINT32: u8 = 0x86;
    /// byte.
    pub const BYTE: u8 = 0x0D;
    /// string.
    pub const STRING: u8 = 0x07;
}

impl FitWriter {
    /// A definition message (little-endian) for `local` with `(field, size, base)` triples.
    pub fn def(&mut self, local: u8, global: u16, fields: &[(u8, u8, u8)]) -> &mut Self {
        self.data.extend_from_slice(&[0x40 | local, 0, 0]);
        self.data.extend_from_slice(&global.to_le_bytes());
        self.data.push(fields.len() as u8);
        for &(n, s, b) in fields {
            self.data.extend_from_slice(&[n, s, b]);
        }
        self
    }
    /// A data message with a normal header.
    pub fn msg(&mut self, local: u8, bytes: &[u8]) -> &mut Self {
        self.data.push(local);
        self.data.extend_from_slice(bytes);
        self
    }
    /// A data message with a compressed-timestamp header (local 0-3, offset 0-31 s).
    pub fn compressed(&mut self, local: u8, offset_s: u8, bytes: &[u8]) -> &mut Self {
        self.data
            .push(0x80 | ((local & 3) << 5) | (offset_s & 0x1F));
        self.data.extend_from_slice(bytes);
        self
    }
    /// The whole file: header (with its CRC), data, file CRC.
    pub fn finish(&self) -> Vec<u8> {
        let mut b = vec![14, 0x20, 0x5A, 0x08];
        b.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        b.extend_from_slice(b".FIT");
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&self.data);
        b.extend_from_slice(&[0, 0]);
        fix_crcs(&mut b);
        b
    }
}
