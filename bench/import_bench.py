"""Import speed and memory against sigal, same photos, same run.

Builds N photos from the corpus's large real phone photos (each copy made unique by bytes
appended after the JPEG end marker), then times:

* `gallery import --no-viewer` until the gallery is browsable (grid derivatives done),
* the viewer pass (`gallery thumbs`) on its own,
* `sigal build` on the same folder (its default thumbnail + resized image per photo),

and prints photos/s, the ratio to sigal, and the peak RSS of each process tree.

    python bench/import_bench.py --photos 2000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "exif-samples" / "jpg"
SOURCES = [
    "mobile/HMD_Nokia_8.3_5G.jpg",
    "hdr/iphone_hdr_NO.jpg",
    "hdr/iphone_hdr_YES.jpg",
    "tests/Xiaomi_Mi_9T_KeyError.jpg",
    "tests/42_IndexError.jpg",
    "tests/28-hex_value.jpg",
]
BIN = Path(sys.executable).parent


def build_photos(folder: Path, count: int) -> int:
    originals = [(CORPUS / name).read_bytes() for name in SOURCES if (CORPUS / name).is_file()]
    if not originals:
        sys.exit(f"corpus not found at {CORPUS}")
    total = 0
    for i in range(count):
        data = originals[i % len(originals)] + f"unique-{i}".encode()
        (folder / f"IMG_{i:05d}.jpg").write_bytes(data)
        total += len(data)
    return total


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            stack.extend(int(c) for c in children)
        except (OSError, StopIteration, ValueError):
            continue
    return total


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (MiB, whole process tree) of a command."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{command[0]} failed: {err.decode()[-2000:]}")
    return time.monotonic() - started, peak // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    try:
        source = work / "photos"
        source.mkdir()
        size = build_photos(source, args.photos)
        print(f"{args.photos} photos, {size / 1e6:.0f} MB, {args.jobs} jobs")
        gallery = [str(BIN / "gallery"), "--root", str(work / "library")]
        browsable, import_rss = timed([*gallery, "import", str(source), "--no-viewer", "--jobs", str(args.jobs)])
        viewer, viewer_rss = timed([*gallery, "thumbs"], env={**os.environ, "GALLERY_JOBS": str(args.jobs)})
        sigal_conf = work / "sigal.conf.py"
        sigal_conf.write_text("source = 'photos'\ndestination = 'sigal-out'\n")
        sigal, sigal_rss = timed(
            [
                str(BIN / "sigal"),
                "build",
                "-c",
                str(sigal_conf),
                "-n",
                str(args.jobs),
                str(source),
                str(work / "sigal-out"),
            ]
        )
        ours, theirs = args.photos / browsable, args.photos / sigal
        print(f"gallery import (browsable): {browsable:6.1f} s  {ours:6.1f} photos/s  peak RSS {import_rss} MiB")
        print(
            f"gallery viewer pass:        {viewer:6.1f} s  {args.photos / viewer:6.1f} photos/s  "
            f"peak RSS {viewer_rss} MiB"
        )
        print(f"sigal build:                {sigal:6.1f} s  {theirs:6.1f} photos/s  peak RSS {sigal_rss} MiB")
        print(f"ratio to sigal (browsable): {ours / theirs:.2f}x  (target >= 3x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
