"""No form of a known position leaves in an anonymous original or ZIP while the location is hidden.

Each file carries 43.5445 N, 1.5110 E (43°32'40.2" N, 1°30'39.6" E) somewhere a parser may not look
or may reject; it is imported into a real library, served through the real app (public originals
on, location hidden), and the bytes served are searched for every form of that position: decimal
text, XMP text, and the DMS rationals as EXIF packs them. Pixels must be those of the original.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, TiffImagePlugin
from starlette.testclient import TestClient

from gallery import leakcheck, privacy
from gallery.config import Config
from gallery.web import create_app

from .conftest import CORPUS, Gallery, dms, make_photo

LAT, LON = 43.5445, 1.5110
WHEN = datetime(2017, 9, 19, 10, 0)
TEXT_FORMS = [b"43.5445", b"43,5445", b"1.511", b"1,511", b"43,32.67N", b"43,32.67", b"1,30.66E", b"43.544", b"1.5110"]
XMP_GPS = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"
 xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 exif:GPSLatitude="43,32.67N" exif:GPSLongitude="1,30.66E"
 drone-dji:GpsLatitude="+{LAT}" drone-dji:GpsLongitude="+{LON}" xmp:Rating="4"/>
</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>""".encode()


def packed_rationals(degrees: tuple[int, int], order: str) -> bytes:
    """The first two DMS rationals as EXIF stores them: 43/1 32/1 (or 1/1 30/1)."""
    return struct.pack(order + "IIII", degrees[0], 1, degrees[1], 1)


def assert_no_position(data: bytes, what: str) -> None:
    for form in TEXT_FORMS:
        assert form not in data, f"{what}: {form!r} served"
    for pair in ((43, 32), (1, 30), (43, 60)):
        for order in "<>":
            assert packed_rationals(pair, order) not in data, f"{what}: DMS rationals {pair} ({order}) served"
    assert b"GPSLatitude" not in data and b"GpsLatitude" not in data, f"{what}: XMP GPS served"


def assert_same_pixels(original: bytes, served: bytes) -> None:
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(served)) as after:
        frames = getattr(before, "n_frames", 1)
        assert getattr(after, "n_frames", 1) == frames
        for frame in range(frames):
            before.seek(frame)
            after.seek(frame)
            assert before.convert("RGB").tobytes() == after.convert("RGB").tobytes(), f"frame {frame} changed"


# -- files carrying the position ------------------------------------------------------------------


