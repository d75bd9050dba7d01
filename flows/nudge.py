"""When the one reminder to finish the survey may go out: quiet hours in the city's zone."""

from __future__ import annotations

import re
from datetime import datetime, time

_RANGE = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """ "22:00-09:00" -> (22:00, 09:00); the range may wrap past midnight."""
    found = _RANGE.match(text)
    if found is None:
        raise ValueError(f"quiet hours must look like 22:00-09:00 (got {text!r})")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    return time(h1, m1), time(h2, m2)


def is_quiet(local: datetime, quiet: tuple[time, time]) -> bool:
    """Whether a local time falls in the quiet hours [start, end)."""
    start, end = quiet
    now = local.time().replace(tzinfo=None)
    if start == end:
        return False  # "00:00-00:00": never quiet
    if start < end:
        return start <= now < end
    return now >= start or now < end
