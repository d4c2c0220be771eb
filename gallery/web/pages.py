"""HTML pages: home, album, photo viewer, timeline, places, search, embed card. Plain `def`s."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from .. import catalog, i18n, instants, storage
from .. import search as search_words
from ..errors import BadRequest, NotFound
from ..formats import MIME_TYPES
from ..passwords import token_hash
from ..rows import AlbumRow
from . import access, auth, files, originals, videos
from .render import ROW_HEIGHT, alt_text, distinct_alts, photo_moment, srcset

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _db(request: Request) -> catalog.Connection:
    return request.app.state.db()


def _render(request: Request, name: str, **context: Any) -> Response:
    return request.app.state.renderer.page(request, name, **context)


def checked_sha(value: str) -> str:
    if not SHA256.match(value):
        raise NotFound("photo not found")
    return value


def home(request: Request) -> Response:
    conn = _db(request)
    albums = [
        a
        for a in catalog.list_albums(conn, published_only=not request.state.viewer.is_admin)
        if a["photo_count"] > 0 and a["kind"] != "undated" or request.state.viewer.is_admin
    ]
    missions: OrderedDict[str, list[AlbumRow]] = OrderedDict()
    for album in albums:  # newest first, grouped by mission
        missions.setdefault(album["mission"] or "", []).append(album)
    mission_ids = {a["mission"]: a["mission_id"] for a in albums if a["mission"]}
    cover = next((a["cover_sha256"] for a in albums if a["cover_sha256"] and a["kind"] == "event"), None)
    return _render(
        request,
        "home.html",
        missions=missions,
        albums=albums,
        mission_ids=mission_ids,
        card=_card(cover),
        cover_title=next((a["title"] for a in albums if a["cover_sha256"] == cover), ""),
    )


def album(request: Request) -> Response:
    conn = _db(request)
    slug = request.path_params["slug"]
    moved = access.moved_album(conn, slug, request.state.viewer)
    if moved is not None:
        return moved_to(request, f"/albums/{moved['slug']}")
    current = access.visible_album(conn, slug, request.state.viewer)
    admin = request.state.viewer.is_admin
    total = catalog.count_album_photos(conn, current["id"], include_hidden=admin)
    pager = Pager(request, total, ALBUM_PAGE)
    photos = catalog.album_page(conn, current["id"], admin, ALBUM_PAGE, pager.offset)
    lang = request.state.lang
    alts = distinct_alts([alt_text(photo, current, lang) for photo in photos])
    tiles = [tile(photo, alt) for photo, alt in zip(photos, alts, strict=True)]
    response = _render(
        request,
        "album.html",
        album=current,
        tiles=tiles,
        total=total,
        pager=pager,
        card=_card(current.get("cover_sha256")),
        share=request.state.viewer.token_for(current["id"]),
        originals=_originals_allowed(request, current),
    )
    _name_share_folder(request, conn, current, response)
    return response


def _name_share_folder(request: Request, conn: catalog.Connection, album: AlbumRow, response: Response) -> None:
    """A browser holding several share links: the nginx front's folder cookie follows the album it shows."""
    token = request.state.viewer.token_for(album["id"])
    if token is None or album["published"] or request.state.viewer.is_admin or request.app.state.read_only:
        return
    share = catalog.get_share(conn, token_hash(token))
    state = request.app.state
    line = share and auth.share_folder_cookie(state.config, state.sessions.key, token, share, False)
    if line:
        response.headers.append("set-cookie", line)


# -- map and paging (H7) ----------------------------------------------------------------------------

