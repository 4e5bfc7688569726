//! Zooming the whole UI (Ctrl +, Ctrl -, Ctrl 0, and the View menu), remembered between
//! runs: the settings hold the factor, and the app hands it to egui whenever they differ.
//! egui's own keyboard zoom is turned off so that the keys go through the shortcut table
//! (and so the help lists them) and every change lands in the settings.

use crate::ui::i18n::Language;

/// The smallest zoom factor.
pub const MIN: f32 = 0.5;
/// The largest zoom factor.
pub const MAX: f32 = 3.0;
/// One step of Ctrl + or Ctrl -.
const STEP: f32 = 0.1;

/// A zoom factor within [`MIN`]..=[`MAX`], rounded to a step (a damaged settings file's
/// NaN or huge value becomes 1 or the nearest bound).
pub fn clamped(factor: f32) -> f32 {
    if !factor.is_finite() {
        return 1.0;
    }
    ((factor.clamp(MIN, MAX) / STEP).round() * STEP).clamp(MIN, MAX)
}

/// One step larger.
pub fn zoomed_in(factor: f32) -> f32 {
    clamped(factor + STEP)
}

/// One step smaller.
pub fn zoomed_out(factor: f32) -> f32 {
    clamped(factor - STEP)
}

/// Hands `factor` to egui when egui has another one; called once a frame.
pub fn apply(ctx: &egui::Context, factor: f32) {
    ctx.options_mut(|options| options.zoom_with_keyboard = false);
    let factor = clamped(factor);
    if (ctx.zoom_factor() - factor).abs() > f32::EPSILON {
        ctx.set_zoom_factor(factor);
    }
}

/// The View menu's zoom row: smaller, the factor (click: back to 100 %), larger.
pub fn zoom_ui(ui: &mut egui::Ui, factor: &mut f32, language: Language) {
    let t = language.texts();
    ui.horizontal(|ui| {
        ui.label(t.zoom);
        if ui.button("−").on_hover_text(t.zoom_out).clicked() {
            *factor = zoomed_out(*factor);
        }
        let percent = format!("{:.0} %", *factor * 100.0);
        if ui.button(percent).on_hover_text(t.zoom_reset).clicked() {
            *factor = 1.0;
        }
        if ui.button("+").on_hover_text(t.zoom_in).clicked() {
            *factor = zoomed_in(*factor);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_steps_by_a_tenth_and_stays_within_its_bounds() {
        assert!((zoomed_in(1.0) - 1.1).abs() < 1e-6);
        assert!((zoomed_out(1.0) - 0.9).abs() < 1e-6);
        assert_eq!(zoomed_in(MAX), MAX);
        assert_eq!(zoomed_out(MIN), MIN);
        let mut factor = 1.0;
        for _ in 0..100 {
            factor = zoomed_in(factor);
        }
        assert_eq!(factor, MAX);
    }

    #[test]
    fn a_damaged_zoom_factor_becomes_a_usable_one() {
        assert_eq!(clamped(f32::NAN), 1.0);
        assert_eq!(clamped(f32::INFINITY), 1.0);
        assert_eq!(clamped(1e9), MAX);
        assert_eq!(clamped(-4.0), MIN);
    }
}
