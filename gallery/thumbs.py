"""Derivatives: content-addressed paths (pure) and rendering with Pillow (atomic writes).

Every derivative is WebP, oriented, sRGB, and carries no metadata at all. `rm -rf thumbnails/`
is always safe: `gallery thumbs` or the web server rebuilds what is missing.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, ImageCms, ImageOps

from . import storage

SIZES = {"grid": 512, "viewer": 2048}
GRID, VIEWER = "grid", "viewer"
WEBP_QUALITY = {"grid": 78, "viewer": 82}
PLACEHOLDER_SIZE = 24

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Rendered:
    width: int  # full displayed size of the original, after orientation
    height: int
    placeholder: str  # a tiny WebP as a data: URI, shown while the grid image loads


def derivative_path(sha256: str, size: str) -> PurePosixPath:
    """thumbnails/<size>/<ab>/<cd>/<sha256>.webp, relative to the thumbnails folder."""
    if size not in SIZES:
        raise ValueError(f"unknown derivative size {size!r}")
    return PurePosixPath(size, sha256[:2], sha256[2:4], f"{sha256}.webp")


def open_image(path: Path, kind: str) -> Image.Image:
    """Open with only the decoder the sniffed format needs (no EPS, no surprises)."""
    from .formats import PILLOW_FORMATS

    if kind in ("heif", "avif"):
        _register_heif()
    return Image.open(path, formats=[PILLOW_FORMATS[kind]])


def _register_heif() -> None:
    import pillow_heif

    if not getattr(_register_heif, "done", False):
        pillow_heif.register_heif_opener()
        _register_heif.done = True  # type: ignore[attr-defined]


def load_for_size(path: Path, kind: str, long_edge: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode at (about) the size needed, oriented; returns the image and the full displayed size."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = open_image(path, kind)
        full = image.size
        if kind == "jpeg":
            # DCT scaling: decode cost follows the output size, not the sensor size.
            image.draft("RGB", (long_edge, long_edge))
        image.load()
    if _swaps_axes(image):
        full = (full[1], full[0])
    return _orient(image), full


def _swaps_axes(image: Image.Image) -> bool:
    try:
        return image.getexif().get(0x0112) in (5, 6, 7, 8)
    except (SyntaxError, OSError, ValueError):
        return False


def _orient(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image) or image
    except (SyntaxError, OSError, ValueError, TypeError, KeyError):
        return image  # a corrupt EXIF block: keep the pixels as stored


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert to 8-bit RGB(A) in sRGB, honouring an embedded ICC profile."""
    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
                image = image.convert("RGBA" if has_alpha else "RGB")
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")


def render(image: Image.Image, size: str) -> bytes:
    """Resize an oriented image to a derivative size and encode it as metadata-free WebP."""
    long_edge = SIZES[size]
    small = image.copy()
    small.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
    small = to_srgb(small)
    out = io.BytesIO()
    small.save(out, "WEBP", quality=WEBP_QUALITY[size], method=4, exif=b"", icc_profile=b"", xmp=b"")
    return out.getvalue()


def placeholder(image: Image.Image) -> str:
    tiny = to_srgb(image.copy())
    tiny.thumbnail((PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    tiny.convert("RGB").save(out, "WEBP", quality=40, exif=b"", icc_profile=b"", xmp=b"")
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def make_derivative(thumbs_dir: Path, sha256: str, source: Path, kind: str, size: str) -> Rendered:
    """Decode `source` once and write the `size` derivative (skipped when it already exists)."""
    image, full = load_for_size(source, kind, SIZES[size])
    target = thumbs_dir / derivative_path(sha256, size)
    if not target.exists():
        storage.write_atomic(target, render(image, size))
    return Rendered(full[0], full[1], placeholder(image))
