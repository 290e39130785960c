"""Folders: `anonymize_tree` gives the CLI's tree, resumes, reports progress and failures;
a Dask bag spread over workers gives the same tree with no shared state."""

import pathlib

import pytest

import dpk
from conftest import SALT, files_under, run_cli


def cli_tree(dpk_bin, salt_file, src, dst, *options):
    args = ["anonymize", src, "-o", dst, "--salt-file", salt_file]
    for o in options:
        args += ["--option", o]
    run_cli(dpk_bin, *args)
    return files_under(dst)


def test_tree_equals_the_cli(tmp_path, dpk_bin, salt_file, study_tree):
    expected = cli_tree(dpk_bin, salt_file, study_tree, tmp_path / "cli")
    seen = []
    summary = dpk.anonymize_tree(
        study_tree,
        tmp_path / "py",
        salt=SALT,
        jobs=2,
        progress=lambda done, total, path: seen.append((done, total, path)),
    )
    assert files_under(tmp_path / "py") == expected
    assert summary["done"] == len(expected) and summary["failed"] == [] and summary["skipped"] == 0
    assert summary["changes"] > 0
    assert sorted(d for d, _, _ in seen) == list(range(1, len(expected) + 1))
    assert {pathlib.Path(p).name for _, _, p in seen} == {pathlib.Path(p).name for p in expected}


def test_tree_with_options_and_resume(tmp_path, dpk_bin, salt_file, study_tree):
    options = ("retain-long-modified-dates",)
    expected = cli_tree(dpk_bin, salt_file, study_tree, tmp_path / "cli", *options)
    first = dpk.anonymize_tree(study_tree, tmp_path / "py", salt=SALT, options=options)
    assert first["done"] == len(expected)
    again = dpk.anonymize_tree(study_tree, tmp_path / "py", salt=SALT, options=options, skip_existing=True)
    assert again["done"] == 0 and again["skipped"] == len(expected)
    assert files_under(tmp_path / "py") == expected


def test_tree_lists_a_bad_file_and_goes_on(tmp_path, study_tree):
    (study_tree / "notes.txt").write_text("not DICOM")
    summary = dpk.anonymize_tree(study_tree, tmp_path / "out", salt=SALT)
    assert [pathlib.Path(f["file"]).name for f in summary["failed"]] == ["notes.txt"]
    assert summary["failed"][0]["error"]
    assert summary["done"] == len(list(study_tree.rglob("*.dcm")))


def test_tree_refuses_an_output_inside_its_input(study_tree):
    with pytest.raises(dpk.DpkError):
        dpk.anonymize_tree(study_tree, study_tree / "out", salt=SALT)
    assert not (study_tree / "out").exists()


def test_an_exception_in_progress_stops_the_run(tmp_path, study_tree):
    class Stop(Exception):
        pass

    def progress(done, total, path):
        raise Stop("enough")

    with pytest.raises(Stop):
        dpk.anonymize_tree(study_tree, tmp_path / "out", salt=SALT, jobs=1, progress=progress)
    leftovers = [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_dask_bag_gives_the_cli_tree(tmp_path, dpk_bin, salt_file, study_tree):
    """Each Dask task de-identifies its files on its own, keyed by the salt alone: the tree
    they write equals the CLI's."""
    db = pytest.importorskip("dask.bag")
    expected = cli_tree(dpk_bin, salt_file, study_tree, tmp_path / "cli")
    out = tmp_path / "dask"
    paths = sorted(str(p.relative_to(study_tree)) for p in study_tree.rglob("*.dcm"))

    def one(rel):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(dpk.anonymize(study_tree / rel, salt=SALT))
        return rel

    written = db.from_sequence(paths, npartitions=3).map(one).compute(scheduler="processes", num_workers=2)
    assert sorted(written) == paths
    assert files_under(out) == expected
