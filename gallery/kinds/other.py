"""Media we archive and list without decoding them (JPEG XL, unknown ISO media): a plain tile stands in.

Their metadata is whatever exifread finds (JPEG XL keeps EXIF in a box it reads).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from .base import MediaKind, Sniffed
from .photo import iso_brands
from .raw import read_meta

FORMATS = {"jxl": "image/jxl", "isom": "application/mp4"}
TILE = (512, 384)


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return Sniffed("jxl")
    if head[4:8] == b"ftyp" and iso_brands(head)[0].isascii():
        return Sniffed("isom")  # an ISO media file no other kind claimed: kept, shown as a tile
    return None


def picture(path: Path, fmt: str, long_edge: int) -> Image.Image:
    """A neutral tile: these files are archived and listed, not shown."""
    return Image.new("RGB", TILE, (96, 96, 104))


KIND = MediaKind("image", FORMATS, sniff, read_meta=read_meta, picture=picture)  # exifread reads JPEG XL's Exif box
