"""Time and place through the CLI: devices, hand-set offsets, venues, the photos JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from .conftest import Gallery, make_photo

TOULOUSE = (43.6045, 1.4442)


def _mission(tmp_path: Path) -> Path:
    """A phone with GPS and a camera without, its clock still on Québec time (6 h behind)."""
    start = datetime(2017, 9, 19, 7, 0, tzinfo=UTC)
    for n, minute in enumerate([0, 3, 4, 40, 41, 95, 180, 182, 183, 260, 330, 333]):  # bursty, as people shoot
        moment = start + timedelta(minutes=minute)
        paris = (moment + timedelta(hours=2)).replace(tzinfo=None)
        make_photo(
            tmp_path / "cards" / "alice" / f"P{n:03d}.jpg",
            paris,
            gps=TOULOUSE,
            gps_time=moment,
            make="Apple",
            model="iPhone 6",
            color=(n * 20, 100, 0),
        )
        if n % 2:
            make_photo(
                tmp_path / "cards" / "bob" / f"C{n:03d}.jpg",
                paris - timedelta(hours=6),
                make="Canon",
                model="EOS 40D",
                color=(0, n * 20, 100),
            )
    return tmp_path / "cards"


def test_devices_are_listed_with_their_clocks(gallery: Gallery, tmp_path: Path) -> None:
    gallery.import_(_mission(tmp_path), extra=("--no-viewer",))
    devices = {d["name"]: d for d in gallery.json("devices")}
    phone, camera = devices["Apple iPhone 6 (alice)"], devices["Canon EOS 40D (bob)"]
    assert (phone["photos"], phone["with_gps"], phone["offset_source"]) == (12, 12, "gps")
    assert phone["offset_seconds"] == 0, "a phone on local time needs no correction"
    assert camera["photos"] == 6 and camera["with_gps"] == 0
    # one convention: the correction set-offset would take (+6 h for a camera on Québec time in France)
    assert camera["offset_source"] == "alignment" and abs(camera["offset_seconds"] - 6 * 3600) <= 120
    table = gallery("devices").stdout
    assert "Canon EOS 40D (bob)" in table and "alignment" in table


def test_photos_json_has_time_and_place(gallery: Gallery, tmp_path: Path) -> None:
    gallery.import_(_mission(tmp_path), extra=("--no-viewer",))
    photos = {p["original_name"]: p for p in gallery.json("photos")}
    phone, camera = photos["P001.jpg"], photos["C001.jpg"]
    assert phone["taken_at"] == "2017-09-19T09:03:00+02:00" and phone["time_source"] == "gps_clock"
    assert (phone["place"], phone["country"], phone["place_inferred"]) == ("Toulouse", "FR", False)
    assert camera["time_source"] == "device_offset" and camera["timezone"] == "Europe/Paris"
    taken = datetime.fromisoformat(camera["taken_at_utc"])
    assert abs((taken - datetime(2017, 9, 19, 7, 3, tzinfo=UTC)).total_seconds()) <= 120
    assert (camera["place"], camera["place_inferred"]) == ("Toulouse", True)
    for key in ("taken_at_utc", "timezone", "time_source", "device", "place", "country", "place_inferred"):
        assert key in phone


def test_set_offset_by_hand_retimes_the_device(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", datetime(2017, 9, 19, 4, 0), make="Canon", model="EOS 40D")
    gallery.import_(tmp_path / "s", extra=("--no-viewer", "--timezone", "Europe/Paris"))
    assert gallery.json("photos")[0]["taken_at"] == "2017-09-19T04:00:00+02:00"
    out = gallery("devices", "set-offset", "Canon EOS 40D", "+6h").stdout
    assert "1 photos re-timed" in out
    [photo] = gallery.json("photos")
    assert photo["taken_at"] == "2017-09-19T10:00:00+02:00" and photo["time_source"] == "device_offset"
    assert gallery.json("devices")[0]["manual"] is True
    gallery("devices", "clear-offset", "Canon EOS 40D")
    assert gallery.json("photos")[0]["taken_at"] == "2017-09-19T04:00:00+02:00"
    missing = gallery("devices", "set-offset", "Nikon", "+1h", ok=False)
    assert missing.exit_code == 1 and "no device matches" in missing.output


def test_clock_offset_option(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", datetime(2017, 9, 19, 4, 0))
    gallery.import_(tmp_path / "s", extra=("--no-viewer", "--timezone", "Europe/Paris", "--clock-offset=+6h"))
    [photo] = gallery.json("photos")
    assert photo["taken_at"] == "2017-09-19T10:00:00+02:00" and photo["time_source"] == "import_option"
    assert photo["camera_time"] == "2017-09-19T04:00:00", "what the camera said is kept"


def test_venues(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", datetime(2017, 9, 21, 10, 0), offset="+02:00", gps=(43.5446, 1.5111))
    gallery.import_(tmp_path / "s", extra=("--no-viewer",))
    assert gallery.json("photos")[0]["place"] in ("Saint-Orens-de-Gameville", "Labège")
    gallery("places", "add", "IOT Valley", "--lat", "43.5445", "--lon", "1.5110", "--radius", "400", "--town", "Labège")
    [photo] = gallery.json("photos")
    assert (photo["place"], photo["venue"], photo["country"]) == ("Labège", "IOT Valley", "FR")
    assert "IOT Valley" in gallery("places").stdout
    gallery("places", "remove", "IOT Valley")
    assert gallery.json("photos")[0]["venue"] is None


def test_an_ambiguous_camera_shows_candidates_that_set_offset_confirms(gallery: Gallery, tmp_path: Path) -> None:
    """The same hours three days running; the camera, there on the middle day, has its date a day ahead."""
    for day in range(3):
        for n in range(8):
            moment = datetime(2017, 9, 19 + day, 7, 0, tzinfo=UTC) + timedelta(minutes=40 * n)
            make_photo(
                tmp_path / "cards" / "alice" / f"P{day}{n}.jpg",
                (moment + timedelta(hours=2)).replace(tzinfo=None),
                gps=TOULOUSE,
                gps_time=moment,
                make="Apple",
                model="iPhone 6",
            )
            if day == 1:
                make_photo(
                    tmp_path / "cards" / "bob" / f"C{n}.jpg",
                    (moment + timedelta(hours=2, days=1, seconds=20)).replace(tzinfo=None),
                    make="Canon",
                    model="EOS 40D",
                )
    gallery.import_(tmp_path / "cards", extra=("--no-viewer",))
    camera = {d["name"]: d for d in gallery.json("devices")}["Canon EOS 40D (bob)"]
    assert camera["offset_source"] is None and camera["offset_seconds"] is None
    words = {c["set_offset"]: c["text"] for c in camera["candidates"]}
    assert len(camera["candidates"]) >= 2 and "-1d" in words, camera["candidates"]
    assert "décalée d’un jour" in words["-1d"] and "rejoignent celles des autres" in words["-1d"]
    table = gallery("devices").stdout
    assert 'gallery devices set-offset "Canon EOS 40D (bob)" -1d' in table
    gallery("devices", "set-offset", "Canon EOS 40D (bob)", "-1d")
    photos = [p for p in gallery.json("photos") if p["original_name"] == "C0.jpg"]
    assert photos[0]["taken_at"] == "2017-09-20T09:00:20+02:00"


def test_a_device_name_does_not_repeat_its_make() -> None:
    from gallery.devices import device_name

    assert device_name("Canon Canon EOS 80D|serial:0123456789") == "Canon EOS 80D #0123456789"
    assert device_name("Apple iPhone 6|folder:cards/alice") == "Apple iPhone 6 (alice)"
    assert device_name("Canon EOS 40D|folder:cards/bob") == "Canon EOS 40D (bob)"
