"""Reading and writing photos: JPEG, PNG and TIFF in 8 and 16 bits, and raw files through rawpy.

* EXIF orientation is applied on read, so pixels are upright as the photographer sees them.
* The ICC profile is kept (``Photo.icc_profile``) and written back on output.
* Raw files are decoded to a preview (half size, camera white balance, sRGB, 16 or 8 bit).
* 16-bit RGB TIFF goes through tifffile and 16-bit RGB PNG through a small decoder here, since
  Pillow reduces both to 8 bits.
* Damaged, truncated or absurdly large files raise :class:`~iea_core.errors.CorruptImage`,
  :class:`~iea_core.errors.ImageTooLarge` or :class:`~iea_core.errors.UnsupportedImage` with a
  sentence naming the file and the problem; nothing is guessed.
* Writes are atomic (temporary file, fsync, rename) and never replace a file unless asked.
* EXIF, XMP and IPTC are read with the pixels (``Photo.metadata``) and written into every file
  rendered from them, orientation reset to 1 (see :mod:`iea_core.imagemeta`); what a JPEG cannot
  hold is said in a :class:`~iea_core.errors.MetadataNotKept` warning naming the file. Alpha is
  kept (``Photo.alpha``) and written back to PNG and TIFF; a JPEG of an image with transparency
  is refused (:class:`~iea_core.errors.AlphaNotKept`) unless ``flatten`` composites it over
  white (:func:`has_alpha` tells from the header, before decoding).
* Decoding has a budget (:class:`DecodeBudget`: pixels and bytes, default sized for 100 MP photos,
  ``IEA_DECODE_MAX_PIXELS`` / ``IEA_DECODE_MAX_BYTES`` or ``[decode]`` in the config) checked from
  the header before any pixel is decoded; a JPEG over it is decoded at 1/2, 1/4 or 1/8 size when a
  preview is asked for, anything else is refused with :class:`~iea_core.errors.ImageTooLarge`.
"""
from __future__ import annotations

import dataclasses
import io
import os
import struct
import zlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import imagemeta
from .errors import (AlphaNotKept, ArrayConventionError, CorruptImage, ImageError,
                     ImageTooLarge, MetadataNotKept, UnsupportedImage)
from .fileio import atomic_write_bytes
from .imagemeta import ImageMetadata

#: default decode budget: a 100 MP medium-format photo (11648 x 8736 = 101.8 MP) plus margin
MAX_PIXELS = 120_000_000
#: decoded bytes (16-bit RGB + alpha of MAX_PIXELS is 960 MB)
MAX_DECODED_BYTES = MAX_PIXELS * 8
RAW_EXTENSIONS = frozenset({
    ".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".iiq", ".k25", ".kdc",
    ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw", ".rw2", ".rwl",
    ".sr2", ".srf", ".srw", ".x3f"})
WRITE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF",
                 ".tiff": "TIFF"}


@dataclass(frozen=True)
class Photo:
    """Pixels (H x W x 3, uint8 or uint16, sRGB-encoded) and what to keep when writing back:
    the ICC profile, EXIF/XMP/IPTC (``metadata``) and the alpha channel (H x W, pixels' dtype)."""

    pixels: np.ndarray
    path: Path
    icc_profile: bytes | None = None
    is_raw: bool = False
    bit_depth: int = 8
    metadata: ImageMetadata | None = None
    alpha: np.ndarray | None = None


