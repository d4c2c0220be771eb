"""Schema migrations, applied in order by catalog.migrate(). Never edit a released one: add the next."""

from __future__ import annotations

V1_ARCHIVE = """
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    sources TEXT NOT NULL,
    options TEXT NOT NULL,
    imported INTEGER, duplicates INTEGER, skipped INTEGER, rejected INTEGER
);
CREATE TABLE import_files (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    sha256 TEXT
);
CREATE INDEX import_files_import ON import_files(import_id);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_dir TEXT NOT NULL,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    grid_width INTEGER NOT NULL,
    grid_height INTEGER NOT NULL,
    sharpness REAL,
    orientation INTEGER NOT NULL DEFAULT 1,
    placeholder TEXT,
    import_id INTEGER REFERENCES imports(id),
    imported_at TEXT NOT NULL,
    camera_time TEXT,
    camera_offset INTEGER,
    date_source TEXT,
    gps_time TEXT,
    lat REAL,
    lon REAL,
    altitude REAL,
    make TEXT, model TEXT, serial TEXT, lens TEXT,
    exposure TEXT, aperture REAL, iso INTEGER, focal_length REAL,
    description TEXT,
    bad_tags TEXT,
    device TEXT,
    import_zone TEXT,
    clock_shift INTEGER,
    taken_at_utc TEXT,
    timezone TEXT,
    taken_at_local TEXT,
    time_source TEXT NOT NULL DEFAULT 'unknown',
    place TEXT,
    country TEXT,
    place_lat REAL,
    place_lon REAL,
    place_inferred INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX photos_taken ON photos(taken_at_utc);
CREATE INDEX photos_device ON photos(device)
"""

V2_DEVICES_PLACES = """
CREATE TABLE devices (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    offset_seconds INTEGER,
    offset_source TEXT,
    confidence REAL,
    note TEXT NOT NULL DEFAULT '',
    manual INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    radius_m REAL NOT NULL,
    town TEXT,
    country TEXT
);
ALTER TABLE photos ADD COLUMN venue TEXT
"""

V3_MISSIONS_ALBUMS = """
CREATE TABLE missions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    timezone TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE TABLE mission_events (
    id INTEGER PRIMARY KEY,
    mission_id INTEGER NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    description TEXT,
    start_utc TEXT NOT NULL,
    end_utc TEXT NOT NULL,
    lat REAL,
    lon REAL,
    radius_m REAL NOT NULL DEFAULT 1000,
    place TEXT,
    position INTEGER NOT NULL,
    UNIQUE (mission_id, name)
);
CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_manual INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    cover_id INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    cover_manual INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0,
    mission_id INTEGER REFERENCES missions(id) ON DELETE SET NULL,
    mission_event_id INTEGER UNIQUE REFERENCES mission_events(id) ON DELETE SET NULL,
    merged_into INTEGER REFERENCES albums(id) ON DELETE SET NULL,
    start_utc TEXT,
    end_utc TEXT,
    timezone TEXT,
    place TEXT,
    country TEXT,
    photo_count INTEGER NOT NULL DEFAULT 0,
    explain TEXT NOT NULL DEFAULT '[]',
    edited INTEGER NOT NULL DEFAULT 0,
    show_location INTEGER NOT NULL DEFAULT 0,
    allow_originals INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE album_photos (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    pinned INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX album_photos_album ON album_photos(album_id);
CREATE TABLE album_splits (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    at_utc TEXT NOT NULL,
    new_album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE
)
"""

