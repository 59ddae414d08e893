"""An owner pushes an offer to their followers with /campaign: picks a coupon or deal,
who gets it, when and how fast; sees a preview and confirms once; lists and cancels
campaigns. Plus the readers of typed times, distances, windows and audiences."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select, update

from handlers.router import App
from services.catalog.deal_cards import merchant_id_of
from services.marketing.campaign_input import (
    MAX_AHEAD,
    CampaignInputError,
    parse_audience,
    parse_radius,
    parse_schedule,
    parse_window,
)
from services.marketing.follows import follow
from services.merchants.admin import suspend_merchant
from services.platform.conversations import get_state
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id
from storage.models import Campaign, CouponTemplate, Deal, TasteProfile
from tests.conftest import STORY_NOW, Chat

# STORY_NOW is Wednesday 2026-11-25, 12:00 in Shanghai.
TOMORROW_11_UTC = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
FRIDAY_11_UTC = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
NEAR_WANDA = (25.9940, 119.4430)  # a few hundred metres from Haidilao (Mawei Wanda)
FAR_AWAY = (26.2000, 119.7000)


class RecordingTimer:
    """The bot's campaign timer as the handlers see it: what was (un)scheduled."""

    def __init__(self) -> None:
        self.scheduled: list[int] = []
        self.unscheduled: list[int] = []

    async def schedule(self, campaign_id: int) -> None:
        self.scheduled.append(campaign_id)

    async def unschedule(self, campaign_id: int) -> None:
        self.unscheduled.append(campaign_id)


class BrokenTimer(RecordingTimer):
    """A campaign timer whose job store is down: every schedule() fails."""

    async def schedule(self, campaign_id: int) -> None:
        self.scheduled.append(campaign_id)
        raise ConnectionError("the job store does not answer")


def owner(app: App, slug: str = "haidilao", language_code: str = "zh") -> Chat:
    return Chat(app, user_id=demo_telegram_id(f"{slug}-owner"), name=f"{slug}-owner",
                language_code=language_code)


async def new_follower(app: App, telegram_id: int, slug: str = "haidilao",
                       at: tuple[float, float] | None = None) -> int:
    """A shopper who started the bot (and maybe shared where they are) and follows."""
    shopper = Chat(app, user_id=telegram_id, name=f"fan{telegram_id}")
    await shopper.say("/start")
    if at is not None:
        await shopper.share_location(*at)
    profile = await get_profile_by_telegram_id(app.db, telegram_id)
    merchant_id = await merchant_id_of(app.db, slug)
    assert profile is not None and merchant_id is not None
    followed = await follow(app.db, profile.id, merchant_id, STORY_NOW)
    assert followed.outcome == "followed"
    return profile.id


async def campaigns_of(app: App, slug: str = "haidilao") -> list[Campaign]:
    merchant_id = await merchant_id_of(app.db, slug)
    async with app.db.session() as session:
        return list((await session.exec(
            select(Campaign).where(Campaign.merchant_id == merchant_id)
            .order_by(col(Campaign.id)))).all())


async def first_deal(app: App, slug: str = "haidilao") -> Deal:
    merchant_id = await merchant_id_of(app.db, slug)
    async with app.db.session() as session:
        deal = (await session.exec(select(Deal).where(Deal.merchant_id == merchant_id)
                                   .order_by(col(Deal.id).desc()))).first()
    assert deal is not None
    return deal


async def to_audience_step(boss: Chat) -> None:
    """/campaign new and the newest deal chosen."""
    await boss.say("/campaign new")
    assert "推送哪个优惠" in boss.texts
    await boss.press("🛒")
    assert "推送给谁" in boss.texts


async def to_preview(boss: Chat, when: str = "明天 11:00") -> str:
    """All followers, `when` typed, the recommended window; the Confirm button's data."""
    await to_audience_step(boss)
    await boss.press("全部粉丝")
    await boss.say(when)
    assert "多长时间内发完" in boss.texts
    await boss.press("推荐")
    assert "推送预览" in boss.texts, boss.texts
    [confirm] = [b.data for b, _ in boss.buttons if "确认" in b.text]
    assert confirm is not None
    return confirm


