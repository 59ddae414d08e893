"""Buying a deal: orders that hold stock, payments applied once, codes issued with them.

The order state machine (each move one transaction that checks the state it leaves):

    pending --paid--> paid --codes delivered in chat--> fulfilled
       |                 \\--all codes refunded--> refunded
       +--hold ran out--> expired         +--buyer gave up--> cancelled

- `start_order` holds stock at once (a conditional UPDATE on the deal row: concurrent
  buyers queue on that row, so the last units are never sold twice) and checks the
  per-person limit after taking the row, so one person's two taps queue too.
- `apply_payment` marks the order paid and issues one code per unit in the same
  transaction. Each charge applies once: a replayed notice finds the order paid with
  that charge and changes nothing. Money that cannot buy anything (a hold that ran out
  and the stock is gone, a second charge for a paid order, a wrong amount) becomes a
  refund rather than silence.
- Holds that run out are released by `release_expired_holds` (a scheduler job) and lazily,
  whenever a buyer finds a deal sold out. `claim_expired_holds` then hands each expired
  order once to the job that closes its payment, owing its buyer the news (the outbox).
- Coupons (`services.marketing.coupons.at_checkout`): the order's coupon is held in the
  order's transaction (available -> held; the best one unless the buyer chose), used when
  the order is paid, and given back when the order is cancelled or expires.
  `Order.discount` is what it took off and `Order.total` what the buyer pays (never below
  one minor unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    null,
    or_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual
from services.ledger.books import entry_with_lines
from services.ledger.sales import (
    SALE_COLUMNS,
    post_payment,
    post_sale,
    post_unusable_payment,
    read_split,
    sale_of,
    sale_posting,
)
from services.marketing.coupons.at_checkout import (
    CouponUnavailable,
    coupon_used,
    hold_for_order,
    release_coupon,
    use_coupon,
)
from services.orders.codes import (
    codes_key,
    issue_codes,
    issue_codes_params,
    issue_codes_writes,
    owe_codes,
)
from services.orders.groups import (
    JOIN_MARGIN,
    MIN_WINDOW,
    group_closes,
    join_paid,
    member_elsewhere,
    open_group,
    release_seat,
    reseat,
    take_seat,
)
from services.payments.base import PaymentLink, PaymentNotice
from services.platform.database import Database, joined, run_prebuilt
from services.platform.events import event_of_deal, log_event
from services.platform.outbox import owe, owed_params, owed_row
from storage.models import (
    BuyGroup,
    CodeStatus,
    Coupon,
    CouponStatus,
    Deal,
    DealStatus,
    GroupStatus,
    Merchant,
    MerchantStatus,
    Order,
    OrderStatus,
    OutboxMessage,
    RedemptionCode,
    Refund,
    User,
)

DEFAULT_HOLD = timedelta(minutes=15)
TELL_EXPIRY_WITHIN = timedelta(days=1)  # a hold that ran out longer ago goes untold
MAX_QUANTITY = 20  # per order, whatever the stock and limit

# The hot paths (ordering, paying) run prebuilt Core statements on a bare connection
# (`Database.begin`): several times cheaper than ORM sessions, same SQL on both databases.
_DEALS, _ORDERS, _CODES, _USERS, _MERCHANTS, _COUPONS = (
    Deal.__table__, Order.__table__, RedemptionCode.__table__, User.__table__,  # type: ignore[attr-defined]
    Merchant.__table__, Coupon.__table__,  # type: ignore[attr-defined]
)
_HOLD = (
    update(_DEALS)
    .where(
        _DEALS.c.id == bindparam("deal"),
        _DEALS.c.status == DealStatus.ACTIVE,
        _DEALS.c.valid_until > bindparam("now"),
        or_(_DEALS.c.stock.is_(None), _DEALS.c.stock >= bindparam("quantity")),
        select(_MERCHANTS.c.id).where(_MERCHANTS.c.id == _DEALS.c.merchant_id,
                                      _MERCHANTS.c.status == MerchantStatus.APPROVED).exists(),
    )
    .values(stock=_DEALS.c.stock - bindparam("quantity"))  # NULL (unlimited) stays NULL
    .returning(_DEALS.c.price, _DEALS.c.currency, _DEALS.c.per_user_limit, _DEALS.c.title_zh,
               _DEALS.c.title_en, _DEALS.c.refund_policy, _DEALS.c.merchant_id,
               _DEALS.c.group_size, _DEALS.c.group_price, _DEALS.c.group_hours,
               _DEALS.c.valid_until)
)
_PENDING_UNITS, _OWNED_UNITS, _WAITING_UNITS = (
    select(func.coalesce(func.sum(_ORDERS.c.quantity), 0)).where(
        _ORDERS.c.user_id == bindparam("user"), _ORDERS.c.deal_id == bindparam("deal"),
        _ORDERS.c.status == OrderStatus.PENDING).scalar_subquery(),
    select(func.count()).select_from(_CODES).where(
        _CODES.c.user_id == bindparam("user"), _CODES.c.deal_id == bindparam("deal"),
        _CODES.c.status != CodeStatus.VOID).scalar_subquery(),
    # paid into a 拼团 group that has not filled: no codes yet
    select(func.coalesce(func.sum(_ORDERS.c.quantity), 0)).where(
        _ORDERS.c.user_id == bindparam("user"), _ORDERS.c.deal_id == bindparam("deal"),
        _ORDERS.c.status == OrderStatus.PAID, _ORDERS.c.group_id.is_not(None),
        ~select(_CODES.c.id).where(_CODES.c.order_id == _ORDERS.c.id).exists(),
    ).scalar_subquery(),
)
# May they hold a coupon of the deal's merchant? When not (most buyers), the coupon
# query of `hold_for_order` is skipped: a round trip less.
_MAY_HAVE_COUPON = select(_COUPONS.c.id).where(
    _COUPONS.c.user_id == bindparam("user"), _COUPONS.c.status == CouponStatus.AVAILABLE,
    _COUPONS.c.merchant_id == select(_DEALS.c.merchant_id).where(
        _DEALS.c.id == bindparam("deal")).scalar_subquery(),
).exists()
_HELD_OR_OWNED = select(_USERS.c.telegram_id, _PENDING_UNITS, _OWNED_UNITS, _WAITING_UNITS,
                        _MAY_HAVE_COUPON).where(_USERS.c.id == bindparam("user"))
_AT = _ORDERS.c.created_at.type
# PostgreSQL: the order of a buyer whose limit has room for it and who holds no coupon
# of the merchant (most buyers), written by one statement that reads the limit's
# figures too; it returns the order's id and the buyer's Telegram id. When it writes
# nothing, the long way (`_HELD_OR_OWNED`, the coupon, `_NEW_ORDER`) says why, or takes
# the coupon.
_NEW_ORDER_IF_ROOM = insert(_ORDERS).from_select(
    ["user_id", "deal_id", "quantity", "unit_price", "discount", "total", "currency",
     "status", "refunded", "expires_at", "coupon_id", "group_id", "created_at",
     "updated_at"],
    select(_USERS.c.id, bindparam("deal", type_=Integer), bindparam("quantity", type_=Integer),
           bindparam("price", type_=Integer), literal(0), bindparam("total", type_=Integer),
           bindparam("currency", type_=String), literal(str(OrderStatus.PENDING), String),
           literal(0),
           bindparam("expires", type_=_AT), null(), null(), bindparam("now", type_=_AT),
           bindparam("now", type_=_AT))
    .where(_USERS.c.id == bindparam("user", type_=Integer),
           _PENDING_UNITS + _OWNED_UNITS + _WAITING_UNITS + bindparam("quantity", type_=Integer)
           <= bindparam("limit", type_=Integer),
           or_(bindparam("no_coupon", type_=Boolean), ~_MAY_HAVE_COUPON)),
).returning(_ORDERS.c.id, select(_USERS.c.telegram_id).where(
    _USERS.c.id == bindparam("user", type_=Integer)).scalar_subquery())
_NEW_ORDER = insert(_ORDERS).returning(_ORDERS.c.id)
_PAY_PENDING = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("order"), _ORDERS.c.status == OrderStatus.PENDING,
           _ORDERS.c.total == bindparam("amount"), _ORDERS.c.currency == bindparam("cur"))
    .values(status=OrderStatus.PAID, paid_at=bindparam("now"), updated_at=bindparam("now"),
            charge_id=bindparam("charge"), provider=bindparam("by"))
)
_PAID_COLUMNS = (_ORDERS.c.deal_id, _ORDERS.c.user_id, _ORDERS.c.quantity,
                 _ORDERS.c.unit_price, _ORDERS.c.total, _ORDERS.c.currency,
                 _ORDERS.c.expires_at, _ORDERS.c.provider_ref, _ORDERS.c.discount,
                 _ORDERS.c.coupon_id, _ORDERS.c.group_id)
_PAY = _PAY_PENDING.returning(*_PAID_COLUMNS)
# On PostgreSQL the UPDATE returns how the order's money splits too (the ledger's
# `SALE_COLUMNS`), saving a query; SQLAlchemy writes SQLite's RETURNING with unqualified
# names, which its subqueries cannot use, so there the split is read after.
_BUYER_TELEGRAM_ID = select(_USERS.c.telegram_id).where(
    _USERS.c.id == _ORDERS.c.user_id).scalar_subquery()
_PAY_AND_SPLIT = _PAY.returning(*SALE_COLUMNS, _BUYER_TELEGRAM_ID)
_TITLES = select(_DEALS.c.title_zh, _DEALS.c.title_en, _DEALS.c.refund_policy).where(
    _DEALS.c.id == bindparam("deal"))
# PostgreSQL pays an order that is not in a 拼团 group in two statements, neither in a
# transaction of its own (a BEGIN and a COMMIT fewer: a payment alone is 5-9% quicker on
# one machine, more with the database across a network). `_PAYABLE` reads what paying
# needs (the order, its money's split, the buyer's chat); then `_PAY_AT_ONCE` marks it
# paid (`_PAID`: only if it is still pending, at this amount and with the coupon that
# was read) and, in the same statement, writes what paying writes, each only if it did:
# the codes and the deal's sold count, the coupon used, the buyer's message owed, the
# buy event and the ledger entry. It returns the deal's title and refund policy, and
# whether it paid. One statement is one transaction: all of it happens, or none.
_PAYABLE = select(_ORDERS.c.status, *_PAID_COLUMNS, *SALE_COLUMNS, _BUYER_TELEGRAM_ID).where(
    _ORDERS.c.id == bindparam("order"))
_PAID = _PAY_PENDING.where(
    _ORDERS.c.coupon_id.is_not_distinct_from(bindparam("coupon", type_=Integer)),
    _ORDERS.c.group_id.is_(None),
).returning(_ORDERS.c.id).cte("paid")
_WHEN_PAID = select(_PAID.c.id).exists()
_PAY_AT_ONCE = joined(
    _TITLES.add_columns(select(func.count()).select_from(_PAID).scalar_subquery()
                        .label("paid")),
    *issue_codes_writes(_WHEN_PAID), coupon_used(_WHEN_PAID), owed_row(_WHEN_PAID),
    event_of_deal(_WHEN_PAID), entry_with_lines(_WHEN_PAID))
_TELEGRAM_ID = select(_USERS.c.telegram_id).where(_USERS.c.id == bindparam("user"))
_DELIVERED = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("order"), _ORDERS.c.status == OrderStatus.PAID)
    .values(status=OrderStatus.FULFILLED, updated_at=bindparam("now"))
)


@dataclass(frozen=True)
class OrderView:
    """An order as the buyer and the payment flow see it."""

    id: int
    user_id: int
    user_telegram_id: int
    deal_id: int
    deal_title: Bilingual
    quantity: int
    unit_price: int
    total: int
    currency: str
    status: str
    expires_at: datetime
    provider: str | None
    provider_ref: str | None
    refund_policy: str
    discount: int = 0  # what the coupon took off (total = unit_price * quantity - discount)
    coupon_id: int | None = None
    group_id: int | None = None  # its 拼团 group (codes are issued when the group fills)


@dataclass(frozen=True)
class BuyLimits:
    """How many units this person may buy now, and why not more."""

    can_buy: int  # 0 when nothing can be bought
    reason: str | None  # deal_gone, sold_out, limit_reached when can_buy is 0
    stock: int | None
    bought: int  # units already bought or held by this person
    per_user_limit: int

    def refusal(self, quantity: float) -> str | None:
        """Why `quantity` units cannot be ordered now, or None when they can:
        bad_quantity (not a whole number from 1 up), limit_reached (over what the
        per-person limit leaves), not_enough (over the stock left), too_many (over
        `MAX_QUANTITY` per order), or `reason` when nothing can be bought. `can_buy`
        is the most that can."""
        if quantity != int(quantity) or quantity < 1:
            return "bad_quantity"
        if self.can_buy == 0:
            return self.reason or "deal_gone"
        if quantity <= self.can_buy:
            return None
        if self.can_buy == self.per_user_limit - self.bought:
            return "limit_reached"
        if self.stock is not None and self.can_buy == self.stock:
            return "not_enough"
        return "too_many"


@dataclass(frozen=True)
class OrderStart:
    """What `start_order` did: an order, or the reason there is none."""

    order: OrderView | None
    reason: str | None = None  # bad_quantity, deal_gone, sold_out, not_enough, limit_reached,
    #     coupon_unavailable (the coupon asked for cannot be used); for a 拼团 seat:
    #     not_group_deal, no_such_group, group_full, group_closed (not taking anyone now),
    #     already_member, deal_ending (too near the deal's end for a new group to run)
    can_buy: int = 0  # how many could be bought instead, when the answer is no
    limit: int = 0  # the deal's per-person limit, when that is the answer (limit_reached)


@dataclass(frozen=True)
class PaymentResult:
    """What applying a payment notice did."""

    outcome: str  # paid, duplicate, refund, unknown
    order: OrderView | None = None
    refund_id: int | None = None  # a refund to carry out (outcome "refund")
    reason: str | None = None  # why the money goes back (late_payment, double_payment, ...)
    # What the payment owes through the outbox, the payer's first: their codes, or (a 拼团
    # group not full yet) the news that they are in; a group it filled owes every member
    # their codes.
    owed_keys: tuple[str, ...] = ()


class _Reseat(Exception):
    """The paid order's 拼团 group takes no members any more: roll back, find another."""


