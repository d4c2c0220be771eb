"""Recognising image files by their first bytes, never by their name."""

from __future__ import annotations

from dataclasses import dataclass

# Pillow format names we decode; anything else is refused before Pillow sees it.
PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "tiff": "TIFF",
    "webp": "WEBP",
    "heif": "HEIF",
    "avif": "AVIF",
}

MIME_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "heif": "image/heic",
    "avif": "image/avif",
}

RAW_EXTENSIONS = {".dng", ".arw", ".nef", ".nrw", ".cr2", ".orf", ".rw2", ".pef", ".srw", ".raf", ".3fr", ".erf"}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
AVIF_BRANDS = {b"avif", b"avis"}
VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"3g2a", b"crx "}

SNIFF_BYTES = 64


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say: a format we import, or a reason to skip."""

    kind: str | None  # one of PILLOW_FORMATS, or None when skipped
    reason: str = ""  # skip reason code when kind is None
    detail: str = ""


def sniff(head: bytes, suffix: str = "") -> Sniffed:
    """Identify a file from its first SNIFF_BYTES bytes (suffix only tells raw files from TIFF)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if suffix.lower() in RAW_EXTENSIONS:
            return Sniffed(None, "unsupported_format", "camera raw file (TIFF-based)")
        return Sniffed("tiff")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp")
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(None, "unsupported_format", "GIF")
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return Sniffed(None, "unsupported_format", "JPEG XL")
    if head.startswith(b"BM") or head.startswith(b"8BPS") or head.startswith(b"%!PS") or head.startswith(b"%PDF"):
        return Sniffed(None, "unsupported_format", "BMP, PSD, PostScript or PDF")
    return Sniffed(None, "not_an_image", "not an image file")


def _sniff_isobmff(head: bytes) -> Sniffed:
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(len(head), size if size >= 16 else len(head))
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    brands = {major} | compatible
    if major in AVIF_BRANDS or (major in (b"mif1", b"msf1") and brands & AVIF_BRANDS):
        return Sniffed("avif")
    if brands & HEIF_BRANDS:
        return Sniffed("heif")
    if brands & VIDEO_BRANDS:
        return Sniffed(None, "unsupported_format", "video")
    return Sniffed(None, "unsupported_format", f"ISO media brand {major.decode('latin-1')!r}")
