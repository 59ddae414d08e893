"""What merchants type, read one way everywhere: the text cleaning and the bounds that
the deal grammar (`services.merchants.deal_input`) and the coupon grammar
(`services.marketing.coupons.parsing`) share.

Text is read NFKC-normalised, so what a phone's full-width keyboard or a pasted
compatibility character gives reads as what it looks like: "１２" is 12, "ｌａｔｔｅ" is
latte, "①" is 1, "ﬁ" is fi.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from services.platform.money import minor_digits

CURRENCY = "CNY"
AMOUNT_MAX_MAJOR = 100_000  # a price or amount off above ¥100,000 is a typo
QUANTITY_MAX = 1_000_000  # deals in stock, coupons handed out
PER_USER_MAX = 99  # units one person may buy, coupons one person may claim
VALID_DAYS_MAX = 366  # nothing a merchant sets up runs more than a year ahead
DEFAULT_VALID_DAYS = 30  # a deal or a claimed coupon left without a last day

UNLIMITED_WORDS = frozenset({"不限", "无限", "无限量", "不限量", "unlimited", "∞", "no limit",
                             "none", "-"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_text(text: str) -> str:
    """NFKC, control and zero-width characters gone, runs of spaces squeezed."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", str(text)))
    return " ".join(text.split())


class AmountError(ValueError):
    """Why a typed amount is not one: `unreadable`, `not-positive`, `too-big` (over
    `AMOUNT_MAX_MAJOR`) or `decimals` (more than the currency has)."""

    def __init__(self, reason: str, **args: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_ = args  # what the refusal's words need: max, digits


def read_amount(text: str, currency: str = CURRENCY, max_major: int = AMOUNT_MAX_MAJOR) -> int:
    """A positive amount typed in major units ("88", "9.9") -> minor units (990): the one
    rule prices, coupon amounts and payouts share (payouts with a higher `max_major`).
    Raises `AmountError`."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise AmountError("unreadable") from None
    if not value.is_finite() or value <= 0:
        raise AmountError("not-positive")
    if value > max_major:
        raise AmountError("too-big", max=max_major)
    minor = value.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value():
        raise AmountError("decimals", digits=minor_digits(currency))
    return int(minor)
