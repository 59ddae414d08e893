"""The tutorial's feedback module (examples/tutorial), wired into the assistant's router:
a shopper rates a shop and comments, its owner reads the feedback page by page, and
nobody else can; bad answers are explained and the question asked again; forged
buttons get the stale-button answer. On SQLite and PostgreSQL, through the same Chat
driver as every story."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from examples import tutorial
from examples.tutorial import feedback
from examples.tutorial.feedback import LOCALES, Older, Stars
from examples.tutorial.store import COMMENT_MAX, find_shops, latest_reviews
from handlers.app import build_router
from handlers.core import SendText
from handlers.i18n import Catalog
from handlers.router import App, Router
from services.platform.users import demo_telegram_id
from tests.conftest import Chat


def assistant_with_tutorial() -> Router:
    """The assistant's router with the tutorial's routes included, as an app would."""
    root = build_router()
    root.include(tutorial.router)
    return root


def person(app: App, name: str, user_id: int | None = None,
           language_code: str = "zh") -> Chat:
    """Someone chatting with the assistant that has the tutorial wired in."""
    chat = Chat(app, user_id=user_id or demo_telegram_id(name), name=name,
                language_code=language_code)
    chat.router = assistant_with_tutorial()
    return chat


def shown_buttons(chat: Chat) -> list[str]:
    """The buttons under the latest replies (the driver's `buttons` keeps older ones
    when a reply has none)."""
    return [button.text for reply in chat.replies if isinstance(reply, SendText)
            for row in reply.buttons for button in row]


@pytest.fixture
async def world(app: App) -> App:
    """The demo world with the tutorial's table created."""
    await tutorial.setup(app.db)
    return app


async def haidilao_id(app: App) -> int:
    [shop] = await find_shops(app.db, "海底捞")
    return shop.merchant_id


async def give_feedback(chat: Chat, shop: str, stars: int, comment: str) -> None:
    await chat.say(f"/feedback {shop}")
    await chat.press(f"{stars} 星")
    await chat.say(comment)
    assert "评价已保存" in chat.texts


async def test_a_shopper_rates_5_stars_and_comments_and_the_owner_reads_it(world: App) -> None:
    ann = person(world, "Ann", user_id=4001)
    await ann.say("/feedback 海底捞")
    assert "海底捞火锅 怎么样" in ann.texts
    assert ann.button_texts == ["1 星", "2 星", "3 星", "4 星", "5 星"]
    await ann.press("5 星")
    assert "给 海底捞火锅 5 星" in ann.texts and "300 字" in ann.texts
    await ann.say("番茄锅很好喝，服务也周到。")
    assert "谢谢！你对 海底捞火锅 的评价已保存" in ann.texts
    await ann.say("/cancel")
    assert "当前没有进行中的操作" in ann.texts  # the flow ended with the comment

    owner = person(world, "haidilao-owner")
    await owner.say("/reviews")
    assert "海底捞火锅 最新评价" in owner.texts
    assert "★★★★★ 2026-11-25：番茄锅很好喝，服务也周到。" in owner.texts
    assert not shown_buttons(owner)  # one page only: no "older" button


async def test_an_english_speaker_gets_the_english_catalog(world: App) -> None:
    ben = person(world, "Ben", user_id=4002, language_code="en")
    await ben.say("/feedback haidilao")
    assert "How was Haidilao Hotpot?" in ben.texts
    await ben.say("１")  # a full-width digit typed instead of a tap
    assert "1 star for Haidilao Hotpot" in ben.texts
    await ben.say("Slow service tonight.")
    assert "Your feedback on Haidilao Hotpot is saved" in ben.texts


async def test_the_shop_must_be_named_and_found_and_be_only_one(world: App) -> None:
    ann = person(world, "Ann", user_id=4003)
    await ann.say("/feedback")
    assert "发送 /feedback 加店名" in ann.texts
    await ann.say("/feedback 不存在的店")
    assert "没有找到名为「不存在的店」的店铺" in ann.texts
    await ann.say("/feedback 100%_")  # LIKE wildcards are matched as typed
    assert "没有找到" in ann.texts
    await ann.say("/feedback 火锅")
    assert "有多家店铺" in ann.texts and "海底捞火锅" in ann.texts and "潮牛记" in ann.texts
    await ann.say("随便说点什么")
    assert "评价已保存" not in ann.texts and "给 " not in ann.texts  # no flow was started


