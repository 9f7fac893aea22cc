"""``iea xmp``, ``iea preset`` and ``iea render-darktable`` end to end, in-process."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iea_core.cli import main
from iea_core.program import Program


@pytest.fixture()
def program_file(tmp_path: Path) -> Path:
    path = tmp_path / "look.json"
    Program({"exposure": 20, "tint": -15, "fade": 20, "grain": 30}).save(path)
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("host", ["lightroom", "darktable"])
def test_xmp_write_then_read(tmp_path: Path, program_file: Path, host: str) -> None:
    image = tmp_path / "IMG_0001.CR2"
    image.write_bytes(b"x")
    code, out = run("xmp", "write", str(image), str(program_file), "--host", host)
    assert code == 0, out
    sidecar = Path(json.loads(out)["sidecar"])
    assert sidecar.name == ("IMG_0001.xmp" if host == "lightroom" else "IMG_0001.CR2.xmp")
    code, out = run("xmp", "read", str(sidecar))
    assert code == 0, out
    data = json.loads(out)
    assert data["host"] == host
    assert data["program"] == {"exposure": 20, "tint": -15, "fade": 20, "grain": 30}


def test_xmp_read_refuses_hostile_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xmp"
    bad.write_bytes(b'<!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]><a>&b;</a>')
    result = CliRunner().invoke(main, ["xmp", "read", str(bad)])
    assert result.exit_code != 0 and "Error:" in result.output and "DOCTYPE" in result.output


def test_preset_export_both(tmp_path: Path, program_file: Path) -> None:
    code, out = run("preset", "export", str(program_file), "--name", "Soft film", "--host", "both",
                    "-o", str(tmp_path / "out"))
    assert code == 0, out
    files = [Path(f) for f in json.loads(out)["files"]]
    assert {f.suffix for f in files} == {".xmp", ".dtstyle"} and all(f.exists() for f in files)
    code, out = run("xmp", "read", str(files[1]))
    assert json.loads(out)["style"] == "Soft film"


def test_render_darktable_missing_tool_is_a_clear_error(tmp_path: Path, program_file: Path,
                                                        sample_jpeg: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["render-darktable", str(sample_jpeg), str(program_file),
                                       "-o", str(tmp_path / "out.jpg")])
    assert result.exit_code != 0
    assert "darktable-cli is not installed" in result.output


@pytest.mark.darktable
def test_render_darktable_writes_over_existing_output(tmp_path: Path, program_file: Path,
                                                      sample_jpeg: Path) -> None:
    from tests.conftest import require_tool

    require_tool("darktable-cli")
    out = tmp_path / "out.jpg"
    out.write_bytes(b"old")
    code, text = run("render-darktable", str(sample_jpeg), str(program_file), "-o", str(out),
                     "--width", "200")
    assert code != 0 and "--overwrite" in text and out.read_bytes() == b"old"
    code, text = run("render-darktable", str(sample_jpeg), str(program_file), "-o", str(out),
                     "--width", "200", "--overwrite")
    assert code == 0, text
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "JPEG" and image.width <= 200
    assert not list(tmp_path.glob("out_01*"))
