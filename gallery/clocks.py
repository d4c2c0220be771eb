"""Weighing the evidence about a GPS-less device's clock. Pure: numbers in, a verdict out.

A clock error is "camera minus true local time". Real ones are few: none, a zone left at home
(the organisation's, or any real zone: whole or half hours), a DST slip (one hour), a date set a
day wrong, with a few minutes of drift on top. Each is a hypothesis with a prior weight; a small
floor covers any other shift within two days. The likelihood of a shift is how well the device's
photos (bursts collapsed, at most ~30 independent looks, so a long session cannot shout) fall on
the trip's known activity: the photos of the devices already placed (a sharp kernel for shared
moments, a wider one, the sessions they span), the programme's windows, and a background that
follows the day/night rhythm of the trip's zone. The posterior decides only when one hypothesis
holds 99 % of the mass; otherwise the two or three best stay as ranked candidates for a person.

Shifts here map camera seconds (naive time read as UTC) onto UTC: utc = camera + shift, so a
device's "camera minus UTC" offset is -shift, and the correction `set-offset` takes is -error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import numpy as np

from . import notes

MINUTE = 60
HOUR = 3600
DAY = 86400
BIN = 60  # seconds per step of the activity grid and of the shift search
MARGIN = 3 * DAY  # the grid reaches this far beyond the known activity
REACH = 50 * HOUR  # shifts searched: the farthest zone pair plus a day
BURST_GAP = 30.0  # seconds: a device's photos closer than this are one look
MAX_LOOKS = 300
CHUNK = 1 << 19  # looks x shifts weighed at once (4 MiB an array, six or seven such arrays at a time)
EFFECTIVE_LOOKS = 20.0  # the evidence of more looks is tempered down to this many (at least)
STRETCH = 10 * MINUTE  # looks within one such stretch of camera time are one moment
INDEPENDENT_SHARE = 0.5  # ... and distinct moments count for this many independent looks each
MAX_EFFECTIVE = 60.0  # ... up to this many
DRIFT_SIGMA = 4 * MINUTE  # clocks drift by a few minutes on top of a real error
CLUSTER = 20 * MINUTE  # shifts this close are one hypothesis
DECIDE = 0.95  # posterior mass a hypothesis needs to be accepted
SESSION_PAD = 10 * MINUTE
PRECISE = 0.95  # ... and this share of it within MEET of the estimate
MIN_COVERED = 0.5  # share of the device's looks that must fall inside the trip's known activity
MIN_HALF = 0.35  # ... and this share of each half of them (in camera order)
PART_SURE = 0.9
PART_RULED_OUT = (
    1e-4  # (a short, burst-rich third can be sure of a wrong offset: it must also all but exclude the chosen one)
)
HALF_GAIN = 6  # looks: a half of them this many more inside the trip's activity on another clock is not on this one
HALF_SHARE = 0.2  # ... nor this share of the half
MEET = 10 * MINUTE  # a photo "meets" the others within this
MIN_PIECE = 6  # photos: a part of a device's photos smaller than this is not weighed on its own
CUT_GAP = 30 * MINUTE  # a forward jump in camera time between two shots that may hide a clock change

PRIOR_NONE = 0.35
PRIOR_HOME = 0.20
PRIOR_HOUR = 0.06  # each of +-1 h
PRIOR_DAY = 0.03  # each of +-1 day
PRIOR_WHOLE = 0.20  # shared by the other whole hours within REACH
PRIOR_HALF = 0.01  # shared by the half hours within REACH (rare: India, Newfoundland, Iran...)
PRIOR_ZONES = 0.05  # shared by the differences to every real zone (45-minute ones too)
PRIOR_ANY = 0.02  # any shift within REACH

COMMON_ZONES = (
    "Europe/Paris",
    "Europe/London",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Dakar",
    "Africa/Casablanca",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


@dataclass(frozen=True)
class Evidence:
    """What is known of the trip when a device is weighed."""

    placed: Sequence[float]  # UTC seconds of the photos of devices already placed
    windows: Sequence[tuple[float, float]] = ()  # programme event windows, UTC seconds
    zone: str | None = None  # the trip's zone where the device's photos were taken
    home_zone: str | None = None  # the organisation's home zone
    zones: Sequence[str] = ()  # other zones worth naming (the mission's, the other devices')


@dataclass(frozen=True)
class Candidate:
    offset: int  # camera minus UTC, seconds
    correction: int  # seconds to add to the camera time to read true local time (what set-offset takes)
    probability: float
    meets: float  # share of the device's photos within 10 min of another device's photo
    reason: str  # "none" | "home" | "zone" | "dst" | "day" | "other"
    zone: str | None = None  # the zone the clock stayed on, when the error is a zone's


@dataclass(frozen=True)
class Verdict:
    offset: int | None  # camera minus UTC when decided
    candidates: tuple[Candidate, ...]
    note: str
    sides: tuple[
        Piece, ...
    ] = ()  # undecided, a clock that seems to change: each side weighed alone (for grouping only)


@dataclass(frozen=True)
class Piece:
    """A run of a device's photos (in shooting order) on one clock: indexes first..last inclusive."""

    first: int
    last: int
    verdict: Verdict


