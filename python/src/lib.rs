//! The `dpk` Python module: the engine of the `dpk` program, called from Python.
//!
//! Every function copies what it needs out of its Python arguments, then releases the GIL
//! while dpk reads, plans, writes or scores, so threads (and Dask's threaded scheduler) run
//! in parallel. Errors become `dpk.DpkError` subclasses; nothing a file holds can crash the
//! interpreter (the engine has no `unsafe` code and no panics on input).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError, PyTypeError, PyUserWarning};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

use dpk::batch::{Batch, Observer, Progress, Record, Refusal};
use dpk::dataset::{render, tag_string, Snapshot};
use dpk::diff::Change;
use dpk::risk::{RiskReport, Weights};
use dpk::{Cancel, Context, Profile, ResolvedProfile, Salt};

create_exception!(dpk, DpkError, PyException, "Every error dpk raises.");
create_exception!(
    dpk,
    InvalidFileError,
    DpkError,
    "The input is not DICOM, or is damaged in a way dpk refuses to guess about."
);
create_exception!(
    dpk,
    LimitError,
    InvalidFileError,
    "The input is over one of dpk's limits (nesting depth, elements, bytes of one value)."
);
create_exception!(
    dpk,
    ProfileError,
    DpkError,
    "The profile or an option is unknown or malformed."
);
create_exception!(
    dpk,
    SaltError,
    DpkError,
    "The salt is missing where the profile needs one, or is too short."
);
create_exception!(
    dpk,
    WriteError,
    DpkError,
    "The de-identified copy could not be encoded (a value the input holds breaks its VR)."
);

create_exception!(
    dpk,
    DpkWarning,
    PyUserWarning,
    "What dpk accepted that a strict reader would not (a file read with a fallback, pixel data \
     cut short and padded): the same notes `dpk anonymize` prints."
);

/// Raises each of the reader's `notes` as a [`DpkWarning`]: a file read with a fallback is
/// never taken silently.
fn warn_notes(py: Python<'_>, notes: &[String]) -> PyResult<()> {
    let category = py.get_type::<DpkWarning>();
    for note in notes {
        let text = std::ffi::CString::new(note.replace('\0', " ")).unwrap_or_default();
        PyErr::warn(py, category.as_any(), &text, 1)?;
    }
    Ok(())
}

/// `DpkIOError(DpkError, OSError)`: made at import, as a Python class with two bases, so that
/// `except OSError` catches it too.
static IO_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn io_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let ty = IO_ERROR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let bases = PyTuple::new(py, [py.get_type::<DpkError>(), py.get_type::<PyOSError>()])?;
        let attrs = PyDict::new(py);
        attrs.set_item("__module__", "dpk")?;
        attrs.set_item("__doc__", "Reading or writing a file failed.")?;
        let made = py
            .get_type::<PyType>()
            .call1(("DpkIOError", bases, attrs))?
            .cast_into::<PyType>()?;
        Ok(made.unbind())
    })?;
    Ok(ty.bind(py))
}

/// The Python exception for a library error: its class by kind, its text the error's.
fn to_py(err: dpk::Error) -> PyErr {
    let text = err.to_string();
    Python::attach(|py| match &err {
        dpk::Error::Io { .. } => match io_error_type(py) {
            Ok(ty) => PyErr::from_type(ty.clone(), text),
            Err(e) => e,
        },
        dpk::Error::Open { .. } => InvalidFileError::new_err(text),
        dpk::Error::Limit { .. } => LimitError::new_err(text),
        dpk::Error::Profile(_) | dpk::Error::PixelRules(_) => ProfileError::new_err(text),
        dpk::Error::MissingSalt { .. } | dpk::Error::WeakSalt { .. } | dpk::Error::SaltFile { .. } => {
            SaltError::new_err(text)
        }
        dpk::Error::Write { .. } | dpk::Error::Encode { .. } => WriteError::new_err(text),
        _ => DpkError::new_err(text),
    })
}

/// A DICOM file as the caller gave it: bytes (copied, so the GIL can go) or a path.
enum Input {
    Bytes(Vec<u8>),
    Path(PathBuf),
}

