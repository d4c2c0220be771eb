"""One file, start to finish, inside a worker process: check, hash, read, thumbnail, copy.

Runs in `workers.WorkerPool` processes, so a hostile file can only cost its own worker.
Returns a plain dict; the parent process alone writes the catalog and names the archive file.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sqlite3
import stat
import warnings
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from . import catalog, exif, storage, thumbs
from .formats import SNIFF_BYTES, sniff
from .models import PhotoMeta
from .scan import Job

INCOMING = ".incoming"


@dataclass(frozen=True)
class IngestSettings:
    root: str
    max_file_size: int
    max_pixels: int
    link: bool = False


class Rejected(Exception):
    def __init__(self, status: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


_settings: IngestSettings | None = None
_catalog: sqlite3.Connection | None = None


def init_worker(settings: IngestSettings) -> None:
    """Per-process set-up: Pillow's pixel limit, and a read-only catalog for early dedup."""
    global _settings, _catalog
    _settings = settings
    logging.getLogger("exifread").setLevel(logging.CRITICAL)  # per-file problems are reported, not logged
    Image.MAX_IMAGE_PIXELS = settings.max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    db = Path(settings.root) / "gallery.db"
    _catalog = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) if db.exists() else None
    if _catalog is not None:
        _catalog.row_factory = sqlite3.Row


DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def process_file(job: Job) -> dict[str, Any]:
    assert _settings is not None, "init_worker() must run first"
    try:
        return _process(job, _settings)
    except Rejected as rejected:
        return {"status": rejected.status, "reason": rejected.reason, "detail": rejected.detail}
    except OSError as exc:
        if exc.errno in DISK_FULL:  # the library cannot take more: the whole batch must stop
            return {"status": "fatal", "reason": "disk_full", "detail": f"cannot write the library: {exc.strerror}"}
        raise


def _process(job: Job, settings: IngestSettings) -> dict[str, Any]:
    path = Path(job.path)
    fd = _open_regular(path, settings.max_file_size)
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        sniffed = sniff(head, path.suffix)
        if sniffed.kind is None:
            raise Rejected("skipped", sniffed.reason, sniffed.detail)
        sha256, size = _hash_rest(fh, head)
        archived = _archived(sha256)
        if archived is not None:
            return _duplicate(path, sha256, archived, settings)
        fh.seek(0)
        tags, exif_error = _read_tags(fh)
    kind = sniffed.kind
    rendered = _render_grid(path, kind, sha256, Path(settings.root))
    if not _has_essentials(tags):
        tags = {**_pillow_tags(path, kind), **tags}  # exifread misses some HEIF and PNG blocks
    meta = _complete_meta(exif.parse_tags(tags), path)
    if exif_error:
        meta = PhotoMeta(**{**asdict(meta), "bad_tags": (*meta.bad_tags, exif_error)})
    incoming = _copy_incoming(path, sha256, settings)
    return {
        "status": "new",
        "sha256": sha256,
        "size": size,
        "format": kind,
        "incoming": str(incoming),
        "meta": meta,
        "width": rendered.width,
        "height": rendered.height,
        "placeholder": rendered.placeholder,
        "grid_width": rendered.derivative_width,
        "grid_height": rendered.derivative_height,
        "sharpness": rendered.sharpness,
    }


