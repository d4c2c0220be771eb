"""Streaming multipart uploads straight to disk, with the limits checked while the bytes arrive.

Starlette's form parser spools every file before we can look at it; here each file part is
written to its own folder as it streams in, a file over the size limit is cut off and reported,
and the count and field limits stop the request at once. Memory stays bounded whatever is sent.
A file whose name cannot be a file name (`..`, over 255 bytes, control characters) or that cannot
be written costs only itself: a line in the per-file report, never a server path.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from .. import albums, catalog, i18n, organise
from ..config import Config
from ..errors import BadRequest, ConfigError, GalleryError, ImportAborted, ImportBusy, NotFound, TooLarge

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 10
MAX_NAME_BYTES = 255


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, Path | None, str]] = field(default_factory=list)  # (name, path or None, why refused)


async def receive_files(
    request: Request, folder: Path, max_files: int, max_bytes: int, max_media_bytes: int | None = None
) -> Upload:
    """Parse a multipart request into `folder`; raises TooLarge past `max_files`, BadRequest if malformed.

    `max_media_bytes` is the limit of a file whose first bytes say video or RAW (issue 12).
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadRequest("expected a multipart/form-data upload")
    state = _State(folder, max_files, max_bytes, max_media_bytes or max_bytes)
    parser = MultipartParser(boundary, state.callbacks(), max_header_count=8)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except (TooLarge, BadRequest):
        raise
    except Exception as exc:  # python-multipart reports malformed bodies with its own errors
        raise BadRequest(f"malformed upload ({type(exc).__name__})") from None
    finally:
        state.close()
    return state.upload


def _limit_for(head: bytes, filename: str, max_bytes: int, max_media_bytes: int) -> int:
    """A video's or RAW's limit when its first bytes say so, else the photo limit."""
    from .. import kinds

    found = kinds.sniff(head, Path(filename).suffix)
    return max_media_bytes if found.kind is not None and kinds.kind_of(found.kind).large else max_bytes