# ------------------------------------------------------------------ reading orders


# An order as `OrderView` shows it, in its field order (the deal's title in two).
_ORDER_VIEWED = select(
    _ORDERS.c.id, _ORDERS.c.user_id, _USERS.c.telegram_id, _ORDERS.c.deal_id,
    _DEALS.c.title_zh, _DEALS.c.title_en, _ORDERS.c.quantity, _ORDERS.c.unit_price,
    _ORDERS.c.total, _ORDERS.c.currency, _ORDERS.c.status, _ORDERS.c.expires_at,
    _ORDERS.c.provider, _ORDERS.c.provider_ref, _DEALS.c.refund_policy, _ORDERS.c.discount,
    _ORDERS.c.coupon_id, _ORDERS.c.group_id,
).select_from(_ORDERS.join(_DEALS, _DEALS.c.id == _ORDERS.c.deal_id)
              .join(_USERS, _USERS.c.id == _ORDERS.c.user_id))
_ORDER_BY_ID = _ORDER_VIEWED.where(_ORDERS.c.id == bindparam("order"))
_ORDER_BY_REF = _ORDER_VIEWED.where(_ORDERS.c.provider == bindparam("provider"),
                                    _ORDERS.c.provider_ref == bindparam("ref"))


def _view_of(row: Sequence[Any]) -> OrderView:
    """The view of a row of `_ORDER_VIEWED`."""
    (order_id, user_id, telegram_id, deal_id, title_zh, title_en, *rest) = row
    return OrderView(order_id, user_id, telegram_id, deal_id, Bilingual(title_zh, title_en),
                     *rest)


