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

from PIL import Image, ImageCms, ImageFilter, ImageOps, ImageStat

from . import storage

SIZES = {"grid": 512, "viewer": 2048}
# A JPEG decodes at 1/2, 1/4 or 1/8 scale almost for free. Accepting a grid image down to 400 px
# (rather than exactly 512) lets a 12 MP photo decode at 1/8 instead of 1/4: measured 30 % faster
# imports. Its real size is stored in the catalog for srcset.
MIN_EDGE = {"grid": 400, "viewer": 1600}
GRID, VIEWER = "grid", "viewer"
WEBP_QUALITY = {"grid": 78, "viewer": 82}
WEBP_METHOD = 2  # measured: half the time of the default 4 for files 1-2 % bigger
PLACEHOLDER_SIZE = 24

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Rendered:
    width: int  # full displayed size of the original, after orientation
    height: int
    derivative_width: int  # the derivative as written
    derivative_height: int
    placeholder: str | None = None  # grid only: a tiny WebP data: URI, shown while the grid image loads
    sharpness: float | None = None  # grid only: variance of edges, low means blurred (album covers)
    tile_reason: str | None = None  # a plain tile stands in for the picture (a RAW LibRaw cannot decode): why


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
    if kind == "jxl":
        import pillow_jxl  # noqa: F401  (importing it registers the JXL decoder with Pillow)
    image = Image.open(path, formats=[PILLOW_FORMATS[kind]])
    if getattr(image, "n_frames", 1) > 1 and kind in ("gif", "psd"):
        image.seek(0)  # an animated GIF's first frame; a PSD's merged image
    return image


def _register_heif() -> None:
    import pillow_heif

    if not getattr(_register_heif, "done", False):
        pillow_heif.register_heif_opener()
        _register_heif.done = True  # type: ignore[attr-defined]


def load_for_size(
    path: Path, kind: str, long_edge: int, min_edge: int | None = None, orientation: int | None = None
) -> tuple[Image.Image, tuple[int, int]]:
    """Decode at (about) the size needed, oriented; returns the image and the full displayed size.

    `orientation` (the catalog's: an XMP sidecar's tiff:Orientation) turns the picture when the
    file's own EXIF has none, over what its embedded XMP says; 1 or None changes nothing."""
    from .formats import PILLOW_FORMATS

    if kind not in PILLOW_FORMATS:  # a video's poster, a RAW's preview: the kind's module draws it
        from . import kinds

        picture = kinds.kind_of(kind).picture
        if picture is None:
            raise ValueError(f"no picture for {kind!r}")
        image = picture(path, kind, long_edge)
        return image, image.size
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = open_image(path, kind)
        full = image.size
        if orientation in (2, 3, 4, 5, 6, 7, 8) and own_orientation(image) is None:
            image.getexif()[0x0112] = orientation
        # Read before decoding: a TIFF's EXIF comes from the open file, and once decoded Pillow no
        # longer finds an orientation that only its XMP gives (tiff:Orientation, used when EXIF has none).
        swaps = _swaps_axes(image)
        if kind == "jpeg":
            # DCT scaling: decode cost follows the output size, not the sensor size. Ask for the
            # long edge only; a square request would keep twice the pixels of a 4:3 photo.
            image.draft("RGB", _draft_box(full, min_edge or long_edge))
        image.load()
    if swaps:
        full = (full[1], full[0])
    return _orient(image), full


def _draft_box(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    if width >= height:
        return long_edge, max(1, -(-long_edge * height // max(1, width)))
    return max(1, -(-long_edge * width // max(1, height))), long_edge


def own_orientation(image: Image.Image) -> int | None:
    """The orientation the file's EXIF gives (never its XMP's); None when the EXIF has none."""
    try:
        raw = image.info.get("exif")
        if raw is None:
            tags = getattr(image, "tag_v2", None)  # a TIFF: its EXIF is the file's own IFD
            value = tags.get(0x0112) if tags is not None else None
        else:
            exif = Image.Exif()
            exif.load(raw)
            value = exif.get(0x0112)
    except (SyntaxError, OSError, ValueError, TypeError, KeyError):
        return None
    return int(value) if isinstance(value, int) else None


def swaps_axes(orientation: int | None) -> bool:
    """Whether this EXIF orientation turns the picture a quarter (width and height trade places)."""
    return orientation in (5, 6, 7, 8)


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
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey (PNG, TIFF, JPEG XL): scale, do not clip
        image = image.point(lambda v: v / 256).convert("L")
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
    return image.convert("RGBA" if has_alpha else "RGB")


def fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The size of an image scaled down (never up) so that its long edge is at most `long_edge`."""
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def resized(image: Image.Image, long_edge: int) -> Image.Image:
    """An sRGB copy scaled to `long_edge` (the input is left as it is)."""
    target = fit(image.size, long_edge)
    if target != image.size:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return to_srgb(image)


def encode(image: Image.Image, quality: int) -> bytes:
    """WebP without any metadata: no EXIF, no ICC, no XMP (so no GPS, ever)."""
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=WEBP_METHOD, exif=b"", icc_profile=b"", xmp=b"")
    return out.getvalue()


def render(image: Image.Image, size: str) -> bytes:
    """Resize an oriented image to a derivative size and encode it."""
    return encode(resized(image, SIZES[size]), WEBP_QUALITY[size])


def placeholder(image: Image.Image) -> str:
    """A blurry 24 px preview as a data: URI (a few hundred bytes, inlined in album pages)."""
    tiny = image.resize(fit(image.size, PLACEHOLDER_SIZE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return "data:image/webp;base64," + base64.b64encode(encode(to_srgb(tiny).convert("RGB"), 40)).decode("ascii")


def make_derivative(
    thumbs_dir: Path,
    sha256: str,
    source: Path,
    kind: str,
    size: str,
    fresh: bool = False,
    orientation: int | None = None,
) -> Rendered:
    """Decode `source` once and write the `size` derivative.

    An existing file is kept unless `fresh` (the import rewrites it: a file left by a crashed
    run may never have reached the disk whole); `fresh` writes skip the fsync, the importer
    syncs once per batch before it commits. `orientation`: the catalog's (see load_for_size).
    """
    image, full = load_for_size(source, kind, SIZES[size], MIN_EDGE[size], orientation)
    small = resized(image, SIZES[size])
    target = thumbs_dir / derivative_path(sha256, size)
    if fresh or not target.exists():
        storage.write_atomic(target, encode(small, WEBP_QUALITY[size]), durable=not fresh)
    reason = image.info.get("tile_reason")
    if size != GRID:
        return Rendered(full[0], full[1], small.width, small.height, tile_reason=reason)
    return Rendered(full[0], full[1], small.width, small.height, placeholder(small), sharpness(small), reason)


def sharpness(image: Image.Image) -> float:
    """Variance of the edge image: a blurred or shaken photo scores low."""
    edges = image.convert("L").filter(ImageFilter.FIND_EDGES)
    return round(ImageStat.Stat(edges).var[0], 1)
