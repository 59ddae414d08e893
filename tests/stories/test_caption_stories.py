"""Captions Telegram takes: it refuses a picture whose caption is over 1,024 characters
(counted in UTF-16, so most emoji count two), and the picture is lost with it. A longer
caption keeps its first lines under the picture and the rest follows as a message, with
the buttons, so nothing is cut off and nothing is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.core import (
    TELEGRAM_CAPTION_MAX,
    Button,
    SendDocument,
    SendPhoto,
    SendText,
)
from handlers.format import caption_parts, fit_caption, telegram_length
from handlers.router import App, Options
from services.demo.seed import seed_demo
from services.platform.database import Database
from services.platform.users import demo_telegram_id
from storage.models import Merchant
from tests.conftest import STORY_NOW, Chat

LONG_NAME = "Haidilao Hot Pot of the Old Town by the River " * 22  # ~1,000 characters


def test_a_caption_that_fits_is_left_whole() -> None:
    photo = SendPhoto(b"png", caption="🎫 7QH4-K2MX-9TDA\n双人套餐",
                      buttons=((Button("退款", "rq:1"),),))
    assert fit_caption(photo) == [photo]
    assert caption_parts("x" * TELEGRAM_CAPTION_MAX) == ("x" * TELEGRAM_CAPTION_MAX, "")


def test_a_long_caption_keeps_its_first_lines_and_the_rest_follows_with_the_buttons() -> None:
    lines = [f"line {n}: " + "字" * 90 for n in range(20)]  # 20 lines of about 100
    refund = ((Button("退款", "rq:1"),),)
    [photo, rest] = fit_caption(SendPhoto(b"png", caption="\n".join(lines), buttons=refund))
    assert isinstance(photo, SendPhoto) and isinstance(rest, SendText)
    assert telegram_length(photo.caption) <= TELEGRAM_CAPTION_MAX
    assert photo.caption.split("\n") == lines[:10] and rest.text.split("\n") == lines[10:]
    assert photo.buttons == () and rest.buttons == refund  # under the last words


def test_emoji_count_two_as_telegram_counts_them() -> None:
    hotpots = "🍲" * 600  # 600 characters, 1,200 to Telegram
    [photo, rest] = fit_caption(SendPhoto(b"png", caption=hotpots))
    assert isinstance(photo, SendPhoto) and isinstance(rest, SendText)
    assert telegram_length(photo.caption) <= TELEGRAM_CAPTION_MAX
    assert photo.caption.endswith("…") and rest.text == hotpots  # one line: all of it follows


def test_a_file_with_a_long_caption_is_sent_the_same_way() -> None:
    [document, rest] = fit_caption(SendDocument(b"a,b", "orders.csv", caption="行\n" * 600))
    assert isinstance(document, SendDocument) and isinstance(rest, SendText)
    assert telegram_length(document.caption) <= TELEGRAM_CAPTION_MAX


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The demo world in a SQLite file. Only SQLite can hold the name of this story:
    PostgreSQL's columns stop at 120 characters, SQLite keeps whatever an import or an
    older version stored."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'captions.db'}")
    await db.upgrade()
    await seed_demo(db, now=STORY_NOW)
    yield App(db=db, options=Options(), clock=lambda: STORY_NOW)
    await db.dispose()


async def test_a_merchant_with_a_very_long_name_gets_the_poster_and_the_whole_note(
    app: App,
) -> None:
    async with app.db.transaction() as session:
        merchant = (await session.exec(select(Merchant).where(Merchant.slug == "haidilao"))
                    ).one()
        merchant.name_en = LONG_NAME
    app.options = replace(app.options, font_dirs=())  # no CJK font: the poster is in English
    owner = Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner")

    replies = await owner.say("/poster")

    [photo, note, document] = replies
    assert isinstance(photo, SendPhoto) and isinstance(note, SendText)
    assert isinstance(document, SendDocument) and document.data == photo.photo
    assert telegram_length(photo.caption) <= TELEGRAM_CAPTION_MAX  # Telegram takes it
    assert photo.caption.startswith("🖨 你的柜台海报") and "start=shop_haidilao" in photo.caption
    assert note.text.startswith("ℹ️ 海报是英文的") and LONG_NAME in note.text  # nothing cut
