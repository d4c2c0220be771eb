"""Regrouping as a pure plan: photos, albums, people's edits and missions in, a `Plan` out.

`plan` touches no database and no file: it is tested from literals. `albums.apply` writes a plan.

* a programme event keeps the album tied to it;
* an automatic event keeps the album that holds most of its photos (new photos join it);
* a merged album forwards to the album it was merged into; a split album sends the photos
  after its split time to the album the split created;
* a photo moved by hand stays where it was put, a hidden photo stays hidden, a title, a
  description or a cover set by hand is never recomputed.

A plan may cover only part of the library (`scope`: the photos of the segments a change touched,
see `events.segments`): photos outside it keep their album, and `outside` gives the photos an
album holds outside the scope, so that its count, dates, place and cover stay whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import dates, events, i18n

Row = dict[str, Any]
AlbumRef = int | str  # an existing album's id, or the `ref` of a NewAlbum of the same plan

# An album row as the catalog creates it (the schema's defaults): what a new album starts from.
NEW_ALBUM_DEFAULTS: Row = {
    "title_manual": 0,
    "description": "",
    "cover_id": None,
    "cover_manual": 0,
    "published": 0,
    "mission_id": None,
    "mission_event_id": None,
    "merged_into": None,
    "period": None,
    "start_utc": None,
    "end_utc": None,
    "timezone": None,
    "place": None,
    "country": None,
    "photo_count": 0,
    "explain": "[]",
    "edited": 0,
    "show_location": 0,
    "allow_originals": 0,
}


@dataclass(frozen=True)
class Membership:
    """Where a photo is now, and what people did to it there."""

    album_id: int
    pinned: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class Split:
    """`gallery albums split`: photos of `album_id` taken at or after `at_utc` go to `new_album_id`."""

    album_id: int
    at_utc: str
    new_album_id: int


@dataclass(frozen=True)
class Edits:
    """People's edits as data: moves and hides (per photo), splits. Merges live on the album rows."""

    memberships: Mapping[int, Membership] = field(default_factory=dict)
    splits: Sequence[Split] = ()


@dataclass(frozen=True)
class Span:
    mission_id: int
    title: str
    start: float  # UTC seconds, one day of margin included
    end: float


@dataclass(frozen=True)
class Missions:
    programme: Sequence[events.ProgrammeEvent] = ()
    spans: Sequence[Span] = ()
    events: Mapping[int, Row] = field(default_factory=dict)  # mission_events rows by id


@dataclass(frozen=True)
class NewAlbum:
    ref: str
    slug: str
    kind: str
    mission_event_id: int | None
    mission_id: int | None
    period: str | None = None  # the month of a mission-less « Autres photos »


@dataclass
class Plan:
    """What to write, in this order: delete `emptied`, create `new_albums`, set `memberships` of
    the photos in scope, update `updates` (changed fields only), delete `removed`."""

    emptied: list[int] = field(default_factory=list)
    new_albums: list[NewAlbum] = field(default_factory=list)
    memberships: list[tuple[int, AlbumRef, bool, bool]] = field(default_factory=list)
    updates: dict[AlbumRef, Row] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    scope: frozenset[int] | None = None  # None: every photo
    albums: int = 0  # albums recomputed (every album left, in a full plan)

    @property
    def counts(self) -> dict[str, int]:
        return {"albums": self.albums, "new_albums": len(self.new_albums), "removed_albums": len(self.removed)}


@dataclass
class Target:
    """Where a set of photos goes: an existing album id, or a new album described by `spec`."""

    album_id: int | None
    spec: Row = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> AlbumRef:
        return self.album_id if self.album_id is not None else json.dumps(self.spec, sort_keys=True)


