//! HTML pieces of the report: escaping, the page shell with its one inline style sheet,
//! and a small table writer.
//!
//! Everything shown comes from input files (file names, workout names, Strava names,
//! notes) and is untrusted: text goes through [`text`] and attribute values through
//! [`attr`] (the `html-escape` crate), with control characters replaced first. Nothing
//! here emits JavaScript, and nothing references a file outside the page, so a page
//! opens from `file://` with no network.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Control characters (other than tab and newline) are not allowed in HTML text or SVG:
/// shown as U+FFFD, as a browser would for an invalid byte.
fn without_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// Text content, escaped (`<`, `>`, `&`).
pub fn text(s: &str) -> String {
    html_escape::encode_text(&without_controls(s)).into_owned()
}

/// A double-quoted attribute value, escaped (`"`, `&`, `<`, `>`).
pub fn attr(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(&without_controls(s)).into_owned()
}

/// An SVG document made ready to sit inside HTML: its control characters replaced (the
/// plotters SVG backend escapes markup characters in text, not control characters) and
/// an accessible name given (`role="img"`, `aria-label`).
pub fn inline_svg(svg: &str, label: &str) -> String {
    let svg = without_controls(svg);
    let svg = svg.trim_start();
    match svg.strip_prefix("<svg") {
        Some(rest) => format!(
            "<svg role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\"{rest}",
            attr(label)
        ),
        // Not an SVG document (never from plotters): shown as text rather than markup.
        None => format!("<pre>{}</pre>", text(svg)),
    }
}

