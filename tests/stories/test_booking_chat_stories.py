"""Booking a table in chat, told as the shoppers live it, on SQLite and PostgreSQL:
"明晚7点两位" and "table for 2 tomorrow 7pm" to a confirmed table; a missing party asked
with buttons; a full slot offering its neighbours, a full evening another store;
/bookings to change and cancel; the reminder with Cancel and "running late"; bad input
(the past, outside the hours, beyond the horizon, a party too big, a store without
seating, the same slot twice, forged and stale buttons, a double tap on Confirm).

STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai. The demo restaurants get
seating here (2-seat x3, 4-seat x2, 8-seat x1, 30-minute slots, 90-minute sittings).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.core import SendText, SendVenue
from handlers.owed import render
from handlers.payloads import BookCancel, BookLate, BookSlot
from handlers.router import App
from services.bookings.booking import book, booking_by_code
from services.bookings.seating import SeatingPlan, save_plan
from services.platform.users import ensure_user
from storage.models import Booking, Merchant, OutboxMessage, Store, TableType, TableUnit
from tests.conftest import STORY_NOW, Chat

NOW = STORY_NOW
SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLES = ((2, 3), (4, 2), (8, 1))
SEATED = ("haidilao", "chuanwei-chuanchuan", "chaoshan-beef")


def shanghai(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai, `day_offset` days after STORY_NOW's day, in UTC."""
    day = STORY_NOW.astimezone(SHANGHAI).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=SHANGHAI).astimezone(UTC)


async def stores_of(app: App, slug: str) -> list[int]:
    async with app.db.session() as session:
        return list((await session.exec(  # type: ignore[call-overload]
            select(Store.id).join(Merchant, Merchant.id == Store.merchant_id)
            .where(Merchant.slug == slug).order_by(Store.id))).scalars())


@pytest.fixture
async def seated(app: App) -> App:
    """The demo's hotpot restaurants take bookings."""
    for slug in SEATED:
        for store_id in await stores_of(app, slug):
            await save_plan(app.db, store_id, SeatingPlan(tables=TABLES), NOW)
    return app


async def wanda(app: App) -> int:
    return (await stores_of(app, "haidilao"))[0]


async def fill(app: App, store_id: int, at: datetime, party: int = 2, count: int = 6,
               first_id: int = 7000) -> None:
    """Others take `count` tables at `at`."""
    for n in range(count):
        user = await ensure_user(app.db, first_id + n, first_name=f"Guest{n}", now=NOW)
        done = await book(app.db, user.id, store_id, party, at, NOW)
        assert done.booking is not None, done.reason


async def over_capacity(app: App) -> int:
    async with app.db.session() as session:
        return int((await session.exec(  # type: ignore[call-overload]
            select(func.count()).select_from(TableUnit)
            .join(TableType, TableType.id == TableUnit.table_type_id)
            .where(TableUnit.taken > TableType.tables))).scalar_one())


async def bookings_of(app: App, telegram_id: int) -> list[Booking]:
    from storage.models import User
    async with app.db.session() as session:
        return list((await session.exec(  # type: ignore[call-overload]
            select(Booking).join(User, User.id == Booking.user_id)
            .where(User.telegram_id == telegram_id).order_by(Booking.id))).scalars())


# ------------------------------------------------------------------ booking in words


async def test_a_couple_types_mingwan_qidian_liangwei_and_gets_a_table(
        seated: App, chat: Chat) -> None:
    await chat.say("明晚7点两位")
    assert "想订哪家店" in chat.texts
    await chat.press("海底捞（马尾万达店）")
    assert "明天 19:00" in chat.texts and "确认预订吗" in chat.texts
    replies = await chat.press("确认 19:00")
    assert "订好了" in chat.texts and "订座码" in chat.texts and "2位 · 2人桌" in chat.texts
    assert any(isinstance(r, SendVenue) for r in replies)
    assert "我的预订" in chat.button_texts[-1]
    [mine] = await bookings_of(seated, 1001)
    assert (mine.status, mine.party, mine.starts_at) == ("confirmed", 2, shanghai(1, 19))


async def test_a_named_merchant_in_english_is_booked_without_a_store_question(
        seated: App, english_chat: Chat) -> None:
    await english_chat.say("table for 2 tomorrow 7pm at haidilao")
    assert "Haidilao" in english_chat.texts and "Book it?" in english_chat.texts
    await english_chat.press("Confirm 19:00")
    assert "Booked!" in english_chat.texts and "2 people · 2-seat table" in english_chat.texts
    [mine] = await bookings_of(seated, 2002)
    assert mine.starts_at == shanghai(1, 19)


async def test_the_wanda_one_is_the_store_at_wanda_plaza(seated: App,
                                                         english_chat: Chat) -> None:
    await english_chat.say("table for 2 tomorrow 7pm at the Wanda one")
    await english_chat.press("Confirm 19:00")
    [mine] = await bookings_of(seated, 2002)
    assert mine.store_id == await wanda(seated)


