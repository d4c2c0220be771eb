"""Device notes as data rendered in French and English; a programme's errors in French with their line."""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

import pytest

from gallery import i18n, missions, notes
from gallery.errors import ProgrammeError
from gallery.programme_errors import in_french

from .conftest import Gallery
from .test_admin import library, logged_in, post  # noqa: F401  (the fixture with an admin account)
from .test_missions import PROGRAMME

UNDECIDED = notes.note("undecided", candidates=[[0.55, -6 * 3600], [0.3, 5400]])
# One note of every kind the clocks engine writes, with the parameters it gives.
SAMPLES: dict[str, str] = {
    "set_by_hand": notes.note("set_by_hand"),
    "gps_median": notes.gps_median(159, 75),
    "nothing_to_align": notes.note("nothing_to_align"),
    "aligned": notes.note("aligned", candidates=[[0.93, -6 * 3600], [0.05, 3 * 86400]]),
    "undecided+few_covered": notes.join(UNDECIDED, notes.note("few_covered", share=0.21)),
    "undecided+changes_midway": notes.join(UNDECIDED, notes.note("changes_midway")),
    "undecided+day_earlier": notes.join(UNDECIDED, notes.note("day_earlier")),
    "undecided+day_later": notes.join(UNDECIDED, notes.note("day_later")),
    "far_from_trip": notes.note("far_from_trip"),
    "also_far_from_trip": notes.join(UNDECIDED, notes.note("also_far_from_trip")),
    "goes_back_twice": notes.note("goes_back_twice"),
    "jumps_back_few": notes.note("jumps_back_few", photo=12),
    "changes_at": notes.note("changes_at", photo=40, before=UNDECIDED, after=notes.note("nothing_to_align")),
    "reset_left_out": notes.join(notes.note("aligned", candidates=[[0.9, 0]]), notes.note("reset_left_out", count=7)),
    "two_clocks": notes.note("two_clocks", pieces=[[-6 * 3600, 1, 40], [None, 41, 80]]),
    "per_trip": notes.note(  # H28: one clock per camera per trip
        "per_trip",
        runs=[
            ["2017-09-18", "2017-09-21", 120, 6 * 3600, notes.note("aligned", candidates=[[0.99, 6 * 3600]])],
            ["2018-04-16", "2018-04-19", 80, None, notes.note("nothing_to_align")],
        ],
    ),
    "zone_fallback": notes.note("zone_fallback", count=30, whose="mission", zones=["Europe/Paris"]),
    "zone_doubtful": notes.note(
        "zone_doubtful", count=30, whose="import", zones=["America/Toronto"], share=0.8, start=0, end=6
    ),
    "estimated": notes.join(UNDECIDED, notes.note("estimated", count=12)),  # H23
}


def test_every_kind_of_note_has_french_and_english_words() -> None:
    written = {part["key"] for sample in SAMPLES.values() for part in notes.parts(sample)}
    phrases = {
        key for key in notes.TEXT if not key.startswith(("whose_", "piece", "then", "chance", "separator", "gps_"))
    }
    assert phrases <= written | {"gps_median"}, "a sample for every phrase"
    for name, sample in SAMPLES.items():
        french, fr_lang = notes.render(sample, "fr")
        english, en_lang = notes.render(sample, "en")
        assert (fr_lang, en_lang) == ("fr", "en"), name
        assert french != english and "{" not in french + english, name


def test_notes_read_as_before_in_english_and_well_in_french() -> None:
    assert notes.in_words(notes.gps_median(159, 20)) == "median of 159 GPS clocks"
    assert notes.in_words(notes.gps_median(12, 300), "fr") == "médiane de 12 horloges GPS, écart 5 min"
    assert notes.in_words(SAMPLES["aligned"]) == "aligned: 93% for −6 h; 5% for +3 d"
    assert notes.in_words(SAMPLES["aligned"], "fr") == "aligné : 93 % pour −6 h ; 5 % pour +3 j"
    assert notes.in_words(SAMPLES["changes_at"], "fr") == (
        "impossible de décider : son horloge semble changer à la photo 40 (impossible de décider : 55 % pour "
        "−6 h ; 30 % pour +1 h 30 ; puis aucun autre appareil n’est placé et aucun programme ne permet de l’aligner)"
    )
    assert notes.in_words(SAMPLES["two_clocks"]) == (
        "aligned, its clock changed during the trip: correction −6 h for photos 1-40, then unknown for photos "
        "41-80 (in shooting order)"
    )
    assert notes.join("", notes.note("set_by_hand"), "") == notes.note("set_by_hand")