V4_ACCOUNTS_SHARES = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE shares (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    password_hash TEXT,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    hint TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shares_album ON shares(album_id)
"""

# One convention for offsets: the devices table keeps the correction set-offset takes (learned
# ones were camera minus UTC: forgotten here, the next refresh writes them again), and the ranked
# candidate corrections of a device that could not be aligned, as JSON.
V5_DEVICE_CANDIDATES = """
ALTER TABLE devices ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]';
UPDATE devices SET offset_seconds = NULL WHERE manual = 0
"""

V6_MANUAL_DATES = """
ALTER TABLE photos ADD COLUMN manual_time TEXT;
ALTER TABLE photos ADD COLUMN manual_zone TEXT
"""

# Rate-limit attempts (logins, share passwords, share-token guesses), counted in the catalog so that
# the limits hold across worker processes: one row per attempt, forgotten after its window.
V7_LOGIN_ATTEMPTS = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX attempts_key ON attempts(key, at);
CREATE INDEX attempts_at ON attempts(at)
"""

# -- viewer and search (H6) -----------------------------------------------------------------------
# Full-text search (FTS5, accents and case folded: `melee` finds « Mêlée »), kept by triggers so
# that every writer (import, regroup, admin edits, a hand-run sqlite3) keeps it true. Photos are
# found by place and camera; `note` (the camera's ImageDescription, the programme's venue) is
# searched for admins only, as those fields are shown to admins only. Albums by title,
# description and place, with their mission's title taken out of the title (« Autres photos —
# Mission Marseille–Toulouse 2017 » is not in Toulouse): q=Toulouse is what is in Toulouse.
# Dates in words (« septembre 2017 ») are read from the query, not indexed (gallery/search.py).
# PostgreSQL would use a tsvector column with unaccent behind the same catalog functions.
V8_SEARCH = """
CREATE INDEX photos_local ON photos(taken_at_local);
CREATE VIRTUAL TABLE photo_search USING fts5(place, camera, note, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE album_search USING fts5(title, description, place, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO photo_search (rowid, place, camera, note)
    SELECT id, COALESCE(place, ''), TRIM(COALESCE(make, '') || ' ' || COALESCE(model, '') || ' ' || COALESCE(lens, '')),
        TRIM(COALESCE(description, '') || ' ' || COALESCE(venue, '')) FROM photos;
INSERT INTO album_search (rowid, title, description, place)
    SELECT a.id, REPLACE(a.title, COALESCE((SELECT m.title FROM missions m WHERE m.id = a.mission_id), ''), ''),
        a.description, COALESCE(a.place, '') FROM albums a;
CREATE TRIGGER photo_search_insert AFTER INSERT ON photos BEGIN
    INSERT INTO photo_search (rowid, place, camera, note) VALUES (new.id, COALESCE(new.place, ''),
        TRIM(COALESCE(new.make, '') || ' ' || COALESCE(new.model, '') || ' ' || COALESCE(new.lens, '')),
        TRIM(COALESCE(new.description, '') || ' ' || COALESCE(new.venue, '')));
END;
CREATE TRIGGER photo_search_update AFTER UPDATE OF place, make, model, lens, description, venue ON photos BEGIN
    DELETE FROM photo_search WHERE rowid = old.id;
    INSERT INTO photo_search (rowid, place, camera, note) VALUES (new.id, COALESCE(new.place, ''),
        TRIM(COALESCE(new.make, '') || ' ' || COALESCE(new.model, '') || ' ' || COALESCE(new.lens, '')),
        TRIM(COALESCE(new.description, '') || ' ' || COALESCE(new.venue, '')));
END;
CREATE TRIGGER photo_search_delete AFTER DELETE ON photos BEGIN
    DELETE FROM photo_search WHERE rowid = old.id;
END;
CREATE TRIGGER album_search_insert AFTER INSERT ON albums BEGIN
    INSERT INTO album_search (rowid, title, description, place)
        VALUES (new.id, REPLACE(new.title, COALESCE((SELECT title FROM missions WHERE id = new.mission_id), ''), ''),
            new.description, COALESCE(new.place, ''));
END;
CREATE TRIGGER album_search_update AFTER UPDATE OF title, description, place, mission_id ON albums BEGIN
    DELETE FROM album_search WHERE rowid = old.id;
    INSERT INTO album_search (rowid, title, description, place)
        VALUES (new.id, REPLACE(new.title, COALESCE((SELECT title FROM missions WHERE id = new.mission_id), ''), ''),
            new.description, COALESCE(new.place, ''));
END;
CREATE TRIGGER album_search_delete AFTER DELETE ON albums BEGIN
    DELETE FROM album_search WHERE rowid = old.id;
END
"""

