//! Writing the store's Parquet files with an encoding chosen per column.
//!
//! polars' `ParquetWriter` asks for dictionary encoding on every primitive column and
//! decides per page whether it pays: integers whose range is small take a fast bitmap
//! path, but every other column (times, float samples, the 64-bit file hash) is first
//! hashed to estimate its cardinality and, when fewer than three values in four differ,
//! cast to a dictionary through a hash table. On the `samples` table that guessing, the
//! dictionaries it builds for float columns and LZ4 over the result were most of a cold
//! ingest's CPU. The `samples` columns are known in advance, so [`sample_column`] says
//! how each one is written; every other table keeps polars' choice. A new part's samples
//! skip the data frame altogether: [`write_samples`] encodes them from each file's
//! decoded columns.
//!
//! The file is what polars writes otherwise (same Arrow types, the same `ARROW:schema`
//! footer key with the large string types pandas needs, [`crate::parquet_compat`]):
//! polars, pyarrow, pandas and DuckDB read it.

use std::io::Write;
use std::ops::Range;

use polars::prelude::{CompatLevel, DataFrame, PolarsError, PolarsResult, SchemaExt};
use polars_arrow::datatypes::{ArrowDataType, PhysicalType};
use polars_parquet::parquet::metadata::Descriptor;
use polars_parquet::parquet::page::{DataPage, DataPageHeader, DataPageHeaderV1, DictPage};
use polars_parquet::parquet::schema::types::PrimitiveType;
use polars_parquet::parquet::statistics::{ParquetStatistics, PrimitiveStatistics};
use polars_parquet::parquet::types::NativeType as ParquetNativeType;
use polars_parquet::parquet::CowBuffer;
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    get_dtype_encoding, to_parquet_schema, CompressionOptions, Compressor, DynIter,
    DynStreamingIterator, Encoding, FallibleStreamingIterator, FileWriter, KeyValue, Page,
    StatisticsOptions, Version, WriteOptions,
};

use super::schema::{fit_to_ms, FileSamples};

/// How one table is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableWrite {
    /// Page compression.
    pub compression: CompressionOptions,
    /// Column statistics.
    pub statistics: StatisticsOptions,
    /// Rows per row group (polars' default when None: 512²).
    pub row_group_rows: Option<usize>,
    /// Per-column encodings of the `samples` table, or polars' choice everywhere.
    pub samples: bool,
}

/// How a top-level column of the `samples` table is written: its encoding and whether
/// its pages are compressed (`None`: polars' choice, compressed).
///
/// - `time`: delta encoding. Samples are 1 s apart or nearly so, so a part's times pack
///   to a few bits each, with no dictionary to guess (every time differs).
/// - `file_hash`: plain, compressed. The same 64-bit value for thousands of rows in a
///   row, which LZ4 reduces to almost nothing at memory speed (a dictionary needed a
///   hash table per page, delta encoding a pass per value).
/// - the float columns: plain and uncompressed. Hashing them to guess a dictionary cost
///   more than the dictionary saved, and LZ4 over them was 13 % of a cold ingest for
///   40 % of their size (measured in `BENCHMARKS.md`, "Cold ingest").
/// - `session`, `hr_bpm`: polars' dictionary, which takes its fast path (small range).
pub(crate) fn sample_column(column: &str, dtype: &ArrowDataType) -> Option<(Encoding, bool)> {
    use super::schema::col;
    if !matches!(dtype.to_physical_type(), PhysicalType::Primitive(_)) {
        return None;
    }
    match column {
        col::TIME => Some((Encoding::DeltaBinaryPacked, true)),
        col::FILE_HASH => Some((Encoding::Plain, true)),
        col::DISTANCE_M | col::SPEED_MPS | col::ALTITUDE_M | col::CADENCE_RPM | col::POWER_W => {
            Some((Encoding::Plain, false))
        }
        _ => None,
    }
}

/// How a 64-bit or float column of the other tables (`sessions`, `timer`,
/// `hr_seconds`, `files`) is written: plain, compressed. polars would first hash every
/// such column to guess whether a dictionary pays (1.4 % of a cold ingest's CPU for
/// tables a few percent of its bytes); their values (file hashes, times, seconds) are
/// mostly distinct within a file anyway. Narrower integers keep polars' dictionary, which
/// takes its fast path (small range), and strings and lists keep polars' choice.
fn wide_column(dtype: &ArrowDataType) -> Option<Encoding> {
    use polars_arrow::types::PrimitiveType as P;
    match dtype.to_physical_type() {
        PhysicalType::Primitive(P::Int64 | P::UInt64 | P::Float32 | P::Float64) => {
            Some(Encoding::Plain)
        }
        _ => None,
    }
}

