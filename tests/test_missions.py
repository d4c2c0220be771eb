"""Mission programmes on their own: parsed from literals (pure), stored in an in-memory catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gallery import catalog, missions
from gallery.errors import BadRequest, ProgrammeError

PROGRAMME = """
[mission]
title = "Mission Marseille–Toulouse 2017"
timezone = "Europe/Paris"

[[event]]
name = "Mêlée numérique"
start = 2017-09-19T09:00:00
end = 2017-09-20T17:00:00
lat = 43.6045
lon = 1.4442
radius = 800

[[event]]
name = "Visite"
start = 2017-09-21
end = 2017-09-21
place = "Marseille"
"""


def test_a_programme_is_read_in_the_missions_zone() -> None:
    programme = missions.parse_programme(PROGRAMME)
    assert programme.title == "Mission Marseille–Toulouse 2017" and programme.timezone == "Europe/Paris"
    melee, visit = programme.events
    assert melee.start == datetime(2017, 9, 19, 7, 0, tzinfo=UTC)  # 09:00 in Paris (UTC+2)
    assert (melee.lat, melee.lon, melee.radius_m) == (43.6045, 1.4442, 800.0)
    assert visit.start == datetime(2017, 9, 20, 22, 0, tzinfo=UTC)  # a date starts at local midnight
    assert visit.end == datetime(2017, 9, 21, 21, 59, 59, tzinfo=UTC)  # and ends at 23:59:59
    assert visit.place == "Marseille" and visit.lat is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("Europe/Paris", "Europe/Pariss"), "line 4: timezone 'Europe/Pariss' is not an IANA zone"),
        (("end = 2017-09-20T17:00:00", "end = 2017-09-18T17:00:00"), "line 9, event 1, field 'end'"),
        (("lon = 1.4442\n", ""), "give both lat and lon"),
        (("radius = 800", "radius = 5"), "line 12, event 1, field 'radius'"),
        (('name = "Visite"', 'name = "Mêlée numérique"'), "is used twice"),
        (("start = 2017-09-21", 'start = "demain"'), "is not a TOML date-time"),
        (("radius = 800", "colour = 800"), "field 'colour': unknown field"),
    ],
)
def test_a_mistake_is_named_by_line_and_field(change: tuple[str, str], words: str) -> None:
    with pytest.raises(ProgrammeError, match=words.replace("(", r"\(")):
        missions.parse_programme(PROGRAMME.replace(*change))


def test_a_programme_without_a_mission_or_events_is_refused() -> None:
    with pytest.raises(ProgrammeError, match=r"\[mission\] table"):
        missions.parse_programme('[[event]]\nname = "x"')
    with pytest.raises(ProgrammeError, match="no \\[\\[event\\]\\]"):
        missions.parse_programme('[mission]\ntitle = "t"\ntimezone = "UTC"\n')
    with pytest.raises(ProgrammeError, match="not valid TOML"):
        missions.parse_programme("[mission")


def test_loading_twice_keeps_one_mission_and_its_zone_spans_its_events() -> None:
    conn = catalog.in_memory()
    first = missions.load(conn, PROGRAMME)
    assert missions.load(conn, PROGRAMME) == first
    [zone] = missions.zones(conn)
    assert zone.zone == "Europe/Paris"
    assert zone.start == datetime(2017, 9, 19, 9, 0) and zone.end == datetime(2017, 9, 21, 23, 59, 59)
    melee, visit = missions.programme_events(conn)
    assert melee.start == datetime(2017, 9, 19, 7, 0, tzinfo=UTC).timestamp() and melee.radius_km == 0.8
    assert visit.place == "Marseille" and visit.lat is None
    conn.close()


def test_a_new_title_renames_the_mission_a_programme_edits() -> None:
    """Issue 13: the same id (and so the same albums), unless another mission has the title already."""
    conn = catalog.in_memory()
    first = missions.load(conn, PROGRAMME)
    renamed = PROGRAMME.replace("Mission Marseille–Toulouse 2017", "Délégation Occitanie 2017")
    assert missions.load(conn, renamed, renames="Mission Marseille–Toulouse 2017") == first
    assert [m["title"] for m in catalog.list_missions(conn)] == ["Délégation Occitanie 2017"]
    other = missions.load(conn, PROGRAMME.replace("Mission Marseille–Toulouse 2017", "Salon de Lyon"))
    with pytest.raises(BadRequest, match="already called 'Salon de Lyon'"):
        missions.load(
            conn,
            PROGRAMME.replace("Mission Marseille–Toulouse 2017", "Salon de Lyon"),
            renames="Délégation Occitanie 2017",
        )
    assert missions.load(conn, renamed) == first != other, "without --renames, a title names its mission"
    assert len(catalog.list_missions(conn)) == 2
    conn.close()
