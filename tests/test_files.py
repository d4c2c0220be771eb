"""Serving derivatives when something goes wrong: a bad original is a remembered 404, a bug is logged."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gallery import thumbs
from gallery.config import Config
from gallery.web import create_app

from .conftest import Gallery, make_photo


def published_photo(gallery: Gallery, tmp_path: Path) -> tuple[str, Path]:
    """One imported, published photo without its viewer derivative: (sha256, archived path)."""
    card = tmp_path / "card"
    card.mkdir()
    make_photo(card / "IMG_0001.JPG")
    gallery.import_(card, extra=("--no-viewer",))
    gallery("albums", "publish", "--all")
    row = gallery.rows()[0]
    assert not (gallery.root / "thumbnails" / thumbs.derivative_path(row["sha256"], "viewer")).exists()
    return row["sha256"], gallery.root / row["path"]


def set_format(gallery: Gallery, sha256: str, kind: str) -> None:
    with sqlite3.connect(gallery.root / "gallery.db") as conn:
        conn.execute("UPDATE photos SET format = ? WHERE sha256 = ?", (kind, sha256))


def test_a_corrupt_original_is_a_404_remembered_and_logged_as_a_warning(
    gallery: Gallery, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sha, original = published_photo(gallery, tmp_path)
    good = original.read_bytes()
    original.write_bytes(b"\xff\xd8\xff" + b"\0" * 50)  # bit rot on the archive disk
    web = TestClient(create_app(Config(root=gallery.root)))
    with caplog.at_level(logging.WARNING, logger="gallery.web"):
        assert web.get(f"/thumbs/viewer/{sha}.webp").status_code == 404
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and sha in r.getMessage()]
    assert warnings and not any(r.levelno >= logging.ERROR for r in caplog.records)
    original.write_bytes(good)
    assert web.get(f"/thumbs/viewer/{sha}.webp").status_code == 404, "remembered for NEGATIVE_TTL"
    assert TestClient(create_app(Config(root=gallery.root))).get(f"/thumbs/viewer/{sha}.webp").status_code == 200


def test_an_unexpected_error_is_logged_and_not_remembered(
    gallery: Gallery, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sha, _ = published_photo(gallery, tmp_path)
    set_format(gallery, sha, "a-kind-from-a-newer-version")  # no decoder for it: a KeyError, not a bad file
    web = TestClient(create_app(Config(root=gallery.root)))
    with caplog.at_level(logging.WARNING, logger="gallery.web"):
        assert web.get(f"/thumbs/viewer/{sha}.webp").status_code == 404
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None and errors[0].exc_info[0] is KeyError
    set_format(gallery, sha, "jpeg")
    answer = web.get(f"/thumbs/viewer/{sha}.webp")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/webp"
