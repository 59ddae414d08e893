"""A shop owner applies to sell, an admin approves or rejects it, the owner is told."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.core import Notify, SendText
from handlers.router import App
from tests.conftest import Chat

ADMIN = 9_000_001


@pytest.fixture
def admin_app(app: App) -> App:
    app.options = replace(app.options, admin_ids=(ADMIN,))
    return app


async def apply_as(chat: Chat, name: str = "阿明鱼丸店") -> list[object]:
    await chat.say("/merchant")
    await chat.say(name)
    await chat.press(1)  # the first category button
    await chat.say("+86 591 8888 6666")
    await chat.say("福州鱼丸，手工现做。")
    assert name in chat.texts and "8888" in chat.texts  # the summary before submitting
    return await chat.press("✅")


async def test_an_owner_applies_and_the_admin_approves(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=4001, name="阿明")
    replies = await apply_as(owner)
    assert "已提交审核" in owner.texts
    [review] = [r for r in replies if isinstance(r, Notify)]
    assert review.chat_id == ADMIN
    text = review.replies[0]
    assert isinstance(text, SendText) and "阿明鱼丸店" in text.text and "8888" in text.text
    approve = text.buttons[0][0].data
    assert approve is not None and approve.startswith("ma:")
    await owner.say("/merchant")
    assert "正在审核中" in owner.texts
    admin = Chat(admin_app, user_id=ADMIN, name="Admin")
    decided = await admin.press_data(approve)
    assert "已通过" in admin.texts
    [told] = [r for r in decided if isinstance(r, Notify)]
    assert told.chat_id == owner.sender.id and "已通过审核" in told.replies[0].text  # type: ignore[union-attr]
    await admin.press_data(approve)
    assert "已经处理过" in admin.texts  # decided once
    await owner.say("/merchant")
    assert "你是「阿明鱼丸店」的店主" in owner.texts
    await owner.say("/staff")
    assert "阿明鱼丸店 的店员" in owner.texts


async def test_a_rejected_applicant_may_apply_again(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=4002, name="Bo", language_code="en")
    replies = await apply_as(owner, "Bo's Noodles")
    [review] = [r for r in replies if isinstance(r, Notify)]
    reject = review.replies[0].buttons[0][1].data  # type: ignore[union-attr]
    admin = Chat(admin_app, user_id=ADMIN, name="Admin", language_code="en")
    decided = await admin.press_data(reject or "")
    [told] = [r for r in decided if isinstance(r, Notify)]
    assert "wasn't approved" in told.replies[0].text  # type: ignore[union-attr]
    await owner.say("/merchant")
    assert "business name" in owner.texts


async def test_only_admins_decide(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=4003, name="Cy")
    replies = await apply_as(owner)
    [review] = [r for r in replies if isinstance(r, Notify)]
    approve = review.replies[0].buttons[0][0].data  # type: ignore[union-attr]
    for who in (owner, Chat(admin_app, user_id=4004, name="Shopper")):
        await who.press_data(approve or "")
        assert "只有平台管理员" in who.texts
    await owner.say("/merchant")
    assert "正在审核中" in owner.texts


@pytest.mark.parametrize("bad_name", ["", "x", "!!!", "🙂🙂", "店" * 61])
async def test_a_bad_name_is_asked_again_with_the_reason(admin_app: App, bad_name: str) -> None:
    owner = Chat(admin_app, user_id=4005, name="Di")
    await owner.say("/merchant")
    await owner.say(bad_name or " ")
    assert "这个名称不行" in owner.texts and "店铺名称" in owner.texts


async def test_wrong_answers_are_asked_again_and_cancel_leaves(admin_app: App) -> None:
    owner = Chat(admin_app, user_id=4006, name="Ed")
    await owner.say("/merchant")
    await owner.say("Ed's Café")
    await owner.say("coffee please")  # typed instead of pressing a category
    assert "请选择类别" in owner.texts
    await owner.press(1)
    for bad in ("call me", "12", "'; DROP TABLE merchants; --"):
        await owner.say(bad)
        assert "不像电话号码" in owner.texts
    await owner.say("0591-12345678")
    await owner.say("x" * 301)
    assert "太长了" in owner.texts
    await owner.say("/cancel")
    await owner.say("/merchant")
    assert "店铺名称" in owner.texts  # nothing was filed


async def test_without_admins_an_application_still_waits_safely(app: App) -> None:
    owner = Chat(app, user_id=4007, name="Fu")
    replies = await apply_as(owner)
    assert not [r for r in replies if isinstance(r, Notify)]
    await owner.say("/merchant")
    assert "正在审核中" in owner.texts
    await owner.say("/addstore")
    assert "入驻申请通过后才能添加门店" in owner.texts
