"""`gallery nginx-config` and `gallery backup`: running the gallery in production (issue 15)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from . import front, nginx_conf
from .cli import Context, pass_context
from .importer import prepare_root
from .text import for_terminal as printable


def add_commands(main: click.Group) -> None:
    main.add_command(nginx_config)
    main.add_command(backup_)


@click.command("nginx-config")
@click.option("--server-name", default="_", show_default=True, help="nginx server_name (your domain).")
@click.option("--listen", default="80", show_default=True, help="nginx listen (a port, or address:port).")
@click.option(
    "--upstream", default="127.0.0.1:8000", show_default=True, help="Where `gallery serve` listens (host:port)."
)
@pass_context
def nginx_config(ctx: Context, server_name: str, listen: str, upstream: str) -> None:
    """Print an nginx server block for this library, and make the public tree nginx serves from.

    Public images and static files are sent by nginx from disk; everything else is proxied to
    `gallery serve`, which answers private files with X-Accel-Redirect (nginx sends them).

    Example: gallery --root /srv/gallery nginx-config --server-name photos.example.org > /etc/nginx/sites-available/gallery
    """
    for value, what in ((server_name, "--server-name"), (listen, "--listen"), (upstream, "--upstream")):
        if not value or any(c in value for c in ";{}\\\"'#$\n\r\t ") or not value.isprintable():
            raise click.BadParameter(f"{value!r} cannot go into an nginx configuration", param_hint=what)
    if ctx.read_only:
        if not front.enabled(ctx.config):
            click.echo(
                "Warning: read-only library without a public tree: nginx will send every image to the app.", err=True
            )
    else:
        prepare_root(ctx.config)
        done = front.sync(ctx.config, create=True)
        click.echo(
            f"Public tree {front.public_dir(ctx.config)}: {done.added} links added, {done.removed} removed.", err=True
        )
    click.echo(nginx_conf.nginx_config(ctx.config, server_name, listen, upstream), nl=False)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-thumbnails", is_flag=True, help="Copy the derivatives too (else DEST rebuilds them).")
@click.option("--verify", "verify_only", is_flag=True, help="Only re-hash the originals of an existing backup in DEST.")
@pass_context
def backup_(ctx: Context, dest: Path, with_thumbnails: bool, verify_only: bool) -> None:
    """Back the library up into DEST (a library itself), while it serves and imports; run it again to update.

    The catalog is copied with SQLite's online backup; originals incrementally (hard links when DEST
    is on the same filesystem: that protects against mistakes, not against the disk). Killed at any
    moment, the next run completes it. `--verify` re-hashes a backup.

    Example: gallery --root /srv/gallery backup /mnt/usb/gallery-backup
    """
    from . import backup

    if verify_only:
        started = time.monotonic()
        checked, problems = backup.verify(dest)
        for problem in problems:
            click.echo(f"  {printable(problem)}")
        click.echo(
            f"Verified {checked} originals in {time.monotonic() - started:.1f} s: "
            + ("all good." if not problems else f"{len(problems)} problem(s).")
        )
        if problems:
            sys.exit(1)
        return
    report = backup.backup(ctx.config, dest, with_thumbnails, progress=lambda line: click.echo(line, err=True))
    how = f"{report.linked} as hard links (same filesystem)" if report.linked else "verified copies"
    click.echo(
        f"Backed up to {printable(str(dest))} in {report.seconds:.1f} s: catalog snapshot, "
        f"{report.originals} new originals ({report.bytes / 1e6:.1f} MB; {how}), {report.skipped} already there"
        + (f", {report.thumbnails} thumbnails" if with_thumbnails else ", no thumbnails")
        + "."
    )
    if report.moved_aside:
        click.echo(
            f"  {report.moved_aside} originals no longer in the catalog moved to {dest}/.gallery/backup/removed/"
        )
    for path in report.missing:
        click.echo(f"  Warning: {printable(path)} is in the catalog but not in the library (run `gallery check`).")
