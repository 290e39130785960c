//! An independent check of de-identified files, for a release gate: it reads the outputs
//! again and checks them against the profile's rules and against their own originals,
//! without trusting the plan the engine made when it wrote them.
//!
//! A release gate is only useful when it raises no false alarm on correct outputs (people
//! learn to ignore it) and has no blind spot on broken ones. So each output is compared with
//! *its own* original, never with a pool of every original: a pooled list flags one file's
//! dates in another file, or a vendor's word that happens to be some patient's name.
//!
//! For each output it checks that
//! - the file opens again (a file without the `DICM` prefix is listed as not DICOM, not
//!   checked: a run's `report.json` lives there too);
//! - the meta group agrees with the data set (Media Storage SOP Instance and Class UIDs);
//! - no element the profile removes is present, none it empties holds a value, at any depth
//!   (combined codes resolved by the file's IOD, and the IOD's own needs, as the engine does);
//! - no Type 1 attribute (of the IOD types the engine resolves with) is empty, or was removed
//!   when its original held it;
//! - no overlay plane is half there (some 60xx elements without Overlay Data, or Overlay Data
//!   without its rows, columns, type, origin, bits);
//! - a DICOMDIR's offsets each point at a record;
//! - every UID is valid, and no two outputs share a SOP Instance UID;
//! - the PS3.15 markers are present;
//! - a file that claims the Clean Pixel Data Option (code 113101, see [`crate::pixels::claim`])
//!   has each region it names blank in every frame: every pixel of the region (clamped to
//!   the image, as the mask clamps it) holds the same samples. Frames are read one at a time
//!   (native, or decoded from any syntax dpk decodes). A claim that names no region, or
//!   whose pixels cannot be read or decoded, cannot be checked and is a violation; so is a
//!   claim with Burned In Annotation other than NO;
//! - given the originals, none of the original's identifiers is still there: the names of
//!   the patient and of the persons the profile does not keep (name parts of at least three
//!   letters, whole words), patient and record IDs, dates (unless the profile keeps dates) and
//!   instance UIDs (unless it retains UIDs), looked for in the values the profile does not keep
//!   as they are. Registry UIDs (coding schemes, SOP classes) and dpk's own dummy values are
//!   never findings; CS values and the codes of coded entries name no one.
//!
//! An original whose output is missing is reported too.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use crate::batch::inputs::{walk_files, Links};
use crate::confidentiality::{iod, registry};
use crate::dataset::{self, private, sop_class_uid, strings_of, valid_uid, DicomFile, TagPath};
use crate::engine::dummy;
use crate::profile::{Action, ElementContext, ResolvedProfile};
use crate::{Error, Result};

/// One thing wrong with one output file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The output file.
    pub file: PathBuf,
    /// Where in it, when an element is concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<TagPath>,
    /// What is wrong, in one line.
    pub problem: String,
}

/// How [`verify_tree`] walks and pairs.
#[derive(Clone, Debug, Default)]
pub struct TreeOptions {
    /// Follow symbolic links inside folders (walkdir refuses loops); without it they are
    /// skipped.
    pub follow_links: bool,
    /// The JSON report (`dpk anonymize --report FILE.json`) of the run that wrote the
    /// outputs: outputs are then paired with originals by the original's SOP Instance UID,
    /// which finds them when files were renamed or moved.
    pub report: Option<PathBuf>,
}

/// What [`verify_tree`] found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TreeReport {
    /// DICOM outputs checked (files that are not DICOM are listed in `not_dicom`).
    pub files: usize,
    /// Of them, how many have at least one violation.
    pub files_failing: usize,
    /// Everything wrong, file by file in path order.
    pub violations: Vec<Violation>,
    /// Files in the output tree that are not DICOM (no `DICM` prefix): not checked.
    pub not_dicom: Vec<PathBuf>,
    /// Originals (DICOM files) with no output.
    pub missing_outputs: Vec<PathBuf>,
    /// DICOM outputs no original was found for: their identifiers were not compared.
    pub unpaired: Vec<PathBuf>,
    /// Places in the output tree that could not be read, with why.
    pub unreadable: Vec<String>,
    /// Files claiming clean pixel data whose regions were checked, with the regions.
    pub pixels_checked: Vec<PixelsChecked>,
}

/// The regions of one file claiming the Clean Pixel Data Option that [`verify_tree`] checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PixelsChecked {
    /// The output file.
    pub file: PathBuf,
    /// Each region, as its De-identification Method value names it: `blanked (x,y,w,h)`.
    pub regions: Vec<String>,
    /// Frames read.
    pub frames: usize,
}

impl TreeReport {
    /// Whether the gate opens: no violation, no missing output, nothing unread.
    pub fn passes(&self) -> bool {
        self.violations.is_empty() && self.missing_outputs.is_empty() && self.unreadable.is_empty()
    }

    /// Adds another tree's report to this one.
    pub fn merge(&mut self, other: TreeReport) {
        self.files += other.files;
        self.files_failing += other.files_failing;
        self.violations.extend(other.violations);
        self.not_dicom.extend(other.not_dicom);
        self.missing_outputs.extend(other.missing_outputs);
        self.unpaired.extend(other.unpaired);
        self.unreadable.extend(other.unreadable);
        self.pixels_checked.extend(other.pixels_checked);
    }
}

