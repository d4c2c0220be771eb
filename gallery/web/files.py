"""Serving bytes: derivatives (fast, cached, generated once), originals (Range) and album ZIPs.

Derivative URLs contain the sha256, so their bytes never change: public ones are served from
an in-memory cache with `immutable` caching, ETag and 304, straight from ASGI (no routing, no
middleware: this is the path that has to keep up with nginx). A missing derivative is made on
the first request, once, however many requests for it arrive together.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import logging
import os
import re
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import anyio
from PIL import Image

from .. import front, storage, thumbs
from ..config import Config
from ..errors import NotFound
from ..names import candidate_names, safe_name
from .access import PublicIndex

DERIVATIVE_PATH = re.compile(r"^/thumbs/(grid|viewer)/([0-9a-f]{64})\.webp$")
CACHE_BYTES = 256 * 1024 * 1024
NEGATIVE_TTL = 60.0
# What a corrupt, truncated, hostile or vanished original raises while it is decoded (see ingest._render_grid):
# a 404, remembered for NEGATIVE_TTL. Anything else is a bug or a broken library: logged, and retried.
DECODE_ERRORS = (
    OSError,  # vanished, unreadable, truncated, unidentified (UnidentifiedImageError), a full disk
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    MemoryError,
)
log = logging.getLogger("gallery.web")
ALLOWED_SECONDS = 1.0  # a share link reaching its expiry time closes within this
IMMUTABLE = b"public, max-age=31536000, immutable"
PRIVATE = b"private, no-store"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ByteCache:
    """A small LRU of derivative bytes, bounded by total size."""

    def __init__(self, budget: int = CACHE_BYTES) -> None:
        self.budget, self.size = budget, 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        with self.lock:
            if key in self.items or len(data) > self.budget // 16:
                return
            self.items[key] = data
            self.size += len(data)
            while self.size > self.budget:
                _, old = self.items.popitem(last=False)
                self.size -= len(old)


class Derivatives:
    """ASGI middleware answering /thumbs/{size}/{sha256}.webp; everything else goes to `app`.

    `allowed(scope, sha256)` decides for photos that are not public (a share token, an admin);
    it may touch the catalog, so it runs in a thread.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: Config,
        public: PublicIndex,
        allowed: Callable[[Scope, str], bool],
        generate: bool = True,
    ) -> None:
        self.app, self.config, self.public, self.allowed = app, config, public, allowed
        self.generate = generate  # False on a read-only library: serve what exists, 404 (no-store) otherwise
        self.cache = ByteCache()
        self.inflight: dict[str, asyncio.Future[bytes | None]] = {}
        self.failed: dict[str, float] = {}
        self.generated = 0  # how many derivatives this process rendered (tests count them)
        self.limiter = anyio.CapacityLimiter(max(1, config.worker_count))
        self.public_cache = f"public, max-age={config.public_max_age}, immutable".encode()
        # (sha256, Cookie header) -> (catalog version, when): a "yes" for a private image, reused for at
        # most ALLOWED_SECONDS and only while the catalog is unchanged (a revoke, a logout, a hide
        # change the version); a "no" is never kept, so every refusal is decided (and counted) afresh
        self.allowed_cache: dict[tuple[str, bytes], tuple[int, float]] = {}
        self.accel_prefixes: dict[bytes, str | None] = {}
        self.thumbs_root = f"{config.thumbs_dir}/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = DERIVATIVE_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        size, sha256 = match.groups()
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, b"method not allowed")
            return
        public = self.public.contains(sha256)
        if not public and not self._recently_allowed(scope, sha256):
            if not await anyio.to_thread.run_sync(self.allowed, scope, sha256):
                await _plain(send, 404, b"not found")
                return
            self._remember_allowed(scope, sha256)
        etag = f'"{sha256[:32]}-{size}"'.encode()
        cache = self.public_cache if public else PRIVATE
        if _header(scope, b"if-none-match") in (etag, b"*"):
            await send({"type": "http.response.start", "status": 304, "headers": _headers(etag, cache, None)})
            await send({"type": "http.response.body", "body": b""})
            return
        accel = self._accel(_header(scope, b"x-gallery-accel"))
        if accel is not None:  # behind the nginx front: it sends the file (the decision was ours)
            relative = f"{size}/{sha256[:2]}/{sha256[2:4]}/{sha256}.webp"  # thumbs.derivative_path, without pathlib
            # the file on disk is all nginx needs: no bytes read here (made first when it is missing)
            if not os.path.isfile(self.thumbs_root + relative) and await self.bytes_of(sha256, size) is None:
                await _plain(send, 404, b"not found")
                return
            # a small answer: nginx's internal location sets the type and nosniff itself (it drops ours)
            headers = [
                (b"etag", etag),
                (b"cache-control", cache),
                (b"content-length", b"0"),
                (b"x-accel-redirect", f"{accel}/thumbnails/{relative}".encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        data = await self.bytes_of(sha256, size)
        if data is None:
            await _plain(send, 404, b"not found")
            return
        await send({"type": "http.response.start", "status": 200, "headers": _headers(etag, cache, len(data))})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else data})

    def _accel(self, value: bytes | None) -> str | None:
        """front.accel_prefix, remembered: nginx sends the same header on every request."""
        if value is None:
            return None
        if value not in self.accel_prefixes:
            if len(self.accel_prefixes) > 16:
                self.accel_prefixes.clear()
            self.accel_prefixes[value] = front.accel_prefix(value)
        return self.accel_prefixes[value]

    def _recently_allowed(self, scope: Scope, sha256: str) -> bool:
        cookie = _header(scope, b"cookie")
        if not cookie:
            return False
        seen = self.allowed_cache.get((sha256, cookie))
        return seen is not None and seen[0] == self.public.version and time.monotonic() - seen[1] < ALLOWED_SECONDS

    def _remember_allowed(self, scope: Scope, sha256: str) -> None:
        cookie = _header(scope, b"cookie")
        if cookie:
            if len(self.allowed_cache) > 10_000:
                self.allowed_cache.clear()
            self.allowed_cache[(sha256, cookie)] = (self.public.version, time.monotonic())

    async def bytes_of(self, sha256: str, size: str) -> bytes | None:
        key = f"{size}/{sha256}"
        data = self.cache.get(key)
        if data is not None:
            return data
        if key in self.inflight:
            return await self.inflight[key]
        if time.monotonic() - self.failed.get(key, -NEGATIVE_TTL) < NEGATIVE_TTL:
            return None  # a source that failed recently: do not retry per request
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self.inflight[key] = future
        try:
            try:
                data = await anyio.to_thread.run_sync(self._load_or_make, sha256, size, limiter=self.limiter)
            except Exception:  # not a bad original: say so, and let the next request try again
                log.exception("the derivative %s could not be served", key)
                data = None
            else:
                if data is None:
                    self.failed[key] = time.monotonic()
                else:
                    self.cache.put(key, data)
            future.set_result(data)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            del self.inflight[key]
        return data

    def _load_or_make(self, sha256: str, size: str) -> bytes | None:
        target = self.config.thumbs_dir / thumbs.derivative_path(sha256, size)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            if not self.generate:
                return None
        source = _original_of(self.config, sha256)
        if source is None:
            return None
        path, kind, orientation = source
        with _derivative_lock(self.config, sha256, size):  # one generation per herd across worker processes
            try:
                return target.read_bytes()  # another process made it while we waited
            except FileNotFoundError:
                pass
            try:
                thumbs.make_derivative(self.config.thumbs_dir, sha256, path, kind, size, orientation=orientation)
                self.generated += 1
                _count_generation(self.config)
                return target.read_bytes()
            except DECODE_ERRORS as exc:  # a corrupt or vanished original: answer 404, remember for a while
                log.warning("the derivative %s/%s cannot be made: %s: %s", size, sha256, type(exc).__name__, exc)
                return None


