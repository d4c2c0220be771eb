"""The admin side: albums and their edits, missions, devices, the import report, uploads, shares."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .. import catalog


def routes() -> list[Any]:
    return [Route("/admin", index)]


def require_admin(request: Request) -> Response | None:
    if not request.state.viewer.is_admin:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return None


def index(request: Request) -> Response:
    if (redirect := require_admin(request)) is not None:
        return redirect
    albums = catalog.list_albums(request.app.state.db())
    return request.app.state.renderer.page(request, "admin.html", albums=albums)
