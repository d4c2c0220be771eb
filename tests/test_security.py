"""Hostile requests (reliability-plan §7.2): traversal, IDOR, share scope and revocation, XSS,
Range abuse, malformed ids. Never a 5xx, never a leak."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery import catalog
from gallery.cli import main
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, make_photo

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}'


def web(root: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)


def share(root: Path, slug: str, *options: str, password: str | None = None) -> str:
    result = CliRunner().invoke(
        main, ["--root", str(root), "albums", "share", slug, *options], input=(password + "\n") if password else None
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().rsplit("/", 1)[1]


def photos_of(root: Path, slug: str) -> list[str]:
    conn = catalog.connect(root / "gallery.db")
    try:
        album = catalog.get_album(conn, slug)
        return [p["sha256"] for p in catalog.album_photos(conn, album["id"])]  # type: ignore[index]
    finally:
        conn.close()


def every_url(sha: str, slug: str) -> list[str]:
    return [
        f"/albums/{slug}",
        f"/api/albums/{slug}",
        f"/albums/{slug}/download",
        f"/photos/{sha}",
        f"/api/photos/{sha}",
        f"/photos/{sha}/original",
        f"/thumbs/grid/{sha}.webp",
        f"/thumbs/viewer/{sha}.webp",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/thumbs/grid/../../gallery.db",
        "/thumbs/grid/%2e%2e%2f%2e%2e%2fgallery.db",
        "/thumbs/grid/%252e%252e%252fgallery.db",
        "/thumbs/grid/..%5c..%5cgallery.db",
        "/photos/..%2f..%2fgallery.db/original",
        "/static/../gallery.db",
        "/static/%2e%2e/gallery.db",
        "/static/..%2fgallery.db",
        "//etc/passwd",
        "/photos/%2fetc%2fpasswd/original",
        "/albums/..%2f..%2fetc%2fpasswd",
        "/thumbs/grid//etc/passwd",
        "/media/2017/2017-09-19/IMG_0001.JPG",
        "/thumbnails/grid/x.webp",
        "/gallery.db",
        "/.gallery/secret",
    ],
)
def test_path_traversal_variants_are_404(demo_library: Path, url: str) -> None:
    response = web(demo_library).get(url)
    assert response.status_code == 404, url
    assert b"SQLite" not in response.content and b"root:" not in response.content


@pytest.mark.parametrize("sha", ["abc", "-1", str(10**30), "١٢٣", "1%00", "x" * 5000, "A" * 64, "0" * 63, "g" * 64])
def test_malformed_ids_are_404(demo_library: Path, sha: str) -> None:
    client = web(demo_library)
    for url in (f"/photos/{sha}", f"/api/photos/{sha}", f"/photos/{sha}/original", f"/thumbs/grid/{sha}.webp"):
        assert client.get(url).status_code == 404, url


def test_private_looks_exactly_like_missing(demo_library: Path) -> None:
    client = web(demo_library)
    private = photos_of(demo_library, "iot-valley-2017")[0]
    missing = "f" * 64
    for template in every_url("{sha}", "{slug}"):
        a = client.get(template.format(sha=private, slug="iot-valley-2017"))
        b = client.get(template.format(sha=missing, slug="no-such-album"))
        assert a.status_code == b.status_code == 404, template
        assert a.content == b.content, f"{template}: the body tells private from missing"


def test_a_share_opens_exactly_its_album(library: Path) -> None:
    token = share(library, "iot-valley-2017")
    shared, other = photos_of(library, "iot-valley-2017"), photos_of(library, "la-melee-numerique-2017")
    conn = catalog.connect(library / "gallery.db")
    with catalog.transaction(conn):
        catalog.update_album(conn, catalog.get_album(conn, "incubateur-euromediterranee-2017")["id"], {"published": 0})  # type: ignore[index]
    conn.close()
    private_other = photos_of(library, "incubateur-euromediterranee-2017")
    client = web(library)
    landing = client.get(f"/s/{token}")
    assert landing.status_code == 303 and landing.headers["location"] == "/albums/iot-valley-2017"
    assert landing.headers["referrer-policy"] == "no-referrer"
    for url in every_url(shared[0], "iot-valley-2017"):
        response = client.get(url)
        assert response.status_code in (200, 206), url
        if url.startswith("/thumbs"):
            assert response.headers["cache-control"] == "private, no-store", (
                "shared derivatives are not cached publicly"
            )
    for url in every_url(private_other[0], "incubateur-euromediterranee-2017"):
        assert client.get(url).status_code == 404, f"the share must not open {url}"
    assert client.get(f"/photos/{other[0]}").status_code == 200, "public albums stay public"
    assert "iot-valley-2017" not in {a["slug"] for a in client.get("/api/albums").json()}, (
        "no listing of private albums"
    )
    assert "Revoir la IOT Valley" not in client.get("/").text


def test_revoking_closes_every_url_at_once(library: Path) -> None:
    token = share(library, "iot-valley-2017")
    sha = photos_of(library, "iot-valley-2017")[2]
    client = web(library)
    client.get(f"/s/{token}")
    urls = every_url(sha, "iot-valley-2017")
    assert all(client.get(u).status_code == 200 for u in urls if "download" not in u and "original" not in u)
    CliRunner().invoke(main, ["--root", str(library), "albums", "unshare", "--", token])
    for url in urls:
        assert client.get(url).status_code == 404, f"{url} still open after revocation"
    assert client.get(f"/s/{token}").status_code == 404


def test_an_expired_share_is_closed(library: Path) -> None:
    token = share(library, "iot-valley-2017", "--expires", "2099-01-01")
    conn = catalog.connect(library / "gallery.db")
    with catalog.transaction(conn):
        conn.execute("UPDATE shares SET expires_at = '2000-01-01T00:00:00+00:00'")
    conn.close()
    assert web(library).get(f"/s/{token}").status_code == 404
    past = CliRunner().invoke(
        main, ["--root", str(library), "albums", "share", "iot-valley-2017", "--expires", "2001-01-01"]
    )
    assert past.exit_code == 1 and "already past" in past.output


def test_a_password_share_checks_the_password_on_every_endpoint(library: Path) -> None:
    token = share(library, "iot-valley-2017", "--password", password="open sesame")
    sha = photos_of(library, "iot-valley-2017")[0]
    client = web(library)
    assert client.get(f"/s/{token}").status_code == 200, "the password page"
    client.cookies.set("gallery_share", token)  # a token alone, without the password's proof
    for url in every_url(sha, "iot-valley-2017"):
        assert client.get(url).status_code == 404, url
    client.get("/")  # a CSRF cookie
    wrong = client.post(f"/s/{token}", data={"password": "guess", "csrf": client.cookies["gallery_csrf"]})
    assert wrong.status_code == 401
    right = client.post(f"/s/{token}", data={"password": "open sesame", "csrf": client.cookies["gallery_csrf"]})
    assert right.status_code == 303
    assert client.get(f"/photos/{sha}").status_code == 200


def test_share_tokens_are_long_and_guessing_is_rate_limited(library: Path) -> None:
    token = share(library, "iot-valley-2017")
    assert len(token) >= 22  # >= 128 bits of urlsafe base64
    client = web(library)
    statuses = [client.get(f"/s/{'x' * 32}{n}").status_code for n in range(40)]
    assert statuses[:30] == [404] * 30 and set(statuses[30:]) == {429}


def test_moving_a_photo_out_of_a_shared_album_closes_it(library: Path) -> None:
    token = share(library, "iot-valley-2017")
    sha = photos_of(library, "iot-valley-2017")[0]
    client = web(library)
    client.get(f"/s/{token}")
    assert client.get(f"/thumbs/grid/{sha}.webp").status_code == 200
    conn = catalog.connect(library / "gallery.db")
    with catalog.transaction(conn):
        catalog.update_album(conn, catalog.get_album(conn, "incubateur-euromediterranee-2017")["id"], {"published": 0})  # type: ignore[index]
    conn.close()
    Gallery(library)("albums", "move", sha, "incubateur-euromediterranee-2017")
    assert client.get(f"/thumbs/grid/{sha}.webp").status_code == 404
    assert client.get(f"/photos/{sha}").status_code == 404


def test_xss_in_titles_descriptions_exif_and_file_names_stays_text(library: Path, tmp_path: Path) -> None:
    make_photo(
        tmp_path / "x" / f"{XSS[:20]}.jpg",
        datetime(2017, 9, 21, 10, 0),
        offset="+02:00",
        gps=(43.5445, 1.5110),
        make=XSS,
        model=XSS,
        description=XSS,
    )
    gallery = Gallery(library)
    gallery.import_(tmp_path / "x")
    gallery("albums", "rename", "iot-valley-2017", XSS)
    gallery("albums", "describe", "iot-valley-2017", XSS + " [x](javascript:alert(1))")
    gallery("albums", "publish", "iot-valley-2017")
    sha = next(p["sha256"] for p in gallery.json("photos") if p["make"] and "script" in p["make"])
    client = web(library)
    CliRunner().invoke(main, ["--root", str(library), "user", "add", "admin"], input="long enough password\n")
    client.get("/login")
    client.post(
        "/login", data={"name": "admin", "password": "long enough password", "csrf": client.cookies["gallery_csrf"]}
    )
    pages = [
        "/",
        "/albums/iot-valley-2017",
        f"/photos/{sha}",
        "/search?q=script",
        "/timeline",
        "/embed/iot-valley-2017",
        "/admin",
        "/admin/albums/iot-valley-2017",
        "/admin/devices",
        "/feed.atom",
    ]
    for url in pages:
        body = client.get(url).text
        assert "<script>alert(1)</script>" not in body, url
        assert "<img src=x onerror" not in body, url
        assert 'href="javascript:' not in body, url
    assert "{{7*7}}" in client.get("/albums/iot-valley-2017").text, "template syntax in data is never evaluated"
    oembed = client.get("/oembed", params={"url": "http://testserver/albums/iot-valley-2017"}).json()
    assert "<script>" not in oembed["html"] and "<script>" in oembed["title"], "JSON carries the text as text"
    api = client.get(f"/api/photos/{sha}").json()
    assert api["make"].startswith("<script>"), "JSON escapes by being JSON"


def test_range_abuse_is_fast_and_never_500(library: Path) -> None:
    sha = photos_of(library, "la-melee-numerique-2017")[0]
    client = web(library, public_originals=True)
    url = f"/photos/{sha}/original"
    many = "bytes=" + ",".join(f"{i}-{i}" for i in range(10_000))
    for value in (
        many,
        "bytes=999999999-",
        "bytes=5-1",
        "garbage",
        "bytes=-0",
        "bytes=0-0,-1",
        "bytes=" + "9" * 40 + "-",
    ):
        started = time.monotonic()
        response = client.get(url, headers={"range": value})
        assert response.status_code in (200, 206, 400, 416), (value[:40], response.status_code)
        assert time.monotonic() - started < 2.0, value[:40]


def test_derivative_size_tampering(demo_library: Path) -> None:
    sha = photos_of(demo_library, "la-melee-numerique-2017")[0]
    client = web(demo_library)
    assert client.get(f"/thumbs/grid/{sha}.webp?w=99999&h=1").status_code == 200  # parameters are ignored
    for size in ("huge", "../grid", "GRID", "grid.webp", "1x1"):
        assert client.get(f"/thumbs/{size}/{sha}.webp").status_code == 404


def test_a_missing_original_on_disk_is_404_without_paths(library: Path) -> None:
    sha = photos_of(library, "la-melee-numerique-2017")[0]
    row = Gallery(library).rows("SELECT path FROM photos WHERE sha256 = ?", sha)[0]
    (library / row["path"]).unlink()
    response = web(library, public_originals=True).get(f"/photos/{sha}/original")
    assert response.status_code == 404 and "media/" not in response.text and str(library) not in response.text


def test_gps_is_public_only_when_the_album_opts_in(library: Path) -> None:
    gallery = Gallery(library)
    sha = next(
        p["sha256"]
        for p in gallery.json("photos")
        if p["lat"] and not p["place_inferred"] and p["sha256"] in photos_of(library, "la-melee-numerique-2017")
    )
    client = web(library)
    hidden = client.get(f"/api/photos/{sha}").json()
    assert "lat" not in hidden and "43.6" not in client.get(f"/photos/{sha}").text
    assert all("lat" not in p for p in client.get("/api/albums/la-melee-numerique-2017").json()["photos"])
    gallery("albums", "set", "la-melee-numerique-2017", "--show-location")
    shown = client.get(f"/api/photos/{sha}").json()
    assert shown["lat"] == pytest.approx(43.611, abs=0.01)


def test_big_and_many_field_forms_are_refused(library: Path) -> None:
    client = web(library)
    client.get("/login")
    token = client.cookies["gallery_csrf"]
    huge = client.post("/login", data={"csrf": token, "name": "x" * 3_000_000, "password": "y"})
    assert huge.status_code in (400, 413)
    many = client.post(
        "/login",
        content="&".join(f"f{i}=1" for i in range(100_000)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code in (400, 413)


def test_no_response_reveals_internals(library: Path) -> None:
    client = web(library)
    for url in (
        "/albums/%00",
        "/photos/%ff%fe",
        "/search?from=2017-13-45",
        "/oembed?url=%ff",
        "/api/albums/%2e%2e",
        "/s/" + "A" * 5000,
    ):
        response = client.get(url)
        assert response.status_code < 500, url
        assert (
            "Traceback" not in response.text and "/work/" not in response.text and "sqlite" not in response.text.lower()
        )
