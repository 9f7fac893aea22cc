"""Hostile inputs a user (or a damaged disk) can hand iea: broken photos, hostile XMP, bad JSON.

Shared by the fault-injection tests (tests/cli/test_faults.py, tests/bridge/test_bridge_faults.py)
and the audit script (benchmarks/fault_audit.py). Every maker writes real files into ``folder``
and returns their paths; nothing is downloaded.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

CRS = "http://ns.adobe.com/camera-raw-settings/1.0/"
DT = "http://darktable.sf.net/"


def good_jpeg(path: Path, size: tuple[int, int] = (96, 64)) -> Path:
    """A small real photo-like JPEG (a smooth gradient with texture)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1),
                    (xx + yy) * 127 // max(w + h - 2, 1)], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(path, quality=90)
    return path


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    good_jpeg_img = Image.fromarray(np.full((64, 96, 3), 120, np.uint8))
    good_jpeg_img.save(buf, format="JPEG")
    return buf.getvalue()


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((64, 96, 3), 120, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _tiff_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((64, 96, 3), 120, np.uint8)).save(buf, format="TIFF")
    return buf.getvalue()


def bad_images(folder: Path) -> dict[str, Path]:
    """name -> a file (or folder) where a photo is expected that is not a readable photo."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg, png, tiff = _jpeg_bytes(), _png_bytes(), _tiff_bytes()
    made: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        made[name] = path

    put("zero.jpg", b"")
    put("truncated.jpg", jpeg[: len(jpeg) // 3])
    put("corrupt.jpg", jpeg[:20] + os.urandom(len(jpeg) - 20))
    put("text.jpg", b"this is a shopping list, not a photo\n")
    put("zero.png", b"")
    put("truncated.png", png[: len(png) // 2])
    put("corrupt.png", png[:16] + b"\x00" * (len(png) - 16))
    put("truncated.tif", tiff[: len(tiff) // 3])
    put("corrupt.tif", b"II*\x00" + os.urandom(300))
    put("zero.dng", b"")
    put("corrupt.dng", b"II*\x00\x08\x00\x00\x00" + os.urandom(500))
    put("text.dng", b"not a raw file")
    (folder / "folder.jpg").mkdir(exist_ok=True)
    made["folder.jpg"] = folder / "folder.jpg"
    made["missing.jpg"] = folder / "missing.jpg"
    return made


def bomb_png(path: Path, side: int = 30000) -> Path:
    """A PNG that claims side x side pixels (about 2.7 GB decoded) in a few kilobytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + b"\x00" * (side * 3)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    path.write_bytes(data)
    return path


def _lr_packet(attrs: str, extra: str = "") -> str:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{extra}\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            f'<rdf:Description rdf:about="" xmlns:crs="{CRS}" {attrs}/>\n'
            '</rdf:RDF>\n</x:xmpmeta>\n')


def _dt_packet(history: str, extra_attrs: str = "") -> str:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            f'<rdf:Description rdf:about="" xmlns:darktable="{DT}" '
            f'darktable:xmp_version="5" darktable:history_end="1" {extra_attrs}>\n'
            f'<darktable:history><rdf:Seq>{history}</rdf:Seq></darktable:history>\n'
            '</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n')


def _dt_item(operation: str, params: str, version: str = "1", blend: str = "gz11eJxjZGBgkGAAgRNODGQDAA5MAIU=") -> str:
    return (f'<rdf:li darktable:num="0" darktable:operation="{operation}" darktable:enabled="1" '
            f'darktable:modversion="{version}" darktable:params="{params}" '
            f'darktable:multi_name="" darktable:multi_priority="0" '
            f'darktable:blendop_version="11" darktable:blendop_params="{blend}"/>')


