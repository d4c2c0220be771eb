"""After a batch: put photos on their true time, name their places, regroup events and albums.

Everything here is derived from the catalog and recomputed as a whole, so it is deterministic
(scan order and interrupted runs do not matter) and idempotent; people's edits are inputs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from . import albums, catalog, clocks, devices, events, missions, places, run_clocks, timeline
from .config import Config
from .timeline import DeviceClock, Shot, Timing


def refresh(
    conn: catalog.Connection,
    config: Config | None = None,
    touched: Collection[int] | None = None,
    added: bool = False,
) -> dict[str, int]:
    """Recompute times, places and albums; returns counts of what changed.

    `touched=None` regroups every photo. Otherwise only the segments of time that the touched
    photos (new ones, say) and the photos this refresh re-timed or re-placed were or are in are
    regrouped: what the change can affect, nothing else (the same albums as a full pass).
    Touched photos (an import, dates set by hand) are re-timed with the devices that can weigh on
    their clocks or be weighed by them (`retime_around`); an empty `touched` re-times every photo
    (`gallery regroup --all`). A hand-set offset, a programme, a venue: `refresh_device` and
    `refresh_setting` (H25), which re-time and regroup only what they can change. `added`: the
    touched photos are new in the catalog (an import), nothing else changed: the cameras weighed run
    by run keep the runs out of their reach (`retime_around`).
    """
    if touched:
        count, updates, before = retime_around(conn, config, touched, added)
    else:
        count, updates, before = retime(conn, config)
    changed = len(updates)
    if touched is None:
        grouped = albums.regroup(conn)
    else:
        moved = [photo_id for photo_id, _ in updates]
        times = [datetime.fromisoformat(b).timestamp() for i in moved if (b := before.get(i))]
        grouped = albums.regroup(conn, {*touched, *moved}, times)
    return {"photos": count, "retimed": changed, **grouped}


# -- changes every photo might read: a device's offset, a programme, a venue (H25) -----------------


def refresh_device(conn: catalog.Connection, config: Config | None, key: str) -> dict[str, int]:
    """After a device's offset is set or cleared by hand: re-time that device and what it moves.

    A hand-set offset is read by its own device (its times, and the zone `_place_manual` reads
    around them) and, through its photos, by the devices that weigh against them: exactly what
    `retime_devices` re-times, over units (`retime_units`): the offset moves no photo's own evidence
    (GPS, offset tags, positions), so the other cameras' runs stay as they are. Only the photos that
    moved are regrouped.
    """
    spans, split = run_clocks.units(conn, _device_spans(conn))
    run_clocks.whole(spans, split, key)  # its own runs may join (a clock set by hand holds for all) or part again
    count, updates, before = retime_units(conn, config, {key}, spans, split)
    return {"photos": count, "retimed": len(updates), **_regroup_moved(conn, updates, before)}


@dataclass(frozen=True)
class Setting:
    """What re-timing and regrouping read of the missions and venues: taken before a change."""

    event_rows: frozenset[tuple[Any, ...]]  # every programme event row, all its fields
    mission_rows: frozenset[tuple[Any, ...]]  # every mission row (title, zone, span)
    windows: tuple[tuple[float, float], ...]  # read by the GPS-less cameras within reach (timeline._evidence)
    zones: tuple[
        timeline.MissionZone, ...
    ]  # each mission's zone and span: read by the cameras weighed or set by hand within reach
    venues: frozenset[places.Venue]
    programme: tuple[events.ProgrammeEvent, ...]


def setting(conn: catalog.Connection) -> Setting:
    programme = tuple(missions.programme_events(conn))
    return Setting(
        frozenset(tuple(sorted(e.items())) for e in catalog.list_mission_events(conn)),
        frozenset(
            tuple(sorted((k, v) for k, v in m.items() if k not in ("source", "loaded_at")))
            for m in catalog.list_missions(conn)
        ),
        tuple((e.start, e.end) for e in programme),
        tuple(missions.zones(conn)),
        frozenset(all_venues(conn)),
        programme,
    )


# How far from a changed programme a photo's camera time may read it: a mission's zone is lent
# one day either side of its local span (`timeline._fallback_zone`), local time within 14 h of UTC.
PROGRAMME_REACH = 2 * 86400


def refresh_setting(conn: catalog.Connection, config: Config | None, before: Setting) -> dict[str, int]:
    """After a programme is loaded or replaced, or a venue added or removed: what a full pass changes.

    Re-timed: the devices, and the runs of a camera weighed run by run (`run_clocks.units`: its other runs keep
    their clocks), with photos (camera or UTC time) within PROGRAMME_REACH of the events
    that changed (their fallback zone, inferred venue positions), and the devices weighed or set
    by hand whose reach holds a window or a mission zone that changed (`timeline._evidence` reads
    those within its reach only: `_weighed_within_reach`); `retime_devices` widens to the
    neighbours they move (`retime_units`). Re-placed: the photos whose position lies within a changed venue's
    radius. Regrouped: the segments, before and after, of the changed events' windows and of the
    changed missions' spans, and of every photo re-timed or re-placed.
    """
    after = setting(conn)
    changed_events = before.event_rows ^ after.event_rows
    changed_missions = before.mission_rows ^ after.mission_rows
    bounds: list[float] = []
    for row in [dict(e) for e in changed_events] + [dict(m) for m in changed_missions]:
        bounds += [datetime.fromisoformat(row[k]).timestamp() for k in ("start_utc", "end_utc") if row.get(k)]
    spans, split = run_clocks.units(conn, _device_spans(conn))
    inner: set[str] = set()
    old_scope: set[int] = set()
    instants: list[float] = []
    if bounds:
        low, high = min(bounds) - PROGRAMME_REACH, max(bounds) + PROGRAMME_REACH
        inner |= {key for key, (a, b) in spans.items() if a <= high and low <= b}
        instants = [
            moment for event in (set(before.programme) ^ set(after.programme)) for moment in (event.start, event.end)
        ]
        # the segments as the old programme cut them: a window removed may have held two together
        dated = _dated_between(conn, low, high)
        old_scope = albums.scope_of(conn, dated, instants, before.programme)
    reached = _weighed_within_reach(before, after, spans)
    if reached:
        sources = catalog.device_sources(conn)  # a device with a GPS clock reads neither
        inner |= {key for key in reached if sources.get(key.partition(timeline.RUN)[0], "none") != "gps"}
    count, updates, times_before = retime_units(conn, config, inner, spans, split)
    moved = {photo_id for photo_id, _ in updates}
    replaced = _replace_near(conn, before.venues ^ after.venues, moved)
    touched = old_scope | moved | set(replaced)  # what is in reach now: there before (old_scope) or moved
    times = [datetime.fromisoformat(b).timestamp() for i in moved if (b := times_before.get(i))]
    grouped = _regroup(conn, touched, [*times, *instants]) if touched or instants else {}
    return {"photos": count, "retimed": len(updates) + len(replaced), **grouped}


# How far a camera's weighing reads programme windows and mission zones: the others' photos within
# timeline.EVIDENCE_WINDOW of its camera times, the windows a largest shift (clocks.REACH) further
# (timeline._evidence); a mission's span is local time (14 h from UTC at most) lent a day either side.
WEIGHING_REACH = timeline.EVIDENCE_WINDOW + clocks.REACH
MISSION_SPARE = 86400 + 14 * 3600


def _weighed_within_reach(before: Setting, after: Setting, spans: dict[str, tuple[float, float]]) -> set[str]:
    """The devices whose weighing reads a programme window or a mission zone that changed (H28):
    a device's span (camera or UTC times) within its reach of it. Before, every weighed device."""
    reach: list[tuple[float, float]] = [
        (a - WEIGHING_REACH, b + WEIGHING_REACH) for a, b in set(before.windows) ^ set(after.windows)
    ]
    for mission in set(before.zones) ^ set(after.zones):
        a, b = (_seconds(t.isoformat()) for t in (mission.start, mission.end))
        reach.append((a - MISSION_SPARE - WEIGHING_REACH, b + MISSION_SPARE + WEIGHING_REACH))
    return {key for key, (a, b) in spans.items() if any(a <= hi and lo <= b for lo, hi in reach)}


