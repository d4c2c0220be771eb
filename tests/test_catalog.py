"""The catalog on its own: an in-memory (or tmp file) SQLite, no import, no web."""

from __future__ import annotations

import sqlite3
import threading
import typing
from pathlib import Path
from typing import Any

import pytest

from gallery import catalog
from gallery.errors import CatalogError, GalleryError, ReadOnlyLibrary, StorageFull
from gallery.migrations import MIGRATIONS
from gallery.rows import AlbumPhotoRow, AlbumRow, DeviceRow, PhotoRow


def photo(n: int, **values: Any) -> dict[str, Any]:
    return {
        "sha256": f"{n:064x}",
        "path": f"media/2017/IMG_{n:04d}.JPG",
        "original_name": f"IMG_{n:04d}.JPG",
        "source_path": f"/card/IMG_{n:04d}.JPG",
        "source_dir": "/card",
        "format": "jpeg",
        "size": 1000 + n,
        "width": 96,
        "height": 64,
        "grid_width": 96,
        "grid_height": 64,
        "orientation": 1,
        "imported_at": "2017-09-19T10:00:00+00:00",
        **values,
    }


def album(slug: str, **values: Any) -> dict[str, Any]:
    return {"slug": slug, "kind": "event", "title": slug.title(), "explain": "[]", **values}