async def test_an_owner_pushes_a_deal_to_all_followers_step_by_step(app: App) -> None:
    timer = RecordingTimer()
    app.campaigns = timer
    await new_follower(app, 6101)
    await new_follower(app, 6102)
    boss = owner(app)
    await boss.say("/campaign")
    assert "还没有推送活动" in boss.texts
    await boss.press("新建推送")
    deal = await first_deal(app)
    assert any(deal.title_zh in b for b in boss.button_texts if deal.title_zh)
    await boss.press("🛒")
    assert "推送只会发给关注你的粉丝" in boss.texts
    assert any("喜欢🍲 火锅" in b for b in boss.button_texts)
    await boss.press("全部粉丝")
    assert "什么时候发" in boss.texts
    await boss.press("明天 11:00")
    assert "绝不会在免打扰时段" in boss.texts
    await boss.press("推荐")
    preview = boss.texts
    assert "推送预览" in preview and "全部粉丝，共 2 人，其中 2 人现在能收到" in preview
    assert "发送时间：2026-11-26 11:00" in preview and "发送时长：3 小时" in preview
    await boss.press("确认")
    assert "已安排好" in boss.texts and "2026-11-26 11:00" in boss.texts
    assert "实时显示在这里" in boss.texts

    [campaign] = await campaigns_of(app)
    profile = await get_profile_by_telegram_id(app.db, boss.sender.id)
    assert profile is not None
    assert (campaign.deal_id, campaign.template_id, campaign.audience) == (deal.id, None, "all")
    assert (campaign.schedule, campaign.run_at, campaign.window_minutes) == (
        "once", TOMORROW_11_UTC, 180)
    assert campaign.status == "scheduled" and campaign.created_by == profile.id
    assert campaign.report_chat_id == boss.sender.id
    assert timer.scheduled == [campaign.id]

    await boss.say("/campaign")
    listing = boss.texts
    assert f"#{campaign.id}" in listing and "全部粉丝" in listing
    assert "2026-11-26 11:00" in listing and "待发送" in listing and "已发 0 轮" in listing
    assert any(f"取消 #{campaign.id}" in b for b in boss.button_texts)


async def test_a_typed_every_friday_makes_a_weekly_campaign(app: App) -> None:
    await new_follower(app, 6201)
    boss = owner(app)
    await to_preview(boss, "每周五 11:00")
    assert "重复：每周五 11:00；第一次 2026-11-27 11:00" in boss.texts
    await boss.press("确认")
    assert "每周五 11:00" in boss.texts
    [campaign] = await campaigns_of(app)
    assert (campaign.schedule, campaign.weekday, campaign.local_time) == ("weekly", 4, 660)
    assert campaign.run_at == FRIDAY_11_UTC and campaign.timezone == "Asia/Shanghai"
    await boss.say("/campaign")
    assert "每周五 11:00" in boss.texts


async def test_an_english_speaking_owner_types_every_friday(app: App) -> None:
    await new_follower(app, 6301)
    boss = owner(app, language_code="en")
    await boss.say("/campaign new")
    assert "What do you want to promote?" in boss.texts
    await boss.press("🛒")
    await boss.press("All followers")
    await boss.say("every Friday 11:00")
    await boss.press("3 h")
    assert "Repeats every Friday 11:00; first run 2026-11-27 11:00" in boss.texts
    assert "all followers (1 person, 1 reachable now)" in boss.texts
    await boss.press("Confirm")
    assert "scheduled: every Friday 11:00, first run 2026-11-27 11:00" in boss.texts
    [campaign] = await campaigns_of(app)
    assert (campaign.schedule, campaign.weekday, campaign.run_at) == ("weekly", 4, FRIDAY_11_UTC)


async def test_a_time_gone_by_is_refused_and_asked_again(app: App) -> None:
    await new_follower(app, 6401)
    boss = owner(app)
    await to_audience_step(boss)
    await boss.press("全部粉丝")
    await boss.say("2026-11-25 09:00")  # this morning
    assert "这个时间已经过去了" in boss.texts and "什么时候发" in boss.texts
    await boss.say("明年的某一天")
    assert "没看懂这个时间" in boss.texts and "每周五 11:00" in boss.texts  # with examples
    await boss.say("2027-06-01 11:00")
    assert f"最多只能安排在 {MAX_AHEAD.days} 天之内" in boss.texts
    await boss.say("明天11点")
    assert "多长时间内发完" in boss.texts
    await boss.press("1 小时")
    assert "发送时间：2026-11-26 11:00" in boss.texts and "发送时长：1 小时" in boss.texts


