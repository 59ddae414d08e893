"""Push settings: may we push this person now, and the /settings values behind it.

A user may pause pushes, lower the platform's daily cap, choose quiet hours and a time
zone. Quiet hours are wall-clock minutes after local midnight (`22:00-08:00` is
`(1320, 480)`; a window whose start is later than its end wraps midnight, and a start
equal to the end means "no quiet hours"). Being wall-clock times, they follow daylight
saving: a window ending at 07:00 in New York ends at 07:00 local time on both sides of
a clock change, and a window whose end the clock jumps over ends at the jump.

The pure functions (`in_quiet_hours`, `next_allowed_moment`, `local_day_bounds` and
the parsers) take aware UTC moments and never read a clock; the database functions
each write with one conditional UPDATE.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, update
from sqlmodel import col

from services.platform.clock import zone
from services.platform.database import Database
from storage.models import User

MINUTES_PER_DAY = 24 * 60
NO_QUIET_HOURS = (0, 0)  # start == end: no quiet hours
MAX_TYPED = 100  # longer answers are not a time window, a zone or a number


@dataclass(frozen=True)
class PushSettings:
    """What decides whether and when a user may get a push.

    `max_per_day` is the effective cap: the user's own choice, never above the
    platform's. Quiet hours are minutes after local midnight in `timezone`.
    """

    paused: bool
    max_per_day: int
    quiet_start: int
    quiet_end: int
    timezone: str

    @property
    def has_quiet_hours(self) -> bool:
        """False when the user turned quiet hours off."""
        return self.quiet_start != self.quiet_end


@dataclass(frozen=True)
class QuietWindow:
    """Quiet hours as typed: minutes after local midnight; start == end means none."""

    start: int
    end: int

    @property
    def is_off(self) -> bool:
        """True for "no quiet hours"."""
        return self.start == self.end


@dataclass(frozen=True)
class Refused:
    """Why a typed answer was not accepted; `reason` is a short code the handler words:

    empty, too_long, format, bad_time, same (quiet hours); unknown, odd_offset
    (time zone); not_number, zero, above_cap (max per day).
    """

    reason: str


# A quiet-hours window: the settings themselves or (start, end, timezone name).
Window = PushSettings | tuple[int, int, str]


# ------------------------------------------------------------------ time zones



def _window(window: Window) -> tuple[int, int, ZoneInfo]:
    if isinstance(window, PushSettings):
        return window.quiet_start, window.quiet_end, zone(window.timezone)
    start, end, timezone = window
    return start, end, zone(timezone)


def _minute_of_day(moment: datetime, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def _inside(start: int, end: int, minute: int) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime is not a moment; give it a time zone")


def in_quiet_hours(window: Window, moment_utc: datetime) -> bool:
    """Is `moment_utc` inside the quiet hours, by the wall clock of the window's zone?"""
    _require_aware(moment_utc)
    start, end, tz = _window(window)
    return _inside(start, end, _minute_of_day(moment_utc, tz))


def last_allowed_moment_before(window: Window, moment_utc: datetime) -> datetime:
    """The last moment at or before `moment_utc` outside the quiet hours (UTC, whole
    minutes): the moment itself when it is outside them, else the minute before the
    window began (a reminder due at 07:30 under quiet hours 22:00-08:00 goes at 21:59
    the evening before). Daylight saving is honoured by checking each candidate on the
    wall clock."""
    _require_aware(moment_utc)
    start, end, tz = _window(window)
    moment = moment_utc.astimezone(UTC)
    if not _inside(start, end, _minute_of_day(moment, tz)):
        return moment
    local = moment.astimezone(tz)
    minute = local.hour * 60 + local.minute
    into = (minute - start) % MINUTES_PER_DAY  # how far into the window
    candidate = (moment - timedelta(minutes=into + 1, seconds=local.second,
                                    microseconds=local.microsecond))
    for _ in range(4 * 26):  # a clock change moved the window: step back to its edge
        if not _inside(start, end, _minute_of_day(candidate, tz)):
            return candidate
        candidate -= timedelta(minutes=15)
    return candidate


