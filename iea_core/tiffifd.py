"""TIFF image file directories (IFDs): read them, build them, and add EXIF to a written TIFF.

EXIF is itself a little TIFF: an IFD0 (camera make, model, artist, copyright, orientation...)
pointing to an Exif sub-IFD (exposure, lens, capture date...), a GPS sub-IFD and an interop one.
Neither tifffile nor Pillow can write those sub-IFDs into a 16-bit TIFF, so this module does it:

* :func:`read_ifd` parses one IFD (and, recursively, the sub-IFDs its pointer tags name) into
  :class:`Entry` values: bounded, and never trusting a count or offset past the data;
* :func:`serialize` lays an IFD out at a given file offset: the entry table, the values that do
  not fit in four bytes, then each sub-IFD, with every pointer patched;
* :func:`exif_block` builds a standalone EXIF block (``II*\\0`` + IFD0 + sub-IFDs), e.g. from a
  TIFF photo's own tags, leaving out what describes that file's pixels (strip offsets...);
* :func:`add_exif_to` appends an EXIF block's tags to a TIFF another library wrote: its IFD0 is
  rewritten at the end of the file with the EXIF IFD0 tags merged in and the Exif/GPS sub-IFDs
  after it, and the header points to the new IFD0 (the old table, a few hundred bytes, stays
  unreferenced; pixel data and the writer's own values do not move, nor are they copied).

Values are copied byte for byte (converted between byte orders by element size when the two
files differ); a maker note is copied as it is, so one whose own offsets are absolute may not
decode after the move, as with any EXIF relocation.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, replace

#: bytes per element of each TIFF field type, and the size byte order swaps (RATIONAL: 2 x 4)
TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_SWAP_UNIT = {3: 2, 4: 4, 5: 4, 8: 2, 9: 4, 10: 4, 11: 4, 12: 8, 13: 4}
EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
#: tags whose value is the offset of a sub-IFD this module follows
POINTERS = frozenset({EXIF_IFD, GPS_IFD, INTEROP_IFD})
#: IFD0 tags that describe one file's pixel layout (or that iea writes separately: XMP, IPTC,
#: ICC): never carried from one file into another
LAYOUT_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281, 284, 290, 291,
    292, 293, 317, 318, 319, 320, 322, 323, 324, 325, 330, 332, 338, 339, 340, 341, 347, 513,
    514, 529, 530, 531, 532, 700, 33421, 33422, 33423, 33723, 34377, 34665, 34853, 34675,
    37724, 50341})
#: private and raw-format ranges (Sony SR2, DNG colour and calibration tags...): they describe
#: one raw file's sensor data and often hold offsets into it
LAYOUT_RANGES = ((0x7000, 0x7FFF), (50706, 51999))
_MAX_ENTRIES = 1024
_MAX_DEPTH = 4


@dataclass(frozen=True)
class Entry:
    """One IFD entry: ``value`` holds its ``count`` elements in the IFD's byte order, ``sub`` the
    entries of the IFD a pointer tag points to. ``at`` (instead of ``value``) keeps a large value
    where it already lies in the file being rewritten."""

    tag: int
    type: int
    count: int
    value: bytes = b""
    sub: tuple["Entry", ...] | None = None
    at: int | None = None

    def swapped(self) -> "Entry":
        """The entry converted to the other byte order (sub-IFDs too)."""
        unit = _SWAP_UNIT.get(self.type)
        value = self.value
        if unit and value:
            value = b"".join(value[i:i + unit][::-1] for i in range(0, len(value), unit))
        sub = tuple(e.swapped() for e in self.sub) if self.sub is not None else None
        return replace(self, value=value, sub=sub)


def byte_order(data: bytes) -> str | None:
    """``"<"`` or ``">"`` from a TIFF header, None when ``data`` is no TIFF."""
    if data[:4] == b"II*\x00":
        return "<"
    if data[:4] == b"MM\x00*":
        return ">"
    return None


def read_ifd(data: bytes, offset: int, order: str,
             depth: int = 0) -> tuple[list[Entry], int]:
    """(entries, offset of the next IFD or 0) of the IFD at ``offset``. Entries whose value lies
    outside ``data`` or whose type is unknown are skipped; pointer tags get their sub-IFD."""
    if offset < 8 or offset + 2 > len(data):
        raise ValueError(f"IFD offset {offset} outside the data")
    (count,) = struct.unpack_from(order + "H", data, offset)
    if count > _MAX_ENTRIES or offset + 2 + 12 * count + 4 > len(data):
        raise ValueError(f"IFD at {offset} claims {count} entries")
    entries = []
    for index in range(count):
        pos = offset + 2 + 12 * index
        tag, kind, n = struct.unpack_from(order + "HHI", data, pos)
        size = TYPE_SIZE.get(kind)
        if size is None:
            continue
        length = size * n
        if length <= 4:
            value = bytes(data[pos + 8:pos + 8 + length])
        else:
            (where,) = struct.unpack_from(order + "I", data, pos + 8)
            if where + length > len(data):
                continue
            value = bytes(data[where:where + length])
        sub = None
        if tag in POINTERS and depth < _MAX_DEPTH and n == 1 and kind in (4, 13):
            try:
                (where,) = struct.unpack_from(order + "I", value)
                sub = tuple(read_ifd(data, where, order, depth + 1)[0])
            except (ValueError, struct.error):
                continue   # a broken sub-IFD is left out, never a reason to fail
        entries.append(Entry(tag, kind, n, value, sub))
    (next_ifd,) = struct.unpack_from(order + "I", data, offset + 2 + 12 * count)
    return entries, next_ifd


def serialize(entries: list[Entry], base: int, order: str, next_ifd: int = 0) -> bytes:
    """The IFD of ``entries`` laid out to start at file offset ``base`` (even): the table, its
    large values, then each sub-IFD, every offset absolute."""
    entries = sorted(entries, key=lambda e: e.tag)
    table_len = 2 + 12 * len(entries) + 4
    values = bytearray()
    fields: list[bytes | None] = []
    for entry in entries:
        if entry.sub is not None:
            fields.append(None)
        elif entry.at is not None:
            fields.append(struct.pack(order + "I", entry.at))
        elif len(entry.value) <= 4:
            fields.append(entry.value.ljust(4, b"\x00"))
        else:
            fields.append(struct.pack(order + "I", base + table_len + len(values)))
            values += entry.value
            if len(values) % 2:
                values += b"\x00"   # values start on a word boundary
    tail = bytearray()
    child_base = base + table_len + len(values)
    for index, entry in enumerate(entries):
        if entry.sub is not None:
            at = child_base + len(tail)
            fields[index] = struct.pack(order + "I", at)
            tail += serialize(list(entry.sub), at, order)
    table = bytearray(struct.pack(order + "H", len(entries)))
    for entry, value in zip(entries, fields):
        kind, count = (4, 1) if entry.sub is not None else (entry.type, entry.count)
        table += struct.pack(order + "HHI", entry.tag, kind, count) + value
    table += struct.pack(order + "I", next_ifd)
    return bytes(table + values + tail)


def carried(entries: list[Entry]) -> list[Entry]:
    """The IFD0 entries that describe the photo rather than one file's pixels (tifffile's
    ``{"shape": ...}`` image description is layout too)."""
    return [e for e in entries
            if (e.tag not in LAYOUT_TAGS or e.tag in (EXIF_IFD, GPS_IFD) and e.sub is not None)
            and not any(low <= e.tag <= high for low, high in LAYOUT_RANGES)
            and not (e.tag == 270 and e.value.startswith(b'{"shape":'))]


def exif_block(entries: list[Entry], order: str = "<") -> bytes:
    """A standalone EXIF block (TIFF header + IFD0 + sub-IFDs, no thumbnail) of ``entries``."""
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", 8)
    return header + serialize(entries, 8, order)


def parse_exif(exif: bytes) -> tuple[str, list[Entry], int] | None:
    """(byte order, IFD0 entries, offset of IFD1 or 0) of an EXIF block; None if unreadable."""
    order = byte_order(exif)
    if order is None:
        return None
    try:
        (first,) = struct.unpack_from(order + "I", exif, 4)
        entries, next_ifd = read_ifd(exif, first, order)
    except (ValueError, struct.error):
        return None
    return order, entries, next_ifd


def exif_of_tiff(data: bytes) -> bytes | None:
    """The EXIF block a TIFF photo carries in its own IFD0 (camera tags, Exif and GPS
    sub-IFDs), without the tags of its pixel layout; None when it has none."""
    parsed = parse_exif(data)
    if parsed is None:
        return None
    order, entries, _ = parsed
    kept = carried(entries)
    if not kept:
        return None
    return exif_block(kept, order)


def raw_tag(data: bytes, tag: int) -> bytes | None:
    """The raw bytes of ``tag`` in a TIFF's IFD0 (XMP 700, IPTC 33723, ICC 34675...)."""
    parsed = parse_exif(data)
    if parsed is None:
        return None
    for entry in parsed[1]:
        if entry.tag == tag and entry.value:
            return entry.value
    return None


