"""The map (`/map`, album pages, missions on the home page) and 1200x630 social cards.

Public maps are town-level: each marker is the centre of a town (from the shipped gazetteer),
never a photo's own position, unless the album shows positions. The page stays useful with no
tiles at all (GALLERY_MAP_TILES empty, or tiles that do not load): markers and a list of places.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from PIL import Image, ImageOps
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import catalog, front, places, storage
from ..errors import BadRequest, NotFound
from ..rows import AlbumRow
from . import access
from .pages import checked_sha

CARD_SIZE = (1200, 630)
CARD_QUALITY = 85
PATH_POINTS = 500  # an album path drawn from at most this many positions
log = logging.getLogger("gallery.web")


def tile_origin(url: str) -> str:
    """scheme://host[:port] of a tile URL template, for the CSP; empty when there are no tiles."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def card_url(sha256: str) -> str:
    return f"/cards/{sha256}.jpg"


def map_page(request: Request) -> Response:
    conn = request.app.state.db()
    viewer = request.state.viewer
    rows = catalog.map_places(conn, _visible_album_ids(conn, viewer), include_hidden=viewer.is_admin)
    return request.app.state.renderer.page(request, "map.html", places=_town_points(rows))


def map_data(request: Request) -> Response:
    """GET /api/map[?album=SLUG | ?mission=ID]: {points: [...], path: [[lat, lon], ...], exact: bool}."""
    conn = request.app.state.db()
    viewer = request.state.viewer
    slug = request.query_params.get("album")
    mission = request.query_params.get("mission")
    if slug:
        album = access.visible_album(conn, slug, viewer)
        if album.get("show_location") or viewer.is_admin:
            rows = catalog.map_positions(conn, album["id"], include_hidden=viewer.is_admin)
            points = [
                {
                    "lat": r["lat"],
                    "lon": r["lon"],
                    "label": r["place"] or album["title"],
                    "url": f"/photos/{r['sha256']}",
                }
                for r in rows
            ]
            step = max(1, len(rows) // PATH_POINTS)
            trail = [[r["lat"], r["lon"]] for r in rows[::step]]
            return _json({"points": points, "path": trail, "exact": True})
        ids = [album["id"]]
    elif mission:
        try:
            mission_id = int(mission)
        except ValueError:
            raise BadRequest("mission is a number") from None
        ids = [a["id"] for a in _visible_albums(conn, viewer) if a["mission_id"] == mission_id]
        if not ids:
            raise NotFound("no such mission")
    else:
        ids = _visible_album_ids(conn, viewer)
    points = _town_points(catalog.map_places(conn, ids, include_hidden=viewer.is_admin))
    path: list[list[float]] = []
    for point in points:  # in time order: the trip's path through its towns
        here = [point["lat"], point["lon"]]
        if not path or path[-1] != here:
            path.append(here)
    return _json({"points": points, "path": path, "exact": False})


def _json(data: dict[str, Any]) -> Response:
    return JSONResponse(data, headers={"cache-control": "public, max-age=300"})


def _visible_albums(conn: Any, viewer: access.Viewer) -> list[AlbumRow]:
    return [a for a in catalog.list_albums(conn, published_only=not viewer.is_admin) if a["photo_count"] > 0]


def _visible_album_ids(conn: Any, viewer: access.Viewer) -> list[int]:
    return [a["id"] for a in _visible_albums(conn, viewer)]


def _town_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One marker per album and town, at the town's centre (never a photo's own position)."""
    points = []
    for row in rows:
        centre = places.town_centre(row["lat"], row["lon"])
        if centre is None:
            continue  # far from any town: a public map shows nothing rather than a position
        label = row["place"] + (f", {places.country_name(row['country'], 'fr')}" if row["country"] else "")
        points.append(
            {
                "lat": centre[0],
                "lon": centre[1],
                "label": label,
                "place": row["place"],
                "album": row["title"],
                "photos": row["photos"],
                "url": f"/albums/{row['slug']}",
            }
        )
    return points


async def social_card(request: Request) -> Response:
    """A 1200x630 JPEG of a visible photo (cropped to fill, no metadata): og:image and oEmbed thumbnail."""
    conn = request.app.state.db()
    sha256 = checked_sha(request.path_params["sha256"])
    access.visible_photo(conn, sha256, request.state.viewer)
    derivatives = request.app.state.derivatives
    key = f"card/{sha256}"
    data = derivatives.cache.get(key)
    if data is None:
        stored = request.app.state.config.thumbs_dir / front.card_path(sha256)
        data = await anyio.to_thread.run_sync(_read, stored)
        if data is None:
            source = await derivatives.bytes_of(sha256, "viewer")
            if source is None:
                raise NotFound("no image for this photo")
            data = await anyio.to_thread.run_sync(render_card, source)
            if derivatives.generate:  # on disk, where the nginx front's public tree links it (front.CARD)
                await anyio.to_thread.run_sync(_keep, stored, data)
        derivatives.cache.put(key, data)
    cache = f"public, max-age={front.CARD_MAX_AGE}"
    return Response(data, media_type="image/jpeg", headers={"cache-control": cache})


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _keep(path: Path, data: bytes) -> None:
    """Written once, atomically; a full or read-only disk only costs the next request a rendering."""
    try:
        storage.write_atomic(path, data, durable=False)
    except OSError as exc:
        log.warning("the social card %s could not be written: %s", path.name, exc)


def render_card(source: bytes) -> bytes:
    """Fill 1200x630 from the (already clean, oriented, sRGB) viewer derivative; JPEG with no EXIF at all."""
    with Image.open(io.BytesIO(source)) as image:
        card = ImageOps.fit(image.convert("RGB"), CARD_SIZE, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    card.save(out, "JPEG", quality=CARD_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
