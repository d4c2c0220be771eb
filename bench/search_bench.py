"""Search at scale: what the FTS5 triggers cost writes, and how fast a query answers, same run.

A catalog of N photos (rows only, no files) is written twice, with and without the search index
triggers; then the web's queries run against it: a town, a camera, a date in words, a miss.

    python bench/search_bench.py --photos 100000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from gallery import catalog, search

TOWNS = ["Toulouse", "Marseille", "Frontignan", "Labège", "Sète", "Montpellier", "Québec", "Palavas-les-Flots"]
CAMERAS = [("Canon", "Canon EOS 80D"), ("Apple", "iPhone 13"), ("Google", "Pixel 6"), ("SONY", "ILCE-7M3")]


def build(path: Path, photos: int, triggers: bool) -> float:
    conn = catalog.connect(path)
    catalog.migrate(conn)
    if not triggers:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
    rng = random.Random(3)
    with catalog.transaction(conn):
        conn.execute(
            "INSERT INTO albums (slug, kind, title, published, start_utc, end_utc, timezone, place, photo_count, "
            "created_at, updated_at) VALUES ('a', 'event', 'Revoir la Mêlée', 1, '2017-01-01T00:00:00+00:00', "
            "'2019-12-31T00:00:00+00:00', 'Europe/Paris', 'Toulouse', ?, '', '')",
            (photos,),
        )
    started = time.perf_counter()
    with catalog.transaction(conn):
        for i in range(photos):
            make, model = rng.choice(CAMERAS)
            day = f"201{rng.randint(7, 9)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00"
            conn.execute(
                "INSERT INTO photos (sha256, path, original_name, source_path, source_dir, format, size, width, "
                "height, grid_width, grid_height, imported_at, make, model, place, country, taken_at_utc, "
                "taken_at_local, timezone, time_source) VALUES (?, ?, 'x.jpg', '', '', 'jpeg', 1, 4, 3, 4, 3, '', "
                "?, ?, ?, 'FR', ?, ?, 'Europe/Paris', 'exif_offset')",
                (f"{i:064x}", f"p/{i}", make, model, rng.choice(TOWNS), day + "+00:00", day),
            )
            conn.execute("INSERT INTO album_photos (photo_id, album_id) VALUES (?, 1)", (i + 1,))
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def query_ms(conn: sqlite3.Connection, text: str, rounds: int = 20) -> tuple[float, int]:
    parsed = search.parse_query(text)
    match = search.match_expression(parsed.words, ("place", "camera"))
    times, total = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        _, total = catalog.find_photos(conn, match, search.local_bounds(parsed.days))
        catalog.find_albums(conn, search.match_expression(parsed.words))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bare = build(Path(folder) / "bare.db", args.photos, triggers=False)
        indexed = build(Path(folder) / "indexed.db", args.photos, triggers=True)
        print(f"writing {args.photos} photo rows: {bare:.2f} s bare, {indexed:.2f} s with the search index")
        print(f"  ratio {indexed / bare:.2f}x")
        conn = catalog.connect(Path(folder) / "indexed.db", readonly=True)
        for text in ("toulouse", "melee", "canon eos", "septembre 2017", "sete pixel 6", "tokyo"):
            median, total = query_ms(conn, text)
            print(f"  q={text!r}: {median:.1f} ms median, {total} photos")
        conn.close()


if __name__ == "__main__":
    main()
