"""Grouping speed: 1,000,000 photos into events on one core, next to LibrePhotos' rule, same data.

The data: a long life of trips (3-5 days each, a few venues a day, bursts of shots, GPS on most
photos, a few without). LibrePhotos' `autoalbum` rule (a new album after a 36 h gap) is timed
on the same sorted times as the peer figure; it is much simpler (and much worse, see
events_eval.py), so the ratio says what our place-aware grouping costs.

    python bench/events_bench.py --photos 1000000
"""

from __future__ import annotations

import argparse
import random
import time

from gallery.events import Item, group_into_events


def make_items(count: int, seed: int = 1) -> list[Item]:
    rng = random.Random(seed)
    items: list[Item] = []
    t = 1_500_000_000.0
    while len(items) < count:
        t += rng.uniform(5, 40) * 86400  # the next trip
        base_lat, base_lon = rng.uniform(35, 60), rng.uniform(-10, 30)
        for _day in range(rng.randint(3, 5)):
            day = t + 8 * 3600
            for _venue in range(rng.randint(1, 3)):
                lat, lon = base_lat + rng.uniform(-0.2, 0.2), base_lon + rng.uniform(-0.2, 0.2)
                moment = day
                for _ in range(rng.randint(20, 120)):
                    moment += rng.choice((1.5, 2, 30, 60, 120, 300))
                    located = rng.random() < 0.85
                    items.append(
                        Item(
                            len(items),
                            moment,
                            lat + rng.gauss(0, 0.001) if located else None,
                            lon + rng.gauss(0, 0.001) if located else None,
                        )
                    )
                day = moment + rng.uniform(1, 3) * 3600
            t += 86400
    return items[:count]


def librephotos(times: list[float]) -> int:
    albums, previous = 0, None
    for moment in times:
        if previous is None or moment - previous >= 36 * 3600:
            albums += 1
        previous = moment
    return albums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=1_000_000)
    args = parser.parse_args()
    items = make_items(args.photos)
    started = time.perf_counter()
    groups = group_into_events(items)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    times = sorted(i.t for i in items)
    peer_albums = librephotos(times)
    theirs = time.perf_counter() - started
    events = sum(1 for g in groups if not g.others)
    print(
        f"{args.photos:,} photos grouped in {ours:.1f} s on one core: {events:,} events "
        f"({args.photos / ours:,.0f} photos/s)  target: under 30 s -> {'met' if ours < 30 else 'NOT met'}"
    )
    print(
        f"LibrePhotos' 36 h rule on the same photos: {theirs:.2f} s, {peer_albums:,} albums "
        f"(ratio of times: {ours / theirs:.0f}x)"
    )


if __name__ == "__main__":
    main()
