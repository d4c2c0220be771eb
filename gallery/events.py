"""Grouping photos into events: deterministic, explainable, pure (research/event-grouping.md §4).

1. Programme events first: a photo inside an event's window, near its venue (or with no
   position), belongs to it.
2. Moments: on UTC times, bursts (< 5 s apart) collapse into units; a cut falls where the gap is
   long for its neighbourhood (log gap above the windowed mean + 1.5 std, and at least 10 min)
   or longer than 3 h, and where the place changes (medians of the 5 located units before and
   after more than 1 km apart). Inferred positions never cut.
3. Events: moments at the same place (medians within 600 m) chain across gaps of up to 36 h,
   so a two-day festival is one event while two venues of one day stay two (Palais des congrès
   and Centech in Montréal are 950 m apart); different places never merge. Moments without any
   position join the event next to them within 3 h, except one big enough to be an event
   (MIN_EVENT_PHOTOS, with the moments without position it chains with) at a located event's edge:
   nothing says it was at the same place, so it stays an event of its own (it joins a located
   event it falls inside).
4. Moving moments (transit: spread over 3 km, or reached and left at over 30 km/h) and events
   of fewer than MIN_EVENT_PHOTOS photos are not forced into an event: « Autres photos ».

Items fall into segments first: a gap over SEGMENT_GAP (36 h, where nothing chains) that no
programme window covers starts a new one, and each segment is grouped on its own. So a change
touches only its segments' groups: `gallery/regroup.py` regroups those and nothing else.

Every cut and merge is recorded as a sentence, for `gallery albums explain`.
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .geo import distance_km, distances_km

BURST = 5.0  # seconds
WINDOW = 10  # units each side for the adaptive gap statistics
K_STD = 1.5
MIN_CUT = 10 * 60.0
MAX_GAP = 3 * 3600.0
PLACE_KM = 1.0  # a change of place this big cuts a moment
SAME_PLACE_KM = 0.6  # moments whose medians are this close are one place (GPS noise is ~0.1 km)
SPACE_WINDOW = 5
SAME_PLACE_GAP = 36 * 3600.0
UNLOCATED_GAP = 3 * 3600.0
TRANSIT_KMH = 30.0
TRANSIT_KM = 3.0
MIN_EVENT_PHOTOS = 8  # fewer photos (a meal, a stop) are strays, not an event worth an album
SEGMENT_GAP = SAME_PLACE_GAP  # a longer gap, outside every programme window, separates independent segments


@dataclass(frozen=True)
class Item:
    id: int
    t: float  # UTC seconds
    lat: float | None = None
    lon: float | None = None
    inferred: bool = False  # a borrowed position: joins a place, never cuts one


@dataclass(frozen=True)
class ProgrammeEvent:
    key: int
    start: float  # UTC seconds
    end: float
    lat: float | None = None
    lon: float | None = None
    radius_km: float = PLACE_KM
    place: str | None = None  # a town name, compared with each photo's town


@dataclass
class Group:
    ids: list[int]
    start: float
    end: float
    lat: float | None = None
    lon: float | None = None
    programme: int | None = None  # ProgrammeEvent.key
    others: bool = False  # transit and strays: « Autres photos »
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Moment:
    first: int  # index range into the time-sorted items
    last: int
    lat: float | None
    lon: float | None
    located: str  # "gps", "inferred" or ""
    moving: bool
    reason: str


def group_into_events(
    items: Sequence[Item], programme: Sequence[ProgrammeEvent] = (), town_of: Callable[[int], str | None] | None = None
) -> list[Group]:
    """Partition dated items into events (and « others »); the result does not depend on input order."""
    ordered = sorted(items, key=lambda i: (i.t, i.id))
    groups: list[Group] = []
    for first, last in segments([i.t for i in ordered], programme):
        groups += _segment_groups(ordered[first:last], programme, town_of or (lambda _: None))
    groups.sort(key=lambda g: (g.start, min(g.ids)))
    return groups


def _segment_groups(
    ordered: Sequence[Item], programme: Sequence[ProgrammeEvent], town_of: Callable[[int], str | None]
) -> list[Group]:
    window = [e for e in programme if e.end >= ordered[0].t and e.start <= ordered[-1].t]
    groups, rest = _programme_groups(ordered, window, town_of)
    if rest:
        groups += _events(rest, _moments(rest))
    return groups


def segments(times: Sequence[float], programme: Sequence[ProgrammeEvent] = ()) -> list[tuple[int, int]]:
    """Index ranges [first, last) of sorted `times` grouped independently of each other."""
    out, first = [], 0
    for index in range(1, len(times)):
        if is_boundary(times[index - 1], times[index], programme):
            out.append((first, index))
            first = index
    if times:
        out.append((first, len(times)))
    return out


def is_boundary(before: float, after: float, programme: Sequence[ProgrammeEvent]) -> bool:
    """A gap long enough that nothing chains across it, and that no programme window overlaps."""
    return after - before > SEGMENT_GAP and not any(e.start <= after and e.end >= before for e in programme)


# -- programme --------------------------------------------------------------------------------


def _programme_groups(
    ordered: Sequence[Item], programme: Sequence[ProgrammeEvent], town_of: Callable[[int], str | None]
) -> tuple[list[Group], list[Item]]:
    """Photos in an event's window and near its venue (or without a position) belong to it.

    A photo whose own fix says otherwise still belongs when most photos within 10 minutes of it
    are at the venue: a stale or stray fix is common indoors, the crowd around it is not wrong.
    """
    taken: dict[int, int] = {}
    times = [item.t for item in ordered]
    # a photo whose own fix puts it at the venue of an event whose window holds it goes there, whatever
    # the crowd around it says (two events at once, in two places: each keeps its own located photos)
    own: dict[int, int] = {}
    for event in sorted(programme, key=lambda e: (e.end - e.start, e.start, e.key)):
        lo, hi = bisect.bisect_left(times, event.start), bisect.bisect_right(times, event.end)
        for item in ordered[lo:hi]:
            if item.id not in own and not item.inferred and _near(item, event, town_of):
                own[item.id] = event.key
    # where windows overlap (a visit during a two-day festival), the shorter, more specific event wins
    for event in sorted(programme, key=lambda e: (e.end - e.start, e.start, e.key)):
        lo, hi = bisect.bisect_left(times, event.start), bisect.bisect_right(times, event.end)
        window = ordered[lo:hi]
        near = [_near(item, event, town_of) for item in window]
        for index, item in enumerate(window):
            if item.id in taken or own.get(item.id, event.key) != event.key:
                continue
            if near[index] is None or near[index] or _crowd_is_near(window, near, index):
                taken[item.id] = event.key
    groups = []
    for event in programme:
        ids = [item.id for item in ordered if taken.get(item.id) == event.key]
        if ids:
            groups.append(
                Group(
                    ids,
                    event.start,
                    event.end,
                    event.lat,
                    event.lon,
                    event.key,
                    reasons=["window and venue of the mission programme"],
                )
            )
    return groups, [item for item in ordered if item.id not in taken]


def _near(item: Item, event: ProgrammeEvent, town_of: Callable[[int], str | None]) -> bool | None:
    """True or False when the photo's position says; None when it has none (it then belongs)."""
    if item.lat is None or item.lon is None:
        return None
    if event.lat is not None and event.lon is not None:
        return distance_km(item.lat, item.lon, event.lat, event.lon) <= event.radius_km
    if event.place:
        town = town_of(item.id)
        return None if town is None else _same_name(town, event.place)
    return None


