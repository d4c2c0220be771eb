"""Media kinds: each module says how to recognise a kind, read its metadata and decode a picture of it.

The importer, the derivatives and the web layer ask this package, never a kind's module directly,
so a new kind is one new module added to KINDS (plus its template, when it shows differently).
"""

from __future__ import annotations

from . import other, photo, raw, sidecar, video
from .base import MediaKind, Sniffed

KINDS: tuple[MediaKind, ...] = (sidecar.KIND, raw.KIND, video.KIND, photo.KIND, other.KIND)
SNIFF_BYTES = 64

__all__ = ["KINDS", "SNIFF_BYTES", "MediaKind", "Sniffed", "kind_of", "media_type", "sniff"]


def sniff(head: bytes, suffix: str = "") -> Sniffed:
    """The first kind whose module recognises these bytes (suffixes only tell RAW and sidecars apart)."""
    for kind in KINDS:
        found = kind.sniff(head, suffix.lower())
        if found is not None:
            return found
    if photo.is_unsupported_image(head):
        return Sniffed(None, "unsupported_format", photo.is_unsupported_image(head))
    return Sniffed(None, "not_an_image", "not a photo, video or other media file")


def kind_of(fmt: str) -> MediaKind:
    """The kind that owns a stored format name (`jpeg`, `mp4`, `arw`, ...)."""
    for kind in KINDS:
        if fmt in kind.formats:
            return kind
    raise KeyError(f"no media kind owns the format {fmt!r}")


def media_type(fmt: str) -> str:
    """photo, video, raw, image (archived other kinds) or sidecar."""
    return kind_of(fmt).name
