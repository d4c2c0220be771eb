"""Shared fixtures: photos made with Pillow (EXIF included), a library root, the CLI runner."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, TiffImagePlugin

from gallery.cli import main

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "exif-samples"


def rational(value: float, den: int = 10000) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * den), den)


def dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (rational(degrees, 1), rational(minutes, 1), rational(seconds, 1000))


def make_photo(
    path: Path,
    when: datetime | None = None,
    *,
    offset: str | None = None,
    subsec: str | None = None,
    gps: tuple[float, float] | None = None,
    gps_time: datetime | None = None,
    make: str | None = "TestMaker",
    model: str | None = "T-100",
    serial: str | None = None,
    orientation: int | None = None,
    size: tuple[int, int] = (96, 64),
    color: tuple[int, int, int] = (200, 40, 40),
    fmt: str = "JPEG",
    description: str | None = None,
    extra: bytes = b"",
) -> Path:
    """Write a small photo whose EXIF says what a camera or phone would."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 3, size[1] // 3), fill=(255, 255, 255))  # a corner, to check rotation
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    if description:
        exif[0x010E] = description
    ifd = exif.get_ifd(0x8769)
    if when:
        ifd[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    if offset:
        ifd[0x9011] = offset
    if subsec:
        ifd[0x9291] = subsec
    if serial:
        ifd[0xA431] = serial
    if gps or gps_time:
        gps_ifd = exif.get_ifd(0x8825)
        if gps:
            lat, lon = gps
            gps_ifd[1], gps_ifd[2] = ("N" if lat >= 0 else "S"), dms(lat)
            gps_ifd[3], gps_ifd[4] = ("E" if lon >= 0 else "W"), dms(lon)
        if gps_time:
            gps_ifd[29] = gps_time.strftime("%Y:%m:%d")
            gps_ifd[7] = (rational(gps_time.hour, 1), rational(gps_time.minute, 1), rational(gps_time.second, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        options["quality"] = 85
    image.save(path, fmt, **options)
    if extra:
        with open(path, "ab") as fh:
            fh.write(extra)
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[str, float]]:
    """sha256 and mtime of every file under a folder: originals must never change."""
    return {
        str(p.relative_to(folder)): (sha256_of(p), p.stat().st_mtime) for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def photo() -> Callable[..., Path]:
    return make_photo


@pytest.fixture
def root(tmp_path: Path) -> Path:
    library = tmp_path / "library"
    library.mkdir()
    return library


class Gallery:
    """Runs `gallery --root ROOT ...` in-process and reads the catalog."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Any:
        result = self.runner.invoke(main, ["--root", str(self.root), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def import_(self, *sources: Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
        return self.json("import", *map(str, sources), "--jobs", "2", *extra)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.root / "gallery.db")
        conn.row_factory = sqlite3.Row
        return conn

    def rows(self, sql: str = "SELECT * FROM photos ORDER BY id", *params: Any) -> list[dict[str, Any]]:
        with self.db() as conn:
            return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture
def gallery(root: Path) -> Gallery:
    return Gallery(root)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real-camera corpus not found at {CORPUS} (../shared/corpus is absent)")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mission_files_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo mission's cards (small drawn photos) and programme, made once per session."""
    from gallery import synthetic

    folder = tmp_path_factory.mktemp("mission")
    scenario = synthetic.demo_scenario()
    synthetic.write_photos(folder / "cards", synthetic.photos(scenario, seed=1), size=(160, 120))
    (folder / "programme.toml").write_text(scenario.programme, encoding="utf-8")
    return folder / "cards", folder / "programme.toml"


@pytest.fixture(scope="session")
def demo_library(tmp_path_factory: pytest.TempPathFactory, mission_files_session: tuple[Path, Path]) -> Path:
    """The demo mission imported, programme loaded, everything published but IOT Valley."""
    root = tmp_path_factory.mktemp("web-library")
    cards, programme = mission_files_session
    gallery = Gallery(root)
    gallery("mission", "load", str(programme))
    gallery.import_(cards)
    gallery("albums", "publish", "--all")
    gallery("albums", "unpublish", "iot-valley-2017")
    return root


@pytest.fixture
def library(demo_library: Path, tmp_path: Path) -> Path:
    """A private copy of the demo library, for tests that change things.

    Without the social cards (made on a card's first request): a test that reads the shared demo
    library (the browser walk of the static copy) makes some, and the copy starts as imported.
    """
    import shutil

    copy = tmp_path / "library"
    cards = demo_library / "thumbnails"
    shutil.copytree(demo_library, copy, ignore=lambda folder, names: ["cards"] if Path(folder) == cards else [])
    return copy


def herd(app: Any, url: str, count: int) -> list[Any]:
    """`count` concurrent GETs of one URL, in-process, over ASGI."""
    import asyncio

    import httpx2

    async def run() -> list[Any]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.get(url) for _ in range(count)))

    return asyncio.run(run())


@contextmanager
def serving(
    root: Path, *extra: str, command: list[str] | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real `gallery serve` (granian) on a free loopback port, for as long as the block runs.

    `extra` goes after `serve` (e.g. --workers 2); `command` replaces `python -m gallery` (an installed copy);
    `env` adds to the environment.
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "gallery"]), "--root", str(root), "serve", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    message = process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                    raise RuntimeError(f"gallery serve did not start: {message}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:  # a graceful stop waits for open connections: on a loaded machine that can take a while
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        process.stderr.close()  # type: ignore[union-attr]
