"""`gallery export-site`: the static copy holds the public gallery and nothing else, and stays in step.

The demo library is exported for real (the app crawled as an anonymous visitor), then checked file
by file against the catalog; the copy is served by a real nginx and walked in a real Chromium.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from gallery import catalog, leakcheck
from gallery.web.site_export import MARKER

from .conftest import Gallery, snapshot

BASE = "https://photos.example.org"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
IN_ALBUM = (
    "SELECT p.sha256 FROM photos p JOIN album_photos ap ON ap.photo_id = p.id JOIN albums a ON a.id = ap.album_id"
)
IMAGE_KINDS = {".webp": "webp", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".heic": "heif", ".tif": "tiff"}


def export(gallery: Gallery, dest: Path, *extra: str, ok: bool = True) -> tuple[str, str]:
    result = gallery("export-site", str(dest), "--base-url", BASE, *extra, ok=ok)
    return result.stdout, result.stderr


def files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}


def private_state(gallery: Gallery) -> tuple[set[str], set[str], list[dict[str, object]]]:
    """sha256 nobody anonymous may see, slugs of unpublished albums, positions of every photo."""
    public = {
        r["sha256"]
        for r in gallery.rows(f"{IN_ALBUM} WHERE a.published = 1 AND a.merged_into IS NULL AND ap.hidden = 0")
    }
    every = {r["sha256"] for r in gallery.rows("SELECT sha256 FROM photos")}
    unpublished = {r["slug"] for r in gallery.rows("SELECT slug FROM albums WHERE published = 0")}
    positions = gallery.rows("SELECT sha256, lat, lon FROM photos WHERE lat IS NOT NULL")
    return every - public, unpublished, positions


def _points(data: object) -> list[tuple[float, float]]:
    """Every (lat, lon) pair anywhere in a JSON document."""
    if isinstance(data, dict):
        found = [(float(data["lat"]), float(data["lon"]))] if "lat" in data and "lon" in data else []
        return found + [p for value in data.values() for p in _points(value)]
    if isinstance(data, list):
        return [p for value in data for p in _points(value)]
    return []


def assert_nothing_private(gallery: Gallery, dest: Path) -> dict[str, bytes]:
    hidden, unpublished, positions = private_state(gallery)
    assert hidden and unpublished, "the fixture must hold something private to prove anything"
    exported = files(dest)
    assert "index.html" in exported and any(name.startswith("thumbs/viewer/") for name in exported)
    for name, data in exported.items():
        for sha in hidden:
            assert sha not in name and sha.encode() not in data, f"{name} names private photo {sha[:12]}"
        for slug in unpublished:
            assert slug not in name and f"/albums/{slug}".encode() not in data, f"{name} names {slug}"
        assert not name.startswith(("admin", "login", "s/")), name
        assert not name.startswith("api/") or name.startswith("api/map"), name
        assert b'href="/admin' not in data and b'href="/login' not in data, name
        if name.startswith("api/map"):  # the maps' data: towns' centres, never a photo's own position
            exact = {(round(float(p["lat"]), 5), round(float(p["lon"]), 5)) for p in positions}  # type: ignore[arg-type]
            shown = {(round(lat, 5), round(lon, 5)) for lat, lon in _points(json.loads(data))}
            assert not shown & exact, f"{name} holds a photo's own position"
        elif name.endswith((".json", ".atom", ".html")):
            assert not re.search(rb'"(lat|lon|latitude|longitude)"\s*:', data), f"{name} holds a position"
        suffix = Path(name).suffix.lower()
        if suffix in IMAGE_KINDS:
            sha = re.search(r"[0-9a-f]{64}", name)
            where = next((p for p in positions if sha and p["sha256"] == sha.group()), None)
            coordinates = (float(where["lat"]), float(where["lon"])) if where else None  # type: ignore[arg-type]
            assert leakcheck.findings(data, IMAGE_KINDS[suffix], coordinates) == [], name
        if suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    kind = IMAGE_KINDS.get(Path(member).suffix.lower())
                    if kind:
                        assert leakcheck.findings(archive.read(member), kind) == [], f"{name}: {member}"
    return exported


@pytest.fixture
def exported(library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Gallery, Path]:
    """The demo (IOT Valley unpublished) with one hidden photo, originals public, exported once."""
    monkeypatch.setenv("GALLERY_PUBLIC_ORIGINALS", "1")
    gallery = Gallery(library)
    sha = gallery.rows(f"{IN_ALBUM} WHERE a.slug = 'la-melee-numerique-2017' ORDER BY p.id LIMIT 1")[0]["sha256"]
    gallery("albums", "hide", "la-melee-numerique-2017", sha)
    dest = tmp_path / "site"
    out, _ = export(gallery, dest)
    assert re.search(r"^\d+ written, 0 kept, 0 deleted", out, re.M), out
    return gallery, dest


def test_export_holds_the_public_gallery_and_nothing_private(exported: tuple[Gallery, Path]) -> None:
    gallery, dest = exported
    copy = assert_nothing_private(gallery, dest)
    for page in ("index.html", "timeline/index.html", "places/index.html", "search/index.html", "feed.atom"):
        assert page in copy, page
    assert "albums/la-melee-numerique-2017/index.html" in copy
    assert "embed/la-melee-numerique-2017/index.html" in copy
    assert "static/style.css" in copy and "search/index.json" in copy
    assert any(name.startswith("photos/") and "/original" in name for name in copy), "public originals offered live"
    oembed = json.loads(copy["oembed/la-melee-numerique-2017.json"])
    assert oembed["html"].count(f"{BASE}/embed/la-melee-numerique-2017/") == 1
    assert oembed["thumbnail_url"].startswith(f"{BASE}/cards/")  # the social card, exported with the pages
    assert oembed["thumbnail_url"].removeprefix(f"{BASE}/") in copy
    album = copy["albums/la-melee-numerique-2017/index.html"].decode()
    assert "?lang=" not in album and 'href="/photos/' in album
    assert "/search?" not in copy["places/index.html"].decode()  # place links go to the static search
    index = json.loads(copy["search/index.json"])
    assert {a["url"] for a in index["albums"]} >= {"/albums/la-melee-numerique-2017/"}
    assert b"/static/site-search.js" in copy["search/index.html"]
    assert f"{BASE}/albums/la-melee-numerique-2017/".encode() in copy["feed.atom"]


def test_rerun_keeps_what_did_not_change_and_deletes_the_unpublished(exported: tuple[Gallery, Path]) -> None:
    gallery, dest = exported
    before = snapshot(dest)
    out, _ = export(gallery, dest)
    assert re.search(rf"^0 written, {len(before) - 1} kept, 0 deleted", out, re.M), out
    assert snapshot(dest) == before  # same bytes, same mtimes

    gallery("albums", "unpublish", "la-melee-numerique-2017")
    shas = {r["sha256"] for r in gallery.rows(f"{IN_ALBUM} WHERE a.slug = 'la-melee-numerique-2017'")}
    out, _ = export(gallery, dest)
    deleted = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("deleted ")}
    wrote = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("wrote ")}
    assert "albums/la-melee-numerique-2017/index.html" in deleted
    assert "embed/la-melee-numerique-2017/index.html" in deleted
    assert "oembed/la-melee-numerique-2017.json" in deleted
    assert any(shas & set(re.findall(r"[0-9a-f]{64}", name)) for name in deleted)
    assert "index.html" in wrote and "feed.atom" in wrote
    after = snapshot(dest)
    unchanged = [n for n in after if n in before and n not in wrote]
    assert unchanged and all(after[n] == before[n] for n in unchanged)
    assert len(wrote) < len(after) // 4, f"rewrote {len(wrote)} of {len(after)} files"
    assert_nothing_private(gallery, dest)


def test_a_caption_reaches_the_copy(exported: tuple[Gallery, Path]) -> None:
    """The copy is the live pages: a caption written after an export is in the next one, and nothing else moves."""
    gallery, dest = exported
    sha = gallery.rows(f"{IN_ALBUM} WHERE a.slug = 'la-melee-numerique-2017' AND ap.hidden = 0 ORDER BY p.id LIMIT 1")
    sha = sha[0]["sha256"]
    conn = catalog.connect(gallery.root / "gallery.db")
    with catalog.transaction(conn):
        conn.execute("UPDATE photos SET caption = 'Sous les platanes' WHERE sha256 = ?", (sha,))
    conn.close()
    out, _ = export(gallery, dest)
    page = next(p for p in dest.rglob("index.html") if sha in str(p.parent) and "photos" in str(p))
    text = page.read_text(encoding="utf-8")
    assert 'alt="Sous les platanes"' in text and '<p class="viewer-caption">Sous les platanes</p>' in text
    assert "oembed" not in text, "a photo's oEmbed stays out of the copy (the link goes with it)"
    assert re.search(r"^\d+ written", out, re.M) and not any(line.startswith("deleted ") for line in out.splitlines())


def test_refuses_the_library_a_source_and_a_folder_that_is_not_an_export(library: Path, tmp_path: Path) -> None:
    gallery = Gallery(library)
    out = export(gallery, library / "site", ok=False)
    assert "refusing to export" in out[1]
    assert not (library / "site").exists()
    out = export(gallery, library.parent, ok=False)
    assert "refusing to export" in out[1]
    sources = gallery.rows("SELECT sources FROM imports")
    source = Path(json.loads(sources[0]["sources"])[0])
    out = export(gallery, source, ok=False)
    assert "refusing to export" in out[1]
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("five years")
    out = export(gallery, precious, ok=False)
    assert "holds no earlier export" in out[1]
    assert (precious / "thesis.txt").read_text() == "five years"


def test_a_killed_export_leaves_no_half_written_file(exported: tuple[Gallery, Path], tmp_path: Path) -> None:
    """SIGKILL in the middle of a first export: every file there is whole; the next run completes it."""
    gallery, complete = exported
    dest = tmp_path / "killed"
    env = dict(os.environ, GALLERY_PUBLIC_ORIGINALS="1")
    command = [
        sys.executable,
        "-m",
        "gallery",
        "--root",
        str(gallery.root),
        "export-site",
        str(dest),
        "--base-url",
        BASE,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and len([p for p in dest.rglob("*") if p.is_file()]) < 20:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    reference = files(complete)
    for name, data in files(dest).items():
        if name.endswith(".tmp") or name == MARKER:
            continue
        assert data == reference[name], f"{name} is not whole"
    export(gallery, dest)
    assert files(dest) == reference


# -- served by nginx, walked by Chromium ----------------------------------------------------------


@contextmanager
def nginx(root: Path, work: Path) -> Iterator[str]:
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian package `nginx`)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work.mkdir()
    temps = "\n".join(
        f"  {kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = "/etc/nginx/mime.types"
    (work / "nginx.conf").write_text(
        # as root, workers would drop to www-data, which cannot read pytest's private temp folders
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\ndaemon off;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n  include {mime};\n  default_type application/octet-stream;\n  access_log off;\n{temps}\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    index index.html;\n"
        "    location / { try_files $uri $uri/ =404; }\n  }\n}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(work), "-e", str(work / "error.log"), "-c", str(work / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=1).read()
                break
            except urllib.error.HTTPError as error:
                raise AssertionError(f"nginx answers {error.code} for the home page") from None
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()[-1000:]}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()  # type: ignore[union-attr]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src", "action"):
                self.found.append(value)
            if value and name == "srcset":
                self.found += [entry.strip().split(" ")[0] for entry in value.split(",") if entry.strip()]


def crawl(url: str) -> dict[str, int]:
    """Every page, image, script and feed reachable from the home page, with its status."""
    statuses: dict[str, int] = {}
    queue = [url + "/"]
    while queue:
        current = queue.pop()
        if current in statuses:
            continue
        try:
            with urllib.request.urlopen(current, timeout=10) as response:
                statuses[current] = response.status
                body = response.read()
                kind = response.headers.get("content-type", "")
        except urllib.error.HTTPError as error:
            statuses[current] = error.code
            continue
        if "text/html" not in kind:
            continue
        parser = Links()
        parser.feed(body.decode())
        for link in parser.found:
            target = urljoin(current, link).split("#")[0]
            if target.startswith(url) and target not in statuses:
                queue.append(target)
    return statuses


def test_nginx_serves_the_copy_without_a_broken_link_and_chromium_walks_it(
    exported: tuple[Gallery, Path], tmp_path: Path
) -> None:
    from .test_browser import CHROMIUM, CHROMIUM_ARGS

    gallery, dest = exported
    with nginx(dest, tmp_path / "nginx") as url:
        statuses = crawl(url)
        broken = {link: status for link, status in statuses.items() if status != 200}
        assert not broken, broken
        assert len([link for link in statuses if "/photos/" in link]) > 100
        if CHROMIUM is None:
            pytest.skip("Chromium is not installed (Debian package `chromium`)")
        sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 390, "height": 844})
                failed: list[str] = []
                page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
                page.goto(url + "/")
                page.locator("a[href='/albums/cooperative-de-la-belle-de-mai-2017/']").first.click()
                page.wait_for_url(url + "/albums/cooperative-de-la-belle-de-mai-2017/")
                page.locator("ul.grid a").first.click()
                page.wait_for_url(re.compile(r".*/photos/[0-9a-f]{64}/$"))
                first = urlsplit(page.url).path
                page.locator("a.viewer-side.next").click()
                page.wait_for_function(f"() => location.pathname !== '{first}'")
                second = urlsplit(page.url).path
                assert re.fullmatch(r"/photos/[0-9a-f]{64}/", second) and second != first
                assert page.locator("#photo").evaluate("img => img.complete && img.naturalWidth > 0")
                page.go_back()
                page.wait_for_function(f"() => location.pathname === '{first}'")
                shown = page.locator("#photo").get_attribute("src") or ""
                assert first.split("/")[2] in shown, "back shows the first photo again"
                page.goto(url + "/search/?q=belle")
                page.wait_for_selector("#static-results li a")
                titles = page.locator("#static-results li a").all_inner_texts()
                assert any("Belle de Mai" in title for title in titles), titles
                assert not failed, failed
            finally:
                browser.close()
