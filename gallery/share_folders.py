"""Share folders: the images nginx may send to a browser holding one share link, without asking the app.

    .gallery/public/shares/<name>/thumbs/{grid,viewer}/<sha256>.webp    (hard links, like the public tree)
    .gallery/public/shares/<name>/share                                 (the share's id; no URL reaches it)

A folder is made when a share link opens (after its password, if it has one), for the images of
its album that are not hidden. <name> is HMAC(secret key, token): only the app, which holds the
key and sees the token, can name a link's folder, and a browser learns it only from the cookie
the app then sets (FOLDER_COOKIE: HttpOnly, SameSite=Lax, Path=/thumbs/, expiring with the link).
nginx maps that cookie to the folder (64 hex digits, nothing else) and sends what it finds there
`private, no-store`; anything absent (another album, a hidden photo, a forged cookie) goes to the
app, which decides. `front.sync` keeps every folder in step with the catalog (a hidden or removed
photo loses its links, a revoked, expired or merged link loses its folder), so what the app would
refuse, nginx no longer has.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from . import catalog, front, thumbs
from .config import Config

FOLDER_COOKIE = front.FOLDER_COOKIE
COOKIE_PATH = "/thumbs/"  # the browser sends the folder's name with image requests only
NAME = re.compile(r"[0-9a-f]{64}")
SHARE_FILE = "share"


def shares_dir(config: Config) -> Path:
    return front.public_dir(config) / "shares"


def folder_name(key: bytes, token: str) -> str:
    """The folder of a share link: unguessable without the secret key, and one per link."""
    return hmac.new(key, b"share-folder:" + token.encode(), hashlib.sha256).hexdigest()


def open_folder(config: Config, key: bytes, token: str, share_id: int) -> str | None:
    """Make (or bring in step) the folder of a share link that opens now; its name, or None when there
    is no nginx front or the link does not open (any more)."""
    if not front.enabled(config):
        return None
    name = folder_name(key, token)
    with front.locked(config):  # one writer at a time: a sync (revoke) waits for this folder and closes it
        found = _open_shares(config, [share_id])
        if share_id not in found:
            return None
        folder = shares_dir(config) / name
        if folder.is_dir():
            _fill(config, folder, found[share_id][1])
            return name
        fresh = shares_dir(config) / f".new-{name}-{os.getpid()}"  # complete before nginx can see it
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        (fresh / SHARE_FILE).write_text(str(share_id))
        _fill(config, fresh, found[share_id][1])
        fresh.rename(folder)
    return name


def sync(config: Config) -> tuple[int, str | None]:
    """Bring every share folder in step with the catalog (call under front.locked).

    Returns how many folders were closed, and the earliest expiry among those kept (the watcher
    syncs again then)."""
    base = shares_dir(config)
    if not base.is_dir():
        return 0, None
    folders: dict[Path, int] = {}
    closed = 0
    for entry in os.scandir(base):
        share_id = _share_of(Path(entry.path)) if NAME.fullmatch(entry.name) else None
        if share_id is None:  # a folder left half-made or half-removed by a killed process, a stray file
            _remove(Path(entry.path))
            continue
        folders[Path(entry.path)] = share_id
    found = _open_shares(config, sorted(set(folders.values())))
    expiries = []
    for folder, share_id in folders.items():
        if share_id not in found:
            _remove(folder)
            closed += 1
            continue
        expires_at, shas = found[share_id]
        _fill(config, folder, shas)
        if expires_at:
            expiries.append(expires_at)
    return closed, min(expiries, default=None)


def check(config: Config) -> list[str]:
    """Share folders of links that no longer open (for `gallery check`; `--repair` removes them)."""
    base = shares_dir(config)
    if not front.enabled(config) or not base.is_dir() or not config.db_path.exists():
        return []
    folders = {Path(e.path): _share_of(Path(e.path)) for e in os.scandir(base)}
    found = _open_shares(config, sorted({s for s in folders.values() if s is not None}))
    stale = [folder for folder, share_id in folders.items() if share_id not in found]
    return [f"public tree: {len(stale)} share folder(s) of links that no longer open"] if stale else []


def marker(config: Config) -> int | None:
    """Changes when a folder is made or removed (the watcher then learns its expiry)."""
    try:
        return shares_dir(config).stat().st_mtime_ns
    except OSError:
        return None


def _open_shares(config: Config, share_ids: list[int]) -> dict[int, tuple[str | None, set[str]]]:
    if not share_ids:
        return {}
    conn = catalog.connect(config.db_path, readonly=True)
    try:
        return catalog.shared_photo_shas(conn, share_ids)
    finally:
        conn.close()


def _share_of(folder: Path) -> int | None:
    try:
        return int((folder / SHARE_FILE).read_text())
    except (OSError, ValueError):
        return None


def _fill(config: Config, folder: Path, shas: Iterable[str]) -> None:
    """A link per image of `shas` in each size, and nothing else: removals first."""
    wanted = set(shas)
    for size in thumbs.SIZES:
        sub = folder / "thumbs" / size
        sub.mkdir(parents=True, exist_ok=True)
        present = set()
        for entry in os.scandir(sub):
            sha = entry.name.removesuffix(".webp")
            target = config.thumbs_dir / thumbs.derivative_path(sha, size) if sha in wanted else None
            if target is not None and entry.name.endswith(".webp") and front.in_step(config, entry, target):
                present.add(sha)
            elif target is None or not entry.name.endswith(".webp"):
                os.unlink(entry.path)
        for sha in wanted - present:
            front.place(config, sub / f"{sha}.webp", config.thumbs_dir / thumbs.derivative_path(sha, size))


def _remove(path: Path) -> None:
    """Closed at once (a rename nginx can never map a cookie to), then deleted."""
    if not path.is_dir() or path.is_symlink():
        path.unlink(missing_ok=True)
        return
    gone = path.parent / f".gone-{path.name}-{os.getpid()}"
    if path.name.startswith("."):
        gone = path
    else:
        shutil.rmtree(gone, ignore_errors=True)
        path.rename(gone)
    shutil.rmtree(gone, ignore_errors=True)
