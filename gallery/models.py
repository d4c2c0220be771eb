"""Plain data passed between modules: frozen dataclasses, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PhotoMeta:
    """What a file's metadata says, interpreted field by field (see exif.parse_tags)."""

    local_time: datetime | None = None  # naive: what the camera clock said, sub-seconds included
    offset_minutes: int | None = None  # from OffsetTimeOriginal (or its siblings)
    date_source: str | None = None  # exif_original | exif_digitized | exif_datetime | xmp_* | filename | mtime
    gps_time: datetime | None = None  # aware, UTC
    lat: float | None = None
    lon: float | None = None
    altitude: float | None = None
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    lens: str | None = None
    exposure: str | None = None  # "1/250" or "2.5"
    aperture: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    orientation: int = 1
    description: str | None = None
    bad_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The final answer for one source file: imported, duplicate, skipped or rejected."""

    path: str
    status: str  # imported | duplicate | skipped | rejected
    reason: str = ""  # machine-readable code for skipped/rejected, e.g. "too_many_pixels"
    detail: str = ""  # human sentence
    sha256: str | None = None
