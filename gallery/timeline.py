"""True capture times: zones, GPS clocks and per-device clock offsets. Pure: no I/O here.

Order of trust for each photo (DESIGN.md, "Time model"):

1. offset_tag          OffsetTimeOriginal with the camera time (unless its own GPS clock refutes it)
   xmp                 the same from a date in the file's embedded XMP, with the offset written there
2. gps_clock           the photo's GPS time, read through its device's nearby GPS residuals
3. zone_from_position  the zone at the photo's own position applied to its (corrected) camera time
4. device_offset       the device's offset: from its GPS photos, by aligning its activity with the
                       devices already placed, or set by hand
5. mission_zone        the zone of a mission whose dates cover the photo
6. import_option       `gallery import --timezone`
   (manual              a date a person set or confirmed beats all of them: `gallery photos set-date`)
7. unknown             naive camera time kept and flagged, never guessed
   (estimated           not a true time: an instant good enough to put the photo in its event's
                        album, from an unresolved device's best candidate when every likely candidate
                        groups its photos alike, or from its file-number neighbours for photos on a
                        reset date. Never shown as a capture time; never an accepted offset.)

Internally a device offset is "camera minus UTC" in seconds: the clock's zone and its error
together, which is what a camera clock really is (it ticks on, whatever country it is in). What
people see is one convention everywhere: the correction, seconds to add to the camera's time to
read the true local time where the photo was taken (`DeviceClock.correction`), which is exactly
what `gallery devices set-offset` takes: -6 h for a camera left on Paris time in Montréal.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import clocks as weighing
from . import events, notes
from .clocks import Candidate, Evidence
from .events import ProgrammeEvent

ZoneAt = Callable[[float, float], str | None]

OFFSET_TAG_TOLERANCE = 15 * 60  # an offset tag refuted by the photo's own GPS clock beyond this
GPS_NEIGHBOURS = 5  # GPS residuals of the nearest photos (camera time) that time a photo
INFER_SAME_DEVICE = 30 * 60  # seconds: borrow a position from the same device within this
INFER_OTHER_DEVICE = 10 * 60  # seconds: ... or from another device once clocks are aligned
ALIGN_MIN_PHOTOS = 3  # fewer dated photos: a device is not weighed (gallery/clocks.py weighs)
# A device without clock evidence is weighed against the other devices' photos (and the zone they
# were in) within this many seconds of its own camera times: the farthest clock error searched
# (clocks.REACH) with six hours to spare. What lies further cannot explain its clock, and leaving it
# out makes the cost of re-timing follow the change, not the archive (gallery/organise.py).
EVIDENCE_WINDOW = 56 * 3600


@dataclass(frozen=True)
class Shot:
    """What the catalog knows of one photo's time and place before resolution."""

    id: int
    device: str
    camera_time: datetime | None  # naive
    camera_offset: int | None = None  # minutes
    date_source: str | None = None
    gps_time: datetime | None = None  # aware UTC
    lat: float | None = None
    lon: float | None = None
    clock_shift: int | None = None  # seconds, from `import --clock-offset`
    import_zone: str | None = None
    manual_time: datetime | None = None  # aware: a date a person set or confirmed (beats everything)
    manual_zone: str | None = None
    sequence: int | None = None  # the file's number (IMG_0141 -> 141): the order the camera shot in


@dataclass(frozen=True)
class Timing:
    id: int
    utc: datetime | None  # aware UTC
    zone: str | None
    local: datetime | None  # naive, in `zone` (or the camera's own when the zone is unknown)
    source: str
    lat: float | None = None  # own or inferred position
    lon: float | None = None
    position_inferred: bool = False


@dataclass(frozen=True)
class DeviceClock:
    device: str
    offset: int | None  # camera minus UTC, seconds (median over the device)
    source: str | None  # gps | alignment | manual | None
    confidence: float | None = None
    note: str = ""
    photos: int = 0
    with_gps: int = 0
    candidates: tuple[Candidate, ...] = ()  # ranked corrections, best first (alignment only)
    correction: int | None = None  # seconds to add to the camera time to read local time (set-offset's unit)
    span: tuple[datetime, datetime] | None = None  # camera times an aligned offset holds for
    pieces: tuple[tuple[int, int, int], ...] = ()  # a clock that changed: (first id, last id, offset) in shooting order
    # unresolved, a clock that seems to change: each side's (first id, last id, candidates), for grouping only
    sides: tuple[tuple[int, int, tuple[Candidate, ...]], ...] = ()
    runs: tuple[RunClock, ...] = ()  # a camera weighed run by run (`_runs`): each run's clock, in time order


@dataclass(frozen=True)
class MissionZone:
    start: datetime  # naive local bounds of the mission, in `zone`
    end: datetime
    zone: str


def resolve(
    shots: Sequence[Shot],
    zone_at: ZoneAt,
    manual: dict[str, int] | None = None,
    missions: Sequence[MissionZone] = (),
    programme: Sequence[ProgrammeEvent] = (),
    home_zone: str | None = None,
) -> tuple[list[Timing], dict[str, DeviceClock]]:
    """Resolve every shot's UTC instant, zone and local time; report what was learned per device.

    `programme` holds the mission programme's events (windows in UTC seconds, venues) and
    `home_zone` the organisation's zone: both are evidence for the clocks of devices without GPS;
    a photo without a position inside an event with a venue takes the venue's (inferred).
    """
    manual = manual or {}
    windows = tuple((e.start, e.end) for e in programme)
    shots, real, stretches = _runs(shots, manual, windows)
    by_device: dict[str, list[Shot]] = defaultdict(list)
    for shot in shots:
        by_device[shot.device].append(shot)
    residuals = {device: _gps_residuals(group, zone_at) for device, group in by_device.items()}
    timings: dict[int, Timing] = {}
    for device, group in by_device.items():
        for shot in group:
            timings[shot.id] = _own_evidence(shot, residuals[device], manual.get(device), zone_at)
    clocks = {d: _clock_from_gps(d, g, residuals[d], manual.get(d)) for d, g in by_device.items()}
    context = _Context(zone_at, missions, windows, home_zone, manual, real)
    _align_devices(by_device, timings, clocks, context)
    _apply_device_offsets(by_device, timings, clocks, residuals)
    _infer_positions(shots, timings, programme)
    finished = [_finish(s, timings[s.id], zone_at, missions, manual.get(s.device)) for s in shots]
    finished = [_at_venue(t, programme) for t in finished]
    finished = estimate_for_grouping(shots, finished, clocks, programme, zone_at, missions)
    found = _flag_fallbacks(_with_corrections(clocks, shots, finished, manual), shots, finished)
    return finished, _one_per_camera(found, real, by_device, stretches, finished)


# -- one clock per camera per trip -----------------------------------------------------------------

# A GPS-less camera's photos this far apart in camera time, with nothing of the trip between them,
# cannot meet one trip whatever the shift searched (over twice clocks.REACH), nor be one trip's
# days apart (a trip of 1-10 days may leave its devices idle for most of a week between two
# events: bench/clocks_eval.py's seeds 22 and 82 would be cut at 100 h): each run is weighed on
# its own and takes its own offset (a camera on two missions months apart, right on one and a zone
# off on the other), reading only what lies within its reach. A hand-set offset holds for all.
RUN_GAP = 14 * 86400
RUN = "\x00"  # a run's key: the camera's, RUN, its rank (never shown: `_one_per_camera` merges back)


