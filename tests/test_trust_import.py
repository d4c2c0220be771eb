"""An import people can trust (issue 9): the archive never imports itself, a re-import restores a
lost or damaged original, the demo respects unpublished albums, --link says what it shares,
concurrent imports queue on the lock, and file names cannot drive the operator's terminal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from gallery.config import Config
from gallery.importer import prepare_root

from .conftest import Gallery, make_photo, sha256_of, snapshot

WHEN = datetime(2017, 9, 21, 14, 30, 0)


def card(folder: Path, count: int = 4) -> Path:
    for i in range(count):
        make_photo(folder / f"IMG_{i:04d}.JPG", WHEN.replace(minute=i), color=(i * 60 % 256, 90, 30))
    return folder


def archived_library(gallery: Gallery, tmp_path: Path) -> dict[str, tuple[str, float]]:
    gallery.import_(card(tmp_path / "card"))
    assert gallery.json("check")["ok"] is True
    return snapshot(gallery.root / "media")


# -- a source inside the library -----------------------------------------------------------------


def test_importing_the_library_into_itself_is_refused_in_every_mode(gallery: Gallery, tmp_path: Path) -> None:
    before = archived_library(gallery, tmp_path)
    media = gallery.root / "media"
    [day] = [p for p in media.rglob("*") if p.is_dir() and p.name.count("-") == 2]
    (tmp_path / "media-link").symlink_to(media)
    (tmp_path / "day-link").symlink_to(day)
    sources = [
        media,
        day,
        tmp_path / "media-link",
        tmp_path / "day-link",
        next(day.iterdir()),
        gallery.root,
        gallery.root / "thumbnails",
        gallery.root / ".gallery",
    ]
    for source in sources:
        for mode in ((), ("--move",), ("--link",)):
            result = gallery("import", str(source), "--no-viewer", *mode, ok=False)
            assert result.exit_code == 1, (source, mode, result.output)
            [line] = result.output.strip().splitlines()
            assert line.startswith(f"Error: {source} is ") and "nothing was changed" in line, line
    assert snapshot(media) == before
    assert gallery.json("check")["ok"] is True
    assert len(gallery.rows("SELECT * FROM imports")) == 1, "a refused import must not even be recorded"


def test_a_source_that_contains_the_library_skips_its_folders(gallery: Gallery, tmp_path: Path) -> None:
    before = archived_library(gallery, tmp_path)  # the library is tmp_path/library, the card tmp_path/card
    [archived] = [p for p in (gallery.root / "media").rglob("IMG_0000.JPG")]
    make_photo(tmp_path / "phone" / "new.jpg", WHEN.replace(hour=18), color=(1, 2, 3))
    (tmp_path / "phone" / "alias.jpg").symlink_to(archived)  # --move would delete the archived file

    report = gallery.import_(tmp_path, extra=("--move", "--no-viewer"))

    assert report["imported"] == 1 and report["duplicates"] == 4
    assert {s["reason"] for s in report["skipped"] if s["path"].endswith("alias.jpg")} == {"symlink_into_library"}
    assert not (tmp_path / "phone" / "new.jpg").exists() and not (tmp_path / "card" / "IMG_0000.JPG").exists()
    after = snapshot(gallery.root / "media")
    assert {k: v for k, v in after.items() if k in before} == before
    gallery("thumbs")
    assert gallery.json("check")["ok"] is True


def test_a_web_upload_staged_in_the_state_folder_still_imports(gallery: Gallery, tmp_path: Path) -> None:
    archived_library(gallery, tmp_path)
    staged = make_photo(
        gallery.root / ".gallery" / "upload-abc123" / "photo.jpg", WHEN.replace(hour=9), color=(7, 7, 7)
    )
    assert gallery.import_(staged.parent, extra=("--no-viewer",))["imported"] == 1


# -- restoring lost or damaged originals --------------------------------------------------------


def test_reimport_restores_missing_and_damaged_originals_then_move_wipes_the_card(
    gallery: Gallery, tmp_path: Path
) -> None:
    archived_library(gallery, tmp_path)
    rows = {r["original_name"]: r for r in gallery.rows()}
    lost, flipped, grown = (gallery.root / rows[f"IMG_000{i}.JPG"]["path"] for i in range(3))
    lost.unlink()
    damaged = bytearray(flipped.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # same size: only a hash finds it
    flipped.write_bytes(bytes(damaged))
    with open(grown, "ab") as fh:
        fh.write(b"bitrot")
    found = json.loads(gallery("check", "--json", ok=False).stdout)
    assert (len(found["missing"]), len(found["changed"])) == (1, 2)
    copy = shutil.copytree(tmp_path / "card", tmp_path / "card-again")

    report = gallery.import_(copy, extra=("--move", "--no-viewer"))

    assert (report["imported"], report["duplicates"], report["restored"]) == (0, 1, 3)
    assert sorted(f["reason"] for f in report["restored_files"]) == ["changed", "changed", "missing"]
    for row in gallery.rows():
        assert sha256_of(gallery.root / row["path"]) == row["sha256"], row["path"]
    assert gallery.json("check")["ok"] is True
    assert list(copy.iterdir()) == [], "every source was proved archived, so --move removed it"
    kept = sorted(p.read_bytes() for p in (gallery.root / ".gallery" / "damaged").rglob("*.JPG"))
    assert kept == sorted([bytes(damaged), (tmp_path / "card" / "IMG_0002.JPG").read_bytes() + b"bitrot"])
    text = gallery("import", str(tmp_path / "card"), "--no-viewer").stdout
    assert "Nothing new: every file is already in the archive." in text


def test_restore_says_so_in_the_text_report(gallery: Gallery, tmp_path: Path) -> None:
    archived_library(gallery, tmp_path)
    [row] = [r for r in gallery.rows() if r["original_name"] == "IMG_0003.JPG"]
    (gallery.root / row["path"]).unlink()
    text = gallery("import", str(tmp_path / "card"), "--no-viewer").stdout
    assert "restored 1," in text.splitlines()[0]
    assert f"  restored missing: {tmp_path / 'card' / 'IMG_0003.JPG'} ({row['path']} was missing" in text
    assert "Nothing new" not in text


def test_move_keeps_a_source_whose_restore_failed(gallery: Gallery, tmp_path: Path) -> None:
    archived_library(gallery, tmp_path)
    [row] = [r for r in gallery.rows() if r["original_name"] == "IMG_0001.JPG"]
    target = gallery.root / row["path"]
    target.unlink()
    (target / "in-the-way").mkdir(parents=True)  # a folder where the original belongs: it cannot be put back
    source = tmp_path / "card" / "IMG_0001.JPG"

    report = gallery.import_(tmp_path / "card", extra=("--move", "--no-viewer"))

    assert report["restored"] == 0 and [r["reason"] for r in report["rejected"]] == ["restore_failed"]
    assert source.is_file(), "the only good copy must stay on the card"
    assert report["duplicates"] == 3 and len(list((tmp_path / "card").iterdir())) == 1


def test_link_restores_a_lost_original_as_a_link_again(gallery: Gallery, tmp_path: Path) -> None:
    source = card(tmp_path / "card", 2)
    gallery.import_(source, extra=("--link", "--no-viewer"))
    [row] = [r for r in gallery.rows() if r["original_name"] == "IMG_0001.JPG"]
    (gallery.root / row["path"]).unlink()
    report = gallery.import_(source, extra=("--link", "--no-viewer"))
    assert (report["duplicates"], report["restored"]) == (1, 1)
    assert os.stat(gallery.root / row["path"]).st_ino == os.stat(source / "IMG_0001.JPG").st_ino


# -- the demo, --link ----------------------------------------------------------------------------


def test_demo_run_again_never_republishes_an_unpublished_album(
    tmp_path: Path, mission_files_session: tuple[Path, Path]
) -> None:
    cards, _ = mission_files_session
    root = tmp_path / "demo"
    for photo in sorted(p for p in cards.rglob("*") if p.is_file())[
        ::8
    ]:  # a smaller mission: the demo reuses whatever root/cards holds
        copy = root / "cards" / photo.relative_to(cards)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(photo, copy)
    gallery = Gallery(root)
    gallery("demo", "--no-serve")
    first = {a["slug"]: a["published"] for a in gallery.json("albums")}
    assert len(first) >= 3 and all(first.values())
    hidden = sorted(first)[0]
    gallery("albums", "unpublish", hidden)

    gallery("demo", "--no-serve")

    again = {a["slug"]: a["published"] for a in gallery.json("albums")}
    assert again == {**first, hidden: False}


def test_link_says_the_archive_shares_the_source_inode(gallery: Gallery, tmp_path: Path) -> None:
    help_text = " ".join(gallery("import", "--help").stdout.split())
    assert "inode" in help_text and "editing a source file in place changes the archived original" in help_text
    card(tmp_path / "card", 1)
    text = gallery("import", str(tmp_path / "card"), "--link", "--no-viewer").stdout
    assert "--link: the archived originals share their inode with the source files" in text
    card(tmp_path / "card2", 2)
    report = gallery.import_(tmp_path / "card2", extra=("--link", "--no-viewer"))
    assert any("inode" in note for note in report["notes"])
    assert "notes" not in gallery.import_(tmp_path / "card2", extra=("--no-viewer",))


# -- concurrent imports -------------------------------------------------------------------------


def test_preparing_the_root_concurrently_never_fails(tmp_path: Path) -> None:
    config = Config.from_env().with_(root=tmp_path / "library")
    errors: list[Exception] = []

    def prepare() -> None:
        for _ in range(400):
            try:
                prepare_root(config)
            except Exception as exc:  # noqa: BLE001 (collected, then asserted)
                errors.append(exc)

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


BARRIER = """
import sys, time
from gallery.cli import main
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
main(sys.argv[2:], prog_name="gallery")
"""


@pytest.mark.slow
def test_imports_started_at_the_same_moment_queue_on_the_lock(tmp_path: Path) -> None:
    source = card(tmp_path / "card", 3)
    for round_ in range(3):
        root = tmp_path / f"library-{round_}"
        start = time.time() + 2.0  # every process has loaded its modules: they all start together
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    BARRIER,
                    str(start),
                    "--root",
                    str(root),
                    "import",
                    str(source),
                    "--no-viewer",
                    "--jobs",
                    "1",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(4)
        ]
        results = [(p.wait(60), p.communicate()[1].decode()) for p in processes]
        for code, err in results:
            assert (
                code == 0 or err.strip() == "Error: another import is running on this library; try again when it ends"
            ), err
        assert any(code == 0 for code, _ in results)
        assert len(Gallery(root).rows()) == 3


# -- file names that hold escape sequences ------------------------------------------------------


def test_escape_sequences_in_file_names_never_reach_the_terminal(gallery: Gallery, tmp_path: Path) -> None:
    src = tmp_path / "card"
    make_photo(src / "red\x1b[31mIMG\x1b[0m.JPG", WHEN)
    (src / "title\x1b]0;owned\x07.txt").write_text("not a photo")
    (src / "bidi\u202egpj.exe").write_text("not a photo either")
    with open(os.fsencode(src) + b"/latin1-\xe9t\xe9.jpg", "wb") as fh:  # not UTF-8: a name from an old card
        fh.write(b"\xff\xd8 broken")

    result = gallery("import", str(src), "--no-viewer")

    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "title\\x1b]0;owned\\x07.txt" in result.output and "bidi\\u202egpj.exe" in result.output
    assert "latin1-\\xe9t\\xe9.jpg" in result.output
    [row] = gallery.rows()
    assert row["original_name"] == "red\x1b[31mIMG\x1b[0m.JPG", "the catalog keeps the real name"
    assert "\x1b" not in row["path"] and (gallery.root / row["path"]).is_file()
    report = json.loads(gallery("import", str(src), "--no-viewer", "--json").stdout)
    assert report["duplicates"] == 1 and len(report["skipped"]) + len(report["rejected"]) == 3
    missing = gallery("import", str(tmp_path / "no\x1b]0;where\x07"), ok=False)
    assert missing.output.strip() == f"Error: source {tmp_path}/no\\x1b]0;where\\x07 does not exist"
