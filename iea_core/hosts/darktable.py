"""darktable 4.2: programs as history stacks in XMP sidecars and ``.dtstyle`` files, and renders
with the real ``darktable-cli``.

What iea writes, and why:

* each tool becomes a separate *instance* of a real module (``exposure``, ``rgbcurve``, ...) named
  ``iea <tool>`` with ``multi_priority`` >= 1, so the photographer's own module settings are never
  overwritten and every iea change is visible (and can be switched off) in darktable's module list;
* items are appended to the existing history and ``history_end`` is moved to the end; items the
  user had undone (beyond ``history_end``) are dropped, exactly what darktable does on a new edit;
* a tool that is 0 now but had an iea instance before gets a disabled item, so re-applying a
  program replaces the previous one instead of stacking on it;
* ``iop_order_version`` is always written: ``0`` plus an explicit ``iop_order_list`` derived from
  the file's base order (3 = v3.0 JPEG for JPEG/TIFF/PNG, 2 = v3.0 raw for raw files), because
  darktable only runs a second instance that the list names (see :mod:`.darktable_order`);
* ``auto_presets_applied``: set to 1 for rendered files (JPEG/TIFF/PNG), where darktable's
  defaults would only add no-op modules, so the sidecar renders exactly what it says; left unset on
  a *new* raw sidecar so darktable still applies its usual raw defaults (filmic/sigmoid, exposure
  compensation, colour calibration) underneath iea's instances; an existing value is kept.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from lxml import etree

from ..errors import HostFormatError, HostToolMissing, SidecarError, naming_file
from ..fileio import atomic_write_bytes
from ..program import Program
from ..tools import TOOL_NAMES
from . import darktable_mapping as M
from . import darktable_order as O
from . import darktable_params as P
from . import xmp
from .lightroom import RAW_DATA_EXTENSIONS

XMP_VERSION = 5  # what darktable 4.2 writes; newer versions are refused
IEA_PREFIX = "iea"


@dataclass(frozen=True)
class HistoryItem:
    """One ``rdf:li`` of ``darktable:history`` (or one ``<plugin>`` of a style)."""

    operation: str
    modversion: int
    params: bytes
    enabled: bool = True
    multi_name: str = ""
    multi_priority: int = 0
    blendop_version: int = P.BLENDOP_VERSION
    blendop_params: str = P.DEFAULT_BLENDOP_PARAMS
    extra: Mapping[str, str] = field(default_factory=dict)  # attributes iea does not interpret

    @property
    def params_text(self) -> str:
        return P.encode_params(self.params)

    @property
    def instance(self) -> tuple[str, int]:
        return self.operation, self.multi_priority

    @property
    def is_iea(self) -> bool:
        return self.multi_name == IEA_PREFIX or self.multi_name.startswith(IEA_PREFIX + " ")

    def decoded(self) -> dict[str, Any]:
        """The params as ``{field: value}`` (only for modules iea declares)."""
        layout = P.LAYOUTS.get(self.operation)
        if layout is None or layout.modversion != self.modversion:
            raise SidecarError(f"iea cannot decode {self.operation} v{self.modversion} params")
        return layout.decode(self.params)


def _item(operation: str, name: str, values: Mapping[str, Any], enabled: bool = True
          ) -> HistoryItem:
    layout = P.LAYOUTS[operation]
    return HistoryItem(operation, layout.modversion, layout.encode(values), enabled,
                       f"{IEA_PREFIX} {name}")


# --- Program -> history -----------------------------------------------------------------------
def program_to_history_report(program: Program | Mapping[str, int], *,
                              long_side: int | None = None
                              ) -> tuple[list[HistoryItem], list[str]]:
    """History items for the non-zero tools, plus notes on what darktable cannot express.

    ``long_side`` (pixels) sizes the clarity blur like the editor's (1/40 of the long side);
    unknown, a 6000 px frame is assumed.
    """
    program = program if isinstance(program, Program) else Program(program)
    cal = M.calibration()
    s = cal.scales
    items: list[HistoryItem] = []
    notes: list[str] = []
    f32 = M.as_f32
    if program["temperature"] or program["tint"]:
        items.append(_item("channelmixerrgb", "white balance", _matrix_params(
            M.wb_matrix(program["temperature"], program["tint"], cal))))
    if program["exposure"]:
        items.append(_item("exposure", "exposure",
                           {"exposure": f32(program["exposure"] * s["exposure_ev"])}))
    if program["saturation"]:
        items.append(_item("channelmixerrgb", "saturation", _matrix_params(
            M.saturation_matrix(program["saturation"], cal))))
    if program["sharpness"]:
        v = program["sharpness"]
        amount = v / 100 * s["sharpen_amount"] if v > 0 else v / 100 * s["soften_amount"]
        items.append(_item("sharpen", "sharpness", {
            "amount": f32(amount), "radius": f32(s["sharpen_radius"]),
            "threshold": 0.0}))
    if program["vibrance"]:
        vib = program["vibrance"]
        items.append(_item("colorbalancergb", "vibrance", {
            "vibrance": f32(vib / 100 * M.signed_scale("vibrance", vib, cal))}))
    for tool in M.TONE_TOOLS:
        if program[tool]:
            nodes, count = P.curve_nodes(M.curve_points(tool, program[tool], cal))
            items.append(_item("rgbcurve", tool, {
                "curve_nodes": nodes + list(P.RGBCURVE.defaults()["curve_nodes"][40:]),
                "curve_num_nodes": [count, 2, 2],
                "preserve_colors": int(s[f"preserve_{tool}"])}))
    if program["natural_contrast"]:
        v = program["natural_contrast"]
        items.append(_item("bilat", "natural contrast", {
            "mode": 0,  # bilateral grid: a blur of a known size, like the editor's clarity
            "sigma_r": f32(s["clarity_sigma_r"]),
            "sigma_s": f32(M.clarity_sigma_s(long_side, cal)),
            "detail": f32(v / 100 * M.signed_scale("natural_contrast", v, cal))}))
    if program["grain"] > 0:
        items.append(_item("grain", "grain", {
            "strength": f32(program["grain"] * s["grain_strength"]),
            "scale": f32(s["grain_scale"])}))
    elif program["grain"] < 0:
        notes.append(f"grain {program['grain']}: darktable's grain module cannot remove grain; "
                     "nothing written")
    if program["vignette"]:
        v = program["vignette"]
        items.append(_item("vignette", "vignette", {
            "brightness": f32(v / 100 * M.signed_scale("vignette_brightness", v, cal)),
            "scale": f32(s["vignette_scale"]), "falloff_scale": f32(s["vignette_falloff"])}))
    return items, notes


def _matrix_params(matrix: Any) -> dict[str, list[float]]:
    """A 3x3 matrix as channelmixerrgb's red/green/blue rows (4 floats each, the last unused)."""
    return {name: [float(v) for v in matrix[i]] + [0.0]
            for i, name in enumerate(("red", "green", "blue"))}


