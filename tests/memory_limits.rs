//! Memory per file is bounded, and long work on one file stops when asked: a deflated file
//! that inflates to millions of elements or to one value of gigabytes is refused by the
//! structure walk before anything is parsed, alone, naming the element; deflated pixel data
//! streams from the inflater to the output instead of being held; an interrupt stops the
//! file in progress and leaves nothing of it.
//!
//! The limits are one setting for the process: tests that lower them through the library
//! hold `LIMITS` so that no other test of this file reads a file meanwhile.

#[path = "support/memory_limits.rs"]
mod memory_limits;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dpk::dataset;
use dpk::limits::{self, Exceeded, Limit};
use dpk::{Context, Error, Profile, ResolvedProfile, Salt};
use memory_limits::{huge_pixels, huge_private_ob, many_elements, PRIVATE_BULK};

const SALT: &str = "memory-limits-test-salt-0001";

/// Held by every test that reads files in this process (the limits are process-wide).
static LIMITS: Mutex<()> = Mutex::new(());

fn hold_limits() -> std::sync::MutexGuard<'static, ()> {
    LIMITS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn ctx() -> Context {
    Context::new(Salt::new(SALT.as_bytes().to_vec()).unwrap())
}

fn basic() -> ResolvedProfile {
    Profile::builtin("basic").unwrap().resolve().unwrap()
}

fn dpk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dpk"));
    command.env("DPK_SALT", SALT);
    command
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

/// The limit a read refused `path` for.
fn refusal(result: dpk::Result<impl std::fmt::Debug>, path: &Path) -> Exceeded {
    match result {
        Err(Error::Limit {
            path: refused,
            exceeded,
        }) => {
            assert_eq!(refused, path);
            exceeded
        }
        other => panic!("{}: not refused for a limit: {other:?}", path.display()),
    }
}

/// Byte offset of the first `needle` in the inflated data set of a deflated file.
fn inflated_offset(path: &Path, needle: &[u8]) -> u64 {
    use std::io::Read;
    let bytes = std::fs::read(path).unwrap();
    let group_length = u32::from_le_bytes(bytes[140..144].try_into().unwrap()) as usize;
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(&bytes[144 + group_length..])
        .take(1 << 20)
        .read_to_end(&mut inflated)
        .unwrap();
    inflated.windows(needle.len()).position(|w| w == needle).unwrap() as u64
}

