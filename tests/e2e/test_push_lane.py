"""Campaign pushes go to the Bot API as plain JSON (the push lane): what arrives, and how
each of Telegram's answers is read, against the Bot API stand-in over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from bot.runtime import PushOutcome
from bot.transports.push_lane import PushLane, outcome_of
from handlers.core import Button, KeyButton, Reply, SendPhoto, SendText
from standins import BotApiStandin

TOKEN = "4242:LANE"
ANN = 5001

pytestmark = pytest.mark.e2e


class LibraryPath:
    """The transport's own sender, for what the lane does not carry."""

    def __init__(self) -> None:
        self.handed: list[Reply] = []

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        self.handed.append(reply)
        return PushOutcome("sent", message_id=1)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        server.user(ANN)
        yield server


@pytest.fixture
async def lane(api: BotApiStandin) -> AsyncIterator[tuple[PushLane, LibraryPath]]:
    library = LibraryPath()
    pushes = PushLane(api.base_url, TOKEN, library.push)
    yield pushes, library
    await pushes.close()


def _push(text: str = "海底捞 满100减20 🎉", data: str = "pc:17") -> SendText:
    return SendText(text, buttons=((Button("领取", data=data),),
                                   (Button("推送设置", data="menu:settings"),)))


async def test_a_push_arrives_with_its_words_and_buttons(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    pushes, library = lane
    text = "海底捞 Haidilao 满100减20 🎉 '; DROP TABLE deliveries;-- ‮mixed"
    outcome = await pushes.push(ANN, _push(text))
    assert outcome.kind == "sent"
    [message] = api.chat_messages(ANN)
    assert outcome.message_id == message.message_id
    assert message.text == text
    assert [[b["callback_data"] for b in row] for row in message.buttons] == [
        ["pc:17"], ["menu:settings"]]
    assert library.handed == []


async def test_a_text_reply_keeps_its_link_and_mini_app_buttons_apart(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    pushes, _ = lane
    reply = SendText("海底捞 storefront", buttons=(
        (Button("🛍 Open the shop", url="https://shop.example/app/shop/haidilao",
                web_app=True),),
        (Button("🗺 Map", url="https://maps.example/?q=1"), Button("Follow", data="fo:3"))))
    await pushes.send_reply(ANN, reply)
    [message] = api.chat_messages(ANN)
    assert message.buttons == [
        [{"text": "🛍 Open the shop",
          "web_app": {"url": "https://shop.example/app/shop/haidilao"}}],
        [{"text": "🗺 Map", "url": "https://maps.example/?q=1"},
         {"text": "Follow", "callback_data": "fo:3"}]]


async def test_a_picture_reply_goes_as_one_multipart_send_photo(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    from bot.transports.push_lane import carries
    from services.orders.codes import qr_png
    pushes, library = lane
    picture = SendPhoto(qr_png("https://t.me/o2o_demo_bot?start=r_7QH4K2M9XP"),
                        caption="券码 7QH-4K2-M9XP 😀", filename="code.png",
                        buttons=((Button("我的券码", data="menu:codes"),),))
    assert carries(picture)
    message_id = await pushes.send_reply(ANN, picture)
    [message] = api.chat_messages(ANN)
    assert message.message_id == message_id and message.caption == picture.caption
    assert message.kind == "photo" and message.photo == picture.photo
    assert [[b["callback_data"] for b in row] for row in message.buttons] == [["menu:codes"]]
    assert library.handed == []
    too_long = SendPhoto(b"png", caption="x" * 1025)
    assert not carries(too_long)  # the library's way, which cuts or refuses it


async def test_an_edit_and_a_button_answer_go_the_lane_way_with_telegram_s_answers(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    from bot.transports.push_lane import LaneRefused, carries
    from handlers.core import AnswerButton, EditText
    pushes, _ = lane
    first = await pushes.send_reply(ANN, _push("第1/2页"))
    assert first is not None
    edit = EditText(first, "第2/2页 🍲", buttons=((Button("◀ 上一页", data="pg:1"),),))
    assert carries(edit) and await pushes.send_reply(ANN, edit) == first
    [message] = api.chat_messages(ANN)
    assert message.text == "第2/2页 🍲" and message.edited == 1
    assert [[b["callback_data"] for b in row] for row in message.buttons] == [["pg:1"]]
    with pytest.raises(LaneRefused, match="not modified"):  # the policy counts it as done
        await pushes.send_reply(ANN, edit)
    pressed = await api.user(ANN).press(message, "◀ 上一页")
    await pushes.send_reply(ANN, EditText(first, "第2/2页 🍲"))  # no buttons: taken away
    assert api.chat_messages(ANN)[0].buttons == []
    query_id = pressed["callback_query"]["id"]
    answer = AnswerButton(query_id, "已是第一页", alert=True)
    assert carries(answer) and await pushes.send_reply(ANN, answer) is None
    assert api.user(ANN).callback_answers[-1]["show_alert"] is True
    with pytest.raises(LaneRefused, match="query is too old"):  # answered once only
        await pushes.send_reply(ANN, answer)


async def test_a_flood_wait_says_how_long_and_nothing_arrives(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    api.inject_error("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    outcome = await lane[0].push(ANN, _push())
    assert (outcome.kind, outcome.retry_after) == ("retry_after", 7.0)
    assert api.chat_messages(ANN) == []


async def test_a_user_who_blocked_the_bot_is_forbidden(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    api.block(ANN)
    outcome = await lane[0].push(ANN, _push())
    assert outcome.kind == "forbidden" and "blocked" in outcome.error


async def test_a_push_telegram_refuses_is_a_bad_request(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    api.inject_error("sendMessage", 400, "Bad Request: chat not found")
    outcome = await lane[0].push(ANN, _push())
    assert (outcome.kind, outcome.error) == ("bad_request", "Bad Request: chat not found")
    assert api.chat_messages(ANN) == []


async def test_an_api_nobody_answers_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pushes = PushLane(f"http://127.0.0.1:{port}", TOKEN, LibraryPath().push)
    try:
        outcome = await pushes.push(ANN, _push())
    finally:
        await pushes.close()
    assert outcome.kind == "network"


async def test_what_is_not_a_plain_text_push_goes_the_library_way(
        api: BotApiStandin, lane: tuple[PushLane, LibraryPath]) -> None:
    pushes, library = lane
    photo = SendPhoto(b"\x89PNG", caption="poster")
    keyboard = SendText("where are you?", keyboard=((KeyButton("📍", True),),))
    empty = SendText("")
    for reply in (photo, keyboard, empty):
        assert (await pushes.push(ANN, reply)).kind == "sent"
    assert library.handed == [photo, keyboard, empty]
    assert api.chat_messages(ANN) == []


@pytest.mark.parametrize(("answer", "kind"), [
    ({"ok": True, "result": {"message_id": 9}}, "sent"),
    ({"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}, "retry_after"),
    ({"ok": False, "error_code": 403, "description": "Forbidden: user is deactivated"},
     "forbidden"),
    ({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
     "bad_request"),
    ({"ok": False, "error_code": 502, "description": "Bad Gateway"}, "network"),
    ("<html>502</html>", "network"),
    (None, "network"),
    ([1, 2], "network"),
])
def test_each_bot_api_answer_is_read_as_the_sender_needs(answer: object, kind: str) -> None:
    assert outcome_of(answer).kind == kind
