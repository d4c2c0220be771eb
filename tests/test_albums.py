"""Albums through the CLI: the demo mission, its programme, people's edits that win, the JSON contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import Gallery, make_photo

SLUGS = {
    "cooperative-de-la-belle-de-mai-2017",
    "incubateur-euromediterranee-2017",
    "la-melee-numerique-2017",
    "iot-valley-2017",
    "autres-photos",
    "non-datees",
}


@pytest.fixture
def mission_files(mission_files_session: tuple[Path, Path]) -> tuple[Path, Path]:
    return mission_files_session


def _albums(gallery: Gallery) -> dict[str, dict]:
    return {a["slug"]: a for a in gallery.json("albums")}


def test_programme_before_or_after_the_import_gives_the_same_albums(
    gallery: Gallery, tmp_path: Path, mission_files: tuple[Path, Path]
) -> None:
    cards, programme = mission_files
    gallery.import_(cards, extra=("--no-viewer",))
    gallery("mission", "load", str(programme))
    after = _albums(gallery)
    other = Gallery(tmp_path / "other")
    other("mission", "load", str(programme))
    other.import_(cards, extra=("--no-viewer",))
    before = _albums(other)
    assert set(after) == set(before) == SLUGS
    for slug in SLUGS:
        assert after[slug]["title"] == before[slug]["title"]
        assert {p["sha256"] for p in after[slug]["photos"]} == {p["sha256"] for p in before[slug]["photos"]}
    assert after["la-melee-numerique-2017"]["title"] == "Revoir la Mêlée numérique en images"
    assert after["incubateur-euromediterranee-2017"]["title"] == "Revoir Incubateur Euroméditerranée en images"
    assert after["iot-valley-2017"]["place"] == "Labège"
    gallery("mission", "load", str(programme))  # idempotent
    assert _albums(gallery) == after


def test_album_json_contract(gallery: Gallery, mission_files: tuple[Path, Path]) -> None:
    cards, programme = mission_files
    gallery("mission", "load", str(programme))
    gallery.import_(cards, extra=("--no-viewer",))
    melee = _albums(gallery)["la-melee-numerique-2017"]
    for key in (
        "slug",
        "title",
        "description",
        "start",
        "end",
        "place",
        "country",
        "mission",
        "published",
        "cover",
        "photos",
    ):
        assert key in melee
    assert melee["start"].startswith("2017-09-19T") and melee["start"].endswith("+02:00")
    assert melee["end"].startswith("2017-09-20T") and melee["mission"] == "Mission Marseille–Toulouse 2017"
    assert melee["published"] is False and len(melee["cover"]) == 64
    assert (melee["place"], melee["country"]) == ("Toulouse", "FR")
    photo = melee["photos"][0]
    assert {"sha256", "original_name", "taken_at"} <= set(photo)
    camera = [p for p in melee["photos"] if p["device"].startswith("Canon")]
    assert camera, "the camera on Québec time is aligned and its photos land in the festival"


def test_albums_without_programme_are_named_by_place_and_dates(
    gallery: Gallery, mission_files: tuple[Path, Path]
) -> None:
    cards, _ = mission_files
    gallery.import_(cards, extra=("--no-viewer",))
    titles = {a["title"] for a in gallery.json("albums")}
    assert "Toulouse, 19 et 20 septembre 2017" in titles
    assert {"Marseille, 18 septembre 2017 (matin)", "Marseille, 18 septembre 2017 (après-midi)"} <= titles
    assert "Non datées" in titles
    explained = gallery("albums", "explain", "toulouse-2017-09-19").stdout
    assert "same place again after" in explained


def test_edits_by_people_win_over_regrouping(
    gallery: Gallery, tmp_path: Path, mission_files: tuple[Path, Path]
) -> None:
    cards, programme = mission_files
    gallery("mission", "load", str(programme))
    gallery.import_(cards, extra=("--no-viewer",))
    albums = _albums(gallery)
    melee, iot = albums["la-melee-numerique-2017"], albums["iot-valley-2017"]
    moved, hidden, cover = melee["photos"][0]["sha256"], melee["photos"][1]["sha256"], melee["photos"][5]["sha256"]
    gallery("albums", "rename", "iot-valley-2017", "IOT Valley à Labège")
    gallery("albums", "describe", "iot-valley-2017", "Une journée de conférences.")
    gallery("albums", "cover", "la-melee-numerique-2017", cover[:8])
    gallery("albums", "hide", "la-melee-numerique-2017", hidden)
    gallery("albums", "move", moved, "iot-valley-2017")
    new_slug = gallery("albums", "split", "la-melee-numerique-2017", "2017-09-20T00:00").stdout.split()[-1].rstrip(".")
    gallery("albums", "merge", "cooperative-de-la-belle-de-mai-2017", "incubateur-euromediterranee-2017")
    gallery("albums", "publish", "iot-valley-2017")

    # a later import of more photos, and a reload of the programme, regroup everything
    later = tmp_path / "later"
    make_photo(later / "late.jpg", None, offset="+02:00", gps=(43.6111, 1.4339), size=(160, 120))
    shutil.copy(later / "late.jpg", later / "late2.jpg")  # a duplicate, for good measure
    from datetime import datetime

    make_photo(
        later / "melee.jpg",
        datetime(2017, 9, 19, 11, 0),
        offset="+02:00",
        gps=(43.6111, 1.4339),
        size=(160, 120),
        color=(1, 2, 3),
    )
    gallery.import_(later, extra=("--no-viewer",))
    gallery("mission", "load", str(programme))

    albums = _albums(gallery)
    iot, melee = albums["iot-valley-2017"], albums["la-melee-numerique-2017"]
    assert iot["title"] == "IOT Valley à Labège" and iot["description"] == "Une journée de conférences."
    assert iot["published"] is True
    assert moved in {p["sha256"] for p in iot["photos"]}
    assert melee["cover"] == cover
    assert "incubateur-euromediterranee-2017" not in albums, "merged away"
    days = {p["taken_at"][:10] for p in melee["photos"]}
    assert days == {"2017-09-19"} and {p["taken_at"][:10] for p in albums[new_slug]["photos"]} == {"2017-09-20"}
    assert any(p["original_name"] == "melee.jpg" for p in melee["photos"]), "new photos join the existing album"
    with gallery.db() as conn:
        assert (
            conn.execute(
                "SELECT hidden FROM album_photos ap JOIN photos p ON p.id = ap.photo_id WHERE p.sha256 = ?", (hidden,)
            ).fetchone()[0]
            == 1
        )


def test_publish_all_and_unpublish(gallery: Gallery, mission_files: tuple[Path, Path]) -> None:
    cards, programme = mission_files
    gallery("mission", "load", str(programme))
    gallery.import_(cards, extra=("--no-viewer",))
    assert not any(a["published"] for a in gallery.json("albums")), "new albums are private drafts"
    gallery("albums", "publish", "--all")
    assert all(a["published"] for a in gallery.json("albums"))
    gallery("albums", "unpublish", "iot-valley-2017")
    assert not _albums(gallery)["iot-valley-2017"]["published"]
    missing = gallery("albums", "publish", "no-such-album", ok=False)
    assert missing.exit_code == 1 and "no album" in missing.output


@pytest.mark.parametrize(
    ("programme", "message"),
    [
        ("[mission]\ntitle = 'x'\n", "needs a 'timezone'"),
        (
            "[mission]\ntitle = 'x'\ntimezone = 'Mars/Base'\n[[event]]\n",
            "line 3: timezone 'Mars/Base' is not an IANA zone",
        ),
        ("[mission]\ntitle = 'x'\ntimezone = 'Europe/Paris'\n", "has no [[event]]"),
        (
            "[mission]\ntitle = 'x'\ntimezone = 'Europe/Paris'\n\n[[event]]\nname = 'A'\nstart = '2017-09-19'\n"
            "end = 2017-09-20T10:00:00\n",
            "line 7, event 1, field 'start'",
        ),
        (
            "[mission]\ntitle = 'x'\ntimezone = 'Europe/Paris'\n[[event]]\nname = 'A'\nstart = 2017-09-19T10:00:00\n"
            "end = 2017-09-18T10:00:00\n",
            "line 7, event 1, field 'end': the end comes before the start",
        ),
        (
            "[mission]\ntitle = 'x'\ntimezone = 'Europe/Paris'\n[[event]]\nname = 'A'\nstart = 2017-09-19T10:00:00\n"
            "end = 2017-09-19T12:00:00\nlat = 43.6\n",
            "line 4, event 1, field 'lon': give both lat and lon",
        ),
        (
            "[mission]\ntitle = 'x'\ntimezone = 'Europe/Paris'\n[[event]]\nname = 'A'\nstart = 2017-09-19T10:00:00\n"
            "end = 2017-09-19T12:00:00\nvenue = 'x'\n",
            "field 'venue': unknown field",
        ),
        ("[mission\ntitle = 'x'", "not valid TOML"),
    ],
)
def test_malformed_programmes_are_refused_and_change_nothing(
    gallery: Gallery, tmp_path: Path, programme: str, message: str
) -> None:
    make_photo(tmp_path / "s" / "a.jpg", None)
    gallery.import_(tmp_path / "s", extra=("--no-viewer",))
    before = gallery.rows("SELECT * FROM albums")
    (tmp_path / "bad.toml").write_text(programme, encoding="utf-8")
    result = gallery("mission", "load", str(tmp_path / "bad.toml"), ok=False)
    assert result.exit_code == 1 and message in result.output, result.output
    assert result.output.count("\n") == 1, "one line"
    assert gallery.rows("SELECT * FROM albums") == before
    assert gallery.rows("SELECT * FROM missions") == []


def test_undated_photos_never_join_an_event(gallery: Gallery, mission_files: tuple[Path, Path]) -> None:
    cards, programme = mission_files
    gallery("mission", "load", str(programme))
    gallery.import_(cards, extra=("--no-viewer",))
    undated = _albums(gallery)["non-datees"]
    assert [p["original_name"] for p in undated["photos"]] == ["scan-sans-date.jpg"]
    assert undated["start"] is None
    rows = json.loads(gallery("photos", "--json").stdout)
    assert sum(1 for r in rows if r["original_name"] == "from-alice.jpg") == 0, "the shared duplicate is one photo"


def test_a_title_starting_with_a_lower_case_place_starts_with_a_capital() -> None:
    from gallery.albums import default_title

    album = {"kind": "event", "mission_event_id": None}
    title = default_title(
        album, "2019-05-06T10:00:00+00:00", "2019-05-06T12:00:00+00:00", "Europe/Andorra", "les Escaldes", {}, None
    )
    assert title == "Les Escaldes, 6 mai 2019"
    assert default_title(album, None, None, None, "les Escaldes", {}, None) == "Les Escaldes"
