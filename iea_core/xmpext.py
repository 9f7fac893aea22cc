"""Extended XMP: an XMP packet too large for one JPEG segment, split and joined as the XMP
specification (part 3, "Storage in files", JPEG) says.

A JPEG APP1 segment holds at most 65,533 bytes, so a larger packet is stored as

* StandardXMP: a normal XMP APP1 segment (``http://ns.adobe.com/xap/1.0/\\0``) holding what fits,
  plus ``xmpNote:HasExtendedXMP`` = the GUID of the rest;
* ExtendedXMP: the rest, a full XMP serialization without packet wrapper, cut into APP1
  segments that each start with ``http://ns.adobe.com/xmp/extension/\\0``, the 32-character GUID
  (the MD5 digest of the whole ExtendedXMP, uppercase hexadecimal), its full length and the
  offset of this portion (both 32-bit big-endian).

:func:`split` moves the largest top-level properties into the ExtendedXMP until the StandardXMP
fits; :func:`segments` lays both out as APP1 payloads; :func:`join` reads them back into one
packet (the rdf:Descriptions of both, the HasExtendedXMP marker dropped), which is what iea
carries and what it writes into a PNG or TIFF, where one packet has no size limit.
"""
from __future__ import annotations

import copy
import hashlib
import re
import struct

STANDARD_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENSION_SIGNATURE = b"http://ns.adobe.com/xmp/extension/\x00"
NS_NOTE = "http://ns.adobe.com/xmp/note/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_X = "adobe:ns:meta/"
_MAX_PAYLOAD = 65533
#: bytes of ExtendedXMP per segment: the payload less signature, GUID, length and offset
PORTION = _MAX_PAYLOAD - len(EXTENSION_SIGNATURE) - 32 - 4 - 4
#: the most ExtendedXMP iea reassembles (the cap iea puts on any XMP it parses)
MAX_EXTENDED = 16 * 1024 * 1024
_WRAP_BEGIN = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_WRAP_END = b'\n<?xpacket end="w"?>'
_GUID = re.compile(rb"HasExtendedXMP\s*(?:=\s*[\"']|>\s*)([0-9A-Fa-f]{32})")


def _rdf(root):
    return root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f"{{{NS_RDF}}}RDF")


def _serialize(root, wrapped: bool) -> bytes:
    from lxml import etree

    body = etree.tostring(root, encoding="utf-8")
    return _WRAP_BEGIN + body + _WRAP_END if wrapped else body


def _drop_marker(rdf) -> None:
    """Remove any xmpNote:HasExtendedXMP (attribute or element) and emptied Descriptions."""
    name = f"{{{NS_NOTE}}}HasExtendedXMP"
    for desc in list(rdf):
        desc.attrib.pop(name, None)
        for child in desc.findall(name):
            desc.remove(child)
        if not len(desc) and all(k.startswith(f"{{{NS_RDF}}}") for k in desc.attrib):
            rdf.remove(desc)


