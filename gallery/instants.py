"""Instants as the catalog stores them (ISO 8601 text with an offset), seen in a time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def in_zone(iso: str, zone: str | None) -> datetime:
    """The instant `iso` on the clocks of IANA `zone`; as stored (its own offset) when zone is None."""
    moment = datetime.fromisoformat(iso)
    return moment.astimezone(ZoneInfo(zone)) if zone else moment