ALBUM_PAGE = 200  # tiles per album page: two or three screens on a desktop, ~80 KB of HTML
TIMELINE_PAGE = 240
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Pager:
    """?page=N (from 1): the page asked for, its offset, and the links to the pages around it."""

    def __init__(self, request: Request, total: int, size: int, keep: dict[str, str] | None = None) -> None:
        raw = request.query_params.get("page", "1")
        if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
            raise NotFound("no such page")
        self.page = int(raw)
        self.pages = max(1, -(-total // size))
        if self.page > self.pages:
            raise NotFound("no such page")
        self.offset = (self.page - 1) * size
        self.path = request.url.path
        self.keep = keep or {}

    def url(self, page: int) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.keep.items() if v)
        if page > 1:
            query = f"{query}&page={page}" if query else f"page={page}"
        return f"{self.path}?{query}" if query else self.path

    @property
    def previous(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None

    def around(self) -> list[int | None]:
        """Page numbers to link: first, last and two either side of this one (None: a gap)."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for number in shown:
            if out and out[-1] is not None and number - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(number)
        return out


def _card(sha256: str | None) -> dict[str, Any] | None:
    """The social card (og:image) of a cover photo: 1200x630 JPEG."""
    if not sha256:
        return None
    return {"url": f"/cards/{sha256}.jpg", "width": 1200, "height": 630}


def tile(photo: dict[str, Any], alt: str) -> dict[str, Any]:
    """One grid cell, computed here rather than in the template (a thousand of them render in ms)."""
    width, height = photo["grid_width"], photo["grid_height"]
    return {
        "sha256": photo["sha256"],
        "width": width,
        "height": height,
        "srcset": srcset(photo),
        "sizes": f"(max-width: 40em) 50vw, {round(ROW_HEIGHT * width / height)}px",
        "alt": alt,
        "placeholder": photo["placeholder"],
        "hidden": photo["hidden"],
        "duration": duration_label(photo.get("duration")) if photo.get("media_type") == "video" else "",
    }


def duration_label(seconds: float | None) -> str:
    """1:05, 12:00, 2:00:00: what a video's badge says."""
    if seconds is None:
        return "0:00"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def download(request: Request) -> Response:
    conn = _db(request)
    moved = access.moved_album(conn, request.path_params["slug"], request.state.viewer)
    if moved is not None:
        return moved_to(request, f"/albums/{moved['slug']}/download")
    current = access.visible_album(conn, request.path_params["slug"], request.state.viewer)
    if not _originals_allowed(request, current):
        raise NotFound("downloads are not open for this album")
    keep_gps = access.shows_positions(request.state.viewer, current["show_location"])
    items = _with_companions(conn, catalog.album_photos(conn, current["id"], include_hidden=False), keep_gps)
    names = files.archive_names([item["original_name"] for item in items] + ["LISEZMOI-README.txt"])
    listed = _zip_entries(request.app.state.config, items, names, keep_gps)
    return StreamingResponse(
        files.zip_stream(listed),  # cleaned one by one as the ZIP streams: the first bytes leave at once
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{current["slug"]}.zip"',
            "cache-control": "private, no-store",
        },
    )


def _with_companions(conn: Any, items: Sequence[Mapping[str, Any]], keep_gps: bool) -> list[Mapping[str, Any]]:
    """Each item, then its other originals (RAW, sidecars, a Live Photo's MOV) where its page offers them:
    only with the location (they may carry it and cannot be proved clean), like `_downloadable_companions`."""
    if not keep_gps:
        return list(items)
    return [entry for item in items for entry in (item, *catalog.companions_of(conn, item["sha256"]))]


def _zip_entries(
    config: Any, items: Sequence[Mapping[str, Any]], names: list[str], keep_gps: bool
) -> Iterator[tuple[Path | bytes, str]]:
    """(file or bytes, name) for each original that may leave, then a note naming those withheld."""
    withheld: list[str] = []
    for item, name in zip(items, names, strict=False):
        try:
            found = originals.servable(config, item, keep_gps)
        except NotFound:
            continue  # an original missing on disk: `gallery check` reports it; the rest still downloads
        content = found.path or found.data
        if content is None:  # a location that cannot be proved gone: left out, and said so in the ZIP
            withheld.append(item["original_name"])
        else:
            yield content, name
    if withheld:
        note = "\n".join(i18n.text("zip_withheld_note", lang) for lang in ("fr", "en")) + "\n\n" + "\n".join(withheld)
        yield (note + "\n").encode(), names[-1]


def _originals_allowed(request: Request, current: Mapping[str, Any]) -> bool:
    """Admins and share links always; anonymous visitors only when the gallery or the album allows it."""
    viewer = request.state.viewer
    if viewer.is_admin or viewer.opens(current.get("id")):
        return True
    return bool(request.app.state.config.public_originals or current.get("allow_originals"))


def photo(request: Request) -> Response:
    conn = _db(request)
    sha256 = checked_sha(request.path_params["sha256"])
    viewer = request.state.viewer
    main = catalog.companion_item(conn, sha256)
    if main is not None:  # a RAW published before its JPEG arrived: the item is the JPEG now
        return RedirectResponse(f"/photos/{main}", status_code=301)
    current = access.visible_photo(conn, sha256, viewer)
    album_row = catalog.get_album_by_id(conn, current["album_id"]) if current["album_id"] else None
    around = _from_search(request, sha256) or _in_album(conn, album_row, sha256, viewer.is_admin)
    lang = request.state.lang
    show_location = access.shows_positions(viewer, current.get("album_show_location"))
    originals = album_row is not None and _originals_allowed(request, album_row)
    withheld = originals and not show_location and _withheld(request, current)
    done = request.query_params.get("message", "")
    return _render(
        request,
        "photo.html",
        photo=current,
        album=album_row,
        around=around,
        previous=around.previous,
        next=around.next,
        alt=alt_text(current, album_row, lang),
        generated_alt=alt_text({**current, "caption": None}, album_row, lang),  # caption.js: a caption cleared
        moment=photo_moment(current, lang),
        show_location=show_location,
        originals=originals,
        withheld=withheld,
        companions=_downloadable_companions(conn, current, show_location) if originals else [],
        motion=videos.motion_of(conn, current["sha256"]) is not None or bool(current.get("motion_offset")),
        caption_done=done if done in ("done_caption", "done_caption_cleared") else "",
    )


@dataclass(frozen=True)
class Around:
    """Where a photo was opened from: its neighbours there, the way back, and the suffix its links keep."""

    previous: str | None  # sha256
    next: str | None
    position: int
    total: int
    back: str
    context: str = ""  # « ?search=… »: previous and next stay in the search results
    search: str = ""  # the words searched, to say where « back » goes


def _around(items: Sequence[Mapping[str, Any]], sha256: str, back: str, context: str = "", search: str = "") -> Around:
    index = next((i for i, p in enumerate(items) if p["sha256"] == sha256), 0)
    previous = items[index - 1]["sha256"] if index > 0 else None
    following = items[index + 1]["sha256"] if index + 1 < len(items) else None
    return Around(previous, following, index + 1, len(items), back, context, search)


def _in_album(conn: Any, album_row: Mapping[str, Any] | None, sha256: str, admin: bool) -> Around:
    if album_row is None:
        return Around(None, None, 0, 0, "/")
    position, total, previous, following = catalog.album_neighbours(conn, album_row["id"], sha256, admin)
    return Around(previous, following, position, total, f"/albums/{album_row['slug']}#p-{sha256}")


def _from_search(request: Request, sha256: str) -> Around | None:
    """Opened from /search (`?search=q%3D…`): previous and next follow the results, Escape goes back to them."""
    inner = request.query_params.get("search", "")[:1000]
    if not inner:
        return None
    try:
        text, start, end, place = _search_params(dict(parse_qsl(inner)))
    except BadRequest:
        return None  # a hand-made link with a bad date: the album, as without a search
    found = _search(request, text, start, end, place)["photos"]
    if not any(item["sha256"] == sha256 for item in found):
        return None  # no longer among the results (or never was): the album's order
    kept = _search_query(text, start, end, place)
    return _around(found, sha256, f"/search?{kept}#p-{sha256}", "?" + urlencode({"search": kept}), text)


def _downloadable_companions(conn: Any, current: dict[str, Any], show_location: bool) -> list[dict[str, Any]]:
    """The item's other originals (a RAW, sidecars), offered only with the location (they may carry it)."""
    return catalog.companions_of(conn, current["sha256"]) if show_location else []


def companion_original(request: Request) -> Response:
    """One of an item's other originals (its RAW, its .xmp): as the original, for those who see locations."""
    conn = _db(request)
    sha256 = checked_sha(request.path_params["sha256"])
    wanted = checked_sha(request.path_params["companion"])
    viewer = request.state.viewer
    current = access.visible_photo(conn, sha256, viewer)
    album_row = catalog.get_album_by_id(conn, current["album_id"]) if current["album_id"] else None
    if album_row is None and not viewer.is_admin:
        raise NotFound("photo not found")
    if album_row is not None and not _originals_allowed(request, album_row):
        raise NotFound("original not available")
    if not (viewer.is_admin or (album_row and album_row["show_location"])):
        raise NotFound("original not available")
    row = next((c for c in catalog.companions_of(conn, sha256) if c["sha256"] == wanted), None)
    if row is None:
        raise NotFound("original not found")
    path = storage.resolve_inside(request.app.state.config.media_dir, row["path"].removeprefix("media/"))
    return FileResponse(
        path,
        media_type=MIME_TYPES[row["format"]],
        filename=row["original_name"],
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "private, max-age=3600"},
    )