async def test_bad_answers_are_explained_and_the_step_is_asked_again(world: App) -> None:
    ann = person(world, "Ann", user_id=4004)
    await ann.say("/feedback 海底捞")
    for wrong in ("很好", "6", "0", "⭐⭐⭐⭐⭐"):
        await ann.say(wrong)
        assert "请点下面的星级按钮" in ann.texts and "海底捞火锅 怎么样" in ann.texts
        assert "/cancel" in ann.texts
        assert ann.button_texts[-1] == "5 星"  # the stars are offered again
    await ann.press("4 星")

    await ann.send_photo()
    assert "请用文字写下评价" in ann.texts and "/cancel" in ann.texts
    await ann.say("   ")
    assert "请用文字写下评价" in ann.texts
    await ann.say("好" * (COMMENT_MAX + 1))
    assert f"这条评价有 {COMMENT_MAX + 1} 字" in ann.texts and "/cancel" in ann.texts
    await ann.say("👍🔥🍲!!!")
    assert "不要只发表情或符号" in ann.texts and "/cancel" in ann.texts
    reviews = await latest_reviews(world.db, await haidilao_id(world), before=None, limit=5)
    assert reviews.reviews == []  # nothing was saved from the bad answers

    sql = "好吃'); DROP TABLE tutorial_feedback; --"
    await ann.say(sql)  # just text: stored as typed, the table still there
    assert "评价已保存" in ann.texts
    reviews = await latest_reviews(world.db, await haidilao_id(world), before=None, limit=5)
    assert [(r.stars, r.comment) for r in reviews.reviews] == [(4, sql)]


async def test_cancel_leaves_the_flow_and_its_buttons_go_stale(world: App) -> None:
    ann = person(world, "Ann", user_id=4005)
    await ann.say("/feedback 海底捞")
    [five_stars] = [b.data for b, _ in ann.buttons if b.text == "5 星"]
    await ann.say("/cancel")
    assert "已退出当前操作" in ann.texts
    await ann.press_data(five_stars)  # the question's button, after leaving
    assert "这个按钮已经失效了" in ann.texts
    await ann.say("/feedback 海底捞")
    await ann.press("3 星")
    await ann.say("/cancel")
    assert "已退出当前操作" in ann.texts
    await ann.say("还行吧")
    assert "评价已保存" not in ann.texts
    reviews = await latest_reviews(world.db, await haidilao_id(world), before=None, limit=5)
    assert reviews.reviews == []


async def test_a_stranger_cannot_list_feedback(world: App) -> None:
    await give_feedback(person(world, "Ann", user_id=4006), "海底捞", 5, "很好")
    for name, user_id in (("Eve", 4007), ("haidilao-staff", None)):
        stranger = person(world, name, user_id)
        await stranger.say("/reviews")
        assert "只有已通过审核的商家店主" in stranger.texts and "很好" not in stranger.texts
        await stranger.press_data(Older(before=10**6).pack())  # a well-formed page button
        assert "只有已通过审核的商家店主" in stranger.texts and "很好" not in stranger.texts
    other_owner = person(world, "mixue-owner")
    await other_owner.say("/reviews")
    assert "蜜雪冰城 还没有评价" in other_owner.texts and "很好" not in other_owner.texts
    await other_owner.press_data(Older(before=10**6).pack())
    assert "很好" not in other_owner.texts  # the shop comes from the role, not the button


async def test_the_owner_pages_back_through_older_feedback(world: App) -> None:
    for n in range(1, 8):
        await give_feedback(person(world, f"Shopper{n}", user_id=4100 + n), "海底捞",
                            1 + n % 5, f"第{n}条评价")
    owner = person(world, "haidilao-owner")
    await owner.say("/reviews")
    assert [f"第{n}条评价" in owner.texts for n in range(7, 0, -1)] == [True] * 5 + [False] * 2
    assert owner.button_texts == ["更早的评价"]
    await owner.press("更早的评价")
    assert "第2条评价" in owner.texts and "第1条评价" in owner.texts
    assert "第3条评价" not in owner.texts
    assert not shown_buttons(owner)  # the last page


async def test_a_forged_page_button_gets_the_stale_answer(world: App) -> None:
    await give_feedback(person(world, "Ann", user_id=4008), "海底捞", 5, "很好")
    owner = person(world, "haidilao-owner")
    for forged in ("fbmore", "fbmore:", "fbmore:abc", "fbmore:-1", "fbmore:1:2",
                   "fbmore:1' OR 1=1 --", "fbmore:1234567890123", "fbmore:🍲"):
        await owner.press_data(forged)
        assert "这个按钮已经失效了" in owner.texts and "很好" not in owner.texts
    await owner.press_data(Older(before=1).pack())  # well formed, nothing older
    assert "海底捞火锅 没有更早的评价了" in owner.texts


async def test_a_forged_or_foreign_star_button_gets_the_stale_answer(world: App) -> None:
    ann = person(world, "Ann", user_id=4009)
    shop = await haidilao_id(world)
    await ann.say("/feedback 海底捞")
    for forged in (Stars(shop, 9).pack(), Stars(shop, 0).pack(), Stars(shop + 1, 5).pack(),
                   "fbstar:x:5", f"fbstar:{shop}"):
        await ann.press_data(forged)
        assert "这个按钮已经失效了" in ann.texts
    await ann.say("5")  # the question is still open
    assert "给 海底捞火锅 5 星" in ann.texts


def test_the_tutorial_catalogs_hold_exactly_the_messages_its_code_uses() -> None:
    zh, en = Catalog("zh", LOCALES), Catalog("en", LOCALES)
    assert zh.ids == en.ids
    source = ast.parse(Path(feedback.__file__).read_text(encoding="utf-8"))
    used = {node.value for node in ast.walk(source)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"(feedback|reviews)-[a-z-]+", node.value)}
    assert used == zh.ids
