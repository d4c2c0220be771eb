"""The admin side: every album edit the CLI has, missions, devices, the import report, uploads, shares.

Every page needs a logged-in admin; every POST needs the CSRF token and a same-origin Origin.
Edits go through the same functions as the CLI (albums.py, missions.py), so they win over
regrouping in exactly the same way.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import albums, catalog, dates, devices, i18n, missions, organise, programme_form, shares, storage, trash
from ..durations import parse_duration
from ..errors import BadRequest, Forbidden, GalleryError, NotFound, TooLarge
from . import auth, files, uploads
from .render import alt_text

ALBUM_ACTIONS = (
    "rename",
    "describe",
    "cover",
    "hide",
    "show",
    "move",
    "merge",
    "split",
    "publish",
    "unpublish",
    "options",
    "share",
    "unshare",
    "set-date",
    "confirm-date",
    "shift",
    "trash",
    "download",
    "slug",
)

# What an album action says when it worked (an i18n key, shown on the page it redirects to).
DONE = {
    "rename": "done_renamed",
    "describe": "done_saved",
    "options": "done_saved",
    "cover": "done_cover",
    "hide": "done_hidden",
    "show": "done_shown",
    "move": "done_moved",
    "merge": "done_merged",
    "split": "done_split",
    "publish": "done_published",
    "unpublish": "done_unpublished",
    "unshare": "done_unshared",
    "set-date": "done_dated",
    "confirm-date": "done_dated",
    "shift": "done_shifted",
    "trash": "done_trashed",
    "slug": "done_slug",
}


def routes() -> list[Any]:
    return [
        Route("/admin", index),
        Route("/admin/albums/{slug}", album_page),
        Route("/admin/albums/{slug}/{action}", album_action, methods=["POST"]),
        Route("/admin/missions", missions_page, methods=["GET", "POST"]),
        Route("/admin/devices", devices_page, methods=["GET", "POST"]),
        Route("/admin/imports", imports_page),
        Route("/admin/upload", upload, methods=["GET", "POST"]),
        Route("/admin/trash", trash_page),
        Route("/admin/trash/{action}", trash_action, methods=["POST"]),
    ]


def _login_redirect(request: Request) -> Response:
    """Pages send visitors to the login; a POST without a login is simply refused."""
    if request.method != "GET":
        raise Forbidden("log in as an admin first")
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _writer(request: Request) -> catalog.Connection:
    return catalog.connect(request.app.state.config.db_path)


async def _checked_form(request: Request, **limits: Any) -> FormData:
    """An admin's POST with a valid CSRF token, or Forbidden (never a partial change)."""
    if not request.state.viewer.is_admin:
        raise Forbidden("log in as an admin first")
    try:
        form = await request.form(**{"max_files": 0, "max_fields": 50, "max_part_size": 200_000, **limits})
    except HTTPException as exc:  # Starlette's multipart limits: too many files or fields, a part too big
        raise TooLarge(f"the form is over the limits: {exc.detail}") from None
    if not auth.csrf_ok(request, str(form.get("csrf", ""))):
        raise Forbidden("the form expired or came from another site; reload the page and try again")
    return form


def _page(request: Request, name: str, **context: Any) -> Response:
    response = request.app.state.renderer.page(request, name, **context)
    response.headers["cache-control"] = "private, no-store"
    return response


