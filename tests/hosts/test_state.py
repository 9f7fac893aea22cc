"""Edits compose with the photo as it is now (iea_core.state), on real files and real hosts.

The instruction sequence "warmer" -> "a touch warmer" -> "a bit less warm" must move the photo's
warmth up, further up, then down, each step smaller than a fresh "warmer"; a sidecar's hand-set
values survive an edit that does not name them and are the starting point of one that does.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from iea_core.cli import main
from iea_core.hosts import darktable as D
from iea_core.hosts import lightroom as L
from iea_core.program import Program
from iea_core.state import (apply_to_sidecar, compose, darktable_state, lightroom_apply,
                            lightroom_state, read_state)
from tests.hosts.conftest import read_rgb, small_photo

SEQUENCE = ("warmer", "a touch warmer", "a bit less warm")

LR_SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" crs:Exposure2012="+0.50"
 crs:Clarity2012="+33" crs:Vibrance="+12" crs:Sharpness="25"/></rdf:RDF></x:xmpmeta>"""


@pytest.fixture()
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.fromarray(small_photo("coffee", 160)).save(path, quality=95)
    return path


def edit(image: Path, instruction: str, host: str) -> dict:
    result = CliRunner().invoke(main, ["edit", str(image), instruction, "--xmp", host, "--json",
                                       "-o", str(image.with_name("out.jpg")), "--overwrite"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def warmth(rgb: np.ndarray) -> float:
    """Mean Lab b* (yellow-blue) of the mid-tones: clipped highlights, which cannot get warmer,
    do not hide a warming step the way a plain R - B mean lets them."""
    from iea_core.agent.verify import lab

    L = lab(np.asarray(rgb, np.float32))
    mid = (L[..., 0] > 20) & (L[..., 0] < 90)
    return float(L[..., 2][mid].mean())


# --- the state model ------------------------------------------------------------------------------
def test_compose_clamps_per_tool() -> None:
    total = compose(Program({"exposure": 90, "contrast": -20}), Program({"exposure": 30}))
    assert total.to_dict() == {"exposure": 100, "contrast": -20}


def test_lightroom_additive_sliders_start_from_the_photographers_values() -> None:
    state = lightroom_state({"Exposure2012": 4.9, "Contrast2012": 90, "Clarity2012": 33,
                             "Shadows2012": -10}, raw=False)
    crs, changes, _ = lightroom_apply(state, Program({"exposure": 10, "contrast": 20}))
    # clamped to Lightroom's own ranges, not to the tool range
    assert crs == {"Exposure2012": 5.0, "Contrast2012": 100}
    assert [c.line() for c in changes] == ["Exposure2012 +4.90 -> +5.00",
                                           "Contrast2012 +90 -> +100"]


@pytest.mark.parametrize("as_shot", [3200, 7500])
def test_lightroom_raw_white_balance_is_relative_to_as_shot(as_shot: int) -> None:
    state = lightroom_state({"Temperature": as_shot, "Tint": 8, "WhiteBalance": "As Shot",
                             "Sharpness": 40}, raw=True)
    assert state.as_shot == (as_shot, 8) and state.program.is_identity
    crs, _, _ = lightroom_apply(state, Program({"temperature": 30, "tint": -10}))
    assert set(crs) == {"Temperature", "Tint"}  # no Sharpness, no Incremental keys on a raw
    assert as_shot < crs["Temperature"] < as_shot * 1.3
    assert crs["Tint"] == 18  # iea tint -10 = more magenta = Lightroom +10
    # read back: the state is "temperature +30" relative to As Shot
    after = lightroom_state({**state.settings, **crs}, raw=True, as_shot=state.as_shot)
    assert abs(after.program["temperature"] - 30) <= 1


def test_lightroom_sharpness_never_turned_off_on_raw() -> None:
    state = lightroom_state({"Temperature": 5000}, raw=True)
    crs, _, _ = lightroom_apply(state, Program({"sharpness": -30}))
    assert crs.get("Sharpness", 40) >= 40 and crs["Texture"] < 0
    crs, _, _ = lightroom_apply(state, Program({"sharpness": 20}))
    assert crs["Sharpness"] == 62


def test_lightroom_custom_curve_is_not_replaced_by_fade() -> None:
    state = lightroom_state({"ToneCurvePV2012": ["0, 0", "64, 50", "255, 255"]}, raw=False)
    crs, _, notes = lightroom_apply(state, Program({"fade": 20}))
    assert crs == {} and any("custom tone curve" in n for n in notes)


# --- Lightroom raw sequence with the real agent -----------------------------------------------------
@pytest.mark.parametrize("as_shot", [3200, 7500])
def test_lightroom_raw_sequence_orders_temperature(as_shot: int) -> None:
    from iea_core.agent import get_agent
    from iea_core.imageio import to_float
    from iea_core.state import developed_view

    agent = get_agent("embedded")
    view = to_float(small_photo("coffee", 128))
    state = lightroom_state({"Temperature": as_shot, "Tint": 0, "WhiteBalance": "As Shot"},
                            raw=True)
    fresh = agent.edit(view, "warmer").program["temperature"]
    temps = [as_shot]
    for instruction in SEQUENCE:
        change = agent.edit(developed_view(view, state), instruction).program
        crs, _, _ = lightroom_apply(state, change)
        state = lightroom_state({**state.settings, **crs}, raw=True, as_shot=state.as_shot)
        temps.append(state.settings["Temperature"])
    # steps compared in mired (1e6 / K), the scale iea's mapping and Lightroom's slider follow
    mired = [1e6 / t for t in temps]
    up1, up2, down = (a - b for a, b in zip(mired, mired[1:]))
    assert up1 > 0 and up2 > 0 and down < 0, temps
    assert up2 < up1 and abs(down) < up1, temps
    assert min(temps[1:]) > as_shot  # never crosses As Shot the wrong way
    assert fresh > 0


# --- CLI sidecars -----------------------------------------------------------------------------------
def test_cli_edit_keeps_hand_set_lightroom_values(photo: Path) -> None:
    photo.with_suffix(".xmp").write_text(LR_SIDECAR)
    out = edit(photo, "a bit brighter", "lightroom")
    settings = L.read_settings(photo.with_suffix(".xmp"))
    exposure = out["program"]["exposure"]
    assert exposure > 0
    assert settings["Exposure2012"] == pytest.approx(0.5 + exposure * L.EV_PER_UNIT)
    assert settings["Clarity2012"] == 33 and settings["Vibrance"] == 12
    assert settings["Sharpness"] == 25  # not reset to a default
    assert "Contrast2012" not in settings and "Temperature" not in settings
    keys = {c["key"]: c for c in out["changes"]}
    assert keys["Exposure2012"]["before"] == 0.5
    # beside exposure the agent may only hold the highlights back (its clipping guard rail)
    assert set(keys) <= {"Exposure2012", "Highlights2012", "Whites2012"}, keys
    assert all(keys[k]["after"] <= 0 for k in keys if k != "Exposure2012"), keys
    assert "Clarity2012 +33" in out["kept"]


def test_cli_edit_prints_before_and_after(photo: Path) -> None:
    photo.with_suffix(".xmp").write_text(LR_SIDECAR)
    result = CliRunner().invoke(main, ["edit", str(photo), "more vibrant", "--xmp", "lightroom",
                                       "-o", str(photo.with_name("o.jpg"))],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Vibrance +12 -> +" in result.output and "kept: " in result.output


def test_cli_agent_sees_the_developed_photo(photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidecar's +1 EV is what the agent looks at."""
    photo.with_suffix(".xmp").write_text(LR_SIDECAR.replace('"+0.50"', '"+1.00"'))
    seen = []
    from iea_core.agent import get_agent

    real = get_agent("embedded")

    class Spy:
        name = "spy"

        def edit(self, image, instruction, history=()):  # noqa: ANN001, ANN202
            seen.append(float(np.mean(image)))
            return real.edit(image, instruction, history)

    monkeypatch.setattr("iea_core.cli.cmd_edit.make_agent", lambda backend, options=(): Spy())
    edit(photo, "a bit darker", "lightroom")
    plain = float(np.mean(read_rgb(photo)))
    assert seen[0] > plain + 0.05


def test_cli_darktable_repeated_edits_accumulate(photo: Path) -> None:
    values = []
    for instruction in SEQUENCE:
        edit(photo, instruction, "darktable")
        values.append(read_state("darktable", photo).program["temperature"])
    assert values[0] > 0 and values[1] > values[0] and values[2] < values[1], values
    state = D.read_history(D.sidecar_path(photo))
    wb = [i for i in state.active if i.multi_name == "iea white balance"]
    assert len({i.multi_priority for i in wb}) == 1  # one instance, updated each time
    assert len(wb) == 3  # one history entry per edit


def test_darktable_change_to_zero_switches_the_instance_off(photo: Path) -> None:
    apply_to_sidecar("darktable", photo, Program({"exposure": 20, "contrast": 10}))
    applied = apply_to_sidecar("darktable", photo, Program({"exposure": -20}))
    assert [c.line() for c in applied.changes] == ["iea exposure +20 -> +0"]
    state = darktable_state(D.sidecar_path(photo))
    assert state.program.to_dict() == {"contrast": 10}


def test_darktable_keeps_the_photographers_modules(photo: Path) -> None:
    sidecar = D.sidecar_path(photo)
    own = D.HistoryItem("exposure", 6, D.P.LAYOUTS["exposure"].encode({"exposure": 0.4}))
    sidecar.write_bytes(D.merged_sidecar_bytes(None, Program(), raw=False))
    data = D.merged_sidecar_bytes(sidecar.read_bytes(), Program(), raw=False)
    root = D.xmp.parse_bytes(data)
    seq = D._history_seq(D.parse_sidecar(root).desc)
    seq.append(D._li_element(own, 0))
    D.parse_sidecar(root).desc.set(f"{D._DT}history_end", "1")
    sidecar.write_bytes(D.xmp.serialize(root))
    applied = apply_to_sidecar("darktable", photo, Program({"exposure": 10}))
    assert "exposure" in applied.kept
    items = D.read_history(sidecar).active
    assert items[0].multi_name == "" and items[0].decoded()["exposure"] == pytest.approx(0.4)


@pytest.mark.darktable
def test_darktable_cli_render_gets_warmer_then_less(photo: Path, renderer: object) -> None:
    """Through the real darktable-cli: each step's render is warmer/cooler as asked, and the
    touch/bit steps are smaller than the first "warmer"."""
    sidecar = D.sidecar_path(photo)
    sidecar.write_bytes(D.merged_sidecar_bytes(None, Program(), raw=False))
    out = photo.with_name("render.jpg")
    renderer.render_sidecar(photo, sidecar, out)  # type: ignore[attr-defined]
    warmths = [warmth(read_rgb(out))]
    for instruction in SEQUENCE:
        edit(photo, instruction, "darktable")
        renderer.render_sidecar(photo, sidecar, out)  # type: ignore[attr-defined]
        warmths.append(warmth(read_rgb(out)))
    up1, up2, down = (b - a for a, b in zip(warmths, warmths[1:]))
    assert up1 > 0.005 and up2 > 0.002 and down < -0.002, warmths
    assert up2 < up1 and abs(down) < up1, warmths


def test_chat_with_xmp_starts_from_the_sidecar_and_adds_its_edit(photo: Path,
                                                                  monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(photo.parent)
    photo.with_suffix(".xmp").write_text(LR_SIDECAR)
    result = CliRunner().invoke(main, ["chat", str(photo), "--xmp", "lightroom"],
                                input="a bit brighter\nquit\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    settings = L.read_settings(photo.with_suffix(".xmp"))
    assert settings["Exposure2012"] > 0.5 and settings["Clarity2012"] == 33
    assert "Exposure2012 +0.50 -> +" in result.output


def _with_own_exposure(photo: Path, ev: float) -> Path:
    """A darktable sidecar whose history holds the photographer's own exposure module."""
    sidecar = D.sidecar_path(photo)
    root = D.xmp.parse_bytes(D.merged_sidecar_bytes(None, Program(), raw=False))
    state = D.parse_sidecar(root)
    own = D.HistoryItem("exposure", 6, D.P.LAYOUTS["exposure"].encode({"exposure": ev}))
    D._history_seq(state.desc).append(D._li_element(own, 0))
    state.desc.set(f"{D._DT}history_end", "1")
    sidecar.write_bytes(D.xmp.serialize(root))
    return sidecar


@pytest.mark.darktable
def test_cli_agent_sees_darktables_render_of_the_photographers_modules(
        photo: Path, renderer: object, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_own_exposure(photo, 1.0)
    seen = []
    from iea_core.agent import get_agent

    real = get_agent("embedded")

    class Spy:
        name = "spy"

        def edit(self, image, instruction, history=()):  # noqa: ANN001, ANN202
            seen.append(float(np.mean(image)))
            return real.edit(image, instruction, history)

    monkeypatch.setattr("iea_core.cli.cmd_edit.make_agent", lambda backend, options=(): Spy())
    out = edit(photo, "a bit darker", "darktable")
    assert seen[0] > float(np.mean(read_rgb(photo))) + 0.05  # +1 EV of the photographer's
    assert "exposure" in out["kept"]
    items = D.read_history(D.sidecar_path(photo)).active
    assert items[0].multi_name == "" and items[0].decoded()["exposure"] == pytest.approx(1.0)


def _raw_as_shot(folder: Path, extra: str, tint: int) -> Path:
    """A raw (never decoded) whose sidecar holds LR_SIDECAR with As Shot 7500 K / ``tint``."""
    raw = folder / "IMG_1.NEF"
    raw.write_bytes(b"x")
    raw.with_suffix(".xmp").write_text(LR_SIDECAR.replace(
        'crs:Sharpness="25"', f'{extra}crs:WhiteBalance="As Shot" crs:Temperature="7500" '
        f'crs:Tint="{tint:+d}"'))
    return raw


def test_lightroom_raw_sidecar_remembers_as_shot(tmp_path: Path) -> None:
    """After the first white-balance edit the sidecar says "Custom"; iea's own record of As Shot
    keeps the state relative to it, and the file stays valid XMP."""
    raw = _raw_as_shot(tmp_path, 'crs:Sharpness="40" ', 6)
    apply_to_sidecar("lightroom", raw, Program({"temperature": 30}))
    apply_to_sidecar("lightroom", raw, Program({"temperature": 16}))
    state = read_state("lightroom", raw)
    assert state.settings["WhiteBalance"] == "Custom" and state.as_shot == (7500, 6)
    assert state.program["temperature"] == pytest.approx(46, abs=1)
    assert state.settings["Temperature"] > 8451
    from tests.hosts.helpers import exiftool_validate

    exiftool_validate(raw.with_suffix(".xmp"))


# --- a rendered file carries the settings it renders, marked as applied --------------------------
def test_a_rendered_jpeg_marks_the_lightroom_settings_it_holds_as_applied(tmp_path: Path) -> None:
    """A JPEG with Lightroom settings embedded (Exposure +0.50) is edited with --xmp lightroom:
    the output's pixels hold +0.50 plus the change, so its XMP, carried from the photo, must say
    crs:AlreadyApplied, or Lightroom (and iea itself) would develop +0.50 a second time."""
    from tests.hosts.helpers import exiv2_properties

    photo = tmp_path / "photo.jpg"
    Image.fromarray(small_photo("coffee", 160)).save(photo, quality=95,
                                                     xmp=LR_SIDECAR.encode())
    edit(photo, "a bit warmer", "lightroom")
    out = photo.with_name("out.jpg")
    settings = L.read_settings(out)
    assert str(settings["AlreadyApplied"]) == "True"
    assert settings["Exposure2012"] == pytest.approx(0.5) and settings["Clarity2012"] == 33
    assert "Xmp.crs.AlreadyApplied" in exiv2_properties(out)
    # the +0.50 is in the pixels, once: brighter than the photo, and not read as still to do
    assert read_rgb(out).mean() > read_rgb(photo).mean() + 0.04
    assert read_state("lightroom", out).program.is_identity
    assert not read_state("lightroom", photo).program.is_identity
    # without a host the output renders only the change: the settings stay to be developed
    result = CliRunner().invoke(main, ["edit", str(photo), "a bit warmer", "-o",
                                       str(tmp_path / "plain.jpg")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "AlreadyApplied" not in L.read_settings(tmp_path / "plain.jpg")


# --- settings the photographer keeps inside the file or spread over the packet -------------------
def _embedded_photo(tmp_path: Path) -> Path:
    photo = tmp_path / "photo.jpg"
    Image.fromarray(small_photo("coffee", 160)).save(photo, quality=95,
                                                     xmp=LR_SIDECAR.encode())
    return photo


def test_a_new_sidecar_keeps_the_settings_embedded_in_the_jpeg(tmp_path: Path) -> None:
    """With no sidecar, a JPEG's embedded settings are the photo's state; the sidecar the first
    edit creates becomes the state from then on, so it must hold them too (the second edit
    used to see Clarity and Exposure as unset)."""
    photo = _embedded_photo(tmp_path)
    apply_to_sidecar("lightroom", photo, Program({"exposure": 10}))
    second = apply_to_sidecar("lightroom", photo, Program({"contrast": 20}))
    settings = L.read_settings(photo.with_suffix(".xmp"))
    assert settings["Exposure2012"] == pytest.approx(0.7)
    assert settings["Clarity2012"] == 33 and settings["Vibrance"] == 12
    assert settings["Contrast2012"] == 20
    assert "Clarity2012 +33" in second.kept and "Exposure2012 +0.70" in second.kept


def test_settings_split_over_descriptions_leave_no_stale_copy(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    Image.fromarray(small_photo("coffee", 64)).save(photo)
    crs = 'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"'
    photo.with_suffix(".xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {crs} crs:Contrast2012="+40"/>'
        f'<rdf:Description rdf:about="" {crs} crs:Exposure2012="+0.50" crs:Clarity2012="+33"/>'
        '</rdf:RDF></x:xmpmeta>')
    apply_to_sidecar("lightroom", photo, Program({"exposure": 10}))
    apply_to_sidecar("lightroom", photo, Program({"exposure": 10}))
    text = photo.with_suffix(".xmp").read_text()
    assert text.count("Exposure2012") == 1, text
    settings = L.read_settings(photo.with_suffix(".xmp"))
    assert settings["Exposure2012"] == pytest.approx(0.9)
    assert settings["Contrast2012"] == 40 and settings["Clarity2012"] == 33


def test_embed_adds_the_change_to_the_settings_in_the_file(tmp_path: Path) -> None:
    """``iea xmp write --embed`` is current + change inside the JPEG, like a sidecar write: it
    used to write every tool from zero (Contrast and Clarity lost, Exposure reset)."""
    from tests.conftest import require_tool

    require_tool("exiftool")
    photo = _embedded_photo(tmp_path)
    change = tmp_path / "brighter.json"
    change.write_text('{"exposure": 10}')
    for expected in (0.7, 0.9):
        result = CliRunner().invoke(main, ["xmp", "write", str(photo), str(change), "--host",
                                           "lightroom", "--embed"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        reply = json.loads(result.output)
        assert reply["changes"][0]["after"] == pytest.approx(expected)
        assert ("backup_note" in reply) == (expected == 0.9)  # the second write made no copy
        settings = L.read_settings(photo)
        assert settings["Exposure2012"] == pytest.approx(expected)
        assert settings["Clarity2012"] == 33 and settings["Vibrance"] == 12
        assert "Contrast2012" not in settings
    # the backup is the photographer's version, made once
    assert L.read_settings(photo.with_name("photo.jpg.bak"))["Exposure2012"] == pytest.approx(0.5)
    # --replace still writes the program as the complete settings
    result = CliRunner().invoke(main, ["xmp", "write", str(photo), str(change), "--host",
                                       "lightroom", "--embed", "--replace"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert L.read_settings(photo)["Exposure2012"] == pytest.approx(0.2)


def test_a_resumed_chat_writes_only_what_changed_since(photo: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A chat writes its edit to the sidecar when it ends; resuming it and quitting must not
    write that edit again, and an undo in the resumed chat must take it back out."""
    monkeypatch.setenv("IEA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(photo.parent)
    sidecar = photo.with_suffix(".xmp")
    sidecar.write_text(LR_SIDECAR)

    def chat(lines: str, *resume: str) -> str:
        result = CliRunner().invoke(main, ["chat", str(photo), "--xmp", "lightroom", *resume],
                                    input=lines, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    chat("a bit brighter\nquit\n")
    brighter = L.read_settings(sidecar)["Exposure2012"]
    assert brighter > 0.5
    chat("quit\n", "--resume")
    assert L.read_settings(sidecar)["Exposure2012"] == pytest.approx(brighter)
    output = chat("undo\nquit\n", "--resume")
    assert L.read_settings(sidecar)["Exposure2012"] == pytest.approx(0.5), output
    assert L.read_settings(sidecar)["Clarity2012"] == 33


def test_xmp_read_of_a_raw_sidecar_is_relative_to_the_recorded_as_shot(tmp_path: Path) -> None:
    raw = _raw_as_shot(tmp_path, "", 10)
    apply_to_sidecar("lightroom", raw, Program({"temperature": 30}))
    result = CliRunner().invoke(main, ["xmp", "read", str(raw.with_suffix(".xmp"))],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    program = json.loads(result.output)["program"]
    assert program["temperature"] == pytest.approx(30, abs=1) and "tint" not in program