async def test_an_owner_says_next_monday_morning_at_ten_as_people_do(app: App) -> None:
    await new_follower(app, 6451)
    boss = owner(app)
    await to_audience_step(boss)
    await boss.press("全部粉丝")
    await boss.say("下周一")  # a day, but no time
    assert "请同时说一个时间" in boss.texts and "什么时候发" in boss.texts
    await boss.say("昨天早上10点")
    assert "这个时间已经过去了" in boss.texts
    await boss.say("下周一早上10点")
    assert "多长时间内发完" in boss.texts
    await boss.press("推荐")
    assert "发送时间：2026-11-30 10:00" in boss.texts
    await boss.press("确认")
    assert "已安排好" in boss.texts and "2026-11-30 10:00" in boss.texts
    [campaign] = await campaigns_of(app)
    assert (campaign.schedule, campaign.run_at) == ("once",
                                                   datetime(2026, 11, 30, 2, 0, tzinfo=UTC))


async def test_nine_oclock_next_monday_is_the_morning_and_every_day_at_nine_too(
        app: App) -> None:
    await new_follower(app, 6452)
    boss = owner(app)
    await to_preview(boss, "下周一 9点")
    assert "发送时间：2026-11-30 09:00" in boss.texts  # a merchant's 9点 is as said
    await boss.press("修改")
    await boss.press("全部粉丝")
    await boss.say("每天早上9点")
    await boss.press("推荐")
    assert "每天 09:00" in boss.texts and "第一次 2026-11-26 09:00" in boss.texts


async def test_an_english_owner_types_next_monday_10am(app: App) -> None:
    await new_follower(app, 6453)
    boss = owner(app, language_code="en")
    await boss.say("/campaign new")
    await boss.press("🛒")
    await boss.press("All followers")
    await boss.say("next monday")
    assert "a time too" in boss.texts
    await boss.say("next monday 10am")
    await boss.press("3 h")
    assert "2026-11-30 10:00" in boss.texts
    await boss.press("Confirm")
    [campaign] = await campaigns_of(app)
    assert campaign.run_at == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


async def test_an_owner_without_followers_is_told_to_put_up_the_poster(app: App) -> None:
    boss = owner(app)
    await to_audience_step(boss)
    await boss.press("全部粉丝")
    await boss.press("现在")
    await boss.press("推荐")
    assert "还没有人关注你的店铺" in boss.texts and "/poster" in boss.texts
    await boss.say("3小时")  # the conversation is over: plain text again
    assert "推送预览" not in boss.texts
    assert not await campaigns_of(app)


async def test_an_audience_nobody_matches_is_refused_with_advice(app: App) -> None:
    await new_follower(app, 6501)
    boss = owner(app)
    await to_audience_step(boss)
    await boss.press("流失老客")  # nobody bought here and then stayed away
    await boss.press("现在")
    await boss.press("推荐")
    assert "没有符合这个条件的人" in boss.texts and "全部粉丝" in boss.texts
    assert "推送给谁" in boss.texts  # the audience is asked again
    await boss.press("全部粉丝")
    await boss.press("现在")
    await boss.press("推荐")
    assert "共 1 人" in boss.texts


async def test_everyone_is_not_an_audience(app: App) -> None:
    await new_follower(app, 6601)
    boss = owner(app)
    await to_audience_step(boss)
    for words in ("everyone", "所有人", "all users"):
        await boss.say(words)
        assert "推送只会发给关注你的粉丝，不能发给其他人" in boss.texts
        assert "推送给谁" in boss.texts
    await boss.say("附近")
    assert "离门店多近" in boss.texts


async def test_followers_near_a_store_and_followers_into_hotpot(app: App) -> None:
    near = await new_follower(app, 6701, at=NEAR_WANDA)
    await new_follower(app, 6702, at=FAR_AWAY)
    async with app.db.transaction() as session:
        session.add(TasteProfile(user_id=near, affinity={"hotpot": 0.7, "tea": 0.3}))
    boss = owner(app)
    await to_audience_step(boss)
    await boss.press("附近")
    await boss.say("2公里")
    await boss.press("现在")
    await boss.press("推荐")
    assert "门店 2 km 内的粉丝，共 1 人" in boss.texts
    await boss.press("修改")
    assert "推送给谁" in boss.texts
    await boss.press("喜欢")
    await boss.press("现在")
    await boss.press("6 小时")
    assert "喜欢🍲 火锅的粉丝，共 1 人" in boss.texts
    await boss.press("确认")
    [campaign] = await campaigns_of(app)
    assert (campaign.audience, campaign.category, campaign.radius_m) == ("interest", "hotpot",
                                                                        None)
    assert campaign.run_at == STORY_NOW and campaign.window_minutes == 360


