"""Table bookings: offering free slots, booking one without ever overbooking, changing,
cancelling, staff marks, walk-ins, deposits held and released, reminders.

Capacity: each table type of a store has `tables` tables; `table_units` counts, per
15-minute unit (UTC), how many are taken. A booking takes every unit its whole stay
overlaps in one conditional UPDATE (`taken < tables`): the UPDATE must touch every unit
or the transaction rolls back, so two people racing for the last table cannot both get
it (on PostgreSQL the units are locked in time order first, so overlapping bookings
queue instead of deadlocking). Freeing capacity (a cancellation, an expired hold, a
no-show) takes the units back the same way.

A booking takes the smallest table type that fits the party and is free for the whole
stay; a larger one only when every smaller fitting one is taken.

Deposits: a store may ask one per booking, and a booker with three no-shows in 90 days
must pay one. Such a booking is `held` for 15 minutes while it is paid
(`services.bookings.deposits`), then confirmed; unpaid, it expires and its table is free
again. A cancellation more than `cancel_hours` before the start gives the deposit back
through the refund path; a later one, a no-show, an arrival or a sitting that passed
unmarked keeps it for the merchant.

Reminders: confirming a booking owes its booker a reminder through the outbox, due two
hours before the start, or earlier, at the last moment outside the booker's quiet hours;
a cancellation drops it and a change moves it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.bookings import deposits
from services.bookings.seating import (
    SEATING_QUERY,
    StoreSeating,
    TableKind,
    seating_of,
    store_seating,
    zone_of,
)
from services.bookings.slots import horizon_end, is_offered, nearest, starts_between, units
from services.catalog.deal_cards import Bilingual
from services.marketing.push_settings import last_allowed_moment_before
from services.platform.database import Database
from services.platform.outbox import Owing, owe_many
from storage.models import (
    Booking,
    BookingStatus,
    Merchant,
    MerchantStaff,
    OutboxMessage,
    OutboxStatus,
    Seating,
    Store,
    TableType,
    TableUnit,
    User,
)

HOLD = timedelta(minutes=15)  # a booking waiting for its deposit
MIN_LEAD = timedelta(minutes=15)  # the soonest start bookable from now
REMIND_BEFORE = timedelta(hours=2)
NO_SHOW_WINDOW = timedelta(days=90)
NO_SHOWS_FOR_DEPOSIT = 3
NEAR = timedelta(hours=2)  # a booker's bookings at least this far apart (OpenTable)
NO_SHOW_GRACE = timedelta(minutes=15)  # a no-show can be marked this long after the start
CLOSE_AFTER = timedelta(hours=6)  # an unmarked sitting this long over is completed
MAX_PARTY = 99
LIVE = (BookingStatus.HELD, BookingStatus.CONFIRMED)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I

_UNITS, _TYPES, _BOOKINGS = (TableUnit.__table__, TableType.__table__,  # type: ignore[attr-defined]
                             Booking.__table__)  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]

_LOCK_UNITS = (
    select(_UNITS.c.id).where(_UNITS.c.table_type_id == bindparam("type"),
                              _UNITS.c.starts_at.in_(bindparam("units", expanding=True)))
    .order_by(_UNITS.c.starts_at).with_for_update()
)
_FREE_TABLES = select(_TYPES.c.tables).where(_TYPES.c.id == bindparam("type")).scalar_subquery()
_TAKE_UNITS = (  # SQLite: one writer at a time, nothing to order
    update(_UNITS)
    .where(_UNITS.c.table_type_id == bindparam("type"),
           _UNITS.c.starts_at.in_(bindparam("units", expanding=True)),
           _UNITS.c.taken < _FREE_TABLES)
    .values(taken=_UNITS.c.taken + 1)
)
# PostgreSQL: the same conditional UPDATE, its rows locked first in time order by a
# materialized CTE (SELECT ... ORDER BY starts_at FOR UPDATE), so overlapping stays
# queue instead of deadlocking, in one round trip. A row updated by a booking that
# committed while this one waited for its lock is re-checked (`taken < tables`) on
# its newest version, as any UPDATE's condition is in READ COMMITTED.
_STAY_LOCKED = _LOCK_UNITS.cte("stay").prefix_with("MATERIALIZED")
_TAKE_UNITS_IN_ORDER = (
    update(_UNITS)
    .where(_UNITS.c.id == _STAY_LOCKED.c.id, _UNITS.c.taken < _FREE_TABLES)
    .values(taken=_UNITS.c.taken + 1)
)
_FREE_UNITS = (
    update(_UNITS)
    .where(_UNITS.c.table_type_id == bindparam("type"),
           _UNITS.c.starts_at.in_(bindparam("units", expanding=True)),
           _UNITS.c.taken > 0)
    .values(taken=_UNITS.c.taken - 1)
)
_READ_UNITS = (
    select(_UNITS.c.table_type_id, _UNITS.c.starts_at, _UNITS.c.taken)
    .where(_UNITS.c.table_type_id.in_(bindparam("types", expanding=True)),
           _UNITS.c.starts_at >= bindparam("first"), _UNITS.c.starts_at < bindparam("last"),
           _UNITS.c.taken > 0)
)
_STAY_UNITS = (  # every unit row of a stay, taken or not
    select(_UNITS.c.table_type_id, _UNITS.c.starts_at, _UNITS.c.taken)
    .where(_UNITS.c.table_type_id.in_(bindparam("types", expanding=True)),
           _UNITS.c.starts_at.in_(bindparam("units", expanding=True)))
)
_USERS = User.__table__  # type: ignore[attr-defined]
# `book`'s first read: the seating's rows, each with the booker's telegram id, their
# live booking within `NEAR` of the start (if any) and their recent no-shows.
_SEATING_AND_BOOKER = SEATING_QUERY.add_columns(
    select(_USERS.c.telegram_id).where(_USERS.c.id == bindparam("user"))
    .scalar_subquery().label("telegram_id"),
    select(_BOOKINGS.c.id).where(
        _BOOKINGS.c.user_id == bindparam("user"), _BOOKINGS.c.status.in_(LIVE),
        _BOOKINGS.c.starts_at > bindparam("low"), _BOOKINGS.c.starts_at < bindparam("high"))
    .limit(1).scalar_subquery().label("near"),
    select(func.count()).select_from(_BOOKINGS).where(
        _BOOKINGS.c.user_id == bindparam("user"),
        _BOOKINGS.c.status == BookingStatus.NO_SHOW,
        _BOOKINGS.c.starts_at >= bindparam("since")).scalar_subquery().label("no_shows"),
)
_LOCK_BOOKER = select(_USERS.c.id).where(_USERS.c.id == bindparam("user")).with_for_update()
_NEW_BOOKING = insert(_BOOKINGS).returning(_BOOKINGS.c.id)


_RACED = -1  # the booker's other tap booked meanwhile


class _Taken(Exception):
    """A unit of the stay was full: back out of the transaction."""


# ------------------------------------------------------------------ views


@dataclass(frozen=True)
class FreeSlot:
    """A start time with a table free for the whole stay."""

    starts_at: datetime  # UTC
    seats: int  # the table it would take


@dataclass(frozen=True)
class BookingView:
    """A booking as the booker, staff and the owner see it."""

    id: int
    code: str
    store_id: int
    merchant_id: int
    store_name: Bilingual
    address: Bilingual
    phone: str | None
    timezone: str
    user_id: int | None
    user_telegram_id: int | None
    name: str | None  # the booker's name (a walk-in's note)
    party: int
    seats: int
    starts_at: datetime
    ends_at: datetime
    status: str
    walk_in: bool
    deposit: int
    currency: str
    deposit_paid: bool
    hold_until: datetime | None
    late_minutes: int
    cancel_hours: int
    lat: float = 0.0
    lon: float = 0.0

    @property
    def live(self) -> bool:
        """Still ahead: held or confirmed."""
        return self.status in LIVE

    def local_start(self) -> datetime:
        """The start on the store's wall clock."""
        return self.starts_at.astimezone(zone_of(self.timezone))

    def deposit_back_if_cancelled(self, now: datetime) -> bool:
        """Would a cancellation now give the paid deposit back?"""
        return self.deposit_paid and now <= self.starts_at - timedelta(hours=self.cancel_hours)


