"""Group-buy (拼团): a lower price that holds only when enough people pay together.

A group deal (`Deal.group_size` N, `group_price`, `group_hours`) is bought into a group
(`BuyGroup`), whose seats are the queue:

- Starting to pay takes a seat and the stock together, in the order's transaction
  (`services.orders.checkout.start_order` with `group=`): `take_seat` is one conditional
  UPDATE (`held < size`), so seats held (members and orders being paid) never pass the
  size, and the order's hold never outlasts the group's window. A hold that runs out gives
  the seat back with the stock (`release_seat`).
- Paying makes the buyer a member (`join_paid`, in the payment's transaction): `joined`
  goes up by one; the N-th member fills the group, and in that same transaction every
  member's codes are issued and owed to them (the outbox). Since the seat was held before
  the payment, the last seat goes to exactly one payer.
- A payment whose seat is gone (it came after its hold ran out, or its group closed) takes
  a seat anew (`reseat`): in its own group if there is room, else in the deal's open group
  nearest to filling, else in a new group it opens; when the deal cannot take the buyer
  any more the payment is refunded (checkout's money that bought nothing).
- A member may leave before the group fills (`leave_group`): the seat is freed and the
  payment refunded.
- A group whose window closed unfilled fails once (`fail_due_groups`, housekeeping): every
  member's payment is refunded through the refund path (`refunds.refund_unissued`, then
  `refunds.carry_out`, retried like any refund) and the stock goes back. Nobody is ever
  invented to fill a group, and an unfilled group never "succeeds".

Locks are taken in one order everywhere (orders, then the group, then the deal), so two
group transactions queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.catalog.deal_cards import Bilingual
from services.orders.codes import codes_key, issue_codes, owe_codes
from services.orders.refunds import refund_unissued
from services.platform.database import Database
from services.platform.outbox import owe
from storage.models import (
    BuyGroup,
    Deal,
    DealStatus,
    GroupStatus,
    Order,
    OrderStatus,
    User,
)

JOIN_MARGIN = timedelta(minutes=2)  # a group closing sooner takes nobody new
MIN_WINDOW = timedelta(minutes=30)  # a new group must be able to stay open this long
LIVE = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.FULFILLED)

_GROUPS, _ORDERS, _DEALS, _USERS = (
    BuyGroup.__table__, Order.__table__, Deal.__table__, User.__table__,  # type: ignore[attr-defined]
)
_TAKE_SEAT = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("group"), _GROUPS.c.deal_id == bindparam("deal"),
           _GROUPS.c.status == GroupStatus.OPEN, _GROUPS.c.held < _GROUPS.c.size,
           _GROUPS.c.closes_at > bindparam("latest"))
    .values(held=_GROUPS.c.held + 1)
    .returning(_GROUPS.c.closes_at)
)
_RELEASE_SEAT = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("group"), _GROUPS.c.status == GroupStatus.OPEN)
    .values(held=_GROUPS.c.held - 1)
)
_NEW_GROUP = insert(_GROUPS).returning(_GROUPS.c.id)
_MEMBER_ELSEWHERE = select(_ORDERS.c.id).where(
    _ORDERS.c.group_id == bindparam("group"), _ORDERS.c.user_id == bindparam("user"),
    _ORDERS.c.id != bindparam("order"), _ORDERS.c.status.in_(LIVE)).limit(1)
_JOIN = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("group"), _GROUPS.c.status == GroupStatus.OPEN,
           _GROUPS.c.closes_at > bindparam("now"))
    .values(joined=_GROUPS.c.joined + 1)
    .returning(_GROUPS.c.joined, _GROUPS.c.size, _GROUPS.c.deal_id)
)
_FILL = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("group"), _GROUPS.c.status == GroupStatus.OPEN)
    .values(status=GroupStatus.FILLED, closed_at=bindparam("now"))
)
_MEMBERS = (
    select(_ORDERS.c.id, _ORDERS.c.user_id, _ORDERS.c.quantity, _USERS.c.telegram_id)
    .join(_USERS, _USERS.c.id == _ORDERS.c.user_id)
    .where(_ORDERS.c.group_id == bindparam("group"), _ORDERS.c.status == OrderStatus.PAID)
    .order_by(_ORDERS.c.id)
)


# ------------------------------------------------------------------ seats


async def take_seat(conn: AsyncConnection, group_id: int, deal_id: int,
                    now: datetime) -> datetime | None:
    """Hold one seat of an open group of this deal with room, closing later than
    `JOIN_MARGIN` from now; returns when it closes, or None when no seat was taken."""
    row = (await conn.execute(_TAKE_SEAT, {"group": group_id, "deal": deal_id,
                                           "latest": now + JOIN_MARGIN})).first()
    return row[0] if row else None


async def release_seat(conn: AsyncConnection, group_id: int | None) -> None:
    """Give back the seat of an order that will not be paid (its hold ran out, the buyer
    gave up). A closed group keeps its count."""
    if group_id is not None:
        await conn.execute(_RELEASE_SEAT, {"group": group_id})


def group_closes(now: datetime, hours: int, valid_until: datetime) -> datetime:
    """When a group opened now closes: after the deal's window, never past the deal."""
    return min(now + timedelta(hours=hours), valid_until)


