"""The web application: `create_app(config)` builds everything from an explicit Config."""

from __future__ import annotations

import errno
import logging
import re
import secrets
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import catalog, front, i18n, storage
from ..config import Config
from ..errors import GalleryError, ReadOnlyLibrary, StorageFull
from . import access, api, assets, files, mapping, pages, videos
from .render import Renderer, environment

STATIC = Path(__file__).resolve().parent.parent / "static"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self';"
)
log = logging.getLogger("gallery.web")
# A Host header we may echo into links (feeds, og:url, oEmbed) when GALLERY_BASE_URL is unset:
# a DNS name or an IP literal, and a port. Anything else is refused rather than echoed.
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


def routes() -> list[Any]:
    from . import admin

    return [
        Route("/", pages.home),
        Route("/albums/{slug}", pages.album),
        Route("/albums/{slug}/download", pages.download),
        Route("/photos/{sha256}", pages.photo),
        Route("/photos/{sha256}/original", pages.original),
        Route("/photos/{sha256}/video", videos.play),
        Route("/photos/{sha256}/motion", videos.motion),
        Route("/photos/{sha256}/originals/{companion}", pages.companion_original),
        Route("/timeline", pages.timeline),
        Route("/places", pages.places_page),
        Route("/search", pages.search),
        Route("/embed/{slug}", pages.embed),
        Route("/api/albums", api.list_albums),
        Route("/api/albums/{slug}", api.album_detail),
        Route("/api/photos/{sha256}", api.photo_detail),
        Route("/oembed", api.oembed),
        Route("/feed.atom", api.feed),
        Route("/healthz", api.health),
        *admin.routes(),
        # map and paging
        Route("/map", mapping.map_page),
        Route("/api/map", mapping.map_data),
        Route("/cards/{sha256}.jpg", mapping.social_card),
        Route("/static/{path:path}", _static),
    ]


def _static(request: Request) -> Response:
    return request.app.state.assets.response(request)  # type: ignore[no-any-return]


def csp_for(config: Config) -> str:
    """The CSP, with the map tiles' origin added to img-src when tiles are set."""
    origin = mapping.tile_origin(config.map_tiles)
    return CSP.replace("img-src 'self' data:;", f"img-src 'self' data:{' ' + origin if origin else ''};")


