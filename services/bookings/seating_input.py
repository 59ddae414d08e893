"""What an owner types about a store's seating (`/seating`), read and checked.

One line, Chinese or English, in any order; only the tables are needed the first time
(the defaults of `SeatingPlan` do the rest):

    2人桌6张 4人桌4张 8人桌1张        2x6 4x4 8x1        2×6, 4×4        双人桌6 四人桌4
    每30分钟 / slot 30                 用餐90分钟 / stay 90 (or 用餐1.5小时, stay 2h)
    提前14天 / ahead 14                打烊前60分钟 / last 60 (or 打烊前1小时, last 1h)
    周一休息 / closed mon              (不休息 / closed none: open every day)
    定金50元 / deposit 50              (无定金 / no deposit)
    2小时前可退 / cancel 2h            时区 America/New_York / timezone America/New_York
    停止订座 / stop                    (take no new bookings; the tables' rows are kept)

`read_seating` gives a `SeatingAnswer` (what was said; None for what was not) and
`SeatingAnswer.plan(current)` the `SeatingPlan` to save: what is left out stays as the
store has it, or takes the default the first time. Both raise `SeatingInputError`
whose `reason` is a translation key suffix (`seating-bad-<reason>`). Text is cleaned
as every merchant input is (`services.platform.merchant_input.clean_text`: NFKC, so
"２×６" is 2x6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.bookings.seating import MAX_SEATS, MAX_TABLES, SeatingPlan
from services.platform.merchant_input import CURRENCY, clean_text
from services.platform.money import minor_digits

LINE_MAX = 300  # characters of one answer
SEATS = (1, MAX_SEATS)
TABLES = (1, MAX_TABLES)
KINDS_MAX = 12  # table types of one store
SLOTS = (15, 30, 60)
STAY = (30, 360)  # minutes, in steps of STEP
STEP = 15
AHEAD = (1, 90)  # days
LAST = (0, 240)  # minutes before closing
DEPOSIT_MAX = 10_000  # major units (yuan)
CANCEL = (0, 72)  # hours before the start

STOP_WORDS = frozenset({
    "0", "停止", "停止订座", "暂停", "暂停订座", "关闭", "关闭订座", "不接受订座", "不订座",
    "stop", "off", "pause", "none", "no bookings", "stop bookings",
    "stop taking bookings", "close bookings"})

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "单": 1, "二": 2, "两": 2, "双": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d+|[零〇一单二两双三四五六七八九十百]{1,4})"
_SEP = r"\s*[x×✕✖*]\s*"
_SEATS_WORD = r"(?:人桌|人台|人位桌?|位桌|座桌|座|人)"
_SEATS_EN = r"(?:\s*-?\s*(?:seats?|seaters?|tops?|persons?|people|pax|p)\b)"
_COUNT_WORD = r"(?:张|桌|台|个)"
_TABLES_EN = r"(?:\s*tables?\b)"

_WEEKDAYS = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
    "mon": 0, "monday": 0, "mondays": 0, "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1,
    "wed": 2, "wednesday": 2, "wednesdays": 2, "thu": 3, "thur": 3, "thurs": 3,
    "thursday": 3, "thursdays": 3, "fri": 4, "friday": 4, "fridays": 4, "sat": 5,
    "saturday": 5, "saturdays": 5, "sun": 6, "sunday": 6, "sundays": 6}
_EN_DAY = (r"(?:mon(?:day)?s?|tue(?:s(?:day)?)?s?|wed(?:nesday)?s?|thu(?:r(?:s(?:day)?)?)?s?"
           r"|fri(?:day)?s?|sat(?:urday)?s?|sun(?:day)?s?)")
_ZH_DAY = r"(?:周|星期|礼拜)[一二三四五六日天1-7]"

_MINUTES = r"(?:分钟|分|(?:min(?:ute)?s?|m)\b)"
_HOURS = r"(?:个?小时|钟头|h(?:ours?|rs?)?\b)"
_AMOUNT = r"(\d+(?:\.\d+)?)"


class SeatingInputError(ValueError):
    """An answer that cannot be used; `reason` names why (the key `seating-bad-<reason>`),
    `args_` what its words need (bounds, the word not understood)."""

    def __init__(self, reason: str, **args: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


@dataclass(frozen=True)
class SeatingAnswer:
    """What one answer said; None for each part it did not mention."""

    tables: tuple[tuple[int, int], ...] | None = None  # (seats, how many), by seats
    stop: bool = False  # take no new bookings
    slot_minutes: int | None = None
    stay_minutes: int | None = None
    horizon_days: int | None = None
    last_seating_minutes: int | None = None
    closed_days: frozenset[int] | None = None
    deposit: int | None = None  # minor units; 0 = none
    cancel_hours: int | None = None
    timezone: str | None = None  # an IANA name; "" = back to the default

    def plan(self, current: SeatingPlan | None = None) -> SeatingPlan:
        """The plan to save: what was said over `current` (the store's plan; None the
        first time: the defaults). Tables must be said unless the store has some;
        `stop` gives a plan with no tables. Raises `SeatingInputError` (no-tables)."""
        base = current or SeatingPlan(())
        tables = () if self.stop else self.tables if self.tables is not None else base.tables
        if not tables and not self.stop:
            raise SeatingInputError("no-tables")
        changes: dict[str, Any] = {"tables": tables}
        for name in ("slot_minutes", "stay_minutes", "horizon_days", "last_seating_minutes",
                     "closed_days", "deposit", "cancel_hours"):
            value = getattr(self, name)
            if value is not None:
                changes[name] = value
        return replace(base, **changes)


def cn_number(text: str) -> int | None:
    """A small number in digits or Chinese numerals (四, 十二, 二十, 两, 双) -> int;
    None when it is not one."""
    if text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:
        if len(text) != 1 or text not in _CN_DIGITS:
            return None
        return _CN_DIGITS[text]
    if "百" in text:
        return None  # a hundred-seat table is not a table
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    high = _CN_DIGITS.get(tens, -1) if tens else 1
    low = _CN_DIGITS.get(ones, -1) if ones else 0
    if high < 1 or low < 0:
        return None
    return high * 10 + low


def _bounded(value: int, bounds: tuple[int, int], reason: str) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise SeatingInputError(reason, min=bounds[0], max=bounds[1])
    return value


def _minutes(number: str, unit: str | None, reason: str) -> int:
    """A duration typed in minutes (no unit) or hours ("1.5小时", "2h") -> minutes."""
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the patterns give digits only
        raise SeatingInputError(reason) from None
    if unit and re.fullmatch(_HOURS, unit.strip().lower()):
        value *= 60
    if value != value.to_integral_value():
        raise SeatingInputError(reason)
    return int(value)


def _deposit(number: str) -> int:
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern gives digits only
        raise SeatingInputError("deposit", max=DEPOSIT_MAX) from None
    if value > DEPOSIT_MAX:
        raise SeatingInputError("deposit", max=DEPOSIT_MAX)
    minor = value.scaleb(minor_digits(CURRENCY))
    if minor != minor.to_integral_value():
        raise SeatingInputError("deposit-decimals", digits=minor_digits(CURRENCY))
    return int(minor)


def _timezone(name: str) -> str:
    if name.lower() in ("default", "默认", "reset"):
        return ""
    if len(name) > 64 or ("/" not in name and name.upper() != "UTC"):
        raise SeatingInputError("timezone", name=name[:40])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SeatingInputError("timezone", name=name[:40]) from None
    return name


def _days(text: str) -> frozenset[int]:
    """The weekdays named in a closed-days phrase ("周一、周二", "mon and tue")."""
    found: set[int] = set()
    for match in re.finditer(r"(?:周|星期|礼拜)([一二三四五六日天1-7])|([a-z]+)", text):
        word = match.group(1) or match.group(2)
        if word in _WEEKDAYS:
            found.add(_WEEKDAYS[word])
    return frozenset(found)


# Each option: (name, pattern); the first group is the value, a second (if any) its unit.
_OPTIONS: tuple[tuple[str, str], ...] = (
    ("timezone", r"(?:时区|\btimezone|\btime zone|\btz)\s*[:=]?\s*([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)*"
                 r"|默认)"),
    ("closed_none", r"(?:全年无休|每天营业|天天营业|不休息|无休息日?|没有休息日|无休|"
                    r"closed\s*(?:none|never|no days?)|open every day|no closed days?)"),
    ("closed", rf"(?:每)?({_ZH_DAY}(?:\s*[、,/和及与&]?\s*(?:{_ZH_DAY}|[一二三四五六日天]))*)"
               r"\s*(?:休息|店休|公休|不营业|关门|闭店|休)"),
    ("closed", rf"\b(?:closed|close|off|shut)\s*(?:on\s*)?[:=]?\s*({_EN_DAY}(?:\s*(?:[,/&+]|and)?"
               rf"\s*{_EN_DAY})*)\b"),
    ("no_deposit", r"(?:无定金|不收定金|免定金|不要定金|没有定金|无押金|不收押金|no deposit)"),
    ("deposit", rf"(?:定金|订金|押金|\bdeposit)\s*[:=]?\s*[¥￥]?\s*{_AMOUNT}\s*"
                r"(?:元|块|rmb|cny|yuan)?"),
    ("deposit", rf"[¥￥]?\s*{_AMOUNT}\s*(?:元|块)\s*(?:定金|订金|押金)"),
    ("cancel", rf"(?:提前|开餐前|开始前|到店前)?\s*(\d+)\s*{_HOURS}\s*(?:前|之前|以前)?\s*"
               r"(?:可退|可以退|退定金|退款|可取消|免费取消|取消可退|取消)"),
    ("cancel", rf"\b(?:cancel(?:lation)?|refund)\s*(?:up\s*to\s*|until\s*)?[:=]?\s*(\d+)"
               rf"\s*(?:{_HOURS})?(?:\s*before)?"),
    ("slot", rf"(?:每|间隔|时段)\s*(\d+)\s*(?:{_MINUTES})?\s*(?:一个?时段|一场|一轮|一档)?"),
    ("slot", rf"\b(?:slots?|every)\s*[:=]?\s*(\d+)\s*(?:{_MINUTES})?"),
    ("stay", rf"(?:用餐|就餐|每桌|吃饭|入座)\s*(?:时长|时间)?\s*(\d+(?:\.\d+)?)\s*"
             rf"({_MINUTES}|{_HOURS})?"),
    ("stay", rf"\b(?:stay|sitting|sittings|dine|dining|duration)\s*[:=]?\s*(\d+(?:\.\d+)?)"
             rf"\s*({_MINUTES}|{_HOURS})?"),
    ("ahead", r"(?:提前|可订|可预订|开放)\s*(\d+)\s*(?:天|日)"),
    ("ahead", r"\b(?:ahead|horizon|advance)\s*[:=]?\s*(\d+)\s*(?:days?|d)?\b"),
    ("ahead", r"(\d+)\s*(?:days?|d)\s*(?:ahead|in advance)"),
    ("last", rf"(?:打烊前|关门前|闭店前|结束前|最晚入座)\s*(\d+(?:\.\d+)?)\s*"
             rf"({_MINUTES}|{_HOURS})?"),
    ("last", rf"\blast(?:\s*seating)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*({_MINUTES}|{_HOURS})?"
             r"(?:\s*before\s*clos(?:e|ing))?"),
)
_COMPILED = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _OPTIONS)

# Tables: "2x6", "2人桌×6", "2-seat x 6", "2人桌6张", "双人桌6", "6张双人桌", "6 tables of 4".
_TABLE_FORMS = (
    re.compile(rf"{_NUM}\s*(?:{_SEATS_WORD}|{_SEATS_EN})?{_SEP}{_NUM}\s*(?:{_COUNT_WORD}|{_TABLES_EN})?",
               re.IGNORECASE),
    re.compile(rf"{_NUM}\s*{_SEATS_WORD}\s*{_NUM}\s*{_COUNT_WORD}?"),
    re.compile(rf"(?P<count>{_NUM[1:-1]})\s*{_COUNT_WORD}\s*(?P<seats>{_NUM[1:-1]})\s*{_SEATS_WORD}"),
    re.compile(rf"(?P<count>\d+){_TABLES_EN}\s*(?:of|for|x|×)\s*(?P<seats>\d+)"
               rf"{_SEATS_EN}?", re.IGNORECASE),
)
_LEFTOVER = re.compile(r"[\s,，、;；.。|/+&]+|\band\b|\bwith\b|和|及|与|还有|另外|各")


def _number(text: str) -> int:
    value = cn_number(text)
    if value is None:
        raise SeatingInputError("unknown", word=text[:20])
    return value


def _take_tables(text: str) -> tuple[list[tuple[int, int]], str]:
    found: list[tuple[int, int]] = []
    order = list(enumerate(_TABLE_FORMS))
    if _TABLE_FORMS[2].match(text.lstrip()):  # "6张双人桌 4张四人桌": the count first
        order.insert(0, order.pop(2))
    for index, form in order:
        def keep(match: re.Match[str], index: int = index) -> str:
            if index >= 2:
                seats, count = _number(match["seats"]), _number(match["count"])
            else:
                seats, count = _number(match.group(1)), _number(match.group(2))
            found.append((seats, count))
            return " "
        text = form.sub(keep, text)
    return found, text


def read_seating(text: str) -> SeatingAnswer:
    """Read one answer of the owner's (see the module's docstring). Raises
    `SeatingInputError`: empty, too-long, unknown (a word not understood: `word`),
    twice (a part said twice: `word`), seats, tables, kinds, slot, stay, ahead, last,
    deposit, deposit-decimals, cancel, timezone, closed-all."""
    line = clean_text(text or "")
    if not line:
        raise SeatingInputError("empty")
    if len(line) > LINE_MAX:
        raise SeatingInputError("too-long", max=LINE_MAX)
    if line.lower().strip(" .。!！") in STOP_WORDS:
        return SeatingAnswer(stop=True)
    said: dict[str, Any] = {}

    def note(name: str, value: Any, word: str) -> None:
        if name in said:
            raise SeatingInputError("twice", word=word.strip()[:30])
        said[name] = value

    rest = line
    for name, pattern in _COMPILED:
        for match in list(pattern.finditer(rest)):
            word = match.group(0)
            value = match.group(1) if match.groups() else ""
            unit = match.group(2) if (match.lastindex or 0) >= 2 else None
            if name == "timezone":
                note(name, _timezone(value), word)
            elif name == "closed_none":
                note("closed_days", frozenset(), word)
            elif name == "closed":
                note("closed_days", _days(value.lower()), word)
            elif name == "no_deposit":
                note("deposit", 0, word)
            elif name == "deposit":
                note("deposit", _deposit(value), word)
            elif name == "cancel":
                note("cancel_hours", _bounded(int(value), CANCEL, "cancel"), word)
            elif name == "slot":
                slot = int(value)
                if slot not in SLOTS:
                    raise SeatingInputError("slot", choices=" / ".join(map(str, SLOTS)))
                note("slot_minutes", slot, word)
            elif name == "stay":
                stay = _minutes(value, unit, "stay")
                if not STAY[0] <= stay <= STAY[1] or stay % STEP:
                    raise SeatingInputError("stay", min=STAY[0], max=STAY[1], step=STEP)
                note("stay_minutes", stay, word)
            elif name == "ahead":
                note("horizon_days", _bounded(int(value), AHEAD, "ahead"), word)
            elif name == "last":
                last = _minutes(value, unit, "last")
                note("last_seating_minutes", _bounded(last, LAST, "last"), word)
        rest = pattern.sub(" ", rest)
    if said.get("closed_days") is not None and len(said["closed_days"]) == 7:
        raise SeatingInputError("closed-all")
    pairs, rest = _take_tables(rest)
    leftover = _LEFTOVER.sub(" ", rest).split()
    if leftover:
        raise SeatingInputError("unknown", word=leftover[0][:20])
    tables: tuple[tuple[int, int], ...] | None = None
    if pairs:
        seen: dict[int, int] = {}
        for seats, count in pairs:
            _bounded(seats, SEATS, "seats")
            _bounded(count, TABLES, "tables")
            if seats in seen:
                raise SeatingInputError("twice-seats", seats=seats)
            seen[seats] = count
        if len(seen) > KINDS_MAX:
            raise SeatingInputError("kinds", max=KINDS_MAX)
        tables = tuple(sorted(seen.items()))
    if tables is None and not said:
        raise SeatingInputError("unknown", word=line[:20])
    return SeatingAnswer(tables=tables, **said)
