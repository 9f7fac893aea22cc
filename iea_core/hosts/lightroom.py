"""Lightroom Classic / Camera Raw develop settings (the ``crs`` XMP namespace).

A :class:`~iea_core.program.Program` becomes a dict of crs keys, the same dict the Lightroom plugin
passes to ``photo:applyDevelopSettings`` and the one written into a sidecar or a preset. Every one
of the 16 tools is always written (zero included), so applying a program also resets what an
earlier program set. The reverse mapping reads settings from a sidecar, a preset, a JPEG's embedded
XMP or a plugin's dict, and returns everything it did not turn into a tool value, so nothing the
photographer set elsewhere is lost. Scales and the reasons for them: ``docs/hosts.md``.

Each scale is chosen so the forward mapping is injective on integers (a step of one tool unit moves
the crs value by at least one of its own units, or crs stores a decimal), which makes
Program -> crs -> Program exact for every value of every tool.
"""
from __future__ import annotations

import math
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Mapping

from lxml import etree

from ..errors import SidecarError
from ..program import Program
from ..tools import MAX_VALUE, MIN_VALUE, TOOL_NAMES
from . import xmp

PROCESS_VERSION = "11.0"  # Lightroom Classic 7+ / Camera Raw 10+ ("2012" sliders, Texture)
CRS_VERSION = "15.0"

#: File extensions whose settings Lightroom keeps in a ``NAME.xmp`` sidecar.
RAW_EXTENSIONS = frozenset({
    ".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".erf", ".iiq", ".k25", ".kdc", ".mef",
    ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw", ".rw2", ".rwl", ".sr2",
    ".srf", ".srw", ".x3f",
})
#: DNG is raw data (absolute Kelvin white balance) but keeps its settings inside the file.
RAW_DATA_EXTENSIONS = RAW_EXTENSIONS | {".dng"}

# --- scales -----------------------------------------------------------------------------------
EV_PER_UNIT = 0.02  # exposure +100 = +2 EV, as in iea's tool table
DEFAULT_KELVIN = 5500.0  # base for raw white balance when the photo has no Temperature yet
MIRED_PER_UNIT = 0.5  # temperature +100 = 50 mired warmer (5500 K -> about 7600 K)
RAW_SHARPNESS_DEFAULT = 40  # Lightroom's default Sharpness for raw files
RENDERED_SHARPNESS_DEFAULT = 0

#: crs keys that map one-to-one (same sign, same -100..100 scale) onto a tool.
DIRECT_KEYS = {
    "contrast": "Contrast2012",
    "natural_contrast": "Clarity2012",
    "highlights": "Highlights2012",
    "shadows": "Shadows2012",
    "whites": "Whites2012",
    "blacks": "Blacks2012",
    "saturation": "Saturation",
    "vibrance": "Vibrance",
    "vignette": "PostCropVignetteAmount",  # negative darkens in both
}

#: Keys whose values iea writes as signed ("+10") like Adobe does.
_SIGNED_KEYS = set(DIRECT_KEYS.values()) | {
    "IncrementalTemperature", "IncrementalTint", "Tint", "Texture", "ParametricDarks",
    "ParametricLights", "Dehaze", "ParametricShadows", "ParametricHighlights"}
_CURVE_KEYS = ("ToneCurvePV2012", "ToneCurvePV2012Red", "ToneCurvePV2012Green",
               "ToneCurvePV2012Blue")
_ALT_KEYS = ("Name", "ShortName", "SortName", "Group", "Description")
_LINEAR_CURVE = [(0, 0), (255, 255)]


def is_raw_path(path: str | os.PathLike[str]) -> bool:
    """True for raw files, whose white balance Lightroom stores in Kelvin."""
    return Path(path).suffix.lower() in RAW_DATA_EXTENSIONS


def sidecar_path(image_path: str | os.PathLike[str]) -> Path:
    """Lightroom's sidecar name: the extension replaced by ``.xmp`` (``IMG_0001.xmp``)."""
    return Path(image_path).with_suffix(".xmp")


