"""The photographer's metadata, carried from a photo into every file iea renders from it.

EXIF (camera, lens, capture date, artist, copyright, GPS...), XMP (keywords, ratings, captions)
and IPTC (the Photoshop APP13 block) are read with the pixels and written back byte for byte,
with one change: the orientation is reset to 1 (EXIF tag 0x0112 and ``tiff:Orientation`` in XMP),
because iea applies it to the pixels on read; keeping the old value would rotate the result
twice. The ICC profile travels separately (``Photo.icc_profile``).

JPEG gets its APP1 (Exif, XMP) and APP13 (IPTC) segments spliced in right after the JFIF header
(an XMP packet over 64 KB as StandardXMP + ExtendedXMP, EXIF over 64 KB without its thumbnail,
then without its largest entries, said in a warning);
PNG gets ``eXIf`` and ``iTXt XML:com.adobe.xmp`` chunks (and IPTC as the ``Raw profile type iptc``
text chunk exiftool and ImageMagick use); TIFF (8 and 16 bits, written by tifffile) gets tags 700
(XMP), 33723 (IPTC), 34675 (ICC) and the EXIF IFD0 tags with Exif and GPS sub-IFDs
(:mod:`iea_core.tiffifd`). A TIFF photo's own metadata is read from its IFD0 the same way.
"""
from __future__ import annotations

import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import Any

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
_MAX_SEGMENT = 65533   # a JPEG APPn segment's payload limit


@dataclass(frozen=True)
class ImageMetadata:
    """Raw metadata blocks of a photo: ``exif`` is a TIFF structure (no ``Exif\\0\\0`` prefix),
    ``xmp`` an XMP packet, ``iptc`` a Photoshop image-resource block (what JPEG's APP13 holds)."""

    exif: bytes | None = None
    xmp: bytes | None = None
    iptc: bytes | None = None
    #: a JPEG's comment (COM segment)
    comment: bytes | None = None
    #: a PNG's text chunks other than XMP and IPTC: (keyword, text) pairs (Author, Description...)
    texts: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.exif or self.xmp or self.iptc or self.comment or self.texts)


def _as_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value) or None
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return bytes(value)
    return None


def from_tiff(data: bytes) -> ImageMetadata:
    """What a TIFF photo holds in its IFD0: the camera tags and Exif/GPS sub-IFDs rebuilt as a
    standalone EXIF block (without the tags of this file's pixel layout, which would be wrong
    in any other file), XMP (tag 700) and IPTC (tag 33723, of whatever type a writer gave it)."""
    from .tiffifd import exif_of_tiff, raw_tag

    exif = exif_of_tiff(data)
    xmp = raw_tag(data, 700)
    raw_iptc = raw_tag(data, 33723)
    records = raw_iptc[:_iim_length(raw_iptc)] if raw_iptc else b""
    return ImageMetadata(exif or None, xmp or None, _irb(0x0404, records) if records else None)


def _iim_length(data: bytes) -> int:
    """How many bytes of ``data`` are IPTC-IIM datasets (0x1C, record, dataset, size, value):
    a TIFF stores them as LONGs, zero-padded to a multiple of 4."""
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 0x1C:
        size = struct.unpack(">H", data[pos + 3:pos + 5])[0]
        head = 5
        if size & 0x8000:   # extended dataset: the next (size & 0x7FFF) bytes hold the length
            count = size & 0x7FFF
            if count > 4 or pos + 5 + count > len(data):
                break
            size = int.from_bytes(data[pos + 5:pos + 5 + count], "big")
            head += count
        if pos + head + size > len(data):
            break
        pos += head + size
    return pos


def from_tiff_file(path: Any) -> ImageMetadata | None:
    """:func:`from_tiff` of a file (mapped, not read whole: a TIFF may be a gigabyte), or None
    when it is no classic TIFF (BigTIFF, a raw format with its own header, unreadable)."""
    import mmap

    from .tiffifd import byte_order

    try:
        with open(path, "rb") as handle, \
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if byte_order(data[:4]) is None:
                return None
            return from_tiff(data)   # type: ignore[arg-type] - mmap slices like bytes
    except (OSError, ValueError):
        return None