def next_allowed_moment(window: Window, moment_utc: datetime) -> datetime:
    """The first moment at or after `moment_utc` outside the quiet hours (UTC): the
    moment itself when it is outside them, else the end of the window.

    Daylight saving is honoured: the window ends when the wall clock reaches its end,
    or when a clock change makes the wall clock jump out of it (an end time the clock
    jumps over ends the window at the jump).
    """
    _require_aware(moment_utc)
    start, end, tz = _window(window)
    moment = moment_utc.astimezone(UTC)
    while True:  # each round either answers or steps onto a clock change
        local = moment.astimezone(tz)
        minute = local.hour * 60 + local.minute
        if not _inside(start, end, minute):
            return moment
        # The wall clock reaches `end` this much later, unless the clock changes first
        # (clock changes are months apart, so at most one falls within a day).
        wait = timedelta(minutes=(end - minute) % MINUTES_PER_DAY,
                         seconds=-local.second, microseconds=-local.microsecond)
        reached = moment + wait
        if reached.astimezone(tz).utcoffset() == local.utcoffset():
            return reached
        moment = _clock_change(tz, moment, reached)


def _clock_change(tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole second at which the UTC offset of `tz` differs from its offset at
    `before`, knowing it differs at `after` (offsets change on whole seconds)."""
    offset = before.astimezone(tz).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def local_day_bounds(timezone: str, moment_utc: datetime) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of the user's local day holding
    `moment_utc`: what "per day" means for the daily push cap. A day with a clock
    change is 23 or 25 hours long."""
    _require_aware(moment_utc)
    tz = zone(timezone)
    today = moment_utc.astimezone(tz).date()
    return _local_midnight(today, tz), _local_midnight(today + timedelta(days=1), tz)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0 reads a skipped midnight with the offset before the jump: the jump itself.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_time(timezone: str, moment_utc: datetime) -> datetime:
    """`moment_utc` on the wall clock of `timezone` (for showing the user their time)."""
    _require_aware(moment_utc)
    return moment_utc.astimezone(zone(timezone))


def format_quiet_hours(start: int, end: int) -> str:
    """`(1320, 480)` -> "22:00-08:00"; "" when there are no quiet hours."""
    if start == end:
        return ""
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


# --------------------------------------------------------------------- parsers


def _normalize(text: str) -> str:
    """Full-width to ASCII, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


_OFF_WORDS = frozenset({"off", "none", "no", "disable", "关闭", "关", "无", "没有", "不要", "取消"})
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
_EVENING = ("下午", "傍晚", "晚上", "夜里", "夜间", "半夜")
_MORNING = ("凌晨", "早上", "早晨", "清晨", "上午", "中午")


def _clock_pattern(n: int) -> str:
    """A time of day as people type it, its groups suffixed with `n`."""
    periods = "|".join(_EVENING + _MORNING)
    return (
        rf"(?P<period{n}>{periods})?\s*"
        rf"(?P<hour{n}>\d{{1,2}}|{_CN_NUMBER})"
        rf"(?:[:.](?P<minute{n}>\d{{2}})"
        rf"|\s*[点點时時](?:(?P<half{n}>半)|(?P<cnminute{n}>\d{{1,2}}|{_CN_NUMBER})分?)?)?"
        rf"\s*(?P<ampm{n}>a\.?m\.?|p\.?m\.?)?"
    )


_QUIET = re.compile(
    rf"^{_clock_pattern(1)}\s*(?:-|~|–|—|至|到|to|until)\s*{_clock_pattern(2)}$"
)


def _number(text: str) -> int | None:
    """`"08"` -> 8, `"十一"` -> 11, `"二十三"` -> 23; None for anything else."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 and text in _CN_DIGITS else None
    tens, _, ones = text.partition("十")
    if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS) or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _clock_minutes(match: re.Match[str], n: int) -> int | None:
    """Minutes after midnight of clock `n` of the match; None when it is no time of day."""
    hour = _number(match[f"hour{n}"])
    minute_text = match[f"minute{n}"] or match[f"cnminute{n}"]
    minute = 30 if match[f"half{n}"] else (_number(minute_text) if minute_text else 0)
    if hour is None or minute is None or minute > 59:
        return None
    period, ampm = match[f"period{n}"], match[f"ampm{n}"]
    if ampm:
        if not 1 <= hour <= 12 or period:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif period in _EVENING:
        if hour == 12:
            hour = 0 if period in ("晚上", "夜里", "夜间", "半夜") else 12
        elif hour < 12:
            hour += 12
    elif period in _MORNING:
        if hour > 12:
            return None
        if hour == 12 and period == "凌晨":
            hour = 0
        elif hour < 12 and period == "中午":
            hour += 12 if hour < 3 else 0
    if hour > 24 or (hour == 24 and minute > 0):
        return None
    return (hour * 60 + minute) % MINUTES_PER_DAY


