"""The one rule for applying a style (iea_core.styles.style_change; docs/hosts.md "The rule"):
a saved change style is added to the photo's current settings; a learned style or a copied look
sets the tools it uses to its target values, every other tool keeps the photographer's value,
and applying it again changes nothing. ``iea style apply --xmp``, ``iea batch`` and the bridge's
``compose`` / ``style_programs`` all follow it, through iea_core.state (Lightroom raws, darktable
instances)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iea_core import catalogue
from iea_core.errors import SessionError
from iea_core.hosts import darktable, lightroom, xmp
from iea_core.program import Program
from iea_core.state import read_state
from iea_core.styles import CHANGE, TARGET, StyleLibrary, style_change

from .synthetic import make_shoot

LOOK = Program({"exposure": 30, "contrast": 18, "vignette": -25})
USER_CRS = {"Exposure2012": 0.5, "Contrast2012": 40, "Clarity2012": 33}


def iea(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iea_core", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def user_sidecar(photo: Path, crs: dict) -> None:
    root, desc = xmp.new_document({"crs": xmp.NS_CRS})
    lightroom.apply_settings(desc, crs)
    lightroom.sidecar_path(photo).write_bytes(xmp.serialize(root))


def test_the_rule_change_adds_target_sets_only_its_tools():
    current = Program({"exposure": 25, "natural_contrast": 33, "contrast": 40})
    assert style_change(CHANGE, LOOK, current) is LOOK
    change = style_change(TARGET, LOOK, current)
    assert change.to_dict() == {"exposure": 5, "contrast": -22, "vignette": -25}
    # only the named tools move (a learned style's used tools, zeros included)
    assert style_change(TARGET, Program({"exposure": 30}), current,
                        ("exposure", "fade")).to_dict() == {"exposure": 5}
    # a step is clamped to the tools' range
    assert style_change(TARGET, Program({"exposure": 90}), Program({"exposure": -60}))[
        "exposure"] == 100
    with pytest.raises(SessionError, match="unknown tool"):
        style_change(TARGET, LOOK, current, ("warmth",))
    with pytest.raises(SessionError, match="unknown style kind"):
        style_change("absolute", LOOK, current)


def copied_look(tmp_path: Path, host) -> Path:
    """A photo carrying LOOK as the photographer's edit (the source of ``from-photo``)."""
    (source, _), = make_shoot(tmp_path / "source", 1, seed=3, size=64)
    host.write_sidecar(source, LOOK)
    return source


def test_copied_look_sets_its_tools_in_batch_and_apply_and_never_adds_twice(tmp_path):
    source = copied_look(tmp_path, lightroom)
    made = iea("style", "from-photo", "That look", source)
    assert made.returncode == 0, made.stderr
    assert "applied as: the values of the tools it uses" in iea("style", "show", "That look").stdout
    with StyleLibrary() as library:
        assert library.kind("That look") == TARGET
        assert set(library.tools("That look")) == set(LOOK.to_dict())
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 2, seed=9, size=64)]
    for photo in photos:
        user_sidecar(photo, USER_CRS)
    batch = iea("batch", "That look", photos[0], "--xmp", "lightroom", "-j", "1")
    assert batch.returncode == 0, batch.stderr
    applied = iea("style", "apply", "That look", photos[1], "--xmp", "lightroom")
    assert applied.returncode == 0, applied.stderr
    assert "Exposure2012 +0.50 -> +0.60" in applied.stdout
    for photo in photos:
        settings = lightroom.read_settings(lightroom.sidecar_path(photo))
        assert settings["Exposure2012"] == pytest.approx(0.6)  # the look's +30, not 25 + 30
        assert settings["Contrast2012"] == 18 and settings["PostCropVignetteAmount"] == -25
        assert settings["Clarity2012"] == 33  # a tool the look does not use: the user's value
    # applying the same target again moves nothing and writes nothing
    stamp = lightroom.sidecar_path(photos[1]).read_bytes()
    again = iea("style", "apply", "That look", photos[1], "--xmp", "lightroom")
    assert again.returncode == 0 and "no setting changed" in again.stdout, again.stdout
    restarted = iea("batch", "That look", photos[1], "--xmp", "lightroom", "--restart")
    assert restarted.returncode == 0, restarted.stderr
    assert lightroom.sidecar_path(photos[1]).read_bytes() == stamp


def test_change_style_is_added_by_style_apply_and_batch(tmp_path):
    with StyleLibrary() as library:
        library.save("Warm punch", "warmer, punchier", Program({"exposure": 10, "contrast": 10}))
        assert library.kind("Warm punch") == CHANGE
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 2, seed=10, size=64)]
    for photo in photos:
        user_sidecar(photo, USER_CRS)
    assert iea("batch", "Warm punch", photos[0], "--xmp", "lightroom").returncode == 0
    assert iea("style", "apply", "Warm punch", photos[1], "--xmp", "lightroom").returncode == 0
    for photo in photos:
        settings = lightroom.read_settings(lightroom.sidecar_path(photo))
        assert settings["Exposure2012"] == pytest.approx(0.7)  # 0.5 + 0.2
        assert settings["Contrast2012"] == 50 and settings["Clarity2012"] == 33


