"""Shared checks for host-format tests: external XMP validators and random programs."""
from __future__ import annotations

import random
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from iea_core.program import Program
from iea_core.tools import TOOL_NAMES
from tests.conftest import require_tool


def random_program(rng: random.Random, max_tools: int = 16) -> Program:
    tools = rng.sample(TOOL_NAMES, rng.randint(1, max_tools))
    return Program({tool: rng.choice([rng.randint(-100, 100), rng.choice([-100, 100, 1, -1])])
                    for tool in tools})


def exiftool_validate(*paths: Path) -> None:
    """``exiftool -validate`` must report no errors and no warnings on each file."""
    exe = require_tool("exiftool")
    for path in paths:
        proc = subprocess.run([exe, "-validate", "-warning", "-error", "-a", "-s", str(path)],
                              capture_output=True, text=True, timeout=60)
        text = proc.stdout + proc.stderr
        assert "Validate" in text and ": OK" in text.split("Validate", 1)[1].splitlines()[0], \
            f"{path}: {text}"


def exiv2_properties(path: Path) -> str:
    """The XMP properties exiv2 (a second, independent XMP parser) reads from a sidecar."""
    exe = shutil.which("exiv2")
    if exe is None:
        require_tool("exiv2")
    proc = subprocess.run([exe, "-PXkv", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 253), proc.stderr  # 253: "no Exif data", XMP still printed
    return proc.stdout


def etree_parse(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())