def from_pil(image: Any, path: Any = None) -> ImageMetadata:
    """What an opened (not yet transposed) Pillow image holds (a TIFF is read from ``path``)."""
    if image.format == "TIFF" and path is not None:
        meta = from_tiff_file(path)
        if meta is not None:
            return meta
    info = getattr(image, "info", {}) or {}
    exif = _as_bytes(info.get("exif"))
    if exif and exif.startswith(EXIF_HEADER):
        exif = exif[len(EXIF_HEADER):]
    xmp = _as_bytes(info.get("xmp") or info.get("XML:com.adobe.xmp"))
    applist = getattr(image, "applist", []) or []
    if xmp and image.format == "JPEG":   # StandardXMP + ExtendedXMP -> one packet
        from .xmpext import from_app1

        xmp = from_app1(xmp, [payload for marker, payload in applist if marker == "APP1"])
    iptc = None
    for marker, payload in applist:
        if marker == "APP13" and payload.startswith(PHOTOSHOP_HEADER):
            iptc = payload[len(PHOTOSHOP_HEADER):]
            break
    if image.format == "TIFF" and hasattr(image, "tag_v2"):
        tags = image.tag_v2
        xmp = xmp or _as_bytes(tags.get(700))
        raw_iptc = _as_bytes(tags.get(33723))
        if raw_iptc:
            iptc = _irb(0x0404, raw_iptc)
        if exif is None:
            try:
                exif = image.getexif().tobytes()[len(EXIF_HEADER):] or None
            except Exception:  # noqa: BLE001 - metadata is best kept, never a reason to fail
                exif = None
    if image.format == "PNG" and iptc is None:
        text = info.get("Raw profile type iptc")
        if isinstance(text, str):
            iptc = _from_raw_profile(text)
    comment = _as_bytes(info.get("comment")) if image.format == "JPEG" else None
    texts: tuple[tuple[str, str], ...] = ()
    if image.format == "PNG":
        try:
            chunks = dict(getattr(image, "text", {}) or {})
        except Exception:  # noqa: BLE001 - a damaged text chunk is not a reason to fail
            chunks = {}
        texts = tuple((str(k), str(v)) for k, v in chunks.items()
                      if k not in _PNG_TEXT_HANDLED and isinstance(v, str))
    return ImageMetadata(exif or None, xmp or None, iptc or None, comment or None, texts)


#: PNG text keywords read as metadata blocks of their own (XMP, IPTC, ImageMagick's EXIF)
_PNG_TEXT_HANDLED = frozenset({"XML:com.adobe.xmp", "Raw profile type iptc",
                               "Raw profile type exif", "Raw profile type APP1"})


# --- orientation -------------------------------------------------------------------------------
def reset_exif(tiff: bytes, width: int | None = None, height: int | None = None) -> bytes:
    """The EXIF block with Orientation set to 1 and (when given) PixelX/YDimension updated, in
    place: every other byte (maker notes, offsets, thumbnail) stays as it was."""
    try:
        if tiff[:2] == b"II":
            end = "<"
        elif tiff[:2] == b"MM":
            end = ">"
        else:
            return tiff
        buf = bytearray(tiff)

        def entries(offset: int) -> list[tuple[int, int, int, int]]:
            count = struct.unpack_from(end + "H", buf, offset)[0]
            out = []
            for index in range(min(count, 1000)):
                pos = offset + 2 + 12 * index
                tag, kind, n = struct.unpack_from(end + "HHI", buf, pos)
                out.append((pos, tag, kind, n))
            return out

        exif_ifd = None
        for pos, tag, kind, n in entries(struct.unpack_from(end + "I", buf, 4)[0]):
            if tag == 0x0112 and kind == 3 and n == 1:
                struct.pack_into(end + "H", buf, pos + 8, 1)
            elif tag == 0x8769:
                exif_ifd = struct.unpack_from(end + "I", buf, pos + 8)[0]
        if exif_ifd and width and height:
            for pos, tag, kind, n in entries(exif_ifd):
                value = {0xA002: width, 0xA003: height}.get(tag)
                if value is None or n != 1:
                    continue
                if kind == 3 and value < 65536:
                    struct.pack_into(end + "H", buf, pos + 8, value)
                elif kind == 4:
                    struct.pack_into(end + "I", buf, pos + 8, value)
        return bytes(buf)
    except (struct.error, IndexError):
        return tiff


_XMP_ORIENTATION = re.compile(rb"(tiff:Orientation\s*=\s*[\"'])\d([\"'])|"
                              rb"(<tiff:Orientation>)\s*\d\s*(</tiff:Orientation>)")


