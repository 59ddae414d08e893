"""What a merchant types when setting up a campaign, read: when it runs
(`parse_schedule` -> `Schedule`, with the calendar arithmetic of recurring rules), to
whom (`parse_audience`), how far (`parse_radius`) and how long it may take to reach
everyone (`parse_window`). Wrong input raises `CampaignInputError` with a reason the
handlers translate. The campaign operations are in `services.marketing.campaigns`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.platform.clock import TimeReader, zone

AUDIENCES = ("all", "nearby", "interest", "lapsed")
SCHEDULES = ("once", "daily", "weekly")
MAX_RADIUS_M = 50_000
MAX_AHEAD = timedelta(days=90)
WINDOWS = (60, 180, 360, 720)  # minutes a run may take to reach everyone
DEFAULT_WINDOW = 180

_WEEKDAYS = {
    "mon": 0, "monday": 0, "一": 0, "1": 0,
    "tue": 1, "tuesday": 1, "二": 1, "2": 1,
    "wed": 2, "wednesday": 2, "三": 2, "3": 2,
    "thu": 3, "thursday": 3, "四": 3, "4": 3,
    "fri": 4, "friday": 4, "五": 4, "5": 4,
    "sat": 5, "saturday": 5, "六": 5, "6": 5,
    "sun": 6, "sunday": 6, "日": 6, "天": 6, "7": 6,
}


class CampaignInputError(ValueError):
    """A campaign request that cannot be taken; `reason` names a translation key part."""

    def __init__(self, reason: str, **args: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


@dataclass(frozen=True)
class Schedule:
    """When a campaign runs: once at `run_at`, or daily / weekly at a local time."""

    kind: str  # once, daily, weekly
    run_at: datetime  # once: the moment; recurring: the first occurrence
    local_time: int = 0  # minutes after midnight in `timezone` (recurring)
    weekday: int | None = None  # weekly: 0 = Monday
    timezone: str = "Asia/Shanghai"


# --------------------------------------------------------------------------- when


def _clock(text: str) -> int | None:
    """"11:00", "11点", "11点半", "9:30pm" -> minutes after midnight."""
    match = re.fullmatch(r"(\d{1,2})(?:[:：.](\d{2})|点(半|(\d{1,2})分?)?)?\s*(am|pm)?", text)
    if match is None:
        return None
    hour = int(match.group(1))
    minute = int(match.group(2) or match.group(4) or 0) + (30 if match.group(3) == "半" else 0)
    if match.group(5) == "pm" and hour < 12:
        hour += 12
    elif match.group(5) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def parse_schedule(text: str, now: datetime, timezone: str,
                   read: TimeReader | None = None) -> Schedule:
    """Read when to run: "now", "in 10 minutes", "2026-11-27 11:00", "明天 11:00",
    "11:00" (today), "every Friday 11:00", "每周五 11:00", "每天 11:00"; and, through
    `read` (the NLU's, handed in by the handlers), what people say beyond these:
    "下周一早上10点", "next monday 10am", "每天早上9点".

    Times are in `timezone` (the merchant's). Raises CampaignInputError("past") for a
    moment gone by, "too_far" beyond 90 days, "no_time" for a day without a time of day
    and "schedule" for anything unreadable.
    """
    tz = zone(timezone)
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    raw = re.sub(r"\s+", " ", raw)[:100]
    if raw in ("now", "现在", "立即", "马上", "立刻"):
        return Schedule("once", now, timezone=timezone)
    if match := re.fullmatch(r"(?:in )?(\d{1,4}) ?(?:min(?:ute)?s?|分钟)(?: ?(?:later|后|之后))?",
                             raw):
        return _once(now + timedelta(minutes=int(match.group(1))), now, timezone)
    if match := re.fullmatch(r"(?:in )?(\d{1,3}) ?(?:h|hours?|小时)(?: ?(?:later|后|之后))?", raw):
        return _once(now + timedelta(hours=int(match.group(1))), now, timezone)
    if match := re.fullmatch(r"(?:every ?day|daily|每天|每日) ?(.+)", raw):
        minutes = _time_of_day(match.group(1).strip(), read)
        return _recurring("daily", None, minutes, now, timezone)
    if match := re.fullmatch(r"(?:every ?|每)(?:周|星期|礼拜)?([a-z]+|[一二三四五六日天1-7]) ?(.+)",
                             raw):
        weekday = _WEEKDAYS.get(match.group(1))
        if weekday is None:
            raise CampaignInputError("schedule")
        minutes = _time_of_day(match.group(2).strip(), read)
        return _recurring("weekly", weekday, minutes, now, timezone)
    moment = _own_moment(raw, now, tz)
    if moment is None and read is not None:
        said = read(text)
        if said is not None and not isinstance(said, datetime):
            raise CampaignInputError("no_time")  # a day alone: when on that day?
        moment = said
    if moment is None:
        raise CampaignInputError("schedule")
    return _once(moment.astimezone(now.tzinfo), now, timezone)


def _own_moment(raw: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """"2026-11-27 11:00", "12月1日 11:00", "明天 11:00", "11:00" (today) -> the moment;
    None when it is not one of these."""
    local_now = now.astimezone(tz)
    day = local_now.date()
    rest = raw
    if match := re.fullmatch(r"(today|tomorrow|今天|明天|后天) ?(.+)", raw):
        day += timedelta(days={"tomorrow": 1, "明天": 1, "后天": 2}.get(match.group(1), 0))
        rest = match.group(2)
    elif match := re.fullmatch(r"(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日? ?(.+)", raw):
        year = int(match.group(1) or day.year)
        try:
            day = day.replace(year=year, month=int(match.group(2)), day=int(match.group(3)))
        except ValueError as exc:
            raise CampaignInputError("schedule") from exc
        if match.group(1) is None and day < local_now.date():
            day = day.replace(year=day.year + 1)
        rest = match.group(4)
    minutes = _clock(rest.strip())
    if minutes is None:
        return None
    return datetime.combine(day, time(minutes // 60, minutes % 60), tz)


def _time_of_day(text: str, read: TimeReader | None) -> int:
    """A recurring rule's time: "11:00", "11点半", or what `read` makes of "早上9点"."""
    minutes = _clock(text)
    if minutes is None and read is not None:
        said = read(text)
        if isinstance(said, datetime):
            minutes = said.hour * 60 + said.minute
    if minutes is None:
        raise CampaignInputError("schedule")
    return minutes


def _once(moment: datetime, now: datetime, timezone: str) -> Schedule:
    if moment < now - timedelta(seconds=30):
        raise CampaignInputError("past")
    if moment > now + MAX_AHEAD:
        raise CampaignInputError("too_far")
    return Schedule("once", max(moment, now), timezone=timezone)


def _recurring(kind: str, weekday: int | None, minutes: int, now: datetime,
               timezone: str) -> Schedule:
    first = next_occurrence(kind, weekday, minutes, timezone, now)
    return Schedule(kind, first, local_time=minutes, weekday=weekday, timezone=timezone)


def next_occurrence(kind: str, weekday: int | None, local_time: int, timezone: str,
                    after: datetime) -> datetime:
    """The first start of a daily / weekly rule at or after `after` (UTC)."""
    tz = zone(timezone)
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(9):
        if kind == "daily" or day.weekday() == weekday:
            start = datetime.combine(day, time(local_time // 60, local_time % 60), tz)
            if start >= after:
                return start.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise ValueError("no occurrence within a week")  # pragma: no cover - weekday in 0..6


# --------------------------------------------------------------------------- whom, where


OUTSIDERS = frozenset({
    "everyone", "everybody", "all users", "all people", "anyone", "the public", "public",
    "所有人", "全部人", "大家", "所有用户", "全部用户", "全体用户", "任何人", "陌生人",
})
_AUDIENCE_WORDS = {
    "all": ("all", "all followers", "followers", "my followers", "粉丝", "所有粉丝", "全部粉丝",
            "全部", "所有", "关注者", "所有关注者", "全部关注者"),
    "nearby": ("nearby", "near", "near me", "附近", "附近的粉丝", "附近粉丝"),
    "interest": ("interest", "interested", "interests", "兴趣", "感兴趣", "感兴趣的粉丝"),
    "lapsed": ("lapsed", "lapsed customers", "old customers", "老客", "老顾客", "流失",
               "流失老客", "流失客户"),
}
_AUDIENCE_OF = {word: audience for audience, words in _AUDIENCE_WORDS.items()
                for word in words}
_RADIUS = re.compile(r"(\d{1,9}(?:\.\d{1,3})?)(km|公里|千米|m|米)?")
_WINDOW = re.compile(r"(\d{1,4})(h|hours?|小时|个小时|min|minutes?|分钟)?")


def _words(text: str) -> str:
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", raw)[:100]


def parse_audience(text: str) -> str:
    """A typed audience: "all followers", "附近", "lapsed", ... -> one of AUDIENCES.

    Raises CampaignInputError("audience") for people outside the followers ("everyone",
    "所有人"): pushes only go to followers; "audience_unknown" for anything else.
    """
    words = _words(text)
    if words in OUTSIDERS:
        raise CampaignInputError("audience")
    audience = _AUDIENCE_OF.get(words)
    if audience is None:
        raise CampaignInputError("audience_unknown")
    return audience


def parse_radius(text: str) -> int:
    """A typed distance in metres: "2km", "800m", "2公里", "1.5 km"; a bare number up to
    50 is kilometres, above it metres. Raises CampaignInputError("radius") unless it is
    between 100 m and MAX_RADIUS_M."""
    match = _RADIUS.fullmatch(_words(text).replace(" ", ""))
    if match is None:
        raise CampaignInputError("radius")
    amount = float(match.group(1))
    unit = match.group(2) or ("km" if amount <= MAX_RADIUS_M // 1000 else "m")
    metres = round(amount * 1000) if unit in ("km", "公里", "千米") else round(amount)
    if not 100 <= metres <= MAX_RADIUS_M:
        raise CampaignInputError("radius")
    return metres


def parse_window(text: str) -> int:
    """A typed sending window: "3h", "6小时", "180 min", "180", a bare number of hours ->
    one of WINDOWS in minutes. Raises CampaignInputError("window") for any other length."""
    match = _WINDOW.fullmatch(_words(text).replace(" ", ""))
    if match is None:
        raise CampaignInputError("window")
    amount, unit = int(match.group(1)), match.group(2)
    if unit is None:  # a bare number: minutes when it is one of ours ("180"), else hours
        minutes = amount if amount in WINDOWS else amount * 60
    else:
        minutes = amount if unit.startswith("min") or unit == "分钟" else amount * 60
    if minutes not in WINDOWS:
        raise CampaignInputError("window")
    return minutes