impl Input {
    fn extract(data: &Bound<'_, PyAny>) -> PyResult<Input> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            return Ok(Input::Bytes(bytes.as_bytes().to_vec()));
        }
        if data.cast::<PyString>().is_ok() || data.hasattr("__fspath__")? {
            return Ok(Input::Path(data.extract::<PathBuf>()?));
        }
        // bytearray, memoryview and other buffers.
        match data.extract::<Vec<u8>>() {
            Ok(bytes) if !data.is_instance_of::<PyList>() => Ok(Input::Bytes(bytes)),
            _ => Err(PyTypeError::new_err(format!(
                "expected DICOM bytes or a path, not {}",
                data.get_type().name()?
            ))),
        }
    }

    /// The name errors give the input.
    fn name(&self) -> &Path {
        match self {
            Input::Bytes(_) => Path::new("<bytes>"),
            Input::Path(p) => p,
        }
    }

    /// The file's bytes: a path is read whole (the output is returned whole anyway).
    fn bytes(&self) -> dpk::Result<std::borrow::Cow<'_, [u8]>> {
        match self {
            Input::Bytes(b) => Ok(b.as_slice().into()),
            Input::Path(p) => std::fs::read(p).map(Into::into).map_err(|source| dpk::Error::Io {
                path: p.clone(),
                source,
            }),
        }
    }
}

/// The secret: bytes, or text taken as its UTF-8 bytes.
fn salt_bytes(salt: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = salt.cast::<PyString>() {
        return Ok(text.extract::<String>()?.into_bytes());
    }
    salt.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("salt must be bytes or str"))
}

/// What every de-identifying call is given: the profile with its options, and the salt.
struct Setup {
    profile: ResolvedProfile,
    ctx: Context,
}

impl Setup {
    /// `pixel_rules`: a file of rules (dpk's RON, or a CTP DicomPixelAnonymizer script) added
    /// to the profile's, as `dpk anonymize --pixel-rules` adds them.
    fn new(
        profile: &str,
        options: Vec<String>,
        pixel_rules: Option<&Path>,
        salt: Option<Vec<u8>>,
    ) -> dpk::Result<Setup> {
        let mut profile = Profile::with_options(profile, &options)?.resolve()?;
        if let Some(path) = pixel_rules {
            // Rules that would not run would let a caller believe the pixels were cleaned.
            if !profile.cleans_pixel_data() {
                return Err(dpk::Error::PixelRules(dpk::pixels::PixelRuleError {
                    origin: path.display().to_string(),
                    line: 0,
                    message: "pixel_rules needs the clean-pixel-data option (in options or in the profile)"
                        .into(),
                }));
            }
            profile.add_pixel_rules(dpk::pixels::load_rules(path)?);
        }
        let ctx = match salt {
            Some(bytes) => Context::new(Salt::new(bytes)?),
            None => Context::without_salt(),
        };
        Ok(Setup { profile, ctx })
    }
}

/// De-identifies one file: the bytes `dpk anonymize` writes for it.
#[pyfunction]
#[pyo3(signature = (data, *, salt, profile = "basic", options = Vec::new(), pixel_rules = None))]
fn anonymize<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    salt: &Bound<'py, PyAny>,
    profile: &str,
    options: Vec<String>,
    pixel_rules: Option<PathBuf>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Input::extract(data)?;
    let salt = salt_bytes(salt)?;
    let out = py
        .detach(|| -> dpk::Result<dpk::Anonymized> {
            let setup = Setup::new(profile, options, pixel_rules.as_deref(), Some(salt))?;
            let bytes = input.bytes()?;
            dpk::anonymize_bytes(&bytes, input.name(), &setup.profile, &setup.ctx)
        })
        .map_err(to_py)?;
    warn_notes(py, &out.plan.notes)?;
    Ok(PyBytes::new(py, &out.bytes))
}