def parse_quiet_hours(text: str) -> QuietWindow | Refused:
    """Quiet hours as people type them: "22:00-08:00", "22-8", "２２：００－０８：００",
    "晚上10点到早上8点", "10pm-8am"; "off", "关闭" or "无" for none."""
    typed = _normalize(text)
    if not typed:
        return Refused("empty")
    if len(typed) > MAX_TYPED:
        return Refused("too_long")
    if typed in _OFF_WORDS:
        return QuietWindow(*NO_QUIET_HOURS)
    match = _QUIET.match(typed)
    if match is None:
        return Refused("format")
    start, end = _clock_minutes(match, 1), _clock_minutes(match, 2)
    if start is None or end is None:
        return Refused("bad_time")
    if start == end:
        return Refused("same")
    return QuietWindow(start, end)


# Places people name instead of a zone: a small table of the cities our users ask for,
# in both languages (every city of mainland China keeps Beijing time).
_PLACES = {
    "Asia/Shanghai": ("上海", "北京", "福州", "广州", "深圳", "杭州", "成都", "中国", "北京时间",
                      "shanghai", "beijing", "fuzhou", "guangzhou", "shenzhen", "china"),
    "Asia/Hong_Kong": ("香港", "hong kong"),
    "Asia/Taipei": ("台北", "taipei"),
    "Asia/Tokyo": ("东京", "日本", "tokyo", "japan"),
    "Asia/Seoul": ("首尔", "韩国", "seoul", "korea"),
    "Asia/Singapore": ("新加坡", "singapore"),
    "Asia/Bangkok": ("曼谷", "泰国", "bangkok", "thailand"),
    "Asia/Kuala_Lumpur": ("吉隆坡", "kuala lumpur"),
    "Asia/Dubai": ("迪拜", "dubai"),
    "Europe/London": ("伦敦", "英国", "london", "uk"),
    "Europe/Paris": ("巴黎", "法国", "paris", "france"),
    "Europe/Berlin": ("柏林", "德国", "berlin", "germany"),
    "Europe/Moscow": ("莫斯科", "moscow"),
    "America/New_York": ("纽约", "new york", "nyc"),
    "America/Chicago": ("芝加哥", "chicago"),
    "America/Los_Angeles": ("洛杉矶", "旧金山", "los angeles", "san francisco"),
    "America/Toronto": ("多伦多", "toronto"),
    "America/Vancouver": ("温哥华", "vancouver"),
    "Australia/Sydney": ("悉尼", "sydney"),
}
_OFFSET = re.compile(
    r"^(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)


def _key(text: str) -> str:
    """A spelling-tolerant key: no spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]", "", text)


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name by its key ("asia/shanghai"), then each table place and each
    zone's own city ("tokyo") where that city names one zone only."""
    canonical = {name for name in available_timezones()
                 if "/" in name and not name.startswith(("posix/", "right/"))}
    names = {_key(name.lower()): name for name in canonical}
    cities: dict[str, set[str]] = {}
    for name in canonical:
        if not name.startswith("Etc/"):
            cities.setdefault(_key(name.rsplit("/", 1)[1].lower()), set()).add(name)
    names.update({city: zones.pop() for city, zones in cities.items() if len(zones) == 1})
    names.update({_key(place): name for name, places in _PLACES.items() for place in places})
    names["utc"] = names["gmt"] = names["z"] = "UTC"
    return names


def parse_timezone(text: str) -> str | Refused:
    """The IANA zone a user means: a zone name in any case ("asia/shanghai"), a city or
    country in Chinese or English ("上海", "London", "New York", "东京"), or a whole-hour
    offset ("UTC", "UTC+8", "GMT-5" -> Etc/GMT+5: POSIX signs are inverted there)."""
    typed = _normalize(text)
    if not typed:
        return Refused("empty")
    if len(typed) > MAX_TYPED:
        return Refused("too_long")
    offset = _OFFSET.match(typed)
    if offset is not None:
        hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
        if minutes or not -12 <= (hours if offset["sign"] == "+" else -hours) <= 14:
            return Refused("odd_offset")
        if hours == 0:
            return "UTC"
        return f"Etc/GMT{'-' if offset['sign'] == '+' else '+'}{hours}"
    found = _zone_names().get(_key(typed.removesuffix("时间").removesuffix(" time")))
    return found if found is not None else Refused("unknown")


_COUNT = re.compile(r"^(?P<n>\d{1,3})\s*(?:次|条|个|per day|/day|a day)?$")


def parse_max_per_day(text: str, platform_cap: int) -> int | Refused:
    """A daily push cap from 1 to the platform's. 0 is refused: pausing is its own
    button, so nobody stops pushes by accident while meaning "fewer"."""
    typed = _normalize(text)
    if not typed:
        return Refused("empty")
    match = _COUNT.match(typed)
    if match is None:
        return Refused("not_number")
    count = int(match["n"])
    if count == 0:
        return Refused("zero")
    if count > platform_cap:
        return Refused("above_cap")
    return count


# ------------------------------------------------------------------- database


async def get_push_settings(db: Database, user_id: int, platform_cap: int) -> PushSettings:
    """The push settings of a user, the daily cap already limited to `platform_cap`.

    Raises LookupError when there is no such user.
    """
    async with db.session() as session:
        user = await session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    chosen = user.push_max_per_day
    return PushSettings(
        paused=user.push_paused,
        max_per_day=platform_cap if chosen is None else max(0, min(chosen, platform_cap)),
        quiet_start=user.quiet_start,
        quiet_end=user.quiet_end,
        timezone=user.timezone,
    )


async def _update_user(db: Database, user_id: int, now: datetime, **values: object) -> bool:
    """Set `values` on the user in one UPDATE that only matches when something differs;
    True when it changed anything (False: already so, or no such user)."""
    _require_aware(now)
    differs = [col(getattr(User, name)).is_distinct_from(value) for name, value in values.items()]
    async with db.begin() as conn:
        moved = await conn.execute(
            update(User).where(col(User.id) == user_id, or_(*differs))
            .values(**values, updated_at=now)
        )
    return moved.rowcount == 1


async def set_push_paused(db: Database, user_id: int, paused: bool, now: datetime) -> bool:
    """Pause or resume pushes; False when they already were (a double tap)."""
    return await _update_user(db, user_id, now, push_paused=paused)


async def set_max_per_day(db: Database, user_id: int, max_per_day: int | None,
                          now: datetime) -> bool:
    """The user's own daily cap (at least 1), or None for the platform's; False when
    unchanged. The platform cap still limits it when read."""
    if max_per_day is not None and max_per_day < 1:
        raise ValueError("a daily cap is at least 1; pausing is set_push_paused")
    return await _update_user(db, user_id, now, push_max_per_day=max_per_day)


async def set_quiet_hours(db: Database, user_id: int, start: int, end: int,
                          now: datetime) -> bool:
    """Quiet hours as minutes after local midnight (start == end: none); False when
    unchanged."""
    if not (0 <= start < MINUTES_PER_DAY and 0 <= end < MINUTES_PER_DAY):
        raise ValueError("quiet hours are minutes after midnight, 0 to 1439")
    if start == end:
        start, end = NO_QUIET_HOURS
    return await _update_user(db, user_id, now, quiet_start=start, quiet_end=end)


async def set_timezone(db: Database, user_id: int, timezone: str, now: datetime) -> bool:
    """The user's IANA time zone (as `parse_timezone` gives it); False when unchanged."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    return await _update_user(db, user_id, now, timezone=timezone)


async def set_reachable(db: Database, telegram_id: int, reachable: bool, now: datetime) -> bool:
    """Record that a user blocked the bot (`reachable=False`: since `now`, keeping the
    first time on repeats) or unblocked it; False when nothing changed."""
    _require_aware(now)
    was = col(User.unreachable_since)
    async with db.begin() as conn:
        moved = await conn.execute(
            update(User)
            .where(col(User.telegram_id) == telegram_id,
                   was.is_not(None) if reachable else was.is_(None))
            .values(unreachable_since=None if reachable else now, updated_at=now)
        )
    return moved.rowcount == 1
