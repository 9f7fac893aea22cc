"""The photos of a shoot as the catalogue workflows see them: which files, their develop settings,
a small preview of each unedited original, and writing a program back through the host's sidecar.

Used by ``iea style learn`` / ``iea style from-photo`` (:mod:`iea_core.learn`) and ``iea batch``
(:mod:`iea_core.batch`). Everything that touches a host format goes through
:mod:`iea_core.hosts`, behind two small functions, :func:`read_current_program` and
:func:`write_program`, so that the shared notion of a photo's current state (issue 13: the host's
settings read back, edits written as current + change) can replace their bodies without touching
the callers.

Previews are decoded at reduced size, because learning and batch application only need statistics
of the picture: JPEGs through libjpeg's DCT scaling (Pillow's draft mode decodes a 6000 x 4000
JPEG at 1/8 size without ever building the full picture), raw files through LibRaw's half-size
mode (no demosaicing; four times fewer pixels).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import IeaError, SidecarError
from .program import Program

#: Long side of the preview the style model looks at. Statistics of a 256 px picture are within
#: noise of those of the full photo, and libjpeg can decode it at 1/8 scale.
PREVIEW_SIZE = 256
HOSTS = ("lightroom", "darktable")
PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff"})


def _raw_extensions() -> frozenset[str]:
    from .imageio import RAW_EXTENSIONS

    return RAW_EXTENSIONS


def is_photo(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in PHOTO_EXTENSIONS or suffix in _raw_extensions()


def expand_photos(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Photos named on the command line: files as given, folders expanded to the photos directly
    inside them (sorted, sidecars and hidden files skipped). A missing path is an error naming it.
    Each photo is listed once even when given twice."""
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            entries = sorted(p for p in path.iterdir()
                             if p.is_file() and not p.name.startswith(".") and is_photo(p))
        elif path.exists():
            entries = [path]
        else:
            raise IeaError(f"no such file or folder: {path}")
        for entry in entries:
            key = entry.resolve()
            if key not in seen:
                seen.add(key)
                found.append(entry)
    return found


# --- previews -----------------------------------------------------------------------------------
def photo_preview(path: str | os.PathLike[str], max_size: int = PREVIEW_SIZE) -> np.ndarray:
    """float32 0..1 RGB of the unedited original, long side at most ``max_size``, decoded at
    reduced size (JPEG DCT scaling, raw half-size). Errors name the file."""
    from .imageio import read_image, resize_max, to_float

    path = Path(path)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        pixels = _jpeg_preview(path, max_size)
        if pixels is not None:
            return to_float(pixels)
    photo = read_image(path, max_size=max_size, raw_bit_depth=8)
    return to_float(resize_max(photo.pixels, max_size))


def _jpeg_preview(path: Path, max_size: int) -> np.ndarray | None:
    """A JPEG decoded straight at 1/2, 1/4 or 1/8 scale: the draft size asked for is the
    photo's own aspect ratio at ``max_size`` (asking for a square would keep libjpeg at a larger
    scale for every landscape photo). None when anything is unusual (then :func:`read_image`
    decodes it and reports any problem)."""
    from PIL import Image, ImageOps

    from .imageio import MAX_PIXELS

    try:
        with Image.open(path) as image:
            if image.format != "JPEG" or image.width * image.height > MAX_PIXELS or \
                    image.mode not in ("RGB", "L", "YCbCr"):
                return None
            scale = max_size / max(image.size)
            if scale < 1:
                image.draft("RGB", (max(1, int(image.width * scale + 0.999)),
                                    max(1, int(image.height * scale + 0.999))))
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
            if max(upright.size) > max_size:
                factor = max_size / max(upright.size)
                upright = upright.resize((max(1, round(upright.width * factor)),
                                          max(1, round(upright.height * factor))),
                                         Image.BILINEAR, reducing_gap=2.0)
            return np.asarray(upright)
    except Exception:  # noqa: BLE001 - any oddity: the careful reader decides and explains
        return None


# --- develop settings ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """A photo's develop settings as a program, and where they were read from."""

    program: Program
    host: str
    source: Path


def sidecar_for(host: str, photo: str | os.PathLike[str]) -> Path:
    """The sidecar file ``host`` keeps next to ``photo``."""
    if host == "lightroom":
        from .hosts.lightroom import sidecar_path
    elif host == "darktable":
        from .hosts.darktable import sidecar_path
    else:
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    return Path(sidecar_path(photo))


def read_current_program(photo: str | os.PathLike[str], host: str | None = None
                         ) -> Settings | None:
    """The photo's current develop settings as a program, or None when it has none.

    ``host=None`` looks in darktable's sidecar (``IMG.jpg.xmp``), then Lightroom's (``IMG.xmp``),
    then the XMP embedded in the file (Lightroom's "write metadata to file"); a host limits the
    search to that host's places. A sidecar that cannot be read safely raises
    :class:`~iea_core.errors.SidecarError` naming it.
    """
    photo = Path(photo)
    if host not in (None, *HOSTS):
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    if host in (None, "darktable"):
        sidecar = sidecar_for("darktable", photo)
        if sidecar.is_file():
            from .hosts.darktable import read_sidecar

            found = Settings(read_sidecar(sidecar), "darktable", sidecar)
            if host == "darktable" or not found.program.is_identity:
                return found
    if host in (None, "lightroom"):
        from .hosts.lightroom import crs_to_program, is_raw_path, read_settings

        for source in (sidecar_for("lightroom", photo), photo):
            if not source.is_file() or (source == photo and source.suffix.lower() == ".xmp"):
                continue
            settings = read_settings(source)
            if not any(key not in ("ProcessVersion", "HasSettings") for key in settings):
                continue
            program, _ = crs_to_program(settings, raw=is_raw_path(photo))
            return Settings(program, "lightroom", source)
    return None


def compose(current: Program | None, style: Program, tools: Sequence[str]) -> Program:
    """What a style makes of a photo's current settings: the style's ``tools`` take the style's
    values, every other tool keeps the photographer's value."""
    values = dict(current.values) if current is not None else {}
    for tool in tools:
        values[tool] = style[tool]
    return Program(values, style.reasoning, clamp=True)


def write_program(host: str, photo: str | os.PathLike[str], program: Program) -> Path:
    """Write ``program`` as the photo's settings into ``host``'s sidecar (existing settings outside
    iea's tools kept, the previous file kept as ``.bak``, atomic, under a lock)."""
    if host == "lightroom":
        from .hosts.lightroom import write_sidecar
    elif host == "darktable":
        from .hosts.darktable import write_sidecar
    else:
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    return Path(write_sidecar(photo, program))


def file_digest(path: str | os.PathLike[str]) -> str | None:
    """sha256 of a file's bytes (hex), or None when it does not exist."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SidecarError(f"{path} is a folder, not a sidecar") from None
    return hashlib.sha256(data).hexdigest()


__all__ = ["PREVIEW_SIZE", "Settings", "expand_photos", "photo_preview", "read_current_program",
           "compose", "write_program", "sidecar_for", "file_digest", "is_photo"]
