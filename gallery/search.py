"""Search queries, pure: words for the full-text index, dates in words, days compared as instants.

« Toulouse septembre 2017 » is the word `toulouse` (matched by the catalog's FTS5 index, accents
and case folded) and the days of September 2017. Days are local days: a photo's by its own local
time, an album's in its own zone, so that « from the 19th » finds an album that ends at 23:30 UTC
on the 18th (the 19th in Paris): its end, an instant, is after the 19th began in Paris.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "january", "janv"),
            ("fevrier", "february", "fevr"),
            ("mars", "march"),
            ("avril", "april", "avr"),
            ("mai", "may"),
            ("juin", "june"),
            ("juillet", "july", "juil"),
            ("aout", "august"),
            ("septembre", "september", "sept"),
            ("octobre", "october"),
            ("novembre", "november"),
            ("decembre", "december"),
        ),
        start=1,
    )
    for name in names
}
WORD = re.compile(r"\w+")
MAX_WORDS = 12


@dataclass(frozen=True)
class Days:
    """Local days searched: from `start` to `end` included (either open), or one month of any year."""

    start: date | None = None
    end: date | None = None
    month: int | None = None

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None or self.month is not None

    def narrowed(self, other: Days) -> Days:
        """Both at once: the later start, the earlier end."""
        starts = [d for d in (self.start, other.start) if d]
        ends = [d for d in (self.end, other.end) if d]
        return Days(max(starts, default=None), min(ends, default=None), self.month or other.month)


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]
    days: Days


def fold(text: str) -> str:
    """Lower case without accents: « Août » → `aout` (as FTS5's `remove_diacritics 2` does)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_query(text: str) -> Query:
    """Words to look up, and the days named in words (« 19 septembre 2017 », « 2017 », « août »)."""
    words = WORD.findall(fold(text))[: MAX_WORDS * 2]
    months = [MONTHS[w] for w in words if w in MONTHS]
    years = [int(w) for w in words if len(w) == 4 and w.isdigit() and 1900 <= int(w) <= 2100]
    month = months[0] if len(months) == 1 else None
    year = years[0] if len(years) == 1 else None
    day = _day_before_month(words, month)
    dated = {str(year)} if year else set()
    if month:
        dated |= {w for w in words if w in MONTHS} | ({str(day)} if day else set())
    rest = tuple(w for w in words if w not in dated and not (day and w == f"{day:02d}"))
    return Query(rest[:MAX_WORDS], _days(year, month, day))


def _day_before_month(words: list[str], month: int | None) -> int | None:
    for before, word in zip(words, words[1:], strict=False):
        if month and MONTHS.get(word) == month and before.isdigit() and 1 <= int(before) <= 31:
            return int(before)
    return None


def _days(year: int | None, month: int | None, day: int | None) -> Days:
    if year and month and day:
        try:
            return Days(date(year, month, day), date(year, month, day))
        except ValueError:  # « 31 février 2017 »: no such day, so the month is what was meant
            pass
    if year and month:
        following = date(year + month // 12, month % 12 + 1, 1)
        return Days(date(year, month, 1), following - timedelta(days=1))
    if year:
        return Days(date(year, 1, 1), date(year, 12, 31))
    return Days(month=month) if month else Days()


def match_expression(words: tuple[str, ...], columns: tuple[str, ...] = ()) -> str | None:
    """An FTS5 query: every word must appear, the last one as a prefix (« toul » finds Toulouse)."""
    if not words:
        return None
    phrases = [f'"{w}"' for w in words]
    phrases[-1] += "*"
    expression = " ".join(phrases)
    return f"{{{' '.join(columns)}}} : ({expression})" if columns else expression


def zone_of(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def album_in_days(album: dict[str, Any], days: Days) -> bool:
    """Does the album overlap those days, in its own zone? Compared as instants, never as strings."""
    if not days:
        return True
    if not album.get("start_utc") or not album.get("end_utc"):
        return False  # an undated album has no days to match
    zone = zone_of(album.get("timezone"))
    first, last = datetime.fromisoformat(album["start_utc"]), datetime.fromisoformat(album["end_utc"])
    if days.start and last < datetime.combine(days.start, datetime.min.time(), zone):
        return False
    if days.end and first >= datetime.combine(days.end + timedelta(days=1), datetime.min.time(), zone):
        return False
    return days.month is None or days.month in _months(first.astimezone(zone).date(), last.astimezone(zone).date())


def _months(first: date, last: date) -> set[int]:
    months: set[int] = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month) and len(months) < 12:
        months.add(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def local_bounds(days: Days) -> tuple[str | None, str | None, str | None]:
    """(from, before, month) to compare with a photo's local time string: `from <= t < before`."""
    start = days.start.isoformat() if days.start else None
    before = (days.end + timedelta(days=1)).isoformat() if days.end else None
    return start, before, f"{days.month:02d}" if days.month else None