/// Writes `df` as one Parquet file to `w`; returns the file's size.
pub(crate) fn write_frame<W: Write>(
    w: W,
    df: &mut DataFrame,
    how: TableWrite,
) -> PolarsResult<u64> {
    let schema = df.schema().to_arrow(CompatLevel::newest());
    let parquet_schema = to_parquet_schema(&schema)?;
    // Per column: its leaves' encodings, and its pages' compression.
    let plan: Vec<(Vec<Encoding>, CompressionOptions)> = schema
        .iter()
        .map(|(name, field)| {
            match how
                .samples
                .then(|| sample_column(name.as_str(), &field.dtype))
                .flatten()
            {
                Some((encoding, compressed)) => (
                    vec![encoding],
                    match compressed {
                        true => how.compression,
                        false => CompressionOptions::Uncompressed,
                    },
                ),
                None => (
                    wide_column(&field.dtype)
                        .map_or_else(|| get_dtype_encoding(&field.dtype), |e| vec![e]),
                    how.compression,
                ),
            }
        })
        .collect();
    let options = WriteOptions {
        statistics: how.statistics,
        compression: how.compression,
        version: Version::V1,
        data_page_size: None,
    };
    let legacy_schema = crate::parquet_compat::legacy_arrow_schema(df);
    let fields = parquet_schema.fields().to_vec();
    let mut writer = FileWriter::new_with_parquet_schema(w, schema, parquet_schema, options);
    df.rechunk_mut_par();
    let height = df.height();
    let group = how.row_group_rows.unwrap_or(512 * 512).max(1);
    let mut offset = 0;
    while offset < height {
        let len = group.min(height - offset);
        let slice = df.slice(offset as i64, len);
        for batch in slice.iter_chunks(CompatLevel::newest(), false) {
            let mut columns = Vec::with_capacity(batch.columns().len());
            for ((array, type_), (encoding, compression)) in
                batch.columns().iter().zip(&fields).zip(&plan)
            {
                let pages = polars_parquet::write::array_to_columns(
                    array,
                    type_.clone(),
                    options,
                    encoding,
                )?;
                for pages in pages {
                    // As polars-io's batched writer does (`pages_iter_to_compressor`).
                    let pages = pages.map(|page| {
                        page.map_err(|e| ParquetError::FeatureNotSupported(e.to_string()))
                    });
                    let compressed = Compressor::new_from_vec(pages, *compression, Vec::new())
                        .map_err(PolarsError::from);
                    columns.push(Ok(DynStreamingIterator::new(compressed)));
                }
            }
            writer.write(batch.len() as u64, DynIter::new(columns.into_iter()))?;
        }
        offset += len;
    }
    writer.end(Some(vec![KeyValue {
        key: "ARROW:schema".to_string(),
        value: Some(legacy_schema),
    }]))
}

