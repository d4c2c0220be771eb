"""Clocks and events on random trips nobody tuned on (issue 11).

Trips are drawn from a seed, independently of gallery/synthetic.py: 1-6 events over 1-10 days in
one of several regions of the world, sessions of 1 to 9 hours, shots spread uniformly inside
sessions (activity alone is then ambiguous at the hour scale) or in bursts around shared moments,
2-5 devices of which 0-2 have no GPS, transit and hotel photos between events (truth: no event),
a programme loaded before the imports, after them or never, imports all at once or device by
device. The GPS-less cameras carry a realistic clock error (camera minus true local time): none,
a zone left at home (-6 h, +6 h, -13 h, +9 h, +5 h 30), a DST slip (+-1 h), a date a day off,
a few minutes of drift on top; adversarial families reset the clock mid-trip, restart it at
2000-01-01 after a battery change, or repeat one schedule daily at one venue. A camera has one
clock at a time: every photo it takes after a reset, hotel ones included, carries the reset clock,
drift included (before, its hotel photos kept the old clock without the drift: a clock that went
back twice, which no camera does; figures before that correction are not comparable).
A day's sessions follow one another and end by 23:00 that day (before, a session starting after
midnight ran to 23:00 the next day, over that day's sessions: one person at two events at once).

Inputs go straight to the pure steps (timeline.resolve, events.group_into_events): no files.

Per GPS-less device: "within" = at least 95 % of its photos end within 10 min of the truth
(however they got there); "aligned" = an offset was accepted and is right; "wrong" = an offset
was accepted (at any import step) that puts more than 5 % of its photos more than 10 min off
(photos it leaves without a time count against "within", not as wrong);
"unresolved" = nothing accepted. A device that is ambiguous by construction (a date a day off on
a schedule repeated at one venue, shots spread evenly) succeeds only when it stays unresolved
with the truth among its candidates. Event F1 is pairwise over photos (transit and hotel photos
pair with nothing), compared with two baselines: every camera time read in the mission's zone
(no alignment at all), and one album per calendar day.

Seeds 0-999 are for development (look at them); measuring seeds start at 100000 (do not tune on
them).

    python bench/clocks_eval.py --trips 600             # measure
    python bench/clocks_eval.py --dev --trips 80 -v      # develop, with details of failures
"""

from __future__ import annotations

import argparse
import inspect
import math
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gallery import events, timeline  # noqa: E402
from gallery import notes as device_notes  # noqa: E402

OTHERS = "others"
DEV_SEEDS = 0
MEASURE_SEEDS = 100_000
H = 3600
DAY = 86400
TOLERANCE = 600  # seconds: "within 10 min"
NEAR_MISS = 300  # seconds: an accepted offset this far off is right only by the tolerance's margin (--near-misses)

REGIONS = (  # (zone, lat, lon): where trips happen
    ("Europe/Paris", 43.6045, 1.4442),  # Toulouse
    ("Europe/Paris", 43.2965, 5.3698),  # Marseille
    ("America/Toronto", 45.5017, -73.5673),  # Montréal
    ("Asia/Tokyo", 35.6812, 139.7671),
    ("Africa/Dakar", 14.6928, -17.4467),
    ("Asia/Kolkata", 19.0760, 72.8777),
    ("America/Mexico_City", 19.4326, -99.1332),
    ("Europe/London", 51.5074, -0.1278),
    ("Africa/Casablanca", 33.5731, -7.5898),
    ("America/Sao_Paulo", -23.5505, -46.6333),
)

ZONE_ERRORS = (-6 * H, 6 * H, -13 * H, 9 * H, 5 * H + 1800)
DST_ERRORS = (H, -H)
DAY_ERRORS = (DAY, -DAY)
ALL_ERRORS = (0, *ZONE_ERRORS, *DST_ERRORS, *DAY_ERRORS)

FAMILIES = (
    "on time",
    "zone left at home",
    "DST slip",
    "date a day off",
    "drift only",
    "realistic mix",
    "all GPS",
    "clock reset mid-trip",
    "battery reset",
    "repeating schedule",
)


