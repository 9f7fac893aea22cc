"""Take docs/darktable-panel.png: darktable's lighttable with the iea module, under Xvfb.

    python -m tests.plugins.screenshot_darktable docs/darktable-panel.png [--real]

Four scikit-image photos are imported, one is selected and edited through the iea module's own
edit action; once darktable has redrawn, the driver copies Xvfb's framebuffer (an XWD file,
``-fbdir``), which is converted to PNG here. With ``--real`` the module talks to the real
``iea client`` (the bridge starts on demand); otherwise to the test stand-in.
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from .darktable_harness import run_darktable


def xwd_to_image(data: bytes) -> Image.Image:
    """Decode a 24/32-bit TrueColor XWD (what Xvfb's -fbdir writes) into an RGB image."""
    fields = struct.unpack(">25I", data[:100])
    header_size, version = fields[0], fields[1]
    width, height = fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    ncolors = fields[19]
    if version != 7 or bits_per_pixel != 32:
        raise ValueError(f"unsupported XWD (version {version}, {bits_per_pixel} bpp)")
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data, dtype=np.uint8, count=height * bytes_per_line, offset=start)
    pixels = rows.reshape(height, bytes_per_line)[:, : width * 4].reshape(height, width, 4)
    rgb = pixels[..., [2, 1, 0]] if byte_order == 0 else pixels[..., [1, 2, 3]]
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--real", action="store_true", help="use the real `iea client`")
    parser.add_argument("--instruction", default="warmer, lift the shadows, less harsh")
    args = parser.parse_args(argv)

    import skimage.data

    root = Path(tempfile.mkdtemp(prefix="iea-shot-"))
    photos = root / "photos"
    photos.mkdir()
    paths = []
    for name in ("chelsea", "coffee", "astronaut", "rocket"):
        path = photos / f"{name}.jpg"
        Image.fromarray(getattr(skimage.data, name)()[..., :3]).save(path, quality=92)
        paths.append(path)
    fbdir = root / "fb"
    client = None
    if args.real:
        client = Path(shutil.which("iea") or sys.exit("iea is not on PATH"))
    body = f"""
      dt.preferences.write("iea", "timeout", "integer", 400) -- first request compiles kernels
      local images = {{}}
      for _, path in ipairs({{{", ".join(json.dumps(str(p)) for p in paths)}}}) do
        images[#images + 1] = dt.database.import(path)
      end
      dt.gui.selection({{images[1]}})
      for name, lib in pairs(dt.gui.libs) do
        if name ~= "iea" and lib.expandable then pcall(function() lib.expanded = false end) end
      end
      dt.gui.libs["iea"].expanded = true
      iea.widgets.instruction.text = {json.dumps(args.instruction)}
      iea.actions.edit()
      record("edited", {{ status = status() }})
      dt.control.sleep(4000)
      local source = io.open({json.dumps(str(fbdir / "Xvfb_screen0"))}, "rb")
      local copy = io.open({json.dumps(str(root / "screen.xwd"))}, "wb")
      copy:write(source:read("a"))
      source:close()
      copy:close()
      record("captured")
    """
    run = run_darktable(root, body, timeout=400 if args.real else 90, screenshot=fbdir,
                        client=client)
    print(run.step("edited")["status"])
    run.step("captured")
    image = xwd_to_image((root / "screen.xwd").read_bytes())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, optimize=True)
    print(f"wrote {args.out} ({image.width}x{image.height})")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
