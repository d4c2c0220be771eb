"""The trash: photos taken out of every album, restorable, deleted from media/ only when emptied."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from . import albums, catalog, dates, kinds, organise, run_clocks, storage, thumbs
from .config import Config
from .errors import BadRequest, NotFound

KEEP_DAYS = 30  # a trashed photo is deleted for good this many days after it was trashed


def trash(conn: catalog.Connection, shas: Sequence[str]) -> int:
    """Put photos in the trash: they leave every album (and so every page) at once."""
    photos = dates.find_photos(conn, shas)
    if not photos:
        raise BadRequest("tick the photos to put in the trash first")
    ids = [p["id"] for p in photos]
    with catalog.transaction(conn):
        catalog.trash_photos(conn, ids, catalog.now_iso())
    left = {row["trashed_from"] for row in catalog.get_photos(conn, ids) if row["trashed_from"] is not None}
    albums.regroup(conn, ids, also=left)  # their segments and the albums they left, not the archive
    return len(photos)


def restore(conn: catalog.Connection, shas: Sequence[str]) -> int:
    """Take photos out of the trash, back into the album they came from when it still exists."""
    photos = [p for p in dates.find_photos(conn, shas) if p["trashed_at"]]
    if not photos:
        raise BadRequest("none of these photos is in the trash")
    with catalog.transaction(conn):
        for row in catalog.untrash_photos(conn, [p["id"] for p in photos]):
            if row["trashed_from"] is not None and catalog.get_album_by_id(conn, row["trashed_from"]):
                catalog.set_membership(conn, row["id"], row["trashed_from"], pinned=True)
    albums.regroup(conn, [p["id"] for p in photos])  # their segments, not the archive
    return len(photos)


def empty(conn: catalog.Connection, config: Config, everything: bool = False, now: datetime | None = None) -> int:
    """Delete for good the photos trashed over KEEP_DAYS ago (or all): catalog row, original, derivatives."""
    limit = None if everything else ((now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)).isoformat()
    rows = catalog.trashed_photos(conn, before=limit)
    for row in rows:
        companions = catalog.companions_of(conn, row["sha256"])  # its RAW, its sidecars, its Live Photo clip
        with catalog.transaction(conn):  # the rows first: a crash leaves orphan files that `check` names
            catalog.delete_companions(conn, [c["sha256"] for c in companions])
            catalog.delete_photo(conn, row["id"])
            run_clocks.forget_near(conn, [row])
        _remove_files(config, row)
        for companion in companions:
            _remove_files(config, companion)
    return len(rows)


def _remove_files(config: Config, row: dict[str, Any]) -> None:
    try:
        original = storage.resolve_inside(config.root, row["path"])
    except NotFound:  # already gone: nothing to delete
        original = None
    if original is not None and original.is_relative_to(config.media_dir.resolve()):
        original.unlink(missing_ok=True)
    for size in thumbs.SIZES:
        (config.thumbs_dir / thumbs.derivative_path(row["sha256"], size)).unlink(missing_ok=True)
    (config.thumbs_dir / kinds.video.web_copy_path(row["sha256"])).unlink(missing_ok=True)


def shift(conn: catalog.Connection, shas: Sequence[str], seconds: int) -> int:
    """Move the time of dated photos by `seconds` (a camera set wrong for one batch); undated ones are left,
    and so are times estimated for grouping only (a guess from the device's corrections, not shown:
    shifting it would make it a hand-set capture time; confirm the device's correction instead)."""
    photos = [p for p in dates.find_photos(conn, shas) if p["taken_at_utc"] and p["time_source"] != "estimated"]
    if not photos:
        raise BadRequest("none of the ticked photos has a date to shift")
    moved = [
        (p["id"], (datetime.fromisoformat(p["taken_at_utc"]) + timedelta(seconds=seconds)).isoformat(), p["timezone"])
        for p in photos
    ]
    with catalog.transaction(conn):
        catalog.set_manual_times(conn, moved)
    # times are resolved again (the manual time wins), then the segments they left and joined (H20)
    organise.refresh(conn, touched=[p["id"] for p in photos])
    return len(photos)
