"""Share links for private albums: create (token, optional password and expiry), list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, time

from . import albums, catalog
from .errors import BadRequest, NotFound


def create(conn: catalog.Connection, slug: str, expires: str | None = None, password: str | None = None) -> str:
    """A new share link's token (shown once: only its hash is kept)."""
    from .passwords import hash_password, new_token, token_hash

    album = albums.find_album(conn, slug)
    token = new_token()
    password_hash = hash_password(password) if password else None
    hint = "password" if password else ""
    catalog.add_share(conn, token_hash(token), album["id"], password_hash, _expiry(expires), hint)
    return token


def _expiry(text: str | None) -> str | None:
    """'2026-12-31' (end of that day, UTC) or a full ISO date-time; must be in the future."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not a date like 2026-12-31") from None
    if len(text) <= 10:
        moment = datetime.combine(moment.date(), time(23, 59, 59))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment <= datetime.now(UTC):
        raise BadRequest("the expiry date is already past")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def revoke(conn: catalog.Connection, slug_or_token: str | None, share_id: int | None = None) -> int:
    """Revoke every link of an album (by slug), one link (by token or id); returns how many."""
    from .passwords import token_hash

    if share_id:
        return catalog.revoke_shares(conn, share_id=share_id)
    album = catalog.get_album(conn, slug_or_token or "")
    if album is not None:
        return catalog.revoke_shares(conn, album_id=album["id"])
    count = catalog.revoke_shares(conn, token_hash=token_hash(slug_or_token or ""))
    if not count:
        raise NotFound("no album or active share link matches")
    return count