async def _order_view(session: object, order_id: int) -> OrderView | None:
    """The order as `session`'s transaction sees it, or None."""
    conn = await session.connection()  # type: ignore[attr-defined]
    row = (await conn.execute(_ORDER_BY_ID, {"order": order_id})).first()
    return _view_of(row) if row is not None else None


async def get_order(db: Database, order_id: int) -> OrderView | None:
    """The order with this id, or None."""
    async with db.reading() as conn:
        row = (await run_prebuilt(conn, _ORDER_BY_ID, {"order": order_id})).first()
    return _view_of(row) if row is not None else None


async def order_by_ref(db: Database, provider: str, provider_ref: str) -> OrderView | None:
    """The order a provider's session or token belongs to, or None."""
    async with db.reading() as conn:
        row = (await run_prebuilt(conn, _ORDER_BY_REF,
                                  {"provider": provider, "ref": provider_ref})).first()
    return _view_of(row) if row is not None else None


# ------------------------------------------------------------------ ordering

# Whether a deal sells (`_sellable`) and how much: its row's facts and its merchant's
# status (no row: no such deal).
_SELLING = select(
    _DEALS.c.status, _DEALS.c.valid_until, _DEALS.c.stock, _DEALS.c.per_user_limit,
    _MERCHANTS.c.status.label("merchant_status"),
).select_from(_DEALS.join(_MERCHANTS, _MERCHANTS.c.id == _DEALS.c.merchant_id)).where(
    _DEALS.c.id == bindparam("deal"))
