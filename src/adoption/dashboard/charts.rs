//! The dashboard's charts: SVG text drawn with plotters' SVG backend (no font library: the
//! browser renders the text), each with a title, axis labels, and a legend whose entries carry
//! the latest value beside the colour.

use plotters::prelude::*;

/// Colours that stay apart for colour-blind readers (Okabe and Ito), then black.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The `index`-th colour of the palette.
pub(crate) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// The colour as CSS (`#0072b2`).
pub(crate) fn css(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

/// Chart size in SVG units; the page scales it to its column.
const SIZE: (u32, u32) = (640, 320);

/// Lowest probability drawn on a log scale (smaller ones sit on the axis).
pub(crate) const LOG_FLOOR: f64 = 1e-30;

/// A series: a name, and one value per epoch of the chart (NaN where it has none: a line skips
/// those epochs).
pub(crate) struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    /// The value at the latest epoch that has one.
    pub(crate) fn latest(&self) -> Option<f64> {
        self.values
            .iter()
            .rev()
            .copied()
            .find(|value| !value.is_nan())
    }
}

/// The epochs' range on the x axis (one epoch wide at least).
fn x_range(epochs: &[u64]) -> std::ops::Range<u64> {
    let first = epochs.first().copied().unwrap_or(0);
    let last = epochs.last().copied().unwrap_or(first);
    first..last.max(first + 1)
}

/// A vertical marker: an epoch and its label (the proposed or actual switch).
pub(crate) type Marker<'a> = Option<(u64, &'a str)>;

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// How shares are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Stacked on top of each other (they sum to at most 100%).
    Stacked,
    /// As lines (they may overlap).
    Lines,
}

/// Shares of the registered stake by epoch, stacked or as lines.
pub(crate) fn shares(
    title: &str,
    epochs: &[u64],
    series: &[Series],
    layout: Layout,
    marker: Marker<'_>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x_range(epochs), 0f64..1.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("epoch")
            .y_desc("share of registered stake")
            .y_label_formatter(&|value| format!("{:.0}%", value * 100.0))
            .x_labels(8)
            .y_labels(6)
            .draw()
            .map_err(|e| e.to_string())?;
        let mut below = vec![0.0; epochs.len()];
        for (index, one) in series.iter().enumerate() {
            let colour = colour(index);
            let label = format!(
                "{} {}",
                one.name,
                one.latest().map_or_else(|| "-".to_owned(), percent)
            );
            match layout {
                Layout::Stacked => {
                    let top: Vec<f64> = below
                        .iter()
                        .zip(&one.values)
                        .map(|(low, value)| (low + value).min(1.0))
                        .collect();
                    let mut outline: Vec<(u64, f64)> =
                        epochs.iter().copied().zip(top.clone()).collect();
                    outline.extend(epochs.iter().copied().zip(below.iter().copied()).rev());
                    chart
                        .draw_series(std::iter::once(Polygon::new(
                            outline,
                            colour.mix(0.85).filled(),
                        )))
                        .map_err(|e| e.to_string())?
                        .label(label)
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                        });
                    below = top;
                }
                Layout::Lines => {
                    chart
                        .draw_series(LineSeries::new(
                            epochs
                                .iter()
                                .copied()
                                .zip(one.values.iter().copied())
                                .filter(|(_, value)| !value.is_nan()),
                            colour.stroke_width(3),
                        ))
                        .map_err(|e| e.to_string())?
                        .label(label)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(3))
                        });
                }
            }
        }
        draw_marker(&mut chart, marker, 0.0, 1.0)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A probability on a log scale, against a target line.
pub(crate) fn probability(
    title: &str,
    epochs: &[u64],
    line: &Series,
    target: f64,
    marker: Marker<'_>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range(epochs), (LOG_FLOOR..1.0).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("epoch")
            .y_desc("probability (log scale)")
            .y_label_formatter(&|value| format!("{value:.0e}"))
            .x_labels(8)
            .y_labels(12)
            .draw()
            .map_err(|e| e.to_string())?;
        let clamp = |value: f64| value.clamp(LOG_FLOOR, 1.0);
        let stroke = colour(0);
        let latest = line.values.last().copied().unwrap_or(1.0);
        chart
            .draw_series(LineSeries::new(
                epochs
                    .iter()
                    .copied()
                    .zip(line.values.iter().copied().map(clamp)),
                stroke.stroke_width(3),
            ))
            .map_err(|e| e.to_string())?
            .label(format!("{} {latest:.1e}", line.name))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], stroke.stroke_width(3))
            });
        let range = x_range(epochs);
        let target_colour = colour(5);
        chart
            .draw_series(LineSeries::new(
                [(range.start, clamp(target)), (range.end, clamp(target))],
                target_colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(format!("target {target:.0e}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], target_colour.stroke_width(2))
            });
        draw_marker(&mut chart, marker, LOG_FLOOR, 1.0)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A dashed vertical line at the marker's epoch, when it is within the chart.
fn draw_marker<DB, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordu64, Y>>,
    marker: Marker<'_>,
    low: f64,
    high: f64,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64>,
{
    let Some((epoch, label)) = marker else {
        return Ok(());
    };
    let range = chart.x_range();
    if epoch < range.start || epoch > range.end {
        return Ok(());
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(epoch, low), (epoch, high)],
            6,
            4,
            BLACK.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?
        .label(format!("{label} (epoch {epoch})"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    Ok(())
}
