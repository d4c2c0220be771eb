"""Honest dates: a date taken from a file's mtime is « date incertaine » wherever it shows, stays out of
timelines, album date ranges and events, until a person sets it or confirms it (CLI and admin)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery import i18n, timeline
from gallery.cli import main
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, make_photo

PASSWORD = "correct horse battery"
EVENT = "toulouse-19-septembre-2017"


@pytest.fixture
def dated(tmp_path: Path) -> dict[str, Any]:
    """Twelve photos of one morning in Toulouse, and one file whose only date is its mtime (today)."""
    card = tmp_path / "card"
    for i in range(12):
        make_photo(
            card / f"IMG_{i:04d}.JPG",
            datetime(2017, 9, 19, 9, 0) + timedelta(minutes=4 * i),
            offset="+02:00",
            gps=(43.6045, 1.4440),
            color=(i * 20, 90, 140),
        )
    make_photo(card / "scan.jpg", make=None, model=None, color=(10, 200, 10))  # no EXIF date at all
    gallery = Gallery(tmp_path / "library")
    gallery.import_(card, extra=("--no-viewer",))
    added = CliRunner().invoke(main, ["--root", str(gallery.root), "user", "add", "alice"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    weak = next(r for r in gallery.rows() if r["original_name"] == "scan.jpg")
    event = next(a for a in gallery.json("albums") if a["kind"] == "event")
    return {"gallery": gallery, "weak": weak["sha256"], "event": event["slug"]}


def _album(gallery: Gallery, slug: str) -> dict[str, Any]:
    return next(a for a in gallery.json("albums") if a["slug"] == slug)


def _photo(gallery: Gallery, sha: str) -> dict[str, Any]:
    return next(p for p in gallery.json("photos") if p["sha256"] == sha)


def test_an_mtime_date_is_flagged_and_goes_to_the_undated_album(dated: dict[str, Any]) -> None:
    gallery, weak = dated["gallery"], dated["weak"]
    photo = _photo(gallery, weak)
    assert photo["time_source"] == "mtime" and photo["date_uncertain"] is True
    assert datetime.fromisoformat(photo["taken_at"]).date() == datetime.now(UTC).date(), "the mtime is today"
    assert all(not p["date_uncertain"] for p in gallery.json("photos") if p["sha256"] != weak)
    undated = next(a for a in gallery.json("albums") if a["kind"] == "undated")
    assert [p["sha256"] for p in undated["photos"]] == [weak] and undated["start"] is None
    assert "uncertain date" in gallery("photos").output


def test_an_uncertain_date_never_stretches_an_album_nor_heads_the_timeline(dated: dict[str, Any]) -> None:
    gallery, weak, event = dated["gallery"], dated["weak"], dated["event"]
    gallery("albums", "move", weak, event)  # as an upload into an album does
    gallery("albums", "publish", "--all")
    album = _album(gallery, event)
    assert weak in {p["sha256"] for p in album["photos"]}
    assert album["start"][:10] == album["end"][:10] == "2017-09-19", (album["start"], album["end"])
    web = TestClient(create_app(Config(root=gallery.root)))
    today = datetime.now(UTC).date()
    page = web.get("/timeline").text
    assert i18n.date_range(today, today, "fr") not in page and weak not in page
    assert i18n.date_range(date(2017, 9, 19), date(2017, 9, 19), "fr") in page
    viewer = web.get(f"/photos/{weak}")
    assert "date incertaine" in viewer.text and i18n.long_datetime(datetime.now(UTC), "fr")[:-6] not in viewer.text
    assert "uncertain date" in web.get(f"/photos/{weak}?lang=en").text
    grid = web.get(f"/albums/{event}?lang=fr").text
    assert grid.count("date incertaine") == 1, "the grid's alt text says so for that photo only"
    api = web.get(f"/api/photos/{weak}").json()
    assert api["date_uncertain"] is True
    assert web.get(f"/api/albums/{event}").json()["end"][:10] == "2017-09-19"


def test_set_date_makes_it_certain_and_regroups(dated: dict[str, Any]) -> None:
    gallery, weak, event = dated["gallery"], dated["weak"], dated["event"]
    naive = gallery("photos", "set-date", weak[:8], "2017-09-19T09:10", ok=False)
    assert naive.exit_code == 1 and "time zone" in naive.output and "Traceback" not in naive.output
    unknown = gallery("photos", "set-date", "abcdef0", "2017-09-19T09:10+02:00", ok=False)
    assert unknown.exit_code == 1 and "no single photo" in unknown.output
    result = gallery("photos", "set-date", weak[:8], "2017-09-19T09:10", "--timezone", "Europe/Paris")
    assert "Date set for 1 photo" in result.output
    photo = _photo(gallery, weak)
    assert photo["time_source"] == "manual" and photo["date_uncertain"] is False
    assert photo["taken_at"] == "2017-09-19T09:10:00+02:00" and photo["timezone"] == "Europe/Paris"
    assert weak in {p["sha256"] for p in _album(gallery, event)["photos"]}, "regrouped into the morning's event"
    assert not [a for a in gallery.json("albums") if a["kind"] == "undated"]
    more = make_photo(gallery.root.parent / "more" / "IMG_9000.JPG", datetime(2017, 9, 20, 9, 0), offset="+02:00")
    gallery.import_(more, extra=("--no-viewer",))  # a later import regroups: the date a person set stays
    assert _photo(gallery, weak)["taken_at"] == "2017-09-19T09:10:00+02:00"


def test_confirm_date_keeps_the_instant_and_drops_the_flag(dated: dict[str, Any]) -> None:
    gallery, weak = dated["gallery"], dated["weak"]
    before = _photo(gallery, weak)["taken_at_utc"]
    result = gallery("photos", "confirm-date", weak)
    assert "Date confirmed for 1 photo" in result.output
    photo = _photo(gallery, weak)
    assert photo["taken_at_utc"] == before and photo["time_source"] == "manual" and not photo["date_uncertain"]
    assert not [a for a in gallery.json("albums") if a["kind"] == "undated"], "a confirmed date is a real date"


def test_confirm_date_never_turns_a_time_estimated_for_grouping_into_a_capture_time(dated: dict[str, Any]) -> None:
    """An estimate (timeline.ESTIMATED) is a guess from a device's likeliest corrections: confirming
    a selection that holds one leaves it estimated and says what to do instead."""
    gallery = dated["gallery"]
    guess = gallery.rows()[3]
    with gallery.db() as conn:  # as timeline.estimate_for_grouping writes it for an unresolved camera
        conn.execute("UPDATE photos SET time_source = ? WHERE id = ?", (timeline.ESTIMATED, guess["id"]))
        conn.commit()
    result = gallery("photos", "confirm-date", guess["sha256"])
    assert "Date confirmed for 0 photos" in result.output and "estimated for grouping only" in result.output
    # no hand-set time was written (the refresh then re-times the photo from its own evidence)
    assert _photo(gallery, guess["sha256"])["time_source"] != "manual"


def test_the_admin_dates_a_selection_with_a_csrf_protected_form(dated: dict[str, Any]) -> None:
    gallery, weak = dated["gallery"], dated["weak"]
    web = TestClient(create_app(Config(root=gallery.root)), follow_redirects=False)
    web.get("/login")
    token = web.cookies["gallery_csrf"]
    assert web.post("/login", data={"name": "alice", "password": PASSWORD, "csrf": token}).status_code == 303
    undated = next(a for a in gallery.json("albums") if a["kind"] == "undated")["slug"]
    page = web.get(f"/admin/albums/{undated}").text
    assert 'name="photo"' in page and "date incertaine" in page and f"/admin/albums/{undated}/confirm-date" in page
    form = {"photo": [weak], "when": "2017-09-19T09:30", "timezone": "Europe/Paris"}
    assert web.post(f"/admin/albums/{undated}/set-date", data=form).status_code == 403, "no CSRF token"
    assert _photo(gallery, weak)["date_uncertain"] is True
    done = web.post(f"/admin/albums/{undated}/set-date", data={**form, "csrf": token})
    assert done.status_code == 303, done.text
    photo = _photo(gallery, weak)
    assert photo["taken_at"] == "2017-09-19T09:30:00+02:00" and photo["time_source"] == "manual"
    assert web.post(f"/admin/albums/{dated['event']}/set-date", data={"csrf": token, "when": "x"}).status_code == 400


def test_a_manual_time_beats_every_other_evidence() -> None:
    manual = datetime(2017, 9, 19, 9, 30, tzinfo=UTC)
    shot = timeline.Shot(
        1,
        "cam",
        datetime(2026, 11, 28, 15, 0),
        camera_offset=60,
        date_source="mtime",
        manual_time=manual,
        manual_zone="Europe/Paris",
    )
    [timing], _ = timeline.resolve([shot], lambda lat, lon: None)
    assert timing.source == "manual" and timing.utc == manual and timing.zone == "Europe/Paris"
    assert timing.local == datetime(2017, 9, 19, 11, 30)