async def open_group(conn: AsyncConnection, deal_id: int, opener_id: int, size: int,
                     closes_at: datetime, now: datetime) -> int:
    """A new group of the deal, its first seat held by the opener's order."""
    return int((await conn.execute(_NEW_GROUP, {
        "deal_id": deal_id, "opener_id": opener_id, "size": size, "held": 1, "joined": 0,
        "status": GroupStatus.OPEN, "closes_at": closes_at, "created_at": now,
    })).scalar_one())


async def member_elsewhere(conn: AsyncConnection, group_id: int, user_id: int,
                           order_id: int = 0) -> bool:
    """Whether this person has another live order (being paid, or paid) in the group."""
    found = await conn.execute(_MEMBER_ELSEWHERE, {"group": group_id, "user": user_id,
                                                   "order": order_id})
    return found.first() is not None


# ------------------------------------------------------------------ paying


@dataclass(frozen=True)
class Joined:
    """What a member's payment did to their group."""

    group_id: int
    filled: bool
    owed_keys: tuple[str, ...]  # the payer's first: codes (filled) or group_joined


def joined_key(order_id: int) -> str:
    """The outbox key of a payer's news that they are in a group that is not full yet."""
    return f"group_joined:{order_id}"


async def join_paid(db: Database, conn: AsyncConnection, order_id: int, group_id: int,
                    telegram_id: int, now: datetime) -> Joined | None:
    """The order was just paid (this transaction): its buyer becomes a member. The N-th
    member fills the group: every member's codes are issued and owed, here. None when the
    group no longer takes members (closed, or past its window): the caller reseats."""
    row = (await conn.execute(_JOIN, {"group": group_id, "now": now})).first()
    if row is None:
        return None
    joined, size, deal_id = row
    if joined < size:
        key = joined_key(order_id)
        await owe(db, conn, telegram_id, "group_joined",
                  {"order_id": order_id, "group_id": group_id}, key, now)
        return Joined(group_id, False, (key,))
    await conn.execute(_FILL, {"group": group_id, "now": now})
    keys = [codes_key(order_id)]
    for member_order, user_id, quantity, chat_id in (
            await conn.execute(_MEMBERS, {"group": group_id})).all():
        await issue_codes(conn, member_order, deal_id, user_id, quantity, now)
        await owe_codes(db, conn, member_order, chat_id, now)
        if member_order != order_id:
            keys.append(codes_key(member_order))
    return Joined(group_id, True, tuple(keys))


async def reseat(conn: AsyncConnection, *, deal_id: int, user_id: int, order_id: int,
                 group_id: int, now: datetime) -> int | None:
    """A seat for a payment whose own is gone: in its group if it has room, else in the
    deal's open group nearest to filling that the buyer is not in, else in a new group
    the buyer opens. None when the deal takes no one (ended, paused, no group deal, too
    close to its end for a group to run). The stock is the caller's."""
    if await take_seat(conn, group_id, deal_id, now) is not None:
        if not await member_elsewhere(conn, group_id, user_id, order_id):
            return group_id
        await release_seat(conn, group_id)  # they are in it with another order
    deal = (await conn.execute(
        select(_DEALS.c.status, _DEALS.c.group_size, _DEALS.c.group_hours,
               _DEALS.c.valid_until).where(_DEALS.c.id == deal_id))).one()
    mine = select(_ORDERS.c.group_id).where(_ORDERS.c.user_id == user_id,
                                            _ORDERS.c.group_id.is_not(None),
                                            _ORDERS.c.status.in_(LIVE))
    candidates = (await conn.execute(
        select(_GROUPS.c.id).where(
            _GROUPS.c.deal_id == deal_id, _GROUPS.c.status == GroupStatus.OPEN,
            _GROUPS.c.held < _GROUPS.c.size, _GROUPS.c.closes_at > now + JOIN_MARGIN,
            _GROUPS.c.id != group_id, _GROUPS.c.id.not_in(mine))
        .order_by((_GROUPS.c.size - _GROUPS.c.joined), _GROUPS.c.closes_at).limit(5))).all()
    for (candidate,) in candidates:
        if await take_seat(conn, candidate, deal_id, now) is not None:
            return int(candidate)
    status, size, hours, valid_until = deal
    if status != DealStatus.ACTIVE or size is None or hours is None:
        return None
    closes = group_closes(now, hours, valid_until)
    if closes - now < MIN_WINDOW:
        return None
    return await open_group(conn, deal_id, user_id, size, closes, now)


