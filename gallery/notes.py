"""A device's note as data: parts, each a key and its parameters, put into words (FR/EN) when shown.

The clocks engine says why it decided (or could not) in parts (`note("gps_median", count=12)`),
joined in order; the catalog keeps them as JSON; the admin page renders them in the reader's
language and the CLI in English. A note written before notes were data (plain English) is shown
as it is, marked English, except the GPS one, which is read back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

Part = dict[str, Any]

TEXT: dict[str, dict[str, str]] = {
    "set_by_hand": {"fr": "réglée à la main", "en": "set by hand"},
    "gps_median": {"fr": "médiane de {count} horloges GPS", "en": "median of {count} GPS clocks"},
    "gps_spread": {"fr": "écart {spread}", "en": "spread {spread}"},
    "nothing_to_align": {
        "fr": "aucun autre appareil n’est placé et aucun programme ne permet de l’aligner",
        "en": "no other device is placed and no programme to align with",
    },
    "aligned": {"fr": "aligné : {candidates}", "en": "aligned: {candidates}"},
    "undecided": {"fr": "impossible de décider : {candidates}", "en": "cannot decide: {candidates}"},
    "few_covered": {
        "fr": "seules {share} de ses photos tombent quand le voyage était actif",
        "en": "only {share} of its photos fall where the trip was active",
    },
    "day_earlier": {
        "fr": "un jour plus tôt convient aussi bien (les mêmes heures sont actives chaque jour et aucun moment "
        "partagé avec les autres ne départage les jours)",
        "en": "a day earlier fits as well (the same hours are active every day, and no moment shared with "
        "others tells the days apart)",
    },
    "day_later": {
        "fr": "un jour plus tard convient aussi bien (les mêmes heures sont actives chaque jour et aucun moment "
        "partagé avec les autres ne départage les jours)",
        "en": "a day later fits as well (the same hours are active every day, and no moment shared with "
        "others tells the days apart)",
    },
    "changes_midway": {
        "fr": "son horloge semble changer pendant le voyage (ses premières et dernières photos vont avec des "
        "corrections différentes)",
        "en": "its clock seems to change during the trip (its first and last photos fit different offsets)",
    },
    "far_from_trip": {
        "fr": "impossible de décider : ses heures sont loin du voyage (date remise à zéro ?)",
        "en": "cannot decide: its camera times are far from the trip (a reset date?)",
    },
    "also_far_from_trip": {
        "fr": "ses heures sont loin du voyage (date remise à zéro ?)",
        "en": "its camera times are far from the trip (a reset date?)",
    },
    "goes_back_twice": {
        "fr": "impossible de décider : son horloge recule plus d’une fois (numéros de fichier contre heures de "
        "l’appareil)",
        "en": "cannot decide: its clock goes back in time more than once (file numbers against camera times)",
    },
    "jumps_back_few": {
        "fr": "impossible de décider : son horloge recule à la photo {photo}, trop peu de photos d’un côté",
        "en": "cannot decide: its clock jumps back at photo {photo}, too few photos on one side",
    },
    "changes_at": {
        "fr": "impossible de décider : son horloge semble changer à la photo {photo} ({before} ; puis {after})",
        "en": "cannot decide: its clock seems to change at photo {photo} ({before}; then {after})",
    },
    "reset_left_out": {
        "fr": "{count} photos datées loin des autres (horloge remise à zéro ?) laissées de côté",
        "en": "{count} photos dated far from the others (a reset clock?) left out",
    },
    "two_clocks": {
        "fr": "aligné, son horloge a changé pendant le voyage : correction {pieces} (dans l’ordre des prises de vue)",
        "en": "aligned, its clock changed during the trip: correction {pieces} (in shooting order)",
    },
    "zone_fallback": {
        "fr": "{count} photos lues dans le fuseau {whose} ({zones}), faute de mieux",
        "en": "{count} photos read in the {whose} zone ({zones}) for lack of better",
    },
    "zone_doubtful": {
        "fr": "DOUTEUX : {count} photos lues dans le fuseau {whose} ({zones}) faute de mieux, mais {share} "
        "d’entre elles tombent alors entre {start} h et {end} h du matin : vérifiez l’horloge de cet appareil",
        "en": "DOUBTFUL: {count} photos read in the {whose} zone ({zones}) for lack of better, but {share} of "
        "them then fall between {start} and {end} a.m.: check this device's clock",
    },
    # H23, times for grouping only (timeline.ESTIMATED)
    "estimated": {
        "fr": "{count} photos placées dans leur événement pour l’album seulement (heure estimée, marquée « date incertaine »)",
        "en": "{count} photos put in their events for the albums only (an estimated time, marked « uncertain date »)",
    },
    # H28, one clock per camera per trip (timeline._runs)
    "per_trip": {
        "fr": "une horloge par voyage (dates de l’appareil) : {runs}",
        "en": "one clock per trip (camera dates): {runs}",
    },
    "piece_run": {
        "fr": "du {first} au {last}, {count} photos : correction {correction} ({note})",
        "en": "{first} to {last}, {count} photos: correction {correction} ({note})",
    },
    "piece_run_unknown": {
        "fr": "du {first} au {last}, {count} photos : correction inconnue ({note})",
        "en": "{first} to {last}, {count} photos: correction unknown ({note})",
    },
    "whose_mission": {"fr": "de la mission", "en": "mission's"},
    "whose_import": {"fr": "de l’import", "en": "import's"},
    "piece": {"fr": "{correction} pour les photos {first} à {last}", "en": "{correction} for photos {first}-{last}"},
    "piece_unknown": {"fr": "inconnue pour les photos {first} à {last}", "en": "unknown for photos {first}-{last}"},
    "then": {"fr": ", puis ", "en": ", then "},
    "chance": {"fr": "{share} pour {correction}", "en": "{share} for {correction}"},
    "separator": {"fr": " ; ", "en": "; "},
}
LEGACY_GPS = re.compile(r"median of (\d+) GPS clocks(?:, spread (\d+) s)?")


def note(key: str, **params: Any) -> str:
    """One part, as the catalog keeps it."""
    if key not in TEXT:
        raise KeyError(f"no words for the note {key!r}")
    return json.dumps([{"key": key, **params}], ensure_ascii=False, separators=(",", ":"))


def join(*notes: str) -> str:
    """Parts one after the other (empty notes left out): « a; b »."""
    return json.dumps([p for text in notes for p in parts(text)], ensure_ascii=False, separators=(",", ":"))


def parts(text: str) -> list[Part]:
    """The parts of a note; a plain-text (older) note is one part that says it as it is."""
    if not text:
        return []
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, list) and all(isinstance(p, dict) and p.get("key") in TEXT for p in found):
        return found
    return [{"key": "", "text": text}]


def keys(text: str) -> list[str]:
    return [str(p["key"]) for p in parts(text)]


def render(text: str, lang: str = "en") -> tuple[str, str]:
    """(words, their language): every part in `lang`; an older note in English stays English."""
    if lang not in ("fr", "en"):
        lang = "en"
    words, spoken = [], lang
    for part in parts(text):
        if part["key"]:
            words.append(_part(part, lang))
            continue
        legacy = LEGACY_GPS.fullmatch(part["text"])
        if legacy:
            words.append(_part(_gps(int(legacy[1]), int(legacy[2] or 0)), lang))
        else:
            words.append(part["text"])
            spoken = "en" if lang != "en" else spoken
    return _say("separator", lang).join(words), spoken


def in_words(text: str, lang: str = "en") -> str:
    return render(text, lang)[0]


def gps_median(count: int, spread: float) -> str:
    """The GPS note: how many GPS clocks, and how far apart they are (a spread under a minute is not said)."""
    return json.dumps([_gps(count, round(spread))], separators=(",", ":"))


def _gps(count: int, spread: int) -> Part:
    return {"key": "gps_median", "count": count, "spread": spread}


def _say(key: str, lang: str) -> str:
    entry = TEXT[key]
    return entry.get(lang) or entry["en"]


def _part(part: Part, lang: str) -> str:
    key = part["key"]
    params = {k: v for k, v in part.items() if k != "key"}
    formatters: dict[str, Callable[[Any], str]] = {
        "candidates": lambda value: _say("separator", lang).join(
            _say("chance", lang).format(share=percent(p, lang), correction=hours(c, lang)) for p, c in value
        ),
        "share": lambda value: percent(value, lang),
        "before": lambda value: in_words(value, lang),
        "after": lambda value: in_words(value, lang),
        "whose": lambda value: _say(f"whose_{value}", lang),
        "zones": lambda value: ", ".join(value),
        "pieces": lambda value: _pieces(value, lang),
        "runs": lambda value: _runs(value, lang),
    }
    words = {k: formatters[k](v) if k in formatters else v for k, v in params.items()}
    text = _say(key, lang).format(**words)
    if key == "gps_median" and int(params.get("spread") or 0) >= 60:  # under a minute, GPS clocks agree
        text += ", " + _say("gps_spread", lang).format(spread=_duration(int(params["spread"]), lang))
    return text


def _duration(seconds: int, lang: str) -> str:
    """A spread: « 4 min », « 2 h 05 »."""
    if seconds < 3600:
        return f"{seconds // 60} min"
    return hours(seconds, lang).lstrip("+")


def _pieces(pieces: Sequence[Sequence[Any]], lang: str) -> str:
    said = []
    for correction, first, last in pieces:
        if correction is None:
            said.append(_say("piece_unknown", lang).format(first=first, last=last))
        else:
            said.append(_say("piece", lang).format(correction=hours(int(correction), lang), first=first, last=last))
    return _say("then", lang).join(said)


def _runs(runs: Sequence[Sequence[Any]], lang: str) -> str:
    """Each run of a camera (timeline._runs): its camera dates, photos, correction and its own note."""
    said = []
    for first, last, count, correction, note in runs:
        key = "piece_run_unknown" if correction is None else "piece_run"
        said.append(
            _say(key, lang).format(
                first=first,
                last=last,
                count=count,
                correction=hours(int(correction), lang) if correction is not None else "",
                note=in_words(note, lang),
            )
        )
    return _say("separator", lang).join(said)


def percent(share: float, lang: str) -> str:
    """« 83 % » in French, « 83% » in English."""
    return f"{round(share * 100)} %" if lang == "fr" else f"{round(share * 100)}%"


def hours(seconds: int, lang: str = "en") -> str:
    """A correction as people write it: « +6 h », « −5 h 30 », « +2 j » (English « +2 d ») past two days."""
    sign = "\u2212" if seconds < 0 else "+"
    total_hours, minutes = divmod(abs(int(seconds)) // 60, 60)
    if total_hours >= 48:
        return f"{sign}{total_hours // 24} {'j' if lang == 'fr' else 'd'}"
    return f"{sign}{total_hours} h" + (f" {minutes:02d}" if minutes else "")