def _params_matrix(params: Mapping[str, Any]) -> Any:
    import numpy as np

    return np.array([params[name][:3] for name in ("red", "green", "blue")])


def program_to_history(program: Program | Mapping[str, int], *,
                       long_side: int | None = None) -> list[HistoryItem]:
    """darktable history items (real modules, 4.2 encodings) for ``program``'s non-zero tools."""
    return program_to_history_report(program, long_side=long_side)[0]


def image_long_side(image_path: str | os.PathLike[str]) -> int | None:
    """The photo's long side in pixels from its header (None when it cannot be read cheaply)."""
    try:
        if is_raw_path(image_path):
            import rawpy

            with rawpy.imread(str(image_path)) as raw:
                return int(max(raw.sizes.width, raw.sizes.height))
        from PIL import Image

        with Image.open(image_path) as image:
            return int(max(image.size))
    except Exception:  # noqa: BLE001 - any unreadable file just means "size unknown"
        return None


def _tool_key(item: HistoryItem) -> str:
    return item.multi_name[len(IEA_PREFIX):].strip()


def history_to_program_report(items: Iterable[HistoryItem]) -> tuple[Program, list[str]]:
    """Decode iea's own items (the last state of each ``iea ...`` instance) into a Program."""
    cal = M.calibration()
    s = cal.scales
    latest: dict[tuple[str, int], HistoryItem] = {}
    for item in items:
        if item.is_iea:
            latest[item.instance] = item
    values: dict[str, int] = {}
    notes: list[str] = []
    inv = M.invert_linear
    for item in latest.values():
        if not item.enabled:
            continue
        try:
            p = item.decoded()
        except SidecarError as exc:
            notes.append(str(exc))
            continue
        op, key = item.operation, _tool_key(item)
        if op == "exposure":
            values["exposure"] = inv(p["exposure"], s["exposure_ev"])
        elif op == "channelmixerrgb" and key == "saturation":
            values["saturation"], err = M.decode_saturation(_params_matrix(p), cal)
            if err > 1e-5:
                notes.append(f"saturation matrix was edited; nearest is {values['saturation']}")
        elif op == "channelmixerrgb":
            t, ti, err = M.decode_wb(_params_matrix(p), cal)
            values["temperature"], values["tint"] = t, ti
            if err > 1e-3:
                notes.append(f"white balance matrix was edited; nearest is temperature {t}, "
                             f"tint {ti}")
        elif op == "sharpen":
            amount = p["amount"]
            per = s["sharpen_amount"] if amount > 0 else s["soften_amount"]
            values["sharpness"] = inv(amount, per / 100)
        elif op == "colorbalancergb":
            values["vibrance"] = inv(p["vibrance"],
                                     M.signed_scale("vibrance", p["vibrance"], cal) / 100)
        elif op == "rgbcurve" and key in M.TONE_TOOLS:
            count = p["curve_num_nodes"][0]
            flat = p["curve_nodes"][:2 * count]
            nodes = list(zip(flat[0::2], flat[1::2]))
            value, err = M.decode_curve(key, nodes, cal)
            values[key] = value
            if err > 1e-6:
                notes.append(f"{key} curve was edited in darktable; nearest value {value}")
        elif op == "bilat":
            values["natural_contrast"] = inv(
                p["detail"], M.signed_scale("natural_contrast", p["detail"], cal) / 100)
        elif op == "grain":
            values["grain"] = inv(p["strength"], s["grain_strength"])
        elif op == "vignette":
            values["vignette"] = inv(
                p["brightness"], M.signed_scale("vignette_brightness", p["brightness"], cal) / 100)
        else:
            notes.append(f"unrecognised iea item {op} {item.multi_name!r}")
    ordered = {name: values[name] for name in TOOL_NAMES if values.get(name)}
    return Program(ordered, clamp=True), notes


