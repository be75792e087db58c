//! The pages: the roster index and one page per athlete, as strings.
//!
//! Page names are made here and only here: `index.html` and `athlete-<id>.html`, the id
//! reduced to letters, digits, `-` and `_` (a number added when two ids reduce to the same
//! name), so every link on the index points at a page this run writes.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::NaiveDate;

use super::html::{self, card, table, text, Td};
use super::{
    daily_pmc, recent_weeks, totals_by_sport, AthleteReport, SiteOptions, Totals, ZONE_GROUPS,
};
use crate::audit::batch::{base_name, AuditRow};
use crate::chart::{self, ChartError, ChartFormat, PmcFinding, PmcInput, WeeklyZonesInput};
use crate::roster::{sort_by_attention, AthleteOverview};

/// The PMC chart shows at most this many days before the report's end (the values are
/// computed from the first session on, so CTL is warmed up).
pub const PMC_DAYS: i64 = 365;
/// At most this many data-quality lines are listed per athlete.
pub const MAX_PROBLEMS_SHOWN: usize = 50;

/// The site: `(file name, content)` per page, `index.html` first.
pub fn build_site(athletes: &[AthleteReport], opts: &SiteOptions) -> Vec<(String, String)> {
    let end = opts
        .until
        .or_else(|| athletes.iter().filter_map(|a| a.last_date()).max())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default());
    let names = page_names(athletes.iter().map(|a| a.athlete.id.as_str()));
    let mut pages = vec![(
        "index.html".to_string(),
        index_page(athletes, &names, opts, end),
    )];
    for (a, name) in athletes.iter().zip(&names) {
        pages.push((name.clone(), athlete_page(a, opts, end)));
    }
    pages
}

/// `athlete-<id>.html` per athlete, distinct.
pub fn page_names<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .map(|id| {
            let clean: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .take(64)
                .collect();
            let clean = if clean.is_empty() {
                "athlete".to_string()
            } else {
                clean
            };
            let mut name = format!("athlete-{clean}.html");
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("athlete-{clean}-{n}.html");
                n += 1;
            }
            name
        })
        .collect()
}

fn hours(secs: f64) -> String {
    crate::chart::duration_text(secs)
}

fn f0(x: f64) -> String {
    if x.is_finite() {
        // No "-0" for a TSB of -0.3.
        format!("{:.0}", if x.round() == 0.0 { 0.0 } else { x })
    } else {
        String::new()
    }
}

fn km(m: f64) -> String {
    if m > 0.0 {
        format!("{:.1}", m / 1000.0)
    } else {
        String::new()
    }
}

fn pct_cells(t: &Totals) -> Vec<Td> {
    match t.zone_pct() {
        Some(p) => p.iter().map(|x| Td::num(f0(*x))).collect(),
        None => ZONE_GROUPS.iter().map(|_| Td::num("")).collect(),
    }
}

/// The CSS class of a verdict: ok, a warning only, or a finding.
fn verdict_class(row: &AuditRow) -> &'static str {
    if row.judgement.has_finding() {
        "bad"
    } else if row.judgement.is_ok() {
        "ok"
    } else {
        "warn"
    }
}

