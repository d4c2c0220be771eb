"""The makers' own date blocks, from literals: Olympus PictureInfo, Canon CIFF, Reconyx HyperFire; hostile ones."""

from __future__ import annotations

import struct
from datetime import datetime
from pathlib import Path

import pytest

from gallery import maker_dates

from .conftest import make_photo

OLYMPUS = b"OLYMPUS OPTICAL CO.,LTD.   \x00 713\r\n[picture info]\r\nTimeDate=909698819\r\nShutter=33363\r\n"
HEADER = b"II\x1a\x00\x00\x00HEAPJPGM" + b"\x00" * 12  # 26 bytes: the heap starts after them


def ciff(entries: list[tuple[int, bytes]]) -> bytes:
    """A CIFF heap: the values, then the directory (count, 10-byte entries), then the directory's offset."""
    values, table = b"", b""
    for tag, value in entries:
        table += struct.pack("<HII", tag, len(value), len(values))
        values += value
    return values + struct.pack("<H", len(entries)) + table + struct.pack("<I", len(values))


def test_olympus_picture_info_is_the_camera_clock() -> None:
    assert maker_dates.olympus_picture_info(OLYMPUS) == datetime(1998, 10, 29, 22, 6, 59)  # exiftool's reading
    assert maker_dates.olympus_picture_info(OLYMPUS.replace(b"909698819", b"0")) is None, "an unset clock"
    assert maker_dates.olympus_picture_info(b"[picture info]\r\nShutter=1\r\n") is None


def test_a_canon_ciff_heap_gives_its_captured_time_even_in_a_subdirectory() -> None:
    captured = struct.pack("<III", 972687386, 0, 0)
    assert maker_dates.canon_ciff(HEADER + ciff([(0x180E, captured)])) == datetime(2000, 10, 27, 22, 56, 26)
    nested = ciff([(0x0032, b"text"), (0x300A, ciff([(0x180E, captured)]))])
    assert maker_dates.canon_ciff(HEADER + nested) == datetime(2000, 10, 27, 22, 56, 26)
    assert maker_dates.canon_ciff(b"JFIF\x00" + nested) is None, "not a CIFF heap"


@pytest.mark.parametrize(
    "heap",
    [
        b"",  # nothing after the header
        b"\xff\xff\xff\xff",  # a directory offset past the end
        struct.pack("<H", 60000) + struct.pack("<I", 0),  # a count larger than the heap
        struct.pack("<HHII", 1, 0x300A, 16, 0) + struct.pack("<I", 0),  # a subdirectory that is itself
    ],
)
def test_a_broken_ciff_heap_gives_nothing(heap: bytes) -> None:
    assert maker_dates.canon_ciff(HEADER + heap) is None


def test_a_reconyx_hyperfire_note_and_others() -> None:
    note = b"\x01\xf1" + b"\x00" * 20 + struct.pack("<6H", 0, 0, 10, 3, 16, 2020) + b"\x00" * 16
    assert maker_dates.reconyx_hyperfire(note) == datetime(2020, 3, 16, 10, 0)
    assert maker_dates.reconyx_hyperfire(b"Nikon\x00" + note) is None, "another maker's note"
    impossible = note[:22] + struct.pack("<6H", 0, 0, 10, 13, 40, 2020) + note[34:]
    assert maker_dates.reconyx_hyperfire(impossible) is None


def test_a_photo_dated_only_by_its_olympus_block_is_read(tmp_path: Path) -> None:
    plain = make_photo(tmp_path / "plain.jpg", None).read_bytes()
    app12 = b"\xff\xec" + struct.pack(">H", len(OLYMPUS) + 2) + OLYMPUS
    (tmp_path / "P1010001.JPG").write_bytes(plain[:2] + app12 + plain[2:])
    assert maker_dates.read_maker_date(tmp_path / "P1010001.JPG") == (
        datetime(1998, 10, 29, 22, 6, 59),
        "maker_olympus",
    )
    assert maker_dates.read_maker_date(tmp_path / "plain.jpg") is None