# `buy_limits` in one read: `_SELLING`, the units the buyer holds, owns or waits for
# (as `_HELD_OR_OWNED` counts them), and whether any hold of the deal ran out unreleased.
_LIMITS = _SELLING.add_columns(
    _PENDING_UNITS, _OWNED_UNITS, _WAITING_UNITS,
    select(_ORDERS.c.id).where(
        _ORDERS.c.deal_id == bindparam("deal"), _ORDERS.c.status == OrderStatus.PENDING,
        _ORDERS.c.expires_at <= bindparam("now")).exists(),
)


def _sellable(deal: Sequence[Any] | None, now: datetime) -> bool:
    """Whether the deal of a `_SELLING` row (None: no such deal) is for sale at `now`."""
    if deal is None:
        return False
    status, valid_until, _stock, _limit, merchant_status = deal[:5]
    return (status == DealStatus.ACTIVE and merchant_status == MerchantStatus.APPROVED
            and valid_until > now)


async def buy_limits(db: Database, user_id: int, deal_id: int, now: datetime) -> BuyLimits:
    """How many units of a deal this person can buy right now (holds of the deal that
    ran out are released first)."""
    params = {"user": user_id, "deal": deal_id, "now": now}
    async with db.reading() as conn:
        row = (await run_prebuilt(conn, _LIMITS, params)).first()
    if row is not None and row[-1]:
        await release_expired_holds(db, now, deal_id)
        async with db.reading() as conn:
            row = (await run_prebuilt(conn, _LIMITS, params)).first()
    if not _sellable(row, now):
        return BuyLimits(0, "deal_gone", None, 0, 0)
    assert row is not None
    _status, _valid_until, stock, per_user_limit, _merchant_status = row[:5]
    bought = int(row[5]) + int(row[6]) + int(row[7])
    room = max(0, per_user_limit - bought)
    can = min(room, MAX_QUANTITY, stock if stock is not None else MAX_QUANTITY)
    reason = None
    if can == 0:
        reason = "sold_out" if stock == 0 else "limit_reached"
    return BuyLimits(can, reason, stock, bought, per_user_limit)


async def start_order(
    db: Database, user_id: int, deal_id: int, quantity: int, now: datetime,
    hold: timedelta = DEFAULT_HOLD, coupon_id: int | Literal["best"] | None = "best",
    group: int | Literal["new"] | None = None,
) -> OrderStart:
    """Hold `quantity` units for this person and open a pending order for them.

    `coupon_id`: "best" applies the buyer's best coupon of the deal's merchant (if any),
    an id applies exactly that coupon (or refuses with `coupon_unavailable`), None none.
    `group`: buy at the group price (拼团, `services.orders.groups`) with a seat in this
    group, or in a new group ("new") the buyer opens; no coupon applies then, and the hold
    never outlasts the group's window.
    """
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not (
        1 <= quantity <= MAX_QUANTITY
    ):
        return OrderStart(None, "bad_quantity")
    for attempt in range(2):
        start = await _try_start(db, user_id, deal_id, quantity, now, hold, coupon_id, group)
        if start.reason not in ("sold_out", "not_enough") or attempt:
            return start
        # Maybe abandoned holds are keeping the stock: release them and try once more.
        if not await release_expired_holds(db, now, deal_id):
            return start
    return start  # pragma: no cover - the loop always returns


class _Refused(Exception):
    """Raised inside the order transaction to roll the stock hold back."""

    def __init__(self, answer: OrderStart) -> None:
        self.answer = answer


async def _try_start(
    db: Database, user_id: int, deal_id: int, quantity: int, now: datetime, hold: timedelta,
    coupon_id: int | Literal["best"] | None, group: int | Literal["new"] | None,
) -> OrderStart:
    try:
        started = await _start_in_transaction(db, user_id, deal_id, quantity, now, hold,
                                              coupon_id, group)
    except _Refused as refused:
        if refused.answer.reason == "no_seat" and isinstance(group, int):
            return OrderStart(None, await _why_no_seat(db, group, deal_id, now))
        if refused.answer.reason == "no_stock":
            return await _why_not(db, deal_id, now)
        return refused.answer
    # Explained only after the transaction: a second connection while holding SQLite's
    # write lock could wait on buyers who wait on us.
    return started if started is not None else await _why_not(db, deal_id, now)