def history_to_program(items: Iterable[HistoryItem]) -> Program:
    return history_to_program_report(items)[0]


# --- sidecar state ------------------------------------------------------------------------------
def sidecar_path(image_path: str | os.PathLike[str]) -> Path:
    """darktable's sidecar name: the full file name plus ``.xmp`` (``IMG_0001.CR2.xmp``)."""
    image_path = Path(image_path)
    return image_path.with_name(image_path.name + ".xmp")


def is_raw_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in RAW_DATA_EXTENSIONS


_DT = f"{{{xmp.NS_DARKTABLE}}}"
_ITEM_FIELDS = ("operation", "enabled", "modversion", "params", "multi_name", "multi_priority",
                "blendop_version", "blendop_params")


def _int_attr(value: str | None, name: str, default: int | None = None) -> int:
    if value is None:
        if default is None:
            raise SidecarError(f"darktable sidecar lacks {name}")
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise SidecarError(f"darktable:{name}={value!r} is not a number") from None


def _li_fields(li: etree._Element) -> dict[str, str]:
    out = {k[len(_DT):]: v for k, v in li.attrib.items() if k.startswith(_DT)}
    for child in li:  # some writers use child elements instead of attributes
        if isinstance(child.tag, str) and child.tag.startswith(_DT):
            out[child.tag[len(_DT):]] = (child.text or "").strip()
    return out


