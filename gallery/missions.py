"""Mission programmes (TOML): placeholder until the events issue lands."""

from __future__ import annotations

import sqlite3

from .places import Venue
from .timeline import MissionZone


def zones(conn: sqlite3.Connection) -> list[MissionZone]:
    return []


def venues(conn: sqlite3.Connection) -> tuple[Venue, ...]:
    return ()