fn index_page(
    athletes: &[AthleteReport],
    names: &[String],
    opts: &SiteOptions,
    end: NaiveDate,
) -> String {
    // The order of `hrzones roster --since 7d`: attention reasons, findings, TSB, id.
    let mut rows7: Vec<AthleteOverview> = athletes.iter().map(|a| a.overview_7d.clone()).collect();
    sort_by_attention(&mut rows7);
    let headers = [
        ("Athlete", true),
        ("Sessions", false),
        ("Hours", false),
        ("hrTSS", false),
        ("28 d hrTSS", false),
        ("CTL", false),
        ("ATL", false),
        ("TSB", false),
        ("Recovery findings", false),
        ("Easy runs in Z1", false),
        ("Data warnings", false),
    ];
    let rows: Vec<(Vec<Td>, Option<String>)> = rows7
        .iter()
        .filter_map(|o| {
            let i = athletes
                .iter()
                .position(|a| a.overview_7d.athlete == o.athlete)?;
            let a = &athletes[i];
            let link = format!(
                "<a href=\"{}\">{}</a>",
                html::attr(&names[i]),
                text(&a.athlete.name)
            );
            let opt = |v: Option<f64>| v.map(f0).unwrap_or_default();
            let findings = Td::html(
                format!(
                    "<span class=\"{}\">{} of {}</span>",
                    if o.recovery_findings > 0 { "bad" } else { "ok" },
                    o.recovery_findings,
                    o.recovery_runs
                ),
                "",
            );
            let warnings = o.quality_warnings + o.unreadable_files;
            let cells = vec![
                Td::html(link, "t").titled(a.athlete.id.clone()),
                Td::num(o.sessions.to_string()),
                Td::num(format!("{:.1}", o.hours)),
                Td::num(f0(o.hr_tss)),
                Td::num(f0(a.overview_28d.hr_tss)),
                Td::num(opt(o.ctl)),
                Td::num(opt(o.atl)),
                Td::num(opt(o.tsb)),
                findings,
                Td::num(match o.easy_z1_pct {
                    Some(p) => format!("{} of {} ({} %)", o.easy_in_z1, o.easy_runs, f0(p)),
                    None => "–".into(),
                }),
                Td::html(
                    format!(
                        "<span class=\"{}\">{}</span>",
                        if warnings > 0 { "warn" } else { "muted" },
                        warnings
                    ),
                    "",
                ),
            ];
            let detail = if o.attention.is_empty() {
                "<span class=\"ok\">Nothing stands out.</span>".to_string()
            } else {
                let mut d = format!(
                    "<span class=\"warn\">Attention:</span> {}",
                    text(&o.attention.join("; "))
                );
                if !o.findings.is_empty() {
                    let _ = write!(d, ". Recovery: {}", text(&o.findings.join("; ")));
                }
                d
            };
            Some((cells, Some(detail)))
        })
        .collect();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2 id=\"roster\">Roster</h2>\n<p>{} athlete{}, the 7 days to {end} (hrTSS also over 28 days); CTL, ATL and TSB on {end}. Who needs attention first: more reasons, then more recovery findings, then the lowest form (TSB) — the order of <code>hrzones roster --since 7d</code>.</p>\n",
        athletes.len(),
        if athletes.len() == 1 { "" } else { "s" },
    );
    body.push_str(&html::table_with_details("roster", "", &headers, &rows));
    body.push_str(
        "<p class=\"note\">hrTSS: 100 = one hour at the lactate threshold heart rate. CTL (fitness) and ATL (fatigue): 42- and 7-day exponential averages of the daily hrTSS; TSB (form) = yesterday's CTL − ATL. A recovery run has a finding when it was too long, drifted out of Zone 1, came without a hard session before it, or went over the distance limit. Easy runs in Z1: easy runs (as <code>hrzones summary</code> classes them) that stayed below the first threshold.</p>\n",
    );
    html::page(
        &opts.title,
        &opts.title,
        &format!("{} athletes · to {end}", athletes.len()),
        &body,
    )
}

fn athlete_page(a: &AthleteReport, opts: &SiteOptions, end: NaiveDate) -> String {
    let (o7, o28) = (&a.overview_7d, &a.overview_28d);
    let mut body = String::new();
    body.push_str(
        "<nav class=\"toc\"><a href=\"index.html\">← Roster</a><a href=\"#weeks\">Recent weeks</a><a href=\"#recovery\">Recovery runs</a><a href=\"#load\">Load</a><a href=\"#zones\">Zones</a><a href=\"#quality\">Data quality</a></nav>\n",
    );
    // Cards.
    body.push_str("<div class=\"cards\">");
    for (key, o) in [("Last 7 days", o7), ("Last 28 days", o28)] {
        body.push_str(&card(
            key,
            &hours(o.hours * 3600.0),
            &format!("{} sessions · {} hrTSS", o.sessions, f0(o.hr_tss)),
        ));
    }
    if let (Some(ctl), Some(atl), Some(tsb)) = (o7.ctl, o7.atl, o7.tsb) {
        body.push_str(&card("Fitness (CTL)", &f0(ctl), &format!("on {end}")));
        body.push_str(&card("Fatigue (ATL)", &f0(atl), &format!("on {end}")));
        body.push_str(&card("Form (TSB)", &f0(tsb), "CTL − ATL, the day before"));
    }
    body.push_str(&card(
        "Recovery runs, 28 days",
        &format!("{} of {}", o28.recovery_findings, o28.recovery_runs),
        "with a finding",
    ));
    body.push_str("</div>\n");

    weeks_section(&mut body, a, opts, end);
    recovery_section(&mut body, a);
    load_section(&mut body, a, end);
    zones_section(&mut body, a, opts, end);
    quality_section(&mut body, a);

    html::page(
        &format!("{} · {}", a.athlete.name, opts.title),
        &a.athlete.name,
        &format!("To {end} · {}", a.files_line),
        &body,
    )
}

