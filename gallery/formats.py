"""Recognising files by their first bytes, never by their name (the kinds package decides).

Kept as the old entry point: `sniff` and the Pillow/MIME tables, now for every media kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kinds.base import Sniffed

# Pillow format names we decode; anything else is refused before Pillow sees it.
PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "tiff": "TIFF",
    "webp": "WEBP",
    "heif": "HEIF",
    "avif": "AVIF",
    "gif": "GIF",
    "bmp": "BMP",
    "psd": "PSD",
    "jxl": "JXL",  # pillow-jxl-plugin
}

SNIFF_BYTES = 64


class _Mimes(dict[str, str]):
    """MIME type of any stored format: asked of the kind that owns it."""

    def __missing__(self, fmt: str) -> str:
        from .kinds import kind_of

        try:
            return kind_of(fmt).mime(fmt)
        except KeyError:
            return "application/octet-stream"


MIME_TYPES: dict[str, str] = _Mimes()


def sniff(head: bytes, suffix: str = "") -> Sniffed:
    """Identify a file from its first SNIFF_BYTES bytes (see kinds.sniff)."""
    from . import kinds

    return kinds.sniff(head, suffix)
