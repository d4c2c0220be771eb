"""Synthetic missions with known truth: the demo archive, the tests and the events evaluation.

A scenario lists visits (an event or transit, a place, local hours on given days) and devices
(GPS or not, offset tags or not, clock errors). `photos()` draws bursty capture times (not
Poisson: bursts, then minutes, then long gaps) for each device, and says for every photo which
event it truly belongs to. `write_photos()` turns them into JPEG files with EXIF as each device
would write it, drawn with Pillow.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

OTHERS = "others"  # truth label of transit, meals, hotel: not an event


@dataclass(frozen=True)
class Visit:
    label: str  # the event's name, or OTHERS
    lat: float
    lon: float
    day: date
    start_hour: float
    end_hour: float
    moving_to: tuple[float, float] | None = None  # transit: from (lat, lon) to here
    share: float = 1.0  # how busy the cameras are (photos per hour, relative)


@dataclass(frozen=True)
class Device:
    folder: str
    make: str
    model: str
    gps: float = 1.0  # share of photos with a position
    gps_time: bool = True
    offset_tag: bool = False
    clock_error: timedelta = timedelta(0)  # added to true local time (a Québec clock: -6 h)
    serial: str | None = None
    skips: tuple[str, ...] = ()  # visit labels this person did not attend
    rate: float = 6.0  # photos per hour at events


@dataclass(frozen=True)
class Photo:
    device: Device
    true_utc: datetime
    camera_time: datetime  # naive, what the camera writes
    offset: str | None
    lat: float | None
    lon: float | None
    gps_time: datetime | None
    label: str
    name: str
    color: tuple[int, int, int] = (128, 128, 128)


@dataclass(frozen=True)
class Scenario:
    name: str
    zone: str
    visits: tuple[Visit, ...]
    devices: tuple[Device, ...]
    programme: str = ""  # TOML
    extras: tuple[str, ...] = field(default=("duplicate", "undated"))


def photos(scenario: Scenario, seed: int = 0, damage: bool = False) -> list[Photo]:
    """Every photo of the scenario, in device order, with its truth label.

    `damage` adds what real phones do: 2 % of fixes 2-5 km off, and a stale fix (the previous
    place) on the first photo at a new place half of the time.
    """
    rng = random.Random(seed)
    zone = ZoneInfo(scenario.zone)
    highlights = {visit: _highlights(random.Random(f"{seed}-{n}"), visit) for n, visit in enumerate(scenario.visits)}
    out: list[Photo] = []
    for device in scenario.devices:
        counter = 0
        last_fix: tuple[float, float] | None = None
        for visit in scenario.visits:
            if visit.label in device.skips:
                continue
            for n, moment in enumerate(_capture_times(rng, visit, device, highlights[visit])):
                true_utc = moment.replace(tzinfo=zone).astimezone(UTC)
                lat, lon = _position(rng, visit, moment)
                if damage and n == 0 and last_fix and rng.random() < 0.5:
                    lat, lon = last_fix  # a stale fix from the previous place
                elif damage and rng.random() < 0.02:
                    bearing, km = rng.uniform(0, 2 * math.pi), rng.uniform(2, 5)
                    lat, lon = lat + km / 111 * math.cos(bearing), lon + km / 80 * math.sin(bearing)
                last_fix = (lat, lon)
                counter += 1
                has_gps = rng.random() < device.gps
                local = true_utc.astimezone(zone)
                camera = local.replace(tzinfo=None) + device.clock_error
                offset = _offset(local) if device.offset_tag else None
                out.append(
                    Photo(
                        device,
                        true_utc,
                        camera.replace(microsecond=0),
                        offset,
                        lat if has_gps else None,
                        lon if has_gps else None,
                        true_utc.replace(microsecond=0) if has_gps and device.gps_time else None,
                        visit.label,
                        f"{device.folder}/IMG_{counter:04d}.JPG",
                        _color(visit.label, rng),
                    )
                )
    return out


def _bounds(visit: Visit) -> tuple[datetime, datetime]:
    midnight = datetime.combine(visit.day, datetime.min.time())
    return midnight + timedelta(hours=visit.start_hour), midnight + timedelta(hours=visit.end_hour)


def _highlights(rng: random.Random, visit: Visit) -> list[datetime]:
    """Moments everybody photographs (a speaker, a demo, the group photo), shared by all devices."""
    start, end = _bounds(visit)
    count = max(1, round((end - start).total_seconds() / 3600 * 3 * visit.share))
    return sorted(start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds())) for _ in range(count))


def _capture_times(rng: random.Random, visit: Visit, device: Device, highlights: list[datetime]) -> list[datetime]:
    """Bursty: bursts of 1-4 frames 1-2 s apart, in clusters; most at the shared highlights."""
    start, end = _bounds(visit)
    hours = (end - start).total_seconds() / 3600
    clusters = max(1, round(hours * device.rate * visit.share / 2.2))
    times = []
    for _ in range(clusters):
        if rng.random() < 0.7:
            at = rng.choice(highlights) + timedelta(seconds=rng.gauss(0, 60))
        else:
            at = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
        at = min(max(at, start), end)
        for frame in range(rng.choice((1, 1, 1, 2, 3, 4))):
            times.append(at + timedelta(seconds=frame * rng.uniform(0.8, 2.0)))
    return sorted(t for t in times if t <= end)


def _position(rng: random.Random, visit: Visit, moment: datetime) -> tuple[float, float]:
    if visit.moving_to is None:
        # indoor GPS noise: tens to a couple hundred metres
        return visit.lat + rng.gauss(0, 0.0008), visit.lon + rng.gauss(0, 0.0010)
    start, _ = _bounds(visit)
    share = (moment - start).total_seconds() / ((visit.end_hour - visit.start_hour) * 3600)
    share = min(1.0, max(0.0, share))
    (lat0, lon0), (lat1, lon1) = visit.moving_to, (visit.lat, visit.lon)
    return lat0 + (lat1 - lat0) * share, lon0 + (lon1 - lon0) * share


def _offset(local: datetime) -> str:
    minutes = int((local.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _color(label: str, rng: random.Random) -> tuple[int, int, int]:
    base = sum(map(ord, label)) * 2654435761 % 2**24
    return tuple(min(255, max(0, ((base >> s) & 255) + rng.randint(-25, 25))) for s in (16, 8, 0))  # type: ignore[return-value]


# -- the demo mission ---------------------------------------------------------------------------------

COOPERATIVE = (43.3108, 5.3903)  # La Friche la Belle de Mai
INCUBATOR = (43.2995, 5.3660)  # Euroméditerranée, 1.9 km away
VIEUX_PORT = (43.2951, 5.3744)
SAINT_CHARLES = (43.3026, 5.3806)
MATABIAU = (43.6114, 1.4536)
CONGRESS = (43.6111, 1.4339)  # Toulouse, the festival's venue
CAPITOLE = (43.6045, 1.4442)  # the hotel, 1.1 km away
IOT_VALLEY = (43.5445, 1.5110)  # Labège

PROGRAMME = """\
[mission]
title = "Mission Marseille–Toulouse 2017"
timezone = "Europe/Paris"
description = "Une semaine en France : deux visites à Marseille, la Mêlée numérique à Toulouse, IOT Valley à Labège."