@dataclass(frozen=True)
class DecodeBudget:
    """The most a photo may decode to: ``max_pixels`` (width x height) and ``max_bytes`` (of
    decoded samples). Checked from the file's header, before decoding."""

    max_pixels: int = MAX_PIXELS
    max_bytes: int = MAX_DECODED_BYTES

    @classmethod
    def configured(cls) -> "DecodeBudget":
        """From ``IEA_DECODE_MAX_PIXELS`` / ``IEA_DECODE_MAX_BYTES``, else the config file's
        ``[decode]`` table (``max_pixels``, ``max_bytes``), else the defaults."""
        values: dict[str, int] = {}
        env = {"max_pixels": os.environ.get("IEA_DECODE_MAX_PIXELS"),
               "max_bytes": os.environ.get("IEA_DECODE_MAX_BYTES")}
        table: dict = {}
        if not all(env.values()):
            try:
                from .config import load_config

                table = load_config().extra.get("decode") or {}
            except Exception:  # noqa: BLE001 - a broken config is reported by its own command
                table = {}
        for key, text in env.items():
            raw = text if text else (table.get(key) if isinstance(table, dict) else None)
            if raw is None:
                continue
            try:
                value = int(float(raw))
            except (TypeError, ValueError):
                from .errors import ConfigError

                raise ConfigError(f"decode budget {key} must be a number (got {raw!r})") from None
            if value <= 0:
                from .errors import ConfigError

                raise ConfigError(f"decode budget {key} must be positive (got {value})")
            values[key] = value
        return cls(**values)

    def fits(self, width: int, height: int, samples: int, sample_bytes: int) -> bool:
        pixels = width * height
        return pixels <= self.max_pixels and pixels * samples * sample_bytes <= self.max_bytes

    def refuse(self, path: Path, width: int, height: int, samples: int,
               sample_bytes: int) -> ImageTooLarge:
        size = width * height * samples * sample_bytes
        return ImageTooLarge(
            f"{path} is {width} x {height} pixels ({width * height / 1e6:,.0f} MP, "
            f"{size / 2**20:,.0f} MiB decoded), over iea's decoding budget of "
            f"{self.max_pixels / 1e6:,.0f} MP / {self.max_bytes / 2**20:,.0f} MiB; raise it with "
            "IEA_DECODE_MAX_PIXELS / IEA_DECODE_MAX_BYTES if the machine has the memory")


def to_float(pixels: np.ndarray) -> np.ndarray:
    """Any accepted pixel array -> float32 RGB in 0..1 (alpha dropped)."""
    from .editor.arrays import to_float01

    return to_float01(pixels[..., :3])


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


