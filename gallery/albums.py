"""Albums: regrouping written to the catalog, and the edits people make to albums.

The rules of regrouping live in `gallery/regroup.py` as a pure plan; here the catalog is read,
the plan is made and `apply` writes it. `regroup(conn)` is a full pass; `regroup(conn, touched)`
regroups only the segments of time (see `events.segments`) that the touched photos were or are
in, which gives the same albums as a full pass and costs what the change costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import catalog, events, missions, text
from . import regroup as regrouping
from .errors import BadRequest, NotFound
from .regroup import default_title, derived_fields, pick_cover, slugify, split_dated, unique_slug
from .rows import AlbumRow

__all__ = ["default_title", "derived_fields", "pick_cover", "slugify", "split_dated", "unique_slug"]


def regroup(
    conn: catalog.Connection,
    touched: Collection[int] | None = None,
    times: Collection[float] = (),
    also: Collection[int] = (),
) -> dict[str, int]:
    """Group photos into events and bring the albums in line; returns counts.

    `touched`: the photos a change concerns (None: every photo, a full pass); `times`: instants
    (UTC seconds) they were at before the change, whose segments are regrouped too; `also`:
    albums to recompute whatever happens (one that an edit emptied).
    """
    with catalog.transaction(conn):
        made = make_plan(conn, touched, times, also)
        apply(conn, made)
    return made.counts


def regroup_all(conn: catalog.Connection, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """A full pass that never holds the archive: one segment of time after the other, then the
    undated photos and the albums left empty. Memory follows the largest segment, not the archive."""
    mission_data = missions_from_catalog(conn)
    dated = sorted(
        (datetime.fromisoformat(row["taken_at_utc"]).timestamp(), row["id"])
        for row in catalog.iter_dating(conn)
        if regrouping.is_dated(row)
    )
    bounds = events.segments([t for t, _ in dated], mission_data.programme)
    totals = {"albums": 0, "new_albums": 0, "removed_albums": 0}
    for done, (first, last) in enumerate(bounds):
        counts = regroup(conn, [photo_id for _, photo_id in dated[first:last]])
        for key in ("new_albums", "removed_albums"):
            totals[key] += counts[key]
        if progress:
            progress(done + 1, len(bounds))
    del dated
    undated = [row["id"] for row in catalog.iter_dating(conn, with_undated=True) if not regrouping.is_dated(row)]
    counts = regroup(conn, undated, also=catalog.empty_album_ids(conn))
    totals["new_albums"] += counts["new_albums"]
    totals["removed_albums"] += counts["removed_albums"]
    totals["albums"] = len(catalog.list_albums(conn))
    return totals


def make_plan(
    conn: catalog.Connection,
    touched: Collection[int] | None = None,
    times: Collection[float] = (),
    also: Collection[int] = (),
) -> regrouping.Plan:
    """Read what the plan needs from the catalog: everything, or only the segments of the change."""
    mission_data = missions_from_catalog(conn)
    album_rows = catalog.album_rows(conn)
    splits = [regrouping.Split(r["album_id"], r["at_utc"], r["new_album_id"]) for r in catalog.splits(conn)]
    if touched is None:
        photos = [p for p in catalog.iter_photos(conn) if not p.get("trashed_at")]  # the trash is in no album
        edits = regrouping.Edits(_memberships(catalog.memberships(conn)), splits)
        return regrouping.plan(photos, album_rows, edits, mission_data)
    scope = scope_of(conn, touched, times, mission_data.programme)
    while True:
        rows = catalog.get_photos(conn, sorted(scope))
        photos = [p for p in rows if not p.get("trashed_at")]
        scope -= {p["id"] for p in rows if p.get("trashed_at")}  # a trashed photo is in no album (H14)
        edits = regrouping.Edits(_memberships(catalog.memberships_of(conn, sorted(scope))), splits)
        outside = _Outside(conn, scope)
        made = regrouping.plan(
            photos,
            album_rows,
            edits,
            mission_data,
            taken_slugs=catalog.slugs_in_use(conn),
            scope=scope,
            outside=outside,
            also=also,
        )
        # an event album the change touches that also holds photos elsewhere (moved there, merged,
        # split): those photos and their segments join the scope, so that its reasons are whole too.
        # « Autres photos » and « Non datées » have one reason each, whatever the segment: their
        # other photos are only counted (unless an album was merged into them).
        merged_into = {a["merged_into"] for a in album_rows if a["merged_into"] is not None}
        kinds = {a["id"]: a["kind"] for a in album_rows}
        more = {
            p["id"]
            for album_id, rows in outside.cache.items()
            if kinds.get(album_id) == "event" or album_id in merged_into
            for p in rows
        }
        if not more:
            return made
        scope = scope_of(conn, scope | more, times, mission_data.programme)


def scope_of(
    conn: catalog.Connection,
    touched: Collection[int],
    times: Collection[float],
    programme: Sequence[events.ProgrammeEvent],
) -> set[int]:
    """The touched photos, and every dated photo of the segments they (or `times`) fall in.

    Each segment is found by walking the time index out from the instant until a gap that
    separates segments (`events.is_boundary`): what is read follows the segment, not the archive.
    It is walked twice: with the touched photos, and without them, as it was before they came
    (H28: new photos can cut a segment in two, when they shorten a gap a programme window had
    bridged: the segment beyond the cut then starts anew, and its first event's reason changes).
    """
    scope = set(touched)
    skip = frozenset(touched)
    instants = set(times)
    for photo in catalog.get_photos(conn, sorted(touched)):
        if regrouping.is_dated(photo):
            instants.add(datetime.fromisoformat(photo["taken_at_utc"]).timestamp())
    for without in ((), skip) if skip else ((),):  # now, then as it was before the touched photos came
        covered: list[tuple[float, float]] = []
        for instant in sorted(instants):
            if any(low <= instant <= high for low, high in covered):
                continue
            start = datetime.fromtimestamp(instant, UTC).isoformat()
            low_iso, passed_low = _walk(conn, start, instant, programme, later=False, skip=without)
            high_iso, passed_high = _walk(conn, start, instant, programme, later=True, skip=without)
            if not without:  # now, an instant where no photo is (a moved photo's old time, a window's
                # edge) also as the gap it lies in: a window elsewhere in that gap may bridge it whole
                low_iso = min(low_iso, _walk(conn, start, instant, programme, later=False, virtual=False)[0])
                high_iso = max(high_iso, _walk(conn, start, instant, programme, later=True, virtual=False)[0])
            covered.append((passed_low, passed_high))  # photos walked over (skipped ones too) need no walk
            scope.update(r["id"] for r in catalog.dating_between(conn, low_iso, high_iso) if regrouping.is_dated(r))
    return scope


def _walk(
    conn: catalog.Connection,
    start: str,
    instant: float,
    programme: Sequence[events.ProgrammeEvent],
    later: bool,
    skip: Collection[int] = (),
    virtual: bool | None = None,
) -> tuple[str, float]:
    """From `instant`, the ISO time of the last dated photo reached before a segment boundary, and
    the time of the last one walked over (the photos in `skip` are walked over as if not there).

    `virtual`: the first gap is measured from `instant` as if a photo were there (the world with
    the touched photos); otherwise from the nearest photo on the other side of it (the gap the
    instant lies in, where a window anywhere bridges it whole: the world without them). By default
    virtual unless photos are skipped (the walk "as it was before they came")."""
    if virtual is None:
        virtual = not skip
    edge: float | None = instant if virtual else _nearest(conn, start, not later, skip)
    edge_iso, passed = start, instant
    for row in catalog.dating_from(conn, start, later):
        if not regrouping.is_dated(row):
            continue
        moment = datetime.fromisoformat(row["taken_at_utc"]).timestamp()
        if row["id"] in skip:
            passed = moment
            continue
        if edge is None:  # nothing on the other side: no segment holds the instant
            break
        before, after = (edge, moment) if later else (moment, edge)
        if events.is_boundary(before, after, programme):
            break
        edge, edge_iso, passed = moment, row["taken_at_utc"], moment
    return edge_iso, passed


def _nearest(conn: catalog.Connection, start: str, later: bool, skip: Collection[int]) -> float | None:
    """The time of the nearest dated photo from `start` on that side (those in `skip` not there)."""
    for row in catalog.dating_from(conn, start, later):
        if regrouping.is_dated(row) and row["id"] not in skip:
            return datetime.fromisoformat(row["taken_at_utc"]).timestamp()
    return None


class _Outside(Mapping[int, list[dict[str, Any]]]):
    """The photos an album holds outside the scope, read from the catalog when the plan asks."""

    def __init__(self, conn: catalog.Connection, scope: Collection[int]) -> None:
        self.conn, self.scope, self.cache = conn, set(scope), dict[int, list[dict[str, Any]]]()

    def __getitem__(self, album_id: int) -> list[dict[str, Any]]:
        if album_id not in self.cache:
            rows = catalog.album_members(self.conn, album_id)
            self.cache[album_id] = [r for r in rows if r["id"] not in self.scope]
        return self.cache[album_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)


def _memberships(rows: Sequence[Mapping[str, Any]]) -> dict[int, regrouping.Membership]:
    return {r["photo_id"]: regrouping.Membership(r["album_id"], bool(r["pinned"]), bool(r["hidden"])) for r in rows}


def missions_from_catalog(conn: catalog.Connection) -> regrouping.Missions:
    return regrouping.Missions(
        missions.programme_events(conn),
        [regrouping.Span(*span) for span in missions.mission_span(conn)],
        {e["id"]: e for e in catalog.list_mission_events(conn)},
    )


def apply(conn: catalog.Connection, plan: regrouping.Plan) -> dict[Any, int]:
    """Write a plan (inside the caller's transaction); returns the album id of each reference."""
    emptied_others = _published_others_emptied(conn, plan)
    catalog.delete_albums(conn, plan.emptied)  # first, so that a new album may take back its slug
    ids: dict[Any, int] = {}
    for new in plan.new_albums:
        ids[new.ref] = catalog.insert_album(
            conn,
            {
                "slug": new.slug,
                "kind": new.kind,
                "title": new.slug,
                "mission_event_id": new.mission_event_id,
                "mission_id": new.mission_id,
                "period": new.period,  # H14: the month of a mission-less « Autres photos »
            },
        )
    rows = [(pid, ids.get(ref, ref), int(pinned), int(hidden)) for pid, ref, pinned, hidden in plan.memberships]
    if plan.scope is None:
        catalog.set_memberships(conn, rows)  # type: ignore[arg-type]
    else:
        catalog.replace_memberships(conn, sorted(plan.scope), rows)  # type: ignore[arg-type]
    for ref, values in plan.updates.items():
        catalog.update_album(conn, ids.get(ref, ref), values)  # type: ignore[arg-type]
    catalog.delete_albums(conn, plan.removed)
    _merge_away(conn, emptied_others)
    return ids


def _published_others_emptied(conn: catalog.Connection, plan: regrouping.Plan) -> dict[int, list[int]]:
    """Published « Autres photos » albums this plan empties, with the photos they held (H18)."""
    out = {}
    for ref, values in plan.updates.items():
        if isinstance(ref, int) and values.get("photo_count") == 0:
            album = catalog.get_album_by_id(conn, ref)
            if album and album["kind"] == "others" and album["published"] and album["merged_into"] is None:
                out[ref] = [int(p["id"]) for p in catalog.album_members(conn, ref)]
    return out


def _merge_away(conn: catalog.Connection, emptied: Mapping[int, list[int]]) -> None:
    """A published « Autres photos » whose photos all went to one other album (a mission's second
    one, issue 11) is merged into it, as a person would: its address redirects there (H18)."""
    for album_id, photo_ids in emptied.items():
        now = {row["album_id"] for row in catalog.memberships_of(conn, photo_ids)}
        if len(now) == 1 and album_id not in now:
            target = now.pop()
            catalog.update_album(conn, album_id, {"merged_into": target, "published": 0, "edited": 1})
            catalog.move_album_aliases(conn, album_id, target)


# -- edits by people ----------------------------------------------------------------------------------


def find_album(conn: catalog.Connection, slug: str) -> AlbumRow:
    album = catalog.get_album(conn, slug)
    if album is None or album["merged_into"] is not None:
        raise NotFound(f"no album {slug!r} (`gallery albums` lists them)")
    return album


def find_photo(conn: catalog.Connection, sha_prefix: str) -> int:
    if not re.fullmatch(r"[0-9a-fA-F]{6,64}", sha_prefix):
        raise BadRequest(f"{sha_prefix!r} is not a sha256 (or a prefix of at least 6 hex digits)")
    found = catalog.photos_by_prefix(conn, sha_prefix.lower())
    if len(found) != 1:
        raise NotFound(f"{'no photo' if not found else 'several photos'} with sha256 {sha_prefix}...")
    return int(found[0]["id"])


def rename(conn: catalog.Connection, slug: str, title: str) -> None:
    album = find_album(conn, slug)
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"title": _clean(title, 200), "title_manual": 1, "edited": 1})
    # its segment again: an album whose title had « (matin) » to tell it from this one may lose it (H20)
    regroup(conn, [p["id"] for p in catalog.album_photos(conn, album["id"])], also=[album["id"]])


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def change_slug(conn: catalog.Connection, slug: str, new_slug: str) -> None:
    """Give an album a new address; the old one keeps answering with a redirect (H18)."""
    album = find_album(conn, slug)
    if not SLUG.fullmatch(new_slug) or len(new_slug) > 60:
        raise BadRequest(f"{new_slug!r} is not a slug: lower-case letters, digits and single dashes, at most 60")
    holder = catalog.get_album(conn, new_slug)
    if holder is not None and holder["id"] != album["id"]:
        raise BadRequest(f"the slug {new_slug!r} is taken by another album")
    with catalog.transaction(conn):
        catalog.change_album_slug(conn, album["id"], new_slug)


