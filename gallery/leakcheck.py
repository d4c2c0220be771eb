"""Does a file still say where it was taken? An independent check of the bytes about to be served.

`privacy` removes the location by walking each format's structure; this module trusts none of
that and shares none of its code. It looks at the whole file as bytes, whatever the format says:

- every TIFF header found anywhere (EXIF blocks of the main image, of a second image of an MPO,
  of a JPEG appended after the end marker, of a HEIF Exif item, a TIFF file itself) is read on its
  own terms, and any GPS IFD reached from any IFD that still holds an entry is a leak;
- text that names a position anywhere (XMP `exif:GPSLatitude`, `drone-dji:GpsLatitude`,
  `geo:lat`, "latitude", an ISO 6709 string as in a QuickTime `©xyz` atom), in ASCII or UTF-16;
  compressed PNG text chunks are inflated and read too;
- the decimal forms of a known coordinate (the catalog's), when given;
- an ISOBMFF file (HEIF, AVIF) with a `mime` item whose content is encoded (compressed XMP, which
  cannot be read here) cannot be proved clean and is refused.

`findings(data, kind)` lists what was found; empty means nothing was. False alarms (a few bytes of
image data that happen to look like a tag name) only cost a refused download, never a leak.
"""

from __future__ import annotations

import re
import struct
import zlib

GPS_POINTER = 0x8825
IFD_POINTERS = (0x8769, 0xA005, 0x8825)
SUB_IFDS = 0x014A
WORDS = (
    rb"gps_?(?:lat|long|pos|alt|coord|dest|area|img|track|speed|map|proc|h_?pos|differential|status|dop)",
    rb"latitude",
    rb"longitude",
    rb"geo:(?:lat|lon)",
    rb"\xa9xyz",
    rb"geotag",
    rb"location_?coord",
)
TEXT = re.compile(b"|".join(WORDS))  # searched in the lowered bytes (much faster than IGNORECASE)
ISO6709 = re.compile(rb"[+-]\d{1,2}\.\d{3,}[+-]\d{1,3}\.\d{3,}")
UTF16_WORDS = [w.encode("utf-16-le") for w in ("GPSLat", "GPSLong", "GpsLat", "GpsLong", "atitude", "ongitude")]
TIFF_MAGIC = re.compile(rb"II\*\x00|MM\x00\*")
MAX_IFDS = 256


def findings(data: bytes, kind: str, coordinates: tuple[float, float] | None = None) -> list[str]:
    """Why `data` may still hold a location (nothing found: an empty list)."""
    found: list[str] = []
    for match in TIFF_MAGIC.finditer(data):
        if _gps_entries(data, match.start()):
            found.append(f"GPS IFD with entries in the TIFF structure at byte {match.start()}")
    for text, where in _texts(data, kind):
        hit = TEXT.search(text.lower())
        if hit:
            found.append(f"{hit.group().decode('latin-1')!r} in {where}")
        hit = ISO6709.search(text)
        if hit:
            found.append(f"ISO 6709 position {hit.group().decode('latin-1')!r} in {where}")
        for form in _decimal_forms(coordinates):
            if form in text:
                found.append(f"coordinate {form.decode()!r} in {where}")
    lowered = data.lower()
    for word in UTF16_WORDS:
        if word.lower() in lowered:
            found.append(f"UTF-16 text {word.decode('utf-16-le')!r}")
    if kind in ("heif", "avif"):
        found += [
            f"a {encoding!r}-encoded mime item (XMP that cannot be read)" for encoding in _encoded_mime_items(data)
        ]
    return found


def _encoded_mime_items(data: bytes) -> list[str]:
    """Content encodings of ISOBMFF `mime` items (XMP in HEIF/AVIF); plain ones are read as text above."""
    encodings = []
    for match in re.finditer(rb"infe[\x02\x03]", data):
        at = match.start()
        size = int.from_bytes(data[at - 4 : at], "big") if at >= 4 else 0
        box = data[at + 4 : at - 4 + size]
        id_size = 2 if box[:1] == b"\x02" else 4
        if size < 20 or len(box) != size - 8 or box[4 + id_size + 2 : 4 + id_size + 6] != b"mime":
            continue
        strings = box[4 + id_size + 6 :].split(b"\x00")  # item name, content type, content encoding
        if len(strings) > 2 and strings[2]:
            encodings.append(strings[2].decode("latin-1"))
    return encodings


def _texts(data: bytes, kind: str) -> list[tuple[bytes, str]]:
    """The bytes to read as text: the whole file, plus inflated PNG text chunks."""
    texts = [(data, "the file")]
    if kind == "png":
        texts += [(inflated, "a compressed PNG text chunk") for inflated in _png_compressed_text(data)]
    return texts


def _png_compressed_text(data: bytes) -> list[bytes]:
    out, at = [], 8
    while at + 12 <= len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        name, payload = data[at + 4 : at + 8], data[at + 8 : at + 8 + size]
        at += 12 + size
        compressed = b""
        if name == b"zTXt":
            compressed = payload.partition(b"\x00")[2][1:]
        elif name == b"iTXt":
            rest = payload.partition(b"\x00")[2]
            if rest[:1] == b"\x01":
                compressed = rest[2:].split(b"\x00", 2)[-1]
        if compressed:
            try:
                out.append(zlib.decompressobj().decompress(compressed, 64 * 1024 * 1024))
            except zlib.error:
                out.append(b"gps_coord: unreadable compressed text")  # cannot read it: counts as a finding
    return out


def _decimal_forms(coordinates: tuple[float, float] | None) -> list[bytes]:
    """43.5445 -> b"43.544", b"43,544" (three decimals, truncated: a prefix of any longer form)."""
    forms: list[bytes] = []
    for value in coordinates or ():
        text = f"{abs(value):.7f}"
        prefix = text[: text.index(".") + 4]
        if abs(value) >= 0.1:
            forms += [prefix.encode(), prefix.replace(".", ",").encode()]
    return forms


def _gps_entries(data: bytes, base: int) -> bool:
    """Does the TIFF structure starting at `base` reach a GPS IFD that still has entries?"""
    little = data[base : base + 2] == b"II"
    short, long_ = ("<H", "<I") if little else (">H", ">I")

    def number(fmt: str, at: int) -> int | None:
        size = struct.calcsize(fmt)
        if at < 0 or base + at + size > len(data):
            return None
        return int(struct.unpack(fmt, data[base + at : base + at + size])[0])

    todo = [number(long_, 4)]
    visited: set[int] = set()
    while todo and len(visited) < MAX_IFDS:
        ifd = todo.pop()
        if not ifd or ifd in visited:
            continue
        visited.add(ifd)
        entries = number(short, ifd)
        if entries is None or entries > 4096:
            continue
        for i in range(entries):
            at = ifd + 2 + i * 12
            tag, target = number(short, at), number(long_, at + 8)
            if tag is None or target is None:
                break
            if tag == GPS_POINTER:
                count = number(short, target)
                if count:  # a GPS IFD that still lists something
                    return True
            if tag in IFD_POINTERS:
                todo.append(target)
            elif tag == SUB_IFDS:
                count = number(long_, at + 4) or 0
                todo += [target] if count == 1 else [number(long_, target + 4 * k) for k in range(min(count, 64))]
        todo.append(number(long_, ifd + 2 + entries * 12))
    return False
