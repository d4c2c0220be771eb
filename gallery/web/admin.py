"""Log in and out, and share links (/s/TOKEN); the admin pages live in admin_pages.py."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import catalog, passwords
from ..errors import Forbidden, NotFound
from . import auth, limits


def routes() -> list[Any]:
    from . import admin_pages, captions

    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/s/{token}", share, methods=["GET", "POST"]),
        *admin_pages.routes(),
        *captions.routes(),
    ]


def safe_next(value: str | None) -> str:
    """Only a path on this site: no scheme, no host, no //host, no backslash tricks."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/admin"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/admin"
    return value


async def login(request: Request) -> Response:
    renderer = request.app.state.renderer
    target = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return renderer.page(request, "login.html", next=target, error="")
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    if not auth.csrf_ok(request, str(form.get("csrf", ""))):
        raise Forbidden("the form expired; reload the page and try again")
    name, password = str(form.get("name", ""))[:100], str(form.get("password", ""))[:1000]
    client = request.client.host if request.client else "?"
    db_path = request.app.state.config.db_path
    try:  # counted before the password is checked, so that concurrent guesses cannot all pass
        attempt = await limits.attempt(db_path, *limits.login_budgets(name, client))
    except limits.Limited as limited:
        return _limited(
            renderer.page(
                request,
                "login.html",
                status=429,
                next=target,
                error="busy" if limited.busy else "too_many",
                typed_name=name,
            )
        )
    user = await anyio.to_thread.run_sync(_check, db_path, name, password)
    if user is None:
        return renderer.page(request, "login.html", status=401, next=target, error="wrong", typed_name=name)
    await anyio.to_thread.run_sync(attempt.succeeded)
    token = passwords.new_token()
    await anyio.to_thread.run_sync(
        _start_session, request.app.state.config.db_path, passwords.token_hash(token), user["id"]
    )
    response = RedirectResponse(safe_next(str(form.get("next", target))), status_code=303)
    response.headers.append(
        "set-cookie",
        auth.cookie(auth.SESSION_COOKIE, token, request.app.state.config, max_age=auth.SESSION_DAYS * 86400),
    )
    return response


def _check(db_path: Any, name: str, password: str) -> dict[str, Any] | None:
    """The user if the password is right; as slow for an unknown name as for a wrong password."""
    user = None
    if db_path.exists():
        conn = catalog.connect(db_path)
        try:
            user = catalog.get_user(conn, name)
        finally:
            conn.close()
    stored = user["password_hash"] if user else _unknown_user_hash()
    return user if passwords.check_password(password, stored) and user else None


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    return passwords.hash_password(secrets.token_hex(16))


def _start_session(db_path: Any, token_hash: str, user_id: int) -> None:
    conn = catalog.connect(db_path)
    try:
        catalog.add_session(conn, token_hash, user_id, auth.expiry())
    finally:
        conn.close()


async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    if not auth.csrf_ok(request, str(form.get("csrf", ""))):
        raise Forbidden("the form expired; reload the page and try again")
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:

        def end() -> None:
            conn = catalog.connect(request.app.state.config.db_path)
            try:
                catalog.end_session(conn, passwords.token_hash(token))
            finally:
                conn.close()

        await anyio.to_thread.run_sync(end)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", auth.cookie(auth.SESSION_COOKIE, "", request.app.state.config, max_age=0))
    return response


async def share(request: Request) -> Response:
    """A share link: checks the token (and password), then adds it to this browser's share links."""
    token = request.path_params["token"]
    sessions: auth.Sessions = request.app.state.sessions
    client = request.client.host if request.client else "?"
    db_path = request.app.state.config.db_path
    try:
        lookup = await limits.attempt(db_path, *limits.token_budgets(client))
    except limits.Limited:
        return _limited(
            _no_referrer(Response("too many attempts; try again later", status_code=429, media_type="text/plain"))
        )
    found = None
    if len(token) <= 100:
        found = await anyio.to_thread.run_sync(catalog.get_share, request.app.state.db(), passwords.token_hash(token))
    if found is None:
        raise NotFound("album not found")
    await anyio.to_thread.run_sync(lookup.succeeded)
    renderer = request.app.state.renderer
    proof = ""
    if found["password_hash"]:
        if request.method == "GET":
            return _no_referrer(renderer.page(request, "share_password.html", token=token, error=""))
        form = await request.form(max_files=0, max_fields=5, max_part_size=2048)
        if not auth.csrf_ok(request, str(form.get("csrf", ""))):
            raise Forbidden("the form expired; reload the page and try again")
        try:
            attempt = await limits.attempt(db_path, *limits.share_budgets(found["id"], client))
        except limits.Limited as limited:
            return _limited(
                _no_referrer(
                    renderer.page(
                        request,
                        "share_password.html",
                        status=429,
                        token=token,
                        error="busy" if limited.busy else "too_many",
                    )
                )
            )
        password = str(form.get("password", ""))[:1000]
        ok = await anyio.to_thread.run_sync(passwords.check_password, password, found["password_hash"])
        if not ok:
            return _no_referrer(renderer.page(request, "share_password.html", status=401, token=token, error="wrong"))
        await anyio.to_thread.run_sync(attempt.succeeded)
        proof = sessions.sign(token + found["password_hash"])
    response = RedirectResponse(f"/albums/{found['slug']}", status_code=303)
    value = auth.with_share(auth.share_entries(request.cookies.get(auth.SHARE_COOKIE)), token, proof)
    response.headers.append(
        "set-cookie", auth.cookie(auth.SHARE_COOKIE, value, request.app.state.config, max_age=auth.SHARE_DAYS * 86400)
    )
    folder = await _share_folder(request, token, found)
    if folder is not None:
        response.headers.append("set-cookie", folder)
    return _no_referrer(response)


async def _share_folder(request: Request, token: str, share: dict[str, Any]) -> str | None:
    """Behind the nginx front: the link's share folder made, and the cookie naming it (auth.share_folder_cookie)."""
    if request.app.state.read_only:
        return None
    config, key = request.app.state.config, request.app.state.sessions.key
    return await anyio.to_thread.run_sync(auth.share_folder_cookie, config, key, token, share, True)


def _limited(response: Response) -> Response:
    response.headers["retry-after"] = "60"
    return response


def _no_referrer(response: Response) -> Response:
    response.headers["referrer-policy"] = "no-referrer"
    response.headers["cache-control"] = "private, no-store"
    return response
