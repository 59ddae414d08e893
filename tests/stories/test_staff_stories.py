"""An owner invites staff with a one-time link, lists them and removes them; only the
owner may; whoever opens the link can redeem the merchant's codes from then on."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from handlers.router import App
from services.platform.conversations import get_state
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import Merchant, MerchantStatus, RedemptionRequest
from tests.conftest import STORY_NOW, Chat


def person(app: App, name: str, user_id: int | None = None) -> Chat:
    return Chat(app, user_id=user_id or demo_telegram_id(name), name=name)


def invite_token(chat: Chat) -> str:
    link = next(line for line in chat.texts.splitlines() if "start=staff_" in line)
    return link.split("start=")[1].strip()


async def test_an_owner_invites_a_new_staff_member_who_can_then_redeem(app: App) -> None:
    owner = person(app, "haidilao-owner")
    await owner.say("/staff")
    assert "海底捞火锅 的店员" in owner.texts and "haidilao-staff" in owner.texts
    await owner.press("邀请店员")
    payload = invite_token(owner)
    assert len(payload) <= 64 and payload.startswith("staff_")
    newcomer = Chat(app, user_id=3003, name="Dai")
    await newcomer.say("/redeem")
    assert "只有商家店员" in newcomer.texts
    await newcomer.say(f"/start {payload}")
    assert "你已成为「海底捞火锅」的店员" in newcomer.texts
    await newcomer.say("/redeem")
    assert "请输入要核销的券码" in newcomer.texts
    await owner.say("/staff")
    assert "Dai" in owner.texts


async def test_an_invite_link_works_once(app: App) -> None:
    owner = person(app, "mixue-owner")
    await owner.say("/staff invite")
    payload = invite_token(owner)
    first, second = Chat(app, user_id=3004, name="Eve"), Chat(app, user_id=3005, name="Fan")
    await first.say(f"/start {payload}")
    await second.say(f"/start {payload}")
    assert "已被使用" in second.texts
    await first.say(f"/start {payload}")
    assert "已经是" in first.texts


async def test_an_invite_link_expires_after_a_day(app: App) -> None:
    owner = person(app, "mixue-owner")
    await owner.say("/staff invite")
    payload = invite_token(owner)
    app.clock = lambda: STORY_NOW + timedelta(hours=25)
    late = Chat(app, user_id=3006, name="Gil")
    await late.say(f"/start {payload}")
    assert "已过期" in late.texts


async def test_only_the_owner_manages_staff_and_presses_are_checked_again(app: App) -> None:
    for chat in (Chat(app, user_id=3007, name="Shopper"), person(app, "haidilao-staff"),
                 person(app, "mixue-owner")):
        await chat.say("/staff")
        if "mixue" in chat.sender.first_name:
            assert "haidilao" not in chat.texts  # another merchant's owner sees their own
            continue
        assert "只有商家店主" in chat.texts
        await chat.press_data("si")
        assert "只有商家店主" in chat.texts
        await chat.press_data(f"sr:{1}")
        assert "只有商家店主" in chat.texts


async def test_the_owner_removes_staff_who_then_cannot_redeem(app: App) -> None:
    owner = person(app, "haidilao-owner")
    staff = person(app, "haidilao-staff")
    await staff.say("/redeem")
    assert "请输入要核销的券码" in staff.texts
    await staff.say("/cancel")
    await owner.say("/staff")
    await owner.press("移除")
    assert "已移除" in owner.texts
    await staff.say("/redeem")
    assert "只有商家店员" in staff.texts
    await owner.say("/staff")
    assert "haidilao-staff" not in owner.texts


async def test_the_owner_cannot_be_removed_and_bad_invite_payloads_land_on_the_menu(
    app: App,
) -> None:
    owner = person(app, "haidilao-owner")
    profile = await get_profile_by_telegram_id(app.db, owner.sender.id)
    assert profile is not None
    await owner.press_data(f"sr:{profile.id}")
    assert "不是你的店员" in owner.texts
    stranger = Chat(app, user_id=3008, name="Hal")
    for payload in ("staff_", "staff_short", "staff_" + "x" * 40, "staff_'; DROP TABLE--"):
        await stranger.say(f"/start {payload}")
        assert "链接" in stranger.texts  # the "link not valid" note on the main menu
    await stranger.say("/start staff_" + "A" * 22)
    assert "无效" in stranger.texts


async def test_staff_removed_while_asked_for_a_code_are_refused_and_the_question_ends(
    app: App,
) -> None:
    owner = person(app, "haidilao-owner")
    staff = person(app, "haidilao-staff")
    await staff.say("/redeem")
    assert "请输入要核销的券码" in staff.texts
    await owner.say("/staff")
    await owner.press("移除")
    await staff.say("7QH4K2MX9TDA")  # the answer: the role is checked again
    assert staff.texts == "只有商家店员可以核销券码。如果这是你的券码，到店出示即可。"
    assert await get_state(app.db, staff.sender.id, staff.sender.id, STORY_NOW) is None
    async with app.db.session() as session:
        checks = (await session.exec(select(func.count()).select_from(RedemptionRequest))).one()
    assert checks == 0  # the code was not even looked up


async def test_a_suspended_merchants_owner_still_manages_the_staff(app: App) -> None:
    """Codes a suspended merchant sold still redeem, so its owner must still be able to
    take someone off the staff (and to invite)."""
    owner = person(app, "haidilao-owner")
    async with app.db.transaction() as session:
        shop = (await session.exec(select(Merchant).where(Merchant.slug == "haidilao"))).one()
        shop.status = MerchantStatus.SUSPENDED
    await owner.say("/staff")
    assert "haidilao-staff" in owner.texts
    await owner.press("移除")
    assert "已移除" in owner.texts
    await owner.say("/staff invite")
    assert "start=staff_" in owner.texts
    staff = person(app, "haidilao-staff")
    await staff.say("/redeem")
    assert "只有商家店员" in staff.texts