@dataclass(frozen=True)
class RunClock:
    """One run of a GPS-less camera (`_runs`) and the clock it was weighed to, as the catalog keeps it
    (`device_runs`): what re-timing one run alone (gallery/organise.py) reads and merges back."""

    rank: int
    first: datetime  # naive camera times of its first and last dated photo (`_dated`)
    last: datetime
    clock: DeviceClock  # the run's own clock (its key the camera's)
    utc: tuple[datetime, datetime] | None = None  # its photos' first and last UTC time, when placed
    # its photos are exactly the camera's dated between first and last (no reset stretch, no undated
    # photo joined it), no gap over RUN_GAP inside it (which other devices' photos bridge), and another
    # device's self-placed photo lies within its reach (kept whatever the programme): a programme change
    # leaves it the same run, and read alone it is weighed as in a full pass, so it can be re-timed alone
    closed: bool = False


def _runs(
    shots: Sequence[Shot], manual: dict[str, int], windows: Sequence[tuple[float, float]]
) -> tuple[Sequence[Shot], dict[str, str], dict[str, bool]]:
    """Each GPS-less camera split into its runs (keys `camera RUN n`), with each run's camera.

    A run is a stretch of camera time with no gap over RUN_GAP across which the trip went on (another
    device's photo more than clocks.REACH inside the gap: a long trip the camera sat out part of is
    one trip; a programme window alone is not, a mission the camera was not on), and with something
    to be weighed against within its reach (a photo or a programme window);
    a stretch with nothing (a reset date: 2000-01-01 after a battery change) stays with the run of
    its file-number neighbours, which weighs it as its clock's (clocks.weigh_pieces).
    Also returns, per run, whether it is closed (`RunClock.closed`)."""
    by_device: dict[str, list[Shot]] = defaultdict(list)
    for shot in shots:
        by_device[shot.device].append(shot)
    split: dict[int, str] = {}
    real: dict[str, str] = {}
    closed: dict[str, bool] = {}
    others: list[float] | None = None
    for device, group in by_device.items():
        if device in manual or any(s.lat is not None or s.gps_time is not None for s in group):
            continue
        dated = sorted(
            ((when, s) for s in group if (when := _camera_seconds(s)) is not None and _is_exif_dated(s)),
            key=lambda pair: (pair[0], pair[1].id),
        )
        if not dated or dated[-1][0] - dated[0][0] <= RUN_GAP:
            continue
        if others is None:
            others = sorted(when for s in shots if (when := _shot_seconds(s)) is not None)
        own = sorted(when for s in group if (when := _shot_seconds(s)) is not None)
        stretches: list[list[tuple[float, Shot]]] = [[dated[0]]]
        bridged: set[int] = set()  # the stretches a long trip holds across a gap over RUN_GAP
        for previous, current in itertools.pairwise(dated):
            middle = previous[0] + weighing.REACH, current[0] - weighing.REACH
            if current[0] - previous[0] > RUN_GAP:
                if not _active(*middle, others, own, ()):
                    stretches.append([])
                else:
                    bridged.add(len(stretches) - 1)
            stretches[-1].append(current)
        kept = [st for st in stretches if _within_reach(st[0][0], st[-1][0], others, own, windows)]
        if len(kept) < 2:
            continue
        rank = {id(st): n for n, st in enumerate(kept)}
        numbered = sorted((s.sequence, rank[id(st)]) for st in kept for _, s in st if s.sequence is not None)
        for stretch in stretches:
            n = rank.get(id(stretch))
            if n is None:
                n = _neighbours_run(stretch, kept, numbered)
            for _, s in stretch:
                split[s.id] = f"{device}{RUN}{n}"
        for s in group:  # dated otherwise (a file name): the run nearest in camera time; undated: the first
            if s.id not in split:
                when = _camera_seconds(s)
                n = 0 if when is None else _neighbours_run([(when, s)], kept, [])
                split[s.id] = f"{device}{RUN}{n}"
        for n, stretch in enumerate(kept):
            real[f"{device}{RUN}{n}"] = device
            reach = stretch[0][0] - EVIDENCE_WINDOW - weighing.REACH, stretch[-1][0] + EVIDENCE_WINDOW + weighing.REACH
            closed[f"{device}{RUN}{n}"] = _active(*reach, others, own, ()) and stretches.index(stretch) not in bridged
        for s in group:
            key = split[s.id]
            n = int(key.rsplit(RUN, 1)[1])
            when = _camera_seconds(s)
            if when is None or not kept[n][0][0] <= when <= kept[n][-1][0]:
                closed[key] = False
        for stretch in stretches:
            if rank.get(id(stretch)) is None:
                closed[split[stretch[0][1].id]] = False
    if not split:
        return shots, real, closed
    return [replace(s, device=split[s.id]) if s.id in split else s for s in shots], real, closed


def _shot_seconds(shot: Shot) -> float | None:
    """A photo's time as evidence of a trip nearby, when it can be placed on its own: its GPS time,
    its offset tag's, or its camera time when it has a position (near enough for a reach of days).
    Not a camera time alone: two cameras reset to 2000-01-01 are no trip for each other."""
    if shot.gps_time is not None:
        return shot.gps_time.timestamp()
    camera = _camera_seconds(shot)
    if camera is not None and shot.camera_offset is not None:
        return camera - shot.camera_offset * 60
    return camera if shot.lat is not None and shot.lon is not None else None


def _within_reach(
    first: float, last: float, others: Sequence[float], own: Sequence[float], windows: Sequence[tuple[float, float]]
) -> bool:
    """Something to weigh this stretch against within its reach (what `_evidence` would read)."""
    return _active(
        first - EVIDENCE_WINDOW - weighing.REACH, last + EVIDENCE_WINDOW + weighing.REACH, others, own, windows
    )


def _active(
    lo: float, hi: float, others: Sequence[float], own: Sequence[float], windows: Sequence[tuple[float, float]]
) -> bool:
    """Another device's photo (all photos less the camera's own) or a programme window within lo..hi."""

    def count(times: Sequence[float]) -> int:
        return bisect.bisect_right(times, hi) - bisect.bisect_left(times, lo)

    return count(others) > count(own) or any(w[1] >= lo and w[0] <= hi for w in windows)


