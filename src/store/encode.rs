//! Writing the store's Parquet files with an encoding chosen per column.
//!
//! polars' `ParquetWriter` asks for dictionary encoding on every primitive column and
//! decides per page whether it pays: integers whose range is small take a fast bitmap
//! path, but every other column (times, float samples, the 64-bit file hash) is first
//! hashed to estimate its cardinality and, when fewer than three values in four differ,
//! cast to a dictionary through a hash table. On the `samples` table that guessing, the
//! dictionaries it builds for float columns and LZ4 over the result were most of a cold
//! ingest's CPU. The `samples` columns are known in advance, so [`sample_column`] says
//! how each one is written; every other table keeps polars' choice.
//!
//! The file is what polars writes otherwise (same Arrow types, the same `ARROW:schema`
//! footer key with the large string types pandas needs, [`crate::parquet_compat`]):
//! polars, pyarrow, pandas and DuckDB read it.

use std::io::Write;

use polars::prelude::{CompatLevel, DataFrame, PolarsError, PolarsResult, SchemaExt};
use polars_arrow::datatypes::{ArrowDataType, PhysicalType};
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    get_dtype_encoding, to_parquet_schema, CompressionOptions, Compressor, DynIter,
    DynStreamingIterator, Encoding, FallibleStreamingIterator, FileWriter, KeyValue,
    StatisticsOptions, Version, WriteOptions,
};

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
                None => (get_dtype_encoding(&field.dtype), how.compression),
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