fn weeks_section(body: &mut String, a: &AthleteReport, opts: &SiteOptions, end: NaiveDate) {
    let weeks = recent_weeks(end, opts.weeks);
    let first = weeks.first().copied().unwrap_or(end);
    let _ = write!(
        body,
        "<h2 id=\"weeks\">Recent weeks</h2>\n<p>The {} ISO weeks to {end}, newest first; time in zone as a share of the heart-rate time, in each session's own zones; CTL, ATL and TSB on the week's last day.</p>\n",
        weeks.len()
    );
    let pmc = daily_pmc(&a.sessions, end);
    let pmc_on = |d: NaiveDate| pmc.iter().find(|p| p.date == d);
    let mut headers = vec![
        ("Week of", true),
        ("Sessions", false),
        ("Time", false),
        ("km", false),
        ("hrTSS", false),
    ];
    let zone_headers: Vec<String> = ZONE_GROUPS.iter().map(|z| format!("{z} %")).collect();
    headers.extend(zone_headers.iter().map(|z| (z.as_str(), false)));
    headers.extend([("CTL", false), ("ATL", false), ("TSB", false)]);
    let rows: Vec<Vec<Td>> = weeks
        .iter()
        .rev()
        .map(|&monday| {
            let last = (monday + chrono::Duration::days(6)).min(end);
            let t = Totals::between(&a.sessions, monday, last);
            let p = pmc_on(last);
            let mut row = vec![
                Td::text(monday.to_string()),
                Td::num(t.sessions.to_string()),
                Td::num(hours(t.timer_s)),
                Td::num(km(t.distance_m)),
                Td::num(f0(t.hr_tss)),
            ];
            row.extend(pct_cells(&t));
            row.extend([
                Td::num(p.map(|p| f0(p.ctl)).unwrap_or_default()),
                Td::num(p.map(|p| f0(p.atl)).unwrap_or_default()),
                Td::num(p.map(|p| f0(p.tsb)).unwrap_or_default()),
            ]);
            row
        })
        .collect();
    body.push_str(&table("weeks", "", &headers, &rows));
    let weekly = WeeklyZonesInput::from_sessions(a.sessions.iter().filter_map(|s| {
        let d = s.date.filter(|d| *d >= first && *d <= end)?;
        Some((d, s.sport.as_str(), s.secs_in_zone.as_deref()?))
    }));
    figure(
        body,
        "weekly-zones",
        chart::weekly_zones_bytes(&weekly, ChartFormat::Svg),
        "Hours per week in each zone, per sport",
    );
}

/// A chart in a figure, or a line saying why there is none.
fn figure(body: &mut String, id: &str, svg: Result<Vec<u8>, ChartError>, caption: &str) {
    match svg {
        Ok(bytes) => {
            let _ = writeln!(
                body,
                "<figure id=\"{}\">{}<figcaption>{}</figcaption></figure>",
                html::attr(id),
                html::inline_svg(&String::from_utf8_lossy(&bytes), caption),
                text(caption)
            );
        }
        Err(e) => {
            let _ = writeln!(
                body,
                "<p class=\"note\">{}: no chart ({}).</p>",
                text(caption),
                text(&e.to_string())
            );
        }
    }
}

fn start_html(row: &AuditRow) -> String {
    match &row.run.start {
        Some(rfc) => {
            let shown = rfc.get(..16).unwrap_or(rfc).replace('T', " ");
            format!(
                "<time datetime=\"{}\">{}</time>",
                html::attr(rfc),
                text(&shown)
            )
        }
        None => "<span class=\"muted\">no date</span>".into(),
    }
}