def weigh_pieces(naive: Sequence[float], evidence: Evidence) -> list[Piece]:
    """A device's photos in shooting order (file numbers), camera seconds: one clock, or two.

    A clock reset mid-trip (a zone changed, a battery swapped) shows as a jump in camera time
    between two photos taken one after the other. A jump backwards cannot happen on one clock: the
    photos are cut there. Otherwise every forward jump longer than a pause is a possible cut, and
    the one where the two sides fit the trip best, each on its own clock, is weighed: when it beats
    one clock for the whole device clearly and both sides, each weighed on its own, are sure of
    clocks that differ, each side takes its own (the whole device then never takes one offset).
    A side far from the trip's activity (a date reset to 2000-01-01) is left out and the other
    side weighed alone.
    """
    times = np.asarray(naive, dtype=np.float64)
    n = times.size
    grids: dict[int, _Grid] = {}  # by local offset: one activity grid for every weighing of this device
    whole = weigh(times, evidence, grids=grids)
    if n < 2 * MIN_PIECE or not (len(evidence.placed) or len(evidence.windows)):
        return [Piece(0, n - 1, whole)]
    steps = np.diff(times)
    backwards = [int(i) + 1 for i in np.nonzero((steps < -CUT_GAP) | (steps > FAR_JUMP))[0]]
    if len(backwards) == 2 and (around := _reset_between(times, backwards[0], backwards[1], evidence, grids)):
        return around
    if len(backwards) > 1:
        return [Piece(0, n - 1, Verdict(None, whole.candidates, notes.note("goes_back_twice")))]
    cut = backwards[0] if backwards else _best_cut(times, steps, evidence, whole, grids)
    if cut is None:
        return _unless_refuted(times, steps, evidence, whole, grids)
    if cut < MIN_PIECE or n - cut < MIN_PIECE:
        if whole.offset is None:
            return [Piece(0, n - 1, whole)]
        return [Piece(0, n - 1, Verdict(None, whole.candidates, notes.note("jumps_back_few", photo=cut + 1)))]
    far_before, far_after = _far(times[:cut], evidence), _far(times[cut:], evidence)
    if far_before != far_after:  # a reset date: the photos on it are left out, the others weighed alone
        near = weigh(times[cut:] if far_before else times[:cut], evidence, grids=grids)
        left = Verdict(None, (), notes.note("far_from_trip"))
        if near.offset is None:
            also = notes.join(near.note, notes.note("also_far_from_trip"))
            return [Piece(0, n - 1, Verdict(None, near.candidates, also))]
        return (
            [Piece(0, cut - 1, left), Piece(cut, n - 1, near)]
            if far_before
            else [Piece(0, cut - 1, near), Piece(cut, n - 1, left)]
        )
    before = weigh(times[:cut], evidence, free=far_before, grids=grids)
    after = weigh(times[cut:], evidence, free=far_after, grids=grids)
    if (
        before.offset is not None
        and after.offset is not None
        and abs(after.offset - before.offset) > CLUSTER
        and min(before.candidates[0].probability, after.candidates[0].probability)
        >= (DECIDE if backwards else PIECE_DECIDE)
        and _no_jump_back(times, cut, before.offset, after.offset)
    ):
        return [Piece(0, cut - 1, before), Piece(cut, n - 1, after)]
    agrees = all(v.offset is None or abs(v.offset - (whole.offset or 0)) <= CLUSTER for v in (before, after))
    if whole.offset is not None and agrees:  # an undecided side must still leave room for the whole's offset
        agrees = not any(
            _refutes(side, evidence, whole.offset, CUT_SIDE_SURE, CUT_SIDE_ROOM, grids=grids)
            for side in (times[:cut], times[cut:])
        )
    if backwards or whole.offset is not None and not agrees:
        return [_changes_at(times, cut, whole, before, after)]
    return _unless_refuted(times, steps, evidence, whole, grids)


# A device's one offset is refused when the photos on one side of a pause, weighed alone, leave less
# than SIDE_ROOM of their posterior near it while SIDE_SURE of it sits near one other offset; at the
# cut two clocks explain best (`_best_cut`), CUT_SIDE_ROOM and CUT_SIDE_SURE.
SIDE_ROOM = 0.01
SIDE_NEAR = (
    150 * MINUTE
)  # ... (at any pause: only a clock this close: a reset of half an hour or an hour, which the cut misses, read up to an hour further by a side that is short of evidence)
SIDE_SURE = 0.8
CUT_SIDE_ROOM = 1e-3
CUT_SIDE_SURE = 0.6
SIDE_LOOKS = 9  # ... counted only for a side with at least this many looks (fewer prove nothing)


def _changes_at(times: np.ndarray, cut: int, whole: Verdict, before: Verdict, after: Verdict) -> Piece:
    note = notes.note("changes_at", photo=cut + 1, before=before.note, after=after.note)
    sides = (Piece(0, cut - 1, before), Piece(cut, times.size - 1, after))
    return Piece(0, times.size - 1, Verdict(None, whole.candidates, note, sides))


def _refutes(
    times: np.ndarray,
    evidence: Evidence,
    offset: int,
    sure: float,
    room: float,
    within: float = math.inf,
    grids: dict[int, _Grid] | None = None,
) -> bool:
    """Do these photos, weighed alone, rule `offset` (camera minus UTC) out: less than `room` of their
    posterior near it, at least `sure` of it near one other offset? Not when they are too few, nor when
    that other offset is about a day away and they share no more moments with the others there than
    on `offset` (a session no other device attended fits the same hours of another day as well), nor
    when that other offset is no realistic clock error (a clock is reset to a real one), nor farther
    than `within` from `offset`. `grids`: the trip's activity grids already made, by local offset."""
    looks = _looks(np.sort(times))
    if looks.size < SIDE_LOOKS:
        return False
    local = _local_offset(evidence.zone, looks)
    grid = _grid(evidence, local, grids)
    shifts = np.arange(-REACH, REACH + 1, BIN, dtype=np.float64)
    if math.isfinite(within) and _cannot_refute(looks, grid, shifts, local, evidence, offset, sure, room, within):
        return False
    posterior = _posterior(looks, grid, shifts, local, evidence)
    peak = float(shifts[int(np.argmax(posterior))])
    if float(posterior[np.abs(shifts - peak) <= CLUSTER].sum()) < sure:
        return False
    if abs(-peak - offset) > within:
        return False
    correction = peak + local  # what set-offset would take for that other clock: a reset is to a real one
    if abs(correction) > ZONE_SPAN and abs(abs(correction) - DAY) > 15 * MINUTE:
        return False
    if float(posterior[np.abs(shifts + offset) <= CLUSTER].sum()) >= room:
        return False
    apart = abs(-peak - offset)
    if abs(apart - DAY) <= 2 * HOUR:
        placed = np.sort(np.asarray(evidence.placed, dtype=np.float64))
        there, close_there = _shared(looks + peak, placed)
        here, close_here = _shared(looks - offset, placed)
        error = math.sqrt(max(close_there + close_here, 1e-9) / looks.size)
        return there - here >= SHARP_APART * error
    return True


def _cannot_refute(
    looks: np.ndarray,
    grid: _Grid,
    shifts: np.ndarray,
    local: int,
    evidence: Evidence,
    offset: int,
    sure: float,
    room: float,
    within: float,
) -> bool:
    """`_refutes`' answer is no, seen on the shifts within `within` (and CLUSTER) of `offset` alone,
    a twentieth of them (a device is checked at every pause, on both sides, and most sides are sure
    of its offset). Their posterior is the whole one's up to a factor: a peak there holding less than
    `sure` of them holds less of the whole; a peak beyond `within` is beyond it in the whole too; and
    where the whole would refute (its peak holding `sure` of it), the mass near `offset` is at least
    `sure` times its ratio to the peak's here, which leaves it `room` when that ratio is room / sure."""
    keep = np.abs(shifts + offset) <= within + CLUSTER
    return _clears(_posterior(looks, grid, shifts, local, evidence, keep), shifts[keep], offset, sure, room, within)


