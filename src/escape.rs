//! Escaping text that came from input files (workout names, file names, zip entry names)
//! before it reaches a spreadsheet or a terminal.
//!
//! - **CSV** ([`csv_text`]): a text cell starting with `=`, `+`, `-`, `@`, tab or carriage
//!   return is read as a formula by Excel, LibreOffice and Google Sheets (`=cmd|' /C
//!   calc'!A0` runs a program through DDE). Following OWASP's "CSV Injection" advice, such
//!   a cell gets a leading `'` (which spreadsheets hide and which turns the cell into
//!   text), and the caller quotes it per RFC 4180. Only text cells: numbers (`-3.5`) are
//!   written as they are, and a text cell that is just a number is left alone.
//!   <https://owasp.org/www-community/attacks/CSV_Injection>
//! - **Terminal** ([`terminal_text`]): control characters (C0 but newline and tab, DEL,
//!   C1) and the Unicode bidirectional overrides are shown as `\x1b`, `\u{9b}`, `\u{202e}`,
//!   so ESC/OSC sequences in a name cannot clear the screen, set the window title or write
//!   the clipboard (OSC 52), and a name cannot reorder what follows it on the line.
//!
//! What it must not do: change text that needs no escaping (the common case borrows).

use std::borrow::Cow;

/// Whether `c` must be escaped on a terminal. Newline and tab are kept: our own messages
/// use them.
fn is_terminal_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidirectional embeddings, overrides and isolates (Unicode TR9).
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with control characters and bidi overrides written as visible escapes.
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_terminal_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_terminal_unsafe(c) {
            let n = c as u32;
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`terminal_text`] for one table cell: newlines and tabs escaped too, so a cell stays on
/// its line.
pub fn terminal_cell(s: &str) -> Cow<'_, str> {
    if !s.contains(['\n', '\t']) {
        return terminal_text(s);
    }
    Cow::Owned(terminal_text(&s.replace('\n', "\\n").replace('\t', "\\t")).into_owned())
}

/// `s` safe to open in a spreadsheet: a leading `'` when it starts like a formula (see
/// the module docs). Quoting (commas, quotes, newlines) is the CSV writer's job.
pub fn csv_text(s: &str) -> Cow<'_, str> {
    // The first byte: each of these is one byte in UTF-8 (a char pattern decoded every
    // cell's first char, 4 % of writing a 30,000-activity CSV).
    let risky = matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    // "-3" or "+1.5" typed as text is a number to a spreadsheet, not a formula.
    if !risky || s.trim().parse::<f64>().is_ok_and(f64::is_finite) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            csv_text("=cmd|' /C calc'!A0 Recovery"),
            "'=cmd|' /C calc'!A0 Recovery"
        );
        for s in ["+1+cmd", "-2+3+cmd|x", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(s), format!("'{s}"), "{s:?}");
        }
        for s in ["-3", "-3.5", "+2", "Recovery run", "", "a=b", "2024-05-01"] {
            assert_eq!(csv_text(s), s, "{s:?}");
        }
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_made_visible() {
        assert_eq!(
            terminal_text("run\x1b]0;owned\x07.fit"),
            "run\\x1b]0;owned\\x07.fit"
        );
        assert_eq!(terminal_text("a\u{9b}2J"), "a\\u{9b}2J");
        assert_eq!(terminal_text("x\u{202e}tif.exe"), "x\\u{202e}tif.exe");
        assert_eq!(terminal_text("del\x7f"), "del\\x7f");
        // Newlines and tabs of our own messages stay; text without controls is borrowed.
        assert_eq!(terminal_text("a\n\tb"), "a\n\tb");
        assert!(matches!(terminal_text("Récup 5 km"), Cow::Borrowed(_)));
        assert_eq!(terminal_cell("a\nb\tc\x1b"), "a\\nb\\tc\\x1b");
    }
}
