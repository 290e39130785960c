//! One line on what each action and each PS3.15 option does, for the menus.

use crate::profile::Action;

/// What an action does to an element, in a line.
pub fn action(action: Action) -> &'static str {
    match action {
        Action::Keep => "leave the value as it is",
        Action::Remove => "remove the element (a sequence with all it holds)",
        Action::Empty => "keep the element with an empty value",
        Action::Dummy => "replace the value with a dummy valid for the VR",
        Action::Hash => "replace the value with a keyed hash (same input, same output)",
        Action::ReplaceUid => "replace each UID with a new one derived from it",
        Action::ShiftDate => "move dates by a per-patient number of days",
        Action::Clean => "take the file's identifying values out of the text",
        _ => "resolved by the attribute's Type in the IOD",
    }
}

/// What a PS3.15 option keeps, in a line.
pub fn option(name: &str) -> &'static str {
    match name {
        "retain-safe-private" => "keep private elements known to be safe",
        "retain-uids" => "keep the UIDs instead of replacing them",
        "retain-device-identity" => "keep device names and serial numbers",
        "retain-institution-identity" => "keep institution and department names",
        "retain-patient-characteristics" => "keep age, sex, size, weight",
        "retain-long-full-dates" => "keep dates and times as they are",
        "retain-long-modified-dates" => "shift dates instead of removing them",
        "clean-descriptors" => "clean descriptions instead of removing them",
        "clean-structured-content" => "clean structured reports instead of removing them",
        "clean-graphics" => "clean graphic annotations instead of removing them",
        _ => "a PS3.15 Table E.1-1 option",
    }
}
