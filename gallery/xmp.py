"""XMP: read an XMP packet (embedded or a sidecar's bytes) into plain values. Pure and tolerant.

`parse_xmp(packet) -> Xmp` never raises: a packet that is too big, declares a DTD or entities
(billion laughs, external entities), is not XML, or holds odd values gives an `Xmp` with what
could be read (often nothing). Properties are read from every `rdf:Description`, in attribute
form (`xmp:CreateDate="..."`) and element form (`<xmp:CreateDate>...</xmp:CreateDate>`), with
`rdf:Alt` (first `x-default` item), `rdf:Seq` and `rdf:Bag` (every item). `find_packet` cuts a
packet out of a file's bytes for formats Pillow does not expose.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from . import text

MAX_PACKET = 4 * 1024 * 1024  # darktable and Lightroom sidecars with long histories stay far below

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_TEXT_LIMIT = 2000
_KEYWORDS_LIMIT = 200


@dataclass(frozen=True)
class XmpDate:
    """A date-time as XMP wrote it: the naive local time, and its offset when the value had one."""

    local: datetime
    offset_minutes: int | None


@dataclass(frozen=True)
class Xmp:
    """What an XMP packet says, field by field; None (or empty) where it says nothing usable."""

    date_original: XmpDate | None = None  # exif:DateTimeOriginal
    create_date: XmpDate | None = None  # xmp:CreateDate
    date_digitized: XmpDate | None = None  # exif:DateTimeDigitized
    date_created: XmpDate | None = None  # photoshop:DateCreated (only when it has a time of day)
    title: str | None = None  # dc:title
    description: str | None = None  # dc:description
    rating: int | None = None  # xmp:Rating, -1 (rejected) to 5
    keywords: tuple[str, ...] = ()  # dc:subject
    orientation: int | None = None  # tiff:Orientation, 1 to 8
    lat: float | None = None  # exif:GPSLatitude / exif:GPSLongitude, degrees
    lon: float | None = None


EMPTY = Xmp()


def parse_xmp(packet: bytes | str | None) -> Xmp:
    """Interpret an XMP packet; anything unreadable gives fewer fields, never an exception."""
    props = read_properties(packet)
    lat, lon = _position(props)
    return Xmp(
        date_original=_date(props, "exif:DateTimeOriginal"),
        create_date=_date(props, "xmp:CreateDate"),
        date_digitized=_date(props, "exif:DateTimeDigitized"),
        date_created=_date(props, "photoshop:DateCreated"),
        title=_text(props, "dc:title"),
        description=_text(props, "dc:description", multiline=True),
        rating=_int_in(props, "xmp:Rating", -1, 5),
        keywords=_keywords(props),
        orientation=_int_in(props, "tiff:Orientation", 1, 8),
        lat=lat,
        lon=lon,
    )


def read_properties(packet: bytes | str | None) -> dict[str, list[str]]:
    """Top-level properties of every rdf:Description as {"prefix:Name": [values]}; {} when unreadable."""
    root = _parse(packet)
    if root is None:
        return {}
    names = {uri: prefix for prefix, uri in NS.items()}
    props: dict[str, list[str]] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for key, value in description.attrib.items():
            name = _short(key, names)
            if name:
                props.setdefault(name, [value])
        for child in description:
            name = _short(child.tag, names)
            if name and name not in props:
                props[name] = _values(child)
    return props


def find_packet(data: bytes) -> bytes | None:
    """The first `<x:xmpmeta>...</x:xmpmeta>` (or bare `<rdf:RDF>`) in a file's bytes, if any."""
    for start_tag, end_tag in ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<rdf:RDF", b"</rdf:RDF>")):
        start = data.find(start_tag)
        if start >= 0:
            end = data.find(end_tag, start)
            return data[start : end + len(end_tag)] if end > start else None
    return None


# -- XML ---------------------------------------------------------------------------------------

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DANGEROUS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parse(packet: bytes | str | None) -> ET.Element | None:
    text = _decode(packet)
    # XMP never needs a DTD: refusing one rules out entity expansion and external entities.
    if text is None or _DANGEROUS.search(text):
        return None
    try:
        return ET.fromstring(_DECLARATION.sub("", text, count=1))
    except (ET.ParseError, ValueError, RecursionError):
        return None


