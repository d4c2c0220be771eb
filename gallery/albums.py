"""Albums: one per event, kept stable across regroupings, where people's edits always win.

`regroup` recomputes events from the catalog, then maps them onto the albums that exist:

* a programme event keeps the album tied to it;
* an automatic event keeps the album that holds most of its photos (new photos join it);
* a merged album forwards to the album it was merged into; a split album sends the photos
  after its split time to the album the split created;
* a photo moved by hand stays where it was put, a hidden photo stays hidden, a title, a
  description or a cover set by hand is never recomputed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import catalog, dates, events, i18n, text
from .errors import BadRequest, NotFound

BURST_SECONDS = 5.0


@dataclass
class Target:
    """Where a set of photos goes: an existing album id, or a new album described by `spec`."""

    album_id: int | None
    spec: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> Any:
        return self.album_id if self.album_id is not None else json.dumps(self.spec, sort_keys=True)


def regroup(conn: sqlite3.Connection) -> dict[str, int]:
    """Group every dated photo into events and bring the albums in line; returns counts."""
    from . import missions

    photos = [p for p in catalog.iter_photos(conn) if not p.get("trashed_at")]  # the trash is in no album
    by_id = {p["id"]: p for p in photos}
    items, undated = split_dated(photos)
    programme = missions.programme_events(conn)
    groups = events.group_into_events(items, programme, lambda i: by_id[i]["place"])
    spans = missions.mission_span(conn)
    mission_events = {e["id"]: e for e in catalog.list_mission_events(conn)}
    with catalog.transaction(conn):
        albums = {a["id"]: a for a in catalog.album_rows(conn)}
        previous = {m["photo_id"]: m for m in catalog.memberships(conn)}
        targets = _targets(groups, undated, albums, previous, spans, by_id)
        assignment = _apply_people(targets, albums, previous, catalog.splits(conn), by_id)
        emptied = [a for a in albums if not assignment.get(a) and _disposable(albums[a])]
        catalog.delete_albums(conn, emptied)  # first, so that a new album may take back its slug
        albums = {k: v for k, v in albums.items() if k not in emptied}
        album_ids = _create_albums(conn, assignment, targets, albums, mission_events, by_id)
        hidden = {pid for pid, m in previous.items() if m["hidden"]}
        pinned = {pid for pid, m in previous.items() if m["pinned"] and albums.get(m["album_id"])}
        catalog.set_memberships(
            conn,
            [
                (pid, album_ids[key], int(pid in pinned), int(pid in hidden))
                for key, ids in assignment.items()
                for pid in ids
            ],
        )
        counts = _refresh_albums(conn, assignment, targets, album_ids, albums, by_id, mission_events, spans, hidden)
    return counts


def split_dated(photos: Iterable[dict[str, Any]]) -> tuple[list[events.Item], list[int]]:
    """Photos with a real instant become items; the rest (no time, mtime, day-only) are undated."""
    items, undated = [], []
    for photo in photos:
        weak = photo["time_source"] == "unknown" or dates.is_uncertain(photo) or photo["date_source"] == "filename_day"
        if photo["taken_at_utc"] and not weak:
            items.append(
                events.Item(
                    photo["id"],
                    datetime.fromisoformat(photo["taken_at_utc"]).timestamp(),
                    photo["place_lat"],
                    photo["place_lon"],
                    bool(photo["place_inferred"]),
                )
            )
        else:
            undated.append(photo["id"])
    return items, undated


def _targets(
    groups: Sequence[events.Group],
    undated: list[int],
    albums: dict[int, dict[str, Any]],
    previous: dict[int, dict[str, Any]],
    spans: list[tuple[int, str, float, float]],
    by_id: dict[int, dict[str, Any]],
) -> dict[Any, tuple[Target, list[int]]]:
    out: dict[Any, tuple[Target, list[int]]] = {}

    def add(target: Target, ids: list[int]) -> None:
        target = _forward(target, albums)
        known = out.setdefault(target.key, (target, []))
        known[0].reasons.extend(r for r in target.reasons if r not in known[0].reasons)
        known[1].extend(ids)

    by_event = {a["mission_event_id"]: a["id"] for a in albums.values() if a["mission_event_id"] is not None}
    for index, group in enumerate(groups):
        if group.programme is not None:
            add(
                Target(by_event.get(group.programme), {"kind": "event", "programme": group.programme}, group.reasons),
                group.ids,
            )
        elif group.others:
            for mission, ids in _by_mission(group.ids, spans, by_id).items():
                album = next(
                    (
                        a["id"]
                        for a in albums.values()
                        if a["kind"] == "others" and a["mission_id"] == mission and a["merged_into"] is None
                    ),
                    None,
                )
                add(Target(album, {"kind": "others", "mission": mission}, group.reasons), ids)
        else:
            add(
                Target(_best_overlap(group.ids, previous, albums), {"kind": "event", "auto": index}, group.reasons),
                group.ids,
            )
    if undated:
        album = next((a["id"] for a in albums.values() if a["kind"] == "undated"), None)
        add(Target(album, {"kind": "undated"}, ["photos without a reliable date"]), undated)
    return out


def _forward(target: Target, albums: dict[int, dict[str, Any]]) -> Target:
    """A merged album hands its photos to the album it was merged into."""
    seen = set()
    album_id = target.album_id
    while album_id is not None and albums[album_id]["merged_into"] is not None and album_id not in seen:
        seen.add(album_id)
        album_id = albums[album_id]["merged_into"]
    return target if album_id == target.album_id else Target(album_id, target.spec, target.reasons)


def _best_overlap(ids: list[int], previous: dict[int, dict[str, Any]], albums: dict[int, dict[str, Any]]) -> int | None:
    votes = Counter(
        previous[i]["album_id"]
        for i in ids
        if i in previous
        and albums[previous[i]["album_id"]]["kind"] == "event"
        and albums[previous[i]["album_id"]]["mission_event_id"] is None
    )
    if not votes:
        return None
    return min(votes, key=lambda album: (-votes[album], album))


def _by_mission(
    ids: list[int], spans: list[tuple[int, str, float, float]], by_id: dict[int, dict[str, Any]]
) -> dict[int | None, list[int]]:
    out: dict[int | None, list[int]] = defaultdict(list)
    for photo_id in ids:
        out[_mission_at(_timestamp(by_id[photo_id]), spans)].append(photo_id)
    return out


def _mission_at(when: float | None, spans: list[tuple[int, str, float, float]]) -> int | None:
    if when is None:
        return None
    return next((mission for mission, _, start, end in spans if start <= when <= end), None)


def _timestamp(photo: dict[str, Any]) -> float | None:
    return datetime.fromisoformat(photo["taken_at_utc"]).timestamp() if photo["taken_at_utc"] else None


def _apply_people(
    targets: dict[Any, tuple[Target, list[int]]],
    albums: dict[int, dict[str, Any]],
    previous: dict[int, dict[str, Any]],
    split_rules: list[dict[str, Any]],
    by_id: dict[int, dict[str, Any]],
) -> dict[Any, list[int]]:
    """Pinned photos stay where people put them; photos after a split time go to the split's album."""
    assignment: dict[Any, list[int]] = defaultdict(list)
    self_targets = {key: target for key, (target, _) in targets.items()}  # every target gets an entry
    rules: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for rule in split_rules:
        rules[rule["album_id"]].append((datetime.fromisoformat(rule["at_utc"]).timestamp(), rule["new_album_id"]))
    for key, (_, ids) in targets.items():
        for photo_id in ids:
            kept = previous.get(photo_id)
            if kept and kept["pinned"] and kept["album_id"] in albums:
                assignment[kept["album_id"]].append(photo_id)
                continue
            assignment[_after_splits(key, _timestamp(by_id[photo_id]), rules, albums)].append(photo_id)
    for key in self_targets:
        assignment.setdefault(key, [])
    return dict(assignment)