def _item_from_fields(fields: Mapping[str, str]) -> HistoryItem:
    if "operation" not in fields or "params" not in fields:
        raise SidecarError("a darktable history item lacks operation or params")
    extra = {k: v for k, v in fields.items() if k not in _ITEM_FIELDS}
    return HistoryItem(
        operation=fields["operation"],
        modversion=_int_attr(fields.get("modversion"), "modversion"),
        params=P.decode_params(fields["params"]),
        enabled=fields.get("enabled", "1").strip() not in ("0", "false", "False"),
        multi_name=fields.get("multi_name", ""),
        multi_priority=_int_attr(fields.get("multi_priority"), "multi_priority", 0),
        blendop_version=_int_attr(fields.get("blendop_version"), "blendop_version",
                                  P.BLENDOP_VERSION),
        blendop_params=fields.get("blendop_params", P.DEFAULT_BLENDOP_PARAMS),
        extra=extra)


@dataclass
class SidecarState:
    """What iea needs from a darktable sidecar (the XML tree is kept for a faithful rewrite)."""

    root: etree._Element
    desc: etree._Element
    items: list[HistoryItem]
    elements: list[etree._Element]  # the rdf:li of each item, untouched
    history_end: int
    order_version: int | None
    order_list: list[O.Entry] | None

    @property
    def active(self) -> list[HistoryItem]:
        return self.items[:self.history_end]


def _history_seq(desc: etree._Element) -> etree._Element | None:
    history = desc.find(f"{_DT}history")
    if history is None:
        return None
    seq = history.find(xmp.q("rdf", "Seq"))
    if seq is None:
        raise SidecarError("darktable:history is not an rdf:Seq")
    return seq


def parse_sidecar(root: etree._Element, source: str = "sidecar") -> SidecarState:
    """Validate a parsed darktable sidecar and read its history (refuses unknown versions)."""
    descs = xmp.descriptions(root)
    if not descs:
        raise SidecarError(f"{source} has no rdf:Description")
    desc = next((d for d in descs if any(k.startswith(_DT) for k in d.attrib)
                 or d.find(f"{_DT}history") is not None), descs[0])
    version = desc.get(f"{_DT}xmp_version")
    if version is not None and _int_attr(version, "xmp_version") > XMP_VERSION:
        raise SidecarError(f"{source} was written by a newer darktable (xmp_version {version}; "
                           f"iea writes darktable 4.2 sidecars, version {XMP_VERSION})")
    seq = _history_seq(desc)
    elements = list(seq) if seq is not None else []
    items = []
    for index, li in enumerate(elements):
        if li.tag != xmp.q("rdf", "li"):
            raise SidecarError(f"{source}: darktable:history holds a {li.tag} element")
        try:
            items.append(_item_from_fields(_li_fields(li)))
        except SidecarError as exc:
            raise SidecarError(f"{source}: history item {index}: {exc}") from None
    end = _int_attr(desc.get(f"{_DT}history_end"), "history_end", len(items))
    if not 0 <= end <= len(items):
        raise SidecarError(f"{source}: history_end {end} is outside 0..{len(items)}")
    order_text = desc.get(f"{_DT}iop_order_version")
    order_version = _int_attr(order_text, "iop_order_version") if order_text else None
    if order_version is not None and order_version not in O.KNOWN_ORDERS:
        raise SidecarError(f"{source}: iop_order_version {order_version} is unknown to "
                           "darktable 4.2 (a newer darktable wrote it)")
    list_text = desc.get(f"{_DT}iop_order_list")
    order_list = O.parse_order_list(list_text) if list_text else None
    if order_version == O.ORDER_CUSTOM and order_list is None:
        raise SidecarError(f"{source}: custom iop order without darktable:iop_order_list")
    return SidecarState(root, desc, items, elements, end, order_version, order_list)


def read_history(path: str | os.PathLike[str]) -> SidecarState:
    """Parse a darktable sidecar (``IMG_0001.CR2.xmp``) safely."""
    return parse_sidecar(xmp.read_xmp_file(path), str(path))


def read_sidecar_report(path: str | os.PathLike[str]) -> tuple[Program, dict[str, Any]]:
    """(Program from iea's items, report: foreign modules kept, notes)."""
    state = read_history(path)
    program, notes = history_to_program_report(state.active)
    foreign = sorted({f"{i.operation}" + (f" ({i.multi_name})" if i.multi_name else "")
                      for i in state.active if not i.is_iea})
    return program, {"foreign_modules": foreign, "notes": notes,
                     "history_items": len(state.items), "history_end": state.history_end}


