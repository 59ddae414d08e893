"""Loading the demo world (`o2o seed demo`): Fuzhou Mawei merchants, stores and deals.

Seeding is idempotent: merchants, stores and deals carry stable keys, and a second run
adds nothing. Validity windows are computed from the seed moment, so the demo is
always current; everything else comes verbatim from `services.demo.demo_data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from services.bookings.booking import LIVE, book, drop_reminder
from services.bookings.seating import SeatingPlan, save_plan, store_seating, zone_of
from services.catalog.deal_cards import build_search_text, vocabulary_changed
from services.catalog.places import import_demo_places
from services.orders.checkout import apply_payment, start_order
from services.payments.base import PaymentNotice
from services.platform.database import Database
from services.platform.outbox import due, mark_failed, take
from services.platform.users import demo_telegram_id
from storage.models import (
    Booking,
    BuyGroup,
    Deal,
    DealStatus,
    DealStore,
    GroupStatus,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    Seating,
    StaffRole,
    Store,
    User,
)
from storage.types import utcnow


@dataclass(frozen=True)
class SeedReport:
    """How many rows a seed run added."""

    merchants: int
    stores: int
    deals: int
    groups: int = 0  # 拼团 groups opened by demo shoppers
    seatings: int = 0  # stores given seating (订座)
    bookings: int = 0  # existing bookings made


async def has_deals(db: Database) -> bool:
    """Is there at least one deal in the database?"""
    async with db.session() as session:
        count = (await session.exec(select(func.count()).select_from(Deal))).one()
    return count > 0


async def seed_demo(db: Database, now: datetime | None = None, *,
                    groups: bool = True, bookings: bool = True) -> SeedReport:
    """Add the demo merchants, stores and deals that are not there yet, the demo
    restaurants' seating, (`groups`) the demo shoppers' part-filled 拼团 groups when their
    deals have none open, and (`bookings`) the demo's existing table bookings when none
    of them is ahead."""
    from services.demo import demo_data  # the data is only needed when seeding

    now = now or utcnow()
    # Deals start at the beginning of today (UTC) so that a run at 23:59 and one at
    # 00:01 give the same windows for the same day.
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    added_merchants = added_stores = added_deals = 0
    async with db.transaction() as session:
        merchants: dict[str, Merchant] = {
            m.slug: m for m in (await session.exec(select(Merchant))).all()
        }
        stores: dict[str, Store] = {
            s.key: s for s in (await session.exec(select(Store))).all() if s.key
        }
        deal_keys = {
            k for k in (await session.exec(select(Deal.key))).all() if k is not None
        }
        for dm in demo_data.MERCHANTS:
            merchant = merchants.get(dm.slug)
            if merchant is None:
                merchant = Merchant(
                    slug=dm.slug,
                    name_zh=dm.name_zh,
                    name_en=dm.name_en,
                    category=dm.category,
                    description_zh=dm.description_zh,
                    description_en=dm.description_en,
                    phone=dm.phone,
                    # The demo rating stands for ten past visits.
                    rating_sum=round(dm.rating * 10),
                    rating_count=10,
                    status=MerchantStatus.APPROVED,
                    created_at=now,
                )
                rates = demo_data.MERCHANT_COMMISSIONS.get(dm.slug, (0, 0, 0))
                (merchant.commission_l1_bp, merchant.commission_l2_bp,
                 merchant.commission_l3_bp) = rates
                session.add(merchant)
                merchants[dm.slug] = merchant
                added_merchants += 1
            await session.flush()
            for ds in dm.stores:
                if ds.key in stores:
                    continue
                store = Store(
                    merchant_id=merchant.id,
                    key=ds.key,
                    name_zh=ds.name_zh,
                    name_en=ds.name_en,
                    address_zh=ds.address_zh,
                    address_en=ds.address_en,
                    lat=ds.lat,
                    lon=ds.lon,
                    opening_hours=ds.opening_hours,
                    phone=ds.phone,
                    created_at=now,
                )
                session.add(store)
                stores[ds.key] = store
                added_stores += 1
        await session.flush()
        for dd in demo_data.DEALS:
            if dd.key in deal_keys:
                continue
            merchant = merchants[dd.merchant_slug]
            valid_from = today + timedelta(days=dd.starts_in_days)
            deal = Deal(
                merchant_id=merchant.id,
                key=dd.key,
                title_zh=dd.title_zh,
                title_en=dd.title_en,
                description_zh=dd.description_zh,
                description_en=dd.description_en,
                usage_rules_zh=dd.usage_rules_zh,
                usage_rules_en=dd.usage_rules_en,
                category=dd.category,
                tags=list(dd.tags),
                price=dd.price,
                original_price=dd.original_price,
                currency="CNY",
                stock=dd.stock,
                sold=dd.sold,
                per_user_limit=dd.per_user_limit,
                valid_from=valid_from,
                valid_until=valid_from + timedelta(days=dd.valid_days),
                status=DealStatus.ACTIVE,
                refund_policy=dd.refund_policy,
                created_at=now,
                updated_at=now,
            )
            if dd.group is not None:  # a group deal (拼团)
                deal.group_size, deal.group_price, deal.group_hours = dd.group
            if dd.key in demo_data.DEAL_COMMISSIONS:
                (deal.commission_l1_bp, deal.commission_l2_bp,
                 deal.commission_l3_bp) = demo_data.DEAL_COMMISSIONS[dd.key]
            deal.search_text = build_search_text(deal, merchant)
            session.add(deal)
            await session.flush()
            for key in dd.store_keys:
                session.add(DealStore(deal_id=deal.id, store_id=stores[key].id))
            added_deals += 1
        if added_merchants or added_deals:
            await vocabulary_changed(await session.connection())
    await seed_demo_staff(db, now)
    await import_demo_places(db)
    opened = await seed_demo_groups(db, now) if groups else 0
    seated = await seed_demo_seating(db, now)
    booked = await seed_demo_bookings(db, now) if bookings else 0
    return SeedReport(added_merchants, added_stores, added_deals, opened, seated, booked)


async def seed_demo_shoppers(db: Database, now: datetime) -> dict[str, int]:
    """The demo shoppers who fill the demo's open groups (`demo_data.DEMO_SHOPPERS`),
    added if missing: their user ids by key. The groups themselves are seeded from
    `demo_data.OPEN_GROUPS` (`seed_demo_groups`)."""
    from services.demo import demo_data

    async with db.transaction() as session:
        return {key: (await _demo_user(session, key, first_name, now)).id or 0
                for key, first_name in demo_data.DEMO_SHOPPERS}


async def _demo_user(session: object, name: str, first_name: str, now: datetime) -> User:
    """The demo user called `name` (its Telegram id is made from it), added if missing."""
    telegram_id = demo_telegram_id(name)
    user = (await session.exec(  # type: ignore[attr-defined]
        select(User).where(User.telegram_id == telegram_id))).first()
    if user is None:
        user = User(telegram_id=telegram_id, first_name=first_name, created_at=now)
        session.add(user)  # type: ignore[attr-defined]
        await session.flush()  # type: ignore[attr-defined]
    return user


async def seed_demo_groups(db: Database, now: datetime) -> int:
    """Open the demo's part-filled 拼团 groups (`demo_data.OPEN_GROUPS`) for deals that
    have no open group now: each demo shopper takes a seat and pays through the sandbox,
    as a shopper would (real orders, ledger entries, and no codes until the group
    fills). Returns how many groups were opened; a second run opens none while they are
    open (and new ones once they have closed)."""
    from services.demo import demo_data

    shoppers = await seed_demo_shoppers(db, now)
    opened = 0
    for deal_key, members in demo_data.OPEN_GROUPS:
        async with db.session() as session:
            deal_id = (await session.exec(select(Deal.id).where(Deal.key == deal_key))).first()
            if deal_id is None:
                continue
            busy = (await session.exec(select(BuyGroup.id).where(
                BuyGroup.deal_id == deal_id, BuyGroup.status == GroupStatus.OPEN))).first()
        if busy is not None:
            continue
        group: int | str = "new"
        for key in members:
            started = await start_order(db, shoppers[key], deal_id, 1, now,
                                        group=group)  # type: ignore[arg-type]
            if started.order is None:
                break  # sold out, ended: the demo simply has fewer groups
            paid = await apply_payment(db, PaymentNotice(
                "sandbox", started.order.id, started.order.total, started.order.currency,
                charge_id=f"demo-group-{started.order.id}"), now)
            if paid.outcome != "paid" or paid.order is None or paid.order.group_id is None:
                break
            group = paid.order.group_id
            # The demo shoppers are nobody's chat: their "you're in" news is dropped.
            for owed in await due(db, now, keys=list(paid.owed_keys)):
                if await take(db, owed) is not None:
                    await mark_failed(db, owed.id, "demo shopper: not a chat")
        opened += group != "new"
    return opened


DEMO_STAFF_ROLES = (("owner", StaffRole.OWNER), ("staff", StaffRole.STAFF))


async def seed_demo_staff(db: Database, now: datetime) -> int:
    """An owner and a staff member for every demo merchant, named `<slug>-owner` and
    `<slug>-staff` (in the shell: `/as haidilao-staff`). Returns how many were added."""
    from services.demo import demo_data

    added = 0
    async with db.transaction() as session:
        slugs = [m.slug for m in demo_data.MERCHANTS]
        merchants = (await session.exec(
            select(Merchant).where(col(Merchant.slug).in_(slugs)))).all()
        for merchant in merchants:
            for suffix, role in DEMO_STAFF_ROLES:
                name = f"{merchant.slug}-{suffix}"
                user = await _demo_user(session, name, name, now)
                exists = (await session.exec(select(MerchantStaff.id).where(
                    MerchantStaff.merchant_id == merchant.id,
                    MerchantStaff.user_id == user.id))).first()
                if exists is None:
                    session.add(MerchantStaff(merchant_id=merchant.id, user_id=user.id,
                                              role=role, created_at=now))
                    added += 1
                if role == StaffRole.OWNER and merchant.owner_user_id is None:
                    merchant.owner_user_id = user.id
    return added


async def seed_demo_seating(db: Database, now: datetime) -> int:
    """Seating for the demo restaurants (`demo_data.SEATING`) that have none yet (an
    owner's own `/seating` is kept). Returns how many stores got it."""
    from services.demo import demo_data

    async with db.session() as session:
        stores = {s.key: s.id for s in (await session.exec(select(Store))).all() if s.key}
        seated = set((await session.exec(select(Seating.store_id))).all())
    added = 0
    for key, tables, stay, deposit in demo_data.SEATING:
        store_id = stores.get(key)
        if store_id is None or store_id in seated:
            continue
        await save_plan(db, store_id, SeatingPlan(tables=tables, stay_minutes=stay,
                                                  deposit=deposit), now)
        added += 1
    return added


def _local(now: datetime, days: int, hhmm: str) -> datetime:
    """`hhmm` on the store's wall clock (the default zone), `days` after today, in UTC."""
    tz = zone_of(None)
    day = now.astimezone(tz).date() + timedelta(days=days)
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


async def seed_demo_bookings(db: Database, now: datetime) -> int:
    """The demo's existing bookings (`demo_data.DEMO_BOOKINGS`, and every table of
    `demo_data.FULL_AT` taken by phone guests), made through `book` as a shopper or the
    store would, unless a booking at a demo restaurant is still ahead (then none: a
    second run adds nothing). Starts already past are left out. The demo shoppers'
    reminders are dropped (they are nobody's chat). Returns how many were made."""
    from services.demo import demo_data

    async with db.session() as session:
        stores = {s.key: s.id for s in (await session.exec(select(Store))).all() if s.key}
        demo_ids = [stores[k] for k, *_ in demo_data.SEATING if k in stores]
        ahead = (await session.exec(select(Booking.id).where(
            col(Booking.store_id).in_(demo_ids), col(Booking.status).in_(LIVE),
            Booking.starts_at > now))).first()
    if ahead is not None:
        return 0
    shoppers = await seed_demo_shoppers(db, now)
    made = 0
    for key, days, hhmm, party, who in demo_data.DEMO_BOOKINGS:
        if key not in stores:
            continue
        user_id = shoppers.get(who)
        attempt = await book(db, user_id, stores[key], party, _local(now, days, hhmm), now,
                             name=None if user_id else who)
        if attempt.booking is None:
            continue
        made += 1
        if user_id is not None:
            async with db.begin() as conn:
                await drop_reminder(conn, attempt.booking.id)
    key, days, hhmm = demo_data.FULL_AT
    seating = await store_seating(db, stores[key]) if key in stores else None
    if seating is not None:
        guests = iter(demo_data.FULL_GUESTS * 4)
        for kind in reversed(seating.kinds):  # the largest first: each party its own table
            for _ in range(kind.tables):
                attempt = await book(db, None, seating.store_id, kind.seats,
                                     _local(now, days, hhmm), now, name=next(guests))
                made += attempt.booking is not None
    return made