def _crowd_is_near(window: Sequence[Item], near: list[bool | None], index: int) -> bool:
    moment = window[index].t
    votes = [
        near[i] for i in range(len(window)) if i != index and abs(window[i].t - moment) <= 600 and near[i] is not None
    ]
    return len(votes) >= 3 and sum(bool(v) for v in votes) / len(votes) >= 0.6


def _same_name(a: str, b: str) -> bool:
    def fold(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))

    return fold(a) == fold(b)


# -- moments ----------------------------------------------------------------------------------


def _moments(items: Sequence[Item]) -> list[_Moment]:
    t = np.fromiter((i.t for i in items), dtype=np.float64, count=len(items))
    gaps = np.diff(t)
    unit_starts = np.concatenate(([0], np.nonzero(gaps >= BURST)[0] + 1))
    unit_gaps = gaps[unit_starts[1:] - 1]  # gap before each unit but the first
    reasons = _time_cuts(unit_gaps)
    reasons.update(_space_cuts(items, unit_starts, unit_gaps))
    cut_units = sorted(reasons)
    bounds = [0] + [int(unit_starts[u]) for u in cut_units] + [len(items)]
    labels = ["start"] + [reasons[u] for u in cut_units]
    return [_moment(items, bounds[k], bounds[k + 1] - 1, labels[k]) for k in range(len(bounds) - 1)]


