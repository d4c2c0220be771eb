"""Photos: the images Pillow decodes (JPEG, PNG, TIFF, WebP, HEIF, AVIF, GIF, BMP, PSD, JPEG XL).

JPEG XL is decoded by the pillow-jxl-plugin wheel (libjxl through Rust), registered by thumbs.open_image.

Metadata is the photo path of ingest.py (exifread, then Pillow's EXIF for HEIF and PNG).
"""

from __future__ import annotations

from .base import MediaKind, Sniffed

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}
JXL_SIGNATURES = (b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")
FORMATS = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "heif": "image/heic",
    "avif": "image/avif",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "psd": "image/vnd.adobe.photoshop",
    "jxl": "image/jxl",
}


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("tiff")  # a TIFF-based RAW was claimed by kinds/raw.py first
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("gif")
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return Sniffed("bmp")
    if head.startswith(b"8BPS\x00\x01"):
        return Sniffed("psd")
    if head.startswith(JXL_SIGNATURES):
        return Sniffed("jxl")  # a bare codestream, or the ISO container (its Exif box is read by exifread)
    if head[4:8] == b"ftyp":
        brands = iso_brands(head)
        if brands[0] in AVIF_BRANDS or (brands[0] in (b"mif1", b"msf1") and set(brands) & AVIF_BRANDS):
            return Sniffed("avif")
        if set(brands) & HEIF_BRANDS:
            return Sniffed("heif")
    return None


def iso_brands(head: bytes) -> list[bytes]:
    """The major brand, then the compatible ones, of an ISO base media file (MP4, MOV, HEIF, CR3)."""
    size = int.from_bytes(head[:4], "big")
    end = min(len(head), size if size >= 16 else len(head))
    return [head[8:12], *(head[i : i + 4] for i in range(16, end - 3, 4))]


def is_unsupported_image(head: bytes) -> str:
    """A sentence naming a known non-media or undecodable format (skipped), or '' for unknown bytes."""
    if head.startswith((b"%!PS", b"%PDF")):
        return "PostScript or PDF document"
    if head.startswith(b"8BPS") or head.startswith(b"BM"):
        return "BMP or PSD variant Pillow cannot read"
    return ""


KIND = MediaKind("photo", FORMATS, sniff)
