"""The web gallery in-process (Starlette TestClient): every route, status and header that matters."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gallery import catalog, thumbs
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, herd


def client(root: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)


def album_json(root: Path, slug: str) -> dict[str, Any]:
    return client(root).get(f"/api/albums/{slug}").json()


def private_photo(root: Path) -> str:
    conn = catalog.connect(root / "gallery.db")
    try:
        album = catalog.get_album(conn, "iot-valley-2017")
        return catalog.album_photos(conn, album["id"])[0]["sha256"]  # type: ignore[index]
    finally:
        conn.close()


def test_home_lists_published_albums_by_mission(demo_library: Path) -> None:
    page = client(demo_library).get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text
    assert "Mission Marseille–Toulouse 2017" in page.text
    assert "Revoir la Mêlée numérique en images" in page.text and "19 et 20 septembre 2017" in page.text
    assert "IOT Valley" not in page.text, "a draft is not listed"
    assert 'type="application/atom+xml"' in page.text


def test_private_and_unknown_things_are_404(demo_library: Path) -> None:
    web = client(demo_library)
    sha = private_photo(demo_library)
    for url in (
        "/albums/iot-valley-2017",
        "/api/albums/iot-valley-2017",
        "/albums/nope",
        f"/photos/{sha}",
        f"/api/photos/{sha}",
        f"/thumbs/grid/{sha}.webp",
        f"/thumbs/viewer/{sha}.webp",
        f"/photos/{sha}/original",
        "/albums/iot-valley-2017/download",
        "/photos/" + "0" * 64,
        "/thumbs/grid/" + "0" * 64 + ".webp",
        "/photos/abc",
        "/photos/../../etc/passwd",
        "/embed/iot-valley-2017",
        "/thumbs/huge/" + sha + ".webp",
    ):
        response = web.get(url)
        assert response.status_code == 404, url
        assert "iot" not in response.text.lower() or url.startswith("/albums/iot"), url


def test_album_page(demo_library: Path) -> None:
    page = client(demo_library).get("/albums/la-melee-numerique-2017")
    assert page.status_code == 200
    html = page.text
    assert html.count('loading="lazy"') >= 100 and 'srcset="/thumbs/grid/' in html and "sizes=" in html
    assert 'width="160" height="120"' in html and "background-image:url(data:image/webp;base64," in html
    assert '<meta property="og:title" content="Revoir la Mêlée numérique en images">' in html
    assert 'property="og:image" content="http://testserver/cards/' in html and 'og:image:width" content="1200"' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert 'type="application/json+oembed"' in html
    assert "&lt;a href=&#34;http://testserver/albums/la-melee-numerique-2017&#34;" in html, "the embed snippet, escaped"
    alts = re.findall(r'<li[^>]*><a[^>]*><img[^>]*alt="([^"]*)"', html)
    assert len(alts) >= 100 and len(set(alts)) == len(alts), "each photo its own alt text"
    assert 'alt="Toulouse, 19 septembre 2017 à 09:21, Google Pixel 6"' in html, "place, time and camera"
    assert (
        page.headers["x-content-type-options"] == "nosniff"
        and "script-src 'self'" in page.headers["content-security-policy"]
    )


def test_photo_page_has_neighbours_and_details(demo_library: Path) -> None:
    photos = album_json(demo_library, "la-melee-numerique-2017")["photos"]
    page = client(demo_library).get(f"/photos/{photos[1]['sha256']}")
    assert page.status_code == 200
    assert f'rel="prev" href="/photos/{photos[0]["sha256"]}"' in page.text
    assert f'rel="next" href="/photos/{photos[2]["sha256"]}"' in page.text
    assert "(Europe/Paris, UTC+02:00)" in page.text and "septembre 2017 à" in page.text
    assert "Toulouse, France" in page.text and '<span class="viewer-count" aria-live="polite">2/' in page.text
    back = f'href="/albums/la-melee-numerique-2017#p-{photos[1]["sha256"]}"'
    assert back in page.text, "back to the album lands on the photo's tile"
    album = client(demo_library).get("/albums/la-melee-numerique-2017").text
    assert f'<li id="p-{photos[1]["sha256"]}"' in album


def test_english_by_header_and_by_switch(demo_library: Path) -> None:
    web = client(demo_library)
    english = web.get("/albums/la-melee-numerique-2017", headers={"accept-language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in english.text and "Embed this album" in english.text
    assert "September 19–20, 2017" in english.text and "Spain" not in english.text
    switched = web.get("/?lang=en")
    assert "lang=en" in switched.headers["set-cookie"] and '<html lang="en">' in switched.text
    assert '<html lang="en">' in web.get("/").text, "the cookie remembers"
    assert '<html lang="fr">' in web.get("/?lang=fr").text


def test_derivatives_are_immutable_with_etag_and_304(demo_library: Path) -> None:
    sha = album_json(demo_library, "la-melee-numerique-2017")["photos"][0]["sha256"]
    web = client(demo_library)
    first = web.get(f"/thumbs/grid/{sha}.webp")
    assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.content == (demo_library / "thumbnails" / thumbs.derivative_path(sha, "grid")).read_bytes()
    again = web.get(f"/thumbs/grid/{sha}.webp", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert web.head(f"/thumbs/grid/{sha}.webp").status_code == 200
    assert web.post(f"/thumbs/grid/{sha}.webp").status_code == 405


def test_a_missing_derivative_is_made_once_for_a_hundred_requests(library: Path) -> None:
    sha = album_json(library, "la-melee-numerique-2017")["photos"][3]["sha256"]
    (library / "thumbnails" / thumbs.derivative_path(sha, "viewer")).unlink()
    app = create_app(Config(root=library))
    responses = herd(app, f"/thumbs/viewer/{sha}.webp", 100)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert app.generated == 1
    assert (library / "thumbnails" / thumbs.derivative_path(sha, "viewer")).is_file()


def test_originals_are_off_for_the_public_by_default(demo_library: Path) -> None:
    sha = album_json(demo_library, "la-melee-numerique-2017")["photos"][0]["sha256"]
    web = client(demo_library)
    assert web.get(f"/photos/{sha}/original").status_code == 404
    assert web.get("/albums/la-melee-numerique-2017/download").status_code == 404
    assert "Télécharger l’original" not in web.get(f"/photos/{sha}").text
    assert "Tout télécharger (ZIP)" not in web.get("/albums/la-melee-numerique-2017").text, "no link to a 404"
    opened = client(demo_library, public_originals=True)
    assert "Tout télécharger (ZIP)" in opened.get("/albums/la-melee-numerique-2017").text
    assert opened.get("/albums/la-melee-numerique-2017/download").status_code == 200


def test_originals_range_type_name_and_no_gps(demo_library: Path) -> None:
    import exifread

    photos = album_json(demo_library, "la-melee-numerique-2017")["photos"]
    located = next(p for p in photos if p["place"] and not p["place_inferred"])
    web = client(demo_library, public_originals=True)
    full = web.get(f"/photos/{located['sha256']}/original")
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["content-disposition"] == f'attachment; filename="{located["original_name"]}"'
    tags = exifread.process_file(io.BytesIO(full.content), details=False)
    assert not [t for t in tags if t.startswith("GPS GPSL")], "public originals carry no position"
    assert "EXIF DateTimeOriginal" in tags, "the rest of the metadata stays"
    part = web.get(f"/photos/{located['sha256']}/original", headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    bad = web.get(f"/photos/{located['sha256']}/original", headers={"range": "bytes=999999999-"})
    assert bad.status_code == 416


def test_zip_of_an_album(demo_library: Path) -> None:
    album = album_json(demo_library, "cooperative-de-la-belle-de-mai-2017")
    response = client(demo_library, public_originals=True).get("/albums/cooperative-de-la-belle-de-mai-2017/download")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(album["photos"]) == len(set(names))
    import exifread

    located = [
        n for n in names if "GPS GPSLatitude" in exifread.process_file(io.BytesIO(archive.read(n)), details=False)
    ]
    assert located == [], "public ZIPs carry no position either"
    unlocated = next(i for i, p in enumerate(album["photos"]) if not p["place"] or p["place_inferred"])
    original = (demo_library / catalog_path(demo_library, album["photos"][unlocated]["sha256"])).read_bytes()
    assert archive.read(names[unlocated]) == original, "without a position, the original's bytes as they are"


def catalog_path(root: Path, sha: str) -> str:
    conn = catalog.connect(root / "gallery.db")
    try:
        return catalog.get_photo(conn, sha)["path"]  # type: ignore[index]
    finally:
        conn.close()


def test_json_api_is_public_shaped(demo_library: Path) -> None:
    web = client(demo_library)
    listed = web.get("/api/albums").json()
    assert {a["slug"] for a in listed} >= {"la-melee-numerique-2017"} and "iot-valley-2017" not in {
        a["slug"] for a in listed
    }
    album = web.get("/api/albums/la-melee-numerique-2017").json()
    assert album["title"] == "Revoir la Mêlée numérique en images" and album["start"].endswith("+02:00")
    photo = album["photos"][0]
    for key in ("path", "source_path", "lat", "lon", "device", "serial", "gps_time"):
        assert key not in photo, key
    detail = web.get(f"/api/photos/{photo['sha256']}").json()
    assert detail["album"] == "la-melee-numerique-2017" and "lat" not in detail
    assert web.get("/api/photos/nothex").status_code == 404
    assert web.get("/api/albums/nope").json() == {"error": "Page not found", "status": 404}


def test_oembed_and_embed_card(demo_library: Path) -> None:
    web = client(demo_library)
    data = web.get(
        "/oembed", params={"url": "http://testserver/albums/la-melee-numerique-2017", "format": "json"}
    ).json()
    assert data["version"] == "1.0" and data["type"] == "rich" and "/embed/la-melee-numerique-2017" in data["html"]
    assert data["thumbnail_url"].startswith("http://testserver/cards/") and data["thumbnail_width"] == 1200
    assert web.get("/oembed", params={"url": "http://testserver/albums/iot-valley-2017"}).status_code == 404
    assert web.get("/oembed", params={"url": "http://evil.example/albums/la-melee-numerique-2017"}).status_code == 404
    assert web.get("/oembed", params={"url": "http://testserver/photos/x", "format": "xml"}).status_code == 501
    card = web.get("/embed/la-melee-numerique-2017")
    assert card.status_code == 200 and "frame-ancestors *" in card.headers["content-security-policy"]
    assert "x-frame-options" not in card.headers and "<script" not in card.text
    assert web.get("/").headers["x-frame-options"] == "DENY"


def test_atom_feed(demo_library: Path) -> None:
    response = client(demo_library).get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert "Revoir la Mêlée numérique en images" in titles and not any("IOT" in (t or "") for t in titles)
    for entry in feed.findall("a:entry", ns):
        assert entry.find("a:link", ns).get("href").startswith("http://testserver/albums/")  # type: ignore[union-attr]
        assert entry.findtext("a:updated", namespaces=ns)


def test_timeline_places_and_search(demo_library: Path) -> None:
    web = client(demo_library)
    timeline = web.get("/timeline").text
    assert "19 septembre 2017" in timeline and 'datetime="2017-09-19"' in timeline
    places = web.get("/places").text
    assert "Toulouse" in places and "Marseille" in places and "Labège" not in places
    assert "Revoir la Mêlée" in web.get("/search", params={"q": "mêlée"}).text
    assert "Coopérative" in web.get("/search", params={"q": "Marseille"}).text
    dated = web.get("/search", params={"from": "2017-09-20", "to": "2017-09-20"}).text
    assert "Mêlée" in dated and "Coopérative" not in dated
    assert web.get("/search", params={"from": "yesterday"}).status_code == 400
    assert "Aucun résultat." in web.get("/search", params={"q": "Tokyo"}).text


def test_a_merged_album_redirects(library: Path) -> None:
    gallery = Gallery(library)
    gallery("albums", "merge", "cooperative-de-la-belle-de-mai-2017", "incubateur-euromediterranee-2017")
    response = client(library).get("/albums/incubateur-euromediterranee-2017")
    assert response.status_code == 301 and response.headers["location"] == "/albums/cooperative-de-la-belle-de-mai-2017"


def test_unpublishing_closes_derivatives_at_once(library: Path) -> None:
    web = client(library)
    sha = album_json(library, "la-melee-numerique-2017")["photos"][0]["sha256"]
    assert web.get(f"/thumbs/grid/{sha}.webp").status_code == 200
    Gallery(library)("albums", "unpublish", "la-melee-numerique-2017")
    assert web.get(f"/thumbs/grid/{sha}.webp").status_code == 404
    assert web.get(f"/photos/{sha}").status_code == 404


def test_an_empty_library_serves_empty_pages(tmp_path: Path) -> None:
    web = client(tmp_path / "nothing-here")
    assert web.get("/").status_code == 200 and "Aucun album publié" in web.get("/").text
    assert web.get("/api/albums").json() == []
    assert web.get("/albums/x").status_code == 404


def test_static_files(demo_library: Path) -> None:
    web = client(demo_library)
    assert web.get("/static/style.css").status_code == 200 and web.get("/static/gallery.js").status_code == 200
    assert web.get("/static/../gallery.db").status_code == 404


def test_server_module_builds_the_app(demo_library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.setenv("GALLERY_ROOT", str(demo_library))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        server = importlib.import_module("server")
        importlib.reload(server)
        assert TestClient(server.app).get("/").status_code == 200
    finally:
        sys.path.pop(0)


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_library_imported_while_serving_shows_up(tmp_path: Path) -> None:
    from .conftest import make_photo

    web = client(tmp_path / "library")
    assert web.get("/api/albums").json() == []
    make_photo(tmp_path / "card" / "a.jpg", None)
    gallery = Gallery(tmp_path / "library")
    gallery.import_(tmp_path / "card", extra=("--no-viewer",))
    gallery("albums", "publish", "--all")
    assert [a["slug"] for a in web.get("/api/albums").json()] == ["non-datees"]
