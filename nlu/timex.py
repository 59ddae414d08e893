"""Time expressions: find them (今晚, 明天中午, 下周五晚上7点, tomorrow at 7pm, this
weekend) and resolve them to a concrete window in the user's timezone.

Resolution rules (documented in README "Understanding what people type"):
- a day alone is the whole day; 周末 / weekend is Saturday 00:00 to Monday 00:00 of
  this week (next week's with 下 / next);
- a bare weekday is its next occurrence from today (today included); 下周五 / next
  Friday is the Friday of next week (weeks start on Monday);
- parts of the day: morning 06-11, 上午 09-12, noon 11-14, afternoon 13-18,
  evening / 晚上 / tonight 17-22, night 21-24;
- a clock time is the hour that starts there; 1 to 9 o'clock with no "am" or morning
  word means the evening (people book dinner, not breakfast, at "7点");
- with no day, a time that has already passed today means tomorrow;
- a date without a year is the next such day (a year said is kept); a day the
  calendar does not have (2月30日) is no time at all; "31号" is the next month's
  31st when this one has none.
`resolve_moment` / `read_alone` are the same words for someone scheduling (a
merchant): a moment or a day, with 1 to 9 o'clock as said.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nlu.literals import gated, scan
from nlu.numbers import CN_NUMERAL, to_number
from nlu.text import normalize
from nlu.types import TimeWindow

_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAYS_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
                "saturday": 5, "sunday": 6}
_MONTHS_EN = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}

_PARTS = {  # name -> (start hour, end hour)
    "morning": (6, 11), "am_half": (9, 12), "noon": (11, 14), "afternoon": (13, 18),
    "dusk": (17, 19), "evening": (17, 22), "night": (21, 24), "small_hours": (0, 5),
}
_PART_WORDS = {
    "早上": "morning", "早晨": "morning", "清晨": "morning", "上午": "am_half", "中午": "noon",
    "下午": "afternoon", "傍晚": "dusk", "晚上": "evening", "晚间": "evening", "夜里": "night",
    "夜晚": "night", "半夜": "night", "宵夜": "night", "夜宵": "night", "凌晨": "small_hours",
    "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
    "noon": "noon", "midday": "noon", "lunchtime": "noon", "dinnertime": "evening",
    "late night": "night", "tonight": "evening", "tonite": "evening",
}
_DAY_WORDS = {
    "今天": 0, "今日": 0, "今儿": 0, "今晚": 0, "今早": 0, "明天": 1, "明日": 1, "明儿": 1,
    "明晚": 1, "明早": 1, "后天": 2, "后晚": 2, "大后天": 3,
    "每天": 0, "每晚": 0, "昨天": -1, "昨晚": -1, "yesterday": -1, "last night": -1,
    "today": 0, "tonight": 0, "tonite": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1,
    "the day after tomorrow": 2, "day after tomorrow": 2,
}
_DAY_PART_OF = {"今晚": "evening", "每晚": "evening", "昨晚": "evening", "last night": "evening",
                "明晚": "evening", "后晚": "evening", "今早": "morning",
                "明早": "morning", "tonight": "evening", "tonite": "evening"}

_CN_HOUR = "[一二两三四五六七八九十]{1,3}"
_ZH_DAY = (r"大后天|每天|每晚|昨天|昨晚|今天|今日|今儿|今晚|今早|明天|明日|明儿|明晚|明早|后天|后晚"
           r"|(?:这个?|本|下个?)?(?:周末|(?:周|星期|礼拜)[一二三四五六日天1-7])"
           rf"|(?:\d{{1,2}}|{CN_NUMERAL})月(?:\d{{1,2}}|{CN_NUMERAL})[日号]"
           rf"|(?:\d{{1,2}}|{CN_NUMERAL})号")
_ZH_PART = "早上|早晨|清晨|上午|中午|下午|傍晚|晚上|晚间|夜里|夜晚|半夜|宵夜|夜宵|凌晨"
_ZH_CLOCK_DIGIT = r"\d{1,2}(?:[:：]\d{2}|[点时](?:半|一刻|三刻|\d{1,2}分?)?(?:钟)?)"
_ZH_CLOCK_CN = rf"{_CN_HOUR}[点时](?:半|一刻|三刻|{_CN_HOUR}分?)?(?:钟)?"
_EN_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
             r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_EN_HOUR_WORD = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_ORDINALS = {w: i + 1 for i, w in enumerate(str.split(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
    "twentieth"))}
_ORDINALS.update({f"twenty{sep}{w}": 20 + n for w, n in list(_ORDINALS.items())[:9]
                  for sep in ("-", " ")})
_ORDINALS.update({"thirtieth": 30, "thirty-first": 31, "thirty first": 31})
_EN_ORDINAL = (r"(?:(?:twenty|thirty)[- ])?(?:first|second|third|fourth|fifth|sixth|seventh"
               r"|eighth|ninth)|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth"
               r"|twentieth|thirtieth")
_EN_DAY = (r"the day after tomorrow|day after tomorrow|yesterday|last night|today|tonight"
           r"|tonite|tomorrow|tmrw?"
           r"|(?:this|next|coming) weekends?|weekends?"
           rf"|(?:(?:this|next|coming|on) )?(?:{_EN_WEEKDAY})s?"
           rf"|{_EN_MONTH} (?:the )?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_EN_ORDINAL})(?:,? \d{{4}})?"
           rf"|(?:the )?\d{{1,2}}(?:st|nd|rd|th) of {_EN_MONTH}(?:,? \d{{4}})?"
           rf"|the (?:{_EN_ORDINAL}) of {_EN_MONTH}(?:,? \d{{4}})?"
           r"|(?<![\d/])(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])/(?:\d{4}|\d{2})(?![\d/])"
           r"|on (?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])(?![\d/])"
           r"|(?:the )?\d{1,2}(?:st|nd|rd|th) of (?:this|next) month"
           r"|(?:on )?the \d{1,2}(?:st|nd|rd|th)(?![a-z])"
           r"|(?:this|next|coming) (?:week|month|year|spring|summer|autumn|fall|winter)"
           rf"|in (?:a|an|\d{{1,3}}|{_EN_HOUR_WORD}|twenty|thirty|forty|fifty|sixty) "
           r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)"
           rf"|(?:a|an|\d{{1,3}}|{_EN_HOUR_WORD}|twenty|thirty) "
           r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?) from now"
           r"|midnight|sunset|sunrise")
_EN_PART = (r"(?:in the |this |tomorrow )?(?:morning|afternoon|evening)|late night|night"
            r"|noon|midday|lunchtime|dinnertime")
_EN_CLOCK = (r"\d{1,2}(?::\d{2}|\.\d{2})?\s?(?:a\.?m\.?|p\.?m\.?|o'?clock)(?![a-z])"
             r"|\d{1,2}:\d{2}"
             rf"|(?:{_EN_HOUR_WORD})(?: thirty| fifteen| forty[- ]five)?\s?(?:am|pm|o'?clock)\b"
             rf"|(?:half past|quarter past|quarter to) (?:\d{{1,2}}|{_EN_HOUR_WORD})"
             r"|(?<=at )\d{1,2}(?![\d:.%]| ?(?:people|persons|guests|km|miles?|m\b|bucks|"
             r"dollars|yuan|元|块|人|位))")

_PIECE = gated(
    rf"(?P<zday>{_ZH_DAY})|(?P<zpart>{_ZH_PART})|(?P<zclock>{_ZH_CLOCK_DIGIT})"
    rf"|(?P<zcn>{_ZH_CLOCK_CN})"
    rf"|(?<![a-z])(?:(?P<eday>{_EN_DAY})|(?P<epart>{_EN_PART})|(?P<eclock>{_EN_CLOCK}))"
    r"(?![a-z])")
_FILLER = re.compile(r"[\s,.!:;~-]*(?:(?:on|at|by|until|till|from|starting|到|至|截至|截止|在|从)"
                     r"[\s,.!:;~-]*)?")  # what may stand around a time said alone
_JOINER = re.compile(r"^(?:\s*(?:,|at|on|in the|around|about|by|的|,)?\s*)$")
# A Chinese-numeral hour ("一点") needs a day or part of day next to it: 便宜一点 is "a bit".
_ZH_NEEDS_CONTEXT = "zcn"


def find_times(text: str, hits: set[int] | None = None) -> list[tuple[int, int]]:
    """Spans of time expressions in normalized `text`, adjacent pieces joined into one
    ("下周五" + "晚上" + "7点" -> "下周五晚上7点"; "tomorrow" + "at" + "7pm"). `hits` is
    `literals.scan(text)` when the caller has it."""
    pieces: list[tuple[int, int, str]] = []
    for m in _PIECE.finditer(text, scan(text) if hits is None else hits):
        kind = m.lastgroup or ""
        start = m.start()
        if kind == "eclock" and m.group(0).isdigit():
            start -= 3  # keep the "at " that makes a bare number a time: "at 7"
        pieces.append((start, m.end(), kind))
    spans: list[list[int]] = []
    kinds: list[set[str]] = []
    for start, end, kind in pieces:
        if spans and _JOINER.match(text[spans[-1][1]:start]):
            spans[-1][1] = end
            kinds[-1].add(kind)
        else:
            spans.append([start, end])
            kinds.append({kind})
    out = []
    for (start, end), ks in zip(spans, kinds, strict=True):
        if ks == {_ZH_NEEDS_CONTEXT}:
            tail = text[end:end + 1]
            if not (text[start:end].endswith(("钟", "半", "刻", "分")) or tail == "钟"):
                continue
        lead = re.match(r"(?:at|on|in|by|around|about)\s", text[start:end])
        if (lead and re.search(r"[a-z]", text[start + lead.end():end]) is not None) \
                or (lead and not text[start + lead.end():end].strip().isdigit()):
            start += lead.end()
        out.append((start, end))
    return out


@dataclass(frozen=True)
class _Said:
    """The pieces of a time expression: a day, a part of the day, a clock time."""

    day: date | None
    whole_weekend: bool
    part: str | None
    clock: tuple[int, int] | None
    am: bool | None  # True: am, False: pm, None: not said


def _read(span: str, today: date) -> _Said | None:
    """The pieces `span` says; None when it names a day the calendar does not have."""
    day: date | None = None
    whole_weekend = False
    part: str | None = None
    clock: tuple[int, int] | None = None
    am: bool | None = None
    for m in _PIECE.pattern.finditer(span):
        piece = m.group(0)
        kind = m.lastgroup
        if kind in ("zday", "eday"):
            resolved = _resolve_day(piece, today)
            if resolved is None:
                return None
            day, whole_weekend = resolved
            part = _DAY_PART_OF.get(piece, part)
        elif kind in ("zpart", "epart"):
            part = _PART_WORDS.get(piece.replace("in the ", "").replace("this ", "")
                                   .replace("tomorrow ", ""), part)
            if piece.startswith("tomorrow"):
                day = today + timedelta(days=1)
        else:
            parsed = _parse_clock(piece)
            if parsed is not None:
                clock, am = parsed
    return _Said(day, whole_weekend, part, clock, am)


def resolve(span: str, now: datetime, tz: ZoneInfo) -> TimeWindow | None:
    """The window that normalized time expression `span` means, seen from `now`."""
    local_now = now.astimezone(tz)
    said = _read(span, local_now.date())
    if said is None or (said.day is None and said.part is None and said.clock is None):
        return None
    return _window(said, local_now, tz, evening_hours=True)


def resolve_moment(span: str, now: datetime, tz: ZoneInfo) -> datetime | date | None:
    """What someone scheduling means by normalized `span` ("下周一早上10点", "next monday
    10am", "明天"): the moment a clock time or part of the day starts, in `tz`; the date
    alone when only a day is said (Saturday for a weekend); None for no time at all.

    Unlike `resolve`, 1 to 9 o'clock is the hour as said (a merchant's "9点" opens the
    shop, it is not dinner); a part of the day still moves it ("晚上9点" is 21:00).
    """
    local_now = now.astimezone(tz)
    said = _read(span, local_now.date())
    if said is None:
        return None
    if said.clock is None and said.part is None:
        return said.day
    return _window(said, local_now, tz, evening_hours=False).start


def read_alone(text: str, now: datetime, tz: ZoneInfo) -> datetime | date | None:
    """`resolve_moment` of a message that is nothing but a time expression (words such
    as "on", "at", "by", "到" around it are fine); None when anything else is in it."""
    norm = normalize(text).strip()
    spans = find_times(norm)
    if len(spans) != 1:
        return None
    start, end = spans[0]
    if not (_FILLER.fullmatch(norm[:start]) and _FILLER.fullmatch(norm[end:])):
        return None
    return resolve_moment(norm[start:end], now, tz)


def _window(said: _Said, local_now: datetime, tz: ZoneInfo, *,
            evening_hours: bool) -> TimeWindow:
    """The window of what was said; with `evening_hours`, a bare 1 to 9 o'clock is the
    evening's."""
    day, part, clock, am = said.day, said.part, said.clock, said.am
    base = day or local_now.date()
    if said.whole_weekend and part is None and clock is None:
        start = datetime.combine(base, time(0), tz)
        return TimeWindow(start, start + timedelta(days=2))
    if clock is not None:
        hour, minute = clock
        later = (part in ("afternoon", "dusk", "evening", "night") and hour < 12) \
            or (part == "noon" and hour < 6) or (evening_hours and part is None
                                                  and 1 <= hour <= 9)
        if (am is False and hour < 12) or (am is None and later):
            hour += 12
        if am is True and hour == 12:
            hour = 0
        start = datetime.combine(base, time(hour % 24, minute), tz)
        if day is None and start < local_now:
            start += timedelta(days=1)
        return TimeWindow(start, start + timedelta(hours=1))
    if part is not None:
        first, last = _PARTS[part]
        start = datetime.combine(base, time(first), tz)
        end = datetime.combine(base, time(0), tz) + timedelta(hours=last)
        if day is None and end <= local_now:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        return TimeWindow(start, end)
    start = datetime.combine(base, time(0), tz)
    return TimeWindow(start, start + timedelta(days=1))