def split(packet: bytes, limit: int = _MAX_PAYLOAD - len(STANDARD_SIGNATURE)
          ) -> tuple[bytes, bytes | None]:
    """(StandardXMP, ExtendedXMP or None) for ``packet``; the StandardXMP is at most ``limit``
    bytes. Raises ``ValueError`` when the packet cannot be parsed as XMP."""
    if len(packet) <= limit:
        return packet, None
    from lxml import etree

    from .errors import IeaError
    from .hosts.xmp import parse_bytes

    try:
        root = parse_bytes(packet, "the photo's XMP")
    except IeaError as exc:
        raise ValueError(str(exc)) from None
    standard = copy.deepcopy(root)
    rdf = _rdf(standard)
    if rdf is None:
        raise ValueError("the photo's XMP has no rdf:RDF")
    _drop_marker(rdf)
    about = next((d.get(f"{{{NS_RDF}}}about") for d in rdf), "") or ""
    extended = etree.Element(f"{{{NS_X}}}xmpmeta", nsmap={"x": NS_X})
    ext_rdf = etree.SubElement(extended, f"{{{NS_RDF}}}RDF", nsmap={"rdf": NS_RDF})
    holders: dict[int, object] = {}

    def holder(desc):
        """The ExtendedXMP Description matching ``desc`` (same rdf:about and namespaces)."""
        if id(desc) not in holders:
            made = etree.SubElement(ext_rdf, f"{{{NS_RDF}}}Description", nsmap=desc.nsmap)
            made.set(f"{{{NS_RDF}}}about", desc.get(f"{{{NS_RDF}}}about", about) or "")
            holders[id(desc)] = made
        return holders[id(desc)]

    # every top-level property with its size: attributes (simple values) and child elements
    props = []
    for desc in rdf.findall(f"{{{NS_RDF}}}Description"):
        for name, value in desc.attrib.items():
            if not name.startswith(f"{{{NS_RDF}}}") and not name.startswith("{http://www.w3"):
                props.append((len(name) + len(value), desc, name, None))
        for child in desc:
            if isinstance(child.tag, str):
                props.append((len(etree.tostring(child)), desc, None, child))
    props.sort(key=lambda p: -p[0])
    marker_room = 200   # the xmpNote Description that names the GUID
    estimate = len(_serialize(standard, True))
    for size, desc, name, child in props:
        if estimate + marker_room <= limit:   # an estimate: confirmed by serializing
            estimate = len(_serialize(standard, True))
            if estimate + marker_room <= limit:
                break
        estimate -= size
        target = holder(desc)
        if name is not None:
            target.set(name, desc.attrib.pop(name))
        else:
            desc.remove(child)
            target.append(child)
    ext_bytes = _serialize(extended, False)
    guid = hashlib.md5(ext_bytes).hexdigest().upper()
    note = etree.SubElement(rdf, f"{{{NS_RDF}}}Description", nsmap={"xmpNote": NS_NOTE})
    note.set(f"{{{NS_RDF}}}about", about)
    note.set(f"{{{NS_NOTE}}}HasExtendedXMP", guid)
    std_bytes = _serialize(standard, True)
    if len(std_bytes) > limit:
        raise ValueError("the photo's XMP cannot be split to fit a JPEG segment")
    return std_bytes, ext_bytes


def segments(standard: bytes, extended: bytes | None) -> list[bytes]:
    """APP1 payloads: the StandardXMP, then the ExtendedXMP portions in order."""
    out = [STANDARD_SIGNATURE + standard]
    if extended:
        guid = hashlib.md5(extended).hexdigest().upper().encode("ascii")
        for offset in range(0, len(extended), PORTION):
            out.append(EXTENSION_SIGNATURE + guid + struct.pack(">II", len(extended), offset)
                       + extended[offset:offset + PORTION])
    return out


def extended_guid(standard: bytes) -> bytes | None:
    """The GUID a StandardXMP names in xmpNote:HasExtendedXMP (uppercase ASCII), if any."""
    match = _GUID.search(standard)
    return match.group(1).upper() if match else None


def assemble(guid: bytes, payloads: list[bytes]) -> bytes | None:
    """The ExtendedXMP of ``guid`` from APP1 payloads (any order, others ignored); None when
    a portion is missing or the pieces disagree."""
    whole: bytearray | None = None
    covered = 0
    seen: set[int] = set()
    for payload in payloads:
        if not payload.startswith(EXTENSION_SIGNATURE):
            continue
        head = len(EXTENSION_SIGNATURE)
        if payload[head:head + 32].upper() != guid or len(payload) < head + 40:
            continue
        full, offset = struct.unpack(">II", payload[head + 32:head + 40])
        portion = payload[head + 40:]
        if full > MAX_EXTENDED or offset + len(portion) > full:
            return None
        if whole is None:
            whole = bytearray(full)
        elif len(whole) != full:
            return None
        if offset not in seen:
            seen.add(offset)
            whole[offset:offset + len(portion)] = portion
            covered += len(portion)
    if whole is None or covered != len(whole):
        return None
    return bytes(whole)


def join(standard: bytes, extended: bytes) -> bytes:
    """One packet with the properties of both (the HasExtendedXMP marker dropped); the
    StandardXMP alone when either cannot be parsed."""
    from .errors import IeaError
    from .hosts.xmp import parse_bytes

    try:
        root = parse_bytes(standard, "the photo's XMP")
        more = parse_bytes(extended, "the photo's extended XMP")
    except IeaError:
        return standard
    rdf, more_rdf = _rdf(root), _rdf(more)
    if rdf is None or more_rdf is None:
        return standard
    _drop_marker(rdf)
    for desc in list(more_rdf):
        rdf.append(desc)
    return _serialize(root, True)


def from_app1(standard: bytes | None, payloads: list[bytes]) -> bytes | None:
    """The photo's whole XMP: ``standard`` joined with its ExtendedXMP when the APP1
    ``payloads`` hold all of it."""
    if not standard:
        return standard
    guid = extended_guid(standard)
    if guid is None:
        return standard
    extended = assemble(guid, payloads)
    return join(standard, extended) if extended else standard
