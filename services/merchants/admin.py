"""The platform admin's view: totals, pending applications, merchants, suspend / restore.

Totals count what happened, per period in the admin's time zone (today since local
midnight, the last 7 days including today, all time), with money summed per currency
in minor units. A suspended merchant's deals drop out of search and checkout (both ask
for an approved merchant); codes already sold still redeem, because redemption asks
only who is at the counter. Suspend and restore are each one conditional UPDATE that
checks the state it leaves, so a second press or a stale button changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, func, or_, update
from sqlmodel import col, select

from services.catalog.deal_cards import vocabulary_changed
from services.merchants.applications import MerchantView, merchant_view, owe_merchant_news
from services.platform.database import Database
from storage.models import (
    CodeStatus,
    Deal,
    DealStatus,
    Follow,
    Merchant,
    MerchantStatus,
    Order,
    RedemptionCode,
    Refund,
    Store,
    User,
)

Amounts = tuple[tuple[str, int], ...]  # (currency, minor units), sorted by currency
MERCHANT_STATUSES = tuple(status.value for status in MerchantStatus)
FIND_MAX_WORDS = 5
FIND_MAX_CHARS = 100
FIND_LIMIT = 10


@dataclass(frozen=True)
class Tally:
    """How many, and (where money is involved) how much per currency."""

    count: int = 0
    amounts: Amounts = ()


@dataclass(frozen=True)
class Periods:
    """A tally for today, the last 7 days (today included) and all time."""

    today: Tally = Tally()
    week: Tally = Tally()
    all_time: Tally = Tally()


@dataclass(frozen=True)
class PlatformTotals:
    """The numbers on the admin's front page."""

    users: int
    merchants: Mapping[str, int]  # every MerchantStatus -> how many
    deals_on_sale: int
    paid_orders: Periods  # by payment time; amounts are what was paid
    redeemed: Periods  # codes, by redemption time
    refunds: Periods  # money going back, by when it was recorded
    refunds_open: int  # refunds not completed yet (pending or given up)
    today_start: datetime  # UTC
    week_start: datetime  # UTC


@dataclass(frozen=True)
class MerchantLine:
    """One merchant in the admin's list."""

    id: int
    view: MerchantView
    live_deals: int  # active, not expired, not sold out (hidden while not approved)
    paid_orders: int


@dataclass(frozen=True)
class Paging:
    """Where a page sits in a list: its number (0-based, clamped to the last page),
    size and the list's length."""

    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


@dataclass(frozen=True)
class MerchantPage(Paging):
    """One page of merchants (or of find results)."""

    items: tuple[MerchantLine, ...] = ()


@dataclass(frozen=True)
class PendingApplication:
    """An application waiting for an admin, with who filed it and when."""

    view: MerchantView
    applicant_name: str
    applicant_username: str | None
    applied_at: datetime


@dataclass(frozen=True)
class PendingPage(Paging):
    """One page of pending applications, oldest first."""

    items: tuple[PendingApplication, ...] = ()


@dataclass(frozen=True)
class MerchantDetails:
    """Everything the admin's merchant page shows."""

    view: MerchantView
    slug: str
    owner_name: str | None
    owner_username: str | None
    created_at: datetime
    stores: int
    deals: int
    live_deals: int
    paid: Tally
    redeemed: int
    followers: int


@dataclass(frozen=True)
class StatusChange:
    """What a suspend or restore did: `done`, `already` (the merchant is in the target
    state: nothing changed), `not_allowed` (pending or rejected), or `missing`."""

    outcome: str
    merchant: MerchantView | None = field(default=None)


# ------------------------------------------------------------------ helpers


