"""What an owner types about a deal, read and checked: the `/newdeal` answers, the
one-line form and (through `services.merchants.deal_import`) every cell of a CSV.

Every answer of the `/newdeal` conversation, every field of the one-line form and every
cell of a CSV import goes through the same `check_*` / `parse_*` functions here, so a
rule (price below the original, dates ahead, lengths bounded) lives in one place. They
raise `DealInputError` with a reason key the handlers translate. Text is cleaned, and
the bounds shared with coupons are set, in `services.platform.merchant_input`.
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
            "currency": self.currency,
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
        )


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


def parse_one_line(text: str, now: datetime, timezone: str,
                   read: TimeReader | None = None) -> DealDraft:
    """`title | price | original price | quantity | last day` (the last two optional)
    -> a draft; every problem found at once, as `DealFormErrors`. `read`: see
    parse_day."""
    fields = [f.strip() for f in re.split(r"[|｜]", text)]
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
    if errors:
        raise DealFormErrors(errors)
    return DealDraft(title=values["title"], price=values["price"],
                     original_price=values["original_price"],
                     valid_until=values["valid_until"], stock=values["stock"])


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
