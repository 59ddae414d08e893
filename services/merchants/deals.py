"""A merchant's deals: checking what the owner typed, publishing, and managing them.

Every answer of the `/newdeal` conversation, every field of the one-line form and every
cell of a CSV import goes through the same `check_*` / `parse_*` functions here, so a
rule (price below the original, dates ahead, lengths bounded) lives in one place. They
raise `DealInputError` with a reason key the handlers translate.

Publishing and every change re-check inside the write that the caller still owns an
approved merchant and that the deal (and its stores) belong to it, so a forged or old
button can never touch someone else's deal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual, build_search_text, is_chinese, vocabulary_changed
from services.catalog.taxonomy import CATEGORIES, category
from services.platform.clock import TimeReader, zone
from services.platform.database import Database
from services.platform.money import minor_digits
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    Order,
    OrderStatus,
    RefundPolicy,
    StaffRole,
    Store,
)

TITLE_LENGTH = (2, 60)
DESCRIPTION_MAX = 500
RULES_MAX = 500
TAGS_MAX = 8
TAG_LENGTH_MAX = 16
PRICE_MAX_MAJOR = 100_000  # a group-buy voucher above ¥100,000 is a typo
QUANTITY_MAX = 1_000_000
PER_USER_MAX = 99
VALID_DAYS_MAX = 366
DEFAULT_VALID_DAYS = 30
CURRENCY = "CNY"
REFUND_POLICIES: tuple[str, ...] = tuple(p.value for p in RefundPolicy)

UNLIMITED_WORDS = frozenset({"不限", "无限", "无限量", "不限量", "unlimited", "∞", "no limit",
                             "none", "-"})
SKIP_WORDS = frozenset({"-", "跳过", "无", "没有", "skip", "none", "no"})
NOW_WORDS = frozenset({"现在", "立即", "马上", "今天", "now", "today", "immediately"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
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


def clean_text(text: str) -> str:
    """NFC, control and zero-width characters gone, runs of spaces squeezed."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


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
        value = Decimal(raw)
    except InvalidOperation:
        raise DealInputError("price-not-number") from None
    if not value.is_finite() or value <= 0:
        raise DealInputError("price-not-positive")
    if value > PRICE_MAX_MAJOR:
        raise DealInputError("price-too-big", max=PRICE_MAX_MAJOR)
    minor = value.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value():
        raise DealInputError("price-decimals", digits=minor_digits(currency))
    return int(minor)


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


# --------------------------------------------------------------------------- owners


@dataclass(frozen=True)
class Seller:
    """The approved merchant an owner sells as, with its stores."""

    merchant_id: int
    name: Bilingual
    category: str
    status: str
    stores: tuple[tuple[int, Bilingual], ...] = field(default=())

    @property
    def approved(self) -> bool:
        return self.status == MerchantStatus.APPROVED

    @property
    def suspended(self) -> bool:
        return self.status == MerchantStatus.SUSPENDED


def owned_merchant_ids(user_id: int, *, approved: bool = False) -> Any:
    """The merchants `user_id` owns, as a subquery for WHERE ... IN (with `approved`,
    only the approved ones). The one rule of who owns a merchant: an `owner` row in
    `merchant_staff` (made with the application, see `services.merchants.applications`);
    the router's owner roles, through `seller_of`, and every owner-only write use it."""
    owned = select(MerchantStaff.merchant_id).where(
        MerchantStaff.user_id == user_id, MerchantStaff.role == StaffRole.OWNER)
    if approved:
        owned = owned.join(Merchant, col(Merchant.id) == col(MerchantStaff.merchant_id)).where(
            Merchant.status == MerchantStatus.APPROVED)
    return owned


async def seller_of(db: Database, user_id: int) -> Seller | None:
    """The merchant `user_id` owns (any status; the first, if several) with its stores;
    None if they own none."""
    async with db.session() as session:
        merchant = (await session.exec(
            select(Merchant).where(col(Merchant.id).in_(owned_merchant_ids(user_id)))
            .order_by(col(Merchant.id))
        )).first()
        if merchant is None or merchant.id is None:
            return None
        stores = (await session.exec(
            select(Store).where(Store.merchant_id == merchant.id).order_by(col(Store.id))
        )).all()
    return Seller(
        merchant.id, Bilingual(merchant.name_zh, merchant.name_en), merchant.category,
        merchant.status,
        tuple((s.id, Bilingual(s.name_zh, s.name_en)) for s in stores if s.id is not None),
    )


# --------------------------------------------------------------------------- publish


@dataclass(frozen=True)
class Published:
    """The outcome of publishing: the new deal's id, or why not."""

    deal_id: int | None
    problem: str | None = None  # not_owner, no_stores, duplicate


