"""iea's darktable params structs match the installed darktable byte for byte.

The reference is darktable's own introspection data, read from the module libraries in a
subprocess (see dt_introspect.py): module version, struct size, and each field's offset and size.
"""
from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest

from iea_core.hosts import darktable_params as P
from tests.conftest import require_tool


@pytest.fixture(scope="module")
def installed_layouts() -> dict:
    require_tool("darktable-cli")
    if not glob.glob("/usr/lib/*/darktable/plugins/libexposure.so"):
        pytest.fail("darktable-cli is installed but its module libraries were not found")
    script = Path(__file__).with_name("dt_introspect.py")
    proc = subprocess.run([sys.executable, str(script), *P.LAYOUTS], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.darktable
@pytest.mark.parametrize("operation", sorted(P.LAYOUTS))
def test_layout_matches_installed_darktable(operation: str, installed_layouts: dict) -> None:
    ours = P.LAYOUTS[operation]
    theirs = installed_layouts[operation]
    assert ours.modversion == theirs["version"]
    assert ours.size == theirs["size"]
    offsets = ours.offsets()
    assert [f["name"] for f in theirs["fields"]] == [f.name for f in ours.fields]
    for field, spec in zip(ours.fields, theirs["fields"]):
        assert offsets[field.name] == spec["offset"], field.name
        assert field.count * 4 == spec["size"], field.name
        if spec["type"] == "FLOAT":
            assert field.fmt == "f", field.name
        elif spec["type"] in ("INT", "ENUM", "BOOL"):
            assert field.fmt == "i", field.name
        elif spec["type"] == "UINT":
            assert field.fmt == "I", field.name


def test_params_text_round_trip() -> None:
    blob = P.RGBCURVE.encode()
    text = P.encode_params(blob)
    assert text.startswith("gz") and P.decode_params(text) == blob
    small = P.EXPOSURE.encode({"exposure": 1.0})
    assert P.encode_params(small) == small.hex()
    assert P.decode_params(small.hex()) == small
    # what darktable 4.2.1 itself wrote for colorin (1044 bytes, gz48)
    assert len(P.decode_params("gz48eJxjZBgFowABWAbaAaNgwAEAEDgABg==")) == 1044


def test_bad_params_are_refused() -> None:
    from iea_core.errors import SidecarError

    with pytest.raises(SidecarError):
        P.decode_params("zz-not-hex")
    with pytest.raises(SidecarError):
        P.EXPOSURE.decode(b"\x00" * 8)
