"""Live Photos and motion photos (issue 12): what ties a still to its clip.

- Apple writes the same `ContentIdentifier` (a UUID) in the still's Apple maker note (tag 0x0011)
  and in the MOV's `com.apple.quicktime.content.identifier` key: when both files carry it, it
  decides the pair (a renamed export still pairs; two shots in the same second never mix).
- Google and Samsung motion photos are one file: a JPEG with an MP4 appended, announced by XMP
  (`GCamera:MotionPhoto`/`GCamera:MicroVideo` with `MicroVideoOffset`, or the `Container:Directory`
  whose last item is the video). `embedded_clip` finds the MP4's start so it can be archived
  as the still's motion companion.
"""

from __future__ import annotations

import re
import struct
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