#: Rendered photo files that can sit beside a raw under the same name (IMG_0001.CR2 + .JPG).
_RENDERED_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic")


def _same_name_photos(image: Path) -> list[Path]:
    """Other photo files in ``image``'s folder with its name and another extension: they all
    map to the same Lightroom sidecar. (One stat per known extension and case, not a folder
    listing: a batch asks this for every photo of a shoot.)"""
    found = []
    for ext in sorted(RAW_DATA_EXTENSIONS) + list(_RENDERED_EXTENSIONS):
        for suffix in {ext, ext.upper()}:
            other = image.with_suffix(suffix)
            if other.name != image.name and other.is_file():
                found.append(other)
    return found


def _raws_sharing(image: Path) -> tuple[list[Path], list[Path]]:
    """The other photos that share ``image``'s Lightroom sidecar, and the raws among all of
    them (``image`` included)."""
    others = _same_name_photos(image)
    raws = [p for p in [image, *others] if p.suffix.lower() in RAW_DATA_EXTENSIONS]
    return others, raws


def sidecar_owner(image_path: str | os.PathLike[str]) -> Path | None:
    """The raw whose Lightroom sidecar ``image_path`` would share (the one raw among the photos
    of that name in the folder; it may be ``image_path`` itself), or None when the photo has the
    sidecar to itself or no single raw owns it."""
    others, raws = _raws_sharing(Path(image_path))
    return raws[0] if others and len(raws) == 1 else None


def check_sidecar_owner(image_path: str | os.PathLike[str]) -> None:
    """Refuse to write ``IMG_0001.xmp`` for a photo that shares that name with another photo in
    its folder, unless the photo is the one raw among them (the sidecar is the raw's in
    Lightroom: a RAW+JPEG pair's JPEG keeps its settings inside the file). Writing it for each
    photo of the pair would apply an edit or a style once per file to the same settings."""
    image = Path(image_path)
    others, raws = _raws_sharing(image)
    if not others or raws == [image]:
        return
    sidecar = sidecar_path(image)
    names = ", ".join(p.name for p in others)
    if len(raws) == 1:
        advice = (f"it holds {raws[0].name}'s settings: edit {raws[0].name}, or write into "
                  f"{image.name} itself with 'iea xmp write --embed'")
    else:
        advice = "rename one of them, or write into each file with 'iea xmp write --embed'"
    raise SidecarError(f"{image} shares its Lightroom sidecar {sidecar.name} with {names} "
                       f"(Lightroom names a sidecar after the photo without its extension); "
                       f"{advice}")


# --- Program -> crs ---------------------------------------------------------------------------
def _fade_curve(fade: int) -> list[tuple[int, int]]:
    """Fade as a point curve: + raises the black point by ``fade``/255, - moves the input black
    point right by ``-fade``/255 (denser shadows). One curve unit per tool unit keeps it exact."""
    if fade > 0:
        return [(0, fade), (255, 255)]
    if fade < 0:
        return [(-fade, 0), (255, 255)]
    return list(_LINEAR_CURVE)


def _kelvin(temperature: int, base: float) -> int:
    mired = 1e6 / base - MIRED_PER_UNIT * temperature
    return int(round(1e6 / mired))


