"""The JSON shapes shared by the CLI (`--json`) and the web API: one place, one contract."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import dates, instants


def taken_at(row: Mapping[str, Any]) -> str | None:
    """ISO 8601 capture time: with its offset when the instant is known, naive when it is not."""
    if row.get("taken_at_utc"):
        return instants.in_zone(row["taken_at_utc"], row.get("timezone")).isoformat()
    return row.get("taken_at_local") or row.get("camera_time")


def photo_json(row: Mapping[str, Any], private: bool = True) -> dict[str, Any]:
    """A photo for scripts. `private=False` is the public shape: no paths, no coordinates."""
    item: dict[str, Any] = {
        "sha256": row["sha256"],
        "original_name": row["original_name"],
        "taken_at": taken_at(row),
        "taken_at_utc": row.get("taken_at_utc"),
        "timezone": row.get("timezone"),
        "time_source": row.get("time_source"),
        "date_uncertain": dates.is_uncertain(row),
        "media_type": row.get("media_type", "photo"),
        "duration": row.get("duration"),
        "width": row["width"],
        "height": row["height"],
        "make": row.get("make"),
        "model": row.get("model"),
        "lens": row.get("lens"),
        "exposure": row.get("exposure"),
        "aperture": row.get("aperture"),
        "iso": row.get("iso"),
        "focal_length": row.get("focal_length"),
        "place": row.get("place"),
        "country": row.get("country"),
        "place_inferred": bool(row.get("place_inferred")),
        "caption": row.get("caption"),  # written by staff for visitors (H17); the file's own words stay private
    }
    if private:
        item.update(
            path=row["path"],
            source_path=row["source_path"],
            format=row["format"],
            codec=row.get("codec"),
            title=row.get("title"),  # from an XMP sidecar: a person's words, kept private like the description
            rating=row.get("rating"),
            keywords=json.loads(row["keywords"]) if row.get("keywords") else [],
            size=row["size"],
            camera_time=row.get("camera_time"),
            date_source=row.get("date_source"),
            device=row.get("device"),
            lat=row.get("lat"),
            lon=row.get("lon"),
            altitude=row.get("altitude"),
            gps_time=row.get("gps_time"),
            serial=row.get("serial"),
            venue=row.get("venue"),
        )
    return item


def iso_in_zone(utc_iso: str | None, zone: str | None) -> str | None:
    if not utc_iso:
        return None
    return instants.in_zone(utc_iso, zone).isoformat()  # stored instants are UTC: as stored without a zone


def album_json(album: Mapping[str, Any], photos: Sequence[Mapping[str, Any]], private: bool = True) -> dict[str, Any]:
    """`gallery albums --json` and the API: slug, title, ..., photos [{sha256, original_name, taken_at}]."""
    return {
        "slug": album["slug"],
        "title": album["title"],
        "description": album["description"],
        "start": iso_in_zone(album["start_utc"], album["timezone"]),
        "end": iso_in_zone(album["end_utc"], album["timezone"]),
        "place": album["place"],
        "country": album["country"],
        "mission": album.get("mission"),
        "published": bool(album["published"]),
        "cover": album.get("cover_sha256"),
        "kind": album["kind"],
        "photo_count": len(photos),
        "photos": [photo_json(p, private) for p in photos],
    }
