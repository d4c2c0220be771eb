"""Keeping the archive honest: derivative passes and `gallery check`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, front, kinds, motion, storage, thumbs
from .config import Config
from .errors import ConfigError
from .ingest import INCOMING, RenderJob, init_render_worker, render_file
from .workers import TaskFailed, WorkerPool


@dataclass
class CheckReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing_derivatives: list[str] = field(default_factory=list)
    repaired: int = 0
    front: list[str] = field(default_factory=list)  # the nginx public tree out of step with the catalog
    # no thumbnails/ folder at all (a backup made without --with-thumbnails, or `rm -rf thumbnails/`):
    # missing derivatives are then a warning, rebuilt by `gallery thumbs`, not a failure
    derivatives_left_out: bool = False

    @property
    def ok(self) -> bool:
        derivatives = self.missing_derivatives and not self.derivatives_left_out
        return not (self.missing or self.changed or self.orphans or derivatives or self.front)

    def to_json(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "missing": self.missing,
            "changed": self.changed,
            "orphans": self.orphans,
            "missing_derivatives": self.missing_derivatives,
            "repaired": self.repaired,
            "front": self.front,
            "derivatives_left_out": self.derivatives_left_out,
            "ok": self.ok,
        }


def missing_derivatives(config: Config, rows: Iterable[dict], sizes: Iterable[str]) -> list[RenderJob]:
    jobs = []
    for row in rows:
        if row.get("media_type") == "video" and thumbs.VIEWER in sizes:
            if not (config.thumbs_dir / kinds.video.web_copy_path(row["sha256"])).exists():
                source = str((config.root / row["path"]).resolve())
                jobs.append(RenderJob(row["sha256"], source, row["format"], kinds.video.WEB_COPY))
        for size in sizes:
            if not (config.thumbs_dir / thumbs.derivative_path(row["sha256"], size)).exists():
                source = str((config.root / row["path"]).resolve())
                jobs.append(RenderJob(row["sha256"], source, row["format"], size, row.get("orientation")))
    return jobs


def missing_motion_copies(config: Config, companions: Iterable[dict]) -> list[RenderJob]:
    """The web copies of Live Photo and motion photo clips (companions with the role `motion`) not made yet."""
    jobs = []
    for row in companions:
        if row.get("role") == "motion" and row.get("photo_sha256"):
            if not (config.thumbs_dir / kinds.video.web_copy_path(row["sha256"])).exists():
                source = str((config.root / row["path"]).resolve())
                jobs.append(RenderJob(row["sha256"], source, row["format"], kinds.video.WEB_COPY))
    return jobs


def missing_clip_copies(config: Config, rows: Iterable[dict]) -> list[RenderJob]:
    """The web copies of motion photos' embedded clips not made yet."""
    return [
        RenderJob(row["sha256"], str((config.root / row["path"]).resolve()), row["format"], motion.CLIP)
        for row in rows
        if row.get("motion_offset") and not (config.thumbs_dir / kinds.video.web_copy_path(row["sha256"])).exists()
    ]


def make_derivatives(
    config: Config, jobs: list[RenderJob], progress: Callable[[int, int], None] | None = None
) -> tuple[int, list[str]]:
    """Render missing derivatives in worker processes; returns (made, failures).

    Pictures first, with a worker per core; then the videos' web copies, fewer at once
    (`transcode_workers`): a transcode keeps several cores busy on its own and holds five times a
    picture's memory, so two side by side were what pushed a pass past its memory budget.
    """
    pictures = [job for job in jobs if not is_transcode(job)]
    transcodes = [job for job in jobs if is_transcode(job)]
    made, failed = 0, []
    for batch, workers in ((pictures, config.worker_count), (transcodes, transcode_workers(config))):
        if not batch:
            continue
        pool = WorkerPool(
            min(workers, len(batch)),
            render_file,
            init_render_worker,
            (config.max_pixels, str(config.thumbs_dir)),
            timeout=config.file_timeout,
            memory_mb=config.worker_memory,
            time_limit=lambda job: _render_limit(job, config.file_timeout),
        )
        with pool:
            for job, result in pool.run(batch):
                if isinstance(result, TaskFailed):
                    failed.append(f"{job.sha256} {job.size}: {result.detail}")
                else:
                    made += 1
                if progress:
                    progress(made + len(failed), len(jobs))
    return made, failed


