"""A refused order says why in the buyer's words, with the real figures."""

from __future__ import annotations

from handlers.checkout import refusal
from handlers.i18n import Translator
from services.orders.checkout import OrderStart


def test_a_limit_reached_inside_the_order_names_the_deals_limit_not_what_is_left() -> None:
    said = refusal(Translator("zh"), OrderStart(None, "limit_reached", can_buy=0, limit=2))
    assert "每人限购 2 份" in said.text
    said = refusal(Translator("en"), OrderStart(None, "limit_reached", can_buy=1, limit=5))
    assert "limit of 5 per person" in said.text


def test_not_enough_left_names_how_many_are() -> None:
    said = refusal(Translator("en"), OrderStart(None, "not_enough", can_buy=3))
    assert "Only 3 left" in said.text
