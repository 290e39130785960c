//! The Clean Pixel Data Option in the engine: a file some pixel rule matches has the rules'
//! regions blanked in every frame, and its plan says so — the Pixel Data entry names the
//! rules and regions, and every attribute that must now describe the pixels differently
//! (transfer syntax, Photometric Interpretation, Burned In Annotation, the markers) has its
//! entry. Pixel data left in the file is cleaned a frame at a time: native little-endian
//! frames are blanked as they are copied; compressed frames (RLE, JPEG, JPEG 2000) are read
//! one at a time with their fragments, decoded, blanked and written native in Explicit VR
//! Little Endian, after a header that already gives the whole Pixel Data length. Other pixel
//! data (deflated, big endian, held with the header) is held in memory whole while it is
//! cleaned.

use std::path::Path;

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;

use super::{apply, markers, Context, Plan};
use crate::dataset::{
    self, DicomFile, Durability, FrameError, FrameFault, FrameReader, Header, Snapshot, TagPath,
};
use crate::diff::{Change, ChangeKind, Decision};
use crate::error::{Error, Result};
use crate::pixels::{blank_pixel_data, Blanked, FrameForm, FrameMask, PixelRule, Region};
use crate::profile::{Action, ResolvedProfile};

/// The rule text of the attributes that change with the pixels.
const RULE: &str = "clean-pixel-data: the pixels changed form";

/// Plans, cleans and writes a file read around its pixel data that `rules` (not empty)
/// match: frame by frame from the input when its pixel data allows, else read whole.
pub(super) fn anonymize_header(
    header: Header,
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    rules: &[&PixelRule],
    durability: Durability,
) -> Result<Plan> {
    let regions = regions_of(rules);
    let in_file = header
        .pixel_data
        .clone()
        .filter(|p| p.span.is_some() && p.missing == 0 && p.tag == tags::PIXEL_DATA);
    if let Some(pixels) = in_file
        .clone()
        .filter(|p| matches!(p.snapshot, Snapshot::Fragments { .. }))
    {
        return anonymize_decoded(header, pixels, input, output, profile, ctx, rules, durability);
    }
    let streamed = in_file
        .and_then(|p| match p.snapshot {
            Snapshot::Bulk { bytes } => Some((p, bytes)),
            _ => None,
        })
        .and_then(|(p, bytes)| {
            FrameMask::new(&header.file, header.file.meta().transfer_syntax(), &regions)
                .map(|m| (p, bytes, m))
        });
    let Some((pixels, bytes, mask)) = streamed else {
        drop(header);
        return anonymize(
            dataset::open(input)?,
            input,
            output,
            profile,
            ctx,
            rules,
            durability,
        );
    };
    let need = mask.total_len().unwrap_or(u64::MAX);
    if bytes < need {
        return Err(Error::PixelClean {
            path: input.to_path_buf(),
            reason: format!(
                "the pixel data holds {bytes} bytes; its {} frames need {need}",
                mask.frames()
            ),
        });
    }
    let mut plan = super::plan_header(&header, profile, ctx)?;
    let pixel_path = TagPath::root(pixels.tag);
    if plan.entry(&pixel_path).map(|c| c.kind) != Some(ChangeKind::Unchanged) {
        return super::anonymize_header(header, input, output, profile, ctx, durability);
    }
    replan_markers(&mut plan, &header.file, profile, rules);
    let out = apply(&plan, header.file)?;
    dataset::write_with_pixel_data_patched(
        &out,
        input,
        &pixels,
        output,
        durability,
        (mask.frame_len(), mask.frames()),
        &mut |_, frame| mask.blank(frame),
    )?;
    let note = fill_note(regions.len(), mask.fill(), mask.frames());
    mark_pixel_entry(
        &mut plan,
        &pixel_path,
        rules,
        pixels.vr,
        Snapshot::Bulk { bytes },
        note,
    );
    Ok(plan)
}