/// Writes a part's `samples` table from each file's columns as the decoder left them
/// ([`FileSamples`]); returns the file's size.
///
/// The Parquet file has the schema of [`super::schema::samples_frame`] (what
/// [`write_frame`] writes for it, and what every reader of the store expects), but its
/// pages are encoded here, from what is known of the data, instead of through a data
/// frame, a concatenated part and polars' per-value encoders (together 30 % of a cold
/// ingest's CPU):
///
/// - `file_hash`: a dictionary of the row group's files and one RLE run of its index per
///   file (it was 8 bytes a row, copied three times, then LZ4-compressed to nothing);
/// - `session`: a dictionary and RLE runs, one per session of a file;
/// - `time`: delta encoding of the milliseconds, computed from the FIT seconds on the fly;
/// - `hr_bpm`: a dictionary of the bpm values present, indices bit-packed;
/// - the float columns: plain, only the present values (NaN is null), uncompressed; their
///   definition levels are RLE runs over whole bytes of the validity bitmap where a file
///   has or lacks the column, bit-packed bytes elsewhere.
///
/// Statistics are null counts only (as [`super::super::statistics`] asks for samples).
pub(crate) fn write_samples<W: Write>(
    w: W,
    files: &[FileSamples],
    how: TableWrite,
) -> PolarsResult<u64> {
    let empty = super::schema::samples_frame(&[])?;
    let schema = empty.schema().to_arrow(CompatLevel::newest());
    let parquet_schema = to_parquet_schema(&schema)?;
    let types: Vec<PrimitiveType> = parquet_schema
        .columns()
        .iter()
        .map(|c| c.descriptor.primitive_type.clone())
        .collect();
    if types.len() != 9 {
        return Err(PolarsError::ComputeError(
            format!("samples schema has {} columns, not 9", types.len()).into(),
        ));
    }
    let options = WriteOptions {
        statistics: how.statistics,
        compression: how.compression,
        version: Version::V1,
        data_page_size: None,
    };
    let legacy_schema = crate::parquet_compat::legacy_arrow_schema(&empty);
    let mut writer = FileWriter::new_with_parquet_schema(w, schema, parquet_schema, options);
    let height: usize = files.iter().map(FileSamples::len).sum();
    let group = how.row_group_rows.unwrap_or(512 * 512).max(1);
    // Where each file starts in the part.
    let mut file = 0;
    let mut file_offset = 0;
    let mut offset = 0;
    while offset < height {
        let len = group.min(height - offset);
        // The row group as slices of files.
        let mut segs: Vec<(&FileSamples, Range<usize>)> = Vec::new();
        let mut need = len;
        while need > 0 {
            let Some(f) = files.get(file) else { break };
            let start = offset + (len - need) - file_offset;
            let take = need.min(f.len() - start);
            if take > 0 {
                segs.push((f, start..start + take));
            }
            need -= take;
            if start + take == f.len() {
                file_offset += f.len();
                file += 1;
            }
        }
        let compressed = how.compression;
        let plain = CompressionOptions::Uncompressed;
        let columns: Vec<(Vec<Page>, CompressionOptions)> = vec![
            (hash_pages(&segs, len, &types[0]), compressed),
            (session_pages(&segs, len, &types[1]), compressed),
            (time_pages(&segs, len, &types[2]), compressed),
            (hr_pages(&segs, len, &types[3]), plain),
            (float_page(&segs, len, &types[4], |f| &f.dist), plain),
            (float_page(&segs, len, &types[5], |f| &f.speed), plain),
            (float_page(&segs, len, &types[6], |f| &f.alt), plain),
            (float_page(&segs, len, &types[7], |f| &f.cad), plain),
            (float_page(&segs, len, &types[8], |f| &f.power), plain),
        ];
        let columns = columns.into_iter().map(|(pages, compression)| {
            let pages = pages.into_iter().map(Ok::<Page, ParquetError>);
            let compressed =
                Compressor::new_from_vec(pages, compression, Vec::new()).map_err(PolarsError::from);
            Ok(DynStreamingIterator::new(compressed))
        });
        writer.write(len as u64, DynIter::new(columns))?;
        offset += len;
    }
    writer.end(Some(vec![KeyValue {
        key: "ARROW:schema".to_string(),
        value: Some(legacy_schema),
    }]))
}

/// A row group's slices of files.
type Segments<'a> = [(&'a FileSamples, Range<usize>)];

/// Appends `v` as an unsigned LEB128 varint (the run headers of Parquet's RLE/bit-packed
/// hybrid encoding).
fn uleb128(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Bits needed for the indices `0..n` of a dictionary of `n` values (at least 1).
fn index_bits(n: usize) -> u32 {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1)
}

/// Runs of values in Parquet's RLE/bit-packed hybrid encoding, at a given bit width,
/// merging adjacent runs of one value (a run header costs a byte or two).
struct RleRuns<'a> {
    out: &'a mut Vec<u8>,
    bytes: usize,
    value: u32,
    len: usize,
}

impl<'a> RleRuns<'a> {
    fn new(out: &'a mut Vec<u8>, bits: u32) -> Self {
        RleRuns {
            out,
            bytes: bits.div_ceil(8) as usize,
            value: 0,
            len: 0,
        }
    }

    fn push(&mut self, value: u32, len: usize) {
        if len == 0 {
            return;
        }
        if value != self.value {
            self.flush();
            self.value = value;
        }
        self.len += len;
    }

    fn flush(&mut self) {
        if self.len > 0 {
            uleb128(self.out, (self.len as u64) << 1);
            self.out
                .extend_from_slice(&self.value.to_le_bytes()[..self.bytes]);
            self.len = 0;
        }
    }
}

/// Definition levels (bit width 1) from a validity bitmap of `n` rows (LSB first, as
/// Arrow's bitmaps and Parquet's bit packing both lay bits out): whole bytes of ones or
/// zeros become RLE runs (a file that has, or lacks, the column costs a few bytes), other
/// bytes bit-packed groups of 8. Writes the V1 page's 4-byte length first.
fn def_levels_from_bitmap(out: &mut Vec<u8>, bitmap: &[u8], n: usize) {
    /// Groups per bit-packed run (parquet-mr's limit; every reader takes it).
    const MAX_GROUPS: usize = 63;
    fn flush_literal(out: &mut Vec<u8>, literal: &mut Vec<u8>) {
        if !literal.is_empty() {
            uleb128(out, ((literal.len() as u64) << 1) | 1);
            out.extend_from_slice(literal);
            literal.clear();
        }
    }
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let mut literal: Vec<u8> = Vec::with_capacity(MAX_GROUPS);
    let mut run = RleRuns::new(out, 1);
    for (i, &byte) in bitmap.iter().enumerate().take(n.div_ceil(8)) {
        let len = (n - 8 * i).min(8);
        let mask = (0xffu16 >> (8 - len)) as u8;
        let byte = byte & mask;
        if byte == mask || byte == 0 {
            flush_literal(run.out, &mut literal);
            run.push(u32::from(byte != 0), len);
        } else {
            run.flush();
            literal.push(byte);
            // A partial last byte ends the page: its padding bits are never read.
            if literal.len() == MAX_GROUPS {
                flush_literal(run.out, &mut literal);
            }
        }
    }
    flush_literal(run.out, &mut literal);
    run.flush();
    let length = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
}

