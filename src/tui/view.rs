//! Drawing: reads the state, changes nothing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, PromptKind};
use super::keys::BINDINGS;
use super::theme::Theme;
use crate::dataset::tag_string;
use crate::diff::ChangeKind;
use crate::profile::Action as RuleAction;
use crate::risk::RiskReport;

/// The width of the action badge column.
pub const BADGE_WIDTH: usize = 10;

/// The width of the name column at a depth: it gives up what the indent takes, so that the
/// VR, badge and value columns line up at every depth.
fn name_width(depth: usize) -> usize {
    28usize.saturating_sub(2 * depth).max(8)
}

/// Where a row's action badge starts, counted from the row's first cell: the indent, the fold
/// mark, `(GGGG,EEEE) `, the name and a space, and the VR and a space.
pub fn badge_column(depth: usize) -> usize {
    2 * depth + 1 + 12 + name_width(depth) + 1 + 3
}

/// A `width` × `height` rectangle in the middle of `area`.
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

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height: height.min(area.height),
    }
}

/// A bordered pane in the theme's colours.
fn pane(theme: &Theme, title: impl Into<String>) -> Block<'static> {
    Block::bordered()
        .border_style(Style::new().fg(theme.border))
        .title(Span::styled(
            title.into(),
            Style::new().fg(theme.title).add_modifier(Modifier::BOLD),
        ))
}

/// The selected row: the theme's colours, or reverse video when the theme has none.
fn selection(theme: &Theme) -> Style {
    if theme.selection_bg == Color::Reset {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().fg(theme.selection_fg).bg(theme.selection_bg)
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    // A seam for the test that a panic inside a draw still restores the terminal; debug
    // builds only, so no release binary can be made to panic this way.
    #[cfg(debug_assertions)]
    if std::env::var_os("DPK_TUI_PANIC_IN_DRAW").is_some() {
        panic!("deliberate panic inside a draw (DPK_TUI_PANIC_IN_DRAW)");
    }
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(frame.area());
    // Narrow terminals stack the panes instead of squeezing them side by side; the risk pane
    // keeps room for both gauges either way.
    let [tree, risk, diff] = if main.width >= 110 {
        let [tree, side] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
        let [risk, diff] = Layout::vertical([Constraint::Length(9), Constraint::Min(3)]).areas(side);
        [tree, risk, diff]
    } else {
        Layout::vertical([Constraint::Min(4), Constraint::Length(7), Constraint::Length(6)]).areas(main)
    };
    app.page = usize::from(tree.height.saturating_sub(2)).max(1);
    draw_tree(frame, tree, app);
    draw_risk(frame, risk, app);
    draw_diff(frame, diff, app);
    draw_status(frame, status, app);
    let overlay = if app.help {
        Some((" Keys (? closes) ", help_text(), 70))
    } else {
        app.explain
            .as_ref()
            .map(|text| (" Explain (e or Esc closes) ", text.clone(), 100))
    };
    if let Some((title, text, width)) = overlay {
        let scroll = OverlayScroll {
            rows: &mut app.overlay_scroll,
            page: &mut app.overlay_page,
        };
        draw_overlay(frame, frame.area(), width, title, &text, &app.theme, scroll);
    }
    if let Some(menu) = &app.menu {
        draw_menu(frame, frame.area(), menu, &app.theme);
    }
}

/// The help: every binding, in the key table's order.
fn help_text() -> String {
    let lines: Vec<String> = BINDINGS
        .iter()
        .map(|b| format!("{:<8} {}", b.label, b.help))
        .collect();
    lines.join("\n")
}

/// Where an overlay is scrolled to, kept within its text as it is drawn, and how far a
/// page moves it at the size it was drawn.
struct OverlayScroll<'a> {
    rows: &'a mut u16,
    page: &'a mut u16,
}