def period_starts(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """(start of today, start of the 7-day window) in UTC, for days in `timezone`."""
    try:
        zone: ZoneInfo = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    week = midnight - timedelta(days=6)  # wall-clock days, so a DST change is one day
    return midnight.astimezone(UTC), week.astimezone(UTC)


def _live(now: datetime) -> Any:
    """Deal conditions for "on sale as far as the deal goes" (the merchant aside)."""
    return and_(col(Deal.status) == DealStatus.ACTIVE, col(Deal.valid_until) > now,
                or_(col(Deal.stock).is_(None), col(Deal.stock) > 0))


def _since(when: Any, start: datetime, value: Any = 1) -> Any:
    return func.coalesce(func.sum(case((when >= start, value), else_=0)), 0)


def _amounts(pairs: dict[str, int]) -> Amounts:
    return tuple(sorted((cur, amount) for cur, amount in pairs.items()))


async def _periods(session: Any, when: Any, where: list[Any], today: datetime,
                   week: datetime, amount: Any = None, currency: Any = None) -> Periods:
    """Count rows (and sum `amount` per `currency`) since `today`, since `week`, ever."""
    columns = [func.count(), _since(when, today), _since(when, week)]
    if amount is not None:
        columns += [func.coalesce(func.sum(amount), 0), _since(when, today, amount),
                    _since(when, week, amount)]
    stmt = select(*columns).where(*where)
    if currency is not None:
        stmt = select(currency, *columns).where(*where).group_by(currency)
        rows = (await session.exec(stmt)).all()
    else:
        rows = [(None, *(await session.exec(stmt)).one())]
    counts = [0, 0, 0]
    money: list[dict[str, int]] = [{}, {}, {}]
    for cur, *values in rows:
        for i in range(3):
            counts[i] += int(values[i] or 0)
            if amount is not None and cur is not None:
                total = int(values[3 + i] or 0)
                if total:
                    money[i][cur] = money[i].get(cur, 0) + total
    # Periods are listed today, week, all time; the query gives all, today, week.
    order = (1, 2, 0)
    tallies = [Tally(counts[i], _amounts(money[i])) for i in order]
    return Periods(*tallies)


_PAID_ORDERS_OF_MERCHANT = (
    select(func.count()).select_from(Order).join(Deal, col(Deal.id) == col(Order.deal_id))
    .where(col(Deal.merchant_id) == col(Merchant.id), col(Order.paid_at).is_not(None))
)


def _line_select(now: datetime) -> Any:
    live = (select(func.count()).select_from(Deal)
            .where(col(Deal.merchant_id) == col(Merchant.id), _live(now))
            .scalar_subquery())
    paid = _PAID_ORDERS_OF_MERCHANT.scalar_subquery()
    return (select(Merchant, User, live, paid)
            .outerjoin(User, col(User.id) == col(Merchant.owner_user_id)))


def _line(merchant: Merchant, owner: User | None, live: int, paid: int) -> MerchantLine:
    view = merchant_view(merchant, owner)
    return MerchantLine(view.id, view, int(live or 0), int(paid or 0))


def _clamp(page: int, total: int, page_size: int) -> int:
    last = max(0, -(-total // page_size) - 1)
    return min(max(0, page), last)


# ------------------------------------------------------------------ reading


async def platform_totals(db: Database, now: datetime, timezone: str) -> PlatformTotals:
    """Users, merchants by status, deals on sale, paid orders and revenue, codes
    redeemed and refunds, with days counted in `timezone`."""
    today, week = period_starts(now, timezone)
    async with db.session() as session:
        users = (await session.exec(select(func.count()).select_from(User))).one()
        by_status = dict((await session.exec(
            select(Merchant.status, func.count()).group_by(col(Merchant.status)))).all())
        on_sale = (await session.exec(
            select(func.count()).select_from(Deal)
            .join(Merchant, col(Merchant.id) == col(Deal.merchant_id))
            .where(_live(now), col(Merchant.status) == MerchantStatus.APPROVED))).one()
        orders = await _periods(session, col(Order.paid_at), [col(Order.paid_at).is_not(None)],
                                today, week, col(Order.total), col(Order.currency))
        redeemed = await _periods(session, col(RedemptionCode.redeemed_at),
                                  [col(RedemptionCode.status) == CodeStatus.REDEEMED],
                                  today, week)
        refunds = await _periods(session, col(Refund.created_at), [], today, week,
                                 col(Refund.amount), col(Refund.currency))
        refunds_open = (await session.exec(
            select(func.count()).select_from(Refund)
            .where(col(Refund.status).in_(("pending", "failed"))))).one()
    merchants = {status.value: int(by_status.get(status.value, 0)) for status in MerchantStatus}
    return PlatformTotals(
        users=int(users), merchants=merchants, deals_on_sale=int(on_sale), paid_orders=orders,
        redeemed=redeemed, refunds=refunds, refunds_open=int(refunds_open),
        today_start=today, week_start=week,
    )


async def pending_count(db: Database) -> int:
    """How many applications wait for a decision."""
    async with db.session() as session:
        return int((await session.exec(
            select(func.count()).select_from(Merchant)
            .where(col(Merchant.status) == MerchantStatus.PENDING))).one())


async def pending_page(db: Database, page: int, page_size: int) -> PendingPage:
    """One page of pending applications, oldest first (first come, first served)."""
    total = await pending_count(db)
    page = _clamp(page, total, page_size)
    async with db.session() as session:
        rows = (await session.exec(
            select(Merchant, User).outerjoin(User, col(User.id) == col(Merchant.owner_user_id))
            .where(col(Merchant.status) == MerchantStatus.PENDING)
            .order_by(col(Merchant.created_at), col(Merchant.id))
            .offset(page * page_size).limit(page_size))).all()
    items = tuple(
        PendingApplication(merchant_view(m, u), u.first_name if u else "",
                           u.username if u else None, m.created_at)
        for m, u in rows
    )
    return PendingPage(page, page_size, total, items)


async def merchants_page(db: Database, page: int, page_size: int, now: datetime) -> MerchantPage:
    """One page of all merchants, newest first, with live deals and paid orders."""
    async with db.session() as session:
        total = int((await session.exec(select(func.count()).select_from(Merchant))).one())
        page = _clamp(page, total, page_size)
        rows = (await session.exec(
            _line_select(now).order_by(col(Merchant.id).desc())
            .offset(page * page_size).limit(page_size))).all()
    return MerchantPage(page, page_size, total, tuple(_line(*row) for row in rows))


def find_words(text: str) -> list[str]:
    """The words of a find, lower-cased: those with a letter or digit (an emoji or a
    stray quote alone narrows nothing), else the whole text; at most five."""
    cleaned = " ".join(text.split())[:FIND_MAX_CHARS].lower()
    words = [w for w in cleaned.split() if any(ch.isalnum() for ch in w)]
    return words[:FIND_MAX_WORDS] if words else ([cleaned] if cleaned else [])


async def find_merchants(db: Database, text: str, now: datetime,
                         limit: int = FIND_LIMIT) -> MerchantPage:
    """Merchants whose Chinese name, English name or slug contains every word (case
    does not matter); the words go to the database as bound parameters only."""
    words = find_words(text)
    if not words:
        return MerchantPage(0, limit, 0, ())
    where = [
        or_(*(func.lower(func.coalesce(column, "")).contains(word, autoescape=True)
              for column in (col(Merchant.name_zh), col(Merchant.name_en), col(Merchant.slug))))
        for word in words
    ]
    async with db.session() as session:
        total = int((await session.exec(
            select(func.count()).select_from(Merchant).where(*where))).one())
        rows = (await session.exec(
            _line_select(now).where(*where).order_by(col(Merchant.id).desc()).limit(limit)
        )).all()
    return MerchantPage(0, limit, total, tuple(_line(*row) for row in rows))


async def merchant_details(db: Database, merchant_id: int, now: datetime) -> MerchantDetails | None:
    """The admin's page of one merchant, or None when there is no such merchant."""
    async with db.session() as session:
        row = (await session.exec(
            select(Merchant, User).outerjoin(User, col(User.id) == col(Merchant.owner_user_id))
            .where(col(Merchant.id) == merchant_id))).first()
        if row is None:
            return None
        merchant, owner = row

        async def count(model: Any, *where: Any) -> int:
            stmt = select(func.count()).select_from(model).where(*where)
            return int((await session.exec(stmt)).one())

        stores = await count(Store, col(Store.merchant_id) == merchant_id)
        deals = await count(Deal, col(Deal.merchant_id) == merchant_id)
        live = await count(Deal, col(Deal.merchant_id) == merchant_id, _live(now))
        followers = await count(Follow, col(Follow.merchant_id) == merchant_id)
        redeemed = int((await session.exec(
            select(func.count()).select_from(RedemptionCode)
            .join(Deal, col(Deal.id) == col(RedemptionCode.deal_id))
            .where(col(Deal.merchant_id) == merchant_id,
                   col(RedemptionCode.status) == CodeStatus.REDEEMED))).one())
        paid_rows = (await session.exec(
            select(Order.currency, func.count(), func.coalesce(func.sum(Order.total), 0))
            .join(Deal, col(Deal.id) == col(Order.deal_id))
            .where(col(Deal.merchant_id) == merchant_id, col(Order.paid_at).is_not(None))
            .group_by(col(Order.currency)))).all()
    paid = Tally(sum(int(n) for _, n, _ in paid_rows),
                 _amounts({cur: int(total) for cur, _, total in paid_rows if total}))
    return MerchantDetails(
        view=merchant_view(merchant, owner), slug=merchant.slug,
        owner_name=owner.first_name if owner else None,
        owner_username=owner.username if owner else None, created_at=merchant.created_at,
        stores=stores, deals=deals, live_deals=live, paid=paid, redeemed=redeemed,
        followers=followers,
    )


# ------------------------------------------------------------------ changing


async def _move(db: Database, merchant_id: int, leaving: str, entering: str, outcome: str,
                now: datetime) -> StatusChange:
    async with db.transaction() as session:
        moved = await session.exec(  # type: ignore[call-overload]
            update(Merchant)
            .where(col(Merchant.id) == merchant_id, col(Merchant.status) == leaving)
            .values(status=entering)
        )
        row = (await session.exec(
            select(Merchant, User).outerjoin(User, col(User.id) == col(Merchant.owner_user_id))
            .where(col(Merchant.id) == merchant_id))).first()
        if row is not None and moved.rowcount == 1:
            conn = await session.connection()
            await owe_merchant_news(db, conn, merchant_view(*row), outcome, now)
            await vocabulary_changed(conn)  # its name and deals leave or rejoin the parser
    if row is None:
        return StatusChange("missing")
    view = merchant_view(*row)
    if moved.rowcount == 1:
        return StatusChange("done", view)
    return StatusChange("already" if view.status == entering else "not_allowed", view)


async def suspend_merchant(db: Database, merchant_id: int,
                           now: datetime | None = None) -> StatusChange:
    """approved -> suspended, once: its deals leave search and checkout at once; codes
    already sold still redeem. The owner's news is owed with it (`merchant_news_key`)."""
    return await _move(db, merchant_id, MerchantStatus.APPROVED, MerchantStatus.SUSPENDED,
                       "suspended", now or datetime.now(UTC))


async def restore_merchant(db: Database, merchant_id: int,
                           now: datetime | None = None) -> StatusChange:
    """suspended -> approved, once: its live deals are found and sold again."""
    return await _move(db, merchant_id, MerchantStatus.SUSPENDED, MerchantStatus.APPROVED,
                       "restored", now or datetime.now(UTC))