def describe(conn: catalog.Connection, slug: str, text: str) -> None:
    album = find_album(conn, slug)
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"description": _clean(text, 5000, multiline=True), "edited": 1})


def set_cover(conn: catalog.Connection, slug: str, sha_prefix: str) -> None:
    album, photo_id = find_album(conn, slug), find_photo(conn, sha_prefix)
    if photo_id not in {p["id"] for p in catalog.album_photos(conn, album["id"], include_hidden=False)}:
        raise BadRequest("that photo is not in this album, or it is hidden")
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"cover_id": photo_id, "cover_manual": 1, "edited": 1})


def hide(conn: catalog.Connection, slug: str, sha_prefix: str, hidden: bool = True) -> None:
    album, photo_id = find_album(conn, slug), find_photo(conn, sha_prefix)
    with catalog.transaction(conn):
        if not catalog.set_hidden(conn, album["id"], photo_id, hidden):
            raise BadRequest("that photo is not in this album")
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn, [photo_id])


def move(conn: catalog.Connection, sha_prefix: str, slug: str) -> None:
    move_many(conn, [sha_prefix], slug)


def move_many(conn: catalog.Connection, sha_prefixes: Sequence[str], slug: str) -> None:
    """Pin photos to an album (a move by hand, or an upload into it); one regroup for all."""
    album = find_album(conn, slug)
    ids = [find_photo(conn, sha) for sha in sha_prefixes]
    with catalog.transaction(conn):
        for photo_id in ids:
            catalog.set_membership(conn, photo_id, album["id"], pinned=True)
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn, ids)


