"""Removing location from a copy of an original, without touching its pixels. Pure: bytes in, bytes out.

Whatever the EXIF parser of the import thought of the position (valid, rejected, half there), every
GPS IFD found is emptied and every XMP packet is blanked. The edits are made in place and keep every
length, so that no offset moves: the entropy-coded data, the MPF index of a multi-picture JPEG
(phones, 3D cameras) and the strips of a TIFF stay byte for byte where they were.

- JPEG: each APP1 EXIF (GPS IFDs reached from IFD0, IFD1, the Exif IFD, SubIFDs) and each XMP
  APP1 (standard and extended), in the main image and in every embedded JPEG found after it (the
  second image of an MPO, a JPEG appended after the end marker).
- TIFF: the same IFD walk over every page, and the XMP tag 700.
- PNG: eXIf emptied as above; XMP text chunks ("XML:com.adobe.xmp") and ImageMagick's
  "Raw profile type ..." text chunks (hex EXIF, XMP or IPTC) dropped (PNG has no offsets).
- WebP: the EXIF chunk emptied as above, the XMP chunk blanked.
- HEIF and AVIF: `CannotStrip`; such an original is only served when `leakcheck` finds nothing in it.

IPTC (JPEG APP13, TIFF tag 33723) stays: it holds place names at most, which the photo page shows
anyway. This module never decides whether a file is clean: `gallery.leakcheck` does, on the bytes
this module returns, with parsing code of its own.
"""

from __future__ import annotations

import struct
import zlib

GPS_IFD_TAG = 0x8825
EXIF_IFD_TAG = 0x8769
INTEROP_IFD_TAG = 0xA005
SUB_IFDS_TAG = 0x014A
XMP_TAG = 700
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
MAX_IFDS = 64
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
EMPTY_XMP = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
XMP_END = b'<?xpacket end="w"?>'


EDITABLE = ("jpeg", "tiff", "png", "webp")


class CannotStrip(Exception):
    pass


def strip_gps(data: bytes, kind: str) -> bytes:
    """A copy of `data` without GPS IFDs and XMP packets; CannotStrip when the format is not handled."""
    if kind == "jpeg":
        from .motion import clip_offset_in

        clip = clip_offset_in(data)  # a motion photo's MP4 keeps its place in its own atoms: cut off
        return bytes(_jpeg_file(bytearray(data[:clip] if clip else data)))
    if kind == "tiff":
        buffer = bytearray(data)
        _tiff(buffer, 0, len(buffer))
        return bytes(buffer)
    if kind == "png":
        return _png(data)
    if kind == "webp":
        return bytes(_webp(bytearray(data)))
    raise CannotStrip(f"cannot remove location from {kind} files")


# -- TIFF structures (EXIF blocks are TIFF structures too) ----------------------------------------


def _tiff(buffer: bytearray, start: int, end: int) -> None:
    """Empty every GPS IFD and blank the XMP of the TIFF structure at buffer[start:end], in place."""
    header = bytes(buffer[start : start + 4])
    if header not in (b"II*\x00", b"MM\x00*"):
        raise CannotStrip("not a TIFF header")
    order = "<" if header[:2] == b"II" else ">"
    pending = [_u32(buffer, start, end, 4, order)]
    seen: set[int] = set()
    while pending:
        offset = pending.pop()
        if offset == 0 or offset in seen:
            continue
        if len(seen) >= MAX_IFDS:
            raise CannotStrip("too many IFDs")
        seen.add(offset)
        count = _u16(buffer, start, end, offset, order)
        for index in range(count):
            entry = offset + 2 + 12 * index
            tag, kind, number = _entry(buffer, start, end, entry, order)
            if tag == GPS_IFD_TAG:
                _empty_ifd(buffer, start, end, _u32(buffer, start, end, entry + 8, order), order)
            elif tag in (EXIF_IFD_TAG, INTEROP_IFD_TAG):
                pending.append(_u32(buffer, start, end, entry + 8, order))
            elif tag == SUB_IFDS_TAG and kind in (4, 13):
                pending.extend(_longs(buffer, start, end, entry, number, order))
            elif tag == XMP_TAG:
                _blank_xmp_value(buffer, start, end, entry, kind, number, order)
        pending.append(_u32(buffer, start, end, offset + 2 + 12 * count, order))  # the next IFD (pages, IFD1)


def _entry(buffer: bytearray, start: int, end: int, entry: int, order: str) -> tuple[int, int, int]:
    if start + entry + 12 > end:
        raise CannotStrip("truncated IFD")
    tag, kind, number = struct.unpack_from(order + "HHI", buffer, start + entry)
    return int(tag), int(kind), int(number)


def _value_span(
    buffer: bytearray, start: int, end: int, entry: int, kind: int, number: int, order: str
) -> tuple[int, int]:
    """Where an entry's value sits (absolute offsets), inline or pointed to."""
    size = TYPE_SIZES.get(kind, 1) * number
    if size <= 4:
        return start + entry + 8, start + entry + 8 + size
    offset = _u32(buffer, start, end, entry + 8, order)
    if start + offset + size > end:
        raise CannotStrip("value out of range")
    return start + offset, start + offset + size


def _empty_ifd(buffer: bytearray, start: int, end: int, offset: int, order: str) -> None:
    """Zero a GPS IFD's entries and the values they point to; its count becomes 0."""
    count = _u16(buffer, start, end, offset, order)
    for index in range(count):
        entry = offset + 2 + 12 * index
        _, kind, number = _entry(buffer, start, end, entry, order)
        try:
            first, last = _value_span(buffer, start, end, entry, kind, number, order)
            buffer[first:last] = bytes(last - first)
        except CannotStrip:
            pass  # a value pointing outside the block holds nothing of this file
        buffer[start + entry : start + entry + 12] = bytes(12)
    struct.pack_into(order + "H", buffer, start + offset, 0)


