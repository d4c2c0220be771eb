"""Originals over HTTP: Range, the right type, the original file name; location removed when asked.

When the location must stay private, every original goes through `privacy.strip_gps` (whatever
the catalog says about its position: a GPS block the parser rejected is still a position), then
through `leakcheck`, which reads the result with code of its own. Only bytes it finds nothing in
are served; anything else is withheld, and the photo page says why. Verdicts are cached under
ROOT/.gallery/public-originals/v2/: the cleaned copy, `SHA.same` (the original itself is clean)
or `SHA.withheld` (what was found). Copies made by earlier versions (directly in
public-originals/) are never served and are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import i18n, leakcheck, privacy, storage
from ..errors import Forbidden
from ..formats import MIME_TYPES

CACHE_VERSION = "v2"  # bump whenever privacy or leakcheck changes what they remove or refuse


@dataclass(frozen=True)
class Servable:
    """The file to send, or None and why not (what leakcheck found, for the log and the ZIP note)."""

    path: Path | None
    why: str = ""


def servable(config: Any, photo: dict[str, Any], keep_gps: bool) -> Servable:
    """The original, or its verified copy without location. NotFound when the original is missing."""
    path = storage.resolve_inside(config.media_dir, photo["path"].removeprefix("media/"))
    if keep_gps:
        return Servable(path)
    return _without_location(config, photo, path)


def servable_path(config: Any, photo: dict[str, Any], keep_gps: bool) -> Path | None:
    return servable(config, photo, keep_gps).path


def response(request: Request, photo: dict[str, Any], keep_gps: bool) -> Response:
    config = request.app.state.config
    found = servable(config, photo, keep_gps)
    if found.path is None:
        raise Forbidden(i18n.text("original_withheld", request.state.lang))
    headers = {"x-content-type-options": "nosniff", "cache-control": "private, max-age=3600",
               "etag": f'"{photo["sha256"][:32]}-{"o" if keep_gps else "n"}"'}  # fmt: skip
    return FileResponse(found.path, media_type=MIME_TYPES[photo["format"]], filename=photo["original_name"],
                        content_disposition_type="attachment", headers=headers)  # fmt: skip


def _cache_dir(config: Any) -> Path:
    folder: Path = config.state_dir / "public-originals" / CACHE_VERSION
    if not folder.is_dir():
        for stale in folder.parent.glob("*.*"):  # copies made before the verifier existed
            stale.unlink(missing_ok=True)
    return folder


def _without_location(config: Any, photo: dict[str, Any], path: Path) -> Servable:
    folder = _cache_dir(config)
    sha, kind = photo["sha256"], photo["format"]
    copy, same, withheld = folder / f"{sha}.{kind}", folder / f"{sha}.same", folder / f"{sha}.withheld"
    if copy.is_file():
        return Servable(copy)
    if same.is_file():
        return Servable(path)
    if withheld.is_file():
        return Servable(None, withheld.read_text(encoding="utf-8"))
    original = path.read_bytes()
    try:
        cleaned = privacy.strip_gps(original, kind)
    except privacy.CannotStrip as exc:
        cleaned, why = original, f"cannot be edited: {exc}"
    else:
        why = ""
    known = (photo["lat"], photo["lon"]) if photo.get("lat") is not None and photo.get("lon") is not None else None
    found = leakcheck.findings(cleaned, kind, known)
    if found:
        reason = "; ".join(filter(None, [why, *found]))
        storage.write_atomic(withheld, reason.encode(), durable=False)
        return Servable(None, reason)
    if cleaned == original:
        storage.write_atomic(same, b"", durable=False)
        return Servable(path)
    storage.write_atomic(copy, cleaned)
    return Servable(copy)