def _after_splits(
    key: Any, when: float | None, rules: dict[int, list[tuple[float, int]]], albums: dict[int, dict[str, Any]]
) -> Any:
    seen = set()
    while isinstance(key, int) and key in rules and when is not None and key not in seen:
        seen.add(key)
        later = [new for at, new in sorted(rules[key]) if when >= at and new in albums]
        if not later:
            break
        key = later[-1]
    return key


# -- creating and refreshing albums ---------------------------------------------------------------


def _create_albums(
    conn: sqlite3.Connection,
    assignment: dict[Any, list[int]],
    targets: dict[Any, tuple[Target, list[int]]],
    albums: dict[int, dict[str, Any]],
    mission_events: dict[int, dict[str, Any]],
    by_id: dict[int, dict[str, Any]],
) -> dict[Any, int]:
    """Album ids for every assignment key; new albums get a readable, unique, stable slug."""
    ids: dict[Any, int] = {}
    taken = catalog.slugs_in_use(conn)
    for key in sorted(assignment, key=str):
        if isinstance(key, int):
            ids[key] = key
            continue
        photos = assignment[key]
        if not photos:
            continue
        spec = targets[key][0].spec
        slug = unique_slug(_slug_base(spec, [by_id[i] for i in photos], mission_events), taken)
        taken.add(slug)
        event = mission_events.get(spec.get("programme", -1))
        ids[key] = catalog.insert_album(
            conn,
            {
                "slug": slug,
                "kind": spec["kind"],
                "title": slug,
                "mission_event_id": event["id"] if event else None,
                "mission_id": event["mission_id"] if event else spec.get("mission"),
            },
        )
    return ids


