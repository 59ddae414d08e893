"""Coupons: a merchant's templates, people's wallets, claims, and coupons at checkout.

A `CouponTemplate` is a kind of coupon a merchant hands out (满100减20, 8折 capped at
¥30, a free drink); a `Coupon` is one of them in somebody's wallet. The life of a coupon:

    available --order opened--> held --order paid--> used
        ^                          |                   |
        +-- order cancelled/expired+   whole order refunded (back to available, or
        |                                              expired when its time is up)
        +--valid_until passed--> expired

- `claim` takes one coupon of a template with a conditional UPDATE on the template row
  (`claimed < total_quantity`), so concurrent claimers queue on that row and the last
  coupons are never given twice; the per-person limit is counted after taking the row,
  in the same transaction. Each claim carries a `claim_key` (unique): the same key
  claimed again, however often tapped, returns the coupon it gave the first time.
- At checkout (`services.orders.checkout.start_order`) the buyer's best coupon of the deal's
  merchant is held by the order in the order's own transaction (`hold_for_order`:
  available -> held with `WHERE status = 'available'`, so two orders never hold one
  coupon); paying marks it used, a cancelled or expired order gives it back.

Money rule: a discount never brings an order below one minor unit (¥0.01). Payment
providers refuse to charge 0, and an order nobody pays for would never issue codes; so
`discount_for` gives at most `subtotal - 1`. Before a coupon is made, `impact_on` shows
what it does to the merchant's deals: which it takes below a floor (a share of the
price) or to nothing, so the owner confirms twice; an amount off with no minimum spend
worth every deal's whole price is not made at all (`create_template` says "too_big").

Input: `parse_coupon` reads the ways people write coupons in Chinese and English
("满100减20", "100-20", "20 off 100", "8折", "8.5折", "20% off" with "最高减30" / "cap 30",
"送可乐一杯", "free drink"), plus "7天" / "7 days", "100张", "每人1张" separated by `|`.
Wrong input raises `CouponInputError` with a reason key the handlers translate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.catalog.deal_cards import Bilingual, is_chinese
from services.merchants.deals import owned_merchant_ids, seller_of
from services.platform.database import Database
from services.platform.money import minor_digits
from storage.models import (
    Coupon,
    CouponKind,
    CouponStatus,
    CouponTemplate,
    CouponTemplateStatus,
    Deal,
    DealStatus,
    Merchant,
    MerchantStatus,
    Order,
    OrderStatus,
)

CURRENCY = "CNY"
TEXT_MAX = 200  # a coupon written on one line is short; more is a paste accident
AMOUNT_MAX_MAJOR = 100_000
ITEM_MAX = 30
VALID_DAYS_MAX = 366
DEFAULT_VALID_DAYS = 30
QUANTITY_MAX = 1_000_000
PER_USER_MAX = 99
WELCOME = "welcome"
STOREFRONT_CLAIMS = 3  # claimable templates a storefront shows

_T = CouponTemplate.__table__  # type: ignore[attr-defined]
_C = Coupon.__table__  # type: ignore[attr-defined]
_M = Merchant.__table__  # type: ignore[attr-defined]
_O = Order.__table__  # type: ignore[attr-defined]
_D = Deal.__table__  # type: ignore[attr-defined]


class CouponInputError(ValueError):
    """Input that is not a coupon; `reason` names why (a translation key suffix)."""

    def __init__(self, reason: str, **args: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


class CouponUnavailable(Exception):
    """The coupon asked for at checkout cannot be used on this order (any more)."""


class HasTerms(Protocol):
    """What `discount_for` needs: a template, or the terms of one."""

    kind: str
    amount_off: int
    percent_off: int
    cap: int | None
    min_spend: int


@dataclass(frozen=True)
class CouponTerms:
    """What a coupon gives and how it is handed out, every field already checked."""

    kind: str
    amount_off: int = 0  # minor units (AMOUNT_OFF)
    percent_off: int = 0  # 1..99 (PERCENT_OFF)
    cap: int | None = None  # minor units; PERCENT_OFF's largest discount
    min_spend: int = 0  # minor units; 0 = no minimum
    item: str | None = None  # FREE_ITEM: what is free
    currency: str = CURRENCY
    valid_days: int = DEFAULT_VALID_DAYS  # a claimed coupon is good this many days
    total_quantity: int | None = None  # None: unlimited
    per_user_limit: int = 1

    def as_data(self) -> dict[str, Any]:
        """JSON-friendly form (kept in the conversation state)."""
        return {"kind": self.kind, "amount_off": self.amount_off,
                "percent_off": self.percent_off, "cap": self.cap, "min_spend": self.min_spend,
                "item": self.item, "currency": self.currency, "valid_days": self.valid_days,
                "total_quantity": self.total_quantity, "per_user_limit": self.per_user_limit}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CouponTerms:
        """The terms back from `as_data` (KeyError/ValueError when incomplete)."""
        kind = str(data["kind"])
        if kind not in tuple(CouponKind):
            raise ValueError(kind)
        return cls(
            kind=kind, amount_off=int(data.get("amount_off") or 0),
            percent_off=int(data.get("percent_off") or 0),
            cap=None if data.get("cap") is None else int(data["cap"]),
            min_spend=int(data.get("min_spend") or 0),
            item=str(data["item"]) if data.get("item") else None,
            currency=str(data.get("currency") or CURRENCY),
            valid_days=int(data.get("valid_days") or DEFAULT_VALID_DAYS),
            total_quantity=(None if data.get("total_quantity") is None
                            else int(data["total_quantity"])),
            per_user_limit=int(data.get("per_user_limit") or 1),
        )


# --------------------------------------------------------------------------- money


def applies(terms: HasTerms, subtotal: int) -> bool:
    """Can this coupon be used on an order of `subtotal`? (Its minimum spend is met.)
    A free-item coupon applies too, though it takes no money off."""
    return subtotal >= max(terms.min_spend, 1)


def discount_for(terms: HasTerms, subtotal: int) -> int:
    """Money off an order of `subtotal` minor units (0 when the coupon does not apply).

    满减 (amount off) gives `amount_off` once `min_spend` is reached; 折扣 (percent off)
    gives `subtotal * percent // 100`, at most `cap`; a free item gives no money off (it
    is honoured at the counter). Never more than `subtotal - 1`: an order keeps a total
    of at least one minor unit, because payment providers refuse to charge 0.
    """
    return max(0, min(face_value(terms, subtotal), subtotal - 1))


def face_value(terms: HasTerms, subtotal: int) -> int:
    """What the coupon says it takes off an order of `subtotal` (0 when it does not
    apply), before `discount_for` keeps the order at one minor unit or more: an
    amount off can be worth more than the order."""
    if not applies(terms, subtotal):
        return 0
    if terms.kind == CouponKind.AMOUNT_OFF:
        return terms.amount_off
    if terms.kind == CouponKind.PERCENT_OFF:
        off = subtotal * terms.percent_off // 100
        return off if terms.cap is None else min(off, terms.cap)
    return 0


@dataclass(frozen=True)
class PricedDeal:
    """One of the merchant's deals, as far as a coupon's effect goes."""

    id: int
    title: Bilingual
    price: int  # minor units, one unit
    per_user_limit: int


@dataclass(frozen=True)
class DealEffect:
    """A coupon on one deal: the smallest order it applies to (one unit, or as many as
    its minimum spend needs), what that costs before and after, and the floor."""

    deal_id: int
    title: Bilingual
    quantity: int
    before: int
    after: int  # what the buyer pays (never below one minor unit)
    floor: int  # the least the floor setting lets an order of `before` cost
    below_floor: bool  # the coupon takes the order below the floor (or to nothing)


@dataclass(frozen=True)
class CouponImpact:
    """What a coupon would do to the merchant's deals (on sale or paused)."""

    floor_percent: int
    deals: int  # deals looked at
    effects: tuple[DealEffect, ...]  # deals it applies to, least of the price left first
    too_big: bool  # an amount off with no minimum, worth every deal's whole price

    @property
    def below_floor(self) -> tuple[DealEffect, ...]:
        """The deals the coupon takes below the floor, worst first."""
        return tuple(e for e in self.effects if e.below_floor)

    @property
    def cheapest(self) -> DealEffect | None:
        """The lowest price anybody pays with the coupon."""
        return min(self.effects, key=lambda e: (e.after, e.before), default=None)

    @property
    def dearest(self) -> DealEffect | None:
        """The dearest deal the coupon applies to."""
        return max(self.effects, key=lambda e: e.before, default=None)


