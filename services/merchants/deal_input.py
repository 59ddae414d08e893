"""What an owner types about a deal, read and checked: the `/newdeal` answers, the
one-line form and (through `services.merchants.deal_import`) every cell of a CSV.

Every answer of the `/newdeal` conversation, every field of the one-line form and every
cell of a CSV import goes through the same `check_*` / `parse_*` functions here, so a
rule (price below the original, dates ahead, lengths bounded) lives in one place. They
raise `DealInputError` with a reason key the handlers translate. Text is cleaned, and
the bounds shared with coupons are set, in `services.platform.merchant_input`.

A group deal (拼团) is read here too: its size, group price and window (`GROUP_SIZE`,
`GROUP_HOURS`: the bounds `services.orders.groups` keeps as well), typed as one answer
("3人 39元 24小时", "3 people ¥39 24h", "3/39/24") by `parse_group`, or cell by cell
(`parse_group_size`, `parse_group_price`, `parse_group_hours`) from a CSV.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.catalog.taxonomy import CATEGORIES, category
from services.platform.clock import TimeReader, zone
from services.platform.merchant_input import (
    CURRENCY,
    DEFAULT_VALID_DAYS,
    PER_USER_MAX,
    QUANTITY_MAX,
    UNLIMITED_WORDS,
    VALID_DAYS_MAX,
    AmountError,
    clean_text,
    read_amount,
)
from storage.models import RefundPolicy

TITLE_LENGTH = (2, 60)
DESCRIPTION_MAX = 500
RULES_MAX = 500
TAGS_MAX = 8
TAG_LENGTH_MAX = 16
REFUND_POLICIES: tuple[str, ...] = tuple(p.value for p in RefundPolicy)

SKIP_WORDS = frozenset({"-", "跳过", "无", "没有", "skip", "none", "no"})

# A group deal (拼团): how many people, and for how long a group stays open. One place
# for the bounds: `services.orders.groups` reads them from here.
GROUP_SIZE = (2, 50)
GROUP_HOURS = (1, 168)
GROUP_HOURS_DEFAULT = 24  # a group answer that names no window
GROUP_OFF_WORDS = SKIP_WORDS | frozenset({
    "不拼团", "不开团", "不要拼团", "取消拼团", "关闭拼团", "关闭", "不要", "否",
    "off", "no group", "no group buy", "not a group deal"})
NOW_WORDS = frozenset({"现在", "立即", "马上", "今天", "now", "today", "immediately"})
_CURRENCY_NOISE = re.compile(r"(?i)^(¥|￥|rmb|cny|人民币)\s*|\s*(元|块钱|块|rmb|cny|yuan)$")


class DealInputError(ValueError):
    """An answer that cannot be used; `reason` names why (a translation key suffix)."""

    def __init__(self, reason: str, **args: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


@dataclass(frozen=True)
class DealDraft:
    """A deal as the owner described it, every field already checked."""

    title: str
    price: int  # minor units
    original_price: int
    valid_until: datetime  # UTC
    valid_from: datetime | None = None  # UTC; None = from the moment it is published
    stock: int | None = None  # None = unlimited
    per_user_limit: int = 1
    description: str = ""
    usage_rules: str = ""
    photo: str | None = None  # a Telegram file id (or a path in the console)
    category: str | None = None  # None = the merchant's own category
    tags: tuple[str, ...] = ()
    refund_policy: str = RefundPolicy.ANYTIME
    store_ids: tuple[int, ...] = ()  # () = every store of the merchant
    currency: str = CURRENCY
    group_size: int | None = None  # a group deal (拼团): None = not one
    group_price: int | None = None  # minor units, below `price`
    group_hours: int | None = None

    @property
    def group(self) -> GroupTerms | None:
        """The group deal's terms, or None when it is not one."""
        if self.group_size is None or self.group_price is None or self.group_hours is None:
            return None
        return GroupTerms(self.group_size, self.group_price, self.group_hours)

    def as_data(self) -> dict[str, Any]:
        """JSON-friendly form (kept in the conversation state)."""
        return {
            "title": self.title, "price": self.price, "original_price": self.original_price,
            "valid_until": self.valid_until.isoformat(),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "stock": self.stock, "per_user_limit": self.per_user_limit,
            "description": self.description, "usage_rules": self.usage_rules,
            "photo": self.photo, "category": self.category, "tags": list(self.tags),
            "refund_policy": self.refund_policy, "store_ids": list(self.store_ids),
            "currency": self.currency, **group_data(self.group),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DealDraft:
        """The draft back from `as_data` (KeyError/ValueError if it is incomplete)."""
        return cls(
            title=str(data["title"]), price=int(data["price"]),
            original_price=int(data["original_price"]),
            valid_until=datetime.fromisoformat(str(data["valid_until"])),
            valid_from=(datetime.fromisoformat(str(data["valid_from"]))
                        if data.get("valid_from") else None),
            stock=None if data.get("stock") is None else int(data["stock"]),
            per_user_limit=int(data.get("per_user_limit") or 1),
            description=str(data.get("description") or ""),
            usage_rules=str(data.get("usage_rules") or ""),
            photo=data.get("photo") or None, category=data.get("category") or None,
            tags=tuple(str(t) for t in data.get("tags") or ()),
            refund_policy=str(data.get("refund_policy") or RefundPolicy.ANYTIME),
            store_ids=tuple(int(s) for s in data.get("store_ids") or ()),
            currency=str(data.get("currency") or CURRENCY),
            **group_data(group_of(data)),
        )


@dataclass(frozen=True)
class GroupTerms:
    """A group deal's terms: `size` people each pay `price` (minor units) and the group
    fills if they all do within `hours` of its opening."""

    size: int
    price: int
    hours: int


def group_data(terms: GroupTerms | None) -> dict[str, int | None]:
    """The draft (and `Deal`) fields of a group deal's terms; all None for "not one"."""
    if terms is None:
        return {"group_size": None, "group_price": None, "group_hours": None}
    return {"group_size": terms.size, "group_price": terms.price, "group_hours": terms.hours}


def group_of(data: dict[str, Any]) -> GroupTerms | None:
    """The group terms `group_data` wrote into a draft's data, or None."""
    size, price, hours = (data.get(k) for k in ("group_size", "group_price", "group_hours"))
    if size is None or price is None or hours is None:
        return None
    return GroupTerms(int(size), int(price), int(hours))


# --------------------------------------------------------------------------- checks


def is_skip(text: str) -> bool:
    """The owner chose to leave an optional field empty ("-", "跳过", "skip")."""
    return clean_text(text).lower() in SKIP_WORDS


def check_title(text: str) -> str:
    """The deal's title: 2 to 60 characters with some letters or digits."""
    title = clean_text(text)
    if len(title) < TITLE_LENGTH[0] or not any(c.isalnum() for c in title):
        raise DealInputError("title-short", min=TITLE_LENGTH[0])
    if len(title) > TITLE_LENGTH[1]:
        raise DealInputError("title-long", max=TITLE_LENGTH[1], length=len(title))
    return title


def check_long_text(text: str, limit: int) -> str:
    """An optional description or usage rules: "" when skipped, at most `limit` long.
    Line breaks are kept (rules are often a list)."""
    if is_skip(text):
        return ""
    lines = [clean_text(line) for line in text.splitlines()]
    value = "\n".join(line for line in lines if line)
    if len(value) > limit:
        raise DealInputError("text-long", max=limit, length=len(value))
    return value


def parse_price(text: str, currency: str = CURRENCY) -> int:
    """A price typed as "88", "88.5", "¥88", "88元", "８８" -> minor units (8800).

    Refuses zero, negatives, more decimals than the currency has, and absurd amounts.
    """
    raw = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "")
    raw = _CURRENCY_NOISE.sub("", raw)
    raw = _CURRENCY_NOISE.sub("", raw)  # "¥88元" has noise on both sides
    try:
        return read_amount(raw, currency)
    except AmountError as problem:
        raise DealInputError(f"price-{_PRICE_KEYS[problem.reason]}", **problem.args_) from None