# Media kinds (issue 12): a video or RAW is an item like a photo (media_type says which); an item
# can have more originals than its main file (a RAW beside its JPEG, an .xmp, .AAE, .THM, .LRV):
# each is a companion, archived and verified like the main file, never listed on its own. A
# companion whose main file is not (yet) in the catalog waits with photo_sha256 NULL.
V9_MEDIA_KINDS = """
ALTER TABLE photos ADD COLUMN media_type TEXT NOT NULL DEFAULT 'photo';
ALTER TABLE photos ADD COLUMN duration REAL;
ALTER TABLE photos ADD COLUMN codec TEXT;
ALTER TABLE photos ADD COLUMN title TEXT;
ALTER TABLE photos ADD COLUMN rating INTEGER;
ALTER TABLE photos ADD COLUMN keywords TEXT;
CREATE TABLE companions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    photo_sha256 TEXT REFERENCES photos(sha256) ON DELETE SET NULL ON UPDATE CASCADE,
    role TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    camera_time TEXT,
    device TEXT,
    import_id INTEGER REFERENCES imports(id),
    imported_at TEXT NOT NULL
);
CREATE INDEX companions_photo ON companions(photo_sha256)
"""

# The trash (admin curation): a trashed photo leaves every album at once and keeps where it came from,
# so that a restore puts it back; its original leaves media/ only when the trash is emptied.
V10_TRASH = """
ALTER TABLE photos ADD COLUMN trashed_at TEXT;
ALTER TABLE photos ADD COLUMN trashed_from INTEGER;
CREATE INDEX photos_trashed ON photos(trashed_at) WHERE trashed_at IS NOT NULL
"""

# H12: Apple's ContentIdentifier, which pairs a Live Photo's still and MOV when both carry it;
# where a motion photo's MP4 begins inside its JPEG (Google/Samsung), NULL for every other file.
V11_LIVE_PHOTOS = """
ALTER TABLE photos ADD COLUMN content_id TEXT;
ALTER TABLE photos ADD COLUMN motion_offset INTEGER;
CREATE INDEX photos_content_id ON photos(content_id) WHERE content_id IS NOT NULL
"""

# H18: an album's order (its photos' time, then id) kept in album_photos itself, so that a page of a
# big album reads its rows from one index instead of sorting the whole album; triggers keep it right
# whoever writes a membership or re-times a photo (a writer may pass the key itself and skip the
# trigger's look-up). '' sorts first, as NULL did.
V12_ALBUM_ORDER = """
ALTER TABLE album_photos ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE album_photos SET sort_key = COALESCE(
    (SELECT COALESCE(p.taken_at_utc, p.camera_time) FROM photos p WHERE p.id = album_photos.photo_id), ''
);
DROP INDEX album_photos_album;
CREATE INDEX album_photos_order ON album_photos(album_id, sort_key, photo_id, hidden);
CREATE TRIGGER album_photos_sort_key AFTER INSERT ON album_photos WHEN NEW.sort_key = '' BEGIN
    UPDATE album_photos SET sort_key = COALESCE(
        (SELECT COALESCE(p.taken_at_utc, p.camera_time) FROM photos p WHERE p.id = NEW.photo_id), ''
    ) WHERE photo_id = NEW.photo_id;
END;
CREATE TRIGGER photos_sort_key AFTER UPDATE OF taken_at_utc, camera_time ON photos
WHEN COALESCE(OLD.taken_at_utc, OLD.camera_time, '') IS NOT COALESCE(NEW.taken_at_utc, NEW.camera_time, '') BEGIN
    UPDATE album_photos SET sort_key = COALESCE(NEW.taken_at_utc, NEW.camera_time, '') WHERE photo_id = NEW.id;
END
"""

