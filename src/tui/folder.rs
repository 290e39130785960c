//! Loading a folder (or a list of files) for the study browser: headers only, on a worker
//! thread that sends each file as it is read, so that the screen is drawn at once and keys
//! are answered while a large folder is still loading.
//!
//! The channel is bounded: a worker that runs ahead of the screen waits for it to take what
//! was sent, so a folder of many thousand files never piles up in memory unread.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use dicom_dictionary_std::tags;

use crate::dataset::{self, Header};
use crate::engine::{Context, Plan};
use crate::profile::ResolvedProfile;
use crate::risk::{score, Level, Weights};

/// The profile in force and its version, shared with the worker: a file read after a change
/// is scored with the changed profile, not re-planned afterwards.
pub type SharedProfile = Arc<Mutex<(u64, ResolvedProfile)>>;

/// How many loaded files the channel holds before the worker waits for the screen.
pub const CHANNEL_DEPTH: usize = 64;

/// What the worker sends.
pub enum Loaded {
    /// How many files it found to read (sent once, before the first file).
    Found(usize),
    /// One file read and scored.
    File(Box<LoadedFile>),
    /// One file that could not be read: its path and why.
    Failed(PathBuf, String),
    /// Everything found has been sent.
    Done,
}

/// A file's header and what the browser shows of it.
pub struct LoadedFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its header (pixel data left in the file).
    pub header: Header,
    /// Its identifiers, to group it.
    pub ids: Identity,
    /// The risk of the file as it is.
    pub before: (f64, Level),
    /// What the profile in force when loading started does to it.
    pub assessment: Assessment,
}

/// The identifiers a file is grouped by and shown with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// Study Instance UID.
    pub study_uid: Option<String>,
    /// Series Instance UID.
    pub series_uid: Option<String>,
    /// SOP Instance UID.
    pub instance_uid: Option<String>,
    /// Study Description.
    pub study_description: Option<String>,
    /// Modality.
    pub modality: Option<String>,
    /// Series Number.
    pub series_number: Option<String>,
    /// Series Description.
    pub series_description: Option<String>,
}

impl Identity {
    /// Reads a file's identifiers.
    pub fn of(header: &Header) -> Identity {
        let file = &header.file;
        Identity {
            study_uid: dataset::text_of(file, tags::STUDY_INSTANCE_UID),
            series_uid: dataset::text_of(file, tags::SERIES_INSTANCE_UID),
            instance_uid: dataset::text_of(file, tags::SOP_INSTANCE_UID),
            study_description: dataset::text_of(file, tags::STUDY_DESCRIPTION),
            modality: dataset::text_of(file, tags::MODALITY),
            series_number: dataset::text_of(file, tags::SERIES_NUMBER),
            series_description: dataset::text_of(file, tags::SERIES_DESCRIPTION),
        }
    }
}

/// What one version of the profile does to a file: its risk after, and the new UIDs of its
/// study, series and instance, as the engine's plan gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// The version of the profile it was worked out with (see `Edits::generation`).
    pub generation: u64,
    /// The risk after, or why the plan failed.
    pub after: Result<(f64, Level), String>,
    /// The plan's Study Instance UID after (None: removed, or no plan).
    pub study_uid: Option<String>,
    /// The plan's Series Instance UID after.
    pub series_uid: Option<String>,
    /// The plan's SOP Instance UID after.
    pub instance_uid: Option<String>,
}

/// Plans and scores one header with a profile: what the browser shows of the file after.
pub fn assess(
    header: &Header,
    profile: &ResolvedProfile,
    ctx: &Context,
    weights: &Weights,
    generation: u64,
) -> Assessment {
    let planned = super::document::plan_and_score(header, profile, ctx, weights);
    match planned {
        Ok((plan, after)) => Assessment {
            generation,
            after: Ok((after.score, after.level)),
            study_uid: uid_after(&plan, tags::STUDY_INSTANCE_UID),
            series_uid: uid_after(&plan, tags::SERIES_INSTANCE_UID),
            instance_uid: uid_after(&plan, tags::SOP_INSTANCE_UID),
        },
        Err(e) => Assessment {
            generation,
            after: Err(e.to_string()),
            study_uid: None,
            series_uid: None,
            instance_uid: None,
        },
    }
}

