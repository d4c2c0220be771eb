"""Mission programmes (TOML): events with windows and venues, and the mission's time zone.

    [mission]
    title = "Mission Marseille–Toulouse 2017"
    timezone = "Europe/Paris"

    [[event]]
    name = "Mêlée numérique"
    start = 2017-09-19T09:00:00      # local time in the mission's zone, or with an offset
    end = 2017-09-20T17:00:00
    lat = 43.6045                    # optional; or place = "Toulouse"
    lon = 1.4442
    radius = 800                     # optional, metres around lat/lon (default 1000)
    title = "Revoir la Mêlée numérique en images"   # optional

`parse_programme` is pure and names the line and field of any mistake; `load` stores it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from . import catalog, instants
from .errors import ProgrammeError
from .events import ProgrammeEvent
from .places import Venue
from .text import clean
from .timeline import MissionZone, is_zone, local_to_utc

DEFAULT_RADIUS_M = 1000.0
# Cap and line rule of each text field: what albums accept for a title and a description.
_TEXT_LIMITS = {"description": (5000, True), "title": (200, False), "name": (200, False)}


@dataclass(frozen=True)
class PlannedEvent:
    name: str
    start: datetime  # aware UTC
    end: datetime
    title: str | None = None
    description: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: float = DEFAULT_RADIUS_M
    place: str | None = None


@dataclass(frozen=True)
class Programme:
    title: str
    timezone: str
    description: str
    events: tuple[PlannedEvent, ...]


def parse_programme(text: str) -> Programme:
    """Parse and validate a programme; raise ProgrammeError naming the line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(f"not valid TOML: {exc}") from None
    mission = data.get("mission")
    if not isinstance(mission, dict):
        raise ProgrammeError(f"line {_line_of(text, 'mission')}: a [mission] table with title and timezone is needed")
    title = _string(mission, "title", text, "mission", required=True)
    zone = _string(mission, "timezone", text, "mission", required=True)
    if not is_zone(zone):
        raise ProgrammeError(f"line {_line_of(text, 'mission', 'timezone')}: timezone {zone!r} is not an IANA zone")
    raw_events = data.get("event", [])
    if not isinstance(raw_events, list) or not raw_events:
        raise ProgrammeError("the programme has no [[event]]")
    events = tuple(_event(raw, index, text, str(zone)) for index, raw in enumerate(raw_events))
    names = [e.name for e in events]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise ProgrammeError(f"line {_line_of(text, 'event', 'name', index)}: event name {name!r} is used twice")
    return Programme(str(title), str(zone), str(_string(mission, "description", text, "mission") or ""), events)


def _event(raw: dict[str, Any], index: int, text: str, zone: str) -> PlannedEvent:
    def where(field: str) -> str:
        return f"line {_line_of(text, 'event', field, index)}, event {index + 1}, field {field!r}"

    name = _string(raw, "name", text, "event", index, required=True)
    start = _moment(raw.get("start"), zone, where("start"), end_of_day=False)
    end = _moment(raw.get("end"), zone, where("end"), end_of_day=True)
    if end < start:
        raise ProgrammeError(f"{where('end')}: the end comes before the start")
    lat, lon = raw.get("lat"), raw.get("lon")
    if (lat is None) != (lon is None):
        raise ProgrammeError(f"{where('lat' if lat is None else 'lon')}: give both lat and lon, or neither")
    if lat is not None:
        if not isinstance(lat, int | float) or not -90 <= lat <= 90:
            raise ProgrammeError(f"{where('lat')}: a latitude between -90 and 90 is needed")
        if not isinstance(lon, int | float) or not -180 <= lon <= 180:
            raise ProgrammeError(f"{where('lon')}: a longitude between -180 and 180 is needed")
    radius = raw.get("radius", DEFAULT_RADIUS_M)
    if not isinstance(radius, int | float) or not 10 <= radius <= 50_000:
        raise ProgrammeError(f"{where('radius')}: a radius in metres between 10 and 50000 is needed")
    unknown = set(raw) - {"name", "start", "end", "lat", "lon", "radius", "place", "title", "description"}
    if unknown:
        field = sorted(unknown)[0]
        raise ProgrammeError(
            f"{where(field)}: unknown field (expected name, start, end, lat, lon, radius, place, title, description)"
        )
    return PlannedEvent(
        str(name),
        start,
        end,
        _string(raw, "title", text, "event", index),
        _string(raw, "description", text, "event", index),
        float(lat) if lat is not None else None,
        float(lon) if lon is not None else None,
        float(radius),
        _string(raw, "place", text, "event", index),
    )


