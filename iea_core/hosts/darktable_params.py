"""darktable 4.2 module parameter structs, encoded byte for byte as darktable stores them.

A history item's ``darktable:params`` is the module's ``dt_iop_<name>_params_t`` C struct, copied
as raw memory: little-endian, 4-byte fields, no padding in the structs used here. Each layout below
was read from the installed darktable 4.2.1 itself (the introspection data every module library
exports: field names, offsets, sizes, ``$MIN/$MAX/$DEFAULT``); ``tests/hosts/test_darktable_layouts``
re-reads that data from ``/usr/lib/*/darktable/plugins`` and fails if a layout, size or module
version here ever disagrees with the installed darktable.

Only modules iea writes are declared. ``encode`` starts from the struct's defaults (the values a
fresh module instance has, i.e. a no-op where darktable has one) so callers name only what they
change; ``decode`` returns every field, so a decoded item can be inspected or re-encoded unchanged.
"""
from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..errors import SidecarError


@dataclass(frozen=True)
class Field:
    """One struct member: ``fmt`` is a :mod:`struct` code for one element, ``count`` elements."""

    name: str
    fmt: str  # "f" float, "i" int/enum/gboolean, "I" unsigned
    default: Any
    count: int = 1


@dataclass(frozen=True)
class ModuleLayout:
    """The params struct of one darktable module at one module version."""

    operation: str
    modversion: int
    fields: tuple[Field, ...]

    @property
    def struct_format(self) -> str:
        return "<" + "".join(f"{f.count}{f.fmt}" if f.count > 1 else f.fmt for f in self.fields)

    @property
    def size(self) -> int:
        return struct.calcsize(self.struct_format)

    def offsets(self) -> dict[str, int]:
        """Byte offset of each field (what the layout test compares with darktable's own)."""
        out, pos = {}, 0
        for f in self.fields:
            out[f.name] = pos
            pos += struct.calcsize("<" + f.fmt) * f.count
        return out

    def defaults(self) -> dict[str, Any]:
        return {f.name: (list(f.default) if f.count > 1 else f.default) for f in self.fields}

    def encode(self, values: Mapping[str, Any] | None = None) -> bytes:
        """Pack ``values`` (missing fields take their defaults) into the C struct bytes."""
        merged = self.defaults()
        for key, value in (values or {}).items():
            if key not in merged:
                raise KeyError(f"{self.operation} has no field {key!r}")
            merged[key] = value
        flat: list[Any] = []
        for f in self.fields:
            value = merged[f.name]
            if f.count > 1:
                if len(value) != f.count:
                    raise ValueError(f"{self.operation}.{f.name} needs {f.count} values")
                flat.extend(value)
            else:
                flat.append(value)
        return struct.pack(self.struct_format, *flat)

    def decode(self, blob: bytes) -> dict[str, Any]:
        """Unpack struct bytes into ``{field: value}``; refuses a blob of the wrong size."""
        if len(blob) != self.size:
            raise SidecarError(
                f"{self.operation} v{self.modversion} params are {len(blob)} bytes, expected "
                f"{self.size}")
        flat = list(struct.unpack(self.struct_format, blob))
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.count > 1:
                out[f.name], flat = flat[:f.count], flat[f.count:]
            else:
                out[f.name] = flat.pop(0)
        return out


def _layout(operation: str, modversion: int, *fields: Field) -> ModuleLayout:
    return ModuleLayout(operation, modversion, tuple(fields))


# Neutral values are chosen so an item that sets nothing else changes nothing, where the module
# allows it (darktable's own $DEFAULTs are a "nice look", e.g. vignette -0.5 brightness).
EXPOSURE = _layout(
    "exposure", 6,
    Field("mode", "i", 0),  # EXPOSURE_MODE_MANUAL
    Field("black", "f", 0.0),
    Field("exposure", "f", 0.0),  # EV
    Field("deflicker_percentile", "f", 50.0),
    Field("deflicker_target_level", "f", -4.0),
    Field("compensate_exposure_bias", "i", 0),
)