def _time_cuts(unit_gaps: np.ndarray) -> dict[int, str]:
    """Unit index (>= 1) -> why a moment starts there, from the gaps alone."""
    if unit_gaps.size == 0:
        return {}
    logs = np.log1p(unit_gaps)
    kernel = np.ones(2 * WINDOW + 1)
    padded = np.pad(logs, WINDOW, mode="edge")
    count = np.convolve(np.ones_like(padded), kernel, "valid")
    mean = np.convolve(padded, kernel, "valid") / count
    var = np.maximum(np.convolve(padded**2, kernel, "valid") / count - mean**2, 0.0)
    threshold = np.expm1(mean + K_STD * np.sqrt(var))
    adaptive = (unit_gaps > threshold) & (unit_gaps >= MIN_CUT)
    long = unit_gaps > MAX_GAP
    cuts = {}
    for index in np.nonzero(adaptive | long)[0]:
        gap = float(unit_gaps[index])
        if gap > MAX_GAP:
            cuts[int(index) + 1] = f"time gap of {_duration(gap)} (over {_duration(MAX_GAP)})"
        else:
            cuts[int(index) + 1] = (
                f"time gap of {_duration(gap)}, long for its neighbourhood "
                f"(threshold {_duration(float(threshold[index]))})"
            )
    return cuts


def _space_cuts(items: Sequence[Item], unit_starts: np.ndarray, unit_gaps: np.ndarray) -> dict[int, str]:
    """Unit index -> why: the place changes between two located units.

    A boundary between consecutive located units is a candidate when the medians of the 5 located
    units before and after are more than PLACE_KM apart. The cut falls where the step between
    the two fixes is itself that long (a stray fix gets cut out, then rejoins its place); in a run
    of candidates with no such step, at the largest difference.
    """
    starts = [int(s) for s in unit_starts]
    located = [u for u, s in enumerate(starts) if items[s].lat is not None and not items[s].inferred]
    if len(located) < 2:
        return {}
    lat = np.array([items[starts[u]].lat for u in located], dtype=np.float64)
    lon = np.array([items[starts[u]].lon for u in located], dtype=np.float64)
    before_lat, before_lon = _window_medians(lat, before=True), _window_medians(lon, before=True)
    after_lat, after_lon = _window_medians(lat, before=False), _window_medians(lon, before=False)
    km = distances_km(before_lat[:-1], before_lon[:-1], after_lat[1:], after_lon[1:])
    step = distances_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    candidates = km > PLACE_KM
    cuts: dict[int, str] = {}
    j = 0
    while j < len(km):
        if not candidates[j]:
            j += 1
            continue
        run_end = j
        while run_end + 1 < len(km) and candidates[run_end + 1]:
            run_end += 1
        run = range(j, run_end + 1)
        chosen = [k for k in run if step[k] > PLACE_KM] or [max(run, key=lambda k: km[k])]
        for k in chosen:
            cut = _cut_between(located[k], located[k + 1], unit_gaps)
            cuts.setdefault(cut, f"place change of {max(km[k], step[k]):.1f} km")
        j = run_end + 1
    return cuts


def _window_medians(values: np.ndarray, before: bool) -> np.ndarray:
    """Median of the SPACE_WINDOW values ending at (before) or starting at (after) each index."""
    width = SPACE_WINDOW - 1
    padded = np.pad(values, (width, 0) if before else (0, width), mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, SPACE_WINDOW), axis=1)


def _cut_between(first_unit: int, next_unit: int, unit_gaps: np.ndarray) -> int:
    """The unit that starts a new moment: after the longest time gap between two located units."""
    span = unit_gaps[first_unit:next_unit]
    return first_unit + 1 + int(np.argmax(span)) if span.size else next_unit