def plan(
    photos: Iterable[Row],
    albums: Iterable[Row],
    edits: Edits,
    missions: Missions,
    *,
    taken_slugs: Collection[str] | None = None,
    scope: Collection[int] | None = None,
    outside: Mapping[int, Sequence[Row]] | None = None,
    also: Collection[int] = (),
) -> Plan:
    """Group the photos (those in `scope`, or all) into events and bring the albums in line.

    `albums` are every album row; `taken_slugs` the slugs in use (default: those of `albums`);
    `outside` the photos each album holds outside `scope` (rows with `hidden`), read when needed;
    `also` albums to recompute even when no photo in scope was or is in them.
    """
    photos = list(photos)
    by_id = {p["id"]: p for p in photos}
    rows = {a["id"]: a for a in albums}
    in_scope = frozenset(by_id) if scope is None else frozenset(scope)
    outside = {} if outside is None else outside
    previous = dict(edits.memberships)
    items, undated = split_dated(by_id[i] for i in sorted(in_scope))
    groups = events.group_into_events(items, missions.programme, lambda i: by_id[i]["place"])
    origins = {s.new_album_id: s.album_id for s in edits.splits}
    targets = _targets(groups, undated, rows, previous, missions.spans, by_id, origins)
    assignment = _apply_people(targets, rows, previous, edits.splits, by_id)
    touched = {a for a in assignment if isinstance(a, int)} | {
        m.album_id for pid, m in previous.items() if pid in in_scope and m.album_id in rows
    }
    touched |= {a for a in also if a in rows}
    if scope is None:
        touched |= set(rows)
    members = {a: list(outside.get(a, ())) if scope is not None else [] for a in touched}
    emptied = [a for a in sorted(touched) if not assignment.get(a) and not members[a] and _disposable(rows[a])]
    kept = {k: v for k, v in rows.items() if k not in emptied}
    out = Plan(emptied=emptied, scope=None if scope is None else in_scope)
    taken = set(rows[a]["slug"] for a in rows) if taken_slugs is None else set(taken_slugs)
    taken -= {rows[a]["slug"] for a in emptied}
    refs: dict[AlbumRef, AlbumRef] = {}
    virtual: dict[AlbumRef, Row] = {}
    for key in sorted(assignment, key=str):
        if isinstance(key, int):
            refs[key] = key
            continue
        if not assignment[key]:
            continue
        spec = targets[key][0].spec
        slug = unique_slug(_slug_base(spec, [by_id[i] for i in assignment[key]], missions.events), taken)
        taken.add(slug)
        event = missions.events.get(spec.get("programme", -1))
        new = NewAlbum(
            key,
            slug,
            spec["kind"],
            event["id"] if event else None,
            event["mission_id"] if event else spec.get("mission"),
            spec.get("period"),
        )
        out.new_albums.append(new)
        refs[key] = key
        virtual[key] = {
            **NEW_ALBUM_DEFAULTS,
            "id": key,
            "slug": slug,
            "kind": new.kind,
            "title": slug,
            "mission_event_id": new.mission_event_id,
            "mission_id": new.mission_id,
            "period": new.period,
        }
    hidden = {pid for pid, m in previous.items() if m.hidden}
    pinned = {pid for pid, m in previous.items() if m.pinned and m.album_id in kept}
    out.memberships = [
        (pid, refs[key], pid in pinned, pid in hidden) for key, ids in assignment.items() if key in refs for pid in ids
    ]
    # derived fields of every album touched (every album, in a full plan)
    filled: dict[AlbumRef, list[Row]] = defaultdict(list)
    reasons: dict[AlbumRef, list[str]] = defaultdict(list)
    for key, ids in assignment.items():
        if key in refs:
            filled[key].extend({**by_id[i], "hidden": int(i in hidden)} for i in ids)
            if key in targets:
                reasons[key].extend(targets[key][0].reasons)
    names = {s.mission_id: s.title for s in missions.spans}
    current: dict[AlbumRef, Row] = {a: kept[a] for a in sorted(touched) if a in kept}
    current.update(virtual)
    planned: dict[AlbumRef, Row] = {}
    for ref, album in current.items():
        held = filled.get(ref, []) + (members.get(ref, []) if isinstance(ref, int) else [])
        ordered = sorted(held, key=lambda p: (p["taken_at_utc"] or "", p["id"]))
        if not ordered and _disposable(album):
            out.removed.append(int(ref))
            continue
        visible = [p for p in ordered if not p["hidden"]]
        planned[ref] = derived_fields(album, visible, missions.events, names, missions.spans, reasons.get(ref, []))
    _tell_apart(planned, current)
    for ref, values in planned.items():
        changed = {k: v for k, v in values.items() if current[ref].get(k) != v} if ref not in virtual else values
        if changed:
            out.updates[ref] = changed
    out.albums = len(planned)
    return out