def _decode(packet: bytes | str | None) -> str | None:
    if isinstance(packet, str):
        return packet if len(packet) <= MAX_PACKET else None
    if not isinstance(packet, bytes | bytearray) or not packet or len(packet) > MAX_PACKET:
        return None
    data = bytes(packet)
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, "replace").rstrip("\x00")
    codec = "utf-16-be" if data[:1] == b"\x00" else "utf-16-le" if data[1:2] == b"\x00" else "utf-8"
    return data.decode(codec, "replace").rstrip("\x00")


def _short(tag: str, names: dict[str, str]) -> str | None:
    if not tag.startswith("{"):
        return None
    uri, _, local = tag[1:].partition("}")
    prefix = names.get(uri)
    return f"{prefix}:{local}" if prefix else None


def _values(element: ET.Element) -> list[str]:
    """An element's value: its text, or the items of the rdf:Alt/Seq/Bag inside it (x-default first)."""
    containers = [c for c in element if c.tag in (f"{{{RDF}}}Alt", f"{{{RDF}}}Seq", f"{{{RDF}}}Bag")]
    if not containers:
        return [element.text or ""] if len(element) == 0 else []
    items = [li for li in containers[0] if li.tag == f"{{{RDF}}}li"]
    items.sort(key=lambda li: li.get(XML_LANG, "") != "x-default")  # stable: keeps Seq/Bag order
    return [li.text or "" for li in items if len(li) == 0]


# -- values ------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^\s*(\d{4})[-:](\d{1,2})[-:](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{1,2}:?\d{2})?\s*$"
)


def parse_date(value: str) -> XmpDate | None:
    """'2010-04-13T09:37:22+02:00' -> XmpDate; None without a time of day or when impossible."""
    match = _DATE.match(value.replace("\x00", ""))
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if not 1900 <= int(year) <= 2100:
        return None
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros)
    except ValueError:
        return None
    return XmpDate(local, _offset(zone))


def _offset(zone: str | None) -> int | None:
    if not zone:
        return None
    if zone == "Z":
        return 0
    hours, _, minutes = zone[1:].partition(":") if ":" in zone else (zone[1:-2], "", zone[-2:])
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if zone[0] == "-" else total


def _date(props: dict[str, list[str]], name: str) -> XmpDate | None:
    values = props.get(name) or []
    return parse_date(values[0]) if values else None


def _clean(value: str, limit: int, multiline: bool = False) -> str | None:
    return text.clean(value, limit, multiline) or None


def _text(props: dict[str, list[str]], name: str, multiline: bool = False) -> str | None:
    values = props.get(name) or []
    return _clean(values[0], _TEXT_LIMIT, multiline) if values else None


def _keywords(props: dict[str, list[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in (props.get("dc:subject") or [])[:_KEYWORDS_LIMIT]:
        word = _clean(value, 200)
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def _int_in(props: dict[str, list[str]], name: str, low: int, high: int) -> int | None:
    values = props.get(name) or []
    try:
        number = float(values[0]) if values else math.nan
    except ValueError:
        return None
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        return None
    return int(number)


_COORDINATE = re.compile(r"^\s*(\d{1,3})(?:,(\d{1,2}(?:\.\d+)?))?(?:,(\d{1,2}(?:\.\d+)?))?\s*([NSEW])\s*$", re.I)


def parse_coordinate(value: str) -> float | None:
    """XMP's 'DDD,MM.mmk' or 'DDD,MM,SSk' (k in N, S, E, W) -> signed degrees; None when malformed."""
    match = _COORDINATE.match(value)
    if not match:
        return None
    degrees, minutes, seconds, ref = match.groups()
    mins, secs = float(minutes or 0), float(seconds or 0)
    if mins >= 60 or secs >= 60:
        return None
    number = int(degrees) + mins / 60 + secs / 3600
    limit = 90 if ref.upper() in "NS" else 180
    if number > limit:
        return None
    return round(-number if ref.upper() in "SW" else number, 7)


def _position(props: dict[str, list[str]]) -> tuple[float | None, float | None]:
    lat_values, lon_values = props.get("exif:GPSLatitude") or [], props.get("exif:GPSLongitude") or []
    if not lat_values or not lon_values:
        return None, None
    lat, lon = parse_coordinate(lat_values[0]), parse_coordinate(lon_values[0])
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None, None  # half a position, or "null island", is not a place
    return lat, lon
