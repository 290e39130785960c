//! A decoded frame made into the picture the terminal shows: sampled at the pane's
//! resolution (so a window change costs the screen's pixels, not the image's), grey values
//! through the window, MONOCHROME1 inverted, regions to blank filled black, the rectangle
//! being drawn and the selected region outlined. Then the terminal protocol built from it.

use dicom_pixeldata::image::{DynamicImage, Rgb, RgbImage};
use ratatui::layout::{Rect, Size};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::halfblocks::Halfblocks;
use ratatui_image::protocol::Protocol;
use ratatui_image::Resize;

use super::decode::{window_level, DecodedFrame, Pixels, Window};
use super::geometry::Geometry;
use crate::pixels::Region;

/// The outline of the rectangle being drawn.
pub const DRAWING: [u8; 3] = [255, 215, 0];

/// The outline of the selected region.
pub const SELECTED: [u8; 3] = [0, 200, 255];

/// What the picture shows besides the pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    /// Regions filled black: what Clean Pixel Data will blank.
    pub blank: Vec<Region>,
    /// Rectangles outlined, each in its colour.
    pub outline: Vec<(Region, [u8; 3])>,
}

/// The picture of `frame` at the resolution `geometry` gives.
pub fn picture(frame: &DecodedFrame, window: Option<Window>, geometry: &Geometry, marks: &Marks) -> RgbImage {
    let (width, height) = geometry.display_size();
    let xs: Vec<Option<u32>> = (0..width).map(|dx| geometry.source_x(dx)).collect();
    let columns = frame.columns as usize;
    let mut image = RgbImage::new(width, height);
    for dy in 0..height {
        let Some(y) = geometry.source_y(dy) else { continue };
        for (dx, x) in xs.iter().enumerate() {
            let Some(x) = *x else { continue };
            let blanked = marks
                .blank
                .iter()
                .any(|r| x >= r.x && y >= r.y && x - r.x < r.width && y - r.y < r.height);
            if blanked {
                continue;
            }
            let i = y as usize * columns + x as usize;
            let colour = match &frame.pixels {
                Pixels::Grey {
                    values,
                    inverted,
                    function,
                    ..
                } => {
                    let v = values.get(i).copied().unwrap_or(0.0);
                    let w = window.unwrap_or(Window {
                        center: 128.0,
                        width: 256.0,
                    });
                    let g = window_level(v, w, *function);
                    let g = if *inverted { 255 - g } else { g };
                    [g, g, g]
                }
                Pixels::Rgb(rgb) => {
                    let p = rgb.get(3 * i..3 * i + 3).unwrap_or(&[0, 0, 0]);
                    [p[0], p[1], p[2]]
                }
            };
            image.put_pixel(dx as u32, dy, Rgb(colour));
        }
    }
    let thick = ((geometry.cell_px.0 / 2).max(1), (geometry.cell_px.1 / 4).max(1));
    for (region, colour) in &marks.outline {
        let (x0, y0, x1, y1) = geometry.display_rect(region);
        let (x1, y1) = (x1.min(width), y1.min(height));
        for y in y0..y1 {
            for x in x0..x1 {
                let edge = x < x0 + thick.0 || x + thick.0 >= x1 || y < y0 + thick.1 || y + thick.1 >= y1;
                if edge {
                    image.put_pixel(x, y, Rgb(*colour));
                }
            }
        }
    }
    image
}

/// The terminal's form of a picture drawn in `cells`: half-blocks built at their own
/// resolution, or the picker's graphics protocol for a picture the cells' size exactly.
pub fn protocol(picker: &Picker, picture: RgbImage, cells: Rect) -> Option<Protocol> {
    let size = Size::new(cells.width, cells.height);
    let image = DynamicImage::ImageRgb8(picture);
    if picker.protocol_type() == ProtocolType::Halfblocks {
        return Halfblocks::new(image, size).ok().map(Protocol::Halfblocks);
    }
    picker.new_protocol(image, size, Resize::Fit(None)).ok()
}

/// Display pixels per cell for a picker: half-blocks show two pixels a cell, one above the
/// other; graphics show the font's size.
pub fn cell_pixels(picker: &Picker) -> (u32, u32) {
    if picker.protocol_type() == ProtocolType::Halfblocks {
        (1, 2)
    } else {
        let font = picker.font_size();
        (u32::from(font.width), u32::from(font.height))
    }
}
