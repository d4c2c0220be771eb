"""Album redirects (H18): an album's old addresses (a changed slug, an album merged away) answer 301
to its current one, page, embed, API, download and oEmbed alike; chains collapse to one hop; an album
holding the slug wins; nothing private is told. The static copy writes a small redirect page instead.
"""

from __future__ import annotations

import importlib.util
import re
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery import albums, catalog
from gallery.cli import main
from gallery.config import Config
from gallery.errors import BadRequest
from gallery.web import create_app

from .conftest import Gallery
from .test_admin import PASSWORD, logged_in, post
from .test_site_export import BASE, assert_nothing_private, export, files, nginx

BENCH = Path(__file__).resolve().parent.parent / "bench" / "page_bench.py"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Three published albums of 10 photos (album-0, album-1, album-2), rows written as in the bench."""
    spec = importlib.util.spec_from_file_location("page_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    library = tmp_path / "library"
    bench.build_catalog(library, 30, 10)
    return library


def edit(root: Path, action: Any, *args: Any) -> None:
    with catalog.connection(root / "gallery.db") as conn:
        action(conn, *args)


def web(root: Path) -> TestClient:
    return TestClient(create_app(Config(root=root)), follow_redirects=False)


def location(response: Any) -> str:
    assert response.status_code == 301, (response.status_code, response.text[:200])
    return str(response.headers["location"])


def test_a_changed_slug_redirects_every_old_address(root: Path) -> None:
    edit(root, albums.change_slug, "album-0", "toulouse-2017")
    client = web(root)
    assert location(client.get("/albums/album-0")) == "/albums/toulouse-2017"
    assert location(client.get("/albums/album-0?page=2")) == "/albums/toulouse-2017?page=2"
    assert location(client.get("/embed/album-0")) == "/embed/toulouse-2017"
    assert location(client.get("/api/albums/album-0")) == "/api/albums/toulouse-2017"
    assert location(client.get("/albums/album-0/download")) == "/albums/toulouse-2017/download"
    moved = location(client.get("/oembed", params={"url": "http://testserver/albums/album-0", "format": "json"}))
    query = parse_qs(urlsplit(moved).query)
    assert urlsplit(moved).path == "/oembed" and query == {
        "url": ["http://testserver/albums/toulouse-2017"],
        "format": ["json"],
    }
    assert "/embed/toulouse-2017" in client.get(moved).json()["html"]
    page = client.get("/albums/toulouse-2017")
    assert page.status_code == 200 and "Album 0" in page.text
    assert client.get("/albums/album-0", follow_redirects=True).url.path == "/albums/toulouse-2017"


def test_chains_collapse_into_one_hop_through_slugs_and_merges(root: Path) -> None:
    edit(root, albums.change_slug, "album-0", "b")
    edit(root, albums.change_slug, "b", "c")
    client = web(root)
    assert location(client.get("/albums/album-0")) == "/albums/c"
    assert location(client.get("/albums/b")) == "/albums/c"
    edit(root, albums.merge, "album-1", "c")  # c (once album-0, then b) merged into album-1
    edit(root, albums.change_slug, "album-1", "d")
    for old in ("album-0", "b", "c", "album-1"):
        assert location(client.get(f"/albums/{old}")) == "/albums/d", old
    with catalog.connection(root / "gallery.db") as conn:
        target = catalog.get_album(conn, "d")
        assert target is not None
        assert catalog.album_aliases(conn, target["id"]) == ["album-0", "album-1", "b"]


def feed_entries(root: Path) -> dict[str, tuple[str, str]]:
    """The feed's entries as title: (id, link), read from the gallery served at a sub-path."""
    client = TestClient(create_app(Config(root=root, base_url="https://Photos.Example.org/galerie/")))
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(client.get("/feed.atom").content)
    return {
        str(e.findtext(f"{atom}title")): (str(e.findtext(f"{atom}id")), str(e.find(f"{atom}link").get("href")))  # type: ignore[union-attr]
        for e in feed.iter(f"{atom}entry")
    }