def _regroup(conn: catalog.Connection, touched: set[int], times: list[float]) -> dict[str, int]:
    """The segments of these photos and instants; one full pass when they are most of the archive
    (walking out from thousands of instants costs more than regrouping everything once)."""
    if len(touched) > WHOLE * catalog.count_photos(conn):
        return albums.regroup(conn)
    return albums.regroup(conn, touched, times)


def _dated_between(conn: catalog.Connection, low: float, high: float) -> list[int]:
    first, last = (datetime.fromtimestamp(t, UTC).isoformat() for t in (low, high))
    return [r["id"] for r in catalog.dating_between(conn, first, last)]


def _replace_near(conn: catalog.Connection, changed: Collection[places.Venue], done: set[int]) -> list[int]:
    """Name again the places of the photos (not re-timed just now) a changed venue may cover."""
    if not changed:
        return []
    venues = all_venues(conn)
    towns = places.gazetteer()
    located: dict[tuple[float, float], places.Place | None] = {}
    updates = []
    for row in catalog.placed_near(conn, [(v.lat, v.lon, v.radius_m) for v in changed]):
        if row["id"] in done:
            continue
        key = (round(row["place_lat"], 5), round(row["place_lon"], 5))
        if key not in located:
            located[key] = places.locate(*key, venues, towns)
        place = located[key]
        values = {
            "place": place.town if place else None,
            "country": place.country if place else None,
            "venue": place.venue if place else None,
        }
        diff = {k: v for k, v in values.items() if row[k] != v}
        if diff:
            updates.append((row["id"], diff))
    with catalog.transaction(conn):
        catalog.update_photos(conn, updates)
    return [photo_id for photo_id, _ in updates]


