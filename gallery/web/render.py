"""Templates: one Jinja2 environment (autoescape on), helpers for dates, sizes and derivative URLs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .. import dates, i18n, instants, places, thumbs
from ..errors import ReadOnlyLibrary

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ROW_HEIGHT = 220  # CSS pixels of a justified grid row; also the basis of `sizes`


def environment(extra_templates: Path | None = None) -> jinja2.Environment:
    """Templates from the package, optionally overridden from a folder (a ChoiceLoader)."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(TEMPLATES))]
    if extra_templates:
        loaders.insert(0, jinja2.FileSystemLoader(str(extra_templates)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        thumb_url=thumb_url, srcset=srcset, grid_size=grid_size, ROW_HEIGHT=ROW_HEIGHT, camera_name=camera_name
    )
    env.filters["days"] = album_days
    env.filters["country"] = places.country_name
    return env


def thumb_url(sha256: str, size: str = "grid") -> str:
    return f"/thumbs/{size}/{sha256}.webp"


def viewer_size(photo: dict[str, Any]) -> tuple[int, int]:
    return thumbs.fit((photo["width"], photo["height"]), thumbs.SIZES["viewer"])


def grid_size(photo: dict[str, Any]) -> tuple[int, int]:
    return photo["grid_width"], photo["grid_height"]


def srcset(photo: dict[str, Any]) -> str:
    grid_w, _ = grid_size(photo)
    view_w, _ = viewer_size(photo)
    entries = [f"{thumb_url(photo['sha256'], 'grid')} {grid_w}w"]
    if view_w > grid_w:
        entries.append(f"{thumb_url(photo['sha256'], 'viewer')} {view_w}w")
    return ", ".join(entries)


def album_days(album: Mapping[str, Any], lang: str = "fr") -> str:
    """« 19 et 20 septembre 2017 », in the album's own zone."""
    if not album.get("start_utc") or not album.get("end_utc"):
        return ""
    start = instants.in_zone(album["start_utc"], album.get("timezone"))
    end = instants.in_zone(album["end_utc"], album.get("timezone"))
    return i18n.date_range(start.date(), end.date(), lang)


def photo_moment(photo: dict[str, Any], lang: str) -> str:
    """« 19 septembre 2017 à 10:30 (Europe/Paris, UTC+02:00) », or the camera's naive time, flagged."""
    if dates.is_uncertain(photo):
        return i18n.text("date_uncertain", lang)  # a file's mtime is the day it was copied: never shown as a fact
    if photo.get("taken_at_utc"):
        moment = datetime.fromisoformat(photo["taken_at_utc"])
        if photo.get("timezone"):
            local = instants.in_zone(photo["taken_at_utc"], photo["timezone"])
            offset = local.strftime("%z")
            return f"{i18n.long_datetime(local.replace(tzinfo=None), lang)} ({photo['timezone']}, UTC{offset[:3]}:{offset[3:]})"
        return f"{i18n.long_datetime(moment.replace(tzinfo=None), lang)} (UTC)"
    if photo.get("camera_time"):
        naive = datetime.fromisoformat(photo["camera_time"])
        unknown = "zone inconnue" if lang == "fr" else "unknown zone"
        return f"{i18n.long_datetime(naive, lang)} ({unknown})"
    return i18n.text("undated", lang)


def alt_text(photo: Mapping[str, Any], album: Mapping[str, Any] | None, lang: str) -> str:
    """Each photo its own words: its caption if it has one, else its place, time and camera."""
    if photo.get("caption"):
        return str(photo["caption"])
    parts = [photo["place"]] if photo.get("place") else []
    if dates.is_uncertain(photo):
        parts.append(i18n.text("date_uncertain", lang))
    elif photo.get("taken_at_local"):
        parts.append(i18n.long_datetime(datetime.fromisoformat(photo["taken_at_local"]), lang))
    if camera_name(photo):
        parts.append(camera_name(photo))
    if not parts:
        parts.append(album["title"] if album else i18n.text("photo_of", lang))
    return ", ".join(parts)


def distinct_alts(alts: list[str]) -> list[str]:
    """A burst shares a minute: « …, 10:32 (2) » keeps every alt text of a page its own."""
    seen: dict[str, int] = {}
    distinct = []
    for alt in alts:
        seen[alt] = seen.get(alt, 0) + 1
        distinct.append(alt if seen[alt] == 1 else f"{alt} ({seen[alt]})")
    return distinct


def camera_name(photo: Mapping[str, Any]) -> str:
    """« Canon EOS 5D », without the make twice (« Canon Canon EOS 5D »)."""
    make, model = (photo.get("make") or "").strip(), (photo.get("model") or "").strip()
    if model and make and model.lower().startswith(make.split()[0].lower()):
        return model
    return f"{make} {model}".strip()


WRITING_FORMS = frozenset({"login.html", "share_password.html"})  # a session or an attempt goes into the catalog


class Renderer:
    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        if name in WRITING_FORMS and getattr(request.app.state, "read_only", False):
            raise ReadOnlyLibrary("this form cannot work on a read-only library")  # 503 with words, by the app
        lang = request.state.lang
        template = self.env.get_template(name)
        html = template.render(
            request=request,
            lang=lang,
            t=lambda key: i18n.text(key, lang),
            base_url=request.state.base_url,
            viewer=request.state.viewer,
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status)
