//! Charts of the demo and the simulation as SVG files (`demo --plot`, `simulate --plot`), drawn
//! with plotters' SVG backend: no font library, so the files open in any browser, which renders
//! the text. Every chart has a title and axis labels, and every legend entry its number.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::demo::DemoReport;
use crate::simulate::{Comparison, Rule};

/// Colours that stay apart for colour-blind readers (Okabe and Ito).
const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const PINK: RGBColor = RGBColor(204, 121, 167);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);

/// A named line of one colour, by epoch.
type Line<'a> = (&'a str, RGBColor, Vec<(u64, f64)>);

/// Lowest probability drawn on a log scale.
const LOG_FLOOR: f64 = 1e-30;

fn error(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// The rollout of a demo run: stake by release, verified and proven stake, and the switch
/// (above); the probability of an epoch without a certificate if only the ready stake signs,
/// declared and proven, against the target (below).
pub fn demo_svg(report: &DemoReport) -> Result<String, String> {
    let epochs: Vec<u64> = report.rows.iter().map(|row| row.epoch).collect();
    let first = epochs.first().copied().unwrap_or(1);
    let last = epochs.last().copied().unwrap_or(first).max(first + 1);
    let switch = report.activated_at;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 820)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let root = root
            .titled(
                &format!(
                    "Rolling upgrade: {} epochs, {} without a certificate{}",
                    report.rows.len(),
                    report.epochs_without_certificate,
                    switch.map_or_else(
                        || ", no switch".to_owned(),
                        |at| format!(", lagrange from epoch {at}")
                    )
                ),
                ("sans-serif", 24),
            )
            .map_err(error)?;
        let (upper, lower) = root.split_vertically(430);

        let mut chart = ChartBuilder::on(&upper)
            .caption(
                "Stake by release, and stake ready for lagrange",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(first..last, 0f64..1.0)
            .map_err(error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("epoch")
            .y_desc("share of registered stake")
            .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
            .draw()
            .map_err(error)?;
        let latest = report.rows.last();
        let v2: Vec<(u64, f64)> = report
            .rows
            .iter()
            .map(|row| (row.epoch, row.v2_software_share))
            .collect();
        let mut v2_area = v2.clone();
        v2_area.extend(epochs.iter().rev().map(|epoch| (*epoch, 0.0)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                v2_area,
                BLUE.mix(0.25).filled(),
            )))
            .map_err(error)?
            .label(format!(
                "on the upgraded release {:.1}%",
                latest.map_or(0.0, |row| row.v2_software_share) * 100.0
            ))
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 12, y + 6)], BLUE.mix(0.25).filled())
            });
        let lines: [Line<'_>; 3] = [
            (
                "on the old release",
                ORANGE,
                report
                    .rows
                    .iter()
                    .map(|row| (row.epoch, row.v1_software_share))
                    .collect(),
            ),
            (
                "declaration verified",
                PINK,
                report
                    .rows
                    .iter()
                    .map(|row| (row.epoch, row.verified_share))
                    .collect(),
            ),
            (
                "proven (shadow signatures)",
                GREEN,
                report
                    .rows
                    .iter()
                    .filter(|row| row.shadow.is_some() || row.proven_share > 0.0)
                    .filter(|row| switch.is_none_or(|at| row.epoch < at))
                    .map(|row| (row.epoch, row.proven_share))
                    .collect(),
            ),
        ];
        for (name, colour, points) in lines {
            let value = points.last().map_or(0.0, |point| point.1);
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(3)))
                .map_err(error)?
                .label(format!("{name} {:.1}%", value * 100.0))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(3))
                });
        }
        if let Some(at) = switch {
            chart
                .draw_series(DashedLineSeries::new(
                    [(at, 0.0), (at, 1.0)],
                    6,
                    4,
                    BLACK.stroke_width(2),
                ))
                .map_err(error)?
                .label(format!("lagrange active (epoch {at})"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(error)?;

        let mut chart = ChartBuilder::on(&lower)
            .caption(
                "P(no certificate) if only the ready stake, less the margin, signs",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(first..last, (LOG_FLOOR..1.0).log_scale())
            .map_err(error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("epoch")
            .y_desc("probability (log scale)")
            .y_label_formatter(&|value| format!("{value:.0e}"))
            .y_labels(12)
            .draw()
            .map_err(error)?;
        let clamp = |value: f64| value.clamp(LOG_FLOOR, 1.0);
        let declared: Vec<(u64, f64)> = report
            .rows
            .iter()
            .map(|row| (row.epoch, clamp(row.failure_probability)))
            .collect();
        let proven: Vec<(u64, f64)> = report
            .rows
            .iter()
            .filter_map(|row| Some((row.epoch, clamp(row.proven_failure?))))
            .collect();
        for (name, colour, points) in [
            ("declared ready (verified, signing)", PINK, declared),
            ("proven ready (the gate's)", GREEN, proven),
        ] {
            let value = points.last().map_or(1.0, |point| point.1);
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(3)))
                .map_err(error)?
                .label(format!("{name} {value:.1e}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(3))
                });
        }
        chart
            .draw_series(LineSeries::new(
                [(first, 1e-9), (last, 1e-9)],
                VERMILLION.stroke_width(2),
            ))
            .map_err(error)?
            .label("target 1e-9")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], VERMILLION.stroke_width(2))
            });
        if let Some(at) = switch {
            chart
                .draw_series(DashedLineSeries::new(
                    [(at, LOG_FLOOR), (at, 1.0)],
                    6,
                    4,
                    BLACK.stroke_width(2),
                ))
                .map_err(error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(error)?;
        root.present().map_err(error)?;
    }
    Ok(svg)
}

