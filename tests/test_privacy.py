"""privacy.strip_gps: the position goes, the pixels and the rest of the metadata stay."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from gallery import privacy

from .conftest import make_photo


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_gps_is_removed_and_nothing_else(tmp_path: Path, fmt: str) -> None:
    path = make_photo(tmp_path / f"x.{fmt.lower()}", datetime(2017, 9, 19, 10, 0), gps=(43.6111, 1.4339), fmt=fmt)
    data = path.read_bytes()
    stripped = privacy.strip_gps(data, {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "TIFF": "tiff"}[fmt])
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert before.getexif().get_ifd(0x8825), "the test photo has a position"
        assert not after.getexif().get_ifd(0x8825), "no position left"
        assert after.getexif().get_ifd(0x8769)[0x9003] == "2017:09:19 10:00:00", "the date stays"
        assert before.convert("RGB").tobytes() == after.convert("RGB").tobytes(), "same pixels"


def test_formats_it_cannot_clean_are_refused() -> None:
    with pytest.raises(privacy.CannotStrip):
        privacy.strip_gps(b"\0\0\0\x18ftypheic", "heif")
    with pytest.raises(privacy.CannotStrip):
        privacy.strip_gps(b"not a jpeg", "jpeg")
