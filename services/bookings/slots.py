"""The slot grid of a store, as pure functions: when a sitting may start, and which
15-minute units of a table it occupies.

Times a person sees are the store's wall clock (its `timezone`); times stored are UTC.
A store's day offers a start every `slot_minutes` from opening until `last_seating`
minutes before closing, on its open days, within the booking horizon. A start the clock
skips (the hour lost when daylight saving begins) is not offered; a wall time the clock
shows twice (the hour repeated when it ends) is offered once, the first time.

Capacity is counted per 15-minute unit on UTC boundaries (every real timezone is a
whole number of quarter hours from UTC), so a sitting of `stay_minutes` occupies every
unit it overlaps: the same table is never given twice for overlapping stays, whatever
the slot length was when each was booked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.catalog.hours import parse_hours

UNIT = timedelta(minutes=15)
UNIT_MINUTES = 15


@dataclass(frozen=True)
class Grid:
    """What the slot grid of one store needs to know."""

    hours: str  # the store's opening hours text (`services.catalog.hours` grammar)
    tz: ZoneInfo
    slot_minutes: int = 30
    stay_minutes: int = 90
    horizon_days: int = 14
    last_seating_minutes: int = 60
    closed_days: frozenset[int] = frozenset()  # weekdays, 0 = Monday


def floor_unit(moment: datetime) -> datetime:
    """The start of the 15-minute unit `moment` falls in (UTC)."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % UNIT_MINUTES,
                          second=0, microsecond=0)


def units(starts_at: datetime, stay_minutes: int) -> list[datetime]:
    """Every 15-minute unit (UTC start) a sitting from `starts_at` for `stay_minutes`
    overlaps, in time order."""
    first = floor_unit(starts_at)
    end = starts_at.astimezone(UTC) + timedelta(minutes=stay_minutes)
    out: list[datetime] = []
    unit = first
    while unit < end:
        out.append(unit)
        unit += UNIT
    return out


def _wall_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """The UTC moment a wall-clock minute of `day` is, or None when the clock skips it."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    local = naive.replace(tzinfo=tz, fold=0)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != naive:
        return None  # in the gap of a spring-forward
    return moment


def day_starts(grid: Grid, day: date) -> list[datetime]:
    """The start times (UTC, in order) the store offers on its local `day`, ignoring
    what is booked: on an open day, every `slot_minutes` from each opening until
    `last_seating_minutes` before that opening's close. Empty on a closed day or when
    the hours are unknown."""
    schedule = parse_hours(grid.hours) if grid.hours else None
    if schedule is None or day.weekday() in grid.closed_days:
        return []
    starts: list[datetime] = []
    for opens, closes in sorted(schedule[day.weekday()]):
        last = closes - grid.last_seating_minutes
        minute = opens + (-opens) % grid.slot_minutes  # on the grid of the slot length
        while minute <= last and minute < 24 * 60:
            moment = _wall_to_utc(day, minute, grid.tz)
            if moment is not None and moment not in starts:
                starts.append(moment)
            minute += grid.slot_minutes
    return sorted(starts)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The store's calendar day of a moment."""
    return moment.astimezone(tz).date()


def horizon_end(grid: Grid, now: datetime) -> datetime:
    """The last moment bookable: the end of the store's day `horizon_days` from today."""
    today = local_day(now, grid.tz)
    last = today + timedelta(days=grid.horizon_days)
    naive = datetime(last.year, last.month, last.day) + timedelta(days=1)
    return naive.replace(tzinfo=grid.tz).astimezone(UTC)


def starts_between(grid: Grid, first: datetime, last: datetime) -> list[datetime]:
    """Every start the store offers in [first, last) (UTC), in order."""
    out: list[datetime] = []
    day = local_day(first, grid.tz) - timedelta(days=1)  # a late night may start earlier
    end_day = local_day(last, grid.tz)
    while day <= end_day:
        out.extend(s for s in day_starts(grid, day) if first <= s < last)
        day += timedelta(days=1)
    return sorted(set(out))


def is_offered(grid: Grid, starts_at: datetime) -> bool:
    """Is `starts_at` one of the store's start times (open day, within its hours, on
    its grid)? The same answer as looking for it among `day_starts` of its local day,
    without building them (it is on every booking's path)."""
    local = starts_at.astimezone(grid.tz)
    minute = local.hour * 60 + local.minute
    schedule = parse_hours(grid.hours) if grid.hours else None
    day = local.date()
    if (schedule is None or day.weekday() in grid.closed_days or local.second
            or local.microsecond or minute % grid.slot_minutes):
        return False
    if not any(opens <= minute <= closes - grid.last_seating_minutes
               for opens, closes in schedule[day.weekday()]):
        return False
    # The clock's gap (not offered) and its repeated hour (offered the first time).
    return _wall_to_utc(day, minute, grid.tz) == starts_at


def nearest(starts: Iterable[datetime], wish: datetime, limit: int) -> list[datetime]:
    """The `limit` starts nearest to `wish` (ties: the earlier), in time order."""
    ranked = sorted(starts, key=lambda s: (abs((s - wish).total_seconds()), s))
    return sorted(ranked[:limit])
