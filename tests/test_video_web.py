"""Videos on the web (issue 12): poster and duration in the grid, a player in the viewer, no location in public bytes."""

from __future__ import annotations

import io
import json
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gallery.config import Config
from gallery.web.app import create_app

from .conftest import Gallery, serving
from .test_media_kinds import ANDROID_TAGS, APPLE_TAGS, ffmpeg, needs_ffmpeg

pytestmark = needs_ffmpeg


@pytest.fixture(scope="module")
def video_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("videos")
    card = base / "card"
    ffmpeg(card / "PXL_0001.mp4", *ANDROID_TAGS)
    ffmpeg(card / "IMG_0002.MOV", *APPLE_TAGS, codec="libx265")
    gallery = Gallery(base / "library")
    gallery.root.mkdir()
    gallery.import_(card)  # with the viewer pass: the web copies are made here
    gallery("albums", "publish", "--all")
    return gallery.root


def client(root: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Config(root=root, **settings)), follow_redirects=False)


def videos(root: Path) -> dict[str, dict[str, Any]]:
    return {row["format"]: row for row in Gallery(root).rows()}


def location_tags(data: bytes, where: Path) -> list[str]:
    """What exiftool and ffprobe find of a place in these bytes (the oracles are not ours)."""
    where.write_bytes(data)
    exif = subprocess.run(["exiftool", "-j", "-G", "-a", str(where)], capture_output=True, check=True, text=True)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", str(where)],
        capture_output=True,
        check=True,
        text=True,
    )
    found = [f"{k}={v}" for k, v in json.loads(exif.stdout)[0].items() if "gps" in k.lower() or "location" in k.lower()]
    found += [line for line in probe.stdout.splitlines() if "location" in line.lower() or "6709" in line]
    return found


def duration_of(data: bytes, where: Path) -> float:
    where.write_bytes(data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(where)],
        capture_output=True,
        check=True,
        text=True,
    )
    return float(probe.stdout)


def test_the_grid_shows_a_poster_with_its_duration(video_library: Path) -> None:
    web = client(video_library)
    (album,) = web.get("/api/albums").json()
    page = web.get(f"/albums/{album['slug']}").text
    assert page.count('<span class="duration" aria-hidden="true">▶ 0:02</span>') == 2
    assert "vidéo 0:02" in page, "the alt text says it is a video"
    detail = web.get(f"/api/photos/{videos(video_library)['mov']['sha256']}").json()
    assert (detail["media_type"], detail["duration"]) == ("video", 2.0)
    assert "lat" not in detail


def test_timeline_and_search_tiles_show_a_videos_duration(video_library: Path) -> None:
    web = client(video_library)
    timeline = web.get("/timeline").text
    assert timeline.count('<span class="duration" aria-hidden="true">▶ 0:02</span>') == 2
    assert ", vidéo 0:02" in timeline
    found = web.get("/search", params={"q": "2024"}).text
    assert '<span class="duration" aria-hidden="true">▶ 0:02</span>' in found and ", vidéo 0:02" in found


