"""Accounts, sessions, CSRF and share tokens.

* Passwords: scrypt (memory-hard), per-user salt, constant-time comparison.
* Sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS);
  only its sha256 is stored, so a copy of the catalog opens no session.
* CSRF: every form carries the visitor's `csrf` cookie value (double submit), and a cross-site
  Origin is refused.
* Share links: a random token (>= 128 bits) per album, optional password and expiry, revocable;
  only its hash is stored, and it is re-checked on every request (no cached authorisation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import anyio
from starlette.requests import Request

from .. import catalog
from ..config import Config
from .access import ANONYMOUS, Viewer

SESSION_COOKIE = "gallery_session"
SHARE_COOKIE = "gallery_share"
CSRF_COOKIE = "gallery_csrf"
SESSION_DAYS = 14
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
LOGIN_ATTEMPTS = 5  # per 15 minutes, per address and per user name
LOGIN_WINDOW = 15 * 60
TOKEN_GUESSES = 30  # wrong share tokens per 15 minutes and address


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}$".format(**SCRYPT) + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


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
    def __init__(self, key: bytes) -> None:
        self.key = key
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def sign(self, value: str) -> str:
        return hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def too_many(self, *keys: str, limit: int = LOGIN_ATTEMPTS) -> bool:
        now = time.monotonic()
        for key in keys:
            attempts = self.failures.get(key)
            while attempts and now - attempts[0] > LOGIN_WINDOW:
                attempts.popleft()
            if attempts is not None and len(attempts) >= limit:
                return True
        return False

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self.failures) > 10_000:  # bounded memory, whatever the number of addresses guessing
            for stale in [k for k, v in self.failures.items() if not v or now - v[-1] > LOGIN_WINDOW]:
                del self.failures[stale]
        for key in keys:
            self.failures[key].append(now)


def cookies_of(scope: dict[str, Any]) -> dict[str, str]:
    raw = b"; ".join(value for key, value in scope.get("headers", []) if key == b"cookie")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # a malformed cookie header is no cookie at all
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def viewer_from(conn: Any, cookies: dict[str, str], sessions: Sessions) -> Viewer:
    """Who the cookies say this is; checked against the catalog every time."""
    user = None
    session = cookies.get(SESSION_COOKIE)
    if session and len(session) < 200:
        user = catalog.session_user(conn, token_hash(session))
    share_album, share_token = None, None
    share = cookies.get(SHARE_COOKIE)
    if share and len(share) < 300:
        token, _, proof = share.partition(".")
        found = catalog.get_share(conn, token_hash(token))
        if found and (found["password_hash"] is None or hmac.compare_digest(proof, sessions.sign(token + found["password_hash"]))):
            share_album, share_token = found["album_id"], token
    if user is None and share_album is None:
        return ANONYMOUS
    return Viewer(user, share_album, share_token)


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
