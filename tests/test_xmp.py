"""XMP packets from literals: the forms writers use, offsets, missing parts, and hostile packets."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from gallery import exif, xmp

from .conftest import Gallery, make_photo

HEAD = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
TAIL = "</rdf:RDF></x:xmpmeta>"
NAMESPACES = (
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:tiff="http://ns.adobe.com/tiff/1.0/"'
)


def packet(attributes: str = "", body: str = "", wrap: bool = True) -> bytes:
    description = f'<rdf:Description rdf:about="" {NAMESPACES} {attributes}>{body}</rdf:Description>'
    text = HEAD + description + TAIL
    if wrap:
        text = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{text}<?xpacket end="w"?>'
    return text.encode()


def test_attribute_form_dates_keep_their_offsets() -> None:
    parsed = xmp.parse_xmp(
        packet('xmp:CreateDate="2010-04-13T09:37:22+02:00" exif:DateTimeOriginal="2013-07-05T03:18:27Z"')
    )
    assert parsed.create_date == xmp.XmpDate(datetime(2010, 4, 13, 9, 37, 22), 120)
    assert parsed.date_original == xmp.XmpDate(datetime(2013, 7, 5, 3, 18, 27), 0)


def test_element_form_with_fractions_and_odd_offsets() -> None:
    body = (
        "<exif:DateTimeOriginal>2008-05-25T19:31:26.25+1:00</exif:DateTimeOriginal>"
        "<exif:DateTimeDigitized>2008-05-25T19:31:26-0430</exif:DateTimeDigitized>"
        "<photoshop:DateCreated>2025-08-10T19:02:53.27</photoshop:DateCreated>"
    )
    parsed = xmp.parse_xmp(packet(body=body))
    assert parsed.date_original == xmp.XmpDate(datetime(2008, 5, 25, 19, 31, 26, 250000), 60)
    assert parsed.date_digitized == xmp.XmpDate(datetime(2008, 5, 25, 19, 31, 26), -270)
    assert parsed.date_created == xmp.XmpDate(datetime(2025, 8, 10, 19, 2, 53, 270000), None)


def test_dates_without_a_time_or_impossible_are_not_capture_times() -> None:
    body = (
        "<photoshop:DateCreated>2003-08-31</photoshop:DateCreated>"
        "<xmp:CreateDate>2011-02-30T10:00:00</xmp:CreateDate>"
        "<exif:DateTimeOriginal>0000-00-00T00:00:00</exif:DateTimeOriginal>"
        "<exif:DateTimeDigitized>2010-04-13T09:37:22+25:00</exif:DateTimeDigitized>"
    )
    parsed = xmp.parse_xmp(packet(body=body))
    assert (parsed.date_created, parsed.create_date, parsed.date_original) == (None, None, None)
    assert parsed.date_digitized == xmp.XmpDate(datetime(2010, 4, 13, 9, 37, 22), None)  # offset out of range


def test_alt_seq_and_bag() -> None:
    body = (
        '<dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li>'
        '<rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></dc:title>'
        "<dc:description><rdf:Alt><rdf:li>Line one\nline two\u202e</rdf:li></rdf:Alt></dc:description>"
        "<dc:subject><rdf:Bag><rdf:li>mission</rdf:li><rdf:li> Montréal </rdf:li>"
        "<rdf:li>mission</rdf:li><rdf:li></rdf:li></rdf:Bag></dc:subject>"
        "<xmp:CreateDate><rdf:Seq><rdf:li>2009-08-04T10:35:03Z</rdf:li></rdf:Seq></xmp:CreateDate>"
    )
    parsed = xmp.parse_xmp(packet('xmp:Rating="4" tiff:Orientation="6"', body))
    assert parsed.title == "Title"
    assert parsed.description == "Line one\nline two"
    assert parsed.keywords == ("mission", "Montréal")
    assert parsed.create_date == xmp.XmpDate(datetime(2009, 8, 4, 10, 35, 3), 0)
    assert (parsed.rating, parsed.orientation) == (4, 6)


def test_gps_in_xmp_form() -> None:
    parsed = xmp.parse_xmp(packet('exif:GPSLatitude="45,30.5N" exif:GPSLongitude="73,34,12W"'))
    assert parsed.lat == pytest.approx(45.508333, abs=1e-6)
    assert parsed.lon == pytest.approx(-73.57, abs=1e-6)
    assert xmp.parse_xmp(packet('exif:GPSLatitude="45,30.5N"')).lat is None  # half a position
    assert xmp.parse_xmp(packet('exif:GPSLatitude="95,0N" exif:GPSLongitude="1,0E"')).lat is None
    assert xmp.parse_xmp(packet('exif:GPSLatitude="0,0N" exif:GPSLongitude="0,0E"')).lat is None


def test_several_descriptions_first_value_wins_and_unknown_namespaces_are_ignored() -> None:
    first = f'<rdf:Description rdf:about="" {NAMESPACES} xmp:CreateDate="2010-01-01T10:00:00"/>'
    second = (
        f'<rdf:Description rdf:about="" {NAMESPACES} xmlns:foo="urn:foo" '
        'xmp:CreateDate="2011-01-01T10:00:00" foo:CreateDate="2012-01-01T10:00:00" xmp:Rating="2"/>'
    )
    parsed = xmp.parse_xmp((HEAD + first + second + TAIL).encode())
    assert parsed.create_date == xmp.XmpDate(datetime(2010, 1, 1, 10), None)
    assert parsed.rating == 2


@pytest.mark.parametrize(
    "value",
    [None, b"", b"not xml at all", b"<x:xmpmeta><unclosed", "\ufffe\x00".encode("utf-16"), b"\x00" * 50],
)
def test_malformed_packets_give_nothing(value: bytes | None) -> None:
    assert xmp.parse_xmp(value) == xmp.EMPTY


def test_odd_values_are_dropped_one_by_one() -> None:
    parsed = xmp.parse_xmp(packet('xmp:Rating="9" tiff:Orientation="1.5" xmp:CreateDate="2010-04-13T09:37:22"'))
    assert (parsed.rating, parsed.orientation) == (None, None)
    assert parsed.create_date is not None
    assert xmp.parse_xmp(packet('xmp:Rating="-1"')).rating == -1  # "rejected" in Lightroom
    assert xmp.parse_xmp(packet('xmp:Rating="nan"')).rating is None


def test_utf16_packets_are_read() -> None:
    text = packet('xmp:CreateDate="2010-04-13T09:37:22+02:00"', wrap=False).decode()
    assert xmp.parse_xmp(text.encode("utf-16")).create_date is not None
    assert xmp.parse_xmp(text.encode("utf-16-be")).create_date is not None


def test_billion_laughs_is_refused_without_expanding() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">' for i in range(10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE x [{entities}]>{HEAD}<rdf:Description {NAMESPACES} xmp:Label="&lol9;"/>{TAIL}'
    )
    assert xmp.parse_xmp(bomb.encode()) == xmp.EMPTY
    external = f'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>{HEAD}<rdf:Description {NAMESPACES}>&e;</rdf:Description>{TAIL}'
    assert xmp.parse_xmp(external.encode()) == xmp.EMPTY


def test_oversized_packets_are_not_parsed() -> None:
    padding = " " * xmp.MAX_PACKET
    big = packet('xmp:CreateDate="2010-04-13T09:37:22"', "<!--" + padding + "-->")
    assert len(big) > xmp.MAX_PACKET
    assert xmp.parse_xmp(big) == xmp.EMPTY
    assert xmp.parse_xmp(big.decode()) == xmp.EMPTY


def test_deep_nesting_does_not_explode() -> None:
    deep = "<dc:title>" + "<rdf:Bag><rdf:li>" * 20000 + "x" + "</rdf:li></rdf:Bag>" * 20000 + "</dc:title>"
    parsed = xmp.parse_xmp(packet('xmp:CreateDate="2010-04-13T09:37:22"', deep))
    assert parsed.title is None and parsed.create_date is not None


def test_find_packet_in_bytes() -> None:
    data = b"\xff\xd8junk" + packet('xmp:Rating="3"', wrap=False) + b"more junk"
    assert xmp.parse_xmp(xmp.find_packet(data)).rating == 3
    assert xmp.find_packet(b"no packet here") is None
    assert xmp.find_packet(b"<x:xmpmeta never closed") is None


# -- parse_tags: where XMP dates rank --------------------------------------------------------------


def tags_with(xmp_packet: bytes, **exif_tags: str) -> dict[str, object]:
    return {exif.XMP_KEY: xmp_packet, **{k.replace("_", " "): v for k, v in exif_tags.items()}}


def test_xmp_create_date_with_offset_beats_the_modify_date() -> None:
    tags = tags_with(packet('xmp:CreateDate="2005-09-07T15:07:40-07:00"'), Image_DateTime="2005:09:07 15:09:51")
    meta = exif.parse_tags(tags)
    assert (meta.local_time, meta.offset_minutes, meta.date_source) == (
        datetime(2005, 9, 7, 15, 7, 40),
        -420,
        "xmp_create",
    )


def test_exif_original_beats_xmp_and_borrows_no_offset() -> None:
    xmp_packet = packet('exif:DateTimeOriginal="2008-03-15T09:52:01-04:00" xmp:CreateDate="2008-03-15T09:52:01"')
    meta = exif.parse_tags(tags_with(xmp_packet, EXIF_DateTimeOriginal="2008:03:15 09:52:01"))
    assert (meta.local_time, meta.offset_minutes, meta.date_source) == (
        datetime(2008, 3, 15, 9, 52, 1),
        None,
        "exif_original",
    )


def test_xmp_original_beats_exif_digitized_and_photoshop_comes_last() -> None:
    both = packet('exif:DateTimeOriginal="2013-07-05T03:18:27Z" photoshop:DateCreated="2013-07-01T10:00:00"')
    meta = exif.parse_tags(tags_with(both, EXIF_DateTimeDigitized="2013:07:07 17:20:59"))
    assert (meta.local_time, meta.date_source) == (datetime(2013, 7, 5, 3, 18, 27), "xmp_original")
    only_photoshop = packet('photoshop:DateCreated="2013-07-01T10:00:00+02:00"')
    assert exif.parse_tags(tags_with(only_photoshop)).date_source == "xmp_photoshop"


def test_xmp_fills_position_and_orientation_only_where_exif_is_silent() -> None:
    xmp_packet = packet(
        'exif:GPSLatitude="45,30.5N" exif:GPSLongitude="73,34.2W" tiff:Orientation="6"',
        "<dc:description><rdf:Alt><rdf:li>From XMP</rdf:li></rdf:Alt></dc:description>",
    )
    meta = exif.parse_tags(tags_with(xmp_packet))
    assert (meta.description, meta.orientation, meta.lat) == ("From XMP", 6, pytest.approx(45.508333, abs=1e-6))
    exif_first = exif.parse_tags(tags_with(xmp_packet, Image_ImageDescription="From EXIF", Image_Orientation=[3]))
    assert exif_first.orientation == 3


TEXT = (
    "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Le stand</rdf:li></rdf:Alt></dc:title>"
    "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>Démonstration au public</rdf:li></rdf:Alt></dc:description>"
    "<dc:subject><rdf:Bag><rdf:li>robotique</rdf:li><rdf:li>Labège</rdf:li></rdf:Bag></dc:subject>"
)


def test_embedded_xmp_text_beats_exif_and_boilerplate_is_no_description() -> None:
    """The order of trust for words: a sidecar (companions.py), then embedded XMP, then EXIF."""
    meta = exif.parse_tags(tags_with(packet('xmp:Rating="4"', TEXT), Image_ImageDescription="Texte EXIF"))
    assert (meta.title, meta.description, meta.rating, meta.keywords) == (
        "Le stand",
        "Démonstration au public",
        4,
        ("robotique", "Labège"),
    )
    assert exif.parse_tags(tags_with(packet(), Image_ImageDescription="Texte EXIF")).description == "Texte EXIF"
    copied = packet(body="<dc:description><rdf:Alt><rdf:li>OLYMPUS DIGITAL CAMERA</rdf:li></rdf:Alt></dc:description>")
    assert exif.parse_tags(tags_with(copied, Image_ImageDescription="Quai des Belges")).description == "Quai des Belges"
    assert exif.parse_tags(tags_with(copied, Image_ImageDescription="SONY DSC")).description is None


@pytest.mark.parametrize(
    ("words", "boilerplate"),
    [  # what the corpus's cameras wrote, and words a person wrote that look close
        ("OLYMPUS DIGITAL CAMERA", True),
        ("KONICA MINOLTA DIGITAL CAMERA", True),
        ("SANYO DIGITAL CAMERA", True),
        ("KODAK Digital Still Camera", True),
        ("SONY DSC", True),
        ("<Digimax i50 MP3, Samsung #1 MP3>", True),
        ("SAMSUNG CAMERA PICTURES", True),
        ("   ", True),
        ("Gran Turismo 5", False),
        ("El cielo sobre Berlin (Heaven above Berlin)", False),
        ("Notre nouvel appareil photo", False),
        ("WWL", False),
    ],
)
def test_camera_boilerplate_is_told_from_words(words: str, boilerplate: bool) -> None:
    from gallery import text

    assert text.is_boilerplate(words) is boilerplate


def test_a_broken_packet_costs_nothing_else() -> None:
    meta = exif.parse_tags(tags_with(b"<x:xmpmeta><broken", Image_Make="Canon"))
    assert meta.make == "Canon" and meta.local_time is None and meta.bad_tags == ()


# -- read_tags: the packet from real files ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP"])
def test_read_tags_finds_the_embedded_packet(tmp_path: Path, fmt: str) -> None:
    xmp_packet = packet('xmp:CreateDate="2010-04-13T09:37:22+02:00"')
    path = make_photo(tmp_path / f"photo.{fmt.lower()}", None, make=None, model=None, fmt=fmt)
    out = io.BytesIO()
    with Image.open(path) as image:
        image.load()
        if fmt == "PNG":  # the iTXt chunk every XMP writer uses
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", xmp_packet.decode())
            image.save(out, fmt, pnginfo=info)
        elif fmt == "TIFF":  # tag 700, type BYTE
            image.save(out, fmt, tiffinfo={700: xmp_packet})
        else:
            image.save(out, fmt, xmp=xmp_packet)
    meta = exif.parse_tags(exif.read_tags(io.BytesIO(out.getvalue())))
    assert (meta.local_time, meta.offset_minutes, meta.date_source) == (
        datetime(2010, 4, 13, 9, 37, 22),
        120,
        "xmp_create",
    )


def test_read_tags_survives_a_file_pillow_cannot_open() -> None:
    assert exif.XMP_KEY not in exif.read_tags(io.BytesIO(b"\xff\xd8\xff\xe1\x00\x10" + b"\x00" * 40))


# -- time_source: an instant from an XMP date and its offset says so -----------------------------------


def test_an_xmp_date_with_its_offset_is_timed_as_xmp() -> None:
    from gallery import timeline

    shots = [
        timeline.Shot(1, "scanner", datetime(2010, 4, 13, 9, 37, 22), 120, "xmp_create"),
        timeline.Shot(2, "phone", datetime(2010, 4, 13, 9, 37, 22), 120, "exif_original"),
        timeline.Shot(3, "scanner", datetime(2010, 4, 13, 9, 37, 22), None, "xmp_create"),
    ]
    timings = {t.id: t for t in timeline.resolve(shots, lambda lat, lon: None)[0]}
    assert (timings[1].source, timings[1].utc) == ("xmp", datetime(2010, 4, 13, 7, 37, 22, tzinfo=UTC))
    assert timings[1].zone is not None  # a fixed zone matching the offset, to show a local time
    assert timings[2].source == "offset_tag"
    assert (timings[3].source, timings[3].utc) == ("unknown", None)  # no offset, no place: never guessed


# -- privacy: the XMP we read never reaches public bytes --------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP"])
def test_the_packet_we_read_is_blanked_in_public_bytes(tmp_path: Path, fmt: str) -> None:
    """Each format's XMP branch of privacy.strip_gps (PNG here with an uncompressed iTXt), checked by leakcheck."""
    from gallery import leakcheck, privacy

    located = packet('exif:GPSLatitude="45,30.5N" exif:GPSLongitude="73,34.2W" xmp:CreateDate="2010-04-13T09:37:22"')
    out = io.BytesIO()
    with Image.open(make_photo(tmp_path / "p.jpg", None)) as image:
        image.load()
        if fmt == "PNG":
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", located.decode(), zip=False)
            image.save(out, fmt, pnginfo=info)
        elif fmt == "TIFF":
            image.save(out, fmt, tiffinfo={700: located})
        else:
            image.save(out, fmt, xmp=located)
    kind = fmt.lower()
    assert exif.parse_tags(exif.read_tags(io.BytesIO(out.getvalue()))).lat is not None
    public = privacy.strip_gps(out.getvalue(), kind)
    assert leakcheck.findings(public, kind) == []
    assert xmp.read_properties(exif.read_tags(io.BytesIO(public)).get(exif.XMP_KEY)) == {}


