"""Who may see what. One place decides, for pages, API, derivatives, originals and ZIP alike.

A visitor is anonymous, an admin (a signed session cookie), or holds share tokens (up to
auth.MAX_SHARES links, each scoped to exactly one album and checked on every request). Anything a visitor may not see answers 404, like something that does not
exist, so that private albums do not leak their existence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import catalog
from ..errors import NotFound
from ..rows import AlbumRow


@dataclass(frozen=True)
class Viewer:
    user: str | None = None  # a logged-in admin
    shares: tuple[tuple[int, str], ...] = ()  # (album id, token) of every valid share link this browser holds

    @property
    def is_admin(self) -> bool:
        return self.user is not None

    def opens(self, album_id: int | None) -> bool:
        """Does one of this visitor's share links open that album?"""
        return album_id is not None and any(album == album_id for album, _ in self.shares)

    def token_for(self, album_id: int | None) -> str | None:
        return next((token for album, token in self.shares if album == album_id), None)


ANONYMOUS = Viewer()


def can_see_album(album: Mapping[str, Any] | None, viewer: Viewer) -> bool:
    if album is None or album.get("merged_into") is not None:
        return False
    if viewer.is_admin:
        return True
    return bool(album["published"]) or viewer.opens(album["id"])


def shows_positions(viewer: Viewer, album_shows_location: object) -> bool:
    """May this viewer see positions (coordinates, GPS in originals)? Admins always; others where the album shows them."""
    return viewer.is_admin or bool(album_shows_location)


def moved_album(conn: catalog.Connection, slug: str, viewer: Viewer) -> AlbumRow | None:
    """The album an old slug (renamed, merged away) leads to, if this viewer may see it (H18).

    None otherwise: a private album's new slug is never told, the caller answers 404 as before."""
    target = catalog.album_moved_to(conn, slug)
    return target if can_see_album(target, viewer) else None


def visible_album(conn: catalog.Connection, slug: str, viewer: Viewer) -> AlbumRow:
    album = catalog.get_album(conn, slug)
    if not can_see_album(album, viewer):
        raise NotFound("album not found")
    assert album is not None
    return album


def visible_photo(conn: catalog.Connection, sha256: str, viewer: Viewer) -> dict[str, Any]:
    """The photo, if the viewer may see it: in an album they may see, and not hidden (admins see all)."""
    photo = catalog.photo_with_album(conn, sha256)
    if photo is None:
        raise NotFound("photo not found")
    if viewer.is_admin:
        return photo
    album = {"id": photo["album_id"], "published": photo["album_published"], "merged_into": photo["album_merged_into"]}
    if photo["album_id"] is None or photo["hidden"] or not can_see_album(album, viewer):
        raise NotFound("photo not found")
    return photo


class PublicIndex:
    """The set of sha256 anonymous visitors may see, reloaded as soon as the catalog changes.

    Checked on every derivative request (PRAGMA data_version costs microseconds), so that an
    unpublished album or a hidden photo stops serving at once, with no stale cache.
    """

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.version = -1
        self.shas: frozenset[str] = frozenset()
        self.conn: catalog.Connection | None = None

    def contains(self, sha256: str) -> bool:
        """Only ever called from the event loop's thread (its connection is not shared)."""
        if self.conn is not None and catalog.is_stale(self.conn):
            self.conn.close()
            self.conn, self.version = None, -1
        if self.conn is None:
            if not self.db_path.exists():
                return False
            self.conn = catalog.connect(self.db_path, readonly=True)
        version = catalog.data_version(self.conn)
        if version != self.version:
            self.shas = frozenset(catalog.public_photo_shas(self.conn))
            self.version = version
        return sha256 in self.shas

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