def _deal_row(draft: DealDraft, merchant: Merchant, key: str | None,
              now: datetime) -> Deal:
    zh = is_chinese(draft.title)
    deal = Deal(
        merchant_id=merchant.id, key=key,
        title_zh=draft.title if zh else None, title_en=None if zh else draft.title,
        description_zh=(draft.description or None) if zh else None,
        description_en=None if zh else (draft.description or None),
        usage_rules_zh=(draft.usage_rules or None) if zh else None,
        usage_rules_en=None if zh else (draft.usage_rules or None),
        category=draft.category or merchant.category, tags=list(draft.tags),
        price=draft.price, original_price=draft.original_price, currency=draft.currency,
        stock=draft.stock, sold=0, per_user_limit=draft.per_user_limit,
        valid_from=draft.valid_from or now, valid_until=draft.valid_until,
        status=DealStatus.ACTIVE, refund_policy=draft.refund_policy, photo=draft.photo,
        created_at=now, updated_at=now,
    )
    deal.search_text = build_search_text(deal, merchant)
    return deal


async def publish_deals(db: Database, user_id: int, drafts: Sequence[DealDraft],
                        keys: Sequence[str | None], now: datetime) -> list[Published]:
    """Put drafts on sale for the approved merchant `user_id` owns, all in one
    transaction: either every deal is published or none is.

    `keys` make publishing idempotent: a draft whose key already exists is reported as
    `duplicate` and skipped (a double-tapped Publish, a CSV sent twice). A draft naming
    stores of another merchant is refused as a whole (`not_owner`). Publishing bumps the
    vocabulary version in the same transaction (`services.catalog.vocabulary_changed`).
    """
    try:
        async with db.transaction() as session:
            merchant = (await session.exec(
                select(Merchant).where(
                    col(Merchant.id).in_(owned_merchant_ids(user_id, approved=True)))
            )).first()
            if merchant is None or merchant.id is None:
                return [Published(None, "not_owner") for _ in drafts]
            own_stores = set((await session.exec(
                select(Store.id).where(Store.merchant_id == merchant.id))).all())
            if not own_stores:
                return [Published(None, "no_stores") for _ in drafts]
            if any(not set(d.store_ids) <= own_stores for d in drafts):
                return [Published(None, "not_owner") for _ in drafts]
            existing: dict[str, int] = {}
            if wanted := [k for k in keys if k]:
                rows = (await session.exec(
                    select(Deal.key, Deal.id).where(col(Deal.key).in_(wanted)))).all()
                existing = {k: i for k, i in rows if k is not None and i is not None}
            results: list[Published] = []
            for draft, key in zip(drafts, keys, strict=True):
                if key and key in existing:
                    results.append(Published(existing[key], "duplicate"))
                    continue
                deal = _deal_row(draft, merchant, key, now)
                session.add(deal)
                await session.flush()
                assert deal.id is not None
                for store_id in sorted(set(draft.store_ids) or own_stores):
                    session.add(DealStore(deal_id=deal.id, store_id=store_id))
                results.append(Published(deal.id))
                if key:
                    existing[key] = deal.id
            if any(r.problem is None for r in results):  # new words for the parser
                await vocabulary_changed(await session.connection())
    except IntegrityError:  # the same key published by a concurrent tap: all rolled back
        return [Published(None, "duplicate") for _ in drafts]
    return results


# --------------------------------------------------------------------------- manage


@dataclass(frozen=True)
class OwnDeal:
    """One of the owner's deals, as `/deals` lists it."""

    id: int
    title: Bilingual
    price: int
    original_price: int
    currency: str
    stock: int | None
    sold: int
    status: str
    valid_until: datetime
    paid_units: int  # units in paid or fulfilled orders
    pending_units: int  # units held by unpaid orders
    merchant_status: str = MerchantStatus.APPROVED

    @property
    def shown_status(self) -> str:
        """The status as its owner should read it: "hidden" for a deal that is on sale as
        far as it goes but that shoppers cannot see or buy, because its merchant is not
        approved (suspended by the platform); otherwise its own status."""
        if self.status == DealStatus.ACTIVE and self.merchant_status != MerchantStatus.APPROVED:
            return "hidden"
        return self.status


async def list_own_deals(db: Database, user_id: int, *, offset: int = 0,
                         limit: int = 5) -> tuple[list[OwnDeal], int] | None:
    """A page of the deals of the merchant `user_id` owns (newest first) and how many
    there are; None when they own no merchant."""
    seller = await seller_of(db, user_id)
    if seller is None:
        return None
    paid = (
        select(func.coalesce(func.sum(Order.quantity), 0))
        .where(Order.deal_id == Deal.id,
               col(Order.status).in_((OrderStatus.PAID, OrderStatus.FULFILLED)))
        .scalar_subquery()
    )
    held = (
        select(func.coalesce(func.sum(Order.quantity), 0))
        .where(Order.deal_id == Deal.id, Order.status == OrderStatus.PENDING)
        .scalar_subquery()
    )
    async with db.session() as session:
        total = (await session.exec(
            select(func.count()).select_from(Deal).where(Deal.merchant_id == seller.merchant_id)
        )).one()
        rows = (await session.exec(
            select(Deal, paid, held).where(Deal.merchant_id == seller.merchant_id)
            .order_by(col(Deal.status) == DealStatus.ENDED, col(Deal.id).desc())
            .offset(offset).limit(limit)
        )).all()
    return [
        OwnDeal(d.id or 0, Bilingual(d.title_zh, d.title_en), d.price, d.original_price,
                d.currency, d.stock, d.sold, d.status, d.valid_until, int(p), int(h),
                seller.status)
        for d, p, h in rows
    ], int(total)