def test_an_imported_photo_dated_only_by_xmp(gallery: Gallery, tmp_path: Path) -> None:
    """A scan or an export with no EXIF date: archived under its XMP day, timed by its XMP offset."""
    source = tmp_path / "s" / "scan.jpg"
    source.parent.mkdir()
    with Image.open(make_photo(tmp_path / "plain.jpg", None)) as image:
        image.load()
        image.save(source, "JPEG", xmp=packet('xmp:CreateDate="2010-04-13T09:37:22+02:00"'))
    assert gallery.import_(source.parent)["imported"] == 1
    [item] = gallery.json("photos")
    assert (item["taken_at"], item["time_source"]) == ("2010-04-13T09:37:22+02:00", "xmp")
    assert item["path"] == "media/2010/2010-04-13/scan.jpg"
    [row] = gallery.rows()
    assert (row["date_source"], row["camera_offset"]) == ("xmp_create", 120)


def exiftool_text(path: Path) -> dict[str, object]:
    """What exiftool (the oracle) reads of a file's XMP words."""
    import json
    import subprocess

    out = subprocess.run(
        ["exiftool", "-j", "-XMP:Title", "-XMP:Description", "-XMP:Rating", "-XMP:Subject", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    facts = json.loads(out.stdout)[0]
    subject = facts.get("Subject", [])
    return {
        "title": facts.get("Title"),
        "description": facts.get("Description"),
        "rating": facts.get("Rating"),
        "keywords": subject if isinstance(subject, list) else [subject],
    }


def test_an_imported_photos_embedded_words_are_stored_and_found_by_admins(gallery: Gallery, tmp_path: Path) -> None:
    import json
    import shutil

    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from gallery.cli import main
    from gallery.config import Config
    from gallery.web import create_app

    if shutil.which("exiftool") is None:
        pytest.skip("exiftool (the oracle) is not installed")
    card = tmp_path / "card"
    card.mkdir()
    when = datetime(2021, 6, 1, 10, 0)
    with Image.open(make_photo(tmp_path / "olympus.jpg", when, description="OLYMPUS DIGITAL CAMERA")) as image:
        image.load()
        image.save(card / "P6010001.JPG", "JPEG", exif=image.info["exif"], xmp=packet('xmp:Rating="4"', TEXT))
    make_photo(card / "DSC00002.JPG", when.replace(minute=5), description="SONY DSC", color=(20, 90, 200))
    make_photo(card / "IMG_0003.JPG", when.replace(minute=9), description="Quai des Belges", color=(20, 200, 90))
    gallery.import_(card)
    rows = {row["original_name"]: row for row in gallery.rows()}
    stored = rows["P6010001.JPG"]
    oracle = exiftool_text(card / "P6010001.JPG")
    assert (
        {
            "title": stored["title"],
            "description": stored["description"],
            "rating": stored["rating"],
            "keywords": json.loads(stored["keywords"]),
        }
        == oracle
        == {
            "title": "Le stand",
            "description": "Démonstration au public",
            "rating": 4,
            "keywords": ["robotique", "Labège"],
        }
    )
    assert rows["DSC00002.JPG"]["description"] is None, "« SONY DSC » is not a description"
    assert rows["IMG_0003.JPG"]["description"] == "Quai des Belges"
    gallery("albums", "publish", "--all")
    runner = CliRunner().invoke(main, ["--root", str(gallery.root), "user", "add", "alice"], input="correct horse 1\n")
    assert runner.exit_code == 0, runner.output
    visitor = TestClient(create_app(Config(root=gallery.root)), follow_redirects=False)
    admin = TestClient(create_app(Config(root=gallery.root)), follow_redirects=False)
    admin.get("/login")
    login = {"name": "alice", "password": "correct horse 1", "csrf": admin.cookies["gallery_csrf"]}
    assert admin.post("/login", data=login).status_code == 303
    for words in ("stand", "demonstration", "robotique", "labege"):  # title, description, keywords; accents folded
        assert stored["sha256"] in admin.get("/search", params={"q": words}).text, words
        assert stored["sha256"] not in visitor.get("/search", params={"q": words}).text, "words are for admins"


def test_a_sidecars_boilerplate_does_not_replace_embedded_words(gallery: Gallery, tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    with Image.open(make_photo(tmp_path / "p.jpg", datetime(2021, 6, 1, 10, 0))) as image:
        image.load()
        image.save(card / "P6010001.JPG", "JPEG", exif=image.info["exif"], xmp=packet('xmp:Rating="4"', TEXT))
    sidecar = packet(
        'xmp:Rating="2"',
        "<dc:title><rdf:Alt><rdf:li>Titre revu</rdf:li></rdf:Alt></dc:title>"
        "<dc:description><rdf:Alt><rdf:li>OLYMPUS DIGITAL CAMERA</rdf:li></rdf:Alt></dc:description>",
    )
    (card / "P6010001.xmp").write_bytes(sidecar)
    gallery.import_(card)
    (row,) = gallery.rows()
    assert (row["title"], row["description"], row["rating"]) == ("Titre revu", "Démonstration au public", 2)


# -- orientation: XMP's tiff:Orientation turns the pictures when EXIF has none ----------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP"])
def test_an_xmp_orientation_turns_pictures_and_sizes_when_exif_has_none(
    gallery: Gallery, tmp_path: Path, fmt: str
) -> None:
    import json
    import shutil
    import subprocess

    if shutil.which("exiftool") is None:
        pytest.skip("exiftool (the oracle) is not installed")
    card = tmp_path / "card"
    card.mkdir()
    turned = packet('tiff:Orientation="6"')
    with Image.open(make_photo(tmp_path / "p.jpg", datetime(2021, 6, 1, 10, 0), size=(96, 64))) as image:
        image.load()
        for name, orientation in (("xmp_only", None), ("exif_says_upright", 1)):
            exif_block = image.getexif()
            if orientation:
                exif_block[0x0112] = orientation
            target = card / f"{name}.{fmt.lower()}"
            if fmt == "PNG":
                info = PngImagePlugin.PngInfo()
                info.add_itxt("XML:com.adobe.xmp", turned.decode())
                image.save(target, fmt, pnginfo=info, exif=exif_block.tobytes())
            elif fmt == "TIFF":
                image.save(target, fmt, tiffinfo={700: turned, **({274: orientation} if orientation else {})})
            else:
                image.save(target, fmt, xmp=turned, exif=exif_block.tobytes())
    oracle = subprocess.run(
        ["exiftool", "-j", "-n", "-a", "-G0", "-EXIF:Orientation", "-XMP:Orientation", str(card)],
        capture_output=True,
        text=True,
    )
    found = {Path(f.pop("SourceFile")).stem: f for f in json.loads(oracle.stdout)}
    assert found == {  # what each file holds, as exiftool reads it; the rule: EXIF's when there is one, else XMP's
        "xmp_only": {"XMP:Orientation": 6},
        "exif_says_upright": {"EXIF:Orientation": 1, "XMP:Orientation": 6},
    }
    gallery.import_(card)
    rows = {Path(row["original_name"]).stem: row for row in gallery.rows()}
    assert (rows["xmp_only"]["width"], rows["xmp_only"]["height"], rows["xmp_only"]["orientation"]) == (64, 96, 6)
    assert (rows["exif_says_upright"]["width"], rows["exif_says_upright"]["height"]) == (96, 64)
    with Image.open(
        gallery.root
        / "thumbnails"
        / "grid"
        / rows["xmp_only"]["sha256"][:2]
        / rows["xmp_only"]["sha256"][2:4]
        / f"{rows['xmp_only']['sha256']}.webp"
    ) as grid:
        assert grid.size == (64, 96)
        rgb = grid.convert("RGB")
        assert min(rgb.getpixel((60, 3))) > 220, "the white corner, top-left as shot, is top-right once turned"
        assert max(rgb.getpixel((3, 3))[1:]) < 100
