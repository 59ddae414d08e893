"""Whatever Telegram delivers, the dispatch answers: Hypothesis builds updates of every
kind the bot takes (messages with text, commands, /start payloads, locations, venues,
photos, documents, stickers and payments; edited live locations; button presses with
any data; inline queries; pre-checkout queries; the bot blocked or unblocked) with any
field and any size: empty, huge, emoji, mixed scripts, SQL-looking text, numbers at
the edges. Each goes the way of a real update (python-telegram-bot's `Update.de_json`,
the transport's `incoming_from` and `chat_of`, then `dispatch`) into the demo world on
SQLite: no exception escapes, and no handler fails inside (the error middleware would
log "handler failed" and apologise)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.transports.intake import chat_of
from bot.transports.ptb_transport import incoming_from
from handlers.app import build_router
from handlers.router import App, Options, dispatch
from services.demo.seed import seed_demo
from services.platform.database import Database
from tests.conftest import STORY_NOW

NASTY = st.sampled_from([
    "", " ", "\n\n", "🍲🔥" * 300, "海底捞 Haidilao 火锅 near 人民广场", "'; DROP TABLE deals;--",
    "\u202emixed\u202c", "\x00", "/start", "/start deal_999999999", "/start r_7QH4K2MX9TDA",
    "/start g_1_ABC", "/redeem 7QH4-K2MX-9TDA", "/newdeal", "/cancel", "/mycodes",
    "/help@o2o_test_bot",
    "/deals", "/merchant", "/campaign", "/seating", "/bookings", "/daybook", "/stats",
    "4人 明晚7点", "2 people tomorrow 19:00", "50元以内", "附近", "x" * 4096, "１２３",
])
TEXT = st.one_of(NASTY, st.text(max_size=300), st.text(max_size=5000))
ID = st.one_of(st.integers(1, 2**31), st.sampled_from([1, 2**53 - 1, 777000]))
LANG = st.one_of(st.none(), st.sampled_from(["zh", "en", "zh-hans", "de", "", "ar"]))
# Button data as the bot's own payloads look (prefix:fields) and anything else.
DATA = st.one_of(st.text(max_size=64),
                 st.builds(lambda p, rest: f"{p}:{rest}",
                           st.sampled_from(["dp", "buy", "pc", "q", "pg", "ds", "bk", "gj",
                                            "menu", "st", "cd", "rf", "x"]),
                           st.text(alphabet="0123456789:-_abcxyz", max_size=40)))


def _user(uid: int, name: str, lang: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": name or "-"}
    if lang is not None:
        user["language_code"] = lang
    return user


def _message(content: dict[str, Any], uid: int, chat: int, user: dict[str, Any]
             ) -> dict[str, Any]:
    return {"message_id": uid % 100000 + 1, "date": 1764043200,
            "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": "g"},
            "from": user, **content}


CONTENT = st.one_of(
    st.builds(lambda text: {"text": text}, TEXT),
    st.builds(lambda lat, lon: {"location": {"latitude": lat, "longitude": lon}},
              st.floats(-90, 90), st.floats(-180, 180)),
    st.builds(lambda lat, lon, title: {"venue": {
        "location": {"latitude": lat, "longitude": lon}, "title": title, "address": title}},
        st.floats(-90, 90), st.floats(-180, 180), TEXT),
    st.builds(lambda caption, w: {"photo": [{"file_id": "p", "file_unique_id": "u",
                                             "width": w, "height": w}], "caption": caption},
              TEXT, st.integers(1, 10000)),
    st.builds(lambda name, size: {"document": {"file_id": "d", "file_unique_id": "u",
                                               "file_name": name, "file_size": size,
                                               "mime_type": "text/csv"}},
              TEXT, st.integers(0, 2**31)),
    st.just({"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                         "is_animated": False, "is_video": False, "type": "regular"}}),
    st.builds(lambda payload, total, currency: {"successful_payment": {
        "currency": currency, "total_amount": total, "invoice_payload": payload,
        "telegram_payment_charge_id": "tg", "provider_payment_charge_id": "pv"}},
        st.one_of(TEXT, st.sampled_from(["o:1", "o:999999", "b:1", "o:-1"])),
        st.integers(0, 2**31), st.sampled_from(["CNY", "XTR", "USD", "ZZZ"])),
)


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    uid, lang = draw(ID), draw(LANG)
    user = _user(uid, draw(TEXT), lang)
    chat = draw(st.one_of(st.just(uid), st.integers(-2**40, -1)))
    kind = draw(st.sampled_from(["message", "edited", "button", "inline", "precheckout",
                                 "member"]))
    update: dict[str, Any] = {"update_id": draw(st.integers(0, 2**31))}
    if kind == "message":
        update["message"] = _message(draw(CONTENT), uid, chat, user)
    elif kind == "edited":
        update["edited_message"] = {**_message({"location": {
            "latitude": draw(st.floats(-90, 90)), "longitude": draw(st.floats(-180, 180)),
            "live_period": 900}}, uid, chat, user), "edit_date": 1764043300}
    elif kind == "button":
        query: dict[str, Any] = {"id": str(draw(ID)), "from": user, "chat_instance": "ci",
                                 "data": draw(DATA)}
        if draw(st.booleans()):
            query["message"] = _message({"text": "old"}, uid, chat, _user(1, "bot", None))
        update["callback_query"] = query
    elif kind == "inline":
        update["inline_query"] = {"id": str(draw(ID)), "from": user, "query": draw(TEXT)[:256],
                                  "offset": draw(st.text(max_size=64))}
    elif kind == "precheckout":
        update["pre_checkout_query"] = {
            "id": str(draw(ID)), "from": user, "currency": draw(st.sampled_from(["CNY", "XTR"])),
            "total_amount": draw(st.integers(0, 2**31)),
            "invoice_payload": draw(st.one_of(DATA, st.sampled_from(["o:1", "b:2"])))}
    else:
        status = draw(st.sampled_from(["kicked", "member", "left"]))
        update["my_chat_member"] = {
            "chat": {"id": uid, "type": "private"}, "from": user, "date": 1764043200,
            "old_chat_member": {"status": "member", "user": _user(1, "bot", None)},
            "new_chat_member": {"status": status, "user": _user(1, "bot", None),
                                **({"until_date": 0} if status == "kicked" else {})}}
    return update


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_no_update_of_any_shape_makes_the_dispatch_fail(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    loop.run_until_complete(db.upgrade())
    loop.run_until_complete(seed_demo(db, now=STORY_NOW, groups=False, bookings=False))
    app = App(db=db, options=Options(bot_username="o2o_test_bot"), clock=lambda: STORY_NOW)
    router = build_router()
    failures = _Failures()
    logging.getLogger().addHandler(failures)
    seen = itertools.count()

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(updates())
    def handled(data: dict[str, Any]) -> None:
        next(seen)
        update = Update.de_json(data, None)
        assert update is not None
        chat_of(update)
        incoming = incoming_from(update, "o2o_test_bot")
        if incoming is None:
            return
        replies = loop.run_until_complete(dispatch(app, router, incoming))
        assert isinstance(replies, list)
        assert not failures.messages, (failures.messages, data)

    try:
        handled()
    finally:
        logging.getLogger().removeHandler(failures)
        loop.run_until_complete(db.dispose())
        loop.close()
    assert next(seen) >= 100