def read_sidecar(path: str | os.PathLike[str]) -> Program:
    """The Program iea wrote into a darktable sidecar (user modules are ignored, not lost)."""
    return read_sidecar_report(path)[0]


# --- merging --------------------------------------------------------------------------------------
def instance_name(tool: str) -> str:
    """The ``multi_name`` of the iea instance that holds ``tool`` (temperature and tint share
    one white-balance instance)."""
    if tool in ("temperature", "tint"):
        return f"{IEA_PREFIX} white balance"
    return f"{IEA_PREFIX} {tool.replace('_', ' ')}"


def merge_history(existing: Sequence[HistoryItem], new_items: Sequence[HistoryItem], *,
                  retire_unused: bool = True, disable: Iterable[str] = ()
                  ) -> list[HistoryItem]:
    """The items to append to ``existing`` (already cut at history_end) for ``new_items``.

    iea instances get a ``multi_priority`` of their own: the one they had before if this sidecar
    already holds that ``iea ...`` instance, else one past every instance of the module. A previous
    iea instance that the new program does not use is appended disabled when ``retire_unused``
    (a program that replaces the last one); otherwise only the instances named in ``disable``
    (``multi_name`` values: an edit that brought their tool back to 0) are switched off.
    """
    disable = set(disable)
    by_name: dict[tuple[str, str], int] = {}
    used: dict[str, set[int]] = {}
    last_state: dict[tuple[str, int], HistoryItem] = {}
    for item in existing:
        used.setdefault(item.operation, set()).add(item.multi_priority)
        last_state[item.instance] = item
        if item.is_iea:
            by_name[(item.operation, item.multi_name)] = item.multi_priority
    appended: list[HistoryItem] = []
    taken: set[tuple[str, int]] = set()
    for item in new_items:
        key = (item.operation, item.multi_name)
        if key in by_name:
            priority = by_name[key]
        else:
            priority = max(used.get(item.operation, {0}) | {0}) + 1
            used.setdefault(item.operation, set()).add(priority)
        taken.add((item.operation, priority))
        appended.append(replace(item, multi_priority=priority))
    for (op, name), priority in by_name.items():
        previous = last_state.get((op, priority))
        if not retire_unused and name not in disable:
            continue
        if (op, priority) not in taken and previous is not None and previous.enabled:
            appended.append(replace(previous, enabled=False, extra={}))
    return appended


def _li_element(item: HistoryItem, num: int) -> etree._Element:
    li = etree.Element(xmp.q("rdf", "li"))
    li.set(f"{_DT}num", str(num))
    li.set(f"{_DT}operation", item.operation)
    li.set(f"{_DT}enabled", "1" if item.enabled else "0")
    li.set(f"{_DT}modversion", str(item.modversion))
    li.set(f"{_DT}params", item.params_text)
    li.set(f"{_DT}multi_name", item.multi_name)
    li.set(f"{_DT}multi_priority", str(item.multi_priority))
    li.set(f"{_DT}blendop_version", str(item.blendop_version))
    li.set(f"{_DT}blendop_params", item.blendop_params)
    return li


def _order_for(state_version: int | None, state_list: list[O.Entry] | None, raw: bool,
               items: Sequence[HistoryItem]) -> tuple[int, list[O.Entry] | None]:
    """(iop_order_version, iop_order_list or None) for the merged history."""
    base_version = state_version if state_version is not None else (
        O.ORDER_V30 if raw else O.ORDER_V30_JPG)
    extra = sorted({i.instance for i in items if i.multi_priority > 0})
    if not extra and base_version != O.ORDER_CUSTOM:
        return base_version, None
    entries = state_list if state_list is not None else O.base_order(base_version)
    return O.ORDER_CUSTOM, O.with_instances(entries, extra, after={
        i.instance: anchor for i in items if (anchor := RUNS_AFTER.get(i.multi_name))})