@dataclass(frozen=True)
class BookingAttempt:
    """What trying to book (or change a booking) led to: a booking, or why not."""

    booking: BookingView | None = None
    reason: str | None = None  # see `book`
    deposit_why: str | None = None  # "store" or "no_shows" when a deposit is asked
    conflict: BookingView | None = None  # the booker's own booking too close to it
    largest: int = 0  # party_too_big: the largest table


@dataclass(frozen=True)
class Offer:
    """Free starts at a store near what was wished for."""

    seating: StoreSeating
    slots: tuple[FreeSlot, ...]
    exact: bool  # the wish itself is free


# ------------------------------------------------------------------ availability


async def _taken(conn: AsyncConnection, kinds: Sequence[TableKind], first: datetime,
                 last: datetime) -> dict[tuple[int, datetime], int]:
    if not kinds:
        return {}
    rows = (await conn.execute(_READ_UNITS, {
        "types": [k.id for k in kinds], "first": first, "last": last})).all()
    return {(int(r[0]), r[1]): int(r[2]) for r in rows}


def _table_for(seating: StoreSeating, party: int, start: datetime,
               taken: dict[tuple[int, datetime], int]) -> TableKind | None:
    stay = units(start, seating.grid.stay_minutes)
    for kind in seating.fitting(party):
        if all(taken.get((kind.id, unit), 0) < kind.tables for unit in stay):
            return kind
    return None


def bookable_window(seating: StoreSeating, now: datetime) -> tuple[datetime, datetime]:
    """The starts a booking made now may take: from `MIN_LEAD` ahead to the horizon."""
    return now + MIN_LEAD, horizon_end(seating.grid, now)


async def free_slots(db: Database, seating: StoreSeating, party: int, first: datetime,
                     last: datetime, now: datetime) -> list[FreeSlot]:
    """Every start in [first, last) (UTC) with a fitting table free for the whole stay,
    within the bookable window, in time order. One read of the taken units."""
    low, high = bookable_window(seating, now)
    first, last = max(first, low), min(last, high)
    kinds = seating.fitting(party)
    if first >= last or not kinds:
        return []
    starts = starts_between(seating.grid, first, last)
    if not starts:
        return []
    stay = timedelta(minutes=seating.grid.stay_minutes)
    async with db.reading() as conn:
        taken = await _taken(conn, kinds, starts[0] - timedelta(minutes=15), starts[-1] + stay)
    out = []
    for start in starts:
        kind = _table_for(seating, party, start, taken)
        if kind is not None:
            out.append(FreeSlot(start, kind.seats))
    return out