def reset_xmp(packet: bytes) -> bytes:
    """The XMP packet with ``tiff:Orientation`` set to 1 (same length: the packet's padding and
    any checksum of it stay valid)."""
    def one(match: re.Match[bytes]) -> bytes:
        if match.group(1) is not None:
            return match.group(1) + b"1" + match.group(2)
        inner = match.group(0)[len(match.group(3)):-len(match.group(4))]
        return match.group(3) + inner.replace(inner.strip(), b"1") + match.group(4)

    return _XMP_ORIENTATION.sub(one, packet)


_CRS_URI = rb"http://ns.adobe.com/camera-raw-settings/1.0/"
_CRS_PREFIX = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=\s*[\"']" + re.escape(_CRS_URI) + rb"[\"']")
_DESCRIPTION = re.compile(rb"<rdf:Description\b")
_PACKET_END = re.compile(rb"<\?xpacket\s+end")


def mark_settings_applied(packet: bytes) -> bytes:
    """The XMP packet with its Camera Raw develop settings marked as already in the pixels
    (``crs:AlreadyApplied="True"``, Adobe's flag for rendered files), so that Lightroom or
    Camera Raw opening a file iea rendered *with* those settings does not develop it a second
    time. A packet without Camera Raw settings comes back unchanged. Any packet padding pays
    for the added bytes."""
    declared = _CRS_PREFIX.search(packet)
    if declared is None:
        return packet
    prefix = declared.group(1)
    if not re.search(rb"[\s<]" + re.escape(prefix) + rb":(?!AlreadyApplied)\w", packet):
        return packet  # the namespace is declared, but holds no settings
    name = re.escape(prefix + b":AlreadyApplied")
    attribute = re.compile(rb"(" + name + rb"\s*=\s*[\"'])[^\"']*([\"'])")
    element = re.compile(rb"(<" + name + rb">)[^<]*(</" + name + rb">)")
    if attribute.search(packet) or element.search(packet):
        marked = element.sub(rb"\g<1>True\g<2>", attribute.sub(rb"\g<1>True\g<2>", packet))
    else:
        # on the rdf:Description that declares the namespace, else on the first one
        start = packet.rfind(b"<", 0, declared.start())
        tag = _DESCRIPTION.match(packet, start) if start >= 0 else None
        tag = tag or _DESCRIPTION.search(packet)
        if tag is None:
            return packet
        added = b" " + prefix + b':AlreadyApplied="True"'
        marked = packet[:tag.end()] + added + packet[tag.end():]
    return _trim_padding(marked, len(marked) - len(packet))


def _trim_padding(packet: bytes, grown: int) -> bytes:
    """``packet`` with ``grown`` bytes of the whitespace padding before its end marker removed,
    when it has more than that (found from the marker backwards: a regex search for the run
    would go quadratic on a long run of spaces without a marker)."""
    end = packet.rfind(b"<?xpacket")
    if grown <= 0 or end < 0 or not _PACKET_END.match(packet, end):
        return packet
    start = len(packet[:end].rstrip())
    if end - start <= grown:
        return packet
    return packet[:start] + packet[start + grown:]


def for_output(meta: ImageMetadata | None, width: int, height: int) -> ImageMetadata | None:
    """What to write into a rendered file of ``width`` x ``height`` upright pixels."""
    if meta is None or meta.empty:
        return None
    return ImageMetadata(reset_exif(meta.exif, width, height) if meta.exif else None,
                         reset_xmp(meta.xmp) if meta.xmp else None, meta.iptc, meta.comment,
                         meta.texts)


# --- JPEG ---------------------------------------------------------------------------------------
def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _note(text: str) -> None:
    """Tell the user (through :func:`iea_core.imageio.write_image`, which names the file)."""
    from .errors import MetadataNotKept

    warnings.warn(MetadataNotKept(text), stacklevel=3)


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB"


#: names for the EXIF entries that make a block large, for the note that leaves them out
_BIG_TAG_NAMES = {0x927C: "maker note", 0x9286: "user comment", 0xC4A5: "PrintIM block",
                  0x02BC: "embedded XMP copy", 0x83BB: "embedded IPTC copy",
                  0x8773: "embedded ICC copy", 0xEA1C: "padding"}


