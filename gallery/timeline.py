"""True capture times: zones, GPS clocks and per-device clock offsets. Pure: no I/O here.

Order of trust for each photo (DESIGN.md, "Time model"):

1. offset_tag          OffsetTimeOriginal with the camera time (unless its own GPS clock refutes it)
2. gps_clock           the photo's GPS time, read through its device's nearby GPS residuals
3. zone_from_position  the zone at the photo's own position applied to its (corrected) camera time
4. device_offset       the device's offset: from its GPS photos, by aligning its activity with the
                       devices already placed, or set by hand
5. mission_zone        the zone of a mission whose dates cover the photo
6. import_option       `gallery import --timezone`
   (manual              a date a person set or confirmed beats all of them: `gallery photos set-date`)
7. unknown             naive camera time kept and flagged, never guessed

A device offset is "camera minus UTC" in seconds: the clock's zone and its error together, which
is what a camera clock really is (it ticks on, whatever country it is in).
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

ZoneAt = Callable[[float, float], str | None]

OFFSET_TAG_TOLERANCE = 15 * 60  # an offset tag refuted by the photo's own GPS clock beyond this
GPS_NEIGHBOURS = 5  # GPS residuals of the nearest photos (camera time) that time a photo
INFER_SAME_DEVICE = 30 * 60  # seconds: borrow a position from the same device within this
INFER_OTHER_DEVICE = 10 * 60  # seconds: ... or from another device once clocks are aligned
ALIGN_RANGE = 2 * 86400  # zones (+-14 h) and a date set a day or two wrong
ALIGN_COARSE_STEP = 15 * 60
ALIGN_WINDOW = 10 * 60  # a device photo "meets" the placed ones within this, at the coarse step
ALIGN_MIN_SCORE = 0.6  # share of the device's photos that must meet placed photos
ALIGN_MIN_MARGIN = 0.12  # closeness per photo over the best alignment ALIGN_DISTINCT away
ALIGN_DISTINCT = 45 * 60  # a rival alignment at least this far (an hour off is a real risk: DST)
ALIGN_MIN_PHOTOS = 3
ALIGN_SIGMA = 180.0  # seconds: people photograph the same moment within a minute or two


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


@dataclass(frozen=True)
class MissionZone:
    start: datetime  # naive local bounds of the mission, in `zone`
    end: datetime
    zone: str


def resolve(shots: Sequence[Shot], zone_at: ZoneAt, manual: dict[str, int] | None = None,
            missions: Sequence[MissionZone] = ()) -> tuple[list[Timing], dict[str, DeviceClock]]:  # fmt: skip
    """Resolve every shot's UTC instant, zone and local time; report what was learned per device."""
    manual = manual or {}
    by_device: dict[str, list[Shot]] = defaultdict(list)
    for shot in shots:
        by_device[shot.device].append(shot)
    residuals = {device: _gps_residuals(group, zone_at) for device, group in by_device.items()}
    timings: dict[int, Timing] = {}
    for device, group in by_device.items():
        for shot in group:
            timings[shot.id] = _own_evidence(shot, residuals[device], manual.get(device), zone_at)
    clocks = {d: _clock_from_gps(d, g, residuals[d], manual.get(d)) for d, g in by_device.items()}
    _align_devices(by_device, timings, clocks)
    _apply_device_offsets(by_device, timings, clocks, residuals)
    _infer_positions(shots, timings)
    return [_finish(s, timings[s.id], zone_at, missions, manual.get(s.device)) for s in shots], clocks


# -- evidence on the photo itself ---------------------------------------------------------------


def camera_time(shot: Shot) -> datetime | None:
    """The camera's time after `--clock-offset`, or None when the file had no usable date."""
    if shot.camera_time is None:
        return None
    return shot.camera_time + timedelta(seconds=shot.clock_shift or 0)


def _is_exif_dated(shot: Shot) -> bool:
    return shot.camera_time is not None and (shot.date_source or "").startswith("exif")


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