async def offer(db: Database, seating: StoreSeating, party: int, wish: datetime,
                now: datetime, *, limit: int = 6,
                spread: timedelta = timedelta(hours=3)) -> Offer:
    """The free starts nearest `wish` at this store (within `spread` either side, on the
    same day or the next ones when that day is full)."""
    slots = await free_slots(db, seating, party, wish - spread, wish + spread, now)
    exact = any(s.starts_at == wish for s in slots)
    if not slots:  # nothing near: the same time on the following days
        slots = await free_slots(db, seating, party, wish, wish + timedelta(days=3), now)
    chosen = set(nearest([s.starts_at for s in slots], wish, limit))
    return Offer(seating, tuple(s for s in slots if s.starts_at in chosen), exact)


async def seating_stores_near(db: Database, seating: StoreSeating, limit: int = 3,
                              default_tz: str = "Asia/Shanghai") -> list[StoreSeating]:
    """Other stores taking bookings, nearest first: the same merchant's, then the same
    category's (approved merchants only)."""
    async with db.session() as session:
        rows = (await session.exec(
            select(Store.id, Merchant.id, Store.lat, Store.lon)
            .join(Seating, Seating.store_id == Store.id)  # type: ignore[arg-type]
            .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
            .where(Store.id != seating.store_id,  # type: ignore[arg-type]
                   Merchant.status == "approved",  # type: ignore[arg-type]
                   or_(Merchant.id == seating.merchant_id,  # type: ignore[arg-type]
                       Merchant.category == seating.category)))).all()  # type: ignore[arg-type]

    def rank(row: Any) -> tuple[int, float]:
        distance = (row[2] - seating.lat) ** 2 + (row[3] - seating.lon) ** 2
        return (0 if row[1] == seating.merchant_id else 1, distance)

    out = []
    for row in sorted(rows, key=rank)[:limit]:
        other = await store_seating(db, int(row[0]), default_tz)
        if other is not None:
            out.append(other)
    return out


# ------------------------------------------------------------------ booking


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


async def _take(db: Database, conn: AsyncConnection, kind: TableKind,
                stay: list[datetime], known: bool = False) -> bool:
    """Take one table of `kind` for every unit of `stay`, or nothing. `known`: every
    unit's row was seen already (rows are never deleted), so none is inserted."""
    return await take_table(db, conn, kind.id, stay, known)


async def take_table(db: Database, conn: AsyncConnection, type_id: int,
                     stay: list[datetime], known: bool = False) -> bool:
    """Take one table of type `type_id` for every unit of `stay` (in `conn`'s
    transaction); False when a unit was full: the caller must roll back (some units
    may have been counted). `known`: every unit's row exists already (none inserted)."""
    if not known:
        await conn.execute(db.insert_ignoring(_UNITS, ["table_type_id", "starts_at"]),
                           [{"table_type_id": type_id, "starts_at": u, "taken": 0}
                            for u in stay])
    take = _TAKE_UNITS_IN_ORDER if db.dialect == "postgresql" else _TAKE_UNITS
    done = await conn.execute(take, {"type": type_id, "units": stay})
    return done.rowcount == len(stay)


async def _free(conn: AsyncConnection, type_id: int, stay: list[datetime]) -> None:
    if stay:
        await conn.execute(_FREE_UNITS, {"type": type_id, "units": stay})


async def no_shows(db: Database, user_id: int, now: datetime) -> int:
    """The booker's no-shows in the last 90 days."""
    async with db.engine.connect() as conn:
        return await _no_shows_in(conn, user_id, now)


async def _no_shows_in(conn: AsyncConnection, user_id: int, now: datetime) -> int:
    return int((await conn.execute(
        select(func.count()).select_from(_BOOKINGS)
        .where(_BOOKINGS.c.user_id == user_id,
               _BOOKINGS.c.status == BookingStatus.NO_SHOW,
               _BOOKINGS.c.starts_at >= now - NO_SHOW_WINDOW))).scalar_one())


async def deposit_for(db: Database, seating: StoreSeating, user_id: int | None,
                      now: datetime, no_show_deposit: int) -> tuple[int, str | None]:
    """The deposit a booking by this user at this store needs, and why (None: none)."""
    if seating.deposit > 0:
        return seating.deposit, "store"
    if user_id is not None and await no_shows(db, user_id, now) >= NO_SHOWS_FOR_DEPOSIT:
        return no_show_deposit, "no_shows"
    return 0, None


def check_start(seating: StoreSeating, party: int, starts_at: datetime,
                now: datetime) -> str | None:
    """Why a start cannot be booked at all (before looking at what is taken), or None:
    in_past, too_far, not_offered (closed, outside the hours, off the grid),
    party_too_big, bad_party, no_tables, closed_store."""
    if not seating.open_for_business:
        return "closed_store"
    if not 1 <= party <= MAX_PARTY:
        return "bad_party"
    if seating.largest == 0:
        return "no_tables"
    if party > seating.largest:
        return "party_too_big"
    low, high = bookable_window(seating, now)
    if starts_at < low:
        return "in_past"
    if starts_at >= high:
        return "too_far"
    if not is_offered(seating.grid, starts_at):
        return "not_offered"
    return None


