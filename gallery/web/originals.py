"""Originals over HTTP: Range, the right type, the original file name; location removed when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import privacy, storage
from ..errors import NotFound
from ..formats import MIME_TYPES


def servable_path(config: Any, photo: dict[str, Any], keep_gps: bool) -> Path | None:
    """The file to send: the original, or its copy without location (None when that cannot be made)."""
    path = storage.resolve_inside(config.media_dir, photo["path"].removeprefix("media/"))
    if keep_gps or (photo.get("lat") is None and photo.get("gps_time") is None):
        return path
    try:
        return _without_location(config, photo, path)
    except NotFound:
        return None


def response(request: Request, photo: dict[str, Any], keep_gps: bool) -> Response:
    config = request.app.state.config
    located = photo.get("lat") is not None or photo.get("gps_time") is not None
    path = servable_path(config, photo, keep_gps)
    if path is None:
        raise NotFound("this original cannot be shared without its location")
    headers = {"x-content-type-options": "nosniff", "cache-control": "private, max-age=3600",
               "etag": f'"{photo["sha256"][:32]}-{"o" if keep_gps or not located else "n"}"'}  # fmt: skip
    return FileResponse(path, media_type=MIME_TYPES[photo["format"]], filename=photo["original_name"],
                        content_disposition_type="attachment", headers=headers)  # fmt: skip


def _without_location(config: Any, photo: dict[str, Any], path: Any) -> Any:
    """A copy of the original without its GPS, kept in .gallery/public-originals/ (a cache)."""
    target = config.state_dir / "public-originals" / f"{photo['sha256']}.{photo['format']}"
    if not target.exists():
        try:
            stripped = privacy.strip_gps(path.read_bytes(), photo["format"])
        except privacy.CannotStrip:
            raise NotFound("this original cannot be shared without its location") from None
        storage.write_atomic(target, stripped)
    return target
