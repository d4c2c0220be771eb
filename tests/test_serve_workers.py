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