@pytest.fixture
def conn() -> typing.Iterator[sqlite3.Connection]:
    db = catalog.in_memory()
    yield db
    db.close()


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_an_in_memory_catalog_has_the_latest_schema(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert catalog.count_photos(conn) == 0 and catalog.list_albums(conn) == []


def test_the_typed_rows_follow_the_schema(conn: sqlite3.Connection) -> None:
    assert set(typing.get_type_hints(PhotoRow)) == columns(conn, "photos")
    assert set(typing.get_type_hints(AlbumRow)) == columns(conn, "albums") | {"mission", "cover_sha256"}
    assert set(typing.get_type_hints(DeviceRow)) == columns(conn, "devices") | {"photos", "with_gps"}


def test_the_rows_returned_have_exactly_the_typed_keys(conn: sqlite3.Connection) -> None:
    catalog.insert_photo(conn, photo(1, device="canon-1"))
    conn.execute("INSERT INTO devices (key, name) VALUES ('canon-1', 'Canon EOS 80D')")
    catalog.insert_album(conn, album("melee"))
    found = catalog.get_photo(conn, f"{1:064x}")
    assert found is not None and set(found) == set(typing.get_type_hints(PhotoRow))
    assert set(catalog.get_album(conn, "melee") or {}) == set(typing.get_type_hints(AlbumRow))
    [device] = catalog.list_devices(conn)
    assert set(device) == set(typing.get_type_hints(DeviceRow)) and device["photos"] == 1


def test_album_lists_and_members_have_exactly_the_typed_keys(conn: sqlite3.Connection) -> None:
    """H25: catalog.list_albums gives AlbumRow, catalog.album_photos AlbumPhotoRow (a photo, hidden, pinned)."""
    photo_id = catalog.insert_photo(conn, photo(1))
    album_id = catalog.insert_album(conn, album("melee"))
    conn.execute(
        "INSERT INTO album_photos (album_id, photo_id, pinned, hidden) VALUES (?, ?, 1, 0)", (album_id, photo_id)
    )
    [listed] = catalog.list_albums(conn)
    assert set(listed) == set(typing.get_type_hints(AlbumRow))
    [member] = catalog.album_photos(conn, album_id)
    assert (
        set(member)
        == set(typing.get_type_hints(AlbumPhotoRow))
        == set(typing.get_type_hints(PhotoRow))
        | {
            "hidden",
            "pinned",
        }
    )
    assert member["pinned"] == 1 and member["hidden"] == 0


def test_a_photo_goes_in_and_comes_back(conn: sqlite3.Connection) -> None:
    photo_id = catalog.insert_photo(conn, photo(7, lat=43.6, lon=1.43))
    sha = f"{7:064x}"
    found = catalog.get_photo(conn, sha)
    assert found is not None and found["id"] == photo_id and found["lat"] == 43.6
    assert catalog.has_photo(conn, sha) and not catalog.has_photo(conn, "0" * 64)
    assert catalog.path_in_use(conn, "media/2017/IMG_0007.JPG")
    assert catalog.get_photo(conn, "f" * 64) is None
    assert catalog.count_photos(conn) == 1
    with pytest.raises(sqlite3.IntegrityError):
        catalog.insert_photo(conn, photo(7))  # one row per content


def test_a_transaction_that_fails_leaves_nothing(conn: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError), catalog.transaction(conn):
        catalog.insert_photo(conn, photo(1))
        raise RuntimeError("stop")
    assert catalog.count_photos(conn) == 0 and not conn.in_transaction
    with catalog.transaction(conn):
        catalog.insert_photo(conn, photo(1))
    assert catalog.count_photos(conn) == 1


def test_rollback_abandons_an_open_batch_and_is_harmless_without_one(conn: sqlite3.Connection) -> None:
    catalog.rollback(conn)
    catalog.begin(conn)
    catalog.insert_photo(conn, photo(1))
    catalog.rollback(conn)
    assert catalog.count_photos(conn) == 0


def test_an_album_lists_its_photos_in_time_order_and_tiles_hold_only_what_a_grid_needs(
    conn: sqlite3.Connection,
) -> None:
    late = catalog.insert_photo(conn, photo(1, camera_time="2017-09-19T15:00:00"))
    early = catalog.insert_photo(conn, photo(2, camera_time="2017-09-19T09:00:00"))
    album_id = catalog.insert_album(conn, album("melee"))
    catalog.set_membership(conn, late, album_id, pinned=False)
    catalog.set_membership(conn, early, album_id, pinned=False)
    assert [p["id"] for p in catalog.album_photos(conn, album_id)] == [early, late]
    tiles = catalog.album_tiles(conn, album_id)
    assert [t["sha256"] for t in tiles] == [f"{2:064x}", f"{1:064x}"]
    assert "path" not in tiles[0] and "lat" not in tiles[0] and "hidden" in tiles[0]
    assert catalog.set_hidden(conn, album_id, late, True)
    assert [t["sha256"] for t in catalog.album_tiles(conn, album_id, include_hidden=False)] == [f"{2:064x}"]


def test_only_published_visible_photos_are_public(conn: sqlite3.Connection) -> None:
    shown, hidden, draft = (catalog.insert_photo(conn, photo(n)) for n in (1, 2, 3))
    public = catalog.insert_album(conn, album("public", published=1, photo_count=2))
    private = catalog.insert_album(conn, album("private"))
    for photo_id, album_id in ((shown, public), (hidden, public), (draft, private)):
        catalog.set_membership(conn, photo_id, album_id, pinned=False)
    catalog.set_hidden(conn, public, hidden, True)
    assert catalog.public_photo_shas(conn) == {f"{1:064x}"}
    with_album = catalog.photo_with_album(conn, f"{3:064x}")
    assert with_album is not None and with_album["album_slug"] == "private" and not with_album["album_published"]


def test_data_version_moves_when_another_connection_commits(tmp_path: Path) -> None:
    db = tmp_path / "gallery.db"
    with catalog.connection(db) as writer, catalog.connection(db, readonly=True) as reader:
        before = catalog.data_version(reader)
        assert catalog.data_version(reader) == before
        catalog.insert_photo(writer, photo(1))
        assert catalog.data_version(reader) != before


def test_connection_closes_the_catalog_when_the_work_ends(tmp_path: Path) -> None:
    with catalog.connection(tmp_path / "gallery.db") as conn:
        assert catalog.count_photos(conn) == 0
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")


def test_operational_errors_become_catalog_errors(tmp_path: Path) -> None:
    db = tmp_path / "gallery.db"
    catalog.connection(db).__enter__().close()  # create it
    with catalog.connection(db, readonly=True) as conn:
        with pytest.raises(CatalogError) as raised, catalog.errors_translated():
            catalog.insert_photo(conn, photo(1))
    assert isinstance(raised.value, GalleryError) and raised.value.status_code == 503
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert isinstance(catalog.storage_error(raised.value, tmp_path), ReadOnlyLibrary)


def test_storage_error_names_only_what_the_disk_caused(tmp_path: Path) -> None:
    full = catalog.storage_error(sqlite3.OperationalError("database or disk is full"), tmp_path)
    assert isinstance(full, StorageFull)
    assert catalog.storage_error(sqlite3.OperationalError("no such table: photos"), tmp_path) is None
    assert catalog.storage_error(ValueError("disk is full"), tmp_path) is None
    # "disk I/O error" is a full disk only when the disk is full: this one is not
    assert catalog.storage_error(sqlite3.OperationalError("disk I/O error"), tmp_path) is None


def test_readers_serve_an_empty_catalog_until_the_library_exists_and_one_connection_per_thread(
    tmp_path: Path,
) -> None:
    db = tmp_path / "gallery.db"
    readers = catalog.Readers(db)
    assert catalog.count_photos(readers()) == 0 and not db.exists()
    with catalog.connection(db) as writer:
        catalog.insert_photo(writer, photo(1))
    mine = readers()
    assert catalog.count_photos(mine) == 1 and readers() is mine
    theirs: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: theirs.append(readers()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and catalog.count_photos(theirs[0]) == 1


def test_retiming_reads_each_photos_file_number(conn: sqlite3.Connection) -> None:
    """The clocks cut a camera whose clock changed mid-trip in shooting order: the file number must reach them."""
    from gallery import organise

    catalog.insert_photo(conn, photo(42, camera_time="2017-09-19T10:00:00"))
    [row] = list(catalog.timing_rows(conn))
    assert organise.shot_from_row(row).sequence == 42


def test_a_cameras_runs_are_kept_whole_or_run_by_run(conn: sqlite3.Connection) -> None:
    """Migration 19 (issue 10): a camera re-timed whole replaces its runs; one run re-timed alone
    replaces that run and keeps the others as they were."""

    def run(rank: int, correction: int | None) -> dict[str, Any]:
        return {
            "rank": rank,
            "first": f"201{rank}-09-18T08:00:00",
            "last": f"201{rank}-09-22T18:00:00",
            "first_utc": None,
            "last_utc": None,
            "closed": 1,
            "offset_seconds": correction,
            "offset_source": "alignment" if correction is not None else None,
            "confidence": 0.9,
            "note": "",
            "candidates": "[]",
            "photos": 10 + rank,
            "with_gps": 0,
        }

    with catalog.transaction(conn):
        catalog.save_device_runs(conn, "cam", [run(0, 3600), run(1, None), run(2, 0)], whole=True)
        catalog.save_device_runs(conn, "cam", [run(1, -21600)], whole=False)
    kept = catalog.device_runs(conn)["cam"]
    assert [(r["rank"], r["offset_seconds"]) for r in kept] == [(0, 3600), (1, -21600), (2, 0)]
    with catalog.transaction(conn):
        catalog.save_device_runs(conn, "cam", [run(0, 7200)], whole=True)
    assert [(r["rank"], r["offset_seconds"], r["photos"]) for r in catalog.device_runs(conn)["cam"]] == [(0, 7200, 10)]
