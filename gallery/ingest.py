"""One file, start to finish, inside a worker process: check, hash, read, thumbnail, copy.

Runs in `workers.WorkerPool` processes, so a hostile file can only cost its own worker.
Returns a plain dict; the parent process alone writes the catalog and names the archive file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import stat
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from . import catalog, exif, kinds, maker_dates, motion, storage, thumbs
from .config import Config
from .errors import CatalogError
from .kinds.base import Extra
from .models import IngestResult, PhotoMeta
from .scan import Job

INCOMING = ".incoming"


@dataclass(frozen=True)
class IngestSettings:
    config: Config  # the library's folders, catalog and limits (root resolved)
    link: bool = False


MIN_THROUGHPUT = 10_000_000  # bytes per second: a slow card, read three times (hash, copy, verify)


LARGE_SUFFIXES = frozenset(
    {".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mts", ".m2ts", ".ts", ".mpg", ".mkv", ".lrv"}
    | {f".{fmt}" for fmt in kinds.raw.FORMATS}
)


def time_limit(job: Job, base: float) -> float:
    """Seconds one file may take: a video's or RAW's grows with its size (a 4 GB clip gets 460 s).

    The name is only a hint here (the bytes decide the kind): a photo named .mov gets more time, not more trust.
    """
    if Path(job.path).suffix.lower() not in LARGE_SUFFIXES:
        return base
    return base + job.size / MIN_THROUGHPUT


class Rejected(Exception):
    def __init__(self, status: Literal["skipped", "rejected"], reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


_settings: IngestSettings | None = None
_catalog: catalog.Connection | None = None


def init_worker(settings: IngestSettings) -> None:
    """Per-process set-up: Pillow's pixel limit, and a read-only catalog for early dedup."""
    global _settings, _catalog
    _settings = settings
    logging.getLogger("exifread").setLevel(logging.CRITICAL)  # per-file problems are reported, not logged
    Image.MAX_IMAGE_PIXELS = settings.config.max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    db = settings.config.db_path
    _catalog = catalog.connect(db, readonly=True) if db.exists() else None


DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def process_file(job: Job) -> IngestResult:
    assert _settings is not None, "init_worker() must run first"
    try:
        return _process(job, _settings)
    except Rejected as rejected:
        return {"status": rejected.status, "reason": rejected.reason, "detail": rejected.detail}
    except OSError as exc:
        if exc.errno in DISK_FULL:  # the library cannot take more: the whole batch must stop
            return {"status": "fatal", "reason": "disk_full", "detail": f"cannot write the library: {exc.strerror}"}
        raise


def _process(job: Job, settings: IngestSettings) -> IngestResult:
    path = Path(job.path)
    fd = _open_regular(path, max(settings.config.max_file_size, settings.config.max_media_size))
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(kinds.SNIFF_BYTES)
        sniffed = kinds.sniff(head, path.suffix)
        if sniffed.kind is None:
            raise Rejected("skipped", sniffed.reason, sniffed.detail)
        kind = kinds.kind_of(sniffed.kind)
        _check_size(
            os.fstat(fh.fileno()).st_size,
            settings.config.max_media_size if kind.large else settings.config.max_file_size,
        )
        sha256, size = _hash_rest(fh, head)
        archived = _archived(sha256)
        if archived is not None:
            return _duplicate(path, sha256, archived, settings)
        if not kind.listed:  # a sidecar: archived with its main file by the parent
            incoming = _copy_incoming(path, sha256, settings)
            return {
                "status": "companion",
                "sha256": sha256,
                "size": size,
                "format": sniffed.kind,
                "incoming": str(incoming),
            }
        fh.seek(0)
        fmt = sniffed.kind
        meta, extra, exif_error = file_meta(fh, path, fmt, kind)
    rendered = _render_grid(path, fmt, sha256, settings.config.thumbs_dir, meta.orientation)
    meta = _complete_meta(meta, path)
    if exif_error:
        meta = PhotoMeta(**{**asdict(meta), "bad_tags": (*meta.bad_tags, exif_error)})
    if rendered.tile_reason:  # pictured by a plain tile: the catalog says why
        meta = PhotoMeta(**{**asdict(meta), "bad_tags": (*meta.bad_tags, f"picture:{rendered.tile_reason}")})
    width, height = _displayed(rendered, extra)
    incoming = _copy_incoming(path, sha256, settings)
    return {
        "status": "new",
        "sha256": sha256,
        "size": size,
        "format": fmt,
        "media_type": kind.name,
        "duration": extra.duration,
        "codec": extra.codec,
        "motion_offset": motion.embedded_clip(path) if fmt in ("jpeg", "heif") else None,
        "content_id": extra.content_id or (motion.still_content_id(path, fmt) if fmt in ("jpeg", "heif") else None),
        "incoming": str(incoming),
        "meta": meta,
        "width": width,
        "height": height,
        "placeholder": rendered.placeholder,
        "grid_width": rendered.derivative_width,
        "grid_height": rendered.derivative_height,
        "sharpness": rendered.sharpness,
    }


def file_meta(fh: Any, path: Path, fmt: str, kind: kinds.MediaKind) -> tuple[PhotoMeta, Extra, str | None]:
    """What the file says (its tags, its kind's reader), and an EXIF block's error; `fh` is at its start.

    Shared by the import and `gallery reread` (reread.py): both read a file the same way."""
    if kind.read_meta is not None:
        meta, extra = _kind_meta(kind, path)
        return meta, extra, None
    tags, exif_error = _read_tags(fh) if fmt not in PILLOW_EXIF else ({}, None)
    meta = exif.parse_tags(tags if _has_essentials(tags) else {**_pillow_tags(path, fmt), **tags})
    return meta, Extra(), exif_error


