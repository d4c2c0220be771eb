"""A RAW without a usable embedded preview is pictured by a real LibRaw decode (issue 12, last part).

The DNGs are written here byte by byte (a Bayer mosaic, 16 bits a sample, the DNG colour tags,
a GPS IFD and a JPEG preview) and decoded by the real LibRaw (rawpy); the corpus RAWs check that
what LibRaw cannot decode stays an archived tile with its reason.
"""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pytest
from PIL import Image

from gallery import leakcheck, thumbs

from .conftest import CORPUS, Gallery, sha256_of

WIDTH, HEIGHT = 1200, 800
ARTIST = "Raw Decode Artist Marker"
TYPES = {"BYTE": (1, "B"), "ASCII": (2, "s"), "SHORT": (3, "H"), "LONG": (4, "I"), "RATIONAL": (5, "II")}
TYPES["SRATIONAL"] = (10, "ii")


def _mosaic() -> bytes:
    """An RGGB mosaic of a scene: a bright top-left corner (to see rotation), a grey-green rest."""
    rows = []
    for y in range(HEIGHT):
        row = bytearray()
        for x in range(WIDTH):
            corner = x < WIDTH // 3 and y < HEIGHT // 3
            colour = (y % 2) * 2 + (x % 2)  # 0 R, 1 G, 2 G, 3 B
            level = 60000 if corner else (9000, 16000, 16000, 7000)[colour]
            row += struct.pack("<H", level)
        rows.append(bytes(row))
    return b"".join(rows)


def _ifd(entries: list[tuple[int, str, object]], at: int) -> tuple[bytes, bytes]:
    """An IFD placed at `at` and its out-of-line values right after it."""
    head = struct.pack("<H", len(entries))
    values_at = at + 2 + 12 * len(entries) + 4
    extra = b""
    for tag, kind, value in sorted(entries, key=lambda e: e[0]):
        code, fmt = TYPES[kind]
        if kind == "ASCII":
            data = str(value).encode() + b"\0"
            count = len(data)
        else:
            items = list(value) if isinstance(value, (list, tuple)) else [value]  # type: ignore[call-overload]
            flat = [v for item in items for v in (item if isinstance(item, tuple) else (item,))]
            data = struct.pack("<" + fmt[0] * len(flat), *flat)
            count = len(items)
        if len(data) <= 4:
            head += struct.pack("<HHI", tag, code, count) + data.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, code, count, values_at + len(extra))
            extra += data + b"\0" * (len(data) % 2)
    return head + b"\0\0\0\0", extra


def make_dng(
    path: Path, orientation: int = 1, preview: bool = True, preview_size: tuple[int, int] = (640, 426)
) -> Path:
    """A real, decodable DNG: IFD0 the raw mosaic, a SubIFD a JPEG preview, a GPS IFD."""
    raw = _mosaic()
    jpeg = io.BytesIO()
    Image.new("RGB", preview_size, (200, 40, 40)).save(jpeg, "JPEG", quality=80)
    preview_bytes = jpeg.getvalue() if preview else b""
    # Layout: header, raw data, preview, then the IFDs (each followed by its values).
    raw_at = 8
    preview_at = raw_at + len(raw)
    gps_at = preview_at + len(preview_bytes) + (len(preview_bytes) % 2)
    gps_entries: list[tuple[int, str, object]] = [
        (0, "BYTE", (2, 3, 0, 0)),
        (1, "ASCII", "N"),
        (2, "RATIONAL", [(43, 1), (32, 1), (4002, 100)]),
        (3, "ASCII", "E"),
        (4, "RATIONAL", [(1, 1), (30, 1), (3960, 100)]),
    ]
    gps_head, gps_extra = _ifd(gps_entries, gps_at)
    sub_at = gps_at + len(gps_head) + len(gps_extra)
    sub_entries: list[tuple[int, str, object]] = [
        (254, "LONG", 1),
        (256, "LONG", preview_size[0]),
        (257, "LONG", preview_size[1]),
        (258, "SHORT", (8, 8, 8)),
        (259, "SHORT", 7),
        (262, "SHORT", 6),
        (273, "LONG", preview_at),
        (277, "SHORT", 3),
        (279, "LONG", len(preview_bytes)),
    ]
    sub_head, sub_extra = _ifd(sub_entries, sub_at)
    ifd0_at = sub_at + len(sub_head) + len(sub_extra)
    ifd0_entries: list[tuple[int, str, object]] = [
        (254, "LONG", 0),
        (256, "LONG", WIDTH),
        (257, "LONG", HEIGHT),
        (258, "SHORT", 16),
        (259, "SHORT", 1),
        (262, "SHORT", 32803),
        (271, "ASCII", "Gallery"),
        (272, "ASCII", "Test DNG"),
        (273, "LONG", raw_at),
        (274, "SHORT", orientation),
        (277, "SHORT", 1),
        (278, "LONG", HEIGHT),
        (279, "LONG", len(raw)),
        (284, "SHORT", 1),
        (315, "ASCII", ARTIST),
        (34853, "LONG", gps_at),
        (33421, "SHORT", (2, 2)),
        (33422, "BYTE", (0, 1, 1, 2)),
        (50706, "BYTE", (1, 4, 0, 0)),
        (50708, "ASCII", "Gallery Test DNG"),
        (50717, "LONG", 65535),
        (50721, "SRATIONAL", [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]),
        (50728, "RATIONAL", [(9, 16), (1, 1), (7, 16)]),  # the camera saw the grey as R 9000, G 16000, B 7000
        (50778, "SHORT", 21),
    ]
    if preview:
        ifd0_entries.append((330, "LONG", sub_at))
    ifd0_head, ifd0_extra = _ifd(ifd0_entries, ifd0_at)
    header = b"II*\0" + struct.pack("<I", ifd0_at)
    body = header + raw + preview_bytes + b"\0" * (len(preview_bytes) % 2)
    path.write_bytes(body + gps_head + gps_extra + sub_head + sub_extra + ifd0_head + ifd0_extra)
    return path


