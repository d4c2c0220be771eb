"""Browser uploads (issue 9): concurrent uploads never lose files, one device per camera and upload,
duplicates are reported where they are and moved nowhere, covers stay, bad names cost one file."""

from __future__ import annotations

import asyncio
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery import catalog, i18n
from gallery.cli import main
from gallery.config import Config
from gallery.models import OutcomeStatus
from gallery.web import create_app

from .conftest import Gallery, make_photo

PASSWORD = "correct horse battery"


@pytest.fixture
def library(library: Path) -> Path:
    result = CliRunner().invoke(main, ["--root", str(library), "user", "add", "alice"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return library


def admin(root: Path, **settings: Any) -> TestClient:
    web = TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)
    web.get("/login")
    response = web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": web.cookies["gallery_csrf"]})
    assert response.status_code == 303, response.text
    return web


def upload(web: TestClient, files: list[tuple[str, bytes]], album: str = "") -> Any:
    response = web.post(
        "/admin/upload",
        data={"csrf": web.cookies["gallery_csrf"], "album": album},
        files=[("files", (name, data, "image/jpeg")) for name, data in files],
        headers={"accept": "application/json"},
    )
    return response


def photo_bytes(folder: Path, name: str, minute: int, **options: Any) -> bytes:
    when = options.pop("when", datetime(2017, 9, 21, 11, minute))
    return make_photo(folder / name, when, offset="+02:00", color=(minute * 4 % 255, 90, 200), **options).read_bytes()


def test_concurrent_uploads_all_land_and_none_answers_500(library: Path, tmp_path: Path, caplog: Any) -> None:
    web = admin(library)
    app, cookies = web.app, dict(web.cookies)
    batches = [
        [(f"up{n}-{k}.jpg", photo_bytes(tmp_path / str(n), f"{k}.jpg", n * 3 + k)) for k in range(2)] for n in range(6)
    ]

    async def run() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies, timeout=120
        ) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/admin/upload",
                        data={"csrf": cookies["gallery_csrf"]},
                        headers={"accept": "application/json"},
                        files=[("files", (name, data, "image/jpeg")) for name, data in batch],
                    )
                    for batch in batches
                )
            )

    answers = asyncio.run(run())
    assert [a.status_code for a in answers] == [200] * 6, caplog.text[-1500:]
    statuses = [f["status"] for a in answers for f in a.json()["files"]]
    assert statuses == ["imported"] * 12, [
        (f["name"], f["status"], f["detail"]) for a in answers for f in a.json()["files"]
    ]
    names = {row["original_name"] for row in Gallery(library).rows()}
    assert {name for batch in batches for name, _ in batch} <= names


def test_an_upload_is_one_device_per_camera_and_upload(library: Path, tmp_path: Path) -> None:
    web = admin(library)
    files = [(f"IMG_{n}.jpg", photo_bytes(tmp_path, f"{n}.jpg", n, make="Fuji", model="X-T2")) for n in range(3)]
    assert [f["status"] for f in upload(web, files).json()["files"]] == ["imported"] * 3
    keys = {r["device"] for r in Gallery(library).rows("SELECT device FROM photos WHERE make = 'Fuji'")}
    assert len(keys) == 1, keys
    (key,) = keys
    assert "alice" in key and "/0000" not in key, key
    later = [("IMG_9.jpg", photo_bytes(tmp_path, "9.jpg", 9, make="Fuji", model="X-T2"))]
    upload(web, later)
    assert len({r["device"] for r in Gallery(library).rows("SELECT device FROM photos WHERE make = 'Fuji'")}) == 2


def test_a_duplicate_upload_says_where_the_photo_is_and_moves_nothing(library: Path) -> None:
    gallery = Gallery(library)
    row = gallery.rows(
        "SELECT p.path, p.original_name, a.slug, a.title FROM photos p JOIN album_photos ap "
        "ON ap.photo_id = p.id JOIN albums a ON a.id = ap.album_id "
        "WHERE a.slug = 'la-melee-numerique-2017'"
    )[0]
    data = (library / row["path"]).read_bytes()
    answer = upload(admin(library), [("again.jpg", data)], album="iot-valley-2017").json()["files"][0]
    assert answer["status"] == "duplicate" and row["title"] in answer["detail"], answer
    after = gallery.rows(
        "SELECT a.slug FROM photos p JOIN album_photos ap ON ap.photo_id = p.id "
        "JOIN albums a ON a.id = ap.album_id WHERE p.path = ?",
        row["path"],
    )
    assert after[0]["slug"] == "la-melee-numerique-2017", "the duplicate was moved"


