"""Honest dates: which capture dates are too weak to show as facts, and how a person fixes them.

A date read from the file's mtime is the day a file was copied, not the day a photo was taken:
it is shown as « date incertaine », kept out of timelines, album date ranges and events, until a
person sets the date (`set_dates`) or confirms the one we have (`confirm_dates`). Either is stored
as a manual time (an instant with its offset, and a zone if known) that beats every other evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import catalog
from .errors import BadRequest

# time_source values shown as « date incertaine »: an mtime, and an instant estimated only to put a
# photo in its event's album (timeline.ESTIMATED: an unresolved camera's best guess, a reset date)
UNCERTAIN_SOURCES = frozenset({"mtime", "estimated"})


def is_uncertain(photo: Mapping[str, Any]) -> bool:
    """A date that nobody should read as the day the photo was taken (an mtime, unconfirmed)."""
    return photo.get("time_source") in UNCERTAIN_SOURCES


def parse_moment(text: str, zone: str | None) -> datetime:
    """'2017-09-19T10:30' with `zone`, or '2017-09-19T10:30+02:00' -> an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"{text!r} is not a date and time like 2017-09-19T10:30 or 2017-09-19T10:30+02:00") from None
    if zone is not None:
        try:
            tz = ZoneInfo(zone)
        except (ValueError, KeyError):
            raise BadRequest(f"unknown time zone {zone!r} (use an IANA name such as Europe/Paris)") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=tz, fold=0)
    if moment.tzinfo is None:
        raise BadRequest("say which time zone the date is in: --timezone Europe/Paris, or an offset (+02:00)")
    return moment


def find_photos(conn: catalog.Connection, shas: Sequence[str]) -> list[dict[str, Any]]:
    """Photos by sha256 or a unique prefix of at least 6 characters; BadRequest names the first unknown."""
    found = []
    for sha in shas:
        matches = catalog.photos_by_prefix(conn, sha.strip().lower()) if len(sha.strip()) >= 6 else []
        if len(matches) != 1:
            raise BadRequest(f"no single photo matches {sha!r}" + (" (too short)" if len(sha.strip()) < 6 else ""))
        found.append(matches[0])
    return found


def set_dates(conn: catalog.Connection, shas: Sequence[str], moment: datetime, zone: str | None) -> int:
    """Give photos a date set by hand (an aware instant, and its zone if known), then regroup."""
    photos = find_photos(conn, shas)
    with catalog.transaction(conn):
        catalog.set_manual_times(conn, [(p["id"], moment.isoformat(), zone) for p in photos])
    _regroup(conn, [p["id"] for p in photos])
    return len(photos)


def confirm_dates(conn: catalog.Connection, shas: Sequence[str]) -> tuple[int, list[str]]:
    """A person says the date we show is right: it becomes a manual date. Returns (confirmed, undated shas)."""
    photos = find_photos(conn, shas)
    confirmed, undated = [], []
    for photo in photos:
        if not photo["taken_at_utc"] or photo["time_source"] == "estimated":
            # nothing to confirm: give it a date with set-date. An estimated time is a guess made for
            # grouping from its device's likeliest corrections, never shown: confirm one of those
            # (`gallery devices`) or set the date, rather than turn the guess into a capture time.
            undated.append(photo["sha256"])
            continue
        moment = datetime.fromisoformat(photo["taken_at_utc"]).astimezone(UTC)
        confirmed.append((photo["id"], moment.isoformat(), photo["timezone"]))
    with catalog.transaction(conn):
        catalog.set_manual_times(conn, confirmed)
    _regroup(conn, [p["id"] for p in photos])
    return len(confirmed), undated


def _regroup(conn: catalog.Connection, touched: Sequence[int]) -> None:
    from . import organise  # organise -> albums -> dates: imported when used

    organise.refresh(conn, touched=touched)  # the segments these photos were and are in
