"""Hostile files (reliability-plan §7.1): each case imported on its own, its outcome asserted, and the
invariants checked after it: originals unchanged, catalog intact, every file in exactly one state."""

from __future__ import annotations

import io
import os
import socket
import struct
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from .conftest import CORPUS, Gallery, make_photo, snapshot

WHEN = datetime(2017, 9, 21, 14, 30)
Builder = Callable[[Path], None]


def jpeg_with_exif(path: Path, exif: bytes, size: tuple[int, int] = (64, 48)) -> None:
    """A valid JPEG whose APP1 carries exactly these EXIF (TIFF) bytes."""
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, "JPEG")
    data = out.getvalue()
    body = b"Exif\x00\x00" + exif
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + data[2:])


def tiff(entries: list[tuple[int, int, int, bytes]], extra: bytes = b"", next_ifd: int = 0) -> bytes:
    """A little-endian TIFF header with one IFD: (tag, type, count, 4-byte value or offset)."""
    head = b"II*\x00" + struct.pack("<I", 8)
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", t, k, c) + v.ljust(4, b"\0")[:4] for t, k, c, v in entries
    )
    return head + ifd + struct.pack("<I", next_ifd) + extra


def exif_photo(path: Path, **fields: object) -> None:
    make_photo(path, **fields)  # type: ignore[arg-type]


def b03_prefixes(folder: Path) -> None:
    whole = make_photo(folder / "whole.jpg", WHEN, offset="+02:00", gps=(43.6, 1.44), size=(120, 90)).read_bytes()
    (folder / "whole.jpg").unlink()
    for cut in range(1, len(whole), 97):
        (folder / f"prefix-{cut:05d}.jpg").write_bytes(whole[:cut])