def test_a_feed_entry_keeps_its_id_through_a_slug_change_and_links_to_the_new_address(root: Path) -> None:
    before = feed_entries(root)
    ids = [entry_id for entry_id, _ in before.values()]
    assert len(before) == 3 and len(set(ids)) == 3
    for entry_id in ids:  # RFC 4151: the host (lower case), a day, the gallery's path and the album's row id
        assert re.fullmatch(r"tag:photos\.example\.org,\d{4}-\d{2}-\d{2}:/galerie/albums/\d+", entry_id), entry_id
    assert before["Album 0"][1] == "https://Photos.Example.org/galerie/albums/album-0"
    edit(root, albums.change_slug, "album-0", "toulouse-2017")
    after = feed_entries(root)
    assert after["Album 0"] == (before["Album 0"][0], "https://Photos.Example.org/galerie/albums/toulouse-2017")
    assert after["Album 1"] == before["Album 1"]


def test_an_album_holding_the_slug_wins_over_the_alias(root: Path) -> None:
    edit(root, albums.change_slug, "album-0", "renamed")
    edit(root, albums.change_slug, "album-2", "album-0")  # takes back the old slug: the alias goes
    client = web(root)
    page = client.get("/albums/album-0")
    assert page.status_code == 200 and "Album 2" in page.text
    assert location(client.get("/albums/album-2")) == "/albums/album-0"
    edit(root, albums.change_slug, "album-1", "moved")
    with catalog.connection(root / "gallery.db") as conn:  # as regrouping does: a new album, unpublished
        catalog.insert_album(conn, {"slug": "album-1", "kind": "event", "title": "New", "published": 0})
    assert client.get("/albums/album-1").status_code == 404
    assert client.get("/albums/moved").status_code == 200


