//! Where an image goes in a pane, and the way back from a terminal cell to image pixels.
//!
//! The image is scaled to fit the pane with its aspect ratio kept, taking the shape of a
//! terminal cell into account (about twice as tall as wide), and centred. The same numbers
//! draw it and map a mouse position back to pixel columns and rows, so a region dragged over
//! some cells is the pixels those cells show.

use ratatui::layout::Rect;

use crate::pixels::Region;

/// An image of `columns` × `rows` pixels fitted into terminal cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geometry {
    /// The cells the image is drawn in (within the pane, centred).
    pub cells: Rect,
    /// The image's Columns.
    pub columns: u32,
    /// The image's Rows.
    pub rows: u32,
    /// How many pixels of the drawn picture one cell holds across and down: 1 × 2 for
    /// half-blocks, the font's size for terminal graphics.
    pub cell_px: (u32, u32),
    /// A cell's shape: its width and height in the terminal's pixels.
    font: (f64, f64),
    /// Terminal pixels per image pixel.
    scale: f64,
}

impl Geometry {
    /// Fits an image into `area`; `None` when either has no size.
    pub fn fit(
        area: Rect,
        columns: u32,
        rows: u32,
        font: (u16, u16),
        cell_px: (u32, u32),
    ) -> Option<Geometry> {
        if area.width == 0 || area.height == 0 || columns == 0 || rows == 0 {
            return None;
        }
        let font = (f64::from(font.0.max(1)), f64::from(font.1.max(1)));
        let scale = (f64::from(area.width) * font.0 / f64::from(columns))
            .min(f64::from(area.height) * font.1 / f64::from(rows));
        let across = (f64::from(columns) * scale / font.0 - 1e-9)
            .ceil()
            .clamp(1.0, f64::from(area.width)) as u16;
        let down = (f64::from(rows) * scale / font.1 - 1e-9)
            .ceil()
            .clamp(1.0, f64::from(area.height)) as u16;
        Some(Geometry {
            cells: Rect {
                x: area.x + (area.width - across) / 2,
                y: area.y + (area.height - down) / 2,
                width: across,
                height: down,
            },
            columns,
            rows,
            cell_px: (cell_px.0.max(1), cell_px.1.max(1)),
            font,
            scale,
        })
    }

    /// The drawn picture's size in its own pixels.
    pub fn display_size(&self) -> (u32, u32) {
        (
            u32::from(self.cells.width) * self.cell_px.0,
            u32::from(self.cells.height) * self.cell_px.1,
        )
    }

    /// The image column a column of the drawn picture shows (its centre), if any.
    pub fn source_x(&self, dx: u32) -> Option<u32> {
        let real = (f64::from(dx) + 0.5) * self.font.0 / f64::from(self.cell_px.0);
        let x = (real / self.scale).floor();
        (x >= 0.0 && x < f64::from(self.columns)).then_some(x as u32)
    }

    /// The image row a row of the drawn picture shows, if any.
    pub fn source_y(&self, dy: u32) -> Option<u32> {
        let real = (f64::from(dy) + 0.5) * self.font.1 / f64::from(self.cell_px.1);
        let y = (real / self.scale).floor();
        (y >= 0.0 && y < f64::from(self.rows)).then_some(y as u32)
    }

    /// The columns and rows of the drawn picture that a region covers, at least one each:
    /// `(x0, y0, x1, y1)`, ends excluded.
    pub fn display_rect(&self, region: &Region) -> (u32, u32, u32, u32) {
        let to_x = |x: u32| f64::from(x) * self.scale * f64::from(self.cell_px.0) / self.font.0;
        let to_y = |y: u32| f64::from(y) * self.scale * f64::from(self.cell_px.1) / self.font.1;
        let x0 = to_x(region.x).floor() as u32;
        let y0 = to_y(region.y).floor() as u32;
        let x1 = (to_x(region.x.saturating_add(region.width)).ceil() as u32).max(x0 + 1);
        let y1 = (to_y(region.y.saturating_add(region.height)).ceil() as u32).max(y0 + 1);
        (x0, y0, x1, y1)
    }

