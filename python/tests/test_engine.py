"""The Python package on real DICOM bytes: the same output as the `dpk` program, plans,
scores, errors, pydicom interop, and threads."""

import io
import pathlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pydicom
import pytest

import dpk
from conftest import FIXTURES, SALT, run_cli


@pytest.mark.parametrize("options", [(), ("retain-long-modified-dates", "clean-descriptors")])
def test_anonymize_gives_the_bytes_of_the_cli(tmp_path, dpk_bin, salt_file, fixture_files, options):
    for src in fixture_files:
        out = tmp_path / f"{'-'.join(options) or 'basic'}-{src.name}"
        args = ["anonymize", src, "-o", out, "--salt-file", salt_file]
        for o in options:
            args += ["--option", o]
        run_cli(dpk_bin, *args)
        expected = out.read_bytes()
        from_bytes = dpk.anonymize(src.read_bytes(), salt=SALT, options=options)
        from_path = dpk.anonymize(src, salt=SALT, options=options)
        from_str_path = dpk.anonymize(str(src), salt=SALT.decode(), options=list(options))
        assert from_bytes == expected, f"{src.name}: bytes in, not the CLI's bytes out"
        assert from_path == expected, f"{src.name}: path in, not the CLI's bytes out"
        assert from_str_path == expected, f"{src.name}: str path and str salt differ"


def test_another_salt_gives_other_uids():
    demo = (FIXTURES / "demo.dcm").read_bytes()
    a = pydicom.dcmread(io.BytesIO(dpk.anonymize(demo, salt=SALT)))
    b = pydicom.dcmread(io.BytesIO(dpk.anonymize(demo, salt=b"another-salt-of-enough-bytes")))
    original = pydicom.dcmread(io.BytesIO(demo))
    assert a.SOPInstanceUID != original.SOPInstanceUID
    assert a.SOPInstanceUID != b.SOPInstanceUID
    assert a.SOPInstanceUID.startswith("2.25.")
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID


def test_pydicom_in_and_out():
    """A data set made in pydicom goes through dpk as bytes and comes back readable."""
    ds = pydicom.dcmread(FIXTURES / "ct_explicit_le.dcm")
    ds.PatientName = "FICTIVE^ALMA"
    ds.PatientID = "PY-0042"
    ds.InstitutionName = "Saint Example Hospital"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    out = pydicom.dcmread(io.BytesIO(dpk.anonymize(buffer.getvalue(), salt=SALT)))
    assert str(out.PatientName) == ""
    assert out.PatientID != "PY-0042"
    assert "InstitutionName" not in out
    assert out.PatientIdentityRemoved == "YES"
    codes = {item.CodeValue for item in out.DeidentificationMethodCodeSequence}
    assert "113100" in codes
    assert out.pixel_array.shape == ds.pixel_array.shape
    assert (out.pixel_array == ds.pixel_array).all()


def test_plan_lists_each_change():
    changes = dpk.plan(FIXTURES / "demo.dcm", salt=SALT)
    by_keyword = {c["keyword"]: c for c in changes if c["keyword"]}
    name = by_keyword["PatientName"]
    assert set(name) == {"path", "tag", "keyword", "vr", "action", "before", "after", "rule"}
    assert name["tag"] == "(0010,0010)" and name["path"] == "(0010,0010)"
    assert name["vr"] == "PN"
    assert name["action"] == "empty"
    assert name["before"] and name["after"] in ("", None)
    assert "(0010,0010)" in name["rule"]
    uid = by_keyword["SOPInstanceUID"]
    assert uid["action"] == "new uid" and uid["after"].startswith("2.25.")
    # Only changes: nothing kept as it was is listed.
    assert all(c["before"] != c["after"] or c["action"] != "keep" for c in changes)
    # Elements inside sequences carry their path.
    assert any("[" in c["path"] for c in changes)
    # The plan agrees with the bytes anonymize writes.
    out = pydicom.dcmread(io.BytesIO(dpk.anonymize(FIXTURES / "demo.dcm", salt=SALT)))
    assert out.SOPInstanceUID == uid["after"]


def test_score_before_and_after():
    demo = (FIXTURES / "demo.dcm").read_bytes()
    before = dpk.score(demo)
    after = dpk.score(dpk.anonymize(demo, salt=SALT))
    assert before["level"] == "CRITICAL" and before["score"] >= 75
    assert after["score"] < before["score"]
    assert after["level"] in ("LOW", "MEDIUM", "HIGH", "CRITICAL")
    finding = next(f for f in before["findings"] if f["keyword"] == "PatientName")
    assert finding["category"] == "direct-identifier"
    assert 0 < finding["weight"] <= 1 and "identifies the patient" in finding["reason"]


def test_score_with_weights(tmp_path):
    weights = tmp_path / "w.ron"
    weights.write_text((FIXTURES.parent / "profiles" / "risk-weights.ron").read_text())
    assert dpk.score(FIXTURES / "demo.dcm", weights=weights) == dpk.score(FIXTURES / "demo.dcm")
    weights.write_text("(not a weights file")
    with pytest.raises(dpk.DpkError):
        dpk.score(FIXTURES / "demo.dcm", weights=weights)