def _open_regular(path: Path, max_size: int) -> int:
    """Open without following a swapped-in symlink or blocking on a FIFO; check size before reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Rejected("skipped", "unreadable", exc.strerror or str(exc)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Rejected("skipped", "not_regular_file", "not a regular file")
    if info.st_size == 0:
        os.close(fd)
        raise Rejected("rejected", "empty", "empty file (0 bytes)")
    if info.st_size > max_size:
        os.close(fd)
        raise Rejected("skipped", "too_big", f"{info.st_size} bytes is over the {max_size}-byte limit")
    return fd


def _hash_rest(fh: Any, head: bytes) -> tuple[str, int]:
    digest = hashlib.sha256(head)
    size = len(head)
    while chunk := fh.read(storage.CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _archived(sha256: str) -> dict[str, Any] | None:
    """The catalog row of a photo with these bytes, if any (early dedup; the parent decides the rest)."""
    if _catalog is None:
        return None
    try:
        return catalog.get_photo(_catalog, sha256)
    except sqlite3.OperationalError:
        return None  # a catalog without photos yet: the parent decides


def _duplicate(source: Path, sha256: str, row: dict[str, Any], settings: IngestSettings) -> dict[str, Any]:
    """A known photo: a duplicate if its archived copy is intact, else a verified copy to restore it.

    Every duplicate's archived copy is hashed again: duplicates are rare in a normal import, and
    re-importing a card is exactly when the operator wants the proof before wiping it.
    """
    damage = archive_damage(Path(settings.root) / row["path"], sha256, row["size"], source)
    if damage is None:
        return {"status": "duplicate", "sha256": sha256}
    incoming = _copy_incoming(source, sha256, settings)
    return {"status": "restore", "sha256": sha256, "incoming": str(incoming), "damage": damage}


def archive_damage(archived: Path, sha256: str, size: int, source: Path | None = None) -> str | None:
    """None when the archived copy is there with its hash; else "missing", "changed" or "unreadable"."""
    try:
        info = os.stat(archived)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    if not stat.S_ISREG(info.st_mode) or info.st_size != size:
        return "changed"
    if source is not None and _is_same_file(info, source):
        return None  # --link: the source is the archived copy, and its bytes were just hashed
    try:
        return None if storage.hash_file(archived)[0] == sha256 else "changed"
    except OSError:
        return "unreadable"


def _is_same_file(info: os.stat_result, path: Path) -> bool:
    try:
        return os.path.samestat(info, os.stat(path))
    except OSError:
        return False


def _read_tags(fh: Any) -> tuple[dict[str, Any], str | None]:
    try:
        return exif.read_tags(fh), None
    except Exception as exc:  # exifread raises plain IndexError, UnicodeDecodeError, ... (exif-py #245)
        packet = exif.read_xmp(fh)  # a broken EXIF block loses only EXIF: the XMP dates still count
        return ({exif.XMP_KEY: packet} if packet else {}), f"exif:{type(exc).__name__}"


def _has_essentials(tags: dict[str, Any]) -> bool:
    return all(name in tags for name in ("Image Make", "Image Model", "EXIF DateTimeOriginal"))


def _pillow_tags(path: Path, kind: str) -> dict[str, Any]:
    try:
        with thumbs.open_image(path, kind) as image:
            return exif.pillow_tags(image.getexif())
    except Exception:  # Pillow raises SyntaxError on a corrupt TIFF header inside EXIF
        return {}


def _render_grid(path: Path, kind: str, sha256: str, root: Path) -> thumbs.Rendered:
    try:
        return thumbs.make_derivative(root / "thumbnails", sha256, path, kind, thumbs.GRID, fresh=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejected("rejected", "too_many_pixels", str(exc)) from None
    except UnidentifiedImageError:
        raise Rejected("rejected", "corrupt", "the image data cannot be decoded") from None
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise
        if "truncated" in str(exc).lower() or "broken data stream" in str(exc):
            raise Rejected("rejected", "truncated", "the file is truncated") from None
        raise Rejected("rejected", "corrupt", f"cannot decode: {exc}") from None
    except (SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, RuntimeError) as exc:
        raise Rejected("rejected", "corrupt", f"cannot decode: {type(exc).__name__}: {exc}") from None
    except MemoryError:
        raise Rejected("rejected", "too_big", "out of memory while decoding") from None


def _complete_meta(meta: PhotoMeta, path: Path) -> PhotoMeta:
    """Fill a missing capture time from the file name, then (flagged) from the file's mtime."""
    if meta.local_time is not None:
        return meta
    from_name = exif.date_from_filename(path.name)
    if from_name:
        when, day_only = from_name
        return PhotoMeta(
            **{**asdict(meta), "local_time": when, "date_source": "filename_day" if day_only else "filename"}
        )
    # An mtime is an instant, so it is kept in UTC (offset 0), never in this server's zone.
    mtime = datetime.fromtimestamp(int(path.stat().st_mtime), UTC).replace(tzinfo=None)
    return PhotoMeta(**{**asdict(meta), "local_time": mtime, "offset_minutes": 0, "date_source": "mtime"})


@dataclass(frozen=True)
class RenderJob:
    sha256: str
    source: str  # absolute path of the archived original
    kind: str
    size: str


def init_render_worker(max_pixels: int, thumbs_dir: str) -> None:
    global _thumbs_dir
    _thumbs_dir = thumbs_dir
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


_thumbs_dir = ""


def render_file(job: RenderJob) -> str:
    """Write one missing derivative of an archived original (the viewer pass, `check --repair`)."""
    thumbs.make_derivative(Path(_thumbs_dir), job.sha256, Path(job.source), job.kind, job.size)
    return job.sha256


def _copy_incoming(source: Path, sha256: str, settings: IngestSettings) -> Path:
    """A verified copy (or link) of the source in media/.incoming; a full disk stops the batch."""
    incoming = Path(settings.root) / "media" / INCOMING / sha256
    try:
        storage.copy_verified(source, incoming, sha256, link=settings.link, durable=False)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise
        raise Rejected("rejected", "unreadable", f"could not copy into the archive: {exc}") from None
    return incoming