_CB_FIELDS = (
    "shadows_Y", "shadows_C", "shadows_H", "midtones_Y", "midtones_C", "midtones_H",
    "highlights_Y", "highlights_C", "highlights_H", "global_Y", "global_C", "global_H",
)
COLORBALANCERGB = _layout(
    "colorbalancergb", 5,
    *(Field(name, "f", 0.0) for name in _CB_FIELDS),
    Field("shadows_weight", "f", 1.0),
    Field("white_fulcrum", "f", 0.0),
    Field("highlights_weight", "f", 1.0),
    Field("chroma_shadows", "f", 0.0),
    Field("chroma_highlights", "f", 0.0),
    Field("chroma_global", "f", 0.0),
    Field("chroma_midtones", "f", 0.0),
    Field("saturation_global", "f", 0.0),
    Field("saturation_highlights", "f", 0.0),
    Field("saturation_midtones", "f", 0.0),
    Field("saturation_shadows", "f", 0.0),
    Field("hue_angle", "f", 0.0),
    Field("brilliance_global", "f", 0.0),
    Field("brilliance_highlights", "f", 0.0),
    Field("brilliance_midtones", "f", 0.0),
    Field("brilliance_shadows", "f", 0.0),
    Field("mask_grey_fulcrum", "f", 0.1845),
    Field("vibrance", "f", 0.0),
    Field("grey_fulcrum", "f", 0.1845),
    Field("contrast", "f", 0.0),
    Field("saturation_formula", "i", 1),  # DT_COLORBALANCE_SATURATION_DTUCS (4.2's default)
)

# channelmixerrgb ("color calibration") used as a plain 3x3 matrix in the working RGB space:
# adaptation DT_ADAPTATION_RGB (= "none (bypass)") applies no chromatic adaptation, so a diagonal
# matrix is a per-channel gain in linear light whatever the file (raw or JPEG) and whatever white
# balance the raw pipeline already applied.
ADAPTATION_RGB_BYPASS = 4
ILLUMINANT_PIPE = 0
CHANNELMIXERRGB = _layout(
    "channelmixerrgb", 3,
    Field("red", "f", (1.0, 0.0, 0.0, 0.0), 4),
    Field("green", "f", (0.0, 1.0, 0.0, 0.0), 4),
    Field("blue", "f", (0.0, 0.0, 1.0, 0.0), 4),
    Field("saturation", "f", (0.0, 0.0, 0.0, 0.0), 4),
    Field("lightness", "f", (0.0, 0.0, 0.0, 0.0), 4),
    Field("grey", "f", (0.0, 0.0, 0.0, 0.0), 4),
    Field("normalize_R", "i", 0),
    Field("normalize_G", "i", 0),
    Field("normalize_B", "i", 0),
    Field("normalize_sat", "i", 0),
    Field("normalize_light", "i", 0),
    Field("normalize_grey", "i", 0),
    Field("illuminant", "i", ILLUMINANT_PIPE),
    Field("illum_fluo", "i", 2),
    Field("illum_led", "i", 4),
    Field("adaptation", "i", ADAPTATION_RGB_BYPASS),
    Field("x", "f", 0.333),
    Field("y", "f", 0.333),
    Field("temperature", "f", 5003.0),
    Field("gamut", "f", 0.0),  # no gamut compression: a pure matrix
    Field("clip", "i", 0),
    Field("version", "i", 2),  # CHANNELMIXERRGB_V_3
)

# rgbcurve: up to 20 nodes per channel; channel 0 is the linked RGB / luminance curve.
RGBCURVE_MAXNODES = 20
CURVE_CUBIC_SPLINE, CURVE_CATMULL_ROM, CURVE_MONOTONE_HERMITE = 0, 1, 2
RGB_NORM_NONE, RGB_NORM_LUMINANCE = 0, 1
_IDENTITY_NODES = (0.0, 0.0, 1.0, 1.0) + (0.0,) * (2 * RGBCURVE_MAXNODES - 4)
RGBCURVE = _layout(
    "rgbcurve", 1,
    Field("curve_nodes", "f", _IDENTITY_NODES * 3, 3 * RGBCURVE_MAXNODES * 2),
    Field("curve_num_nodes", "i", (2, 2, 2), 3),
    Field("curve_type", "i", (CURVE_MONOTONE_HERMITE,) * 3, 3),
    Field("curve_autoscale", "i", 0),  # DT_S_SCALE_AUTOMATIC_RGB: one curve for R, G and B
    Field("compensate_middle_grey", "i", 0),
    Field("preserve_colors", "i", RGB_NORM_LUMINANCE),
)

