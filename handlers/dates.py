"""Dates and times as merchants type them ("明天", "下周一早上10点", "next monday 10am",
"dec 31"): the NLU's time parsing (`nlu.timex`) handed to the services' grammars, which
read their own formats first and may not import the NLU themselves."""

from __future__ import annotations

from datetime import datetime

from nlu.timex import read_alone
from services.platform.clock import TimeReader, zone


def time_reader(now: datetime, timezone: str) -> TimeReader:
    """The reader of a time typed alone, seen from `now` (the app's clock) in
    `timezone` (the owner's): a moment, a day, or None."""
    tz = zone(timezone)
    return lambda text: read_alone(text, now, tz)