async def _start_in_transaction(
    db: Database, user_id: int, deal_id: int, quantity: int, now: datetime, hold: timedelta,
    coupon_id: int | Literal["best"] | None, group: int | Literal["new"] | None,
) -> OrderStart | None:
    """The order, or None when the stock could not be held."""
    async with db.begin() as conn:
        closes_at = None
        if isinstance(group, int):
            # A seat in the group first (locks: group, then deal), or no order at all.
            closes_at = await take_seat(conn, group, deal_id, now)
            if closes_at is None:
                raise _Refused(OrderStart(None, "no_seat"))
        # Take the deal row: it is the queue every buyer of this deal waits in, so
        # the limit check below sees every earlier buyer's committed order.
        held = (await run_prebuilt(conn, _HOLD, {"deal": deal_id, "now": now,
                                           "quantity": quantity})).first()
        if held is None:
            if group is not None:
                raise _Refused(OrderStart(None, "no_stock"))  # the seat goes back
            return None
        (price, currency, limit, title_zh, title_en, policy, merchant_id, group_size,
         group_price, group_hours, valid_until) = held

        def started(order_id: int, telegram_id: int, price: int, discount: int,
                    coupon_id: int | None, group_id: int | None,
                    expires_at: datetime) -> OrderStart:
            return OrderStart(OrderView(
                id=order_id, user_id=user_id, user_telegram_id=telegram_id,
                deal_id=deal_id, deal_title=Bilingual(title_zh, title_en),
                quantity=quantity, unit_price=price, total=price * quantity - discount,
                currency=currency, status=OrderStatus.PENDING, expires_at=expires_at,
                provider=None, provider_ref=None, refund_policy=policy, discount=discount,
                coupon_id=coupon_id, group_id=group_id))

        if group is None and coupon_id in ("best", None) and db.dialect == "postgresql":
            made = (await run_prebuilt(conn, _NEW_ORDER_IF_ROOM, {
                "user": user_id, "deal": deal_id, "quantity": quantity, "price": price,
                "total": price * quantity, "currency": currency, "expires": now + hold,
                "now": now, "limit": limit, "no_coupon": coupon_id is None})).first()
            if made is not None:
                return started(made[0], made[1], price, 0, None, None, now + hold)
        row = (await conn.execute(_HELD_OR_OWNED, {"user": user_id, "deal": deal_id})).first()
        if row is None:
            raise _Refused(OrderStart(None, "deal_gone"))  # no such person
        telegram_id, pending, owned, waiting, may_have_coupon = row
        bought = int(pending) + int(owned) + int(waiting)
        if bought + quantity > limit:
            raise _Refused(OrderStart(None, "limit_reached",  # the rollback frees the stock
                                      can_buy=max(0, limit - bought), limit=limit))
        expires_at = now + hold
        group_id = None
        if group is not None:
            if group_size is None or group_price is None or group_hours is None:
                raise _Refused(OrderStart(None, "not_group_deal"))
            price, coupon_id = group_price, None
            if group == "new":
                closes_at = group_closes(now, group_hours, valid_until)
                if closes_at - now < MIN_WINDOW:
                    raise _Refused(OrderStart(None, "deal_ending"))
                group_id = await open_group(conn, deal_id, user_id, group_size, closes_at, now)
            else:
                if await member_elsewhere(conn, group, user_id):
                    raise _Refused(OrderStart(None, "already_member"))
                group_id = group
            assert closes_at is not None
            expires_at = min(expires_at, closes_at)
        subtotal = price * quantity
        try:
            coupon = await hold_for_order(
                conn, user_id=user_id, merchant_id=merchant_id, currency=currency,
                subtotal=subtotal, now=now,
                choice=coupon_id if may_have_coupon or coupon_id != "best" else None)
        except CouponUnavailable:
            raise _Refused(OrderStart(None, "coupon_unavailable")) from None
        discount = coupon.discount if coupon else 0
        order_id = (await conn.execute(_NEW_ORDER, {
            "user_id": user_id, "deal_id": deal_id, "quantity": quantity,
            "unit_price": price, "discount": discount, "total": subtotal - discount,
            "currency": currency, "status": OrderStatus.PENDING, "refunded": 0,
            "expires_at": expires_at, "coupon_id": coupon.coupon_id if coupon else None,
            "group_id": group_id, "created_at": now, "updated_at": now,
        })).scalar_one()
        return started(order_id, telegram_id, price, discount,
                       coupon.coupon_id if coupon else None, group_id, expires_at)


async def _why_no_seat(db: Database, group_id: int, deal_id: int, now: datetime) -> str:
    """Why no seat of this group could be taken: no_such_group (not one of this deal's),
    group_full (every seat held), group_closed (filled, failed, or closing too soon)."""
    async with db.begin() as conn:
        row = (await conn.execute(
            select(BuyGroup.status, BuyGroup.held, BuyGroup.size, BuyGroup.closes_at)
            .where(col(BuyGroup.id) == group_id, col(BuyGroup.deal_id) == deal_id))).first()
    if row is None:
        return "no_such_group"
    status, held, size, closes_at = row
    if status == GroupStatus.OPEN and closes_at > now + JOIN_MARGIN and held >= size:
        return "group_full"
    return "group_closed"


async def _why_not(db: Database, deal_id: int, now: datetime) -> OrderStart:
    """Why the stock could not be held: gone, sold out, or fewer left than asked."""
    async with db.reading() as conn:
        deal = (await run_prebuilt(conn, _SELLING, {"deal": deal_id})).first()
    if not _sellable(deal, now):
        return OrderStart(None, "deal_gone")
    assert deal is not None
    stock = deal.stock
    if not stock:
        return OrderStart(None, "sold_out")
    return OrderStart(None, "not_enough", can_buy=stock)


_PAYMENT_ATTACHED = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("order"), _ORDERS.c.status == OrderStatus.PENDING)
    .values(provider=bindparam("by"), provider_ref=bindparam("ref"), updated_at=bindparam("now"))
)


async def attach_payment(db: Database, order_id: int, link: PaymentLink, now: datetime) -> bool:
    """Remember which provider session pays this pending order."""
    async with db.single() as conn:
        result = await run_prebuilt(conn, _PAYMENT_ATTACHED, {
            "order": order_id, "by": link.provider, "ref": link.provider_ref, "now": now})
    return bool(result.rowcount == 1)


async def cancel_order(db: Database, order_id: int, user_id: int, now: datetime) -> bool:
    """The buyer gives up a pending order; its stock goes back. False if not pending."""
    async with db.transaction() as session:
        return await _close_pending(session, order_id, OrderStatus.CANCELLED, now,
                                    extra=col(Order.user_id) == user_id)