def _disposable(album: dict[str, Any]) -> bool:
    """An album nobody published or edited, and that nothing points to, may vanish when empty."""
    return not album["published"] and not album["edited"] and album["merged_into"] is None


def _slug_base(spec: dict[str, Any], photos: list[dict[str, Any]], mission_events: dict[int, dict[str, Any]]) -> str:
    if spec["kind"] == "undated":
        return "non-datees"
    if spec["kind"] == "others":
        return "autres-photos"
    event = mission_events.get(spec.get("programme", -1))
    if event:
        return f"{slugify(event['name'])}-{event['start_utc'][:4]}"
    first = min(photos, key=lambda p: p["taken_at_utc"] or "")
    place = Counter(p["place"] for p in photos if p["place"]).most_common(1)
    day = (first["taken_at_local"] or first["taken_at_utc"] or "")[:10]
    return f"{slugify(place[0][0]) if place else 'album'}-{day}"


def slugify(text: str) -> str:
    """« Mêlée numérique » -> 'melee-numerique' (ASCII, lower case, at most 60 characters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "album"


def unique_slug(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _refresh_albums(
    conn: sqlite3.Connection,
    assignment: dict[Any, list[int]],
    targets: dict[Any, tuple[Target, list[int]]],
    album_ids: dict[Any, int],
    before: dict[int, dict[str, Any]],
    by_id: dict[int, dict[str, Any]],
    mission_events: dict[int, dict[str, Any]],
    spans: list[tuple[int, str, float, float]],
    hidden: set[int],
) -> dict[str, int]:
    albums = {a["id"]: a for a in catalog.album_rows(conn)}
    filled: dict[int, list[int]] = defaultdict(list)
    reasons: dict[int, list[str]] = defaultdict(list)
    for key, ids in assignment.items():
        if key in album_ids:
            filled[album_ids[key]].extend(ids)
            if key in targets:
                reasons[album_ids[key]].extend(targets[key][0].reasons)
    missions = {m: title for m, title, _, _ in spans}
    removed, planned = [], {}
    for album_id, album in albums.items():
        photos = sorted((by_id[i] for i in filled.get(album_id, [])), key=lambda p: (p["taken_at_utc"] or "", p["id"]))
        if not photos and _disposable(album):
            removed.append(album_id)
            continue
        visible = [p for p in photos if p["id"] not in hidden]
        planned[album_id] = derived_fields(album, visible, mission_events, missions, spans, reasons.get(album_id, []))
    _tell_apart(planned, albums)
    for album_id, values in planned.items():
        catalog.update_album(conn, album_id, {k: v for k, v in values.items() if albums[album_id].get(k) != v})
    catalog.delete_albums(conn, removed)
    return {
        "albums": len(planned),
        "new_albums": len(set(album_ids.values()) - set(before)),
        "removed_albums": len(removed) + len(set(before) - set(albums)),
    }


def _tell_apart(planned: dict[int, dict[str, Any]], albums: dict[int, dict[str, Any]]) -> None:
    """Two automatic titles alike (« Marseille, 18 septembre 2017 »): add the part of the day."""
    by_title: dict[str, list[int]] = defaultdict(list)
    for album_id, values in planned.items():
        if "title" in values and albums[album_id]["kind"] == "event":
            by_title[values["title"]].append(album_id)
    for ids in by_title.values():
        if len(ids) < 2:
            continue
        for album_id in ids:
            values = planned[album_id]
            if values["start_utc"]:
                hour = (
                    datetime.fromisoformat(values["start_utc"]).astimezone(ZoneInfo(values["timezone"] or "UTC")).hour
                )
                values["title"] += " (matin)" if hour < 12 else (" (après-midi)" if hour < 18 else " (soir)")


def derived_fields(
    album: dict[str, Any],
    photos: list[dict[str, Any]],
    mission_events: dict[int, dict[str, Any]],
    missions: dict[int, str],
    spans: list[tuple[int, str, float, float]],
    reasons: list[str],
) -> dict[str, Any]:
    """What regrouping recomputes for an album from its visible photos: never a field set by hand.

    Hidden photos count nowhere (count, dates, place, cover): a hand-chosen cover that is hidden
    later gives way to an automatic one.
    """
    zone = _main_zone(photos)
    # an uncertain date (an mtime: "today") never stretches an album's range, even in an album it was put in
    dated = [p for p in photos if p["taken_at_utc"] and not dates.is_uncertain(p) and album["kind"] != "undated"]
    start = min((p["taken_at_utc"] for p in dated), default=None)
    end = max((p["taken_at_utc"] for p in dated), default=None)
    places = Counter((p["place"], p["country"]) for p in photos if p["place"])
    place, country = places.most_common(1)[0][0] if places else (None, None)
    mission_id = album["mission_id"]
    if album["mission_event_id"] is None and album["kind"] == "event" and start:
        mission_id = _mission_at(datetime.fromisoformat(start).timestamp(), spans)
    values: dict[str, Any] = {
        "photo_count": len(photos),
        "start_utc": start,
        "end_utc": end,
        "timezone": zone,
        "place": place,
        "country": country,
        "mission_id": mission_id,
        "explain": json.dumps(reasons or json.loads(album["explain"] or "[]"), ensure_ascii=False),
    }
    if not album["title_manual"]:
        values["title"] = default_title(album, start, end, zone, place, mission_events, missions.get(mission_id or -1))
    if not album["cover_manual"] or album["cover_id"] not in {p["id"] for p in photos}:
        values["cover_id"], values["cover_manual"] = pick_cover(photos), 0
    return values


def _main_zone(photos: list[dict[str, Any]]) -> str | None:
    zones = Counter(p["timezone"] for p in photos if p["timezone"])
    return zones.most_common(1)[0][0] if zones else None


def default_title(
    album: dict[str, Any],
    start: str | None,
    end: str | None,
    zone: str | None,
    place: str | None,
    mission_events: dict[int, dict[str, Any]],
    mission: str | None,
    lang: str = "fr",
) -> str:
    """« Revoir la Mêlée numérique en images », « Toulouse, 19 et 20 septembre 2017 », « Autres photos »."""
    if album["kind"] == "undated":
        return i18n.text("undated", lang)
    if album["kind"] == "others":
        return i18n.text("others", lang) + (f" — {mission}" if mission else "")
    event = mission_events.get(album["mission_event_id"] or -1)
    if event:
        return event["title"] or f"Revoir {event['name']} en images"
    if not start or not end:
        return _capital(place) if place else i18n.text("others", lang)
    days = i18n.date_range(local_date(start, zone), local_date(end, zone), lang)
    return _capital(f"{place}, {days}" if place else days)


def _capital(title: str) -> str:
    """« Les Escaldes, 6 mai 2019 »: a title starts with a capital, the place's name stays as it is after."""
    return title[:1].upper() + title[1:]


