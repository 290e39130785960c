//! Measures the clean action at scale: a file naming 50,000 people, and a 4 MB text naming
//! some of them, cleaned once. Run in release mode:
//!
//! ```text
//! cargo run --release --example clean_scale
//! ```

#[path = "../tests/support/deid_text.rs"]
mod deid_text;

use std::time::Instant;

use dicom_core::VR;
use dpk::engine::clean::Identifiers;

fn main() {
    let count = 50_000;
    let obj = deid_text::many_people(count);
    let text = deid_text::long_text(4 << 20, count, 7);

    let start = Instant::now();
    let ids = Identifiers::gather(&obj);
    let gathered = start.elapsed();
    let start = Instant::now();
    let cleaned = ids.clean(&text, VR::UT);
    let cleaning = start.elapsed();
    let start = Instant::now();
    let found = ids.contains_identifying(&text);
    let checking = start.elapsed();

    println!("{count} people, a text of {} bytes", text.len());
    println!("gather (automaton built): {:.3} s", gathered.as_secs_f64());
    println!("clean:                    {:.3} s", cleaning.as_secs_f64());
    println!(
        "contains_identifying:     {:.6} s ({found})",
        checking.as_secs_f64()
    );
    println!("cleaned text: {} bytes", cleaned.len());
}
