"""Cost that follows the change: an import of 10 photos and album edits, large library vs small.

    python bench/regroup_bench.py                # 100,000 photos (builds them once, ~N min)
    python bench/regroup_bench.py --photos 10000
    python bench/regroup_bench.py --mission-gap-days 60   # also a library whose missions are 60 days apart

The large library is built from catalog rows directly (synthetic trips, gallery/synthetic_catalog.py:
the demo week repeated week after week, 545 photos and 4 devices each), each trip put on its time
on its own, then one `albums.regroup_all`: a full import of 100,000 JPEG files would take hours
on this machine. What is measured is real: a `gallery import` of 10 JPEG files (a new device, a
new trip day) into a copy of that library and into an empty one, each in a child process whose
peak RSS is read; then moving, hiding and renaming in the large library, in a library of one trip
(the same segment size: what a change costs is its segment of time, see gallery/regroup.py) and
in the 10-photo one; then loading a programme over a trip (first load, then a replacement) and a
hand-set offset on that trip's camera, in the large library and in the one-trip library (H25).

Two layouts (issue 10, H3c). The default one repeats the trip every week: the Canon (one serial
number: an organisation's camera) is on trips 89 h apart, so its photos are one run of one clock
(gallery/timeline.py `_runs`) and anything near one trip re-times all of them: the worst case for
re-timing, not what an archive looks like. With --mission-gap-days N a second library has its
trips N days apart (its missions months apart, as an organisation's are): the Canon's trips are
runs weighed apart, and a programme loaded over one trip re-times that run alone. Both libraries
get one full re-time after they are built (what `gallery regroup --all` or a real archive's imports
leave: each camera's runs kept in the catalog, migration 19).

Targets (issue 10): import large/empty <= 1.5, edits large/small <= 1.5, import peak RSS < 400 MiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gallery import albums, catalog, missions, organise, synthetic, synthetic_catalog
from gallery.config import Config

MIB = 1024 * 1024


def trip_photos(index: int, gap_days: int) -> list[synthetic.Photo]:
    """The demo week `index` trips on: every week (gap 7), or every `gap_days` days."""
    if gap_days == 7:
        return synthetic_catalog.trip_photos(index)
    return synthetic.photos(_trip(index, gap_days), seed=index)


def _trip(index: int, gap_days: int) -> synthetic.Scenario:
    if gap_days == 7:
        return synthetic_catalog.trip(index)
    scenario = synthetic_catalog.trip(0)
    shift = timedelta(days=index * gap_days)
    return replace(
        scenario,
        visits=tuple(replace(v, day=v.day + shift) for v in scenario.visits),
        devices=tuple(replace(d, folder=d.folder.replace("trip0-", f"trip{index}-", 1)) for d in scenario.devices),
    )


def build(root: Path, photos: int, gap_days: int = 7) -> float:
    """A library of about `photos` photos, from rows; returns the seconds it took."""
    started = time.monotonic()
    (root / "media").mkdir(parents=True, exist_ok=True)
    conn = catalog.connect(root / "gallery.db")
    catalog.migrate(conn)
    index = 0
    while catalog.count_photos(conn) < photos:
        ids = synthetic_catalog.insert(conn, trip_photos(index, gap_days), f"trip {index}")
        import_id = conn.execute("SELECT import_id FROM photos WHERE id = ?", (ids[0],)).fetchone()[0]
        organise.retime(conn, Config(root=root), catalog.timing_rows(conn, import_id))
        index += 1
    organise.retime(conn, Config(root=root))  # each camera's clock (and runs) read over the whole archive
    albums.regroup_all(conn)
    conn.close()
    return time.monotonic() - started


def ten_files(folder: Path, week: int, gap_days: int = 7) -> Path:
    """10 JPEG files from a phone nobody imported yet, on the last day of trip `week` (one after
    every trip: a new day; one in the middle: a phone of that trip imported late)."""
    trip = _trip(week, gap_days)
    phone = synthetic.Device(f"new-{week}", "Samsung", "Galaxy S21", gps=1.0, offset_tag=True)
    scenario = synthetic.Scenario("bench", trip.zone, trip.visits[-1:], (phone,), extras=())
    photos = synthetic.photos(scenario, seed=week)[:10]
    synthetic.write_photos(folder, photos, size=(320, 240), extras=())
    return folder


SETTINGS = (  # what setting_seconds times, as printed
    ("load", "load a programme"),
    ("replace", "replace it"),
    ("offset", "set-offset camera"),
    ("phone", "set-offset phone"),
    ("full", "(a full pass)"),
)


def child_import(root: Path, source: Path) -> dict[str, float]:
    """Run `gallery import` in a child process: its wall time and peak RSS.

    The peak is the process's own high-water mark since it started (VmHWM): on Linux `ru_maxrss`
    survives exec, so a child of this bench, large once it holds a big library, would report the
    bench's size (539 MiB "into an empty library" at 30,000 photos, 217 MiB at 2,000)."""
    code = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from gallery.cli import main\n"
        "def peak():\n"
        "    try:\n"
        "        line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "        return int(line.split()[1]) * 1024\n"
        "    except (OSError, StopIteration):\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'import', sys.argv[2], '--jobs', '1'], standalone_mode=False)\n"
        "finally:\n"
        "    print(json.dumps({'seconds': time.monotonic() - started, 'rss': peak()}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root), str(source)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"gallery import failed in {root}:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def copy_library(large: Path, copy: Path) -> Path:
    """A copy of a library built from rows (its catalog; its media folder holds no files)."""
    (copy / "media").mkdir(parents=True)
    (copy / "media" / "rows-only.txt").write_text("the large library's photos are catalog rows, no files\n")
    shutil.copy2(large / "gallery.db", copy / "gallery.db")
    return copy


