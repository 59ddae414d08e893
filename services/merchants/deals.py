"""A merchant's deals: publishing and managing them.

What the owner types is read and checked in `services.merchants.deal_input`; the drafts
it makes are published here. Publishing and every change re-check inside the write that
the caller still owns an approved merchant and that the deal (and its stores) belong to
it, so a forged or old button can never touch someone else's deal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.deal_cards import Bilingual, build_search_text, is_chinese, vocabulary_changed
from services.merchants.deal_input import (
    QUANTITY_MAX,
    DealDraft,
    DealInputError,
    check_group_window,
    check_original_price,
    check_title,
    group_data,
    parse_count,
    parse_group,
    parse_price,
    parse_valid_until,
)
from services.platform.clock import TimeReader
from services.platform.database import Database
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    Order,
    OrderStatus,
    StaffRole,
    Store,
)

# --------------------------------------------------------------------------- owners


@dataclass(frozen=True)
class Seller:
    """The approved merchant an owner sells as, with its stores."""

    merchant_id: int
    name: Bilingual
    category: str
    status: str
    stores: tuple[tuple[int, Bilingual], ...] = field(default=())

    @property
    def approved(self) -> bool:
        return self.status == MerchantStatus.APPROVED

    @property
    def suspended(self) -> bool:
        return self.status == MerchantStatus.SUSPENDED


def owned_merchant_ids(user_id: int, *, approved: bool = False) -> Any:
    """The merchants `user_id` owns, as a subquery for WHERE ... IN (with `approved`,
    only the approved ones). The one rule of who owns a merchant: an `owner` row in
    `merchant_staff` (made with the application, see `services.merchants.applications`);
    the router's owner roles, through `seller_of`, and every owner-only write use it."""
    owned = select(MerchantStaff.merchant_id).where(
        MerchantStaff.user_id == user_id, MerchantStaff.role == StaffRole.OWNER)
    if approved:
        owned = owned.join(Merchant, col(Merchant.id) == col(MerchantStaff.merchant_id)).where(
            Merchant.status == MerchantStatus.APPROVED)
    return owned


async def seller_of(db: Database, user_id: int) -> Seller | None:
    """The merchant `user_id` owns (any status; the first, if several) with its stores;
    None if they own none."""
    async with db.session() as session:
        merchant = (await session.exec(
            select(Merchant).where(col(Merchant.id).in_(owned_merchant_ids(user_id)))
            .order_by(col(Merchant.id))
        )).first()
        if merchant is None or merchant.id is None:
            return None
        stores = (await session.exec(
            select(Store).where(Store.merchant_id == merchant.id).order_by(col(Store.id))
        )).all()
    return Seller(
        merchant.id, Bilingual(merchant.name_zh, merchant.name_en), merchant.category,
        merchant.status,
        tuple((s.id, Bilingual(s.name_zh, s.name_en)) for s in stores if s.id is not None),
    )


# --------------------------------------------------------------------------- publish


@dataclass(frozen=True)
class Published:
    """The outcome of publishing: the new deal's id, or why not."""

    deal_id: int | None
    problem: str | None = None  # not_owner, no_stores, duplicate


def _deal_row(draft: DealDraft, merchant: Merchant, key: str | None,
              now: datetime) -> Deal:
    zh = is_chinese(draft.title)
    deal = Deal(
        merchant_id=merchant.id, key=key,
        title_zh=draft.title if zh else None, title_en=None if zh else draft.title,
        description_zh=(draft.description or None) if zh else None,
        description_en=None if zh else (draft.description or None),
        usage_rules_zh=(draft.usage_rules or None) if zh else None,
        usage_rules_en=None if zh else (draft.usage_rules or None),
        category=draft.category or merchant.category, tags=list(draft.tags),
        price=draft.price, original_price=draft.original_price, currency=draft.currency,
        stock=draft.stock, sold=0, per_user_limit=draft.per_user_limit,
        valid_from=draft.valid_from or now, valid_until=draft.valid_until,
        status=DealStatus.ACTIVE, refund_policy=draft.refund_policy, photo=draft.photo,
        created_at=now, updated_at=now, **group_data(draft.group),
    )
    deal.search_text = build_search_text(deal, merchant)
    return deal


