"""A mixed card (issue 12): photos, RAW+JPEG pairs and 5 % videos, imported as a camera card is.

Builds a card of N files: phone photos from the corpus (made unique by bytes after the JPEG end
marker), RAW+JPEG pairs (a small TIFF-based .NEF with its EXIF and an embedded JPEG preview, beside
a JPEG of the same device, stem and second), and 5 % H.264 and HEVC clips made with the ffmpeg
binary; then times `gallery import --no-viewer` (browsable: grid pictures and posters done) and
`gallery thumbs` (playable: viewer pictures and the videos' web copies), with the peak RSS of
each process tree.

    python bench/card_bench.py --files 400
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import BIN, build_photos, timed  # noqa: E402


def raw_pair(folder: Path, index: int, when: datetime) -> None:
    """DSC_N.NEF (TIFF with EXIF and an embedded 1600 px preview) and DSC_N.JPG of the same shot."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "NIKON CORPORATION", "NIKON Z 6"
    exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    picture = Image.effect_noise((1600, 1066), 40 + index % 30).convert("RGB")
    preview = io.BytesIO()
    picture.save(preview, "JPEG", quality=80)
    raw = io.BytesIO()
    Image.new("RGB", (160, 106)).save(raw, "TIFF", exif=exif.tobytes())
    (folder / f"DSC_{index:04d}.NEF").write_bytes(raw.getvalue() + preview.getvalue() + b"\0" * 4_000_000)
    picture.save(folder / f"DSC_{index:04d}.JPG", "JPEG", quality=90, exif=exif.tobytes())


def clip(folder: Path, index: int) -> None:
    codec = ["-c:v", "libx265", "-tag:v", "hvc1"] if index % 2 else ["-c:v", "libx264"]
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=1280x720:rate=30:decimals={index % 3}",
        ]
        + ["-t", "10", *codec, "-pix_fmt", "yuv420p", str(folder / f"VID_{index:04d}.MP4")],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    videos, pairs = max(1, args.files // 20), max(1, args.files // 10)
    photos = args.files - videos - 2 * pairs
    with tempfile.TemporaryDirectory() as tmp:
        card, library = Path(tmp) / "card" / "DCIM", Path(tmp) / "library"
        card.mkdir(parents=True)
        library.mkdir()
        build_photos(card, photos)
        start = datetime(2024, 5, 1, 9, 0)
        for i in range(pairs):
            raw_pair(card, i, start + timedelta(seconds=7 * i))
        for i in range(videos):
            clip(card, i)
        gallery = [str(BIN / "gallery"), "--root", str(library)]
        browsable, import_rss = timed([*gallery, "import", str(card.parent), "--no-viewer", "--jobs", str(args.jobs)])
        playable, viewer_rss = timed([*gallery, "thumbs"], env={**os.environ, "GALLERY_JOBS": str(args.jobs)})
        items = photos + pairs + videos
        print(f"card: {photos} photos, {pairs} RAW+JPEG pairs, {videos} videos (10 s, 720p) = {args.files} files")
        print(f"import (browsable): {browsable:6.1f} s  {items / browsable:6.1f} items/s  peak RSS {import_rss} MiB")
        print(f"thumbs (playable):  {playable:6.1f} s  {videos / playable:6.2f} videos/s  peak RSS {viewer_rss} MiB")


if __name__ == "__main__":
    main()
