"""Issue 14: paged albums and timeline, gzip outside BREACH's reach, hashed static files, social
cards, the map (town-level for the public) and the feed without undated albums.

In-process (TestClient) for headers and bytes; a real `gallery serve` and Chromium for the map,
scrolling a 4,000-photo album and following its page links without JavaScript.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from gallery import catalog, places
from gallery.config import Config
from gallery.web import create_app
from gallery.web.pages import ALBUM_PAGE

from .conftest import serving
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, wait_until

BENCH = Path(__file__).resolve().parent.parent / "bench" / "page_bench.py"


def client(root: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)


def rows(root: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    conn = catalog.connect(root / "gallery.db")
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def published_album_with_positions(root: Path) -> dict[str, Any]:
    return rows(
        root,
        "SELECT a.* FROM albums a JOIN album_photos ap ON ap.album_id = a.id JOIN photos p ON p.id = ap.photo_id "
        "WHERE a.published = 1 AND a.kind = 'event' AND p.lat IS NOT NULL AND p.place IS NOT NULL "
        "GROUP BY a.id ORDER BY COUNT(*) DESC LIMIT 1",
    )[0]


@pytest.fixture(scope="module")
def big_album(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog holding one published album of 4,000 photos (rows written directly, as in the bench)."""
    spec = importlib.util.spec_from_file_location("page_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    root = tmp_path_factory.mktemp("big") / "library"
    bench.build_catalog(root, 4000, 4000)
    return root


# -- paging --------------------------------------------------------------------------------------


def test_a_4000_photo_album_is_paged_with_plain_links(big_album: Path) -> None:
    web = client(big_album)
    first = web.get("/albums/album-0")
    assert first.status_code == 200
    assert first.text.count('<li id="p-') == ALBUM_PAGE
    assert len(first.content) < 300 * 1024
    assert "4000 photos" in first.text
    assert '<a rel="next" href="/albums/album-0?page=2">' in first.text
    assert '<link rel="next" href="/albums/album-0?page=2">' in first.text
    last_page = -(-4000 // ALBUM_PAGE)
    last = web.get(f"/albums/album-0?page={last_page}")
    assert last.status_code == 200 and 'rel="next"' not in last.text and 'rel="prev"' in last.text
    shas = set(re.findall(r'href="/photos/([0-9a-f]{64})"', first.text))
    second = set(re.findall(r'href="/photos/([0-9a-f]{64})"', web.get("/albums/album-0?page=2").text))
    assert len(second) == ALBUM_PAGE and not shas & second
    for bad in ("0", "-1", "abc", str(last_page + 1), "99999999999"):
        assert web.get(f"/albums/album-0?page={bad}").status_code == 404


def test_timeline_pages_and_jumps_to_a_month(demo_library: Path) -> None:
    web = client(demo_library)
    page = web.get("/timeline")
    assert page.status_code == 200
    months = re.findall(r'<option value="(\d{4}-\d{2})"', page.text)
    assert months, "a month to jump to"
    jumped = web.get(f"/timeline?month={months[-1]}")
    assert jumped.status_code == 200 and f'value="{months[-1]}" selected' in jumped.text
    assert 'srcset="/thumbs/grid/' in jumped.text and "background-image:url(data:image/webp" in jumped.text
    assert web.get("/timeline?month=2017-13").status_code == 400
    assert web.get("/timeline?month=<script>").status_code == 400
    assert web.get("/timeline?page=999").status_code == 404


# -- gzip, BREACH, static files ------------------------------------------------------------------


def test_gzip_for_pages_json_and_feed_never_with_the_csrf_token(demo_library: Path) -> None:
    web = client(demo_library)
    gz = {"accept-encoding": "gzip"}
    for url in ("/", "/timeline", "/api/albums", "/feed.atom"):
        response = web.get(url, headers=gz)
        assert response.headers.get("content-encoding") == "gzip", url
        assert "accept-encoding" in response.headers["vary"].lower()
    plain = web.get("/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    login = web.get("/login", headers=gz)  # a CSRF token in the body, reflected input possible: never compressed
    assert login.status_code == 200 and "content-encoding" not in login.headers
    assert 'name="csrf"' in login.text
    album = published_album_with_positions(demo_library)
    cover = rows(demo_library, "SELECT sha256 FROM photos WHERE id = ?", album["cover_id"])[0]["sha256"]
    thumb = web.get(f"/thumbs/grid/{cover}.webp", headers=gz)
    assert thumb.status_code == 200 and "content-encoding" not in thumb.headers
    card = web.get(f"/cards/{cover}.jpg", headers=gz)
    assert card.status_code == 200 and "content-encoding" not in card.headers


def test_compressed_bytes_are_the_page(demo_library: Path) -> None:
    app = create_app(Config(root=demo_library))
    raw = TestClient(app).get("/api/albums", headers={"accept-encoding": "gzip"})
    # httpx decodes gzip itself: the decoded body must be the same JSON as an uncompressed answer
    assert raw.json() == TestClient(app).get("/api/albums", headers={"accept-encoding": "identity"}).json()
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content


def test_static_files_have_hashed_names_and_a_long_cache(demo_library: Path) -> None:
    web = client(demo_library)
    home = web.get("/").text
    css = re.search(r'href="(/static/style\.[0-9a-f]{10}\.css)"', home)
    js = re.search(r'src="(/static/gallery\.[0-9a-f]{10}\.js)"', home)
    assert css and js
    for url in (css[1], js[1]):
        response = web.get(url)
        assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
        assert web.get(url, headers={"if-none-match": response.headers["etag"]}).status_code == 304
    assert web.get("/static/style.0000000000.css").status_code == 404
    assert "immutable" not in web.get("/static/style.css").headers["cache-control"]
    assert web.get("/static/vendor/leaflet/images/marker-icon.png").status_code == 200
    assert web.get("/static/../config.py").status_code == 404
    assert web.get("/static/nothing.js").status_code == 404


# -- social cards and feeds ----------------------------------------------------------------------


def test_social_cards_are_1200_jpegs_without_metadata(demo_library: Path) -> None:
    web = client(demo_library)
    album = published_album_with_positions(demo_library)
    page = web.get(f"/albums/{album['slug']}").text
    card_url = re.search(r'<meta property="og:image" content="http://testserver(/cards/[0-9a-f]{64}\.jpg)">', page)
    assert card_url, "og:image is the social card"
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    assert re.search(r'<meta property="og:image:alt" content="[^"]+">', page)
    response = web.get(card_url[1])
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    data = response.content
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (1200, 630)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in data and b"GPS" not in data and b"<x:xmpmeta" not in data
    home = web.get("/").text
    assert 'property="og:image" content="http://testserver/cards/' in home and 'og:image:width" content="1200"' in home
    first = re.search(r'href="/photos/([0-9a-f]{64})"', page)
    assert first
    photo_page = web.get(f"/photos/{first[1]}").text
    assert 'property="og:image" content="http://testserver/cards/' in photo_page
    oembed = web.get("/oembed", params={"url": f"http://testserver/albums/{album['slug']}"}).json()
    assert oembed["thumbnail_url"].endswith(".jpg") and oembed["thumbnail_width"] == 1200


def test_a_private_photo_has_no_card(demo_library: Path) -> None:
    private = rows(
        demo_library,
        "SELECT p.sha256 FROM photos p JOIN album_photos ap ON ap.photo_id = p.id JOIN albums a ON a.id = ap.album_id "
        "WHERE a.slug = 'iot-valley-2017' LIMIT 1",
    )[0]["sha256"]
    web = client(demo_library)
    assert web.get(f"/cards/{private}.jpg").status_code == 404
    assert web.get("/cards/" + "0" * 64 + ".jpg").status_code == 404
    assert web.get("/cards/nope.jpg").status_code == 404


def test_feed_and_embeds_leave_out_undated_and_other_photos(library: Path) -> None:
    conn = catalog.connect(library / "gallery.db")
    try:
        with catalog.transaction(conn):
            for kind, slug, title in (
                ("undated", "h7-non-datees", "Non datées"),
                ("others", "h7-autres", "Autres photos"),
            ):
                # the count as the catalog keeps it (photos belong to one album: none are moved here)
                catalog.insert_album(
                    conn, {"slug": slug, "kind": kind, "title": title, "published": 1, "photo_count": 1}
                )
    finally:
        conn.close()
    web = client(library)
    feed = ET.fromstring(web.get("/feed.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Non datées" not in titles and "Autres photos" not in titles and len(titles) > 1
    for slug in ("h7-non-datees", "h7-autres"):
        assert web.get(f"/embed/{slug}").status_code == 404
        assert web.get("/oembed", params={"url": f"http://testserver/albums/{slug}"}).status_code == 404
        assert 'id="embed-code"' not in web.get(f"/albums/{slug}").text


# -- the map --------------------------------------------------------------------------------------


def test_public_map_data_is_town_level(demo_library: Path) -> None:
    web = client(demo_library)
    album = published_album_with_positions(demo_library)
    data = web.get(f"/api/map?album={album['slug']}").json()
    assert data["exact"] is False and data["points"]
    positions = {
        (r["lat"], r["lon"])
        for r in rows(
            demo_library,
            "SELECT p.lat, p.lon FROM photos p JOIN album_photos ap ON ap.photo_id = p.id WHERE ap.album_id = ?",
            album["id"],
        )
    }
    for point in data["points"]:
        assert (point["lat"], point["lon"]) not in positions
        assert places.town_centre(point["lat"], point["lon"]) == (point["lat"], point["lon"])  # a town centre
    everything = web.get("/api/map").json()
    assert everything["points"] and all(p["url"] != "/albums/iot-valley-2017" for p in everything["points"])
    assert web.get("/api/map?album=iot-valley-2017").status_code == 404
    assert web.get("/api/map?album=nothing").status_code == 404
    assert web.get("/api/map?mission=abc").status_code == 400
    assert web.get("/api/map?mission=9999").status_code == 404
    page = web.get("/map").text
    assert 'class="map-list"' in page and page.count('<li><a href="/albums/') >= 1


def test_an_album_showing_positions_maps_each_photo(library: Path) -> None:
    album = published_album_with_positions(library)
    conn = catalog.connect(library / "gallery.db")
    try:
        with catalog.transaction(conn):
            conn.execute("UPDATE albums SET show_location = 1 WHERE id = ?", (album["id"],))
    finally:
        conn.close()
    data = client(library).get(f"/api/map?album={album['slug']}").json()
    assert data["exact"] is True and len(data["path"]) >= 2
    assert all(p["url"].startswith("/photos/") for p in data["points"])


def test_the_csp_follows_the_tile_setting(demo_library: Path) -> None:
    osm = client(demo_library).get("/map").headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in osm
    local = client(demo_library, map_tiles="http://127.0.0.1:9/{z}/{x}/{y}.png").get("/map")
    assert "img-src 'self' data: http://127.0.0.1:9;" in local.headers["content-security-policy"]
    none = client(demo_library, map_tiles="").get("/map")
    assert "img-src 'self' data:;" in none.headers["content-security-policy"]
    assert 'data-tiles=""' in none.text


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.browser
def test_map_shows_the_album_markers_and_a_list_without_tiles(demo_library: Path, chromium: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    album = published_album_with_positions(demo_library)
    with serving(demo_library, env={"GALLERY_MAP_TILES": ""}) as url:
        for lang in ("fr", "en"):
            for width in (390, 1366):
                context = chromium.new_context(viewport={"width": width, "height": 900}, locale=lang)
                page = context.new_page()
                errors: list[str] = []
                page.on("console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None)
                page.goto(f"{url}/albums/{album['slug']}?lang={lang}")
                wait_until(page, "!!document.querySelector('#map-album[data-markers]')")
                markers = page.evaluate(
                    "document.querySelectorAll('#map-album .leaflet-marker-icon, #map-album .marker-cluster').length"
                )
                assert markers >= 1
                assert page.evaluate("document.querySelectorAll('.map-list li a').length") >= 1
                assert not page.evaluate("document.querySelector('#map-album').hidden")
                page.locator("#map-album").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"map-album-{lang}-{width}.png"))
                page.goto(f"{url}/map?lang={lang}")
                wait_until(page, "!!document.querySelector('#map-all[data-markers]')")
                assert page.evaluate("document.querySelectorAll('.map-list li').length") >= 1
                page.screenshot(path=str(ARTIFACTS / f"map-{lang}-{width}.png"), full_page=True)
                page.goto(f"{url}/?lang={lang}")
                wait_until(page, "!!document.querySelector('.mission .map[data-markers]')")
                page.screenshot(path=str(ARTIFACTS / f"home-map-{lang}-{width}.png"), full_page=True)
                assert not [e for e in errors if "Content Security Policy" in e or "TypeError" in e], errors
                context.close()


@pytest.mark.browser
def test_a_4000_photo_album_loads_its_next_page_on_scroll_and_by_links(big_album: Path, chromium: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(big_album, env={"GALLERY_MAP_TILES": ""}) as url:
        context = chromium.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/albums/album-0")
        assert page.evaluate("document.querySelectorAll('ul.grid > li').length") == ALBUM_PAGE
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        wait_until(page, f"document.querySelectorAll('ul.grid > li').length >= {2 * ALBUM_PAGE}")
        shas = page.evaluate("[...document.querySelectorAll('ul.grid > li a')].map(a => a.href)")
        assert len(shas) == len(set(shas)), "no photo twice"
        page.screenshot(path=str(ARTIFACTS / "album-4000-scrolled-1366.png"))
        context.close()
        plain = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
        page = plain.new_page()
        page.goto(f"{url}/albums/album-0")
        first = page.locator("ul.grid > li a").first.get_attribute("href")
        page.click("nav.pages a[rel=next]")
        assert page.url.endswith("/albums/album-0?page=2")
        assert page.locator("ul.grid > li").count() == ALBUM_PAGE
        assert page.locator("ul.grid > li a").first.get_attribute("href") != first
        page.screenshot(path=str(ARTIFACTS / "album-4000-page2-nojs-390.png"), full_page=False)
        plain.close()
