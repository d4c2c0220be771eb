"""The nginx front: a public tree of links that nginx may serve without asking (its server block:
nginx_conf).

Only what an anonymous visitor may see is reachable without the app. ROOT/.gallery/public/ holds
one link per public derivative, at the path of its URL: a hard link to the derivative, or a relative
symlink where a hard link cannot be had (another filesystem; a derivative not made yet):

    .gallery/public/thumbs/grid/<sha256>.webp -> ../../../../thumbnails/grid/ab/cd/<sha256>.webp

nginx serves /thumbs/... from that tree (`try_files`); a URL with no link there goes to the app,
which decides (share link, admin) and answers with `X-Accel-Redirect` to an internal location, so
nginx sends the bytes and Python never streams a file. The tree follows the catalog: `sync()` runs
after every `gallery` command that may change it, and a serving process watches the catalog's
version (PRAGMA data_version, every WATCH_SECONDS) for changes made through the admin pages.
`gallery check --repair` rebuilds it. The tree exists only once `gallery nginx-config` has made
it: a library served without nginx keeps none.

The tree also holds public photos' social cards (cards/<sha256>.jpg, once the app has made one) and
the share folders (shares/<name>/..., see share_folders), which `sync()` keeps in step as well.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import catalog, thumbs
from .config import Config
from .kinds import video

ACCEL_HEADER = "x-gallery-accel"  # set by nginx (proxy_set_header) on every proxied request: the internal prefix
INTERNAL = "/_gallery"
FOLDER_COOKIE = "gallery_shared"  # share_folders.FOLDER_COOKIE: the share folder's name, for nginx
CARD_MAX_AGE = 86400  # social cards (web.mapping sends the same)
WATCH_SECONDS = 0.25


def public_dir(config: Config) -> Path:
    return config.state_dir / "public"


def enabled(config: Config) -> bool:
    return public_dir(config).is_dir()


def link_path(config: Config, sha256: str, size: str) -> Path:
    """Where the public tree holds a derivative: `size` is grid, viewer, video (a video's web copy) or card."""
    if size == VIDEO:
        return public_dir(config) / VIDEO / f"{sha256}.mp4"
    if size == CARD:
        return public_dir(config) / "cards" / f"{sha256}.jpg"  # served at /cards/<sha256>.jpg
    return public_dir(config) / "thumbs" / size / f"{sha256}.webp"


def derivative(sha256: str, size: str) -> str:
    """The derivative's path inside the thumbnails folder."""
    if size == CARD:
        return card_path(sha256)
    return str(video.web_copy_path(sha256) if size == VIDEO else thumbs.derivative_path(sha256, size))


def card_path(sha256: str) -> str:
    """A social card (1200x630 JPEG, web.mapping) inside the thumbnails folder, written on its first request."""
    return f"cards/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def link_target(sha256: str, size: str) -> str:
    """Relative, so that a copied or moved library (a backup) keeps working links."""
    up = "../../../" if size in (VIDEO, CARD) else "../../../../"
    return up + "thumbnails/" + derivative(sha256, size)


VIDEO = "video"  # the public tree's folder of public videos' web copies (served at /photos/<sha256>/video)
CARD = "card"  # social-card images of public photos (og:image, oEmbed)
KINDS = (*thumbs.SIZES, VIDEO, CARD)


@dataclass
class Synced:
    added: int = 0
    removed: int = 0
    next_expiry: str | None = None  # when the first share folder kept must close (share_folders)


@contextmanager
def locked(config: Config) -> Iterator[None]:
    """One sync at a time across processes (several workers, a CLI command)."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with open(config.state_dir / "public.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _public(config: Config) -> dict[str, set[str]]:
    """For each kind of the tree, the sha256 that belong in it."""
    conn = catalog.connect(config.db_path, readonly=True)
    try:
        photos, videos = catalog.public_photo_shas(conn), catalog.public_video_shas(conn)
    finally:
        conn.close()
    return {**{size: photos for size in thumbs.SIZES}, VIDEO: videos, CARD: photos}


def in_step(config: Config, entry: os.DirEntry[str], target: Path) -> bool:
    """A hard link to the derivative `target` itself, or a symlink to it when a hard link cannot be had.

    A symlink whose derivative exists now (made since) is not in step: it becomes a hard link,
    which nginx opens without resolving a link (the public gap to bare nginx, issue 15).
    """
    try:
        if entry.is_symlink():
            relative = os.path.relpath(target, os.path.dirname(entry.path))
            return os.readlink(entry.path) == relative and not _linkable(config, target)
        mine, theirs = entry.stat(follow_symlinks=False), target.stat()
    except OSError:
        return False
    return (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev)


def _linkable(config: Config, target: Path) -> bool:
    """The derivative exists and the public tree can hard-link it (same filesystem, links allowed)."""
    if config.state_dir in _NO_HARD_LINKS:
        return False
    return target.is_file()


_NO_HARD_LINKS: set[Path] = set()  # libraries whose public tree fell back to symlinks (EXDEV, EPERM)


def place(config: Config, final: Path, target: Path) -> None:
    """Atomically put the link `final` to the derivative `target` in place: a hard link if possible, else a
    (relative) symlink.

    A missing derivative gets a (dangling) symlink: nginx finds nothing and asks the app, which makes it.
    """
    tmp = final.parent / f".{final.name}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        if not _linkable(config, target):
            raise FileNotFoundError(target)
        os.link(target, tmp)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            _NO_HARD_LINKS.add(config.state_dir)  # another filesystem: symlinks from now on
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(target, final.parent), tmp)
    os.replace(tmp, final)


def sync(config: Config, create: bool = False) -> Synced:
    """Make the public tree match the catalog: a link per public derivative, none for anything else.

    Removals first: a photo that stopped being public is closed before anything is added. The share
    folders (share_folders) follow the catalog too.
    """
    from . import share_folders

    done = Synced()
    if not (create or enabled(config)) or not config.db_path.exists():
        return done
    with locked(config):
        public = _public(config)
        for size in KINDS:
            folder = link_path(config, "0" * 64, size).parent
            folder.mkdir(parents=True, exist_ok=True)
            suffix = link_path(config, "0" * 64, size).suffix
            present = set()
            for entry in os.scandir(folder):
                sha = entry.name.removesuffix(suffix)
                target = config.thumbs_dir / derivative(sha, size)
                if entry.name.endswith(suffix) and sha in public[size] and in_step(config, entry, target):
                    present.add(sha)
                elif entry.name.endswith(suffix) and sha in public[size]:
                    continue  # public, but a symlink that can become a hard link, or a stale one: replaced below
                else:  # not public any more, a stray file
                    os.unlink(entry.path)
                    done.removed += 1
            for sha in public[size].difference(present):
                existed = link_path(config, sha, size).exists() or link_path(config, sha, size).is_symlink()
                place(config, link_path(config, sha, size), config.thumbs_dir / derivative(sha, size))
                done.added += 0 if existed else 1
        closed, done.next_expiry = share_folders.sync(config)
        done.removed += closed
    return done


def check(config: Config) -> list[str]:
    """Differences between the public tree and the catalog (for `gallery check`), without changing anything."""
    if not enabled(config) or not config.db_path.exists():
        return []
    public = _public(config)
    problems = []
    for size in KINDS:
        folder = link_path(config, "0" * 64, size).parent
        suffix = link_path(config, "0" * 64, size).suffix
        names = {p.name.removesuffix(suffix) for p in folder.glob("*" + suffix)} if folder.is_dir() else set()
        extra, missing = names - public[size], public[size] - names
        if extra:
            problems.append(f"public tree: {len(extra)} {size} link(s) to items that are not public")
        if missing:
            problems.append(f"public tree: {len(missing)} public {size} file(s) without a link")
    from . import share_folders

    return problems + share_folders.check(config)


class Watcher(threading.Thread):
    """In a serving process: sync the public tree whenever the catalog changes (admin pages, other tools)."""

    def __init__(self, config: Config) -> None:
        super().__init__(name="gallery-front-watcher", daemon=True)
        self.config = config
        self.stopped = threading.Event()

    def run(self) -> None:
        from . import share_folders

        version, folders, expiry = None, None, None
        conn = None
        while not self.stopped.wait(WATCH_SECONDS):
            if not enabled(self.config):
                continue  # no nginx front (yet): nothing to keep in step
            try:
                if conn is None:
                    conn = catalog.connect(self.config.db_path, readonly=True)
                current, marker = catalog.data_version(conn), share_folders.marker(self.config)
                # a change, a share folder made or removed (its expiry to learn), a share link expiring
                if current != version or marker != folders or (expiry is not None and catalog.now_iso() >= expiry):
                    expiry = sync(self.config).next_expiry
                    version, folders = current, marker
            except Exception:  # a catalog being replaced, a full disk: try again on the next tick
                if conn is not None:
                    conn.close()
                conn, version = None, None

    def stop(self) -> None:
        self.stopped.set()


def watch(config: Config) -> Watcher:
    watcher = Watcher(config)
    watcher.start()
    return watcher


def accel_prefix(value: bytes | None) -> str | None:
    """The internal prefix nginx announced, if it looks like one (a direct client gets plain bytes)."""
    if not value:
        return None
    text = value.decode("latin-1")
    if not text.startswith("/") or not all(c.isalnum() or c in "/_-" for c in text):
        return None
    return text.rstrip("/")


def nginx_config(config: Config, server_name: str = "_", listen: str = "80", upstream: str = "127.0.0.1:8000") -> str:
    """The nginx configuration for this library, written by `nginx_conf.nginx_config` (its home since
    front.py grew; this name stays for callers of `front`)."""
    from .nginx_conf import nginx_config as write

    return write(config, server_name, listen, upstream)