def _regroup_moved(
    conn: catalog.Connection, updates: list[tuple[int, dict[str, Any]]], before: dict[int, str | None]
) -> dict[str, int]:
    moved = {photo_id for photo_id, _ in updates}
    times = [datetime.fromisoformat(b).timestamp() for i in moved if (b := before.get(i))]
    return _regroup(conn, moved, times)


def all_venues(conn: catalog.Connection) -> tuple[places.Venue, ...]:
    """The organisation's venues, then the programme's (the nearest covering one names a place)."""
    return tuple(
        places.Venue(**{k: v[k] for k in ("name", "lat", "lon", "radius_m", "town", "country")})
        for v in catalog.list_venues(conn)
    ) + missions.venues(conn)


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
    return _resolve(conn, config, None, rows).write(conn)


def _resolve(
    conn: catalog.Connection,
    config: Config | None,
    keys: set[str] | None,
    rows: Iterable[dict[str, Any]] | None = None,
    split: run_clocks.Split | None = None,
) -> Resolved:
    """Resolve these devices' photos (all when `keys` is None); nothing written yet.

    A key may be a run of a camera in `split` (`camera RUN rank`, re-timed alone: `run_clocks.units`): only
    the camera's photos within that run's camera times are read, and the camera's clock is its runs
    merged, those not read as they are kept (`timeline.merge_runs`)."""
    split = split or {}
    runs_read: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if keys is not None:
        for key in keys:
            device, _, rank = key.partition(timeline.RUN)
            if rank:
                runs_read[device].append(split[device][int(rank)])
        keys = {key.partition(timeline.RUN)[0] for key in keys}
    if rows is None:
        rows = catalog.timing_rows(conn) if keys is None else catalog.timing_rows_of_devices(conn, keys)
    shots: list[Shot] = []
    current: dict[int, tuple[Any, ...]] = {}
    units: dict[int, str] = {}
    for row in rows:
        shot = shot_from_row(row)
        if shot.device in runs_read:
            run = run_clocks.run_of(shot, runs_read[shot.device])
            if run is None:
                continue
            units[shot.id] = f"{shot.device}{timeline.RUN}{run}"
        shots.append(shot)
        current[row["id"]] = tuple(row[k] for k in PLACED)
    devices = {shot.id: shot.device for shot in shots}
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
    runs: dict[str, tuple[list[dict[str, Any]], bool]] = {}
    run_rows: dict[str, dict[str, Any]] = {}
    for device, clock in list(clocks.items()):
        if device in runs_read:
            read = run_clocks.runs_read(clock, runs_read[device], timings, units)
            if read is None:
                raise run_clocks.Unsplit(device)
            run_rows.update((f"{device}{timeline.RUN}{r['rank']}", r) for r in read)
            by_rank = {r["rank"]: r for r in (*split[device], *read)}
            clocks[device] = timeline.merge_runs(device, [run_clocks.run_clock(device, r) for r in by_rank.values()])
            runs[device] = (read, False)
        else:
            runs[device] = ([run_clocks.run_row(r) for r in clock.runs], True)
    venues = all_venues(conn)
    updates = list(_changes(current, timings, venues))
    del timings
    return Resolved(
        len(current),
        updates,
        {photo_id: values[0] for photo_id, values in current.items()},
        devices,
        [_clock_row(c) for c in clocks.values()],
        runs,
        units,
        run_rows,
    )


