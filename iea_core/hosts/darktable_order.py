"""darktable's pipeline orders (``iop_order``), and the ``iop_order_list`` text it stores.

darktable 4.2 knows four orders: 0 custom (an explicit ``op,instance,...`` list in the sidecar),
1 legacy (display-referred, pre-3.0), 2 "v3.0 raw" and 3 "v3.0 JPEG". The v3.0 JPEG order is the
raw order with the input colour profile moved before the modules that expect linear RGB, so that
exposure multiplies linear light on a JPEG too (measured: +1 EV = x2.00 with order 3, x4.3 with
order 2 on the same JPEG).

iea adds its modules as *separate instances* (``multi_priority`` >= 1, named ``iea ...``) so it
never overwrites the photographer's own module settings. An instance beyond the first only runs if
the sidecar lists it in ``iop_order_list`` (measured: without the list darktable-cli 4.2.1 silently
skips it), so a sidecar with iea instances carries ``iop_order_version="0"`` and a list derived from
the image's base order (3 for JPEG/TIFF/PNG, 2 for raw), with each instance right after the
module's first instance.
"""
from __future__ import annotations

from ..errors import SidecarError

ORDER_CUSTOM, ORDER_LEGACY, ORDER_V30, ORDER_V30_JPG = 0, 1, 2, 3
KNOWN_ORDERS = (ORDER_CUSTOM, ORDER_LEGACY, ORDER_V30, ORDER_V30_JPG)

# Module names in pipeline order, as darktable 4.2 declares them (src/common/iop_order.c); sigmoid
# (new in 4.2) sits after filmicrgb.
_V30_TAIL = (
    "channelmixerrgb diffuse censorize negadoctor blurs nlmeans colorchecker defringe atrous "
    "lowpass highpass sharpen colortransfer colormapping channelmixer basicadj colorbalance "
    "colorbalancergb rgbcurve rgblevels basecurve filmic filmicrgb sigmoid lut3d colisa tonecurve "
    "levels shadhi zonesystem globaltonemap relight bilat colorcorrection colorcontrast velvia "
    "vibrance colorzones bloom colorize lowlight monochrome grain soften splittoning vignette "
    "colorreconstruct colorout clahe finalscale overexposed rawoverexposed dither borders "
    "watermark gamma"
).split()
_RAW_HEAD = "rawprepare invert temperature highlights cacorrect hotpixels rawdenoise demosaic".split()
_LINEAR_BLOCK = (
    "denoiseprofile bilateral rotatepixels scalepixels lens cacorrectrgb hazeremoval ashift flip "
    "clipping liquify spots retouch exposure mask_manager tonemap toneequal crop graduatednd "
    "profile_gamma equalizer"
).split()

V30_ORDER: tuple[str, ...] = tuple(_RAW_HEAD + _LINEAR_BLOCK + ["colorin"] + _V30_TAIL)
V30_JPG_ORDER: tuple[str, ...] = tuple(_RAW_HEAD + ["colorin"] + _LINEAR_BLOCK + _V30_TAIL)
LEGACY_ORDER: tuple[str, ...] = tuple((
    "rawprepare invert temperature highlights cacorrect hotpixels rawdenoise demosaic "
    "mask_manager denoiseprofile tonemap exposure spots retouch lens cacorrectrgb ashift liquify "
    "rotatepixels scalepixels flip clipping toneequal crop graduatednd basecurve bilateral "
    "profile_gamma hazeremoval colorin channelmixerrgb diffuse censorize negadoctor blurs basicadj "
    "colorreconstruct colorchecker defringe equalizer vibrance colorbalance colorbalancergb "
    "colorize colortransfer colormapping bloom nlmeans globaltonemap shadhi atrous bilat "
    "colorzones lowlight monochrome filmic filmicrgb sigmoid colisa zonesystem tonecurve levels "
    "rgblevels rgbcurve relight colorcorrection sharpen lowpass highpass grain lut3d "
    "colorcontrast colorout channelmixer soften vignette splittoning velvia clahe finalscale "
    "overexposed rawoverexposed dither borders watermark gamma"
).split())

Entry = tuple[str, int]


def base_order(version: int) -> list[Entry]:
    """The built-in order ``version`` as ``[(operation, instance), ...]``."""
    table = {ORDER_LEGACY: LEGACY_ORDER, ORDER_V30: V30_ORDER, ORDER_V30_JPG: V30_JPG_ORDER}
    if version not in table:
        raise SidecarError(f"darktable iop_order_version {version} is not a built-in order of "
                           "darktable 4.2 (1, 2 or 3)")
    return [(op, 0) for op in table[version]]


def parse_order_list(text: str) -> list[Entry]:
    """``"rawprepare,0,invert,0,..."`` -> ``[("rawprepare", 0), ("invert", 0), ...]``."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if len(parts) % 2:
        raise SidecarError("darktable:iop_order_list has an odd number of fields")
    out: list[Entry] = []
    for op, instance in zip(parts[0::2], parts[1::2]):
        if not op.replace("_", "").isalnum():
            raise SidecarError(f"darktable:iop_order_list names an invalid module {op!r}")
        try:
            out.append((op, int(instance)))
        except ValueError:
            raise SidecarError(f"darktable:iop_order_list: instance {instance!r} of {op} is not "
                               "a number") from None
    return out


def format_order_list(entries: list[Entry]) -> str:
    return ",".join(f"{op},{instance}" for op, instance in entries)


def with_instances(entries: list[Entry], instances: list[Entry],
                   after: dict[Entry, str] | None = None) -> list[Entry]:
    """``entries`` plus every (operation, instance) of ``instances`` not yet listed, each placed
    after the last listed instance of its module, or of the module ``after`` names for it (or
    before colorout for a module this table does not know)."""
    out = list(entries)
    after = after or {}
    for op, instance in instances:
        if (op, instance) in out:
            continue
        anchor = after.get((op, instance), op)
        positions = [i for i, (name, _) in enumerate(out) if name == anchor]
        if positions:
            out.insert(positions[-1] + 1, (op, instance))
        else:
            # A module this table does not know (newer darktable): before colorout keeps it in the
            # working space, where every iea module runs.
            index = next((i for i, (name, _) in enumerate(out) if name == "colorout"), len(out))
            out.insert(index, (op, instance))
    return out
