"""Search: words (accents and case folded), dates in words, days as instants, places that agree, privacy."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

from starlette.testclient import TestClient

from gallery import catalog
from gallery.config import Config
from gallery.search import Days, album_in_days, match_expression, parse_query
from gallery.web import create_app

from .conftest import Gallery


def web(root: Path) -> TestClient:
    return TestClient(create_app(Config(root=root)), follow_redirects=False)


def found(html: str) -> tuple[list[str], list[str], int]:
    """(album slugs, photo sha256s shown, photo total) of a results page."""
    albums = re.findall(r'<article class="card">\s*<a href="/albums/([^"]+)"', html)
    photos = re.findall(r'<li id="p-([0-9a-f]{64})"', html)
    total = re.search(r'<span class="photo-total">(\d+)</span>', html)
    return albums, photos, int(total.group(1)) if total else 0


def db(root: Path) -> sqlite3.Connection:
    return catalog.connect(root / "gallery.db")


# -- the query, from literals ---------------------------------------------------------------------


def test_dates_in_words_become_days_and_the_rest_stays_words() -> None:
    assert parse_query("Toulouse septembre 2017") == parse_query("TOULOUSE Septembre 2017")
    query = parse_query("Toulouse septembre 2017")
    assert query.words == ("toulouse",) and query.days == Days(date(2017, 9, 1), date(2017, 9, 30))
    assert parse_query("19 septembre 2017").days == Days(date(2017, 9, 19), date(2017, 9, 19))
    assert parse_query("19 September 2017").days == Days(date(2017, 9, 19), date(2017, 9, 19))
    assert parse_query("Août").days == Days(month=8) and parse_query("aout").words == ()
    assert parse_query("décembre 2017").days == Days(date(2017, 12, 1), date(2017, 12, 31))
    assert parse_query("31 février 2017").days == Days(date(2017, 2, 1), date(2017, 2, 28)), "no such day: the month"
    assert parse_query("2017").days == Days(date(2017, 1, 1), date(2017, 12, 31))
    assert parse_query("Mêlée").words == ("melee",) and not parse_query("Mêlée").days
    assert parse_query("Marseille").words == ("marseille",), "a town is not a month"


def test_the_fts_expression_quotes_every_word() -> None:
    assert match_expression(("melee", "numerique")) == '"melee" "numerique"*'
    assert match_expression(("toulouse",), ("place", "camera")) == '{place camera} : ("toulouse"*)'
    assert match_expression(()) is None
    assert parse_query('" OR * NEAR(').words == ("or", "near"), "operators are only ever quoted words"


def test_days_are_compared_as_instants_in_the_albums_zone() -> None:
    """Issue 10: ends at 23:30 UTC on the 18th, that is 01:30 on the 19th in Paris."""
    late = {
        "start_utc": "2017-09-18T20:00:00+00:00",
        "end_utc": "2017-09-18T23:30:00+00:00",
        "timezone": "Europe/Paris",
    }
    assert album_in_days(late, Days(start=date(2017, 9, 19)))
    assert not album_in_days(late | {"timezone": "America/Toronto"}, Days(start=date(2017, 9, 19)))
    evening = late | {"end_utc": "2017-09-18T21:30:00+00:00"}  # 23:30 in Paris: still the 18th
    assert not album_in_days(evening, Days(start=date(2017, 9, 19)))
    assert album_in_days(evening, Days(end=date(2017, 9, 18)))
    # 22:30 UTC on the 18th is the 19th in Paris: « to the 18th » does not reach it
    assert not album_in_days(late | {"start_utc": "2017-09-18T22:30:00+00:00"}, Days(end=date(2017, 9, 18)))
    assert album_in_days(late, Days(month=9)) and not album_in_days(late, Days(month=10))
    assert not album_in_days({"start_utc": None, "end_utc": None}, Days(month=9)), "undated has no days"


def test_a_search_from_the_19th_finds_an_album_that_ends_at_2330_utc_on_the_18th(library: Path) -> None:
    conn = db(library)
    with catalog.transaction(conn):
        conn.execute(
            "UPDATE albums SET end_utc = '2017-09-18T23:30:00+00:00' WHERE slug = 'incubateur-euromediterranee-2017'"
        )
    conn.close()
    albums, _, _ = found(web(library).get("/search", params={"from": "2017-09-19", "to": "2017-09-19"}).text)
    assert "incubateur-euromediterranee-2017" in albums and "la-melee-numerique-2017" in albums
    assert "cooperative-de-la-belle-de-mai-2017" not in albums, "it ends at 11:40 in Paris on the 18th"


# -- through the web, on the demo library ---------------------------------------------------------


def test_accents_and_case_do_not_matter(demo_library: Path) -> None:
    client = web(demo_library)
    for q in ("melee", "MÊLÉE", "Melée numerique", "mêl"):
        albums, _, _ = found(client.get("/search", params={"q": q}).text)
        assert albums == ["la-melee-numerique-2017"], q


def test_toulouse_is_what_is_in_toulouse_albums_and_photos(demo_library: Path) -> None:
    albums, photos, total = found(web(demo_library).get("/search", params={"q": "toulouse"}).text)
    assert albums == ["la-melee-numerique-2017"], "not every album of « Mission Marseille–Toulouse 2017 »"
    conn = db(demo_library)
    in_toulouse = {r[0] for r in conn.execute(f"SELECT p.sha256 {catalog.PUBLIC_PHOTOS} AND p.place = 'Toulouse'")}
    conn.close()
    assert total == len(in_toulouse) == 284 and set(photos) <= in_toulouse and len(photos) == 120


def test_dates_in_words_and_cameras_find_photos(demo_library: Path) -> None:
    client = web(demo_library)
    albums, photos, total = found(client.get("/search", params={"q": "septembre 2017"}).text)
    assert "la-melee-numerique-2017" in albums and "iot-valley-2017" not in albums and total > 300
    albums, _, _ = found(client.get("/search", params={"q": "20 septembre 2017"}).text)
    assert albums == ["la-melee-numerique-2017"]
    assert found(client.get("/search", params={"q": "août 2017"}).text) == ([], [], 0)
    albums, _, canon = found(client.get("/search", params={"q": "canon eos"}).text)
    assert albums == [] and 0 < canon < 136, "Canon photos, but not those of the private IOT Valley"
    both = found(client.get("/search", params={"q": "Toulouse canon"}).text)[2]
    assert 0 < both < min(canon, 284), "every word must match"


def test_places_counts_and_links_agree_with_search(demo_library: Path) -> None:
    client = web(demo_library)
    html = client.get("/places").text
    rows = re.findall(
        r'<a href="(/search\?place=[^"]+)">([^<]+)</a> <span class="meta">[^·]*· (\d+) photos · (\d+) album', html
    )
    assert {name for _, name, _, _ in rows} >= {"Frontignan", "Marseille", "Toulouse"}
    for link, name, photos, albums in rows:
        page = client.get(link.replace("&amp;", "&")).text
        found_albums, _, total = found(page)
        assert (total, len(found_albums)) == (int(photos), int(albums)), name
    _, photos, total = found(client.get("/search", params={"q": "frontignan"}).text)
    assert total == 3 and len(photos) == 3, "Frontignan's name finds Frontignan"


def test_private_hidden_and_unpublished_never_appear_for_visitors(library: Path) -> None:
    gallery = Gallery(library)
    conn = db(library)
    hidden = conn.execute(f"SELECT p.sha256 {catalog.PUBLIC_PHOTOS} AND p.place = 'Frontignan'").fetchone()[0]
    with catalog.transaction(conn):
        conn.execute("UPDATE photos SET description = 'carnet secret' WHERE place = 'Toulouse'")
    conn.close()
    gallery("albums", "hide", "autres-photos", hidden)
    client = web(library)
    assert found(client.get("/search", params={"q": "Labège"}).text) == ([], [], 0), "IOT Valley is unpublished"
    assert found(client.get("/search", params={"q": "iot valley"}).text) == ([], [], 0)
    _, photos, total = found(client.get("/search", params={"q": "frontignan"}).text)
    assert total == 2 and hidden not in photos
    assert found(client.get("/search", params={"q": "secret"}).text) == ([], [], 0), "descriptions are for admins"
    assert "iot-valley-2017" not in client.get("/search", params={"from": "2017-09-21"}).text
    gallery("albums", "unpublish", "la-melee-numerique-2017")
    assert found(web(library).get("/search", params={"q": "melee"}).text) == ([], [], 0)


def test_the_index_follows_every_writer(library: Path) -> None:
    """Triggers, not a rebuild someone must remember: a rename, a moved place, a raw UPDATE."""
    gallery = Gallery(library)
    gallery("albums", "rename", "cooperative-de-la-belle-de-mai-2017", "Friche Belle de Mai")
    conn = db(library)
    with catalog.transaction(conn):
        conn.execute("UPDATE photos SET place = 'Sète' WHERE place = 'Palavas-les-Flots'")
        conn.execute("DELETE FROM photos WHERE id = (SELECT MIN(id) FROM photos WHERE place = 'Frontignan')")
    counts = conn.execute("SELECT (SELECT COUNT(*) FROM photos), (SELECT COUNT(*) FROM photo_search)").fetchone()
    conn.close()
    assert counts[0] == counts[1]
    client = web(library)
    assert found(client.get("/search", params={"q": "friche"}).text)[0] == ["cooperative-de-la-belle-de-mai-2017"]
    assert found(client.get("/search", params={"q": "sete"}).text)[2] == 2
    assert found(client.get("/search", params={"q": "palavas"}).text)[2] == 0
    assert found(client.get("/search", params={"q": "frontignan"}).text)[2] == 2


def test_bad_search_input_is_a_clear_error_or_nothing(demo_library: Path) -> None:
    client = web(demo_library)
    assert client.get("/search", params={"from": "le 19"}).status_code == 400
    for q in ('"', "*", "NEAR(", "a" * 500, "-", "{place}:x"):
        response = client.get("/search", params={"q": q})
        assert response.status_code == 200, q
    assert found(client.get("/search", params={"q": "?!"}).text) == ([], [], 0), "punctuation finds nothing"


def test_migrating_an_existing_catalog_indexes_what_is_there(library: Path) -> None:
    conn = db(library)
    with catalog.transaction(conn):
        for name in ("photo_search", "album_search"):
            conn.execute(f"DROP TABLE {name}")
        for trigger in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP INDEX photos_local")
        conn.execute("DROP TABLE companions")  # and what migrations 9 (media kinds), 10 (trash), 11 (Live Photos),
        # 15 (captions) added
        conn.execute("DROP INDEX photos_trashed")
        conn.execute("DROP INDEX photos_content_id")
        conn.execute("DROP INDEX photos_import")  # and migration 16 (an import's photos, issue 10)
        conn.execute("ALTER TABLE albums DROP COLUMN period")
        for column in (
            "media_type",
            "duration",
            "codec",
            "title",
            "rating",
            "keywords",
            "trashed_at",
            "trashed_from",
            "content_id",
            "motion_offset",
            "caption",
            "read_version",  # migration 17 (gallery reread)
        ):
            conn.execute(f"ALTER TABLE photos DROP COLUMN {column}")
        conn.execute("DROP TABLE device_runs")  # migration 19 (each run's clock of a camera, issue 10)
        conn.execute("DROP TABLE album_aliases")  # and what 12 (album order) and 13 (album redirects) added
        conn.execute("DROP INDEX album_photos_order")
        conn.execute("ALTER TABLE album_photos DROP COLUMN sort_key")
        conn.execute("CREATE INDEX album_photos_album ON album_photos(album_id)")
        conn.execute("PRAGMA user_version = 7")
    assert catalog.migrate(conn) >= 12
    with catalog.transaction(conn):
        conn.execute("UPDATE photos SET caption = 'Mêlée au port' WHERE place = 'Frontignan'")
    conn.close()
    assert found(web(library).get("/search", params={"q": "melee port"}).text)[2] == 3, "captions are indexed"
    assert found(web(library).get("/search", params={"q": "frontignan"}).text)[2] == 3
    assert found(web(library).get("/search", params={"q": "melee"}).text)[0] == ["la-melee-numerique-2017"]


OLD_TITLE = "Mission Marseille–Toulouse 2017"


def indexed_titles(root: Path) -> dict[int, str]:
    conn = db(root)
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT rowid, title FROM album_search ORDER BY rowid")}
    finally:
        conn.close()


def test_a_renamed_mission_keeps_its_albums_and_their_search_rows_follow(library: Path) -> None:
    """Issue 13: a programme whose title changes renames its mission (--renames); the index follows."""
    gallery = Gallery(library)
    gallery("albums", "rename", "cooperative-de-la-belle-de-mai-2017", "Délégation Occitanie 2017 à Marseille")
    before = {a["slug"]: a for a in gallery.rows("SELECT * FROM albums")}
    programme = library / "renamed.toml"
    source = gallery.rows("SELECT source FROM missions")[0]["source"]
    programme.write_text(source.replace(OLD_TITLE, "Délégation Occitanie 2017"), encoding="utf-8")

    gallery("mission", "load", str(programme), "--renames", OLD_TITLE)

    (mission,) = gallery.rows("SELECT id, title FROM missions")
    assert mission == {"id": before["autres-photos"]["mission_id"], "title": "Délégation Occitanie 2017"}
    after = {a["slug"]: a for a in gallery.rows("SELECT * FROM albums")}
    assert {s: a["id"] for s, a in after.items()} == {s: a["id"] for s, a in before.items()}, "the same albums"
    assert after["autres-photos"]["title"] == "Autres photos — Délégation Occitanie 2017", "a default title follows"
    rebuilt = {a["id"]: a["title"].replace("Délégation Occitanie 2017", "") for a in after.values()}
    assert indexed_titles(library) == rebuilt, "every album's search row, as a rebuild would make it"
    client = web(library)
    assert found(client.get("/search", params={"q": "occitanie"}).text)[0] == [], "the mission's title finds no album"
    assert found(client.get("/search", params={"q": "toulouse"}).text)[0] == ["la-melee-numerique-2017"]