#[test]
fn files_over_a_limit_are_refused_by_name_tag_and_offset_before_they_are_parsed() {
    let _limits = hold_limits();
    let dir = tempfile::tempdir().unwrap();
    // 2,000 items of three elements: 8,000 elements, items counted, 8 MiB of value.
    let many = many_elements(&dir.path().join("many.dcm"), 2_000);
    let bulk = huge_private_ob(&dir.path().join("bulk.dcm"), 8 << 20);
    let pixels = huge_pixels(&dir.path().join("pixels.dcm"), 16, false);
    for path in [&many, &bulk, &pixels] {
        assert!(dataset::open_header(path).is_ok(), "{} refused", path.display());
    }

    // The same bulk in explicit VR little endian, not deflated: offsets in the file.
    let plain = dir.path().join("plain.dcm");
    let mut file = dataset::open(&bulk).unwrap();
    let explicit = TransferSyntaxRegistry.get(memory_limits::EXPLICIT_LE).unwrap();
    file.meta_mut().set_transfer_syntax(explicit);
    file.write_to_file(&plain).unwrap();

    limits::set_max_elements(5_000).unwrap();
    limits::set_max_value_bytes(1 << 20).unwrap();
    let in_file = refusal(dataset::open_header(&plain), &plain);
    assert_eq!(
        (in_file.limit, in_file.tag, in_file.inflated),
        (Limit::ValueBytes, PRIVATE_BULK, false)
    );
    let bytes = std::fs::read(&plain).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == [0xD1, 0x7F, 0x01, 0x10, b'O', b'B'])
        .unwrap();
    assert_eq!(in_file.offset, at as u64);
    let elements = refusal(dataset::open_header(&many), &many);
    // The item (the data set's elements, the sequence, then items of four) that makes 5,001.
    assert_eq!(elements.limit, Limit::Elements);
    assert_eq!((elements.max, elements.found), (5_000, 5_001));
    assert_eq!(elements.tag, Tag(0xFFFE, 0xE000));
    assert!(elements.inflated);
    let value = refusal(dataset::open_around_pixel_data(&bulk), &bulk);
    assert_eq!(value.limit, Limit::ValueBytes);
    assert_eq!((value.max, value.found), (1 << 20, 8 << 20));
    assert_eq!(value.tag, PRIVATE_BULK);
    assert_eq!(
        value.offset,
        inflated_offset(&bulk, &[0xD1, 0x7F, 0x01, 0x10, b'O', b'B'])
    );
    let words = Error::Limit {
        path: bulk.clone(),
        exceeded: value,
    }
    .to_string();
    assert!(
        words.contains("bulk.dcm")
            && words.contains("(7FD1,1001)")
            && words.contains("of the inflated data set")
            && words.contains("8388608 bytes"),
        "{words}"
    );
    // The library's words name no program's flags.
    assert!(!words.contains("--"), "{words}");

    // 8 MiB of pixel data is copied from the file, not held: no limit for it, but for a
    // read that holds it.
    assert!(dataset::open_around_pixel_data(&pixels).is_ok());
    assert!(dataset::open_header(&pixels).is_ok());
    let whole = refusal(dataset::open(&pixels), &pixels);
    assert_eq!((whole.limit, whole.tag), (Limit::ValueBytes, tags::PIXEL_DATA));

    // A refused file leaves no output, not even a temporary one.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for path in [&many, &bulk] {
        let output = out.join(path.file_name().unwrap());
        let err = dpk::anonymize_file(path, &output, &basic(), &ctx()).unwrap_err();
        assert!(matches!(err, Error::Limit { .. }), "{err}");
    }
    assert!(dpk::anonymize_file(&pixels, &out.join("pixels.dcm"), &basic(), &ctx()).is_ok());
    assert_eq!(files_under(&out), [PathBuf::from("pixels.dcm")]);

    limits::set_max_elements(limits::DEFAULT_MAX_ELEMENTS).unwrap();
    limits::set_max_value_bytes(limits::DEFAULT_MAX_VALUE_BYTES).unwrap();
}

#[test]
fn a_run_refuses_the_files_over_a_limit_says_the_flag_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    many_elements(&input.join("a_many.dcm"), 2_000);
    huge_private_ob(&input.join("b_bulk.dcm"), 8 << 20);
    huge_pixels(&input.join("c_pixels.dcm"), 16, false);
    let out = dir.path().join("out");
    let report = dir.path().join("report.json");
    let limits = ["--max-elements", "5000", "--max-value-bytes", "1048576"];
    let run = dpk()
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .args(limits)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a_many.dcm: more than 5000 elements")
            && err.contains("--max-elements N raises the limit"),
        "{err}"
    );
    assert!(
        err.contains("b_bulk.dcm: element (7FD1,1001) at byte")
            && err.contains("--max-value-bytes N raises the limit"),
        "{err}"
    );
    assert!(err.contains("1 file done, 2 failed"), "{err}");
    assert_eq!(files_under(&out), [PathBuf::from("c_pixels.dcm")]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let failed = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "failed")
        .count();
    assert_eq!(failed, 2, "{report}");

    // Without the flags the same files are read: the defaults are far above them.
    let default = dpk()
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("all"))
        .output()
        .unwrap();
    assert_eq!(
        default.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&default.stderr)
    );
    assert_eq!(files_under(&dir.path().join("all")).len(), 3);

    // Scoring, comparing and verifying take the same flags and refuse the same files.
    let score = dpk().arg("score").arg(&input).args(limits).output().unwrap();
    let err = String::from_utf8_lossy(&score.stderr);
    assert_eq!(score.status.code(), Some(1), "{err}");
    assert!(err.contains("1 file scored, 2 failed"), "{err}");
    assert!(err.contains("--max-value-bytes N raises the limit"), "{err}");
    let diff = dpk()
        .arg("diff")
        .arg(input.join("b_bulk.dcm"))
        .arg(input.join("c_pixels.dcm"))
        .args(limits)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&diff.stderr);
    assert_eq!(diff.status.code(), Some(1), "{err}");
    assert!(err.contains("--max-value-bytes N raises the limit"), "{err}");
    let verify = dpk().arg("verify").arg(&out).args(limits).output().unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let zero = dpk()
        .args(["score", "--max-elements", "0"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn the_default_element_limit_refuses_a_small_deflated_file() {
    let dir = tempfile::tempdir().unwrap();
    // 260,000 items of three elements: 1,040,000 elements in a few hundred kilobytes.
    let path = many_elements(&dir.path().join("many.dcm"), 260_000);
    assert!(std::fs::metadata(&path).unwrap().len() < 2 << 20);
    let run = dpk().arg("score").arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("more than 1000000 elements") && err.contains("--max-elements"),
        "{err}"
    );
}

/// Runs `dpk` with `args` under /usr/bin/time; returns the exit code, standard error, the
/// peak resident memory in KiB and the seconds it took.
fn measured(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, u64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("time");
    let started = Instant::now();
    let run = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&stats)
        .arg(env!("CARGO_BIN_EXE_dpk"))
        .args(args)
        .env("DPK_SALT", SALT)
        .output()
        .expect("/usr/bin/time runs");
    let seconds = started.elapsed().as_secs_f64();
    let stats = std::fs::read_to_string(&stats).unwrap();
    let peak = stats.lines().last().unwrap().trim().parse().unwrap();
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        peak,
        seconds,
    )
}