async def book(db: Database, user_id: int | None, store_id: int, party: int,
               starts_at: datetime, now: datetime, *, name: str | None = None,
               no_show_deposit: int = 5000, default_tz: str = "Asia/Shanghai",
               quiet: tuple[int, int, str] | None = None) -> BookingAttempt:
    """Book a table for `party` at `starts_at` (UTC) at a store.

    Reasons when nothing was booked: no_seating, closed_store, bad_party, no_tables,
    party_too_big (`largest` says the biggest table), in_past, too_far, not_offered,
    already_booked (`conflict`: the booker's own booking within two hours of it), full.
    A booking that needs a deposit is `held` until `hold_until`; otherwise it is
    confirmed and its reminder owed (`quiet`: the booker's quiet hours and zone).

    The hot path, lean as checkout's: two reads (the seating with the booker's facts,
    then the stay's units), then one write transaction of prebuilt Core statements; the
    booking's view is built from what is known, not read back."""
    # Read 1: the seating (fresh: the owner may change it in another worker) and the
    # booker's telegram id, own booking near it and no-shows, in one statement.
    async with db.reading() as conn:
        rows = (await conn.execute(_SEATING_AND_BOOKER, {
            "store": store_id, "user": user_id, "low": starts_at - NEAR,
            "high": starts_at + NEAR, "since": now - NO_SHOW_WINDOW})).all()
        seating = seating_of(rows, default_tz)
        if seating is None:
            return BookingAttempt(reason="no_seating")
        why = check_start(seating, party, starts_at, now)
        if why is not None:
            return BookingAttempt(reason=why, largest=seating.largest)
        telegram_id, near, missed = rows[0].telegram_id, rows[0].near, rows[0].no_shows
        if user_id is not None and near is not None:
            return BookingAttempt(reason="already_booked",
                                  conflict=await booking_view(db, int(near)))
        stay = units(starts_at, seating.grid.stay_minutes)
        kinds = seating.fitting(party)
        # Read 2: the stay's units as they are now. Kinds visibly full are not tried (a
        # refusal writes nothing); the conditional write stays the judge of the others.
        now_taken = {(int(r[0]), r[1]): int(r[2]) for r in (await conn.execute(
            _STAY_UNITS, {"types": [k.id for k in kinds], "units": stay})).all()}
    if seating.deposit > 0:
        deposit, deposit_why = seating.deposit, "store"
    elif user_id is not None and int(missed or 0) >= NO_SHOWS_FOR_DEPOSIT:
        deposit, deposit_why = no_show_deposit, "no_shows"
    else:
        deposit, deposit_why = 0, None
    wish = _Wish(seating, user_id, name, party, starts_at,
                 starts_at + timedelta(minutes=seating.grid.stay_minutes), stay, deposit,
                 int(telegram_id) if telegram_id is not None else None)
    for kind in kinds:
        if any(now_taken.get((kind.id, u), 0) >= kind.tables for u in stay):
            continue
        known = all((kind.id, u) in now_taken for u in stay)
        made = await _try_book(db, wish, kind, now, quiet, known)
        if made == _RACED:
            return BookingAttempt(reason="already_booked",
                                  conflict=await _conflict(db, user_id or 0, starts_at, None))
        if isinstance(made, BookingView):
            return BookingAttempt(booking=made, deposit_why=deposit_why)
    return BookingAttempt(reason="full")


@dataclass(frozen=True)
class _Wish:
    """What `book` knows of the booking it is trying to make."""

    seating: StoreSeating
    user_id: int | None
    name: str | None
    party: int
    starts_at: datetime
    ends_at: datetime
    stay: list[datetime]
    deposit: int
    telegram_id: int | None  # the booker's, for the reminder


async def _try_book(db: Database, wish: _Wish, kind: TableKind, now: datetime,
                    quiet: tuple[int, int, str] | None,
                    known: bool = False) -> BookingView | int | None:
    """The booking made at a table of `kind` (its view), `_RACED` when the booker's other
    tap booked meanwhile, or None when a unit of the stay was full (nothing written)."""
    seating, user_id = wish.seating, wish.user_id
    status = BookingStatus.HELD if wish.deposit else BookingStatus.CONFIRMED
    hold_until = now + HOLD if wish.deposit else None
    for _ in range(3):  # a code taken already (1 in 10^12): draw another
        code = _code()
        try:
            async with db.begin() as conn:
                if user_id is not None and db.dialect == "postgresql":
                    # One booker's taps queue here, so two cannot both pass `_conflict`
                    # (checked in a statement of its own: it must see the other's commit).
                    await conn.execute(_LOCK_BOOKER, {"user": user_id})
                    if await _conflict_in(conn, user_id, wish.starts_at, None) is not None:
                        return _RACED
                if not await _take(db, conn, kind, wish.stay, known):
                    raise _Taken
                booking_id = int((await conn.execute(_NEW_BOOKING, {
                    "code": code, "store_id": seating.store_id, "table_type_id": kind.id,
                    "user_id": user_id, "name": wish.name, "party": wish.party,
                    "starts_at": wish.starts_at, "ends_at": wish.ends_at, "status": status,
                    "walk_in": False, "deposit": wish.deposit, "currency": seating.currency,
                    "hold_until": hold_until, "late_minutes": 0,
                    "created_at": now, "updated_at": now})).scalar_one())
                if status == BookingStatus.CONFIRMED and wish.telegram_id is not None:
                    # A new booking has no reminder to drop: owed straight away.
                    await _owe_reminder_to(db, conn, wish.telegram_id, booking_id,
                                           wish.starts_at, now, quiet)
        except _Taken:
            return None
        except IntegrityError:
            continue
        return BookingView(
            id=booking_id, code=code, store_id=seating.store_id,
            merchant_id=seating.merchant_id, store_name=seating.name,
            address=seating.address, phone=seating.phone, timezone=seating.grid.tz.key,
            user_id=user_id, user_telegram_id=wish.telegram_id, name=wish.name,
            party=wish.party, seats=kind.seats, starts_at=wish.starts_at,
            ends_at=wish.ends_at, status=status, walk_in=False, deposit=wish.deposit,
            currency=seating.currency, deposit_paid=False, hold_until=hold_until,
            late_minutes=0, cancel_hours=seating.cancel_hours, lat=seating.lat,
            lon=seating.lon)
    return None


