"""`gallery export-site`: the published gallery as static files (see gallery/web/site_export.py)."""

from __future__ import annotations

from pathlib import Path

import click

from . import i18n
from .cli import Context, pass_context
from .text import for_terminal as printable


def add_commands(main: click.Group) -> None:
    main.add_command(export_site)


@click.command("export-site")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url", help="Address the copy will be served at (feeds and oEmbed need it; default: $GALLERY_BASE_URL)."
)
@click.option(
    "--lang", type=click.Choice(i18n.LANGUAGES), default=i18n.DEFAULT, show_default=True, help="Language of the pages."
)
@click.option("--quiet", is_flag=True, help="Print only the summary, not every file written or deleted.")
@pass_context
def export_site(ctx: Context, dest: Path, base_url: str | None, lang: str, quiet: bool) -> None:
    """Write the published gallery as static files into DEST, for any static host or CDN.

    Pages, public derivatives, feed, oEmbed, embed cards and static files, as an anonymous visitor
    sees them; nothing private. Re-running writes only what changed and deletes what was unpublished.

    Example: gallery --root ~/archive export-site /srv/www/photos --base-url https://photos.example.org
    """
    from .web import site_export

    echo = (lambda line: None) if quiet else (lambda line: click.echo(printable(line)))
    report = site_export.export_site(ctx.config, dest, base_url=base_url, lang=lang, echo=echo)
    for link in report.dropped:
        click.echo(f"not exported (the live site answers 404): {printable(link)}", err=True)
    if not (base_url or ctx.config.base_url):
        click.echo(
            "note: no --base-url: links are relative to the host's root; the feed and oEmbed need absolute ones",
            err=True,
        )
    click.echo(f"{len(report.wrote)} written, {len(report.kept)} kept, {len(report.deleted)} deleted into {dest}")
