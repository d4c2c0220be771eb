"""Reverse geocoding: lookups per second and right answers, against reverse_geocoder (same run).

reverse_geocoder is the plain nearest-centre lookup over the same GeoNames cities1000 data, with
a k-d tree; it is the peer a developer would reach for first.

    python bench/places_bench.py --points 50000
"""

from __future__ import annotations

import argparse
import random
import time

from gallery import places

CASES = {  # position: the answer a person expects
    (40.4353, -3.7317): "Madrid",
    (43.2951, 5.3744): "Marseille",
    (42.5097, 1.5398): "les Escaldes",
    (43.5445, 1.5110): "Labège or Saint-Orens-de-Gameville",
    (41.3870, 2.1700): "Barcelone",
    (46.8139, -71.2080): "Québec",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(7)
    # Points where people take photos: around towns of Europe and North America, a few km off.
    towns = places.gazetteer()
    sample = rng.sample(range(len(towns.names)), 2000)
    points = []
    for _ in range(args.points):
        i = rng.choice(sample)
        points.append(
            (
                float(towns.lat[i]) * 57.29578 + rng.uniform(-0.05, 0.05),
                float(towns.lon[i]) * 57.29578 + rng.uniform(-0.05, 0.05),
            )
        )

    started = time.perf_counter()
    for lat, lon in points:
        places.locate(lat, lon, (), towns)
    ours = args.points / (time.perf_counter() - started)
    print(f"gallery.places:    {ours:10,.0f} points/s (one at a time, no cache)")
    try:
        import reverse_geocoder  # type: ignore[import-untyped]
    except ImportError:
        print("reverse_geocoder not installed (pip install -e '.[bench]'): no peer figure")
        return
    reverse_geocoder.search([(0.0, 0.0)], mode=1, verbose=False)  # load its data outside the timing
    started = time.perf_counter()
    for lat, lon in points[:5000]:
        reverse_geocoder.search([(lat, lon)], mode=1, verbose=False)
    theirs_single = 5000 / (time.perf_counter() - started)
    started = time.perf_counter()
    reverse_geocoder.search(points, mode=1, verbose=False)
    theirs_batch = args.points / (time.perf_counter() - started)
    print(f"reverse_geocoder:  {theirs_single:10,.0f} points/s one at a time, {theirs_batch:,.0f} points/s batched")
    print(
        f"ratio (one at a time): {ours / theirs_single:.1f}x   target: >= 10,000 points/s -> "
        f"{'met' if ours >= 10_000 else 'NOT met'}"
    )
    print("\nanswers (ours | reverse_geocoder | expected):")
    for (lat, lon), expected in CASES.items():
        mine = places.locate(lat, lon)
        peer = reverse_geocoder.search([(lat, lon)], mode=1, verbose=False)[0]["name"]
        print(f"  {mine.town if mine else '-':<28} | {peer:<28} | {expected}")


if __name__ == "__main__":
    main()