# H18: the slugs an album answered to before (a slug changed); the old URL redirects to the album.
# An album merged into another keeps its own row (merged_into) and redirects through it.
V13_ALBUM_ALIASES = """
CREATE TABLE album_aliases (
    slug TEXT PRIMARY KEY,
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX album_aliases_album ON album_aliases(album_id)
"""

# H16: the title, description and keywords a file carries (embedded XMP, a sidecar) are found by
# search like the camera's description: in `note`, searched for admins only as they are shown to
# admins only. Keywords are their JSON list: the tokenizer splits on its quotes and commas.
_V14_NOTE = (
    "TRIM(COALESCE(new.title, '') || ' ' || COALESCE(new.description, '') || ' ' || COALESCE(new.keywords, '') "
    "|| ' ' || COALESCE(new.venue, ''))"
)
V14_FILE_TEXT_SEARCH = f"""
DROP TRIGGER photo_search_insert;
DROP TRIGGER photo_search_update;
CREATE TRIGGER photo_search_insert AFTER INSERT ON photos BEGIN
    INSERT INTO photo_search (rowid, place, camera, note) VALUES (new.id, COALESCE(new.place, ''),
        TRIM(COALESCE(new.make, '') || ' ' || COALESCE(new.model, '') || ' ' || COALESCE(new.lens, '')),
        {_V14_NOTE});
END;
CREATE TRIGGER photo_search_update AFTER UPDATE OF place, make, model, lens, description, venue, title, keywords
    ON photos BEGIN
    DELETE FROM photo_search WHERE rowid = old.id;
    INSERT INTO photo_search (rowid, place, camera, note) VALUES (new.id, COALESCE(new.place, ''),
        TRIM(COALESCE(new.make, '') || ' ' || COALESCE(new.model, '') || ' ' || COALESCE(new.lens, '')),
        {_V14_NOTE});
END;
DELETE FROM photo_search;
INSERT INTO photo_search (rowid, place, camera, note)
    SELECT id, COALESCE(place, ''), TRIM(COALESCE(make, '') || ' ' || COALESCE(model, '') || ' ' || COALESCE(lens, '')),
        {_V14_NOTE.replace("new.", "")} FROM photos
"""

# H17: a caption written by staff, in place (admin grid, photo page) or by a form post. It is public
# (the photo page, the viewer, alt text, JSON, og:description) and wins over an XMP title or
# description, which stay private (searched by admins in `note`, migration 14). FTS5 tables take no
# new column: photo_search is made again with `caption` last, searched by visitors with `place` and
# `camera`.
_PHOTO_SEARCH_ROW = f"""new.id, COALESCE(new.place, ''),
        TRIM(COALESCE(new.make, '') || ' ' || COALESCE(new.model, '') || ' ' || COALESCE(new.lens, '')),
        {_V14_NOTE}, COALESCE(new.caption, '')"""
V15_CAPTIONS = f"""
ALTER TABLE photos ADD COLUMN caption TEXT;
DROP TRIGGER IF EXISTS photo_search_insert;
DROP TRIGGER IF EXISTS photo_search_update;
DROP TRIGGER IF EXISTS photo_search_delete;
DROP TABLE IF EXISTS photo_search;
CREATE VIRTUAL TABLE photo_search USING fts5(place, camera, note, caption, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO photo_search (rowid, place, camera, note, caption)
    SELECT {_PHOTO_SEARCH_ROW.replace("new.", "")} FROM photos;
CREATE TRIGGER photo_search_insert AFTER INSERT ON photos BEGIN
    INSERT INTO photo_search (rowid, place, camera, note, caption) VALUES ({_PHOTO_SEARCH_ROW});
END;
CREATE TRIGGER photo_search_update AFTER UPDATE OF place, make, model, lens, description, venue, title, keywords, caption
    ON photos BEGIN
    DELETE FROM photo_search WHERE rowid = old.id;
    INSERT INTO photo_search (rowid, place, camera, note, caption) VALUES ({_PHOTO_SEARCH_ROW});
END;
CREATE TRIGGER photo_search_delete AFTER DELETE ON photos BEGIN
    DELETE FROM photo_search WHERE rowid = old.id;
END
"""

