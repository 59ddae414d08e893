"""An owner makes a deal a group deal (拼团): one answer in the guided /newdeal, one part
of the one-line form, one field on /deals, three columns of a CSV. Whatever they type,
the terms kept are ones a group can really run with: 2 to 50 people, a group price
below the single price, a window that ends before the deal does."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import col, select

from handlers.router import App
from services.demo import demo_data
from services.demo.seed import seed_demo_shoppers
from services.platform.users import demo_telegram_id
from storage.models import Deal, User
from tests.conftest import STORY_NOW, Chat

SHOP = "chuanwei-chuanchuan"  # one store: the guided flow asks no store question


def owner(app: App, slug: str = SHOP, language: str = "zh") -> Chat:
    return Chat(app, user_id=demo_telegram_id(f"{slug}-owner"), name=f"{slug}-owner",
                language_code=language)


async def deal_titled(app: App, title: str) -> Deal | None:
    async with app.db.session() as session:
        return (await session.exec(select(Deal).where(
            (col(Deal.title_zh) == title) | (col(Deal.title_en) == title)))).first()


def terms(deal: Deal | None) -> tuple[int | None, int | None, int | None]:
    assert deal is not None
    return deal.group_size, deal.group_price, deal.group_hours


async def up_to_the_group_question(boss: Chat, title: str) -> None:
    await boss.say("/newdeal")
    await boss.say(title)
    await boss.press("跳过")  # no description
    await boss.press("跳过")  # no photo
    await boss.say("88")
    await boss.say("168")
    assert "要做拼团吗" in boss.texts and "低于团购价 ¥88" in boss.texts
    assert "3人 39元 24小时" in boss.texts and "跳过" in boss.button_texts


async def on_to_the_preview(boss: Chat, last_day: str = "12月31日") -> None:
    await boss.press("不限量")
    await boss.press("1")
    await boss.press("立即")
    await boss.say(last_day)
    await boss.press("跳过")  # no rules
    await boss.press("和店铺一样")
    await boss.press("跳过")  # no tags
    await boss.press("随时退")


# --------------------------------------------------------------------------- /newdeal


async def test_an_owner_makes_a_group_deal_in_the_guided_flow(app: App) -> None:
    boss = owner(app)
    await up_to_the_group_question(boss, "串串四人拼团餐")
    await boss.say("4人 69元 24小时")
    assert "一共卖多少份" in boss.texts  # on to the next question
    await on_to_the_preview(boss)
    assert "拼团：4人团 ¥69 · 24小时内成团" in boss.texts
    await boss.press("发布")
    assert "发布成功" in boss.texts
    assert terms(await deal_titled(app, "串串四人拼团餐")) == (4, 6900, 24)


async def test_skipping_the_group_question_makes_a_plain_deal(app: App) -> None:
    boss = owner(app)
    await up_to_the_group_question(boss, "串串单人餐")
    await boss.press("跳过")
    await on_to_the_preview(boss)
    assert "拼团：不拼团" in boss.texts
    await boss.press("发布")
    assert terms(await deal_titled(app, "串串单人餐")) == (None, None, None)


async def test_nasty_group_answers_are_asked_again_with_the_reason(app: App) -> None:
    boss = owner(app)
    await up_to_the_group_question(boss, "串串试错餐")
    for nasty, reason in (
        ("1人 69元", "2 到 50 之间"),
        ("51人 69元", "2 到 50 之间"),
        ("三", "请用数字写"),
        ("三人 69元", "请用数字写"),
        ("3人 100元", "拼团价要低于团购价"),
        ("3人 88元", "拼团价要低于团购价"),
        ("3人 0元", "必须大于 0"),
        ("🍲", "看不懂「🍲」"),
        ("'; DROP TABLE deals; --", "看不懂"),
        ("3人 69元 0小时", "1 到 168 小时"),
        ("3人 69元 1000h", "1 到 168 小时"),
        ("3人 69元 8天", "1 到 168 小时"),
        ("3人", "还差拼团价"),
        ("69元 24小时", "还差成团人数"),
        ("3 69 24 5", "看不懂"),
    ):
        await boss.say(nasty)
        assert reason in boss.texts, nasty
        assert "要做拼团吗" in boss.texts, nasty  # the same question again
    await boss.say("３人团 每人69元 1天内成团")  # full-width digits, filler words, a day
    assert "一共卖多少份" in boss.texts
    await boss.say("/cancel")
    async with app.db.session() as session:
        assert (await session.exec(select(Deal).where(Deal.title_zh == "串串试错餐"))).first() \
            is None


async def test_a_last_day_too_close_for_the_window_asks_the_group_again(app: App) -> None:
    boss = owner(app)
    await up_to_the_group_question(boss, "今晚串串拼团")
    await boss.say("3人 69元 24小时")
    # Today ends at 23:59:59 Shanghai, less than 12 hours after noon: no room for 24 h.
    await on_to_the_preview_until(boss, "2026-11-25")
    assert "最长只能给 11 小时" in boss.texts and "要做拼团吗" in boss.texts
    await boss.say("3人 69元 10小时")
    assert "使用规则" in boss.texts  # on from where the owner was, not from the start
    await boss.press("跳过")
    await boss.press("和店铺一样")
    await boss.press("跳过")
    await boss.press("随时退")
    assert "拼团：3人团 ¥69 · 10小时内成团" in boss.texts
    await boss.press("发布")
    assert terms(await deal_titled(app, "今晚串串拼团")) == (3, 6900, 10)


async def on_to_the_preview_until(boss: Chat, last_day: str) -> None:
    await boss.press("不限量")
    await boss.press("1")
    await boss.press("立即")
    await boss.say(last_day)


async def test_a_price_edited_down_to_the_group_price_asks_the_group_again(app: App) -> None:
    boss = owner(app)
    await up_to_the_group_question(boss, "串串改价餐")
    await boss.say("3人 69元")
    await on_to_the_preview(boss)
    assert "拼团：3人团 ¥69 · 24小时内成团" in boss.texts  # 24 h when not said
    await boss.press("修改")
    await boss.press("团购价")
    await boss.say("60")
    assert "拼团价要低于团购价" in boss.texts and "要做拼团吗" in boss.texts
    await boss.say("3人 49元 12小时")
    assert "预览" in boss.texts and "3人团 ¥49 · 12小时内成团" in boss.texts
    await boss.press("修改")
    await boss.press("拼团")
    await boss.press("跳过")
    assert "拼团：不拼团" in boss.texts
    await boss.press("发布")
    assert terms(await deal_titled(app, "串串改价餐")) == (None, None, None)


async def test_a_preview_left_open_is_checked_again_at_publishing(app: App) -> None:
    app.clock = lambda: STORY_NOW + timedelta(minutes=50)  # 12:50 in Shanghai
    boss = owner(app)
    await boss.say("/newdeal 午后串串拼团 | 49 | 69 | 不限 | 2026-11-25 | 拼团 3人 39元 11小时")
    assert "3人团 ¥39 · 11小时内成团" in boss.texts
    app.clock = lambda: STORY_NOW + timedelta(minutes=70)  # 13:10: 10 h 50 min are left
    await boss.press("发布")
    assert "最长只能给 10 小时" in boss.texts and "要做拼团吗" in boss.texts
    await boss.say("3人 39元 10小时")
    await boss.press("发布")
    assert terms(await deal_titled(app, "午后串串拼团")) == (3, 3900, 10)


# --------------------------------------------------------------------------- one line


async def test_a_group_deal_on_one_line(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 一行拼团串串 | 88 | 168 | 100 | 2026-12-31 | 拼团 3人 69元 24小时")
    assert "拼团：3人团 ¥69 · 24小时内成团" in boss.texts
    await boss.press("发布")
    assert terms(await deal_titled(app, "一行拼团串串")) == (3, 6900, 24)
    await boss.say("/newdeal 短一行拼团 | 88 | 168 | 拼团=5/59/48")  # right after the prices
    assert "5人团 ¥59 · 48小时内成团" in boss.texts
    await boss.press("发布")
    assert terms(await deal_titled(app, "短一行拼团")) == (5, 5900, 48)


async def test_one_line_group_problems_are_named_with_the_others(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 错拼团 | 88 | 168 | 100 | 2026-12-31 | 拼团 1人 99元")
    assert "拼团: 成团人数要是 2 到 50" in boss.texts
    await boss.say("/newdeal 错拼团 | 88 | 168 | 拼团 3人 99元")
    assert "拼团: 拼团价要低于团购价" in boss.texts and "| 拼团 3人 69元 24小时" in boss.texts
    await boss.say("/newdeal 错拼团 | 88 | 168 | 100 | 2026-11-25 | 拼团 3人 69元 24小时")
    assert "最长只能给 11 小时" in boss.texts
    await boss.say("/newdeal 错拼团 | 88 | 168 | 拼团 3/69 | 拼团 4/69")
    assert "拼团只能写一段" in boss.texts
    await boss.say("/newdeal 错拼团 | abc | 168 | 拼团 3/69/24")
    assert "不是金额" in boss.texts
    assert await deal_titled(app, "错拼团") is None


async def test_an_english_owner_writes_a_group_deal_their_way(app: App) -> None:
    boss = owner(app, language="en")
    await boss.say("/newdeal Skewer night | 88 | 168 | | | group 3 people ¥69 24h")
    assert "Group deal: 3-person group ¥69 · fills within 24 h" in boss.texts
    await boss.press("Publish")
    assert terms(await deal_titled(app, "Skewer night")) == (3, 6900, 24)
    await boss.say("/newdeal Skewer day | 88 | 168 | group 3 people ¥69 200h")
    assert "Group deal: A group stays open 1 to 168 hours" in boss.texts


# --------------------------------------------------------------------------- /deals


async def test_the_owner_sets_changes_and_clears_a_group_deal_on_deals(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal 后来拼团的串串 | 88 | 168 | 100 | 2026-12-31")
    await boss.press("发布")
    await boss.press("管理")
    assert "拼团：" not in boss.texts  # not a group deal: nothing about it on the page
    await boss.press("拼团")
    assert "现在：不拼团" in boss.texts and "低于 ¥88" in boss.texts
    await boss.say("3人 100元")
    assert "拼团价要低于团购价" in boss.texts and "请重新输入新的拼团" in boss.texts
    await boss.say("3人 69元 24小时")
    assert "拼团已保存：3人团 ¥69 · 24小时内成团" in boss.texts
    assert "已经开的团照旧" in boss.texts and "人数不变" in boss.texts
    assert "拼团：3人团 ¥69 · 24小时内成团" in boss.texts  # on the deal's page
    deal = await deal_titled(app, "后来拼团的串串")
    assert terms(deal) == (3, 6900, 24)

    await boss.press("团购价")
    await boss.say("60")
    assert "团购价要高于拼团价" in boss.texts
    await boss.say("/cancel")
    await boss.press_data(f"dm:{deal.id}")
    await boss.press("截止日期")
    await boss.say("2026-11-25")
    assert "每个团有 24 小时成团" in boss.texts
    await boss.say("/cancel")
    assert (await deal_titled(app, "后来拼团的串串")).price == 8800  # type: ignore[union-attr]

    await boss.press_data(f"dm:{deal.id}")
    await boss.press("拼团")
    await boss.say("5人 59元 48小时")
    assert "拼团已保存：5人团 ¥59 · 48小时内成团" in boss.texts
    await boss.press("拼团")
    assert "现在：5人团 ¥59 · 48小时内成团" in boss.texts
    await boss.say("不拼团")
    assert "已关闭拼团" in boss.texts and "已开的团也不再接受新成员" in boss.texts
    assert terms(await deal_titled(app, "后来拼团的串串")) == (None, None, None)


async def test_existing_deals_are_not_group_deals_until_edited(app: App) -> None:
    group_keys = {"cw-single", "cy-taro", "wc-single", "ml-afternoon"}
    async with app.db.session() as session:
        deals = (await session.exec(select(Deal))).all()
    assert {d.key for d in deals if d.group_size is not None} == group_keys
    plain = next(d for d in deals if d.key == "cw-double")
    assert terms(plain) == (None, None, None)
    boss = owner(app)
    await boss.press_data(f"dm:{plain.id}")
    assert "拼团：" not in boss.texts
    await boss.press("拼团")
    await boss.say("🍲🍲")
    assert "看不懂" in boss.texts
    await boss.say("'; DROP TABLE deals; --")
    assert "看不懂" in boss.texts
    await boss.say("/cancel")
    async with app.db.session() as session:
        assert len((await session.exec(select(Deal))).all()) == len(deals)
    assert terms(await deal_titled(app, "双人串串套餐")) == (None, None, None)


async def test_an_english_owner_edits_a_group_deal(app: App) -> None:
    boss = owner(app, language="en")
    await boss.say("/newdeal Skewer club | 88 | 168")
    await boss.press("Publish")
    await boss.press("Manage")
    await boss.press("Group deal")
    assert "now: no" in boss.texts
    await boss.say("4 people ¥59 2 days")
    assert "Group deal saved: 4-person group ¥59 · fills within 48 h" in boss.texts
    assert "Groups already open go on as they were" in boss.texts
    await boss.press("Group deal")
    await boss.say("-")
    assert "No longer a group deal" in boss.texts


# --------------------------------------------------------------------------- CSV


def deals_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["标题", "价格", "原价", "截止日期", "成团人数", "拼团价", "成团时限"])
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_a_csv_imports_group_deals_with_the_same_rules(app: App) -> None:
    boss = owner(app)
    await boss.send_file("bad.csv", deals_csv([
        ["拼团导入一", "88", "168", "2026-12-31", "1", "69", ""],
        ["拼团导入二", "88", "168", "2026-12-31", "3", "99", "24"],
        ["拼团导入三", "88", "168", "2026-11-25", "3", "69", "24"],
        ["拼团导入四", "88", "168", "2026-12-31", "", "69", ""],
        ["拼团导入五", "88", "168", "2026-12-31", "3", "69", "0"],
    ]))
    text = boss.texts
    assert "没有导入任何团购" in text
    assert "第 2 行，成团人数：成团人数要是 2 到 50" in text
    assert "第 3 行，拼团价：拼团价要低于团购价" in text
    assert "第 4 行，成团时限" in text and "最长只能给 11 小时" in text
    assert "第 5 行，成团人数：是必填项" in text
    assert "第 6 行，成团时限：成团时限要是 1 到 168" in text
    await boss.send_file("good.csv", deals_csv([
        ["拼团导入一", "88", "168", "2026-12-31", "3人", "¥69", "1天"],
        ["普通导入", "88", "168", "2026-12-31", "", "", ""],
        ["拼团导入二", "88", "168", "2026-12-31", "4", "59", ""],
    ]))
    assert "已导入 3 个团购" in boss.texts
    assert terms(await deal_titled(app, "拼团导入一")) == (3, 6900, 24)
    assert terms(await deal_titled(app, "普通导入")) == (None, None, None)
    assert terms(await deal_titled(app, "拼团导入二")) == (4, 5900, 24)


# --------------------------------------------------------------------------- demo


async def test_the_demo_has_group_deals_and_the_shoppers_to_fill_them(app: App) -> None:
    async with app.db.session() as session:
        deals = {d.key: d for d in (await session.exec(select(Deal))).all()}
    sizes = {}
    for key, _members in demo_data.OPEN_GROUPS:
        deal = deals[key]
        assert deal.group_size and deal.group_price and deal.group_hours == 24
        assert deal.group_price < deal.price
        assert deal.valid_until - STORY_NOW > timedelta(days=30)
        sizes[deal.category] = deal.group_size
    assert sizes == {"hotpot": 4, "milk_tea": 2, "cinema": 3, "ktv": 5}
    for key, members in demo_data.OPEN_GROUPS:  # part-filled: room left in each
        assert 0 < len(members) < deals[key].group_size  # type: ignore[operator]
    ids = await seed_demo_shoppers(app.db, STORY_NOW)
    assert ids == await seed_demo_shoppers(app.db, STORY_NOW)  # once
    wanted = {m for _, members in demo_data.OPEN_GROUPS for m in members}
    assert wanted <= set(ids)
    async with app.db.session() as session:
        xiaomei = await session.get(User, ids["xiaomei"])
    assert xiaomei is not None and xiaomei.first_name == "小美"
    assert xiaomei.telegram_id == demo_telegram_id("xiaomei")