def test_an_upload_never_changes_a_published_cover(library: Path, tmp_path: Path) -> None:
    gallery = Gallery(library)
    before = {a["slug"]: a["cover"] for a in gallery.json("albums") if a["published"]}
    sharp = make_photo(
        tmp_path / "sharp.jpg", datetime(2017, 9, 19, 15, 0), offset="+02:00", size=(400, 300), color=(10, 10, 10)
    )
    from PIL import Image, ImageDraw

    image = Image.open(sharp)
    draw = ImageDraw.Draw(image)
    for x in range(0, 400, 2):  # fine stripes: the sharpest photo of any album
        draw.line((x, 0, x, 300), fill=(255, 255, 255))
    image.save(sharp, quality=95)
    answer = upload(admin(library), [("sharp.jpg", sharp.read_bytes())], album="la-melee-numerique-2017").json()
    assert answer["files"][0]["status"] == "imported", answer
    after = {a["slug"]: a["cover"] for a in gallery.json("albums") if a["published"]}
    assert after == before


@pytest.mark.parametrize("bad", ["..", ".", "é" * 130 + ".jpg", "a/../../..", "\x00.jpg"])
def test_a_bad_file_name_costs_that_file_only(library: Path, tmp_path: Path, bad: str) -> None:
    good = photo_bytes(tmp_path, "good.jpg", 1)
    response = upload(admin(library), [(bad, photo_bytes(tmp_path, "bad.jpg", 2)), ("good.jpg", good)])
    assert response.status_code == 200, response.text
    assert str(library) not in response.text and "/tmp" not in response.text
    files = response.json()["files"]
    assert [f["status"] for f in files if f["name"] == "good.jpg"] == ["imported"]
    assert len(files) == 2


def test_no_upload_message_shows_a_server_path(library: Path, tmp_path: Path) -> None:
    web = admin(library)
    page = web.post(
        "/admin/upload",
        data={"csrf": web.cookies["gallery_csrf"]},
        files=[
            ("files", ("..", b"\xff\xd8\xff" + b"\0" * 50, "image/jpeg")),
            ("files", ("broken.jpg", b"\xff\xd8\xff" + b"\0" * 50, "image/jpeg")),
        ],
    )
    assert page.status_code == 200
    assert str(library) not in page.text and str(tmp_path) not in page.text and "/.uploads" not in page.text


def test_an_upload_into_an_album_deleted_meanwhile_says_where_the_files_went(library: Path, tmp_path: Path) -> None:
    web = admin(library)
    response = upload(web, [("late.jpg", photo_bytes(tmp_path, "late.jpg", 3))], album="an-album-deleted-meanwhile")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["files"][0]["status"] == "imported"
    assert report["files"][0]["album"], report
    assert "an-album-deleted-meanwhile" in report["error"], report
    conn = catalog.connect(library / "gallery.db")
    try:
        assert (
            catalog.photo_with_album(conn, report["files"][0]["sha256"])["album_title"] == report["files"][0]["album"]
        )  # type: ignore[index]
    finally:
        conn.close()


def test_an_undated_upload_stays_undated(library: Path, tmp_path: Path) -> None:
    data = make_photo(tmp_path / "nodate.jpg", None, color=(1, 2, 3)).read_bytes()
    answer = upload(admin(library), [("nodate.jpg", data)]).json()["files"][0]
    assert answer["status"] == "imported", answer
    row = Gallery(library).rows("SELECT * FROM photos WHERE sha256 = ?", answer["sha256"])[0]
    assert row["camera_time"] is None and row["taken_at_utc"] is None, "dated by its upload time"


def test_an_upload_meeting_a_long_import_is_queued_and_imported_with_the_next(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gallery import importer
    from gallery.web import uploads

    monkeypatch.setattr(uploads, "WAIT_SECONDS", 0.5)
    web = admin(library)
    with importer.library_lock(Config(root=library)):  # an import that runs longer than the upload waits
        answer = upload(web, [("kept.jpg", photo_bytes(tmp_path, "kept.jpg", 7))])
    assert answer.status_code == 200 and [f["status"] for f in answer.json()["files"]] == ["queued"], answer.text
    assert answer.json()["error"] and str(library) not in answer.text
    assert list((library / ".uploads").rglob("kept.jpg")), "the queued files are kept"
    upload(web, [("next.jpg", photo_bytes(tmp_path, "next.jpg", 8))])
    names = {row["original_name"] for row in Gallery(library).rows()}
    assert {"kept.jpg", "next.jpg"} <= names
    assert not list((library / ".uploads").rglob("*.jpg")), "nothing left behind once imported"


def test_an_upload_waits_for_a_short_import(library: Path, tmp_path: Path) -> None:
    import threading

    from gallery import importer

    web = admin(library)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with importer.library_lock(Config(root=library)):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()
    answer = upload(web, [("waited.jpg", photo_bytes(tmp_path, "waited.jpg", 9))])
    holder.join()
    assert [f["status"] for f in answer.json()["files"]] == ["imported"], answer.text


def test_every_outcome_an_upload_reports_has_its_words() -> None:
    """H25: Outcome.status is a Literal; the upload page says each in words (« restaurée » was missing)."""
    shown = [s for s in typing.get_args(OutcomeStatus) if s != "fatal"]  # fatal stops the import instead
    assert shown and all(f"status_{s}" in i18n.TEXT for s in shown), shown
    assert i18n.text("status_restored", "fr") == "restaurée"
