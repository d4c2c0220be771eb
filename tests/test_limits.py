"""Rate limits under concurrency (issue 9): attempts are counted in the catalog before the check,
per (account or share, address), so concurrent requests and several worker processes cannot pass
more guesses than the limit, and an attacker cannot lock the owner out from another address."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner

from gallery.cli import main
from gallery.config import Config
from gallery.web import create_app, limits

PASSWORD = "correct horse battery"
CSRF = {"gallery_csrf": "c" * 32}


@pytest.fixture
def library(library: Path) -> Path:
    result = CliRunner().invoke(main, ["--root", str(library), "user", "add", "bob"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return library


def share(root: Path, slug: str, password: str | None = None) -> str:
    args = ["--root", str(root), "albums", "share", slug] + (["--password"] if password else [])
    result = CliRunner().invoke(main, args, input=(password + "\n") if password else None)
    assert result.exit_code == 0, result.output
    return result.output.strip().rsplit("/", 1)[1]


def client(app: Any, address: str) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=app, client=(address, 4321))
    return httpx2.AsyncClient(transport=transport, base_url="http://test", cookies=CSRF)


def posts(requests: list[tuple[Any, str, str, dict[str, str]]]) -> list[int]:
    """Send every (app, address, url, form) at once; the status of each, in order."""

    async def run() -> list[int]:
        clients = {(id(app), address): client(app, address) for app, address, _, _ in requests}
        try:
            answers = await asyncio.gather(
                *(
                    clients[(id(app), address)].post(url, data={**form, "csrf": "c" * 32})
                    for app, address, url, form in requests
                )
            )
        finally:
            for each in clients.values():
                await each.aclose()
        return [a.status_code for a in answers]

    return asyncio.run(run())


def login(name: str, password: str) -> dict[str, str]:
    return {"name": name, "password": password}


def test_concurrent_logins_from_one_address_check_at_most_the_limit(library: Path) -> None:
    app = create_app(Config(root=library))
    statuses = Counter(posts([(app, "10.0.0.1", "/login", login("bob", f"guess {n}")) for n in range(40)]))
    assert statuses[401] == limits.LOGIN_ATTEMPTS, statuses
    assert statuses[429] == 40 - limits.LOGIN_ATTEMPTS, statuses
    assert posts([(app, "10.0.0.1", "/login", login("bob", PASSWORD))]) == [429], (
        "the budget is spent, even for the right password"
    )


def test_the_limit_holds_across_worker_processes(library: Path) -> None:
    """Two apps on one library stand for two worker processes: nothing is counted in memory."""
    first, second = create_app(Config(root=library)), create_app(Config(root=library))
    statuses = Counter(
        posts([(app, "10.0.0.2", "/login", login("bob", "guess")) for _ in range(12) for app in (first, second)])
    )
    assert statuses[401] == limits.LOGIN_ATTEMPTS and statuses[429] == 24 - limits.LOGIN_ATTEMPTS, statuses


def test_a_lockout_from_one_address_does_not_lock_the_owner_out_from_another(library: Path) -> None:
    app = create_app(Config(root=library))
    for _ in range(limits.LOGIN_ATTEMPTS):
        assert posts([(app, "10.0.0.3", "/login", login("bob", "guess"))]) == [401]
    assert posts([(app, "10.0.0.3", "/login", login("bob", PASSWORD))]) == [429]
    assert posts([(app, "10.0.0.4", "/login", login("bob", PASSWORD))]) == [303], "bob logs in from his own address"


def test_a_right_password_does_not_use_up_the_budget(library: Path) -> None:
    app = create_app(Config(root=library))
    for _ in range(limits.LOGIN_ATTEMPTS + 2):
        assert posts([(app, "10.0.0.5", "/login", login("bob", PASSWORD))]) == [303]
    assert posts([(app, "10.0.0.5", "/login", login("bob", "guess"))]) == [401]


def test_guesses_from_many_addresses_are_slowed_by_the_account_budget(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SLOW_WAIT", 0.3)  # instead of waiting up to 20 s for a free slot
    app = create_app(Config(root=library))
    statuses = Counter(posts([(app, f"10.1.0.{n}", "/login", login("bob", "guess")) for n in range(16)]))
    assert statuses[401] == limits.ACCOUNT_PER_MINUTE and statuses[429] == 16 - limits.ACCOUNT_PER_MINUTE, statuses


def test_concurrent_share_passwords_check_at_most_the_limit_per_address(library: Path) -> None:
    token = share(library, "iot-valley-2017", password="open sesame")
    app = create_app(Config(root=library))
    url = f"/s/{token}"
    statuses = Counter(posts([(app, "10.0.1.1", url, {"password": f"guess {n}"}) for n in range(40)]))
    assert statuses[401] == limits.SHARE_ATTEMPTS and statuses[429] == 40 - limits.SHARE_ATTEMPTS, statuses
    assert posts([(app, "10.0.1.1", url, {"password": "open sesame"})]) == [429]
    assert posts([(app, "10.0.1.2", url, {"password": "open sesame"})]) == [303], "another recipient still opens it"


def test_concurrent_token_guesses_are_counted_before_the_lookup(library: Path) -> None:
    app = create_app(Config(root=library))

    async def run() -> list[int]:
        async with client(app, "10.0.2.1") as guesser:
            answers = await asyncio.gather(*(guesser.get(f"/s/{'x' * 32}{n}") for n in range(60)))
        return [a.status_code for a in answers]

    statuses = Counter(asyncio.run(run()))
    assert statuses[404] == limits.TOKEN_GUESSES and statuses[429] == 60 - limits.TOKEN_GUESSES, statuses