def test_public_videos_play_from_a_copy_without_location(video_library: Path, tmp_path: Path) -> None:
    web = client(video_library, public_originals=True)
    for fmt, row in videos(video_library).items():
        page = web.get(f"/photos/{row['sha256']}").text
        assert f'<source src="/photos/{row["sha256"]}/video" type="video/mp4">' in page
        assert row["lat"] is not None, "the original has a place"
        played = web.get(f"/photos/{row['sha256']}/video")
        assert played.status_code == 200 and played.headers["content-type"] == "video/mp4"
        assert played.content != (video_library / row["path"]).read_bytes(), "a copy, not the original"
        assert duration_of(played.content, tmp_path / f"copy.{fmt}.mp4") == pytest.approx(2, abs=0.1)
        assert location_tags(played.content, tmp_path / f"public.{fmt}.mp4") == []
        assert location_tags((video_library / row["path"]).read_bytes(), tmp_path / f"original.{fmt}"), (
            "the oracle does see the original's place"
        )
        part = web.get(f"/photos/{row['sha256']}/video", headers={"range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        withheld = web.get(f"/photos/{row['sha256']}/original")
        assert withheld.status_code == 403, "a video original keeps its place: not served without it"


def test_those_who_see_the_place_play_the_h264_original(video_library: Path) -> None:
    slug = client(video_library).get("/api/albums").json()[0]["slug"]
    Gallery(video_library)("albums", "set", slug, "--show-location")
    try:
        web = client(video_library)
        rows = videos(video_library)
        original = web.get(f"/photos/{rows['mp4']['sha256']}/video")
        assert original.content == (video_library / rows["mp4"]["path"]).read_bytes()
        hevc = web.get(f"/photos/{rows['mov']['sha256']}/video")
        assert hevc.status_code == 200 and hevc.content != (video_library / rows["mov"]["path"]).read_bytes()
    finally:
        Gallery(video_library)("albums", "set", slug, "--hide-location")


def test_a_missing_web_copy_is_made_once_in_the_background(video_library: Path, tmp_path: Path) -> None:
    rows = videos(video_library)
    copy = video_library / "thumbnails" / "video" / rows["mov"]["sha256"][:2] / rows["mov"]["sha256"][2:4]
    target = copy / f"{rows['mov']['sha256']}.mp4"
    target.unlink()
    web = client(video_library)
    first = web.get(f"/photos/{rows['mov']['sha256']}/video")
    assert first.status_code == 503 and first.headers["retry-after"] == "10", "being prepared"
    for _ in range(600):  # polled, not timed: the copy appears when the background thread is done
        if target.is_file():
            break
        time.sleep(0.05)
    assert web.get(f"/photos/{rows['mov']['sha256']}/video").status_code == 200
    assert not list(copy.glob("*.tmp")), "nothing half-written is left"


def test_web_copies_are_made_with_bounded_memory(video_library: Path) -> None:
    from gallery import maintenance
    from gallery.ingest import RenderJob

    rows = videos(video_library)
    copy = (video_library / "thumbnails" / "video").rglob(f"{rows['mov']['sha256']}.mp4")
    settings = next(copy).read_bytes()
    # x264 writes its settings into the stream (its SEI): the look-ahead is the short one asked for
    assert b"rc_lookahead=5 " in settings and b"bframes=3 " in settings
    picture, clip = RenderJob("a" * 64, "/x", "jpeg", "viewer"), RenderJob("b" * 64, "/y", "mov", "video")
    assert [maintenance.is_transcode(job) for job in (picture, clip)] == [False, True]
    assert [maintenance.transcode_workers(Config(jobs=n)) for n in (1, 2, 7, 8, 16)] == [1, 1, 1, 2, 4]


def test_a_video_that_is_not_visible_is_not_served(video_library: Path) -> None:
    rows = videos(video_library)
    slug = client(video_library).get("/api/albums").json()[0]["slug"]
    Gallery(video_library)("albums", "unpublish", slug)
    try:
        assert client(video_library).get(f"/photos/{rows['mp4']['sha256']}/video").status_code == 404
    finally:
        Gallery(video_library)("albums", "publish", slug)
    assert client(video_library).get(f"/photos/{'0' * 64}/video").status_code == 404
    assert client(video_library).get("/photos/not-a-hash/video").status_code == 404


@pytest.fixture(scope="module")
def video_server(video_library: Path) -> Iterator[str]:
    from .test_browser import CHROMIUM

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    with serving(video_library) as url:
        yield url


PLAY = """() => { const v = document.getElementById('photo'); v.muted = true; v.play(); return v.tagName; }"""
FRAME = """() => {
  const v = document.getElementById('photo'); const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight; const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data; let lit = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;
  return lit / (d.length / 4);
}"""


@pytest.mark.browser
def test_chromium_plays_an_iphone_hevc_clip_from_its_preview(video_library: Path, video_server: str) -> None:
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS, wait_until

    sha256 = videos(video_library)["mov"]["sha256"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{video_server}/photos/{sha256}")
            assert page.evaluate(PLAY) == "VIDEO"
            wait_until(page, "document.getElementById('photo').readyState >= 2")
            assert page.evaluate("document.getElementById('photo').error") is None
            wait_until(
                page, f"({FRAME})() > 0.5"
            )  # a frame of the test pattern was drawn (polled: a loaded machine is slow)
        finally:
            browser.close()


def test_a_browser_upload_takes_a_video_past_the_photo_limit(library: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gallery.cli import main

    from .conftest import make_photo
    from .test_admin import PASSWORD, logged_in

    added = CliRunner().invoke(main, ["--root", str(library), "user", "add", "alice"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    web = logged_in(library, upload_max_bytes=5_000, upload_max_files=5)
    clip = ffmpeg(tmp_path / "up" / "PXL_0009.mp4", *ANDROID_TAGS)
    photo = make_photo(tmp_path / "up" / "big.jpg", None, size=(300, 200), extra=b"x" * 6_000)
    assert clip.stat().st_size > 5_000
    response = web.post(
        "/admin/upload",
        data={"csrf": web.cookies["gallery_csrf"], "album": "iot-valley-2017"},
        files=[
            ("files", ("PXL_0009.mp4", clip.read_bytes(), "video/mp4")),
            ("files", ("big.jpg", photo.read_bytes(), "image/jpeg")),
        ],
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    by_name = {f["name"]: f for f in response.json()["files"]}
    assert by_name["PXL_0009.mp4"]["status"] == "imported"
    assert by_name["big.jpg"]["status"] != "imported" and "5000-byte" in by_name["big.jpg"]["detail"]
    assert Gallery(library).rows("SELECT media_type FROM photos WHERE original_name = 'PXL_0009.mp4'") == [
        {"media_type": "video"}
    ]


def test_a_transcode_killed_midway_leaves_nothing_and_the_next_pass_makes_it(tmp_path: Path) -> None:
    import os
    import signal
    import sys

    card = tmp_path / "card"
    ffmpeg(card / "CLIP.MOV", *APPLE_TAGS, codec="libx265", seconds=30, size="1280x720")
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    gallery.import_(card, extra=("--no-viewer",))
    (row,) = gallery.rows()
    folder = gallery.root / "thumbnails" / "video" / row["sha256"][:2] / row["sha256"][2:4]
    target = folder / f"{row['sha256']}.mp4"
    command = [sys.executable, "-m", "gallery", "--root", str(gallery.root), "thumbs"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        for _ in range(3000):  # polled: the transcode writes its temp file first
            if list(folder.glob("*.tmp")) or process.poll() is not None:
                break
            time.sleep(0.01)
        assert list(folder.glob("*.tmp")), "the transcode had started"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the CLI and its workers, like a power cut
        process.wait()
    assert not target.exists(), "a killed transcode leaves no web copy that could be half-written"
    gallery("thumbs")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", str(target)],
        capture_output=True,
        check=True,
        text=True,
    )
    facts = json.loads(probe.stdout)
    assert float(facts["format"]["duration"]) == pytest.approx(30, abs=0.5)
    assert [s["codec_name"] for s in facts["streams"]] == ["h264"]


def test_a_live_photo_plays_its_motion_from_a_copy_without_location(tmp_path: Path) -> None:
    from .conftest import make_photo
    from .test_media_kinds import WHEN

    card = tmp_path / "iphone"
    make_photo(card / "IMG_0100.JPG", WHEN, offset="+02:00", make="Apple", model="iPhone 15", size=(320, 240))
    ffmpeg(card / "IMG_0100.MOV", *APPLE_TAGS, seconds=3, codec="libx265")
    make_photo(card / "IMG_0200.JPG", WHEN, offset="+02:00", make="Apple", model="iPhone 15")
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    assert gallery.import_(card)["live_photos"] == 1
    gallery("albums", "publish", "--all")
    rows = {row["original_name"]: row for row in gallery.rows()}
    (clip,) = gallery.rows("SELECT * FROM companions")
    live, still = rows["IMG_0100.JPG"]["sha256"], rows["IMG_0200.JPG"]["sha256"]
    web = client(gallery.root)
    page = web.get(f"/photos/{live}").text
    assert f'data-src="/photos/{live}/motion"' in page and 'data-action="motion"' in page
    assert "Photo animée" in page, "the button says what it does"
    assert 'data-action="motion"' not in web.get(f"/photos/{still}").text, "a plain photo has no motion"
    played = web.get(f"/photos/{live}/motion")
    assert played.status_code == 200 and played.headers["content-type"] == "video/mp4", played.text
    assert played.content != (gallery.root / clip["path"]).read_bytes(), "the web copy, never the MOV"
    assert duration_of(played.content, tmp_path / "motion.mp4") == pytest.approx(3, abs=0.1)
    assert location_tags(played.content, tmp_path / "public.mp4") == []
    assert location_tags((gallery.root / clip["path"]).read_bytes(), tmp_path / "original.mov"), "the MOV has one"
    assert web.get(f"/photos/{live}/motion", headers={"range": "bytes=0-99"}).status_code == 206
    assert web.get(f"/photos/{still}/motion").status_code == 404
    assert web.get(f"/photos/{'0' * 64}/motion").status_code == 404
    assert web.get(f"/photos/{clip['sha256']}/motion").status_code == 404, "the clip is not an item"

    slug = web.get("/api/albums").json()[0]["slug"]
    public = client(gallery.root, public_originals=True).get(f"/albums/{slug}/download")
    names = zipfile.ZipFile(io.BytesIO(public.content)).namelist()
    assert "IMG_0100.JPG" in names and "IMG_0100.MOV" not in names, "no companion where the page offers none"
    gallery("albums", "set", slug, "--show-location")
    located = client(gallery.root, public_originals=True)
    assert f"/photos/{live}/originals/{clip['sha256']}" in located.get(f"/photos/{live}").text
    with zipfile.ZipFile(io.BytesIO(located.get(f"/albums/{slug}/download").content)) as archive:
        assert set(archive.namelist()) == {"IMG_0100.JPG", "IMG_0100.MOV", "IMG_0200.JPG"}
        assert archive.read("IMG_0100.MOV") == (gallery.root / clip["path"]).read_bytes(), "the companion, whole"


def motion_photo(path: Path, clip: bytes, style: str) -> Path:
    """A Google (Container directory) or older (MicroVideoOffset) motion photo: JPEG, XMP in APP1, MP4 after."""
    from .conftest import make_photo
    from .test_media_kinds import WHEN

    still = make_photo(path, WHEN, make="Google", model="Pixel 8", gps=(45.5017, -73.5673)).read_bytes()
    if style == "container":
        fields = (
            'GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1"><Container:Directory><rdf:Seq>'
            '<rdf:li><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0"/></rdf:li>'
            f'<rdf:li><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="{len(clip)}"/>'
            "</rdf:li></rdf:Seq></Container:Directory></rdf:Description>"
        )
    else:
        fields = f'GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="{len(clip)}"/>'
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
        'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
        'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" ' + fields + "</rdf:RDF></x:xmpmeta>"
    ).encode()
    body = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    path.write_bytes(still[:2] + b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body + still[2:] + clip)
    return path


def test_a_motion_photo_plays_its_embedded_clip_and_never_leaks_it(tmp_path: Path) -> None:
    clip = ffmpeg(tmp_path / "clip.mp4", *ANDROID_TAGS, seconds=2).read_bytes()
    card = tmp_path / "pixel"
    card.mkdir()
    google = motion_photo(card / "PXL_0001.MP.jpg", clip, "container")
    samsung = motion_photo(card / "20240501_122030.jpg", clip, "micro")
    lying = motion_photo(card / "PXL_0002.MP.jpg", b"\x00" * 64, "container")  # XMP promising a clip it lacks
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    report = gallery.import_(card)
    assert report["archived"] == {"photo": 3}, "the still is the photo; the clip is not a video of its own"
    gallery("albums", "publish", "--all")
    rows = {row["original_name"]: row for row in gallery.rows()}
    for path in (google, samsung):
        row = rows[path.name]
        assert (row["media_type"], row["motion_offset"]) == ("photo", path.stat().st_size - len(clip))
    assert rows[lying.name]["motion_offset"] is None
    web = client(gallery.root, public_originals=True)
    for path in (google, samsung):
        sha = rows[path.name]["sha256"]
        assert f'data-src="/photos/{sha}/motion"' in web.get(f"/photos/{sha}").text
        played = web.get(f"/photos/{sha}/motion")
        assert played.status_code == 200 and played.headers["content-type"] == "video/mp4", played.text
        assert duration_of(played.content, tmp_path / "motion.mp4") == pytest.approx(2, abs=0.1)
        assert location_tags(played.content, tmp_path / "public.mp4") == []
        original = web.get(f"/photos/{sha}/original")
        assert original.status_code == 200, original.text
        assert b"ftyp" not in original.content and len(original.content) == rows[path.name]["motion_offset"]
        assert location_tags(original.content, tmp_path / "public.jpg") == [], "no place in the still, none in a clip"
    assert location_tags(google.read_bytes(), tmp_path / "archived.jpg"), "the oracle sees the archived file's place"
    assert web.get(f"/photos/{rows[lying.name]['sha256']}/motion").status_code == 404


@pytest.mark.browser
def test_chromium_plays_a_live_photos_motion_while_pressed(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from .conftest import make_photo
    from .test_browser import CHROMIUM, CHROMIUM_ARGS, wait_until
    from .test_media_kinds import WHEN

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    card = tmp_path / "iphone"
    make_photo(card / "IMG_0100.JPG", WHEN, offset="+02:00", make="Apple", model="iPhone 15", size=(320, 240))
    ffmpeg(card / "IMG_0100.MOV", *APPLE_TAGS, seconds=3, codec="libx265")
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    gallery.import_(card)
    gallery("albums", "publish", "--all")
    (row,) = gallery.rows()
    motion = "document.querySelector('video.motion')"
    with serving(gallery.root) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
            page.goto(f"{url}/photos/{row['sha256']}")
            button = page.locator(".live-badge")
            wait_until(page, "!document.querySelector('.live-badge').hidden")
            box = button.bounding_box()
            assert box and box["width"] >= 44 and box["height"] >= 44, "a thumb-sized target on a phone"
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            wait_until(page, f"!{motion}.hidden && {motion}.readyState >= 2 && !{motion}.paused")
            assert button.get_attribute("aria-pressed") == "true"
            page.mouse.up()
            wait_until(page, f"{motion}.hidden && {motion}.paused")
            button.focus()
            page.keyboard.press("Enter")
            wait_until(page, f"!{motion}.hidden && !{motion}.paused")
            page.keyboard.press("Enter")
            wait_until(page, f"{motion}.hidden")
            assert page.evaluate(f"{motion}.error") is None
        finally:
            browser.close()


def samsung_heic_motion_photo(path: Path, clip: bytes) -> Path:
    """A Galaxy HEIC motion photo: the HEIC, then a top-level `mpvd` box holding the MP4 and Samsung's
    `sefd` trailer (SEF: "MotionPhoto_Data" = "mpv2", the clip's offset and length), as One UI writes it."""
    import struct

    import pillow_heif

    pillow_heif.register_heif_opener()
    from PIL import Image

    still = io.BytesIO()
    Image.new("RGB", (96, 64), (30, 120, 200)).save(still, "HEIF")
    heic = still.getvalue()
    name = b"MotionPhoto_Data"
    data = b"mpv2" + struct.pack(">II", len(heic) + 8, len(clip))
    tag = b"\x00\x00\x30\x0a" + struct.pack("<I", len(name)) + name + data
    sefh = b"SEFH" + struct.pack("<II", 106, 1) + b"\x00\x00\x30\x0a" + struct.pack("<II", len(tag), len(tag))
    sef = tag + sefh + struct.pack("<I", len(sefh)) + b"SEFT"
    sefd = struct.pack(">I", len(sef) + 8) + b"sefd" + sef
    mpvd = struct.pack(">I", 8 + len(clip) + len(sefd)) + b"mpvd" + clip + sefd
    path.write_bytes(heic + mpvd)
    return path


def test_a_samsung_heic_motion_photo_plays_its_clip(tmp_path: Path) -> None:
    from gallery import motion

    clip = ffmpeg(tmp_path / "clip.mp4", *ANDROID_TAGS, seconds=2).read_bytes()
    card = tmp_path / "galaxy"
    card.mkdir()
    heic = samsung_heic_motion_photo(card / "20240501_122030.heic", clip)
    plain = card / "20240501_122031.heic"
    plain.write_bytes(heic.read_bytes()[: heic.read_bytes().index(b"mpvd") - 4])  # the same still, no clip
    probe = subprocess.run(["exiftool", "-j", "-a", "-G1", str(heic)], capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout)[0]["File:FileType"] == "HEIC", "the oracle reads it as a HEIC still"
    assert motion.heif_clip_offset(16, lambda at: b"\x00\x00\x00\x10mpvd" + b"\x00" * 8) is None, "no MP4 inside"
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    report = gallery.import_(card)
    assert report["archived"] == {"photo": 2}, report
    gallery("albums", "publish", "--all")
    rows = {row["original_name"]: row for row in gallery.rows()}
    row = rows[heic.name]
    assert (row["format"], row["motion_offset"]) == ("heif", heic.read_bytes().index(clip))
    assert rows[plain.name]["motion_offset"] is None
    web = client(gallery.root)
    assert f'data-src="/photos/{row["sha256"]}/motion"' in web.get(f"/photos/{row['sha256']}").text
    played = web.get(f"/photos/{row['sha256']}/motion")
    assert played.status_code == 200 and played.headers["content-type"] == "video/mp4", played.text
    assert duration_of(played.content, tmp_path / "motion.mp4") == pytest.approx(2, abs=0.1)
    assert location_tags(played.content, tmp_path / "public.mp4") == []


def test_check_lists_missing_motion_copies_and_repair_makes_them(tmp_path: Path) -> None:
    from .conftest import make_photo
    from .test_media_kinds import WHEN

    card = tmp_path / "phones"
    make_photo(card / "IMG_0100.JPG", WHEN, offset="+02:00", make="Apple", model="iPhone 15")
    ffmpeg(card / "IMG_0100.MOV", *APPLE_TAGS, seconds=2)
    clip = ffmpeg(tmp_path / "clip.mp4", *ANDROID_TAGS, seconds=2).read_bytes()
    motion_photo(card / "PXL_0001.MP.jpg", clip, "container")
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    assert gallery.import_(card)["live_photos"] == 1
    (live_clip,) = gallery.rows("SELECT * FROM companions")
    (motion,) = gallery.rows("SELECT * FROM photos WHERE motion_offset IS NOT NULL")
    copies = {
        f"{sha} {size}": gallery.root / "thumbnails" / "video" / sha[:2] / sha[2:4] / f"{sha}.mp4"
        for sha, size in ((live_clip["sha256"], "video"), (motion["sha256"], "motion"))
    }
    assert all(path.is_file() for path in copies.values()), "the import's viewer pass made both"
    assert gallery.json("check")["ok"] is True
    for path in copies.values():
        path.unlink()
    found = gallery("check", "--json", ok=False)
    assert found.exit_code == 1
    assert sorted(json.loads(found.output)["missing_derivatives"]) == sorted(copies)
    repaired = gallery.json("check", "--repair")
    assert repaired["repaired"] == 2 and repaired["ok"] is True
    for path in copies.values():
        assert duration_of(path.read_bytes(), tmp_path / "copy.mp4") == pytest.approx(2, abs=0.1)
    assert gallery.json("check")["missing_derivatives"] == []
