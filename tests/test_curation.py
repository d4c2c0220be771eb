"""Admin curation in-process: actions on a selection, the trash (restore, empty, 30 days), messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from gallery import catalog, trash
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery
from .test_admin import library, logged_in  # noqa: F401  (the fixture with an admin account)
from .test_web import album_json

MELEE = "la-melee-numerique-2017"


def select(web: TestClient, action: str, shas: list[str], slug: str = MELEE, **data: str) -> object:
    fields: dict[str, str | list[str]] = {"csrf": web.cookies["gallery_csrf"], "photo": shas, **data}
    return web.post(f"/admin/albums/{slug}/{action}", data=fields)


def test_actions_on_a_selection(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    shas = [p["sha256"] for p in album_json(library, MELEE)["photos"]]
    moved = select(web, "move", shas[:3], target="Revoir la IOT Valley en images")  # the title, as picked
    assert moved.status_code == 303 and "message=done_moved&n=3" in moved.headers["location"]  # type: ignore[attr-defined]
    page = web.get(moved.headers["location"]).text  # type: ignore[attr-defined]
    assert "Photos déplacées : 3." in page
    albums = {a["slug"]: a for a in Gallery(library).json("albums")}
    assert set(shas[:3]) <= {p["sha256"] for p in albums["iot-valley-2017"]["photos"]}
    assert select(web, "hide", shas[3:5]).status_code == 303
    assert select(web, "cover", [shas[6]]).status_code == 303
    albums = {a["slug"]: a for a in Gallery(library).json("albums")}
    assert albums[MELEE]["cover"] == shas[6]
    split = select(web, "split", [shas[20]])
    assert split.headers["location"].startswith(f"/admin/albums/{MELEE}-suite")  # type: ignore[attr-defined]
    albums = {a["slug"]: a for a in Gallery(library).json("albums")}
    rest = {p["sha256"] for p in albums[f"{MELEE}-suite"]["photos"]}
    assert shas[20] in rest and shas[19] not in rest


def test_errors_are_french_and_change_nothing(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    before = Gallery(library).json("albums")
    nothing = select(web, "move", [], target="iot-valley-2017")
    assert nothing.status_code == 400 and "Cochez d’abord des photos." in nothing.text  # type: ignore[attr-defined]
    sha = album_json(library, MELEE)["photos"][0]["sha256"]
    unknown = select(web, "move", [sha], target="Nulle part")
    assert unknown.status_code == 400 and "Choisissez l’album dans la liste." in unknown.text  # type: ignore[attr-defined]
    bad = select(web, "shift", [sha], hours="deux")
    assert bad.status_code == 400 and "nombres entiers" in bad.text  # type: ignore[attr-defined]
    assert Gallery(library).json("albums") == before


def test_shift_in_hours_and_minutes(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    photo = album_json(library, MELEE)["photos"][2]
    before = Gallery(library).rows("SELECT taken_at_utc FROM photos WHERE sha256 = ?", photo["sha256"])[0]
    assert select(web, "shift", [photo["sha256"]], sign="-", hours="1", minutes="30").status_code == 303
    after = Gallery(library).rows("SELECT taken_at_utc FROM photos WHERE sha256 = ?", photo["sha256"])[0]
    delta = datetime.fromisoformat(before["taken_at_utc"]) - datetime.fromisoformat(after["taken_at_utc"])
    assert delta == timedelta(hours=1, minutes=30)


def test_a_shift_leaves_times_estimated_for_grouping_alone(library: Path) -> None:  # noqa: F811
    """An estimate (timeline.ESTIMATED) is no capture time: shifting it would make one by hand."""
    web = logged_in(library)
    photos = album_json(library, MELEE)["photos"]
    guess, dated = photos[4]["sha256"], photos[5]["sha256"]
    with Gallery(library).db() as conn:  # as timeline.estimate_for_grouping writes it
        conn.execute("UPDATE photos SET time_source = 'estimated' WHERE sha256 = ?", (guess,))
    assert select(web, "shift", [guess], sign="+", hours="1", minutes="0").status_code == 400
    assert select(web, "shift", [guess, dated], sign="+", hours="1", minutes="0").status_code == 303
    sources = {r["sha256"]: r["time_source"] for r in Gallery(library).rows("SELECT sha256, time_source FROM photos")}
    assert sources[dated] == "manual" and sources[guess] != "manual"


def test_trash_restore_and_empty(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    visitor = TestClient(create_app(Config(root=library)))
    photos = album_json(library, MELEE)["photos"]
    gone, kept = photos[0]["sha256"], photos[1]["sha256"]
    assert select(web, "cover", [gone]).status_code == 303
    assert select(web, "trash", [gone, kept]).status_code == 303
    assert gone not in visitor.get(f"/albums/{MELEE}").text, "a trashed photo leaves the album page at once"
    assert visitor.get(f"/photos/{gone}").status_code == 404
    assert gone not in {p["sha256"] for p in album_json(library, MELEE)["photos"]}
    melee = next(a for a in Gallery(library).json("albums") if a["slug"] == MELEE)
    assert melee["cover"] and melee["cover"] != gone, "a trashed cover gives way to another photo"
    assert gone in web.get("/admin/trash").text
    restored = web.post("/admin/trash/restore", data={"csrf": web.cookies["gallery_csrf"], "photo": kept})
    assert restored.status_code == 303 and "done_restored" in restored.headers["location"]
    assert kept in {p["sha256"] for p in album_json(library, MELEE)["photos"]}, "back in the album it came from"
    path = library / Gallery(library).rows("SELECT path FROM photos WHERE sha256 = ?", gone)[0]["path"]
    assert path.is_file(), "the original stays until the trash is emptied"
    emptied = web.post("/admin/trash/empty", data={"csrf": web.cookies["gallery_csrf"]})
    assert emptied.status_code == 303
    assert not path.exists() and not Gallery(library).rows("SELECT id FROM photos WHERE sha256 = ?", gone)
    report = Gallery(library).json("check")
    assert not report["missing"] and not report["orphans"], "the catalog and check agree"
    assert web.post("/admin/trash/restore", data={"csrf": web.cookies["gallery_csrf"]}).status_code == 400


def test_trash_empties_after_thirty_days_from_the_cli(library: Path) -> None:  # noqa: F811
    sha = album_json(library, MELEE)["photos"][0]["sha256"]
    gallery = Gallery(library)
    gallery("trash", "put", sha[:10])
    assert gallery.json("trash", "list")[0]["sha256"] == sha
    gallery("trash", "empty")
    assert gallery.json("trash", "list"), "not yet 30 days"
    conn = catalog.connect(library / "gallery.db")
    try:
        later = datetime.now(UTC) + timedelta(days=trash.KEEP_DAYS, minutes=1)
        assert trash.empty(conn, Config(root=library), now=later) == 1
    finally:
        conn.close()
    assert not gallery.json("trash", "list")
    assert gallery("trash", "restore", sha[:10], ok=False).exit_code != 0, "deleted for good"


def test_programme_as_a_form(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    page = web.get("/admin/missions?title=Mission Marseille–Toulouse 2017").text
    assert 'name="event-0-name"' in page and "la Mêlée numérique" in page, "the loaded programme fills the form"
    fields = {
        "csrf": web.cookies["gallery_csrf"],
        "mode": "form",
        "title": "Visite à Lyon",
        "timezone": "Europe/Paris",
        "events": "3",
        "event-0-name": "Halle Tony Garnier",
        "event-0-start": "2019-05-02T09:00",
        "event-0-end": "2019-05-02T18:00",
        "event-0-where": "45.7319, 4.8197",
        "event-1-name": "Lyon « centre »",
        "event-1-start": "2019-05-03T09:00",
        "event-1-end": "2019-05-03T12:00",
        "event-1-where": "Lyon",
        "event-2-name": "",
    }
    saved = web.post("/admin/missions", data=fields)
    assert saved.status_code == 303 and "done_programme" in saved.headers["location"]
    source = next(m for m in Gallery(library).rows("SELECT * FROM missions") if m["title"] == "Visite à Lyon")["source"]
    assert "lat = 45.7319" in source and 'place = "Lyon"' in source and 'name = "Lyon « centre »"' in source
    wrong = web.post("/admin/missions", data={**fields, "event-1-start": "demain"})
    assert wrong.status_code == 200 and "Événement 2 : donnez une date et une heure." in wrong.text
    assert 'value="Lyon « centre »"' in wrong.text, "an error loses nothing typed"


def test_a_mission_renamed_in_its_form_stays_one_mission(library: Path) -> None:  # noqa: F811
    """Issue 13: the form edits the mission it was opened on; a new title renames it, albums and all."""
    from gallery import programme_form

    web = logged_in(library)
    old = "Mission Marseille–Toulouse 2017"
    page = web.get(f"/admin/missions?title={old}").text
    assert page.count(f'<input type="hidden" name="renames" value="{old}">') == 2, "the form and the TOML box"
    (mission,) = Gallery(library).rows("SELECT id, source FROM missions")
    rows = programme_form.rows_from_programme(mission["source"])
    fields = {"csrf": web.cookies["gallery_csrf"], "mode": "form", "renames": old, "events": str(len(rows["events"]))}
    fields |= {"title": "Délégation Occitanie 2017", "timezone": rows["timezone"], "description": rows["description"]}
    for i, event in enumerate(rows["events"]):
        fields |= {f"event-{i}-{key}": str(value) for key, value in event.items()}
    saved = web.post("/admin/missions", data=fields)
    assert saved.status_code == 303, saved.text
    assert Gallery(library).rows("SELECT id, title FROM missions") == [
        {"id": mission["id"], "title": "Délégation Occitanie 2017"}
    ]
    (other,) = Gallery(library).rows("SELECT title FROM albums WHERE slug = 'autres-photos'")
    assert other["title"] == "Autres photos — Délégation Occitanie 2017"
    assert 'name="renames" value="Délégation Occitanie 2017"' in web.get(saved.headers["location"]).text


def test_download_the_selection(library: Path) -> None:  # noqa: F811
    import io
    import zipfile

    web = logged_in(library)
    shas = [p["sha256"] for p in album_json(library, MELEE)["photos"][:2]]
    response = select(web, "download", shas)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"  # type: ignore[attr-defined]
    archive = zipfile.ZipFile(io.BytesIO(response.content))  # type: ignore[attr-defined]
    assert len(archive.namelist()) == 2
    import hashlib

    assert {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()} == set(shas)
    assert select(web, "download", []).status_code == 400  # type: ignore[attr-defined]