def local_date(utc_iso: str, zone: str | None) -> Any:
    moment = datetime.fromisoformat(utc_iso)
    return (moment.astimezone(ZoneInfo(zone)) if zone else moment).date()


def pick_cover(photos: list[dict[str, Any]]) -> int | None:
    """The sharpest photo that is not the first frame of a burst (and not hidden), nearest the middle."""
    visible = [p for p in photos if not p.get("hidden")]
    if not visible:
        return None
    times = [_timestamp(p) for p in visible]
    first_frames = set()
    for index in range(len(visible) - 1):
        before = times[index - 1] if index else None
        now, after = times[index], times[index + 1]
        starts_burst = now is not None and after is not None and after - now < BURST_SECONDS
        if starts_burst and (before is None or now - before >= BURST_SECONDS):  # type: ignore[operator]
            first_frames.add(visible[index]["id"])
    candidates = [p for p in visible if p["id"] not in first_frames] or visible
    middle = len(visible) / 2
    order = {p["id"]: i for i, p in enumerate(visible)}
    best = max(candidates, key=lambda p: (p["sharpness"] or 0.0, -abs(order[p["id"]] - middle), -p["id"]))
    return int(best["id"])


# -- the JSON contract -------------------------------------------------------------------------------


def iso_in_zone(utc_iso: str | None, zone: str | None) -> str | None:
    if not utc_iso:
        return None
    moment = datetime.fromisoformat(utc_iso)
    return (moment.astimezone(ZoneInfo(zone)) if zone else moment.astimezone(UTC)).isoformat()


