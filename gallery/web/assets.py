"""Static files with hashed names (cached for a year) and gzip for pages, JSON and feeds.

`/static/style.3f2a9c1b0d.css` names the bytes it serves: a new release gets a new name, so the
browser may keep it forever. The plain name still answers (Leaflet's CSS asks for its marker
images by relative name), with a short cache.

Compression follows BREACH: a response whose body carries the visitor's CSRF token is never
compressed (a secret and reflected input in one compressed body leak the secret through its
length). Range answers, ZIPs, images and streamed bodies are never compressed either.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..errors import NotFound

STATIC = Path(__file__).resolve().parent.parent / "static"
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})\.(?P<ext>css|js)$")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
COMPRESSIBLE = (
    b"text/html",
    b"application/json",
    b"application/atom+xml",
    b"text/css",
    b"application/javascript",
    b"text/javascript",
    b"image/svg+xml",
)
MIN_SIZE = 600  # below this gzip's header costs more than it saves


class Assets:
    """Every file under static/, read once: bytes, type and a 10-hex-digit content hash."""

    def __init__(self, folder: Path = STATIC) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.digests: dict[str, str] = {}
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                data = path.read_bytes()
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
                    kind += "; charset=utf-8"
                self.files[name] = (data, kind)
                self.digests[name] = hashlib.sha256(data).hexdigest()[:10]

    def url(self, name: str) -> str:
        """/static/NAME with its hash in the name for CSS and JS (a long cache), plain otherwise."""
        digest = self.digests[name]
        stem, dot, ext = name.rpartition(".")
        if dot and ext in ("css", "js"):
            return f"/static/{stem}.{digest}.{ext}"
        return f"/static/{name}"

    def response(self, request: Request) -> Response:
        name = request.path_params["path"]
        cache = SHORT
        found = HASHED.match(name)
        if found and f"{found['stem']}.{found['ext']}" in self.files:
            plain = f"{found['stem']}.{found['ext']}"
            if self.digests[plain] != found["digest"]:
                raise NotFound("an older version of this file")  # never cache old bytes under a new hash
            name, cache = plain, IMMUTABLE
        if name not in self.files:
            raise NotFound("no such file")
        data, kind = self.files[name]
        etag = f'"{self.digests[name]}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"etag": etag, "cache-control": cache})
        return Response(data, media_type=kind, headers={"etag": etag, "cache-control": cache})


class Compress:
    """gzip for whole (non-streamed) text bodies when the client accepts it; see the module note."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        start: MutableMapping[str, Any] | None = None
        passing = False

        async def wrapped(message: MutableMapping[str, Any]) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                start = message
                passing = not _compressible(message)
                if passing:
                    await send(message)
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            if message.get("more_body", False):  # a stream: sent as it comes, never compressed
                passing = True
                await send(start)
                await send(message)
                return
            csrf = scope.get("state", {}).get("csrf", "")
            headers = list(start.get("headers", []))
            if len(body) >= MIN_SIZE and not (csrf and csrf.encode() in body):
                body = gzip.compress(body, compresslevel=6)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(body)).encode())]
            headers.append((b"vary", b"Accept-Encoding"))
            start["headers"] = headers
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def _accepts_gzip(scope: dict[str, Any]) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"accept-encoding":
            return any(part.split(b";")[0].strip() == b"gzip" for part in value.lower().split(b","))
    return False


def _compressible(start: MutableMapping[str, Any]) -> bool:
    if start.get("status") != 200:
        return start.get("status") in (404, 403) and _is_text(start)
    return _is_text(start)


def _is_text(start: MutableMapping[str, Any]) -> bool:
    headers = {k.lower(): v for k, v in start.get("headers", [])}
    if b"content-encoding" in headers or b"content-range" in headers:
        return False
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return kind in COMPRESSIBLE
