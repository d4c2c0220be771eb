"""Regrouping as a pure plan (from literals, no database), and incremental = full (real SQLite)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gallery import albums, catalog, events, missions, notes, organise, regroup, synthetic, synthetic_catalog, trash
from gallery.config import Config
from gallery.errors import GalleryError

T0 = datetime(2017, 9, 18, 8, 0, tzinfo=UTC)
MARSEILLE = (43.3, 5.37, "Marseille")
TOULOUSE = (43.6, 1.44, "Toulouse")


def photo(pid: int, when: datetime, where: tuple[float, float, str] | None = MARSEILLE, **extra: Any) -> dict[str, Any]:
    lat, lon, town = where if where else (None, None, None)
    return {
        "id": pid,
        "taken_at_utc": when.isoformat(),
        "taken_at_local": when.replace(tzinfo=None).isoformat(),
        "timezone": "Europe/Paris",
        "time_source": "gps_clock",
        "date_source": "exif_original",
        "place_lat": lat,
        "place_lon": lon,
        "place_inferred": 0,
        "place": town,
        "country": "FR" if town else None,
        "sharpness": float(pid % 7),
        **extra,
    }


def burst(first: int, start: datetime, where: tuple[float, float, str] | None = MARSEILLE, n: int = 10) -> list[Any]:
    return [photo(first + k, start + timedelta(minutes=3 * k), where) for k in range(n)]


def album(aid: int, slug: str, **extra: Any) -> dict[str, Any]:
    return {**regroup.NEW_ALBUM_DEFAULTS, "id": aid, "slug": slug, "kind": "event", "title": slug, **extra}


def test_a_plan_from_literals_makes_one_album_per_event_with_french_titles() -> None:
    photos = burst(1, T0) + burst(20, T0 + timedelta(days=1), TOULOUSE)
    made = regroup.plan(photos, [], regroup.Edits(), regroup.Missions())
    assert [a.slug for a in made.new_albums] == ["marseille-2017-09-18", "toulouse-2017-09-19"]
    titles = sorted(values["title"] for values in made.updates.values())
    assert titles == ["Marseille, 18 septembre 2017", "Toulouse, 19 septembre 2017"]
    assert {ref for _, ref, _, _ in made.memberships} == {a.ref for a in made.new_albums}
    assert made.counts == {"albums": 2, "new_albums": 2, "removed_albums": 0}


def test_an_existing_album_keeps_its_id_and_only_changed_fields_are_written() -> None:
    photos = burst(1, T0)
    first = regroup.plan(photos, [], regroup.Edits(), regroup.Missions())
    values = next(iter(first.updates.values()))
    row = album(7, first.new_albums[0].slug, **values)
    edits = regroup.Edits({p["id"]: regroup.Membership(7) for p in photos})
    again = regroup.plan(photos, [row], edits, regroup.Missions())
    assert again.new_albums == [] and again.updates == {} and again.emptied == [] and again.removed == []
    more = regroup.plan(photos + [photo(11, T0 + timedelta(minutes=31))], [row], edits, regroup.Missions())
    assert more.updates[7]["photo_count"] == 11 and "title" not in more.updates[7]


def test_pinned_and_hidden_photos_stay_as_people_left_them() -> None:
    photos = burst(1, T0) + burst(20, T0 + timedelta(days=1), TOULOUSE)
    rows = [album(1, "a", title_manual=1, title="Ma matinée", edited=1), album(2, "b")]
    edits = regroup.Edits(
        {
            **{p["id"]: regroup.Membership(1) for p in photos[:10]},
            **{p["id"]: regroup.Membership(2) for p in photos[10:]},
            25: regroup.Membership(1, pinned=True),
            3: regroup.Membership(1, hidden=True),
        }
    )
    made = regroup.plan(photos, rows, edits, regroup.Missions())
    where = {pid: (ref, pinned, hidden) for pid, ref, pinned, hidden in made.memberships}
    assert where[25] == (1, True, False) and where[3] == (1, False, True)
    assert made.updates[1]["photo_count"] == 10  # 10 + the pinned one - the hidden one
    assert "title" not in made.updates.get(1, {})  # a title set by hand is never recomputed


def test_a_merged_album_forwards_and_a_split_sends_later_photos_on() -> None:
    photos = burst(1, T0)
    rows = [album(1, "a"), album(2, "b", merged_into=1, edited=1), album(3, "c", edited=1)]
    edits = regroup.Edits(
        {p["id"]: regroup.Membership(2) for p in photos},
        [regroup.Split(1, (T0 + timedelta(minutes=14)).isoformat(), 3)],
    )
    made = regroup.plan(photos, rows, edits, regroup.Missions())
    where = {pid: ref for pid, ref, _, _ in made.memberships}
    assert [where[i] for i in range(1, 11)] == [1] * 5 + [3] * 5


def test_a_split_holds_when_its_new_album_has_more_photos_than_the_old_one() -> None:
    """The new album of a split votes for the album it was cut from: a later full pass (no change at
    all) keeps both halves, instead of sending every photo to the larger half (H20)."""
    photos = burst(1, T0)
    rows = [album(1, "a", edited=1), album(3, "a-suite", edited=1)]
    at = (T0 + timedelta(minutes=6)).isoformat()  # photos 1, 2 before; 3 to 10 after
    edits = regroup.Edits(
        {p["id"]: regroup.Membership(1 if p["id"] <= 2 else 3) for p in photos}, [regroup.Split(1, at, 3)]
    )
    made = regroup.plan(photos, rows, edits, regroup.Missions())
    where = {pid: ref for pid, ref, _, _ in made.memberships}
    assert [where[i] for i in range(1, 11)] == [1] * 2 + [3] * 8
    assert made.new_albums == [] and made.removed == [] and made.emptied == []


def test_a_scoped_plan_leaves_other_photos_alone_and_counts_them() -> None:
    first, second = burst(1, T0), burst(20, T0 + timedelta(days=5), TOULOUSE)
    rows = [album(1, "marseille"), album(2, "toulouse")]
    edits = regroup.Edits({p["id"]: regroup.Membership(2) for p in second})
    outside = {1: [{**p, "hidden": 0} for p in first], 2: []}
    made = regroup.plan(
        second + [photo(30, T0 + timedelta(days=5, minutes=40), TOULOUSE)],
        rows,
        edits,
        regroup.Missions(),
        scope={*(p["id"] for p in second), 30},
        outside=outside,
        taken_slugs={"marseille", "toulouse"},
    )
    assert {pid for pid, *_ in made.memberships} == {*(p["id"] for p in second), 30}
    assert set(made.updates) == {2} and made.updates[2]["photo_count"] == 11


def test_titles_alike_get_the_part_of_the_day_in_french_and_english() -> None:
    photos = burst(1, T0) + burst(20, T0 + timedelta(hours=5), TOULOUSE)
    for row in photos[10:]:
        row["place"] = "Marseille"  # two events, one town name, one day
    made = regroup.plan(photos, [], regroup.Edits(), regroup.Missions())
    titles = sorted(v["title"] for v in made.updates.values())
    assert titles == ["Marseille, 18 septembre 2017 (après-midi)", "Marseille, 18 septembre 2017 (matin)"]
    assert regroup.default_title(
        {"kind": "event", "mission_event_id": 5}, None, None, None, None, {5: {"title": None, "name": "X"}}, None, "en"
    ) == ("X in pictures")


def test_segments_cut_at_long_gaps_outside_programme_windows() -> None:
    day = 86400.0
    times = [0.0, 100.0, 2 * day, 2 * day + 50, 4 * day]
    assert events.segments(times) == [(0, 2), (2, 4), (4, 5)]
    festival = events.ProgrammeEvent(1, 200.0, 2 * day)
    assert events.segments(times, [festival]) == [(0, 4), (4, 5)]


def test_one_burst_threshold() -> None:
    assert not hasattr(albums, "BURST_SECONDS") and events.BURST == 5.0


# -- incremental = full, over random edit sequences --------------------------------------------------


def _snapshot(conn: sqlite3.Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    slugs = {a["id"]: a["slug"] for a in catalog.album_rows(conn)}
    for row in catalog.album_rows(conn):
        members = catalog.album_photos(conn, row["id"])
        out[row["slug"]] = (
            row["kind"],
            row["title"],
            row["photo_count"],
            row["start_utc"],
            row["end_utc"],
            row["place"],
            row["mission_id"],
            row["cover_id"],
            slugs.get(row["merged_into"]),
            row["explain"],
            sorted((p["sha256"], p["pinned"], p["hidden"]) for p in members),
        )
    return out


def _pick_photo(conn: sqlite3.Connection, rng: random.Random) -> str | None:
    rows = conn.execute("SELECT p.sha256 FROM album_photos ap JOIN photos p ON p.id = ap.photo_id ORDER BY p.id")
    shas = [r[0] for r in rows]
    return rng.choice(shas) if shas else None


def _pick_album(conn: sqlite3.Connection, rng: random.Random) -> str | None:
    slugs = sorted(a["slug"] for a in catalog.list_albums(conn))
    return rng.choice(slugs) if slugs else None


def _step(
    action: str, rng: random.Random, fast: sqlite3.Connection, full: sqlite3.Connection, pending: list[Any], steps: int
) -> None:
    """One step of a property test: import the next device's batch or make an edit, in the library
    kept incrementally (`fast`) and in the one re-timed and regrouped in full; then both must agree
    (re-timing around = a full re-time, regrouping the segments = a full regroup)."""
    if action == "import":
        batch = pending.pop()
        for conn in (fast, full):
            ids = synthetic_catalog.insert(conn, batch)
            organise.refresh(conn, touched=ids if conn is fast else None, added=True)  # an import: new photos only
    else:
        _edit(action, rng, fast, full)
    assert _times(fast) == _times(full), f"step {steps}: {action}"
    assert _snapshot(fast) == _snapshot(full), f"step {steps}: {action}"


@pytest.mark.parametrize("seed", [1, 2, 3, 8, 14, 18])  # 8, 14: a split then an import; 18: a rename (H20)
def test_incremental_regroup_equals_a_full_one_over_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    fast = catalog.connect(tmp_path / "fast.db")
    full = catalog.connect(tmp_path / "full.db")
    for conn in (fast, full):
        catalog.migrate(conn)
    pending = [photos for index in (0, 1, 3) for photos in _by_device(synthetic_catalog.trip_photos(index, seed))]
    rng.shuffle(pending)  # device by device, GPS-less cameras included, trips in any order
    steps = 0
    while pending or steps < 14:
        steps += 1
        action = (
            "import"
            if pending and (steps % 2 or rng.random() < 0.4)
            else rng.choice(
                ["move", "hide", "rename", "offset", "merge", "split", "unhide", "trash", "restore", "shift"]
                + ["mission", "mission", "venue", "venue"]  # H25: programmes and venues follow the change too
            )
        )
        _step(action, rng, fast, full, pending, steps)
    assert len(_snapshot(fast)) >= 4


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_programmes_venues_and_offsets_follow_the_change_like_a_full_pass(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """H25: loading or replacing a programme, adding or removing a venue, setting or clearing an
    offset re-time and regroup only what they can change: after every step, the same photos,
    clocks and albums as a full re-time and a full regroup. Trips arrive device by device between.
    The Canon (a serial number) is one device on every trip, so its ring reaches every device: the
    shortcut to one full pass (organise.WHOLE) is turned off, or the scopes would go untested."""
    monkeypatch.setattr(organise, "WHOLE", 2.0)
    rng = random.Random(seed)
    fast = catalog.connect(tmp_path / "fast.db")
    full = catalog.connect(tmp_path / "full.db")
    for conn in (fast, full):
        catalog.migrate(conn)
    pending = [photos for index in (0, 1, 3) for photos in _by_device(synthetic_catalog.trip_photos(index, seed))]
    pending += _by_device(_far_trip(seed))  # H28: the Canon again, months later, on another clock
    rng.shuffle(pending)
    per_trip = 0
    for steps in range(1, 31):
        action = "import" if pending and steps % 3 else rng.choice(["mission", "mission", "venue", "offset"])
        _step(action, rng, fast, full, pending, steps)
        per_trip += sum("per_trip" in notes.keys(r["note"] or "") for r in catalog.list_devices(fast))
    assert per_trip, "the Canon never had a clock per trip: the test would not test H28's runs"


FAR = 30  # weeks: a trip months after the Canon's others (timeline.RUN_GAP)


def _far_trip(seed: int) -> list[Any]:
    """The demo week FAR weeks on, the Canon (one serial: the same device) an hour fast this time
    instead of six hours slow: a run of its own, weighed on its own (timeline._runs, H28)."""
    scenario = synthetic_catalog.trip(FAR)
    cameras = tuple(replace(d, clock_error=timedelta(hours=1)) if d.serial else d for d in scenario.devices)
    return synthetic.photos(replace(scenario, devices=cameras), seed=seed + FAR)


def _with_battery_resets(index: int, seed: int) -> list[Any]:
    """A trip whose GPS-less camera (no serial: one device per trip) loses its date in the middle
    of it, or for its last days (a battery change: 2000-01-01, its own clock still timing the run): photos whose
    times are estimated for grouping only (timeline.ESTIMATED)."""
    photos = synthetic_catalog.trip_photos(index, seed)
    mine = sorted((p for p in photos if not p.device.gps), key=lambda p: p.name)
    run = {id(p) for p in (mine[len(mine) * 2 // 5 : len(mine) * 3 // 5] if index % 2 else mine[len(mine) * 4 // 5 :])}
    start = next(p.camera_time for p in mine if id(p) in run)
    out = []
    for p in photos:
        if id(p) in run:
            p = replace(p, camera_time=datetime(2000, 1, 1) + (p.camera_time - start))
        if not p.device.gps:  # no serial number: a camera of its own on each trip, re-timed apart
            p = replace(p, name=p.name.replace("IMG_0", f"IMG_{index + 1}"), device=replace(p.device, serial=None))
        out.append(p)
    return out


@pytest.mark.parametrize("seed", [1])
def test_times_estimated_for_grouping_follow_the_change_like_a_full_pass(tmp_path: Path, seed: int) -> None:
    """The estimates (an unresolved camera's photos placed by its likeliest corrections, reset-date
    runs between their file-number neighbours) read the other devices' photos around them: an
    import, an offset, a programme or a venue re-times around the change and must decide as a
    full re-time does, after every step."""
    rng = random.Random(seed)
    fast = catalog.connect(tmp_path / "fast.db")
    full = catalog.connect(tmp_path / "full.db")
    for conn in (fast, full):
        catalog.migrate(conn)
    pending = [photos for index in (0, 1, 3) for photos in _by_device(_with_battery_resets(index, seed))]
    rng.shuffle(pending)
    estimated = 0
    for steps in range(1, 16):
        action = "import" if pending and steps % 2 else rng.choice(["mission", "venue", "offset", "move", "shift"])
        _step(action, rng, fast, full, pending, steps)
        estimated = max(estimated, catalog_count(fast, "estimated"))
    assert estimated > 0, "no photo was ever estimated: the test would test nothing"


def catalog_count(conn: sqlite3.Connection, source: str) -> int:
    return int(conn.execute("SELECT count(*) FROM photos WHERE time_source = ?", (source,)).fetchone()[0])


def _demo_programme(shift: timedelta) -> str:
    """The demo mission's programme, its events `shift` later (another week of the synthetic trips)."""
    base = missions.parse_programme(synthetic.PROGRAMME)
    return "\n".join(
        [f'[mission]\ntitle = "{base.title}"\ntimezone = "{base.timezone}"\n']
        + [
            f'[[event]]\nname = "{e.name}"\nstart = {(e.start + shift).isoformat()}\nend = {(e.end + shift).isoformat()}\n'
            for e in base.events
        ]
    )


