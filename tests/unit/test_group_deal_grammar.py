"""How an owner may write a group deal (拼团), and what is refused: one grammar for the
guided answer, the one-line part and the /deals edit; one rule per field for the CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.merchants.deal_input import (
    GROUP_HOURS,
    GROUP_SIZE,
    DealDraft,
    DealFormErrors,
    DealInputError,
    GroupTerms,
    check_group_window,
    draft_group_problem,
    parse_group,
    parse_group_hours,
    parse_group_price,
    parse_group_size,
    parse_one_line,
)

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # noon in Shanghai
LATER = NOW + timedelta(days=30)
PRICE = 8800  # the single price, ¥88


def test_the_bounds_are_the_ones_the_issue_names() -> None:
    assert GROUP_SIZE == (2, 50) and GROUP_HOURS == (1, 168)


@pytest.mark.parametrize(("typed", "read"), [
    ("3人 39元 24小时", (3, 3900, 24)),
    ("3 people ¥39 24h", (3, 3900, 24)),
    ("3/39/24", (3, 3900, 24)),
    ("3 39 24", (3, 3900, 24)),
    ("3 39", (3, 3900, 24)),  # no window said: 24 h
    ("拼团=3/39/24", (3, 3900, 24)),
    ("拼团：4人成团，拼团价69元，48小时内", (4, 6900, 48)),
    ("3人团 每人39元 24小时内成团", (3, 3900, 24)),
    ("¥39 3人团 1天", (3, 3900, 24)),  # in any order when the units say what is what
    ("3人 39.5 12", (3, 3950, 12)),
    ("group: 3 people at ¥39 each within 2 days", (3, 3900, 48)),
    ("2 persons 39 yuan 1 day", (2, 3900, 24)),
    ("３人 ３９元 ２４小时", (3, 3900, 24)),  # a phone's full-width digits
    ("50人 1元 168小时", (50, 100, 168)),
    ("2人 87.99元 1h", (2, 8799, 1)),
    ("3人 39元 1.5天", (3, 3900, 36)),
    ("3人39元24小时", (3, 3900, 24)),  # no spaces at all
])
def test_a_group_deal_written_the_ways_owners_write_it(typed: str,
                                                        read: tuple[int, int, int]) -> None:
    assert parse_group(typed, PRICE, LATER, NOW) == GroupTerms(*read)


@pytest.mark.parametrize("typed", ["-", "跳过", "no", "skip", "不拼团", "取消拼团", "off",
                                   "拼团 -", "  ＮＯ "])
def test_saying_no_means_not_a_group_deal(typed: str) -> None:
    assert parse_group(typed, PRICE, LATER, NOW) is None


@pytest.mark.parametrize(("typed", "reason"), [
    ("1人 39元", "group-size-range"),
    ("51人 39元", "group-size-range"),
    ("0人 39元", "group-size-range"),
    ("2.5人 39元", "group-size-range"),
    ("三", "group-use-digits"),
    ("三人 39元", "group-use-digits"),
    ("3人 39元 一天", "group-use-digits"),
    ("3人 88元", "group-price-not-below"),
    ("3人 100元", "group-price-not-below"),
    ("3人 0元", "price-not-positive"),
    ("3人 39.555元", "price-decimals"),
    ("3人 39元 0h", "group-hours-range"),
    ("3人 39元 1000h", "group-hours-range"),
    ("3人 39元 8天", "group-hours-range"),
    ("3人 39元 1.5h", "group-hours-range"),
    ("3人", "group-price-missing"),
    ("39元 24小时", "group-size-missing"),
    ("", "group-size-missing"),
    ("🍲", "group-unreadable"),
    ("'; DROP TABLE deals; --", "group-unreadable"),
    ("3 39 24 5", "group-unreadable"),
    ("3人 4人 39元", "group-unreadable"),
    ("3人 39元 24小时 48小时", "group-unreadable"),
    ("3 people 39 pizzas", "group-unreadable"),
])
def test_what_cannot_be_a_group_deal_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(DealInputError) as refused:
        parse_group(typed, PRICE, LATER, NOW)
    assert refused.value.reason == reason


def test_the_window_must_end_before_the_deal_does() -> None:
    ends = NOW + timedelta(hours=11, minutes=59)
    assert check_group_window(11, ends, NOW) == 11
    with pytest.raises(DealInputError) as refused:
        parse_group("3人 39元 24小时", PRICE, ends, NOW)
    assert (refused.value.reason, refused.value.args_) == (
        "group-window-past-deal", {"hours": 24, "latest": 11})
    with pytest.raises(DealInputError) as refused:
        check_group_window(1, NOW + timedelta(minutes=59), NOW)
    assert refused.value.reason == "group-deal-ending"
    assert check_group_window(24, NOW + timedelta(hours=24), NOW) == 24  # just fits
    assert parse_group("3人 39元 24小时", PRICE, None, NOW) == GroupTerms(3, 3900, 24)


@pytest.mark.parametrize(("typed", "size"), [("3", 3), ("3人", 3), ("３人团", 3),
                                             ("3 people", 3), ("50", 50), ("2位", 2)])
def test_a_csv_cell_of_group_size(typed: str, size: int) -> None:
    assert parse_group_size(typed) == size


@pytest.mark.parametrize("typed", ["1", "51", "三", "", "3.5", "🍲", "3人 4人"])
def test_a_bad_csv_cell_of_group_size(typed: str) -> None:
    with pytest.raises(DealInputError):
        parse_group_size(typed)


@pytest.mark.parametrize(("typed", "hours"), [("24", 24), ("24h", 24), ("24小时", 24),
                                              ("1天", 24), ("1 day", 24), ("7 days", 168),
                                              ("168", 168), ("1", 1)])
def test_a_csv_cell_of_group_hours(typed: str, hours: int) -> None:
    assert parse_group_hours(typed) == hours


@pytest.mark.parametrize("typed", ["0", "0h", "169", "1000h", "8天", "一天", "soon", "-1"])
def test_a_bad_csv_cell_of_group_hours(typed: str) -> None:
    with pytest.raises(DealInputError):
        parse_group_hours(typed)


def test_a_csv_cell_of_group_price_reads_as_a_price_does() -> None:
    assert parse_group_price("¥39", PRICE) == parse_group_price("39元", PRICE) == 3900
    assert parse_group_price("39.5", PRICE) == 3950
    with pytest.raises(DealInputError, match="group-price-not-below"):
        parse_group_price("88", PRICE)
    with pytest.raises(DealInputError, match="price-not-positive"):
        parse_group_price("0", PRICE)


def test_the_one_line_form_takes_a_labelled_group_part_anywhere_after_the_prices() -> None:
    tz = "Asia/Shanghai"
    full = parse_one_line("火锅 | 88 | 168 | 100 | 2026-12-31 | 拼团 3人 69元 24小时", NOW, tz)
    assert (full.group, full.stock) == (GroupTerms(3, 6900, 24), 100)
    short = parse_one_line("火锅 | 88 | 168 | group 3/69", NOW, tz)
    assert short.group == GroupTerms(3, 6900, 24) and short.stock is None
    middle = parse_one_line("火锅 | 88 | 168 | 拼团=4/59/48 | 100", NOW, tz)
    assert (middle.group, middle.stock) == (GroupTerms(4, 5900, 48), 100)
    assert parse_one_line("火锅 | 88 | 168", NOW, tz).group is None
    with pytest.raises(DealFormErrors) as refused:
        parse_one_line("火锅 | 88 | 168 | 100 | 2026-11-25 | 拼团 3人 69元 24小时", NOW, tz)
    assert [(f, e.reason) for f, e in refused.value.errors] == [
        ("group", "group-window-past-deal")]
    with pytest.raises(DealFormErrors) as refused:
        parse_one_line("火锅 | 88 | 168 | 拼团 3/69 | group 4/69", NOW, tz)
    assert refused.value.errors[0][1].reason == "group-twice"
    titled = parse_one_line("拼团 3/69 | 88 | 168", NOW, tz)  # a title is never the group
    assert (titled.title, titled.group) == ("拼团 3/69", None)


def test_a_draft_keeps_its_group_terms_through_the_conversation_state() -> None:
    draft = DealDraft(title="火锅", price=8800, original_price=16800, valid_until=LATER,
                      group_size=3, group_price=6900, group_hours=24)
    again = DealDraft.from_data(draft.as_data())
    assert again == draft and again.group == GroupTerms(3, 6900, 24)
    plain = DealDraft(title="火锅", price=8800, original_price=16800, valid_until=LATER)
    assert DealDraft.from_data(plain.as_data()).group is None


def test_a_draft_whose_price_or_last_day_moved_is_told_why_its_group_no_longer_fits() -> None:
    data = DealDraft(title="火锅", price=8800, original_price=16800, valid_until=LATER,
                     group_size=3, group_price=6900, group_hours=24).as_data()
    assert draft_group_problem(data, NOW) is None
    lower = {**data, "price": 6900}
    assert draft_group_problem(lower, NOW).reason == "group-price-not-below"  # type: ignore[union-attr]
    soon = {**data, "valid_until": (NOW + timedelta(hours=5)).isoformat()}
    assert draft_group_problem(soon, NOW).reason == "group-window-past-deal"  # type: ignore[union-attr]
    assert draft_group_problem({**data, "valid_until": None}, NOW) is None
