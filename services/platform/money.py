"""Money: integers in minor units plus an ISO 4217 currency, formatted for people."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision, get_currency_symbol

_SYMBOL_LOCALE = {"zh": "zh_CN", "en": "en"}
# Where the English symbol is ambiguous ("CN¥"), shoppers in China still write "¥".
_PREFERRED_SYMBOL = {"CNY": "¥"}


def minor_digits(currency: str) -> int:
    """How many minor-unit digits the currency has (2 for CNY, 0 for JPY)."""
    return get_currency_precision(currency)


def to_minor(major: Decimal | int | str, currency: str) -> int:
    """Major units (Decimal, int or a decimal string) to an integer of minor units."""
    value = Decimal(str(major)).scaleb(minor_digits(currency))
    if value != value.to_integral_value():
        raise ValueError(f"{major} {currency} has more decimals than the currency allows")
    return int(value)


def format_money(amount: int, currency: str, lang: str = "zh") -> str:
    """`8800, "CNY"` -> "¥88"; `990` -> "¥9.90". Whole amounts drop their zero cents."""
    digits = minor_digits(currency)
    value = Decimal(amount).scaleb(-digits)
    symbol = _PREFERRED_SYMBOL.get(currency) or get_currency_symbol(
        currency, _SYMBOL_LOCALE.get(lang, "en")
    )
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.{digits}f}"
    return f"{sign}{symbol}{text}"


def discount_percent_off(price: int, original_price: int) -> int:
    """Whole percent saved against the original price (0 when there is no saving)."""
    if original_price <= 0 or price >= original_price:
        return 0
    return (original_price - price) * 100 // original_price


def discount_zhe(price: int, original_price: int) -> str:
    """The Chinese way to say a discount: 6800 of 10000 is "6.8折"."""
    if original_price <= 0 or price >= original_price:
        return ""
    tenths = Decimal(price * 100) / Decimal(original_price) / Decimal(10)
    rounded = tenths.quantize(Decimal("0.1"))
    text = f"{rounded:f}".rstrip("0").rstrip(".")
    return f"{text}折"