def test_a_private_or_deleted_album_is_a_404_that_tells_nothing(root: Path) -> None:
    edit(root, albums.change_slug, "album-0", "secret-new-name")
    edit(root, albums.publish, ["secret-new-name"], False)
    client = web(root)
    for path in ("/albums/album-0", "/embed/album-0", "/api/albums/album-0", "/albums/album-0/download"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "secret-new-name" not in answer.text and "secret-new-name" not in str(answer.headers), path
    oembed = client.get("/oembed", params={"url": "http://testserver/albums/album-0"})
    assert oembed.status_code == 404 and "secret-new-name" not in oembed.text
    edit(root, albums.merge, "secret-new-name", "album-1")  # a public album merged into a private one
    assert client.get("/albums/album-1").status_code == 404
    with catalog.connection(root / "gallery.db") as conn:
        gone = catalog.get_album(conn, "album-2")
        assert gone is not None
        catalog.change_album_slug(conn, gone["id"], "doomed")
        catalog.delete_albums(conn, [gone["id"]])
    assert client.get("/albums/album-2").status_code == 404


def test_a_slug_is_checked_before_anything_changes(root: Path) -> None:
    with catalog.connection(root / "gallery.db") as conn:
        for bad in ("Album 0", "a--b", "-a", "x" * 61, "album-1"):
            with pytest.raises(BadRequest):
                albums.change_slug(conn, "album-0", bad)
        assert catalog.get_album(conn, "album-0") is not None
        assert catalog.album_redirects(conn) == []
    gallery = Gallery(root)
    result = gallery("albums", "slug", "album-0", "album-1", ok=False)
    assert "taken by another album" in result.stderr and "Traceback" not in result.stderr
    assert "the old address redirects" in gallery("albums", "slug", "album-0", "new-0").stdout


def test_the_static_copy_has_a_redirect_page_for_public_albums_only(library: Path, tmp_path: Path) -> None:
    gallery = Gallery(library)
    gallery("albums", "slug", "la-melee-numerique-2017", "melee-2017")
    gallery("albums", "slug", "iot-valley-2017", "iot-secret")  # unpublished in the demo
    dest = tmp_path / "site"
    export(gallery, dest)
    copy = assert_nothing_private(gallery, dest)
    page = copy["albums/la-melee-numerique-2017/index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=/albums/melee-2017/">' in page
    assert f'<link rel="canonical" href="{BASE}/albums/melee-2017/">' in page
    assert "url=/embed/melee-2017/" in copy["embed/la-melee-numerique-2017/index.html"].decode()
    assert "albums/melee-2017/index.html" in copy
    assert not any("iot-valley-2017" in name or b"iot-secret" in data for name, data in copy.items())
    with (
        nginx(dest, tmp_path / "nginx") as url,
        urllib.request.urlopen(f"{url}/albums/la-melee-numerique-2017/") as got,
    ):
        assert got.status == 200 and re.search(rb"url=/albums/melee-2017/", got.read())
    gallery("albums", "slug", "melee-2017", "la-melee-numerique-2017")  # back: the page is the album again
    export(gallery, dest)
    assert "http-equiv" not in files(dest)["albums/la-melee-numerique-2017/index.html"].decode()
    assert "albums/melee-2017/index.html" in files(dest)  # its alias now, a redirect page


def test_a_second_autres_photos_emptied_by_regrouping_redirects_to_the_first(library: Path) -> None:
    gallery = Gallery(library)
    with catalog.connection(library / "gallery.db") as conn, catalog.transaction(conn):
        first = catalog.get_album(conn, "autres-photos")
        assert first is not None and first["kind"] == "others" and first["published"]
        second = catalog.insert_album(
            conn,
            {"slug": "autres-photos-2", "kind": "others", "title": "Autres photos", "published": 1}
            | {"mission_id": first["mission_id"], "photo_count": 1},
        )  # a catalog from before issue 11: the mission's travel days split over two albums
        moved = [row["photo_id"] for row in catalog.memberships(conn) if row["album_id"] == first["id"]][:5]
        for photo_id in moved:
            catalog.set_membership(conn, photo_id, second, pinned=False)
    client = TestClient(create_app(Config(root=library)), follow_redirects=False)
    assert client.get("/albums/autres-photos-2").status_code == 200
    gallery("regroup", "--all")
    assert location(client.get("/albums/autres-photos-2")) == "/albums/autres-photos"
    merged = gallery.rows("SELECT merged_into, published FROM albums WHERE slug = 'autres-photos-2'")
    assert merged == [{"merged_into": first["id"], "published": 0}]
    assert gallery.rows("SELECT COUNT(*) AS n FROM album_photos WHERE album_id = ?", second) == [{"n": 0}]


def test_the_admin_changes_an_address_in_french_and_is_told_why_not(library: Path) -> None:
    CliRunner().invoke(main, ["--root", str(library), "user", "add", "alice"], input=PASSWORD + "\n")
    admin = logged_in(library)
    page = admin.get("/admin/albums/la-melee-numerique-2017")
    assert 'name="slug" value="la-melee-numerique-2017"' in page.text and "Adresse (/albums/…)" in page.text
    taken = post(admin, "/admin/albums/la-melee-numerique-2017/slug", slug="iot-valley-2017")
    assert taken.status_code == 400 and "L’adresse « iot-valley-2017 » est déjà celle d’un autre album." in taken.text
    bad = post(admin, "/admin/albums/la-melee-numerique-2017/slug", slug="Mêlée 2017")
    assert bad.status_code == 400 and "n’est pas une adresse" in bad.text
    done = post(admin, "/admin/albums/la-melee-numerique-2017/slug", slug="melee-2017")
    assert done.status_code == 303 and done.headers["location"].startswith("/admin/albums/melee-2017?message=done_slug")
    after = admin.get(done.headers["location"])
    assert "Adresse changée" in after.text and "Anciennes adresses : la-melee-numerique-2017" in after.text
    assert location(admin.get("/admin/albums/la-melee-numerique-2017")) == "/admin/albums/melee-2017"
    anonymous = TestClient(create_app(Config(root=library)), follow_redirects=False)
    assert location(anonymous.get("/albums/la-melee-numerique-2017")) == "/albums/melee-2017"