async def test_a_missing_party_size_is_asked_with_buttons(seated: App, chat: Chat) -> None:
    await chat.say("明晚7点 海底捞 订座")
    assert "几位" in chat.texts
    assert chat.button_texts[:8] == [str(n) for n in range(1, 9)]
    assert "8位以上" in chat.button_texts
    await chat.press("8位以上")
    assert "请输入人数" in chat.texts
    await chat.say("0")
    assert "请用数字告诉我人数" in chat.texts
    await chat.say("三")
    assert "确认预订吗" in chat.texts and "3位" in chat.texts


async def test_a_missing_day_and_time_are_asked_with_buttons(seated: App, chat: Chat) -> None:
    await chat.say("海底捞 订座 4个人")
    assert "哪天" in chat.texts and "今天" in chat.button_texts and "明天" in chat.button_texts
    await chat.press("明天")
    assert "午餐" in chat.texts and "晚餐" in chat.texts
    assert 1 <= len(chat.button_texts) <= 12
    await chat.press("18:30")
    assert "订好了" in chat.texts and "4人桌" in chat.texts


async def test_a_full_slot_offers_the_neighbouring_ones(seated: App, chat: Chat) -> None:
    await fill(seated, await wanda(seated), shanghai(1, 19))
    await chat.say("明晚7点两位 海底捞")
    assert "已订满" in chat.texts and "最近的空位时间" in chat.texts
    assert "19:00" not in chat.button_texts
    assert "17:30" in chat.button_texts and "20:30" in chat.button_texts
    await chat.press("20:30")
    assert "订好了" in chat.texts
    assert await over_capacity(seated) == 0


async def test_a_full_evening_offers_another_store(seated: App, chat: Chat) -> None:
    store = await wanda(seated)
    starts = [shanghai(1, 16) + timedelta(minutes=30 * n) for n in range(0, 13, 3)]
    # every table taken from 16:00 to 23:30 (the last start is 23:00)
    for n, at in enumerate(starts):
        await fill(seated, store, at, first_id=8000 + 10 * n)
    await chat.say("明晚7点两位 海底捞")
    text = chat.texts
    assert "当天已没有空桌" in text and "附近这些店那时有空桌" in text
    assert any("快安" in label for label in chat.button_texts)
    await chat.press("快安")
    assert "订好了" in chat.texts and "快安" in chat.texts


# ------------------------------------------------------------------ /bookings


async def test_cancel_from_my_bookings_asks_first_and_frees_the_table(
        seated: App, chat: Chat) -> None:
    await chat.say("明晚7点两位 海底捞")
    await chat.press("确认")
    await chat.say("/bookings")
    assert "你的预订（1）" in chat.texts and "已确认" in chat.texts
    await chat.press("取消1")
    assert "确定取消" in chat.texts
    await chat.press("确定取消")
    assert "已取消" in chat.texts
    [mine] = await bookings_of(seated, 1001)
    assert mine.status == "cancelled"
    await chat.press_data(BookCancel(mine.id).pack())  # a second tap changes nothing
    assert "没有可取消的" in chat.texts


async def test_change_from_my_bookings_moves_the_table(seated: App, chat: Chat) -> None:
    await chat.say("明晚7点两位 海底捞")
    await chat.press("确认")
    await chat.say("/bookings")
    await chat.press("修改1")
    assert "几位" in chat.texts
    await chat.press("4")
    assert "哪天" in chat.texts
    await chat.press("今天")
    await chat.press("20:00")
    assert "预订已修改" in chat.texts and "4位" in chat.texts
    [mine] = await bookings_of(seated, 1001)
    assert (mine.party, mine.starts_at, mine.status) == (4, shanghai(0, 20), "confirmed")
    assert await over_capacity(seated) == 0


# ------------------------------------------------------------------ the reminder


async def test_the_reminder_comes_with_cancel_and_running_late(seated: App, chat: Chat) -> None:
    await chat.say("明晚7点两位 海底捞")
    await chat.press("确认")
    [mine] = await bookings_of(seated, 1001)
    async with seated.db.session() as session:
        row = (await session.exec(select(OutboxMessage).where(  # type: ignore[call-overload]
            OutboxMessage.dedupe_key == f"booking_reminder:{mine.id}"))).scalar_one()
    assert row.next_try_at == shanghai(1, 17)
    replies = await render(seated, 1001, row.kind, row.params)
    text = next(r for r in replies if isinstance(r, SendText))
    assert "提醒" in text.text and mine.code in text.text
    labels = [b.text for line in text.buttons for b in line]
    assert "⏰ 我会晚到" in labels and "✖️ 取消预订" in labels
    await chat.press_data(BookLate(mine.id, 0).pack())
    assert chat.button_texts == ["10分钟", "20分钟", "30分钟"]
    await chat.press("20分钟")
    assert "晚到约20分钟" in chat.texts
    async with seated.db.session() as session:
        told = (await session.exec(select(OutboxMessage).where(  # type: ignore[call-overload]
            OutboxMessage.kind == "booking_late"))).scalars().all()
    assert told  # the owner is told
    staff_text = await render(seated, told[0].chat_id, "booking_late", told[0].params)
    assert mine.code in staff_text[0].text  # type: ignore[union-attr]
    # once cancelled, the reminder renders nothing
    await chat.press_data(BookCancel(mine.id).pack())
    assert await render(seated, 1001, row.kind, row.params) == []


