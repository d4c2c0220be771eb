"""The batch import: walk sources, process files in workers, archive and catalog them, report.

Order of writes for one file, chosen so that a SIGKILL at any moment leaves nothing that a
rerun cannot finish: grid derivative (content-addressed) -> copy into media/.incoming/<sha256>
(verified) -> rename to its final name -> catalog row, committed per batch. A rerun deletes
incoming leftovers, and adopts a final file whose row was lost (same name, same bytes).

A file already in the catalog is a duplicate only if its archived copy is there and still has
its hash; otherwise the file restores it (verified copy renamed over the catalog's path; the
damaged bytes are kept aside in .gallery/damaged/). `--move` removes a source only after that.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import catalog, companions, devices, organise, storage, trash
from .config import Config
from .errors import CatalogError, ConfigError, ImportAborted, ImportBusy, SourceError
from .ingest import INCOMING, IngestSettings, init_worker, process_file, tag_columns, time_limit
from .models import CompanionFile, IngestResult, NewFile, Outcome, PhotoMeta, RestoreFile
from .names import candidate_names, safe_name
from .scan import Job, check_sources, identity, iter_entries
from .workers import TaskFailed, WorkerPool

BATCH_FILES = 200
BATCH_SECONDS = 2.0
UPLOAD_PREFIX = "upload"  # the web upload stages its files in .gallery/upload-*/ (web/admin_pages.py)
DAMAGED = "damaged"  # .gallery/damaged/import-N/...: archived copies a restore replaced
DAMAGE_WORDS = {"missing": "missing", "changed": "damaged (its bytes no longer match)", "unreadable": "unreadable"}
LINK_NOTE = (
    "--link: the archived originals share their inode with the source files; editing a source in "
    "place changes the archived original too (`gallery check` would report it as changed)."
)


@dataclass(frozen=True)
class ImportOptions:
    sources: tuple[Path, ...]
    move: bool = False
    link: bool = False
    timezone: str | None = None  # IANA zone for photos that have no better evidence
    clock_offset: int | None = None  # seconds to add to what the cameras of this import say
    viewer: bool = True  # make viewer-size derivatives after the import


@dataclass
class Report:
    import_id: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[Outcome] = field(default_factory=list)
    rejected: list[Outcome] = field(default_factory=list)
    restored: list[Outcome] = field(default_factory=list)  # archived copies found missing or damaged, copied again
    kept: list[str] = field(default_factory=list)  # --move: sources that could not be removed
    notes: list[str] = field(default_factory=list)  # what the operator must know (--link shares inodes)
    archived: Counter[str] = field(default_factory=Counter)  # per media kind: photo, video, raw, image, sidecar
    paired: int = 0  # RAW+JPEG pairs made one item (the RAW is the photo's companion)
    live: int = 0  # Live Photos made one item (the MOV is the photo's companion)
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "skipped":
            self.skipped.append(outcome)
        elif outcome.status == "rejected":
            self.rejected.append(outcome)
        elif outcome.status == "restored":
            self.restored.append(outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.counts["imported"],
            "duplicates": self.counts["duplicate"],
            "restored": self.counts["restored"],
            "archived": dict(sorted(self.archived.items())),
            "raw_pairs": self.paired,
            "live_photos": self.live,
            "skipped": [_problem(o) for o in self.skipped],
            "rejected": [_problem(o) for o in self.rejected],
            **({"restored_files": [_problem(o) for o in self.restored]} if self.restored else {}),
            **({"not_removed": self.kept} if self.kept else {}),
            **({"notes": self.notes} if self.notes else {}),
        }


def _problem(outcome: Outcome) -> dict[str, str]:
    return {"path": outcome.path, "reason": outcome.reason, "detail": outcome.detail}


Progress = Callable[[Outcome, int], None]  # (outcome, total files)


def prepare_root(config: Config) -> None:
    """Create the library folders; a root that cannot hold them is a ConfigError.

    media/ is created only for a new library: if the catalog exists and media/ does not, the
    archive's disk is probably unmounted, and writing there would scatter the archive.
    """
    if storage.library_read_only(config.root, config.db_path, config.read_only):
        raise storage.read_only_error(config.root)
    if config.db_path.exists() and not config.media_dir.is_dir():
        raise ConfigError(
            f"{config.media_dir} is missing but the catalog exists: is the disk mounted? Nothing was changed."
        )
    try:
        for folder in (config.root, config.media_dir, config.thumbs_dir, config.state_dir):
            folder.mkdir(parents=True, exist_ok=True)
        probe = storage.temp_path(config.state_dir / "write-probe")  # a name of its own: callers run concurrently
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"library root {config.root} is not usable: {exc.strerror or exc}") from None


@contextmanager
def library_lock(config: Config) -> Iterator[None]:
    """One import at a time per library; a second one is told so at once."""
    if storage.library_read_only(config.root, config.db_path, config.read_only):
        raise storage.read_only_error(config.root)
    try:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        lock = open(config.state_dir / "import.lock", "a")  # noqa: SIM115 (closed below, after the yield)
    except OSError as exc:
        raise ConfigError(f"library root {config.root} is not usable: {exc.strerror or exc}") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportBusy("another import is running on this library; try again when it ends") from None
        yield


def refuse_library_sources(config: Config, sources: list[Path]) -> None:
    """A source inside the library's own folders (or the root itself) is refused: nothing starts.

    Importing media/ into itself makes every file "a duplicate of itself", and `--move` would then
    delete the archive. Folders are compared by device and inode after resolving symlinks, so a
    symlink or a bind mount of media/ is recognised too. A source that merely contains the library
    (a parent of the root) is allowed: the walk skips the library's folders (scan.iter_entries).
    """
    areas = {identity(folder): folder.name for folder in (config.media_dir, config.thumbs_dir, config.state_dir)}
    areas.pop(None, None)
    root = identity(config.root)
    for source in sources:
        resolved = source.resolve()
        if root is not None and identity(resolved) == root:
            raise SourceError(
                f"{source} is the library root itself: import from a card or a folder outside "
                "the library (nothing was changed)"
            )
        for folder in (resolved, *resolved.parents):
            area = areas.get(identity(folder))
            if area is None:
                continue
            inside = resolved.relative_to(folder).parts
            if area == config.state_dir.name and inside and inside[0].startswith(UPLOAD_PREFIX):
                break  # a web upload's staging folder
            raise SourceError(
                f"{source} is inside the library's {area}/ folder: importing the library into itself "
                "is refused (nothing was changed)"
            )


def run_import(config: Config, options: ImportOptions, progress: Progress | None = None) -> Report:
    """Import every file under `options.sources`; the batch always finishes, whatever the files."""
    sources = check_sources(options.sources)
    refuse_library_sources(config, sources)
    report = Report(notes=[LINK_NOTE] if options.link else [])
    started = time.monotonic()
    with library_lock(config):  # first: concurrent imports must not race on the library's folders
        prepare_root(config)
        with catalog.connection(config.db_path) as conn:
            _refuse_missing_media(conn, config)
            _clean_leftovers(config)
            report.import_id = catalog.start_import(conn, [str(s) for s in sources], _options_json(options))
            entries = list(iter_entries(sources, exclude=[config.media_dir, config.thumbs_dir, config.state_dir]))
            archive = Archive(conn, config, options, report.import_id)
            try:
                with catalog.errors_translated():
                    for outcome in _outcomes(config, options, entries, archive):
                        report.add(outcome)
                        if progress:
                            progress(outcome, len(entries))
            except CatalogError as exc:  # "database or disk is full"
                raise ImportAborted(
                    f"cannot write the catalog ({exc}); free some space, then run the same import again"
                ) from None
            finally:
                _flush_if_possible(archive)
                report.kept = archive.kept
                report.archived, report.paired, report.live = archive.kinds, archive.paired, archive.live
            catalog.finish_import(conn, report.import_id, report.counts)
            only_new = not (report.paired or report.live or report.archived.get("sidecar"))  # else older photos changed
            organise.refresh(conn, config, catalog.photo_ids_of_import(conn, report.import_id), added=only_new)
            trash.empty(conn, config)  # photos trashed over 30 days ago go for good, with their originals
    report.seconds = time.monotonic() - started
    return report


def _flush_if_possible(archive: Archive) -> None:
    """Commit what is archived, even when the batch stops early; a full disk may refuse that too."""
    try:
        with catalog.errors_translated():
            archive.flush()
    except (OSError, CatalogError) as exc:
        catalog.rollback(archive.conn)
        raise ImportAborted(
            f"cannot write the catalog ({exc}); free some space, then run the same import again"
        ) from None


def _refuse_missing_media(conn: catalog.Connection, config: Config) -> None:
    """A catalog with photos and an empty media/ is an unmounted disk, not an empty archive."""
    if catalog.count_photos(conn) and not any(config.media_dir.iterdir()):
        raise ConfigError(
            f"{config.media_dir} is empty but the catalog lists photos: is the disk mounted? Nothing was changed."
        )


def _options_json(options: ImportOptions) -> dict[str, Any]:
    return {
        "move": options.move,
        "link": options.link,
        "timezone": options.timezone,
        "clock_offset": options.clock_offset,
    }


def _clean_leftovers(config: Config) -> None:
    incoming = config.media_dir / INCOMING
    if incoming.is_dir():
        for leftover in incoming.iterdir():
            leftover.unlink(missing_ok=True)
    storage.remove_temp_files(config.media_dir)
    storage.remove_temp_files(config.thumbs_dir)


def _outcomes(
    config: Config, options: ImportOptions, entries: list[Job | Outcome], archive: Archive
) -> Iterator[Outcome]:
    jobs = [e for e in entries if isinstance(e, Job)]
    for entry in entries:
        if isinstance(entry, Outcome):
            yield archive.note(entry)
    settings = IngestSettings(config.with_(root=config.root.resolve()), options.link)
    pool = WorkerPool(
        min(config.worker_count, max(1, len(jobs))),
        process_file,
        init_worker,
        (settings,),
        timeout=config.file_timeout,
        memory_mb=config.worker_memory,
        time_limit=lambda job: time_limit(job, config.file_timeout),
    )
    with pool:
        for job, result in pool.run(jobs):
            if isinstance(result, TaskFailed):
                yield archive.note(Outcome(job.shown, "rejected", result.reason, result.detail))
            elif result["status"] == "fatal":
                raise ImportAborted(
                    f"{result['detail']}: free some space, then run the same import again "
                    "(what was archived so far is kept)"
                )
            else:
                outcome = archive.add(job, result)
                if outcome is not None:  # None: a sidecar, answered by add_companions()
                    yield outcome
            archive.maybe_flush()
    yield from archive.add_companions()  # once every main file of this import has its row


class Archive:
    """Names archive files, writes catalog rows in batches, and finishes --move after commit."""

    def __init__(self, conn: catalog.Connection, config: Config, options: ImportOptions, import_id: int) -> None:
        self.conn, self.config, self.options, self.import_id = conn, config, options, import_id
        self.pending: list[Outcome] = []
        self.to_unlink: list[str] = []
        self.kept: list[str] = []  # sources --move could not remove
        self.restored: set[str] = set()  # sha256 of the archived copies this import put back
        self.dirs: set[Path] = set()
        self.batch_started = time.monotonic()
        self.sidecars: list[tuple[Job, CompanionFile]] = []  # archived after the main files (add_companions)
        self.kinds: Counter[str] = Counter()
        self.paired = 0  # RAW+JPEG pairs made one item
        self.live = 0  # Live Photos: a still and its motion clip made one item

    def note(self, outcome: Outcome) -> Outcome:
        """Record an answer that needed no archiving (skipped by the walk, failed in a worker)."""
        self.pending.append(outcome)
        return outcome

    def add(self, job: Job, result: IngestResult) -> Outcome | None:
        if result["status"] == "new":
            outcome = self._archive(job, result)
        elif result["status"] == "restore":
            outcome = self._restore(job, result)
        elif result["status"] == "companion":
            self.sidecars.append((job, result))
            return None
        elif result["status"] == "duplicate":
            outcome = Outcome(job.shown, "duplicate", "already_archived", "already in the archive", result["sha256"])
        else:
            outcome = Outcome(job.shown, result["status"], result["reason"], result["detail"])
        if self.options.move and outcome.status in ("imported", "duplicate", "restored"):
            self.to_unlink.append(job.path)  # only once the archived copy is proved: see flush()
        self.pending.append(outcome)
        return outcome

    def _restore(self, job: Job, result: RestoreFile) -> Outcome:
        """Put a verified copy back where the catalog says the original is (worker found it missing or damaged)."""
        sha256, incoming, damage = result["sha256"], Path(result["incoming"]), result["damage"]
        row = catalog.get_photo(self.conn, sha256) or catalog.get_companion(self.conn, sha256)
        if sha256 in self.restored or row is None:  # restored by an earlier file of this import (or gone)
            incoming.unlink(missing_ok=True)
            if row is None:
                return Outcome(job.shown, "rejected", "catalog_changed", "the photo left the catalog during the import")
            return Outcome(job.shown, "duplicate", "already_archived", "same content as another file", sha256)
        target = self.config.root / row["path"]
        try:
            if not target.parent.resolve().is_relative_to(self.config.media_dir.resolve()):
                raise OSError(f"{row['path']} is not inside media/")
            self._set_aside(target, row["path"])
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(incoming, target)
        except OSError as exc:
            incoming.unlink(missing_ok=True)
            return Outcome(job.shown, "rejected", "restore_failed", f"could not restore {row['path']}: {exc}", sha256)
        self.restored.add(sha256)
        self.dirs.add(target.parent)
        return Outcome(
            job.shown,
            "restored",
            damage,
            f"{row['path']} was {DAMAGE_WORDS[damage]}; copied again from this file",
            sha256,
        )

    def _set_aside(self, target: Path, relative: str) -> None:
        """Keep a damaged archived copy's bytes (a hard link under .gallery/damaged/) before replacing it."""
        if not target.is_file() or target.is_symlink():
            return
        aside = (
            self.config.state_dir / DAMAGED / f"import-{self.import_id}" / PurePosixPath(relative).relative_to("media")
        )
        aside.parent.mkdir(parents=True, exist_ok=True)
        aside.unlink(missing_ok=True)  # left by a run killed between the link and the rename
        try:
            os.link(target, aside)
        except OSError:  # media/ on another file system than .gallery/
            shutil.copyfile(target, aside)

    def _archive(self, job: Job, result: NewFile) -> Outcome:
        catalog.begin(self.conn)
        sha256 = result["sha256"]
        incoming = Path(result["incoming"])
        if catalog.has_photo(self.conn, sha256) or catalog.get_companion(
            self.conn, sha256
        ):  # twice in this batch, or a RAW now a companion
            incoming.unlink(missing_ok=True)
            return Outcome(job.shown, "duplicate", "already_archived", "same content as another file", sha256)
        meta: PhotoMeta = result["meta"]
        relative = self._final_path(archive_folder(meta), Path(job.shown).name, sha256, incoming)
        row = photo_row(job, result, relative, self.import_id, self.options)
        catalog.insert_photo(self.conn, row)
        companions.attach_waiting(self.conn, self.config.root, row)
        self.kinds[row["media_type"]] += 1
        return Outcome(job.shown, "imported", sha256=sha256)

    def add_companions(self) -> Iterator[Outcome]:
        """Archive the sidecars next to their main file (or waiting for it), then pair RAWs with their photos."""
        for job, result in self.sidecars:
            outcome = self._companion(job, result)
            if self.options.move and outcome.status in ("imported", "duplicate"):
                self.to_unlink.append(job.path)
            self.pending.append(outcome)
            yield outcome
        self.sidecars = []
        catalog.begin(self.conn)
        for _companion, _photo, role in companions.pair_raws(self.conn, self.config.root, self.import_id):
            if role == "raw":
                self.paired += 1
            else:
                self.live += 1

    def _companion(self, job: Job, result: CompanionFile) -> Outcome:
        catalog.begin(self.conn)
        sha256, incoming = result["sha256"], Path(result["incoming"])
        if catalog.get_companion(self.conn, sha256) is not None or catalog.has_photo(self.conn, sha256):
            incoming.unlink(missing_ok=True)
            return Outcome(job.shown, "duplicate", "already_archived", "already in the archive", sha256)
        name = Path(job.shown).name
        main = companions.main_of(self.conn, name, job.shown)
        folder = PurePosixPath(main["path"]).parent.relative_to("media") if main else PurePosixPath("undated")
        relative = self._final_path(folder, name, sha256, incoming)
        catalog.insert_companion(
            self.conn,
            {
                "sha256": sha256,
                "photo_sha256": main["sha256"] if main else None,
                "role": result["format"],
                "path": relative,
                "original_name": name,
                "source_path": job.shown,
                "format": result["format"],
                "size": result["size"],
                "device": main["device"] if main else None,
                "import_id": self.import_id,
                "imported_at": catalog.now_iso(),
            },
        )
        self.kinds["sidecar"] += 1
        if main is not None:
            companions.apply_sidecars(self.conn, self.config.root, main["sha256"])
        detail = "" if main else "its main file is not in the archive yet: attached when it arrives"
        return Outcome(job.shown, "imported", "sidecar" if main else "sidecar_waiting", detail, sha256)

    def _final_path(self, folder: PurePosixPath, name: str, sha256: str, incoming: Path) -> str:
        for candidate in candidate_names(folder, safe_name(name)):
            target = self.config.media_dir / candidate
            if catalog.path_in_use(self.conn, f"media/{candidate}"):
                continue
            if target.exists():
                if storage.hash_file(target)[0] != sha256:
                    continue
                incoming.unlink(missing_ok=True)  # adopt a file whose row a crash lost
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(incoming, target)
            self.dirs.add(target.parent)
            return f"media/{candidate}"
        raise AssertionError("unreachable: candidate_names is endless")

    def maybe_flush(self) -> None:
        full = len(self.pending) >= BATCH_FILES
        if full or time.monotonic() - self.batch_started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Make copies and renames durable, commit rows and the report lines, then finish --move."""
        if self.dirs:
            storage.sync_all()
        catalog.begin(self.conn)
        catalog.record_outcomes(self.conn, self.import_id, self.pending)
        catalog.commit(self.conn)
        for path in self.to_unlink:
            try:
                Path(path).unlink(missing_ok=True)
            except OSError as exc:  # a read-only card: the photo is archived all the same
                self.kept.append(f"{path}: {exc.strerror}")
        self.pending, self.to_unlink, self.dirs = [], [], set()
        self.batch_started = time.monotonic()


# The file readers' version, stored with each photo: raise it when they learn to read more (a new tag,
# a maker's date, a filter), and `gallery reread` reads again what an older one read.
READ_VERSION = 1


def archive_folder(meta: PhotoMeta) -> PurePosixPath:
    """media/YYYY/YYYY-MM-DD/ by the camera's own date; media/undated/ without one."""
    if meta.local_time is None or meta.date_source == "mtime":
        return PurePosixPath("undated")
    day = meta.local_time.date()
    return PurePosixPath(f"{day:%Y}", f"{day:%Y-%m-%d}")


