"""The Bot API stand-in answers real aiogram and python-telegram-bot clients as Telegram
would, including Telegram's errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from standins import BotApiStandin

TOKEN = "777:STANDIN"


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: BotApiStandin) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    client = Bot(TOKEN, session=session)
    yield client
    await client.session.close()


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go",
                                                                       callback_data=data)]])


async def test_aiogram_sends_text_photos_and_edits_that_a_user_sees(
    api: BotApiStandin, bot: Bot
) -> None:
    ann = api.user(1, "Ann")
    me = await bot.get_me()
    assert me.username == "o2o_test_bot"
    sent = await bot.send_message(1, "hello 你好", reply_markup=_keyboard("d:1"))
    photo = await bot.send_photo(1, BufferedInputFile(b"\x89PNG fake", "qr.png"), caption="QR")
    await bot.edit_message_text("hello again", chat_id=1, message_id=sent.message_id,
                                reply_markup=_keyboard("d:2"))
    first, second = await ann.wait_reply(), await ann.wait_reply()
    assert first.text == "hello again" and first.edited == 1
    assert first.buttons[0][0]["callback_data"] == "d:2"
    assert second.photo == b"\x89PNG fake" and second.caption == "QR"
    assert photo.photo[0].file_id


async def test_a_button_press_reaches_the_bot_and_its_answer_reaches_the_user(
    api: BotApiStandin, bot: Bot
) -> None:
    ann = api.user(1, "Ann")
    await bot.send_message(1, "pick", reply_markup=_keyboard("d:7"))
    message = await ann.wait_reply()
    await ann.press(message, "Go")
    updates = await bot.get_updates(timeout=1)
    query = updates[-1].callback_query
    assert query is not None and query.data == "d:7"
    await bot.answer_callback_query(query.id, text="ok")
    assert ann.callback_answers[-1]["text"] == "ok"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


async def test_long_polling_wakes_up_as_soon_as_an_update_arrives(
    api: BotApiStandin, bot: Bot
) -> None:
    ann = api.user(1, "Ann")

    async def later() -> None:
        await asyncio.sleep(0.3)
        await ann.send("/start")

    started = time.monotonic()
    task = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=10)
    await task
    assert time.monotonic() - started < 2
    assert updates[0].message is not None and updates[0].message.text == "/start"
    # Confirming by offset removes it.
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_a_flood_wait_arrives_as_retry_after(api: BotApiStandin, bot: Bot) -> None:
    api.user(1)
    api.inject_error("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(1, "hi")
    assert info.value.retry_after == 7
    await bot.send_message(1, "hi")  # injected once only


async def test_a_user_who_blocked_the_bot_gets_403_and_a_kicked_member_update(
    api: BotApiStandin, bot: Bot
) -> None:
    api.user(2, "Bob")
    api.block(2)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(2, "hi")
    updates = await bot.get_updates(timeout=1)
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    api.unblock(2)
    await bot.send_message(2, "welcome back")


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda b: b.send_message(1, "x" * 4097), "message is too long"),
        (lambda b: b.send_message(1, "   "), "message text is empty"),
        (lambda b: b.send_message(1, "x", reply_markup=_keyboard("y" * 65)),
         "BUTTON_DATA_INVALID"),
        (lambda b: b.send_message(999, "x"), "chat not found"),
        (lambda b: b.send_message(1, "<b>open", parse_mode="HTML"), "can't parse entities"),
        (lambda b: b.edit_message_text("x", chat_id=1, message_id=404),
         "message to edit not found"),
    ],
)
async def test_bad_requests_get_telegrams_own_answers(
    api: BotApiStandin, bot: Bot, call, needle: str  # type: ignore[no-untyped-def]
) -> None:
    api.user(1)
    with pytest.raises(TelegramBadRequest, match=needle):
        await call(bot)


async def test_an_edit_that_changes_nothing_is_refused_as_not_modified(
    api: BotApiStandin, bot: Bot
) -> None:
    api.user(1)
    sent = await bot.send_message(1, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=1, message_id=sent.message_id)


async def test_python_telegram_bot_talks_to_it_too(api: BotApiStandin) -> None:
    from telegram import Bot as PtbBot
    from telegram import InlineKeyboardButton as PtbButton
    from telegram import InlineKeyboardMarkup as PtbMarkup

    ann = api.user(3, "Ann")
    async with PtbBot(TOKEN, base_url=f"{api.base_url}/bot") as ptb:
        assert (await ptb.get_me()).username == "o2o_test_bot"
        await ptb.send_message(3, "from ptb", reply_markup=PtbMarkup([[PtbButton("A",
                                                                               callback_data="a:1")]]))
        await ptb.send_photo(3, b"\x89PNG ptb", caption="pic")
        await ann.send("hello")
        updates = await ptb.get_updates(timeout=1)
    first, second = await ann.wait_reply(), await ann.wait_reply()
    assert first.text == "from ptb" and first.button_texts() == ["A"]
    assert second.photo == b"\x89PNG ptb"
    assert updates[-1].message is not None and updates[-1].message.text == "hello"


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_not_found(
    api: BotApiStandin,
) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.base_url}/bot1:WRONG/getMe") as response:
            assert response.status == 401
        async with http.post(f"{api.base_url}/bot{TOKEN}/flyToTheMoon") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"


async def test_flood_control_emulation_limits_one_chat_to_one_message_a_second(
    api: BotApiStandin, bot: Bot
) -> None:
    api.user(1)
    api.rate_limit(per_chat_per_second=1, global_per_second=30)
    await bot.send_message(1, "one")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "two")
