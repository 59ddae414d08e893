"""The Mini App for stories and browser tests: the bot's web server on a runtime with a
test bot token, and launch data signed with that token as Telegram would sign it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.config import load_settings
from bot.runtime import Runtime
from handlers.app import build_router
from handlers.router import App
from services.platform.init_data import sign_init_data

TOKEN = "424242:AAH-mini-app-stories-token_0123456789"


def miniapp_runtime(app: App, **settings: object) -> Runtime:
    """The runtime of `app` with the test token (no web port, every route)."""
    return Runtime(settings=load_settings(None, web_port=0, bot_token=TOKEN, **settings),
                   db=app.db, app=app, router=build_router())


def launch_data(telegram_id: int, now: datetime, *, lang: str = "zh", age: timedelta =
                timedelta(minutes=1), name: str = "Ann", token: str = TOKEN,
                **extra: str) -> str:
    """initData of a menu-button launch by `telegram_id`, made `age` before `now`."""
    user = {"id": telegram_id, "first_name": name, "language_code": lang,
            "allows_write_to_pm": True}
    fields = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "auth_date":
              str(int((now - age).timestamp())),
              "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")), **extra}
    return sign_init_data(fields, token)


def tma(init_data: str) -> dict[str, str]:
    """The header the page sends its launch data in."""
    return {"Authorization": f"tma {init_data}"}
