"""Videos (MP4, MOV, M4V, 3GP, AVI, MPEG-TS/AVCHD, Matroska): PyAV probes, reads the container's tags, draws a poster.

Capture time, in order of trust: Apple's `com.apple.quicktime.creationdate` (local time with its
offset); the container's `creation_time` (mvhd), which phones write in UTC and many cameras in
local time: from an Android or Apple phone it is taken as UTC, from anything else as a camera
clock (naive), so the device's learned offset corrects it like a photo's.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

from .. import storage, text
from ..models import PhotoMeta
from ..motion import clip_content_id
from .base import Extra, MediaKind, Sniffed
from .photo import AVIF_BRANDS, HEIF_BRANDS, iso_brands

FORMATS = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "m4v": "video/x-m4v",
    "3gp": "video/3gpp",
    "avi": "video/x-msvideo",
    "mts": "video/mp2t",
    "mpg": "video/mpeg",
    "mkv": "video/x-matroska",
}
VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"MSNV",
    b"qt  ",
    b"XAVC",
    b"dash",
}
TS_SUFFIXES = {".mts", ".m2ts", ".ts", ".m2t", ".mod", ".tod"}
QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
BROWSER_CODECS = {"h264", "vp8", "vp9", "av1"}  # what Chromium and Firefox play without a preview
POSTER_AT = 1.0  # seconds into the clip; a shorter clip gives its first frame
ISO6709 = re.compile(r"^([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?(?:CRS[^/]*)?/?$")


def sniff(head: bytes, suffix: str) -> Sniffed | None:
    if head[4:8] == b"ftyp":
        brands = iso_brands(head)
        major = brands[0]
        if major in HEIF_BRANDS | AVIF_BRANDS:
            return None  # a HEIF or AVIF image whose compatible brands name video ones too
        if major == b"qt  ":
            return Sniffed("mov")
        if major.startswith((b"3gp", b"3g2")):
            return Sniffed("3gp")
        if major in (b"M4V ", b"M4VH"):
            return Sniffed("m4v")
        if set(brands) & VIDEO_BRANDS and b"crx " not in brands:
            return Sniffed("mov" if suffix == ".mov" else "mp4")
        return None
    if head[4:8] in QT_ATOMS and suffix in (".mov", ".qt", ".mp4"):
        return Sniffed("mov")  # QuickTime files from before ftyp
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("avi")
    if suffix in TS_SUFFIXES and (head[:1] == b"\x47" or head[4:5] == b"\x47"):
        return Sniffed("mts")  # MPEG-TS (188-byte packets) or BDAV M2TS (4-byte time code first)
    if head.startswith(b"\x00\x00\x01\xba"):
        return Sniffed("mpg")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("mkv")
    return None


def read_tags(path: Path) -> dict[str, Any]:
    """The container's and the first video stream's facts, as plain values (the I/O edge)."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        tags: dict[str, Any] = {str(k): str(v) for k, v in container.metadata.items()}
        video = next(iter(container.streams.video), None)
        if container.duration is not None:
            tags["@duration"] = container.duration / 1_000_000
        if video is not None:
            tags["@codec"] = video.codec_context.name
            tags["@width"], tags["@height"] = video.codec_context.width, video.codec_context.height
            for key, value in video.metadata.items():
                tags.setdefault(f"stream:{key}", str(value))
        else:
            tags["@codec"] = None
    return tags


def parse_tags(tags: dict[str, Any]) -> tuple[PhotoMeta, Extra]:
    """Pure: container tags -> capture time, position, device; duration and codec."""
    when, offset, source = _capture_time(tags)
    lat, lon, alt = parse_iso6709(_first(tags, "com.apple.quicktime.location.ISO6709", "location", "location-eng"))
    make = _first(tags, "com.apple.quicktime.make", "make", "com.android.manufacturer")
    model = _first(tags, "com.apple.quicktime.model", "model", "com.android.model")
    meta = PhotoMeta(
        local_time=when,
        offset_minutes=offset,
        date_source=source,
        lat=lat,
        lon=lon,
        altitude=alt,
        make=make,
        model=model,
        description=_description(tags),
    )
    duration = tags.get("@duration")
    extra = Extra(
        duration=round(float(duration), 3) if duration is not None else None,
        codec=tags.get("@codec"),
        width=tags.get("@width"),
        height=tags.get("@height"),
        content_id=clip_content_id(tags),
    )
    return meta, extra


