"""File access to media/ and thumbnails/: the one seam an object store could stand behind.

Writes are atomic (temp file in the same folder, fsync, `os.replace`); reads of stored paths
are checked to stay inside their folder after resolving symlinks.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from .errors import NotFound, ReadOnlyLibrary

CHUNK = 1024 * 1024
TEMP_SUFFIX = ".tmp"


def hash_file(path: Path) -> tuple[str, int]:
    """Streamed sha256 and size of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def write_atomic(target: Path, data: bytes, durable: bool = True) -> None:
    """Write bytes so that `target` is either absent or complete, never partial.

    `durable=False` leaves the fsync to the caller (the importer syncs once per batch).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_verified(source: Path, target: Path, sha256: str, link: bool = False, durable: bool = True) -> None:
    """Copy (or hard-link) `source` to `target` atomically and prove the copy has `sha256`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        if link:
            os.link(source, tmp)
        else:
            with open(source, "rb") as src, open(tmp, "wb") as dst:
                _copy_bytes(src, dst)
                if durable:
                    dst.flush()
                    os.fsync(dst.fileno())
        copied, _ = hash_file(tmp)
        if copied != sha256:
            raise OSError(f"copy of {source} does not match its hash (source changed while reading?)")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sync_all() -> None:
    """Flush every pending write to disk: one call per import batch instead of one fsync per file."""
    os.sync()


def _copy_bytes(src: BinaryIO, dst: BinaryIO) -> None:
    """Copy in the kernel when it can (copy_file_range), in user space otherwise."""
    try:
        remaining = os.fstat(src.fileno()).st_size
        while remaining > 0:
            copied = os.copy_file_range(src.fileno(), dst.fileno(), remaining)
            if copied == 0:
                break
            remaining -= copied
        if remaining == 0:
            return
    except OSError:
        pass
    src.seek(0)
    dst.seek(0)
    dst.truncate()
    shutil.copyfileobj(src, dst, CHUNK)


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_temp_files(folder: Path) -> int:
    """Delete leftovers of interrupted atomic writes under `folder`; returns how many."""
    removed = 0
    if folder.is_dir():
        for tmp in folder.rglob(f".*{TEMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def resolve_inside(base: Path, relative: str) -> Path:
    """The stored relative path as a real file inside `base`, or NotFound."""
    base = base.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        raise NotFound("file not found")
    return candidate


def is_writable(folder: Path) -> bool:
    """Whether this process may create files in `folder` (or in its nearest existing parent).

    A read-only mount says so in statvfs (root ignores permissions, not mount flags); another
    user's files say so through access().
    """
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return False
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def library_read_only(root: Path, catalog_file: Path, forced: bool = False) -> bool:
    """A library we must not write: asked for (GALLERY_READ_ONLY), or its root or catalog not writable."""
    if forced or not is_writable(root):
        return True
    return catalog_file.exists() and not os.access(catalog_file, os.W_OK)


def is_full(folder: Path, margin: int = 1024 * 1024) -> bool:
    """Less than `margin` bytes left for this process on the disk holding `folder`."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < margin


def read_only_error(root: Path) -> ReadOnlyLibrary:
    return ReadOnlyLibrary(
        f"the library {root} is read-only (read-only media, another user's files or "
        "GALLERY_READ_ONLY): this command would change it, so nothing was done"
    )