async def get_own_deal(db: Database, user_id: int, deal_id: int) -> OwnDeal | None:
    """One deal of the merchant `user_id` owns; None for anyone else's (or none)."""
    async with db.session() as session:
        deal = (await session.exec(
            select(Deal).where(Deal.id == deal_id,
                               col(Deal.merchant_id).in_(owned_merchant_ids(user_id)))
        )).first()
        if deal is None or deal.id is None:
            return None
        counts = (await session.exec(
            select(Order.status, func.coalesce(func.sum(Order.quantity), 0))
            .where(Order.deal_id == deal.id).group_by(col(Order.status))
        )).all()
        merchant_status = (await session.exec(
            select(Merchant.status).where(Merchant.id == deal.merchant_id))).one()
    by_status = {s: int(n) for s, n in counts}
    return OwnDeal(deal.id, Bilingual(deal.title_zh, deal.title_en), deal.price,
                   deal.original_price, deal.currency, deal.stock, deal.sold, deal.status,
                   deal.valid_until,
                   by_status.get(OrderStatus.PAID, 0) + by_status.get(OrderStatus.FULFILLED, 0),
                   by_status.get(OrderStatus.PENDING, 0), merchant_status)


# Which status each action leaves and reaches: a pause of an ended deal is refused.
_MOVES = {
    "pause": ((DealStatus.ACTIVE,), DealStatus.PAUSED),
    "resume": ((DealStatus.PAUSED,), DealStatus.ACTIVE),
    "end": ((DealStatus.ACTIVE, DealStatus.PAUSED, DealStatus.DRAFT), DealStatus.ENDED),
}


async def change_status(db: Database, user_id: int, deal_id: int, action: str,
                        now: datetime) -> str:
    """Pause, resume or end a deal of the approved merchant `user_id` owns, with one
    conditional UPDATE. Returns "done", "already" (it is in that state or cannot move),
    "not_approved" (the merchant is suspended or not yet approved) or "not_owner".
    Codes already sold stay valid whatever happens to the deal. A move bumps the
    vocabulary version with it (the deal's words join or leave the parser's)."""
    leaves, reaches = _MOVES[action]
    async with db.begin() as conn:
        result = await conn.execute(
            update(Deal)
            .where(col(Deal.id) == deal_id, col(Deal.status).in_(leaves),
                   col(Deal.merchant_id).in_(owned_merchant_ids(user_id, approved=True)))
            .values(status=reaches, updated_at=now)
        )
        if result.rowcount == 1:
            await vocabulary_changed(conn)  # its words join or leave the parser's
            return "done"
    if await get_own_deal(db, user_id, deal_id) is None:
        return "not_owner"
    seller = await seller_of(db, user_id)
    return "already" if seller and seller.approved else "not_approved"


EDITABLE = ("title", "price", "original_price", "stock", "valid_until")


async def edit_deal(db: Database, user_id: int, deal_id: int, field_name: str, raw: str,
                    now: datetime, timezone: str, read: TimeReader | None = None) -> OwnDeal:
    """Change one field of a deal (checked like `/newdeal` checks it) and return the
    deal as it is now. Raises `DealInputError` for a bad value, `PermissionError` when
    the deal is not the caller's to change. `read`: see parse_day.

    Orders already placed keep their amount: a pending order's invoice or payment page
    still asks the old price, and the payment check compares against the order.
    """
    if field_name not in EDITABLE:
        raise DealInputError("field-unknown")
    async with db.transaction() as session:
        deal = (await session.exec(
            select(Deal).where(
                Deal.id == deal_id,
                col(Deal.merchant_id).in_(owned_merchant_ids(user_id, approved=True)))
            .with_for_update()
        )).first()
        if deal is None:
            raise PermissionError(deal_id)
        if deal.status == DealStatus.ENDED:
            raise DealInputError("deal-ended")
        merchant = await session.get(Merchant, deal.merchant_id)
        assert merchant is not None
        if field_name == "title":
            title = check_title(raw)
            # The other language's title would now describe the old deal: drop it.
            if is_chinese(title):
                deal.title_zh, deal.title_en = title, None
            else:
                deal.title_zh, deal.title_en = None, title
        elif field_name == "price":
            price = parse_price(raw, deal.currency)
            deal.price = price
            check_original_price(price, deal.original_price)
        elif field_name == "original_price":
            deal.original_price = check_original_price(
                deal.price, parse_price(raw, deal.currency))
        elif field_name == "stock":
            deal.stock = parse_count(raw, QUANTITY_MAX, unlimited=True)
        elif field_name == "valid_until":
            deal.valid_until = parse_valid_until(raw, now, timezone, read=read)
        deal.updated_at = now
        deal.search_text = build_search_text(deal, merchant)
        session.add(deal)
        if field_name == "title":  # the parser should know the new name, not the old
            await vocabulary_changed(await session.connection())
    found = await get_own_deal(db, user_id, deal_id)
    assert found is not None
    return found
