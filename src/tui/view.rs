//! Drawing: reads the state, changes nothing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, PromptKind, Row};
use super::keys::BINDINGS;
use super::text;
use super::theme::Theme;
use crate::dataset::tag_string;
use crate::diff::ChangeKind;
use crate::profile::Action as RuleAction;
use crate::risk::RiskReport;

/// The width of the action badge column.
pub const BADGE_WIDTH: usize = 10;

/// The keyword column's width at depth 0 when the tree has room for it.
pub const NAME_WIDTH: usize = 28;

/// The value column gets at least this much before the keyword column gives up room, and
/// before the panes are laid side by side.
const MIN_VALUE: usize = 20;

/// The narrowest the risk and change panes are drawn beside the tree.
const MIN_SIDE: u16 = 40;

/// The columns of a tree row that are not the indent, the keyword or the value: the fold
/// mark, `(GGGG,EEEE) `, a space, the VR and a space, the badge, the override mark, a space.
const FIXED_COLUMNS: usize = 1 + 12 + 1 + 3 + BADGE_WIDTH + 1 + 1;

/// The width of the keyword column at a depth: it gives up what the indent takes, so that
/// the VR, badge and value columns line up at every depth.
fn name_width(base: usize, depth: usize) -> usize {
    base.saturating_sub(2 * depth).max(8)
}

/// Where a row's action badge starts, counted from the row's first cell, with a keyword
/// column of `base` at depth 0.
pub fn badge_column(base: usize, depth: usize) -> usize {
    2 * depth + 1 + 12 + name_width(base, depth) + 1 + 3
}

/// The keyword column for a tree of `inner` columns: its full width, unless the value column
/// would then have less than its minimum.
fn name_base(inner: usize) -> usize {
    inner
        .saturating_sub(FIXED_COLUMNS + MIN_VALUE)
        .clamp(12, NAME_WIDTH)
}

/// Where the panes go (an empty rectangle: not shown).
struct Panes {
    tree: Rect,
    risk: Rect,
    diff: Rect,
    image: Rect,
}

/// With the image shown: the tree keeps the width of a full keyword column and 20 columns
/// of value where there is room, the risk pane (shortened) above the image; on a narrower
/// screen the image takes the right half and more, beside the tree; zoomed, the whole.
fn panes_with_image(main: Rect, findings: usize, zoom: bool) -> Panes {
    let none = Rect::default();
    if zoom {
        return Panes {
            tree: none,
            risk: none,
            diff: none,
            image: main,
        };
    }
    let tree_min = (2 + FIXED_COLUMNS + NAME_WIDTH + MIN_VALUE) as u16;
    if main.width >= tree_min + MIN_SIDE {
        let [tree, side] =
            Layout::horizontal([Constraint::Length(tree_min), Constraint::Min(MIN_SIDE)]).areas(main);
        let risk_height = (4 + findings.clamp(1, 3) as u16).min(side.height / 3);
        let [risk, image] =
            Layout::vertical([Constraint::Length(risk_height), Constraint::Min(3)]).areas(side);
        return Panes {
            tree,
            risk,
            diff: none,
            image,
        };
    }
    let [tree, image] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(main);
    Panes {
        tree,
        risk: none,
        diff: none,
        image,
    }
}

/// The panes of `app` in `main`.
fn panes_of(main: Rect, app: &App) -> Panes {
    let findings = app.doc.after.findings.len();
    if app.image.open {
        panes_with_image(main, findings, app.image.zoom)
    } else {
        panes(main, findings)
    }
}

/// Where the picture goes on a screen of `area`, with the image shown.
pub fn image_area(area: Rect, app: &App) -> Option<Rect> {
    let [main, _] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
    let image = panes_of(main, app).image;
    let picture = super::image::draw::picture_area(image);
    (!picture.is_empty()).then_some(picture)
}

