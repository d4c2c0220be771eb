"""An album's order kept in album_photos (H18): pages and the viewer's neighbours read it from an index.

Every check compares the indexed answers with the order computed in Python from the photos' own
times (time, then id; no time first), after random memberships, hidden photos and re-timings.
"""

from __future__ import annotations

import random
import sqlite3
import typing
from typing import Any

import pytest

from gallery import catalog
from gallery.migrations import MIGRATIONS

from .test_catalog import album, photo


@pytest.fixture
def conn() -> typing.Iterator[sqlite3.Connection]:
    db = catalog.in_memory()
    yield db
    db.close()


def random_time(rng: random.Random) -> dict[str, Any]:
    """A UTC time, only a camera time, or none at all; few distinct values so that ties happen."""
    hour = rng.randrange(8, 12)
    roll = rng.random()
    if roll < 0.15:
        return {"taken_at_utc": None, "camera_time": None}
    if roll < 0.35:
        return {"taken_at_utc": None, "camera_time": f"2017-09-19T{hour:02d}:00:00"}
    return {"taken_at_utc": f"2017-09-19T{hour:02d}:00:00+00:00", "camera_time": f"2017-09-19T{hour:02d}:30:00"}


def expected(conn: sqlite3.Connection, album_id: int, include_hidden: bool) -> list[str]:
    rows = conn.execute(
        "SELECT p.id, p.sha256, p.taken_at_utc, p.camera_time, ap.hidden FROM album_photos ap "
        "JOIN photos p ON p.id = ap.photo_id WHERE ap.album_id = ?",
        (album_id,),
    ).fetchall()
    shown = [r for r in rows if include_hidden or not r["hidden"]]
    shown.sort(key=lambda r: (r["taken_at_utc"] or r["camera_time"] or "", r["id"]))
    return [r["sha256"] for r in shown]


def build(conn: sqlite3.Connection, seed: int) -> list[int]:
    rng = random.Random(seed)
    albums = [catalog.insert_album(conn, album(f"a{n}")) for n in range(3)]
    ids = [catalog.insert_photo(conn, photo(n)) for n in range(1, 61)]
    catalog.update_photos(conn, [(i, random_time(rng)) for i in ids])  # insert_photo takes no resolved time
    rng.shuffle(ids)  # memberships written in no particular order
    for photo_id in ids:
        catalog.set_membership(conn, photo_id, rng.choice(albums), pinned=False)
        if rng.random() < 0.2:
            conn.execute("UPDATE album_photos SET hidden = 1 WHERE photo_id = ?", (photo_id,))
    catalog.update_photos(conn, [(i, random_time(rng)) for i in rng.sample(ids, 20)])  # re-timed afterwards
    catalog.replace_memberships(conn, ids[:10], [(i, albums[0], 0, 0) for i in ids[:10]])  # moved
    return albums


@pytest.mark.parametrize("seed", range(8))
def test_pages_and_neighbours_follow_the_photos_times_after_edits(conn: sqlite3.Connection, seed: int) -> None:
    for album_id in build(conn, seed):
        for include_hidden in (False, True):
            order = expected(conn, album_id, include_hidden)
            assert [p["sha256"] for p in catalog.album_tiles(conn, album_id, include_hidden)] == order
            pages = [catalog.album_page(conn, album_id, include_hidden, 7, start) for start in range(0, len(order), 7)]
            assert [p["sha256"] for page in pages for p in page] == order
            assert catalog.count_album_photos(conn, album_id, include_hidden) == len(order)
            for index, sha in enumerate(order):
                before = order[index - 1] if index else None
                after = order[index + 1] if index + 1 < len(order) else None
                assert catalog.album_neighbours(conn, album_id, sha, include_hidden) == (
                    index + 1,
                    len(order),
                    before,
                    after,
                )


def test_a_photo_the_viewer_cannot_see_in_the_album_has_no_neighbours(conn: sqlite3.Connection) -> None:
    album_id = catalog.insert_album(conn, album("a"))
    first, second = (catalog.insert_photo(conn, photo(n, camera_time=f"2017-09-19T0{n}:00:00")) for n in (1, 2))
    for photo_id in (first, second):
        catalog.set_membership(conn, photo_id, album_id, pinned=False)
    catalog.set_hidden(conn, album_id, second, True)
    assert catalog.album_neighbours(conn, album_id, f"{2:064x}", include_hidden=False) == (0, 1, None, None)
    assert catalog.album_neighbours(conn, album_id, f"{2:064x}", include_hidden=True) == (2, 2, f"{1:064x}", None)


def test_the_migration_orders_an_existing_catalog(tmp_path: Any) -> None:
    db = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    db.row_factory = sqlite3.Row
    for number, script in MIGRATIONS:
        if number < 12:
            for statement in catalog._statements(script):
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {11}")
    late = catalog.insert_photo(db, photo(1))
    catalog.update_photos(db, [(late, {"taken_at_utc": "2017-09-19T15:00:00+00:00"})])
    early = catalog.insert_photo(db, photo(2, camera_time="2017-09-19T09:00:00"))
    undated = catalog.insert_photo(db, photo(3))
    album_id = catalog.insert_album(db, album("old"))
    db.executemany("INSERT INTO album_photos (photo_id, album_id) VALUES (?, ?)", [(late, album_id), (early, album_id)])
    db.execute("INSERT INTO album_photos (photo_id, album_id) VALUES (?, ?)", (undated, album_id))
    catalog.migrate(db)
    assert [p["id"] for p in catalog.album_photos(db, album_id)] == [undated, early, late]
    assert [p["sha256"] for p in catalog.album_page(db, album_id, True, 2, 1)] == [f"{2:064x}", f"{1:064x}"]
    plan = " ".join(
        row[-1]
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT photo_id FROM album_photos "
            "WHERE album_id = 1 ORDER BY sort_key, photo_id LIMIT 5"
        )
    )
    assert "album_photos_order" in plan and "TEMP B-TREE" not in plan, plan
    db.close()
