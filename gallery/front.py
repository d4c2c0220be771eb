"""The nginx front: a public tree of links that nginx may serve without asking, and its server block.

Only what an anonymous visitor may see is reachable without the app. ROOT/.gallery/public/ holds
one relative symlink per public derivative, at the path of its URL:

    .gallery/public/thumbs/grid/<sha256>.webp -> ../../../../thumbnails/grid/ab/cd/<sha256>.webp

nginx serves /thumbs/... from that tree (`try_files`); a URL with no link there goes to the app,
which decides (share link, admin) and answers with `X-Accel-Redirect` to an internal location, so
nginx sends the bytes and Python never streams a file. The tree follows the catalog: `sync()` runs
after every `gallery` command that may change it, and a serving process watches the catalog's
version (PRAGMA data_version, every WATCH_SECONDS) for changes made through the admin pages.
`gallery check --repair` rebuilds it. The tree exists only once `gallery nginx-config` (or
`gallery front sync`) has made it: a library served without nginx keeps none.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import catalog, thumbs
from .config import Config

ACCEL_HEADER = "x-gallery-accel"  # set by nginx (proxy_set_header) on every proxied request: the internal prefix
INTERNAL = "/_gallery"
WATCH_SECONDS = 0.25


def public_dir(config: Config) -> Path:
    return config.state_dir / "public"


def enabled(config: Config) -> bool:
    return public_dir(config).is_dir()


def link_path(config: Config, sha256: str, size: str) -> Path:
    return public_dir(config) / "thumbs" / size / f"{sha256}.webp"


def link_target(sha256: str, size: str) -> str:
    """Relative, so that a copied or moved library (a backup) keeps working links."""
    return "../../../../thumbnails/" + str(thumbs.derivative_path(sha256, size))


@dataclass
class Synced:
    added: int = 0
    removed: int = 0


@contextmanager
def _locked(config: Config) -> Iterator[None]:
    """One sync at a time across processes (several workers, a CLI command)."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with open(config.state_dir / "public.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(config: Config, create: bool = False) -> Synced:
    """Make the public tree match the catalog: a link per public derivative, none for anything else.

    Removals first: a photo that stopped being public is closed before anything is added.
    """
    done = Synced()
    if not (create or enabled(config)) or not config.db_path.exists():
        return done
    with _locked(config):
        conn = catalog.connect(config.db_path, readonly=True)
        try:
            public = catalog.public_photo_shas(conn)
        finally:
            conn.close()
        for size in thumbs.SIZES:
            folder = public_dir(config) / "thumbs" / size
            folder.mkdir(parents=True, exist_ok=True)
            present = {}
            for entry in os.scandir(folder):
                sha = entry.name.removesuffix(".webp")
                if (
                    entry.name.endswith(".webp")
                    and sha in public
                    and entry.is_symlink()
                    and os.readlink(entry.path) == link_target(sha, size)
                ):
                    present[sha] = entry.path
                else:  # not public any more, a stray file, or a link to the wrong place
                    os.unlink(entry.path)
                    done.removed += 1
            for sha in public.difference(present):
                tmp = folder / f".{sha}.{os.getpid()}.tmp"
                tmp.unlink(missing_ok=True)
                os.symlink(link_target(sha, size), tmp)
                os.replace(tmp, folder / f"{sha}.webp")
                done.added += 1
    return done


def check(config: Config) -> list[str]:
    """Differences between the public tree and the catalog (for `gallery check`), without changing anything."""
    if not enabled(config) or not config.db_path.exists():
        return []
    conn = catalog.connect(config.db_path, readonly=True)
    try:
        public = catalog.public_photo_shas(conn)
    finally:
        conn.close()
    problems = []
    for size in thumbs.SIZES:
        folder = public_dir(config) / "thumbs" / size
        names = {p.name.removesuffix(".webp") for p in folder.glob("*.webp")} if folder.is_dir() else set()
        extra, missing = names - public, public - names
        if extra:
            problems.append(f"public tree: {len(extra)} {size} link(s) to photos that are not public")
        if missing:
            problems.append(f"public tree: {len(missing)} public {size} image(s) without a link")
    return problems


class Watcher(threading.Thread):
    """In a serving process: sync the public tree whenever the catalog changes (admin pages, other tools)."""

    def __init__(self, config: Config) -> None:
        super().__init__(name="gallery-front-watcher", daemon=True)
        self.config = config
        self.stopped = threading.Event()

    def run(self) -> None:
        version = None
        conn = None
        while not self.stopped.wait(WATCH_SECONDS):
            if not enabled(self.config):
                continue  # no nginx front (yet): nothing to keep in step
            try:
                if conn is None:
                    conn = catalog.connect(self.config.db_path, readonly=True)
                current = catalog.data_version(conn)
                if current != version:
                    sync(self.config)
                    version = current
            except Exception:  # a catalog being replaced, a full disk: try again on the next tick
                if conn is not None:
                    conn.close()
                conn, version = None, None

    def stop(self) -> None:
        self.stopped.set()


