"""Reading coupons as merchants write them.

`parse_coupon` reads the ways people write coupons in Chinese and English
("满100减20", "100-20", "20 off 100", "8折", "8.5折", "20% off" with "最高减30" / "cap 30",
"送可乐一杯", "free drink"), plus "7天" / "7 days", "100张", "每人1张" separated by `|`;
the guided `/coupon` flow reads each answer with `parse_terms`, `parse_valid_days`,
`parse_quantity` and `parse_per_user`. Text is cleaned, and the bounds shared with deals
are set, in `services.platform.merchant_input`. Wrong input raises `CouponInputError`
with a reason key the handlers translate.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from services.marketing.coupons.terms import CouponTerms
from services.platform.merchant_input import (
    CURRENCY,
    PER_USER_MAX,
    QUANTITY_MAX,
    UNLIMITED_WORDS,
    VALID_DAYS_MAX,
    AmountError,
    clean_text,
    read_amount,
)
from storage.models import CouponKind

TEXT_MAX = 200  # a coupon written on one line is short; more is a paste accident
ITEM_MAX = 30


class CouponInputError(ValueError):
    """Input that is not a coupon; `reason` names why (a translation key suffix)."""

    def __init__(self, reason: str, **args: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args


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


def _amount(text: str, currency: str = CURRENCY, *, zero: str = "amount-zero") -> int:
    """A typed amount ("20", "9.9") in minor units; refuses 0, too many decimals, absurd."""
    try:
        return read_amount(text, currency)
    except AmountError as problem:
        key = zero if problem.reason == "not-positive" else _AMOUNT_KEYS[problem.reason]
        raise CouponInputError(key, **problem.args_) from None


# The shared amount rule's refusals, in the coupon grammar's words.
_AMOUNT_KEYS = {"unreadable": "unreadable", "too-big": "amount-too-big",
                "decimals": "amount-decimals"}


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
    cleaned = clean_text(text)
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
    return clean_text(text).lower()


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
    cleaned = clean_text(text)
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