/// Definition levels from runs of (present, rows). Writes the V1 page's 4-byte length
/// first.
fn def_levels_from_runs(out: &mut Vec<u8>, runs: impl Iterator<Item = (bool, usize)>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let mut rle = RleRuns::new(out, 1);
    for (present, len) in runs {
        rle.push(u32::from(present), len);
    }
    rle.flush();
    let length = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
}

/// A V1 data page of `rows` rows whose buffer (definition levels, then values) is built.
fn data_page(
    buffer: Vec<u8>,
    rows: usize,
    type_: &PrimitiveType,
    encoding: Encoding,
    statistics: ParquetStatistics,
) -> Page {
    let header = DataPageHeader::V1(DataPageHeaderV1 {
        num_values: rows as i32,
        encoding: encoding.into(),
        definition_level_encoding: Encoding::Rle.into(),
        repetition_level_encoding: Encoding::Rle.into(),
        statistics: Some(statistics),
    });
    Page::Data(DataPage::new(
        header,
        CowBuffer::Owned(buffer),
        Descriptor {
            primitive_type: type_.clone(),
            max_def_level: 0,
            max_rep_level: 0,
        },
        rows,
    ))
}

/// Null-count statistics of a page whose physical type stores `P`.
fn null_count<P: ParquetNativeType>(type_: &PrimitiveType, nulls: usize) -> ParquetStatistics {
    PrimitiveStatistics::<P> {
        primitive_type: type_.clone(),
        null_count: Some(nulls as i64),
        distinct_count: None,
        min_value: None,
        max_value: None,
    }
    .serialize()
}

fn dict_page(buffer: Vec<u8>, values: usize) -> Page {
    Page::Dict(DictPage::new(CowBuffer::Owned(buffer), values, false))
}

/// `file_hash`: a dictionary of the row group's files, one RLE run per file.
fn hash_pages(segs: &Segments, rows: usize, type_: &PrimitiveType) -> Vec<Page> {
    let mut dict: Vec<u64> = Vec::new();
    let mut index: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let keys: Vec<(u32, usize)> = segs
        .iter()
        .map(|(f, r)| {
            let k = *index.entry(f.file_hash).or_insert_with(|| {
                dict.push(f.file_hash);
                dict.len() as u32 - 1
            });
            (k, r.len())
        })
        .collect();
    let bits = index_bits(dict.len());
    let mut buffer = Vec::new();
    def_levels_from_runs(&mut buffer, std::iter::once((true, rows)));
    buffer.push(bits as u8);
    let mut rle = RleRuns::new(&mut buffer, bits);
    for (k, len) in keys {
        rle.push(k, len);
    }
    rle.flush();
    let dict_bytes: Vec<u8> = dict.iter().flat_map(|h| h.to_le_bytes()).collect();
    vec![
        dict_page(dict_bytes, dict.len()),
        data_page(
            buffer,
            rows,
            type_,
            Encoding::RleDictionary,
            null_count::<i64>(type_, 0),
        ),
    ]
}

/// `session`: a dictionary of the session indices present, one RLE run per session of a
/// file; `u16::MAX` (outside every session) is null.
fn session_pages(segs: &Segments, rows: usize, type_: &PrimitiveType) -> Vec<Page> {
    // Runs of one value, in order.
    let mut runs: Vec<(u16, usize)> = Vec::new();
    for (f, r) in segs {
        for &s in &f.session[r.clone()] {
            match runs.last_mut() {
                Some((v, n)) if *v == s => *n += 1,
                _ => runs.push((s, 1)),
            }
        }
    }
    let mut dict: Vec<u16> = runs
        .iter()
        .map(|&(v, _)| v)
        .filter(|&v| v != u16::MAX)
        .collect();
    dict.sort_unstable();
    dict.dedup();
    let nulls: usize = runs
        .iter()
        .filter(|&&(v, _)| v == u16::MAX)
        .map(|&(_, n)| n)
        .sum();
    let bits = index_bits(dict.len());
    let mut buffer = Vec::new();
    def_levels_from_runs(&mut buffer, runs.iter().map(|&(v, n)| (v != u16::MAX, n)));
    buffer.push(bits as u8);
    let mut rle = RleRuns::new(&mut buffer, bits);
    for &(v, n) in runs.iter().filter(|&&(v, _)| v != u16::MAX) {
        // Present in the dictionary by construction.
        let k = dict.binary_search(&v).unwrap_or(0) as u32;
        rle.push(k, n);
    }
    rle.flush();
    int32_dictionary_pages(dict.iter().map(|&s| s as i32), buffer, rows, nulls, type_)
}