def fit_exif(exif: bytes, limit: int = _MAX_SEGMENT - len(EXIF_HEADER)
             ) -> tuple[bytes | None, list[str]]:
    """(an EXIF block of at most ``limit`` bytes or None, what was left out). Over the limit:
    first the embedded thumbnail (IFD1) goes, then the largest entries (a maker note, most
    often) one by one; what stays is a standard EXIF block (IFD0, Exif and GPS sub-IFDs)."""
    if len(exif) <= limit:
        return exif, []
    from .tiffifd import exif_block, parse_exif

    parsed = parse_exif(exif)
    if parsed is None:
        return None, ["all of it"]
    order, entries, ifd1 = parsed
    dropped = ["its embedded thumbnail"] if ifd1 else []
    for _ in range(32):
        block = exif_block(entries, order)
        if len(block) <= limit:
            return block, dropped
        candidates = [(len(e.value), None, e) for e in entries if e.sub is None]
        for parent in entries:
            if parent.sub is not None:
                candidates += [(len(e.value), parent, e) for e in parent.sub if e.sub is None]
        if not candidates:
            break
        _size, parent, biggest = max(candidates, key=lambda c: c[0])
        if parent is None:
            entries = [e for e in entries if e is not biggest]
        else:
            from dataclasses import replace

            entries = [replace(e, sub=tuple(x for x in e.sub if x is not biggest))
                       if e is parent else e for e in entries]
        dropped.append(f"its {_BIG_TAG_NAMES.get(biggest.tag, f'tag 0x{biggest.tag:04X}')}")
    return None, ["all of it"]


def _exif_segment(exif: bytes) -> bytes | None:
    block, dropped = fit_exif(exif)
    if not dropped:
        return block
    if block is None:
        _note(f"left out the photo's EXIF ({_kb(len(exif))}): more than the 64 KB a JPEG can "
              "hold and not reducible; write a .png or .tif to keep it")
        return None
    _note(f"the photo's EXIF ({_kb(len(exif))}) is over the 64 KB a JPEG can hold: left out "
          f"{' and '.join(dropped)}, kept the rest; write a .png or .tif to keep all of it")
    return block


def embed_jpeg(data: bytes, meta: ImageMetadata | None) -> bytes:
    """``data`` (a JPEG Pillow wrote, with its ICC profile) with the metadata segments added
    after SOI/APP0. An XMP packet over one segment is written as StandardXMP + ExtendedXMP
    (:mod:`iea_core.xmpext`); EXIF over one segment loses its thumbnail, then its largest
    entries (:func:`fit_exif`); whatever is left out is said (a ``MetadataNotKept`` warning)."""
    if meta is None or meta.empty or data[:2] != b"\xff\xd8":
        return data
    segments = []
    exif = _exif_segment(meta.exif) if meta.exif else None
    if exif:
        segments.append(_segment(0xE1, EXIF_HEADER + exif))
    if meta.xmp:
        from . import xmpext

        try:
            standard, extended = xmpext.split(meta.xmp)
            segments += [_segment(0xE1, payload)
                         for payload in xmpext.segments(standard, extended)]
        except ValueError:
            _note(f"left out the photo's XMP ({_kb(len(meta.xmp))}): more than one JPEG segment "
                  "holds and not well-formed enough to split; write a .png or .tif to keep it")
    if meta.iptc and len(PHOTOSHOP_HEADER) + len(meta.iptc) <= _MAX_SEGMENT:
        segments.append(_segment(0xED, PHOTOSHOP_HEADER + meta.iptc))
    elif meta.iptc:
        _note(f"left out the photo's IPTC block ({_kb(len(meta.iptc))}): more than the 64 KB "
              "a JPEG segment holds; its XMP usually repeats those fields, and a .png or .tif "
              "keeps the block")
    # a PNG's text becomes the JPEG's comment: the one text a JPEG has a place for
    comment = meta.comment or _as_one_text(meta).encode("utf-8")
    if comment:
        if len(comment) > _MAX_SEGMENT:
            _note(f"the photo's comment was cut to the {_MAX_SEGMENT} bytes a JPEG segment "
                  "holds")
        segments.append(_segment(0xFE, comment[:_MAX_SEGMENT]))
    pos = 2
    if data[2:4] == b"\xff\xe0":   # keep JFIF first, as readers expect
        pos = 4 + struct.unpack(">H", data[4:6])[0]
    return data[:pos] + b"".join(segments) + data[pos:]


# --- PNG ----------------------------------------------------------------------------------------
def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _irb(resource_id: int, payload: bytes) -> bytes:
    """One Photoshop image resource ('8BIM', id, empty name, size, data padded to even)."""
    body = b"8BIM" + struct.pack(">H", resource_id) + b"\x00\x00" + \
        struct.pack(">I", len(payload)) + payload
    return body + (b"\x00" if len(payload) % 2 else b"")