def _blank_xmp_value(buffer: bytearray, start: int, end: int, entry: int, kind: int, number: int, order: str) -> None:
    first, last = _value_span(buffer, start, end, entry, kind, number, order)
    buffer[first:last] = _empty_packet(last - first)


def _longs(buffer: bytearray, start: int, end: int, entry: int, number: int, order: str) -> list[int]:
    first, last = _value_span(buffer, start, end, entry, 4, number, order)
    return [int(v) for v in struct.unpack_from(f"{order}{number}I", buffer, first)] if last > first else []


def _u16(buffer: bytearray, start: int, end: int, offset: int, order: str) -> int:
    if start + offset + 2 > end:
        raise CannotStrip("offset out of range")
    return int(struct.unpack_from(order + "H", buffer, start + offset)[0])


def _u32(buffer: bytearray, start: int, end: int, offset: int, order: str) -> int:
    if start + offset + 4 > end:
        raise CannotStrip("offset out of range")
    return int(struct.unpack_from(order + "I", buffer, start + offset)[0])


def _empty_packet(size: int) -> bytes:
    """An empty XMP packet of exactly `size` bytes (spaces when even that does not fit)."""
    if size < len(EMPTY_XMP) + len(XMP_END):
        return b" " * size
    return EMPTY_XMP + b" " * (size - len(EMPTY_XMP) - len(XMP_END)) + XMP_END


# -- JPEG ----------------------------------------------------------------------------------------


def _jpeg_file(buffer: bytearray) -> bytearray:
    """The main image, then every JPEG embedded in it or after it (thumbnails and previews carried in
    APP segments, MPO frames, images appended after the end marker)."""
    if not buffer.startswith(b"\xff\xd8"):
        raise CannotStrip("not a JPEG")
    _jpeg_headers(buffer, 0, strict=True)
    position = buffer.find(b"\xff\xd8\xff", 2)
    while position != -1:
        # In entropy-coded data 0xFF is followed by 0x00 or a restart marker, never by 0xD8: a
        # start-of-image marker begins another image (or, inside a segment, is left as it is: only
        # an APP1 that starts "Exif" or with the XMP namespace is ever edited).
        after = _jpeg_headers(buffer, position, strict=False)
        position = buffer.find(b"\xff\xd8\xff", max(after, position + 2))
    return buffer


def _jpeg_headers(buffer: bytearray, start: int, strict: bool) -> int:
    """Clean the segments of the JPEG at `start` up to its first scan; where the scan begins."""
    position = start + 2
    while position + 4 <= len(buffer):
        if buffer[position] != 0xFF:
            if strict:
                raise CannotStrip("JPEG marker expected")
            return position
        marker = buffer[position + 1]
        if marker == 0xFF:  # fill bytes
            position += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan (image data follows) or end of image
            return position
        length = struct.unpack_from(">H", buffer, position + 2)[0]
        end = position + 2 + length
        if length < 2 or end > len(buffer):
            if strict:
                raise CannotStrip("truncated JPEG segment")
            return position + 2
        body = position + 4
        if marker == 0xE1 and buffer[body : body + 6] == b"Exif\x00\x00":
            try:
                _tiff(buffer, body + 6, end)
            except CannotStrip:
                buffer[body + 6 : end] = bytes(end - body - 6)  # an EXIF block too broken to edit: zeroed
        elif marker == 0xE1 and bytes(buffer[body:end]).startswith(XMP_HEADERS):
            header = next(h for h in XMP_HEADERS if bytes(buffer[body:end]).startswith(h))
            first = body + len(header)
            if header == XMP_HEADERS[1]:
                first += 32 + 8  # extended XMP: GUID, full length, offset, then a slice of the packet
            buffer[first:end] = b" " * (end - first) if header == XMP_HEADERS[1] else _empty_packet(end - first)
        position = end
    if strict:
        raise CannotStrip("no image data")
    return position


# -- PNG and WebP ---------------------------------------------------------------------------------

PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")


def _png(data: bytes) -> bytes:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise CannotStrip("not a PNG")
    out, position = bytearray(data[:8]), 8
    while position + 12 <= len(data):
        length = struct.unpack_from(">I", data, position)[0]
        kind = bytes(data[position + 4 : position + 8])
        if position + 12 + length > len(data):
            raise CannotStrip("truncated PNG chunk")
        body = bytearray(data[position + 8 : position + 8 + length])
        keyword = bytes(body.split(b"\x00", 1)[0]) if kind in PNG_TEXT else b""
        if kind == b"eXIf":
            _tiff(body, 0, len(body))
            out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        elif keyword == b"XML:com.adobe.xmp" or keyword.lower().startswith(b"raw profile type"):
            pass  # XMP, or EXIF / XMP / IPTC written as hex text by ImageMagick and exiv2
        else:
            out += data[position : position + 12 + length]
        position += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)


def _webp(buffer: bytearray) -> bytearray:
    if buffer[:4] != b"RIFF" or buffer[8:12] != b"WEBP":
        raise CannotStrip("not a WebP")
    position = 12
    while position + 8 <= len(buffer):
        kind = bytes(buffer[position : position + 4])
        length = struct.unpack_from("<I", buffer, position + 4)[0]
        body, end = position + 8, position + 8 + length
        if end > len(buffer):
            raise CannotStrip("truncated WebP chunk")
        if kind == b"EXIF":
            skip = 6 if buffer[body : body + 6] == b"Exif\x00\x00" else 0
            _tiff(buffer, body + skip, end)
        elif kind == b"XMP ":
            buffer[body:end] = _empty_packet(length)
        position = end + (length & 1)
    return buffer
