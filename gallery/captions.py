"""Captions written by staff: one line of plain text, public, winning over the file's own words.

An XMP title or description (and a camera's ImageDescription) stays private: only what a person
typed here is shown to visitors, in the viewer, as the image's alt text, in JSON and in search.
"""

from __future__ import annotations

import re
import unicodedata

from . import catalog
from .errors import BadRequest, NotFound

MAX_LENGTH = 500  # characters: a caption, not an article (the album's description is for that)
SPACES = re.compile(r"\s+")


def clean_caption(text: str) -> str | None:
    """One line without control characters; None (no caption) when nothing is left."""
    printable = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)  # ZWJ emoji stay whole
    line = SPACES.sub(" ", printable).strip()
    if len(line) > MAX_LENGTH:
        raise BadRequest(f"a caption has at most {MAX_LENGTH} characters")
    return line or None


def set_caption(conn: catalog.Connection, sha256: str, text: str) -> str | None:
    """Write (or clear) the caption of a photo outside the trash; returns what was kept."""
    caption = clean_caption(text)
    if not catalog.set_caption(conn, sha256, caption):
        raise NotFound("no such photo")
    return caption


def file_words(photo: dict[str, object]) -> str:
    """What the file itself says (XMP title, else its description): offered to staff, never shown publicly."""
    return str(photo.get("title") or photo.get("description") or "").strip()