def iptc_records(irb: bytes) -> bytes | None:
    """The IPTC-IIM records (resource 0x0404) inside a Photoshop resource block."""
    pos = 0
    while pos + 12 <= len(irb) and irb[pos:pos + 4] == b"8BIM":
        resource_id = struct.unpack(">H", irb[pos + 4:pos + 6])[0]
        name_len = irb[pos + 6]
        pos += 6 + 1 + name_len + ((1 + name_len) % 2)
        size = struct.unpack(">I", irb[pos:pos + 4])[0]
        pos += 4
        if resource_id == 0x0404:
            return irb[pos:pos + size]
        pos += size + (size % 2)
    return None


def _raw_profile(payload: bytes) -> bytes:
    hexed = payload.hex()
    lines = "\n".join(hexed[i:i + 72] for i in range(0, len(hexed), 72))
    return f"\niptc\n{len(payload):8d}\n{lines}\n".encode("ascii")


def _from_raw_profile(text: str) -> bytes | None:
    parts = text.strip().split("\n", 2)
    if len(parts) < 3:
        return None
    try:
        return _irb(0x0404, bytes.fromhex("".join(parts[2].split())))
    except ValueError:
        return None


def embed_png(data: bytes, meta: ImageMetadata | None) -> bytes:
    """``data`` (a PNG) with eXIf, XMP and IPTC chunks inserted right after IHDR."""
    if meta is None or meta.empty or data[:8] != b"\x89PNG\r\n\x1a\n":
        return data
    chunks = []
    if meta.exif:
        chunks.append(_png_chunk(b"eXIf", meta.exif))
    if meta.xmp:
        chunks.append(_png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + meta.xmp))
    records = iptc_records(meta.iptc) if meta.iptc else None
    if records:
        chunks.append(_png_chunk(b"zTXt", b"Raw profile type iptc\x00\x00"
                                 + zlib.compress(_raw_profile(records))))
    texts = list(meta.texts)
    if meta.comment:
        texts.append(("Comment", meta.comment.decode("utf-8", "replace")))
    for keyword, text in texts:
        name = keyword.encode("latin-1", "replace")[:79] or b"Comment"
        # iTXt, uncompressed UTF-8: any language and no loss, as the source held it
        chunks.append(_png_chunk(b"iTXt", name + b"\x00\x00\x00\x00\x00"
                                 + text.encode("utf-8", "replace")))
    ihdr_end = 8 + 12 + struct.unpack(">I", data[8:12])[0]
    return data[:ihdr_end] + b"".join(chunks) + data[ihdr_end:]


# --- TIFF ---------------------------------------------------------------------------------------
def embed_tiff(buffer: Any, meta: ImageMetadata | None) -> None:
    """Add the EXIF IFD0 tags and Exif/GPS sub-IFDs to the TIFF tifffile wrote into ``buffer``
    (an ``io.BytesIO``; XMP and IPTC came from :func:`tiff_extratags`), in place
    (:func:`iea_core.tiffifd.add_exif_to`)."""
    if meta is None or not meta.exif:
        return
    from .tiffifd import add_exif_to

    add_exif_to(buffer, meta.exif)


def tiff_extratags(meta: ImageMetadata | None) -> list[tuple[int, int, int, bytes, bool]]:
    """tifffile ``extratags`` for XMP (700) and IPTC (33723)."""
    tags: list[tuple[int, int, int, bytes, bool]] = []
    if meta is None:
        return tags
    if meta.xmp:
        tags.append((700, 1, len(meta.xmp), meta.xmp, True))
    records = iptc_records(meta.iptc) if meta.iptc else None
    if records:
        # LONG, as Photoshop and exiftool write it: the bytes as they are, zero-padded to 4
        padded = records + b"\x00" * (-len(records) % 4)
        longs = struct.unpack(f"<{len(padded) // 4}I", padded)   # tifffile writes II
        tags.append((33723, 4, len(longs), longs, True))
    description = _description(meta)
    if description:
        tags.append((270, 2, 0, description, True))   # ImageDescription
    return tags


def _as_one_text(meta: ImageMetadata) -> str:
    """A PNG's text chunks as one text ("Author: Ana" lines), for formats with one text field."""
    return "\n".join(f"{k}: {v}" for k, v in meta.texts)


def _description(meta: ImageMetadata) -> str:
    """A JPEG comment or a PNG's text as a TIFF ImageDescription (ASCII: other characters are
    escaped, and said)."""
    text = meta.comment.decode("utf-8", "replace") if meta.comment else _as_one_text(meta)
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii").replace("\x00", "")
    if ascii_text != text:
        _note("the photo's comment holds characters a TIFF description cannot; they are "
              "written as escapes (a .png keeps them as they are)")
    return ascii_text
