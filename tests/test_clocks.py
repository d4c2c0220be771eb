"""The clock weighing (gallery/clocks.py) on trips built from literals: pure, no catalog."""

from __future__ import annotations

import random

import numpy as np
import pytest

from gallery import clocks
from gallery.clocks import Evidence

HOUR = 3600
MIDNIGHT = 1_499_990_400  # 2017-07-14 00:00 UTC


def _trip(seed: int, first: float, second: float) -> tuple[list[float], list[float], Evidence]:
    """Four days of sessions from 9:00 to 17:00 UTC: phones shooting evenly (placed), a camera shooting
    evenly too, its clock `first` seconds ahead of UTC for its first 55 % of photos, then `second`."""
    draw = random.Random(seed)
    placed: list[float] = []
    truth: list[float] = []
    for day in range(4):
        start, end = MIDNIGHT + day * 86400 + 9 * HOUR, MIDNIGHT + day * 86400 + 17 * HOUR
        placed += [draw.uniform(start, end) for _ in range(320)]
        truth += [draw.uniform(start, end) for _ in range(24)]
    truth.sort()
    cut = int(len(truth) * 0.55)
    errors = [first] * cut + [second] * (len(truth) - cut)
    naive = [t + e for t, e in zip(truth, errors, strict=True)]
    return naive, errors, Evidence(sorted(placed), (), "UTC", "America/Toronto")


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("first", "second"), [(0, HOUR), (-6 * HOUR, -5 * HOUR), (5.5 * HOUR, 6 * HOUR), (0, -HOUR)])
def test_a_clock_reset_by_an_hour_mid_trip_never_gets_one_wrong_offset(seed: int, first: float, second: float) -> None:
    """Shots spread evenly, the clock reset by an hour (or half an hour) after half the photos: too
    little for each side to be sure of its own clock, but one side, weighed alone, all but rules out
    the offset that fits the whole device. No offset is accepted that is wrong for any photo it times
    (before: the whole device took one side's offset, an hour off for the other side's photos)."""
    naive, errors, evidence = _trip(seed, first, second)
    for piece in clocks.weigh_pieces(naive, evidence):
        offset = piece.verdict.offset
        if offset is not None:
            assert all(abs(offset - e) <= 600 for e in errors[piece.first : piece.last + 1]), piece


def test_a_camera_on_one_clock_shooting_evenly_is_still_aligned() -> None:
    """The same trip with no reset: the side check leaves a device on one clock alone."""
    naive, errors, evidence = _trip(3, HOUR, HOUR)
    pieces = clocks.weigh_pieces(naive, evidence)
    assert len(pieces) == 1 and pieces[0].verdict.offset is not None, pieces[0].verdict.note
    assert abs(pieces[0].verdict.offset - HOUR) <= 600


@pytest.mark.parametrize(("first", "second"), [(0, HOUR), (5.5 * HOUR, 6 * HOUR), (-6 * HOUR, -6 * HOUR)])
def test_the_side_checks_screen_never_hides_a_refutation(first: float, second: float) -> None:
    """`_cannot_refute` answers on a twentieth of the shifts: wherever it says no, the whole posterior
    may not hold all three conditions of a refutation (a peak within reach holding SIDE_SURE, less than
    SIDE_ROOM near the offset); over every pause's sides and offsets around the truth, refutations
    included (the screen must let those through)."""
    import math

    import numpy as np

    naive, _, evidence = _trip(4, first, second)
    times = np.asarray(naive)
    shifts = np.arange(-clocks.REACH, clocks.REACH + 1, clocks.BIN, dtype=np.float64)
    screened = candidates = 0
    for cut in [int(i) + 1 for i in np.nonzero(np.diff(times) > clocks.CUT_GAP)[0]]:
        for side in (times[:cut], times[cut:]):
            looks = clocks._looks(np.sort(side))
            if looks.size < clocks.SIDE_LOOKS:
                continue
            local = clocks._local_offset(evidence.zone, looks)
            grid = clocks._Grid(evidence, local)
            whole = clocks._posterior(looks, grid, shifts, local, evidence)
            peak = float(shifts[int(np.argmax(whole))])
            for offset in {int(first + d) for d in (-2 * HOUR, -HOUR, -1800, 0, 1800, HOUR, 2 * HOUR)} | {int(second)}:
                full = (
                    float(whole[np.abs(shifts - peak) <= clocks.CLUSTER].sum()) >= clocks.SIDE_SURE
                    and abs(-peak - offset) <= clocks.SIDE_NEAR
                    and float(whole[np.abs(shifts + offset) <= clocks.CLUSTER].sum()) < clocks.SIDE_ROOM
                )
                cannot = clocks._cannot_refute(
                    looks, grid, shifts, local, evidence, offset, clocks.SIDE_SURE, clocks.SIDE_ROOM, clocks.SIDE_NEAR
                )
                assert not (cannot and full), (cut, offset, peak)
                screened += cannot
                candidates += full
    assert screened and candidates, (screened, candidates)
    assert math.isfinite(clocks.SIDE_NEAR)


