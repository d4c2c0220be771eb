"""True capture times, as table tests over timeline.resolve (pure) with the real zone lookup."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from gallery import dates, events, notes, timeline
from gallery.notes import in_words
from gallery.timeline import MissionZone, Shot

PARIS = (48.8566, 2.3522)
TOULOUSE = (43.6045, 1.4442)
MONTREAL = (45.5019, -73.5674)
SYDNEY = (-33.8688, 151.2093)
KATHMANDU = (27.7172, 85.3240)
DELHI = (28.6139, 77.2090)
NUKUALOFA = (-21.1394, -175.2049)  # Tonga, UTC+13, just west of the date line
PAGO_PAGO = (-14.2756, -170.7020)  # American Samoa, UTC-11, just east of it


@cache
def _finder():  # type: ignore[no-untyped-def]
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


def zone_at(lat: float, lon: float) -> str | None:
    return _finder().timezone_at(lat=lat, lng=lon)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def shot(i: int, camera: datetime | None, device: str = "phone", **kw) -> Shot:  # type: ignore[no-untyped-def]
    return Shot(id=i, device=device, camera_time=camera, date_source=kw.pop("date_source", "exif_original"), **kw)


def resolve(shots: list[Shot], **kw):  # type: ignore[no-untyped-def]
    timings, clocks = timeline.resolve(shots, zone_at, **kw)
    return {t.id: t for t in timings}, clocks


@pytest.mark.parametrize(
    ("where", "camera", "expected_utc", "zone"),
    [
        # Québec and France are 5 h apart for three weeks in March and one in late October
        (PARIS, datetime(2026, 3, 10, 12, 0), utc(2026, 3, 10, 11, 0), "Europe/Paris"),
        (MONTREAL, datetime(2026, 3, 10, 7, 0), utc(2026, 3, 10, 11, 0), "America/Toronto"),
        (PARIS, datetime(2026, 3, 30, 12, 0), utc(2026, 3, 30, 10, 0), "Europe/Paris"),
        (MONTREAL, datetime(2026, 10, 28, 8, 0), utc(2026, 10, 28, 12, 0), "America/Toronto"),
        (PARIS, datetime(2026, 10, 28, 13, 0), utc(2026, 10, 28, 12, 0), "Europe/Paris"),
        (SYDNEY, datetime(2026, 1, 15, 9, 0), utc(2026, 1, 14, 22, 0), "Australia/Sydney"),  # summer: +11
        (SYDNEY, datetime(2026, 7, 15, 9, 0), utc(2026, 7, 14, 23, 0), "Australia/Sydney"),  # winter: +10
        (KATHMANDU, datetime(2026, 5, 1, 12, 0), utc(2026, 5, 1, 6, 15), "Asia/Kathmandu"),  # +05:45
        (DELHI, datetime(2026, 5, 1, 12, 0), utc(2026, 5, 1, 6, 30), "Asia/Kolkata"),  # +05:30
        (NUKUALOFA, datetime(2026, 5, 1, 8, 0), utc(2026, 4, 30, 19, 0), "Pacific/Tongatapu"),
        (PAGO_PAGO, datetime(2026, 5, 1, 8, 0), utc(2026, 5, 1, 19, 0), "Pacific/Pago_Pago"),
    ],
)
def test_zone_from_position(where: tuple[float, float], camera: datetime, expected_utc: datetime, zone: str) -> None:
    timings, _ = resolve([shot(1, camera, lat=where[0], lon=where[1])])
    assert (timings[1].utc, timings[1].zone, timings[1].source) == (expected_utc, zone, "zone_from_position")
    assert timings[1].local == camera


def test_offset_tag_wins_and_keeps_its_zone() -> None:
    timings, _ = resolve([shot(1, datetime(2026, 5, 1, 12, 0), camera_offset=345, lat=KATHMANDU[0], lon=KATHMANDU[1])])
    assert timings[1].utc == utc(2026, 5, 1, 6, 15) and timings[1].source == "offset_tag"
    assert timings[1].zone == "Asia/Kathmandu"


def test_an_offset_tag_refuted_by_its_own_gps_clock_loses() -> None:
    """A phone that writes its home offset (-04:00) while the clock shows Paris time."""
    camera = datetime(2026, 6, 1, 15, 0)
    timings, _ = resolve(
        [shot(1, camera, camera_offset=-240, gps_time=utc(2026, 6, 1, 13, 0), lat=PARIS[0], lon=PARIS[1])]
    )
    assert (timings[1].utc, timings[1].source) == (utc(2026, 6, 1, 13, 0), "gps_clock")


def _trip(
    device: str,
    start_id: int,
    clock_error: timedelta,
    gps_every: int | None,
    count: int = 12,
    where: tuple[float, float] = TOULOUSE,
) -> list[Shot]:
    """A device shooting every 20 minutes in Toulouse (UTC+2), its clock off by `clock_error`."""
    shots, first = [], utc(2017, 9, 19, 7, 0)
    for n in range(count):
        true = first + timedelta(minutes=20 * n)
        camera = true.astimezone(timeline.ZoneInfo("Europe/Paris")).replace(tzinfo=None) + clock_error
        has_gps = gps_every is not None and n % gps_every == 0
        shots.append(
            shot(
                start_id + n,
                camera,
                device,
                gps_time=true if has_gps else None,
                lat=where[0] if has_gps else None,
                lon=where[1] if has_gps else None,
            )
        )
    return shots


@pytest.mark.parametrize(
    "error",
    [timedelta(hours=-6), timedelta(minutes=7), timedelta(days=-1, minutes=1)],
    ids=["whole-hours", "minutes", "a-day"],
)
def test_gps_clock_corrects_the_devices_other_photos(error: timedelta) -> None:
    shots = _trip("camera", 100, error, gps_every=3)
    timings, clocks = resolve(shots)
    for n, s in enumerate(shots):
        expected = utc(2017, 9, 19, 7, 0) + timedelta(minutes=20 * n)
        assert timings[s.id].utc == expected, (n, timings[s.id])
        assert timings[s.id].source == ("gps_clock" if n % 3 == 0 else "device_offset")
    assert clocks["camera"].source == "gps"
    assert clocks["camera"].offset == round((error + timedelta(hours=2)).total_seconds())


def test_dscn_real_example_a_day_behind() -> None:
    """jpg/gps/DSCN0010.jpg: the camera says 2008-10-22 16:28:39, its GPS 2008-10-23 14:27:07 UTC (Arezzo)."""
    camera, gps = datetime(2008, 10, 22, 16, 28, 39), utc(2008, 10, 23, 14, 27, 7)
    timings, clocks = resolve(
        [
            shot(1, camera, "nikon", gps_time=gps, lat=43.4674, lon=11.8851),
            shot(2, camera + timedelta(minutes=5), "nikon"),
        ]
    )
    assert timings[1].utc == gps and timings[1].zone == "Europe/Rome"
    assert timings[2].utc == gps + timedelta(minutes=5) and timings[2].source == "device_offset"
    assert timings[2].lat == pytest.approx(43.4674) and timings[2].position_inferred
    assert clocks["nikon"].offset == -(21 * 3600 + 58 * 60 + 28)


FIRST = utc(2017, 9, 19, 7, 0)


def _paris_clock(moment: datetime) -> datetime:
    return moment.astimezone(timeline.ZoneInfo("Europe/Paris")).replace(tzinfo=None)


def _phone(device: str, start_id: int, minutes: list[int]) -> list[Shot]:
    """A phone with GPS in Toulouse, on the right time."""
    moments = [FIRST + timedelta(minutes=m) for m in minutes]
    return [
        shot(start_id + i, _paris_clock(t), device, gps_time=t, lat=TOULOUSE[0], lon=TOULOUSE[1])
        for i, t in enumerate(moments)
    ]


def _camera(device: str, start_id: int, minutes: list[int], error: timedelta) -> list[Shot]:
    """A camera without GPS whose clock is `error` off Paris time."""
    return [
        shot(start_id + i, _paris_clock(FIRST + timedelta(minutes=m)) + error, device) for i, m in enumerate(minutes)
    ]


MOMENTS = [0, 2, 5, 60, 62, 63, 180, 181, 185, 300, 302, 420, 421, 425, 540, 600, 601]


def test_a_camera_without_gps_is_aligned_by_activity() -> None:
    """A DSLR still on Québec time (6 h behind Paris) shooting the same moments as two phones."""
    dslr_minutes = [m + 1 for m in MOMENTS[1::2]]  # the same moments as the phones, a minute later
    dslr = _camera("dslr", 200, dslr_minutes, timedelta(hours=-6, minutes=3))
    timings, clocks = resolve(_phone("alice", 1, MOMENTS) + _phone("bob", 100, MOMENTS[::2]) + dslr)
    assert clocks["dslr"].source == "alignment", clocks["dslr"]
    # camera minus UTC: Paris is +2 h, the clock 6 h behind and 3 min ahead; activity aligns to the minute or two
    assert abs(clocks["dslr"].offset - -(4 * 3600 - 180)) <= 120
    for s, minute in zip(dslr, dslr_minutes, strict=True):
        error = abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds())
        assert error <= 120 and timings[s.id].source == "device_offset"
        assert timings[s.id].zone == "Europe/Paris" and timings[s.id].position_inferred


def test_a_device_that_cannot_be_aligned_says_so() -> None:
    """Ambiguous by construction: the same hours three days running, a camera there on the middle
    day with its date set a day ahead. Read as it is, it fits the last day just as well."""
    hours = [day * 24 * 60 + 9 * 60 + 20 * n for day in range(3) for n in range(24)]
    phone = _phone("alice", 1, hours)
    lonely = _camera("dslr", 200, [24 * 60 + 9 * 60 + 20 * n + 7 for n in range(24)], timedelta(days=1))
    timings, clocks = resolve(phone + lonely)
    assert clocks["dslr"].source is None and "cannot decide" in in_words(clocks["dslr"].note)
    corrections = [c.correction for c in clocks["dslr"].candidates]
    for truth in (0, -86400):  # read as it is (the last day) or a day back (the truth): both offered
        assert any(abs(c - truth) <= 600 for c in corrections), clocks["dslr"].candidates
    # both days fall in the one three-day event at the same place: placed there for grouping only
    assert all(timings[s.id].source == timeline.ESTIMATED for s in lonely)
    assert dates.is_uncertain({"time_source": timings[200].source}), "never shown as a capture time"


def test_a_camera_on_local_time_is_placed_without_a_programme() -> None:
    """Shots spread evenly (no shared bursts): the prior for 'no error' and the sessions decide."""
    minutes = [day * 24 * 60 + 10 * 60 + 9 * n for day in range(2) for n in range(30)]
    phone = _phone("alice", 1, minutes[::3])
    camera = _camera("dslr", 200, [m + 4 for m in minutes], timedelta(0))
    timings, clocks = resolve(phone + camera)
    assert clocks["dslr"].source == "alignment", clocks["dslr"]
    assert clocks["dslr"].candidates[0].reason == "none"
    assert all(timings[s.id].source == "device_offset" and timings[s.id].utc is not None for s in camera)


def test_mission_zone_then_import_zone_then_unknown() -> None:
    camera = datetime(2017, 9, 19, 10, 0)
    mission = MissionZone(datetime(2017, 9, 18), datetime(2017, 9, 22), "Europe/Paris")
    timings, _ = resolve(
        [
            shot(1, camera),
            shot(2, camera, "other", import_zone="America/Toronto"),
            shot(3, datetime(2018, 1, 1), "third"),
        ],
        missions=[mission],
    )
    assert (timings[1].utc, timings[1].source) == (utc(2017, 9, 19, 8, 0), "mission_zone")
    assert (timings[2].utc, timings[2].source) == (utc(2017, 9, 19, 8, 0), "mission_zone")
    later, _ = resolve([shot(2, datetime(2018, 1, 1, 10), "other", import_zone="America/Toronto")], missions=[mission])
    assert (later[2].utc, later[2].source) == (utc(2018, 1, 1, 15, 0), "import_option")
    assert timings[3].source == "unknown" and timings[3].utc is None


def test_clock_offset_option_and_manual_device_offset() -> None:
    camera = datetime(2017, 9, 19, 4, 0)  # a camera on Québec time, 6 h behind Paris
    timings, _ = resolve([shot(1, camera, "dslr", clock_shift=6 * 3600, import_zone="Europe/Paris")])
    assert (timings[1].utc, timings[1].local) == (utc(2017, 9, 19, 8, 0), datetime(2017, 9, 19, 10, 0))
    manual, clocks = resolve([shot(1, camera, "dslr", import_zone="Europe/Paris")], manual={"dslr": 6 * 3600})
    assert (manual[1].utc, manual[1].source) == (utc(2017, 9, 19, 8, 0), "device_offset")
    assert clocks["dslr"].source == "manual"


def test_filename_dates_say_so_and_undated_stay_unknown() -> None:
    timings, _ = resolve(
        [shot(1, datetime(2017, 9, 19, 10), date_source="filename", import_zone="Europe/Paris"), shot(2, None)]
    )
    assert timings[1].source == "filename" and timings[1].utc == utc(2017, 9, 19, 8, 0)
    assert timings[2].source == "unknown" and timings[2].utc is None and timings[2].local is None


def test_positions_are_inferred_from_the_same_device_first() -> None:
    base = datetime(2017, 9, 19, 10, 0)
    shots = [
        shot(1, base, "a", camera_offset=120, lat=43.30, lon=5.37),
        shot(2, base + timedelta(minutes=20), "a", camera_offset=120),
        shot(3, base + timedelta(minutes=21), "b", camera_offset=120, lat=43.60, lon=1.44),
        shot(4, base + timedelta(hours=3), "a", camera_offset=120),
    ]
    timings, _ = resolve(shots)
    assert (timings[2].lat, timings[2].position_inferred) == (43.30, True)
    assert timings[4].lat is None, "nothing located within 30 minutes"


def test_a_fallback_zone_that_the_photos_contradict_is_flagged() -> None:
    """No other device, a mission in Paris: a camera on Québec time would shoot at 3 a.m. every day."""
    mission = MissionZone(datetime(2017, 9, 18), datetime(2017, 9, 22), "Europe/Paris")
    quebec = [shot(i, datetime(2017, 9, 19 + i // 6, 3, 10 * (i % 6)), "dslr") for i in range(12)]
    timings, clocks = resolve(quebec, missions=[mission])
    assert all(t.source == "mission_zone" for t in timings.values())
    assert "DOUBTFUL" in in_words(clocks["dslr"].note) and "Europe/Paris" in in_words(clocks["dslr"].note)
    daytime = [shot(i, datetime(2017, 9, 19 + i // 6, 11, 10 * (i % 6)), "dslr") for i in range(12)]
    _, clocks = resolve(daytime, missions=[mission])
    assert "mission's zone (Europe/Paris)" in in_words(clocks["dslr"].note) and "DOUBTFUL" not in in_words(
        clocks["dslr"].note
    )


def test_a_photo_without_position_inside_a_programme_event_takes_its_venue() -> None:
    from gallery.events import ProgrammeEvent

    mission = MissionZone(datetime(2017, 9, 18), datetime(2017, 9, 22), "Europe/Paris")
    festival = ProgrammeEvent(1, utc(2017, 9, 19, 7).timestamp(), utc(2017, 9, 19, 15).timestamp(), *TOULOUSE)
    inside, outside = shot(1, datetime(2017, 9, 19, 11, 0), "dslr"), shot(2, datetime(2017, 9, 19, 20, 0), "dslr")
    timings, _ = resolve([inside, outside], missions=[mission], programme=[festival])
    assert (timings[1].lat, timings[1].lon, timings[1].position_inferred) == (*TOULOUSE, True)
    assert timings[1].zone == "Europe/Paris" and timings[2].lat is None


# -- a clock that changes during the trip (issue 11) --------------------------------------------

TRIP_MOMENTS = [
    day * 1440 + start + k
    for day, start in enumerate((0, 95, 210))
    for k in (0, 2, 5, 40, 41, 44, 90, 130, 131, 170, 200, 202)
]


def _numbered(shots: list[Shot], first: int = 4100) -> list[Shot]:
    return [replace(s, sequence=first + n) for n, s in enumerate(shots)]


def test_file_numbers() -> None:
    assert timeline.file_number("IMG_0141.JPG") == 141
    assert timeline.file_number("cards/alice/DSC01234.jpg") == 1234
    assert timeline.file_number("holiday.jpg") is None
    assert timeline.file_number("20170919.jpg") is None  # a date, not a counter
    assert timeline.file_number(None) is None


def test_a_clock_reset_mid_trip_takes_two_offsets_in_file_order() -> None:
    """A DSLR on Québec time two days, set to local time on the third: each run its own offset."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    first, second = minutes[:24], minutes[24:]
    dslr = _numbered(_camera("dslr", 200, first, timedelta(hours=-6)) + _camera("dslr", 224, second, timedelta(0)))
    timings, clocks = resolve(phone + dslr)
    assert clocks["dslr"].source == "alignment", clocks["dslr"]
    assert len(clocks["dslr"].pieces) == 2 and "changed during the trip" in in_words(clocks["dslr"].note)
    for s, minute in zip(dslr, minutes, strict=True):
        assert abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds()) <= 120


