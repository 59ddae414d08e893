"""Redeeming codes at the counter: check, confirm once, undo a mis-scan, rate the visit.

Two phases, as Dianping's voucher API does it:
1. `check_code`: who is asking may redeem this code (owner or staff of the deal's own
   merchant, at a store the deal is valid at) and the code is valid now. It answers
   with what is being redeemed and a one-time request id.
2. `confirm`: carries that request id. The code moves issued -> redeemed in one
   conditional UPDATE, so a double tap, a retry or two staff at once redeem it once.

Staff of another merchant (and anyone else) get the same answer as for a code that
does not exist: they learn nothing about it. Every attempt is written to
`redemption_attempts` with who made it; five wrong codes within ten minutes lock that
person's redeeming for fifteen minutes. A wrong code is a well-formed one (its check
symbol right) that matches no code they may redeem: only those can guess at codes. A
typo the check symbol catches, or text that is no code at all, is answered but never
looked up, so it does not count. The merchant may undo a redemption within ten minutes.
The shopper is asked to rate a code's visit once (`ConfirmOutcome.ask_rating`), however
often it is undone and redeemed again.

An order paid with a free-item coupon (送可乐一杯) gets its item at the counter: the
code's view carries the item (`CodeAtCounter.free_item`) until one of the order's codes
is redeemed, so staff hand it over once per order, whichever code comes first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, insert, literal, or_, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual
from services.ledger.books import ENTRY_WITH_LINES
from services.ledger.sales import (
    PENDING_JSON,
    OrderFacts,
    open_units_of,
    settle_units,
    undo_settlement,
    unit_posting,
)
from services.orders.codes import ReadCode, read_code
from services.platform.database import Database, joined, run_prebuilt
from services.platform.events import EVENT_OF_CODE, log_event
from services.platform.metrics import REDEMPTIONS
from services.platform.outbox import OWED_ROW, owe, owed_params
from storage.models import (
    CodeStatus,
    Coupon,
    CouponKind,
    CouponTemplate,
    Deal,
    DealStore,
    Merchant,
    MerchantStaff,
    Order,
    RedemptionAttempt,
    RedemptionCode,
    RedemptionLock,
    RedemptionRequest,
    Store,
    User,
    VisitRating,
)

WRONG_CODES_ALLOWED = 5
WRONG_CODES_WINDOW = timedelta(minutes=10)
LOCK_FOR = timedelta(minutes=15)
UNDO_WITHIN = timedelta(minutes=10)
REQUEST_LIFETIME = timedelta(minutes=10)
_WRONG = ("unknown",)  # outcomes that count towards the lock: well-formed, yet no code


@dataclass(frozen=True)
class CodeAtCounter:
    """What staff see about a code they may redeem."""

    code_id: int
    code: str
    status: str
    deal_title: Bilingual
    merchant_id: int
    valid_from: datetime
    valid_until: datetime
    redeemed_at: datetime | None
    shopper_telegram_id: int
    shopper_name: str
    # The free item the order's coupon gives, while none of the order's other codes has
    # been redeemed (staff hand it over once per order); None for any other order.
    free_item: Bilingual | None = None


@dataclass(frozen=True)
class StoreChoice:
    """A store where this staff member may redeem this code."""

    id: int
    name: Bilingual


@dataclass(frozen=True)
class CheckOutcome:
    """The answer to phase one."""

    outcome: str  # ok, locked, not_staff, typo, unknown, wrong_store, redeemed, void,
    #               expired, not_yet, unreadable (nothing typed), not_a_code
    code: CodeAtCounter | None = None
    request_id: str | None = None
    stores: tuple[StoreChoice, ...] = ()
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ConfirmOutcome:
    """The answer to phase two (and to undo)."""

    outcome: str  # redeemed, replayed, taken, stale, wrong_store, expired, not_yet, undone,
    #               too_late
    code: CodeAtCounter | None = None
    store: StoreChoice | None = None
    ask_rating: bool = False  # redeemed, and the shopper was never asked to rate this code
    owed_key: str | None = None  # the outbox row telling the shopper (redeemed, undone)


async def is_staff(db: Database, user_id: int) -> bool:
    """Does this person work for (or own) any merchant?"""
    async with db.engine.connect() as conn:
        return bool((await conn.execute(_WHO, {"staff": user_id})).one()[1])


# The hot paths (check, confirm) run prebuilt Core statements on one connection.
_CODES, _DEALS, _USERS, _MERCHANTS, _STAFF, _STORES, _DEAL_STORES = (
    RedemptionCode.__table__, Deal.__table__, User.__table__,  # type: ignore[attr-defined]
    Merchant.__table__, MerchantStaff.__table__, Store.__table__,  # type: ignore[attr-defined]
    DealStore.__table__,  # type: ignore[attr-defined]
)
_LOCKS, _REQUESTS, _ATTEMPTS = (
    RedemptionLock.__table__, RedemptionRequest.__table__,  # type: ignore[attr-defined]
    RedemptionAttempt.__table__,  # type: ignore[attr-defined]
)
_STAFF_ID = bindparam("staff", type_=Integer)
_WHO = select(
    select(_LOCKS.c.locked_until).where(_LOCKS.c.user_id == _STAFF_ID).scalar_subquery(),
    or_(select(_STAFF.c.id).where(_STAFF.c.user_id == _STAFF_ID).exists(),
        select(_MERCHANTS.c.id).where(_MERCHANTS.c.owner_user_id == _STAFF_ID).exists()),
)
_ORDERS, _COUPONS, _TEMPLATES = (
    Order.__table__, Coupon.__table__, CouponTemplate.__table__,  # type: ignore[attr-defined]
)
_SIBLINGS = _CODES.alias("sibling")
_CODE_COLUMNS = (
    _CODES.c.id, _CODES.c.code, _CODES.c.status, _CODES.c.valid_from, _CODES.c.valid_until,
    _CODES.c.redeemed_at, _CODES.c.deal_id, _DEALS.c.merchant_id, _DEALS.c.title_zh,
    _DEALS.c.title_en, _USERS.c.telegram_id, _USERS.c.first_name, _TEMPLATES.c.item_zh,
    _TEMPLATES.c.item_en,
)
_AFTER_CODE = len(_CODE_COLUMNS)  # where the columns a statement adds begin
# The code, its deal and shopper, and the free item of its order's coupon (a free-item
# template only, and only while no other code of the order has been redeemed).
_CODE_ROWS = (
    _CODES.join(_DEALS, _DEALS.c.id == _CODES.c.deal_id)
    .join(_USERS, _USERS.c.id == _CODES.c.user_id)
    .join(_ORDERS, _ORDERS.c.id == _CODES.c.order_id)
    .outerjoin(_COUPONS, _COUPONS.c.id == _ORDERS.c.coupon_id)
    .outerjoin(_TEMPLATES, and_(
        _TEMPLATES.c.id == _COUPONS.c.template_id, _TEMPLATES.c.kind == CouponKind.FREE_ITEM,
        ~select(_SIBLINGS.c.id).where(_SIBLINGS.c.order_id == _CODES.c.order_id,
                                      _SIBLINGS.c.id != _CODES.c.id,
                                      _SIBLINGS.c.status == CodeStatus.REDEEMED).exists()))
)
_CODE_FOR_STAFF = (
    select(*_CODE_COLUMNS, _MERCHANTS.c.owner_user_id, _STAFF.c.id, _STAFF.c.store_id,
           *_WHO.selected_columns)
    .select_from(
        _CODE_ROWS.join(_MERCHANTS, _MERCHANTS.c.id == _DEALS.c.merchant_id)
        .outerjoin(_STAFF, and_(_STAFF.c.merchant_id == _DEALS.c.merchant_id,
                                _STAFF.c.user_id == _STAFF_ID))
    )
    .where(_CODES.c.code == bindparam("code"))
)
# PostgreSQL: and the stores where this person may redeem it, as one JSON array of
# [id, name_zh, name_en] (`_STORES_OF_DEAL`, tied to the staff member's store unless they
# own the merchant), saving that query.
_STORES_HERE = (
    select(func.json_agg(aggregate_order_by(
        func.json_build_array(_STORES.c.id, _STORES.c.name_zh, _STORES.c.name_en),
        _STORES.c.id)))
    .select_from(_STORES.join(_DEAL_STORES, _DEAL_STORES.c.store_id == _STORES.c.id))
    .where(_DEAL_STORES.c.deal_id == _CODES.c.deal_id,
           or_(_MERCHANTS.c.owner_user_id == _STAFF_ID, _STAFF.c.store_id.is_(None),
               _STORES.c.id == _STAFF.c.store_id))
    .scalar_subquery()
)
_CODE_AND_STORES_FOR_STAFF = _CODE_FOR_STAFF.add_columns(_STORES_HERE.label("stores"))
_CODE_BY_ID = (
    select(*_CODE_COLUMNS)
    .select_from(_CODE_ROWS)
    .where(_CODES.c.id == bindparam("code_id"))
)
_TIED = bindparam("tied", type_=Integer)
_STORES_OF_DEAL = (
    select(_STORES.c.id, _STORES.c.name_zh, _STORES.c.name_en)
    .select_from(_STORES.join(_DEAL_STORES, _DEAL_STORES.c.store_id == _STORES.c.id))
    .where(_DEAL_STORES.c.deal_id == bindparam("deal"),
           or_(_TIED.is_(None), _STORES.c.id == _TIED))
    .order_by(_STORES.c.id)
)
_NEW_REQUEST = insert(_REQUESTS)
_NEW_ATTEMPT = insert(_ATTEMPTS)
_USE_REQUEST = (
    update(_REQUESTS)
    .where(_REQUESTS.c.id == bindparam("request"), _REQUESTS.c.staff_user_id == _STAFF_ID,
           _REQUESTS.c.used_at.is_(None), _REQUESTS.c.expires_at > bindparam("now"))
    # "redeemed" is what nearly every confirm ends in; corrected below when not.
    .values(used_at=bindparam("now"), outcome="redeemed")
    .returning(_REQUESTS.c.code_id)
)
_STORE_ID = bindparam("store", type_=Integer)
_REDEEM = (
    update(_CODES)
    .where(
        _CODES.c.id == bindparam("code_id"),
        _CODES.c.status == CodeStatus.ISSUED,
        _CODES.c.valid_from <= bindparam("now"),
        _CODES.c.valid_until > bindparam("now"),
        # at a store of the deal ...
        select(_DEAL_STORES.c.store_id).where(_DEAL_STORES.c.deal_id == _CODES.c.deal_id,
                                              _DEAL_STORES.c.store_id == _STORE_ID).exists(),
        # ... by its merchant's owner, or staff not tied to another store
        select(_DEALS.c.id)
        .select_from(_DEALS.join(_MERCHANTS, _MERCHANTS.c.id == _DEALS.c.merchant_id))
        .where(_DEALS.c.id == _CODES.c.deal_id,
               or_(_MERCHANTS.c.owner_user_id == _STAFF_ID,
                   select(_STAFF.c.id).where(
                       _STAFF.c.merchant_id == _MERCHANTS.c.id, _STAFF.c.user_id == _STAFF_ID,
                       or_(_STAFF.c.store_id.is_(None), _STAFF.c.store_id == _STORE_ID),
                   ).exists()))
        .exists(),
    )
    .values(status=CodeStatus.REDEEMED, redeemed_at=bindparam("now"), redeemed_by=_STAFF_ID,
            redeemed_store_id=_STORE_ID)
)
# Asked once per code: an undone redemption redeemed again does not ask again.
# The code's order, locked before the code changes (PostgreSQL): a refund of the same
# order locks it first too, so the two queue instead of deadlocking.
_LOCK_ORDER_OF_CODE = (
    select(_ORDERS.c.id)
    .where(_ORDERS.c.id == select(_CODES.c.order_id).where(_CODES.c.id == bindparam("code_id"))
           .scalar_subquery())
    .with_for_update()
)
_ASK_RATING = (
    update(_CODES)
    .where(_CODES.c.id == bindparam("code_id"), _CODES.c.rating_asked_at.is_(None))
    .values(rating_asked_at=bindparam("now"))
)
_REQUEST_OUTCOME = (
    update(_REQUESTS).where(_REQUESTS.c.id == bindparam("request"))
    .values(outcome=bindparam("result"))
)
_CODE_AND_STORE = _CODE_BY_ID.add_columns(
    select(_STORES.c.name_zh).where(_STORES.c.id == _STORE_ID).scalar_subquery()
    .label("store_zh"),
    select(_STORES.c.name_en).where(_STORES.c.id == _STORE_ID).scalar_subquery()
    .label("store_en"),
)


# PostgreSQL: the hot paths' writes joined into one statement each (`storage.db.joined`).
_ATTEMPT_ROW = insert(_ATTEMPTS).values(
    user_id=_STAFF_ID, action=bindparam("action"), entered=bindparam("entered"),
    code_id=bindparam("code_id", type_=Integer), store_id=_STORE_ID,
    outcome=bindparam("result"), created_at=bindparam("now", type_=_ATTEMPTS.c.created_at.type))
# A check that found the code good: its one-time request and the audit row.
_REQUEST_AND_ATTEMPT = joined(select(literal(1)), insert(_REQUESTS).values(
    id=bindparam("request"), code_id=bindparam("code_id", type_=Integer),
    staff_user_id=_STAFF_ID, created_at=bindparam("now", type_=_REQUESTS.c.created_at.type),
    expires_at=bindparam("expires", type_=_REQUESTS.c.expires_at.type)), _ATTEMPT_ROW)
# A confirm: its request used and the code's order locked (before the code changes).
_USED = _USE_REQUEST.cte("used")
_USE_AND_LOCK = (
    select(_USED.c.code_id, _ORDERS.c.id)
    .select_from(_USED.join(_CODES, _CODES.c.id == _USED.c.code_id)
                 .join(_ORDERS, _ORDERS.c.id == _CODES.c.order_id))
    .with_for_update(of=_ORDERS)
)
# Then the code redeemed, read with the store's name and the order's facts for the ledger,
# as they were before the UPDATE (one snapshot, taken under the order's lock: nothing else
# changes the order's codes meanwhile): `taken` says whether it redeemed, `asked_at`
# whether the shopper was ever asked to rate it.
_REDEEMED = _REDEEM.returning(_CODES.c.rating_asked_at).cte("redeemed")
_REDEEM_AND_READ = _CODE_AND_STORE.add_columns(
    select(func.count()).select_from(_REDEEMED).scalar_subquery().label("taken"),
    select(_REDEEMED.c.rating_asked_at).scalar_subquery().label("asked_at"),
    _ORDERS.c.total, _ORDERS.c.quantity, _ORDERS.c.currency,
    open_units_of(_ORDERS.c.id).label("open_units"), PENDING_JSON.label("pending"),
)
# And what a redemption writes besides: the ledger entry, the event, the rating asked,
# the shopper's message and the audit row.
_REDEEMED_WRITES = joined(select(literal(1)), ENTRY_WITH_LINES, EVENT_OF_CODE, _ASK_RATING,
                          OWED_ROW, _ATTEMPT_ROW)


def _view(row: Any) -> CodeAtCounter:
    (code_id, code, status, valid_from, valid_until, redeemed_at, _deal_id, merchant_id,
     title_zh, title_en, telegram_id, first_name, item_zh, item_en) = row[:_AFTER_CODE]
    return CodeAtCounter(
        code_id=code_id, code=code, status=status, deal_title=Bilingual(title_zh, title_en),
        merchant_id=merchant_id, valid_from=valid_from, valid_until=valid_until,
        redeemed_at=redeemed_at, shopper_telegram_id=telegram_id, shopper_name=first_name,
        free_item=Bilingual(item_zh, item_en) if item_zh or item_en else None,
    )


async def _record(conn: AsyncConnection, user_id: int, action: str, entered: str,
                  outcome: str, now: datetime, code_id: int | None = None,
                  store_id: int | None = None) -> datetime | None:
    """Audit an attempt; lock the person when it is their fifth wrong code in the window.

    Returns the lock's end when this attempt locked them.
    """
    await conn.execute(_NEW_ATTEMPT, {
        "user_id": user_id, "action": action, "entered": entered[:40], "code_id": code_id,
        "store_id": store_id, "outcome": outcome, "created_at": now})
    if outcome not in _WRONG:
        return None
    wrong = (await conn.execute(
        select(func.count()).select_from(_ATTEMPTS).where(
            _ATTEMPTS.c.user_id == user_id, _ATTEMPTS.c.outcome.in_(_WRONG),
            _ATTEMPTS.c.created_at > now - WRONG_CODES_WINDOW))).scalar_one()
    if wrong < WRONG_CODES_ALLOWED:
        return None
    until = now + LOCK_FOR
    moved = await conn.execute(update(_LOCKS).where(_LOCKS.c.user_id == user_id)
                               .values(locked_until=until))
    if moved.rowcount == 0:
        await conn.execute(insert(_LOCKS).values(user_id=user_id, locked_until=until))
    return until


async def _stores_for(conn: AsyncConnection, deal_id: int,
                      tied_to: int | None) -> list[StoreChoice]:
    rows = (await conn.execute(_STORES_OF_DEAL, {"deal": deal_id, "tied": tied_to})).all()
    return [StoreChoice(i, Bilingual(zh, en)) for i, zh, en in rows]


async def check_code(db: Database, staff_user_id: int, entered: str,
                     now: datetime) -> CheckOutcome:
    """Phase one: may this person redeem this code here and now? Audited."""
    read = read_code(entered)
    # On PostgreSQL each statement commits by itself: the reads need no transaction and
    # the writes are one statement (a good code) or an audit row and maybe a lock.
    async with db.single() as conn:
        # One read for the common case: the code, and who is asking (staff? locked?).
        row = None
        if read.problem is None:
            row = (await run_prebuilt(
                conn, _CODE_AND_STORES_FOR_STAFF if db.dialect == "postgresql" else _CODE_FOR_STAFF,
                {"code": read.code, "staff": staff_user_id})).first()
        locked_until, staff_anywhere = row[_AFTER_CODE + 3:_AFTER_CODE + 5] if row else (
            await conn.execute(_WHO, {"staff": staff_user_id})).one()
        if not staff_anywhere:
            outcome = CheckOutcome("not_staff")
        elif locked_until is not None and locked_until > now:
            outcome = CheckOutcome("locked", locked_until=locked_until)
        else:
            outcome = await _check(conn, staff_user_id, read, row, now)
        code_id = outcome.code.code_id if outcome.code else None
        if outcome.outcome == "ok" and code_id is not None and db.dialect == "postgresql":
            request_id = secrets.token_urlsafe(12)
            await run_prebuilt(conn, _REQUEST_AND_ATTEMPT, {
                "request": request_id, "code_id": code_id, "staff": staff_user_id,
                "now": now, "expires": now + REQUEST_LIFETIME, "action": "check",
                "entered": entered[:40], "store": None, "result": "ok"})
            return CheckOutcome("ok", outcome.code, request_id, outcome.stores)
        if outcome.outcome == "ok" and code_id is not None:
            request_id = secrets.token_urlsafe(12)
            await conn.execute(_NEW_REQUEST, {
                "id": request_id, "code_id": code_id, "staff_user_id": staff_user_id,
                "created_at": now, "expires_at": now + REQUEST_LIFETIME})
            outcome = CheckOutcome("ok", outcome.code, request_id, outcome.stores)
        locked = await _record(conn, staff_user_id, "check", entered, outcome.outcome, now,
                               code_id)
    if locked is not None:
        return CheckOutcome(outcome.outcome, locked_until=locked)
    return outcome


async def _check(conn: AsyncConnection, staff_user_id: int, read: ReadCode, row: Any,
                 now: datetime) -> CheckOutcome:
    if read.problem == "check":
        return CheckOutcome("typo")
    if read.problem is not None:
        return CheckOutcome("unreadable" if read.problem == "empty" else "not_a_code")
    if row is None:
        return CheckOutcome("unknown")
    owner, staff_row, tied = row[_AFTER_CODE:_AFTER_CODE + 3]
    if owner != staff_user_id and staff_row is None:
        return CheckOutcome("unknown")  # another merchant's code looks like no code at all
    view = _view(row)
    if len(row) > _AFTER_CODE + 5:  # the stores came with the code (PostgreSQL)
        stores = [StoreChoice(i, Bilingual(zh, en)) for i, zh, en in row.stores or ()]
    else:
        stores = await _stores_for(conn, row.deal_id,
                                   None if owner == staff_user_id else tied)
    if not stores:
        return CheckOutcome("wrong_store", view)
    if view.status != CodeStatus.ISSUED:
        return CheckOutcome(view.status if view.status != CodeStatus.EXPIRED else "expired",
                            view)
    if view.valid_until <= now:
        return CheckOutcome("expired", view)
    if view.valid_from > now:
        return CheckOutcome("not_yet", view)
    return CheckOutcome("ok", view, stores=tuple(stores))


async def confirm(db: Database, request_id: str, staff_user_id: int, store_id: int,
                  now: datetime) -> ConfirmOutcome:
    """Phase two: redeem the checked code at `store_id`, exactly once. Audited."""
    params = {"request": request_id, "staff": staff_user_id, "store": store_id, "now": now}
    if db.dialect == "postgresql":
        return _counted(await _confirm_joined(db, params))
    async with db.begin() as conn:
        code_id = (await conn.execute(_USE_REQUEST, params)).scalar()
        if code_id is None:
            return await _confirm_again(conn, request_id, staff_user_id, now)
        order_id = (await conn.execute(_LOCK_ORDER_OF_CODE, {"code_id": code_id})).scalar_one()
        taken = await conn.execute(_REDEEM, {**params, "code_id": code_id})
        row = (await conn.execute(_CODE_AND_STORE, {"code_id": code_id,
                                                    "store": store_id})).one()
        view = _view(row)
        ask_rating = False
        outcome = "redeemed" if taken.rowcount == 1 else _not_redeemed(view, now)
        if outcome == "redeemed":
            await settle_units(db, conn, order_id, key=f"redeemed:{request_id}",
                               kind="redeemed", now=now, units=1, code_id=code_id)
            await log_event(conn, "redeem", now=now, code_id=code_id)
            ask_rating = (await conn.execute(_ASK_RATING, {"code_id": code_id,
                                                           "now": now})).rowcount == 1
            owed_key = f"redeemed:{request_id}"
            await owe(db, conn, view.shopper_telegram_id, "redeemed", {
                **_code_params(view), "store_zh": row.store_zh, "store_en": row.store_en,
                "ask_rating": ask_rating}, owed_key, now)
        else:
            await conn.execute(_REQUEST_OUTCOME, {"request": request_id, "result": outcome})
        await _record(conn, staff_user_id, "confirm", view.code, outcome, now, code_id,
                      store_id)
    store = StoreChoice(store_id, Bilingual(row.store_zh, row.store_en))
    redeemed = outcome == "redeemed"
    return _counted(ConfirmOutcome(outcome, view, store if redeemed else None, ask_rating,
                                   owed_key if redeemed else None))


def _counted(outcome: ConfirmOutcome) -> ConfirmOutcome:
    """Count a redemption (the `o2o_redemptions_total` metric) on its way out."""
    if outcome.outcome == "redeemed":
        REDEMPTIONS.inc()
    return outcome


def _not_redeemed(view: CodeAtCounter, now: datetime) -> str:
    """Why a confirm's UPDATE redeemed nothing, from the code as it is now."""
    if view.status != CodeStatus.ISSUED:
        return "taken"
    if view.valid_until <= now:
        return "expired"  # it ran out between the check and the confirm
    if view.valid_from > now:
        return "not_yet"
    return "wrong_store"  # a forged store, or one this person is not tied to


