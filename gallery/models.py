"""Plain data passed between modules: frozen dataclasses, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict


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
    description: str | None = None  # embedded XMP's dc:description, else EXIF's ImageDescription (no boilerplate)
    title: str | None = None  # embedded XMP's dc:title
    rating: int | None = None  # embedded XMP's xmp:Rating, -1 (rejected) to 5
    keywords: tuple[str, ...] = ()  # embedded XMP's dc:subject
    bad_tags: tuple[str, ...] = ()


# What became of one source file (H25: a Literal, as the ingest results' statuses are). A worker's
# "fatal" (the disk is full) stops the import before it becomes an Outcome; the type lets it pass.
OutcomeStatus = Literal["imported", "duplicate", "restored", "skipped", "rejected", "fatal"]


@dataclass(frozen=True)
class Outcome:
    """The final answer for one source file: imported, duplicate, restored, skipped or rejected."""

    path: str
    status: OutcomeStatus
    reason: str = ""  # machine-readable code for skipped/rejected, e.g. "too_many_pixels"
    detail: str = ""  # human sentence
    sha256: str | None = None


# -- what a worker answers for one file (ingest.process_file); the parent alone writes the catalog --------


class NewFile(TypedDict):
    """A file whose bytes the archive does not hold: its grid derivative is made, a verified copy waits."""

    status: Literal["new"]
    sha256: str
    size: int
    format: str
    media_type: str  # the kind that read it: photo, video, raw, other (gallery/kinds)
    duration: float | None  # seconds, for videos
    codec: str | None
    content_id: str | None  # Apple's ContentIdentifier (Live Photos, gallery/motion.py)
    motion_offset: int | None  # a motion photo's appended MP4 (gallery/motion.py)
    incoming: str  # the verified copy in media/.incoming/, renamed into place by the parent
    meta: PhotoMeta
    width: int
    height: int
    placeholder: str | None
    grid_width: int
    grid_height: int
    sharpness: float | None


class RestoreFile(TypedDict):
    """Known bytes whose archived copy is missing or damaged: a verified copy to put back."""

    status: Literal["restore"]
    sha256: str
    incoming: str
    damage: str  # missing | changed | unreadable


class CompanionFile(TypedDict):
    """A file archived with a main file and never listed alone (an .xmp, .AAE, .THM, .LRV)."""

    status: Literal["companion"]
    sha256: str
    size: int
    format: str
    incoming: str


class DuplicateFile(TypedDict):
    status: Literal["duplicate"]
    sha256: str


class RefusedFile(TypedDict):
    """Skipped or rejected (reason: a machine-readable code), or fatal: the library cannot take more."""

    status: Literal["skipped", "rejected", "fatal"]
    reason: str
    detail: str


IngestResult = NewFile | RestoreFile | CompanionFile | DuplicateFile | RefusedFile