def set_options(
    conn: catalog.Connection, slug: str, show_location: bool | None = None, allow_originals: bool | None = None
) -> None:
    """Per-album privacy choices: show positions publicly, let visitors download originals."""
    album = find_album(conn, slug)
    values = {}
    if show_location is not None:
        values["show_location"] = int(show_location)
    if allow_originals is not None:
        values["allow_originals"] = int(allow_originals)
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], values)


def merge(conn: catalog.Connection, into: str, source: str) -> None:
    target, merged = find_album(conn, into), find_album(conn, source)
    if target["id"] == merged["id"]:
        raise BadRequest("an album cannot be merged into itself")
    moved = [photo["id"] for photo in catalog.album_photos(conn, merged["id"])]
    with catalog.transaction(conn):
        for photo in catalog.album_photos(conn, merged["id"]):
            catalog.set_membership(conn, photo["id"], target["id"], pinned=bool(photo["pinned"]))
        catalog.update_album(conn, merged["id"], {"merged_into": target["id"], "published": 0, "edited": 1})
        catalog.move_album_aliases(conn, merged["id"], target["id"])
        catalog.update_album(conn, target["id"], {"edited": 1})
    regroup(conn, moved, also=[merged["id"]])


def split(conn: catalog.Connection, slug: str, at: datetime) -> str:
    """Photos of the album taken at or after `at` go to a new album (now and after every regroup)."""
    album = find_album(conn, slug)
    moment = at if at.tzinfo else at.replace(tzinfo=ZoneInfo(album["timezone"] or "UTC"))
    at_utc = moment.astimezone(UTC).isoformat()
    photos = catalog.album_photos(conn, album["id"])
    if not any(p["taken_at_utc"] and p["taken_at_utc"] >= at_utc for p in photos):
        raise BadRequest("no photo of this album was taken at or after that time")
    if all(p["taken_at_utc"] and p["taken_at_utc"] >= at_utc for p in photos):
        raise BadRequest("every photo of this album was taken after that time: nothing to split")
    with catalog.transaction(conn):
        new_slug = unique_slug(f"{album['slug']}-suite", catalog.slugs_in_use(conn))
        new_id = catalog.insert_album(
            conn, {"slug": new_slug, "kind": "event", "title": new_slug, "mission_id": album["mission_id"]}
        )
        catalog.update_album(conn, new_id, {"edited": 1})
        catalog.add_split(conn, album["id"], at_utc, new_id)
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn, [p["id"] for p in photos])
    return new_slug


def publish(conn: catalog.Connection, slugs: Sequence[str], published: bool = True, every: bool = False) -> int:
    albums = catalog.list_albums(conn) if every else [find_album(conn, s) for s in slugs]
    with catalog.transaction(conn):
        for album in albums:
            catalog.update_album(conn, album["id"], {"published": int(published)})
    return len(albums)


def _clean(value: str, limit: int, multiline: bool = False) -> str:
    cleaned = text.clean(value, limit, multiline)
    if not cleaned and not multiline:
        raise BadRequest("the title cannot be empty")
    return cleaned


# -- admin curation: one regroup for a whole selection ---------------------------------------------------


def hide_many(conn: catalog.Connection, slug: str, sha_prefixes: Sequence[str], hidden: bool = True) -> int:
    """Hide (or show) the ticked photos of an album; nothing changes if one of them is not in it."""
    album = find_album(conn, slug)
    ids = [find_photo(conn, sha) for sha in sha_prefixes]
    with catalog.transaction(conn):
        for photo_id in ids:
            if not catalog.set_hidden(conn, album["id"], photo_id, hidden):
                raise BadRequest("that photo is not in this album")
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn, ids)
    return len(ids)