/// The plan [`anonymize_header`] returns for a file that `rules` (not empty) match, worked
/// out from its header alone: nothing is decoded and nothing written. Pixel data held with the
/// header (small) is blanked in memory to give its new value, as the write does. `Err` holds
/// why the pixels cannot be cleaned (writing the file fails for that reason).
pub(super) fn plan_cleaned(
    header: &Header,
    profile: &ResolvedProfile,
    ctx: &Context,
    rules: &[&PixelRule],
) -> Result<std::result::Result<Plan, (Plan, String)>> {
    let mut plan = super::plan_header(header, profile, ctx)?;
    let pixel_path = TagPath::root(tags::PIXEL_DATA);
    if plan.entry(&pixel_path).map(|c| c.kind) != Some(ChangeKind::Unchanged) {
        return Ok(Ok(plan));
    }
    let regions = regions_of(rules);
    let ts = header.file.meta().transfer_syntax();
    let Some(pixels) = header.pixel_data.as_ref().filter(|p| p.tag == tags::PIXEL_DATA) else {
        // Held with the header: blanked here as the write blanks it.
        return Ok(match blank_pixel_data(&header.file, ts, &regions) {
            Ok(blanked) => {
                plan_blanked_form(&mut plan, &header.file, profile, rules, &blanked);
                mark_blanked(&mut plan, rules, &regions, &blanked);
                Ok(plan)
            }
            Err(e) => Err((plan, e.0)),
        });
    };
    let form = match FrameForm::of(&header.file, ts).and_then(|f| f.mask(&regions).map(|m| (f, m))) {
        Ok(found) => found,
        Err(e) => return Ok(Err((plan, e.0))),
    };
    let (form, mask) = form;
    replan_markers(&mut plan, &header.file, profile, rules);
    let (vr, bytes) = match form.compression() {
        Some(compression) => {
            plan_native_form(
                &mut plan,
                &header.file,
                form.new_photometric().map(str::to_string),
                form.new_planar_configuration(),
                compression.lossy_method,
            );
            let vr = if form.bits_allocated() == 8 {
                VR::OB
            } else {
                VR::OW
            };
            let total = form.frame_len() as u64 * form.frames() as u64;
            (vr, total + total % 2)
        }
        None => {
            let bytes = match pixels.snapshot {
                Snapshot::Bulk { bytes } => bytes,
                _ => form.frame_len() as u64 * form.frames() as u64,
            };
            (pixels.vr, bytes)
        }
    };
    let note = fill_note(regions.len(), mask.fill(), form.frames());
    mark_pixel_entry(&mut plan, &pixel_path, rules, vr, Snapshot::Bulk { bytes }, note);
    Ok(Ok(plan))
}

/// Plans, cleans and writes a file whose encapsulated pixel data is left in the file: one
/// frame's fragments read, decoded, blanked and written native at a time.
#[allow(clippy::too_many_arguments)]
fn anonymize_decoded(
    header: Header,
    pixels: dataset::PixelData,
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    rules: &[&PixelRule],
    durability: Durability,
) -> Result<Plan> {
    let regions = regions_of(rules);
    let mut plan = super::plan_header(&header, profile, ctx)?;
    let pixel_path = TagPath::root(pixels.tag);
    // A profile that removes or replaces the pixel data leaves nothing to clean.
    if plan.entry(&pixel_path).map(|c| c.kind) != Some(ChangeKind::Unchanged) {
        return super::anonymize_header(header, input, output, profile, ctx, durability);
    }
    let refused = |e: crate::pixels::MaskError| Error::PixelClean {
        path: input.to_path_buf(),
        reason: e.0,
    };
    let form = FrameForm::of(&header.file, header.file.meta().transfer_syntax()).map_err(refused)?;
    let mask = form.mask(&regions).map_err(refused)?;
    let lossy_method = form.compression().and_then(|c| c.lossy_method);
    let mut reader = FrameReader::open(input, &header)?;
    let (frame_len, frames) = (form.frame_len(), form.frames());
    replan_markers(&mut plan, &header.file, profile, rules);
    plan_native_form(
        &mut plan,
        &header.file,
        form.new_photometric().map(str::to_string),
        form.new_planar_configuration(),
        lossy_method,
    );
    let vr = if form.bits_allocated() == 8 {
        VR::OB
    } else {
        VR::OW
    };
    let out = apply(&plan, header.file)?;
    let mut failure: Option<FrameError> = None;
    let written = dataset::write_with_pixel_data_produced(
        &out,
        input,
        &pixels,
        output,
        durability,
        (vr, frame_len, frames),
        &mut |index| {
            let frame = reader.read(index).and_then(|raw| {
                form.native(raw).map_err(|e| FrameError {
                    path: input.to_path_buf(),
                    frame: Some(index + 1),
                    offset: Some(reader.offset(index)),
                    fault: FrameFault::Decode,
                    reason: e.0,
                })
            });
            match frame {
                Ok(mut frame) => {
                    mask.blank(&mut frame);
                    Ok(frame)
                }
                Err(e) => {
                    let reason = e.to_string();
                    failure = Some(e);
                    Err(reason)
                }
            }
        },
    );
    if let Some(e) = failure {
        return Err(Error::Frame(e));
    }
    written?;
    let total = frame_len as u64 * frames as u64;
    let note = fill_note(regions.len(), mask.fill(), frames);
    mark_pixel_entry(
        &mut plan,
        &pixel_path,
        rules,
        vr,
        Snapshot::Bulk {
            bytes: total + total % 2,
        },
        note,
    );
    Ok(plan)
}

