"""Staff edit a photo's caption in place: one CSRF form post, answered in JSON for the page's script.

Without JavaScript the form posts and the browser comes back to the page it came from (the album's
admin grid or the photo), with the confirmation in the URL; with it, the script posts the same form
and announces the answer in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import captions, catalog, i18n
from ..errors import BadRequest, Forbidden
from . import auth
from .admin import safe_next
from .pages import checked_sha


def routes() -> list[Any]:
    return [Route("/admin/photos/{sha256}/caption", caption, methods=["POST"])]


async def caption(request: Request) -> Response:
    """Set or clear a caption (an empty one clears it); JSON for a script, else back where it came from."""
    if not request.state.viewer.is_admin:
        raise Forbidden("log in as an admin first")
    sha256 = checked_sha(request.path_params["sha256"])
    form = await request.form(max_files=0, max_fields=5, max_part_size=20_000)
    if not auth.csrf_ok(request, str(form.get("csrf", ""))):
        raise Forbidden("the form expired or came from another site; reload the page and try again")
    wants_json = "application/json" in request.headers.get("accept", "")
    lang = request.state.lang
    try:
        kept = await anyio.to_thread.run_sync(_write, request, sha256, str(form.get("caption", "")))
    except BadRequest as exc:
        if not wants_json:
            raise
        return JSONResponse({"error": i18n.error_text(str(exc), lang)}, status_code=400)
    message = "done_caption" if kept else "done_caption_cleared"
    if wants_json:
        return JSONResponse({"caption": kept or "", "message": i18n.text(message, lang)})
    target = safe_next(str(form.get("next", "")) or f"/photos/{sha256}")
    path, _, anchor = target.partition("#")
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}message={message}#{quote(anchor or 'caption-' + sha256)}", 303)


def _write(request: Request, sha256: str, text: str) -> str | None:
    conn = catalog.connect(request.app.state.config.db_path)
    try:
        return captions.set_caption(conn, sha256, text)
    finally:
        conn.close()
