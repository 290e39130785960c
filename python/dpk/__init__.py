"""dpk: DICOM de-identification by the PS3.15 Annex E profiles.

The same engine as the ``dpk`` program, from Python: every function takes a DICOM file as
``bytes`` or as a path, and the bytes :func:`anonymize` returns are exactly those
``dpk anonymize`` writes for the same input, profile, options and salt. New UIDs, hashes and
date shifts are derived from the salt, not stored, so any number of processes or machines
de-identify the files of one study consistently with no shared state.

dpk releases the GIL while it works, so threads run in parallel.
"""

from ._dpk import (
    DpkError,
    DpkIOError,
    DpkWarning,
    InvalidFileError,
    LimitError,
    ProfileError,
    SaltError,
    WriteError,
    __version__,
    anonymize,
    anonymize_tree,
    plan,
    score,
    verify,
)

__all__ = [
    "DpkError",
    "DpkIOError",
    "DpkWarning",
    "InvalidFileError",
    "LimitError",
    "ProfileError",
    "SaltError",
    "WriteError",
    "__version__",
    "anonymize",
    "anonymize_tree",
    "plan",
    "score",
    "verify",
]
