"""exif.parse_tags from literals: every field, the fallbacks, and what a bad tag costs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gallery import exif
from gallery.formats import sniff


def test_datetime_original_with_subsec_and_offset() -> None:
    meta = exif.parse_tags(
        {
            "EXIF DateTimeOriginal": "2017:09:21 14:30:05",
            "EXIF SubSecTimeOriginal": "123",
            "EXIF OffsetTimeOriginal": "+02:00",
            "Image DateTime": "2018:01:01 00:00:00",
        }
    )
    assert meta.local_time == datetime(2017, 9, 21, 14, 30, 5, 123000)
    assert meta.offset_minutes == 120
    assert meta.date_source == "exif_original"


def test_falls_back_to_digitized_then_datetime() -> None:
    digitized = exif.parse_tags(
        {"EXIF DateTimeDigitized": "2017:09:21 10:00:00", "Image DateTime": "2019:01:01 00:00:00"}
    )
    assert (digitized.local_time, digitized.date_source) == (datetime(2017, 9, 21, 10), "exif_digitized")
    plain = exif.parse_tags({"Image DateTime": "2019:01:01 08:00:00", "EXIF OffsetTime": "-04:00"})
    assert (plain.local_time, plain.date_source, plain.offset_minutes) == (
        datetime(2019, 1, 1, 8),
        "exif_datetime",
        -240,
    )


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024:02:30 10:00:00", "", "garbage"])
def test_impossible_dates_are_no_date(value: str) -> None:
    meta = exif.parse_tags({"EXIF DateTimeOriginal": value})
    assert meta.local_time is None and meta.date_source is None


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("+05:30", 330), ("-03:30", -210), ("+0545", 345), ("+25:00", None), ("+02:75", None), ("Z", None)],
)
def test_offsets(value: str, minutes: int | None) -> None:
    assert exif.parse_offset(value) == minutes


def test_offset_time_applies_only_when_datetime_is_the_same_instant() -> None:
    same = exif.parse_tags(
        {
            "EXIF DateTimeOriginal": "2017:09:21 14:30:05",
            "Image DateTime": "2017:09:21 14:30:05",
            "EXIF OffsetTime": "+02:00",
        }
    )
    edited = exif.parse_tags(
        {
            "EXIF DateTimeOriginal": "2017:09:21 14:30:05",
            "Image DateTime": "2020:01:01 09:00:00",
            "EXIF OffsetTime": "-05:00",
        }
    )
    assert same.offset_minutes == 120
    assert edited.offset_minutes is None


def test_gps_signed_from_refs() -> None:
    meta = exif.parse_tags(
        {
            "GPS GPSLatitude": [(33, 1), (51, 1), (2160, 100)],
            "GPS GPSLatitudeRef": "S",
            "GPS GPSLongitude": [(151, 1), (12, 1), (3600, 100)],
            "GPS GPSLongitudeRef": "E",
            "GPS GPSAltitude": [(58, 1)],
            "GPS GPSAltitudeRef": [1],
        }
    )
    assert meta.lat == pytest.approx(-(33 + 51 / 60 + 21.6 / 3600))
    assert meta.lon == pytest.approx(151 + 12 / 60 + 36 / 3600)
    assert meta.altitude == -58.0


def test_gps_time_is_utc() -> None:
    meta = exif.parse_tags({"GPS GPSDate": "2008:10:23", "GPS GPSTimeStamp": [(14, 1), (27, 1), (724, 100)]})
    assert meta.gps_time == datetime(2008, 10, 23, 14, 27, 7, 240000, tzinfo=UTC)


@pytest.mark.parametrize(
    "tags",
    [
        {"GPS GPSLatitude": [(999, 0), (0, 1), (0, 1)], "GPS GPSLongitude": [(1, 1), (0, 1), (0, 1)]},  # 999/0
        {"GPS GPSLatitude": [(91, 1), (0, 1), (0, 1)], "GPS GPSLongitude": [(1, 1), (0, 1), (0, 1)]},
        {"GPS GPSLatitude": [(10, 1), (75, 1), (0, 1)], "GPS GPSLongitude": [(1, 1), (0, 1), (0, 1)]},  # minutes >= 60
        {"GPS GPSLatitude": [(10, 1), (0, 1), (0, 1)], "GPS GPSLongitude": [(181, 1), (0, 1), (0, 1)]},
    ],
)
def test_bad_gps_loses_only_gps(tags: dict) -> None:
    meta = exif.parse_tags({**tags, "Image Make": "Canon", "EXIF DateTimeOriginal": "2017:09:21 14:30:05"})
    assert (meta.lat, meta.lon) == (None, None)
    assert "GPSPosition" in meta.bad_tags
    assert meta.make == "Canon" and meta.local_time is not None


def test_null_island_and_tiny_overshoot() -> None:
    zero = exif.parse_tags({"GPS GPSLatitude": [(0, 1)] * 3, "GPS GPSLongitude": [(0, 1)] * 3})
    assert (zero.lat, zero.lon) == (None, None) and not zero.bad_tags
    pole = exif.parse_tags(
        {
            "GPS GPSLatitude": [(90000003, 1000000), (0, 1), (0, 1)],
            "GPS GPSLatitudeRef": "N",
            "GPS GPSLongitude": [(1, 1), (0, 1), (0, 1)],
        }
    )
    assert pole.lat == 90.0


def test_bogus_gps_dates_are_ignored() -> None:
    meta = exif.parse_tags({"GPS GPSDate": "1970:01:01", "GPS GPSTimeStamp": [(0, 1), (0, 1), (0, 1)]})
    assert meta.gps_time is None


def test_camera_fields() -> None:
    meta = exif.parse_tags(
        {
            "Image Make": "  Canon ",
            "Image Model": "Canon EOS 40D",
            "EXIF BodySerialNumber": "0820500998",
            "EXIF LensModel": "EF-S18-55mm",
            "EXIF ExposureTime": [(1, 250)],
            "EXIF FNumber": [(71, 10)],
            "EXIF ISOSpeedRatings": [100],
            "EXIF FocalLength": [(135, 1)],
            "Image Orientation": [6],
        }
    )
    assert (meta.make, meta.model, meta.serial, meta.lens) == ("Canon", "Canon EOS 40D", "0820500998", "EF-S18-55mm")
    assert (meta.exposure, meta.aperture, meta.iso, meta.focal_length, meta.orientation) == (
        "1/250",
        7.1,
        100,
        135.0,
        6,
    )


def test_bad_values_cost_only_their_field() -> None:
    meta = exif.parse_tags(
        {"EXIF ExposureTime": [(1, 0)], "EXIF FNumber": "f/2", "Image Orientation": [65535], "Image Make": "Nikon"}
    )
    assert meta.exposure is None and meta.aperture is None and meta.orientation == 1
    assert meta.make == "Nikon"
    assert {"ExposureTime", "FNumber"} <= set(meta.bad_tags)


def test_text_is_sanitised_and_capped() -> None:
    meta = exif.parse_tags({"Image Model": "Evil\u202ephone\x00\x07<script>", "Image ImageDescription": "x" * 10000})
    assert meta.model == "Evilphone<script>"  # markup is escaped where it is shown, not here
    assert meta.description is not None and len(meta.description) == 2000


@pytest.mark.parametrize(
    ("name", "expected", "day_only"),
    [
        ("IMG_20170921_143000.jpg", datetime(2017, 9, 21, 14, 30), False),
        ("PXL_20170921_143000123.jpg", datetime(2017, 9, 21, 14, 30, 0, 123000), False),
        ("20170921_143000.jpg", datetime(2017, 9, 21, 14, 30), False),
        ("2017-09-21 14.30.00.jpg", datetime(2017, 9, 21, 14, 30), False),
        ("IMG-20170921-WA0003.jpg", datetime(2017, 9, 21), True),
        ("Screenshot_20170921-143000.png", datetime(2017, 9, 21, 14, 30), False),
    ],
)
def test_dates_in_file_names(name: str, expected: datetime, day_only: bool) -> None:
    assert exif.date_from_filename(name) == (expected, day_only)


@pytest.mark.parametrize("name", ["DSC_0001.JPG", "IMG_20171321_143000.jpg", "photo-12345678901234.jpg"])
def test_no_date_in_file_name(name: str) -> None:
    assert exif.date_from_filename(name) is None


@pytest.mark.parametrize(
    ("head", "kind", "reason"),
    [
        (b"\xff\xd8\xff\xe1" + b"\0" * 60, "jpeg", ""),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 56, "png", ""),
        (b"II*\x00" + b"\0" * 60, "tiff", ""),
        (b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 48, "webp", ""),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 36, "heif", ""),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + b"\0" * 32, "avif", ""),
        (b"\0\0\0\x18ftypmp42\0\0\0\0isommp42" + b"\0" * 36, "mp4", ""),
        (b"\0\0\0\x18ftypcrx \0\0\0\0crx isom" + b"\0" * 36, "cr3", ""),
        (b"\0\0\0\x14ftypqt  \0\0\0\0qt  " + b"\0" * 40, "mov", ""),
        (b"RIFF\0\0\0\0AVI LIST" + b"\0" * 48, "avi", ""),
        (b"GIF89a" + b"\0" * 58, "gif", ""),
        (b"%PDF-1.4" + b"\0" * 56, None, "unsupported_format"),
        (b"<svg onload=alert(1)>", None, "not_an_image"),
        (b"hello, world", None, "not_an_image"),
    ],
)
def test_sniff_by_content(head: bytes, kind: str | None, reason: str) -> None:
    found = sniff(head, ".jpg")
    assert (found.kind, found.reason) == (kind, reason)


def test_raw_files_are_told_from_tiff_by_name_only_when_tiff_inside() -> None:
    assert sniff(b"II*\x00" + b"\0" * 60, ".DNG").kind == "dng"
    assert sniff(b"II*\x00" + b"\0" * 60, ".tif").kind == "tiff"
    assert sniff(b"II*\x00\x10\0\0\0CR\x02\0" + b"\0" * 52, ".tif").kind == "cr2"  # CR2 says so itself
    assert sniff(b"\xff\xd8\xff" + b"\0" * 61, ".DNG").kind == "jpeg"