def _description(tags: dict[str, Any]) -> str | None:
    """The clip's title or description, unless a camera wrote it by itself (« SONY DSC »), like a photo's."""
    for name in ("title", "com.apple.quicktime.title", "description", "com.apple.quicktime.description"):
        value = _first(tags, name)
        if value and not text.is_boilerplate(value):
            return value
    return None


def _first(tags: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = tags.get(name)
        if value and str(value).strip():
            return str(value).strip()
    return None


def _capture_time(tags: dict[str, Any]) -> tuple[datetime | None, int | None, str | None]:
    apple = _parse_instant(_first(tags, "com.apple.quicktime.creationdate"))
    if apple is not None and apple.tzinfo is not None:
        offset = apple.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else None
        return apple.replace(tzinfo=None), minutes, "video_creationdate"
    created = _parse_instant(_first(tags, "creation_time", "stream:creation_time", "date"))
    if created is None:
        return None, None, None
    phone = any(k.startswith(("com.android.", "com.apple.quicktime.")) for k in tags)
    return created.replace(tzinfo=None), (0 if phone else None), "video_container"


def _parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)  # +0200 -> +02:00
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.year < 1971:  # 1904-01-01 or 1970-01-01: the camera wrote zero
        return None
    return when


def parse_iso6709(text: str | None) -> tuple[float | None, float | None, float | None]:
    """'+48.8584+002.2945+035.000/' -> (48.8584, 2.2945, 35.0); degrees, DDMM or DDMMSS forms."""
    match = ISO6709.match((text or "").strip())
    if match is None:
        return None, None, None
    lat, lon = _angle(match.group(1), 2), _angle(match.group(2), 3)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None, None
    return lat, lon, float(match.group(3)) if match.group(3) else None


