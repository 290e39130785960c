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
/// iTerm2), falling back to half-blocks when it does not answer in time. Inside tmux,
/// half-blocks always: graphics do not survive its panes and redraws.
pub fn query_terminal() {
    let picker = match Picker::from_query_stdio() {
        Ok(mut picker) => {
            if picker.tmux_detected() || std::env::var_os("TMUX").is_some() {
                picker.set_protocol_type(ProtocolType::Halfblocks);
            }
            picker
        }
        Err(_) => Picker::halfblocks(),
    };
    let _ = PICKER.set(picker);
}

/// The picker in force: the terminal's, once queried; half-blocks otherwise (tests).
pub fn picker() -> Picker {
    PICKER.get().cloned().unwrap_or_else(Picker::halfblocks)
}
