"""events.group_into_events on literal trips: cuts, merges, transit, programme windows, determinism."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from gallery.events import Item, ProgrammeEvent, group_into_events

COOP, INCUBATOR = (43.3108, 5.3903), (43.2995, 5.3660)  # Marseille, 1.9 km apart
CONGRESS, HOTEL = (43.6111, 1.4339), (43.6045, 1.4442)  # Toulouse, 1.1 km apart
IOT_VALLEY = (43.5445, 1.5110)  # Labège, 11 km from Toulouse


def at(day: int, hour: float) -> float:
    return (datetime(2017, 9, day, tzinfo=UTC) + timedelta(hours=hour)).timestamp()


class Trip:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.truth: dict[int, str] = {}
        self.rng = random.Random(3)

    def visit(
        self,
        label: str,
        where: tuple[float, float] | None,
        day: int,
        start: float,
        end: float,
        count: int,
        gps: float = 1.0,
    ) -> None:
        for _ in range(count):
            t = at(day, self.rng.uniform(start, end))
            for frame in range(self.rng.choice((1, 1, 2, 3))):
                located = where is not None and self.rng.random() < gps
                lat = where[0] + self.rng.gauss(0, 0.0007) if located and where else None
                lon = where[1] + self.rng.gauss(0, 0.0009) if located and where else None
                self.add(label, t + frame * 1.5, lat, lon)

    def add(self, label: str, t: float, lat: float | None, lon: float | None, inferred: bool = False) -> None:
        item = Item(len(self.items) + 1, t, lat, lon, inferred)
        self.items.append(item)
        self.truth[item.id] = label

    def labels(self, groups) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
        """For each true label, which groups (by first id) its photos ended in."""
        where: dict[str, set[str]] = {}
        for group in groups:
            name = "others" if group.others else f"g{min(group.ids)}"
            for i in group.ids:
                where.setdefault(self.truth[i], set()).add(name)
        return where


def week() -> Trip:
    trip = Trip()
    trip.visit("coop", COOP, 18, 7.5, 10.0, 20)
    trip.visit("incubator", INCUBATOR, 18, 12.0, 15.5, 20)
    for n in range(8):  # the train, Marseille -> Toulouse: one shot every ~25 minutes
        share = n / 7
        trip.add("others", at(18, 16.5 + 3.5 * share), 43.30 + (43.61 - 43.30) * share, 5.38 + (1.45 - 5.38) * share)
    trip.visit("festival", CONGRESS, 19, 7.0, 15.0, 40)
    trip.visit("others", HOTEL, 19, 18.0, 19.0, 2)
    trip.visit("festival", CONGRESS, 20, 7.0, 15.0, 40)
    trip.visit("iot", IOT_VALLEY, 21, 7.0, 14.5, 30)
    return trip


def test_the_delegation_week() -> None:
    trip = week()
    where = trip.labels(group_into_events(trip.items))
    for label in ("coop", "incubator", "festival", "iot"):
        assert len(where[label]) == 1 and "others" not in where[label], (label, where)
    assert len({next(iter(where[label])) for label in ("coop", "incubator", "festival", "iot")}) == 4
    assert where["others"] == {"others"}, "transit and the hotel are not forced into an event"


def test_a_two_day_festival_is_one_event_but_labege_is_not_toulouse() -> None:
    trip = week()
    groups = group_into_events(trip.items)
    festival = next(g for g in groups if trip.truth[g.ids[0]] == "festival")
    assert any("same place again after" in reason for reason in festival.reasons)
    iot = next(g for g in groups if trip.truth[g.ids[0]] == "iot")
    assert iot is not festival and iot.start > festival.end


def test_input_order_does_not_matter() -> None:
    trip = week()
    reference = [sorted(g.ids) for g in group_into_events(trip.items)]
    shuffled = trip.items[:]
    random.Random(9).shuffle(shuffled)
    assert [sorted(g.ids) for g in group_into_events(shuffled)] == reference


def test_bursts_do_not_cut_and_every_cut_says_why() -> None:
    trip = Trip()
    for n in range(30):  # one moment: a burst of 5 frames every 3 minutes
        for frame in range(5):
            trip.add("talk", at(19, 9 + n * 0.05) + frame, *CONGRESS)
    for n in range(30):
        trip.add("afternoon", at(19, 15 + n * 0.05), *CONGRESS)
    groups = group_into_events(trip.items)
    assert len(groups) == 1, "the same place within 36 h is one event"
    assert any("time gap of" in r for r in groups[0].reasons) and any(
        "same place again" in r for r in groups[0].reasons
    )


def test_photos_without_position_join_their_neighbours_and_inferred_ones_do_not_cut() -> None:
    trip = Trip()
    trip.visit("coop", COOP, 18, 7.5, 10.0, 20)
    for n in range(6):
        trip.add("coop", at(18, 8 + n * 0.2), None, None)  # a camera without GPS, same time
    for n in range(5):
        trip.add("coop", at(18, 9 + n * 0.2), INCUBATOR[0], INCUBATOR[1], inferred=True)  # a wrong borrowed fix
    where = trip.labels(group_into_events(trip.items))
    assert len(where["coop"]) == 1 and "others" not in where["coop"]


def test_a_camera_only_event_next_to_a_located_one_stays_its_own() -> None:
    """A GPS-less camera goes on alone to a second event 1 h after the phones stopped at the first:
    nothing says it stayed at the same place, so it is an event of its own (before, any moment
    without a position within 3 h joined the event next to it), even when a pause cuts it in two.
    A camera-only moment inside a located event (the phones resume after it) still joins it."""
    trip = Trip()
    trip.visit("coop", COOP, 18, 7.5, 10.0, 20)
    trip.visit("dinner", None, 18, 11.0, 12.5, 15)  # the camera alone, 1 h later
    trip.visit("dinner", None, 18, 13.5, 15.0, 15)  # the same, after a pause
    trip.visit("festival", CONGRESS, 20, 7.0, 9.0, 20)
    trip.visit("festival", None, 20, 9.5, 10.5, 15)  # the camera alone during a break
    trip.visit("festival", CONGRESS, 20, 11.0, 13.0, 20)
    groups = group_into_events(trip.items)
    where = trip.labels(groups)
    assert all(len(where[label]) == 1 for label in ("coop", "dinner", "festival")), where
    assert len({next(iter(where[label])) for label in ("coop", "dinner", "festival")}) == 3
    dinner = next(g for g in groups if trip.truth[g.ids[0]] == "dinner")
    assert any("at the edge of a located event" in reason for reason in dinner.reasons)


def test_a_camera_only_event_cut_into_small_pieces_is_judged_whole() -> None:
    """The camera alone after the phones stopped, in two pieces a pause cuts apart (5 and 6 photos,
    each too few to be an event): together they are an event of their own (before, the first piece
    joined the located event before it, the second stayed alone)."""
    trip = Trip()
    trip.visit("coop", COOP, 18, 7.5, 10.0, 20)
    for n in range(5):
        trip.add("dinner", at(18, 11.0 + n * 0.05), None, None)
    for n in range(6):
        trip.add("dinner", at(18, 12.0 + n * 0.05), None, None)
    where = trip.labels(group_into_events(trip.items))
    assert len(where["dinner"]) == 1 and where["dinner"] != where["coop"], where


def test_programme_windows_and_venues() -> None:
    trip = week()
    programme = [
        ProgrammeEvent(1, at(19, 6.5), at(20, 15.5), *CONGRESS, radius_km=0.7),
        ProgrammeEvent(2, at(21, 6.5), at(21, 15.5), place="Labège"),
    ]
    towns = {item.id: ("Labège" if item.lat and item.lat < 43.56 else "Toulouse") for item in trip.items}
    groups = group_into_events(trip.items, programme, towns.get)
    festival = next(g for g in groups if g.programme == 1)
    iot = next(g for g in groups if g.programme == 2)
    assert {trip.truth[i] for i in festival.ids} == {"festival"}
    assert {trip.truth[i] for i in iot.ids} == {"iot"}
    hotel = [
        i for i, label in trip.truth.items() if label == "others" and at(19, 17) < trip.items[i - 1].t < at(19, 20)
    ]
    assert hotel and not set(hotel) & set(festival.ids), "inside the window but 1.1 km from the venue"


def test_small_stops_are_strays() -> None:
    trip = Trip()
    trip.visit("festival", CONGRESS, 19, 7.0, 12.0, 30)
    trip.add("coffee", at(19, 14), *HOTEL)
    trip.add("coffee", at(19, 14.01), *HOTEL)
    groups = group_into_events(trip.items)
    others = next(g for g in groups if g.others)
    assert {trip.truth[i] for i in others.ids} == {"coffee"}


def test_a_photo_located_at_one_of_two_simultaneous_events_stays_with_its_own() -> None:
    """A two-day congress and, during it, a two-hour visit 11 km away. Someone at the congress shoots
    a few photos while the visit's crowd shoots many: the congress photos, located at the congress,
    stay with the congress (before, the visit, shorter, took them because most photos within 10
    minutes were at its venue)."""
    congress = ProgrammeEvent(1, at(19, 6), at(20, 18), *CONGRESS, radius_km=0.7)
    visit = ProgrammeEvent(2, at(19, 9), at(19, 11), *IOT_VALLEY, radius_km=0.7)
    crowd = [Item(100 + n, at(19, 9.5) + 60 * n, *IOT_VALLEY) for n in range(30)]
    mine = [Item(200 + n, at(19, 9.6) + 300 * n, *CONGRESS) for n in range(4)]
    before = [Item(300 + n, at(19, 7) + 300 * n, *CONGRESS) for n in range(10)]
    groups = {g.programme: set(g.ids) for g in group_into_events(crowd + mine + before, [congress, visit])}
    assert {i.id for i in mine} <= groups[1]
    assert {i.id for i in crowd} == groups[2]