def watch(config: Config) -> Watcher:
    watcher = Watcher(config)
    watcher.start()
    return watcher


def accel_prefix(value: bytes | None) -> str | None:
    """The internal prefix nginx announced, if it looks like one (a direct client gets plain bytes)."""
    if not value:
        return None
    text = value.decode("latin-1")
    if not text.startswith("/") or not all(c.isalnum() or c in "/_-" for c in text):
        return None
    return text.rstrip("/")


# -- the server block -----------------------------------------------------------------------------

STATIC = Path(__file__).resolve().parent / "static"  # the package's CSS, JS and icons (web.app serves the same)


def nginx_config(config: Config, server_name: str = "_", listen: str = "80", upstream: str = "127.0.0.1:8000") -> str:
    """A complete, commented nginx configuration for this library: an `upstream` and a `server` block."""
    root = config.root.resolve()
    public = public_dir(config).resolve()
    max_age = config.public_max_age
    body_limit = config.upload_max_bytes // (1024 * 1024) + 16
    return f"""# nginx server block for the gallery at {root}
# Generated by `gallery nginx-config`; regenerate it after moving the library or upgrading.
# Put it in /etc/nginx/sites-available/gallery (or conf.d/gallery.conf) and `nginx -t && systemctl reload nginx`.
# nginx's worker user (www-data on Debian) must be able to read {root}/thumbnails, {root}/media,
# {public} and {STATIC}.

# The app, with connections kept open between nginx and it (a new TCP connection per proxied
# request would cost more than the app's own work on a shared image).
upstream gallery_app {{
    server {upstream};
    keepalive 32;
}}

server {{
    listen {listen};
    server_name {server_name};

    # Browser uploads: GALLERY_UPLOAD_MAX_BYTES plus room for the form.
    client_max_body_size {body_limit}m;

    # Every proxied request tells the app that nginx sends files for it (X-Accel-Redirect to {INTERNAL}/).
    # proxy_set_header replaces whatever a client sent in these headers.
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Gallery-Accel {INTERNAL};
    proxy_http_version 1.1;
    proxy_set_header Connection "";

    # Public derivatives (grid and viewer images, social-card images): straight from disk.
    # {public} holds a link for each image an anonymous visitor may see, and nothing else;
    # the catalog keeps it in step (publish, unpublish, hide, merge). Anything without a link
    # (private, hidden, shared, not made yet) goes to the app, which decides.
    # Their URLs carry the sha256, so the bytes never change: browsers and CDNs keep them
    # max-age={max_age} seconds (GALLERY_PUBLIC_MAX_AGE; shorten it behind a CDN you cannot purge).
    # (A prefix location: nginx has already normalised the URI, and only links named
    # thumbs/<size>/<sha256>.webp exist in that tree; anything else reaches the app, which answers 404.)
    location /thumbs/ {{
        root {public};
        # no link (private, hidden, shared, not made yet): the app decides (one open, no extra stat)
        log_not_found off;
        error_page 404 = @gallery;
        types {{ }}
        default_type image/webp;
        etag on;
        add_header Cache-Control "public, max-age={max_age}, immutable";
        add_header X-Content-Type-Options nosniff;
    }}

    # The app's own CSS and scripts under hashed names (style.3f2a9c1b0d.css, as pages link them):
    # a new release gets new names, so these are kept for a year.
    location ~ "^/static/(?<stem>[A-Za-z0-9_./-]+)\\.[0-9a-f]{{10}}\\.(?<ext>css|js)$" {{
        alias {STATIC}/$stem.$ext;
        etag on;
        add_header Cache-Control "public, max-age=31536000, immutable";
        add_header X-Content-Type-Options nosniff;
    }}
    # The same files and the icons under their plain names (Leaflet asks for its images so): an hour.
    location /static/ {{
        alias {STATIC}/;
        etag on;
        add_header Cache-Control "public, max-age=3600";
        add_header X-Content-Type-Options nosniff;
    }}

    # Files the app decided to send (share links, admins, originals): reachable only through
    # X-Accel-Redirect from the app, never by a visitor's URL (internal).
    location {INTERNAL}/thumbnails/ {{
        internal;
        alias {root}/thumbnails/;
        types {{ }}
        default_type image/webp;
        add_header X-Content-Type-Options nosniff;
    }}
    location {INTERNAL}/media/ {{
        internal;
        alias {root}/media/;
        add_header X-Content-Type-Options nosniff;
    }}
    location {INTERNAL}/public-originals/ {{
        internal;
        alias {root}/.gallery/public-originals/;
        add_header X-Content-Type-Options nosniff;
    }}

    # Everything else: pages, API, admin, uploads, ZIPs.
    location / {{
        proxy_pass http://gallery_app;
        proxy_read_timeout 300s;
        proxy_request_buffering off;
    }}
    location @gallery {{
        proxy_pass http://gallery_app;
    }}
}}
"""