def index(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    return _page(request, "admin.html", albums=catalog.list_albums(request.app.state.db()))


def album_page(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    conn = request.app.state.db()
    moved = catalog.album_moved_to(conn, request.path_params["slug"])
    if moved is not None:  # an old address (H18)
        return RedirectResponse(f"/admin/albums/{quote(moved['slug'])}", status_code=301)
    album = albums.find_album(conn, request.path_params["slug"])
    photos = catalog.album_tiles(conn, album["id"], True)
    others = [a for a in catalog.list_albums(conn) if a["id"] != album["id"]]
    links = catalog.list_shares(conn, album["id"])
    return _page(
        request,
        "admin_album.html",
        album=album,
        aliases=catalog.album_aliases(conn, album["id"]),
        photos=photos,
        generated_alts=_generated_alts(request, album, photos),
        others=others,
        shares=links,
        uncertain=dates.UNCERTAIN_SOURCES,
        created=request.query_params.get("created", ""),
        message=_known(request.query_params.get("message", "")),
        count=request.query_params.get("n", ""),
        error="",
    )


def _generated_alts(request: Request, album: Any, photos: list[Any]) -> list[str]:
    """Each tile's alt without its caption (place, time, camera): what caption.js shows once it is cleared."""
    return [alt_text({**photo, "caption": None}, album, request.state.lang) for photo in photos]


def _known(key: str) -> str:
    """Only our own message keys come back from a query string (never text someone wrote into a link)."""
    return key if key.startswith("done_") and key in i18n.TEXT else ""


async def album_action(request: Request) -> Response:
    form = await _checked_form(request, max_fields=5000)  # a whole album may be ticked
    slug, action = request.path_params["slug"], request.path_params["action"]
    if action not in ALBUM_ACTIONS:
        raise NotFound("no such action")
    values = {key: str(value) for key, value in form.items()}
    values["photos"] = " ".join(str(sha) for sha in form.getlist("photo"))  # the photos ticked in the grid
    if action == "download":
        return await anyio.to_thread.run_sync(_download, request, slug, values)
    try:
        target, created = await anyio.to_thread.run_sync(_apply, request, slug, action, values)
    except (BadRequest, NotFound) as exc:
        if isinstance(exc, NotFound) and "no album" in str(exc):
            raise  # the album itself is missing: a plain 404
        return _album_error(request, slug, exc)
    count = len(values["photos"].split())
    suffix = f"?created={quote(created)}" if created else f"?message={DONE.get(action, 'done_saved')}&n={count}"
    return RedirectResponse(f"/admin/albums/{quote(target)}{suffix}", status_code=303)


def _download(request: Request, slug: str, form: dict[str, str]) -> Response:
    """The ticked originals as one ZIP, as they are in media/ (an admin's own copy: positions kept)."""
    conn = request.app.state.db()
    try:
        albums.find_album(conn, slug)
        photos = dates.find_photos(conn, _picked(form, needed=True))
    except (BadRequest, NotFound) as exc:
        if "no album" in str(exc):
            raise
        return _album_error(request, slug, exc)
    root = request.app.state.config.root
    names = files.archive_names([p["original_name"] for p in photos])
    entries = [(storage.resolve_inside(root, p["path"]), name) for p, name in zip(photos, names, strict=True)]
    return StreamingResponse(
        files.zip_stream(entries),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{slug}-selection.zip"',
            "cache-control": "private, no-store",
        },
    )


def _album_error(request: Request, slug: str, exc: GalleryError) -> Response:
    """The album page again, with the error in the visitor's language and nothing changed."""
    conn = request.app.state.db()
    album = albums.find_album(conn, slug)
    photos = catalog.album_tiles(conn, album["id"], True)
    response = _page(
        request,
        "admin_album.html",
        album=album,
        aliases=catalog.album_aliases(conn, album["id"]),
        photos=photos,
        generated_alts=_generated_alts(request, album, photos),
        others=[a for a in catalog.list_albums(conn) if a["id"] != album["id"]],
        shares=catalog.list_shares(conn, album["id"]),
        uncertain=dates.UNCERTAIN_SOURCES,
        created="",
        message="",
        count="",
        error=i18n.error_text(str(exc), request.state.lang),
    )
    response.status_code = getattr(exc, "status_code", 400)
    return response


def _apply(request: Request, slug: str, action: str, form: dict[str, str]) -> tuple[str, str]:
    """Run one album edit; returns (album to show next, a share URL just created)."""
    conn = _writer(request)
    try:
        if action == "rename":
            albums.rename(conn, slug, form.get("title", ""))
        elif action == "slug":
            albums.change_slug(conn, slug, form.get("slug", "").strip())
            return form.get("slug", "").strip(), ""
        elif action == "describe":
            albums.describe(conn, slug, form.get("description", ""))
        elif action == "cover":
            albums.set_cover(conn, slug, (_picked(form) or [""])[0])
        elif action in ("hide", "show"):
            albums.hide_many(conn, slug, _picked(form, needed=True), action == "hide")
        elif action == "move":
            albums.move_many(conn, _picked(form, needed=True), _target_slug(conn, form.get("target", "")))
        elif action == "shift":
            trash.shift(conn, _picked(form, needed=True), _offset(form))
        elif action == "trash":
            trash.trash(conn, _picked(form, needed=True))
        elif action == "merge":
            albums.merge(conn, slug, form.get("other", ""))
        elif action == "split":
            return albums.split(conn, slug, _split_moment(conn, form)), ""
        elif action in ("publish", "unpublish"):
            albums.publish(conn, [slug], action == "publish")
        elif action == "options":
            albums.set_options(
                conn,
                slug,
                show_location=form.get("show_location") == "on",
                allow_originals=form.get("allow_originals") == "on",
            )
        elif action == "share":
            token = shares.create(conn, slug, form.get("expires") or None, form.get("password") or None)
            return slug, f"{request.state.base_url}/s/{token}"
        elif action == "unshare":
            shares.revoke(conn, slug, share_id=int(form.get("share_id", "0") or 0))
        elif action in ("set-date", "confirm-date"):
            _date_photos(conn, action, form)
        return slug, ""
    finally:
        conn.close()


def _date_photos(conn: catalog.Connection, action: str, form: dict[str, str]) -> None:
    """Set (or confirm) the date of the photos ticked in the album's grid; regroups like the CLI."""
    shas = form.get("photos", "").split()
    if not shas:
        raise BadRequest("tick the photos to date first")
    if action == "confirm-date":
        dates.confirm_dates(conn, shas)
        return
    zone = form.get("timezone", "").strip() or None
    dates.set_dates(conn, shas, dates.parse_moment(form.get("when", ""), zone), zone)


def _picked(form: dict[str, str], needed: bool = False) -> list[str]:
    """The photos ticked in the grid, or the one photo a single-photo form names."""
    picked = form.get("photos", "").split() or form.get("sha256", "").split()
    if needed and not picked:
        raise BadRequest("tick the photos first")
    return picked


def _target_slug(conn: Any, text: str) -> str:
    """The album picked in the searchable list: its slug, or exactly its title."""
    text = text.strip()
    if catalog.get_album(conn, text):
        return text
    found = [a["slug"] for a in catalog.list_albums(conn) if a["title"].casefold() == text.casefold()]
    if len(found) != 1:
        raise BadRequest("pick the album from the list")
    return found[0]


def _offset(form: dict[str, str]) -> int:
    """Hours and minutes from the form (a sign, then hours, then minutes), in seconds."""
    try:
        hours, minutes = int(form.get("hours") or 0), int(form.get("minutes") or 0)
    except ValueError:
        raise BadRequest("give the hours and minutes as whole numbers") from None
    if not 0 <= minutes < 60 or abs(hours) > 24 * 366 or (hours == 0 and minutes == 0):
        raise BadRequest("give the hours and minutes as whole numbers")
    sign = -1 if form.get("sign") == "-" or hours < 0 else 1
    return sign * (abs(hours) * 3600 + minutes * 60)


def _split_moment(conn: Any, form: dict[str, str]) -> datetime:
    """Split at the time typed in, or at the first ticked photo (« scinder ici »)."""
    if form.get("at"):
        return _moment(form["at"])
    photos = dates.find_photos(conn, _picked(form, needed=True))
    instants = sorted(p["taken_at_utc"] for p in photos if p["taken_at_utc"])
    if not instants:
        raise BadRequest("none of the ticked photos has a date to split at")
    return datetime.fromisoformat(instants[0])


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("give a date and time like 2017-09-18T13:00") from None


async def missions_page(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    error, text, rows = "", "", None
    fields: dict[str, str] = {}
    if request.method == "POST":
        form = await _checked_form(request, max_fields=5000)
        fields = {key: str(value) for key, value in form.items()}
        try:
            text = (
                programme_form.programme_from_form(fields)
                if fields.get("mode") == "form"
                else fields.get("programme", "")
            )
            await anyio.to_thread.run_sync(_load_programme, request, text, fields.get("renames") or None)
            title = missions.parse_programme(text).title
            return RedirectResponse(f"/admin/missions?title={quote(title)}&message=done_programme", status_code=303)
        except GalleryError as exc:
            error = i18n.error_text(str(exc), request.state.lang)
            text = fields.get("programme", "") if fields.get("mode") != "form" else ""
            rows = _rows_from_fields(fields) if fields.get("mode") == "form" else None
    conn = request.app.state.db()
    listed = catalog.list_missions(conn)
    title = request.query_params.get("title", "")
    if not text and title:
        text = next((str(m["source"]) for m in listed if m["title"] == title), "")
    # the mission this page edits (its title renames it); after an error, the one the form was editing
    editing = fields.get("renames", "") if request.method == "POST" else title if text else ""
    if rows is None:
        rows = _rows_or_blank(text)
    return _page(
        request,
        "admin_missions.html",
        missions=listed,
        editing=editing,
        programme=text,
        rows=rows,
        error=error,
        message=_known(request.query_params.get("message", "")),
    )


def _rows_or_blank(text: str) -> dict[str, Any]:
    try:
        return programme_form.rows_from_programme(text) if text else programme_form.blank()
    except GalleryError:  # a programme the form cannot show: the TOML box still can
        return programme_form.blank()


def _rows_from_fields(fields: dict[str, str]) -> dict[str, Any]:
    """The form as it was sent, so that an error loses nothing typed."""
    count = min(int(fields["events"]) if fields.get("events", "").isdigit() else 0, 500)
    keys = ("name", "start", "end", "where", *programme_form.KEPT)
    events = [{key: fields.get(f"event-{i}-{key}", "") for key in keys} for i in range(count)]
    return {
        "title": fields.get("title", ""),
        "timezone": fields.get("timezone", ""),
        "description": fields.get("description", ""),
        "events": events,
    }


def _load_programme(request: Request, text: str, renames: str | None = None) -> None:
    missions.parse_programme(text)  # refuse before anything is written
    conn = _writer(request)
    try:
        before = organise.setting(conn)
        missions.load(conn, text, renames)  # the mission the page edits: a new title renames it
        organise.refresh_setting(conn, request.app.state.config, before)
    finally:
        conn.close()


async def devices_page(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    error = ""
    if request.method == "POST":
        form = await _checked_form(request)
        try:
            await anyio.to_thread.run_sync(
                _set_offset, request, str(form.get("device", "")), str(form.get("offset", ""))
            )
            return RedirectResponse("/admin/devices", status_code=303)
        except (GalleryError, ValueError) as exc:
            error = i18n.error_text(str(exc), request.state.lang)
    lang = request.state.lang
    rows = [
        {
            **row,
            "correction": None if row["offset_seconds"] is None else i18n.clock_correction(row["offset_seconds"]),
            "source_words": i18n.device_source(row["offset_source"], lang),
            "note_words": i18n.device_note(row["note"], lang),
            "choices": devices.candidates_from_row(row, lang) if row["offset_source"] is None else [],
        }
        for row in catalog.list_devices(request.app.state.db())
    ]
    return _page(request, "admin_devices.html", devices=rows, error=error)


def _set_offset(request: Request, device: str, offset: str) -> None:
    conn = _writer(request)
    try:
        if not any(d["key"] == device for d in catalog.list_devices(conn)):
            raise NotFound("no such device")
        seconds = (
            None if offset.strip() in ("", "auto") else parse_duration(_as_duration(offset))
        )  # BadRequest if malformed
        catalog.set_manual_offset(conn, device, seconds)
        organise.refresh_device(conn, request.app.state.config, device)
    finally:
        conn.close()


def _as_duration(text: str) -> str:
    """« +1 h 30 » or « −6 h » as the page writes them -> '+1h30m', '-6h' as parse_duration reads them."""
    compact = text.replace(" ", "").replace("\u2212", "-").replace("min", "m")
    return compact + "m" if re.fullmatch(r"[+-]?\d+h\d+", compact) else compact


def imports_page(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    lang = request.state.lang
    problems = [
        {
            "when": row["started_at"][:16].replace("T", " "),
            "name": PurePosixPath(row["path"]).name,  # the file's name: never a path on the server
            "status": i18n.import_words(i18n.IMPORT_STATUS, row["status"], lang),
            "reason": i18n.import_words(i18n.IMPORT_REASONS, row["reason"], lang),
        }
        for row in catalog.import_problems(request.app.state.db())
    ]
    return _page(request, "admin_imports.html", problems=problems)


async def upload(request: Request) -> Response:
    """Drag-and-drop upload: the same import pipeline (dedup, validation, limits, report)."""
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    db = request.app.state.db()
    if request.method == "GET":
        return _page(request, "admin_upload.html", albums=catalog.list_albums(db), report=None)
    config = request.app.state.config
    if int(request.headers.get("content-length") or 0) > config.upload_max_bytes * config.upload_max_files + 1_000_000:
        raise TooLarge("the upload is bigger than the limits allow")
    if not auth.csrf_ok(request, request.cookies.get(auth.CSRF_COOKIE)):  # Origin first, before reading the body
        raise Forbidden("the form came from another site")
    source, folder = uploads.staging(config, request.state.viewer.user or "admin")
    try:
        received = await uploads.receive_files(
            request, folder, config.upload_max_files, config.upload_max_bytes, config.max_media_size
        )
        if not auth.csrf_ok(request, received.fields.get("csrf")):
            raise Forbidden("the form expired or came from another site; reload the page and try again")
    except BaseException:
        uploads.discard(source)
        raise
    report = await anyio.to_thread.run_sync(
        uploads.import_upload, config, source, received, received.fields.get("album", ""), request.state.lang
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(report)
    return _page(request, "admin_upload.html", albums=catalog.list_albums(db), report=report)


def trash_page(request: Request) -> Response:
    if not request.state.viewer.is_admin:
        return _login_redirect(request)
    rows = catalog.trashed_photos(request.app.state.db())
    return _page(
        request,
        "admin_trash.html",
        photos=rows,
        keep_days=trash.KEEP_DAYS,
        message=_known(request.query_params.get("message", "")),
        count=request.query_params.get("n", ""),
    )


async def trash_action(request: Request) -> Response:
    """Restore the ticked photos, or empty the trash now (originals deleted from media/)."""
    form = await _checked_form(request, max_fields=5000)
    action = request.path_params["action"]
    if action not in ("restore", "empty"):
        raise NotFound("no such action")
    shas = [str(sha) for sha in form.getlist("photo")]
    config = request.app.state.config

    def run() -> int:
        conn = _writer(request)
        try:
            return trash.restore(conn, shas) if action == "restore" else trash.empty(conn, config, everything=True)
        finally:
            conn.close()

    try:
        count = await anyio.to_thread.run_sync(run)
    except BadRequest as exc:
        response = _page(
            request,
            "admin_trash.html",
            photos=catalog.trashed_photos(request.app.state.db()),
            keep_days=trash.KEEP_DAYS,
            message="",
            count="",
            error=i18n.error_text(str(exc), request.state.lang),
        )
        response.status_code = 400
        return response
    done = "done_restored" if action == "restore" else "done_emptied"
    return RedirectResponse(f"/admin/trash?message={done}&n={count}", status_code=303)
