"""EXIF: `read_tags` touches the file, `parse_tags` interprets plain values and is pure.

Tag values handed to `parse_tags` are plain Python: `str` for text, a list of ints, or a list
of `(numerator, denominator)` pairs for rationals. Keys use exifread's names ("EXIF
DateTimeOriginal", "GPS GPSLatitude", "Image Make"); the Pillow fallback produces the same.
The embedded XMP packet, when there is one, is the bytes under `XMP_KEY` (read by `xmp.py`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO

from . import text, xmp
from .models import PhotoMeta

TagValue = Any  # str | list[int] | list[tuple[int, int]] | bytes
Tags = Mapping[str, TagValue]

# exifread field types: 2 ASCII, 5 RATIONAL, 10 SRATIONAL, 7 UNDEFINED
_RATIONAL_TYPES = {5, 10}
_WANTED_PREFIXES = ("Image ", "EXIF ", "GPS ")
_TEXT_LIMIT = 200
_DESCRIPTION_LIMIT = 2000
_INVISIBLE = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)]
    + [0x7F]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)


XMP_KEY = "XMP Packet"  # the embedded XMP packet (bytes), beside exifread's names


def read_tags(fh: BinaryIO) -> dict[str, TagValue]:
    """EXIF tags read by exifread as plain values, plus the embedded XMP packet (MakerNotes skipped: exif-py #182)."""
    import exifread

    packet = read_xmp(fh)
    fh.seek(0)
    raw = exifread.process_file(fh, details=False, extract_thumbnail=False)
    tags = {name: _plain(tag) for name, tag in raw.items() if name.startswith(_WANTED_PREFIXES)}
    if packet is not None:
        tags[XMP_KEY] = packet
    return tags


# Pillow plugins raise all of these on hostile headers; the XMP is then simply not read.
_OPEN_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, Warning)


def read_xmp(fh: BinaryIO) -> bytes | None:
    """The embedded XMP packet as Pillow exposes it (JPEG APP1, TIFF tag 700, PNG iTXt, WebP, HEIF, AVIF)."""
    from PIL import Image

    from .formats import PILLOW_FORMATS

    if "HEIF" not in Image.OPEN:
        import pillow_heif

        pillow_heif.register_heif_opener()
    fh.seek(0)
    try:
        with Image.open(fh, formats=list(PILLOW_FORMATS.values())) as image:
            packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    except (*_OPEN_ERRORS, Image.DecompressionBombError):
        return None
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    return packet if isinstance(packet, bytes) and 0 < len(packet) <= xmp.MAX_PACKET else None


def _plain(tag: Any) -> TagValue:
    if tag.field_type == 2:
        values = tag.values
        return values if isinstance(values, str) else str(values)
    if tag.field_type in _RATIONAL_TYPES:
        return [(_num(r), _den(r)) for r in tag.values]
    if isinstance(tag.values, bytes | list):
        return list(tag.values) if isinstance(tag.values, list) else tag.values
    return tag.values


def _num(ratio: Any) -> int:
    return int(getattr(ratio, "num", getattr(ratio, "numerator", 0)))


def _den(ratio: Any) -> int:
    return int(getattr(ratio, "den", getattr(ratio, "denominator", 1)))


def pillow_tags(exif: Any) -> dict[str, TagValue]:
    """Convert a Pillow `Image.Exif` into the same plain form (fallback for what exifread misses)."""
    from PIL import ExifTags

    out: dict[str, TagValue] = {}
    ifds = [
        ("Image ", dict(exif), ExifTags.TAGS),
        ("EXIF ", dict(exif.get_ifd(ExifTags.IFD.Exif)), ExifTags.TAGS),
        ("GPS ", dict(exif.get_ifd(ExifTags.IFD.GPSInfo)), ExifTags.GPSTAGS),
    ]
    for prefix, ifd, names in ifds:
        for key, value in ifd.items():
            name = names.get(key)
            if name and not isinstance(value, dict):
                out[prefix + name] = _pillow_plain(value)
    return out


def _pillow_plain(value: Any) -> TagValue:
    if isinstance(value, tuple | list):
        return [_pillow_scalar(v) for v in value]
    scalar = _pillow_scalar(value)
    return scalar if isinstance(scalar, str | bytes) else [scalar]


