"""`gallery import` end to end on photos made with Pillow: archive, catalog, derivatives, report."""

from __future__ import annotations

import io
import json
import os
import random
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from gallery import thumbs

from .conftest import Gallery, make_photo, sha256_of, snapshot

WHEN = datetime(2017, 9, 21, 14, 30, 0)


def test_import_archives_catalogs_and_thumbnails(gallery: Gallery, tmp_path: Path) -> None:
    src = tmp_path / "card"
    make_photo(src / "DCIM" / "IMG_0001.JPG", WHEN, offset="+02:00", gps=(43.6045, 1.4442), serial="A1")
    make_photo(src / "DCIM" / "IMG_0002.JPG", WHEN.replace(minute=31), color=(10, 200, 10))
    make_photo(src / "phone" / "shot.png", WHEN.replace(hour=16), fmt="PNG")
    make_photo(src / "phone" / "scan.tif", WHEN.replace(hour=17), fmt="TIFF")
    make_photo(src / "phone" / "web.webp", WHEN.replace(hour=18), fmt="WEBP")
    before = snapshot(src)

    report = gallery.import_(src)

    assert report["imported"] == 5 and report["duplicates"] == 0
    assert report["rejected"] == [] and report["skipped"] == []
    assert snapshot(src) == before, "the source must never be modified"
    rows = gallery.rows()
    assert {r["format"] for r in rows} == {"jpeg", "png", "tiff", "webp"}
    for row in rows:
        archived = gallery.root / row["path"]
        assert archived.is_file() and sha256_of(archived) == row["sha256"]
        assert row["path"].startswith("media/2017/2017-09-21/")
        for size in ("grid", "viewer"):
            derivative = gallery.root / "thumbnails" / thumbs.derivative_path(row["sha256"], size)
            with Image.open(derivative) as image:
                assert image.format == "WEBP" and max(image.size) <= thumbs.SIZES[size]
                assert not image.getexif() and "icc_profile" not in image.info and "xmp" not in image.info
        assert row["placeholder"].startswith("data:image/webp;base64,")
    first = next(r for r in rows if r["original_name"] == "IMG_0001.JPG")
    assert first["camera_time"] == "2017-09-21T14:30:00" and first["camera_offset"] == 120
    assert first["lat"] == pytest.approx(43.6045, abs=1e-5) and first["serial"] == "A1"
    assert (first["width"], first["height"]) == (96, 64)


def test_reimport_adds_nothing_and_says_so(gallery: Gallery, tmp_path: Path) -> None:
    for i in range(3):
        make_photo(tmp_path / "src" / f"IMG_{i}.JPG", WHEN, color=(i * 50, 0, 0))
    assert gallery.import_(tmp_path / "src")["imported"] == 3
    again = gallery.import_(tmp_path / "src")
    assert again["imported"] == 0 and again["duplicates"] == 3
    assert len(gallery.rows()) == 3
    text = gallery("import", str(tmp_path / "src"), "--no-viewer").stdout
    assert "Nothing new: every file is already in the archive." in text


def test_same_bytes_twice_in_one_batch_is_one_photo(gallery: Gallery, tmp_path: Path) -> None:
    original = make_photo(tmp_path / "a" / "IMG_1.JPG", WHEN)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "copy.jpg").write_bytes(original.read_bytes())
    report = gallery.import_(tmp_path / "a", tmp_path / "b")
    assert (report["imported"], report["duplicates"]) == (1, 1)


def test_same_name_other_content_gets_a_suffix(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "alice" / "IMG_0001.JPG", WHEN, color=(255, 0, 0))
    make_photo(tmp_path / "bob" / "IMG_0001.JPG", WHEN, color=(0, 0, 255))
    gallery.import_(tmp_path / "alice", tmp_path / "bob")
    paths = sorted(r["path"] for r in gallery.rows())
    assert paths == ["media/2017/2017-09-21/IMG_0001-1.JPG", "media/2017/2017-09-21/IMG_0001.JPG"]


def test_undated_and_filename_dates(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "IMG_20190304_101112.jpg", None)
    make_photo(tmp_path / "s" / "DSC_0001.jpg", None, color=(1, 2, 3))
    gallery.import_(tmp_path / "s")
    by_name = {r["original_name"]: r for r in gallery.rows()}
    named = by_name["IMG_20190304_101112.jpg"]
    assert (named["camera_time"], named["date_source"]) == ("2019-03-04T10:11:12", "filename")
    assert named["path"] == "media/2019/2019-03-04/IMG_20190304_101112.jpg"
    undated = by_name["DSC_0001.jpg"]
    assert undated["date_source"] == "mtime" and undated["time_source"] == "mtime"
    assert undated["path"] == "media/undated/DSC_0001.jpg"


