"""A search the shopper typed is logged as a "search" event with its category, by the
database as the saved search goes in (one statement); re-sorting it is not a new search.
"""

from __future__ import annotations

from sqlmodel import col, select

from handlers.router import App
from services.platform.database import Database
from storage.models import Event, SavedSearch
from tests.conftest import STORY_NOW, Chat


async def searches_and_events(db: Database) -> tuple[list[SavedSearch], list[Event]]:
    async with db.session() as session:
        saved = list((await session.exec(select(SavedSearch).order_by(col(SavedSearch.id)))).all())
        events = list((await session.exec(select(Event).order_by(col(Event.id)))).all())
    return saved, events


async def test_a_typed_search_is_logged_once_with_its_category_and_a_resort_is_not(
    chat: Chat,
) -> None:
    await chat.say("火锅")
    await chat.press("最便宜")
    assert "✓ 最便宜" in chat.button_texts
    await chat.say("双人")  # a word of many categories: no category to log
    saved, events = await searches_and_events(chat.app.db)
    assert [(s.logged, s.query["sort"]) for s in saved] == [
        (True, "relevance"), (False, "cheapest"), (True, "relevance")]
    assert [(e.kind, e.category) for e in events] == [("search", "hotpot"), ("search", None)]
    me = saved[0].user_id
    assert all(e.user_id == me and e.created_at == STORY_NOW for e in events)
    assert all(e.deal_id is None and e.merchant_id is None for e in events)


async def test_the_search_still_logs_after_the_schema_goes_down_and_up(app: App) -> None:
    await app.db.downgrade("0012")  # before the trigger and the `logged` column
    await app.db.upgrade()
    chat = Chat(app)
    await chat.say("奶茶")
    _, events = await searches_and_events(app.db)
    assert [(e.kind, e.category) for e in events] == [("search", "milk_tea")]
