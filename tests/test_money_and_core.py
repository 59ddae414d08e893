"""Money formatting and the neutral core's limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.core import Button, Command, parse_command
from services.money import discount_percent_off, discount_zhe, format_money, to_minor


@pytest.mark.parametrize(
    "amount,currency,lang,expected",
    [(8800, "CNY", "zh", "¥88"), (990, "CNY", "zh", "¥9.90"), (123456, "CNY", "en", "¥1,234.56"),
     (2000, "USD", "en", "$20"), (500, "JPY", "en", "¥500"), (-150, "CNY", "zh", "-¥1.50")],
)
def test_money_reads_naturally(amount: int, currency: str, lang: str, expected: str) -> None:
    assert format_money(amount, currency, lang) == expected


def test_major_units_become_exact_minor_units() -> None:
    assert to_minor("88.5", "CNY") == 8850
    assert to_minor(Decimal("0.1") + Decimal("0.2"), "CNY") == 30
    with pytest.raises(ValueError):
        to_minor("1.005", "CNY")


def test_discounts_in_both_languages() -> None:
    assert discount_zhe(6800, 10000) == "6.8折"
    assert discount_zhe(5000, 10000) == "5折"
    assert discount_percent_off(6800, 10000) == 32
    assert discount_zhe(100, 100) == "" and discount_percent_off(120, 100) == 0


def test_button_data_over_64_bytes_is_refused_at_once() -> None:
    Button("ok", data="x" * 64)
    with pytest.raises(ValueError):
        Button("too long", data="火" * 22)  # 66 bytes in UTF-8
    with pytest.raises(ValueError):
        Button("neither")


@pytest.mark.parametrize(
    "text,expected",
    [("/start", Command("start")), ("/Start@o2o_bot shop_abc", Command("start", "shop_abc")),
     ("/start@other_bot", None), ("hello", None), ("/", None), ("/ spaced", None),
     ("/redeem  7QH4-K2MX ", Command("redeem", "7QH4-K2MX"))],
)
def test_commands_are_recognised(text: str, expected: Command | None) -> None:
    assert parse_command(text, bot_username="o2o_bot") == expected