async def test_an_active_coupon_can_be_pushed(app: App) -> None:
    await new_follower(app, 6801)
    merchant_id = await merchant_id_of(app.db, "haidilao")
    assert merchant_id is not None
    async with app.db.transaction() as session:
        session.add(CouponTemplate(merchant_id=merchant_id, kind="amount_off",
                                   title_zh="满200减30", title_en="¥30 off ¥200",
                                   amount_off=3000, min_spend=20000))
        session.add(CouponTemplate(merchant_id=merchant_id, kind="amount_off",
                                   title_zh="已停用的券", amount_off=1000, status="paused"))
    boss = owner(app)
    await boss.say("/campaign new")
    assert "🎟 满200减30" in boss.button_texts
    assert not any("已停用" in b for b in boss.button_texts)
    await boss.press("满200减30")
    await boss.press("全部粉丝")
    await boss.press("10 分钟后")
    await boss.press("12 小时")
    assert "优惠券：满200减30" in boss.texts and "发送时间：2026-11-25 12:10" in boss.texts
    await boss.press("确认")
    [campaign] = await campaigns_of(app)
    assert campaign.template_id is not None and campaign.deal_id is None
    assert campaign.run_at == STORY_NOW + timedelta(minutes=10)


async def test_an_owner_with_nothing_to_promote_is_told_how_to_make_something(app: App) -> None:
    merchant_id = await merchant_id_of(app.db, "haidilao")
    async with app.db.transaction() as session:
        await session.exec(update(Deal).where(col(Deal.merchant_id) == merchant_id)  # type: ignore[call-overload]
                           .values(status="paused"))
    boss = owner(app)
    await boss.say("/campaign new")
    assert "/coupon new" in boss.texts and "/newdeal" in boss.texts


async def test_a_double_tapped_confirm_makes_one_campaign(app: App) -> None:
    timer = RecordingTimer()
    app.campaigns = timer
    await new_follower(app, 6901)
    boss = owner(app)
    confirm = await to_preview(boss)
    await boss.press("确认")
    assert "已安排好" in boss.texts
    await boss.press_data(confirm)
    assert "失效" in boss.texts
    assert len(await campaigns_of(app)) == 1

    confirm = await to_preview(boss, "后天 11:00")
    twin = Chat(app, user_id=boss.sender.id, name=boss.sender.first_name)
    await asyncio.gather(boss.press_data(confirm), twin.press_data(confirm))
    assert len(await campaigns_of(app)) == 2
    assert len(timer.scheduled) == 2