def test_bad_files_are_reported_and_the_rest_imports(gallery: Gallery, tmp_path: Path) -> None:
    src = tmp_path / "src"
    good = make_photo(src / "good.jpg", WHEN)
    (src / "empty.jpg").write_bytes(b"")
    (src / "notes.txt").write_text("not a photo")
    (src / "random.jpg").write_bytes(random.Random(1).randbytes(4096))
    (src / "truncated.jpg").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    (src / "anim.gif").write_bytes(b"GIF89a" + b"\0" * 100)
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")  # 100 MP: above Pillow's default limit
    (src / "bomb.png").write_bytes(bomb.getvalue())
    os.mkfifo(src / "pipe.jpg")
    (src / "outside.jpg").symlink_to("/etc/passwd")
    before = snapshot(src)

    report = gallery.import_(src)

    reasons = {Path(o["path"]).name: o["reason"] for o in report["rejected"] + report["skipped"]}
    assert report["imported"] == 1
    assert reasons == {
        "empty.jpg": "empty",
        "notes.txt": "not_an_image",
        "random.jpg": "not_an_image",
        "truncated.jpg": "truncated",
        "anim.gif": "corrupt",  # a GIF is archived now, but these bytes are no GIF
        "bomb.png": "too_many_pixels",
        "pipe.jpg": "not_regular_file",
        "outside.jpg": "symlink_outside",
    }
    assert {o["path"] for o in report["rejected"]} == {
        str(src / n) for n in ("empty.jpg", "truncated.jpg", "bomb.png", "anim.gif")
    }
    assert snapshot(src) == before
    media = [p for p in (gallery.root / "media").rglob("*") if p.is_file()]
    assert len(media) == 1, "nothing half-written: only the good photo is archived"
    grid = list((gallery.root / "thumbnails" / "grid").rglob("*.webp"))
    assert len(grid) == 1


def test_pixel_limit_is_configurable(gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_photo(tmp_path / "s" / "big.jpg", WHEN, size=(200, 100))
    make_photo(tmp_path / "s" / "small.jpg", WHEN, size=(100, 100), color=(1, 2, 3))
    monkeypatch.setenv("GALLERY_MAX_PIXELS", "10000")
    report = gallery.import_(tmp_path / "s")
    assert report["imported"] == 1
    assert [Path(o["path"]).name for o in report["rejected"]] == ["big.jpg"]
    assert report["rejected"][0]["reason"] == "too_many_pixels"


def test_malformed_exif_keeps_the_pixels(gallery: Gallery, tmp_path: Path) -> None:
    data = bytearray(make_photo(tmp_path / "x.jpg", WHEN).read_bytes())
    tiff_header = data.index(b"Exif\x00\x00") + 6
    data[tiff_header : tiff_header + 8] = b"\xde\xad\xbe\xef" * 2  # corrupt TIFF header inside APP1
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "IMG_20200101_120000.jpg").write_bytes(bytes(data))
    report = gallery.import_(tmp_path / "s")
    assert report["imported"] == 1
    row = gallery.rows()[0]
    assert row["date_source"] == "filename" and row["make"] is None


def test_orientation_is_applied_to_derivatives_and_size(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "rotated.jpg", WHEN, orientation=6, size=(120, 60))
    gallery.import_(tmp_path / "s")
    row = gallery.rows()[0]
    assert (row["width"], row["height"]) == (60, 120)
    with Image.open(gallery.root / "thumbnails" / thumbs.derivative_path(row["sha256"], "grid")) as image:
        assert image.size == (60, 120)
        # orientation 6 turns the white top-left corner into the top-right corner
        assert image.convert("L").getpixel((55, 5)) > 200 and image.convert("L").getpixel((5, 5)) < 150


def test_move_and_link(gallery: Gallery, tmp_path: Path) -> None:
    moved = make_photo(tmp_path / "m" / "a.jpg", WHEN)
    gallery.import_(tmp_path / "m", extra=("--move",))
    assert not moved.exists() and len(gallery.rows()) == 1
    linked = make_photo(tmp_path / "l" / "b.jpg", WHEN, color=(9, 9, 9))
    gallery.import_(tmp_path / "l", extra=("--link",))
    row = next(r for r in gallery.rows() if r["original_name"] == "b.jpg")
    assert os.stat(gallery.root / row["path"]).st_ino == os.stat(linked).st_ino