async def _close_pending(
    session: object, order_id: int, status: str, now: datetime, extra: object = True,
) -> bool:
    """pending -> expired/cancelled, returning the held stock (and 拼团 seat) and giving
    the held coupon back. False if not pending."""
    result = await session.exec(  # type: ignore[attr-defined]
        update(Order)
        .where(col(Order.id) == order_id, col(Order.status) == OrderStatus.PENDING, extra)
        .values(status=status, updated_at=now)
        .returning(Order.deal_id, Order.quantity, Order.coupon_id, Order.group_id)
    )
    row = result.first()
    if row is None:
        return False
    deal_id, quantity, coupon_id, group_id = row
    # Locks in the group order (orders, group, deal): the seat before the stock.
    await release_seat(await session.connection(), group_id)  # type: ignore[attr-defined]
    await session.exec(  # type: ignore[attr-defined]
        update(Deal).where(col(Deal.id) == deal_id, col(Deal.stock).is_not(None))
        .values(stock=col(Deal.stock) + quantity)
    )
    await release_coupon(await session.connection(), coupon_id, now)  # type: ignore[attr-defined]
    return True


# Pending orders whose hold ran out (a page of them), of any deal or of one.
_HOLDS_RUN_OUT = select(_ORDERS.c.id).where(
    _ORDERS.c.status == OrderStatus.PENDING, _ORDERS.c.expires_at <= bindparam("now"),
).limit(1000)
_HOLDS_OF_DEAL_RUN_OUT = select(_ORDERS.c.id).where(
    _ORDERS.c.status == OrderStatus.PENDING, _ORDERS.c.expires_at <= bindparam("now"),
    _ORDERS.c.deal_id == bindparam("deal"),
).limit(1000)


async def release_expired_holds(db: Database, now: datetime, deal_id: int | None = None) -> int:
    """Expire pending orders whose hold ran out (of one deal, or all); stock goes back."""
    async with db.reading() as conn:
        rows = (await run_prebuilt(
            conn, _HOLDS_RUN_OUT if deal_id is None else _HOLDS_OF_DEAL_RUN_OUT,
            {"now": now, "deal": deal_id})).all()
    ids = [row[0] for row in rows]
    released = 0
    for order_id in ids:
        async with db.transaction() as session:
            released += await _close_pending(session, order_id, OrderStatus.EXPIRED, now)
    return released


@dataclass(frozen=True)
class ExpiredHold:
    """An order whose hold ran out, claimed for telling its buyer (`claim_expired_holds`)."""

    order: OrderView
    superseded: bool  # the buyer has ordered the same deal again since: nothing to tell


def hold_expired_key(order_id: int) -> str:
    """The outbox key of the buyer's news that their unpaid order ran out."""
    return f"hold_expired:{order_id}"


async def claim_expired_holds(db: Database, now: datetime, limit: int = 200) -> list[ExpiredHold]:
    """Orders expired but not yet announced to their buyer, each marked told as it is
    claimed, so the buyer hears of it once (however it expired: the housekeeping job or
    lazily when someone bought the deal). The claim's transaction owes the buyer the
    news (an outbox row, `hold_expired_key`) unless they have ordered the deal again
    since; a crash before the claim leaves the order to the next one. Holds that ran
    out more than `TELL_EXPIRY_WITHIN` ago are left unannounced: the news would be stale."""
    async with db.session() as session:
        ids = list((await session.exec(
            select(Order.id).where(
                Order.status == OrderStatus.EXPIRED, col(Order.expiry_told_at).is_(None),
                col(Order.expires_at) > now - TELL_EXPIRY_WITHIN,
            ).order_by(col(Order.id)).limit(limit)
        )).all())
    claimed: list[ExpiredHold] = []
    for order_id in ids:
        async with db.transaction() as session:
            row = (await session.exec(  # type: ignore[call-overload]
                update(Order)
                .where(col(Order.id) == order_id, col(Order.expiry_told_at).is_(None))
                .values(expiry_told_at=now)
                .returning(Order.user_id, Order.deal_id, Order.created_at)
            )).first()
            if row is None:
                continue  # another round claimed it
            user_id, deal_id, created_at = row
            newer = (await session.exec(
                select(Order.id).where(Order.user_id == user_id, Order.deal_id == deal_id,
                                       col(Order.created_at) > created_at).limit(1)
            )).first()
            view = await _order_view(session, order_id)
            if view is not None and newer is None:
                await owe(db, await session.connection(), view.user_telegram_id,
                          "hold_expired", {"order_id": order_id}, hold_expired_key(order_id),
                          now)
        if view is not None:
            claimed.append(ExpiredHold(view, superseded=newer is not None))
    return claimed


# ------------------------------------------------------------------ paying


def precheck_problem(order: OrderView | None, amount: int, currency: str,
                     now: datetime) -> str | None:
    """Why a payment for this order must not go ahead now (None: it may)."""
    if order is None:
        return "unknown_order"
    if order.status != OrderStatus.PENDING:
        return "paid_already" if order.status in (OrderStatus.PAID, OrderStatus.FULFILLED) \
            else "order_closed"
    if order.expires_at <= now:
        return "order_expired"
    if amount != order.total or currency.upper() != order.currency:
        return "amount_changed"
    return None


async def apply_payment(db: Database, notice: PaymentNotice, now: datetime) -> PaymentResult:
    """Mark the order paid and issue its codes, once per charge, whatever arrives twice."""
    try:
        paid = await (_pay_at_once(db, notice, now) if db.dialect == "postgresql"
                      else _pay_in_transaction(db, notice, now))
        if paid is not None:
            return paid
    except IntegrityError:
        # The charge id is unique: this charge was applied (to some order) already.
        pass
    except _Reseat:
        pass  # rolled back: the order is still pending; a seat elsewhere, or a refund
    return await _settle_unusable(db, notice, now)