def _angle(text: str, degree_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, fraction = text[1:].partition(".")
    try:
        if len(whole) <= degree_digits:
            return sign * float(text[1:])
        if len(whole) == degree_digits + 2:  # DDMM.mmm
            return sign * (int(whole[:degree_digits]) + float(f"{whole[degree_digits:]}.{fraction or 0}") / 60)
        if len(whole) == degree_digits + 4:  # DDMMSS.sss
            minutes = int(whole[degree_digits : degree_digits + 2])
            seconds = float(f"{whole[degree_digits + 2 :]}.{fraction or 0}")
            return sign * (int(whole[:degree_digits]) + minutes / 60 + seconds / 3600)
    except ValueError:
        return None
    return None


def read_meta(path: Path) -> tuple[PhotoMeta, Extra]:
    return parse_tags(read_tags(path))


def picture(path: Path, fmt: str, long_edge: int) -> Image.Image:
    """A poster frame (about a second in), scaled to `long_edge` and turned upright; carries no metadata."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        stream = next(iter(container.streams.video), None)
        if stream is None:
            raise ValueError("no video stream")
        stream.thread_type = "AUTO"
        duration = (container.duration or 0) / 1_000_000
        if duration > 2 * POSTER_AT and stream.time_base is not None:
            container.seek(int(POSTER_AT / stream.time_base), stream=stream, backward=True)
        frame = next(container.decode(stream), None)
        if frame is None:
            raise ValueError("no frame could be decoded")
        width, height = frame.width, frame.height
        scale = min(1.0, long_edge / max(width, height))
        image = frame.to_image(width=max(2, round(width * scale)), height=max(2, round(height * scale)))
        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    if rotation:
        image = image.rotate(rotation, expand=True)  # the display matrix turns counter-clockwise
    return image.convert("RGB")


def plays_in_browsers(codec: str | None, fmt: str) -> bool:
    """Whether a `<video>` can play the original as it is (else a web preview is made)."""
    return codec in BROWSER_CODECS and fmt in ("mp4", "m4v", "mov", "mkv")


KIND = MediaKind("video", FORMATS, sniff, read_meta=read_meta, picture=picture, large=True)


# -- The web copy: what a browser plays, without any metadata ----------------------------------

WEB_COPY = "video"  # its derivative "size" in RenderJob and the viewer pass
WEB_RATE = 1_000_000  # bytes of original per second of transcode time allowed, on top of the base limit
WEB_EDGE = 1080  # the short edge of a preview, at most (1080p)
WEB_CRF = "23"
# Memory, measured with bench/card_bench.py (a 720p clip: about 150 MiB per transcode with FFmpeg's
# defaults): x264's frame buffers grow with its look-ahead (10 frames at `veryfast`), the decoder's
# with its frame threads (one more frame each). Five frames of look-ahead keep B-frames and mb-tree
# (the file is no bigger); two decoding threads are enough beside a pool that has a worker per core.
X264_PARAMS = "rc-lookahead=5"
DECODE_THREADS = 2


def web_copy_path(sha256: str) -> PurePosixPath:
    """thumbnails/video/<ab>/<cd>/<sha256>.mp4, relative to the thumbnails folder."""
    return PurePosixPath("video", sha256[:2], sha256[2:4], f"{sha256}.mp4")


def make_web_copy(source: Path, target: Path) -> None:
    """An H.264/AAC MP4 (faststart, at most 1080p) with no metadata at all: no date, no place, no device.

    Written to a temp file and renamed: a killed transcode leaves nothing, the next pass starts again.
    """
    import av

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = storage.temp_path(target).with_suffix(".mp4.tmp")
    try:
        with (
            av.open(str(source), metadata_errors="ignore") as inp,
            av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            _transcode(inp, out, _rotation(source))
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _rotation(source: Path) -> int:
    """Degrees (counter-clockwise) the first frame must turn to stand upright."""
    import av

    with av.open(str(source), metadata_errors="ignore") as container:
        frame = next(container.decode(video=0), None)
        return int(getattr(frame, "rotation", 0) or 0) % 360 if frame is not None else 0


def _transcode(inp: Any, out: Any, rotation: int) -> None:
    video_in = inp.streams.video[0]
    video_in.thread_type = "AUTO"
    video_in.codec_context.thread_count = DECODE_THREADS
    audio_in = next(iter(inp.streams.audio), None)
    coded = _web_size(video_in.codec_context.width, video_in.codec_context.height)
    width, height = (coded[1], coded[0]) if rotation in (90, 270) else coded
    rate = video_in.average_rate or Fraction(25, 1)
    video_out = out.add_stream("libx264", rate=rate if rate <= 60 else Fraction(60, 1))
    video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
    video_out.options = {"crf": WEB_CRF, "preset": "veryfast", "x264-params": X264_PARAMS}
    audio_out = out.add_stream("aac", rate=48000) if audio_in is not None else None
    streams = [video_in] + ([audio_in] if audio_in is not None else [])
    for packet in inp.demux(streams):
        for frame in packet.decode():
            if packet.stream is video_in:
                upright = _upright(frame, rotation, coded)
                upright.pts, upright.time_base = frame.pts, frame.time_base  # the clip keeps its timing
                out.mux(video_out.encode(upright))
            elif audio_out is not None:
                out.mux(audio_out.encode(frame))
    out.mux(video_out.encode(None))
    if audio_out is not None:
        out.mux(audio_out.encode(None))


def _web_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, WEB_EDGE / max(1, min(width, height)))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _upright(frame: Any, rotation: int, coded: tuple[int, int]) -> Any:
    """Scale to the web size, then turn as the display matrix says (the copy carries no matrix)."""
    import av

    scaled = frame.reformat(width=coded[0], height=coded[1], format="yuv420p")
    if not rotation:
        return scaled
    return av.VideoFrame.from_image(scaled.to_image().rotate(rotation, expand=True)).reformat(format="yuv420p")