def gps_exif(latitude: tuple[Any, ...] | None, longitude: tuple[Any, ...] | None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "TestMaker", "T-100"
    exif.get_ifd(0x8769)[0x9003] = WHEN.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    if latitude:
        gps[1], gps[2] = "N", latitude
    if longitude:
        gps[3], gps[4] = "E", longitude
    return exif


def picture(color: tuple[int, int, int] = (30, 120, 200)) -> Image.Image:
    image = Image.new("RGB", (64, 48), color)
    image.paste((250, 250, 250), (0, 0, 20, 16))
    return image


def ratio(value: int, den: int = 1) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(value, den)


def seconds_sixty(folder: Path) -> Path:
    """43°32'60" — seconds = 60, which the parser rejects; the GPS block is still a position."""
    path = folder / "seconds60.jpg"
    picture().save(path, "JPEG", quality=90, exif=gps_exif((ratio(43), ratio(32), ratio(60)), dms(LON)).tobytes())
    return path


def latitude_only(folder: Path) -> Path:
    path = folder / "latonly.jpg"
    picture().save(path, "JPEG", quality=90, exif=gps_exif(dms(LAT), None).tobytes())
    return path


def xmp_only_jpeg(folder: Path) -> Path:
    path = folder / "drone.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = WHEN.strftime("%Y:%m:%d %H:%M:%S")
    picture().save(path, "JPEG", quality=90, exif=exif.tobytes(), xmp=XMP_GPS)
    return path


def tiff_with_xmp(folder: Path) -> Path:
    path = folder / "scan.tif"
    picture().save(path, "TIFF", exif=gps_exif(dms(LAT), dms(LON)), tiffinfo={700: XMP_GPS})
    return path


def mpo(folder: Path) -> Path:
    """A multi-picture JPEG (3D camera, phone) whose second image alone carries the position."""
    path = folder / "stereo.mpo.jpg"
    first, second = picture(), picture((200, 60, 30))
    plain = Image.Exif()
    plain.get_ifd(0x8769)[0x9003] = WHEN.strftime("%Y:%m:%d %H:%M:%S")
    second.encoderinfo = {"exif": gps_exif(dms(LAT), dms(LON)).tobytes(), "quality": 90}
    first.save(path, "MPO", save_all=True, append_images=[second], exif=plain.tobytes(), quality=90)
    return path


def appended(folder: Path) -> Path:
    """A JPEG with another, located JPEG appended after its end marker."""
    trailer = io.BytesIO()
    picture((10, 200, 10)).save(trailer, "JPEG", exif=gps_exif(dms(LAT), dms(LON)).tobytes())
    return make_photo(folder / "appended.jpg", WHEN, extra=trailer.getvalue())


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_everywhere(folder: Path) -> Path:
    """eXIf, iTXt XMP (compressed), and ImageMagick's "Raw profile type exif" as zTXt hex."""
    path = folder / "screen.png"
    buffer = io.BytesIO()
    picture().save(buffer, "PNG", exif=gps_exif(dms(LAT), dms(LON)).tobytes())
    data = buffer.getvalue()
    tiff = gps_exif(dms(LAT), dms(LON)).tobytes()
    hexed = b"\nexif\n%8d\n" % (len(tiff) + 6) + (b"Exif\x00\x00" + tiff).hex().encode() + b"\n"
    extra = (
        png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + zlib.compress(XMP_GPS))
        + png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(hexed))
        + png_chunk(b"tEXt", b"Raw profile type xmp\x00" + XMP_GPS)
    )
    end = data.rindex(b"IEND") - 4
    path.write_bytes(data[:end] + extra + data[end:])
    return path


def webp(folder: Path) -> Path:
    """EXIF GPS the parser rejects (minutes = 60) and the position in XMP."""
    path = folder / "web.webp"
    exif = gps_exif((ratio(43), ratio(60), ratio(402, 10)), (ratio(1), ratio(30), ratio(396, 10)))
    picture().save(path, "WEBP", lossless=True, exif=exif.tobytes(), xmp=XMP_GPS)
    return path


BUILT = {
    "seconds60.jpg": seconds_sixty,
    "latonly.jpg": latitude_only,
    "drone.jpg": xmp_only_jpeg,
    "scan.tif": tiff_with_xmp,
    "stereo.mpo.jpg": mpo,
    "appended.jpg": appended,
    "screen.png": png_everywhere,
    "web.webp": webp,
}


# -- the library and the app ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every built file imported and published; what anonymous visitors download, one by one and zipped."""
    folder = tmp_path_factory.mktemp("located")
    for build in BUILT.values():
        build(folder)
    root = tmp_path_factory.mktemp("library")
    gallery = Gallery(root)
    gallery.import_(folder)
    gallery("albums", "publish", "--all")
    return fetch(root, gallery)


def fetch(root: Path, gallery: Gallery) -> dict[str, Any]:
    client = TestClient(create_app(Config(root=root, public_originals=True)), follow_redirects=False)
    photos = gallery.rows(
        "SELECT p.sha256, p.path, p.original_name, a.slug FROM photos p "
        "JOIN album_photos ap ON ap.photo_id = p.id JOIN albums a ON a.id = ap.album_id"
    )
    out: dict[str, Any] = {"client": client, "root": root, "zips": {}, "originals": {}, "pages": {}}
    for row in photos:
        name = row["original_name"]
        out["originals"][name] = ((root / row["path"]).read_bytes(), client.get(f"/photos/{row['sha256']}/original"))
        out["pages"][name] = client.get(f"/photos/{row['sha256']}").text
        if row["slug"] not in out["zips"]:
            response = client.get(f"/albums/{row['slug']}/download")
            assert response.status_code == 200
            archive = zipfile.ZipFile(io.BytesIO(response.content))
            out["zips"][row["slug"]] = {n: archive.read(n) for n in archive.namelist()}
    return out


