"""File names in the archive and in downloads: safe on every disk, never overwriting another."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath


def safe_name(name: str) -> str:
    """A file name that is safe on disk and in URLs' company: no separators, controls or leading dot."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if c.isprintable() and c not in "/\\\x00").strip().lstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    while len(stem.encode()) > 150:
        stem = stem[:-1]
    suffix = suffix[:10]
    return (stem or "photo") + (f".{suffix}" if suffix else "")


def candidate_names(folder: PurePosixPath, name: str) -> Iterator[PurePosixPath]:
    """IMG_0001.JPG, then IMG_0001-1.JPG, IMG_0001-2.JPG, ... (never overwrite)."""
    yield folder / name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    n = 1
    while True:
        yield folder / (f"{stem}-{n}" + (f".{suffix}" if suffix else ""))
        n += 1
