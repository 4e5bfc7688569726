//! `zlist bench --plot DIR`: the results drawn as SVG charts (with `plotters`): round trips
//! per second against clients with the echo floor, and each large-list operation's time
//! against the list's size, log-log, zlist beside the seed's server and Redis.

use std::path::{Path, PathBuf};
use std::time::Duration;

use plotters::prelude::*;

use crate::bench::large::{LargeReport, Operation};
use crate::bench::roundtrip::RoundTripReport;

/// The file of the round-trip chart.
pub const ROUNDTRIP_FILE: &str = "roundtrip.svg";

/// The file of the large-list charts.
pub const LARGE_FILE: &str = "large-lists.svg";

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The directory could not be made.
    #[error("cannot create {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Drawing or writing the SVG file failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The file.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
}

/// One line of a chart: its name, colour and points.
struct Series {
    name: &'static str,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
}

/// Draws the charts of the reports given into `dir` (made if missing); returns the files
/// written.
pub fn draw(
    dir: &Path,
    roundtrip: Option<&RoundTripReport>,
    large: Option<&LargeReport>,
) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Directory {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    let mut write = |file: &str, draw: &dyn Fn(&Path) -> Result<(), String>| {
        let path = dir.join(file);
        draw(&path).map_err(|message| PlotError::Draw {
            path: path.clone(),
            message,
        })?;
        written.push(path);
        Ok::<_, PlotError>(())
    };
    if let Some(report) = roundtrip.filter(|r| !r.results.is_empty()) {
        write(ROUNDTRIP_FILE, &|path| draw_roundtrip(path, report))?;
    }
    if let Some(report) = large.filter(|r| !r.results.is_empty()) {
        write(LARGE_FILE, &|path| draw_large(path, report))?;
    }
    Ok(written)
}

/// Round trips per second against clients: the REP echo (the floor), the ROUTER echo and
/// the zlist server.
fn draw_roundtrip(path: &Path, report: &RoundTripReport) -> Result<(), String> {
    let pick = |which: fn(&crate::bench::roundtrip::ClientsResult) -> f64| {
        report
            .results
            .iter()
            .map(|r| (r.clients as f64, which(r)))
            .collect::<Vec<_>>()
    };
    let series = [
        Series {
            name: "bare REP echo (the floor)",
            colour: RGBColor(120, 120, 120),
            points: pick(|r| r.floor.throughput()),
        },
        Series {
            name: "ROUTER echo",
            colour: RGBColor(230, 159, 0),
            points: pick(|r| r.router.throughput()),
        },
        Series {
            name: "zlist server",
            colour: RGBColor(0, 114, 178),
            points: pick(|r| r.server.throughput()),
        },
    ];
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (x_max, y_max) = series
        .iter()
        .flat_map(|s| &s.points)
        .fold((1.0_f64, 1.0_f64), |(x, y), &(px, py)| {
            (x.max(px), y.max(py))
        });
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Small requests: round trips per second over loopback",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d((1.0..x_max * 1.5).log_scale(), 0.0..y_max * 1.15)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_desc("concurrent clients (REQ sockets)")
        .y_desc("round trips / s")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{:.0}k", y / 1000.0))
        .draw()
        .map_err(|e| e.to_string())?;
    draw_series(&mut chart, &series, SeriesLabelPosition::LowerRight)?;
    root.present().map_err(|e| e.to_string())
}

/// One panel per large-list operation: its time against the list's size, log-log.
fn draw_large(path: &Path, report: &LargeReport) -> Result<(), String> {
    let operations: Vec<Operation> = Operation::ON_APPENDED
        .into_iter()
        .chain(Operation::ON_SHUFFLED)
        .collect();
    let columns = 3;
    let rows = operations.len().div_ceil(columns);
    let root = SVGBackend::new(path, (1500, 430 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let root = root
        .titled(
            "Large lists: time per operation against the list's size (log-log)",
            ("sans-serif", 26),
        )
        .map_err(|e| e.to_string())?;
    for (panel, &operation) in root.split_evenly((rows, columns)).iter().zip(&operations) {
        let series = large_series(report, operation);
        draw_panel(panel, operation.label(), &series)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// An operation's lines: zlist end to end and in the list, the seed's server, Redis.
fn large_series(report: &LargeReport, operation: Operation) -> Vec<Series> {
    let pick = |which: fn(&crate::bench::large::OperationResult) -> Option<Duration>| {
        report
            .results
            .iter()
            .filter_map(|size| {
                let op = size.operations.iter().find(|r| r.operation == operation)?;
                Some((size.size as f64, which(op)?.as_secs_f64() * 1000.0))
            })
            .collect::<Vec<_>>()
    };
    [
        Series {
            name: "zlist, end to end",
            colour: RGBColor(0, 114, 178),
            points: pick(|r| Some(r.end_to_end)),
        },
        Series {
            name: "zlist, in the list",
            colour: RGBColor(86, 180, 233),
            points: pick(|r| Some(r.in_list)),
        },
        Series {
            name: "seed server (Python), end to end",
            colour: RGBColor(213, 94, 0),
            points: pick(|r| r.seed),
        },
        Series {
            name: "Redis, end to end",
            colour: RGBColor(0, 158, 115),
            points: pick(|r| r.redis),
        },
    ]
    .into_iter()
    .filter(|s| !s.points.is_empty())
    .collect()
}

/// One log-log panel of times in milliseconds against sizes.
fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    series: &[Series],
) -> Result<(), String> {
    let points = series.iter().flat_map(|s| &s.points);
    let (x_min, x_max, y_min, y_max) = points.fold(
        (f64::MAX, f64::MIN_POSITIVE, f64::MAX, f64::MIN_POSITIVE),
        |(x0, x1, y0, y1), &(x, y)| (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
    );
    if x_min > x_max {
        return Ok(());
    }
    let y_min = y_min.max(1e-4);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (x_min / 2.0..x_max * 2.0).log_scale(),
            (y_min / 2.0..y_max * 2.0).log_scale(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_desc("elements")
        .y_desc("ms")
        .x_label_formatter(&|x| short_count(*x))
        .y_label_formatter(&|y| format!("{y:.3}"))
        .draw()
        .map_err(|e| e.to_string())?;
    draw_series(&mut chart, series, SeriesLabelPosition::UpperLeft)
}

/// Each series as a line with a dot on each point, and their legend at `legend`.
fn draw_series<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    series: &[Series],
    legend: SeriesLabelPosition,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for line in series {
        let colour = line.colour;
        chart
            .draw_series(LineSeries::new(
                line.points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(line.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        chart
            .draw_series(PointSeries::of_element(
                line.points.iter().copied(),
                4,
                colour.filled(),
                &|point, size, style| Circle::new(point, size, style),
            ))
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// `1000` as `1k`, `10000000` as `10M`.
fn short_count(n: f64) -> String {
    match n {
        n if n >= 1e6 => format!("{}M", n / 1e6),
        n if n >= 1e3 => format!("{}k", n / 1e3),
        n => format!("{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_counts_read_as_people_write_them() {
        assert_eq!(short_count(1e7), "10M");
        assert_eq!(short_count(100_000.0), "100k");
        assert_eq!(short_count(16.0), "16");
    }

    #[test]
    fn nothing_to_draw_writes_no_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(draw(dir.path(), None, None).unwrap(), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let error = draw(&file.join("sub"), None, None).unwrap_err();
        assert!(error.to_string().contains("sub"), "{error}");
    }
}