fn draw_menu(frame: &mut Frame<'_>, area: Rect, menu: &super::app::Menu, theme: &Theme) {
    let title = match menu.kind {
        super::app::MenuKind::Action => " Action (Enter picks, Esc closes) ",
        super::app::MenuKind::Options => " PS3.15 options (Space toggles, Esc closes) ",
        super::app::MenuKind::Profile => " Base profile (Enter picks, Esc closes) ",
    };
    let width = area.width.min(70);
    let height = (menu.items.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let items: Vec<ListItem<'_>> = menu
        .items
        .iter()
        .map(|(label, on)| {
            let mark = match on {
                Some(true) => "[x] ",
                Some(false) => "[ ] ",
                None => "",
            };
            ListItem::new(format!("{mark}{label}"))
        })
        .collect();
    let mut state = ratatui::widgets::ListState::default().with_selected(Some(menu.selected));
    frame.render_widget(Clear, popup);
    frame.render_stateful_widget(
        List::new(items)
            .block(pane(theme, title))
            .highlight_style(selection(theme)),
        popup,
        &mut state,
    );
}

/// Draws `text` in a box over the screen, as tall as its wrapped rows or the screen; text
/// taller than the box scrolls, and the bottom border then says which rows show.
fn draw_overlay(
    frame: &mut Frame<'_>,
    area: Rect,
    max_width: u16,
    title: &str,
    text: &str,
    theme: &Theme,
    scroll: OverlayScroll<'_>,
) {
    let width = area.width.min(max_width);
    let rows = u16::try_from(wrapped_rows(text, usize::from(width.saturating_sub(2)))).unwrap_or(u16::MAX);
    let height = rows.saturating_add(2).min(area.height);
    let shown = height.saturating_sub(2);
    *scroll.rows = (*scroll.rows).min(rows.saturating_sub(shown));
    *scroll.page = shown.saturating_sub(1).max(1);
    let mut block = pane(theme, title.to_string());
    if shown < rows {
        let first = *scroll.rows + 1;
        let last = *scroll.rows + shown;
        block = block.title_bottom(
            Line::from(format!(" rows {first}–{last} of {rows} · ↑↓ PgUp PgDn scroll ")).right_aligned(),
        );
    }
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: false })
            .scroll((*scroll.rows, 0))
            .block(block),
        popup,
    );
}

fn draw_tree(frame: &mut Frame<'_>, area: Rect, app: &mut App) {
    let value_width = usize::from(area.width).saturating_sub(60).max(10);
    // Only the rows that fit are built: a large file's tree costs a keypress no more than a
    // small one's. The window scrolls as a list widget's would, keeping the selection in view.
    let inner = Block::bordered().inner(area);
    let height = usize::from(inner.height).max(1);
    let offset = scroll_offset(app.list_state.offset(), app.selected, app.rows.len(), height);
    let end = (offset + height).min(app.rows.len());
    let items: Vec<ListItem<'_>> = app.rows[offset.min(end)..end]
        .iter()
        .map(|row| {
            let Some(c) = app.element(row.entry) else {
                return ListItem::new("");
            };
            // What goes with a removed sequence is drawn faint: its own action does not apply.
            let (faint, name_style) = if row.with_sequence {
                let faint = Style::new().add_modifier(Modifier::DIM);
                (faint, faint)
            } else {
                (Style::new(), Style::new().add_modifier(Modifier::BOLD))
            };
            let action = c.decision.as_ref().map_or(RuleAction::Keep, |d| d.action);
            let marker = if app.is_overridden(c) { "*" } else { " " };
            let fold = if row.has_children { "▾" } else { " " };
            let value = c
                .before
                .as_ref()
                .map(|v| app.value_text(c, v, value_width))
                .unwrap_or_else(|| "(new)".into());
            let name = if c.keyword.is_empty() {
                app.creator(c)
                    .map_or_else(|| "(private)".to_string(), |cr| format!("[{cr}]"))
            } else {
                c.keyword.to_string()
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{}{fold}", "  ".repeat(row.depth)), faint),
                Span::styled(format!("{} ", tag_string(c.path.tag)), faint),
                Span::styled(format!("{name:<w$.w$} ", w = name_width(row.depth)), name_style),
                Span::styled(format!("{} ", c.vr.to_string()), faint),
                Span::styled(
                    format!("{:<10}", action.label()),
                    Style::new().fg(app.theme.badge(action)),
                ),
                Span::styled(marker, Style::new().fg(app.theme.modified)),
                Span::styled(format!(" {value}"), faint),
            ]))
        })
        .collect();
    let list = List::new(items)
        .block(pane(
            &app.theme,
            format!(
                " Tags — {} elements, {} shown ({}) ",
                app.element_count(),
                app.rows.len(),
                app.filter.label()
            ),
        ))
        .highlight_style(selection(&app.theme));
    let mut window = ListState::default().with_selected(app.selected.checked_sub(offset));
    frame.render_stateful_widget(list, area, &mut window);
    app.list_state.select(Some(app.selected));
    *app.list_state.offset_mut() = offset;
    app.tree_rows = inner;
}

