"""/settings: a user pauses pushes, lowers the daily cap, types quiet hours and a time
zone, and switches language; nonsense is asked again; and the push sender's question
"may we push this person now?" is answered right across midnight and daylight saving."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core import ButtonPress, SendText
from handlers.router import App, Options
from services.marketing.push_settings import (
    PushSettings,
    QuietWindow,
    Refused,
    get_push_settings,
    in_quiet_hours,
    local_day_bounds,
    next_allowed_moment,
    parse_max_per_day,
    parse_quiet_hours,
    parse_timezone,
    set_max_per_day,
    set_push_paused,
    set_reachable,
)
from services.platform.conversations import FlowState, get_state, set_state
from services.platform.database import Database
from services.platform.users import ensure_user, get_profile_by_telegram_id
from storage.models import User
from tests.conftest import Chat

NEW_YORK = "America/New_York"
SHANGHAI = "Asia/Shanghai"


async def push_settings_of(chat: Chat) -> PushSettings:
    profile = await get_profile_by_telegram_id(chat.app.db, chat.sender.id)
    assert profile is not None
    return await get_push_settings(chat.app.db, profile.id, chat.app.options.push_max_per_day)


async def stored_user(chat: Chat) -> User:
    async with chat.app.db.session() as session:
        profile = await get_profile_by_telegram_id(chat.app.db, chat.sender.id)
        assert profile is not None
        user = await session.get(User, profile.id)
    assert user is not None
    return user


# ------------------------------------------------------------------ the stories


async def test_settings_show_pushes_quiet_hours_time_zone_and_local_time(chat: Chat) -> None:
    await chat.say("/settings")
    assert "商家推送：开启" in chat.texts
    assert "每天最多 2 条（平台上限 2 条）" in chat.texts
    assert "免打扰：22:00-08:00" in chat.texts
    assert "Asia/Shanghai (UTC+8)，你那里现在是 12:00" in chat.texts  # 04:00 UTC
    assert "界面语言：跟随 Telegram" in chat.texts
    assert all(len(b.data.encode()) <= 64 for b, _ in chat.buttons if b.data)


async def test_a_user_pauses_pushes_and_sees_them_paused(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("暂停推送")
    assert "已暂停推送" in chat.texts and "商家推送：已暂停" in chat.texts
    assert (await push_settings_of(chat)).paused
    await chat.press_data("set:pause")  # a double tap on the old message
    assert "推送本来就是暂停的" in chat.texts
    await chat.press("恢复推送")
    assert "已恢复推送" in chat.texts and "商家推送：开启" in chat.texts
    assert not (await push_settings_of(chat)).paused


async def test_two_taps_at_once_pause_once(chat: Chat) -> None:
    await chat.say("/settings")
    profile = await get_profile_by_telegram_id(chat.app.db, chat.sender.id)
    assert profile is not None
    now = chat.app.clock()
    changed = await asyncio.gather(
        *(set_push_paused(chat.app.db, profile.id, True, now) for _ in range(5)))
    assert sorted(changed) == [False, False, False, False, True]


async def test_a_user_lowers_max_per_day_to_1_and_5_is_refused_above_the_cap_of_2(
        chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("每天最多几条")
    assert "平台上限 2 条" in chat.texts
    assert [b.text for b, _ in chat.buttons][:2] == ["1", "2"]
    await chat.say("5")
    assert "平台每天最多推送 2 条，不能设得更多" in chat.texts and "每天最多收几条" in chat.texts
    await chat.say("0")
    assert "暂停推送" in chat.texts
    await chat.say("很多")
    assert "请输入一个数字" in chat.texts
    await chat.say("１")  # full-width
    assert "已保存" in chat.texts and "每天最多 1 条（平台上限 2 条）" in chat.texts
    assert (await push_settings_of(chat)).max_per_day == 1
    await chat.press("每天最多几条")
    await chat.press("2")
    assert "每天最多 2 条" in chat.texts
    assert (await stored_user(chat)).push_max_per_day is None  # follows the platform again


async def test_the_platform_cap_wins_over_a_higher_personal_one(db: Database) -> None:
    user = await ensure_user(db, 4242)
    await set_max_per_day(db, user.id, 5, datetime(2026, 1, 1, tzinfo=UTC))
    assert (await get_push_settings(db, user.id, 2)).max_per_day == 2
    assert (await get_push_settings(db, user.id, 10)).max_per_day == 5
    with pytest.raises(ValueError):
        await set_max_per_day(db, user.id, 0, datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(LookupError):
        await get_push_settings(db, 987654, 2)


async def test_quiet_hours_typed_in_chinese_are_saved_as_23_to_7(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("免打扰时段")
    assert "请输入时段" in chat.texts
    await chat.say("晚上11点到早上7点")
    assert "已保存" in chat.texts and "免打扰：23:00-07:00" in chat.texts
    settings_now = await push_settings_of(chat)
    assert (settings_now.quiet_start, settings_now.quiet_end) == (23 * 60, 7 * 60)


async def test_quiet_hours_from_the_buttons_and_turned_off(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("免打扰时段")
    await chat.press("关闭免打扰")
    assert "免打扰：关闭" in chat.texts
    assert not (await push_settings_of(chat)).has_quiet_hours
    await chat.press("免打扰时段")
    await chat.press("23:00-07:00")
    assert "免打扰：23:00-07:00" in chat.texts
    await chat.press("免打扰时段")
    await chat.say("２２：００－０８：００")
    assert "免打扰：22:00-08:00" in chat.texts


async def test_a_londoner_sets_timezone_london_and_their_local_time_shows(
        english_chat: Chat) -> None:
    await english_chat.say("/settings")
    await english_chat.press("Time zone")
    assert "Which time zone" in english_chat.texts
    await english_chat.say("Mars/Olympus")
    assert "I don't know that time zone" in english_chat.texts
    await english_chat.say("London")
    assert "Saved" in english_chat.texts
    assert "Europe/London (UTC+0), where it is 04:00 now" in english_chat.texts
    assert (await push_settings_of(english_chat)).timezone == "Europe/London"


async def test_an_offset_shows_as_an_offset_not_as_etc_gmt(english_chat: Chat) -> None:
    await english_chat.say("/settings")
    await english_chat.press("Time zone")
    await english_chat.say("GMT-5")
    assert "Time zone: UTC-5, where it is 23:00 now" in english_chat.texts
    assert (await push_settings_of(english_chat)).timezone == "Etc/GMT+5"


@pytest.mark.parametrize("typed,reason", [
    ("", "没有收到内容"),
    ("🙂🙂🙂", "看不懂这个时段"),
    ("25:00-08:00", "这不是一天里的时间"),
    ("22:00-22:00", "开始和结束是同一时间"),
    ("'; DROP TABLE users; --", "看不懂这个时段"),
    ("SELECT * FROM users WHERE 1=1" * 10, "太长了"),
])
async def test_nonsense_quiet_hours_are_asked_again(chat: Chat, typed: str, reason: str) -> None:
    await chat.say("/settings")
    await chat.press("免打扰时段")
    await chat.say(typed)
    assert reason in chat.texts and "请输入时段" in chat.texts
    settings_now = await push_settings_of(chat)
    assert (settings_now.quiet_start, settings_now.quiet_end) == (22 * 60, 8 * 60)


@pytest.mark.parametrize("typed,reason", [
    ("Mars/Olympus", "我不认识这个时区"),
    ("🌍", "我不认识这个时区"),
    ("UTC+5:30", "只支持整点时差"),
    ("UTC+20", "只支持整点时差"),
    ("Robert'); DROP TABLE users;--", "我不认识这个时区"),
    ("   ", "没有收到内容"),
])
async def test_nonsense_time_zones_are_asked_again(chat: Chat, typed: str, reason: str) -> None:
    await chat.say("/settings")
    await chat.press("时区")
    await chat.say(typed)
    assert reason in chat.texts and "你在哪个时区" in chat.texts
    assert (await push_settings_of(chat)).timezone == SHANGHAI


async def test_five_thousand_characters_are_answered_and_the_question_stays(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("时区")
    await chat.say("东" * 5000)
    assert chat.texts  # the polite "too long" answer
    await chat.say("东京")
    assert "Asia/Tokyo (UTC+9)，你那里现在是 13:00" in chat.texts


async def test_a_photo_where_hours_are_asked_is_asked_again(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("免打扰时段")
    await chat.send_photo()
    assert "请用文字回答" in chat.texts and "请输入时段" in chat.texts


async def test_cancel_and_back_leave_without_a_change(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press("免打扰时段")
    await chat.say("/cancel")
    assert "已退出" in chat.texts
    await chat.say("火锅")  # a search again, not quiet hours
    assert "看不懂这个时段" not in chat.texts and "火锅" in chat.texts
    await chat.say("/settings")
    await chat.press("时区")
    await chat.press("返回设置")
    assert "⚙️ 设置" in chat.texts
    await chat.say("火锅")
    assert "我不认识这个时区" not in chat.texts


@pytest.mark.parametrize("data", [
    "set:max:9", "set:max:0", "set:max:x", "set:quiet:9999:1", "set:quiet:a:b",
    "set:quiet:1:2:3", "set:nope", "set:", "set", "set:pause:1", "lang:fr",
    "set:quiet:1320:480'; DROP TABLE users;--",
])
async def test_stale_or_forged_settings_buttons_change_nothing(chat: Chat, data: str) -> None:
    await chat.say("/settings")
    before = await push_settings_of(chat)
    replies = await chat.send(ButtonPress(data, message_id=1, query_id="q"))
    assert any(isinstance(r, SendText) and r.text for r in replies)
    assert await push_settings_of(chat) == before


async def test_a_settings_question_of_an_older_version_shows_the_settings_again(
    chat: Chat,
) -> None:
    """A step this version no longer asks (state left by an older release): the flow
    ends and the screen is shown; the next message is an ordinary one again."""
    await chat.say("/settings")
    await set_state(chat.app.db, chat.sender.id, chat.sender.id,
                    FlowState("settings", "colour"), timedelta(minutes=30), chat.app.clock())
    await chat.say("蓝色")
    assert "⚙️ 设置" in chat.texts and "免打扰：22:00-08:00" in chat.texts
    assert await get_state(chat.app.db, chat.sender.id, chat.sender.id,
                           chat.app.clock()) is None
    before = await push_settings_of(chat)
    await chat.say("火锅")
    assert "火锅" in chat.texts and "⚙️ 设置" not in chat.texts
    assert await push_settings_of(chat) == before


async def test_an_off_button_drawn_by_an_older_version_is_stale_and_changes_nothing(
    chat: Chat,
) -> None:
    await chat.say("/settings")
    before = await push_settings_of(chat)
    replies = await chat.send(ButtonPress("set:quiet:off", message_id=1, query_id="q"))
    assert "按钮已经失效" in " ".join(r.text for r in replies if isinstance(r, SendText))
    assert await push_settings_of(chat) == before


async def test_a_max_button_from_when_the_cap_was_higher_is_refused(app: App) -> None:
    roomy = App(db=app.db, options=Options(push_max_per_day=5), clock=app.clock)
    chat = Chat(roomy)
    await chat.say("/settings")
    await chat.press("每天最多几条")
    assert [b.text for b, _ in chat.buttons][:5] == ["1", "2", "3", "4", "5"]
    chat.app = app  # the platform lowered its cap to 2 meanwhile
    await chat.press("4")
    assert "平台每天最多推送 2 条" in chat.texts
    assert (await stored_user(chat)).push_max_per_day is None


async def test_typing_settings_or_the_menu_button_opens_the_same_screen(chat: Chat) -> None:
    await chat.say("设置")
    assert "免打扰：22:00-08:00" in chat.texts
    await chat.say("/menu")
    await chat.press("设置")
    assert "免打扰：22:00-08:00" in chat.texts


async def test_switching_language_shows_the_settings_in_that_language(chat: Chat) -> None:
    await chat.say("/language")
    await chat.press("English")
    assert "Done, I'll speak English." in chat.texts and "Language: English" in chat.texts
    await chat.press("中文")
    assert "界面语言：中文" in chat.texts
    await chat.press("跟随 Telegram")
    assert "界面语言：跟随 Telegram" in chat.texts


async def test_blocking_and_unblocking_the_bot_is_recorded_once(db: Database) -> None:
    profile = await ensure_user(db, 777)
    blocked_at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert await set_reachable(db, 777, False, blocked_at)
    assert not await set_reachable(db, 777, False, blocked_at + timedelta(hours=1))
    async with db.session() as session:
        user = await session.get(User, profile.id)
    assert user is not None and user.unreachable_since == blocked_at  # the first time
    assert await set_reachable(db, 777, True, blocked_at + timedelta(days=1))
    assert not await set_reachable(db, 777, True, blocked_at + timedelta(days=2))
    assert not await set_reachable(db, 999_999, False, blocked_at)  # never wrote to us


# ------------------------------------------------------- quiet hours, pure functions


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("moment,quiet", [
    (at(2026, 11, 25, 13, 59), False),  # 21:59 in Shanghai
    (at(2026, 11, 25, 14, 0), True),  # 22:00
    (at(2026, 11, 25, 19, 0), True),  # 03:00
    (at(2026, 11, 25, 23, 59), True),  # 07:59
    (at(2026, 11, 26, 0, 0), False),  # 08:00
])
def test_quiet_hours_wrap_midnight_in_shanghai(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours((22 * 60, 8 * 60, SHANGHAI), moment) is quiet


def test_a_push_at_half_past_eleven_in_shanghai_waits_until_eight() -> None:
    window = PushSettings(False, 2, 22 * 60, 8 * 60, SHANGHAI)
    assert next_allowed_moment(window, at(2026, 11, 25, 15, 30)) == at(2026, 11, 26, 0, 0)
    assert next_allowed_moment(window, at(2026, 11, 25, 4, 0)) == at(2026, 11, 25, 4, 0)


def test_no_quiet_hours_means_never_quiet() -> None:
    for hour in range(24):
        assert not in_quiet_hours((0, 0, SHANGHAI), at(2026, 1, 1, hour))
        assert next_allowed_moment((600, 600, NEW_YORK), at(2026, 1, 1, hour)) == at(
            2026, 1, 1, hour)


@pytest.mark.parametrize("window,moment,expected", [
    # 8 March 2026: New York's clocks jump from 02:00 EST to 03:00 EDT (07:00 UTC).
    ((22 * 60, 7 * 60), at(2026, 3, 8, 6, 50), at(2026, 3, 8, 11, 0)),  # 07:00 EDT
    ((22 * 60, 150), at(2026, 3, 8, 6, 50), at(2026, 3, 8, 7, 0)),  # 02:30 never comes
    ((165, 150), at(2026, 3, 8, 6, 50), at(2026, 3, 9, 6, 30)),  # 02:30-02:45 skipped
    # 1 November 2026: back from 02:00 EDT to 01:00 EST (06:00 UTC).
    ((22 * 60, 90), at(2026, 11, 1, 4, 30), at(2026, 11, 1, 5, 30)),  # first 01:30
    ((22 * 60, 90), at(2026, 11, 1, 6, 10), at(2026, 11, 1, 6, 30)),  # second 01:30
    ((110, 150), at(2026, 11, 1, 5, 55), at(2026, 11, 1, 6, 0)),  # back to 01:00
    ((22 * 60, 7 * 60), at(2026, 11, 1, 3, 0), at(2026, 11, 1, 12, 0)),  # a 10-hour night
])
def test_quiet_hours_follow_new_yorks_clock_changes(
        window: tuple[int, int], moment: datetime, expected: datetime) -> None:
    assert in_quiet_hours((*window, NEW_YORK), moment)
    assert next_allowed_moment((*window, NEW_YORK), moment) == expected


def test_a_local_day_is_23_or_25_hours_on_clock_change_days() -> None:
    start, end = local_day_bounds(NEW_YORK, at(2026, 3, 8, 12))
    assert (start, end - start) == (at(2026, 3, 8, 5), timedelta(hours=23))
    start, end = local_day_bounds(NEW_YORK, at(2026, 11, 1, 12))
    assert (start, end - start) == (at(2026, 11, 1, 4), timedelta(hours=25))
    start, end = local_day_bounds(SHANGHAI, at(2026, 11, 25, 17))  # 01:00 on the 26th
    assert (start, end) == (at(2026, 11, 25, 16), at(2026, 11, 26, 16))


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError):
        in_quiet_hours((0, 60, SHANGHAI), datetime(2026, 1, 1))


ZONES = (SHANGHAI, NEW_YORK, "Europe/London", "Australia/Lord_Howe", "America/Santiago")
CLOCK_CHANGES = (  # instants when one of those zones changes its clocks
    at(2026, 3, 8, 7), at(2026, 11, 1, 6), at(2026, 3, 29, 1), at(2026, 10, 25, 1),
    at(2026, 4, 4, 15), at(2026, 10, 3, 15, 30), at(2026, 4, 5, 3), at(2026, 9, 6, 4),
)
moments = st.one_of(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                 timezones=st.just(UTC)),
    st.builds(lambda change, seconds: change + timedelta(seconds=seconds),
              st.sampled_from(CLOCK_CHANGES), st.integers(-2 * 86400, 2 * 86400)),
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ZONES), st.integers(0, 1439), st.integers(0, 1439), moments,
       st.floats(0, 1))
def test_the_next_allowed_moment_is_never_quiet_nor_early(
        zone: str, start: int, end: int, moment: datetime, between: float) -> None:
    window = (start, end, zone)
    allowed = next_allowed_moment(window, moment)
    assert allowed >= moment
    assert not in_quiet_hours(window, allowed)
    if allowed > moment:  # it waited: everything before was quiet
        assert in_quiet_hours(window, moment)
        assert in_quiet_hours(window, allowed - timedelta(seconds=1))
        assert in_quiet_hours(window, moment + (allowed - moment) * between * 0.999)


# ------------------------------------------------------------------- the parsers


@pytest.mark.parametrize("typed,window", [
    ("22:00-08:00", QuietWindow(1320, 480)),
    ("22-8", QuietWindow(1320, 480)),
    ("２２：００－０８：００", QuietWindow(1320, 480)),
    ("晚上10点到早上8点", QuietWindow(1320, 480)),
    ("晚上十一点半至早上七点", QuietWindow(1410, 420)),
    ("10pm-8am", QuietWindow(1320, 480)),
    ("11 PM to 7 AM", QuietWindow(1380, 420)),
    ("12am-6am", QuietWindow(0, 360)),
    ("23:30 ~ 7:15", QuietWindow(1410, 435)),
    ("off", QuietWindow(0, 0)),
    ("关闭", QuietWindow(0, 0)),
    ("无", QuietWindow(0, 0)),
])
def test_quiet_hours_as_people_type_them(typed: str, window: QuietWindow) -> None:
    assert parse_quiet_hours(typed) == window


@pytest.mark.parametrize("typed,reason", [
    ("", "empty"), ("25:00-08:00", "bad_time"), ("13pm-8am", "bad_time"),
    ("22:61-08:00", "bad_time"), ("8-8", "same"), ("sometimes", "format"), ("x" * 200, "too_long"),
])
def test_quiet_hours_refused_with_a_reason(typed: str, reason: str) -> None:
    assert parse_quiet_hours(typed) == Refused(reason)


@pytest.mark.parametrize("typed,zone", [
    ("asia/shanghai", "Asia/Shanghai"), ("上海", "Asia/Shanghai"), ("北京", "Asia/Shanghai"),
    ("London", "Europe/London"), ("New York", "America/New_York"), ("东京", "Asia/Tokyo"),
    ("新加坡", "Asia/Singapore"), ("UTC", "UTC"), ("UTC+8", "Etc/GMT-8"),
    ("GMT-5", "Etc/GMT+5"), ("utc+0", "UTC"), ("Lisbon", "Europe/Lisbon"),
    ("america/los_angeles", "America/Los_Angeles"), ("北京时间", "Asia/Shanghai"),
])
def test_time_zones_by_name_city_or_offset(typed: str, zone: str) -> None:
    assert parse_timezone(typed) == zone


@pytest.mark.parametrize("typed,reason", [
    ("Mars/Olympus", "unknown"), ("", "empty"), ("UTC+5:30", "odd_offset"),
    ("GMT+15", "odd_offset"), ("GMT-13", "odd_offset"), ("🕒", "unknown"), ("a" * 500, "too_long"),
])
def test_time_zones_refused_with_a_reason(typed: str, reason: str) -> None:
    assert parse_timezone(typed) == Refused(reason)


@pytest.mark.parametrize("typed,answer", [
    ("1", 1), ("2", 2), ("２", 2), ("1次", 1), ("0", Refused("zero")),
    ("5", Refused("above_cap")), ("-1", Refused("not_number")), ("", Refused("empty")),
    ("two", Refused("not_number")), ("9" * 50, Refused("not_number")),
])
def test_max_per_day_between_one_and_the_platform_cap(typed: str, answer: int | Refused) -> None:
    assert parse_max_per_day(typed, 2) == answer