# The shared amount rule's refusals, in the deal grammar's words.
_PRICE_KEYS = {"unreadable": "not-number", "not-positive": "not-positive",
               "too-big": "too-big", "decimals": "decimals"}


def check_original_price(price: int, original_price: int) -> int:
    """The original price must be above the deal price (else it is no deal)."""
    if original_price <= price:
        raise DealInputError("original-not-above")
    return original_price


def parse_count(text: str, maximum: int, *, unlimited: bool) -> int | None:
    """A whole number from 1 to `maximum` ("100", "１００", "100份"); None for "不限"
    when `unlimited` is allowed."""
    raw = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if unlimited and raw in UNLIMITED_WORDS:
        return None
    raw = re.sub(r"(份|张|个|件|pcs|units?)$", "", raw).strip().replace(",", "")
    if not raw.isascii() or not raw.isdigit():
        raise DealInputError("count-not-number", max=maximum)
    value = int(raw)
    if not 1 <= value <= maximum:
        raise DealInputError("count-range", max=maximum)
    return value


_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


def parse_day(text: str, today: date, read: TimeReader | None = None) -> date:
    """A calendar day typed as 2026-12-31, 2026/12/31, 2026年12月31日, 12-31 or 12月31日.
    Without a year, the next such day from `today` on. Anything else goes to `read`
    (明天, 下周一, tomorrow, dec 31, ...: a moment counts as its day)."""
    raw = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for form in _DATE_FORMS:
        found = form.match(raw)
        if found is None:
            continue
        parts = found.groupdict()
        try:
            if parts.get("y"):
                return date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
            day = date(today.year, int(parts["m"]), int(parts["d"]))
            return day if day >= today else date(today.year + 1, day.month, day.day)
        except ValueError:
            raise DealInputError("date-invalid") from None
    said = read(str(text)) if read is not None else None
    if said is None:
        raise DealInputError("date-unreadable")
    return said.date() if isinstance(said, datetime) else said



