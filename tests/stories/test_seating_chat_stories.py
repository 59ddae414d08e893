"""The owner sets a store's seating from the chat, and the staff run the day: told as
stories on SQLite and PostgreSQL, through the same dispatch as every transport.

Each story opens a restaurant of its own beside the demo world (an approved merchant with
an owner, a staff member and its stores), so whatever seating the demo restaurants have
does not matter. STORY_NOW is Wednesday 25 November 2026, 12:00 in Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from handlers.core import EditText
from handlers.payloads import SeatingStop, SeatingStore, StaffDay, StaffMark, StaffWalkInParty
from handlers.router import App
from services.bookings.booking import book, booking_view, free_slots
from services.bookings.seating import store_seating
from services.platform.users import demo_telegram_id, ensure_user
from storage.models import (
    Booking,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    StaffRole,
    Store,
    TableType,
)
from tests.conftest import STORY_NOW, Chat
from tests.helpers.booking_world import shanghai

NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class Restaurant:
    """A restaurant of the story's own: its owner's and staff's chats, its stores."""

    merchant_id: int
    store_ids: list[int]
    owner: Chat
    staff: Chat


async def open_restaurant(app: App, slug: str, hours: tuple[str, ...] = ("11:00-22:00",),
                          lang: str = "zh") -> Restaurant:
    """An approved merchant `slug` with an owner (`<slug>-owner`), a staff member
    (`<slug>-staff`) and a store per opening hours given."""
    db = app.db
    owner_id = demo_telegram_id(f"{slug}-owner")
    staff_id = demo_telegram_id(f"{slug}-staff")
    owner = await ensure_user(db, owner_id, first_name=f"{slug}-owner", language_code=lang)
    staff = await ensure_user(db, staff_id, first_name=f"{slug}-staff", language_code=lang)
    async with db.transaction() as session:
        merchant = Merchant(slug=slug, name_zh=f"{slug}饭店", name_en=f"{slug} Diner",
                            category="hotpot", status=MerchantStatus.APPROVED,
                            owner_user_id=owner.id)
        session.add(merchant)
        await session.flush()
        assert merchant.id is not None
        session.add(MerchantStaff(merchant_id=merchant.id, user_id=owner.id,
                                  role=StaffRole.OWNER, created_at=STORY_NOW))
        session.add(MerchantStaff(merchant_id=merchant.id, user_id=staff.id,
                                  role=StaffRole.STAFF, created_at=STORY_NOW))
        stores = [Store(merchant_id=merchant.id, name_zh=f"{slug}{n + 1}号店",
                        name_en=f"{slug} No.{n + 1}", address_zh="马尾区江滨东大道1号",
                        lat=25.99 + n / 100, lon=119.44, opening_hours=h, phone="0591-8000")
                 for n, h in enumerate(hours)]
        session.add_all(stores)
        await session.flush()
        ids = [s.id for s in stores if s.id is not None]
        merchant_id = merchant.id
    return Restaurant(merchant_id, ids,
                      Chat(app, owner_id, f"{slug}-owner", lang),
                      Chat(app, staff_id, f"{slug}-staff", lang))


async def shopper_id(app: App, name: str) -> int:
    return (await ensure_user(app.db, demo_telegram_id(name), first_name=name)).id


async def count_bookings(app: App, store_id: int) -> int:
    async with app.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(Booking).where(
            Booking.store_id == store_id))).scalar_one())  # type: ignore[arg-type]


# ----------------------------------------------------------------------- the owner


