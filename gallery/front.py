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

The tree also holds public photos' social cards (cards/<sha256>.jpg, once the app has made one) and
the share folders (shares/<name>/..., see share_folders), which `sync()` keeps in step as well.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import catalog, thumbs
from .config import Config
from .kinds import video

ACCEL_HEADER = "x-gallery-accel"  # set by nginx (proxy_set_header) on every proxied request: the internal prefix
INTERNAL = "/_gallery"
FOLDER_COOKIE = "gallery_shared"  # share_folders.FOLDER_COOKIE: the share folder's name, for nginx
CARD_MAX_AGE = 86400  # social cards (web.mapping sends the same)
WATCH_SECONDS = 0.25


def public_dir(config: Config) -> Path:
    return config.state_dir / "public"


def enabled(config: Config) -> bool:
    return public_dir(config).is_dir()


def link_path(config: Config, sha256: str, size: str) -> Path:
    """Where the public tree holds a derivative: `size` is grid, viewer, video (a video's web copy) or card."""
    if size == VIDEO:
        return public_dir(config) / VIDEO / f"{sha256}.mp4"
    if size == CARD:
        return public_dir(config) / "cards" / f"{sha256}.jpg"  # served at /cards/<sha256>.jpg
    return public_dir(config) / "thumbs" / size / f"{sha256}.webp"


def derivative(sha256: str, size: str) -> str:
    """The derivative's path inside the thumbnails folder."""
    if size == CARD:
        return card_path(sha256)
    return str(video.web_copy_path(sha256) if size == VIDEO else thumbs.derivative_path(sha256, size))


def card_path(sha256: str) -> str:
    """A social card (1200x630 JPEG, web.mapping) inside the thumbnails folder, written on its first request."""
    return f"cards/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def link_target(sha256: str, size: str) -> str:
    """Relative, so that a copied or moved library (a backup) keeps working links."""
    up = "../../../" if size in (VIDEO, CARD) else "../../../../"
    return up + "thumbnails/" + derivative(sha256, size)


VIDEO = "video"  # the public tree's folder of public videos' web copies (served at /photos/<sha256>/video)
CARD = "card"  # social-card images of public photos (og:image, oEmbed)
KINDS = (*thumbs.SIZES, VIDEO, CARD)


@dataclass
class Synced:
    added: int = 0
    removed: int = 0
    next_expiry: str | None = None  # when the first share folder kept must close (share_folders)