CASES: dict[str, tuple[Builder, dict[str, str]]] = {
    # id: (how to build the folder, {file name: expected "status" or "status:reason"})
    "B01 empty": (lambda f: (f / "x.jpg").write_bytes(b""), {"x.jpg": "rejected:empty"}),
    "B02 random bytes": (lambda f: (f / "x.jpg").write_bytes(os.urandom(4096)), {"x.jpg": "skipped:not_an_image"}),
    "B04 IFD cycle": (
        lambda f: jpeg_with_exif(f / "x.jpg", tiff([(0x010F, 2, 4, b"Can\0")], next_ifd=8)),
        {"x.jpg": "imported"},
    ),
    "B05 MakerNote count 0x3C000000": (
        lambda f: jpeg_with_exif(
            f / "x.jpg",
            tiff(
                [(0x8769, 4, 1, struct.pack("<I", 26))],
                extra=struct.pack("<H", 1)
                + struct.pack("<HHI", 0x927C, 7, 0x3C000000)
                + struct.pack("<I", 40)
                + b"\0\0\0\0",
            ),
        ),
        {"x.jpg": "imported"},
    ),
    "B07 offsets to nowhere": (
        lambda f: jpeg_with_exif(
            f / "x.jpg",
            tiff([(0x8769, 4, 1, struct.pack("<I", 0x7FFFFFF0)), (0x010E, 2, 0x7FFFFFFF, struct.pack("<I", 64))]),
        ),
        {"x.jpg": "imported"},
    ),
    "B07 IFD with 65535 entries": (
        lambda f: jpeg_with_exif(
            f / "x.jpg", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 65535) + b"\0" * 1200
        ),
        {"x.jpg": "imported"},
    ),
    "B09 HEIF box size 0": (
        lambda f: (f / "x.heic").write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0\0\0\0meta"),
        {"x.heic": "rejected"},
    ),
    "B09 HEIF box past EOF": (
        lambda f: (f / "x.heic").write_bytes(
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\x7f\xff\xff\xffmeta" + b"\0" * 20
        ),
        {"x.heic": "rejected"},
    ),
    "B09 HEIF non-ASCII box": (
        lambda f: (f / "x.jpg").write_bytes(
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0\0\0\x10\xff\xfe\xfd\xfc" + b"\0" * 8
        ),
        {"x.jpg": "rejected"},
    ),
    "B10 GPS 999/0": (
        lambda f: make_photo(f / "x.jpg", WHEN, gps=(43.6, 1.44)) and _patch_gps_zero(f / "x.jpg"),
        {"x.jpg": "imported"},
    ),
    "B13 impossible dates": (
        lambda f: _dated(
            f, ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024:02:30 25:61:61", "9999:99:99 99:99:99"]
        ),
        {"d0.jpg": "imported", "d1.jpg": "imported", "d2.jpg": "imported", "d3.jpg": "imported"},
    ),
    "B15 hostile text": (
        lambda f: make_photo(f / "x.jpg", WHEN, description="A" * 60000, model="Nok\x00ia\u202e\x07"),
        {"x.jpg": "imported"},
    ),
    "B17 orientations 0, 9, 65535": (
        lambda f: [make_photo(f / f"o{n}.jpg", WHEN, orientation=n, color=(n % 250, 1, 1)) for n in (9, 255)] and None,
        {"o9.jpg": "imported", "o255.jpg": "imported"},
    ),
    "B19 PNG 20000x20000": (lambda f: _png(f / "x.png", (20_000, 20_000)), {"x.png": "rejected:too_many_pixels"}),
    "B20 PNG 10000x10000": (lambda f: _png(f / "x.png", (10_000, 10_000)), {"x.png": "rejected:too_many_pixels"}),
    "B21 JPEG SOF 65500x65500": (
        lambda f: (f / "x.jpg").write_bytes(_sof_jpeg(65500, 65500, cut=False)),
        {"x.jpg": "rejected:too_many_pixels"},
    ),
    "B22 JPEG 9000x9000 of 16x16 data": (
        lambda f: (f / "x.jpg").write_bytes(_sof_jpeg(9000, 9000)),
        {"x.jpg": "rejected"},
    ),
    "B25 formats outside the list": (
        lambda f: _outsiders(f),
        {
            "eps.jpg": "skipped:unsupported_format",
            "pdf.jpg": "skipped:unsupported_format",
            "psd.jpg": "rejected:corrupt",  # PSD and GIF are archived kinds now: these headers are broken ones
            "icns.jpg": "skipped:not_an_image",
            "sgi.jpg": "skipped:not_an_image",
            "fits.jpg": "skipped:not_an_image",
            "bmp.jpg": "skipped:unsupported_format",
            "gif.jpg": "rejected:corrupt",
        },
    ),
    "B26 content, not extension": (
        lambda f: (
            (make_photo(f / "png.jpg", WHEN, fmt="PNG"), make_photo(f / "jpeg.png", WHEN, color=(3, 3, 3)))[0] and None
        ),
        {"png.jpg": "imported", "jpeg.png": "imported"},
    ),
    "B28 SVG/HTML polyglot": (
        lambda f: (f / "x.jpg").write_bytes(b"<svg onload=alert(1)><html><script>alert(1)</script>"),
        {"x.jpg": "skipped:not_an_image"},
    ),
    "B29 animated and multi-page": (lambda f: _animated(f), {"anim.webp": "imported", "pages.tif": "imported"}),
    "B30 huge sparse file": (lambda f: _sparse(f / "x.jpg"), {"x.jpg": "skipped:too_big"}),
    "B31 socket, FIFO, device link": (
        lambda f: _specials(f),
        {
            "pipe.jpg": "skipped:not_regular_file",
            "sock.jpg": "skipped:not_regular_file",
            "zero.jpg": "skipped:symlink_outside",
        },
    ),
    "B32 symlink loop and escapes": (
        lambda f: _links(f),
        {"passwd.jpg": "skipped:symlink_outside", "ok.jpg": "imported"},
    ),
    "B36 hostile file names": (
        lambda f: _names(f),
        {
            "n" * 200 + ".jpg": "imported",
            "new\nline.jpg": "imported",
            "-leading.jpg": "imported",
            "a..b.jpg": "imported",
            "<b>html</b>.jpg": "imported",
            "caf\u00e9.jpg": "imported",
            "cafe\u0301.jpg": "duplicate",
        },
    ),
    "B37 same bytes twice": (lambda f: _twins(f), {"a.jpg": "imported", "b.jpg": "duplicate"}),
    "B38 same name, other bytes": (
        lambda f: (
            (make_photo(f / "1" / "x.jpg", WHEN), make_photo(f / "2" / "x.jpg", WHEN, color=(9, 9, 9)))[0] and None
        ),
        {"1/x.jpg": "imported", "2/x.jpg": "imported"},
    ),
}


def _patch_gps_zero(path: Path) -> None:
    data = bytearray(path.read_bytes())
    # the first GPS rational's denominator (43/1 degrees) becomes 0: 43/0
    marker = struct.pack("<II", 43, 1) if b"II*" in data[:40] else struct.pack(">II", 43, 1)
    index = data.find(marker)
    assert index > 0
    data[index + 4 : index + 8] = b"\0\0\0\0"
    path.write_bytes(bytes(data))


