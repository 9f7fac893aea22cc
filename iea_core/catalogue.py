"""The photos of a shoot as the catalogue workflows see them: which files, their develop settings,
a small preview of each unedited original, and writing a program back through the host's sidecar.

Used by ``iea style learn`` / ``iea style from-photo`` (:mod:`iea_core.learn`) and ``iea batch``
(:mod:`iea_core.batch`). A photo's settings are read and written only through
:mod:`iea_core.state` (the one notion of a photo's current state, shared with ``iea edit`` and
the plug-ins): :func:`read_current_state` finds which host has settings for a photo, and
:func:`apply_style` writes a style as a change to that state, following the rule of
:func:`iea_core.styles.style_change` (a change style adds; a learned or copied look sets its
tools to the target values).

Previews are decoded at reduced size, because learning and batch application only need statistics
of the picture: JPEGs through libjpeg's DCT scaling (Pillow's draft mode decodes a 6000 x 4000
JPEG at 1/8 size without ever building the full picture), raw files through LibRaw's half-size
mode (no demosaicing; four times fewer pixels).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import IeaError, SidecarError
from .program import Program
from .state import Applied, PhotoState

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
def sidecar_for(host: str, photo: str | os.PathLike[str]) -> Path:
    """The sidecar file ``host`` keeps next to ``photo``."""
    from .state import sidecar_for as state_sidecar

    return Path(state_sidecar(host, photo))


def read_current_state(photo: str | os.PathLike[str], host: str | None = None
                       ) -> PhotoState | None:
    """The photo's current develop state (:func:`iea_core.state.read_state`), or None when no
    host has settings for it.

    ``host=None`` looks in darktable's sidecar (``IMG.jpg.xmp``), then Lightroom's (``IMG.xmp``
    or the XMP embedded in a JPEG/TIFF/DNG, Lightroom's "write metadata to file"); a host limits
    the search to that host's places. The state's ``sidecar`` is None when the settings were
    embedded in the photo. A sidecar that cannot be read safely raises
    :class:`~iea_core.errors.SidecarError` naming it.
    """
    from .state import read_state

    photo = Path(photo)
    if host not in (None, *HOSTS):
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    if host in (None, "darktable") and sidecar_for("darktable", photo).is_file():
        state = read_state("darktable", photo)
        if host == "darktable" or not state.program.is_identity:
            return state
    if host in (None, "lightroom"):
        state = read_state("lightroom", photo)
        if any(key not in ("ProcessVersion", "HasSettings") for key in state.settings):
            return state
    return None


def settings_source(photo: str | os.PathLike[str], state: PhotoState) -> Path:
    """Where a state's settings were read from: its sidecar, or the photo (embedded XMP)."""
    return Path(state.sidecar) if state.sidecar is not None else Path(photo)


def styled_change(state: PhotoState, styled: Program, kind: str,
                  tools: Sequence[str] | None = None) -> Program:
    """The change a style of ``kind`` writes to a photo in ``state`` (the one rule:
    :func:`iea_core.styles.style_change`)."""
    from .styles import style_change

    return style_change(kind, styled, state.program, tools)


def apply_style(host: str, photo: str | os.PathLike[str], styled: Program, kind: str,
                tools: Sequence[str] | None = None) -> Applied:
    """Write a style's program for this photo into ``host``'s sidecar through
    :func:`iea_core.state.apply_to_sidecar`: only the settings the change moves are written (the
    photographer's other settings, a raw's As Shot white balance and darktable's own modules
    kept; iea's darktable instances accumulate), atomic, under the sidecar's lock, the previous
    file kept as ``.bak``. A target style's change is computed from the state read under that
    lock."""
    from .state import apply_to_sidecar

    if host not in HOSTS:
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    return apply_to_sidecar(host, photo,
                            lambda state: styled_change(state, styled, kind, tools))


def file_digest(path: str | os.PathLike[str]) -> str | None:
    """sha256 of a file's bytes (hex), or None when it does not exist."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SidecarError(f"{path} is a folder, not a sidecar") from None
    return hashlib.sha256(data).hexdigest()


__all__ = ["PREVIEW_SIZE", "expand_photos", "photo_preview", "read_current_state",
           "settings_source", "styled_change", "apply_style", "sidecar_for", "file_digest",
           "is_photo"]
