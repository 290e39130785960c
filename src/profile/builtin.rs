//! The profiles and PS3.15 options compiled into dpk, from `profiles/`.

/// Built-in base profiles: name and RON text.
pub const BUILTIN_PROFILES: &[(&str, &str)] = &[("basic", include_str!("../../profiles/basic.ron"))];

/// A PS3.15 option: an overlay of rules on the Basic Profile, from an option column of
/// Table E.1-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ps315Option {
    /// The name used on the command line and in profiles (`retain-uids`).
    pub name: &'static str,
    /// Its CID 7050 code value.
    pub code: &'static str,
    /// The overlay's RON text.
    pub ron: &'static str,
}

macro_rules! option {
    ($name:literal, $code:literal) => {
        Ps315Option {
            name: $name,
            code: $code,
            ron: include_str!(concat!("../../profiles/options/", $name, ".ron")),
        }
    };
}

/// Every option dpk implements, in the order of Table E.1-1's columns. (Clean Pixel Data and
/// Clean Recognizable Visual Features act on pixels, which dpk does not alter.)
pub const OPTIONS: &[Ps315Option] = &[
    option!("retain-safe-private", "113111"),
    option!("retain-uids", "113110"),
    option!("retain-device-identity", "113109"),
    option!("retain-institution-identity", "113112"),
    option!("retain-patient-characteristics", "113108"),
    option!("retain-long-full-dates", "113106"),
    option!("retain-long-modified-dates", "113107"),
    option!("clean-descriptors", "113105"),
    option!("clean-structured-content", "113104"),
    option!("clean-graphics", "113103"),
];

/// Pairs of options that exclude each other (PS3.15 E.3.6: full or modified dates).
pub const EXCLUSIVE_OPTIONS: &[(&str, &str)] = &[("retain-long-full-dates", "retain-long-modified-dates")];

/// Looks up an option by name.
pub fn option(name: &str) -> Option<&'static Ps315Option> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// Looks up a built-in profile's RON text by name.
pub fn profile_text(name: &str) -> Option<&'static str> {
    BUILTIN_PROFILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
