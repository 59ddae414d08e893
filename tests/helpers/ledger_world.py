"""A shop with a referral chain, for the ledger's proofs: one merchant (its owner redeems),
one store, deals at tiny and normal prices under each refund policy, commission rates
5/3/2 % (one deal 7/7/7 % of its own), a 5 % fee, and buyers A <- B <- C <- D (D was
brought by C, C by B, B by A) beside E, whom nobody brought.

Also what the proofs read back from the books: every account's balance two ways, each
paid order's payment entry, and the money per order and account kind."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from services.ledger.books import AccountKind, balances, shown
from services.ledger.commissions import set_rates
from services.ledger.rules import Rules, set_rules
from services.platform.database import Database
from storage.models import (
    Coupon,
    CouponKind,
    CouponTemplate,
    Deal,
    DealStatus,
    DealStore,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    Merchant,
    MerchantStatus,
    RefundPolicy,
    Store,
    User,
)

RULES = Rules(fee_bp=500, commission_cap_bp=3000, referral_levels=3, release_after_days=7)
RATES = (500, 300, 200)  # the merchant's levels 1, 2, 3
RICH_RATES = (700, 700, 700)  # one deal's own
CHAIN = ("A", "B", "C", "D")  # each brought by the one before
FAR = timedelta(days=3650)
_ACCOUNTS, _ENTRIES, _LINES = (
    LedgerAccount.__table__, LedgerEntry.__table__,  # type: ignore[attr-defined]
    LedgerLine.__table__,  # type: ignore[attr-defined]
)


@dataclass
class DealFacts:
    """What a proof needs to know of a deal."""

    id: int
    price: int
    policy: str
    valid_until: datetime
    rates: tuple[int, int, int]


@dataclass
class LedgerWorld:
    merchant_id: int
    owner_id: int
    store_id: int
    users: dict[str, int]  # A, B, C, D, E
    deals: dict[str, DealFacts]
    referrers: dict[int, list[int]] = field(default_factory=dict)  # buyer -> level 1, 2, 3


async def build_ledger_world(db: Database, now: datetime) -> LedgerWorld:
    """The shop and its people, the rules and the rates in force."""
    await set_rules(db, RULES)
    async with db.transaction() as session:
        people = {name: User(telegram_id=8_100_000 + n, first_name=name, language_code="en")
                  for n, name in enumerate(["owner", *CHAIN, "E"])}
        session.add_all(people.values())
        await session.flush()
        for upper, lower in itertools.pairwise(CHAIN):
            people[lower].referred_by_user_id = people[upper].id
        shop = Merchant(slug="ledger-shop", name_en="Ledger Shop", category="noodles",
                        status=MerchantStatus.APPROVED, owner_user_id=people["owner"].id)
        session.add(shop)
        await session.flush()
        store = Store(merchant_id=shop.id, name_en="Ledger Shop 1", lat=26.0, lon=119.45)
        session.add(store)
        await session.flush()
        assert shop.id is not None and store.id is not None
    world = LedgerWorld(shop.id, people["owner"].id or 0, store.id,
                        {n: p.id or 0 for n, p in people.items() if n != "owner"}, {})
    assert (await set_rates(db, shop.id, RATES)).outcome == "ok"
    for name, price, policy in (("tiny", 3, RefundPolicy.ANYTIME),
                                ("tiny_final", 7, RefundPolicy.NONE),
                                ("bowl", 2500, RefundPolicy.ANYTIME),
                                ("odd", 1999, RefundPolicy.ANYTIME),
                                ("final", 1800, RefundPolicy.NONE)):
        await add_deal(db, world, name, price, policy, now + FAR, now)
    await add_deal(db, world, "rich", 999, RefundPolicy.ANYTIME, now + FAR, now,
                   rates=RICH_RATES)
    ids = world.users
    for n, name in enumerate(CHAIN):
        world.referrers[ids[name]] = [ids[CHAIN[i]] for i in range(n - 1, -1, -1)][:3]
    world.referrers[ids["E"]] = []
    return world


async def add_deal(db: Database, world: LedgerWorld, name: str, price: int, policy: str,
                   valid_until: datetime, now: datetime,
                   rates: tuple[int, int, int] | None = None) -> DealFacts:
    """A deal of the shop on sale from a day before `now` until `valid_until`."""
    async with db.transaction() as session:
        deal = Deal(merchant_id=world.merchant_id, title_en=name, title_zh=name,
                    category="noodles", price=price, original_price=price * 2,
                    currency="CNY", stock=None, per_user_limit=1_000_000,
                    valid_from=now - timedelta(days=1), valid_until=valid_until,
                    status=DealStatus.ACTIVE, refund_policy=policy)
        session.add(deal)
        await session.flush()
        assert deal.id is not None
        session.add(DealStore(deal_id=deal.id, store_id=world.store_id))
    if rates is not None:
        assert (await set_rates(db, world.merchant_id, rates, deal_id=deal.id)).outcome == "ok"
    facts = DealFacts(deal.id, price, policy, valid_until, rates or RATES)
    world.deals[name] = facts
    return facts


async def give_coupon(db: Database, world: LedgerWorld, user_id: int, amount_off: int,
                      now: datetime, key: str) -> None:
    """The merchant gives a buyer an amount-off coupon (taken at their next order)."""
    async with db.transaction() as session:
        template = CouponTemplate(merchant_id=world.merchant_id, kind=CouponKind.AMOUNT_OFF,
                                  title_en=f"{amount_off} off", amount_off=amount_off)
        session.add(template)
        await session.flush()
        assert template.id is not None
        session.add(Coupon(template_id=template.id, user_id=user_id,
                           merchant_id=world.merchant_id, claim_key=key,
                           valid_from=now - timedelta(days=1), valid_until=now + FAR))


async def account_balances(db: Database) -> dict[tuple[str, str, str], int]:
    """Every account's shown balance, as a raw SUM of its lines, checked against
    `books.balances` (the statements' figure): they must agree."""
    async with db.engine.connect() as conn:
        raw = (await conn.execute(
            select(_ACCOUNTS.c.kind, _ACCOUNTS.c.ref, _ACCOUNTS.c.currency,
                   func.coalesce(func.sum(_LINES.c.amount), 0))
            .select_from(_ACCOUNTS.outerjoin(_LINES, _LINES.c.account_id == _ACCOUNTS.c.id))
            .group_by(_ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref,
                      _ACCOUNTS.c.currency))).all()
        found = {(k, r, c): shown(k, int(total)) for k, r, c, total in raw}
        for kind, ref, currency in found:
            said = await balances(conn, [kind], ref, currency)
            assert said == {(kind, currency): found[(kind, ref, currency)]}, (
                f"balances() says {said} for {kind}:{ref}, its lines sum to "
                f"{found[(kind, ref, currency)]}")
    return found


@dataclass(frozen=True)
class Payment:
    """A paid order's payment entry, by part (shown amounts)."""

    cash: int
    merchant: int  # sale less the coupon the merchant gave
    fee: int
    commissions: dict[str, int]  # user id -> amount
    levels: dict[str, str]  # user id -> l1/l2/l3


async def payment_entries(db: Database) -> dict[int, list[Payment]]:
    """Every payment entry, by order."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(_ENTRIES.c.id, _ENTRIES.c.order_id, _ACCOUNTS.c.kind, _ACCOUNTS.c.ref,
                   _LINES.c.amount, _LINES.c.detail)
            .join(_LINES, _LINES.c.entry_id == _ENTRIES.c.id)
            .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
            .where(_ENTRIES.c.kind == "payment").order_by(_LINES.c.id))).all()
    by_entry: dict[int, list[tuple[int, str, str, int, str]]] = defaultdict(list)
    for entry_id, order_id, kind, ref, amount, detail in rows:
        by_entry[entry_id].append((order_id, kind, ref, amount, detail))
    found: dict[int, list[Payment]] = defaultdict(list)
    for lines in by_entry.values():
        commissions = {ref: -amount for _, kind, ref, amount, _ in lines
                       if kind == AccountKind.COMMISSION_PENDING}
        found[lines[0][0]].append(Payment(
            cash=sum(a for _, k, _, a, _ in lines if k == AccountKind.CASH),
            merchant=-sum(a for _, k, _, a, _ in lines if k == AccountKind.MERCHANT_PENDING),
            fee=-sum(a for _, k, _, a, _ in lines if k == AccountKind.FEE_PENDING),
            commissions=commissions,
            levels={ref: d for _, k, ref, _, d in lines
                    if k == AccountKind.COMMISSION_PENDING}))
    return found


async def order_money(db: Database) -> dict[int, dict[str, int]]:
    """Per order, the sum of its lines per account kind (raw: debit +, credit -)."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(
            select(_LINES.c.order_id, _ACCOUNTS.c.kind, func.sum(_LINES.c.amount))
            .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINES.c.account_id)
            .where(_LINES.c.order_id.is_not(None))
            .group_by(_LINES.c.order_id, _ACCOUNTS.c.kind))).all()
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for order_id, kind, total in rows:
        found[order_id][kind] = int(total)
    return found


async def entries_of(db: Database, **where: object) -> list[tuple[int, str, int | None]]:
    """Entries (id, kind, the id of the entry it reverses) matching column values
    (code_id=..., kind=...)."""
    async with db.engine.connect() as conn:
        query = select(_ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.reverses_id)
        for column, value in where.items():
            query = query.where(_ENTRIES.c[column] == value)
        return [(i, k, r) for i, k, r in (await conn.execute(
            query.order_by(_ENTRIES.c.id))).all()]


async def count_entries(db: Database) -> int:
    """How many entries the books hold."""
    async with db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(_ENTRIES))).scalar())
