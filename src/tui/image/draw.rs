//! Drawing the image pane: reads the state, changes nothing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::form::{FieldKind, SignatureForm};
use super::pane::{RegionRef, Status};
use crate::tui::app::App;
use crate::tui::text;
use crate::tui::theme::Theme;

/// Where the picture goes inside a pane of `area`: within its borders, above its one line
/// of words.
pub fn picture_area(area: Rect) -> Rect {
    let inner = Block::bordered().inner(area);
    let [picture, _] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    picture
}

/// Draws the pane in `area`.
pub fn draw_pane(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let pane = &app.image;
    let block = crate::tui::view::pane(&app.theme, title(app), area.width);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [picture, words] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let columns = usize::from(inner.width);
    match (&pane.status, &pane.protocol, &pane.geometry) {
        (Status::Failed(why), _, _) => {
            frame.render_widget(
                Paragraph::new(text::visible(why)).wrap(Wrap { trim: true }),
                picture,
            );
        }
        // The picture was laid out for the last known size: drawn only where it still fits.
        (_, Some(protocol), Some(geometry)) if picture.intersection(geometry.cells) == geometry.cells => {
            frame.render_widget(ratatui_image::Image::new(protocol), geometry.cells);
        }
        (Status::Decoding(n), _, _) => {
            frame.render_widget(Paragraph::new(format!("decoding frame {}…", n + 1)), picture);
        }
        _ => {}
    }
    let line = text::fit(&footer(app), columns);
    frame.render_widget(
        Paragraph::new(Line::from(line)).style(Style::new().add_modifier(Modifier::DIM)),
        words,
    );
}

/// The pane's title: the frame shown of how many, the window or the colour space.
fn title(app: &App) -> String {
    let pane = &app.image;
    let Some(decoded) = pane.decoded.as_deref() else {
        return format!(
            " Image — {} frame{} ",
            pane.frames,
            if pane.frames == 1 { "" } else { "s" }
        );
    };
    let what = match (pane.is_grey(), pane.window) {
        (true, Some(w)) => format!("C {} W {}", number(w.center), number(w.width)),
        _ => text::visible(&decoded.photometric),
    };
    format!(
        " Image — frame {}/{} · {}×{} · {what} ",
        decoded.frame + 1,
        decoded.frames,
        decoded.columns,
        decoded.rows
    )
}

/// A window value without a needless fraction.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The pane's line of words: what is going on, most pressing first.
fn footer(app: &App) -> String {
    let pane = &app.image;
    if let Status::Decoding(n) = pane.status {
        return format!("decoding frame {}…", n + 1);
    }
    if let Some(r) = pane.drawing {
        return format!("drawing {r} · ⏎ adds, Esc cancels");
    }
    if let Some(selected) = pane.selected {
        if let Some(r) = app.region(selected) {
            let whose = match selected {
                RegionRef::Drawn(_) => "drawn".to_string(),
                RegionRef::Rule(rule, _) => format!(
                    "rule '{}'",
                    app.doc
                        .edits
                        .pixel_rules
                        .get(rule)
                        .map_or("", |r| r.name.as_str())
                ),
            };
            return text::visible(&format!("selected {r} ({whose}) · x removes, Tab next"));
        }
    }
    let rules = app.matching_pixel_rules();
    let mut parts = Vec::new();
    if !pane.drawn.is_empty() {
        parts.push(format!(
            "{} region{} drawn · R saves as a pixel rule",
            pane.drawn.len(),
            if pane.drawn.len() == 1 { "" } else { "s" }
        ));
    }
    if rules > 0 {
        parts.push(format!(
            "{rules} pixel rule{} match{}",
            if rules == 1 { "" } else { "s" },
            if rules == 1 { "es" } else { "" }
        ));
    }
    if parts.is_empty() {
        // No rule blanks this image: say why it may need one, if it may.
        return match crate::pixels::needs_review(&app.doc.header.file, true) {
            Some(why) => text::visible(&format!("review: {why} · b draws a region")),
            None => "b draws a region to blank · [ ] frames · < > { } window".into(),
        };
    }
    parts.join(" · ")
}

/// Draws the pixel rule form over the screen.
pub fn draw_form(frame: &mut Frame<'_>, area: Rect, form: &SignatureForm, theme: &Theme) {
    let width = area.width.min(84);
    let height = (form.fields.len() as u16 + 6).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let block = crate::tui::view::pane(theme, " Pixel rule: the device its regions are for ", width);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let columns = usize::from(inner.width);
    let label_width = form
        .fields
        .iter()
        .map(|f| text::width(f.kind.label()))
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let mark = match (f.kind, f.on) {
            (FieldKind::Name, _) => "    ",
            (_, true) => "[x] ",
            (_, false) => "[ ] ",
        };
        let cursor = if i == form.selected { "█" } else { "" };
        let compared = f.kind.compared();
        let compared = if compared.is_empty() {
            String::new()
        } else {
            format!("  ({compared})")
        };
        // The value gets what the label and the comparison leave; the one being edited
        // keeps its end (and the cursor) in view.
        let room = columns.saturating_sub(4 + label_width + 2 + text::width(&compared));
        let value = format!("{}{cursor}", text::visible(&f.value));
        let value = if i == form.selected {
            text::fit_left(&value, room)
        } else {
            text::fit(&value, room)
        };
        let line = format!(
            "{mark}{}  {value}{compared}",
            text::fit_pad(f.kind.label(), label_width)
        );
        let line = Line::from(text::fit(&line, columns));
        lines.push(if i == form.selected {
            line.style(crate::tui::view::selection(theme))
        } else if f.on {
            line
        } else {
            line.style(Style::new().add_modifier(Modifier::DIM))
        });
    }
    lines.push(Line::from(""));
    let regions: Vec<String> = form.regions.iter().map(ToString::to_string).collect();
    lines.push(Line::from(text::fit(
        &format!("regions to blank: {}", regions.join(" ")),
        columns,
    )));
    let last = match &form.error {
        Some(e) => Line::from(text::fit(&text::visible(e), columns)).style(Style::new().fg(theme.modified)),
        None => Line::from(text::fit(
            "↑↓ Tab: field · type to edit · Ctrl-t: on/off · ⏎ adds the rule · Esc cancels",
            columns,
        ))
        .style(Style::new().add_modifier(Modifier::DIM)),
    };
    lines.push(last);
    frame.render_widget(Paragraph::new(lines), inner);
}
