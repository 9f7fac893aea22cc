"""Hostile, malformed and newer-version files are refused and left byte-identical; concurrent
writers serialise."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from iea_core.errors import SidecarError, UnsafeXml
from iea_core.hosts import darktable as D
from iea_core.hosts import lightroom as L
from iea_core.program import Program

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x:xmpmeta [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
 crs:Exposure2012="&secret;"/></rdf:RDF></x:xmpmeta>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" darktable:history_end="&lol9;"/>
</rdf:RDF></x:xmpmeta>"""

MALFORMED = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'

NEWER = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" darktable:xmp_version="9"
 darktable:history_end="0" darktable:iop_order_version="5"/></rdf:RDF></x:xmpmeta>"""

WRITERS = {
    "lightroom": (L.write_sidecar, lambda image: image.with_suffix(".xmp"), "IMG_1.CR2"),
    "darktable": (D.write_sidecar, D.sidecar_path, "IMG_1.CR2"),
}


@pytest.mark.parametrize("host", sorted(WRITERS))
@pytest.mark.parametrize("content,error", [(XXE, UnsafeXml), (LAUGHS, UnsafeXml),
                                           (MALFORMED, SidecarError)],
                         ids=["xxe", "billion-laughs", "malformed"])
def test_hostile_sidecars_are_refused_untouched(tmp_path: Path, host: str, content: bytes,
                                                error: type) -> None:
    write, sidecar_of, name = WRITERS[host]
    image = tmp_path / name
    image.write_bytes(b"raw")
    sidecar = sidecar_of(image)
    sidecar.write_bytes(content)
    with pytest.raises(error):
        write(image, Program({"exposure": 10}))
    assert sidecar.read_bytes() == content
    assert not sidecar.with_name(sidecar.name + ".bak").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        sorted([image.name, sidecar.name])
    with pytest.raises(error):
        (L.read_settings if host == "lightroom" else D.read_sidecar)(sidecar)


def test_newer_darktable_sidecar_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(b"x")
    sidecar = D.sidecar_path(image)
    sidecar.write_bytes(NEWER)
    with pytest.raises(SidecarError, match="newer darktable"):
        D.write_sidecar(image, {"exposure": 5})
    assert sidecar.read_bytes() == NEWER


def test_bad_history_end_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(b"x")
    sidecar = D.write_sidecar(image, {"exposure": 5})
    bad = sidecar.read_bytes().replace(b'history_end="1"', b'history_end="7"')
    sidecar.write_bytes(bad)
    with pytest.raises(SidecarError, match="history_end"):
        D.write_sidecar(image, {"exposure": 6})
    assert sidecar.read_bytes() == bad


def _writer(args: tuple[str, str, int]) -> None:
    host, image, seed = args
    write = L.write_sidecar if host == "lightroom" else D.write_sidecar
    for i in range(4):
        write(image, Program({"exposure": seed * 10 + i + 1, "contrast": -seed - 1}))


@pytest.mark.parametrize("host", ["lightroom", "darktable"])
def test_concurrent_writers_serialise(tmp_path: Path, host: str) -> None:
    image = tmp_path / "IMG_9.NEF"
    image.write_bytes(b"x")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        pool.map(_writer, [(host, str(image), seed) for seed in range(3)])
    if host == "lightroom":
        settings = L.read_settings(L.sidecar_path(image))
        program, _ = L.crs_to_program(settings)
    else:
        state = D.read_history(D.sidecar_path(image))
        # 12 writes, each appending exposure + contrast: nothing lost, nothing interleaved
        assert len(state.items) == 24 and state.history_end == 24
        program = D.read_sidecar(D.sidecar_path(image))
    # the last writer's program, whole: exposure and contrast from the same write
    assert program["contrast"] in (-1, -2, -3)
    seed = -program["contrast"] - 1
    assert program["exposure"] == seed * 10 + 4
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
