"""Playing videos: `/photos/{sha256}/video` answers a `<video>` element, with Range.

Who may see a video's location (an admin, an album that shows locations) gets the original when
browsers can play it (H.264 in MP4/MOV). Everyone else, and every video browsers cannot play
(iPhone HEVC, AVCHD), gets the web copy: H.264/AAC, at most 1080p, faststart, and no metadata at
all (no date, no place, no device), made by the viewer pass after an import or, when it is
missing, once in the background here (single-flight, bounded like image derivatives).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import catalog, storage
from .. import motion as motion_clips
from ..errors import NotFound
from ..kinds import video
from . import access

RETRY_SECONDS = 10


class WebCopies:
    """Makes missing web copies in background threads: one per video at a time, a few at once."""

    def __init__(self, thumbs_dir: Path, slots: int, generate: bool) -> None:
        self.thumbs_dir, self.generate = thumbs_dir, generate
        self.slots = threading.BoundedSemaphore(max(1, slots))
        self.running: set[str] = set()
        self.failed: set[str] = set()
        self.lock = threading.Lock()

    def path(self, sha256: str) -> Path:
        return self.thumbs_dir / video.web_copy_path(sha256)

    def start(self, sha256: str, source: Path, embedded: bool = False) -> bool:
        """Start making a copy unless one is on its way; False when it cannot be made (read-only, failed)."""
        with self.lock:
            if not self.generate or sha256 in self.failed:
                return False
            if sha256 in self.running:
                return True
            self.running.add(sha256)
        threading.Thread(target=self._make, args=(sha256, source, embedded), daemon=True).start()
        return True

    def _make(self, sha256: str, source: Path, embedded: bool = False) -> None:
        try:
            with self.slots:
                if embedded:  # a motion photo: its MP4 is copied out of the JPEG first
                    motion_clips.make_clip_copy(source, self.path(sha256))
                else:
                    video.make_web_copy(source, self.path(sha256))
        except Exception:  # a video PyAV cannot transcode: no copy, the page offers the original
            with self.lock:
                self.failed.add(sha256)
        finally:
            with self.lock:
                self.running.discard(sha256)


def play(request: Request) -> Response:
    """The bytes of a video for a `<video>` element (Range by FileResponse)."""
    from .pages import checked_sha

    sha256 = checked_sha(request.path_params["sha256"])
    conn = request.app.state.db()
    viewer = request.state.viewer
    current = access.visible_photo(conn, sha256, viewer)
    if current.get("media_type") != "video":
        raise NotFound("not a video")
    headers = {"x-content-type-options": "nosniff", "cache-control": "private, max-age=3600"}
    original = storage.resolve_inside(request.app.state.config.media_dir, current["path"].removeprefix("media/"))
    may_locate = viewer.is_admin or bool(current.get("album_show_location"))
    if may_locate and video.plays_in_browsers(current.get("codec"), current["format"]):
        mime = "video/mp4" if current["format"] in ("mp4", "m4v", "mov") else video.FORMATS[current["format"]]
        return _send(request, original, mime, headers)
    copies: WebCopies = request.app.state.web_copies
    copy = copies.path(sha256)
    if copy.is_file():
        return _send(request, copy, "video/mp4", headers)
    if copies.start(sha256, original):
        headers["retry-after"] = str(RETRY_SECONDS)
        return Response("being prepared", status_code=503, media_type="text/plain", headers=headers)
    raise NotFound("no playable copy of this video")


def _send(request: Request, path: Path, mime: str, headers: dict[str, str]) -> Response:
    """The file, with Range; behind the nginx front, sent by nginx after this decision (X-Accel-Redirect)."""
    from .originals import internal_uri

    internal = internal_uri(request.app.state.config, request, path)
    if internal is not None:
        return Response(b"", media_type=mime, headers={**headers, "x-accel-redirect": internal})
    return FileResponse(path, media_type=mime, headers=headers)


def motion(request: Request) -> Response:
    """A Live Photo's (or motion photo's) clip, for the viewer's small `<video>` that plays on press or hover.

    Always its web copy, to everyone (admins too): a few seconds of H.264 without metadata, so the
    clip never carries the place or the device, whoever watches. Who may see the still may see it.
    """
    from .pages import checked_sha

    sha256 = checked_sha(request.path_params["sha256"])
    conn = request.app.state.db()
    current = access.visible_photo(conn, sha256, request.state.viewer)
    clip = motion_of(conn, current["sha256"])
    if clip is None and not current.get("motion_offset"):
        raise NotFound("no motion for this photo")
    owner = clip or current  # a Live Photo's MOV, or the motion photo itself (its clip is inside)
    headers = {"x-content-type-options": "nosniff", "cache-control": "private, max-age=3600"}
    copies: WebCopies = request.app.state.web_copies
    copy = copies.path(owner["sha256"])
    if copy.is_file():
        return _send(request, copy, "video/mp4", headers)
    source = storage.resolve_inside(request.app.state.config.media_dir, owner["path"].removeprefix("media/"))
    if copies.start(owner["sha256"], source, embedded=clip is None):
        headers["retry-after"] = str(RETRY_SECONDS)
        return Response("being prepared", status_code=503, media_type="text/plain", headers=headers)
    raise NotFound("no playable copy of this motion")


def motion_of(conn: Any, item_sha256: str) -> dict[str, Any] | None:
    """The item's motion clip (a Live Photo's MOV, a motion photo's embedded MP4), if it has one."""
    return next((c for c in catalog.companions_of(conn, item_sha256) if c["role"] == "motion"), None)


def companion_item(conn: Any, sha256: str) -> str | None:
    """The item a RAW (or another companion) now belongs to: its published URL redirects there."""
    return catalog.companion_item(conn, sha256)
