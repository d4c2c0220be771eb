"""Accounts, sessions, CSRF and share tokens.

* Passwords: scrypt hashes and random tokens, from the library module `passwords`.
* Sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS);
  only its sha256 is stored, so a copy of the catalog opens no session.
* CSRF: every form carries the visitor's `csrf` cookie value (double submit), and a cross-site
  Origin is refused.
* Share links: a random token (>= 128 bits) per album, optional password and expiry, revocable;
  only its hash is stored, and it is re-checked on every request (no cached authorisation).
  One cookie holds the last MAX_SHARES links a browser opened, each with its own password proof.
* Attempts (logins, share passwords, token guesses) are counted in the catalog: see limits.py.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import anyio
from starlette.requests import Request

from .. import catalog, share_folders
from ..config import Config
from ..passwords import token_hash
from .access import ANONYMOUS, Viewer

log = logging.getLogger("gallery.web")
SESSION_COOKIE = "gallery_session"
SHARE_COOKIE = "gallery_share"
CSRF_COOKIE = "gallery_csrf"
SESSION_DAYS = 14
MAX_SHARES = 20  # share links one browser keeps (the oldest is dropped)
SHARE_DAYS = 30  # how long a browser keeps the share links it opened
SHARE_COOKIE_CHARS = 2000


def secret_key(config: Config) -> bytes:
    """The configured key, or one generated once into ROOT/.gallery/secret."""
    if config.secret_key:
        return config.secret_key.encode()
    path = config.state_dir / "secret"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        from .. import storage

        key = secrets.token_hex(32).encode()
        try:
            storage.write_atomic(path, key)
            path.chmod(0o600)
        except OSError:
            return key  # a read-only library: sessions last as long as the process
        return path.read_bytes()


class Sessions:
    """Signs share-password proofs; holds no state that matters (attempts live in the catalog)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def sign(self, value: str) -> str:
        return hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:32]


def share_entries(value: str | None) -> list[tuple[str, str]]:
    """(token, password proof or "") of each share link in the cookie, oldest first."""
    if not value or len(value) > SHARE_COOKIE_CHARS:
        return []
    entries = []
    for item in value.split("~")[-MAX_SHARES:]:
        token, _, proof = item.partition(".")
        if token and len(token) <= 100 and len(proof) <= 64:
            entries.append((token, proof))
    return entries


def with_share(entries: list[tuple[str, str]], token: str, proof: str) -> str:
    """The cookie value once `token` is added (or refreshed): the newest MAX_SHARES links."""
    kept = [(t, p) for t, p in entries if t != token] + [(token, proof)]
    return "~".join(f"{t}.{p}" if p else t for t, p in kept[-MAX_SHARES:])


def cookies_of(scope: dict[str, Any]) -> dict[str, str]:
    raw = b"; ".join(value for key, value in scope.get("headers", []) if key == b"cookie")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # a malformed cookie header is no cookie at all
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def viewer_from(conn: catalog.Connection, cookies: dict[str, str], sessions: Sessions) -> Viewer:
    """Who the cookies say this is; checked against the catalog every time."""
    user = None
    session = cookies.get(SESSION_COOKIE)
    if session and len(session) < 200:
        user = catalog.session_user(conn, token_hash(session))
    entries = share_entries(cookies.get(SHARE_COOKIE))
    found = {s["token_hash"]: s for s in catalog.get_shares(conn, [token_hash(t) for t, _ in entries])}
    opened = []
    for token, proof in entries:
        share = found.get(token_hash(token))
        if share and (
            share["password_hash"] is None or hmac.compare_digest(proof, sessions.sign(token + share["password_hash"]))
        ):
            opened.append((int(share["album_id"]), token))
    if user is None and not opened:
        return ANONYMOUS
    return Viewer(user, tuple(opened))


async def identify(app: Any, request: Request) -> Viewer:
    cookies = request.cookies
    if SESSION_COOKIE not in cookies and SHARE_COOKIE not in cookies:
        return ANONYMOUS
    return await anyio.to_thread.run_sync(viewer_from, app.state.db(), dict(cookies), app.state.sessions)


def may_see_derivative(app: Any, scope: dict[str, Any], sha256: str) -> bool:
    """For derivatives of photos that are not public: a session or a share that covers the photo."""
    from ..errors import NotFound
    from .access import visible_photo

    viewer = viewer_from(app.state.db(), cookies_of(scope), app.state.sessions)
    if viewer is ANONYMOUS:
        return False
    try:
        visible_photo(app.state.db(), sha256, viewer)
    except NotFound:
        return False
    return True


def csrf_token(app: Any, request: Request) -> str:
    """The visitor's CSRF value: their cookie, or a fresh one that the response will set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = request.state.base_url.split("://", 1)[-1]
        if origin.split("://", 1)[-1] != expected and origin.split("://", 1)[-1] != request.headers.get("host"):
            return False
    return bool(cookie and submitted and hmac.compare_digest(cookie, submitted))


def expiry(days: int = SESSION_DAYS) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def cookie(name: str, value: str, config: Config, max_age: int | None = None, path: str = "/") -> str:
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if config.https:
        parts.append("Secure")
    return "; ".join(parts)


def share_folder_cookie(config: Config, key: bytes, token: str, share: Mapping[str, Any], refresh: bool) -> str | None:
    """Behind the nginx front: the Set-Cookie naming this open link's share folder to nginx (images only,
    until the link expires), the folder made first if it is missing (brought in step too when `refresh`).
    None without a front, or when the folder cannot be made (the images then come through the app)."""
    name: str | None = share_folders.folder_name(key, token)
    if refresh or not (share_folders.shares_dir(config) / str(name)).is_dir():
        try:
            name = share_folders.open_folder(config, key, token, int(share["id"]))
        except OSError as exc:  # a full disk: served through the app, as without a front
            log.warning("the share folder could not be made: %s", exc)
            return None
    if name is None:
        return None
    lifetime = SHARE_DAYS * 86400
    if share["expires_at"]:
        left = datetime.fromisoformat(share["expires_at"]) - datetime.now(UTC)
        lifetime = max(1, min(lifetime, int(left.total_seconds())))
    return cookie(share_folders.FOLDER_COOKIE, name, config, max_age=lifetime, path=share_folders.COOKIE_PATH)