@dataclass
class Session:
    event: int
    start: datetime  # naive local
    end: datetime
    venue: tuple[float, float]


@dataclass
class Trip:
    seed: int
    family: str
    zone: str
    shots: list[timeline.Shot]
    truth: dict[int, float]  # photo id -> true UTC seconds
    labels: dict[int, str]
    cameras: dict[str, str]  # GPS-less device -> description of its error
    programme: list[events.ProgrammeEvent]
    mission: timeline.MissionZone
    programme_mode: str  # before | after | never
    import_mode: str  # all | device
    shots_mode: str  # uniform | bursty
    order: list[str]
    ambiguous: set[str] = field(default_factory=set)


# -- trips ------------------------------------------------------------------------------------------


def make_trip(seed: int) -> Trip:
    rng = random.Random(seed)
    family = FAMILIES[seed % len(FAMILIES)]
    zone, lat0, lon0 = rng.choice(REGIONS)
    first_day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
    shots_mode = rng.choice(("uniform", "bursty"))
    sessions = (
        _repeating_sessions(rng, first_day, lat0, lon0)
        if family == "repeating schedule"
        else (_sessions(rng, first_day, lat0, lon0))
    )
    n_devices = rng.randint(2, 5)
    n_cameras = 0 if family == "all GPS" else rng.randint(1, min(2, n_devices))
    programme_mode = rng.choice(("before", "after", "never"))
    if n_cameras == n_devices and programme_mode == "never":
        programme_mode = rng.choice(("before", "after"))  # every trip has a GPS device or a programme
    builder = _Builder(rng, zone, shots_mode, sessions)
    cameras: dict[str, str] = {}
    for index in range(n_devices):
        if index < n_cameras:
            key = f"Canon EOS {80 + index}D|folder:camera{index}"
            cameras[key] = builder.add_camera(key, family)
        else:
            builder.add_phone(f"Apple iPhone {11 + index}|folder:phone{index}")
    builder.add_transit_and_hotel()
    builder.number_files()
    order = [*cameras, *(d for d in builder.devices if d not in cameras)]
    rng.shuffle(order)
    trip = Trip(
        seed,
        family,
        zone,
        builder.shots,
        builder.truth,
        builder.labels,
        cameras,
        _programme(sessions, zone),
        _mission(sessions, zone),
        programme_mode,
        rng.choice(("all", "device")),
        shots_mode,
        order,
    )
    if family == "repeating schedule" and shots_mode == "uniform":
        trip.ambiguous = {d for d in cameras if _day_shift_fits(trip, d)}
    return trip


def _sessions(rng: random.Random, first_day: date, lat0: float, lon0: float) -> list[Session]:
    n_days, n_events = rng.randint(1, 10), rng.randint(1, 6)
    venues = _venues(rng, n_events, lat0, lon0)
    per_day: dict[int, list[int]] = defaultdict(list)
    for event in range(n_events):
        day = rng.randrange(n_days)
        length = 2 if rng.random() < 0.25 and day + 1 < n_days else 1
        for d in range(day, day + length):
            per_day[d].append(event)
    sessions = []
    for day in sorted(per_day):
        midnight = datetime.combine(first_day + timedelta(days=day), datetime.min.time())
        clock = midnight + timedelta(hours=rng.uniform(8, 11))
        for event in sorted(set(per_day[day])):
            hours = rng.uniform(1, 9)
            # a day's sessions end by 23:00 that day (before: a session starting after midnight ran to
            # 23:00 the next day, over that day's sessions: one person at two events at once)
            end = min(clock + timedelta(hours=hours), midnight + timedelta(hours=23))
            if (end - clock).total_seconds() < H:
                break
            sessions.append(Session(event, clock, end, venues[event]))
            clock = end + timedelta(hours=rng.uniform(0.75, 2))
    return _renumber(sessions)


