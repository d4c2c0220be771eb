"""The catalog: the only module that speaks SQL. Every function takes a connection.

The schema is versioned by a small migrations registry (PRAGMA user_version). SQL stays
portable (no SQLite-only functions in queries) so that PostgreSQL could follow.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote

from . import notes, storage
from .errors import BadRequest, CatalogError, GalleryError, StorageFull
from .migrations import MIGRATIONS
from .rows import AlbumPhotoRow, AlbumRow, DeviceRow, PhotoRow

Row = dict[str, Any]
T = TypeVar("T")
Connection = sqlite3.Connection  # what every function here takes; other modules name it catalog.Connection

PHOTO_COLUMNS = (
    "sha256",
    "path",
    "original_name",
    "source_path",
    "source_dir",
    "format",
    "size",
    "width",
    "height",
    "grid_width",
    "grid_height",
    "sharpness",
    "orientation",
    "placeholder",
    "import_id",
    "imported_at",
    "camera_time",
    "camera_offset",
    "date_source",
    "gps_time",
    "lat",
    "lon",
    "altitude",
    "make",
    "model",
    "serial",
    "lens",
    "exposure",
    "aperture",
    "iso",
    "focal_length",
    "description",
    "title",
    "rating",
    "keywords",
    "bad_tags",
    "device",
    "import_zone",
    "clock_shift",
    "media_type",
    "duration",
    "codec",
    "content_id",
    "motion_offset",
)
# Columns written only when the row has them (the catalog's default otherwise): an insert into a
# catalog older than them (a migration test) still works. read_version: see importer.READ_VERSION.
OPTIONAL_PHOTO_COLUMNS = ("read_version",)


def connect(db_path: Path | str, readonly: bool = False) -> sqlite3.Connection:
    """Open the catalog (WAL, foreign keys, a generous busy timeout) and bring its schema up to date.

    A writer on a library that cannot be written gets ReadOnlyLibrary (one line in the CLI, 503
    on the web) instead of SQLite's "unable to open database file".
    """
    if readonly:
        conn = _open_read_only(Path(db_path))
    else:
        path = Path(db_path)
        if storage.library_read_only(path.parent, path):
            raise storage.read_only_error(path.parent)
        conn = sqlite3.connect(db_path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    # sorts and temporary B-trees in memory: a full /tmp (or a full disk) must not fail a page that only reads
    conn.execute("PRAGMA temp_store = MEMORY")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        migrate(conn)
    return conn


def in_memory() -> sqlite3.Connection:
    """An empty, up-to-date catalog in memory (an empty library's pages; unit tests)."""
    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


@contextmanager
def connection(db_path: Path | str, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    """The catalog opened for one piece of work (`connect`), closed when it ends."""
    conn = connect(db_path, readonly=readonly)
    try:
        yield conn
    finally:
        conn.close()


# What a failing read or write of this catalog raises: the web and the CLI answer it at their boundary.
OperationalError = sqlite3.OperationalError
DatabaseError = sqlite3.Error  # any error of the database itself (corrupt file included)


@contextmanager
def errors_translated() -> Iterator[None]:
    """Raise the catalog's operational errors (locked, full, read-only) as CatalogError."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise CatalogError(str(exc)) from exc


def storage_error(exc: BaseException, root: Path) -> GalleryError | None:
    """A catalog error that the disk caused, in the error tree (read-only, full); None for any other."""
    if isinstance(exc, CatalogError) and isinstance(exc.__cause__, sqlite3.OperationalError):
        exc = exc.__cause__
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    message = str(exc).lower()
    if "readonly" in message:
        return storage.read_only_error(root)
    # SQLite says "disk I/O error" when it cannot grow its -shm: a full disk, if the disk is full
    if "disk is full" in message or ("disk i/o" in message and storage.is_full(root)):
        return StorageFull(str(exc))
    return None


def rollback(conn: sqlite3.Connection) -> None:
    """Abandon the open transaction, if any (a batch that cannot be committed)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def read_only_uri(db_path: Path) -> str:
    """The URI that reads a WAL catalog without writing anything next to it.

    SQLite reads a WAL database read-only when its -shm index exists and is readable, or when it
    may create it (a writable folder): then `mode=ro`, which still sees every commit of a running
    writer. On read-only media with no -shm (a cleanly closed catalog: its -wal and -shm are gone)
    it cannot open at all, so `immutable=1` tells it that nobody can change the file: no locks,
    no -shm. (An immutable connection ignores a -wal, which a cleanly closed catalog has not.)
    """
    path = db_path.resolve()
    shm = path.with_name(path.name + "-shm")
    query = "mode=ro" if os.access(shm, os.R_OK) or storage.is_writable(path.parent) else "mode=ro&immutable=1"
    return f"file:{quote(str(path))}?{query}"


class Snapshot(sqlite3.Connection):
    """A read connection opened `immutable=1`: it sees no later commit, so holders reopen it when stale."""

    opened = 0.0

    @property
    def stale(self) -> bool:
        return time.monotonic() - self.opened > SNAPSHOT_SECONDS


SNAPSHOT_SECONDS = 5.0


def is_stale(conn: sqlite3.Connection) -> bool:
    """A snapshot connection old enough to be reopened (a full disk may have been freed since)."""
    return isinstance(conn, Snapshot) and conn.stale


class Readers:
    """One read connection per thread (sqlite3 connections are not shared across threads), reopened when stale."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.anchor = self._anchor()

    def __call__(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is not None and is_stale(conn):
            conn.close()
            conn = None
        if conn is None:
            if not self.path.exists():
                return self._empty()  # not kept: the library may appear (a first import) while we serve
            conn = connect(self.path, readonly=True)
            self.local.conn = conn
        return conn

    def _anchor(self) -> sqlite3.Connection | None:
        """One connection held open for the app's life keeps the WAL index (-shm) sized and mapped, so
        that a thread's new connection never has to grow it, even once the disk is full."""
        if not self.path.exists():
            return None
        try:
            return connect(self.path, readonly=True)
        except sqlite3.Error:
            return None

    def _empty(self) -> sqlite3.Connection:
        """An empty catalog in memory: a library with nothing yet shows empty pages, not errors."""
        conn = getattr(self.local, "empty", None)
        if conn is None:
            conn = in_memory()
            self.local.empty = conn
        return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    uri = read_only_uri(path)
    if uri.endswith("immutable=1"):
        return _snapshot(uri)
    conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # maps the WAL index (-shm)
    except sqlite3.OperationalError:
        conn.close()
        if _wal_has_frames(path):
            raise
        # A full disk cannot size a new -shm ("disk I/O error" on every read). With no frame in the
        # WAL the database file holds every commit, so reading it as a snapshot is exact; nobody can
        # commit until space is freed, and the snapshot is reopened every few seconds.
        return _snapshot(uri + "&immutable=1")
    return conn


def _snapshot(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False, factory=Snapshot)
    assert isinstance(conn, Snapshot)
    conn.opened = time.monotonic()
    return conn


def _wal_has_frames(path: Path) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 32  # the WAL header alone is 32 bytes
    except FileNotFoundError:
        return False


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations this catalog has not seen yet; returns the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in MIGRATIONS:
        if number > version:
            with transaction(conn):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(number)}")
            version = number
    return int(version)


def _statements(script: str) -> Iterator[str]:
    """One statement at a time; a trigger's BEGIN … END stays whole (sqlite3.complete_statement)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        yield pending


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: writers take the lock up front (no deadlocked upgrades)."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def begin(conn: sqlite3.Connection) -> None:
    """Open a write transaction unless one is open (the importer commits per batch)."""
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")


def commit(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("COMMIT")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def dicts(rows: Iterable[sqlite3.Row]) -> list[Row]:
    return [dict(row) for row in rows]


def typed_rows(kind: type[T], rows: Iterable[sqlite3.Row]) -> list[T]:
    """Rows as the TypedDict `kind` of `rows.py` (the schema's columns, checked by tests/test_catalog.py)."""
    return [cast(T, dict(row)) for row in rows]


# -- photos ------------------------------------------------------------------------------------


def has_photo(conn: sqlite3.Connection, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM photos WHERE sha256 = ?", (sha256,)).fetchone() is not None


def path_in_use(conn: sqlite3.Connection, path: str) -> bool:
    if conn.execute("SELECT 1 FROM companions WHERE path = ?", (path,)).fetchone() is not None:
        return True  # media kinds (issue 12): a sidecar or RAW companion holds the name
    return conn.execute("SELECT 1 FROM photos WHERE path = ?", (path,)).fetchone() is not None


_PHOTO_DEFAULTS = {"media_type": "photo"}  # a caller that knows no kinds inserts a photo


def insert_photo(conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
    columns = [*PHOTO_COLUMNS, *(column for column in OPTIONAL_PHOTO_COLUMNS if column in row)]
    values = [row.get(column, _PHOTO_DEFAULTS.get(column)) for column in columns]
    placeholders = ", ".join("?" for _ in columns)
    cursor = conn.execute(f"INSERT INTO photos ({', '.join(columns)}) VALUES ({placeholders})", values)
    return int(cursor.lastrowid or 0)


def get_photo(conn: sqlite3.Connection, sha256: str) -> PhotoRow | None:
    row = conn.execute("SELECT * FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
    return cast(PhotoRow, dict(row)) if row else None


def get_photos(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Row]:
    found: dict[int, Row] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        found.update(
            (row["id"], dict(row)) for row in conn.execute(f"SELECT * FROM photos WHERE id IN ({marks})", chunk)
        )
    return [found[i] for i in ids if i in found]


def iter_photos(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM photos ORDER BY COALESCE(taken_at_utc, camera_time), id"))


def count_photos(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0])


def update_photos(conn: sqlite3.Connection, updates: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Apply column updates per photo id; returns how many rows changed."""
    changed = 0
    for photo_id, values in updates:
        if not values:
            continue
        assignments = ", ".join(f"{column} = ?" for column in values)
        conn.execute(f"UPDATE photos SET {assignments} WHERE id = ?", [*values.values(), photo_id])
        changed += 1
    return changed


# -- imports and their report ---------------------------------------------------------------------


def start_import(conn: sqlite3.Connection, sources: Sequence[str], options: Mapping[str, Any]) -> int:
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO imports (started_at, sources, options) VALUES (?, ?, ?)",
            (now_iso(), json.dumps(list(sources)), json.dumps(dict(options))),
        )
    return int(cursor.lastrowid or 0)


def finish_import(conn: sqlite3.Connection, import_id: int, counts: Mapping[str, int]) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE imports SET finished_at = ?, imported = ?, duplicates = ?, skipped = ?, rejected = ? WHERE id = ?",
            (
                now_iso(),
                counts.get("imported", 0),
                counts.get("duplicate", 0),
                counts.get("skipped", 0),
                counts.get("rejected", 0),
                import_id,
            ),
        )


def record_outcomes(conn: sqlite3.Connection, import_id: int, outcomes: Iterable[Any]) -> None:
    conn.executemany(
        "INSERT INTO import_files (import_id, path, status, reason, detail, sha256) VALUES (?, ?, ?, ?, ?, ?)",
        [(import_id, o.path, o.status, o.reason, o.detail, o.sha256) for o in outcomes],
    )


def import_problems(conn: sqlite3.Connection, limit: int = 1000) -> list[Row]:
    """The latest skipped and rejected files, newest import first (the admin's import report)."""
    return dicts(
        conn.execute(
            "SELECT f.*, i.started_at FROM import_files f JOIN imports i ON i.id = f.import_id "
            "WHERE f.status IN ('skipped', 'rejected') ORDER BY f.import_id DESC, f.path LIMIT ?",
            (limit,),
        )
    )


def get_import(conn: sqlite3.Connection, import_id: int) -> Row | None:
    row = conn.execute("SELECT * FROM imports WHERE id = ?", (import_id,)).fetchone()
    return dict(row) if row else None


def integrity_ok(conn: sqlite3.Connection) -> bool:
    ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return ok and not conn.execute("PRAGMA foreign_key_check").fetchall()


# -- devices and venues ------------------------------------------------------------------------


def manual_offsets(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT key, offset_seconds FROM devices WHERE manual = 1 AND offset_seconds IS NOT NULL")
    return {row["key"]: int(row["offset_seconds"]) for row in rows}


def save_device_clocks(conn: sqlite3.Connection, clocks: Iterable[Mapping[str, Any]]) -> None:
    """Upsert what was learned per device; a hand-set offset is left exactly as it was."""
    for clock in clocks:
        conn.execute(
            "INSERT INTO devices (key, name, offset_seconds, offset_source, confidence, note, candidates) "
            "VALUES (:key, :name, :offset_seconds, :offset_source, :confidence, :note, :candidates) "
            "ON CONFLICT(key) DO UPDATE SET name = excluded.name, candidates = excluded.candidates, "
            "offset_seconds = CASE WHEN devices.manual = 1 THEN devices.offset_seconds ELSE excluded.offset_seconds END, "
            "offset_source = CASE WHEN devices.manual = 1 THEN 'manual' ELSE excluded.offset_source END, "
            "confidence = CASE WHEN devices.manual = 1 THEN 1.0 ELSE excluded.confidence END, "
            "note = CASE WHEN devices.manual = 1 THEN devices.note ELSE excluded.note END",
            {"candidates": "[]", **clock},
        )


RUN_COLUMNS = (
    "device, rank, first, last, first_utc, last_utc, closed, offset_seconds, offset_source, confidence, note, "
    "candidates, photos, with_gps"
)


def save_device_runs(conn: sqlite3.Connection, device: str, runs: Iterable[Mapping[str, Any]], whole: bool) -> None:
    """Keep these runs of a camera (migration 19); `whole`: they are all its runs (the others go)."""
    if whole:
        conn.execute("DELETE FROM device_runs WHERE device = ?", (device,))
    marks = ", ".join(":" + c.strip() for c in RUN_COLUMNS.split(","))
    for run in runs:
        conn.execute(f"INSERT OR REPLACE INTO device_runs ({RUN_COLUMNS}) VALUES ({marks})", {**run, "device": device})


def forget_device_runs(conn: sqlite3.Connection, devices: Iterable[str]) -> None:
    """These cameras' kept runs go: their next re-time weighs them whole and keeps them again."""
    conn.executemany("DELETE FROM device_runs WHERE device = ?", [(device,) for device in devices])


def device_runs(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """Each camera weighed run by run: its runs as kept, by rank."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(f"SELECT {RUN_COLUMNS} FROM device_runs ORDER BY device, rank"):
        out.setdefault(row["device"], []).append(dict(row))
    return out


def device_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many photos (the trash too) each device has, as re-timing reads them."""
    return {row[0]: row[1] for row in conn.execute(f"SELECT {DEVICE_KEY}, COUNT(*) FROM photos GROUP BY {DEVICE_KEY}")}


def set_manual_offset(conn: sqlite3.Connection, key: str, seconds: int | None) -> None:
    with transaction(conn):
        if seconds is None:
            conn.execute("UPDATE devices SET manual = 0, offset_seconds = NULL, note = '' WHERE key = ?", (key,))
        else:
            conn.execute(
                "UPDATE devices SET manual = 1, offset_seconds = ?, offset_source = 'manual', confidence = 1.0, "
                "note = ? WHERE key = ?",
                (seconds, notes.note("set_by_hand"), key),
            )


def list_devices(conn: sqlite3.Connection) -> list[DeviceRow]:
    return typed_rows(
        DeviceRow,
        conn.execute(
            "SELECT d.*, COUNT(p.id) AS photos, "
            "SUM(CASE WHEN p.lat IS NOT NULL OR p.gps_time IS NOT NULL THEN 1 ELSE 0 END) AS with_gps "
            "FROM devices d LEFT JOIN photos p ON p.device = d.key GROUP BY d.key ORDER BY d.name"
        ),
    )


def list_venues(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM venues ORDER BY name"))


def add_venue(conn: sqlite3.Connection, venue: Mapping[str, Any]) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO venues (name, lat, lon, radius_m, town, country) "
            "VALUES (:name, :lat, :lon, :radius_m, :town, :country) "
            "ON CONFLICT(name) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, "
            "radius_m = excluded.radius_m, town = excluded.town, country = excluded.country",
            dict(venue),
        )


def remove_venue(conn: sqlite3.Connection, name: str) -> bool:
    with transaction(conn):
        return conn.execute("DELETE FROM venues WHERE name = ?", (name,)).rowcount > 0


# -- missions ------------------------------------------------------------------------------------


def save_mission(conn: sqlite3.Connection, programme: Any, source: str, renames: str | None = None) -> int:
    """Insert or update a mission and its events by title and name, so ids (and albums) stay.

    `renames`: the title of the mission this programme edits; a new title then renames it (same
    id, same albums, whose titles and search rows follow) instead of starting another mission.
    """
    with transaction(conn):
        if renames and renames != programme.title:
            if conn.execute("SELECT 1 FROM missions WHERE title = ?", (programme.title,)).fetchone():
                raise BadRequest(f"a mission is already called {programme.title!r}")
            conn.execute("UPDATE missions SET title = ? WHERE title = ?", (programme.title, renames))
        conn.execute(
            "INSERT INTO missions (title, timezone, description, source, loaded_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(title) DO UPDATE SET timezone = excluded.timezone, description = excluded.description, "
            "source = excluded.source, loaded_at = excluded.loaded_at",
            (programme.title, programme.timezone, programme.description, source, now_iso()),
        )
        mission_id = int(conn.execute("SELECT id FROM missions WHERE title = ?", (programme.title,)).fetchone()[0])
        names = []
        for position, event in enumerate(programme.events):
            names.append(event.name)
            conn.execute(
                "INSERT INTO mission_events (mission_id, name, title, description, start_utc, end_utc, lat, lon, "
                "radius_m, place, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(mission_id, name) DO UPDATE SET title = excluded.title, "
                "description = excluded.description, start_utc = excluded.start_utc, end_utc = excluded.end_utc, "
                "lat = excluded.lat, lon = excluded.lon, radius_m = excluded.radius_m, place = excluded.place, "
                "position = excluded.position",
                (
                    mission_id,
                    event.name,
                    event.title,
                    event.description,
                    event.start.isoformat(),
                    event.end.isoformat(),
                    event.lat,
                    event.lon,
                    event.radius_m,
                    event.place,
                    position,
                ),
            )
        marks = ", ".join("?" for _ in names)
        conn.execute(f"DELETE FROM mission_events WHERE mission_id = ? AND name NOT IN ({marks})", [mission_id, *names])
    return mission_id


def list_missions(conn: sqlite3.Connection) -> list[Row]:
    return dicts(
        conn.execute(
            "SELECT m.*, MIN(e.start_utc) AS start_utc, MAX(e.end_utc) AS end_utc, COUNT(e.id) AS events "
            "FROM missions m LEFT JOIN mission_events e ON e.mission_id = m.id GROUP BY m.id ORDER BY start_utc"
        )
    )


def list_mission_events(conn: sqlite3.Connection) -> list[Row]:
    return dicts(
        conn.execute(
            "SELECT e.*, m.title AS mission_title, m.timezone FROM mission_events e "
            "JOIN missions m ON m.id = e.mission_id ORDER BY e.start_utc, e.id"
        )
    )


# -- albums ---------------------------------------------------------------------------------------

# An album with its mission's title and its cover's sha256; callers add WHERE and ORDER BY.
ALBUM_SELECT = (
    "SELECT a.*, m.title AS mission, p.sha256 AS cover_sha256 FROM albums a "
    "LEFT JOIN missions m ON m.id = a.mission_id LEFT JOIN photos p ON p.id = a.cover_id"
)

ALBUM_FIELDS = (
    "period",  # H14: the month of a mission-less « Autres photos »
    "slug",
    "kind",
    "title",
    "description",
    "cover_id",
    "published",
    "mission_id",
    "mission_event_id",
    "start_utc",
    "end_utc",
    "timezone",
    "place",
    "country",
    "photo_count",
    "explain",
)


def list_albums(conn: sqlite3.Connection, published_only: bool = False, include_merged: bool = False) -> list[AlbumRow]:
    where = ["1 = 1"]
    if published_only:
        where.append("a.published = 1 AND a.photo_count > 0")
    if not include_merged:
        where.append("a.merged_into IS NULL")
    return typed_rows(
        AlbumRow, conn.execute(f"{ALBUM_SELECT} WHERE {' AND '.join(where)} ORDER BY a.start_utc DESC, a.id")
    )


def get_album(conn: sqlite3.Connection, slug: str) -> AlbumRow | None:
    row = conn.execute(f"{ALBUM_SELECT} WHERE a.slug = ?", (slug,)).fetchone()
    return cast(AlbumRow, dict(row)) if row else None


def get_album_by_id(conn: sqlite3.Connection, album_id: int) -> AlbumRow | None:
    row = conn.execute("SELECT slug FROM albums WHERE id = ?", (album_id,)).fetchone()
    return get_album(conn, row[0]) if row else None


_TILE_COLUMNS = (
    "p.sha256, p.width, p.height, p.grid_width, p.grid_height, p.placeholder, p.place, "
    "p.taken_at_local, p.time_source, p.make, p.model, ap.hidden, p.media_type, p.duration, p.caption"
)


def album_photos(conn: sqlite3.Connection, album_id: int, include_hidden: bool = True) -> list[AlbumPhotoRow]:
    """An album's photos in time order, every column (with `hidden` and `pinned`)."""
    return cast(list[AlbumPhotoRow], _album_photos(conn, album_id, include_hidden, "p.*, ap.hidden, ap.pinned"))


def album_tiles(conn: sqlite3.Connection, album_id: int, include_hidden: bool = True) -> list[Row]:
    """An album's photos in time order, with just what a grid of tiles needs."""
    return _album_photos(conn, album_id, include_hidden, _TILE_COLUMNS)


def _album_photos(conn: sqlite3.Connection, album_id: int, include_hidden: bool, columns: str) -> list[Row]:
    hidden = "" if include_hidden else " AND ap.hidden = 0"
    return dicts(
        conn.execute(
            f"SELECT {columns} FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
            f"WHERE ap.album_id = ?{hidden} ORDER BY ap.sort_key, ap.photo_id",
            (album_id,),
        )
    )


def memberships(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM album_photos"))


def album_rows(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM albums ORDER BY id"))


def splits(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM album_splits ORDER BY album_id, at_utc"))


def slugs_in_use(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT slug FROM albums")}


def insert_album(conn: sqlite3.Connection, values: Mapping[str, Any]) -> int:
    columns = [c for c in ALBUM_FIELDS if c in values]
    marks = ", ".join("?" for _ in columns)
    cursor = conn.execute(
        f"INSERT INTO albums ({', '.join(columns)}, created_at, updated_at) VALUES ({marks}, ?, ?)",
        [values[c] for c in columns] + [now_iso(), now_iso()],
    )
    return int(cursor.lastrowid or 0)


def update_album(conn: sqlite3.Connection, album_id: int, values: Mapping[str, Any]) -> None:
    if not values:
        return
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(
        f"UPDATE albums SET {assignments}, updated_at = ? WHERE id = ?", [*values.values(), now_iso(), album_id]
    )


def delete_albums(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    for album_id in ids:
        conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))


def set_memberships(conn: sqlite3.Connection, rows: Iterable[tuple[int, int, int, int]]) -> None:
    """Replace every membership: (photo_id, album_id, pinned, hidden)."""
    conn.execute("DELETE FROM album_photos")
    conn.executemany("INSERT INTO album_photos (photo_id, album_id, pinned, hidden) VALUES (?, ?, ?, ?)", rows)


def set_membership(conn: sqlite3.Connection, photo_id: int, album_id: int, pinned: bool) -> None:
    conn.execute(
        "INSERT INTO album_photos (photo_id, album_id, pinned, hidden) VALUES (?, ?, ?, 0) "
        "ON CONFLICT(photo_id) DO UPDATE SET album_id = excluded.album_id, pinned = excluded.pinned",
        (photo_id, album_id, int(pinned)),
    )


def set_hidden(conn: sqlite3.Connection, album_id: int, photo_id: int, hidden: bool) -> bool:
    cursor = conn.execute(
        "UPDATE album_photos SET hidden = ? WHERE album_id = ? AND photo_id = ?", (int(hidden), album_id, photo_id)
    )
    return cursor.rowcount > 0


def add_split(conn: sqlite3.Connection, album_id: int, at_utc: str, new_album_id: int) -> None:
    conn.execute(
        "INSERT INTO album_splits (album_id, at_utc, new_album_id) VALUES (?, ?, ?)", (album_id, at_utc, new_album_id)
    )


# -- web reads ------------------------------------------------------------------------------------


def photo_with_album(conn: sqlite3.Connection, sha256: str) -> Row | None:
    """A photo and the album it is in (album fields prefixed album_), or None."""
    row = conn.execute(
        "SELECT p.*, ap.hidden, a.id AS album_id, a.slug AS album_slug, a.title AS album_title, "
        "a.published AS album_published, a.show_location AS album_show_location, "
        "a.allow_originals AS album_allow_originals, a.merged_into AS album_merged_into "
        "FROM photos p LEFT JOIN album_photos ap ON ap.photo_id = p.id LEFT JOIN albums a ON a.id = ap.album_id "
        "WHERE p.sha256 = ?",
        (sha256,),
    ).fetchone()
    return dict(row) if row else None


# Photos an anonymous visitor may see: in a published album that was not merged away, not hidden.
PUBLIC_PHOTOS = (
    "FROM photos p JOIN album_photos ap ON ap.photo_id = p.id JOIN albums a ON a.id = ap.album_id "
    "WHERE a.published = 1 AND a.merged_into IS NULL AND ap.hidden = 0"
)


def public_photo_shas(conn: sqlite3.Connection) -> set[str]:
    """sha256 of every photo an anonymous visitor may see: in a published album, not hidden."""
    return {row[0] for row in conn.execute(f"SELECT p.sha256 {PUBLIC_PHOTOS}")}


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits: a cheap "has anything changed?"."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def published_photos(conn: sqlite3.Connection, limit: int = 5000, offset: int = 0) -> list[Row]:
    return dicts(
        conn.execute(
            f"SELECT p.*, a.slug AS album_slug, a.title AS album_title {PUBLIC_PHOTOS} "
            f"AND p.taken_at_utc IS NOT NULL AND {CERTAIN_DATE} ORDER BY p.taken_at_utc DESC, p.id LIMIT ? OFFSET ?",
            (limit, offset),
        )
    )


def published_places(conn: sqlite3.Connection) -> list[Row]:
    return dicts(
        conn.execute(
            f"SELECT p.place, p.country, COUNT(*) AS photos, COUNT(DISTINCT a.id) AS albums {PUBLIC_PHOTOS} "
            "AND p.place IS NOT NULL GROUP BY p.place, p.country ORDER BY p.country, p.place"
        )
    )


# -- accounts, sessions, shares -------------------------------------------------------------------


def add_user(conn: sqlite3.Connection, name: str, password_hash: str) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)", (name, password_hash, now_iso())
        )


def set_password(conn: sqlite3.Connection, name: str, password_hash: str) -> bool:
    with transaction(conn):
        changed = conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)).rowcount > 0
        conn.execute("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", (name,))
    return changed


def remove_user(conn: sqlite3.Connection, name: str) -> bool:
    with transaction(conn):
        return conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0


def get_user(conn: sqlite3.Connection, name: str) -> Row | None:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return dict(row) if row else None


def list_users(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT id, name, created_at FROM users ORDER BY name"))


def add_session(conn: sqlite3.Connection, token_hash: str, user_id: int, expires_at: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(),))
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token_hash, user_id, now_iso(), expires_at),
        )


def session_user(conn: sqlite3.Connection, token_hash: str) -> str | None:
    row = conn.execute(
        "SELECT u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
        (token_hash, now_iso()),
    ).fetchone()
    return row[0] if row else None


def end_session(conn: sqlite3.Connection, token_hash: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))


def add_share(
    conn: sqlite3.Connection,
    token_hash: str,
    album_id: int,
    password_hash: str | None,
    expires_at: str | None,
    hint: str,
) -> int:
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO shares (token_hash, album_id, password_hash, expires_at, created_at, hint) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, album_id, password_hash, expires_at, now_iso(), hint),
        )
    return int(cursor.lastrowid or 0)


def get_share(conn: sqlite3.Connection, token_hash: str) -> Row | None:
    """A share that still opens its album: not revoked, not expired."""
    row = conn.execute(
        "SELECT s.*, a.slug FROM shares s JOIN albums a ON a.id = s.album_id WHERE s.token_hash = ? "
        "AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?) AND a.merged_into IS NULL",
        (token_hash, now_iso()),
    ).fetchone()
    return dict(row) if row else None


def list_shares(conn: sqlite3.Connection, album_id: int | None = None) -> list[Row]:
    where, params = ("WHERE s.album_id = ?", (album_id,)) if album_id is not None else ("", ())
    return dicts(
        conn.execute(
            f"SELECT s.*, a.slug FROM shares s JOIN albums a ON a.id = s.album_id {where} ORDER BY s.created_at DESC",
            params,
        )
    )


def revoke_shares(
    conn: sqlite3.Connection, album_id: int | None = None, token_hash: str | None = None, share_id: int | None = None
) -> int:
    with transaction(conn):
        return conn.execute(
            "UPDATE shares SET revoked_at = ? WHERE revoked_at IS NULL AND (album_id = ? OR token_hash = ? OR id = ?)",
            (now_iso(), album_id, token_hash, share_id),
        ).rowcount


def import_outcomes(conn: sqlite3.Connection, import_id: int) -> list[Row]:
    return dicts(
        conn.execute("SELECT path, status, reason, detail, sha256 FROM import_files WHERE import_id = ?", (import_id,))
    )


# -- dates set or confirmed by people -------------------------------------------------------------

CERTAIN_DATE = "p.time_source NOT IN ('mtime', 'estimated')"  # dates.UNCERTAIN_SOURCES, for timelines


def photos_by_prefix(conn: sqlite3.Connection, prefix: str) -> list[Row]:
    """Photos whose sha256 starts with `prefix` (at most two: enough to tell "not unique")."""
    upper = prefix + "\uffff"
    return dicts(
        conn.execute("SELECT * FROM photos WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256 LIMIT 2", (prefix, upper))
    )


def set_manual_times(conn: sqlite3.Connection, values: Iterable[tuple[int, str, str | None]]) -> None:
    """(photo id, ISO instant with offset, zone or None): a date a person set or confirmed."""
    conn.executemany(
        "UPDATE photos SET manual_time = ?, manual_zone = ? WHERE id = ?",
        [(moment, zone, photo_id) for photo_id, moment, zone in values],
    )


# -- rate limits ------------------------------------------------------------------------------------


def take_attempt(
    conn: sqlite3.Connection, budgets: Sequence[tuple[str, int, float]], now: float, forget_before: float
) -> tuple[str | None, list[int]]:
    """Count one attempt under every (key, limit, window seconds), atomically (BEGIN IMMEDIATE).

    Returns (None, attempt ids) when every budget had room, or (the first spent key, []) and
    nothing is counted. Rows older than `forget_before` are dropped on the way.
    """
    with transaction(conn):
        conn.execute("DELETE FROM attempts WHERE at < ?", (forget_before,))
        for key, limit, window in budgets:
            used = conn.execute(
                "SELECT COUNT(*) FROM attempts WHERE key = ? AND at > ?", (key, now - window)
            ).fetchone()[0]
            if used >= limit:
                return key, []
        ids = [
            int(conn.execute("INSERT INTO attempts (key, at) VALUES (?, ?)", (key, now)).lastrowid or 0)
            for key, _, _ in budgets
        ]
    return None, ids


def release_attempts(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Give back counted attempts (a right password does not use up the budget)."""
    with transaction(conn):
        conn.executemany("DELETE FROM attempts WHERE id = ?", [(i,) for i in ids])


def get_shares(conn: sqlite3.Connection, token_hashes: Sequence[str]) -> list[Row]:
    """The shares among `token_hashes` that still open their album (see get_share), in one query."""
    if not token_hashes:
        return []
    marks = ", ".join("?" for _ in token_hashes)
    return dicts(
        conn.execute(
            f"SELECT s.*, a.slug FROM shares s JOIN albums a ON a.id = s.album_id WHERE s.token_hash IN ({marks}) "
            "AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?) AND a.merged_into IS NULL",
            [*token_hashes, now_iso()],
        )
    )


# -- browser uploads ---------------------------------------------------------------------------------


def covers_to_keep(conn: sqlite3.Connection) -> dict[int, int]:
    """album id -> cover photo id of every album whose cover an upload must not change: published or set by hand."""
    rows = conn.execute(
        "SELECT id, cover_id FROM albums WHERE cover_id IS NOT NULL AND merged_into IS NULL "
        "AND (published = 1 OR cover_manual = 1)"
    )
    return {int(row[0]): int(row[1]) for row in rows}


def restore_covers(conn: sqlite3.Connection, covers: Mapping[int, int]) -> int:
    """Put those covers back where they still belong to their album; kept by hand from then on."""
    restored = 0
    with transaction(conn):
        for album_id, cover_id in covers.items():
            restored += conn.execute(
                "UPDATE albums SET cover_id = ?, cover_manual = 1 WHERE id = ? AND cover_id IS NOT ? "
                "AND EXISTS (SELECT 1 FROM album_photos WHERE album_id = ? AND photo_id = ? AND hidden = 0)",
                (cover_id, album_id, cover_id, album_id, cover_id),
            ).rowcount
    return restored


def forget_mtime_dates(conn: sqlite3.Connection, import_id: int) -> int:
    """An upload's file time is the upload's time, not the capture's: leave those photos undated."""
    with transaction(conn):
        return conn.execute(
            "UPDATE photos SET camera_time = NULL, camera_offset = NULL, date_source = NULL "
            "WHERE import_id = ? AND date_source = 'mtime'",
            (import_id,),
        ).rowcount


def relabel_import_paths(conn: sqlite3.Connection, import_id: int, prefix: str, label: str) -> None:
    """Replace a server folder at the start of an import's reported paths by a label (uploads)."""
    with transaction(conn):
        for table, column in (("import_files", "path"), ("photos", "source_path")):
            conn.execute(
                f"UPDATE {table} SET {column} = ? || substr({column}, ?) WHERE import_id = ? AND substr({column}, 1, ?) = ?",
                (label, len(prefix) + 1, import_id, len(prefix), prefix),
            )


# -- viewer and search (H6) -----------------------------------------------------------------------
# `match` is an FTS5 expression built by search.match_expression (never the visitor's raw text).
# Local days compare a photo's local time string with ISO dates: `since <= taken_at_local < before`.

PHOTO_HIT_COLUMNS = (
    "p.id, p.sha256, p.width, p.height, p.grid_width, p.grid_height, p.placeholder, p.place, p.country, "
    "p.taken_at_utc, p.taken_at_local, p.timezone, p.time_source, p.make, p.model, p.media_type, p.duration, "
    "p.caption, a.slug AS album_slug, a.title AS album_title, COALESCE(ap.hidden, 0) AS hidden"
)


def find_photos(
    conn: sqlite3.Connection,
    match: str | None,
    local_days: tuple[str | None, str | None, str | None] = (None, None, None),
    place: tuple[str, str | None] | None = None,
    public_only: bool = True,
    limit: int = 120,
) -> tuple[list[Row], int]:
    """Photos whose words match, taken on those local days, at that (place, country); and how many."""
    where, params = _photo_filters(match, local_days, place)
    if public_only:
        source = f"{PUBLIC_PHOTOS} AND {where}"
    else:
        source = (
            "FROM photos p LEFT JOIN album_photos ap ON ap.photo_id = p.id LEFT JOIN albums a ON a.id = ap.album_id "
            f"WHERE {where}"
        )
    total = int(conn.execute(f"SELECT COUNT(*) {source}", params).fetchone()[0])
    rows = conn.execute(
        f"SELECT {PHOTO_HIT_COLUMNS} {source} ORDER BY p.taken_at_utc DESC, p.id LIMIT ?", [*params, limit]
    )
    return dicts(rows), total


def _photo_filters(
    match: str | None, local_days: tuple[str | None, str | None, str | None], place: tuple[str, str | None] | None
) -> tuple[str, list[Any]]:
    where: list[str] = ["p.trashed_at IS NULL"]  # the trash is found by no search, not even an admin's
    params: list[Any] = []
    if match:
        where.append("p.id IN (SELECT rowid FROM photo_search WHERE photo_search MATCH ?)")
        params.append(match)
    since, before, month = local_days
    if since or before or month:
        where.append(f"p.taken_at_local IS NOT NULL AND {CERTAIN_DATE}")
    for condition, value in (("p.taken_at_local >= ?", since), ("p.taken_at_local < ?", before)):
        if value:
            where.append(condition)
            params.append(value)
    if month:
        where.append("substr(p.taken_at_local, 6, 2) = ?")
        params.append(month)
    if place:
        where.append("p.place = ? AND (p.country = ? OR ? IS NULL)")
        params += [place[0], place[1], place[1]]
    return " AND ".join(where), params


def find_albums(conn: sqlite3.Connection, match: str | None, published_only: bool = True) -> list[Row]:
    """Albums whose title, description or place match (all of them without `match`), newest first."""
    where, params = ["a.merged_into IS NULL", "a.photo_count > 0"], []
    if published_only:
        where.append("a.published = 1")
    if match:
        where.append("a.id IN (SELECT rowid FROM album_search WHERE album_search MATCH ?)")
        params.append(match)
    return dicts(conn.execute(f"{ALBUM_SELECT} WHERE {' AND '.join(where)} ORDER BY a.start_utc DESC, a.id", params))


def albums_at_place(conn: sqlite3.Connection, place: str, country: str | None) -> list[Row]:
    """Published albums holding public photos taken at that place: what /places counts."""
    return dicts(
        conn.execute(
            f"{ALBUM_SELECT} WHERE a.id IN (SELECT a.id {PUBLIC_PHOTOS} AND p.place = ? AND (p.country = ? OR ? IS NULL)) "
            "ORDER BY a.start_utc DESC, a.id",
            (place, country, country),
        )
    )


# -- Media kinds (issue 12): companions (RAW beside its JPEG, sidecars) -------------------------

COMPANION_COLUMNS = (
    "sha256",
    "photo_sha256",
    "role",
    "path",
    "original_name",
    "source_path",
    "format",
    "size",
    "camera_time",
    "device",
    "import_id",
    "imported_at",
)


def insert_companion(conn: sqlite3.Connection, row: Mapping[str, Any]) -> None:
    values = [row.get(column) for column in COMPANION_COLUMNS]
    marks = ", ".join("?" for _ in COMPANION_COLUMNS)
    conn.execute(f"INSERT INTO companions ({', '.join(COMPANION_COLUMNS)}) VALUES ({marks})", values)


def get_companion(conn: sqlite3.Connection, sha256: str) -> Row | None:
    row = conn.execute("SELECT * FROM companions WHERE sha256 = ?", (sha256,)).fetchone()
    return dict(row) if row else None


def companions_of(conn: sqlite3.Connection, photo_sha256: str) -> list[Row]:
    """Every other original of an item (RAW, sidecars), in a stable order."""
    return dicts(conn.execute("SELECT * FROM companions WHERE photo_sha256 = ? ORDER BY role, id", (photo_sha256,)))


def waiting_companions(conn: sqlite3.Connection) -> list[Row]:
    """Companions archived before their main file arrived."""
    return dicts(conn.execute("SELECT * FROM companions WHERE photo_sha256 IS NULL ORDER BY id"))


def attach_companion(conn: sqlite3.Connection, sha256: str, photo_sha256: str) -> None:
    conn.execute("UPDATE companions SET photo_sha256 = ? WHERE sha256 = ?", (photo_sha256, sha256))


def photos_by_stem(conn: sqlite3.Connection, stem: str) -> list[Row]:
    """Items whose original file name is `stem` plus one extension (sidecar and RAW+JPEG matching)."""
    pattern = stem.replace("!", "!!").replace("%", "!%").replace("_", "!_") + ".%"
    rows = conn.execute("SELECT * FROM photos WHERE original_name LIKE ? ESCAPE '!'", (pattern,))
    return [dict(row) for row in rows if "." not in row["original_name"][len(stem) + 1 :]]


def photos_by_content_id(conn: sqlite3.Connection, content_id: str) -> list[Row]:
    """Items carrying Apple's ContentIdentifier `content_id` (a Live Photo's still and its MOV)."""
    return dicts(conn.execute("SELECT * FROM photos WHERE content_id = ? ORDER BY id", (content_id,)))


def set_media_identity(conn: sqlite3.Connection, old_sha256: str, row: Mapping[str, Any]) -> None:
    """Replace an item's main original (a RAW that becomes the companion of its newly arrived JPEG)."""
    assignments = ", ".join(f"{column} = ?" for column in row)
    conn.execute(f"UPDATE photos SET {assignments} WHERE sha256 = ?", [*row.values(), old_sha256])


def photos_of_import(conn: sqlite3.Connection, import_id: int) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM photos WHERE import_id = ? ORDER BY id", (import_id,)))


def demote_to_companion(conn: sqlite3.Connection, photo: Mapping[str, Any], main_sha256: str, role: str) -> None:
    """An item becomes another item's companion (a RAW of a RAW+JPEG pair); its sidecars follow it."""
    insert_companion(
        conn,
        {
            **{column: photo.get(column) for column in COMPANION_COLUMNS},
            "photo_sha256": main_sha256,
            "role": role,
        },
    )
    conn.execute("UPDATE companions SET photo_sha256 = ? WHERE photo_sha256 = ?", (main_sha256, photo["sha256"]))
    conn.execute("DELETE FROM photos WHERE sha256 = ?", (photo["sha256"],))


def companion_item(conn: sqlite3.Connection, sha256: str) -> str | None:
    """The item a companion belongs to (a published RAW's URL redirects there)."""
    row = conn.execute("SELECT photo_sha256 FROM companions WHERE sha256 = ?", (sha256,)).fetchone()
    return row[0] if row else None


def iter_companions(conn: sqlite3.Connection) -> list[Row]:
    return dicts(conn.execute("SELECT * FROM companions ORDER BY id"))


# -- regroup (issue 10): what an incremental regroup reads and writes ----------------------------------


def iter_dating(conn: sqlite3.Connection, chunk: int = 5000, with_undated: bool = False) -> Iterator[Row]:
    """Every photo's id and the columns that say whether and when it is dated, streamed in chunks."""
    where = " WHERE trashed_at IS NULL" + (
        "" if with_undated else " AND taken_at_utc IS NOT NULL"
    )  # the trash is in no album
    cursor = conn.execute(f"SELECT id, taken_at_utc, time_source, date_source FROM photos{where}")
    while rows := cursor.fetchmany(chunk):
        yield from (dict(row) for row in rows)


def iter_photo_chunks(conn: sqlite3.Connection, chunk: int = 5000) -> Iterator[list[Row]]:
    """Every photo, in id order, a chunk at a time (a full pass that never holds every row twice)."""
    last = 0
    while rows := dicts(conn.execute("SELECT * FROM photos WHERE id > ? ORDER BY id LIMIT ?", (last, chunk))):
        yield rows
        last = rows[-1]["id"]


def memberships_of(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> list[Row]:
    out: list[Row] = []
    for start in range(0, len(photo_ids), 500):
        part = photo_ids[start : start + 500]
        marks = ", ".join("?" for _ in part)
        out += dicts(conn.execute(f"SELECT * FROM album_photos WHERE photo_id IN ({marks})", part))
    return out


def replace_memberships(
    conn: sqlite3.Connection, photo_ids: Sequence[int], rows: Iterable[tuple[int, int, int, int]]
) -> None:
    """Replace the memberships of these photos only: (photo_id, album_id, pinned, hidden)."""
    for start in range(0, len(photo_ids), 500):
        part = photo_ids[start : start + 500]
        conn.execute(f"DELETE FROM album_photos WHERE photo_id IN ({', '.join('?' for _ in part)})", part)
    conn.executemany("INSERT INTO album_photos (photo_id, album_id, pinned, hidden) VALUES (?, ?, ?, ?)", rows)


TIMING_COLUMNS = (
    "id, device, camera_time, camera_offset, date_source, gps_time, lat, lon, clock_shift, import_zone, "
    "manual_time, manual_zone, taken_at_utc, timezone, taken_at_local, time_source, "
    "place, country, venue, place_lat, place_lon, place_inferred, original_name"
)


def timing_rows(conn: sqlite3.Connection, import_id: int | None = None, chunk: int = 5000) -> Iterator[Row]:
    """What re-timing and re-placing read of each photo (not the whole row), streamed in chunks."""
    where = "" if import_id is None else " WHERE import_id = ?"
    cursor = conn.execute(
        f"SELECT {TIMING_COLUMNS} FROM photos{where} ORDER BY COALESCE(taken_at_utc, camera_time), id",
        () if import_id is None else (import_id,),
    )
    while rows := cursor.fetchmany(chunk):
        yield from (dict(row) for row in rows)


DEVICE_KEY = "COALESCE(NULLIF(device, ''), 'unknown')"  # what re-timing calls a photo's device


# A camera time moved by an import's --clock-offset, as re-timing reads it (H25): only where it moved.
_SHIFTED = "CASE WHEN clock_shift THEN datetime(camera_time, clock_shift || ' seconds') END"


def device_spans(conn: sqlite3.Connection) -> list[tuple[str | None, ...]]:
    """Each device's first and last camera time (as written, and as --clock-offset moved it) and UTC
    time (ISO text): one pass over the index-free table."""
    return [
        tuple(row)
        for row in conn.execute(
            f"SELECT {DEVICE_KEY}, MIN(camera_time), MAX(camera_time), MIN({_SHIFTED}), MAX({_SHIFTED}), "
            f"MIN(taken_at_utc), MAX(taken_at_utc) FROM photos GROUP BY {DEVICE_KEY}"
        )
    ]


def devices_of_photos(conn: sqlite3.Connection, ids: Iterable[int]) -> set[str]:
    out: set[str] = set()
    chosen = list(ids)
    for at in range(0, len(chosen), 500):
        part = chosen[at : at + 500]
        marks = ",".join("?" * len(part))
        out.update(
            row[0] for row in conn.execute(f"SELECT DISTINCT {DEVICE_KEY} FROM photos WHERE id IN ({marks})", part)
        )
    return out


def stored_clocks(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What `save_device_clocks` keeps of these devices (hand-set ones as they read back)."""
    chosen = sorted(keys)
    out: dict[str, dict[str, Any]] = {}
    for at in range(0, len(chosen), 500):
        part = chosen[at : at + 500]
        marks = ",".join("?" * len(part))
        for row in conn.execute(
            "SELECT key, name, offset_seconds, offset_source, confidence, note, candidates, manual "
            f"FROM devices WHERE key IN ({marks})",
            part,
        ):
            out[row["key"]] = dict(row)
    return out


def timing_rows_of_devices(conn: sqlite3.Connection, keys: Iterable[str], chunk: int = 5000) -> Iterator[Row]:
    """`timing_rows` of these devices' photos only, streamed."""
    chosen = sorted(keys)
    for at in range(0, len(chosen), 500):
        part = chosen[at : at + 500]
        marks = ",".join("?" * len(part))
        cursor = conn.execute(
            f"SELECT {TIMING_COLUMNS} FROM photos WHERE {DEVICE_KEY} IN ({marks}) "
            "ORDER BY COALESCE(taken_at_utc, camera_time), id",
            part,
        )
        while rows := cursor.fetchmany(chunk):
            yield from (dict(row) for row in rows)


def photo_ids_of_import(conn: sqlite3.Connection, import_id: int) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM photos WHERE import_id = ?", (import_id,))]


# -- cost that follows the change (issue 10, H14) -------------------------------------------------------


def photos_seen_by_import(conn: sqlite3.Connection, import_id: int) -> list[Row]:
    """The photos an import archived, restored or found already archived (its files' outcomes)."""
    return dicts(
        conn.execute(
            "SELECT * FROM photos WHERE import_id = ? OR sha256 IN"
            " (SELECT sha256 FROM import_files WHERE import_id = ? AND sha256 IS NOT NULL) ORDER BY id",
            (import_id, import_id),
        )
    )


def companions_of_import(conn: sqlite3.Connection, import_id: int) -> list[Row]:
    """The companions an import archived, and those of the photos it archived."""
    return dicts(
        conn.execute(
            "SELECT * FROM companions WHERE import_id = ? OR photo_sha256 IN"
            " (SELECT sha256 FROM photos WHERE import_id = ?) ORDER BY id",
            (import_id, import_id),
        )
    )


def empty_album_ids(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM albums WHERE id NOT IN (SELECT album_id FROM album_photos)")]


def dating_from(conn: sqlite3.Connection, utc_iso: str, later: bool) -> Iterator[Row]:
    """Photos with a UTC time from `utc_iso` on (or back), nearest first, read lazily (the index)."""
    sign, order = (">=", "ASC") if later else ("<=", "DESC")
    cursor = conn.execute(
        "SELECT id, taken_at_utc, time_source, date_source FROM photos "
        f"WHERE taken_at_utc {sign} ? AND trashed_at IS NULL ORDER BY taken_at_utc {order}",  # as iter_dating
        (utc_iso,),
    )
    while rows := cursor.fetchmany(200):
        yield from (dict(row) for row in rows)


def dating_between(conn: sqlite3.Connection, first_iso: str, last_iso: str) -> list[Row]:
    return dicts(
        conn.execute(
            "SELECT id, taken_at_utc, time_source, date_source FROM photos"
            " WHERE taken_at_utc BETWEEN ? AND ? AND trashed_at IS NULL",
            (first_iso, last_iso),
        )
    )


# The photo columns regrouping reads (gallery/regroup.py): an album's members, without the rest.
REGROUP_COLUMNS = (
    "p.id, p.taken_at_utc, p.taken_at_local, p.timezone, p.time_source, p.date_source, p.place, p.country, "
    "p.place_lat, p.place_lon, p.place_inferred, p.sharpness, ap.hidden, ap.pinned"
)


def album_members(conn: sqlite3.Connection, album_id: int) -> list[Row]:
    return _album_photos(conn, album_id, True, REGROUP_COLUMNS)


# -- backups (issue 15) ----------------------------------------------------------------------------


def backup_into(conn: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of `conn` into `target`: consistent while others read and write, one
    self-contained file (no -wal to carry)."""
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        copy.commit()
    finally:
        copy.close()


def archived_files(conn: sqlite3.Connection) -> list[Row]:
    """Every original the catalog names, main files and companions (RAW, sidecars): sha256, path, size."""
    return dicts(
        conn.execute("SELECT sha256, path, size FROM photos UNION ALL SELECT sha256, path, size FROM companions")
    )


# -- trash (admin curation) -----------------------------------------------------------------------


def trash_photos(conn: sqlite3.Connection, ids: Sequence[int], at: str) -> None:
    """Mark photos as trashed, remembering their album; they leave every album at once."""
    for photo_id in ids:
        conn.execute(
            "UPDATE photos SET trashed_at = ?, trashed_from = "
            "(SELECT album_id FROM album_photos WHERE photo_id = photos.id) WHERE id = ?",
            (at, photo_id),
        )
        conn.execute("DELETE FROM album_photos WHERE photo_id = ?", (photo_id,))
        conn.execute("UPDATE albums SET cover_id = NULL, cover_manual = 0 WHERE cover_id = ?", (photo_id,))


def untrash_photos(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Row]:
    """Take photos out of the trash; returns their rows as they were (with trashed_from)."""
    rows = get_photos(conn, ids)
    conn.executemany("UPDATE photos SET trashed_at = NULL, trashed_from = NULL WHERE id = ?", [(i,) for i in ids])
    return rows


def trashed_photos(conn: sqlite3.Connection, before: str | None = None) -> list[Row]:
    """Photos in the trash (trashed before `before` if given), oldest first, with their former album."""
    where, args = ("p.trashed_at IS NOT NULL", []) if before is None else ("p.trashed_at < ?", [before])
    return dicts(
        conn.execute(
            "SELECT p.*, a.slug AS from_slug, a.title AS from_title FROM photos p "
            f"LEFT JOIN albums a ON a.id = p.trashed_from WHERE {where} ORDER BY p.trashed_at, p.id",
            args,
        )
    )


def delete_companions(conn: sqlite3.Connection, shas: Sequence[str]) -> None:
    conn.executemany("DELETE FROM companions WHERE sha256 = ?", [(sha,) for sha in shas])


def delete_photo(conn: sqlite3.Connection, photo_id: int) -> None:
    conn.execute("DELETE FROM album_photos WHERE photo_id = ?", (photo_id,))
    conn.execute("DELETE FROM photos WHERE id = ?", (photo_id,))


# -- map and paging (H7) --------------------------------------------------------------------------


def count_album_photos(conn: sqlite3.Connection, album_id: int, include_hidden: bool = True) -> int:
    hidden = "" if include_hidden else " AND hidden = 0"
    return int(conn.execute(f"SELECT COUNT(*) FROM album_photos WHERE album_id = ?{hidden}", (album_id,)).fetchone()[0])


def album_page(
    conn: sqlite3.Connection, album_id: int, include_hidden: bool, limit: int, offset: int, columns: str = _TILE_COLUMNS
) -> list[Row]:
    """One page of an album's photos, in the same order as album_photos.

    The page is cut from the album_photos_order index alone (the skipped rows never touch `photos`)."""
    hidden = "" if include_hidden else " AND hidden = 0"
    return dicts(
        conn.execute(
            f"SELECT {columns} FROM (SELECT * FROM album_photos WHERE album_id = ?{hidden} "
            "ORDER BY sort_key, photo_id LIMIT ? OFFSET ?) ap JOIN photos p ON p.id = ap.photo_id "
            "ORDER BY ap.sort_key, ap.photo_id",
            (album_id, limit, offset),
        )
    )


def album_neighbours(
    conn: sqlite3.Connection, album_id: int, sha256: str, include_hidden: bool
) -> tuple[int, int, str | None, str | None]:
    """(position from 1, total, previous sha256, next sha256) of a photo in its album, without loading the album.

    (0, total, None, None) when the photo is not among the album's photos this viewer sees."""
    hidden = "" if include_hidden else " AND ap.hidden = 0"
    total = count_album_photos(conn, album_id, include_hidden)
    here = conn.execute(
        f"SELECT ap.sort_key, ap.photo_id FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
        f"WHERE ap.album_id = ? AND p.sha256 = ?{hidden}",
        (album_id, sha256),
    ).fetchone()
    if here is None:
        return 0, total, None, None
    key = (album_id, here[0], here[1])
    before = conn.execute(
        f"SELECT COUNT(*) FROM album_photos ap WHERE ap.album_id = ? AND (ap.sort_key, ap.photo_id) < (?, ?){hidden}",
        key,
    ).fetchone()[0]
    return int(before) + 1, total, _neighbour(conn, key, hidden, "<", "DESC"), _neighbour(conn, key, hidden, ">", "")


def _neighbour(conn: sqlite3.Connection, key: tuple[int, str, int], hidden: str, sign: str, order: str) -> str | None:
    row = conn.execute(
        "SELECT p.sha256 FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
        f"WHERE ap.album_id = ? AND (ap.sort_key, ap.photo_id) {sign} (?, ?){hidden} "
        f"ORDER BY ap.sort_key {order}, ap.photo_id {order} LIMIT 1",
        key,
    ).fetchone()
    return str(row[0]) if row else None


def timeline_months(conn: sqlite3.Connection) -> list[Row]:
    """Months (UTC, YYYY-MM) holding published, surely dated photos, newest first, with counts."""
    return dicts(
        conn.execute(
            f"SELECT SUBSTR(p.taken_at_utc, 1, 7) AS month, COUNT(*) AS photos {PUBLIC_PHOTOS} "
            f"AND p.taken_at_utc IS NOT NULL AND {CERTAIN_DATE} GROUP BY SUBSTR(p.taken_at_utc, 1, 7) ORDER BY month DESC"
        )
    )


def timeline_page(conn: sqlite3.Connection, before: str | None, limit: int, offset: int) -> list[Row]:
    """Published photos taken before `before` (an ISO instant, or None), newest first."""
    bound, params = "", []
    if before:
        bound = " AND p.taken_at_utc < ?"
        params.append(before)
    return dicts(
        conn.execute(
            f"SELECT {TIMELINE_COLUMNS}, a.slug AS album_slug, a.title AS album_title {PUBLIC_PHOTOS} "
            f"AND p.taken_at_utc IS NOT NULL AND {CERTAIN_DATE}{bound} ORDER BY p.taken_at_utc DESC, p.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
    )


TIMELINE_COLUMNS = (
    "p.sha256, p.width, p.height, p.grid_width, p.grid_height, p.placeholder, p.place, p.taken_at_utc, "
    "p.taken_at_local, p.timezone, p.time_source, p.make, p.model, p.media_type, p.duration, p.caption"
)


def map_places(conn: sqlite3.Connection, album_ids: Sequence[int], include_hidden: bool) -> list[Row]:
    """Per album and town: photo count, the mean position (snapped to the town by the caller), first instant."""
    if not album_ids:
        return []
    marks = ",".join("?" * len(album_ids))
    hidden = "" if include_hidden else " AND ap.hidden = 0"
    return dicts(
        conn.execute(
            "SELECT a.id AS album_id, a.slug, a.title, p.place, p.country, COUNT(*) AS photos, AVG(p.lat) AS lat, "
            "AVG(p.lon) AS lon, MIN(COALESCE(p.taken_at_utc, p.camera_time)) AS first_at "
            "FROM album_photos ap JOIN photos p ON p.id = ap.photo_id JOIN albums a ON a.id = ap.album_id "
            f"WHERE ap.album_id IN ({marks}){hidden} AND p.lat IS NOT NULL AND p.lon IS NOT NULL "
            "AND p.place IS NOT NULL GROUP BY a.id, a.slug, a.title, p.place, p.country ORDER BY first_at",
            list(album_ids),
        )
    )


def map_positions(conn: sqlite3.Connection, album_id: int, include_hidden: bool, limit: int = 5000) -> list[Row]:
    """Exact positions of an album's photos in time order (for albums that show positions)."""
    hidden = "" if include_hidden else " AND ap.hidden = 0"
    return dicts(
        conn.execute(
            "SELECT p.sha256, p.lat, p.lon, p.place FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
            f"WHERE ap.album_id = ?{hidden} AND p.lat IS NOT NULL AND p.lon IS NOT NULL "
            "ORDER BY ap.sort_key, ap.photo_id LIMIT ?",
            (album_id, limit),
        )
    )


# -- the nginx front: public videos (issue 15, follow-up) -----------------------------------------


def public_video_shas(conn: sqlite3.Connection) -> set[str]:
    """sha256 of every video an anonymous visitor may play: their web copies go in the public tree."""
    return {row[0] for row in conn.execute(f"SELECT p.sha256 {PUBLIC_PHOTOS} AND p.media_type = 'video'")}


# -- the static copy (H10) ------------------------------------------------------------------------
def import_sources(conn: sqlite3.Connection) -> list[str]:
    """Every folder ever imported from (an export must never be written into one)."""
    found: set[str] = set()
    for (sources,) in conn.execute("SELECT sources FROM imports"):
        try:
            found.update(str(s) for s in json.loads(sources or "[]"))
        except (TypeError, ValueError):
            continue
    return sorted(found)


# -- the nginx front: share folders (issue 15, follow-up) -----------------------------------------


def shared_photo_shas(conn: sqlite3.Connection, share_ids: Sequence[int]) -> dict[int, tuple[str | None, set[str]]]:
    """For each share among `share_ids` that still opens its album (see get_share): its expiry
    (or None) and the sha256 of its album's photos that are not hidden."""
    if not share_ids:
        return {}
    marks = ", ".join("?" for _ in share_ids)
    found: dict[int, tuple[str | None, set[str]]] = {}
    rows = conn.execute(
        "SELECT s.id, s.expires_at, p.sha256 FROM shares s JOIN albums a ON a.id = s.album_id "
        "LEFT JOIN album_photos ap ON ap.album_id = a.id AND ap.hidden = 0 LEFT JOIN photos p ON p.id = ap.photo_id "
        f"WHERE s.id IN ({marks}) AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?) "
        "AND a.merged_into IS NULL",
        [*share_ids, now_iso()],
    )
    for share_id, expires_at, sha256 in rows:
        shas = found.setdefault(int(share_id), (expires_at, set()))[1]
        if sha256 is not None:
            shas.add(sha256)
    return found


# -- album redirects (H18) ------------------------------------------------------------------------


def change_album_slug(conn: sqlite3.Connection, album_id: int, slug: str) -> None:
    """Give an album a new slug; its old one becomes an alias (and one of its aliases may come back)."""
    old = conn.execute("SELECT slug FROM albums WHERE id = ?", (album_id,)).fetchone()
    if old is None or old[0] == slug:
        return
    conn.execute("DELETE FROM album_aliases WHERE slug = ?", (slug,))  # the album now holds it
    conn.execute("UPDATE albums SET slug = ?, updated_at = ? WHERE id = ?", (slug, now_iso(), album_id))
    conn.execute(
        "INSERT OR REPLACE INTO album_aliases (slug, album_id, created_at) VALUES (?, ?, ?)",
        (old[0], album_id, now_iso()),
    )


def move_album_aliases(conn: sqlite3.Connection, from_album: int, to_album: int) -> None:
    """A merged album's aliases lead straight to the album it was merged into (chains collapse)."""
    conn.execute("UPDATE album_aliases SET album_id = ? WHERE album_id = ?", (to_album, from_album))


def album_aliases(conn: sqlite3.Connection, album_id: int) -> list[str]:
    return [
        row[0] for row in conn.execute("SELECT slug FROM album_aliases WHERE album_id = ? ORDER BY slug", (album_id,))
    ]


def album_moved_to(conn: sqlite3.Connection, slug: str) -> AlbumRow | None:
    """The album an old slug now leads to (through an alias, then merges), or None.

    None when an album holds the slug itself (a new album taking an old slug wins over the alias),
    or when the slug leads nowhere (deleted albums take their aliases with them)."""
    row = conn.execute("SELECT id, merged_into FROM albums WHERE slug = ?", (slug,)).fetchone()
    if row is not None:
        album_id = row[1]
    else:
        alias = conn.execute("SELECT album_id FROM album_aliases WHERE slug = ?", (slug,)).fetchone()
        album_id = alias[0] if alias else None
    seen: set[int] = set()
    while album_id is not None and album_id not in seen:
        seen.add(album_id)
        target = get_album_by_id(conn, album_id)
        if target is None or target["merged_into"] is None:
            return target
        album_id = target["merged_into"]
    return None


def album_redirects(conn: sqlite3.Connection) -> list[tuple[str, AlbumRow]]:
    """Every old slug (aliases, merged albums) with the album it leads to; callers check who may see it."""
    olds = [
        row[0]
        for row in conn.execute(
            "SELECT slug FROM album_aliases UNION SELECT slug FROM albums WHERE merged_into IS NOT NULL"
        )
    ]
    out = []
    for old in sorted(olds):
        target = album_moved_to(conn, old)
        if target is not None:
            out.append((old, target))
    return out


# -- captions written by staff (H17) --------------------------------------------------------------


def set_caption(conn: sqlite3.Connection, sha256: str, caption: str | None) -> bool:
    """Write (or clear, with None) a photo's caption; False when no photo outside the trash has that sha256."""
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE photos SET caption = ? WHERE sha256 = ? AND trashed_at IS NULL", (caption, sha256)
        )
    return cursor.rowcount == 1


# -- scoped refresh after a programme, venue or offset change (issue 10, H25) ----------------------


def device_sources(conn: sqlite3.Connection) -> dict[str, str | None]:
    """Each stored device's clock source ('gps', 'alignment', 'manual', None)."""
    return {row[0]: row[1] for row in conn.execute("SELECT key, offset_source FROM devices")}


def placed_near(conn: sqlite3.Connection, circles: Iterable[tuple[float, float, float]]) -> Iterator[Row]:
    """Photos (the trash too) whose placed position lies in the box around each (lat, lon, metres)."""
    seen: set[int] = set()
    for lat, lon, metres in circles:
        dlat = metres * 1.01 / 111_000 + 1e-4
        dlon = min(180.0, dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 90.0))), 1e-6))
        cursor = conn.execute(
            "SELECT id, place_lat, place_lon, place, country, venue FROM photos"
            " WHERE place_lat BETWEEN ? AND ? AND place_lon IS NOT NULL",
            (lat - dlat, lat + dlat),
        )
        for row in cursor:
            near = abs((row["place_lon"] - lon + 180) % 360 - 180) <= dlon
            if near and row["id"] not in seen:
                seen.add(row["id"])
                yield dict(row)


# -- gallery reread (H24) ---------------------------------------------------------------------------


def photos_to_reread(conn: sqlite3.Connection, below: int | None) -> list[Row]:
    """Every photo (below=None), or those whose tags a reader older than version `below` read."""
    if below is None:
        return dicts(conn.execute("SELECT * FROM photos ORDER BY id"))
    return dicts(conn.execute("SELECT * FROM photos WHERE read_version < ? ORDER BY id", (below,)))


def device_offset_is_manual(conn: sqlite3.Connection, key: str | None) -> bool:
    """Whether staff set this device's clock offset by hand (its photos keep their device then)."""
    found = conn.execute("SELECT manual FROM devices WHERE key = ?", (key,)).fetchone()
    return bool(found and found[0])
