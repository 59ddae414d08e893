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
person's redeeming for fifteen minutes. The merchant may undo a redemption within ten
minutes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog import Bilingual
from services.codes import read_code
from services.database import Database
from storage.models import (
    CodeStatus,
    Deal,
    DealStore,
    Merchant,
    MerchantStaff,
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
_WRONG = ("typo", "unknown")  # outcomes that count towards the lock


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


@dataclass(frozen=True)
class StoreChoice:
    """A store where this staff member may redeem this code."""

    id: int
    name: Bilingual


@dataclass(frozen=True)
class CheckOutcome:
    """The answer to phase one."""

    outcome: str  # ok, locked, not_staff, typo, unknown, wrong_store, redeemed, void,
    #               expired, not_yet, unreadable
    code: CodeAtCounter | None = None
    request_id: str | None = None
    stores: tuple[StoreChoice, ...] = ()
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ConfirmOutcome:
    """The answer to phase two (and to undo)."""

    outcome: str  # redeemed, replayed, taken, stale, wrong_store, undone, too_late
    code: CodeAtCounter | None = None
    store: StoreChoice | None = None


@dataclass(frozen=True)
class StaffScope:
    """Where a person may redeem: per merchant, None for every store of it."""

    stores: dict[int, int | None] = field(default_factory=dict)  # merchant -> store or None


async def staff_scope(session: object, user_id: int) -> StaffScope:
    """The merchants this person works for, and the store each ties them to."""
    rows = (
        await session.exec(  # type: ignore[attr-defined]
            select(MerchantStaff.merchant_id, MerchantStaff.store_id)
            .where(MerchantStaff.user_id == user_id)
        )
    ).all()
    owned = (
        await session.exec(  # type: ignore[attr-defined]
            select(Merchant.id).where(Merchant.owner_user_id == user_id)
        )
    ).all()
    scope = {merchant_id: store_id for merchant_id, store_id in rows}
    scope.update({merchant_id: None for merchant_id in owned})
    return StaffScope(scope)


async def is_staff(db: Database, user_id: int) -> bool:
    """Does this person work for any merchant?"""
    async with db.session() as session:
        return bool((await staff_scope(session, user_id)).stores)


async def _locked_until(session: object, user_id: int, now: datetime) -> datetime | None:
    lock = await session.get(RedemptionLock, user_id)  # type: ignore[attr-defined]
    return lock.locked_until if lock is not None and lock.locked_until > now else None


async def _audit(db: Database, user_id: int, action: str, entered: str, outcome: str,
                 now: datetime, code_id: int | None = None, store_id: int | None = None,
                 request: RedemptionRequest | None = None) -> datetime | None:
    """Record an attempt (and the confirm request it grants, in the same transaction);
    lock the person when it is their fifth wrong code in the window.

    Returns the lock's end when this attempt locked them.
    """
    async with db.transaction() as session:
        if request is not None:
            session.add(request)
        session.add(RedemptionAttempt(user_id=user_id, action=action, entered=entered[:40],
                                      code_id=code_id, store_id=store_id, outcome=outcome,
                                      created_at=now))
        if outcome not in _WRONG:
            return None
        await session.flush()
        wrong = (
            await session.exec(
                select(func.count()).select_from(RedemptionAttempt).where(
                    RedemptionAttempt.user_id == user_id,
                    col(RedemptionAttempt.outcome).in_(_WRONG),
                    col(RedemptionAttempt.created_at) > now - WRONG_CODES_WINDOW,
                )
            )
        ).one()
        if wrong < WRONG_CODES_ALLOWED:
            return None
        until = now + LOCK_FOR
        lock = await session.get(RedemptionLock, user_id)
        if lock is None:
            session.add(RedemptionLock(user_id=user_id, locked_until=until))
        else:
            lock.locked_until = until
        return until


async def _load_code(session: object, code: str | None = None,
                     code_id: int | None = None) -> tuple[RedemptionCode, Deal, User] | None:
    query = (
        select(RedemptionCode, Deal, User)
        .join(Deal, Deal.id == RedemptionCode.deal_id)
        .join(User, User.id == RedemptionCode.user_id)
    )
    query = query.where(RedemptionCode.code == code) if code is not None \
        else query.where(RedemptionCode.id == code_id)
    row = (await session.exec(query)).first()  # type: ignore[attr-defined]
    return tuple(row) if row else None  # type: ignore[return-value]


def _at_counter(code: RedemptionCode, deal: Deal, shopper: User) -> CodeAtCounter:
    assert code.id is not None
    return CodeAtCounter(
        code_id=code.id, code=code.code, status=code.status,
        deal_title=Bilingual(deal.title_zh, deal.title_en), merchant_id=deal.merchant_id,
        valid_from=code.valid_from, valid_until=code.valid_until,
        redeemed_at=code.redeemed_at, shopper_telegram_id=shopper.telegram_id,
        shopper_name=shopper.first_name,
    )


async def _stores_for(session: object, deal_id: int, tied_to: int | None) -> list[StoreChoice]:
    query = select(Store).join(DealStore, DealStore.store_id == Store.id).where(
        DealStore.deal_id == deal_id)
    if tied_to is not None:
        query = query.where(Store.id == tied_to)
    stores = (await session.exec(query.order_by(col(Store.id)))).all()  # type: ignore[attr-defined]
    return [StoreChoice(s.id, Bilingual(s.name_zh, s.name_en)) for s in stores]


async def check_code(db: Database, staff_user_id: int, entered: str,
                     now: datetime) -> CheckOutcome:
    """Phase one: may this person redeem this code here and now? Audited."""
    async with db.session() as session:
        scope = await staff_scope(session, staff_user_id)
        if not scope.stores:
            outcome = CheckOutcome("not_staff")
        elif until := await _locked_until(session, staff_user_id, now):
            outcome = CheckOutcome("locked", locked_until=until)
        else:
            outcome = await _check(session, scope, entered, now)
    code_id = outcome.code.code_id if outcome.code else None
    request = None
    if outcome.outcome == "ok" and code_id is not None:
        request = RedemptionRequest(id=secrets.token_urlsafe(12), code_id=code_id,
                                    staff_user_id=staff_user_id, created_at=now,
                                    expires_at=now + REQUEST_LIFETIME)
    locked = await _audit(db, staff_user_id, "check", entered, outcome.outcome, now, code_id,
                          request=request)
    if request is not None:
        return CheckOutcome("ok", outcome.code, request.id, outcome.stores)
    if locked is not None:
        return CheckOutcome(outcome.outcome, locked_until=locked)
    return outcome


async def _check(session: object, scope: StaffScope, entered: str,
                 now: datetime) -> CheckOutcome:
    read = read_code(entered)
    if read.problem == "check":
        return CheckOutcome("typo")
    if read.problem is not None:
        return CheckOutcome("unreadable" if read.problem == "empty" else "unknown")
    row = await _load_code(session, code=read.code)
    if row is None or row[1].merchant_id not in scope.stores:
        return CheckOutcome("unknown")  # another merchant's code looks like no code at all
    code, deal, shopper = row
    view = _at_counter(code, deal, shopper)
    stores = await _stores_for(session, deal.id or 0, scope.stores[deal.merchant_id])
    if not stores:
        return CheckOutcome("wrong_store", view)
    if code.status != CodeStatus.ISSUED:
        return CheckOutcome(code.status if code.status != CodeStatus.EXPIRED else "expired",
                            view)
    if code.valid_until <= now:
        return CheckOutcome("expired", view)
    if code.valid_from > now:
        return CheckOutcome("not_yet", view)
    return CheckOutcome("ok", view, stores=tuple(stores))


async def confirm(db: Database, request_id: str, staff_user_id: int, store_id: int,
                  now: datetime) -> ConfirmOutcome:
    """Phase two: redeem the checked code at `store_id`, exactly once. Audited."""
    async with db.transaction() as session:
        request = await session.get(RedemptionRequest, request_id)
        if request is None or request.staff_user_id != staff_user_id:
            return ConfirmOutcome("stale")
        code_id = request.code_id
        if request.used_at is not None:
            row = await _load_code(session, code_id=code_id)
            assert row is not None
            view = _at_counter(*row)
            return ConfirmOutcome("replayed" if request.outcome == "redeemed" else "taken", view)
        if request.expires_at <= now:
            return ConfirmOutcome("stale")
    async with db.session() as session:
        row = await _load_code(session, code_id=code_id)
        assert row is not None
        code, deal, shopper = row
        scope = await staff_scope(session, staff_user_id)
        allowed = await _stores_for(session, deal.id or 0, scope.stores.get(deal.merchant_id))
        store = next((s for s in allowed if s.id == store_id), None)
    if deal.merchant_id not in scope.stores or store is None:
        await _audit(db, staff_user_id, "confirm", code.code, "wrong_store", now, code_id)
        return ConfirmOutcome("wrong_store", _at_counter(code, deal, shopper))
    async with db.transaction() as session:
        used = await session.exec(  # type: ignore[call-overload]
            update(RedemptionRequest)
            .where(col(RedemptionRequest.id) == request_id,
                   col(RedemptionRequest.used_at).is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:  # the same request, tapped twice at once
            redeemed = False
            outcome = "replayed"
        else:
            taken = await session.exec(  # type: ignore[call-overload]
                update(RedemptionCode)
                .where(col(RedemptionCode.id) == code_id,
                       col(RedemptionCode.status) == CodeStatus.ISSUED,
                       col(RedemptionCode.valid_until) > now,
                       col(RedemptionCode.valid_from) <= now)
                .values(status=CodeStatus.REDEEMED, redeemed_at=now,
                        redeemed_by=staff_user_id, redeemed_store_id=store_id)
            )
            redeemed = taken.rowcount == 1
            outcome = "redeemed" if redeemed else "taken"
            await session.exec(  # type: ignore[call-overload]
                update(RedemptionRequest).where(col(RedemptionRequest.id) == request_id)
                .values(outcome=outcome)
            )
        row = await _load_code(session, code_id=code_id)
        assert row is not None
        view = _at_counter(*row)
    await _audit(db, staff_user_id, "confirm", code.code, outcome, now, code_id, store_id)
    return ConfirmOutcome(outcome, view, store)


async def undo(db: Database, code_id: int, staff_user_id: int, now: datetime) -> ConfirmOutcome:
    """Take back a redemption made within the last ten minutes (a mis-scan). Audited."""
    async with db.session() as session:
        row = await _load_code(session, code_id=code_id)
        scope = await staff_scope(session, staff_user_id)
    if row is None or row[1].merchant_id not in scope.stores:
        return ConfirmOutcome("stale")
    code = row[0]
    async with db.transaction() as session:
        result = await session.exec(  # type: ignore[call-overload]
            update(RedemptionCode)
            .where(col(RedemptionCode.id) == code_id,
                   col(RedemptionCode.status) == CodeStatus.REDEEMED,
                   col(RedemptionCode.redeemed_at) > now - UNDO_WITHIN)
            .values(status=CodeStatus.ISSUED, redeemed_at=None, redeemed_by=None,
                    redeemed_store_id=None)
        )
        if result.rowcount == 1:
            # The visit did not happen: its rating (if any) goes too.
            rating = await session.get(VisitRating, code_id)
            if rating is not None:
                await session.exec(  # type: ignore[call-overload]
                    update(Merchant).where(col(Merchant.id) == rating.merchant_id)
                    .values(rating_sum=col(Merchant.rating_sum) - rating.stars,
                            rating_count=col(Merchant.rating_count) - 1)
                )
                await session.delete(rating)
        outcome = "undone" if result.rowcount == 1 else "too_late"
        after = await _load_code(session, code_id=code_id)
        assert after is not None
    await _audit(db, staff_user_id, "undo", code.code, outcome, now, code_id)
    return ConfirmOutcome(outcome, _at_counter(*after))


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
