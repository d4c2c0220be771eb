"""Offline place names: towns not districts, small towns stay themselves, venues win, French names."""

from __future__ import annotations

import pytest

from gallery import places
from gallery.places import Venue


@pytest.mark.parametrize(
    ("lat", "lon", "town", "country"),
    [
        (40.4353, -3.7317, "Madrid", "ES"),  # inside Moncloa-Aravaca, a district
        (43.2951, 5.3744, "Marseille", "FR"),  # Vieux-Port, "Marseille 02" in the raw data
        (43.3416, 5.3628, "Marseille", "FR"),  # northern arrondissements
        (43.6045, 1.4442, "Toulouse", "FR"),  # Capitole
        (42.5097, 1.5398, "les Escaldes", "AD"),  # Escaldes-Engordany is not Andorra la Vella
        (42.5063, 1.5218, "Andorra la Vella", "AD"),
        (41.3870, 2.1700, "Barcelone", "ES"),  # French name where the data has one
        (51.5072, -0.1276, "Londres", "GB"),
        (46.8139, -71.2080, "Québec", "CA"),  # local name, accent kept
        (45.5019, -73.5674, "Montréal", "CA"),
    ],
)
def test_towns(lat: float, lon: float, town: str, country: str) -> None:
    assert places.locate(lat, lon) == places.Place(town, country)


def test_iot_valley_is_never_toulouse() -> None:
    found = places.locate(43.5445, 1.5110)
    assert found is not None and found.town in ("Labège", "Saint-Orens-de-Gameville")


def test_nothing_named_in_the_open_sea() -> None:
    assert places.locate(40.0, -30.0) is None


def test_a_venue_wins_over_the_town_lookup() -> None:
    iot = Venue("IOT Valley", 43.5445, 1.5110, 400, "Labège", "FR")
    assert places.locate(43.5447, 1.5112, (iot,)) == places.Place("Labège", "FR", "IOT Valley")
    assert places.locate(43.5600, 1.5110, (iot,)).venue is None  # type: ignore[union-attr]  # 1.7 km away


def test_country_names_in_both_languages() -> None:
    assert places.country_name("ES", "fr") == "Espagne" and places.country_name("ES", "en") == "Spain"
    assert places.country_name("CA", "fr") == "Canada" and places.country_name(None) == ""