def program_to_crs_report(program: Program | Mapping[str, int], *, raw: bool = False,
                          base_temperature: float | None = None,
                          base_tint: float | None = None) -> tuple[dict[str, Any], list[str]]:
    """Like :func:`program_to_crs`, plus notes on what Lightroom cannot express exactly."""
    program = program if isinstance(program, Program) else Program(program)
    notes: list[str] = []
    crs: dict[str, Any] = {"ProcessVersion": PROCESS_VERSION}
    crs["Exposure2012"] = round(program["exposure"] * EV_PER_UNIT, 2)
    for tool, key in DIRECT_KEYS.items():
        crs[key] = program[tool]
    crs["ParametricDarks"] = program["brightness"]
    crs["ParametricLights"] = program["brightness"]
    temperature, tint = program["temperature"], program["tint"]
    if raw:
        if temperature or tint or base_temperature is not None:
            base = float(base_temperature or DEFAULT_KELVIN)
            crs["Temperature"] = _kelvin(temperature, base)
            # iea tint + is green; Lightroom's Tint + is magenta.
            crs["Tint"] = int(max(-150, min(150, round((base_tint or 0) - tint))))
    else:
        crs["IncrementalTemperature"] = temperature
        crs["IncrementalTint"] = -tint
    sharp_default = RAW_SHARPNESS_DEFAULT if raw else RENDERED_SHARPNESS_DEFAULT
    sharpness = program["sharpness"]
    if sharpness >= 0:
        crs["Sharpness"] = sharp_default + int(
            math.floor(sharpness * (150 - sharp_default) / 100 + 0.5))
        crs["Texture"] = 0
    else:
        # Lightroom's Sharpness cannot go below 0; negative Texture smooths fine detail instead.
        crs["Sharpness"] = sharp_default
        crs["Texture"] = sharpness
        notes.append(f"sharpness {sharpness}: Lightroom cannot blur with Sharpness; written as "
                     f"Texture {sharpness}")
    grain = program["grain"]
    crs["GrainAmount"] = max(grain, 0)
    if grain < 0:
        notes.append(f"grain {grain}: Lightroom cannot remove grain; GrainAmount set to 0")
    if grain > 0:
        crs["GrainSize"] = 25
        crs["GrainFrequency"] = 50
    if program["vignette"]:
        crs.update(PostCropVignetteStyle=1, PostCropVignetteMidpoint=50,
                   PostCropVignetteFeather=50, PostCropVignetteRoundness=0)
    # applyDevelopSettings takes a curve as a flat list x1, y1, x2, y2, ...
    crs["ToneCurvePV2012"] = [c for point in _fade_curve(program["fade"]) for c in point]
    crs["HasSettings"] = True
    return crs, notes


def program_to_crs(program: Program | Mapping[str, int], *, raw: bool = False,
                   base_temperature: float | None = None,
                   base_tint: float | None = None) -> dict[str, Any]:
    """Program -> crs develop settings (``{"Exposure2012": 0.5, "Contrast2012": 10, ...}``).

    ``raw`` selects absolute white balance (``Temperature`` in Kelvin, ``Tint``) relative to
    ``base_temperature``/``base_tint`` (the photo's current values; 5500 K / 0 when unknown)
    instead of ``IncrementalTemperature``/``IncrementalTint``, which Lightroom uses for JPEG/TIFF.
    """
    return program_to_crs_report(program, raw=raw, base_temperature=base_temperature,
                                 base_tint=base_tint)[0]


# --- crs -> Program ---------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    """A finite number from a crs value, or None ("bright", "NaN", "inf", 1e999 are not one:
    a hostile or damaged sidecar is reported and kept as is, never turned into an edit)."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None