/// What the profile changes in the file: one dict per change, in file order.
#[pyfunction]
#[pyo3(signature = (data, *, salt, profile = "basic", options = Vec::new(), pixel_rules = None))]
fn plan<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    salt: &Bound<'py, PyAny>,
    profile: &str,
    options: Vec<String>,
    pixel_rules: Option<PathBuf>,
) -> PyResult<Bound<'py, PyList>> {
    let input = Input::extract(data)?;
    let salt = salt_bytes(salt)?;
    let plan = py
        .detach(|| -> dpk::Result<dpk::Plan> {
            let setup = Setup::new(profile, options, pixel_rules.as_deref(), Some(salt))?;
            match &input {
                Input::Bytes(b) => dpk::plan_bytes(b, input.name(), &setup.profile, &setup.ctx),
                Input::Path(p) => {
                    dpk::plan_anonymize(&dpk::dataset::open_header(p)?, &setup.profile, &setup.ctx)
                }
            }
        })
        .map_err(to_py)?;
    warn_notes(py, &plan.notes)?;
    let list = PyList::empty(py);
    for change in plan.changes() {
        list.append(change_dict(py, change)?)?;
    }
    Ok(list)
}

fn shown(value: &Option<Snapshot>, change: &Change) -> Option<String> {
    value.as_ref().map(|v| render(v, change.vr, 0))
}

fn change_dict<'py>(py: Python<'py>, c: &Change) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("path", c.path.to_string())?;
    d.set_item("tag", tag_string(c.path.tag))?;
    d.set_item("keyword", (!c.keyword.is_empty()).then_some(c.keyword))?;
    d.set_item("vr", c.vr.to_string())?;
    let (action, rule) = match &c.decision {
        Some(decision) => (decision.action.label(), decision.rule.as_str()),
        None => ("", ""),
    };
    d.set_item("action", action)?;
    d.set_item("before", shown(&c.before, c))?;
    d.set_item("after", shown(&c.after, c))?;
    d.set_item("rule", rule)?;
    Ok(d)
}

/// The PHI risk score (0–100), its level and the findings behind it.
#[pyfunction]
#[pyo3(signature = (data, *, weights = None))]
fn score<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    weights: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = Input::extract(data)?;
    let report = py
        .detach(|| -> dpk::Result<RiskReport> {
            let weights = match &weights {
                Some(path) => Weights::load(path).map_err(|e| dpk::Error::Open {
                    path: path.clone(),
                    reason: e.to_string(),
                })?,
                None => Weights::builtin(),
            };
            let header = match &input {
                Input::Bytes(b) => dpk::engine::open_header_bytes(b, input.name())?,
                Input::Path(p) => dpk::dataset::open_header(p)?,
            };
            Ok(dpk::risk::score(&header.file, &weights))
        })
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("score", report.score)?;
    d.set_item("level", report.level.label())?;
    let findings = PyList::empty(py);
    for f in &report.findings {
        let item = PyDict::new(py);
        item.set_item("path", f.path.to_string())?;
        item.set_item("tag", tag_string(f.path.tag))?;
        item.set_item("keyword", f.keyword)?;
        item.set_item("category", f.category.key())?;
        item.set_item("weight", f.weight)?;
        item.set_item("reason", f.reason.to_string())?;
        findings.append(item)?;
    }
    d.set_item("findings", findings)?;
    Ok(d)
}

/// Checks de-identified files (a file or a folder) as `dpk verify` does: each output against
/// its own original when `originals` is given (paired by relative path, or through the run's
/// JSON `report`), and its structure.
#[pyfunction]
#[pyo3(signature = (path, *, profile = "basic", options = Vec::new(), originals = None, report = None))]
fn verify<'py>(
    py: Python<'py>,
    path: PathBuf,
    profile: &str,
    options: Vec<String>,
    originals: Option<PathBuf>,
    report: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let found = py
        .detach(|| -> dpk::Result<dpk::verify::TreeReport> {
            let setup = Setup::new(profile, options, None, None)?;
            let tree = dpk::verify::TreeOptions {
                report,
                ..Default::default()
            };
            dpk::verify::verify_tree_with(&path, &setup.profile, originals.as_deref(), &tree)
        })
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("passes", found.passes())?;
    d.set_item("files", found.files)?;
    let violations = PyList::empty(py);
    for v in &found.violations {
        let item = PyDict::new(py);
        item.set_item("file", v.file.display().to_string())?;
        item.set_item("path", v.path.as_ref().map(ToString::to_string))?;
        item.set_item("problem", &v.problem)?;
        violations.append(item)?;
    }
    d.set_item("violations", violations)?;
    let paths = |list: &[PathBuf]| list.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
    d.set_item("not_dicom", paths(&found.not_dicom))?;
    d.set_item("missing_outputs", paths(&found.missing_outputs))?;
    d.set_item("unreadable", &found.unreadable)?;
    Ok(d)
}