def _own_evidence(shot: Shot, residuals: Sequence[tuple[datetime, float]], manual: int | None,
                  zone_at: ZoneAt) -> Timing:  # fmt: skip
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
            return Timing(shot.id, utc, None, None, "offset_tag", *(position or (None, None)))
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


def _clock_from_gps(device: str, group: Sequence[Shot], residuals: Sequence[tuple[datetime, float]],
                    manual: int | None) -> DeviceClock:  # fmt: skip
    with_gps = sum(1 for s in group if s.lat is not None or s.gps_time is not None)
    if manual is not None:
        return DeviceClock(device, None, "manual", 1.0, "set by hand", len(group), with_gps)
    if residuals:
        values = [r[1] for r in residuals]
        median = statistics.median(values)
        spread = statistics.median(abs(v - median) for v in values)
        note = f"median of {len(values)} GPS clocks" + (f", spread {spread:.0f} s" if spread >= 1 else "")
        confidence = 1.0 if spread < 120 else 0.5
        return DeviceClock(device, round(median), "gps", confidence, note, len(group), with_gps)
    return DeviceClock(device, None, None, None, "", len(group), with_gps)


def _needs_alignment(group: Sequence[Shot], timings: dict[int, Timing]) -> list[Shot]:
    return [s for s in group if timings[s.id].source == "pending" and _is_exif_dated(s)]


def _align_devices(by_device: dict[str, list[Shot]], timings: dict[int, Timing],
                   clocks: dict[str, DeviceClock]) -> None:  # fmt: skip
    """Devices with no clock evidence: align their activity with the photos already placed."""
    for device, group in sorted(by_device.items()):
        if clocks[device].source is not None:
            continue
        todo = _needs_alignment(group, timings)
        if len(todo) < ALIGN_MIN_PHOTOS:
            continue
        placed = sorted(
            t.utc.timestamp() for s in _others(by_device, device) for t in [timings[s.id]]
            if t.utc is not None and t.source in ("offset_tag", "gps_clock", "zone_from_position")
        )  # fmt: skip
        naive = [_naive_seconds(camera_time(s)) for s in todo]
        result = align(naive, placed)
        clocks[device] = replace(clocks[device], **result)


def _others(by_device: dict[str, list[Shot]], device: str) -> Iterable[Shot]:
    for other, group in by_device.items():
        if other != device:
            yield from group


def _naive_seconds(when: datetime | None) -> float:
    assert when is not None
    return when.replace(tzinfo=UTC).timestamp()


def align(naive: Sequence[float], placed: Sequence[float]) -> dict[str, Any]:
    """Find the shift that lays a device's photos (naive seconds) over placed UTC instants.

    Coarse search in quarter hours over +-2 days, scored by the share of photos that meet a placed
    photo within 10 min; the best and the best alignment 45 min or more away are refined to the
    minute and compared by closeness (a photo right on a placed one scores 1, 3 min away 0.37);
    accepted only with a clear margin. Returns DeviceClock fields (offset is camera minus UTC).
    """
    if len(placed) == 0:
        return {"source": None, "note": "no other device is placed to align with"}
    photos, others = np.asarray(naive, dtype=np.float64), np.asarray(sorted(placed), dtype=np.float64)
    shifts = np.arange(-ALIGN_RANGE, ALIGN_RANGE + 1, ALIGN_COARSE_STEP)
    coarse = np.array([np.mean(_distances(others, photos + shift) <= ALIGN_WINDOW) for shift in shifts])
    best = int(shifts[max(range(len(shifts)), key=lambda i: (coarse[i], -abs(shifts[i])))])
    best_share = float(coarse[shifts == best][0])
    fine = _refine(photos, others, best, 3600)
    score = _closeness(photos, others, fine)
    # the strongest alignment at least ALIGN_DISTINCT from the chosen one, refined the same way
    rivals = [int(s) for s, share in zip(shifts, coarse, strict=True)
              if share >= best_share / 2 and abs(s - fine) >= ALIGN_DISTINCT - ALIGN_COARSE_STEP]  # fmt: skip
    candidates = sorted({shift for s in rivals for shift in range(s - ALIGN_COARSE_STEP, s + ALIGN_COARSE_STEP + 1, 60)
                         if abs(shift - fine) >= ALIGN_DISTINCT})  # fmt: skip
    rival_score = max((_closeness(photos, others, shift) for shift in candidates), default=0.0)
    rival = max((float(coarse[shifts == s][0]) for s in rivals), default=0.0)
    margin = score - rival_score
    summary = f"{best_share:.0%} of photos meet others (runner-up {rival:.0%}), margin {margin:.2f}"
    if best_share < ALIGN_MIN_SCORE or margin < ALIGN_MIN_MARGIN:
        return {"source": None, "confidence": round(max(margin, 0.0), 2),
                "note": f"cannot align: {summary}; set the offset by hand"}  # fmt: skip
    return {"offset": -fine, "source": "alignment", "confidence": round(margin, 2),
            "note": f"aligned with other devices: {summary}"}  # fmt: skip