def add_exif(tiff: bytes, exif: bytes) -> bytes:
    """``tiff`` (one a library wrote) with the IFD0 tags and Exif/GPS sub-IFDs of the EXIF block
    ``exif`` added (see :func:`add_exif_to`)."""
    buffer = io.BytesIO(tiff)
    add_exif_to(buffer, exif)
    return buffer.getvalue()


def add_exif_to(buffer: io.BytesIO, exif: bytes) -> None:
    """Add the IFD0 tags and Exif/GPS sub-IFDs of the EXIF block ``exif`` to the TIFF in
    ``buffer``, in place: a new IFD0 is appended and the header pointed to it, so the pixels
    (maybe a gigabyte) are never copied. The TIFF's own layout tags win; for any other tag both
    have, the photo's EXIF value wins (its Software, resolution, description...). Left as it
    is when either cannot be parsed."""
    source = parse_exif(exif)
    view = buffer.getbuffer()
    try:
        order = byte_order(bytes(view[:4]))
        if source is None or order is None:
            return
        src_order, src_entries, _ = source
        # ComponentsConfiguration (0x9101) describes a JPEG's YCbCr channels: wrong in RGB
        extra = [replace(e, sub=tuple(x for x in e.sub if x.tag != 0x9101))
                 if e.tag == EXIF_IFD and e.sub is not None else e
                 for e in carried(src_entries)]
        if src_order != order:
            extra = [e.swapped() for e in extra]
        if not extra:
            return
        try:
            (first,) = struct.unpack_from(order + "I", view, 4)
            own, next_ifd = _own_entries(view, first, order)
        except struct.error:
            return
        size = len(view)
    finally:
        view.release()   # a BytesIO cannot grow while a view of it is held
    taken = {e.tag for e in extra}
    own_layout = {o.tag for o in own if o.tag in LAYOUT_TAGS}
    merged = [e for e in own if e.tag in LAYOUT_TAGS or e.tag not in taken] + \
        [e for e in extra if e.tag not in own_layout]
    base = size + (size % 2)
    buffer.seek(size)
    buffer.write(b"\x00" * (base - size) + serialize(merged, base, order, next_ifd))
    buffer.seek(4)
    buffer.write(struct.pack(order + "I", base))


def _own_entries(tiff: bytes | memoryview, offset: int, order: str
                 ) -> tuple[list[Entry], int]:
    """A written TIFF's IFD0 with each large value kept where it lies (``Entry.at``)."""
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    entries = []
    for index in range(count):
        pos = offset + 2 + 12 * index
        tag, kind, n = struct.unpack_from(order + "HHI", tiff, pos)
        length = TYPE_SIZE.get(kind, 1) * n
        if length <= 4:
            entries.append(Entry(tag, kind, n, bytes(tiff[pos + 8:pos + 8 + length])))
        else:
            entries.append(Entry(tag, kind, n, at=struct.unpack_from(order + "I", tiff,
                                                                     pos + 8)[0]))
    (next_ifd,) = struct.unpack_from(order + "I", tiff, offset + 2 + 12 * count)
    return entries, next_ifd
