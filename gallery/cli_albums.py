"""`gallery mission` and `gallery albums`: programmes, albums and the edits people make."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from . import albums, catalog, export, missions, organise
from .cli import Context, echo_json, echo_table, pass_context
from .errors import GalleryError


def add_commands(main: click.Group) -> None:
    main.add_command(mission)
    main.add_command(albums_)
    main.add_command(trash_)


@click.group()
def mission() -> None:
    """Mission programmes: events with their windows and venues.

    Example: gallery mission load programme.toml
    """


@mission.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--renames", metavar="TITLE", help="The mission's old title: the programme's title renames it.")
@pass_context
def mission_load(ctx: Context, file: Path, renames: str | None) -> None:
    """Load (or reload) a mission programme; albums follow. Loading twice changes nothing.

    A programme with another title is another mission, unless --renames names the mission it renames.

    Example: gallery mission load marseille-toulouse-2017.toml --renames "Mission Marseille 2017"
    """
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GalleryError(f"cannot read {file}: {exc}") from None
    programme = missions.parse_programme(text)  # errors before anything is written
    from .importer import prepare_root

    prepare_root(ctx.config)
    conn = catalog.connect(ctx.config.db_path)
    try:
        before = organise.setting(conn)
        missions.load(conn, text, renames)
        counts = organise.refresh_setting(conn, ctx.config, before)  # what the programme can change
    finally:
        conn.close()
    click.echo(
        f"Mission {programme.title!r}: {len(programme.events)} events; {counts.get('albums', 0)} albums regrouped."
    )


@mission.command("list")
@pass_context
def mission_list(ctx: Context) -> None:
    """List the loaded missions.

    Example: gallery mission list
    """
    with ctx.catalog() as conn:
        rows = catalog.list_missions(conn)
    echo_table(
        [
            [m["title"], m["timezone"], str(m["events"]), (m["start_utc"] or "")[:10], (m["end_utc"] or "")[:10]]
            for m in rows
        ],
        ["mission", "zone", "events", "from", "to"],
    )


@click.group("albums", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="The albums and their photos as JSON (a contract for scripts).")
@pass_context
@click.pass_context
def albums_(click_ctx: click.Context, ctx: Context, as_json: bool) -> None:
    """List albums (drafts until published).

    Example: gallery albums --json > albums.json
    """
    if click_ctx.invoked_subcommand:
        return
    with ctx.catalog() as conn:
        rows = catalog.list_albums(conn)
        if as_json:
            echo_json([export.album_json(a, catalog.album_photos(conn, a["id"])) for a in rows])
            return
    echo_table(
        [
            [
                a["slug"],
                a["title"],
                str(a["photo_count"]),
                a["place"] or "-",
                (a["start_utc"] or "")[:10],
                "published" if a["published"] else "draft",
            ]
            for a in rows
        ],
        ["slug", "title", "photos", "place", "start", "state"],
    )


def _edit(ctx: Context, action: object, *args: object) -> None:
    with ctx.catalog() as conn:
        action(conn, *args)  # type: ignore[operator]


@albums_.command("rename")
@click.argument("slug")
@click.argument("title")
@pass_context
def rename(ctx: Context, slug: str, title: str) -> None:
    """Give an album a title of your own (regrouping never changes it).

    Example: gallery albums rename melee-numerique-2017 "Revoir la Mêlée numérique en images"
    """
    _edit(ctx, albums.rename, slug, title)
    click.echo(f"{slug}: renamed.")


@albums_.command("slug")
@click.argument("slug")
@click.argument("new_slug")
@pass_context
def slug_(ctx: Context, slug: str, new_slug: str) -> None:
    """Change an album's address; the old one answers with a redirect to the new one.

    Example: gallery albums slug toulouse-2017-09-20 melee-numerique-2017
    """
    _edit(ctx, albums.change_slug, slug, new_slug)
    click.echo(f"{slug} is now {new_slug} (the old address redirects).")


@albums_.command("describe")
@click.argument("slug")
@click.argument("text")
@pass_context
def describe(ctx: Context, slug: str, text: str) -> None:
    """Set an album's description.

    Example: gallery albums describe melee-numerique-2017 "Deux jours de festival à Toulouse."
    """
    _edit(ctx, albums.describe, slug, text)
    click.echo(f"{slug}: description saved.")


@albums_.command("cover")
@click.argument("slug")
@click.argument("sha256")
@pass_context
def cover(ctx: Context, slug: str, sha256: str) -> None:
    """Choose an album's cover photo (by sha256 or a prefix of 6+ hex digits).

    Example: gallery albums cover melee-numerique-2017 3fa2c9
    """
    _edit(ctx, albums.set_cover, slug, sha256)
    click.echo(f"{slug}: cover set.")


@albums_.command("hide")
@click.argument("slug")
@click.argument("sha256")
@click.option("--show", is_flag=True, help="Show a hidden photo again.")
@pass_context
def hide(ctx: Context, slug: str, sha256: str, show: bool) -> None:
    """Hide a photo from an album (or --show it again).

    Example: gallery albums hide melee-numerique-2017 3fa2c9
    """
    _edit(ctx, albums.hide, slug, sha256, not show)
    click.echo(f"{slug}: photo {'shown' if show else 'hidden'}.")


@albums_.command("move")
@click.argument("sha256")
@click.argument("slug")
@pass_context
def move(ctx: Context, sha256: str, slug: str) -> None:
    """Move a photo to another album; it stays there whatever regrouping finds.

    Example: gallery albums move 3fa2c9 iot-valley-2017
    """
    _edit(ctx, albums.move, sha256, slug)
    click.echo(f"Photo moved to {slug}.")


@albums_.command("merge")
@click.argument("into")
@click.argument("other")
@pass_context
def merge(ctx: Context, into: str, other: str) -> None:
    """Merge album OTHER into album INTO (OTHER's address then leads to INTO).

    Example: gallery albums merge melee-numerique-2017 toulouse-2017-09-20
    """
    _edit(ctx, albums.merge, into, other)
    click.echo(f"{other} merged into {into}.")


@albums_.command("split")
@click.argument("slug")
@click.argument("at")
@pass_context
def split(ctx: Context, slug: str, at: str) -> None:
    """Split an album: photos taken at or after AT go to a new album.

    AT is an ISO date-time, with an offset or in the album's own time zone.

    Example: gallery albums split marseille-2017-09-18 2017-09-18T13:00
    """
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f"{at!r} is not an ISO date-time like 2017-09-18T13:00") from None
    with ctx.catalog() as conn:
        new_slug = albums.split(conn, slug, moment)
    click.echo(f"{slug}: photos from {at} on are now in {new_slug}.")


@albums_.command("publish")
@click.argument("slugs", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Publish every album.")
@pass_context
def publish(ctx: Context, slugs: tuple[str, ...], every: bool) -> None:
    """Publish albums: anonymous visitors of the gallery can see them.

    Example: gallery albums publish melee-numerique-2017
    """
    if not slugs and not every:
        raise click.UsageError("name albums to publish, or use --all")
    with ctx.catalog() as conn:
        count = albums.publish(conn, slugs, True, every)
    click.echo(f"{count} albums published.")


@albums_.command("unpublish")
@click.argument("slugs", nargs=-1, required=True)
@pass_context
def unpublish(ctx: Context, slugs: tuple[str, ...]) -> None:
    """Take albums back to private drafts.

    Example: gallery albums unpublish melee-numerique-2017
    """
    with ctx.catalog() as conn:
        count = albums.publish(conn, slugs, False)
    click.echo(f"{count} albums unpublished.")


@albums_.command("explain")
@click.argument("slug")
@pass_context
def explain(ctx: Context, slug: str) -> None:
    """Say why an album starts and ends where it does (each cut and merge, with its reason).

    Example: gallery albums explain melee-numerique-2017
    """
    with ctx.catalog() as conn:
        album = albums.find_album(conn, slug)
    click.echo(f"{album['title']} ({album['photo_count']} photos)")
    for reason in json.loads(album["explain"] or "[]"):
        click.echo(f"  - {reason}")


@albums_.command("share")
@click.argument("slug")
@click.option("--expires", help="Last day the link works (YYYY-MM-DD), or an ISO date-time.")
@click.option("--password", is_flag=True, help="Ask for a password (prompted, or read from stdin).")
@pass_context
def share(ctx: Context, slug: str, expires: str | None, password: bool) -> None:
    """Make a share link for an album (private or not); prints its URL, shown only once.

    Example: gallery albums share iot-valley-2017 --expires 2026-12-31 --password
    """
    import sys

    from . import shares

    secret = None
    if password:
        secret = (
            sys.stdin.readline().rstrip("\n")
            if not sys.stdin.isatty()
            else click.prompt("Password", hide_input=True, confirmation_prompt=True)
        )
        if len(secret) < 6:
            raise GalleryError("a share password needs at least 6 characters")
    with ctx.catalog() as conn:
        token = shares.create(conn, slug, expires, secret)
    base = ctx.config.base_url.rstrip("/") or "http://127.0.0.1:8000"
    click.echo(f"{base}/s/{token}")


@albums_.command("unshare")
@click.argument("slug_or_token")
@pass_context
def unshare(ctx: Context, slug_or_token: str) -> None:
    """Revoke every share link of an album (by slug), or one link (by its token).

    Example: gallery albums unshare iot-valley-2017
    """
    from . import shares

    with ctx.catalog() as conn:
        count = shares.revoke(conn, slug_or_token)
    click.echo(f"{count} share link{'s' if count != 1 else ''} revoked.")


@albums_.command("set")
@click.argument("slug")
@click.option("--show-location/--hide-location", default=None, help="Show GPS positions to the public.")
@click.option("--originals/--no-originals", default=None, help="Let anonymous visitors download originals.")
@pass_context
def set_(ctx: Context, slug: str, show_location: bool | None, originals: bool | None) -> None:
    """Set an album's privacy options.

    Example: gallery albums set melee-numerique-2017 --originals --hide-location
    """
    with ctx.catalog() as conn:
        albums.set_options(conn, slug, show_location, originals)
    click.echo(f"{slug}: options saved.")


# -- the trash (admin curation) ----------------------------------------------------------------------


@click.group("trash")
def trash_() -> None:
    """The trash: photos taken out of every album, deleted with their original when emptied.

    Example: gallery trash empty
    """


@trash_.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def trash_list(ctx: Context, as_json: bool) -> None:
    """List the photos in the trash, oldest first.

    Example: gallery trash list
    """
    with catalog.connection(ctx.config.db_path) as conn:
        rows = catalog.trashed_photos(conn)
    if as_json:
        echo_json([{"sha256": r["sha256"], "trashed_at": r["trashed_at"], "album": r["from_slug"]} for r in rows])
    else:
        echo_table(
            [[r["sha256"][:12], r["trashed_at"], r["from_slug"] or ""] for r in rows], ["sha256", "trashed", "album"]
        )


@trash_.command("put")
@click.argument("shas", nargs=-1, required=True)
@pass_context
def trash_put(ctx: Context, shas: tuple[str, ...]) -> None:
    """Put photos (sha256 or a prefix of 6+ characters) in the trash.

    Example: gallery trash put 3fa2c1 9b07de
    """
    from . import trash

    with catalog.connection(ctx.config.db_path) as conn:
        click.echo(f"{trash.trash(conn, list(shas))} photos put in the trash.")


@trash_.command("restore")
@click.argument("shas", nargs=-1, required=True)
@pass_context
def trash_restore(ctx: Context, shas: tuple[str, ...]) -> None:
    """Take photos out of the trash, back into their album.

    Example: gallery trash restore 3fa2c1
    """
    from . import trash

    with catalog.connection(ctx.config.db_path) as conn:
        click.echo(f"{trash.restore(conn, list(shas))} photos restored.")


@trash_.command("empty")
@click.option("--all", "everything", is_flag=True, help="Also the photos trashed less than 30 days ago.")
@pass_context
def trash_empty(ctx: Context, everything: bool) -> None:
    """Delete for good the photos trashed over 30 days ago (or all): catalog rows and originals.

    Example: gallery trash empty --all
    """
    from . import trash

    with catalog.connection(ctx.config.db_path) as conn:
        click.echo(f"{trash.empty(conn, ctx.config, everything=everything)} photos deleted from the trash.")