fn recovery_section(body: &mut String, a: &AthleteReport) {
    let s = &a.audit.summary;
    let _ = write!(
        body,
        "<h2 id=\"recovery\">Recovery runs</h2>\n<p>{} runs labelled recovery: {} of {} checked stayed in Zone 1, {} short enough, {} of {} after a hard session, {} passed every rule.</p>\n",
        s.labelled, s.stayed_in_z1, s.zone_checked, s.short_enough, s.after_hard_day, s.context_checked, s.ok
    );
    if a.audit.rows.is_empty() {
        body.push_str("<p class=\"note\">No run is labelled recovery (by workout name, sport name, a Strava name or the file name).</p>\n");
        return;
    }
    let headers = [
        ("Start (UTC)", true),
        ("Verdict", true),
        ("Min", false),
        ("km", false),
        ("Avg HR", false),
        ("≤ Z1 %", false),
        ("Chart", true),
        ("Label", true),
        ("File", true),
    ];
    // Newest first; the charted ones link to their figure below.
    let mut chart_ids = Vec::new();
    let rows: Vec<(Vec<Td>, Option<String>)> = a
        .audit
        .rows
        .iter()
        .enumerate()
        .rev()
        .map(|(i, row)| {
            let key = (row.run.file.clone(), row.run.session);
            let chart = if a.run_charts.contains_key(&key) {
                chart_ids.push((i, row));
                Td::html(format!("<a href=\"#run-{i}\">chart</a>"), "t")
            } else {
                Td::text("")
            };
            let ev = row.run.facts.evidence.as_ref();
            let cells = vec![
                Td::html(start_html(row), "t"),
                Td::html(
                    format!(
                        "<span class=\"{}\">{}</span>",
                        verdict_class(row),
                        text(&row.judgement.verdict_text(&a.rules))
                    ),
                    "t verdict",
                ),
                Td::num(f0(row.run.facts.timer_s / 60.0)),
                Td::num(row.run.facts.distance_m.map(km).unwrap_or_default()),
                Td::num(ev.and_then(|e| e.avg_hr_bpm).map(f0).unwrap_or_default()),
                Td::num(
                    ev.and_then(|e| e.pct_z1_or_below())
                        .map(f0)
                        .unwrap_or_default(),
                ),
                chart,
                Td::text(
                    row.run
                        .label
                        .as_ref()
                        .map(|l| l.text.as_str())
                        .unwrap_or(""),
                ),
                Td::text(base_name(&row.run.file)).titled(row.run.file.clone()),
            ];
            let mut detail = text(&row.judgement.reason);
            if let Some(note) = &row.run.note {
                let _ = write!(detail, " <span class=\"muted\">Note: {}</span>", text(note));
            }
            (cells, Some(detail))
        })
        .collect();
    body.push_str(&html::table_with_details("audit", "", &headers, &rows));
    let _ = writeln!(
        body,
        "<p class=\"note\">The audit's {}.</p>",
        text(&a.rules.describe())
    );
    if !chart_ids.is_empty() {
        let _ = writeln!(body, "<h3>The latest {} audited runs</h3>", chart_ids.len());
    }
    for (i, row) in chart_ids {
        let key = (row.run.file.clone(), row.run.session);
        let Some(svg) = a.run_charts.get(&key) else {
            continue;
        };
        let caption = format!(
            "{} · {} · {} — {}",
            row.run
                .start
                .as_deref()
                .and_then(|s| s.get(..16))
                .map(|s| s.replace('T', " "))
                .unwrap_or_else(|| "no date".into()),
            base_name(&row.run.file),
            row.judgement.verdict_text(&a.rules),
            row.judgement.reason
        );
        let _ = writeln!(
            body,
            "<figure id=\"run-{i}\">{}<figcaption>{}</figcaption></figure>",
            html::inline_svg(svg, &caption),
            text(&caption)
        );
    }
}

