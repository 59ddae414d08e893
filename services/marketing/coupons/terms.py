"""What a coupon is and gives: its terms, and the discount arithmetic.

Money rule: a discount never brings an order below one minor unit (¥0.01). Payment
providers refuse to charge 0, and an order nobody pays for would never issue codes; so
`discount_for` gives at most `subtotal - 1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from services.platform.merchant_input import CURRENCY, DEFAULT_VALID_DAYS
from storage.models import CouponKind, CouponTemplate

_T = CouponTemplate.__table__  # type: ignore[attr-defined]


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


# --------------------------------------------------------------------------- stored


# The template columns that hold its terms, as `terms_of` reads them.
TERMS_COLUMNS = (_T.c.kind, _T.c.amount_off, _T.c.percent_off, _T.c.cap, _T.c.min_spend,
                 _T.c.item_zh, _T.c.item_en, _T.c.currency, _T.c.valid_days,
                 _T.c.total_quantity, _T.c.per_user_limit)


def terms_of(row: Any) -> CouponTerms:
    """The terms of a template row (its `TERMS_COLUMNS`)."""
    return CouponTerms(
        kind=row.kind, amount_off=row.amount_off, percent_off=row.percent_off, cap=row.cap,
        min_spend=row.min_spend, item=row.item_zh or row.item_en, currency=row.currency,
        valid_days=row.valid_days or DEFAULT_VALID_DAYS, total_quantity=row.total_quantity,
        per_user_limit=row.per_user_limit,
    )