def test_a_note_written_before_notes_were_data_is_shown_as_it_is() -> None:
    assert notes.render("median of 159 GPS clocks, spread 90 s", "fr") == (
        "médiane de 159 horloges GPS, écart 1 min",
        "fr",
    )
    assert notes.render("something the old engine said", "fr") == ("something the old engine said", "en")
    assert notes.render("", "fr") == ("", "fr")
    assert notes.render('[{"key": "no such"}]', "en") == ('[{"key": "no such"}]', "en")
    with pytest.raises(KeyError):
        notes.note("no such")


def test_the_devices_page_says_every_note_in_french(library: Path) -> None:  # noqa: F811
    keys = [d["key"] for d in Gallery(library).json("devices")]
    samples = list(SAMPLES.values())
    with sqlite3.connect(library / "gallery.db") as conn:
        for index, key in enumerate(keys):
            conn.execute("UPDATE devices SET note = ? WHERE key = ?", (samples[index % len(samples)], key))
    web = logged_in(library)
    page = html.unescape(web.get("/admin/devices").text)
    assert 'class="hint" lang="en"' not in page and 'class="hint" lang="fr"' in page
    for sample in samples[: len(keys)]:
        assert notes.in_words(sample, "fr") in page
    english = web.get("/admin/devices", params={"lang": "en"}).text
    assert notes.in_words(samples[0], "en") in english
    listed = Gallery(library).json("devices")
    assert listed[0]["note"] == notes.in_words(samples[0]) and listed[0]["note_parts"][0]["key"] == "set_by_hand"


def test_a_correction_set_by_hand_says_so_in_french(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    key = next(d["key"] for d in Gallery(library).json("devices") if d["name"].startswith("Canon"))
    assert post(web, "/admin/devices", device=key, offset="+6h").status_code == 303
    assert "réglée à la main" in web.get("/admin/devices").text


@pytest.mark.parametrize(
    ("change", "french"),
    [
        (("Europe/Paris", "Europe/Pariss"), "Ligne 4 : le fuseau « Europe/Pariss » n’est pas un fuseau IANA"),
        (("end = 2017-09-20T17:00:00", "end = 2017-09-18T17:00:00"), "Ligne 9, événement 1, champ « end » : la fin"),
        (("lon = 1.4442\n", ""), "donnez lat et lon, ou aucun des deux"),
        (("radius = 800", "radius = 5"), "Ligne 12, événement 1, champ « radius » : il faut un rayon"),
        (('name = "Visite"', 'name = "Mêlée numérique"'), "est utilisé deux fois"),
        (("start = 2017-09-21", 'start = "demain"'), "n’est pas une date-heure TOML"),
        (("radius = 800", "colour = 800"), "champ « colour » : champ inconnu"),
        (("radius = 800", "radius = "), "Programme TOML illisible, ligne 12, colonne 10 : valeur invalide"),
        (("[mission]", "[mission"), "Programme TOML illisible, ligne 2, colonne 9 : « ] » attendu"),
        (('name = "Visite"', 'name = "Visite'), "ligne 15, colonne 15 : retour à la ligne au milieu d’un texte"),
    ],
)
def test_a_programme_mistake_in_french_keeps_its_line(change: tuple[str, str], french: str) -> None:
    text = PROGRAMME.replace(*change)
    assert text != PROGRAMME
    with pytest.raises(ProgrammeError) as raised:
        missions.parse_programme(text)
    said = i18n.error_text(str(raised.value), "fr")
    assert french in said, (str(raised.value), said)
    assert in_french(str(raised.value)) == said
    assert i18n.error_text(str(raised.value), "en") == str(raised.value)


def test_the_missions_page_shows_a_toml_error_in_french(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    page = post(web, "/admin/missions", mode="toml", programme=PROGRAMME.replace("radius = 800", "radius = ")).text
    assert "Programme TOML illisible, ligne 12, colonne 10 : valeur invalide" in page
    assert not re.search(r"not valid TOML|Invalid value", page)


def test_a_clock_per_trip_says_each_trips_correction() -> None:
    assert notes.in_words(SAMPLES["per_trip"]) == (
        "one clock per trip (camera dates): 2017-09-18 to 2017-09-21, 120 photos: correction +6 h (aligned: 99% "
        "for +6 h); 2018-04-16 to 2018-04-19, 80 photos: correction unknown (no other device is placed and no "
        "programme to align with)"
    )
    assert notes.in_words(SAMPLES["per_trip"], "fr").startswith(
        "une horloge par voyage (dates de l’appareil) : du 2017-09-18 au 2017-09-21, 120 photos : correction +6 h "
        "(aligné : 99 % pour +6 h)"
    )
