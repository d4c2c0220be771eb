"""`gallery import`, `photos`, `thumbs`, `check`: the archive commands."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from . import catalog, dates, export, maintenance, storage, thumbs
from . import reread as reread_
from .cli import Context, Duration, echo_json, pass_context, printable
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


KIND_WORDS = {"photo": "photos", "video": "videos", "raw": "RAW", "image": "other images", "sidecar": "sidecars"}


def print_summary(report: Report) -> None:
    counts = report.counts
    restored = f"restored {counts['restored']}, " if counts["restored"] else ""
    click.echo(
        f"Imported {counts['imported']}, duplicates {counts['duplicate']}, {restored}skipped {counts['skipped']}, "
        f"rejected {counts['rejected']} in {report.seconds:.1f} s."
    )
    if report.archived:
        kinds = ", ".join(f"{KIND_WORDS.get(kind, kind)} {n}" for kind, n in sorted(report.archived.items()) if n)
        pairs = f" ({report.paired} RAW+JPEG pairs shown as one photo each)" if report.paired else ""
        click.echo(f"Archived: {kinds}{pairs}.")
    if counts["imported"] == 0 and counts["duplicate"] and not counts["rejected"] and not counts["restored"]:
        click.echo("Nothing new: every file is already in the archive.")
    for outcome in report.restored + report.rejected + report.skipped:  # file names may hold escape sequences
        click.echo(printable(f"  {outcome.status} {outcome.reason}: {outcome.path} ({outcome.detail})"))
    if report.kept:
        click.echo(
            printable(
                f"--move: {len(report.kept)} archived files could not be removed from their source "
                f"(first: {report.kept[0]}); they are safe in the archive."
            )
        )
    for note in report.notes:
        click.echo(note)


def add_commands(main: click.Group) -> None:
    @main.command("import")
    @click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--move", is_flag=True, help="Remove each source file once its archived copy is verified.")
    @click.option(
        "--link",
        is_flag=True,
        help="Hard-link originals instead of copying (same filesystem). The archive then "
        "shares the source's inode: editing a source file in place changes the archived original.",
    )
    @click.option("--timezone", help="IANA zone for photos with no better evidence, e.g. Europe/Paris.")
    @click.option("--clock-offset", type=Duration(), help="Add this to every camera time of the import, e.g. -6h.")
    @click.option("--no-viewer", is_flag=True, help="Skip the viewer-size pass (the web server makes them later).")
    @click.option("--jobs", type=int, help="Worker processes (default: one per core).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @pass_context
    def import_(
        ctx: Context,
        sources: tuple[Path, ...],
        move: bool,
        link: bool,
        timezone: str | None,
        clock_offset: int | None,
        no_viewer: bool,
        jobs: int | None,
        as_json: bool,
    ) -> None:
        """Import photos from folders and files: archive, catalog, thumbnails, albums.

        A file already in the catalog whose archived copy is missing or damaged is copied again
        (reported as restored). A source inside the library (media/, thumbnails/, .gallery/ or the
        root itself) is refused.

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
            viewer_pass(config, quiet=as_json, import_id=report.import_id)
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
            raise ReadOnlyLibrary(
                f"cannot write derivatives: the library {ctx.config.root} is read-only "
                "(the web server serves the derivatives that exist)"
            )
        viewer_pass(ctx.config, quiet=False, sizes=tuple(thumbs.SIZES))

    @main.group(invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per photo, in a list.")
    @click.pass_context
    def photos(click_ctx: click.Context, as_json: bool) -> None:
        """List the catalog's photos; set-date and confirm-date fix uncertain dates.

        Example: gallery photos --json > photos.json
        """
        if click_ctx.invoked_subcommand is not None:
            return
        ctx = click_ctx.find_object(Context)
        assert ctx is not None
        with ctx.catalog() as conn:
            items = [export.photo_json(row) for row in catalog.iter_photos(conn)]
        if as_json:
            echo_json(items)
            return
        for item in items:
            when = "uncertain date" if item["date_uncertain"] else item["taken_at"] or "undated"
            click.echo(f"{when:<32} {item['time_source']:<18} {item['path']}")

    @photos.command("set-date")
    @click.argument("shas", nargs=-1, required=True)
    @click.argument("when")
    @click.option("--timezone", help="IANA zone of DATETIME when it has no offset, e.g. Europe/Paris.")
    @pass_context
    def set_date(ctx: Context, shas: tuple[str, ...], when: str, timezone: str | None) -> None:
        """Set the capture date of photos by hand (SHA: a sha256 or a prefix of 6+ characters); regroups.

        DATETIME is local time with --timezone, or carries its offset. A date set by hand beats every
        other evidence and is never « uncertain ».

        Example: gallery photos set-date 3fa4c2 9b01d7 2017-09-19T10:30 --timezone Europe/Paris
        """
        with ctx.catalog() as conn:
            moment = dates.parse_moment(when, timezone or _only_zone(conn, shas))
            count = dates.set_dates(conn, shas, moment, timezone)
        click.echo(f"Date set for {count} photo{'s' if count != 1 else ''}: {moment.isoformat()}.")

    @photos.command("confirm-date")
    @click.argument("shas", nargs=-1, required=True)
    @pass_context
    def confirm_date(ctx: Context, shas: tuple[str, ...]) -> None:
        """Confirm that the date shown for photos is right (an « uncertain » mtime date becomes certain).

        Example: gallery photos confirm-date 3fa4c2
        """
        with ctx.catalog() as conn:
            count, undated = dates.confirm_dates(conn, shas)
        click.echo(f"Date confirmed for {count} photo{'s' if count != 1 else ''}.")
        for sha in undated:
            click.echo(
                f"  {sha[:12]} has no date to confirm (none, or one estimated for grouping only): "
                "use `gallery photos set-date`, or confirm its device's correction (`gallery devices`)."
            )

    @main.command()
    @click.option("--repair", is_flag=True, help="Rebuild missing derivatives and the nginx public tree.")
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

    @main.command()
    @click.option("--all", "everything", is_flag=True, help="Every photo, not only those an older version read.")
    @click.option("--json", "as_json", is_flag=True, help="Print what was read and changed as JSON.")
    @pass_context
    def reread(ctx: Context, everything: bool, as_json: bool) -> None:
        """Read the archived originals' tags again (descriptions, XMP words, dates) with this version's readers.

        Only the columns that come from the file change: captions, dates set by hand, time shifts,
        albums, hidden photos and the trash stay as staff left them. A file that cannot be read is
        reported and left as it is.

        Example: gallery reread --all
        """
        if ctx.read_only:
            raise storage.read_only_error(ctx.config.root)
        with ctx.catalog() as conn:
            report = reread_.reread(conn, ctx.config, everything)
        if as_json:
            echo_json(report.to_json())
            return
        click.echo(f"Read {report.read} originals again: {report.changed} photos changed.")
        for path in report.missing:
            click.echo(f"  missing: {printable(path)}")
        for failure in report.failed:
            click.echo(f"  unreadable: {printable(failure)}")


def _only_zone(conn: catalog.Connection, shas: tuple[str, ...]) -> str | None:
    """The photos' own zone when they all share one (a naive DATETIME is then read in it)."""
    zones = {p["timezone"] for p in dates.find_photos(conn, shas)}
    return zones.pop() if len(zones) == 1 else None


def viewer_pass(
    config: Any, quiet: bool, sizes: tuple[str, ...] = (thumbs.VIEWER,), import_id: int | None = None
) -> None:
    started = time.monotonic()
    result = maintenance.make_missing_derivatives(config, sizes, import_id)
    if result is None:
        return
    made, failures = result
    if not quiet:
        click.echo(f"Viewer pass: {made} derivatives in {time.monotonic() - started:.1f} s.", err=True)
        for failure in failures:
            click.echo(f"  failed: {failure}", err=True)


def _print_check(report: maintenance.CheckReport) -> None:
    click.echo(f"Checked {report.checked} originals.")
    for label, items in (
        ("missing", report.missing),
        ("changed", report.changed),
        ("orphan", report.orphans),
        ("missing derivative", report.missing_derivatives),
        ("front", report.front),
    ):
        for item in items:
            click.echo(f"  {label}: {item}")
    if report.repaired:
        click.echo(f"Repaired {report.repaired} derivatives.")
    if report.derivatives_left_out and report.missing_derivatives:
        click.echo("Warning: no thumbnails/ folder (left out of a backup?): `gallery thumbs` rebuilds them.")
    click.echo("All good." if report.ok else "Problems found.")