def hostile_sidecars() -> dict[str, tuple[str, bytes]]:
    """name -> (host, sidecar bytes) for sidecars no parser should trust.

    ``host`` says which naming the sidecar takes next to a photo: ``lightroom`` (photo.xmp) or
    ``darktable`` (photo.jpg.xmp)."""
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
           + _lr_packet('crs:Exposure2012="+0.50" crs:Description="&leak;"'))
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "lollollollollollol">'
           + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">'
                     for i in range(8))
           + ']>\n' + _lr_packet('crs:Description="&i;"'))
    huge = _lr_packet('crs:Exposure2012="+0.50" crs:Description="' + "A" * (50 * 1024 * 1024) + '"')
    sidecars: dict[str, tuple[str, bytes]] = {
        "xxe": ("lightroom", xxe.encode()),
        "billion-laughs": ("lightroom", lol.encode()),
        "50MB-attribute": ("lightroom", huge.encode()),
        "non-utf8": ("lightroom", _lr_packet('crs:Exposure2012="+0.50" crs:Title="caf\xe9"')
                     .encode("latin-1")),
        "binary-garbage": ("lightroom", os.urandom(2000)),
        "empty": ("lightroom", b""),
        "not-xml": ("lightroom", b"{\"exposure\": 10}\n"),
        "truncated-xml": ("lightroom", _lr_packet('crs:Exposure2012="+0.50"').encode()[:90]),
        "wrong-namespace": ("lightroom", _lr_packet('crs:Exposure2012="+0.50"').replace(
            CRS, "http://example.com/not-crs/").encode()),
        "no-rdf": ("lightroom", b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><foo/></x:xmpmeta>'),
        "crs-out-of-range": ("lightroom", _lr_packet(
            'crs:Exposure2012="+99.0" crs:Contrast2012="+5000" crs:Temperature="-7" '
            'crs:Saturation="-1e9"').encode()),
        "crs-non-numeric": ("lightroom", _lr_packet(
            'crs:Exposure2012="bright" crs:Contrast2012="NaN" crs:Shadows2012="inf" '
            'crs:Vibrance="1e999"').encode()),
        "duplicate-attributes": ("lightroom", _lr_packet(
            'crs:Exposure2012="+0.50" crs:Exposure2012="+1.00"').encode()),
        "dt-garbage-params": ("darktable", _dt_packet(
            _dt_item("exposure", "zzzz-not-hex") + _dt_item("colorbalancergb", "gz99@@@@"))
            .encode()),
        "dt-short-params": ("darktable", _dt_packet(_dt_item("exposure", "00000000")).encode()),
        "dt-unknown-module": ("darktable", _dt_packet(
            _dt_item("nosuchmodule", "0000803f", version="77")).encode()),
        "dt-bad-version": ("darktable", _dt_packet(
            _dt_item("exposure", "0000803f0000803f", version="999")
            + _dt_item("exposure", "00", version="abc")).encode()),
        "dt-bad-history-end": ("darktable", _dt_packet(
            _dt_item("exposure", "00"), extra_attrs="").replace(
            'darktable:history_end="1"', 'darktable:history_end="-5"').encode()),
    }
    return sidecars


def bad_programs() -> dict[str, str]:
    """name -> text of a program JSON file that must be refused with one line."""
    return {
        "trailing-comma": '{"exposure": 20,}',
        "nan": '{"exposure": NaN}',
        "infinity": '{"exposure": 1e999}',
        "string-number": '{"exposure": "10"}',
        "boolean": '{"exposure": true}',
        "fraction": '{"exposure": 3.5}',
        "above-range": '{"exposure": 101}',
        "far-below-range": '{"exposure": -1e9}',
        "unknown-tool": '{"exposre": 20}',
        "array": '[["exposure", 20]]',
        "null": 'null',
        "empty": '',
        "deep-nesting": '{"exposure": ' + "[" * 10000 + "]" * 10000 + '}',
        "not-utf8": '{"exposure": 20, "note": "caf\udce9"}',
        "duplicate-keys": '{"exposure": 20, "exposure": -20}',
    }


def huge_json(path: Path, megabytes: int = 40) -> Path:
    """A syntactically fine JSON file far larger than any program or style."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"exposure": 10, "pad": "')
        chunk = "x" * (1024 * 1024)
        for _ in range(megabytes):
            handle.write(chunk)
        handle.write('"}')
    return path


def snapshot(folder: Path, cache: dict | None = None) -> dict[str, tuple[int, bytes]]:
    """relative path -> (mode, content hash) of every file under ``folder``.

    ``cache`` maps (device, inode, size, mtime) to a hash already computed, so big unchanged
    files are hashed once across snapshots."""
    import hashlib

    state: dict[str, tuple[int, bytes]] = {}
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_dir():
                state[rel] = (0, b"dir")
                continue
            info = path.stat()
            key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if cache is not None and key in cache:
                state[rel] = (info.st_mode, cache[key])
                continue
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            if cache is not None:
                cache[key] = digest.digest()
            state[rel] = (info.st_mode, digest.digest())
    return state


def leftovers(folder: Path) -> list[str]:
    """Temporary or lock files iea must never leave beside the user's files."""
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            low = name.lower()
            if low.endswith((".tmp", ".lock", ".part", ".partial")) or ".iea-" in low:
                found.append(str(Path(root, name)))
    return found


def _mount_tmpfs(folder: Path, size: str) -> bool:
    import subprocess

    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def unmount(folder: Path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def make_read_only(folder: Path, files: dict[str, bytes]) -> str:
    """Fill ``folder`` with ``files`` and make it unwritable; returns how ("mount", "chmod") or ""
    when it cannot be made unwritable for this user (root without mount rights)."""
    import subprocess

    if _mount_tmpfs(folder, "4m"):
        for name, data in files.items():
            (folder / name).write_bytes(data)
        if subprocess.run(["mount", "-o", "remount,ro", str(folder)],
                          capture_output=True).returncode == 0:
            return "mount"
        unmount(folder)
        return ""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if os.geteuid() == 0:
        return ""
    os.chmod(folder, 0o555)
    return "chmod"


def make_full_disk(folder: Path, files: dict[str, bytes], free_bytes: int = 2048) -> bool:
    """A tiny tmpfs at ``folder`` holding ``files`` and almost no free space (root only)."""
    if not _mount_tmpfs(folder, "256k"):
        return False
    for name, data in files.items():
        (folder / name).write_bytes(data)
    stats = os.statvfs(folder)
    filler = max(stats.f_bavail * stats.f_frsize - free_bytes, 0)
    with open(folder / "filler.bin", "wb") as handle:
        try:
            handle.write(b"\0" * filler)
        except OSError:
            pass
    return True


def hostile_presets() -> dict[str, bytes]:
    """file name -> bytes of presets/styles a user might import that iea must refuse or survive."""
    plugin = ("<plugin><num>0</num><module>{v}</module><operation>{op}</operation>"
              "<op_params>{p}</op_params><enabled>1</enabled><blendop_params>gz11</blendop_params>"
              "<blendop_version>11</blendop_version><multi_priority>0</multi_priority>"
              "<multi_name></multi_name></plugin>")
    style = ("<?xml version=\"1.0\"?>\n<darktable_style version=\"1.0\"><info><name>s</name>"
             "<description></description></info><style>{}</style></darktable_style>")
    return {
        "xxe.dtstyle": ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM '
                        '"file:///etc/passwd">]><darktable_style><info><name>&e;</name></info>'
                        '</darktable_style>').encode(),
        "garbage-params.dtstyle": style.format(plugin.format(v="6", op="exposure",
                                                             p="nothex!!")).encode(),
        "bad-version.dtstyle": style.format(plugin.format(v="x9", op="exposure",
                                                          p="00")).encode(),
        "wrong-root.dtstyle": b'<?xml version="1.0"?><not_a_style/>',
        "truncated.dtstyle": style.format(plugin.format(v="6", op="exposure",
                                                        p="00")).encode()[:120],
        "binary.dtstyle": os.urandom(512),
        "preset.lrtemplate": b's = { id = "x", internalName = "p", value = { settings = { '
                             b'Exposure2012 = 0.5 } } }',
        "xxe-preset.xmp": hostile_sidecars()["xxe"][1],
        "lol-preset.xmp": hostile_sidecars()["billion-laughs"][1],
    }
