"""Accounts, the admin pages and uploads: log in, edit albums, missions and clocks, upload files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery.cli import main
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, make_photo
from .test_web import album_json

PASSWORD = "correct horse battery"


@pytest.fixture
def library(library: Path) -> Path:
    copy = library
    result = CliRunner().invoke(main, ["--root", str(copy), "user", "add", "alice"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return copy


def csrf(web: TestClient) -> str:
    web.get("/login")
    return web.cookies["gallery_csrf"]


def logged_in(root: Path, **settings: Any) -> TestClient:
    web = TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)
    response = web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf(web)})
    assert response.status_code == 303, response.text
    return web


def post(web: TestClient, url: str, **data: Any) -> Any:
    return web.post(url, data={"csrf": web.cookies["gallery_csrf"], **data})


def test_user_commands(library: Path) -> None:
    runner = CliRunner()
    duplicate = runner.invoke(main, ["--root", str(library), "user", "add", "alice"], input=PASSWORD + "\n")
    assert duplicate.exit_code == 1 and "exists" in duplicate.output
    short = runner.invoke(main, ["--root", str(library), "user", "add", "bob"], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    assert (
        runner.invoke(main, ["--root", str(library), "user", "passwd", "alice"], input="another password\n").exit_code
        == 0
    )
    stored = Gallery(library).rows("SELECT password_hash FROM users")[0]["password_hash"]
    assert stored.startswith("scrypt$16384$8$1$") and "another" not in stored
    assert runner.invoke(main, ["--root", str(library), "user", "remove", "alice"]).exit_code == 0
    assert Gallery(library).rows("SELECT * FROM users") == []


def test_login_logout_and_cookie_flags(library: Path) -> None:
    web = TestClient(
        create_app(Config(root=library, https=True)), follow_redirects=False, base_url="https://testserver"
    )
    assert web.get("/admin").headers["location"] == "/login?next=/admin"
    token = csrf(web)
    wrong = web.post("/login", data={"name": "alice", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "Nom ou mot de passe incorrect" in wrong.text
    good = web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": token, "next": "//evil.example"})
    assert good.status_code == 303 and good.headers["location"] == "/admin"
    cookie = next(c for c in good.headers.get_list("set-cookie") if c.startswith("gallery_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert web.get("/admin").status_code == 200
    assert post(web, "/logout").status_code == 303
    web.cookies.set("gallery_session", cookie.split(";")[0].split("=", 1)[1])  # replaying the old cookie
    assert web.get("/admin").status_code == 303, "a session ends on the server at logout"


def test_login_needs_csrf_and_is_rate_limited(library: Path) -> None:
    web = TestClient(create_app(Config(root=library)), follow_redirects=False)
    token = csrf(web)
    assert web.post("/login", data={"name": "alice", "password": PASSWORD}).status_code == 403
    assert web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": "forged"}).status_code == 403
    for _ in range(5):
        assert web.post("/login", data={"name": "alice", "password": "guess", "csrf": token}).status_code == 401
    locked = web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": token})
    assert locked.status_code == 429, "even the right password waits once the limit is reached"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "http:/evil.example"],
)
def test_no_open_redirect_after_login(library: Path, target: str) -> None:
    web = TestClient(create_app(Config(root=library)), follow_redirects=False)
    response = web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf(web), "next": target})
    assert response.headers["location"] == "/admin"


def test_admin_sees_drafts_and_edits_albums(library: Path) -> None:
    web = logged_in(library)
    assert "Revoir la IOT Valley en images" in web.get("/admin").text
    assert web.get("/albums/iot-valley-2017").status_code == 200, "an admin sees private albums"
    assert post(web, "/admin/albums/iot-valley-2017/rename", title="IOT Valley, Labège").status_code == 303
    assert post(web, "/admin/albums/iot-valley-2017/describe", description="Une <b>journée</b>").status_code == 303
    photos = album_json(library, "la-melee-numerique-2017")["photos"]
    assert post(web, "/admin/albums/la-melee-numerique-2017/cover", sha256=photos[4]["sha256"]).status_code == 303
    assert post(web, "/admin/albums/la-melee-numerique-2017/hide", sha256=photos[5]["sha256"]).status_code == 303
    assert (
        post(
            web, "/admin/albums/la-melee-numerique-2017/move", sha256=photos[6]["sha256"], target="iot-valley-2017"
        ).status_code
        == 303
    )
    assert post(web, "/admin/albums/iot-valley-2017/publish").status_code == 303
    assert post(web, "/admin/albums/iot-valley-2017/options", show_location="on").status_code == 303
    split = post(web, "/admin/albums/la-melee-numerique-2017/split", at="2017-09-20T00:00")
    assert split.status_code == 303 and split.headers["location"].startswith(
        "/admin/albums/la-melee-numerique-2017-suite"
    )
    merged = post(
        web, "/admin/albums/cooperative-de-la-belle-de-mai-2017/merge", other="incubateur-euromediterranee-2017"
    )
    assert merged.status_code == 303
    albums = {a["slug"]: a for a in Gallery(library).json("albums")}
    iot, melee = albums["iot-valley-2017"], albums["la-melee-numerique-2017"]
    assert iot["title"] == "IOT Valley, Labège" and iot["description"] == "Une <b>journée</b>" and iot["published"]
    assert melee["cover"] == photos[4]["sha256"] and photos[6]["sha256"] in {p["sha256"] for p in iot["photos"]}
    assert "incubateur-euromediterranee-2017" not in albums
    page = web.get("/albums/iot-valley-2017").text
    assert "Une &lt;b&gt;journée&lt;/b&gt;" in page, "descriptions are text, not HTML"
    assert post(web, "/admin/albums/iot-valley-2017/explode").status_code == 404
    assert post(web, "/admin/albums/no-such/rename", title="x").status_code == 404
    assert post(web, "/admin/albums/iot-valley-2017/cover", sha256="zzzz").status_code == 400


def test_admin_posts_need_csrf_and_a_login(library: Path) -> None:
    web = logged_in(library)
    before = Gallery(library).rows("SELECT title, published FROM albums ORDER BY id")
    assert web.post("/admin/albums/iot-valley-2017/publish", data={}).status_code == 403
    assert web.post("/admin/albums/iot-valley-2017/publish", data={"csrf": "x"}).status_code == 403
    cross = web.post(
        "/admin/albums/iot-valley-2017/publish",
        data={"csrf": web.cookies["gallery_csrf"]},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    anonymous = TestClient(create_app(Config(root=library)), follow_redirects=False)
    token = csrf(anonymous)
    assert anonymous.post("/admin/albums/iot-valley-2017/publish", data={"csrf": token}).status_code == 403
    assert anonymous.post("/admin/missions", data={"csrf": token, "programme": "x"}).status_code == 403
    assert Gallery(library).rows("SELECT title, published FROM albums ORDER BY id") == before


def test_missions_page_loads_and_reports_errors(library: Path, mission_files_session: tuple[Path, Path]) -> None:
    web = logged_in(library)
    page = web.get("/admin/missions?title=Mission Marseille–Toulouse 2017")
    assert "la Mêlée numérique" in page.text, "the programme is there to edit"
    bad = post(web, "/admin/missions", programme="[mission]\ntitle = 'x'\ntimezone = 'Nowhere/Land'\n[[event]]\n")
    assert bad.status_code == 200 and "Ligne 3 : le fuseau « Nowhere/Land » n’est pas un fuseau IANA" in bad.text
    programme = mission_files_session[1].read_text().replace("Revoir la IOT Valley en images", "IOT Valley 2017")
    assert post(web, "/admin/missions", programme=programme).status_code == 303
    assert album_json(library, "la-melee-numerique-2017")["title"] == "Revoir la Mêlée numérique en images"
    titles = {a["title"] for a in Gallery(library).json("albums")}
    assert "IOT Valley 2017" in titles


def test_devices_page_sets_an_offset(library: Path) -> None:
    web = logged_in(library)
    page = web.get("/admin/devices")
    assert "<h2>Canon EOS 80D #0123456789</h2>" in page.text and "alignement sur les autres appareils" in page.text
    key = next(d["key"] for d in Gallery(library).json("devices") if d["name"].startswith("Canon"))
    assert post(web, "/admin/devices", device=key, offset="+6h").status_code == 303
    device = next(d for d in Gallery(library).json("devices") if d["key"] == key)
    assert device["manual"] and device["offset_seconds"] == 6 * 3600
    assert "Correction : +6 h</strong> — saisi à la main" in web.get("/admin/devices").text, "never raw seconds"
    assert "« soon » n’est pas une correction" in post(web, "/admin/devices", device=key, offset="soon").text
    assert post(web, "/admin/devices", device=key, offset="\u22121 h 30").status_code == 303, "as the page writes it"
    assert next(d for d in Gallery(library).json("devices") if d["key"] == key)["offset_seconds"] == -5400
    assert post(web, "/admin/devices", device="nope", offset="+1h").status_code == 200


def test_devices_page_offers_candidates_to_confirm(library: Path) -> None:
    import json
    import sqlite3

    key = next(d["key"] for d in Gallery(library).json("devices") if d["name"].startswith("Canon"))
    candidates = [
        {"correction": -6 * 3600, "probability": 0.83, "meets": 0.83, "reason": "zone", "zone": "Europe/Paris"},
        {"correction": -5 * 3600, "probability": 0.15, "meets": 0.69, "reason": "zone", "zone": None},
    ]
    with sqlite3.connect(library / "gallery.db") as conn:  # as a refresh leaves a device it could not align
        conn.execute(
            "UPDATE devices SET offset_source = NULL, offset_seconds = NULL, candidates = ? WHERE key = ?",
            (json.dumps(candidates), key),
        )
    web = logged_in(library)
    page = web.get("/admin/devices").text
    assert "−6 h : l’appareil est resté à l’heure de Paris ; 83 % de ses photos rejoignent celles des autres" in page
    assert page.count(">confirmer</button>") == 2 and 'name="offset" value="-6h"' in page
    assert post(web, "/admin/devices", device=key, offset="-6h").status_code == 303
    assert next(d for d in Gallery(library).json("devices") if d["key"] == key)["offset_seconds"] == -6 * 3600


def test_import_report_page(library: Path, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\0" * 100)
    Gallery(library).import_(tmp_path / "bad")
    page = logged_in(library).get("/admin/imports")
    assert "broken.jpg" in page.text and "refusé" in page.text
    assert str(tmp_path) not in page.text and "<td>corrupt" not in page.text, "no server path, no code"


def test_upload_through_the_import_pipeline(library: Path, tmp_path: Path) -> None:
    from datetime import datetime

    web = logged_in(library, upload_max_bytes=200_000, upload_max_files=5)
    good = make_photo(
        tmp_path / "up" / "IMG_9001.JPG",
        datetime(2017, 9, 21, 11, 0),
        offset="+02:00",
        gps=(43.5445, 1.5110),
        size=(200, 150),
    )
    big = make_photo(tmp_path / "up" / "big.jpg", datetime(2017, 9, 21, 11, 5), size=(900, 700), extra=b"x" * 250_000)
    files = [
        ("files", ("IMG_9001.JPG", good.read_bytes(), "image/jpeg")),
        ("files", ("again.jpg", good.read_bytes(), "image/jpeg")),
        ("files", ("notes.txt", b"hello", "text/plain")),
        ("files", ("big.jpg", big.read_bytes(), "image/jpeg")),
    ]
    response = web.post(
        "/admin/upload",
        data={"csrf": web.cookies["gallery_csrf"], "album": "iot-valley-2017"},
        files=files,
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    by_name = {f["name"]: f for f in response.json()["files"]}
    assert by_name["IMG_9001.JPG"]["status"] == "imported"
    assert by_name["again.jpg"]["status"] == "duplicate"
    assert by_name["notes.txt"]["status"] == "skipped" and by_name["notes.txt"]["detail"]
    assert by_name["big.jpg"]["status"] == "refused" and "limit" in by_name["big.jpg"]["detail"]
    iot = {a["slug"]: a for a in Gallery(library).json("albums")}["iot-valley-2017"]
    assert "IMG_9001.JPG" in {p["original_name"] for p in iot["photos"]}
    too_many = web.post(
        "/admin/upload",
        data={"csrf": web.cookies["gallery_csrf"]},
        files=[("files", (f"{i}.jpg", b"x", "image/jpeg")) for i in range(7)],
    )
    assert too_many.status_code == 413
    assert "Téléverser des photos" in web.get("/admin/upload").text


def test_share_links_from_the_cli(library: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(library), "albums", "share", "iot-valley-2017"])
    assert result.exit_code == 0
    url = result.output.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/s/[A-Za-z0-9_-]{32}", url), url
    stored = Gallery(library).rows("SELECT token_hash FROM shares")[0]["token_hash"]
    assert url.rsplit("/", 1)[1] not in stored, "only the token's hash is kept"
    revoked = CliRunner().invoke(main, ["--root", str(library), "albums", "unshare", "iot-valley-2017"])
    assert revoked.exit_code == 0 and "1 share link revoked" in revoked.output
