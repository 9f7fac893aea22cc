"""imagemeta: the orientation reset is done in place, every other byte of the metadata kept."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from iea_core.imagemeta import (EXIF_HEADER, ImageMetadata, embed_jpeg, embed_png, from_pil,
                                iptc_records, mark_settings_applied, reset_exif, reset_xmp)


def _exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Nikon"           # Make
    exif[0x013B] = "A. Photographer"  # Artist
    return exif.tobytes()[len(EXIF_HEADER):] if exif.tobytes().startswith(EXIF_HEADER) \
        else exif.tobytes()


def test_reset_exif_changes_only_the_orientation():
    raw = _exif_bytes(8)
    reset = reset_exif(raw)
    assert len(reset) == len(raw)
    assert sum(a != b for a, b in zip(raw, reset)) == 1     # one byte: 8 -> 1
    exif = Image.Exif()
    exif.load(EXIF_HEADER + reset)
    assert exif[0x0112] == 1 and exif[0x010F] == "Nikon" and exif[0x013B] == "A. Photographer"
    assert reset_exif(b"garbage") == b"garbage"             # unknown data is left alone
    assert reset_exif(b"II*\x00\xff\xff\xff\x7f") == b"II*\x00\xff\xff\xff\x7f"


def test_reset_xmp_attribute_and_element_forms():
    packet = (b'<x:xmpmeta><rdf:Description tiff:Orientation="6" tiff:Make="X"/>'
              b'<tiff:Orientation> 8 </tiff:Orientation></x:xmpmeta>')
    reset = reset_xmp(packet)
    assert b'tiff:Orientation="1"' in reset and b"<tiff:Orientation> 1 </tiff:Orientation>" \
        in reset and b'tiff:Make="X"' in reset and len(reset) == len(packet)


CRS = b'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"'
RDF = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">')
END = b"</rdf:RDF></x:xmpmeta>"


@pytest.mark.parametrize("packet, expected", [
    # attribute form, with padding: the flag is added where crs is declared, same length
    (b'<?xpacket begin=""?>' + RDF + b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/'
     b'1.1/" dc:format="x"/><rdf:Description ' + CRS + b' crs:Exposure2012="+0.50"/>' + END
     + b" " * 40 + b'<?xpacket end="w"?>', b'<rdf:Description crs:AlreadyApplied="True" xmlns:crs'),
    # element form, already present as False
    (RDF + b"<rdf:Description " + CRS + b"><crs:Exposure2012>+1</crs:Exposure2012>"
     b"<crs:AlreadyApplied>False</crs:AlreadyApplied></rdf:Description>" + END,
     b"<crs:AlreadyApplied>True</crs:AlreadyApplied>"),
    # another prefix bound to Camera Raw's namespace
    (RDF + b'<rdf:Description xmlns:cr="http://ns.adobe.com/camera-raw-settings/1.0/"'
     b' cr:AlreadyApplied="False" cr:Contrast2012="+20"/>' + END,
     b'cr:AlreadyApplied="True" cr:Contrast2012="+20"'),
])
def test_rendered_lightroom_settings_are_marked_already_applied(packet, expected, tmp_path):
    from iea_core.hosts.lightroom import read_settings

    marked = mark_settings_applied(packet)
    assert expected in marked and mark_settings_applied(marked) == marked
    if b"xpacket end" in packet:
        assert len(marked) == len(packet)
    (tmp_path / "marked.xmp").write_bytes(marked)
    settings = read_settings(tmp_path / "marked.xmp")
    assert str(settings["AlreadyApplied"]) == "True" and len(settings) == 2


def test_marking_a_hostile_packet_takes_linear_time():
    """A long run of spaces without the packet's end marker (a regex search for "spaces, then
    the marker" retries from every space: 200 KB took minutes)."""
    import time

    packet = RDF + b"<rdf:Description " + CRS + b' crs:Exposure2012="+1"/>' + END
    start = time.perf_counter()
    for padding in (b" " * 200_000, b" " * 200_000 + b'<?xpacket end="w"?>'):
        marked = mark_settings_applied(packet + padding)
        assert b'crs:AlreadyApplied="True"' in marked
    assert len(marked) == len(packet + padding)   # the padding paid for the flag
    assert time.perf_counter() - start < 1.0


def test_packets_without_camera_raw_settings_are_not_marked():
    for packet in (b"<x:xmpmeta>kw</x:xmpmeta>",
                   RDF + b"<rdf:Description " + CRS + b' xmlns:dc="http://purl.org/dc/elements/'
                   b'1.1/" dc:format="x"/>' + END):
        assert mark_settings_applied(packet) == packet


def test_jpeg_and_png_round_trip_the_blocks():
    meta = ImageMetadata(exif=_exif_bytes(1), xmp=b"<x:xmpmeta>kw</x:xmpmeta>",
                         iptc=b"8BIM\x04\x04\x00\x00\x00\x00\x00\x08\x1c\x02\x19\x00\x03cat\x00")
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buffer, "JPEG")
    back = from_pil(Image.open(io.BytesIO(embed_jpeg(buffer.getvalue(), meta))))
    assert back == meta
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buffer, "PNG")
    png = Image.open(io.BytesIO(embed_png(buffer.getvalue(), meta)))
    png.load()
    back = from_pil(png)
    assert back.exif == meta.exif and back.xmp == meta.xmp
    assert iptc_records(back.iptc) == iptc_records(meta.iptc)


