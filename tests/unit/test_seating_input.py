"""What an owner types to /seating, read one way: the tables in every usual shape, the
options in Chinese and English, and every bad answer refused with its reason."""

from __future__ import annotations

import pytest

from services.bookings.seating import SeatingPlan
from services.bookings.seating_input import SeatingInputError, cn_number, read_seating

THREE_KINDS = ((2, 6), (4, 4), (8, 1))


@pytest.mark.parametrize("text", [
    "2人桌6张 4人桌4张 8人桌1张", "2x6 4x4 8x1", "2×6, 4×4, 8×1", "2X6，4X4，8X1",
    "２×６　４×４　８×１", "双人桌6 四人桌4 八人桌1", "6张双人桌 4张四人桌 1张八人桌",
    "2-seat ×6, 4-seat ×4, 8-seat ×1", "2 seaters x 6 and 4 seaters x 4 and 8 seaters x 1",
    "6 tables of 2, 4 tables of 4, 1 table of 8", "8x1 2x6 4x4", "2人桌6张、4人桌4张和8人桌1张",
])
def test_the_tables_read_the_same_however_they_are_written(text: str) -> None:
    assert read_seating(text).tables == THREE_KINDS


def test_chinese_numerals_count_seats_and_tables() -> None:
    assert read_seating("十人桌两张 十二人桌一张").tables == ((10, 2), (12, 1))
    assert [cn_number(w) for w in ("四", "十", "十二", "二十", "两", "双", "百", "十十")] == [
        4, 10, 12, 20, 2, 2, None, None]


def test_every_option_in_chinese() -> None:
    answer = read_seating("2x6 每15分钟 用餐1.5小时 提前30天 打烊前1小时 周一、周二休息 定金50元 "
                          "2小时前可退 时区 America/New_York")
    assert (answer.slot_minutes, answer.stay_minutes, answer.horizon_days,
            answer.last_seating_minutes) == (15, 90, 30, 60)
    assert answer.closed_days == frozenset({0, 1})
    assert (answer.deposit, answer.cancel_hours, answer.timezone) == (5000, 2, "America/New_York")


def test_every_option_in_english() -> None:
    answer = read_seating("2x6 slot 60 stay 2h ahead 7 last 45 closed mon and sun "
                          "deposit ¥9.9 cancel 24h timezone Asia/Tokyo")
    assert (answer.slot_minutes, answer.stay_minutes, answer.horizon_days,
            answer.last_seating_minutes) == (60, 120, 7, 45)
    assert answer.closed_days == frozenset({0, 6})
    assert (answer.deposit, answer.cancel_hours, answer.timezone) == (990, 24, "Asia/Tokyo")


def test_just_the_tables_keep_the_defaults_the_first_time() -> None:
    plan = read_seating("2x6 4x4").plan(None)
    assert plan == SeatingPlan(tables=((2, 6), (4, 4)))
    assert (plan.slot_minutes, plan.stay_minutes, plan.horizon_days,
            plan.last_seating_minutes, plan.cancel_hours, plan.deposit) == (30, 90, 14, 60, 2, 0)


def test_what_is_left_out_stays_as_the_store_has_it() -> None:
    current = SeatingPlan(tables=((2, 6),), stay_minutes=120, deposit=5000,
                          closed_days=frozenset({0}))
    plan = read_seating("定金30元").plan(current)
    assert (plan.tables, plan.stay_minutes, plan.deposit, plan.closed_days) == (
        ((2, 6),), 120, 3000, frozenset({0}))
    cleared = read_seating("不休息 无定金").plan(current)
    assert (cleared.closed_days, cleared.deposit) == (frozenset(), 0)
    assert read_seating("deposit 0 closed none").plan(current).deposit == 0


def test_stop_takes_no_new_bookings_and_options_alone_need_tables_the_first_time() -> None:
    for word in ("stop", "停止订座", "0", "Stop taking bookings", "关闭订座"):
        answer = read_seating(word)
        assert answer.stop and answer.plan(SeatingPlan(((2, 6),))).tables == ()
    with pytest.raises(SeatingInputError) as refused:
        read_seating("定金50元").plan(None)
    assert refused.value.reason == "no-tables"


def test_the_timezone_default_word_resets_it() -> None:
    assert read_seating("timezone default").timezone == ""
    assert read_seating("时区 默认").timezone == ""


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   ", "empty"), ("\u200b", "empty"),
    ("hello", "unknown"), ("🍜🍜", "unknown"), ("2x6 🍜", "unknown"),
    ("2x6; DROP TABLE stores;--", "unknown"), ("' OR 1=1 --", "unknown"),
    ("2x0", "tables"), ("2x501", "tables"), ("2x999999999999999999", "tables"),
    ("0x6", "seats"), ("51x1", "seats"), ("2x6 2x4", "twice-seats"),
    ("slot 20", "slot"), ("每45分钟 2x1", "slot"),
    ("stay 100", "stay"), ("stay 15", "stay"), ("用餐7小时", "stay"), ("stay 1.1h", "stay"),
    ("ahead 0", "ahead"), ("提前91天", "ahead"),
    ("last 300", "last"), ("打烊前5小时", "last"),
    ("deposit 10001", "deposit"), ("deposit 1.234", "deposit-decimals"),
    ("cancel 73", "cancel"), ("100小时前可退", "cancel"),
    ("timezone Mars/Base", "timezone"), ("timezone Shanghai", "timezone"),
    ("closed mon tue wed thu fri sat sun", "closed-all"),
    ("stay 90 stay 60", "twice"), ("定金50元 deposit 20", "twice"),
    ("2x6 " * 80, "too-long"),
    ("1x1 2x1 3x1 4x1 5x1 6x1 7x1 8x1 9x1 10x1 11x1 12x1 13x1", "kinds"),
])
def test_bad_answers_are_refused_with_their_reason(text: str, reason: str) -> None:
    with pytest.raises(SeatingInputError) as refused:
        read_seating(text)
    assert refused.value.reason == reason


def test_a_refusal_names_the_word_it_did_not_understand_and_the_bounds() -> None:
    with pytest.raises(SeatingInputError) as refused:
        read_seating("2x6 please")
    assert refused.value.args_ == {"word": "please"}
    with pytest.raises(SeatingInputError) as refused:
        read_seating("ahead 100")
    assert refused.value.args_ == {"min": 1, "max": 90}


def test_wrong_types_are_read_as_text() -> None:
    with pytest.raises(SeatingInputError):
        read_seating(12345)  # type: ignore[arg-type]
    with pytest.raises(SeatingInputError) as refused:
        read_seating(None)  # type: ignore[arg-type]
    assert refused.value.reason == "empty"