def _curve_points(value: Any) -> list[tuple[int, int]] | None:
    """Curve points from the XMP form (["0, 0", ...]), pairs, or Lightroom's flat list."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return None
    if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        if len(value) % 2:
            return None
        value = list(zip(value[0::2], value[1::2]))
    points = []
    for item in value:
        if isinstance(item, str):
            parts = item.split(",")
        elif isinstance(item, (list, tuple)):
            parts = list(item)
        else:
            return None
        if len(parts) != 2:
            return None
        x, y = _number(parts[0]), _number(parts[1])
        if x is None or y is None:
            return None
        points.append((int(round(x)), int(round(y))))
    return points


def _fade_from_curve(points: list[tuple[int, int]]) -> int | None:
    if points == _LINEAR_CURVE:
        return 0
    if len(points) == 2 and points[1] == (255, 255):
        (x0, y0) = points[0]
        if x0 == 0 and 0 < y0 <= MAX_VALUE:
            return y0
        if y0 == 0 and 0 < x0 <= -MIN_VALUE:
            return -x0
    return None


def crs_to_program_report(settings: Mapping[str, Any], *, raw: bool | None = None,
                          base_temperature: float | None = None,
                          base_tint: float | None = None
                          ) -> tuple[Program, dict[str, Any], list[str]]:
    """crs settings -> (Program, settings not used for a tool, notes on lossy conversions)."""
    remaining = {str(k).removeprefix("crs:"): v for k, v in settings.items()}
    values: dict[str, float] = {}
    notes: list[str] = []

    def take(key: str) -> float | None:
        if key not in remaining:
            return None
        number = _number(remaining[key])
        if number is None:
            notes.append(f"{key}={remaining[key]!r} is not a number; kept as is")
            return None
        del remaining[key]
        return number

    if (ev := take("Exposure2012")) is not None:
        values["exposure"] = ev / EV_PER_UNIT
    for tool, key in DIRECT_KEYS.items():
        if (number := take(key)) is not None:
            values[tool] = number
    darks, lights = remaining.get("ParametricDarks"), remaining.get("ParametricLights")
    if darks is not None or lights is not None:
        d, li = _number(darks) or 0.0, _number(lights) or 0.0
        values["brightness"] = (d + li) / 2
        if d != li:
            notes.append(f"ParametricDarks {d:g} and ParametricLights {li:g} differ; brightness "
                         "is their mean")
        remaining.pop("ParametricDarks", None)
        remaining.pop("ParametricLights", None)
    if raw is None:
        raw = ("Temperature" in remaining and "IncrementalTemperature" not in remaining) or (
            "Tint" in remaining and not {"IncrementalTint", "IncrementalTemperature"} & set(remaining))
    if raw:
        kelvin = _number(remaining.get("Temperature"))
        if kelvin and kelvin > 0:
            base = float(base_temperature or DEFAULT_KELVIN)
            values["temperature"] = (1e6 / base - 1e6 / kelvin) / MIRED_PER_UNIT
            remaining.pop("Temperature")
            if base_temperature is None:
                notes.append(f"Temperature {kelvin:g} K read relative to {DEFAULT_KELVIN:g} K "
                             "(the photo's as-shot value is unknown here)")
        tint = _number(remaining.get("Tint"))
        if tint is not None:
            values["tint"] = (base_tint or 0) - tint
            remaining.pop("Tint")
    else:
        if (t := take("IncrementalTemperature")) is not None:
            values["temperature"] = t
        if (t := take("IncrementalTint")) is not None:
            values["tint"] = -t
    sharp_default = RAW_SHARPNESS_DEFAULT if raw else RENDERED_SHARPNESS_DEFAULT
    sharp = _number(remaining.get("Sharpness"))
    texture = _number(remaining.get("Texture"))
    if sharp is not None:
        remaining.pop("Sharpness")
        if sharp >= sharp_default:
            values["sharpness"] = (sharp - sharp_default) * 100 / (150 - sharp_default)
        else:
            values["sharpness"] = (sharp - sharp_default) * 100 / sharp_default
    if texture is not None and (texture == 0 or (texture < 0 and values.get("sharpness", 0) <= 0)):
        remaining.pop("Texture")
        values["sharpness"] = values.get("sharpness", 0) + texture
    if (grain := take("GrainAmount")) is not None:
        values["grain"] = grain
    curve = remaining.get("ToneCurvePV2012")
    if curve is not None:
        points = _curve_points(curve)
        fade = _fade_from_curve(points) if points is not None else None
        if fade is None:
            notes.append("ToneCurvePV2012 is a custom curve, not an iea fade; kept as is")
        else:
            values["fade"] = fade
            remaining.pop("ToneCurvePV2012")
            if remaining.get("ToneCurveName2012") in ("Linear", "Custom"):
                remaining.pop("ToneCurveName2012")
    ints: dict[str, int] = {}
    for tool, value in values.items():
        rounded = int(math.copysign(math.floor(abs(value) + 0.5), value))
        clamped = max(MIN_VALUE, min(MAX_VALUE, rounded))
        if abs(value - clamped) > 0.5:
            notes.append(f"{tool}: {value:.4g} is outside {MIN_VALUE}..{MAX_VALUE}; "
                         f"clamped to {clamped}")
        ints[tool] = clamped
    # Bookkeeping iea writes itself is not a setting worth reporting back.
    for key in ("ProcessVersion", "HasSettings"):
        remaining.pop(key, None)
    ordered = {name: ints[name] for name in TOOL_NAMES if name in ints}
    return Program(ordered), remaining, notes


def crs_to_program(settings: Mapping[str, Any], *, raw: bool | None = None
                   ) -> tuple[Program, dict[str, Any]]:
    """crs settings -> (Program, every key not turned into a tool value, never dropped)."""
    program, remaining, _ = crs_to_program_report(settings, raw=raw)
    return program, remaining


# --- XMP <-> dict -----------------------------------------------------------------------------
def _format_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if key == "Exposure2012":
        return f"{float(value):+.2f}" if value else "0.00"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and key in _SIGNED_KEYS:
        return f"{value:+d}" if value else "0"
    return str(value)


def _parse_value(text: str) -> Any:
    text = text.strip()
    if text in ("True", "False"):
        return text == "True"
    try:
        if any(c in text for c in ".eE"):
            number = float(text)
            return number if math.isfinite(number) else text   # "1e999" stays text, not inf
        return int(text)
    except ValueError:
        return text


def _settings_from_root(root: etree._Element) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    prefix = f"{{{xmp.NS_CRS}}}"
    for desc in xmp.descriptions(root):
        for name, value in desc.attrib.items():
            if name.startswith(prefix):
                settings[name[len(prefix):]] = _parse_value(value)
        for child in desc:
            if not isinstance(child.tag, str) or not child.tag.startswith(prefix):
                continue
            key = child.tag[len(prefix):]
            seq = child.find(xmp.q("rdf", "Seq"))
            if seq is not None:
                settings[key] = [(item.text or "").strip() for item in seq]
            elif child.find(xmp.q("rdf", "Alt")) is not None:
                settings[key] = xmp.read_alt_text(child)
            else:
                settings[key] = _parse_value(child.text or "")
    for key in _CURVE_KEYS:
        if key in settings:
            points = _curve_points(settings[key])
            if points is not None:
                settings[key] = points
    return settings


def read_settings(path: str | os.PathLike[str]) -> dict[str, Any]:
    """crs settings from a sidecar, a preset, or a JPEG/TIFF/DNG with embedded XMP.

    Values come back typed (int, float, bool, str; tone curves as ``[(x, y), ...]``).
    """
    path = Path(path)
    data = path.read_bytes()
    if path.suffix.lower() != ".xmp":
        packet = xmp.extract_packet(data, str(path))
        if packet is None:
            return {}
        data = packet
    return _settings_from_root(xmp.parse_bytes(data, str(path)))


def _crs_description(root: etree._Element) -> etree._Element:
    descs = xmp.descriptions(root)
    if not descs:
        raise SidecarError("the XMP has no rdf:Description to hold develop settings")
    for desc in descs:
        if any(k.startswith(f"{{{xmp.NS_CRS}}}") for k in desc.attrib) or \
                desc.nsmap.get("crs") == xmp.NS_CRS:
            return xmp.ensure_namespace(desc, "crs", xmp.NS_CRS)
    return xmp.ensure_namespace(descs[0], "crs", xmp.NS_CRS)


def xmp_form(crs: Mapping[str, Any]) -> dict[str, Any]:
    """Develop settings as an XMP file states them: curves as points with their name, and a
    custom white balance named as such (Lightroom derives both itself when settings are applied
    through the SDK)."""
    out = dict(crs)
    for key in _CURVE_KEYS:
        if key in out:
            points = _curve_points(out[key])
            if points is None:
                raise SidecarError(f"{key} is not a list of curve points")
            out[key] = points
    if "ToneCurvePV2012" in out:
        out["ToneCurveName2012"] = "Linear" if out["ToneCurvePV2012"] == _LINEAR_CURVE \
            else "Custom"
    if "Temperature" in out:
        out["WhiteBalance"] = "Custom"
    return out


def _drop_property(desc: etree._Element, tag: str) -> None:
    """Remove a property from an ``rdf:Description``, in attribute and element form alike."""
    desc.attrib.pop(tag, None)
    for old in desc.findall(tag):
        desc.remove(old)


def apply_settings(desc: etree._Element, crs: Mapping[str, Any]) -> None:
    """Write ``crs`` into an ``rdf:Description``, replacing earlier values of the same keys."""
    for key, value in xmp_form(crs).items():
        tag = xmp.q("crs", key)
        _drop_property(desc, tag)
        if key in _CURVE_KEYS:
            element = etree.SubElement(desc, tag)
            seq = etree.SubElement(element, xmp.q("rdf", "Seq"))
            for x, y in value:
                etree.SubElement(seq, xmp.q("rdf", "li")).text = f"{int(x)}, {int(y)}"
        elif key in _ALT_KEYS:
            xmp.alt_text(desc, tag, str(value))
        else:
            desc.set(tag, _format_value(key, value))


def apply_settings_to_root(root: etree._Element, crs: Mapping[str, Any]) -> etree._Element:
    """Write ``crs`` into the packet's crs ``rdf:Description`` and drop the same keys from any
    other one (XMP allows a namespace's properties to be split over several descriptions; a
    stale copy left in another would be read back instead, by iea and by exiftool). Returns the
    root, which :func:`xmp.ensure_namespace` may have replaced."""
    desc = _crs_description(root)
    root = desc.getroottree().getroot()
    apply_settings(desc, crs)
    tags = {xmp.q("crs", key) for key in xmp_form(crs)}
    for other in xmp.descriptions(root):
        if other is desc:
            continue
        for tag in tags:
            _drop_property(other, tag)
    return root


def write_sidecar(image_path: str | os.PathLike[str], program: Program | Mapping[str, int], *,
                  raw: bool | None = None) -> Path:
    """Write or merge ``program`` into the photo's Lightroom sidecar; returns the sidecar path.

    The sidecar is ``IMG_0001.xmp`` beside ``IMG_0001.CR2``. An existing sidecar is parsed first
    (a hostile or malformed one is refused and left byte-identical), everything in it outside the
    keys iea writes is kept, the old file is kept as ``IMG_0001.xmp.bak``, and the new one replaces
    it atomically under a lock. For a raw file the white balance is written relative to the
    sidecar's current ``Temperature``/``Tint`` when it has them.

    Lightroom reads JPEG/TIFF settings from the file itself, not from a sidecar: for those the
    plugin applies :func:`program_to_crs` directly, and this sidecar serves ``Read Metadata``
    workflows through exiftool (``exiftool -tagsfromfile photo.xmp -xmp-crs:all photo.jpg``).
    """
    image_path = Path(image_path)
    raw = is_raw_path(image_path) if raw is None else raw
    check_sidecar_owner(image_path)
    target = sidecar_path(image_path)
    with xmp.locked_update(target):
        if target.exists():
            root = xmp.read_xmp_file(target)
            current = _settings_from_root(root)
        else:
            root, _ = xmp.new_document({"crs": xmp.NS_CRS})
            current = {}
        base_t = _number(current.get("Temperature")) if raw else None
        crs = program_to_crs(program, raw=raw, base_temperature=base_t,
                             base_tint=_number(current.get("Tint")) if base_t else None)
        root = apply_settings_to_root(root, crs)
        xmp.write_atomic(target, xmp.serialize(root))
    return target


PRESET_KINDS = ("raw", "rendered", "both")


def preset_settings(program: Program | Mapping[str, int], kind: str = "both"
                    ) -> tuple[dict[str, Any], list[str]]:
    """The crs settings a preset carries for ``program``: only the keys of the tools it uses
    (a preset applies each key it holds, so a written 0 would reset the photographer's slider),
    plus notes on what is absolute.

    ``kind`` is the file kind the preset is meant for. White balance: ``rendered`` writes
    IncrementalTemperature/Tint (relative; Camera Raw ignores them on raws), ``raw`` writes
    Temperature/Tint, which a preset can only set absolutely (Kelvin computed from a 5500 K
    daylight reference), ``both`` writes all four (Camera Raw uses the pair that fits the file).
    Sharpening adds to Lightroom's default (40 for raws); a preset never writes ``Sharpness=0``.
    """
    if kind not in PRESET_KINDS:
        raise SidecarError(f"preset kind {kind!r}: choose raw, rendered or both")
    program = program if isinstance(program, Program) else Program(program)
    full, notes = program_to_crs_report(program, raw=kind == "raw")
    used = set(program.values)
    out: dict[str, Any] = {"ProcessVersion": PROCESS_VERSION}
    if "exposure" in used:
        out["Exposure2012"] = full["Exposure2012"]
    for tool, key in DIRECT_KEYS.items():
        if tool in used:
            out[key] = full[key]
    if "brightness" in used:
        out["ParametricDarks"] = out["ParametricLights"] = program["brightness"]
    if used & {"temperature", "tint"}:
        if kind in ("rendered", "both"):
            out["IncrementalTemperature"] = program["temperature"]
            out["IncrementalTint"] = -program["tint"]
        if kind in ("raw", "both"):
            out["Temperature"] = _kelvin(program["temperature"], DEFAULT_KELVIN)
            out["Tint"] = int(max(-150, min(150, -program["tint"])))
            notes.append(f"white balance on raws: Temperature {out['Temperature']} K and Tint "
                         f"{out['Tint']:+d} are absolute (a Lightroom preset cannot shift a raw's "
                         f"As Shot white balance); iea's edit and refine commands are relative")
    if "sharpness" in used:
        value = program["sharpness"]
        if value > 0:
            base = RAW_SHARPNESS_DEFAULT if kind in ("raw", "both") else RENDERED_SHARPNESS_DEFAULT
            out["Sharpness"] = base + int(math.floor(value * (150 - base) / 100 + 0.5))
        else:
            out["Texture"] = value
    if "grain" in used and program["grain"] > 0:
        out.update(GrainAmount=program["grain"], GrainSize=25, GrainFrequency=50)
    if "vignette" in used:
        out.update(PostCropVignetteStyle=1, PostCropVignetteMidpoint=50,
                   PostCropVignetteFeather=50, PostCropVignetteRoundness=0)
    if "fade" in used:
        out["ToneCurvePV2012"] = full["ToneCurvePV2012"]
    out["HasSettings"] = True
    return out, notes


def write_preset(program: Program | Mapping[str, int], name: str,
                 dest_dir: str | os.PathLike[str], group: str = "iea", *,
                 description: str = "", kind: str = "both") -> Path:
    """A Lightroom Classic / Camera Raw preset (``.xmp``) that File > Import Develop Profiles and
    Presets accepts, for files of ``kind`` (see :func:`preset_settings`): only the settings of
    the tools the program uses."""
    if not name or not name.strip():
        raise SidecarError("a preset needs a name")
    program = program if isinstance(program, Program) else Program(program)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    root, desc = xmp.new_document({"crs": xmp.NS_CRS})
    header: dict[str, Any] = {
        "PresetType": "Normal", "Cluster": "", "UUID": uuid.uuid4().hex.upper(),
        "SupportsAmount": False, "SupportsColor": True, "SupportsMonochrome": True,
        "SupportsHighDynamicRange": True, "SupportsNormalDynamicRange": True,
        "SupportsSceneReferred": True, "SupportsOutputReferred": True,
        "CameraModelRestriction": "", "Copyright": "", "ContactInfo": "", "Version": CRS_VERSION,
    }
    apply_settings(desc, header)
    apply_settings(desc, preset_settings(program, kind)[0])
    labels = {"Name": name.strip(), "Group": group,
              "Description": description or program.reasoning}
    apply_settings(desc, {key: text for key, text in labels.items() if text})
    target = preset_path(name, dest)
    xmp.write_atomic(target, xmp.serialize(root))
    return target


def preset_path(name: str, folder: str | os.PathLike[str]) -> Path:
    """Where :func:`write_preset` puts the preset ``name`` in ``folder``."""
    return Path(folder) / (_safe_filename(name) + ".xmp")


def _safe_filename(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in " -_." else "_" for c in name.strip())
    return cleaned.strip(" .")[:120] or "preset"


#: Rendered formats Lightroom reads develop settings from (inside the file, not a sidecar).
EMBEDDABLE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".tif", ".tiff", ".dng"})


def embed_in_file(image_path: str | os.PathLike[str], program: Program | Mapping[str, int]
                  ) -> Path:
    """Write ``program`` as the complete develop settings (every tool, zeros included) into a
    JPEG/TIFF/DNG's own XMP, where Lightroom reads it ("Read Metadata from File"). Uses exiftool
    to rewrite the metadata; the photo is replaced atomically and the original kept as
    ``NAME.bak``. Returns the photo's path. :func:`iea_core.state.apply_to_file` adds a change
    to the settings the file holds instead."""
    raw = is_raw_path(image_path)

    def complete(current: Mapping[str, Any]) -> dict[str, Any]:
        base_t = _number(current.get("Temperature")) if raw else None
        return program_to_crs(program, raw=raw, base_temperature=base_t,
                              base_tint=_number(current.get("Tint")) if base_t else None)

    return embed_settings(image_path, complete)


def embed_settings(image_path: str | os.PathLike[str],
                   settings_for: Callable[[dict[str, Any]], Mapping[str, Any]]) -> Path:
    """Write crs settings into a JPEG/TIFF/DNG's own XMP with exiftool: ``settings_for`` gets
    the settings the file holds now (read under the file's lock, so no other writer slips in
    between) and returns the keys to write; every other key in the file stays. The photo is
    replaced atomically and the original kept as ``NAME.bak``. Returns the photo's path."""
    import shutil
    import subprocess
    import tempfile

    image_path = Path(image_path)
    if image_path.suffix.lower() not in EMBEDDABLE_EXTENSIONS:
        raise SidecarError(f"Lightroom keeps settings inside JPEG, TIFF and DNG files only, not "
                           f"{image_path.suffix or 'extension-less'} files; use write_sidecar")
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        from ..errors import HostToolMissing

        raise HostToolMissing("exiftool is not installed (Debian/Ubuntu: apt-get install "
                              "libimage-exiftool-perl); it is needed to write settings into "
                              "a JPEG/TIFF")
    with xmp.locked_update(image_path), tempfile.TemporaryDirectory(prefix="iea-xmp-") as tmp:
        crs = settings_for(read_settings(image_path))
        if not crs:
            return image_path
        root, desc = xmp.new_document({"crs": xmp.NS_CRS})
        apply_settings(desc, crs)
        packet = Path(tmp) / "settings.xmp"
        packet.write_bytes(xmp.serialize(root))
        out = Path(tmp) / ("out" + image_path.suffix)
        proc = subprocess.run(
            [exiftool, "-q", "-m", "-o", str(out), "-tagsfromfile", str(packet), "-xmp-crs:all",
             str(image_path)], capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not out.exists():
            raise SidecarError(f"exiftool could not write settings into {image_path}: "
                               f"{(proc.stderr or proc.stdout).strip()[:300]}")
        xmp.write_atomic(image_path, out.read_bytes())
    return image_path