async def publish_deals(db: Database, user_id: int, drafts: Sequence[DealDraft],
                        keys: Sequence[str | None], now: datetime) -> list[Published]:
    """Put drafts on sale for the approved merchant `user_id` owns, all in one
    transaction: either every deal is published or none is.

    `keys` make publishing idempotent: a draft whose key already exists is reported as
    `duplicate` and skipped (a double-tapped Publish, a CSV sent twice). A draft naming
    stores of another merchant is refused as a whole (`not_owner`). Publishing bumps the
    vocabulary version in the same transaction (`services.catalog.vocabulary_changed`).
    """
    try:
        async with db.transaction() as session:
            merchant = (await session.exec(
                select(Merchant).where(
                    col(Merchant.id).in_(owned_merchant_ids(user_id, approved=True)))
            )).first()
            if merchant is None or merchant.id is None:
                return [Published(None, "not_owner") for _ in drafts]
            own_stores = set((await session.exec(
                select(Store.id).where(Store.merchant_id == merchant.id))).all())
            if not own_stores:
                return [Published(None, "no_stores") for _ in drafts]
            if any(not set(d.store_ids) <= own_stores for d in drafts):
                return [Published(None, "not_owner") for _ in drafts]
            existing: dict[str, int] = {}
            if wanted := [k for k in keys if k]:
                rows = (await session.exec(
                    select(Deal.key, Deal.id).where(col(Deal.key).in_(wanted)))).all()
                existing = {k: i for k, i in rows if k is not None and i is not None}
            results: list[Published] = []
            for draft, key in zip(drafts, keys, strict=True):
                if key and key in existing:
                    results.append(Published(existing[key], "duplicate"))
                    continue
                deal = _deal_row(draft, merchant, key, now)
                session.add(deal)
                await session.flush()
                assert deal.id is not None
                for store_id in sorted(set(draft.store_ids) or own_stores):
                    session.add(DealStore(deal_id=deal.id, store_id=store_id))
                results.append(Published(deal.id))
                if key:
                    existing[key] = deal.id
            if any(r.problem is None for r in results):  # new words for the parser
                await vocabulary_changed(await session.connection())
    except IntegrityError:  # the same key published by a concurrent tap: all rolled back
        return [Published(None, "duplicate") for _ in drafts]
    return results


# --------------------------------------------------------------------------- manage


@dataclass(frozen=True)
class OwnDeal:
    """One of the owner's deals, as `/deals` lists it."""

    id: int
    title: Bilingual
    price: int
    original_price: int
    currency: str
    stock: int | None
    sold: int
    status: str
    valid_until: datetime
    paid_units: int  # units in paid or fulfilled orders
    pending_units: int  # units held by unpaid orders
    merchant_status: str = MerchantStatus.APPROVED
    group_size: int | None = None  # a group deal (拼团): None = not one
    group_price: int | None = None
    group_hours: int | None = None

    @property
    def shown_status(self) -> str:
        """The status as its owner should read it: "hidden" for a deal that is on sale as
        far as it goes but that shoppers cannot see or buy, because its merchant is not
        approved (suspended by the platform); otherwise its own status."""
        if self.status == DealStatus.ACTIVE and self.merchant_status != MerchantStatus.APPROVED:
            return "hidden"
        return self.status


async def list_own_deals(db: Database, user_id: int, *, offset: int = 0,
                         limit: int = 5) -> tuple[list[OwnDeal], int] | None:
    """A page of the deals of the merchant `user_id` owns (newest first) and how many
    there are; None when they own no merchant."""
    seller = await seller_of(db, user_id)
    if seller is None:
        return None
    paid = (
        select(func.coalesce(func.sum(Order.quantity), 0))
        .where(Order.deal_id == Deal.id,
               col(Order.status).in_((OrderStatus.PAID, OrderStatus.FULFILLED)))
        .scalar_subquery()
    )
    held = (
        select(func.coalesce(func.sum(Order.quantity), 0))
        .where(Order.deal_id == Deal.id, Order.status == OrderStatus.PENDING)
        .scalar_subquery()
    )
    async with db.session() as session:
        total = (await session.exec(
            select(func.count()).select_from(Deal).where(Deal.merchant_id == seller.merchant_id)
        )).one()
        rows = (await session.exec(
            select(Deal, paid, held).where(Deal.merchant_id == seller.merchant_id)
            .order_by(col(Deal.status) == DealStatus.ENDED, col(Deal.id).desc())
            .offset(offset).limit(limit)
        )).all()
    return [
        OwnDeal(d.id or 0, Bilingual(d.title_zh, d.title_en), d.price, d.original_price,
                d.currency, d.stock, d.sold, d.status, d.valid_until, int(p), int(h),
                seller.status, d.group_size, d.group_price, d.group_hours)
        for d, p, h in rows
    ], int(total)


async def get_own_deal(db: Database, user_id: int, deal_id: int) -> OwnDeal | None:
    """One deal of the merchant `user_id` owns; None for anyone else's (or none)."""
    async with db.session() as session:
        deal = (await session.exec(
            select(Deal).where(Deal.id == deal_id,
                               col(Deal.merchant_id).in_(owned_merchant_ids(user_id)))
        )).first()
        if deal is None or deal.id is None:
            return None
        counts = (await session.exec(
            select(Order.status, func.coalesce(func.sum(Order.quantity), 0))
            .where(Order.deal_id == deal.id).group_by(col(Order.status))
        )).all()
        merchant_status = (await session.exec(
            select(Merchant.status).where(Merchant.id == deal.merchant_id))).one()
    by_status = {s: int(n) for s, n in counts}
    return OwnDeal(deal.id, Bilingual(deal.title_zh, deal.title_en), deal.price,
                   deal.original_price, deal.currency, deal.stock, deal.sold, deal.status,
                   deal.valid_until,
                   by_status.get(OrderStatus.PAID, 0) + by_status.get(OrderStatus.FULFILLED, 0),
                   by_status.get(OrderStatus.PENDING, 0), merchant_status,
                   deal.group_size, deal.group_price, deal.group_hours)


