"""A camera weighed run by run (timeline._runs) as the catalog keeps it (`device_runs`, migration 19):
which runs can be re-timed alone, reading them, and merging their clocks with the others' kept.

A programme, a venue or another device's offset moves no run's bounds (they follow the photos' own
evidence: GPS, offset tags, positions), so after such a change the runs out of its reach keep their
clocks and only those within it are weighed again (gallery/organise.py `retime_units`, issue 10).
Nor does an import of other devices' photos, unless one lands deep in a gap between two runs
(`bridged_by`).
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from . import catalog, clocks, devices, timeline
from .clocks import Candidate
from .timeline import DeviceClock, Shot, Timing

Spans = dict[str, tuple[float, float]]
Split = dict[str, list[dict[str, Any]]]  # a camera re-timed run by run: its runs as kept, by rank


def units(conn: catalog.Connection, spans: Spans) -> tuple[Spans, Split]:
    """The units a programme change re-times: devices, and the runs of the cameras weighed run by run
    whose runs a programme change leaves as they are (each closed: `timeline.RunClock.closed`; as many
    photos as the camera has). A run's span: its camera times and its photos' UTC times."""
    counts = catalog.device_counts(conn)
    manual = catalog.manual_offsets(conn)
    units = dict(spans)
    split: Split = {}
    for device, runs in catalog.device_runs(conn).items():
        if device not in spans or device in manual or len(runs) < 2:
            continue
        if [r["rank"] for r in runs] != list(range(len(runs))) or sum(r["photos"] for r in runs) != counts.get(device):
            continue
        bounds = [[_seconds(r[k]) for k in ("first", "last", "first_utc", "last_utc") if r[k]] for r in runs]
        if not all(r["closed"] for r in runs):
            continue
        split[device] = runs
        del units[device]
        for run, seconds in zip(runs, bounds, strict=True):
            units[f"{device}{timeline.RUN}{run['rank']}"] = (min(seconds), max(seconds))
    return units, split


# How far from a camera's runs a photo leaving the catalog may have counted for them: a run is closed
# when another device's photo lies within its reach, and a gap between runs is one when nothing of
# the trip lies in it (timeline._runs); a zone's worth more, camera times against UTC ones.
FORGET_REACH = timeline.EVIDENCE_WINDOW + clocks.REACH + 14 * 3600


def forget_near(conn: catalog.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Photos leave the catalog (the trash emptied, which re-times nothing): the kept runs of every
    camera whose span, widened by FORGET_REACH, holds one of their times are forgotten, so the next
    change near that camera weighs it whole (as a full pass would) instead of merging runs whose
    `closed` read the photos now gone."""
    moments = [_seconds(row[k]) for row in rows for k in ("camera_time", "gps_time", "taken_at_utc") if row.get(k)]
    if not moments:
        return
    near = []
    for device, runs in catalog.device_runs(conn).items():
        seconds = [_seconds(r[k]) for r in runs for k in ("first", "last", "first_utc", "last_utc") if r[k]]
        low, high = min(seconds) - FORGET_REACH, max(seconds) + FORGET_REACH
        if any(low <= moment <= high for moment in moments):
            near.append(device)
    catalog.forget_device_runs(conn, near)


# How far from its camera time a new photo's time as evidence of a trip (`timeline._shot_seconds`: its
# camera time less its offset tag, when it has one) may lie: any offset tag, with room to spare.
TAG_REACH = 2 * 86400


def bridged_by(runs: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]) -> bool:
    """Could these photos, new in the catalog, join two of a camera's runs (it must then be re-timed
    whole)? A split camera's runs are all its stretches, each closed, none across a bridged gap
    (`units`), so other devices' new photos can change its runs only by bridging the gap between two
    of them: landing more than clocks.REACH inside it (`timeline._runs`). Each new photo counts at
    its GPS and UTC times and anywhere within TAG_REACH of its camera time."""
    ordered = sorted(runs, key=lambda r: _seconds(r["first"]))
    gaps = [
        (low, high)
        for a, b in itertools.pairwise(ordered)
        if (low := _seconds(a["last"]) + clocks.REACH) <= (high := _seconds(b["first"]) - clocks.REACH)
    ]
    highs = [high for _, high in gaps]  # the gaps are apart and in order: the first one ending after
    for row in rows:  # a span's start is the only one it may meet
        spans = [(t, t) for k in ("gps_time", "taken_at_utc") if row.get(k) for t in [_seconds(row[k])]]
        if row.get("camera_time"):
            camera = _seconds(row["camera_time"])
            spans.append((camera - TAG_REACH, camera + TAG_REACH))
        for lo, hi in spans:
            at = bisect.bisect_left(highs, lo)
            if at < len(gaps) and gaps[at][0] <= hi:
                return True
    return False