    /// Whether a terminal cell shows part of the image.
    pub fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.cells.x
            && row >= self.cells.y
            && column < self.cells.x + self.cells.width
            && row < self.cells.y + self.cells.height
    }

    /// The pixels that the cells between two terminal cells (both included, in any order)
    /// show, clamped to the image; `None` when they show none of it.
    pub fn region_between(&self, a: (u16, u16), b: (u16, u16)) -> Option<Region> {
        let clamp_col = |c: u16| c.clamp(self.cells.x, self.cells.x + self.cells.width - 1) - self.cells.x;
        let clamp_row = |r: u16| r.clamp(self.cells.y, self.cells.y + self.cells.height - 1) - self.cells.y;
        let (c0, c1) = (clamp_col(a.0.min(b.0)), clamp_col(a.0.max(b.0)));
        let (r0, r1) = (clamp_row(a.1.min(b.1)), clamp_row(a.1.max(b.1)));
        let x0 = (f64::from(c0) * self.font.0 / self.scale).floor() as u32;
        let x1 = ((f64::from(c1) + 1.0) * self.font.0 / self.scale).ceil() as u32;
        let y0 = (f64::from(r0) * self.font.1 / self.scale).floor() as u32;
        let y1 = ((f64::from(r1) + 1.0) * self.font.1 / self.scale).ceil() as u32;
        clamp_region(x0, y0, x1, y1, self.columns, self.rows)
    }
}

/// The rectangle from `(x0, y0)` to `(x1, y1)` (ends excluded) within an image of
/// `columns` × `rows`; `None` when nothing of it is inside.
pub fn clamp_region(x0: u32, y0: u32, x1: u32, y1: u32, columns: u32, rows: u32) -> Option<Region> {
    let (x1, y1) = (x1.min(columns), y1.min(rows));
    (x0 < x1 && y0 < y1).then_some(Region {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_image_in_half_block_cells_keeps_its_shape() {
        // 40 × 20 cells of 10 × 20 terminal pixels: 400 × 400, a square fills it.
        let g = Geometry::fit(Rect::new(0, 0, 40, 20), 100, 100, (10, 20), (1, 2)).unwrap();
        assert_eq!(g.cells, Rect::new(0, 0, 40, 20));
        // A wide pane: the image is centred.
        let g = Geometry::fit(Rect::new(0, 0, 80, 20), 100, 100, (10, 20), (1, 2)).unwrap();
        assert_eq!(g.cells, Rect::new(20, 0, 40, 20));
        // One half-block pixel per image pixel.
        let g = Geometry::fit(Rect::new(0, 0, 40, 20), 40, 40, (10, 20), (1, 2)).unwrap();
        assert_eq!(g.source_x(0), Some(0));
        assert_eq!(g.source_x(39), Some(39));
        assert_eq!(g.source_y(39), Some(39));
        assert_eq!(g.source_y(40), None);
    }

    #[test]
    fn cells_map_back_to_the_pixels_they_show() {
        let g = Geometry::fit(Rect::new(10, 5, 40, 20), 100, 100, (10, 20), (1, 2)).unwrap();
        // Each cell is 2.5 pixels across and 5 down.
        assert_eq!(
            g.region_between((10, 5), (13, 6)),
            Some(Region {
                x: 0,
                y: 0,
                width: 10,
                height: 10
            })
        );
        // Dragged backwards and past the image: clamped.
        assert_eq!(
            g.region_between((200, 200), (48, 23)),
            Some(Region {
                x: 95,
                y: 90,
                width: 5,
                height: 10
            })
        );
        assert_eq!(
            g.display_rect(&Region {
                x: 0,
                y: 0,
                width: 10,
                height: 10
            }),
            (0, 0, 4, 4)
        );
    }
}
