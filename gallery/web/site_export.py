"""`gallery export-site DEST`: the published gallery as static files, for any static host or CDN.

The pages are not re-rendered here: the app itself is asked for them, in process, as an anonymous
visitor, and every link, image, feed and oEmbed URL found is followed (a crawl). So the copy is the
live site's own HTML, and whatever the live site adds (paging with `?page=2`, a map) is picked up
without a change here; whatever an anonymous visitor cannot see cannot be in the copy.

URLs become files that every static host serves without configuration:

- a page `/albums/x` is `albums/x/index.html`, linked as `/albums/x/` (a directory index);
- a page with a query string (`/albums/x?page=2`) is a path of its own (`/albums/x/page-2/`);
- bytes with no extension (an original, an album ZIP, oEmbed JSON) get one from their type;
- search is a small client-side index (`/search/index.json` of public album titles, places and
  days, read by `/static/site-search.js`): `/search/?q=…` works on a static host;
- links to what is not exported (log in, the language switch, admin) are removed.

Re-running compares bytes: unchanged files are left alone (their mtime kept), changed ones are
replaced atomically (temp file + rename: a killed export leaves no half-written file), and files
no longer exported (an unpublished album) are deleted. Every image is checked by `leakcheck`, and
every photo or album in the copy against the catalog's public set, before anything is written.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import http.cookiejar
import json
import mimetypes
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx2

from .. import catalog, i18n, leakcheck, storage
from ..config import Config
from ..errors import GalleryError

MARKER = ".gallery-export"
PLACEHOLDER_BASE = "http://export.invalid"
SEARCH_SCRIPT = "/static/site-search.js"
SEARCH_INDEX = "/search/index.json"
# Never part of a public copy: sessions, the admin, share links, the health probe.
EXCLUDED = ("/admin", "/login", "/logout", "/s/", "/healthz", "/api/")
EXCLUDED_PARAMS = {"lang"}  # the language switch (the copy is in one language)
URL_ATTRIBUTES = re.compile(
    r'\s(href|src|action|poster|content|data-src|data-back|data-prev|data-next|data-prev-image|data-next-image)="([^"]*)"'
)
SRCSET = re.compile(r'\s(srcset|imagesrcset)="([^"]*)"')
ANCHOR = re.compile(r"<a\b[^>]*>.*?</a>", re.S)
LINK_TAG = re.compile(r"<link\b[^>]*>")
EMPTY_ITEM = re.compile(r"<li>\s*</li>")
TEXT_TYPES = ("text/", "application/json", "application/atom+xml", "application/xml", "application/javascript")
IMAGE_TYPES = ("image/", "video/")
SHA_PATH = re.compile(r"^/(?:photos|thumbs/[a-z]+)/([0-9a-f]{64})(?:\.[a-z0-9]+)?(?:/|$)")
SLUG_PATH = re.compile(r"^/(?:albums|embed)/([^/]+)")
CONCURRENCY = 4
# The rest of an absolute URL in text: up to a quote, space, bracket or an entity other than &amp;
# (`&quot;` and `&#34;` end a URL quoted inside escaped HTML, such as the embed snippet).
ABSOLUTE_TAIL = r"/(?:&amp;|[^\s\"'<>\\)&])*"


@dataclass
class Fetched:
    """One exported URL: where it goes and its bytes (text kept until links are rewritten)."""

    key: str  # path?query as requested
    url: str  # its static URL (a path)
    file: str  # its file, relative to DEST
    kind: str  # "html", "text" or "bytes"
    body: bytes


@dataclass
class Report:
    wrote: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # links found but not exported (404 on the live site)


def check_destination(dest: Path, config: Config, sources: Iterable[str]) -> Path:
    """DEST resolved, or a clear error: never the library, a source, or a folder that is not an export."""
    target = dest.expanduser().resolve()
    forbidden = [config.root.resolve()] + [Path(s).expanduser().resolve() for s in sources if s]
    for place in forbidden:
        if target == place or place in target.parents or target in place.parents:
            raise GalleryError(
                f"refusing to export into {target}: it overlaps {place} (the library or an import source)"
            )
    if target.exists() and not target.is_dir():
        raise GalleryError(f"{target} is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise GalleryError(
            f"{target} is not empty and holds no earlier export ({MARKER}): give an empty or new folder "
            "(an export deletes what it did not write)"
        )
    return target


def export_site(
    config: Config,
    dest: Path,
    base_url: str | None = None,
    lang: str = i18n.DEFAULT,
    echo: Callable[[str], None] = lambda line: None,
) -> Report:
    """Crawl the app as an anonymous visitor and write the copy into `dest` (see the module's text)."""
    if not config.db_path.exists():
        raise GalleryError(f"no catalog at {config.db_path}: run `gallery import` first")
    base = (base_url or config.base_url or "").rstrip("/")
    if base and not re.fullmatch(r"https?://[^/?#\s]+(?:/[^?#\s]*)?", base):
        raise GalleryError(f"--base-url must look like https://photos.example.org, not {base!r}")
    if base and urlsplit(base).path not in ("", "/"):
        raise GalleryError("--base-url must be the root of a host (the pages link to /albums/…, /static/…)")
    with catalog.connection(config.db_path, readonly=True) as conn:
        sources = catalog.import_sources(conn)
        target = check_destination(dest, config, sources)
        public_shas = catalog.public_photo_shas(conn)
        albums = catalog.list_albums(conn, published_only=True)
        redirects = catalog.album_redirects(conn)
    public_slugs = {album["slug"] for album in albums}
    live = replace(config, base_url=base or PLACEHOLDER_BASE)
    seeds = ["/", "/timeline", "/places", "/search", "/map", "/feed.atom"]
    seeds += [f"/static/{p.relative_to(STATIC).as_posix()}" for p in sorted(STATIC.rglob("*")) if p.is_file()]
    for slug in sorted(public_slugs):  # reachable by URL on the live site even where no page links them
        seeds += [f"/albums/{slug}", f"/embed/{slug}"]
    crawl = Crawl(live, lang)
    fetched, dropped = asyncio.run(crawl.run(seeds))
    _check_public(fetched, public_shas, public_slugs)
    index = _search_index(albums, fetched, lang)
    if index is not None:
        fetched[SEARCH_INDEX] = Fetched(SEARCH_INDEX, SEARCH_INDEX, "search/index.json", "text", index)
    mapping = {key: item.url for key, item in fetched.items()}
    prefix = base or PLACEHOLDER_BASE
    report = Report(dropped=sorted(dropped))
    files: dict[str, bytes] = {}
    for item in fetched.values():
        body = item.body
        if item.kind == "html":
            body = rewrite_html(body.decode(), item.key, mapping, prefix, base).encode()
            if item.key == "/search":
                body = body.replace(b"</head>", f'<script src="{SEARCH_SCRIPT}" defer></script>\n</head>'.encode(), 1)
        elif item.kind == "text":
            body = rewrite_text(body.decode(), mapping, prefix, base).encode()
        files[item.file] = body
    for name, body in redirect_pages(redirects, public_slugs, mapping, base, lang).items():
        files.setdefault(name, body)  # a page the crawl wrote (an album holding the slug now) wins
    target.mkdir(parents=True, exist_ok=True)
    write_if_changed(target, MARKER, b"gallery export-site: files here are replaced and deleted by the next export\n")
    for name in sorted(files):
        if write_if_changed(target, name, files[name]):
            report.wrote.append(name)
            echo(f"wrote {name}")
        else:
            report.kept.append(name)
    report.deleted = remove_others(target, set(files))
    for name in report.deleted:
        echo(f"deleted {name}")
    storage.sync_all()
    return report


STATIC = Path(__file__).resolve().parent.parent / "static"


# -- album redirects (H18) --------------------------------------------------------------------------

OLD_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


def redirect_pages(
    redirects: Iterable[tuple[str, Any]], public_slugs: set[str], mapping: dict[str, str], base: str, lang: str
) -> dict[str, bytes]:
    """A small page (meta refresh + canonical link) at each old address of a public album and its embed.

    A static host cannot answer 301 by itself; only albums in the copy get one, so a private album's
    new slug is never written down, and an old slug a public album holds again is left to it."""
    out: dict[str, bytes] = {}
    for old, album in redirects:
        if album["slug"] not in public_slugs or old in public_slugs or not OLD_SLUG.fullmatch(old):
            continue
        for prefix in ("albums", "embed"):
            url = mapping.get(f"/{prefix}/{album['slug']}")
            if url is not None:
                out[f"{prefix}/{old}/index.html"] = redirect_page(url, base + url, album["title"], lang)
    return out


def redirect_page(url: str, canonical: str, title: str, lang: str) -> bytes:
    link, name = html.escape(url), html.escape(title)
    return (
        f'<!doctype html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{name}</title>"
        f'<link rel="canonical" href="{html.escape(canonical)}">'
        f'<meta http-equiv="refresh" content="0; url={link}"><meta name="robots" content="noindex">'
        f'</head><body><p><a href="{link}">{name}</a></p></body></html>\n'
    ).encode()


class Crawl:
    """Breadth-first GETs through the app (ASGI, in process), as an anonymous visitor."""

    def __init__(self, config: Config, lang: str) -> None:
        self.config, self.lang = config, lang
        self.base = config.base_url
        self.fetched: dict[str, Fetched] = {}
        self.dropped: set[str] = set()
        self.seen: set[str] = set()
        self.used_files: set[str] = set()

    async def run(self, seeds: list[str]) -> tuple[dict[str, Fetched], set[str]]:
        from .app import create_app

        app = create_app(self.config)
        queue: asyncio.Queue[str] = asyncio.Queue()
        optional = {"/map"}
        for seed in seeds:
            self._enqueue(queue, seed)
        transport = httpx2.ASGITransport(app=app)
        # a jar that keeps no cookie: every request is an anonymous visitor's first
        jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        async with httpx2.AsyncClient(transport=transport, base_url=self.base, cookies=jar) as client:
            failures: list[BaseException] = []

            async def worker() -> None:
                while True:
                    key = await queue.get()
                    try:
                        if not failures:  # after a failure the queue only drains
                            await self._fetch(client, queue, key, key in optional)
                    except Exception as exc:
                        failures.append(exc)
                    finally:
                        queue.task_done()

            workers = [asyncio.create_task(worker()) for _ in range(CONCURRENCY)]
            try:
                await queue.join()
            finally:
                for task in workers:
                    task.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
            if failures:
                raise failures[0]
        return self.fetched, self.dropped

    def _enqueue(self, queue: asyncio.Queue[str], key: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            queue.put_nowait(key)

    async def _fetch(self, client: Any, queue: asyncio.Queue[str], key: str, optional: bool) -> None:
        headers = {"accept-language": self.lang, "accept": "text/html,application/json,*/*"}
        response = await client.get(key, headers=headers)
        if response.status_code != 200:
            if response.status_code >= 500:
                raise GalleryError(f"the app answered {response.status_code} for {key}: fix that before exporting")
            if not optional:
                self.dropped.add(key)
            return
        ctype = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
        kind = "html" if ctype == "text/html" else "text" if ctype.startswith(TEXT_TYPES) else "bytes"
        url, file = self._place(key, ctype, kind, response.headers.get("content-disposition", ""))
        body = response.content
        if ctype.startswith(IMAGE_TYPES):
            found = leakcheck.findings(body, ctype.split("/")[1])
            if found:
                raise GalleryError(f"{key} may still hold a location ({found[0]}): nothing was exported")
        self.fetched[key] = Fetched(key, url, file, kind, body)
        if kind == "bytes":
            return
        text = body.decode("utf-8", "replace")
        for link in links_in(text, kind, self.base):
            internal = self._internal(link, key)
            if internal is not None and not _excluded(internal) and not _is_search_query(internal):
                self._enqueue(queue, internal)

    def _internal(self, link: str, page: str) -> str | None:
        return internal_key(link, page, self.base)

    def _place(self, key: str, ctype: str, kind: str, disposition: str) -> tuple[str, str]:
        """The static URL and file of an exported URL (unique: a clash gets a hash)."""
        parts = urlsplit(key)
        path, query = parts.path, parts.query
        segments = [quote(s, safe="@!$&'()*+,;=-._~") for s in path.split("/") if s]
        if query:
            segments.append(_query_name(query, path))
        last = segments[-1] if segments else ""
        if kind == "html":
            url = "/" + "".join(s + "/" for s in segments)
            file = "".join(s + "/" for s in segments) + "index.html"
        elif not query and "." in last:
            url, file = path, "/".join(segments)
        else:
            ext = _extension(ctype, disposition)
            name = "/".join(segments or ["index"]) + ext
            url, file = "/" + name, name
        if file in self.used_files or file == MARKER:
            digest = hashlib.sha256(key.encode()).hexdigest()[:12]
            stem, dot, ext = file.rpartition(".")
            file = f"{stem}-{digest}.{ext}" if dot else f"{file}-{digest}"
            url = "/" + file.removesuffix("index.html")
        self.used_files.add(file)
        return url, file


def _query_name(query: str, path: str = "") -> str:
    """`page=2` → `page-2`; oEmbed's `url=…/albums/x&format=json` → `x`; long or odd queries → a short hash."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if path == "/oembed":
        named = dict(pairs)
        slug = urlsplit(named.get("url", "")).path.rstrip("/").rpartition("/")[2]
        if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,80}", slug) and set(named) <= {"url", "format"}:
            return slug
    name = "_".join(f"{k}-{v}" if v else k for k, v in pairs)
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    if not clean or len(clean) > 60 or clean != name:
        return (clean[:40] + "-" if clean else "q-") + hashlib.sha256(query.encode()).hexdigest()[:12]
    return clean


def _extension(ctype: str, disposition: str) -> str:
    match = re.search(r'filename="?([^";]+)"?', disposition)
    if match and "." in match.group(1):
        ext = "." + match.group(1).rsplit(".", 1)[1].lower()
        if re.fullmatch(r"\.[a-z0-9]{1,8}", ext):
            return ext
    special = {"application/json": ".json", "application/atom+xml": ".atom", "image/jpeg": ".jpg"}
    return special.get(ctype) or mimetypes.guess_extension(ctype) or ".bin"


def _excluded(key: str) -> bool:
    parts = urlsplit(key)
    if parts.path == "/api/map":
        return False  # the maps' data (town-level for visitors): a JSON file in the copy
    if parts.path.endswith("/motion"):
        return True  # Live Photo clips are made on demand: the copy shows the still
    if parts.path == "/oembed" and "/photos/" in dict(parse_qsl(parts.query)).get("url", ""):
        return True  # a photo's oEmbed: one file per photo is not worth it; the copy keeps the albums'
    if any(k in EXCLUDED_PARAMS for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return True
    return any(parts.path == p.rstrip("/") or parts.path.startswith(p.rstrip("/") + "/") for p in EXCLUDED)


def _is_search_query(key: str) -> bool:
    parts = urlsplit(key)
    return parts.path == "/search" and bool(parts.query)


def internal_key(link: str, page: str, base: str) -> str | None:
    """`path?query` of a link to this gallery (absolute, root-relative or relative to `page`), else None."""
    link = link.strip()
    if not link or link.startswith(("#", "data:", "mailto:", "javascript:")):
        return None
    if link.startswith("//"):
        return None
    if base and (link == base or link.startswith(base + "/")):
        link = link[len(base) :] or "/"
    elif re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I):
        return None  # another site
    absolute = urljoin("http://x" + urlsplit(page).path, link)
    parts = urlsplit(absolute)
    return parts.path + ("?" + parts.query if parts.query else "")


def links_in(text: str, kind: str, base: str) -> list[str]:
    """Every URL a page, a feed or a JSON document points to (attributes, srcset, absolute URLs)."""
    found: list[str] = []
    if kind == "html":
        for name, value in URL_ATTRIBUTES.findall(text):
            value = html.unescape(value)
            if name in ("href", "src", "action") or value.startswith("/") or (base and value.startswith(base)):
                found.append(value)
        for _, value in SRCSET.findall(text):
            found += [entry.strip().split(" ")[0] for entry in html.unescape(value).split(",") if entry.strip()]
    if base:
        found += [html.unescape(m) for m in re.findall(re.escape(base) + ABSOLUTE_TAIL, text)]
    found += re.findall(r"url\((?:'|\")?(/[^)'\"]+)", text)
    return found


def static_link(link: str, page: str, mapping: dict[str, str], prefix: str, base: str) -> str | None:
    """The link as it must read in the copy; None when it leads to something not exported."""
    key = internal_key(link, page, prefix)
    if key is None:
        return link
    fragment = "#" + link.split("#", 1)[1] if "#" in link else ""
    absolute = link.startswith(prefix + "/") or link == prefix
    if _is_search_query(key) and not _excluded(key):
        url = "/search/?" + urlsplit(key).query
    elif key in mapping:
        url = mapping[key]
    else:
        return None
    return (base + url if absolute else url) + fragment


def rewrite_html(text: str, page: str, mapping: dict[str, str], prefix: str, base: str) -> str:
    """Links to exported URLs point to their files; anchors and link tags to anything else are removed."""

    def gone(tag: str) -> bool:
        for name, value in URL_ATTRIBUTES.findall(tag):
            if name in ("href", "src") and static_link(html.unescape(value), page, mapping, prefix, base) is None:
                return True
        return False

    text = ANCHOR.sub(lambda m: "" if gone(m.group(0).split(">", 1)[0]) else m.group(0), text)
    text = LINK_TAG.sub(lambda m: "" if gone(m.group(0)) else m.group(0), text)
    text = EMPTY_ITEM.sub("", text)

    def attribute(match: re.Match[str]) -> str:
        name, value = match.group(1), html.unescape(match.group(2))
        if name == "content" and not (value.startswith(prefix + "/") or value.startswith("/")):
            return match.group(0)
        if not value or (not value.startswith(("/", "?", prefix)) and name not in ("href", "src", "action")):
            return match.group(0)
        new = static_link(value, page, mapping, prefix, base)
        return f' {name}="{html.escape(new if new is not None else value, quote=True)}"'

    def srcset(match: re.Match[str]) -> str:
        entries = []
        for entry in html.unescape(match.group(2)).split(","):
            url, _, size = entry.strip().partition(" ")
            new = static_link(url, page, mapping, prefix, base) or url
            entries.append(f"{new} {size}".strip())
        return f' {match.group(1)}="{html.escape(", ".join(entries), quote=True)}"'

    text = URL_ATTRIBUTES.sub(attribute, text)
    text = SRCSET.sub(srcset, text)
    return rewrite_text(text, mapping, prefix, base)


def rewrite_text(text: str, mapping: dict[str, str], prefix: str, base: str) -> str:
    """Absolute URLs of this gallery (feeds, JSON, og: tags, snippets) point to their files."""

    def one(match: re.Match[str]) -> str:
        raw = match.group(0)
        value = html.unescape(raw)
        new = static_link(value, "/", mapping, prefix, base)
        if new is None:
            return raw if base else raw[len(prefix) :] or "/"
        return html.escape(new, quote=False) if "&amp;" in raw else new

    return re.sub(re.escape(prefix) + f"(?:{ABSOLUTE_TAIL})?", one, text)


def _check_public(fetched: dict[str, Fetched], shas: set[str], slugs: set[str]) -> None:
    """Defence in depth: every photo and album in the copy is public in the catalog right now."""
    for key in fetched:
        path = urlsplit(key).path
        sha = SHA_PATH.match(path)
        if sha and sha.group(1) not in shas:
            raise GalleryError(f"{key} is not a public photo: nothing was exported")
        slug = SLUG_PATH.match(path)
        if slug and slug.group(1) not in slugs:
            raise GalleryError(f"{key} is not a published album: nothing was exported")


def _search_index(albums: list[Any], fetched: dict[str, Fetched], lang: str) -> bytes | None:
    """Public album titles, places and days, for the client-side search of the copy."""
    if "/search" not in fetched:
        return None
    entries = []
    for album in albums:
        page = fetched.get(f"/albums/{album['slug']}")
        if page is None:
            continue  # not reachable as an anonymous visitor: not in the copy, not in its index
        cover = album.get("cover_sha256")
        grid = f"/thumbs/grid/{cover}.webp" if cover else None
        entries.append(
            {
                "url": page.url,
                "title": album["title"],
                "place": album.get("place") or "",
                "country": album.get("country") or "",
                "mission": album.get("mission") or "",
                "start": _day(album.get("start_utc"), album.get("timezone")),
                "end": _day(album.get("end_utc"), album.get("timezone")),
                "cover": fetched[grid].url if grid and grid in fetched else None,
                "photos": album.get("photo_count", 0),
            }
        )
    words = {key: i18n.text(key, lang) for key in ("results", "no_results", "search_albums", "static_search_note")}
    return json.dumps({"lang": lang, "words": words, "albums": entries}, ensure_ascii=False, indent=1).encode()


def _day(moment: str | None, zone: str | None) -> str:
    if not moment:
        return ""
    try:
        when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        if zone and when.tzinfo is not None:
            when = when.astimezone(ZoneInfo(zone))
    except (ValueError, KeyError):
        return moment[:10]
    return when.date().isoformat()


def write_if_changed(dest: Path, name: str, data: bytes) -> bool:
    """Write `name` atomically unless it already holds exactly `data` (its mtime is then kept)."""
    target = dest / name
    for parent in reversed(target.relative_to(dest).parents[:-1]):
        place = dest / parent
        if place.exists() and not place.is_dir():
            place.unlink()  # an earlier export's file where a folder is needed now
    if target.is_dir():
        shutil.rmtree(target)
    elif target.is_file():
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    storage.write_atomic(target, data, durable=False)
    return True


def remove_others(dest: Path, keep: set[str]) -> list[str]:
    """Delete every file of `dest` not written by this export (and leftovers of a killed one)."""
    deleted = []
    for path in sorted(dest.rglob("*"), reverse=True):
        name = path.relative_to(dest).as_posix()
        if path.is_symlink() or path.is_file():
            if name not in keep and name != MARKER:
                path.unlink()
                if not path.name.endswith(storage.TEMP_SUFFIX):
                    deleted.append(name)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(deleted)


def nginx_config(dest: Path, port: int) -> str:
    """A minimal nginx server block for the copy (used by the tests; the README shows the same)."""
    return (
        f"server {{\n  listen 127.0.0.1:{port};\n  root {dest};\n  index index.html;\n"
        "  location / { try_files $uri $uri/ =404; }\n}\n"
    )


def sizes(dest: Path) -> tuple[int, int]:
    """Files and bytes of an export (for the command's summary)."""
    count = total = 0
    for path in dest.rglob("*"):
        if path.is_file():
            count += 1
            total += path.stat().st_size
    return count, total
