"""A merchant types the same characters into a deal and into a coupon, and both read them
the same way: full-width digits are digits, compatibility characters are what they look
like, every word for "unlimited" means unlimited, and the largest amount is one amount."""

from __future__ import annotations

import pytest

from services.marketing.coupons.parsing import (
    CouponInputError,
    parse_per_user,
    parse_quantity,
    parse_terms,
)
from services.merchants.deal_input import DealInputError, check_title, parse_count, parse_price
from services.platform.merchant_input import (
    AMOUNT_MAX_MAJOR,
    PER_USER_MAX,
    QUANTITY_MAX,
    UNLIMITED_WORDS,
    clean_text,
)


@pytest.mark.parametrize(("typed", "read"), [
    ("可乐１２瓶", "可乐12瓶"),  # a phone's full-width digits
    ("ｃｏｌａ ２ ｃａｎｓ", "cola 2 cans"),  # full-width letters
    ("ﬁsh cake ①", "fish cake 1"),  # a ligature and a circled digit
    ("Latte\u200b ２杯\u3000大杯", "Latte 2杯 大杯"),  # a zero-width and an ideographic space
])
def test_a_deal_title_and_a_coupons_free_item_read_the_same_text(typed: str, read: str) -> None:
    assert clean_text(typed) == read
    assert check_title(typed) == read
    assert parse_terms(f"送{typed}").item == read


@pytest.mark.parametrize(("typed", "number"), [("１２", 12), ("12", 12), ("９９", 99)])
def test_a_full_width_limit_per_person_is_the_same_number_in_both(typed: str,
                                                                  number: int) -> None:
    assert parse_count(typed, PER_USER_MAX, unlimited=False) == number
    assert parse_per_user(typed) == number


def test_a_full_width_quantity_is_the_same_number_in_both() -> None:
    assert parse_count("１００", QUANTITY_MAX, unlimited=True) == 100
    assert parse_quantity("１００") == 100


@pytest.mark.parametrize("word", sorted(UNLIMITED_WORDS | {"ＵＮＬＩＭＩＴＥＤ"}))
def test_every_word_for_unlimited_means_unlimited_in_both(word: str) -> None:
    assert parse_count(word, QUANTITY_MAX, unlimited=True) is None
    assert parse_quantity(word) is None


def test_both_refuse_an_amount_above_the_same_largest_one() -> None:
    largest = str(AMOUNT_MAX_MAJOR).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_price(largest) == AMOUNT_MAX_MAJOR * 100
    assert parse_terms(f"减{largest}").amount_off == AMOUNT_MAX_MAJOR * 100
    with pytest.raises(DealInputError, match="price-too-big"):
        parse_price(str(AMOUNT_MAX_MAJOR + 1))
    with pytest.raises(CouponInputError, match="amount-too-big"):
        parse_terms(f"减{AMOUNT_MAX_MAJOR + 1}")
