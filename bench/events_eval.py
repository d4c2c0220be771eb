"""Event grouping against known truth: pairwise precision, recall and F1 per scenario and seed.

Each synthetic trip (gallery/synthetic.py) goes through the same pure steps as the catalog:
timeline.resolve (clocks, zones, inferred positions), then events.group_into_events, with and
without the mission programme, on clean data and with damage (GPS outliers, stale fixes).
Baselines on the raw camera times, as peers group:
one album per calendar day, and a fixed 2-hour gap. Pairs are counted inside true events only:
transit and stray photos ("others") and undated ones pair with nothing.

    python bench/events_eval.py --seeds 5
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from datetime import datetime
from itertools import combinations

from gallery import albums, events, missions, synthetic, timeline
from gallery.synthetic import OTHERS, Photo, Scenario


def zone_finder() -> timeline.ZoneAt:
    from timezonefinder import TimezoneFinder

    finder = TimezoneFinder(in_memory=True)
    return lambda lat, lon: finder.timezone_at(lat=lat, lng=lon)


def shots(photos: list[Photo]) -> list[timeline.Shot]:
    out = []
    for index, photo in enumerate(photos):
        offset = None
        if photo.offset:
            sign = -1 if photo.offset[0] == "-" else 1
            offset = sign * (int(photo.offset[1:3]) * 60 + int(photo.offset[4:6]))
        device = f"{photo.device.make} {photo.device.model}|folder:{photo.device.folder}"
        out.append(
            timeline.Shot(
                index, device, photo.camera_time, offset, "exif_original", photo.gps_time, photo.lat, photo.lon
            )
        )
    return out


def ours(
    scenario: Scenario, photos: list[Photo], zone_at: timeline.ZoneAt, with_programme: bool, towns: object
) -> tuple[dict[int, str], dict]:
    programme = missions.parse_programme(scenario.programme)
    planned = [
        events.ProgrammeEvent(n + 1, e.start.timestamp(), e.end.timestamp(), e.lat, e.lon, e.radius_m / 1000, e.place)
        for n, e in enumerate(programme.events)
    ]
    zones = []
    if with_programme:
        starts = [e.start for e in programme.events]
        ends = [e.end for e in programme.events]
        local = timeline.ZoneInfo(programme.timezone)
        zones = [
            timeline.MissionZone(
                min(starts).astimezone(local).replace(tzinfo=None),
                max(ends).astimezone(local).replace(tzinfo=None),
                programme.timezone,
            )
        ]
    timings, clocks = timeline.resolve(shots(photos), zone_at, missions=zones)
    items = [
        events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in timings if t.utc is not None
    ]
    town_of = (
        {
            t.id: (towns.town(t.lat, t.lon).town if t.lat is not None and towns.town(t.lat, t.lon) else None)  # type: ignore[attr-defined]
            for t in timings
        }
        if with_programme
        else {}
    )
    groups = events.group_into_events(items, planned if with_programme else (), town_of.get)
    predicted = {}
    titles = {}
    for number, group in enumerate(groups):
        label = OTHERS if group.others else f"g{number}"
        for i in group.ids:
            predicted[i] = label
        if group.programme is not None:
            event = programme.events[group.programme - 1]
            row = {"kind": "event", "mission_event_id": group.programme}
            titles[event.name] = albums.default_title(
                row, None, None, None, None, {group.programme: {"title": event.title, "name": event.name}}, None
            )
    return predicted, {"clocks": clocks, "titles": titles, "programme": programme}


def baseline_day(photos: list[Photo]) -> dict[int, str]:
    return {i: p.camera_time.date().isoformat() for i, p in enumerate(photos)}


def baseline_gap(photos: list[Photo], hours: float = 2.0) -> dict[int, str]:
    order = sorted(range(len(photos)), key=lambda i: photos[i].camera_time)
    label, previous, out = 0, None, {}
    for i in order:
        if previous is not None and (photos[i].camera_time - previous).total_seconds() > hours * 3600:
            label += 1
        out[i] = f"g{label}"
        previous = photos[i].camera_time
    return out


def pairwise(truth: dict[int, str], predicted: dict[int, str]) -> tuple[float, float, float]:
    """Precision, recall, F1 over photo pairs; OTHERS (and missing) pair with nothing."""

    def pairs(labels: dict[int, str]) -> set[tuple[int, int]]:
        groups = defaultdict(list)
        for photo, label in labels.items():
            if label != OTHERS:
                groups[label].append(photo)
        return {pair for members in groups.values() for pair in combinations(sorted(members), 2)}

    true_pairs, found = pairs(truth), pairs({i: predicted.get(i, OTHERS) for i in truth})
    hits = len(true_pairs & found)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    from gallery import places

    zone_at, towns = zone_finder(), places.gazetteer()
    print(f"{'scenario':<24} {'method':<22} {'precision':>9} {'recall':>7} {'F1':>6}   notes")
    summary: dict[str, list[float]] = defaultdict(list)
    runs = [(name, make, damage) for name, make in synthetic.SCENARIOS.items() for damage in (False, True)]
    for name, make, damage in runs:
        scenario = make()
        name = name + (" +damage" if damage else "")
        results: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        notes: list[str] = []
        for seed in range(args.seeds):
            photos = synthetic.photos(scenario, seed, damage)
            truth = {i: p.label for i, p in enumerate(photos)}
            for with_programme in (True, False):
                predicted, info = ours(scenario, photos, zone_at, with_programme, towns)
                method = "ours + programme" if with_programme else "ours, no programme"
                results[method].append(pairwise(truth, predicted))
                leaked = sum(
                    1 for i, p in enumerate(photos) if p.label == OTHERS and predicted.get(i, OTHERS) != OTHERS
                )
                if leaked:
                    notes.append(f"seed {seed} {method}: {leaked} transit/stray photos inside events")
                if with_programme:
                    for event in info["programme"].events:
                        title = info["titles"].get(event.name, "")
                        if event.name not in title and (event.title or "") != title:
                            notes.append(f"seed {seed}: title {title!r} does not name {event.name!r}")
                    unsynced = [d for d, c in info["clocks"].items() if c.source is None and "camera" in d.lower()]
                    if unsynced:
                        notes.append(f"seed {seed}: unaligned {unsynced}")
            results["baseline: calendar day"].append(pairwise(truth, baseline_day(photos)))
            results["baseline: 2 h gap"].append(pairwise(truth, baseline_gap(photos)))
        for method, values in results.items():
            p, r, f = (statistics.mean(v[k] for v in values) for k in range(3))
            summary[method].append(f)
            print(f"{name:<24} {method:<22} {p:9.3f} {r:7.3f} {f:6.3f}")
        for note in notes[:6]:
            print(f"{'':<24} note: {note}")
    print()
    for method, values in summary.items():
        print(f"mean F1 {method:<22} {statistics.mean(values):.3f}   (worst scenario {min(values):.3f})")
    print("targets: F1 >= 0.97 with a programme, >= 0.93 without")
    print(f"run at {datetime.now().isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