@dataclass
class Resolved:
    """What resolving some photos gave, before it is written."""

    count: int
    updates: list[tuple[int, dict[str, Any]]]
    before: dict[int, str | None]  # each photo's UTC time before
    devices: dict[int, str]  # each photo's device
    clocks: list[dict[str, Any]]  # device rows for save_device_clocks
    runs: dict[str, tuple[list[dict[str, Any]], bool]] = field(
        default_factory=dict
    )  # each camera's runs re-timed, all?
    units: dict[int, str] = field(default_factory=dict)  # a photo of a run re-timed alone: its run's key
    run_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # each run re-timed alone, by its key

    def write(self, conn: catalog.Connection) -> tuple[int, list[tuple[int, dict[str, Any]]], dict[int, str | None]]:
        with catalog.transaction(conn):
            catalog.update_photos(conn, self.updates)
            catalog.save_device_clocks(conn, self.clocks)
            for device, (rows, whole) in self.runs.items():
                catalog.save_device_runs(conn, device, rows, whole)
        return self.count, self.updates, self.before


# Two devices may weigh on each other's clocks when their photos come within this of each other:
# a GPS-less device reads the others within timeline.EVIDENCE_WINDOW of its camera times, and the
# clock it is given moves its photos by up to clocks.REACH (an hour more for borrowed positions).
NEIGHBOURS = timeline.EVIDENCE_WINDOW + 51 * 3600


# Past this share of the devices (re-timing) or of the photos (regrouping), a change is done as one
# full pass: the same result, without walking out from each of thousands of photos (H25).
WHOLE = 0.5


def retime_around(
    conn: catalog.Connection, config: Config | None, touched: Collection[int], added: bool = False
) -> tuple[int, list[tuple[int, dict[str, Any]]], dict[int, str | None]]:
    """Re-time the touched photos' devices and what they can move: the same result as `retime` of all.

    The devices of the touched photos (`inner`) are re-timed with their neighbours (`neighbours`):
    every device whose photos come within NEIGHBOURS of theirs, the evidence they read and the
    devices that read theirs. When no neighbour comes out changed, nothing beyond them reads
    anything that changed and the archive is at the fixed point a full re-time reaches; otherwise
    the neighbours join the inner devices and the ring widens (at worst to the whole archive).
    `added` (an import: the touched photos are new, none changed or left): a camera weighed run by
    run is a neighbour by its runs (`retime_units`: a late phone of one trip re-times the Canon's
    run on that trip, not its years), unless it is among the touched photos' devices or a new photo
    may join two of its runs (`run_clocks.bridged_by`): then it is re-timed whole.
    """
    inner = catalog.devices_of_photos(conn, touched)
    if not added:
        return retime_devices(conn, config, inner)
    spans, split = run_clocks.units(conn, _device_spans(conn))
    rows = catalog.get_photos(conn, sorted(touched)) if split else []
    for device in list(split):
        if device in inner or run_clocks.bridged_by(split[device], rows):
            run_clocks.whole(spans, split, device)
    return retime_units(conn, config, inner, spans, split)