CORES_PER_TRANSCODE = 4  # x264's frame threads and two decoding threads


def transcode_workers(config: Config) -> int:
    """How many web copies are made at once: one on a small machine, a quarter of the workers on a big one."""
    return max(1, config.worker_count // CORES_PER_TRANSCODE)


def is_transcode(job: RenderJob) -> bool:
    return job.size in (kinds.video.WEB_COPY, motion.CLIP)


def make_missing_derivatives(
    config: Config, sizes: Iterable[str], import_id: int | None = None
) -> tuple[int, list[str]] | None:
    """Render every derivative of these sizes that is missing; None when nothing was missing.

    With `import_id`, only those of that import's photos (an import's viewer pass: what it reads
    follows the import, not the archive; `gallery thumbs` looks at every photo)."""
    if not config.db_path.exists():
        return None
    sizes = tuple(sizes)
    with catalog.connection(config.db_path) as conn:
        if import_id is None:
            photos, companions = catalog.iter_photos(conn), catalog.iter_companions(conn)
        else:
            photos = catalog.photos_seen_by_import(conn, import_id)
            companions = catalog.companions_of_import(conn, import_id)
        jobs = missing_derivatives(config, photos, sizes)
        if thumbs.VIEWER in sizes:
            jobs += missing_motion_copies(config, companions)
            jobs += missing_clip_copies(config, photos)
        del photos, companions
    return make_derivatives(config, jobs) if jobs else None


def _render_limit(job: RenderJob, base: float) -> float:
    """A video's web copy gets time for its size (a transcode); a picture gets the base limit."""
    if not is_transcode(job):
        return base
    try:
        return base + Path(job.source).stat().st_size / kinds.video.WEB_RATE
    except OSError:
        return base


def check(conn: catalog.Connection, config: Config, repair: bool = False) -> CheckReport:
    """Re-hash every original against the catalog; list orphans and missing derivatives."""
    if not config.media_dir.is_dir():
        raise ConfigError(f"media folder {config.media_dir} is missing or unmounted; nothing was changed")
    report = CheckReport(derivatives_left_out=not config.thumbs_dir.exists())
    rows, companions = catalog.iter_photos(conn), catalog.iter_companions(conn)
    known = set()
    for row in [*rows, *companions]:  # a RAW or sidecar is an original too
        report.checked += 1
        path = config.root / row["path"]
        known.add(path.resolve())
        if not path.is_file():
            report.missing.append(row["path"])
        elif storage.hash_file(path)[0] != row["sha256"]:
            report.changed.append(row["path"])
    for path in sorted(config.media_dir.rglob("*")):
        if path.is_file() and path.resolve() not in known and not _is_ours(path, config):
            report.orphans.append(str(path.relative_to(config.root)))
    present = [r for r in rows if r["path"] not in report.missing]
    jobs = missing_derivatives(config, present, thumbs.SIZES)
    # the web copies of Live Photo and motion photo clips are derivatives too
    jobs += missing_motion_copies(config, [c for c in companions if c["path"] not in report.missing])
    jobs += missing_clip_copies(config, present)
    report.missing_derivatives = [f"{j.sha256} {j.size}" for j in jobs]
    if repair:
        storage.remove_temp_files(config.thumbs_dir)
        report.repaired, failures = make_derivatives(config, jobs)
        report.missing_derivatives = failures
        front.sync(config)
    report.front = front.check(config)
    return report


def _is_ours(path: Path, config: Config) -> bool:
    relative = path.relative_to(config.media_dir)
    return relative == Path("README.md") or relative.parts[0] == INCOMING