# Which status each action leaves and reaches: a pause of an ended deal is refused.
_MOVES = {
    "pause": ((DealStatus.ACTIVE,), DealStatus.PAUSED),
    "resume": ((DealStatus.PAUSED,), DealStatus.ACTIVE),
    "end": ((DealStatus.ACTIVE, DealStatus.PAUSED, DealStatus.DRAFT), DealStatus.ENDED),
}


async def change_status(db: Database, user_id: int, deal_id: int, action: str,
                        now: datetime) -> str:
    """Pause, resume or end a deal of the approved merchant `user_id` owns, with one
    conditional UPDATE. Returns "done", "already" (it is in that state or cannot move),
    "not_approved" (the merchant is suspended or not yet approved) or "not_owner".
    Codes already sold stay valid whatever happens to the deal. A move bumps the
    vocabulary version with it (the deal's words join or leave the parser's)."""
    leaves, reaches = _MOVES[action]
    async with db.begin() as conn:
        result = await conn.execute(
            update(Deal)
            .where(col(Deal.id) == deal_id, col(Deal.status).in_(leaves),
                   col(Deal.merchant_id).in_(owned_merchant_ids(user_id, approved=True)))
            .values(status=reaches, updated_at=now)
        )
        if result.rowcount == 1:
            await vocabulary_changed(conn)  # its words join or leave the parser's
            return "done"
    if await get_own_deal(db, user_id, deal_id) is None:
        return "not_owner"
    seller = await seller_of(db, user_id)
    return "already" if seller and seller.approved else "not_approved"


EDITABLE = ("title", "price", "original_price", "stock", "valid_until", "group")


async def edit_deal(db: Database, user_id: int, deal_id: int, field_name: str, raw: str,
                    now: datetime, timezone: str, read: TimeReader | None = None) -> OwnDeal:
    """Change one field of a deal (checked like `/newdeal` checks it) and return the
    deal as it is now. Raises `DealInputError` for a bad value, `PermissionError` when
    the deal is not the caller's to change. `read`: see parse_day.

    Orders already placed keep their amount: a pending order's invoice or payment page
    still asks the old price, and the payment check compares against the order.

    "group" sets a group deal's terms (`parse_group`: "3人 39元 24小时") or clears them
    ("-", "不拼团"). Groups already open are untouched either way: each keeps its own
    size (`BuyGroup.size`) and each member's order the price it was made at. A price at
    or below the group price is refused, and so is a last day that leaves less than the
    group window.
    """
    if field_name not in EDITABLE:
        raise DealInputError("field-unknown")
    async with db.transaction() as session:
        deal = (await session.exec(
            select(Deal).where(
                Deal.id == deal_id,
                col(Deal.merchant_id).in_(owned_merchant_ids(user_id, approved=True)))
            .with_for_update()
        )).first()
        if deal is None:
            raise PermissionError(deal_id)
        if deal.status == DealStatus.ENDED:
            raise DealInputError("deal-ended")
        merchant = await session.get(Merchant, deal.merchant_id)
        assert merchant is not None
        if field_name == "title":
            title = check_title(raw)
            # The other language's title would now describe the old deal: drop it.
            if is_chinese(title):
                deal.title_zh, deal.title_en = title, None
            else:
                deal.title_zh, deal.title_en = None, title
        elif field_name == "price":
            price = parse_price(raw, deal.currency)
            deal.price = price
            check_original_price(price, deal.original_price)
            if deal.group_price is not None and deal.group_price >= price:
                raise DealInputError("price-not-above-group")
        elif field_name == "original_price":
            deal.original_price = check_original_price(
                deal.price, parse_price(raw, deal.currency))
        elif field_name == "stock":
            deal.stock = parse_count(raw, QUANTITY_MAX, unlimited=True)
        elif field_name == "valid_until":
            deal.valid_until = parse_valid_until(raw, now, timezone, read=read)
            if deal.group_hours is not None:
                try:
                    check_group_window(deal.group_hours, deal.valid_until, now)
                except DealInputError:
                    raise DealInputError("until-before-group-window",
                                         hours=deal.group_hours) from None
        elif field_name == "group":
            terms = parse_group(raw, deal.price, deal.valid_until, now, deal.currency)
            for name, value in group_data(terms).items():
                setattr(deal, name, value)
        deal.updated_at = now
        deal.search_text = build_search_text(deal, merchant)
        session.add(deal)
        if field_name == "title":  # the parser should know the new name, not the old
            await vocabulary_changed(await session.connection())
    found = await get_own_deal(db, user_id, deal_id)
    assert found is not None
    return found