/// Side by side when the tree keeps a full keyword column and a value column of
/// [`MIN_VALUE`] beside panes of [`MIN_SIDE`]; stacked otherwise, with the risk and change
/// panes side by side under the tree, so that the tree keeps most of the rows.
fn panes(main: Rect, findings: usize) -> Panes {
    let tree_min = (2 + FIXED_COLUMNS + NAME_WIDTH + MIN_VALUE) as u16;
    if main.width >= tree_min + MIN_SIDE {
        let side = (main.width * 3 / 10).max(MIN_SIDE);
        let [tree, side] =
            Layout::horizontal([Constraint::Min(tree_min), Constraint::Length(side)]).areas(main);
        // Two gauge rows, the findings (one row when none), the borders.
        let risk_height = (4 + findings.clamp(1, 8) as u16).min(side.height / 2);
        let [risk, diff] =
            Layout::vertical([Constraint::Length(risk_height), Constraint::Min(3)]).areas(side);
        return Panes {
            tree,
            risk,
            diff,
            image: Rect::default(),
        };
    }
    let bottom = if main.height >= 28 { 8 } else { 6 }.min(main.height / 2);
    let [tree, below] = Layout::vertical([Constraint::Min(3), Constraint::Length(bottom)]).areas(main);
    let [risk, diff] = if below.width >= 2 * MIN_SIDE - 10 {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(below)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(below)
    };
    Panes {
        tree,
        risk,
        diff,
        image: Rect::default(),
    }
}

/// How many rows `text` takes wrapped at word boundaries to `width` columns, as a wrapping
/// paragraph lays it out: an overlay sized by its lines alone would cut off its end.
fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    text.lines()
        .map(|line| {
            let mut rows = 1;
            let mut used = 0;
            for word in line.split(' ') {
                let w = Span::raw(word).width();
                if used > 0 && used + 1 + w > width {
                    rows += 1;
                    used = 0;
                }
                used += if used > 0 { 1 + w } else { w };
                // A word longer than the row is broken across rows.
                while used > width {
                    rows += 1;
                    used -= width;
                }
            }
            rows
        })
        .sum()
}

/// A `width` × `height` rectangle in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height: height.min(area.height),
    }
}

/// A bordered pane in the theme's colours, its title fitted to `width` columns.
pub(super) fn pane(theme: &Theme, title: impl Into<String>, width: u16) -> Block<'static> {
    let title = text::fit(&title.into(), usize::from(width.saturating_sub(2)));
    Block::bordered()
        .border_style(Style::new().fg(theme.border))
        .title(Span::styled(
            title,
            Style::new().fg(theme.title).add_modifier(Modifier::BOLD),
        ))
}

/// The selected row: the theme's colours, or reverse video when the theme has none.
pub(super) fn selection(theme: &Theme) -> Style {
    if theme.selection_bg == Color::Reset {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().fg(theme.selection_fg).bg(theme.selection_bg)
    }
}