fn load_section(body: &mut String, a: &AthleteReport, end: NaiveDate) {
    body.push_str("<h2 id=\"load\">Load</h2>\n");
    let days = daily_pmc(&a.sessions, end);
    let from = end - chrono::Duration::days(PMC_DAYS - 1);
    let shown: Vec<chart::PmcDay> = days.into_iter().filter(|d| d.date >= from).collect();
    let _ = writeln!(
        body,
        "<p>Fitness (CTL, 42 days), fatigue (ATL, 7 days) and form (TSB) from the daily hrTSS{}; recovery runs with a finding are marked.</p>",
        if shown.len() as i64 == PMC_DAYS {
            ", the last 365 days"
        } else {
            ""
        }
    );
    let findings = a
        .audit
        .rows
        .iter()
        .filter(|r| !r.judgement.is_ok())
        .filter_map(|r| {
            let d = chrono::DateTime::from_timestamp(r.run.start_unix_s?, 0)?.date_naive();
            (d >= from && d <= end).then(|| PmcFinding {
                date: d,
                label: r.judgement.verdict_text(&a.rules),
            })
        })
        .collect();
    let input = PmcInput {
        days: shown,
        findings,
    };
    figure(
        body,
        "pmc",
        chart::pmc_bytes(&input, ChartFormat::Svg),
        "Fitness, fatigue and form (CTL, ATL, TSB)",
    );
}

fn zones_section(body: &mut String, a: &AthleteReport, opts: &SiteOptions, end: NaiveDate) {
    let weeks = recent_weeks(end, opts.weeks);
    let first = weeks.first().copied().unwrap_or(end);
    body.push_str("<h2 id=\"zones\">Zones</h2>\n<p>Time in zone per sport, as a share of the heart-rate time, in each session's own zones (the watch's, the profile's or the flags').</p>\n");
    let mut headers = vec![
        ("Sport", true),
        ("Sessions", false),
        ("Time", false),
        ("km", false),
        ("hrTSS", false),
    ];
    let zone_headers: Vec<String> = ZONE_GROUPS.iter().map(|z| format!("{z} %")).collect();
    headers.extend(zone_headers.iter().map(|z| (z.as_str(), false)));
    for (caption, from) in [
        (format!("The {} weeks to {end}", weeks.len()), Some(first)),
        ("Every session read".to_string(), None),
    ] {
        let rows: Vec<Vec<Td>> = totals_by_sport(&a.sessions, from, end)
            .iter()
            .map(|(sport, t)| {
                let mut row = vec![
                    Td::text(sport),
                    Td::num(t.sessions.to_string()),
                    Td::num(hours(t.timer_s)),
                    Td::num(km(t.distance_m)),
                    Td::num(f0(t.hr_tss)),
                ];
                row.extend(pct_cells(t));
                row
            })
            .collect();
        let _ = writeln!(body, "<h3>{}</h3>", text(&caption));
        if rows.is_empty() {
            body.push_str("<p class=\"note\">No session.</p>\n");
        } else {
            body.push_str(&table("zones", "", &headers, &rows));
        }
    }
}

fn quality_section(body: &mut String, a: &AthleteReport) {
    let _ = writeln!(
        body,
        "<h2 id=\"quality\">Data quality</h2>\n<p>Files: {}.</p>",
        text(&a.files_line)
    );
    if a.problems.is_empty() {
        body.push_str("<p class=\"note\">Nothing to report.</p>\n");
        return;
    }
    body.push_str("<ul class=\"note\">\n");
    for p in a.problems.iter().take(MAX_PROBLEMS_SHOWN) {
        let _ = writeln!(body, "<li>{}</li>", text(p));
    }
    if a.problems.len() > MAX_PROBLEMS_SHOWN {
        let _ = writeln!(
            body,
            "<li>… and {} more (run hrzones on the inputs to see them all)</li>",
            a.problems.len() - MAX_PROBLEMS_SHOWN
        );
    }
    body.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_are_plain_and_distinct() {
        let names = page_names(["anna", "../x", "Anna", "", "b c"]);
        assert_eq!(
            names,
            [
                "athlete-anna.html",
                "athlete-___x.html",
                "athlete-anna-2.html",
                "athlete-athlete.html",
                "athlete-b_c.html"
            ]
        );
    }
}