/// What Python is told of a folder run: `progress(done, total, path)` after each file, with
/// the GIL taken only for the call; the failures, kept for the summary.
struct PyObserver {
    callback: Option<Py<PyAny>>,
    cancel: Cancel,
    /// The first exception the callback raised (or a Ctrl-C seen meanwhile): the run stops
    /// and it is raised again once dpk has cleaned up.
    raised: Mutex<Option<PyErr>>,
    failed: Vec<(String, String)>,
}

impl Observer for PyObserver {
    fn progress(&self, p: &Progress<'_>) {
        Python::attach(|py| {
            let called = py.check_signals().and_then(|()| match &self.callback {
                Some(callback) => callback
                    .call1(py, (p.done, p.total, p.input.display().to_string()))
                    .map(drop),
                None => Ok(()),
            });
            if let Err(e) = called {
                if let Ok(mut slot) = self.raised.lock() {
                    slot.get_or_insert(e);
                }
                self.cancel.cancel();
            }
        });
    }

    fn record(&mut self, record: &Record<'_>) {
        if let Record::Failed(failure) = record {
            self.failed
                .push((failure.input().display().to_string(), failure.error().to_string()));
        }
    }
}

/// De-identifies every DICOM file under `src` into `dst`, as `dpk anonymize SRC -o DST`.
#[pyfunction]
#[pyo3(signature = (src, dst, *, salt, profile = "basic", options = Vec::new(), pixel_rules = None,
                    jobs = None, skip_existing = false, progress = None))]
#[allow(clippy::too_many_arguments)] // the Python signature, keyword-only
fn anonymize_tree<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    salt: &Bound<'py, PyAny>,
    profile: &str,
    options: Vec<String>,
    pixel_rules: Option<PathBuf>,
    jobs: Option<usize>,
    skip_existing: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let salt = salt_bytes(salt)?;
    let mut observer = PyObserver {
        callback: progress,
        cancel: Cancel::new(),
        raised: Mutex::new(None),
        failed: Vec::new(),
    };
    let outcome = py.detach(|| -> Result<dpk::batch::Outcome, PyErr> {
        let setup = Setup::new(profile, options, pixel_rules.as_deref(), Some(salt)).map_err(to_py)?;
        let batch = Batch {
            jobs,
            skip_existing,
            ..Batch::new(vec![src], dst)
        };
        let cancel = observer.cancel.clone();
        batch
            .run(&setup.profile, &setup.ctx, &mut observer, &cancel)
            .map_err(|refusal| match refusal {
                Refusal::Setup(e) => to_py(e),
                other => Python::attach(|_| DpkError::new_err(other.to_string())),
            })
    });
    if let Some(err) = observer.raised.lock().ok().and_then(|mut slot| slot.take()) {
        return Err(err);
    }
    let outcome = outcome?;
    let d = PyDict::new(py);
    d.set_item("done", outcome.summary.files_done)?;
    d.set_item("skipped", outcome.summary.files_skipped)?;
    d.set_item("changes", outcome.summary.elements_changed)?;
    let failed = PyList::empty(py);
    for (file, error) in &observer.failed {
        let item = PyDict::new(py);
        item.set_item("file", file)?;
        item.set_item("error", error)?;
        failed.append(item)?;
    }
    d.set_item("failed", failed)?;
    if !outcome.errors.is_empty() {
        return Err(DpkError::new_err(outcome.errors.join("; ")));
    }
    Ok(d)
}

#[pymodule]
fn _dpk(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DpkError", py.get_type::<DpkError>())?;
    m.add("InvalidFileError", py.get_type::<InvalidFileError>())?;
    m.add("LimitError", py.get_type::<LimitError>())?;
    m.add("ProfileError", py.get_type::<ProfileError>())?;
    m.add("SaltError", py.get_type::<SaltError>())?;
    m.add("WriteError", py.get_type::<WriteError>())?;
    m.add("DpkWarning", py.get_type::<DpkWarning>())?;
    m.add("DpkIOError", io_error_type(py)?)?;
    m.add_function(wrap_pyfunction!(anonymize, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize_tree, m)?)?;
    Ok(())
}
