"""`gallery backup DEST`: a consistent copy of the library, made while it serves and imports.

Order, so that DEST is a library at every moment and a killed run is completed by the next one:

1. the catalog, through SQLite's online backup, into DEST/.gallery/backup/gallery.db.partial
   (one read transaction: a snapshot, whatever writes meanwhile);
2. every original that snapshot names, only those not already in DEST with the right size:
   a hard link when DEST is on the same filesystem, else a copy, both re-hashed before they are
   renamed into place (storage.copy_verified: a file is either absent or whole and right);
3. optionally the derivatives (--with-thumbnails), also incrementally;
4. last, the snapshot replaces DEST/gallery.db (a rename).

Originals in DEST that the new snapshot no longer names (deleted since) are moved aside to
DEST/.gallery/backup/removed/, never deleted: a backup protects against mistakes too.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, storage, thumbs
from .config import Config
from .errors import GalleryError


@dataclass
class BackupReport:
    originals: int = 0  # copied or linked by this run
    linked: int = 0
    skipped: int = 0  # already in DEST
    bytes: int = 0
    thumbnails: int = 0
    moved_aside: int = 0
    missing: list[str] = field(default_factory=list)  # named by the catalog, absent from the library
    seconds: float = 0.0


def _work_dir(dest: Path) -> Path:
    return dest / ".gallery" / "backup"


def check_destination(config: Config, dest: Path) -> None:
    root, target = config.root.resolve(), dest.resolve()
    if target == root or target.is_relative_to(root) or root.is_relative_to(target):
        raise GalleryError(f"the backup destination {dest} must be outside the library {config.root} (and not hold it)")
    if target.exists() and not target.is_dir():
        raise GalleryError(f"{dest} is not a folder")


def snapshot_catalog(config: Config, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections read and write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with catalog.connection(config.db_path, readonly=True) as source:
        catalog.backup_into(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _same_filesystem(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def _place(source: Path, target: Path, sha256: str | None, link: bool) -> bool:
    """Link or copy `source` to `target`; True when linked. With a sha256, the result is re-hashed."""
    if link:
        try:
            if sha256 is not None:
                storage.copy_verified(source, target, sha256, link=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = storage.temp_path(target)
                os.link(source, tmp)
                os.replace(tmp, target)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
    if sha256 is not None:
        storage.copy_verified(source, target, sha256)
    else:
        storage.write_atomic(target, source.read_bytes())
    return False


def backup(
    config: Config, dest: Path, with_thumbnails: bool = False, progress: Callable[[str], None] | None = None
) -> BackupReport:
    started = time.monotonic()
    check_destination(config, dest)
    if not config.db_path.exists():
        raise GalleryError(f"no catalog at {config.db_path}: nothing to back up")
    report = BackupReport()
    work = _work_dir(dest)
    work.mkdir(parents=True, exist_ok=True)
    (dest / "media").mkdir(exist_ok=True)
    storage.remove_temp_files(dest / "media")  # a killed run's partial copies
    storage.remove_temp_files(dest / "thumbnails")
    partial = work / "gallery.db.partial"
    snapshot_catalog(config, partial)
    with catalog.connection(partial, readonly=True) as conn:
        rows = catalog.archived_files(conn)  # companions (RAW, sidecars) are originals too
    link = _same_filesystem(config.media_dir, dest / "media")
    named = set()
    for row in rows:
        relative = row["path"]
        named.add(relative)
        target = dest / relative
        if not target.resolve().is_relative_to((dest / "media").resolve()):
            report.missing.append(relative)  # a path outside media/: never followed
            continue
        try:
            if target.stat().st_size == row["size"]:
                report.skipped += 1
                continue
        except FileNotFoundError:
            pass
        try:
            source = storage.resolve_inside(config.media_dir, relative.removeprefix("media/"))
        except GalleryError:
            report.missing.append(relative)
            continue
        report.linked += _place(source, target, row["sha256"], link)
        report.originals += 1
        report.bytes += row["size"] or 0
        if progress and report.originals % 100 == 0:
            progress(f"{report.originals} originals copied...")
    readme = config.media_dir / "README.md"
    if readme.is_file() and not (dest / "media" / "README.md").exists():
        shutil.copy2(readme, dest / "media" / "README.md")
    report.moved_aside = _move_aside(dest, named)
    if with_thumbnails:
        report.thumbnails = _copy_thumbnails(config, dest, {row["sha256"] for row in rows})
    secret = config.state_dir / "secret"
    if secret.is_file():  # sessions stay valid after a restore
        storage.write_atomic(dest / ".gallery" / "secret", secret.read_bytes())
        (dest / ".gallery" / "secret").chmod(0o600)
    for leftover in ("gallery.db-wal", "gallery.db-shm", "gallery.db-journal"):
        (dest / leftover).unlink(missing_ok=True)  # they belonged to the catalog being replaced
    os.replace(partial, dest / "gallery.db")
    storage.fsync_dir(dest)
    report.seconds = time.monotonic() - started
    return report


def _move_aside(dest: Path, named: set[str]) -> int:
    """Originals in DEST the catalog no longer names: kept under .gallery/backup/removed/, not deleted."""
    moved = 0
    media = dest / "media"
    for path in sorted(media.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(dest).as_posix()
        if relative in named or relative == "media/README.md":
            continue
        aside = _work_dir(dest) / "removed" / relative
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, aside)
        moved += 1
    return moved


def _copy_thumbnails(config: Config, dest: Path, shas: set[str]) -> int:
    copied = 0
    link = _same_filesystem(config.thumbs_dir, dest) if config.thumbs_dir.exists() else False
    for sha in sorted(shas):
        for size in thumbs.SIZES:
            relative = thumbs.derivative_path(sha, size)
            source, target = config.thumbs_dir / relative, dest / "thumbnails" / relative
            if target.exists() or not source.is_file():
                continue
            _place(source, target, None, link)
            copied += 1
    return copied


def verify(dest: Path) -> tuple[int, list[str]]:
    """Re-hash every original of the backup against its own catalog: (checked, problems)."""
    from . import maintenance

    config = Config(root=dest)
    if not config.db_path.is_file():
        raise GalleryError(f"{dest} holds no backup (no gallery.db)")
    conn = catalog.connect(config.db_path, readonly=True)
    try:
        report = maintenance.check(conn, config)
    finally:
        conn.close()
    problems = [f"missing: {p}" for p in report.missing] + [f"changed: {p}" for p in report.changed]
    problems += [f"orphan: {p}" for p in report.orphans]
    return report.checked, problems