def parse_valid_from(text: str, now: datetime, timezone: str,
                     read: TimeReader | None = None) -> datetime | None:
    """When codes start to work: None for "now"/"今天", else the start of that day
    (in the owner's timezone), which may not lie in the past. `read`: see parse_day."""
    if clean_text(text).lower() in NOW_WORDS:
        return None
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    day = parse_day(text, today, read)
    if day < today:
        raise DealInputError("date-past")
    if day == today:
        return None
    if day > today + timedelta(days=VALID_DAYS_MAX):
        raise DealInputError("date-too-far", days=VALID_DAYS_MAX)
    return datetime.combine(day, time(0, 0), tz).astimezone(UTC)


def parse_valid_until(text: str, now: datetime, timezone: str,
                      valid_from: datetime | None = None,
                      read: TimeReader | None = None) -> datetime:
    """The last day codes work, to its end (23:59:59 in the owner's timezone): ahead of
    now and of `valid_from`, at most a year away. `read`: see parse_day."""
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    day = parse_day(text, today, read)
    if day < today:
        raise DealInputError("date-past")
    start = (valid_from or now).astimezone(tz).date()
    if day < start:
        raise DealInputError("until-before-from")
    if day > today + timedelta(days=VALID_DAYS_MAX):
        raise DealInputError("date-too-far", days=VALID_DAYS_MAX)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tz) - timedelta(seconds=1)
    return end.astimezone(UTC)


