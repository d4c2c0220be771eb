"""`gallery serve --workers 2` (issue 15): a real granian with two worker processes repeats the herd,
rate-limit and revocation checks; nothing that matters lives in one process's memory."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner

from gallery.cli import main
from gallery.web import limits

from .conftest import serving
from .test_security import photos_of

pytestmark = pytest.mark.slow
PUBLIC, PRIVATE = "la-melee-numerique-2017", "iot-valley-2017"
PASSWORD = "correct horse battery"


def gets(base: str, urls: list[str], cookies: Any = None) -> list[httpx2.Response]:
    """Every URL at once, each on a new connection (so both workers get some)."""

    async def run() -> list[httpx2.Response]:
        limits_ = httpx2.Limits(max_connections=len(urls), max_keepalive_connections=0)
        async with httpx2.AsyncClient(base_url=base, limits=limits_, timeout=120, cookies=cookies) as client:
            return await asyncio.gather(*(client.get(url) for url in urls))

    return asyncio.run(run())


def test_a_herd_on_two_workers_makes_each_derivative_once(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(library / "thumbnails")
    monkeypatch.setenv("GALLERY_COUNT_GENERATIONS", "1")
    shas = photos_of(library, PUBLIC)[:2]
    with serving(library, "--workers", "2") as base:
        urls = [f"/thumbs/{size}/{sha}.webp" for sha in shas for size in ("grid", "viewer")] * 50
        responses = gets(base, urls)
        assert {r.status_code for r in responses} == {200}
        assert len({(r.url.path, r.content) for r in responses}) == 4
    made = (library / ".gallery" / "generated.log").read_text().split()
    assert len(made) == 4, f"each of the 4 derivatives made once across both workers, not {len(made)} times"


def test_the_login_limit_holds_on_two_workers(library: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(library), "user", "add", "bob"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with serving(library, "--workers", "2") as base:

        async def run() -> list[int]:
            limits_ = httpx2.Limits(max_connections=24, max_keepalive_connections=0)
            cookies = {"gallery_csrf": "c" * 32}
            async with httpx2.AsyncClient(base_url=base, limits=limits_, timeout=60, cookies=cookies) as client:
                form = {"name": "bob", "password": "guess", "csrf": "c" * 32}
                answers = await asyncio.gather(*(client.post("/login", data=form) for _ in range(24)))
            return [a.status_code for a in answers]

        statuses = Counter(asyncio.run(run()))
    assert statuses[401] == limits.LOGIN_ATTEMPTS and statuses[429] == 24 - limits.LOGIN_ATTEMPTS, statuses


def test_revoking_and_unpublishing_close_every_worker_at_once(library: Path) -> None:
    runner = CliRunner()
    shared = runner.invoke(main, ["--root", str(library), "albums", "share", PRIVATE])
    assert shared.exit_code == 0, shared.output
    token = shared.output.strip().rsplit("/", 1)[1]
    private, public = photos_of(library, PRIVATE)[0], photos_of(library, PUBLIC)[0]
    with serving(library, "--workers", "2") as base:
        with httpx2.Client(base_url=base, follow_redirects=False) as client:
            assert client.get(f"/s/{token}").status_code == 303
            cookies = client.cookies
        urls = [f"/thumbs/grid/{private}.webp", f"/thumbs/grid/{public}.webp"] * 20
        assert {r.status_code for r in gets(base, urls, cookies)} == {200}, "both workers have them cached"
        assert runner.invoke(main, ["--root", str(library), "albums", "unshare", "--", token]).exit_code == 0
        assert runner.invoke(main, ["--root", str(library), "albums", "unpublish", PUBLIC]).exit_code == 0
        assert {r.status_code for r in gets(base, urls, cookies)} == {404}, "no worker serves from a stale cache"


def _make_in_a_process(root: str, sha: str) -> None:
    from gallery.config import Config
    from gallery.web import create_app

    create_app(Config(root=Path(root)))._load_or_make(sha, "viewer")  # the app is the Derivatives middleware


def test_the_lock_file_lets_one_process_of_many_make_a_derivative(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four processes (forked, so they share this slowed renderer) ask for one missing derivative at once."""
    import multiprocessing
    import time

    from gallery import thumbs

    slow = thumbs.make_derivative

    def slowed(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # long enough for every process to arrive while the first one renders
        return slow(*args, **kwargs)

    monkeypatch.setattr(thumbs, "make_derivative", slowed)
    monkeypatch.setenv("GALLERY_COUNT_GENERATIONS", "1")
    sha = photos_of(library, PUBLIC)[0]
    (library / "thumbnails" / thumbs.derivative_path(sha, "viewer")).unlink(missing_ok=True)
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_make_in_a_process, args=(str(library), sha)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    made = (library / ".gallery" / "generated.log").read_text().split()
    assert len(made) == 1, f"made {len(made)} times by {len(set(made))} processes"
    assert (library / "thumbnails" / thumbs.derivative_path(sha, "viewer")).is_file()


def test_a_server_under_load_stops_when_told(library: Path) -> None:
    """SIGTERM while two workers answer a stream of requests: the server is gone within its grace
    (granian is given a kill timeout: a worker busy at SIGTERM could otherwise hang for ever,
    granian issue #875), its workers with it, and the port is free again."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time

    from gallery import cli_web

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "gallery", "--root", str(library), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _up(base):
            assert process.poll() is None and time.monotonic() < deadline, "gallery serve did not start"
            time.sleep(0.1)
        urls = [f"/thumbs/grid/{sha}.webp" for sha in photos_of(library, PUBLIC)] + ["/", f"/albums/{PUBLIC}"]
        stop = threading.Event()
        answered: list[int] = []

        def hammer() -> None:
            with httpx2.Client(base_url=base, timeout=5) as client:
                while not stop.is_set():
                    for url in urls:
                        try:
                            answered.append(client.get(url).status_code)
                        except httpx2.HTTPError:
                            if stop.is_set():
                                return

        threads = [threading.Thread(target=hammer) for _ in range(6)]
        for thread in threads:
            thread.start()
        while len(answered) < 50:
            assert time.monotonic() < deadline + 60, f"only {len(answered)} answers in a minute"
            time.sleep(0.05)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(cli_web.STOP_GRACE + 30)
        took = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(30)
        assert set(answered) <= {200, 404}, Counter(answered)
        assert took < cli_web.STOP_GRACE + 30
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):  # the workers went with it (a session of their own)
            os.killpg(process.pid, 0)
        with socket.socket() as again:  # as a restarted server binds it (connections may linger in TIME_WAIT)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _up(base: str) -> bool:
    try:
        return httpx2.get(base + "/healthz", timeout=1).status_code == 200
    except httpx2.HTTPError:
        return False


def test_granian_is_told_how_long_a_worker_may_take_to_stop(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a kill timeout granian waits for a stuck worker for ever (issue #875)."""
    import granian

    from gallery import cli_web

    seen: dict[str, Any] = {}

    class Recorder:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.update(kwargs)

        def serve(self) -> None:
            seen["served"] = True

    monkeypatch.setattr(granian, "Granian", Recorder)
    result = CliRunner().invoke(main, ["--root", str(library), "serve", "--port", "1", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert seen["served"] and seen["workers"] == 2
    assert seen["workers_kill_timeout"] == cli_web.STOP_GRACE > 0