def whole(spans: Spans, split: Split, device: str) -> set[str]:
    """This camera one unit again (its runs' spans joined); returns the keys its runs had."""
    if device not in split:
        return set()
    del split[device]
    keys = {k for k in spans if k.partition(timeline.RUN)[0] == device and timeline.RUN in k}
    bounds = [bound for k in keys for bound in spans.pop(k)]
    spans[device] = (min(bounds), max(bounds))
    return keys


class Unsplit(Exception):
    """A camera's runs read alone did not come out as the runs kept: re-time it whole."""

    def __init__(self, device: str) -> None:
        super().__init__(device)
        self.device = device


def run_of(shot: Shot, runs: Sequence[dict[str, Any]]) -> int | None:
    """The rank of the run (of those read) whose camera times hold this photo's, else None."""
    when = timeline.camera_time(shot)
    if when is None:
        return None
    for run in runs:
        if datetime.fromisoformat(run["first"]) <= when <= datetime.fromisoformat(run["last"]):
            return int(run["rank"])
    return None


def runs_read(
    clock: DeviceClock, read: Sequence[dict[str, Any]], timings: Sequence[Timing], units: dict[int, str]
) -> list[dict[str, Any]] | None:
    """The runs read of a camera as re-weighed (their bounds and ranks as kept), or None when they
    did not come out as the same runs (one run read is weighed as the camera itself)."""
    ordered = sorted(read, key=lambda r: r["first"])
    found = [r.clock for r in clock.runs] if clock.runs else [clock]
    if len(found) != len(ordered):
        return None
    if clock.runs and [r.first for r in clock.runs] != [datetime.fromisoformat(r["first"]) for r in ordered]:
        return None
    placed: dict[str, list[datetime]] = defaultdict(list)
    for timing in timings:
        unit = units.get(timing.id)
        if unit is not None and timing.utc is not None:
            placed[unit.partition(timeline.RUN)[2]].append(timing.utc)
    out = []
    for stored, run in zip(ordered, found, strict=True):
        times = placed.get(str(stored["rank"]), [])
        out.append(
            {
                **_run_columns(run),
                "rank": stored["rank"],
                "first": stored["first"],
                "last": stored["last"],
                "first_utc": min(times).isoformat() if times else None,
                "last_utc": max(times).isoformat() if times else None,
                "closed": stored["closed"],
            }
        )
    return out


def run_row(run: timeline.RunClock) -> dict[str, Any]:
    return {
        **_run_columns(run.clock),
        "rank": run.rank,
        "first": run.first.isoformat(),
        "last": run.last.isoformat(),
        "first_utc": run.utc[0].isoformat() if run.utc else None,
        "last_utc": run.utc[1].isoformat() if run.utc else None,
        "closed": int(run.closed),
    }


def clock_columns(clock: DeviceClock) -> dict[str, Any]:
    """A clock as the catalog keeps it, for a device (`devices`) and for a run (`device_runs`): the
    correction (what set-offset takes), never the internal camera-minus-UTC."""
    return {
        "offset_seconds": clock.correction,
        "offset_source": clock.source,
        "confidence": clock.confidence,
        "note": clock.note,
        "candidates": devices.candidates_to_json(clock.candidates),
    }


def _run_columns(clock: DeviceClock) -> dict[str, Any]:
    return {**clock_columns(clock), "photos": clock.photos, "with_gps": clock.with_gps}


def run_clock(device: str, row: dict[str, Any]) -> timeline.RunClock:
    """A run as the catalog keeps it, back into what `timeline.merge_runs` reads."""
    candidates = tuple(
        Candidate(0, c["correction"], c["probability"], c["meets"], c["reason"], c.get("zone"))
        for c in json.loads(row["candidates"] or "[]")
    )
    clock = DeviceClock(
        device,
        None,
        row["offset_source"],
        row["confidence"],
        row["note"],
        row["photos"],
        row["with_gps"],
        candidates,
        row["offset_seconds"],
    )
    return timeline.RunClock(
        row["rank"], datetime.fromisoformat(row["first"]), datetime.fromisoformat(row["last"]), clock
    )


def changed(conn: catalog.Connection, rows: dict[str, dict[str, Any]]) -> bool:
    """Would saving these runs (by key, `camera RUN rank`) change what is kept of them?"""
    if not rows:
        return False
    kept = catalog.device_runs(conn)
    for key, row in rows.items():
        device, _, rank = key.partition(timeline.RUN)
        was = next((r for r in kept.get(device, []) if r["rank"] == int(rank)), None)
        if was is None or any(
            was[k] != row[k] for k in ("offset_seconds", "offset_source", "confidence", "note", "candidates")
        ):
            return True
    return False


def _seconds(iso: str) -> float:
    when = datetime.fromisoformat(iso)
    return when.replace(tzinfo=UTC).timestamp() if when.tzinfo is None else when.timestamp()
