"""Opening hours: parsing the stores' `opening_hours` text and asking "open now?".

Grammar: one or more `;`-separated parts, each `[DAYS ]HH:MM-HH:MM`, where DAYS is a
range (`Mon-Fri`) or a single day (`Sun`); no DAYS means every day; a closing time
earlier than the opening time runs past midnight (`18:00-02:00`); `24:00` closes at
the end of the day.
"""

from __future__ import annotations

import re
from datetime import datetime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(
    r"^(?:(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+)?"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$"
)

# weekday (0 = Monday) -> list of (start minute, end minute) within that day
Schedule = dict[int, list[tuple[int, int]]]


def parse_hours(text: str) -> Schedule | None:
    """The weekly schedule, or None when the text does not follow the grammar."""
    schedule: Schedule = {d: [] for d in range(7)}
    parts = [p.strip().lower() for p in text.split(";") if p.strip()]
    if not parts:
        return None
    for part in parts:
        match = _PART.match(part)
        if match is None:
            return None
        d1, d2 = match["d1"], match["d2"]
        if d1 is not None and (d1 not in DAYS or (d2 is not None and d2 not in DAYS)):
            return None
        first = DAYS.index(d1) if d1 else 0
        last = DAYS.index(d2) if d2 else (first if d1 else 6)
        days = [d % 7 for d in range(first, last + 1 if last >= first else last + 8)]
        start = int(match["h1"]) * 60 + int(match["m1"])
        end = int(match["h2"]) * 60 + int(match["m2"])
        if start > 24 * 60 or end > 24 * 60 or int(match["m1"]) > 59 or int(match["m2"]) > 59:
            return None
        for day in days:
            if end > start:
                schedule[day].append((start, end))
            else:  # past midnight: the tail belongs to the next day
                schedule[day].append((start, 24 * 60))
                schedule[(day + 1) % 7].append((0, end))
    return schedule


def is_open(text: str, local: datetime) -> bool | None:
    """Is a store with these hours open at this local time? None when hours are unknown."""
    schedule = parse_hours(text) if text else None
    if schedule is None:
        return None
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in schedule[local.weekday()])
