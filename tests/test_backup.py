"""`gallery backup DEST` (issue 15): a consistent, incremental copy that is itself a library, made while
the site serves; hard links on the same filesystem, verified copies elsewhere; killed, then completed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gallery import catalog

from .conftest import Gallery, serving
from .test_security import photos_of

SHM = Path("/dev/shm")


def originals(root: Path) -> list[dict[str, str]]:
    conn = catalog.connect(root / "gallery.db", readonly=True)
    try:
        return [dict(r) for r in catalog.iter_photos(conn)]
    finally:
        conn.close()


def test_a_backup_is_a_library_and_the_next_one_copies_only_what_is_new(library: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    out = Gallery(library)("backup", str(dest)).output
    rows = originals(library)
    assert f"{len(rows)} new originals" in out and "hard links" in out and " s:" in out
    for row in rows:
        assert os.stat(library / row["path"]).st_ino == os.stat(dest / row["path"]).st_ino, "same disk: linked"
    checked = Gallery(dest)("check", ok=False)
    assert checked.exit_code == 0, checked.output
    assert "no thumbnails/ folder" in checked.output, "derivatives left out are a warning, not a failure"
    again = Gallery(library)("backup", str(dest)).output
    assert "0 new originals" in again and f"{len(rows)} already there" in again
    assert "all good" in Gallery(library)("backup", "--verify", str(dest)).output
    assert {a["slug"] for a in Gallery(dest).json("albums")} == {a["slug"] for a in Gallery(library).json("albums")}


@pytest.mark.skipif(not SHM.is_dir(), reason="no /dev/shm: no second filesystem to copy to")
def test_on_another_filesystem_originals_are_verified_copies_and_verify_finds_bitrot(
    library: Path, tmp_path: Path
) -> None:
    dest = Path(os.environ.get("TMPDIR_SHM", SHM)) / f"gallery-backup-{os.getpid()}-{tmp_path.name}"
    try:
        out = Gallery(library)("backup", "--with-thumbnails", str(dest)).output
        assert "verified copies" in out and "thumbnails" in out
        row = originals(library)[0]
        assert os.stat(library / row["path"]).st_ino != os.stat(dest / row["path"]).st_ino
        assert (dest / row["path"]).read_bytes() == (library / row["path"]).read_bytes()
        checked = Gallery(dest)("check", ok=False)
        assert checked.exit_code == 0 and "no thumbnails/ folder" not in checked.output, checked.output
        with open(dest / row["path"], "ab") as handle:
            handle.write(b"bitrot")
        verified = Gallery(library)("backup", "--verify", str(dest), ok=False)
        assert verified.exit_code == 1 and f"changed: {row['path']}" in verified.output
    finally:
        subprocess.run(["rm", "-rf", str(dest)], check=False)


def test_deleted_originals_are_moved_aside_and_the_destination_must_be_outside(library: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    gallery = Gallery(library)
    gallery("backup", str(dest))
    stray = dest / "media" / "not-in-the-catalog.jpg"
    stray.write_bytes(b"kept")
    gallery("backup", str(dest))
    assert (
        not stray.exists() and (dest / ".gallery" / "backup" / "removed" / "media" / stray.name).read_bytes() == b"kept"
    )
    assert Gallery(dest)("check", ok=False).exit_code == 0
    inside = gallery("backup", str(library / "media" / "copy"), ok=False)
    assert inside.exit_code == 1 and "outside the library" in inside.output


def test_killed_at_any_moment_the_next_run_completes_it_while_serving(library: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    command = [sys.executable, "-m", "gallery", "--root", str(library), "backup", "--with-thumbnails", str(dest)]
    interrupted = 0
    with serving(library) as base:
        for delay in (0.2, 0.35, 0.5, 0.65, 0.8, 1.0):
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if process.poll() is None:
                interrupted += 1
                process.send_signal(signal.SIGKILL)
            process.wait(30)
        Gallery(library)("albums", "unpublish", "la-melee-numerique-2017")  # a change while backing up
        final = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stderr
        assert base
    assert interrupted >= 1, "no run was killed before it finished"
    checked = Gallery(dest)("check", ok=False)
    assert checked.exit_code == 0, checked.output
    assert not list(dest.rglob("*.tmp")), "no partial copy left behind"
    assert not [a for a in Gallery(dest).json("albums") if a["slug"] == "la-melee-numerique-2017" and a["published"]]
    assert photos_of(dest, "iot-valley-2017") == photos_of(library, "iot-valley-2017")
