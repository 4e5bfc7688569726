//! The app icon (`assets/icon.png`, drawn by `tools/gen_icon.py`), built into the binary
//! and decoded with eframe's own PNG support for the window icon.

use std::sync::Arc;

/// The icon's PNG bytes.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// The decoded window icon.
pub fn window_icon() -> Result<Arc<egui::IconData>, String> {
    eframe::icon_data::from_png_bytes(ICON_PNG)
        .map(Arc::new)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_icon_decodes_to_a_square_rgba_image() {
        let icon = window_icon().unwrap();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