def photo_row(job: Job, result: NewFile, relative: str, import_id: int, options: ImportOptions) -> dict[str, Any]:
    meta: PhotoMeta = result["meta"]
    return {
        "sha256": result["sha256"],
        "path": relative,
        "original_name": Path(job.shown).name,
        "source_path": job.shown,
        "source_dir": job.source_dir,
        "format": result["format"],
        "size": result["size"],
        "width": result["width"],
        "height": result["height"],
        "grid_width": result["grid_width"],
        "grid_height": result["grid_height"],
        "sharpness": result["sharpness"],
        "orientation": meta.orientation,
        "placeholder": result["placeholder"],
        "import_id": import_id,
        "imported_at": catalog.now_iso(),
        "camera_time": meta.local_time.isoformat() if meta.local_time else None,
        "camera_offset": meta.offset_minutes,
        "date_source": meta.date_source,
        **tag_columns(meta),
        "bad_tags": json.dumps(list(meta.bad_tags)) if meta.bad_tags else None,
        "device": devices.device_key(meta.make, meta.model, meta.serial, job.source_dir),
        "import_zone": options.timezone,
        "clock_shift": options.clock_offset,
        "media_type": result.get("media_type", "photo"),
        "duration": result.get("duration"),
        "codec": result.get("codec"),
        "content_id": result.get("content_id"),
        "motion_offset": result.get("motion_offset"),
        "read_version": READ_VERSION,
    }