/// The value a top-level UID has after the plan, as text.
fn uid_after(plan: &Plan, tag: dicom_core::Tag) -> Option<String> {
    let entry = plan.entry(&dataset::TagPath::root(tag))?;
    match entry.after.as_ref()? {
        dataset::Snapshot::Primitive(p) => dataset::strings_of(p)
            .into_iter()
            .next()
            .filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// The files to read: each argument that is a folder is walked (in name order, so that the
/// browser lists the same folder the same way every time); a file is taken as given.
fn files_under(inputs: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            out.push(Ok(input.clone()));
            continue;
        }
        let walk = walkdir::WalkDir::new(input)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        for entry in walk {
            match entry {
                // A link to a file is read as the file; links to folders are not followed
                // (no loops).
                Ok(e) if e.file_type().is_file() || (e.path_is_symlink() && e.path().is_file()) => {
                    out.push(Ok(e.into_path()))
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| input.clone(), Path::to_path_buf);
                    out.push(Err((path, e.to_string())));
                }
            }
        }
    }
    out
}

/// The worker reading a folder, and the end of the channel the screen takes files from.
pub struct Loader {
    receiver: Receiver<Loaded>,
    /// Whether the worker has sent everything (or stopped).
    pub finished: bool,
}

impl Loader {
    /// Starts reading `inputs` on a worker thread; returns at once. Each file is scored with
    /// the profile in force as it is read, so that a loaded file needs no re-plan.
    pub fn start(
        inputs: Vec<PathBuf>,
        profile: SharedProfile,
        ctx: Arc<Context>,
        weights: Weights,
    ) -> std::io::Result<Loader> {
        let (sender, receiver) = sync_channel(CHANNEL_DEPTH);
        std::thread::Builder::new()
            .name("dpk-tui-loader".into())
            .spawn(move || {
                let found = files_under(&inputs);
                // The screen may be gone (the user quit): the worker then stops.
                if sender.send(Loaded::Found(found.len())).is_err() {
                    return;
                }
                for item in found {
                    let message = match item {
                        Err((path, why)) => Loaded::Failed(path, why),
                        Ok(path) => match dataset::open_header(&path) {
                            Err(e) => Loaded::Failed(path, e.to_string()),
                            Ok(header) => {
                                let before = score(&header.file, &weights);
                                // A poisoned lock (a panic elsewhere) still holds a whole
                                // profile: its value is used.
                                let (generation, profile) = match profile.lock() {
                                    Ok(shared) => shared.clone(),
                                    Err(poisoned) => poisoned.into_inner().clone(),
                                };
                                let assessment = assess(&header, &profile, &ctx, &weights, generation);
                                Loaded::File(Box::new(LoadedFile {
                                    ids: Identity::of(&header),
                                    path,
                                    header,
                                    before: (before.score, before.level),
                                    assessment,
                                }))
                            }
                        },
                    };
                    if sender.send(message).is_err() {
                        return;
                    }
                }
                let _ = sender.send(Loaded::Done);
            })?;
        Ok(Loader {
            receiver,
            finished: false,
        })
    }

    /// Takes at most `limit` messages that have arrived, never waiting for more: a key
    /// pressed while a large folder loads is answered after one such batch at most.
    pub fn drain(&mut self, limit: usize) -> Vec<Loaded> {
        let mut out = Vec::new();
        while out.len() < limit && !self.finished {
            match self.receiver.try_recv() {
                Ok(Loaded::Done) => self.finished = true,
                Ok(message) => out.push(message),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.finished = true,
            }
        }
        out
    }
}
