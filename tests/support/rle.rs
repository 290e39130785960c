//! RLE Lossless frames for test fixtures (PS3.5 Annex G): the header that places each
//! segment, shared by the fixture builders that encode the segments each their own way.

/// One RLE frame: the 64-byte header (the number of segments, then the offset of each of at
/// most 15, zero for the rest) followed by `segments`, each already of even length.
pub fn frame(segments: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((segments.len() as u32).to_le_bytes());
    let mut offset = 64u32;
    for i in 0..15 {
        match segments.get(i) {
            Some(seg) => {
                out.extend(offset.to_le_bytes());
                offset += seg.len() as u32;
            }
            None => out.extend(0u32.to_le_bytes()),
        }
    }
    for seg in segments {
        out.extend(seg);
    }
    out
}