def _moment(value: Any, zone: str, where: str, end_of_day: bool) -> datetime:
    """A TOML date-time (local in the mission's zone, or with an offset) or date -> aware UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return local_to_utc(value, zone)
    if isinstance(value, date):
        local = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
        return local_to_utc(local, zone)
    if value is None:
        raise ProgrammeError(f"{where}: missing (a date-time like 2017-09-19T09:00:00)")
    raise ProgrammeError(f"{where}: {value!r} is not a TOML date-time (write 2017-09-19T09:00:00, unquoted)")


def _string(
    table: dict[str, Any], field: str, text: str, section: str, index: int = 0, required: bool = False
) -> str | None:
    value = table.get(field)
    if value is None:
        if required:
            raise ProgrammeError(f"line {_line_of(text, section, None, index)}: [{section}] needs a {field!r}")
        return None
    cleaned = clean(value, *_TEXT_LIMITS.get(field, (200, False))) if isinstance(value, str) else ""
    if not cleaned:
        raise ProgrammeError(f"line {_line_of(text, section, field, index)}: {field!r} must be a non-empty string")
    return cleaned


def _line_of(text: str, section: str, field: str | None = None, index: int = 0) -> int:
    """1-based line of the index-th [section]/[[section]] header, or of `field` inside it."""
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
    lines = text.splitlines()
    seen = -1
    for number, line in enumerate(lines, start=1):
        if header.match(line):
            seen += 1
            if seen == index:
                if field is None:
                    return number
                for inner, body in enumerate(lines[number:], start=number + 1):
                    if re.match(r"^\s*\[", body):
                        break
                    if re.match(rf"^\s*{re.escape(field)}\s*=", body):
                        return inner
                return number
    return 1


# -- catalog side ------------------------------------------------------------------------------------


def load(conn: catalog.Connection, text: str, renames: str | None = None) -> int:
    """Store a programme (idempotent: same title, same events, same ids); returns the mission id.

    `renames`: the title of the mission this programme edits (its new title renames it, see catalog.save_mission)."""
    programme = parse_programme(text)
    return catalog.save_mission(conn, programme, text, renames)


def zones(conn: catalog.Connection) -> list[MissionZone]:
    """Each mission's zone over the local span of its events (the timeline's `mission_zone`)."""
    out = []
    for mission in catalog.list_missions(conn):
        if mission["start_utc"] is None:
            continue
        start = instants.in_zone(mission["start_utc"], mission["timezone"]).replace(tzinfo=None)
        end = instants.in_zone(mission["end_utc"], mission["timezone"]).replace(tzinfo=None)
        out.append(MissionZone(start, end, mission["timezone"]))
    return out


def venues(conn: catalog.Connection) -> tuple[Venue, ...]:
    """Programme events with coordinates name their venue, like `gallery places add` does."""
    return tuple(
        Venue(e["name"], e["lat"], e["lon"], e["radius_m"], e["place"], None)
        for e in catalog.list_mission_events(conn)
        if e["lat"] is not None
    )


def programme_events(conn: catalog.Connection) -> list[ProgrammeEvent]:
    return [
        ProgrammeEvent(
            key=e["id"],
            start=datetime.fromisoformat(e["start_utc"]).timestamp(),
            end=datetime.fromisoformat(e["end_utc"]).timestamp(),
            lat=e["lat"],
            lon=e["lon"],
            radius_km=e["radius_m"] / 1000,
            place=e["place"],
        )
        for e in catalog.list_mission_events(conn)
    ]


def mission_span(conn: catalog.Connection) -> list[tuple[int, str, float, float]]:
    """(mission id, title, start, end) in UTC seconds, one day of margin each side."""
    day = timedelta(days=1).total_seconds()
    return [
        (
            m["id"],
            m["title"],
            datetime.fromisoformat(m["start_utc"]).timestamp() - day,
            datetime.fromisoformat(m["end_utc"]).timestamp() + day,
        )
        for m in catalog.list_missions(conn)
        if m["start_utc"]
    ]
