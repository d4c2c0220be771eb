"""Removing location from a copy of an original, without touching its pixels. Pure: bytes in, bytes out.

The GPS IFD of the EXIF block is emptied in place (its entries and their data zeroed, its count
set to 0) and XMP packets, which may repeat the position, are dropped. JPEG (APP1), TIFF, PNG
(eXIf) and WebP (EXIF chunk) are handled; for HEIF and AVIF `strip_gps` raises, and the caller
refuses to serve a located original publicly.
"""

from __future__ import annotations

import struct
import zlib

GPS_IFD_TAG = 0x8825
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}


class CannotStrip(Exception):
    pass


def strip_gps(data: bytes, kind: str) -> bytes:
    if kind == "jpeg":
        return _jpeg(data)
    if kind == "tiff":
        return bytes(_tiff(bytearray(data)))
    if kind == "png":
        return _png(data)
    if kind == "webp":
        return _webp(data)
    raise CannotStrip(f"cannot remove location from {kind} files")


def _tiff(tiff: bytearray) -> bytearray:
    """Empty the GPS IFD of a TIFF structure (modified in place and returned)."""
    if tiff[:2] not in (b"II", b"MM"):
        raise CannotStrip("not a TIFF header")
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = struct.unpack_from(order + "I", tiff, 4)[0]
    count = _u16(tiff, ifd0, order)
    for index in range(count):
        entry = ifd0 + 2 + 12 * index
        if entry + 12 > len(tiff):
            raise CannotStrip("truncated IFD")
        if _u16(tiff, entry, order) == GPS_IFD_TAG:
            _empty_ifd(tiff, struct.unpack_from(order + "I", tiff, entry + 8)[0], order)
    return tiff


def _empty_ifd(tiff: bytearray, offset: int, order: str) -> None:
    if offset + 2 > len(tiff):
        raise CannotStrip("GPS IFD out of range")
    count = _u16(tiff, offset, order)
    for index in range(count):
        entry = offset + 2 + 12 * index
        if entry + 12 > len(tiff):
            raise CannotStrip("truncated GPS IFD")
        kind, number = struct.unpack_from(order + "HI", tiff, entry + 2)
        size = TYPE_SIZES.get(kind, 1) * number
        if size > 4:
            start = struct.unpack_from(order + "I", tiff, entry + 8)[0]
            if start + size <= len(tiff):
                tiff[start : start + size] = bytes(size)
        tiff[entry : entry + 12] = bytes(12)
    struct.pack_into(order + "H", tiff, offset, 0)


def _u16(data: bytearray, offset: int, order: str) -> int:
    if offset + 2 > len(data):
        raise CannotStrip("offset out of range")
    return int(struct.unpack_from(order + "H", data, offset)[0])


def _jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise CannotStrip("not a JPEG")
    out, position = bytearray(b"\xff\xd8"), 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise CannotStrip("JPEG marker expected")
        marker = data[position + 1]
        if marker in (0xDA, 0xD9):  # start of scan: the rest is image data
            out += data[position:]
            return bytes(out)
        length = struct.unpack_from(">H", data, position + 2)[0]
        segment = data[position : position + 2 + length]
        body = segment[4:]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            segment = segment[:10] + bytes(_tiff(bytearray(body[6:])))
        elif marker == 0xE1 and body.startswith(b"http://ns.adobe.com/"):
            segment = b""  # XMP may repeat the position
        out += segment
        position += 2 + length
    raise CannotStrip("no image data")


def _png(data: bytes) -> bytes:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise CannotStrip("not a PNG")
    out, position = bytearray(data[:8]), 8
    while position + 12 <= len(data):
        length = struct.unpack_from(">I", data, position)[0]
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"eXIf":
            body = bytes(_tiff(bytearray(body)))
            out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        elif kind == b"iTXt" and body.startswith(b"XML:com.adobe.xmp"):
            pass  # XMP may repeat the position
        else:
            out += data[position : position + 12 + length]
        position += 12 + length
    return bytes(out)


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CannotStrip("not a WebP")
    out, position = bytearray(data[:12]), 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        length = struct.unpack_from("<I", data, position + 4)[0]
        padded = length + (length & 1)
        body = data[position + 8 : position + 8 + length]
        if kind == b"EXIF":
            prefix = b"Exif\x00\x00" if body.startswith(b"Exif\x00\x00") else b""
            body = prefix + bytes(_tiff(bytearray(body[len(prefix) :])))
            out += kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")
        elif kind == b"XMP ":
            pass
        elif kind == b"VP8X" and length >= 1:
            flags = bytes([body[0] & ~0x04]) + body[1:]  # the XMP flag goes with the chunk
            out += kind + data[position + 4 : position + 8] + flags + data[position + 8 + length : position + 8 + padded]
        else:
            out += data[position : position + 8 + padded]
        position += 8 + padded
    struct.pack_into("<I", out, 4, len(out) - 8)
    return bytes(out)