[[event]]
name = "Coopérative de la Belle de Mai"
start = 2017-09-18T09:00:00
end = 2017-09-18T12:30:00
lat = 43.3108
lon = 5.3903
radius = 600
place = "Marseille"

[[event]]
name = "Incubateur Euroméditerranée"
start = 2017-09-18T13:30:00
end = 2017-09-18T18:00:00
lat = 43.2995
lon = 5.3660
radius = 600
place = "Marseille"

[[event]]
name = "la Mêlée numérique"
start = 2017-09-19T09:00:00
end = 2017-09-20T17:30:00
lat = 43.6111
lon = 1.4339
radius = 700
title = "Revoir la Mêlée numérique en images"

[[event]]
name = "IOT Valley"
start = 2017-09-21T09:00:00
end = 2017-09-21T17:30:00
lat = 43.5445
lon = 1.5110
radius = 600
place = "Labège"
title = "Revoir la IOT Valley en images"
"""


def demo_scenario() -> Scenario:
    """The Marseille -> Toulouse -> Labège week of September 2017."""
    d18, d19, d20, d21 = (date(2017, 9, day) for day in (18, 19, 20, 21))
    visits = (
        Visit("Coopérative de la Belle de Mai", *COOPERATIVE, d18, 9.5, 12.0),
        Visit(OTHERS, *VIEUX_PORT, d18, 12.4, 13.4, share=0.3),  # lunch at the Vieux-Port
        Visit("Incubateur Euroméditerranée", *INCUBATOR, d18, 14.0, 17.5),
        Visit(OTHERS, *MATABIAU, d18, 18.5, 22.3, moving_to=SAINT_CHARLES, share=0.25),  # the train
        Visit("la Mêlée numérique", *CONGRESS, d19, 9.3, 17.0),
        Visit(OTHERS, *CAPITOLE, d19, 20.0, 21.5, share=0.3),  # dinner near the hotel
        Visit("la Mêlée numérique", *CONGRESS, d20, 9.2, 17.0),
        Visit("IOT Valley", *IOT_VALLEY, d21, 9.3, 16.5),
    )
    devices = (
        Device("alice-iphone", "Apple", "iPhone 13", gps=1.0, offset_tag=True),
        Device("bob-pixel", "Google", "Pixel 6", gps=0.8, gps_time=True),
        Device(
            "chloe-canon",
            "Canon",
            "Canon EOS 80D",
            gps=0.0,
            gps_time=False,
            clock_error=timedelta(hours=-6),
            serial="0123456789",
            skips=(OTHERS,),
            rate=5.0,
        ),
        Device(
            "david-iphone",
            "Apple",
            "iPhone 13",
            gps=1.0,
            offset_tag=True,
            skips=("Coopérative de la Belle de Mai", "Incubateur Euroméditerranée", OTHERS),
            rate=3.0,
        ),
    )
    return Scenario("Marseille–Toulouse–Labège 2017", "Europe/Paris", visits, devices, PROGRAMME)


# -- writing the files --------------------------------------------------------------------------------


def write_photos(
    folder: Path,
    items: list[Photo],
    size: tuple[int, int] = (1200, 900),
    extras: tuple[str, ...] = ("duplicate", "undated"),
) -> list[Path]:
    """Draw each photo and write it with the EXIF its device would write; returns the paths."""
    paths = []
    for index, photo in enumerate(items):
        path = folder / photo.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_jpeg(photo, size, index))
        paths.append(path)
    if "duplicate" in extras and len(paths) > 3:
        # the same file shared by two people: one photo, two copies
        shared = folder / "david-iphone" / "from-alice.jpg"
        shared.parent.mkdir(parents=True, exist_ok=True)
        shared.write_bytes(paths[3].read_bytes())
    if "undated" in extras:
        undated = folder / "bob-pixel" / "scan-sans-date.jpg"
        undated.write_bytes(render_jpeg(None, size, len(items)))
    return paths


def render_jpeg(photo: Photo | None, size: tuple[int, int], index: int) -> bytes:
    """A drawn scene: sky, ground, a few buildings and the sun, in the visit's colours."""
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(index)
    color = photo.color if photo else (150, 150, 150)
    width, height = size
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.55, 0.7))
    step = max(1, height // 100)
    for y in range(0, horizon, step):  # sky gradient
        shade = int(255 * (1 - y / horizon * 0.5))
        draw.rectangle((0, y, width, y + step), fill=(shade // 2, shade // 2 + 40, shade))
    draw.rectangle((0, horizon, width, height), fill=color)
    for _ in range(rng.randint(3, 7)):  # buildings
        building = int(width * rng.uniform(0.05, 0.18))
        left = int(rng.uniform(0, width - building))
        top = int(rng.uniform(horizon / 3, horizon * 0.95))
        darker = tuple(max(0, c - rng.randint(20, 90)) for c in color)
        draw.rectangle((left, top, left + building, horizon), fill=darker)  # type: ignore[arg-type]
    radius = max(2, int(height * rng.uniform(0.03, 0.08)))
    cx, cy = int(rng.uniform(radius, width - radius)), int(rng.uniform(radius, max(radius + 1, horizon // 2)))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 220, 120))
    if photo:  # Pillow's built-in font is ASCII only
        label = (
            unicodedata.normalize("NFKD", f"{photo.label} - {photo.device.folder}").encode("ascii", "ignore").decode()
        )
        draw.text((width // 60, height - height // 20 - 10), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, exif=_exif(photo).tobytes() if photo else b"")
    return out.getvalue()


def _exif(photo: Photo):  # type: ignore[no-untyped-def]
    from PIL import Image, TiffImagePlugin

    def rational(value: float, den: int = 1) -> TiffImagePlugin.IFDRational:
        return TiffImagePlugin.IFDRational(round(value * den), den)

    def dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
        value = abs(value)
        degrees, minutes = int(value), int((value - int(value)) * 60)
        seconds = (value - degrees - minutes / 60) * 3600
        return (rational(degrees), rational(minutes), rational(seconds, 1000))

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = photo.device.make, photo.device.model
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = photo.camera_time.strftime("%Y:%m:%d %H:%M:%S")
    ifd[0x829A], ifd[0x829D], ifd[0x8827] = rational(1 / 125, 10000), rational(2.8, 10), 200
    if photo.offset:
        ifd[0x9011] = photo.offset
    if photo.device.serial:
        ifd[0xA431] = photo.device.serial
    if photo.lat is not None and photo.lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if photo.lat >= 0 else "S"), dms(photo.lat)
        gps[3], gps[4] = ("E" if photo.lon >= 0 else "W"), dms(photo.lon)
        if photo.gps_time:
            gps[29] = photo.gps_time.strftime("%Y:%m:%d")
            gps[7] = (rational(photo.gps_time.hour), rational(photo.gps_time.minute), rational(photo.gps_time.second))
    return exif


def quebec_scenario() -> Scenario:
    """A visit to Montréal and Québec (America/Toronto), one camera still on Paris time (+6 h)."""
    d3, d4, d5 = (date(2018, 4, day) for day in (3, 4, 5))
    palais, centech = (45.5036, -73.5594), (45.4952, -73.5570)  # Montréal, 1 km apart
    quebec = (46.8090, -71.2140)
    visits = (
        Visit("Palais des congrès", *palais, d3, 9.0, 12.0),
        Visit("Centech", *centech, d3, 14.0, 17.0),
        Visit(OTHERS, *quebec, d4, 8.0, 10.5, moving_to=palais, share=0.3),  # the drive to Québec
        Visit("Québec numérique", *quebec, d4, 13.0, 18.0),
        Visit("Québec numérique", *quebec, d5, 9.0, 12.5),
    )
    devices = (
        Device("marie-phone", "Samsung", "SM-G960F", gps=0.9, gps_time=True),
        Device("paul-phone", "Apple", "iPhone 8", gps=1.0, offset_tag=True),
        Device("lea-camera", "Nikon", "D750", gps=0.0, gps_time=False, clock_error=timedelta(hours=6), skips=(OTHERS,)),
    )
    programme = """\
[mission]
title = "Mission Québec 2018"
timezone = "America/Toronto"

[[event]]
name = "Palais des congrès"
start = 2018-04-03T08:30:00
end = 2018-04-03T12:30:00
lat = 45.5036
lon = -73.5594
radius = 500

[[event]]
name = "Centech"
start = 2018-04-03T13:30:00
end = 2018-04-03T17:30:00
lat = 45.4952
lon = -73.5570
radius = 500

[[event]]
name = "Québec numérique"
start = 2018-04-04T12:00:00
end = 2018-04-05T13:00:00
place = "Québec"
"""
    return Scenario("Montréal–Québec 2018", "America/Toronto", visits, devices, programme)


def tokyo_scenario() -> Scenario:
    """Tokyo (UTC+9, no DST): one phone still on Montréal time (-13 h), one camera a day off."""
    d10, d11, d12 = (date(2019, 10, day) for day in (10, 11, 12))
    bigsight, shibuya, akihabara = (35.6298, 139.7976), (35.6580, 139.7016), (35.6984, 139.7731)
    visits = (
        Visit("CEATEC", *bigsight, d10, 9.5, 17.0),
        Visit("CEATEC", *bigsight, d11, 9.5, 13.0),
        Visit(OTHERS, *shibuya, d11, 15.0, 15.5, moving_to=bigsight, share=0.4),
        Visit("Shibuya startups", *shibuya, d11, 16.0, 19.0),
        Visit("Akihabara", *akihabara, d12, 10.0, 13.0),
    )
    devices = (
        Device("nina-phone", "Google", "Pixel 3", gps=1.0, gps_time=True),
        Device("omar-phone", "Apple", "iPhone XS", gps=0.7, gps_time=True, clock_error=timedelta(hours=-13)),
        Device(
            "rose-camera",
            "Sony",
            "ILCE-7M3",
            gps=0.0,
            gps_time=False,
            clock_error=timedelta(days=-1, minutes=4),
            skips=(OTHERS,),
        ),
    )
    programme = """\
[mission]
title = "Mission Tokyo 2019"
timezone = "Asia/Tokyo"

[[event]]
name = "CEATEC"
start = 2019-10-10T09:00:00
end = 2019-10-11T13:30:00
lat = 35.6298
lon = 139.7976

[[event]]
name = "Shibuya startups"
start = 2019-10-11T15:45:00
end = 2019-10-11T19:30:00
lat = 35.6580
lon = 139.7016

[[event]]
name = "Akihabara"
start = 2019-10-12T09:30:00
end = 2019-10-12T13:30:00
lat = 35.6984
lon = 139.7731
"""
    return Scenario("Tokyo 2019", "Asia/Tokyo", visits, devices, programme)


SCENARIOS = {"delegation-week": demo_scenario, "quebec": quebec_scenario, "tokyo": tokyo_scenario}
