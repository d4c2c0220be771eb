"""Rate limits for logins, share passwords and share-token guesses, counted in the catalog.

An attempt is counted *before* the password is checked, in one BEGIN IMMEDIATE transaction, so
that concurrent requests (threads or worker processes) cannot all pass a check that none of them
has counted yet. Hard limits are per (account or share, address): an attacker can only lock
themselves out, never the owner from another address. Above them, a budget per account or share
per minute over all addresses slows guessing down: an attempt past it waits its turn (a short
while) instead of locking anybody out for long.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import anyio

from .. import catalog

WINDOW = 15 * 60
LOGIN_ATTEMPTS = 5  # per account and address per WINDOW
ADDRESS_ATTEMPTS = 30  # per address, every account together (password spraying) per WINDOW
ACCOUNT_PER_MINUTE = 10  # checks per account (or share) per minute, every address together
SHARE_ATTEMPTS = 5  # per share and address per WINDOW
TOKEN_GUESSES = 30  # share-token lookups per address per WINDOW (a found token is given back)
SLOW_WAIT = 20.0  # longest wait for the per-minute budget before answering 429
SLOW_STEP = 1.0

Budget = tuple[str, int, int]  # (key, limit, window in seconds)


class Limited(Exception):
    """A budget is spent: `busy` when only the shared per-minute budget is (try again in a minute)."""

    def __init__(self, busy: bool) -> None:
        super().__init__("too many attempts")
        self.busy = busy


@dataclass(frozen=True)
class Attempt:
    db_path: Path
    ids: tuple[int, ...]
    returnable: int  # how many of `ids` (the per-address ones) a success gives back

    def succeeded(self) -> None:
        """A right password: its per-address attempts do not count against the owner."""
        if self.returnable:
            _release(self.db_path, list(self.ids[: self.returnable]))


def login_budgets(name: str, address: str) -> tuple[list[Budget], Budget]:
    hard = [(f"login:{name}|{address}", LOGIN_ATTEMPTS, WINDOW), (f"login-from:{address}", ADDRESS_ATTEMPTS, WINDOW)]
    return hard, (f"login-account:{name}", ACCOUNT_PER_MINUTE, 60)


def share_budgets(share_id: int, address: str) -> tuple[list[Budget], Budget]:
    return [(f"share:{share_id}|{address}", SHARE_ATTEMPTS, WINDOW)], (f"share-any:{share_id}", ACCOUNT_PER_MINUTE, 60)


def token_budgets(address: str) -> tuple[list[Budget], None]:
    return [(f"token:{address}", TOKEN_GUESSES, WINDOW)], None


async def attempt(db_path: Path, hard: list[Budget], slow: Budget | None) -> Attempt:
    """Count one attempt, waiting a while for the shared per-minute budget; raises Limited."""
    if not db_path.exists():  # no catalog: no account, no share, nothing to guess
        return Attempt(db_path, (), 0)
    budgets = [*hard, slow] if slow else hard
    deadline = time.monotonic() + SLOW_WAIT
    while True:
        spent, ids = await anyio.to_thread.run_sync(_take, db_path, budgets)
        if spent is None:
            return Attempt(db_path, tuple(ids), len(hard))
        busy = slow is not None and spent == slow[0]
        if not busy or time.monotonic() > deadline:
            raise Limited(busy)
        await anyio.sleep(SLOW_STEP)


def _take(db_path: Path, budgets: list[Budget]) -> tuple[str | None, list[int]]:
    now = time.time()  # wall clock: shared by every worker process
    conn = catalog.connect(db_path)
    try:
        return catalog.take_attempt(conn, budgets, now, forget_before=now - 2 * WINDOW)
    finally:
        conn.close()


def _release(db_path: Path, ids: list[int]) -> None:
    conn = catalog.connect(db_path)
    try:
        catalog.release_attempts(conn, ids)
    finally:
        conn.close()
