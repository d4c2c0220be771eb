"""Cached grid thumbnails: requests/s of `gallery` (uvicorn, one process) against nginx (one worker).

Same files, same run, same load tool (wrk: one thread, 50 connections, cycling through every
thumbnail URL). Prints requests/s, p50 and p99 latency, and the ratio to nginx.

    python bench/serve_bench.py --photos 200 --seconds 10

The nginx front (issue 15), same run, nginx from `gallery nginx-config` in front of `gallery serve`:
public thumbnails through the front against the same files from bare nginx (target >= 0.9x), a
shared (private) album's thumbnails through the front, sent by nginx from the share link's folder
(target >= 0.5x), the same without the folder's cookie (decided by the app, sent with
X-Accel-Redirect), and how long an unpublished photo's URL keeps answering after `albums unpublish`.

    python bench/serve_bench.py --front-only
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import gallery_server, nginx_server, wrk  # noqa: E402

BIN = Path(sys.executable).parent


def build_library(root: Path, count: int) -> list[str]:
    """Photos with enough texture that their grid WebP weighs ~30 KB, imported and published."""
    source = root.parent / "photos"
    source.mkdir()
    rng = random.Random(5)
    for i in range(count):
        noise = Image.effect_noise((1600, 1200), rng.uniform(40, 90)).convert("RGB")
        tint = Image.new("RGB", (1600, 1200), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image = Image.blend(noise, tint, 0.35).filter(ImageFilter.GaussianBlur(0.6))
        image.save(source / f"IMG_{i:04d}.jpg", quality=88)
    gallery = [str(BIN / "gallery"), "--root", str(root)]
    subprocess.run(
        [*gallery, "import", str(source), "--no-viewer", "--timezone", "Europe/Paris"], check=True, capture_output=True
    )
    subprocess.run([*gallery, "albums", "publish", "--all"], check=True, capture_output=True)
    conn = sqlite3.connect(root / "gallery.db")
    shas = [row[0] for row in conn.execute("SELECT sha256 FROM photos")]
    conn.close()
    return [f"/thumbs/grid/{sha}.webp" for sha in shas]


def sharded(path: str) -> str:
    """nginx serves the files where they lie: thumbnails/grid/ab/cd/<sha256>.webp."""
    name = path.rsplit("/", 1)[-1]
    return f"/thumbs/grid/{name[:2]}/{name[2:4]}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--front-only", action="store_true", help="Only bare nginx and the nginx front.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gallery-serve-bench-"))
    work.chmod(0o755)  # nginx's worker runs as an unprivileged user
    try:
        root = work / "library"
        paths = build_library(root, args.photos)
        sizes = [
            (root / "thumbnails" / "grid" / p.split("/")[-1][:2] / p.split("/")[-1][2:4] / p.split("/")[-1])
            .stat()
            .st_size
            for p in paths
        ]
        print(f"{len(paths)} grid thumbnails, mean {sum(sizes) / len(sizes) / 1024:.0f} KB")
        pages = work / "pages"
        pages.mkdir()
        (pages / "index.html").write_text("ok")
        results = {}
        names = {
            "gallery": "gallery serve (granian)",
            "uvicorn": "same app, uvicorn",
            "bare": "bare ASGI bytes (ceiling)",
        }
        for server in () if args.front_only else ("gallery", "uvicorn", "bare"):
            with gallery_server(root, server=server) as url:
                for path in paths:  # warm the cache, as a browsing visitor would
                    urllib.request.urlopen(url + path).read()
                results[names[server]] = wrk(url, paths, args.seconds)
        with nginx_server(work / "nginx", root / "thumbnails", pages) as url:
            if url is None:
                print("nginx is not installed (Debian package nginx): no peer figure")
            else:
                results["nginx"] = wrk(url, [sharded(p) for p in paths], args.seconds)
                results.update(front_figures(root, work, paths, args.seconds, url))
        with nginx_server(work / "nginx-logging", root / "thumbnails", pages, access_log=True) as url:
            if url is not None:
                results["nginx, access log on"] = wrk(url, [sharded(p) for p in paths], args.seconds)
        for name, figures in results.items():
            print(
                f"{name:<42} {figures['rps']:9,.0f} req/s   p50 {figures['p50']:6.2f} ms   p99 {figures['p99']:6.2f} ms"
                f"   non-2xx {figures['errors']:.0f}"
            )
        if "front: public" in results:
            public = results["front: public"]["rps"] / results["bare nginx, next to front: public"]["rps"]
            shared = results["front: shared"]["rps"] / results["bare nginx, next to front: shared"]["rps"]
            decided = results["front: shared, app"]["rps"] / results["bare nginx, next to front: shared, app"]["rps"]
            print(f"front, public thumbnails / bare nginx: {public:.2f}  (target >= 0.9)")
            print(f"front, shared thumbnails / bare nginx: {shared:.2f}  (target >= 0.5)")
            print(f"  the same through the app (no share-folder cookie, X-Accel-Redirect): {decided:.2f}")
        if "nginx" in results and "gallery serve (granian)" in results:
            ratio = results["gallery serve (granian)"]["rps"] / results["nginx"]["rps"]
            ceiling = results["bare ASGI bytes (ceiling)"]["rps"] / results["nginx"]["rps"]
            print(f"ratio to nginx: {ratio:.2f}  (target >= 0.5; a bare ASGI app answering from memory: {ceiling:.2f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


ROUNDS = 3


def front_figures(root: Path, work: Path, paths: list[str], seconds: int, bare: str) -> dict[str, dict[str, float]]:
    """wrk through `gallery nginx-config` + `gallery serve`: public, shared; then the unpublish delay.

    Each figure alternates with bare nginx serving the same files, ROUNDS times, best of each
    (a shared machine's noise lands on both sides)."""

    def alternate(name: str, url: str, wanted: list[str], headers: tuple[str, ...] = ()) -> None:
        runs: dict[str, list[dict[str, float]]] = {name: [], f"bare nginx, next to {name}": []}
        for _ in range(ROUNDS):
            runs[f"bare nginx, next to {name}"].append(wrk(bare, [sharded(p) for p in paths], seconds))
            runs[name].append(wrk(url, wanted, seconds, headers=headers))
        for key, figures in runs.items():
            results[key] = max(figures, key=lambda f: f["rps"])

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.nginx_front import nginx_front

    gallery = [str(BIN / "gallery"), "--root", str(root)]
    results: dict[str, dict[str, float]] = {}
    with gallery_server(root) as app, nginx_front(root, app.removeprefix("http://"), work / "front") as url:
        for path in paths:
            urllib.request.urlopen(url + path).read()
        alternate("front: public", url, paths)
        slug = json.loads(subprocess.run([*gallery, "albums", "--json"], check=True, capture_output=True).stdout)[0]
        subprocess.run([*gallery, "albums", "unpublish", slug["slug"]], check=True, capture_output=True)
        shared = subprocess.run([*gallery, "albums", "share", slug["slug"]], check=True, capture_output=True, text=True)
        token = shared.stdout.strip().rsplit("/", 1)[1]
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{url}/s/{token}")
        except urllib.error.HTTPError as answer:
            cookie = "; ".join(c.split(";")[0] for c in answer.headers.get_all("set-cookie") or [])
        private = [f"/thumbs/grid/{p['sha256']}.webp" for p in slug["photos"]]
        assert "gallery_shared=" in cookie, "the share folder's cookie"
        alternate("front: shared", url, private, (f"Cookie: {cookie}",))
        app_only = "; ".join(c for c in cookie.split("; ") if not c.startswith("gallery_shared="))
        alternate("front: shared, app", url, private, (f"Cookie: {app_only}",))
        subprocess.run([*gallery, "albums", "publish", slug["slug"]], check=True, capture_output=True)
        probe = private[0]
        assert urllib.request.urlopen(url + probe).status == 200
        started = time.monotonic()
        subprocess.run([*gallery, "albums", "unpublish", slug["slug"]], check=True, capture_output=True)
        returned = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(url + probe).read()
            except urllib.error.HTTPError as answer:
                if answer.code == 404:
                    break
            time.sleep(0.01)
        print(
            f"unpublished thumbnail answers 404 through the front {time.monotonic() - returned:.3f} s after `gallery albums "
            f"unpublish` returned ({time.monotonic() - started:.2f} s after it started, Python's start-up included)"
        )
    return results


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


if __name__ == "__main__":
    main()