class _State:
    def __init__(self, folder: Path, max_files: int, max_bytes: int, max_media_bytes: int) -> None:
        self.folder, self.max_files, self.max_bytes = folder, max_files, max_bytes
        self.max_media_bytes, self.limit = max_media_bytes, max_bytes
        self.upload = Upload()
        self.header_field, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.filename: str | None = None
        self.handle: Any = None
        self.path: Path | None = None
        self.size = 0
        self.refused = ""
        self.value = bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field_data,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.header_field, self.header_value = {}, b"", b""
        self.name, self.filename, self.path, self.size, self.refused = "", None, None, 0, ""
        self.value = bytearray()

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")[:100]
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise TooLarge("too many form fields")
            return
        if len(self.upload.files) >= self.max_files:
            raise TooLarge(f"at most {self.max_files} files per upload")
        raw = options[b"filename"].decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
        self.filename = shown_name(raw) or f"upload-{len(self.upload.files)}"
        if not usable_name(raw):
            self.refused = "unusable file name"
            return
        slot = self.folder / f"{len(self.upload.files):04d}"
        try:
            slot.mkdir(parents=True)
            self.path = slot / raw
            self.handle = open(self.path, "wb")
        except OSError as exc:
            self._failed(exc)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.filename is None:
            self.value += data[start:end]
            if len(self.value) > MAX_FIELD_BYTES:
                raise TooLarge("a form field is too long")
            return
        if self.size == 0:
            self.limit = _limit_for(
                bytes(data[start : start + 64]), self.filename, self.max_bytes, self.max_media_bytes
            )
        self.size += end - start
        if self.size > self.limit and not self.refused:
            self.refused = f"over the {self.limit}-byte limit"
            self._drop()
        if self.refused or self.handle is None:
            return
        try:
            self.handle.write(data[start:end])
        except OSError as exc:
            self._failed(exc)

    def part_end(self) -> None:
        if self.filename is None:
            self.upload.fields[self.name] = self.value.decode("utf-8", "replace")
            return
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.upload.files.append((self.filename, None if self.refused else self.path, self.refused))

    def _failed(self, exc: OSError) -> None:
        """A file that cannot be stored (a full disk, a name the file system refuses): that file only."""
        self.refused = f"could not be stored: {exc.strerror or type(exc).__name__}"
        self._drop()

    def _drop(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def usable_name(name: str) -> bool:
    """A plain file name: not empty, `.` or `..`, no control character, at most 255 bytes."""
    return (
        name not in ("", ".", "..")
        and len(name.encode("utf-8", "replace")) <= MAX_NAME_BYTES
        and all(c.isprintable() for c in name)
    )


def shown_name(name: str) -> str:
    """The name as the report shows it: printable, and short."""
    cleaned = "".join(c if c.isprintable() else "?" for c in name)
    return cleaned if len(cleaned) <= 120 else cleaned[:100] + "…" + cleaned[-19:]


# -- importing what was received -------------------------------------------------------------------

UPLOADS = ".uploads"  # ROOT/.uploads/upload-XXXX/<user>-upload-<time>/NNNN/<file>: outside media/ and .gallery/
WAIT_SECONDS = 60.0  # how long an upload waits for a running import before it is queued
RETRY_SECONDS = 0.5


def staging(config: Config, user: str) -> tuple[Path, Path]:
    """(the folder imported, the folder the files are written into) for one upload.

    The files sit one level below the imported folder, in a folder named after the uploader and
    the time, so the importer's device key is make + model + that folder: one device per camera
    and upload (a serial number, when the camera writes one, still wins).
    """
    base = config.root / UPLOADS
    base.mkdir(parents=True, exist_ok=True)
    source = Path(tempfile.mkdtemp(prefix="upload-", dir=base))
    who = "".join(c for c in user if c.isalnum() or c in "-_.")[:40].lstrip(".") or "admin"
    folder = source / f"{who}-upload-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    folder.mkdir()
    return source, folder


def queued_sources(config: Config) -> list[Path]:
    """Uploads that met a running import and were kept for the next one."""
    base = config.root / UPLOADS
    if not base.is_dir():
        return []
    return sorted(m.with_suffix("") for m in base.glob("upload-*.queued") if m.with_suffix("").is_dir())


def discard(source: Path) -> None:
    shutil.rmtree(source, ignore_errors=True)
    source.with_suffix(".queued").unlink(missing_ok=True)


def import_upload(config: Config, source: Path, received: Upload, album_slug: str, lang: str) -> dict[str, Any]:
    """Import an upload (and uploads queued before it); the per-file report. Never loses a file.

    The import runs through the importer; around it, what an upload must not do is undone or
    prevented: a duplicate is reported where it is and moved nowhere, a published or hand-chosen
    cover stays, a photo without a date stays undated (its file time is the upload's time).
    """
    results: list[dict[str, str]] = [
        {"name": n, "status": "refused", "detail": why} for n, p, why in received.files if p is None
    ]
    names = {str(p): n for n, p, _ in received.files if p is not None}
    if not names:
        discard(source)
        return {"files": results}
    covers = _read(config, catalog.covers_to_keep) if config.db_path.exists() else {}
    earlier = [q for q in queued_sources(config) if q != source]
    try:
        report = _run_import(config, (source, *earlier))
    except GalleryError as exc:  # still busy after the wait, or the library refused: keep the files for later
        source.with_suffix(".queued").touch()
        why = i18n.text("upload_queued", lang) + f" ({scrub(str(exc), config)})"
        return {
            "files": results + [{"name": n, "status": "queued", "detail": ""} for n in names.values()],
            "error": why,
        }
    return _finish(config, (source, *earlier), report.import_id, names, results, covers, album_slug, lang)


def _run_import(config: Config, sources: tuple[Path, ...]) -> Any:
    from ..importer import ImportOptions, run_import

    deadline = time.monotonic() + WAIT_SECONDS
    failures = 0
    while True:  # another import (the CLI, another upload) holds the library: wait our turn a while
        try:
            return run_import(config, ImportOptions(sources, viewer=False))
        except ImportBusy:
            if time.monotonic() > deadline:
                raise
        except (ConfigError, ImportAborted):  # a passing race over the library's folders, or a full disk
            failures += 1
            if failures >= 3:
                raise
        time.sleep(RETRY_SECONDS)


def _finish(
    config: Config,
    sources: tuple[Path, ...],
    import_id: int,
    names: dict[str, str],
    results: list[dict[str, str]],
    covers: dict[int, int],
    album_slug: str,
    lang: str,
) -> dict[str, Any]:
    with _holding_library(config):
        conn = catalog.connect(config.db_path)
        try:
            outcomes = {row["path"]: row for row in catalog.import_outcomes(conn, import_id)}
            imported = [outcomes[p]["sha256"] for p in names if p in outcomes and outcomes[p]["status"] == "imported"]
            error = ""
            if album_slug and imported:
                try:
                    albums.move_many(conn, imported, album_slug)
                except NotFound:
                    error = i18n.text("upload_album_gone", lang).format(album=album_slug)
            if catalog.forget_mtime_dates(conn, import_id):  # the upload's photos, and what they can move
                organise.refresh(conn, config, catalog.photo_ids_of_import(conn, import_id))
            catalog.restore_covers(conn, covers)
            for path, name in names.items():
                results.append(_line(conn, name, outcomes.get(path), lang, config))
            for source in sources:
                catalog.relabel_import_paths(conn, import_id, str(source) + "/", "upload:")
        finally:
            conn.close()
    for source in sources:
        discard(source)
    return {"files": results, **({"error": error} if error else {})}


def _line(conn: Any, name: str, outcome: dict[str, Any] | None, lang: str, config: Config) -> dict[str, str]:
    """One file's line: its status, why, and the album it is in now."""
    if outcome is None:  # the importer gave no answer for it (it never happens; say so rather than guess)
        return {"name": name, "status": "rejected", "detail": "no answer from the import"}
    line = {"name": name, "status": outcome["status"], "detail": scrub(outcome["detail"] or "", config)}
    sha = outcome["sha256"]
    if sha:
        where = catalog.photo_with_album(conn, sha)
        album = (where or {}).get("album_title") or ""
        line.update(sha256=sha, album=album)
        if outcome["status"] == "duplicate":
            key = "upload_duplicate" if album else "upload_duplicate_loose"
            line["detail"] = i18n.text(key, lang).format(album=album)
    return line


def scrub(text: str, config: Config) -> str:
    """No server path in a message: the library's folder (and anything under it) is left out."""
    for folder in sorted({str(config.root.resolve()), str(config.root)}, key=len, reverse=True):
        text = text.replace(folder + "/", "").replace(folder, "")
    return text


@contextmanager
def _holding_library(config: Config) -> Iterator[None]:
    """The import lock, waited for: the upload's own edits never run beside an import's regrouping."""
    from ..importer import library_lock

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        lock = library_lock(config)
        try:
            lock.__enter__()
            break
        except ImportBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _read(config: Config, query: Callable[[Any], Any]) -> Any:
    conn = catalog.connect(config.db_path)
    try:
        return query(conn)
    finally:
        conn.close()
