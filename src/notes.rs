//! What a row says about how its numbers were obtained, in its `note` column: a damaged
//! file salvaged up to the damage, a CRC mismatch analysed anyway, a session rebuilt from
//! the records because the file has none, a start time that is not a date. stderr says
//! it too, but only the row travels with the data into a spreadsheet or the store.

use crate::activity::{Activity, Session};
use crate::analysis::start_unix_s;

/// Notes about the file as a whole (damage, accepted CRC mismatch), one per warning.
pub fn file_notes(a: &Activity) -> Vec<String> {
    let mut out = Vec::new();
    for w in a.warnings.iter().filter(|w| w.is_damage()) {
        if w.is_crc() {
            out.push(format!(
                "CRC mismatch accepted (--accept-bad-crc): the numbers may be corrupt ({w})"
            ));
        } else {
            out.push(format!("salvaged: {w}"));
        }
    }
    out
}

/// Notes about one session of the file: the file's notes, then the session's own.
pub fn session_notes(a: &Activity, s: &Session) -> Vec<String> {
    let mut out = file_notes(a);
    if s.synthesized {
        out.push("no session message in the file: session rebuilt from its records".into());
    }
    out.extend(crate::localtime::offset_note(a, s));
    if !a.has_real_dates() {
        out.push(format!(
            "no date in the file (its clock counts from power-on): start left empty; the session began {} s after power-on",
            s.start_s
        ));
    }
    out
}

/// The session start as RFC 3339 with its local UTC offset (`2024-05-01T19:00:00-07:00`;
/// `Z` where the offset is unknown, see [`crate::localtime`]), or None when the file has
/// no real dates (so the `start` column stays a timestamp column; [`session_notes`] says
/// why it is empty).
pub fn start_rfc3339(a: &Activity, s: &Session) -> Option<String> {
    start_unix_s(a, s)?;
    crate::localtime::session_start_rfc3339(a, s)
}

/// Notes joined for one cell; None when there are none.
pub fn join(notes: impl IntoIterator<Item = String>) -> Option<String> {
    let v: Vec<String> = notes.into_iter().filter(|n| !n.is_empty()).collect();
    (!v.is_empty()).then(|| v.join("; "))
}
