"""An item's other originals: sidecars (.xmp, .AAE, .THM, .LRV) and the RAW of a RAW+JPEG pair.

Matching rules (issue 12):
- a sidecar belongs to the item imported from the same folder whose file name is the sidecar's
  stem (IMG_0001.CR2.xmp -> IMG_0001.CR2) or shares its stem (IMG_0001.xmp -> IMG_0001.*); a
  sidecar whose main file is not in the catalog yet waits (photo_sha256 NULL) and is attached
  when that file arrives, in a later import;
- a RAW and a photo are one item when they come from the same device, have the same stem and the
  same capture second (sub-seconds compared when both have them): the photo stays the item (its
  sha256 is the identity and the URL), the RAW becomes its companion. A RAW published first keeps
  its URL: the web layer redirects a companion's sha256 to its item.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from PIL import Image

from . import catalog, storage, text, thumbs
from .errors import NotFound
from .formats import PILLOW_FORMATS
from .kinds import sidecar

PAIR_STILLS = ("jpeg", "heif", "avif")  # the picture of a RAW+JPEG pair


def main_of(conn: Any, name: str, source_path: str) -> dict[str, Any] | None:
    """The item a sidecar named `name` belongs to, among those imported from its folder."""
    folder = PurePath(source_path).parent
    for stem in sidecar.main_stems(name):
        exact = [
            r for r in catalog.photos_by_stem(conn, PurePath(stem).stem) if r["original_name"].lower() == stem.lower()
        ]
        for rows in (exact, catalog.photos_by_stem(conn, stem)):
            here = [r for r in rows if PurePath(r["source_path"]).parent == folder]
            if here:
                return _preferred(here)
    return None


def _preferred(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """With IMG_1.JPG and IMG_1.CR2 both items, a shared IMG_1.xmp goes to the RAW (editors write it for the RAW)."""
    return sorted(rows, key=lambda r: (r["media_type"] != "raw", r["id"]))[0]


def attach_waiting(conn: Any, root: Path, item: dict[str, Any]) -> int:
    """Attach the sidecars that arrived before `item` (earlier imports), then read them; returns how many."""
    attached = 0
    for waiting in catalog.waiting_companions(conn):
        main = main_of(conn, waiting["original_name"], waiting["source_path"])
        if main is not None and main["sha256"] == item["sha256"]:
            catalog.attach_companion(conn, waiting["sha256"], item["sha256"])
            attached += 1
    if attached:
        apply_sidecars(conn, root, item["sha256"])
    return attached


def same_shot(raw: dict[str, Any], still: dict[str, Any]) -> bool:  # raw: or a Live Photo's motion
    """Same device, same stem, same capture second (sub-seconds too when both carry them)."""
    if raw["device"] != still["device"] or not raw["camera_time"] or not still["camera_time"]:
        return False
    if PurePath(raw["original_name"]).stem.lower() != PurePath(still["original_name"]).stem.lower():
        return False
    a, b = raw["camera_time"], still["camera_time"]
    if a[:19] != b[:19]:
        return False
    return len(a) == 19 or len(b) == 19 or a == b


def same_live_photo(clip: dict[str, Any], still: dict[str, Any]) -> bool | None:
    """Apple's ContentIdentifier decides when both files carry it (True or False); None: compare stem and second."""
    if clip.get("content_id") and still.get("content_id"):
        return bool(clip["content_id"] == still["content_id"])
    return None


LIVE_MAX_SECONDS = 6.0  # a Live Photo's motion lasts about 3 s; a longer clip is a video of its own


def _role(companion: dict[str, Any], still: dict[str, Any]) -> str | None:
    """raw or motion when `companion` can belong to `still`, else None."""
    if still["media_type"] != "photo" or still["format"] not in PAIR_STILLS:
        return None
    if companion["media_type"] == "raw":
        return "raw"
    if companion["media_type"] == "video" and (companion["duration"] or 0) <= LIVE_MAX_SECONDS:
        return "motion"  # a Live Photo's MOV: same stem and second as its HEIC or JPEG
    return None


