//! The image view: a file's pixels beside its tags, frame by frame, with a window for grey
//! images, and the regions a reviewer draws to blank burned-in text, saved as pixel rules.
//!
//! `decode` reads one frame (the one place that reads pixels), `worker` runs it off the
//! screen's thread, `pane` holds what the pane shows, `geometry` maps cells to pixels,
//! `render` makes the picture, `draw` draws the pane, `form` is the device signature a rule
//! is saved under, and `control` is what the keys and the mouse do to all this.

pub mod control;
pub mod decode;
pub mod draw;
pub mod form;
pub mod geometry;
pub mod pane;
pub mod render;
pub mod worker;

use std::sync::OnceLock;

use ratatui_image::picker::{Picker, ProtocolType};

static PICKER: OnceLock<Picker> = OnceLock::new();

/// Asks the terminal once, before the event loop, which graphics it draws (kitty, sixel,
/// iTerm2), falling back to half-blocks when it does not answer in time.
///
/// Inside tmux or GNU screen it is not asked: half-blocks always. Graphics do not survive
/// their panes and redraws, and the question, wrapped for the multiplexer, goes unanswered,
/// leaving the reader of the answer waiting on the keyboard. `DPK_TUI_GRAPHICS=halfblocks`
/// skips the question anywhere.
pub fn query_terminal() {
    let asked = std::env::var("DPK_TUI_GRAPHICS").is_ok_and(|v| v.eq_ignore_ascii_case("halfblocks"));
    let picker = if asked || multiplexed() {
        Picker::halfblocks()
    } else {
        match Picker::from_query_stdio() {
            Ok(mut picker) => {
                if picker.tmux_detected() {
                    picker.set_protocol_type(ProtocolType::Halfblocks);
                }
                picker
            }
            Err(_) => Picker::halfblocks(),
        }
    };
    let _ = PICKER.set(picker);
}

/// Whether the program runs inside tmux or GNU screen.
fn multiplexed() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let term = std::env::var("TERM").unwrap_or_default();
    set("TMUX") || set("STY") || term.starts_with("tmux") || term.starts_with("screen")
}

/// The picker in force: the terminal's, once queried; half-blocks otherwise (tests).
pub fn picker() -> Picker {
    PICKER.get().cloned().unwrap_or_else(Picker::halfblocks)
}
