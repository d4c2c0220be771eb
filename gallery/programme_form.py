"""The mission programme as a form: TOML to rows of fields and back (pure; missions.py validates)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from .errors import BadRequest
from .missions import parse_programme

BLANK_EVENTS = 3  # empty rows offered under the existing events
COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
KEPT = ("title", "description", "radius")  # event fields the form does not show but keeps


def blank(zone: str = "Europe/Paris") -> dict[str, object]:
    return {"title": "", "timezone": zone, "description": "", "events": [_empty() for _ in range(BLANK_EVENTS)]}


def _empty() -> dict[str, str]:
    return {"name": "", "start": "", "end": "", "where": "", "title": "", "description": "", "radius": ""}


def rows_from_programme(text: str) -> dict[str, object]:
    """A loaded programme as the form shows it: local times in the mission's zone, place or coordinates."""
    programme = parse_programme(text)
    zone = ZoneInfo(programme.timezone)
    events = []
    for event in programme.events:
        where = f"{event.lat:g}, {event.lon:g}" if event.lat is not None and event.lon is not None else ""
        events.append(
            {
                "name": event.name,
                "start": event.start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                "end": event.end.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                "where": where or event.place or "",
                "title": event.title or "",
                "description": event.description or "",
                "radius": f"{event.radius_m:g}",
            }
        )
    events += [_empty() for _ in range(BLANK_EVENTS)]
    return {
        "title": programme.title,
        "timezone": programme.timezone,
        "description": programme.description,
        "events": events,
    }


def programme_from_form(form: Mapping[str, str]) -> str:
    """The TOML for the fields of the form; rows without a name are left out."""
    lines = [
        "[mission]",
        f"title = {_string(form.get('title', ''))}",
        f"timezone = {_string(form.get('timezone', ''))}",
    ]
    if form.get("description", "").strip():
        lines.append(f"description = {_string(form['description'])}")
    count = min(int(form.get("events", "0") or 0) if form.get("events", "0").isdigit() else 0, 500)
    for index in range(count):
        field = {key: form.get(f"event-{index}-{key}", "").strip() for key in ("name", "start", "end", "where", *KEPT)}
        if not field["name"]:
            continue
        lines += ["", "[[event]]", f"name = {_string(field['name'])}"]
        lines.append(f"start = {_moment(field['start'], index, 'start')}")
        lines.append(f"end = {_moment(field['end'] or field['start'], index, 'end')}")
        lines += _where(field["where"])
        for key in ("title", "description"):
            if field[key]:
                lines.append(f"{key} = {_string(field[key])}")
        if field["radius"]:
            lines.append(f"radius = {_number(field['radius'], index)}")
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    return json.dumps(value.strip(), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _moment(value: str, index: int, field: str) -> str:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None).isoformat(timespec="seconds")
    except ValueError:
        raise BadRequest(f"event {index + 1}: give the {field} as a date and time") from None


def _where(value: str) -> list[str]:
    """A town name becomes `place`; « 43.6, 1.44 » becomes `lat` and `lon`."""
    if not value:
        return []
    found = COORDINATES.match(value)
    if found:
        return [f"lat = {float(found[1])}", f"lon = {float(found[2])}"]
    return [f"place = {_string(value)}"]


def _number(value: str, index: int) -> str:
    try:
        return f"{float(value):g}"
    except ValueError:
        raise BadRequest(f"event {index + 1}: the radius is a number of metres") from None