def _withheld(request: Request, current: dict[str, Any]) -> bool:
    """Is this original kept back because its location cannot be proved gone (the page says so)?"""
    try:
        found = originals.servable(request.app.state.config, current, keep_gps=False)
        return found.path is None and found.data is None
    except NotFound:
        return False


def original(request: Request) -> Response:
    conn = _db(request)
    sha256 = checked_sha(request.path_params["sha256"])
    current = access.visible_photo(conn, sha256, request.state.viewer)
    album_row = catalog.get_album_by_id(conn, current["album_id"]) if current["album_id"] else None
    if album_row is None and not request.state.viewer.is_admin:
        raise NotFound("photo not found")
    if album_row is not None and not _originals_allowed(request, album_row):
        raise NotFound("original not available")
    keep_gps = access.shows_positions(request.state.viewer, album_row and album_row["show_location"])
    return originals.response(request, current, keep_gps)


def timeline(request: Request) -> Response:
    """Paged, newest first; ?month=YYYY-MM starts at the end of that month (UTC months)."""
    conn = _db(request)
    days: OrderedDict[date, list[dict[str, Any]]] = OrderedDict()
    lang = request.state.lang
    months = catalog.timeline_months(conn)
    month = request.query_params.get("month", "")
    before = None
    if month:
        found = MONTH.match(month)
        if not found or not 1 <= int(found[2]) <= 12:
            raise BadRequest("months look like 2017-09")
        year, number = int(found[1]), int(found[2])
        before = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01T00:00:00"
    total = sum(m["photos"] for m in months if before is None or m["month"] < before[:7])
    pager = Pager(request, total, TIMELINE_PAGE, {"month": month})
    for item in catalog.timeline_page(conn, before, TIMELINE_PAGE, pager.offset):
        local = instants.in_zone(item["taken_at_utc"], item["timezone"])
        alt = alt_text(item, {"title": item["album_title"]}, lang)
        days.setdefault(local.date(), []).append(tile(item | {"hidden": 0}, alt))
    labels = {day: i18n.date_range(day, day, lang) for day in days}
    month_labels = {m["month"]: i18n.month_label(m["month"], lang) for m in months}
    return _render(
        request,
        "timeline.html",
        days=days,
        labels=labels,
        months=months,
        month=month,
        month_labels=month_labels,
        pager=pager,
    )


