"""Devices: who took a photo. Make + model + serial, else make + model + the source folder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from . import i18n


def device_key(make: str | None, model: str | None, serial: str | None, source_dir: str) -> str:
    """A stable key; two people with the same phone model get two keys unless serials say otherwise."""
    camera = " ".join(p for p in (make, model) if p) or "unknown camera"
    if serial:
        return f"{camera}|serial:{serial}"
    return f"{camera}|folder:{source_dir}"


def device_name(key: str) -> str:
    """A short label for people: 'Canon EOS 40D #1234' or 'Apple iPhone 13 (alice)'."""
    camera, _, where = key.partition("|")
    make, _, model = camera.partition(" ")
    if model.casefold().startswith(make.casefold() + " "):
        camera = model  # "Canon Canon EOS 80D": the model already names its make
    kind, _, value = where.partition(":")
    if kind == "serial":
        return f"{camera} #{value}"
    return f"{camera} ({PurePath(value).name or value})"


def candidates_to_json(candidates: Iterable[Any]) -> str:
    """The ranked candidate corrections of a device, as the catalog keeps them."""
    return json.dumps(
        [
            {
                "correction": c.correction,
                "probability": c.probability,
                "meets": c.meets,
                "reason": c.reason,
                "zone": c.zone,
            }
            for c in candidates
        ]
    )


def candidates_from_row(row: Mapping[str, Any], lang: str = i18n.DEFAULT) -> list[dict[str, Any]]:
    """A device row's candidates, each with its words and the command that confirms it."""
    try:
        stored = json.loads(row.get("candidates") or "[]")
    except ValueError:
        return []
    out = []
    for c in stored:
        words = i18n.clock_candidate(c["correction"], c["reason"], c.get("zone"), c["meets"], lang)
        out.append({**c, "text": words, "set_offset": duration_argument(c["correction"])})
    return out


def duration_argument(seconds: int) -> str:
    """The DELTA argument of `gallery devices set-offset` for a correction: '-6h', '+5h30m', '-1d'."""
    sign = "-" if seconds < 0 else "+"
    rest = abs(int(seconds))
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return sign + (text or "0m")
