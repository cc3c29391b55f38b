//! The dashboard page: one self-contained HTML document.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::charts::{self, Layout, Series};
use super::{Dashboard, EpochPoint};
use crate::adoption::GateState;

/// Text escaped for HTML (element content and attribute values).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:1rem;\
color:#1a1a1a;background:#f6f7f9;line-height:1.4}\
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0 0 .5rem}\
.sub{color:#555;margin:0 0 1rem}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:1rem}\
.card{background:#fff;border:1px solid #d8dce1;border-radius:6px;padding:.75rem;overflow-x:auto}\
.card svg{width:100%;height:auto;display:block}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
.state{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-weight:600;background:#e8eef7}\
.failed{background:#fde2e1}.active{background:#dff3e4}.locked_in{background:#fff2cc}\
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:middle}\
code{word-break:break-all}";

/// The page.
pub(super) fn page(dashboard: &Dashboard) -> String {
    let mut out = String::new();
    let era = escape(dashboard.era.as_str());
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    if let Some(seconds) = dashboard.refresh_seconds {
        let _ = writeln!(out, "<meta http-equiv=\"refresh\" content=\"{seconds}\">");
    }
    let _ = writeln!(
        out,
        "<title>Adoption of {era} at epoch {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        dashboard.epoch.0
    );
    let _ = writeln!(
        out,
        "<h1>Adoption of {era}, epoch {}</h1>\n<p class=\"sub\">{} signers registered; target: P(no certificate) at most {:.0e}{}</p>",
        dashboard.epoch.0,
        dashboard.report.tally.signers,
        dashboard.target_failure,
        dashboard
            .refresh_seconds
            .map_or_else(String::new, |seconds| format!(
                "; refreshes every {seconds} s"
            )),
    );
    gate_section(&mut out, dashboard);
    out.push_str("<div class=\"grid\">\n");
    charts_section(&mut out, dashboard);
    out.push_str("</div>\n<div class=\"grid\" style=\"margin-top:1rem\">\n");
    schedule_section(&mut out, dashboard);
    not_ready_section(&mut out, dashboard);
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

fn gate_section(out: &mut String, dashboard: &Dashboard) {
    out.push_str("<section class=\"card\" aria-label=\"gate\" style=\"margin-bottom:1rem\">\n<h2>Gate</h2>\n");
    match &dashboard.report.gate {
        Some(gate) => {
            let state = gate.state.name();
            let _ = writeln!(
                out,
                "<p><span class=\"state {state}\">{state}</span> ready epochs in a row: {}{}</p>",
                gate.ready_streak,
                gate.proposed_activation
                    .map_or_else(String::new, |at| format!(
                        "; proposed activation: epoch {}",
                        at.0
                    )),
            );
            // What the gate waits for: the latest verdict while it judges; once the era is
            // active, since when.
            let explanation = match (gate.state, gate.activation) {
                (GateState::Active, Some(at)) => {
                    Some(format!("{} active since epoch {}", dashboard.era, at.0))
                }
                (GateState::Active | GateState::Failed, _) => None,
                _ => gate.explanation.clone().or_else(|| {
                    dashboard
                        .history
                        .iter()
                        .rev()
                        .find_map(|point| point.gate.as_ref()?.explanation.clone())
                }),
            };
            if let Some(explanation) = explanation {
                let _ = writeln!(out, "<p id=\"explanation\">{}</p>", escape(&explanation));
            }
            if let Some(reason) = &gate.failure_reason {
                let _ = writeln!(
                    out,
                    "<p id=\"failure\"><strong>Failed:</strong> {}</p>",
                    escape(reason)
                );
            }
        }
        None => out.push_str("<p>No gate.</p>\n"),
    }
    if let Some(readiness) = &dashboard.report.readiness {
        let _ = writeln!(
            out,
            "<p>Ready (declared, counted, signed recently): {}; P(no certificate) if only it signs, less the margin: {:.1e}</p>",
            percent(readiness.ready_share),
            readiness.odds.failure
        );
    }
    out.push_str("</section>\n");
}

/// Every name that appears in `by` at some epoch, in order.
fn names<'a>(
    history: &'a [EpochPoint],
    by: impl Fn(&'a EpochPoint) -> &'a std::collections::BTreeMap<String, f64>,
) -> Vec<&'a str> {
    let set: BTreeSet<&str> = history
        .iter()
        .flat_map(|point| by(point).keys().map(String::as_str))
        .collect();
    set.into_iter().collect()
}

fn series<'a>(
    history: &'a [EpochPoint],
    by: impl Fn(&'a EpochPoint) -> &'a std::collections::BTreeMap<String, f64> + Copy,
) -> Vec<Series> {
    names(history, by)
        .into_iter()
        .map(|name| Series {
            name: name.to_owned(),
            values: history
                .iter()
                .map(|point| by(point).get(name).copied().unwrap_or(0.0))
                .collect(),
        })
        .collect()
}

fn chart_card(out: &mut String, label: &str, chart: Result<String, String>, table: &str) {
    let _ = writeln!(
        out,
        "<section class=\"card\" aria-label=\"{}\">",
        escape(label)
    );
    match chart {
        Ok(svg) => {
            let _ = writeln!(
                out,
                "<figure role=\"img\" aria-label=\"{}\" style=\"margin:0\">{svg}</figure>",
                escape(label)
            );
        }
        Err(error) => {
            let _ = writeln!(
                out,
                "<p>The chart could not be drawn: {}</p>",
                escape(&error)
            );
        }
    }
    out.push_str(table);
    out.push_str("</section>\n");
}

/// The latest value of each series, each beside its colour.
fn legend_table(series: &[Series], format: impl Fn(f64) -> String) -> String {
    let mut table = String::from(
        "<table><thead><tr><th>at the latest epoch</th><th class=\"num\">value</th></tr></thead><tbody>",
    );
    for (index, line) in series.iter().enumerate() {
        let _ = write!(
            table,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td class=\"num\">{}</td></tr>",
            charts::css(charts::colour(index)),
            escape(&line.name),
            line.latest().map_or_else(|| "-".to_owned(), &format)
        );
    }
    table.push_str("</tbody></table>\n");
    table
}

fn charts_section(out: &mut String, dashboard: &Dashboard) {
    let history = &dashboard.history;
    let epochs: Vec<u64> = history.iter().map(|point| point.epoch.0).collect();
    let marker_label;
    let marker = match dashboard.report.gate.as_ref() {
        Some(gate) => match (gate.activation, gate.proposed_activation) {
            (Some(at), _) => {
                marker_label = format!("{} scheduled", dashboard.era);
                Some((at.0, marker_label.as_str()))
            }
            (None, Some(at)) => {
                marker_label = format!("{} proposed", dashboard.era);
                Some((at.0, marker_label.as_str()))
            }
            (None, None) => None,
        },
        None => None,
    };

    let software = series(history, |point| &point.by_software_version);
    chart_card(
        out,
        "Stake by software version",
        charts::shares(
            "Stake by software version",
            &epochs,
            &software,
            Layout::Stacked,
            marker,
        ),
        &legend_table(&software, percent),
    );
    let wire = series(history, |point| &point.by_wire);
    chart_card(
        out,
        "Stake by wire the registration arrived on",
        charts::shares(
            "Stake by wire version",
            &epochs,
            &wire,
            Layout::Stacked,
            marker,
        ),
        &legend_table(&wire, percent),
    );
    let mut ready = series(history, |point| &point.ready_by_provenance);
    if history.iter().any(|point| {
        point
            .gate
            .as_ref()
            .is_some_and(|gate| gate.proven_share.is_some())
    }) {
        ready.push(Series {
            name: "proven (shadow signatures)".to_owned(),
            values: history
                .iter()
                .map(|point| {
                    point
                        .gate
                        .as_ref()
                        .and_then(|gate| gate.proven_share)
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        });
    }
    chart_card(
        out,
        &format!("Stake ready for {}, by provenance", dashboard.era),
        charts::shares(
            &format!("Ready for {}, by provenance", dashboard.era),
            &epochs,
            &ready,
            Layout::Lines,
            marker,
        ),
        &legend_table(&ready, percent),
    );
    let failure = Series {
        name: "P(no certificate)".to_owned(),
        values: history.iter().map(|point| point.failure).collect(),
    };
    let table = format!(
        "<table><tbody><tr><td><span class=\"swatch\" style=\"background:{}\"></span>P(no certificate), latest</td><td class=\"num\">{:.1e}</td></tr><tr><td><span class=\"swatch\" style=\"background:{}\"></span>target</td><td class=\"num\">{:.0e}</td></tr></tbody></table>\n",
        charts::css(charts::colour(0)),
        failure.values.last().copied().unwrap_or(1.0),
        charts::css(charts::colour(5)),
        dashboard.target_failure
    );
    chart_card(
        out,
        "Probability of an epoch without a certificate",
        charts::probability(
            "P(no certificate) if only the ready stake signs",
            &epochs,
            &failure,
            dashboard.target_failure,
            marker,
        ),
        &table,
    );
    // The gate's verdicts, epoch by epoch.
    let logged: Vec<&EpochPoint> = history
        .iter()
        .filter(|point| point.gate.is_some())
        .collect();
    if !logged.is_empty() {
        out.push_str("<section class=\"card\" aria-label=\"gate history\"><h2>Gate, epoch by epoch</h2><table><thead><tr><th class=\"num\">epoch</th><th>state</th><th>verdict</th></tr></thead><tbody>");
        for point in logged.iter().rev() {
            let gate = point.gate.as_ref().expect("filtered");
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                point.epoch.0,
                gate.state.name(),
                escape(gate.explanation.as_deref().unwrap_or("-"))
            );
        }
        out.push_str("</tbody></table></section>\n");
    }
}

fn schedule_section(out: &mut String, dashboard: &Dashboard) {
    out.push_str("<section class=\"card\" aria-label=\"era schedule\"><h2>Era schedule</h2>");
    if dashboard.schedule.is_empty() {
        out.push_str("<p>No schedule read.</p>");
    } else {
        out.push_str("<table><thead><tr><th>era</th><th class=\"num\">epoch</th><th>status</th></tr></thead><tbody>");
        for entry in &dashboard.schedule {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(entry.era.as_str()),
                entry
                    .epoch
                    .map_or_else(|| "-".to_owned(), |at| at.0.to_string()),
                escape(&entry.status)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");
}

fn not_ready_section(out: &mut String, dashboard: &Dashboard) {
    let _ = write!(
        out,
        "<section class=\"card\" aria-label=\"largest pools not ready\"><h2>Largest pools not ready for {}</h2>",
        escape(dashboard.era.as_str())
    );
    if dashboard.not_ready.is_empty() {
        out.push_str("<p>Every registered pool is ready.</p>");
    } else {
        out.push_str("<table><thead><tr><th>pool</th><th class=\"num\">stake</th><th>software</th><th>why</th></tr></thead><tbody>");
        for pool in &dashboard.not_ready {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(pool.party_id.as_str()),
                percent(pool.share),
                escape(&pool.software_version),
                escape(&pool.reason)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_what_html_reads_as_markup() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
