"""Type stubs of dpk's compiled module (re-exported by ``dpk``)."""

import os
from typing import Callable, Optional, Sequence, TypedDict, Union

__version__: str

#: A DICOM file: its bytes, or the path of a file.
Data = Union[bytes, bytearray, memoryview, str, os.PathLike[str]]
#: The secret salt: at least 16 bytes once surrounding white space is trimmed (as the
#: ``--salt-file`` of the ``dpk`` program is read).
SaltLike = Union[bytes, str]
PathLike = Union[str, os.PathLike[str]]

class DpkError(Exception):
    """Every error dpk raises."""

class InvalidFileError(DpkError):
    """The input is not DICOM, or is damaged in a way dpk refuses to guess about."""

class LimitError(InvalidFileError):
    """The input is over one of dpk's limits (nesting depth, elements, bytes of one value)."""

class ProfileError(DpkError):
    """The profile or an option is unknown or malformed."""

class SaltError(DpkError):
    """The salt is missing where the profile needs one, or is too short."""

class DpkIOError(DpkError, OSError):
    """Reading or writing a file failed."""

class WriteError(DpkError):
    """The de-identified copy could not be encoded (a value the input holds breaks its VR)."""

class DpkWarning(UserWarning):
    """What dpk accepted that a strict reader would not (a file read with a fallback, pixel
    data cut short and padded): the notes ``dpk anonymize`` prints, one warning each."""

class Change(TypedDict):
    path: str
    tag: str
    keyword: Optional[str]
    vr: str
    action: str
    before: Optional[str]
    after: Optional[str]
    rule: str

class Finding(TypedDict):
    path: str
    tag: str
    keyword: Optional[str]
    category: str
    weight: float
    reason: str

class Score(TypedDict):
    score: float
    level: str
    findings: list[Finding]

class Violation(TypedDict):
    file: str
    path: Optional[str]
    problem: str

class Verification(TypedDict):
    passes: bool
    files: int
    violations: list[Violation]
    not_dicom: list[str]
    missing_outputs: list[str]
    unreadable: list[str]

class Failure(TypedDict):
    file: str
    error: str

class TreeSummary(TypedDict):
    done: int
    skipped: int
    failed: list[Failure]
    changes: int

def anonymize(
    data: Data,
    *,
    salt: SaltLike,
    profile: str = "basic",
    options: Sequence[str] = (),
    pixel_rules: Optional[PathLike] = None,
) -> bytes:
    """De-identifies one file: the bytes ``dpk anonymize`` writes for it. ``pixel_rules``
    (a dpk RON file of rules, or a CTP DicomPixelAnonymizer script) adds to the profile's
    pixel rules, as ``--pixel-rules``; it needs the ``clean-pixel-data`` option."""

def plan(
    data: Data,
    *,
    salt: SaltLike,
    profile: str = "basic",
    options: Sequence[str] = (),
    pixel_rules: Optional[PathLike] = None,
) -> list[Change]:
    """What the profile changes in the file: one dict per change, in file order."""

def score(data: Data, *, weights: Optional[PathLike] = None) -> Score:
    """The PHI risk score (0–100), its level and the findings behind it."""

def verify(
    path: PathLike,
    *,
    profile: str = "basic",
    options: Sequence[str] = (),
    originals: Optional[PathLike] = None,
    report: Optional[PathLike] = None,
) -> Verification:
    """Checks de-identified files (a file or a folder) as ``dpk verify`` does: each output
    against its own original when ``originals`` is given (paired by relative path, or by the
    original SOP Instance UID through the run's JSON ``report``), and its structure."""

def anonymize_tree(
    src: PathLike,
    dst: PathLike,
    *,
    salt: SaltLike,
    profile: str = "basic",
    options: Sequence[str] = (),
    pixel_rules: Optional[PathLike] = None,
    jobs: Optional[int] = None,
    skip_existing: bool = False,
    progress: Optional[Callable[[int, int, str], None]] = None,
) -> TreeSummary:
    """De-identifies every DICOM file under ``src`` into ``dst`` at the same relative paths,
    as ``dpk anonymize SRC -o DST`` does. ``progress(done, total, path)`` is called after each
    file; an exception it raises (or Ctrl-C) stops the run, leaving only whole outputs."""