def _pillow_scalar(value: Any) -> Any:
    if hasattr(value, "numerator") and hasattr(value, "denominator") and not isinstance(value, int):
        return (int(value.numerator), int(value.denominator))
    if isinstance(value, bytes):
        return value.rstrip(b"\x00").decode("utf-8", "replace") if value.isascii() else value
    return value


def parse_tags(tags: Tags) -> PhotoMeta:
    """Interpret plain tag values field by field; a bad field is dropped and named in bad_tags."""
    bad: list[str] = []

    def field(parser: Callable[[Tags], Any], name: str) -> Any:
        try:
            return parser(tags)
        except (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, OverflowError):
            bad.append(name)
            return None

    packet = xmp.parse_xmp(tags.get(XMP_KEY)) if XMP_KEY in tags else xmp.EMPTY
    when = field(lambda t: _capture_time(t, packet), "DateTime")
    gps = field(_gps_position, "GPSPosition") or (packet.lat, packet.lon)
    return PhotoMeta(
        local_time=when[0] if when else None,
        offset_minutes=when[1] if when else None,
        date_source=when[2] if when else None,
        gps_time=field(_gps_time, "GPSTimeStamp"),
        lat=gps[0],
        lon=gps[1],
        altitude=field(_altitude, "GPSAltitude"),
        make=field(lambda t: _text(t, "Image Make"), "Make"),
        model=field(lambda t: _text(t, "Image Model"), "Model"),
        serial=field(_serial, "SerialNumber"),
        lens=field(lambda t: _text(t, "EXIF LensModel"), "LensModel"),
        exposure=field(_exposure, "ExposureTime"),
        aperture=field(lambda t: _rounded(t, "EXIF FNumber", 1), "FNumber"),
        iso=field(_iso, "ISOSpeedRatings"),
        focal_length=field(lambda t: _rounded(t, "EXIF FocalLength", 1), "FocalLength"),
        orientation=field(_orientation, "Orientation") or packet.orientation or 1,
        description=field(lambda t: _description(t, packet), "ImageDescription"),
        title=packet.title,
        rating=packet.rating,
        keywords=packet.keywords,
        bad_tags=tuple(bad),
    )


# -- dates -----------------------------------------------------------------------------------

_DATE_TAGS = (
    ("EXIF DateTimeOriginal", "EXIF SubSecTimeOriginal", "EXIF OffsetTimeOriginal", "exif_original"),
    ("EXIF DateTimeDigitized", "EXIF SubSecTimeDigitized", "EXIF OffsetTimeDigitized", "exif_digitized"),
    ("Image DateTime", "EXIF SubSecTime", "EXIF OffsetTime", "exif_datetime"),
)
_XMP_DATES = (
    ("date_original", "xmp_original"),  # exif:DateTimeOriginal
    ("create_date", "xmp_create"),  # xmp:CreateDate
    ("date_digitized", "xmp_digitized"),  # exif:DateTimeDigitized
    ("date_created", "xmp_photoshop"),  # photoshop:DateCreated
)

Capture = tuple[datetime, int | None, str]


def _capture_time(tags: Tags, packet: xmp.Xmp) -> Capture | None:
    """The best capture time: EXIF DateTimeOriginal, embedded XMP dates (with their offsets), IFD0's DateTime.

    Maker dates are not read: exifread 3.5 exposes neither Olympus's APP12 PictureInfo nor a
    Reconyx maker note, nor the Canon CIFF block of early PowerShots.
    """
    candidates = [*_exif_times(tags), *_xmp_times(packet)]
    ranked = sorted(candidates, key=lambda c: _DATE_RANK.index(c[2]))
    return ranked[0] if ranked else None


# exiftool's order (DateTimeOriginal, then CreateDate, then the rest; EXIF before XMP for the same
# name); IFD0's DateTime is when the file was last written, so it comes last.
_DATE_RANK = (
    "exif_original",
    "xmp_original",
    "exif_digitized",
    "xmp_create",
    "xmp_digitized",
    "xmp_photoshop",
    "exif_datetime",
)