/// Every region of the rules that match, in order: what each frame has blanked.
fn regions_of(rules: &[&PixelRule]) -> Vec<Region> {
    rules.iter().flat_map(|r| r.regions.iter().copied()).collect()
}

/// The markers again, now that the pixels are clean.
fn replan_markers(
    plan: &mut Plan,
    obj: &dicom_object::InMemDicomObject,
    profile: &ResolvedProfile,
    rules: &[&PixelRule],
) {
    // One method value per region (see `pixels::claim`): each fits a LO value whole.
    let mut cleaned: Vec<String> = Vec::new();
    for region in rules.iter().flat_map(|r| r.regions.iter()) {
        let text = crate::pixels::claim::describe(region);
        if !cleaned.contains(&text) {
            cleaned.push(text);
        }
    }
    let (marker_entries, added) = markers::plan_markers_cleaned(obj, &plan.entries, profile, &cleaned);
    plan.entries
        .retain(|e| !(e.path.depth() == 0 && marker_entries.iter().any(|m| m.path == e.path)));
    plan.entries.extend(marker_entries);
    plan.added = added;
}

fn fill_note(regions: usize, fill: &str, frames: impl std::fmt::Display) -> String {
    format!("{regions} region(s) set to {fill} in each of {frames} frame(s)")
}

/// The Pixel Data entry: which rules, which regions, to what value.
fn mark_pixel_entry(
    plan: &mut Plan,
    path: &TagPath,
    rules: &[&PixelRule],
    vr: VR,
    after: Snapshot,
    note: String,
) {
    let rule_text: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
    if let Some(entry) = plan.entries.iter_mut().find(|e| &e.path == path) {
        entry.kind = ChangeKind::Replaced;
        entry.vr = vr;
        entry.after = Some(after);
        entry.decision = Some(decision(
            Action::Clean,
            format!("clean-pixel-data: {}", rule_text.join("; ")),
            Some(note),
        ));
    }
}

/// Plans, cleans and writes a file held whole that `rules` (not empty) match.
fn anonymize(
    file: DicomFile,
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    rules: &[&PixelRule],
    durability: Durability,
) -> Result<Plan> {
    let mut plan = super::plan(&file, profile, ctx)?;
    // Kept text whose bytes the reader could not decode is written back as it was read.
    plan.input_text = dataset::InputText::of_file(input, &file);
    let pixel_path = TagPath::root(tags::PIXEL_DATA);
    // A profile that removes or replaces the pixel data leaves nothing to clean.
    if plan.entry(&pixel_path).map(|c| c.kind) != Some(ChangeKind::Unchanged) {
        let out = apply(&plan, file)?;
        dataset::write_atomic_durable(&out, output, durability)?;
        return Ok(plan);
    }
    let regions = regions_of(rules);
    let blanked =
        blank_pixel_data(&file, file.meta().transfer_syntax(), &regions).map_err(|e| Error::PixelClean {
            path: input.to_path_buf(),
            reason: e.0,
        })?;

    plan_blanked_form(&mut plan, &file, profile, rules, &blanked);
    // Applied as kept, then replaced: the plan's entry holds only the new value's size.
    let mut out = apply(&plan, file)?;
    mark_blanked(&mut plan, rules, &regions, &blanked);
    out.put(DataElement::new(tags::PIXEL_DATA, blanked.vr, blanked.value));
    dataset::write_atomic_durable(&out, output, durability)?;
    Ok(plan)
}

/// What pixels blanked in memory (`blanked`) change besides themselves: the markers, and the
/// attributes that describe the pixels anew when they were decoded.
fn plan_blanked_form(
    plan: &mut Plan,
    file: &DicomFile,
    profile: &ResolvedProfile,
    rules: &[&PixelRule],
    blanked: &Blanked,
) {
    replan_markers(plan, file, profile, rules);
    if blanked.transfer_syntax.is_some() {
        plan_native_form(
            plan,
            file,
            blanked.photometric.map(str::to_string),
            blanked.planar_configuration,
            blanked.lossy_method,
        );
    }
}

