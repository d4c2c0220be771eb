"""After a batch: put photos on their true time, name their places, regroup events and albums.

Everything here is derived from the catalog and recomputed as a whole, so it is deterministic
(scan order and interrupted runs do not matter) and idempotent; people's edits are inputs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from . import albums, catalog, devices, missions, places, timeline
from .config import Config
from .timeline import DeviceClock, Shot, Timing


def refresh(
    conn: catalog.Connection, config: Config | None = None, touched: Collection[int] | None = None
) -> dict[str, int]:
    """Recompute times, places and albums; returns counts of what changed.

    `touched=None` regroups every photo. Otherwise only the segments of time that the touched
    photos (new ones, say) and the photos this refresh re-timed or re-placed were or are in are
    regrouped: what the change can affect, nothing else (the same albums as a full pass).
    """
    count, updates, before = retime(conn, config)
    changed = len(updates)
    if touched is None:
        grouped = albums.regroup(conn)
    else:
        moved = [photo_id for photo_id, _ in updates]
        times = [datetime.fromisoformat(b).timestamp() for i in moved if (b := before.get(i))]
        grouped = albums.regroup(conn, {*touched, *moved}, times)
    return {"photos": count, "retimed": changed, **grouped}


# What a refresh may change in a photo row; what it keeps of each photo while it works.
PLACED = (
    "taken_at_utc",
    "timezone",
    "taken_at_local",
    "time_source",
    "place",
    "country",
    "venue",
    "place_lat",
    "place_lon",
    "place_inferred",
)


def retime(
    conn: catalog.Connection, config: Config | None = None, rows: Iterable[dict[str, Any]] | None = None
) -> tuple[int, list[tuple[int, dict[str, Any]]], dict[int, str | None]]:
    """Put photos (all, or `rows` of `catalog.timing_rows`) on their true time and place; write it.

    Rows are streamed: each becomes a Shot and a tuple of its current values, never a whole row.
    Returns how many photos were read, the changes written, and each photo's UTC time before.
    """
    shots: list[Shot] = []
    current: dict[int, tuple[Any, ...]] = {}
    for row in catalog.timing_rows(conn) if rows is None else rows:
        shots.append(shot_from_row(row))
        current[row["id"]] = tuple(row[k] for k in PLACED)
    zone_at = _zone_finder()
    windows = missions.programme_events(conn)
    home = (config or Config()).home_timezone
    timings, clocks = timeline.resolve(
        shots,
        zone_at,
        catalog.manual_offsets(conn),
        missions.zones(conn),
        windows,
        home if timeline.is_zone(home) else None,
    )
    del shots
    venues = tuple(
        places.Venue(**{k: v[k] for k in ("name", "lat", "lon", "radius_m", "town", "country")})
        for v in catalog.list_venues(conn)
    ) + missions.venues(conn)
    updates = list(_changes(current, timings, venues))
    del timings
    with catalog.transaction(conn):
        catalog.update_photos(conn, updates)
        catalog.save_device_clocks(conn, [_clock_row(c) for c in clocks.values()])
    return len(current), updates, {photo_id: values[0] for photo_id, values in current.items()}


def shot_from_row(row: dict[str, Any]) -> Shot:
    return Shot(
        id=row["id"],
        device=row["device"] or "unknown",
        camera_time=datetime.fromisoformat(row["camera_time"]) if row["camera_time"] else None,
        camera_offset=row["camera_offset"],
        date_source=row["date_source"],
        gps_time=datetime.fromisoformat(row["gps_time"]) if row["gps_time"] else None,
        lat=row["lat"],
        lon=row["lon"],
        clock_shift=row["clock_shift"],
        import_zone=row["import_zone"],
        manual_time=datetime.fromisoformat(row["manual_time"]) if row.get("manual_time") else None,
        manual_zone=row.get("manual_zone"),
        sequence=timeline.file_number(row.get("original_name")),
    )


@lru_cache(maxsize=1)
def _finder() -> Any:
    """One zone finder per process, its data in memory (no open files left behind)."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


def _zone_finder() -> timeline.ZoneAt:
    finder = _finder()
    cache: dict[tuple[float, float], str | None] = {}

    def zone_at(lat: float, lon: float) -> str | None:
        key = (round(lat, 3), round(lon, 3))
        if key not in cache:
            cache[key] = finder.timezone_at(lat=lat, lng=lon)
        return cache[key]

    return zone_at


def _changes(
    current: dict[int, tuple[Any, ...]], timings: Sequence[Timing], venues: tuple[places.Venue, ...]
) -> Iterator[tuple[int, dict[str, Any]]]:
    towns = places.gazetteer() if any(t.lat is not None for t in timings) else None
    located: dict[tuple[float, float], places.Place | None] = {}
    for timing in timings:
        values = _time_columns(timing)
        if timing.lat is not None and timing.lon is not None and towns is not None:
            key = (round(timing.lat, 5), round(timing.lon, 5))
            if key not in located:
                located[key] = places.locate(timing.lat, timing.lon, venues, towns)
            place = located[key]
            values.update(
                place=place.town if place else None,
                country=place.country if place else None,
                venue=place.venue if place else None,
                place_lat=timing.lat,
                place_lon=timing.lon,
                place_inferred=int(timing.position_inferred),
            )
        else:
            values.update(place=None, country=None, venue=None, place_lat=None, place_lon=None, place_inferred=0)
        before = dict(zip(PLACED, current[timing.id], strict=True))
        diff = {k: v for k, v in values.items() if before.get(k) != v}
        if diff:
            yield timing.id, diff


def _time_columns(timing: Timing) -> dict[str, Any]:
    return {
        "taken_at_utc": timing.utc.isoformat() if timing.utc else None,
        "timezone": timing.zone,
        "taken_at_local": timing.local.isoformat() if timing.local else None,
        "time_source": timing.source,
    }


def _clock_row(clock: DeviceClock) -> dict[str, Any]:
    """The catalog keeps the correction (what set-offset takes), never the internal camera-minus-UTC."""
    return {
        "key": clock.device,
        "name": devices.device_name(clock.device),
        "offset_seconds": clock.correction,
        "offset_source": clock.source,
        "confidence": clock.confidence,
        "note": clock.note,
        "candidates": devices.candidates_to_json(clock.candidates),
    }