@pytest.mark.parametrize("name", sorted(BUILT))
def test_no_position_in_a_served_original(served: dict[str, Any], name: str) -> None:
    original, response = served["originals"][name]
    assert original != b"" and any(
        f in original for f in (b"GPS", b"Gps", b"\x2b\x00\x00\x00\x01\x00\x00\x00") + tuple(TEXT_FORMS)
    ), "the test file really has a position"
    assert response.status_code == 200, f"{name} is served once cleaned"
    assert_no_position(response.content, name)
    assert_same_pixels(original, response.content)
    assert leakcheck.findings(response.content, "x") == []


def test_no_position_in_the_zip(served: dict[str, Any]) -> None:
    entries = {name: data for archive in served["zips"].values() for name, data in archive.items()}
    for name in BUILT:
        assert name in entries, f"{name} is in the ZIP"
        assert_no_position(entries[name], f"{name} in the ZIP")
        assert_same_pixels(served["originals"][name][0], entries[name])


def test_the_rest_of_the_metadata_stays(served: dict[str, Any]) -> None:
    cleaned = served["originals"]["drone.jpg"][1].content
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.getexif().get_ifd(0x8769)[0x9003] == "2017:09:19 10:00:00"
    with Image.open(io.BytesIO(served["originals"]["stereo.mpo.jpg"][1].content)) as image:
        assert image.format == "MPO" and image.n_frames == 2, "both images of the MPO stay, MPF index valid"


# -- originals that cannot be proved clean ---------------------------------------------------------


def test_an_original_that_cannot_be_cleaned_is_withheld_and_said_so(tmp_path: Path) -> None:
    """A QuickTime-style position appended after the image: nothing removes it, so nothing serves it."""
    folder = tmp_path / "in"
    make_photo(folder / "motion.jpg", WHEN, extra=b"\x00\x00\x00\x1c\xa9xyz\x00\x12\x15\xc7+43.5445+001.5110/")
    make_photo(folder / "plain.jpg", WHEN, color=(10, 10, 200))
    gallery = Gallery(tmp_path / "library")
    (tmp_path / "library").mkdir()
    gallery.import_(folder)
    gallery("albums", "publish", "--all")
    out = fetch(tmp_path / "library", gallery)
    original, response = out["originals"]["motion.jpg"]
    assert response.status_code == 403 and b"+43.5445" not in response.content
    assert "ne peut pas en être retirée" in out["pages"]["motion.jpg"], "the photo page says why"
    assert "/original" not in out["pages"]["motion.jpg"]
    assert out["originals"]["plain.jpg"][1].status_code == 200 and "/original" in out["pages"]["plain.jpg"]
    (entries,) = out["zips"].values()
    assert "motion.jpg" not in entries and "plain.jpg" in entries
    note = next(data for name, data in entries.items() if name.endswith(".txt")).decode()
    assert "motion.jpg" in note and "cannot be removed" in note


def seconds_patched_to_sixty(data: bytes) -> bytes:
    """A real camera file whose latitude seconds become 60/1 and GPS date 2008:19:99 (same lengths): the
    parser rejects both, so the catalog knows neither a position nor a GPS time."""
    assert data.count(b"2008:10:23\x00") == 1
    data = data.replace(b"2008:10:23\x00", b"2008:19:99\x00")
    for order in "<>":
        at = data.find(packed_rationals((43, 28), order))
        if at != -1:
            return data[: at + 16] + struct.pack(order + "II", 60, 1) + data[at + 24 :]
    raise AssertionError("no latitude rationals found")