/// Where the tree's rows go on a screen of `area`, the keyword column's width and the rows a
/// page moves: what the state keeps from the last known frame size, so that mouse clicks
/// and page keys know the screen without drawing changing anything.
pub fn tree_geometry(area: Rect, app: &App) -> (Rect, usize, usize) {
    let [main, _] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
    let tree = panes_of(main, app).tree;
    let inner = Block::bordered().inner(tree);
    let [_, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    (
        body,
        name_base(usize::from(inner.width)),
        usize::from(body.height).max(1),
    )
}

/// The open overlay's title, text and widest width, if one is open.
fn overlay_of(app: &App) -> Option<(String, String, u16)> {
    if app.help {
        Some((" Keys (? closes) ".to_string(), super::keys::help_text(), 80))
    } else if app.findings_open {
        Some((
            format!(
                " Findings — {} left (F or Esc closes) ",
                app.doc.after.findings.len()
            ),
            findings_text(app),
            110,
        ))
    } else {
        app.explain.as_ref().map(|text| {
            (
                " Explain (e or Esc closes) ".to_string(),
                text::visible_lines(text),
                100,
            )
        })
    }
}

/// How far the open overlay may scroll on a screen of `area` and how far a page moves it.
pub fn overlay_geometry(area: Rect, app: &App) -> Option<(u16, u16)> {
    overlay_of(app).map(|(_, text, width)| overlay_rows(area, width, &text))
}

/// An overlay's last scroll position and page on a screen of `area`.
pub(super) fn overlay_rows(area: Rect, max_width: u16, text: &str) -> (u16, u16) {
    let width = area.width.min(max_width);
    let rows = u16::try_from(wrapped_rows(text, usize::from(width.saturating_sub(2)))).unwrap_or(u16::MAX);
    let shown = rows.saturating_add(2).min(area.height).saturating_sub(2);
    (rows.saturating_sub(shown), shown.saturating_sub(1).max(1))
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    // A seam for the test that a panic inside a draw still restores the terminal; debug
    // builds only, so no release binary can be made to panic this way.
    #[cfg(debug_assertions)]
    if std::env::var_os("DPK_TUI_PANIC_IN_DRAW").is_some() {
        panic!("deliberate panic inside a draw (DPK_TUI_PANIC_IN_DRAW)");
    }
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(frame.area());
    let Panes {
        tree,
        risk,
        diff,
        image,
    } = panes_of(main, app);
    for (area, draw) in [
        (tree, draw_tree as fn(&mut Frame<'_>, Rect, &App)),
        (risk, draw_risk),
        (diff, draw_diff),
        (image, super::image::draw::draw_pane),
    ] {
        if !area.is_empty() {
            draw(frame, area, app);
        }
    }
    draw_status(frame, status, app);
    if let Some(form) = &app.form {
        super::image::draw::draw_form(frame, frame.area(), form, &app.theme);
    }
    if let Some((title, text, width)) = overlay_of(app) {
        draw_overlay(
            frame,
            frame.area(),
            width,
            &title,
            &text,
            &app.theme,
            app.overlay_scroll,
        );
    }
    if let Some(menu) = &app.menu {
        draw_menu(frame, frame.area(), menu, &app.theme);
    }
}

/// One line per finding left after the plan: weight, place, keyword, why.
fn findings_text(app: &App) -> String {
    if app.doc.after.findings.is_empty() {
        return "no findings left".into();
    }
    let lines: Vec<String> = app
        .doc
        .after
        .findings
        .iter()
        .map(|f| {
            text::visible(&format!(
                "{:.2} {} {} {}",
                f.weight,
                f.path,
                f.keyword.unwrap_or("(private)"),
                f.reason
            ))
        })
        .collect();
    lines.join("\n")
}

fn draw_menu(frame: &mut Frame<'_>, area: Rect, menu: &super::app::Menu, theme: &Theme) {
    let title = match menu.kind {
        super::app::MenuKind::Action => " Action (⏎ picks, Esc closes; ● now) ",
        super::app::MenuKind::Options => " PS3.15 options (Space toggles, Esc closes) ",
        super::app::MenuKind::Profile => " Base profile (⏎ picks, Esc closes; ● now) ",
    };
    let width = area.width.min(90);
    let height = (menu.items.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let inner = usize::from(width.saturating_sub(2));
    let label_width = menu
        .items
        .iter()
        .map(|(l, _)| text::width(l))
        .max()
        .unwrap_or(0)
        .min(inner / 2);
    let items: Vec<ListItem<'_>> = menu
        .items
        .iter()
        .enumerate()
        .map(|(i, (label, on))| {
            let mark = match on {
                Some(true) => "[x] ",
                Some(false) => "[ ] ",
                None if menu.current == Some(i) => "● ",
                None => "  ",
            };
            let about = menu.about.get(i).map(String::as_str).unwrap_or_default();
            let line = format!("{mark}{}  {about}", text::fit_pad(label, label_width));
            ListItem::new(text::fit(&line, inner))
        })
        .collect();
    let mut state = ratatui::widgets::ListState::default().with_selected(Some(menu.selected));
    frame.render_widget(Clear, popup);
    frame.render_stateful_widget(
        List::new(items)
            .block(pane(theme, title, width))
            .highlight_style(selection(theme)),
        popup,
        &mut state,
    );
}

/// Draws `text` in a box over the screen, as tall as its wrapped rows or the screen; text
/// taller than the box scrolls, and the bottom border then says which rows show.
pub(super) fn draw_overlay(
    frame: &mut Frame<'_>,
    area: Rect,
    max_width: u16,
    title: &str,
    text: &str,
    theme: &Theme,
    scroll: u16,
) {
    let width = area.width.min(max_width);
    let rows = u16::try_from(wrapped_rows(text, usize::from(width.saturating_sub(2)))).unwrap_or(u16::MAX);
    let height = rows.saturating_add(2).min(area.height);
    let shown = height.saturating_sub(2);
    // The state keeps the scroll within the text at the last known size; a frame of another
    // size is kept within its own.
    let scroll = scroll.min(overlay_rows(area, max_width, text).0);
    let mut block = pane(theme, title.to_string(), width);
    if shown < rows {
        let first = scroll + 1;
        let last = scroll + shown;
        let note = text::fit(
            &format!(" rows {first}–{last} of {rows} · ↑↓ PgUp PgDn scroll "),
            usize::from(width.saturating_sub(2)),
        );
        block = block.title_bottom(Line::from(note).right_aligned());
    }
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        popup,
    );
}

/// `text` as spans, the parts that match `needle` (lower case) highlighted.
fn highlighted(text: String, needle: Option<&str>, style: Style, highlight: Style) -> Vec<Span<'static>> {
    let Some(needle) = needle.filter(|n| !n.is_empty()) else {
        return vec![Span::styled(text, style)];
    };
    let lower = text.to_lowercase();
    // Lower-casing that changes byte offsets (rare scripts) is not highlighted.
    if lower.len() != text.len() {
        return vec![Span::styled(text, style)];
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(needle) {
        let start = at + found;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        spans.push(Span::styled(text[at..start].to_string(), style));
        spans.push(Span::styled(text[start..end].to_string(), highlight));
        at = end;
    }
    spans.push(Span::styled(text[at..].to_string(), style));
    spans
}

fn draw_tree(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let block = pane(
        &app.theme,
        format!(
            " Tags — {} elements, {} shown ({}) ",
            app.element_count(),
            app.rows.iter().filter(|r| r.item.is_none()).count(),
            app.filter.label()
        ),
        area.width,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = usize::from(inner.width);
    let base = name_base(columns);
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let head = format!(
        " {} {} {} {}  {}",
        text::fit_pad("Tag", 11),
        text::fit_pad("Keyword", base),
        "VR",
        text::fit_pad("Action", BADGE_WIDTH),
        "Value before"
    );
    frame.render_widget(
        Paragraph::new(text::fit(&head, columns)).style(Style::new().add_modifier(Modifier::UNDERLINED)),
        header,
    );
    // Only the rows that fit are built: a large file's tree costs a keypress no more than a
    // small one's. The window scrolls as a list widget's would, keeping the selection in view.
    let height = usize::from(body.height).max(1);
    let offset = scroll_offset(app.list_state.offset(), app.selected, app.rows.len(), height);
    let end = (offset + height).min(app.rows.len());
    let needle = app.search_needle();
    let items: Vec<ListItem<'_>> = app.rows[offset.min(end)..end]
        .iter()
        .map(|row| ListItem::new(tree_row(app, row, base, columns, needle.as_deref())))
        .collect();
    let list = List::new(items).highlight_style(selection(&app.theme));
    let mut window = ListState::default().with_selected(app.selected.checked_sub(offset));
    frame.render_stateful_widget(list, body, &mut window);
}

/// One row of the tree, in `columns` columns: every text in it fitted to its column.
fn tree_row(app: &App, row: &Row, base: usize, columns: usize, needle: Option<&str>) -> Line<'static> {
    let Some(c) = app.element(row.entry) else {
        return Line::from("");
    };
    let faint = Style::new().add_modifier(Modifier::DIM);
    let indent = "  ".repeat(row.depth);
    if let Some(item) = row.item {
        let label = format!("{indent} ┄ Item {} of {} ┄", item + 1, row.items);
        return Line::from(Span::styled(text::fit(&label, columns), faint));
    }
    // What goes with a removed sequence is drawn faint: its own action does not apply.
    let (faint, name_style) = if row.with_sequence {
        (faint, faint)
    } else {
        (Style::new(), Style::new().add_modifier(Modifier::BOLD))
    };
    let mark = Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED);
    let action = c.decision.as_ref().map_or(RuleAction::Keep, |d| d.action);
    let marker = if app.is_overridden(c) { "*" } else { " " };
    let fold = match (row.has_children, app.is_collapsed(&c.path)) {
        (true, true) => "▸",
        (true, false) => "▾",
        _ => " ",
    };
    let name = if c.keyword.is_empty() {
        app.creator(c).map_or_else(
            || "(private)".to_string(),
            |cr| match super::names::private_name(c.path.tag, &cr) {
                Some(known) => format!("[{}] {known}", text::visible(&cr)),
                None => format!("[{}]", text::visible(&cr)),
            },
        )
    } else {
        c.keyword.to_string()
    };
    let name_columns = name_width(base, row.depth);
    let used = 2 * row.depth + FIXED_COLUMNS + name_columns;
    let value_columns = columns.saturating_sub(used);
    let value = c
        .before
        .as_ref()
        .map(|v| app.value_text(c, v, value_columns.max(1)))
        .unwrap_or_else(|| text::fit("(new)", value_columns));
    let mut spans = vec![
        Span::styled(format!("{indent}{fold}"), faint),
        Span::styled(format!("{} ", tag_string(c.path.tag)), faint),
    ];
    spans.extend(highlighted(
        text::fit_pad(&name, name_columns),
        needle,
        name_style,
        mark,
    ));
    spans.extend([
        Span::styled(format!(" {} ", c.vr), faint),
        Span::styled(
            text::fit_pad(action.label(), BADGE_WIDTH),
            Style::new().fg(app.theme.badge(action)),
        ),
        Span::styled(marker, Style::new().fg(app.theme.modified)),
        Span::styled(" ", faint),
    ]);
    if value_columns > 0 {
        spans.extend(highlighted(value, needle, faint, mark));
    }
    Line::from(spans)
}

/// The first row shown: the previous one, moved just enough to show `selected`.
pub fn scroll_offset(previous: usize, selected: usize, len: usize, height: usize) -> usize {
    let mut offset = previous.min(len.saturating_sub(1));
    if selected >= offset + height {
        offset = selected + 1 - height;
    }
    offset.min(selected)
}

/// A risk score in one row: its name, a bar and the score.
fn gauge_row(frame: &mut Frame<'_>, area: Rect, report: &RiskReport, name: &str, theme: &Theme) {
    let [label, bar] = Layout::horizontal([Constraint::Length(7), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(name.to_string()), label);
    let score = format!("{:.1}% {}", report.score, report.level.label());
    frame.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(theme.level(report.level)))
            .ratio((report.score / 100.0).clamp(0.0, 1.0))
            .label(text::fit(&score, usize::from(bar.width))),
        bar,
    );
}

fn draw_risk(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let block = pane(&app.theme, " Risk (F: every finding) ", area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [before, after, findings] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    gauge_row(frame, before, &app.doc.before, "before", &app.theme);
    gauge_row(frame, after, &app.doc.after, "after", &app.theme);
    let columns = usize::from(findings.width);
    let room = usize::from(findings.height);
    let all = &app.doc.after.findings;
    let lines: Vec<Line<'_>> = if all.is_empty() {
        vec![Line::from(text::fit("no findings left", columns))]
    } else {
        // When they do not all fit, the last row says how many more there are, and the
        // window scrolls to the selected element's finding, highlighted.
        let shown = if all.len() > room {
            room.saturating_sub(1)
        } else {
            all.len()
        };
        let selected = app.selected_entry().map(|c| &c.path);
        let at = selected.and_then(|p| all.iter().position(|f| &f.path == p));
        let offset = at.map_or(0, |i| (i + 1).saturating_sub(shown));
        let mut lines: Vec<Line<'_>> = all
            .iter()
            .enumerate()
            .skip(offset)
            .take(shown)
            .map(|(i, f)| {
                let line = text::visible(&format!("{:.2} {} {}", f.weight, f.path, f.reason));
                let line = Line::from(text::fit(&line, columns));
                if Some(i) == at {
                    line.style(selection(&app.theme))
                } else {
                    line
                }
            })
            .collect();
        if shown < all.len() {
            let more = format!("+{} more (F lists all {})", all.len() - shown, all.len());
            lines.push(Line::from(text::fit(&more, columns)).style(Style::new().add_modifier(Modifier::DIM)));
        }
        lines
    };
    frame.render_widget(Paragraph::new(lines), findings);
}

fn draw_diff(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if app.change_list {
        draw_change_list(frame, area, app);
        return;
    }
    let title = format!(" Change — {} changes (c: all) ", app.doc.plan.change_count());
    let block = pane(&app.theme, title, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = usize::from(inner.width);
    let mut rows: Vec<String> = Vec::new();
    // Each line wraps whole: a value is never cut short here, only the pane's last row can
    // end with `…` when the pane is too small for all of it.
    let mut add = |line: String| rows.extend(text::wrap(&line, columns));
    let row = app.rows.get(app.selected);
    match (app.selected_entry(), row) {
        (Some(c), _) => {
            let show = |s: &Option<crate::dataset::Snapshot>| match s {
                None => "(absent)".to_string(),
                Some(v) if v.is_empty() => "(empty)".to_string(),
                Some(v) => app.value_text(c, v, 0),
            };
            let after = if c.kind == ChangeKind::Removed {
                "(removed)".to_string()
            } else {
                show(&c.after)
            };
            add(format!("{} {}", c.path, c.keyword));
            add(format!("before: {}", show(&c.before)));
            add(format!("after:  {after}"));
            if let Some(d) = &c.decision {
                add(text::visible(&format!(
                    "action: {}  rule: {}",
                    d.action.label(),
                    d.rule
                )));
                if let Some(note) = &d.note {
                    add(text::visible(&format!("note:   {note}")));
                }
            }
        }
        (None, Some(row)) if row.item.is_some() => {
            if let Some(c) = app.element(row.entry) {
                add(format!(
                    "item {} of {} of {} {}",
                    row.item.unwrap_or(0) + 1,
                    row.items,
                    c.path,
                    c.keyword
                ));
            }
        }
        _ => {}
    }
    let rows = text::clip_rows(rows, usize::from(inner.height), columns);
    frame.render_widget(Paragraph::new(rows.join("\n")), inner);
}

/// Every change of the plan, one per line in file order, the selected element's highlighted
/// and kept in view; only the lines that fit are built.
fn draw_change_list(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let block = pane(
        &app.theme,
        format!(" Changes — {} in the plan (c: one) ", app.doc.plan.change_count()),
        area.width,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = usize::from(inner.width);
    let changes: Vec<&crate::diff::Change> = app.doc.plan.entries.iter().filter(|c| c.is_change()).collect();
    if changes.is_empty() {
        frame.render_widget(
            Paragraph::new(text::fit("the profile changes nothing in this file", columns)),
            inner,
        );
        return;
    }
    let selected = app
        .selected_entry()
        .and_then(|s| changes.iter().position(|c| c.path == s.path));
    let height = usize::from(inner.height).max(1);
    let offset = selected
        .map_or(0, |i| i.saturating_sub(height / 2))
        .min(changes.len().saturating_sub(height));
    let value_width = (columns / 4).max(8);
    let lines: Vec<Line<'_>> = changes
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, c)| {
            let action = c.decision.as_ref().map_or(RuleAction::Keep, |d| d.action);
            let text = |s: &Option<crate::dataset::Snapshot>| match s {
                None => "(absent)".to_string(),
                Some(v) if v.is_empty() => "(empty)".to_string(),
                Some(v) => app.value_text(c, v, value_width),
            };
            let after = if c.kind == ChangeKind::Removed {
                "(removed)".to_string()
            } else {
                text(&c.after)
            };
            let rest = format!("{} {}: {} → {after}", c.path, c.keyword, text(&c.before));
            let line = Line::from(vec![
                Span::styled(
                    text::fit_pad(action.label(), BADGE_WIDTH.min(columns)),
                    Style::new().fg(app.theme.badge(action)),
                ),
                Span::raw(text::fit(&rest, columns.saturating_sub(BADGE_WIDTH))),
            ]);
            if Some(i) == selected {
                line.style(selection(&app.theme))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The first status row in `columns`: file, summary, profile and, with a preview salt, the
/// warning. What gives way first: the summary, then the file's path (from the left, its end
/// names the file), then the profile's name; the warning last, and only to its short form.
fn status_first_row(app: &App, columns: usize) -> String {
    let modified = if app.unsaved() { " [modified]" } else { "" };
    let profile = format!("profile {}{modified}", app.doc.profile.name());
    let warnings: &[&str] = if app.doc.edits.preview_salt {
        &["  PREVIEW SALT (--salt-file to use yours)", "  PREVIEW SALT"]
    } else {
        &[""]
    };
    let file = text::visible(&app.doc.file_name);
    let summary = app.file_summary();
    for warning in warnings {
        let fixed = text::width(&profile) + text::width(warning);
        // The file and summary share what is left; the file keeps at least its name.
        let left = columns.saturating_sub(fixed + 4);
        let file_width = text::width(&file);
        if file_width + 2 + text::width(&summary) <= left {
            return format!("{file}  {summary}  {profile}{warning}");
        }
        if file_width + 2 + 12 <= left {
            let summary = text::fit(&summary, left - file_width - 2);
            return format!("{file}  {summary}  {profile}{warning}");
        }
        if left >= 12 {
            return format!("{}  {profile}{warning}", text::fit_left(&file, left));
        }
    }
    let warning = warnings.last().copied().unwrap_or_default();
    let room = columns.saturating_sub(text::width(warning));
    format!("{}{warning}", text::fit(&profile, room))
}

/// The hints that fit in `columns`: the table's hints in its order, those of the highest
/// priority number left out first; `? help` and `q quit` (priority 0) always stay.
pub fn hints(columns: usize) -> String {
    hints_of(BINDINGS, columns)
}

/// The hints for a mode: with the image shown its keys' and the main screen's `? help` and
/// `q quit`; drawing a region or in the pixel rule form, their own; else the main screen's.
pub fn hints_for(mode: super::app::Mode, columns: usize) -> String {
    use super::app::Mode;
    use super::keys::{DRAW_BINDINGS, FORM_BINDINGS, IMAGE_BINDINGS};
    let always = || BINDINGS.iter().filter(|b| b.hint.is_some_and(|(_, p)| p == 0));
    match mode {
        Mode::Image => hints_in(IMAGE_BINDINGS.iter().chain(always()), columns),
        Mode::Draw => hints_of(DRAW_BINDINGS, columns),
        Mode::Form => hints_of(FORM_BINDINGS, columns),
        _ => hints(columns),
    }
}

/// The hints of a key table that fit in `columns` (0: those always shown).
pub fn hints_of(table: &[super::keys::Binding], columns: usize) -> String {
    hints_in(table.iter(), columns)
}

/// The hints of some bindings that fit in `columns`.
fn hints_in<'a>(bindings: impl Iterator<Item = &'a super::keys::Binding>, columns: usize) -> String {
    let all: Vec<(String, u8)> = bindings
        .filter_map(|b| {
            b.hint.map(|(word, priority)| {
                // A hint that starts with its key (`[ ] frames`) is written as it is.
                let first = b.label.split(' ').next().unwrap_or_default();
                if word.starts_with(&format!("{first} ")) {
                    (word.to_string(), priority)
                } else {
                    (format!("{} {word}", b.label), priority)
                }
            })
        })
        .collect();
    let mut cutoff = all.iter().map(|(_, p)| *p).max().unwrap_or(0);
    loop {
        let line = all
            .iter()
            .filter(|(_, p)| *p <= cutoff)
            .map(|(h, _)| h.as_str())
            .collect::<Vec<_>>()
            .join("  ");
        if text::width(&line) <= columns || cutoff == 0 {
            return line;
        }
        cutoff -= 1;
    }
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let columns = usize::from(area.width);
    let first = status_first_row(app, columns);
    let second = match &app.prompt {
        Some(p) if p.confirm && p.kind == PromptKind::ConfirmAction => {
            text::fit(&text::visible(&format!("{} (y/n)", p.input)), columns)
        }
        Some(p) if p.confirm => text::fit_left(
            &text::visible(&format!("{} exists: overwrite? (y/n)", p.input)),
            columns,
        ),
        Some(p) => {
            let what = match p.kind {
                PromptKind::SaveProfile => "Save profile as",
                PromptKind::WriteOutput => "Write de-identified file to",
                PromptKind::Search if !app.search.is_empty() => "Search (⏎ alone: again)",
                PromptKind::Search | PromptKind::ConfirmAction => "Search",
            };
            let line = format!("{what}: {}█", text::visible(&p.input));
            let keys = format!("   ({})", super::keys::PROMPT_KEYS);
            if text::width(&line) + text::width(&keys) <= columns {
                format!("{line}{keys}")
            } else {
                text::fit_left(&line, columns)
            }
        }
        None => {
            // The message, then as many hints as fit; `? help  q quit` always.
            let mode = app.mode();
            let always = hints_for(mode, 0);
            if app.message.is_empty() {
                hints_for(mode, columns)
            } else {
                let room = columns.saturating_sub(text::width(&always) + 2);
                let message = text::fit(&text::visible(&app.message), room);
                let pad = columns.saturating_sub(text::width(&message) + text::width(&always));
                format!("{message}{}{always}", " ".repeat(pad))
            }
        }
    };
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(second)]), area);
}

#[cfg(test)]
mod tests {
    use super::{scroll_offset, wrapped_rows};

    #[test]
    fn wrapped_text_is_counted_by_the_rows_it_takes() {
        assert_eq!(wrapped_rows("one two", 20), 1);
        assert_eq!(wrapped_rows("one two three", 7), 2);
        assert_eq!(wrapped_rows("a\nb\n\nc", 10), 4);
        assert_eq!(wrapped_rows("abcdefghij", 4), 3);
    }

    #[test]
    fn the_window_moves_only_as_far_as_the_selection_needs() {
        // 100 rows, 10 shown.
        assert_eq!(scroll_offset(0, 5, 100, 10), 0, "visible: stays");
        assert_eq!(
            scroll_offset(0, 12, 100, 10),
            3,
            "below: the selection becomes the last row"
        );
        assert_eq!(
            scroll_offset(40, 35, 100, 10),
            35,
            "above: the selection becomes the first row"
        );
        assert_eq!(
            scroll_offset(90, 19, 20, 10),
            19,
            "rows went away: the selection stays in view"
        );
        assert_eq!(scroll_offset(7, 0, 0, 10), 0, "no rows");
    }
}