def _dated(folder: Path, values: list[str]) -> None:
    for n, value in enumerate(values):
        image = Image.new("RGB", (32, 32), (n * 40, 0, 0))
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = value
        exif.get_ifd(0x8769)[0x9011] = "+25:00"
        exif.get_ifd(0x8825)[29] = "1970:01:01"
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / f"d{n}.jpg", exif=exif.tobytes())


def _png(path: Path, size: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    path.write_bytes(out.getvalue())


def _sof_jpeg(width: int, height: int, cut: bool = True) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data[: sof + 200] if cut else data)  # the header promises far more than the data holds


def _outsiders(folder: Path) -> None:
    files = {
        "eps.jpg": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
        "pdf.jpg": b"%PDF-1.4\n%\xe2\xe3\n",
        "psd.jpg": b"8BPS\0\1" + b"\0" * 40,
        "icns.jpg": b"icns\0\0\0\x10" + b"\0" * 40,
        "sgi.jpg": b"\x01\xda\x01\x01" + b"\0" * 60,
        "fits.jpg": b"SIMPLE  =                    T" + b" " * 50,
        "bmp.jpg": b"BM" + b"\0" * 60,
        "gif.jpg": b"GIF89a" + b"\0" * 60,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _animated(folder: Path) -> None:
    frames = [Image.new("RGB", (40, 30), (i * 20, 0, 0)) for i in range(50)]
    frames[0].save(folder / "anim.webp", save_all=True, append_images=frames[1:], duration=10)
    frames[0].save(folder / "pages.tif", save_all=True, append_images=frames[1:5])


def _sparse(path: Path) -> None:
    with open(path, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(4 * 1024**3)


def _specials(folder: Path) -> None:
    os.mkfifo(folder / "pipe.jpg")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.jpg"))
    server.close()
    (folder / "zero.jpg").symlink_to("/dev/zero")


def _links(folder: Path) -> None:
    (folder / "passwd.jpg").symlink_to("/etc/passwd")
    (folder / "loop").mkdir()
    (folder / "loop" / "up").symlink_to("..")
    (folder / "outside").symlink_to("/etc")
    make_photo(folder / "ok.jpg", WHEN)


def _names(folder: Path) -> None:
    names = ["n" * 200 + ".jpg", "new\nline.jpg", "-leading.jpg", "a..b.jpg", "<b>html</b>.jpg", "caf\u00e9.jpg"]
    for n, name in enumerate(names):
        make_photo(folder / name, WHEN, color=(n * 30, 5, 5))
    (folder / "cafe\u0301.jpg").write_bytes((folder / "caf\u00e9.jpg").read_bytes())  # NFD twin, same bytes


def _twins(folder: Path) -> None:
    make_photo(folder / "a.jpg", WHEN)
    (folder / "b.jpg").write_bytes((folder / "a.jpg").read_bytes())


def outcomes(report: dict, folder: Path) -> dict[str, str]:
    """name relative to the folder -> "status:reason" for every file in the report."""
    found = {}
    for kind in ("skipped", "rejected"):
        for item in report[kind]:
            found[str(Path(item["path"]).relative_to(folder))] = f"{kind}:{item['reason']}"
    return found


def check_invariants(gallery: Gallery, folder: Path, before: dict, report: dict, expected_files: int) -> None:
    assert snapshot(folder) == before, "I1: the source files are unchanged"
    with gallery.db() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "I2: catalog integrity"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        counted = conn.execute(
            "SELECT COUNT(*) FROM import_files WHERE import_id = (SELECT MAX(id) FROM imports)"
        ).fetchone()[0]
        for row in conn.execute("SELECT path, sha256 FROM photos"):
            assert (gallery.root / row[0]).is_file(), "I2: every row has its original"
    answered = report["imported"] + report["duplicates"] + len(report["skipped"]) + len(report["rejected"])
    assert answered == counted == expected_files, "I3: every file has exactly one answer"
    assert not list((gallery.root / "media" / ".incoming").glob("*")), "I5: nothing half-written"


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file(case: str, gallery: Gallery, tmp_path: Path) -> None:
    build, expected = CASES[case]
    folder = tmp_path / "source"
    folder.mkdir()
    build(folder)
    before = snapshot(folder) if "sparse" not in case and "huge" not in case else {}
    started = time.monotonic()
    report = gallery.json("import", str(folder), "--jobs", "2", "--no-viewer")
    elapsed = time.monotonic() - started
    found = outcomes(report, folder)
    for name, want in expected.items():
        status = want.split(":")[0]
        if status in ("imported", "duplicate"):
            assert name not in found, f"{case}: {name!r} should be {want}, got {found.get(name)}"
        else:
            assert found.get(name, "").startswith(want), f"{case}: {name!r} should be {want}, got {found.get(name)}"
    imported = sum(1 for v in expected.values() if v == "imported")
    assert report["imported"] == imported, (case, report)
    assert report["duplicates"] == sum(1 for v in expected.values() if v == "duplicate")
    if before:
        files = len(expected) + (len(found) - len([n for n in expected if n in found]))
        check_invariants(gallery, folder, before, report, files)
    assert elapsed < 20, f"{case} took {elapsed:.1f} s"


def test_b03_every_prefix_of_a_jpeg(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "prefixes"
    folder.mkdir()
    b03_prefixes(folder)
    count = len(list(folder.iterdir()))
    before = snapshot(folder)
    report = gallery.json("import", str(folder), "--jobs", "2", "--no-viewer")
    reasons = {item["reason"] for item in report["skipped"] + report["rejected"]}
    assert reasons <= {"not_an_image", "truncated", "corrupt", "unsupported_format"}, reasons
    check_invariants(gallery, folder, before, report, count)


def test_timeout_kills_a_slow_file_and_the_batch_goes_on(
    gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    noise = Image.effect_noise((6000, 6000), 80).convert("RGB")
    noise.save(folder / "slow.png", compress_level=1)  # a legitimate but slow file: a big PNG
    make_photo(folder / "fast.jpg", WHEN)
    monkeypatch.setenv(
        "GALLERY_FILE_TIMEOUT", "1.0"
    )  # the PNG takes several seconds; a JPEG well under one, even on a loaded machine
    started = time.monotonic()
    report = gallery.json("import", str(folder), "--jobs", "1", "--no-viewer")
    assert [r["reason"] for r in report["rejected"]] == ["timeout"]
    assert report["imported"] == 1 and time.monotonic() - started < 30


def test_memory_limit_stops_a_greedy_decode(gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "greedy"
    folder.mkdir()
    Image.new("RGB", (7000, 7000), (1, 2, 3)).save(folder / "big.png")  # 147 MB decoded, within the pixel limit
    make_photo(folder / "small.jpg", WHEN)
    monkeypatch.setenv("GALLERY_WORKER_MEMORY", "160")
    report = gallery.json("import", str(folder), "--jobs", "1", "--no-viewer")
    assert report["imported"] == 1
    assert [r["reason"] for r in report["rejected"]][0] in ("too_big", "worker_crashed", "error", "corrupt")


@pytest.mark.corpus
def test_b06_seeded_mutations_of_a_real_camera_file(gallery: Gallery, tmp_path: Path) -> None:
    import random

    original = (CORPUS / "jpg" / "Fujifilm_FinePix_E500.jpg").read_bytes()
    folder = tmp_path / "mutations"
    folder.mkdir()
    rng = random.Random(182)
    for n in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(2, min(len(data), 4000))] = rng.randrange(256)
        (folder / f"m{n:03d}.jpg").write_bytes(bytes(data))
    before = snapshot(folder)
    started = time.monotonic()
    report = gallery.json("import", str(folder), "--jobs", "2", "--no-viewer")
    assert time.monotonic() - started < 120
    assert not [r for r in report["rejected"] if r["reason"] == "timeout"], "details=False: no MakerNote hang"
    check_invariants(gallery, folder, before, report, 150)


def test_b08_a_garbage_maker_note_costs_nothing(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "dji"
    maker = b"DJ" + b"\x4a\x4a" + struct.pack("<I", 190_000_000) * 8  # "DJ" read as 19,012 entries, pointers past EOF
    # IFD0 (8..26) points to the EXIF IFD at 26 (26..56); the MakerNote data follows at 56, then the date
    exif_ifd = (
        struct.pack("<H", 2)
        + struct.pack("<HHI", 0x927C, 7, len(maker))
        + struct.pack("<I", 56)
        + struct.pack("<HHI", 0x9003, 2, 20)
        + struct.pack("<I", 56 + len(maker))
        + b"\0\0\0\0"
    )
    data = tiff([(0x8769, 4, 1, struct.pack("<I", 26))], extra=exif_ifd + maker + b"2017:09:21 14:30:00\0")
    jpeg_with_exif(folder / "dji.jpg", data)
    report = gallery.json("import", str(folder), "--no-viewer")
    assert report["imported"] == 1
    assert gallery.rows()[0]["camera_time"] == "2017-09-21T14:30:00", "the date survives the MakerNote"


def test_b11_b12_b14_positions_and_date_priority_end_to_end(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "gps"
    make_photo(folder / "null-island.jpg", WHEN, gps=(0.0, 0.0))
    make_photo(folder / "pole.jpg", WHEN, gps=(89.9999, 10.0), color=(1, 1, 1))
    image = Image.new("RGB", (32, 32), (5, 5, 5))
    exif = Image.Exif()
    exif[0x0132] = "2020:01:01 10:00:00"  # DateTime (edited later)
    exif.get_ifd(0x8769)[0x9004] = "2018:05:05 09:00:00"  # DateTimeDigitized
    exif.get_ifd(0x8769)[0x9003] = "2017:09:21 14:30:00"  # DateTimeOriginal wins
    image.save(folder / "priority.jpg", exif=exif.tobytes())
    gallery.import_(folder, extra=("--no-viewer",))
    rows = {r["original_name"]: r for r in gallery.rows()}
    assert rows["null-island.jpg"]["lat"] is None and rows["null-island.jpg"]["place"] is None
    assert rows["pole.jpg"]["lat"] == pytest.approx(89.9999, abs=1e-4)
    assert (rows["priority.jpg"]["camera_time"], rows["priority.jpg"]["date_source"]) == (
        "2017-09-21T14:30:00",
        "exif_original",
    )


def test_b13_bogus_dates_never_date_an_album(gallery: Gallery, tmp_path: Path) -> None:
    _dated(tmp_path / "d", ["0000:00:00 00:00:00", "2024:02:30 25:61:61"])
    gallery.import_(tmp_path / "d", extra=("--no-viewer",))
    for row in gallery.rows():
        assert row["date_source"] == "mtime" and row["time_source"] == "mtime"
        assert not (row["taken_at_utc"] or "").startswith(("1970", "0001"))
    albums = gallery.json("albums")
    assert [a["slug"] for a in albums] == ["non-datees"] and albums[0]["start"] is None


def test_b15_text_fields_are_sanitised_and_capped(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "t" / "x.jpg", WHEN, description="A" * 60000, model="Nok\x00ia\u202e\x07")
    gallery.import_(tmp_path / "t", extra=("--no-viewer",))
    row = gallery.rows()[0]
    assert row["model"] == "Nok", "an EXIF string ends at its first NUL"
    assert not any(c in row["model"] for c in "\x00\x07\u202e") and len(row["description"]) == 2000


def test_b23_a_large_legitimate_photo(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    Image.effect_noise((8000, 6000), 30).convert("RGB").save(folder / "48mp.jpg", quality=80)
    started = time.monotonic()
    report = gallery.json("import", str(folder), "--no-viewer")
    assert report["imported"] == 1 and time.monotonic() - started < 30
    row = gallery.rows()[0]
    assert (row["width"], row["height"]) == (8000, 6000) and 400 <= max(row["grid_width"], row["grid_height"]) <= 512


def test_b33_the_library_inside_a_source_is_not_imported_again(gallery: Gallery, tmp_path: Path) -> None:
    make_photo(tmp_path / "card" / "a.jpg", WHEN)
    gallery.import_(tmp_path / "card")
    again = gallery.json("import", str(gallery.root.parent), "--no-viewer")  # holds the card and the library
    assert again["imported"] == 0 and again["duplicates"] == 1, "its own media/ and thumbnails/ are excluded"
    assert gallery("import", str(gallery.root), ok=False).exit_code == 1, "the root itself is refused (issue 9)"


def test_b34_a_file_that_vanishes_after_the_scan(gallery: Gallery, tmp_path: Path) -> None:
    from gallery.config import Config
    from gallery.importer import ImportOptions, run_import

    folder = tmp_path / "vanishing"
    for n in range(10):
        make_photo(folder / f"{n:02d}.jpg", WHEN, color=(n * 20, 0, 0))
    before = snapshot(folder)
    victim = folder / "09.jpg"

    def progress(outcome: object, total: int) -> None:
        victim.unlink(missing_ok=True)  # gone between the scan and its reading

    report = run_import(Config(root=gallery.root, jobs=1), ImportOptions((folder,), viewer=False), progress)
    assert report.counts["imported"] == 9
    assert [(o.path.endswith("09.jpg"), o.reason) for o in report.skipped] == [(True, "unreadable")]
    del before[victim.name]
    assert snapshot(folder) == before
