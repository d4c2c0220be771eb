"""The catalog's rows as typed dictionaries: what `catalog` returns for a photo, an album, a device.

They follow the schema of `migrations.py` (a migration that adds a column adds a key here).
"""

from __future__ import annotations

from typing import TypedDict


class PhotoRow(TypedDict):
    """One row of `photos` (catalog.get_photo)."""

    id: int
    sha256: str
    path: str  # relative to the library root, "media/..."
    original_name: str
    source_path: str
    source_dir: str
    format: str
    size: int
    width: int
    height: int
    grid_width: int
    grid_height: int
    sharpness: float | None
    orientation: int
    placeholder: str | None
    import_id: int | None
    imported_at: str
    camera_time: str | None  # naive ISO: what the camera's clock said
    camera_offset: int | None
    date_source: str | None
    gps_time: str | None
    lat: float | None
    lon: float | None
    altitude: float | None
    make: str | None
    model: str | None
    serial: str | None
    lens: str | None
    exposure: str | None
    aperture: float | None
    iso: int | None
    focal_length: float | None
    description: str | None
    bad_tags: str | None
    device: str | None
    import_zone: str | None
    clock_shift: int | None
    taken_at_utc: str | None  # ISO with offset +00:00
    timezone: str | None  # IANA
    taken_at_local: str | None
    time_source: str
    place: str | None
    country: str | None
    place_lat: float | None
    place_lon: float | None
    place_inferred: int
    venue: str | None
    manual_time: str | None
    manual_zone: str | None
    media_type: str  # photo | video | raw | other (gallery/kinds)
    duration: float | None  # seconds, videos
    codec: str | None
    title: str | None  # from an XMP sidecar
    rating: int | None
    keywords: str | None
    trashed_at: str | None  # in the trash since (gallery/trash.py); None: not trashed
    trashed_from: int | None  # the album it left, for a restore
    content_id: str | None  # Apple's ContentIdentifier (Live Photo still and MOV)
    motion_offset: int | None  # where a motion photo's MP4 begins in its JPEG
    caption: str | None  # written by staff, public (gallery/captions.py); wins over the XMP title
    read_version: int  # the file readers' version that read its tags (importer.READ_VERSION; `gallery reread`)


class AlbumRow(TypedDict):
    """One row of `albums` with its mission's title and its cover's sha256 (catalog.get_album)."""

    id: int
    slug: str
    kind: str
    title: str
    title_manual: int
    description: str
    cover_id: int | None
    cover_manual: int
    published: int
    mission_id: int | None
    mission_event_id: int | None
    merged_into: int | None
    start_utc: str | None
    end_utc: str | None
    timezone: str | None
    place: str | None
    country: str | None
    photo_count: int
    explain: str  # JSON list of the reasons for its cuts
    edited: int
    show_location: int
    allow_originals: int
    created_at: str
    updated_at: str
    mission: str | None
    cover_sha256: str | None
    period: str | None  # H14: the month (2019-09) of a mission-less « Autres photos »


class AlbumPhotoRow(PhotoRow):
    """A photo of an album with its place there (catalog.album_photos): H25."""

    hidden: int
    pinned: int


class DeviceRow(TypedDict):
    """One camera or phone, with how many photos it took and how many carry a position (catalog.list_devices)."""

    key: str
    name: str
    offset_seconds: int | None  # the correction set-offset takes
    offset_source: str | None
    confidence: float | None
    note: str
    manual: int
    candidates: str  # JSON list of ranked corrections
    photos: int
    with_gps: int | None
