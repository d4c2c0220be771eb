"""Devices: who took a photo. Make + model + serial, else make + model + the source folder."""

from __future__ import annotations

from pathlib import PurePath


def device_key(make: str | None, model: str | None, serial: str | None, source_dir: str) -> str:
    """A stable key; two people with the same phone model get two keys unless serials say otherwise."""
    camera = " ".join(p for p in (make, model) if p) or "unknown camera"
    if serial:
        return f"{camera}|serial:{serial}"
    return f"{camera}|folder:{source_dir}"


def device_name(key: str) -> str:
    """A short label for people: 'Canon EOS 40D #1234' or 'Apple iPhone 13 (alice)'."""
    camera, _, where = key.partition("|")
    kind, _, value = where.partition(":")
    if kind == "serial":
        return f"{camera} #{value}"
    return f"{camera} ({PurePath(value).name or value})"