/// Checks every file under `outputs` (a folder or one file) against `profile` and, given
/// `originals` (a folder, or one file when `outputs` is one file), against each output's own
/// original, paired by relative path. See [`verify_tree_with`] for the options.
pub fn verify_tree(
    outputs: &Path,
    profile: &ResolvedProfile,
    originals: Option<&Path>,
) -> Result<TreeReport> {
    verify_tree_with(outputs, profile, originals, &TreeOptions::default())
}

/// [`verify_tree`] with options: following symbolic links, and pairing outputs with
/// originals by the original's SOP Instance UID through the run's JSON report
/// ([`TreeOptions::report`]). This is what `dpk verify` runs; it only prints the result.
pub fn verify_tree_with(
    outputs: &Path,
    profile: &ResolvedProfile,
    originals: Option<&Path>,
    options: &TreeOptions,
) -> Result<TreeReport> {
    let io_error = |path: &Path, source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::metadata(outputs).map_err(|e| io_error(outputs, e))?;
    if let Some(o) = originals {
        std::fs::metadata(o).map_err(|e| io_error(o, e))?;
    }
    let mut report = TreeReport::default();
    let output_files: Vec<(PathBuf, PathBuf)> = if outputs.is_dir() {
        list_files(outputs, options.follow_links, &mut report.unreadable)
    } else {
        let name = outputs.file_name().map(PathBuf::from).unwrap_or_default();
        vec![(outputs.to_path_buf(), name)]
    };
    let pairing = match originals {
        Some(dir) => Some(Pairing::new(dir, outputs, options)?),
        None => None,
    };
    let mut seen_uids: HashMap<String, (PathBuf, Option<String>)> = HashMap::new();
    let mut used_originals: HashSet<PathBuf> = HashSet::new();
    for (path, relative) in output_files {
        if !dataset::looks_like_dicom(&path) {
            // A file that was the output of a paired original is one that should be DICOM.
            match pairing.as_ref().and_then(|p| p.by_relative(&relative)) {
                Some(original) => {
                    used_originals.insert(original.clone());
                    report.files += 1;
                    report.files_failing += 1;
                    report.violations.push(Violation {
                        file: path,
                        path: None,
                        problem: format!("not a DICOM file, but the output of {}", original.display()),
                    });
                }
                None => report.not_dicom.push(path),
            }
            continue;
        }
        report.files += 1;
        let (file, claim_found, checked) = match dataset::open_around_pixel_data(&path) {
            Ok(header) => {
                let (found, checked) = check_claimed_pixels(&path, &header);
                (header.file, found, checked)
            }
            Err(e) => {
                report.files_failing += 1;
                report.violations.push(Violation {
                    file: path.clone(),
                    path: None,
                    problem: format!("does not open: {e}"),
                });
                if let Some(original) = pairing.as_ref().and_then(|p| p.by_relative(&relative)) {
                    used_originals.insert(original.clone());
                }
                continue;
            }
        };
        let original_path = pairing.as_ref().and_then(|p| p.find(&file, &relative));
        let original = match &original_path {
            Some(o) => {
                used_originals.insert(o.clone());
                match dataset::open_header(o) {
                    Ok(h) => Some(h.file),
                    Err(e) => {
                        report.unreadable.push(e.to_string());
                        None
                    }
                }
            }
            None => {
                if pairing.is_some() {
                    report.unpaired.push(path.clone());
                }
                None
            }
        };
        let mut found = check_file(&path, &file, profile, original.as_deref());
        found.extend(claim_found);
        report.pixels_checked.extend(checked);
        if let Some(uid) = dataset::text_of(&file, tags::SOP_INSTANCE_UID) {
            // Copies of one instance (the same image in two transfer syntaxes, say) rightly
            // share their new UID: only outputs of different originals must not.
            let original_uid = original
                .as_deref()
                .and_then(|o| dataset::text_of(o, tags::SOP_INSTANCE_UID));
            match seen_uids.get(&uid) {
                Some((first, first_original))
                    if original_uid.is_none() || *first_original != original_uid =>
                {
                    found.push(Violation {
                        file: path.clone(),
                        path: Some(TagPath::root(tags::SOP_INSTANCE_UID)),
                        problem: format!("SOP Instance UID {uid} is also that of {}", first.display()),
                    });
                }
                Some(_) => {}
                None => {
                    seen_uids.insert(uid, (path.clone(), original_uid));
                }
            }
        }
        if !found.is_empty() {
            report.files_failing += 1;
        }
        report.violations.extend(found);
    }
    if let Some(p) = &pairing {
        report.missing_outputs = p
            .all
            .iter()
            .filter(|o| !used_originals.contains(*o))
            .cloned()
            .collect();
    }
    Ok(report)
}