# ------------------------------------------------------------------ leaving, failing


@dataclass(frozen=True)
class Leaving:
    """What asking to leave a group did."""

    outcome: str  # left (refund_id to carry out), filled (too late: codes issued), nothing
    refund_id: int | None = None
    amount: int = 0
    currency: str = ""


async def leave_group(db: Database, user_id: int, order_id: int, now: datetime) -> Leaving:
    """A member leaves a group that has not filled: their seat is freed and their payment
    recorded for refund (the caller carries it out). Once filled it is too late: the
    codes are theirs, refundable as any code."""
    async with db.begin() as conn:
        row = (await conn.execute(
            select(_ORDERS.c.status, _ORDERS.c.group_id, _ORDERS.c.total,
                   _ORDERS.c.currency)
            .where(_ORDERS.c.id == order_id, _ORDERS.c.user_id == user_id)
            .with_for_update(key_share=True))).first()
        if row is None or row.group_id is None or row.status != OrderStatus.PAID:
            return Leaving("nothing")
        left = await conn.execute(
            update(_GROUPS).where(_GROUPS.c.id == row.group_id,
                                  _GROUPS.c.status == GroupStatus.OPEN)
            .values(held=_GROUPS.c.held - 1, joined=_GROUPS.c.joined - 1))
        if left.rowcount != 1:
            status = (await conn.execute(select(_GROUPS.c.status).where(
                _GROUPS.c.id == row.group_id))).scalar_one()
            return Leaving("filled" if status == GroupStatus.FILLED else "nothing")
        refunded = await refund_unissued(db, conn, [order_id], "group_left", now)
        if not refunded:
            raise RuntimeError(f"order {order_id} of group {row.group_id} had codes")
    return Leaving("left", refunded[0], row.total, row.currency)


async def due_groups(db: Database, now: datetime, limit: int = 5000) -> list[int]:
    """Open groups whose window has closed, oldest first."""
    async with db.begin() as conn:
        return [int(g) for g in (await conn.execute(
            select(_GROUPS.c.id).where(_GROUPS.c.status == GroupStatus.OPEN,
                                       _GROUPS.c.closes_at <= now)
            .order_by(_GROUPS.c.closes_at, _GROUPS.c.id).limit(limit))).scalars()]


async def fail_groups(db: Database, group_ids: Sequence[int], now: datetime) -> list[int]:
    """Close these groups if their window passed unfilled, once, in one transaction:
    each paid member's payment is recorded for refund (returned: the refunds to carry
    out) and their stock returns. Orders still being paid are left to their hold's
    expiry. A group no longer open (filled at the last moment, or failed by an earlier
    run) is left alone."""
    if not group_ids:
        return []
    async with db.begin() as conn:
        members = (await conn.execute(
            select(_ORDERS.c.id, _ORDERS.c.group_id)
            .where(_ORDERS.c.group_id.in_(list(group_ids)),
                   _ORDERS.c.status == OrderStatus.PAID)
            .order_by(_ORDERS.c.id).with_for_update(key_share=True))).all()
        failed = set((await conn.execute(
            update(_GROUPS).where(_GROUPS.c.id.in_(list(group_ids)),
                                  _GROUPS.c.status == GroupStatus.OPEN,
                                  _GROUPS.c.closes_at <= now)
            .values(status=GroupStatus.FAILED, closed_at=now)
            .returning(_GROUPS.c.id))).scalars())
        return await refund_unissued(db, conn, [order for order, group in members
                                                if group in failed], "group_failed", now)


async def fail_due_groups(db: Database, now: datetime, limit: int = 5000,
                          page: int = 100) -> list[int]:
    """Fail the groups whose window has closed (up to `limit`), `page` groups per
    transaction; the refunds to carry out."""
    due = await due_groups(db, now, limit)
    refund_ids: list[int] = []
    for start in range(0, len(due), page):
        refund_ids += await fail_groups(db, due[start:start + page], now)
    return refund_ids


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class GroupView:
    """A group as a shopper sees it on a card, a share link or /mygroups."""

    id: int
    deal_id: int
    deal_title: Bilingual
    size: int
    joined: int
    held: int
    status: str
    closes_at: datetime
    price: int  # the group price each member pays
    currency: str
    opener_id: int
    members: tuple[str, ...]  # first names of the paid members, in the order they joined

    @property
    def missing(self) -> int:
        """Members still needed."""
        return self.size - self.joined

    def open_at(self, now: datetime) -> bool:
        """Whether it still takes members now (a free seat, and time to pay)."""
        return (self.status == GroupStatus.OPEN and self.held < self.size
                and self.closes_at > now + JOIN_MARGIN)