def _reset_date(first_id: int, minutes: Sequence[int]) -> list[Shot]:
    """A battery change: the DSLR restarts at 2000-01-01 00:00 at the first of these trip minutes,
    its clock then running on as before (file numbers from first_id)."""
    return [
        shot(first_id + n, datetime(2000, 1, 1) + timedelta(minutes=m - minutes[0]), "dslr")
        for n, m in enumerate(minutes)
    ]


def test_a_reset_date_leaves_its_photos_out_and_places_the_others() -> None:
    """A battery change sets the date to 2000-01-01: those photos are never read in a zone nor given a
    capture time; lasting to the trip's end, they are placed there for grouping only."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    good = _camera("dslr", 200, minutes[:24], timedelta(hours=-6))
    reset = _reset_date(224, minutes[24:])
    dslr = _numbered(good + reset)
    timings, clocks = resolve(
        phone + dslr, missions=[MissionZone(datetime(2017, 9, 18), datetime(2017, 9, 23), "Europe/Paris")]
    )
    assert clocks["dslr"].source == "alignment", clocks["dslr"]
    assert "left out" in in_words(clocks["dslr"].note)
    for s, minute in zip(good, minutes[:24], strict=True):
        assert abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds()) <= 120
    for s, minute in zip(reset, minutes[24:], strict=True):
        assert timings[s.id].source == timeline.ESTIMATED, timings[s.id]
        assert abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds()) <= 600


def _daily(days: int, step: int, offset: int = 0) -> list[int]:
    """The same hours every day (9:00 to 17:00 Paris time), a shot every `step` minutes."""
    return [day * 24 * 60 + 2 * 60 + offset + step * n for day in range(days) for n in range((8 * 60) // step)]


def test_a_schedule_that_repeats_leaves_an_evenly_shooting_camera_to_a_person() -> None:
    """Four days at one venue, the same hours; a camera on local time shooting evenly on the middle
    two. A day earlier or later its photos fall in the same hours of a day the phones shot too, and
    no moment is shared beyond the phones' rate: unresolved, both days offered."""
    phone = _phone("alice", 1, _daily(4, 9)) + _phone("bob", 1000, _daily(4, 13, offset=4))
    camera = _camera("dslr", 2000, [m + 1440 for m in _daily(2, 7, offset=2)], timedelta(0))
    timings, clocks = resolve(phone + camera)
    assert clocks["dslr"].source is None and "a day" in notes.render(clocks["dslr"].note)[0], clocks["dslr"]
    corrections = [c.correction for c in clocks["dslr"].candidates]
    assert any(abs(c) <= 600 for c in corrections), corrections
    assert any(abs(abs(c) - 86400) <= 600 for c in corrections), corrections


