"""Sidecars: files that belong to another one (XMP, Apple's AAE edits, THM thumbnails, GoPro LRV).

They are archived next to their main file and never listed alone. The suffix names them: their
content would otherwise pass for a JPEG (THM), an MP4 (LRV) or XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from xml.etree import ElementTree

from .base import MediaKind, Sniffed, no_meta

FORMATS = {
    "xmp": "application/rdf+xml",
    "aae": "application/xml",
    "thm": "image/jpeg",
    "lrv": "video/mp4",
}


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    named = suffix.removeprefix(".")
    if named in ("xmp", "aae") and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return Sniffed(named)
    if named == "thm" and head.startswith(b"\xff\xd8\xff"):
        return Sniffed(named)
    if named == "lrv" and head[4:8] == b"ftyp":
        return Sniffed(named)
    return None


def main_stems(name: str) -> list[str]:
    """The stems a main file may have, most specific first: IMG_1.CR2.xmp -> ['IMG_1.CR2', 'IMG_1']."""
    path = PurePath(name)
    stem = path.stem  # IMG_1.CR2
    inner = PurePath(stem)
    if path.suffix.lower() == ".lrv" and stem[:2].upper() == "GL":  # GoPro: GL010123.LRV beside GH/GX010123.MP4
        return [stem, f"GH{stem[2:]}", f"GX{stem[2:]}"]
    return [stem, inner.stem] if inner.suffix else [stem]


KIND = MediaKind("sidecar", FORMATS, sniff, read_meta=no_meta, listed=False)


# -- What an XMP sidecar says (darktable, Lightroom, digiKam) -----------------------------------

XMP_LIMIT = 1024 * 1024  # a sidecar is a few kB; a bigger one is archived, not parsed
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
}
DATE_FIELDS = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")


@dataclass(frozen=True)
class XmpFacts:
    """The fields a sidecar may correct; None where it says nothing."""

    title: str | None = None
    description: str | None = None
    rating: int | None = None
    keywords: tuple[str, ...] = ()
    local_time: datetime | None = None
    offset_minutes: int | None = None
    orientation: int | None = None


def parse_xmp(data: bytes) -> XmpFacts:
    """Pure: the bytes of an .xmp -> its facts (nothing for XML that does not parse)."""
    if len(data) > XMP_LIMIT:
        return XmpFacts()
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError):
        return XmpFacts()
    values: dict[str, str | list[str]] = {}
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        for key, value in description.attrib.items():
            values.setdefault(_short(key), value)
        for child in description:
            items = [li.text or "" for li in child.iter(f"{{{NS['rdf']}}}li")]
            values.setdefault(_short(child.tag), items if items else (child.text or ""))
    when, offset = _xmp_date(next((_one(values[f]) for f in DATE_FIELDS if f in values), None))
    return XmpFacts(
        title=_clean(_one(values.get("dc:title"))),
        description=_clean(_one(values.get("dc:description"))),
        rating=_int(_one(values.get("xmp:Rating")), -1, 5),
        keywords=tuple(k for k in (_clean(v) for v in _many(values.get("dc:subject"))) if k)[:100],
        local_time=when,
        offset_minutes=offset,
        orientation=_int(_one(values.get("tiff:Orientation")), 1, 8),
    )


def _short(tag: str) -> str:
    """'{http://purl.org/dc/elements/1.1/}title' -> 'dc:title'."""
    if not tag.startswith("{"):
        return tag
    uri, _, name = tag[1:].partition("}")
    prefix = next((p for p, u in NS.items() if u == uri), uri)
    return f"{prefix}:{name}"


def _one(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _many(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())[:2000]
    return text or None


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(float(value or ""))
    except ValueError:
        return None
    return number if low <= number <= high else None


def _xmp_date(value: str | None) -> tuple[datetime | None, int | None]:
    """'2017-09-21T14:30:05.12+02:00' -> (naive local time, offset minutes); a bare date is not a moment."""
    if not value or "T" not in value:
        return None, None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None, None
    if when.year < 1971:
        return None, None
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return when.replace(tzinfo=None), minutes