/// The style sheet, inline in every page (no file to lose beside it). Responsive: tables
/// scroll sideways inside their own box on a narrow screen, charts scale to the width,
/// summary cards wrap.
pub const CSS: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2330;background:#f4f5f7}
header.top{background:#1d2f4f;color:#fff;padding:14px 16px}
header.top a{color:#cfe0ff}
header.top h1{margin:0;font-size:1.5rem;line-height:1.2;overflow-wrap:anywhere}
header.top p{margin:4px 0 0;color:#d6dde8;font-size:.95rem}
main{max-width:1240px;margin:0 auto;padding:12px 16px 40px}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;margin:8px 0 4px;font-size:.95rem}
h2{font-size:1.25rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #d8dce3}
h3{font-size:1.05rem;margin:18px 0 6px;overflow-wrap:anywhere}
p,li{max-width:75ch}
a{color:#1f5fbf}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:10px 0}
.card{background:#fff;border:1px solid #dfe3ea;border-radius:6px;padding:8px 12px;min-width:0}
.card .k{font-size:.8rem;color:#5a6475;text-transform:uppercase;letter-spacing:.03em}
.card .v{font-size:1.35rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .s{font-size:.8rem;color:#5a6475}
.scroll{overflow-x:auto;max-width:100%;background:#fff;border:1px solid #dfe3ea;border-radius:6px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%}
caption{text-align:left;padding:6px 8px;color:#5a6475;font-size:.9rem}
th,td{padding:5px 8px;border-bottom:1px solid #e8ebf0;text-align:right;white-space:nowrap;vertical-align:top}
th{background:#f0f2f6;font-weight:600;font-size:.9rem}
th.t,td.t{text-align:left}
td.w{white-space:normal;min-width:18em;max-width:40em}
td.f{max-width:16em;overflow:hidden;text-overflow:ellipsis}
tr.has-detail td{border-bottom:0;padding-bottom:1px}
tr.detail td{padding-top:0;color:#3d4657;font-size:.9rem;white-space:normal;max-width:none;min-width:0}
tr.detail td div{position:sticky;left:8px;max-width:min(100ch,calc(100vw - 48px))}
.ok{color:#17692e}
.warn{color:#8a5a00;font-weight:600}
.bad{color:#b3261e;font-weight:600}
.muted{color:#5a6475}
.note{font-size:.9rem;color:#5a6475}
figure{margin:12px 0;background:#fff;border:1px solid #dfe3ea;border-radius:6px;padding:6px}
figure svg{display:block;width:100%;height:auto}
figcaption{font-size:.9rem;color:#5a6475;padding:4px 4px 0;overflow-wrap:anywhere}
footer{max-width:1240px;margin:0 auto;padding:0 16px 24px;color:#5a6475;font-size:.85rem}
@media (max-width:640px){
 body{font-size:15px}
 main{padding:8px 10px 32px}
 header.top{padding:10px 12px}
 header.top h1{font-size:1.25rem}
 .cards{grid-template-columns:repeat(2,minmax(0,1fr))}
 .card .v{font-size:1.15rem}
 td.w{min-width:14em}
 th,td{padding:4px 6px}
}
"#;

/// A whole page: doctype, charset, viewport (phones lay it out at their width), title,
/// the inline style, a header, the body and a footer.
pub fn page(title: &str, heading: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"hrzones {version}\">\n\
<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
<header class=\"top\"><h1>{heading}</h1><p>{subtitle}</p></header>\n<main>\n{body}</main>\n\
<footer>Made by hrzones {version} from the athletes' FIT files; no network, no scripts: \
this folder is the whole report.</footer>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        title = text(title),
        heading = text(heading),
        subtitle = text(subtitle),
    )
}

/// A table cell: already-escaped HTML and a class (`t` text, `w` wrapping text, `f` a
/// file name cut with an ellipsis; empty for numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct Td {
    /// The cell's HTML (escaped).
    pub html: String,
    /// CSS class.
    pub class: &'static str,
    /// Tooltip text (unescaped), e.g. a full file name.
    pub title: Option<String>,
}

impl Td {
    /// A number or short value (right-aligned), escaped.
    pub fn num(s: impl AsRef<str>) -> Td {
        Td {
            html: text(s.as_ref()),
            class: "",
            title: None,
        }
    }
    /// Text (left-aligned), escaped.
    pub fn text(s: impl AsRef<str>) -> Td {
        Td {
            html: text(s.as_ref()),
            class: "t",
            title: None,
        }
    }
    /// Text that wraps (reasons, notes), escaped.
    pub fn wrap(s: impl AsRef<str>) -> Td {
        Td {
            html: text(s.as_ref()),
            class: "t w",
            title: None,
        }
    }
    /// Raw HTML, left-aligned (the caller escaped what it holds).
    pub fn html(html: String, class: &'static str) -> Td {
        Td {
            html,
            class,
            title: None,
        }
    }
    /// With a tooltip.
    pub fn titled(mut self, title: impl Into<String>) -> Td {
        self.title = Some(title.into());
        self
    }
}

/// A table in its scrolling box. `headers`: (text, is_text_column).
pub fn table(class: &str, caption: &str, headers: &[(&str, bool)], rows: &[Vec<Td>]) -> String {
    let rows: Vec<(Vec<Td>, Option<String>)> = rows.iter().map(|r| (r.clone(), None)).collect();
    table_with_details(class, caption, headers, &rows)
}

/// [`table`] where a row may be followed by a detail line spanning every column (HTML,
/// escaped by the caller): long text such as the audit's reason reads under its row
/// instead of stretching a column off a phone's screen.
pub fn table_with_details(
    class: &str,
    caption: &str,
    headers: &[(&str, bool)],
    rows: &[(Vec<Td>, Option<String>)],
) -> String {
    let mut s = String::new();
    let _ = write!(s, "<div class=\"scroll\"><table class=\"{}\">", attr(class));
    if !caption.is_empty() {
        let _ = write!(s, "<caption>{}</caption>", text(caption));
    }
    s.push_str("<thead><tr>");
    for (h, is_text) in headers {
        let _ = write!(
            s,
            "<th scope=\"col\"{}>{}</th>",
            if *is_text { " class=\"t\"" } else { "" },
            text(h)
        );
    }
    s.push_str("</tr></thead><tbody>\n");
    for (row, detail) in rows {
        s.push_str(if detail.is_some() {
            "<tr class=\"has-detail\">"
        } else {
            "<tr>"
        });
        for td in row {
            s.push_str("<td");
            if !td.class.is_empty() {
                let _ = write!(s, " class=\"{}\"", td.class);
            }
            if let Some(t) = &td.title {
                let _ = write!(s, " title=\"{}\"", attr(t));
            }
            let _ = write!(s, ">{}</td>", td.html);
        }
        s.push_str("</tr>\n");
        if let Some(d) = detail {
            let _ = writeln!(
                s,
                "<tr class=\"detail\"><td class=\"t\" colspan=\"{}\"><div>{d}</div></td></tr>",
                headers.len()
            );
        }
    }
    s.push_str("</tbody></table></div>\n");
    s
}

/// A summary card: key, value, small print.
pub fn card(key: &str, value: &str, small: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
        text(key),
        text(value),
        text(small)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_cannot_open_markup() {
        let evil = "<script>alert(1)</script>&\"'\u{1}x";
        let t = text(evil);
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
        assert!(t.contains("&lt;script&gt;") && t.contains("&amp;"));
        assert!(t.contains('\u{FFFD}') && !t.contains('\u{1}'));
        let a = attr("\" onmouseover=\"x");
        assert!(!a.contains('"'), "{a}");
        let page = page(evil, evil, evil, "");
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn svg_gets_a_label_and_loses_control_characters() {
        let s = inline_svg(
            "<svg width=\"10\" height=\"5\" viewBox=\"0 0 10 5\"><text>a\u{7}</text></svg>",
            "run <1>",
        );
        assert!(
            s.starts_with("<svg role=\"img\" aria-label=\"run &lt;1&gt;\""),
            "{s}"
        );
        assert!(s.contains("a\u{FFFD}</text>"));
        assert_eq!(inline_svg("oops <b>", "x"), "<pre>oops &lt;b&gt;</pre>");
    }

    #[test]
    fn tables_escape_cells_and_titles() {
        let t = table(
            "audit",
            "cap <x>",
            &[("file", true), ("n", false)],
            &[vec![Td::text("<a>").titled("\"q\""), Td::num("3")]],
        );
        assert!(
            t.contains("<td class=\"t\" title=\"&quot;q&quot;\">&lt;a&gt;</td>"),
            "{t}"
        );
        assert!(t.contains("<caption>cap &lt;x&gt;</caption>"));
        assert!(t.contains("<td>3</td>"));
    }
}
