"""Text that people and files give us, cleaned once at the edge: no controls, no bidi tricks, capped."""

from __future__ import annotations

import re
import unicodedata

# Explicit bidi embeddings, overrides and isolates: they reorder what a reader sees (a file name
# "photo\u202egpj.exe"); the implicit marks (LRM, RLM) are harmless and kept.
_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def _kept(char: str, multiline: bool) -> bool:
    if char == "\n":
        return multiline
    category = unicodedata.category(char)
    # Cc: C0/C1 controls (invalid in XML 1.0, escape sequences on a terminal); Cs: lone
    # surrogates; Cn: unassigned and non-characters (U+FFFE, U+FFFF are invalid in XML).
    return category not in ("Cc", "Cs", "Cn") and ord(char) not in _BIDI


def clean(value: str, limit: int, multiline: bool = False) -> str:
    """NFC, without controls (a newline is kept in multi-line text), bidi overrides or blank edges; capped."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\t", " ")
    cleaned = "".join(char for char in value if _kept(char, multiline))
    if multiline:
        cleaned = "\n".join(line.rstrip() for line in cleaned.split("\n"))
    return cleaned.strip()[:limit].strip()


# What cameras write in ImageDescription when nobody wrote anything (and what editors then copy into
# XMP's dc:description): « OLYMPUS DIGITAL CAMERA », « SONY DSC », Samsung's « <Digimax i50 MP3,
# Samsung #1 MP3> ». A description like these says nothing and would only clutter search.
_BOILERPLATE = re.compile(
    r"(?:[a-z]+(?: [a-z]+)? )?digital (?:still )?camera|(?:[a-z]+ )?dsc|(?:samsung )?camera pictures?|"
    r"exif_jpeg_picture|default|image|picture|photo|jpeg|dcf ?1\.0|created with gimp|<[^<>]*>|[.\-_\s]*",
    re.IGNORECASE,
)


def is_boilerplate(description: str) -> bool:
    """True for a description a camera or editor wrote by itself (« OLYMPUS DIGITAL CAMERA »)."""
    return _BOILERPLATE.fullmatch(" ".join(description.split())) is not None


def for_terminal(value: str) -> str:
    """Text for a terminal: control characters, bidi overrides and undecodable bytes shown as escapes.

    A file name may hold ESC sequences that would recolour, retitle or rewrite the operator's
    terminal; the name itself is kept as it is everywhere else (archive, catalog, JSON).
    """
    return "".join(_escape(c) if _unsafe_on_terminal(c) else c for c in value)


def _unsafe_on_terminal(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") or ord(char) in _BIDI


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
