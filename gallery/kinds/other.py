"""Media we archive and list without decoding them (unknown ISO media): a plain tile stands in.

Their metadata is whatever exifread finds.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from .base import MediaKind, Sniffed
from .photo import iso_brands
from .raw import read_meta

FORMATS = {"isom": "application/mp4"}
TILE = (512, 384)


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    if head[4:8] == b"ftyp" and iso_brands(head)[0].isascii():
        return Sniffed("isom")  # an ISO media file no other kind claimed: kept, shown as a tile
    return None


def picture(path: Path, fmt: str, long_edge: int) -> Image.Image:
    """A neutral tile: these files are archived and listed, not shown."""
    return Image.new("RGB", TILE, (96, 96, 104))


KIND = MediaKind("image", FORMATS, sniff, read_meta=read_meta, picture=picture)
