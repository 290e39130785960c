//! Drawing the study browser: reads the state, changes nothing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};
use ratatui::Frame;

use super::browser::{Browser, BrowserRow, Inspector, Mapped};
use super::folder::Assessment;
use super::keys::BROWSER_BINDINGS;
use super::text;
use crate::risk::Level;

/// Rows of the pane under the list: its borders and four lines.
const DETAILS_HEIGHT: u16 = 6;

/// The width of the risk column.
const RISK_WIDTH: usize = 20;

/// Draws what the inspector shows: the open tree, else the folder.
pub fn draw(frame: &mut Frame<'_>, inspector: &Inspector) {
    if let Some(app) = inspector.app() {
        super::view::draw(frame, app);
    } else if let Some(browser) = &inspector.browser {
        draw_browser(frame, browser);
    }
}

/// The list pane, the details pane and the status rows of a screen of `area`.
fn areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(DETAILS_HEIGHT.min(area.height / 3)),
        Constraint::Length(2),
    ])
    .areas(area)
}

/// How many lines of the list a screen of `area` shows.
pub fn list_height(area: Rect) -> usize {
    let [list, _, _] = areas(area);
    usize::from(Block::bordered().inner(list).height.saturating_sub(1)).max(1)
}

/// How far the help may scroll on a screen of `area`, and a page of it.
pub fn help_geometry(area: Rect) -> (u16, u16) {
    super::view::overlay_rows(area, 80, &super::keys::help_text())
}