def floor_of(price: int, floor_percent: int) -> int:
    """The least an order of `price` may cost after a coupon without a warning:
    `floor_percent` of it, rounded up, and never below one minor unit."""
    return max(1, -(-price * floor_percent // 100))


def impact_on(terms: HasTerms, deals: Sequence[PricedDeal], floor_percent: int) -> CouponImpact:
    """What `terms` does to each deal, judged on the smallest order it applies to (the
    one where it takes the largest share: a bigger order only dilutes it). A deal whose
    per-person limit never reaches the minimum spend is left out. Too big: an amount
    off with no minimum spend that is worth at least the price of every deal."""
    effects: list[DealEffect] = []
    for deal in deals:
        if deal.price <= 0:
            continue
        quantity = max(1, -(-terms.min_spend // deal.price))
        if quantity > max(deal.per_user_limit, 1):
            continue
        before = deal.price * quantity
        floor = floor_of(before, floor_percent)
        effects.append(DealEffect(
            deal.id, deal.title, quantity, before, before - discount_for(terms, before), floor,
            below_floor=before - face_value(terms, before) < floor))
    effects.sort(key=lambda e: (e.after * 10_000 // e.before, e.after, e.deal_id))
    too_big = (terms.kind == CouponKind.AMOUNT_OFF and not terms.min_spend and bool(effects)
               and all(terms.amount_off >= e.before for e in effects))
    return CouponImpact(floor_percent, len(deals), tuple(effects), too_big)


# --------------------------------------------------------------------------- reading input

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_NUMBER = r"(\d+(?:\.\d+)?)"
_ZH_NOISE = re.compile(r"[¥￥]|元|块钱|块|人民币|rmb|cny")
_EN_NOISE = re.compile(r"[¥￥]|\b(?:rmb|cny|yuan)\b")
_ZH_CAP = re.compile(r"[,，、;；]?(?:最高|最多|封顶|上限)(?:减|优惠|抵扣|抵)?" + _NUMBER)
_EN_CAP = re.compile(r",?\s*\(?(?:capped at|cap|max(?:imum)?|up to)\s*" + _NUMBER + r"\)?")
_ZH_AMOUNT = (
    re.compile(r"满" + _NUMBER + r"[,，]?(?:立减|直减|减|优惠|省)" + _NUMBER),
    re.compile(_NUMBER + r"[-－—~]" + _NUMBER),
    re.compile(_NUMBER + r"减" + _NUMBER),
)
_ZH_AMOUNT_ANY = re.compile(r"(?:无门槛)?(?:立减|直减|减|优惠)" + _NUMBER)
_ZH_PERCENT = re.compile(r"(?:满" + _NUMBER + r"[,，]?)?(?:打|享|全场)?(\d(?:\.\d)?|\d\d)折")
_ZH_FREE = re.compile(r"(?:满" + _NUMBER + r"[,，]?)?(?:免费送|免费领|赠送|免费|送|赠)(.+)")
_ZH_FREE_PREFIX = re.compile(r"^(?:满\s*[¥￥]?\s*[\d.]+\s*(?:元|块)?\s*[,，]?\s*)?"
                             r"(?:免费送|免费领|赠送|免费|送|赠)")
_EN_MIN = r"(?:\s+(?:on|for|with|over|above|of)?\s*(?:(?:orders?|spend(?:ing)?)\s+)?" \
          r"(?:of|over|above|from)?\s*" + _NUMBER + r"\s*\+?(?:\s*or more)?)?"
_EN_AMOUNT = (
    re.compile(_NUMBER + r"\s*off" + _EN_MIN),
    re.compile(r"(?:spend|buy)\s*" + _NUMBER + r",?\s*(?:save|get)\s*" + _NUMBER + r"(?:\s*off)?"),
)
_EN_PERCENT = re.compile(_NUMBER + r"\s*%\s*off" + _EN_MIN)
_EN_FREE = re.compile(r"free\s+(.+?)" + r"(?:\s+(?:with|on|over|for)\s+(?:(?:orders?|spend(?:ing)?)"
                      r"\s+)?(?:of|over|above)?\s*" + _NUMBER + r"\s*\+?)?")
_DAYS = re.compile(r"(?:有效期?|valid(?:\s+for)?|validity)?[:：]?\s*(\d+)\s*(?:天|日|days?|d)"
                   r"(?:内?有效)?")
_PER_USER = (
    re.compile(r"(?:每人|每人限领?|限领|每人最多|每位|per person|per user|limit)\s*[:：]?\s*(\d+)"
               r"\s*(?:张|个|次)?(?:/人)?"),
    re.compile(r"(\d+)\s*(?:张|个)?\s*(?:/人|每人|per person|per user|each)"),
)
_QUANTITY = re.compile(r"(?:限量|共|发行|总量|数量|total|qty|quantity)?\s*[:：]?\s*(\d+)\s*"
                       r"(?:张|份|个|pcs|coupons?)?")
UNLIMITED_WORDS = frozenset({"不限", "无限", "不限量", "无限量", "unlimited", "no limit", "∞"})


def _clean(text: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", str(text)))
    return " ".join(text.split())


def _amount(text: str, currency: str = CURRENCY, *, zero: str = "amount-zero") -> int:
    """A typed amount ("20", "9.9") in minor units; refuses 0, too many decimals, absurd."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CouponInputError("unreadable") from None
    if not value.is_finite() or value <= 0:
        raise CouponInputError(zero)
    if value > AMOUNT_MAX_MAJOR:
        raise CouponInputError("amount-too-big", max=AMOUNT_MAX_MAJOR)
    minor = value.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value():
        raise CouponInputError("amount-decimals", digits=minor_digits(currency))
    return int(minor)


def _min_spend(text: str | None) -> int:
    return 0 if text is None else _amount(text, zero="min-zero")


def _amount_off(minimum: str | None, off: str) -> CouponTerms:
    min_spend, amount = _min_spend(minimum), _amount(off)
    if min_spend and amount >= min_spend:
        raise CouponInputError("off-not-below-min")
    return CouponTerms(CouponKind.AMOUNT_OFF, amount_off=amount, min_spend=min_spend)


def _percent_off(minimum: str | None, percent: Decimal, cap: int | None) -> CouponTerms:
    if percent != percent.to_integral_value() or not 1 <= percent <= 99:
        raise CouponInputError("percent-range")
    return CouponTerms(CouponKind.PERCENT_OFF, percent_off=int(percent), cap=cap,
                       min_spend=_min_spend(minimum))


def _free_item(minimum: str | None, item: str) -> CouponTerms:
    item = item.strip(" ,，。.!！")
    if not item or not any(ch.isalnum() for ch in item):
        raise CouponInputError("item-bad", max=ITEM_MAX)
    if len(item) > ITEM_MAX:
        raise CouponInputError("item-long", max=ITEM_MAX)
    return CouponTerms(CouponKind.FREE_ITEM, item=item, min_spend=_min_spend(minimum))


def parse_terms(text: str) -> CouponTerms:
    """What a coupon gives, as people write it (validity, quantity and limit are left at
    their defaults): 满100减20, 100-20, 减20, 20 off 100, spend 100 save 20, 8折, 8.5折,
    95折, 满100打8折, 20% off, with 最高减30 / cap 30, 送可乐一杯, 满50送可乐, free drink."""
    cleaned = _clean(text)
    if not cleaned:
        raise CouponInputError("empty")
    if len(cleaned) > TEXT_MAX:
        raise CouponInputError("too-long", max=TEXT_MAX, length=len(cleaned))
    lowered = cleaned.lower()
    free_zh = _ZH_FREE.fullmatch(re.sub(r"\s+", "", _ZH_NOISE.sub("", lowered)))
    if free_zh:  # the item keeps its own spelling and spaces
        item = _ZH_FREE_PREFIX.sub("", cleaned).strip()
        return _free_item(free_zh.group(1), item)
    free_en = _EN_FREE.fullmatch(_EN_NOISE.sub("", lowered).strip())
    if free_en:
        item = cleaned[len("free"):].strip()
        if free_en.group(2) is not None:
            item = re.split(r"\s+(?:with|on|over|for)\s+", item, flags=re.IGNORECASE)[0]
        return _free_item(free_en.group(2), item)
    cap: int | None = None
    compact = re.sub(r"\s+", "", _ZH_NOISE.sub("", lowered))
    if found := _ZH_CAP.search(compact):
        cap = _amount(found.group(1), zero="cap-zero")
        compact = compact[:found.start()] + compact[found.end():]
    spaced = " ".join(_EN_NOISE.sub("", lowered).split())
    if found := _EN_CAP.search(spaced):
        cap = _amount(found.group(1), zero="cap-zero")
        spaced = (spaced[:found.start()] + spaced[found.end():]).strip()
    if found := _ZH_PERCENT.fullmatch(compact):
        tenths = found.group(2)
        # "8折" "8.5折"; two digits are tenths ("95折" = 9.5折) except "10折" (no discount)
        zhe = Decimal(tenths) if "." in tenths or len(tenths) == 1 or tenths == "10" \
            else Decimal(tenths) / 10
        return _percent_off(found.group(1), 100 - zhe * 10, cap)
    if found := _EN_PERCENT.fullmatch(spaced):
        return _percent_off(found.group(2), Decimal(found.group(1)), cap)
    terms: CouponTerms | None = None
    for form in _ZH_AMOUNT:
        if found := form.fullmatch(compact):
            terms = _amount_off(found.group(1), found.group(2))
            break
    else:
        if found := _ZH_AMOUNT_ANY.fullmatch(compact):
            terms = _amount_off(None, found.group(1))
        elif found := _EN_AMOUNT[0].fullmatch(spaced):
            terms = _amount_off(found.group(2), found.group(1))
        elif found := _EN_AMOUNT[1].fullmatch(spaced):
            terms = _amount_off(found.group(1), found.group(2))
    if terms is None:
        raise CouponInputError("unreadable")
    if cap is not None:
        raise CouponInputError("cap-not-percent")
    return terms


def _whole(text: str) -> str:
    return _clean(text).lower()


def parse_valid_days(text: str) -> int:
    """How many days a claimed coupon stays good: "7", "7天", "7 days", "有效期30天"."""
    raw = _whole(text)
    found = _DAYS.fullmatch(raw) or re.fullmatch(r"(\d+)", raw)
    if found is None:
        raise CouponInputError("days-unreadable", max=VALID_DAYS_MAX)
    days = int(found.group(1))
    if not 1 <= days <= VALID_DAYS_MAX:
        raise CouponInputError("days-range", max=VALID_DAYS_MAX)
    return days


def parse_quantity(text: str) -> int | None:
    """How many coupons there are in all: "100", "100张", "限量100"; None for "不限"."""
    raw = _whole(text)
    if raw in UNLIMITED_WORDS:
        return None
    found = _QUANTITY.fullmatch(raw)
    if found is None:
        raise CouponInputError("quantity-unreadable", max=QUANTITY_MAX)
    quantity = int(found.group(1))
    if not 1 <= quantity <= QUANTITY_MAX:
        raise CouponInputError("quantity-range", max=QUANTITY_MAX)
    return quantity


def parse_per_user(text: str) -> int:
    """How many one person may claim: "1", "每人1张", "限领2", "2 per person"."""
    raw = _whole(text)
    found = next((m for form in _PER_USER if (m := form.fullmatch(raw))), None)
    found = found or re.fullmatch(r"(\d+)\s*(?:张|个|次)?", raw)
    if found is None:
        raise CouponInputError("per-user-unreadable", max=PER_USER_MAX)
    limit = int(found.group(1))
    if not 1 <= limit <= PER_USER_MAX:
        raise CouponInputError("per-user-range", max=PER_USER_MAX)
    return limit


def parse_coupon(text: str) -> CouponTerms:
    """A whole coupon on one line: the terms, then any of validity ("7天"), quantity
    ("100张", "不限") and per-person limit ("每人1张"), separated by `|`.

    `满100减20 | 7天 | 100张 | 每人1张`, `20% off, cap 30 | 30 days | unlimited`. A bare
    number after the terms is the quantity. Left out: 30 days, unlimited, one each.
    """
    cleaned = _clean(text)
    if len(cleaned) > TEXT_MAX * 2:
        raise CouponInputError("too-long", max=TEXT_MAX, length=len(cleaned))
    pieces = [p.strip() for p in re.split(r"[|｜\n]", str(text))]
    terms = parse_terms(pieces[0])
    fields: dict[str, Any] = {}
    for piece in pieces[1:]:
        raw = _whole(piece)
        if not raw:
            continue
        if any(form.fullmatch(raw) for form in _PER_USER):
            name, value = "per_user_limit", parse_per_user(raw)
        elif _DAYS.fullmatch(raw):
            name, value = "valid_days", parse_valid_days(raw)
        elif raw in UNLIMITED_WORDS or _QUANTITY.fullmatch(raw):
            name, value = "total_quantity", parse_quantity(raw)
        else:
            raise CouponInputError("piece-unknown", piece=piece.strip()[:30])
        if name in fields:
            raise CouponInputError("piece-twice", piece=piece.strip()[:30])
        fields[name] = value
    return CouponTerms(**{**terms.as_data(), **fields})


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class CouponView:
    """A coupon in somebody's wallet."""

    id: int
    template_id: int
    user_id: int
    merchant_id: int
    merchant_slug: str
    merchant_name: Bilingual
    terms: CouponTerms
    status: str
    source: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class TemplateView:
    """One of a merchant's coupon templates, as `/coupon` lists it."""

    id: int
    merchant_id: int
    terms: CouponTerms
    status: str
    claimed: int
    used: int
    welcome: bool
    valid_until: datetime | None


@dataclass(frozen=True)
class ClaimResult:
    """What a claim did: `claimed` (new coupon), `already` (this key's coupon), or why
    not: `gone` (all claimed), `limit` (per person), `ended` (paused, ended, merchant
    not selling), `expired` (the template's last day passed), `unknown`."""

    outcome: str
    coupon: CouponView | None = None


@dataclass(frozen=True)
class ApplicableCoupon:
    """A coupon that can be used on an order, and what it takes off."""

    coupon: CouponView
    discount: int


@dataclass(frozen=True)
class AppliedCoupon:
    """The coupon an order holds, and its discount."""

    coupon_id: int
    discount: int


def _terms_of(row: Any) -> CouponTerms:
    return CouponTerms(
        kind=row.kind, amount_off=row.amount_off, percent_off=row.percent_off, cap=row.cap,
        min_spend=row.min_spend, item=row.item_zh or row.item_en, currency=row.currency,
        valid_days=row.valid_days or DEFAULT_VALID_DAYS, total_quantity=row.total_quantity,
        per_user_limit=row.per_user_limit,
    )


_TEMPLATE_COLUMNS = (_T.c.kind, _T.c.amount_off, _T.c.percent_off, _T.c.cap, _T.c.min_spend,
                     _T.c.item_zh, _T.c.item_en, _T.c.currency, _T.c.valid_days,
                     _T.c.total_quantity, _T.c.per_user_limit)
_COUPON_ROWS = (
    select(_C.c.id, _C.c.template_id, _C.c.user_id, _C.c.merchant_id, _C.c.status,
           _C.c.source, _C.c.valid_from, _C.c.valid_until, _M.c.slug, _M.c.name_zh,
           _M.c.name_en, *_TEMPLATE_COLUMNS)
    .join(_T, _T.c.id == _C.c.template_id)
    .join(_M, _M.c.id == _C.c.merchant_id)
)


def _coupon_of(row: Any) -> CouponView:
    return CouponView(
        id=row.id, template_id=row.template_id, user_id=row.user_id,
        merchant_id=row.merchant_id, merchant_slug=row.slug,
        merchant_name=Bilingual(row.name_zh, row.name_en), terms=_terms_of(row),
        status=row.status, source=row.source, valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


async def get_coupon(db: Database, coupon_id: int) -> CouponView | None:
    """The coupon with this id, or None."""
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(_COUPON_ROWS.where(_C.c.id == coupon_id))).first()
    return _coupon_of(row) if row else None


# --------------------------------------------------------------------------- claiming


class _NoClaim(Exception):
    """Raised inside the claim transaction to roll the template's count back."""

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


def _approved_merchant(merchant_id: Any) -> Any:
    return select(_M.c.id).where(_M.c.id == merchant_id,
                                 _M.c.status == MerchantStatus.APPROVED).exists()


async def claim(db: Database, user_id: int, template_id: int, now: datetime, *, key: str,
                source: str) -> ClaimResult:
    """Put one coupon of a template into a person's wallet, in ONE transaction.

    The template row is taken with a conditional UPDATE (active, its merchant approved,
    some left, before its last day): concurrent claimers queue on it, so the last
    coupons go to exactly as many people as there are coupons. The person's own count
    is checked after taking the row. `key` (at most 64 characters, unique) makes the
    claim idempotent: the same key again returns its coupon as `already`. A welcome
    template is only claimed with `source="welcome"`.
    """
    key = key[:64]
    existing = await _by_key(db, key)
    if existing is not None:
        return ClaimResult("already" if existing.user_id == user_id else "unknown",
                           existing if existing.user_id == user_id else None)
    take = (
        update(_T)
        .where(_T.c.id == template_id, _T.c.status == CouponTemplateStatus.ACTIVE,
               or_(_T.c.total_quantity.is_(None), _T.c.claimed < _T.c.total_quantity),
               or_(_T.c.valid_until.is_(None), _T.c.valid_until > now),
               _approved_merchant(_T.c.merchant_id))
        .values(claimed=_T.c.claimed + 1)
        .returning(_T.c.merchant_id, _T.c.claimed, _T.c.total_quantity, _T.c.per_user_limit,
                   _T.c.valid_days, _T.c.valid_until)
    )
    if source != WELCOME:
        take = take.where(_T.c.welcome.is_(False))
    try:
        async with db.begin() as conn:
            taken = (await conn.execute(take)).first()
            if taken is None:
                raise _NoClaim("")
            merchant_id, claimed, total, limit, days, last = taken
            mine = (await conn.execute(
                select(func.count()).select_from(_C)
                .where(_C.c.user_id == user_id, _C.c.template_id == template_id))).scalar_one()
            if mine >= limit:
                raise _NoClaim("limit")
            if total is not None and claimed >= total:
                await conn.execute(
                    update(_T).where(_T.c.id == template_id,
                                     _T.c.status == CouponTemplateStatus.ACTIVE)
                    .values(status=CouponTemplateStatus.EXHAUSTED))
            until = now + timedelta(days=days or DEFAULT_VALID_DAYS)
            coupon_id = (await conn.execute(insert(_C).values(
                template_id=template_id, user_id=user_id, merchant_id=merchant_id,
                status=CouponStatus.AVAILABLE, source=source[:16], claim_key=key,
                valid_from=now, valid_until=min(until, last) if last else until,
                created_at=now,
            ).returning(_C.c.id))).scalar_one()
    except _NoClaim as refused:
        return ClaimResult(refused.outcome or await _why_not(db, template_id, now))
    except IntegrityError:  # the same key claimed at the same moment: it won, we rolled back
        again = await _by_key(db, key)
        if again is None or again.user_id != user_id:
            return ClaimResult("unknown")
        return ClaimResult("already", again)
    coupon = await get_coupon(db, coupon_id)
    return ClaimResult("claimed", coupon)


async def _by_key(db: Database, key: str) -> CouponView | None:
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(_COUPON_ROWS.where(_C.c.claim_key == key))).first()
    return _coupon_of(row) if row else None


async def _why_not(db: Database, template_id: int, now: datetime) -> str:
    """Why a template gave nothing: unknown, gone, expired or ended."""
    async with db.session() as session:
        conn = await session.connection()
        row = (await conn.execute(
            select(_T.c.status, _T.c.claimed, _T.c.total_quantity, _T.c.valid_until,
                   _M.c.status.label("merchant_status"))
            .join(_M, _M.c.id == _T.c.merchant_id).where(_T.c.id == template_id))).first()
    if row is None:
        return "unknown"
    if row.status == CouponTemplateStatus.EXHAUSTED or (
            row.total_quantity is not None and row.claimed >= row.total_quantity):
        return "gone"
    if row.valid_until is not None and row.valid_until <= now:
        return "expired"
    if row.status == CouponTemplateStatus.ACTIVE and row.merchant_status == MerchantStatus.APPROVED:
        return "unknown"  # active and open: a welcome template, which nobody claims by hand
    return "ended"


async def give_welcome_coupon(db: Database, user_id: int, merchant_id: int,
                              now: datetime) -> CouponView | None:
    """The merchant's welcome coupon for a new follower, or None (no active welcome
    template, none left, or this person had it already: the key
    `welcome:<merchant>:<user>` means unfollowing and following again gives no second)."""
    async with db.session() as session:
        conn = await session.connection()
        template_id = (await conn.execute(
            select(_T.c.id).where(_T.c.merchant_id == merchant_id, _T.c.welcome.is_(True),
                                  _T.c.status == CouponTemplateStatus.ACTIVE))).scalar()
    if template_id is None:
        return None
    result = await claim(db, user_id, template_id, now, key=f"welcome:{merchant_id}:{user_id}",
                         source=WELCOME)
    return result.coupon if result.outcome == "claimed" else None


async def claims_of(db: Database, user_id: int, template_id: int) -> int:
    """How many coupons of this template the person has had (whatever became of them)."""
    async with db.session() as session:
        conn = await session.connection()
        return int((await conn.execute(
            select(func.count()).select_from(_C)
            .where(_C.c.user_id == user_id, _C.c.template_id == template_id))).scalar_one())


# --------------------------------------------------------------------------- wallet


async def wallet(db: Database, user_id: int, now: datetime) -> list[CouponView]:
    """The person's usable coupons, soonest to expire first: available ones, and those
    held by an unpaid order. Coupons past their last moment are marked expired first."""
    async with db.begin() as conn:
        await conn.execute(
            update(_C).where(_C.c.user_id == user_id, _C.c.status == CouponStatus.AVAILABLE,
                             _C.c.valid_until <= now)
            .values(status=CouponStatus.EXPIRED))
        rows = (await conn.execute(
            _COUPON_ROWS.where(_C.c.user_id == user_id,
                               _C.c.status.in_((CouponStatus.AVAILABLE, CouponStatus.HELD)))
            .order_by(_C.c.valid_until, _C.c.id))).all()
    return [_coupon_of(row) for row in rows]


def _usable(user_id: int, merchant_id: int, currency: str, now: datetime) -> Any:
    return _COUPON_ROWS.where(
        _C.c.user_id == user_id, _C.c.merchant_id == merchant_id,
        _C.c.status == CouponStatus.AVAILABLE, _C.c.valid_from <= now,
        _C.c.valid_until > now, _T.c.currency == currency)


def _best_first(rows: Sequence[Any], subtotal: int) -> list[ApplicableCoupon]:
    """Coupons that apply to `subtotal`, biggest discount first, then soonest expiry."""
    found = [ApplicableCoupon(c, discount_for(c.terms, subtotal))
             for c in map(_coupon_of, rows)]
    found = [a for a in found if applies(a.coupon.terms, subtotal)]
    found.sort(key=lambda a: (-a.discount, a.coupon.valid_until, a.coupon.id))
    return found


async def applicable_coupons(db: Database, user_id: int, merchant_id: int, subtotal: int,
                             now: datetime, currency: str = CURRENCY) -> list[ApplicableCoupon]:
    """The person's available coupons of this merchant that apply to an order of
    `subtotal`, best first (biggest discount, then soonest expiry)."""
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(_usable(user_id, merchant_id, currency, now))).all()
    return _best_first(rows, subtotal)


# --------------------------------------------------------------------------- at checkout


async def hold_for_order(conn: AsyncConnection, *, user_id: int, merchant_id: int,
                         currency: str, subtotal: int, now: datetime,
                         choice: int | Literal["best"] | None) -> AppliedCoupon | None:
    """Inside the order's transaction: hold the coupon the order uses (available ->
    held, only if still available, so two orders never hold one coupon).

    `choice` "best" takes the best applicable coupon (none is fine); a coupon id takes
    exactly that one or raises `CouponUnavailable`; None uses no coupon.
    """
    if choice is None:
        return None
    query = _usable(user_id, merchant_id, currency, now)
    if choice != "best":
        query = query.where(_C.c.id == choice)
    candidates = _best_first((await conn.execute(query)).all(), subtotal)
    for candidate in candidates:
        held = await conn.execute(
            update(_C).where(_C.c.id == candidate.coupon.id,
                             _C.c.status == CouponStatus.AVAILABLE)
            .values(status=CouponStatus.HELD))
        if held.rowcount == 1:
            return AppliedCoupon(candidate.coupon.id, candidate.discount)
    if choice != "best":
        raise CouponUnavailable(choice)
    return None


async def release_coupon(conn: AsyncConnection, coupon_id: int | None, now: datetime, *,
                         from_status: str = CouponStatus.HELD) -> bool:
    """Give a coupon back to its owner, inside the caller's transaction: held by an order
    that closed unpaid, or (`from_status` used) used by an order refunded in full. It is
    available again, or expired when its time is up."""
    if coupon_id is None:
        return False
    back = case((_C.c.valid_until > now, CouponStatus.AVAILABLE), else_=CouponStatus.EXPIRED)
    result = await conn.execute(
        update(_C).where(_C.c.id == coupon_id, _C.c.status == from_status)
        .values(status=back, used_at=None))
    return bool(result.rowcount == 1)


async def use_coupon(conn: AsyncConnection, coupon_id: int | None, now: datetime, *,
                     from_status: str = CouponStatus.HELD) -> bool:
    """Mark the coupon of a paid order used, inside the payment's transaction. An order
    paid after its hold ran out takes its coupon back from `available` (if still good)."""
    if coupon_id is None:
        return False
    where = [_C.c.id == coupon_id, _C.c.status == from_status]
    if from_status == CouponStatus.AVAILABLE:
        where.append(_C.c.valid_until > now)
    result = await conn.execute(
        update(_C).where(*where).values(status=CouponStatus.USED, used_at=now))
    return bool(result.rowcount == 1)


@dataclass(frozen=True)
class OrderCoupons:
    """A pending order's coupon and the others its buyer could use instead."""

    order_id: int
    deal_id: int
    quantity: int
    subtotal: int
    current: CouponView | None
    others: list[ApplicableCoupon]


async def coupons_for_order(db: Database, user_id: int, order_id: int,
                            now: datetime) -> OrderCoupons | None:
    """For "change coupon": the buyer's pending order's coupon and the other coupons
    that apply to it; None when it is not this person's pending order."""
    async with db.session() as session:
        conn = await session.connection()
        order = (await conn.execute(
            select(_O.c.id, _O.c.deal_id, _O.c.quantity, _O.c.unit_price, _O.c.currency,
                   _O.c.coupon_id, _O.c.status)
            .where(_O.c.id == order_id, _O.c.user_id == user_id))).first()
        if order is None or order.status != OrderStatus.PENDING:
            return None
        merchant_id = (await conn.execute(
            select(_D.c.merchant_id).where(_D.c.id == order.deal_id))).scalar_one()
        current_row = None
        if order.coupon_id is not None:
            current_row = (await conn.execute(
                _COUPON_ROWS.where(_C.c.id == order.coupon_id))).first()
        rows = (await conn.execute(_usable(user_id, merchant_id, order.currency, now))).all()
    subtotal = order.unit_price * order.quantity
    return OrderCoupons(order.id, order.deal_id, order.quantity, subtotal,
                        _coupon_of(current_row) if current_row else None,
                        _best_first(rows, subtotal))


# --------------------------------------------------------------------------- merchants


def _owned_approved(user_id: int) -> Any:
    """The approved merchants `user_id` owns (a subquery for WHERE ... IN)."""
    return owned_merchant_ids(user_id, approved=True)


async def create_template(db: Database, owner_user_id: int, terms: CouponTerms,
                          now: datetime, *, title: Bilingual | None = None) -> int | str:
    """A new active template for the approved merchant `owner_user_id` owns: its id, or
    "not_owner" / "not_approved", or "too_big" (an amount off with no minimum worth
    every deal's whole price, see `impact_on`). Ownership and approval are re-checked
    in the write. `title` is the coupon in words (pushes and lists show it), in both
    languages."""
    seller = await seller_of(db, owner_user_id)
    if seller is None:
        return "not_owner"
    if not seller.approved:
        return "not_approved"
    if (await coupon_impact(db, seller.merchant_id, terms, now, 0, terms.currency)).too_big:
        return "too_big"
    item_zh = terms.item if terms.item and is_chinese(terms.item) else None
    item_en = terms.item if terms.item and not is_chinese(terms.item) else None
    async with db.begin() as conn:
        merchant_id = (await conn.execute(
            select(_M.c.id).where(_M.c.id == seller.merchant_id,
                                  _M.c.id.in_(_owned_approved(owner_user_id))))).scalar()
        if merchant_id is None:
            return "not_approved"
        return int((await conn.execute(insert(_T).values(
            merchant_id=merchant_id, kind=terms.kind, item_zh=item_zh, item_en=item_en,
            title_zh=title.zh[:120] if title and title.zh else None,
            title_en=title.en[:120] if title and title.en else None,
            amount_off=terms.amount_off, percent_off=terms.percent_off, cap=terms.cap,
            min_spend=terms.min_spend, currency=terms.currency, valid_days=terms.valid_days,
            total_quantity=terms.total_quantity, claimed=0,
            per_user_limit=terms.per_user_limit, welcome=False,
            status=CouponTemplateStatus.ACTIVE, created_at=now,
        ).returning(_T.c.id))).scalar_one())


async def coupon_impact(db: Database, merchant_id: int, terms: HasTerms, now: datetime,
                        floor_percent: int, currency: str = CURRENCY) -> CouponImpact:
    """What `terms` would do to the merchant's deals in `currency` that are on sale or
    paused and not past their last day (see `impact_on`)."""
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(
            select(_D.c.id, _D.c.title_zh, _D.c.title_en, _D.c.price, _D.c.per_user_limit)
            .where(_D.c.merchant_id == merchant_id, _D.c.currency == currency,
                   _D.c.status.in_((DealStatus.ACTIVE, DealStatus.PAUSED)),
                   _D.c.valid_until > now)
            .order_by(_D.c.id))).all()
    deals = [PricedDeal(r.id, Bilingual(r.title_zh, r.title_en), r.price, r.per_user_limit)
             for r in rows]
    return impact_on(terms, deals, floor_percent)


def _template_rows() -> Any:
    used = (select(func.count()).select_from(_C)
            .where(_C.c.template_id == _T.c.id, _C.c.status == CouponStatus.USED)
            .scalar_subquery())
    return select(_T.c.id, _T.c.merchant_id, _T.c.status, _T.c.claimed, _T.c.welcome,
                  _T.c.valid_until, used.label("used"), *_TEMPLATE_COLUMNS)


def _template_of(row: Any) -> TemplateView:
    return TemplateView(row.id, row.merchant_id, _terms_of(row), row.status, row.claimed,
                        int(row.used), bool(row.welcome), row.valid_until)


async def list_templates(db: Database, owner_user_id: int) -> list[TemplateView] | None:
    """The templates of the merchant `owner_user_id` owns (live ones first, newest
    first); None when they own no merchant."""
    async with db.session() as session:
        conn = await session.connection()
        merchant_id = (await conn.execute(owned_merchant_ids(owner_user_id))).scalar()
        if merchant_id is None:
            return None
        rows = (await conn.execute(
            _template_rows().where(_T.c.merchant_id == merchant_id)
            .order_by(_T.c.status == CouponTemplateStatus.ENDED, _T.c.id.desc()))).all()
    return [_template_of(row) for row in rows]


async def claimable_templates(db: Database, merchant_id: int,
                              now: datetime) -> list[TemplateView]:
    """The merchant's templates anyone may claim now (active, some left, not the
    welcome one), oldest first, at most `STOREFRONT_CLAIMS`."""
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(
            _template_rows().where(
                _T.c.merchant_id == merchant_id, _T.c.status == CouponTemplateStatus.ACTIVE,
                _T.c.welcome.is_(False),
                or_(_T.c.total_quantity.is_(None), _T.c.claimed < _T.c.total_quantity),
                or_(_T.c.valid_until.is_(None), _T.c.valid_until > now))
            .order_by(_T.c.id).limit(STOREFRONT_CLAIMS))).all()
    return [_template_of(row) for row in rows]


# Which statuses each action leaves, and the one it reaches.
_MOVES = {
    "pause": ((CouponTemplateStatus.ACTIVE,), CouponTemplateStatus.PAUSED),
    "resume": ((CouponTemplateStatus.PAUSED,), CouponTemplateStatus.ACTIVE),
    "end": ((CouponTemplateStatus.ACTIVE, CouponTemplateStatus.PAUSED,
             CouponTemplateStatus.EXHAUSTED), CouponTemplateStatus.ENDED),
}
TEMPLATE_ACTIONS = tuple(_MOVES)


async def set_template_status(db: Database, owner_user_id: int, template_id: int,
                              action: str) -> str:
    """Pause, resume or end a template of the approved merchant `owner_user_id` owns,
    with one conditional UPDATE: "done", "already" (cannot move from where it is),
    "not_owner". Coupons already in wallets stay good whatever happens to the template.
    """
    if action not in _MOVES:
        return "not_owner"
    leaves, reaches = _MOVES[action]
    move = (update(_T).where(_T.c.id == template_id, _T.c.status.in_(leaves),
                             _T.c.merchant_id.in_(_owned_approved(owner_user_id)))
            .values(status=reaches))
    if action == "resume":  # a template with nothing left stays exhausted
        move = move.where(or_(_T.c.total_quantity.is_(None),
                              _T.c.claimed < _T.c.total_quantity))
    async with db.begin() as conn:
        if (await conn.execute(move)).rowcount == 1:
            return "done"
        mine = (await conn.execute(
            select(_T.c.id).where(_T.c.id == template_id,
                                  _T.c.merchant_id.in_(_owned_approved(owner_user_id))))).scalar()
    return "already" if mine is not None else "not_owner"


async def set_welcome(db: Database, owner_user_id: int, template_id: int,
                      welcome: bool = True) -> str:
    """Make a template the merchant's welcome coupon (given to each new follower), or
    stop it being one. At most one welcome template per merchant: the merchant's row is
    locked first, so two owners' taps at once still leave exactly one. Returns "done",
    "ended" (an ended or exhausted template cannot become the welcome one) or "not_owner".
    """
    async with db.begin() as conn:
        merchant_id = (await conn.execute(
            select(_M.c.id)
            .where(_M.c.id == select(_T.c.merchant_id).where(_T.c.id == template_id)
                   .scalar_subquery(),
                   _M.c.id.in_(_owned_approved(owner_user_id)))
            .with_for_update())).scalar()
        if merchant_id is None:
            return "not_owner"
        if not welcome:
            await conn.execute(update(_T).where(_T.c.id == template_id).values(welcome=False))
            return "done"
        status = (await conn.execute(
            select(_T.c.status).where(_T.c.id == template_id))).scalar_one()
        if status not in (CouponTemplateStatus.ACTIVE, CouponTemplateStatus.PAUSED):
            return "ended"
        await conn.execute(
            update(_T).where(_T.c.merchant_id == merchant_id)
            .values(welcome=case((_T.c.id == template_id, True), else_=False)))
        return "done"
