"""Catalog rows for synthetic trips, without files: large libraries for regroup tests and benches.

A trip is `synthetic.demo_scenario()` moved by whole weeks, with devices of its own (one folder
per trip and person). Rows hold what an import would write from each photo's EXIF.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any

from . import catalog, devices, synthetic


def trip(index: int) -> synthetic.Scenario:
    """The demo week, `index` weeks later, its devices in folders of their own."""
    base = synthetic.demo_scenario()
    shift = timedelta(weeks=index)
    return replace(
        base,
        visits=tuple(replace(v, day=v.day + shift) for v in base.visits),
        devices=tuple(replace(d, folder=f"trip{index}-{d.folder}") for d in base.devices),
        programme="",
    )


def trip_photos(index: int, seed: int = 0) -> list[synthetic.Photo]:
    return synthetic.photos(trip(index), seed=seed + index)


def photo_row(photo: synthetic.Photo, number: int, import_id: int) -> dict[str, Any]:
    sha = hashlib.sha256(f"{photo.device.folder}/{photo.name}/{number}".encode()).hexdigest()
    offset = None
    if photo.offset:
        sign = -1 if photo.offset.startswith("-") else 1
        hours, minutes = photo.offset[1:].split(":")
        offset = sign * (int(hours) * 60 + int(minutes))
    return {
        "sha256": sha,
        "path": f"{photo.device.folder}/{sha[:12]}.jpg",
        "original_name": photo.name,
        "source_path": f"/cards/{photo.device.folder}/{photo.name}",
        "source_dir": photo.device.folder,
        "format": "JPEG",
        "size": 1000,
        "width": 96,
        "height": 64,
        "grid_width": 96,
        "grid_height": 64,
        "sharpness": float(int(sha[:4], 16) % 1000),
        "orientation": 1,
        "import_id": import_id,
        "imported_at": catalog.now_iso(),
        "camera_time": photo.camera_time.isoformat(),
        "camera_offset": offset,
        "date_source": "exif_original",
        "gps_time": photo.gps_time.isoformat() if photo.gps_time else None,
        "lat": photo.lat,
        "lon": photo.lon,
        "make": photo.device.make,
        "model": photo.device.model,
        "serial": photo.device.serial,
        "device": devices.device_key(photo.device.make, photo.device.model, photo.device.serial, photo.device.folder),
    }


def insert(conn: catalog.Connection, photos: list[synthetic.Photo], label: str = "synthetic") -> list[int]:
    """Insert photos as one import would (rows only, no files); returns their ids."""
    with catalog.transaction(conn):
        import_id = catalog.start_import(conn, [label], {})
        ids = [catalog.insert_photo(conn, photo_row(p, n, import_id)) for n, p in enumerate(photos)]
    return ids