@contextmanager
def locked(config: Config) -> Iterator[None]:
    """One sync at a time across processes (several workers, a CLI command)."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with open(config.state_dir / "public.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _public(config: Config) -> dict[str, set[str]]:
    """For each kind of the tree, the sha256 that belong in it."""
    conn = catalog.connect(config.db_path, readonly=True)
    try:
        photos, videos = catalog.public_photo_shas(conn), catalog.public_video_shas(conn)
    finally:
        conn.close()
    return {**{size: photos for size in thumbs.SIZES}, VIDEO: videos, CARD: photos}


def in_step(config: Config, entry: os.DirEntry[str], target: Path) -> bool:
    """A hard link to the derivative `target` itself, or a symlink to it when a hard link cannot be had.

    A symlink whose derivative exists now (made since) is not in step: it becomes a hard link,
    which nginx opens without resolving a link (the public gap to bare nginx, issue 15).
    """
    try:
        if entry.is_symlink():
            relative = os.path.relpath(target, os.path.dirname(entry.path))
            return os.readlink(entry.path) == relative and not _linkable(config, target)
        mine, theirs = entry.stat(follow_symlinks=False), target.stat()
    except OSError:
        return False
    return (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev)


def _linkable(config: Config, target: Path) -> bool:
    """The derivative exists and the public tree can hard-link it (same filesystem, links allowed)."""
    if config.state_dir in _NO_HARD_LINKS:
        return False
    return target.is_file()


_NO_HARD_LINKS: set[Path] = set()  # libraries whose public tree fell back to symlinks (EXDEV, EPERM)


def place(config: Config, final: Path, target: Path) -> None:
    """Atomically put the link `final` to the derivative `target` in place: a hard link if possible, else a
    (relative) symlink.

    A missing derivative gets a (dangling) symlink: nginx finds nothing and asks the app, which makes it.
    """
    tmp = final.parent / f".{final.name}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        if not _linkable(config, target):
            raise FileNotFoundError(target)
        os.link(target, tmp)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            _NO_HARD_LINKS.add(config.state_dir)  # another filesystem: symlinks from now on
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(target, final.parent), tmp)
    os.replace(tmp, final)


def sync(config: Config, create: bool = False) -> Synced:
    """Make the public tree match the catalog: a link per public derivative, none for anything else.

    Removals first: a photo that stopped being public is closed before anything is added. The share
    folders (share_folders) follow the catalog too.
    """
    from . import share_folders

    done = Synced()
    if not (create or enabled(config)) or not config.db_path.exists():
        return done
    with locked(config):
        public = _public(config)
        for size in KINDS:
            folder = link_path(config, "0" * 64, size).parent
            folder.mkdir(parents=True, exist_ok=True)
            suffix = link_path(config, "0" * 64, size).suffix
            present = set()
            for entry in os.scandir(folder):
                sha = entry.name.removesuffix(suffix)
                target = config.thumbs_dir / derivative(sha, size)
                if entry.name.endswith(suffix) and sha in public[size] and in_step(config, entry, target):
                    present.add(sha)
                elif entry.name.endswith(suffix) and sha in public[size]:
                    continue  # public, but a symlink that can become a hard link, or a stale one: replaced below
                else:  # not public any more, a stray file
                    os.unlink(entry.path)
                    done.removed += 1
            for sha in public[size].difference(present):
                existed = link_path(config, sha, size).exists() or link_path(config, sha, size).is_symlink()
                place(config, link_path(config, sha, size), config.thumbs_dir / derivative(sha, size))
                done.added += 0 if existed else 1
        closed, done.next_expiry = share_folders.sync(config)
        done.removed += closed
    return done


def check(config: Config) -> list[str]:
    """Differences between the public tree and the catalog (for `gallery check`), without changing anything."""
    if not enabled(config) or not config.db_path.exists():
        return []
    public = _public(config)
    problems = []
    for size in KINDS:
        folder = link_path(config, "0" * 64, size).parent
        suffix = link_path(config, "0" * 64, size).suffix
        names = {p.name.removesuffix(suffix) for p in folder.glob("*" + suffix)} if folder.is_dir() else set()
        extra, missing = names - public[size], public[size] - names
        if extra:
            problems.append(f"public tree: {len(extra)} {size} link(s) to items that are not public")
        if missing:
            problems.append(f"public tree: {len(missing)} public {size} file(s) without a link")
    from . import share_folders

    return problems + share_folders.check(config)


class Watcher(threading.Thread):
    """In a serving process: sync the public tree whenever the catalog changes (admin pages, other tools)."""

    def __init__(self, config: Config) -> None:
        super().__init__(name="gallery-front-watcher", daemon=True)
        self.config = config
        self.stopped = threading.Event()

    def run(self) -> None:
        from . import share_folders

        version, folders, expiry = None, None, None
        conn = None
        while not self.stopped.wait(WATCH_SECONDS):
            if not enabled(self.config):
                continue  # no nginx front (yet): nothing to keep in step
            try:
                if conn is None:
                    conn = catalog.connect(self.config.db_path, readonly=True)
                current, marker = catalog.data_version(conn), share_folders.marker(self.config)
                # a change, a share folder made or removed (its expiry to learn), a share link expiring
                if current != version or marker != folders or (expiry is not None and catalog.now_iso() >= expiry):
                    expiry = sync(self.config).next_expiry
                    version, folders = current, marker
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

# A visitor with a session or share cookie may be owed more than a public video's web copy (an
# admin gets the original): their /photos/<sha256>/video requests go to the app, which decides.
map $http_cookie $gallery_video_tree {{
    default "/video";
    "~(^|;)[ ]*gallery_(session|share)=" "/-";
}}

# A browser that opened a share link holds the name of that link's share folder (64 hex digits,
# HMAC of the link by the app's secret key) in the cookie {FOLDER_COOKIE}, sent with /thumbs/ requests
# only. Nothing else names a folder: any other value maps to one that does not exist.
map $cookie_{FOLDER_COOKIE} $gallery_share_folder {{
    default "-";
    "~^[0-9a-f]{{64}}$" $cookie_{FOLDER_COOKIE};
}}

server {{
    listen {listen};
    server_name {server_name};

    # /thumbs/ asks the public tree, then the share folder, then the app: a 404 handled twice.
    recursive_error_pages on;

    # Files go from the page cache to the socket without a copy, headers and first bytes in one packet
    # (Debian's nginx.conf says so too; here for a main configuration that does not).
    sendfile on;
    tcp_nopush on;

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

    # Public derivatives (grid and viewer images, video posters, social-card images): straight from disk.
    # {public} holds a hard link (a symlink across filesystems) for each image an anonymous visitor
    # may see, and nothing else;
    # the catalog keeps it in step (publish, unpublish, hide, merge). Anything without a link
    # (private, hidden, shared, not made yet) goes to the app, which decides.
    # Their URLs carry the sha256, so the bytes never change: browsers and CDNs keep them
    # max-age={max_age} seconds (GALLERY_PUBLIC_MAX_AGE; shorten it behind a CDN you cannot purge).
    # (A prefix location: nginx has already normalised the URI, and only links named
    # thumbs/<size>/<sha256>.webp exist in that tree; anything else reaches the app, which answers 404.)
    location /thumbs/ {{
        root {public};
        # no link (private, hidden, shared, not made yet): the share folder, then the app (one open each, no stat)
        log_not_found off;
        error_page 404 = @gallery_shared;
        types {{ }}
        default_type image/webp;
        etag on;
        add_header Cache-Control "public, max-age={max_age}, immutable";
        add_header X-Content-Type-Options nosniff;
    }}

    # The images of the share link this browser opened last: the folder its cookie names holds a hard
    # link for each image of that link's album that is not hidden, and nothing else; revoking, expiring
    # or hiding removes them within a quarter of a second (the serving process's watcher). Sent
    # `private, no-store`, as the app sends them: no shared cache keeps them, and a browser keeps them
    # no longer than the page (a guest's computer, a revoked link). Anything absent: the app decides.
    # (No index, no listing: only thumbs/<size>/<sha256>.webp exist in a folder.)
    location @gallery_shared {{
        root {public}/shares/$gallery_share_folder;
        log_not_found off;
        error_page 404 = @gallery;
        types {{ }}
        default_type image/webp;
        etag on;
        add_header Cache-Control "private, no-store";
        add_header X-Content-Type-Options nosniff;
    }}

    # Social-card images (og:image, oEmbed) of public photos: straight from disk once the app has made
    # one (its first request); the others, and those of photos that are not public, from the app.
    location /cards/ {{
        root {public};
        log_not_found off;
        error_page 404 = @gallery;
        types {{ }}
        default_type image/jpeg;
        etag on;
        add_header Cache-Control "public, max-age={CARD_MAX_AGE}";
        add_header X-Content-Type-Options nosniff;
    }}

    # Public videos' web copies (H.264, no metadata), made by the import's viewer pass: straight from
    # disk for anonymous visitors, with Range. Anything else (a private video, a session or share
    # cookie, a copy not made yet) goes to the app. (A named capture: the map's regex would reset $1.)
    location ~ "^/photos/(?<gallery_sha>[0-9a-f]{{64}})/video$" {{
        root {public};
        try_files $gallery_video_tree/$gallery_sha.mp4 @gallery;
        log_not_found off;
        types {{ }}
        default_type video/mp4;
        etag on;
        add_header Cache-Control "public, max-age=3600";
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
        # the app has decided on every request: keeping the files open saves nginx an open() per image
        open_file_cache max=10000 inactive=60s;
        open_file_cache_valid 10s;
        types {{ }}
        default_type image/webp;
        add_header X-Content-Type-Options nosniff;
    }}
    location {INTERNAL}/thumbnails/video/ {{
        internal;
        alias {root}/thumbnails/video/;
        types {{ }}
        default_type video/mp4;
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
