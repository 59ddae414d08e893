"""`is_offered` answers without building the day's starts: the same answer as looking
for the moment among `day_starts` of its day and the day before, at every 5 minutes of
days around both daylight-saving changes, for late-night and split hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.bookings.slots import Grid, day_starts, is_offered


def _slow(grid: Grid, moment: datetime) -> bool:
    day = moment.astimezone(grid.tz).date()
    return any(moment == s for d in (day - timedelta(days=1), day)
               for s in day_starts(grid, d))


@pytest.mark.parametrize("grid", [
    Grid(hours="11:00-22:00", tz=ZoneInfo("Asia/Shanghai")),
    Grid(hours="18:00-04:00", tz=ZoneInfo("America/New_York"), slot_minutes=15),
    Grid(hours="00:00-24:00", tz=ZoneInfo("America/New_York"), slot_minutes=60,
         last_seating_minutes=0),
    Grid(hours="Mon-Fri 11:15-14:00; Sat 01:00-03:30", tz=ZoneInfo("Europe/London"),
         closed_days=frozenset({2})),
    Grid(hours="", tz=ZoneInfo("Asia/Shanghai")),
])
@pytest.mark.parametrize("first", [date(2026, 3, 6), date(2026, 10, 23), date(2026, 10, 30)])
def test_is_offered_agrees_with_the_days_starts(grid: Grid, first: date) -> None:
    moment = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = moment + timedelta(days=4)
    while moment < end:
        assert is_offered(grid, moment) == _slow(grid, moment), moment
        moment += timedelta(minutes=5)
    assert not is_offered(grid, datetime(2026, 3, 7, 3, 0, 30, tzinfo=UTC))