/// The first row shown: the previous one, moved just enough to show `selected`.
fn scroll_offset(previous: usize, selected: usize, len: usize, height: usize) -> usize {
    let mut offset = previous.min(len.saturating_sub(1));
    if selected >= offset + height {
        offset = selected + 1 - height;
    }
    offset.min(selected)
}

fn gauge(report: &RiskReport, title: &str, theme: &Theme) -> Gauge<'static> {
    Gauge::default()
        .block(Block::new().title(title.to_string()))
        .gauge_style(Style::new().fg(theme.level(report.level)))
        .ratio((report.score / 100.0).clamp(0.0, 1.0))
        .label(format!("{:.1}% {}", report.score, report.level.label()))
}

fn draw_risk(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let block = pane(&app.theme, " Risk ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [before, after, findings] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    frame.render_widget(gauge(&app.before, "before", &app.theme), before);
    frame.render_widget(gauge(&app.after, "after", &app.theme), after);
    let lines: Vec<Line<'_>> = app
        .after
        .findings
        .iter()
        .take(usize::from(findings.height))
        .map(|f| Line::from(format!("{:.2} {} {}", f.weight, f.path, f.reason)))
        .collect();
    let text = if lines.is_empty() {
        vec![Line::from("no findings left")]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(text), findings);
}

fn draw_diff(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if app.change_list {
        draw_change_list(frame, area, app);
        return;
    }
    let mut lines = Vec::new();
    if let Some(c) = app.selected_entry() {
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
        lines.push(Line::from(format!("{} {}", c.path, c.keyword)));
        lines.push(Line::from(format!("before: {}", show(&c.before))));
        lines.push(Line::from(format!("after:  {after}")));
        if let Some(d) = &c.decision {
            lines.push(Line::from(format!(
                "action: {}  rule: {}",
                d.action.label(),
                d.rule
            )));
            if let Some(note) = &d.note {
                lines.push(Line::from(format!("note:   {note}")));
            }
        }
    }
    let title = format!(" Change — {} changes (c: all) ", app.plan.change_count());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane(&app.theme, title)),
        area,
    );
}

/// Every change of the plan, one per line in file order, the selected element's highlighted
/// and kept in view; only the lines that fit are built.
fn draw_change_list(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let block = pane(
        &app.theme,
        format!(" Changes — {} in the plan (c: one) ", app.plan.change_count()),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let changes: Vec<&crate::diff::Change> = app.plan.entries.iter().filter(|c| c.is_change()).collect();
    if changes.is_empty() {
        frame.render_widget(Paragraph::new("the profile changes nothing in this file"), inner);
        return;
    }
    let selected = app
        .selected_entry()
        .and_then(|s| changes.iter().position(|c| c.path == s.path));
    let height = usize::from(inner.height).max(1);
    let offset = selected
        .map_or(0, |i| i.saturating_sub(height / 2))
        .min(changes.len().saturating_sub(height));
    let value_width = usize::from(inner.width / 4).max(8);
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
            let line = Line::from(vec![
                Span::styled(
                    format!("{:<10}", action.label()),
                    Style::new().fg(app.theme.badge(action)),
                ),
                Span::raw(format!("{} {}: {} → {after}", c.path, c.keyword, text(&c.before))),
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

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let modified = if app.unsaved() { " [modified]" } else { "" };
    let salt = if app.preview_salt {
        "  PREVIEW SALT (--salt-file to use yours)"
    } else {
        ""
    };
    let first = format!(
        "{}  {}  profile {}{modified}{salt}",
        app.file_name,
        app.file_summary(),
        app.profile.name()
    );
    let hints: Vec<String> = BINDINGS
        .iter()
        .filter_map(|b| b.hint.map(|word| format!("{} {word}", b.label)))
        .collect();
    let second = match &app.prompt {
        Some(p) if p.confirm => format!("{} exists: overwrite? (y/n)", p.input),
        Some(p) => {
            let what = match p.kind {
                PromptKind::SaveProfile => "Save profile as",
                PromptKind::WriteOutput => "Write de-identified file to",
                PromptKind::Search => "Search",
            };
            format!("{what}: {}█   ({})", p.input, super::keys::PROMPT_KEYS)
        }
        None if !app.message.is_empty() => app.message.clone(),
        None => hints.join("  "),
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
