"""JSON for scripts and the blog: the albums API, oEmbed, and the Atom feed of published albums."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape as _escape

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .. import catalog, text
from ..errors import BadRequest, NotFound
from ..export import album_json, photo_json
from . import access
from .pages import checked_sha, moved_to
from .render import album_days, alt_text, thumb_url, viewer_size

UNLISTED = ("undated", "others")  # kept out of the feed and embeds: not a trip anyone would share


def escape(value: str, entities: dict[str, str] | None = None) -> str:
    """XML text: escaped, and without the characters XML 1.0 forbids (a title from before cleaning)."""
    return _escape(text.clean(value, 100_000, multiline=True), entities or {})


def _db(request: Request) -> catalog.Connection:
    return request.app.state.db()


def _private(request: Request) -> bool:
    return bool(request.state.viewer.is_admin)


def _public_album(album: Mapping[str, Any], photos: Sequence[Mapping[str, Any]], request: Request) -> dict[str, Any]:
    data = album_json(dict(album), photos, private=_private(request))
    if not _private(request):
        for key in ("kind",):
            data.pop(key, None)
        if access.shows_positions(request.state.viewer, album.get("show_location")):
            for item, photo in zip(data["photos"], photos, strict=True):
                item.update(lat=photo.get("lat"), lon=photo.get("lon"))
    data["url"] = f"{request.state.base_url}/albums/{album['slug']}"
    return data


def list_albums(request: Request) -> Response:
    conn = _db(request)
    rows = catalog.list_albums(conn, published_only=not _private(request))
    items = []
    for album in rows:
        data = _public_album(album, [], request)
        data.pop("photos")
        data["photo_count"] = album["photo_count"]
        items.append(data)
    return JSONResponse(items)


def album_detail(request: Request) -> Response:
    conn = _db(request)
    moved = access.moved_album(conn, request.path_params["slug"], request.state.viewer)
    if moved is not None:
        return moved_to(request, f"/api/albums/{moved['slug']}")
    album = access.visible_album(conn, request.path_params["slug"], request.state.viewer)
    photos = catalog.album_photos(conn, album["id"], include_hidden=_private(request))
    return JSONResponse(_public_album(album, photos, request))


def photo_detail(request: Request) -> Response:
    conn = _db(request)
    photo = access.visible_photo(conn, checked_sha(request.path_params["sha256"]), request.state.viewer)
    data = photo_json(photo, private=_private(request))
    if not _private(request) and access.shows_positions(request.state.viewer, photo.get("album_show_location")):
        data.update(lat=photo.get("lat"), lon=photo.get("lon"))
    data["album"] = photo.get("album_slug")
    data["urls"] = {
        "grid": thumb_url(photo["sha256"], "grid"),
        "viewer": thumb_url(photo["sha256"], "viewer"),
        "page": f"/photos/{photo['sha256']}",
    }
    return JSONResponse(data)


def oembed(request: Request) -> Response:
    """oEmbed (rich type) for album URLs of this gallery: an iframe of the embed card."""
    url = request.query_params.get("url", "")
    if request.query_params.get("format", "json") != "json":
        return JSONResponse({"error": "only format=json is served"}, status_code=501)
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or segments[0] not in ("albums", "photos"):
        raise NotFound("not an album URL of this gallery")
    base = request.state.base_url
    if parts.netloc and parts.netloc != urlsplit(base).netloc:
        raise NotFound("not an album URL of this gallery")
    moved = access.moved_album(_db(request), segments[1], access.ANONYMOUS)
    if moved is not None:  # the same question about the album's new URL
        new_url = urlunsplit(parts._replace(path=f"/albums/{moved['slug']}"))
        query = urlencode([(k, new_url if k == "url" else v) for k, v in request.query_params.multi_items()])
        return RedirectResponse(f"/oembed?{query}", status_code=301)
    if segments[0] == "photos":
        return JSONResponse(_photo_oembed(request, checked_sha(segments[1]), base))
    album = access.visible_album(_db(request), segments[1], access.ANONYMOUS)
    if album["kind"] in UNLISTED:
        raise NotFound("undated and « Autres photos » albums are not embedded")
    width = _bounded(request.query_params.get("maxwidth"), 480)
    height = round(width * 0.75) + 90
    data: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "provider_name": "Galerie",
        "provider_url": base,
        "title": album["title"],
        "width": width,
        "height": height,
        "html": (
            f'<iframe src="{escape(base)}/embed/{escape(album["slug"])}" width="{width}" height="{height}" '
            f'style="border:0" loading="lazy" title="{escape(album["title"], {chr(34): "&quot;"})}"></iframe>'
        ),
    }
    if album.get("cover_sha256"):
        data.update(
            thumbnail_url=f"{base}/cards/{album['cover_sha256']}.jpg", thumbnail_width=1200, thumbnail_height=630
        )
    return JSONResponse(data)


def _photo_oembed(request: Request, sha256: str, base: str) -> dict[str, Any]:
    """oEmbed (photo type) for a public photo page: its viewer-size image, titled by its caption or alt text."""
    conn = _db(request)
    photo = access.visible_photo(conn, sha256, access.ANONYMOUS)
    album = catalog.get_album_by_id(conn, photo["album_id"]) if photo["album_id"] else None
    width, height = viewer_size(photo)
    return {
        "version": "1.0",
        "type": "photo",
        "provider_name": "Galerie",
        "provider_url": base,
        "title": alt_text(photo, album, request.state.lang),
        "url": f"{base}{thumb_url(sha256, 'viewer')}",
        "width": width,
        "height": height,
    }


def _bounded(value: str | None, default: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        raise BadRequest("maxwidth must be a number") from None
    return max(200, min(number, default))


def health(request: Request) -> Response:
    """For monitoring (and the load tests): alive, and how many derivatives this process made."""
    derivatives = request.app.state.derivatives
    return JSONResponse(
        {
            "status": "ok",
            "derivatives_generated": derivatives.generated,
            "derivatives_cached": len(derivatives.cache.items),
        },
        headers={"cache-control": "no-store"},
    )


def entry_id(base: str, album: Mapping[str, Any]) -> str:
    """An album's Atom id, a tag: URI (RFC 4151) that outlives its slug: the gallery's host, the day
    the album was created and its database id (`tag:photos.example.org,2017-05-02:/albums/42`).

    The link stays the current address; a slug change (which redirects) then leaves the id alone, so
    feed readers do not show the album again as a new entry.
    """
    parts = urlsplit(base)
    host = (parts.hostname or "localhost").lower()
    day = str(album["created_at"])[:10]
    return f"tag:{host},{day}:{parts.path.rstrip('/')}/albums/{album['id']}"


def feed(request: Request) -> Response:
    """Atom 1.0 feed of published albums, newest first."""
    base = request.state.base_url
    rows = [
        a
        for a in catalog.list_albums(_db(request), published_only=True)
        if a["photo_count"] > 0 and a["kind"] not in UNLISTED
    ][:50]
    updated = max((a["updated_at"] for a in rows), default=datetime.now(UTC).isoformat(timespec="seconds"))
    entries = []
    for album in rows:
        link = f"{base}/albums/{album['slug']}"
        cover = f'<p><img src="{base}{thumb_url(album["cover_sha256"])}" alt=""></p>' if album["cover_sha256"] else ""
        summary = f"{album_days(album)} · {album['place'] or ''} · {album['photo_count']} photos"
        entries.append(
            f"<entry><id>{escape(entry_id(base, album))}</id><title>{escape(album['title'])}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(link)}"/>'
            f"<updated>{escape(album['updated_at'])}</updated><published>{escape(album['created_at'])}</published>"
            f"<summary>{escape(summary)}</summary>"
            f'<content type="html">{escape(cover + "<p>" + escape(album["description"] or summary) + "</p>")}</content>'
            "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        f"<id>{escape(base)}/</id><title>Galerie — albums</title><updated>{escape(updated)}</updated>"
        f'<link rel="self" href="{escape(base)}/feed.atom"/><link rel="alternate" href="{escape(base)}/"/>'
        f"<author><name>Galerie</name></author>{''.join(entries)}</feed>"
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")
