"""The whole card (issue 12): videos, RAW, sidecars and other media are archived; only non-media is skipped."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from gallery import kinds
from gallery.ingest import time_limit
from gallery.kinds import video
from gallery.scan import Job

from .conftest import CORPUS, Gallery, make_photo, sha256_of

WHEN = datetime(2024, 5, 1, 12, 20, 30)
APPLE_TAGS = (
    "-movflags",
    "use_metadata_tags",
    "-metadata",
    "com.apple.quicktime.creationdate=2024-05-01T12:20:30+0200",
    "-metadata",
    "com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/",
    "-metadata",
    "com.apple.quicktime.make=Apple",
    "-metadata",
    "com.apple.quicktime.model=iPhone 15",
)
ANDROID_TAGS = (
    "-movflags",
    "use_metadata_tags",
    "-metadata",
    "location=+45.5017-073.5673/",
    "-metadata",
    "com.android.version=14",
)


def ffmpeg(target: Path, *args: str, codec: str = "libx264", seconds: float = 2, size: str = "320x240") -> Path:
    """A real clip made by the ffmpeg binary: a test pattern, `seconds` long, with the given tags."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = ["-tag:v", "hvc1"] if codec == "libx265" else []
    command = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10"]
    command += ["-t", str(seconds), "-c:v", codec, "-pix_fmt", "yuv420p", *tag]
    command += ["-metadata", "creation_time=2024-05-01T10:20:30Z", *args, str(target)]
    subprocess.run(command, check=True, capture_output=True)
    return target


needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg binary is not installed")


@pytest.fixture
def card(tmp_path: Path) -> Path:
    folder = tmp_path / "card" / "DCIM"
    make_photo(folder / "IMG_0001.JPG", WHEN, offset="+02:00")
    (folder / "IMG_0001.xmp").write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>\n')
    (folder / "IMG_0001.AAE").write_text('<?xml version="1.0"?><plist/>\n')
    ffmpeg(folder / "PXL_0002.mp4", *ANDROID_TAGS)
    ffmpeg(folder / "IMG_0003.MOV", *APPLE_TAGS, codec="libx265")
    rotated = ffmpeg(folder.parent / "tmp" / "r.mp4")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(rotated), "-c", "copy", "-metadata:s:v:0", "rotate=90"]
        + [str(folder / "ROT_0004.MP4")],
        check=True,
    )
    shutil.rmtree(folder.parent / "tmp")
    (folder / "ZERO.MP4").write_bytes(b"")
    (folder / "CUT.MP4").write_bytes((folder / "PXL_0002.mp4").read_bytes()[:2000])
    Image.new("RGB", (40, 30), (0, 90, 200)).save(folder / "logo.gif")
    Image.new("RGB", (40, 30), (0, 200, 90)).save(folder / "scan.bmp")
    (folder.parent / "README.txt").write_text("card contents\n")
    (folder.parent / ".DS_Store").write_bytes(b"\0\0\0\1Bud1" + b"\0" * 100)
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    return folder.parent


