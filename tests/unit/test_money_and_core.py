"""Money formatting and the neutral core's limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.core import Button, Command, parse_command
from services.platform.money import discount_percent_off, discount_zhe, format_money, to_minor


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
     ("/redeem  7QH4-K2MX ", Command("redeem", "7QH4-K2MX")),
     # Full-width, as a Chinese input method types it; the arguments stay as typed.
     ("／ｓｔａｒｔ", Command("start")),
     ("／ｎｅａｒ　万达（马尾）", Command("near", "万达（马尾）")),
     ("／ｓｔａｒｔ＠ｏｔｈｅｒ_ｂｏｔ", None)],
)
def test_commands_are_recognised(text: str, expected: Command | None) -> None:
    assert parse_command(text, bot_username="o2o_bot") == expected


async def test_the_retry_policy_sleeps_off_flood_waits_and_stops_at_a_block() -> None:
    from bot.transports.common import Failure, deliver
    from handlers.core import EditText, SendText

    attempts: list[object] = []

    class Flood(Exception):
        pass

    class Blocked(Exception):
        pass

    class Vanished(Exception):
        pass

    def classify(exc: Exception) -> Failure | None:
        return {Flood: Failure("retry_after", "flood", 0.01),
                Blocked: Failure("forbidden", "blocked"),
                Vanished: Failure("bad_request", "Message to edit not found")}.get(type(exc))

    async def flaky(chat_id: int, reply: object) -> None:
        attempts.append(reply)
        if len(attempts) == 1:
            raise Flood
        if isinstance(reply, EditText):
            raise Vanished

    assert await deliver(1, SendText("hi"), flaky, classify) is True
    assert len(attempts) == 2  # one flood wait, then delivered
    attempts.clear()
    attempts.append("skip the flood")
    assert await deliver(1, EditText(5, "new"), flaky, classify) is True
    assert isinstance(attempts[-1], SendText)  # a vanished message is sent anew

    async def blocked(chat_id: int, reply: object) -> None:
        raise Blocked

    assert await deliver(1, SendText("hi"), blocked, classify) is False