# Formats whose EXIF only Pillow reads: exifread asserts on a JPEG XL Exif box without its 4-byte offset,
# which pillow-jxl-plugin writes (Pillow reads both forms).
PILLOW_EXIF = ("jxl",)


def tag_columns(meta: PhotoMeta) -> dict[str, Any]:
    """The photo columns read from the file's tags alone: what an import stores and `gallery reread` refreshes."""
    return {
        "gps_time": meta.gps_time.isoformat() if meta.gps_time else None,
        "lat": meta.lat,
        "lon": meta.lon,
        "altitude": meta.altitude,
        "make": meta.make,
        "model": meta.model,
        "serial": meta.serial,
        "lens": meta.lens,
        "exposure": meta.exposure,
        "aperture": meta.aperture,
        "iso": meta.iso,
        "focal_length": meta.focal_length,
        "description": meta.description,
        "title": meta.title,
        "rating": meta.rating,
        "keywords": json.dumps(list(meta.keywords), ensure_ascii=False) if meta.keywords else None,
    }


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise Rejected("skipped", "too_big", f"{size} bytes is over the {limit}-byte limit")


def _kind_meta(kind: kinds.MediaKind, path: Path) -> tuple[PhotoMeta, Extra]:
    """A video's or RAW's metadata; a file its reader cannot open is rejected with the reader's words."""
    assert kind.read_meta is not None
    try:
        return kind.read_meta(path)
    except MemoryError:
        raise Rejected("rejected", "too_big", "out of memory while reading the metadata") from None
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise
        raise Rejected("rejected", "corrupt", f"cannot read this {kind.name}: {exc.strerror or 'read error'}") from None
    except Exception as exc:  # PyAV raises its own error tree (InvalidDataError for a truncated MP4, ...)
        words = getattr(exc, "strerror", None) or str(exc)  # PyAV's str() names the file: no server path in a report
        raise Rejected("rejected", "corrupt", f"cannot read this {kind.name}: {words}") from None


def _displayed(rendered: thumbs.Rendered, extra: Extra) -> tuple[int, int]:
    """The full displayed size: a video's frame size (turned like its poster), else the decoded picture's."""
    if not extra.width or not extra.height:
        return rendered.width, rendered.height
    long, short = max(extra.width, extra.height), min(extra.width, extra.height)
    return (long, short) if rendered.width >= rendered.height else (short, long)


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
        _check_size(info.st_size, max_size)
    return fd


def _hash_rest(fh: Any, head: bytes) -> tuple[str, int]:
    digest = hashlib.sha256(head)
    size = len(head)
    while chunk := fh.read(storage.CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _archived(sha256: str) -> Mapping[str, Any] | None:
    """The catalog row of a photo (or companion) with these bytes, if any (early dedup; the parent decides the rest)."""
    if _catalog is None:
        return None
    try:
        with catalog.errors_translated():
            return catalog.get_photo(_catalog, sha256) or catalog.get_companion(_catalog, sha256)
    except CatalogError:
        return None  # a catalog without photos (or companions) yet: the parent decides


def _duplicate(source: Path, sha256: str, row: Mapping[str, Any], settings: IngestSettings) -> IngestResult:
    """A known photo: a duplicate if its archived copy is intact, else a verified copy to restore it.

    Every duplicate's archived copy is hashed again: duplicates are rare in a normal import, and
    re-importing a card is exactly when the operator wants the proof before wiping it.
    """
    damage = archive_damage(settings.config.root / row["path"], sha256, row["size"], source)
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


def _render_grid(path: Path, kind: str, sha256: str, thumbs_dir: Path, orientation: int) -> thumbs.Rendered:
    try:
        return thumbs.make_derivative(thumbs_dir, sha256, path, kind, thumbs.GRID, fresh=True, orientation=orientation)
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
    """Fill a missing capture time from a maker's block, the file name, then (flagged) the file's mtime."""
    if meta.local_time is not None:
        return meta
    maker = maker_dates.read_maker_date(path)  # an old camera's own block (Olympus, Canon CIFF, Reconyx)
    if maker is not None:
        return PhotoMeta(**{**asdict(meta), "local_time": maker[0], "date_source": maker[1]})
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
    orientation: int | None = None  # the catalog's: an XMP sidecar's turns a photo whose EXIF has none


def init_render_worker(max_pixels: int, thumbs_dir: str) -> None:
    global _thumbs_dir
    _thumbs_dir = thumbs_dir
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


_thumbs_dir = ""


def render_file(job: RenderJob) -> str:
    """Write one missing derivative of an archived original (the viewer pass, `check --repair`)."""
    if job.size == kinds.video.WEB_COPY:  # a video's web copy (kinds/video.py)
        target = Path(_thumbs_dir) / kinds.video.web_copy_path(job.sha256)
        if not target.exists():
            kinds.video.make_web_copy(Path(job.source), target)
        return job.sha256
    if job.size == motion.CLIP:  # a motion photo's clip, copied out of its JPEG and transcoded
        target = Path(_thumbs_dir) / kinds.video.web_copy_path(job.sha256)
        if not target.exists():
            motion.make_clip_copy(Path(job.source), target)
        return job.sha256
    thumbs.make_derivative(
        Path(_thumbs_dir), job.sha256, Path(job.source), job.kind, job.size, orientation=job.orientation
    )
    return job.sha256


def _copy_incoming(source: Path, sha256: str, settings: IngestSettings) -> Path:
    """A verified copy (or link) of the source in media/.incoming; a full disk stops the batch."""
    incoming = settings.config.media_dir / INCOMING / sha256
    try:
        storage.copy_verified(source, incoming, sha256, link=settings.link, durable=False)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise
        raise Rejected("rejected", "unreadable", f"could not copy into the archive: {exc}") from None
    return incoming
