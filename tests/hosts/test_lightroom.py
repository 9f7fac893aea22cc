"""Lightroom crs mapping: exact round trips, preserved settings, sidecars and presets that XMP
validators accept."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from iea_core.hosts import lightroom as L
from iea_core.program import Program
from iea_core.tools import TOOL_NAMES

from .helpers import etree_parse, exiftool_validate, exiv2_properties, random_program


@pytest.mark.parametrize("raw", [False, True], ids=["rendered", "raw"])
def test_every_value_of_every_tool_round_trips(raw: bool) -> None:
    for tool in TOOL_NAMES:
        for value in range(-100, 101):
            program = Program({tool: value})
            crs, notes = L.program_to_crs_report(program, raw=raw)
            back, unmapped, back_notes = L.crs_to_program_report(crs, raw=raw)
            if tool == "grain" and value < 0:
                assert back.to_dict() == {} and any("grain" in n for n in notes)
                continue
            assert back.to_dict() == program.to_dict(), (tool, value, crs)
            assert not [n for n in back_notes if "clamped" in n or "differ" in n], back_notes


def test_mapping_signs_and_scales() -> None:
    crs = L.program_to_crs(Program({"exposure": 50, "tint": 20, "temperature": -30,
                                    "vignette": -40, "fade": 25, "sharpness": 100}))
    assert crs["Exposure2012"] == 1.0  # +50 = +1 EV
    assert crs["IncrementalTint"] == -20  # iea + is green, Lightroom + is magenta
    assert crs["IncrementalTemperature"] == -30
    assert crs["PostCropVignetteAmount"] == -40  # negative darkens in both
    assert crs["ToneCurvePV2012"] == [0, 25, 255, 255]  # raised black point, flat as the SDK
    settings = L.xmp_form(crs)
    assert settings["ToneCurvePV2012"] == [(0, 25), (255, 255)]
    assert settings["ToneCurveName2012"] == "Custom"
    assert crs["Sharpness"] == 150
    raw = L.program_to_crs(Program({"temperature": 40, "tint": 10}), raw=True)
    assert raw["Temperature"] > L.DEFAULT_KELVIN and raw["Tint"] == -10
    assert "IncrementalTemperature" not in raw


def test_unknown_settings_are_returned_not_dropped() -> None:
    settings = {"Exposure2012": "+0.50", "Dehaze": 12, "LensProfileEnable": 1,
                "ToneCurvePV2012": ["0, 0", "128, 140", "255, 255"], "Texture": 30,
                "CameraProfile": "Adobe Standard"}
    program, unmapped, notes = L.crs_to_program_report(settings)
    assert program.to_dict() == {"exposure": 25}
    for key in ("Dehaze", "LensProfileEnable", "ToneCurvePV2012", "Texture", "CameraProfile"):
        assert key in unmapped
    assert any("ToneCurvePV2012" in n for n in notes)
    # out-of-range values are clamped and said so
    program, _, notes = L.crs_to_program_report({"Exposure2012": 3.0})
    assert program["exposure"] == 100 and any("clamped" in n for n in notes)


def test_sidecar_merge_keeps_everything_else(tmp_path: Path) -> None:
    raw = tmp_path / "IMG_0001.CR2"
    raw.write_bytes(b"not really a raw file")
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" crs:Dehaze="+15" '
        'crs:Temperature="4800" crs:Tint="+6" crs:WhiteBalance="As Shot" crs:Contrast2012="+5">'
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour</rdf:li></rdf:Alt></dc:title>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>')
    before = sidecar.read_bytes()
    program = Program({"contrast": 30, "temperature": 20, "tint": -10, "fade": 12})
    assert L.write_sidecar(raw, program) == sidecar
    assert sidecar.with_name("IMG_0001.xmp.bak").read_bytes() == before
    settings = L.read_settings(sidecar)
    assert settings["Dehaze"] == 15 and settings["Contrast2012"] == 30
    assert settings["Temperature"] > 4800  # warmer, relative to the photo's own 4800 K
    assert settings["Tint"] == 16  # 6 + 10 (tint -10 in iea = more magenta = + in Lightroom)
    assert "Harbour" in sidecar.read_text()
    back, unmapped, _ = L.crs_to_program_report(settings, raw=True, base_temperature=4800,
                                                base_tint=6)
    assert back.to_dict() == program.to_dict()
    assert unmapped["Dehaze"] == 15
    exiftool_validate(sidecar)
    assert "Xmp.dc.title" in exiv2_properties(sidecar)


def test_random_programs_validate_in_two_parsers(tmp_path: Path) -> None:
    rng = random.Random(7)
    for i in range(6):
        program = random_program(rng)
        image = tmp_path / f"photo{i}.NEF"
        image.write_bytes(b"x")
        sidecar = L.write_sidecar(image, program)
        preset = L.write_preset(program, f"Look {i}: warm & soft", tmp_path / "presets",
                                group="iea tests")
        exiftool_validate(sidecar, preset)
        props = exiv2_properties(preset)
        assert re.search(r"Xmp\.crs\.PresetType\s+Normal", props)
        assert "Xmp.crs.UUID" in props and "Xmp.crs.Group" in props
        root = etree_parse(preset)  # a third, stdlib parser
        assert root.tag == "{adobe:ns:meta/}xmpmeta"
        settings = L.read_settings(preset)
        assert settings["Name"] == f"Look {i}: warm & soft" and settings["Group"] == "iea tests"
        assert re.fullmatch(r"[0-9A-F]{32}", settings["UUID"])
        expected = {k: v for k, v in program.to_dict().items() if not (k == "grain" and v < 0)}
        # a "both" preset carries the raw white balance and raw sharpening base too
        assert L.crs_to_program(settings, raw=True)[0].to_dict() == expected
        assert L.crs_to_program(L.read_settings(sidecar), raw=True)[0].to_dict() == expected


def test_settings_embedded_in_a_jpeg_are_read(tmp_path: Path, sample_jpeg: Path) -> None:
    from iea_core.hosts import xmp

    preset = L.write_preset(Program({"exposure": 10, "vibrance": 25}), "p", tmp_path)
    packet = preset.read_bytes()
    data = sample_jpeg.read_bytes()
    header = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    segment = b"\xff\xe1" + (len(header) + 2).to_bytes(2, "big") + header
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(data[:2] + segment + data[2:])
    assert xmp.extract_packet(jpeg.read_bytes()) is not None
    program, _ = L.crs_to_program(L.read_settings(jpeg))
    assert program.to_dict() == {"exposure": 10, "vibrance": 25}


def test_settings_pass_the_lightroom_plugins_allow_list() -> None:
    """Every key program_to_crs emits is one the Lightroom plug-in accepts (IeaSettings.lua)."""
    lua = Path(__file__).resolve().parents[2] / "plugin" / "lightroom" / "iea.lrplugin" / \
        "IeaSettings.lua"
    if not lua.exists():
        pytest.skip("the Lightroom plug-in is not in this checkout")
    text = lua.read_text()
    allowed = set(re.findall(r"(\w+)\s*=\s*(?:\{ *-?\d|true)", text))
    for raw in (False, True):
        for program in (Program({t: 37 for t in TOOL_NAMES}), Program({t: -37 for t in TOOL_NAMES})):
            keys = set(L.program_to_crs(program, raw=raw))
            assert keys <= allowed, keys - allowed


def test_settings_embedded_with_exiftool(tmp_path: Path, sample_jpeg: Path) -> None:
    from PIL import Image

    from tests.conftest import require_tool

    require_tool("exiftool")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(sample_jpeg.read_bytes())
    original = photo.read_bytes()
    program = Program({"exposure": -15, "tint": 12, "fade": 8, "natural_contrast": 30})
    L.embed_in_file(photo, program)
    assert photo.with_name("photo.jpg.bak").read_bytes() == original
    assert L.crs_to_program(L.read_settings(photo))[0] == program
    with Image.open(photo) as image:  # still a valid JPEG with the same pixels
        image.load()
        assert image.size == Image.open(sample_jpeg).size
    exiftool_validate(photo)
    with pytest.raises(Exception, match="JPEG, TIFF and DNG"):
        L.embed_in_file(tmp_path / "x.CR2", program)


@pytest.mark.parametrize("kind", ["raw", "rendered", "both"])
def test_preset_carries_only_the_tools_it_uses(tmp_path: Path, kind: str) -> None:
    program = Program({"exposure": 10, "temperature": 20, "sharpness": 30})
    settings = L.read_settings(L.write_preset(program, "warm", tmp_path, kind=kind))
    develop = {k for k in settings if k not in (
        "PresetType", "Cluster", "UUID", "SupportsAmount", "SupportsColor", "SupportsMonochrome",
        "SupportsHighDynamicRange", "SupportsNormalDynamicRange", "SupportsSceneReferred",
        "SupportsOutputReferred", "CameraModelRestriction", "Copyright", "ContactInfo", "Version",
        "Name", "Group", "Description", "ProcessVersion", "HasSettings", "WhiteBalance")}
    wb = {"raw": {"Temperature", "Tint"}, "rendered": {"IncrementalTemperature",
                                                       "IncrementalTint"}}
    expected = {"Exposure2012", "Sharpness"} | wb.get(kind, wb["raw"] | wb["rendered"])
    assert develop == expected
    assert settings["Sharpness"] >= (40 if kind != "rendered" else 1)
    if kind != "rendered":
        assert settings["Temperature"] > 5500 and settings["WhiteBalance"] == "Custom"
    soft = L.read_settings(L.write_preset(Program({"sharpness": -30}), "soft", tmp_path,
                                          kind=kind))
    assert "Sharpness" not in soft and soft["Texture"] == -30
