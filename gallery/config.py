"""Settings: one declared table, read by the CLI, `Config.from_env()` and the README."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "GALLERY_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("root", ".", "Library folder holding media/, thumbnails/ and the catalog gallery.db."),
    Setting("jobs", 0, "Worker processes for import and thumbnails; 0 means one per CPU core."),
    Setting("max_pixels", 89_478_485, "Largest image (width x height) accepted; bigger ones are rejected."),
    Setting("max_file_size", 512 * 1024 * 1024, "Files bigger than this many bytes are skipped unread."),
    Setting(
        "max_media_size",
        64 * 1024**3,
        "Videos and RAW files bigger than this many bytes are skipped unread (they are hashed and copied streamed).",
    ),
    Setting(
        "file_timeout",
        60.0,
        "Seconds a worker may spend on one file before it is killed, plus one second per 10 MB for a video or RAW file.",
    ),
    Setting("worker_memory", 2048, "Address-space limit of each import worker, in MiB (0: no limit)."),
    Setting("base_url", "", "Public address of the gallery (for feeds, oEmbed and share links)."),
    Setting("secret_key", "", "Key signing session cookies; generated into ROOT/.gallery/secret if empty."),
    Setting("public_originals", False, "Let anonymous visitors download originals of published albums."),
    Setting("upload_max_bytes", 200 * 1024 * 1024, "Largest file accepted by the browser upload."),
    Setting("upload_max_files", 500, "Most files accepted in one browser upload."),
    Setting("https", False, "Mark cookies Secure (set when served behind HTTPS)."),
    Setting(
        "home_timezone",
        "America/Toronto",
        "The organisation's home time zone (IANA): a camera left on it is a strong guess when aligning clocks.",
    ),
    Setting("read_only", False, "Never write to the library (automatic when it is on read-only media)."),
    # in production (issue 15)
    Setting(
        "public_max_age",
        31_536_000,
        "Seconds browsers and CDNs keep public derivatives (immutable); shorten it behind a CDN you cannot purge.",
    ),
    Setting(
        "map_tiles",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Map tile URL ({z}/{x}/{y}); empty: maps show markers and a list without tiles.",
    ),
)


@dataclass(frozen=True)
class Config:
    root: Path = Path(".")
    jobs: int = 0
    max_pixels: int = 89_478_485
    max_file_size: int = 512 * 1024 * 1024
    max_media_size: int = 64 * 1024**3
    file_timeout: float = 60.0
    worker_memory: int = 2048
    base_url: str = ""
    secret_key: str = ""
    public_originals: bool = False
    upload_max_bytes: int = 200 * 1024 * 1024
    upload_max_files: int = 500
    https: bool = False
    home_timezone: str = "America/Toronto"
    read_only: bool = False
    public_max_age: int = 31_536_000
    map_tiles: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Build a Config from GALLERY_* variables, then explicit overrides (e.g. CLI options)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.env in environ:
                values[setting.name] = _cast(setting, environ[setting.env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "root" in values:
            values["root"] = Path(values["root"])
        return cls(**values)

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "thumbnails"

    @property
    def state_dir(self) -> Path:
        return self.root / ".gallery"

    @property
    def db_path(self) -> Path:
        return self.root / "gallery.db"

    @property
    def worker_count(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, os.cpu_count() or 1)


def _cast(setting: Setting, raw: str) -> Any:
    kind = type(setting.default)
    try:
        if kind is bool:
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{setting.env}={raw!r} is not a valid {kind.__name__}") from None
