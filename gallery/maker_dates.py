"""Capture dates that only a maker's own block holds, where exifread does not look.

Three small readers, each for a block exiftool documents and the corpus holds, each answering the
camera clock's naive time (these cameras knew no zone) or None:

- Olympus `PictureInfo`: a JPEG APP12 segment of text lines, `TimeDate=<seconds since 1970>`;
- Canon CIFF: a JPEG APP0 segment holding a CIFF heap (`HEAPJPGM`), tag 0x180e CapturedTime;
- Reconyx HyperFire: the EXIF maker note (version 0xf101), six 16-bit words at byte 22.

A camera clock's seconds are its local time written as if it were UTC (exiftool reads them so):
they become a naive time, never converted through any zone.
"""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCAN = 256 * 1024  # the blocks sit in the first segments of the file
PICTURE_INFO = re.compile(rb"\[picture info\]\r?\n(?:[^\[]{0,2048}?)TimeDate=(\d{1,10})\r?\n")
CIFF_HEADER = re.compile(rb"II\x1a\x00\x00\x00HEAPJPGM")
CIFF_CAPTURED_TIME = 0x180E
MAX_ENTRIES = 1024
MAX_DEPTH = 8
RECONYX_HYPERFIRE = b"\x01\xf1"


def read_maker_date(path: Path) -> tuple[datetime, str] | None:
    """(naive camera time, date_source) from a maker block of this JPEG, else None (the I/O edge)."""
    with open(path, "rb") as fh:
        head = fh.read(SCAN)
    if not head.startswith(b"\xff\xd8"):
        return None
    for segment in jpeg_segments(head):
        for reader, source in ((olympus_picture_info, "maker_olympus"), (canon_ciff, "maker_canon_ciff")):
            when = reader(segment)
            if when is not None:
                return when, source
    note = _maker_note(path)
    when = reconyx_hyperfire(note) if note else None
    return (when, "maker_reconyx") if when is not None else None


def _maker_note(path: Path) -> bytes | None:
    from PIL import Image

    try:
        with Image.open(path, formats=["JPEG"]) as image:
            note = image.getexif().get_ifd(0x8769).get(0x927C)
    except Exception:  # a JPEG Pillow cannot read: its other readers already said so
        return None
    return note if isinstance(note, bytes) else None


def jpeg_segments(data: bytes) -> list[bytes]:
    """Pure: the APP0 and APP12 segments' payloads of a JPEG, in order, until the image data starts."""
    found, position = [], 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: no more metadata segments
            break
        (length,) = struct.unpack_from(">H", data, position + 2)
        if length < 2:
            break
        if marker in (0xE0, 0xEC):
            found.append(data[position + 4 : position + 2 + length])
        position += 2 + length
    return found


def olympus_picture_info(segment: bytes) -> datetime | None:
    """Pure: Olympus's APP12 text, `TimeDate=909698819` -> 1998-10-29 22:06:59 (camera clock)."""
    match = PICTURE_INFO.search(segment)
    return _clock(int(match.group(1))) if match else None


def canon_ciff(segment: bytes) -> datetime | None:
    """Pure: the CapturedTime (0x180e) of a CIFF heap in an APP0 segment (old Canon PowerShots)."""
    header = CIFF_HEADER.match(segment)
    if header is None:
        return None
    return _ciff_time(segment, 26, len(segment), 0)


def _ciff_time(data: bytes, start: int, end: int, depth: int) -> datetime | None:
    """Walk one CIFF directory (its table's offset is the heap's last 4 bytes) and its subdirectories."""
    if depth > MAX_DEPTH or end - start < 6:
        return None
    (table,) = struct.unpack_from("<I", data, end - 4)
    table += start
    if not start <= table <= end - 2:
        return None
    (count,) = struct.unpack_from("<H", data, table)
    for index in range(min(count, MAX_ENTRIES)):
        entry = table + 2 + 10 * index
        if entry + 10 > end:
            return None
        tag, size, offset = struct.unpack_from("<HII", data, entry)
        if tag & 0xC000:  # the value sits in the entry itself: not where a date is
            continue
        child_start, child_end = start + offset, start + offset + size
        if child_end > end:
            continue
        if tag & 0x3800 in (0x2800, 0x3000):  # a subdirectory
            found = _ciff_time(data, child_start, child_end, depth + 1)
            if found is not None:
                return found
        elif tag & 0x3FFF == CIFF_CAPTURED_TIME and size >= 4:
            (seconds,) = struct.unpack_from("<I", data, child_start)
            return _clock(seconds)
    return None


def reconyx_hyperfire(note: bytes) -> datetime | None:
    """Pure: a Reconyx HyperFire maker note's DateTimeOriginal (second, minute, hour, month, day, year)."""
    if not note.startswith(RECONYX_HYPERFIRE) or len(note) < 34:
        return None
    second, minute, hour, month, day, year = struct.unpack_from("<6H", note, 22)
    try:
        return datetime(year, month, day, hour, minute, second) if 1990 <= year <= 2100 else None
    except ValueError:
        return None


def _clock(seconds: int) -> datetime | None:
    if seconds < 86400 * 365 * 20:  # before 1990: an unset clock, not a date
        return None
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)).replace(tzinfo=None)
