"""darktable history: exact round trips, merging into a user's history, styles, validators."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from iea_core.hosts import darktable as D
from iea_core.hosts import darktable_params as P
from iea_core.program import Program
from iea_core.tools import TOOL_NAMES

from .helpers import etree_parse, exiftool_validate, exiv2_properties, random_program

# A history darktable 4.2.1 wrote itself (darktable-cli export of a JPEG), plus a user's exposure
# (+0.5 EV, instance 0) and an undone rgbcurve beyond history_end.
USER_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmp:Rating="3" darktable:xmp_version="5" darktable:raw_params="0"
    darktable:auto_presets_applied="1" darktable:history_end="5"
    darktable:iop_order_version="3">
   <dc:subject><rdf:Bag><rdf:li>harbour</rdf:li></rdf:Bag></dc:subject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="colorin" darktable:enabled="1" darktable:modversion="7" darktable:params="gz48eJxjZBgFowABWAbaAaNgwAEAEDgABg==" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
     <rdf:li darktable:num="1" darktable:operation="colorout" darktable:enabled="1" darktable:modversion="5" darktable:params="gz35eJxjZBgFo4CBAQAEEAAC" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
     <rdf:li darktable:num="2" darktable:operation="gamma" darktable:enabled="1" darktable:modversion="1" darktable:params="0000000000000000" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
     <rdf:li darktable:num="3" darktable:operation="flip" darktable:enabled="1" darktable:modversion="2" darktable:params="ffffffff" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
     <rdf:li darktable:num="4" darktable:operation="exposure" darktable:enabled="1" darktable:modversion="6" darktable:params="{exposure}" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
     <rdf:li darktable:num="5" darktable:operation="rgbcurve" darktable:enabled="1" darktable:modversion="1" darktable:params="{curve}" darktable:multi_name="" darktable:multi_priority="0" darktable:blendop_version="11" darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def user_sidecar_text() -> str:
    return USER_SIDECAR.replace(
        "{exposure}", P.encode_params(P.EXPOSURE.encode({"exposure": 0.5}))).replace(
        "{curve}", P.encode_params(P.RGBCURVE.encode()))


def test_every_value_of_every_tool_round_trips() -> None:
    for tool in TOOL_NAMES:
        for value in range(-100, 101):
            program = Program({tool: value})
            items = D.merge_history([], D.program_to_history(program))
            back, notes = D.history_to_program_report(items)
            expected = {} if tool == "grain" and value < 0 else program.to_dict()
            assert back.to_dict() == expected, (tool, value, notes)
            assert not notes


def test_items_are_real_modules_encoded_as_darktable_does() -> None:
    program = Program({tool: 40 for tool in TOOL_NAMES})
    items = D.program_to_history(program)
    ops = {item.operation for item in items}
    assert ops == {"exposure", "channelmixerrgb", "sharpen", "colorbalancergb", "rgbcurve",
                   "bilat", "grain", "vignette"}
    for item in items:
        layout = P.LAYOUTS[item.operation]
        assert item.modversion == layout.modversion and len(item.params) == layout.size
        text = item.params_text
        assert text.startswith("gz") == (layout.size > P.COMPRESS_ABOVE)
        assert P.decode_params(text) == item.params
        assert item.multi_name.startswith("iea ")
    exposure = next(i for i in items if i.operation == "exposure").decoded()
    assert exposure["exposure"] == pytest.approx(0.8)  # +40 = +0.8 EV


def test_merge_keeps_user_history_and_moves_history_end(tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"x")
    sidecar = D.sidecar_path(image)
    assert sidecar.name == "photo.jpg.xmp"
    sidecar.write_text(user_sidecar_text())
    original = sidecar.read_bytes()
    before = D.read_history(sidecar)
    program = Program({"exposure": 30, "contrast": 20, "saturation": -40, "fade": 10})
    D.write_sidecar(image, program)
    assert sidecar.with_name("photo.jpg.xmp.bak").read_bytes() == original
    after = D.read_history(sidecar)
    # the user's five active items are kept unchanged, the undone rgbcurve is dropped
    assert after.items[:5] == before.items[:5]
    assert len(after.items) == 5 + 4 and after.history_end == len(after.items)
    assert all(i.is_iea and i.multi_priority >= 1 for i in after.items[5:])
    # the user's exposure instance 0 is untouched; iea's is a separate instance
    user_exposure = [i for i in after.active if i.operation == "exposure" and not i.is_iea]
    assert user_exposure[0].decoded()["exposure"] == pytest.approx(0.5)
    assert after.order_version == 0
    assert ("exposure", 1) in after.order_list and ("rgbcurve", 1) in after.order_list
    assert after.order_list.index(("colorin", 0)) < after.order_list.index(("exposure", 0))
    assert D.read_sidecar(sidecar) == Program(program.to_dict())
    text = sidecar.read_text()
    assert "harbour" in text and 'xmp:Rating="3"' in text
    # writing another program replaces iea's previous instances instead of stacking
    D.write_sidecar(image, {"exposure": -10})
    again = D.read_history(sidecar)
    assert D.read_sidecar(sidecar).to_dict() == {"exposure": -10}
    disabled = [i for i in again.items[9:] if not i.enabled]
    assert {i.multi_name for i in disabled} == {"iea saturation", "iea contrast", "iea fade"}
    assert [i.multi_priority for i in again.items if i.multi_name == "iea exposure"] == [1, 1]
    exiftool_validate(sidecar)
    props = exiv2_properties(sidecar)
    assert "Xmp.darktable.history_end" in props and "Xmp.dc.subject" in props


def test_new_sidecars_for_raw_and_rendered_files(tmp_path: Path) -> None:
    raw = tmp_path / "IMG_0001.CR2"
    raw.write_bytes(b"x")
    jpg = tmp_path / "IMG_0002.jpg"
    jpg.write_bytes(b"x")
    p = Program({"exposure": 20, "brightness": 15})
    raw_state = D.read_history(D.write_sidecar(raw, p))
    jpg_state = D.read_history(D.write_sidecar(jpg, p))
    assert D.sidecar_path(raw).name == "IMG_0001.CR2.xmp"
    # base orders: v3.0 raw (exposure before colorin) vs v3.0 JPEG (colorin first)
    assert raw_state.order_list.index(("exposure", 0)) < raw_state.order_list.index(("colorin", 0))
    assert jpg_state.order_list.index(("colorin", 0)) < jpg_state.order_list.index(("exposure", 0))
    assert raw_state.desc.get("{http://darktable.sf.net/}auto_presets_applied") is None
    assert jpg_state.desc.get("{http://darktable.sf.net/}auto_presets_applied") == "1"


def test_random_programs_validate_and_round_trip(tmp_path: Path) -> None:
    rng = random.Random(11)
    for i in range(6):
        program = random_program(rng)
        image = tmp_path / f"p{i}.png"
        image.write_bytes(b"x")
        sidecar = D.write_sidecar(image, program)
        style = D.write_dtstyle(program, f"iea look {i}", tmp_path)
        exiftool_validate(sidecar)
        etree_parse(sidecar)
        etree_parse(style)
        expected = {k: v for k, v in program.to_dict().items() if not (k == "grain" and v < 0)}
        assert D.read_sidecar(sidecar).to_dict() == expected
        name, from_style = D.read_dtstyle(style)
        assert name == f"iea look {i}" and from_style.to_dict() == expected


def test_legacy_order_is_kept_and_extended(tmp_path: Path) -> None:
    """A display-referred (legacy order) sidecar keeps its module order; iea's instances join it."""
    from iea_core.hosts import darktable_order as O

    image = tmp_path / "old.jpg"
    image.write_bytes(b"x")
    sidecar = D.sidecar_path(image)
    sidecar.write_text(user_sidecar_text().replace('iop_order_version="3"',
                                                   'iop_order_version="1"'))
    D.write_sidecar(image, {"contrast": 10, "sharpness": 20})
    state = D.read_history(sidecar)
    legacy = [op for op, _ in O.base_order(O.ORDER_LEGACY)]
    assert [op for op, i in state.order_list if i == 0] == legacy
    listed = state.order_list
    assert listed.index(("rgbcurve", 1)) == listed.index(("rgbcurve", 0)) + 1
    assert listed.index(("sharpen", 1)) == listed.index(("sharpen", 0)) + 1


def test_clarity_blur_follows_the_photo_size(tmp_path: Path, astronaut_png: Path) -> None:
    """The editor blurs clarity over 1/40 of the long side; the sidecar sizes darktable's to match."""
    image = tmp_path / "a.png"
    image.write_bytes(astronaut_png.read_bytes())  # 192 px long side
    state = D.read_history(D.write_sidecar(image, {"natural_contrast": 40}))
    bilat = next(i for i in state.items if i.operation == "bilat").decoded()
    assert bilat["mode"] == 0 and bilat["sigma_s"] == pytest.approx(192 / 40, rel=1e-4)
    unknown = next(i for i in D.program_to_history({"natural_contrast": 40})
                   if i.operation == "bilat").decoded()
    assert unknown["sigma_s"] == 100.0  # a 6000 px frame, capped at the module's maximum
