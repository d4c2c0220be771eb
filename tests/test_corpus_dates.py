"""Capture dates of the real corpus, with Debian's exiftool as the oracle (issue 12, "dates from everywhere")."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .conftest import CORPUS, Gallery

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed (apt install exiftool)"),
]

# exiftool's order of preference for a capture date; for one name, EXIF before XMP before the makers'.
ORACLE_NAMES = ("DateTimeOriginal", "CreateDate", "DateCreated", "ModifyDate")
ORACLE_GROUPS = ("EXIF", "XMP", "MakerNotes", "APP12", "IPTC")

# Files whose date exiftool finds and we do not, each with the reason. Empty since the makers' own
# blocks are read (gallery/maker_dates.py): Olympus PictureInfo (jpg/exif-org/olympus-d320l.jpg),
# a Canon CIFF heap (jpg/exif-org/sony-powershota5.jpg), a Reconyx maker note (jpg/Reconyx_HC500_Hyperfire.jpg).
NOT_READ: dict[str, str] = {}
MAKER_DATED = {
    "jpg/exif-org/olympus-d320l.jpg": "maker_olympus",
    "jpg/exif-org/sony-powershota5.jpg": "maker_canon_ciff",
    "jpg/Reconyx_HC500_Hyperfire.jpg": "maker_reconyx",
}

_VALUE = re.compile(r"^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d{1,2}:\d\d)?$")


def oracle(entry: dict[str, Any]) -> tuple[str, datetime, int | None] | None:
    """exiftool's capture date for one file: (tag, naive local time, offset minutes if written)."""
    for name in ORACLE_NAMES:
        for group in ORACLE_GROUPS:
            match = _VALUE.match(str(entry.get(f"{group}:{name}", "")))
            if match and not match.group(1).startswith("0000"):
                *parts, zone = match.groups()
                return f"{group}:{name}", datetime(*map(int, parts)), _minutes(zone)  # type: ignore[arg-type]
    return None  # none, or only a day without a time (which we do not read either)


def _minutes(zone: str | None) -> int | None:
    if zone is None:
        return None
    if zone == "Z":
        return 0
    hours, minutes = zone[1:].split(":")
    total = int(hours) * 60 + int(minutes)
    return -total if zone[0] == "-" else total


def disagreement(row: dict[str, Any], expected: tuple[str, datetime, int | None] | None) -> str | None:
    """None when our capture date is exiftool's; else what differs."""
    if expected is None:
        weak = row["date_source"] in ("filename", "filename_day", "mtime")
        return None if weak else f"exiftool finds no date, we read {row['camera_time']} ({row['date_source']})"
    tag, when, offset = expected
    ours = row["camera_time"][:19] if row["camera_time"] else None
    if row["date_source"] in ("mtime", "filename", "filename_day") or ours != when.isoformat():
        return f"exiftool {tag} {when.isoformat()}, we {ours} ({row['date_source']})"
    if offset is not None and row["camera_offset"] != offset:
        return f"exiftool {tag} offset {offset} min, we {row['camera_offset']}"
    return None


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str | None], list[str]]:
    """{corpus path: disagreement or None} for every imported file, and the files not imported."""
    gallery = Gallery(tmp_path_factory.mktemp("dates-library"))
    report = gallery.json("import", str(CORPUS), "--jobs", "2", "--no-viewer")
    listing = subprocess.run(
        ["exiftool", "-json", "-G", "-n", "-r", "-time:all", str(CORPUS)],
        capture_output=True,
        check=False,
        timeout=300,
    )
    entries = {str(Path(e["SourceFile"]).resolve()): e for e in json.loads(listing.stdout)}
    corpus = CORPUS.resolve()
    results = {}
    for row in gallery.rows():
        source = Path(row["source_path"]).resolve()
        results[str(source.relative_to(corpus))] = disagreement(row, oracle(entries.get(str(source), {})))
    not_imported = [str(Path(o["path"]).resolve().relative_to(corpus)) for o in report["skipped"] + report["rejected"]]
    return results, not_imported


def test_capture_dates_agree_with_exiftool(compared: tuple[dict[str, str | None], list[str]]) -> None:
    results, not_imported = compared
    agree = sum(1 for name, why in results.items() if why is None)
    print(f"\nexiftool agrees on {agree} of {len(results)} imported files; not imported: {len(not_imported)}")
    for name, why in sorted(results.items()):
        if why is not None:
            print(f"  {name}: {why}")
    unexplained = {name: why for name, why in results.items() if why is not None and name not in NOT_READ}
    assert unexplained == {}


def test_the_list_of_exceptions_stays_true(compared: tuple[dict[str, str | None], list[str]]) -> None:
    results, _ = compared
    stale = [name for name in NOT_READ if name in results and results[name] is None]
    assert stale == [], f"these files now agree with exiftool: take them out of NOT_READ: {stale}"
    assert set(NOT_READ) <= set(results), "a listed file is no longer imported"


def test_xmp_dates_keep_their_offsets(compared: tuple[dict[str, str | None], list[str]]) -> None:
    results, _ = compared
    for name in ("jpg/invalid/image01088.jpg", "jpg/xmp/no_exif.jpg", "jpg/xmp/BlueSquare.jpg"):
        assert results[name] is None, name


def test_the_makers_blocks_date_three_old_cameras(compared: tuple[dict[str, str | None], list[str]]) -> None:
    results, _ = compared
    assert {name: results[name] for name in MAKER_DATED} == dict.fromkeys(MAKER_DATED), "exiftool's dates"