/// Every regular file under `root` with its path relative to `root`, walked as a folder run
/// walks its inputs (name order, dpk's temporary files left out); places that cannot be
/// read are listed in `unreadable`.
fn list_files(root: &Path, follow_links: bool, unreadable: &mut Vec<String>) -> Vec<(PathBuf, PathBuf)> {
    let skipped_links = std::cell::Cell::new(0);
    let roots = [root.to_path_buf()];
    let Ok(walk) = walk_files(&roots, Links::followed(follow_links), &skipped_links) else {
        unreadable.push(format!("{}: not found", root.display()));
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in walk {
        match entry {
            Ok(path) => {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                files.push((path, relative));
            }
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    files
}

/// Whether a value holds nothing: zero length or only padding, no items, no fragments.
fn holds_nothing<I, P>(value: &Value<I, P>) -> bool {
    match value {
        Value::Primitive(p) => {
            strings_of(p)
                .iter()
                .all(|s| s.trim_matches(['\0', ' ']).is_empty())
                || p.calculate_byte_len() == 0
        }
        Value::Sequence(s) => s.items().is_empty(),
        Value::PixelSequence(s) => s.fragments().is_empty(),
    }
}

/// How outputs find their originals (see [`verify_tree`]); `dpk score --originals` pairs
/// the same way.
pub struct Pairing {
    /// The originals' root (a folder), or the one original file.
    root: PathBuf,
    /// The outputs' root (a folder), or the one output file.
    outputs: PathBuf,
    single: bool,
    /// Every DICOM original, to report those without an output.
    all: BTreeSet<PathBuf>,
    /// With a report: an output's SOP Instance UID → the original's.
    uid_map: HashMap<String, String>,
    /// With a report: originals by SOP Instance UID.
    by_uid: HashMap<String, PathBuf>,
    /// Outputs a DICOMDIR moved to new file IDs → their originals.
    moved: HashMap<PathBuf, PathBuf>,
}

impl Pairing {
    /// Lists the originals (and reads the report, when given) for the outputs under
    /// `outputs`.
    pub fn new(originals: &Path, outputs: &Path, options: &TreeOptions) -> Result<Pairing> {
        let outputs_are_a_tree = outputs.is_dir();
        let single = !originals.is_dir();
        let mut pairing = Pairing {
            root: originals.to_path_buf(),
            outputs: outputs.to_path_buf(),
            single,
            all: BTreeSet::new(),
            uid_map: HashMap::new(),
            by_uid: HashMap::new(),
            moved: HashMap::new(),
        };
        if single {
            pairing.all.insert(originals.to_path_buf());
        } else {
            let mut ignored = Vec::new();
            for (path, _) in list_files(originals, options.follow_links, &mut ignored) {
                if !dataset::looks_like_dicom(&path) {
                    continue;
                }
                let Ok(header) = dataset::open_header(&path) else {
                    continue;
                };
                if options.report.is_some() {
                    if let Some(uid) = dataset::text_of(&header.file, tags::SOP_INSTANCE_UID) {
                        pairing.by_uid.insert(uid, path.clone());
                    }
                }
                if outputs_are_a_tree
                    && path
                        .file_name()
                        .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"))
                {
                    pairing.pair_moved_files(&path);
                }
                pairing.all.insert(path);
            }
        }
        if !outputs_are_a_tree && !single {
            // One output against a folder: only the original it pairs with is expected.
            pairing.all.clear();
        }
        if let Some(report) = &options.report {
            pairing.uid_map = uid_map(report)?;
        }
        Ok(pairing)
    }

    /// The files an original DICOMDIR references, paired with their outputs by the output
    /// DICOMDIR at the same place (a run moves them to new file IDs). A DICOMDIR without an
    /// output, or one that does not read, pairs nothing: its files pair by place.
    fn pair_moved_files(&mut self, original: &Path) {
        let Ok(relative) = original.strip_prefix(&self.root) else {
            return;
        };
        let output = self.outputs.join(relative);
        if let Ok(pairs) = crate::engine::dicomdir::paired_files(original, &output) {
            self.moved.extend(pairs.into_iter().map(|(o, out)| (out, o)));
        }
    }

    /// The original at the same relative place.
    fn by_relative(&self, relative: &Path) -> Option<&PathBuf> {
        if self.single {
            return self.all.first();
        }
        self.all.get(&self.root.join(relative))
    }

    /// The original of the output file at `output` (under the outputs' root), whose data set
    /// is `obj`.
    pub fn original_of(&self, output: &Path, obj: &InMemDicomObject) -> Option<PathBuf> {
        let relative = if self.outputs.is_dir() {
            output.strip_prefix(&self.outputs).unwrap_or(output).to_path_buf()
        } else {
            output.file_name().map(PathBuf::from).unwrap_or_default()
        };
        self.find(obj, &relative)
    }

    /// The original of an output: by SOP Instance UID through the report, then by place.
    fn find(&self, output: &InMemDicomObject, relative: &Path) -> Option<PathBuf> {
        if self.single {
            return Some(self.root.clone());
        }
        // By place first: originals may share a SOP Instance UID (copies of one instance),
        // and a file at the same relative place is its own original.
        if let Some(original) = self.moved.get(&self.outputs.join(relative)) {
            return Some(original.clone());
        }
        let candidate = self.root.join(relative);
        if self.all.contains(&candidate) {
            return Some(candidate);
        }
        if let Some(uid) = dataset::text_of(output, tags::SOP_INSTANCE_UID) {
            let original_uid = self.uid_map.get(&uid).unwrap_or(&uid);
            if let Some(p) = self.by_uid.get(original_uid) {
                return Some(p.clone());
            }
        }
        (self.all.is_empty() && candidate.is_file()).then_some(candidate)
    }
}

/// Reads a run's JSON report: for each file, its new SOP Instance UID → its original one.
fn uid_map(report: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(report).map_err(|source| Error::Io {
        path: report.to_path_buf(),
        source,
    })?;
    let not_a_report = |reason: String| Error::Open {
        path: report.to_path_buf(),
        reason: format!("not a dpk JSON report: {reason}"),
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| not_a_report(e.to_string()))?;
    let files = json
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or_else(|| not_a_report("no \"files\" list".into()))?;
    let mut map = HashMap::new();
    for file in files {
        let changes = file.get("changes").and_then(|c| c.as_array());
        for change in changes.into_iter().flatten() {
            if change.get("path").and_then(|p| p.as_str()) != Some("(0008,0018)") {
                continue;
            }
            let value = |key: &str| {
                change
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim_matches(['\0', ' ']).to_string())
            };
            if let (Some(before), Some(after)) = (value("before"), value("after")) {
                map.insert(after, before);
            }
        }
    }
    Ok(map)
}

/// Checks one output file against the profile and, when given, its own original; an empty
/// list means it passes. (Duplicate UIDs and missing outputs need the whole tree: see
/// [`verify_tree`].)
pub fn verify_file(
    path: &Path,
    profile: &ResolvedProfile,
    original: Option<&InMemDicomObject>,
) -> Vec<Violation> {
    match dataset::open_around_pixel_data(path) {
        Ok(header) => {
            let mut found = check_file(path, &header.file, profile, original);
            found.extend(check_claimed_pixels(path, &header).0);
            found
        }
        Err(e) => vec![Violation {
            file: path.to_path_buf(),
            path: None,
            problem: format!("does not open: {e}"),
        }],
    }
}

fn check_file(
    path: &Path,
    file: &DicomFile,
    profile: &ResolvedProfile,
    original: Option<&InMemDicomObject>,
) -> Vec<Violation> {
    // A DICOMDIR has no SOP Class UID in its data set: its meta group names the class, as
    // the planner takes it.
    let sop_class = sop_class_uid(file).or_else(|| {
        let meta = file
            .meta()
            .media_storage_sop_class_uid()
            .trim_end_matches(['\0', ' ']);
        (!meta.is_empty()).then(|| meta.to_string())
    });
    let identifiers = original.map(|o| Identifiers::of(o, profile, sop_class.as_deref()));
    let mut check = Checker {
        file: path,
        profile,
        sop_class,
        identifiers: identifiers.as_ref(),
        original,
        is_dicomdir: crate::engine::dicomdir::is_dicomdir(file),
        found: Vec::new(),
    };
    check.object(file, None, 0);
    check.markers(file);
    check.meta(file);
    check.overlays(file);
    if let Some(o) = original {
        check.type1_removed(file, o);
    }
    if crate::engine::dicomdir::is_dicomdir(file) {
        check.dicomdir(file);
    }
    check.found
}

/// The regions a file claims clean (code 113101) checked blank in every frame; what is
/// wrong, and what was checked. Nothing for a file that makes no such claim.
fn check_claimed_pixels(path: &Path, header: &dataset::Header) -> (Vec<Violation>, Option<PixelsChecked>) {
    use crate::pixels::{claim, claimed, FrameForm};
    let Some(claim) = claimed(&header.file) else {
        return (Vec::new(), None);
    };
    let mut found = Vec::new();
    let mut report = |tag: Tag, problem: String| {
        found.push(Violation {
            file: path.to_path_buf(),
            path: Some(TagPath::root(tag)),
            problem,
        })
    };
    if !claim.says_no_burned_in {
        let value =
            dataset::text_of(&header.file, tags::BURNED_IN_ANNOTATION).unwrap_or_else(|| "absent".into());
        report(
            tags::BURNED_IN_ANNOTATION,
            format!(
                "the file claims the Clean Pixel Data Option (113101), but Burned In Annotation is {}, not NO",
                crate::terminal_text::escape(&value)
            ),
        );
    }
    if claim.regions.is_empty() {
        report(
            tags::DEIDENTIFICATION_METHOD,
            "the file claims the Clean Pixel Data Option (113101) but names no blanked region: the claim cannot be checked".into(),
        );
        return (found, None);
    }
    let cannot = |reason: String| format!("the regions claimed clean cannot be checked: {reason}");
    let ts = header.file.meta().transfer_syntax();
    let form = match FrameForm::of(&header.file, ts) {
        Ok(form) => form,
        Err(e) => {
            report(tags::PIXEL_DATA, cannot(e.0));
            return (found, None);
        }
    };
    let mut frames = match claimed_frames(path, header, &form) {
        Ok(frames) => frames,
        Err(reason) => {
            report(tags::PIXEL_DATA, cannot(reason));
            return (found, None);
        }
    };
    // For each region: the frames where it is not blank.
    let mut not_blank: Vec<Vec<usize>> = vec![Vec::new(); claim.regions.len()];
    let count = form.frames();
    for index in 0..count {
        let frame = match frames(index).and_then(|raw| form.native(raw).map_err(|e| e.0)) {
            Ok(frame) => frame,
            Err(reason) => {
                report(tags::PIXEL_DATA, cannot(format!("frame {}: {reason}", index + 1)));
                return (found, None);
            }
        };
        for (r, region) in claim.regions.iter().enumerate() {
            if !form.uniform(&frame, region) {
                not_blank[r].push(index + 1);
            }
        }
    }
    for (region, frames) in claim.regions.iter().zip(&not_blank) {
        if let Some(first) = frames.first() {
            let more = match frames.len() - 1 {
                0 => String::new(),
                n => format!(" (and in {n} other frame(s))"),
            };
            report(
                tags::PIXEL_DATA,
                format!(
                    "region {region} claimed clean is not blank in frame {first}{more}: its samples differ"
                ),
            );
        }
    }
    let checked = PixelsChecked {
        file: path.to_path_buf(),
        regions: claim.regions.iter().map(claim::describe).collect(),
        frames: count,
    };
    (found, Some(checked))
}

/// One frame's bytes (as [`crate::pixels::FrameForm::native`] takes them) by index: read
/// from the file one at a time, or, where the pixel data cannot be read at an offset
/// (deflated, held with the header), from the file read whole.
type FrameSource<'a> = Box<dyn FnMut(usize) -> std::result::Result<Vec<u8>, String> + 'a>;

fn claimed_frames<'a>(
    path: &'a Path,
    header: &dataset::Header,
    form: &crate::pixels::FrameForm,
) -> std::result::Result<FrameSource<'a>, String> {
    match dataset::FrameReader::open(path, header) {
        Ok(mut reader) => Ok(Box::new(move |index| {
            reader.read(index).map_err(|e| e.to_string())
        })),
        Err(e) if e.fault == dataset::FrameFault::NotInFile => {
            let whole = dataset::open(path).map_err(|e| e.to_string())?;
            let frames = frames_in_memory(&whole, form)?;
            let mut frames = frames.into_iter().map(Some).collect::<Vec<_>>();
            Ok(Box::new(move |index| {
                frames
                    .get_mut(index)
                    .and_then(Option::take)
                    .ok_or_else(|| format!("there is no frame {}", index + 1))
            }))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The frames of a data set held whole: native as little-endian sample bytes, encapsulated
/// as each frame's fragments joined.
fn frames_in_memory(
    file: &DicomFile,
    form: &crate::pixels::FrameForm,
) -> std::result::Result<Vec<Vec<u8>>, String> {
    use dicom_core::PrimitiveValue;
    let el = file.get(tags::PIXEL_DATA).ok_or("there is no Pixel Data")?;
    let count = form.frames();
    match el.value() {
        Value::PixelSequence(seq) => {
            let ts = file.meta().transfer_syntax();
            let groups =
                dataset::frames::group_in_memory(file, ts, seq.fragments(), seq.offset_table(), count)?;
            Ok(groups.into_iter().map(|g| seq.fragments()[g].concat()).collect())
        }
        Value::Primitive(p) => {
            let bytes: Vec<u8> = match p {
                PrimitiveValue::U16(w) => w.iter().flat_map(|v| v.to_le_bytes()).collect(),
                PrimitiveValue::I16(w) => w.iter().flat_map(|v| v.to_le_bytes()).collect(),
                other => other.to_bytes().into_owned(),
            };
            let len = form.frame_len();
            if bytes.len() < len * count {
                return Err(format!(
                    "the pixel data holds {} bytes; {count} frames of {len} need more",
                    bytes.len()
                ));
            }
            Ok(bytes
                .chunks_exact(len.max(1))
                .take(count)
                .map(<[u8]>::to_vec)
                .collect())
        }
        Value::Sequence(_) => Err("the pixel data is a sequence".into()),
    }
}

/// The action the engine takes on an element: the profile's rule, a combined code resolved by
/// the IOD, the IOD's own needs, and what a VR allows, as the planner decides it.
fn effective_action(
    profile: &ResolvedProfile,
    sop_class: Option<&str>,
    path: &TagPath,
    creator: Option<&str>,
    vr: VR,
) -> Action {
    let ctx = ElementContext { path, creator };
    let Some(m) = profile.decide(&ctx) else {
        return Action::Keep;
    };
    let mut action = m.action;
    if action.is_combined() {
        action = iod::resolve(action, sop_class, path).action;
    }
    if matches!(action, Action::Remove | Action::Empty) {
        if let Some((needed, _)) = iod::required(action, sop_class, path) {
            action = needed;
        }
    }
    if action == Action::Clean && !Action::cleans_in_place(vr) {
        action = Action::Remove;
    }
    let sequence_ok = vr == VR::SQ && matches!(action, Action::Dummy | Action::ReplaceUid | Action::Clean);
    if !action.fits_vr(vr) && !sequence_ok {
        action = Action::Remove;
    }
    action
}

/// The identifiers one original really holds, as [`verify_tree`] looks for them.
#[derive(Debug, Default)]
struct Identifiers {
    /// Lower-case name parts of at least three letters (whole-word matches).
    names: BTreeSet<String>,
    /// Lower-case patient and record IDs of at least three characters.
    ids: BTreeSet<String>,
    /// Dates, `YYYYMMDD` (none when the profile keeps dates).
    dates: BTreeSet<String>,
    /// Instance UIDs (none when the profile retains UIDs).
    uids: BTreeSet<String>,
}

impl Identifiers {
    fn of(original: &InMemDicomObject, profile: &ResolvedProfile, sop_class: Option<&str>) -> Identifiers {
        let mut ids = Identifiers::default();
        let gather = Gather {
            profile,
            sop_class,
            keeps_dates: profile.has_option("retain-long-full-dates"),
            keeps_uids: profile.has_option("retain-uids"),
        };
        gather.walk(original, None, 0, &mut ids);
        // dpk's own dummies are what correct outputs hold: never an original's identifier.
        ids.dates.remove(&dummy_text(VR::DA));
        ids.names.remove(&dummy::DUMMY_TEXT.to_lowercase());
        ids.ids.remove(&dummy::DUMMY_TEXT.to_lowercase());
        ids
    }
}

fn dummy_text(vr: VR) -> String {
    dummy::dummy_value(vr)
        .map(|v| v.to_str().into_owned())
        .unwrap_or_default()
}

struct Gather<'a> {
    profile: &'a ResolvedProfile,
    sop_class: Option<&'a str>,
    keeps_dates: bool,
    keeps_uids: bool,
}

impl Gather<'_> {
    fn walk(
        &self,
        obj: &InMemDicomObject,
        parent: Option<(&TagPath, u32)>,
        depth: usize,
        out: &mut Identifiers,
    ) {
        if depth > crate::limits::max_depth() {
            return;
        }
        for el in obj.iter() {
            let tag = el.header().tag;
            let path = match parent {
                Some((p, i)) => p.child(i, tag),
                None => TagPath::root(tag),
            };
            let p = match el.value() {
                Value::Sequence(seq) => {
                    for (i, item) in seq.items().iter().enumerate() {
                        self.walk(item, Some((&path, i as u32)), depth + 1, out);
                    }
                    continue;
                }
                Value::Primitive(p) => p,
                Value::PixelSequence(_) => continue,
            };
            let vr = el.vr();
            if vr == VR::UI {
                // Whatever holds them, instance UIDs are replaced (registry UIDs stay).
                if !self.keeps_uids && !registry::names_a_class(tag) {
                    for v in strings_of(p) {
                        let v = v.trim_matches(['\0', ' ']);
                        // A single component ("0", a placeholder some writers use) names
                        // nothing and would be found inside any number.
                        if v.contains('.') && !registry::is_registry_uid(v) {
                            out.uids.insert(v.to_string());
                        }
                    }
                }
                continue;
            }
            // What the profile keeps as it is identifies no one by the profile's own terms.
            let creator = private::creator_of(obj, tag);
            if effective_action(self.profile, self.sop_class, &path, creator.as_deref(), vr) == Action::Keep {
                continue;
            }
            for v in strings_of(p) {
                let v = v.trim_matches(['\0', ' ']);
                if v.is_empty() {
                    continue;
                }
                match vr {
                    VR::PN => {
                        for part in crate::engine::clean::name_parts(v) {
                            for word in part.split(|c: char| !c.is_alphanumeric()) {
                                if word.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                                    out.names.insert(word.to_lowercase());
                                }
                            }
                        }
                    }
                    VR::DA | VR::DT if !self.keeps_dates && v.len() >= 8 => {
                        if let Some(date) = v.get(..8).filter(|d| d.bytes().all(|b| b.is_ascii_digit())) {
                            out.dates.insert(date.to_string());
                        }
                    }
                    _ if crate::engine::clean::ID_TAGS.contains(&tag) && v.chars().count() >= 3 => {
                        out.ids.insert(v.to_lowercase());
                    }
                    _ => {}
                }
            }
        }
    }
}