@pytest.mark.corpus
def test_real_camera_files_lose_every_form_of_their_position(tmp_path: Path) -> None:
    """A Nikon file with a rejected latitude, one appended to a Canon file, Kodak (odd DMS), Nokia (signed
    rationals), iPhone; a located phone HEIF, which cannot be cleaned, and an iPhone HEIC without position."""
    folder = tmp_path / "in"
    folder.mkdir()
    nikon = (CORPUS / "jpg/gps/DSCN0010.jpg").read_bytes()
    (folder / "nikon60.jpg").write_bytes(seconds_patched_to_sixty(nikon))
    (folder / "canon+nikon.jpg").write_bytes((CORPUS / "jpg/Canon_40D.jpg").read_bytes() + nikon)
    for relative in (
        "jpg/Kodak_CX7530.jpg",
        "jpg/mobile/HMD_Nokia_8.3_5G.jpg",
        "jpg/hdr/iphone_hdr_YES.jpg",
        "heic/mobile/HMD_Nokia_8.3_5G.heif",
        "heic/mobile/iphone_13_pro_max.heic",
    ):
        shutil.copy(CORPUS / relative, folder)
    gallery = Gallery(tmp_path / "library")
    (tmp_path / "library").mkdir()
    gallery.import_(folder)
    located = {row["original_name"] for row in gallery.rows() if row["lat"] is not None or row["gps_time"]}
    assert "nikon60.jpg" not in located and "canon+nikon.jpg" not in located, "the parser sees no position there"
    gallery("albums", "publish", "--all")
    out = fetch(tmp_path / "library", gallery)
    served = dict(out["originals"])
    forms = {
        "nikon60.jpg": (43, 28),
        "canon+nikon.jpg": (43, 28),
        "Kodak_CX7530.jpg": None,
        "HMD_Nokia_8.3_5G.jpg": (60, 8),
        "iphone_hdr_YES.jpg": (40, 26),
    }
    zipped = {name: data for archive in out["zips"].values() for name, data in archive.items()}
    for name, pair in forms.items():
        original, response = served[name]
        assert response.status_code == 200, name
        for data in (response.content, zipped[name]):
            with Image.open(io.BytesIO(data)) as image:
                assert not image.getexif().get_ifd(0x8825), name
            if pair:
                assert any(packed_rationals(pair, o) in original for o in "<>"), f"{name} has its position"
                assert all(packed_rationals(pair, o) not in data for o in "<>"), f"{name}: DMS rationals served"
            assert b"GPSLatitude" not in data and b"GPSLongitude" not in data, name
            assert leakcheck.findings(data, "jpeg") == [], name
        assert_same_pixels(original, response.content)
    heif = served["HMD_Nokia_8.3_5G.heif"][1]
    assert heif.status_code == 403, "a located HEIF cannot be cleaned: withheld"
    assert "HMD_Nokia_8.3_5G.heif" not in zipped
    original, response = served["iphone_13_pro_max.heic"]
    assert response.status_code == 200 and response.content == original, "a HEIF without position is served as is"
    assert zipped["iphone_13_pro_max.heic"] == original


def test_the_verifier_finds_what_the_remover_is_meant_to_remove(tmp_path: Path) -> None:
    """leakcheck on the raw files: every built file is flagged before cleaning, none after."""
    kinds = {".jpg": "jpeg", ".tif": "tiff", ".png": "png", ".webp": "webp"}
    for name, build in BUILT.items():
        data = build(tmp_path).read_bytes()
        kind = kinds[Path(name).suffix]
        assert leakcheck.findings(data, kind, (LAT, LON)), f"{name} is flagged as it is"
        assert leakcheck.findings(privacy.strip_gps(data, kind), kind, (LAT, LON)) == [], f"{name} cleaned"


def test_old_cached_copies_are_never_served(tmp_path: Path) -> None:
    """A copy left by an earlier version in .gallery/public-originals/ is removed, not served."""
    folder = tmp_path / "in"
    folder.mkdir()
    xmp_only_jpeg(folder)
    root = tmp_path / "library"
    root.mkdir()
    gallery = Gallery(root)
    gallery.import_(folder)
    gallery("albums", "publish", "--all")
    (row,) = gallery.rows()
    stale = root / ".gallery" / "public-originals" / f"{row['sha256']}.jpeg"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes((root / row["path"]).read_bytes())
    client = TestClient(create_app(Config(root=root, public_originals=True)))
    response = client.get(f"/photos/{row['sha256']}/original")
    assert response.status_code == 200 and b"GpsLatitude" not in response.content
    assert not stale.exists()


def test_catalog_coordinates_only_add_refusals() -> None:
    """The catalog's position never decides what is stripped; it only widens what the verifier looks for."""
    data = make_jpeg_with_comment(b"shot at 43.5445, 1.5110")
    assert leakcheck.findings(data, "jpeg") == []
    assert leakcheck.findings(data, "jpeg", (LAT, LON)), "a known coordinate in a comment is found"


def make_jpeg_with_comment(comment: bytes) -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, "JPEG", comment=comment)
    return buffer.getvalue()