def _read_raw(path: Path, max_size: int | None, bits: int = 16,
              budget: DecodeBudget | None = None) -> Photo:
    try:
        import rawpy
    except ImportError as exc:  # pragma: no cover - rawpy is a dependency
        raise UnsupportedImage(f"{path}: reading raw files needs rawpy ({exc})") from None
    try:
        with rawpy.imread(str(path)) as raw:
            budget = budget or DecodeBudget()
            # a half-size decode: (W/2) x (H/2) x 3 samples of bits/8 bytes
            half_w, half_h = max(1, raw.sizes.width // 2), max(1, raw.sizes.height // 2)
            if not budget.fits(half_w, half_h, 3, bits // 8):
                raise budget.refuse(path, half_w, half_h, 3, bits // 8)
            # half size: a preview is all the agent and the editor's previews need, and it skips
            # demosaicing (4x fewer pixels, several times faster than a full decode)
            rgb = raw.postprocess(use_camera_wb=True, half_size=True, output_bps=bits,
                                  no_auto_bright=False, output_color=rawpy.ColorSpace.sRGB)
    except ImageError:
        raise
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise CorruptImage(f"{path} is not a raw file iea can decode ({reason})") from None
    if rgb.ndim != 3 or rgb.shape[0] * rgb.shape[1] > (budget or DecodeBudget()).max_pixels:
        raise ImageTooLarge(f"{path} decodes to {rgb.shape}, which iea does not accept")
    pixels = resize_max(np.ascontiguousarray(rgb[..., :3]), max_size)
    # TIFF-based raws (DNG, CR2, NEF, ARW, PEF...) carry the camera's EXIF, XMP and IPTC in
    # IFD0; rawpy turned the pixels upright, so the orientation is reset like any other photo's
    from .imagemeta import from_tiff_file

    metadata = from_tiff_file(path)
    return Photo(pixels, path, None, True, bits,
                 None if metadata is None or metadata.empty else metadata)


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info)


def has_alpha(path: str | os.PathLike[str]) -> bool:
    """Whether the photo at ``path`` has transparency (an alpha channel or a transparent palette
    colour), from its header alone: nothing is decoded. False for raw files and for anything
    that cannot be opened (reading it reports that)."""
    path = Path(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        return False
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                if image.format == "TIFF" and _tiff_is_16bit(image):   # as _read_tiff16 reads
                    samples = int(image.tag_v2.get(277) or 1)
                    photometric = image.tag_v2.get(262)
                    if photometric in (0, 1):            # grey: grey + alpha
                        return samples >= 2
                    if photometric in (2, 6):            # RGB / YCbCr: RGB + alpha
                        return samples >= 4
                return _has_alpha(image)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by read_image
        return False


#: what a transparent pixel becomes when an image with alpha is flattened for JPEG
FLATTEN_BACKGROUND = "white"


def flatten_alpha(pixels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``pixels`` (RGB, any accepted dtype) composited over white by ``alpha`` (resized to the
    pixels when needed), in the pixels' dtype: what a viewer shows on a white page."""
    from .editor.arrays import from_float01, to_float01

    rgb = pixels[..., :3]
    alpha = resize_alpha(np.asarray(alpha), rgb.shape)
    top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(alpha.dtype, 1.0)
    cover = np.clip(alpha.astype(np.float32) / np.float32(top), 0.0, 1.0)[..., None]
    return from_float01(to_float01(rgb) * cover + (1.0 - cover), rgb.dtype)


def _pil_to_array(image, path: Path) -> tuple[np.ndarray, int, np.ndarray | None]:
    """A PIL image in any common mode -> (H x W x 3 uint8|uint16 array, bit depth, alpha)."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(image)
        if mode == "I":
            arr = np.clip(arr, 0, 65535)
        arr = arr.astype(np.uint16)
        return np.repeat(arr[..., None], 3, axis=2), 16, None
    if _has_alpha(image):
        rgba = np.asarray(image.convert("RGBA"))
        return np.ascontiguousarray(rgba[..., :3]), 8, np.ascontiguousarray(rgba[..., 3])
    if mode in ("RGB", "L", "P", "CMYK", "YCbCr", "1"):
        return np.asarray(image.convert("RGB")), 8, None
    if mode == "F":
        arr = np.clip(np.asarray(image), 0.0, 1.0)
        return np.repeat((np.rint(arr * 65535)).astype(np.uint16)[..., None], 3, axis=2), 16, None
    raise UnsupportedImage(f"{path}: pixel mode {mode!r} is not supported")


def resize_alpha(alpha: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An alpha plane resized to ``shape[:2]`` (same dtype)."""
    if alpha.shape[:2] == tuple(shape[:2]):
        return alpha
    from PIL import Image

    size = (int(shape[1]), int(shape[0]))
    if alpha.dtype == np.uint8:
        return np.asarray(Image.fromarray(alpha).resize(size, Image.LANCZOS))
    plane = np.asarray(Image.fromarray(alpha.astype(np.float32)).resize(size, Image.LANCZOS))
    top = 65535.0 if alpha.dtype == np.uint16 else 1.0
    out = np.clip(plane, 0.0, top)
    return (np.rint(out).astype(alpha.dtype) if alpha.dtype == np.uint16
            else out.astype(alpha.dtype))


# EXIF/TIFF orientation -> numpy steps that make the pixels upright (the TIFF 6.0 meanings)
_ORIENT_STEPS: dict[int, tuple[str, ...]] = {
    2: ("flip_lr",), 3: ("rot180",), 4: ("flip_ud",), 5: ("transpose",),
    6: ("rot_cw",), 7: ("transverse",), 8: ("rot_ccw",)}


def apply_orientation(pixels: np.ndarray, orientation: int | None) -> np.ndarray:
    """Turn pixels stored with EXIF ``orientation`` (1..8) upright, as a viewer shows them."""
    for step in _ORIENT_STEPS.get(int(orientation or 1), ()):
        if step == "flip_lr":
            pixels = pixels[:, ::-1]
        elif step == "flip_ud":
            pixels = pixels[::-1]
        elif step == "rot180":
            pixels = pixels[::-1, ::-1]
        elif step == "transpose":
            pixels = np.swapaxes(pixels, 0, 1)
        elif step == "rot_cw":
            pixels = np.rot90(pixels, -1)
        elif step == "rot_ccw":
            pixels = np.rot90(pixels, 1)
        elif step == "transverse":
            pixels = np.rot90(np.swapaxes(pixels, 0, 1), 2)
    return np.ascontiguousarray(pixels)


def _read_tiff16(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Pillow decodes 16-bit RGB TIFF to 8 bits; tifffile (shipped with scikit-image) keeps 16."""
    import tifffile

    try:
        with tifffile.TiffFile(str(path)) as tif:
            page = tif.pages[0]
            series = tif.series[0]
            arr = series.asarray()
            axes = series.axes
            orient_tag = page.tags.get(274)
            orientation = orient_tag.value if orient_tag is not None else 1
    except Exception as exc:  # tifffile raises many types for damaged files
        raise CorruptImage(f"{path} is a damaged TIFF ({exc})") from None
    # keep the first image of a stack and put samples last (planar TIFFs store them first)
    while arr.ndim > 3 or (arr.ndim == 3 and len(axes) > 3):
        arr, axes = arr[0], axes[1:]
    if arr.ndim == 3 and axes.startswith("S"):
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise UnsupportedImage(f"{path}: TIFF layout {arr.shape} ({axes}) is not an RGB photo")
    if arr.dtype.kind == "f":
        arr = np.rint(np.clip(np.nan_to_num(arr), 0, 1) * 65535).astype(np.uint16)
    elif arr.dtype in (np.uint32, np.int32, np.int16):
        arr = np.clip(arr, 0, 65535).astype(np.uint16)
    elif arr.dtype not in (np.uint16, np.uint8):
        raise UnsupportedImage(f"{path}: TIFF sample type {arr.dtype} is not supported")
    alpha = apply_orientation(arr[..., 3], orientation) if arr.shape[2] == 4 else None
    return apply_orientation(arr[..., :3], orientation), alpha


def _icc_colour_space(icc: bytes | None) -> bytes | None:
    """The ICC header's data colour space ('RGB ', 'GRAY', 'CMYK', ...)."""
    return icc[16:20] if icc and len(icc) >= 20 else None


def _convert_non_rgb(image, icc: bytes | None, path: Path):
    """CMYK (and other non-RGB) photos with a profile -> sRGB through their profile; a profile
    that does not describe RGB data is then dropped, since writing it on RGB pixels is invalid."""
    from PIL import ImageCms

    if image.mode == "CMYK" and icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, src, dst, outputMode="RGB"), None
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to Pillow's naive conversion below
    if _icc_colour_space(icc) not in (None, b"RGB "):
        icc = None
    return image, icc


def _header_samples(image, path: Path) -> tuple[int, int]:
    """(samples per pixel, bytes per sample) the decoded image will have, from the header."""
    samples = max(3, len(image.getbands()))
    sample_bytes = 1
    if image.format == "TIFF" and hasattr(image, "tag_v2"):
        bits = image.tag_v2.get(258)
        bits = max(bits) if isinstance(bits, tuple) and bits else bits
        sample_bytes = max(1, int(bits or 8) // 8)
        samples = max(samples, int(image.tag_v2.get(277) or samples))
    elif image.format == "PNG":
        with open(path, "rb") as handle:
            head = handle.read(33)
        if len(head) >= 26 and head[24] == 16:
            sample_bytes = 2
    elif image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        sample_bytes = 2
    elif image.mode in ("I", "F"):
        sample_bytes = 4
    return samples, sample_bytes


def _draft_within(image, budget: DecodeBudget, max_size: int | None, samples: int) -> bool:
    """A JPEG over the budget: let libjpeg decode it at 1/2, 1/4 or 1/8 size when that fits the
    budget and (for a preview) still covers ``max_size``. True when a reduced size was set."""
    if image.format != "JPEG" or not max_size:
        return False
    width, height = image.size
    for scale in (2, 4, 8):
        w, h = -(-width // scale), -(-height // scale)
        if budget.fits(w, h, samples, 1):
            image.draft("RGB", (max(w, min(width, max_size)), max(h, min(height, max_size))))
            return budget.fits(image.size[0], image.size[1], samples, 1)
    return False


def read_image(path: str | os.PathLike[str], *, max_size: int | None = None,
               raw_bit_depth: int = 16, budget: DecodeBudget | None = None) -> Photo:
    """Read a photo from disk, upright, with its ICC profile, metadata and alpha; raw files via
    rawpy.

    ``raw_bit_depth`` (8 or 16) is the depth raw previews are decoded to. ``budget`` (default:
    :meth:`DecodeBudget.configured`) bounds what may be decoded; it is checked from the header.
    """
    path = Path(path)
    _check_file(path)
    budget = budget or DecodeBudget.configured()
    if path.suffix.lower() in RAW_EXTENSIONS:
        if raw_bit_depth not in (8, 16):
            raise ValueError("raw_bit_depth must be 8 or 16")
        return _read_raw(path, max_size, raw_bit_depth, budget)
    from PIL import Image, ImageOps, UnidentifiedImageError

    from .imagemeta import from_pil

    # Pillow's own bomb guard (89 MP) would refuse 100 MP photos; the budget below replaces it.
    # It stays as a backstop far above the budget (a JPEG up to 64x the budget can be opened
    # and decoded at 1/8 size).
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < budget.max_pixels * 64:
        Image.MAX_IMAGE_PIXELS = budget.max_pixels * 64
    alpha = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow warns about TIFF tags of a type it does not expect (IPTC as LONG...);
            # imagemeta reads those tags itself
            warnings.filterwarnings("ignore", message="Metadata Warning", category=UserWarning)
            with Image.open(path) as image:
                width, height = image.size
                samples, sample_bytes = _header_samples(image, path)
                if not budget.fits(width, height, samples, sample_bytes) and \
                        not _draft_within(image, budget, max_size, samples):
                    raise budget.refuse(path, width, height, samples, sample_bytes)
                icc = image.info.get("icc_profile") or None
                metadata = from_pil(image, path)
                fmt = image.format
                if fmt == "TIFF" and _tiff_is_16bit(image):
                    pixels, alpha = _read_tiff16(path)
                    depth = 16 if pixels.dtype == np.uint16 else 8
                else:
                    if fmt == "JPEG" and max_size and image.size == (width, height):
                        # let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers
                        # max_size: a 1024 px preview of a 24 MP JPEG decodes 3-5x faster
                        image.draft("RGB", (max_size, max_size))
                    image.load()
                    orientation = image.getexif().get(0x0112, 1)
                    image = ImageOps.exif_transpose(image)
                    image, icc = _convert_non_rgb(image, icc, path)
                    pixels, depth, alpha = _pil_to_array(image, path)
                    if fmt == "PNG" and depth == 8 and image.mode in ("RGB", "RGBA"):
                        decoded16 = _read_png16(path)
                        if decoded16 is not None:
                            pixels16, alpha16 = decoded16
                            pixels, depth = apply_orientation(pixels16, orientation), 16
                            if alpha16 is not None:
                                alpha = apply_orientation(alpha16, orientation)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"{path} is far over iea's decoding budget of "
                            f"{budget.max_pixels / 1e6:,.0f} MP ({exc})") from None
    except UnidentifiedImageError:
        raise CorruptImage(_unreadable_message(path)) from None
    except MemoryError:
        raise ImageTooLarge(f"{path} does not fit in the memory available to iea; use a smaller "
                            "photo, --max-size, or lower IEA_DECODE_MAX_PIXELS") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as exc:
        raise CorruptImage(f"{path} is damaged or truncated ({exc})") from None
    if _icc_colour_space(icc) not in (None, b"RGB "):
        icc = None
    pixels = resize_max(np.ascontiguousarray(pixels), max_size)
    if alpha is not None:
        alpha = resize_alpha(np.ascontiguousarray(alpha), pixels.shape)
    return Photo(pixels, path, icc, False, depth,
                 None if metadata.empty else metadata, alpha)


def _tiff_is_16bit(image) -> bool:
    bits = image.tag_v2.get(258) if hasattr(image, "tag_v2") else None  # BitsPerSample
    if isinstance(bits, tuple):
        bits = max(bits) if bits else None
    return bool(bits and bits > 8) or image.mode not in ("RGB", "L", "RGBA", "P", "CMYK", "1")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png16(rgb: np.ndarray, icc_profile: bytes | None = None,
                 alpha: np.ndarray | None = None) -> bytes:
    """A 16-bit RGB (or RGBA, with ``alpha``) PNG (Pillow cannot write one)."""
    h, w = rgb.shape[:2]
    planes = rgb[..., :3] if alpha is None else np.dstack([rgb[..., :3], alpha])
    channels = planes.shape[2]
    rows = np.zeros((h, 1 + w * channels * 2), dtype=np.uint8)  # filter 0 + big-endian samples
    rows[:, 1:] = np.ascontiguousarray(planes, dtype=">u2").view(np.uint8).reshape(
        h, w * channels * 2)
    colour_type = 2 if alpha is None else 6
    out = [b"\x89PNG\r\n\x1a\n",
           _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))]
    if icc_profile:
        out.append(_png_chunk(b"iCCP", b"ICC\x00\x00" + zlib.compress(icc_profile)))
    out.append(_png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)))
    out.append(_png_chunk(b"IEND", b""))
    return b"".join(out)


_ROW_KERNEL = None


def _row_kernel():
    """The sequential PNG filters (Average, Paeth) compiled with numba: a Python loop over every
    byte would take minutes on a 24 MP 16-bit PNG. Compiled once and cached on disk."""
    global _ROW_KERNEL
    if _ROW_KERNEL is None:
        from numba import njit

        @njit(cache=True, nogil=True)
        def unfilter_row(kind, line, prev, bpp):  # pragma: no cover - compiled
            cur = line.copy()
            n = cur.shape[0]
            for x in range(n):
                left = cur[x - bpp] if x >= bpp else 0
                up = prev[x]
                if kind == 3:
                    pred = (left + up) >> 1
                else:
                    upleft = prev[x - bpp] if x >= bpp else 0
                    p = left + up - upleft
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                    pred = left if (pa <= pb and pa <= pc) else (up if pb <= pc else upleft)
                cur[x] = (cur[x] + pred) & 0xFF
            return cur

        _ROW_KERNEL = unfilter_row
    return _ROW_KERNEL


def _unfilter(raw: np.ndarray, h: int, stride: int, bpp: int) -> np.ndarray:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows = raw.reshape(h, stride + 1)
    out = np.empty((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        kind, line = int(rows[y, 0]), rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum along each byte lane, modulo 256
            lanes = np.zeros(-(-stride // bpp) * bpp, dtype=np.int64)
            lanes[:stride] = line
            cur = (np.cumsum(lanes.reshape(-1, bpp), axis=0).reshape(-1)[:stride]
                   & 0xFF).astype(np.int32)
        elif kind == 2:
            cur = (line + prev) & 0xFF
        elif kind in (3, 4):
            cur = _row_kernel()(kind, line, prev, bpp)
        else:
            raise CorruptImage(f"PNG row {y} uses unknown filter {kind}")
        out[y] = cur
        prev = cur
    return out


def _read_png16(path: Path) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Pillow reads 16-bit RGB PNG as 8 bits; decode the 16 bits here (non-interlaced; an
    interlaced 16-bit PNG, rare in practice, is read as 8 bits by Pillow instead)."""
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
    stride = w * channels * 2
    expected = h * (stride + 1)
    try:
        # bounded: a stream that inflates past the size the header promises is refused
        inflater = zlib.decompressobj()
        raw_bytes = inflater.decompress(b"".join(idat), expected + 1)
    except zlib.error as exc:
        raise CorruptImage(f"{path}: damaged PNG data ({exc})") from None
    if len(raw_bytes) != expected:
        raise CorruptImage(f"{path}: truncated or damaged PNG data ({len(raw_bytes):,} of "
                           f"{expected:,} bytes)")
    raw = np.frombuffer(raw_bytes, dtype=np.uint8)
    pixels = _unfilter(raw, h, stride, channels * 2).view(">u2").reshape(h, w, channels)
    alpha = np.ascontiguousarray(pixels[..., 3].astype(np.uint16)) if channels == 4 else None
    return np.ascontiguousarray(pixels[..., :3].astype(np.uint16)), alpha


def read_preview(path: str | os.PathLike[str], max_size: int = 1024) -> np.ndarray:
    """A float32 0..1 RGB preview with the long side at most ``max_size``."""
    return to_float(read_image(path, max_size=max_size).pixels)


def _match_alpha(alpha: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """``alpha`` resized to ``pixels`` and converted to its dtype (uint8 or uint16)."""
    alpha = resize_alpha(np.asarray(alpha), pixels.shape)
    if alpha.dtype == pixels.dtype:
        return alpha
    top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
    unit = alpha.astype(np.float64) / top.get(alpha.dtype, 1.0)
    return np.rint(np.clip(unit, 0, 1) * top[pixels.dtype]).astype(pixels.dtype)


def _encode(pixels: np.ndarray, fmt: str, icc_profile: bytes | None, quality: int,
            metadata: ImageMetadata | None = None, alpha: np.ndarray | None = None) -> bytes:
    from PIL import Image

    if alpha is not None and fmt == "JPEG":   # JPEG has no alpha; write_image decided already
        alpha = None
    buffer = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if pixels.dtype != np.uint8 and fmt == "JPEG":
        pixels = np.rint(to_float(pixels) * 255).astype(np.uint8)
    if pixels.dtype in (np.float32, np.float64):
        pixels = np.rint(np.clip(pixels, 0, 1) * 65535).astype(np.uint16)
    rgb = np.ascontiguousarray(pixels[..., :3])
    if alpha is not None:
        alpha = _match_alpha(alpha, rgb)
    meta = imagemeta.for_output(metadata, rgb.shape[1], rgb.shape[0])
    if fmt == "TIFF":   # 8 and 16 bits alike: tifffile, then the EXIF sub-IFDs added
        import tifffile

        data = rgb if alpha is None else np.dstack([rgb, alpha])
        tifffile.imwrite(buffer, data, photometric="rgb", iccprofile=icc_profile,
                         extrasamples=None if alpha is None else ("unassalpha",),
                         extratags=imagemeta.tiff_extratags(meta), metadata=None,
                         software=False)
        imagemeta.embed_tiff(buffer, meta)
        return buffer.getvalue()
    if rgb.dtype == np.uint16:
        if fmt == "PNG":
            return imagemeta.embed_png(encode_png16(rgb, icc_profile, alpha), meta)
    image = Image.fromarray(rgb if alpha is None else np.dstack([rgb, alpha]))
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, subsampling=0 if quality >= 90 else 2,
                   **extra)
        return imagemeta.embed_jpeg(buffer.getvalue(), meta)
    image.save(buffer, "PNG", **extra)
    return imagemeta.embed_png(buffer.getvalue(), meta)


def _unreadable_message(path: Path) -> str:
    """Why a file no decoder took is refused: a TIFF in a sample layout Pillow does not decode
    (32-bit float, 3 x 32-bit...) is named as such, anything else as not an image."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        head = b""
    if head in (b"II*\x00", b"MM\x00*"):
        return (f"{path} is a TIFF in a sample format iea cannot read (such as 32-bit float); "
                "save it as an 8- or 16-bit TIFF")
    return f"{path} is not an image iea can read (JPEG, PNG, TIFF or raw)"


def write_image(path: str | os.PathLike[str], pixels: np.ndarray, *,
                icc_profile: bytes | None = None, quality: int = 92,
                backup: bool = False, metadata: ImageMetadata | None = None,
                alpha: np.ndarray | None = None, flatten: bool = False) -> Path:
    """Write ``pixels`` (uint8, uint16 or float 0..1) by extension: JPEG, PNG or TIFF.

    16-bit data stays 16-bit in PNG and TIFF; JPEG is 8-bit. ``metadata`` (EXIF/XMP/IPTC of the
    source photo) is embedded with the orientation reset to 1; the alpha channel (``alpha``, or a
    4th channel of ``pixels``) is kept in PNG and TIFF. JPEG cannot hold it: an image with
    transparency is refused (:class:`~iea_core.errors.AlphaNotKept`) unless ``flatten`` asks to
    composite it over white; an alpha that is opaque everywhere is dropped (nothing is lost).
    The write is atomic.
    """
    path = Path(path)
    fmt = WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedImage(
            f"cannot write {path.name}: use a .jpg, .png or .tif file name")
    pixels = np.asarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype not in (
            np.uint8, np.uint16, np.float32, np.float64):
        raise ArrayConventionError(
            f"cannot write {path.name}: pixels must be H x W x 3 (or x 4) uint8, uint16 or float "
            f"0..1, got {pixels.shape} {pixels.dtype}")
    if alpha is None and pixels.shape[2] == 4:
        alpha = pixels[..., 3]
        if alpha.dtype in (np.float32, np.float64):
            alpha = np.rint(np.clip(alpha, 0, 1) * 65535).astype(np.uint16)
    if alpha is not None and fmt == "JPEG":
        if flatten:
            pixels, alpha = flatten_alpha(pixels, alpha), None
        elif _opaque(alpha):
            alpha = None
        else:
            raise AlphaNotKept(jpeg_alpha_message(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetadataNotKept)
        data = _encode(pixels, fmt, icc_profile, quality, metadata, alpha)
    atomic_write_bytes(path, data, backup=backup)
    for warning in caught:   # said once the file exists, naming it
        if issubclass(warning.category, MetadataNotKept):
            warnings.warn(MetadataNotKept(f"{path}: {warning.message}"), stacklevel=2)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return path


def _opaque(alpha: np.ndarray) -> bool:
    alpha = np.asarray(alpha)
    top = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}.get(alpha.dtype, 1.0)
    return bool(alpha.size == 0 or alpha.min() >= top)


def jpeg_alpha_message(output: Path, source: Path | None = None,
                       option: str = "--flatten") -> str:
    """The one line that refuses to drop transparency into a JPEG (``option``: how the caller
    asks for flattening)."""
    what = f"{source} has" if source is not None else "the image has"
    return (f"cannot write {output}: {what} an alpha channel (transparency) and JPEG cannot "
            f"hold it; write a .png or .tif to keep it, or add {option} to composite it over "
            f"{FLATTEN_BACKGROUND}")


def write_photo(path: str | os.PathLike[str], pixels: np.ndarray, source: Photo, *,
                quality: int = 92, flatten: bool = False,
                settings_applied: bool = False) -> Path:
    """Write ``pixels`` rendered from ``source`` with everything of the source kept: its ICC
    profile, EXIF/XMP/IPTC (orientation reset to 1) and its alpha channel (``flatten``: see
    :func:`write_image`). ``settings_applied``: the pixels hold the Camera Raw settings the
    source's XMP carries, which are then marked so (``crs:AlreadyApplied``) for Lightroom not
    to develop them a second time."""
    metadata = source.metadata
    if settings_applied and metadata is not None and metadata.xmp:
        metadata = dataclasses.replace(metadata,
                                       xmp=imagemeta.mark_settings_applied(metadata.xmp))
    return write_image(path, pixels, icc_profile=source.icc_profile, quality=quality,
                       metadata=metadata, alpha=source.alpha, flatten=flatten)