def pair_raws(conn: Any, root: Path, import_id: int) -> list[tuple[str, str, str]]:
    """Make each RAW of a pair (and each Live Photo's motion clip) the companion of its photo.

    Returns (companion sha256, photo sha256, role) for every pair made.
    """
    paired = []
    for row in catalog.photos_of_import(conn, import_id):
        if row["media_type"] not in ("raw", "photo", "video") or catalog.get_companion(conn, row["sha256"]):
            continue
        candidates = catalog.photos_by_content_id(conn, row["content_id"]) if row.get("content_id") else []
        candidates += catalog.photos_by_stem(conn, PurePath(row["original_name"]).stem)
        for other in candidates:
            if other["sha256"] == row["sha256"]:
                continue
            companion, still = (other, row) if row["media_type"] == "photo" else (row, other)
            role = _role(companion, still)
            if role is None or catalog.get_companion(conn, companion["sha256"]):
                continue
            linked = same_live_photo(companion, still) if role == "motion" else None
            if not (same_shot(companion, still) if linked is None else linked):
                continue
            catalog.demote_to_companion(conn, companion, still["sha256"], role)
            apply_sidecars(conn, root, still["sha256"])  # the RAW's .xmp now speaks for the item
            paired.append((companion["sha256"], still["sha256"], role))
            break
    return paired


def apply_sidecars(conn: Any, root: Path, item_sha256: str) -> bool:
    """What the item's .xmp says wins over the embedded values: title, description, rating, keywords, date.

    The date's source becomes `xmp_sidecar` (the JSON's `date_source`); True when something changed.
    """
    item = catalog.get_photo(conn, item_sha256)
    if item is None:
        return False
    changes = {k: v for k, v in sidecar_columns(conn, root, item_sha256).items() if item.get(k) != v}
    if "orientation" in changes:
        changes.update(_reoriented(root, item, changes.pop("orientation")))
    if changes:
        catalog.update_photos(conn, [(item["id"], changes)])
    return bool(changes)


def sidecar_columns(conn: Any, root: Path, item_sha256: str) -> dict[str, Any]:
    """The catalog columns the item's .xmp sidecars set (an orientation among them, see _reoriented)."""
    columns: dict[str, Any] = {}
    for row in catalog.companions_of(conn, item_sha256):
        if row["format"] != "xmp":
            continue
        try:
            facts = sidecar.parse_xmp(storage.resolve_inside(root, row["path"]).read_bytes()[: sidecar.XMP_LIMIT + 1])
        except (OSError, NotFound):
            continue  # a sidecar gone from media/: `gallery check` reports it
        columns.update(_facts_to_columns(facts))
        if facts.orientation in ORIENTATIONS:
            columns["orientation"] = facts.orientation
    return columns


ORIENTATIONS = (2, 3, 4, 5, 6, 7, 8)  # a sidecar's tiff:Orientation that turns the picture


def _reoriented(root: Path, item: Mapping[str, Any], orientation: int) -> dict[str, Any]:
    """A sidecar's orientation, when the original's own EXIF has none (the same rule as an embedded
    XMP's): the grid image is made again turned, the viewer's is removed (made again when asked),
    and the stored sizes follow. Empty when the EXIF has its own or the picture cannot be made."""
    if item["media_type"] != "photo" or item["format"] not in PILLOW_FORMATS:
        return {}  # a RAW's preview and a video's poster are turned by their own metadata
    thumbs_dir = root / "thumbnails"
    try:
        source = storage.resolve_inside(root, item["path"])
        with thumbs.open_image(source, item["format"]) as image:
            if thumbs.own_orientation(image) is not None:
                return {}
        rendered = thumbs.make_derivative(
            thumbs_dir, item["sha256"], source, item["format"], thumbs.GRID, fresh=True, orientation=orientation
        )
    except (OSError, NotFound, ValueError, SyntaxError, Image.DecompressionBombError):
        return {}  # the import's own picture stays; `gallery check` reports a missing original
    (thumbs_dir / thumbs.derivative_path(item["sha256"], thumbs.VIEWER)).unlink(missing_ok=True)
    return {
        "orientation": orientation,
        "width": rendered.width,
        "height": rendered.height,
        "grid_width": rendered.derivative_width,
        "grid_height": rendered.derivative_height,
        "placeholder": rendered.placeholder,
        "sharpness": rendered.sharpness,
    }


def _facts_to_columns(facts: sidecar.XmpFacts) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name in ("title", "description", "rating"):
        if getattr(facts, name) is not None:
            columns[name] = getattr(facts, name)
    if facts.description is not None and text.is_boilerplate(facts.description):
        del columns["description"]  # an editor's copy of « OLYMPUS DIGITAL CAMERA » corrects nothing
    if facts.keywords:
        columns["keywords"] = json.dumps(list(facts.keywords), ensure_ascii=False)
    if facts.local_time is not None:
        columns.update(
            camera_time=facts.local_time.isoformat(), camera_offset=facts.offset_minutes, date_source="xmp_sidecar"
        )
    return columns