def _moment(items: Sequence[Item], first: int, last: int, reason: str) -> _Moment:
    own = [i for i in items[first : last + 1] if i.lat is not None and not i.inferred]
    borrowed = [i for i in items[first : last + 1] if i.lat is not None and i.inferred]
    chosen, located = (own, "gps") if own else ((borrowed, "inferred") if borrowed else ([], ""))
    if not chosen:
        return _Moment(first, last, None, None, "", False, reason)
    lat = float(np.median([i.lat for i in chosen]))
    lon = float(np.median([i.lon for i in chosen]))
    moving = False
    if len(own) >= 3:
        # robust to a stray fix: the spread of most photos, and the way from the first third to the last
        spread = float(np.percentile([distance_km(lat, lon, i.lat, i.lon) for i in own], 75))  # type: ignore[arg-type]
        third = max(1, len(own) // 3)
        head = (float(np.median([i.lat for i in own[:third]])), float(np.median([i.lon for i in own[:third]])))
        tail = (float(np.median([i.lat for i in own[-third:]])), float(np.median([i.lon for i in own[-third:]])))
        travelled = distance_km(*head, *tail)
        hours = max((own[-1].t - own[0].t) / 3600, 1 / 60)
        on_the_way = travelled > 2 * PLACE_KM and travelled / hours > TRANSIT_KMH and spread > PLACE_KM / 2
        moving = spread > TRANSIT_KM or on_the_way
    return _Moment(first, last, lat, lon, located, moving, reason)


# -- events -----------------------------------------------------------------------------------


def _events(items: Sequence[Item], moments: list[_Moment]) -> list[Group]:
    _mark_transit(items, moments)
    places = _place_clusters(moments)
    groups: list[Group] = []
    by_place: dict[int, list[int]] = {}
    for index, place in enumerate(places):
        if place >= 0:
            by_place.setdefault(place, []).append(index)
    owner: dict[int, Group] = {}
    for _place, members in sorted(by_place.items()):
        current: Group | None = None
        for index in members:
            moment = moments[index]
            start, end = items[moment.first].t, items[moment.last].t
            if current is not None and start - current.end <= SAME_PLACE_GAP:
                current.reasons.append(
                    f"{moment.reason}, but the same place again after {_duration(start - current.end)}: joined"
                )
                current.end = max(current.end, end)
            else:
                current = Group([], start, end, moment.lat, moment.lon, reasons=[f"starts: {moment.reason}"])
                groups.append(current)
            current.ids.extend(i.id for i in items[moment.first : moment.last + 1])
            owner[index] = current
    others = Group([], math.inf, -math.inf, others=True, reasons=["transit and stray photos"])
    stretches = _stretch_sizes(moments, items)
    for index, moment in enumerate(moments):
        if index in owner:
            continue
        ids = [i.id for i in items[moment.first : moment.last + 1]]
        start, end = items[moment.first].t, items[moment.last].t
        if moment.moving:
            _extend(others, ids, start, end)
            continue
        neighbour, reason = _event_by_time(index, moments, owner, items, stretches[index])
        if neighbour is not None:
            neighbour.ids.extend(ids)
            neighbour.reasons.append(reason)
            neighbour.start, neighbour.end = min(neighbour.start, start), max(neighbour.end, end)
            owner[index] = neighbour
        else:
            group = Group(ids, start, end, reasons=[f"starts: {moment.reason} ({reason})"])
            groups.append(group)
            owner[index] = group
    kept = []
    for group in groups:
        if len(group.ids) < MIN_EVENT_PHOTOS:
            _extend(others, group.ids, group.start, group.end)
        else:
            kept.append(group)
    if others.ids:
        kept.append(others)
    return kept


def _mark_transit(items: Sequence[Item], moments: list[_Moment]) -> None:
    """A short moment reached fast and left fast (over 30 km/h both ways) is a stop on the way."""
    located = [m for m in moments if m.located == "gps"]
    for before, moment, after in zip(located, located[1:], located[2:], strict=False):
        if moment.moving or items[moment.last].t - items[moment.first].t > 30 * 60:
            continue
        speeds = []
        for a, b in ((before, moment), (moment, after)):
            km = distance_km(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
            hours = max((items[b.first].t - items[a.last].t) / 3600, 1 / 60)
            speeds.append(km / hours if km > PLACE_KM else 0.0)
        if min(speeds) > TRANSIT_KMH:
            moment.moving = True
            moment.reason += " (in transit)"


def _extend(group: Group, ids: list[int], start: float, end: float) -> None:
    group.ids.extend(ids)
    group.start, group.end = min(group.start, start), max(group.end, end)


def _event_by_time(
    index: int, moments: list[_Moment], owner: dict[int, Group], items: Sequence[Item], stretch: int
) -> tuple[Group | None, str]:
    """The event a moment without position joins, and why (or None, and why it stays alone).

    A moment too small to be an event (with the moments without position it chains with: time cuts
    split a camera-only event into pieces) joins the event of the closest moment within UNLOCATED_GAP.
    One big enough to be an event joins the closest such event without a position either (nothing
    tells the two apart), or a located event it falls inside (the closest moments on both sides
    belong to it). At a located event's edge, after a time cut, nothing says it was at the same
    place, and a camera-only event right after a located one is common (a GPS-less camera at an
    event nobody else attended): it stays an event of its own (before, it joined its neighbour).
    """
    sides = _events_around(index, moments, owner, items)
    if not sides:
        return None, "no position"
    if stretch < MIN_EVENT_PHOTOS:
        return min(sides, key=lambda side: side[0])[1], "photos without position joined by time"
    if len(sides) == 2 and sides[0][1] is sides[1][1]:
        return sides[0][1], "photos without position inside the event: joined by time"
    unlocated = [side for side in sides if side[1].lat is None]
    if unlocated:
        return min(unlocated, key=lambda side: side[0])[1], "photos without position joined by time"
    return None, "no position, at the edge of a located event: an event of its own"


def _stretch_sizes(moments: list[_Moment], items: Sequence[Item]) -> list[int]:
    """Per moment, the photos in the stretch of moments without position (and not moving) holding
    it, each within UNLOCATED_GAP of the next: the camera-only stretch time cuts may have split
    (0 for the others). One pass, however long the stretch."""
    stretch: list[int] = []  # per moment, its stretch's number (-1: located or moving)
    totals: list[int] = []
    for index, moment in enumerate(moments):
        if moment.lat is not None or moment.moving:
            stretch.append(-1)
            continue
        previous = moments[index - 1] if index else None
        if previous is None or stretch[-1] < 0 or items[moment.first].t - items[previous.last].t > UNLOCATED_GAP:
            totals.append(0)
        stretch.append(len(totals) - 1)
        totals[-1] += moment.last - moment.first + 1
    return [totals[n] if n >= 0 else 0 for n in stretch]


def _events_around(
    index: int, moments: list[_Moment], owner: dict[int, Group], items: Sequence[Item]
) -> list[tuple[float, Group]]:
    """(gap, event) of the closest owned moment before and after, each when within UNLOCATED_GAP."""
    out = []
    moment = moments[index]
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(moments) and other not in owner and moments[other].lat is None:
            other += step
        if 0 <= other < len(moments) and other in owner:
            neighbour = moments[other]
            gap = (
                (items[moment.first].t - items[neighbour.last].t)
                if step < 0
                else (items[neighbour.first].t - items[moment.last].t)
            )
            if gap <= UNLOCATED_GAP:
                out.append((gap, owner[other]))
    return out


def _place_clusters(moments: list[_Moment]) -> list[int]:
    """Cluster id per moment (-1: no position or moving): greedy, within SAME_PLACE_KM of the cluster seed."""
    cells: dict[tuple[int, int], list[int]] = {}
    seeds: list[tuple[float, float]] = []
    out = []
    for moment in moments:
        if moment.lat is None or moment.lon is None or moment.moving:
            out.append(-1)
            continue
        key = (int(math.floor(moment.lat * 100)), int(math.floor(moment.lon * 100)))
        found = -1
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for cluster in cells.get((key[0] + dy, key[1] + dx), []):
                    if distance_km(moment.lat, moment.lon, *seeds[cluster]) <= SAME_PLACE_KM:
                        found = cluster if found < 0 else min(found, cluster)
        if found < 0:
            found = len(seeds)
            seeds.append((moment.lat, moment.lon))
            cells.setdefault(key, []).append(found)
        out.append(found)
    return out


# -- helpers ------------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