#: iea instances that must run later than their module's usual place, to keep the editor's
#: order: fade works on the finished image, after the vignette.
RUNS_AFTER = {f"{IEA_PREFIX} fade": "vignette"}


def _new_sidecar(raw: bool) -> etree._Element:
    root, desc = xmp.new_document({"xmp": xmp.NS_XMP, "darktable": xmp.NS_DARKTABLE})
    desc.set(f"{_DT}xmp_version", str(XMP_VERSION))
    desc.set(f"{_DT}raw_params", "0")
    if not raw:
        desc.set(f"{_DT}auto_presets_applied", "1")
    history = etree.SubElement(desc, f"{_DT}history")
    etree.SubElement(history, xmp.q("rdf", "Seq"))
    return root


def merged_sidecar_bytes(existing: bytes | None, program: Program | Mapping[str, int], *,
                         raw: bool, source: str = "sidecar",
                         long_side: int | None = None, only_tools: bool = False,
                         disabled: Iterable[str] = ()) -> bytes:
    """The sidecar bytes after adding ``program`` to ``existing`` (None: a fresh sidecar).

    ``only_tools``: write the instances of ``program``'s tools and of ``disabled`` (tools to
    switch off) and leave every other iea instance as it is (an edit that composes with the
    current state, see :mod:`iea_core.state`); otherwise ``program`` replaces iea's last one."""
    root = xmp.parse_bytes(existing, source) if existing is not None else _new_sidecar(raw)
    state = parse_sidecar(root, source)
    desc = xmp.ensure_namespace(state.desc, "darktable", xmp.NS_DARKTABLE)
    seq = _history_seq(desc)
    if seq is None:
        history = etree.SubElement(desc, f"{_DT}history")
        seq = etree.SubElement(history, xmp.q("rdf", "Seq"))
    # Drop what the user had undone, as darktable itself does when a new edit is made.
    for li in state.elements[state.history_end:]:
        seq.remove(li)
    kept = state.items[:state.history_end]
    appended = merge_history(kept, program_to_history(program, long_side=long_side),
                             retire_unused=not only_tools,
                             disable={instance_name(t) for t in disabled})
    for offset, item in enumerate(appended):
        seq.append(_li_element(item, len(kept) + offset))
    final = kept + appended
    desc.set(f"{_DT}history_end", str(len(final)))
    if desc.get(f"{_DT}xmp_version") is None:
        desc.set(f"{_DT}xmp_version", str(XMP_VERSION))
    version, order_list = _order_for(state.order_version, state.order_list, raw, final)
    desc.set(f"{_DT}iop_order_version", str(version))
    if order_list is not None:
        desc.set(f"{_DT}iop_order_list", O.format_order_list(order_list))
    return xmp.serialize(desc.getroottree().getroot())


def write_sidecar(image_path: str | os.PathLike[str], program: Program | Mapping[str, int], *,
                  raw: bool | None = None, sidecar: str | os.PathLike[str] | None = None) -> Path:
    """Append ``program`` to the photo's darktable sidecar; returns the sidecar path.

    The existing sidecar is validated before anything is written (a hostile, malformed or
    newer-version file raises and stays byte-identical); its history is kept, the previous file
    is saved as ``.xmp.bak``, and the write is atomic under a lock, so concurrent writers
    serialise instead of interleaving.
    """
    raw = is_raw_path(image_path) if raw is None else raw
    target = Path(sidecar) if sidecar is not None else sidecar_path(image_path)
    with xmp.locked_update(target):
        existing = None
        if target.exists():
            size = target.stat().st_size
            if size > xmp.MAX_XMP_BYTES:
                raise SidecarError(f"{target} is {size} bytes; not a darktable sidecar")
            existing = target.read_bytes()
        data = merged_sidecar_bytes(existing, program, raw=raw, source=str(target),
                                    long_side=image_long_side(image_path))
        xmp.write_atomic(target, data)
    return target


