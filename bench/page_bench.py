"""The first page of a 4,000-photo album in a catalog of 100,000: size and server time, median.

Targets (issue 14): under 300 KB of HTML and a median under 20 ms. The page holds the first
screens (pages.ALBUM_PAGE tiles); the rest follows by page links or on scroll.

The catalog rows are written directly (no image files: the page does not read them). The page
is requested from a real `gallery serve`; the peer is nginx serving the very same HTML as a
static file (what a static gallery generator such as sigal gives), with the same client.

A page past the first, and a photo of the album in the viewer (its previous/next and n/total),
are timed too (issue 14 follow-up): both read a few rows through album_photos' order index.

    python bench/page_bench.py --photos 100000 --album 4000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import gallery_server, nginx_server  # noqa: E402

from gallery import catalog  # noqa: E402
from gallery.config import Config  # noqa: E402
from gallery.web.pages import ALBUM_PAGE  # noqa: E402


def build_catalog(root: Path, photos: int, album_size: int) -> None:
    root.mkdir(parents=True)
    (root / "media").mkdir()
    conn = catalog.connect(Config(root=root).db_path)
    start = datetime(2017, 9, 19, 7, tzinfo=UTC)
    with catalog.transaction(conn):
        rows = []
        for i in range(photos):
            moment = start + timedelta(seconds=37 * i)
            rows.append(
                {
                    "sha256": f"{i:064x}",
                    "path": f"media/2017/{i}.jpg",
                    "original_name": f"IMG_{i:06d}.JPG",
                    "source_path": f"/cards/IMG_{i:06d}.JPG",
                    "source_dir": "/cards",
                    "format": "jpeg",
                    "size": 3_000_000,
                    "width": 4032,
                    "height": 3024,
                    "grid_width": 504,
                    "grid_height": 378,
                    "sharpness": float(i % 97),
                    "orientation": 1,
                    "placeholder": "data:image/webp;base64,UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA",
                    "imported_at": start.isoformat(),
                    "camera_time": moment.replace(tzinfo=None).isoformat(),
                    "date_source": "exif_original",
                    "make": "Apple",
                    "model": "iPhone 13",
                    "device": "Apple iPhone 13|x",
                }
            )
        for row in rows:
            catalog.insert_photo(conn, row)
        conn.execute(
            "UPDATE photos SET taken_at_utc = camera_time || '+00:00', timezone = 'Europe/Paris', "
            "time_source = 'offset_tag', place = 'Toulouse', country = 'FR'"
        )
        for number, first in enumerate(range(0, photos, album_size)):
            album_id = catalog.insert_album(
                conn,
                {
                    "slug": f"album-{number}",
                    "kind": "event",
                    "title": f"Album {number}",
                    "published": 1,
                    "photo_count": min(album_size, photos - first),
                    "start_utc": rows[first]["camera_time"] + "+00:00",
                    "end_utc": rows[min(first + album_size, photos) - 1]["camera_time"] + "+00:00",
                    "timezone": "Europe/Paris",
                    "place": "Toulouse",
                    "country": "FR",
                },
            )
            conn.executemany(
                "INSERT INTO album_photos (photo_id, album_id) VALUES (?, ?)",
                [(i + 1, album_id) for i in range(first, min(first + album_size, photos))],
            )
    conn.close()


def timings(url: str, count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--album", type=int, default=4000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gallery-page-bench-"))
    work.chmod(0o755)
    try:
        root = work / "library"
        started = time.perf_counter()
        build_catalog(root, args.photos, args.album)
        print(f"catalog of {args.photos:,} photos built in {time.perf_counter() - started:.1f} s")
        slug = f"album-{args.photos // args.album // 2}"
        with gallery_server(root) as url:
            html = urllib.request.urlopen(f"{url}/albums/{slug}").read()
            assert html.count(b'<li id="p-') == min(args.album, ALBUM_PAGE), "the first page lists its tiles"
            assert f"/albums/{slug}?page=2".encode() in html or args.album <= ALBUM_PAGE, "a link to the next page"
            ours = timings(f"{url}/albums/{slug}", args.requests)
            last = -(-args.album // ALBUM_PAGE)
            deep = timings(f"{url}/albums/{slug}?page={last}", args.requests)
            middle = html.split(b'<li id="p-')[min(args.album, ALBUM_PAGE) // 2].split(b'"')[0].decode()
            viewer = urllib.request.urlopen(f"{url}/photos/{middle}").read()
            assert b'rel="next"' in viewer and b'rel="prev"' in viewer, "the viewer links its neighbours"
            photo = timings(f"{url}/photos/{middle}", args.requests)
        pages = work / "pages"
        pages.mkdir()
        (pages / "index.html").write_bytes(html)
        with nginx_server(work / "nginx", root / "media", pages) as url:
            theirs = timings(f"{url}/static-pages/index.html", args.requests) if url else []
        median = statistics.median(ours)
        size_kb = len(html) / 1024
        print(f"first page of an album of {args.album} photos: {size_kb:.0f} KB of HTML", end="")
        print(f"  (target: under 300 KB -> {'met' if size_kb < 300 else 'NOT met'})")
        print(
            f"  gallery: median {median:.1f} ms, p90 {statistics.quantiles(ours, n=10)[-1]:.1f} ms"
            f"  (target: median under 20 ms -> {'met' if median < 20 else 'NOT met'})"
        )
        print(f"  its last page (page {last}): median {statistics.median(deep):.1f} ms")
        print(
            f"  a photo of the album in the viewer (previous/next, n/{args.album}): median {statistics.median(photo):.1f} ms"
        )
        if theirs:
            print(
                f"  nginx, the same HTML as a static file: median {statistics.median(theirs):.2f} ms"
                f"  (ratio {median / statistics.median(theirs):.0f}x)"
            )
        print(
            json.dumps(
                {
                    "median_ms": round(median, 1),
                    "first_page_kb": round(size_kb),
                    "last_page_ms": round(statistics.median(deep), 1),
                    "photo_ms": round(statistics.median(photo), 1),
                }
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