def test_a_schedule_that_repeats_is_told_apart_by_shared_moments() -> None:
    """The same days, but the camera shoots the moments the phones shoot (bursts at moments that
    differ from day to day): the days are told apart."""
    draw = random.Random(11)
    moments = sorted(day * 24 * 60 + 2 * 60 + minute for day in range(4) for minute in draw.sample(range(8 * 60), 50))
    phone = _phone("alice", 1, moments) + _phone("bob", 1000, [m + 1 for m in moments[::2]])
    camera = _camera("dslr", 2000, [m + 1 for m in moments[len(moments) // 4 : 3 * len(moments) // 4]], timedelta(0))
    timings, clocks = resolve(phone + camera)
    assert clocks["dslr"].source == "alignment", clocks["dslr"]
    assert abs(clocks["dslr"].correction or 0) <= 300


def test_an_estimated_time_puts_a_photo_in_its_album_but_is_never_shown_as_its_time() -> None:
    from gallery import export, regroup
    from gallery.web import render

    row = {
        "sha256": "ab" * 32,
        "original_name": "IMG_0141.JPG",
        "taken_at_utc": "2017-09-19T08:30:00+00:00",
        "timezone": "Europe/Paris",
        "taken_at_local": "2017-09-19T10:30:00",
        "time_source": timeline.ESTIMATED,
        "date_source": "exif_original",
        "width": 10,
        "height": 10,
    }
    assert regroup.is_dated(row), "the events and albums hold it"
    assert render.photo_moment(row, "fr") == "date incertaine"
    assert "2017" not in render.alt_text(row, None, "en")
    shown = export.photo_json(row, private=False)
    assert shown["date_uncertain"] and shown["time_source"] == "estimated"
    assert not regroup.is_dated({**row, "time_source": "unknown"})


def test_a_reset_date_between_two_runs_on_one_clock_is_placed_between_its_neighbours_for_grouping() -> None:
    """A battery change sets the date to 2000-01-01, then someone sets the clock again (still on
    Québec time): the two runs take one offset, the photos on the reset date are put between their
    neighbours in file-number order, for the album only (estimated, never a true time)."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    before = _camera("dslr", 200, minutes[:14], timedelta(hours=-6))
    reset = _reset_date(214, minutes[14:20])
    after = _camera("dslr", 220, minutes[20:], timedelta(hours=-6))
    timings, clocks = resolve(phone + _numbered(before + reset + after))
    assert clocks["dslr"].source == "alignment" and abs(clocks["dslr"].correction - 6 * 3600) <= 120, clocks["dslr"]
    assert "left out" in in_words(clocks["dslr"].note)
    for s, minute in zip(before + after, minutes[:14] + minutes[20:], strict=True):
        assert abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds()) <= 120
    last, first = timings[before[-1].id].utc, timings[after[0].id].utc
    for s in reset:
        assert timings[s.id].source == timeline.ESTIMATED and last <= timings[s.id].utc <= first


def test_a_reset_date_to_the_end_of_the_trip_is_placed_for_grouping_when_every_start_agrees() -> None:
    """The battery is changed on the last afternoon: whenever after the photo before it the reset
    run started, before the trip's end, it falls in the one event of the trip at Toulouse."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    good = _camera("dslr", 200, minutes[:30], timedelta(hours=-6))
    reset = _reset_date(230, minutes[30:])
    timings, clocks = resolve(phone + _numbered(good + reset))
    assert clocks["dslr"].source == "alignment" and "left out" in in_words(clocks["dslr"].note)
    last_good, end = timings[good[-1].id].utc, timings[phone[-1].id].utc
    for s in reset:
        assert timings[s.id].source == timeline.ESTIMATED and last_good <= timings[s.id].utc <= end


def test_a_reset_runs_trip_end_is_its_own_trip_not_the_archives() -> None:
    """A trip a year later in the same archive changes nothing: a full pass decides as a re-time of
    this trip alone (the incremental refresh re-times only the devices around a change)."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    good = _camera("dslr", 200, minutes[:30], timedelta(hours=-6))
    reset = _reset_date(230, minutes[30:])
    trip = phone + _numbered(good + reset)
    later = FIRST + timedelta(days=365)
    next_year = [shot(900, _paris_clock(later), "bob", gps_time=later, lat=TOULOUSE[0], lon=TOULOUSE[1])]
    alone, _ = resolve(trip)
    archive, _ = resolve(trip + next_year)
    assert all(alone[s.id].source == timeline.ESTIMATED for s in reset)
    assert [archive[s.id] for s in trip] == [alone[s.id] for s in trip]


def test_photos_placed_for_grouping_never_weigh_on_the_devices_correction() -> None:
    """More photos on the reset date than on the clock: the correction shown is still the clock's."""
    phone = _phone("alice", 1, TRIP_MOMENTS)
    minutes = [m + 1 for m in TRIP_MOMENTS]
    before = _camera("dslr", 200, minutes[:4], timedelta(hours=-6))
    reset = _reset_date(204, minutes[4:28])
    after = _camera("dslr", 228, minutes[28:], timedelta(hours=-6))
    timings, clocks = resolve(phone + _numbered(before + reset + after))
    assert sum(timings[s.id].source == timeline.ESTIMATED for s in reset) > len(before + after)
    assert "for the albums only" in in_words(clocks["dslr"].note)
    assert abs(clocks["dslr"].correction - 6 * 3600) <= 120, clocks["dslr"]


# -- H28: one clock per camera per trip; what lies beyond a camera's reach does not weigh ----------


def _trip_at(first: datetime, start_id: int, error: timedelta) -> list[Shot]:
    """Two phones in Toulouse and a camera `error` off Paris time shooting the same moments."""

    def phone(device: str, ids: int, minutes: list[int]) -> list[Shot]:
        moments = [first + timedelta(minutes=m) for m in minutes]
        return [
            shot(ids + i, _paris_clock(t), device, gps_time=t, lat=TOULOUSE[0], lon=TOULOUSE[1])
            for i, t in enumerate(moments)
        ]

    minutes = [m + 1 for m in MOMENTS[1::2]]
    camera = [
        shot(start_id + 200 + i, _paris_clock(first + timedelta(minutes=m)) + error, "dslr", sequence=start_id + i)
        for i, m in enumerate(minutes)
    ]
    return phone(f"alice{start_id}", start_id, MOMENTS) + phone(f"bob{start_id}", start_id + 100, MOMENTS[::2]) + camera


def test_a_camera_on_two_trips_a_year_apart_takes_a_clock_per_trip() -> None:
    """One camera (one serial) on two missions: left on Québec time on the first, an hour off after
    a DST change on the second. One clock over both cannot be right on both; one per trip is."""
    first, second = utc(2017, 9, 19, 7, 0), utc(2018, 10, 9, 7, 0)
    shots = _trip_at(first, 1000, timedelta(hours=-6, minutes=3)) + _trip_at(second, 2000, timedelta(hours=1))
    timings, clocks = resolve(shots)
    dslr = clocks["dslr"]
    assert dslr.source == "alignment" and notes.keys(dslr.note) == ["per_trip"], dslr
    assert dslr.photos == 16 and set(clocks) == {"dslr", "alice1000", "bob1000", "alice2000", "bob2000"}
    for base, start in ((first, 1000), (second, 2000)):
        for n, minute in enumerate(m + 1 for m in MOMENTS[1::2]):
            timing = timings[start + 200 + n]
            assert timing.source == "device_offset"
            assert abs((timing.utc - (base + timedelta(minutes=minute))).total_seconds()) <= 120
    words = in_words(dslr.note)
    assert words.startswith(
        "one clock per trip (camera dates): 2017-09-19 to 2017-09-19, 8 photos: correction +5 h 57 (aligned"
    )
    # the camera's true correction is −1 h (it shoots a minute after the phones' moments, which pulled
    # the estimate to −1 h 01 before clocks.LOCATE_SHARE)
    assert "2018-10-09 to 2018-10-09, 8 photos: correction −1 h (aligned" in words, words
    assert "une horloge par voyage" in in_words(dslr.note, "fr")


def test_a_hand_set_offset_holds_for_all_the_cameras_trips() -> None:
    first, second = utc(2017, 9, 19, 7, 0), utc(2018, 10, 9, 7, 0)
    shots = _trip_at(first, 1000, timedelta(hours=-6)) + _trip_at(second, 2000, timedelta(hours=1))
    timings, clocks = resolve(shots, manual={"dslr": 6 * 3600})
    assert clocks["dslr"].source == "manual" and clocks["dslr"].correction == 6 * 3600
    assert abs((timings[1200].utc - (first + timedelta(minutes=3))).total_seconds()) <= 60  # right on the first
    assert abs((timings[2200].utc - (second + timedelta(hours=7, minutes=3))).total_seconds()) <= 60  # as set


def test_a_single_trip_camera_keeps_its_note() -> None:
    _, clocks = resolve(_trip_at(utc(2017, 9, 19, 7, 0), 1000, timedelta(hours=-6)))
    assert notes.keys(clocks["dslr"].note) == ["aligned"]


def test_a_hand_set_camera_reads_the_zone_of_the_mission_it_was_on_not_the_first_one() -> None:
    """Its photos read in the zone of the mission covering them (before: the first mission's, whatever the time)."""
    montreal = MissionZone(datetime(2016, 5, 2), datetime(2016, 5, 6), "America/Toronto")
    paris = MissionZone(datetime(2017, 9, 18), datetime(2017, 9, 22), "Europe/Paris")
    shots = [shot(n, datetime(2017, 9, 19, 10, n), "dslr") for n in range(3)]
    timings, _ = resolve(shots, manual={"dslr": 0}, missions=[montreal, paris])
    assert (timings[0].utc, timings[0].zone) == (utc(2017, 9, 19, 8, 0), "Europe/Paris")


def test_a_programme_window_out_of_a_cameras_reach_does_not_weigh_on_its_clock() -> None:
    """Weighing reads the windows within its reach only: a week-long event from a week after the
    camera's last photo changes nothing (before, it took most of the programme's density from the
    window the camera was in, and the camera's candidates with it)."""
    rng = random.Random(1)
    shots = _phone("alice", 1, sorted(rng.randrange(3 * 24 * 60) for _ in range(200)))
    camera = sorted(24 * 60 + 2 * 60 + rng.randrange(8 * 60) for _ in range(24))
    shots += _camera("dslr", 300, camera, timedelta(hours=-6))
    near = events.ProgrammeEvent(1, (FIRST + timedelta(hours=2)).timestamp(), (FIRST + timedelta(hours=10)).timestamp())
    far = events.ProgrammeEvent(2, (FIRST + timedelta(days=9)).timestamp(), (FIRST + timedelta(days=15)).timestamp())
    _, alone = resolve(shots, programme=[near])
    _, both = resolve(shots, programme=[near, far])
    assert alone["dslr"] == both["dslr"]


def test_a_long_mission_a_camera_sat_out_the_middle_of_is_one_run() -> None:
    """Three weeks of shooting, the camera only in the first and last days: the trip went on between
    (the phones' photos), so one clock; without them, two runs."""
    first, last = utc(2017, 9, 19, 7, 0), utc(2017, 10, 9, 7, 0)
    shots = _trip_at(first, 1000, timedelta(hours=-6)) + _trip_at(last, 2000, timedelta(hours=-6))
    daily = [
        shot(
            5000 + day,
            _paris_clock(first + timedelta(days=day, hours=3)),
            "carol",
            gps_time=first + timedelta(days=day, hours=3),
            lat=TOULOUSE[0],
            lon=TOULOUSE[1],
        )
        for day in range(21)
    ]
    _, apart = resolve(shots)
    _, together = resolve(shots + daily)
    assert notes.keys(apart["dslr"].note) == ["per_trip"]
    assert notes.keys(together["dslr"].note) == ["aligned"] and abs(together["dslr"].correction - 6 * 3600) <= 120


def test_a_reset_date_lasting_days_to_the_trips_end_is_placed_by_its_own_rhythm() -> None:
    """The battery is changed on the first evening of a four-day trip (two days in Toulouse, two in
    Paris): the reset run lasts longer than any trip end read two days on, so no start bounded that
    way fits it; the run lasts at least its own span after the photo before it, and the trip ends
    with it. Its photos are placed for grouping only, each in its own town's event."""
    days = [
        day * 1440 + start + k
        for day, start in enumerate((0, 95, 210, 30))
        for k in (0, 2, 5, 40, 41, 44, 90, 130, 131, 170, 200, 202)
    ]
    phone = [
        shot(
            1 + n,
            _paris_clock(moment),
            "alice",
            gps_time=moment,
            lat=(TOULOUSE if minute < 2 * 1440 else PARIS)[0],
            lon=(TOULOUSE if minute < 2 * 1440 else PARIS)[1],
        )
        for n, minute in enumerate(days)
        if (moment := FIRST + timedelta(minutes=minute))
    ]
    minutes = [m + 1 for m in days]
    good = _camera("dslr", 200, minutes[:12], timedelta(hours=-6))
    reset = _reset_date(212, minutes[12:])
    timings, clocks = resolve(phone + _numbered(good + reset))
    assert clocks["dslr"].source == "alignment" and "left out" in in_words(clocks["dslr"].note), clocks["dslr"]
    for s, minute in zip(reset, minutes[12:], strict=True):
        assert timings[s.id].source == timeline.ESTIMATED, timings[s.id]
        assert abs((timings[s.id].utc - (FIRST + timedelta(minutes=minute))).total_seconds()) <= 600


def test_the_sides_of_a_clock_that_seems_to_change_keep_file_number_order() -> None:
    """An unresolved camera whose clock seems to change at its 11th photo (it went back a day): each side
    is placed for grouping on its own candidates. One more photo of it, timed by its own offset tag, has
    no file number: the sides are still read in file-number order, as the clock was weighed (before,
    that photo turned the order to camera times, where the two sides interleave, and the second side's
    photos went to the first side's day)."""
    day0 = FIRST + timedelta(hours=3)
    phone = [
        shot(1 + n, _paris_clock(t), "alice", gps_time=t, lat=where[0], lon=where[1])
        for n, (t, where) in enumerate(
            [(day0 + timedelta(minutes=5 * k), TOULOUSE) for k in range(20)]
            + [(day0 + timedelta(days=1, minutes=5 * k), PARIS) for k in range(20)]
        )
    ]
    first = [shot(100 + k, _paris_clock(day0 + timedelta(minutes=10 * k)), "dslr") for k in range(10)]
    second = [  # a day behind, so its camera times fall among the first side's
        shot(110 + k, _paris_clock(day0 + timedelta(days=1, minutes=10 * k + 3)) - timedelta(days=1), "dslr")
        for k in range(10)
    ]
    tagged = shot(120, _paris_clock(day0 + timedelta(hours=3)), "dslr", camera_offset=120)
    dslr = _numbered(first + second) + [tagged]
    timings, _ = timeline.resolve(phone + dslr, zone_at)
    by_id = {t.id: t for t in timings}
    loose = [replace(by_id[s.id], utc=None, zone=None, local=None, source="unknown") for s in first + second]
    timings = [next((t for t in loose if t.id == x.id), x) for x in timings]
    paris = 7200  # camera minus UTC on Paris time in September
    sides = (
        (first[0].id, first[-1].id, (timeline.Candidate(paris, 0, 1.0, 1.0, "none"),)),
        (second[0].id, second[-1].id, (timeline.Candidate(paris - 86400, 86400, 1.0, 1.0, "day"),)),
    )
    clocks = {
        "alice": timeline.DeviceClock("alice", 0, "gps"),
        "dslr": timeline.DeviceClock("dslr", None, None, candidates=sides[0][2], sides=sides),
    }
    out = {t.id: t for t in timeline.estimate_for_grouping(phone + dslr, timings, clocks, (), zone_at)}
    for s, minutes in [
        *((s, 10 * k) for k, s in enumerate(first)),
        *((s, 1440 + 10 * k + 3) for k, s in enumerate(second)),
    ]:
        assert out[s.id].source == timeline.ESTIMATED, out[s.id]
        assert abs((out[s.id].utc - (day0 + timedelta(minutes=minutes))).total_seconds()) <= 60, (s.id, out[s.id])


def test_a_reset_date_after_an_unresolved_cameras_estimated_photos_is_placed_too() -> None:
    """The camera that cannot tell which of two days it shot on (its photos placed for grouping only,
    both days being in the one three-day event) then loses its date to a battery change: the photos on
    the reset date follow its estimated ones in file-number order and are placed in the event too,
    for grouping only; the camera stays unresolved (before, they stayed in « Non datées »)."""
    hours = [day * 24 * 60 + 9 * 60 + 20 * n for day in range(3) for n in range(24)]
    phone = _phone("alice", 1, hours)
    lonely = _camera("dslr", 200, [24 * 60 + 9 * 60 + 20 * n + 7 for n in range(24)], timedelta(days=1))
    reset = [shot(300 + n, datetime(2000, 1, 1) + timedelta(minutes=20 * n), "dslr") for n in range(20)]
    timings, clocks = resolve(phone + _numbered(lonely + reset))
    assert clocks["dslr"].source is None and "cannot decide" in in_words(clocks["dslr"].note)
    assert all(timings[s.id].source == timeline.ESTIMATED for s in lonely)
    assert all(timings[s.id].source == timeline.ESTIMATED for s in reset), [timings[s.id].source for s in reset]
    items = [events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in timings.values() if t.utc]
    (trip,) = [g for g in events.group_into_events(items) if not g.others]
    assert {s.id for s in phone + lonely + reset} <= set(trip.ids)


def test_a_reset_date_after_photos_the_candidates_disagree_on_is_placed_between_them() -> None:
    """An unresolved camera shot the morning in Toulouse (on Paris time, 60 %) or, as likely for all it
    knows, the afternoon in Paris (five hours later, 40 %): its photos stay unplaced. Then a battery change resets its date
    and it shoots the afternoon event to the end of the trip. Wherever its morning lies between the two
    candidates, the run on the reset date starts after it: its photos that every start so bounded puts
    in the afternoon event are placed there for grouping only (before, a near side the candidates
    disagreed on bounded no run, and the whole run stayed in « Non datées »)."""
    morning = [9 * 60 + 10 * k for k in range(18)]  # 9:00-11:50 (Paris), event A
    afternoon = [14 * 60 + 10 * k for k in range(49)]  # 14:00-22:00, event B
    phone = _phone("alice", 1, [m - 540 for m in morning + afternoon])  # FIRST is 9:00 Paris
    phone = phone[: len(morning)] + [replace(p, lat=PARIS[0], lon=PARIS[1]) for p in phone[len(morning) :]]
    near = _camera("dslr", 200, [m - 540 + 3 for m in morning], timedelta(0))
    reset = [shot(300 + n, datetime(2000, 1, 1) + timedelta(minutes=20 * n), "dslr") for n in range(23)]  # 14:05-21:25
    dslr = _numbered(near + reset)
    timings, _ = timeline.resolve(phone + dslr, zone_at)
    timings = [replace(t, utc=None, zone=None, local=None, source="unknown") if t.id >= 200 else t for t in timings]
    paris = 7200  # camera minus UTC on Paris time in September
    candidates = (
        timeline.Candidate(paris, 0, 0.6, 0.8, "none"),
        timeline.Candidate(paris - 5 * 3600, 5 * 3600, 0.4, 0.8, "other"),
    )
    clocks = {
        "alice": timeline.DeviceClock("alice", 0, "gps"),
        "dslr": timeline.DeviceClock("dslr", None, None, candidates=candidates),
    }
    out = {t.id: t for t in timeline.estimate_for_grouping(phone + dslr, timings, clocks, (), zone_at)}
    assert all(out[s.id].source == "unknown" for s in near)  # the candidates disagree on them
    placed = [s for s in reset if out[s.id].source == timeline.ESTIMATED]
    assert len(placed) >= len(reset) // 2, [out[s.id].source for s in reset]
    items = [events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in out.values() if t.utc]
    (event_b,) = [g for g in events.group_into_events(items) if phone[len(morning)].id in g.ids]
    assert {s.id for s in placed} <= set(event_b.ids)
    assert not {p.id for p in phone[: len(morning)]} & set(event_b.ids)  # the morning stays its own event


def _dslr_read_in_paris(shots: list[Shot], mission: MissionZone) -> list[timeline.Timing]:
    """The shots resolved, the dslr's read in the mission's zone (Paris) whatever its clock."""
    timings, _ = timeline.resolve(shots, zone_at, missions=[mission])
    return [
        replace(t, utc=timeline.local_to_utc(s.camera_time, "Europe/Paris"), source="mission_zone")  # type: ignore[arg-type]
        if (s := shots[n]).device == "dslr"
        else t
        for n, t in enumerate(timings)
    ]


def test_photos_read_in_the_missions_zone_at_an_offset_no_likely_candidate_gives_take_the_best() -> None:
    """A camera left on Montréal time shot the Toulouse morning; its candidates (80 % for the truth,
    15 % for five hours later, the Paris afternoon) disagree on its event, so it stays unresolved.
    Its photos read in the mission's zone would fall at 3-6 a.m., an offset the weighing holds
    unlikely (outside the likeliest candidates): they are placed for grouping on the best candidate,
    in the morning's event (before, they kept their reading, six hours off, in an event of their own)."""
    morning = [9 * 60 + 10 * k for k in range(18)]  # 9:00-11:50 (Paris), event A
    afternoon = [14 * 60 + 10 * k for k in range(49)]  # 14:00-22:00, event B
    phone = _phone("alice", 1, [m - 540 for m in morning + afternoon])  # FIRST is 9:00 Paris
    phone = phone[: len(morning)] + [replace(p, lat=PARIS[0], lon=PARIS[1]) for p in phone[len(morning) :]]
    dslr = _camera("dslr", 200, [m - 540 + 3 for m in morning], -timedelta(hours=6))
    mission = MissionZone(datetime(2017, 9, 19), datetime(2017, 9, 20), "Europe/Paris")
    timings = _dslr_read_in_paris(phone + dslr, mission)
    paris = 7200  # camera minus UTC on Paris time in September
    candidates = (
        timeline.Candidate(paris - 6 * 3600, 6 * 3600, 0.8, 0.8, "zone"),
        timeline.Candidate(paris - 11 * 3600, 11 * 3600, 0.15, 0.8, "other"),
        timeline.Candidate(paris, 0, 0.05, 0.0, "none"),
    )
    clocks = {
        "alice": timeline.DeviceClock("alice", 0, "gps"),
        "dslr": timeline.DeviceClock("dslr", None, None, candidates=candidates),
    }
    out = {t.id: t for t in timeline.estimate_for_grouping(phone + dslr, timings, clocks, (), zone_at, [mission])}
    for s, minute in zip(dslr, morning, strict=True):
        assert out[s.id].source == timeline.ESTIMATED, out[s.id]
        assert out[s.id].local == datetime(2017, 9, 19) + timedelta(minutes=minute + 3), out[s.id]
    items = [events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in out.values() if t.utc]
    (event_a,) = [g for g in events.group_into_events(items) if phone[0].id in g.ids]
    assert {s.id for s in dslr} <= set(event_a.ids)


def test_a_reading_less_likely_than_the_best_candidate_takes_it_even_when_the_likely_ones_are_spread() -> None:
    """A camera a day ahead shot the Toulouse morning; read in the mission's zone, its photos fall on
    the next morning, in Paris's event. Its candidates are too spread to agree (a day behind 50 %,
    two days 4 % twice: no four of them hold 90 %), but the best alone is likelier than every answer
    the weighing does not list (42 % together), the reading among them: the photos are placed for
    grouping on the best, in the Toulouse event (before, they kept their reading, a day off, in the
    wrong event). When the best is not that likely, the reading stays as it is."""
    morning = [10 * k for k in range(18)]  # 9:00-11:50 (Paris), Toulouse on the 19th, Paris on the 20th
    phone = _phone("alice", 1, morning + [1440 + m for m in morning])
    phone = phone[: len(morning)] + [replace(p, lat=PARIS[0], lon=PARIS[1]) for p in phone[len(morning) :]]
    dslr = _camera("dslr", 200, [m + 3 for m in morning], timedelta(days=1))
    mission = MissionZone(datetime(2017, 9, 19), datetime(2017, 9, 21), "Europe/Paris")
    timings = _dslr_read_in_paris(phone + dslr, mission)
    paris = 7200  # camera minus UTC on Paris time in September
    day = 86400

    def estimated(best: float) -> dict[int, timeline.Timing]:
        candidates = (
            timeline.Candidate(paris + day, -day, best, 0.8, "day"),
            timeline.Candidate(paris + 2 * day, -2 * day, 0.04, 0.0, "other"),
            timeline.Candidate(paris + 2 * day - 3600, -2 * day + 3600, 0.04, 0.0, "other"),
        )
        clocks = {
            "alice": timeline.DeviceClock("alice", 0, "gps"),
            "dslr": timeline.DeviceClock("dslr", None, None, candidates=candidates),
        }
        return {t.id: t for t in timeline.estimate_for_grouping(phone + dslr, timings, clocks, (), zone_at, [mission])}

    out = estimated(0.5)
    for s, minute in zip(dslr, morning, strict=True):
        assert out[s.id].source == timeline.ESTIMATED, out[s.id]
        assert out[s.id].local == datetime(2017, 9, 19, 9) + timedelta(minutes=minute + 3), out[s.id]
    items = [events.Item(t.id, t.utc.timestamp(), t.lat, t.lon, t.position_inferred) for t in out.values() if t.utc]
    (toulouse,) = [g for g in events.group_into_events(items) if phone[0].id in g.ids]
    assert {s.id for s in dslr} <= set(toulouse.ids)
    out = estimated(0.4)  # the answers not listed hold 52 %: the best does not outweigh them
    assert all(out[s.id].source == "mission_zone" for s in dslr), [out[s.id].source for s in dslr]