@needs_ffmpeg
def test_nothing_on_a_card_is_left_behind(gallery: Gallery, card: Path) -> None:
    report = gallery.import_(card)

    problems = {Path(o["path"]).name: f"{o['reason']}" for o in report["skipped"] + report["rejected"]}
    assert problems == {
        "README.txt": "not_an_image",
        ".DS_Store": "not_an_image",
        "Thumbs.db": "not_an_image",
        "ZERO.MP4": "empty",
        "CUT.MP4": "corrupt",
    }
    (cut,) = [o for o in report["rejected"] if o["path"].endswith("CUT.MP4")]
    assert cut["detail"] == "cannot read this video: Invalid data found when processing input", "no server path"
    assert {o["path"] for o in report["skipped"]} == {
        str(card / n) for n in ("README.txt", ".DS_Store", "DCIM/Thumbs.db")
    }
    assert report["archived"] == {"photo": 3, "sidecar": 2, "video": 3}
    archived = {row["original_name"]: row for row in gallery.rows()}
    companions = {row["original_name"]: row for row in gallery.rows("SELECT * FROM companions")}
    assert set(archived) == {"IMG_0001.JPG", "PXL_0002.mp4", "IMG_0003.MOV", "ROT_0004.MP4", "logo.gif", "scan.bmp"}
    assert set(companions) == {"IMG_0001.xmp", "IMG_0001.AAE"}, "sidecars are never items of their own"
    for row in [*archived.values(), *companions.values()]:  # byte for byte, under media/
        assert sha256_of(gallery.root / row["path"]) == row["sha256"] == sha256_of(card / "DCIM" / row["original_name"])
    for row in companions.values():
        assert row["photo_sha256"] == archived["IMG_0001.JPG"]["sha256"]
        assert Path(row["path"]).parent == Path(archived["IMG_0001.JPG"]["path"]).parent

    apple, android, rotated = archived["IMG_0003.MOV"], archived["PXL_0002.mp4"], archived["ROT_0004.MP4"]
    assert (apple["media_type"], apple["format"], apple["codec"], apple["duration"]) == ("video", "mov", "hevc", 2.0)
    assert (apple["camera_time"], apple["camera_offset"], apple["make"], apple["model"]) == (
        "2024-05-01T12:20:30",
        120,
        "Apple",
        "iPhone 15",
    )
    assert apple["taken_at_utc"] == "2024-05-01T10:20:30+00:00"
    assert (round(apple["lat"], 4), round(apple["lon"], 4), apple["altitude"]) == (48.8584, 2.2945, 35.0)
    assert (android["codec"], android["camera_offset"], android["taken_at_utc"]) == (
        "h264",
        0,
        "2024-05-01T10:20:30+00:00",
    )
    assert (round(android["lat"], 4), round(android["lon"], 4)) == (45.5017, -73.5673)
    assert (rotated["width"], rotated["height"]) == (240, 320), "the display matrix turns the frame"
    for row in (apple, android, rotated):
        poster = gallery.root / "thumbnails" / "grid" / row["sha256"][:2] / row["sha256"][2:4] / f"{row['sha256']}.webp"
        with Image.open(poster) as image:
            assert image.size == (row["grid_width"], row["grid_height"])
            assert (image.width < image.height) == (row is rotated)
            assert not image.getexif() and "xmp" not in image.info, "a poster carries no metadata"
    assert {archived[n]["media_type"] for n in ("logo.gif", "scan.bmp")} == {"photo"}

    again = gallery.import_(card)
    assert (again["imported"], again["duplicates"]) == (0, 8), "the same dedup for every kind"
    checked = gallery("check")
    assert "Checked 8 originals" in checked.output and "All good" in checked.output, "companions are originals too"


@needs_ffmpeg
def test_a_two_hour_clip_at_a_tiny_size_imports(gallery: Gallery, tmp_path: Path) -> None:
    clip = ffmpeg(tmp_path / "long" / "LONG.MP4", seconds=7200, size="16x16")
    report = gallery.import_(clip.parent)
    assert report["imported"] == 1, report
    (row,) = gallery.rows()
    assert row["duration"] == pytest.approx(7200, abs=1)