def late_phone(large: Path, work: Path, week: int, gap_days: int = 7) -> dict[str, dict[str, float]]:
    """10 photos of a phone of trip `week` (in the library's middle), imported late: into a copy of
    the library and into an empty one. The cameras whose photos come near them are re-timed (a
    camera on every trip, one run or weighed whole for an import: all of its photos)."""
    source = ten_files(work / "ten", week, gap_days)
    return {
        "large": child_import(copy_library(large, work / "copy"), source),
        "empty": child_import(work / "empty", source),
    }


def _late_line(late: dict[str, dict[str, float]]) -> str:
    large, empty = late["large"], late["empty"]
    return (
        f"  10 photos of a phone of a trip in the middle, imported late: {large['seconds']:.2f} s"
        f" (peak RSS {large['rss'] / MIB:.0f} MiB) vs {empty['seconds']:.2f} s into an empty library,"
        f" ratio {large['seconds'] / empty['seconds']:.2f}"
    )


def _neighbours(rows: list[Any]) -> tuple[Any, Any]:
    """Two albums of one trip from the middle of the library: a move between them is what staff do.

    Taking the middle two of the list could pick albums of two trips a week apart (it did once the
    import of 10 photos added an album): such a move pins a photo a week away, stretches the album
    over both trips and regroups both, which the one-trip library, the yardstick, cannot do.
    """
    middle = len(rows) // 2
    for n in [*range(middle, len(rows) - 1), *range(middle - 1, -1, -1)]:
        a, b = rows[n], rows[n + 1]
        if not (a["start_utc"] and b["start_utc"]):
            continue
        apart = abs(datetime.fromisoformat(a["start_utc"]) - datetime.fromisoformat(b["start_utc"]))
        if apart <= timedelta(days=2):
            return a, b
    return rows[middle], rows[(middle + 1) % len(rows)]


def edit_seconds(db: Path, repeat: int) -> dict[str, float]:
    """Median seconds of a move, a hide and a rename (each undone, so the library stays the same)."""
    conn = catalog.connect(db)
    rows = [a for a in catalog.list_albums(conn) if a["kind"] == "event" and a["photo_count"] >= 2]
    if len(rows) < 2:
        rows = catalog.list_albums(conn)
    first, second = _neighbours(rows)
    sha = catalog.album_photos(conn, first["id"])[0]["sha256"]
    times: dict[str, list[float]] = {"move": [], "hide": [], "rename": []}
    for n in range(repeat):
        started = time.monotonic()
        albums.move(conn, sha, second["slug"])
        times["move"].append(time.monotonic() - started)
        albums.move(conn, sha, first["slug"])
        started = time.monotonic()
        albums.hide(conn, first["slug"], sha)
        times["hide"].append(time.monotonic() - started)
        albums.hide(conn, first["slug"], sha, hidden=False)
        started = time.monotonic()
        albums.rename(conn, second["slug"], f"Titre {n}")
        times["rename"].append(time.monotonic() - started)
    conn.close()
    return {k: statistics.median(v) for k, v in times.items()}


def programme_for(week: int, shift_hours: int = 0, gap_days: int = 7) -> str:
    """The demo programme moved to a trip's week (H25): what `gallery mission load` reads."""
    base = missions.parse_programme(synthetic.PROGRAMME)
    shift = timedelta(days=week * gap_days, hours=shift_hours)
    parts = [f'[mission]\ntitle = "Mission semaine {week}"\ntimezone = "{base.timezone}"\n']
    for e in base.events:
        parts.append(
            f'[[event]]\nname = "{e.name}"\nstart = {(e.start + shift).isoformat()}\nend = {(e.end + shift).isoformat()}\n'
            + (f"lat = {e.lat}\nlon = {e.lon}\nradius = {e.radius_m}\n" if e.lat is not None else "")
        )
    return "\n".join(parts)