@dataclass(frozen=True)
class MyGroup:
    """One of a shopper's groups, with their own order in it."""

    group: GroupView
    order_id: int
    order_status: str


_VIEW = (
    select(_GROUPS.c.id, _GROUPS.c.deal_id, _DEALS.c.title_zh, _DEALS.c.title_en,
           _GROUPS.c.size, _GROUPS.c.joined, _GROUPS.c.held, _GROUPS.c.status,
           _GROUPS.c.closes_at, func.coalesce(_DEALS.c.group_price, _DEALS.c.price),
           _DEALS.c.currency, _GROUPS.c.opener_id)
    .join(_DEALS, _DEALS.c.id == _GROUPS.c.deal_id)
)


async def _views(conn: AsyncConnection, query: object) -> list[GroupView]:
    rows = (await conn.execute(query)).all()  # type: ignore[call-overload]
    if not rows:
        return []
    names: dict[int, list[str]] = {}
    for group_id, first_name in (await conn.execute(
            select(_ORDERS.c.group_id, _USERS.c.first_name)
            .join(_USERS, _USERS.c.id == _ORDERS.c.user_id)
            .where(_ORDERS.c.group_id.in_([r[0] for r in rows]),
                   or_(_ORDERS.c.status.in_((OrderStatus.PAID, OrderStatus.FULFILLED)),
                       # a filled group keeps members who refunded a code afterwards
                       _ORDERS.c.paid_at.is_not(None) & (_ORDERS.c.refunded == 0)))
            .order_by(_ORDERS.c.paid_at, _ORDERS.c.id))).all():
        names.setdefault(group_id, []).append(first_name or "?")
    return [GroupView(r[0], r[1], Bilingual(r[2], r[3]), *r[4:12],
                      tuple(names.get(r[0], ())[:r[4]])) for r in rows]


async def group_view(db: Database, group_id: int) -> GroupView | None:
    """The group with this id, or None."""
    async with db.begin() as conn:
        found = await _views(conn, _VIEW.where(_GROUPS.c.id == group_id))
    return found[0] if found else None


async def open_groups(db: Database, deal_id: int, now: datetime, *, limit: int = 3,
                      exclude_user: int | None = None) -> list[GroupView]:
    """The deal's groups taking members now, nearest to filling first, then the soonest
    closing; without those `exclude_user` is in."""
    query = _VIEW.where(
        _GROUPS.c.deal_id == deal_id, _GROUPS.c.status == GroupStatus.OPEN,
        _GROUPS.c.held < _GROUPS.c.size, _GROUPS.c.closes_at > now + JOIN_MARGIN)
    if exclude_user is not None:
        query = query.where(_GROUPS.c.id.not_in(
            select(_ORDERS.c.group_id).where(_ORDERS.c.user_id == exclude_user,
                                             _ORDERS.c.group_id.is_not(None),
                                             _ORDERS.c.status.in_(LIVE))))
    query = query.order_by(_GROUPS.c.size - _GROUPS.c.joined, _GROUPS.c.closes_at,
                           _GROUPS.c.id).limit(limit)
    async with db.begin() as conn:
        return await _views(conn, query)


async def my_groups(db: Database, user_id: int, now: datetime,
                    limit: int = 20) -> list[MyGroup]:
    """The shopper's groups, open ones first (soonest closing), then the latest closed;
    with their own order in each (a paid one, else the latest)."""
    async with db.begin() as conn:
        mine = (await conn.execute(
            select(_ORDERS.c.group_id, _ORDERS.c.id, _ORDERS.c.status)
            .where(_ORDERS.c.user_id == user_id, _ORDERS.c.group_id.is_not(None),
                   _ORDERS.c.status.not_in((OrderStatus.CANCELLED, OrderStatus.EXPIRED)))
            .order_by(_ORDERS.c.id.desc()).limit(limit * 2))).all()
        orders: dict[int, tuple[int, str]] = {}
        for group_id, order_id, status in mine:
            orders.setdefault(group_id, (order_id, status))
        views = await _views(conn, _VIEW.where(_GROUPS.c.id.in_(list(orders))))
    views.sort(key=lambda g: (g.status != GroupStatus.OPEN,
                              g.closes_at if g.status == GroupStatus.OPEN
                              else -g.closes_at.timestamp()))
    return [MyGroup(g, *orders[g.id]) for g in views[:limit]]