def test_target_on_darktable_updates_iea_instances_and_keeps_the_others(tmp_path):
    source = copied_look(tmp_path, darktable)
    assert iea("style", "from-photo", "dt look", source).returncode == 0
    (photo, _), = make_shoot(tmp_path / "shoot", 1, seed=11, size=64)
    darktable.write_sidecar(photo, Program({"exposure": 12, "shadows": 30}))
    with StyleLibrary() as library:
        styled = library.program_for("dt look")
        kind, tools = library.kind("dt look"), library.tools("dt look")
    catalogue.apply_style("darktable", photo, styled, kind, tools)
    state = read_state("darktable", photo)
    assert state.program.to_dict() == {**LOOK.to_dict(), "shadows": 30}
    catalogue.apply_style("darktable", photo, styled, kind, tools)  # again: nothing moves
    assert read_state("darktable", photo).program.same_values(state.program)


def test_target_on_a_lightroom_raw_is_relative_to_as_shot(tmp_path):
    raw = tmp_path / "IMG_2.NEF"
    raw.write_bytes(b"x")  # only the sidecar is read and written
    raw.with_suffix(".xmp").write_text(  # as Lightroom writes an untouched raw's white balance
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" crs:WhiteBalance="As Shot" '
        'crs:Temperature="5200" crs:Tint="+4" crs:Exposure2012="+0.30" crs:HasSettings="True"/>'
        '</rdf:RDF></x:xmpmeta>')
    target = Program({"temperature": 20, "exposure": 10})
    applied = catalogue.apply_style("lightroom", raw, target, TARGET)
    state = read_state("lightroom", raw)
    assert state.as_shot == (5200, 4)
    assert state.program["temperature"] == pytest.approx(20, abs=1)
    assert state.program["exposure"] == 10
    assert state.settings["Temperature"] > 5200
    assert any(c.key == "Temperature" and c.before == 5200 for c in applied.changes)
    catalogue.apply_style("lightroom", raw, target, TARGET)  # already there
    assert read_state("lightroom", raw).program["temperature"] == pytest.approx(20, abs=1)


def test_bridge_compose_and_style_programs_follow_the_rule(tmp_path):
    from bridge.methods import MethodContext, compose, style_programs

    ctx = MethodContext("test")
    params = {"program": LOOK.to_dict(), "host": "lightroom",
              "develop_settings": dict(USER_CRS)}
    added = compose(params, ctx)
    assert added["host_settings"]["Exposure2012"] == pytest.approx(1.1)  # change: 0.5 + 0.6
    target = compose({**params, "kind": "target"}, ctx)
    assert target["host_settings"]["Exposure2012"] == pytest.approx(0.6)
    assert "Clarity2012" not in target["host_settings"]
    assert target["developed"]["natural_contrast"] == 33

    source = copied_look(tmp_path, lightroom)
    assert iea("style", "from-photo", "Bridge look", source).returncode == 0
    (photo, _), = make_shoot(tmp_path / "shoot", 1, seed=12, size=64)
    reply = style_programs({"style": "Bridge look", "host": "lightroom", "images": [str(photo)],
                            "develop_settings": [dict(USER_CRS)]}, ctx)
    assert reply["kind"] == "target"
    entry = reply["results"][0]
    assert entry["ok"] and entry["change"]["exposure"] == 5
    assert entry["host_settings"]["Exposure2012"] == pytest.approx(0.6)
    assert "Clarity2012" not in entry["host_settings"]
    assert not lightroom.sidecar_path(photo).exists()  # nothing written before review


def test_bridge_batch_apply_sets_a_copied_looks_tools(tmp_path):
    from bridge.methods import MethodContext, batch_apply

    source = copied_look(tmp_path, lightroom)
    assert iea("style", "from-photo", "Batch look", source).returncode == 0
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 2, seed=13, size=64)]
    user_sidecar(photos[0], USER_CRS)
    reply = batch_apply({"images": [str(p) for p in photos], "host": "lightroom",
                         "style": "Batch look"}, MethodContext("batch-test"))
    assert all(r["ok"] for r in reply["results"]), reply
    for photo in photos:
        settings = lightroom.read_settings(lightroom.sidecar_path(photo))
        assert settings["Exposure2012"] == pytest.approx(0.6)  # set, not added to +0.5
        assert settings["Contrast2012"] == 18
    assert lightroom.read_settings(lightroom.sidecar_path(photos[0]))["Clarity2012"] == 33
