"""Text cleaned once at the edge (programmes, edits), XML that stays valid, and a Host never echoed raw."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gallery import missions, text
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery

DIRTY = "la Mêlée\x1b[31m numérique\x07\u202e\x00"


def test_clean_drops_controls_bidi_overrides_and_non_characters() -> None:
    assert text.clean(DIRTY, 200) == "la Mêlée[31m numérique"
    assert text.clean("ligne 1\r\nligne 2\x0b\n", 200, multiline=True) == "ligne 1\nligne 2"
    assert text.clean("a\nb", 200) == "ab"
    assert text.clean("x\ufffe\uffffy", 200) == "xy"
    assert text.clean("  é" + "x" * 300, 10) == "éxxxxxxxxx"
    assert text.clean("e\u0301", 10) == "é"  # NFC
    assert text.clean("👨\u200d👩\u200d👧", 10) == "👨\u200d👩\u200d👧"  # joiners are not controls


def test_for_terminal_shows_escapes_instead_of_running_them() -> None:
    shown = text.for_terminal("IMG\x1b]0;pwned\x07\u202e.jpg")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.startswith("IMG\\x1b]0;pwned") and shown.endswith(".jpg")


def test_a_programme_s_control_characters_never_reach_titles() -> None:
    programme = missions.parse_programme(
        '[mission]\ntitle = "Mission\\u001b[2J 2017"\ntimezone = "Europe/Paris"\n'
        '[[event]]\nname = "la Mêlée\\u0007 numérique"\nstart = 2017-09-19T09:00:00\nend = 2017-09-19T18:00:00\n'
        'title = "Revoir\\u202e la Mêlée"\ndescription = "Deux jours.\\u0000\\nÀ Toulouse."\n'
    )
    assert programme.title == "Mission[2J 2017"
    event = programme.events[0]
    assert (event.name, event.title, event.description) == (
        "la Mêlée numérique",
        "Revoir la Mêlée",
        "Deux jours.\nÀ Toulouse.",
    )


def test_the_feed_stays_valid_xml_whatever_a_stored_title_holds(library: Path) -> None:
    with sqlite3.connect(library / "gallery.db") as conn:  # a title stored before text was cleaned
        conn.execute("UPDATE albums SET title = ?, description = ? WHERE published = 1", (DIRTY, "a\x0cb"))
    response = TestClient(create_app(Config(root=library, base_url="https://photos.example.org"))).get("/feed.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "la Mêlée[31m numérique" in titles


@pytest.mark.parametrize(
    "host", ['evil.example"><script>', "evil.example/x", "a b", "évil.example".encode(), "x:99999999"]
)
def test_a_malformed_host_header_is_refused_not_echoed(library: Path, host: str | bytes) -> None:
    client = TestClient(create_app(Config(root=library)))
    for url in ("/", "/feed.atom", "/oembed?url=/albums/x"):
        response = client.get(url, headers={"host": host})
        assert response.status_code == 400, (url, host)
        assert (host if isinstance(host, bytes) else host.encode()) not in response.content


def test_links_follow_the_configured_base_url_never_the_host_header(library: Path) -> None:
    configured = TestClient(create_app(Config(root=library, base_url="https://photos.example.org")))
    feed = configured.get("/feed.atom", headers={"host": "attacker.example"}).text
    assert "https://photos.example.org/albums/" in feed and "attacker.example" not in feed
    unset = TestClient(create_app(Config(root=library)))
    feed = unset.get("/feed.atom", headers={"host": "gallery.lan:8080"}).text
    assert "http://gallery.lan:8080/albums/" in feed  # a plain host is fine when nothing is configured


def test_album_edits_are_cleaned_like_programmes(library: Path) -> None:
    other = Gallery(library)
    other("albums", "rename", "iot-valley-2017", "IOT\x1b[1m Valley\u202e")
    other("albums", "describe", "iot-valley-2017", "Une\x00 journée\nà Labège")
    with sqlite3.connect(library / "gallery.db") as conn:
        row = conn.execute("SELECT title, description FROM albums WHERE slug = 'iot-valley-2017'").fetchone()
    assert row == ("IOT[1m Valley", "Une journée\nà Labège")


def _album(root: Path, slug: str) -> dict:
    conn = sqlite3.connect(root / "gallery.db")
    conn.row_factory = sqlite3.Row
    with conn:
        album = dict(conn.execute("SELECT * FROM albums WHERE slug = ?", (slug,)).fetchone())
        album["shas"] = [
            r[0]
            for r in conn.execute(
                "SELECT p.sha256 FROM album_photos ap JOIN photos p ON p.id = ap.photo_id WHERE ap.album_id = ? "
                "ORDER BY p.id",
                (album["id"],),
            )
        ]
        album["cover"] = conn.execute("SELECT sha256 FROM photos WHERE id = ?", (album["cover_id"],)).fetchone()[0]
    return album


def test_a_hidden_photo_is_never_a_cover_nor_counted(library: Path) -> None:
    gallery = Gallery(library)
    slug = next(a["slug"] for a in gallery.json("albums") if a["published"] and a["kind"] == "event")
    before = _album(library, slug)
    chosen = before["shas"][1] if before["shas"][1] != before["cover"] else before["shas"][2]
    gallery("albums", "cover", slug, chosen)
    assert _album(library, slug)["cover"] == chosen
    gallery("albums", "hide", slug, chosen)
    after = _album(library, slug)
    assert after["cover"] != chosen and after["cover"] in before["shas"]
    assert after["photo_count"] == len(before["shas"]) - 1
    refused = gallery("albums", "cover", slug, chosen, ok=False)
    assert refused.exit_code == 1 and "hidden" in refused.output

    client = TestClient(create_app(Config(root=library, base_url="https://photos.example.org")))
    listed = {a["slug"]: a for a in client.get("/api/albums").json()}
    assert listed[slug]["photo_count"] == len(before["shas"]) - 1
    assert listed[slug]["cover"] == after["cover"]
    for url in (
        "/",
        "/feed.atom",
        f"/albums/{slug}",
        f"/oembed?url=https://photos.example.org/albums/{slug}",
        f"/embed/{slug}",
    ):
        body = client.get(url).text
        assert chosen not in body, url
    assert f"{len(before['shas']) - 1} photos" in client.get("/").text


def test_an_album_whose_photos_are_all_hidden_leaves_the_public_site(library: Path) -> None:
    gallery = Gallery(library)
    slug = next(a["slug"] for a in gallery.json("albums") if a["published"] and a["kind"] == "event")
    shas = _album(library, slug)["shas"]
    for sha in shas:
        gallery("albums", "hide", slug, sha)
    with sqlite3.connect(library / "gallery.db") as conn:
        count, cover = conn.execute("SELECT photo_count, cover_id FROM albums WHERE slug = ?", (slug,)).fetchone()
    assert (count, cover) == (0, None)
    client = TestClient(create_app(Config(root=library)))
    for url in ("/", "/feed.atom", "/api/albums", f"/albums/{slug}"):
        body = client.get(url).text
        assert not any(sha in body for sha in shas), url
    assert f"/albums/{slug}" not in client.get("/").text