async def test_an_owner_sets_seating_in_one_step_and_the_defaults_do_the_rest(app: App) -> None:
    place = await open_restaurant(app, "seat1")
    owner = place.owner
    await owner.say("/seating")
    assert "seat1饭店 的订座" in owner.texts and "未开放订座" in owner.texts
    assert "2人桌6张 4人桌4张 8人桌1张" in owner.texts  # the example to copy
    await owner.say("2人桌6张 4人桌4张 8人桌1张")
    text = owner.texts
    assert "✅ 「seat11号店」的订座已设置" in text
    for words in ("2人桌×6、4人桌×4、8人桌×1（共 11 张桌，36 个座位）", "每 30 分钟一个时段",
                  "每桌用餐 90 分钟", "可提前 14 天预订", "打烊前 60 分钟最后入座", "每天营业",
                  "不收定金", "营业时间 11:00-22:00（Asia/Shanghai）"):
        assert words in text, words
    seating = await store_seating(app.db, place.store_ids[0])
    assert seating is not None and seating.plan.tables == ((2, 6), (4, 4), (8, 1))
    done = await book(app.db, await shopper_id(app, "diner"), place.store_ids[0], 2,
                      shanghai(1, 19), STORY_NOW, name="Ann")
    assert done.booking is not None and done.booking.status == "confirmed"
    # One line after the command does it at once for a single store.
    await owner.say("/seating 2x3")
    assert "2人桌×3" in owner.texts and "4人桌" not in owner.texts


async def test_the_options_in_english_and_what_is_left_out_stays(app: App) -> None:
    place = await open_restaurant(app, "seat2", lang="en")
    owner = place.owner
    await owner.say("/seating")
    assert "Which tables does" in owner.texts
    await owner.say("2x6 4x2 slot 15 stay 2h ahead 30 last 45 closed mon and tue deposit 50 "
                    "cancel 3h")
    text = owner.texts
    for words in ("6 × 2-seat tables, 2 × 4-seat tables (8 tables, 20 seats)",
                  "A start every 15 min; a sitting lasts 120 min",
                  "Bookable up to 30 days ahead; last seating 45 min before closing",
                  "Closed on Monday, Tuesday",
                  "Deposit ¥50 a booking, given back on a cancellation up to 3 hours before"):
        assert words in text, words
    await owner.say("/seating")
    assert "what you leave out stays as it is" in owner.texts
    assert "Deposit ¥50" in owner.texts  # the current plan is shown first
    await owner.say("no deposit, closed none")
    seating = await store_seating(app.db, place.store_ids[0])
    assert seating is not None
    plan = seating.plan
    assert (plan.tables, plan.stay_minutes, plan.slot_minutes, plan.deposit, plan.closed_days) == (
        ((2, 6), (4, 2)), 120, 15, 0, frozenset())
    assert "No deposit" in owner.texts and "Open every day" in owner.texts


async def test_an_owner_of_several_stores_picks_one_and_a_line_typed_first_waits(app: App) -> None:
    place = await open_restaurant(app, "seat3", hours=("11:00-22:00", "17:00-23:00"))
    owner = place.owner
    await owner.say("/seating 2x4 8x1")
    assert "要设置哪家门店的订座" in owner.texts
    await owner.say("随便")  # typed instead of pressed
    assert "请用上面的按钮选择门店" in owner.texts
    await owner.press_data(SeatingStore(place.store_ids[1]).pack())
    assert "「seat32号店」的订座已设置" in owner.texts and "2人桌×4、8人桌×1" in owner.texts
    assert await store_seating(app.db, place.store_ids[0]) is None
    second = await store_seating(app.db, place.store_ids[1])
    assert second is not None and second.plan.tables == ((2, 4), (8, 1))


async def test_stopping_bookings_keeps_the_tables_and_the_bookings_made(app: App) -> None:
    place = await open_restaurant(app, "seat4")
    owner, store_id = place.owner, place.store_ids[0]
    await owner.say("/seating 2x2 4x1")
    made = await book(app.db, await shopper_id(app, "early"), store_id, 2, shanghai(1, 19),
                      STORY_NOW, name="Early")
    assert made.booking is not None
    await owner.say("/seating")
    await owner.press("暂停订座")
    assert "「seat41号店」已暂停接受新的订座" in owner.texts
    refused = await book(app.db, await shopper_id(app, "late"), store_id, 2, shanghai(1, 20),
                         STORY_NOW)
    assert refused.reason == "no_tables"
    kept = await booking_view(app.db, made.booking.id)
    assert kept is not None and kept.status == "confirmed"
    async with app.db.session() as session:
        rows = (await session.exec(select(TableType.seats, TableType.tables).where(
            TableType.store_id == store_id).order_by(TableType.seats))).all()  # type: ignore[arg-type]
    assert [tuple(r) for r in rows] == [(2, 0), (4, 0)]
    await owner.say("/seating")
    assert "已暂停订座（桌位保留）" in owner.texts
    await owner.say("定金50元")  # options alone: no tables to keep
    assert "请先写出门店有哪些桌" in owner.texts
    await owner.say("2x2")
    assert "已设置" in owner.texts
    again = await book(app.db, await shopper_id(app, "late"), store_id, 2, shanghai(1, 20),
                       STORY_NOW)
    assert again.booking is not None
    await owner.press_data(SeatingStop(store_id).pack())
    await owner.press_data(SeatingStop(store_id).pack())  # a second tap
    assert "本来就没有开放订座" in owner.texts


