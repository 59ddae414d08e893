"""Taste profiles from the event log, how likely someone is to use an offer, when to
send it, and the targeting simulation."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import select

from benchmarks import targeting
from bot.web import pay_with_sandbox
from services.marketing.profiles import (
    BASE_RATE,
    Offer,
    ProfileRow,
    likelihood,
    load_profiles,
    refresh_profiles,
    send_hour,
)
from services.payments.sandbox import SandboxProvider
from services.platform.database import Database
from services.platform.events import log_event, record_push_ignored, record_push_opened
from services.platform.users import demo_telegram_id, ensure_user
from storage.models import Deal, Event, RedemptionCode, TasteProfile, User
from tests.conftest import STORY_NOW, Chat
from tests.helpers.runtime import runtime_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEAR_HOME = ((26.08, 119.30),)  # a store in the middle of Fuzhou


async def new_user(db: Database, telegram_id: int, *, timezone: str = "Asia/Shanghai",
                   at: tuple[float, float] | None = None) -> int:
    user = await ensure_user(db, telegram_id)
    assert user.id is not None
    async with db.transaction() as session:
        values: dict[str, object] = {"timezone": timezone}
        if at is not None:
            values.update(last_lat=at[0], last_lon=at[1])
        await session.exec(update(User).where(User.id == user.id).values(**values))  # type: ignore[call-overload]
    return user.id


async def events_of(db: Database, user_id: int) -> list[Event]:
    async with db.session() as session:
        return list((await session.exec(
            select(Event).where(Event.user_id == user_id).order_by(Event.id))).all())


async def profile_of(db: Database, user_id: int) -> TasteProfile | None:
    async with db.session() as session:
        return await session.get(TasteProfile, user_id)


async def deal_with_key(db: Database, key: str) -> Deal:
    async with db.session() as session:
        return (await session.exec(select(Deal).where(Deal.key == key))).one()


def at_local(hour: int, days_ago: int = 1, zone: ZoneInfo = SHANGHAI) -> datetime:
    day = (STORY_NOW - timedelta(days=days_ago)).astimezone(zone).date()
    return datetime(day.year, day.month, day.day, hour, 15, tzinfo=zone).astimezone(UTC)


# ------------------------------------------------------------------ likelihood


async def test_a_user_who_mostly_views_hotpot_is_likelier_to_use_a_hotpot_coupon_than_milk_tea(
    chat: Chat,
) -> None:
    for _ in range(3):
        await chat.say("火锅")
        await chat.press(1)
    await chat.say("奶茶")
    await chat.press(1)
    db = chat.app.db
    user = await ensure_user(db, chat.sender.id)
    assert await refresh_profiles(db, STORY_NOW) >= 1
    profile = await profile_of(db, user.id)  # type: ignore[arg-type]
    assert profile is not None
    assert profile.affinity["hotpot"] > profile.affinity["milk_tea"] > 0
    hotpot = Offer("hotpot", profile.price_median, NEAR_HOME)
    milk_tea = Offer("milk_tea", profile.price_median, NEAR_HOME)
    assert likelihood(profile, hotpot) > likelihood(profile, milk_tea)
    [row] = (await load_profiles(db, [user.id])).values()  # type: ignore[list-item]
    assert likelihood(row, hotpot) == pytest.approx(likelihood(profile, hotpot), rel=0.02)


async def test_no_history_gets_the_base_rate_and_the_window_start(demo_db: Database) -> None:
    user_id = await new_user(demo_db, 7001)
    assert await refresh_profiles(demo_db, STORY_NOW) == 0
    assert await profile_of(demo_db, user_id) is None
    assert await load_profiles(demo_db, [user_id]) == {}
    assert likelihood(None, Offer("hotpot", 9900, NEAR_HOME)) == BASE_RATE
    start = datetime(2026, 11, 26, 11, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 26, 21, tzinfo=SHANGHAI)
    assert send_hour(None, start, end) == start
    assert send_hour(8, start, end) == start  # their hour is not in the window


def test_a_cheaper_nearer_offer_beats_a_dear_far_one_for_the_same_taste() -> None:
    row = ProfileRow.of({"coffee": 0.8, "dessert": 0.2}, 3000, 26.08, 119.30, 9, 40)
    usual = likelihood(row, Offer("coffee", 3000, NEAR_HOME))
    assert usual > likelihood(row, Offer("coffee", 15000, NEAR_HOME))  # five times dearer
    assert usual > likelihood(row, Offer("coffee", 3000, ((26.20, 119.45),)))  # 20 km away
    assert usual > likelihood(row, Offer("ktv", 3000, NEAR_HOME))
    assert 0 < likelihood(row, Offer("ktv", 999_999_999, ((-33.9, 151.2),))) < BASE_RATE
    assert likelihood(row, Offer("coffee", None, ())) > BASE_RATE  # taste alone


def test_one_event_says_less_than_forty() -> None:
    once = ProfileRow.of({"spa": 1.0}, None, None, None, None, 1)
    often = ProfileRow.of({"spa": 1.0}, None, None, None, None, 40)
    offer = Offer("spa", None, ())
    assert BASE_RATE < likelihood(once, offer) < likelihood(often, offer) <= 1


# ------------------------------------------------------------------ send hour


async def test_someone_active_at_seven_pm_gets_the_push_at_seven_in_an_eleven_to_nine_window(
    demo_db: Database,
) -> None:
    user_id = await new_user(demo_db, 7002)
    for days_ago in (1, 2, 3, 5):
        await log_event(demo_db, "view", now=at_local(19, days_ago), user_id=user_id,
                        category="bbq")
    await log_event(demo_db, "search", now=at_local(12, 4), user_id=user_id)
    await refresh_profiles(demo_db, STORY_NOW)
    profile = await profile_of(demo_db, user_id)
    assert profile is not None and profile.active_hour == 19
    start = datetime(2026, 11, 26, 11, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 26, 21, tzinfo=SHANGHAI)
    assert send_hour(profile.active_hour, start, end) == datetime(2026, 11, 26, 19,
                                                                 tzinfo=SHANGHAI)


def test_a_send_hour_already_under_way_or_after_midnight_stays_inside_the_window() -> None:
    start = datetime(2026, 11, 26, 19, 30, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 27, 2, 0, tzinfo=SHANGHAI)
    assert send_hour(19, start, end) == start  # in their hour already: now
    assert send_hour(1, start, end) == datetime(2026, 11, 27, 1, tzinfo=SHANGHAI)
    assert send_hour(2, start, end) == start  # the window ends as their hour begins
    assert send_hour(99, start, end) == start
    with pytest.raises(ValueError):
        send_hour(20, start.replace(tzinfo=None), end)


async def test_events_count_in_the_users_own_local_hours(demo_db: Database) -> None:
    new_york = await new_user(demo_db, 7003, timezone="America/New_York")
    shanghai = await new_user(demo_db, 7004)
    nowhere = await new_user(demo_db, 7005, timezone="Mars/Olympus_Mons")
    for user_id in (new_york, shanghai, nowhere):
        for days_ago in (1, 2, 3):  # 23:40 UTC
            moment = datetime(2026, 11, 24 - days_ago, 23, 40, tzinfo=UTC)
            await log_event(demo_db, "view", now=moment, user_id=user_id, category="ktv")
    await refresh_profiles(demo_db, STORY_NOW)
    assert (await profile_of(demo_db, new_york)).active_hour == 18  # type: ignore[union-attr]
    assert (await profile_of(demo_db, shanghai)).active_hour == 7  # type: ignore[union-attr]
    assert (await profile_of(demo_db, nowhere)).active_hour == 7  # type: ignore[union-attr]


async def test_fewer_than_three_events_do_not_make_an_hour(demo_db: Database) -> None:
    user_id = await new_user(demo_db, 7006)
    await log_event(demo_db, "view", now=at_local(20), user_id=user_id, category="spa")
    await log_event(demo_db, "view", now=at_local(20, 2), user_id=user_id, category="spa")
    await refresh_profiles(demo_db, STORY_NOW)
    profile = await profile_of(demo_db, user_id)
    assert profile is not None and profile.events == 2 and profile.active_hour is None


# ------------------------------------------------------------------ refreshing


async def test_refresh_is_idempotent_and_only_touches_who_was_active_since(
    demo_db: Database,
) -> None:
    busy = await new_user(demo_db, 7007, at=(26.08, 119.30))
    quiet = await new_user(demo_db, 7008)
    deal = await deal_with_key(demo_db, "cw-single")
    for user_id in (busy, quiet):
        await log_event(demo_db, "view", now=at_local(13, 5), user_id=user_id,
                        deal_id=deal.id)
    assert await refresh_profiles(demo_db, STORY_NOW) == 2
    first = (await profile_of(demo_db, busy)).model_dump()  # type: ignore[union-attr]
    assert await refresh_profiles(demo_db, STORY_NOW) == 2
    assert (await profile_of(demo_db, busy)).model_dump() == first  # type: ignore[union-attr]
    assert first["affinity"] == {deal.category: 1.0}
    assert first["price_median"] == deal.price
    assert (first["lat"], first["lon"]) == (26.08, 119.30)
    later = STORY_NOW + timedelta(hours=1)
    await log_event(demo_db, "buy", now=later - timedelta(minutes=5), user_id=busy,
                    deal_id=deal.id)
    assert await refresh_profiles(demo_db, later, since=STORY_NOW) == 1
    assert (await profile_of(demo_db, busy)).events == 2  # type: ignore[union-attr]
    assert (await profile_of(demo_db, quiet)).updated_at == STORY_NOW  # type: ignore[union-attr]
    await refresh_profiles(demo_db, STORY_NOW)  # a late run for an earlier moment
    assert (await profile_of(demo_db, busy)).events == 2  # type: ignore[union-attr]


async def test_old_events_fade_and_ignored_pushes_say_nothing(demo_db: Database) -> None:
    user_id = await new_user(demo_db, 7009)
    await log_event(demo_db, "view", now=STORY_NOW - timedelta(days=120), user_id=user_id,
                    category="cinema")
    await refresh_profiles(demo_db, STORY_NOW - timedelta(days=100))
    assert (await profile_of(demo_db, user_id)).affinity == {"cinema": 1.0}  # type: ignore[union-attr]
    hour_ago = STORY_NOW - timedelta(hours=1)
    await record_push_ignored(demo_db, user_id, None, None, "spa", hour_ago)
    await record_push_opened(demo_db, user_id, None, None, "fitness", hour_ago)
    await refresh_profiles(demo_db, STORY_NOW)
    profile = await profile_of(demo_db, user_id)
    assert profile is not None and profile.affinity == {"fitness": 1.0} and profile.events == 1
    kinds = [e.kind for e in await events_of(demo_db, user_id)]
    assert kinds == ["view", "push_ignored", "push_opened"]


async def test_the_usual_area_is_the_last_location_else_where_they_bought(
    demo_db: Database,
) -> None:
    located = await new_user(demo_db, 7010, at=(26.10, 119.28))
    unlocated = await new_user(demo_db, 7011)
    deal = await deal_with_key(demo_db, "hdl-four")
    for user_id in (located, unlocated):
        await log_event(demo_db, "buy", now=at_local(18), user_id=user_id, deal_id=deal.id)
    await refresh_profiles(demo_db, STORY_NOW)
    there = await profile_of(demo_db, located)
    assert there is not None and (there.lat, there.lon) == (26.10, 119.28)
    bought = await profile_of(demo_db, unlocated)
    assert bought is not None and bought.lat is not None and bought.lon is not None
    assert 25 < bought.lat < 27 and 118 < bought.lon < 121  # the stores of the deal
    [event] = await events_of(demo_db, unlocated)
    assert (event.category, event.merchant_id) == (deal.category, deal.merchant_id)


# ------------------------------------------------------------------ the real flows


async def test_searching_opening_buying_and_redeeming_all_land_in_the_event_log(
    chat: Chat,
) -> None:
    db = chat.app.db
    await chat.say("火锅")
    await chat.press(1)  # a result opened from the list
    await chat.press_data("d:99999999:1:0")  # a forged card: nothing logged
    deal = await deal_with_key(db, "hdl-four")
    await chat.say(f"/start deal_{deal.id}")
    await chat.press("🛒")
    token = SandboxProvider.token_in(chat.app.payments.get("sandbox"),  # type: ignore[arg-type]
                                     next(b.url for b, _ in chat.buttons if b.url))
    runtime = runtime_for(chat.app)
    runtime.outbox = None
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "paid"
    assert (await pay_with_sandbox(runtime, token or ""))[0] == "duplicate"
    async with db.session() as session:
        code = (await session.exec(select(RedemptionCode.code))).one()
    staff = Chat(chat.app, user_id=demo_telegram_id("haidilao-staff"), name="haidilao-staff")
    await staff.say(f"/start r_{code}")
    confirm = staff.buttons[0][0].data
    assert confirm is not None
    await staff.press(1)
    assert "核销成功" in staff.texts
    await staff.press_data(confirm)  # a double tap
    user = await ensure_user(db, chat.sender.id)
    logged = [(e.kind, e.category) for e in await events_of(db, user.id)]  # type: ignore[arg-type]
    assert logged[:3] == [("search", "hotpot"), ("view", "hotpot"), ("click", "hotpot")]
    assert logged[3:] == [("view", deal.category), ("buy", deal.category),
                          ("redeem", deal.category)]
    buy = (await events_of(db, user.id))[4]  # type: ignore[arg-type]
    assert (buy.deal_id, buy.merchant_id) == (deal.id, deal.merchant_id)
    staff_user = await ensure_user(db, staff.sender.id)
    assert await events_of(db, staff_user.id) == []  # type: ignore[arg-type]


# ------------------------------------------------------------------ the simulation


def test_the_targeting_simulation_claims_more_than_random_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser()
    targeting.add_arguments(parser)
    args = parser.parse_args(["--users", "500", "--seed", "7", "--stores", "600"])
    assert targeting.run(args) == 0
    printed = capsys.readouterr().out
    assert "targeted + hour" in printed and "x random" in printed
    outcome = asyncio.run(targeting.simulate(500, 7, 6, 600))
    arms = outcome.arms
    assert arms["targeted"].expected > arms["random"].expected * 1.5
    assert arms["targeted"].claims > arms["random"].claims
    assert arms["targeted + hour"].expected > arms["targeted"].expected
    assert arms["oracle"].expected >= arms["targeted + hour"].expected