def create_app(config: Config) -> Any:
    """The ASGI app: derivatives fast path -> request preparation and headers -> Starlette routes."""
    from . import auth

    # catalog and OS errors get their own entry so that a full or read-only disk becomes a 503 with
    # words, handled like a GalleryError (the catch-all Exception handler re-raises after answering)
    handlers = {
        GalleryError: _gallery_error,
        HTTPException: _http_error,
        catalog.OperationalError: _server_error,
        OSError: _server_error,
        Exception: _server_error,
    }
    app = Starlette(routes=routes(), exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.config = config
    if not config.base_url:
        log.warning("GALLERY_BASE_URL is not set: links in feeds, oEmbed and share URLs follow each request's Host")
    app.state.read_only = storage.library_read_only(config.root, config.db_path, config.read_only)
    if app.state.read_only:
        log.warning(
            "the library %s is read-only: serving what exists (a missing derivative answers 404); "
            "logging in and share passwords are unavailable",
            config.root,
        )
    app.state.db = catalog.Readers(config.db_path)
    app.state.assets = assets.Assets(STATIC)
    env = environment()
    env.globals["static"] = app.state.assets.url
    env.globals["map_tiles"] = config.map_tiles
    app.state.renderer = Renderer(env)
    app.state.csp = csp_for(config)
    app.state.sessions = auth.Sessions(_session_key(config, app.state.read_only))
    public = access.PublicIndex(config.db_path)
    app.state.public = public
    prepared = assets.Compress(Prepare(app, config))
    served = files.Derivatives(
        prepared,
        config,
        public,
        lambda scope, sha: auth.may_see_derivative(app, scope, sha),
        generate=not app.state.read_only,
    )
    app.state.derivatives = served
    app.state.web_copies = videos.WebCopies(config.thumbs_dir, config.worker_count, not app.state.read_only)
    return served


def _session_key(config: Config, read_only: bool) -> bytes:
    """A read-only library's key is read if it is there, else lives as long as the process (never written)."""
    from . import auth

    if read_only and not config.secret_key:
        try:
            return (config.state_dir / "secret").read_bytes()
        except OSError:
            return secrets.token_hex(32).encode()
    return auth.secret_key(config)


def app_from_env() -> Any:
    """The app from GALLERY_* variables (server.py, `gallery serve` workers).

    A served library also keeps the nginx front's public tree in step with changes made while it
    serves (admin pages), within front.WATCH_SECONDS, once `gallery nginx-config` has made the tree.
    """
    config = Config.from_env()
    app = create_app(config)
    if not storage.library_read_only(config.root, config.db_path, config.read_only):
        front.watch(config)
    return app


class Prepare:
    """Per request: language, base URL and viewer into request.state; security headers out."""

    def __init__(self, app: Starlette, config: Config) -> None:
        self.app, self.config = app, config

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from . import auth

        request = Request(scope)
        base_url = self.config.base_url.rstrip("/") or _request_base(request)
        if base_url is None:
            await Response("Bad Request: invalid Host header", status_code=400, media_type="text/plain")(
                scope, receive, send
            )
            return
        forced = request.query_params.get("lang")
        cookie_lang = request.cookies.get("lang")
        state = scope.setdefault("state", {})
        state["lang"] = i18n.pick_language(request.headers.get("accept-language"), forced or cookie_lang)
        state["base_url"] = base_url
        if self.app.state.read_only and scope["method"] not in ("GET", "HEAD"):
            # every form writes (a session, an attempt, an edit): refuse it before reading it
            state["viewer"], state["csrf"], scope["app"] = access.ANONYMOUS, "", self.app
            await _read_only_page(Request(scope, receive))(scope, receive, send)
            return
        state["viewer"] = await auth.identify(self.app, request)
        state["csrf"] = auth.csrf_token(self.app, request)
        set_lang = forced in i18n.LANGUAGES and forced != cookie_lang
        set_csrf = auth.CSRF_COOKIE not in request.cookies
        secure = "; Secure" if self.config.https else ""
        # What an admin or a share link sees (pages, API, originals) is never kept by a cache:
        # a revoked link or a logout must close it at once, not after a max-age.
        personal = state["viewer"] is not access.ANONYMOUS

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {key.lower() for key, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                if b"content-security-policy" not in present:
                    extra += [
                        (b"content-security-policy", (self.app.state.csp + " frame-ancestors 'none'").encode()),
                        (b"x-frame-options", b"DENY"),
                    ]
                if set_lang:
                    extra.append(
                        (b"set-cookie", f"lang={forced}; Path=/; Max-Age=31536000; SameSite=Lax{secure}".encode())
                    )
                if set_csrf:
                    extra.append((b"set-cookie", auth.cookie(auth.CSRF_COOKIE, state["csrf"], self.config).encode()))
                if personal:
                    headers[:] = [pair for pair in headers if pair[0].lower() != b"cache-control"]
                    headers.append((b"cache-control", b"private, no-store"))
                headers.extend(pair for pair in extra if pair[0] not in present or pair[0] == b"set-cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _request_base(request: Request) -> str | None:
    """The request's own base URL, when its Host is a plain host name or address (never echo junk)."""
    host = request.headers.get("host")
    if host is not None and not _HOST.fullmatch(host):
        return None
    return str(request.base_url).rstrip("/")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/oembed"))


def _error_page(request: Request, status: int, key: str, detail: str = "") -> Response:
    if _wants_json(request):
        return JSONResponse({"error": i18n.text(key, "en"), "status": status}, status_code=status)
    try:
        return request.app.state.renderer.page(
            request,
            "error.html",
            status=status,
            status_code=status,
            title=i18n.text(key, request.state.lang),
            detail=detail,
        )
    except Exception:  # an error while rendering the error page: plain text, never a traceback
        return Response(f"{status}", status_code=status, media_type="text/plain")


def _read_only_page(request: Request) -> Response:
    return _error_page(request, 503, "read_only", i18n.text("read_only_detail", request.state.lang))


async def _gallery_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ReadOnlyLibrary):
        return _read_only_page(request)
    if isinstance(exc, StorageFull):
        return _error_page(request, 503, "disk_full", i18n.text("disk_full_detail", request.state.lang))
    status = getattr(exc, "status_code", 500)
    key = {404: "not_found", 403: "forbidden", 400: "bad_request", 413: "bad_request"}.get(status, "error")
    if status == 404:
        return _error_page(request, 404, key)  # the same answer for "missing" and "private"
    return _error_page(request, status, key, str(exc) if status < 500 else "")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    key = {404: "not_found", 403: "forbidden", 405: "bad_request"}.get(exc.status_code, "error")
    response = _error_page(request, exc.status_code, key)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    translated = _storage_error(request, exc)
    if translated is not None:
        return await _gallery_error(request, translated)
    incident = secrets.token_hex(4)
    log.exception("unhandled error %s on %s", incident, request.url.path)
    return _error_page(request, 500, "error", f"incident {incident}")


def _storage_error(request: Request, exc: Exception) -> GalleryError | None:
    """A write that the disk refused (full, read-only) is a 503 with words, not an incident."""
    translated = catalog.storage_error(exc, request.app.state.config.root)
    if translated is None and isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        translated = StorageFull(str(exc))
    if isinstance(translated, StorageFull):
        log.warning("a write failed on %s: %s", request.url.path, exc)
    return translated