async def test_a_store_without_opening_hours_is_told_how_to_set_them(app: App) -> None:
    place = await open_restaurant(app, "seat5", hours=("",))
    await place.owner.say("/seating")
    assert "还没有营业时间" in place.owner.texts
    assert "/stores → ✏️ 编辑 → 🕒 营业时间" in place.owner.texts
    await place.owner.say("2x6")  # not asked: nothing is saved
    assert await store_seating(app.db, place.store_ids[0]) is None


async def test_hours_too_short_for_the_last_seating_are_warned_of(app: App) -> None:
    place = await open_restaurant(app, "seat6", hours=("11:00-12:00",))
    await place.owner.say("/seating 2x2 打烊前90分钟")
    assert "未来一周没有可订的时段" in place.owner.texts


async def test_bad_lines_are_explained_and_asked_again_until_a_good_one(app: App) -> None:
    place = await open_restaurant(app, "seat7")
    owner = place.owner
    await owner.say("/seating")
    for line, words in (("hello", "没看懂「hello」"), ("2x0", "每种桌有 1 到 500 张"),
                        ("99人桌1张", "每张桌可坐 1 到 50 人"), ("🍜🍜", "没看懂「🍜🍜」"),
                        ("2x6; DROP TABLE stores;--", "没看懂「DROP」"),
                        ("每20分钟 2x6", "时段间隔只能是 15 / 30 / 60 分钟"),
                        ("2x6 用餐100分钟", "用餐时长为 30 到 360 分钟"),
                        ("2x6 定金99999元", "定金最多 ¥10,000"),
                        ("2x6 时区 Mars/Base", "不认识时区「Mars/Base」"),
                        ("2x6 " * 100, "太长了"), ("2x6 2x4", "2人桌写了两次")):
        await owner.say(line)
        assert words in owner.texts, (line, owner.texts)
        assert "有哪些桌位" in owner.texts  # asked again
    await owner.send_photo()
    assert "请用一行写出桌位" in owner.texts
    assert await store_seating(app.db, place.store_ids[0]) is None
    await owner.say("２×６")
    assert "已设置" in owner.texts
    await owner.say("/seating")
    await owner.press("取消")
    assert "没有任何改动" in owner.texts
    await owner.press("取消")  # the question is gone
    assert "没有任何改动" not in owner.texts


async def test_only_the_owner_sets_seating_and_only_for_their_own_stores(app: App) -> None:
    place = await open_restaurant(app, "seat8")
    other = await open_restaurant(app, "seat9")
    shopper = Chat(app, user_id=7001, name="Nosy")
    await shopper.say("/seating")
    assert "只有已通过审核的商家店主" in shopper.texts
    await place.staff.say("/seating")
    assert "只有已通过审核的商家店主" in place.staff.texts
    await other.owner.press_data(SeatingStore(place.store_ids[0]).pack())
    assert "这不是你的门店" in other.owner.texts
    await other.owner.press_data(SeatingStop(place.store_ids[0]).pack())
    assert "这不是你的门店" in other.owner.texts
    assert await store_seating(app.db, place.store_ids[0]) is None


# ----------------------------------------------------------------------- the staff


async def seated_restaurant(app: App, slug: str, tables: str = "2x3 4x2") -> Restaurant:
    place = await open_restaurant(app, slug)
    await place.owner.say(f"/seating {tables}")
    assert "已设置" in place.owner.texts
    return place