/// `time`: the UTC milliseconds of the FIT seconds, delta-encoded.
fn time_pages(segs: &Segments, rows: usize, type_: &PrimitiveType) -> Vec<Page> {
    let mut ms = Vec::with_capacity(rows);
    for (f, r) in segs {
        ms.extend(f.t_s[r.clone()].iter().map(|&t| fit_to_ms(t)));
    }
    let mut buffer = Vec::with_capacity(rows / 16 + 64);
    def_levels_from_runs(&mut buffer, std::iter::once((true, rows)));
    delta_binary_packed(&mut buffer, &ms);
    vec![data_page(
        buffer,
        rows,
        type_,
        Encoding::DeltaBinaryPacked,
        null_count::<i64>(type_, 0),
    )]
}

/// Parquet's DELTA_BINARY_PACKED encoding of `values`: blocks of 128 deltas in 4
/// miniblocks of 32, each bit-packed at its own width above the block's smallest delta
/// (the layout parquet-mr writes). Samples 1 s apart make every delta 1,000 ms: a block
/// costs its minimum and four zero widths, 6 bytes for 128 samples.
fn delta_binary_packed(out: &mut Vec<u8>, values: &[i64]) {
    const BLOCK: usize = 128;
    const MINIBLOCKS: usize = 4;
    const MINI: usize = BLOCK / MINIBLOCKS;
    fn zigzag(v: i64) -> u64 {
        ((v << 1) ^ (v >> 63)) as u64
    }
    uleb128(out, BLOCK as u64);
    uleb128(out, MINIBLOCKS as u64);
    uleb128(out, values.len() as u64);
    uleb128(out, zigzag(values.first().copied().unwrap_or(0)));
    let deltas: Vec<i64> = values.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    for block in deltas.chunks(BLOCK) {
        let min = block.iter().copied().min().unwrap_or(0);
        uleb128(out, zigzag(min));
        let widths = out.len();
        out.extend_from_slice(&[0; MINIBLOCKS]);
        for (m, mini) in block.chunks(MINI).enumerate() {
            let max = mini
                .iter()
                .map(|&d| d.wrapping_sub(min) as u64)
                .max()
                .unwrap_or(0);
            let width = u64::BITS - max.leading_zeros();
            out[widths + m] = width as u8;
            if width == 0 {
                continue;
            }
            // 32 values (the last miniblock padded with zeros) of `width` bits, LSB
            // first: 4 × width bytes.
            let (mut acc, mut filled) = (0u128, 0u32);
            for j in 0..MINI {
                let v = mini.get(j).map_or(0, |&d| d.wrapping_sub(min) as u64);
                acc |= (v as u128) << filled;
                filled += width;
                while filled >= 8 {
                    out.push(acc as u8);
                    acc >>= 8;
                    filled -= 8;
                }
            }
        }
    }
}

/// A validity bitmap built one bit at a time (LSB first), 64 bits per store.
struct BitmapWriter {
    bytes: Vec<u8>,
    word: u64,
    bits: u32,
}

impl BitmapWriter {
    fn with_rows(rows: usize) -> Self {
        BitmapWriter {
            bytes: Vec::with_capacity(rows.div_ceil(64) * 8),
            word: 0,
            bits: 0,
        }
    }

    #[inline]
    fn push(&mut self, bit: bool) {
        self.word |= u64::from(bit) << self.bits;
        self.bits += 1;
        if self.bits == 64 {
            self.bytes.extend_from_slice(&self.word.to_le_bytes());
            self.word = 0;
            self.bits = 0;
        }
    }

    /// Appends the `len` low bits of `mask` (`len` ≤ 64; the bits above are zero).
    #[inline]
    fn push_word(&mut self, mask: u64, len: u32) {
        let total = self.bits + len;
        self.word |= mask.checked_shl(self.bits).unwrap_or(0);
        if total >= 64 {
            self.bytes.extend_from_slice(&self.word.to_le_bytes());
            self.word = match self.bits {
                0 => 0,
                b => mask >> (64 - b),
            };
            self.bits = total - 64;
        } else {
            self.bits = total;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.bytes.extend_from_slice(&self.word.to_le_bytes());
        }
        self.bytes
    }
}

