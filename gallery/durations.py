"""Durations as people write them (-6h, +5h30m, 90m, -1d, +02:30) and back."""

from __future__ import annotations

import re

from .errors import BadRequest


def parse_duration(text: str) -> int:
    """'-6h', '+5h30m', '90m', '-1d', '+02:30', '45s' -> seconds."""
    value = text.strip()
    match = re.fullmatch(r"([+-]?)(\d{1,2}):(\d{2})", value)
    if match:
        sign, hours, minutes = match.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60
        return -seconds if sign == "-" else seconds
    match = re.fullmatch(r"([+-]?)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?", value)
    if not match or not any(match.groups()[1:]):
        raise BadRequest(f"{text!r} is not a duration like -6h, +5h30m, 90m or -1d")
    sign, days, hours, minutes, secs = match.groups()
    seconds = int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(secs or 0)
    return -seconds if sign == "-" else seconds


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else "+"
    rest = int(round(abs(seconds)))
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes:02d}m" if minutes else "",
        f"{secs:02d}s" if secs else "",
    ]
    return sign + ("".join(parts) or "0")
