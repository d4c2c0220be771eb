"""`gallery nginx-config` and `gallery backup`: running the gallery in production (issue 15)."""

from __future__ import annotations

import click

from . import front
from .cli import Context, pass_context
from .importer import prepare_root


def add_commands(main: click.Group) -> None:
    main.add_command(nginx_config)


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
    click.echo(front.nginx_config(ctx.config, server_name, listen, upstream), nl=False)