def setting_seconds(db: Path, week: int, repeat: int, gap_days: int = 7) -> dict[str, float]:
    """A programme loaded over a trip (first load, then replaced with its windows an hour later, as
    `gallery mission load` does), and a hand-set offset on that trip's camera set then cleared."""
    conn = catalog.connect(db)
    out: dict[str, list[float]] = {"load": [], "replace": [], "offset": [], "phone": []}
    started = time.monotonic()
    before = organise.setting(conn)
    missions.load(conn, programme_for(week, 0, gap_days))
    organise.refresh_setting(conn, None, before)
    out["load"].append(time.monotonic() - started)
    for n in range(repeat):
        started = time.monotonic()
        before = organise.setting(conn)
        missions.load(conn, programme_for(week, (n + 1) % 2, gap_days))
        organise.refresh_setting(conn, None, before)
        out["replace"].append(time.monotonic() - started)
    # the Canon has a serial number: one device on every trip (an organisation's camera); the phone is
    # one trip's (its key holds the card's folder)
    for kind, folder in (("offset", f"trip{week}-chloe-canon"), ("phone", f"trip{week}-david-iphone")):
        device = conn.execute("SELECT device FROM photos WHERE source_dir = ? LIMIT 1", (folder,)).fetchone()[0]
        for _ in range(repeat):
            started = time.monotonic()
            catalog.set_manual_offset(conn, device, 3600)
            organise.refresh_device(conn, None, device)
            out[kind].append(time.monotonic() - started)
            catalog.set_manual_offset(conn, device, None)
            organise.refresh_device(conn, None, device)
    started = time.monotonic()
    organise.refresh(conn)  # what each of them cost before: a full re-time and a full regroup
    out["full"] = [time.monotonic() - started]
    conn.close()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the large library here (reused when it exists)")
    parser.add_argument(
        "--mission-gap-days",
        type=int,
        default=0,
        help="also build a library of as many photos whose trips are this many days apart (0: the weekly one only)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="regroup-bench-"))
    try:
        large = args.keep or work / "large"
        if not (large / "gallery.db").exists():
            print(f"building {args.photos:,} photos from catalog rows ...", flush=True)
            print(f"  built in {build(large, args.photos):.0f} s", flush=True)
        with catalog.connect(large / "gallery.db") as conn:
            count = catalog.count_photos(conn)
            weeks = conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0]
        copy = copy_library(large, work / "copy")
        empty = work / "empty"
        source = ten_files(work / "ten", weeks + 1)
        into_empty = child_import(empty, source)
        into_large = child_import(copy, source)
        middle = late_phone(large, work / "late", weeks // 2)
        small_edit = edit_seconds(empty / "gallery.db", args.repeat)
        large_edit = edit_seconds(copy / "gallery.db", args.repeat)
        one_trip = work / "one-trip"
        build(one_trip, 1)
        trip_edit = edit_seconds(one_trip / "gallery.db", args.repeat)
        large_setting = setting_seconds(copy / "gallery.db", weeks // 2, args.repeat)
        trip_setting = setting_seconds(one_trip / "gallery.db", 0, args.repeat)
        print(f"library: {count:,} photos; import of 10 photos (gallery import, child process, --jobs 1)")
        print(f"  into empty: {into_empty['seconds']:.2f} s, peak RSS {into_empty['rss'] / MIB:.0f} MiB")
        print(f"  into large: {into_large['seconds']:.2f} s, peak RSS {into_large['rss'] / MIB:.0f} MiB")
        ratio = into_large["seconds"] / into_empty["seconds"]
        print(f"  ratio {ratio:.2f} (target <= 1.5); peak RSS target < 400 MiB")
        print(_late_line(middle))
        print("edits (median of --repeat): large library, a library of one trip (545 photos), of 10 photos")
        for kind in ("move", "hide", "rename"):
            print(
                f"  {kind:7s} {large_edit[kind] * 1000:7.1f} ms | one trip {trip_edit[kind] * 1000:6.1f} ms,"
                f" ratio {large_edit[kind] / trip_edit[kind]:.2f} | 10 photos {small_edit[kind] * 1000:6.1f} ms,"
                f" ratio {large_edit[kind] / small_edit[kind]:.2f} (target <= 1.5)"
            )
        print("programme and offset (H25): large library (a trip in its middle) vs the one-trip library")
        for kind, words in SETTINGS:
            print(
                f"  {words:17s} {large_setting[kind] * 1000:8.1f} ms | one trip {trip_setting[kind] * 1000:7.1f} ms,"
                f" ratio {large_setting[kind] / trip_setting[kind]:.2f}"
            )
        if args.mission_gap_days:
            gap = args.mission_gap_days
            spread = work / "spread"
            print(f"building {args.photos:,} photos, trips {gap} days apart ...", flush=True)
            print(f"  built in {build(spread, args.photos, gap):.0f} s", flush=True)
            with catalog.connect(spread / "gallery.db") as conn:
                trips = conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0]
            spread_middle = late_phone(spread, work / "late-spread", trips // 2, gap)
            spread_setting = setting_seconds(spread / "gallery.db", trips // 2, args.repeat, gap)
            print(_late_line(spread_middle))
            print(f"programme and offset, trips {gap} days apart (a trip in the middle) vs trips a week apart")
            for kind, words in SETTINGS:
                print(
                    f"  {words:17s} {spread_setting[kind] * 1000:8.1f} ms | weekly {large_setting[kind] * 1000:8.1f} ms"
                    f" | one trip {trip_setting[kind] * 1000:7.1f} ms,"
                    f" ratio to a full pass {spread_setting[kind] / spread_setting['full']:.2f}"
                )
        print(
            f"(self peak RSS of the bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