def split_dated(photos: Iterable[Row]) -> tuple[list[events.Item], list[int]]:
    """Photos with a real instant become items; the rest (no time, mtime, day-only) are undated."""
    items, undated = [], []
    for photo in photos:
        if is_dated(photo):
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


def is_dated(photo: Mapping[str, Any]) -> bool:
    """A photo the events see: a real instant (not an mtime, not a day from its name), or one estimated for grouping."""
    estimated = photo["time_source"] == "estimated"  # timeline.ESTIMATED: placed in its event, not a true time
    weak = photo["time_source"] == "unknown" or dates.is_uncertain(photo) and not estimated
    weak = weak or photo["date_source"] == "filename_day"
    return bool(photo["taken_at_utc"]) and not weak


def _targets(
    groups: Sequence[events.Group],
    undated: list[int],
    albums: Mapping[int, Row],
    previous: Mapping[int, Membership],
    spans: Sequence[Span],
    by_id: Mapping[int, Row],
    origins: Mapping[int, int],
) -> dict[AlbumRef, tuple[Target, list[int]]]:
    out: dict[AlbumRef, tuple[Target, list[int]]] = {}

    def add(target: Target, ids: list[int]) -> None:
        target = _forward(target, albums)
        known = out.setdefault(target.key, (target, []))
        known[0].reasons.extend(r for r in target.reasons if r not in known[0].reasons)
        known[1].extend(ids)

    by_event = {a["mission_event_id"]: a["id"] for a in albums.values() if a["mission_event_id"] is not None}
    others = {
        (a["mission_id"], a.get("period")): a["id"]
        for a in sorted(albums.values(), key=lambda a: -a["id"])
        if a["kind"] == "others" and a["merged_into"] is None
    }
    for group in groups:
        if group.programme is not None:
            add(
                Target(by_event.get(group.programme), {"kind": "event", "programme": group.programme}, group.reasons),
                group.ids,
            )
        elif group.others:
            for (mission, period), ids in _by_mission(group.ids, spans, by_id).items():
                spec = {"kind": "others", "mission": mission, "period": period}
                add(Target(others.get((mission, period)), spec, group.reasons), ids)
        else:
            add(
                Target(
                    _best_overlap(group.ids, previous, albums, origins),
                    {"kind": "event", "auto": f"{group.start}:{min(group.ids)}"},
                    group.reasons,
                ),
                group.ids,
            )
    if undated:
        album = next((a["id"] for a in sorted(albums.values(), key=lambda a: a["id"]) if a["kind"] == "undated"), None)
        add(Target(album, {"kind": "undated"}, ["photos without a reliable date"]), undated)
    return out


def _forward(target: Target, albums: Mapping[int, Row]) -> Target:
    """A merged album hands its photos to the album it was merged into."""
    seen = set()
    album_id = target.album_id
    while album_id is not None and albums[album_id]["merged_into"] is not None and album_id not in seen:
        seen.add(album_id)
        album_id = albums[album_id]["merged_into"]
    return target if album_id == target.album_id else Target(album_id, target.spec, target.reasons)


def _best_overlap(
    ids: list[int], previous: Mapping[int, Membership], albums: Mapping[int, Row], origins: Mapping[int, int]
) -> int | None:
    """The automatic album holding most of these photos; a split's album votes for the album it was
    cut from, so that the split rule (`_after_splits`) shares them out again whichever half is larger."""
    votes = Counter(
        _origin(previous[i].album_id, albums, origins)
        for i in ids
        if i in previous and previous[i].album_id in albums and _automatic(albums[previous[i].album_id])
    )
    if not votes:
        return None
    return min(votes, key=lambda album: (-votes[album], album))