async def _pay_at_once(db: Database, notice: PaymentNotice,
                       now: datetime) -> PaymentResult | None:
    """PostgreSQL: pay a pending order in two statements (`_PAYABLE`, `_PAY_AT_ONCE`);
    an order in a 拼团 group the long way (`_pay_in_transaction`). None when the notice
    did not simply pay a pending order."""
    async with db.single() as conn:
        row = (await run_prebuilt(conn, _PAYABLE, {"order": notice.order_id})).first()
        if (row is None or row.status != OrderStatus.PENDING or row.total != notice.amount
                or row.currency != notice.currency.upper()):
            return None
        deal_id, user_id, quantity, unit_price, total, currency = row[1:7]
        coupon_id, group_id = row[10:12]
        if group_id is None:
            sale = sale_of((notice.order_id, total, unit_price, quantity, currency, user_id,
                            *row[12:-1]))
            # A ledger account this opens (a merchant's first sale) commits by itself,
            # paid or not: an account without lines is nothing.
            posting = await sale_posting(db, conn, sale, notice.provider, now)
            assert posting is not None  # the cash line: a total is never zero
            *titles, paid = (await run_prebuilt(conn, _PAY_AT_ONCE, {
                "order": notice.order_id, "amount": total, "cur": currency, "now": now,
                "charge": notice.charge_id, "by": notice.provider, "coupon": coupon_id,
                **posting, **issue_codes_params(notice.order_id, deal_id, user_id, quantity,
                                                now),
                **owed_params(row[-1], "codes", {"order_id": notice.order_id},
                              codes_key(notice.order_id)),
                "event_user": user_id, "event_kind": "buy"})).one()
    if group_id is not None:
        return await _pay_in_transaction(db, notice, now)
    if not paid:  # it changed since it was read: paid, closed or repriced meanwhile
        return None
    return _paid(notice, row[1:12], row[-1], titles, (codes_key(notice.order_id),))


async def _pay_in_transaction(db: Database, notice: PaymentNotice,
                              now: datetime) -> PaymentResult | None:
    """Pay a pending order in one transaction (SQLite; on PostgreSQL an order in a 拼团
    group). None when the notice did not simply pay a pending order."""
    async with db.begin() as conn:
        returns_split = db.dialect == "postgresql"
        paid = (await run_prebuilt(conn, _PAY_AND_SPLIT if returns_split else _PAY, {
            "order": notice.order_id, "amount": notice.amount,
            "cur": notice.currency.upper(), "now": now, "charge": notice.charge_id,
            "by": notice.provider,
        })).first()
        if paid is None:
            return None
        deal_id, user_id, quantity, unit_price, total, currency = paid[:6]
        coupon_id, group_id = paid[9:11]
        if returns_split:
            split, telegram_id = paid[11:-1], paid[-1]
        else:
            split = await read_split(conn, notice.order_id)
            telegram_id = (await conn.execute(_TELEGRAM_ID, {"user": user_id})).scalar_one()
        sale = sale_of((notice.order_id, total, unit_price, quantity, currency, user_id,
                        *split))
        await use_coupon(conn, coupon_id, now)
        if group_id is None:
            titles = await issue_codes(conn, notice.order_id, deal_id, user_id, quantity, now)
            await owe_codes(db, conn, notice.order_id, telegram_id, now)
            owed: tuple[str, ...] = (codes_key(notice.order_id),)
        else:
            seated = await join_paid(db, conn, notice.order_id, group_id, telegram_id, now)
            if seated is None:
                raise _Reseat
            titles = (await conn.execute(_TITLES, {"deal": deal_id})).one()
            owed = seated.owed_keys
        await post_sale(db, conn, sale, notice.provider, now)
        await log_event(conn, "buy", now=now, user_id=user_id, deal_id=deal_id)
        return _paid(notice, paid[:11], telegram_id, titles, owed)


def _paid(notice: PaymentNotice, order: Sequence[Any], telegram_id: int,
          titles: Sequence[Any], owed: tuple[str, ...]) -> PaymentResult:
    """What paying an order did: the order (`order`: its `_PAID_COLUMNS`) now paid, with
    its deal's title and refund policy (`titles`), and the messages the payment owes."""
    (deal_id, user_id, quantity, unit_price, total, currency, expires_at, ref, discount,
     coupon_id, group_id) = order
    title_zh, title_en, policy = titles
    return PaymentResult("paid", OrderView(
        id=notice.order_id, user_id=user_id, user_telegram_id=telegram_id, deal_id=deal_id,
        deal_title=Bilingual(title_zh, title_en), quantity=quantity, unit_price=unit_price,
        total=total, currency=currency, status=OrderStatus.PAID, expires_at=expires_at,
        provider=notice.provider, provider_ref=ref, refund_policy=policy, discount=discount,
        coupon_id=coupon_id, group_id=group_id,
    ), owed_keys=owed)


