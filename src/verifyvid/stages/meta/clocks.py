"""The movie header's time read against a time that knows UTC.

QuickTime's movie header (mvhd) is UTC by the specification, but many cameras write their local
time there. When the file also holds a time whose relation to UTC is known (GoPro's GPS time, or
Apple's creation date with its offset), the difference between the two says which: a whole time
zone (the header is local time, and the zone is where the clock was set), nothing (the header is
UTC), or neither (the clock was wrong, or the header was written later by a re-mux or an editor).
"""

from __future__ import annotations

import math
from datetime import timedelta

from verifyvid.stages.meta.models import CreationTime, Gps, HeaderClock
from verifyvid.stages.meta.normalize import GPS_SOURCE, dated, independent

HEADER_SOURCE = "QuickTime mvhd creation_time"
ZONE_STEP = 900  # seconds: time zones are whole quarter hours
CLOCK_SLACK = 300.0  # seconds a camera clock may be off GPS time (seen: 99 s on a GoPro HERO7)
ZONES = (-12 * 3600, 14 * 3600)  # seconds east of UTC: UTC-12 .. UTC+14
SUN_SLACK = 3.5  # hours between a zone and the sun time of the place (Kashgar on Beijing time: 2.9)


def header_clock(
    times: list[CreationTime], duration: float | None, gps: Gps | None
) -> HeaderClock | None:
    """The header's time against the best reference in ``times``, or None when either is missing
    or the recording is so long that several zones would explain the difference."""
    header = next((t for t in times if t.source == HEADER_SOURCE and dated(t)), None)
    reference = next((t for t in times if independent(t)), None) or next(
        (t for t in times if t.offset and t.source not in (HEADER_SOURCE, GPS_SOURCE) and dated(t)),
        None,
    )
    if header is None or reference is None or header.utc is None or reference.utc is None:
        return None
    difference = (header.utc - reference.utc).total_seconds()
    zones = fitting_zones(difference, duration or 0.0)
    if len(zones) > 1:
        return None
    clock = HeaderClock(header=header.source, reference=reference.source,
                        independent=independent(reference), difference=round(difference, 3))  # fmt: skip
    if gps is not None:
        clock.solar_zone = round(gps.longitude / 15.0, 1)
    if zones:
        clock.zone = zone_name(zones[0])
        clock.utc = header.utc - timedelta(seconds=zones[0])
        if zones[0] != 0 and clock.solar_zone is not None:
            apart = (zones[0] / 3600 - clock.solar_zone + 12) % 24 - 12
            clock.fits_gps = abs(apart) <= SUN_SLACK
    return clock


def fitting_zones(difference: float, duration: float) -> list[int]:
    """The zones (seconds east of UTC) that explain ``difference``: what is left is within the
    clock slack of the recording's span (a header may be written at its start or its end)."""
    low = math.ceil((difference - duration - CLOCK_SLACK) / ZONE_STEP)
    high = math.floor((difference + CLOCK_SLACK) / ZONE_STEP)
    return [k * ZONE_STEP for k in range(low, high + 1) if ZONES[0] <= k * ZONE_STEP <= ZONES[1]]


def zone_name(seconds: int) -> str:
    minutes = abs(seconds) // 60
    return f"{'-' if seconds < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def spoken(seconds: float) -> str:
    """``-25299.0`` as ``7 h 01 min``."""
    minutes = round(abs(seconds) / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d"] if days else []
    return " ".join([*parts, f"{hours} h {minutes:02d} min" if hours or days else f"{minutes} min"])