async def test_staff_list_today_and_mark_one_arrived_and_one_no_show(app: App) -> None:
    place = await seated_restaurant(app, "day1")
    store_id, staff = place.store_ids[0], place.staff
    bob = await book(app.db, await shopper_id(app, "bob"), store_id, 2, shanghai(0, 12, 30),
                     STORY_NOW, name="Bob")
    ann = await book(app.db, await shopper_id(app, "ann"), store_id, 3, shanghai(0, 13),
                     STORY_NOW, name="Ann")
    await book(app.db, await shopper_id(app, "cy"), store_id, 2, shanghai(1, 19), STORY_NOW,
               name="Cy")  # tomorrow
    assert bob.booking and ann.booking
    await staff.say("/daybook")
    text = staff.texts
    assert "📅 day11号店 · 2026-11-25（周三）" in text
    assert "订座 2 桌，共 5 人；已到 0 人" in text
    assert f"12:30 · 2人 · Bob · 🟢 已确认 · {bob.booking.code}" in text
    assert f"13:00 · 3人 · Ann · 🟢 已确认 · {ann.booking.code}" in text
    assert "Cy" not in text
    # At 12:00 Bob cannot be a no-show yet: staff are told from when.
    await staff.press("🚫 12:30")
    assert "要到 12:45 起" in staff.texts
    app.clock = lambda: STORY_NOW + timedelta(minutes=50)  # 12:50
    await staff.say("/daybook 今天")
    await staff.press("✅ 13:00 Ann")
    edit = staff.replies[-1]
    assert isinstance(edit, EditText)  # the list is drawn again in the same message
    assert "已标记 Ann 到店" in edit.text and "13:00 · 3人 · Ann · ✅ 已到店" in edit.text
    assert "已到 3 人" in edit.text
    await staff.press("🚫 12:30")
    assert "已标记 Bob 爽约" in staff.texts and "爽约 1 桌" in staff.texts
    assert [b.text for b, _ in staff.buttons if "✅ 1" in b.text] == []  # none left to mark
    assert (await booking_view(app.db, bob.booking.id)).status == "no_show"  # type: ignore[union-attr]
    # A double tap (an old button) changes nothing and says so.
    await staff.press_data(StaffMark(ann.booking.id, "arrived").pack())
    assert "Ann 已经是「✅ 已到店」" in staff.texts
    await staff.say("/daybook 明天")
    assert "2026-11-26（周四）" in staff.texts and "Cy" in staff.texts
    await staff.say("/daybook 2026-11-26")
    assert "19:00 · 2人 · Cy" in staff.texts
    await staff.say("/daybook 下周")
    assert "查看哪一天" in staff.texts


async def test_a_walk_in_blocks_a_table_and_a_shopper_then_finds_that_slot_taken(
        app: App) -> None:
    place = await seated_restaurant(app, "day2", tables="2x1")
    store_id, staff = place.store_ids[0], place.staff
    seating = await store_seating(app.db, store_id)
    assert seating is not None
    before = await free_slots(app.db, seating, 2, shanghai(0, 12), shanghai(0, 15), STORY_NOW)
    assert shanghai(0, 12, 30) in [s.starts_at for s in before]
    await staff.say("/daybook")
    await staff.press("散客入座")
    assert "几位" in staff.texts
    await staff.press("2")
    assert "散客 2 位已入座 2 人桌，到 13:30" in staff.texts
    assert "散客 1 桌（2 人）" in staff.texts and "12:00 · 2人 · 散客 · ✅ 已到店" in staff.texts
    await staff.press_data(StaffWalkInParty(store_id, 2).pack())  # the double tap
    assert "已经登记过了" in staff.texts
    assert await count_bookings(app, store_id) == 1
    after = await free_slots(app.db, seating, 2, shanghai(0, 12), shanghai(0, 15), STORY_NOW)
    assert shanghai(0, 12, 30) not in [s.starts_at for s in after]
    taken = await book(app.db, await shopper_id(app, "walker"), store_id, 2,
                       shanghai(0, 12, 30), STORY_NOW)
    assert taken.reason == "full"
    # A party size typed, bigger than any table: told so, nothing blocked.
    await staff.say("/daybook")
    await staff.press("散客入座")
    await staff.say("5")
    assert "最大的桌坐 2 位" in staff.texts
    assert await count_bookings(app, store_id) == 1


