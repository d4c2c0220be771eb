"""`gallery reread`: the archived originals' tags read again; what staff set stays (H24)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from gallery import catalog

from .conftest import Gallery, make_photo


def test_reread_fixes_stale_rows_and_keeps_what_staff_set(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "card"
    make_photo(card / "P1.JPG", datetime(2017, 9, 21, 10, 0), offset="+02:00", description="Le stand au salon")
    make_photo(card / "P2.JPG", datetime(2017, 9, 21, 11, 0), offset="+02:00", make="OLYMPUS", model="E-M10")
    make_photo(card / "P3.JPG", datetime(2017, 9, 21, 12, 0), offset="+02:00")
    make_photo(card / "P4.JPG", datetime(2017, 9, 21, 13, 0), offset="+02:00")
    make_photo(card / "P5.JPG", datetime(2017, 9, 21, 14, 0), offset="+02:00", description="Le depart")
    gallery.import_(card)
    rows = {row["original_name"]: row for row in gallery.rows()}
    assert rows["P1.JPG"]["description"] == "Le stand au salon"
    fresh = gallery.json("reread")
    assert (fresh["read"], fresh["changed"]) == (0, 0), "what this version imported is read already"

    # what an older version stored: a stock description, no camera; staff then captioned and dated P2
    with gallery.db() as conn:
        conn.execute(
            "UPDATE photos SET description = 'OLYMPUS DIGITAL CAMERA', read_version = 0 WHERE id = ?",
            (rows["P1.JPG"]["id"],),
        )
        conn.execute(
            "UPDATE photos SET make = NULL, model = NULL, read_version = 0 WHERE id = ?", (rows["P2.JPG"]["id"],)
        )
    with catalog.connection(gallery.root / "gallery.db") as conn:
        catalog.set_caption(conn, rows["P2.JPG"]["sha256"], "Accueil des délégations")
    gallery("photos", "set-date", rows["P2.JPG"]["sha256"], "2017-09-22T09:15", "--timezone", "Europe/Paris")
    (slug,) = {r["slug"] for r in gallery.rows("SELECT slug FROM albums JOIN album_photos ON album_id = albums.id")}
    gallery("albums", "hide", slug, rows["P2.JPG"]["sha256"])
    with gallery.db() as conn:
        conn.execute("UPDATE photos SET description = NULL, read_version = 0 WHERE id = ?", (rows["P5.JPG"]["id"],))
    gallery("trash", "put", rows["P5.JPG"]["sha256"])
    placed = gallery.rows("SELECT photo_id, album_id, pinned, hidden FROM album_photos ORDER BY photo_id")
    (gallery.root / rows["P3.JPG"]["path"]).unlink()  # a missing original
    (gallery.root / rows["P4.JPG"]["path"]).write_bytes(b"\xff\xd8\xff\xe0 not a JPEG any more")  # a broken one

    first = gallery.json("reread", "--all")

    assert first["changed"] == 3 and first["read"] == 3
    assert first["missing"] == [rows["P3.JPG"]["path"]]
    assert [f.split(":")[0] for f in first["failed"]] == [rows["P4.JPG"]["path"]]
    after = {row["original_name"]: row for row in gallery.rows()}
    assert after["P1.JPG"]["description"] == "Le stand au salon"
    p2 = after["P2.JPG"]
    assert (p2["make"], p2["model"], p2["caption"]) == ("OLYMPUS", "E-M10", "Accueil des délégations")
    assert p2["manual_time"] is not None and p2["taken_at_local"].startswith("2017-09-22T09:15"), "the hand-set date"
    assert (after["P5.JPG"]["description"], after["P5.JPG"]["trashed_at"]) == ("Le depart", rows_trashed_at(gallery))
    assert gallery.rows("SELECT photo_id, album_id, pinned, hidden FROM album_photos ORDER BY photo_id") == placed
    for name in ("P3.JPG", "P4.JPG"):
        assert after[name] == rows[name], "an original that cannot be read leaves its row alone"

    again = gallery.json("reread", "--all")
    assert (again["read"], again["changed"]) == (3, 0), "a second run changes nothing"
    assert gallery.rows() == list(after.values())
    assert "Read 3 originals again: 0 photos changed." in gallery("reread", "--all").output


def rows_trashed_at(gallery: Gallery) -> str:
    (row,) = gallery.rows("SELECT trashed_at FROM photos WHERE trashed_at IS NOT NULL")
    assert row["trashed_at"]
    return str(row["trashed_at"])