/// Draws the folder's screen.
pub fn draw_browser(frame: &mut Frame<'_>, browser: &Browser) {
    let [list, details, status] = areas(frame.area());
    draw_list(frame, list, browser);
    draw_details(frame, details, browser);
    draw_status(frame, status, browser);
    if browser.help {
        super::view::draw_overlay(
            frame,
            frame.area(),
            80,
            " Keys (? closes) ",
            &super::keys::help_text(),
            &browser.theme,
            browser.help_scroll,
        );
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn draw_list(frame: &mut Frame<'_>, area: Rect, browser: &Browser) {
    let mut title = format!(
        " {} — {} · {} · {}",
        text::visible(&browser.title),
        plural(browser.studies.len(), "study", "studies"),
        plural(browser.series_count(), "series", "series"),
        plural(browser.files.len(), "file", "files"),
    );
    if !browser.loaded() {
        match browser.found {
            Some(found) => title.push_str(&format!(
                " · loading {}/{found}",
                browser.files.len() + browser.failures.len()
            )),
            None => title.push_str(" · looking for files"),
        }
    }
    if !browser.failures.is_empty() {
        title.push_str(&format!(" · {} unreadable", browser.failures.len()));
    }
    title.push(' ');
    let block = super::view::pane(&browser.theme, title, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = usize::from(inner.width);
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let name_columns = columns.saturating_sub(RISK_WIDTH + 1);
    let head = format!(
        "{} {}",
        text::fit_pad("Study / series / file", name_columns),
        text::fit("Risk before → after", RISK_WIDTH)
    );
    frame.render_widget(
        Paragraph::new(text::fit(&head, columns)).style(Style::new().add_modifier(Modifier::UNDERLINED)),
        header,
    );
    let height = usize::from(body.height).max(1);
    // The offset is kept by the update; a frame of another size still shows the selection.
    let offset = super::view::scroll_offset(browser.offset, browser.selected, browser.rows.len(), height);
    let end = (offset + height).min(browser.rows.len());
    let items: Vec<ListItem<'_>> = browser.rows[offset.min(end)..end]
        .iter()
        .map(|row| ListItem::new(row_line(browser, *row, name_columns)))
        .collect();
    if items.is_empty() {
        let note = if browser.loaded() {
            "no files"
        } else {
            "loading…"
        };
        frame.render_widget(Paragraph::new(text::fit(note, columns)), body);
        return;
    }
    let mut state = ListState::default().with_selected(browser.selected.checked_sub(offset));
    frame.render_stateful_widget(
        List::new(items).highlight_style(super::view::selection(&browser.theme)),
        body,
        &mut state,
    );
}

/// The worst level of some files.
fn worst(levels: impl Iterator<Item = Level>) -> Option<Level> {
    levels.max()
}

/// A risk column: worst before → worst after; `…` while a file is being re-planned.
fn risk_spans(browser: &Browser, files: &[usize]) -> Vec<Span<'static>> {
    let entries: Vec<_> = files.iter().filter_map(|&i| browser.files.get(i)).collect();
    let before = worst(entries.iter().map(|f| f.before.1));
    let stale = entries
        .iter()
        .any(|f| f.assessment.generation != browser.edits.generation);
    let failed = entries.iter().any(|f| f.assessment.after.is_err());
    let after = worst(entries.iter().filter_map(|f| after_level(&f.assessment)));
    let theme = &browser.theme;
    let mut spans = Vec::new();
    if let Some(level) = before {
        spans.push(Span::styled(level.label(), Style::new().fg(theme.level(level))));
    }
    spans.push(Span::raw(" → "));
    if failed {
        spans.push(Span::raw("no plan"));
    } else if let Some(level) = after {
        spans.push(Span::styled(level.label(), Style::new().fg(theme.level(level))));
    }
    if stale {
        spans.push(Span::raw(" …"));
    }
    spans
}

fn after_level(a: &Assessment) -> Option<Level> {
    a.after.as_ref().ok().map(|(_, level)| *level)
}

/// One line of the list: the name fitted to `name_columns`, then the risk column.
fn row_line(browser: &Browser, row: BrowserRow, name_columns: usize) -> Line<'static> {
    let (name, files): (String, Vec<usize>) = match row {
        BrowserRow::Study(s) => {
            let study = &browser.studies[s];
            let files: Vec<usize> = study.files().collect();
            let description = files
                .first()
                .and_then(|&f| browser.files[f].ids.study_description.clone())
                .unwrap_or_else(|| "(no description)".into());
            let fold = if browser.is_folded(s, None) { "▸" } else { "▾" };
            let uid = match browser.mapped(files.iter().copied(), |a| &a.study_uid) {
                Mapped::One(uid) => format!(" · UID → {uid}"),
                Mapped::Several(n) => format!(" · UID → {n} different"),
                Mapped::None => String::new(),
            };
            let line = format!(
                "{fold} Study {description} · {} · {}{uid}",
                plural(study.series.len(), "series", "series"),
                plural(files.len(), "file", "files"),
            );
            (line, files)
        }
        BrowserRow::Series(s, r) => {
            let series = &browser.studies[s].series[r];
            let first = series.files.first().map(|&f| &browser.files[f].ids);
            let words: Vec<String> = first
                .map(|ids| {
                    [&ids.series_number, &ids.modality, &ids.series_description]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let fold = if browser.is_folded(s, Some(r)) {
                "▸"
            } else {
                "▾"
            };
            let line = format!(
                "  {fold} Series {} · {}",
                if words.is_empty() {
                    "(no number)".into()
                } else {
                    words.join(" ")
                },
                plural(series.files.len(), "file", "files")
            );
            (line, series.files.clone())
        }
        BrowserRow::File(f) => {
            let path = &browser.files[f].path;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (format!("      {name}"), vec![f])
        }
        BrowserRow::Failed(i) => {
            let (path, why) = &browser.failures[i];
            // The reason usually names the file already.
            let shown = path.display().to_string();
            let line = if why.contains(&shown) {
                format!("✗ {why}")
            } else {
                format!("✗ {shown}: {why}")
            };
            let style = Style::new().fg(browser.theme.level(Level::Critical));
            return Line::from(Span::styled(
                text::fit(&text::visible(&line), name_columns + 1 + RISK_WIDTH),
                style,
            ));
        }
    };
    let mut spans = vec![
        Span::raw(text::fit_pad(&text::visible(&name), name_columns)),
        Span::raw(" "),
    ];
    spans.extend(risk_spans(browser, &files));
    Line::from(spans)
}

/// A UID's mapping for the details pane: old → new, and whether every file agrees.
fn uid_line(
    browser: &Browser,
    what: &str,
    old: Option<&String>,
    files: &[usize],
    pick: fn(&Assessment) -> &Option<String>,
) -> String {
    let old = old.map_or("(none)", String::as_str);
    let all = if files.len() > 1 {
        format!(" (the same in all {} files)", files.len())
    } else {
        String::new()
    };
    // The new UID first: on a narrow screen the old one is what gets cut.
    match browser.mapped(files.iter().copied(), pick) {
        Mapped::One(new) => format!("{what} → {new}{all}, was {old}"),
        Mapped::Several(n) => format!("{what} → {n} different new UIDs, was {old}"),
        Mapped::None => format!("{what} → (removed), was {old}"),
    }
}

fn levels_text(levels: &[(Level, usize)]) -> String {
    if levels.is_empty() {
        return "none".into();
    }
    levels
        .iter()
        .map(|(level, n)| format!("{n} {}", level.label()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn draw_details(frame: &mut Frame<'_>, area: Rect, browser: &Browser) {
    let block = super::view::pane(
        &browser.theme,
        " Risk of the folder, and the selection ",
        area.width,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = usize::from(inner.width);
    let (before, after) = browser.levels();
    let worst_before = before.first().map_or("none", |(l, _)| l.label());
    let worst_after = after.first().map_or("none", |(l, _)| l.label());
    // Files not yet re-planned since the last change are said first: their levels after
    // are those of the profile before it.
    let stale = browser.stale();
    let mut summary = if stale > 0 {
        format!("re-planning {stale} · ")
    } else {
        String::new()
    };
    summary.push_str(&format!(
        "worst {worst_before} → {worst_after} · files before: {} · after: {}",
        levels_text(&before),
        levels_text(&after)
    ));
    let failed = browser.plan_failures();
    if failed > 0 {
        summary.push_str(&format!(" · {failed} not plannable"));
    }
    let mut lines = vec![summary];
    let study_of = |s: usize| -> (Option<&String>, Vec<usize>) {
        let study = &browser.studies[s];
        (study.uid.as_ref(), study.files().collect())
    };
    match browser.rows.get(browser.selected).copied() {
        Some(BrowserRow::Study(s)) => {
            let (old, files) = study_of(s);
            lines.push(uid_line(browser, "Study UID", old, &files, |a| &a.study_uid));
        }
        Some(BrowserRow::Series(s, r)) => {
            let (old, files) = study_of(s);
            lines.push(uid_line(browser, "Study UID", old, &files, |a| &a.study_uid));
            let series = &browser.studies[s].series[r];
            lines.push(uid_line(
                browser,
                "Series UID",
                series.uid.as_ref(),
                &series.files,
                |a| &a.series_uid,
            ));
        }
        Some(BrowserRow::File(f)) => {
            let file = &browser.files[f];
            if let Some(s) = browser.studies.iter().position(|st| st.files().any(|i| i == f)) {
                let (old, files) = study_of(s);
                lines.push(uid_line(browser, "Study UID", old, &files, |a| &a.study_uid));
            }
            lines.push(uid_line(
                browser,
                "SOP UID",
                file.ids.instance_uid.as_ref(),
                &[f],
                |a| &a.instance_uid,
            ));
            let after = match &file.assessment.after {
                Ok((score, level)) => format!("{score:.1}% {}", level.label()),
                Err(e) => format!("no plan: {e}"),
            };
            lines.push(format!(
                "{} · risk {:.1}% {} → {after}",
                file.path.display(),
                file.before.0,
                file.before.1.label()
            ));
        }
        Some(BrowserRow::Failed(i)) => {
            let (path, why) = &browser.failures[i];
            lines.push(format!("{} could not be read:", path.display()));
            lines.push(why.clone());
        }
        None => {}
    }
    let lines: Vec<Line<'_>> = lines
        .iter()
        .map(|l| Line::from(text::fit(&text::visible(l), columns)))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, browser: &Browser) {
    let columns = usize::from(area.width);
    let modified = if browser.edits.unsaved() {
        " [modified]"
    } else {
        ""
    };
    let salt = if browser.edits.preview_salt {
        "  PREVIEW SALT (--salt-file to use yours)"
    } else {
        ""
    };
    let first = format!("profile {}{modified}{salt}", browser.edits.profile_name());
    let always = super::view::hints_of(BROWSER_BINDINGS, 0);
    let second = if browser.message.is_empty() {
        super::view::hints_of(BROWSER_BINDINGS, columns)
    } else {
        let room = columns.saturating_sub(text::width(&always) + 2);
        let message = text::fit(&text::visible(&browser.message), room);
        let pad = columns.saturating_sub(text::width(&message) + text::width(&always));
        format!("{message}{}{always}", " ".repeat(pad))
    };
    frame.render_widget(
        Paragraph::new(vec![Line::from(text::fit(&first, columns)), Line::from(second)]),
        area,
    );
}