def _automatic(album: Mapping[str, Any]) -> bool:
    return bool(album["kind"] == "event" and album["mission_event_id"] is None)


def _origin(album_id: int, albums: Mapping[int, Row], origins: Mapping[int, int]) -> int:
    """The album a split cut this one from (through splits of splits), while it is there to share out."""
    seen = {album_id}
    while (parent := origins.get(album_id)) is not None and parent not in seen:
        row = albums.get(parent)
        if row is None or row["merged_into"] is not None or not _automatic(row):
            break
        seen.add(parent)
        album_id = parent
    return album_id


def _by_mission(
    ids: list[int], spans: Sequence[Span], by_id: Mapping[int, Row]
) -> dict[tuple[int | None, str | None], list[int]]:
    """« Autres photos » by mission; outside any mission, by month (its local month, else UTC):
    an album the size of a month, never one that grows with the archive."""
    out: dict[tuple[int | None, str | None], list[int]] = defaultdict(list)
    for photo_id in ids:
        photo = by_id[photo_id]
        mission = mission_at(_timestamp(photo), spans)
        out[mission, None if mission is not None else _month_of(photo)].append(photo_id)
    return out


def _month_of(photo: Mapping[str, Any]) -> str | None:
    when = photo.get("taken_at_local") or photo.get("taken_at_utc")
    return when[:7] if when else None


def mission_at(when: float | None, spans: Sequence[Span]) -> int | None:
    if when is None:
        return None
    return next((s.mission_id for s in spans if s.start <= when <= s.end), None)


def _timestamp(photo: Mapping[str, Any]) -> float | None:
    return datetime.fromisoformat(photo["taken_at_utc"]).timestamp() if photo["taken_at_utc"] else None


def _apply_people(
    targets: Mapping[AlbumRef, tuple[Target, list[int]]],
    albums: Mapping[int, Row],
    previous: Mapping[int, Membership],
    split_rules: Sequence[Split],
    by_id: Mapping[int, Row],
) -> dict[AlbumRef, list[int]]:
    """Pinned photos stay where people put them; photos after a split time go to the split's album."""
    assignment: dict[AlbumRef, list[int]] = defaultdict(list)
    rules: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for rule in split_rules:
        rules[rule.album_id].append((datetime.fromisoformat(rule.at_utc).timestamp(), rule.new_album_id))
    for key, (_, ids) in targets.items():
        for photo_id in ids:
            kept = previous.get(photo_id)
            if kept and kept.pinned and kept.album_id in albums:
                assignment[kept.album_id].append(photo_id)
                continue
            assignment[_after_splits(key, _timestamp(by_id[photo_id]), rules, albums)].append(photo_id)
    for key in targets:
        assignment.setdefault(key, [])
    return dict(assignment)


def _after_splits(
    key: AlbumRef, when: float | None, rules: Mapping[int, list[tuple[float, int]]], albums: Mapping[int, Row]
) -> AlbumRef:
    seen = set()
    while isinstance(key, int) and key in rules and when is not None and key not in seen:
        seen.add(key)
        later = [new for at, new in sorted(rules[key]) if when >= at and new in albums]
        if not later:
            break
        key = later[-1]
    return key


# -- album fields ---------------------------------------------------------------------------------------


def _disposable(album: Mapping[str, Any]) -> bool:
    """An album nobody published or edited, and that nothing points to, may vanish when empty."""
    return not album["published"] and not album["edited"] and album["merged_into"] is None


def _slug_base(spec: Mapping[str, Any], photos: list[Row], mission_events: Mapping[int, Row]) -> str:
    if spec["kind"] == "undated":
        return "non-datees"
    if spec["kind"] == "others":
        return f"autres-photos-{spec['period']}" if spec.get("period") else "autres-photos"
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