def _resolve_day(piece: str, today: date) -> tuple[date, bool] | None:
    """The date a day word means, and whether it is a whole weekend; None for a day the
    calendar does not have (2月30日, the 31st of a month without one)."""
    if piece in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[piece]), False
    monday = today - timedelta(days=today.weekday())
    nxt = piece.startswith(("下", "next"))
    if "周末" in piece or "weekend" in piece:
        saturday = monday + timedelta(days=5 + (7 if nxt else 0))
        if saturday + timedelta(days=1) < today:
            saturday += timedelta(days=7)
        return max(saturday, today) if not nxt else saturday, True
    m = re.search(r"(?:周|星期|礼拜)(.)", piece)
    if m and m.group(1) in _WEEKDAYS_ZH:
        return _weekday(today, monday, _WEEKDAYS_ZH[m.group(1)], nxt,
                        piece.startswith(("这", "本"))), False
    for name, index in _WEEKDAYS_EN.items():
        if name in piece:
            return _weekday(today, monday, index, nxt, piece.startswith("this")), False
    m = re.search(r"(\S+)月(\S+?)[日号]", piece)
    if m:
        month, dom = to_number(m.group(1)), to_number(m.group(2))
        return _day_or_none(_calendar(today, int(month or 0), int(dom or 0)))
    m = re.fullmatch(r"(\S+?)号", piece)
    if m:
        return _day_or_none(_day_of_month(today, int(to_number(m.group(1)) or 0)))
    m = re.search(r"(\d{1,2})(?:st|nd|rd|th)(?: of (this|next) month)?$", piece)
    if m and not re.search(_EN_MONTH + r" ", piece):
        dom = int(m.group(1))
        if m.group(2) is None:
            return _day_or_none(_day_of_month(today, dom))
        month = today.month % 12 + 1 if m.group(2) == "next" else today.month
        return _day_or_none(_calendar(today, month, dom))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", piece)
    if m:  # month/day[/year], as written in the US
        year = int(m.group(3)) if m.group(3) else None
        if year is not None and year < 100:
            year += 2000
        return _day_or_none(_calendar(today, int(m.group(1)), int(m.group(2)), year))
    piece = re.sub(_EN_ORDINAL, lambda w: f"{_ORDINALS.get(w.group(0), 0)}th", piece)
    m = re.search(rf"({_EN_MONTH}) (?:the )?(\d{{1,2}})", piece) or \
        re.search(rf"(\d{{1,2}})(?:st|nd|rd|th) of ({_EN_MONTH})", piece)
    if m:
        a, b = m.group(1), m.group(2)
        month_word, dom_text = (a, b) if not a[0].isdigit() else (b, a)
        month = _MONTHS_EN.get(month_word[:3], today.month)
        year = re.search(r"\b(\d{4})$", piece)
        return _day_or_none(_calendar(today, month, int(dom_text),
                                      int(year.group(1)) if year else None))
    return today, False