def album_json(album: dict[str, Any], photos: list[dict[str, Any]], private: bool = True) -> dict[str, Any]:
    """`gallery albums --json` and the API: slug, title, ..., photos [{sha256, original_name, taken_at}]."""
    from .export import photo_json

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


# -- edits by people ----------------------------------------------------------------------------------


def find_album(conn: sqlite3.Connection, slug: str) -> dict[str, Any]:
    album = catalog.get_album(conn, slug)
    if album is None or album["merged_into"] is not None:
        raise NotFound(f"no album {slug!r} (`gallery albums` lists them)")
    return album


def find_photo(conn: sqlite3.Connection, sha_prefix: str) -> int:
    if not re.fullmatch(r"[0-9a-fA-F]{6,64}", sha_prefix):
        raise BadRequest(f"{sha_prefix!r} is not a sha256 (or a prefix of at least 6 hex digits)")
    found = catalog.photos_by_prefix(conn, sha_prefix.lower())
    if len(found) != 1:
        raise NotFound(f"{'no photo' if not found else 'several photos'} with sha256 {sha_prefix}...")
    return int(found[0]["id"])


def rename(conn: sqlite3.Connection, slug: str, title: str) -> None:
    album = find_album(conn, slug)
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"title": _clean(title, 200), "title_manual": 1, "edited": 1})


def describe(conn: sqlite3.Connection, slug: str, text: str) -> None:
    album = find_album(conn, slug)
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"description": _clean(text, 5000, multiline=True), "edited": 1})


def set_cover(conn: sqlite3.Connection, slug: str, sha_prefix: str) -> None:
    album, photo_id = find_album(conn, slug), find_photo(conn, sha_prefix)
    if photo_id not in {p["id"] for p in catalog.album_photos(conn, album["id"], include_hidden=False)}:
        raise BadRequest("that photo is not in this album, or it is hidden")
    with catalog.transaction(conn):
        catalog.update_album(conn, album["id"], {"cover_id": photo_id, "cover_manual": 1, "edited": 1})


def hide(conn: sqlite3.Connection, slug: str, sha_prefix: str, hidden: bool = True) -> None:
    album, photo_id = find_album(conn, slug), find_photo(conn, sha_prefix)
    with catalog.transaction(conn):
        if not catalog.set_hidden(conn, album["id"], photo_id, hidden):
            raise BadRequest("that photo is not in this album")
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn)


def move(conn: sqlite3.Connection, sha_prefix: str, slug: str) -> None:
    move_many(conn, [sha_prefix], slug)


def move_many(conn: sqlite3.Connection, sha_prefixes: Sequence[str], slug: str) -> None:
    """Pin photos to an album (a move by hand, or an upload into it); one regroup for all."""
    album = find_album(conn, slug)
    ids = [find_photo(conn, sha) for sha in sha_prefixes]
    with catalog.transaction(conn):
        for photo_id in ids:
            catalog.set_membership(conn, photo_id, album["id"], pinned=True)
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn)


def set_options(
    conn: sqlite3.Connection, slug: str, show_location: bool | None = None, allow_originals: bool | None = None
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


def merge(conn: sqlite3.Connection, into: str, source: str) -> None:
    target, merged = find_album(conn, into), find_album(conn, source)
    if target["id"] == merged["id"]:
        raise BadRequest("an album cannot be merged into itself")
    with catalog.transaction(conn):
        for photo in catalog.album_photos(conn, merged["id"]):
            catalog.set_membership(conn, photo["id"], target["id"], pinned=bool(photo["pinned"]))
        catalog.update_album(conn, merged["id"], {"merged_into": target["id"], "published": 0, "edited": 1})
        catalog.update_album(conn, target["id"], {"edited": 1})
    regroup(conn)


def split(conn: sqlite3.Connection, slug: str, at: datetime) -> str:
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
    regroup(conn)
    return new_slug


def publish(conn: sqlite3.Connection, slugs: Sequence[str], published: bool = True, every: bool = False) -> int:
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


def hide_many(conn: sqlite3.Connection, slug: str, sha_prefixes: Sequence[str], hidden: bool = True) -> int:
    """Hide (or show) the ticked photos of an album; nothing changes if one of them is not in it."""
    album = find_album(conn, slug)
    ids = [find_photo(conn, sha) for sha in sha_prefixes]
    with catalog.transaction(conn):
        for photo_id in ids:
            if not catalog.set_hidden(conn, album["id"], photo_id, hidden):
                raise BadRequest("that photo is not in this album")
        catalog.update_album(conn, album["id"], {"edited": 1})
    regroup(conn)
    return len(ids)
