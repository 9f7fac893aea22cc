"""Reading and writing photos: JPEG, PNG and TIFF in 8 and 16 bits, and raw files through rawpy.

* EXIF orientation is applied on read, so pixels are upright as the photographer sees them.
* The ICC profile is kept (``Photo.icc_profile``) and written back on output.
* Raw files are decoded to a preview (half size, camera white balance, sRGB, 16 bit).
* Damaged, truncated or absurdly large files raise :class:`~iea_core.errors.CorruptImage`,
  :class:`~iea_core.errors.ImageTooLarge` or :class:`~iea_core.errors.UnsupportedImage` with a
  sentence naming the file and the problem; nothing is guessed.
* Writes are atomic (temporary file, fsync, rename) and never replace a file unless asked.
"""
from __future__ import annotations

import io
import os
import struct
import zlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CorruptImage, ImageError, ImageTooLarge, UnsupportedImage
from .fileio import atomic_write_bytes

#: more pixels than this is refused as a probable decompression bomb (about 30000 x 30000)
MAX_PIXELS = 900_000_000
RAW_EXTENSIONS = frozenset({
    ".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".iiq", ".k25", ".kdc",
    ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw", ".rw2", ".rwl",
    ".sr2", ".srf", ".srw", ".x3f"})
WRITE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF",
                 ".tiff": "TIFF"}


@dataclass(frozen=True)
class Photo:
    """Pixels (H x W x 3, uint8 or uint16, sRGB-encoded) and what to keep when writing back."""

    pixels: np.ndarray
    path: Path
    icc_profile: bytes | None = None
    is_raw: bool = False
    bit_depth: int = 8


def to_float(pixels: np.ndarray) -> np.ndarray:
    """Any accepted pixel array -> float32 RGB in 0..1."""
    if pixels.dtype == np.uint8:
        return pixels[..., :3].astype(np.float32) / np.float32(255.0)
    if pixels.dtype == np.uint16:
        return pixels[..., :3].astype(np.float32) / np.float32(65535.0)
    return np.clip(pixels[..., :3], 0.0, 1.0).astype(np.float32)


def resize_max(pixels: np.ndarray, max_size: int | None) -> np.ndarray:
    """Downscale (never upscale) so the long side is at most ``max_size``, keeping the dtype."""
    if not max_size or max(pixels.shape[:2]) <= max_size:
        return pixels
    from PIL import Image

    h, w = pixels.shape[:2]
    scale = max_size / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if pixels.dtype == np.uint8:
        return np.asarray(Image.fromarray(pixels[..., :3]).resize(size, Image.LANCZOS))
    # 16-bit / float: resize each channel as a float image so no precision is lost
    chans = [np.asarray(Image.fromarray(to_float(pixels)[..., c]).resize(size, Image.LANCZOS))
             for c in range(3)]
    out = np.clip(np.stack(chans, axis=-1), 0.0, 1.0)
    if pixels.dtype == np.uint16:
        return np.rint(out * 65535.0).astype(np.uint16)
    return out.astype(pixels.dtype)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    if path.is_dir():
        raise UnsupportedImage(f"{path} is a folder, not an image")
    if path.stat().st_size == 0:
        raise CorruptImage(f"{path} is empty (0 bytes)")


def _read_raw(path: Path, max_size: int | None) -> Photo:
    try:
        import rawpy
    except ImportError as exc:  # pragma: no cover - rawpy is a dependency
        raise UnsupportedImage(f"{path}: reading raw files needs rawpy ({exc})") from None
    try:
        with rawpy.imread(str(path)) as raw:
            rgb = raw.postprocess(use_camera_wb=True, half_size=True, output_bps=16,
                                  no_auto_bright=False, output_color=rawpy.ColorSpace.sRGB)
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        raise CorruptImage(f"{path} is not a raw file iea can decode ({exc})") from None
    pixels = resize_max(np.ascontiguousarray(rgb), max_size)
    return Photo(pixels, path, None, True, 16)