#[test]
fn a_value_inflating_to_gigabytes_is_refused_fast_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 1.5 GiB of private OB in about 1.5 MB.
    let path = huge_private_ob(&dir.path().join("bulk.dcm"), 3 << 29);
    assert!(std::fs::metadata(&path).unwrap().len() < 4 << 20);
    let out = dir.path().join("out");
    for command in ["anonymize", "score"] {
        let mut args: Vec<&std::ffi::OsStr> = vec![command.as_ref(), path.as_os_str()];
        if command == "anonymize" {
            args.extend([std::ffi::OsStr::new("-o"), out.as_os_str()]);
        }
        let (code, err, peak_kib, seconds) = measured(&args);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("(7FD1,1001)") && err.contains("1610612736 bytes"),
            "{err}"
        );
        // Before the limit, reading this file held 1.5 GiB.
        assert!(peak_kib < 64 * 1024, "{command}: peak {peak_kib} KiB");
        assert!(seconds < 20.0, "{command}: {seconds:.1} s");
    }
    assert!(!out.exists() || files_under(&out).is_empty());
}

#[test]
fn deflated_pixel_data_streams_to_the_output_of_a_whole_read() {
    let _limits = hold_limits();
    let dir = tempfile::tempdir().unwrap();
    for trailing in [false, true] {
        // 8 MiB of pixel data, and trailing padding after it or not.
        let input = huge_pixels(&dir.path().join(format!("in{trailing}.dcm")), 16, trailing);
        let header = dataset::open_around_pixel_data(&input).unwrap();
        let pixels = header.pixel_data.as_ref().expect("pixel data left in the file");
        assert!(pixels.inflated.is_some() && pixels.span.is_none());
        assert_eq!(header.file.get(Tag(0xFFFC, 0xFFFC)).is_some(), trailing);

        let streamed = dir.path().join(format!("streamed{trailing}.dcm"));
        let plan = dpk::anonymize_file(&input, &streamed, &basic(), &ctx()).unwrap();
        // The reference: the whole file in memory, planned, applied and written.
        let whole = dir.path().join(format!("whole{trailing}.dcm"));
        let file = dataset::open(&input).unwrap();
        let reference = dpk::plan(&file, &basic(), &ctx()).unwrap();
        dataset::write_atomic(&dpk::apply(&reference, file).unwrap(), &whole).unwrap();
        assert_eq!(plan.change_count(), reference.change_count());
        assert!(
            std::fs::read(&streamed).unwrap() == std::fs::read(&whole).unwrap(),
            "the streamed output differs from the whole read's"
        );
        let out = dataset::open(&streamed).unwrap();
        assert_eq!(
            out.meta().transfer_syntax(),
            memory_limits::DEFLATED,
            "a deflated input gives a deflated output"
        );
        assert_eq!(
            out.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap().len(),
            16 * 512 * 512 * 2
        );

        // Compared from the files, inflated: unchanged pixel data is seen as unchanged.
        let a = dataset::open_around_pixel_data(&input).unwrap();
        let b = dataset::open_around_pixel_data(&streamed).unwrap();
        let changes = dpk::diff::diff_headers(&a, &input, &b, &streamed).unwrap();
        let pixel_change = changes
            .iter()
            .find(|c| c.path == dataset::TagPath::root(tags::PIXEL_DATA))
            .unwrap();
        assert_eq!(pixel_change.kind, dpk::diff::ChangeKind::Unchanged);
    }
}

