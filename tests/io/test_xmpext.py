"""Extended XMP: a packet over one JPEG segment is split as the XMP specification says and
joined back whole; damaged or hostile pieces are never trusted."""
from __future__ import annotations

import hashlib
import random

import pytest

from iea_core.xmpext import (EXTENSION_SIGNATURE, STANDARD_SIGNATURE, assemble,
                             extended_guid, from_app1, join, segments, split)

LIMIT = 65533 - len(STANDARD_SIGNATURE)


def packet(keywords: int, description: int = 0) -> bytes:
    items = "".join(f"<rdf:li>keyword {i:05d} {'x' * 120}</rdf:li>" for i in range(keywords))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
        f'xmp:Rating="4" tiff:Orientation="1" xmp:Label="{"L" * description}">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Big one</rdf:li></rdf:Alt></dc:title>'
        f'<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def facts(xmp: bytes) -> tuple:
    from iea_core.hosts.xmp import parse_bytes

    root = parse_bytes(xmp)
    ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/"}
    keywords = [li.text for li in root.iterfind(".//dc:subject/rdf:Bag/rdf:li", ns)]
    titles = [li.text for li in root.iterfind(".//dc:title/rdf:Alt/rdf:li", ns)]
    ratings = [d.get(f"{{{ns['xmp']}}}Rating") for d in root.iterfind(".//rdf:Description", ns)
               if d.get(f"{{{ns['xmp']}}}Rating")]
    labels = [d.get(f"{{{ns['xmp']}}}Label") for d in root.iterfind(".//rdf:Description", ns)
              if d.get(f"{{{ns['xmp']}}}Label")]
    return keywords, titles, ratings, labels


def test_a_packet_that_fits_is_left_alone():
    small = packet(10)
    assert split(small) == (small, None)
    assert segments(small, None) == [STANDARD_SIGNATURE + small]


@pytest.mark.parametrize("keywords,label", [(900, 0), (300, 70000), (2500, 0)])
def test_split_then_join_gives_every_property_back(keywords, label):
    big = packet(keywords, label)
    standard, extended = split(big)
    assert extended is not None and len(standard) <= LIMIT
    guid = extended_guid(standard)
    assert guid == hashlib.md5(extended).hexdigest().upper().encode()   # the spec's GUID
    payloads = segments(standard, extended)
    assert all(len(p) <= 65533 for p in payloads)
    assert payloads[0].startswith(STANDARD_SIGNATURE)
    assert all(p.startswith(EXTENSION_SIGNATURE + guid) for p in payloads[1:])
    assert not extended.startswith(b"<?xpacket")          # ExtendedXMP has no packet wrapper
    shuffled = payloads[1:]
    random.Random(1).shuffle(shuffled)                    # portions may come in any order
    whole = from_app1(standard, shuffled)
    assert facts(whole) == facts(big)
    assert b"HasExtendedXMP" not in whole                 # one packet again
    # a packet joined and split again splits the same way (a JPEG -> JPEG round trip)
    again_standard, again_extended = split(whole)
    assert facts(from_app1(again_standard, segments(again_standard, again_extended)[1:])) == \
        facts(big)


def test_missing_or_foreign_portions_leave_the_standard_part():
    standard, extended = split(packet(900))
    payloads = segments(standard, extended)[1:]
    assert len(payloads) >= 2
    assert from_app1(standard, payloads[:-1]) == standard          # a portion missing
    other = packet(900).replace(b"keyword", b"KEYWORD")
    _, foreign = split(other)
    assert from_app1(standard, segments(b"", foreign)[1:]) == standard   # another GUID
    guid = extended_guid(standard)
    lying = [p[:len(EXTENSION_SIGNATURE) + 32] + (2**31).to_bytes(4, "big") + p[-100:]
             for p in payloads]
    assert assemble(guid, lying) is None                           # absurd length
    assert join(standard, b"<not xml") == standard


def test_unparseable_or_hostile_packets_are_refused():
    with pytest.raises(ValueError):
        split(b"<x:xmpmeta>" + b"y" * 70000)
    hostile = (b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + packet(900))
    with pytest.raises(ValueError):
        split(hostile)