def _exif_times(tags: Tags) -> list[Capture]:
    found = []
    for date_tag, subsec_tag, offset_tag, source in _DATE_TAGS:
        when = parse_exif_datetime(tags.get(date_tag))
        if when is None:
            continue
        when = when.replace(microsecond=_subsec_micros(tags.get(subsec_tag)))
        offset = parse_offset(tags.get(offset_tag))
        if offset is None and parse_exif_datetime(tags.get("Image DateTime")) == when.replace(microsecond=0):
            # Some phones write only OffsetTime; it applies when DateTime is the same instant.
            offset = parse_offset(tags.get("EXIF OffsetTime"))
        found.append((when, offset, source))
    return found


def _xmp_times(packet: xmp.Xmp) -> list[Capture]:
    """XMP dates with their own offsets. An XMP offset is never lent to an EXIF date: Lightroom
    writes the computer's zone there, which a photo's own position beats."""
    found = []
    for field_name, source in _XMP_DATES:
        value = getattr(packet, field_name)
        if value is not None:
            found.append((value.local, value.offset_minutes, source))
    return found


_EXIF_DATETIME = re.compile(r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")


def parse_exif_datetime(value: TagValue) -> datetime | None:
    """'2017:09:21 14:30:00' -> naive datetime; None for blanks, zeros and impossible dates."""
    if not isinstance(value, str):
        return None
    match = _EXIF_DATETIME.match(value.replace("\x00", ""))
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if not 1900 <= year <= 2100:
        return None
    try:
        return datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None


def _subsec_micros(value: TagValue) -> int:
    digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
    return int(digits[:6].ljust(6, "0")) if digits else 0


_OFFSET = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")


def parse_offset(value: TagValue) -> int | None:
    """'+02:00' -> 120 minutes; None when absent or outside the real range (-12:00..+14:00)."""
    if not isinstance(value, str):
        return None
    match = _OFFSET.match(value.replace("\x00", ""))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if sign == "-" else total


_FILENAME_DATETIME = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])"
    r"[ _T.-]{0,3}([01]\d|2[0-3])[-_.:hH]?([0-5]\d)[-_.:mM]?([0-5]\d)(\d{0,3})(?!\d)"
)
_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_filename(name: str) -> tuple[datetime, bool] | None:
    """A capture time written in a file name; the flag is True when only the day is known."""
    match = _FILENAME_DATETIME.search(name)
    if match:
        y, mo, d, h, mi, s, ms = match.groups()
        try:
            when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int(ms.ljust(3, "0")) * 1000)
        except ValueError:
            return None
        return when, False
    match = _FILENAME_DATE.search(name)
    if match:
        try:
            return datetime.combine(date(*map(int, match.groups())), time(0, 0)), True
        except ValueError:
            return None
    return None


# -- GPS ---------------------------------------------------------------------------------------


def _ratio(pair: Any) -> float:
    if isinstance(pair, tuple):
        num, den = pair
        if den == 0:
            raise ZeroDivisionError("rational with zero denominator")
        return num / den
    return float(pair)


def _dms(values: Any) -> float:
    parts = [_ratio(v) for v in values]
    if not parts or len(parts) > 3:
        raise ValueError("GPS coordinate needs 1 to 3 parts")
    degrees, minutes, seconds = (parts + [0.0, 0.0])[:3]
    if minutes >= 60 or seconds >= 60 or minutes < 0 or seconds < 0:
        raise ValueError("GPS minutes or seconds out of range")
    return degrees + minutes / 60 + seconds / 3600


def _ref(tags: Tags, name: str) -> str:
    value = tags.get(name)
    return value.strip().upper()[:1] if isinstance(value, str) else ""


def _gps_position(tags: Tags) -> tuple[float, float] | None:
    if "GPS GPSLatitude" not in tags or "GPS GPSLongitude" not in tags:
        return None
    lat = _dms(tags["GPS GPSLatitude"])
    lon = _dms(tags["GPS GPSLongitude"])
    if _ref(tags, "GPS GPSLatitudeRef") == "S":
        lat = -lat
    if _ref(tags, "GPS GPSLongitudeRef") == "W":
        lon = -lon
    lat, lon = _clamp(lat, 90.0), _clamp(lon, 180.0)
    if lat == 0.0 and lon == 0.0:
        return None  # "null island": a privacy picker or an empty fix, not a place
    return round(lat, 7), round(lon, 7)