def default_valid_until(now: datetime, timezone: str) -> datetime:
    """The end of the day `DEFAULT_VALID_DAYS` from now (the one-line form's default)."""
    day = now.astimezone(zone(timezone)).date() + timedelta(days=DEFAULT_VALID_DAYS)
    return parse_valid_until(day.isoformat(), now, timezone)


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags separated by commas, 、 or spaces ("-" for none): at most 8, each short."""
    if is_skip(text):
        return ()
    pieces = re.split(r"[,，、;；#\s]+", clean_text(text))
    tags: list[str] = []
    for piece in pieces:
        tag = piece.strip().lower() if piece.isascii() else piece.strip()
        if not tag:
            continue
        if len(tag) > TAG_LENGTH_MAX:
            raise DealInputError("tag-long", max=TAG_LENGTH_MAX, tag=tag[:20])
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise DealInputError("tags-many", max=TAGS_MAX)
    return tuple(tags)


_POLICY_WORDS = {
    RefundPolicy.ANYTIME: ("anytime", "随时退", "随时", "任意退", "yes"),
    RefundPolicy.ON_EXPIRY: ("on_expiry", "过期退", "过期自动退", "expiry", "on expiry"),
    RefundPolicy.NONE: ("none", "不可退", "不退", "no refund", "no", "不支持退款"),
}


def parse_refund_policy(text: str) -> str:
    """A refund policy by its id or a common word ("随时退", "不可退")."""
    raw = clean_text(text).lower()
    if not raw:
        return RefundPolicy.ANYTIME
    for policy, words in _POLICY_WORDS.items():
        if raw in words:
            return policy
    raise DealInputError("policy-unknown")


def parse_category(text: str) -> str | None:
    """A category by id or name (zh/en/synonym); None when empty (the merchant's)."""
    raw = clean_text(text).lower()
    if not raw:
        return None
    if category(raw) is not None:
        return raw
    for cat in CATEGORIES:
        names = {cat.name_zh, cat.name_en.lower(), *cat.synonyms_zh,
                 *(s.lower() for s in cat.synonyms_en)}
        if raw in names:
            return cat.id
    raise DealInputError("category-unknown")


# --------------------------------------------------------------------------- group deals

_SIZE_UNIT = r"(?:人成团|人团|个人|人|位|名|-?people|-?persons?|ppl|pax|members?)"
_HOUR_UNIT = r"(?:个小时|小时|钟头|hours?|hrs?|h)"
_DAY_UNIT = r"(?:天|days?|d)"
_PRICE_UNIT = r"(?:元|块钱|块|yuan|rmb|cny)"
_NUMBER = r"\d+(?:\.\d+)?"
_GROUP_PART = re.compile(
    rf"(?P<size>{_NUMBER})\s*{_SIZE_UNIT}(?![a-z])"
    rf"|(?:¥|￥|rmb|cny)\s*(?P<price>{_NUMBER})"
    rf"|(?P<amount>{_NUMBER})\s*{_PRICE_UNIT}(?![a-z])"
    rf"|(?P<hours>{_NUMBER})\s*{_HOUR_UNIT}(?![a-z])"
    rf"|(?P<days>{_NUMBER})\s*{_DAY_UNIT}(?![a-z])"
    rf"|(?P<bare>{_NUMBER})"
)
# A label the answer may start with ("拼团 3人 39元", "group: 3/39/24"): the one-line
# form finds its group part by it.
GROUP_LABEL = re.compile(
    r"^(?:拼团|group[ -]?buy|group[ -]?deal|group|team[ -]?deal|team[ -]?buy)\s*[:：=]?\s*",
    re.IGNORECASE)
# Words around the numbers that say nothing more ("3人团 每人39元 24小时内成团").
_GROUP_FILLER = frozenset({
    "内", "以内", "之内", "成团", "团", "拼团", "每人", "每位", "人均", "价", "拼团价", "团价",
    "时限", "在", "和", "的", "within", "in", "for", "at", "each", "per", "person", "group",
    "buy", "deal", "team", "price", "window", "open", "of", "and", "a", "to", "fill",
    "fills", "people", "with"})
_GROUP_FILLER_ZH = sorted((w for w in _GROUP_FILLER if not w.isascii()), key=len, reverse=True)
_GROUP_SEPARATORS = re.compile(r"[\s/|,，、;；·:：=+×*()（）]+")
_CHINESE_NUMERALS = re.compile(r"[一二两三四五六七八九十百]")
_GROUP_SLOTS = ("size", "price", "hours")


def parse_group_size(text: str) -> int:
    """How many people a group needs: a whole number from 2 to 50 ("3", "3人", "３人团",
    "3 people")."""
    raw = clean_text(text).lower()
    raw = re.sub(rf"\s*{_SIZE_UNIT}$", "", raw).strip()
    if not raw.isascii() or not raw.isdigit():
        if _CHINESE_NUMERALS.search(raw):
            raise DealInputError("group-use-digits")
        raise DealInputError("group-size-range", min=GROUP_SIZE[0], max=GROUP_SIZE[1])
    return check_group_size(int(raw))


def check_group_size(size: int) -> int:
    """A group of 2 to 50 people (one person is no group; more is no longer a table)."""
    if not GROUP_SIZE[0] <= size <= GROUP_SIZE[1]:
        raise DealInputError("group-size-range", min=GROUP_SIZE[0], max=GROUP_SIZE[1])
    return size


def parse_group_price(text: str, price: int | None, currency: str = CURRENCY) -> int:
    """What each member pays, typed as a price is ("39", "¥39", "39元", "39.5"): above 0
    and below the single price `price` (when it is known)."""
    group_price = parse_price(text, currency)
    if price is not None:
        check_group_price(group_price, price)
    return group_price


def check_group_price(group_price: int, price: int) -> int:
    """The group price must be below the single price, else nobody needs a group."""
    if group_price >= price:
        raise DealInputError("group-price-not-below")
    return group_price


def parse_group_hours(text: str) -> int:
    """How long a group stays open, in whole hours from 1 to 168: "24", "24h", "24小时",
    "1天" / "1 day" (= 24)."""
    raw = clean_text(text).lower().replace(" ", "")
    found = re.fullmatch(rf"(?P<n>{_NUMBER})(?:(?P<h>{_HOUR_UNIT})|(?P<d>{_DAY_UNIT}))?", raw)
    if found is None:
        if _CHINESE_NUMERALS.search(raw):
            raise DealInputError("group-use-digits")
        raise DealInputError("group-hours-range", min=GROUP_HOURS[0], max=GROUP_HOURS[1])
    return _hours(found["n"], per=24 if found["d"] else 1)


def _hours(number: str, per: int) -> int:
    """A typed number of hours (or of days, `per` 24) as whole hours within bounds."""
    value = float(number) * per
    if value != int(value) or not GROUP_HOURS[0] <= value <= GROUP_HOURS[1]:
        raise DealInputError("group-hours-range", min=GROUP_HOURS[0], max=GROUP_HOURS[1])
    return int(value)


def check_group_window(hours: int, valid_until: datetime, now: datetime) -> int:
    """A group opened `now` must be able to run its whole window before the deal ends:
    `valid_until - now >= hours`. Else the latest window allowed is said, or, with less
    than an hour left, that the deal must run longer first."""
    left = valid_until - now
    if left >= timedelta(hours=hours):
        return hours
    latest = int(left // timedelta(hours=1))
    if latest >= GROUP_HOURS[0]:
        raise DealInputError("group-window-past-deal", hours=hours, latest=latest)
    raise DealInputError("group-deal-ending", hours=hours)


def check_group(terms: GroupTerms, price: int, valid_until: datetime | None,
                now: datetime) -> GroupTerms:
    """The rules a group deal's terms keep with the rest of the deal: the group price
    below `price`, the window within what is left of the deal (when `valid_until` is
    known). Checked when the terms are set and again whenever price or last day move."""
    check_group_price(terms.price, price)
    if valid_until is not None:
        check_group_window(terms.hours, valid_until, now)
    return terms


def is_group_off(text: str) -> bool:
    """The owner said "not a group deal" ("-", "跳过", "不拼团", "no", "off")."""
    return clean_text(text).lower() in GROUP_OFF_WORDS


def parse_group(text: str, price: int, valid_until: datetime | None, now: datetime,
                currency: str = CURRENCY) -> GroupTerms | None:
    """A group deal typed as one answer -> its terms; None for "not a group deal".

    The answer names the size, the group price and (optionally, else 24 h) the window,
    in any order when they carry their units ("3人 39元 24小时", "3 people ¥39 24h",
    "¥39 3人团 1天"), or in that order when they do not ("3/39/24", "3 39"). A leading
    label ("拼团", "group:") and filler words ("每人", "内成团", "each", "within") are
    allowed; anything else is refused, so a typo never becomes a group deal. Each part is
    checked as its own field is, and the whole with `check_group`."""
    if is_group_off(text):
        return None
    raw = GROUP_LABEL.sub("", clean_text(text).lower())
    if is_group_off(raw):
        return None
    parts: dict[str, tuple[str, int]] = {}  # slot -> (typed number, per: 24 for days)
    bare: list[str] = []
    twice: list[str] = []

    def take(found: re.Match[str]) -> str:
        kind = found.lastgroup or "bare"
        number = found[kind]
        if kind == "bare":
            bare.append(number)
            return " "
        slot = {"amount": "price", "days": "hours"}.get(kind, kind)
        if slot in parts:
            twice.append(slot)
        parts[slot] = (number, 24 if kind == "days" else 1)
        return " "

    rest = _GROUP_PART.sub(take, raw)
    for filler in _GROUP_FILLER_ZH:  # Chinese runs words together: "24小时内成团"
        rest = rest.replace(filler, " ")
    words = [w for w in _GROUP_SEPARATORS.split(rest) if w and w not in _GROUP_FILLER]
    if words:
        if _CHINESE_NUMERALS.search("".join(words)):
            raise DealInputError("group-use-digits")
        raise DealInputError("group-unreadable", text=" ".join(words)[:20])
    for number in bare:
        free = next((slot for slot in _GROUP_SLOTS if slot not in parts), None)
        if free is None:
            twice.append("number")
            break
        parts[free] = (number, 1)
    if twice:
        raise DealInputError("group-unreadable", text=raw[:20])
    if "size" not in parts:
        raise DealInputError("group-size-missing")
    if "price" not in parts:
        raise DealInputError("group-price-missing")
    size = parse_group_size(parts["size"][0])
    group_price = parse_group_price(parts["price"][0], price, currency)
    hours = (_hours(*parts["hours"]) if "hours" in parts else GROUP_HOURS_DEFAULT)
    return check_group(GroupTerms(size, group_price, hours), price, valid_until, now)


def parse_one_line(text: str, now: datetime, timezone: str,
                   read: TimeReader | None = None) -> DealDraft:
    """`title | price | original price | quantity | last day` (the last two optional)
    -> a draft; every problem found at once, as `DealFormErrors`. A group deal is one
    more part anywhere after the original price, starting with its label:
    `| 拼团 3人 39元 24小时` or `| group 3/39/24` (read by `parse_group`). `read`: see
    parse_day."""
    fields = [f.strip() for f in re.split(r"[|｜]", text)]
    labelled = [i for i, f in enumerate(fields) if i >= 3 and GROUP_LABEL.match(clean_text(f))]
    group_text = fields[labelled[0]] if labelled else None
    fields = [f for i, f in enumerate(fields) if i not in labelled]
    if len(labelled) > 1:
        raise DealFormErrors([("group", DealInputError("group-twice"))])
    if len(fields) < 3 or len(fields) > 5:
        raise DealFormErrors([("form", DealInputError("one-line-shape", count=len(fields)))])
    errors: list[tuple[str, DealInputError]] = []
    values: dict[str, Any] = {}

    def attempt(name: str, fn: Any, *args: Any) -> None:
        try:
            values[name] = fn(*args)
        except DealInputError as exc:
            errors.append((name, exc))

    attempt("title", check_title, fields[0])
    attempt("price", parse_price, fields[1])
    attempt("original_price", parse_price, fields[2])
    if "price" in values and "original_price" in values:
        attempt("original_price", check_original_price, values["price"],
                values["original_price"])
    quantity = fields[3] if len(fields) > 3 and fields[3] else "不限"
    try:
        values["stock"] = parse_count(quantity, QUANTITY_MAX, unlimited=True)
    except DealInputError as exc:
        errors.append(("stock", exc))
    if len(fields) > 4 and fields[4]:
        attempt("valid_until", parse_valid_until, fields[4], now, timezone, None, read)
    else:
        values["valid_until"] = default_valid_until(now, timezone)
    values["group"] = None
    if group_text is not None and "price" in values:
        attempt("group", parse_group, group_text, values["price"],
                values.get("valid_until"), now)
    if errors:
        raise DealFormErrors(errors)
    return DealDraft(title=values["title"], price=values["price"],
                     original_price=values["original_price"],
                     valid_until=values["valid_until"], stock=values["stock"],
                     **group_data(values["group"]))


def draft_group_problem(data: dict[str, Any], now: datetime) -> DealInputError | None:
    """Why the group terms a draft holds (`DealDraft.as_data`) no longer fit the rest of
    it (a price since lowered, a last day since brought forward, time gone by), or None.
    """
    terms = group_of(data)
    if terms is None or not data.get("price"):
        return None
    until = data.get("valid_until")
    try:
        check_group(terms, int(data["price"]), datetime.fromisoformat(until) if until else None,
                    now)
    except DealInputError as problem:
        return problem
    return None


def answer_step(step: str, text: str, data: dict[str, Any], now: datetime,
                timezone: str, read: TimeReader | None = None) -> dict[str, Any]:
    """The draft field(s) a typed answer to `step` of the guided `/newdeal` sets, given
    what the draft already holds (`data`, as `DealDraft.as_data` writes it). Raises
    `DealInputError` for an answer that cannot be used. `read`: see parse_day."""
    if step == "title":
        return {"title": check_title(text)}
    if step == "description":
        return {"description": check_long_text(text, DESCRIPTION_MAX)}
    if step == "usage_rules":
        return {"usage_rules": check_long_text(text, RULES_MAX)}
    if step == "photo":
        if is_skip(text):
            return {"photo": None}
        raise DealInputError("photo-not-photo")
    if step == "price":
        price = parse_price(text)
        if data.get("original_price"):
            check_original_price(price, int(data["original_price"]))
        return {"price": price}
    if step == "group":
        until = data.get("valid_until")
        return group_data(parse_group(text, int(data["price"]),
                                      datetime.fromisoformat(until) if until else None, now))
    if step == "original_price":
        return {"original_price": check_original_price(int(data["price"]), parse_price(text))}
    if step == "stock":
        return {"stock": parse_count(text, QUANTITY_MAX, unlimited=True)}
    if step == "per_user_limit":
        return {"per_user_limit": parse_count(text, PER_USER_MAX, unlimited=False)}
    if step == "valid_from":
        start = parse_valid_from(text, now, timezone, read)
        return {"valid_from": start.isoformat() if start else None}
    if step == "valid_until":
        first = data.get("valid_from")
        until = parse_valid_until(text, now, timezone,
                                  datetime.fromisoformat(first) if first else None, read)
        return {"valid_until": until.isoformat()}
    if step == "tags":
        return {"tags": list(parse_tags(text))}
    if step == "refund_policy":
        return {"refund_policy": parse_refund_policy(text)}
    raise DealInputError("use-buttons")  # stores and category are chosen with buttons


class DealFormErrors(ValueError):
    """Several fields of a form are wrong: (field, error) pairs, in form order."""

    def __init__(self, errors: Sequence[tuple[str, DealInputError]]) -> None:
        super().__init__(", ".join(f"{f}: {e.reason}" for f, e in errors))
        self.errors = list(errors)
