"""Walking import sources: every entry becomes a Job or a skipped Outcome, nothing is opened here."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError
from .models import Outcome


@dataclass(frozen=True)
class Job:
    path: str  # the file to read (a symlink's target when it stays inside its source)
    shown: str  # the path as the user knows it, for reports
    source_dir: str  # the folder that names the device (see device_folder)
    size: int


def check_sources(sources: Sequence[Path]) -> list[Path]:
    """Every source given on the command line must exist and be readable, or nothing starts."""
    checked = []
    for source in sources:
        if not source.exists():
            raise SourceError(f"source {source} does not exist")
        if not os.access(source, os.R_OK) or (source.is_dir() and not os.access(source, os.X_OK)):
            raise SourceError(f"source {source} is not readable")
        checked.append(source.absolute())
    return checked


def identity(path: Path) -> tuple[int, int] | None:
    """A folder's (device, inode): the same for every path to it (symlink, bind mount, other spelling)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def storable(text: str) -> str:
    """A path as text SQLite and JSON accept: bytes that are not UTF-8 become \\xNN (for reports only)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def iter_entries(sources: Sequence[Path], exclude: Sequence[Path] = ()) -> Iterator[Job | Outcome]:
    """Walk sources recursively, without following directory symlinks, skipping `exclude` trees."""
    excluded = {i for i in map(identity, exclude) if i is not None}
    for source in sources:
        if source.is_dir():
            yield from _walk(source.resolve(), source.resolve(), excluded)
        else:
            yield _entry(source, source.parent.resolve(), source.parent.resolve(), excluded, explicit=True)


def _walk(folder: Path, source: Path, excluded: set[tuple[int, int]]) -> Iterator[Job | Outcome]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Outcome(storable(str(folder)), "skipped", "unreadable", f"folder cannot be listed: {exc.strerror}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if identity(path) not in excluded:  # the library's own folders, when a source contains the library
                yield from _walk(path, source, excluded)
        else:
            yield _entry(path, source, device_folder(path, source), excluded)


def device_folder(path: Path, source: Path) -> Path:
    """The folder that tells two identical cameras apart: the first level below the source.

    `import cards/` with cards/alice/DCIM/... and cards/bob/DCIM/... gives two devices even
    when both carry the same camera model without a serial number.
    """
    relative = path.relative_to(source)
    return source / relative.parts[0] if len(relative.parts) > 1 else source


def _entry(
    path: Path, source: Path, device_dir: Path, excluded: set[tuple[int, int]], explicit: bool = False
) -> Job | Outcome:
    shown = storable(str(path))
    try:
        info = os.lstat(path)
    except OSError as exc:
        return Outcome(shown, "skipped", "unreadable", exc.strerror or str(exc))
    if stat.S_ISLNK(info.st_mode):
        target = path.resolve()
        if not explicit and not target.is_relative_to(source):
            return Outcome(shown, "skipped", "symlink_outside", "symbolic link leading outside the source")
        if any(identity(folder) in excluded for folder in target.parents):  # --move would delete the archive
            return Outcome(shown, "skipped", "symlink_into_library", "symbolic link into the library's own folders")
        try:
            info = os.stat(target)
        except OSError:
            return Outcome(shown, "skipped", "broken_symlink", "symbolic link to nothing")
        path = target
    if not stat.S_ISREG(info.st_mode):
        return Outcome(shown, "skipped", "not_regular_file", "not a regular file (FIFO, socket or device)")
    return Job(str(path), shown, storable(str(device_dir)), info.st_size)