def unique_slug(base: str, taken: Collection[str] | Callable[[str], bool]) -> str:
    used = taken if callable(taken) else taken.__contains__
    if not used(base):
        return base
    n = 2
    while used(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def _tell_apart(planned: dict[AlbumRef, Row], albums: Mapping[AlbumRef, Row], lang: str = "fr") -> None:
    """Two automatic titles alike (« Marseille, 18 septembre 2017 »): add the part of the day.

    Only albums that start within a segment's gap of each other are told apart (H25): one
    programme event's « Revoir … en images » in two missions a year apart is not, so that the
    titles stay what they are within a segment, whatever a regroup of part of the archive holds.
    """
    by_title: dict[str, list[AlbumRef]] = defaultdict(list)
    for ref, values in planned.items():
        if "title" in values and albums[ref]["kind"] == "event" and values["start_utc"]:
            by_title[values["title"]].append(ref)
    for alike in by_title.values():
        for refs in _close_in_time(alike, planned):
            if len(refs) < 2:
                continue
            for ref in refs:
                values = planned[ref]
                hour = (
                    datetime.fromisoformat(values["start_utc"]).astimezone(ZoneInfo(values["timezone"] or "UTC")).hour
                )
                values["title"] += " " + i18n.text(
                    "part_morning" if hour < 12 else ("part_afternoon" if hour < 18 else "part_evening"), lang
                )


def _close_in_time(refs: list[AlbumRef], planned: dict[AlbumRef, Row]) -> list[list[AlbumRef]]:
    """Albums chained by starts at most events.SEGMENT_GAP apart: never across a segment boundary."""
    ordered = sorted(refs, key=lambda ref: datetime.fromisoformat(planned[ref]["start_utc"]).timestamp())
    out: list[list[AlbumRef]] = []
    last = None
    for ref in ordered:
        start = datetime.fromisoformat(planned[ref]["start_utc"]).timestamp()
        if last is None or start - last > events.SEGMENT_GAP:
            out.append([])
        out[-1].append(ref)
        last = start
    return out


def derived_fields(
    album: Mapping[str, Any],
    photos: list[Row],
    mission_events: Mapping[int, Row],
    missions: Mapping[int, str],
    spans: Sequence[Span],
    reasons: list[str],
) -> Row:
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
        mission_id = mission_at(datetime.fromisoformat(start).timestamp(), spans)
    values: Row = {
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


def _main_zone(photos: list[Row]) -> str | None:
    zones = Counter(p["timezone"] for p in photos if p["timezone"])
    return zones.most_common(1)[0][0] if zones else None


def default_title(
    album: Mapping[str, Any],
    start: str | None,
    end: str | None,
    zone: str | None,
    place: str | None,
    mission_events: Mapping[int, Row],
    mission: str | None,
    lang: str = "fr",
) -> str:
    """« Revoir la Mêlée numérique en images », « Toulouse, 19 et 20 septembre 2017 », « Autres photos »."""
    if album["kind"] == "undated":
        return i18n.text("undated", lang)
    if album["kind"] == "others":
        period = album.get("period")
        return i18n.text("others", lang) + (
            f" — {mission}" if mission else f" — {i18n.month_label(period, lang)}" if period else ""
        )
    event = mission_events.get(album["mission_event_id"] or -1)
    if event:
        return event["title"] or i18n.text("event_review", lang).format(name=event["name"])
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


def pick_cover(photos: list[Row]) -> int | None:
    """The sharpest photo that is not the first frame of a burst (and not hidden), nearest the middle."""
    visible = [p for p in photos if not p.get("hidden")]
    if not visible:
        return None
    times = [_timestamp(p) for p in visible]
    first_frames = set()
    for index in range(len(visible) - 1):
        before = times[index - 1] if index else None
        now, after = times[index], times[index + 1]
        starts_burst = now is not None and after is not None and after - now < events.BURST
        if starts_burst and (before is None or now - before >= events.BURST):  # type: ignore[operator]
            first_frames.add(visible[index]["id"])
    candidates = [p for p in visible if p["id"] not in first_frames] or visible
    middle = len(visible) / 2
    order = {p["id"]: i for i, p in enumerate(visible)}
    best = max(candidates, key=lambda p: (p["sharpness"] or 0.0, -abs(order[p["id"]] - middle), -p["id"]))
    return int(best["id"])