# Cost that follows the change (issue 10, H14): an import's viewer pass reads its own photos only;
# « Autres photos » outside any mission are one album per month (`period`, 2019-09), not one growing with the archive.
V16_PHOTOS_IMPORT = """
CREATE INDEX photos_import ON photos(import_id);
CREATE INDEX companions_import ON companions(import_id);
ALTER TABLE albums ADD COLUMN period TEXT
"""

# H24: which version of the file readers read a photo's tags (`gallery reread` reads again the photos an
# older one read: no XMP words, no maker dates, stock descriptions); 0 for every photo imported before.
V17_READ_VERSION = """
ALTER TABLE photos ADD COLUMN read_version INTEGER NOT NULL DEFAULT 0
"""

# H24 (issue 13): a mission renamed in place. An album's search row leaves its mission's title out
# (migration 8: « Toulouse » must not find every album of « Mission Marseille–Toulouse 2017 »), so a new
# mission title must index its albums again, whether a regroup re-titles them or not (a title set by hand).
V18_MISSION_RENAME = """
CREATE TRIGGER album_search_mission AFTER UPDATE OF title ON missions BEGIN
    DELETE FROM album_search WHERE rowid IN (SELECT id FROM albums WHERE mission_id = new.id);
    INSERT INTO album_search (rowid, title, description, place)
        SELECT a.id, REPLACE(a.title, new.title, ''), a.description, COALESCE(a.place, '')
        FROM albums a WHERE a.mission_id = new.id;
END
"""

# Issue 10 (H3c): a GPS-less camera weighed run by run (timeline._runs: trips months apart) keeps each
# run's clock, so that a programme change near one trip re-times that run alone and merges it with the
# others' as they were (gallery/organise.py). `devices` keeps the merged clock people read and set.
V19_DEVICE_RUNS = """
CREATE TABLE device_runs (
    device TEXT NOT NULL,
    rank INTEGER NOT NULL,
    first TEXT NOT NULL,
    last TEXT NOT NULL,
    first_utc TEXT,
    last_utc TEXT,
    closed INTEGER NOT NULL DEFAULT 0,
    offset_seconds INTEGER,
    offset_source TEXT,
    confidence REAL,
    note TEXT NOT NULL DEFAULT '',
    candidates TEXT NOT NULL DEFAULT '[]',
    photos INTEGER NOT NULL DEFAULT 0,
    with_gps INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device, rank)
)
"""

MIGRATIONS: list[tuple[int, str]] = [
    (1, V1_ARCHIVE),
    (2, V2_DEVICES_PLACES),
    (3, V3_MISSIONS_ALBUMS),
    (4, V4_ACCOUNTS_SHARES),
    (5, V5_DEVICE_CANDIDATES),
    (6, V6_MANUAL_DATES),
    (7, V7_LOGIN_ATTEMPTS),
    (8, V8_SEARCH),
    (9, V9_MEDIA_KINDS),
    (10, V10_TRASH),
    (11, V11_LIVE_PHOTOS),
    (12, V12_ALBUM_ORDER),
    (13, V13_ALBUM_ALIASES),
    (14, V14_FILE_TEXT_SEARCH),
    (15, V15_CAPTIONS),
    (16, V16_PHOTOS_IMPORT),
    (17, V17_READ_VERSION),
    (18, V18_MISSION_RENAME),
    (19, V19_DEVICE_RUNS),
]