def places_page(request: Request) -> Response:
    rows = catalog.published_places(_db(request))
    return _render(request, "places.html", places=rows)


def search(request: Request) -> Response:
    """Albums and photos: words (accents and case folded), dates in words or from/to, or one place."""
    text, start, end, place = _search_params(request.query_params)
    found = _search(request, text, start, end, place)
    kept = _search_query(text, start, end, place)
    return _render(
        request,
        "search.html",
        q=text,
        start=start.isoformat() if start else "",
        end=end.isoformat() if end else "",
        place=place[0] if place else "",
        country=(place[1] if place else None) or "",
        searched=bool(text or start or end or place),
        photo_context="?" + urlencode({"search": kept}) if kept else "",
        **found,
    )


def _search_params(
    params: Mapping[str, str],
) -> tuple[str, date | None, date | None, tuple[str, str | None] | None]:
    """(words, from, to, (place, country)) from a search's query string, bounded; BadRequest for a bad date."""
    text = params.get("q", "").strip()[:200]
    start, end = _iso_day(params.get("from", "")), _iso_day(params.get("to", ""))
    place = params.get("place", "").strip()[:200] or None
    country = params.get("country", "").strip()[:8] or None
    return text, start, end, (place, country) if place else None


def _search_query(text: str, start: date | None, end: date | None, place: tuple[str, str | None] | None) -> str:
    """The search as a query string again (what a photo opened from it keeps, and what « back » opens)."""
    values = {"q": text, "from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    if place:
        values.update(place=place[0], country=place[1] or "")
    return urlencode({key: value for key, value in values.items() if value})


def _search(
    request: Request, text: str, start: date | None, end: date | None, place: tuple[str, str | None] | None
) -> dict[str, Any]:
    nothing: dict[str, Any] = {"results": [], "photos": [], "photo_total": 0}
    query = search_words.parse_query(text)
    days = query.days.narrowed(search_words.Days(start, end))
    if not (query.words or days or place):
        return nothing  # nothing asked, or only punctuation
    conn = _db(request)
    admin = request.state.viewer.is_admin
    photo_columns = () if admin else ("place", "camera", "caption")  # a camera's own description: admins only
    photo_match = search_words.match_expression(query.words, photo_columns)
    album_match = search_words.match_expression(query.words)
    if place:
        albums = catalog.albums_at_place(conn, *place)
    else:
        albums = catalog.find_albums(conn, album_match, published_only=not admin)
    results = [a for a in albums if search_words.album_in_days(a, days)]
    photos, total = catalog.find_photos(
        conn, photo_match, search_words.local_bounds(days), place, public_only=not admin
    )
    alts = distinct_alts([alt_text(item, None, request.state.lang) for item in photos])
    tiles = [tile(item, alt) | {"album_title": item["album_title"]} for item, alt in zip(photos, alts, strict=True)]
    return {"results": results, "photos": tiles, "photo_total": total}


def _iso_day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("dates look like 2017-09-19") from None


def embed(request: Request) -> Response:
    conn = _db(request)
    moved = access.moved_album(conn, request.path_params["slug"], access.ANONYMOUS)
    if moved is not None:
        return moved_to(request, f"/embed/{moved['slug']}")
    current = access.visible_album(conn, request.path_params["slug"], access.ANONYMOUS)
    if current["kind"] in ("undated", "others"):
        raise NotFound("undated and « Autres photos » albums are not embedded")
    response = _render(request, "embed.html", album=current)
    response.headers["content-security-policy"] = request.app.state.csp + " frame-ancestors *"
    return response


# -- album redirects (H18) --------------------------------------------------------------------------


def moved_to(request: Request, path: str) -> Response:
    """301 to an album's new address, keeping the query (a page number, a share token)."""
    query = request.url.query
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=301)
