"""Faults and load (reliability-plan §7.3): kills, two imports, import while serving, a full disk, a
read-only source, an unmounted archive, a thundering herd, determinism. Loops are bounded and target
loopback only."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gallery import thumbs
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, herd, make_photo, serving, snapshot

pytestmark = pytest.mark.slow


def cards(
    folder: Path,
    count: int,
    start: datetime = datetime(2017, 9, 19, 9, 0),
    size: tuple[int, int] = (320, 240),
    gps: tuple[float, float] | None = (43.6111, 1.4339),
    padding: int = 0,
) -> Path:
    for i in range(count):
        make_photo(
            folder / f"IMG_{i:04d}.JPG",
            start + timedelta(minutes=3 * i),
            offset="+02:00",
            gps=gps,
            size=size,
            color=(i * 3 % 256, i * 11 % 256, i * 17 % 256),
            extra=os.urandom(padding),
        )
    return folder


def canonical(gallery: Gallery) -> dict[str, Any]:
    """What must be identical between a clean run and a killed-then-resumed one."""
    photos = sorted((r["sha256"], r["path"], r["taken_at_utc"], r["place"]) for r in gallery.rows())
    albums = {a["slug"]: sorted(p["sha256"] for p in a["photos"]) for a in gallery.json("albums")}
    return {"photos": photos, "albums": albums}


def run_cli(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gallery", "--root", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_f01_killed_at_random_moments_equals_a_clean_run(tmp_path: Path) -> None:
    import random

    source = cards(tmp_path / "card", 90)
    clean = Gallery(tmp_path / "clean")
    clean.import_(source, extra=("--no-viewer",))
    resumed = Gallery(tmp_path / "resumed")
    rng = random.Random(7)
    for _ in range(4):
        process = run_cli(resumed.root, "import", str(source), "--jobs", "2", "--no-viewer")
        time.sleep(rng.uniform(0.3, 1.5))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    resumed.import_(source, extra=("--no-viewer",))
    assert canonical(resumed) == canonical(clean)
    assert json.loads(resumed("check", "--json", ok=False).stdout)["orphans"] == []


def test_f02_two_imports_at_once(tmp_path: Path) -> None:
    source = cards(tmp_path / "card", 60)
    root = tmp_path / "library"
    first = run_cli(root, "import", str(source), "--jobs", "1", "--no-viewer")
    time.sleep(0.8)
    second = run_cli(root, "import", str(source), "--jobs", "1", "--no-viewer")
    out_second = second.communicate(timeout=120)
    first.communicate(timeout=120)
    if second.returncode == 1:
        assert b"another import is running" in out_second[1]
    gallery = Gallery(root)
    gallery.import_(source, extra=("--no-viewer",))
    assert len(gallery.rows()) == 60 and len({r["sha256"] for r in gallery.rows()}) == 60


def test_f03_import_while_serving_mixed_load(demo_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(demo_library, root)
    source = cards(tmp_path / "more", 300, start=datetime(2017, 9, 21, 9, 0), gps=(43.5445, 1.5110))
    with serving(root) as base:
        album = json.loads(urllib.request.urlopen(base + "/api/albums/la-melee-numerique-2017").read())
        urls = ["/", "/albums/la-melee-numerique-2017", "/api/albums", "/timeline", "/search?q=Toulouse"]
        urls += [f"/thumbs/grid/{p['sha256']}.webp" for p in album["photos"][:40]]
        urls += [f"/photos/{p['sha256']}" for p in album["photos"][:10]]
        statuses: Counter[int] = Counter()
        stop = threading.Event()
        threads = [threading.Thread(target=_load, args=(base, urls, statuses, stop, 60.0)) for _ in range(6)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        importing = run_cli(root, "import", str(source), "--jobs", "1", "--no-viewer")
        _, err = importing.communicate(timeout=180)
        stop.set()
        for thread in threads:
            thread.join(10)
        rate = sum(statuses.values()) / (time.monotonic() - started)
        print(f"served {sum(statuses.values())} requests at {rate:.0f}/s during the import: {dict(statuses)}")
        assert importing.returncode == 0, err.decode()[-500:]
        assert rate > 100 and sum(statuses.values()) > 300, statuses
        assert not [s for s in statuses if s >= 500], statuses


def _load(base: str, urls: list[str], statuses: Counter[int], stop: threading.Event, rate: float) -> None:
    """Bounded: one request every 1/rate s, loopback only, until stopped (or 3 minutes)."""
    deadline = time.monotonic() + 180
    n = 0
    while not stop.is_set() and time.monotonic() < deadline:
        url = urls[n % len(urls)]
        n += 1
        try:
            with urllib.request.urlopen(base + url, timeout=10) as response:
                response.read()
                statuses[response.status] += 1
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1
        time.sleep(1 / rate)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _unmount(path: Path) -> None:
    """Unmount even when something still holds it (lazy), so no test leaves a mount behind."""
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_f04_disk_full_then_resumed(tmp_path: Path) -> None:
    source = cards(tmp_path / "card", 40, padding=150_000)  # 6 MB of photos for a 2 MB disk
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)):
        pytest.skip("needs root and mount to make a small tmpfs")
    try:
        gallery = Gallery(disk / "library")
        result = gallery("import", str(source), "--jobs", "1", "--no-viewer", ok=False)
        assert result.exit_code == 1
        assert "free some space, then run the same import again" in result.output
        assert "Traceback" not in result.output
        with gallery.db() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for webp in (disk / "library" / "thumbnails").rglob("*.webp"):
            assert webp.stat().st_size > 0, "no zero-byte derivative"
        assert subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], capture_output=True).returncode == 0
        gallery.import_(source, extra=("--no-viewer",))
        assert len(gallery.rows()) == 40
        assert json.loads(gallery("check", "--json", ok=False).stdout)["orphans"] == []
    finally:
        _unmount(disk)


def test_f05_read_only_source(tmp_path: Path) -> None:
    source = cards(tmp_path / "card", 10)
    mounted = tmp_path / "read-only"
    mounted.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", str(source), str(mounted)):
        pytest.skip("needs root and bind mounts")
    try:
        assert _mount("-o", "remount,bind,ro", str(mounted))
        before = snapshot(mounted)
        gallery = Gallery(tmp_path / "library")
        assert gallery.import_(mounted, extra=("--no-viewer",))["imported"] == 10
        assert snapshot(mounted) == before
        moved = gallery("import", str(mounted), "--move", "--no-viewer", ok=False)
        assert moved.exit_code == 0 and snapshot(mounted) == before, "--move cannot delete from a read-only card"
    finally:
        _unmount(mounted)


def test_f06_an_unmounted_archive_changes_nothing(tmp_path: Path) -> None:
    gallery = Gallery(tmp_path / "library")
    gallery.import_(cards(tmp_path / "card", 5), extra=("--no-viewer",))
    rows = gallery.rows()
    shutil.move(gallery.root / "media", tmp_path / "elsewhere")  # the disk is gone
    for command in (["check"], ["import", str(tmp_path / "card")], ["thumbs"]):
        result = gallery(*command, ok=False)
        if command[0] != "thumbs":
            assert result.exit_code == 1 and ("missing" in result.output or "mounted" in result.output), command
    assert not (gallery.root / "media").exists() or not any((gallery.root / "media").iterdir())
    assert gallery.rows() == rows, "nothing marked deleted, nothing changed"
    (gallery.root / "media").mkdir(exist_ok=True)  # an empty mount point
    result = gallery("import", str(tmp_path / "card"), ok=False)
    assert result.exit_code == 1 and "mounted" in result.output
    assert gallery.rows() == rows


def test_f07_a_thousand_requests_one_generation(demo_library: Path, tmp_path: Path) -> None:
    """Against a real `gallery serve`: 1,000 concurrent connections ask for one missing derivative."""
    import httpx2

    root = tmp_path / "library"
    shutil.copytree(demo_library, root)
    melee = next(a for a in Gallery(root).json("albums") if a["slug"] == "la-melee-numerique-2017")
    sha = melee["photos"][0]["sha256"]
    shutil.rmtree(root / "thumbnails")
    with serving(root) as base:

        async def stampede() -> list[Any]:
            limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=0)
            async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
                return await asyncio.gather(
                    *(client.get(f"/thumbs/viewer/{sha}.webp") for _ in range(1000)), return_exceptions=True
                )

        responses = asyncio.run(stampede())
        answered = [r for r in responses if not isinstance(r, BaseException)]
        assert len(answered) >= 990, [r for r in responses if isinstance(r, BaseException)][:3]
        assert {r.status_code for r in answered} == {200}
        assert len({r.content for r in answered}) == 1
        health = json.loads(urllib.request.urlopen(base + "/healthz").read())
        assert health["derivatives_generated"] == 1, health


def test_f09_a_corrupt_source_fails_once_with_404(demo_library: Path, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(demo_library, root)
    album = next(a for a in Gallery(root).json("albums") if a["slug"] == "la-melee-numerique-2017")
    sha = album["photos"][0]["sha256"]
    path = next(r["path"] for r in Gallery(root).rows() if r["sha256"] == sha)
    (root / path).write_bytes(b"\xff\xd8\xff" + b"\0" * 50)  # bit rot on the archive disk
    (root / "thumbnails" / thumbs.derivative_path(sha, "viewer")).unlink(missing_ok=True)
    app = create_app(Config(root=root))
    responses = herd(app, f"/thumbs/viewer/{sha}.webp", 200)
    assert {r.status_code for r in responses} == {404}
    assert all(r.headers["cache-control"] == "no-store" for r in responses)


def test_f13_grouping_does_not_depend_on_import_order(tmp_path: Path) -> None:
    morning = cards(tmp_path / "a", 30, start=datetime(2017, 9, 19, 9, 0))
    afternoon = cards(tmp_path / "b", 30, start=datetime(2017, 9, 19, 15, 0), gps=(43.5445, 1.5110))
    one, two = Gallery(tmp_path / "one"), Gallery(tmp_path / "two")
    one.import_(morning, extra=("--no-viewer",))
    one.import_(afternoon, extra=("--no-viewer",))
    two.import_(afternoon, extra=("--no-viewer",))
    two.import_(morning, extra=("--no-viewer",))
    groups = [sorted(sorted(p["sha256"] for p in a["photos"]) for a in g.json("albums")) for g in (one, two)]
    assert groups[0] == groups[1] and len(groups[0]) == 2


def test_f14_a_second_run_changes_and_regenerates_nothing(tmp_path: Path) -> None:
    gallery = Gallery(tmp_path / "library")
    source = cards(tmp_path / "card", 12)
    gallery.import_(source)
    derivatives = {p: p.stat().st_mtime_ns for p in (gallery.root / "thumbnails").rglob("*.webp")}
    rows = gallery.rows()
    again = gallery.import_(source)
    assert again["imported"] == 0 and again["duplicates"] == 12
    assert gallery.rows() == rows
    assert {p: p.stat().st_mtime_ns for p in (gallery.root / "thumbnails").rglob("*.webp")} == derivatives


def test_f15_the_servers_time_zone_changes_nothing(tmp_path: Path) -> None:
    source = cards(tmp_path / "card", 6, gps=None)
    exported = []
    for zone in ("America/Toronto", "Asia/Tokyo"):
        root = tmp_path / zone.replace("/", "-")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "gallery",
                "--root",
                str(root),
                "import",
                str(source),
                "--no-viewer",
                "--timezone",
                "Europe/Paris",
            ],
            env={**os.environ, "TZ": zone},
            capture_output=True,
        )
        assert result.returncode == 0, result.stderr
        photos = subprocess.run(
            [sys.executable, "-m", "gallery", "--root", str(root), "photos", "--json"],
            env={**os.environ, "TZ": zone},
            capture_output=True,
            check=True,
        ).stdout
        exported.append([(p["sha256"], p["taken_at"], p["taken_at_utc"]) for p in json.loads(photos)])
    assert exported[0] == exported[1]