def _clears(part: np.ndarray, kept: np.ndarray, offset: int, sure: float, room: float, within: float) -> bool:
    """`_cannot_refute`'s answer from the posterior over the kept shifts."""
    top = float(kept[int(np.argmax(part))])
    peak, here = (float(part[np.abs(kept - at) <= CLUSTER].sum()) for at in (top, -offset))
    return abs(-top - offset) > within or peak < sure or here * sure >= room * peak


def _unless_refuted(
    times: np.ndarray, steps: np.ndarray, evidence: Evidence, whole: Verdict, grids: dict[int, _Grid] | None = None
) -> list[Piece]:
    """One clock for the whole device, unless the photos on one side of a pause, weighed alone, all
    but rule its offset out (a clock reset too small for the two sides to be sure of their own: half an
    hour, an hour, inside one long programme window): then the device stays undecided."""
    n = times.size
    if whole.offset is None:
        return [Piece(0, n - 1, whole)]
    cuts = [int(i) + 1 for i in np.nonzero(steps > CUT_GAP)[0]]
    grids = {} if grids is None else grids
    sides = _Sides(times, cuts, evidence, whole.offset, grids)
    for cut in cuts:
        for prefix, side in ((True, times[:cut]), (False, times[cut:])):
            if sides.clears(cut, prefix):
                continue
            if _refutes(side, evidence, whole.offset, SIDE_SURE, SIDE_ROOM, SIDE_NEAR, grids):
                before, after = weigh(times[:cut], evidence, grids=grids), weigh(times[cut:], evidence, grids=grids)
                return [_changes_at(times, cut, whole, before, after)]
    return [Piece(0, n - 1, whole)]