/// `hr_bpm`: a dictionary of the bpm values present (0 is null), indices bit-packed in
/// one run.
fn hr_pages(segs: &Segments, rows: usize, type_: &PrimitiveType) -> Vec<Page> {
    let mut seen = [false; 256];
    let mut validity = BitmapWriter::with_rows(rows);
    for (f, r) in segs {
        for &h in &f.hr[r.clone()] {
            seen[h as usize] = true;
            validity.push(h != 0);
        }
    }
    let validity = validity.finish();
    seen[0] = false;
    let dict: Vec<u8> = (1..=255u8).filter(|&h| seen[h as usize]).collect();
    let mut rank = [0u64; 256];
    for (k, &h) in dict.iter().enumerate() {
        rank[h as usize] = k as u64;
    }
    let bits = index_bits(dict.len());
    let mut buffer = Vec::with_capacity(rows + 64);
    def_levels_from_bitmap(&mut buffer, &validity, rows);
    buffer.push(bits as u8);
    // One bit-packed run: its header, then groups of 8 indices in `bits` bytes each
    // (LSB first; the last group padded with zeros).
    let header = buffer.len();
    let (mut word, mut filled, mut present) = (0u64, 0u32, 0usize);
    for (f, r) in segs {
        for &h in &f.hr[r.clone()] {
            if h != 0 {
                word |= rank[h as usize] << filled;
                filled += bits;
                present += 1;
                if filled >= 32 {
                    buffer.extend_from_slice(&(word as u32).to_le_bytes());
                    word >>= 32;
                    filled -= 32;
                }
            }
        }
    }
    let groups = present.div_ceil(8);
    // Whole groups: pad with zero indices up to a multiple of 8 values.
    filled += bits * (groups * 8 - present) as u32;
    while filled > 0 {
        buffer.push(word as u8);
        word >>= 8;
        filled = filled.saturating_sub(8);
    }
    let mut run_header = Vec::with_capacity(10);
    if groups > 0 {
        uleb128(&mut run_header, ((groups as u64) << 1) | 1);
    }
    buffer.splice(header..header, run_header);
    let nulls = rows - present;
    int32_dictionary_pages(dict.iter().map(|&h| h as i32), buffer, rows, nulls, type_)
}

/// A float type of the samples table: its little-endian bytes and its Parquet type.
trait SampleFloat: Copy + PartialOrd {
    type Parquet: ParquetNativeType;
    const SIZE: usize;
    fn write_le(self, out: &mut [u8]);
}

impl SampleFloat for f32 {
    type Parquet = f32;
    const SIZE: usize = 4;
    #[inline]
    fn write_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
}

impl SampleFloat for f64 {
    type Parquet = f64;
    const SIZE: usize = 8;
    #[inline]
    fn write_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
}

/// A float column: plain values of the present samples (NaN is null). Values go 64 at a
/// time: a block all present is copied whole, one all missing (a file without the
/// column) costs its validity word, a mixed one is gathered branch-free (every value is
/// written; the position moves on only past present ones).
fn float_page<T: SampleFloat>(
    segs: &Segments,
    rows: usize,
    type_: &PrimitiveType,
    column: impl Fn(&FileSamples) -> &[T],
) -> Vec<Page> {
    let mut validity = BitmapWriter::with_rows(rows);
    let mut values = vec![0u8; rows * T::SIZE];
    let mut end = 0;
    for (f, r) in segs {
        for block in column(f)[r.clone()].chunks(64) {
            let mut mask = 0u64;
            for (j, x) in block.iter().enumerate() {
                // Only NaN is unordered with itself.
                mask |= u64::from(x.partial_cmp(x).is_some()) << j;
            }
            validity.push_word(mask, block.len() as u32);
            let all = u64::MAX >> (64 - block.len());
            if mask == all {
                let out = &mut values[end..end + block.len() * T::SIZE];
                for (dst, &x) in out.chunks_exact_mut(T::SIZE).zip(block) {
                    x.write_le(dst);
                }
                end += block.len() * T::SIZE;
            } else if mask != 0 {
                for (j, &x) in block.iter().enumerate() {
                    // The last present value may end the buffer: write only where it fits.
                    if let Some(dst) = values.get_mut(end..end + T::SIZE) {
                        x.write_le(dst);
                    }
                    end += T::SIZE * (mask >> j & 1) as usize;
                }
            }
        }
    }
    let validity = validity.finish();
    let mut buffer = Vec::with_capacity(end + rows / 8 + 16);
    def_levels_from_bitmap(&mut buffer, &validity, rows);
    buffer.extend_from_slice(&values[..end]);
    let nulls = rows - end / T::SIZE;
    vec![data_page(
        buffer,
        rows,
        type_,
        Encoding::Plain,
        null_count::<T::Parquet>(type_, nulls),
    )]
}

