"""`gallery reread`: read the archived originals' tags again with today's readers.

A photo imported by an older version keeps what was read then (« OLYMPUS DIGITAL CAMERA » as its
description, no XMP words, no maker dates). This reads each archived original again, read-only and
in the worker pool (a hostile file costs only its worker), and updates the columns that come from
the file; never what staff set: captions, hand-set dates (`manual_time`), an import's zone and clock
shift, a device's hand-set offset, albums, hidden photos, the trash (all in other columns or tables).
A sidecar's words still win over the file's (companions.sidecar_columns). Then the photos that
changed are regrouped (organise.refresh). A second run changes nothing.

Left as they are: the orientation and sizes (their derivatives would have to be made again) and the
Live Photo pairing (content_id), which the import decided.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from . import catalog, companions, devices, exif, ingest, kinds, maker_dates, organise, storage
from .config import Config
from .importer import READ_VERSION
from .kinds.base import Extra
from .models import PhotoMeta
from .scan import Job
from .workers import TaskFailed, WorkerPool

DATED = ("camera_time", "camera_offset", "date_source")


@dataclass(frozen=True)
class ReadJob:
    photo_id: int
    sha256: str
    path: str  # the archived original, absolute
    original_name: str  # the name it had on the card (a date in the name counts, as at import)
    size: int


@dataclass
class RereadReport:
    read: int = 0
    changed: int = 0
    failed: list[str] = field(default_factory=list)  # "<archived path>: why"
    missing: list[str] = field(default_factory=list)  # archived paths gone from media/
    refreshed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def init_read_worker(max_pixels: int) -> None:
    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def read_file(job: ReadJob) -> dict[str, Any]:
    """The file's own columns (in a worker): what the import would store today. Never writes."""
    path = Path(job.path)
    if storage.hash_file(path)[0] != job.sha256:  # its tags would be a damaged file's, not the photo's
        return {"error": "its bytes changed since it was archived (see `gallery check`)"}
    with open(path, "rb") as fh:
        head = fh.read(kinds.SNIFF_BYTES)
        sniffed = kinds.sniff(head, path.suffix)
        if sniffed.kind is None:
            return {"error": f"no longer recognised ({sniffed.reason})"}
        fh.seek(0)
        try:
            meta, extra, _ = ingest.file_meta(fh, path, sniffed.kind, kinds.kind_of(sniffed.kind))
        except ingest.Rejected as rejected:
            return {"error": rejected.detail}
    return file_columns(_dated(meta, path, job.original_name), extra)


def _dated(meta: PhotoMeta, path: Path, original_name: str) -> PhotoMeta:
    """A missing capture time from a maker's block, then the original's name; never the mtime
    (the archived copy's is not the card's): without either the stored date stays."""
    if meta.local_time is not None:
        return meta
    maker = maker_dates.read_maker_date(path)
    if maker is not None:
        return PhotoMeta(**{**asdict(meta), "local_time": maker[0], "date_source": maker[1]})
    from_name = exif.date_from_filename(original_name)
    if from_name:
        when, day_only = from_name
        source = "filename_day" if day_only else "filename"
        return PhotoMeta(**{**asdict(meta), "local_time": when, "date_source": source})
    return meta


def file_columns(meta: PhotoMeta, extra: Extra) -> dict[str, Any]:
    """The photo columns that come from the file's tags (as importer.photo_row stores them)."""
    columns: dict[str, Any] = {
        **ingest.tag_columns(meta),
        "duration": extra.duration,
        "codec": extra.codec,
    }
    if meta.local_time is not None:
        columns.update(
            camera_time=meta.local_time.isoformat(), camera_offset=meta.offset_minutes, date_source=meta.date_source
        )
    return columns


def changes_for(conn: catalog.Connection, config: Config, row: dict[str, Any], read: dict[str, Any]) -> dict[str, Any]:
    """The columns of `row` to update: the file's (the sidecar's words over them), staff's left alone."""
    columns = dict(read)
    sidecar = companions.sidecar_columns(conn, config.root, row["sha256"])
    sidecar.pop("orientation", None)  # the import turned the picture and stored its sizes
    columns.update(sidecar)
    device = devices.device_key(columns["make"], columns["model"], columns["serial"], row["source_dir"])
    if device != row["device"] and not catalog.device_offset_is_manual(conn, row["device"]):
        columns["device"] = device  # a device whose offset staff set keeps its photos
    return {k: v for k, v in columns.items() if row.get(k) != v}


def _time_limit(job: ReadJob, base: float) -> float:
    return ingest.time_limit(Job(job.path, job.original_name, "", job.size), base)


def reread(conn: catalog.Connection, config: Config, everything: bool = False) -> RereadReport:
    """Read again the photos an older reader read (every photo with `everything`); see the module."""
    report = RereadReport()
    rows = {row["id"]: row for row in catalog.photos_to_reread(conn, None if everything else READ_VERSION)}
    jobs = []
    for row in rows.values():
        path = config.root / row["path"]
        try:
            jobs.append(
                ReadJob(row["id"], row["sha256"], str(path.resolve()), row["original_name"], os.stat(path).st_size)
            )
        except OSError:
            report.missing.append(row["path"])
    changed: list[int] = []
    if jobs:
        pool = WorkerPool(
            min(config.worker_count, len(jobs)),
            read_file,
            init_read_worker,
            (config.max_pixels,),
            timeout=config.file_timeout,
            memory_mb=config.worker_memory,
            time_limit=lambda job: _time_limit(job, config.file_timeout),
        )
        read: list[tuple[dict[str, Any], dict[str, Any]]] = []
        with pool:  # reading takes the time; the catalog is locked only to write what changed
            for job, result in pool.run(jobs):
                row = rows[job.photo_id]
                if isinstance(result, TaskFailed) or "error" in result:
                    detail = result.detail if isinstance(result, TaskFailed) else result["error"]
                    report.failed.append(f"{row['path']}: {detail}")
                else:
                    read.append((row, result))
        with catalog.transaction(conn):
            for row, result in read:
                updates = {**changes_for(conn, config, row, result), "read_version": READ_VERSION}
                catalog.update_photos(conn, [(row["id"], updates)])
                if len(updates) > 1:
                    changed.append(row["id"])
        report.read = len(read)
    report.changed = len(changed)
    if changed:
        report.refreshed = organise.refresh(conn, config, touched=changed)
    return report
