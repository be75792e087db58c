//! Writing the site: the whole folder or nothing.
//!
//! The pages are written into a new folder beside `--out` and swapped in with one atomic
//! `renameat2(RENAME_EXCHANGE)` on Linux (elsewhere: two renames, with a moment in
//! which `--out` is missing), so a reader never sees half a report and an interrupted
//! run leaves the previous report whole. A folder that is not an earlier report (no
//! [`MARKER`] file) and not empty is never replaced, and `--out` may not lie inside an
//! input folder or the store.

use std::io;
use std::path::{Component, Path, PathBuf};

/// File that marks a folder as a report written by hrzones, so that it may be replaced.
pub const MARKER: &str = ".hrzones-report";

/// Why the output folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// `--out` is an input folder, inside one, or inside the store.
    #[error("--out {out} is inside the input {input}: the report is never written into the archive; choose a folder outside it")]
    InsideInput {
        /// The output folder.
        out: PathBuf,
        /// The input that contains it.
        input: PathBuf,
    },
    /// `--out` exists and is something else than an earlier report.
    #[error("--out {0} exists and is not a report written by hrzones (no {MARKER} file in it): it is never replaced; choose a new folder")]
    NotAReport(PathBuf),
    /// Writing failed.
    #[error("could not write the report into {path}")]
    Io {
        /// What was being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Refuses an output folder inside (or equal to) an input folder or the store, or the
/// folder of an input file.
pub fn check_out_dir(out: &Path, inputs: &[PathBuf]) -> Result<(), SiteError> {
    if let Some(input) = crate::fsutil::input_holding(out, inputs) {
        return Err(SiteError::InsideInput {
            out: out.to_path_buf(),
            input: input.clone(),
        });
    }
    let out_r = crate::fsutil::resolved(out);
    if out_r.exists() && !is_replaceable(&out_r) {
        return Err(SiteError::NotAReport(out.to_path_buf()));
    }
    Ok(())
}

/// An empty folder, or one holding the marker of an earlier report.
fn is_replaceable(dir: &Path) -> bool {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {
            dir.join(MARKER).is_file()
                || std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
        }
        _ => false,
    }
}

/// Writes `pages` (file name → content; plain names, no folders) as the folder `out`,
/// replacing an earlier report there atomically.
pub fn write_site(out: &Path, pages: &[(String, String)]) -> Result<(), SiteError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SiteError::Io { path, source }
    };
    if out.exists() && !is_replaceable(out) {
        return Err(SiteError::NotAReport(out.to_path_buf()));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = fill(&tmp, pages).and_then(|()| swap_in(&tmp, out));
    // After a swap `tmp` holds the previous report; after a failure, the partial one.
    let _ = std::fs::remove_dir_all(&tmp);
    result.map_err(io_err(out))
}

fn fill(dir: &Path, pages: &[(String, String)]) -> io::Result<()> {
    std::fs::create_dir(dir)?;
    for (name, content) in pages {
        let safe = Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
            && !name.contains('/');
        if !safe {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("page name {name:?} is not a plain file name"),
            ));
        }
        write_synced(&dir.join(name), content.as_bytes())?;
    }
    write_synced(
        &dir.join(MARKER),
        b"This folder is a report written by `hrzones report`; the next run replaces it whole.\n",
    )
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Puts the folder `tmp` at `out`: a plain rename when `out` does not exist, else an
/// exchange, leaving the previous report at `tmp`.
fn swap_in(tmp: &Path, out: &Path) -> io::Result<()> {
    if std::fs::symlink_metadata(out).is_err() {
        return std::fs::rename(tmp, out);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, tmp, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // A file system without RENAME_EXCHANGE: the two renames below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let old = tmp.with_extension("old");
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(tmp, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    // `tmp` is gone; leave the old report where the caller's cleanup finds it.
    std::fs::rename(&old, tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(text: &str) -> Vec<(String, String)> {
        vec![("index.html".into(), text.into())]
    }

    #[test]
    fn a_report_replaces_the_previous_one_whole() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("site");
        write_site(&out, &pages("one")).unwrap();
        std::fs::write(out.join("stale.html"), "x").unwrap();
        write_site(&out, &pages("two")).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "two"
        );
        assert!(
            !out.join("stale.html").exists(),
            "the old folder is gone whole"
        );
        assert!(out.join(MARKER).is_file());
        // Nothing left beside it.
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_folder_that_is_not_a_report_is_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("thesis.tex"), "precious").unwrap();
        let err = write_site(d.path(), &pages("x")).unwrap_err();
        assert!(matches!(err, SiteError::NotAReport(_)), "{err}");
        assert!(check_out_dir(d.path(), &[]).is_err());
        assert_eq!(
            std::fs::read_to_string(d.path().join("thesis.tex")).unwrap(),
            "precious"
        );
        // An empty folder is fine.
        let empty = d.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_site(&empty, &pages("x")).unwrap();
        assert!(empty.join("index.html").is_file());
    }

    #[test]
    fn page_names_cannot_leave_the_folder() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("site");
        let bad = vec![("../escape.html".to_string(), String::new())];
        assert!(write_site(&out, &bad).is_err());
        assert!(!d.path().join("escape.html").exists());
        assert!(!out.exists());
    }

    #[test]
    fn out_inside_an_input_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("runs");
        std::fs::create_dir(&input).unwrap();
        std::fs::write(input.join("a.fit"), "x").unwrap();
        let inputs = [input.clone()];
        assert!(check_out_dir(&input.join("site"), &inputs).is_err());
        assert!(check_out_dir(&input, &inputs).is_err());
        let sneaky = d.path().join("x/nothere/../../runs/site");
        assert!(check_out_dir(&sneaky, &inputs).is_err());
        assert!(check_out_dir(&input.join("a.fit"), &[input.join("a.fit")]).is_err());
        assert!(check_out_dir(&d.path().join("site"), &inputs).is_ok());
    }
}
