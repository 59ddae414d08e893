"""拼团 in chat, told as the shoppers live it, on SQLite and PostgreSQL: a group deal's
card shows the group price and the groups nearest to filling; Ann opens a group and pays,
Ben joins through the link she shared, Carl (in English) fills it and all three get their
codes with "拼团成功"; /mygroups in every state; leaving; a group that does not fill is
refunded with a button to open a new one; Telegram's own payments; search and inline;
forged links and buttons, full and closed groups, joining twice.

The `db` fixture proves the books after every story.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.jobs import housekeeping
from bot.payments import pay_with_sandbox
from bot.runtime import Runtime
from handlers.core import (
    InlineQuery,
    Notify,
    Reply,
    SendInvoice,
    SendPhoto,
    SendText,
    SuccessfulPayment,
)
from handlers.payloads import GroupJoin, GroupLeave, GroupLeaveAsk, GroupOpen
from handlers.router import App
from services.catalog.deal_cards import build_search_text
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.payments.telegram import TelegramProvider
from storage.models import (
    BuyGroup,
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    Order,
    Store,
    User,
)
from tests.conftest import STORY_NOW, Chat
from tests.helpers.runtime import recording
from tests.helpers.runtime import runtime_for as recorded_runtime

NOW = STORY_NOW


@pytest.fixture
async def deal(app: App) -> int:
    """A group deal of 蜀味串串香 (a demo shop): ¥49 alone, ¥39.90 each in a group of three
    that fills within 24 hours."""
    async with app.db.transaction() as session:
        shop = (await session.exec(select(Merchant).where(
            Merchant.slug == "chuanwei-chuanchuan"))).one()
        deal = Deal(merchant_id=shop.id or 0, key="test-group-skewers",
                    title_zh="串串香三人拼团", title_en="Skewers for three friends",
                    description_zh="红汤锅底，荤素串串不限量。", category="hotpot",
                    tags=["串串", "skewers"], price=4900, original_price=6900, stock=None,
                    per_user_limit=5, valid_from=NOW - timedelta(days=1),
                    valid_until=NOW + timedelta(days=30), status=DealStatus.ACTIVE,
                    group_size=3, group_price=3990, group_hours=24)
        deal.search_text = build_search_text(deal, shop)
        session.add(deal)
        await session.flush()
        stores = (await session.exec(select(Store.id).where(Store.merchant_id == shop.id))).all()
        session.add_all(DealStore(deal_id=deal.id or 0, store_id=s) for s in stores)
    return deal.id or 0


def person(app: App, user_id: int, name: str, lang: str = "zh") -> Chat:
    return Chat(app, user_id=user_id, name=name, language_code=lang)


def runtime_for(app: App) -> tuple[Runtime, list[tuple[int, list[object]]]]:
    """The runtime the sandbox page pays through, whose messages to users are recorded:
    each (chat, replies) sent, in order."""
    runtime = recorded_runtime(app)
    return runtime, recording(runtime)


async def pay(chat: Chat, runtime: Runtime) -> None:
    """Press Pay on the order message: the sandbox page takes the money."""
    [url] = [b.url for b, _ in chat.buttons if b.url and "/share/" not in b.url]
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"), url)  # type: ignore[arg-type]
    assert token is not None
    assert (await pay_with_sandbox(runtime, token))[0] == "paid"


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.caption if isinstance(r, SendPhoto) else r.text
                     for r in replies if isinstance(r, SendText | SendPhoto))


def share_link(text: str) -> str:
    found = re.search(r"https://t\.me/o2o_demo_bot\?start=(g_[0-9]+_[0-9A-Z]{8})", text)
    assert found, text
    return found.group(1)


async def open_and_pay(chat: Chat, deal: int, runtime: Runtime) -> None:
    await chat.say(f"/start deal_{deal}")
    await chat.press("开团" if chat.sender.language_code == "zh" else "Start a group")
    await pay(chat, runtime)


async def groups_of(app: App, deal: int) -> list[BuyGroup]:
    async with app.db.session() as session:
        return list((await session.exec(select(BuyGroup).where(
            BuyGroup.deal_id == deal).order_by(BuyGroup.id))).all())  # type: ignore[arg-type]


# ------------------------------------------------------------------ filling


async def test_three_friends_fill_a_group_through_the_shared_link_and_all_get_codes(
        app: App, deal: int) -> None:
    runtime, sent = runtime_for(app)
    ann, ben, carl = person(app, 1001, "Ann"), person(app, 3003, "Ben"), \
        person(app, 2002, "Carl", "en")

    await ann.say(f"/start deal_{deal}")
    assert "👥 3人团 ¥39.90 · 24小时内成团，未成团全额退款" in ann.texts
    assert "正在拼的团" not in ann.texts  # nobody has opened one yet
    assert ann.button_texts[:2] == ["🛒 立即购买 · ¥49", "👥 开团 · ¥39.90"]
    await ann.press("开团")
    assert "👥 3人团 · 拼团价 ¥39.90 · 成团后发券码" in ann.texts
    assert "满 3 人即成团；2026-11-26 12:00 前未成团，全额原路退款。" in ann.texts
    assert "📤 邀请好友拼团" in ann.button_texts
    await pay(ann, runtime)
    [(chat_id, news)] = sent
    assert chat_id == 1001
    joined = text_of(news)
    assert "✅ 已加入拼团「串串香三人拼团」（3人团 ¥39.90）" in joined
    assert "还差2人 · 剩 1天0小时" in joined and "👥 已参团：Ann" in joined
    link = share_link(joined)
    assert not any(isinstance(r, SendPhoto) for r in news)  # no codes before it fills

    # Ben opens Ann's link: the group, who is in, Join.
    await ben.say(f"/start {link}")
    assert "👥 一起拼团：「串串香三人拼团」" in ben.texts
    assert "3人团 ¥39.90 · 单买 ¥49" in ben.texts and "👥 已参团：Ann" in ben.texts
    assert "还差2人 · 剩 1天0小时" in ben.texts
    async with app.db.session() as session:  # Ann brought Ben, as a deal link would
        users = {u.telegram_id: u for u in (await session.exec(select(User))).all()}
    assert users[3003].referred_by_user_id == users[1001].id
    await ben.press("参团")
    assert "拼团价 ¥39.90" in ben.texts
    await pay(ben, runtime)
    assert sent[-1][0] == 3003
    assert "还差1人" in text_of(sent[-1][1]) and "👥 已参团：Ann、Ben" in text_of(sent[-1][1])

    # A card seen by someone else lists the group, nearest to filling.
    await carl.say(f"/start deal_{deal}")
    assert "Groups filling now:\n1. Ann, Ben · 1 more needed · 1 d 0 h left" in carl.texts
    await carl.press("Join group 1")
    assert "group price ¥39.90" in carl.texts
    before = len(sent)
    await pay(carl, runtime)
    told = {chat_id: text_of(replies) for chat_id, replies in sent[before:]}
    assert set(told) == {1001, 2002, 3003}  # everyone, once
    assert told[2002].startswith("🎉 Your group filled!\n✅ Paid ¥39.90")
    for chat_id in (1001, 3003):
        assert told[chat_id].startswith("🎉 拼团成功！\n✅ 已支付 ¥39.90")
    assert all(sum(isinstance(r, SendPhoto) for r in replies) == 1
               for _, replies in sent[before:])
    [group] = await groups_of(app, deal)
    assert group.status == "filled" and group.joined == 3

    await ann.say("/mygroups")
    assert "1. 「串串香三人拼团」· 3人团 ¥39.90\n✅ 已成团，券码见 /mycodes" in ann.texts
    assert "👥 已参团：Ann、Ben、Carl" in ann.texts and "退出" not in " ".join(ann.button_texts)
    await ann.say("/mycodes")
    assert "串串香三人拼团 · 未使用" in ann.texts


# ------------------------------------------------------------------ /mygroups, leaving, failing


async def test_mygroups_shows_a_waiting_seat_and_leaving_refunds_it_once(app: App,
                                                                         deal: int) -> None:
    runtime, _ = runtime_for(app)
    ann = person(app, 1001, "Ann")
    await ann.say("/mygroups")
    assert "你还没有参加拼团" in ann.texts
    await open_and_pay(ann, deal, runtime)
    await ann.say("/mygroups")
    assert "你的拼团（1 个）：" in ann.texts
    assert "⏳ 拼团中 · 还差2人 · 剩 1天0小时" in ann.texts and "👥 已参团：Ann" in ann.texts
    assert "🔗 邀请链接：https://t.me/o2o_demo_bot?start=g_" in ann.texts
    await ann.press("退出第1个团并退款")
    assert "确定退出「串串香三人拼团」的拼团吗？你支付的 ¥39.90 会原路退回" in ann.texts
    await ann.press("不退了")
    assert "⏳ 拼团中" in ann.texts  # back to the list, nothing changed
    await ann.press("退出第1个团并退款")
    await ann.press("确定退出")
    assert "↩ 已退出拼团，¥39.90 已退回。" in ann.texts
    async with app.db.session() as session:
        [order] = (await session.exec(select(Order).where(Order.deal_id == deal))).all()
    assert order.status == "refunded" and order.refunded == order.total
    again = await ann.press_data(GroupLeave(order.id or 0).pack())  # a second tap
    assert "这个名额已经不在团里了" in text_of(again)
    await ann.say("/mygroups")
    assert "↩ 你已退出，已退款" in ann.texts
    [group] = await groups_of(app, deal)
    assert group.joined == 0 and group.held == 0

    # Someone else's seat: not theirs to leave.
    ben = person(app, 3003, "Ben")
    forged = await ben.press_data(GroupLeaveAsk(order.id or 0).pack())
    assert "这个名额已经不在团里了" in text_of(forged)


async def test_a_group_that_does_not_fill_refunds_each_member_with_a_button_to_start_again(
        app: App, deal: int) -> None:
    runtime, sent = runtime_for(app)
    ann, carl = person(app, 1001, "Ann"), person(app, 2002, "Carl", "en")
    await open_and_pay(ann, deal, runtime)
    await carl.say(f"/start {share_link(text_of(sent[-1][1]))}")
    await carl.press("Join")
    await pay(carl, runtime)
    assert "👥 In so far: Ann, Carl" in text_of(sent[-1][1])
    await carl.say("/mygroups")
    assert "⏳ Filling · 1 more needed · 1 d 0 h left" in carl.texts

    app.clock = lambda: NOW + timedelta(hours=24, minutes=1)
    before = len(sent)
    await housekeeping(runtime)  # (the demo's own groups close too)
    news = {chat_id: replies for chat_id, replies in sent[before:] if chat_id in (1001, 2002)}
    assert len(news) == 2 == len([c for c, _ in sent[before:] if c in (1001, 2002)])
    assert "你支付的 ¥39.90 已退回。\n「串串香三人拼团」的拼团在截止前没有凑齐人，未成团。" \
        in text_of(news[1001])
    assert "The group for “Skewers for three friends” didn't fill before its time ran out." \
        in text_of(news[2002])
    [again] = [b for r in news[2002] if isinstance(r, SendText) for row in r.buttons
               for b in row]
    assert again.text == "👥 Start a new group" and again.data == GroupOpen(deal).pack()
    told = len(sent)
    assert (await housekeeping(runtime))["group_members_refunded"] == 0  # nobody twice
    assert len(sent) == told

    await carl.say("/mygroups")
    assert "↩ Didn't fill: fully refunded" in carl.texts
    assert "In so far" not in carl.texts  # everyone's money went back
    await carl.press_data(again.data or "")  # a new group, from the news
    assert "group price ¥39.90" in carl.texts
    assert len(await groups_of(app, deal)) == 2


async def test_a_seat_left_unpaid_runs_out_and_offers_the_same_group_again(
        app: App, deal: int) -> None:
    runtime, sent = runtime_for(app)
    ann = person(app, 1001, "Ann")
    await ann.say(f"/start deal_{deal}")
    await ann.press("开团")
    await ann.say("/mygroups")
    assert "💳 待付款 · 还差3人" in ann.texts and "还没有人付款" in ann.texts
    carl = person(app, 2002, "Carl", "en")
    await carl.say(f"/start deal_{deal}")
    assert "Groups filling now" not in carl.texts  # nobody has paid into Ann's yet
    assert "退出" not in " ".join(ann.button_texts)  # nothing paid: nothing to refund
    app.clock = lambda: NOW + timedelta(minutes=16)
    await housekeeping(runtime)
    [news] = [replies for chat_id, replies in sent if chat_id == 1001]
    [group] = await groups_of(app, deal)
    assert "保留时间已过" in text_of(news)
    [again] = [b for r in news if isinstance(r, SendText) for row in r.buttons for b in row]
    assert again.data == GroupJoin(group.id or 0).pack() and group.held == 0
    await ann.press_data(again.data)
    assert "拼团价 ¥39.90" in ann.texts  # the same group, a seat again


# ------------------------------------------------------------------ Telegram's own payments


async def test_telegram_payments_answer_each_payer_and_tell_the_others_when_it_fills(
        app: App, deal: int) -> None:
    app.payments = Payments("telegram", {"telegram": TelegramProvider(),
                                         "sandbox": SandboxProvider("http://127.0.0.1:8080")})
    people = [person(app, 1001, "Ann"), person(app, 3003, "Ben"),
              person(app, 2002, "Carl", "en")]
    group_id = None
    for number, chat in enumerate(people, start=1):
        if group_id is None:
            await chat.say(f"/start deal_{deal}")
            await chat.press("开团")
        else:
            await chat.press_data(GroupJoin(group_id).pack())
        [invoice] = [r for r in chat.replies if isinstance(r, SendInvoice)]
        assert invoice.amount == 3990
        answer = await chat.send(SuccessfulPayment(invoice.payload, 3990, "CNY",
                                                   f"tg_charge_{number}"))
        if number < 3:
            assert f"还差{3 - number}人" in text_of(answer)
            group_id = (await groups_of(app, deal))[0].id
        else:  # the payer's codes here, the others' as notifications, each once
            assert text_of(answer).startswith("🎉 Your group filled!")
            notified = {r.chat_id: r.replies for r in answer if isinstance(r, Notify)}
            assert set(notified) == {1001, 3003}
            assert all(text_of(list(r)).startswith("🎉 拼团成功！") for r in notified.values())
        again = await chat.send(SuccessfulPayment(invoice.payload, 3990, "CNY",
                                                  f"tg_charge_{number}"))
        assert again == []  # the same update again: nothing new


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("payload", ["g_abc", "g_", "g_1_bad", "g_1_ABCDEFG", "g_-1",
                                     "g_" + "9" * 78, "g_1_ABCDEFGH_x", "g_1'; DROP TABLE"])
async def test_a_forged_group_link_lands_on_the_menu(app: App, payload: str) -> None:
    chat = person(app, 1001, "Ann")
    await chat.say(f"/start {payload}")
    assert "这个链接已失效或不完整" in chat.texts
    assert "🔍 搜索" in chat.button_texts


async def test_a_group_that_does_not_exist_is_said_so_by_link_and_by_button(
        app: App, deal: int) -> None:
    chat = person(app, 2002, "Carl", "en")
    await chat.say("/start g_999999_ABCDEFGH")
    assert "I can't find that group" in chat.texts
    await chat.say("/start g_999999")
    assert "I can't find that group" in chat.texts
    pressed = await chat.press_data(GroupJoin(999_999).pack())
    assert "I can't find that group" in text_of(pressed)
    for data in ("gj:abc", "gj:", "gj:1:2", "go:🙂", "glc:-1", "gl:1'; DROP TABLE orders;--",
                 "gt:x", "gj:" + "9" * 40):
        stale = await chat.press_data(data)
        assert "That button has expired" in text_of(stale), data
    async with app.db.session() as session:  # nothing was ordered by any of it
        assert (await session.exec(select(Order).join(User).where(
            User.telegram_id == 2002))).all() == []


async def test_joining_twice_a_full_group_and_a_filled_one_each_get_what_to_do_instead(
        app: App, deal: int) -> None:
    runtime, sent = runtime_for(app)
    ann, ben, carl, dan = (person(app, 1001, "Ann"), person(app, 3003, "Ben"),
                           person(app, 2002, "Carl", "en"), person(app, 4004, "Dan"))
    await open_and_pay(ann, deal, runtime)
    link = share_link(text_of(sent[-1][1]))
    [group] = await groups_of(app, deal)
    gid = group.id or 0

    # Ann twice: one seat per person, here is your link.
    twice = await ann.press_data(GroupJoin(gid).pack())
    assert "你已经在这个团里了，一人一个名额" in text_of(twice) and link in text_of(twice)
    await ann.say(f"/start {link}")  # her own link
    assert "你已在这个团里" in ann.texts and "参团" not in " ".join(ann.button_texts)

    # Ben and Carl start paying: every seat is held.
    await ben.press_data(GroupJoin(gid).pack())
    await carl.press_data(GroupJoin(gid).pack())
    await dan.press_data(GroupJoin(gid).pack())
    assert "这个团的名额刚被占满了（有人正在付款）。" in dan.texts
    assert "现在没有别的团可以加入，自己开一个" in dan.texts
    assert dan.button_texts == ["👥 开团 · ¥39.90"]
    await dan.say(f"/start {link}")
    assert "名额刚被占满了" in dan.texts

    await pay(ben, runtime)
    await pay(carl, runtime)
    await dan.say(f"/start {link}")
    assert "这个团已经成团了。" in dan.texts and "👥 已参团：Ann、Ben、Carl" in dan.texts
    assert dan.button_texts == ["👥 开团 · ¥39.90"]
    await ann.say(f"/start {link}")
    assert "✅ 已成团，券码见 /mycodes" in ann.texts
    late = await dan.press_data(GroupJoin(gid).pack())  # an old Join button
    assert "这个团已经成团了。" in text_of(late) and "👥 开团 · ¥39.90" in dan.button_texts
    mine = await ann.press_data(GroupJoin(gid).pack())
    assert "✅ 已成团，券码见 /mycodes" in text_of(mine)

    # Not a group deal: its card. A deal ending too soon for a group: the single price.
    async with app.db.session() as session:
        single = (await session.exec(select(Deal.id).where(
            col(Deal.group_size).is_(None), Deal.status == DealStatus.ACTIVE)
            .order_by(col(Deal.id)).limit(1))).one()
    await dan.press_data(GroupOpen(single or 0).pack())
    assert "这个优惠不是拼团优惠" in dan.texts
    assert any(b.startswith("🛒 立即购买 · ") for b in dan.button_texts)
    async with app.db.transaction() as session:
        ending = await session.get(Deal, deal)
        assert ending is not None
        ending.valid_until = NOW + timedelta(minutes=20)
    await dan.press_data(GroupOpen(deal).pack())
    assert "来不及再开新团" in dan.texts and dan.button_texts == ["🛒 立即购买 · ¥49"]


# ------------------------------------------------------------------ finding group deals


async def test_group_deals_are_found_by_their_words_and_by_the_filter_button(
        app: App, deal: int) -> None:
    chat = person(app, 1001, "Ann")
    await chat.say("有什么拼团")
    assert "串串香三人拼团" in chat.texts and "3人团 ¥39.90" in chat.texts
    assert "👥 显示全部" in chat.button_texts  # the filter is on
    results = [b for b in chat.button_texts if re.match(r"\d+\. ", b)]
    async with app.db.session() as session:
        groups = (await session.exec(select(Deal.title_zh).where(
            Deal.group_size.is_not(None)))).all()  # type: ignore[union-attr]
    assert results and all(any(title[:10] in b for title in groups) for b in results)

    await chat.say("串串")
    assert "双人串串套餐" in chat.texts  # every deal
    await chat.press("👥 只看拼团")
    assert "串串香三人拼团" in chat.texts and "双人串串套餐" not in chat.texts
    await chat.press("👥 显示全部")
    assert "双人串串套餐" in chat.texts

    english = person(app, 2002, "Carl", "en")
    await english.say("any group buys for hotpot?")
    assert "Skewers for three friends" in english.texts
    assert "3-person group ¥39.90" in english.texts
    await english.say("🍢🍢 group deal '; DROP TABLE deals; --")
    assert english.texts  # a polite answer, nothing broken
    await english.say("拼团 🙂🙂🙂 OR 1=1")
    assert "Skewers for three friends" in english.texts
    async with app.db.session() as session:
        assert await session.get(Deal, deal) is not None

    answer = await english.send(InlineQuery("iq1", "skewers"))
    [result] = [r for r in answer[0].results if r.id == str(deal)]  # type: ignore[union-attr]
    assert result.description == "¥49 · 3-person group ¥39.90 · Shu Flavour Skewer Hotpot"


async def test_nothing_in_group_buys_says_so_with_a_way_back(app: App, deal: int) -> None:
    async with app.db.transaction() as session:  # no KTV deal is a group deal today
        await session.exec(update(Deal).where(col(Deal.category) == "ktv")  # type: ignore[call-overload]
                           .values(group_size=None, group_price=None, group_hours=None))
    chat = person(app, 1001, "Ann")
    await chat.say("拼团的KTV")
    assert "没有「" in chat.texts and "的拼团优惠" in chat.texts
    await chat.press("👥 显示全部")
    assert "KTV" in chat.texts
