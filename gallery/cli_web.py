"""`gallery serve`, `gallery demo` and `gallery user`: the web side of the command."""

from __future__ import annotations

import sys

import click

from . import albums, catalog, i18n, maintenance, organise, synthetic, thumbs
from .cli import Context, pass_context
from .errors import GalleryError
from .importer import ImportOptions, prepare_root, run_import


def add_commands(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(demo)
    main.add_command(user)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (state lives in the catalog and on disk, so any number is safe).",
)
@pass_context
def serve(ctx: Context, host: str, port: int, workers: int) -> None:
    """Serve the gallery (granian; several worker processes with --workers).

    Example: gallery --root ~/archive serve --host 127.0.0.1 --port 8000 --workers 2
    """
    run_server(ctx, host, port, workers)


def _empty_old_trash(ctx: Context) -> None:
    """On start, photos trashed over 30 days ago go for good (catalog row, original, derivatives)."""
    from . import catalog, trash

    with catalog.connection(ctx.config.db_path) as conn:
        emptied = trash.empty(conn, ctx.config)
    if emptied:
        click.echo(f"Trash: {emptied} photos trashed over {trash.KEEP_DAYS} days ago were deleted.")


# Seconds a granian worker gets to finish its requests once told to stop (SIGTERM, Ctrl-C), then it is
# killed: a worker whose event loop is busy at that moment can otherwise hang for ever (granian
# issue #875, seen here under load; no release with its fix yet), holding the port and a
# service manager's stop. systemd's default stop timeout is 90 s: well inside it.
STOP_GRACE = 10


def run_server(ctx: Context, host: str, port: int, workers: int = 1) -> None:
    """granian (measured 2x uvicorn on cached thumbnails: bench/serve_bench.py), else uvicorn."""
    import os

    if ctx.read_only:
        _check_readable(ctx)
    else:
        prepare_root(ctx.config)
        from .web import auth

        auth.secret_key(ctx.config)  # made once here, before the workers: each must sign with the same key
        _empty_old_trash(ctx)
    os.environ["GALLERY_ROOT"] = str(ctx.config.root.resolve())  # the worker rebuilds its Config from the environment
    click.echo(f"Serving {ctx.config.root.resolve()} on http://{host}:{port} (Ctrl-C to stop)")
    if ctx.read_only:
        click.echo(
            "Read-only library: serving what exists; no derivative is made (missing ones answer 404), "
            "logging in and share passwords are unavailable."
        )
    try:
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels
    except ImportError:
        import uvicorn

        from .web import create_app

        if workers > 1:
            uvicorn.run(
                "gallery.web.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                proxy_headers=True,
            )
            return
        uvicorn.run(create_app(ctx.config), host=host, port=port, log_level="warning", proxy_headers=True)
        return
    Granian(
        "gallery.web.app:app_from_env",
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=port,
        workers=workers,
        websockets=False,
        log_level=LogLevels.warning,
        workers_kill_timeout=STOP_GRACE,
    ).serve()


def _check_readable(ctx: Context) -> None:
    """A read-only library is served as it is, if it is a library (an unmounted disk is not)."""
    if not ctx.config.db_path.is_file() or not ctx.config.media_dir.is_dir():
        raise GalleryError(
            f"{ctx.config.root} is read-only and holds no library (gallery.db and media/): is the disk mounted?"
        )


@click.command()
@click.option("--serve/--no-serve", "then_serve", default=True, help="Serve the gallery afterwards (default).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--seed", default=1, show_default=True, help="Seed of the generated mission.")
@pass_context
def demo(ctx: Context, then_serve: bool, host: str, port: int, seed: int) -> None:
    """Build the demo mission (Marseille, Toulouse, Labège; drawn photos, four devices), import and serve it.

    No network needed: the photos are drawn with Pillow, with EXIF as the devices would write
    it (one camera still on Québec time). Running it again reuses what is there, and publishes
    only the albums it creates (an album an admin unpublished stays so).

    Example: gallery --root demo demo
    """
    root = ctx.config.root
    prepare_root(ctx.config)
    cards, programme = root / "cards", root / "programme.toml"
    scenario = synthetic.demo_scenario()
    if not cards.is_dir():
        click.echo("Drawing the demo mission's photos...")
        synthetic.write_photos(cards, synthetic.photos(scenario, seed))
    programme.write_text(scenario.programme, encoding="utf-8")
    from . import missions

    with catalog.connection(ctx.config.db_path) as conn:
        existing = {album["id"] for album in catalog.list_albums(conn, include_merged=True)}
        before = organise.setting(conn)
        missions.load(conn, scenario.programme)
        organise.refresh_setting(conn, ctx.config, before)  # what the programme changes; the import its own
    report = run_import(ctx.config, ImportOptions((cards,)))
    maintenance.make_missing_derivatives(ctx.config, (thumbs.VIEWER,))
    with catalog.connection(ctx.config.db_path) as conn:
        # Only what this run created: an album an admin unpublished stays unpublished.
        albums.publish(conn, [a["slug"] for a in catalog.list_albums(conn) if a["id"] not in existing], True)
        listed = catalog.list_albums(conn)
    click.echo(f"Imported {report.counts['imported']} photos ({report.counts['duplicate']} already there).")
    for album in listed:
        click.echo(f"  {album['title']}  ({i18n.photo_count(album['photo_count'], 'en')})  /albums/{album['slug']}")
    if then_serve:
        run_server(ctx, host, port)


@click.group()
def user() -> None:
    """Admin accounts: add, passwd, remove, list.

    Example: gallery user add alice
    """


def _password(confirm: bool) -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if len(password) < 8:
        raise GalleryError("a password needs at least 8 characters")
    return password


@user.command("add")
@click.argument("name")
@pass_context
def user_add(ctx: Context, name: str) -> None:
    """Add an admin (password prompted, or read from stdin for scripts).

    Example: gallery user add alice   (scripts: echo "$PASSWORD" | gallery user add alice)
    """
    from .passwords import hash_password

    prepare_root(ctx.config)
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise GalleryError("a user name has 1 to 64 printable characters")
    with catalog.connection(ctx.config.db_path) as conn:
        if catalog.get_user(conn, name):
            raise GalleryError(f"user {name!r} exists; use `gallery user passwd`")
        catalog.add_user(conn, name, hash_password(_password(confirm=True)))
    click.echo(f"User {name!r} added.")


@user.command("passwd")
@click.argument("name")
@pass_context
def user_passwd(ctx: Context, name: str) -> None:
    """Change a password (and close that user's sessions).

    Example: gallery user passwd alice
    """
    from .passwords import hash_password

    with ctx.catalog() as conn:
        if not catalog.set_password(conn, name, hash_password(_password(confirm=True))):
            raise GalleryError(f"no user {name!r}")
    click.echo(f"Password of {name!r} changed.")


@user.command("remove")
@click.argument("name")
@pass_context
def user_remove(ctx: Context, name: str) -> None:
    """Remove an admin.

    Example: gallery user remove alice
    """
    with ctx.catalog() as conn:
        if not catalog.remove_user(conn, name):
            raise GalleryError(f"no user {name!r}")
    click.echo(f"User {name!r} removed.")


@user.command("list")
@pass_context
def user_list(ctx: Context) -> None:
    """List admins.

    Example: gallery user list
    """
    with ctx.catalog() as conn:
        for row in catalog.list_users(conn):
            click.echo(f"{row['name']}  (since {row['created_at'][:10]})")
