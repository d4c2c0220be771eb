"""storage on its own: atomic writes, verified copies, leftovers, containment."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gallery import storage
from gallery.errors import NotFound


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_hash_file_streams_sha256_and_size(tmp_path: Path) -> None:
    data = os.urandom(storage.CHUNK + 123)  # more than one chunk
    (tmp_path / "f").write_bytes(data)
    assert storage.hash_file(tmp_path / "f") == (sha(data), len(data))


def test_write_atomic_replaces_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "thumb.webp"
    storage.write_atomic(target, b"first")
    storage.write_atomic(target, b"second", durable=False)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["thumb.webp"]


def test_copy_verified_copies_or_links_and_proves_the_hash(tmp_path: Path) -> None:
    source = tmp_path / "IMG_0001.JPG"
    source.write_bytes(b"photo bytes")
    copy, link = tmp_path / "media" / "copy.jpg", tmp_path / "media" / "link.jpg"
    storage.copy_verified(source, copy, sha(b"photo bytes"))
    storage.copy_verified(source, link, sha(b"photo bytes"), link=True)
    assert copy.read_bytes() == b"photo bytes" and not os.path.samefile(copy, source)
    assert os.path.samefile(link, source)


def test_a_copy_that_does_not_match_its_hash_is_not_kept(tmp_path: Path) -> None:
    source = tmp_path / "IMG_0001.JPG"
    source.write_bytes(b"changed since it was hashed")
    target = tmp_path / "media" / "IMG_0001.JPG"
    with pytest.raises(OSError, match="does not match its hash"):
        storage.copy_verified(source, target, sha(b"what was hashed"))
    assert list(target.parent.iterdir()) == []


def test_remove_temp_files_removes_only_leftovers(tmp_path: Path) -> None:
    kept = tmp_path / "2017" / "IMG_0001.JPG"
    kept.parent.mkdir()
    kept.write_bytes(b"x")
    leftover = storage.temp_path(kept)
    leftover.write_bytes(b"half")
    assert storage.remove_temp_files(tmp_path) == 1
    assert [p.name for p in kept.parent.iterdir()] == ["IMG_0001.JPG"]
    assert storage.remove_temp_files(tmp_path / "absent") == 0


def test_resolve_inside_refuses_what_leaves_its_folder(tmp_path: Path) -> None:
    media, outside = tmp_path / "media", tmp_path / "secret.txt"
    (media / "2017").mkdir(parents=True)
    (media / "2017" / "a.jpg").write_bytes(b"x")
    outside.write_bytes(b"secret")
    (media / "2017" / "link.jpg").symlink_to(outside)
    assert storage.resolve_inside(media, "2017/a.jpg") == (media / "2017" / "a.jpg").resolve()
    for relative in ("../secret.txt", "2017/link.jpg", "2017", "2017/missing.jpg", str(outside)):
        with pytest.raises(NotFound):
            storage.resolve_inside(media, relative)


def test_a_forced_read_only_library_is_read_only(tmp_path: Path) -> None:
    assert not storage.library_read_only(tmp_path, tmp_path / "gallery.db")
    assert storage.library_read_only(tmp_path, tmp_path / "gallery.db", forced=True)
    assert storage.is_writable(tmp_path / "not" / "yet")  # its nearest existing parent decides