def _day_or_none(day: date | None) -> tuple[date, bool] | None:
    return None if day is None else (day, False)


def _weekday(today: date, monday: date, index: int, nxt: bool, this: bool) -> date:
    if nxt:
        return monday + timedelta(days=7 + index)
    if this:
        return monday + timedelta(days=index)
    ahead = (index - today.weekday()) % 7
    return today + timedelta(days=ahead)


def _calendar(today: date, month: int, dom: int, year: int | None = None) -> date | None:
    """The date with this month and day of month: in `year` when it is said, else the
    next one from today (this year or next); None when the calendar has no such day."""
    for candidate_year in (year,) if year is not None else (today.year, today.year + 1):
        try:
            candidate = date(candidate_year, month, dom)
        except ValueError:
            continue
        if year is not None or candidate >= today:
            return candidate
    return None


def _day_of_month(today: date, dom: int) -> date | None:
    """The next day numbered `dom` from today on ("31号" in November is 31 December)."""
    year, month = today.year, today.month
    for _ in range(13):
        with contextlib.suppress(ValueError):
            candidate = date(year, month, dom)
            if candidate >= today:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _parse_clock(piece: str) -> tuple[tuple[int, int], bool | None] | None:
    """(hour, minute) and whether it is am (True), pm (False) or not said (None)."""
    am: bool | None = None
    if re.search(r"p\.?m", piece):
        am = False
    elif re.search(r"a\.?m", piece):
        am = True
    m = re.match(r"(half past|quarter past|quarter to) (\S+)", piece)
    if m:
        hour = to_number(m.group(2))
        if hour is None:
            return None
        if m.group(1) == "quarter to":
            return ((int(hour) - 1) % 24, 45), am
        return (int(hour), 30 if m.group(1) == "half past" else 15), am
    m = re.match(r"(\d{1,2}|[a-z]+|[一二两三四五六七八九十]{1,3})\s?(?:[:：.点时]\s?(\S*))?",
                 piece)
    if not m:
        return None
    hour = to_number(m.group(1))
    if hour is None or hour > 24:
        return None
    minute = 0
    rest = m.group(2) or ""
    if rest.startswith("半"):
        minute = 30
    elif rest.startswith("一刻"):
        minute = 15
    elif rest.startswith("三刻"):
        minute = 45
    else:
        digits = re.match(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})", rest)
        if digits:
            minute = int(to_number(digits.group(1)) or 0)
    words = re.search(r" (thirty|fifteen|forty[- ]five)", piece)
    if words:
        minute = {"thirty": 30, "fifteen": 15}.get(words.group(1), 45)
    if minute >= 60:
        return None
    return (int(hour), minute), am