/// An INT32 column's two pages: the dictionary of `values` (plain, little-endian; an
/// empty dictionary, every row null, becomes one value nothing points to) and the data
/// page of `indices` (definition levels and RLE dictionary indices, already encoded).
fn int32_dictionary_pages(
    values: impl Iterator<Item = i32>,
    indices: Vec<u8>,
    rows: usize,
    nulls: usize,
    type_: &PrimitiveType,
) -> Vec<Page> {
    let mut bytes: Vec<u8> = values.flat_map(i32::to_le_bytes).collect();
    if bytes.is_empty() {
        bytes.extend_from_slice(&0i32.to_le_bytes());
    }
    let n = bytes.len() / 4;
    vec![
        dict_page(bytes, n),
        data_page(
            indices,
            rows,
            type_,
            Encoding::RleDictionary,
            null_count::<i32>(type_, nulls),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use polars_io::prelude::ParquetReader;
    use polars_io::SerReader;

    /// A samples-like frame whose values stress each encoding: file hashes across the
    /// whole u64 range (wrapping deltas), times with gaps and a step back, floats with
    /// NaN as null, and more rows than one row group.
    fn frame(n: usize) -> DataFrame {
        let hash: Vec<u64> = (0..n)
            .map(|i| match (i / 700) % 3 {
                0 => u64::MAX - 3,
                1 => 5,
                _ => 0x8000_0000_0000_0001,
            })
            .collect();
        let time: Vec<i64> = (0..n as i64)
            .map(|i| 1_600_000_000_000 + i * 1000 + if i % 977 == 0 { -4000 } else { 0 })
            .collect();
        let hr: Vec<Option<u32>> = (0..n)
            .map(|i| (i % 11 != 0).then_some(60 + (i % 140) as u32))
            .collect();
        let speed: Vec<Option<f32>> = (0..n)
            .map(|i| (i % 13 != 0).then_some((i % 400) as f32 * 0.013))
            .collect();
        let dist: Vec<Option<f64>> = (0..n)
            .map(|i| (i % 17 != 0).then_some(i as f64 * 2.7))
            .collect();
        DataFrame::new_infer_height(vec![
            Column::new(super::super::schema::col::FILE_HASH.into(), hash),
            Int64Chunked::from_vec(super::super::schema::col::TIME.into(), time)
                .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                .into_column(),
            Column::new(super::super::schema::col::HR_BPM.into(), hr),
            Column::new(super::super::schema::col::SPEED_MPS.into(), speed),
            Column::new(super::super::schema::col::DISTANCE_M.into(), dist),
            Column::new(
                "path".into(),
                (0..n).map(|i| format!("f{}", i % 5)).collect::<Vec<_>>(),
            ),
        ])
        .unwrap()
    }

    fn round_trip(samples: bool, compression: CompressionOptions) {
        let mut df = frame(40_000);
        let mut buf = Vec::new();
        let how = TableWrite {
            compression,
            statistics: StatisticsOptions::default(),
            row_group_rows: Some(16_384),
            samples,
        };
        let size = write_frame(&mut buf, &mut df, how).unwrap();
        assert_eq!(size as usize, buf.len());
        let back = ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&df), "{back:?}\n{df:?}");
    }

    #[test]
    fn sample_encodings_read_back_exactly() {
        round_trip(true, CompressionOptions::Lz4Raw);
        round_trip(true, CompressionOptions::Uncompressed);
    }

    #[test]
    fn other_tables_read_back_exactly() {
        round_trip(false, CompressionOptions::Lz4Raw);
    }

    /// Files whose columns stress each of [`write_samples`]' encodings: empty files,
    /// files across row-group boundaries, more files in a row group than one byte of
    /// dictionary index holds, floats all present, all NaN, NaN in every other byte's
    /// worth of rows and at random, row counts that are not multiples of 8, samples
    /// outside every session, and a row group where no heart rate is present.
    fn sample_files() -> Vec<FileSamples> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut files = Vec::new();
        for k in 0..300usize {
            let n = match k % 7 {
                0 => 0,
                1 => 1,
                2 => 17_001,
                3 => 77,
                _ => (rand() % 300) as usize,
            };
            // Files out of order: deltas across a file boundary go both ways.
            let t0 = 900_000_000 + (rand() % 100_000_000) as u32;
            let nan_rule = k % 5;
            let float = |i: usize, r: u64| -> f64 {
                let nan = match nan_rule {
                    0 => false,
                    1 => true,
                    2 => (i / 8) % 2 == 1,
                    3 => r % 3 == 0,
                    _ => i % 17 == 3 || (i > 50 && i < 140),
                };
                if nan {
                    f64::NAN
                } else {
                    (r % 100_000) as f64 * 0.37
                }
            };
            let mut f = FileSamples {
                file_hash: rand(),
                ..FileSamples::default()
            };
            for i in 0..n {
                let r = rand();
                f.t_s.push(t0 + i as u32 + u32::from(r % 11 == 0) * 3);
                f.session.push(match i * 4 / n.max(1) {
                    0 if k % 3 == 0 => u16::MAX,
                    s => s as u16 + (k % 2) as u16 * 300,
                });
                f.hr.push(match k {
                    2 => 0,
                    _ if r % 13 == 0 => 0,
                    _ => (40 + r % 200) as u8,
                });
                f.dist.push(float(i, r));
                f.speed.push(float(i, r >> 8) as f32);
                f.alt.push(float(i + 1, r >> 16) as f32);
                f.cad.push(float(i, r >> 24) as f32);
                f.power.push(if k % 2 == 0 { f32::NAN } else { 250.0 });
            }
            files.push(f);
        }
        files
    }

    #[test]
    fn written_samples_read_back_as_the_data_frame() {
        let files = sample_files();
        let expected = super::super::schema::samples_frame(&files).unwrap();
        for (rows, compression) in [
            (16_384, CompressionOptions::Lz4Raw),
            (1_000, CompressionOptions::Uncompressed),
            (1 << 20, CompressionOptions::Lz4Raw),
        ] {
            let mut buf = Vec::new();
            let how = TableWrite {
                compression,
                statistics: StatisticsOptions {
                    min_value: false,
                    max_value: false,
                    ..Default::default()
                },
                row_group_rows: Some(rows),
                samples: true,
            };
            let size = write_samples(&mut buf, &files, how).unwrap();
            assert_eq!(size as usize, buf.len());
            let back = ParquetReader::new(std::io::Cursor::new(buf))
                .finish()
                .unwrap();
            assert_eq!(back.schema(), expected.schema());
            assert_eq!(back.height(), expected.height());
            assert!(back.equals_missing(&expected), "{back:?}\n{expected:?}");
            // The null counts agree with the columns, as readers may trust them.
            for c in back.columns() {
                let n = expected.column(c.name()).unwrap().null_count();
                assert_eq!(c.null_count(), n, "{}", c.name());
            }
        }
    }

    #[test]
    fn an_empty_part_writes_a_readable_empty_table() {
        let mut buf = Vec::new();
        let how = TableWrite {
            compression: CompressionOptions::Lz4Raw,
            statistics: StatisticsOptions::default(),
            row_group_rows: Some(16_384),
            samples: true,
        };
        write_samples(&mut buf, &[FileSamples::default()], how).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        let expected = super::super::schema::samples_frame(&[]).unwrap();
        assert_eq!(back.schema(), expected.schema());
        assert_eq!(back.height(), 0);
    }

    #[test]
    fn definition_levels_are_runs_over_uniform_bytes() {
        // 16 present, 8 absent, one mixed byte, then 3 present (a partial byte).
        let bitmap = [0xff, 0xff, 0x00, 0b1010_0101, 0b0000_0111];
        let mut out = Vec::new();
        def_levels_from_bitmap(&mut out, &bitmap, 35);
        // 16 ones, 8 zeros (RLE runs: header, value), one bit-packed group (header,
        // byte), 3 ones.
        let runs = [32, 1, 16, 0, 3, 0b1010_0101, 6, 1];
        assert_eq!(out[..4], (runs.len() as u32).to_le_bytes());
        assert_eq!(out[4..], runs);
        // polars-parquet's decoder reads them back.
        let bits: Vec<bool> = (0..35).map(|i| bitmap[i / 8] >> (i % 8) & 1 == 1).collect();
        let decoded: Vec<u32> =
            polars_parquet::parquet::encoding::hybrid_rle::HybridRleDecoder::new(&out[4..], 1, 35)
                .collect()
                .unwrap();
        assert_eq!(
            decoded,
            bits.iter().map(|&b| u32::from(b)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn only_sample_columns_get_their_own_encoding() {
        use super::super::schema::col;
        let int = ArrowDataType::Int64;
        assert_eq!(
            sample_column(col::TIME, &int),
            Some((Encoding::DeltaBinaryPacked, true))
        );
        assert_eq!(
            sample_column(col::FILE_HASH, &ArrowDataType::UInt64),
            Some((Encoding::Plain, true))
        );
        assert_eq!(
            sample_column(col::SPEED_MPS, &ArrowDataType::Float32),
            Some((Encoding::Plain, false))
        );
        assert_eq!(sample_column(col::HR_BPM, &ArrowDataType::UInt32), None);
        assert_eq!(sample_column("path", &ArrowDataType::LargeUtf8), None);
    }
}
