"""Conversation state lives in the database, per chat and user, and runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.platform.conversations import FlowState, clear_state, get_state, set_state
from services.platform.database import Database

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_a_flow_step_survives_a_new_process(db: Database) -> None:
    await set_state(db, 10, 20, FlowState("newdeal", "price", {"title": "双人套餐 🍲"}),
                    timedelta(minutes=30), T0)
    # A second Database object (its own engine and connections) stands for another
    # worker process, on SQLite and on PostgreSQL alike.
    other = Database(db.url, schema=db.schema)
    assert other.engine is not db.engine
    try:
        state = await get_state(other, 10, 20, T0 + timedelta(minutes=5))
        assert state is not None and state.step == "price"
        assert state.data == {"title": "双人套餐 🍲"}
        await set_state(other, 10, 20, FlowState("newdeal", "stock", {"price": 8800}),
                        timedelta(minutes=30), T0 + timedelta(minutes=6))
    finally:
        await other.dispose()
    moved_on = await get_state(db, 10, 20, T0 + timedelta(minutes=7))
    assert moved_on is not None and moved_on.step == "stock"  # seen back in the first


async def test_an_abandoned_flow_expires(db: Database) -> None:
    await set_state(db, 1, 2, FlowState("newdeal"), timedelta(minutes=30), T0)
    assert await get_state(db, 1, 2, T0 + timedelta(minutes=31)) is None
    assert await clear_state(db, 1, 2) is False  # it was removed when found expired


async def test_states_are_kept_apart_by_chat_and_user(db: Database) -> None:
    await set_state(db, 1, 2, FlowState("a"), timedelta(minutes=5), T0)
    await set_state(db, 1, 3, FlowState("b"), timedelta(minutes=5), T0)
    await set_state(db, 9, 2, FlowState("c"), timedelta(minutes=5), T0)
    flows = [(await get_state(db, c, u, T0)) for c, u in ((1, 2), (1, 3), (9, 2))]
    assert [f.flow for f in flows if f] == ["a", "b", "c"]
    assert await clear_state(db, 1, 2) is True
    assert await get_state(db, 1, 2, T0) is None


async def test_two_workers_saving_one_persons_flow_at_once_both_succeed(db: Database) -> None:
    # Two processes (a second Database each) save the same person's state at the same
    # moment, again and again: none fails, and what is kept is one whole save.
    others = [Database(db.url, schema=db.schema) for _ in range(2)]
    nasty = "🍲' OR 1=1; --" + "长" * 300
    try:
        await asyncio.gather(*(
            set_state(worker, 5, 6, FlowState("newdeal", f"step{n}", {"n": n, "title": nasty}),
                      timedelta(minutes=5), T0)
            for n, worker in enumerate([db, *others] * 4)))
    finally:
        for other in others:
            await other.dispose()
    state = await get_state(db, 5, 6, T0)
    assert state is not None and state.flow == "newdeal"
    assert state.step == f"step{state.data['n']}" and state.data["title"] == nasty