class _Sides:
    """`_refutes`' screen (`_cannot_refute`, with the SIDE_* constants) for every pause's two sides of
    one device: the same answers, at the cost of the kept shifts per side instead of its photos (a
    camera used every week for years has thousands of pauses and tens of thousands of photos).

    A side is a prefix or a suffix of the photos in shooting order. When it is one in time order too
    (no photo before the pause taken after one behind it: the usual case), its looks are a run of the
    device's own looks, preceded for a suffix by its first photo when that one is not a look of the
    whole (`_looks` keeps any side's first photo). Each kept shift's log-likelihood is then a
    difference of two prefix sums of per-look terms, its tempering a difference of counts of ten-minute
    stretches, its zone and prior read at its middle look. A side that is not a run in time order is
    not cleared here: `_refutes` weighs it."""

    def __init__(
        self, times: np.ndarray, cuts: Sequence[int], evidence: Evidence, offset: int, grids: dict[int, _Grid]
    ) -> None:
        self.evidence, self.offset, self.grids = evidence, offset, grids
        ordered = np.sort(times)
        self.ordered = ordered
        self.starts = np.concatenate(([True], np.diff(ordered) >= BURST_GAP))  # which photos are looks
        self.looks = ordered[self.starts]
        self.ahead = np.concatenate(([0], np.cumsum(self.starts)))  # looks among the first c photos in time
        self.latest = np.maximum.accumulate(times)  # the latest of the first c + 1 photos in shooting order
        self.earliest = np.minimum.accumulate(times[::-1])[::-1]  # the earliest from photo c on
        self.stretch = np.floor(self.looks / STRETCH)
        new = np.concatenate(([1], self.stretch[1:] != self.stretch[:-1])) if self.looks.size else np.zeros(0)
        self.new = np.concatenate(([0], np.cumsum(new)))  # stretches begun among the first k looks
        shifts = np.arange(-REACH, REACH + 1, BIN, dtype=np.float64)
        self.keep = np.abs(shifts + offset) <= SIDE_NEAR + CLUSTER
        self.shifts, self.kept = shifts, shifts[self.keep]
        self.columns = {k: i for i, k in enumerate(sorted({0, self.looks.size, *(int(self.ahead[c]) for c in cuts)}))}
        self.sums: dict[int, list[np.ndarray]] = {}  # by local offset, per share: prefix sums at the columns
        self.priors: dict[tuple[int, str, int | None], np.ndarray] = {}

    def clears(self, cut: int, before: bool) -> bool:
        """Does the screen clear the side before (or from) photo `cut` in shooting order (True), or must
        `_refutes` weigh it (False)?"""
        if not self.is_run(cut):
            return False
        posterior = self.posterior(cut, before)
        return posterior is None or _clears(posterior, self.kept, self.offset, SIDE_SURE, SIDE_ROOM, SIDE_NEAR)

    def is_run(self, cut: int) -> bool:
        """Are the two sides of the pause before photo `cut` (shooting order) runs in time order too?"""
        return bool(self.latest[cut - 1] <= self.earliest[cut])

    def posterior(self, cut: int, before: bool) -> np.ndarray | None:
        """The side's posterior over the kept shifts (`_posterior`'s), None when it has too few looks.
        Only for a pause whose sides are runs in time order (`is_run`): `cut` then also counts the
        photos before it in time order, which is how the arrays below are read."""
        assert self.is_run(cut), cut
        start = 0 if before else int(self.ahead[cut])
        end = int(self.ahead[cut]) if before else self.looks.size
        extra = None if before or self.starts[cut] else float(self.ordered[cut])
        count = end - start + (extra is not None)
        if count < SIDE_LOOKS:
            return None
        middle = self._middle(start, count, extra)
        local = _local_at(self.evidence.zone, middle)
        grid = self._grid(local)
        loglik = None
        for share, sums in zip(grid.shares(), self._sums(local), strict=True):
            one = sums[:, self.columns[end]] - sums[:, self.columns[start]]
            if extra is not None:
                one = one + grid.terms(np.array([extra]), self.kept, share)[:, 0]
            loglik = one if loglik is None else np.maximum(loglik, one)
        assert loglik is not None
        distinct = (1 + int(self.new[end] - self.new[start + 1])) if end > start else 0
        if extra is not None:
            distinct += 0 if end > start and math.floor(extra / STRETCH) == self.stretch[start] else 1
        posterior = loglik * _tempering(count, distinct) + self._prior(local, middle)
        posterior = np.exp(posterior - posterior.max())
        return posterior / posterior.sum()  # type: ignore[no-any-return]

    def _middle(self, start: int, count: int, extra: float | None) -> float:
        """`np.median` of the side's looks (sorted: its one or two middle ones)."""

        def at(i: int) -> float:
            return extra if extra is not None and i == 0 else float(self.looks[start + i - (extra is not None)])

        middle = [at(count // 2)] if count % 2 else [at(count // 2 - 1), at(count // 2)]
        return float(np.median(np.array(middle)))

    def _grid(self, local: int) -> _Grid:
        return _grid(self.evidence, local, self.grids)

    def _sums(self, local: int) -> list[np.ndarray]:
        """Per share, the sums of the first k looks' terms at each kept shift, for the k in `columns`."""
        if local not in self.sums:
            grid, wanted = self._grid(local), sorted(self.columns)
            out = []
            for share in grid.shares():
                sums = np.zeros((self.kept.size, len(wanted)))
                running = np.zeros(self.kept.size)
                step = max(1, CHUNK // self.kept.size)  # looks at once: bounded memory
                for at in range(0, self.looks.size, step):
                    chunk = np.cumsum(grid.terms(self.looks[at : at + step], self.kept, share), axis=1)
                    chunk += running[:, None]
                    for k in wanted:
                        if at < k <= at + chunk.shape[1]:
                            sums[:, self.columns[k]] = chunk[:, k - at - 1]
                    running = chunk[:, -1]
                out.append(sums)
            self.sums[local] = out
        return self.sums[local]

    def _prior(self, local: int, middle: float) -> np.ndarray:
        when = datetime.fromtimestamp(middle, UTC)
        key = (local, when.date().isoformat(), _offset_of(self.evidence.home_zone, when))
        if key not in self.priors:  # the prior depends on the middle look through these alone
            self.priors[key] = _prior_at(self.shifts, local, self.evidence, when)[self.keep]
        return self.priors[key]


SPLIT_BETTER = 6.0  # nats: how much better two clocks must explain a device than one before a cut is weighed
SPLIT_CHECK = 2.0  # ... and before a decided device is checked: neither side may be sure of another clock
FAR_JUMP = 20 * DAY
ZONE_SPAN = 26 * HOUR  # the widest gap between two real zones: a larger error is accepted only as a day
PIECE_DECIDE = (
    0.99  # a side of a forward cut is accepted only this sure (and only when both sides are); 0.95 at a jump back
)


def _best_cut(
    times: np.ndarray, steps: np.ndarray, evidence: Evidence, whole: Verdict, grids: dict[int, _Grid] | None = None
) -> int | None:
    """The forward jump where two clocks explain the photos best, if clearly better than one clock."""
    cuts = [int(i) + 1 for i in np.nonzero(steps > CUT_GAP)[0]]
    cuts = [c for c in cuts if MIN_PIECE <= c <= times.size - MIN_PIECE]
    if not cuts:
        return None
    local = _local_offset(evidence.zone, times)
    grid = _grid(evidence, local, grids)
    shifts = np.arange(-REACH, REACH + 1, 5 * BIN, dtype=np.float64)  # coarse: only the cut is chosen here
    prior = _log_prior(shifts, local, evidence, times)
    logs = np.log(np.maximum(grid.density, grid.floor))
    ends = np.array([*cuts, times.size]) - 1
    total = np.empty((shifts.size, ends.size))  # each shift's sum over the photos before each cut, and all
    step = max(1, CHUNK // times.size)  # shifts at once: bounded memory for a camera of any size
    for at in range(0, shifts.size, step):
        part = shifts[at : at + step]
        index = ((times[None, :] + part[:, None] - grid.start) // BIN).astype(np.int64)
        inside = (index >= 0) & (index < logs.size)
        per = np.where(inside, logs[np.clip(index, 0, logs.size - 1)], math.log(grid.floor))
        total[at : at + part.size] = np.cumsum(per, axis=1)[:, ends]

    temper = _temper(_looks(np.sort(times))) * _looks(np.sort(times)).size / times.size  # one tempering for all

    def evidence_of(loglik: np.ndarray) -> float:
        tempered = loglik * temper + prior
        peak = float(tempered.max())
        return peak + math.log(float(np.exp(tempered - peak).sum()))

    one = evidence_of(total[:, -1])
    scores = [evidence_of(total[:, i]) + evidence_of(total[:, -1] - total[:, i]) for i in range(len(cuts))]
    best = int(np.argmax(scores))
    return cuts[best] if scores[best] - one >= (SPLIT_CHECK if whole.offset is not None else SPLIT_BETTER) else None


def _no_jump_back(times: np.ndarray, cut: int, before: int, after: int) -> bool:
    """Read on their two clocks, the photos either side of the cut stay in shooting order."""
    return bool(times[cut] - after >= times[cut - 1] - before - CUT_GAP)


def _reset_between(
    times: np.ndarray, a: int, b: int, evidence: Evidence, grids: dict[int, _Grid] | None = None
) -> list[Piece] | None:
    """A reset date between two runs on one clock (a battery change, then the clock set again):
    the photos on it are left out and the two runs weighed together, as one clock."""
    if _far(times[:a], evidence) or _far(times[b:], evidence) or not _far(times[a:b], evidence):
        return None
    outer = np.concatenate([times[:a], times[b:]])
    if outer.size < MIN_PIECE or times[b] < times[a - 1] - CUT_GAP:
        return None
    near = weigh(outer, evidence, grids=grids)
    if near.offset is None:
        return None
    return [
        Piece(0, a - 1, near),
        Piece(a, b - 1, Verdict(None, (), notes.note("far_from_trip"))),
        Piece(b, times.size - 1, near),
    ]


RUN_STEP = 5 * MINUTE  # the starts tried for a run on a reset date


def place_run(naive: Sequence[float], evidence: Evidence, low: float, high: float) -> list[tuple[int, float]]:
    """Where a run of photos on a reset date (2000-01-01 after a battery change) may lie, for grouping only.

    The camera's clock restarted at an unknown instant but still ticks true, so the run keeps its own
    rhythm (its sessions, its pauses, its nights); only its start is unknown, somewhere between two
    bounds (camera minus UTC from `low` to `high`: after the photo before it, before the one after it
    or the trip's end). Every start in between is weighed against the trip's activity with no prior;
    out come the likely offsets (camera minus UTC), each the best of its cluster, with its probability.
    Never an accepted offset: a person could not tell a reset date's true start from these.
    """
    times = np.asarray(naive, dtype=np.float64)
    if times.size == 0 or high < low or not (len(evidence.placed) or len(evidence.windows)):
        return []
    looks = _looks(np.sort(times))
    grid = _Grid(evidence, _local_offset(evidence.zone, looks))
    shifts = -np.arange(high, low - 1, -RUN_STEP, dtype=np.float64)  # utc = camera + shift
    loglik = grid.loglik(looks, shifts) * _temper(looks)
    posterior = np.exp(loglik - loglik.max())
    posterior /= posterior.sum()
    out: list[tuple[int, float]] = []
    left = posterior.copy()
    while len(out) < 8 and left.max() > 0:
        peak = int(np.argmax(left))
        near = np.abs(shifts - shifts[peak]) <= CLUSTER
        out.append((round(-float(shifts[peak])), float(left[near].sum())))
        left[near] = 0.0
    return out


def _far(times: np.ndarray, evidence: Evidence) -> bool:
    """Are these camera times further from all the trip's activity than any real clock error?"""
    anchors = [*evidence.placed, *(w for pair in evidence.windows for w in pair)]
    if not anchors:
        return False
    middle = float(np.median(times))
    return middle < min(anchors) - REACH - MARGIN or middle > max(anchors) + REACH + MARGIN


def weigh(
    naive: Sequence[float] | np.ndarray,
    evidence: Evidence,
    free: bool = False,
    grids: dict[int, _Grid] | None = None,
) -> Verdict:
    """Decide a device's clock offset from its photos (camera seconds) and what the trip shows.

    `free`: the photos are on a clock nothing realistic explains (a date reset): never decided.
    """
    looks = _looks(np.sort(np.asarray(naive, dtype=np.float64)))
    if looks.size > MAX_LOOKS:  # evenly thinned: the evidence is tempered to fewer looks anyway
        looks = looks[np.linspace(0, looks.size - 1, MAX_LOOKS).round().astype(np.int64)]
    has_activity = len(evidence.placed) > 0 or len(evidence.windows) > 0
    if not has_activity:
        return Verdict(None, (), notes.note("nothing_to_align"))
    local = _local_offset(evidence.zone, looks)
    grid = _grid(evidence, local, grids)
    if free:  # searched over the whole trip with no prior, a reset date proved confidently wrong on bursts
        return Verdict(None, (), notes.note("far_from_trip"))
    shifts = np.arange(-REACH, REACH + 1, BIN, dtype=np.float64)
    posterior = _posterior(looks, grid, shifts, local, evidence)
    candidates = _candidates(shifts, posterior, looks, evidence, local)
    best, located = _located(candidates[0], looks, grid, shifts, local, evidence)
    candidates = (best, *candidates[1:])
    near = float(posterior[np.abs(shifts + best.offset) <= MEET].sum())
    precise = located and near >= PRECISE * best.probability  # both weighings: sure within MEET of it
    chances = [[round(c.probability, 2), c.correction] for c in candidates]
    covered = grid.covered(looks - best.offset)
    changed = _changes_midway(looks, grid, shifts, local, evidence, best.offset)
    realistic = abs(best.correction) <= ZONE_SPAN or abs(abs(best.correction) - DAY) <= 15 * MINUTE
    rival = _day_rival(looks, grid, evidence, best.offset)
    if rival is not None:
        candidates = _with_rival(candidates, rival, shifts, posterior, looks, evidence, local)
        chances = [[round(c.probability, 2), c.correction] for c in candidates]
    if (
        best.probability >= DECIDE
        and precise
        and realistic
        and not changed
        and rival is None
        and covered >= MIN_COVERED * len(looks)
        and covered >= 3
    ):
        return Verdict(best.offset, candidates, notes.note("aligned", candidates=chances))
    why = notes.note("undecided", candidates=chances)
    if rival is not None:
        why = notes.join(why, notes.note("day_earlier" if rival > best.offset else "day_later"))
    elif covered < MIN_COVERED * len(looks):
        why = notes.join(why, notes.note("few_covered", share=round(covered / len(looks), 2)))
    elif changed:
        why = notes.join(why, notes.note("changes_midway"))
    return Verdict(None, candidates, why)


# Where within its hypothesis (CLUSTER) the chosen offset lies: the posterior there with the others'
# exact moments weighing this share of the device's shooting, not SHARED_SHARES'. Shots spread evenly
# meet those moments only by chance, and at 0.5 such chances pulled the estimate by minutes, as often
# away from the truth as towards it (development trips, even shots: accepted offsets 2.1 min off on
# average, 13 of 281 more than 6.5 min, worst 8.1; at 0.2: 1.9 min, 9, worst 7.6; at 0.02: 1.85 min,
# 5, worst 7.5, but bursts at shared moments then lose their minute: 1.1 min off, worst 8.5, against
# 0.4 and 4.0 at 0.2 as at 0.5). What no share mends: a drift of a few minutes that even shots do not
# show (the phones' photos place a session's edges no closer than their own rate allows).
LOCATE_SHARE = 0.2


def _located(
    best: Candidate, looks: np.ndarray, grid: _Grid, shifts: np.ndarray, local: int, evidence: Evidence
) -> tuple[Candidate, bool]:
    """The best candidate with its offset set where the looks place it within its cluster (LOCATE_SHARE),
    and whether that posterior holds PRECISE of its mass within MEET of it."""
    keep = np.abs(shifts + best.offset) <= CLUSTER
    near = shifts[keep]
    prior = _log_prior(shifts, local, evidence, looks)[keep]
    logs = grid.loglik(looks, near, (LOCATE_SHARE,)) * _temper(looks) + prior
    weights = np.exp(logs - logs.max())
    weights /= weights.sum()
    shift = round(float((near * weights).sum()) / MINUTE) * MINUTE
    precise = float(weights[np.abs(near - shift) <= MEET].sum()) >= PRECISE
    if shift == -best.offset:
        return best, precise
    placed = np.sort(np.asarray(evidence.placed, dtype=np.float64))
    error = -shift - local
    reason, zone = _explain(error, local, evidence, datetime.fromtimestamp(float(np.median(looks)), UTC))
    moved = Candidate(-shift, -error, best.probability, round(_meets(looks + shift, placed), 2), reason, zone)
    return moved, precise


DAY_RIVAL_COVER = 0.95  # a day's shift keeping this share of the looks inside the trip's activity fits as well
SHARP = 90.0  # seconds: placed photos this close to a look share its moment ...
RING = 20 * MINUTE  # ... beyond what the others' rate within this reach predicts
SHARP_APART = 3.0  # standard errors by which the best offset shares more moments than a day away: days told apart


def _day_rival(looks: np.ndarray, grid: _Grid, evidence: Evidence, offset: int) -> int | None:
    """The offset a day away from this one that fits the trip as well, if any (a schedule that repeats).

    Shifted by a day, the looks fall as often inside the trip's known activity (the placed devices'
    sessions, the programme's windows) and meet the others' photos about as often within SHARP: the
    photos alone cannot tell which day they were taken on, whatever the finer rates say.
    """
    covered = grid.covered(looks - offset)
    if covered < 3:
        return None
    placed = np.sort(np.asarray(evidence.placed, dtype=np.float64))
    shared, close = _shared(looks - offset, placed)
    for rival in (offset - DAY, offset + DAY):
        if grid.covered(looks - rival) < DAY_RIVAL_COVER * covered:
            continue
        rival_shared, rival_close = _shared(looks - rival, placed)
        error = math.sqrt(max(close + rival_close, 1e-9) / looks.size)  # Poisson counts, under even shooting
        if shared - rival_shared >= SHARP_APART * error:
            continue
        return rival
    return None


def _shared(times: np.ndarray, placed: np.ndarray) -> tuple[float, float]:
    """Placed photos per look within SHARP of it beyond the others' rate around it (about 0 for even
    shooting, which shares moments only by chance), and all of them within SHARP, per look."""
    if placed.size == 0 or times.size == 0:
        return 0.0, 0.0

    def within(reach: float) -> np.ndarray:
        return np.searchsorted(placed, times + reach, side="right") - np.searchsorted(placed, times - reach)

    close = within(SHARP)
    return float(np.mean(close - within(RING) * SHARP / RING)), float(np.mean(close))


def _with_rival(
    candidates: tuple[Candidate, ...],
    rival: int,
    shifts: np.ndarray,
    posterior: np.ndarray,
    looks: np.ndarray,
    evidence: Evidence,
    local: int,
) -> tuple[Candidate, ...]:
    """The candidates, the day's rival among them (in place of the last when three are shown)."""
    if any(abs(c.offset - rival) <= CLUSTER for c in candidates):
        return candidates
    near = np.abs(shifts + rival) <= CLUSTER
    when = datetime.fromtimestamp(float(np.median(looks)), UTC)
    error = rival - local
    reason, zone = _explain(error, local, evidence, when)
    placed = np.sort(np.asarray(evidence.placed, dtype=np.float64))
    found = Candidate(
        rival, -error, round(float(posterior[near].sum()), 3), round(_meets(looks - rival, placed), 2), reason, zone
    )
    return (*candidates[:2], found)


def _posterior(
    looks: np.ndarray, grid: _Grid, shifts: np.ndarray, local: int, evidence: Evidence, keep: np.ndarray | None = None
) -> np.ndarray:
    """The posterior over `shifts`, or over those `keep` marks only (normalised over them; the prior
    is still the one over all `shifts`, each kept shift's value the same as in the whole)."""
    prior = _log_prior(shifts, local, evidence, looks)
    if keep is not None:
        shifts, prior = shifts[keep], prior[keep]
    loglik = grid.loglik(looks, shifts) * _temper(looks)
    posterior = loglik + prior
    posterior = np.exp(posterior - posterior.max())
    return posterior / posterior.sum()


def _temper(looks: np.ndarray) -> float:
    """Looks are not independent: those in one ten-minute stretch are one moment seen several times.

    The evidence counts as many looks as the device's photos fill distinct stretches (times
    INDEPENDENT_SHARE), at least EFFECTIVE_LOOKS and at most MAX_EFFECTIVE: evenly spread shots
    then weigh their full sharp edges, bursts around shared moments still speak as few voices.
    """
    return _tempering(looks.size, np.unique(np.floor(looks / STRETCH)).size)


def _tempering(looks: int, stretches: int) -> float:
    if looks == 0:
        return 1.0
    effective = min(MAX_EFFECTIVE, max(EFFECTIVE_LOOKS, INDEPENDENT_SHARE * stretches))
    return min(1.0, effective / looks)


def _changes_midway(
    looks: np.ndarray, grid: _Grid, shifts: np.ndarray, local: int, evidence: Evidence, offset: int
) -> bool:
    """A clock reset (a zone changed, a battery swapped): does part of the photos fit elsewhere?

    Each half (in camera order) must fall inside the trip's activity at the chosen offset, and not
    far more of it on another clock (HALF_GAIN, HALF_SHARE: counted inside, not weighed by the
    others' rates, which shots spread evenly match by chance; and not the same hours a day or two
    away, which a session no other device attended fits as well as a clock reset); and neither the first nor the last third, weighed on
    its own, may be sure (PART_SURE) of another offset while all but ruling the chosen one out
    (PART_RULED_OUT).
    """
    if any(grid.covered(half - offset) < MIN_HALF * half.size for half in np.array_split(looks, 2)):
        return True
    if looks.size < 9:
        return False
    apart = np.abs(shifts + offset)
    days_away = np.abs(apart - DAY * np.round(apart / DAY))
    other = (apart > CLUSTER) & ((apart < DAY - 2 * HOUR) | (days_away > 2 * HOUR))
    near = apart <= CLUSTER
    for half in np.array_split(looks, 2):  # a half far more inside the trip on another clock: a change hides there
        here = max(grid.covered(half + shift) for shift in shifts[near][:: max(1, int(near.sum()) // 9)])
        there = int(grid.covered_many(half, shifts[other][::5]).max())
        if there - here >= max(HALF_GAIN, HALF_SHARE * half.size):
            return True
    third = looks.size // 3
    for part in (looks[:third], looks[-third:]):
        posterior = _posterior(part, grid, shifts, local, evidence)
        peak = shifts[int(np.argmax(posterior))]
        sure = float(posterior[np.abs(shifts - peak) <= CLUSTER].sum()) >= PART_SURE
        ruled_out = float(posterior[np.abs(shifts + offset) <= CLUSTER].sum()) < PART_RULED_OUT
        if abs(peak + offset) > CLUSTER and sure and ruled_out:
            return True
    return False


def _looks(times: np.ndarray) -> np.ndarray:
    """Collapse bursts: the first photo of each run of photos under BURST_GAP apart."""
    if times.size == 0:
        return times
    keep = np.concatenate(([True], np.diff(times) >= BURST_GAP))
    return times[keep]


def _local_offset(zone: str | None, looks: np.ndarray) -> int:
    return _local_at(zone, float(np.median(looks))) if looks.size else 0


def _local_at(zone: str | None, middle: float) -> int:
    if not zone:
        return 0
    when = datetime.fromtimestamp(middle, UTC)
    return int((when.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)).total_seconds())


def _grid(evidence: Evidence, local: int, grids: dict[int, _Grid] | None) -> _Grid:
    """The trip's activity grid for this local offset, made once per device (`grids`, when given):
    across years it is millions of minutes, and each weighing of the device reads the same one."""
    if grids is None:
        return _Grid(evidence, local)
    if local not in grids:
        grids[local] = _Grid(evidence, local)
    return grids[local]


class _Grid:
    """The trip's activity density on a one-minute grid, a mixture that integrates to one."""

    def __init__(self, evidence: Evidence, local: int) -> None:
        anchors = [*evidence.placed, *(w for pair in evidence.windows for w in pair)]
        self.start = math.floor((min(anchors) - MARGIN) / BIN) * BIN
        size = int((max(anchors) + MARGIN - self.start) // BIN) + 1
        placed = np.asarray(evidence.placed, dtype=np.float64)
        # the parts and their weights: the day/night rhythm, the placed photos' moments (sharp, wide),
        # their sessions, the programme's windows; mixed as a whole (`density`) and in two: the shared
        # moments (the placed photos' own times) and the rest (when the trip was active at all); how
        # much of a device's shooting follows the others' moments is its own (bursts at shared
        # moments: most; shots spread evenly: none), learnt per shift. Each part is added to its
        # mixes and let go: across years a part is millions of minutes.
        windows = [0.15] if evidence.windows else []
        weights = [0.15, *([0.3, 0.2, 0.2] if placed.size else []), *windows]
        density = _Mixer(weights)
        shared = _Mixer([0.3, 0.2] if placed.size else [])
        rest = _Mixer([0.15, *([0.2] if placed.size else []), *windows])
        rhythm = np.resize(_rhythm(self.start, local), size)  # a day's, repeated: one array, not six
        self.floor = 0.15 / sum(weights) * 0.08 / max(rhythm.sum(), 1.0)  # off the grid: a night-time background
        _add(0.15, rhythm, density, rest)
        del rhythm
        self.active = np.zeros(size, dtype=bool)
        if placed.size:
            counts = np.bincount(((placed - self.start) // BIN).astype(np.int64), minlength=size)[:size]
            _add(0.3, _smooth(counts, 2), density, shared)
            _add(0.2, _smooth(counts, 10), density, shared)
            del counts
            sessions = _sessions(placed, self.start, size)
            self.active |= sessions > 0
            _add(0.2, sessions, density, rest)
            del sessions
        if evidence.windows:
            inside = np.zeros(size)
            for a, b in evidence.windows:
                inside[max(0, int((a - self.start) // BIN)) : max(0, int((b - self.start) // BIN) + 1)] = 1.0
            self.active |= inside > 0
            _add(0.15, inside, density, rest)
            del inside
        self.density = density.mixed()
        self.shared = shared.mixed() if placed.size else None
        self.rest = rest.mixed()

    def covered(self, times: np.ndarray) -> int:
        """How many of these UTC instants fall inside the placed devices' sessions or the programme."""
        index = ((times - self.start) // BIN).astype(np.int64)
        inside = (index >= 0) & (index < self.active.size)
        return int(self.active[index[inside]].sum())

    def covered_many(self, looks: np.ndarray, shifts: np.ndarray) -> np.ndarray:
        """`covered` for each shift (looks in camera seconds, utc = camera + shift)."""
        index = ((looks[None, :] + shifts[:, None] - self.start) // BIN).astype(np.int64)
        inside = (index >= 0) & (index < self.active.size)
        return (self.active[np.clip(index, 0, self.active.size - 1)] & inside).sum(axis=1)

    def loglik(self, looks: np.ndarray, shifts: np.ndarray, shares: Sequence[float] = ()) -> np.ndarray:
        """Log-likelihood of each shift: the shared moments and the rest of the activity, half each.

        With several SHARED_SHARES (or `shares`) the best share is taken at each shift (a profile likelihood).
        Shots spread evenly still read a little of the others' rate (where the phones happened to be
        busy): the day's rival (`_day_rival`) counts only coincidences beyond that rate.
        """
        out = np.empty(shifts.size)
        step = max(16, CHUNK // max(1, looks.size))  # in chunks of shifts: bounded memory, whatever the looks
        for at in range(0, shifts.size, step):
            part = shifts[at : at + step]
            terms = [self.terms(looks, part, share).sum(axis=1) for share in self.shares(shares)]
            out[at : at + part.size] = np.max(terms, axis=0)
        return out

    def shares(self, shares: Sequence[float] = ()) -> Sequence[float]:
        """The shares of the shooting at the others' moments tried (SHARED_SHARES unless `shares`); one,
        unused, when no device is placed."""
        return (shares or SHARED_SHARES) if self.shared is not None else (0.0,)

    def terms(self, looks: np.ndarray, shifts: np.ndarray, share: float) -> np.ndarray:
        """Each look's log term at each shift (shifts x looks), `share` of it from the shared moments."""
        index = ((looks[None, :] + shifts[:, None] - self.start) // BIN).astype(np.int64)
        inside = (index >= 0) & (index < self.rest.size)
        clipped = np.clip(index, 0, self.rest.size - 1)
        rest = np.where(inside, self.rest[clipped], 0.0)
        if self.shared is None:
            return np.log(np.maximum(rest, self.floor))
        shared = np.where(inside, self.shared[clipped], 0.0)
        return np.log(np.maximum(share * shared + (1 - share) * rest, self.floor))


# shares of a device's shooting at the others' moments, the best one taken at each shift: profiling over
# (0.02, 0.2, 0.5, 0.8) did no better on the development trips and took four times as long: one share
SHARED_SHARES = (0.5,)


class _Mixer:
    """Parts added one at a time, each normalised to sum to one, weighted by its share of `weights`'
    total, and summed in place: one array, whatever the number of parts."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.total = sum(weights)
        self.out: np.ndarray | None = None

    def add(self, weight: float, part: np.ndarray, norm: float) -> None:
        term = (weight / self.total) * part
        term /= norm
        if self.out is None:
            self.out = term
        else:
            self.out += term

    def mixed(self) -> np.ndarray:
        assert self.out is not None
        return self.out


def _add(weight: float, part: np.ndarray, *mixers: _Mixer) -> None:
    norm = max(part.sum(), 1e-12)
    for mixer in mixers:
        mixer.add(weight, part, norm)


@cache
def _day_rhythm(phase: int) -> np.ndarray:
    """The background's day/night rhythm over one day of the grid, its first minute `phase` seconds
    after local midnight: few photos at night, most by day."""
    hour = ((np.arange(DAY // BIN) * BIN + phase) % DAY) // HOUR
    return np.where(hour < 6, 0.08, np.where(hour < 7, 0.4, np.where(hour < 23, 1.0, 0.4)))


def _rhythm(start: float, local: int) -> np.ndarray:
    return _day_rhythm(int((start + local) % DAY))


def _smooth(counts: np.ndarray, sigma_bins: float) -> np.ndarray:
    reach = int(4 * sigma_bins)
    kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma_bins) ** 2)
    return np.convolve(counts.astype(np.float64), kernel, mode="same")


def _sessions(placed: np.ndarray, start: float, size: int) -> np.ndarray:
    """1 over the spans of the placed photos: gaps under an hour bridged, each span padded by its
    typical gap between photos (a sparse phone sees a session's edges late), at least SESSION_PAD."""
    out = np.zeros(size)
    ordered = np.sort(placed)
    breaks = np.nonzero(np.diff(ordered) > HOUR)[0]
    firsts = np.concatenate(([0], breaks + 1))
    lasts = np.concatenate((breaks, [ordered.size - 1]))
    for first, last in zip(firsts, lasts, strict=True):
        a, b = ordered[first], ordered[last]
        gap = float(np.mean(np.diff(ordered[first : last + 1]))) if last > first else HOUR / 2
        pad = min(max(SESSION_PAD, gap), 3 * SESSION_PAD)
        out[max(0, int((a - pad - start) // BIN)) : max(0, int((b + pad - start) // BIN) + 1)] = 1.0
    return out


# -- prior ------------------------------------------------------------------------------------------


def _hypotheses(local: int, evidence: Evidence, when: datetime) -> list[tuple[int, float, str, str | None]]:
    """(error in seconds, prior weight, reason, zone) for each realistic clock error."""
    out: list[tuple[int, float, str, str | None]] = [(0, PRIOR_NONE, "none", None)]
    home = _offset_of(evidence.home_zone, when)
    if home is not None and home != local:
        out.append((home - local, PRIOR_HOME, "home", evidence.home_zone))
    out += [(HOUR, PRIOR_HOUR, "dst", None), (-HOUR, PRIOR_HOUR, "dst", None)]
    out += [(DAY, PRIOR_DAY, "day", None), (-DAY, PRIOR_DAY, "day", None)]
    taken = {error for error, *_ in out}
    whole = [h * HOUR for h in range(-REACH // HOUR, REACH // HOUR + 1) if h * HOUR not in taken]
    half = [h * HOUR + HOUR // 2 for h in range(-REACH // HOUR, REACH // HOUR)]
    real = sorted({offset - local for offset in _real_offsets(when.date().isoformat())} - {0})
    out += [(error, PRIOR_WHOLE / len(whole), "zone", None) for error in whole]
    out += [(error, PRIOR_HALF / len(half), "zone", None) for error in half]
    out += [(error, PRIOR_ZONES / max(1, len(real)), "zone", None) for error in real]
    return out


@cache
def _real_offsets(day: str) -> frozenset[int]:
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    offsets = set()
    for zone in _all_zones():
        offset = when.astimezone(zone).utcoffset()
        if offset is not None:
            offsets.add(int(offset.total_seconds()))
    return frozenset(offsets)


@cache
def _all_zones() -> tuple[ZoneInfo, ...]:
    """Every zone, loaded once (a camera weighed across years reads the zones' offsets on many days)."""
    return tuple(ZoneInfo(name) for name in sorted(available_timezones()))


def _offset_of(zone: str | None, when: datetime) -> int | None:
    if not zone:
        return None
    try:
        return int((when.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)).total_seconds())
    except (KeyError, ValueError):
        return None


def _log_prior(shifts: np.ndarray, local: int, evidence: Evidence, looks: np.ndarray) -> np.ndarray:
    """Each hypothesis a bump of DRIFT_SIGMA around its shift (weights dropped on the grid, one convolution)."""
    return _prior_at(shifts, local, evidence, datetime.fromtimestamp(float(np.median(looks)), UTC))


def _prior_at(shifts: np.ndarray, local: int, evidence: Evidence, when: datetime) -> np.ndarray:
    step = float(shifts[1] - shifts[0]) if shifts.size > 1 else float(BIN)
    weights = np.zeros(shifts.size)
    for error, weight, _reason, _zone in _hypotheses(local, evidence, when):
        index = round((-(local + error) - shifts[0]) / step)  # utc = camera - local - error
        if 0 <= index < shifts.size:  # a hypothesis beyond REACH has no say
            weights[index] += weight
    reach = int(4 * DRIFT_SIGMA / step)
    kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) * step / DRIFT_SIGMA) ** 2)
    prior = np.convolve(weights, kernel / kernel.sum(), mode="same") + PRIOR_ANY / shifts.size
    return np.log(prior)


# -- candidates -------------------------------------------------------------------------------------


def _candidates(
    shifts: np.ndarray, posterior: np.ndarray, looks: np.ndarray, evidence: Evidence, local: int
) -> tuple[Candidate, ...]:
    """The two or three best hypotheses, each the posterior mean of its cluster of shifts."""
    left = posterior.copy()
    out: list[Candidate] = []
    when = datetime.fromtimestamp(float(np.median(looks)), UTC)
    placed = np.sort(np.asarray(evidence.placed, dtype=np.float64))
    for _ in range(3):
        peak = int(np.argmax(left))
        near = np.abs(shifts - shifts[peak]) <= CLUSTER
        mass = float(left[near].sum())
        if out and mass < 0.01:
            break
        shift = round(float((shifts[near] * left[near]).sum() / max(mass, 1e-300)) / MINUTE) * MINUTE
        left[near] = 0.0
        error = -shift - local
        reason, zone = _explain(error, local, evidence, when)
        meets = _meets(looks + shift, placed)
        out.append(Candidate(-shift, -error, round(mass, 3), round(meets, 2), reason, zone))
    return tuple(out)


def _explain(error: int, local: int, evidence: Evidence, when: datetime) -> tuple[str, str | None]:
    if abs(error) <= 15 * MINUTE:
        return "none", None
    for zone in (evidence.home_zone, *evidence.zones, *COMMON_ZONES):
        offset = _offset_of(zone, when)
        if zone and offset is not None and offset != local and abs(offset - local - error) <= 15 * MINUTE:
            return ("home" if zone == evidence.home_zone else "zone"), zone
    if abs(abs(error) - HOUR) <= 15 * MINUTE:
        return "dst", None
    if abs(abs(error) - DAY) <= 15 * MINUTE:
        return "day", None
    return "other", None


def _meets(times: np.ndarray, placed: np.ndarray, within: float = MEET) -> float:
    if placed.size == 0 or times.size == 0:
        return 0.0
    index = np.searchsorted(placed, times)
    before = np.abs(times - placed[np.clip(index - 1, 0, placed.size - 1)])
    after = np.abs(placed[np.clip(index, 0, placed.size - 1)] - times)
    return float(np.mean(np.minimum(before, after) <= within))
