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

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import i18n, kinds, leakcheck, privacy, storage
from ..errors import Forbidden
from ..formats import MIME_TYPES

NOT_PROVABLE = (
    "videos, RAW files and sidecars keep places in structures this server cannot prove clean: "
    "their originals are only served with the location (a video plays from its copy without metadata)"
)
CACHE_VERSION = "v2"  # bump whenever privacy or leakcheck changes what they remove or refuse


@dataclass(frozen=True)
class Servable:
    """The file (or bytes) to send, or neither and why not (what leakcheck found)."""

    path: Path | None
    why: str = ""
    data: bytes | None = None  # the cleaned bytes, when the cache could not be written (read-only library)


def servable(config: Any, photo: Mapping[str, Any], keep_gps: bool) -> Servable:
    """The original, or its verified copy without location. NotFound when the original is missing."""
    path = storage.resolve_inside(config.media_dir, photo["path"].removeprefix("media/"))
    if keep_gps:
        return Servable(path)
    return _without_location(config, photo, path)


def response(request: Request, photo: dict[str, Any], keep_gps: bool) -> Response:
    config = request.app.state.config
    found = servable(config, photo, keep_gps)
    if found.path is None and found.data is None:
        raise Forbidden(i18n.text("original_withheld", request.state.lang))
    headers = {
        "x-content-type-options": "nosniff",
        "cache-control": "private, max-age=3600",
        "etag": f'"{photo["sha256"][:32]}-{"o" if keep_gps else "n" + CACHE_VERSION}"',
    }
    if found.path is None:
        headers["content-disposition"] = _attachment(photo["original_name"])
        return Response(found.data, media_type=MIME_TYPES[photo["format"]], headers=headers)
    internal = internal_uri(config, request, found.path)
    if internal is not None:  # behind the nginx front: the decision is made, nginx sends the file (Range too)
        headers["content-disposition"] = _attachment(photo["original_name"])
        headers["x-accel-redirect"] = internal
        return Response(b"", media_type=MIME_TYPES[photo["format"]], headers=headers)
    return FileResponse(
        found.path,
        media_type=MIME_TYPES[photo["format"]],
        filename=photo["original_name"],
        content_disposition_type="attachment",
        headers=headers,
    )


def internal_uri(config: Any, request: Request, path: Path) -> str | None:
    """The nginx internal URI of a file the app decided to send, when nginx fronts the app (front.py)."""
    from .. import front

    prefix = front.accel_prefix(request.headers.get(front.ACCEL_HEADER, "").encode("latin-1", "replace"))
    if prefix is None:
        return None
    for folder, location in (
        (config.media_dir, "media"),
        (config.state_dir / "public-originals", "public-originals"),
        (config.thumbs_dir, "thumbnails"),  # videos' web copies
    ):
        try:
            relative = path.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            continue
        # nginx takes the header as a path, not escaped: send it only when it is plain ASCII with no
        # character nginx would read differently; anything else is streamed by the app as before
        if relative.isascii() and relative.isprintable() and not any(c in relative for c in "?%#\\"):
            return f"{prefix}/{location}/{relative}"
    return None


def _attachment(filename: str) -> str:
    """The Content-Disposition FileResponse would send (RFC 6266, UTF-8 names quoted)."""
    quoted = quote(filename)
    return f"attachment; filename*=utf-8''{quoted}" if quoted != filename else f'attachment; filename="{filename}"'


def _cache_dir(config: Any) -> Path:
    folder: Path = config.state_dir / "public-originals" / CACHE_VERSION
    if not folder.is_dir():
        for stale in folder.parent.glob("*.*"):  # copies made before the verifier existed
            try:
                stale.unlink()
            except OSError:
                pass  # a read-only library: they are simply never served
    return folder


def _without_location(config: Any, photo: Mapping[str, Any], path: Path) -> Servable:
    if kinds.kind_of(photo["format"]).name not in ("photo",):  # media kinds (issue 12)
        return Servable(None, NOT_PROVABLE)
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
    if why and kind in privacy.EDITABLE:  # a file the remover cannot walk is not one to vouch for
        found.insert(0, why)
    if found:
        reason = "; ".join(dict.fromkeys(item for item in (why, *found) if item))
        _remember(withheld, reason.encode())
        return Servable(None, reason)
    if cleaned == original:
        _remember(same, b"")
        return Servable(path)
    return Servable(copy) if _remember(copy, cleaned) else Servable(None, data=cleaned)


def _remember(target: Path, data: bytes) -> bool:
    """Cache a verdict; False when the library cannot be written (the answer is then made per request)."""
    try:
        storage.write_atomic(target, data, durable=False)
        return True
    except OSError:
        return False
