"""privacy.strip_gps: the position goes, the pixels and the rest of the metadata stay."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from gallery import leakcheck, privacy

from .conftest import make_photo


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_gps_is_removed_and_nothing_else(tmp_path: Path, fmt: str) -> None:
    path = make_photo(tmp_path / f"x.{fmt.lower()}", datetime(2017, 9, 19, 10, 0), gps=(43.6111, 1.4339), fmt=fmt)
    data = path.read_bytes()
    stripped = privacy.strip_gps(data, {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "TIFF": "tiff"}[fmt])
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert before.getexif().get_ifd(0x8825), "the test photo has a position"
        assert not after.getexif().get_ifd(0x8825), "no position left"
        assert after.getexif().get_ifd(0x8769)[0x9003] == "2017:09:19 10:00:00", "the date stays"
        assert before.convert("RGB").tobytes() == after.convert("RGB").tobytes(), "same pixels"


def test_formats_it_cannot_clean_are_refused() -> None:
    with pytest.raises(privacy.CannotStrip):
        privacy.strip_gps(b"\0\0\0\x18ftypheic", "heif")
    with pytest.raises(privacy.CannotStrip):
        privacy.strip_gps(b"not a jpeg", "jpeg")


def jpeg_with_segments(*segments: bytes) -> bytes:
    """A small Pillow JPEG with extra APPn segments inserted right after SOI."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (90, 160, 30)).save(buffer, "JPEG", exif=located_exif().tobytes())
    data = buffer.getvalue()
    return data[:2] + b"".join(segments) + data[2:]


def located_exif() -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2017:09:19 10:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 32.0, 40.2)
    gps[3], gps[4] = "E", (1.0, 30.0, 39.6)
    return exif


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def test_edits_keep_every_length_so_no_offset_moves() -> None:
    """In place: the MPF index of a multi-picture file and TIFF strip offsets stay valid."""
    xmp = (
        b"http://ns.adobe.com/xap/1.0/\x00" + b'<x:xmpmeta><rdf:Description exif:GPSLatitude="43,32.67N"/></x:xmpmeta>'
    )
    extended = (
        b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32 + b"\0\0\0\x20\0\0\0\0" + b"<exif:GPSLongitude>1,30.66E"
    )
    data = jpeg_with_segments(segment(0xE1, xmp), segment(0xE1, extended))
    stripped = privacy.strip_gps(data, "jpeg")
    assert len(stripped) == len(data) and b"GPSL" not in stripped
    assert stripped[stripped.index(b"\xff\xda") :] == data[data.index(b"\xff\xda") :], "image data untouched"
    assert leakcheck.findings(data, "jpeg") and not leakcheck.findings(stripped, "jpeg")


def test_iptc_and_other_text_stay(tmp_path: Path) -> None:
    """Place names (IPTC City) are not coordinates: APP13 stays; so do PNG comments that are not metadata."""
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x5a\x00\x08Toulouse"
    data = jpeg_with_segments(segment(0xED, iptc))
    assert iptc in privacy.strip_gps(data, "jpeg")
    path = tmp_path / "x.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made for a test")
    info.add_text("Raw profile type exif", "\nexif\n  10\n45786966000049492a00\n", zip=True)
    Image.new("RGB", (8, 8)).save(path, "PNG", pnginfo=info)
    stripped = privacy.strip_gps(path.read_bytes(), "png")
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.text == {"Comment": "made for a test"}, "only the metadata chunks go"


def test_a_broken_exif_block_is_zeroed_not_trusted() -> None:
    broken = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x88\x25"  # an IFD cut short, GPS tag first
    data = jpeg_with_segments(segment(0xE1, broken))
    stripped = privacy.strip_gps(data, "jpeg")
    assert broken[6:] not in stripped and b"Exif\x00\x00" + bytes(len(broken) - 6) in stripped
    assert len(stripped) == len(data)


def test_verdicts_are_cached_and_a_read_only_cache_still_serves_clean_bytes(tmp_path: Path) -> None:
    from gallery.config import Config
    from gallery.web import originals

    folder = tmp_path / "media"
    original = make_photo(folder / "x.jpg", datetime(2017, 9, 19, 10, 0), gps=(43.5445, 1.5110))
    photo = {"sha256": "a" * 64, "format": "jpeg", "path": "media/x.jpg", "lat": None, "lon": None}
    config = Config(root=tmp_path)
    (tmp_path / ".gallery").mkdir()
    (tmp_path / ".gallery" / "public-originals").write_text("not a folder: the cache cannot be written")
    first = originals.servable(config, photo, keep_gps=False)
    assert first.path is None and first.data is not None and b"\x2b\x00\x00\x00\x01" not in first.data
    (tmp_path / ".gallery" / "public-originals").unlink()
    second = originals.servable(config, photo, keep_gps=False)
    assert second.path is not None and second.path.is_relative_to(tmp_path / ".gallery")
    assert second.path.read_bytes() == first.data
    assert originals.servable(config, photo, keep_gps=True).path == original.resolve()


def test_heif_xmp_that_cannot_be_read_is_refused() -> None:
    """An ISOBMFF mime item (XMP) whose content is deflated cannot be searched: refused; a plain one is read."""

    def infe(encoding: bytes) -> bytes:
        box = b"infe\x02\x00\x00\x00\x00\x03\x00\x00mimeXMP\x00application/rdf+xml\x00" + encoding
        return (len(box) + 4).to_bytes(4, "big") + box

    head = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    assert leakcheck.findings(head + infe(b"deflate\x00") + zlib.compress(b"<exif:GPSLatitude>"), "heif")
    assert leakcheck.findings(head + infe(b"") + b"<x:xmpmeta/>", "heif") == []
    assert leakcheck.findings(head + infe(b"") + b'<rdf:Description exif:GPSLatitude="43,32.67N"/>', "heif")


def test_a_located_preview_carried_inside_a_segment_is_cleaned_too() -> None:
    """Cameras carry previews (with their own EXIF) inside APP segments; those lose their GPS as well."""
    preview = io.BytesIO()
    Image.new("RGB", (16, 12), (5, 5, 5)).save(preview, "JPEG", exif=located_exif().tobytes())
    data = jpeg_with_segments(segment(0xE3, b"PREVIEW\x00" + preview.getvalue()))
    assert leakcheck.findings(data, "jpeg")
    stripped = privacy.strip_gps(data, "jpeg")
    assert leakcheck.findings(stripped, "jpeg") == [] and len(stripped) == len(data)
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert before.tobytes() == after.tobytes()
