"""The `gallery` command. Thin commands; library errors become one-line messages (exit 1)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import catalog, storage
from .config import SETTINGS, Config
from .durations import parse_duration
from .errors import BadRequest, GalleryError
from .text import for_terminal as printable


class Context:
    def __init__(self, root: str | None, debug: bool) -> None:
        self.debug = debug
        self.config = Config.from_env(root=root)

    @contextmanager
    def catalog(self) -> Iterator[catalog.Connection]:
        if not self.config.db_path.exists():
            raise GalleryError(f"no catalog at {self.config.db_path}: run `gallery import` first")
        with catalog.connection(self.config.db_path, readonly=self.read_only) as conn:
            yield conn

    @property
    def read_only(self) -> bool:
        """Reading commands work on a read-only library; a write through this catalog fails with one line."""
        return storage.library_read_only(self.config.root, self.config.db_path, self.config.read_only)


class GalleryGroup(click.Group):
    """Turns GalleryError into `Error: message` and exit status 1 (use --debug for the traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                _sync_front(ctx)
        except (GalleryError, catalog.OperationalError) as exc:
            state = ctx.find_object(Context)
            if state and state.debug:
                raise
            if isinstance(exc, catalog.OperationalError):
                if "readonly" not in str(exc) or state is None:
                    raise
                exc = storage.read_only_error(state.config.root)  # a write through a read-only catalog
            click.echo(f"Error: {printable(str(exc))}", err=True)
            sys.exit(1)


def _sync_front(ctx: click.Context) -> None:
    """After every command (it may have published, unpublished, hidden or merged): the nginx public
    tree follows the catalog at once, served or not. Nothing to do without a tree or on a read-only library."""
    from . import front

    state = ctx.find_object(Context)
    if state is None or not front.enabled(state.config) or state.read_only:
        return
    try:
        front.sync(state.config)
    except (OSError, catalog.DatabaseError) as exc:  # never hide the command's own outcome; `check --repair` redoes it
        click.echo(f"Warning: the nginx public tree could not follow the catalog: {printable(str(exc))}", err=True)


def settings_epilog() -> str:
    lines = ["Settings (environment variables):", ""]
    lines += [f"  {s.env:<26} {s.help} (default: {s.default!r})" for s in SETTINGS]
    return "\n".join(lines)


@click.group(cls=GalleryGroup, epilog=settings_epilog())
@click.option("--root", type=click.Path(file_okay=False), help="Library folder (default: $GALLERY_ROOT or .).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="gallery")
@click.pass_context
def main(ctx: click.Context, root: str | None, debug: bool) -> None:
    """Photo archive and gallery: import cards and phones, group missions into event albums, serve them.

    Example: gallery --root ~/archive import /media/SDCARD ~/phone-export
    """
    ctx.obj = Context(root, debug)


pass_context = click.make_pass_decorator(Context)


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return value if isinstance(value, int) else parse_duration(str(value))
        except BadRequest as exc:
            raise click.BadParameter(str(exc)) from None


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def echo_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    for line in [headers, ["-" * w for w in widths], *rows]:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip())


def register(*modules: Callable[[click.Group], None]) -> None:
    for add_commands in modules:
        add_commands(main)


def _load_commands() -> None:
    from . import cli_albums, cli_archive, cli_organise, cli_prod, cli_site, cli_web

    register(cli_archive.add_commands, cli_organise.add_commands, cli_albums.add_commands, cli_web.add_commands)
    register(cli_prod.add_commands)
    register(cli_site.add_commands)  # the static copy


_load_commands()
