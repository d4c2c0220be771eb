"""gallery/run_clocks.py on literals: which new photos may join two runs of a camera."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gallery import clocks, run_clocks

T0 = datetime(2020, 1, 1)
REACH = timedelta(seconds=clocks.REACH)


def _run(rank: int, first_day: float, last_day: float) -> dict[str, object]:
    first, last = T0 + timedelta(days=first_day), T0 + timedelta(days=last_day)
    return {"rank": rank, "first": first.isoformat(), "last": last.isoformat()}


RUNS = [_run(0, 0, 4), _run(1, 60, 64), _run(2, 200, 203)]  # kept in any order


def _at(when: datetime, key: str = "gps_time") -> dict[str, object]:
    return {key: (when.isoformat() + "+00:00") if key != "camera_time" else when.isoformat()}


@pytest.mark.parametrize(
    ("row", "bridges"),
    [
        (_at(T0 + timedelta(days=30)), True),  # deep in the first gap
        (_at(T0 + timedelta(days=130)), True),  # deep in the second
        (_at(T0 + timedelta(days=4) + REACH), True),  # its very start (timeline._active counts edges)
        (_at(T0 + timedelta(days=4) + REACH - timedelta(seconds=1)), False),  # within the first run's reach
        (_at(T0 + timedelta(days=60) - REACH + timedelta(seconds=1)), False),  # within the second run's
        (_at(T0 + timedelta(days=2)), False),  # inside a run
        (_at(T0 + timedelta(days=300)), False),  # after the last run: no gap there
        (_at(T0 - timedelta(days=30)), False),  # before the first
        (
            _at(T0 + timedelta(days=4) + REACH - timedelta(seconds=run_clocks.TAG_REACH / 2), "camera_time"),
            True,
        ),  # a tag away
        (_at(T0 + timedelta(days=2), "camera_time"), False),
        ({"camera_time": None, "gps_time": None, "taken_at_utc": None}, False),
    ],
)
def test_a_new_photo_joins_two_runs_only_deep_in_the_gap_between_them(row: dict[str, object], bridges: bool) -> None:
    """`bridged_by`: other devices' new photos change a split camera's runs only by landing more than
    clocks.REACH inside a gap between two of them (`timeline._runs`); a camera time counts anywhere
    within TAG_REACH of it (its offset tag, if any, moves it that far at most)."""
    runs = [RUNS[2], RUNS[0], RUNS[1]]
    assert run_clocks.bridged_by(runs, [row]) is bridges
    assert run_clocks.bridged_by(runs, [_at(T0 + timedelta(days=2)), row]) is bridges  # any of them