struct Checker<'a> {
    file: &'a Path,
    profile: &'a ResolvedProfile,
    sop_class: Option<String>,
    identifiers: Option<&'a Identifiers>,
    /// The original, when known: an attribute it already held empty was not emptied here.
    original: Option<&'a InMemDicomObject>,
    /// A DICOMDIR is no composite instance.
    is_dicomdir: bool,
    found: Vec<Violation>,
}

/// Type 1 in every composite IOD (PS3.3 C.12.1 SOP Common, C.7.2.1 General Study, C.7.3.1
/// General Series and the series modules that replace it).
const COMPOSITE_TYPE_1: &[Tag] = &[
    tags::SOP_CLASS_UID,
    tags::SOP_INSTANCE_UID,
    tags::STUDY_INSTANCE_UID,
    tags::SERIES_INSTANCE_UID,
    tags::MODALITY,
];

impl Checker<'_> {
    fn report(&mut self, path: Option<TagPath>, problem: String) {
        self.found.push(Violation {
            file: self.file.to_path_buf(),
            path,
            problem,
        });
    }

    /// The attribute's Type: from the IOD table the engine resolves combined codes with,
    /// and, for every composite instance, the Type 1 attributes of the SOP Common, General
    /// Study and General Series modules (and their equivalents) that every IOD has.
    fn iod_type(&self, path: &TagPath) -> Option<(iod::AttrType, &'static str)> {
        let sop_class = self.sop_class.as_deref()?;
        if path.depth() == 0 && COMPOSITE_TYPE_1.contains(&path.tag) && !self.is_dicomdir {
            return Some((iod::AttrType::One, "every composite IOD"));
        }
        let iod = iod::table().iod(sop_class)?;
        Some((iod.type_at(path), iod.name.as_str()))
    }

    fn object(&mut self, obj: &InMemDicomObject, parent: Option<(&TagPath, u32)>, depth: usize) {
        // Creators whose blocks still hold an element may stay.
        let live_blocks: HashSet<Tag> = obj
            .iter()
            .filter_map(|el| private::creator_tag(el.header().tag))
            .collect();
        for el in obj.iter() {
            let tag = el.header().tag;
            let path = match parent {
                Some((p, i)) => p.child(i, tag),
                None => TagPath::root(tag),
            };
            let creator = private::creator_of(obj, tag);
            let mut action = effective_action(
                self.profile,
                self.sop_class.as_deref(),
                &path,
                creator.as_deref(),
                el.vr(),
            );
            if action == Action::Remove && private::is_private_creator(tag) && live_blocks.contains(&tag) {
                action = Action::Keep;
            }
            let empty = holds_nothing(el.value());
            match action {
                Action::Remove => {
                    self.report(Some(path.clone()), "present, but the profile removes it".into())
                }
                Action::Empty if !empty => self.report(
                    Some(path.clone()),
                    "holds a value, but the profile empties it".into(),
                ),
                _ => {}
            }
            if empty && !self.empty_in_original(&path) {
                if let Some((ty @ (iod::AttrType::One | iod::AttrType::OneC), name)) = self.iod_type(&path) {
                    self.report(
                        Some(path.clone()),
                        format!(
                            "empty, but it is Type {} in {name}: it needs a value",
                            ty.as_str()
                        ),
                    );
                }
            }
            match el.value() {
                Value::Sequence(seq) if depth < crate::limits::max_depth() => {
                    for (i, item) in seq.items().iter().enumerate() {
                        self.object(item, Some((&path, i as u32)), depth + 1);
                    }
                }
                Value::Primitive(p) => {
                    let values = strings_of(p);
                    if el.vr() == VR::UI {
                        for v in values
                            .iter()
                            .map(|v| v.trim_matches(['\0', ' ']))
                            .filter(|v| !v.is_empty())
                        {
                            if !valid_uid(v) {
                                self.report(Some(path.clone()), format!("'{v}' is not a valid UID"));
                            }
                        }
                    }
                    self.identifiers_in(&path, el.vr(), action, &values);
                }
                _ => {}
            }
        }
    }

    /// Whether the original holds `value` (one of its values) at `path`.
    fn original_value_is(&self, path: &TagPath, value: &str) -> bool {
        let Some(original) = self.original else {
            return false;
        };
        dataset::item_at(original, path)
            .and_then(|item| item.get(path.tag))
            .and_then(|el| el.value().primitive())
            .is_some_and(|p| strings_of(p).iter().any(|s| s.trim_matches(['\0', ' ']) == value))
    }

    /// Whether the original held the element at `path` empty (or not at all).
    fn empty_in_original(&self, path: &TagPath) -> bool {
        let Some(original) = self.original else {
            return false;
        };
        let Some(el) = dataset::item_at(original, path).and_then(|item| item.get(path.tag)) else {
            return false;
        };
        holds_nothing(el.value())
    }

    /// The original's identifiers in a value the profile does not keep as it is.
    fn identifiers_in(&mut self, path: &TagPath, vr: VR, action: Action, values: &[String]) {
        let Some(ids) = self.identifiers else { return };
        let mut hits: Vec<String> = Vec::new();
        for v in values
            .iter()
            .map(|v| v.trim_matches(['\0', ' ']))
            .filter(|v| !v.is_empty())
        {
            if vr == VR::UI {
                if ids.uids.contains(v) {
                    hits.push(format!("the original's UID {v}"));
                }
                continue;
            }
            if action == Action::Keep
                || vr == VR::CS
                || crate::confidentiality::CODED_ENTRY.contains(&path.tag)
            {
                continue;
            }
            // Retain Longitudinal Temporal Information with Modified Dates cleans (C) or
            // shifts dates: a shifted date may land on another of the original's dates (shifts
            // are whole weeks), so it leaks only when it is still its own original value.
            if action == Action::ShiftDate || (action == Action::Clean && matches!(vr, VR::DA | VR::DT)) {
                if self.original_value_is(path, v) {
                    hits.push(format!("the original's date {v} (not shifted)"));
                }
                continue;
            }
            // Binary values are not text; numbers name no one.
            if !matches!(
                vr,
                VR::AE
                    | VR::LO
                    | VR::LT
                    | VR::PN
                    | VR::SH
                    | VR::ST
                    | VR::UC
                    | VR::UT
                    | VR::DA
                    | VR::DT
                    | VR::UN
            ) {
                continue;
            }
            let low = v.to_lowercase();
            let words: HashSet<&str> = low.split(|c: char| !c.is_alphanumeric()).collect();
            hits.extend(
                ids.names
                    .iter()
                    .filter(|n| words.contains(n.as_str()))
                    .map(|n| format!("the original's name part '{n}'")),
            );
            hits.extend(
                ids.ids
                    .iter()
                    .filter(|id| {
                        words.contains(id.as_str()) || (id.chars().count() >= 6 && low.contains(id.as_str()))
                    })
                    .map(|id| format!("the original's identifier '{id}'")),
            );
            let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
            hits.extend(
                ids.dates
                    .iter()
                    .filter(|d| {
                        v.contains(d.as_str())
                            || (matches!(vr, VR::DA | VR::DT) && digits.starts_with(d.as_str()))
                    })
                    .map(|d| format!("the original's date {d}")),
            );
            for uid in &ids.uids {
                if v.contains(uid.as_str()) {
                    hits.push(format!("the original's UID {uid}"));
                }
            }
        }
        hits.sort();
        hits.dedup();
        for hit in hits {
            self.report(Some(path.clone()), format!("{hit} is still here"));
        }
    }

    fn markers(&mut self, obj: &InMemDicomObject) {
        if dataset::text_of(obj, tags::PATIENT_IDENTITY_REMOVED).is_none() {
            self.report(
                Some(TagPath::root(tags::PATIENT_IDENTITY_REMOVED)),
                "marker missing".into(),
            );
        }
        let present: HashSet<String> = obj
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|el| el.items())
            .unwrap_or(&[])
            .iter()
            .filter_map(|item| dataset::text_of(item, tags::CODE_VALUE))
            .collect();
        for m in self.profile.methods() {
            if !present.contains(&m.code) {
                self.report(
                    Some(TagPath::root(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)),
                    format!("code {} ({}) missing", m.code, m.meaning),
                );
            }
        }
    }

    fn meta(&mut self, file: &DicomFile) {
        let trim = |s: &str| s.trim_end_matches(['\0', ' ']).to_string();
        let meta_uid = trim(file.meta().media_storage_sop_instance_uid());
        let meta_class = trim(file.meta().media_storage_sop_class_uid());
        if crate::engine::dicomdir::is_dicomdir(file) {
            // A DICOMDIR's data set has no SOP Instance UID of its own.
            return;
        }
        // A data set without the attribute (a bare test object, say) disagrees with nothing:
        // its meta carries the keyed UID dpk gives such a file.
        let sop = dataset::text_of(file, tags::SOP_INSTANCE_UID).unwrap_or_default();
        if !sop.is_empty() && meta_uid != sop {
            self.report(
                Some(TagPath::root(tags::MEDIA_STORAGE_SOP_INSTANCE_UID)),
                format!("meta {meta_uid} disagrees with SOP Instance UID {sop}"),
            );
        }
        let class = dataset::text_of(file, tags::SOP_CLASS_UID).unwrap_or_default();
        if !class.is_empty() && meta_class != class {
            self.report(
                Some(TagPath::root(tags::MEDIA_STORAGE_SOP_CLASS_UID)),
                format!("meta {meta_class} disagrees with SOP Class UID {class}"),
            );
        }
        if self.identifiers.is_some_and(|ids| ids.uids.contains(&meta_uid)) {
            self.report(
                Some(TagPath::root(tags::MEDIA_STORAGE_SOP_INSTANCE_UID)),
                format!("the original's UID {meta_uid} is still here"),
            );
        }
    }

    /// Overlay planes (PS3.3 C.9.2): all of one or none of it.
    fn overlays(&mut self, obj: &InMemDicomObject) {
        const NEEDED: [(u16, &str); 6] = [
            (0x0010, "Overlay Rows"),
            (0x0011, "Overlay Columns"),
            (0x0040, "Overlay Type"),
            (0x0050, "Overlay Origin"),
            (0x0100, "Overlay Bits Allocated"),
            (0x0102, "Overlay Bit Position"),
        ];
        for group in (0x6000u16..=0x601E).step_by(2) {
            let present: Vec<Tag> = obj
                .iter()
                .map(|e| e.header().tag)
                .filter(|t| t.group() == group && t.element() != 0)
                .collect();
            if present.is_empty() {
                continue;
            }
            let has_value = |element: u16| {
                obj.get(Tag(group, element))
                    .is_some_and(|e| e.value().primitive().is_some_and(|p| p.calculate_byte_len() > 0))
            };
            // An overlay in the unused high bits of Pixel Data (retired) has no Overlay Data.
            let embedded = obj
                .get(Tag(group, 0x0100))
                .and_then(|e| e.to_int::<u16>().ok())
                .is_some_and(|bits| bits > 1);
            if !has_value(0x3000) && !embedded {
                self.report(
                    Some(TagPath::root(Tag(group, 0x3000))),
                    format!(
                        "overlay plane {group:04X} has {} element(s) but no Overlay Data",
                        present.len()
                    ),
                );
                continue;
            }
            for (element, name) in NEEDED {
                if !has_value(element) {
                    self.report(
                        Some(TagPath::root(Tag(group, element))),
                        format!("overlay plane {group:04X} lacks {name}"),
                    );
                }
            }
        }
    }

    /// A top-level Type 1 attribute that the original held with a value must still be there.
    fn type1_removed(&mut self, output: &InMemDicomObject, original: &InMemDicomObject) {
        for el in original.iter() {
            let path = TagPath::root(el.header().tag);
            if output.get(path.tag).is_some() {
                continue;
            }
            let held = match el.value() {
                Value::Primitive(p) => p.calculate_byte_len() > 0,
                Value::Sequence(s) => !s.items().is_empty(),
                Value::PixelSequence(_) => false,
            };
            if let (true, Some((iod::AttrType::One, name))) = (held, self.iod_type(&path)) {
                self.report(Some(path), format!("removed, but it is Type 1 in {name}"));
            }
        }
    }

    /// Every offset of a DICOMDIR names the byte position of one of its records.
    fn dicomdir(&mut self, file: &DicomFile) {
        let bytes = match std::fs::read(self.file) {
            Ok(b) => b,
            Err(e) => return self.report(None, format!("cannot be read again: {e}")),
        };
        let positions: HashSet<u64> = match crate::engine::dicomdir::record_positions(&bytes) {
            Ok(p) => p.into_iter().collect(),
            Err(e) => {
                return self.report(
                    Some(TagPath::root(tags::DIRECTORY_RECORD_SEQUENCE)),
                    format!("records cannot be located: {e}"),
                )
            }
        };
        let check = |path: TagPath, obj: &InMemDicomObject, found: &mut Vec<Violation>| {
            if let Some(offset) = obj.get(path.tag).and_then(|e| e.to_int::<u64>().ok()) {
                if offset != 0 && !positions.contains(&offset) {
                    found.push(Violation {
                        file: self.file.to_path_buf(),
                        path: Some(path),
                        problem: format!("offset {offset} points at no directory record"),
                    });
                }
            }
        };
        let mut found = Vec::new();
        for tag in [
            tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
        ] {
            check(TagPath::root(tag), file, &mut found);
        }
        let records = file
            .get(tags::DIRECTORY_RECORD_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or(&[]);
        let seq = TagPath::root(tags::DIRECTORY_RECORD_SEQUENCE);
        for (i, record) in records.iter().enumerate() {
            for tag in [
                tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD,
                tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
            ] {
                check(seq.child(i as u32, tag), record, &mut found);
            }
        }
        self.found.extend(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_validity() {
        assert!(valid_uid("2.25.1234"));
        assert!(valid_uid("1.2.840.10008.5.1.4.1.1.2"));
        assert!(!valid_uid("1.02.3"));
        assert!(!valid_uid("1..2"));
        assert!(!valid_uid("1.2.a"));
        assert!(!valid_uid(&format!("1.{}", "2".repeat(64))));
    }
}