def spoil_previews(path: Path) -> None:
    """Overwrite every embedded JPEG's bytes (not the IFDs that point to them): the raw data stays whole."""
    data = bytearray(path.read_bytes())
    start = data.find(b"\xff\xd8\xff")
    while start >= 0:
        end = data.find(b"\xff\xd9", start)
        end = len(data) if end < 0 else end + 2
        data[start:end] = b"\x5a" * (end - start)
        start = data.find(b"\xff\xd8\xff", end)
    path.write_bytes(bytes(data))


def _derivatives(gallery: Gallery, sha256: str) -> dict[str, bytes]:
    thumbs_dir = gallery.root / "thumbnails"
    return {size: (thumbs_dir / thumbs.derivative_path(sha256, size)).read_bytes() for size in thumbs.SIZES}


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_raw_without_a_usable_preview_is_decoded_by_libraw(
    gallery: Gallery, tmp_path: Path, orientation: int
) -> None:
    card = tmp_path / "card"
    card.mkdir()
    dng = make_dng(card / "DSC_0001.dng", orientation=orientation)
    spoil_previews(dng)
    report = gallery.import_(card)
    assert report["archived"] == {"raw": 1} and not report["rejected"], report
    (row,) = gallery.rows()
    assert row["bad_tags"] is None, "decoded, not a tile"
    assert sha256_of(gallery.root / row["path"]) == sha256_of(dng), "the RAW is archived as is"
    half = (WIDTH // 2, HEIGHT // 2) if orientation == 1 else (HEIGHT // 2, WIDTH // 2)
    assert (row["width"], row["height"]) == half, "LibRaw's half-size decode, turned as the EXIF says"
    gallery("thumbs")  # the viewer size too
    for size, data in _derivatives(gallery, row["sha256"]).items():
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "WEBP" and max(image.size) == min(thumbs.SIZES[size], max(half))
            assert (image.width > image.height) == (orientation == 1)
            image = image.convert("RGB")
            corner = image.getpixel((5, 5)) if orientation == 1 else image.getpixel((image.width - 5, 5))
            middle = image.getpixel((image.width * 3 // 4, image.height * 3 // 4))
            assert isinstance(corner, tuple) and isinstance(middle, tuple)
            assert sum(corner) > sum(middle) + 150, f"{size}: the bright corner is where the sensor saw it"
            assert max(middle) - min(middle) < 25, f"{size}: camera white balance leaves grey near grey"
            assert image.info.get("exif") is None and image.info.get("icc_profile") is None
        assert ARTIST.encode() not in data and b"Test DNG" not in data, "pixels only, no metadata"
        assert leakcheck.findings(data, "webp", (43.5445, 1.511)) == []


def test_a_raw_with_its_preview_keeps_the_preview(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    make_dng(card / "DSC_0002.dng")
    gallery.import_(card)
    (row,) = gallery.rows()
    assert (row["width"], row["height"]) == (640, 426), "the embedded preview, no decode needed"


def test_a_raw_whose_only_preview_is_a_thumbnail_is_decoded(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    make_dng(card / "DSC_0004.dng", preview_size=(160, 106))
    gallery.import_(card)
    (row,) = gallery.rows()
    assert (row["width"], row["height"]) == (WIDTH // 2, HEIGHT // 2), "LibRaw draws more than a 160 px thumbnail"


def test_a_truncated_raw_stays_a_tile_with_its_reason(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    whole = make_dng(tmp_path / "whole.dng", preview=False).read_bytes()
    (card / "DSC_0003.dng").write_bytes(whole[: len(whole) // 3])  # the IFDs are at the end: gone
    report = gallery.import_(card)
    assert report["archived"] == {"raw": 1} and not report["rejected"], "archived all the same"
    (row,) = gallery.rows()
    assert row["bad_tags"] and "picture:raw_undecodable" in row["bad_tags"]
    assert (row["grid_width"], row["grid_height"]) == (512, 384), "a plain tile"


@pytest.mark.corpus
def test_the_corpus_raws_libraw_cannot_decode_stay_tiles(gallery: Gallery, tmp_path: Path) -> None:
    """The corpus DNG is JPEG XL-compressed (DNG 1.7), which LibRaw 0.22 does not decode, and the ARW
    is cut short: with their previews spoiled both are archived tiles that say why."""
    card = tmp_path / "card"
    card.mkdir()
    for name in (
        "nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.dng",
        "sony_alpha_a7iii_raw_image.ARW",
    ):
        shutil.copy(CORPUS / "raw" / name, card / name)
        spoil_previews(card / name)
    report = gallery.import_(card)
    assert report["archived"] == {"raw": 2} and not report["rejected"] and not report["skipped"], report
    for row in gallery.rows():
        assert row["bad_tags"] and "picture:raw_undecodable" in row["bad_tags"], row["source_path"]
        assert (row["grid_width"], row["grid_height"]) == (512, 384)
