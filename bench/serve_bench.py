"""Cached grid thumbnails: requests/s of `gallery` (uvicorn, one process) against nginx (one worker).

Same files, same run, same load tool (wrk: one thread, 50 connections, cycling through every
thumbnail URL). Prints requests/s, p50 and p99 latency, and the ratio to nginx.

    python bench/serve_bench.py --photos 200 --seconds 10
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
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
        for server in ("gallery", "uvicorn", "bare"):
            with gallery_server(root, server=server) as url:
                for path in paths:  # warm the cache, as a browsing visitor would
                    urllib.request.urlopen(url + path).read()
                results[names[server]] = wrk(url, paths, args.seconds)
        with nginx_server(work / "nginx", root / "thumbnails", pages) as url:
            if url is None:
                print("nginx is not installed (Debian package nginx): no peer figure")
            else:
                results["nginx"] = wrk(url, [sharded(p) for p in paths], args.seconds)
        with nginx_server(work / "nginx-logging", root / "thumbnails", pages, access_log=True) as url:
            if url is not None:
                results["nginx, access log on"] = wrk(url, [sharded(p) for p in paths], args.seconds)
        for name, figures in results.items():
            print(
                f"{name:<26} {figures['rps']:9,.0f} req/s   p50 {figures['p50']:6.2f} ms   p99 {figures['p99']:6.2f} ms"
                f"   non-2xx {figures['errors']:.0f}"
            )
        if "nginx" in results:
            ratio = results["gallery serve (granian)"]["rps"] / results["nginx"]["rps"]
            ceiling = results["bare ASGI bytes (ceiling)"]["rps"] / results["nginx"]["rps"]
            print(f"ratio to nginx: {ratio:.2f}  (target >= 0.5; a bare ASGI app answering from memory: {ceiling:.2f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
