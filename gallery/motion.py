"""Live Photos and motion photos (issue 12): what ties a still to its clip.

- Apple writes the same `ContentIdentifier` (a UUID) in the still's Apple maker note (tag 0x0011)
  and in the MOV's `com.apple.quicktime.content.identifier` key: when both files carry it, it
  decides the pair (a renamed export still pairs; two shots in the same second never mix).
- Google and Samsung motion photos are one file: a JPEG with an MP4 appended, announced by XMP
  (`GCamera:MotionPhoto`/`GCamera:MicroVideo` with `MicroVideoOffset`, or the `Container:Directory`
  whose last item is the video); a Samsung HEIC keeps it in a top-level `mpvd` box. `embedded_clip`
  finds the MP4's start so it can be archived as the still's motion companion.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

APPLE_NOTE = b"Apple iOS\x00"
CONTENT_ID_TAG = 0x0011
MAKER_NOTE_TAG = 0x927C
EXIF_IFD = 0x8769
UUID = re.compile(r"^[0-9A-Fa-f-]{16,64}$")


def still_content_id(path: Path, fmt: str) -> str | None:
    """The ContentIdentifier of an iPhone HEIC or JPEG (from its Apple maker note), else None."""
    from . import thumbs

    try:
        with thumbs.open_image(path, fmt) as image:
            note = image.getexif().get_ifd(EXIF_IFD).get(MAKER_NOTE_TAG)
    except Exception:  # a still Pillow cannot read: the importer reports it on its own
        return None
    return apple_content_id(note) if isinstance(note, bytes) else None


def apple_content_id(note: bytes) -> str | None:
    """Pure: tag 0x0011 of an Apple maker note ("Apple iOS\\0", version, "MM", IFD at 14; offsets from its start)."""
    if not note.startswith(APPLE_NOTE) or note[12:14] not in (b"MM", b"II"):
        return None
    order = ">" if note[12:14] == b"MM" else "<"
    try:
        (count,) = struct.unpack_from(order + "H", note, 14)
        for index in range(min(count, 256)):
            tag, kind, length, value = struct.unpack_from(order + "HHI4s", note, 16 + 12 * index)
            if tag != CONTENT_ID_TAG or kind != 2:
                continue
            if length <= 4:
                raw = value[:length]
            else:
                (offset,) = struct.unpack_from(order + "I", value)
                raw = note[offset : offset + length]
            text = raw.split(b"\x00")[0].decode("ascii", "replace").strip()
            return text if UUID.match(text) else None
    except struct.error:
        return None
    return None


def clip_content_id(tags: dict[str, object]) -> str | None:
    """Pure: the ContentIdentifier of a Live Photo's MOV, from its container tags."""
    value = str(tags.get("com.apple.quicktime.content.identifier") or "").strip()
    return value if UUID.match(value) else None


# -- Google and Samsung motion photos: an MP4 appended after the JPEG or the HEIC -------------------

XMP_SCAN = 256 * 1024  # the XMP announcing the clip sits in the JPEG's APP1 segments, near the start
MOTION_FLAG = re.compile(rb"(?:GCamera:MotionPhoto|GCamera:MicroVideo)\s*(?:=\s*[\"']|>)\s*1")
MICRO_OFFSET = re.compile(rb"GCamera:MicroVideoOffset\s*(?:=\s*[\"']|>)\s*(\d{1,12})")
ITEM = re.compile(rb"<Container:Item\b[^>]*>", re.S)
ITEM_LENGTH = re.compile(rb"Item:Length\s*=\s*[\"'](\d{1,12})")
ITEM_VIDEO = re.compile(rb"Item:(?:Semantic\s*=\s*[\"']MotionPhoto|Mime\s*=\s*[\"']video/)")
CLIP = "motion"  # the RenderJob size of a motion photo's clip (its web copy, thumbnails/video/<sha>.mp4)


def clip_offset(head: bytes, size: int, read_at: Callable[[int], bytes]) -> int | None:
    """Pure but for `read_at(offset) -> 8 bytes`: where the appended MP4 of a motion photo begins, else None.

    `head` is the file's first bytes (its XMP), `size` its length. The offset is counted from the
    end (MicroVideoOffset, or the Container directory's video item Length) and must land on an
    ISO box whose type is `ftyp`: XMP that names a clip the file does not hold is ignored.
    """
    if not MOTION_FLAG.search(head) and b"Container:Directory" not in head:
        return None
    lengths = [int(m.group(1)) for m in MICRO_OFFSET.finditer(head)]
    for item in ITEM.findall(head):
        found = ITEM_LENGTH.search(item)
        if found and ITEM_VIDEO.search(item):
            lengths.append(int(found.group(1)))
    for length in lengths:
        start = size - length
        if 0 < start < size - 8 and read_at(start)[4:8] == b"ftyp":
            return start
    return None


MAX_BOXES = 4096  # a HEIF has a handful of top-level boxes; a file with more is not walked further


def heif_clip_offset(size: int, read_at: Callable[[int], bytes]) -> int | None:
    """Pure but for `read_at(offset) -> 16 bytes`: where a HEIC motion photo's MP4 begins, else None.

    Samsung (and Google's Motion Photo format for HEIF) put the clip in a top-level `mpvd` box after
    the image's own boxes (ftyp, meta, mdat); its payload must begin with the MP4's `ftyp` box.
    The top-level boxes are walked by their sizes, so a `mpvd` inside the image data never counts.
    """
    offset = 0
    for _ in range(MAX_BOXES):
        if offset + 8 > size:
            return None
        header = read_at(offset)
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        skip = 8
        if length == 1 and len(header) >= 16:  # a 64-bit size follows the type
            length, skip = int.from_bytes(header[8:16], "big"), 16
        elif length == 0:  # the last box runs to the end of the file
            length = size - offset
        if length < skip or offset + length > size:
            return None  # a broken box: nothing after it can be trusted
        if kind == b"mpvd":
            start = offset + skip
            return start if start < size - 8 and read_at(start)[4:8] == b"ftyp" else None
        offset += length
    return None


def embedded_clip(path: Path) -> int | None:
    """The offset of a motion photo's MP4 inside this JPEG (announced by XMP) or HEIC (its `mpvd` box), else None."""
    with open(path, "rb") as fh:
        head = fh.read(XMP_SCAN)
        size = os.fstat(fh.fileno()).st_size

        def read_at(offset: int) -> bytes:
            fh.seek(offset)
            return fh.read(16)

        if head[4:8] == b"ftyp":
            return heif_clip_offset(size, read_at)
        return clip_offset(head, size, read_at)


def clip_offset_in(data: bytes) -> int | None:
    """The same, for bytes in memory (the public original is cut there)."""
    return clip_offset(data[:XMP_SCAN], len(data), lambda at: data[at : at + 8])


def make_clip_copy(source: Path, target: Path) -> None:
    """The web copy of a motion photo's clip: the MP4 bytes copied out, then transcoded like any video."""
    from .kinds import video

    offset = embedded_clip(source)
    if offset is None:
        raise ValueError("no motion clip in this file")
    target.parent.mkdir(parents=True, exist_ok=True)
    extracted = target.with_name(target.name + ".clip.tmp")
    try:
        with open(source, "rb") as inp, open(extracted, "wb") as out:
            inp.seek(offset)
            shutil.copyfileobj(inp, out, 1 << 20)
        video.make_web_copy(extracted, target)
    finally:
        extracted.unlink(missing_ok=True)
