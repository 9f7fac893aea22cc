"""Safe XMP reading and writing shared by the Lightroom and darktable formats.

Sidecars come from the photographer's disk, other programs and sometimes strangers (shared
presets), so parsing is defensive: a document type declaration of any kind is refused before the
parser sees the bytes (that rules out XXE and "billion laughs" entity expansion), lxml runs with
entity resolution, network access and huge trees off, and the size is capped. A refused file is
never touched: callers parse before they lock-and-write, and writes go through
:func:`iea_core.fileio.atomic_write_bytes` with a ``.bak`` of what was replaced.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from lxml import etree

from ..errors import HostFormatError, SidecarError, UnsafeXml, naming_file
from ..fileio import atomic_write_bytes, file_lock

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_CRS = "http://ns.adobe.com/camera-raw-settings/1.0/"
NS_DARKTABLE = "http://darktable.sf.net/"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_IEA = "https://github.com/iea-project/ns/1.0/"

NSMAP = {"x": NS_X, "rdf": NS_RDF, "crs": NS_CRS, "darktable": NS_DARKTABLE, "xmp": NS_XMP,
         "iea": NS_IEA}

#: A sidecar larger than this is not something iea wrote or should rewrite.
MAX_XMP_BYTES = 16 * 1024 * 1024

_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


def q(prefix: str, local: str) -> str:
    """Clark notation ``{namespace}local`` for a prefix of :data:`NSMAP`."""
    return f"{{{NSMAP[prefix]}}}{local}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=False)


def check_safe(data: bytes, source: str = "XMP") -> None:
    """Refuse bytes iea will not parse: DTDs/entity declarations, absurd sizes, UTF-16/32.

    The check is textual and runs before any parser, so nothing in a hostile file gets a chance to
    be expanded or fetched.
    """
    if len(data) > MAX_XMP_BYTES:
        raise UnsafeXml(f"{source} is {len(data)} bytes; refusing anything over "
                        f"{MAX_XMP_BYTES // (1024 * 1024)} MiB")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        raise UnsafeXml(f"{source} is not UTF-8; iea only reads UTF-8 XMP")
    match = _DTD_MARKERS.search(data)
    if match:
        raise UnsafeXml(f"{source} contains a <!{match.group(1).decode()}> declaration; "
                        "document types and entities are refused (XXE / entity expansion)")


def parse_bytes(data: bytes, source: str = "XMP") -> etree._Element:
    """Parse XMP bytes safely and return the root element (``x:xmpmeta`` or ``rdf:RDF``)."""
    check_safe(data, source)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise SidecarError(f"{source} is not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(f"{source} declares a document type; refused")
    if root.tag not in (q("x", "xmpmeta"), q("rdf", "RDF")):
        raise SidecarError(f"{source} is XML but not XMP (root element {root.tag!r})")
    return root


def read_xmp_file(path: str | os.PathLike[str]) -> etree._Element:
    """Parse an ``.xmp`` file; the file is only read."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_XMP_BYTES:
        raise UnsafeXml(f"{path} is {size} bytes; refusing anything over "
                        f"{MAX_XMP_BYTES // (1024 * 1024)} MiB")
    return parse_bytes(path.read_bytes(), str(path))


_PACKET_START = re.compile(rb"<x:xmpmeta[\s>]")
_PACKET_END = b"</x:xmpmeta>"


def extract_packet(data: bytes, source: str = "file") -> bytes | None:
    """The XMP packet embedded in a JPEG/TIFF/DNG/PNG (``<x:xmpmeta>...</x:xmpmeta>``), if any.

    Lightroom and darktable both embed XMP as one packet; a byte search finds it in every
    container without a format-specific parser. Returns the first packet that contains develop
    settings (``crs:`` or ``darktable:``), else the first packet, else ``None``.
    """
    packets = []
    for match in _PACKET_START.finditer(data):
        end = data.find(_PACKET_END, match.start())
        if end < 0:
            break
        packets.append(data[match.start():end + len(_PACKET_END)])
    for packet in packets:
        if NS_CRS.encode() in packet or NS_DARKTABLE.encode() in packet:
            return packet
    return packets[0] if packets else None


def descriptions(root: etree._Element) -> list[etree._Element]:
    """Every ``rdf:Description`` under the root."""
    return list(root.iter(q("rdf", "Description")))


def new_document(namespaces: dict[str, str]) -> tuple[etree._Element, etree._Element]:
    """A fresh ``x:xmpmeta/rdf:RDF/rdf:Description`` declaring ``namespaces``; (root, desc)."""
    nsmap = {"x": NS_X}
    root = etree.Element(q("x", "xmpmeta"), nsmap=nsmap)
    root.set(q("x", "xmptk"), "iea")
    rdf = etree.SubElement(root, q("rdf", "RDF"), nsmap={"rdf": NS_RDF})
    desc = etree.SubElement(rdf, q("rdf", "Description"), nsmap=namespaces)
    desc.set(q("rdf", "about"), "")
    return root, desc


def ensure_namespace(desc: etree._Element, prefix: str, uri: str) -> etree._Element:
    """Return ``desc`` or a copy of it that declares ``prefix`` (lxml nsmaps are read-only).

    Declaring the namespace on the Description keeps the output readable by XMP toolkits that
    expect every property's namespace declared where the property is (exiftool, Adobe XMP SDK).
    """
    if desc.nsmap.get(prefix) == uri:
        return desc
    nsmap = dict(desc.nsmap)
    nsmap[prefix] = uri
    clone = etree.Element(desc.tag, attrib=dict(desc.attrib), nsmap=nsmap)
    clone.text, clone.tail = desc.text, desc.tail
    for child in list(desc):
        clone.append(child)
    parent = desc.getparent()
    if parent is not None:
        parent.replace(desc, clone)
    return clone


def serialize(root: etree._Element) -> bytes:
    """XMP bytes with an xpacket wrapper and padding, as Adobe and darktable write them."""
    for element in root.iter():
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    etree.indent(root, space=" ")
    body = etree.tostring(root, encoding="utf-8", xml_declaration=False)
    head = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'.encode("utf-8")
    tail = b"\n" + (b" " * 99 + b"\n") * 20 + b'<?xpacket end="w"?>\n'
    return head + body + tail


def alt_text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    """``<tag><rdf:Alt><rdf:li xml:lang="x-default">text</rdf:li></rdf:Alt></tag>``."""
    element = etree.SubElement(parent, tag)
    alt = etree.SubElement(element, q("rdf", "Alt"))
    item = etree.SubElement(alt, q("rdf", "li"))
    item.set(f"{{{NS_XML}}}lang", "x-default")
    item.text = text
    return element


def read_alt_text(element: etree._Element) -> str:
    """Text of an ``rdf:Alt`` property (x-default first), or the element's own text."""
    items = element.findall(f"{q('rdf', 'Alt')}/{q('rdf', 'li')}")
    for item in items:
        if item.get(f"{{{NS_XML}}}lang") == "x-default":
            return item.text or ""
    if items:
        return items[0].text or ""
    return (element.text or "").strip()


@contextmanager
def locked_update(path: str | os.PathLike[str], *, timeout: float = 10.0) -> Iterator[Path]:
    """Serialise read-modify-write cycles on one sidecar across processes."""
    path = Path(path)
    with file_lock(path, timeout=timeout):
        try:
            yield path
        except HostFormatError as exc:
            raise naming_file(exc, path) from None


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path | None:
    """Replace ``path`` atomically, keeping ``path.bak``; returns the backup path if any."""
    return atomic_write_bytes(path, data, backup=True)
