"""privacy.strip_gps's XMP branches on every format it claims, with files Pillow writes.

Each file carries its position only in XMP (no EXIF GPS), so what the test finds is what the XMP
branch did: the packet is gone or blanked, every length kept where lengths matter, the pixels and
the other text untouched, and leakcheck (which parses on its own) finds nothing.
"""

from __future__ import annotations

import binascii
import io

import pytest
from PIL import Image, PngImagePlugin, TiffImagePlugin

from gallery import leakcheck, privacy

XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="43,36.666N" '
    b'exif:GPSLongitude="1,26.034E"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
POSITION = (43.6111, 1.4339)


def picture() -> Image.Image:
    image = Image.new("RGB", (48, 32), (200, 120, 40))
    image.putpixel((3, 4), (0, 0, 255))
    return image


def saved(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, fmt, **options)
    data = buffer.getvalue()
    assert b"GPSLatitude" in data, "the test file carries its position in XMP"
    return data


def assert_clean(stripped: bytes, kind: str, same_length: bool = True, original: bytes = b"") -> None:
    assert b"GPSLatitude" not in stripped and b"GPSLongitude" not in stripped
    assert leakcheck.findings(stripped, kind, POSITION) == []
    if same_length:
        assert len(stripped) == len(original), "no offset may move"
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.convert("RGB").tobytes() == picture().tobytes() or kind == "jpeg"
        after.load()


def test_jpeg_xmp_written_by_pillow_is_blanked_in_place() -> None:
    data = saved("JPEG", xmp=XMP, quality=95)
    stripped = privacy.strip_gps(data, "jpeg")
    assert_clean(stripped, "jpeg", original=data)
    assert b"<x:xmpmeta" in stripped, "an empty packet stays where the packet was"
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert before.tobytes() == after.tobytes(), "same decoded pixels"


def test_tiff_xmp_tag_700_is_blanked_in_place() -> None:
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[700] = XMP
    info.tagtype[700] = 1  # BYTE, as XMP is written
    data = saved("TIFF", tiffinfo=info)
    stripped = privacy.strip_gps(data, "tiff")
    assert_clean(stripped, "tiff", original=data)
    with Image.open(io.BytesIO(stripped)) as after:
        packet = bytes(after.tag_v2[700])
    assert len(packet) == len(XMP) and packet.startswith(b"<?xpacket begin") and packet.endswith(b'end="w"?>')


def test_png_xmp_and_raw_profile_chunks_are_dropped_and_other_text_stays() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=True)  # compressed: found all the same
    hexed = binascii.hexlify(XMP).decode()
    info.add_text("Raw profile type xmp", f"\nxmp\n{len(XMP):8d}\n{hexed}\n")
    info.add_text("Comment", "Mêlée numérique")
    buffer = io.BytesIO()
    picture().save(buffer, "PNG", pnginfo=info)
    data = buffer.getvalue()
    stripped = privacy.strip_gps(data, "png")
    assert hexed.encode()[:40] not in stripped
    assert_clean(stripped, "png", same_length=False)
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.text == {"Comment": "Mêlée numérique"}


def test_webp_xmp_chunk_is_blanked_in_place() -> None:
    data = saved("WEBP", xmp=XMP, lossless=True)
    stripped = privacy.strip_gps(data, "webp")
    assert_clean(stripped, "webp", original=data)
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.info.get("xmp", b"").startswith(b"<?xpacket begin")


@pytest.mark.parametrize("size", [0, 5, 60, 200])
def test_an_empty_packet_fills_exactly_the_space_it_replaces(size: int) -> None:
    packet = privacy._empty_packet(size)
    assert len(packet) == size and b"GPS" not in packet