def test_sixteen_bit_tiff_carries_every_block_and_exact_pixels(tmp_path):
    import tifffile
    from PIL import ImageCms

    from iea_core.imageio import read_image, write_image

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    meta = ImageMetadata(exif=_exif_bytes(6), xmp=b"<x:xmpmeta>kw</x:xmpmeta>",
                         iptc=b"8BIM\x04\x04\x00\x00\x00\x00\x00\x08\x1c\x02\x19\x00\x03cat\x00")
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 65535, (21, 34, 3), dtype=np.uint16, endpoint=True)
    alpha = rng.integers(0, 65535, (21, 34), dtype=np.uint16, endpoint=True)
    path = write_image(tmp_path / "x.tif", rgb, icc_profile=icc, metadata=meta, alpha=alpha)
    with tifffile.TiffFile(path) as tif:
        data = tif.pages[0].asarray()
    assert data.dtype == np.uint16 and np.array_equal(data, np.dstack([rgb, alpha]))
    photo = read_image(path)
    assert photo.icc_profile == icc and photo.metadata.xmp == meta.xmp
    assert iptc_records(photo.metadata.iptc) == iptc_records(meta.iptc)
    exif = Image.Exif()
    exif.load(EXIF_HEADER + photo.metadata.exif)
    assert exif[0x0112] == 1 and exif[0x010F] == "Nikon" and exif[0x013B] == "A. Photographer"


def test_a_tiff_based_raw_carries_its_camera_metadata(tmp_path):
    """A DNG's EXIF (and GPS, XMP, IPTC) reaches the rendered file; its sensor tags (DNG
    version, colour matrices, CFA pattern) and strip layout do not."""
    import subprocess

    from iea_core.imageio import read_image, write_image
    from iea_core.tiffifd import parse_exif
    from tests.conftest import require_tool
    from tests.io.test_imageio import write_dng

    raw = tmp_path / "cam.dng"
    write_dng(raw, np.linspace(0.02, 0.5, 48)[None, :, None] * np.ones((32, 48, 3)))
    subprocess.run([require_tool("exiftool"), "-q", "-overwrite_original", "-Make=Canon",
                    "-Artist=Jane Doe", "-ExposureTime=1/250", "-GPSLatitude=48.8",
                    "-GPSLatitudeRef=N", "-XMP-dc:Subject=cat", "-IPTC:City=Paris",
                    "-Orientation#=6", str(raw)], check=True)
    photo = read_image(raw)
    assert photo.is_raw and photo.pixels.shape[:2] == (24, 16)          # turned upright
    tags = {e.tag for e in parse_exif(photo.metadata.exif)[1]}
    assert {0x010F, 0x013B, 0x0112, 0x8769, 0x8825} <= tags
    assert not tags & {50706, 50721, 50728, 33421, 33422, 273, 279, 258}
    out = write_image(tmp_path / "out.jpg", photo.pixels, metadata=photo.metadata)
    fields = subprocess.run([require_tool("exiftool"), "-j", "-G1", "-n", str(out)],
                            capture_output=True, text=True, check=True).stdout
    import json

    fields = json.loads(fields)[0]
    assert fields["IFD0:Make"] == "Canon" and fields["IFD0:Artist"] == "Jane Doe"
    assert fields["ExifIFD:ExposureTime"] == 0.004 and fields["GPS:GPSLatitudeRef"] == "N"
    assert fields["IFD0:Orientation"] == 1 and fields["XMP-dc:Subject"] == "cat"
    assert fields["IPTC:City"] == "Paris" and "IFD0:DNGVersion" not in fields


def test_iptc_in_a_tiff_is_cut_at_its_last_dataset_not_at_zero_bytes():
    from iea_core.imagemeta import _iim_length

    records = b"\x1c\x02\x19\x00\x03cat" + b"\x1c\x02\x78\x00\x02a\x00"   # a value ending in 0
    assert _iim_length(records + b"\x00\x00\x00") == len(records)
    assert _iim_length(b"\x1c\x02\x19\x00\x09short") == 0               # truncated: nothing
    extended = b"\x1c\x02\x78\x80\x02\x00\x04abcd"
    assert _iim_length(extended + b"\x00") == len(extended)


def test_a_jpeg_comment_and_png_text_are_carried(tmp_path):
    """The JPEG comment and a PNG's text chunks (Author, Description) reach the rendered file:
    as they were in the same format, as the JPEG comment or TIFF ImageDescription otherwise."""
    from PIL import Image, PngImagePlugin

    from iea_core.imageio import read_image, write_image

    pixels = np.full((24, 32, 3), 120, np.uint8)
    Image.fromarray(pixels).save(tmp_path / "c.jpg", comment=b"shot on the pier")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ana")
    info.add_itxt("Description", "d\u00e9but de soir\u00e9e")
    Image.fromarray(pixels).save(tmp_path / "t.png", pnginfo=info)
    jpeg, png = read_image(tmp_path / "c.jpg"), read_image(tmp_path / "t.png")
    write_image(tmp_path / "c2.jpg", jpeg.pixels, metadata=jpeg.metadata)
    write_image(tmp_path / "c2.png", jpeg.pixels, metadata=jpeg.metadata)
    write_image(tmp_path / "t2.png", png.pixels, metadata=png.metadata)
    write_image(tmp_path / "t2.jpg", png.pixels, metadata=png.metadata)
    assert Image.open(tmp_path / "c2.jpg").info["comment"] == b"shot on the pier"
    assert Image.open(tmp_path / "c2.png").text["Comment"] == "shot on the pier"
    text = Image.open(tmp_path / "t2.png").text
    assert text["Author"] == "Ana" and text["Description"] == "d\u00e9but de soir\u00e9e"
    comment = Image.open(tmp_path / "t2.jpg").info["comment"].decode("utf-8")
    assert "Author: Ana" in comment and "soir\u00e9e" in comment
    write_image(tmp_path / "c2.tif", jpeg.pixels, metadata=jpeg.metadata)
    assert Image.open(tmp_path / "c2.tif").tag_v2[270] == "shot on the pier"
