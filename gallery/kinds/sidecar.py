"""Sidecars: files that belong to another one (XMP, Apple's AAE edits, THM thumbnails, GoPro LRV).

They are archived next to their main file and never listed alone. The suffix names them: their
content would otherwise pass for a JPEG (THM), an MP4 (LRV) or XML.
"""

from __future__ import annotations

from pathlib import PurePath

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
    return [stem, inner.stem] if inner.suffix else [stem]


KIND = MediaKind("sidecar", FORMATS, sniff, read_meta=no_meta, listed=False)
