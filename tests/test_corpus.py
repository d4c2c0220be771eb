"""The real camera and phone files of ../shared/corpus/exif-samples, imported for real."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from gallery import thumbs

from .conftest import CORPUS, Gallery, snapshot

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Gallery, dict[str, Any]]:
    root = tmp_path_factory.mktemp("corpus-library")
    gallery = Gallery(root)
    before = snapshot(CORPUS)
    report = gallery.json("import", str(CORPUS), "--jobs", "2", "--no-viewer")
    assert snapshot(CORPUS) == before, "the corpus must be left untouched"
    return gallery, report


def _dump() -> dict[str, dict[str, str]]:
    """exifread's own expected tags per file (corpus dump.txt)."""
    files: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in (CORPUS / "dump.txt").read_text(errors="replace").splitlines():
        if line.startswith("Opening: "):
            current = files.setdefault(line.removeprefix("Opening: tests/resources/"), {})
        elif match := re.match(r"^(\S+ \S+) \([^)]*\): (.*)$", line):
            current[match.group(1)] = match.group(2)
    return files


def _degrees(text: str, ref: str) -> float:
    parts = [float(Fraction(p.strip())) for p in text.strip("[]").split(",")]
    value = parts[0] + (parts[1] if len(parts) > 1 else 0) / 60 + (parts[2] if len(parts) > 2 else 0) / 3600
    return -value if ref.strip() in ("S", "W") else value


def test_every_file_gets_an_answer(imported: tuple[Gallery, dict[str, Any]]) -> None:
    gallery, report = imported
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    answered = report["imported"] + report["duplicates"] + len(report["skipped"]) + len(report["rejected"])
    assert answered == len(files)
    assert all(o["reason"] for o in report["skipped"] + report["rejected"])
    assert report["imported"] >= 100
    skipped = {Path(o["path"]).suffix.lower() for o in report["skipped"]}
    assert skipped <= {".txt", ".rst", ".dng", ".arw"}, skipped


def test_dates_and_gps_agree_with_exifreads_dump(imported: tuple[Gallery, dict[str, Any]]) -> None:
    gallery, _ = imported
    dump = _dump()
    rows = {str(Path(r["source_path"]).relative_to(CORPUS)): r for r in gallery.rows()}
    dated = located = 0
    for name, tags in dump.items():
        row = rows.get(name)
        if row is None:
            continue
        original = tags.get("EXIF DateTimeOriginal", "")
        if re.match(r"^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$", original) and not original.startswith("0000"):
            assert row["camera_time"][:19] == original.replace(":", "-", 2).replace(" ", "T"), name
            dated += 1
        if "GPS GPSLatitude" in tags and row["lat"] is not None:
            lat = _degrees(tags["GPS GPSLatitude"], tags.get("GPS GPSLatitudeRef", "N"))
            lon = _degrees(tags["GPS GPSLongitude"], tags.get("GPS GPSLongitudeRef", "E"))
            assert (row["lat"], row["lon"]) == (pytest.approx(lat, abs=1e-5), pytest.approx(lon, abs=1e-5)), name
            located += 1
    assert dated >= 60 and located >= 10


@pytest.mark.parametrize("shape", ["landscape", "portrait"])
def test_all_eight_orientations_look_the_same(imported: tuple[Gallery, dict[str, Any]], shape: str) -> None:
    gallery, _ = imported
    by_name = {r["original_name"]: r for r in gallery.rows()}
    grids = []
    for n in range(1, 9):
        row = by_name[f"{shape}_{n}.jpg"]
        with Image.open(gallery.root / "thumbnails" / thumbs.derivative_path(row["sha256"], "grid")) as image:
            grids.append(image.convert("L").resize((64, 64)))
        assert (row["width"] > row["height"]) == (shape == "landscape")
    reference = grids[0]
    for n, grid in enumerate(grids[1:], start=2):
        difference = ImageStat.Stat(ImageChops.difference(reference, grid)).mean[0]
        assert difference < 12, f"{shape}_{n} differs from {shape}_1 by {difference:.1f} after orientation"


def test_phone_heic_files_import_with_their_dates(imported: tuple[Gallery, dict[str, Any]]) -> None:
    gallery, _ = imported
    by_name = {r["original_name"]: r for r in gallery.rows()}
    for name in ("iphone_13_pro_max.heic", "HMD_Nokia_8.3_5G.heif", "HMD_Nokia_8.3_5G_hdr.heif"):
        row = by_name[name]
        assert row["format"] == "heif" and row["date_source"].startswith("exif"), name
    assert by_name["iphone_13_pro_max.heic"]["camera_time"].startswith("2022-02-16T12:55:41")
    assert by_name["iphone_13_pro_max.heic"]["camera_offset"] == 60


def test_rerun_on_the_corpus_adds_nothing(imported: tuple[Gallery, dict[str, Any]]) -> None:
    gallery, first = imported
    again = gallery.json("import", str(CORPUS), "--jobs", "2", "--no-viewer")
    assert again["imported"] == 0 and again["duplicates"] == first["imported"] + first["duplicates"]


# Checked by hand: each GPS clock against the camera clock and the zone at the position.
REAL_ANSWERS = {
    # the camera is 1 day minus 1.5 min behind; its GPS clock is right (Arezzo, CEST)
    "DSCN0010.jpg": ("2008-10-23T14:27:07", "gps_clock", "Arezzo", "IT", "Europe/Rome"),
    # an iPhone in Moncloa, Madrid: camera and GPS agree at +02:00
    "iphone_hdr_NO.jpg": ("2015-04-10T18:12:22", "gps_clock", "Madrid", "ES", "Europe/Madrid"),
    # a phone writing UTC in DateTime; its GPS clock says the same instant (CET)
    "HMD_Nokia_8.3_5G.heif": ("2022-02-03T14:44:08", "gps_clock", "Navacerrada", "ES", "Europe/Madrid"),
    # OffsetTimeOriginal +03:00 in Helsinki, confirmed by its GPS clock (11:12:32 UTC)
    "HMD_Nokia_8.3_5G.jpg": ("2022-08-14T11:12:31", "offset_tag", "Helsinki", "FI", "Europe/Helsinki"),
    # no GPS clock: the zone at its position (Nakuru, EAT +03:00)
    "Kodak_CX7530.jpg": ("2005-08-13T06:47:23", "zone_from_position", "Nakuru", "KE", "Africa/Nairobi"),
}


@pytest.mark.parametrize("name", sorted(REAL_ANSWERS))
def test_real_gps_photos_resolve_to_the_right_instant_and_place(
    imported: tuple[Gallery, dict[str, Any]], name: str
) -> None:
    gallery, _ = imported
    row = next(r for r in gallery.rows() if r["original_name"] == name)
    utc, source, town, country, zone = REAL_ANSWERS[name]
    assert row["taken_at_utc"][:19] == utc and row["time_source"] == source
    assert (row["place"], row["country"], row["timezone"]) == (town, country, zone)