async def _conflict(db: Database, user_id: int, starts_at: datetime,
                    other_than: int | None) -> BookingView | None:
    async with db.engine.connect() as conn:
        found = await _conflict_in(conn, user_id, starts_at, other_than)
    return await booking_view(db, found) if found is not None else None


async def _conflict_in(conn: AsyncConnection, user_id: int, starts_at: datetime,
                       other_than: int | None) -> int | None:
    return await conflict_in(conn, user_id, starts_at, other_than)


async def conflict_in(conn: AsyncConnection, user_id: int, starts_at: datetime,
                      other_than: int | None) -> int | None:
    """The id of the user's live booking within `NEAR` of `starts_at` (other than
    `other_than`), read in `conn`'s transaction; None when there is none."""
    query = select(_BOOKINGS.c.id).where(
        _BOOKINGS.c.user_id == user_id, _BOOKINGS.c.status.in_(LIVE),
        _BOOKINGS.c.starts_at > starts_at - NEAR, _BOOKINGS.c.starts_at < starts_at + NEAR)
    if other_than is not None:
        query = query.where(_BOOKINGS.c.id != other_than)
    found = (await conn.execute(query.limit(1))).scalar()
    return int(found) if found is not None else None


# ------------------------------------------------------------------ reminders


def reminder_key(booking_id: int) -> str:
    """The outbox key of a booking's reminder (one per booking; a change re-owes it)."""
    return f"booking_reminder:{booking_id}"


def reminder_time(starts_at: datetime, now: datetime,
                  quiet: tuple[int, int, str] | None) -> datetime | None:
    """When to remind: two hours before the start, or the last moment before that
    outside the booker's quiet hours; None when that moment has passed (a booking made
    close to its start is reminder enough)."""
    due = starts_at - REMIND_BEFORE
    if quiet is not None:
        due = last_allowed_moment_before(quiet, due)
    return due if due > now else None


async def owe_reminder(db: Database, conn: AsyncConnection, booking_id: int,
                       starts_at: datetime, now: datetime,
                       quiet: tuple[int, int, str] | None) -> None:
    """Owe the booker the reminder of a confirmed booking (in `conn`'s transaction);
    any earlier reminder of it is dropped first."""
    await drop_reminder(conn, booking_id)
    due = reminder_time(starts_at, now, quiet)
    if due is None:
        return
    row = (await conn.execute(
        select(User.__table__.c.telegram_id).select_from(_BOOKINGS)  # type: ignore[attr-defined]
        .join(User.__table__, User.__table__.c.id == _BOOKINGS.c.user_id)  # type: ignore[attr-defined]
        .where(_BOOKINGS.c.id == booking_id))).first()
    if row is None:
        return
    # A change owes a new reminder under the same booking: the dropped row gives its
    # key up (renamed), so the new one can take it.
    await _owe_reminder_to(db, conn, int(row[0]), booking_id, starts_at, now, quiet, due)


async def _owe_reminder_to(db: Database, conn: AsyncConnection, telegram_id: int,
                           booking_id: int, starts_at: datetime, now: datetime,
                           quiet: tuple[int, int, str] | None,
                           due: datetime | None = None) -> None:
    """Owe the reminder to this chat (no earlier reminder of the booking is pending)."""
    due = due or reminder_time(starts_at, now, quiet)
    if due is None:
        return
    await owe_many(db, conn, [Owing(telegram_id, "booking_reminder", {
        "booking_id": booking_id, "starts_at": starts_at.isoformat()},
        reminder_key(booking_id), not_before=due)], now)


async def drop_reminder(conn: AsyncConnection, booking_id: int) -> None:
    """A pending reminder of the booking is no longer owed (cancelled, moved)."""
    key = reminder_key(booking_id)
    await conn.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.dedupe_key == key, _OUTBOX.c.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.DROPPED,
                dedupe_key=f"{key}:dropped:{secrets.token_hex(6)}"))


# ------------------------------------------------------------------ reading


_VIEW = (
    select(Booking, Store, Merchant.name_zh, Merchant.name_en, Merchant.phone,
           TableType.seats, User.telegram_id, Seating.cancel_hours)
    .join(Store, Store.id == Booking.store_id)  # type: ignore[arg-type]
    .join(Merchant, Merchant.id == Store.merchant_id)  # type: ignore[arg-type]
    .join(TableType, TableType.id == Booking.table_type_id)  # type: ignore[arg-type]
    .join(Seating, Seating.store_id == Booking.store_id)  # type: ignore[arg-type]
    .outerjoin(User, User.id == Booking.user_id)  # type: ignore[arg-type]
)


