"""Opening hours read the way shops write them, including past midnight."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.catalog.hours import is_open, parse_hours
from services.demo import demo_data

WED = datetime(2026, 11, 25)  # a Wednesday
SAT = datetime(2026, 11, 28)


@pytest.mark.parametrize(
    "hours,when,expected",
    [
        ("10:00-22:00", WED.replace(hour=12), True),
        ("10:00-22:00", WED.replace(hour=22), False),
        ("18:00-02:00", WED.replace(hour=1, minute=30), True),  # Tuesday night's tail
        ("18:00-02:00", WED.replace(hour=3), False),
        ("Mon-Fri 07:30-20:00; Sat-Sun 09:00-20:00", SAT.replace(hour=8), False),
        ("Mon-Fri 07:30-20:00; Sat-Sun 09:00-20:00", WED.replace(hour=8), True),
        ("11:00-14:00; 17:00-21:30", WED.replace(hour=15), False),
        ("00:00-24:00", WED.replace(hour=3), True),
        ("Fri-Mon 10:00-12:00", datetime(2026, 11, 30, 11), True),  # a Monday, wrapping
    ],
)
def test_open_or_closed(hours: str, when: datetime, expected: bool) -> None:
    assert is_open(hours, when) is expected


@pytest.mark.parametrize("hours", ["", "always", "25:00-26:00", "Xyz 10:00-11:00",
                                   "10:00", "10:61-11:00", "'; drop table stores"])
def test_unreadable_hours_are_unknown_not_an_error(hours: str) -> None:
    assert is_open(hours, WED) is None


def test_every_demo_store_has_readable_hours() -> None:
    for merchant in demo_data.MERCHANTS:
        for store in merchant.stores:
            assert parse_hours(store.opening_hours) is not None, store.opening_hours