async def _confirm_joined(db: Database, params: dict[str, Any]) -> ConfirmOutcome:
    """`confirm` on PostgreSQL: the same steps in three statements (request and lock,
    redeem and read, the writes)."""
    request_id, staff_user_id, store_id, now = (params["request"], params["staff"],
                                                params["store"], params["now"])
    async with db.begin() as conn:
        used = (await run_prebuilt(conn, _USE_AND_LOCK, params)).first()
        if used is None:
            return await _confirm_again(conn, request_id, staff_user_id, now)
        code_id, order_id = used
        row = (await run_prebuilt(conn, _REDEEM_AND_READ, {**params, "code_id": code_id,
                                                     "order": order_id})).one()
        store = StoreChoice(store_id, Bilingual(row.store_zh, row.store_en))
        if not row.taken:
            after = (await conn.execute(_CODE_AND_STORE, {"code_id": code_id,
                                                          "store": store_id})).one()
            view = _view(after)
            outcome = _not_redeemed(view, now)
            await conn.execute(_REQUEST_OUTCOME, {"request": request_id, "result": outcome})
            await _record(conn, staff_user_id, "confirm", view.code, outcome, now, code_id,
                          store_id)
            return ConfirmOutcome(outcome, view)
        view = replace(_view(row), status=CodeStatus.REDEEMED, redeemed_at=now)
        facts = OrderFacts(row.total, row.quantity, row.currency, row.merchant_id,
                           int(row.open_units) - 1)
        key = f"redeemed:{request_id}"
        ask_rating = row.asked_at is None
        owed = owed_params(view.shopper_telegram_id, "redeemed", {
            **_code_params(view), "store_zh": row.store_zh, "store_en": row.store_en,
            "ask_rating": ask_rating}, key)
        posting = await unit_posting(db, conn, order_id, facts, row.pending, key=key,
                                     kind="redeemed", now=now, code_id=code_id)
        if posting is None:  # a unit worth nothing (a fen split over units): no entry
            await settle_units(db, conn, order_id, key=key, kind="redeemed", now=now,
                               units=1, code_id=code_id)
            await log_event(conn, "redeem", now=now, code_id=code_id)
            await conn.execute(_ASK_RATING, {"code_id": code_id, "now": now})
            await owe(db, conn, view.shopper_telegram_id, "redeemed",
                      owed["owed_params"], key, now)
            await _record(conn, staff_user_id, "confirm", view.code, "redeemed", now,
                          code_id, store_id)
        else:
            await run_prebuilt(conn, _REDEEMED_WRITES, {
                **posting, **owed, "code_id": code_id, "now": now, "event_kind": "redeem",
                "staff": staff_user_id, "store": store_id, "action": "confirm",
                "entered": view.code[:40], "result": "redeemed"})
    return ConfirmOutcome("redeemed", view, store, ask_rating, key)