def test_unusable_sources_stop_with_one_line(gallery: Gallery, tmp_path: Path) -> None:
    result = gallery("import", str(tmp_path / "nowhere"), ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: source {tmp_path / 'nowhere'} does not exist"
    bad_zone = gallery("import", str(tmp_path), "--timezone", "Mars/Olympus", ok=False)
    assert bad_zone.exit_code == 1 and "unknown time zone" in bad_zone.output


def test_photos_json_contract(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", WHEN, offset="+02:00", gps=(43.6045, 1.4442))
    gallery.import_(tmp_path / "s")
    [item] = gallery.json("photos")
    for key in (
        "sha256",
        "path",
        "original_name",
        "source_path",
        "taken_at",
        "time_source",
        "lat",
        "lon",
        "make",
        "model",
        "width",
        "height",
    ):
        assert key in item
    assert item["taken_at"] == "2017-09-21T14:30:00+02:00" and item["time_source"] == "offset_tag"
    assert item["source_path"] == str(tmp_path / "s" / "a.jpg")


def test_check_finds_and_repairs(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", WHEN)
    make_photo(tmp_path / "s" / "b.jpg", WHEN, color=(0, 0, 0))
    gallery.import_(tmp_path / "s")
    assert gallery.json("check")["ok"] is True
    rows = gallery.rows()
    (gallery.root / "thumbnails" / thumbs.derivative_path(rows[0]["sha256"], "viewer")).unlink()
    (gallery.root / "media" / "stray.jpg").write_bytes(b"stray")
    with open(gallery.root / rows[1]["path"], "ab") as fh:
        fh.write(b"bitrot")
    result = gallery("check", "--json", ok=False)
    found = json.loads(result.stdout)
    assert result.exit_code == 1
    assert found["changed"] == [rows[1]["path"]] and found["orphans"] == ["media/stray.jpg"]
    assert found["missing_derivatives"] == [f"{rows[0]['sha256']} viewer"]
    repaired = json.loads(gallery("check", "--repair", "--json", ok=False).stdout)
    assert repaired["repaired"] == 1 and repaired["missing_derivatives"] == []


def test_thumbnails_folder_is_disposable(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "s" / "a.jpg", WHEN)
    gallery.import_(tmp_path / "s")
    import shutil

    shutil.rmtree(gallery.root / "thumbnails")
    gallery("thumbs")
    assert gallery.json("check")["ok"] is True


def test_second_import_is_refused_while_one_runs(gallery: Gallery, tmp_path: Path) -> None:
    import fcntl

    make_photo(tmp_path / "s" / "a.jpg", WHEN)
    (gallery.root / ".gallery").mkdir()
    with open(gallery.root / ".gallery" / "import.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = gallery("import", str(tmp_path / "s"), ok=False)
    assert result.exit_code == 1 and "another import is running" in result.output


def test_library_root_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gallery.cli import main

    make_photo(tmp_path / "s" / "a.jpg", WHEN)
    monkeypatch.setenv("GALLERY_ROOT", str(tmp_path / "lib"))
    result = CliRunner().invoke(main, ["import", str(tmp_path / "s"), "--no-viewer"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lib" / "gallery.db").is_file()


def test_the_viewer_pass_of_an_import_makes_that_imports_derivatives_only(gallery: Gallery, tmp_path: Path) -> None:
    """Issue 10: an import reads its own photos, not the archive's; `gallery thumbs` looks at all of them."""
    make_photo(tmp_path / "first" / "a.jpg", WHEN)
    gallery.import_(tmp_path / "first", extra=("--no-viewer",))
    make_photo(tmp_path / "second" / "b.jpg", WHEN.replace(hour=16), color=(0, 0, 200))
    make_photo(tmp_path / "second" / "again.jpg", WHEN)  # the same bytes as a.jpg: a duplicate of this import
    report = gallery.import_(tmp_path / "second")
    assert report["imported"] == 1 and report["duplicates"] == 1

    def viewer(name: str) -> Path:
        row = next(r for r in gallery.rows() if r["original_name"] == name)
        return gallery.root / "thumbnails" / thumbs.derivative_path(row["sha256"], "viewer")

    assert viewer("b.jpg").is_file()
    assert viewer("a.jpg").is_file(), "a file the import found already archived is the import's too"
    viewer("a.jpg").unlink()
    make_photo(tmp_path / "third" / "c.jpg", WHEN.replace(hour=17), color=(0, 200, 0))
    gallery.import_(tmp_path / "third")
    assert viewer("c.jpg").is_file() and not viewer("a.jpg").exists()
    gallery("thumbs")
    assert viewer("a.jpg").is_file()
