//! Parquet files every reader opens: pandas, pyarrow, DuckDB and polars.
//!
//! polars 0.55 writes string and binary columns with the Arrow "view" types
//! (`string_view`, `binary_view`) in the Arrow schema it embeds in every Parquet file
//! (the `ARROW:schema` key of the footer), and its eager `ParquetWriter` has no setting
//! for that (`CompatLevel::newest()` is fixed in polars-io's `batched_writer.rs`). The
//! Parquet data itself is plain `BYTE_ARRAY`/`UTF8`, but pyarrow rebuilds the columns
//! from the embedded schema, and pandas then fails with `ArrowNotImplementedError ...
//! string_view` (issue 12). So the writer is given the same schema converted at
//! `CompatLevel::oldest()` (`large_string`, `large_binary`), serialised exactly as
//! polars-parquet's `schema_to_metadata_key` does (legacy IPC framing, base64). The
//! physical data is unchanged; polars and DuckDB read the files as before.

use base64::Engine as _;
use polars::prelude::{CompatLevel, DataFrame, SchemaExt};
use polars_io::parquet::write::{KeyValueMetadata, ParquetWriter};

/// The footer key pyarrow reads the Arrow schema from.
const ARROW_SCHEMA_KEY: &str = "ARROW:schema";

/// `ARROW:schema` for `df` with large (non-view) string and binary types.
pub fn legacy_arrow_schema(df: &DataFrame) -> String {
    let schema = df.schema().to_arrow(CompatLevel::oldest());
    let fields = polars_arrow::io::ipc::write::default_ipc_fields(schema.iter_values());
    let bytes = polars_arrow::io::ipc::write::schema_to_bytes(&schema, &fields, None);
    // The legacy IPC framing Arrow expects here: 0xFFFFFFFF, the length, the message.
    let mut framed = Vec::with_capacity(bytes.len() + 8);
    framed.extend_from_slice(&[255u8, 255, 255, 255]);
    framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    framed.extend_from_slice(&bytes);
    base64::engine::general_purpose::STANDARD.encode(&framed)
}

/// A Parquet writer for `df` whose files pandas and pyarrow read (see the module docs).
pub fn writer<W: std::io::Write>(w: W, df: &DataFrame) -> ParquetWriter<W> {
    ParquetWriter::new(w).with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
        ARROW_SCHEMA_KEY.to_string(),
        legacy_arrow_schema(df),
    )])))
}

/// A report table as a data frame: a column of integers (and nulls) is Int64, of numbers
/// Float64, of booleans Boolean, anything else String.
pub fn table_frame(t: &crate::report::Table) -> polars::prelude::PolarsResult<DataFrame> {
    use crate::report::Cell;
    use polars::prelude::{Column, NamedFrom, Series};
    let mut cols = Vec::with_capacity(t.columns.len());
    for (i, name) in t.columns.iter().enumerate() {
        let cells = t.rows.iter().map(|r| &r[i]);
        let all = |f: fn(&Cell) -> bool| t.rows.iter().all(|r| f(&r[i]) || r[i] == Cell::Null);
        let series = if all(|c| matches!(c, Cell::Int(_))) {
            let v: Vec<Option<i64>> = cells
                .map(|c| match c {
                    Cell::Int(x) => Some(*x),
                    _ => None,
                })
                .collect();
            Series::new(name.as_str().into(), v)
        } else if all(|c| matches!(c, Cell::Int(_) | Cell::Float(..))) {
            let v: Vec<Option<f64>> = cells
                .map(|c| match c {
                    Cell::Int(x) => Some(*x as f64),
                    Cell::Float(x, _) => Some(*x),
                    _ => None,
                })
                .collect();
            Series::new(name.as_str().into(), v)
        } else if all(|c| matches!(c, Cell::Bool(_))) {
            let v: Vec<Option<bool>> = cells
                .map(|c| match c {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            Series::new(name.as_str().into(), v)
        } else {
            let v: Vec<Option<String>> = cells
                .map(|c| match c {
                    Cell::Null => None,
                    Cell::Str(s) => Some(s.clone()),
                    Cell::Int(x) => Some(x.to_string()),
                    Cell::Float(x, _) => Some(x.to_string()),
                    Cell::Bool(b) => Some(b.to_string()),
                })
                .collect();
            Series::new(name.as_str().into(), v)
        };
        cols.push(Column::from(series));
    }
    DataFrame::new(t.rows.len(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn strings_are_written_as_large_strings_and_read_back_by_polars() {
        let mut df = df!("file" => ["a.fit", "b.fit"], "n" => [1i64, 2]).unwrap();
        let meta = legacy_arrow_schema(&df);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&meta)
            .unwrap();
        // Flatbuffer union tags: LargeUtf8 = 20, Utf8View = 24 (Arrow's Schema.fbs);
        // the IPC schema of a string column must not carry the view type. Checked via
        // the arrow schema itself, which is what is serialised.
        let schema = df.schema().to_arrow(CompatLevel::oldest());
        let dtype = schema.get("file").unwrap().dtype().clone();
        assert_eq!(dtype, polars_arrow::datatypes::ArrowDataType::LargeUtf8);
        assert!(raw.len() > 8 && raw[..4] == [255, 255, 255, 255]);

        let mut buf = Vec::new();
        writer(&mut buf, &df).finish(&mut df).unwrap();
        let back = polars_io::parquet::read::ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        assert!(back.equals(&df));
    }
}