# ------------------------------------------------------------------ bad input


async def test_a_time_in_the_past_offers_the_next_free_ones(seated: App, chat: Chat) -> None:
    await chat.say("今天上午10点两位 海底捞")
    assert "已经过了" in chat.texts and chat.button_texts


async def test_a_time_outside_the_hours_says_so(seated: App, chat: Chat) -> None:
    await chat.say("明天早上7点两位 海底捞")
    assert "不接待" in chat.texts and "营业时间" in chat.texts and chat.button_texts


async def test_a_day_beyond_the_horizon_asks_a_nearer_day(seated: App, chat: Chat) -> None:
    await chat.say("12月30日晚上7点两位 海底捞")
    assert "只能提前14天订座" in chat.texts and "明天" in chat.button_texts


async def test_a_party_bigger_than_any_table_is_told_to_call(seated: App, chat: Chat) -> None:
    await chat.say("明晚7点 12个人 海底捞")
    assert "最大的桌只能坐8人" in chat.texts and "0591-83681001" in chat.texts


async def test_a_store_without_seating_gives_its_phone_and_others(seated: App,
                                                                  chat: Chat) -> None:
    await chat.say("明晚7点两位 沙县小吃")
    assert "暂不支持聊天订座" in chat.texts and "☎️" in chat.texts
    assert chat.button_texts  # restaurants that do take bookings


async def test_booking_the_same_slot_twice_and_a_double_tap_book_once(
        seated: App, chat: Chat) -> None:
    await chat.say("明晚7点两位 海底捞")
    confirm = next(b for b, _ in chat.buttons if "确认" in b.text)
    assert confirm.data is not None
    await chat.press_data(confirm.data)
    await chat.press_data(confirm.data)  # the double tap
    assert "已经为你订好" in chat.texts
    await chat.say("明晚7点半两位 海底捞")
    await chat.press("确认")
    assert "两小时内已有预订" in chat.texts
    assert len(await bookings_of(seated, 1001)) == 1


async def test_forged_and_stale_buttons_change_nothing(seated: App, chat: Chat) -> None:
    await chat.press_data("bks:999999:2:1")
    assert chat.texts  # a polite answer
    await chat.press_data("bkd:1")  # no question waiting
    assert "已经结束" in chat.texts
    await chat.press_data("bkx:424242")
    assert "没有可取消的" in chat.texts
    await chat.press_data(BookSlot(await wanda(seated), 2, 1).pack())  # 1970
    await chat.press_data("bks:x:y")
    assert await bookings_of(seated, 1001) == []


async def test_someone_elses_booking_cannot_be_cancelled(seated: App, chat: Chat,
                                                         english_chat: Chat) -> None:
    await english_chat.say("table for 2 tomorrow 7pm at haidilao")
    await english_chat.press("Confirm")
    [theirs] = await bookings_of(seated, 2002)
    await chat.press_data(BookCancel(theirs.id).pack())
    await chat.press_data(BookLate(theirs.id, 20).pack())
    code = (await booking_by_code(seated.db, theirs.code))
    assert code is not None and code.status == "confirmed" and code.late_minutes == 0


async def test_odd_text_while_a_question_waits_is_answered(seated: App, chat: Chat) -> None:
    await chat.say("海底捞 订座")
    for odd in ("🍲🍲🍲", "'; DROP TABLE bookings; --", "x" * 3000, "0"):
        await chat.say(odd)
        assert chat.texts
    assert await bookings_of(seated, 1001) == []


async def test_a_kind_of_food_with_a_time_and_a_party_books_at_such_a_place(
        seated: App, chat: Chat) -> None:
    """"明晚7点两位 火锅" names no restaurant: the hotpot places that take bookings are
    offered, not every restaurant nor a list of deals."""
    await chat.say("明晚7点两位 火锅")
    names = " ".join(chat.button_texts) + chat.texts
    assert "海底捞" in names or "串串" in names or "潮牛" in names
    assert "寿司" not in names and "¥" not in chat.texts


async def test_people_in_a_deals_name_are_not_a_booking(seated: App, chat: Chat) -> None:
    """"明天的4人套餐" is a set meal for four, not plainly a table: deals are one of the
    readings offered, and no booking question is asked."""
    await chat.say("明天的4人套餐")
    assert "想订哪家" not in chat.texts and "订座码" not in chat.texts
    assert any("找优惠" in b for b in chat.button_texts) or "¥" in chat.texts