BILAT = _layout(
    "bilat", 3,
    Field("mode", "i", 1),  # s_mode_local_laplacian
    Field("sigma_r", "f", 1.0),  # highlights compression: 1.0 = none
    Field("sigma_s", "f", 1.0),  # shadows compression: 1.0 = none
    Field("detail", "f", 0.0),  # 0 = 100 % in the GUI = unchanged
    Field("midtone", "f", 0.5),
)

SHARPEN = _layout(
    "sharpen", 1,
    Field("radius", "f", 2.0),
    Field("amount", "f", 0.0),
    Field("threshold", "f", 0.5),
)

BLURS_GAUSSIAN = 2
BLURS = _layout(
    "blurs", 1,
    Field("type", "i", BLURS_GAUSSIAN),
    Field("radius", "i", 4),
    Field("blades", "i", 5),
    Field("concavity", "f", 1.0),
    Field("linearity", "f", 1.0),
    Field("rotation", "f", 0.0),
    Field("angle", "f", 0.0),
    Field("curvature", "f", 0.0),
    Field("offset", "f", 0.0),
)

VIGNETTE = _layout(
    "vignette", 4,
    Field("scale", "f", 80.0),
    Field("falloff_scale", "f", 50.0),
    Field("brightness", "f", 0.0),
    Field("saturation", "f", 0.0),
    Field("center", "f", (0.0, 0.0), 2),
    Field("autoratio", "i", 1),  # follow the image's aspect ratio
    Field("whratio", "f", 1.0),
    Field("shape", "f", 1.0),
    Field("dithering", "i", 0),
    Field("unbound", "i", 1),
)

GRAIN = _layout(
    "grain", 2,
    Field("channel", "i", 2),  # DT_GRAIN_CHANNEL_LIGHTNESS
    Field("scale", "f", 1600.0 / 213.2),  # GUI "coarseness" 1600 ISO
    Field("strength", "f", 0.0),
    Field("midtones_bias", "f", 100.0),
)

LAYOUTS: dict[str, ModuleLayout] = {
    layout.operation: layout
    for layout in (EXPOSURE, COLORBALANCERGB, CHANNELMIXERRGB, RGBCURVE, BILAT, SHARPEN, BLURS,
                   VIGNETTE, GRAIN)
}


# --- params text in the sidecar ---------------------------------------------------------------
#: darktable writes structs longer than this as gz+base64 ("compress xmp tags: only large entries").
COMPRESS_ABOVE = 100
MAX_PARAMS_BYTES = 1 << 20  # no darktable struct comes near this; refuses zip bombs


def encode_params(blob: bytes, *, compress: bool | None = None) -> str:
    """``blob`` as darktable writes it: lowercase hex, or ``gzNN`` + base64(zlib(blob))."""
    if compress is None:
        compress = len(blob) > COMPRESS_ABOVE
    if not compress:
        return blob.hex()
    packed = zlib.compress(blob, 9)
    factor = min(len(blob) // len(packed) + 1, 99)
    return f"gz{factor:02d}" + base64.b64encode(packed).decode("ascii")


def decode_params(text: str) -> bytes:
    """Inverse of :func:`encode_params`; a clear :class:`SidecarError` for anything else."""
    text = (text or "").strip()
    try:
        if text.startswith("gz"):
            packed = base64.b64decode(text[4:], validate=True)
            inflater = zlib.decompressobj()
            blob = inflater.decompress(packed, MAX_PARAMS_BYTES)
            if inflater.unconsumed_tail:
                raise SidecarError("darktable params inflate to more than 1 MiB")
            return blob
        return bytes.fromhex(text)
    except SidecarError:
        raise
    except (ValueError, zlib.error) as exc:
        raise SidecarError(f"darktable params are neither hex nor gz+base64: {exc}") from None


#: The blend parameters darktable 4.2.1 writes for a module without a mask (blendop version 11,
#: normal blend, 100 % opacity), copied from a history darktable-cli exported itself.
BLENDOP_VERSION = 11
DEFAULT_BLENDOP_PARAMS = "gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="


def curve_nodes(points: Sequence[tuple[float, float]]) -> tuple[list[float], int]:
    """Nodes for one rgbcurve channel: (flat list of 40 floats, node count)."""
    if not 2 <= len(points) <= RGBCURVE_MAXNODES:
        raise ValueError(f"an rgbcurve channel holds 2..{RGBCURVE_MAXNODES} nodes")
    flat = [float(v) for point in points for v in point]
    return flat + [0.0] * (2 * RGBCURVE_MAXNODES - len(flat)), len(points)