LOCKS = ".locks"


@contextmanager
def _derivative_lock(config: Config, sha256: str, size: str) -> Iterator[None]:
    """An exclusive lock file per derivative, shared by every serving process (several workers).

    Removed once the derivative exists: a process that locks the removed file finds the
    derivative there and makes nothing.
    """
    folder = config.thumbs_dir / LOCKS
    lock = folder / f"{size}-{sha256}.lock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a")  # noqa: SIM115 (closed below)
    except OSError:  # a full disk: no lock file to be had; the generation itself will fail the same way
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _count_generation(config: Config) -> None:
    """GALLERY_COUNT_GENERATIONS=1 (tests): one line per derivative made, whatever the process."""
    if os.environ.get("GALLERY_COUNT_GENERATIONS"):
        with open(config.state_dir / "generated.log", "a") as handle:
            handle.write(f"{os.getpid()}\n")


def _original_of(config: Config, sha256: str) -> tuple[Path, str, int | None] | None:
    from .. import catalog

    with catalog.connection(config.db_path, readonly=True) as conn:
        row = catalog.get_photo(conn, sha256)
    if row is None:
        return None
    try:
        path = storage.resolve_inside(config.media_dir, row["path"].removeprefix("media/"))
        return path, row["format"], row["orientation"]
    except NotFound:  # the archived original is missing (`gallery check` reports it)
        return None


def _headers(etag: bytes, cache: bytes, length: int | None) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", b"image/webp"),
        (b"etag", etag),
        (b"cache-control", cache),
        (b"x-content-type-options", b"nosniff"),
    ]
    if length is not None:
        headers.append((b"content-length", b"%d" % length))
    return headers


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# -- ZIP of an album ------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are drained by the ZIP generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def drain(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def zip_stream(files: Iterable[tuple[Path | bytes, str]]) -> Iterator[bytes]:
    """Stream a ZIP (stored, not recompressed: photos are compressed already) of (path or bytes, name)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path, name in files:
            if isinstance(path, bytes):  # a note written by the server (files left out, and why)
                archive.writestr(zipfile.ZipInfo(name, date_time=time.localtime()[:6]), path)
                yield sink.drain()
                continue
            info = zipfile.ZipInfo(name, date_time=time.localtime(path.stat().st_mtime)[:6])
            with archive.open(info, "w", force_zip64=True) as entry, open(path, "rb") as source:
                while chunk := source.read(storage.CHUNK):
                    entry.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def archive_names(names: list[str]) -> list[str]:
    """Unique, flat file names for a ZIP: IMG_0001.JPG, IMG_0001-2.JPG, ..."""
    taken: set[str] = set()
    out = []
    for name in names:
        for candidate in candidate_names(PurePosixPath(), safe_name(name)):
            text = str(candidate)
            if text.lower() not in taken:
                taken.add(text.lower())
                out.append(text)
                break
    return out
