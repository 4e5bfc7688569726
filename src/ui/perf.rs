//! What one frame of the app costs, for the tests and the benchmarks: the real app, with a
//! list and a console of given sizes, laid out and tessellated without a window or GPU.

use std::time::{Duration, Instant, SystemTime};

use crate::ui::App;
use crate::ui::console::Source;
use crate::ui::settings::Settings;

/// Frames run before measuring (fonts, caches and scroll state settle).
const WARM_UP_FRAMES: usize = 3;
/// Frames measured.
const MEASURED_FRAMES: usize = 10;

/// The median time to build and tessellate one 1280x800 frame of the app showing a list of
/// `rows` elements and a console holding `console_lines` lines (the console is bounded to
/// [`crate::ui::console::MAX_LINES`]). No display, network or GPU is involved; the list
/// and console are filled directly. The budget of a 60 Hz display is 16.7 ms.
///
/// ```no_run
/// let cost = zlist::ui::frame_cost_bench(1_000_000, 10_000);
/// println!("one frame: {cost:?}");
/// ```
pub fn frame_cost_bench(rows: usize, console_lines: usize) -> Duration {
    let ctx = egui::Context::default();
    let settings = Settings {
        console_visible: true,
        language: Some(crate::ui::i18n::Language::En),
        ..Settings::default()
    };
    let mut app = App::with_settings(&ctx, settings, None, crate::ui::app::Keep::nowhere());
    app.show_list((0..rows).map(|i| format!("element {i}")).collect());
    let now = SystemTime::now();
    for i in 0..console_lines {
        app.console_mut().push(
            now,
            tracing::Level::DEBUG,
            Source::Client,
            &format!("line {i}"),
        );
    }
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..Default::default()
    };
    let mut frame = || {
        let started = Instant::now();
        let mut output = ctx.run_ui(input(), |ui| app.draw(ui));
        let _meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
        // No renderer takes the font atlas updates here.
        output.textures_delta.clear();
        started.elapsed()
    };
    for _ in 0..WARM_UP_FRAMES {
        frame();
    }
    let mut times: Vec<Duration> = (0..MEASURED_FRAMES).map(|_| frame()).collect();
    times.sort_unstable();
    times[times.len() / 2]
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable as _;

    use super::*;

    #[test]
    fn a_million_row_frame_in_kittest_builds_only_the_visible_rows() {
        let settings = Settings {
            language: Some(crate::ui::i18n::Language::En),
            ..Settings::default()
        };
        let mut app = App::with_settings(
            &egui::Context::default(),
            settings,
            None,
            crate::ui::app::Keep::nowhere(),
        );
        app.show_list((0..1_000_000).map(|i| format!("element {i}")).collect());
        let mut harness = egui_kittest::Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(|ui, app: &mut App| app.draw(ui), app);
        harness.run_steps(3);
        let started = Instant::now();
        harness.step();
        let cost = started.elapsed();
        assert!(cost < Duration::from_millis(250), "one frame took {cost:?}");
        assert!(harness.query_by_label("element 0").is_some());
        assert!(harness.query_by_label("element 999999").is_none());
        // The count above the table and the status line's summary.
        assert_eq!(harness.query_all_by_label("1000000 elements").count(), 2);
    }

    #[test]
    fn a_frame_with_a_million_rows_stays_cheap() {
        let cost = frame_cost_bench(1_000_000, 10_000);
        // The real budget is 16 ms; this bound is generous for a debug build on a busy
        // 2-core machine, and still catches building every row (which takes seconds).
        assert!(cost < Duration::from_millis(250), "one frame took {cost:?}");
        let small = frame_cost_bench(30, 10);
        eprintln!("frame cost: 1,000,000 rows {cost:?}; 30 rows {small:?}");
    }
}
