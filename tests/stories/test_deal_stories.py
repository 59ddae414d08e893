"""An owner posts deals from the chat: the guided /newdeal, the one-line form, a CSV
file; manages them with /deals (edit, pause, resume, end); shoppers find and buy them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import col, select

from handlers.core import SendDocument, SendPhoto
from handlers.router import App
from services.catalog.deal_cards import merchant_id_of
from services.merchants.admin import suspend_merchant
from services.merchants.deal_import import MAX_ROWS
from services.orders.checkout import start_order
from services.platform.conversations import get_state
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import Deal, DealStore, Merchant, Order
from tests.conftest import STORY_NOW, Chat


def owner(app: App, slug: str = "haidilao") -> Chat:
    return Chat(app, user_id=demo_telegram_id(f"{slug}-owner"), name=f"{slug}-owner")


async def deals_titled(app: App, title: str) -> list[Deal]:
    async with app.db.session() as session:
        return list((await session.exec(
            select(Deal).where(col(Deal.title_zh) == title))).all())


async def guided_deal(chat: Chat, title: str = "冬日暖锅双人餐") -> None:
    """The guided conversation answered with a few wrong answers on the way."""
    await chat.say("/newdeal")
    assert "名字" in chat.texts
    await chat.say(title)
    await chat.say("锅底任选，含 6 份菜品。\n周一至周日通用。")
    await chat.press("跳过")  # no photo
    await chat.say("八十八")
    assert "不是金额" in chat.texts and "团购价是多少" in chat.texts
    await chat.say("¥88")
    await chat.say("60")
    assert "原价必须高于团购价" in chat.texts
    await chat.say("168元")
    await chat.press("跳过")  # not a group deal
    await chat.say("100份")
    await chat.press("2")
    await chat.press("立即")
    await chat.say("2025-01-01")
    assert "已经过去" in chat.texts
    await chat.say("12月31日")
    await chat.press("跳过")  # no rules
    assert "哪些门店" in chat.texts and all("✅" in b for b in chat.button_texts[:2])
    await chat.press("快安")  # leave the Kuai'an store out
    assert any("⬜" in b and "快安" in b for b in chat.button_texts)
    await chat.press("完成")
    await chat.press("和店铺一样")
    await chat.say("火锅，双人、冬季")
    await chat.press("随时退")


async def test_an_owner_posts_a_deal_step_by_step_and_a_shopper_buys_it(app: App) -> None:
    boss = owner(app)
    await guided_deal(boss)
    preview = boss.texts
    assert "【冬日暖锅双人餐】" in preview and "¥88" in preview and "¥168" in preview
    assert "5.2折" in preview and "数量：100" in preview and "每人限购：2" in preview
    assert "2026-11-25 至 2026-12-31" in preview  # from today and "#火锅 #双人 #冬季" in preview
    assert "马尾万达" in preview and "快安" not in preview
    await boss.press("发布")
    assert "发布成功" in boss.texts and "start=deal_" in boss.texts
    [deal] = await deals_titled(app, "冬日暖锅双人餐")
    assert (deal.price, deal.original_price, deal.stock, deal.per_user_limit) == (8800, 16800,
                                                                                100, 2)
    assert deal.status == "active" and deal.category == "hotpot"
    assert deal.valid_until == STORY_NOW.replace(month=12, day=31, hour=15, minute=59,
                                                 second=59)  # 23:59:59 in Shanghai
    async with app.db.session() as session:
        stores = (await session.exec(select(DealStore).where(DealStore.deal_id == deal.id))).all()
    assert len(stores) == 1
    await boss.press_data("nd:pub")  # the old preview's Publish pressed again
    assert len(await deals_titled(app, "冬日暖锅双人餐")) == 1

    shopper = Chat(app, user_id=5101, name="Mei")
    await shopper.share_location(26.0, 119.45)
    await shopper.say("暖锅")
    assert "冬日暖锅双人餐" in shopper.texts
    await shopper.say(f"/start deal_{deal.id}")
    await shopper.press("🛒")
    await shopper.press("2")
    assert "2 × ¥88 = ¥176" in shopper.texts


async def test_the_preview_can_be_edited_before_publishing(app: App) -> None:
    boss = owner(app)
    await guided_deal(boss, "暖锅单人餐")
    await boss.press("修改")
    await boss.press("团购价")
    await boss.say("200")
    assert "原价必须高于团购价" in boss.texts
    await boss.say("99")
    assert "预览" in boss.texts and "¥99" in boss.texts  # straight back to the preview
    await boss.press("修改")
    await boss.press("开始日期")
    await boss.say("2027-02-01")  # after the chosen last day: the last day is asked again
    assert "截止日期不能早于开始日期" in boss.texts
    await boss.say("2027-02-28")
    assert "2027-02-01 至 2027-02-28" in boss.texts
    await boss.press("取消")
    assert "没有发布" in boss.texts and not await deals_titled(app, "暖锅单人餐")


async def test_a_photo_must_really_be_a_photo(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("Sunday brunch for two")
    await boss.press("跳过")
    await boss.send_file("menu.pdf", b"%PDF-1.4", "application/pdf")
    assert "以文件发送" in boss.texts
    await boss.say("here is a photo")
    assert "不是图片" in boss.texts
    await boss.send_photo("AgACAgQAAx-photo")
    assert "团购价是多少" in boss.texts
    for answer in ("128", "198", "-", "不限", "1", "现在", "2027-01-31", "-"):
        await boss.say(answer)
    await boss.press("完成")
    await boss.press("和店铺一样")
    await boss.say("skip")
    await boss.say("不可退")
    photos = [r for r in boss.replies if isinstance(r, SendPhoto)]
    assert photos and photos[0].photo == "AgACAgQAAx-photo"
    assert "数量：不限量" in boss.texts and "不可退" in boss.texts


async def test_the_one_line_form_goes_to_the_same_preview(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 双人火锅套餐 | 88 | 168 | 100 | 2026-12-31")
    assert "【双人火锅套餐】" in boss.texts and "2026-12-31" in boss.texts
    await boss.press("发布")
    [deal] = await deals_titled(app, "双人火锅套餐")
    assert deal.stock == 100 and deal.per_user_limit == 1
    async with app.db.session() as session:
        stores = (await session.exec(select(DealStore).where(DealStore.deal_id == deal.id))).all()
    assert len(stores) == 2  # all the merchant's stores


async def test_a_wrong_one_line_form_lists_every_problem_and_publishes_nothing(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal X | abc | -5 | lots | 2020-01-01")
    text = boss.texts
    assert "名称" in text and "团购价" in text and "原价" in text and "数量" in text
    assert "已经过去" in text and "格式：/newdeal" in text
    await boss.say("/newdeal just a title")
    assert "3 到 5 段" in boss.texts
    await boss.say("/newdeal 火锅 | 168 | 88")
    assert "原价必须高于团购价" in boss.texts
    async with app.db.session() as session:
        titles = (await session.exec(select(Deal.title_zh))).all()
    assert "火锅" not in titles


async def test_nasty_answers_are_asked_again_not_stored(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    for nasty in ("", "  ", "🍲", "x" * 61, "\u200b\u200b"):
        await boss.say(nasty)
        assert "名称" in boss.texts or "名字" in boss.texts
    await boss.say("'; DROP TABLE deals; -- 🍲火锅")
    assert "介绍" in boss.texts  # taken as a (strange) title, safely
    await boss.say("描" * 501)
    assert "最多 500 字" in boss.texts
    await boss.say("/cancel")
    await boss.say("Hello")
    assert "介绍" not in boss.texts  # the flow is gone


async def test_an_abandoned_draft_expires_after_30_minutes(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("过期草稿")
    app.clock = lambda: STORY_NOW + timedelta(minutes=31)
    await boss.say("99")
    assert "介绍" not in boss.texts


def deals_csv(rows: list[list[str]], header: list[str] | None = None,
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or ["标题", "价格", "原价", "数量", "截止日期", "门店"])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def test_a_csv_file_imports_many_deals_once(app: App) -> None:
    boss = owner(app)
    await boss.say("/import")
    [template] = [r for r in boss.replies if isinstance(r, SendDocument)]
    assert template.data.startswith("\ufeff".encode()) and b"original_price" in template.data
    rows = [["清汤锅底套餐", "58", "98", "50", "2026-12-31", ""],
            ["麻辣牛油锅, 四人", "198", "298", "不限", "", "海底捞（快安店）"],
            ["宵夜 🍢 小食拼盘", "39.9", "59", "", "12-31",
             "海底捞（马尾万达店）;海底捞（快安店）"]]
    await boss.send_file("deals.csv", deals_csv(rows))
    assert "已导入 3 个团购" in boss.texts
    [spicy] = await deals_titled(app, "麻辣牛油锅, 四人")
    assert spicy.stock is None and spicy.price == 19800
    await boss.send_file("deals.csv", deals_csv(rows))  # sent again by mistake
    assert "这 3 个团购之前都已经导入过，没有新增" in boss.texts
    assert len(await deals_titled(app, "清汤锅底套餐")) == 1


async def test_excel_in_china_saves_gbk_and_that_imports_too(app: App) -> None:
    boss = owner(app)
    data = deals_csv([["鸳鸯锅双人餐", "99", "158", "20", "2026-12-20", ""]], encoding="gbk")
    await boss.send_file("团购.csv", data)
    assert "已导入 1 个团购" in boss.texts
    assert await deals_titled(app, "鸳鸯锅双人餐")


async def test_one_bad_row_means_nothing_is_imported_and_each_problem_is_named(app: App) -> None:
    boss = owner(app)
    rows = [["好套餐", "58", "98", "50", "2026-12-31", ""],
            ["贵套餐", "300", "98", "50", "2026-12-31", ""],
            ["", "58", "98", "", "", ""],
            ["远套餐", "58", "98", "50", "2026-12-31", "不存在的店"],
            ["好套餐", "58", "98", "50", "2026-12-31", ""]]
    await boss.send_file("deals.csv", deals_csv(rows))
    text = boss.texts
    assert "没有导入任何团购" in text and "5 行里有 4 行需要修改" in text
    assert "第 3 行，原价" in text and "第 4 行，标题" in text
    assert "第 5 行，门店" in text and "不存在的店" in text and "第 6 行，整行" in text
    assert not await deals_titled(app, "好套餐")


async def test_files_that_are_not_usable_csv_get_a_clear_answer(app: App) -> None:
    boss = owner(app)
    await boss.send_file("deals.csv", deals_csv([["a", "1", "2"]], header=["name", "cost"]))
    assert "缺少这些列：price, original_price" in boss.texts
    await boss.send_file("deals.xlsx", b"PK\x03\x04 workbook", "application/vnd.ms-excel")
    assert "只能从 CSV" in boss.texts
    await boss.send_file("deals.csv", b"PK\x03\x04 workbook")
    assert "Excel" in boss.texts
    await boss.send_file("deals.csv", b"")
    assert "文件是空的" in boss.texts
    await boss.send_file("deals.csv", "标题,价格,原价\n".encode())
    assert "只有表头" in boss.texts
    await boss.send_file("deals.csv", b"\xff\xd8\xff\x00binary")
    assert "不是文本文件" in boss.texts
    await boss.send_file("huge.csv", b"x" * (20 * 1024 * 1024 + 1))
    assert "文件太大" in boss.texts
    many = deals_csv([[f"套餐{i}", "10", "20", "1", "2026-12-31", ""] for i in range(100_000)])
    await boss.send_file("big.csv", many)
    assert "文件里有 100,000 个团购，每个文件最多 1,000 个" in boss.texts
    rows = deals_csv([[f"套餐{i}", "10", "20"] for i in range(MAX_ROWS + 1)],
                     header=["title", "price", "original_price"])
    await boss.send_file("many.csv", rows)
    assert f"{MAX_ROWS + 1:,} 个团购" in boss.texts and "拆成几个文件" in boss.texts
    async with app.db.session() as session:
        assert not (await session.exec(select(Deal).where(col(Deal.title_zh) == "套餐1"))).all()


async def test_a_file_from_someone_who_is_not_an_owner_is_not_imported(app: App) -> None:
    shopper = Chat(app, user_id=5102, name="Lu")
    await shopper.send_file("deals.csv", deals_csv([["偷偷上架", "1", "2", "", "", ""]]))
    assert shopper.texts == "暂时还看不懂文件。请发文字、命令或位置给我。"
    assert not await deals_titled(app, "偷偷上架")


async def test_deals_lists_sales_and_pause_resume_end(app: App) -> None:
    boss = owner(app)
    await boss.say("/deals")
    assert "你的团购" in boss.texts and "已售" in boss.texts
    await boss.say("/newdeal 暂停测试套餐 | 50 | 80 | 10")
    await boss.press("发布")
    await boss.press("管理")
    assert "剩余 10" in boss.texts
    await boss.press("暂停")
    assert "已暂停" in boss.texts
    [deal] = await deals_titled(app, "暂停测试套餐")
    shopper = Chat(app, user_id=5103, name="Qi")
    await shopper.say(f"/start deal_{deal.id}")
    assert not any("🛒" in b for b in shopper.button_texts)  # not on sale while paused
    await boss.press("恢复")
    assert "已恢复售卖" in boss.texts
    await boss.press_data(f"dr:{deal.id}")  # the old Resume button again
    assert "它没有暂停" in boss.texts
    await boss.press("结束")
    assert "确定结束" in boss.texts
    await boss.press("确定结束")
    assert "已结束" in boss.texts and "暂停" not in boss.button_texts
    await boss.press_data(f"dr:{deal.id}")
    assert "它没有暂停" in boss.texts
    [deal] = await deals_titled(app, "暂停测试套餐")
    assert deal.status == "ended"


async def test_a_price_change_never_alters_an_order_already_pending(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 改价测试套餐 | 50 | 80")
    await boss.press("发布")
    [deal] = await deals_titled(app, "改价测试套餐")
    shopper = Chat(app, user_id=5104, name="Ren")
    await shopper.say("/start")
    profile = await get_profile_by_telegram_id(app.db, shopper.sender.id)
    assert profile is not None and deal.id is not None
    pending = await start_order(app.db, profile.id, deal.id, 1, STORY_NOW,
                                timedelta(minutes=15))
    await boss.press("管理")
    await boss.press("团购价")
    await boss.say("0")
    assert "必须大于 0" in boss.texts
    await boss.say("60")
    assert "团购价已保存" in boss.texts and "¥60" in boss.texts
    async with app.db.session() as session:
        assert pending.order is not None
        order = (await session.exec(select(Order).where(Order.id == pending.order.id))).one()
    assert (order.unit_price, order.total) == (5000, 5000)  # kept from when it was made
    await shopper.say(f"/start deal_{deal.id}")
    assert "¥60" in shopper.texts


async def test_only_the_deals_own_approved_owner_may_touch_it(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 别人的套餐 | 50 | 80 | 5")
    await boss.press("发布")
    [deal] = await deals_titled(app, "别人的套餐")
    rival = owner(app, "luckin")
    staff = Chat(app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    shopper = Chat(app, user_id=5105, name="Su")
    for who in (rival, staff, shopper):
        for data in (f"dm:{deal.id}", f"dp:{deal.id}", f"dny:{deal.id}",
                     f"de:{deal.id}:price", "dl:0", "nd:pub"):
            await who.press_data(data)
            assert "别人的套餐" not in who.texts
        await who.say("50")
    for who in (staff, shopper):
        await who.say("/newdeal")
        assert "只有通过审核的商家店主" in who.texts
        await who.say("/deals")
        assert "只有通过审核的商家店主" in who.texts
    [deal] = await deals_titled(app, "别人的套餐")
    assert (deal.status, deal.price) == ("active", 5000)
    async with app.db.session() as session:
        merchant = (await session.exec(select(Merchant).where(Merchant.slug == "haidilao"))).one()
        merchant.status = "suspended"
        session.add(merchant)
        await session.commit()
    await boss.say("/newdeal")
    assert "已被暂停" in boss.texts
    await boss.press_data(f"dp:{deal.id}")
    assert "已被暂停" in boss.texts
    [deal] = await deals_titled(app, "别人的套餐")
    assert deal.status == "active"


async def suspend(app: App, slug: str = "haidilao") -> None:
    merchant_id = await merchant_id_of(app.db, slug)
    assert merchant_id is not None
    assert (await suspend_merchant(app.db, merchant_id)).outcome == "done"


async def test_an_owner_suspended_in_the_middle_of_a_new_deal_is_told_and_the_draft_ends(
    app: App,
) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("暂停前的套餐")
    assert "介绍" in boss.texts  # the next question: the description
    await suspend(app)
    await boss.say("锅底任选")
    assert "你的商家已被暂停，暂时不能修改团购" in boss.texts
    assert await get_state(app.db, boss.sender.id, boss.sender.id, STORY_NOW) is None
    await boss.press("跳过")  # a shortcut of the draft, drawn before
    assert "你的商家已被暂停" in boss.texts
    assert await deals_titled(app, "暂停前的套餐") == []


async def test_a_suspended_owner_still_reads_the_list_but_cannot_import_or_edit(
    app: App,
) -> None:
    boss = owner(app)
    await boss.say("/deals")
    [page] = [b for b in boss.button_texts if "双人精品火锅套餐" in b]
    await suspend(app)
    await boss.say("/deals")
    assert "已被平台暂停" in boss.texts and "双人精品火锅套餐" in boss.texts
    await boss.press(page)
    assert "双人精品火锅套餐" in boss.texts and boss.button_texts == ["我的团购"]
    await boss.say("/import")
    assert "你的商家已被暂停" in boss.texts and not boss.replies[1:]
    await boss.send_file("deals.csv", "title,price,original_price,quantity,valid_until\n"
                         "暂停中导入,88,168,10,2026-12-31\n".encode())
    assert "你的商家已被暂停" in boss.texts
    assert await deals_titled(app, "暂停中导入") == []


@pytest.mark.parametrize("data", [
    "dm:", "dm:abc", "dm:-1", "dp:1.5", "dr:1;2", "dny:", "dn:1:2", "de:1", "de:1:secret",
    "de:1:price:x", "dl:x", "dl:-5", "nd", "nd:steal", "nd:s:9:9",
])
async def test_deal_buttons_that_do_not_unpack_are_stale_and_change_nothing(
    app: App, data: str,
) -> None:
    boss = owner(app)
    await boss.press_data(data)
    assert "按钮已经失效" in boss.texts
    assert await get_state(app.db, boss.sender.id, boss.sender.id, STORY_NOW) is None
    async with app.db.session() as session:
        deal = (await session.exec(select(Deal).where(Deal.key == "hdl-duo"))).one()
    assert (deal.status, deal.price) == ("active", 16800)


async def test_english_owners_get_english_and_forged_choices_are_refused(app: App) -> None:
    boss = Chat(app, user_id=demo_telegram_id("luckin-owner"), name="luckin-owner",
                language_code="en")
    await boss.say("/newdeal")
    assert "What is the deal called" in boss.texts
    await boss.say("Latte duo")
    await boss.press_data("nd:r:free-money")
    assert "expired" in boss.texts
    await boss.press_data("nd:s:999999")
    assert "expired" in boss.texts
    await boss.say("/cancel")


# STORY_NOW is Wednesday 2026-11-25, 12:00 in Shanghai.


async def test_an_owner_gives_a_deals_dates_as_people_say_them(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 明天截止套餐 | 88 | 168 | 100 | 明天")
    assert "【明天截止套餐】" in boss.texts and "2026-11-25 至 2026-11-26" in boss.texts
    await boss.press("发布")
    [deal] = await deals_titled(app, "明天截止套餐")
    assert deal.valid_until == STORY_NOW.replace(day=26, hour=15, minute=59, second=59)
    await boss.say("/newdeal")
    for answer in ("周末双人餐", "-"):
        await boss.say(answer)
    await boss.press("跳过")  # no photo
    for answer in ("88", "168", "-", "不限", "1"):
        await boss.say(answer)
    await boss.say("后天")  # valid from Friday
    assert "用到哪天为止" in boss.texts
    await boss.say("昨天")
    assert "这一天已经过去了" in boss.texts
    await boss.say("下周八")
    assert "看不懂这个日期" in boss.texts and "明天" in boss.texts  # the hint names them
    await boss.say("下周一")
    await boss.press("跳过")  # no rules
    await boss.press("完成")
    await boss.press("和店铺一样")
    await boss.press("跳过")
    await boss.press("随时退")
    assert "2026-11-27 至 2026-11-30" in boss.texts


async def test_an_owner_moves_a_deals_last_day_to_next_friday(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 改期测试套餐 | 50 | 80 | 10 | 2026-12-31")
    await boss.press("发布")
    await boss.press("管理")
    await boss.press("截止日期")
    await boss.say("2月30日")
    assert "日历上没有这一天" in boss.texts
    await boss.say("下周五")
    assert "截止日期已保存" in boss.texts and "2026-12-04" in boss.texts
    [deal] = await deals_titled(app, "改期测试套餐")
    assert deal.valid_until == STORY_NOW.replace(month=12, day=4, hour=15, minute=59,
                                                 second=59)


async def test_an_english_owner_types_tomorrow_next_monday_and_dec_31(app: App) -> None:
    boss = Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner",
                language_code="en")
    await boss.say("/newdeal Hotpot for two | 88 | 168 | 100 | Dec 31")
    assert "Valid 2026-11-25 – 2026-12-31" in boss.texts, boss.texts
    await boss.press("Cancel")
    await boss.say("/newdeal Hotpot for one | 58 | 98 | 100 | dec 31, 2027")
    assert "more than 366 days ahead" in boss.texts  # the year said is the year meant
    await boss.say("/newdeal Hotpot for one | 58 | 98 | 100 | Jan 15, 2027")
    assert "Valid 2026-11-25 – 2027-01-15" in boss.texts, boss.texts
    await boss.press("Cancel")
    await boss.say("/newdeal Lunch set | 38 | 68 | 10 | the day after tomorrow")
    assert "Valid 2026-11-25 – 2026-11-27" in boss.texts, boss.texts
    await boss.press("Cancel")
    await boss.say("/newdeal Tea set | 38 | 68 | 10 | next monday")
    assert "Valid 2026-11-25 – 2026-11-30" in boss.texts, boss.texts