def _view(row: Any, default_tz: str = "Asia/Shanghai") -> BookingView:
    booking, store, m_zh, m_en, m_phone, seats, telegram_id, cancel_hours = row
    return BookingView(
        id=booking.id, code=booking.code, store_id=booking.store_id,
        merchant_id=store.merchant_id,
        store_name=Bilingual(store.name_zh or m_zh, store.name_en or m_en),
        address=Bilingual(store.address_zh, store.address_en),
        phone=store.phone or m_phone, timezone=store.timezone or default_tz,
        user_id=booking.user_id, user_telegram_id=telegram_id, name=booking.name,
        party=booking.party, seats=seats, starts_at=booking.starts_at,
        ends_at=booking.ends_at, status=booking.status, walk_in=booking.walk_in,
        deposit=booking.deposit, currency=booking.currency,
        deposit_paid=booking.deposit_paid_at is not None, hold_until=booking.hold_until,
        late_minutes=booking.late_minutes, cancel_hours=cancel_hours,
        lat=store.lat, lon=store.lon)


async def booking_view(db: Database, booking_id: int) -> BookingView | None:
    """One booking, or None."""
    async with db.session() as session:
        row = (await session.exec(_VIEW.where(Booking.id == booking_id))).first()  # type: ignore[arg-type]
    return _view(row) if row is not None else None


async def booking_by_code(db: Database, code: str) -> BookingView | None:
    """A booking by the code its booker shows (any case, spaces ignored)."""
    clean = "".join(code.split()).upper()[:12]
    async with db.session() as session:
        row = (await session.exec(_VIEW.where(Booking.code == clean))).first()  # type: ignore[arg-type]
    return _view(row) if row is not None else None


async def my_bookings(db: Database, user_id: int, now: datetime,
                      limit: int = 10) -> list[BookingView]:
    """The user's bookings still ahead (held or confirmed), soonest first, then those
    of the last week."""
    async with db.session() as session:
        rows = (await session.exec(
            _VIEW.where(Booking.user_id == user_id,  # type: ignore[arg-type]
                        Booking.starts_at >= now - timedelta(days=7))  # type: ignore[arg-type]
            .order_by(Booking.starts_at))).all()  # type: ignore[arg-type]
    views = [_view(r) for r in rows]
    ahead = [v for v in views if v.live and v.ends_at > now]
    past = [v for v in views if v not in ahead]
    return (ahead + past[::-1])[:limit]


async def day_bookings(db: Database, store_id: int, day_start: datetime,
                       day_end: datetime) -> list[BookingView]:
    """A store's bookings starting in [day_start, day_end) (the store's local day in
    UTC), in time order, every status but expired holds."""
    async with db.session() as session:
        rows = (await session.exec(
            _VIEW.where(Booking.store_id == store_id,  # type: ignore[arg-type]
                        Booking.starts_at >= day_start, Booking.starts_at < day_end,  # type: ignore[arg-type]
                        Booking.status != BookingStatus.EXPIRED)  # type: ignore[arg-type]
            .order_by(Booking.starts_at, Booking.id))).all()  # type: ignore[arg-type]
    return [_view(r) for r in rows]


def local_day_bounds(tz_name: str, moment: datetime) -> tuple[datetime, datetime]:
    """The store's calendar day around `moment`, as [start, end) in UTC."""
    tz = zone_of(tz_name)
    day = moment.astimezone(tz).date()
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    after = day + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


# ------------------------------------------------------------------ changes


@dataclass(frozen=True)
class Closed:
    """A booking taken out of `confirmed`/`held`: cancelled, or marked."""

    booking: BookingView | None
    changed: bool  # False: it was not in a state that allows this (nothing happened)
    refund_id: int | None = None  # the deposit's refund, to carry out
    deposit_kept: bool = False


