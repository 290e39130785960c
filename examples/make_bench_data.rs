//! Writes the data `benches/throughput.sh` measures on, made from the fixtures: a folder of
//! typical CT slices (512 × 512, 16 bits, ~0.5 MiB each, each its own SOP Instance) and one
//! large multi-frame ultrasound file, its pixel data streamed to disk frame by frame.
//!
//! `cargo run --release --example make_bench_data -- OUT_DIR [FILES] [BIG_MIB]`
//! (defaults: 2000 files, 1024 MiB).

use std::error::Error;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;

#[path = "../tests/support/large_files.rs"]
mod large_files;

use large_files::fixture;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: make_bench_data OUT_DIR [FILES] [BIG_MIB]")?,
    );
    let files: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let big_mib: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1024);
    slices(&out.join("folder"), files)?;
    big_multiframe(&out.join("big.dcm"), big_mib << 20)?;
    Ok(())
}

/// `count` CT slices, 100 to a series folder.
fn slices(dir: &Path, count: usize) -> Result<()> {
    let mut file = dpk::dataset::open(fixture("ct_explicit_le.dcm"))?;
    large_files::set_pixels(&mut file, 512, 512);
    for i in 0..count {
        let uid = format!("2.25.99{i:06}");
        file.put(DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(uid.as_str()),
        ));
        file.put(DataElement::new(
            tags::INSTANCE_NUMBER,
            VR::IS,
            PrimitiveValue::from((i + 1).to_string()),
        ));
        let meta = file.meta_mut();
        meta.media_storage_sop_instance_uid = uid;
        meta.update_information_group_length();
        let series = dir.join(format!("series{:03}", i / 100));
        std::fs::create_dir_all(&series)?;
        file.write_to_file(series.join(format!("ct{i:05}.dcm")))?;
    }
    Ok(())
}

/// A multi-frame US image of about `bytes` of 640 × 480 8-bit frames. The header is written
/// by the DICOM writer; the pixel data element is appended frame by frame, so that making
/// the file takes no more memory than one frame.
fn big_multiframe(path: &Path, bytes: u64) -> Result<()> {
    let (rows, columns) = (480u16, 640u16);
    let frame = u64::from(rows) * u64::from(columns);
    let frames = bytes.div_ceil(frame);
    let length = u32::try_from(frames * frame).map_err(|_| "pixel data over 4 GiB")?;
    let mut file = dpk::dataset::open(fixture("us_multiframe.dcm"))?;
    large_files::set_size(&mut file, rows, columns);
    file.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from(frames.to_string()),
    ));
    file.remove_element(tags::PIXEL_DATA);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    file.write_all(&mut out)?;
    // (7FE0,0010) OB, explicit VR little endian: tag, VR, two reserved bytes, 4-byte length.
    out.write_all(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0])?;
    out.write_all(&length.to_le_bytes())?;
    let mut pixels = vec![0u8; frame as usize];
    for f in 0..frames {
        for (i, p) in pixels.iter_mut().enumerate() {
            *p = (i as u64 + f) as u8;
        }
        out.write_all(&pixels)?;
    }
    out.flush()?;
    Ok(())
}