def _pil_to_array(image, path: Path) -> tuple[np.ndarray, int]:
    """A PIL image in any common mode -> (H x W x 3 uint8|uint16 array, bit depth)."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(image)
        if mode == "I":
            arr = np.clip(arr, 0, 65535)
        arr = arr.astype(np.uint16)
        return np.repeat(arr[..., None], 3, axis=2), 16
    if mode in ("RGB", "L", "P", "RGBA", "LA", "CMYK", "YCbCr", "1", "PA"):
        return np.asarray(image.convert("RGB")), 8
    if mode == "F":
        arr = np.clip(np.asarray(image), 0.0, 1.0)
        return np.repeat((np.rint(arr * 65535)).astype(np.uint16)[..., None], 3, axis=2), 16
    raise UnsupportedImage(f"{path}: pixel mode {mode!r} is not supported")


def _read_tiff16(path: Path) -> np.ndarray | None:
    """PIL cannot decode 16-bit RGB TIFF; tifffile (shipped with scikit-image) can."""
    try:
        import tifffile
    except ImportError:
        return None
    try:
        arr = tifffile.imread(str(path))
    except Exception as exc:  # tifffile raises many types for damaged files
        raise CorruptImage(f"{path} is a damaged TIFF ({exc})") from None
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise UnsupportedImage(f"{path}: TIFF layout {arr.shape} is not an RGB photo")
    arr = arr[..., :3]
    if arr.dtype == np.uint16:
        return arr
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind == "f":
        return np.rint(np.clip(arr, 0, 1) * 65535).astype(np.uint16)
    raise UnsupportedImage(f"{path}: TIFF sample type {arr.dtype} is not supported")


def read_image(path: str | os.PathLike[str], *, max_size: int | None = None) -> Photo:
    """Read a photo from disk, upright, with its ICC profile; raw files via rawpy."""
    path = Path(path)
    _check_file(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        return _read_raw(path, max_size)
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageTooLarge(
                        f"{path} is {image.width} x {image.height} pixels, more than iea "
                        f"accepts ({MAX_PIXELS:,}); probably a decompression bomb")
                icc = image.info.get("icc_profile")
                fmt = image.format
                if fmt == "TIFF" and _tiff_is_16bit(image):
                    arr16 = _read_tiff16(path)
                    if arr16 is not None:
                        pixels, depth = arr16, 16 if arr16.dtype == np.uint16 else 8
                        return Photo(resize_max(np.ascontiguousarray(pixels), max_size), path,
                                     icc, False, depth)
                image.load()
                image = ImageOps.exif_transpose(image)
                pixels, depth = _pil_to_array(image, path)
                if fmt == "PNG" and image.mode in ("RGB", "RGBA") and depth == 8:
                    pixels16 = _read_png16(path)
                    if pixels16 is not None:
                        pixels, depth = pixels16, 16
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"{path} is too large to open safely ({exc})") from None
    except UnidentifiedImageError:
        raise CorruptImage(f"{path} is not an image iea can read (JPEG, PNG, TIFF or raw)") \
            from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(f"{path} is damaged or truncated ({exc})") from None
    except ImageError:
        raise
    return Photo(resize_max(np.ascontiguousarray(pixels), max_size), path, icc, False, depth)


def _tiff_is_16bit(image) -> bool:
    bits = image.tag_v2.get(258) if hasattr(image, "tag_v2") else None  # BitsPerSample
    if isinstance(bits, tuple):
        bits = max(bits) if bits else None
    return bool(bits and bits > 8) or image.mode not in ("RGB", "L", "RGBA", "P", "CMYK", "1")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png16(rgb: np.ndarray, icc_profile: bytes | None = None) -> bytes:
    """A 16-bit RGB PNG (Pillow cannot write one)."""
    h, w = rgb.shape[:2]
    rows = np.zeros((h, 1 + w * 6), dtype=np.uint8)  # filter byte 0 + big-endian samples
    rows[:, 1:] = np.ascontiguousarray(rgb, dtype=">u2").view(np.uint8).reshape(h, w * 6)
    out = [b"\x89PNG\r\n\x1a\n",
           _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))]
    if icc_profile:
        out.append(_png_chunk(b"iCCP", b"ICC\x00\x00" + zlib.compress(icc_profile)))
    out.append(_png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)))
    out.append(_png_chunk(b"IEND", b""))
    return b"".join(out)


def _unfilter(raw: np.ndarray, h: int, stride: int, bpp: int) -> np.ndarray:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows = raw.reshape(h, stride + 1)
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 0xFF
        else:
            cur = line.copy()
            for x in range(stride):
                left = cur[x - bpp] if x >= bpp else 0
                up = prev[x]
                if kind == 1:
                    pred = left
                elif kind == 3:
                    pred = (left + up) >> 1
                elif kind == 4:
                    upleft = prev[x - bpp] if x >= bpp else 0
                    p = left + up - upleft
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                    pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
                else:
                    raise CorruptImage(f"PNG row {y} uses unknown filter {kind}")
                cur[x] = (cur[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out


def _read_png16(path: Path) -> np.ndarray | None:
    """Pillow reads 16-bit RGB PNG as 8 bits; decode the 16 bits here (non-interlaced)."""
    data = path.read_bytes()
    if len(data) < 33 or data[24] != 16 or data[25] not in (2, 6) or data[28] != 0:
        return None
    w, h = struct.unpack(">II", data[16:24])
    channels = 3 if data[25] == 2 else 4
    pos, idat = 8, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I", data[pos:pos + 4])[0], data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    try:
        raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    except zlib.error as exc:
        raise CorruptImage(f"{path}: damaged PNG data ({exc})") from None
    stride = w * channels * 2
    if raw.size != h * (stride + 1):
        raise CorruptImage(f"{path}: truncated PNG data")
    pixels = _unfilter(raw, h, stride, channels * 2).view(">u2").reshape(h, w, channels)
    return np.ascontiguousarray(pixels[..., :3].astype(np.uint16))


def read_preview(path: str | os.PathLike[str], max_size: int = 1024) -> np.ndarray:
    """A float32 0..1 RGB preview with the long side at most ``max_size``."""
    return to_float(read_image(path, max_size=max_size).pixels)


def _encode(pixels: np.ndarray, fmt: str, icc_profile: bytes | None, quality: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if pixels.dtype != np.uint8 and fmt == "JPEG":
        pixels = np.rint(to_float(pixels) * 255).astype(np.uint8)
    if pixels.dtype in (np.float32, np.float64):
        pixels = np.rint(np.clip(pixels, 0, 1) * 65535).astype(np.uint16)
    if pixels.dtype == np.uint16:
        if fmt == "TIFF":
            import tifffile

            tifffile.imwrite(buffer, pixels[..., :3], photometric="rgb",
                             iccprofile=icc_profile)
            return buffer.getvalue()
        if fmt == "PNG":
            return encode_png16(pixels[..., :3], icc_profile)
    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]))
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, subsampling=0 if quality >= 90 else 2,
                   **extra)
    else:
        image.save(buffer, fmt, **extra)
    return buffer.getvalue()


def write_image(path: str | os.PathLike[str], pixels: np.ndarray, *,
                icc_profile: bytes | None = None, quality: int = 92,
                backup: bool = False) -> Path:
    """Write ``pixels`` (uint8, uint16 or float 0..1) by extension: JPEG, PNG or TIFF.

    16-bit data stays 16-bit in PNG and TIFF; JPEG is 8-bit. The write is atomic.
    """
    path = Path(path)
    fmt = WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedImage(
            f"cannot write {path.name}: use a .jpg, .png or .tif file name")
    data = _encode(pixels, fmt, icc_profile, quality)
    atomic_write_bytes(path, data, backup=backup)
    return path