def _code_params(view: CodeAtCounter) -> dict[str, object]:
    """What a message to the shopper about their code says of it (outbox parameters)."""
    return {"code_id": view.code_id, "code": view.code, "title_zh": view.deal_title.zh,
            "title_en": view.deal_title.en}


async def _confirm_again(conn: AsyncConnection, request_id: str, staff_user_id: int,
                         now: datetime) -> ConfirmOutcome:
    """A request that is not fresh: a replay of one that redeemed, or stale/foreign."""
    request = (await conn.execute(select(_REQUESTS).where(_REQUESTS.c.id == request_id))).first()
    if request is None or request.staff_user_id != staff_user_id or request.used_at is None:
        return ConfirmOutcome("stale")
    view = _view((await conn.execute(_CODE_BY_ID, {"code_id": request.code_id})).one())
    return ConfirmOutcome("replayed" if request.outcome == "redeemed" else "taken", view)


_WORKS_FOR = select(
    or_(_MERCHANTS.c.owner_user_id == _STAFF_ID,
        select(_STAFF.c.id).where(_STAFF.c.merchant_id == _MERCHANTS.c.id,
                                  _STAFF.c.user_id == _STAFF_ID).exists())
).where(_MERCHANTS.c.id == bindparam("merchant"))


async def undo(db: Database, code_id: int, staff_user_id: int, now: datetime) -> ConfirmOutcome:
    """Take back a redemption made within the last ten minutes (a mis-scan). Audited."""
    async with db.begin() as conn:
        row = (await conn.execute(_CODE_BY_ID, {"code_id": code_id})).first()
        if row is None or not (await conn.execute(_WORKS_FOR, {
                "staff": staff_user_id, "merchant": row.merchant_id})).scalar():
            return ConfirmOutcome("stale")  # not theirs to undo; nothing said about it
        await conn.execute(_LOCK_ORDER_OF_CODE, {"code_id": code_id})
        result = await conn.execute(
            update(_CODES)
            .where(_CODES.c.id == code_id, _CODES.c.status == CodeStatus.REDEEMED,
                   _CODES.c.redeemed_at > now - UNDO_WITHIN)
            .values(status=CodeStatus.ISSUED, redeemed_at=None, redeemed_by=None,
                    redeemed_store_id=None))
        undone = result.rowcount == 1
        after = _view((await conn.execute(_CODE_BY_ID, {"code_id": code_id})).one())
        owed_key = None
        if undone:
            await _forget_rating(conn, code_id)
            owed_key = f"undone:{code_id}:{_view(row).redeemed_at}"
            await undo_settlement(db, conn, code_id, now=now)
            await owe(db, conn, after.shopper_telegram_id, "undone", _code_params(after),
                      owed_key, now)
        outcome = "undone" if undone else "too_late"
        await _record(conn, staff_user_id, "undo", after.code, outcome, now, code_id)
    return ConfirmOutcome(outcome, after, owed_key=owed_key)