def test_a_programme_regroups_photos_it_does_not_re_time(tmp_path: Path) -> None:
    """Phones with a position and an offset on every photo are neither re-timed nor re-named by a
    programme without venues, yet its events make their albums: its stretch is regrouped all the same (H25)."""
    phones = [p for p in synthetic_catalog.trip_photos(1) if p.device.gps == 1.0 and p.device.offset_tag]
    week = timedelta(weeks=1)
    text = _demo_programme(week)
    conns = []
    for name in ("fast", "full"):
        conn = _library(tmp_path / f"{name}.db", phones)
        before = organise.setting(conn)
        missions.load(conn, text)
        counts = organise.refresh_setting(conn, None, before) if name == "fast" else organise.refresh(conn)
        assert counts["retimed"] == 0  # nothing re-timed nor re-named, and still regrouped
        conns.append(conn)
    fast, full = conns
    assert _times(fast) == _times(full)
    assert _snapshot(fast) == _snapshot(full)
    assert any(row[6] is not None for row in _snapshot(fast).values())  # albums of the mission


def _times(conn: sqlite3.Connection) -> tuple[list[Any], list[Any], list[Any]]:
    """Every photo's time and place as re-timing leaves them, what each device's clock was found to
    be, and each run's of a camera weighed run by run (migration 19)."""
    columns = ", ".join(organise.PLACED)
    photos = [tuple(r) for r in conn.execute(f"SELECT sha256, {columns} FROM photos ORDER BY sha256")]
    clocks = [
        tuple(r)
        for r in conn.execute(
            "SELECT key, offset_seconds, offset_source, confidence, note, candidates, manual FROM devices ORDER BY key"
        )
    ]
    runs = [tuple(r) for r in conn.execute(f"SELECT {catalog.RUN_COLUMNS} FROM device_runs ORDER BY device, rank")]
    return photos, clocks, runs