async def _settle_unusable(db: Database, notice: PaymentNotice, now: datetime) -> PaymentResult:
    """A notice that did not simply pay a pending order: replay, late, double or wrong."""
    async with db.transaction() as session:
        order = await session.get(Order, notice.order_id)
        if order is None:
            return PaymentResult("unknown", reason="unknown_order")
        if order.charge_id == notice.charge_id:
            return PaymentResult("duplicate", await _order_view(session, order.id))
        applied = (
            await session.exec(select(Refund.id).where(Refund.charge_id == notice.charge_id))
        ).first()
        if applied is not None:
            return PaymentResult("duplicate", await _order_view(session, order.id))
        if (order.group_id is not None
                and order.status in (OrderStatus.PENDING, OrderStatus.EXPIRED)
                and notice.amount == order.total and notice.currency.upper() == order.currency):
            placed = await _pay_into_a_seat(db, session, order.id, notice, now)
            if placed is not None:
                return placed
            reason = "group_closed"
            await _close_pending(session, order.id, OrderStatus.EXPIRED, now)
        elif (order.status == OrderStatus.EXPIRED and notice.amount == order.total
                and notice.currency.upper() == order.currency):
            # Paid after the hold ran out: take the stock again if it is still there, and
            # the coupon the price was computed with, if it is still unused and good.
            taken = await session.exec(  # type: ignore[call-overload]
                update(Deal)
                .where(col(Deal.id) == order.deal_id, col(Deal.status) == DealStatus.ACTIVE,
                       col(Deal.valid_until) > now,
                       or_(col(Deal.stock).is_(None), col(Deal.stock) >= order.quantity))
                .values(stock=col(Deal.stock) - order.quantity)
            )
            coupon_ok = taken.rowcount == 1 and (
                order.coupon_id is None
                or await use_coupon(await session.connection(), order.coupon_id, now,
                                    from_status=CouponStatus.AVAILABLE))
            if taken.rowcount == 1 and not coupon_ok:  # the stock goes back: no sale
                await session.exec(  # type: ignore[call-overload]
                    update(Deal).where(col(Deal.id) == order.deal_id)
                    .values(stock=col(Deal.stock) + order.quantity))
            if coupon_ok:
                order.status = OrderStatus.PAID
                order.paid_at = order.updated_at = now
                order.charge_id = notice.charge_id
                order.provider = notice.provider
                await session.flush()
                await issue_codes(await session.connection(), order.id, order.deal_id,
                                   order.user_id, order.quantity, now)
                await post_payment(db, await session.connection(), order.id, now)
                view = await _order_view(session, order.id)
                assert view is not None
                await owe_codes(db, await session.connection(), order.id,
                                view.user_telegram_id, now)
                return PaymentResult("paid", view, owed_keys=(codes_key(order.id),))
            reason = "late_payment"
        elif order.status in (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED):
            reason = "double_payment"
        elif order.status == OrderStatus.PENDING:
            reason = "amount_changed"
        else:
            reason = "order_closed"
        refund = Refund(
            order_id=order.id, provider=notice.provider, charge_id=notice.charge_id,
            amount=notice.amount, currency=notice.currency.upper(), codes=0, reason=reason,
            created_at=now,
        )
        session.add(refund)
        await session.flush()
        assert refund.id is not None
        await post_unusable_payment(db, await session.connection(), refund.id,
                                    notice.provider, refund.amount, refund.currency, now)
        return PaymentResult("refund", await _order_view(session, order.id), refund.id, reason)


class _NoSeat(Exception):
    """No seat (or no stock) for a 拼团 payment: back to the savepoint."""


async def _pay_into_a_seat(db: Database, session: object, order_id: int,
                           notice: PaymentNotice, now: datetime) -> PaymentResult | None:
    """A 拼团 payment whose seat is gone (its group closed, or its hold ran out): the buyer
    gets a seat in their group if it still has room, else in the deal's open group nearest
    to filling, else in a new group they open (`groups.reseat`), and pays into it. None
    (nothing changed) when the deal cannot take them: the caller refunds."""
    conn = await session.connection()  # type: ignore[attr-defined]
    order = (await session.exec(  # type: ignore[attr-defined]
        select(Order).where(col(Order.id) == order_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True))).one()
    was_pending = order.status == OrderStatus.PENDING
    try:
        async with session.begin_nested():  # type: ignore[attr-defined]
            if was_pending:
                await release_seat(conn, order.group_id)  # maybe to be taken again below
            group_id = await reseat(conn, deal_id=order.deal_id, user_id=order.user_id,
                                    order_id=order.id, group_id=order.group_id, now=now)
            if group_id is None:
                raise _NoSeat
            if not was_pending:  # its stock went back with the hold: take it again
                taken = await conn.execute(
                    update(_DEALS)
                    .where(_DEALS.c.id == order.deal_id, _DEALS.c.status == DealStatus.ACTIVE,
                           _DEALS.c.valid_until > now,
                           or_(_DEALS.c.stock.is_(None), _DEALS.c.stock >= order.quantity))
                    .values(stock=_DEALS.c.stock - order.quantity))
                if taken.rowcount != 1:
                    raise _NoSeat
    except _NoSeat:
        return None
    order.status = OrderStatus.PAID
    order.paid_at = order.updated_at = now
    order.charge_id = notice.charge_id
    order.provider = notice.provider
    order.group_id = group_id
    await session.flush()  # type: ignore[attr-defined]
    await post_payment(db, conn, order.id, now)
    view = await _order_view(session, order.id)
    assert view is not None
    seated = await join_paid(db, conn, order.id, group_id, view.user_telegram_id, now)
    assert seated is not None  # a seat was taken in an open group in this transaction
    return PaymentResult("paid", view, owed_keys=seated.owed_keys)


async def mark_delivered(db: Database, order_id: int, now: datetime) -> bool:
    """paid -> fulfilled once the codes are in the buyer's chat."""
    async with db.single() as conn:
        result = await run_prebuilt(conn, _DELIVERED, {"order": order_id, "now": now})
        return bool(result.rowcount == 1)


async def owe_stranded_codes(db: Database, paid_before: datetime, now: datetime) -> int:
    """Owe the codes of paid orders that have no outbox row (paid before the outbox
    existed); returns how many. Orders with a row are left to it, whatever its state."""
    async with db.session() as session:
        paid = list((await session.exec(
            select(Order.id, User.telegram_id).join(User, col(User.id) == col(Order.user_id))
            .where(Order.status == OrderStatus.PAID, col(Order.group_id).is_(None),
                   and_(col(Order.paid_at).is_not(None), col(Order.paid_at) <= paid_before))
            .order_by(col(Order.id)).limit(500)
        )).all())
        if not paid:
            return 0
        keys = {codes_key(order_id) for order_id, _ in paid}
        known = set((await session.exec(select(OutboxMessage.dedupe_key).where(
            col(OutboxMessage.dedupe_key).in_(keys)))).all())
    stranded = [(o, chat) for o, chat in paid if codes_key(o) not in known]
    if stranded:
        async with db.begin() as conn:
            for order_id, chat_id in stranded:
                await owe_codes(db, conn, order_id, chat_id, now)
    return len(stranded)
