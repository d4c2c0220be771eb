"""SIGKILL an import (a real subprocess and its workers) mid-way, rerun it: nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from .conftest import Gallery, make_photo, snapshot

FILES = 120


def _start_import(root: Path, source: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gallery", "--root", str(root), "import", str(source), "--jobs", "2", "--no-viewer"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _archived(root: Path) -> int:
    media = root / "media"
    return sum(1 for p in media.rglob("*") if p.is_file()) if media.is_dir() else 0


def test_killed_import_resumes_to_a_complete_archive(gallery: Gallery, tmp_path: Path) -> None:
    source = tmp_path / "card"
    start = datetime(2017, 9, 19, 9, 0)
    for i in range(FILES):
        make_photo(
            source / f"IMG_{i:04d}.JPG",
            start + timedelta(minutes=i),
            size=(640, 480),
            color=(i * 2 % 256, i * 7 % 256, i * 13 % 256),
        )
    before = snapshot(source)
    kills = 0
    for threshold in (5, 40, 80):
        process = _start_import(gallery.root, source)
        deadline = time.monotonic() + 60
        while _archived(gallery.root) < threshold and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 1, "the import finished before any kill: make the test slower"

    final = gallery.json("import", str(source), "--jobs", "2")

    assert snapshot(source) == before
    rows = gallery.rows()
    assert len(rows) == FILES and len({r["sha256"] for r in rows}) == FILES
    assert final["imported"] + final["duplicates"] == FILES and not final["rejected"]
    check = json.loads(gallery("check", "--json").stdout)
    assert check["ok"] and check["orphans"] == [], check
    assert not list((gallery.root / "media" / ".incoming").glob("*"))
    assert not [p for p in gallery.root.rglob(".*.tmp")]
    with gallery.db() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
