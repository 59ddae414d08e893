"""A small shop for the checkout and redemption stories: one merchant, two stores, deals
with the stock, limits and refund policies a story needs, its staff, and a rival."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from services.platform.database import Database
from storage.models import (
    Deal,
    DealStatus,
    DealStore,
    Merchant,
    MerchantStaff,
    MerchantStatus,
    RefundPolicy,
    Store,
    User,
)
from tests.conftest import STORY_NOW


@dataclass
class World:
    merchant_id: int
    rival_id: int
    store_ids: list[int]
    deals: dict[str, int]  # name -> deal id
    users: dict[str, int]  # name -> user id (buyers, staff)
    telegram: dict[str, int]  # name -> telegram id


async def build_world(db: Database, buyers: int = 3) -> World:
    """The shop, its deals (`limited`: 10 left, 5 a person, refund anytime; `on_expiry`;
    `final`: no refund; `later`: valid from tomorrow), staff and some buyers."""
    now = STORY_NOW
    async with db.transaction() as session:
        users: dict[str, User] = {}
        names = ["owner", "staff", "store2_staff", "rival_staff", "nobody"] + [
            f"buyer{i}" for i in range(1, buyers + 1)]
        for number, name in enumerate(names, start=1):
            users[name] = User(telegram_id=7_000_000 + number, first_name=name,
                               language_code="en")
        session.add_all(users.values())
        await session.flush()
        shop = Merchant(slug="noodle-lab", name_zh="面条实验室", name_en="Noodle Lab",
                        category="noodles", status=MerchantStatus.APPROVED,
                        owner_user_id=users["owner"].id)
        rival = Merchant(slug="rival", name_zh="对手", name_en="Rival", category="noodles",
                         status=MerchantStatus.APPROVED)
        session.add_all([shop, rival])
        await session.flush()
        stores = [Store(merchant_id=shop.id, name_en=f"Noodle Lab {n}",
                        name_zh=f"面条实验室{n}号店", address_en=f"{n} Main St",
                        lat=26.0 + n / 1000, lon=119.45)
                  for n in (1, 2)]
        rival_store = Store(merchant_id=rival.id, name_en="Rival", lat=26.0, lon=119.46)
        session.add_all([*stores, rival_store])
        await session.flush()

        def deal(title: str, stock: int | None, limit: int, policy: str,
                 starts: timedelta = timedelta(days=-1)) -> Deal:
            return Deal(merchant_id=shop.id, title_en=title, title_zh=title, category="noodles",
                        price=2500, original_price=4000, currency="CNY", stock=stock,
                        per_user_limit=limit, valid_from=now + starts,
                        valid_until=now + timedelta(days=30), status=DealStatus.ACTIVE,
                        refund_policy=policy)

        deals = {
            "limited": deal("Bowl of noodles", 10, 5, RefundPolicy.ANYTIME),
            "on_expiry": deal("Noodle voucher", None, 5, RefundPolicy.ON_EXPIRY),
            "final": deal("Final sale noodles", None, 5, RefundPolicy.NONE),
            "later": deal("Tomorrow's noodles", None, 5, RefundPolicy.ANYTIME,
                          starts=timedelta(days=1)),
            "crowd": deal("Last ten bowls", 10, 1, RefundPolicy.ANYTIME),
        }
        session.add_all(deals.values())
        await session.flush()
        for name, d in deals.items():
            at = stores if name != "crowd" else stores[:1]
            session.add_all(DealStore(deal_id=d.id, store_id=s.id) for s in at)
        session.add_all([
            MerchantStaff(merchant_id=shop.id, user_id=users["owner"].id, role="owner"),
            MerchantStaff(merchant_id=shop.id, user_id=users["staff"].id, role="staff"),
            MerchantStaff(merchant_id=shop.id, user_id=users["store2_staff"].id, role="staff",
                          store_id=stores[1].id),
            MerchantStaff(merchant_id=rival.id, user_id=users["rival_staff"].id, role="staff"),
        ])
    return World(
        merchant_id=shop.id or 0, rival_id=rival.id or 0,
        store_ids=[s.id or 0 for s in stores],
        deals={k: v.id or 0 for k, v in deals.items()},
        users={k: v.id or 0 for k, v in users.items()},
        telegram={k: v.telegram_id for k, v in users.items()},
    )


async def stock_of(db: Database, deal_id: int) -> int | None:
    """What is left of a deal's stock (None: unlimited)."""
    async with db.session() as session:
        deal = await session.get(Deal, deal_id)
        assert deal is not None
        return deal.stock


async def count(db: Database, model: type, *where: object) -> int:
    """How many rows of `model` match `where`."""
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()