async def test_others_cannot_see_or_mark_a_store_s_bookings(app: App) -> None:
    place = await seated_restaurant(app, "day3")
    other = await seated_restaurant(app, "day4")
    made = await book(app.db, await shopper_id(app, "dee"), place.store_ids[0], 2,
                      shanghai(0, 13), STORY_NOW, name="Dee")
    assert made.booking is not None
    app.clock = lambda: STORY_NOW + timedelta(minutes=50)
    shopper = Chat(app, user_id=7002, name="Nosy")
    await shopper.say("/daybook")
    assert "只有商家店员可以这样做" in shopper.texts
    await shopper.press_data(StaffMark(made.booking.id, "arrived").pack())
    assert "只有商家店员可以这样做" in shopper.texts
    for intruder in (other.staff, other.owner):
        await intruder.say("/daybook")
        assert "Dee" not in intruder.texts
        await intruder.press_data(StaffMark(made.booking.id, "arrived").pack())
        assert "这不是你门店的订座" in intruder.texts
        await intruder.press_data(StaffDay(place.store_ids[0], 20261125).pack())
        assert "这不是你门店的订座" in intruder.texts
        await intruder.say(f"/daybook {made.booking.code}")
        assert "没有订座码为" in intruder.texts
    assert (await booking_view(app.db, made.booking.id)).status == "confirmed"  # type: ignore[union-attr]
    # Staff of the store find it by its code and mark it from there.
    await place.staff.say(f"/daybook {made.booking.code.lower()}")
    assert "13:00 · 2人 · Dee · 🟢 已确认" in place.staff.texts
    await place.staff.press("✅ 13:00")
    assert "已标记 Dee 到店" in place.staff.texts


async def test_the_owner_sees_every_store_and_a_long_day_comes_in_pages(app: App) -> None:
    place = await open_restaurant(app, "day5", hours=("11:00-22:00", "11:00-22:00"))
    await place.owner.say("/seating 2x20")
    await place.owner.press_data(SeatingStore(place.store_ids[0]).pack())
    await place.owner.say("/seating 2x20")
    await place.owner.press_data(SeatingStore(place.store_ids[1]).pack())
    for n in range(11):
        done = await book(app.db, None, place.store_ids[1], 2, shanghai(1, 12 + n % 8),
                          STORY_NOW, name=f"Guest{n}")
        assert done.booking is not None, done.reason
    owner = place.owner
    await owner.say("/daybook tomorrow")  # a message per store, the busy one last
    assert "day51号店" in owner.texts and "day52号店" in owner.texts
    assert "第 1/2 页" in owner.texts and "订座 11 桌，共 22 人" in owner.texts
    await owner.press("下一页")
    edit = owner.replies[-1]
    assert isinstance(edit, EditText) and "第 2/2 页" in edit.text
    assert edit.text.count("Guest") == 3
    await owner.press("前一天")
    assert "2026-11-25" in owner.texts and "暂无订座" in owner.texts


async def test_a_store_in_new_york_keeps_its_own_day(app: App) -> None:
    place = await open_restaurant(app, "day6", lang="en")
    await place.owner.say("/seating 2x2 timezone America/New_York")
    assert "Hours 11:00-22:00 (America/New_York)" in place.owner.texts
    # STORY_NOW is 23:00 on Tuesday 24 November in New York.
    seven = datetime(2026, 11, 25, 19, 0, tzinfo=NEW_YORK).astimezone(UTC)
    done = await book(app.db, await shopper_id(app, "nyc"), place.store_ids[0], 2, seven,
                      STORY_NOW, name="Ny")
    assert done.booking is not None, done.reason
    staff = place.staff
    await staff.say("/daybook today")
    assert "2026-11-24 (Tue)" in staff.texts and "No bookings." in staff.texts
    await staff.say("/daybook tomorrow")
    assert "2026-11-25 (Wed)" in staff.texts
    assert f"19:00 · 2 people · Ny · 🟢 confirmed · {done.booking.code}" in staff.texts
    assert "1 booking, 2 people; arrived: 0" in staff.texts
