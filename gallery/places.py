"""Offline place names: the organisation's venues first, then the nearest town of GeoNames cities1000.

The town table ships in gallery/data/towns.tsv.gz (built by scripts/build_gazetteer.py): city
sections are folded into their town (Marseille 02 -> Marseille, Moncloa-Aravaca -> Madrid), and
towns carry their French name where the data has one (Barcelone, Londres).
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from babel import Locale

from .geo import EARTH_KM, distance_km

MAX_TOWN_KM = 30.0  # farther than this from any town centre, we do not name a town
CELL_DEGREES = 1.0


@dataclass(frozen=True)
class Venue:
    name: str
    lat: float
    lon: float
    radius_m: float
    town: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Place:
    town: str  # in French where the data has a French form, else the local name
    country: str  # ISO 3166 code
    venue: str | None = None


class Gazetteer:
    """Nearest town centre over a 1-degree grid; a query scans its cell and the eight around it."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.names = [row[1] or row[0] for row in rows]
        self.countries = [row[4] for row in rows]
        self.parents = np.array([int(row[6]) for row in rows], dtype=np.int64)
        self.lat = np.radians(np.array([float(row[2]) for row in rows]))
        self.lon = np.radians(np.array([float(row[3]) for row in rows]))
        cells: dict[tuple[int, int], list[int]] = {}
        for i, row in enumerate(rows):
            cells.setdefault(_cell(float(row[2]), float(row[3])), []).append(i)
        self.cells = {key: np.array(value, dtype=np.int64) for key, value in cells.items()}
        self._near: dict[tuple[int, int], np.ndarray] = {}

    def nearest(self, lat: float, lon: float) -> tuple[int, float] | None:
        """Index and distance (km) of the nearest town centre, or None beyond MAX_TOWN_KM."""
        candidates = self._neighbourhood(_cell(lat, lon))
        if candidates.size == 0:
            return None
        p, q = math.radians(lat), math.radians(lon)
        lat2, lon2 = self.lat[candidates], self.lon[candidates]
        h = np.sin((lat2 - p) / 2) ** 2 + math.cos(p) * np.cos(lat2) * np.sin((lon2 - q) / 2) ** 2
        best = int(np.argmin(h))
        km = 2 * EARTH_KM * math.asin(math.sqrt(min(1.0, float(h[best]))))
        return (int(candidates[best]), km) if km <= MAX_TOWN_KM else None

    def town(self, lat: float, lon: float) -> Place | None:
        found = self.nearest(lat, lon)
        if found is None:
            return None
        index = found[0]
        if self.parents[index] >= 0:
            index = int(self.parents[index])  # a city section answers with its town
        return Place(self.names[index], self.countries[index])

    def _neighbourhood(self, cell: tuple[int, int]) -> np.ndarray:
        if cell not in self._near:
            la, lo = cell
            parts = [
                self.cells[k]
                for k in ((la + a, _wrap(lo + b)) for a in (-1, 0, 1) for b in (-1, 0, 1))
                if k in self.cells
            ]
            self._near[cell] = np.concatenate(parts) if parts else np.array([], dtype=np.int64)
        return self._near[cell]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEGREES)), _wrap(int(math.floor(lon / CELL_DEGREES)))


def _wrap(lon_cell: int) -> int:
    return (lon_cell + 180) % 360 - 180


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped town table, loaded once per process (read-only data)."""
    data = resources.files("gallery").joinpath("data/towns.tsv.gz").read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    return Gazetteer([line.split("\t") for line in text.splitlines() if line])


def locate(lat: float, lon: float, venues: tuple[Venue, ...] = (), towns: Gazetteer | None = None) -> Place | None:
    """Name a position: the nearest venue whose radius covers it wins, else the nearest town."""
    inside = [(distance_km(lat, lon, v.lat, v.lon) * 1000, v) for v in venues]
    inside = [(d, v) for d, v in inside if d <= v.radius_m]
    if inside:
        venue = min(inside, key=lambda pair: pair[0])[1]
        town = (towns or gazetteer()).town(venue.lat, venue.lon)
        return Place(
            venue.town or (town.town if town else venue.name),
            venue.country or (town.country if town else ""),
            venue.name,
        )
    return (towns or gazetteer()).town(lat, lon)


@lru_cache(maxsize=8)
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def country_name(code: str | None, language: str = "fr") -> str:
    """'FR' -> 'France'; 'ES' -> 'Espagne' in French, 'Spain' in English."""
    if not code:
        return ""
    return _territories(language).get(code.upper(), code)


def town_centre(lat: float, lon: float) -> tuple[float, float] | None:
    """The centre of the town nearest to a position (map and paging, H7): what a public map may show."""
    towns = gazetteer()
    found = towns.nearest(lat, lon)
    if found is None:
        return None
    index = found[0]
    if towns.parents[index] >= 0:
        index = int(towns.parents[index])
    return round(math.degrees(float(towns.lat[index])), 4), round(math.degrees(float(towns.lon[index])), 4)