def _neighbours_run(
    stretch: Sequence[tuple[float, Shot]],
    kept: Sequence[Sequence[tuple[float, Shot]]],
    numbered: Sequence[tuple[int, int]],
) -> int:
    """The run of the nearest file number before this stretch's first (a reset run follows its card),
    else after it; without file numbers, the run nearest in camera time."""
    numbers = [s.sequence for _, s in stretch if s.sequence is not None]
    if numbers and numbered:
        first = min(numbers)
        at = bisect.bisect_left(numbered, (first, -1))
        return numbered[at - 1][1] if at > 0 else numbered[0][1]
    middle = stretch[len(stretch) // 2][0]
    return min(range(len(kept)), key=lambda n: min(abs(kept[n][0][0] - middle), abs(kept[n][-1][0] - middle)))


def _one_per_camera(
    clocks: dict[str, DeviceClock],
    real: dict[str, str],
    by_device: dict[str, list[Shot]],
    closed: dict[str, bool] | None = None,
    timings: Sequence[Timing] = (),
) -> dict[str, DeviceClock]:
    """The runs of a camera back into one clock (`merge_runs`), each run's kept in `runs`."""
    if not real:
        return clocks
    out = {key: clock for key, clock in clocks.items() if key not in real}
    cameras: dict[str, list[str]] = defaultdict(list)
    for key, device in real.items():
        cameras[device].append(key)
    utc: dict[int, datetime] = {t.id: t.utc for t in timings if t.utc is not None}
    for device, keys in cameras.items():
        runs = []
        for key in keys:
            times = [_naive_camera(s) for s in _dated(by_device[key])]
            placed = [utc[s.id] for s in by_device[key] if s.id in utc]
            runs.append(
                RunClock(
                    int(key.rsplit(RUN, 1)[1]),
                    min(times),
                    max(times),
                    replace(clocks[key], device=device),
                    (min(placed), max(placed)) if placed else None,
                    (closed or {}).get(key, False),
                )
            )
        out[device] = merge_runs(device, runs)
    return out


def merge_runs(device: str, runs: Sequence[RunClock]) -> DeviceClock:
    """A camera's runs as one clock: the largest aligned run's offset, correction and candidates
    (what set-offset and the devices page read), and a note saying each run's; the runs kept."""
    runs = sorted(runs, key=lambda r: r.first)
    aligned = [r.clock for r in runs if r.clock.source == "alignment"]
    main = max(aligned or [r.clock for r in runs], key=lambda c: c.photos)
    said = [
        [r.first.date().isoformat(), r.last.date().isoformat(), r.clock.photos, r.clock.correction, r.clock.note]
        for r in runs
    ]
    return replace(
        main,
        device=device,
        note=notes.note("per_trip", runs=said),
        photos=sum(r.clock.photos for r in runs),
        with_gps=sum(r.clock.with_gps for r in runs),
        confidence=min((c.confidence for c in aligned if c.confidence is not None), default=main.confidence),
        span=None,
        pieces=(),
        sides=(),
        runs=tuple(runs),
    )


def _dated(group: Sequence[Shot]) -> list[Shot]:
    dated = [s for s in group if camera_time(s) is not None]
    return dated or list(group)


NIGHT = (1, 5)  # local hours when few people take photos: a fallback zone putting many there is doubtful
NIGHT_SHARE = 0.25


def _flag_fallbacks(
    clocks: dict[str, DeviceClock], shots: Sequence[Shot], timings: Sequence[Timing]
) -> dict[str, DeviceClock]:
    """Say which fallback zone an unaligned device's photos took, and flag it when their hours contradict it."""
    used: dict[str, list[Timing]] = defaultdict(list)
    estimated: dict[str, int] = defaultdict(int)
    for shot, timing in zip(shots, timings, strict=True):
        if timing.source in ("mission_zone", "import_option") and timing.local is not None:
            used[shot.device].append(timing)
        estimated[shot.device] += timing.source == ESTIMATED
    out = dict(clocks)
    for device, count in estimated.items():
        if count:
            out[device] = replace(out[device], note=notes.join(out[device].note, notes.note("estimated", count=count)))
    for device, placed in used.items():
        zones = sorted({t.zone for t in placed if t.zone})
        night = sum(1 for t in placed if t.local and NIGHT[0] <= t.local.hour < NIGHT[1]) / len(placed)
        whose = "mission" if placed[0].source == "mission_zone" else "import"
        note = notes.note("zone_fallback", count=len(placed), whose=whose, zones=zones)
        if night >= NIGHT_SHARE:
            note = notes.note(
                "zone_doubtful",
                count=len(placed),
                whose=whose,
                zones=zones,
                share=round(night, 2),
                start=NIGHT[0],
                end=NIGHT[1],
            )
        clock = out[device]
        out[device] = replace(clock, note=notes.join(clock.note, note))
    return out


def _with_corrections(
    clocks: dict[str, DeviceClock], shots: Sequence[Shot], timings: Sequence[Timing], manual: dict[str, int]
) -> dict[str, DeviceClock]:
    """Each placed device's correction: the median of (local time - camera time) over its photos
    (those placed for grouping only never weigh: a reset date would)."""
    gaps: dict[str, list[float]] = defaultdict(list)
    for shot, timing in zip(shots, timings, strict=True):
        camera = camera_time(shot)
        if camera is not None and timing.local is not None and timing.source not in ("mtime", "unknown", ESTIMATED):
            gaps[shot.device].append((timing.local - camera).total_seconds())
    out = {}
    for device, clock in clocks.items():
        if device in manual:
            correction: int | None = manual[device]
        elif clock.source in ("gps", "alignment") and gaps[device]:
            correction = round(statistics.median(gaps[device]) / 60) * 60
        else:
            correction = None
        out[device] = replace(clock, correction=correction)
    return out


# -- evidence on the photo itself ---------------------------------------------------------------


def camera_time(shot: Shot) -> datetime | None:
    """The camera's time after `--clock-offset`, or None when the file had no usable date."""
    if shot.camera_time is None:
        return None
    return shot.camera_time + timedelta(seconds=shot.clock_shift or 0)


def _is_exif_dated(shot: Shot) -> bool:
    return shot.camera_time is not None and (shot.date_source or "").startswith("exif")


def _is_xmp_dated(shot: Shot) -> bool:
    return (shot.date_source or "").startswith("xmp")


def _gps_residuals(group: Sequence[Shot], zone_at: ZoneAt) -> list[tuple[datetime, float]]:
    """(camera time, camera minus GPS UTC in seconds) for the device's photos carrying both, by time."""
    out = []
    for shot in group:
        camera = camera_time(shot)
        if shot.gps_time is not None and camera is not None and _is_exif_dated(shot):
            out.append((camera, (camera - shot.gps_time.replace(tzinfo=None)).total_seconds()))
    return sorted(out)


def nearby_residual(residuals: Sequence[tuple[datetime, float]], when: datetime) -> float | None:
    """Median of the GPS residuals nearest in camera time: robust to stale fixes and clock resets."""
    if not residuals:
        return None
    index = bisect.bisect_left(residuals, (when, -math.inf))
    lo, hi = max(0, index - GPS_NEIGHBOURS), min(len(residuals), index + GPS_NEIGHBOURS)
    window = sorted(residuals[lo:hi], key=lambda r: abs((r[0] - when).total_seconds()))[:GPS_NEIGHBOURS]
    return statistics.median(r[1] for r in window)


def _own_evidence(
    shot: Shot, residuals: Sequence[tuple[datetime, float]], manual: int | None, zone_at: ZoneAt
) -> Timing:
    camera = camera_time(shot)
    position = (shot.lat, shot.lon) if shot.lat is not None and shot.lon is not None else None
    if shot.manual_time is not None:
        utc = shot.manual_time.astimezone(UTC)
        return Timing(shot.id, utc, shot.manual_zone, None, "manual", *(position or (None, None)))
    if camera is None:
        return Timing(shot.id, None, None, None, "unknown", *(position or (None, None)))
    if shot.date_source == "mtime":
        utc = camera.replace(tzinfo=UTC)
        return Timing(shot.id, utc, None, None, "mtime", *(position or (None, None)))
    if manual is not None:
        camera = camera + timedelta(seconds=manual)  # a person's correction beats any evidence
    elif shot.camera_offset is not None:
        utc = (camera - timedelta(minutes=shot.camera_offset)).replace(tzinfo=UTC)
        refuted = shot.gps_time and abs((utc - shot.gps_time).total_seconds()) > OFFSET_TAG_TOLERANCE
        if not refuted:
            source = "xmp" if _is_xmp_dated(shot) else "offset_tag"
            return Timing(shot.id, utc, None, None, source, *(position or (None, None)))
    if manual is None and shot.gps_time is not None and _is_exif_dated(shot):
        residual = nearby_residual(residuals, camera)
        utc = (camera - timedelta(seconds=residual or 0)).replace(tzinfo=UTC)
        return Timing(shot.id, utc, None, None, "gps_clock", *(position or (None, None)))
    if position is not None:
        zone = zone_at(*position)
        if zone:
            local = camera - timedelta(seconds=_local_error(residuals, camera, zone) if manual is None else 0)
            utc = local_to_utc(local, zone)
            return Timing(shot.id, utc, zone, None, "zone_from_position", *position)
    return Timing(shot.id, None, None, None, "pending", *(position or (None, None)))


def _local_error(residuals: Sequence[tuple[datetime, float]], camera: datetime, zone: str) -> float:
    """The device's clock error against local time in `zone`, from its nearby GPS residuals (0 if none)."""
    residual = nearby_residual(residuals, camera)
    if residual is None:
        return 0.0
    utc = (camera - timedelta(seconds=residual)).replace(tzinfo=UTC)
    offset = utc.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    return residual - offset.total_seconds()


def local_to_utc(local: datetime, zone: str) -> datetime:
    """Naive local time in an IANA zone -> aware UTC (first occurrence in a repeated DST hour)."""
    return local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def utc_to_local(utc: datetime, zone: str) -> datetime:
    return utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def is_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# -- device clocks ------------------------------------------------------------------------------


def _clock_from_gps(
    device: str, group: Sequence[Shot], residuals: Sequence[tuple[datetime, float]], manual: int | None
) -> DeviceClock:
    with_gps = sum(1 for s in group if s.lat is not None or s.gps_time is not None)
    if manual is not None:
        return DeviceClock(device, None, "manual", 1.0, notes.note("set_by_hand"), len(group), with_gps)
    if residuals:
        values = [r[1] for r in residuals]
        median = statistics.median(values)
        spread = statistics.median(abs(v - median) for v in values)
        note = notes.gps_median(len(values), spread)
        confidence = 1.0 if spread < 120 else 0.5
        return DeviceClock(device, round(median), "gps", confidence, note, len(group), with_gps)
    return DeviceClock(device, None, None, None, "", len(group), with_gps)


def _needs_alignment(group: Sequence[Shot], timings: dict[int, Timing]) -> list[Shot]:
    return [s for s in group if timings[s.id].source == "pending" and _is_exif_dated(s)]


@dataclass(frozen=True)
class _Context:
    zone_at: ZoneAt
    missions: Sequence[MissionZone]
    programme: tuple[tuple[float, float], ...]
    home_zone: str | None
    manual: dict[str, int]
    real: dict[str, str] = field(default_factory=dict)  # a run of a camera (`_runs`): the camera it is
    # photos of an aligned device not on its offset (a reset date left out, the other side of a changed clock):
    # not evidence for the others at that offset
    apart: set[int] = field(default_factory=set)


PLACED_SOURCES = ("offset_tag", "xmp", "gps_clock", "zone_from_position")


def _align_devices(
    by_device: dict[str, list[Shot]], timings: dict[int, Timing], clocks: dict[str, DeviceClock], context: _Context
) -> None:
    """Devices with no clock evidence: weigh their activity against what is placed, until nothing changes.

    A device aligned in one pass counts as placed in the next (two cameras, one of them near a phone).
    """
    _place_manual(by_device, timings, context)
    waiting = {d for d in by_device if clocks[d].source is None}
    decided: dict[str, int] = {}
    while True:
        progress = False
        for device in sorted(waiting - set(decided)):
            todo = _in_shooting_order(_needs_alignment(by_device[device], timings))
            if len(todo) < ALIGN_MIN_PHOTOS:
                continue
            evidence = _evidence(by_device, device, timings, decided, context)
            pieces = weighing.weigh_pieces([_naive_seconds(camera_time(s)) for s in todo], evidence)
            if len(pieces) > 1:
                offset = _two_clocks(device, todo, pieces, clocks)
            else:
                offset = _one_clock(device, todo, pieces[0].verdict, clocks)
            if offset is not None:
                decided[device] = offset
                context.apart.update(
                    todo[i].id for p in pieces if p.verdict.offset != offset for i in range(p.first, p.last + 1)
                )
                progress = True
        if not progress:
            return


def _one_clock(device: str, todo: list[Shot], verdict: weighing.Verdict, clocks: dict[str, DeviceClock]) -> int | None:
    times = sorted(_naive_camera(s) for s in todo)
    clocks[device] = replace(
        clocks[device],
        offset=verdict.offset,
        candidates=verdict.candidates,
        note=verdict.note,
        sides=tuple((todo[p.first].id, todo[p.last].id, p.verdict.candidates) for p in verdict.sides),
        span=(times[0], times[-1]),
        source="alignment" if verdict.offset is not None else None,
        confidence=verdict.candidates[0].probability if verdict.candidates else None,
    )
    return verdict.offset


def _two_clocks(
    device: str, todo: list[Shot], pieces: list[weighing.Piece], clocks: dict[str, DeviceClock]
) -> int | None:
    """A clock changed during the trip: each run of photos takes its own offset (the largest run names the device)."""
    decided = [p for p in pieces if p.verdict.offset is not None]
    if not decided:
        return _one_clock(device, todo, pieces[0].verdict, clocks)
    if len({p.verdict.offset for p in decided}) == 1:  # a reset date: its photos left out, the others on one clock
        main = max(decided, key=lambda p: p.last - p.first)
        clocks[device] = replace(
            clocks[device],
            offset=main.verdict.offset,
            candidates=main.verdict.candidates,
            note=notes.join(
                main.verdict.note,
                notes.note("reset_left_out", count=len(todo) - sum(p.last - p.first + 1 for p in decided)),
            ),
            span=None,
            pieces=tuple((todo[p.first].id, todo[p.last].id, p.verdict.offset or 0) for p in decided),
            source="alignment",
            confidence=main.verdict.candidates[0].probability if main.verdict.candidates else None,
        )
        return main.verdict.offset
    main = max(decided, key=lambda p: p.last - p.first)
    runs = [
        [
            p.verdict.candidates[0].correction if p.verdict.offset is not None and p.verdict.candidates else None,
            p.first + 1,
            p.last + 1,
        ]
        for p in pieces
    ]
    clocks[device] = replace(
        clocks[device],
        offset=main.verdict.offset,
        candidates=main.verdict.candidates,
        note=notes.note("two_clocks", pieces=runs),
        span=None,
        pieces=tuple((todo[p.first].id, todo[p.last].id, p.verdict.offset) for p in decided),  # type: ignore[misc]
        source="alignment",
        confidence=min(p.verdict.candidates[0].probability for p in decided if p.verdict.candidates),
    )
    return main.verdict.offset


def _in_shooting_order(shots: list[Shot]) -> list[Shot]:
    """By file number when every photo has a distinct one, else by camera time."""
    numbers = [s.sequence for s in shots]
    if shots and None not in numbers and len(set(numbers)) == len(numbers):
        return sorted(shots, key=lambda s: s.sequence or 0)
    return sorted(shots, key=_naive_camera)


def file_number(name: str | None) -> int | None:
    """The number a camera gives its files (IMG_0141.JPG -> 141, DSC01234.JPG -> 1234), if any."""
    if not name:
        return None
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    digits = ""
    for char in reversed(stem):
        if not char.isdigit():
            break
        digits = char + digits
    return int(digits) if 3 <= len(digits) <= 6 else None


def _place_manual(by_device: dict[str, list[Shot]], timings: dict[int, Timing], context: _Context) -> None:
    """A hand-corrected camera shows local time: read it in the zone where the other devices are."""
    for device, correction in context.manual.items():
        pending = [s for s in by_device.get(device, []) if timings[s.id].source == "pending" and _is_exif_dated(s)]
        zone = _evidence(by_device, device, timings, {}, context).zone if pending else None
        for shot in pending if zone else []:
            shown = camera_time(shot)
            assert zone is not None and shown is not None
            local = shown + timedelta(seconds=correction)
            timings[shot.id] = replace(
                timings[shot.id], utc=local_to_utc(local, zone), zone=zone, source="device_offset"
            )


def _evidence(
    by_device: dict[str, list[Shot]],
    device: str,
    timings: dict[int, Timing],
    decided: dict[str, int],
    context: _Context,
) -> Evidence:
    """What weighs this device's clock: the others' photos within EVIDENCE_WINDOW of its camera times,
    and only the programme windows and mission zones within its reach (that window widened by the
    largest shift searched, clocks.REACH): what lies further cannot explain its clock, and reading
    it would make re-timing a device follow every programme of the archive (gallery/organise.py).
    The runs of one camera (`_runs`) are not evidence for each other: they are one clock's photos."""
    lo, hi = evidence_window(by_device[device])
    mine = context.real.get(device, device)
    placed: list[float] = []
    zones: dict[str, int] = defaultdict(int)
    for other, group in by_device.items():
        if other == device or context.real.get(other, other) == mine:
            continue
        for shot in group:
            timing = timings[shot.id]
            when: float | None
            if timing.utc is not None and timing.source in PLACED_SOURCES:
                when = timing.utc.timestamp()
                if lo <= when <= hi:
                    placed.append(when)
            elif (
                other in decided
                and timing.source == "pending"
                and _is_exif_dated(shot)
                and shot.id not in context.apart
            ):
                when = _naive_seconds(camera_time(shot)) - decided[other]
                if lo <= when <= hi:
                    placed.append(when)
            else:
                when = timing.utc.timestamp() if timing.utc else _camera_seconds(shot)
            if when is None or not lo <= when <= hi:
                continue
            if timing.lat is not None and timing.lon is not None and not timing.position_inferred:
                zone = context.zone_at(timing.lat, timing.lon)
                if zone:
                    zones[zone] += 1
    windows = tuple(w for w in context.programme if w[1] >= lo - weighing.REACH and w[0] <= hi + weighing.REACH)
    near = _missions_in_reach(context.missions, lo - weighing.REACH, hi + weighing.REACH)
    mission_zones = [m.zone for m in near]
    zone = max(zones, key=lambda z: zones[z]) if zones else _mission_zone(by_device[device], near)
    return Evidence(sorted(placed), windows, zone, context.home_zone, (*mission_zones, *zones))


def _missions_in_reach(missions: Sequence[MissionZone], lo: float, hi: float) -> list[MissionZone]:
    """The missions whose span (local, widened by the day `_fallback_zone` lends either side and the
    widest gap between local time and UTC) meets these seconds; in time order, whatever the catalog's."""
    spare = 86400 + 14 * 3600
    return sorted(
        (m for m in missions if _naive_seconds(m.end) + spare >= lo and _naive_seconds(m.start) - spare <= hi),
        key=lambda m: (m.start, m.end, m.zone),
    )


def _mission_zone(group: Sequence[Shot], near: Sequence[MissionZone]) -> str | None:
    """The zone of the mission covering most of these photos (camera time, a day either side, as
    `_fallback_zone` reads it); else of the nearest mission in reach; else none."""
    if not near:
        return None
    seconds = sorted(when for shot in group if (when := _camera_seconds(shot)) is not None)
    if not seconds:
        return near[0].zone
    day = 86400.0

    def covered(mission: MissionZone) -> int:
        a, b = _naive_seconds(mission.start) - day, _naive_seconds(mission.end) + day
        return bisect.bisect_right(seconds, b) - bisect.bisect_left(seconds, a)

    def distance(mission: MissionZone) -> float:
        a, b = _naive_seconds(mission.start), _naive_seconds(mission.end)
        return max(0.0, a - seconds[-1], seconds[0] - b)

    best = max(near, key=lambda m: (covered(m), -distance(m)))  # ties: the first in time order
    return best.zone


def evidence_window(group: Sequence[Shot]) -> tuple[float, float]:
    """The UTC seconds whose photos of other devices weigh this device's clock (its camera times, widened)."""
    seconds = [when for shot in group if (when := _camera_seconds(shot)) is not None]
    if not seconds:
        return -math.inf, math.inf
    return min(seconds) - EVIDENCE_WINDOW, max(seconds) + EVIDENCE_WINDOW


def _camera_seconds(shot: Shot) -> float | None:
    when = camera_time(shot)
    return None if when is None else _naive_seconds(when)


def _others(by_device: dict[str, list[Shot]], device: str) -> Iterable[Shot]:
    for other, group in by_device.items():
        if other != device:
            yield from group


def _naive_camera(shot: Shot) -> datetime:
    when = camera_time(shot)
    assert when is not None
    return when


def _naive_seconds(when: datetime | None) -> float:
    assert when is not None
    return when.replace(tzinfo=UTC).timestamp()


def _apply_device_offsets(
    by_device: dict[str, list[Shot]],
    timings: dict[int, Timing],
    clocks: dict[str, DeviceClock],
    residuals: dict[str, list[tuple[datetime, float]]],
) -> None:
    """Photos still pending get their device's learned clock (nearby GPS residuals, or alignment)."""
    for device, group in by_device.items():
        clock = clocks[device]
        if clock.source not in ("gps", "alignment"):
            continue
        ordered = _in_shooting_order([s for s in group if _is_exif_dated(s)])
        order = {s.id: n for n, s in enumerate(ordered)}
        if clock.pieces:
            clock = replace(clock, pieces=tuple((order[a], order[b], o) for a, b, o in clock.pieces))
        for shot in group:
            timing = timings[shot.id]
            camera = camera_time(shot)
            if timing.source != "pending" or camera is None:
                continue
            if clock.span and not clock.span[0] <= camera <= clock.span[1]:
                continue  # not on the clock the alignment measured
            offset = nearby_residual(residuals[device], camera) if residuals[device] else clock.offset
            if clock.pieces:
                offset = _piece_offset(clock.pieces, order.get(shot.id))
                if offset is None:  # taken on a clock nothing could place: no fallback zone either
                    timings[shot.id] = replace(timing, source="unknown")
                    continue
            utc = (camera - timedelta(seconds=offset or 0)).replace(tzinfo=UTC)
            timings[shot.id] = replace(timing, utc=utc, source="device_offset")


def _piece_offset(pieces: Sequence[tuple[int, int, int]], rank: int | None) -> int | None:
    for first, last, offset in pieces:
        if rank is not None and first <= rank <= last:
            return offset
    return None


# -- positions and zones -------------------------------------------------------------------------


def _infer_positions(shots: Sequence[Shot], timings: dict[int, Timing], programme: Sequence[ProgrammeEvent]) -> None:
    """A photo without GPS borrows the nearest located photo: same device within 30 min, else any within
    10; else the venue of the programme event it falls in."""
    located: list[tuple[float, str, float, float]] = sorted(
        (timings[s.id].utc.timestamp(), s.device, timings[s.id].lat, timings[s.id].lon)  # type: ignore[union-attr,misc]
        for s in shots
        if timings[s.id].utc is not None and timings[s.id].lat is not None and not timings[s.id].position_inferred
    )
    stamps = [entry[0] for entry in located]
    for shot in shots:
        timing = timings[shot.id]
        if timing.lat is not None or timing.utc is None:
            continue
        when = timing.utc.timestamp()
        found = _nearest_located(located, stamps, when, shot.device) or _venue_at(programme, when)
        if found:
            timings[shot.id] = replace(timing, lat=found[0], lon=found[1], position_inferred=True)


def _at_venue(timing: Timing, programme: Sequence[ProgrammeEvent]) -> Timing:
    """A photo placed in time by a fallback zone, still without a position, may fall in an event with a venue."""
    if timing.lat is not None or timing.utc is None:
        return timing
    venue = _venue_at(programme, timing.utc.timestamp())
    return replace(timing, lat=venue[0], lon=venue[1], position_inferred=True) if venue else timing


def _venue_at(programme: Sequence[ProgrammeEvent], when: float) -> tuple[float, float] | None:
    """The venue of the one programme event whose window holds this instant (none when windows overlap)."""
    holding = [e for e in programme if e.start <= when <= e.end]
    if len(holding) == 1 and holding[0].lat is not None and holding[0].lon is not None:
        return holding[0].lat, holding[0].lon
    return None


def _nearest_located(
    located: Sequence[tuple[float, str, float, float]], stamps: Sequence[float], when: float, device: str
) -> tuple[float, float] | None:
    lo = bisect.bisect_left(stamps, when - INFER_SAME_DEVICE)
    hi = bisect.bisect_right(stamps, when + INFER_SAME_DEVICE)
    best: tuple[float, tuple[float, float]] | None = None
    for stamp, other, lat, lon in located[lo:hi]:
        gap = abs(stamp - when)
        if other != device and gap > INFER_OTHER_DEVICE:
            continue
        rank = gap if other == device else gap + INFER_SAME_DEVICE  # the same device comes first
        if best is None or rank < best[0]:
            best = (rank, (lat, lon))
    return best[1] if best else None


def _finish(shot: Shot, timing: Timing, zone_at: ZoneAt, missions: Sequence[MissionZone], manual: int | None) -> Timing:
    """Give every timing a zone and a local time; resolve what is still pending from zones."""
    zone = timing.zone
    if zone is None and timing.lat is not None and timing.lon is not None:
        zone = zone_at(timing.lat, timing.lon)
    camera = camera_time(shot)
    if camera is not None and manual is not None:
        camera += timedelta(seconds=manual)
    fallback = _fallback_zone(shot, camera, missions) if camera else None
    source, utc = timing.source, timing.utc
    if source == "pending" and camera is not None:
        if zone is not None:
            source = "zone_from_position"  # an inferred position: weaker, but a real place
        elif fallback:
            zone, source = fallback
        if zone is not None:
            utc = local_to_utc(camera, zone)
    if manual is not None and source in ("pending", "zone_from_position", "mission_zone", "import_option"):
        source = "device_offset"  # the hand-set correction is what made this time right
    if source == "pending":
        source = "unknown"
    if utc is None:
        return replace(timing, zone=None, local=camera, source=source)
    if zone is None and source in ("offset_tag", "xmp"):
        zone = _zone_matching_offset(utc, shot.camera_offset, fallback)
    if zone is None and fallback:
        zone = fallback[0]  # only to show a local time: the instant came from better evidence
    if (shot.date_source or "").startswith("filename") and source not in ("unknown", "manual"):
        source = "filename"
    local = utc_to_local(utc, zone) if zone else None
    return replace(timing, utc=utc, zone=zone, local=local, source=source)


def _zone_matching_offset(utc: datetime, minutes: int | None, fallback: tuple[str, str] | None) -> str | None:
    """The mission's or import's zone when it agrees with the offset tag, else a fixed Etc/GMT zone."""
    if minutes is None:
        return None
    if fallback and utc.astimezone(ZoneInfo(fallback[0])).utcoffset() == timedelta(minutes=minutes):
        return fallback[0]
    if minutes % 60:
        return None
    hours = -minutes // 60
    return "Etc/UTC" if hours == 0 else f"Etc/GMT{hours:+d}"  # Etc/GMT signs are inverted


def _fallback_zone(shot: Shot, camera: datetime, missions: Sequence[MissionZone]) -> tuple[str, str] | None:
    for mission in missions:
        if mission.start - timedelta(days=1) <= camera <= mission.end + timedelta(days=1):
            return mission.zone, "mission_zone"
    if is_zone(shot.import_zone):
        return str(shot.import_zone), "import_option"
    return None


# -- times for grouping only ----------------------------------------------------------------------

ESTIMATED = "estimated"  # a time_source: placed for grouping, not a true time (dates.UNCERTAIN_SOURCES)
TRUE_SOURCES = (*PLACED_SOURCES, "device_offset", "manual", "filename")  # photos the estimates are checked against
RIVAL_MASS = 0.9  # the likeliest candidates holding this much probability must all group a device's photos alike
MAX_RIVALS = 4
ESTIMATE_AGREES = 10 * 60  # seconds: an estimate this close to a fallback zone's time leaves that time as it is
ESTIMATE_REACH = 2 * 86400.0
RESET_REACH = 6 * 3600.0  # seconds: a reset run weighing where it starts reads the trip this far around its bounds
RESET_SPAN = 86400.0  # seconds: photos on a reset date are placed only where what fits them spans at most this
RESET_STEP = (
    1800.0  # ... tried every half hour  # seconds: the true photos this far around the device's are grouped with it
)


def estimate_for_grouping(
    shots: Sequence[Shot],
    timings: list[Timing],
    clocks: dict[str, DeviceClock],
    programme: Sequence[ProgrammeEvent],
    zone_at: ZoneAt,
    missions: Sequence[MissionZone] = (),
) -> list[Timing]:
    """Give photos nothing placed truly an instant for grouping only, where every likely answer groups them alike.

    An unresolved device's photo takes its best candidate when the likeliest candidates (together
    RIVAL_MASS of the probability) all put it in the same event, among the same photos of the
    others (a half-hour rival moves only the photos near an event's edge: those stay as they were);
    a photo of a run on a reset date, between two placed photos of the same device in file-number
    order, takes the middle of what fits between them when both ends group it alike.
    Their source is ESTIMATED: the album holds them; no page shows the instant as a capture time.
    """
    by_id = {t.id: t for t in timings}
    true = [t for t in timings if t.utc is not None and t.source in TRUE_SOURCES]
    base = sorted(true, key=lambda t: t.utc.timestamp())  # type: ignore[union-attr]
    stamps = [t.utc.timestamp() for t in base]  # type: ignore[union-attr]
    located: list[tuple[float, str, float, float]] = sorted(
        (t.utc.timestamp(), shot.device, t.lat, t.lon)  # type: ignore[union-attr,misc]
        for shot in shots
        if (t := by_id[shot.id]).utc is not None and t.source in TRUE_SOURCES
        if t.lat is not None and t.lon is not None and not t.position_inferred
    )
    located_stamps = [entry[0] for entry in located]
    context = _Grouping(base, stamps, located, located_stamps, programme)
    by_device: dict[str, list[Shot]] = defaultdict(list)
    for shot in shots:
        by_device[shot.device].append(shot)
    changed: dict[int, Timing] = {}
    for device, group in sorted(by_device.items()):
        clock = clocks[device]
        if clock.source is None and (clock.candidates or clock.sides):
            changed.update(_unresolved_estimates(group, clock, by_id, context, zone_at, missions))
        elif clock.source == "alignment" and clock.pieces:
            true_times = ((s.id, by_id[s.id]) for s in group)
            bounds = {i: (t.utc.timestamp(),) * 2 for i, t in true_times if t.utc and t.source in TRUE_SOURCES}
            changed.update(_placed_resets(group, by_id, context, zone_at, missions, bounds))
    return [changed.get(t.id, t) for t in timings]


def _unresolved_estimates(
    group: Sequence[Shot],
    clock: DeviceClock,
    by_id: dict[int, Timing],
    context: _Grouping,
    zone_at: ZoneAt,
    missions: Sequence[MissionZone],
) -> dict[int, Timing]:
    """An unresolved device's photos placed for grouping only: those every likely candidate groups
    alike, those its fallback reading puts where no likely candidate does, and its reset runs."""
    loose = [s for s in group if by_id[s.id].source in ("unknown", "mission_zone", "import_option")]
    loose = [s for s in loose if _is_exif_dated(s)]
    out: dict[int, Timing] = {}
    settled: set[int] = set()  # photos every likely candidate groups alike
    for part, candidates in _sides(loose, clock):
        rivals = _rivals(candidates)
        agreed = context.alike(part, [c.offset for c in rivals]) if part and rivals else []
        settled.update(s.id for s in agreed)
        moved = context.already_there(agreed, by_id, rivals[0].offset if rivals else 0)
        listed = rivals or _outweighing(candidates)
        for shot in moved + context.refuted([s for s in part if s.id not in settled], by_id, listed):
            out[shot.id] = context.estimate(shot, by_id[shot.id], listed[0].offset, zone_at, missions)
    if any(by_id[s.id].source == "unknown" for s in group):  # a reset run after the weighed photos
        bounds = _candidate_bounds(_sides(loose, clock), settled, context)
        out.update(_placed_resets(group, by_id, context, zone_at, missions, bounds))
    return out


def _placed_resets(
    group: Sequence[Shot],
    by_id: dict[int, Timing],
    context: _Grouping,
    zone_at: ZoneAt,
    missions: Sequence[MissionZone],
    bounds: dict[int, tuple[float, float]],
) -> dict[int, Timing]:
    """The photos of a device's runs on a reset date, placed for grouping where they fit (after and
    before the photos `bounds` holds: true times of an aligned device, or where an unresolved one's
    weighed photos may lie, `_candidate_bounds`).

    A run whose starts that fit span at most RESET_SPAN: the photos every such start (tried every half
    hour) puts in the same event, at the middle one. The others, and any run that may start anywhere
    over a longer stretch: the photos every likely start (`_Grouping.likely_starts`, the run's own
    rhythm weighed against the trip's activity) puts in the same event, at the likeliest.
    """
    out: dict[int, Timing] = {}
    for run, late, early in _reset_runs(group, by_id, context.end_after, bounds):
        if early - late <= RESET_SPAN:
            steps = max(1, math.ceil((early - late) / RESET_STEP))
            offsets = [round(late + (early - late) * k / steps) for k in range(steps + 1)]
            middle = offsets[len(offsets) // 2]
            for shot in context.alike(run, [middle, *offsets], joined=True):
                out[shot.id] = context.estimate(shot, by_id[shot.id], middle, zone_at, missions)
        rest = [s for s in run if s.id not in out]
        likely = context.likely_starts(run, late, early) if rest else []
        for shot in context.alike(rest, likely, joined=True) if likely else []:
            out[shot.id] = context.estimate(shot, by_id[shot.id], likely[0], zone_at, missions)
    return out


def _sides(loose: Sequence[Shot], clock: DeviceClock) -> list[tuple[list[Shot], tuple[Candidate, ...]]]:
    """The device's loose photos with the candidates that weigh them: each side of a clock that seems to change, or all.

    The loose photos are those the clock was weighed on (pending then, read in a fallback zone or left
    unknown now), so they are ranked exactly as then: a photo of the device placed by its own evidence
    (an offset tag, say) without a file number must not turn file-number order into camera-time order.
    """
    if not clock.sides:
        return [(list(loose), clock.candidates)]
    rank = {s.id: n for n, s in enumerate(_in_shooting_order(list(loose)))}
    out = []
    for first, last, candidates in clock.sides:
        if first not in rank or last not in rank:
            continue
        part = [s for s in loose if rank[first] <= rank[s.id] <= rank[last]]
        out.append((part, candidates))
    return out


def _realistic(correction: int) -> bool:
    """An error no wider than two real zones apart, or a day (clocks.weigh accepts no other)."""
    return abs(correction) <= weighing.ZONE_SPAN or abs(abs(correction) - 86400) <= 15 * 60


def _rivals(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The likeliest candidates holding RIVAL_MASS of the probability (none when more than MAX_RIVALS are
    needed, or when the best is no realistic error), and any a day away from the best."""
    out: list[Candidate] = []
    mass = 0.0
    if not candidates or not _realistic(candidates[0].correction):
        return []
    for candidate in candidates[:MAX_RIVALS]:
        out.append(candidate)
        mass += candidate.probability
        if mass >= RIVAL_MASS:
            break
    else:
        return []
    best = candidates[0].offset  # a day away "fits as well" whatever its probability (clocks._day_rival)
    return out + [c for c in candidates if c not in out and abs(abs(c.offset - best) - 86400) <= 15 * 60]


def _outweighing(candidates: Sequence[Candidate]) -> list[Candidate]:
    """All the listed candidates, when the best alone is likelier than every answer not listed put
    together (and is a realistic error): a reading none of them comes near is then less likely than
    the best, though the likely ones are too spread to be rivals (none otherwise).

    The weighing lists its two or three likeliest clusters (clocks._candidates); what it leaves out
    holds 1 minus their sum at most. Before, such a reading (a camera a day off, read in the
    mission's zone) kept its place, a day off, when the candidates were too spread.
    """
    if not candidates or not _realistic(candidates[0].correction):
        return []
    unlisted = 1.0 - sum(c.probability for c in candidates)
    return list(candidates) if candidates[0].probability > unlisted else []


def _candidate_bounds(
    sides: Sequence[tuple[list[Shot], tuple[Candidate, ...]]], settled: set[int], context: _Grouping
) -> dict[int, tuple[float, float]]:
    """Where an unresolved device's weighed photos may lie (earliest, latest UTC seconds): those every
    likely candidate groups alike (`settled`) at the best candidate's instant, as they are estimated;
    the others between their likeliest candidates (`_rivals`), when one of them puts them near the trip
    (a photo on a reset date lies near none). A run on a reset date after them starts after the
    earliest, and ends before the photo after it at its latest (before, only estimated photos bounded
    a run: a near side the candidates disagree on left its reset run out of every event).
    """
    out: dict[int, tuple[float, float]] = {}
    for part, candidates in sides:
        offsets = [c.offset for c in _rivals(candidates)]
        if not offsets:
            continue
        for shot in part:
            seconds = _naive_seconds(camera_time(shot))
            if shot.id in settled:
                out[shot.id] = (seconds - offsets[0],) * 2
            elif any(context.near_trip(seconds - offset) for offset in offsets):
                out[shot.id] = (seconds - max(offsets), seconds - min(offsets))
    return out


def _reset_runs(
    group: Sequence[Shot],
    by_id: dict[int, Timing],
    trip_end: Callable[[float], float],
    bounds: dict[int, tuple[float, float]],
) -> Iterator[tuple[list[Shot], float, float]]:
    """Runs of a device's photos left without a time, after a photo of `bounds` in file-number order.

    `bounds` holds, for each photo that may bound a run, where it lies (earliest, latest UTC seconds:
    one instant for a true time). Yields each run with the offsets (camera minus UTC) that bound it:
    the one putting it just before the photo after it at its latest (or the trip's end, for a run
    that lasts to the end), and the one putting it just after the photo before it at its earliest.
    The camera's own clock still times the run inside.
    """
    ordered = [s for s in group if s.sequence is not None and _is_exif_dated(s)]
    numbers = [s.sequence for s in ordered]
    if len(set(numbers)) != len(numbers):
        return
    ordered.sort(key=lambda s: s.sequence or 0)
    run: list[Shot] = []
    before: tuple[float, float] | None = None
    for shot in [*ordered, None]:
        where = bounds.get(shot.id) if shot else None
        if shot is not None and where is None and by_id[shot.id].source == "unknown":
            run.append(shot)
            continue
        if shot is not None and where is None:
            run, before = [], None
            continue
        if run and before is not None:
            first, last = _naive_seconds(camera_time(run[0])), _naive_seconds(camera_time(run[-1]))
            # the photo after it, or the end of the trip the run lasts to (it lasts at least its own span)
            after = trip_end(before[1] + max(0.0, last - first)) if where is None else where[1]
            early = first - before[0]  # offset putting the run's first photo on the one before, at its earliest
            late = last - after  # ... its last photo on the one after, at its latest
            if late <= early:
                yield run, late, early
        run, before = [], where


@dataclass(frozen=True)
class _Grouping:
    base: Sequence[Timing]  # photos on a true time, by time
    stamps: Sequence[float]
    located: Sequence[tuple[float, str, float, float]]
    located_stamps: Sequence[float]
    programme: Sequence[ProgrammeEvent]

    def position(self, shot: Shot, when: float) -> tuple[tuple[float, float] | None, bool]:
        if shot.lat is not None and shot.lon is not None:
            return (shot.lat, shot.lon), False
        found = _nearest_located(self.located, self.located_stamps, when, shot.device) or _venue_at(
            self.programme, when
        )
        return found, True

    def labels(self, shots: Sequence[Shot], offset: int | Sequence[float]) -> list[object]:
        """Where each shot falls, on this offset (or each on its own): its event named by the true photos in it."""
        mine = []
        for n, shot in enumerate(shots):
            when = _naive_seconds(camera_time(shot)) - (offset if isinstance(offset, int) else offset[n])
            where, inferred = self.position(shot, when)
            lat, lon = where or (None, None)
            mine.append(events.Item(shot.id, when, lat, lon, inferred))
        lo = bisect.bisect_left(self.stamps, min(i.t for i in mine) - ESTIMATE_REACH)
        hi = bisect.bisect_right(self.stamps, max(i.t for i in mine) + ESTIMATE_REACH)
        items = [
            events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred)  # type: ignore[union-attr]
            for t in self.base[lo:hi]
        ]
        own = {i.id for i in mine}
        label: dict[int, object] = {}
        for group in events.group_into_events(items + mine, self.programme):
            others = [i for i in group.ids if i not in own]
            name: object = (
                "others"
                if group.others
                else ("programme", group.programme)
                if group.programme is not None
                else ("with", min(others))
                if others
                else ("alone", min(group.ids))
            )
            for i in group.ids:
                label[i] = name
        return [label[s.id] for s in shots]

    def alike(self, shots: Sequence[Shot], offsets: Sequence[int], joined: bool = False) -> list[Shot]:
        """The shots every offset puts in the same event, among the same true photos (or in none),
        and inside the trip (within ESTIMATE_REACH of a true photo or a programme event: a bound that
        reads only what lies near the shots, so a re-time of part of the archive decides as a full one).
        `joined`: only those it puts in an event with true photos or in a programme event."""
        if not self.stamps and not self.programme:
            return []
        first = self.labels(shots, offsets[0])
        same = [self.near_trip(_naive_seconds(camera_time(shot)) - offsets[0]) for shot in shots]
        if joined:
            same = [
                a and isinstance(b, tuple) and b[0] in ("with", "programme") for a, b in zip(same, first, strict=True)
            ]
        for offset in offsets[1:]:
            same = [a and b == c for a, b, c in zip(same, first, self.labels(shots, offset), strict=True)]
        return [shot for shot, kept in zip(shots, same, strict=True) if kept]

    def near_trip(self, when: float) -> bool:
        """Within ESTIMATE_REACH of a true photo or of a programme event."""
        n = bisect.bisect_left(self.stamps, when - ESTIMATE_REACH)
        if n < len(self.stamps) and self.stamps[n] <= when + ESTIMATE_REACH:
            return True
        return any(e.start - ESTIMATE_REACH <= when <= e.end + ESTIMATE_REACH for e in self.programme)

    def end_after(self, start: float) -> float:
        """Where the trip that holds `start` ends: its last true photo or programme event's end, walking
        on while the next one comes within RESET_SPAN, reading nothing past ESTIMATE_REACH after `start`
        (a trip that may go on past it ends there: a run that can start anywhere in more than
        RESET_SPAN is not placed anyway).

        Local on purpose: the archive's last photo (a trip a year later) must not decide, and a
        re-time of the devices around `start` sees everything this reads (`organise.NEIGHBOURS`).
        """
        limit = start + ESTIMATE_REACH
        moments = sorted(
            [t for t in self.stamps[bisect.bisect_left(self.stamps, start) :] if t <= limit]
            + [e.end for e in self.programme if start <= e.end <= limit]
            + [limit for e in self.programme if e.start <= limit < e.end]
        )
        end = start
        for moment in moments:
            if moment - end > RESET_SPAN:
                return end
            end = moment
        return limit if end >= limit - RESET_SPAN else end

    def likely_starts(self, run: Sequence[Shot], late: float, early: float) -> list[int]:
        """The offsets (camera minus UTC, likeliest first) between `late` and `early` that together hold
        RIVAL_MASS of the probability that the run's own rhythm fits the trip's activity there (at most
        MAX_RIVALS; none when more are needed). Reads only the true photos and programme events the run
        can reach."""
        seconds = [_naive_seconds(camera_time(s)) for s in run]
        lo, hi = min(seconds) - early - RESET_REACH, max(seconds) - late + RESET_REACH
        placed = self.stamps[bisect.bisect_left(self.stamps, lo) : bisect.bisect_right(self.stamps, hi)]
        windows = tuple((e.start, e.end) for e in self.programme if e.end >= lo and e.start <= hi)
        reached = self.base[bisect.bisect_left(self.stamps, lo) : bisect.bisect_right(self.stamps, hi)]
        zones = [t.zone for t in reached if t.zone][:1]
        evidence = Evidence(placed, windows, zones[0] if zones else None)
        out: list[int] = []
        mass = 0.0
        for offset, probability in weighing.place_run(seconds, evidence, late, early)[:MAX_RIVALS]:
            out.append(offset)
            mass += probability
            if mass >= RIVAL_MASS:
                return out
        return []

    def already_there(self, shots: Sequence[Shot], by_id: dict[int, Timing], offset: int) -> list[Shot]:
        """The shots an estimate on `offset` would move to another event than their fallback zone's reading
        (a reading that already groups them right, or comes within 10 min, stays as it is)."""
        read = [s for s in shots if by_id[s.id].utc is not None]
        if not read:
            return list(shots)
        fallback = [_naive_seconds(camera_time(s)) - by_id[s.id].utc.timestamp() for s in read]  # type: ignore[union-attr]
        kept = {
            s.id
            for s, was, now, seconds in zip(
                read, self.labels(read, fallback), self.labels(read, offset), fallback, strict=True
            )
            if was == now or abs(seconds - offset) <= ESTIMATE_AGREES
        }
        return [s for s in shots if s.id not in kept]

    def refuted(self, shots: Sequence[Shot], by_id: dict[int, Timing], rivals: Sequence[Candidate]) -> list[Shot]:
        """The shots read in a fallback zone (the mission's, the import's) at an offset that none of the
        likeliest candidates comes within ESTIMATE_AGREES of, which the best one puts near the trip.

        The weighing ranks that reading among the unlikely answers (below 1 - RIVAL_MASS together): the
        best candidate, likelier than all of them, places the shot for grouping instead (before, such a
        shot kept its reading, hours off, in another event; leaving it out of the events was worse, 0.66
        to 0.25 on a trip of bench/clocks_eval.py, since such shots keep each other's company)."""
        if not rivals:
            return []
        out = []
        for shot in shots:
            timing = by_id[shot.id]
            if timing.utc is None or timing.source not in ("mission_zone", "import_option"):
                continue
            seconds = _naive_seconds(camera_time(shot))
            reading = seconds - timing.utc.timestamp()
            if all(abs(reading - c.offset) > ESTIMATE_AGREES for c in rivals) and self.near_trip(
                seconds - rivals[0].offset
            ):
                out.append(shot)
        return out

    def estimate(
        self, shot: Shot, timing: Timing, offset: int, zone_at: ZoneAt, missions: Sequence[MissionZone]
    ) -> Timing:
        utc = (_naive_camera(shot) - timedelta(seconds=offset)).replace(tzinfo=UTC)
        where, inferred = self.position(shot, utc.timestamp())
        zone = zone_at(*where) if where else None
        if zone is None:
            fallback = _fallback_zone(shot, _naive_camera(shot), missions)
            zone = fallback[0] if fallback else None
        local = utc_to_local(utc, zone) if zone else None
        lat, lon = where or (None, None)
        return replace(
            timing, utc=utc, zone=zone, local=local, source=ESTIMATED, lat=lat, lon=lon, position_inferred=inferred
        )
