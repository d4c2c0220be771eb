"""A read-only library (a backup disk, a read-only mount, another user's files): reading commands
and the public site work, writers say so in one line (CLI) or with a 503 (web), nothing is written.

Each test runs twice: with GALLERY_READ_ONLY on a writable copy (portable, no root needed) and on a
read-only bind mount (root and `mount`; marked slow). Root ignores file permissions, so `chmod -w`
proves nothing here; the bind mount is what a backup disk really is.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from gallery import catalog, thumbs
from gallery.cli import main
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, serving


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fingerprint(root: Path) -> dict[str, str]:
    """Every file that matters (catalog, originals, derivatives, state) by content."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(("-wal", "-shm")):
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def prepared(library: Path) -> dict[str, Any]:
    """The demo library with a password share and one viewer derivative removed, as left on a backup disk."""
    gallery = Gallery(library)
    share = gallery.runner.invoke(
        main,
        ["--root", str(library), "albums", "share", "iot-valley-2017", "--password"],
        input="sesame-123\n",
        catch_exceptions=False,
    )
    assert share.exit_code == 0, share.output
    album = next(a for a in gallery.json("albums") if a["slug"] == "la-melee-numerique-2017")
    missing = album["photos"][0]["sha256"]
    (library / "thumbnails" / thumbs.derivative_path(missing, "viewer")).unlink()
    conn = sqlite3.connect(library / "gallery.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()  # the last connection: SQLite removes the -wal and -shm, as on a disk unplugged cleanly
    return {
        "token": share.output.strip().rsplit("/", 1)[1],
        "missing": missing,
        "present": album["photos"][1]["sha256"],
    }


@pytest.fixture(params=["flag", pytest.param("mount", marks=pytest.mark.slow)])
def read_only(
    request: pytest.FixtureRequest,
    library: Path,
    prepared: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    """(root, config, prepared) of a read-only library: by setting, or on a read-only bind mount."""
    if request.param == "flag":
        monkeypatch.setenv("GALLERY_READ_ONLY", "true")
        yield {"root": library, "config": Config(root=library, read_only=True), **prepared}
        return
    mounted = tmp_path / "backup-disk"
    mounted.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", str(library), str(mounted)):
        pytest.skip("needs root and bind mounts")
    try:
        assert _mount("-o", "remount,bind,ro", str(mounted))
        assert not (mounted / "gallery.db-shm").exists(), "a cleanly closed catalog, as on a backup disk"
        yield {"root": mounted, "config": Config(root=mounted), **prepared}
    finally:
        _unmount(mounted)


def cli(root: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--root", str(root), *args])


def test_reading_commands_work_and_writing_ones_say_so_in_one_line(read_only: dict[str, Any]) -> None:
    root = read_only["root"]
    before = fingerprint(root)
    albums = cli(root, "albums", "--json")
    assert albums.exit_code == 0, albums.output
    assert {a["slug"] for a in json.loads(albums.stdout)} >= {"la-melee-numerique-2017", "iot-valley-2017"}
    photos = cli(root, "photos", "--json")
    assert photos.exit_code == 0 and len(json.loads(photos.stdout)) > 10, photos.output
    check = cli(root, "check", "--json")
    assert check.exit_code == 1 and check.exception is None or isinstance(check.exception, SystemExit), check.output
    assert json.loads(check.stdout)["missing_derivatives"] == [f"{read_only['missing']} viewer"]
    for command in (
        ["thumbs"],
        ["check", "--repair"],
        ["import", str(Path(__file__).resolve().parent)],
        ["albums", "rename", "la-melee-numerique-2017", "Autre titre"],
        ["albums", "publish", "--all"],
        ["user", "add", "bob"],
    ):
        result = cli(root, *command)
        assert result.exit_code == 1, (command, result.output)
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error:") and "read-only" in lines[0], (command, result.output)
    assert "cannot write" in cli(root, "thumbs").output
    assert fingerprint(root) == before


def test_the_site_serves_what_exists_and_makes_nothing(read_only: dict[str, Any]) -> None:
    root, config = read_only["root"], read_only["config"]
    before = fingerprint(root)
    client = TestClient(create_app(config))
    for url in (
        "/",
        "/albums/la-melee-numerique-2017",
        "/timeline",
        "/places",
        "/search?q=Toulouse",
        "/api/albums",
        f"/photos/{read_only['present']}",
        "/feed.atom",
        f"/thumbs/grid/{read_only['missing']}.webp",
        f"/thumbs/viewer/{read_only['present']}.webp",
    ):
        assert client.get(url).status_code == 200, url
    missing = client.get(f"/thumbs/viewer/{read_only['missing']}.webp")
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
    assert client.app.app.app.app.state.read_only  # type: ignore[attr-defined]
    assert fingerprint(root) == before, "no derivative made, nothing written"


def test_login_and_share_passwords_answer_503_with_words(read_only: dict[str, Any]) -> None:
    client = TestClient(create_app(read_only["config"]))
    client.get("/")  # the CSRF cookie
    csrf = client.cookies.get("gallery_csrf") or ""
    token = read_only["token"]
    answers = [
        client.get("/login"),
        client.post("/login", data={"name": "a", "password": "b" * 9, "csrf": csrf}),
        client.get(f"/s/{token}"),
        client.post(f"/s/{token}", data={"password": "sesame-123", "csrf": csrf}),
        client.get("/login", headers={"accept-language": "en"}),
    ]
    for response in answers:
        assert response.status_code == 503, response.request.url
    assert "lecture seule" in answers[0].text and "mots de passe de partage" in answers[0].text
    assert "read-only" in answers[-1].text
    assert "gallery_session" not in client.cookies and "gallery_share" not in client.cookies


@pytest.mark.slow
def test_gallery_serve_starts_on_a_read_only_mount(library: Path, prepared: dict[str, Any], tmp_path: Path) -> None:
    mounted = tmp_path / "backup-disk"
    mounted.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", str(library), str(mounted)):
        pytest.skip("needs root and bind mounts")
    try:
        assert _mount("-o", "remount,bind,ro", str(mounted))
        with serving(mounted) as base:
            home = urllib.request.urlopen(base + "/").read().decode()
            assert "la-melee-numerique-2017" in home
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(f"{base}/thumbs/viewer/{prepared['missing']}.webp")
            assert missing.value.code == 404
            missing.value.close()
            with pytest.raises(urllib.error.HTTPError) as login:
                urllib.request.urlopen(base + "/login")
            assert login.value.code == 503
            login.value.close()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = str(probe.getsockname()[1])
        started = subprocess.run(
            [
                "timeout",
                "-s",
                "INT",
                "-k",
                "20",  # a server that ignores the INT (seen under heavy load) is killed: the test never hangs
                "4",
                sys.executable,
                "-m",
                "gallery",
                "--root",
                str(mounted),
                "serve",
                "--port",
                port,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Read-only library" in started.stdout, started.stdout + started.stderr
    finally:
        _unmount(mounted)


def test_read_only_uri_follows_the_shm_rule(tmp_path: Path) -> None:
    """mode=ro where SQLite can share the WAL index (a live writer's commits are seen); else immutable."""
    db = tmp_path / "gallery.db"
    writer = catalog.connect(db)
    assert "immutable" not in catalog.read_only_uri(db)
    reader = catalog.connect(db, readonly=True)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("INSERT INTO t VALUES (1)")
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    reader.close()
    writer.close()
    mounted = tmp_path / "ro"
    mounted.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", str(tmp_path), str(mounted)):
        pytest.skip("the read-only half needs root and bind mounts")
    try:
        assert _mount("-o", "remount,bind,ro", str(mounted))
        assert catalog.read_only_uri(mounted / "gallery.db").endswith("immutable=1")
        conn = catalog.connect(mounted / "gallery.db", readonly=True)
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
        conn.close()
    finally:
        _unmount(mounted)


def _fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.close(fd)


def _pages(client: Any, sha: str) -> dict[str, int]:
    urls = (
        "/",
        "/albums/la-melee-numerique-2017",
        "/timeline",
        "/places",
        "/search?q=Toulouse",
        "/api/albums",
        f"/photos/{sha}",
        f"/api/photos/{sha}",
        "/feed.atom",
    )
    return {url: client.get(url).status_code for url in urls}


@pytest.mark.slow
def test_a_full_disk_keeps_pages_that_read_and_refuses_writes_with_words(
    tmp_path: Path, mission_files_session: Any
) -> None:
    """Filled while a real server runs, and for a server started on the full disk (no -shm to size)."""
    import httpx2

    disk = tmp_path / "small-disk"
    disk.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)):
        pytest.skip("needs root and mount to make a small tmpfs")
    try:
        gallery = Gallery(disk / "library")
        cards, programme = mission_files_session
        gallery("mission", "load", str(programme))
        gallery.import_(cards, extra=("--no-viewer",))
        gallery("albums", "publish", "--all")
        added = gallery.runner.invoke(
            main, ["--root", str(gallery.root), "user", "add", "alice"], input="correct-horse\n"
        )
        assert added.exit_code == 0, added.output
        sha = next(a for a in gallery.json("albums") if a["slug"] == "la-melee-numerique-2017")["photos"][0]["sha256"]
        with serving(gallery.root) as base, httpx2.Client(base_url=base, timeout=30) as client:
            assert set(_pages(client, sha).values()) == {200}
            _fill(disk)
            assert set(_pages(client, sha).values()) == {200}, "pages that only read keep working"
            login = client.post(
                "/login",
                data={"name": "alice", "password": "correct-horse", "csrf": client.cookies.get("gallery_csrf") or ""},
            )
            assert login.status_code == 503 and "Disque plein" in login.text, (login.status_code, login.text[-300:])
        started_full = TestClient(create_app(Config(root=gallery.root)))
        assert set(_pages(started_full, sha).values()) == {200}, "a server started on the full disk"
    finally:
        _unmount(disk)
