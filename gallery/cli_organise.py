"""`gallery devices` and `gallery places`: clocks and venues, the inputs of true time and place."""

from __future__ import annotations

from typing import Any

import click

from . import albums, catalog, notes, organise, places
from . import devices as device_words
from .cli import Context, Duration, echo_json, echo_table, pass_context
from .durations import format_duration
from .errors import GalleryError
from .rows import DeviceRow


def add_commands(main: click.Group) -> None:
    main.add_command(devices)
    main.add_command(places_)
    main.add_command(regroup_command)


@click.command("regroup")
@click.option("--all", "every", is_flag=True, help="Regroup every photo (a full pass, segment by segment).")
@pass_context
def regroup_command(ctx: Context, every: bool) -> None:
    """Put photos on their true time again and regroup every album: what an import does for its
    own photos, done for the whole archive (after an upgrade, or to check that nothing is left).

    Memory follows the largest stretch of photos without a 36 h pause, not the archive.

    Example: gallery regroup --all
    """
    if not every:
        raise GalleryError(
            "say --all: gallery regroup --all regroups every photo (imports and edits regroup their own)"
        )
    with ctx.catalog() as conn:
        counts = organise.refresh(conn, ctx.config, touched=())
        grouped = albums.regroup_all(conn)
    click.echo(
        f"{counts['photos']} photos, {counts['retimed']} re-timed; {grouped['albums']} albums "
        f"({grouped['new_albums']} new, {grouped['removed_albums']} removed)."
    )


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the devices as JSON.")
@pass_context
@click.pass_context
def devices(click_ctx: click.Context, ctx: Context, as_json: bool) -> None:
    """List devices with their photo count, GPS share and clock correction.

    A correction is what `set-offset` takes: added to the camera's time, it gives the local time
    (-6h for a camera left on Paris time in Montréal). A device that could not be aligned shows
    its best candidate corrections, in words, each with the command that confirms it. A camera
    without GPS on trips weeks apart has a clock per trip: the correction shown is its largest
    aligned trip's, and the note gives each trip's ("one clock per trip (camera dates): ...").

    Example: gallery devices
    """
    if click_ctx.invoked_subcommand:
        return
    with ctx.catalog() as conn:
        rows = catalog.list_devices(conn)
    if as_json:
        echo_json([_device_json(r) for r in rows])
        return
    echo_table(
        [
            [
                r["name"],
                str(r["photos"]),
                f"{(r['with_gps'] or 0) / max(1, r['photos']):.0%}",
                format_duration(r["offset_seconds"]),
                r["offset_source"] or "-",
                "-" if r["confidence"] is None else f"{r['confidence']:.2f}",
                notes.in_words(r["note"] or ""),
            ]
            for r in rows
        ],
        ["device", "photos", "gps", "correction", "source", "confidence", "note"],
    )
    for row in rows:
        candidates = device_words.candidates_from_row(row) if row["offset_source"] is None else []
        if candidates:
            click.echo(f"\n{row['name']}: not aligned; candidates, best first:")
        for candidate in candidates:
            click.echo(f"  {candidate['text']}  ({candidate['probability']:.0%})")
            click.echo(f"    gallery devices set-offset {_quoted(row['name'])} {candidate['set_offset']}")
    click.echo("\nA correction is added to the camera's time to read local time: what `set-offset` takes.")


def _quoted(text: str) -> str:
    return f'"{text}"' if any(c in text for c in " ()#'") else text


def _device_json(row: DeviceRow) -> dict[str, Any]:
    return {
        "key": row["key"],
        "name": row["name"],
        "photos": row["photos"],
        "with_gps": row["with_gps"] or 0,
        "offset_seconds": row["offset_seconds"],
        "offset_source": row["offset_source"],
        "confidence": row["confidence"],
        "note": notes.in_words(row["note"] or ""),  # words (English), as the table prints them
        "note_parts": [p for p in notes.parts(row["note"] or "") if p["key"]],  # the same, as data
        "manual": bool(row["manual"]),
        "candidates": device_words.candidates_from_row(row) if row["offset_source"] is None else [],
    }