def _wandering(seed: int, start: float, count: int = 400) -> np.ndarray:
    """A camera's photos in shooting order: bursts, shots minutes apart, pauses (some just over
    CUT_GAP), steps back under CUT_GAP (a photo before a pause may be later than the next one), and
    pauses that fall inside a burst in time (back, then forward past CUT_GAP to seconds after)."""
    draw = random.Random(seed)
    t, out = start, []
    while len(out) < count:
        u = draw.random()
        if u < 0.3:
            t += draw.uniform(1, 25)
        elif u < 0.75:
            t += draw.uniform(60, 1200)
        elif u < 0.85:
            t += draw.uniform(clocks.CUT_GAP + 1, clocks.CUT_GAP + 100)
        elif u < 0.9:
            t -= draw.uniform(clocks.CUT_GAP - 100, clocks.CUT_GAP - 1)
        elif u < 0.93:  # a pause in shooting order inside a burst in time: its first photo no look of the whole
            out.append(t - clocks.CUT_GAP + 5)
            t += 10
        else:
            t += draw.uniform(2000, 16 * HOUR)
        out.append(t)
    return np.asarray(out)


@pytest.mark.parametrize(("seed", "zone", "start"), [(4, "UTC", MIDNIGHT), (12, "Europe/Paris", 1_509_062_400)])
def test_the_sides_screen_answers_as_each_side_weighed_alone(seed: int, zone: str, start: float) -> None:
    """`_Sides` screens every pause's two sides from prefix sums (a camera of 25,000 photos has
    thousands of pauses): over a camera with bursts, pauses and small steps back, around a change
    of summer time in Paris (two local offsets, two grids), it clears exactly the sides that
    `_cannot_refute` clears weighed alone (or that are too few), from the same posterior, and never
    a side that is not a run in time order (`_refutes` weighs those)."""
    draw = random.Random(seed)
    placed = sorted(start + day * 86400 + draw.uniform(8 * HOUR, 18 * HOUR) for day in range(5) for _ in range(300))
    evidence = Evidence(placed, (), zone, "America/Toronto")
    times = _wandering(seed, start + 7 * HOUR, 300)
    cuts = [int(i) + 1 for i in np.nonzero(np.diff(times) > clocks.CUT_GAP)[0]]
    shifts = np.arange(-clocks.REACH, clocks.REACH + 1, clocks.BIN, dtype=np.float64)
    seen: dict[str, int] = {"cleared": 0, "kept": 0, "not a run": 0, "first photo added": 0, "locals": 0}
    for offset in (0, -HOUR, 1800):
        grids: dict[int, clocks._Grid] = {}
        sides = clocks._Sides(times, cuts, evidence, offset, grids)
        for cut in cuts:
            run = bool(sides.latest[cut - 1] <= sides.earliest[cut])
            for first, side in ((True, times[:cut]), (False, times[cut:])):
                got = sides.clears(cut, first)
                looks = clocks._looks(np.sort(side))
                if not run:
                    assert not got
                    seen["not a run"] += 1
                    continue
                seen["first photo added"] += not first and not sides.starts[cut]
                local = clocks._local_offset(evidence.zone, looks)
                grid = clocks._Grid(evidence, local)
                want = looks.size < clocks.SIDE_LOOKS or clocks._cannot_refute(
                    looks, grid, shifts, local, evidence, offset, *SCREEN
                )
                assert got == want, (offset, cut, first)
                if looks.size >= clocks.SIDE_LOOKS:  # the same posterior, up to rounding
                    alone = clocks._posterior(looks, grid, shifts, local, evidence, sides.keep)
                    assert np.allclose(sides.posterior(cut, first), alone, rtol=1e-9, atol=1e-12), (offset, cut)
                seen["cleared" if got else "kept"] += 1
        seen["locals"] = max(seen["locals"], len(grids))
    assert all(seen.values()), seen
    assert seen["locals"] == (2 if zone == "Europe/Paris" else 1), seen


SCREEN = (clocks.SIDE_SURE, clocks.SIDE_ROOM, clocks.SIDE_NEAR)


def test_the_others_share_of_the_likelihood_can_be_set_for_one_weighing() -> None:
    """`_Grid.loglik` with `shares` weighs the others' exact moments at that share (clocks.LOCATE_SHARE
    places an offset within its hypothesis), and with none at SHARED_SHARES' as before."""
    import numpy as np

    naive, _, evidence = _trip(3, HOUR, HOUR)
    looks = clocks._looks(np.sort(np.asarray(naive)))
    grid = clocks._Grid(evidence, 0)
    shifts = np.arange(-HOUR - 1200, -HOUR + 1201, 60, dtype=np.float64)
    assert np.array_equal(grid.loglik(looks, shifts), grid.loglik(looks, shifts, clocks.SHARED_SHARES))
    assert not np.allclose(grid.loglik(looks, shifts), grid.loglik(looks, shifts, (clocks.LOCATE_SHARE,)))
