"""The foundation commands through click's runner and through the installed console script."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
from click.testing import CliRunner
from PIL import Image

from iea_core.cli import main
from iea_core.imageio import read_image


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_tools_table_and_json():
    result = run("tools")
    assert result.exit_code == 0
    assert "natural_contrast" in result.output and "darker corners" in result.output
    data = json.loads(run("tools", "--json").output)
    assert [t["name"] for t in data["tools"]][0] == "exposure" and len(data["tools"]) == 16


def test_apply_writes_image_compare_and_card(tmp_path, sample_jpeg):
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 25, "temperature": 20}')
    out = tmp_path / "out.jpg"
    result = run("apply", str(sample_jpeg), str(program), "-o", str(out), "--compare",
                 "--card", str(tmp_path / "card.png"))
    assert result.exit_code == 0, result.output
    before, after = read_image(sample_jpeg).pixels, read_image(out).pixels
    assert after.shape == before.shape
    assert after.astype(float).mean() > before.astype(float).mean() + 5
    assert after[..., 0].mean() - after[..., 2].mean() > before[..., 0].mean() - before[
        ..., 2].mean()
    compare = Image.open(tmp_path / "out_compare.jpg")
    assert compare.width > 2 * before.shape[1] - 10
    assert Image.open(tmp_path / "card.png").size[0] > 800


def test_apply_keeps_sixteen_bits_and_refuses_overwrite(tmp_path):
    ramp = np.linspace(0, 65535, 300, dtype=np.uint16)
    pixels = np.stack([np.tile(ramp, (20, 1))] * 3, axis=-1)
    from iea_core.imageio import write_image

    write_image(tmp_path / "in.tif", pixels)
    program = tmp_path / "p.json"
    program.write_text('{"contrast": 20}')
    result = run("apply", str(tmp_path / "in.tif"), str(program), "-o", str(tmp_path / "o.tif"))
    assert result.exit_code == 0
    assert read_image(tmp_path / "o.tif").pixels.dtype == np.uint16
    before = (tmp_path / "in.tif").read_bytes()
    result = run("apply", str(tmp_path / "in.tif"), str(program), "-o", str(tmp_path / "in.tif"))
    assert result.exit_code != 0 and "refusing to overwrite" in result.output
    assert (tmp_path / "in.tif").read_bytes() == before


def test_user_mistakes_are_one_line(tmp_path, sample_jpeg):
    program = tmp_path / "p.json"
    program.write_text('{"exposure": 400, "sparkle": 1}')
    result = CliRunner().invoke(main, ["apply", str(sample_jpeg), str(program), "-o",
                                       str(tmp_path / "o.jpg")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: invalid program")
    assert "sparkle" in result.output and "exposure" in result.output
    missing = CliRunner().invoke(main, ["diff", str(tmp_path / "nope.jpg"), str(sample_jpeg)])
    assert missing.exit_code == 1 and "No such file" in missing.output
    assert "Traceback" not in missing.output


def test_diff_reports_distance_and_delta_e(tmp_path, sample_jpeg):
    same = json.loads(run("diff", str(sample_jpeg), str(sample_jpeg), "--json").output)
    assert same["d"] == 0 and same["delta_e"] == 0
    program = tmp_path / "p.json"
    program.write_text('{"saturation": -100}')
    run("apply", str(sample_jpeg), str(program), "-o", str(tmp_path / "bw.png"))
    diff = json.loads(run("diff", str(sample_jpeg), str(tmp_path / "bw.png"), "--json").output)
    assert diff["d"] > 0.02 and diff["delta_e"] > 5


def test_tool_strip(tmp_path, sample_jpeg):
    result = run("tools", "--strip", str(sample_jpeg), "-o", str(tmp_path / "s.png"))
    assert result.exit_code == 0
    strip = np.asarray(Image.open(tmp_path / "s.png").convert("RGB"))
    assert strip.shape[0] > strip.shape[1]  # 16 rows of 5 thumbnails


def test_console_script_starts_fast():
    for args in (["--version"], ["tools"]):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "iea_core", *args], capture_output=True,
                              text=True, timeout=30)
        elapsed = time.perf_counter() - start
        assert done.returncode == 0, done.stderr
        assert elapsed < 2.0, f"iea {' '.join(args)} took {elapsed:.2f} s"
