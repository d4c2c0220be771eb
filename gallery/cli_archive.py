"""`gallery import`, `photos`, `thumbs`, `check`: the archive commands."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from . import catalog, export, maintenance, storage, thumbs
from .cli import Context, Duration, echo_json, pass_context
from .errors import ConfigError, ReadOnlyLibrary
from .importer import ImportOptions, Report, run_import
from .models import Outcome
from .timeline import is_zone


class Progress:
    """A live bar on a terminal; a line every few seconds otherwise (logs, CI)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.started, self.last = quiet, time.monotonic(), 0.0
        self.bar: Any = None
        self.done = 0
        self.tty = sys.stderr.isatty()

    def __call__(self, outcome: Outcome, total: int) -> None:
        self.done += 1
        if self.quiet:
            return
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)
            self.bar.update(1)
            self.bar.set_postfix_str(outcome.status, refresh=False)
        elif time.monotonic() - self.last >= 5 or self.done == total:
            self.last = time.monotonic()
            rate = self.done / max(1e-6, self.last - self.started)
            click.echo(f"{self.done}/{total} files ({rate:.1f}/s)", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def print_summary(report: Report) -> None:
    counts = report.counts
    click.echo(
        f"Imported {counts['imported']}, duplicates {counts['duplicate']}, skipped {counts['skipped']}, "
        f"rejected {counts['rejected']} in {report.seconds:.1f} s."
    )
    if counts["imported"] == 0 and counts["duplicate"] and not counts["rejected"]:
        click.echo("Nothing new: every file is already in the archive.")
    for outcome in report.rejected + report.skipped:
        click.echo(f"  {outcome.status} {outcome.reason}: {outcome.path} ({outcome.detail})")
    if report.kept:
        click.echo(f"--move: {len(report.kept)} archived files could not be removed from their source "
                   f"(first: {report.kept[0]}); they are safe in the archive.")  # fmt: skip


def add_commands(main: click.Group) -> None:
    @main.command("import")
    @click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--move", is_flag=True, help="Remove each source file once it is safely archived.")
    @click.option("--link", is_flag=True, help="Hard-link originals instead of copying (same filesystem).")
    @click.option("--timezone", help="IANA zone for photos with no better evidence, e.g. Europe/Paris.")
    @click.option("--clock-offset", type=Duration(), help="Add this to every camera time of the import, e.g. -6h.")
    @click.option("--no-viewer", is_flag=True, help="Skip the viewer-size pass (the web server makes them later).")
    @click.option("--jobs", type=int, help="Worker processes (default: one per core).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @pass_context
    def import_(ctx: Context, sources: tuple[Path, ...], move: bool, link: bool, timezone: str | None,
                clock_offset: int | None, no_viewer: bool, jobs: int | None, as_json: bool) -> None:  # fmt: skip
        """Import photos from folders and files: archive, catalog, thumbnails, albums.

        Example: gallery import /media/SDCARD ~/phone-export --timezone Europe/Paris
        """
        if move and link:
            raise click.UsageError("--move and --link cannot be combined")
        if timezone and not is_zone(timezone):
            raise ConfigError(f"unknown time zone {timezone!r} (use an IANA name such as Europe/Paris)")
        config = ctx.config.with_(jobs=jobs) if jobs else ctx.config
        options = ImportOptions(tuple(sources), move, link, timezone, clock_offset, not no_viewer)
        progress = Progress(quiet=as_json)
        try:
            report = run_import(config, options, progress)
        finally:
            progress.close()
        if options.viewer:
            viewer_pass(config, quiet=as_json)
        if as_json:
            echo_json(report.to_json())
        else:
            print_summary(report)

    @main.command("thumbs")
    @pass_context
    def thumbs_(ctx: Context) -> None:
        """Make the missing viewer-size (and grid) derivatives of every photo.

        Example: gallery thumbs
        """
        if ctx.read_only:
            raise ReadOnlyLibrary(f"cannot write derivatives: the library {ctx.config.root} is read-only "
                                  "(the web server serves the derivatives that exist)")  # fmt: skip
        viewer_pass(ctx.config, quiet=False, sizes=tuple(thumbs.SIZES))

    @main.command()
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per photo, in a list.")
    @pass_context
    def photos(ctx: Context, as_json: bool) -> None:
        """List the catalog's photos.

        Example: gallery photos --json > photos.json
        """
        with ctx.catalog() as conn:
            items = [export.photo_json(row) for row in catalog.iter_photos(conn)]
        if as_json:
            echo_json(items)
            return
        for item in items:
            click.echo(f"{item['taken_at'] or 'undated':<32} {item['time_source']:<18} {item['path']}")

    @main.command()
    @click.option("--repair", is_flag=True, help="Rebuild missing derivatives.")
    @click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
    @pass_context
    def check(ctx: Context, repair: bool, as_json: bool) -> None:
        """Re-hash every original against the catalog; report missing, changed and orphan files.

        Example: gallery check --repair
        """
        if repair and ctx.read_only:
            raise storage.read_only_error(ctx.config.root)
        with ctx.catalog() as conn:
            report = maintenance.check(conn, ctx.config, repair)
        if as_json:
            echo_json(report.to_json())
        else:
            _print_check(report)
        if not report.ok:
            sys.exit(1)


def viewer_pass(config: Any, quiet: bool, sizes: tuple[str, ...] = (thumbs.VIEWER,)) -> None:
    if not config.db_path.exists():
        return
    conn = catalog.connect(config.db_path)
    try:
        jobs = maintenance.missing_derivatives(config, catalog.iter_photos(conn), sizes)
    finally:
        conn.close()
    if not jobs:
        return
    started = time.monotonic()
    made, failures = maintenance.make_derivatives(config, jobs)
    if not quiet:
        click.echo(f"Viewer pass: {made} derivatives in {time.monotonic() - started:.1f} s.", err=True)
        for failure in failures:
            click.echo(f"  failed: {failure}", err=True)


def _print_check(report: maintenance.CheckReport) -> None:
    click.echo(f"Checked {report.checked} originals.")
    for label, items in (("missing", report.missing), ("changed", report.changed), ("orphan", report.orphans),
                         ("missing derivative", report.missing_derivatives)):  # fmt: skip
        for item in items:
            click.echo(f"  {label}: {item}")
    if report.repaired:
        click.echo(f"Repaired {report.repaired} derivatives.")
    click.echo("All good." if report.ok else "Problems found.")