def _refine(photos: np.ndarray, others: np.ndarray, around: int, reach: int) -> int:
    """The minute within `reach` of `around` where the device's photos sit closest to placed ones."""
    return max(range(around - reach, around + reach + 1, 60),
               key=lambda s: (_closeness(photos, others, s), -abs(s - around)))  # fmt: skip


def _closeness(photos: np.ndarray, others: np.ndarray, shift: float) -> float:
    """Mean of exp(-(d / sigma)^2) over the device's photos, d the distance to the nearest placed one."""
    return float(np.mean(np.exp(-((_distances(others, photos + shift) / ALIGN_SIGMA) ** 2))))


def _distances(others: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Distance from each value to the nearest of the sorted `others`."""
    index = np.searchsorted(others, values)
    before = np.abs(values - others[np.clip(index - 1, 0, len(others) - 1)])
    after = np.abs(others[np.clip(index, 0, len(others) - 1)] - values)
    return np.minimum(before, after)


def _apply_device_offsets(by_device: dict[str, list[Shot]], timings: dict[int, Timing],
                          clocks: dict[str, DeviceClock],
                          residuals: dict[str, list[tuple[datetime, float]]]) -> None:  # fmt: skip
    """Photos still pending get their device's learned clock (nearby GPS residuals, or alignment)."""
    for device, group in by_device.items():
        clock = clocks[device]
        if clock.source not in ("gps", "alignment"):
            continue
        for shot in group:
            timing = timings[shot.id]
            camera = camera_time(shot)
            if timing.source != "pending" or camera is None:
                continue
            offset = nearby_residual(residuals[device], camera) if residuals[device] else clock.offset
            utc = (camera - timedelta(seconds=offset or 0)).replace(tzinfo=UTC)
            timings[shot.id] = replace(timing, utc=utc, source="device_offset")


# -- positions and zones -------------------------------------------------------------------------


def _infer_positions(shots: Sequence[Shot], timings: dict[int, Timing]) -> None:
    """A photo without GPS borrows the nearest located photo: same device within 30 min, else any within 10."""
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
        found = _nearest_located(located, stamps, timing.utc.timestamp(), shot.device)
        if found:
            timings[shot.id] = replace(timing, lat=found[0], lon=found[1], position_inferred=True)


def _nearest_located(located: Sequence[tuple[float, str, float, float]], stamps: Sequence[float], when: float,
                     device: str) -> tuple[float, float] | None:  # fmt: skip
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


def _finish(shot: Shot, timing: Timing, zone_at: ZoneAt, missions: Sequence[MissionZone],
            manual: int | None) -> Timing:  # fmt: skip
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
    if zone is None and source == "offset_tag":
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
