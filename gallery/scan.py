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


def iter_entries(sources: Sequence[Path], exclude: Sequence[Path] = ()) -> Iterator[Job | Outcome]:
    """Walk sources recursively, without following directory symlinks, skipping `exclude` trees."""
    excluded = {e.resolve() for e in exclude}
    for source in sources:
        if source.is_dir():
            yield from _walk(source.resolve(), source.resolve(), excluded)
        else:
            yield _entry(source, source.parent.resolve(), source.parent.resolve(), explicit=True)


def _walk(folder: Path, source: Path, excluded: set[Path]) -> Iterator[Job | Outcome]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Outcome(str(folder), "skipped", "unreadable", f"folder cannot be listed: {exc.strerror}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if path.resolve() not in excluded:
                yield from _walk(path, source, excluded)
        else:
            yield _entry(path, source, device_folder(path, source))


def device_folder(path: Path, source: Path) -> Path:
    """The folder that tells two identical cameras apart: the first level below the source.

    `import cards/` with cards/alice/DCIM/... and cards/bob/DCIM/... gives two devices even
    when both carry the same camera model without a serial number.
    """
    relative = path.relative_to(source)
    return source / relative.parts[0] if len(relative.parts) > 1 else source


def _entry(path: Path, source: Path, device_dir: Path, explicit: bool = False) -> Job | Outcome:
    shown = str(path)
    try:
        info = os.lstat(path)
    except OSError as exc:
        return Outcome(shown, "skipped", "unreadable", exc.strerror or str(exc))
    if stat.S_ISLNK(info.st_mode):
        target = path.resolve()
        if not explicit and not target.is_relative_to(source):
            return Outcome(shown, "skipped", "symlink_outside", "symbolic link leading outside the source")
        try:
            info = os.stat(target)
        except OSError:
            return Outcome(shown, "skipped", "broken_symlink", "symbolic link to nothing")
        path = target
    if not stat.S_ISREG(info.st_mode):
        return Outcome(shown, "skipped", "not_regular_file", "not a regular file (FIFO, socket or device)")
    return Job(str(path), shown, str(device_dir), info.st_size)
