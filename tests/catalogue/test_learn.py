"""``iea style learn`` / ``from-photo``: a style learned from real sidecars recovers how the
photographer's edits depend on the photo, and beats the same style as a fixed preset."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from iea_core import catalogue, learn
from iea_core.editor import render
from iea_core.hosts import darktable, lightroom
from iea_core.metrics import distance
from iea_core.program import Program

from .synthetic import make_shoot


def iea(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iea_core", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def edited_shoot(tmp_path_factory) -> Path:
    """16 photos carrying the photographer's edits: half as Lightroom crs sidecars (IMG.xmp),
    half as darktable sidecars (IMG.jpg.xmp)."""
    folder = tmp_path_factory.mktemp("edited")
    for index, (photo, program) in enumerate(make_shoot(folder, 16, seed=1)):
        host = lightroom if index % 2 else darktable
        host.write_sidecar(photo, program)
    return folder


def test_learned_style_recovers_the_dependence_and_beats_a_fixed_preset(edited_shoot, tmp_path):
    style = learn.learn_style("mine", [edited_shoot])
    assert style.n_examples == 16
    verdicts = {r.tool: r.verdict for r in style.report}
    assert verdicts["exposure"] == verdicts["temperature"] == "per photo"
    assert verdicts["contrast"] == verdicts["vignette"] == "consistent"
    assert {t for t, v in verdicts.items() if v == "not used"} == \
        set(verdicts) - {"exposure", "temperature", "contrast", "vignette"}
    report = {r.tool: r for r in style.report}
    assert report["exposure"].cv_error_model < 0.5 * report["exposure"].cv_error_fixed

    held_out = make_shoot(tmp_path / "new", 10, seed=2)
    d_learned, d_fixed = [], []
    for photo, target in held_out:
        pixels = catalogue.photo_preview(photo)
        reference = render(pixels, target)
        d_learned.append(distance(render(pixels, style.predict(pixels)), reference))
        d_fixed.append(distance(render(pixels, style.fixed_program), reference))
    assert np.mean(d_learned) < 0.5 * np.mean(d_fixed)
    assert sum(a < b for a, b in zip(d_learned, d_fixed)) >= 8
    # the dependence itself: a darker photo gets more exposure, as the photographer did
    targets = np.array([t["exposure"] for _, t in held_out])
    predicted = np.array([style.predict(catalogue.photo_preview(p))["exposure"]
                          for p, _ in held_out])
    assert np.corrcoef(targets, predicted)[0, 1] > 0.9


def test_model_round_trips_through_json(edited_shoot):
    style = learn.learn_style("mine", [edited_shoot])
    path = learn.save_model(style)
    again = learn.load_model("mine", style.fixed_program)
    pixels = catalogue.photo_preview(sorted(edited_shoot.glob("*.jpg"))[0])
    assert again.predict(pixels).same_values(style.predict(pixels))
    assert learn.load_model("mine", Program({"exposure": 3})) is None  # another style now
    assert path.exists()


def test_refuses_below_five_examples_with_one_clear_line(tmp_path):
    shoot = make_shoot(tmp_path / "few", 6, seed=3)
    for photo, program in shoot[:4]:
        lightroom.write_sidecar(photo, program)
    result = iea("style", "learn", "few", tmp_path / "few")
    assert result.returncode != 0
    assert "at least 5 edited photos; found 4" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_learn_then_apply_adapts_per_photo(edited_shoot, tmp_path):
    result = iea("style", "learn", "My look", edited_shoot, "--json")
    assert result.returncode == 0, result.stderr
    report = {r["tool"]: r["verdict"] for r in json.loads(result.stdout)["report"]}
    assert report["exposure"] == "per photo"
    shown = iea("style", "show", "My look", "--json")
    assert json.loads(shown.stdout)["program"]["contrast"] == 18

    new = make_shoot(tmp_path / "new", 8, seed=4)
    darkest = max(new, key=lambda item: item[1]["exposure"])[0]  # needs the most exposure
    brightest = min(new, key=lambda item: item[1]["exposure"])[0]
    applied = iea("style", "apply", "My look", darkest, brightest, "--xmp", "lightroom")
    assert applied.returncode == 0, applied.stderr
    dark = lightroom.crs_to_program(lightroom.read_settings(darkest.with_suffix(".xmp")))[0]
    bright = lightroom.crs_to_program(lightroom.read_settings(brightest.with_suffix(".xmp")))[0]
    assert dark["exposure"] > bright["exposure"] + 30
    assert dark["contrast"] == bright["contrast"] == 18

    deleted = iea("style", "delete", "My look")
    assert deleted.returncode == 0
    assert not list(learn.models_dir().glob("*.json"))


def test_from_photo_copies_one_photos_settings(tmp_path):
    (photo, program), = make_shoot(tmp_path, 1, seed=5)
    darktable.write_sidecar(photo, program)
    result = iea("style", "from-photo", "Like that one", photo)
    assert result.returncode == 0, result.stderr
    shown = json.loads(iea("style", "show", "Like that one", "--json").stdout)
    assert Program(shown["program"]).same_values(darktable.read_sidecar(
        darktable.sidecar_path(photo)))
    assert shown["reference_median"] is not None
    unedited = tmp_path / "plain.jpg"
    unedited.write_bytes(photo.read_bytes())
    refused = iea("style", "from-photo", "Nothing", unedited)
    assert refused.returncode != 0 and "plain.jpg has no develop settings" in refused.stderr


def test_current_settings_fall_through_an_empty_darktable_sidecar(tmp_path):
    (photo, program), = make_shoot(tmp_path, 1, seed=6)
    darktable.write_sidecar(photo, Program())  # darktable has the photo, nothing iea can read
    lightroom.write_sidecar(photo, program)
    found = catalogue.read_current_state(photo)
    assert found.host == "lightroom" and found.program.same_values(program)
    only_dt = catalogue.read_current_state(photo, "darktable")
    assert only_dt.host == "darktable" and only_dt.program.is_identity


def test_a_damaged_original_is_skipped_not_fatal(tmp_path):
    shoot = make_shoot(tmp_path / "s", 6, seed=8)
    for photo, program in shoot:
        lightroom.write_sidecar(photo, program)
    shoot[0][0].write_bytes(b"\xff\xd8\xff garbage")
    skipped = []
    style = learn.learn_style("s", [tmp_path / "s"], on_skip=lambda p, why: skipped.append(p))
    assert style.n_examples == 5 and skipped == [shoot[0][0]]


def test_learned_style_on_an_edited_photo_sets_its_tools_once(edited_shoot, tmp_path):
    """A learned style predicts the photographer's values from the unedited photo: applied with
    --xmp to a photo that already has settings it sets its tools to the prediction (not current +
    prediction), keeps the tools it does not use, and a second apply moves nothing."""
    from iea_core.hosts import xmp

    assert iea("style", "learn", "Mine", edited_shoot).returncode == 0
    (photo, _), = make_shoot(tmp_path / "new", 1, seed=21)
    root, desc = xmp.new_document({"crs": xmp.NS_CRS})
    lightroom.apply_settings(desc, {"Exposure2012": 1.5, "Contrast2012": 60, "Clarity2012": 33})
    lightroom.sidecar_path(photo).write_bytes(xmp.serialize(root))
    model = learn.load_model("Mine")
    predicted = model.predict(catalogue.photo_preview(photo, 512))
    applied = iea("style", "apply", "Mine", photo, "--xmp", "lightroom")
    assert applied.returncode == 0, applied.stderr
    settings = lightroom.read_settings(lightroom.sidecar_path(photo))
    program = lightroom.crs_to_program(settings)[0]
    assert program["exposure"] == pytest.approx(predicted["exposure"], abs=2)
    assert program["contrast"] == 18 and settings["Clarity2012"] == 33
    again = iea("style", "apply", "Mine", photo, "--xmp", "lightroom")
    assert again.returncode == 0, again.stderr
    assert lightroom.crs_to_program(lightroom.read_settings(
        lightroom.sidecar_path(photo)))[0]["exposure"] == program["exposure"]