def test_verify_finds_a_copy_of_the_original_and_passes_the_output(tmp_path, salt_file, dpk_bin):
    originals = tmp_path / "orig"
    originals.mkdir()
    (originals / "demo.dcm").write_bytes((FIXTURES / "demo.dcm").read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo.dcm").write_bytes(dpk.anonymize(originals / "demo.dcm", salt=SALT))
    clean = dpk.verify(out, originals=originals)
    assert clean["files"] == 1
    assert clean["violations"] == []
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "demo.dcm").write_bytes((FIXTURES / "demo.dcm").read_bytes())
    leaked = dpk.verify(copy, originals=originals)
    assert leaked["files"] == 1 and leaked["violations"]
    assert all(v["file"].endswith("demo.dcm") and v["problem"] for v in leaked["violations"])


@pytest.mark.parametrize(
    "data, error",
    [
        (b"", dpk.InvalidFileError),
        (b"not a dicom file at all", dpk.InvalidFileError),
        (b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f", dpk.InvalidFileError),
    ],
)
def test_bad_bytes_raise_a_dpk_error(data, error):
    for call in (
        lambda: dpk.anonymize(data, salt=SALT),
        lambda: dpk.plan(data, salt=SALT),
        lambda: dpk.score(data),
    ):
        with pytest.raises(error) as caught:
            call()
        assert isinstance(caught.value, dpk.DpkError)
        assert str(caught.value)


def test_truncated_fixture_raises_not_crashes():
    whole = (FIXTURES / "ct_explicit_le.dcm").read_bytes()
    for cut in (4, 131, 132, 200, len(whole) // 2):
        with pytest.raises(dpk.DpkError):
            dpk.anonymize(whole[:cut], salt=SALT)


def test_pixel_data_cut_short_is_padded_and_said_never_silently():
    whole = (FIXTURES / "ct_explicit_le.dcm").read_bytes()
    with pytest.warns(dpk.DpkWarning, match="read with a fallback") as caught:
        out = dpk.anonymize(whole[:-1], salt=SALT)
    assert any("pixel data" in str(w.message).lower() for w in caught)
    original = pydicom.dcmread(io.BytesIO(whole))
    padded = pydicom.dcmread(io.BytesIO(out))
    assert len(padded.PixelData) == len(original.PixelData)
    assert padded.PixelData[:-1] == original.PixelData[:-1]


def test_errors_for_profile_salt_and_paths(tmp_path):
    demo = FIXTURES / "demo.dcm"
    with pytest.raises(dpk.SaltError):
        dpk.anonymize(demo, salt=b"short")
    with pytest.raises(dpk.ProfileError):
        dpk.anonymize(demo, salt=SALT, profile="no-such-profile")
    with pytest.raises(dpk.ProfileError):
        dpk.anonymize(demo, salt=SALT, options=["no-such-option"])
    with pytest.raises(dpk.DpkIOError) as caught:
        dpk.anonymize(tmp_path / "missing.dcm", salt=SALT)
    assert isinstance(caught.value, OSError)
    assert "missing.dcm" in str(caught.value)
    with pytest.raises(TypeError):
        dpk.anonymize(12345, salt=SALT)


def test_profile_from_a_ron_file(tmp_path):
    profile = tmp_path / "keep-name.ron"
    profile.write_text(
        '(name: "keep-name", extends: "basic", rules: [(select: "PatientName", action: Keep)])'
    )
    out = pydicom.dcmread(io.BytesIO(dpk.anonymize(FIXTURES / "demo.dcm", salt=SALT, profile=str(profile))))
    original = pydicom.dcmread(FIXTURES / "demo.dcm")
    assert out.PatientName == original.PatientName


def test_threads_give_the_same_bytes_as_one_thread(fixture_files):
    expected = {f.name: dpk.anonymize(f, salt=SALT) for f in fixture_files}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda f: (f.name, dpk.anonymize(f, salt=SALT)), fixture_files * 3))
    for name, data in results:
        assert data == expected[name], name


def test_the_gil_is_released_while_dpk_works(tmp_path):
    """A Python thread keeps running while another thread is inside one long dpk call: with
    the GIL held, the watching loop would stop for the whole call."""
    src = tmp_path / "many"
    src.mkdir()
    demo = (FIXTURES / "demo.dcm").read_bytes()
    for i in range(300):
        (src / f"{i:03}.dcm").write_bytes(demo)
    done = threading.Event()
    result = {}

    def one_long_call():
        start = time.perf_counter()
        result["summary"] = dpk.anonymize_tree(src, tmp_path / "out", salt=SALT, jobs=1)
        result["seconds"] = time.perf_counter() - start
        done.set()

    worker = threading.Thread(target=one_long_call)
    seen = []
    worker.start()
    while not done.is_set():
        seen.append(time.perf_counter())
    worker.join()
    assert result["summary"]["done"] == 300
    longest_gap = max(b - a for a, b in zip(seen, seen[1:]))
    assert longest_gap < result["seconds"] / 2, (
        f"Python stood still for {longest_gap:.3f} s of a {result['seconds']:.3f} s call"
    )
