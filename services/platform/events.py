"""Writing the event log: what people do that tells us about their taste.

Kinds (the weights they carry in taste profiles are in `services.marketing.profiles`):

    search        a search ran (with its category when the query named one)
    view          a deal card was shown
    click         a deal was opened from a list (search results, a storefront)
    buy           an order was paid
    redeem        a code was redeemed at the counter
    push_opened   a pushed offer was opened
    push_ignored  a pushed offer was left unopened

`log_event` is the one way to add an event. Given the connection of a transaction that
is under way (paying, redeeming) it writes in that transaction, so the event exists
exactly when the action does; given the database it writes in a small transaction of
its own (`services.catalog.ranking.record_event`). The deal's category and merchant are filled
in from the deal (or, for a code, from the code's deal and holder) by the same INSERT,
which writes nothing when that deal or code does not exist.

One event is written by the database instead: a typed search's "search" event goes in
with its saved search (a trigger on `saved_searches`, migration 0013; `services.search.
run_search`), so a search saves and logs with one statement on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    String,
    bindparam,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.catalog.ranking import record_event
from services.platform.database import Database
from storage.models import Deal, Event, RedemptionCode

_EVENTS, _DEALS, _CODES = (
    Event.__table__, Deal.__table__, RedemptionCode.__table__,  # type: ignore[attr-defined]
)
_COLUMNS = ("user_id", "kind", "category", "deal_id", "merchant_id", "created_at")


async def log_event(
    target: Database | AsyncConnection, kind: str, *, now: datetime,
    user_id: int | None = None, category: str | None = None, deal_id: int | None = None,
    merchant_id: int | None = None, code_id: int | None = None,
) -> None:
    """Append one event: by `user_id`, or by the holder of redemption code `code_id`.

    `target` is a connection inside a transaction (the event joins it) or the database
    (the event gets a transaction of its own). A missing category or merchant is taken
    from the deal (`deal_id`, or the code's deal).
    """
    if user_id is None and code_id is None:
        raise ValueError("an event needs a user_id or a code_id")
    complete = code_id is None and (
        deal_id is None or (category is not None and merchant_id is not None))
    if isinstance(target, Database):
        if complete:
            assert user_id is not None
            await record_event(target, user_id, kind, category=category, deal_id=deal_id,
                               merchant_id=merchant_id, now=now)
            return
        async with target.begin() as conn:
            await log_event(conn, kind, now=now, user_id=user_id, category=category,
                            deal_id=deal_id, merchant_id=merchant_id, code_id=code_id)
        return
    if complete:
        await target.execute(event_insert(kind, now=now, user_id=user_id, category=category,
                                          deal_id=deal_id, merchant_id=merchant_id))
        return
    kind = kind[:16]
    who = literal(user_id, Integer) if user_id is not None else _CODES.c.user_id
    source = select(
        who, literal(kind, String), func.coalesce(literal(category, String), _DEALS.c.category),
        _DEALS.c.id, func.coalesce(literal(merchant_id, Integer), _DEALS.c.merchant_id),
        literal(now, _EVENTS.c.created_at.type),
    )
    if code_id is not None:
        source = (source.select_from(_CODES.join(_DEALS, _DEALS.c.id == _CODES.c.deal_id))
                  .where(_CODES.c.id == code_id))
    else:
        source = source.where(_DEALS.c.id == deal_id)
    await target.execute(insert(_EVENTS).from_select(list(_COLUMNS), source))


def event_insert(kind: str, *, now: datetime, user_id: int | None,
                 category: str | None = None, deal_id: int | None = None,
                 merchant_id: int | None = None) -> Insert:
    """The INSERT of one event whose category and merchant are known (no look-up)."""
    return insert(_EVENTS).values(user_id=user_id, kind=kind[:16], category=category,
                                  deal_id=deal_id, merchant_id=merchant_id, created_at=now)


_EVENT_VALUES = (bindparam("event_kind", type_=String), _DEALS.c.category, _DEALS.c.id,
                 _DEALS.c.merchant_id, bindparam("now", type_=_EVENTS.c.created_at.type))


def event_of_deal(when: ColumnElement[bool]) -> Insert:
    """`log_event` prebuilt, for a statement that joins it to other writes
    (`storage.db.joined`): an event of `event_user` about deal `deal`, written only
    `when` (in the payment's statement: the order was paid); `event_kind` and `now` as
    `log_event` takes them."""
    return insert(_EVENTS).from_select(list(_COLUMNS), select(
        bindparam("event_user", type_=Integer), *_EVENT_VALUES,
    ).where(_DEALS.c.id == bindparam("deal", type_=Integer), when))


# Likewise an event of the holder of code `code_id` about its deal.
EVENT_OF_CODE = insert(_EVENTS).from_select(list(_COLUMNS), select(
    _CODES.c.user_id, *_EVENT_VALUES,
).select_from(_CODES.join(_DEALS, _DEALS.c.id == _CODES.c.deal_id)).where(
    _CODES.c.id == bindparam("code_id", type_=Integer)))


async def record_push_opened(db: Database, user_id: int, deal_id: int | None,
                             merchant_id: int | None, category: str | None,
                             now: datetime) -> None:
    """The user opened a pushed offer (of a deal, or of a merchant's coupon)."""
    await log_event(db, "push_opened", now=now, user_id=user_id, category=category,
                    deal_id=deal_id, merchant_id=merchant_id)


async def record_push_ignored(db: Database, user_id: int, deal_id: int | None,
                              merchant_id: int | None, category: str | None,
                              now: datetime) -> None:
    """A pushed offer went unopened (the planner decides when that is so)."""
    await log_event(db, "push_ignored", now=now, user_id=user_id, category=category,
                    deal_id=deal_id, merchant_id=merchant_id)
