"""Camera RAW (CR2, CR3, NEF, ARW, DNG, RAF, ORF, RW2, PEF...): archived as is, pictured by its largest embedded JPEG.

Metadata comes from exifread, which reads the TIFF-based RAWs (everything but CR3 and RAF's
own header). A RAW without a usable preview (none, a broken one, or only a thumbnail under
PREVIEW_MIN_EDGE) is decoded by LibRaw (rawpy) at half size; a file LibRaw cannot decode either
is shown as a plain tile whose image says why (`TILE_REASON`): it is archived all the same.
"""

from __future__ import annotations

import io
import mmap
from pathlib import Path

from PIL import Image, ImageOps

from .. import exif
from ..models import PhotoMeta
from .base import Extra, MediaKind, Sniffed
from .photo import iso_brands

FORMATS = {
    "cr2": "image/x-canon-cr2",
    "cr3": "image/x-canon-cr3",
    "nef": "image/x-nikon-nef",
    "nrw": "image/x-nikon-nrw",
    "arw": "image/x-sony-arw",
    "srf": "image/x-sony-srf",
    "sr2": "image/x-sony-sr2",
    "dng": "image/x-adobe-dng",
    "raf": "image/x-fuji-raf",
    "orf": "image/x-olympus-orf",
    "rw2": "image/x-panasonic-rw2",
    "pef": "image/x-pentax-pef",
    "srw": "image/x-samsung-srw",
    "3fr": "image/x-hasselblad-3fr",
    "erf": "image/x-epson-erf",
    "iiq": "image/x-phaseone-iiq",
    "rwl": "image/x-leica-rwl",
}
TIFF_HEADERS = (b"II*\x00", b"MM\x00*")
JPEG_STARTS = (b"\xff\xd8\xff\xdb", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xc4", b"\xff\xd8\xff\xc0")
MAX_CANDIDATES = 400
HEADER_WINDOW = 512 * 1024  # enough for a preview's own EXIF block before its frame header
TILE = (512, 384)
PREVIEW_MIN_EDGE = 400  # a smaller preview (an EXIF thumbnail) only stands in when LibRaw cannot decode
MAX_RAW_PIXELS = 250_000_000  # LibRaw holds the whole mosaic in memory: refuse a sensor above this
TILE_REASON = "tile_reason"  # Image.info key: why a RAW is pictured by a plain tile


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    named = suffix.removeprefix(".")
    if head[:4] in TIFF_HEADERS:
        if head[8:10] == b"CR":
            return Sniffed("cr2")
        return Sniffed(named) if named in FORMATS else None  # a plain .tif is a photo
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return Sniffed("orf")
    if head[:4] == b"IIU\x00":
        return Sniffed("rw2")
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return Sniffed("raf")
    if head[4:8] == b"ftyp" and b"crx " in iso_brands(head):
        return Sniffed("cr3")  # an ISO media file, but a RAW, not a video
    return None


def read_meta(path: Path) -> tuple[PhotoMeta, Extra]:
    """EXIF as exifread reads it from any TIFF-based file (and JPEG XL's Exif box)."""
    with open(path, "rb") as fh:
        try:
            tags = exif.read_tags(fh)
        except Exception as exc:  # exifread raises plain IndexError, KeyError... on odd RAWs
            return PhotoMeta(bad_tags=(f"exif:{type(exc).__name__}",)), Extra()
    return exif.parse_tags(tags), Extra()


def largest_preview(path: Path) -> Image.Image | None:
    """The embedded JPEG with the most pixels (previews, JpgFromRaw), decoded; None when there is none."""
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        best, best_pixels = -1, 0
        position, seen = data.find(b"\xff\xd8\xff"), 0
        while position >= 0 and seen < MAX_CANDIDATES:
            if data[position : position + 4] in JPEG_STARTS:
                seen += 1
                pixels = _jpeg_pixels(data[position : position + HEADER_WINDOW])
                if pixels > best_pixels:
                    best, best_pixels = position, pixels
            position = data.find(b"\xff\xd8\xff", position + 3)
        if best < 0:
            return None
        image = Image.open(io.BytesIO(data[best:]), formats=["JPEG"])
        image.load()
    return image


def _jpeg_pixels(window: bytes) -> int:
    try:
        with Image.open(io.BytesIO(window), formats=["JPEG"]) as image:
            return image.width * image.height
    except Exception:  # a stray FFD8FF inside compressed data
        return 0


def picture(path: Path, fmt: str, long_edge: int) -> Image.Image:
    """The preview, else a real RAW decode, turned as the RAW says; a plain tile when neither works."""
    try:
        preview = largest_preview(path)
    except (OSError, ValueError, SyntaxError):
        preview = None
    if preview is not None and max(preview.size) >= PREVIEW_MIN_EDGE:
        image: Image.Image | str = preview
    else:
        image = _decoded(path)
        if isinstance(image, str) and preview is not None:
            image = preview  # a thumbnail only, and LibRaw cannot do better
    if isinstance(image, str):
        tile = Image.new("RGB", TILE, (72, 72, 80))
        tile.info[TILE_REASON] = image
        return tile
    image.draft("RGB", (long_edge, long_edge))
    orientation = read_meta(path)[0].orientation
    if orientation != 1:
        image = ImageOps.exif_transpose(_with_orientation(image, orientation)) or image
    return image.convert("RGB")


def _with_orientation(image: Image.Image, orientation: int) -> Image.Image:
    image.getexif()[0x0112] = orientation
    return image


def _decoded(path: Path) -> Image.Image | str:
    """LibRaw's half-size decode (camera white balance, sRGB, 8 bits, unturned: a quarter of the
    sensor's pixels, 3 bytes each); a string says why there is none (LibRaw refuses a truncated,
    unknown or too large file)."""
    import rawpy

    try:
        with rawpy.imread(str(path)) as raw:
            sizes = raw.sizes
            if sizes.raw_width * sizes.raw_height > MAX_RAW_PIXELS:
                return f"raw_too_big:{sizes.raw_width}x{sizes.raw_height}"
            pixels = raw.postprocess(
                half_size=True,
                use_camera_wb=True,
                output_color=rawpy.ColorSpace.sRGB,
                output_bps=8,
                user_flip=0,  # picture() turns it as the EXIF says, like a preview
            )
    except MemoryError:
        raise
    except Exception as exc:  # rawpy's LibRawError tree, and whatever a hostile file provokes
        return f"raw_undecodable:{type(exc).__name__}"
    return Image.fromarray(pixels)


KIND = MediaKind("raw", FORMATS, sniff, read_meta=read_meta, picture=picture, large=True)
