"""Clean Pixel Data from Python: pixel rules from a file, as `dpk anonymize --pixel-rules`."""

import io

import numpy
import pydicom
import pytest

import dpk
from conftest import FIXTURES, SALT, run_cli

US = FIXTURES / "us_multiframe.dcm"

# A region in the top-left corner of the ultrasound fixture's frames.
RON_RULES = """[(
    name: "Fictive banner",
    signature: (modality: "US"),
    regions: [(x: 0, y: 0, width: 12, height: 5)],
)]"""

CTP_SCRIPT = """Fictive banner (CTP form)
{ Modality.equals("US") }
(0,0,12,5)
"""


@pytest.mark.parametrize("name, text", [("rules.ron", RON_RULES), ("rules.script", CTP_SCRIPT)])
def test_pixel_rules_blank_the_region_as_the_cli_does(tmp_path, dpk_bin, salt_file, name, text):
    rules = tmp_path / name
    rules.write_text(text)
    out = tmp_path / "out.dcm"
    run_cli(dpk_bin, "anonymize", US, "-o", out, "--salt-file", salt_file,
            "--option", "clean-pixel-data", "--pixel-rules", rules)
    got = dpk.anonymize(US, salt=SALT, options=["clean-pixel-data"], pixel_rules=rules)
    assert got == out.read_bytes()

    before = pydicom.dcmread(US).pixel_array
    after = pydicom.dcmread(io.BytesIO(got))
    pixels = after.pixel_array
    assert pixels.shape == before.shape
    frames = pixels if pixels.ndim > 2 else pixels[numpy.newaxis]
    original = before if before.ndim > 2 else before[numpy.newaxis]
    assert (original[:, 0:5, 0:12] != 0).any(), "the fixture must show something there"
    assert (frames[:, 0:5, 0:12] == 0).all()
    # Nothing else changed.
    mask = numpy.ones(frames.shape, dtype=bool)
    mask[:, 0:5, 0:12] = False
    assert (frames[mask] == original[mask]).all()
    assert after.BurnedInAnnotation == "NO"
    codes = {item.CodeValue for item in after.DeidentificationMethodCodeSequence}
    assert "113101" in codes
    assert "blanked (0,0,12,5)" in list(after.DeidentificationMethod)

    # The plan says so before anything is written, from a path or from bytes.
    for data in (US, US.read_bytes()):
        changes = dpk.plan(data, salt=SALT, options=["clean-pixel-data"], pixel_rules=rules)
        pixel = [c for c in changes if c["keyword"] == "PixelData"]
        assert pixel and pixel[0]["action"] == "clean" and "(0,0,12,5)" in pixel[0]["rule"], pixel
        burned = [c for c in changes if c["keyword"] == "BurnedInAnnotation"]
        assert burned and burned[0]["after"] == "NO"



def test_pixel_rules_without_the_option_are_refused(tmp_path):
    rules = tmp_path / "rules.ron"
    rules.write_text(RON_RULES)
    with pytest.raises(dpk.ProfileError, match="clean-pixel-data"):
        dpk.anonymize(US, salt=SALT, pixel_rules=rules)


def test_a_bad_rules_file_names_its_line(tmp_path):
    rules = tmp_path / "rules.script"
    rules.write_text('Banner\n{ Modality.matches("US") }\n(0,0,1,1)\n')
    with pytest.raises(dpk.ProfileError, match="rules.script:2"):
        dpk.anonymize(US, salt=SALT, options=["clean-pixel-data"], pixel_rules=rules)


def test_a_tree_takes_pixel_rules(tmp_path, dpk_bin, salt_file):
    rules = tmp_path / "rules.ron"
    rules.write_text(RON_RULES)
    src = tmp_path / "in"
    src.mkdir()
    (src / "us.dcm").write_bytes(US.read_bytes())
    dpk.anonymize_tree(src, tmp_path / "py", salt=SALT, options=["clean-pixel-data"], pixel_rules=rules)
    run_cli(dpk_bin, "anonymize", src, "-o", tmp_path / "cli", "--salt-file", salt_file,
            "--option", "clean-pixel-data", "--pixel-rules", rules)
    assert (tmp_path / "py" / "us.dcm").read_bytes() == (tmp_path / "cli" / "us.dcm").read_bytes()