fn rule_colour(rule: Rule) -> RGBColor {
    match rule {
        Rule::QuorumAware => BLUE,
        Rule::Flat95 => ORANGE,
        Rule::Omniscient => GREEN,
    }
}

/// The simulation: the activation epochs of each rule in each scenario (box plots: minimum,
/// quartiles, median, maximum, with the runs never activated), and the runs with an epoch
/// without a certificate the switch caused.
pub fn simulation_svg(comparisons: &[Comparison]) -> Result<String, String> {
    let rows: Vec<&Comparison> = comparisons.iter().collect();
    let labels: Vec<String> = rows
        .iter()
        .map(|comparison| {
            format!(
                "{} / {}",
                comparison.scenario.name(),
                comparison.rule.name()
            )
        })
        .collect();
    let seeds = rows.first().map_or(0, |comparison| comparison.seeds);
    let max_epoch = rows
        .iter()
        .filter_map(|comparison| comparison.activation_epochs.last())
        .max()
        .copied()
        .unwrap_or(1) as f64;
    let max_gaps = rows
        .iter()
        .map(|comparison| comparison.runs_with_a_caused_gap)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = 140 + 26 * rows.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, height)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let root = root
            .titled(
                &format!("Era rollout simulation: {seeds} runs per scenario"),
                ("sans-serif", 24),
            )
            .map_err(error)?;
        let (left, right) = root.split_horizontally(760);
        let count = rows.len();
        let label_of = |value: &SegmentValue<usize>| match value {
            // The first row on top.
            SegmentValue::CenterOf(position) | SegmentValue::Exact(position) => count
                .checked_sub(position + 1)
                .and_then(|index| labels.get(index).cloned())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };

        let mut chart = ChartBuilder::on(&left)
            .caption(
                "Activation epoch (line: first to last; bar: quartiles; dot: median)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(250)
            .build_cartesian_2d(0f64..max_epoch + 14.0, (0..count).into_segmented())
            .map_err(error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("activation epoch (the release ships at epoch 1)")
            .x_label_formatter(&|epoch| format!("{epoch:.0}"))
            .y_desc("scenario / rule")
            .y_labels(count)
            .y_label_formatter(&label_of)
            .draw()
            .map_err(error)?;
        for (index, comparison) in rows.iter().enumerate() {
            // The first row on top.
            let position = count - 1 - index;
            let row = || SegmentValue::CenterOf(position);
            let colour = rule_colour(comparison.rule);
            let epochs = &comparison.activation_epochs;
            let (Some(first), Some(last)) = (epochs.first(), epochs.last()) else {
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("never activated ({} runs)", comparison.never_activated),
                        (0.5, row()),
                        ("sans-serif", 13).into_font().color(&colour),
                    )))
                    .map_err(error)?;
                continue;
            };
            // Sorted: the quartiles are order statistics.
            let at = |q: f64| epochs[((epochs.len() - 1) as f64 * q).round() as usize] as f64;
            let median = at(0.5);
            chart
                .draw_series([
                    PathElement::new(
                        vec![(*first as f64, row()), (*last as f64, row())],
                        colour.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(at(0.25) - 0.15, row()), (at(0.75) + 0.15, row())],
                        colour.mix(0.6).stroke_width(12),
                    ),
                ])
                .map_err(error)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (median, row()),
                    5,
                    WHITE.filled(),
                )))
                .map_err(error)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (median, row()),
                    5,
                    colour.stroke_width(2),
                )))
                .map_err(error)?;
            let note = if comparison.never_activated > 0 {
                format!("median {median}; {} never", comparison.never_activated)
            } else {
                format!("median {median}")
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    note,
                    (*last as f64 + 0.8, row()),
                    ("sans-serif", 13).into_font().color(&colour),
                )))
                .map_err(error)?;
        }

        let mut chart = ChartBuilder::on(&right)
            .caption(
                "Runs with an epoch without a certificate, caused by the switch",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(10)
            .build_cartesian_2d(0f64..max_gaps * 1.7, (0..count).into_segmented())
            .map_err(error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("runs")
            // Rows are named on the left chart (asking plotters for no label at all on a
            // segmented axis never returns).
            .y_labels(count)
            .y_label_formatter(&|_| String::new())
            .draw()
            .map_err(error)?;
        for (index, comparison) in rows.iter().enumerate() {
            let position = count - 1 - index;
            let colour = rule_colour(comparison.rule);
            let runs = comparison.runs_with_a_caused_gap as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(position)),
                        (runs, SegmentValue::Exact(position + 1)),
                    ],
                    colour.mix(0.8).filled(),
                )))
                .map_err(error)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(
                        "{} runs ({} epochs)",
                        comparison.runs_with_a_caused_gap,
                        comparison.epochs_without_certificate_caused
                    ),
                    (runs + max_gaps * 0.02, SegmentValue::CenterOf(position)),
                    ("sans-serif", 13).into_font().color(&BLACK),
                )))
                .map_err(error)?;
        }
        root.present().map_err(error)?;
    }
    Ok(svg)
}