/// The Pixel Data entry of pixels blanked in memory.
fn mark_blanked(plan: &mut Plan, rules: &[&PixelRule], regions: &[Region], blanked: &Blanked) {
    let note = fill_note(regions.len(), &blanked.fill, blanked.frames);
    let bytes = blanked.value.calculate_byte_len();
    let after = if bytes > 1024 {
        Snapshot::Bulk { bytes: bytes as u64 }
    } else {
        Snapshot::primitive(blanked.value.clone())
    };
    mark_pixel_entry(
        plan,
        &TagPath::root(tags::PIXEL_DATA),
        rules,
        blanked.vr,
        after,
        note,
    );
}

/// Plans what changes when compressed pixels are written native: the transfer syntax
/// (Explicit VR Little Endian), the offset tables (meaningless in native pixel data), a new
/// Photometric Interpretation and Planar Configuration when decoding changed them, and, for
/// pixels decoded from a lossy syntax, Lossy Image Compression "01" and the method that
/// names it (added when the file has none). Pixels decoded from a lossless syntax leave the
/// lossy attributes as the file had them.
fn plan_native_form(
    plan: &mut Plan,
    file: &DicomFile,
    photometric: Option<String>,
    planar: Option<u16>,
    lossy_method: Option<&'static str>,
) {
    let mut edits: Vec<(Tag, VR, String)> = Vec::new();
    if let Some(p) = photometric {
        edits.push((tags::PHOTOMETRIC_INTERPRETATION, VR::CS, p));
    }
    if let Some(method) = lossy_method {
        edits.push((tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "01".into()));
        if file.get(tags::LOSSY_IMAGE_COMPRESSION_METHOD).is_none() {
            edits.push((tags::LOSSY_IMAGE_COMPRESSION_METHOD, VR::CS, method.into()));
        }
    }
    for (tag, vr, value) in edits {
        set(plan, file, DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }
    if let Some(planar) = planar {
        set(
            plan,
            file,
            DataElement::new(tags::PLANAR_CONFIGURATION, VR::US, PrimitiveValue::from(planar)),
        );
    }
    // Offset tables of encapsulated frames mean nothing in native pixel data.
    for tag in [tags::EXTENDED_OFFSET_TABLE, tags::EXTENDED_OFFSET_TABLE_LENGTHS] {
        if let Some(entry) = plan.entries.iter_mut().find(|e| e.path == TagPath::root(tag)) {
            entry.kind = ChangeKind::Removed;
            entry.after = None;
            entry.decision = Some(decision(Action::Remove, RULE.into(), None));
        }
    }
    let ts = crate::pixels::mask::EXPLICIT_VR_LITTLE_ENDIAN;
    plan.meta.retain(|c| c.path.tag != tags::TRANSFER_SYNTAX_UID);
    let before = Snapshot::primitive(PrimitiveValue::from(file.meta().transfer_syntax()));
    let mut change = Change::new(
        TagPath::root(tags::TRANSFER_SYNTAX_UID),
        VR::UI,
        ChangeKind::Replaced,
        Some(before),
        Some(Snapshot::primitive(PrimitiveValue::from(ts))),
    );
    change.decision = Some(decision(Action::Dummy, RULE.into(), None));
    plan.meta.push(change);
}

fn decision(action: Action, rule: String, note: Option<String>) -> Decision {
    Decision {
        action,
        requested: None,
        rule: rule.into(),
        note: note.map(Into::into),
    }
}

/// Plans a top-level element written whole (as the markers are), replacing its entry.
fn set(plan: &mut Plan, file: &DicomFile, element: dicom_object::mem::InMemElement) {
    let tag = element.header().tag;
    let before = file.get(tag).map(|old| Snapshot::of(old.value()));
    let after = Snapshot::of(element.value());
    let kind = match &before {
        None => ChangeKind::Added,
        Some(b) if *b == after => ChangeKind::Unchanged,
        Some(_) => ChangeKind::Replaced,
    };
    let path = TagPath::root(tag);
    plan.entries.retain(|e| e.path != path);
    let mut change = Change::new(path, element.vr(), kind, before, Some(after));
    change.decision = Some(decision(Action::Dummy, RULE.into(), None));
    crate::diff::insert_in_file_order(&mut plan.entries, change);
    plan.added.push(element);
}