@devices.command("set-offset", context_settings={"ignore_unknown_options": True})  # "-6h" is a value
@click.argument("device")
@click.argument("delta", type=Duration())
@pass_context
def set_offset(ctx: Context, device: str, delta: int) -> None:
    """Correct a device's clock by hand: DELTA is added to what its camera says (e.g. +6h).

    DEVICE is the device key or its name as `gallery devices` lists it (a unique prefix will do).

    Example: gallery devices set-offset "Canon EOS 40D (alice)" +6h
    """
    with ctx.catalog() as conn:
        key = find_device(conn, device)
        catalog.set_manual_offset(conn, key, delta)
        counts = organise.refresh_device(conn, ctx.config, key)
    click.echo(f"{key}: camera time {format_duration(delta)}; {counts['retimed']} photos re-timed.")


@devices.command("clear-offset")
@click.argument("device")
@pass_context
def clear_offset(ctx: Context, device: str) -> None:
    """Forget a hand-set offset and go back to what the evidence says.

    Example: gallery devices clear-offset "Canon EOS 40D (alice)"
    """
    with ctx.catalog() as conn:
        key = find_device(conn, device)
        catalog.set_manual_offset(conn, key, None)
        organise.refresh_device(conn, ctx.config, key)
    click.echo(f"{key}: back to automatic.")


def find_device(conn: object, text: str) -> str:
    rows = catalog.list_devices(conn)  # type: ignore[arg-type]
    exact = [r["key"] for r in rows if text in (r["key"], r["name"])]
    if exact:
        return exact[0]
    prefixed = [r["key"] for r in rows if r["name"].startswith(text) or r["key"].startswith(text)]
    if len(prefixed) == 1:
        return prefixed[0]
    if not prefixed:
        raise GalleryError(f"no device matches {text!r}; `gallery devices` lists them")
    raise GalleryError(f"{text!r} matches {len(prefixed)} devices; give more of its name")


@click.group("places", invoke_without_command=True)
@pass_context
@click.pass_context
def places_(click_ctx: click.Context, ctx: Context) -> None:
    """List the organisation's venues (they win over the town lookup).

    Example: gallery places
    """
    if click_ctx.invoked_subcommand:
        return
    with ctx.catalog() as conn:
        rows = catalog.list_venues(conn)
    echo_table(
        [
            [
                r["name"],
                f"{r['lat']:.5f}",
                f"{r['lon']:.5f}",
                f"{r['radius_m']:g} m",
                r["town"] or "-",
                r["country"] or "-",
            ]
            for r in rows
        ],
        ["venue", "lat", "lon", "radius", "town", "country"],
    )


@places_.command("add")
@click.argument("name")
@click.option("--lat", type=click.FloatRange(-90, 90), required=True)
@click.option("--lon", type=click.FloatRange(-180, 180), required=True)
@click.option("--radius", type=click.FloatRange(1, 50_000), default=300.0, show_default=True, help="Metres.")
@click.option("--town", help="Town to show for photos here (default: the town lookup's answer).")
@click.option("--country", help="ISO country code (default: the town lookup's answer).")
@pass_context
def places_add(
    ctx: Context, name: str, lat: float, lon: float, radius: float, town: str | None, country: str | None
) -> None:
    """Add or update a venue.

    Example: gallery places add "IOT Valley" --lat 43.5445 --lon 1.5110 --radius 400 --town Labège
    """
    if country is None:
        found = places.gazetteer().town(lat, lon)
        country = found.country if found else None
    with ctx.catalog() as conn:
        before = organise.setting(conn)
        catalog.add_venue(
            conn,
            {
                "name": name,
                "lat": lat,
                "lon": lon,
                "radius_m": radius,
                "town": town,
                "country": country.upper() if country else None,
            },
        )
        counts = organise.refresh_setting(conn, ctx.config, before)  # the photos it can name
    click.echo(f"Venue {name!r} saved; {counts['retimed']} photos updated.")


@places_.command("remove")
@click.argument("name")
@pass_context
def places_remove(ctx: Context, name: str) -> None:
    """Remove a venue.

    Example: gallery places remove "IOT Valley"
    """
    with ctx.catalog() as conn:
        before = organise.setting(conn)
        if not catalog.remove_venue(conn, name):
            raise GalleryError(f"no venue named {name!r}")
        organise.refresh_setting(conn, ctx.config, before)
    click.echo(f"Venue {name!r} removed.")