@needs_ffmpeg
def test_videos_and_raw_have_a_size_limit_of_their_own(
    gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "big"
    ffmpeg(folder / "clip.mp4")
    make_photo(folder / "photo.jpg", WHEN, size=(400, 300))
    monkeypatch.setenv("GALLERY_MAX_FILE_SIZE", "100")  # photos: 100 bytes; videos keep their 64 GiB
    small = gallery.import_(folder)
    assert [(Path(o["path"]).name, o["reason"]) for o in small["skipped"]] == [("photo.jpg", "too_big")]
    assert small["archived"] == {"video": 1}, "a photo's limit is not a video's"
    monkeypatch.setenv("GALLERY_MAX_MEDIA_SIZE", "100")
    tiny = gallery.import_(folder)
    assert sorted((Path(o["path"]).name, o["reason"]) for o in tiny["skipped"]) == [
        ("clip.mp4", "too_big"),
        ("photo.jpg", "too_big"),
    ]


def test_a_video_or_raw_gets_time_that_grows_with_its_size() -> None:
    assert time_limit(Job("/card/IMG_1.JPG", "IMG_1.JPG", "/card", 400_000_000), 60) == 60
    assert time_limit(Job("/card/C0001.MP4", "C0001.MP4", "/card", 4_000_000_000), 60) == 460
    assert time_limit(Job("/card/DSC_1.NEF", "DSC_1.NEF", "/card", 50_000_000), 60) == 65


@needs_ffmpeg
def test_a_clips_stock_title_is_no_description(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "clips"
    ffmpeg(card / "C0001.MP4", "-metadata", "title=SONY DSC", "-metadata", "description=OLYMPUS DIGITAL CAMERA")
    ffmpeg(card / "C0002.MP4", "-metadata", "title=SONY DSC", "-metadata", "description=Défilé du 14 juillet")
    ffmpeg(card / "C0003.MP4", "-metadata", "title=Le stand au salon")

    gallery.import_(card)

    described = {row["original_name"]: row["description"] for row in gallery.rows()}
    assert described == {"C0001.MP4": None, "C0002.MP4": "Défilé du 14 juillet", "C0003.MP4": "Le stand au salon"}


def test_container_tags_are_read_like_a_camera_clock() -> None:
    meta, extra = video.parse_tags(
        {"creation_time": "2023-07-14T18:05:00.000000Z", "make": "Panasonic", "@duration": 12.5, "@codec": "h264"}
    )
    assert (meta.local_time, meta.offset_minutes, meta.date_source) == (
        datetime(2023, 7, 14, 18, 5),
        None,
        "video_container",
    )
    assert (extra.duration, extra.codec, meta.make) == (12.5, "h264", "Panasonic")
    zero, _ = video.parse_tags({"creation_time": "1904-01-01T00:00:00Z"})
    assert zero.local_time is None, "a camera that wrote zero has no date"
    assert video.parse_iso6709("+4851.504+00217.67/")[:2] == pytest.approx((48.8584, 2.2945), abs=1e-4)
    assert video.parse_iso6709("-33.8688+151.2093/") == (-33.8688, 151.2093, None)
    assert video.parse_iso6709("+00.0000+000.0000/") == (None, None, None)
    assert video.parse_iso6709("garbage") == (None, None, None)


def test_every_stored_format_has_one_kind_and_a_mime_type() -> None:
    for kind in kinds.KINDS:
        for fmt, mime in kind.formats.items():
            assert kinds.kind_of(fmt) is kind and "/" in mime
    assert kinds.media_type("cr3") == "raw" and kinds.media_type("mov") == "video"


RAW_DIR = CORPUS / "raw"
DNG = "nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.dng"
ARW = "sony_alpha_a7iii_raw_image.ARW"


@pytest.mark.corpus
def test_the_corpus_raw_files_are_archived_with_their_metadata(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in (DNG, ARW):
        shutil.copy(RAW_DIR / name, folder / name)
    report = gallery.import_(folder)
    assert report["archived"] == {"raw": 2} and not report["skipped"] and not report["rejected"]
    rows = {row["format"]: row for row in gallery.rows()}
    assert (rows["dng"]["model"], rows["dng"]["camera_time"], rows["dng"]["camera_offset"]) == (
        "NIKON Z 9",
        "2025-08-10T19:02:53.270000",
        180,
    )
    assert (rows["arw"]["model"], rows["arw"]["camera_time"]) == ("ILCE-7M3", "2024-09-14T13:54:44")
    assert (rows["dng"]["width"], rows["dng"]["height"]) == (640, 424), "the largest embedded preview"
    for row in rows.values():
        assert row["media_type"] == "raw" and sha256_of(gallery.root / row["path"]) == row["sha256"]


def _nikon_jpeg(folder: Path, second: int = 53) -> Path:
    return make_photo(
        folder / "nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.JPG",
        datetime(2025, 8, 10, 19, 2, second),
        offset="+03:00",
        subsec="27",
        make="NIKON CORPORATION",
        model="NIKON Z 9",
        serial="3020326",
    )


@pytest.mark.corpus
@pytest.mark.parametrize("jpeg_first", [True, False])
def test_a_raw_and_its_jpeg_are_one_item_whatever_the_order(gallery: Gallery, tmp_path: Path, jpeg_first: bool) -> None:
    raw_card, jpeg_card = tmp_path / "card1", tmp_path / "card2"
    raw_card.mkdir()
    shutil.copy(RAW_DIR / DNG, raw_card / DNG)
    (raw_card / f"{DNG}.xmp").write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n')
    jpeg = _nikon_jpeg(jpeg_card)
    for folder in (jpeg_card, raw_card) if jpeg_first else (raw_card, jpeg_card):
        gallery.import_(folder)
    (item,) = gallery.rows()
    assert (item["format"], item["sha256"]) == ("jpeg", sha256_of(jpeg)), "the JPEG's sha256 stays the identity"
    companions = {row["role"]: row for row in gallery.rows("SELECT * FROM companions")}
    assert set(companions) == {"raw", "xmp"}
    assert all(row["photo_sha256"] == item["sha256"] for row in companions.values())
    assert sha256_of(gallery.root / companions["raw"]["path"]) == sha256_of(RAW_DIR / DNG)
    again = gallery.import_(raw_card)
    assert (again["imported"], again["duplicates"]) == (0, 2), "a RAW that is a companion is still archived"
    assert len(gallery.rows()) == 1


@pytest.mark.corpus
def test_a_burst_never_pairs_across_shots(gallery: Gallery, tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    shutil.copy(RAW_DIR / DNG, folder / DNG)
    _nikon_jpeg(folder, second=54)
    report = gallery.import_(folder)
    assert report["raw_pairs"] == 0
    assert sorted(row["media_type"] for row in gallery.rows()) == ["photo", "raw"]


XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:exif="http://ns.adobe.com/exif/1.0/" xmp:Rating="4" exif:DateTimeOriginal="2017-09-21T14:30:05.12+02:00">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Le stand</rdf:li></rdf:Alt></dc:title>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Démonstration   au public</rdf:li></rdf:Alt></dc:description>
<dc:subject><rdf:Bag><rdf:li>mission</rdf:li><rdf:li>Labège</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>
"""


def test_an_xmp_sidecar_is_read_field_by_field() -> None:
    from gallery.kinds.sidecar import parse_xmp

    facts = parse_xmp(XMP.encode())
    assert (facts.title, facts.description, facts.rating) == ("Le stand", "Démonstration au public", 4)
    assert facts.keywords == ("mission", "Labège")
    assert (facts.local_time, facts.offset_minutes) == (datetime(2017, 9, 21, 14, 30, 5, 120000), 120)
    assert parse_xmp(b"<not xml") == parse_xmp(b"") == type(facts)()
    assert parse_xmp(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>').title is None


@pytest.mark.parametrize("sidecar_first", [False, True])
def test_the_sidecar_wins_over_the_embedded_values(gallery: Gallery, tmp_path: Path, sidecar_first: bool) -> None:
    card = tmp_path / "card"
    photo = make_photo(card / "IMG_0007.JPG", datetime(2020, 1, 1, 8, 0), description="embedded words")
    (card / "IMG_0007.JPG.xmp").write_text(XMP, encoding="utf-8")
    if sidecar_first:  # the sidecar alone first (it waits), then its photo, in another import
        photo.rename(tmp_path / "later.JPG")
        first = gallery.import_(card)
        assert first["archived"] == {"sidecar": 1} and gallery.rows() == []
        (tmp_path / "later.JPG").rename(photo)
    gallery.import_(card)
    (row,) = gallery.rows()
    assert (row["title"], row["description"], row["rating"]) == ("Le stand", "Démonstration au public", 4)
    assert (row["camera_time"], row["camera_offset"], row["date_source"]) == (
        "2017-09-21T14:30:05.120000",
        120,
        "xmp_sidecar",
    )
    assert row["taken_at_utc"] == "2017-09-21T12:30:05.120000+00:00"
    (item,) = gallery.json("photos")
    assert item["keywords"] == ["mission", "Labège"] and item["date_source"] == "xmp_sidecar"


SIDECAR_TURNED = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>
"""


@pytest.mark.parametrize("sidecar_first", [False, True])
def test_a_sidecars_orientation_turns_a_photo_whose_exif_has_none(
    gallery: Gallery, tmp_path: Path, sidecar_first: bool
) -> None:
    card = tmp_path / "card"
    bare = make_photo(card / "IMG_0010.JPG", datetime(2020, 1, 1, 8, 0))  # 96 x 64, no orientation in its EXIF
    make_photo(card / "IMG_0011.JPG", datetime(2020, 1, 1, 8, 1), orientation=1)  # its EXIF says: upright
    for name in ("IMG_0010.xmp", "IMG_0011.xmp"):  # not the same bytes: each is an original of its own
        (card / name).write_text(f"{SIDECAR_TURNED}<!-- {name} -->\n", encoding="utf-8")
    if sidecar_first:  # the sidecar waits in an earlier import, its photo comes later
        bare.rename(tmp_path / "later.JPG")
        gallery.import_(card)
        (tmp_path / "later.JPG").rename(bare)
    gallery.import_(card)

    attached = gallery.rows("SELECT original_name, photo_sha256 FROM companions")
    assert all(row["photo_sha256"] for row in attached) and len(attached) == 2
    rows = {row["original_name"]: row for row in gallery.rows()}
    turned, upright = rows["IMG_0010.JPG"], rows["IMG_0011.JPG"]
    assert (turned["orientation"], turned["width"], turned["height"]) == (6, 64, 96)
    assert (upright["orientation"], upright["width"], upright["height"]) == (1, 96, 64), "the EXIF's own wins"

    def derivative(row: dict, size: str) -> tuple[int, int]:
        sha = row["sha256"]
        with Image.open(gallery.root / "thumbnails" / size / sha[:2] / sha[2:4] / f"{sha}.webp") as image:
            return image.size

    grid = derivative(turned, "grid")
    assert grid[0] < grid[1] and grid == (turned["grid_width"], turned["grid_height"]), "the grid image is tall"
    assert derivative(upright, "grid")[0] > derivative(upright, "grid")[1]
    shutil.rmtree(gallery.root / "thumbnails")
    gallery("thumbs")  # made again from the catalog: still turned
    for size in ("grid", "viewer"):
        width, height = derivative(turned, size)
        assert width < height, size
        width, height = derivative(upright, size)
        assert width > height, size


@needs_ffmpeg
def test_a_live_photo_is_one_item_and_its_motion_a_companion(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "iphone"
    still = make_photo(card / "IMG_0100.JPG", WHEN, offset="+02:00", make="Apple", model="iPhone 15")
    ffmpeg(card / "IMG_0100.MOV", *APPLE_TAGS, seconds=3)
    ffmpeg(card / "IMG_0101.MOV", *APPLE_TAGS, seconds=2)  # another stem: a video of its own
    report = gallery.import_(card)
    assert report["live_photos"] == 1
    items = {row["original_name"]: row["media_type"] for row in gallery.rows()}
    assert items == {"IMG_0100.JPG": "photo", "IMG_0101.MOV": "video"}
    (motion,) = gallery.rows("SELECT * FROM companions")
    assert (motion["role"], motion["original_name"], motion["photo_sha256"]) == (
        "motion",
        "IMG_0100.MOV",
        sha256_of(still),
    )


def test_sidecar_names_point_at_their_main_file() -> None:
    from gallery.kinds.sidecar import main_stems

    assert main_stems("IMG_0001.CR2.xmp") == ["IMG_0001.CR2", "IMG_0001"]
    assert main_stems("IMG_0001.xmp") == ["IMG_0001"]
    assert main_stems("GL010123.LRV") == ["GL010123", "GH010123", "GX010123"]


def test_jpeg_xl_is_a_photo_with_derivatives(gallery: Gallery, tmp_path: Path) -> None:
    """A JPEG XL written by the plugin itself: decoded, dated from its Exif box, thumbnails without metadata."""
    import pillow_jxl  # noqa: F401  (registers the JXL encoder the test writes with)

    folder = tmp_path / "jxl"
    path = make_photo(folder / "DSCF0007.jxl", WHEN, offset="+02:00", gps=(48.8584, 2.2945), fmt="JXL")
    assert path.read_bytes()[:2] == b"\xff\x0a" or path.read_bytes()[4:8] == b"JXL "
    report = gallery.import_(folder)
    assert report["archived"] == {"photo": 1}, report
    (row,) = gallery.rows()
    assert (row["media_type"], row["format"], row["width"], row["height"]) == ("photo", "jxl", 96, 64)
    assert (row["camera_time"], row["camera_offset"], row["make"]) == ("2024-05-01T12:20:30", 120, "TestMaker")
    assert round(row["lat"], 4) == 48.8584
    assert not row["bad_tags"] or "exif" not in row["bad_tags"], "no EXIF error on a well-formed JXL"
    grid = gallery.root / "thumbnails" / "grid" / row["sha256"][:2] / row["sha256"][2:4] / f"{row['sha256']}.webp"
    with Image.open(grid) as image:
        assert image.size == (row["grid_width"], row["grid_height"])
        assert not image.getexif() and "xmp" not in image.info, "a thumbnail carries no metadata"
        red, green, blue = image.convert("RGB").getpixel((image.width - 2, image.height - 2))
        assert red > 150 and green < 90 and blue < 90, "the picture is the decoded JXL, not a plain tile"


def apple_maker_note(content_id: str) -> bytes:
    """An Apple maker note as an iPhone writes it: "Apple iOS", version 1, big-endian IFD with tag 0x0011."""
    text = content_id.encode() + b"\x00"
    entry = (
        (0x0011).to_bytes(2, "big") + (2).to_bytes(2, "big") + len(text).to_bytes(4, "big") + (32).to_bytes(4, "big")
    )
    return b"Apple iOS\x00\x00\x01MM" + (1).to_bytes(2, "big") + entry + b"\x00\x00\x00\x00" + text


def iphone_still(path: Path, content_id: str) -> Path:
    image = Image.new("RGB", (96, 64), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003], ifd[0x9011] = WHEN.strftime("%Y:%m:%d %H:%M:%S"), "+02:00"
    ifd[0x927C] = apple_maker_note(content_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


@needs_ffmpeg
def test_a_live_photo_pairs_by_apples_content_identifier(gallery: Gallery, tmp_path: Path) -> None:
    from gallery.motion import apple_content_id

    first, second = "A1B2C3D4-0000-4000-8000-000000000001", "A1B2C3D4-0000-4000-8000-000000000002"
    assert apple_content_id(apple_maker_note(first)) == first
    assert apple_content_id(b"Nikon\x00\x02") is None and apple_content_id(b"Apple iOS\x00\x00\x01MM\x00") is None
    card = tmp_path / "iphone"
    still = iphone_still(card / "IMG_0300.JPG", first)
    ffmpeg(card / "IMG_E0300.MOV", *APPLE_TAGS, "-metadata", f"com.apple.quicktime.content.identifier={first}")
    iphone_still(card / "IMG_0301.JPG", first.replace("1", "9"))  # same stem and second as its MOV below...
    ffmpeg(card / "IMG_0301.MOV", *APPLE_TAGS, "-metadata", f"com.apple.quicktime.content.identifier={second}")
    report = gallery.import_(card)
    assert report["live_photos"] == 1, report
    rows = {row["original_name"]: row for row in gallery.rows()}
    assert rows["IMG_0300.JPG"]["content_id"] == first
    assert set(rows) == {"IMG_0300.JPG", "IMG_0301.JPG", "IMG_0301.MOV"}, "...but another ContentIdentifier"
    (clip,) = gallery.rows("SELECT * FROM companions")
    assert (clip["original_name"], clip["role"], clip["photo_sha256"]) == ("IMG_E0300.MOV", "motion", sha256_of(still))


@needs_ffmpeg
def test_an_iphone_heic_pairs_with_its_mov_by_content_identifier(gallery: Gallery, tmp_path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    content_id = "A1B2C3D4-0000-4000-8000-0000000000AA"
    card = tmp_path / "iphone"
    card.mkdir()
    jpeg = iphone_still(tmp_path / "still.jpg", content_id)
    with Image.open(jpeg) as image:
        image.load()
        image.save(card / "IMG_0400.HEIC", "HEIF", exif=image.info["exif"])
    ffmpeg(card / "renamed.MOV", *APPLE_TAGS, "-metadata", f"com.apple.quicktime.content.identifier={content_id}")
    report = gallery.import_(card)
    assert report["live_photos"] == 1, report
    (row,) = gallery.rows()
    assert (row["original_name"], row["format"], row["content_id"]) == ("IMG_0400.HEIC", "heif", content_id)
    (clip,) = gallery.rows("SELECT * FROM companions")
    assert (clip["original_name"], clip["role"]) == ("renamed.MOV", "motion")