async def test_a_campaign_saved_while_the_timer_is_down_is_told_truthfully(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    timer = BrokenTimer()
    app.campaigns = timer
    await new_follower(app, 7051)
    boss = owner(app)
    confirm = await to_preview(boss)

    with caplog.at_level(logging.ERROR, logger="handlers.campaigns"):
        await boss.press("确认")

    [campaign] = await campaigns_of(app)
    assert campaign.status == "scheduled" and campaign.run_at == TOMORROW_11_UTC
    assert timer.scheduled == [campaign.id]  # it was asked, and failed
    told = boss.texts
    assert f"推送 #{campaign.id} 已保存，定于 2026-11-26 11:00 发送" in told
    assert "定时服务暂时没有响应" in told and "定时服务一恢复" in told
    assert "会通知你这次错过了" in told and "/campaign" in told
    assert "出了点问题" not in told and "已安排好" not in told  # not the generic error, no fib
    [record] = [r for r in caplog.records if r.name == "handlers.campaigns"]
    assert f"campaign {campaign.id} is stored" in record.getMessage()
    assert record.exc_info is not None and "job store" in str(record.exc_info[1])
    await boss.press_data(confirm)  # pressing Confirm again makes no second one
    assert "失效" in boss.texts and len(await campaigns_of(app)) == 1
    await boss.say("/campaign")  # listed, still to run, and can be cancelled
    assert f"#{campaign.id}" in boss.texts and "待发送" in boss.texts
    assert any(f"取消 #{campaign.id}" in b for b in boss.button_texts)


async def test_an_english_owner_is_told_a_weekly_campaign_waits_for_the_timer(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.campaigns = BrokenTimer()
    await new_follower(app, 7052)
    boss = owner(app, language_code="en")
    await boss.say("/campaign new")
    await boss.press("🛒")
    await boss.press("All followers")
    await boss.say("every Friday 11:00")
    await boss.press("3 h")

    with caplog.at_level(logging.ERROR, logger="handlers.campaigns"):
        await boss.press("Confirm")

    [campaign] = await campaigns_of(app)
    assert boss.texts.splitlines()[0] == (
        f"✅ Campaign #{campaign.id} is saved: every Friday 11:00, first run 2026-11-27 11:00.")
    assert "will start as soon as the timer service is back" in boss.texts
    assert "is skipped" in boss.texts and "scheduled" not in boss.texts
    assert any(r.exc_info for r in caplog.records if r.name == "handlers.campaigns")


async def test_an_owner_cancels_a_campaign_from_the_list(app: App) -> None:
    timer = RecordingTimer()
    app.campaigns = timer
    await new_follower(app, 7001)
    boss = owner(app)
    await to_preview(boss, "每周五 11:00")
    await boss.press("确认")
    [campaign] = await campaigns_of(app)
    await boss.say("/campaign")
    await boss.press(f"取消 #{campaign.id}")
    assert "确定取消推送" in boss.texts
    await boss.press("不取消")
    assert "保持不变" in boss.texts
    await boss.say("/campaign")
    await boss.press(f"取消 #{campaign.id}")
    await boss.press("确定取消")
    assert f"推送 #{campaign.id} 已取消" in boss.texts
    assert timer.unscheduled == [campaign.id]
    [campaign] = await campaigns_of(app)
    assert campaign.status == "cancelled"
    await boss.press_data(f"cmpl:y:{campaign.id}")  # the old Yes again
    assert "无需取消" in boss.texts and timer.unscheduled == [campaign.id]
    await boss.say("/campaign")
    assert "已取消" in boss.texts
    assert not any(f"取消 #{campaign.id}" in b for b in boss.button_texts)


async def test_shoppers_and_unapproved_merchants_cannot_push(app: App) -> None:
    shopper = Chat(app, user_id=7101, name="Mei")
    await shopper.say("/campaign")
    assert "只有通过审核的商家店主可以给粉丝推送" in shopper.texts
    await shopper.say("/campaign new")
    assert "只有通过审核的商家店主可以给粉丝推送" in shopper.texts
    await shopper.press_data("cmpl:new")
    assert "只有通过审核的商家店主可以给粉丝推送" in shopper.texts

    applicant = Chat(app, user_id=7102, name="Lin")
    await applicant.say("/merchant")
    await applicant.say("林记小馆")
    await applicant.press(1)  # the first category
    await applicant.say("+86 591 8888 6666")
    await applicant.say("家常菜，现炒现做。")
    await applicant.press("✅")
    assert "已提交审核" in applicant.texts
    await applicant.say("/campaign")
    assert "入驻申请通过后才能给粉丝推送" in applicant.texts


async def test_an_owner_suspended_mid_campaign_is_told_so_and_the_draft_ends(
    app: App,
) -> None:
    await new_follower(app, 7111)
    boss = owner(app)
    await to_audience_step(boss)
    merchant_id = await merchant_id_of(app.db, "haidilao")
    assert merchant_id is not None
    assert (await suspend_merchant(app.db, merchant_id)).outcome == "done"
    await boss.press("全部粉丝")  # drawn before the suspension
    assert "你的商家已被暂停，暂时不能给粉丝推送" in boss.texts
    # The refused press ended the draft: nothing waits for an answer any more.
    assert await get_state(app.db, boss.sender.id, boss.sender.id, STORY_NOW) is None
    await boss.say("/campaign")
    assert "你的商家已被暂停，暂时不能给粉丝推送" in boss.texts
    assert not await campaigns_of(app)


async def test_nasty_answers_are_refused_politely_and_the_flow_goes_on(app: App) -> None:
    await new_follower(app, 7201, at=NEAR_WANDA)
    boss = owner(app)
    await to_audience_step(boss)
    for nasty in ("😀😀", "'; DROP TABLE campaigns; --", "x" * 4000):
        await boss.say(nasty)
        assert "请点一个按钮" in boss.texts and "推送给谁" in boss.texts
    await boss.say("y" * 10_000)
    assert "太长" in boss.texts
    await boss.press("附近")
    for nasty in ("0km", "-5km", "999999km", "😀", "1 OR 1=1", "50公里1"):
        await boss.say(nasty)
        assert "这个距离用不了" in boss.texts and "离门店多近" in boss.texts, nasty
    await boss.send_photo()
    assert "请用文字或按钮回答" in boss.texts
    await boss.say("800m")
    for nasty in ("🕚", "SELECT * FROM users", "z" * 3000, "每周八 11:00", "25:00"):
        await boss.say(nasty)
        assert "没看懂这个时间" in boss.texts, nasty
    await boss.say("现在")
    for nasty in ("2h", "0", "🙂", "99999999999999999999"):
        await boss.say(nasty)
        assert "1、3、6 或 12 小时" in boss.texts, nasty
    await boss.say("3小时")
    assert "门店 800 m 内的粉丝，共 1 人" in boss.texts
    await boss.press("确认")
    [campaign] = await campaigns_of(app)
    assert (campaign.audience, campaign.radius_m) == ("nearby", 800)


async def test_forged_and_old_buttons_change_nothing(app: App) -> None:
    await new_follower(app, 7301)
    boss = owner(app)
    await boss.press_data("cmp:ok:deadbeef")  # no conversation at all
    assert "失效" in boss.texts
    await to_audience_step(boss)
    for forged in ("cmp:a:everyone", "cmp:r:3000", "cmp:win:180", "cmp:o:d:1",
                   "cmp:a:all:extra", "cmp", "cmp:", "cmpl:c:-1", "cmpl:y:abc",
                   "cmpl:y:99999999", "cmpl:c:" + "9" * 40):
        await boss.press_data(forged)
        assert "失效" in boss.texts, forged
    await boss.press_data("cmp:a:all")  # the real button still works after all that
    await boss.press("现在")
    await boss.press("推荐")
    await boss.press_data("cmp:ok:00000000")  # a Confirm with the wrong token
    assert "失效" in boss.texts
    assert not await campaigns_of(app)

    # someone else's campaign cannot be cancelled by guessing its id
    await new_follower(app, 7302, slug="chuanwei-chuanchuan")
    rival = owner(app, "chuanwei-chuanchuan")
    await to_preview(rival)
    await rival.press("确认")
    [theirs] = await campaigns_of(app, "chuanwei-chuanchuan")
    await boss.press_data(f"cmpl:c:{theirs.id}")
    assert "失效" in boss.texts
    await boss.press_data(f"cmpl:y:{theirs.id}")
    assert "失效" in boss.texts
    [theirs] = await campaigns_of(app, "chuanwei-chuanchuan")
    assert theirs.status == "scheduled"
    assert all(len((b.data or "").encode()) <= 64 for b, _ in rival.buttons)


# --------------------------------------------------------------------------- readers


SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(("text", "run_at"), [
    ("now", STORY_NOW),
    ("现在", STORY_NOW),
    ("in 10 minutes", STORY_NOW + timedelta(minutes=10)),
    ("10分钟后", STORY_NOW + timedelta(minutes=10)),
    ("2 hours", STORY_NOW + timedelta(hours=2)),
    ("tomorrow 11:00", TOMORROW_11_UTC),
    ("明天 11点", TOMORROW_11_UTC),
    ("明天11点半", TOMORROW_11_UTC + timedelta(minutes=30)),
    ("2026-11-27 11:00", FRIDAY_11_UTC),
    ("11月27日 11:00", FRIDAY_11_UTC),
    ("11/27 11am", FRIDAY_11_UTC),
    ("18:30", datetime(2026, 11, 25, 10, 30, tzinfo=UTC)),
    ("１８：３０", datetime(2026, 11, 25, 10, 30, tzinfo=UTC)),  # full-width digits
    ("9:30pm", datetime(2026, 11, 25, 13, 30, tzinfo=UTC)),
])
def test_one_off_times_are_read_in_the_merchants_time_zone(text: str, run_at: datetime) -> None:
    schedule = parse_schedule(text, STORY_NOW, SHANGHAI)
    assert (schedule.kind, schedule.run_at) == ("once", run_at)


@pytest.mark.parametrize(("text", "kind", "weekday", "local_time", "first"), [
    ("每周五 11:00", "weekly", 4, 660, FRIDAY_11_UTC),
    ("every Friday 11:00", "weekly", 4, 660, FRIDAY_11_UTC),
    ("every fri 11am", "weekly", 4, 660, FRIDAY_11_UTC),
    ("每星期三 12:00", "weekly", 2, 720, STORY_NOW),  # today at this very minute
    ("每周三 11:00", "weekly", 2, 660, STORY_NOW + timedelta(days=7, hours=-1)),
    ("每天 11:00", "daily", None, 660, TOMORROW_11_UTC),
    ("every day 13:00", "daily", None, 780, STORY_NOW + timedelta(hours=1)),
])
def test_recurring_rules(text: str, kind: str, weekday: int | None, local_time: int,
                         first: datetime) -> None:
    schedule = parse_schedule(text, STORY_NOW, SHANGHAI)
    assert (schedule.kind, schedule.weekday, schedule.local_time, schedule.run_at) == (
        kind, weekday, local_time, first)
    assert schedule.timezone == SHANGHAI


@pytest.mark.parametrize(("timezone", "first"), [
    ("Asia/Shanghai", datetime(2026, 11, 27, 3, 0, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 11, 27, 5, 30, tzinfo=UTC)),  # UTC+5:30
    ("Asia/Tokyo", datetime(2026, 11, 27, 2, 0, tzinfo=UTC)),
    ("UTC", datetime(2026, 11, 27, 11, 0, tzinfo=UTC)),
])
def test_a_weekly_rule_is_at_local_time_in_time_zones_without_daylight_saving(
        timezone: str, first: datetime) -> None:
    schedule = parse_schedule("every friday 11:00", STORY_NOW, timezone)
    assert schedule.run_at == first
    once = parse_schedule("2026-11-27 11:00", STORY_NOW, timezone)
    assert once.run_at == first


@pytest.mark.parametrize(("text", "reason"), [
    ("2026-11-25 09:00", "past"),
    ("11:59", "past"),
    ("2025-12-01 11:00", "past"),
    ("2027-06-01 11:00", "too_far"),
    ("in 200000 minutes", "schedule"),
    ("2026-02-30 11:00", "schedule"),
    ("每周八 11:00", "schedule"),
    ("every funday 11:00", "schedule"),
    ("25:00", "schedule"),
    ("", "schedule"),
    ("😀", "schedule"),
    ("'; DROP TABLE campaigns; --", "schedule"),
    ("9" * 10_000, "schedule"),
])
def test_unreadable_past_and_far_times_are_refused(text: str, reason: str) -> None:
    with pytest.raises(CampaignInputError) as refused:
        parse_schedule(text, STORY_NOW, SHANGHAI)
    assert refused.value.reason == reason


def test_distances_windows_and_audiences_as_typed() -> None:
    assert [parse_radius(t) for t in ("2km", "800m", "2公里", "1.5 km", "3", "800", "５千米")] == [
        2000, 800, 2000, 1500, 3000, 800, 5000]
    for bad in ("0km", "-5km", "999999km", "50m", "", "😀", "2 miles"):
        with pytest.raises(CampaignInputError, match="radius"):
            parse_radius(bad)
    assert [parse_window(t) for t in ("1h", "3 小时", "6 hours", "180", "720 min", "12")] == [
        60, 180, 360, 180, 720, 720]
    for bad in ("2h", "0", "", "24h", "🙂"):
        with pytest.raises(CampaignInputError, match="window"):
            parse_window(bad)
    assert [parse_audience(t) for t in ("All followers", "附近", "感兴趣", "老客")] == [
        "all", "nearby", "interest", "lapsed"]
    for outsiders in ("everyone", "所有人", "All Users"):
        with pytest.raises(CampaignInputError, match=r"^audience$"):
            parse_audience(outsiders)
    with pytest.raises(CampaignInputError, match="audience_unknown"):
        parse_audience("Robert'); DROP TABLE follows;--")
