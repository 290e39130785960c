"""Shared fixtures: the repository's DICOM fixtures, a salt, and the `dpk` program to compare
the Python package's bytes with."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
SALT = b"python-package-test-salt-0001"


def _dpk_binary() -> pathlib.Path:
    """The `dpk` program of this checkout, built if needed (DPK_BIN overrides)."""
    given = os.environ.get("DPK_BIN")
    if given:
        return pathlib.Path(given)
    subprocess.run(["cargo", "build", "--quiet", "--bin", "dpk"], cwd=REPO, check=True)
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return pathlib.Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "dpk"


@pytest.fixture(scope="session")
def dpk_bin() -> pathlib.Path:
    path = _dpk_binary()
    assert path.is_file(), f"the dpk program is missing: {path}"
    return path


@pytest.fixture(scope="session")
def salt_file(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("salt") / "salt.txt"
    path.write_bytes(SALT + b"\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def fixture_files() -> list:
    files = sorted(FIXTURES.glob("*.dcm"))
    assert len(files) >= 5, f"expected the repository's DICOM fixtures under {FIXTURES}"
    return files


@pytest.fixture()
def study_tree(tmp_path) -> pathlib.Path:
    """A copy of the fixtures' two-series study plus the top-level files, as a folder."""
    src = tmp_path / "in"
    shutil.copytree(FIXTURES / "study", src / "study")
    for f in sorted(FIXTURES.glob("*.dcm")):
        shutil.copy(f, src / f.name)
    return src


def run_cli(dpk_bin, *args, check=True):
    result = subprocess.run([str(dpk_bin), *map(str, args)], capture_output=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"dpk {' '.join(map(str, args))} exited {result.returncode}: {result.stderr.decode(errors='replace')}"
        )
    return result


def files_under(root: pathlib.Path) -> dict:
    """Relative path → bytes of every file under `root`."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