def _repeating_sessions(rng: random.Random, first_day: date, lat0: float, lon0: float) -> list[Session]:
    """One venue, the same hours every day: a date a day off fits almost as well as the truth."""
    venue = _venues(rng, 1, lat0, lon0)[0]
    start, hours = rng.uniform(8, 10), rng.uniform(6, 9)
    days = rng.randint(2, 5)
    out = []
    for day in range(days):
        begin = datetime.combine(first_day + timedelta(days=day), datetime.min.time()) + timedelta(hours=start)
        out.append(Session(0, begin, begin + timedelta(hours=hours), venue))
    return out


def _renumber(sessions: list[Session]) -> list[Session]:
    order: dict[int, int] = {}
    for session in sorted(sessions, key=lambda s: s.start):
        order.setdefault(session.event, len(order))
    return [Session(order[s.event], s.start, s.end, s.venue) for s in sessions]


def _venues(rng: random.Random, n: int, lat0: float, lon0: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lat = lat0 + rng.uniform(-0.2, 0.2)
        lon = lon0 + rng.uniform(-0.25, 0.25)
        if all(events.distance_km(lat, lon, *v) > 2.5 for v in out):
            out.append((lat, lon))
    return out


@dataclass(frozen=True)
class _Clock:
    """A camera's one clock: its error (drift included) until `reset` (true local time), then the
    error `then` (a clock reset mid-trip) or 2000-01-01 counting on from the reset (a battery change).

    Every photo the camera takes after the reset, hotel ones included, carries the reset clock: a
    camera cannot go back to its old clock (before, hotel photos kept the old one whatever the time).
    """

    error: int
    reset: datetime | None = None
    then: int | None = None

    def shows(self, builder: _Builder, local: datetime, reset: bool | None = None) -> datetime:
        """What the clock shows at `local`; `reset` says which side of the reset a photo shot at the
        reset's very instant lies on (bursts clamped to a session's start share an instant)."""
        if self.reset is None or not (local >= self.reset if reset is None else reset):
            return builder.camera_clock(local, self.error)
        if self.then is not None:
            return builder.camera_clock(local, self.then)
        return datetime(2000, 1, 1) + (local - self.reset)


class _Builder:
    def __init__(self, rng: random.Random, zone: str, mode: str, sessions: list[Session]) -> None:
        self.rng, self.zone, self.mode, self.sessions = rng, ZoneInfo(zone), mode, sessions
        self.shots: list[timeline.Shot] = []
        self.truth: dict[int, float] = {}
        self.labels: dict[int, str] = {}
        self.devices: list[str] = []
        self.attended: dict[str, list[Session]] = {}
        self.errors: dict[str, int] = {}
        self.clocks: dict[str, _Clock] = {}  # GPS-less device -> its one clock
        self.moments = {id(s): self._moments(s) for s in sessions}
        self.hotel = (sessions[0].venue[0] + rng.uniform(-0.02, 0.02), sessions[0].venue[1] + rng.uniform(-0.02, 0.02))

    def _moments(self, session: Session) -> list[datetime]:
        span = (session.end - session.start).total_seconds()
        count = max(2, int(span / H * self.rng.uniform(1, 3)))
        return [session.start + timedelta(seconds=self.rng.uniform(0, span)) for _ in range(count)]

    def _attend(self, device: str, minimum: int) -> list[Session]:
        chosen = [s for s in self.sessions if self.rng.random() < 0.85]
        if len(chosen) < min(minimum, len(self.sessions)):
            chosen = sorted(self.rng.sample(self.sessions, min(minimum, len(self.sessions))), key=lambda s: s.start)
        self.attended[device] = chosen
        self.devices.append(device)
        return chosen

    def _times(self, session: Session, rate: float) -> list[datetime]:
        span = (session.end - session.start).total_seconds()
        count = min(80, max(4, int(span / H * rate)))
        out = []
        for _ in range(count):
            if self.mode == "bursty" and self.rng.random() < 0.85:
                moment = self.rng.choice(self.moments[id(session)])
                when = moment + timedelta(seconds=self.rng.gauss(0, 90))
                when = min(max(when, session.start), session.end)
                out += [when + timedelta(seconds=2 * k) for k in range(self.rng.choice((1, 1, 2, 3)))]
            else:
                out.append(session.start + timedelta(seconds=self.rng.uniform(0, span)))
        return sorted(out)

    def _add(
        self,
        device: str,
        local: datetime,
        label: str,
        camera: datetime | None,
        gps: bool,
        position: tuple[float, float] | None,
        tag: bool,
        gps_time: bool,
    ) -> None:
        utc = local.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        index = len(self.shots)
        lat = lon = None
        if gps and position is not None:
            lat, lon = position[0] + self.rng.gauss(0, 0.0003), position[1] + self.rng.gauss(0, 0.0003)
        offset = int((utc.astimezone(self.zone).utcoffset() or timedelta(0)).total_seconds() // 60)
        self.shots.append(
            timeline.Shot(
                index,
                device,
                (camera or local).replace(microsecond=0),
                offset if tag else None,
                "exif_original",
                utc.replace(microsecond=0) if gps and gps_time else None,
                lat,
                lon,
            )
        )
        self.truth[index] = utc.timestamp()
        self.labels[index] = label

    def add_phone(self, device: str) -> None:
        fix, tag, gps_time = self.rng.uniform(0.7, 1.0), self.rng.random() < 0.6, self.rng.random() < 0.5
        rate = self.rng.uniform(3, 12)
        for session in self._attend(device, 1):
            for local in self._times(session, rate):
                self._add(
                    device, local, f"e{session.event}", None, self.rng.random() < fix, session.venue, tag, gps_time
                )

    def add_camera(self, device: str, family: str) -> str:
        """A camera clock ticks on at a fixed offset from UTC: the trip's local time plus its error."""
        error, describe = self._camera_error(family)
        self.errors[device] = error
        rate = self.rng.uniform(4, 15)
        drift = self._drift(family)
        locals_ = [(local, f"e{s.event}") for s in self._attend(device, 2) for local in self._times(s, rate)]
        reset_at = len(locals_) // 2 + self.rng.randint(-len(locals_) // 4, len(locals_) // 4)
        second = self.rng.choice([e for e in ALL_ERRORS if e != error])
        reset = locals_[reset_at][0] if family in ("clock reset mid-trip", "battery reset") else None
        self.clocks[device] = _Clock(error + drift, reset, second + drift if family == "clock reset mid-trip" else None)
        for number, (local, label) in enumerate(locals_):
            camera = self.clocks[device].shows(self, local, number >= reset_at)
            self._add(device, local, label, camera, False, None, False, False)
        if family == "clock reset mid-trip":
            describe += f", then {_hours(second)} from photo {reset_at}"
        if family == "battery reset":
            describe += f", then 2000-01-01 from photo {reset_at}"
        return describe + (f", drift {drift / 60:+.1f} min" if drift else "")

    def camera_clock(self, local: datetime, error: int) -> datetime:
        """What a camera set to local time + `error` on the first day shows (it does not follow DST)."""
        first = self.sessions[0].start.replace(tzinfo=self.zone).utcoffset() or timedelta(0)
        utc = local.replace(tzinfo=self.zone, fold=0).astimezone(UTC).replace(tzinfo=None)
        return utc + first + timedelta(seconds=error)

    def _camera_error(self, family: str) -> tuple[int, str]:
        choices = {
            "on time": (0,),
            "zone left at home": ZONE_ERRORS,
            "DST slip": DST_ERRORS,
            "date a day off": DAY_ERRORS,
            "drift only": (0,),
        }.get(family, ALL_ERRORS)
        error = self.rng.choice(choices)
        return error, f"error {_hours(error)}"

    def _drift(self, family: str) -> int:
        if family == "drift only":
            return self.rng.choice((-1, 1)) * self.rng.randint(120, 480)
        return self.rng.randint(-300, 300) if self.rng.random() < 0.5 else 0

    def number_files(self) -> None:
        """Each device numbers its files in the order it shot them (IMG_0100, IMG_0101...)."""
        ranks: dict[str, int] = defaultdict(lambda: 100)
        numbered = {}
        for shot in sorted(self.shots, key=lambda s: self.truth[s.id]):
            numbered[shot.id] = replace(shot, sequence=ranks[shot.device])
            ranks[shot.device] += 1
        self.shots = [numbered[s.id] for s in self.shots]

    def add_transit_and_hotel(self) -> None:
        for device in list(self.devices):
            phone = "iPhone" in device
            mine = self.attended[device]
            for a, b in zip(mine, mine[1:], strict=False):
                if a.venue != b.venue and phone and self.rng.random() < 0.5:
                    leave = (
                        a.end + timedelta(minutes=10)
                        if a.end.date() == b.start.date()
                        else (b.start - timedelta(minutes=70))
                    )
                    arrive = b.start - timedelta(minutes=10)
                    if arrive <= leave:
                        continue
                    for k in range(self.rng.randint(2, 6)):
                        f = (k + 1) / 8
                        when = leave + (arrive - leave) * f
                        where = (a.venue[0] + (b.venue[0] - a.venue[0]) * f, a.venue[1] + (b.venue[1] - a.venue[1]) * f)
                        self._add(device, when, OTHERS, None, True, where, True, False)
            days = sorted({s.start.date() for s in mine})
            for day in days:
                if self.rng.random() < (0.3 if phone else 0.1):
                    evening = datetime.combine(day, datetime.min.time()) + timedelta(hours=self.rng.uniform(21, 23))
                    for k in range(self.rng.randint(1, 4)):
                        local = evening + timedelta(minutes=3 * k)
                        clock = self.clocks.get(device)
                        camera = clock.shows(self, local) if clock else None
                        self._add(device, local, OTHERS, camera, phone, self.hotel, phone, False)


def _day_shift_fits(trip: Trip, device: str) -> bool:
    """Would the device's photos, a day earlier or later, still all fall inside the schedule?"""
    mine = [trip.truth[s.id] for s in trip.shots if s.device == device and trip.labels[s.id] != OTHERS]
    windows = [(e.start, e.end) for e in trip.programme]
    for shift in (-DAY, DAY):
        inside = sum(1 for t in mine if any(a <= t + shift <= b for a, b in windows))
        if inside >= 0.95 * len(mine):
            return True
    return False


def _programme(sessions: Sequence[Session], zone: str) -> list[events.ProgrammeEvent]:
    out = []
    for event in sorted({s.event for s in sessions}):
        mine = [s for s in sessions if s.event == event]
        start = timeline.local_to_utc(min(s.start for s in mine) - timedelta(minutes=10), zone)
        end = timeline.local_to_utc(max(s.end for s in mine) + timedelta(minutes=10), zone)
        out.append(events.ProgrammeEvent(event + 1, start.timestamp(), end.timestamp(), *mine[0].venue, 1.0))
    return out


def _mission(sessions: Sequence[Session], zone: str) -> timeline.MissionZone:
    return timeline.MissionZone(min(s.start for s in sessions), max(s.end for s in sessions), zone)


def _hours(seconds: int) -> str:
    if abs(seconds) >= DAY:
        return f"{seconds // DAY:+d} d"
    sign = "-" if seconds < 0 else "+"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"{sign}{h} h" + (f" {m:02d}" if m else "")


# -- running ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    family: str
    with_programme: bool
    f1: float
    f1_zone_only: float
    f1_per_day: float
    cameras: dict[str, str]  # device -> aligned | unresolved | wrong | ambiguous-ok | ambiguous-guess
    within: dict[str, bool]
    notes: list[str]
    shots_mode: str
    import_mode: str
    errors: dict[str, float] = field(default_factory=dict)  # device -> its accepted offset's worst error, seconds


def zone_finder() -> timeline.ZoneAt:
    from timezonefinder import TimezoneFinder

    finder = TimezoneFinder(in_memory=True)
    cache: dict[tuple[float, float], str | None] = {}

    def zone_at(lat: float, lon: float) -> str | None:
        key = (round(lat, 2), round(lon, 2))
        if key not in cache:
            cache[key] = finder.timezone_at(lat=lat, lng=lon)
        return cache[key]

    return zone_at


_RESOLVE_KWARGS = set(inspect.signature(timeline.resolve).parameters)


def _resolve(trip: Trip, devices: set[str], with_programme: bool, zone_at: timeline.ZoneAt) -> tuple[Any, Any]:
    shots = [s for s in trip.shots if s.device in devices]
    kwargs: dict[str, Any] = {"missions": [trip.mission] if with_programme else []}
    if "programme" in _RESOLVE_KWARGS:
        kwargs["programme"] = trip.programme if with_programme else []
    if "home_zone" in _RESOLVE_KWARGS:
        kwargs["home_zone"] = "America/Toronto"
    return timeline.resolve(shots, zone_at, **kwargs)


def _steps(trip: Trip) -> list[tuple[set[str], bool]]:
    everyone = set(trip.order)
    programme = trip.programme_mode == "before"
    steps = (
        [(everyone, programme)]
        if trip.import_mode == "all"
        else [(set(trip.order[: k + 1]), programme) for k in range(len(trip.order))]
    )
    if trip.programme_mode == "after":
        steps.append((everyone, True))
    return steps


def run_trip(trip: Trip, zone_at: timeline.ZoneAt) -> Outcome:
    wrong: set[str] = set()
    notes: list[str] = []
    errors: dict[str, float] = {}
    steps = _steps(trip)
    for devices, with_programme in steps:
        timings, clocks = _resolve(trip, devices, with_programme, zone_at)
        for device in trip.cameras:
            if (
                device in devices
                and clocks[device].source == "alignment"
                and (error := _offset_error(trip, timings, device)) is not None
            ):
                errors[device] = max(errors.get(device, 0.0), error)
            if device in devices and clocks[device].source == "alignment" and _misplaced(trip, timings, device) > 0.05:
                if device not in wrong:
                    notes.append(
                        f"WRONG {device.split('|')[0]} ({trip.cameras[device]}): "
                        f"offset {clocks[device].offset}, {device_notes.in_words(clocks[device].note)}"
                    )
                wrong.add(device)
    with_programme = steps[-1][1]
    cameras, within = {}, {}
    for device in trip.cameras:
        clock = clocks[device]
        within[device] = _off_share(trip, timings, device) <= 0.05
        if device in wrong:
            cameras[device] = "wrong"
        elif device in trip.ambiguous:
            cameras[device] = (
                "ambiguous-guess"
                if clock.source
                else ("ambiguous-ok" if _truth_in_candidates(trip, clock, device) else "unresolved")
            )
        else:
            cameras[device] = "aligned" if clock.source == "alignment" and within[device] else "unresolved"
        if cameras[device] != "aligned":
            notes.append(
                f"{cameras[device]} {device.split('|')[0]} ({trip.cameras[device]}): {device_notes.in_words(clock.note)}"
            )
    predicted = _grouped(timings, trip.programme if with_programme else [])
    return Outcome(
        trip.family,
        with_programme,
        f1(trip.labels, predicted),
        _zone_only(trip, with_programme),
        f1(trip.labels, _per_day(trip)),
        cameras,
        within,
        notes,
        trip.shots_mode,
        trip.import_mode,
        errors,
    )


def _offset_error(trip: Trip, timings: Sequence[timeline.Timing], device: str) -> float | None:
    """How far off an accepted offset puts the device's photos: the median of their errors, in seconds
    (its photos on their true times; None when none is). A drift the photos cannot show lands here."""
    mine = [t for t in timings if trip.shots[t.id].device == device and _true_time(t)]
    errors = [t.utc.timestamp() - trip.truth[t.id] for t in mine]  # type: ignore[union-attr]
    return abs(statistics.median(errors)) if errors else None


def _off_share(trip: Trip, timings: Sequence[timeline.Timing], device: str) -> float:
    mine = [t for t in timings if trip.shots[t.id].device == device]
    off = sum(1 for t in mine if not _true_time(t) or abs(t.utc.timestamp() - trip.truth[t.id]) > TOLERANCE)  # type: ignore[union-attr]
    return off / max(1, len(mine))


def _true_time(timing: timeline.Timing) -> bool:
    """A time shown as the capture time: not one estimated for grouping only (it never counts as within)."""
    return timing.utc is not None and timing.source != timeline.ESTIMATED


def _misplaced(trip: Trip, timings: Sequence[timeline.Timing], device: str) -> float:
    """Share of the device's photos given a time more than 10 min off (photos left unknown, or placed
    for grouping only, do not count: neither is an accepted offset)."""
    mine = [t for t in timings if trip.shots[t.id].device == device]
    off = sum(1 for t in mine if _true_time(t) and abs(t.utc.timestamp() - trip.truth[t.id]) > TOLERANCE)  # type: ignore[union-attr]
    return off / max(1, len(mine))


def _truth_in_candidates(trip: Trip, clock: Any, device: str) -> bool:
    mine = [s for s in trip.shots if s.device == device]
    truths = [(timeline.camera_time(s).replace(tzinfo=UTC).timestamp() - trip.truth[s.id]) for s in mine]  # type: ignore[union-attr]
    true_offset = statistics.median(truths)
    return any(abs(c.offset - true_offset) <= TOLERANCE for c in getattr(clock, "candidates", ()))


def _grouped(timings: Sequence[timeline.Timing], programme: list[events.ProgrammeEvent]) -> dict[int, str]:
    items = [events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in timings if t.utc]
    return _labels(events.group_into_events(items, programme))


def _labels(groups: Sequence[events.Group]) -> dict[int, str]:
    return {i: (OTHERS if g.others else f"g{n}") for n, g in enumerate(groups) for i in g.ids}


def _zone_only(trip: Trip, with_programme: bool) -> float:
    """Baseline: every camera time read in the mission's zone; positions as recorded, no alignment."""
    items = [
        events.Item(s.id, timeline.local_to_utc(s.camera_time, trip.zone).timestamp(), s.lat, s.lon)  # type: ignore[arg-type]
        for s in trip.shots
    ]
    return f1(trip.labels, _labels(events.group_into_events(items, trip.programme if with_programme else [])))


def _per_day(trip: Trip) -> dict[int, str]:
    return {s.id: s.camera_time.date().isoformat() for s in trip.shots if s.camera_time}


def f1(truth: dict[int, str], predicted: dict[int, str]) -> float:
    """Pairwise F1 over photos; OTHERS (and photos left out) pair with nothing."""
    both: Counter[tuple[str, str]] = Counter()
    true_sizes: Counter[str] = Counter()
    found_sizes: Counter[str] = Counter()
    for photo, label in truth.items():
        guess = predicted.get(photo, OTHERS)
        if label != OTHERS:
            true_sizes[label] += 1
        if guess != OTHERS:
            found_sizes[guess] += 1
            if label != OTHERS:
                both[(label, guess)] += 1

    def pairs(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    hits, true_pairs, found_pairs = pairs(both), pairs(true_sizes), pairs(found_sizes)
    precision = hits / found_pairs if found_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# -- report -----------------------------------------------------------------------------------------


def _quantiles(values: list[float]) -> str:
    if not values:
        return f"{'-':>27}"
    ordered = sorted(values)
    p5 = ordered[max(0, math.ceil(0.05 * len(ordered)) - 1)]
    return f"{statistics.median(ordered):6.3f} {p5:6.3f} {ordered[0]:6.3f} ({len(ordered):3d})"


def report(outcomes: list[Outcome]) -> None:
    print(
        f"{'family':<22} {'cams':>4} {'within':>6} {'align':>6} {'unres':>6} {'wrong':>5} {'amb ok':>6}  "
        f"{'F1 programme: med p5 worst (n)':>31}  {'F1 none: med p5 worst (n)':>27}  {'zone-only':>9} {'per-day':>7}"
    )
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.family].append(outcome)
        groups["ALL"].append(outcome)
        groups[f"  shots {outcome.shots_mode}"].append(outcome)
        groups[f"  import {outcome.import_mode}"].append(outcome)
    for name in [*FAMILIES, "ALL", "  shots uniform", "  shots bursty", "  import all", "  import device"]:
        _line(name, groups.get(name, []))


def _line(name: str, outcomes: list[Outcome]) -> None:
    states = Counter(state for o in outcomes for state in o.cameras.values())
    within = sum(w for o in outcomes for w in o.within.values())
    cams = sum(states.values())
    amb = states["ambiguous-ok"] + states["ambiguous-guess"]
    share = (lambda n: f"{n / cams:6.1%}") if cams else (lambda n: f"{'-':>6}")
    with_p = [o.f1 for o in outcomes if o.with_programme]
    without = [o.f1 for o in outcomes if not o.with_programme]
    zone_only = statistics.median([o.f1_zone_only for o in outcomes]) if outcomes else math.nan
    per_day = statistics.median([o.f1_per_day for o in outcomes]) if outcomes else math.nan
    print(
        f"{name:<22} {cams:4d} {share(within)} {share(states['aligned'])} {share(states['unresolved'])} "
        f"{states['wrong']:5d} {states['ambiguous-ok']:3d}/{amb:<2d}  {_quantiles(with_p):>31}  "
        f"{_quantiles(without):>27}  {zone_only:9.3f} {per_day:7.3f}"
    )


def near_misses(outcomes: list[Outcome]) -> None:
    """Accepted offsets within the tolerance by less than its margin: more than NEAR_MISS off (the
    acceptance's precision is as wide as the tolerance, so these are the offsets one step from wrong)."""
    print(f"accepted offsets more than {NEAR_MISS // 60} min off (worst error over the import steps):")
    groups: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        for error in outcome.errors.values():
            groups[outcome.family].append(error)
            groups["ALL"].append(error)
            groups[f"  shots {outcome.shots_mode}"].append(error)
    for name in [*FAMILIES, "ALL", "  shots uniform", "  shots bursty"]:
        found = groups.get(name, [])
        if found:
            near = sum(1 for e in found if e > NEAR_MISS)
            print(
                f"{name:<22} {len(found):4d} accepted, {near:3d} ({near / len(found):5.1%}) off by more, worst {max(found) / 60:5.1f} min"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trips", type=int, default=600)
    parser.add_argument("--dev", action="store_true", help="development seeds (0...) instead of measuring ones")
    parser.add_argument("--family", help="only this family")
    parser.add_argument("-v", "--verbose", action="store_true", help="print what went wrong, trip by trip")
    parser.add_argument(
        "--near-misses", action="store_true", help=f"count accepted offsets more than {NEAR_MISS // 60} min off"
    )
    args = parser.parse_args()
    base = DEV_SEEDS if args.dev else MEASURE_SEEDS
    zone_at = zone_finder()
    outcomes, started = [], time.perf_counter()
    for seed in range(base, base + args.trips):
        trip = make_trip(seed)
        if args.family and trip.family != args.family:
            continue
        outcome = run_trip(trip, zone_at)
        outcomes.append(outcome)
        if args.verbose and (outcome.notes or min(outcome.f1, 1.0) < 0.9):
            print(
                f"seed {seed} {trip.family} [{trip.zone}, {trip.shots_mode}, programme {trip.programme_mode}, "
                f"import {trip.import_mode}, {len(trip.shots)} photos] F1 {outcome.f1:.3f}"
            )
            for note in outcome.notes:
                print(f"    {note}")
        if args.near_misses and args.verbose:
            for device, error in outcome.errors.items():
                if error > NEAR_MISS:
                    print(
                        f"seed {seed} {trip.family} [{trip.shots_mode}] near miss {device.split('|')[0]} "
                        f"({trip.cameras[device]}): {error / 60:.1f} min off"
                    )
    print(f"{len(outcomes)} trips, seeds {base}..{base + args.trips - 1}, {time.perf_counter() - started:.0f} s")
    report(outcomes)
    if args.near_misses:
        near_misses(outcomes)
    print("targets: within >= 95 %, wrong = 0; F1 median >= 0.97 / 0.93 (programme / none), p5 >= 0.90 / 0.85")


if __name__ == "__main__":
    main()