# --- styles ---------------------------------------------------------------------------------------
def style_order(items: Sequence[HistoryItem]) -> list[HistoryItem]:
    """Items in the order darktable 4.2 must apply them so instances end up in the pipe order of
    a sidecar: applying a style inserts each new instance of a module directly after the
    module's first instance, so the instances of one module go in reverse (measured with
    darktable-cli: forward order swapped white balance and saturation)."""
    firsts: dict[str, int] = {}
    for index, item in enumerate(items):
        firsts.setdefault(item.operation, index)
    grouped: dict[str, list[HistoryItem]] = {}
    for item in items:
        grouped.setdefault(item.operation, []).append(item)
    out: list[HistoryItem] = []
    for op in sorted(grouped, key=firsts.__getitem__):
        out.extend(reversed(grouped[op]))
    return out


def dtstyle_bytes(program: Program | Mapping[str, int], name: str, description: str = "", *,
                  disabled: Iterable[str] = ()) -> bytes:
    """A ``.dtstyle`` document (darktable > styles > import) holding iea's instances.

    ``disabled``: tools whose iea instance the style switches off (an edit that brought the
    tool back to 0); applied to an image, darktable replaces the instance of the same name."""
    if not name or not name.strip():
        raise HostFormatError("a darktable style needs a name")
    new_items = program_to_history(program)
    have = {i.multi_name for i in new_items}
    for tool in disabled:
        if instance_name(tool) not in have:
            # any valid params: the item only switches the instance off
            off = program_to_history(Program({tool: 1}))
            new_items.extend(replace(i, enabled=False) for i in off
                             if i.multi_name == instance_name(tool))
            have.add(instance_name(tool))
    items = style_order(merge_history([], new_items))
    style = etree.Element("darktable_style", version="1.0")
    info = etree.SubElement(style, "info")
    etree.SubElement(info, "name").text = name.strip()
    etree.SubElement(info, "description").text = description
    body = etree.SubElement(style, "style")
    for num, item in enumerate(items):
        plugin = etree.SubElement(body, "plugin")
        for tag, value in (("num", num), ("module", item.modversion),
                           ("operation", item.operation), ("op_params", item.params_text),
                           ("enabled", int(item.enabled)), ("blendop_params", item.blendop_params),
                           ("blendop_version", item.blendop_version),
                           ("multi_priority", item.multi_priority),
                           ("multi_name", item.multi_name)):
            etree.SubElement(plugin, tag).text = str(value)
    etree.indent(style, space="  ")
    return etree.tostring(style, encoding="UTF-8", xml_declaration=True) + b"\n"


def dtstyle_path(name: str, folder: str | os.PathLike[str]) -> Path:
    """Where :func:`write_dtstyle` puts the style ``name`` in ``folder``."""
    safe = "".join(c if c.isalnum() or c in " -_." else "_" for c in name.strip()) or "style"
    return Path(folder) / f"{safe}.dtstyle"


def write_dtstyle(program: Program | Mapping[str, int], name: str,
                  path: str | os.PathLike[str], description: str = "") -> Path:
    """Write a ``.dtstyle`` file; a directory ``path`` gets ``<name>.dtstyle`` inside it."""
    path = Path(path)
    if path.is_dir():
        path = dtstyle_path(name, path)
    program = program if isinstance(program, Program) else Program(program)
    atomic_write_bytes(path, dtstyle_bytes(program, name, description or program.reasoning),
                       backup=True)
    return path


def read_dtstyle(path: str | os.PathLike[str]) -> tuple[str, Program]:
    """(style name, Program) from a ``.dtstyle`` iea wrote."""
    data = Path(path).read_bytes()
    xmp.check_safe(data, str(path))
    try:
        root = etree.fromstring(data, parser=xmp._parser())
    except etree.XMLSyntaxError as exc:
        raise SidecarError(f"{path} is not well-formed XML: {exc}") from None
    if root.tag != "darktable_style":
        raise SidecarError(f"{path} is not a darktable style")
    name = root.findtext("info/name") or ""
    items = []
    for plugin in root.iterfind("style/plugin"):
        fields = {child.tag: (child.text or "") for child in plugin}
        fields["params"] = fields.pop("op_params", "")
        fields["modversion"] = fields.pop("module", "")
        try:
            items.append(_item_from_fields(fields))
        except HostFormatError as exc:
            raise naming_file(exc, path) from None
    return name, history_to_program(items)