def _by_device(photos: list[Any]) -> list[list[Any]]:
    out: dict[str, list[Any]] = {}
    for p in photos:
        out.setdefault(p.device.folder, []).append(p)
    return list(out.values())


def _edit(action: str, rng: random.Random, fast: sqlite3.Connection, full: sqlite3.Connection) -> None:
    sha, slug, other = _pick_photo(fast, rng), _pick_album(fast, rng), _pick_album(fast, rng)
    if action == "offset":  # H25: the device and what it moves, against a full re-time and regroup
        devices = sorted(r["key"] for r in catalog.list_devices(fast))
        if not devices:
            return
        device, seconds = rng.choice(devices), rng.choice([-3600, 3600, 7200, -21600, None])
        for conn in (fast, full):
            catalog.set_manual_offset(conn, device, seconds)
            if conn is fast:
                organise.refresh_device(conn, None, device)
            else:
                organise.refresh(conn)
        return
    if action == "mission":  # a programme loaded or replaced (same title): H25
        text = _programme(rng)
        for conn in (fast, full):
            _load_programme(conn, text, fast=conn is fast)
        return
    if action == "venue":  # a venue added, moved or removed where photos were taken: H25
        placed = [tuple(r) for r in fast.execute("SELECT place_lat, place_lon FROM photos WHERE place_lat IS NOT NULL")]
        names = [r["name"] for r in catalog.list_venues(fast)]
        name, remove = rng.choice(["Lieu A", "Lieu B", "Lieu C"]), names and rng.random() < 0.35
        for conn in (fast, full):
            before = organise.setting(conn)
            if remove:
                catalog.remove_venue(conn, names[0])
            elif placed:
                lat, lon = placed[len(placed) * 7 // 13]
                radius = 150.0 + 900 * (len(names) % 3)
                catalog.add_venue(
                    conn,
                    {"name": name, "lat": lat + 0.001, "lon": lon, "radius_m": radius, "town": None, "country": None},
                )
            if conn is fast:
                organise.refresh_setting(conn, None, before)
            else:
                organise.refresh(conn)
        return
    if action == "restore":  # H14: the trash regroups the segments of its photos too
        trashed = [r[0] for r in fast.execute("SELECT sha256 FROM photos WHERE trashed_at IS NOT NULL ORDER BY id")]
        sha = rng.choice(trashed) if trashed else None
    if sha is None or slug is None or other is None:
        return
    title = f"Titre {rng.random():.3f}"
    if action == "shift":  # a time set by hand (H20): the photo may leave its segment for another
        title = str(rng.choice([-7200, -1800, 1800, 5400, 86400]))
    for conn in (fast, full):
        with pytest.MonkeyPatch.context() as patch:
            if conn is full:  # the same edit, followed by a full regroup instead of the incremental one
                patch.setattr(albums, "regroup", lambda conn, *_, **__: FULL_REGROUP(conn))
            _one_edit(action, conn, sha, slug, other, title)


FULL_REGROUP = albums.regroup


def _programme(rng: random.Random) -> str:
    """The demo programme moved to one of the trips' weeks (or far from all), some events left out
    or moved, in one of two missions and maybe another zone: loads and replacements (H25)."""
    base = missions.parse_programme(synthetic.PROGRAMME)
    week = rng.choice([0, 1, 3, 3, 9, FAR])
    shift = timedelta(weeks=week, hours=rng.choice([0, 0, 3, -26]))
    zone = rng.choice(["Europe/Paris", "Europe/Paris", "Europe/London"])
    lines = [f'[mission]\ntitle = "Mission {rng.choice("AB")}"\ntimezone = "{zone}"\n']
    chosen = [e for e in base.events if rng.random() < 0.7] or list(base.events[:1])
    for event in chosen:
        lines.append(
            f'[[event]]\nname = "{event.name}"\nstart = {(event.start + shift).isoformat()}\n'
            f"end = {(event.end + shift).isoformat()}\n"
        )
        if event.lat is not None and rng.random() < 0.8:
            lines.append(f"lat = {event.lat}\nlon = {event.lon}\nradius = {rng.choice([300, 700, 2000])}\n")
        if event.place:
            lines.append(f'place = "{event.place}"\n')
    return "\n".join(lines)


def _one_edit(action: str, conn: sqlite3.Connection, sha: str, slug: str, other: str, title: str) -> None:
    try:
        if action == "move":
            albums.move(conn, sha, slug)
        elif action in ("hide", "unhide"):
            row = catalog.photo_with_album(conn, sha)
            assert row is not None
            albums.hide(conn, row["album_slug"], sha, hidden=action == "hide")
        elif action == "rename":
            albums.rename(conn, slug, title)
        elif action == "trash":
            trash.trash(conn, [sha])
        elif action == "restore":
            trash.restore(conn, [sha])
        elif action == "shift":
            trash.shift(conn, [sha], int(title))
        elif action == "merge":
            albums.merge(conn, slug, other)
        elif action == "split":
            photos = catalog.album_photos(conn, catalog.get_album(conn, slug)["id"])  # type: ignore[index]
            middle = photos[len(photos) // 2]["taken_at_utc"] if photos else None
            if middle:
                albums.split(conn, slug, datetime.fromisoformat(middle))
    except GalleryError:
        pass  # an edit the gallery refuses is refused in both


def test_regroup_all_from_the_cli_streams_segments_and_matches_one_full_plan(tmp_path: Path) -> None:
    from .conftest import Gallery

    root = tmp_path / "library"
    (root / "media").mkdir(parents=True)
    twin = tmp_path / "twin.db"
    for path in (root / "gallery.db", twin):
        conn = catalog.connect(path)
        catalog.migrate(conn)
        for index in (0, 2):
            synthetic_catalog.insert(conn, synthetic_catalog.trip_photos(index))
        organise.refresh(conn)  # one full plan, all in memory
        conn.close()
    gallery = Gallery(root)
    assert "say --all" in gallery("regroup", ok=False).output
    out = gallery("regroup", "--all").output
    assert "0 re-timed" in out and "0 new, 0 removed" in out, out
    with catalog.connect(root / "gallery.db") as left, catalog.connect(twin) as right:
        assert _snapshot(left) == _snapshot(right)
        # from scratch: no album at all, a full pass segment by segment makes the same albums
        for conn in (left, right):
            with catalog.transaction(conn):
                conn.execute("DELETE FROM album_photos")
                conn.execute("DELETE FROM albums")
        albums.regroup_all(left)
        albums.regroup(right)
        assert _snapshot(left) == _snapshot(right)


# -- « Autres photos » by month outside missions (issue 11 left, H14) ----------------------------------------


def test_stray_photos_outside_missions_go_to_the_others_album_of_their_month() -> None:
    """One « Autres photos » per month, not one that grows with the archive; its slug says the month."""
    strays = [photo(1, T0), photo(2, T0 + timedelta(days=20)), photo(3, T0 + timedelta(days=22))]
    made = regroup.plan(strays, [], regroup.Edits(), regroup.Missions())
    news = {a.slug: a for a in made.new_albums}
    assert set(news) == {"autres-photos-2017-09", "autres-photos-2017-10"}
    assert {a.kind for a in news.values()} == {"others"} and news["autres-photos-2017-10"].period == "2017-10"
    titles = sorted(values["title"] for values in made.updates.values())
    assert titles == ["Autres photos — octobre 2017", "Autres photos — septembre 2017"]
    members = {pid: ref for pid, ref, _, _ in made.memberships}
    assert members[2] == members[3] != members[1]
    rows = [
        album(
            7,
            "autres-photos-2017-09",
            kind="others",
            period="2017-09",
            **made.updates[news["autres-photos-2017-09"].ref],
        ),
        album(
            8,
            "autres-photos-2017-10",
            kind="others",
            period="2017-10",
            **made.updates[news["autres-photos-2017-10"].ref],
        ),
    ]
    edits = regroup.Edits({1: regroup.Membership(7), 2: regroup.Membership(8), 3: regroup.Membership(8)})
    later = photo(4, T0 + timedelta(days=25))
    again = regroup.plan([*strays, later], rows, edits, regroup.Missions(), taken_slugs={"autres-photos-2017-09-2"})
    assert again.new_albums == [] and {pid: ref for pid, ref, _, _ in again.memberships}[4] == 8
    assert set(again.updates) == {8} and again.updates[8]["photo_count"] == 3
    assert again.updates[8]["end_utc"] == later["taken_at_utc"] and "title" not in again.updates[8]


def _dated_photo(conn: sqlite3.Connection, n: int, when: datetime) -> int:
    photo_id = catalog.insert_photo(
        conn,
        {
            "sha256": f"{n:064x}",
            "path": f"media/IMG_{n:04d}.JPG",
            "original_name": f"IMG_{n:04d}.JPG",
            "source_path": f"/card/IMG_{n:04d}.JPG",
            "source_dir": "/card",
            "grid_width": 96,
            "grid_height": 64,
            "format": "jpeg",
            "size": 1000 + n,
            "width": 96,
            "height": 64,
            "orientation": 1,
            "imported_at": "2020-02-01T10:00:00+00:00",
            "date_source": "exif",
        },
    )
    conn.execute(  # as the re-timing writes it
        "UPDATE photos SET taken_at_utc = ?, time_source = 'gps_clock' WHERE id = ?", (when.isoformat(), photo_id)
    )
    return photo_id


@pytest.mark.parametrize("new_at", [50, 41])
def test_a_new_photo_that_cuts_a_segment_a_window_bridged_brings_both_halves_in(new_at: int) -> None:
    """Photos at 0 h, 100 h and 101 h, a programme window at 40-42 h bridging the long gap: one segment.
    A photo arriving at 50 h (or inside the window) cuts it; the scope must hold both halves, as they
    were one segment before it came (a reviewer's case: the walk as it was before measured its first
    gap from the new photo, not from the photo before it, and missed the window)."""
    zero = datetime(2020, 1, 1, tzinfo=UTC)
    window = events.ProgrammeEvent(
        1, (zero + timedelta(hours=40)).timestamp(), (zero + timedelta(hours=42)).timestamp()
    )
    conn = catalog.in_memory()
    try:
        old = [_dated_photo(conn, n, zero + timedelta(hours=h)) for n, h in ((1, 0), (2, 100), (3, 101))]
        new = _dated_photo(conn, 9, zero + timedelta(hours=new_at))
        assert albums.scope_of(conn, {new}, (), [window]) == {*old, new}
    finally:
        conn.close()


def test_an_instant_in_a_gap_a_window_bridges_brings_the_whole_segment_in() -> None:
    """A photo moved away from 60 h (its old time is an instant of the scope) leaves photos at 0 h and
    100 h with a window at 10-12 h between them: one segment, the window bridging the whole gap. The
    walk from the instant alone sees 60 h -> 100 h as a boundary; the gap the instant lies in is not."""
    zero = datetime(2020, 1, 1, tzinfo=UTC)
    window = events.ProgrammeEvent(
        1, (zero + timedelta(hours=10)).timestamp(), (zero + timedelta(hours=12)).timestamp()
    )
    conn = catalog.in_memory()
    try:
        both = {_dated_photo(conn, n, zero + timedelta(hours=h)) for n, h in ((1, 0), (2, 100))}
        assert albums.scope_of(conn, set(), [(zero + timedelta(hours=60)).timestamp()], [window]) == both
    finally:
        conn.close()


def test_a_programme_near_one_trip_re_times_that_run_of_the_camera_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Canon (one serial) on the demo week and again FAR weeks later, weighed run by run: a
    programme loaded on the far week re-times the far run of the Canon only (its first run keeps
    its clock, kept in `device_runs`), and the photos, clocks and runs come out as a full pass's."""
    monkeypatch.setattr(organise, "WHOLE", 2.0)  # two trips: the shortcut to a full pass would hide the scope
    far = timedelta(weeks=FAR)
    text = _demo_programme(far)

    def load(conn: sqlite3.Connection) -> organise.Setting:
        before = organise.setting(conn)
        missions.load(conn, text)
        return before

    fast, full, read, counted = _fast_and_full(
        tmp_path,
        monkeypatch,
        load,
        lambda conn, before: organise.refresh_setting(conn, None, before),
    )
    assert _times(fast) == _times(full)
    assert _snapshot(fast) == _snapshot(full)
    (canon,) = catalog.device_runs(fast)
    middle = datetime(2017, 9, 18) + far / 2
    canon_read = [when for device, when in read if device == canon and when is not None]
    assert canon_read, "the far run of the Canon was not re-timed: the test would test nothing"
    assert all(when > middle for when in canon_read)  # none of the first trip's photos read again
    assert not any("folder:trip0-" in device for device, _ in read)  # nor the first trip's other devices
    # an offset set by hand on a phone of the far trip: the same, the Canon's first run left as it was
    phone = next(d for d, _ in read if d != canon and "iphone" in d)
    read.clear()
    for conn in (fast, full):
        catalog.set_manual_offset(conn, phone, 3600)
        if conn is fast:
            with monkeypatch.context() as patch:
                patch.setattr(organise.timeline, "resolve", counted)
                organise.refresh_device(conn, None, phone)
        else:
            organise.refresh(conn)
    assert _times(fast) == _times(full)
    assert _snapshot(fast) == _snapshot(full)
    assert [when for device, when in read if device == canon and when is not None and when < middle] == []
    assert not any("folder:trip0-" in device for device, _ in read)


def test_emptying_the_trash_forgets_the_runs_it_could_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R3: the trash emptied (as `gallery serve` does after 30 days) deletes photos and re-times
    nothing. The far trip's other devices gone, the Canon's far run had nothing left to weigh against:
    a full pass now weighs the Canon as one; a programme loaded on the first trip must not merge the
    far run's clock as kept (before: 140 photos kept `device_offset` times a full pass leaves unknown)."""
    monkeypatch.setattr(organise, "WHOLE", 2.0)
    photos = synthetic_catalog.trip_photos(0, 1) + _far_trip(1)
    text = _demo_programme(timedelta(0))
    conns = []
    for name in ("fast", "full"):
        conn = _library(tmp_path / f"{name}.db", photos)
        conns.append(conn)
    fast, full = conns
    (canon,) = catalog.device_runs(fast)
    later = datetime(2017, 9, 18) + timedelta(weeks=FAR // 2)
    rows = fast.execute("SELECT sha256, device, taken_at_utc FROM photos WHERE taken_at_utc IS NOT NULL").fetchall()
    gone = [
        sha for sha, device, utc in rows if device != canon and datetime.fromisoformat(utc) > later.replace(tzinfo=UTC)
    ]
    assert gone
    for n, conn in enumerate(conns):
        root = tmp_path / f"root{n}"
        root.mkdir()
        trash.trash(conn, gone)
        trash.empty(conn, Config(root=root), everything=True)
        _load_programme(conn, text, fast=conn is fast)
    assert _times(fast) == _times(full)
    assert _snapshot(fast) == _snapshot(full)


def _late_phone(week: int, day: int, folder: str) -> list[Any]:
    """Ten photos of a GPS phone nobody imported yet, on day `day` of the visits of week `week`."""
    trip = synthetic_catalog.trip(week)
    phone = synthetic.Device(folder, "Samsung", "Galaxy S21", gps=1.0, offset_tag=True)
    visits = trip.visits[day:][:1]
    return synthetic.photos(synthetic.Scenario("late", trip.zone, visits, (phone,), extras=()), seed=week)[:10]


@pytest.mark.parametrize(
    ("week", "far_run_only"),
    [(FAR, True), (FAR // 2, False)],  # the far trip's last day; the middle of the gap between the two trips
)
def test_an_import_near_one_run_re_times_that_run_of_the_camera_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, week: int, far_run_only: bool
) -> None:
    """The Canon weighed run by run (the demo week and FAR weeks later): a phone of the far trip
    imported late re-times the Canon's far run only (its first run keeps its clock), and the photos,
    clocks and runs come out as a full pass's. A phone whose photos land deep in the gap between the
    two trips (its photos bridge it: one trip went on, `timeline._runs`) makes the Canon one run: it
    is re-timed whole, as the full pass does (without `run_clocks.bridged_by` its runs stayed two)."""
    monkeypatch.setattr(organise, "WHOLE", 2.0)  # two trips: the shortcut to a full pass would hide the scope
    late = _late_phone(week, -1, f"late-phone-{week}")
    fast, full, read, _ = _fast_and_full(
        tmp_path,
        monkeypatch,
        lambda conn: synthetic_catalog.insert(conn, late, "late phone"),
        lambda conn, added: organise.refresh(conn, None, added, added=True),
    )
    assert _times(fast) == _times(full)
    assert _snapshot(fast) == _snapshot(full)
    (canon,) = {device for device, _ in read if "canon" in device.lower()}
    canon_read = [when for device, when in read if device == canon and when is not None]
    assert canon_read, "the Canon was not re-timed: the test would test nothing"
    middle = datetime(2017, 9, 18) + timedelta(weeks=FAR) / 2
    assert all(when > middle for when in canon_read) == far_run_only
    assert [len(runs) for runs in catalog.device_runs(fast).values()] == ([2] if far_run_only else [])


def _fast_and_full(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[sqlite3.Connection], Any],
    fast_refresh: Callable[[sqlite3.Connection, Any], Any],
) -> tuple[sqlite3.Connection, sqlite3.Connection, list[tuple[str, datetime | None]], Callable[..., Any]]:
    """Two libraries of the demo week and the far trip (the Canon weighed run by run), each `change`d;
    the fast one then refreshed by `fast_refresh` (given what `change` returned), what it resolves
    counted in `read` (`counted` counts the same way again), the other by a full pass."""
    photos = synthetic_catalog.trip_photos(0) + _far_trip(0)
    read: list[tuple[str, datetime | None]] = []
    resolve = organise.timeline.resolve

    def counted(shots: Any, *args: Any, **kwargs: Any) -> Any:
        read.extend((shot.device, shot.camera_time) for shot in shots)
        return resolve(shots, *args, **kwargs)

    conns = []
    for name in ("fast", "full"):
        conn = _library(tmp_path / f"{name}.db", photos)
        assert [len(runs) for runs in catalog.device_runs(conn).values()] == [2]  # the Canon, run by run
        done = change(conn)
        if name == "fast":
            with monkeypatch.context() as patch:
                patch.setattr(organise.timeline, "resolve", counted)
                fast_refresh(conn, done)
        else:
            organise.refresh(conn)
        conns.append(conn)
    return conns[0], conns[1], read, counted


def _library(path: Path, photos: list[Any]) -> sqlite3.Connection:
    """A library of these photos (rows only), re-timed and regrouped in full."""
    conn = catalog.connect(path)
    catalog.migrate(conn)
    synthetic_catalog.insert(conn, photos)
    organise.refresh(conn)
    return conn


def _load_programme(conn: sqlite3.Connection, text: str, fast: bool) -> None:
    """Load a programme: the fast library refreshes what it changes (H25), the other in full."""
    before = organise.setting(conn)
    missions.load(conn, text)
    if fast:
        organise.refresh_setting(conn, None, before)
    else:
        organise.refresh(conn)