#[test]
fn deflated_pixel_data_streams_in_memory_bounded_by_a_buffer() {
    let dir = tempfile::tempdir().unwrap();
    // 128 MiB of pixel data in about 130 KB; the reader held it whole before.
    let input = huge_pixels(&dir.path().join("in.dcm"), 256, false);
    let output = dir.path().join("out.dcm");
    let (code, err, peak_kib, _) = measured(&[
        "anonymize".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        output.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(peak_kib < 64 * 1024, "peak {peak_kib} KiB");
    let _limits = hold_limits();
    let header = dataset::open_around_pixel_data(&output).unwrap();
    assert_eq!(
        header.pixel_data.unwrap().snapshot,
        dataset::Snapshot::Bulk { bytes: 128 << 20 }
    );
}

#[test]
fn cancelled_work_stops_with_a_typed_error_and_writes_nothing() {
    let _limits = hold_limits();
    let dir = tempfile::tempdir().unwrap();
    let input = huge_pixels(&dir.path().join("in.dcm"), 16, false);
    let output = dir.path().join("out.dcm");
    let cancel = dpk::Cancel::new();
    cancel.cancel();
    // Cancelled before it starts: the walk of the inflated data set stops at once.
    let err = cancel.watch(|| dataset::open_header(&input)).unwrap_err();
    assert!(
        matches!(&err, Error::Cancelled { path } if *path == input),
        "{err}"
    );
    // Cancelled between the read and the copy: the copy stops and its output goes.
    let header = dataset::open_around_pixel_data(&input).unwrap();
    let plan = dpk::plan_header(&header, &basic(), &ctx()).unwrap();
    let pixels = header.pixel_data.clone().unwrap();
    let out = dpk::apply(&plan, header.file).unwrap();
    let err = cancel
        .watch(|| {
            dataset::write_with_pixel_data(&out, &input, &pixels, &output, dataset::Durability::EachFile)
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    assert_eq!(files_under(dir.path()), [PathBuf::from("in.dcm")]);
    // A token not set, or set outside the work, stops nothing.
    let unset = dpk::Cancel::new();
    assert!(unset
        .watch(|| dpk::anonymize_file(&input, &output, &basic(), &ctx()))
        .is_ok());
}

/// Sends `signal` to the process `pid` with kill(1).
fn send(signal: &str, pid: u32) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn an_interrupt_stops_the_file_in_progress_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // 256 MiB of pixel data: seconds of inflating and deflating, 260 KB on disk.
    let input = huge_pixels(&dir.path().join("in.dcm"), 512, false);
    for signal in ["INT", "TERM"] {
        let out = dir.path().join(format!("out{signal}"));
        std::fs::create_dir(&out).unwrap();
        let started = Instant::now();
        let child = dpk()
            .arg("anonymize")
            .arg(&input)
            .arg("-o")
            .arg(out.join("x.dcm"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Once the temporary output exists, the pixel data is being copied.
        while files_under(&out).is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no temporary output appeared"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        send(signal, child.id());
        let signalled = Instant::now();
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{err}");
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "{:?}",
            signalled.elapsed()
        );
        assert!(err.contains("interrupted: 1 file not written"), "{err}");
        assert_eq!(files_under(&out), Vec::<PathBuf>::new(), "something was left");
    }
}