async def _close(db: Database, booking_id: int, to: str, now: datetime, *,
                 user_id: int | None = None, merchant_id: int | None = None,
                 from_states: Sequence[str] = LIVE, free_from: datetime | None = None,
                 by_store: bool = False) -> Closed:
    """Move a booking out of `from_states` to `to` once (the one conditional UPDATE
    every close goes through), free its table from `free_from` (default: all of its
    stay), drop its reminder and release its deposit (back, or kept)."""
    async with db.begin() as conn:
        owner = select(Store.__table__.c.merchant_id).where(  # type: ignore[attr-defined]
            Store.__table__.c.id == _BOOKINGS.c.store_id).scalar_subquery()  # type: ignore[attr-defined]
        conditions = [_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status.in_(from_states)]
        if user_id is not None:
            conditions.append(_BOOKINGS.c.user_id == user_id)
        if merchant_id is not None:
            conditions.append(owner == merchant_id)
        row = (await conn.execute(
            update(_BOOKINGS).where(and_(*conditions))
            .values(status=to, closed_at=now, updated_at=now)
            .returning(_BOOKINGS.c.table_type_id, _BOOKINGS.c.starts_at, _BOOKINGS.c.ends_at,
                       _BOOKINGS.c.deposit_paid_at, _BOOKINGS.c.status))).first()
        if row is None:
            return Closed(await booking_view(db, booking_id), False)
        type_id, starts_at, ends_at, paid_at = row[0], row[1], row[2], row[3]
        stay = units(starts_at, int((ends_at - starts_at).total_seconds() // 60))
        if free_from is not None:  # what is left of the stay from then on
            stay = [u for u in stay if u + timedelta(minutes=15) > free_from]
        if to in (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.NO_SHOW):
            await _free(conn, int(type_id), stay)
        await drop_reminder(conn, booking_id)
        if to == BookingStatus.EXPIRED:  # an unpaid hold: its booker is told, once
            await deposits.owe_expired(db, conn, booking_id, now)
        refund_id, kept = None, False
        if paid_at is not None:
            cancel_hours = (await conn.execute(select(Seating.__table__.c.cancel_hours).where(  # type: ignore[attr-defined]
                Seating.__table__.c.store_id == select(_BOOKINGS.c.store_id).where(  # type: ignore[attr-defined]
                    _BOOKINGS.c.id == booking_id).scalar_subquery()))).scalar() or 0
            in_time = now <= starts_at - timedelta(hours=int(cancel_hours))
            if to == BookingStatus.CANCELLED and (in_time or by_store):
                refund_id = await deposits.give_back(db, conn, booking_id, now)
            else:
                await deposits.keep(db, conn, booking_id, now)
                kept = True
    return Closed(await booking_view(db, booking_id), True, refund_id, kept)


async def cancel_booking(db: Database, booking_id: int, now: datetime, *,
                         user_id: int | None = None,
                         merchant_id: int | None = None) -> Closed:
    """Cancel a held or confirmed booking (by its booker, `user_id`, or by the store,
    `merchant_id`); its table is free again. A paid deposit comes back when the booker
    cancels before the store's deadline, or whenever the store cancels; else it is kept.
    Cancelling twice changes nothing the second time."""
    return await _close(db, booking_id, BookingStatus.CANCELLED, now, user_id=user_id,
                        merchant_id=merchant_id, by_store=merchant_id is not None)


async def mark_booking(db: Database, booking_id: int, merchant_id: int, status: str,
                       now: datetime) -> Closed | str:
    """Staff mark a confirmed booking `arrived` or `no_show` (once). A no-show can be
    marked from 15 minutes after the start (the table is free again from now); an
    arrival from two hours before. Returns the reason when refused: too_early."""
    view = await booking_view(db, booking_id)
    if view is None or view.merchant_id != merchant_id:
        return "not_yours"
    if status == BookingStatus.NO_SHOW and now < view.starts_at + NO_SHOW_GRACE:
        return "too_early"
    if status == BookingStatus.ARRIVED and now < view.starts_at - NEAR:
        return "too_early"
    if status not in (BookingStatus.ARRIVED, BookingStatus.NO_SHOW):
        return "bad_status"
    return await _close(db, booking_id, status, now, merchant_id=merchant_id,
                        from_states=(BookingStatus.CONFIRMED,),
                        free_from=now if status == BookingStatus.NO_SHOW else None)


async def change_booking(db: Database, booking_id: int, user_id: int, starts_at: datetime,
                         party: int, now: datetime, *, default_tz: str = "Asia/Shanghai",
                         quiet: tuple[int, int, str] | None = None) -> BookingAttempt:
    """Move a confirmed (or held) booking to another start or party size at the same
    store, in one transaction: the new table is taken before the old one is freed, so
    the booker never ends with neither; refused (nothing changes) with `book`'s reasons,
    or not_yours / not_live."""
    view = await booking_view(db, booking_id)
    if view is None or view.user_id != user_id:
        return BookingAttempt(reason="not_yours")
    if not view.live:
        return BookingAttempt(reason="not_live", booking=view)
    seating = await store_seating(db, view.store_id, default_tz)
    if seating is None:
        return BookingAttempt(reason="no_seating")
    why = check_start(seating, party, starts_at, now)
    if why is not None:
        return BookingAttempt(reason=why, largest=seating.largest)
    conflict = await _conflict(db, user_id, starts_at, booking_id)
    if conflict is not None:
        return BookingAttempt(reason="already_booked", conflict=conflict)
    stay = units(starts_at, seating.grid.stay_minutes)
    ends_at = starts_at + timedelta(minutes=seating.grid.stay_minutes)
    old_stay = units(view.starts_at, int((view.ends_at - view.starts_at).total_seconds() // 60))
    old_type = next((k.id for k in seating.kinds if k.seats == view.seats), None)
    for kind in seating.fitting(party):
        try:
            async with db.begin() as conn:
                # The old table first goes back (a shift within its own stay needs it),
                # then the new one is taken; a refusal rolls both back.
                if old_type is not None:
                    await _free(conn, old_type, old_stay)
                if not await _take(db, conn, kind, stay):
                    raise _Taken
                moved = await conn.execute(
                    update(_BOOKINGS)
                    .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.status.in_(LIVE))
                    .values(starts_at=starts_at, ends_at=ends_at, party=party,
                            table_type_id=kind.id, late_minutes=0, updated_at=now))
                if moved.rowcount != 1:
                    raise _Taken
                if view.status == BookingStatus.CONFIRMED:
                    await owe_reminder(db, conn, booking_id, starts_at, now, quiet)
        except _Taken:
            continue
        return BookingAttempt(booking=await booking_view(db, booking_id))
    return BookingAttempt(reason="full", booking=view)


async def running_late(db: Database, booking_id: int, user_id: int, minutes: int,
                       now: datetime) -> BookingView | None:
    """The booker says they will be `minutes` late (kept for staff's day view); None
    when the booking is not theirs or not confirmed. The store's people (the owner, and
    staff of the whole merchant or of that store) are owed the news (`booking_late`,
    once per booking and minutes) in the same transaction."""
    minutes = max(0, min(minutes, 120))
    async with db.begin() as conn:
        done = await conn.execute(
            update(_BOOKINGS)
            .where(_BOOKINGS.c.id == booking_id, _BOOKINGS.c.user_id == user_id,
                   _BOOKINGS.c.status == BookingStatus.CONFIRMED)
            .values(late_minutes=minutes, updated_at=now))
        if done.rowcount == 1:
            chats = await _store_people(conn, booking_id)
            await owe_many(db, conn, [
                Owing(chat, "booking_late", {"booking_id": booking_id, "minutes": minutes},
                      f"booking_late:{booking_id}:{minutes}:{chat}") for chat in chats], now)
    return await booking_view(db, booking_id) if done.rowcount == 1 else None


async def _store_people(conn: AsyncConnection, booking_id: int) -> list[int]:
    """The Telegram ids of a booking's store's owner and staff (of the merchant, or of
    that store)."""
    stores, users = Store.__table__, User.__table__  # type: ignore[attr-defined]
    merchants, staff = Merchant.__table__, MerchantStaff.__table__  # type: ignore[attr-defined]
    row = (await conn.execute(
        select(stores.c.id, stores.c.merchant_id, merchants.c.owner_user_id)
        .join(_BOOKINGS, _BOOKINGS.c.store_id == stores.c.id)
        .join(merchants, merchants.c.id == stores.c.merchant_id)
        .where(_BOOKINGS.c.id == booking_id))).first()
    if row is None:
        return []
    store_id, merchant_id, owner = row
    people = select(staff.c.user_id).where(
        staff.c.merchant_id == merchant_id,
        or_(staff.c.store_id.is_(None), staff.c.store_id == store_id))
    ids = set((await conn.execute(people)).scalars())
    if owner is not None:
        ids.add(owner)
    if not ids:
        return []
    chats = (await conn.execute(select(users.c.telegram_id).where(
        users.c.id.in_(sorted(ids))).order_by(users.c.telegram_id))).scalars()
    return [int(c) for c in chats]


async def walk_in(db: Database, store_id: int, party: int, now: datetime, *,
                  name: str | None = None,
                  default_tz: str = "Asia/Shanghai") -> BookingAttempt:
    """Staff seat a walk-in now: a table for the party is blocked for a sitting from
    the current quarter hour (hours and the grid do not apply; capacity does)."""
    seating = await store_seating(db, store_id, default_tz)
    if seating is None:
        return BookingAttempt(reason="no_seating")
    if not 1 <= party <= MAX_PARTY:
        return BookingAttempt(reason="bad_party")
    if party > seating.largest:
        return BookingAttempt(reason="party_too_big", largest=seating.largest)
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 15)
    stay = units(start, seating.grid.stay_minutes)
    ends_at = start + timedelta(minutes=seating.grid.stay_minutes)
    for kind in seating.fitting(party):
        try:
            async with db.begin() as conn:
                if not await _take(db, conn, kind, stay):
                    raise _Taken
                booking_id = (await conn.execute(insert(_BOOKINGS).returning(_BOOKINGS.c.id), {
                    "code": _code(), "store_id": store_id, "table_type_id": kind.id,
                    "user_id": None, "name": name, "party": party, "starts_at": start,
                    "ends_at": ends_at, "status": BookingStatus.ARRIVED, "walk_in": True,
                    "deposit": 0, "currency": seating.currency, "late_minutes": 0,
                    "created_at": now, "updated_at": now, "closed_at": now})).scalar_one()
        except _Taken:
            continue
        return BookingAttempt(booking=await booking_view(db, int(booking_id)))
    return BookingAttempt(reason="full")


# ------------------------------------------------------------------ housekeeping


async def expire_holds(db: Database, now: datetime) -> list[int]:
    """Held bookings whose deposit was not paid in time expire; their tables are free
    again. Returns their ids."""
    async with db.engine.connect() as conn:
        due = [int(r) for r in (await conn.execute(
            select(_BOOKINGS.c.id).where(_BOOKINGS.c.status == BookingStatus.HELD,
                                         _BOOKINGS.c.hold_until < now).limit(500))).scalars()]
    out = []
    for booking_id in due:
        if (await _close(db, booking_id, BookingStatus.EXPIRED, now,
                         from_states=(BookingStatus.HELD,))).changed:
            out.append(booking_id)
    return out


async def complete_past(db: Database, now: datetime) -> list[int]:
    """Confirmed bookings whose sitting ended `CLOSE_AFTER` ago unmarked are completed
    (a paid deposit is kept: it counted towards the bill). Returns their ids."""
    async with db.engine.connect() as conn:
        due = [int(r) for r in (await conn.execute(
            select(_BOOKINGS.c.id).where(_BOOKINGS.c.status == BookingStatus.CONFIRMED,
                                         _BOOKINGS.c.ends_at < now - CLOSE_AFTER)
            .limit(500))).scalars()]
    out = []
    for booking_id in due:
        if (await _close(db, booking_id, BookingStatus.COMPLETED, now,
                         from_states=(BookingStatus.CONFIRMED,))).changed:
            out.append(booking_id)
    return out