async def _forget_rating(conn: AsyncConnection, code_id: int) -> None:
    """The visit did not happen: its rating (if any) goes, and the merchant's average."""
    ratings = VisitRating.__table__  # type: ignore[attr-defined]
    rating = (await conn.execute(select(ratings.c.merchant_id, ratings.c.stars)
                                 .where(ratings.c.code_id == code_id))).first()
    if rating is None:
        return
    await conn.execute(update(_MERCHANTS).where(_MERCHANTS.c.id == rating.merchant_id)
                       .values(rating_sum=_MERCHANTS.c.rating_sum - rating.stars,
                               rating_count=_MERCHANTS.c.rating_count - 1))
    await conn.execute(ratings.delete().where(ratings.c.code_id == code_id))


async def rate_visit(db: Database, user_id: int, code_id: int, stars: int,
                     now: datetime) -> str:
    """The shopper's 1-5 stars for a redeemed code: rated, already, or invalid."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        return "invalid"
    try:
        async with db.transaction() as session:
            row = (
                await session.exec(
                    select(RedemptionCode, Deal).join(Deal, Deal.id == RedemptionCode.deal_id)
                    .where(RedemptionCode.id == code_id, RedemptionCode.user_id == user_id,
                           RedemptionCode.status == CodeStatus.REDEEMED)
                )
            ).first()
            if row is None:
                return "invalid"
            if await session.get(VisitRating, code_id) is not None:
                return "already"
            _, deal = row
            session.add(VisitRating(code_id=code_id, user_id=user_id,
                                    merchant_id=deal.merchant_id, stars=stars, created_at=now))
            await session.exec(  # type: ignore[call-overload]
                update(Merchant).where(col(Merchant.id) == deal.merchant_id)
                .values(rating_sum=col(Merchant.rating_sum) + stars,
                        rating_count=col(Merchant.rating_count) + 1)
            )
    except IntegrityError:
        return "already"  # two taps at once: the other one rated
    return "rated"