# --- rendering with darktable-cli -----------------------------------------------------------------
def darktable_cli() -> str:
    path = shutil.which("darktable-cli")
    if not path:
        raise HostToolMissing(
            "darktable-cli is not installed; install darktable 4.2 or later (Debian/Ubuntu: "
            "apt-get install darktable) to render with darktable")
    return path


class Renderer:
    """darktable-cli with one private, temporary config directory (reused across renders: the
    first run initialises it; sharing one between processes fails, so each Renderer owns its own)."""

    def __init__(self, *, timeout: float = 300.0) -> None:
        self.cli = darktable_cli()
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="iea-darktable-")
        self.configdir = Path(self._tmp.name) / "config"
        self.configdir.mkdir()
        self._lock = threading.Lock()
        self._count = 0

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._tmp.cleanup()

    def render_sidecar(self, image_path: str | os.PathLike[str], sidecar: str | os.PathLike[str],
                       out_path: str | os.PathLike[str], *, width: int | None = None,
                       height: int | None = None, extra_args: Sequence[str] = (),
                       core_args: Sequence[str] = ()) -> Path:
        """Render ``image_path`` with the history in ``sidecar`` to ``out_path`` (replaced).

        ``extra_args`` go to darktable-cli (e.g. ``--style NAME``), ``core_args`` after ``--core``
        to darktable itself (e.g. ``--luacmd ...``).
        """
        out_path = Path(out_path)
        suffix = out_path.suffix.lower() or ".jpg"
        if suffix not in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
            raise HostFormatError(f"darktable-cli output must be .jpg, .png or .tif, not {suffix}")
        with self._lock:
            self._count += 1
            scratch = Path(self._tmp.name) / f"out{self._count}"
            scratch.mkdir()
            # darktable-cli never overwrites: it would write OUT_01.jpg. Render into an empty
            # folder, then move the result over the requested path.
            tmp_out = scratch / f"render{suffix}"
            cmd = [self.cli, str(image_path), str(sidecar), str(tmp_out)]
            if width:
                cmd += ["--width", str(int(width))]
            if height:
                cmd += ["--height", str(int(height))]
            cmd += list(extra_args)
            cmd += ["--hq", "true", "--core", "--configdir", str(self.configdir),
                    "--library", ":memory:", *core_args]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise HostFormatError(f"darktable-cli took more than {self.timeout:g} s on "
                                      f"{image_path}") from None
            produced = sorted(scratch.iterdir())
            if proc.returncode != 0 or not produced:
                tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
                raise HostFormatError(f"darktable-cli failed on {image_path} (exit "
                                      f"{proc.returncode}): {' '.join(tail)}")
            atomic_write_bytes(out_path, produced[0].read_bytes())
            shutil.rmtree(scratch, ignore_errors=True)
        return out_path

    def render(self, image_path: str | os.PathLike[str], program: Program | Mapping[str, int],
               out_path: str | os.PathLike[str], *, width: int | None = None,
               height: int | None = None) -> Path:
        """Render ``program`` alone on ``image_path`` (the photo's own sidecar is not read)."""
        image_path = Path(image_path)
        if not image_path.is_file():
            raise FileNotFoundError(2, "No such file", str(image_path))
        sidecar = Path(self._tmp.name) / f"edit-{uuid.uuid4().hex}.xmp"
        sidecar.write_bytes(merged_sidecar_bytes(None, program, raw=is_raw_path(image_path),
                                                 long_side=image_long_side(image_path)))
        try:
            return self.render_sidecar(image_path, sidecar, out_path, width=width, height=height)
        finally:
            sidecar.unlink(missing_ok=True)


def render(image_path: str | os.PathLike[str], program: Program | Mapping[str, int],
           out_path: str | os.PathLike[str], *, width: int | None = None,
           height: int | None = None) -> Path:
    """Render ``program`` on ``image_path`` with the real darktable-cli into ``out_path``.

    Uses a private temporary config directory and an in-memory library, so nothing of the user's
    darktable setup is read or changed; ``out_path`` is replaced if it exists.
    """
    with Renderer() as renderer:
        return renderer.render(image_path, program, out_path, width=width, height=height)