def retime_devices(
    conn: catalog.Connection, config: Config | None, inner: set[str]
) -> tuple[int, list[tuple[int, dict[str, Any]]], dict[int, str | None]]:
    """Re-time these devices and the neighbours they move (see `retime_around`); nothing else is read."""
    spans = _device_spans(conn)
    inner = set(inner)
    while True:
        ring = neighbours(spans, inner)
        if len(inner | ring) > WHOLE * len(spans) > 0:  # (nearly) the whole archive: one full pass, never two (H25)
            return retime(conn, config)
        resolved = _resolve(conn, config, inner | ring)
        moved = {resolved.devices[photo_id] for photo_id, _ in resolved.updates}
        if not moved & ring and not _clocks_changed(conn, resolved.clocks, ring):
            return resolved.write(conn)
        inner |= ring


def retime_units(
    conn: catalog.Connection,
    config: Config | None,
    inner: set[str],
    spans: run_clocks.Spans,
    split: run_clocks.Split,
) -> tuple[int, list[tuple[int, dict[str, Any]]], dict[int, str | None]]:
    """`retime_devices` over units (`run_clocks.units`): a camera's runs out of reach of the change keep their
    clocks, and the camera's is its runs merged. Only for what leaves the runs as they are (a
    programme, a venue, another device's offset, other devices' new photos away from the gaps
    between its runs): its own new photos, or photos that change or leave, may join or cut them."""
    inner = set(inner)
    while True:
        ring = neighbours(spans, inner)
        if len(inner | ring) > WHOLE * len(spans) > 0:
            return retime(conn, config)
        try:
            resolved = _resolve(conn, config, inner | ring, split=split)
        except run_clocks.Unsplit as unsplit:  # not the same runs read alone: that camera whole, as `retime_devices`
            keys = run_clocks.whole(spans, split, unsplit.device)
            inner = {k for k in inner if k not in keys} | {unsplit.device}
            continue
        moved = {resolved.units.get(i, resolved.devices[i]) for i, _ in resolved.updates}
        if not moved & ring and not _clocks_changed(conn, resolved.clocks, ring, resolved.run_rows):
            return resolved.write(conn)
        inner |= ring


def _clocks_changed(
    conn: catalog.Connection,
    clocks: list[dict[str, Any]],
    ring: set[str],
    run_rows: dict[str, dict[str, Any]] | None = None,
) -> bool:
    """Would saving these clock rows change what is stored of a neighbour (or of a run in the ring)?"""
    if run_clocks.changed(conn, {key: row for key, row in (run_rows or {}).items() if key in ring}):
        return True
    new = [c for c in clocks if c["key"] in ring]
    stored = catalog.stored_clocks(conn, ring)
    for clock in new:
        row = stored.get(clock["key"])
        if row is None:
            return True
        if row["name"] != clock["name"] or row["candidates"] != clock["candidates"]:
            return True
        if not row["manual"] and any(
            row[k] != clock[k] for k in ("offset_seconds", "offset_source", "confidence", "note")
        ):
            return True
    return False


def neighbours(spans: dict[str, tuple[float, float]], inner: set[str]) -> set[str]:
    """The devices outside `inner` whose photos come within NEIGHBOURS of one inside."""
    out = set()
    near = [spans[key] for key in inner if key in spans]
    for key, (a, b) in spans.items():
        if key not in inner and any(a - NEIGHBOURS <= hi and lo <= b + NEIGHBOURS for lo, hi in near):
            out.add(key)
    return out


def _device_spans(conn: catalog.Connection) -> dict[str, tuple[float, float]]:
    """Each device's first and last photo, camera or UTC time, in seconds."""
    spans: dict[str, tuple[float, float]] = {}
    for key, *bounds in catalog.device_spans(conn):
        seconds = [_seconds(b) for b in bounds if b]
        if seconds and key is not None:
            spans[key] = (min(seconds), max(seconds))
    return spans


def _seconds(iso: str) -> float:
    when = datetime.fromisoformat(iso)
    return when.replace(tzinfo=UTC).timestamp() if when.tzinfo is None else when.timestamp()


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
            if key not in located:  # named from the rounded position: the same whichever photo comes first
                located[key] = places.locate(*key, venues, towns)
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
    return {"key": clock.device, "name": devices.device_name(clock.device), **run_clocks.clock_columns(clock)}