def _clamp(value: float, limit: float) -> float:
    """Clamp a rounding overshoot (90.000003); refuse anything really out of range."""
    if not math.isfinite(value) or abs(value) > limit + 1e-3:
        raise ValueError(f"coordinate {value} outside +-{limit}")
    return max(-limit, min(limit, value))


def _altitude(tags: Tags) -> float | None:
    if "GPS GPSAltitude" not in tags:
        return None
    altitude = _ratio(tags["GPS GPSAltitude"][0])
    ref = tags.get("GPS GPSAltitudeRef")
    if isinstance(ref, list) and ref and ref[0] == 1:
        altitude = -altitude
    if not math.isfinite(altitude) or abs(altitude) > 100_000:
        raise ValueError("altitude out of range")
    return round(altitude, 1)


def _gps_time(tags: Tags) -> datetime | None:
    day = tags.get("GPS GPSDate")
    stamp = tags.get("GPS GPSTimeStamp")
    if not isinstance(day, str) or not stamp:
        return None
    match = re.match(r"^\s*(\d{4})[:\-](\d{1,2})[:\-](\d{1,2})", day)
    if not match:
        return None
    year, month, dom = map(int, match.groups())
    if year < 2000 or year > 2100:
        return None  # GPS weeks roll over; 1970 and 1980 dates are empty fixes, not evidence
    hours, minutes, seconds = ([_ratio(v) for v in stamp] + [0.0, 0.0])[:3]
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        raise ValueError("GPS time stamp out of range")
    midnight = datetime(year, month, dom, tzinfo=UTC)
    return midnight + timedelta(hours=int(hours), minutes=int(minutes), seconds=round(seconds, 3))


# -- camera -----------------------------------------------------------------------------------


def clean_text(value: str, limit: int = _TEXT_LIMIT) -> str | None:
    """Remove control and bidi-override characters, normalise, trim and cap a text field."""
    cleaned = unicodedata.normalize("NFC", value).translate(_INVISIBLE).strip()
    return cleaned[:limit] or None


def _text(tags: Tags, name: str, limit: int = _TEXT_LIMIT) -> str | None:
    value = tags.get(name)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return clean_text(value, limit) if isinstance(value, str) else None


def _description(tags: Tags, packet: xmp.Xmp) -> str | None:
    """Embedded XMP's dc:description over EXIF's ImageDescription (a sidecar's wins over both, later);
    what a camera writes by itself (« OLYMPUS DIGITAL CAMERA ») is no description."""
    for value in (packet.description, _text(tags, "Image ImageDescription", _DESCRIPTION_LIMIT)):
        if value and not text.is_boilerplate(value):
            return value
    return None


def _serial(tags: Tags) -> str | None:
    for name in ("EXIF BodySerialNumber", "Image CameraSerialNumber", "EXIF SerialNumber", "Image SerialNumber"):
        text = _text(tags, name, 64)
        if text and text.strip("0 "):
            return text
    return None


def _exposure(tags: Tags) -> str | None:
    value = tags.get("EXIF ExposureTime")
    if not value:
        return None
    seconds = _ratio(value[0])
    if seconds <= 0:
        raise ValueError("exposure must be positive")
    if seconds < 1:
        return f"1/{round(1 / seconds)}"
    return f"{seconds:g}"


def _rounded(tags: Tags, name: str, digits: int) -> float | None:
    value = tags.get(name)
    if not value:
        return None
    number = _ratio(value[0])
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be positive")
    return round(number, digits)


def _iso(tags: Tags) -> int | None:
    for name in ("EXIF ISOSpeedRatings", "EXIF PhotographicSensitivity"):
        value = tags.get(name)
        if value:
            iso = int(value[0])
            return iso if iso > 0 else None
    return None


def _orientation(tags: Tags) -> int | None:
    value = tags.get("Image Orientation")
    if not value:
        return None
    orientation = int(value[0])
    return orientation if 1 <= orientation <= 8 else 1
