//! The store-wide copy of the parts' light tables: `light/sessions-…`, `light/timer-…`
//! and `light/hr_seconds-…`, each the concatenation of every part's table in the order
//! of [`Manifest::parts`] ([`LightTables`]).
//!
//! Why it exists: `zones --store` and `load --store` need only these three tables, and
//! reading them part by part cost three Parquet files per part (123 for a 10-year
//! archive, 1,056 for a coaching group's 30,000 activities), most of it per-file
//! overhead. Three files answer the same question.
//!
//! What it must not do: be the truth. The parts are; this is derived from them at each
//! commit that changes them ([`write`]), named by the manifest of that commit, and
//! checked against the parts' row counts when read ([`read`]). A store whose parts do not
//! all have the same light schema (parts written before a column or table existed) gets
//! no copy, and is read part by part as before.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::manifest::{self, LightTables, Manifest, PartMeta, HR_SECONDS};
use super::schema::{runs_in, PartHrSeconds, PartSessions, PartTimer};
use super::{counted_rows, parquet_err, read_parquet, statistics, write_parquet, PartLight, StoreError};

/// The folder of the light copies, relative to the store.
pub const FOLDER: &str = "light";

/// The rows a part's table holds, as the manifest recorded them.
fn rows_of(part: &PartMeta, table: &str) -> u64 {
    match table {
        "sessions" => part.sessions,
        "timer" => part.timer,
        _ => part.hr_seconds.unwrap_or(0),
    }
}

/// Writes the light copy of `parts` for generation `generation` (the writer's tag
/// `writer` in the names, as for parts); None when a part has no `hr_seconds` table or
/// the parts' schemas differ (the store is then read part by part).
pub(super) fn write(
    dir: &Path,
    parts: &[PartMeta],
    generation: u64,
    writer: u32,
) -> Result<Option<LightTables>, StoreError> {
    if parts.is_empty() || parts.iter().any(|p| p.hr_seconds.is_none()) {
        return Ok(None);
    }
    let rel = |t: &str| format!("{FOLDER}/{t}-g{generation:06}-{writer:08x}.parquet");
    let tables = LightTables {
        sessions: rel("sessions"),
        timer: rel("timer"),
        hr_seconds: rel(HR_SECONDS),
    };
    for (table, rel) in tables.tables() {
        let frames: Vec<DataFrame> = parts
            .par_iter()
            .map(|p| {
                let path = dir.join(p.rel_path(table));
                counted_rows(p, &path, read_parquet(&path, None)?, rows_of(p, table))
            })
            .collect::<Result<_, _>>()?;
        let mut frames = frames.into_iter();
        let Some(mut all) = frames.next() else {
            return Ok(None);
        };
        for f in frames {
            if all.vstack_mut_owned(f).is_err() {
                // A part of an older schema: no copy rather than a partial one.
                return Ok(None);
            }
        }
        all.rechunk_mut();
        write_parquet(&dir.join(rel), &mut all, statistics(table))?;
    }
    match manifest::sync_dir(&dir.join(FOLDER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(StoreError::Io {
                path: dir.join(FOLDER),
                source: e,
            })
        }
        _ => {}
    }
    Ok(Some(tables))
}

/// Each part's rows in the light copy's three tables (sessions, timer, hr_seconds), by
/// part id.
pub(super) type Ranges = HashMap<String, [Range<usize>; 3]>;

/// One part's files' rows in light tables (row numbers of the whole table).
pub(super) struct LightRows {
    pub sessions: HashMap<u64, Range<usize>>,
    pub timer: HashMap<u64, Range<usize>>,
    pub hr: HashMap<u64, Range<usize>>,
}

/// The rows of the part whose rows in `data` are `ranges`.
pub(super) fn rows(data: &PartLight, ranges: &[Range<usize>; 3]) -> LightRows {
    let [s, t, h] = ranges.clone();
    LightRows {
        sessions: runs_in(&data.sessions.hash, s),
        timer: runs_in(&data.timer.hash, t),
        hr: runs_in(&data.hr.hash, h),
    }
}

/// Reads the manifest's light copy; None when it has none. Each table must hold exactly
/// the rows the manifest records for its parts (a stale, swapped or truncated copy is an
/// error, never a wrong number).
pub(super) fn read(dir: &Path, m: &Manifest) -> Result<Option<(PartLight, Ranges)>, StoreError> {
    let Some(tables) = &m.light else {
        return Ok(None);
    };
    if m.parts.iter().any(|p| p.hr_seconds.is_none()) {
        return Ok(None);
    }
    let mut ranges: Ranges = HashMap::with_capacity(m.parts.len());
    let mut at = [0usize; 3];
    for p in &m.parts {
        let mut r: [Range<usize>; 3] = [0..0, 0..0, 0..0];
        for (k, table) in ["sessions", "timer", HR_SECONDS].iter().enumerate() {
            let n = usize::try_from(rows_of(p, table)).unwrap_or(usize::MAX);
            let end = at[k].saturating_add(n);
            r[k] = at[k]..end;
            at[k] = end;
        }
        ranges.insert(p.id(), r);
    }
    let frame = |k: usize, rel: &str| -> Result<DataFrame, StoreError> {
        let path = dir.join(rel);
        let df = read_parquet(&path, None)?;

        if df.height() != at[k] {
            return Err(StoreError::Inconsistent {
                path,
                message: format!(
                    "{} rows where the parts in manifest.json have {}",
                    df.height(),
                    at[k]
                ),
            });
        }
        Ok(df)
    };
    let ((s, t), h) = rayon::join(
        || {
            rayon::join(
                || frame(0, &tables.sessions),
                || frame(1, &tables.timer),
            )
        },
        || frame(2, &tables.hr_seconds),
    );
    let sp = dir.join(&tables.sessions);
    let sessions = PartSessions::from_frame(s?).map_err(parquet_err(&sp))?;
    let tp = dir.join(&tables.timer);
    let timer = PartTimer::from_frame(&t?).map_err(parquet_err(&tp))?;
    let hp = dir.join(&tables.hr_seconds);
    let hr = PartHrSeconds::from_frame(&h?).map_err(parquet_err(&hp))?;
    Ok(Some((
        PartLight {
            sessions,
            timer,
            hr,
        },
        ranges,
    )))
}
