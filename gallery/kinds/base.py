"""What every media kind module provides (see kinds/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..models import PhotoMeta


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say: a format we archive, or a reason to skip."""

    kind: str | None  # a format name owned by one kind, or None when skipped
    reason: str = ""  # skip reason code when kind is None
    detail: str = ""


@dataclass(frozen=True)
class Extra:
    """What a kind adds to PhotoMeta: a video's duration and codec."""

    duration: float | None = None
    codec: str | None = None
    width: int | None = None  # displayed size when the picture is not the full frame (a video's poster)
    height: int | None = None
    content_id: str | None = None  # Apple's ContentIdentifier: a Live Photo's MOV names its still


@dataclass(frozen=True)
class MediaKind:
    """How one kind is recognised, read and pictured."""

    name: str  # media_type in the catalog and the JSON: photo | video | raw | image | sidecar
    formats: dict[str, str]  # stored format name -> MIME type
    sniff: Callable[[bytes, str], Sniffed | None]
    # (path) -> (metadata, extra); None means the photo path (exifread + Pillow) in ingest.py
    read_meta: Callable[[Path], tuple[PhotoMeta, Extra]] | None = None
    # (path, format, long edge) -> an RGB picture, oriented; None means Pillow opens the file itself
    picture: Callable[[Path, str, int], Image.Image] | None = None
    large: bool = False  # video and RAW: the big-file size limit and a time limit that grows with size
    listed: bool = True  # False: archived with its main file, never an item of its own (sidecars)
    extensions: frozenset[str] = field(default_factory=frozenset)

    def mime(self, fmt: str) -> str:
        return self.formats.get(fmt, "application/octet-stream")


def no_meta(_: Any) -> tuple[PhotoMeta, Extra]:
    return PhotoMeta(), Extra()
